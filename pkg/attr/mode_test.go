package attr

import (
	"io/fs"
	"testing"
)

// modeTable is every S_* constant of python-stat.rst and cbfs-digest §4.2-4.3.
var modeTable = []struct {
	name  string
	mode  Mode
	value uint32
}{
	{"S_IFMT", S_IFMT, 0o170000},
	{"S_IFSOCK", S_IFSOCK, 0o140000},
	{"S_IFLNK", S_IFLNK, 0o120000},
	{"S_IFREG", S_IFREG, 0o100000},
	{"S_IFBLK", S_IFBLK, 0o060000},
	{"S_IFDIR", S_IFDIR, 0o040000},
	{"S_IFCHR", S_IFCHR, 0o020000},
	{"S_IFIFO", S_IFIFO, 0o010000},
	{"S_IFDOOR", S_IFDOOR, 0},
	{"S_IFPORT", S_IFPORT, 0},
	{"S_IFWHT", S_IFWHT, 0},
	{"S_ISUID", S_ISUID, 0o4000},
	{"S_ISGID", S_ISGID, 0o2000},
	{"S_ENFMT", S_ENFMT, 0o2000},
	{"S_ISVTX", S_ISVTX, 0o1000},
	{"S_IREAD", S_IREAD, 0o400},
	{"S_IWRITE", S_IWRITE, 0o200},
	{"S_IEXEC", S_IEXEC, 0o100},
	{"S_IRWXU", S_IRWXU, 0o700},
	{"S_IRUSR", S_IRUSR, 0o400},
	{"S_IWUSR", S_IWUSR, 0o200},
	{"S_IXUSR", S_IXUSR, 0o100},
	{"S_IRWXG", S_IRWXG, 0o070},
	{"S_IRGRP", S_IRGRP, 0o040},
	{"S_IWGRP", S_IWGRP, 0o020},
	{"S_IXGRP", S_IXGRP, 0o010},
	{"S_IRWXO", S_IRWXO, 0o007},
	{"S_IROTH", S_IROTH, 0o004},
	{"S_IWOTH", S_IWOTH, 0o002},
	{"S_IXOTH", S_IXOTH, 0o001},
	// System-specific values (not in Python's portable stat).
	{"SolarisIFNAM", SolarisIFNAM, 0o050000},
	{"SolarisIFDOOR", SolarisIFDOOR, 0o150000},
	{"SolarisIFPORT", SolarisIFPORT, 0o160000},
	{"BSDIFWHT", BSDIFWHT, 0o160000},
}

func TestModeValues(t *testing.T) {
	for _, tc := range modeTable {
		if uint32(tc.mode) != tc.value {
			t.Errorf("%s = %#o, want %#o", tc.name, uint32(tc.mode), tc.value)
		}
	}
	if S_IRWXU|S_IRWXG|S_IRWXO|S_ISUID|S_ISGID|S_ISVTX != ModePermMask || WriteBits != 0o222 {
		t.Errorf("ModePermMask = %#o, WriteBits = %#o", ModePermMask, WriteBits)
	}
}

func TestPredicates(t *testing.T) {
	preds := []struct {
		name string
		f    func(Mode) bool
		typ  Mode // the type it accepts; 0: none
	}{
		{"S_ISDIR", S_ISDIR, S_IFDIR},
		{"S_ISCHR", S_ISCHR, S_IFCHR},
		{"S_ISBLK", S_ISBLK, S_IFBLK},
		{"S_ISREG", S_ISREG, S_IFREG},
		{"S_ISFIFO", S_ISFIFO, S_IFIFO},
		{"S_ISLNK", S_ISLNK, S_IFLNK},
		{"S_ISSOCK", S_ISSOCK, S_IFSOCK},
		{"S_ISDOOR", S_ISDOOR, 0},
		{"S_ISPORT", S_ISPORT, 0},
		{"S_ISWHT", S_ISWHT, 0},
		{"IsDir", Mode.IsDir, S_IFDIR},
		{"IsRegular", Mode.IsRegular, S_IFREG},
		{"IsSymlink", Mode.IsSymlink, S_IFLNK},
	}
	for _, p := range preds {
		t.Run(p.name, func(t *testing.T) {
			for typ := Mode(0); typ <= S_IFMT; typ += 0o10000 {
				for _, perm := range []Mode{0, 0o7777, 0o644} {
					m := typ | perm | 0x70000 // high bits are ignored
					if got, want := p.f(m), p.typ != 0 && typ == p.typ; got != want {
						t.Errorf("%s(%#o) = %v, want %v", p.name, m, got, want)
					}
				}
			}
		})
	}
	m := S_IFDIR | S_ISVTX | 0o755
	if S_IMODE(m) != 0o1755 || m.Perm() != 0o1755 || IFMT(m) != S_IFDIR || m.Type() != S_IFDIR {
		t.Errorf("S_IMODE/IFMT(%#o) = %#o, %#o", m, S_IMODE(m), IFMT(m))
	}
}

