// Package mounttest mounts volumes for tests and holds the mount suite: named tests
// that exercise a mounted file system with the operating system's own calls. Every
// adapter × backend pair runs the same suite (test/mount_test.go).
package mounttest

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// RequireFUSEEnv names the environment variable that turns "FUSE is not available"
// from a skip into a failure (set it in CI, where FUSE must work).
const RequireFUSEEnv = "ANYFS_REQUIRE_FUSE"

// DebugEnv names the environment variable that logs every kernel request of the
// test mounts through t.Logf (run with -v).
const DebugEnv = "ANYFS_DEBUG"

// Adapters returns the adapters compiled into this test binary.
func Adapters() []string { return adapters.Available() }

// Mount mounts v at a new temporary directory with the named adapter and returns the
// mount point. The volume is unmounted in t.Cleanup, also when the test fails. The
// test is skipped when FUSE is not available, unless ANYFS_REQUIRE_FUSE=1.
func Mount(t testing.TB, v *fs.Volume, adapter string) string {
	t.Helper()
	return MountWith(t, v, adapter, nil)
}

// MountWith is Mount with mount options; nil means the defaults.
func MountWith(t testing.TB, v *fs.Volume, adapter string, opts *mountopt.Options) string {
	t.Helper()
	var o mountopt.Options
	if opts != nil {
		o = *opts
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if !(adapter == adapters.CgoFUSE && runtime.GOOS == "windows") {
		// FUSE mounts on an existing directory; WinFsp wants the mount point absent.
		if err := os.Mkdir(mnt, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var logs *testLog
	if os.Getenv(DebugEnv) != "" {
		logs = &testLog{t: t}
		o.Debug = true
		o.Logger = logs.logger()
	}
	srv, err := adapters.Mount(v, mnt, adapter, &o)
	if err != nil {
		if (errors.Is(err, mountopt.ErrNoFUSE) || errors.Is(err, mountopt.ErrNoAdapter)) && os.Getenv(RequireFUSEEnv) != "1" {
			t.Skipf("cannot mount with %s: %v", adapter, err)
		}
		t.Fatalf("mount with %s: %v", adapter, err)
	}
	t.Cleanup(func() {
		defer logs.stop()
		if err := unmount(srv); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	return mnt
}

// unmount unmounts srv, retrying while the kernel still holds files open (a failed
// test may leave descriptors behind until the garbage collector closes them), then
// detaches the mount from outside so none is ever left behind.
func unmount(srv mountopt.Server) error {
	var err error
	for try := 0; try < 4; try++ {
		if err = srv.Unmount(); err == nil {
			return nil
		}
		runtime.GC() // finalizers close forgotten *os.File values
		time.Sleep(50 * time.Millisecond << try)
	}
	if uerr := adapters.Unmount(srv.MountPoint()); uerr != nil {
		return fmt.Errorf("%v; forced unmount: %v", err, uerr)
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%v; server still running 10s after a forced unmount", err)
	}
	return fmt.Errorf("unmounted only by force: %v", err)
}

// Names returns the suite's test names, sorted.
func Names(suite map[string]func(*testing.T, string)) []string {
	names := make([]string, 0, len(suite))
	for name := range suite {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// KnownIssues are suite tests that fail because of a known problem outside the
// adapters and the test code, with the reason; RunSuite skips them. Remove an entry
// when its fix lands.
var KnownIssues = map[string]string{}

// AdapterDifferences is the one place where a test is skipped because an adapter
// cannot do what it checks, by adapter and test name, with the reason. Every entry
// is listed in docs/platforms.md.
var AdapterDifferences = map[string]map[string]string{
	"cgofuse": {
		"NotifyChange":      "cgofuse offers no kernel cache invalidation on libfuse (only on WinFsp): changes behind the mount show when the kernel timeouts expire",
		"Fallocate":         "cgofuse has no fallocate operation: the kernel answers EOPNOTSUPP",
		"FallocateKeepSize": "cgofuse has no fallocate operation: the kernel answers EOPNOTSUPP",
		"FallocateRange":    "cgofuse has no fallocate operation: the kernel answers EOPNOTSUPP",
		"PunchHole":         "cgofuse has no fallocate operation: the kernel answers EOPNOTSUPP",
		"ZeroRange":         "cgofuse has no fallocate operation: the kernel answers EOPNOTSUPP",
		"SeekDataHole":      "cgofuse has no lseek operation: the kernel takes the whole file for data (SEEK_HOLE gives the end of the file)",
		"OpenSymlinkRace":   "libfuse's high-level API answers ESTALE for a node renamed over during an open; the kernel retries once and then passes ESTALE on",
		"RemovedNodeFstat":  "libfuse's high-level API cannot build a path for a node whose directory was removed (an open directory, or a file hidden as .fuse_hidden* there) and answers fstat with ESTALE itself; reads and writes through the descriptor still work",
		// Not a test: tests that race lookups with renames accept ESTALE where this is set.
		"StaleDuringRename": "libfuse's high-level API answers ESTALE for a name whose directory is renamed while the kernel looks it up",
	},
}

// Skips merges the skip lists that apply to a backend through an adapter.
func Skips(adapter string, backendSkips map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range backendSkips {
		out[k] = v
	}
	for k, v := range AdapterDifferences[adapter] {
		out[k] = v
	}
	return out
}

// RunSuite runs every test of suite as a subtest of t, each in its own new directory
// under mnt. skip names tests that cannot apply, with the reason; KnownIssues are
// skipped too.
func RunSuite(t *testing.T, mnt string, suite map[string]func(*testing.T, string), skip map[string]string) {
	for _, name := range Names(suite) {
		t.Run(name, func(t *testing.T) {
			if why, ok := skip[name]; ok {
				t.Skip(why)
			}
			if why, ok := KnownIssues[name]; ok {
				t.Skip(why)
			}
			dir := filepath.Join(mnt, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			suite[name](t, dir)
		})
	}
}

// testLog routes adapter debug logs to t.Logf until the test's cleanup ends.
type testLog struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

func (l *testLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// SyncBuffer is a bytes.Buffer safe for one writer and one reader, such as a
// child's output that a test reads while the child runs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
