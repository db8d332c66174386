package mountopt

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
)

// KnownMountFlags are the -o options that set the generic mount flags (mount(8)'s and
// fusermount3's spelling). Each adapter hands them to the kernel: go-fuse as root as
// mount(2) flags, otherwise through fusermount3 or libfuse, which know the same names.
var KnownMountFlags = []string{
	"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
	"sync", "async", "dirsync", "noatime", "atime",
}

// rootOnlyFlags are the flags fusermount3 ignores for other users ("unsafe option
// ignored"); anyfs refuses them instead.
var rootOnlyFlags = []string{"suid", "dev"}

// Resolve checks opts.RawOptions and returns a copy of opts in which every option
// anyfs understands has moved to its field:
//
//	fsname=NAME          FSName (the source in /proc/mounts)
//	subtype=NAME         Subtype (the type is fuse.NAME)
//	allow_other          AllowOther
//	default_permissions  the default: the kernel checks permissions
//	nonempty             AllowNonEmpty
//	auto_unmount         AutoUnmount
//	debug                Debug
//	a mount flag         MountFlags (see KnownMountFlags)
//
// On Linux every other option is refused with an error that says why or what to use
// instead, so that no option is silently dropped; RawOptions is empty in the result.
// Elsewhere (macFUSE, WinFsp) the other options stay in RawOptions for the FUSE
// layer, which knows its own.
func Resolve(opts *Options) (*Options, error) {
	o := &Options{}
	if opts != nil {
		*o = *opts
	}
	o.RawOptions = nil
	o.MountFlags = slices.Clone(o.MountFlags)
	for _, raw := range opts.raw() {
		name, value, hasValue := strings.Cut(raw, "=")
		switch {
		case name == "fsname" && hasValue && value != "":
			o.FSName = value
		case name == "subtype" && hasValue && value != "":
			if strings.ContainsAny(value, ". /") {
				return nil, fmt.Errorf("%w %q: a subtype is one word, without dots, spaces or slashes", ErrOption, raw)
			}
			o.Subtype = value
		case name == "fsname" || name == "subtype":
			return nil, fmt.Errorf("%w %q needs a value: %s=NAME", ErrOption, raw, name)
		case raw == "allow_other":
			o.AllowOther = true
		case raw == "default_permissions":
			o.NoDefaultPermissions = false
		case raw == "nonempty":
			o.AllowNonEmpty = true
		case raw == "auto_unmount":
			o.AutoUnmount = true
		case raw == "debug":
			o.Debug = true
		case slices.Contains(KnownMountFlags, raw):
			if slices.Contains(rootOnlyFlags, raw) && os.Geteuid() != 0 && runtime.GOOS == "linux" {
				return nil, fmt.Errorf("%w %q needs root (fusermount3 ignores it for other users)", ErrOption, raw)
			}
			o.MountFlags = append(o.MountFlags, raw)
		case runtime.GOOS != "linux":
			o.RawOptions = append(o.RawOptions, raw)
		default:
			return nil, refuse(raw, name)
		}
	}
	return o, nil
}

// raw returns the raw options one by one, commas split, blanks dropped.
func (o *Options) raw() []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, r := range o.RawOptions {
		for _, s := range strings.Split(r, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// refuse explains why anyfs does not take a mount option.
func refuse(raw, name string) error {
	switch name {
	case "uid", "gid", "umask":
		return fmt.Errorf("%w %q is not an adapter option: the volume shows owners and modes (fs.Options.Ownership; "+
			"anyfs mount --uid, --gid, --umask, which also read -o %s=)", ErrOption, raw, name)
	case "allow_root":
		return fmt.Errorf("%w %q is not an adapter option: use AllowOther with access rules for uid 0 and your own uid "+
			"(anyfs mount --allow-root, which also reads -o allow_root)", ErrOption, raw)
	case "fd", "rootmode", "user_id", "group_id", "max_read", "blksize", "blkdev", "fuseblk":
		return fmt.Errorf("%w %q is not supported: anyfs sets the FUSE connection's options itself", ErrOption, raw)
	case "kernel_cache", "auto_cache", "entry_timeout", "attr_timeout", "negative_timeout", "ac_attr_timeout":
		return fmt.Errorf("%w %q is not supported: anyfs sets the kernel cache from its own options "+
			"(anyfs mount --attr-timeout, --entry-timeout, --negative-timeout)", ErrOption, raw)
	case "large_read", "hard_remove", "use_ino", "readdir_ino", "direct_io", "intr", "intr_signal", "modules",
		"max_idle_threads", "max_threads", "clone_fd", "remember", "noforget", "nopath", "big_writes",
		"splice_read", "splice_write", "splice_move", "writeback_cache", "async_read", "sync_read":
		return fmt.Errorf("%w %q is a libfuse tuning option; anyfs does not take it (it chooses these itself)", ErrOption, raw)
	}
	return fmt.Errorf("%w %q is unknown (anyfs understands fsname=, subtype=, allow_other, default_permissions, "+
		"nonempty, auto_unmount, debug and the mount flags %s)", ErrOption, raw, strings.Join(KnownMountFlags, ", "))
}
