//go:build unix

package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// startDaemon runs this program again with args (the same mount, --daemon
// included) as a detached server: in a new session, standard input from
// /dev/null, standard output and error to --log-file or /dev/null. It prints
// what the server says until the mount is up and returns nil then; if the
// server ends first, it returns the server's exit status.
func startDaemon(f *Factory, opts *MountOptions, args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--daemon: find this program: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "anyfs"          // not mount.fuse.anyfs: the server takes anyfs's arguments
	cmd.ExtraFiles = []*os.File{w} // descriptor 3
	cmd.Env = append(withoutEnv(os.Environ(), "NOTIFY_SOCKET", daemonFDEnv), daemonFDEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if opts.LogFile != "" {
		lf, err := os.OpenFile(opts.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			w.Close()
			return fmt.Errorf("--log-file: %w", err)
		}
		defer lf.Close()
		cmd.Stdout, cmd.Stderr = lf, lf
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("--daemon: start the server: %w", err)
	}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line == readyLine {
			return cmd.Process.Release()
		}
		if _, werr := io.WriteString(f.ErrOut, line); werr != nil || err != nil {
			break
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return &exitStatus{code: ee.ExitCode(), err: err}
	}
	return earlyExit(err)
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && name != n
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// reopenOnHangup, in the detached server, reopens the log file at every
// SIGHUP (for logrotate) and points standard output and error at it too, so
// that a crash report lands in the current file. Without a log file SIGHUP
// is ignored.
func reopenOnHangup(lf *logFile, msgs io.Writer) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				if lf == nil {
					continue
				}
				f, err := lf.Reopen()
				if err != nil {
					fmt.Fprintf(msgs, "anyfs: SIGHUP: %v\n", err)
					continue
				}
				_ = unix.Dup2(int(f.Fd()), 1)
				_ = unix.Dup2(int(f.Fd()), 2)
				fmt.Fprintf(msgs, "anyfs: SIGHUP: reopened the log file %s\n", lf.path)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}
