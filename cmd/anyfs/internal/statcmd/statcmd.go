// Package statcmd implements "anyfs stat": lstat a path and show it both ways, as
// POSIX st_mode/st_flags and as the Windows attributes and FILETIMEs anyfs would
// report for it (pkg/attr).
package statcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/anyfs/anyfs/pkg/attr"
)

// Options are the flags and arguments of "anyfs stat".
type Options struct {
	JSON  bool     // print one JSON object per line instead of text
	Paths []string // paths to lstat, in order
	Out   io.Writer
	Err   io.Writer
}

// NewCmd returns the "anyfs stat [--json] PATH..." command.
func NewCmd() *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "stat [--json] PATH...",
		Short: "Show a file's POSIX mode and the Windows attributes anyfs gives it",
		Long: `stat lstats each PATH (symbolic links are not followed) and prints its type,
mode string and octal mode, owner, size, link count, inode, device, the four
times as RFC 3339 (UTC, nanoseconds) and as Windows FILETIME, and the Windows
file attributes anyfs derives from the mode and flags (see docs/attributes.md).

A path that cannot be stat'ed is reported on standard error; the other paths
are still printed and the command exits with a non-zero status.`,
		Example: `  anyfs stat /etc/passwd /tmp
  anyfs stat --json . | jq .attributes`,
		Args:         cobra.MinimumNArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Out = cmd.OutOrStdout()
			opts.Err = cmd.ErrOrStderr()
			return Run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object per path (JSON Lines)")
	return cmd
}

// Run stats every path of opts and prints the results. It returns an error
// counting the paths that failed, each of which is reported on opts.Err.
func Run(opts *Options) error {
	failed := 0
	enc := json.NewEncoder(opts.Out)
	for i, p := range opts.Paths {
		info, err := Lstat(p)
		if err != nil {
			failed++
			fmt.Fprintf(opts.Err, "anyfs stat: %v\n", err)
			continue
		}
		if opts.JSON {
			if err := enc.Encode(info); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(opts.Out)
		}
		info.WriteText(opts.Out)
	}
	if failed > 0 {
		return fmt.Errorf("stat: %d of %d paths could not be read", failed, len(opts.Paths))
	}
	return nil
}

// Time is one file time in both notations. A nil *Time is unknown.
type Time struct {
	RFC3339  string        `json:"rfc3339"`  // UTC, nine fractional digits
	Filetime attr.Filetime `json:"filetime"` // 100 ns ticks since 1601; 0 if out of range
}

func newTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	ft, _ := attr.FiletimeFromTime(t) // out of range: 0
	return &Time{RFC3339: t.UTC().Format(attr.RFC3339Nano9), Filetime: ft}
}

// Info is what "anyfs stat" reports for one path; it is also the JSON object.
type Info struct {
	Path          string `json:"path"`
	LinkTarget    string `json:"link_target,omitempty"`
	Type          string `json:"type"`           // "regular file", "directory", ...
	Mode          string `json:"mode"`           // attr.FileMode, "-rw-r--r--"
	Perm          string `json:"perm"`           // S_IMODE in octal, "0644"
	StMode        string `json:"st_mode"`        // the whole st_mode in octal, "0100644"
	Uid           uint32 `json:"uid"`            // 0 on Windows
	Gid           uint32 `json:"gid"`            // 0 on Windows
	User          string `json:"user,omitempty"` // name of Uid when resolvable
	Group         string `json:"group,omitempty"`
	Size          int64  `json:"size"`
	Blocks        int64  `json:"blocks"` // 512-byte units
	Links         uint64 `json:"links"`
	Inode         uint64 `json:"inode"`
	Device        uint64 `json:"device"`
	DeviceNumbers string `json:"device_numbers,omitempty"` // "major,minor" where known
	Rdev          uint64 `json:"rdev,omitempty"`
	RdevNumbers   string `json:"rdev_numbers,omitempty"`
	Atime         *Time  `json:"atime"`
	Mtime         *Time  `json:"mtime"`
	Ctime         *Time  `json:"ctime"`
	Birthtime     *Time  `json:"birthtime"` // null when the system does not record it
	// Attributes are the Windows attributes: on Windows the file's own, elsewhere
	// those anyfs derives with attr.FromPOSIX / attr.FromDarwin.
	Attributes    string `json:"attributes"`
	AttributesHex string `json:"attributes_hex"`
	// Flags are st_flags named in the host's namespace (FreeBSD/WinFsp or
	// macOS); on Linux the statx immutable/append/nodump attributes.
	Flags string `json:"flags,omitempty"`
}

