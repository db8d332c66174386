//go:build linux

package main

// End-to-end tests of anyfs run as a service: --daemon, the mount(8) helper
// (mount -t fuse.anyfs, fstab lines), systemd's readiness protocol and unit,
// and the log file.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// daemonPid returns the pid in the serving line of a detached server.
func daemonPid(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`\(adapter \w+, pid (\d+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pid in the output %q", out)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// alive reports whether process pid runs (a zombie has ended).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: the state follows the last ")".
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// waitGone waits up to 20s for process pid to end.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
	}
}

// serversOf returns the pids of the running `anyfs mount --daemon ... mnt`.
func serversOf(t *testing.T, mnt string) []int {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range procs {
		data, err := os.ReadFile(p)
		args := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
		if err != nil || len(args) < 3 || args[1] != "mount" || !slices.Contains(args, "--daemon") || args[len(args)-1] != mnt {
			continue
		}
		if pid, _ := strconv.Atoi(strings.Split(p, "/")[2]); alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cleanupDaemon unmounts mnt and kills pid at the end of t, if still there.
func cleanupDaemon(t *testing.T, mnt string, pid *int) {
	t.Cleanup(func() {
		if mounted(t, mnt) {
			unmountForce(t, mnt)
		}
		if *pid > 0 && alive(*pid) {
			_ = syscall.Kill(*pid, syscall.SIGKILL)
		}
	})
}

// TestDaemon mounts with --daemon: anyfs returns 0 with the file system
// already serving, the server runs in its own session with its messages in
// the log file, SIGHUP reopens that log (it does not stop the server), and
// `anyfs unmount` ends the server.
func TestDaemon(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, a := range compiledAdapters(t, bin) {
		t.Run(a, func(t *testing.T) {
			mnt := mountDir(t)
			logName := filepath.Join(t.TempDir(), "anyfs.log")
			pid := 0
			cleanupDaemon(t, mnt, &pid)
			out, err := anyfs(t, bin, "mount", "--daemon", "--adapter", a, "--log-file", logName, "mem", mnt)
			if err != nil {
				t.Fatalf("anyfs mount --daemon: %v\n%s", err, out)
			}
			pid = daemonPid(t, out)
			if got := serversOf(t, mnt); !slices.Equal(got, []int{pid}) {
				t.Errorf("servers of %s: %v, want [%d]", mnt, got, pid)
			}
			// Mounted and serving when anyfs returned.
			if !mounted(t, mnt) {
				t.Fatalf("%s is not mounted when anyfs mount --daemon returned", mnt)
			}
			useMount(t, mnt)
			if sid, err := unix.Getsid(pid); err != nil || sid != pid {
				t.Errorf("server %d: session %d, %v; want its own session", pid, sid, err)
			}
			if got, _ := os.ReadFile(logName); !strings.Contains(string(got), "anyfs: serving mem at "+mnt) {
				t.Errorf("log file %q lacks the serving line", got)
			}

			// logrotate: move the log away, SIGHUP, and the server writes a new one.
			if err := os.Rename(logName, logName+".1"); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if got, _ := os.ReadFile(logName); strings.Contains(string(got), "reopened the log file") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no new log file after SIGHUP")
				}
			}
			if !mounted(t, mnt) || !alive(pid) {
				t.Fatal("SIGHUP stopped the detached server")
			}

			if out, err := anyfs(t, bin, "unmount", mnt); err != nil {
				t.Fatalf("anyfs unmount: %v\n%s", err, out)
			}
			waitGone(t, pid)
			if got, _ := os.ReadFile(logName); !strings.Contains(string(got), "anyfs: "+mnt+" was unmounted\n") {
				t.Errorf("log file after the unmount: %q", got)
			}
		})
	}
}

// TestDaemonErrors: a mount that fails returns its error and status from
// the server, and leaves no server behind.
func TestDaemonErrors(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing mount point", []string{"mem", missing}, 1,
			"anyfs: mount point " + missing + " does not exist (create it with: mkdir -p " + missing + ")\n"},
		{"refused option", []string{"-o", "bogus", "mem", mountDir(t)}, 2,
			`anyfs: -o: mount option "bogus" is unknown`},
		{"bad log file", []string{"--log-file", filepath.Join(missing, "log"), "mem", mountDir(t)}, 1,
			"anyfs: --log-file: open " + filepath.Join(missing, "log") + ": no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := anyfs(t, bin, append([]string{"mount", "--daemon"}, tt.args...)...)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
				t.Errorf("exit %v, want status %d", err, tt.code)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, tt.want) {
				t.Errorf("output %q, want one line starting with %q", out, tt.want)
			}
			if pids := serversOf(t, tt.args[len(tt.args)-1]); len(pids) > 0 {
				t.Errorf("servers left running: %v", pids)
			}
		})
	}
}

// TestMountHelper runs the binary as mount.fuse.anyfs the way mount(8)
// does, then through mount(8) itself: mount -t fuse.anyfs and an fstab line
// (mount -T FILE). The mount(8) part needs root and a free
// /sbin/mount.fuse.anyfs, which it creates for the test and removes.
func TestMountHelper(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	dir := t.TempDir()
	helper := filepath.Join(dir, "mount.fuse.anyfs")
	if err := os.Symlink(bin, helper); err != nil {
		t.Fatal(err)
	}
	// check mounts with mount, checks what it serves, and unmounts it.
	check := func(t *testing.T, mnt string, mount func() ([]byte, error)) {
		t.Helper()
		pid := 0
		cleanupDaemon(t, mnt, &pid)
		out, err := mount()
		if err != nil {
			t.Fatalf("mount: %v\n%s", err, out)
		}
		pid = daemonPid(t, string(out))
		e := mountEntries(t, mnt)
		if len(e) != 1 || e[0][2] != "fuse.anyfs" || !strings.HasPrefix(e[0][3], "ro,") || !strings.Contains(e[0][3], "noatime") {
			t.Errorf("/proc/mounts: %v; want one fuse.anyfs mount, ro and noatime", e)
		}
		var st unix.Statfs_t
		if err := unix.Statfs(mnt, &st); err != nil || uint64(st.Blocks)*uint64(st.Bsize) != 1<<30 {
			t.Errorf("statfs: %d blocks of %d, %v; want 1G (max_size=1G)", st.Blocks, st.Bsize, err)
		}
		if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
			t.Errorf("write on a read_only mount: %v, want EROFS", err)
		}
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Fatalf("umount: %v\n%s", err, out)
		}
		waitGone(t, pid)
	}
	opts := "rw,read_only,max_size=1G,noatime,_netdev,nofail,noauto,defaults,x-systemd.automount,comment=x"

	t.Run("as mount(8) calls it", func(t *testing.T) {
		mnt := mountDir(t)
		check(t, mnt, func() ([]byte, error) {
			return exec.Command(helper, "mem", mnt, "-n", "-o", opts).CombinedOutput()
		})
	})

	t.Run("mount(8)", func(t *testing.T) {
		if os.Geteuid() != 0 || lookPath("mount") == "" {
			t.Skip("needs root and mount(8)")
		}
		// mount(8) looks for helpers in /sbin only (not PATH).
		sbin := "/sbin/mount.fuse.anyfs"
		if err := os.Symlink(bin, sbin); err != nil {
			t.Skipf("cannot install the helper: %v", err)
		}
		t.Cleanup(func() { os.Remove(sbin) })
		t.Run("mount -t fuse.anyfs", func(t *testing.T) {
			mnt := mountDir(t)
			check(t, mnt, func() ([]byte, error) {
				return exec.Command("mount", "-t", "fuse.anyfs", "-o", opts, "mem", mnt).CombinedOutput()
			})
		})
		t.Run("fstab", func(t *testing.T) {
			mnt := mountDir(t)
			fstab := filepath.Join(t.TempDir(), "fstab")
			line := "mem " + mnt + " fuse.anyfs " + opts + " 0 0\n"
			if err := os.WriteFile(fstab, []byte(line), 0o644); err != nil {
				t.Fatal(err)
			}
			check(t, mnt, func() ([]byte, error) {
				return exec.Command("mount", "-T", fstab, mnt).CombinedOutput()
			})
		})
	})
}

// TestSystemdNotify serves in the foreground with $NOTIFY_SOCKET set, as a
// Type=notify unit does: READY=1 comes once the file system is mounted,
// STOPPING=1 when it starts to end, by SIGTERM (systemctl stop) or by an
// unmount from outside.
func TestSystemdNotify(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, stop := range []string{"SIGTERM", "anyfs unmount"} {
		t.Run(stop, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "notify")
			conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			recv := func(want string) {
				t.Helper()
				buf := make([]byte, 4096)
				_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				n, err := conn.Read(buf)
				if err != nil || !bytes.Equal(buf[:n], []byte(want)) {
					t.Fatalf("notification %q, %v; want %q", buf[:n], err, want)
				}
			}
			mnt := mountDir(t)
			t.Setenv("NOTIFY_SOCKET", sock)
			c := startMount(t, bin, mnt, "mem")
			recv("READY=1")
			if !mounted(t, mnt) {
				t.Fatalf("READY=1 before %s was mounted", mnt)
			}
			useMount(t, mnt)
			if stop == "SIGTERM" {
				if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			} else if out, err := anyfs(t, bin, "unmount", mnt); err != nil {
				t.Fatalf("anyfs unmount: %v\n%s", err, out)
			}
			recv("STOPPING=1")
			if err := c.exit(t); err != nil {
				t.Fatalf("anyfs exited with %v; stderr:\n%s", err, c.stderr)
			}
		})
	}
}

// TestSystemdUnit checks the unit that docs/service.md gives with
// systemd-analyze verify, its ExecStart pointed at the binary under test.
func TestSystemdUnit(t *testing.T) {
	analyze := lookPath("systemd-analyze")
	if analyze == "" {
		if requireFUSE {
			t.Fatal("systemd-analyze is not installed (apt-get install systemd)")
		}
		t.Skip("systemd-analyze is not installed (apt-get install systemd)")
	}
	bin := buildAnyfs(t)
	doc, err := os.ReadFile("../../docs/service.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- unit: (\\S+) -->\n```ini\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(m) == 0 {
		t.Fatal("docs/service.md has no unit (a block after <!-- unit: NAME.service -->)")
	}
	for _, u := range m {
		name, text := string(u[1]), string(u[2])
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(text, "/usr/local/bin/anyfs") {
				t.Fatalf("the unit does not run /usr/local/bin/anyfs:\n%s", text)
			}
			text = strings.ReplaceAll(text, "/usr/local/bin/anyfs", bin)
			unit := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(analyze, "verify", unit)
			cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=warning")
			out, err := cmd.CombinedOutput()
			// Warnings about this machine's own units are not the unit's.
			var own []string
			for _, l := range strings.Split(string(out), "\n") {
				if strings.Contains(l, name) {
					own = append(own, l)
				}
			}
			if err != nil || len(own) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
			}
		})
	}
}

