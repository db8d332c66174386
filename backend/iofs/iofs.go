// Package iofs is a read-only anyfs backend serving any io/fs.FS: a directory
// ([OpenDir]), a zip archive ([OpenZip], [NewZip]), an embed.FS, a
// testing/fstest.MapFS, ...
//
// The backend implements only the read events (fs.Interface), symbolic-link
// reading and the volume size, so fs.NewVolume mounts it read-only: every change
// fails with EROFS.
//
// # Reads at any offset
//
// A read at an offset is served, in order of preference:
//
//   - with ReadAt when the opened fs.File implements io.ReaderAt (os files,
//     embed.FS, fstest.MapFS, stored zip entries opened by this package);
//   - with Seek and Read when it implements io.Seeker;
//   - otherwise from a sequential stream (a compressed zip entry): reads at or after
//     the stream's position skip forward; a read before it is served from a window
//     of the last Options.ReadBackCache bytes read (1 MiB by default; up to
//     twice that is kept, per open file) when it lies there, and otherwise the file is opened again and read
//     from the start up to the offset. Kernel readahead reorders reads only a little,
//     so the window keeps sequential reading of a compressed entry linear.
//
// # Names and identity
//
// Volume paths map to io/fs paths ("/" is ".", "/a/b" is "a/b"); paths with empty,
// "." or ".." elements fail with ErrInvalid. Names need not be valid UTF-8: the host
// directories of [OpenDir] and the archives of this package serve such names like
// any other (Linux names are bytes). Other file systems refuse them (io/fs paths
// are UTF-8): a listing leaves such an entry out, and says so once through
// Options.Logger, instead of failing. FileID is stable per path for the life of the
// backend (a table assigns numbers in the order names are first seen).
//
// # Symbolic links
//
// A file system with the methods ReadLink and Lstat (the io/fs.ReadLinkFS of Go
// 1.25: os.DirFS and os.Root.FS on Go 1.25+, and the zip file systems of this
// package) has its symbolic links reported as links and read with OnReadSymlink.
// Other file systems show what their Stat shows.
package iofs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// ReadLinkFS is a file system that reports symbolic links: the same methods as
// io/fs.ReadLinkFS of Go 1.25, declared here so that this package builds with Go
// 1.24.
type ReadLinkFS interface {
	iofs.FS
	// ReadLink returns the target of the symbolic link name.
	ReadLink(name string) (string, error)
	// Lstat describes name without following a final symbolic link.
	Lstat(name string) (iofs.FileInfo, error)
}

// Options configure the backend. The zero value (or nil) is the default.
type Options struct {
	// ReadBackCache is how many of the bytes last read each open file of a
	// sequential-only fs.File keeps, to serve reads before the stream's position
	// without reading the file again from its start. Zero means 1 MiB; a negative
	// value disables the window.
	ReadBackCache int
	// Uid and Gid are the owner every file is reported with.
	Uid, Gid uint32
	// TotalBytes is the capacity reported by OnGetVolumeSize when the file system
	// does not know its own size (zip archives report the sum of their entries).
	TotalBytes uint64
	// Logger is told, once per name, of directory entries left out of a listing
	// because the file system cannot open them by name (an io/fs.FS refuses names
	// that are not valid UTF-8). Nil means slog.Default().
	Logger *slog.Logger
}

// FS is the backend. Close it when the volume is unmounted if it was made by
// [OpenDir] or [OpenZip].
type FS struct {
	fsys  iofs.FS
	links ReadLinkFS // fsys, if it reports symbolic links
	// anyNames: fsys opens names that are not valid UTF-8 (OpenDir's, ZipFS)
	anyNames bool
	opts     Options
	closer   io.Closer
	total    uint64

	mu   sync.Mutex
	ids  map[string]uint64
	told map[string]bool // entries whose skipping was logged
}

var (
	_ fs.Interface            = (*FS)(nil)
	_ fs.SymlinkHandler       = (*FS)(nil)
	_ fs.GetVolumeSizeHandler = (*FS)(nil)
	_ io.Closer               = (*FS)(nil)
)

