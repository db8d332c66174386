package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// knownAdapters are the values --adapter accepts; which of them a build has
// compiled in is Factory.Adapters.
var knownAdapters = []string{adapters.GoFUSE, adapters.CgoFUSE}

// MountOptions are the arguments and flags of `anyfs mount`, with the
// Factory it runs with.
type MountOptions struct {
	Factory *Factory

	// Backend is the BACKEND[:ARG] argument; "mem" when only the mount point is given.
	Backend string
	// MountPoint is the MOUNTPOINT argument as given.
	MountPoint string

	ReadOnly        bool
	Debug           bool
	VolName         string
	AllowOther      bool
	AllowNonEmpty   bool
	AllowStacking   bool
	UnmountTimeout  time.Duration
	AttrTimeout     time.Duration
	EntryTimeout    time.Duration
	NegativeTimeout time.Duration
	RawOptions      []string
	Adapter         string
	CaseInsensitive bool
	MaxFileSize     ByteSize
	MaxSize         ByteSize
	NoPassthrough   bool
	MetadataCache   time.Duration
	NegativeCache   time.Duration
	// Process access rules: --allow-process, --deny-process, --allow-uid.
	AllowProcess    []string
	DenyProcess     []string
	AllowUID        []uint
	ProcessChildren bool
	// Owners and permissions: --uid, --gid, --umask, --file-mode, --dir-mode,
	// --map-uid, --map-gid, --default-permissions, --allow-root.
	UID, GID                 OptionalID
	Umask, FileMode, DirMode OptionalMode
	MapUID, MapGID           []string
	DefaultPermissions       bool
	AllowRoot                bool
	// Kernel caching of data: --max-read-ahead, --writeback-cache.
	MaxReadAhead   ByteSize
	WritebackCache bool
	// Metrics is the HOST:PORT of --metrics; "" serves none.
	Metrics string
	// Service: --daemon, --log-file, --log-format.
	Daemon    bool
	LogFile   string
	LogFormat string
	// Shared volumes (shared:NAME): the servers and the mount's options.
	Shared SharedFlags

	flags *pflag.FlagSet // the parsed flags, to tell which were given
}

