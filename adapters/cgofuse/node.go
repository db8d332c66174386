//go:build windows || cgofuse

package cgofuse

// Lock order: fileSystem.mu is a leaf; it is never held while the volume is called.

import (
	"context"
	"hash/fnv"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// noHandle is cgofuse's "no file handle" (fh == ^uint64(0)).
const noHandle = ^uint64(0)

// fileSystem implements cgofuse's FileSystemInterface and its optional interfaces
// over a volume. Its methods are what cgofuse calls; they also run without a mount,
// which is how the tests exercise the Windows paths on every system.
type fileSystem struct {
	v     *fs.Volume
	log   *slog.Logger
	debug bool

	// getcontext returns the caller of the current request (fuse.Getcontext while
	// mounted; tests replace it, because there is no FUSE context outside a request).
	getcontext func() (uid, gid uint32, pid int)
	// zeroTime is what a zero time.Time is reported as: the Unix epoch, or on
	// Windows the timespec of FILETIME 0 ("not set").
	zeroTime fuse.Timespec
	// darwin chooses macOS st_flags values instead of the FreeBSD / WinFsp ones.
	darwin bool
	// hiding turns libfuse3's renames of unlinked open files into unlinks
	// (hidden.go).
	hiding bool
	// noSecurityXattrs: on Linux the backend stores no security. attributes, so
	// the one the kernel asks for at every write is answered here.
	noSecurityXattrs bool

	ready       chan struct{} // closed by Init
	readyOnce   sync.Once
	destroyed   chan struct{} // closed by Destroy
	destroyOnce sync.Once

	mu      sync.Mutex     // protects the following
	handles map[uint64]any // *fs.Handle or *fs.Dir
	next    uint64
	hidden  map[string][]uint64 // names libfuse3 gave unlinked open files, and their handles

	links *linkNames // names of files with several links (links.go)
}

func newFileSystem(v *fs.Volume, log *slog.Logger, debug bool) *fileSystem {
	f := &fileSystem{v: v, log: log, debug: debug, getcontext: fuse.Getcontext,
		darwin: runtime.GOOS == "darwin", ready: make(chan struct{}),
		destroyed: make(chan struct{}), handles: make(map[uint64]any),
		hiding: hidesByRename, hidden: make(map[string][]uint64), links: newLinkNames(nil),
		noSecurityXattrs: runtime.GOOS == "linux" && !slices.Contains(v.Capabilities().XattrNamespaces, fs.XattrSecurity)}
	if runtime.GOOS == "windows" {
		f.zeroTime = filetimeZero
	}
	return f
}

// filetimeZero is FILETIME 0 (1601-01-01) as a Unix timespec: WinFsp turns it back
// into 0, which Windows reads as "not set".
var filetimeZero = fuse.Timespec{Sec: -int64(attr.UnixEpochFiletime / attr.TicksPerSecond)}

// ctx returns the context of the current request, carrying its caller.
func (f *fileSystem) ctx() context.Context {
	uid, gid, pid := f.getcontext()
	return fs.WithCaller(context.Background(), fs.Caller{Pid: uint32(pid), Uid: uid, Gid: gid, Kernel: true})
}

// trace logs an operation and its result when debugging is on; use it as
// defer f.trace("Op", path)(&rc).
func (f *fileSystem) trace(op string, args ...any) func(*int) {
	if !f.debug {
		return func(*int) {}
	}
	return func(rc *int) {
		f.log.Debug("cgofuse: "+op, "args", args, "rc", *rc)
	}
}

// The handle table.

func (f *fileSystem) addHandle(h any) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		f.next++
		if f.next == noHandle {
			f.next = 1
		}
		if _, used := f.handles[f.next]; !used {
			f.handles[f.next] = h
			return f.next
		}
	}
}

func (f *fileSystem) handle(fh uint64) *fs.Handle {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, _ := f.handles[fh].(*fs.Handle)
	return h
}

func (f *fileSystem) dir(fh uint64) *fs.Dir {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, _ := f.handles[fh].(*fs.Dir)
	return d
}

