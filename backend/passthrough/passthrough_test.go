//go:build linux || darwin || freebsd

package passthrough

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"golang.org/x/sys/unix"
)

// setup makes a root directory inside a temporary directory, with a sibling
// "outside" directory holding a canary file, and returns the backend, a volume
// serving it, the host root and the outside directory.
func setup(t *testing.T, vopts *fs.Options) (*FS, *fs.Volume, string, string) {
	t.Helper()
	top := t.TempDir()
	root := filepath.Join(top, "root")
	outside := filepath.Join(top, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "canary"), []byte("canary"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if vopts == nil {
		vopts = &fs.Options{}
	}
	v := fs.NewVolume(p, vopts)
	t.Cleanup(func() { v.Unmounted(context.Background(), "") })
	return p, v, root, outside
}

func ctxAs(uid, gid uint32) context.Context {
	return fs.WithCaller(context.Background(), fs.Caller{Pid: 1, Uid: uid, Gid: gid})
}

func errno(err error) fs.Errno { e, _ := fs.ErrnoOf(err); return e }

// checkOutside fails the test if the outside directory changed: anything but the
// canary, or the canary's content, mode or times.
func checkOutside(t *testing.T, outside string, before os.FileInfo) {
	t.Helper()
	ents, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "canary" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("outside directory changed: %v", names)
	}
	data, err := os.ReadFile(filepath.Join(outside, "canary"))
	if err != nil || string(data) != "canary" {
		t.Fatalf("canary changed: %q %v", data, err)
	}
	st, err := os.Lstat(filepath.Join(outside, "canary"))
	if err != nil {
		t.Fatal(err)
	}
	if before != nil {
		b, a := before.Sys().(*syscall.Stat_t), st.Sys().(*syscall.Stat_t)
		if st.Mode() != before.Mode() || !st.ModTime().Equal(before.ModTime()) || a.Uid != b.Uid || a.Gid != b.Gid {
			t.Fatalf("canary metadata changed: %v %v uid %d gid %d", st.Mode(), st.ModTime(), a.Uid, a.Gid)
		}
	}
}

