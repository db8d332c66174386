package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// NewCmdBackends returns `anyfs backends`, which lists the backend table.
func NewCmdBackends(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "backends",
		Short: "List the backends anyfs can mount",
		Long: `List the backends anyfs can mount, with the BACKEND[:ARG] syntax that
names each one on the anyfs mount command line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "BACKEND\tSYNTAX\tDESCRIPTION")
			for _, b := range f.Backends {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, b.Spec, b.Description)
			}
			return tw.Flush()
		},
	}
}
