package attr

import (
	"math/rand"
	"testing"
)

func TestFromPOSIX(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		flags BSDFlags
		want  FileAttributes
	}{
		{"regular", S_IFREG | 0o644, 0, Normal},
		{"regular group write only", S_IFREG | 0o464, 0, Normal},
		{"regular read-only", S_IFREG | 0o444, 0, ReadOnly},
		{"regular no permissions", S_IFREG, 0, ReadOnly},
		{"no type", 0o644, 0, Normal},
		{"no type read-only", 0o444, 0, ReadOnly},
		{"directory", S_IFDIR | 0o755, 0, Directory},
		{"directory without write", S_IFDIR | 0o555, 0, Directory},
		{"directory UF_READONLY", S_IFDIR | 0o755, UF_READONLY, Directory | ReadOnly},
		{"symlink", S_IFLNK | 0o777, 0, ReparsePoint},
		{"symlink without write", S_IFLNK | 0o555, 0, ReparsePoint},
		{"fifo", S_IFIFO | 0o644, 0, Normal},
		{"socket", S_IFSOCK | 0o755, 0, Normal},
		{"char device", S_IFCHR | 0o666, 0, Normal},
		{"block device read-only", S_IFBLK | 0o440, 0, ReadOnly},
		{"UF_HIDDEN", S_IFREG | 0o644, UF_HIDDEN, Hidden},
		{"UF_SYSTEM", S_IFREG | 0o644, UF_SYSTEM, System},
		{"UF_ARCHIVE", S_IFREG | 0o644, UF_ARCHIVE, Archive},
		{"UF_SPARSE", S_IFREG | 0o644, UF_SPARSE, SparseFile},
		{"UF_OFFLINE", S_IFREG | 0o644, UF_OFFLINE, Offline},
		{"UF_REPARSE", S_IFREG | 0o644, UF_REPARSE, ReparsePoint},
		{"UF_REPARSE dir", S_IFDIR | 0o755, UF_REPARSE, Directory | ReparsePoint},
		{"UF_READONLY", S_IFREG | 0o644, UF_READONLY, ReadOnly},
		{"UF_READONLY and mode", S_IFREG | 0o444, UF_READONLY, ReadOnly},
		{"UF_IMMUTABLE", S_IFREG | 0o644, UF_IMMUTABLE, ReadOnly},
		{"SF_IMMUTABLE", S_IFDIR | 0o755, SF_IMMUTABLE, Directory | ReadOnly},
		{"UF_NODUMP", S_IFREG | 0o644, UF_NODUMP, Normal},
		{"UF_APPEND", S_IFREG | 0o644, UF_APPEND, Normal},
		{"UF_OPAQUE", S_IFDIR | 0o755, UF_OPAQUE, Directory},
		{"UF_NOUNLINK", S_IFREG | 0o644, UF_NOUNLINK, Normal},
		{"SF_ARCHIVED", S_IFREG | 0o644, SF_ARCHIVED, Normal},
		{"SF_APPEND", S_IFREG | 0o644, SF_APPEND, Normal},
		{"SF_NOUNLINK", S_IFREG | 0o644, SF_NOUNLINK, Normal},
		{"SF_SNAPSHOT", S_IFREG | 0o644, SF_SNAPSHOT, Normal},
		{"all windows flags", S_IFREG | 0o644, WindowsBSDFlags, ReadOnly | Hidden | System | Archive | SparseFile | Offline | ReparsePoint},
		{"winfsp flags on dir", S_IFDIR | 0o755, WinFspFlags, Directory | ReadOnly | Hidden | System | Archive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromPOSIX(tc.mode, tc.flags); got != tc.want {
				t.Errorf("FromPOSIX(%#o, %v) = %v, want %v", tc.mode, tc.flags, got, tc.want)
			}
		})
	}
}

