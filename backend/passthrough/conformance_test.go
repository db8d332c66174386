package passthrough_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
	"github.com/anyfs/anyfs/internal/wine"
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
		// A mode keeps only its owner write bit (the ReadOnly attribute); names are
		// what Windows can store; times are FILETIMEs, in 100 ns units.
		opts.NoPermissions, opts.WindowsNames = true, true
		opts.TimeGranularity = 100 * time.Nanosecond
		if v, ok := wine.Version(); ok {
			opts.Skip = map[string]string{
				"Data/UnlinkOpen":           "Wine " + v + " has no POSIX delete semantics: a deleted open file keeps its name until the last handle closes",
				"Rename/FileOverFile":       "Wine " + v + " has no POSIX rename semantics: a file open elsewhere cannot be renamed over",
				"Attributes/FileAttributes": "Wine " + v + " reports ARCHIVE on every file and never on a directory",
			}
		}
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
