//go:build linux

package main

// End-to-end tests of the anyfs binary: they build it, mount with it as a
// child process and talk to the mount with ordinary system calls. They skip
// when FUSE is unusable here, unless ANYFS_REQUIRE_FUSE=1 makes that a failure.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/test/mounttest"
)

// requireFUSE: set ANYFS_REQUIRE_FUSE=1 where mount tests must run (CI).
var requireFUSE = os.Getenv("ANYFS_REQUIRE_FUSE") == "1"

// needFUSE skips t, or fails it under ANYFS_REQUIRE_FUSE=1, when this machine
// cannot mount FUSE file systems.
func needFUSE(t *testing.T) {
	t.Helper()
	reason := ""
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
		reason = "/dev/fuse is unusable: " + err.Error()
	} else {
		f.Close()
		if os.Geteuid() != 0 && lookPath("fusermount3", "fusermount") == "" {
			reason = "not root and no fusermount3 (apt-get install fuse3)"
		}
	}
	switch {
	case reason == "":
	case requireFUSE:
		t.Fatalf("ANYFS_REQUIRE_FUSE=1 but %s", reason)
	default:
		t.Skipf("no FUSE: %s (ANYFS_REQUIRE_FUSE=1 makes this a failure)", reason)
	}
}

// lookPath returns the first of names found in PATH, or "".
func lookPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// binDir holds the anyfs binary the tests build once; TestMain removes it.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildAnyfs builds this command once per test run and returns the binary.
func buildAnyfs(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin := lookPath("go")
		if goBin == "" {
			buildErr = errors.New("the go command is not in PATH")
			return
		}
		if binDir, buildErr = os.MkdirTemp("", "anyfs-test-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "anyfs")
		// -buildvcs=false: under sudo, git refuses a checkout another user owns.
		cmd := exec.Command(goBin, "build", "-buildvcs=false", "-tags", childTags, "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// mountDir returns a new empty directory to mount on, as /proc/mounts names it.
func mountDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// mounted reports whether mnt is a mount point in /proc/mounts.
func mounted(t *testing.T, mnt string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 2 && unescapeMount(f[1]) == mnt {
			return true
		}
	}
	return false
}

// unescapeMount undoes the octal escapes of /proc/mounts (\040 for a space, ...).
func unescapeMount(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// unmountForce removes a mount the test left behind, also a stale one.
func unmountForce(t *testing.T, mnt string) {
	t.Helper()
	var errs []string
	for _, args := range [][]string{{"fusermount3", "-u", mnt}, {"fusermount", "-u", mnt}, {"umount", "-l", mnt}} {
		if lookPath(args[0]) == "" {
			continue
		}
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err == nil && !mounted(t, mnt) {
			return
		}
		errs = append(errs, strings.Join(args, " ")+": "+strings.TrimSpace(string(out)))
	}
	t.Errorf("could not unmount %s: %s", mnt, strings.Join(errs, "; "))
}

// child is a running `anyfs mount`.
type child struct {
	cmd    *exec.Cmd
	stderr *mounttest.SyncBuffer
	done   chan struct{} // closed when it exited; err is then set
	err    error
}

// startMount runs `anyfs mount args... mnt` and, in t.Cleanup, unmounts mnt
// if it is still mounted and kills the child if it still runs.
func startMount(t *testing.T, bin, mnt string, args ...string) *child {
	t.Helper()
	c := &child{stderr: new(mounttest.SyncBuffer), done: make(chan struct{})}
	c.cmd = exec.Command(bin, append(append([]string{"mount"}, args...), mnt)...)
	c.cmd.Stdout, c.cmd.Stderr = c.stderr, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		if mounted(t, mnt) {
			unmountForce(t, mnt)
		}
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			select {
			case <-c.done:
			case <-time.After(10 * time.Second):
				t.Errorf("anyfs (pid %d) did not die (%s)", c.cmd.Process.Pid, procState(c.cmd.Process.Pid))
			}
		}
		if t.Failed() {
			t.Logf("anyfs stderr:\n%s", c.stderr)
		}
	})
	return c
}

