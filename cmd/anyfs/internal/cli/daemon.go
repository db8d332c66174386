package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
)

// daemonFDEnv names, in the environment of a server started by --daemon, the
// descriptor of the pipe on which it reports to the anyfs that started it.
const daemonFDEnv = "ANYFS_DAEMON_FD"

// readyLine, on the pipe, says the mount is up; every other line is a
// message for the starting anyfs to print.
const readyLine = "\x00ready\n"

// daemonChild is the detached server's end of the readiness pipe. Until the
// mount is up, the server's messages also go there, so that the anyfs that
// started it prints them (a mount error in particular).
type daemonChild struct {
	mu   sync.Mutex
	pipe *os.File
}

// daemonChildFromEnv returns the pipe when this process is a server started
// by --daemon, and nil otherwise. It takes the variable out of the
// environment, so that programs started later do not see it.
func daemonChildFromEnv() *daemonChild {
	v, ok := os.LookupEnv(daemonFDEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(daemonFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil
	}
	return &daemonChild{pipe: os.NewFile(uintptr(fd), "anyfs-ready")}
}

// Write copies p to the pipe until the mount is up, then drops it.
func (d *daemonChild) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pipe != nil {
		_, _ = d.pipe.Write(p) // the starting anyfs may have gone
	}
	return len(p), nil
}

// ready tells the starting anyfs that the mount is up and closes the pipe.
func (d *daemonChild) ready() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pipe != nil {
		_, _ = d.pipe.WriteString(readyLine)
		d.pipe.Close()
		d.pipe = nil
	}
}

// exitStatus ends anyfs with code, its message having been printed already
// (by the server that --daemon started).
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string { return e.err.Error() }
func (e *exitStatus) Unwrap() error { return e.err }

// exitCode is the status Main returns for err.
func exitCode(err error) int {
	var es *exitStatus
	var fe *FlagError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &es):
		return es.code
	case errors.As(err, &fe):
		return exitUsage
	}
	return exitError
}

// errExitedEarly: the server --daemon started ended before it was mounted,
// without saying why.
var errExitedEarly = errors.New("the server exited before the file system was mounted")

// earlyExit is the error for a server that ended with err (from Wait) before it was mounted.
func earlyExit(err error) error {
	if err == nil {
		return errExitedEarly
	}
	return fmt.Errorf("%w: %v", errExitedEarly, err)
}
