//go:build linux || darwin || freebsd || windows

package passthrough

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/anyfs/anyfs/fs"
)

// FS is a backend mirroring a host directory. Make it with [New]; release it with
// Close after the volume is unmounted.
type FS struct {
	root    *os.Root
	rootDir *os.File // the root directory itself, for *at calls on its entries
	rootFd  int      // rootDir's descriptor (Unix)
	opts    Options
	chown   bool     // give new files the request's owner
	dirs    dirCache // descriptors of the directories right below the root (Linux)
}

// Compile-time checks of what every OS implements; the OS-specific files assert
// the rest.
var (
	_ fs.Interface               = (*FS)(nil)
	_ fs.CreateFileHandler       = (*FS)(nil)
	_ fs.WriteFileHandler        = (*FS)(nil)
	_ fs.FlushFileHandler        = (*FS)(nil)
	_ fs.DeleteFileHandler       = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler = (*FS)(nil)
	_ fs.GetVolumeSizeHandler    = (*FS)(nil)

	_ fs.SetFileAttributesHandler = (*FS)(nil)
	_ fs.IsDirectoryEmptyHandler  = (*FS)(nil)
	_ fs.CanFileBeDeletedHandler  = (*FS)(nil)
	_ fs.SetAllocationSizeHandler = (*FS)(nil)
)

// New returns a backend mirroring the host directory root.
func New(root string, opts *Options) (*FS, error) {
	if opts == nil {
		opts = &Options{}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("passthrough: %w", err)
	}
	d, err := r.Open(".")
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("passthrough: %w", err)
	}
	st, err := d.Stat()
	if err == nil && !st.IsDir() {
		err = fmt.Errorf("%s: %w", root, fs.ErrNotDir)
	}
	if err != nil {
		d.Close()
		r.Close()
		return nil, fmt.Errorf("passthrough: %w", err)
	}
	p := &FS{root: r, rootDir: d, rootFd: int(d.Fd()), opts: *opts}
	p.chown = !opts.NoChown && os.Geteuid() == 0
	return p, nil
}

// Root returns the host directory the backend mirrors.
func (p *FS) Root() string { return p.root.Name() }

// Close releases the root. Call it after the volume was unmounted.
func (p *FS) Close() error {
	p.dirs.closeAll()
	err := p.rootDir.Close()
	if err2 := p.root.Close(); err == nil {
		err = err2
	}
	return err
}

// split validates a volume path and returns its parent's path relative to the root
// ("." for the root itself) and its base name ("" for "/"). Components "." and "..",
// empty components and NUL bytes are refused with ErrInvalid, and so are names the
// host cannot store as they are (see badName).
func split(name string) (dir, base string, err error) {
	if name == "/" {
		return ".", "", nil
	}
	if !strings.HasPrefix(name, "/") || strings.IndexByte(name, 0) >= 0 {
		return "", "", fmt.Errorf("%q: %w: not a volume path", name, fs.ErrInvalid)
	}
	rel := name[1:]
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." || c == ".." {
			return "", "", fmt.Errorf("%q: %w: bad path component %q", name, fs.ErrInvalid, c)
		}
		if why := badName(c); why != "" {
			return "", "", fmt.Errorf("%q: %w: %s", name, fs.ErrInvalid, why)
		}
	}
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ".", rel, nil
	}
	return rel[:i], rel[i+1:], nil
}

// accFlags returns the open(2) access mode for acc.
func accFlags(acc fs.Access) int {
	switch acc & (fs.AccessRead | fs.AccessWrite) {
	case fs.AccessWrite:
		return os.O_WRONLY
	case fs.AccessRead | fs.AccessWrite:
		return os.O_RDWR
	}
	return os.O_RDONLY
}

// file is the FileContext: one host descriptor for an open file.
type file struct {
	mu    sync.RWMutex // R: using f; W: replacing f
	f     *os.File     // nil for a device, FIFO or socket created without opening
	acc   fs.Access    // what f was opened for
	isDir bool
	// regular: a regular file, whose data the kernel may splice from f
	regular bool
	amu     sync.Mutex // serializes appending writes
	// lockf is the descriptor that holds the file's host locks (Linux): f when the
	// first lock was taken. Host locks belong to an open file description, so it
	// stays open, also when f is replaced, until OnCloseFile. Guarded by mu.
	lockf *os.File
	// flocked is the type of the host flock lockf holds (fs.LockUnlock: none).
	flocked fs.LockType
}

func fileOf(ctx any) *file {
	f, _ := ctx.(*file)
	if f != nil && f.f == nil {
		return nil
	}
	return f
}

// use runs fn with the file's descriptor, reopened first if it lacks need.
func (p *FS) use(name string, fc *file, need fs.Access, fn func(f *os.File) error) error {
	fc.mu.RLock()
	if fc.acc&need == need {
		defer fc.mu.RUnlock()
		return fn(fc.f)
	}
	fc.mu.RUnlock()
	fc.mu.Lock()
	if fc.acc&need != need {
		nf, err := p.reopen(name, fc.f, fc.acc|need)
		if err != nil {
			fc.mu.Unlock()
			return err
		}
		if fc.f != fc.lockf {
			fc.f.Close()
		}
		fc.f, fc.acc = nf, fc.acc|need
	}
	fc.mu.Unlock()
	// Downgrade: take the read lock again; fc.f may only have gained access since.
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	return fn(fc.f)
}