func TestToPOSIX(t *testing.T) {
	tests := []struct {
		name      string
		a         FileAttributes
		prev      Mode
		wantMode  Mode
		wantFlags BSDFlags
		dropped   FileAttributes
	}{
		{"new normal file", Normal, 0, S_IFREG | 0o644, 0, 0},
		{"new zero", 0, 0, S_IFREG | 0o644, 0, 0},
		{"new read-only file", ReadOnly, 0, S_IFREG | 0o444, UF_READONLY, 0},
		{"new directory", Directory, 0, S_IFDIR | 0o755, 0, 0},
		{"new read-only directory", Directory | ReadOnly, 0, S_IFDIR | 0o755, UF_READONLY, 0},
		{"new symlink", ReparsePoint, 0, S_IFLNK | 0o777, 0, 0},
		{"new junction", Directory | ReparsePoint, 0, S_IFDIR | 0o755, UF_REPARSE, 0},
		{"new with perms", Hidden, 0o600, S_IFREG | 0o600, UF_HIDDEN, 0},
		{"new dir with perms", Directory, 0o700, S_IFDIR | 0o700, 0, 0},
		{"keep perms", Archive, S_IFREG | 0o4750, S_IFREG | 0o4750, UF_ARCHIVE, 0},
		{"set read-only", ReadOnly, S_IFREG | 0o666, S_IFREG | 0o444, UF_READONLY, 0},
		{"set read-only keeps special", ReadOnly, S_IFREG | 0o6775, S_IFREG | 0o6555, UF_READONLY, 0},
		{"clear read-only", Normal, S_IFREG | 0o444, S_IFREG | 0o644, 0, 0},
		{"clear read-only no perms", Normal, S_IFREG, S_IFREG | 0o200, 0, 0},
		{"clear read-only partial", Normal, S_IFREG | 0o464, S_IFREG | 0o464, 0, 0},
		{"read-only dir keeps write", Directory | ReadOnly, S_IFDIR | 0o775, S_IFDIR | 0o775, UF_READONLY, 0},
		{"dir without write stays", Directory, S_IFDIR | 0o555, S_IFDIR | 0o555, 0, 0},
		{"symlink stays", ReparsePoint, S_IFLNK | 0o777, S_IFLNK | 0o777, 0, 0},
		{"directory symlink", Directory | ReparsePoint, S_IFLNK | 0o777, S_IFLNK | 0o777, 0, Directory},
		{"read-only symlink", ReparsePoint | ReadOnly, S_IFLNK | 0o777, S_IFLNK | 0o777, UF_READONLY, 0},
		{"reparse on file", ReparsePoint, S_IFREG | 0o644, S_IFREG | 0o644, UF_REPARSE, 0},
		{"reparse on dir", Directory | ReparsePoint, S_IFDIR | 0o755, S_IFDIR | 0o755, UF_REPARSE, 0},
		{"reparse on fifo", ReparsePoint, S_IFIFO | 0o600, S_IFIFO | 0o600, UF_REPARSE, 0},
		{"fifo stays", Normal, S_IFIFO | 0o600, S_IFIFO | 0o600, 0, 0},
		{"socket stays", Hidden, S_IFSOCK | 0o755, S_IFSOCK | 0o755, UF_HIDDEN, 0},
		{"char device stays", ReadOnly, S_IFCHR | 0o666, S_IFCHR | 0o444, UF_READONLY, 0},
		{"block device stays", Normal, S_IFBLK | 0o660, S_IFBLK | 0o660, 0, 0},
		{"device attribute dropped", Device, S_IFCHR | 0o666, S_IFCHR | 0o666, 0, Device},
		{"dir loses directory", Archive, S_IFDIR | 0o755, S_IFREG | 0o644, UF_ARCHIVE, 0},
		{"symlink loses reparse", Normal, S_IFLNK | 0o777, S_IFREG | 0o644, 0, 0},
		{"file becomes dir", Directory, S_IFREG | 0o600, S_IFDIR | 0o755, 0, 0},
		{"unknown type", Normal, SolarisIFDOOR | 0o644, S_IFREG | 0o644, 0, 0},
		{"hidden", Hidden, S_IFREG | 0o644, S_IFREG | 0o644, UF_HIDDEN, 0},
		{"system", System, S_IFREG | 0o644, S_IFREG | 0o644, UF_SYSTEM, 0},
		{"archive", Archive, S_IFREG | 0o644, S_IFREG | 0o644, UF_ARCHIVE, 0},
		{"sparse", SparseFile, S_IFREG | 0o644, S_IFREG | 0o644, UF_SPARSE, 0},
		{"offline", Offline, S_IFREG | 0o644, S_IFREG | 0o644, UF_OFFLINE, 0},
		{"temporary", Temporary, S_IFREG | 0o644, S_IFREG | 0o644, 0, Temporary},
		{"compressed", Compressed, S_IFREG | 0o644, S_IFREG | 0o644, 0, Compressed},
		{"not content indexed", NotContentIndexed, S_IFREG | 0o644, S_IFREG | 0o644, 0, NotContentIndexed},
		{"encrypted", Encrypted, S_IFREG | 0o644, S_IFREG | 0o644, 0, Encrypted},
		{"integrity stream", IntegrityStream, S_IFREG | 0o644, S_IFREG | 0o644, 0, IntegrityStream},
		{"virtual", Virtual, S_IFREG | 0o644, S_IFREG | 0o644, 0, Virtual},
		{"no scrub data", NoScrubData, S_IFREG | 0o644, S_IFREG | 0o644, 0, NoScrubData},
		{"recall on open", RecallOnOpen, S_IFREG | 0o644, S_IFREG | 0o644, 0, RecallOnOpen},
		{"pinned", Pinned, S_IFREG | 0o644, S_IFREG | 0o644, 0, Pinned},
		{"unpinned", Unpinned, S_IFREG | 0o644, S_IFREG | 0o644, 0, Unpinned},
		{"recall on data access", RecallOnDataAccess, S_IFREG | 0o644, S_IFREG | 0o644, 0, RecallOnDataAccess},
		{"unknown bits", 0x80000000 | Hidden, S_IFREG | 0o644, S_IFREG | 0o644, UF_HIDDEN, 0x80000000},
		{"normal with others", Normal | Hidden, S_IFREG | 0o644, S_IFREG | 0o644, UF_HIDDEN, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, f := ToPOSIX(tc.a, tc.prev)
			if m != tc.wantMode || f != tc.wantFlags {
				t.Errorf("ToPOSIX(%v, %#o) = %#o, %v; want %#o, %v", tc.a, tc.prev, m, f, tc.wantMode, tc.wantFlags)
			}
			if f&^WindowsBSDFlags != 0 {
				t.Errorf("flags outside WindowsBSDFlags: %v", f)
			}
			if d := DroppedByPOSIX(tc.a, tc.prev); d != tc.dropped {
				t.Errorf("DroppedByPOSIX(%v, %#o) = %v, want %v", tc.a, tc.prev, d, tc.dropped)
			}
		})
	}
}

