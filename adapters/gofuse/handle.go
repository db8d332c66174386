//go:build linux || darwin

package gofuse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/fs"
)

// fileHandle is an open file: the go-fuse FileHandle of an fs.Handle. The node's
// methods do the work; the handle only carries the volume's handle.
type fileHandle struct {
	h *fs.Handle
	n *node // the node it was opened on
}

var _ gofs.FilePassthroughFder = (*fileHandle)(nil)

// PassthroughFd offers go-fuse the backend's host descriptor of the file, if it has
// one (fs.PassthroughFder): go-fuse registers it with the kernel for FUSE
// passthrough, and reads and writes of the file then bypass this process. go-fuse
// asks once per file while it has open handles; where the kernel or the privileges
// lack passthrough (Linux < 6.9, not root) it stops asking and the file is served
// through the volume.
func (fh *fileHandle) PassthroughFd() (int, bool) {
	fd, ok := fh.h.PassthroughFd()
	if !ok || fh.n == nil {
		return fd, ok
	}
	if log := fh.n.m.v.Logger(); log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("anyfs: offering the kernel the backend's descriptor for FUSE passthrough (the OPEN reply shows PASSTHROUGH if it took it)",
			"name", fh.h.Name(), "fd", fd)
	}
	return fd, ok
}

// read reads through the volume. A backend that answers with a host descriptor
// (ReadFileEvent.SpliceFd) has go-fuse splice the data from it to the kernel.
func (fh *fileHandle) read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, fd, spliced, err := fh.h.ReadSplice(ctx, dest, off)
	if spliced {
		return fuse.ReadResultFd(uintptr(fd), off, len(dest)), 0
	}
	if err != nil && !errors.Is(err, io.EOF) && n == 0 {
		return nil, toErrno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// dirHandle is an open directory. Its offsets are what the kernel hands back to
// continue a listing: 1 after ".", 2 after "..", and 2+i+1 after the volume's entry i,
// so any offset can be read again (seekdir, rewinddir) through fs.Dir's positions.
type dirHandle struct {
	d *fs.Dir
	n *node

	// Readdirent and Seekdir run under go-fuse's per-handle lock.
	off    uint64        // offset of the next entry to return
	buf    []fs.FileInfo // entries fetched ahead, starting at offset bufOff
	bufOff uint64
	done   bool        // the listing has no entries after buf
	last   fs.FileInfo // the entry Readdirent returned last, for READDIRPLUS
}

const dirBatch = 256

func (dh *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	switch dh.off {
	case 0:
		dh.off = 1
		return &fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR, Ino: dh.n.StableAttr().Ino, Off: 1}, 0
	case 1:
		dh.off = 2
		ino := uint64(1)
		if _, parent := dh.n.Parent(); parent != nil {
			ino = parent.StableAttr().Ino
		}
		return &fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR, Ino: ino, Off: 2}, 0
	}
	if dh.off < dh.bufOff || dh.off >= dh.bufOff+uint64(len(dh.buf)) {
		if dh.done && dh.off >= dh.bufOff+uint64(len(dh.buf)) {
			return nil, 0
		}
		if errno := dh.fill(dh.n.m.ctx(ctx)); errno != 0 {
			return nil, errno
		}
		if len(dh.buf) == 0 {
			return nil, 0
		}
	}
	fi := &dh.buf[dh.off-dh.bufOff]
	dh.off++
	dh.last = *fi
	ino := fi.FileID
	if ino == 0 {
		ino = unknownIno
	}
	return &fuse.DirEntry{Name: fi.Name, Mode: uint32(fi.Mode), Ino: ino, Off: dh.off}, 0
}

// fill reads the entries from dh.off on into buf.
func (dh *dirHandle) fill(ctx context.Context) syscall.Errno {
	dh.buf = dh.buf[:0]
	dh.bufOff = dh.off
	dh.done = true
	err := dh.d.ReadDir(ctx, int64(dh.off-2), func(fi *fs.FileInfo, _ int64) bool {
		if len(dh.buf) == dirBatch {
			dh.done = false
			return false
		}
		dh.buf = append(dh.buf, *fi)
		return true
	})
	return toErrno(err)
}

func (dh *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	dh.off = off
	return 0
}

// Lookup answers READDIRPLUS for the entry Readdirent returned last, from the
// listing's own information.
func (dh *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if dh.last.Name == name {
		return dh.n.newChild(ctx, name, &dh.last, out), 0
	}
	return dh.n.Lookup(ctx, name, out)
}

func (dh *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	dh.n.removeDir(dh)
	dh.d.Close(ctx)
}