// New returns a read-only backend serving fsys.
func New(fsys iofs.FS, opts *Options) *FS {
	if opts == nil {
		opts = &Options{}
	}
	b := &FS{fsys: fsys, opts: *opts, ids: map[string]uint64{".": 1}, total: opts.TotalBytes}
	if b.opts.Logger == nil {
		b.opts.Logger = slog.Default()
	}
	if b.opts.ReadBackCache == 0 {
		b.opts.ReadBackCache = 1 << 20
	}
	b.links, _ = fsys.(ReadLinkFS)
	switch fsys.(type) {
	case dirFS, *ZipFS:
		b.anyNames = true
	}
	if z, ok := fsys.(*ZipFS); ok && b.total == 0 {
		b.total = z.size
	}
	return b
}

// OpenDir serves the host directory dir. It is opened with os.OpenRoot, so
// symbolic links cannot lead outside it, and served through its methods, so that
// names that are not valid UTF-8 work too (os.Root.FS would refuse them). Close the
// backend to release it.
func OpenDir(dir string, opts *Options) (*FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("iofs: %w", err)
	}
	st, err := r.Stat(".")
	if err == nil && !st.IsDir() {
		err = fmt.Errorf("%s: %w", dir, fs.ErrNotDir)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("iofs: %w", err)
	}
	b := New(dirFS{r}, opts)
	b.closer = r
	return b, nil
}

// FS returns the file system the backend serves.
func (b *FS) FS() iofs.FS { return b.fsys }

// Close releases what OpenDir or OpenZip opened; for a backend made by New it does
// nothing.
func (b *FS) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}

// fsPath maps a volume path to an io/fs path.
func fsPath(name string) (string, error) {
	if name == "/" {
		return ".", nil
	}
	p, ok := strings.CutPrefix(name, "/")
	if !ok || !validPath(p) {
		return "", &iofs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return p, nil
}

func (b *FS) fileID(p string) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, ok := b.ids[p]
	if !ok {
		id = uint64(len(b.ids) + 1)
		b.ids[p] = id
	}
	return id
}

// stat returns the io/fs path of the volume path name and its Lstat, with errors
// naming op and name.
func (b *FS) stat(op, name string) (string, iofs.FileInfo, error) {
	p, err := fsPath(name)
	if err != nil {
		return "", nil, err
	}
	fi, err := b.lstat(p)
	if err != nil {
		return "", nil, pathErr(op, name, err)
	}
	return p, fi, nil
}

func (b *FS) lstat(p string) (iofs.FileInfo, error) {
	if b.links != nil {
		return b.links.Lstat(p)
	}
	return iofs.Stat(b.fsys, p)
}

func (b *FS) info(p string, fi iofs.FileInfo) fs.FileInfo {
	mt := fi.ModTime()
	out := fs.FileInfo{
		Name:           fi.Name(),
		Mode:           attr.FromFileMode(fi.Mode()),
		Size:           fi.Size(),
		CreationTime:   mt,
		LastAccessTime: mt,
		LastWriteTime:  mt,
		ChangeTime:     mt,
		FileID:         b.fileID(p),
		Uid:            b.opts.Uid,
		Gid:            b.opts.Gid,
	}
	if fi.IsDir() {
		out.Size = 0
	}
	if out.Mode.Type() == 0 {
		// ModeIrregular and the like: show a regular file.
		out.Mode |= attr.S_IFREG
	}
	return out
}

func pathErr(op, name string, err error) error {
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &iofs.PathError{Op: op, Path: name, Err: err}
}

// OnGetFileInfo is Lstat (or Stat) of the name.
func (b *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	if of, _ := e.FileContext.(*openFile); of != nil {
		e.Info = of.info
		return nil
	}
	p, fi, err := b.stat("stat", e.Name)
	if err != nil {
		return err
	}
	e.Info = b.info(p, fi)
	return nil
}

// enumeration is the EnumerationContext: the whole listing, read at the first
// call, and the position in it.
type enumeration struct {
	dir     string
	entries []iofs.DirEntry
	next    int
}

