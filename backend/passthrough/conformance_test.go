package passthrough_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// TestConformance runs the fs/fstest kit over a new host directory per check.
func TestConformance(t *testing.T) {
	opts := fstest.Options{
		// The host keeps only POSIX attributes; Windows bits other than READONLY
		// are dropped (see the package doc).
		NoFileAttributes: runtime.GOOS != "windows",
		// Changing owners needs privileges.
		NoOwners: os.Geteuid() != 0,
		// The host stamps modification times from the kernel's coarse clock.
		ClockLag: 20 * time.Millisecond,
	}
	if runtime.GOOS == "windows" {
		opts.NoSymlinks, opts.NoNamedStreams, opts.NoOwners = true, true, true
	}
	fstest.Run(t, func(t *testing.T) fs.Interface {
		p, err := passthrough.New(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}, opts)
}
