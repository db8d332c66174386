package attr

import (
	"strings"
	"testing"
)

// bsdFlagTable is every FreeBSD / WinFsp-FUSE flag (FreeBSD sys/stat.h, cgofuse
// fuse/fsop_cgo.go, cbfs-digest §4.4-4.5).
var bsdFlagTable = []struct {
	name  string
	flag  BSDFlags
	value uint32
}{
	{"UF_NODUMP", UF_NODUMP, 0x00000001},
	{"UF_IMMUTABLE", UF_IMMUTABLE, 0x00000002},
	{"UF_APPEND", UF_APPEND, 0x00000004},
	{"UF_OPAQUE", UF_OPAQUE, 0x00000008},
	{"UF_NOUNLINK", UF_NOUNLINK, 0x00000010},
	{"UF_SYSTEM", UF_SYSTEM, 0x00000080},
	{"UF_SPARSE", UF_SPARSE, 0x00000100},
	{"UF_OFFLINE", UF_OFFLINE, 0x00000200},
	{"UF_REPARSE", UF_REPARSE, 0x00000400},
	{"UF_ARCHIVE", UF_ARCHIVE, 0x00000800},
	{"UF_READONLY", UF_READONLY, 0x00001000},
	{"UF_HIDDEN", UF_HIDDEN, 0x00008000},
	{"SF_ARCHIVED", SF_ARCHIVED, 0x00010000},
	{"SF_IMMUTABLE", SF_IMMUTABLE, 0x00020000},
	{"SF_APPEND", SF_APPEND, 0x00040000},
	{"SF_NOUNLINK", SF_NOUNLINK, 0x00100000},
	{"SF_SNAPSHOT", SF_SNAPSHOT, 0x00200000},
}

// darwinFlagTable is every macOS flag (x/sys/unix zerrors_darwin_*.go).
var darwinFlagTable = []struct {
	name  string
	flag  DarwinFlags
	value uint32
}{
	{"UF_NODUMP", DarwinUF_NODUMP, 0x00000001},
	{"UF_IMMUTABLE", DarwinUF_IMMUTABLE, 0x00000002},
	{"UF_APPEND", DarwinUF_APPEND, 0x00000004},
	{"UF_OPAQUE", DarwinUF_OPAQUE, 0x00000008},
	{"UF_COMPRESSED", DarwinUF_COMPRESSED, 0x00000020},
	{"UF_TRACKED", DarwinUF_TRACKED, 0x00000040},
	{"UF_DATAVAULT", DarwinUF_DATAVAULT, 0x00000080},
	{"UF_HIDDEN", DarwinUF_HIDDEN, 0x00008000},
	{"SF_ARCHIVED", DarwinSF_ARCHIVED, 0x00010000},
	{"SF_IMMUTABLE", DarwinSF_IMMUTABLE, 0x00020000},
	{"SF_APPEND", DarwinSF_APPEND, 0x00040000},
	{"SF_RESTRICTED", DarwinSF_RESTRICTED, 0x00080000},
	{"SF_NOUNLINK", DarwinSF_NOUNLINK, 0x00100000},
	{"SF_FIRMLINK", DarwinSF_FIRMLINK, 0x00800000},
	{"SF_DATALESS", DarwinSF_DATALESS, 0x40000000},
}

// darwinMaskTable are the macOS masks (not single flags).
var darwinMaskTable = []struct {
	name  string
	flag  DarwinFlags
	value uint32
}{
	{"UF_SETTABLE", DarwinUF_SETTABLE, 0x0000ffff},
	{"SF_SETTABLE", DarwinSF_SETTABLE, 0x3fff0000},
	{"SF_SUPPORTED", DarwinSF_SUPPORTED, 0x009f0000},
	{"SF_SYNTHETIC", DarwinSF_SYNTHETIC, 0xc0000000},
}

func TestBSDFlagValues(t *testing.T) {
	var all BSDFlags
	for _, tc := range bsdFlagTable {
		if uint32(tc.flag) != tc.value {
			t.Errorf("%s = %#x, want %#x", tc.name, uint32(tc.flag), tc.value)
		}
		if got := tc.flag.String(); got != tc.name {
			t.Errorf("%s.String() = %q", tc.name, got)
		}
		if got, err := ParseBSDFlags(strings.ToLower(tc.name)); err != nil || got != tc.flag {
			t.Errorf("ParseBSDFlags(%q) = %v, %v", tc.name, got, err)
		}
		all |= tc.flag
	}
	if UF_SETTABLE != 0xffff || SF_SETTABLE != 0xffff0000 {
		t.Errorf("UF_SETTABLE = %#x, SF_SETTABLE = %#x", uint32(UF_SETTABLE), uint32(SF_SETTABLE))
	}
	if all&^(UF_SETTABLE|SF_SETTABLE) != 0 {
		t.Errorf("flags outside the settable masks: %v", all&^(UF_SETTABLE|SF_SETTABLE))
	}
	if WinFspFlags != 0x8000|0x1000|0x80|0x800 {
		t.Errorf("WinFspFlags = %v", WinFspFlags)
	}
}

func TestDarwinFlagValues(t *testing.T) {
	for _, tc := range darwinFlagTable {
		if uint32(tc.flag) != tc.value {
			t.Errorf("Darwin%s = %#x, want %#x", tc.name, uint32(tc.flag), tc.value)
		}
		if got := tc.flag.String(); got != tc.name {
			t.Errorf("Darwin%s.String() = %q", tc.name, got)
		}
		if got, err := ParseDarwinFlags(tc.name); err != nil || got != tc.flag {
			t.Errorf("ParseDarwinFlags(%q) = %v, %v", tc.name, got, err)
		}
	}
	for _, tc := range darwinMaskTable {
		if uint32(tc.flag) != tc.value {
			t.Errorf("Darwin%s = %#x, want %#x", tc.name, uint32(tc.flag), tc.value)
		}
	}
}

func TestFlagsString(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{BSDFlags(0).String(), "0"},
		{(UF_HIDDEN | UF_ARCHIVE).String(), "UF_ARCHIVE|UF_HIDDEN"},
		{(UF_SYSTEM | SF_IMMUTABLE | 0x4000).String(), "UF_SYSTEM|SF_IMMUTABLE|0x4000"},
		{BSDFlags(0x80).String(), "UF_SYSTEM"},
		{DarwinFlags(0x80).String(), "UF_DATAVAULT"},
		{(DarwinUF_HIDDEN | DarwinSF_DATALESS).String(), "UF_HIDDEN|SF_DATALESS"},
		{DarwinFlags(0x100).String(), "0x100"},
		{DarwinFlags(0).String(), "0"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
	if _, err := ParseBSDFlags("UF_DATAVAULT"); err == nil || !strings.Contains(err.Error(), `"UF_DATAVAULT"`) {
		t.Errorf("ParseBSDFlags(UF_DATAVAULT) error = %v", err)
	}
	if _, err := ParseDarwinFlags("UF_SYSTEM"); err == nil {
		t.Errorf("ParseDarwinFlags(UF_SYSTEM) succeeded")
	}
}

func FuzzRoundTripFlagsString(f *testing.F) {
	f.Add(uint32(0x8080))
	f.Fuzz(func(t *testing.T, v uint32) {
		if b, err := ParseBSDFlags(BSDFlags(v).String()); err != nil || b != BSDFlags(v) {
			t.Fatalf("BSD %#x: %v, %v", v, b, err)
		}
		if d, err := ParseDarwinFlags(DarwinFlags(v).String()); err != nil || d != DarwinFlags(v) {
			t.Fatalf("Darwin %#x: %v, %v", v, d, err)
		}
	})
}