func TestFileMode(t *testing.T) {
	tests := []struct {
		m    Mode
		want string
	}{
		{S_IFREG | 0o644, "-rw-r--r--"},
		{S_IFDIR | 0o755, "drwxr-xr-x"},
		{S_IFLNK | 0o777, "lrwxrwxrwx"},
		{S_IFCHR | 0o666, "crw-rw-rw-"},
		{S_IFBLK | 0o660, "brw-rw----"},
		{S_IFIFO | 0o600, "prw-------"},
		{S_IFSOCK | 0o755, "srwxr-xr-x"},
		{S_IFREG | 0o4755, "-rwsr-xr-x"},
		{S_IFREG | 0o4644, "-rwSr--r--"},
		{S_IFREG | 0o2755, "-rwxr-sr-x"},
		{S_IFREG | 0o2745, "-rwxr-Sr-x"},
		{S_IFDIR | 0o1777, "drwxrwxrwt"},
		{S_IFDIR | 0o1776, "drwxrwxrwT"},
		{S_IFREG | 0o7000, "---S--S--T"},
		{0, "?---------"},
		{0o644, "?rw-r--r--"},
		{SolarisIFDOOR | 0o644, "?rw-r--r--"},
		{BSDIFWHT | 0o644, "?rw-r--r--"},
		{S_IFMT | 0o7777, "?rwsrwsrwt"},
		{0xFFFF0000 | S_IFREG | 0o644, "-rw-r--r--"},
	}
	for _, tc := range tests {
		if got := FileMode(tc.m); got != tc.want {
			t.Errorf("FileMode(%#o) = %q, want %q", tc.m, got, tc.want)
		}
		if got := tc.m.String(); got != tc.want {
			t.Errorf("Mode(%#o).String() = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestToFromFileMode(t *testing.T) {
	tests := []struct {
		name string
		m    Mode
		fm   fs.FileMode
		back Mode // FromFileMode(fm); equals m unless noted
	}{
		{"regular", S_IFREG | 0o644, 0o644, S_IFREG | 0o644},
		{"dir", S_IFDIR | 0o755, fs.ModeDir | 0o755, S_IFDIR | 0o755},
		{"symlink", S_IFLNK | 0o777, fs.ModeSymlink | 0o777, S_IFLNK | 0o777},
		{"fifo", S_IFIFO | 0o600, fs.ModeNamedPipe | 0o600, S_IFIFO | 0o600},
		{"socket", S_IFSOCK | 0o755, fs.ModeSocket | 0o755, S_IFSOCK | 0o755},
		{"block", S_IFBLK | 0o660, fs.ModeDevice | 0o660, S_IFBLK | 0o660},
		{"char", S_IFCHR | 0o666, fs.ModeDevice | fs.ModeCharDevice | 0o666, S_IFCHR | 0o666},
		{"setuid", S_IFREG | 0o4755, fs.ModeSetuid | 0o755, S_IFREG | 0o4755},
		{"setgid", S_IFDIR | 0o2775, fs.ModeDir | fs.ModeSetgid | 0o775, S_IFDIR | 0o2775},
		{"sticky", S_IFDIR | 0o1777, fs.ModeDir | fs.ModeSticky | 0o777, S_IFDIR | 0o1777},
		{"no type is regular", 0o640, 0o640, S_IFREG | 0o640},
		{"unknown type", SolarisIFDOOR | 0o644, fs.ModeIrregular | 0o644, 0o644},
		{"mask type", S_IFMT | 0o644, fs.ModeIrregular | 0o644, 0o644},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ToFileMode(tc.m); got != tc.fm {
				t.Errorf("ToFileMode(%#o) = %v, want %v", tc.m, got, tc.fm)
			}
			if got := FromFileMode(tc.fm); got != tc.back {
				t.Errorf("FromFileMode(%v) = %#o, want %#o", tc.fm, got, tc.back)
			}
		})
	}
	// FromFileMode details.
	if got := FromFileMode(fs.ModeCharDevice | 0o600); got != S_IFCHR|0o600 {
		t.Errorf("FromFileMode(ModeCharDevice) = %#o", got)
	}
	if got := FromFileMode(fs.ModeAppend | fs.ModeExclusive | fs.ModeTemporary | 0o600); got != S_IFREG|0o600 {
		t.Errorf("FromFileMode(plan9 bits) = %#o", got)
	}
}

// validTypes are the seven portable file types.
var validTypes = []Mode{S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK}

func TestFileModeRoundTripAll(t *testing.T) {
	for _, typ := range validTypes {
		for perm := Mode(0); perm <= 0o7777; perm++ {
			m := typ | perm
			if back := FromFileMode(ToFileMode(m)); back != m {
				t.Fatalf("FromFileMode(ToFileMode(%#o)) = %#o", m, back)
			}
		}
	}
}

func FuzzRoundTripFileMode(f *testing.F) {
	f.Add(uint32(S_IFREG|0o644), uint32(fs.ModeDir|0o755))
	f.Fuzz(func(t *testing.T, mv, fmv uint32) {
		m := Mode(mv) & (S_IFMT | ModePermMask)
		if validType(m.Type()) {
			if back := FromFileMode(ToFileMode(m)); back != m {
				t.Fatalf("FromFileMode(ToFileMode(%#o)) = %#o", m, back)
			}
		}
		// Any FileMode: converting twice is stable.
		fm := ToFileMode(FromFileMode(fs.FileMode(fmv)))
		if again := ToFileMode(FromFileMode(fm)); again != fm {
			t.Fatalf("not stable: %v -> %v", fm, again)
		}
		if FileMode(Mode(mv))[1:] != FileMode(Mode(mv)&0o7777 | S_IFREG)[1:] {
			t.Fatalf("FileMode permission part depends on the type for %#o", mv)
		}
	})
}