func TestReadWriteThroughVolume(t *testing.T) {
	_, v, root, _ := setup(t, &fs.Options{EnumerationPageSize: 3})
	ctx := ctxAs(uint32(os.Getuid()), uint32(os.Getgid()))
	if _, err := v.Mkdir(ctx, "/d", 0o755); err != nil {
		t.Fatal(err)
	}
	h, fi, err := v.Create(ctx, "/d/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode != attr.S_IFREG|0o644 || fi.FileID == 0 {
		t.Errorf("create info: %v id %d", fi.Mode, fi.FileID)
	}
	data := bytes.Repeat([]byte("0123456789"), 1000)
	if n, err := h.Write(ctx, data, 0); err != nil || n != len(data) {
		t.Fatal(n, err)
	}
	for _, off := range []int64{0, 1, 4095, 9990, 10000, 20000} {
		buf := make([]byte, 100)
		n, err := h.Read(ctx, buf, off)
		if err != nil {
			t.Fatal(err)
		}
		want := data[min(off, int64(len(data))):min(off+100, int64(len(data)))]
		if !bytes.Equal(buf[:n], want) {
			t.Errorf("read at %d: %q, want %q", off, buf[:n], want)
		}
	}
	h.Release(ctx)
	if got, _ := os.ReadFile(filepath.Join(root, "d/f")); !bytes.Equal(got, data) {
		t.Error("host content differs")
	}

	// Append.
	h, err = v.Open(ctx, "/d/f", fs.AccessWrite, fs.OpenAppend)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("END"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	if got, _ := os.ReadFile(filepath.Join(root, "d/f")); !bytes.HasSuffix(got, []byte("9END")) {
		t.Errorf("append: %q", got[len(got)-10:])
	}

	// Truncate by name and through O_TRUNC.
	if fi, err := v.SetAttributes(ctx, "/d/f", fs.Change{Valid: fs.ChangeSize, Size: 5}); err != nil || fi.Size != 5 {
		t.Fatal(fi.Size, err)
	}
	h, err = v.Open(ctx, "/d/f", fs.AccessWrite, fs.OpenTruncate)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := h.Stat(ctx); fi.Size != 0 {
		t.Error("O_TRUNC size", fi.Size)
	}
	if err := h.Allocate(ctx, 0, 1<<20, 0); err != nil {
		t.Error("allocate:", err)
	}
	if err := h.Sync(ctx, true); err != nil {
		t.Error(err)
	}
	h.Release(ctx)

	// Listing in pages of 3, also with Restart through seek to 0.
	var want []string
	for i := range 10 {
		n := fmt.Sprintf("e%02d", i)
		want = append(want, n)
		if _, err := v.Mknod(ctx, "/d/"+n, attr.S_IFREG|0o600, 0); err != nil {
			t.Fatal(err)
		}
	}
	want = append(want, "f")
	d, err := v.OpenDir(ctx, "/d")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var got []string
		if err := d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool { got = append(got, fi.Name); return true }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("readdir: %v", got)
		}
	}
	d.Close(ctx)

	// Rename, no-replace, exchange, link, symlink.
	if err := v.Rename(ctx, "/d/e00", "/d/e01", fs.RenameNoReplace); errno(err) != fs.EEXIST {
		t.Errorf("noreplace: %v", err)
	}
	os.WriteFile(filepath.Join(root, "d/e00"), []byte("zero"), 0o600)
	os.WriteFile(filepath.Join(root, "d/e01"), []byte("one"), 0o600)
	if err := v.Rename(ctx, "/d/e00", "/d/e01", fs.RenameExchange); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "d/e01")); string(got) != "zero" {
		t.Errorf("exchange: %q", got)
	}
	if err := v.Rename(ctx, "/d/e01", "/moved", 0); err != nil {
		t.Fatal(err)
	}
	if fi, err := v.Link(ctx, "/moved", "/d/hard"); err != nil || fi.LinkCount != 2 {
		t.Fatal(fi.LinkCount, err)
	}
	if fi, err := v.Symlink(ctx, "../moved", "/d/sym"); err != nil || !fi.Mode.IsSymlink() || fi.Size != 8 {
		t.Fatal(fi, err)
	}
	if tgt, err := v.Readlink(ctx, "/d/sym"); err != nil || tgt != "../moved" {
		t.Fatal(tgt, err)
	}

	// Extended attributes.
	if runtimeHasXattr() {
		if err := v.SetXattr(ctx, "/moved", xattrPrefix+"k", []byte("v"), fs.XattrCreate); err != nil {
			t.Fatal(err)
		}
		if err := v.SetXattr(ctx, "/moved", xattrPrefix+"k", []byte("v"), fs.XattrCreate); errno(err) != fs.EEXIST {
			t.Error("xattr create twice:", err)
		}
		if got, err := v.GetXattr(ctx, "/moved", xattrPrefix+"k"); err != nil || string(got) != "v" {
			t.Error(got, err)
		}
		if names, err := v.ListXattr(ctx, "/moved"); err != nil || !slices.Contains(names, xattrPrefix+"k") {
			t.Error(names, err)
		}
		if err := v.RemoveXattr(ctx, "/moved", xattrPrefix+"k"); err != nil {
			t.Error(err)
		}
		if _, err := v.GetXattr(ctx, "/moved", xattrPrefix+"k"); errno(err) != fs.ENODATA {
			t.Error("removed xattr:", err)
		}
		if err := v.SetXattr(ctx, "/d/sym", xattrPrefix+"k", []byte("v"), 0); err == nil {
			t.Error("xattr on a symlink succeeded")
		}
	}

	// Times with nanoseconds; zero keeps.
	mt := time.Date(2020, 5, 6, 7, 8, 9, 123456789, time.UTC)
	fi, err = v.SetAttributes(ctx, "/moved", fs.Change{Valid: fs.ChangeMtime, Mtime: mt})
	if err != nil || !fi.LastWriteTime.Equal(mt) {
		t.Fatal(fi.LastWriteTime, err)
	}
	at := fi.LastAccessTime
	fi, err = v.SetAttributes(ctx, "/moved", fs.Change{Valid: fs.ChangeAtime | fs.ChangeMtime, Atime: mt.Add(time.Hour)})
	if err != nil || !fi.LastWriteTime.Equal(mt) || fi.LastAccessTime.Equal(at) {
		t.Fatal(fi.LastWriteTime, fi.LastAccessTime, err)
	}
	// ReadOnly attribute clears the write bits, Normal gives the owner's back.
	fi, err = v.SetAttributes(ctx, "/moved", fs.Change{Valid: fs.ChangeMode, Mode: 0o664})
	if err != nil || fi.Mode.Perm() != 0o664 {
		t.Fatal(fi.Mode, err)
	}
	if fi, err = v.SetAttributes(ctx, "/moved", fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.ReadOnly | attr.Hidden}); err != nil || fi.Mode.Perm() != 0o444 {
		t.Fatal(fi.Mode, err)
	}
	if fi, err = v.SetAttributes(ctx, "/moved", fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.Normal}); err != nil || fi.Mode.Perm() != 0o644 {
		t.Fatal(fi.Mode, err)
	}

	// Delete, also of an open file, which keeps working.
	h, err = v.Open(ctx, "/moved", fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Remove(ctx, "/moved", false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("after"), 0); err != nil {
		t.Fatal(err)
	}
	if fi, err := h.Stat(ctx); err != nil || fi.LinkCount != 1 {
		t.Fatal(fi.LinkCount, err) // /d/hard remains
	}
	h.Release(ctx)
	if err := v.Remove(ctx, "/d", true); errno(err) != fs.ENOTEMPTY {
		t.Error("rmdir non-empty:", err)
	}
	vs, err := v.VolumeSize(ctx)
	if err != nil || vs.TotalBytes == 0 {
		t.Error(vs, err)
	}
}

