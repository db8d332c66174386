package passthrough

import (
	"context"
	"math"
	"os"
	"slices"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

var (
	_ fs.LockHandler     = (*FS)(nil)
	_ fs.TestLockHandler = (*FS)(nil)
)

// Locks: the volume keeps the lock table of the mount (owners, conflicts among
// them, waiting, release at close), and this backend holds the same locks on the
// host, so that host processes and processes on the mount exclude each other:
// POSIX locks as open-file-description (OFD) locks, flock locks as flock, both on
// the one host descriptor of the open file. That descriptor holds, for each byte,
// the union of what the mount's owners hold (owners cannot conflict with each
// other: the volume refused that), and an owner's unlock releases on the host only
// what no other owner keeps (UnlockFileEvent.Kept). A lock the host refuses is
// fs.ErrWouldBlock; the volume asks again while the caller waits.

// lockFd returns the descriptor of the file's host locks, choosing f at the first
// lock. The caller holds fc.mu for writing.
func (fc *file) lockFd() int {
	if fc.lockf == nil {
		fc.lockf = fc.f
	}
	return int(fc.lockf.Fd())
}

// hostBusy reports whether a host lock call failed because another holder has the
// lock.
func hostBusy(err error) bool {
	return err == unix.EAGAIN || err == unix.EACCES || err == unix.EWOULDBLOCK
}

func ofdLock(fd int, typ int16, off, length uint64) error {
	if off > math.MaxInt64 || length > math.MaxInt64-off {
		return fs.ErrInvalid
	}
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: int64(off), Len: int64(length)}
	return retryEINTR(func() error { return unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk) })
}

// OnLockFile takes the lock on the host descriptor without waiting.
func (p *FS) OnLockFile(_ context.Context, e *fs.LockFileEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return nil // a node created without being opened: nothing on the host to lock
	}
	if e.Exclusive && !e.Flock {
		// A write lock needs a descriptor open for writing: reopen one that is
		// not yet (best effort: the host refuses the lock otherwise).
		_ = p.use(e.Name, fc, fs.AccessWrite, func(*os.File) error { return nil })
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fd := fc.lockFd()
	if e.Flock {
		how, typ := unix.LOCK_SH, fs.LockRead
		if e.Exclusive {
			how, typ = unix.LOCK_EX, fs.LockWrite
		}
		err := retryEINTR(func() error { return unix.Flock(fd, how|unix.LOCK_NB) })
		if hostBusy(err) {
			// Linux drops a flock before converting it: a failed upgrade leaves
			// none. Take the shared lock back.
			if fc.flocked == fs.LockRead && unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) != nil {
				fc.flocked = fs.LockUnlock
			}
			return pathErr("flock", e.Name, fs.ErrWouldBlock)
		}
		if err != nil {
			return pathErr("flock", e.Name, err)
		}
		fc.flocked = typ
		return nil
	}
	typ := int16(unix.F_RDLCK)
	if e.Exclusive {
		typ = unix.F_WRLCK
	}
	err := ofdLock(fd, typ, e.Offset, e.Length)
	if hostBusy(err) {
		return pathErr("lock", e.Name, fs.ErrWouldBlock)
	}
	return pathErr("lock", e.Name, err)
}

// OnUnlockFile releases on the host the parts of the range that no other owner on
// the mount keeps.
func (p *FS) OnUnlockFile(_ context.Context, e *fs.UnlockFileEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return nil
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.lockf == nil {
		return nil // no lock was ever taken on the host
	}
	fd := int(fc.lockf.Fd())
	if e.Flock {
		if len(e.Kept) > 0 {
			return nil // another handle still holds a flock of the file
		}
		fc.flocked = fs.LockUnlock
		return pathErr("flock", e.Name, unix.Flock(fd, unix.LOCK_UN))
	}
	end := uint64(math.MaxUint64)
	if e.Length != 0 {
		end = e.Offset + e.Length - 1
	}
	for _, g := range gaps(e.Offset, end, e.Kept) {
		length := uint64(0) // to the end of the file
		if g.End != math.MaxUint64 {
			length = g.End - g.Start + 1
		}
		if err := ofdLock(fd, unix.F_UNLCK, g.Start, length); err != nil {
			return pathErr("unlock", e.Name, err)
		}
	}
	return nil
}

// gaps returns the parts of start..end (inclusive) that no lock of kept covers.
func gaps(start, end uint64, kept []fs.Lock) []fs.Lock {
	kept = slices.Clone(kept)
	slices.SortFunc(kept, func(a, b fs.Lock) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	var out []fs.Lock
	next := start
	for _, k := range kept {
		if k.End < next {
			continue
		}
		if k.Start > next {
			out = append(out, fs.Lock{Start: next, End: k.Start - 1})
		}
		if k.End == math.MaxUint64 || k.End >= end {
			return out
		}
		next = k.End + 1
	}
	if next <= end {
		out = append(out, fs.Lock{Start: next, End: end})
	}
	return out
}

// OnTestLock is F_OFD_GETLK on the host descriptor: it reports a conflicting lock
// of another open file description, a host process's (POSIX or OFD).
func (p *FS) OnTestLock(_ context.Context, e *fs.TestLockEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return nil
	}
	if e.Offset > math.MaxInt64 || e.Length > math.MaxInt64-e.Offset {
		return pathErr("getlk", e.Name, fs.ErrInvalid)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	lk := unix.Flock_t{Type: unix.F_RDLCK, Start: int64(e.Offset), Len: int64(e.Length)}
	if e.Exclusive {
		lk.Type = unix.F_WRLCK
	}
	err := retryEINTR(func() error { return unix.FcntlFlock(uintptr(fc.lockFd()), unix.F_OFD_GETLK, &lk) })
	if err != nil {
		return pathErr("getlk", e.Name, err)
	}
	switch lk.Type {
	case unix.F_RDLCK:
		e.Holder.Type = fs.LockRead
	case unix.F_WRLCK:
		e.Holder.Type = fs.LockWrite
	default:
		return nil
	}
	e.Holder.Start, e.Holder.End = uint64(lk.Start), math.MaxUint64
	if lk.Len > 0 {
		e.Holder.End = uint64(lk.Start + lk.Len - 1)
	}
	if lk.Pid > 0 {
		e.Holder.Pid = uint32(lk.Pid) // an OFD lock has no process: -1
	}
	return nil
}