// procState describes, for a child that has not ended, whether its process is
// still there and in which state and kernel function its threads wait, and which
// processes it started (they may hold its output pipes open).
func procState(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return fmt.Sprintf("pid %d is gone: %v", pid, err)
	}
	var state string
	for line := range strings.Lines(string(status)) {
		if strings.HasPrefix(line, "State:") {
			state = strings.TrimSpace(line)
		}
	}
	var waits, children []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, w := range tasks {
		if b, err := os.ReadFile(w); err == nil && len(b) > 0 && string(b) != "0" {
			waits = append(waits, string(b))
		}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the fields after the last ')'.
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(pid) {
				children = append(children, string(b[:i+1]))
			}
		}
	}
	return fmt.Sprintf("pid %d %s, threads waiting in %v, children %v", pid, state, waits, children)
}

// waitUntil polls cond every 10ms for up to 20s; it fails t if the child
// exits first or time runs out.
func (c *child) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		select {
		case <-c.done:
			if cond() {
				return
			}
			t.Fatalf("anyfs exited (%v) before %s; stderr:\n%s", c.err, what, c.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stderr:\n%s", what, c.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exit waits for the child to exit and returns its exit error.
func (c *child) exit(t *testing.T) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(30 * time.Second):
		t.Fatalf("anyfs did not exit (%s); stderr:\n%s", procState(c.cmd.Process.Pid), c.stderr)
		return nil
	}
}

// anyfs runs the binary to completion and returns its combined output. A run
// that has not ended after 30s (a mount that was meant to fail and serves
// instead) is killed and fails t.
func anyfs(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Errorf("anyfs %s did not exit within 30s; output:\n%s", strings.Join(args, " "), out)
	}
	return string(out), err
}

// compiledAdapters parses the adapters line of `anyfs version`.
func compiledAdapters(t *testing.T, bin string) []string {
	t.Helper()
	out, err := anyfs(t, bin, "version")
	if err != nil {
		t.Fatalf("anyfs version: %v\n%s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "adapters: "); ok {
			list, _, _ := strings.Cut(rest, " (")
			return strings.Split(list, ", ")
		}
	}
	t.Fatalf("no adapters line in:\n%s", out)
	return nil
}

// useMount writes, reads and lists a file through the mount.
func useMount(t *testing.T, mnt string) {
	t.Helper()
	want := []byte("hello through anyfs\n")
	name := filepath.Join(mnt, "hello.txt")
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %q, %v; want %q", got, err, want)
	}
	ents, err := os.ReadDir(mnt)
	if err != nil || len(ents) != 1 || ents[0].Name() != "hello.txt" {
		t.Fatalf("ReadDir = %v, %v", ents, err)
	}
}

