package test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

func TestMain(m *testing.M) { mounttest.Main(m) }

// TestSuite runs the mount suite for every adapter × backend pair, mounting once per
// pair; each test works in its own directory.
func TestSuite(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		for _, b := range mounttest.Backends {
			t.Run(adapter+"/"+b.Name, func(t *testing.T) {
				v := fs.NewVolume(b.New(t), nil)
				mnt := mounttest.MountWith(t, v, adapter, b.Options)
				mounttest.RunSuite(t, mnt, mounttest.Suite, mounttest.Skips(adapter, b.Skip))
			})
		}
	}
}

// TestMountPointErrors: a mount point the adapter cannot mount on is refused with
// ErrMountPoint before anything is mounted. FUSE mounts on an existing empty
// directory: a missing, non-directory or non-empty one is refused. WinFsp mounts on
// a directory that does not exist yet, in one that does: an existing file or
// directory (even an empty one) is refused, and so is a path whose parent is
// missing.
func TestMountPointErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, adapter := range mounttest.Adapters() {
		bad := []string{filepath.Join(dir, "missing"), file, dir}
		if winFsp(adapter) {
			bad = []string{filepath.Join(dir, "missing", "mnt"), file, dir, empty, ""}
		}
		for _, mnt := range bad {
			v := fs.NewVolume(mounttest.Backends[0].New(t), nil)
			srv, err := adapters.Mount(v, mnt, adapter, nil)
			if err == nil {
				srv.Unmount()
				t.Fatalf("%s: mounted on %s", adapter, mnt)
			}
			if !errors.Is(err, mountopt.ErrMountPoint) {
				t.Errorf("%s: mount on %s: %v, want ErrMountPoint", adapter, mnt, err)
			}
		}
	}
	if _, err := adapters.Mount(nil, dir, "nosuch", nil); !errors.Is(err, mountopt.ErrNoAdapter) {
		t.Errorf("unknown adapter: %v, want ErrNoAdapter", err)
	}
}

// TestMountNonEmpty mounts over a non-empty directory when asked to: a FUSE
// mount point, which takes AllowStacking as well.
func TestMountNonEmpty(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			if winFsp(adapter) {
				t.Skip("WinFsp mounts only on a path that does not exist yet: there is no mounting over a directory")
			}
			v := fs.NewVolume(mounttest.Backends[0].New(t), nil)
			mnt := mounttest.MountWith(t, v, adapter, &mountopt.Options{AllowNonEmpty: true})
			// The harness mounted on an empty directory; mount a second volume over it.
			if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			v2 := fs.NewVolume(mounttest.Backends[0].New(t), nil)
			// mnt is a FUSE mount point: stacking on it takes AllowStacking.
			if srv, err := adapters.Mount(v2, mnt, adapter, &mountopt.Options{AllowNonEmpty: true}); !errors.Is(err, mountopt.ErrMountPoint) ||
				!strings.Contains(err.Error(), "is already a FUSE mount: ") {
				if err == nil {
					srv.Unmount()
				}
				t.Fatalf("mount over a FUSE mount without AllowStacking: %v, want ErrMountPoint naming the mount", err)
			}
			srv, err := adapters.Mount(v2, mnt, adapter, &mountopt.Options{AllowNonEmpty: true, AllowStacking: true})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Unmount(); err != nil {
					t.Error(err)
				}
			}()
			names, err := os.ReadDir(mnt)
			if err != nil || len(names) != 0 {
				t.Fatalf("second mount lists %v (%v), want nothing", names, err)
			}
		})
	}
}

// TestReadOnly mounts a read-only volume: the kernel knows it ("ro") and every
// change fails with EROFS.
func TestReadOnly(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			b := mounttest.Backends[0].New(t)
			rw := fs.NewVolume(b, nil)
			mnt := mounttest.Mount(t, rw, adapter)
			if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("data"), 0o644); err != nil {
				t.Fatal(err)
			}
			ro := fs.NewVolume(b, &fs.Options{ReadOnly: true})
			mnt2 := mounttest.Mount(t, ro, adapter)
			got, err := os.ReadFile(filepath.Join(mnt2, "f"))
			if err != nil || string(got) != "data" {
				t.Fatalf("read: %q, %v", got, err)
			}
			for what, err := range map[string]error{
				"create": os.WriteFile(filepath.Join(mnt2, "g"), nil, 0o644),
				"write":  os.WriteFile(filepath.Join(mnt2, "f"), nil, 0o644),
				"mkdir":  os.Mkdir(filepath.Join(mnt2, "d"), 0o755),
				"remove": os.Remove(filepath.Join(mnt2, "f")),
				"chmod":  os.Chmod(filepath.Join(mnt2, "f"), 0o600),
			} {
				if !errors.Is(err, errROFS) {
					t.Errorf("%s: %v, want EROFS", what, err)
				}
			}
			if opts := mountOptions(t, mnt2); opts != "" && !strings.HasPrefix(opts, "ro") {
				t.Errorf("mount options %q, want ro", opts)
			}
		})
	}
}

// TestUnmountFromOutside unmounts with adapters.Unmount, as `anyfs unmount` does:
// the server notices and Wait returns. A WinFsp mount ends only with the process
// serving it: there adapters.Unmount fails with ErrNoAdapter, mounted or not, and
// leaves the mount alone.
func TestUnmountFromOutside(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			mnt := filepath.Join(t.TempDir(), "mnt")
			if winFsp(adapter) {
				if err := adapters.Unmount(mnt); !errors.Is(err, mountopt.ErrNoAdapter) {
					t.Errorf("Unmount of a WinFsp mount point: %v, want ErrNoAdapter", err)
				}
			} else if err := os.Mkdir(mnt, 0o755); err != nil {
				t.Fatal(err)
			}
			v := fs.NewVolume(mounttest.Backends[0].New(t), nil)
			srv, err := adapters.Mount(v, mnt, adapter, nil)
			if err != nil {
				if errors.Is(err, mountopt.ErrNoFUSE) && os.Getenv(mounttest.RequireFUSEEnv) != "1" {
					t.Skip(err)
				}
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Unmount() })
			if winFsp(adapter) {
				if err := adapters.Unmount(mnt); !errors.Is(err, mountopt.ErrNoAdapter) {
					t.Errorf("Unmount of a WinFsp mount: %v, want ErrNoAdapter", err)
				}
				if _, err := os.Stat(mnt); err != nil {
					t.Errorf("after a refused outside unmount: %v", err)
				}
				if err := srv.Unmount(); err != nil {
					t.Errorf("Unmount: %v", err)
				}
				return
			}
			if err := adapters.Unmount(mnt); err != nil {
				t.Fatal(err)
			}
			srv.Wait()
			if err := srv.Unmount(); err != nil {
				t.Errorf("Unmount after an outside unmount: %v", err)
			}
		})
	}
}

// winFsp reports whether adapter mounts through WinFsp, whose mount points are
// paths that do not exist yet.
func winFsp(adapter string) bool { return adapter == adapters.CgoFUSE && runtime.GOOS == "windows" }
