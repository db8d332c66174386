package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// sharedVolume formats a fresh shared volume on the servers of ANYFS_META and
// ANYFS_DATA (test/services/up.sh), skipping t without them (failing it under
// ANYFS_REQUIRE_SERVICES=1), and drops it when t ends.
func sharedVolume(t *testing.T, bin string) string {
	t.Helper()
	meta := os.Getenv("ANYFS_META")
	if meta == "" || os.Getenv("ANYFS_DATA") == "" {
		if os.Getenv("ANYFS_REQUIRE_SERVICES") == "1" {
			t.Fatal("ANYFS_META and ANYFS_DATA are not set, and ANYFS_REQUIRE_SERVICES=1")
		}
		t.Skip(`ANYFS_META and ANYFS_DATA are not set: eval "$(bash test/services/up.sh)" to run the shared volume's tests`)
	}
	name := fmt.Sprintf("cli%d", time.Now().UnixNano()%1e12)
	if out, err := anyfs(t, bin, "shared", "format", name); err != nil {
		t.Fatalf("anyfs shared format: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, meta)
		if err != nil {
			t.Errorf("drop volume %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{"anyfs_" + name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop volume %s: %v", name, err)
		}
	})
	return name
}

// TestSharedTwoProcesses mounts one shared volume twice, by two anyfs
// processes: what A writes and closes is visible in B (latency measured), a
// flock taken through A blocks B, and after A is killed with -9 the data it
// closed or fsync'd is whole in B and its lock goes when its session expires.
func TestSharedTwoProcesses(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	name := sharedVolume(t, bin)
	const ttl = 2 * time.Second
	mnt := func() (string, *child) {
		m := mountDir(t)
		c := startMount(t, bin, m, "--session-ttl", ttl.String(), "--cache-dir", t.TempDir(), "shared:"+name)
		c.serving(t, m)
		return m, c
	}
	ma, ca := mnt()
	mb, _ := mnt()

	var lat []time.Duration
	for i := range 30 {
		p := fmt.Sprintf("f%d", i%3)
		data := []byte(strings.Repeat(fmt.Sprint(i), 100+i))
		if err := os.WriteFile(filepath.Join(ma, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			got, err := os.ReadFile(filepath.Join(mb, p))
			if err == nil && bytes.Equal(got, data) {
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("write+close of %s in A not visible in B after 10s (got %q, %v)", p, got, err)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("write+close in A to read in B, through the kernel: p50 %v, p99 %v (%d samples)", p50, p99, len(lat))
	if p50 > time.Second {
		t.Errorf("median visibility %v, want at most 1s", p50)
	}
	if err := os.Rename(filepath.Join(ma, "f0"), filepath.Join(ma, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(ma, "f1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rename and unlink in A visible in B", func() bool {
		_, e0 := os.Stat(filepath.Join(mb, "f0"))
		_, e1 := os.Stat(filepath.Join(mb, "f1"))
		_, em := os.Stat(filepath.Join(mb, "moved"))
		return errors.Is(e0, os.ErrNotExist) && errors.Is(e1, os.ErrNotExist) && em == nil
	})

	// Data closed, and data fsync'd but never closed, then A dies.
	closed := make([]byte, 6<<20+7)
	synced := make([]byte, 5<<20+3)
	rand.Read(closed)
	rand.Read(synced)
	if err := os.WriteFile(filepath.Join(ma, "closed"), closed, 0o644); err != nil {
		t.Fatal(err)
	}
	fsyncd, err := os.Create(filepath.Join(ma, "synced"))
	if err != nil {
		t.Fatal(err)
	}
	defer fsyncd.Close()
	if _, err := fsyncd.Write(synced); err != nil {
		t.Fatal(err)
	}
	if err := fsyncd.Sync(); err != nil {
		t.Fatal(err)
	}
	lockA, err := os.Open(filepath.Join(ma, "closed"))
	if err != nil {
		t.Fatal(err)
	}
	defer lockA.Close()
	if err := syscall.Flock(int(lockA.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	lockB, err := os.Open(filepath.Join(mb, "closed"))
	if err != nil {
		t.Fatal(err)
	}
	defer lockB.Close()
	if err := syscall.Flock(int(lockB.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("flock in B while A holds it: %v, want EWOULDBLOCK", err)
	}

	if err := ca.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	ca.exit(t)
	unmountForce(t, ma)
	for _, c := range []struct {
		name string
		want []byte
	}{{"closed", closed}, {"synced", synced}} {
		got, err := os.ReadFile(filepath.Join(mb, c.name))
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s in B after A was killed: %d bytes, %v; want %d bytes, the same", c.name, len(got), err, len(c.want))
		}
	}
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(lockB.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("flock in B after A died: %v", err)
		}
		t.Logf("the killed mount's flock went after %v (session ttl %v)", time.Since(died), ttl)
	case <-time.After(ttl + 10*time.Second):
		t.Fatalf("the killed mount's flock still blocks B %v after it died (session ttl %v)", time.Since(died), ttl)
	}
}

// waitFor polls cond every 5ms for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}
