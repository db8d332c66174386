package fs

// Fuzz targets for the volume's path handling. Run one with, for example,
//
//	go test -run '^$' -fuzz '^FuzzClean$' -fuzztime 20s ./fs/
//
// Without -fuzz, `go test` runs them on the seed corpus below (and on anything in
// testdata/fuzz).

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/pkg/attr"
)

// nameSeeds are hostile names for every target's seed corpus.
var nameSeeds = []string{
	"", "/", "//", "a", "a/b", "/a/b/", ".", "..", "...", "./a", "a/..", "../../x", "a//b",
	"a\x00b", "\x00", "\\", `a\b`, "C:", "c:\\x", "\xff\xfe", "\xed\xa0\x80", "e\u0301",
	strings.Repeat("x", 255), strings.Repeat("x", 256), strings.Repeat("é", 128),
	strings.Repeat("a/", 200), " ", "\n", "a\tb", "/.", "/..", "/a/.", "/a/..",
}

// FuzzClean: Clean makes a volume path of anything, idempotently; Split and Join
// take it apart and put it together again.
func FuzzClean(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if c == "" || c[0] != '/' {
			t.Fatalf("Clean(%q) = %q: not rooted", s, c)
		}
		if Clean(c) != c {
			t.Fatalf("Clean is not idempotent: %q -> %q -> %q", s, c, Clean(c))
		}
		if c != "/" && strings.HasSuffix(c, "/") || strings.Contains(c, "//") {
			t.Fatalf("Clean(%q) = %q", s, c)
		}
		for _, part := range strings.Split(c[1:], "/") {
			if part == "." || part == ".." {
				t.Fatalf("Clean(%q) = %q keeps a %q component", s, c, part)
			}
		}
		if c == "/" {
			return
		}
		dir, base := Split(c)
		if base == "" || strings.Contains(base, "/") {
			t.Fatalf("Split(%q) = %q, %q", c, dir, base)
		}
		if Clean(dir) != dir {
			t.Fatalf("Split(%q): dir %q is not clean", c, dir)
		}
		if j := Join(dir, base); j != c {
			t.Fatalf("Join(Split(%q)) = %q", c, j)
		}
	})
}

// FuzzCheckName: checkName never panics, accepts only rooted paths, and every error
// it returns maps to an errno.
func FuzzCheckName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, 0)
		f.Add("/"+s, 255)
	}
	f.Add("/a", 1)
	f.Fuzz(func(t *testing.T, name string, maxName int) {
		opts := Options{MaxNameLength: maxName % 1024, MaxPathLength: 4096, Logger: quietFuzzLogger}
		v := NewVolume(newFake(), &opts)
		err := v.checkName(name)
		if err != nil {
			if _, ok := ErrnoOf(err); !ok {
				t.Fatalf("checkName(%q): %v maps to no errno", name, err)
			}
			return
		}
		if name == "" || name[0] != '/' {
			t.Fatalf("checkName accepted %q, which is not a volume path", name)
		}
		_, base := Split(name)
		if len(base) > v.opts.MaxNameLength {
			t.Fatalf("checkName accepted a %d-byte name (limit %d)", len(base), v.opts.MaxNameLength)
		}
		if base == "." || base == ".." {
			t.Fatalf("checkName accepted %q", name)
		}
	})
}

var quietFuzzLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// validBase reports whether base is a name a file can have: not empty, no "/" or
// NUL, not "." or "..", at most 255 bytes.
func validBase(base string) bool {
	return base != "" && base != "." && base != ".." && len(base) <= 255 &&
		!strings.ContainsAny(base, "/\x00")
}

