package passthrough

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

var bg = context.Background()

// newWindowsVolume serves a new temporary host directory; it returns the volume
// and the host directory.
func newWindowsVolume(t *testing.T) (*fs.Volume, string) {
	t.Helper()
	root := t.TempDir()
	p, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	v := fs.NewVolume(p, nil)
	t.Cleanup(func() { v.Unmounted(bg, "") })
	return v, root
}

// TestTrailingDotAlias: Win32 path cleaning makes "f." and "f " the file "f".
// Every call refuses those names instead of reaching "f": a create with
// truncation of "/f." once emptied "/f".
func TestTrailingDotAlias(t *testing.T) {
	v, root := newWindowsVolume(t)
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/f.", "/f ", "/F.", "/f. . .", "/d.", "/d /f"} {
		h, _, err := v.Create(bg, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Flags: fs.OpenTruncate})
		if err == nil {
			h.Release(bg)
		}
		if !errors.Is(err, fs.ErrInvalid) || !strings.Contains(err.Error(), "Windows cannot store") {
			t.Errorf("Create %s with OpenTruncate: %v, want ErrInvalid saying Windows cannot store the name", name, err)
		}
		if _, err := v.Mkdir(bg, name, 0o755); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Mkdir %s: %v, want ErrInvalid", name, err)
		}
		if err := v.Remove(bg, name, false); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Remove %s: %v, want ErrInvalid", name, err)
		}
	}
	if data, err := os.ReadFile(filepath.Join(root, "f")); err != nil || string(data) != "data" {
		t.Errorf("the host file f holds %q (%v), want %q", data, err, "data")
	}
	if names := hostNames(t, root); strings.Join(names, ",") != "d,f" {
		t.Errorf("the host directory holds %q, want d and f", names)
	}
}

func hostNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestDeviceAndReservedNames: device names and reserved characters are refused
// with ErrInvalid, not reported as a path escape or EIO, and nothing is created.
func TestDeviceAndReservedNames(t *testing.T) {
	v, root := newWindowsVolume(t)
	for _, tt := range []struct{ name, says string }{
		{"/nul", "names a device"},
		{"/CON", "names a device"},
		{"/con.txt", "names a device"},
		{"/Aux .log", "names a device"},
		{"/com1", "names a device"},
		{"/LPT9.tar.gz", "names a device"},
		{"/com¹", "names a device"},
		{"/CONIN$", "names a device"},
		{"/a<b", "reserved character"},
		{"/a>b", "reserved character"},
		{`/a"b`, "reserved character"},
		{"/a|b", "reserved character"},
		{"/a?b", "reserved character"},
		{"/a*b", "reserved character"},
		{"/a:b", "reserved character"},
		{`/a\b`, "reserved character"},
		{"/a\tb", "reserved character"},
	} {
		h, _, err := v.Create(bg, tt.name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err == nil {
			h.Release(bg)
		}
		code, _ := fs.ErrnoOf(err)
		if code != fs.EINVAL || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Create %q: %v (%v), want EINVAL saying %q", tt.name, err, code, tt.says)
		}
		if _, err := v.Stat(bg, tt.name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Stat %q: %v, want ErrInvalid", tt.name, err)
		}
	}
	// Names that only look like device names are ordinary.
	for _, name := range []string{"/nul1", "/console", "/com10", "/lpt", "/auxiliary.txt", "/x.con"} {
		h, _, err := v.Create(bg, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			t.Errorf("Create %q: %v", name, err)
			continue
		}
		h.Release(bg)
	}
	if got := len(hostNames(t, root)); got != 6 {
		t.Errorf("the host directory holds %d entries, want the 6 ordinary names: %q", got, hostNames(t, root))
	}
}

// TestUnstorableHostEntry: an entry of a name Win32 cannot reach, made on the host
// through the NT API, is not listed and cannot be named; the file Win32 would take
// it for is left alone.
func TestUnstorableHostEntry(t *testing.T) {
	v, root := newWindowsVolume(t)
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ntCreate(root, "f."); err != nil {
		t.Skipf("the host file system cannot hold the name %q: %v", "f.", err)
	}
	if names := hostNames(t, root); len(names) != 2 {
		t.Skipf("the host file system stores %q as %q", "f.", names)
	}
	d, err := v.OpenDir(bg, "/")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	if err := d.ReadDir(bg, 0, func(fi *fs.FileInfo, _ int64) bool { listed = append(listed, fi.Name); return true }); err != nil {
		t.Fatal(err)
	}
	d.Close(bg)
	if strings.Join(listed, ",") != "f" {
		t.Errorf("listing of / = %q, want only f", listed)
	}
	if _, err := v.Stat(bg, "/f."); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Stat /f.: %v, want ErrInvalid", err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "f")); err != nil || string(data) != "data" {
		t.Errorf("the host file f holds %q (%v)", data, err)
	}
}

