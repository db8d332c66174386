package cli

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/anyfs/anyfs/backend/shared"
	"github.com/anyfs/anyfs/fs"
)

// SharedFlags are the flags of shared volumes: the servers (mount and `anyfs
// shared`) and a mount's options. Credentials never come from a flag, which
// ps would show: PGPASSWORD or a password file for PostgreSQL,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or ANYFS_S3_CREDENTIALS for S3.
type SharedFlags struct {
	Meta, Data string
	SessionTTL time.Duration
	Outage     string
	CacheDir   string
	CacheSize  ByteSize
}

// SharedSettings is what OpenServices gets: the servers and the options.
type SharedSettings struct {
	Meta, Data string
	Options    shared.Options
}

func (s *SharedFlags) addServerFlags(fl *pflag.FlagSet) {
	fl.StringVar(&s.Meta, "meta", "", "shared volumes: PostgreSQL URL postgres://USER@HOST:PORT/DB, no password (default $ANYFS_META)")
	fl.StringVar(&s.Data, "data", "", "shared volumes: object store URL s3://HOST[:PORT]/BUCKET[/PREFIX][?tls=false] (default $ANYFS_DATA)")
}

func (s *SharedFlags) addMountFlags(fl *pflag.FlagSet) {
	fl.DurationVar(&s.SessionTTL, "session-ttl", shared.DefaultSessionTTL, "shared volumes: how long locks outlive a mount that stopped answering")
	fl.StringVar(&s.Outage, "on-outage", "eio", "shared volumes: while a server is unreachable, eio (fail after 2s) or wait")
	fl.StringVar(&s.CacheDir, "cache-dir", "", "shared volumes: the local block cache (default under the user's cache directory)")
	fl.Var(&s.CacheSize, "cache-size", "shared volumes: the block cache's bound, such as 10G (default 1G)")
}

// given reports whether a shared-volume flag was set on fl.
func (s *SharedFlags) given(fl *pflag.FlagSet) bool {
	if fl == nil {
		return false
	}
	for _, n := range []string{"meta", "data", "session-ttl", "on-outage", "cache-dir", "cache-size"} {
		if f := fl.Lookup(n); f != nil && f.Changed {
			return true
		}
	}
	return false
}

// servers returns the URLs, from the flags or the environment.
func (s *SharedFlags) servers() (meta, data string, err error) {
	meta, data = s.Meta, s.Data
	if meta == "" {
		meta = os.Getenv("ANYFS_META")
	}
	if data == "" {
		data = os.Getenv("ANYFS_DATA")
	}
	if meta == "" || data == "" {
		return "", "", flagErrorf("shared volumes need --meta (or $ANYFS_META) and --data (or $ANYFS_DATA)")
	}
	return meta, data, nil
}

func (s *SharedFlags) options() (SharedSettings, error) {
	meta, data, err := s.servers()
	if err != nil {
		return SharedSettings{}, err
	}
	o := shared.Options{SessionTTL: s.SessionTTL, CacheDir: s.CacheDir, CacheSize: int64(s.CacheSize)}
	switch s.Outage {
	case "eio", "":
		o.Outage = shared.OutageEIO
	case "wait":
		o.Outage = shared.OutageWait
	default:
		return SharedSettings{}, flagErrorf("--on-outage %q: eio or wait", s.Outage)
	}
	if s.SessionTTL < time.Second {
		return SharedSettings{}, flagErrorf("--session-ttl %v: at least 1s", s.SessionTTL)
	}
	return SharedSettings{Meta: meta, Data: data, Options: o}, nil
}

func openShared(ctx context.Context, name string, s SharedSettings) (fs.Interface, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return opened(shared.Open(ctx, shared.Config{Name: name, Meta: s.Meta, Data: s.Data}, &s.Options, nil))
}

// NewCmdShared returns `anyfs shared`: format, status and gc of shared volumes.
func NewCmdShared(f *Factory) *cobra.Command {
	var sf SharedFlags
	cmd := &cobra.Command{
		Use:   "shared",
		Short: "Format, inspect and collect garbage of shared volumes",
		Long: `A shared volume is one file system that many machines mount at once
(anyfs mount shared:NAME): its metadata lives in PostgreSQL (--meta), its data
as immutable blocks in an S3 bucket (--data). The password of PostgreSQL comes
from PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass); the keys of S3 from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the file ANYFS_S3_CREDENTIALS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	sf.addServerFlags(cmd.PersistentFlags())
	cfg := func(name string) (shared.Config, error) {
		meta, data, err := sf.servers()
		return shared.Config{Name: name, Meta: meta, Data: data}, err
	}
	format := &cobra.Command{
		Use:   "format NAME",
		Short: "Make a new, empty shared volume",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cfg(args[0])
			if err != nil {
				return err
			}
			if err := shared.Format(cmd.Context(), c); err != nil {
				return err
			}
			fmt.Fprintf(f.Out, "formatted shared volume %s\n", args[0])
			return nil
		},
	}
	status := &cobra.Command{
		Use:   "status NAME",
		Short: "Show a shared volume's size, sessions and locks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cfg(args[0])
			if err != nil {
				return err
			}
			s, err := shared.GetStatus(cmd.Context(), c)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "volume\t%s (format %s, created %s)\n", s.Name, s.Version, s.Created)
			fmt.Fprintf(tw, "chunk size\t%d\n", s.ChunkSize)
			fmt.Fprintf(tw, "files\t%d, directories %d, %d bytes\n", s.Files, s.Dirs, s.Bytes)
			fmt.Fprintf(tw, "blocks\t%d referenced, %d bytes\n", s.Blocks, s.BlockBytes)
			fmt.Fprintf(tw, "locks\t%d\n", s.Locks)
			fmt.Fprintf(tw, "last change\t%d\n", s.LastChange)
			for _, si := range s.Sessions {
				state := "alive"
				if !si.Alive {
					state = "expired"
				}
				fmt.Fprintf(tw, "session %d\t%s pid %d, since %s, %s\n", si.ID, si.Host, si.Pid, si.Started.Format(time.RFC3339), state)
			}
			return tw.Flush()
		},
	}
	var minAge time.Duration
	var dryRun bool
	gc := &cobra.Command{
		Use:   "gc NAME",
		Short: "Remove the blocks no file references",
		Long: `Remove the objects of the volume's bucket that no file references:
blocks of overwritten or deleted data, and blocks a crashed mount uploaded
without committing. Blocks younger than --min-age are kept: a mount writing
right now uploads its blocks before it commits them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cfg(args[0])
			if err != nil {
				return err
			}
			if minAge < 0 {
				return flagErrorf("--min-age %v: 0 or more", minAge)
			}
			r, err := shared.GC(cmd.Context(), c, minAge, dryRun)
			if err != nil {
				return err
			}
			verb := "removed"
			if dryRun {
				verb = "would remove"
			}
			fmt.Fprintf(f.Out, "%d blocks: %d referenced, %s %d unreferenced (%d bytes), kept %d younger than %v\n",
				r.Objects, r.Referenced, verb, r.Removed, r.RemovedBytes, r.Young, minAge)
			return nil
		},
	}
	gc.Flags().DurationVar(&minAge, "min-age", shared.DefaultGCMinAge, "keep unreferenced blocks younger than this")
	gc.Flags().BoolVar(&dryRun, "dry-run", false, "count, remove nothing")
	cmd.AddCommand(format, status, gc)
	return cmd
}
