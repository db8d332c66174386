package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is a size flag: a number of bytes with an optional unit, K, M, G, T
// (powers of 1024, also written KiB, MiB, ... or with a trailing B), as in
// --max-file-size 512M. It implements pflag.Value.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	{"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40},
	{"kb", 10}, {"mb", 20}, {"gb", 30}, {"tb", 40},
	{"k", 10}, {"m", 20}, {"g", 30}, {"t", 40},
	{"b", 0},
}

// Set parses s.
func (b *ByteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	var shift uint
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, shift = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("bad size %q (want a number of bytes with an optional unit K, M, G or T, such as 512M)", s)
	}
	if n > math.MaxInt64>>shift {
		return fmt.Errorf("size %q is too large", s)
	}
	*b = ByteSize(n << shift)
	return nil
}

// String formats b with the largest unit that divides it, as Set reads it back.
func (b ByteSize) String() string {
	n := int64(b)
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// Type names the flag's value in help output.
func (b *ByteSize) Type() string { return "size" }
