//go:build linux

package test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/faultfs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// faultMount mounts faultfs over memfs with the kernel's caches off, so every
// request reaches the volume (and the rules).
func faultMount(t *testing.T, adapter string) (*faultfs.FS, string) {
	t.Helper()
	f := faultfs.New(memfs.New(nil))
	v := fs.NewVolume(f, &fs.Options{Logger: quietLogger, AttrTimeout: -1, EntryTimeout: -1, NegativeTimeout: -1})
	mnt := mounttest.Mount(t, v, adapter)
	faultVolumes.Store(mnt, v)
	// Release hung calls before the harness unmounts (cleanups run last-in first-out).
	t.Cleanup(f.Clear)
	return f, mnt
}

// faultVolumes are the volumes of faultMount, by mount point.
var faultVolumes sync.Map

// settle waits until the kernel released every file of the mount at mnt: it sends
// RELEASE after close(2) returns, so a file just closed may still be open.
func settle(t *testing.T, mnt string) {
	t.Helper()
	v, _ := faultVolumes.Load(mnt)
	waitFor(t, "the kernel's releases", func() bool { return v.(*fs.Volume).OpenHandleCount() == 0 })
}

func mustWrite(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantContents(t *testing.T, name, want string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil || string(got) != want {
		t.Fatalf("read %s: %q, %v; want %q", name, got, err, want)
	}
}

// TestFaultErrnos: an error injected into an event reaches the caller as the mapped
// errno; an error no table knows becomes EIO. Once the rule is gone the same
// request works, and the mount unmounts cleanly.
func TestFaultErrnos(t *testing.T) {
	unmapped := errors.New("the backend's own error, known to no table")
	tests := []struct {
		name  string
		setup func(mnt string) // before the rule
		rule  faultfs.Rule
		do    func(mnt string) error
		want  syscall.Errno
	}{
		{"ENOSPC on write", func(m string) { mustWrite(t, m+"/f", "") },
			faultfs.Rule{Event: "OnWriteFile", Name: "/f", Err: fs.ErrNoSpace},
			func(m string) error { return writeAt(m+"/f", "data", 0) }, syscall.ENOSPC},
		{"EACCES on open", func(m string) { mustWrite(t, m+"/f", "secret") },
			faultfs.Rule{Event: "OnOpenFile", Name: "/f", Err: fs.ErrPermission},
			func(m string) error { _, err := os.ReadFile(m + "/f"); return err }, syscall.EACCES},
		{"EIO for an unmapped error", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnReadFile", Name: "/f", Err: unmapped},
			func(m string) error { _, err := os.ReadFile(m + "/f"); return err }, syscall.EIO},
		{"host errno on create", nil,
			faultfs.Rule{Event: "OnCreateFile", Name: "/f", Err: syscall.EROFS},
			func(m string) error { return os.WriteFile(m+"/f", nil, 0o644) }, syscall.EROFS},
		{"EFBIG on truncate", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnSetFileSize", Name: "/f", Err: fs.ErrFileTooLarge},
			func(m string) error { return os.Truncate(m+"/f", 1<<40) }, syscall.EFBIG},
		{"ENOTSUP on chmod", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnSetFileAttributes", Name: "/f", Err: fs.ErrNotSupported},
			func(m string) error { return os.Chmod(m+"/f", 0o600) }, syscall.ENOTSUP},
		{"EACCES from CanFileBeDeleted", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnCanFileBeDeleted", Name: "/f", Err: fs.ErrPermission},
			func(m string) error { return os.Remove(m + "/f") }, syscall.EACCES},
		{"ESTALE on stat", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnGetFileInfo", Name: "/f", Err: fs.ErrStale},
			func(m string) error { _, err := os.Stat(m + "/f"); return err }, syscall.ESTALE},
		{"EIO on fsync", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnFlushFile", Name: "/f", Err: fs.ErrIO},
			func(m string) error {
				f, err := os.OpenFile(m+"/f", os.O_RDWR, 0)
				if err != nil {
					return err
				}
				defer f.Close()
				return f.Sync()
			}, syscall.EIO},
		{"EACCES on readdir", func(m string) { os.Mkdir(m+"/d", 0o755) },
			faultfs.Rule{Event: "OnEnumerateDirectory", Name: "/d", Err: fs.ErrPermission},
			func(m string) error { _, err := os.ReadDir(m + "/d"); return err }, syscall.EACCES},
		{"ENOTEMPTY on rename", func(m string) { os.Mkdir(m+"/d", 0o755); os.Mkdir(m+"/e", 0o755) },
			faultfs.Rule{Event: "OnRenameOrMoveFile", Name: "/d", Err: fs.ErrNotEmpty},
			// os.Rename refuses a directory over a directory itself (EEXIST): rename(2).
			func(m string) error { return unix.Rename(m+"/d", m+"/e") }, syscall.ENOTEMPTY},
		{"EXDEV on link", func(m string) { mustWrite(t, m+"/f", "data") },
			faultfs.Rule{Event: "OnCreateHardLink", Name: "/f", Err: fs.ErrCrossDevice},
			func(m string) error { return os.Link(m+"/f", m+"/g") }, syscall.EXDEV},
	}
	for _, adapter := range mounttest.Adapters() {
		for _, tt := range tests {
			t.Run(adapter+"/"+tt.name, func(t *testing.T) {
				f, mnt := faultMount(t, adapter)
				if tt.setup != nil {
					tt.setup(mnt)
				}
				settle(t, mnt)
				f.Inject(tt.rule)
				if err := tt.do(mnt); !errors.Is(err, tt.want) {
					t.Fatalf("with the fault: %v, want %v", err, tt.want)
				}
				if f.Hits(tt.rule.Event) == 0 {
					t.Fatalf("the rule was never hit")
				}
				f.Clear()
				if err := tt.do(mnt); err != nil {
					t.Fatalf("without the fault: %v", err)
				}
			})
		}
	}
}

func writeAt(name, data string, off int64) error {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt([]byte(data), off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// TestFaultPanics: a handler that panics fails only that request, with EIO; the next
// request of the same kind on the same file works.
func TestFaultPanics(t *testing.T) {
	tests := []struct {
		event string
		setup func(mnt string)
		do    func(mnt string) error
	}{
		{"OnGetFileInfo", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { _, err := os.Stat(m + "/f"); return err }},
		{"OnOpenFile", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { _, err := os.ReadFile(m + "/f"); return err }},
		{"OnReadFile", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { _, err := os.ReadFile(m + "/f"); return err }},
		{"OnWriteFile", func(m string) { mustWrite(t, m+"/f", "") },
			func(m string) error { return writeAt(m+"/f", "data", 0) }},
		{"OnCreateFile", nil,
			func(m string) error { return os.WriteFile(m+"/f", []byte("x"), 0o644) }},
		{"OnDeleteFile", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { return os.Remove(m + "/f") }},
		{"OnRenameOrMoveFile", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { return os.Rename(m+"/f", m+"/g") }},
		{"OnEnumerateDirectory", func(m string) { os.Mkdir(m+"/f", 0o755) },
			func(m string) error { _, err := os.ReadDir(m + "/f"); return err }},
		{"OnSetFileSize", func(m string) { mustWrite(t, m+"/f", "data") },
			func(m string) error { return os.Truncate(m+"/f", 2) }},
	}
	for _, adapter := range mounttest.Adapters() {
		for _, tt := range tests {
			t.Run(adapter+"/"+tt.event, func(t *testing.T) {
				f, mnt := faultMount(t, adapter)
				if tt.setup != nil {
					tt.setup(mnt)
				}
				settle(t, mnt)
				// Every call on /f panics (the kernel retries a failed read-ahead, so
				// a single panic may not reach the caller); other files are served.
				f.Inject(faultfs.Rule{Event: tt.event, Name: "/f", Panic: "injected panic in " + tt.event})
				if err := tt.do(mnt); !errors.Is(err, syscall.EIO) {
					t.Fatalf("with a panic: %v, want EIO", err)
				}
				if f.Hits(tt.event) == 0 {
					t.Fatal("no panic")
				}
				// The volume is not wedged: while /f panics, a fresh file round-trips.
				mustWrite(t, mnt+"/after", "ok")
				wantContents(t, mnt+"/after", "ok")
				f.Clear()
				if err := tt.do(mnt); err != nil {
					t.Fatalf("after the panic: %v", err)
				}
			})
		}
	}
	// A panic while closing (release) cannot fail any caller; the file must still be
	// released, so it can be opened and removed afterwards.
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter+"/OnCloseFile", func(t *testing.T) {
			f, mnt := faultMount(t, adapter)
			mustWrite(t, mnt+"/f", "data")
			settle(t, mnt)
			f.Inject(faultfs.Rule{Event: "OnCloseFile", Name: "/f", Panic: "injected", Count: 3})
			// Release comes after close returns: wait for each before the next open,
			// or two opens share one open file and one release.
			for i := range 3 {
				wantContents(t, mnt+"/f", "data")
				waitFor(t, "a panicking release", func() bool { return f.Hits("OnCloseFile") == i+1 })
			}
			wantContents(t, mnt+"/f", "data")
			if err := os.Remove(mnt + "/f"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestFaultHang: a backend call that hangs on one file does not freeze unrelated
// requests; once released, the hung request completes with the right result.
func TestFaultHang(t *testing.T) {
	tests := []struct {
		name  string
		event string
		hung  string                 // the file whose event hangs
		do    func(mnt string) error // the request that hangs
	}{
		{"read", "OnReadFile", "/slow", func(m string) error { return readWant(m+"/slow", "slow data") }},
		{"write", "OnWriteFile", "/slow", func(m string) error { return writeAt(m+"/slow", "SLOW", 0) }},
		{"open", "OnOpenFile", "/slow", func(m string) error { return readWant(m+"/slow", "slow data") }},
		{"lookup", "OnGetFileInfo", "/h/slow", func(m string) error { _, err := os.Stat(m + "/h/slow"); return err }},
		{"fsync", "OnFlushFile", "/slow", func(m string) error {
			f, err := os.OpenFile(m+"/slow", os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Sync()
		}},
	}
	for _, adapter := range mounttest.Adapters() {
		for _, tt := range tests {
			t.Run(adapter+"/"+tt.name, func(t *testing.T) {
				f, mnt := faultMount(t, adapter)
				mustWrite(t, mnt+"/slow", "slow data")
				os.Mkdir(mnt+"/h", 0o755)
				mustWrite(t, mnt+"/h/slow", "slow data")
				os.Mkdir(mnt+"/other", 0o755)
				settle(t, mnt)
				f.Inject(faultfs.Rule{Event: tt.event, Name: tt.hung, Hang: true})
				hung := make(chan error, 1)
				go func() { hung <- tt.do(mnt) }()
				waitFor(t, "the hung call", func() bool { return f.Hits(tt.event) > 0 })
				// Unrelated work, in another directory (a hung lookup holds its
				// directory in the kernel), with a deadline.
				work := make(chan error, 1)
				go func() { work <- unrelatedWork(mnt + "/other") }()
				select {
				case err := <-work:
					if err != nil {
						t.Fatalf("unrelated work while %s hangs: %v", tt.hung, err)
					}
				case <-time.After(20 * time.Second):
					f.Release()
					t.Fatalf("unrelated work froze while %s hangs\n%s", tt.hung, allStacks())
				}
				select {
				case err := <-hung:
					t.Fatalf("the hung request returned early: %v", err)
				default:
				}
				f.Clear()
				select {
				case err := <-hung:
					if err != nil {
						t.Fatalf("released request: %v", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("the released request did not finish")
				}
			})
		}
	}
}

func readWant(name, want string) error {
	got, err := os.ReadFile(name)
	if err == nil && string(got) != want {
		return errors.New("read " + string(got) + ", want " + want)
	}
	return err
}

// unrelatedWork creates, writes, reads, lists, renames and removes files in dir,
// and stats the mount's root.
func unrelatedWork(dir string) error {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(dir, "f"+string(rune('0'+i)))
			for j := 0; j < 20; j++ {
				if err := os.WriteFile(p, []byte("content"), 0o644); err != nil {
					errs <- err
					return
				}
				if err := readWant(p, "content"); err != nil {
					errs <- err
					return
				}
				if err := os.Rename(p, p+".r"); err != nil {
					errs <- err
					return
				}
				if _, err := os.ReadDir(dir); err != nil {
					errs <- err
					return
				}
				if err := os.Remove(p + ".r"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	_, err := os.Stat(filepath.Dir(dir))
	return err
}

// TestFaultHangKilledCaller: a process blocked in a hung request is killed; the
// kernel interrupts the request, the volume's call sees its context canceled, and
// the process exits without the backend ever being released. The mount then
// unmounts cleanly (the harness checks).
func TestFaultHangKilledCaller(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			f, mnt := faultMount(t, adapter)
			mustWrite(t, mnt+"/slow", "slow data")
			settle(t, mnt)
			f.Inject(faultfs.Rule{Event: "OnReadFile", Name: "/slow", Hang: true})
			cmd := exec.Command("cat", mnt+"/slow")
			if err := cmd.Start(); err != nil {
				t.Skip(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			waitFor(t, "the hung read", func() bool { return f.Hits("OnReadFile") > 0 })
			if err := cmd.Process.Signal(unix.SIGKILL); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				// The kernel waits for the reply of a request already sent; only an
				// interrupt that reaches the handler's context ends it.
				f.Release()
				<-exited
				t.Fatal("a killed process stayed blocked in a hung read until the backend was released: FUSE INTERRUPT does not cancel the handler's context")
			}
			mustWrite(t, mnt+"/other", "ok")
			wantContents(t, mnt+"/other", "ok")
		})
	}
}
