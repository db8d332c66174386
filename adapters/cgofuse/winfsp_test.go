//go:build windows || cgofuse

package cgofuse

// What WinFsp-FUSE sends that libfuse does not, driven in-process: cgofuse's
// Windows open-flag values, the overwrite of an existing file, Getpath, Chflags,
// Setcrtime and Setchgtime, and the Statfs fields Explorer shows. Under GOOS=windows
// these run with cgofuse's Windows constants (CI runs them under Wine).

import (
	"context"
	"log/slog"
	"testing"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

func TestOpenFlags(t *testing.T) {
	rw := fs.AccessRead | fs.AccessWrite
	for _, tt := range []struct {
		name   string
		flags  int
		access fs.Access
		of     fs.OpenFlags
	}{
		{"O_RDONLY (also attribute-only access)", fuse.O_RDONLY, fs.AccessRead, 0},
		{"O_WRONLY", fuse.O_WRONLY, fs.AccessWrite, 0},
		{"O_RDWR", fuse.O_RDWR, rw, 0},
		{"O_WRONLY|O_APPEND (FILE_APPEND_DATA only)", fuse.O_WRONLY | fuse.O_APPEND, fs.AccessWrite, fs.OpenAppend},
		{"O_RDWR|O_TRUNC", fuse.O_RDWR | fuse.O_TRUNC, rw, fs.OpenTruncate},
		{"O_CREAT|O_EXCL|O_RDWR (every WinFsp create)", fuse.O_CREAT | fuse.O_EXCL | fuse.O_RDWR, rw, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			access, of := openArgs(tt.flags)
			if access != tt.access || of != tt.of {
				t.Errorf("openArgs(%#x) = %v, %v; want %v, %v", tt.flags, access, of, tt.access, tt.of)
			}
		})
	}
}

// TestOverwrite: WinFsp overwrites an existing file (CREATE_ALWAYS,
// TRUNCATE_EXISTING) by opening it without O_TRUNC, truncating through the handle
// and replacing its attributes with Chflags.
func TestOverwrite(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/f", "old content")
	check(t, "Chflags", f.Chflags("/f", fuse.UF_HIDDEN|fuse.UF_SYSTEM))
	rc, fh := f.Open("/f", fuse.O_RDWR)
	check(t, "Open", rc)
	check(t, "Truncate by handle", f.Truncate("/f", 0, fh))
	check(t, "Chflags", f.Chflags("/f", fuse.UF_ARCHIVE))
	if n := f.Write("/f", []byte("new"), 0, fh); n != 3 {
		t.Fatalf("Write = %d", n)
	}
	check(t, "Release", f.Release("/f", fh))
	st := getattr(t, f, "/f")
	if st.Size != 3 || st.Flags != fuse.UF_ARCHIVE {
		t.Errorf("after the overwrite: size %d, flags %#x; want 3 and UF_ARCHIVE", st.Size, st.Flags)
	}
	if fi, _ := v.Stat(bg, "/f"); fi.Attributes != attr.Archive {
		t.Errorf("after the overwrite: attributes %v, want ARCHIVE", fi.Attributes)
	}
}

// TestGetpath: WinFsp asks for the stored case of a path on a case-insensitive
// volume, by name or by an open handle.
func TestGetpath(t *testing.T) {
	f, _ := newTestFS(t, &fs.Options{CaseInsensitive: true})
	check(t, "Mkdir", f.Mkdir("/Dir", 0o755))
	create(t, f, "/Dir/File", "x")
	for _, tt := range []struct{ path, want string }{
		{"/", "/"},
		{"/dir", "/Dir"},
		{"/DIR/file", "/Dir/File"},
		{"/Dir/File", "/Dir/File"},
	} {
		if rc, real := f.Getpath(tt.path, noHandle); rc != 0 || real != tt.want {
			t.Errorf("Getpath(%q) = %v %q, want %q", tt.path, fuse.Error(rc), real, tt.want)
		}
	}
	rc, fh := f.Open("/dir/FILE", fuse.O_RDONLY)
	check(t, "Open", rc)
	defer f.Release("/Dir/Moved", fh)
	check(t, "Rename", f.Rename("/dir/file", "/DIR/Moved"))
	if rc, real := f.Getpath("/dir/file", fh); rc != 0 || real != "/Dir/Moved" {
		t.Errorf("Getpath by the handle of a renamed file = %v %q, want /Dir/Moved", fuse.Error(rc), real)
	}
	rc, _ = f.Getpath("/nodir/file", noHandle)
	wantErr(t, "Getpath below a missing directory", rc, fuse.ENOENT)

	cs, _ := newTestFS(t, nil)
	create(t, cs, "/File", "x")
	if rc, real := cs.Getpath("/File", noHandle); rc != 0 || real != "/File" {
		t.Errorf("case-sensitive volume: Getpath(/File) = %v %q", fuse.Error(rc), real)
	}
	rc, _ = cs.Getpath("/file", noHandle)
	wantErr(t, "case-sensitive volume: Getpath in another case", rc, fuse.ENOENT)
}

