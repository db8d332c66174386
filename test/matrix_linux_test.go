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
	"github.com/anyfs/anyfs/backend/passthrough"
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

// TestMatrixReadOnly mounts a read-only volume (--read-only) over a populated
// backend, on every adapter × writable backend: every read works, and every change
// fails with EROFS.
func TestMatrixReadOnly(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		for _, name := range []string{"memfs", "passthrough"} {
			b := modeBackend(t, name)
			t.Run(adapter+"/"+name, func(t *testing.T) {
				backend := b.New(t)
				rw := mounttest.Mount(t, fs.NewVolume(backend, &fs.Options{Logger: quietLogger}), adapter)
				must := func(err error) {
					t.Helper()
					if err != nil {
						t.Fatal(err)
					}
				}
				must(os.WriteFile(filepath.Join(rw, "f"), []byte("data"), 0o644))
				must(os.Mkdir(filepath.Join(rw, "d"), 0o755))
				must(os.WriteFile(filepath.Join(rw, "d", "g"), []byte("in d"), 0o644))
				must(os.Symlink("f", filepath.Join(rw, "l")))
				must(unix.Setxattr(filepath.Join(rw, "f"), "user.k", []byte("v"), 0))

				mnt := mounttest.Mount(t, fs.NewVolume(backend, &fs.Options{ReadOnly: true, Logger: quietLogger}), adapter)
				p := func(name string) string { return filepath.Join(mnt, name) }
				reads := map[string]func() error{
					"read": func() error {
						got, err := os.ReadFile(p("f"))
						if err == nil && string(got) != "data" {
							return errors.New("read " + string(got))
						}
						return err
					},
					"read in a directory": func() error { _, err := os.ReadFile(p("d/g")); return err },
					"readdir": func() error {
						ents, err := os.ReadDir(mnt)
						if err == nil && len(ents) != 3 {
							return errors.New("listing of the wrong length")
						}
						return err
					},
					"stat":        func() error { _, err := os.Stat(p("d")); return err },
					"readlink":    func() error { _, err := os.Readlink(p("l")); return err },
					"getxattr":    func() error { _, err := unix.Getxattr(p("f"), "user.k", make([]byte, 8)); return err },
					"listxattr":   func() error { _, err := unix.Listxattr(p("f"), make([]byte, 64)); return err },
					"statfs":      func() error { var st unix.Statfs_t; return unix.Statfs(mnt, &st) },
					"access R_OK": func() error { return unix.Access(p("f"), unix.R_OK) },
				}
				for what, fn := range reads {
					if err := fn(); err != nil {
						t.Errorf("%s on a read-only mount: %v", what, err)
					}
				}
				open := func(name string, flags int) error {
					fd, err := unix.Open(p(name), flags, 0o644)
					if err == nil {
						unix.Close(fd)
					}
					return err
				}
				changes := map[string]error{
					"create":            open("new", unix.O_CREAT|unix.O_WRONLY),
					"create exclusive":  open("new", unix.O_CREAT|unix.O_EXCL|unix.O_RDWR),
					"open for writing":  open("f", unix.O_WRONLY),
					"open read-write":   open("f", unix.O_RDWR),
					"open with O_TRUNC": open("f", unix.O_RDONLY|unix.O_TRUNC),
					"truncate":          unix.Truncate(p("f"), 0),
					"unlink":            unix.Unlink(p("f")),
					"rmdir":             unix.Rmdir(p("d")),
					"mkdir":             unix.Mkdir(p("e"), 0o755),
					"mknod":             unix.Mknod(p("fifo"), unix.S_IFIFO|0o644, 0),
					"rename":            unix.Rename(p("f"), p("f2")),
					"link":              unix.Link(p("f"), p("f2")),
					"symlink":           unix.Symlink("f", p("l2")),
					"chmod":             unix.Chmod(p("f"), 0o600),
					"chown":             unix.Chown(p("f"), 1, 1),
					"utimes":            unix.UtimesNano(p("f"), []unix.Timespec{{Sec: 1}, {Sec: 1}}),
					"setxattr":          unix.Setxattr(p("f"), "user.k", []byte("w"), 0),
					"removexattr":       unix.Removexattr(p("f"), "user.k"),
				}
				for what, err := range changes {
					if !errors.Is(err, unix.EROFS) {
						t.Errorf("%s on a read-only mount: %v, want EROFS", what, err)
					}
				}
				if got, err := os.ReadFile(filepath.Join(rw, "f")); err != nil || string(got) != "data" {
					t.Errorf("after the refused changes the file holds %q (%v)", got, err)
				}
			})
		}
	}
}

