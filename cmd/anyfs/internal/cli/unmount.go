package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// UnmountOptions are the arguments of `anyfs unmount`.
type UnmountOptions struct {
	Factory    *Factory
	MountPoint string
}

// NewCmdUnmount returns `anyfs unmount` (alias umount). runF replaces the real
// work in tests; nil means unmountRun.
func NewCmdUnmount(f *Factory, runF func(*UnmountOptions) error) *cobra.Command {
	opts := &UnmountOptions{Factory: f}
	return &cobra.Command{
		Use:     "unmount MOUNTPOINT",
		Aliases: []string{"umount"},
		Short:   "Unmount an anyfs mount, also one whose server has died",
		Long: `Unmount the file system at MOUNTPOINT. The anyfs mount serving it exits
with status 0. A stale mount, left behind by a server that was killed
("transport endpoint is not connected"), is cleared too.`,
		Example: `  anyfs unmount /tmp/anyfs
  anyfs umount X:                          # Windows`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return flagErrorf("missing mount point (usage: anyfs unmount MOUNTPOINT)")
			case len(args) > 1:
				return flagErrorf("too many arguments %q (usage: anyfs unmount MOUNTPOINT)", args)
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MountPoint = args[0]
			if runF != nil {
				return runF(opts)
			}
			return unmountRun(opts)
		},
	}
}

func unmountRun(opts *UnmountOptions) error {
	return withPath("unmount", opts.MountPoint, opts.Factory.Unmount(opts.MountPoint))
}

// withPath prefixes err with "op path: " unless its message names path already.
func withPath(op, path string, err error) error {
	if err == nil || strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}
