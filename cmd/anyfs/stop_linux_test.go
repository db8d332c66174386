//go:build linux

package main

// End-to-end tests of how a mount starts and ends: stop signals, files held
// open at a stop, auto_unmount, the -o options the kernel sees, a mount over a
// mount, and the messages for what cannot be done.

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/test/mounttest"
)

// mountEntries returns the /proc/mounts lines for mnt, bottom first, as fields
// (source, mount point, type, options, ...).
func mountEntries(t *testing.T, mnt string) [][]string {
	t.Helper()
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 3 && unescapeMount(f[1]) == mnt {
			out = append(out, f)
		}
	}
	return out
}

// serving waits for the child's "serving" line.
func (c *child) serving(t *testing.T, mnt string) {
	t.Helper()
	c.waitUntil(t, "the serving line", func() bool {
		return strings.Contains(c.stderr.String(), "anyfs: serving ") && mounted(t, mnt)
	})
}

// stopWith sends s to the child and waits for it to exit with status 0.
func (c *child) stopWith(t *testing.T, s os.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
	if err := c.exit(t); err != nil {
		t.Fatalf("anyfs exited with %v after %v, want status 0; stderr:\n%s", err, s, c.stderr)
	}
}

// TestStopSignalsKeepData stops a passthrough mount with SIGHUP (the terminal
// closing), SIGTERM and SIGINT: each must unmount cleanly like Ctrl-C, exit 0,
// leave no mount behind, and what was written must be in the host directory.
func TestStopSignalsKeepData(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	adapters := compiledAdapters(t, bin)
	for _, a := range adapters {
		for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT} {
			if s != syscall.SIGHUP && a != adapters[0] {
				continue // the other signals take the same path; once is enough
			}
			t.Run(a+"/"+s.String(), func(t *testing.T) {
				host, mnt := t.TempDir(), mountDir(t)
				c := startMount(t, bin, mnt, "--adapter", a, "passthrough:"+host)
				c.serving(t, mnt)
				want := []byte("written before the " + s.String() + "\n")
				if err := os.WriteFile(filepath.Join(mnt, "data.txt"), want, 0o644); err != nil {
					t.Fatal(err)
				}
				c.stopWith(t, s)
				if mounted(t, mnt) {
					t.Errorf("%s is still mounted after %v", mnt, s)
				}
				if got, err := os.ReadFile(filepath.Join(host, "data.txt")); err != nil || !bytes.Equal(got, want) {
					t.Errorf("host file after %v: %q, %v; want %q", s, got, err, want)
				}
			})
		}
	}
}

// TestStopWithOpenFile holds a file open on the mount and sends SIGTERM: the
// unmount is busy, so anyfs waits --unmount-timeout, says it detaches the mount
// lazily, and exits 0 within the bound; the data written before is in the
// host directory, the backend got its CloseFile, and the held descriptor fails
// from then on.
func TestStopWithOpenFile(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, a := range compiledAdapters(t, bin) {
		t.Run(a, func(t *testing.T) {
			host, mnt := t.TempDir(), mountDir(t)
			// --no-passthrough: the kernel would otherwise write the held file's
			// data to the host file itself, past anyfs.
			c := startMount(t, bin, mnt, "--adapter", a, "--debug", "--no-passthrough", "--unmount-timeout", "1s", "passthrough:"+host)
			c.serving(t, mnt)
			f, err := os.OpenFile(filepath.Join(mnt, "held.txt"), os.O_WRONLY|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want := "written before the stop\n"
			if _, err := f.WriteString(want); err != nil {
				t.Fatal(err)
			}

			// From outside, a busy mount is left mounted, with one line that says why.
			out, err := anyfs(t, bin, "unmount", mnt)
			if want := "anyfs: unmount " + mnt + ": files on it are in use (see them with: fuser -vm " + mnt + ")"; err == nil ||
				strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, want) {
				t.Errorf("anyfs unmount of a busy mount: %v, %q; want one line starting with %q", err, out, want)
			}

			start := time.Now()
			c.stopWith(t, syscall.SIGTERM)
			// The bound: the grace period, then at most the detaching (5s), with
			// room for a loaded machine.
			if took := time.Since(start); took < time.Second || took > 15*time.Second {
				t.Errorf("anyfs took %v to exit after SIGTERM with --unmount-timeout 1s", took)
			}
			stderr := c.stderr.String()
			for _, w := range []string{
				"anyfs: unmount " + mnt + ": device or resource busy (1 files open); waiting up to 1s for them to close",
				"detaching " + mnt + " lazily (1 files open); processes still using it get errors from now on\n",
				"anyfs: unmounted " + mnt + " (detached)\n",
				"event=OnCloseFile name=/held.txt",
			} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if mounted(t, mnt) {
				t.Errorf("%s is still mounted after anyfs exited", mnt)
			}
			if got, err := os.ReadFile(filepath.Join(host, "held.txt")); err != nil || string(got) != want {
				t.Errorf("host file: %q, %v; want %q", got, err, want)
			}
			if _, err := f.WriteString("after the stop\n"); err == nil {
				t.Error("a write through a descriptor of the detached mount succeeded")
			}
		})
	}
}