// AddFlags registers the mount flags on fl.
func (o *MountOptions) AddFlags(fl *pflag.FlagSet) {
	fl.BoolVar(&o.ReadOnly, "read-only", false, "mount read-only")
	fl.BoolVar(&o.Debug, "debug", false, "log debug messages, every volume event and every kernel request")
	fl.StringVar(&o.VolName, "volname", "", `volume label (Windows, macOS); default "anyfs"`)
	fl.BoolVar(&o.AllowOther, "allow-other", false, "let other users access the mount (kernel permission checks apply)")
	fl.BoolVar(&o.AllowNonEmpty, "allow-non-empty", false, "mount over a non-empty directory [FUSE only]")
	fl.BoolVar(&o.AllowStacking, "allow-stacking", false, "mount over a directory that is already a FUSE mount point, hiding that mount [FUSE only]")
	fl.DurationVar(&o.UnmountTimeout, "unmount-timeout", DefaultUnmountTimeout, "on SIGINT, SIGTERM or SIGHUP, how long files in use may keep the mount busy before it is detached")
	fl.DurationVar(&o.AttrTimeout, "attr-timeout", time.Second, "how long the kernel caches attributes; 0 disables; mem, vault: 1h unless given [FUSE only]")
	fl.DurationVar(&o.EntryTimeout, "entry-timeout", time.Second, "how long the kernel caches names; 0 disables; mem, vault: 1h unless given [FUSE only]")
	fl.DurationVar(&o.NegativeTimeout, "negative-timeout", 0, "how long the kernel caches absent names; 0 disables; mem, vault: 1h unless given [FUSE only]")
	fl.StringArrayVarP(&o.RawOptions, "option", "o", nil, "raw mount option, as for mount -o (repeatable, comma-separated)")
	fl.StringVar(&o.Adapter, "adapter", "", "adapter: gofuse or cgofuse (default: gofuse on Linux and macOS, cgofuse on Windows)")
	fl.BoolVar(&o.CaseInsensitive, "case-insensitive", false, "look names up ignoring case (names keep their case)")
	fl.Var(&o.MaxFileSize, "max-file-size", "largest file size, such as 100M or 2G; 0 means no limit")
	fl.Var(&o.MaxSize, "max-size", "capacity of a mem volume, such as 2G; 0 means half of the machine's memory")
	fl.BoolVar(&o.NoPassthrough, "no-passthrough", false, "serve every read and write through the backend, never by FUSE passthrough [Linux]")
	fl.DurationVar(&o.MetadataCache, "metadata-cache", 0, "cache file information in anyfs for this long (for slow backends); 0 disables")
	fl.DurationVar(&o.NegativeCache, "negative-cache", 0, "cache absent names in anyfs for this long; 0 disables")
	fl.StringArrayVar(&o.AllowProcess, "allow-process", nil, "grant access only to these processes: NAME, /PATH or pid:N, optionally =read or =write (repeatable)")
	fl.StringArrayVar(&o.DenyProcess, "deny-process", nil, "deny access to these processes: NAME, /PATH or pid:N, optionally =read or =write (repeatable)")
	fl.UintSliceVar(&o.AllowUID, "allow-uid", nil, "grant access only to these user ids (repeatable or comma-separated)")
	fl.BoolVar(&o.ProcessChildren, "process-children", false, "make --allow-process and --deny-process apply to the children of the processes too")
	o.Shared.addServerFlags(fl)
	o.Shared.addMountFlags(fl)
	fl.Var(&o.UID, "uid", "show every file as owned by this user id (backends without owners: dir, zip)")
	fl.Var(&o.GID, "gid", "show every file in this group id (backends without owners: dir, zip)")
	fl.Var(&o.Umask, "umask", "clear these permission bits (octal, such as 022) from every file (backends without owners)")
	fl.Var(&o.FileMode, "file-mode", "permission bits (octal) of every file that is not a directory (backends without owners)")
	fl.Var(&o.DirMode, "dir-mode", "permission bits (octal) of every directory (backends without owners)")
	fl.StringArrayVar(&o.MapUID, "map-uid", nil, "show host user id HOST as MOUNT, and store MOUNT as HOST (HOST:MOUNT, repeatable; passthrough)")
	fl.StringArrayVar(&o.MapGID, "map-gid", nil, "show host group id HOST as MOUNT, and store MOUNT as HOST (HOST:MOUNT, repeatable; passthrough)")
	fl.BoolVar(&o.DefaultPermissions, "default-permissions", true, "let the kernel check permissions against the owners and modes shown; =false leaves access to the access rules [FUSE only]")
	fl.BoolVar(&o.AllowRoot, "allow-root", false, "let root use the mount besides you (allow_other limited to uid 0 and yours)")
	fl.Var(&o.MaxReadAhead, "max-read-ahead", "largest read-ahead of the kernel, such as 128K; 0 means the adapter's default (1M with gofuse) [FUSE only]")
	fl.BoolVar(&o.WritebackCache, "writeback-cache", false, "let the kernel cache writes and hand them over at close, fsync or under memory pressure [gofuse on Linux]")
	fl.StringVar(&o.Metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (HOST:PORT; port 0 picks one); anyfs stats MOUNTPOINT shows them")
	fl.BoolVar(&o.Daemon, "daemon", false, "serve in the background: return once mounted (status 0) or with the mount's error [Linux, macOS]")
	fl.StringVar(&o.LogFile, "log-file", "", "write messages and the log to this file (appending) instead of standard error")
	fl.StringVar(&o.LogFormat, "log-format", logText, "log format: text or json")
}

// accessRules turns the process flags into the volume's access rules.
func (o *MountOptions) accessRules() ([]fs.AccessRule, error) {
	var rules []fs.AccessRule
	parse := func(flag, v string, deny bool) error {
		r, err := parseProcessRule(v)
		if err != nil {
			return flagErrorf("--%s \"%s\": %v", flag, v, err) // not %q: Windows paths keep single backslashes
		}
		r.Deny, r.IncludeChildren = deny, o.ProcessChildren
		rules = append(rules, r)
		return nil
	}
	for _, v := range o.AllowProcess {
		if err := parse("allow-process", v, false); err != nil {
			return nil, err
		}
	}
	for _, v := range o.DenyProcess {
		if err := parse("deny-process", v, true); err != nil {
			return nil, err
		}
	}
	for _, uid := range o.AllowUID {
		rules = append(rules, fs.AccessRule{Access: fs.AccessRead | fs.AccessWrite, Match: fs.MatchUid, Uid: uint32(uid)})
	}
	return rules, nil
}

// parseProcessRule reads WHO[=read|=write]: WHO is an executable name (rsync),
// an absolute path (/usr/bin/rsync, whose symbolic links are resolved, as the
// kernel reports a process's executable) or pid:N. The mode comes after the
// last "=", so that a path may hold "/" and ":".
func parseProcessRule(v string) (fs.AccessRule, error) {
	r := fs.AccessRule{Access: fs.AccessRead | fs.AccessWrite}
	who := v
	if i := strings.LastIndexByte(v, '='); i >= 0 {
		switch who = v[:i]; v[i+1:] {
		case "read":
			r.Access = fs.AccessRead
		case "write":
			r.Access = fs.AccessWrite
		case "rw":
		default:
			return r, fmt.Errorf("after = comes read, write or rw")
		}
	}
	if pid, ok := strings.CutPrefix(who, "pid:"); ok {
		n, err := strconv.ParseUint(pid, 10, 32)
		if err != nil || n == 0 {
			return r, fmt.Errorf("pid:N needs a process id")
		}
		r.Match, r.Pid = fs.MatchPid, uint32(n)
		return r, nil
	}
	switch {
	case who == "":
		return r, fmt.Errorf("the process name is empty")
	case filepath.IsAbs(who):
		real, err := filepath.EvalSymlinks(who)
		if err != nil {
			return r, fmt.Errorf("the program %s: %w", who, unwrapPath(err))
		}
		who = real
	case strings.ContainsAny(who, `/\`):
		return r, fmt.Errorf("a program is a name (cat) or an absolute path (/usr/bin/cat), and read or write comes after = (cat=read)")
	}
	r.Match, r.ProcessName = fs.MatchProcessName, who
	return r, nil
}

// NewCmdMount returns `anyfs mount`. runF replaces the real work in tests; nil
// means mountRun.
func NewCmdMount(f *Factory, runF func(*MountOptions) error) *cobra.Command {
	opts := &MountOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "mount [flags] [BACKEND[:ARG]] MOUNTPOINT",
		Short: "Mount a backend and serve it until interrupted",
		Long: `Mount a backend at MOUNTPOINT and serve it in the foreground.

BACKEND[:ARG] names the backend (see anyfs backends); it defaults to mem, an
empty in-memory file system. On Linux and macOS MOUNTPOINT must be an existing
empty directory; on Windows it must not exist yet (WinFsp creates it) or be a
free drive letter such as X:.

Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closing) unmounts and exits
with status 0, as does an unmount from outside (anyfs unmount, fusermount3 -u,
umount). While files are in use the unmount is retried for --unmount-timeout,
then the mount is detached lazily.

--daemon serves in the background instead: anyfs returns once the file
system serves (status 0) or with the mount's error; anyfs unmount ends the
server, and SIGHUP makes it reopen --log-file.`,
		Example: `  mkdir -p /tmp/anyfs && anyfs mount /tmp/anyfs
  anyfs mount --read-only --attr-timeout 10s mem /mnt/x
  anyfs mount --adapter cgofuse -o noatime mem /mnt/x
  anyfs mount --daemon --log-file /var/log/anyfs.log mem /mnt/x
  anyfs mount mem X:                       # Windows, WinFsp
  anyfs mount --meta postgres://anyfs@db/anyfs --data s3://s3.local/bucket shared:team /mnt/team`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return flagErrorf("missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)")
			case len(args) > 2:
				return flagErrorf("too many arguments %q (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)", args)
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
			// The first argument: a backend, or else (no match) a directory.
			var c []string
			for _, b := range f.Backends {
				if b.NeedsArg {
					c = append(c, b.Name+":\t"+b.Description)
				} else {
					c = append(c, b.Name+"\t"+b.Description)
				}
			}
			return c, cobra.ShellCompDirectiveNoSpace
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Backend, opts.MountPoint = defaultBackend, args[0]
				// "anyfs mount mem": a backend where the mount point belongs.
				if f.Backends.known(args[0]) && !isDir(args[0]) {
					return flagErrorf("missing mount point after backend %s (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)", args[0])
				}
			} else {
				opts.Backend, opts.MountPoint = args[0], args[1]
			}
			opts.flags = cmd.Flags()
			if runF != nil {
				return runF(opts)
			}
			return mountRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd.Flags())
	_ = cmd.RegisterFlagCompletionFunc("adapter", cobra.FixedCompletions(knownAdapters, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// mountRun checks every input, mounts, and serves until a signal, ctx's end or
// an unmount from outside.
func mountRun(ctx context.Context, opts *MountOptions) (err error) {
	f := opts.Factory
	if opts.LogFormat != logText && opts.LogFormat != logJSON {
		return flagErrorf("--log-format %q: text or json", opts.LogFormat)
	}
	var child *daemonChild
	if opts.Daemon {
		if child = daemonChildFromEnv(); child == nil {
			return startDaemon(f, opts, f.args)
		}
	}
	// Where messages go: standard error, or the log file; in a detached
	// server, until it is mounted, also to the anyfs that started it.
	var sink io.Writer = f.ErrOut
	var lf *logFile
	if opts.LogFile != "" {
		if lf, err = openLogFile(opts.LogFile); err != nil {
			if child != nil {
				fmt.Fprintf(child, "anyfs: %s\n", oneLine(err.Error()))
				return &exitStatus{code: exitCode(err), err: err}
			}
			return err
		}
		defer lf.Close()
		sink = lf
	}
	level := slog.LevelInfo
	if opts.Debug {
		level = slog.LevelDebug
	}
	log := newLogger(sink, opts.LogFormat, level)
	msgs := sink
	if opts.LogFormat == logJSON {
		msgs = &lineLogger{log: log}
	}
	if child != nil {
		msgs = io.MultiWriter(msgs, child)
	}
	defer func() {
		switch {
		case err == nil:
		case child != nil:
			// The starting anyfs prints the error; the log keeps it too.
			fmt.Fprintf(msgs, "anyfs: %s\n", oneLine(err.Error()))
			err = &exitStatus{code: exitCode(err), err: err}
		case lf != nil:
			fmt.Fprintf(msgs, "anyfs: %s\n", oneLine(err.Error()))
		}
	}()
	return serve(ctx, opts, msgs, log, lf, child)
}

// serve checks every input, mounts, and serves until a signal, ctx's end or
// an unmount from outside; messages go to msgs.
func serve(ctx context.Context, opts *MountOptions, msgs io.Writer, log *slog.Logger, lf *logFile, child *daemonChild) error {
	f := opts.Factory
	if err := checkAdapter(opts.Adapter, f.Adapters()); err != nil {
		return err
	}
	b, arg, err := f.Backends.Lookup(opts.Backend)
	if err != nil {
		return err
	}
	if opts.UnmountTimeout < 0 {
		return flagErrorf("--unmount-timeout %v: a duration of 0 or more", opts.UnmountTimeout)
	}
	mnt, err := checkMountPoint(opts.MountPoint, opts.AllowNonEmpty, opts.AllowStacking)
	if err != nil {
		return err
	}
	if err := opts.takeOwnerOptions(); err != nil {
		return err
	}
	rules, err := opts.accessRules()
	if err != nil {
		return err
	}
	if opts.AllowRoot {
		rules = append(rules, allowRootRules()...)
	}
	owner, err := opts.ownership(b)
	if err != nil {
		return err
	}
	if opts.MaxSize != 0 && b.OpenSized == nil {
		return flagErrorf("--max-size: backend %s has no capacity to set (only mem takes one)", b.Name)
	}
	mopts := opts.mountOptions(b.Name)
	if _, err := mountopt.Resolve(mopts); err != nil {
		return &FlagError{Err: fmt.Errorf("-o: %w", err)}
	}
	open := b.Open
	switch {
	case b.OpenServices != nil:
		so, err := opts.Shared.options()
		if err != nil {
			return err
		}
		open = func(arg string) (fs.Interface, error) { return b.OpenServices(ctx, arg, so) }
	case opts.Shared.given(opts.flags):
		return flagErrorf("--meta, --data, --session-ttl, --on-outage, --cache-dir and --cache-size are for shared:NAME only")
	case opts.ReadOnly && b.OpenReadOnly != nil:
		open = b.OpenReadOnly
	}
	if opts.MaxSize != 0 {
		open = func(arg string) (fs.Interface, error) { return b.OpenSized(arg, int64(opts.MaxSize)) }
	}
	backend, err := open(arg)
	if err != nil {
		return fmt.Errorf("backend %s: %w", opts.Backend, err)
	}
	if c, ok := backend.(io.Closer); ok {
		defer c.Close()
	}

	vopts := opts.volumeOptions(log)
	vopts.AccessRules = rules
	vopts.Ownership = owner
	vol := fs.NewVolume(backend, vopts)
	if a, ok := backend.(interface{ Attach(*fs.Volume) }); ok {
		a.Attach(vol) // changes made elsewhere reach the volume's caches
	}

	var metrics *metricsServer
	if opts.Metrics != "" {
		if metrics, err = listenMetrics(opts.Metrics); err != nil {
			return err
		}
		defer metrics.close()
	}

	// Catch signals before mounting: a Ctrl-C during the mount is then served as
	// an unmount instead of killing anyfs and leaving a stale mount behind.
	signals := stopSignals
	if child != nil {
		signals = daemonStopSignals
		stopReopen := reopenOnHangup(lf, msgs)
		defer stopReopen()
	}
	sig, reclaimSignals, stopCatching := notifyStop(signals)
	defer stopCatching()
	stopSnapshots := snapshotOnSignal(vol, msgs)
	defer stopSnapshots()

	mopts.Logger = log
	mopts.CountRequests = metrics != nil
	srv, err := f.Mount(vol, mnt, opts.Adapter, mopts)
	if err != nil {
		return mountError(err, mnt, opts.Adapter, f.Adapters())
	}
	reclaimSignals()
	if metrics != nil {
		metrics.serve(vol, srv)
		remove, err := writeState(mountState{MountPoint: mnt, Pid: os.Getpid(), Metrics: metrics.url})
		if err != nil {
			fmt.Fprintf(msgs, "anyfs: %v (anyfs stats will not find this mount)\n", err)
		} else {
			defer remove()
		}
		fmt.Fprintf(msgs, "anyfs: metrics at %s\n", metrics.url)
	}
	if child != nil {
		fmt.Fprintf(msgs, "anyfs: serving %s at %s (adapter %s, pid %d); stop it with: anyfs unmount %s\n",
			opts.Backend, mnt, adapterName(opts.Adapter, srv), os.Getpid(), mnt)
		child.ready()
	} else {
		fmt.Fprintf(msgs, "anyfs: serving %s at %s (adapter %s); Ctrl-C to unmount\n",
			opts.Backend, mnt, adapterName(opts.Adapter, srv))
	}
	sdNotify(daemon.SdNotifyReady)
	l := &lifecycle{srv: srv, sig: sig, out: msgs, grace: opts.UnmountTimeout, openFiles: vol.OpenFileCount,
		stopping: func() { sdNotify(daemon.SdNotifyStopping) }}
	return l.run(ctx)
}

func (o *MountOptions) volumeOptions(log *slog.Logger) *fs.Options {
	return &fs.Options{
		ReadOnly:         o.ReadOnly,
		CaseInsensitive:  o.CaseInsensitive,
		VolumeLabel:      o.VolName,
		AttrTimeout:      o.cacheTimeout("attr-timeout", o.AttrTimeout),
		EntryTimeout:     o.cacheTimeout("entry-timeout", o.EntryTimeout),
		NegativeTimeout:  o.cacheTimeout("negative-timeout", o.NegativeTimeout),
		MaxFileSize:      int64(o.MaxFileSize),
		MetadataCacheTTL: o.MetadataCache,
		NegativeCacheTTL: o.NegativeCache,
		Logger:           log,
		Trace:            o.Debug,
	}
}

// cacheTimeout maps the timeout flag name of value d to fs.Options, where zero means
// the default and a negative value disables the cache: on the command line 0
// disables. A flag not given leaves the volume's default, which is long for a
// backend that owns its namespace (fs.NamespaceOwner: mem).
func (o *MountOptions) cacheTimeout(name string, d time.Duration) time.Duration {
	if o.flags != nil && !o.flags.Changed(name) {
		return 0
	}
	if d <= 0 {
		return -1
	}
	return d
}

func (o *MountOptions) mountOptions(backend string) *mountopt.Options {
	var raw []string
	for _, o := range o.RawOptions {
		for _, s := range strings.Split(o, ",") {
			if s = strings.TrimSpace(s); s != "" {
				raw = append(raw, s)
			}
		}
	}
	return &mountopt.Options{
		FSName:               "anyfs-" + backend,
		AllowOther:           o.AllowOther || o.AllowRoot,
		NoDefaultPermissions: !o.DefaultPermissions,
		AllowNonEmpty:        o.AllowNonEmpty,
		AllowStacking:        o.AllowStacking,
		RawOptions:           raw,
		NoPassthrough:        o.NoPassthrough,
		MaxReadAhead:         int(o.MaxReadAhead),
		WritebackCache:       o.WritebackCache,
		Debug:                o.Debug,
	}
}

// checkAdapter refuses an --adapter value that is unknown or not compiled in.
func checkAdapter(name string, available []string) error {
	switch {
	case name == "" && len(available) == 0:
		return fmt.Errorf("no FUSE adapter is compiled into this anyfs for %s", runtime.GOOS)
	case name == "":
		return nil
	case !slices.Contains(knownAdapters, name):
		return flagErrorf("unknown adapter %q (known adapters: %s)", name, strings.Join(knownAdapters, ", "))
	case !slices.Contains(available, name):
		return noAdapterError(name, available)
	}
	return nil
}

func noAdapterError(name string, available []string) error {
	have := "none"
	if len(available) > 0 {
		have = strings.Join(available, ", ")
	}
	return fmt.Errorf("adapter %s is not compiled into this anyfs (available: %s); %s", name, have, mountopt.AdapterHint(name))
}

// mountError turns an adapters.Mount error into a message that says what to do.
func mountError(err error, mnt, adapter string, available []string) error {
	// The adapter's "mount MNT: " repeats what the message starts with.
	if rest, ok := strings.CutPrefix(err.Error(), "mount "+mnt+": "); ok {
		err = &prefixless{msg: rest, err: err}
	}
	switch {
	case errors.Is(err, mountopt.ErrNoFUSE):
		if strings.Contains(err.Error(), "install") {
			return fmt.Errorf("cannot mount %s: %w", mnt, err)
		}
		return fmt.Errorf("cannot mount %s: %w; %s", mnt, err, mountopt.InstallHint)
	case errors.Is(err, mountopt.ErrNoAdapter):
		if adapter == "" {
			return fmt.Errorf("cannot mount %s: %w", mnt, err)
		}
		return noAdapterError(adapter, available)
	}
	return fmt.Errorf("cannot mount %s: %w", mnt, err)
}

// prefixless is err with a shorter message; errors.Is still sees err.
type prefixless struct {
	msg string
	err error
}

func (p *prefixless) Error() string { return p.msg }
func (p *prefixless) Unwrap() error { return p.err }

// adapterName is the adapter that serves srv, for the "serving" line.
func adapterName(asked string, srv mountopt.Server) string {
	if a, ok := srv.(interface{ Adapter() string }); ok {
		return a.Adapter()
	}
	if asked != "" {
		return asked
	}
	return adapters.Default()
}