func TestFromDarwin(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		flags DarwinFlags
		want  FileAttributes
	}{
		{"regular", S_IFREG | 0o644, 0, Normal},
		{"read-only", S_IFREG | 0o444, 0, ReadOnly},
		{"directory", S_IFDIR | 0o555, 0, Directory},
		{"symlink", S_IFLNK | 0o755, 0, ReparsePoint},
		{"UF_HIDDEN", S_IFREG | 0o644, DarwinUF_HIDDEN, Hidden},
		{"UF_IMMUTABLE", S_IFREG | 0o644, DarwinUF_IMMUTABLE, ReadOnly},
		{"SF_IMMUTABLE", S_IFDIR | 0o755, DarwinSF_IMMUTABLE, Directory | ReadOnly},
		{"UF_COMPRESSED", S_IFREG | 0o644, DarwinUF_COMPRESSED, Compressed},
		{"SF_DATALESS", S_IFREG | 0o644, DarwinSF_DATALESS, RecallOnDataAccess},
		{"UF_DATAVAULT is not SYSTEM", S_IFREG | 0o644, DarwinUF_DATAVAULT, Normal},
		{"SF_ARCHIVED is not ARCHIVE", S_IFREG | 0o644, DarwinSF_ARCHIVED, Normal},
		{"UF_NODUMP", S_IFREG | 0o644, DarwinUF_NODUMP, Normal},
		{"UF_APPEND", S_IFREG | 0o644, DarwinUF_APPEND, Normal},
		{"UF_OPAQUE", S_IFDIR | 0o755, DarwinUF_OPAQUE, Directory},
		{"UF_TRACKED", S_IFREG | 0o644, DarwinUF_TRACKED, Normal},
		{"SF_APPEND", S_IFREG | 0o644, DarwinSF_APPEND, Normal},
		{"SF_RESTRICTED", S_IFREG | 0o644, DarwinSF_RESTRICTED, Normal},
		{"SF_NOUNLINK", S_IFREG | 0o644, DarwinSF_NOUNLINK, Normal},
		{"SF_FIRMLINK", S_IFDIR | 0o755, DarwinSF_FIRMLINK, Directory},
		{"UF_SYSTEM value 0x80 is not SYSTEM", S_IFREG | 0o644, DarwinFlags(UF_SYSTEM), Normal},
		{"UF_READONLY value 0x1000 is not READONLY", S_IFREG | 0o644, DarwinFlags(UF_READONLY), Normal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromDarwin(tc.mode, tc.flags); got != tc.want {
				t.Errorf("FromDarwin(%#o, %v) = %v, want %v", tc.mode, tc.flags, got, tc.want)
			}
		})
	}
}