// OnEnumerateDirectory lists a directory in pages of e.Max entries.
func (b *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	en, _ := e.EnumerationContext.(*enumeration)
	if en == nil || e.Restart {
		p, err := fsPath(e.Name)
		if err != nil {
			return err
		}
		ents, err := iofs.ReadDir(b.fsys, p)
		if err != nil {
			return pathErr("readdir", e.Name, err)
		}
		en = &enumeration{dir: p, entries: ents}
		e.EnumerationContext = en
	}
	max := e.Max
	if max <= 0 {
		max = 512
	}
	for ; en.next < len(en.entries) && len(e.Entries) < max; en.next++ {
		d := en.entries[en.next]
		p := d.Name()
		if en.dir != "." {
			p = en.dir + "/" + p
		}
		if !b.anyNames && !iofs.ValidPath(p) {
			// io/fs paths are valid UTF-8: the file system could not open it.
			b.skip(e.Name, d.Name(), iofs.ErrInvalid)
			continue
		}
		var fi iofs.FileInfo
		var err error
		if b.links != nil {
			fi, err = b.links.Lstat(p)
		} else {
			fi, err = d.Info()
		}
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				continue
			}
			if skipped(err) {
				b.skip(e.Name, d.Name(), err)
				continue
			}
			return pathErr("readdir", e.Name, err)
		}
		info := b.info(p, fi)
		info.Name = d.Name()
		e.Entries = append(e.Entries, info)
	}
	e.Done = en.next >= len(en.entries)
	return nil
}

// skip logs, once per entry, that an entry of the directory dir is left out.
func (b *FS) skip(dir, name string, err error) {
	key := dir + "\x00" + name
	b.mu.Lock()
	if b.told == nil {
		b.told = make(map[string]bool)
	}
	told := b.told[key]
	b.told[key] = true
	b.mu.Unlock()
	if !told {
		b.opts.Logger.Warn("iofs: directory entry left out of the listing: the file system cannot open it by name",
			"dir", dir, "name", fmt.Sprintf("%q", name), "err", err)
	}
}

// OnCloseDirectoryEnumeration drops the listing.
func (b *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

// OnOpenFile opens the file for reading; asking for write access fails with
// ErrReadOnly.
func (b *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	if e.Access&fs.AccessWrite != 0 {
		return pathErr("open", e.Name, fs.ErrReadOnly)
	}
	if of, _ := e.FileContext.(*openFile); of != nil {
		return nil // a later open with Options.FireAllOpenCloseEvents shares the file
	}
	p, fi, err := b.stat("open", e.Name)
	if err != nil {
		return err
	}
	of := &openFile{b: b, path: p, info: b.info(p, fi)}
	switch {
	case fi.Mode()&iofs.ModeSymlink != 0:
		return pathErr("open", e.Name, fs.ErrLoop)
	case !fi.IsDir():
		f, err := b.fsys.Open(p)
		if err != nil {
			return pathErr("open", e.Name, err)
		}
		of.setFile(f)
	}
	e.FileContext = of
	e.Info, e.InfoValid = of.info, true
	return nil
}

// OnReadFile reads at any offset; see the package documentation.
func (b *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	of, _ := e.FileContext.(*openFile)
	if of == nil {
		return pathErr("read", e.Name, fs.ErrBadHandle)
	}
	n, err := of.readAt(e.Buffer, e.Position)
	e.BytesRead = n
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err != nil {
		return pathErr("read", e.Name, err)
	}
	return nil
}

// OnCloseFile closes the file.
func (b *FS) OnCloseFile(_ context.Context, e *fs.CloseFileEvent) error {
	of, _ := e.FileContext.(*openFile)
	if of == nil || e.StillOpen {
		return nil // with Options.FireAllOpenCloseEvents, the last close closes the file
	}
	return of.close()
}

// OnCreateSymlink fails: the volume is read-only.
func (b *FS) OnCreateSymlink(_ context.Context, e *fs.CreateSymlinkEvent) error {
	return pathErr("symlink", e.Name, fs.ErrReadOnly)
}

// OnReadSymlink reads a link's target, as stored.
func (b *FS) OnReadSymlink(_ context.Context, e *fs.ReadSymlinkEvent) error {
	if b.links == nil {
		return pathErr("readlink", e.Name, fs.ErrInvalid)
	}
	p, err := fsPath(e.Name)
	if err != nil {
		return err
	}
	e.Target, err = b.links.ReadLink(p)
	if err != nil {
		return pathErr("readlink", e.Name, err)
	}
	return nil
}

// OnGetVolumeSize reports a full volume: the archive's size for a zip, else
// Options.TotalBytes.
func (b *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	e.Size = fs.VolumeSize{TotalBytes: b.total}
	return nil
}
