package shared

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// twoMounts opens two mounts of one fresh volume, each behind its own volume
// (as two machines would have it).
func twoMounts(t *testing.T, opts *Options) (cfg Config, a, b *FS, va, vb *fs.Volume) {
	cfg = newVolume(t)
	a, b = mountFS(t, cfg, opts), mountFS(t, cfg, opts)
	va, vb = fs.NewVolume(a, nil), fs.NewVolume(b, nil)
	a.Attach(va)
	b.Attach(vb)
	return cfg, a, b, va, vb
}

func writeFile(t *testing.T, v *fs.Volume, name string, data []byte) {
	t.Helper()
	ctx := context.Background()
	h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite})
	if errors.Is(err, fs.ErrExist) {
		h, err = v.Open(ctx, name, fs.AccessWrite, fs.OpenTruncate)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, data, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func readFile(v *fs.Volume, name string) ([]byte, error) {
	ctx := context.Background()
	h, err := v.Open(ctx, name, fs.AccessRead, 0)
	if err != nil {
		return nil, err
	}
	defer h.Release(ctx)
	fi, err := h.Stat(ctx)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, fi.Size)
	n, err := h.Read(ctx, buf, 0)
	return buf[:n], err
}

// eventually polls cond for up to limit and returns how long it took.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// TestCoherence: creates, writes, renames and unlinks in one mount are visible
// in the other, through the caches of its volume (which the change log and
// LISTEN/NOTIFY invalidate), within a second.
func TestCoherence(t *testing.T) {
	_, _, _, va, vb := twoMounts(t, nil)
	ctx := context.Background()
	// Warm B's caches with the absence and then the old contents, so that only
	// an invalidation can make B see the change.
	if _, err := vb.Stat(ctx, "/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat /f in B: %v, want ErrNotExist", err)
	}
	var lat []time.Duration
	for i := range 20 {
		data := bytes.Repeat([]byte{byte('a' + i)}, 1000+i)
		writeFile(t, va, "/f", data)
		lat = append(lat, eventually(t, "write in A visible in B", time.Second, func() bool {
			got, err := readFile(vb, "/f")
			return err == nil && bytes.Equal(got, data)
		}))
	}
	if err := va.Rename(ctx, "/f", "/g", 0); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rename in A visible in B", time.Second, func() bool {
		_, errF := vb.Stat(ctx, "/f")
		_, errG := vb.Stat(ctx, "/g")
		return errors.Is(errF, fs.ErrNotExist) && errG == nil
	})
	if err := va.Remove(ctx, "/g", false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "unlink in A visible in B", time.Second, func() bool {
		_, err := vb.Stat(ctx, "/g")
		return errors.Is(err, fs.ErrNotExist)
	})
	slices.Sort(lat)
	t.Logf("write+close in A to read in B: p50 %v, p99 %v (%d samples)", lat[len(lat)/2], lat[len(lat)*99/100], len(lat))
}