// TestMetrics serves with --metrics on each adapter, runs a workload,
// scrapes the endpoint and runs `anyfs stats`: the counts, bytes and
// histograms follow the workload, the kernel's requests are counted by opcode
// (by the FUSE library's operation with cgofuse), and the state file goes with
// the mount.
func TestMetrics(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	// The requests of the workload: the missing name's (an error), the write's
	// and the read's.
	ops := map[string]struct {
		missing, read string
		write         []string
	}{
		"gofuse":  {"LOOKUP", "READ", []string{"WRITE", "WRITEV"}},
		"cgofuse": {"GETATTR", "READ", []string{"WRITE"}},
	}
	for _, a := range compiledAdapters(t, bin) {
		t.Run(a, func(t *testing.T) {
			op := ops[a]
			if op.read == "" {
				t.Fatalf("no requests listed for the adapter %s", a)
			}
			mnt := mountDir(t)
			// No negative entries: a missing name is then an ENOENT reply to LOOKUP,
			// which the error counter must show (a cached negative entry is a
			// successful reply).
			c := startMount(t, bin, mnt, "--adapter", a, "--metrics", "127.0.0.1:0", "--negative-timeout", "0", "mem")
			c.serving(t, mnt)
			m := regexp.MustCompile(`anyfs: metrics at (http://\S+)\n`).FindStringSubmatch(c.stderr.String())
			if m == nil {
				t.Fatalf("no metrics line in:\n%s", c.stderr)
			}
			data := bytes.Repeat([]byte("metrics "), 1<<17) // 1 MiB
			if err := os.WriteFile(filepath.Join(mnt, "f"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(filepath.Join(mnt, "f")); err != nil || len(got) != len(data) {
				t.Fatalf("read back %d bytes, %v", len(got), err)
			}
			if _, err := os.Stat(filepath.Join(mnt, "missing")); err == nil {
				t.Fatal("stat of a missing file succeeded")
			}
			held, err := os.Open(filepath.Join(mnt, "f"))
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()

			resp, err := http.Get(m[1])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text := string(body)
			value := func(series string) float64 {
				t.Helper()
				re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
				m := re.FindStringSubmatch(text)
				if m == nil {
					t.Fatalf("no %s in the metrics:\n%s", series, text)
				}
				v, _ := strconv.ParseFloat(m[1], 64)
				return v
			}
			if v := value("anyfs_written_bytes_total"); v != float64(len(data)) {
				t.Errorf("anyfs_written_bytes_total = %v, want %d", v, len(data))
			}
			// The kernel may read ahead past what was asked; the file has no more.
			if v := value("anyfs_read_bytes_total"); v != float64(len(data)) {
				t.Errorf("anyfs_read_bytes_total = %v, want %d", v, len(data))
			}
			if v := value(`anyfs_events_total{event="OnWriteFile"}`); v < 1 {
				t.Errorf("OnWriteFile calls = %v", v)
			}
			if v := value(`anyfs_event_errors_total{event="OnGetFileInfo"}`); v < 1 {
				t.Errorf("OnGetFileInfo errors = %v, want the missing file's", v)
			}
			calls := value(`anyfs_events_total{event="OnWriteFile"}`)
			if v := value(`anyfs_event_duration_seconds_count{event="OnWriteFile"}`); v != calls {
				t.Errorf("OnWriteFile histogram count %v, calls %v", v, calls)
			}
			if v := value(`anyfs_event_duration_seconds_bucket{event="OnWriteFile",le="+Inf"}`); v != calls {
				t.Errorf("OnWriteFile +Inf bucket %v, calls %v", v, calls)
			}
			if v := value(`anyfs_kernel_request_errors_total{opcode="` + op.missing + `"}`); v < 1 {
				t.Errorf("%s errors = %v, want the missing file's", op.missing, v)
			}
			var writes float64
			for _, w := range op.write {
				writes += value(`anyfs_kernel_requests_total{opcode="` + w + `"}`)
			}
			if writes < 1 {
				t.Errorf("%v requests = %v", op.write, writes)
			}
			// The first request of each opcode is timed.
			reads := value(`anyfs_kernel_requests_total{opcode="` + op.read + `"}`)
			if timed := value(`anyfs_kernel_request_duration_seconds_count{opcode="` + op.read + `"}`); reads < 1 || timed < 1 || timed > reads {
				t.Errorf("%s: %v requests, %v timed", op.read, reads, timed)
			}
			if v := value("anyfs_open_handles"); v != 1 {
				t.Errorf("anyfs_open_handles = %v, want 1", v)
			}

			out, err := anyfs(t, bin, "stats", mnt)
			if err != nil {
				t.Fatalf("anyfs stats: %v\n%s", err, out)
			}
			for _, w := range []string{"read 1.0 MiB, written 1.0 MiB; 1 files open, 1 handles\n", "OnWriteFile", "OnReadFile", "opcode", op.missing} {
				if !strings.Contains(out, w) {
					t.Errorf("anyfs stats lacks %q:\n%s", w, out)
				}
			}
			held.Close()
			c.stopWith(t, syscall.SIGTERM)
			out, err = anyfs(t, bin, "stats", mnt)
			if want := "anyfs: no statistics for " + mnt + ": no anyfs serves it with --metrics"; err == nil || !strings.HasPrefix(out, want) {
				t.Errorf("anyfs stats after the unmount: %v, %q; want %q", err, out, want)
			}
		})
	}
}
