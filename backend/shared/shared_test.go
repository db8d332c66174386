package shared

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// servers returns the test servers' URLs from ANYFS_META and ANYFS_DATA (as
// test/services/up.sh prints them), skipping the test without them; with
// ANYFS_REQUIRE_SERVICES=1 (as .ci/run sets) their absence fails it.
func servers(t testing.TB) (meta, data string) {
	t.Helper()
	meta, data = os.Getenv("ANYFS_META"), os.Getenv("ANYFS_DATA")
	if meta == "" || data == "" {
		if os.Getenv("ANYFS_REQUIRE_SERVICES") == "1" {
			t.Fatal("ANYFS_META and ANYFS_DATA are not set, and ANYFS_REQUIRE_SERVICES=1: run eval \"$(bash test/services/up.sh)\" first")
		}
		t.Skip("ANYFS_META and ANYFS_DATA are not set: eval \"$(bash test/services/up.sh)\" to run the shared volume's tests")
	}
	return meta, data
}

// newVolume formats a volume of its own for t, removed when t ends.
func newVolume(t testing.TB) Config {
	t.Helper()
	meta, data := servers(t)
	cfg := Config{Name: fmt.Sprintf("t%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1e6)), Meta: meta, Data: data}
	ctx := context.Background()
	if err := Format(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropVolume(t, cfg) })
	return cfg
}

// dropVolume removes a test volume.
func dropVolume(t testing.TB, cfg Config) {
	if err := Destroy(context.Background(), cfg); err != nil {
		t.Error(err)
	}
}

// mountFS opens a mount of cfg for t, closed when t ends.
func mountFS(t testing.TB, cfg Config, opts *Options) *FS {
	t.Helper()
	o := Options{CacheDir: t.TempDir()}
	if opts != nil {
		o = *opts
		if o.CacheDir == "" {
			o.CacheDir = t.TempDir()
		}
	}
	f, err := Open(context.Background(), cfg, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestConformance runs the fs/fstest kit on a fresh volume per check.
func TestConformance(t *testing.T) {
	servers(t)
	fstest.Run(t, func(t *testing.T) fs.Interface {
		return mountFS(t, newVolume(t), nil)
	}, fstest.Options{NoFileAttributes: false})
}