// TestReplayAfterReconnect: changes made while a mount's listening connection
// is down reach it from the change log when it reconnects.
func TestReplayAfterReconnect(t *testing.T) {
	_, _, b, va, vb := twoMounts(t, nil)
	ctx := context.Background()
	if _, err := vb.Stat(ctx, "/late"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	// Cut B's listening connection from the server side, then change in A.
	var pid int32
	eventually(t, "B's listener connected", 5*time.Second, func() bool {
		return b.pool.QueryRow(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`,
			fmt.Sprintf("anyfs listener %d", b.Session())).Scan(&pid) == nil
	})
	if _, err := b.pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	writeFile(t, va, "/late", []byte("x"))
	eventually(t, "a change made during the disconnection", 5*time.Second, func() bool {
		_, err := vb.Stat(ctx, "/late")
		return err == nil
	})
}

// TestLocks: a lock taken through A blocks B, byte ranges and flock alike; an
// unlock in A lets a waiting B in; the locks of a mount that died go when its
// session expires.
func TestLocks(t *testing.T) {
	ttl := 2 * time.Second
	_, a, _, va, vb := twoMounts(t, &Options{SessionTTL: ttl})
	ctx := context.Background()
	writeFile(t, va, "/l", []byte("data"))
	ha, err := va.Open(ctx, "/l", fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := vb.Open(ctx, "/l", fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Release(ctx)
	w := func(s, e uint64) fs.Lock { return fs.Lock{Start: s, End: e, Type: fs.LockWrite} }
	if err := ha.SetLock(ctx, 1, w(0, 9), false, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		lk   fs.Lock
		want error
	}{
		{"overlapping", w(5, 14), fs.ErrWouldBlock},
		{"disjoint", w(20, 29), nil},
		{"read over write", fs.Lock{Start: 0, End: 3, Type: fs.LockRead}, fs.ErrWouldBlock},
	} {
		if err := hb.SetLock(ctx, 2, c.lk, false, false); !errors.Is(err, c.want) && (err != nil || c.want != nil) {
			t.Errorf("%s lock in B: %v, want %v", c.name, err, c.want)
		}
	}
	if got, err := hb.GetLock(ctx, 2, w(0, 100), false); err != nil || got.Type != fs.LockWrite || got.Start != 0 || got.End != 9 {
		t.Errorf("F_GETLK in B: %+v, %v; want A's write lock 0-9", got, err)
	}
	// flock: whole-file, independent of the POSIX locks.
	if err := ha.SetLock(ctx, 0, fs.Lock{Type: fs.LockWrite}, true, false); err != nil {
		t.Fatal(err)
	}
	if err := hb.SetLock(ctx, 0, fs.Lock{Type: fs.LockWrite}, true, false); !errors.Is(err, fs.ErrWouldBlock) {
		t.Errorf("flock in B while A holds it: %v, want ErrWouldBlock", err)
	}
	// A waiting B gets the lock soon after A unlocks.
	got := make(chan time.Time, 1)
	go func() {
		if err := hb.SetLock(ctx, 2, w(0, 9), false, true); err != nil {
			t.Error(err)
		}
		got <- time.Now()
	}()
	time.Sleep(200 * time.Millisecond)
	unlocked := time.Now()
	if err := ha.SetLock(ctx, 1, fs.Lock{Start: 0, End: 9, Type: fs.LockUnlock}, false, false); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-got:
		t.Logf("a waiting lock was granted %v after the unlock", at.Sub(unlocked))
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting lock was not granted after the unlock")
	}
	// A dies holding its flock: B gets it once A's session expires, not before.
	died := time.Now()
	a.abandon()
	if err := hb.SetLock(ctx, 0, fs.Lock{Type: fs.LockWrite}, true, false); !errors.Is(err, fs.ErrWouldBlock) {
		t.Errorf("flock in B right after A died: %v, want ErrWouldBlock until the session expires", err)
	}
	wctx, cancel := context.WithTimeout(ctx, ttl+5*time.Second)
	defer cancel()
	if err := hb.SetLock(wctx, 0, fs.Lock{Type: fs.LockWrite}, true, true); err != nil {
		t.Fatalf("flock in B after A died: %v", err)
	}
	if d := time.Since(died); d < ttl/2 {
		t.Errorf("the dead mount's lock went after %v, before its session could expire (ttl %v)", d, ttl)
	} else {
		t.Logf("the dead mount's lock went after %v (ttl %v)", d, ttl)
	}
}

// TestFsyncWithoutClose: data fsync'd in A and never closed is whole in B after
// A dies.
func TestFsyncWithoutClose(t *testing.T) {
	_, a, _, va, vb := twoMounts(t, nil)
	ctx := context.Background()
	data := make([]byte, 9<<20+123) // three chunks, the last partial
	for i := range data {
		data[i] = byte(rand.Uint32())
	}
	h, _, err := va.Create(ctx, "/synced", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, data, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Sync(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("not synced"), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	a.abandon() // no close, no flush: a crash
	got, err := readFile(vb, "/synced")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("B read %d bytes, want the %d fsync'd", len(got), len(data))
	}
}

// TestGC: gc removes an orphan block (uploaded, never committed, as by a crash
// between the two) and keeps every referenced one.
func TestGC(t *testing.T) {
	cfg, a, _, va, _ := twoMounts(t, nil)
	ctx := context.Background()
	data := bytes.Repeat([]byte("keep me "), 1<<20) // two chunks
	writeFile(t, va, "/kept", data)
	orphan := a.st.newKey(999)
	if err := a.st.put(ctx, orphan, []byte("crashed before its commit")); err != nil {
		t.Fatal(err)
	}
	// A young orphan may be a write in progress: kept.
	r, err := GC(ctx, cfg, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed != 0 || r.Young != 1 || r.Referenced != 2 {
		t.Fatalf("gc with min age 1h: %+v, want 2 referenced, 1 young, none removed", r)
	}
	r, err = GC(ctx, cfg, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed != 1 || r.Referenced != 2 {
		t.Fatalf("gc: %+v, want the orphan removed and 2 referenced kept", r)
	}
	var keys []string
	if err := a.st.list(ctx, func(o object) error { keys = append(keys, o.key); return nil }); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(keys, orphan) || len(keys) != 2 {
		t.Fatalf("after gc the store holds %q; want the 2 referenced blocks only", keys)
	}
	// Read through a fresh mount with an empty cache: the blocks are in the store.
	c := mountFS(t, cfg, nil)
	got, err := readFile(fs.NewVolume(c, nil), "/kept")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after gc: read %d bytes, %v; want the file whole", len(got), err)
	}
}
