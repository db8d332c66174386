package fs

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// LockType is the type of a byte-range lock.
type LockType uint8

// Lock types.
const (
	LockUnlock LockType = iota // no lock / release
	LockRead                   // shared
	LockWrite                  // exclusive
)

// Lock is a byte-range lock: Start..End inclusive (End math.MaxUint64 means to the
// end of the file), as fcntl's struct flock after the kernel normalized it.
type Lock struct {
	Start, End uint64
	Type       LockType
	Pid        uint32 // the owner's process, reported by GetLock
}

// lockTable holds the locks of one open file. POSIX locks belong to an owner (a
// process) and are split and merged by range; flock locks belong to a handle and
// cover the whole file. The two kinds do not conflict with each other, as on Linux.
type lockTable struct {
	mu      sync.Mutex
	locks   []heldLock
	changed chan struct{} // closed and replaced whenever a lock is released
}

type heldLock struct {
	Lock
	owner uint64
	flock *Handle // non-nil for flock locks
}

func overlaps(a, b Lock) bool { return a.Start <= b.End && b.Start <= a.End }

// conflict returns a lock that keeps lk from being taken by owner.
func (t *lockTable) conflict(lk Lock, owner uint64, flock *Handle) (heldLock, bool) {
	for _, l := range t.locks {
		if (l.flock != nil) != (flock != nil) {
			continue
		}
		same := l.owner == owner
		if flock != nil {
			same = l.flock == flock
		}
		if same || !overlaps(l.Lock, lk) {
			continue
		}
		if l.Type == LockWrite || lk.Type == LockWrite {
			return l, true
		}
	}
	return heldLock{}, false
}

// remove takes the range of lk away from owner's locks, splitting where needed, and
// reports whether anything was released.
func (t *lockTable) remove(lk Lock, owner uint64, flock *Handle) bool {
	out := t.locks[:0]
	var released bool
	var extra []heldLock
	for _, l := range t.locks {
		mine := l.flock == flock && (flock != nil || l.owner == owner)
		if !mine || !overlaps(l.Lock, lk) {
			out = append(out, l)
			continue
		}
		released = true
		if l.Start < lk.Start {
			left := l
			left.End = lk.Start - 1
			out = append(out, left)
		}
		if l.End > lk.End {
			right := l
			right.Start = lk.End + 1
			extra = append(extra, right)
		}
	}
	t.locks = append(out, extra...)
	return released
}

func (t *lockTable) wake() {
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

// GetLock returns the first lock that conflicts with lk for owner, or a Lock of type
// LockUnlock when lk could be taken (F_GETLK).
func (h *Handle) GetLock(ctx context.Context, owner uint64, lk Lock, flock bool) (Lock, error) {
	t := &h.f.locks
	t.mu.Lock()
	defer t.mu.Unlock()
	var fh *Handle
	if flock {
		fh = h
	}
	if l, ok := t.conflict(lk, owner, fh); ok {
		return l.Lock, nil
	}
	return Lock{Type: LockUnlock}, nil
}

// SetLock takes or (with LockUnlock) releases lk for owner (F_SETLK, or F_SETLKW when
// wait is set; flock(2) when flock is set, where the handle is the owner). A conflict
// fails with ErrWouldBlock, or waits until the lock is free or ctx is done.
func (h *Handle) SetLock(ctx context.Context, owner uint64, lk Lock, flock, wait bool) error {
	if lk.End < lk.Start {
		return fmt.Errorf("lock %s: %w", h.Name(), ErrInvalid)
	}
	if flock {
		lk.Start, lk.End = 0, math.MaxUint64
	}
	var fh *Handle
	if flock {
		fh = h
	}
	t := &h.f.locks
	for {
		t.mu.Lock()
		if lk.Type == LockUnlock {
			released := t.remove(lk, owner, fh)
			if released {
				t.wake()
			}
			t.mu.Unlock()
			if released {
				h.v.unlockEvent(ctx, h, lk, owner)
			}
			return nil
		}
		if _, ok := t.conflict(lk, owner, fh); !ok {
			if err := h.v.lockEvent(ctx, h, lk, owner); err != nil {
				t.mu.Unlock()
				return err
			}
			if t.remove(lk, owner, fh) {
				t.wake() // a write lock downgraded to read may free waiters
			}
			t.locks = append(t.locks, heldLock{Lock: lk, owner: owner, flock: fh})
			t.mu.Unlock()
			return nil
		}
		if !wait {
			t.mu.Unlock()
			return fmt.Errorf("lock %s: %w", h.Name(), ErrWouldBlock)
		}
		if t.changed == nil {
			t.changed = make(chan struct{})
		}
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("lock %s: %w", h.Name(), ErrInterrupted)
		}
	}
}

// releaseOwner drops the POSIX locks of owner (at flush) or the flock locks of h (at
// close).
func (t *lockTable) releaseOwner(v *Volume, ctx context.Context, h *Handle, owner uint64, closing bool) {
	all := Lock{Start: 0, End: math.MaxUint64}
	var fh *Handle
	if closing {
		fh = h
	}
	t.mu.Lock()
	if len(t.locks) == 0 {
		t.mu.Unlock()
		return
	}
	released := t.remove(all, owner, fh)
	if released {
		t.wake()
	}
	t.mu.Unlock()
	if released {
		v.unlockEvent(ctx, h, all, owner)
	}
}

func (v *Volume) lockEvent(ctx context.Context, h *Handle, lk Lock, owner uint64) (err error) {
	if v.locker == nil {
		return nil
	}
	e := LockFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Offset: lk.Start, Length: rangeLength(lk), Exclusive: lk.Type == LockWrite, Owner: owner}
	c := v.begin(evLockFile, e.Name, h.f)
	defer v.end(ctx, &c, &err)
	return v.locker.OnLockFile(ctx, &e)
}

func (v *Volume) unlockEvent(ctx context.Context, h *Handle, lk Lock, owner uint64) {
	if v.locker == nil {
		return
	}
	e := UnlockFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Offset: lk.Start, Length: rangeLength(lk), Owner: owner}
	var err error
	func() {
		c := v.begin(evUnlockFile, e.Name, h.f)
		defer v.end(ctx, &c, &err)
		err = v.locker.OnUnlockFile(ctx, &e)
	}()
	if err != nil {
		v.log.Warn("anyfs: OnUnlockFile failed", "name", e.Name, "err", err)
	}
}

func rangeLength(lk Lock) uint64 {
	if lk.End == math.MaxUint64 {
		return 0
	}
	return lk.End - lk.Start + 1
}