// FuzzVolumeNames creates, looks up, lists, renames and removes the entry base in
// the root of a volume: a name that is not valid is refused (with a mapped error)
// by every call; a valid one is listed back exactly, and nothing panics.
func FuzzVolumeNames(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, base string, dir bool) {
		ctx := context.Background()
		v := NewVolume(newFake(), &Options{Logger: quietFuzzLogger})
		name := Join("/", base)
		mapped := func(what string, err error) {
			t.Helper()
			if err != nil {
				if _, ok := ErrnoOf(err); !ok {
					t.Fatalf("%s %q: %v maps to no errno", what, base, err)
				}
			}
		}
		var err error
		if dir {
			_, err = v.Mkdir(ctx, name, 0o755)
		} else {
			var h *Handle
			h, _, err = v.Create(ctx, name, CreateRequest{Mode: attr.S_IFREG | 0o644, Access: AccessRead | AccessWrite, Exclusive: true})
			if err == nil {
				h.Release(ctx)
			}
		}
		mapped("create", err)
		_, lerr := v.Lookup(ctx, "/", base)
		mapped("lookup", lerr)
		rerr := v.Rename(ctx, name, "/renamed", 0)
		mapped("rename", rerr)
		rerr2 := v.Rename(ctx, "/renamed", name, 0)
		mapped("rename back", rerr2)
		list := listRoot(t, v)
		if !validBase(base) {
			if err == nil {
				t.Fatalf("created %q (listing %q)", base, list)
			}
			if rerr2 == nil && rerr == nil {
				t.Fatalf("renamed to and from %q", base)
			}
			return
		}
		if err != nil {
			t.Fatalf("create %q: %v", base, err)
		}
		if lerr != nil || rerr != nil || rerr2 != nil {
			t.Fatalf("%q: lookup %v, rename %v, rename back %v", base, lerr, rerr, rerr2)
		}
		if len(list) != 1 || list[0] != base {
			t.Fatalf("created %q, root lists %q", base, list)
		}
		if fi, err := v.Lookup(ctx, "/", base); err != nil || fi.Name != base || fi.IsDir() != dir {
			t.Fatalf("lookup %q: %+v, %v", base, fi, err)
		}
		if err := v.Remove(ctx, name, dir); err != nil {
			t.Fatalf("remove %q: %v", base, err)
		}
		if list := listRoot(t, v); len(list) != 0 {
			t.Fatalf("after removing %q the root lists %q", base, list)
		}
	})
}

func listRoot(t *testing.T, v *Volume) []string {
	t.Helper()
	ctx := context.Background()
	d, err := v.OpenDir(ctx, "/")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	var names []string
	if err := d.ReadDir(ctx, 0, func(fi *FileInfo, _ int64) bool {
		names = append(names, fi.Name)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return names
}

// FuzzVolumePaths runs a lookup, create, rename and remove on arbitrary paths
// (several components, any bytes) of a volume holding a small tree: no call
// panics, every error maps to an errno, and the backend is never asked to create a
// name that is not a clean volume path with valid components.
func FuzzVolumePaths(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, "/d/f", uint8(0))
		f.Add("/d/"+s, s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, a, b string, op uint8) {
		ctx := context.Background()
		fk := newFake()
		v := NewVolume(fk, &Options{Logger: quietFuzzLogger, CaseInsensitive: op&0x80 != 0})
		if _, err := v.Mkdir(ctx, "/d", 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := v.createClosed(ctx, "/d/f", CreateRequest{Mode: attr.S_IFREG | 0o644}); err != nil {
			t.Fatal(err)
		}
		var created []string
		fk.hook = func(event, name string) error {
			if event == "CreateFile" {
				created = append(created, name)
			}
			return nil
		}
		var err error
		switch op % 6 {
		case 0:
			_, err = v.Stat(ctx, a)
		case 1:
			dir, base := Split(a)
			_, err = v.Lookup(ctx, dir, base)
		case 2:
			_, err = v.Mkdir(ctx, a, 0o755)
		case 3:
			err = v.Rename(ctx, "/d/f", a, RenameFlags(op>>3&3))
		case 4:
			err = v.Remove(ctx, a, op&8 != 0)
		case 5:
			_, err = v.Link(ctx, "/d/f", b)
		}
		if err != nil {
			if _, ok := ErrnoOf(err); !ok {
				t.Fatalf("op %d on %q: %v maps to no errno", op%6, a, err)
			}
		}
		for _, name := range created {
			if v.checkName(name) != nil || Clean(name) != name {
				t.Fatalf("op %d on %q: the backend was asked to create %q", op%6, a, name)
			}
		}
	})
}
