//go:build linux || darwin

package gofuse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// Supported reports whether this build can mount with go-fuse.
const Supported = true

// I/O sizes offered to the kernel: large writes and readahead cut round trips.
const (
	maxWrite     = 1 << 20
	maxReadAhead = 1 << 20
)

// Mount mounts v at mountPoint and serves it until the returned server is unmounted.
// The mount point must be an existing directory, empty unless opts.AllowNonEmpty.
// Errors wrap mountopt.ErrMountPoint or mountopt.ErrNoFUSE where those apply.
func Mount(v *fs.Volume, mountPoint string, opts *mountopt.Options) (mountopt.Server, error) {
	if opts == nil {
		opts = &mountopt.Options{}
	}
	mnt, err := mountopt.CheckMountPoint(mountPoint, opts.AllowNonEmpty)
	if err != nil {
		return nil, err
	}
	if err := checkFUSE(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	rootInfo, err := v.Stat(ctx, "/")
	if err != nil {
		return nil, fmt.Errorf("mount %s: root of the volume: %w", mnt, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = v.Logger()
	}

	vo := v.Options()
	attrT, _, _ := vo.KernelTimeouts()
	m := &mount{v: v, mnt: mnt, attrTimeout: attrT}
	root := &node{m: m}
	gopts := goOptions(v, opts, logger)
	if rootInfo.FileID != 0 {
		gopts.RootStableAttr = &gofs.StableAttr{Ino: rootInfo.FileID}
	}
	raw := &rawFS{RawFileSystem: gofs.NewNodeFS(root, gopts), m: m}
	srv, err := fuse.NewServer(raw, mnt, &gopts.MountOptions)
	if err != nil {
		return nil, mountError(mnt, err)
	}
	s := &server{srv: srv, mnt: mnt, done: make(chan struct{})}
	go func() {
		srv.Serve()
		v.SetInvalidator(nil)
		if err := v.Unmounted(context.Background(), mnt); err != nil {
			logger.Warn("anyfs: OnUnmount failed", "mountpoint", mnt, "err", err)
		}
		close(s.done)
	}()
	if err := srv.WaitMount(); err != nil {
		s.Unmount()
		return nil, mountError(mnt, err)
	}
	v.SetInvalidator(&invalidator{root: root})
	if opts.Debug {
		_, offers := v.Backend().(fs.PassthroughFder)
		logger.Debug("anyfs: FUSE passthrough", "backend_offers_fds", offers, "disabled", opts.NoPassthrough,
			"kernel_offers", srv.KernelSettings().Flags64()&fuse.CAP_PASSTHROUGH != 0, "root", os.Geteuid() == 0,
			"note", "in use only when all four allow it (Linux 6.9+, root); otherwise reads and writes go through the volume")
	}
	if err := v.Mounted(ctx, mnt); err != nil {
		s.Unmount()
		return nil, fmt.Errorf("mount %s: %w", mnt, err)
	}
	return s, nil
}

// goOptions translates the mount options for go-fuse.
func goOptions(v *fs.Volume, opts *mountopt.Options, logger *slog.Logger) *gofs.Options {
	vo := v.Options()
	attrT, entryT, negT := vo.KernelTimeouts()
	name := opts.FSName
	if name == "" {
		name = "anyfs"
	}
	mo := fuse.MountOptions{
		FsName:       name,
		Name:         "anyfs",
		AllowOther:   opts.AllowOther,
		MaxWrite:     maxWrite,
		MaxReadAhead: maxReadAhead,
		EnableLocks:  v.Capabilities().Locks,
		// The kernel asks for security.capability before every write and for the
		// POSIX ACLs of a file: a backend that stores neither namespace has them
		// answered (no attribute) without a round trip to the volume.
		IgnoreSecurityLabels: !slices.Contains(v.Capabilities().XattrNamespaces, fs.XattrSecurity) &&
			!slices.Contains(v.Capabilities().XattrNamespaces, fs.XattrSystem),
		DisableXAttrs: !v.Capabilities().NamedStreams,
		DirectMount:   directMount(),
		Debug:         opts.Debug,
		Logger:        slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if opts.Debug {
		mo.Logger = slog.NewLogLogger(logger.Handler(), slog.LevelInfo) // the request trace
	}
	if !opts.NoDefaultPermissions {
		// Let the kernel check modes against the caller, as on a local filesystem.
		mo.Options = append(mo.Options, "default_permissions")
	}
	if !v.Capabilities().Writable {
		mo.Options = append(mo.Options, "ro")
	}
	if opts.NoPassthrough {
		mo.DisabledCapabilities |= fuse.CAP_PASSTHROUGH
	}
	mo.Options = append(mo.Options, opts.RawOptions...)
	gopts := &gofs.Options{
		MountOptions:    mo,
		AttrTimeout:     &attrT,
		EntryTimeout:    &entryT,
		NullPermissions: true, // the volume's modes are the truth, 0 included
		Logger:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if negT > 0 {
		gopts.NegativeTimeout = &negT
	}
	return gopts
}

// mountError classifies an error of go-fuse's mount.
func mountError(mnt string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		if cerr := checkFUSE(); cerr != nil {
			return fmt.Errorf("mount %s: %w (%v)", mnt, cerr, err)
		}
	}
	return fmt.Errorf("mount %s: %w", mnt, err)
}

// rawFS wraps go-fuse's node bridge to hand FLUSH's lock owner to the node, which
// releases the POSIX locks of that owner (close(2) of any descriptor does).
type rawFS struct {
	fuse.RawFileSystem
	m *mount
}

func (r *rawFS) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	r.m.owners.Store(cancel, in.LockOwner)
	defer r.m.owners.Delete(cancel)
	return r.RawFileSystem.Flush(cancel, in)
}

// server is a running mount.
type server struct {
	srv  *fuse.Server
	mnt  string
	done chan struct{} // closed when serving stopped and the volume was told

	mu sync.Mutex // serializes Unmount
}

func (s *server) MountPoint() string { return s.mnt }

func (s *server) Wait() { <-s.done }

func (s *server) Unmount() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return nil // unmounted already, perhaps from outside
	default:
	}
	if err := s.srv.Unmount(); err != nil {
		select {
		case <-s.done:
			return nil
		default:
		}
		return fmt.Errorf("unmount %s: %w", s.mnt, err)
	}
	<-s.done
	return nil
}