func (dh *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// openArgs maps open(2) flags to the volume's access and flags for this mount
// (fuseutil.HostOpen): with writeback caching the kernel
// reads from files opened write-only (to fill the pages it caches) and
// places appended data itself, so every handle can read and none appends.
func (m *mount) openArgs(flags uint32) (fs.Access, fs.OpenFlags) {
	access, of := fuseutil.HostOpen.Open(int(flags))
	if m.writeback {
		access |= fs.AccessRead
		of &^= fs.OpenAppend
	}
	return access, of
}

// fopenFlags are the FOPEN_* flags of the reply to an open: none. An O_DIRECT handle the
// kernel does not pass through is made uncached (FOPEN_DIRECT_IO) by rawFS, which
// sees the reply: the kernel refuses a non-passthrough open of a file that has
// passed-through handles, so the passthrough decision comes first.
func fopenFlags(fs.OpenFlags) uint32 { return 0 }

func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	access, of := n.m.openArgs(flags)
	ctx = n.m.ctx(ctx)
	// The name may have been renamed over (by a symbolic link, say) after the kernel
	// looked it up and before go-fuse's tree heard of it: the rename is done in the
	// volume, and go-fuse moves its node once the rename's reply is on its way. Make
	// sure the file opened is the node's; if it is not, give go-fuse's tree a moment
	// to catch up (the node then has another name, or none: ENOENT, as when the
	// kernel's own lookup had come a little later), and only then have the kernel
	// look the name up again (ESTALE), which it does once.
	deadline := time.Now().Add(staleWait)
	for {
		p, ok := n.path()
		if !ok {
			return nil, 0, n.errno(syscall.ENOENT)
		}
		h, err := n.m.v.Open(ctx, p, access, of)
		if err != nil {
			return nil, 0, n.errno(err)
		}
		fi := h.OpenInfo()
		if n.sameFile(&fi) {
			fh := &fileHandle{h: h, n: n}
			n.addHandle(fh)
			return fh, fopenFlags(of), 0
		}
		h.Release(context.WithoutCancel(ctx))
		if time.Now().After(deadline) {
			return nil, 0, syscall.ESTALE
		}
		time.Sleep(staleWait / 100)
	}
}

// staleWait bounds how long Open waits for go-fuse's tree to hear of a rename.
const staleWait = 50 * time.Millisecond

// sameFile reports whether fi describes the node's file.
func (n *node) sameFile(fi *fs.FileInfo) bool {
	sa := n.StableAttr()
	if uint32(fi.Mode.Type()) != sa.Mode {
		return false
	}
	return fi.FileID == 0 || n.IsRoot() || fi.FileID == sa.Ino
}

// The operations of open files go to the handle.

func (n *node) Read(ctx context.Context, f gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return nil, syscall.EBADF
	}
	return fh.read(n.m.ctx(ctx), dest, off)
}

func (n *node) Write(ctx context.Context, f gofs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0, syscall.EBADF
	}
	w, err := fh.h.Write(n.m.ctx(ctx), data, off)
	if err != nil && w == 0 {
		return 0, n.errno(err)
	}
	return uint32(w), 0
}

func (n *node) Flush(ctx context.Context, f gofs.FileHandle) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0
	}
	var owner uint64
	if fc, ok := ctx.(*fuse.Context); ok {
		if o, ok := n.m.owners.Load(fc.Cancel); ok {
			owner = o.(uint64)
		}
	}
	err := fh.h.Close(n.m.ctx(ctx), owner)
	if fh.h.Access()&fs.AccessWrite != 0 {
		n.changedSpellings() // what was written shows through every spelling
	}
	return toErrno(err)
}

func (n *node) Fsync(ctx context.Context, f gofs.FileHandle, flags uint32) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0 // a directory: nothing to make durable
	}
	const fdatasync = 1 // FUSE_FSYNC_FDATASYNC
	return toErrno(fh.h.Sync(n.m.ctx(ctx), flags&fdatasync != 0))
}

func (n *node) Release(ctx context.Context, f gofs.FileHandle) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0
	}
	n.removeHandle(fh)
	// The release is not the caller's to cancel: the handle must close.
	return toErrno(fh.h.Release(n.m.ctx(context.WithoutCancel(ctx))))
}

// fallocate's mode bits (linux/falloc.h), the same on every system FUSE runs on.
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

func (n *node) Allocate(ctx context.Context, f gofs.FileHandle, off uint64, size uint64, mode uint32) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return syscall.EBADF
	}
	if mode&^(fallocKeepSize|fallocPunchHole|fallocZeroRange) != 0 { // COLLAPSE_RANGE, INSERT_RANGE, ...
		return syscall.EOPNOTSUPP
	}
	if off > math.MaxInt64 || size > math.MaxInt64 {
		return syscall.EFBIG
	}
	var m fs.AllocateMode
	if mode&fallocKeepSize != 0 {
		m |= fs.AllocateKeepSize
	}
	if mode&fallocPunchHole != 0 {
		m |= fs.AllocatePunchHole
	}
	if mode&fallocZeroRange != 0 {
		m |= fs.AllocateZeroRange
	}
	return toErrno(fh.h.Allocate(n.m.ctx(ctx), int64(off), int64(size), m))
}