func runtimeHasXattr() bool { return haveXattr }

// TestCreateExactModes creates files of every kind with modes the process umask
// would mangle, and checks the host has them exactly, also after the chown to the
// caller when running as root.
func TestCreateExactModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	_, v, root, _ := setup(t, nil)
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if os.Geteuid() == 0 {
		uid, gid = 1234, 5678
	}
	ctx := ctxAs(uid, gid)
	tests := []struct {
		name string
		mode attr.Mode
		dir  bool
	}{
		{"file0777", attr.S_IFREG | 0o777, false},
		{"file0666", attr.S_IFREG | 0o666, false},
		{"suid", attr.S_IFREG | 0o4755, false},
		{"sgid", attr.S_IFREG | 0o2755, false},
		{"allspecial", attr.S_IFREG | 0o7777, false},
		{"none", attr.S_IFREG, false},
		{"dir0777", attr.S_IFDIR | 0o777, true},
		{"sticky", attr.S_IFDIR | 0o1777, true},
		{"sgiddir", attr.S_IFDIR | 0o2775, true},
		{"fifo", attr.S_IFIFO | 0o666, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			switch {
			case tc.dir:
				_, err = v.Mkdir(ctx, "/"+tc.name, tc.mode)
			case tc.mode.IsRegular():
				var h *fs.Handle
				h, _, err = v.Create(ctx, "/"+tc.name, fs.CreateRequest{Mode: tc.mode, Access: fs.AccessWrite, Exclusive: true})
				if err == nil {
					h.Release(ctx)
				}
			default:
				_, err = v.Mknod(ctx, "/"+tc.name, tc.mode, 0)
			}
			if errors.Is(err, fs.ErrNotSupported) && !tc.mode.IsRegular() && !tc.dir {
				t.Skip("nodes not supported here")
			}
			if err != nil {
				t.Fatal(err)
			}
			var st unix.Stat_t
			if err := unix.Lstat(filepath.Join(root, tc.name), &st); err != nil {
				t.Fatal(err)
			}
			if attr.Mode(st.Mode) != tc.mode {
				t.Errorf("host mode %o, want %o", st.Mode, tc.mode)
			}
			if st.Uid != uid || st.Gid != gid {
				t.Errorf("host owner %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
			}
		})
	}
}

