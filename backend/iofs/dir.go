package iofs

import (
	"errors"
	iofs "io/fs"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/anyfs/anyfs/fs"
)

// validPath is io/fs.ValidPath without its UTF-8 rule: a slash-separated path with
// no empty, "." or ".." element ("." alone is the root). Names on Linux are bytes,
// and a name that is not valid UTF-8 must work like any other.
func validPath(p string) bool {
	if p == "." {
		return true
	}
	if runtime.GOOS == "windows" && strings.IndexByte(p, '\\') >= 0 {
		return false // not a separator of io/fs paths, but one of the host's
	}
	for {
		elem, rest, more := strings.Cut(p, "/")
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
		if !more {
			return true
		}
		p = rest
	}
}

// dirFS is the file system [OpenDir] serves: the methods of an os.Root, which
// never leave the directory. Unlike os.Root.FS it takes names that are not valid
// UTF-8 (as io/fs paths must be), so that such files of a host directory are
// listed, opened and read like the others.
type dirFS struct{ r *os.Root }

var (
	_ iofs.StatFS    = dirFS{}
	_ iofs.ReadDirFS = dirFS{}
	_ ReadLinkFS     = dirFS{}
)

func (d dirFS) check(op, name string) error {
	if !validPath(name) {
		return &iofs.PathError{Op: op, Path: name, Err: iofs.ErrInvalid}
	}
	return nil
}

// Open opens name for reading.
func (d dirFS) Open(name string) (iofs.File, error) {
	if err := d.check("open", name); err != nil {
		return nil, err
	}
	f, err := d.r.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Stat describes name, following a final symbolic link.
func (d dirFS) Stat(name string) (iofs.FileInfo, error) {
	if err := d.check("stat", name); err != nil {
		return nil, err
	}
	return d.r.Stat(name)
}

// Lstat describes name without following a final symbolic link.
func (d dirFS) Lstat(name string) (iofs.FileInfo, error) {
	if err := d.check("lstat", name); err != nil {
		return nil, err
	}
	return d.r.Lstat(name)
}

// ReadLink returns the target of the symbolic link name (with Go 1.25 or newer,
// whose os.Root reads links; older releases answer ErrNotSupported).
func (d dirFS) ReadLink(name string) (string, error) {
	if err := d.check("readlink", name); err != nil {
		return "", err
	}
	if r, ok := any(d.r).(interface{ Readlink(string) (string, error) }); ok {
		return r.Readlink(name)
	}
	return "", &iofs.PathError{Op: "readlink", Path: name, Err: fs.ErrNotSupported}
}

// ReadDir lists the directory name, sorted by name.
func (d dirFS) ReadDir(name string) ([]iofs.DirEntry, error) {
	if err := d.check("readdir", name); err != nil {
		return nil, err
	}
	f, err := d.r.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	slices.SortFunc(ents, func(a, b iofs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	if err != nil {
		return ents, err
	}
	return ents, nil
}

// skipped reports whether a listing entry's error means the file system cannot
// name it (io/fs paths must be valid UTF-8): the entry is left out of the listing
// rather than failing it.
func skipped(err error) bool { return errors.Is(err, iofs.ErrInvalid) }
