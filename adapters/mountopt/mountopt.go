// Package mountopt holds what every adapter shares: the options of a mount, the
// running mount (Server), the errors of mounting with the hints they end with,
// and the system's mount table and FUSE tools. These types have this one name:
// adapters.Mount and each adapter's Mount take an *Options and return a Server.
//
// # Options
//
// Two option types configure a mounted volume, each field in one of them.
// [fs.Options] say what the volume is: read-only, case, name and file size
// limits, its own caches, how long the kernel may cache (the timeouts depend on
// the volume: a case-insensitive one has no entry caching), access rules and
// owners. [Options] say how it is mounted: the names in the mount table, who may
// use it, mount flags and raw -o options, and the FUSE connection's features.
// The anyfs command's flags (cmd/anyfs/internal/cli.MountOptions) fill both.
package mountopt

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// Options configure a mount. The zero value mounts privately (only the mounting user
// has access) with the kernel's permission checks.
type Options struct {
	// FSName is the source shown in /proc/mounts and mount(8); empty means "anyfs".
	FSName string
	// Subtype names the file system type as fuse.SUBTYPE in /proc/mounts; empty
	// means "anyfs" [FUSE on Linux].
	Subtype string
	// AllowOther lets other users access the mount. It implies kernel permission
	// checks (default_permissions) unless NoDefaultPermissions is set.
	AllowOther bool
	// NoDefaultPermissions turns off the kernel's permission checks, leaving access
	// control to the volume's access rules [FUSE only].
	NoDefaultPermissions bool
	// AllowNonEmpty mounts over a non-empty directory [FUSE only].
	AllowNonEmpty bool
	// AllowStacking mounts over a directory that is already the mount point of a
	// FUSE file system, hiding it; without it such a mount fails with ErrMountPoint
	// naming the existing mount [Linux, macOS].
	AllowStacking bool
	// AutoUnmount has fusermount3 watch the serving process and unmount when it
	// ends, even when it is killed (fusermount3's auto_unmount) [FUSE on Linux].
	AutoUnmount bool
	// MountFlags are generic mount flags (KnownMountFlags: ro, noatime, nosuid,
	// ...) for the kernel.
	MountFlags []string
	// RawOptions are extra mount options, as given to mount -o. Resolve moves
	// the ones anyfs knows to their fields; on Linux it refuses the others, on
	// macOS and Windows they go to macFUSE or WinFsp as they are.
	RawOptions []string
	// Network mounts as a network drive under this UNC prefix, such as
	// `\server\share` [Windows only].
	Network string
	// NoPassthrough never hands the kernel a backend's host descriptors for FUSE
	// passthrough (fs.PassthroughFder): every read and write is then an event
	// [FUSE on Linux only; passthrough needs Linux 6.9 or newer and root].
	NoPassthrough bool
	// MaxReadAhead bounds the kernel's read-ahead on the mount, in bytes; zero
	// means the default (1 MiB). go-fuse only; cgofuse refuses it.
	MaxReadAhead int
	// WritebackCache turns on FUSE's writeback caching: the kernel keeps
	// writes in its page cache and hands them to the volume later, in larger
	// pieces, at the latest when the file is closed (flush) or synced (fsync),
	// or when the kernel needs the memory. It also keeps the file's size and
	// modification time itself, and may read from files opened write-only to
	// fill partial pages; FUSE passthrough is off with it. go-fuse on Linux
	// only; cgofuse refuses it.
	WritebackCache bool
	// CountRequests counts the kernel's requests by opcode, with their errors
	// and (sampled, LatencySample) latencies; the server then implements
	// RequestCounter. The cgofuse adapter counts the FUSE library's operations
	// (GETATTR answers LOOKUP there, CHMOD, CHOWN, TRUNCATE and UTIMENS are
	// parts of SETATTR).
	CountRequests bool
	// Debug logs every kernel request the adapter receives.
	Debug bool
	// Logger receives adapter messages; nil means the volume's logger.
	Logger *slog.Logger
}

// Server is a running mount.
type Server interface {
	// MountPoint returns where the volume is mounted.
	MountPoint() string
	// Wait blocks until the volume is unmounted (by Unmount, or from outside with
	// `anyfs unmount` or fusermount -u) and every handle was closed.
	Wait()
	// Unmount unmounts the volume and waits until the adapter stopped serving. It
	// fails, and the volume stays mounted, while files on it are in use.
	Unmount() error
	// ForceUnmount unmounts the volume also while files are in use: it flushes what
	// the kernel caches, detaches the mount point at once (a lazy unmount), ends
	// the connection where the system allows it, and returns once the volume was
	// told (OnCloseFile for every file still open, then OnUnmount). Processes that
	// still hold files on the mount get errors from then on.
	ForceUnmount() error
}

// RequestCounter is implemented by a Server mounted with CountRequests.
type RequestCounter interface {
	// RequestStats returns the counts of every opcode, in a fixed order.
	RequestStats() []RequestStats
}

// RequestStats counts the kernel's requests of one opcode since the mount.
type RequestStats struct {
	Op     string // the FUSE opcode, such as "LOOKUP" or "READ"
	Calls  uint64 // requests received
	Errors uint64 // requests answered with an error (ENOENT included)
	// Timed is how many of the requests were timed (one in LatencySample),
	// Total the time spent answering those, summed, and Buckets count them by
	// how long they took, with the bounds of fs.LatencyBound.
	Timed   uint64
	Total   time.Duration
	Buckets [fs.LatencyBuckets]uint64
}

// Errors that Mount returns, wrapped with details; test with errors.Is.
var (
	// ErrNoFUSE: no FUSE (or WinFsp) implementation is installed or usable.
	ErrNoFUSE = errors.New("FUSE is not available")
	// ErrMountPoint: the mount point is missing, not a directory, or not empty.
	ErrMountPoint = errors.New("bad mount point")
	// ErrNoAdapter: the requested adapter is not compiled into this program.
	ErrNoAdapter = errors.New("adapter not available")
	// ErrNotAllowed: this user may not mount here (no access to /dev/fuse, a
	// missing user_allow_other, a mount point the user may not write).
	ErrNotAllowed = errors.New("mount not allowed")
	// ErrOption: a mount option is unknown, malformed or not supported.
	ErrOption = errors.New("mount option")
	// ErrNotMounted: Unmount was asked for a directory that is not a mount point.
	ErrNotMounted = errors.New("not mounted")
)

// CheckMountPoint returns the absolute path of a FUSE mount point: an existing
// directory, not itself the mount point of a FUSE file system unless
// opts.AllowStacking, and empty unless opts.AllowNonEmpty. Errors wrap
// ErrMountPoint.
func CheckMountPoint(mountPoint string, opts *Options) (string, error) {
	if opts == nil {
		opts = &Options{}
	}
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
	}
	st, err := os.Stat(mnt)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%w: %s is not a directory", ErrMountPoint, mnt)
	}
	if !opts.AllowStacking {
		if m, ok, err := FUSEMountAt(mnt); err != nil {
			return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
		} else if ok {
			return "", fmt.Errorf("%w: %s is already a FUSE mount: %s (allow mounting over it with AllowStacking)", ErrMountPoint, mnt, m)
		}
	}
	if !opts.AllowNonEmpty {
		d, err := os.Open(mnt)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
		}
		names, _ := d.Readdirnames(1)
		d.Close()
		if len(names) > 0 {
			return "", fmt.Errorf("%w: %s is not empty (allow it with the nonempty option)", ErrMountPoint, mnt)
		}
	}
	return mnt, nil
}
