package cli

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// OptionalID is a user or group id flag that may be unset (--uid, --gid). It
// implements pflag.Value.
type OptionalID struct {
	ID    uint32
	Given bool
}

// Set parses a decimal id.
func (o *OptionalID) Set(s string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return fmt.Errorf("not a numeric id")
	}
	o.ID, o.Given = uint32(n), true
	return nil
}

// String returns the id, or "" when unset.
func (o *OptionalID) String() string {
	if !o.Given {
		return ""
	}
	return strconv.FormatUint(uint64(o.ID), 10)
}

// Type names the flag's value in help.
func (o *OptionalID) Type() string { return "id" }

// OptionalMode is an octal permission flag that may be unset (--umask,
// --file-mode, --dir-mode). It implements pflag.Value.
type OptionalMode struct {
	Mode  attr.Mode
	Given bool
}

// Set parses an octal mode up to 7777.
func (o *OptionalMode) Set(s string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 8, 32)
	if err != nil || n > 0o7777 {
		return fmt.Errorf("not an octal mode from 0 to 7777")
	}
	o.Mode, o.Given = attr.Mode(n), true
	return nil
}

// String returns the mode in octal, or "" when unset.
func (o *OptionalMode) String() string {
	if !o.Given {
		return ""
	}
	return fmt.Sprintf("%04o", uint32(o.Mode))
}

// Type names the flag's value in help.
func (o *OptionalMode) Type() string { return "octal" }

// takeOwnerOptions moves -o uid=, gid=, umask= and allow_root to the flags
// that do the same (--uid, --gid, --umask, --allow-root); one given both ways
// is refused.
func (o *MountOptions) takeOwnerOptions() error {
	var keep []string
	for _, r := range o.RawOptions {
		var rest []string
		for _, opt := range strings.Split(r, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(opt), "=")
			var err error
			switch name {
			case "uid":
				err = takeOption(&o.UID, "uid", value)
			case "gid":
				err = takeOption(&o.GID, "gid", value)
			case "umask":
				err = takeOption(&o.Umask, "umask", value)
			case "allow_root":
				o.AllowRoot = true
			default:
				rest = append(rest, opt)
				continue
			}
			if err != nil {
				return err
			}
		}
		if len(rest) > 0 {
			keep = append(keep, strings.Join(rest, ","))
		}
	}
	o.RawOptions = keep
	return nil
}

type optionalFlag interface {
	Set(string) error
	String() string
}

func takeOption(f optionalFlag, name, value string) error {
	if f.String() != "" {
		return flagErrorf("-o %s= and --%s both given", name, name)
	}
	if err := f.Set(value); err != nil {
		return flagErrorf("-o %s=%s: %v", name, value, err)
	}
	return nil
}

// ownership returns the volume's Ownership from the owner flags, or nil for
// none; it refuses the flags a backend b has no use for.
func (o *MountOptions) ownership(b Backend) (*fs.Ownership, error) {
	forced := ""
	for _, f := range []struct {
		name  string
		given bool
	}{{"uid", o.UID.Given}, {"gid", o.GID.Given}, {"umask", o.Umask.Given}, {"file-mode", o.FileMode.Given}, {"dir-mode", o.DirMode.Given}} {
		if f.given && forced == "" {
			forced = f.name
		}
	}
	if forced != "" && b.Owners {
		hint := "set them with chown and chmod"
		if b.Name == "passthrough" {
			hint = "map the host's ids with --map-uid HOST:MOUNT and --map-gid HOST:MOUNT"
		}
		return nil, flagErrorf("--%s: backend %s stores each file's owner and mode (%s); --uid, --gid, --umask, --file-mode and --dir-mode are for backends without owners, such as dir and zip",
			forced, b.Name, hint)
	}
	uidMap, err := parseIDMap("map-uid", o.MapUID)
	if err != nil {
		return nil, err
	}
	gidMap, err := parseIDMap("map-gid", o.MapGID)
	if err != nil {
		return nil, err
	}
	if (uidMap != nil || gidMap != nil) && !b.Owners {
		flag := "map-uid"
		if uidMap == nil {
			flag = "map-gid"
		}
		return nil, flagErrorf("--%s: backend %s stores no owners to map; give every file one with --uid and --gid", flag, b.Name)
	}
	if forced == "" && uidMap == nil && gidMap == nil {
		return nil, nil
	}
	return &fs.Ownership{
		Uid: o.UID.ID, SetUid: o.UID.Given, Gid: o.GID.ID, SetGid: o.GID.Given,
		FileMode: o.FileMode.Mode, SetFileMode: o.FileMode.Given,
		DirMode: o.DirMode.Mode, SetDirMode: o.DirMode.Given,
		Umask: o.Umask.Mode, UidMap: uidMap, GidMap: gidMap,
	}, nil
}

// parseIDMap reads HOST:MOUNT pairs; nil for none.
func parseIDMap(flag string, pairs []string) (map[uint32]uint32, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := make(map[uint32]uint32, len(pairs))
	shown := map[uint32]bool{}
	for _, p := range pairs {
		h, s, ok := strings.Cut(p, ":")
		host, err1 := strconv.ParseUint(h, 10, 32)
		mount, err2 := strconv.ParseUint(s, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, flagErrorf("--%s %q: HOST:MOUNT, two numeric ids (1000:0)", flag, p)
		}
		if _, dup := m[uint32(host)]; dup || shown[uint32(mount)] {
			return nil, flagErrorf("--%s %q: each host id and each mount id may appear once", flag, p)
		}
		m[uint32(host)], shown[uint32(mount)] = uint32(mount), true
	}
	return m, nil
}

// allowRootRules are the access rules of --allow-root: only root and the
// user who mounts may use the mount.
func allowRootRules() []fs.AccessRule {
	uids := []uint32{0}
	if u := uint32(os.Geteuid()); !slices.Contains(uids, u) {
		uids = append(uids, u)
	}
	var rules []fs.AccessRule
	for _, u := range uids {
		rules = append(rules, fs.AccessRule{Access: fs.AccessRead | fs.AccessWrite, Match: fs.MatchUid, Uid: u})
	}
	return rules
}