// TestAutoUnmount mounts with -o auto_unmount: the mount serves as usual, and
// when anyfs is killed (SIGKILL, no chance to unmount) fusermount3 removes the
// mount instead of leaving a stale one.
func TestAutoUnmount(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, a := range compiledAdapters(t, bin) {
		t.Run(a, func(t *testing.T) {
			mnt := mountDir(t)
			c := startMount(t, bin, mnt, "--adapter", a, "-o", "auto_unmount", "mem")
			c.serving(t, mnt)
			useMount(t, mnt)
			if err := c.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			c.exit(t)
			deadline := time.Now().Add(20 * time.Second)
			for mounted(t, mnt) {
				if time.Now().After(deadline) {
					t.Fatalf("%s is still mounted 20s after anyfs was killed with -o auto_unmount", mnt)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestMountOptionsReachKernel checks that -o fsname=, subtype= and the mount
// flags are what /proc/mounts shows and the kernel enforces, with every adapter.
func TestMountOptionsReachKernel(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, a := range compiledAdapters(t, bin) {
		t.Run(a, func(t *testing.T) {
			mnt := mountDir(t)
			c := startMount(t, bin, mnt, "--adapter", a, "-o", "fsname=mydata,subtype=myfs", "-o", "noatime,ro,noexec", "mem")
			c.serving(t, mnt)
			e := mountEntries(t, mnt)
			if len(e) != 1 {
				t.Fatalf("%d mounts at %s: %v", len(e), mnt, e)
			}
			opts := "," + e[0][3] + ","
			if e[0][0] != "mydata" || e[0][2] != "fuse.myfs" || !strings.Contains(opts, ",ro,") ||
				!strings.Contains(opts, ",noatime,") || !strings.Contains(opts, ",noexec,") {
				t.Errorf("/proc/mounts: %v; want source mydata, type fuse.myfs, options ro, noatime and noexec", e[0])
			}
			if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
				t.Errorf("write on a -o ro mount: %v, want EROFS", err)
			}
			c.stopWith(t, os.Interrupt)
		})
	}
}

// TestMountOptionsRefused checks that an option anyfs does not honour is
// refused before anything is mounted, in one line that names it.
func TestMountOptionsRefused(t *testing.T) {
	bin := buildAnyfs(t)
	tests := []struct{ opt, want string }{
		{"uid=0", `anyfs: --uid: backend mem stores each file's owner and mode (set them with chown and chmod)`},
		{"gid=0,umask=022", `anyfs: --gid: backend mem stores each file's owner and mode`},
		{"kernel_cache", `anyfs: -o: mount option "kernel_cache" is not supported: anyfs sets the kernel cache from its own options`},
		{"bogus", `anyfs: -o: mount option "bogus" is unknown (anyfs understands fsname=, subtype=, allow_other`},
	}
	for _, tt := range tests {
		mnt := mountDir(t)
		out, err := anyfs(t, bin, "mount", "-o", tt.opt, "mem", mnt)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("-o %s: %v, want exit status 2", tt.opt, err)
		}
		if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, tt.want) {
			t.Errorf("-o %s:\n got %q\nwant one line starting with %q", tt.opt, out, tt.want)
		}
		if mounted(t, mnt) {
			unmountForce(t, mnt)
			t.Errorf("-o %s mounted", tt.opt)
		}
	}
}

// TestMountOverMount mounts on a directory that is already an anyfs mount: it
// is refused with a message naming that mount, unless --allow-stacking.
func TestMountOverMount(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	mnt := mountDir(t)
	first := startMount(t, bin, mnt, "mem")
	first.serving(t, mnt)

	out, err := anyfs(t, bin, "mount", "mem", mnt)
	want := "anyfs: mount point " + mnt + " is already a FUSE mount: anyfs-mem (type fuse.anyfs); unmount it first (anyfs unmount " +
		mnt + "), or mount over it with --allow-stacking\n"
	if err == nil || out != want {
		t.Errorf("a second mount: %v, %q; want an error %q", err, out, want)
	}
	if n := len(mountEntries(t, mnt)); n != 1 {
		t.Fatalf("%d mounts at %s after the refused mount, want 1", n, mnt)
	}

	second := startMount(t, bin, mnt, "--allow-stacking", "mem")
	second.waitUntil(t, "the stacked mount", func() bool { return len(mountEntries(t, mnt)) == 2 })
	second.stopWith(t, os.Interrupt)
	first.stopWith(t, os.Interrupt)
	if mounted(t, mnt) {
		t.Errorf("%s is still mounted", mnt)
	}
}

// TestUnmountNotMounted: `anyfs unmount` of a directory that is not mounted
// says so in one line.
func TestUnmountNotMounted(t *testing.T) {
	bin := buildAnyfs(t)
	dir := mountDir(t)
	out, err := anyfs(t, bin, "unmount", dir)
	if want := "anyfs: " + dir + " is not mounted\n"; err == nil || out != want {
		t.Errorf("anyfs unmount of a plain directory: %v, %q; want an error %q", err, out, want)
	}
}

// TestMountAsOtherUser runs `anyfs mount` as uid 65534, which mounts through
// fusermount3: where this machine does not let that user mount, the one-line
// message says why (no access to /dev/fuse, or allow_other without
// user_allow_other in /etc/fuse.conf) instead of fusermount3's exit status.
func TestMountAsOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	needFUSE(t)
	bin := buildAnyfs(t)
	dir, nobin := mounttest.CopyExecutable(t, bin, "anyfs")
	mnt := filepath.Join(dir, "mnt")
	err := os.Mkdir(mnt, 0o755)
	if err == nil {
		err = os.Chown(mnt, 65534, 65534)
	}
	if err != nil {
		t.Fatal(err)
	}

	args := []string{"mount", "mem", mnt}
	var want string
	if worldAccessible("/dev/fuse") {
		conf, _ := os.ReadFile("/etc/fuse.conf")
		if strings.Contains("\n"+string(conf), "\nuser_allow_other") {
			t.Skip("this machine lets other users mount with allow_other")
		}
		args = []string{"mount", "--allow-other", "mem", mnt}
		want = "anyfs: cannot mount " + mnt + ": mount not allowed: allow_other by a user other than root needs the line user_allow_other in /etc/fuse.conf\n"
	} else {
		want = "anyfs: cannot mount " + mnt + ": mount not allowed: /dev/fuse is not readable and writable by uid 65534 ("
	}
	cmd := exec.Command(nobin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, timedOut, err := mounttest.OutputWithin(cmd, 30*time.Second)
	if timedOut {
		t.Fatalf("anyfs as uid 65534 did not fail; output:\n%s", out)
	}
	if mounted(t, mnt) {
		unmountForce(t, mnt)
		t.Fatalf("uid 65534 mounted %s: the machine allows it, nothing to check", mnt)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	if got := string(out); strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, want) {
		t.Errorf("output:\n got %q\nwant one line starting with %q", got, want)
	}
}

// worldAccessible reports whether every user may read and write name.
func worldAccessible(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().Perm()&0o006 == 0o006
}
