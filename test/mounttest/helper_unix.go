//go:build linux || darwin

package mounttest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/fs"
)

// runHelper runs one operation of the helper child process on the file arg and
// returns what to print and the exit code.
func runHelper(op, arg string) (string, int) {
	if op == "mount" {
		return serveHelper(arg)
	}
	if op == "listxattr" {
		buf := make([]byte, 64<<10)
		n, err := unix.Listxattr(arg, buf)
		if err != nil {
			return err.Error(), 0
		}
		return strings.Join(strings.FieldsFunc(string(buf[:n]), func(r rune) bool { return r == 0 }), ","), 0
	}
	if op == "read" {
		switch _, err := os.ReadFile(arg); {
		case err == nil:
			return "ok", 0
		case errors.Is(err, unix.EACCES):
			return "EACCES", 0
		default:
			return err.Error(), 0
		}
	}
	f, err := os.OpenFile(arg, os.O_RDWR, 0)
	if err != nil {
		return err.Error(), 2
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 0}
	switch op {
	case "setlk":
		switch err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err {
		case nil:
			return "ok", 0
		case unix.EAGAIN, unix.EACCES:
			return "EAGAIN", 0
		default:
			return err.Error(), 0
		}
	case "getlk":
		if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
			return err.Error(), 0
		}
		switch lk.Type {
		case unix.F_UNLCK:
			return "unlocked", 0
		case unix.F_RDLCK:
			return fmt.Sprintf("read %d-%d pid %d", lk.Start, lk.Start+lk.Len-1, lk.Pid), 0
		default:
			return fmt.Sprintf("write %d-%d pid %d", lk.Start, lk.Start+lk.Len-1, lk.Pid), 0
		}
	}
	return "unknown helper operation " + op, 2
}

// ChildAs runs the helper operation op on the file arg in a new process of this test
// binary running as uid:gid, and returns what it printed: "ok", or the error. The
// operations are "read" (read the file), "setlk" and "getlk" (a write lock on the
// whole file) and "listxattr" (the attribute names, comma-separated). Only root
// can switch users. The path to arg must be searchable by uid.
func ChildAs(t *testing.T, uid, gid uint32, op, arg string) string {
	t.Helper()
	// The test binary lives in a private build directory: run a copy uid can reach.
	_, bin := CopyExecutable(t, os.Args[0], "helper")
	return run(t, bin, op, arg, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}})
}

// CopyExecutable copies the program at src into a new directory that every user
// may search, as name, so that a process of another user can run it (a test
// binary lives in a private build directory). It returns the directory and the
// copy; both go when the test ends.
func CopyExecutable(t *testing.T, src, name string) (dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "anyfs-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin = filepath.Join(dir, name)
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(bin, data, 0o755)
	}
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// OutputWithin runs cmd and returns its combined output and error. A command
// still running after d is killed: timedOut is then true, with what it printed.
func OutputWithin(cmd *exec.Cmd, d time.Duration) (out []byte, timedOut bool, err error) {
	done := make(chan struct{})
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
		return out, false, err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return out, true, err
	}
}

// serveHelper mounts a memfs volume at mnt, says "ready", and serves until killed.
func serveHelper(mnt string) (string, int) {
	v := fs.NewVolume(Backends[0].New(nil), nil)
	if _, err := adapters.Mount(v, mnt, "", nil); err != nil {
		return err.Error(), 2
	}
	fmt.Println("ready")
	select {}
}

// StartMounted starts a child process of this test binary that mounts a memfs
// volume at mnt with the default adapter and serves it until killed. It returns once
// the mount is ready; t.Cleanup kills the process and removes the mount if the test
// did not.
func StartMounted(t *testing.T, mnt string) *os.Process {
	t.Helper()
	if !helperReady {
		t.Skip("the test binary has no helper: call mounttest.Main from TestMain")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=mount", helperArgEnv+"="+mnt)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if isMounted(mnt) {
			adapters.Unmount(mnt)
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("mount helper: %q, %v", line, err)
	}
	return cmd.Process
}

// isMounted reports whether mnt is a mount point (per /proc/mounts; false where
// there is none).
func isMounted(mnt string) bool {
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == mnt {
			return true
		}
	}
	return false
}

// IsMounted reports whether mnt is a mount point (Linux; false elsewhere).
func IsMounted(mnt string) bool { return isMounted(mnt) }