// escapeFixture adds to root: "abs" (symlink to the outside directory by absolute
// path), "rel" (symlink "../outside"), "deep/rel2" (symlink "../../outside"),
// "l" (symlink to the canary, absolute), "dotdot" (symlink ".."), and a
// directory "d".
func escapeFixture(t *testing.T, root, outside string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(outside, filepath.Join(root, "abs")))
	must(os.Symlink("../outside", filepath.Join(root, "rel")))
	must(os.Mkdir(filepath.Join(root, "deep"), 0o755))
	must(os.Symlink("../../outside", filepath.Join(root, "deep/rel2")))
	must(os.Symlink(filepath.Join(outside, "canary"), filepath.Join(root, "l")))
	must(os.Symlink("..", filepath.Join(root, "dotdot")))
	must(os.Mkdir(filepath.Join(root, "d"), 0o755))
}

// TestEscapeEvents calls every event of the backend directly with names that try
// to leave the root, and checks they fail and nothing outside changed.
func TestEscapeEvents(t *testing.T) {
	p, _, root, outside := setup(t, nil)
	escapeFixture(t, root, outside)
	before, _ := os.Lstat(filepath.Join(outside, "canary"))
	ctx := context.Background()
	names := []string{
		"/../outside/canary", "/d/../../outside/canary", "/..", "/./d", "//d", "d",
		"/abs/canary", "/rel/canary", "/deep/rel2/canary", "/dotdot/outside/canary",
		"/abs/new", "/rel/new", "/deep/rel2/new", "/dotdot/outside/new",
	}
	type op struct {
		name string
		fn   func(n string) error
	}
	ops := []op{
		{"GetFileInfo", func(n string) error { return p.OnGetFileInfo(ctx, &fs.GetFileInfoEvent{Name: n}) }},
		{"OpenFile", func(n string) error {
			e := &fs.OpenFileEvent{Name: n, Access: fs.AccessRead}
			err := p.OnOpenFile(ctx, e)
			if err == nil {
				p.OnCloseFile(ctx, &fs.CloseFileEvent{Name: n, FileContext: e.FileContext})
			}
			return err
		}},
		{"CreateFile", func(n string) error {
			e := &fs.CreateFileEvent{Name: n, Mode: attr.S_IFREG | 0o644}
			err := p.OnCreateFile(ctx, e)
			if err == nil {
				p.OnCloseFile(ctx, &fs.CloseFileEvent{Name: n, FileContext: e.FileContext})
			}
			return err
		}},
		{"Mkdir", func(n string) error {
			e := &fs.CreateFileEvent{Name: n, Mode: attr.S_IFDIR | 0o755}
			err := p.OnCreateFile(ctx, e)
			if err == nil {
				p.OnCloseFile(ctx, &fs.CloseFileEvent{Name: n, FileContext: e.FileContext})
			}
			return err
		}},
		{"Enumerate", func(n string) error {
			e := &fs.EnumerateDirectoryEvent{Name: n, Max: 10}
			err := p.OnEnumerateDirectory(ctx, e)
			if e.EnumerationContext != nil {
				p.OnCloseDirectoryEnumeration(ctx, &fs.CloseDirectoryEnumerationEvent{EnumerationContext: e.EnumerationContext})
			}
			return err
		}},
		{"SetFileSize", func(n string) error { return p.OnSetFileSize(ctx, &fs.SetFileSizeEvent{Name: n, Size: 0}) }},
		{"Chmod", func(n string) error {
			return p.OnSetFileAttributes(ctx, &fs.SetFileAttributesEvent{Name: n, Mode: 0o600, SetMode: true})
		}},
		{"Chown", func(n string) error {
			return p.OnSetFileAttributes(ctx, &fs.SetFileAttributesEvent{Name: n, Uid: 4321, SetUid: true})
		}},
		{"Utimes", func(n string) error {
			return p.OnSetFileAttributes(ctx, &fs.SetFileAttributesEvent{Name: n, LastWriteTime: time.Unix(1, 0)})
		}},
		{"Delete", func(n string) error { return p.OnDeleteFile(ctx, &fs.DeleteFileEvent{Name: n}) }},
		{"RenameFrom", func(n string) error {
			return p.OnRenameOrMoveFile(ctx, &fs.RenameOrMoveFileEvent{Name: n, NewName: "/stolen"})
		}},
		{"RenameTo", func(n string) error {
			os.WriteFile(filepath.Join(root, "victim"), nil, 0o644)
			return p.OnRenameOrMoveFile(ctx, &fs.RenameOrMoveFileEvent{Name: "/victim", NewName: n, ReplaceIfExists: true})
		}},
		{"LinkFrom", func(n string) error {
			return p.OnCreateHardLink(ctx, &fs.CreateHardLinkEvent{Name: n, LinkName: "/stolen"})
		}},
		{"LinkTo", func(n string) error {
			os.WriteFile(filepath.Join(root, "victim"), nil, 0o644)
			return p.OnCreateHardLink(ctx, &fs.CreateHardLinkEvent{Name: "/victim", LinkName: n})
		}},
		{"Symlink", func(n string) error {
			return p.OnCreateSymlink(ctx, &fs.CreateSymlinkEvent{Name: n, Target: "x"})
		}},
		{"Readlink", func(n string) error { return p.OnReadSymlink(ctx, &fs.ReadSymlinkEvent{Name: n}) }},
		{"SetXattr", func(n string) error {
			return p.OnSetNamedStream(ctx, &fs.SetNamedStreamEvent{Name: n, Stream: "k", Data: []byte("v")})
		}},
		{"GetXattr", func(n string) error { return p.OnGetNamedStream(ctx, &fs.GetNamedStreamEvent{Name: n, Stream: "k"}) }},
		{"IsEmpty", func(n string) error { return p.OnIsDirectoryEmpty(ctx, &fs.IsDirectoryEmptyEvent{Name: n}) }},
	}
	for _, o := range ops {
		for _, n := range names {
			t.Run(o.name+"/"+n, func(t *testing.T) {
				err := o.fn(n)
				if err == nil {
					t.Errorf("%s %s succeeded", o.name, n)
				}
				t.Log(err)
				checkOutside(t, outside, before)
			})
		}
	}
	// Nothing was stolen into the root either.
	if _, err := os.Lstat(filepath.Join(root, "stolen")); err == nil {
		t.Error("a file from outside was renamed or linked into the root")
	}
}

