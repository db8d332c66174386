// The documentation's tests: every Go code block in docs/*.md is part of a file
// under docs/examples, which compiles, is vetted and (where it has tests) runs; and
// every relative link in docs/*.md leads to a file that exists.
package docs_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A Go code block must come right after a marker line naming its file, relative to
// docs/:
//
//	<!-- code: examples/hello/hello.go -->
//	```go
//	...
//	```
//
// The blocks of one document that name the same file, in order and joined by blank
// lines, must make up the whole file, byte for byte: a file may be shown in parts,
// split at blank lines, with prose between them. A marker ending in "excerpt"
// instead allows the block to be any run of whole lines of the file.
var markerRE = regexp.MustCompile(`^<!--\s*code:\s*(\S+)(\s+excerpt)?\s*-->$`)

// block is a fenced code block of a document.
type block struct {
	doc     string
	line    int    // of the opening fence
	lang    string // the first word of the info string
	text    string // the lines between the fences, each ending in "\n"
	file    string // from the marker; "" without one
	excerpt bool
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.doc, b.line) }

// parse returns the fenced code blocks of the markdown file doc.
func parse(t *testing.T, doc string) []block {
	t.Helper()
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	var cur *block
	var fence, indent, prev string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if cur != nil {
			if strings.HasPrefix(trimmed, fence) && strings.TrimSpace(trimmed[len(fence):]) == "" {
				blocks = append(blocks, *cur)
				cur = nil
				continue
			}
			cur.text += strings.TrimPrefix(line, indent) + "\n"
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			info := strings.Fields(trimmed[len(f):])
			cur = &block{doc: doc, line: n}
			if len(info) > 0 {
				cur.lang = info[0]
			}
			if m := markerRE.FindStringSubmatch(strings.TrimSpace(prev)); m != nil {
				cur.file, cur.excerpt = m[1], m[2] != ""
			}
			fence, indent = f, line[:len(line)-len(trimmed)]
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("%s: code block not closed", cur)
	}
	return blocks
}

// fenceOf returns the fence (``` or ~~~, three or more) that line opens, or "".
func fenceOf(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 {
			return line[:n]
		}
	}
	return ""
}

func docs(t *testing.T) []string {
	t.Helper()
	mds, err := filepath.Glob("*.md")
	if err != nil || len(mds) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	return mds
}

// TestCodeBlocks checks that every Go code block is (part of) the example file its
// marker names, so the docs show code that compiles and cannot drift from it.
func TestCodeBlocks(t *testing.T) {
	for _, doc := range docs(t) {
		whole := map[string]string{} // file -> concatenated blocks, for files shown whole
		var order []string
		for _, b := range parse(t, doc) {
			if b.lang != "go" && b.lang != "golang" {
				if b.file != "" {
					t.Errorf("%s: a code marker names %s, but the block is not ```go", b, b.file)
				}
				continue
			}
			if b.file == "" {
				t.Errorf("%s: Go code block without a marker line <!-- code: examples/PATH.go --> before it", b)
				continue
			}
			if !strings.HasSuffix(b.file, ".go") || !(strings.HasPrefix(b.file, "examples/") || b.excerpt && strings.HasPrefix(b.file, "../")) {
				t.Errorf("%s: marker names %s, want a .go file under examples/ (or, for an excerpt, a source file of the module)", b, b.file)
				continue
			}
			data, err := os.ReadFile(filepath.FromSlash(b.file))
			if err != nil {
				t.Errorf("%s: %v", b, err)
				continue
			}
			if b.excerpt {
				if !containsLines(string(data), b.text) {
					t.Errorf("%s: the block is not a run of whole lines of %s:\n%s", b, b.file, b.text)
				}
				continue
			}
			if _, ok := whole[b.file]; !ok {
				order = append(order, b.file)
			} else {
				whole[b.file] += "\n"
			}
			whole[b.file] += b.text
			if !containsLines(string(data), b.text) {
				t.Errorf("%s: the block is not a run of whole lines of %s:\n%s", b, b.file, b.text)
			}
		}
		for _, file := range order {
			data, _ := os.ReadFile(filepath.FromSlash(file))
			if got := whole[file]; got != string(data) {
				t.Errorf("%s: the blocks marked %s, joined by blank lines, do not make up that file (%d bytes shown, %d in the file); mark partial blocks \"excerpt\"\n%s",
					doc, file, len(got), len(data), firstDiff(got, string(data)))
			}
		}
	}
}

// containsLines reports whether part is a run of whole lines of text.
func containsLines(text, part string) bool {
	if part == "" {
		return false
	}
	return strings.HasPrefix(text, part) || strings.Contains(text, "\n"+part)
}

// firstDiff describes where a and b first differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: shown %q, file %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d and %d lines)", len(la), len(lb))
}

// linkRE matches the target of a markdown link or image: [text](target).
var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// codeSpanRE matches an inline code span, whose text is not a link.
var codeSpanRE = regexp.MustCompile("`[^`]*`")

// TestLinks checks that every relative link of the docs leads to a file or
// directory of the repository.
func TestLinks(t *testing.T) {
	for _, doc := range docs(t) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		inCode := false
		for n, line := range strings.Split(string(data), "\n") {
			if fenceOf(strings.TrimLeft(line, " ")) != "" {
				inCode = !inCode
			}
			if inCode {
				continue
			}
			for _, m := range linkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				target, _, _ = strings.Cut(target, "#")
				if _, err := os.Stat(filepath.FromSlash(target)); err != nil {
					t.Errorf("%s:%d: link to %s: %v", doc, n+1, m[1], err)
				}
			}
		}
	}
}

// TestExamplesCompile vets the example code, which type-checks every package
// under examples/ (commands and tests included), so that every block the docs show
// compiles. CI vets the same code for Linux, macOS and Windows.
func TestExamplesCompile(t *testing.T) {
	gocmd, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Skip("no go command")
	}
	if out, err := exec.Command(gocmd, "vet", "./examples/...").CombinedOutput(); err != nil {
		t.Errorf("go vet ./examples/...: %v\n%s", err, out)
	}
}

// TestMarkersUsed checks the markers themselves: each names an existing file, and
// the files under examples/ that the docs show are the tutorial's, whole.
func TestMarkersUsed(t *testing.T) {
	shown := map[string]bool{}
	for _, doc := range docs(t) {
		for _, b := range parse(t, doc) {
			if b.file != "" && !b.excerpt {
				shown[b.file] = true
			}
		}
	}
	for _, want := range []string{
		"examples/hello/hello.go",
		"examples/hello/hello_test.go",
		"examples/mapfs/mapfs.go",
		"examples/mapfs/write.go",
		"examples/mapfs/mapfs_test.go",
		"examples/cmd/mapfs/main.go",
	} {
		if !shown[want] {
			t.Errorf("the tutorial does not show %s whole", want)
		}
	}
}
