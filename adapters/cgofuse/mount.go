//go:build windows || cgofuse

package cgofuse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// readyTimeout bounds the wait for the FUSE layer to start serving.
const readyTimeout = 30 * time.Second

// Mount mounts v at mountPoint and serves it until the returned server is unmounted.
// On Linux and macOS the mount point must be an existing directory, empty unless
// opts.AllowNonEmpty; on Windows it is a drive letter ("X:"), "*" or a directory
// that does not exist yet. opts may be nil. Errors wrap mountopt.ErrMountPoint or
// mountopt.ErrNoFUSE where those apply.
func Mount(v *fs.Volume, mountPoint string, opts *mountopt.Options) (mountopt.Server, error) {
	opts, err := mountopt.Resolve(opts)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", mountPoint, err)
	}
	switch {
	case opts.WritebackCache:
		return nil, fmt.Errorf("mount %s: %w: writeback caching is supported by the gofuse adapter only", mountPoint, mountopt.ErrOption)
	case opts.MaxReadAhead > 0:
		return nil, fmt.Errorf("mount %s: %w: a read-ahead bound is supported by the gofuse adapter only", mountPoint, mountopt.ErrOption)
	}
	mnt, err := checkMountPoint(mountPoint, opts)
	if err != nil {
		return nil, err
	}
	if err := checkFUSE(mnt, opts); err != nil {
		return nil, fmt.Errorf("mount %s: %w", mnt, err)
	}
	ctx := context.Background()
	if _, err := v.Stat(ctx, "/"); err != nil {
		return nil, fmt.Errorf("mount %s: root of the volume: %w", mnt, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = v.Logger()
	}
	warnKernelTimeouts(logger)
	fsys := newFileSystem(v, logger, opts.Debug)
	var counts *mountopt.RequestCounts
	if opts.CountRequests {
		counts = mountopt.NewRequestCounts(opNames)
	}
	host := fuse.NewFileSystemHost(hostFS(fsys, counts))
	fsys.links = newLinkNames(linkNotifier(host))
	host.SetCapCaseInsensitive(v.Options().CaseInsensitive)
	host.SetCapReaddirPlus(true)
	host.SetCapDeleteAccess(true) // Windows: Access(DELETE_OK) before a delete
	host.SetCapOpenTrunc(true)    // Linux: O_TRUNC reaches Open, which truncates
	host.SetUseIno(true)          // FUSE3: the volume's file ids are the inode numbers
	s := &server{Serving: fuseutil.NewServing(v, mnt), fsys: fsys, host: host, mnt: mnt, counts: counts}
	go s.serve(hostOptions(v, opts))

	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case <-fsys.ready:
	case <-s.Done():
		return nil, s.err
	case <-timer.C:
		go func() { // unmount if the FUSE layer starts after all
			select {
			case <-fsys.ready:
				s.Unmount()
			case <-s.Done():
			}
		}()
		return nil, fmt.Errorf("mount %s: the FUSE layer did not start within %v", mnt, readyTimeout)
	}
	if err := waitMountPoint(mnt, s.Done()); err != nil {
		s.Unmount()
		return nil, fmt.Errorf("mount %s: %w", mnt, err)
	}
	s.recordMount()
	if err := s.Ready(ctx, s, s.Unmount); err != nil {
		return nil, err
	}
	return s, nil
}