// takeHandle removes fh from the table and returns what it held.
func (f *fileSystem) takeHandle(fh uint64) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.handles[fh]
	delete(f.handles, fh)
	return h
}

// closeAll closes every handle still in the table (the kernel let go of the mount
// without releasing them).
func (f *fileSystem) closeAll(ctx context.Context) {
	f.mu.Lock()
	hs := f.handles
	f.handles = make(map[uint64]any)
	f.mu.Unlock()
	for _, h := range hs {
		switch h := h.(type) {
		case *fs.Handle:
			h.Release(ctx)
		case *fs.Dir:
			h.Close(ctx)
		}
	}
}

// Paths.

// name turns a path cgofuse passes into a volume path. On a case-insensitive volume
// the volume resolves it to the stored case of each component.
func (f *fileSystem) name(_ context.Context, path string) string { return fs.Clean(path) }

// newName turns the path of a name being created into a volume path; the volume
// keeps the case of a new base name as given.
func (f *fileSystem) newName(ctx context.Context, path string) string { return f.name(ctx, path) }

// Attributes and stat.

// timespec renders t for cgofuse; the zero time is f.zeroTime.
func (f *fileSystem) timespec(t time.Time) fuse.Timespec {
	if t.IsZero() {
		return f.zeroTime
	}
	return fuse.NewTimespec(t)
}

// attributes returns the Windows attributes of fi: what the backend reported plus
// what its mode implies (read-only without write bits, directory, reparse point).
func attributes(fi *fs.FileInfo) attr.FileAttributes {
	return (fi.Attributes | attr.FromPOSIX(fi.Mode, 0)) &^ attr.Normal
}

// flags returns the st_flags that carry the Windows attributes of fi: the four
// WinFsp-FUSE flags, or on macOS the flags macOS has for them.
func (f *fileSystem) flags(fi *fs.FileInfo) uint32 {
	a := attributes(fi)
	if f.darwin {
		_, fl := attr.ToDarwin(a, fi.Mode)
		return uint32(fl & attr.DarwinWindowsFlags)
	}
	_, fl := attr.ToPOSIX(a, fi.Mode)
	return uint32(fl & attr.WinFspFlags)
}

// fromFlags returns the attributes chflags(flags) asks for, and the attributes
// flags can express at all (the ones chflags replaces).
func (f *fileSystem) fromFlags(flags uint32) (want, carried attr.FileAttributes) {
	// A writable regular file, so that no attribute comes from the mode.
	const plain = attr.S_IFREG | attr.S_IWUSR
	if f.darwin {
		carried = attr.FromDarwin(plain, attr.DarwinWindowsFlags) &^ attr.Normal
		want = attr.FromDarwin(plain, attr.DarwinFlags(flags)&attr.DarwinWindowsFlags) &^ attr.Normal
		return want & carried, carried
	}
	carried = attr.FromPOSIX(plain, attr.WinFspFlags) &^ attr.Normal
	want = attr.FromPOSIX(plain, attr.BSDFlags(flags)&attr.WinFspFlags) &^ attr.Normal
	return want & carried, carried
}

// fillStat fills st from fi; name is the file's volume path.
func (f *fileSystem) fillStat(st *fuse.Stat_t, fi *fs.FileInfo, name string) {
	*st = fuse.Stat_t{
		Ino:      fi.FileID,
		Mode:     uint32(fi.Mode),
		Nlink:    fi.LinkCount,
		Uid:      fi.Uid,
		Gid:      fi.Gid,
		Rdev:     fi.Rdev,
		Size:     fi.Size,
		Atim:     f.timespec(fi.LastAccessTime),
		Mtim:     f.timespec(fi.LastWriteTime),
		Ctim:     f.timespec(fi.ChangeTime),
		Birthtim: f.timespec(fi.CreationTime),
		Blksize:  4096,
		Blocks:   (fi.AllocationSize + 511) / 512,
		Flags:    f.flags(fi),
	}
	if st.Ino == 0 {
		// The backend has no file ids: a stable number per path (use_ino is on).
		h := fnv.New64a()
		h.Write([]byte(name))
		st.Ino = h.Sum64() | 1<<63
	}
}
