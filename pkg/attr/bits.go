package attr

import (
	"fmt"
	"strconv"
	"strings"
)

// bitName names one bit of a flag set for String and Parse.
type bitName struct {
	bit  uint32
	name string
}

// formatBits renders v as NAME|NAME|0x..., lowest bit first, with any bits that
// have no name collected into one trailing hex token. Zero renders as "0".
func formatBits(v uint32, names []bitName) string {
	if v == 0 {
		return "0"
	}
	var b strings.Builder
	rest := v
	for _, n := range names {
		if v&n.bit == n.bit && rest&n.bit != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.name)
			rest &^= n.bit
		}
	}
	if rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "%#x", rest)
	}
	return b.String()
}

// parseBits parses the form formatBits produces: names separated by '|', matched
// case-insensitively with an optional prefix (such as "FILE_ATTRIBUTE_"), numbers in
// Go syntax (0x..., 0o..., decimal). Blanks around tokens are ignored; the empty
// string is 0.
func parseBits(s, what, prefix string, names []bitName, aliases map[string]uint32) (uint32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var v uint32
	for _, tok := range strings.Split(s, "|") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return 0, fmt.Errorf("attr: empty %s in %q", what, s)
		}
		if c := tok[0]; c >= '0' && c <= '9' {
			n, err := strconv.ParseUint(tok, 0, 32)
			if err != nil {
				return 0, fmt.Errorf("attr: bad %s number %q", what, tok)
			}
			v |= uint32(n)
			continue
		}
		name := strings.ToUpper(tok)
		if prefix != "" {
			name = strings.TrimPrefix(name, prefix)
		}
		bit, ok := lookupBit(name, names, aliases)
		if !ok {
			return 0, fmt.Errorf("attr: unknown %s %q", what, tok)
		}
		v |= bit
	}
	return v, nil
}

func lookupBit(name string, names []bitName, aliases map[string]uint32) (uint32, bool) {
	for _, n := range names {
		if n.name == name {
			return n.bit, true
		}
	}
	bit, ok := aliases[name]
	return bit, ok
}