func TestToDarwin(t *testing.T) {
	tests := []struct {
		name      string
		a         FileAttributes
		prev      Mode
		wantMode  Mode
		wantFlags DarwinFlags
		dropped   FileAttributes
	}{
		{"new file", Normal, 0, S_IFREG | 0o644, 0, 0},
		{"read-only file", ReadOnly, S_IFREG | 0o664, S_IFREG | 0o444, 0, 0},
		{"clear read-only", Normal, S_IFREG | 0o444, S_IFREG | 0o644, 0, 0},
		{"read-only directory", Directory | ReadOnly, S_IFDIR | 0o755, S_IFDIR | 0o755, 0, ReadOnly},
		{"hidden", Hidden, S_IFREG | 0o644, S_IFREG | 0o644, DarwinUF_HIDDEN, 0},
		{"system", System, S_IFREG | 0o644, S_IFREG | 0o644, 0, System},
		{"archive", Archive, S_IFREG | 0o644, S_IFREG | 0o644, 0, Archive},
		{"sparse", SparseFile, S_IFREG | 0o644, S_IFREG | 0o644, 0, SparseFile},
		{"offline", Offline, S_IFREG | 0o644, S_IFREG | 0o644, 0, Offline},
		{"compressed", Compressed, S_IFREG | 0o644, S_IFREG | 0o644, 0, Compressed},
		{"recall on data access", RecallOnDataAccess, S_IFREG | 0o644, S_IFREG | 0o644, 0, RecallOnDataAccess},
		{"symlink", ReparsePoint, S_IFLNK | 0o755, S_IFLNK | 0o755, 0, 0},
		{"reparse on file", ReparsePoint, S_IFREG | 0o644, S_IFREG | 0o644, 0, ReparsePoint},
		{"directory", Directory | Hidden, 0, S_IFDIR | 0o755, DarwinUF_HIDDEN, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, f := ToDarwin(tc.a, tc.prev)
			if m != tc.wantMode || f != tc.wantFlags {
				t.Errorf("ToDarwin(%v, %#o) = %#o, %v; want %#o, %v", tc.a, tc.prev, m, f, tc.wantMode, tc.wantFlags)
			}
			if f&^DarwinWindowsFlags != 0 {
				t.Errorf("flags outside DarwinWindowsFlags: %v", f)
			}
			if d := DroppedByDarwin(tc.a, tc.prev); d != tc.dropped {
				t.Errorf("DroppedByDarwin(%v, %#o) = %v, want %v", tc.a, tc.prev, d, tc.dropped)
			}
		})
	}
}