// TestChflagsWindows: READONLY in st_flags is the file's read-only attribute, which
// POSIX sees as missing write bits; a directory keeps its type; a read-only volume
// refuses.
func TestChflagsWindows(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/f", "x")
	check(t, "Mkdir", f.Mkdir("/d", 0o755))
	check(t, "Chflags", f.Chflags("/f", fuse.UF_READONLY))
	if st := getattr(t, f, "/f"); st.Mode&0o222 != 0 || st.Flags != fuse.UF_READONLY {
		t.Errorf("after Chflags(UF_READONLY): mode %o, flags %#x", st.Mode, st.Flags)
	}
	check(t, "Chflags", f.Chflags("/f", 0))
	if st := getattr(t, f, "/f"); st.Mode&0o200 == 0 || st.Flags != 0 {
		t.Errorf("after Chflags(0): mode %o, flags %#x; want the owner write bit back", st.Mode, st.Flags)
	}
	check(t, "Chflags", f.Chflags("/d", fuse.UF_HIDDEN|fuse.UF_SYSTEM))
	if st := getattr(t, f, "/d"); st.Mode&fuse.S_IFMT != fuse.S_IFDIR || st.Flags != fuse.UF_HIDDEN|fuse.UF_SYSTEM {
		t.Errorf("directory after Chflags: mode %o, flags %#x", st.Mode, st.Flags)
	}
	ro, _ := newTestFS(t, &fs.Options{ReadOnly: true})
	wantErr(t, "Chflags on a read-only volume", ro.Chflags("/", fuse.UF_HIDDEN), fuse.EROFS)
}

// TestSetTimesWindows: WinFsp's SetBasicInfo sets the creation and change times;
// FILETIME 0 (1601-01-01) keeps a time.
func TestSetTimesWindows(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/f", "")
	before, err := v.Stat(bg, "/f")
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Setcrtime 1601-01-01", f.Setcrtime("/f", filetimeZero))
	check(t, "Setchgtime 1601-01-01", f.Setchgtime("/f", filetimeZero))
	after, _ := v.Stat(bg, "/f")
	if !after.CreationTime.Equal(before.CreationTime) || !after.ChangeTime.Equal(before.ChangeTime) {
		t.Errorf("FILETIME 0 changed the times: creation %v -> %v, change %v -> %v",
			before.CreationTime, after.CreationTime, before.ChangeTime, after.ChangeTime)
	}
	// 100 ns ticks, as FILETIMEs carry them.
	crtime := fuse.Timespec{Sec: 1_234_567_890, Nsec: 987_654_300}
	check(t, "Setcrtime", f.Setcrtime("/f", crtime))
	if st := getattr(t, f, "/f"); st.Birthtim != crtime {
		t.Errorf("Birthtim = %+v, want %+v", st.Birthtim, crtime)
	}
	wantErr(t, "Setcrtime of a missing file", f.Setcrtime("/missing", crtime), fuse.ENOENT)
	wantErr(t, "Setchgtime of a missing file", f.Setchgtime("/missing", crtime), fuse.ENOENT)
	wantErr(t, "Setcrtime 1601-01-01 of a missing file", f.Setcrtime("/missing", filetimeZero), fuse.ENOENT)
	ro, _ := newTestFS(t, &fs.Options{ReadOnly: true})
	wantErr(t, "Setcrtime on a read-only volume", ro.Setcrtime("/", crtime), fuse.EROFS)
	wantErr(t, "Setchgtime on a read-only volume", ro.Setchgtime("/", crtime), fuse.EROFS)
}

// sized is memfs with a fixed capacity.
type sized struct {
	*memfs.FS
	size fs.VolumeSize
}

func (s sized) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	e.Size = s.size
	return nil
}

// TestStatfsFields: WinFsp shows f_blocks, f_bfree and f_bavail in units of
// f_frsize as the volume's total, free and available bytes, and f_namemax as the
// longest name.
func TestStatfsFields(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    fs.VolumeSize
		namemax int
		frsize  uint64
	}{
		{"4 KiB blocks", fs.VolumeSize{TotalBytes: 1 << 30, FreeBytes: 256 << 20, AvailableBytes: 128 << 20, TotalFiles: 1000, FreeFiles: 900, BlockSize: 4096}, 0, 4096},
		{"64 KiB blocks, long names", fs.VolumeSize{TotalBytes: 1 << 40, FreeBytes: 1 << 39, BlockSize: 64 << 10}, 1024, 64 << 10},
		{"no block size", fs.VolumeSize{TotalBytes: 8 << 20, FreeBytes: 4 << 20}, 0, 4096},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := fs.NewVolume(sized{memfs.New(nil), tt.size}, &fs.Options{MaxNameLength: tt.namemax})
			f := newFileSystem(v, slog.New(slog.DiscardHandler), false)
			f.getcontext = func() (uint32, uint32, int) { return 0, 0, 1 }
			var st fuse.Statfs_t
			check(t, "Statfs", f.Statfs("/", &st))
			avail := tt.size.AvailableBytes
			if avail == 0 {
				avail = tt.size.FreeBytes
			}
			namemax := uint64(tt.namemax)
			if namemax == 0 {
				namemax = 255
			}
			if st.Frsize != tt.frsize || st.Bsize != tt.frsize ||
				st.Blocks*st.Frsize != tt.size.TotalBytes || st.Bfree*st.Frsize != tt.size.FreeBytes ||
				st.Bavail*st.Frsize != avail || st.Namemax != namemax {
				t.Errorf("Statfs = %+v; want %d-byte blocks, %d total, %d free, %d available, names of %d",
					st, tt.frsize, tt.size.TotalBytes, tt.size.FreeBytes, avail, namemax)
			}
			if tt.size.TotalFiles != 0 && (st.Files != tt.size.TotalFiles || st.Ffree != tt.size.FreeFiles) {
				t.Errorf("Statfs files %d, free %d; want %d, %d", st.Files, st.Ffree, tt.size.TotalFiles, tt.size.FreeFiles)
			}
		})
	}
}
