package fuseutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// bits are made-up values, so that the test sees each field used.
var bits = OpenBits{AccMode: 0x3, WriteOnly: 0x1, ReadWrite: 0x2, Append: 0x10, Truncate: 0x20, Sync: 0x40 | 0x80, Direct: 0x100}

func TestOpen(t *testing.T) {
	rw := fs.AccessRead | fs.AccessWrite
	for _, tt := range []struct {
		name   string
		bits   OpenBits
		flags  int
		access fs.Access
		of     fs.OpenFlags
	}{
		{"read-only", bits, 0, fs.AccessRead, 0},
		{"write-only", bits, 0x1, fs.AccessWrite, 0},
		{"read-write", bits, 0x2, rw, 0},
		{"append", bits, 0x1 | 0x10, fs.AccessWrite, fs.OpenAppend},
		{"truncate", bits, 0x2 | 0x20, rw, fs.OpenTruncate},
		{"sync", bits, 0x2 | 0x40, rw, fs.OpenSync},
		{"dsync", bits, 0x1 | 0x80, fs.AccessWrite, fs.OpenSync},
		{"direct", bits, 0x100, fs.AccessRead, fs.OpenDirectIO},
		{"all", bits, 0x2 | 0x10 | 0x20 | 0x40 | 0x100, rw, fs.OpenAppend | fs.OpenTruncate | fs.OpenSync | fs.OpenDirectIO},
		{"unknown bits ignored", bits, 0x2 | 0x1000, rw, 0},
		{"a layer without sync and direct", OpenBits{AccMode: 0x3, WriteOnly: 0x1, ReadWrite: 0x2}, 0x2 | 0x40 | 0x100, rw, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			access, of := tt.bits.Open(tt.flags)
			if access != tt.access || of != tt.of {
				t.Errorf("Open(%#x) = %v, %v; want %v, %v", tt.flags, access, of, tt.access, tt.of)
			}
		})
	}
}

func TestXattrFlags(t *testing.T) {
	for _, tt := range []struct {
		flags, create, replace int
		want                   fs.XattrFlags
	}{
		{0, 1, 2, 0},
		{1, 1, 2, fs.XattrCreate},
		{2, 1, 2, fs.XattrReplace},
		{2, 2, 4, fs.XattrCreate}, // macOS numbering
		{4, 2, 4, fs.XattrReplace},
		{1, 2, 4, 0}, // XATTR_NOFOLLOW on macOS
	} {
		if got := XattrFlags(tt.flags, tt.create, tt.replace); got != tt.want {
			t.Errorf("XattrFlags(%d, %d, %d) = %v, want %v", tt.flags, tt.create, tt.replace, got, tt.want)
		}
	}
}

func TestErrnos(t *testing.T) {
	table := Errnos[int]{fs.OK: 0, fs.EIO: 5, fs.ENOENT: 2}
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{fs.ErrNotExist, 2},
		{fmt.Errorf("open /x: %w", fs.ErrNotExist), 2},
		{fs.ErrNotEmpty, 5}, // no row: EIO
		{errors.New("something odd"), 5},
	} {
		if got := table.Of(tt.err); got != tt.want {
			t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	want := 0
	for _, code := range fs.Errnos() {
		if code != fs.EIO && code != fs.ENOENT && code != fs.OK {
			want++
		}
	}
	if got := len(table.Missing()); got != want {
		t.Errorf("Missing() has %d codes, want %d", got, want)
	}
	conv := Convert(table, func(e int) uintptr { return uintptr(e) * 10 })
	if len(conv) != len(table) || conv[fs.ENOENT] != 20 {
		t.Errorf("Convert = %v", conv)
	}
}

// TestNoAllocs checks that the flag translations of every open and setxattr
// allocate nothing.
func TestNoAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"OpenBits.Open", func() { bits.Open(0x2 | 0x10 | 0x40 | 0x100) }},
		{"XattrFlags", func() { XattrFlags(3, 1, 2) }},
	} {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
}