// hostOptions returns the command line for the FUSE layer: libfuse's options on
// Linux and macOS, WinFsp-FUSE's on Windows.
func hostOptions(v *fs.Volume, opts *mountopt.Options) []string {
	vo := v.Options()
	name := opts.FSName
	if name == "" {
		name = "anyfs"
	}
	label, err := v.Label(context.Background())
	if err != nil || label == "" {
		label = vo.VolumeLabel
	}
	attrT, entryT, negT := vo.KernelTimeouts()
	if runtime.GOOS == "windows" {
		// WinFsp takes change notifications (the invalidator), so a backend that
		// owns its namespace gets the volume's long timeouts; libfuse's high-level
		// API cannot invalidate the kernel's entries, so there the changes made
		// through the library API show when the timeouts expire.
		attrT, entryT, negT = v.KernelTimeouts()
	}
	var args []string
	add := func(format string, a ...any) { args = append(args, "-o", fmt.Sprintf(format, a...)) }
	if runtime.GOOS == "windows" {
		add("FileSystemName=%s", optEscape(name))
		add("volname=%s", optEscape(label))
		add("uid=-1,gid=-1") // files belong to the user who mounted
		add("FileInfoTimeout=%d", attrT.Milliseconds())
		add("DirInfoTimeout=%d", attrT.Milliseconds())
		add("VolumeInfoTimeout=%d", attrT.Milliseconds())
		if opts.Network != "" {
			args = append(args, "--VolumePrefix="+opts.Network)
		}
	} else {
		add("fsname=%s", optEscape(name))
		add("subtype=%s", optEscape(cmp.Or(opts.Subtype, "anyfs")))
		add("attr_timeout=%g", attrT.Seconds())
		add("entry_timeout=%g", entryT.Seconds())
		add("negative_timeout=%g", negT.Seconds())
		if libfuse3 {
			// libfuse 3.12 to 3.14 leave the idle-thread bound unset (UINT_MAX) and
			// print "Ignoring invalid max threads value" at every mount; 10 is the
			// bound libfuse had before.
			add("max_idle_threads=10")
		}
		if !libfuse3 {
			// Unlink unlinks: the volume keeps open handles of an unlinked file
			// working (instead of libfuse renaming the file to .fuse_hidden*).
			// libfuse3 has no such option, and cgofuse does not set its config field.
			add("hard_remove")
		}
		if !opts.NoDefaultPermissions {
			add("default_permissions")
		}
		if opts.AllowOther {
			add("allow_other")
		}
		if !v.Capabilities().Writable {
			add("ro")
		}
		if runtime.GOOS == "darwin" {
			add("volname=%s", optEscape(label))
		}
		if opts.AutoUnmount {
			add("auto_unmount") // libfuse then mounts through fusermount3, also as root
		}
		for _, f := range opts.MountFlags {
			add("%s", f)
		}
	}
	if opts.Debug {
		add("debug")
	}
	for _, o := range opts.RawOptions {
		add("%s", o)
	}
	return args
}

// optEscape escapes the characters fuse_opt_parse splits on.
func optEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

// server is a running mount. It is the volume's Invalidator while mounted.
type server struct {
	*fuseutil.Serving
	fsys *fileSystem
	host *fuse.FileSystemHost
	mnt  string
	dev  mountopt.Mount // the mount as the mount table listed it once mounted (Linux, macOS)
	err  error          // why Mount failed; set before Done is closed
	// counts are the FUSE library's requests (CountRequests); nil: not counted.
	counts *mountopt.RequestCounts
}

// serve runs the FUSE layer until the volume is unmounted.
func (s *server) serve(args []string) {
	started := false
	defer func() { s.Ended(s.fsys.log, started, s.fsys.closeAll) }()
	defer func() {
		if r := recover(); r != nil {
			// cgofuse panics when it cannot load the FUSE library (WinFsp's DLL).
			s.err = fmt.Errorf("mount %s: %w: %v (%s)", s.mnt, mountopt.ErrNoFUSE, r, mountopt.InstallHint)
		}
	}()
	ok := s.host.Mount(s.mnt, args)
	select {
	case <-s.fsys.ready:
		started = true
	default:
	}
	if !ok && !started {
		s.err = fmt.Errorf("mount %s: the FUSE layer refused to mount (its messages are on stderr)", s.mnt)
	}
}

// Unmount unmounts the volume and waits until the FUSE layer stopped. It fails,
// and the volume stays mounted, while files on it are in use.
func (s *server) Unmount() error {
	return s.Serving.Unmount(func() error {
		if handled, err := unmountBusy(s.mnt); handled {
			return err
		}
		if !s.host.Unmount() {
			select {
			case <-s.fsys.destroyed: // stopping already
			case <-s.Done():
			case <-time.After(100 * time.Millisecond):
				return fmt.Errorf("unmount %s: %w", s.mnt, errUnmount)
			}
		}
		return nil
	})
}

var errUnmount = errors.New("the FUSE layer refused to unmount")

// ForceUnmount detaches the mount while files are in use and ends serving.
func (s *server) ForceUnmount() error {
	return s.Serving.ForceUnmount(s.forceUnmount, s.fsys.closeAll)
}