// lseek's whence values for holes, as the kernel sends them.
const (
	seekData = unix.SEEK_DATA
	seekHole = unix.SEEK_HOLE
)

// Lseek answers SEEK_DATA and SEEK_HOLE; the kernel handles the other seeks itself.
func (n *node) Lseek(ctx context.Context, f gofs.FileHandle, off uint64, whence uint32) (uint64, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0, syscall.EBADF
	}
	if whence != seekData && whence != seekHole {
		return 0, syscall.EINVAL
	}
	if off > math.MaxInt64 {
		return 0, syscall.ENXIO
	}
	got, err := fh.h.SeekData(n.m.ctx(ctx), int64(off), whence == seekHole)
	if err != nil {
		return 0, n.errno(err)
	}
	return uint64(got), 0
}

// maxCopy bounds one COPY_FILE_RANGE reply, whose size field has 32 bits; the
// caller of copy_file_range gets a short count and asks again for the rest.
const maxCopy = 1 << 30

// CopyFileRange copies between two open files of the mount. Without the backend's
// event it answers ENOSYS, which makes the kernel copy with reads and writes from
// then on; ENOTSUP from the backend does the same for this call only.
func (n *node) CopyFileRange(ctx context.Context, fhIn gofs.FileHandle, offIn uint64, out *gofs.Inode, fhOut gofs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	in, ok := fhIn.(*fileHandle)
	dst, ok2 := fhOut.(*fileHandle)
	if !ok || !ok2 {
		return 0, syscall.EBADF
	}
	if !n.m.v.Capabilities().CopyRange {
		return 0, syscall.ENOSYS
	}
	if flags != 0 {
		return 0, syscall.EINVAL
	}
	if offIn > math.MaxInt64 || offOut > math.MaxInt64 {
		return 0, syscall.EFBIG
	}
	got, err := in.h.CopyRange(n.m.ctx(ctx), int64(offIn), dst.h, int64(offOut), int64(min(length, maxCopy)))
	if err != nil && got == 0 {
		return 0, n.errno(err)
	}
	return uint32(got), 0
}

// Locks.

func (n *node) Getlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	fh, l, errno := lockArgs(f, lk)
	if errno != 0 {
		return errno
	}
	got, err := fh.h.GetLock(n.m.ctx(ctx), owner, l, flags&fuse.FUSE_LK_FLOCK != 0)
	if err != nil {
		return n.errno(err)
	}
	fromLock(got, out)
	return 0
}

func (n *node) Setlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, f, owner, lk, flags, false)
}

func (n *node) Setlkw(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, f, owner, lk, flags, true)
}

func (n *node) setlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32, wait bool) syscall.Errno {
	fh, l, errno := lockArgs(f, lk)
	if errno != 0 {
		return errno
	}
	return toErrno(fh.h.SetLock(n.m.ctx(ctx), owner, l, flags&fuse.FUSE_LK_FLOCK != 0, wait))
}

// offsetMax is the kernel's OFFSET_MAX: a lock "to the end of the file".
const offsetMax = 1<<63 - 1

// lockArgs returns the handle and the volume's lock of a lock request.
func lockArgs(f gofs.FileHandle, lk *fuse.FileLock) (*fileHandle, fs.Lock, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return nil, fs.Lock{}, syscall.EBADF
	}
	l, errno := toLock(lk)
	return fh, l, errno
}

func toLock(lk *fuse.FileLock) (fs.Lock, syscall.Errno) {
	l := fs.Lock{Start: lk.Start, End: lk.End, Pid: lk.Pid}
	if l.End >= offsetMax {
		l.End = ^uint64(0)
	}
	switch lk.Typ {
	case syscall.F_RDLCK:
		l.Type = fs.LockRead
	case syscall.F_WRLCK:
		l.Type = fs.LockWrite
	case syscall.F_UNLCK:
		l.Type = fs.LockUnlock
	default:
		return l, syscall.EINVAL
	}
	return l, 0
}

func fromLock(l fs.Lock, out *fuse.FileLock) {
	out.Start, out.End, out.Pid = l.Start, l.End, l.Pid
	if out.End == ^uint64(0) {
		out.End = offsetMax
	}
	switch l.Type {
	case fs.LockRead:
		out.Typ = syscall.F_RDLCK
	case fs.LockWrite:
		out.Typ = syscall.F_WRLCK
	default:
		out.Typ = syscall.F_UNLCK
	}
}
