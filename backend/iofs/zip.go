package iofs

import (
	"archive/zip"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// ZipFS is an io/fs.FS over a zip archive, made by [NewZipFS]. Unlike
// archive/zip's own Reader.Open it:
//
//   - implies every directory named by an entry's path, with mode 0755 and the
//     archive's time, when the archive has no entry of its own for it;
//   - keeps each entry's mode and modification time from the archive, and reports
//     entries with the symbolic-link mode (Unix zips made with zip -y) as links:
//     Lstat and ReadLink (ReadLinkFS), followed by Open and Stat while they stay in
//     the archive;
//   - opens stored (uncompressed) entries as io.ReaderAt and io.Seeker sections of
//     the archive, read at any offset without decompression (and without checking
//     their CRC-32); compressed entries are sequential streams (see the package
//     documentation for how FS reads them at any offset).
//
// Entry names are cleaned ("./a", "/a", "a\\b" and "x/../a" name a, a/b and a),
// which keeps every entry inside the tree. When two entries have the same name,
// the first wins.
type ZipFS struct {
	r       *zip.Reader
	ra      io.ReaderAt
	root    *zipEntry
	size    uint64
	modTime time.Time
}

type zipEntry struct {
	name    string // base name; "." for the root
	file    *zip.File
	mode    iofs.FileMode
	modTime time.Time
	size    int64
	kids    map[string]*zipEntry
	sorted  []*zipEntry // children by name, made lazily

	once   sync.Once
	target string // symlink target, read once
	terr   error
}

var (
	_ iofs.StatFS    = (*ZipFS)(nil)
	_ iofs.ReadDirFS = (*ZipFS)(nil)
	_ ReadLinkFS     = (*ZipFS)(nil)
)

// NewZipFS reads the directory of the zip archive in r, which is size bytes long.
// A file that is not a zip archive gives an error wrapping zip.ErrFormat.
func NewZipFS(r io.ReaderAt, size int64) (*ZipFS, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	z := &ZipFS{r: zr, ra: r}
	z.root = &zipEntry{name: ".", mode: iofs.ModeDir | 0o755}
	for _, f := range zr.File {
		z.size += f.UncompressedSize64
		if f.Modified.After(z.modTime) {
			z.modTime = f.Modified
		}
	}
	z.root.modTime = z.modTime
	for _, f := range zr.File {
		z.add(f)
	}
	return z, nil
}

func (z *ZipFS) add(f *zip.File) {
	n := strings.ReplaceAll(f.Name, `\`, "/")
	isDir := strings.HasSuffix(n, "/") || f.Mode().IsDir()
	n = path.Clean("/" + n)[1:]
	if n == "" {
		if isDir {
			z.root.mode, z.root.modTime = dirMode(f.Mode()), f.Modified
		}
		return
	}
	parts := strings.Split(n, "/")
	cur := z.root
	for i, part := range parts {
		last := i == len(parts)-1
		child := cur.kids[part]
		if child == nil {
			child = &zipEntry{name: part, mode: iofs.ModeDir | 0o755, modTime: z.modTime}
			if cur.kids == nil {
				cur.kids = map[string]*zipEntry{}
			}
			cur.kids[part] = child
			if last {
				child.modTime = f.Modified
				if isDir {
					child.mode = dirMode(f.Mode())
				} else {
					child.file, child.mode, child.size = f, f.Mode(), int64(f.UncompressedSize64)
				}
			}
		} else if last && isDir && child.file == nil {
			// An explicit entry for a directory implied before.
			child.mode, child.modTime = dirMode(f.Mode()), f.Modified
		}
		if !last && !child.mode.IsDir() {
			return // a path through a file: the first entry wins
		}
		cur = child
	}
}

func dirMode(m iofs.FileMode) iofs.FileMode {
	if m.Perm() == 0 {
		m |= 0o755
	}
	return iofs.ModeDir | m&(iofs.ModePerm|iofs.ModeSetuid|iofs.ModeSetgid|iofs.ModeSticky)
}

// readTarget reads a symbolic link's target (its content) once.
func (e *zipEntry) readTarget() (string, error) {
	e.once.Do(func() {
		rc, err := e.file.Open()
		if err != nil {
			e.terr = err
			return
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 4096))
		e.target, e.terr = string(b), err
	})
	return e.target, e.terr
}

const maxLinkHops = 40

// lookup finds the entry of the io/fs path p, following symbolic links in
// intermediate components, and in the final one when follow is set. A link whose
// target leaves the archive (absolute, or above its root) leads nowhere.
func (z *ZipFS) lookup(op, p string, follow bool) (*zipEntry, error) {
	if !validPath(p) {
		return nil, &iofs.PathError{Op: op, Path: p, Err: iofs.ErrInvalid}
	}
	orig := p
	for hops := 0; ; hops++ {
		if hops > maxLinkHops {
			return nil, &iofs.PathError{Op: op, Path: orig, Err: fs.ErrLoop}
		}
		if p == "." {
			return z.root, nil
		}
		parts := strings.Split(p, "/")
		cur := z.root
		restart := false
		for i, part := range parts {
			child := cur.kids[part]
			if child == nil {
				return nil, &iofs.PathError{Op: op, Path: orig, Err: iofs.ErrNotExist}
			}
			last := i == len(parts)-1
			if child.mode&iofs.ModeSymlink != 0 && (!last || follow) {
				t, err := child.readTarget()
				if err != nil {
					return nil, &iofs.PathError{Op: op, Path: orig, Err: err}
				}
				np := path.Join(append([]string{strings.Join(parts[:i], "/"), t}, parts[i+1:]...)...)
				if path.IsAbs(t) || np == ".." || strings.HasPrefix(np, "../") {
					return nil, &iofs.PathError{Op: op, Path: orig, Err: iofs.ErrNotExist}
				}
				p, restart = np, true
				break
			}
			if !last && !child.mode.IsDir() {
				return nil, &iofs.PathError{Op: op, Path: orig, Err: fs.ErrNotDir}
			}
			cur = child
		}
		if !restart {
			return cur, nil
		}
	}
}

// Open opens the file p, following symbolic links.
func (z *ZipFS) Open(p string) (iofs.File, error) {
	e, err := z.lookup("open", p, true)
	if err != nil {
		return nil, err
	}
	if e.mode.IsDir() {
		return &zipDir{e: e}, nil
	}
	if e.file.Method == zip.Store {
		if off, err := e.file.DataOffset(); err == nil {
			return &storedFile{SectionReader: io.NewSectionReader(z.ra, off, e.size), e: e}, nil
		}
	}
	rc, err := e.file.Open()
	if err != nil {
		return nil, &iofs.PathError{Op: "open", Path: p, Err: err}
	}
	return &streamFile{ReadCloser: rc, e: e}, nil
}

// Stat describes p, following symbolic links.
func (z *ZipFS) Stat(p string) (iofs.FileInfo, error) {
	e, err := z.lookup("stat", p, true)
	if err != nil {
		return nil, err
	}
	return zipInfo{e}, nil
}

// Lstat describes p without following a final symbolic link.
func (z *ZipFS) Lstat(p string) (iofs.FileInfo, error) {
	e, err := z.lookup("lstat", p, false)
	if err != nil {
		return nil, err
	}
	return zipInfo{e}, nil
}

// ReadLink returns the target of the symbolic link p.
func (z *ZipFS) ReadLink(p string) (string, error) {
	e, err := z.lookup("readlink", p, false)
	if err != nil {
		return "", err
	}
	if e.mode&iofs.ModeSymlink == 0 {
		return "", &iofs.PathError{Op: "readlink", Path: p, Err: iofs.ErrInvalid}
	}
	t, err := e.readTarget()
	if err != nil {
		return "", &iofs.PathError{Op: "readlink", Path: p, Err: err}
	}
	return t, nil
}

// ReadDir lists the directory p, sorted by name.
func (z *ZipFS) ReadDir(p string) ([]iofs.DirEntry, error) {
	e, err := z.lookup("readdir", p, true)
	if err != nil {
		return nil, err
	}
	if !e.mode.IsDir() {
		return nil, &iofs.PathError{Op: "readdir", Path: p, Err: fs.ErrNotDir}
	}
	kids := e.sortedKids()
	out := make([]iofs.DirEntry, len(kids))
	for i, k := range kids {
		out[i] = iofs.FileInfoToDirEntry(zipInfo{k})
	}
	return out, nil
}

var childrenMu sync.Mutex

func (e *zipEntry) sortedKids() []*zipEntry {
	childrenMu.Lock()
	defer childrenMu.Unlock()
	if e.sorted == nil && len(e.kids) > 0 {
		for _, c := range e.kids {
			e.sorted = append(e.sorted, c)
		}
		slices.SortFunc(e.sorted, func(a, b *zipEntry) int { return strings.Compare(a.name, b.name) })
	}
	return e.sorted
}

// zipInfo is an entry's fs.FileInfo.
type zipInfo struct{ e *zipEntry }

func (i zipInfo) Name() string {
	return i.e.name
}
func (i zipInfo) Size() int64 {
	if i.e.mode.IsDir() {
		return 0
	}
	return i.e.size
}
func (i zipInfo) Mode() iofs.FileMode { return i.e.mode }
func (i zipInfo) ModTime() time.Time  { return i.e.modTime }
func (i zipInfo) IsDir() bool         { return i.e.mode.IsDir() }
func (i zipInfo) Sys() any            { return i.e.file }
func (i zipInfo) String() string      { return iofs.FormatFileInfo(i) }

// storedFile is an opened stored entry: a section of the archive.
type storedFile struct {
	*io.SectionReader
	e *zipEntry
}

func (f *storedFile) Stat() (iofs.FileInfo, error) { return zipInfo{f.e}, nil }
func (f *storedFile) Close() error                 { return nil }

// streamFile is an opened compressed entry: a decompressing stream.
type streamFile struct {
	io.ReadCloser
	e *zipEntry
}

func (f *streamFile) Stat() (iofs.FileInfo, error) { return zipInfo{f.e}, nil }

// zipDir is an opened directory.
type zipDir struct {
	e   *zipEntry
	pos int
}

func (d *zipDir) Stat() (iofs.FileInfo, error) { return zipInfo{d.e}, nil }
func (d *zipDir) Close() error                 { return nil }
func (d *zipDir) Read([]byte) (int, error) {
	return 0, &iofs.PathError{Op: "read", Path: d.e.name, Err: fs.ErrIsDir}
}

func (d *zipDir) ReadDir(n int) ([]iofs.DirEntry, error) {
	kids := d.e.sortedKids()[d.pos:]
	if n > 0 && len(kids) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(kids) > n {
		kids = kids[:n]
	}
	d.pos += len(kids)
	out := make([]iofs.DirEntry, len(kids))
	for i, k := range kids {
		out[i] = iofs.FileInfoToDirEntry(zipInfo{k})
	}
	return out, nil
}

// NewZip returns a read-only backend serving the zip archive in r (size bytes).
func NewZip(r io.ReaderAt, size int64, opts *Options) (*FS, error) {
	z, err := NewZipFS(r, size)
	if err != nil {
		return nil, fmt.Errorf("iofs: %w", err)
	}
	return New(z, opts), nil
}

// OpenZip returns a read-only backend serving the zip archive file at name. Close
// the backend to close the file. A file that is not a zip archive gives an error
// saying so ("not a zip archive: ...", wrapping zip.ErrFormat).
func OpenZip(name string, opts *Options) (*FS, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("iofs: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s: %w", name, fs.ErrIsDir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("iofs: %w", err)
	}
	z, err := NewZipFS(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("iofs: %s: %w", name, err)
	}
	if z.modTime.IsZero() {
		z.modTime = st.ModTime()
		z.root.modTime = z.modTime
	}
	b := New(z, opts)
	b.closer = f
	return b, nil
}
