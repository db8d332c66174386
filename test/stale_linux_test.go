package test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/test/mounttest"
)

// TestUnmountStale kills the process serving a mount and removes the stale mount it
// leaves ("transport endpoint is not connected") with adapters.Unmount.
func TestUnmountStale(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	p := mounttest.StartMounted(t, mnt)
	if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	p.Wait()
	if _, err := os.Stat(filepath.Join(mnt, "f")); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("stat in a stale mount: %v, want ENOTCONN", err)
	}
	if err := adapters.Unmount(mnt); err != nil {
		t.Fatal(err)
	}
	if mounttest.IsMounted(mnt) {
		t.Fatalf("%s still mounted", mnt)
	}
	if names, err := os.ReadDir(mnt); err != nil || len(names) != 0 {
		t.Fatalf("mount point after unmount: %v, %v", names, err)
	}
}
