package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/anyfs/anyfs/backend/vault"
)

// NewCmdVault returns `anyfs vault`, the tools of the vault backend: check,
// compact and backup.
func NewCmdVault(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Check, compact and back up vault files",
		Long: `The tools of the vault backend (anyfs mount vault:FILE DIR), which keeps a
whole file system in the SQLite file FILE.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "check FILE",
			Short: "Verify a vault without changing it",
			Long: `Verify the vault FILE without changing it: SQLite's integrity check, then the
file system's invariants (link counts, directory sizes, dangling entries, chunk
sizes against file sizes). Exits with status 1 when a problem is found. The
vault must not be in use.`,
			Args: exactArgs(1, "FILE"),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, err := vault.Check(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(f.Out, r)
				if len(r.Problems) > 0 {
					return fmt.Errorf("vault %s: %d problems found", args[0], len(r.Problems))
				}
				return nil
			},
		},
		&cobra.Command{
			Use:   "compact FILE",
			Short: "Shrink a vault in place",
			Long: `Rewrite the vault FILE in place (SQLite's VACUUM), giving the space of deleted
data back to the host. It needs as much free space as the vault takes, and the
vault must not be in use.`,
			Args: exactArgs(1, "FILE"),
			RunE: func(cmd *cobra.Command, args []string) error {
				before, after, err := vault.Compact(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(f.Out, "%s: %d bytes, was %d\n", args[0], after, before)
				return nil
			},
		},
		&cobra.Command{
			Use:   "backup FILE OUT",
			Short: "Copy a vault, also while it is mounted",
			Long: `Write a consistent, compacted copy of the vault FILE to OUT, which must not
exist. While FILE is mounted, the anyfs serving it makes the copy (through the
control socket named in FILE-lock), with every write made before the request.`,
			Args: exactArgs(2, "FILE OUT"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return vault.Backup(args[0], args[1])
			},
		},
	)
	return cmd
}

// exactArgs accepts exactly n arguments, and names them (usage, such as "FILE
// OUT") in its usage error.
func exactArgs(n int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return flagErrorf("%s takes %s, got %d arguments (see: %s --help)", cmd.CommandPath(), usage, len(args), cmd.CommandPath())
		}
		return nil
	}
}
