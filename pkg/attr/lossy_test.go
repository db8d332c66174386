package attr

import (
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// lossyCases demonstrates every row of the lossy-cases table in
// docs/attributes.md; TestLossyCases checks that the two lists are the same.
var lossyCases = map[string]func(t *testing.T){
	"special-file-type": func(t *testing.T) {
		for _, typ := range []Mode{S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK} {
			a := FromPOSIX(typ|0o644, 0)
			if a != Normal {
				t.Errorf("FromPOSIX(%#o) = %v, want NORMAL", typ, a)
			}
			if m, _ := ToPOSIX(a, 0); m.Type() != S_IFREG {
				t.Errorf("a new file from %v is %#o", a, m)
			}
			if m, _ := ToPOSIX(a, typ|0o644); m.Type() != typ {
				t.Errorf("prev type %#o not kept: %#o", typ, m)
			}
		}
	},
	"directory-symlink": func(t *testing.T) {
		m, f := ToPOSIX(Directory|ReparsePoint, S_IFLNK|0o777)
		if got := FromPOSIX(m, f); got != ReparsePoint {
			t.Errorf("directory symlink reads back as %v", got)
		}
		if d := DroppedByPOSIX(Directory|ReparsePoint, S_IFLNK); d != Directory {
			t.Errorf("dropped %v", d)
		}
	},
	"reparse-non-symlink": func(t *testing.T) {
		m, f := ToPOSIX(ReparsePoint, S_IFREG|0o644)
		if m.Type() != S_IFREG || f != UF_REPARSE {
			t.Errorf("ToPOSIX = %#o, %v", m, f)
		}
		if got := FromPOSIX(m, f&WinFspFlags); got != Normal {
			t.Errorf("over WinFsp: %v", got)
		}
		if got := FromPOSIX(m, 0); got != Normal {
			t.Errorf("on Linux: %v", got)
		}
		if d := DroppedByDarwin(Directory|ReparsePoint, S_IFDIR); d != ReparsePoint {
			t.Errorf("macOS dropped %v", d)
		}
	},
	"readonly-restores-owner-write": func(t *testing.T) {
		m, _ := ToPOSIX(ReadOnly, S_IFREG|0o666)
		if m != S_IFREG|0o444 {
			t.Fatalf("READONLY gives %#o", m)
		}
		if m2, _ := ToPOSIX(Normal, m); m2 != S_IFREG|0o644 {
			t.Errorf("clearing READONLY gives %#o, not the original 0666", m2)
		}
	},
	"readonly-partial-write": func(t *testing.T) {
		for _, p := range []Mode{0o464, 0o404 | S_IWOTH, 0o020} {
			if a := FromPOSIX(S_IFREG|p, 0); a&ReadOnly != 0 {
				t.Errorf("%#o is READONLY", p)
			}
		}
	},
	"readonly-directory": func(t *testing.T) {
		m, f := ToPOSIX(Directory|ReadOnly, S_IFDIR|0o755)
		if m != S_IFDIR|0o755 || f != UF_READONLY {
			t.Errorf("ToPOSIX = %#o, %v", m, f)
		}
		if got := FromPOSIX(m, 0); got != Directory {
			t.Errorf("Linux reads %v", got)
		}
		if got := FromPOSIX(m, f); got != Directory|ReadOnly {
			t.Errorf("FreeBSD/WinFsp reads %v", got)
		}
		if d := DroppedByDarwin(Directory|ReadOnly, S_IFDIR|0o755); d != ReadOnly {
			t.Errorf("macOS dropped %v", d)
		}
	},
	"immutable-readonly": func(t *testing.T) {
		for _, fl := range []BSDFlags{UF_IMMUTABLE, SF_IMMUTABLE} {
			prev := S_IFREG | 0o644
			if a := FromPOSIX(prev, fl); a != ReadOnly {
				t.Errorf("%v gives %v", fl, a)
			}
			m, f := ToPOSIX(Normal, prev)
			if got := FromPOSIX(m, fl&^WindowsBSDFlags|f); got != ReadOnly {
				t.Errorf("clearing READONLY on %v: %v", fl, got)
			}
		}
		if a := FromDarwin(S_IFREG|0o644, DarwinSF_IMMUTABLE); a != ReadOnly {
			t.Errorf("Darwin SF_IMMUTABLE gives %v", a)
		}
	},
	"flags-without-attribute": func(t *testing.T) {
		for _, fl := range []BSDFlags{UF_NODUMP, UF_APPEND, UF_OPAQUE, UF_NOUNLINK, SF_ARCHIVED, SF_APPEND, SF_NOUNLINK, SF_SNAPSHOT} {
			if a := FromPOSIX(S_IFREG|0o644, fl); a != Normal {
				t.Errorf("%v gives %v", fl, a)
			}
			if _, f := ToPOSIX(Normal, S_IFREG|0o644); fl&^WindowsBSDFlags|f != fl {
				t.Errorf("merge loses %v", fl)
			}
		}
		for _, fl := range []DarwinFlags{DarwinUF_NODUMP, DarwinUF_APPEND, DarwinUF_OPAQUE, DarwinUF_TRACKED, DarwinUF_DATAVAULT,
			DarwinSF_ARCHIVED, DarwinSF_APPEND, DarwinSF_RESTRICTED, DarwinSF_NOUNLINK, DarwinSF_FIRMLINK} {
			if a := FromDarwin(S_IFREG|0o644, fl); a != Normal {
				t.Errorf("Darwin %v gives %v", fl, a)
			}
		}
	},
	"attributes-without-posix": func(t *testing.T) {
		all := Temporary | Compressed | NotContentIndexed | Encrypted | IntegrityStream | Virtual | NoScrubData |
			RecallOnOpen | Pinned | Unpinned | RecallOnDataAccess | Device
		if d := DroppedByPOSIX(all|Hidden, S_IFREG|0o644); d != all {
			t.Errorf("DroppedByPOSIX = %v", d)
		}
		if m, f := ToPOSIX(all, S_IFREG|0o644); m != S_IFREG|0o644 || f != 0 {
			t.Errorf("ToPOSIX = %#o, %v", m, f)
		}
	},
	"darwin-system": func(t *testing.T) {
		if _, f := ToDarwin(System, S_IFREG|0o644); f != 0 {
			t.Errorf("SYSTEM gives %v", f)
		}
		if a := FromDarwin(S_IFREG|0o644, DarwinUF_DATAVAULT); a&System != 0 {
			t.Error("UF_DATAVAULT read as SYSTEM")
		}
	},
	"darwin-archive": func(t *testing.T) {
		if _, f := ToDarwin(Archive, S_IFREG|0o644); f != 0 {
			t.Errorf("ARCHIVE gives %v", f)
		}
		if a := FromDarwin(S_IFREG|0o644, DarwinSF_ARCHIVED); a != Normal {
			t.Errorf("SF_ARCHIVED gives %v", a)
		}
	},
	"darwin-sparse-offline": func(t *testing.T) {
		if d := DroppedByDarwin(SparseFile|Offline, S_IFREG|0o644); d != SparseFile|Offline {
			t.Errorf("dropped %v", d)
		}
	},
	"darwin-compressed-oneway": func(t *testing.T) {
		a := FromDarwin(S_IFREG|0o644, DarwinUF_COMPRESSED)
		if _, f := ToDarwin(a, S_IFREG|0o644); a != Compressed || f != 0 {
			t.Errorf("%v -> %v", a, f)
		}
	},
	"darwin-dataless-oneway": func(t *testing.T) {
		a := FromDarwin(S_IFREG|0o644, DarwinSF_DATALESS)
		if _, f := ToDarwin(a, S_IFREG|0o644); a != RecallOnDataAccess || f != 0 {
			t.Errorf("%v -> %v", a, f)
		}
	},
	"winfsp-four-flags": func(t *testing.T) {
		a := Hidden | ReadOnly | System | Archive | SparseFile | Offline | ReparsePoint
		m, f := ToPOSIX(a, S_IFREG|0o644)
		if got := FromPOSIX(m, f&WinFspFlags); got != Hidden|ReadOnly|System|Archive {
			t.Errorf("over WinFsp: %v", got)
		}
	},
	"linux-no-flags": func(t *testing.T) {
		a := Hidden | System | Archive | SparseFile | Offline | ReadOnly
		m, _ := ToPOSIX(a, S_IFREG|0o644)
		if got := FromPOSIX(m, 0); got != ReadOnly {
			t.Errorf("file on Linux: %v", got)
		}
		m, _ = ToPOSIX(a|Directory|ReparsePoint, S_IFDIR|0o755)
		if got := FromPOSIX(m, 0); got != Directory {
			t.Errorf("directory on Linux: %v", got)
		}
	},
	"normal-with-others": func(t *testing.T) {
		if m, f := ToPOSIX(Normal, S_IFREG|0o644); m != S_IFREG|0o644 || f != 0 {
			t.Errorf("NORMAL -> %#o, %v", m, f)
		}
		m, f := ToPOSIX(Normal|Hidden, S_IFREG|0o644)
		if got := FromPOSIX(m, f); got != Hidden {
			t.Errorf("NORMAL|HIDDEN reads back as %v", got)
		}
		if got := FromPOSIX(S_IFDIR|0o755, 0); got&Normal != 0 {
			t.Errorf("directory gets %v", got)
		}
	},
	"permissions-and-special-bits": func(t *testing.T) {
		if FromPOSIX(S_IFREG|0o6755, 0) != FromPOSIX(S_IFREG|0o600, 0) {
			t.Error("exec/special bits show in attributes")
		}
		if m, _ := ToPOSIX(Normal, 0); m != S_IFREG|DefaultFilePerm {
			t.Errorf("new file %#o", m)
		}
		if m, _ := ToPOSIX(Directory, 0); m != S_IFDIR|DefaultDirPerm {
			t.Errorf("new directory %#o", m)
		}
		if m, _ := ToPOSIX(ReparsePoint, 0); m != S_IFLNK|DefaultSymlinkPerm {
			t.Errorf("new symlink %#o", m)
		}
	},
	"symlink-permissions": func(t *testing.T) {
		for _, p := range []Mode{0o777, 0o555, 0} {
			if a := FromPOSIX(S_IFLNK|p, 0); a != ReparsePoint {
				t.Errorf("symlink %#o gives %v", p, a)
			}
		}
	},
	"door-port-whiteout": func(t *testing.T) {
		for _, m := range []Mode{SolarisIFDOOR, SolarisIFPORT, BSDIFWHT} {
			if S_ISDOOR(m) || S_ISPORT(m) || S_ISWHT(m) || FileMode(m)[0] != '?' {
				t.Errorf("%#o decoded: %s", m, FileMode(m))
			}
		}
	},
	"fs-filemode": func(t *testing.T) {
		if fm := ToFileMode(SolarisIFDOOR | 0o644); fm != fs.ModeIrregular|0o644 {
			t.Errorf("door -> %v", fm)
		}
		if m := FromFileMode(fs.ModeIrregular | 0o644); m != 0o644 {
			t.Errorf("irregular -> %#o", m)
		}
		if m := FromFileMode(fs.ModeAppend | fs.ModeExclusive | fs.ModeTemporary | 0o644); ToFileMode(m) != 0o644 {
			t.Errorf("plan 9 bits kept: %#o", m)
		}
	},
	"filetime-sub-100ns": func(t *testing.T) {
		tm := time.Date(2024, 1, 1, 0, 0, 0, 199, time.UTC)
		f, _ := FiletimeFromTime(tm)
		if got := f.Time(); got.Nanosecond() != 100 {
			t.Errorf("%v -> %v", tm, got)
		}
	},
	"filetime-epoch-sentinel": func(t *testing.T) {
		tm := time.Date(1601, 1, 1, 0, 0, 0, 99, time.UTC)
		f, err := FiletimeFromTime(tm)
		if f != 0 || err != nil || !f.Time().IsZero() {
			t.Errorf("%v -> %d, %v -> %v", tm, f, err, f.Time())
		}
	},
	"filetime-range": func(t *testing.T) {
		for _, tm := range []time.Time{time.Date(1600, 12, 31, 23, 59, 59, 999999999, time.UTC), MaxFiletime.Time().Add(100)} {
			if _, err := FiletimeFromTime(tm); err == nil {
				t.Errorf("%v accepted", tm)
			}
		}
	},
	"filetime-location": func(t *testing.T) {
		tm := time.Now().In(time.FixedZone("X", 3600)).Truncate(100)
		f, _ := FiletimeFromTime(tm)
		got := f.Time()
		if !got.Equal(tm) || got.Location() != time.UTC || got == tm {
			t.Errorf("%v -> %v", tm, got)
		}
	},
	"byhandle-change-time": func(t *testing.T) {
		mt := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		b, _ := ByHandleFromStat(Stat{Mode: S_IFREG | 0o644, Mtime: mt, Ctime: mt.Add(time.Hour)})
		if s := StatFromByHandle(b); !s.Ctime.Equal(mt) {
			t.Errorf("Ctime = %v", s.Ctime)
		}
	},
	"byhandle-identity": func(t *testing.T) {
		s := Stat{Dev: 0x1_0000_0002, Mode: S_IFCHR | 0o666, Uid: 1, Gid: 2, Rdev: 3, Blocks: 4, Nlink: 1}
		b, err := ByHandleFromStat(s)
		if err != nil {
			t.Fatal(err)
		}
		back := StatFromByHandle(b)
		if back.Dev != 3 || back.Uid != 0 || back.Gid != 0 || back.Rdev != 0 || back.Blocks != 0 || back.Mode != S_IFREG|0o644 {
			t.Errorf("%+v", back)
		}
		if _, err := ByHandleFromStat(Stat{Nlink: 1 << 32}); err == nil {
			t.Error("Nlink 2^32 accepted")
		}
	},
}

// docLossyCases returns the case names of the lossy-cases table in
// docs/attributes.md.
func docLossyCases(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/attributes.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	begin, end := strings.Index(s, "<!-- lossy:begin -->"), strings.Index(s, "<!-- lossy:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/attributes.md: lossy table markers not found")
	}
	row := regexp.MustCompile("^\\| `([a-z0-9-]+)` \\|")
	var names []string
	for _, line := range strings.Split(s[begin:end], "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "| case") || strings.HasPrefix(line, "|---") {
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("docs/attributes.md: lossy row without a `case-name`: %s", line)
			continue
		}
		if cols := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); cols != 4 {
			t.Errorf("docs/attributes.md: row %s has %d columns, want 3", m[1], cols-1)
		}
		names = append(names, m[1])
	}
	return names
}

func TestLossyCases(t *testing.T) {
	documented := map[string]bool{}
	for _, name := range docLossyCases(t) {
		if documented[name] {
			t.Errorf("docs/attributes.md: case %s listed twice", name)
		}
		documented[name] = true
		f, ok := lossyCases[name]
		if !ok {
			t.Errorf("docs/attributes.md: lossy case %s has no test", name)
			continue
		}
		t.Run(name, f)
	}
	var extra []string
	for name := range lossyCases {
		if !documented[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		t.Errorf("lossy test case %s is not in docs/attributes.md", name)
	}
}
