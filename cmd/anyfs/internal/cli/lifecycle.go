package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// stopSignals end a mount: Ctrl-C (SIGINT), a service manager's stop (SIGTERM)
// and the terminal closing (SIGHUP) all unmount it the same way. A detached
// server (--daemon) has no terminal: there SIGHUP reopens the log instead.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// daemonStopSignals end a detached server.
var daemonStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// notifyStop starts catching signals (stopSignals or daemonStopSignals) on a channel. It also keeps
// SIGPIPE (stderr piped into a program that has gone, as when a terminal closes
// under `anyfs mount ... | tee`) from killing anyfs with the mount still up:
// such a write then just fails. stop undoes both.
//
// reclaim, called once mounted, makes the channel the only one told of the stop
// signals: cgofuse on Linux and macOS subscribes to SIGINT and SIGTERM while it
// mounts and then unmounts lazily at once, which would skip the grace period
// and leave the connection open. A signal that arrives during reclaim is lost,
// not fatal.
func notifyStop(signals []os.Signal) (sig <-chan os.Signal, reclaim, stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, signals...)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	reclaim = func() {
		signal.Ignore(signals...)
		signal.Notify(c, signals...)
	}
	return c, reclaim, func() { signal.Stop(c); signal.Stop(pipe) }
}

// Defaults of the stop sequence.
const (
	// DefaultUnmountTimeout is --unmount-timeout's default: how long files in use
	// may keep a mount busy after a stop signal before anyfs detaches it. Service
	// managers wait longer before they send SIGKILL (Docker 10 s, Kubernetes 30 s,
	// systemd 90 s).
	DefaultUnmountTimeout = 5 * time.Second
	// forceTimeout bounds the detaching itself (writing back the kernel's cache,
	// the lazy unmount, the backend's CloseFile and Unmount events); past it anyfs
	// gives up and exits.
	forceTimeout = 5 * time.Second
	// retryEvery is how often a busy unmount is tried again.
	retryEvery = 100 * time.Millisecond
)

// lifecycle serves a mounted volume until it ends: unmounted from outside, or
// stopped by a signal or the context. Stopping unmounts normally; while files
// are in use it tries again until the grace period is over, then detaches the
// mount (a lazy unmount, the connection ended, the backend told of every close
// and of the unmount), so that anyfs exits within grace + forceTimeout. A
// further signal skips what is left of the grace period, and one more during
// the detaching gives up at once.
type lifecycle struct {
	srv   mountopt.Server
	sig   <-chan os.Signal
	out   io.Writer
	grace time.Duration
	// openFiles counts the files open on the mount, for messages; may be nil.
	openFiles func() int
	// stopping, if set, is called once when the mount starts to end.
	stopping func()
}

func (l *lifecycle) tellStopping() {
	if l.stopping != nil {
		l.stopping()
		l.stopping = nil
	}
}

// run serves until the mount ends and returns nil for a clean end.
func (l *lifecycle) run(ctx context.Context) error {
	stopped := make(chan struct{})
	go func() {
		l.srv.Wait()
		close(stopped)
	}()
	var why string
	select {
	case <-stopped:
		l.tellStopping()
		fmt.Fprintf(l.out, "anyfs: %s was unmounted\n", l.srv.MountPoint())
		return nil
	case s := <-l.sig:
		why = s.String()
	case <-ctx.Done():
		why = ctx.Err().Error()
	}
	return l.stop(why, stopped)
}

// stop unmounts, waiting up to the grace period for files in use, then detaches.
func (l *lifecycle) stop(why string, stopped <-chan struct{}) error {
	l.tellStopping()
	mnt := l.srv.MountPoint()
	fmt.Fprintf(l.out, "anyfs: %s: unmounting %s\n", why, mnt)
	grace := time.NewTimer(l.grace)
	defer grace.Stop()
	said := false
	for {
		result := make(chan error, 1)
		go func() { result <- l.srv.Unmount() }()
		var err error
		select {
		case err = <-result:
		case <-grace.C:
			// An attempt that is about to fail busy is not a hung unmount.
			select {
			case err = <-result:
				if err == nil {
					break
				}
				return l.force(fmt.Sprintf("still in use after %v", l.grace))
			case <-time.After(retryEvery):
				return l.force(fmt.Sprintf("the unmount did not finish within %v", l.grace))
			}
		case s := <-l.sig:
			return l.force(s.String())
		}
		if err == nil {
			fmt.Fprintf(l.out, "anyfs: unmounted %s\n", mnt)
			return nil
		}
		if !said {
			said = true
			fmt.Fprintf(l.out, "anyfs: %s; waiting up to %v for them to close (signal again to detach now)\n",
				oneLine(withPath("unmount", mnt, err).Error())+l.inUse(), l.grace)
		}
		select {
		case <-time.After(retryEvery):
		case <-stopped:
			fmt.Fprintf(l.out, "anyfs: %s was unmounted\n", mnt)
			return nil
		case <-grace.C:
			return l.force(fmt.Sprintf("still in use after %v", l.grace))
		case s := <-l.sig:
			return l.force(s.String())
		}
	}
}

// inUse says how many files are open, for the busy message.
func (l *lifecycle) inUse() string {
	if l.openFiles == nil {
		return ""
	}
	return fmt.Sprintf(" (%d files open)", l.openFiles())
}

// force detaches the mount lazily and waits a bounded time for it.
func (l *lifecycle) force(why string) error {
	mnt := l.srv.MountPoint()
	fmt.Fprintf(l.out, "anyfs: %s: detaching %s lazily%s; processes still using it get errors from now on\n",
		why, mnt, l.inUse())
	result := make(chan error, 1)
	go func() { result <- l.srv.ForceUnmount() }()
	timeout := time.NewTimer(forceTimeout)
	defer timeout.Stop()
	select {
	case err := <-result:
		if err != nil {
			fmt.Fprintf(l.out, "anyfs: detaching %s: %s\n", mnt, oneLine(err.Error()))
		}
		fmt.Fprintf(l.out, "anyfs: unmounted %s (detached)\n", mnt)
		return nil
	case <-timeout.C:
	case <-l.sig:
	}
	return fmt.Errorf("unmount of %s did not finish; gave up (if it stays mounted, run: anyfs unmount %s)", mnt, mnt)
}
