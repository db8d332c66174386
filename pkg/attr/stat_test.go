package attr

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestStatFromByHandle(t *testing.T) {
	ct, _ := FiletimeFromTime(time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC))
	at, _ := FiletimeFromTime(time.Date(2021, 1, 2, 3, 4, 5, 700, time.UTC))
	wt, _ := FiletimeFromTime(time.Date(2022, 1, 2, 3, 4, 5, 800, time.UTC))
	tests := []struct {
		name string
		b    ByHandleFileInformation
		want Stat
	}{
		{
			name: "file",
			b: ByHandleFileInformation{
				FileAttributes: Archive | Hidden, CreationTime: ct, LastAccessTime: at, LastWriteTime: wt,
				VolumeSerialNumber: 0xDEADBEEF, FileSizeHigh: 1, FileSizeLow: 2, NumberOfLinks: 3,
				FileIndexHigh: 0x10, FileIndexLow: 0x20,
			},
			want: Stat{
				Dev: 0xDEADBEEF, Ino: 0x10_0000_0020, Mode: S_IFREG | 0o644, Nlink: 3, Size: 1<<32 + 2,
				Atime: at.Time(), Mtime: wt.Time(), Ctime: wt.Time(), Birthtime: ct.Time(),
				Flags: UF_ARCHIVE | UF_HIDDEN,
			},
		},
		{
			name: "read-only directory without times",
			b:    ByHandleFileInformation{FileAttributes: Directory | ReadOnly, NumberOfLinks: 1},
			want: Stat{Mode: S_IFDIR | 0o755, Nlink: 1, Flags: UF_READONLY},
		},
		{
			name: "read-only file",
			b:    ByHandleFileInformation{FileAttributes: ReadOnly, LastWriteTime: wt},
			want: Stat{Mode: S_IFREG | 0o444, Mtime: wt.Time(), Ctime: wt.Time(), Flags: UF_READONLY},
		},
		{
			name: "symlink",
			b:    ByHandleFileInformation{FileAttributes: ReparsePoint},
			want: Stat{Mode: S_IFLNK | 0o777},
		},
		{
			name: "huge size clamps",
			b:    ByHandleFileInformation{FileAttributes: Normal, FileSizeHigh: 0xFFFFFFFF, FileSizeLow: 1},
			want: Stat{Mode: S_IFREG | 0o644, Size: math.MaxInt64},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := StatFromByHandle(tc.b)
			if got != tc.want {
				t.Errorf("StatFromByHandle = %+v\nwant %+v", got, tc.want)
			}
			if tc.name == "huge size clamps" {
				return
			}
			back, err := ByHandleFromStat(got)
			if err != nil {
				t.Fatal(err)
			}
			if back != tc.b {
				t.Errorf("ByHandleFromStat(StatFromByHandle(b)) = %+v\nwant %+v", back, tc.b)
			}
		})
	}
}

func TestByHandleFromStat(t *testing.T) {
	mt := time.Date(2023, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 7200))
	s := Stat{
		Dev: 0x1_0000_0005, Ino: 0xAABBCCDD_11223344, Mode: S_IFREG | 0o444, Nlink: 2, Uid: 1000, Gid: 1000,
		Size: 5 << 32, Blocks: 8, Atime: mt, Mtime: mt, Ctime: mt.Add(time.Hour), Flags: UF_HIDDEN | UF_NODUMP,
	}
	b, err := ByHandleFromStat(s)
	if err != nil {
		t.Fatal(err)
	}
	want := ByHandleFileInformation{
		FileAttributes: ReadOnly | Hidden, LastAccessTime: b.LastWriteTime, LastWriteTime: b.LastWriteTime,
		VolumeSerialNumber: 4, FileSizeHigh: 5, NumberOfLinks: 2, FileIndexHigh: 0xAABBCCDD, FileIndexLow: 0x11223344,
	}
	if b != want {
		t.Errorf("ByHandleFromStat = %+v\nwant %+v", b, want)
	}
	if got := b.LastWriteTime.Time(); !got.Equal(mt.Truncate(100)) {
		t.Errorf("LastWriteTime = %v, want %v", got, mt)
	}
	if b.FileIndex() != s.Ino || b.FileSize() != uint64(s.Size) {
		t.Errorf("FileIndex/FileSize = %#x, %d", b.FileIndex(), b.FileSize())
	}
	if s.Attributes() != ReadOnly|Hidden {
		t.Errorf("Attributes() = %v", s.Attributes())
	}

	// Errors name every field that does not fit.
	bad := Stat{Mode: S_IFREG | 0o644, Size: -1, Nlink: 1 << 32, Atime: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC),
		Birthtime: time.Date(40000, 1, 1, 0, 0, 0, 0, time.UTC), Mtime: mt}
	b, err = ByHandleFromStat(bad)
	if err == nil {
		t.Fatal("no error")
	}
	for _, field := range []string{"Size", "Nlink", "Atime", "Birthtime"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
	if strings.Contains(err.Error(), "Mtime") || b.LastWriteTime == 0 || b.NumberOfLinks != math.MaxUint32 {
		t.Errorf("partial result wrong: %+v, %v", b, err)
	}
}

func TestVolumeSerialFromDev(t *testing.T) {
	for _, tc := range []struct {
		dev  uint64
		want uint32
	}{{0, 0}, {0x803, 0x803}, {0xFFFFFFFF, 0xFFFFFFFF}, {0x1_0000_0000, 1}, {0x12345678_9ABCDEF0, 0x12345678 ^ 0x9ABCDEF0}} {
		if got := VolumeSerialFromDev(tc.dev); got != tc.want {
			t.Errorf("VolumeSerialFromDev(%#x) = %#x, want %#x", tc.dev, got, tc.want)
		}
	}
}

func FuzzRoundTripByHandle(f *testing.F) {
	f.Add(uint32(Archive), uint64(1), uint64(2), uint64(3), uint32(4), uint64(5), uint32(6), uint64(7))
	f.Fuzz(func(t *testing.T, a uint32, ct, at, wt uint64, serial uint32, size uint64, links uint32, index uint64) {
		b := ByHandleFileInformation{
			FileAttributes: FileAttributes(a), CreationTime: Filetime(ct) & MaxFiletime,
			LastAccessTime: Filetime(at) & MaxFiletime, LastWriteTime: Filetime(wt) & MaxFiletime,
			VolumeSerialNumber: serial, NumberOfLinks: links,
		}
		b.FileSizeHigh, b.FileSizeLow = SplitUint64(size & math.MaxInt64)
		b.FileIndexHigh, b.FileIndexLow = SplitUint64(index)
		s := StatFromByHandle(b)
		back, err := ByHandleFromStat(s)
		if err != nil {
			t.Fatal(err)
		}
		want := b
		want.FileAttributes = (b.FileAttributes &^ DroppedByPOSIX(b.FileAttributes, 0)).normalized()
		if back != want {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, want)
		}
	})
}
