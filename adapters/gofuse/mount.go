//go:build linux || darwin

package gofuse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// I/O sizes offered to the kernel: large writes and readahead cut round trips.
const (
	maxWrite     = 1 << 20
	maxReadAhead = 1 << 20
)

// Mount mounts v at mountPoint and serves it until the returned server is unmounted.
// The mount point must be an existing directory, empty unless opts.AllowNonEmpty.
// Errors wrap mountopt.ErrMountPoint, ErrNoFUSE, ErrNotAllowed or ErrOption where
// those apply.
func Mount(v *fs.Volume, mountPoint string, opts *mountopt.Options) (mountopt.Server, error) {
	opts, err := mountopt.Resolve(opts)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", mountPoint, err)
	}
	mnt, err := mountopt.CheckMountPoint(mountPoint, opts)
	if err != nil {
		return nil, err
	}
	if err := checkFUSE(mnt, opts); err != nil {
		return nil, fmt.Errorf("mount %s: %w", mnt, err)
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

	// The volume's timeouts: long ones for a backend that owns its namespace, whose
	// changes through the library API reach the kernel through the invalidator.
	attrT, _, _ := v.KernelTimeouts()
	m := &mount{v: v, mnt: mnt, attrTimeout: attrT, writeback: opts.WritebackCache}
	root := &node{m: m}
	gopts := goOptions(v, opts, logger)
	if rootInfo.FileID != 0 {
		gopts.RootStableAttr = &gofs.StableAttr{Ino: rootInfo.FileID}
	}
	var raw fuse.RawFileSystem = &rawFS{RawFileSystem: gofs.NewNodeFS(root, gopts), m: m}
	var counts *mountopt.RequestCounts
	if opts.CountRequests {
		counts = mountopt.NewRequestCounts(opNames)
		raw = &countingFS{RawFileSystem: raw, n: counts}
	}
	srv, conn, err := newServer(raw, mnt, &gopts.MountOptions, opts, logger)
	if err != nil {
		return nil, mountError(mnt, err)
	}
	s := &server{Serving: fuseutil.NewServing(v, mnt), srv: srv, mnt: mnt, conn: conn, counts: counts}
	go func() {
		srv.Serve()
		conn.close()
		s.Ended(logger, true, nil)
	}()
	if err := conn.waitMount(srv, mnt); err != nil {
		s.Unmount()
		return nil, mountError(mnt, err)
	}
	s.dev, _, _ = mountopt.MountAt(mnt)
	if opts.Debug {
		_, offers := v.Backend().(fs.PassthroughFder)
		logger.Debug("anyfs: FUSE passthrough", "backend_offers_fds", offers, "disabled", opts.NoPassthrough,
			"kernel_offers", srv.KernelSettings().Flags64()&fuse.CAP_PASSTHROUGH != 0, "root", os.Geteuid() == 0,
			"note", "in use only when all four allow it (Linux 6.9+, root); otherwise reads and writes go through the volume")
	}
	if err := s.Ready(ctx, &invalidator{root: root}, s.Unmount); err != nil {
		return nil, err
	}
	return s, nil
}

// goOptions translates the mount options for go-fuse.
func goOptions(v *fs.Volume, opts *mountopt.Options, logger *slog.Logger) *gofs.Options {
	attrT, entryT, negT := v.KernelTimeouts()
	mo := fuse.MountOptions{
		FsName:       cmp.Or(opts.FSName, "anyfs"),
		Name:         cmp.Or(opts.Subtype, "anyfs"),
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
	if opts.MaxReadAhead > 0 {
		mo.MaxReadAhead = opts.MaxReadAhead
	}
	if opts.NoPassthrough || opts.WritebackCache {
		mo.DisabledCapabilities |= fuse.CAP_PASSTHROUGH
	}
	if opts.WritebackCache {
		mo.ExtraCapabilities |= fuse.CAP_WRITEBACK_CACHE
	}
	mo.Options = append(mo.Options, opts.MountFlags...)
	mo.Options = append(mo.Options, opts.RawOptions...) // macOS: for macFUSE
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

// mountError classifies an error of the mount.
func mountError(mnt string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		if cerr := checkFUSE(mnt, nil); cerr != nil {
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

// Open and Create make an O_DIRECT handle that the kernel does not pass through
// (no FUSE passthrough here, or none offered) uncached, so that its reads and
// writes reach the volume as the caller asked.
func (r *rawFS) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	st := r.RawFileSystem.Open(cancel, in, out)
	directIO(in.Flags, out)
	return st
}

func (r *rawFS) Create(cancel <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	st := r.RawFileSystem.Create(cancel, in, name, out)
	directIO(in.Flags, &out.OpenOut)
	return st
}

func directIO(flags uint32, out *fuse.OpenOut) {
	if fuseutil.HostOpen.Direct != 0 && int(flags)&fuseutil.HostOpen.Direct != 0 && out.OpenFlags&fuse.FOPEN_PASSTHROUGH == 0 {
		out.OpenFlags |= fuse.FOPEN_DIRECT_IO
	}
}

func (r *rawFS) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	r.m.owners.Store(cancel, in.LockOwner)
	defer r.m.owners.Delete(cancel)
	return r.RawFileSystem.Flush(cancel, in)
}

// server is a running mount.
type server struct {
	*fuseutil.Serving
	srv  *fuse.Server
	mnt  string
	dev  mountopt.Mount // the mount as the mount table listed it once mounted
	conn *connection
	// counts are the kernel's requests (CountRequests); nil: not counted.
	counts *mountopt.RequestCounts
}

// Unmount unmounts the volume and waits until serving stopped. The kernel may
// still count a file that was just closed (its release is asynchronous): a busy
// mount gets a few short retries, as go-fuse gives it.
func (s *server) Unmount() error {
	return s.Serving.Unmount(func() error {
		var err error
		for delay, try := 5*time.Millisecond, 0; try < 5; delay, try = 2*delay, try+1 {
			if err = s.conn.unmount(s.srv, s.mnt); err == nil || s.Stopped() {
				return nil
			}
			time.Sleep(delay)
		}
		return err
	})
}

// ForceUnmount detaches the mount while files are in use and ends serving.
func (s *server) ForceUnmount() error {
	return s.Serving.ForceUnmount(func() error { return forceUnmount(s.srv, s.mnt, s.dev) }, nil)
}
