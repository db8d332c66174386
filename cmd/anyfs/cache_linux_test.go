//go:build linux

package main

// End-to-end tests of --writeback-cache and --max-read-ahead.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWritebackCache writes through a passthrough mount with writeback
// caching and checks that nothing is lost: what was written is in the host
// file once it is closed or fsync'ed, also for a partial overwrite of a file
// opened write-only (the kernel reads the rest of the page) and for appends,
// and reads back the same after the page cache is dropped and after a
// remount without the cache.
func TestWritebackCache(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	host, mnt := t.TempDir(), mountDir(t)
	if err := os.WriteFile(filepath.Join(host, "old.txt"), []byte("0123456789ABCDEF"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startMount(t, bin, mnt, "--adapter", "gofuse", "--writeback-cache", "--debug", "passthrough:"+host)
	c.serving(t, mnt)
	negotiated := false
	for _, l := range strings.Split(c.stderr.String(), "\n") {
		negotiated = negotiated || strings.Contains(l, "tx 2:") && strings.Contains(l, "WRITEBACK_CACHE")
	}
	if !negotiated {
		t.Skipf("the kernel did not take writeback caching; INIT trace:\n%s", c.stderr)
	}
	hostHas := func(name, want string) {
		t.Helper()
		if got, err := os.ReadFile(filepath.Join(host, name)); err != nil || string(got) != want {
			t.Errorf("host %s: %q, %v; want %q", name, got, err, want)
		}
	}

	// A new file, written and closed.
	big := bytes.Repeat([]byte("writeback "), 100_000) // 1 MB, many pages
	if err := os.WriteFile(filepath.Join(mnt, "new.txt"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	hostHas("new.txt", string(big))

	// A partial overwrite through a write-only descriptor, then fsync.
	f, err := os.OpenFile(filepath.Join(mnt, "old.txt"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("xyz"), 5); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	hostHas("old.txt", "01234xyz89ABCDEF")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// Appends.
	for _, s := range []string{"+tail1", "+tail2"} {
		f, err := os.OpenFile(filepath.Join(mnt, "old.txt"), os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			_, err = f.WriteString(s)
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"new.txt": string(big), "old.txt": "01234xyz89ABCDEF+tail1+tail2"}
	hostHas("old.txt", want["old.txt"])
	if st, err := os.Stat(filepath.Join(mnt, "old.txt")); err != nil || st.Size() != int64(len(want["old.txt"])) {
		t.Errorf("size through the mount: %v, %v; want %d", st, err, len(want["old.txt"]))
	}

	readBack := func(when string) {
		t.Helper()
		for name, w := range want {
			if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || string(got) != w {
				t.Errorf("%s: %s reads %d bytes, %v; want %d bytes", when, name, len(got), err, len(w))
			}
		}
	}
	if os.Geteuid() == 0 {
		unix.Sync()
		if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0); err == nil {
			readBack("after dropping the caches")
		}
	}
	c.stopWith(t, syscall.SIGTERM)
	c2 := startMount(t, bin, mnt, "passthrough:"+host)
	c2.serving(t, mnt)
	readBack("after a remount")
	c2.stopWith(t, syscall.SIGTERM)
}

// TestCacheFlagsRefused: the cgofuse adapter refuses writeback caching and
// a read-ahead bound in one line.
func TestCacheFlagsRefused(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	if !slices.Contains(compiledAdapters(t, bin), "cgofuse") {
		t.Skip("built without the cgofuse adapter")
	}
	for flag, what := range map[string]string{"--writeback-cache": "writeback caching", "--max-read-ahead=64K": "a read-ahead bound"} {
		mnt := mountDir(t)
		out, err := anyfs(t, bin, "mount", "--adapter", "cgofuse", flag, "mem", mnt)
		want := "anyfs: cannot mount " + mnt + ": mount option: " + what + " is supported by the gofuse adapter only\n"
		var ee *exec.ExitError
		if !errors.As(err, &ee) || out != want {
			t.Errorf("%s with cgofuse: %v, %q; want %q", flag, err, out, want)
		}
	}
}

// TestMaxReadAhead mounts with --max-read-ahead 64K (go-fuse): the
// kernel's read-ahead for the mount (its bdi's read_ahead_kb) is 64.
func TestMaxReadAhead(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	mnt := mountDir(t)
	c := startMount(t, bin, mnt, "--adapter", "gofuse", "--max-read-ahead", "64K", "mem")
	c.serving(t, mnt)
	var st unix.Stat_t
	if err := unix.Stat(mnt, &st); err != nil {
		t.Fatal(err)
	}
	bdi := "/sys/class/bdi/" + strconv.Itoa(int(unix.Major(st.Dev))) + ":" + strconv.Itoa(int(unix.Minor(st.Dev))) + "/read_ahead_kb"
	got, err := os.ReadFile(bdi)
	if err != nil {
		t.Skipf("no read-ahead to read: %v", err)
	}
	if strings.TrimSpace(string(got)) != "64" {
		t.Errorf("%s = %q, want 64", bdi, got)
	}
	c.stopWith(t, syscall.SIGTERM)
}
