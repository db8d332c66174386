package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// helperNames are the names under which this program is mount(8)'s helper
// for the type fuse.anyfs: a link /sbin/mount.fuse.anyfs -> anyfs lets
// `mount -t fuse.anyfs mem /mnt/x` and fstab lines mount with it.
var helperNames = []string{"mount.fuse.anyfs", "mount.anyfs"}

// isMountHelper reports whether argv0 names this program as the mount helper.
func isMountHelper(argv0 string) bool {
	return slices.Contains(helperNames, filepath.Base(argv0))
}

// helperIgnored are mount(8)'s and systemd's options that mean nothing to
// the file system; the helper accepts and drops them (as do x-* and comment=).
var helperIgnored = []string{
	"defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group",
	"_netdev", "nofail", "rw", "exec", "suid", "dev",
}

// mountHelper mounts as mount(8) asks a helper to: args are SOURCE
// MOUNTPOINT [-s] [-f] [-n] [-v] [-o OPTIONS]. It runs `anyfs mount --daemon`,
// which returns once the file system serves, as mount(8) expects.
func mountHelper(ctx context.Context, f *Factory, args []string) int {
	margs, fake, err := helperArgs(args)
	if err != nil {
		fmt.Fprintf(f.ErrOut, "anyfs: %s\n", err)
		return exitUsage
	}
	if fake {
		return exitOK
	}
	return run(ctx, f, margs)
}

// helperArgs turns a mount helper's command line into anyfs's: each -o
// option that names a mount flag (with _ for -, as read_only or
// max_size=1G) becomes that flag, mount(8)'s own options are dropped, and
// the others stay mount options. fake is mount -f: check, do not mount.
func helperArgs(args []string) (out []string, fake bool, err error) {
	const usage = "usage: mount.fuse.anyfs SOURCE MOUNTPOINT [-o OPTIONS]"
	var pos, opts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o":
			if i+1 == len(args) {
				return nil, false, fmt.Errorf("-o needs options (%s)", usage)
			}
			i++
			opts = append(opts, args[i])
		case strings.HasPrefix(a, "-o"):
			opts = append(opts, a[2:])
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			for _, c := range a[1:] {
				switch c {
				case 'f':
					fake = true
				case 's', 'n', 'v': // sloppy, no mtab, verbose: nothing to do
				default:
					return nil, false, fmt.Errorf("unknown flag -%c (%s)", c, usage)
				}
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return nil, false, fmt.Errorf("want a source and a mount point, got %q (%s)", pos, usage)
	}
	fl := pflag.NewFlagSet("mount", pflag.ContinueOnError)
	(&MountOptions{}).AddFlags(fl)
	daemon := true
	out = []string{"mount"}
	var raw []string
	for _, o := range opts {
		for _, opt := range strings.Split(o, ",") {
			name, value, hasValue := strings.Cut(strings.TrimSpace(opt), "=")
			flag := fl.Lookup(strings.ReplaceAll(name, "_", "-"))
			switch {
			case name == "":
			case slices.Contains(helperIgnored, name) && !hasValue,
				name == "comment", strings.HasPrefix(name, "x-"), strings.HasPrefix(name, "X-"):
			case name == "foreground" && !hasValue:
				daemon = false
			case flag == nil || flag.Name == "option" || flag.Name == "daemon":
				raw = append(raw, opt)
			case hasValue:
				out = append(out, "--"+flag.Name+"="+value)
			case flag.NoOptDefVal != "":
				out = append(out, "--"+flag.Name)
			default:
				return nil, false, fmt.Errorf("-o %s needs a value: %s=VALUE", name, name)
			}
		}
	}
	if daemon {
		out = append(out, "--daemon")
	}
	if len(raw) > 0 {
		out = append(out, "-o", strings.Join(raw, ","))
	}
	return append(out, "--", pos[0], pos[1]), fake, nil
}
