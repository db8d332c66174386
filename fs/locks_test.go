package fs

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// lockFake is the fake with lock events: it records them, refuses locks while busy
// (as storage held by others would) and reports holder from OnTestLock.
type lockFake struct {
	*fake
	mu      sync.Mutex
	busy    bool
	holder  Lock
	locks   []LockFileEvent
	unlocks []UnlockFileEvent
}

func (l *lockFake) OnLockFile(_ context.Context, e *LockFileEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy {
		return ErrWouldBlock
	}
	l.locks = append(l.locks, *e)
	return nil
}

func (l *lockFake) OnUnlockFile(_ context.Context, e *UnlockFileEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unlocks = append(l.unlocks, *e)
	return nil
}

func (l *lockFake) OnTestLock(_ context.Context, e *TestLockEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Holder = l.holder
	return nil
}

func (l *lockFake) setBusy(b bool) {
	l.mu.Lock()
	l.busy = b
	l.mu.Unlock()
}

func (l *lockFake) lastUnlock() UnlockFileEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unlocks[len(l.unlocks)-1]
}

func newLockVolume(t *testing.T) (*Volume, *lockFake, *Handle, *Handle) {
	t.Helper()
	l := &lockFake{fake: newFake()}
	v := NewVolume(l, quietOpts(Options{}))
	mustCreate(t, v, "/f", "")
	return v, l, openRW(t, v, "/f"), openRW(t, v, "/f")
}

// TestUnlockKeepsOtherOwners: an owner's unlock tells the backend what the other
// owners still hold in the range, so that one host lock per open file stays their
// union.
func TestUnlockKeepsOtherOwners(t *testing.T) {
	_, l, a, b := newLockVolume(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.SetLock(bg, 1, Lock{Start: 0, End: 99, Type: LockRead}, false, false))
	must(b.SetLock(bg, 2, Lock{Start: 50, End: 149, Type: LockRead}, false, false))
	must(b.SetLock(bg, 2, Lock{Start: 200, End: 299, Type: LockWrite}, false, false))
	for _, c := range []struct {
		unlock Lock
		kept   []Lock
	}{
		{Lock{Start: 90, End: 99}, []Lock{{Start: 90, End: 99, Type: LockRead}}},
		{Lock{Start: 0, End: math.MaxUint64}, []Lock{{Start: 50, End: 149, Type: LockRead}, {Start: 200, End: 299, Type: LockWrite}}},
	} {
		must(a.SetLock(bg, 1, c.unlock, false, false))
		if e := l.lastUnlock(); e.Owner != 1 || e.Flock || !slices.Equal(e.Kept, c.kept) {
			t.Fatalf("unlock of %d-%d by owner 1: %+v, want Kept %+v", c.unlock.Start, c.unlock.End, e, c.kept)
		}
	}
	// flock: the other handle's lock is kept.
	must(a.SetLock(bg, 0, Lock{Type: LockRead}, true, false))
	must(b.SetLock(bg, 0, Lock{Type: LockRead}, true, false))
	if last := l.locks[len(l.locks)-1]; !last.Flock || last.Exclusive || last.Length != 0 {
		t.Fatalf("flock event %+v", last)
	}
	must(a.SetLock(bg, 0, Lock{Type: LockUnlock}, true, false))
	if e := l.lastUnlock(); !e.Flock || len(e.Kept) != 1 || e.Kept[0].Type != LockRead {
		t.Fatalf("flock unlock while another handle holds one: %+v", e)
	}
}

// TestLockHeldOutside: a lock the backend refuses is ErrWouldBlock, and a waiting
// caller gets it once the backend grants it, or EINTR when the wait is
// interrupted.
func TestLockHeldOutside(t *testing.T) {
	_, l, a, _ := newLockVolume(t)
	l.setBusy(true)
	wr := Lock{Start: 0, End: 9, Type: LockWrite}
	wantErrno(t, a.SetLock(bg, 1, wr, false, false), EAGAIN)
	ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
	defer cancel()
	wantErrno(t, a.SetLock(ctx, 1, wr, false, true), EINTR)
	got := make(chan error, 1)
	go func() { got <- a.SetLock(bg, 1, wr, false, true) }()
	time.Sleep(20 * time.Millisecond)
	l.setBusy(false)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting 5s after the backend let the lock go")
	}
	// A refused lock changed nothing in the table.
	if held, _ := a.GetLock(bg, 2, wr, false); held.Type != LockWrite {
		t.Fatalf("the granted lock is not in the table: %+v", held)
	}
}

// TestGetLockAsksTheBackend: F_GETLK reports a lock held in the backend's storage
// when the volume's own table has none.
func TestGetLockAsksTheBackend(t *testing.T) {
	_, l, a, b := newLockVolume(t)
	l.holder = Lock{Start: 5, End: 6, Type: LockWrite, Pid: 42}
	if got, err := a.GetLock(bg, 1, Lock{Start: 0, End: 10, Type: LockRead}, false); err != nil || got != l.holder {
		t.Fatalf("GetLock = %+v, %v; want the backend's %+v", got, err, l.holder)
	}
	// The volume's own conflict comes first.
	if err := b.SetLock(bg, 2, Lock{Start: 0, End: 3, Type: LockWrite}, false, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.GetLock(bg, 1, Lock{Start: 0, End: 10, Type: LockRead}, false); got.End != 3 {
		t.Fatalf("GetLock = %+v, want the volume's lock 0-3", got)
	}
}

// TestCloseReleasesLocksTakenThroughIt: at the close of a handle the POSIX locks
// taken through it go (an OFD lock's owner is the open file, and FUSE sends no unlock
// for it), and only those.
func TestCloseReleasesLocksTakenThroughIt(t *testing.T) {
	_, l, a, b := newLockVolume(t)
	if err := a.SetLock(bg, 7, Lock{Start: 0, End: 9, Type: LockWrite}, false, false); err != nil {
		t.Fatal(err)
	}
	if err := b.SetLock(bg, 8, Lock{Start: 20, End: 29, Type: LockWrite}, false, false); err != nil {
		t.Fatal(err)
	}
	a.Release(bg)
	if e := l.lastUnlock(); e.Owner != 7 || e.Offset != 0 || e.Length != 10 {
		t.Fatalf("unlock at close: %+v", e)
	}
	if held, _ := b.GetLock(bg, 9, Lock{Start: 0, End: 100, Type: LockWrite}, false); held.Start != 20 {
		t.Fatalf("after the close: %+v, want only b's lock 20-29", held)
	}
}