// fileStat is what the platform lstat returns.
type fileStat struct {
	st         attr.Stat
	attrs      attr.FileAttributes
	flags      string // st_flags in the host namespace, "" for none
	linkTarget string
	hasOwner   bool                                            // Uid/Gid are meaningful
	devNumbers func(dev uint64) (major, minor uint32, ok bool) // nil: unknown
}

// typeName names the file type of m as GNU stat does.
func typeName(m attr.Mode) string {
	switch m.Type() {
	case attr.S_IFREG:
		return "regular file"
	case attr.S_IFDIR:
		return "directory"
	case attr.S_IFLNK:
		return "symbolic link"
	case attr.S_IFIFO:
		return "fifo"
	case attr.S_IFSOCK:
		return "socket"
	case attr.S_IFCHR:
		return "character special file"
	case attr.S_IFBLK:
		return "block special file"
	}
	return "unknown (" + strconv.FormatUint(uint64(m.Type()), 8) + ")"
}

// Lstat returns the Info of path without following a final symbolic link.
func Lstat(path string) (Info, error) {
	fst, err := lstat(path)
	if err != nil {
		return Info{}, err
	}
	s := fst.st
	info := Info{
		Path:          path,
		LinkTarget:    fst.linkTarget,
		Type:          typeName(s.Mode),
		Mode:          attr.FileMode(s.Mode),
		Perm:          fmt.Sprintf("%04o", uint32(attr.S_IMODE(s.Mode))),
		StMode:        fmt.Sprintf("%07o", uint32(s.Mode)),
		Uid:           s.Uid,
		Gid:           s.Gid,
		Size:          s.Size,
		Blocks:        s.Blocks,
		Links:         s.Nlink,
		Inode:         s.Ino,
		Device:        s.Dev,
		Atime:         newTime(s.Atime),
		Mtime:         newTime(s.Mtime),
		Ctime:         newTime(s.Ctime),
		Birthtime:     newTime(s.Birthtime),
		Attributes:    fst.attrs.String(),
		AttributesHex: fmt.Sprintf("%#08x", uint32(fst.attrs)),
		Flags:         fst.flags,
	}
	if fst.hasOwner {
		if u, err := user.LookupId(strconv.FormatUint(uint64(s.Uid), 10)); err == nil {
			info.User = u.Username
		}
		if g, err := user.LookupGroupId(strconv.FormatUint(uint64(s.Gid), 10)); err == nil {
			info.Group = g.Name
		}
	}
	if attr.S_ISCHR(s.Mode) || attr.S_ISBLK(s.Mode) {
		info.Rdev = s.Rdev
	}
	if fst.devNumbers != nil {
		if ma, mi, ok := fst.devNumbers(s.Dev); ok {
			info.DeviceNumbers = fmt.Sprintf("%d,%d", ma, mi)
		}
		if ma, mi, ok := fst.devNumbers(info.Rdev); ok && info.Rdev != 0 {
			info.RdevNumbers = fmt.Sprintf("%d,%d", ma, mi)
		}
	}
	return info, nil
}

// WriteText writes info in the text format of "anyfs stat".
func (info *Info) WriteText(w io.Writer) {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%10s: %s\n", label, fmt.Sprintf(format, args...))
	}
	if info.LinkTarget != "" {
		line("File", "%s -> %s", info.Path, info.LinkTarget)
	} else {
		line("File", "%s", info.Path)
	}
	line("Type", "%s", info.Type)
	line("Mode", "%s (%s)  st_mode %s", info.Mode, info.Perm, info.StMode)
	line("Owner", "uid %d%s  gid %d%s", info.Uid, paren(info.User), info.Gid, paren(info.Group))
	line("Size", "%d  blocks %d  links %d", info.Size, info.Blocks, info.Links)
	dev := fmt.Sprintf("%d (%#x)", info.Device, info.Device)
	if info.DeviceNumbers != "" {
		dev += " [" + info.DeviceNumbers + "]"
	}
	line("Inode", "%d  device %s", info.Inode, dev)
	if info.Rdev != 0 || info.RdevNumbers != "" {
		r := fmt.Sprintf("%d (%#x)", info.Rdev, info.Rdev)
		if info.RdevNumbers != "" {
			r += " [" + info.RdevNumbers + "]"
		}
		line("Rdev", "%s", r)
	}
	for _, t := range []struct {
		label string
		t     *Time
	}{{"Access", info.Atime}, {"Modify", info.Mtime}, {"Change", info.Ctime}, {"Birth", info.Birthtime}} {
		if t.t == nil {
			line(t.label, "-")
			continue
		}
		line(t.label, "%s  FILETIME %d", t.t.RFC3339, t.t.Filetime)
	}
	line("Attributes", "%s (%s)", info.Attributes, info.AttributesHex)
	if info.Flags != "" {
		line("Flags", "%s", info.Flags)
	}
	io.WriteString(w, b.String())
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