// TestSymlinkFinal operates on symbolic links as the final component: they are
// operated on, never followed.
func TestSymlinkFinal(t *testing.T) {
	p, v, root, outside := setup(t, nil)
	escapeFixture(t, root, outside)
	before, _ := os.Lstat(filepath.Join(outside, "canary"))
	ctx := ctxAs(0, 0)
	if fi, err := v.Stat(ctx, "/l"); err != nil || !fi.Mode.IsSymlink() {
		t.Fatal(fi.Mode, err)
	}
	if _, err := v.Open(ctx, "/l", fs.AccessRead, 0); errno(err) != fs.ELOOP {
		t.Errorf("open of a symlink: %v, want ELOOP", err)
	}
	if _, err := v.Open(ctx, "/l", fs.AccessRead|fs.AccessWrite, fs.OpenTruncate); err == nil {
		t.Error("open O_TRUNC of a symlink succeeded")
	}
	if err := p.OnSetFileSize(ctx, &fs.SetFileSizeEvent{Name: "/l"}); err == nil {
		t.Error("truncate of a symlink succeeded")
	}
	// chmod of a link: either refused (Linux: links have no mode) or applied to the
	// link; never to the target.
	v.SetAttributes(ctx, "/l", fs.Change{Valid: fs.ChangeMode, Mode: 0o600})
	mt := time.Unix(1000, 5)
	if _, err := v.SetAttributes(ctx, "/l", fs.Change{Valid: fs.ChangeMtime, Mtime: mt}); err != nil {
		t.Errorf("utimes of a link: %v", err)
	}
	if os.Geteuid() == 0 {
		if _, err := v.SetAttributes(ctx, "/l", fs.Change{Valid: fs.ChangeUid | fs.ChangeGid, Uid: 4321, Gid: 4321}); err != nil {
			t.Errorf("lchown: %v", err)
		}
		var st unix.Stat_t
		unix.Lstat(filepath.Join(root, "l"), &st)
		if st.Uid != 4321 {
			t.Error("lchown did not change the link")
		}
	}
	if _, err := v.SetAttributes(ctx, "/l", fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.ReadOnly}); err != nil {
		t.Errorf("ReadOnly on a link: %v", err)
	}
	if err := v.SetXattr(ctx, "/l", xattrPrefix+"k", []byte("v"), 0); err == nil {
		t.Error("xattr on a link succeeded")
	}
	if _, err := v.Link(ctx, "/l", "/l2"); err != nil {
		t.Errorf("hard link of a link: %v", err)
	} else if fi, err := os.Lstat(filepath.Join(root, "l2")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the hard link is not of the link itself")
	}
	if err := v.Rename(ctx, "/l", "/l3", 0); err != nil {
		t.Error(err)
	}
	if err := v.Remove(ctx, "/l3", false); err != nil {
		t.Error(err)
	}
	// Creating over a dangling or outside link fails instead of following it.
	if _, _, err := v.Create(ctx, "/l2", fs.CreateRequest{Mode: 0o644, Exclusive: true}); errno(err) != fs.EEXIST {
		t.Errorf("create over a link: %v", err)
	}
	if _, err := v.Mkdir(ctx, "/abs", 0o755); errno(err) != fs.EEXIST {
		t.Errorf("mkdir over a link: %v", err)
	}
	checkOutside(t, outside, before)
}

