package test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/posixtest"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// The matrix: the mounted suites run through the mount options that change how
// requests are served. Each mode runs the subset of adapters and backends that
// exercises what it changes (docs/testing.md lists which, and why); the default
// mode, --no-passthrough (the passthrough-nopt backend) and the cgofuse adapter
// run everywhere already.

// mode is one way of mounting besides the default.
type mode struct {
	name string
	// volume are the volume options (the CLI's --case-insensitive, --metadata-cache,
	// --negative-cache, --attr-timeout, --entry-timeout).
	volume fs.Options
	// pairs are the adapter/backend pairs of the mount and POSIX suites in this mode.
	pairs []string
	// differences are the suite tests whose result differs in this mode, with what
	// the mode makes of them instead; they run in their own mode test.
	differences map[string]string
}

var modes = []mode{
	{
		name:   "case-insensitive",
		volume: fs.Options{CaseInsensitive: true},
		// Both adapters (each has its own path handling). Not passthrough: a new name
		// costs a listing of its directory there (see docs/testing.md); the
		// case-insensitive suite runs on it in TestMatrixCaseInsensitive.
		pairs: []string{"gofuse/memfs", "cgofuse/memfs"},
	},
	{
		name: "caches",
		// The volume's information and absent-name caches: every change made through
		// the mount must drop what it affects.
		volume: fs.Options{MetadataCacheTTL: time.Minute, NegativeCacheTTL: time.Minute, NegativeTimeout: time.Second},
		pairs:  []string{"gofuse/memfs", "cgofuse/passthrough"},
	},
	{
		name: "no-kernel-cache",
		// --attr-timeout 0 --entry-timeout 0: every request reaches the volume.
		volume: fs.Options{AttrTimeout: -1, EntryTimeout: -1},
		pairs:  []string{"gofuse/memfs", "cgofuse/memfs"},
	},
}

// modeBackend finds a backend of mounttest.Backends by name.
func modeBackend(t *testing.T, name string) mounttest.Backend {
	for _, b := range mounttest.Backends {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no backend %s", name)
	return mounttest.Backend{}
}

// modePairs runs fn for each adapter/backend pair of m compiled in.
func modePairs(t *testing.T, m mode, fn func(t *testing.T, adapter string, b mounttest.Backend)) {
	for _, pair := range m.pairs {
		adapter, backend := filepath.Split(pair)
		adapter = filepath.Clean(adapter)
		if !contains(mounttest.Adapters(), adapter) {
			continue
		}
		t.Run(m.name+"/"+pair, func(t *testing.T) { fn(t, adapter, modeBackend(t, backend)) })
	}
}

// modeVolume makes the volume of a mode over a new backend of b.
func modeVolume(t *testing.T, m mode, b mounttest.Backend) *fs.Volume {
	opts := m.volume
	opts.Logger = quietLogger
	return fs.NewVolume(b.New(t), &opts)
}

// TestMatrixSuites runs the mount suite and go-fuse's POSIX suite in every mode.
func TestMatrixSuites(t *testing.T) {
	for _, m := range modes {
		modePairs(t, m, func(t *testing.T, adapter string, b mounttest.Backend) {
			mnt := mounttest.MountWith(t, modeVolume(t, m, b), adapter, b.Options)
			skip := mounttest.Skips(adapter, b.Skip)
			for k, v := range m.differences {
				skip[k] = v
			}
			t.Run("suite", func(t *testing.T) {
				mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "suite")), mounttest.Suite, skip)
			})
			posix := mounttest.Skips(adapter, posixSkip)
			t.Run("posix", func(t *testing.T) {
				mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "posix")), posixtest.All, posix)
			})
		})
	}
}

// mkdirAll makes the directory name in mnt and returns name.
func mkdirAll(t *testing.T, mnt, name string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(mnt, name), 0o755); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestMatrixCaseInsensitive runs the case-insensitive suite on every adapter ×
// writable backend, and checks that the default mount tells cases apart.
func TestMatrixCaseInsensitive(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		for _, name := range []string{"memfs", "passthrough"} {
			b := modeBackend(t, name)
			t.Run(adapter+"/"+name, func(t *testing.T) {
				v := fs.NewVolume(b.New(t), &fs.Options{CaseInsensitive: true, NegativeTimeout: time.Minute, Logger: quietLogger})
				mnt := mounttest.MountWith(t, v, adapter, b.Options)
				mounttest.RunSuite(t, mnt, mounttest.CaseSuite, mounttest.Skips(adapter, nil))
			})
		}
		t.Run(adapter+"/default", func(t *testing.T) {
			mnt := mounttest.Mount(t, fs.NewVolume(memfs.New(nil), nil), adapter)
			if err := os.WriteFile(filepath.Join(mnt, "Hello.TXT"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(mnt, "hello.txt")); !errors.Is(err, unix.ENOENT) {
				t.Fatalf("stat of another spelling on a case-sensitive mount: %v, want ENOENT", err)
			}
			if err := os.WriteFile(filepath.Join(mnt, "hello.txt"), []byte("y"), 0o644); err != nil {
				t.Fatal(err)
			}
			if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 2 {
				t.Fatalf("listing %v, %v; want two names", ents, err)
			}
		})
	}
}

// modeBackends run the model-checked workload (TestModel) and the stress test
// (TestStress) in the modes of the matrix, on memfs through gofuse: their work is
// all through the mount, so each mode's caches and name resolution are what differs
// from the default run.
var modeBackends = func() []writableBackend {
	var out []writableBackend
	for _, m := range modes {
		out = append(out, writableBackend{
			name:    "memfs-" + m.name,
			new:     func(testing.TB) (fs.Interface, func()) { return memfs.New(nil), func() {} },
			volume:  &m.volume,
			adapter: adapters.GoFUSE,
		})
	}
	return out
}()
