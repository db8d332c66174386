// Package cli is the anyfs command line: the root command, its subcommands and
// the [Factory] that hands them their dependencies, so that tests can swap the
// mount machinery and the backend table for fakes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/cmd/anyfs/internal/statcmd"
	"github.com/anyfs/anyfs/fs"
)

// Exit codes of Main.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad flags or arguments
)

// Factory carries what the commands depend on. Every field must be set; see
// [NewFactory] for the real ones.
type Factory struct {
	In          io.Reader
	Out, ErrOut io.Writer

	// Backends is the table of backends `anyfs mount` can serve.
	Backends Registry
	// Mount mounts a volume; adapter "" picks the OS default (adapters.Mount).
	Mount func(v *fs.Volume, mountPoint, adapter string, opts *mountopt.Options) (mountopt.Server, error)
	// Unmount unmounts a mount point, also a stale one (adapters.Unmount).
	Unmount func(mountPoint string) error
	// Adapters lists the adapters compiled into this program (adapters.Available).
	Adapters func() []string

	// args are the command line run was given, which --daemon runs again.
	args []string
}

// NewFactory returns the Factory of the real program: standard streams, the
// built-in backends and the adapters package.
func NewFactory() *Factory {
	return &Factory{
		In:       os.Stdin,
		Out:      os.Stdout,
		ErrOut:   os.Stderr,
		Backends: DefaultBackends(),
		Mount:    adapters.Mount,
		Unmount:  adapters.Unmount,
		Adapters: adapters.Available,
	}
}

// Main runs the anyfs command line with os.Args and returns the process exit code.
func Main() int {
	if isMountHelper(os.Args[0]) {
		return mountHelper(context.Background(), NewFactory(), os.Args[1:])
	}
	return run(context.Background(), NewFactory(), os.Args[1:])
}

// run executes the root command with args and reports an error as one line on
// f.ErrOut.
func run(ctx context.Context, f *Factory, args []string) int {
	f.args = args
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var es *exitStatus
	if err != nil && !errors.As(err, &es) {
		fmt.Fprintf(f.ErrOut, "anyfs: %s\n", oneLine(err.Error()))
	}
	return exitCode(err)
}

// NewRootCmd returns the anyfs root command with every subcommand registered.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "anyfs",
		Short: "Mount anyfs backends as file systems",
		Long: `anyfs serves a backend (an in-memory file system, a host directory, an
archive, ...) as a real file system through FUSE on Linux and macOS and
WinFsp on Windows.`,
		Example: `  mkdir -p /tmp/anyfs && anyfs mount mem /tmp/anyfs
  anyfs unmount /tmp/anyfs
  anyfs backends`,
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)
	root.SetVersionTemplate("anyfs {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &FlagError{Err: fmt.Errorf("%w (see: %s --help)", err, cmd.CommandPath())}
	})

	root.AddCommand(
		NewCmdMount(f, nil),
		NewCmdUnmount(f, nil),
		NewCmdBackends(f),
		NewCmdShared(f),
		NewCmdVault(f),
		NewCmdVersion(f),
		NewCmdStats(f),
		statcmd.NewCmd(),
	)
	return root
}

// FlagError is a mistake in the command line (an unknown flag, a missing or
// extra argument). Main exits with status 2 for it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagErrorf returns a *FlagError with a formatted message.
func flagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// oneLine folds a multi-line message (cobra's "Did you mean this?" suggestions,
// wrapped library errors) into one line.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
