package fs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
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
	via   *Handle // the handle the lock was taken through
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

// kept returns the locks of the kind of flock (flock or POSIX) that owners other
// than owner (or, for flock, handles other than flock) hold inside lk, clipped to
// it: what a LockHandler must keep when owner releases lk. The caller holds t.mu.
func (t *lockTable) kept(lk Lock, owner uint64, flock *Handle) []Lock {
	var out []Lock
	for _, l := range t.locks {
		if (l.flock != nil) != (flock != nil) || !overlaps(l.Lock, lk) {
			continue
		}
		if (flock != nil && l.flock == flock) || (flock == nil && l.owner == owner) {
			continue
		}
		k := l.Lock
		k.Start, k.End = max(k.Start, lk.Start), min(k.End, lk.End)
		out = append(out, k)
	}
	return out
}

// GetLock returns the first lock that conflicts with lk for owner, or a Lock of type
// LockUnlock when lk could be taken (F_GETLK). With a [TestLockHandler], a POSIX lock the
// volume finds free is also tested in the backend's storage.
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
	if h.v.tester == nil || flock || lk.Type == LockUnlock {
		return Lock{Type: LockUnlock}, nil
	}
	return h.v.testLockEvent(ctx, h, lk, owner)
}

// Polling bounds for a lock that is held outside the volume (the backend refused it
// with ErrWouldBlock) while the caller waits: the backend is asked again after
// lockPollMin, doubling up to lockPollMax, until the lock is granted or the wait is
// interrupted.
const (
	lockPollMin = 2 * time.Millisecond
	lockPollMax = 100 * time.Millisecond
)

// SetLock takes or (with LockUnlock) releases lk for owner (F_SETLK, or F_SETLKW when
// wait is set; flock(2) when flock is set, where the handle is the owner). A conflict
// fails with ErrWouldBlock, or waits until the lock is free or ctx is done
// (ErrInterrupted). A lock the backend's storage refuses (a [LockHandler] answering
// ErrWouldBlock: held outside the volume) is asked for again while the caller waits.
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
	poll := lockPollMin
	for {
		t.mu.Lock()
		if h.closed.Load() {
			t.mu.Unlock()
			return fmt.Errorf("lock %s: %w", h.Name(), ErrBadHandle)
		}
		if lk.Type == LockUnlock {
			if t.remove(lk, owner, fh) {
				h.v.unlockEvent(ctx, h, lk, owner, flock, t.kept(lk, owner, fh))
				t.wake()
			}
			t.mu.Unlock()
			return nil
		}
		if _, ok := t.conflict(lk, owner, fh); !ok {
			err := h.v.lockEvent(ctx, h, lk, owner, flock)
			if err == nil {
				if t.remove(lk, owner, fh) {
					t.wake() // a write lock downgraded to read may free waiters
				}
				t.locks = append(t.locks, heldLock{Lock: lk, owner: owner, flock: fh, via: h})
			}
			t.mu.Unlock()
			if err == nil || !wait || !errors.Is(err, ErrWouldBlock) {
				return err
			}
			// Held outside the volume, which will not say when it is free.
			timer := time.NewTimer(poll)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return fmt.Errorf("lock %s: %w", h.Name(), ErrInterrupted)
			}
			poll = min(2*poll, lockPollMax)
			continue
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

// releaseOwner drops the POSIX locks of owner (at flush) or, when closing, the
// flock locks of h and every POSIX lock taken through h: FUSE sends no unlock for
// the OFD locks of a closed file (their owner is the open file), and the POSIX
// locks of a process went at the flush of its close.
func (t *lockTable) releaseOwner(v *Volume, ctx context.Context, h *Handle, owner uint64, closing bool) {
	all := Lock{Start: 0, End: math.MaxUint64}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.locks) == 0 {
		return
	}
	if !closing {
		if t.remove(all, owner, nil) {
			v.unlockEvent(ctx, h, all, owner, false, t.kept(all, owner, nil))
			t.wake()
		}
		return
	}
	if t.remove(all, 0, h) {
		v.unlockEvent(ctx, h, all, 0, true, t.kept(all, 0, h))
		t.wake()
	}
	var gone []heldLock
	out := t.locks[:0]
	for _, l := range t.locks {
		if l.flock == nil && l.via == h {
			gone = append(gone, l)
		} else {
			out = append(out, l)
		}
	}
	t.locks = out
	for _, l := range gone {
		r := Lock{Start: l.Start, End: l.End}
		v.unlockEvent(ctx, h, r, l.owner, false, t.kept(r, l.owner, nil))
	}
	if len(gone) > 0 {
		t.wake()
	}
}

// The lock events fire with the table's mutex held, so that the backend sees the
// changes of one open file in the table's order.

func (v *Volume) lockEvent(ctx context.Context, h *Handle, lk Lock, owner uint64, flock bool) (err error) {
	if v.locker == nil {
		return nil
	}
	e := LockFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Offset: lk.Start, Length: rangeLength(lk), Exclusive: lk.Type == LockWrite, Owner: owner, Flock: flock}
	return fire(ctx, v, e.Name, h.f, v.locker.OnLockFile, &e)
}

func (v *Volume) unlockEvent(ctx context.Context, h *Handle, lk Lock, owner uint64, flock bool, kept []Lock) {
	if v.locker == nil {
		return
	}
	e := UnlockFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Offset: lk.Start, Length: rangeLength(lk), Owner: owner, Flock: flock, Kept: kept}
	var err error
	err = fire(ctx, v, e.Name, h.f, v.locker.OnUnlockFile, &e)
	if err != nil {
		v.log.Warn("anyfs: OnUnlockFile failed", "name", e.Name, "err", err)
	}
}

func (v *Volume) testLockEvent(ctx context.Context, h *Handle, lk Lock, owner uint64) (_ Lock, err error) {
	e := TestLockEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Offset: lk.Start, Length: rangeLength(lk), Exclusive: lk.Type == LockWrite, Owner: owner}
	if err = fire(ctx, v, e.Name, h.f, v.tester.OnTestLock, &e); err != nil {
		return Lock{}, err
	}
	return e.Holder, nil
}

func rangeLength(lk Lock) uint64 {
	if lk.End == math.MaxUint64 {
		return 0
	}
	return lk.End - lk.Start + 1
}