// OnCloseFile closes the host descriptor.
func (p *FS) OnCloseFile(_ context.Context, e *fs.CloseFileEvent) error {
	fc, _ := e.FileContext.(*file)
	if fc == nil {
		return nil
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	// With Options.FireAllOpenCloseEvents every handle's close comes here.
	if e.StillOpen || fc.f == nil {
		return nil
	}
	err := fc.f.Close()
	if fc.lockf != nil && fc.lockf != fc.f {
		fc.lockf.Close() // its locks go with it
	}
	fc.f, fc.lockf = nil, nil
	return err
}

// OnReadFile reads at e.Position with pread. Where the adapter can splice
// (e.SpliceOK, on Linux) it answers with the descriptor of a regular file instead,
// when that descriptor is open for reading and writing: such a descriptor is never
// replaced before OnCloseFile.
func (p *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return fmt.Errorf("read %s: %w", e.Name, fs.ErrBadHandle)
	}
	if e.SpliceOK && spliceReads && fc.regular {
		fc.mu.RLock()
		if fc.acc == fs.AccessRead|fs.AccessWrite {
			e.SpliceFd, e.Spliced = int(fc.f.Fd()), true
		}
		fc.mu.RUnlock()
		if e.Spliced {
			return nil
		}
	}
	return p.use(e.Name, fc, fs.AccessRead, func(f *os.File) error {
		n, err := f.ReadAt(e.Buffer, e.Position)
		e.BytesRead = n
		if err == io.EOF {
			err = nil
		}
		return err
	})
}

// OnWriteFile writes at e.Position with pwrite, or at the end of the file for an
// appending handle.
func (p *FS) OnWriteFile(_ context.Context, e *fs.WriteFileEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return fmt.Errorf("write %s: %w", e.Name, fs.ErrBadHandle)
	}
	return p.use(e.Name, fc, fs.AccessWrite, func(f *os.File) error {
		pos := e.Position
		if e.Append {
			fc.amu.Lock()
			defer fc.amu.Unlock()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			pos = st.Size()
		}
		n, err := f.WriteAt(e.Buffer, pos)
		e.BytesWritten = n
		return err
	})
}

// OnSetFileSize truncates or extends the file: through its descriptor when it is
// open, else by opening it write-only (never following a final symbolic link).
func (p *FS) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	if fc := fileOf(e.FileContext); fc != nil {
		return p.use(e.Name, fc, fs.AccessWrite, func(f *os.File) error { return f.Truncate(e.Size) })
	}
	f, err := p.openFile(e.Name, fs.AccessWrite, false)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(e.Size)
}

// OnFlushFile makes the file durable (fsync, or fdatasync where the host has it).
func (p *FS) OnFlushFile(_ context.Context, e *fs.FlushFileEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return nil
	}
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	if e.DataOnly {
		return datasync(fc.f)
	}
	return fc.f.Sync()
}

// OnCanFileBeDeleted allows every deletion the volume's POSIX rules allow.
func (p *FS) OnCanFileBeDeleted(context.Context, *fs.CanFileBeDeletedEvent) error { return nil }

// enumeration is the EnumerationContext: a directory descriptor of its own, so that
// listings do not share a directory offset.
type enumeration struct {
	dir *os.File
}

// OnEnumerateDirectory lists a directory in pages of e.Max entries.
func (p *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	en, _ := e.EnumerationContext.(*enumeration)
	if en != nil && e.Restart {
		en.dir.Close()
		en = nil
		e.EnumerationContext = nil
	}
	if en == nil {
		d, err := p.openFile(e.Name, fs.AccessRead, true)
		if err != nil {
			return err
		}
		en = &enumeration{dir: d}
		e.EnumerationContext = en
	}
	max := e.Max
	if max <= 0 {
		max = 512
	}
	names, err := en.dir.Readdirnames(max)
	if err == io.EOF {
		e.Done = true
		return nil
	}
	if err != nil {
		return pathErr("readdir", e.Name, err)
	}
	e.Done = len(names) < max
	for _, n := range names {
		fi, err := p.statEntry(en.dir, e.Name, n)
		if err != nil {
			if isNotExist(err) {
				continue // removed since getdents
			}
			return err
		}
		fi.Name = n
		e.Entries = append(e.Entries, fi)
	}
	return nil
}

// OnCloseDirectoryEnumeration closes the listing's descriptor.
func (p *FS) OnCloseDirectoryEnumeration(_ context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	if en, _ := e.EnumerationContext.(*enumeration); en != nil {
		return en.dir.Close()
	}
	return nil
}

// OnIsDirectoryEmpty reads one entry of the directory.
func (p *FS) OnIsDirectoryEmpty(_ context.Context, e *fs.IsDirectoryEmptyEvent) error {
	d, err := p.openFile(e.Name, fs.AccessRead, true)
	if err != nil {
		return err
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if err != nil && err != io.EOF {
		return err
	}
	e.IsEmpty = len(names) == 0
	return nil
}

func isNotExist(err error) bool {
	code, _ := fs.ErrnoOf(err)
	return code == fs.ENOENT
}

// pathErr wraps a host error with the volume name (never the host path).
func pathErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	err = hostErr(err)
	var errno syscall.Errno
	if _, ok := fs.ErrnoOf(err); !ok && !errors.As(err, &errno) {
		// os.Root's refusal of a path that leaves the root ("path escapes from
		// parent") has no errno: report it as a permission error.
		err = fmt.Errorf("%w (%v)", fs.ErrPermission, err)
	}
	return &os.PathError{Op: op, Path: name, Err: err}
}
