package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/posixtest"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/shared"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// sharedSkip are the suite tests that cannot pass on a shared volume, with the
// reason.
var sharedSkip = map[string]string{
	"PunchHole": "a chunk (4 MiB) is one block: a hole punched inside a chunk reads as zeros but frees storage only at a chunk's end or for whole chunks",
}

// TestSharedSuites runs the mount suite and go-fuse's POSIX suite through one
// mount of a shared volume (PostgreSQL and an S3 store, from ANYFS_META and
// ANYFS_DATA as test/services/up.sh prints them). Without the servers it skips,
// or fails with ANYFS_REQUIRE_SERVICES=1.
func TestSharedSuites(t *testing.T) {
	meta, data := os.Getenv("ANYFS_META"), os.Getenv("ANYFS_DATA")
	if meta == "" || data == "" {
		if os.Getenv("ANYFS_REQUIRE_SERVICES") == "1" {
			t.Fatal("ANYFS_META and ANYFS_DATA are not set, and ANYFS_REQUIRE_SERVICES=1")
		}
		t.Skip(`ANYFS_META and ANYFS_DATA are not set: eval "$(bash test/services/up.sh)" to run the shared volume's tests`)
	}
	if !contains(mounttest.Adapters(), adapters.GoFUSE) {
		t.Skip("built without the gofuse adapter")
	}
	ctx := context.Background()
	cfg := shared.Config{Name: fmt.Sprintf("suite%d", time.Now().UnixNano()%1e12), Meta: meta, Data: data}
	if err := shared.Format(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := shared.Destroy(context.Background(), cfg); err != nil {
			t.Error(err)
		}
	})
	b, err := shared.Open(ctx, cfg, &shared.Options{CacheDir: t.TempDir()}, quietLogger)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the mount goes, then the session, then the volume.
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	v := fs.NewVolume(b, &fs.Options{Logger: quietLogger})
	b.Attach(v)
	mnt := mounttest.Mount(t, v, adapters.GoFUSE)
	t.Run("suite", func(t *testing.T) {
		mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "suite")), mounttest.Suite,
			mounttest.Skips(adapters.GoFUSE, sharedSkip))
	})
	t.Run("posix", func(t *testing.T) {
		mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "posix")), posixtest.All,
			mounttest.Skips(adapters.GoFUSE, posixSkip))
	})
}