// TestEveryAttributeBothWays checks, bit by bit, what each attribute becomes in
// both namespaces and whether it comes back.
func TestEveryAttributeBothWays(t *testing.T) {
	posixKept := ReadOnly | Hidden | System | Directory | Archive | SparseFile | ReparsePoint | Offline | Normal
	darwinKept := ReadOnly | Hidden | Directory | Normal // not ReparsePoint on a regular file
	for _, tc := range fileAttributeTable {
		t.Run(tc.cName, func(t *testing.T) {
			prev := S_IFREG | 0o644
			if got := FromPOSIX(ToPOSIX(tc.attr, prev)); (got == tc.attr) != (tc.attr&posixKept != 0) {
				t.Errorf("POSIX round trip of %v gives %v", tc.attr, got)
			}
			if got := FromDarwin(ToDarwin(tc.attr, prev)); (got == tc.attr) != (tc.attr&darwinKept != 0) {
				t.Errorf("Darwin round trip of %v gives %v", tc.attr, got)
			}
		})
	}
	for _, tc := range bsdFlagTable {
		t.Run(tc.name, func(t *testing.T) {
			a := FromPOSIX(S_IFREG|0o644, tc.flag)
			_, f := ToPOSIX(a, S_IFREG|0o644)
			want := tc.flag & WindowsBSDFlags
			if tc.flag&(UF_IMMUTABLE|SF_IMMUTABLE) != 0 {
				want = UF_READONLY // immutable is presented as read-only
			}
			if f != want {
				t.Errorf("%s -> %v -> %v, want %v", tc.name, a, f, want)
			}
		})
	}
	for _, tc := range darwinFlagTable {
		t.Run("Darwin"+tc.name, func(t *testing.T) {
			a := FromDarwin(S_IFREG|0o644, tc.flag)
			_, f := ToDarwin(a, S_IFREG|0o644)
			if want := tc.flag & DarwinWindowsFlags; f != want {
				t.Errorf("%s -> %v -> %v, want %v", tc.name, a, f, want)
			}
		})
	}
}

// checkPOSIXRoundTrip checks the round-trip invariants of docs/attributes.md for
// one mode, flag set and attribute set.
func checkPOSIXRoundTrip(t *testing.T, m Mode, f BSDFlags, a FileAttributes) {
	t.Helper()
	// Attributes derived from a valid mode are stable.
	if validType(m.Type()) {
		a1 := FromPOSIX(m, f)
		m2, f2 := ToPOSIX(a1, m)
		if a2 := FromPOSIX(m2, f2); a2 != a1 {
			t.Fatalf("FromPOSIX(%#o, %v) = %v, but ToPOSIX gives %#o, %v -> %v", m, f, a1, m2, f2, a2)
		}
		if m2.Type() != m.Type() {
			t.Fatalf("type of %#o changed to %#o", m, m2)
		}
		if m2&^WriteBits != m&^WriteBits {
			t.Fatalf("ToPOSIX(FromPOSIX(%#o)) changed more than write bits: %#o", m, m2)
		}
		// Merged flags keep the non-Windows flags.
		if merged := f&^WindowsBSDFlags | f2; merged&^WindowsBSDFlags != f&^WindowsBSDFlags {
			t.Fatalf("merge lost flags: %v", merged)
		}
	}
	// Attributes applied then read back lose exactly the dropped bits.
	m3, f3 := ToPOSIX(a, m)
	d := DroppedByPOSIX(a, m)
	if got, want := FromPOSIX(m3, f3), (a &^ d).normalized(); got != want {
		t.Fatalf("FromPOSIX(ToPOSIX(%v, %#o)) = %v, want %v (dropped %v)", a, m, got, want, d)
	}
	if d&^(KnownFileAttributes|0xFFFFFFFF) != 0 || d&Normal != 0 {
		t.Fatalf("dropped %v", d)
	}
	if !validType(m3.Type()) {
		t.Fatalf("ToPOSIX(%v, %#o) gave invalid type %#o", a, m, m3)
	}
	if f3&^WindowsBSDFlags != 0 {
		t.Fatalf("ToPOSIX flags %v outside WindowsBSDFlags", f3)
	}
}