// ntCreate creates the empty file name in dir with NtCreateFile, which takes the
// name as it is (no Win32 path cleaning).
func ntCreate(dir, name string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := windows.NewNTUnicodeString(name)
	if err != nil {
		return err
	}
	oa := windows.OBJECT_ATTRIBUTES{RootDirectory: windows.Handle(d.Fd()), ObjectName: n}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtCreateFile(&h, windows.GENERIC_WRITE|windows.SYNCHRONIZE, &oa, &iosb, nil, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, windows.FILE_CREATE,
		windows.FILE_NON_DIRECTORY_FILE|windows.FILE_SYNCHRONOUS_IO_NONALERT, 0, 0)
	if err != nil {
		return err
	}
	return windows.CloseHandle(h)
}

// TestAttributesRoundTrip: HIDDEN, SYSTEM and READONLY are stored on the host and
// read back, on files and directories, and NORMAL clears them (ARCHIVE, which Wine
// does not keep, is left to the conformance kit's check).
func TestAttributesRoundTrip(t *testing.T) {
	v, root := newWindowsVolume(t)
	if err := os.WriteFile(filepath.Join(root, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	const keep = attr.Hidden | attr.System | attr.ReadOnly
	for _, tt := range []struct {
		name string
		set  attr.FileAttributes
	}{
		{"/f", attr.Hidden},
		{"/f", attr.Hidden | attr.System},
		{"/f", attr.ReadOnly | attr.Hidden},
		{"/d", attr.Hidden | attr.System},
	} {
		if _, err := v.SetAttributes(bg, tt.name, fs.Change{Valid: fs.ChangeAttributes, Attributes: tt.set}); err != nil {
			t.Fatalf("setting %v on %s: %v", tt.set, tt.name, err)
		}
		fi, err := v.Stat(bg, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Attributes&keep != tt.set {
			t.Errorf("after setting %v on %s: %v", tt.set, tt.name, fi.Attributes)
		}
		if st, err := os.Stat(filepath.Join(root, tt.name)); err != nil || st.Mode().Perm()&0o200 == 0 != (tt.set&attr.ReadOnly != 0) {
			t.Errorf("the host sees %s as %v (%v) after setting %v", tt.name, st.Mode(), err, tt.set)
		}
		if _, err := v.SetAttributes(bg, tt.name, fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.Normal}); err != nil {
			t.Fatalf("clearing %s: %v", tt.name, err)
		}
		if fi, _ := v.Stat(bg, tt.name); fi.Attributes&keep != 0 {
			t.Errorf("after clearing %s: %v", tt.name, fi.Attributes)
		}
	}
}

// TestReplaceDir: a directory renamed over an empty one replaces it, as rename(2)
// does, though Windows refuses to rename over a directory; over a non-empty one
// (which the volume would refuse before asking) the backend fails with ENOTEMPTY
// and leaves both as they were, with no temporary name behind.
func TestReplaceDir(t *testing.T) {
	root := t.TempDir()
	p, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, f := range []string{"src/child", "full/keep"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = p.OnRenameOrMoveFile(bg, &fs.RenameOrMoveFileEvent{Name: "/src", NewName: "/full", ReplaceIfExists: true})
	if code, _ := fs.ErrnoOf(err); code != fs.ENOTEMPTY {
		t.Errorf("rename over a non-empty directory: %v (%v), want ENOTEMPTY", err, code)
	}
	for _, f := range []string{"src/child", "full/keep"} {
		if data, err := os.ReadFile(filepath.Join(root, f)); err != nil || string(data) != f {
			t.Errorf("after the refused rename, %s holds %q (%v)", f, data, err)
		}
	}
	if names := hostNames(t, root); strings.Join(names, ",") != "empty,full,src" {
		t.Errorf("after the refused rename, the root holds %q", names)
	}
	if err := p.OnRenameOrMoveFile(bg, &fs.RenameOrMoveFileEvent{Name: "/src", NewName: "/empty", ReplaceIfExists: true}); err != nil {
		t.Fatalf("rename over an empty directory: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "empty", "child")); err != nil || string(data) != "src/child" {
		t.Errorf("after the rename, empty/child holds %q (%v)", data, err)
	}
	if names := hostNames(t, root); strings.Join(names, ",") != "empty,full" {
		t.Errorf("after the rename, the root holds %q", names)
	}
}