// TestMatrixBackendChanges: with the volume's caches (--metadata-cache,
// --negative-cache) and short kernel timeouts, changes made in the backend behind
// the mount (a host directory under passthrough) show when the caches expire, or at
// once (after the kernel's timeout, for cgofuse over libfuse) after NotifyChange.
func TestMatrixBackendChanges(t *testing.T) {
	const kernel = 200 * time.Millisecond
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			for _, c := range []struct {
				name   string
				ttl    time.Duration
				notify bool
			}{
				{"expiry", 300 * time.Millisecond, false},
				{"notify", time.Hour, true},
			} {
				t.Run(c.name, func(t *testing.T) {
					host := t.TempDir()
					b, err := passthrough.New(host, nil)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { b.Close() })
					v := fs.NewVolume(b, &fs.Options{MetadataCacheTTL: c.ttl, NegativeCacheTTL: c.ttl,
						AttrTimeout: kernel, EntryTimeout: kernel, NegativeTimeout: kernel, Logger: quietLogger})
					mnt := mounttest.Mount(t, v, adapter)
					size := func(name string) int64 {
						st, err := os.Stat(filepath.Join(mnt, name))
						if errors.Is(err, unix.ENOENT) {
							return -1
						}
						if err != nil {
							t.Fatal(err)
						}
						return st.Size()
					}
					if err := os.WriteFile(filepath.Join(host, "f"), []byte("four"), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(host, "gone"), []byte("x"), 0o644); err != nil {
						t.Fatal(err)
					}
					if size("f") != 4 || size("new") != -1 || size("gone") != 1 {
						t.Fatal("the mount does not show the host directory")
					}
					// Behind the mount: grow f, create new, remove gone.
					if err := os.WriteFile(filepath.Join(host, "f"), []byte("eight..."), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(host, "new"), []byte("new"), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Remove(filepath.Join(host, "gone")); err != nil {
						t.Fatal(err)
					}
					if c.notify {
						// The volume's caches hold for an hour: past the kernel's
						// timeout the mount still shows what they hold.
						time.Sleep(2 * kernel)
						if size("f") != 4 || size("new") != -1 || size("gone") != 1 {
							t.Fatalf("sizes %d %d %d: the volume's caches are not in use", size("f"), size("new"), size("gone"))
						}
						for _, err := range []error{v.NotifyChange(fs.ChangeModified, "/f", ""),
							v.NotifyChange(fs.ChangeAdded, "/new", ""), v.NotifyChange(fs.ChangeRemoved, "/gone", "")} {
							if err != nil {
								t.Fatal(err)
							}
						}
					}
					time.Sleep(c.ttl%time.Hour + 2*kernel)
					if got := size("f"); got != 8 {
						t.Errorf("size of a file grown behind the mount: %d, want 8", got)
					}
					if got := size("new"); got != 3 {
						t.Errorf("size of a file created behind the mount: %d, want 3", got)
					}
					if got := size("gone"); got != -1 {
						t.Errorf("a file removed behind the mount: size %d, want ENOENT", got)
					}
					if got, err := os.ReadFile(filepath.Join(mnt, "f")); err != nil || string(got) != "eight..." {
						t.Errorf("read of a file rewritten behind the mount: %q, %v", got, err)
					}
				})
			}
		})
	}
}