// TestMountAndStop mounts mem with every compiled-in adapter, uses it, and
// stops it by SIGINT, SIGTERM or `anyfs unmount`: anyfs must exit with status 0
// and leave no mount behind.
func TestMountAndStop(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	adapters := compiledAdapters(t, bin)
	if childTags != "" && !slices.Contains(adapters, "cgofuse") {
		t.Errorf("built with -tags %s but the adapters are %v", childTags, adapters)
	}
	type stopper struct {
		name string
		stop func(t *testing.T, c *child, mnt string)
	}
	signal := func(s os.Signal) func(t *testing.T, c *child, mnt string) {
		return func(t *testing.T, c *child, mnt string) {
			if err := c.cmd.Process.Signal(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	stoppers := []stopper{
		{"SIGINT", signal(os.Interrupt)},
		{"SIGTERM", signal(syscall.SIGTERM)},
		{"unmount", func(t *testing.T, c *child, mnt string) {
			if out, err := anyfs(t, bin, "unmount", mnt); err != nil {
				t.Fatalf("anyfs unmount: %v\n%s", err, out)
			}
		}},
	}
	for _, a := range adapters {
		for i, s := range stoppers {
			if i > 0 && a != adapters[0] {
				continue // the other ways to stop only with the default adapter
			}
			t.Run(a+"/"+s.name, func(t *testing.T) {
				mnt := mountDir(t)
				c := startMount(t, bin, mnt, "--adapter", a, "mem")
				c.waitUntil(t, "the mount in /proc/mounts", func() bool { return mounted(t, mnt) })
				serving := "anyfs: serving mem at " + mnt + " (adapter " + a + "); Ctrl-C to unmount\n"
				c.waitUntil(t, "the serving line", func() bool { return strings.Contains(c.stderr.String(), serving) })
				useMount(t, mnt)

				s.stop(t, c, mnt)
				if err := c.exit(t); err != nil {
					t.Fatalf("anyfs exited with %v, want status 0; stderr:\n%s", err, c.stderr)
				}
				if mounted(t, mnt) {
					t.Errorf("%s is still mounted after anyfs exited", mnt)
				}
				if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 0 {
					t.Errorf("mount point after unmount: %v, %v; want it empty", ents, err)
				}
			})
		}
	}
}

// TestUnmountStale kills anyfs with SIGKILL, which leaves a stale mount, and
// checks that mount refuses it with advice and `anyfs unmount` clears it.
func TestUnmountStale(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	mnt := mountDir(t)
	c := startMount(t, bin, mnt, "mem")
	c.waitUntil(t, "the mount in /proc/mounts", func() bool { return mounted(t, mnt) })
	useMount(t, mnt)

	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := c.exit(t); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("anyfs exit: %v, want killed", err)
	}
	if !mounted(t, mnt) {
		t.Fatalf("%s is not mounted after SIGKILL; no stale mount to test", mnt)
	}
	if _, err := os.Stat(mnt); !errors.Is(err, syscall.ENOTCONN) {
		t.Errorf("stat of the stale mount: %v, want ENOTCONN", err)
	}

	out, err := anyfs(t, bin, "mount", "mem", mnt)
	want := "anyfs: mount point " + mnt + " is a stale mount whose server has gone; clear it with: anyfs unmount " + mnt + "\n"
	if err == nil || out != want {
		t.Errorf("mount on a stale mount point: %v, output %q; want an error %q", err, out, want)
	}

	if out, err := anyfs(t, bin, "unmount", mnt); err != nil {
		t.Fatalf("anyfs unmount of a stale mount: %v\n%s", err, out)
	}
	if mounted(t, mnt) {
		t.Fatalf("%s is still mounted after anyfs unmount", mnt)
	}
	if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 0 {
		t.Errorf("mount point after unmount: %v, %v; want it empty", ents, err)
	}
}

// TestDenyProcess mounts with --deny-process cat, by name and by path: cat is
// refused (EACCES) while other processes read the same file, and SIGUSR1 prints
// the open files.
func TestDenyProcess(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	catPath := lookPath("cat")
	headPath := lookPath("head")
	if catPath == "" || headPath == "" {
		t.Skip("cat or head is not installed")
	}
	for _, who := range []string{"cat", catPath} {
		t.Run(strings.ReplaceAll(who, "/", "_"), func(t *testing.T) {
			mnt := mountDir(t)
			c := startMount(t, bin, mnt, "--deny-process", who, "mem")
			c.waitUntil(t, "the mount in /proc/mounts", func() bool { return mounted(t, mnt) })
			name := filepath.Join(mnt, "secret.txt")
			if err := os.WriteFile(name, []byte("for some eyes only\n"), 0o644); err != nil {
				t.Fatalf("write by the test process: %v", err)
			}
			out, err := exec.Command(catPath, name).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "Permission denied") {
				t.Fatalf("cat of a file on a --deny-process %s mount: %v, %q; want Permission denied", who, err, out)
			}
			out, err = exec.Command(headPath, "-c", "100", name).CombinedOutput()
			if err != nil || string(out) != "for some eyes only\n" {
				t.Fatalf("head (not denied): %v, %q", err, out)
			}

			// The open-files snapshot on SIGUSR1 names the file and the process holding it.
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
			self := fmt.Sprintf("[%d]", os.Getpid())
			c.waitUntil(t, "the open-files snapshot", func() bool {
				s := c.stderr.String()
				return strings.Contains(s, "/secret.txt\t1 handles\t") && strings.Contains(s, self)
			})
		})
	}
}