// TestSwapRace swaps a directory for a symbolic link to the outside directory in a
// loop while other goroutines create, read, stat, list and chmod through it.
func TestSwapRace(t *testing.T) {
	p, _, root, outside := setup(t, nil)
	before, _ := os.Lstat(filepath.Join(outside, "canary"))
	dir := filepath.Join(root, "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "canary"), []byte("inside"), 0o644)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var swaps atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		link := filepath.Join(root, "d.link")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			target := outside
			if i%2 == 1 {
				target = "../outside"
			}
			os.Remove(link)
			os.Symlink(target, link)
			os.Rename(dir, filepath.Join(root, "d.real"))
			os.Rename(link, dir) // d is now a symlink to outside
			os.Rename(dir, link)
			os.Rename(filepath.Join(root, "d.real"), dir)
			swaps.Add(1)
		}
	}()
	var leaks atomic.Int64
	var oks atomic.Int64
	worker := func(id int) {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			n := fmt.Sprintf("/d/new%d-%d", id, i)
			e := &fs.CreateFileEvent{Name: n, Mode: attr.S_IFREG | 0o600}
			if p.OnCreateFile(ctx, e) == nil {
				p.OnCloseFile(ctx, &fs.CloseFileEvent{FileContext: e.FileContext})
				p.OnDeleteFile(ctx, &fs.DeleteFileEvent{Name: n})
			}
			o := &fs.OpenFileEvent{Name: "/d/canary", Access: fs.AccessRead}
			if p.OnOpenFile(ctx, o) == nil {
				buf := make([]byte, 16)
				r := &fs.ReadFileEvent{FileContext: o.FileContext, Buffer: buf}
				if p.OnReadFile(ctx, r) == nil {
					if string(buf[:r.BytesRead]) != "inside" {
						leaks.Add(1)
					} else {
						oks.Add(1)
					}
				}
				p.OnCloseFile(ctx, &fs.CloseFileEvent{FileContext: o.FileContext})
			}
			p.OnSetFileAttributes(ctx, &fs.SetFileAttributesEvent{Name: "/d/canary", Mode: 0o600, SetMode: true, LastWriteTime: time.Unix(7, 0)})
			p.OnSetFileSize(ctx, &fs.SetFileSizeEvent{Name: "/d/canary", Size: 6})
			en := &fs.EnumerateDirectoryEvent{Name: "/d", Max: 10}
			if p.OnEnumerateDirectory(ctx, en) == nil {
				for _, fi := range en.Entries {
					if fi.Name == "canary" && fi.Size != 6 {
						leaks.Add(1)
					}
				}
			}
			if en.EnumerationContext != nil {
				p.OnCloseDirectoryEnumeration(ctx, &fs.CloseDirectoryEnumerationEvent{EnumerationContext: en.EnumerationContext})
			}
			p.OnSetNamedStream(ctx, &fs.SetNamedStreamEvent{Name: "/d/canary", Stream: "k", Data: []byte("v")})
		}
	}
	for i := range 4 {
		wg.Add(1)
		go worker(i)
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("%d swaps, %d reads inside", swaps.Load(), oks.Load())
	if leaks.Load() != 0 {
		t.Errorf("%d reads reached outside the root", leaks.Load())
	}
	checkOutside(t, outside, before)
	if haveXattr {
		if _, err := unix.Getxattr(filepath.Join(outside, "canary"), xattrPrefix+"k", nil); err == nil {
			t.Error("xattr set outside the root")
		}
	}
}

