package fuseutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// ForceWait bounds how long ForceUnmount waits for serving to end by itself.
const ForceWait = 2 * time.Second

// Serving is the life of one running mount, which both adapters' servers embed:
// it answers MountPoint and Wait of the adapters' Server interface, orders
// Unmount and ForceUnmount, and tells the volume when the mount is up and when
// it has gone. The adapter supplies how its library unmounts.
type Serving struct {
	v    *fs.Volume
	mnt  string
	done chan struct{} // closed when serving stopped and the volume was told

	mu      sync.Mutex // serializes Unmount
	forceMu sync.Mutex // serializes ForceUnmount, which does not wait for an Unmount in progress
}

// NewServing returns the life of a mount of v at mnt, not yet serving.
func NewServing(v *fs.Volume, mnt string) *Serving {
	return &Serving{v: v, mnt: mnt, done: make(chan struct{})}
}

// MountPoint returns where the volume is mounted.
func (s *Serving) MountPoint() string { return s.mnt }

// Wait blocks until serving stopped and the volume was told.
func (s *Serving) Wait() { <-s.done }

// Done is closed when serving stopped and the volume was told.
func (s *Serving) Done() <-chan struct{} { return s.done }

// Stopped reports whether serving stopped.
func (s *Serving) Stopped() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Ready tells the volume that the mount is up: inv invalidates the kernel's
// caches from now on, and the backend hears OnMount. When OnMount fails, the
// mount is undone with unmount and the error returned.
func (s *Serving) Ready(ctx context.Context, inv fs.Invalidator, unmount func() error) error {
	s.v.SetInvalidator(inv)
	if err := s.v.Mounted(ctx, s.mnt); err != nil {
		unmount()
		return fmt.Errorf("mount %s: %w", s.mnt, err)
	}
	return nil
}

// Ended is called once, when the FUSE layer stopped serving: the kernel is no
// longer told of changes, drop lets go of the adapter's own handles, the volume
// is told (OnCloseFile for every file still open, then OnUnmount) if the mount
// was up, and Wait returns.
func (s *Serving) Ended(log *slog.Logger, mounted bool, drop func(context.Context)) {
	defer close(s.done)
	ctx := context.Background()
	s.v.SetInvalidator(nil)
	if drop != nil {
		drop(ctx)
	}
	if !mounted {
		return
	}
	if err := s.v.Unmounted(ctx, s.mnt); err != nil {
		log.Warn("anyfs: OnUnmount failed", "mountpoint", s.mnt, "err", err)
	}
}

// Unmount has the FUSE layer unmount with unmount, unless serving stopped
// already (perhaps by an unmount from outside), and waits until serving stopped.
// An error of unmount is returned at once, the volume still mounted.
func (s *Serving) Unmount(unmount func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Stopped() {
		return nil
	}
	if err := unmount(); err != nil {
		return err
	}
	<-s.done
	return nil
}

// ForceUnmount detaches the mount while files are in use with force, and waits
// up to ForceWait for serving to end. When it does not (the connection could
// not be aborted, and the FUSE layer serves on until the last process using the
// detached mount closes its files), the volume is told now, after drop has let
// go of the adapter's own handles, so that nothing more is written through them.
func (s *Serving) ForceUnmount(force func() error, drop func(context.Context)) error {
	s.forceMu.Lock()
	defer s.forceMu.Unlock()
	if s.Stopped() {
		return nil
	}
	err := force()
	select {
	case <-s.done:
		return err
	case <-time.After(ForceWait):
	}
	ctx := context.Background()
	s.v.SetInvalidator(nil)
	if drop != nil {
		drop(ctx)
	}
	return errors.Join(err, s.v.Unmounted(ctx, s.mnt))
}