func checkDarwinRoundTrip(t *testing.T, m Mode, f DarwinFlags, a FileAttributes) {
	t.Helper()
	if validType(m.Type()) {
		a1 := FromDarwin(m, f)
		m2, f2 := ToDarwin(a1, m)
		// One-way flags (compressed, dataless) come back when merged.
		f2 = f&^DarwinWindowsFlags | f2
		if a2 := FromDarwin(m2, f2); a2 != a1 {
			t.Fatalf("FromDarwin(%#o, %v) = %v, but ToDarwin gives %#o, %v -> %v", m, f, a1, m2, f2, a2)
		}
	}
	m3, f3 := ToDarwin(a, m)
	d := DroppedByDarwin(a, m)
	if got, want := FromDarwin(m3, f3), (a &^ d).normalized(); got != want {
		t.Fatalf("FromDarwin(ToDarwin(%v, %#o)) = %v, want %v", a, m, got, want)
	}
	if pd := DroppedByPOSIX(a, m); pd&^d != 0 {
		t.Fatalf("POSIX drops %v that Darwin keeps", pd&^d)
	}
}

// TestRoundTripProperties checks the invariants on every valid type, all 4096
// permission/special combinations and random flags and attributes.
func TestRoundTripProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, typ := range append(validTypes, 0, SolarisIFDOOR, S_IFMT) {
		for perm := Mode(0); perm <= 0o7777; perm++ {
			m := typ | perm
			f := BSDFlags(rng.Uint32())
			a := FileAttributes(rng.Uint32())
			checkPOSIXRoundTrip(t, m, f, a)
			checkPOSIXRoundTrip(t, m, f&WinFspFlags, a&KnownFileAttributes)
			checkPOSIXRoundTrip(t, m, 0, FileAttributes(1)<<(perm%32))
			checkDarwinRoundTrip(t, m, DarwinFlags(f), a)
			checkDarwinRoundTrip(t, m, 0, FileAttributes(1)<<(perm%32))
		}
	}
}

func FuzzRoundTripPOSIX(f *testing.F) {
	f.Add(uint32(S_IFREG|0o644), uint32(0), uint32(Normal))
	f.Add(uint32(S_IFDIR|0o755), uint32(UF_HIDDEN|UF_READONLY), uint32(Directory|ReparsePoint))
	f.Add(uint32(S_IFLNK|0o777), uint32(UF_REPARSE), uint32(ReadOnly|Directory|ReparsePoint))
	f.Fuzz(func(t *testing.T, m, fl, a uint32) {
		checkPOSIXRoundTrip(t, Mode(m), BSDFlags(fl), FileAttributes(a))
	})
}

func FuzzRoundTripDarwin(f *testing.F) {
	f.Add(uint32(S_IFREG|0o644), uint32(0), uint32(Normal))
	f.Add(uint32(S_IFREG|0o444), uint32(DarwinSF_DATALESS|DarwinUF_COMPRESSED), uint32(Hidden|System))
	f.Fuzz(func(t *testing.T, m, fl, a uint32) {
		checkDarwinRoundTrip(t, Mode(m), DarwinFlags(fl), FileAttributes(a))
	})
}
