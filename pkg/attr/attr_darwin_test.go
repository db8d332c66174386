package attr

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestDarwinFlagsMatchXSys cross-checks DarwinFlags against golang.org/x/sys/unix.
func TestDarwinFlagsMatchXSys(t *testing.T) {
	tests := []struct {
		name string
		got  DarwinFlags
		want uint32
	}{
		{"UF_NODUMP", DarwinUF_NODUMP, unix.UF_NODUMP},
		{"UF_IMMUTABLE", DarwinUF_IMMUTABLE, unix.UF_IMMUTABLE},
		{"UF_APPEND", DarwinUF_APPEND, unix.UF_APPEND},
		{"UF_OPAQUE", DarwinUF_OPAQUE, unix.UF_OPAQUE},
		{"UF_COMPRESSED", DarwinUF_COMPRESSED, unix.UF_COMPRESSED},
		{"UF_TRACKED", DarwinUF_TRACKED, unix.UF_TRACKED},
		{"UF_DATAVAULT", DarwinUF_DATAVAULT, unix.UF_DATAVAULT},
		{"UF_HIDDEN", DarwinUF_HIDDEN, unix.UF_HIDDEN},
		{"UF_SETTABLE", DarwinUF_SETTABLE, unix.UF_SETTABLE},
		{"SF_ARCHIVED", DarwinSF_ARCHIVED, unix.SF_ARCHIVED},
		{"SF_IMMUTABLE", DarwinSF_IMMUTABLE, unix.SF_IMMUTABLE},
		{"SF_APPEND", DarwinSF_APPEND, unix.SF_APPEND},
		{"SF_RESTRICTED", DarwinSF_RESTRICTED, unix.SF_RESTRICTED},
		{"SF_NOUNLINK", DarwinSF_NOUNLINK, unix.SF_NOUNLINK},
		{"SF_FIRMLINK", DarwinSF_FIRMLINK, unix.SF_FIRMLINK},
		{"SF_DATALESS", DarwinSF_DATALESS, unix.SF_DATALESS},
		{"SF_SETTABLE", DarwinSF_SETTABLE, unix.SF_SETTABLE},
		{"SF_SUPPORTED", DarwinSF_SUPPORTED, unix.SF_SUPPORTED},
		{"SF_SYNTHETIC", DarwinSF_SYNTHETIC, unix.SF_SYNTHETIC},
	}
	for _, tc := range tests {
		if uint32(tc.got) != tc.want {
			t.Errorf("%s = %#x, x/sys/unix %#x", tc.name, uint32(tc.got), tc.want)
		}
	}
	// The whiteout type is the BSD value on macOS.
	if BSDIFWHT != unix.S_IFWHT {
		t.Errorf("BSDIFWHT = %#o, x/sys/unix S_IFWHT %#o", BSDIFWHT, unix.S_IFWHT)
	}
}
