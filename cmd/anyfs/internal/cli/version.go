package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/anyfs/anyfs/adapters"
)

// version is the release version, set when building a release with
//
//	-ldflags "-X github.com/anyfs/anyfs/cmd/anyfs/internal/cli.version=v1.2.3"
//
// Empty means: ask the build information.
var version = ""

// Version returns the anyfs version: the -ldflags one, else the module version
// (go install ...@v1.2.3), else "devel" with the VCS revision when known.
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel-" + rev[:min(12, len(rev))] + dirty
}

// NewCmdVersion returns `anyfs version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the anyfs version, Go version and compiled-in adapters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names := strings.Join(f.Adapters(), ", ")
			if names == "" {
				names = "none"
			}
			_, err := fmt.Fprintf(f.Out, "anyfs %s\ngo: %s %s/%s\nadapters: %s (default %s)\n",
				Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH, names, adapters.Default())
			return err
		},
	}
}
