package fstest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/anyfs/anyfs/fs"
)

// maxReadCheck is how much of each file CheckFS reads.
const maxReadCheck = 16 << 20

// CheckFS walks the volume from "/" and checks that every path in expected exists
// and was listed by its directory, and that the volume agrees with itself: each
// listing's entries with Stat and Lookup of the same names (type, mode, size,
// FileID), no name listed twice, a listing read again from a middle position with its
// tail, each regular file's content with its size, each symbolic link with Readlink.
// It returns every problem found, joined, or nil; it does not change the volume.
//
//	if err := fstest.CheckFS(v, "/a/b.txt", "/dir"); err != nil {
//		t.Fatal(err)
//	}
func CheckFS(v *fs.Volume, expected ...string) error {
	c := &fsChecker{v: v, ctx: context.Background(), listed: map[string]bool{"/": true}, seenDirs: map[uint64]string{}}
	root, err := v.Stat(c.ctx, "/")
	switch {
	case err != nil:
		c.errorf("Stat /: %v", err)
	case !root.IsDir():
		c.errorf("Stat /: %s, want a directory", typeName(root.Mode))
	default:
		c.walk("/", 0)
	}
	for _, name := range expected {
		name = fs.Clean(name)
		if _, err := v.Stat(c.ctx, name); err != nil {
			c.errorf("expected %s: Stat: %v", name, err)
			continue
		}
		if !c.listed[name] {
			c.errorf("expected %s: exists but its directory's listing does not hold it", name)
		}
	}
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("CheckFS found errors:\n%w", errors.Join(c.errs...))
}

type fsChecker struct {
	v        *fs.Volume
	ctx      context.Context
	errs     []error
	listed   map[string]bool   // every path a listing held
	seenDirs map[uint64]string // directories by FileID, against cycles
}

func (c *fsChecker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *fsChecker) walk(dir string, depth int) {
	if depth > 64 {
		c.errorf("%s: more than 64 levels of directories (a cycle?)", dir)
		return
	}
	list, err := listVolume(c.ctx, c.v, dir)
	if err != nil {
		c.errorf("listing %s: %v", dir, err)
		return
	}
	c.checkTail(dir, list)
	seen := map[string]bool{}
	for _, entry := range list {
		if entry.Name == "" || entry.Name == "." || entry.Name == ".." || strings.Contains(entry.Name, "/") {
			c.errorf("listing %s: bad entry name %q", dir, entry.Name)
			continue
		}
		if seen[entry.Name] {
			c.errorf("listing %s: %q listed more than once", dir, entry.Name)
			continue
		}
		seen[entry.Name] = true
		name := fs.Join(dir, entry.Name)
		c.listed[name] = true
		fi, err := c.v.Stat(c.ctx, name)
		if err != nil {
			c.errorf("%s: listed in %s, but Stat: %v", name, dir, err)
			continue
		}
		if d := agree(entry, fi); len(d) > 0 {
			c.errorf("%s: listing and Stat disagree: %s", name, strings.Join(d, "; "))
		}
		if lfi, err := c.v.Lookup(c.ctx, dir, entry.Name); err != nil {
			c.errorf("%s: Lookup: %v", name, err)
		} else if d := agree(lfi, fi); len(d) > 0 {
			c.errorf("%s: Lookup and Stat disagree: %s", name, strings.Join(d, "; "))
		}
		switch {
		case fi.IsDir():
			if fi.FileID != 0 {
				if prev, ok := c.seenDirs[fi.FileID]; ok {
					c.errorf("%s: directory with the FileID %d of %s", name, fi.FileID, prev)
					continue
				}
				c.seenDirs[fi.FileID] = name
			}
			c.walk(name, depth+1)
		case fi.Mode.IsRegular():
			c.checkContent(name, fi.Size)
		case fi.Mode.IsSymlink():
			if _, err := c.v.Readlink(c.ctx, name); err != nil {
				c.errorf("%s: symbolic link, but Readlink: %v", name, err)
			}
		}
	}
}

// checkTail reads dir again from a middle position, which makes the volume restart
// the backend's listing and skip forward, and compares with the first listing.
func (c *fsChecker) checkTail(dir string, list []fs.FileInfo) {
	if len(list) < 2 {
		return
	}
	d, err := c.v.OpenDir(c.ctx, dir)
	if err != nil {
		c.errorf("OpenDir %s: %v", dir, err)
		return
	}
	defer d.Close(c.ctx)
	// Read all, then from the middle: the second read starts before the buffered window.
	n := 0
	if err := d.ReadDir(c.ctx, 0, func(*fs.FileInfo, int64) bool { n++; return true }); err != nil {
		c.errorf("listing %s again: %v", dir, err)
		return
	}
	mid := len(list) / 2
	var tail []string
	if err := d.ReadDir(c.ctx, int64(mid), func(fi *fs.FileInfo, _ int64) bool { tail = append(tail, fi.Name); return true }); err != nil {
		c.errorf("listing %s from position %d: %v", dir, mid, err)
		return
	}
	if n != len(list) {
		c.errorf("listing %s twice: %d entries, then %d", dir, len(list), n)
	}
	want := names(list[mid:])
	sortStrings(tail)
	if strings.Join(tail, "\x00") != strings.Join(want, "\x00") {
		c.errorf("listing %s from position %d: got %d entries that differ from the rest of the first listing (%d entries); "+
			"an unchanged directory must list in the same order after a restart, since the volume re-reads from a position by restarting and skipping",
			dir, mid, len(tail), len(want))
	}
}

func (c *fsChecker) checkContent(name string, size int64) {
	h, err := c.v.Open(c.ctx, name, fs.AccessRead, 0)
	if err != nil {
		c.errorf("%s: Open: %v", name, err)
		return
	}
	defer h.Release(c.ctx)
	buf := make([]byte, 64<<10)
	var n int64
	for n < maxReadCheck {
		m, err := h.Read(c.ctx, buf, n)
		n += int64(m)
		if err != nil {
			c.errorf("%s: Read at %d: %v (the end of file is a short read with no error)", name, n, err)
			return
		}
		if m < len(buf) {
			break
		}
	}
	if n < maxReadCheck && n != size {
		c.errorf("%s: Stat says %d bytes, reading gives %d", name, size, n)
	}
}