// TestLongPaths builds a tree whose paths are far longer than PATH_MAX.
func TestLongPaths(t *testing.T) {
	_, v, root, _ := setup(t, nil)
	ctx := ctxAs(uint32(os.Getuid()), uint32(os.Getgid()))
	comp := strings.Repeat("x", 200)
	name := ""
	for i := range 30 {
		name += fmt.Sprintf("/%02d%s", i, comp)
		if _, err := v.Mkdir(ctx, name, 0o755); err != nil {
			t.Fatalf("mkdir at depth %d (%d bytes): %v", i, len(name), err)
		}
	}
	if len(name) < 6000 {
		t.Fatal("path not long enough", len(name))
	}
	f := name + "/file"
	h, _, err := v.Create(ctx, f, fs.CreateRequest{Mode: 0o640, Access: fs.AccessRead | fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("deep"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	h, err = v.Open(ctx, f, fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := h.Read(ctx, buf, 0); err != nil || string(buf[:n]) != "deep" {
		t.Fatal(n, err)
	}
	h.Release(ctx)
	if fi, err := v.SetAttributes(ctx, f, fs.Change{Valid: fs.ChangeMode | fs.ChangeMtime, Mode: 0o600, Mtime: time.Unix(5, 5)}); err != nil || fi.Mode.Perm() != 0o600 {
		t.Fatal(fi.Mode, err)
	}
	if _, err := v.Symlink(ctx, "file", name+"/sym"); err != nil {
		t.Fatal(err)
	}
	if err := v.Rename(ctx, f, name+"/file2", 0); err != nil {
		t.Fatal(err)
	}
	d, err := v.OpenDir(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool { got = append(got, fi.Name); return true })
	d.Close(ctx)
	slices.Sort(got)
	if !slices.Equal(got, []string{"file2", "sym"}) {
		t.Errorf("readdir: %v", got)
	}
	if err := v.Remove(ctx, name+"/file2", false); err != nil {
		t.Fatal(err)
	}
	// The host sees the tree (checked with an *at walk, as the host path is too long).
	dirfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range strings.Split(name[1:], "/") {
		nfd, err := unix.Openat(dirfd, c, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(dirfd)
		if err != nil {
			t.Fatal(err)
		}
		dirfd = nfd
	}
	defer unix.Close(dirfd)
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, "sym", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Error("host does not see the deep symlink", err)
	}
}

// TestReopenForWrite checks that a FileContext opened read-only gains write access
// when a write needs it, also after the file was renamed.
func TestReopenForWrite(t *testing.T) {
	p, _, root, _ := setup(t, nil)
	os.WriteFile(filepath.Join(root, "f"), []byte("hello"), 0o644)
	ctx := context.Background()
	e := &fs.OpenFileEvent{Name: "/f", Access: fs.AccessRead}
	if err := p.OnOpenFile(ctx, e); err != nil {
		t.Fatal(err)
	}
	fc := e.FileContext.(*file)
	// Replace its descriptor with a read-only one, as after EACCES/ETXTBSY.
	ro, err := os.Open(filepath.Join(root, "f"))
	if err != nil {
		t.Fatal(err)
	}
	fc.f.Close()
	fc.f, fc.acc = ro, fs.AccessRead
	if err := os.Rename(filepath.Join(root, "f"), filepath.Join(root, "g")); err != nil {
		t.Fatal(err)
	}
	w := &fs.WriteFileEvent{Name: "/g", FileContext: fc, Position: 5, Buffer: []byte(" world")}
	if err := p.OnWriteFile(ctx, w); err != nil || w.BytesWritten != 6 {
		t.Fatal(w.BytesWritten, err)
	}
	if fc.acc != fs.AccessRead|fs.AccessWrite {
		t.Error("access not upgraded")
	}
	p.OnCloseFile(ctx, &fs.CloseFileEvent{FileContext: fc})
	if got, _ := os.ReadFile(filepath.Join(root, "g")); string(got) != "hello world" {
		t.Errorf("content %q", got)
	}
}

// TestFireAllOpenClose checks the shared descriptor survives until the last of
// several OnCloseFile events.
func TestFireAllOpenClose(t *testing.T) {
	_, v, root, _ := setup(t, &fs.Options{FireAllOpenCloseEvents: true})
	os.WriteFile(filepath.Join(root, "f"), []byte("data"), 0o644)
	ctx := context.Background()
	h1, err := v.Open(ctx, "/f", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := v.Open(ctx, "/f", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	h1.Release(ctx)
	buf := make([]byte, 4)
	if n, err := h2.Read(ctx, buf, 0); err != nil || string(buf[:n]) != "data" {
		t.Fatal(n, err)
	}
	h2.Release(ctx)
}

// TestEscapeVolume goes through fs.Volume with the names of escapeFixture, and
// checks that a symbolic link that stays inside the root still works.
func TestEscapeVolume(t *testing.T) {
	_, v, root, outside := setup(t, nil)
	escapeFixture(t, root, outside)
	if err := os.Symlink("d", filepath.Join(root, "inside")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Lstat(filepath.Join(outside, "canary"))
	ctx := ctxAs(uint32(os.Getuid()), uint32(os.Getgid()))
	for _, dir := range []string{"/abs", "/rel", "/deep/rel2", "/dotdot/outside"} {
		t.Run(dir, func(t *testing.T) {
			if _, err := v.Stat(ctx, dir+"/canary"); err == nil {
				t.Error("stat through an escaping link succeeded")
			}
			if _, err := v.Open(ctx, dir+"/canary", fs.AccessRead, 0); err == nil {
				t.Error("open succeeded")
			}
			if _, _, err := v.Create(ctx, dir+"/new", fs.CreateRequest{Mode: 0o644}); err == nil {
				t.Error("create succeeded")
			}
			if _, err := v.Mkdir(ctx, dir+"/newdir", 0o755); err == nil {
				t.Error("mkdir succeeded")
			}
			if _, err := v.SetAttributes(ctx, dir+"/canary", fs.Change{Valid: fs.ChangeMode | fs.ChangeSize, Mode: 0o777}); err == nil {
				t.Error("setattr succeeded")
			}
			if err := v.Remove(ctx, dir+"/canary", false); err == nil {
				t.Error("remove succeeded")
			}
			if err := v.Rename(ctx, dir+"/canary", "/stolen", 0); err == nil {
				t.Error("rename succeeded")
			}
			if _, err := v.OpenDir(ctx, dir); err == nil {
				t.Error("opendir of the link succeeded")
			}
			checkOutside(t, outside, before)
		})
	}
	// A link that stays inside is followed as an intermediate component (the volume
	// itself never sends such names: it checks the parent is a directory).
	p := v.Backend().(*FS)
	e := &fs.CreateFileEvent{Name: "/inside/f", Mode: 0o600}
	if err := p.OnCreateFile(ctx, e); err != nil {
		t.Fatal(err)
	}
	p.OnCloseFile(ctx, &fs.CloseFileEvent{FileContext: e.FileContext})
	if _, err := os.Stat(filepath.Join(root, "d/f")); err != nil {
		t.Error(err)
	}
}
