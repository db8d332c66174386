package shared

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// service stops or starts one of the test servers with test/services (down.sh
// --only, up.sh --only: the same port and data).
func service(t *testing.T, script, which string) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join("..", "..", "test", "services", script), "--only", which)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s --only %s: %v\n%s", script, which, err, out)
	}
}

// outageTests skips t unless ANYFS_OUTAGE_TESTS=1: the tests stop and start the
// servers, which other tests running at the same time would not survive
// (.ci/run runs them in a step of their own).
func outageTests(t *testing.T) {
	servers(t)
	if os.Getenv("ANYFS_OUTAGE_TESTS") != "1" || os.Getenv("ANYFS_SERVICES") == "" {
		t.Skip("ANYFS_OUTAGE_TESTS=1 (and ANYFS_SERVICES from test/services/up.sh) runs the tests that restart the servers")
	}
}

// TestOutageEIO: with PostgreSQL or the object store down, operations fail
// with EIO, what was committed stays whole, and the same mount works again
// once the server is back.
func TestOutageEIO(t *testing.T) {
	outageTests(t)
	ctx := context.Background()
	cfg := newVolume(t)
	f := mountFS(t, cfg, &Options{Outage: OutageEIO, OutageRetry: time.Second})
	v := fs.NewVolume(f, nil)
	f.Attach(v)
	old := bytes.Repeat([]byte("committed "), 1000)
	writeFile(t, v, "/kept", old)

	service(t, "down.sh", "pg")
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			service(t, "up.sh", "pg")
		}
	})
	start := time.Now()
	if _, _, err := v.Create(ctx, "/new", fs.CreateRequest{Mode: 0o644}); !errors.Is(err, fs.ErrIO) {
		t.Errorf("create with PostgreSQL down: %v, want EIO", err)
	}
	if _, err := v.Open(ctx, "/kept", fs.AccessRead, 0); !errors.Is(err, fs.ErrIO) {
		t.Errorf("open with PostgreSQL down: %v, want EIO", err)
	}
	t.Logf("with PostgreSQL down, two operations failed with EIO in %v", time.Since(start))
	service(t, "up.sh", "pg")
	restarted = true
	writeFile(t, v, "/new", []byte("after the restart"))
	if got, err := readFile(v, "/kept"); err != nil || !bytes.Equal(got, old) {
		t.Fatalf("after the PostgreSQL restart: %d bytes, %v; want the committed file whole", len(got), err)
	}

	// The object store down: a write cannot be written out at close, and the
	// file keeps its committed contents; a cold read fails; both work again
	// once it is back.
	cold := mountFS(t, cfg, &Options{Outage: OutageEIO, OutageRetry: time.Second}) // an empty block cache
	service(t, "down.sh", "s3")
	s3Back := false
	t.Cleanup(func() {
		if !s3Back {
			service(t, "up.sh", "s3")
		}
	})
	h, err := v.Open(ctx, "/kept", fs.AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("LOST"), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Sync(ctx, false); !errors.Is(err, fs.ErrIO) {
		t.Errorf("fsync with the object store down: %v, want EIO", err)
	}
	if _, err := readFile(fs.NewVolume(cold, nil), "/kept"); !errors.Is(err, fs.ErrIO) {
		t.Errorf("cold read with the object store down: %v, want EIO", err)
	}
	service(t, "up.sh", "s3")
	s3Back = true
	if err := h.Sync(ctx, false); err != nil {
		t.Errorf("fsync once the object store is back: %v", err)
	}
	h.Release(ctx)
	want := append([]byte("LOST"), old[4:]...)
	if got, err := readFile(fs.NewVolume(cold, nil), "/kept"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("read once the object store is back: %d bytes, %v; want the written file", len(got), err)
	}
}

// TestOutageWait: with Outage wait, an operation during a PostgreSQL restart
// waits and then succeeds.
func TestOutageWait(t *testing.T) {
	outageTests(t)
	ctx := context.Background()
	cfg := newVolume(t)
	f := mountFS(t, cfg, &Options{Outage: OutageWait})
	v := fs.NewVolume(f, nil)
	writeFile(t, v, "/before", []byte("x"))
	service(t, "down.sh", "pg")
	done := make(chan error, 1)
	go func() {
		_, _, err := v.Create(ctx, "/during", fs.CreateRequest{Mode: 0o644})
		done <- err
	}()
	select {
	case err := <-done:
		service(t, "up.sh", "pg")
		t.Fatalf("create with PostgreSQL down returned %v, want it to wait", err)
	case <-time.After(time.Second):
	}
	service(t, "up.sh", "pg")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("create that waited for PostgreSQL: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("create still waiting 30s after PostgreSQL came back")
	}
	if _, err := v.Stat(ctx, "/during"); err != nil {
		t.Fatal(err)
	}
}
