package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

var bg = context.Background()

func quietOpts(o Options) *Options {
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return &o
}

func newTestVolume(t *testing.T, o Options) (*Volume, *fake) {
	t.Helper()
	f := newFake()
	return NewVolume(f, quietOpts(o)), f
}

func mustCreate(t *testing.T, v *Volume, name, content string) {
	t.Helper()
	h, _, err := v.Create(bg, name, CreateRequest{Mode: 0o644, Access: AccessRead | AccessWrite, Exclusive: true})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := h.Write(bg, []byte(content), 0); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	h.Release(bg)
}

func wantErrno(t *testing.T, err error, want Errno) {
	t.Helper()
	got, _ := ErrnoOf(err)
	if got != want {
		t.Fatalf("error %v maps to %v, want %v", err, got, want)
	}
}

func TestErrnoOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Errno
		ok   bool
	}{
		{"nil", nil, OK, true},
		{"not exist", ErrNotExist, ENOENT, true},
		{"wrapped", fmt.Errorf("open /a: %w", ErrNotEmpty), ENOTEMPTY, true},
		{"os path error", &os.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT}, ENOENT, true},
		{"errno itself", EXDEV, EXDEV, true},
		{"syscall errno", syscall.EACCES, EACCES, true},
		{"eperm before eacces", syscall.EPERM, EPERM, true},
		{"not permitted sentinel", ErrNotPermitted, EPERM, true},
		{"permission sentinel", ErrPermission, EACCES, true},
		{"canceled", context.Canceled, EINTR, true},
		{"unsupported", errors.ErrUnsupported, ENOTSUP, true},
		{"closed", iofs.ErrClosed, EBADF, true},
		{"panic", &PanicError{Event: "x"}, EIO, true},
		{"unknown", errors.New("disk on fire"), EIO, false},
		{"unknown errno", syscall.Errno(0x7ff), EIO, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ErrnoOf(tt.err)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ErrnoOf(%v) = %v, %v; want %v, %v", tt.err, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEveryErrnoHasASentinel(t *testing.T) {
	for _, e := range Errnos() {
		found := false
		for _, row := range errorTable {
			if row.errno == e {
				found = true
				if !errors.Is(e, row.err) {
					t.Errorf("errors.Is(%v, %v) is false", e, row.err)
				}
			}
		}
		if !found {
			t.Errorf("%v has no row in the error table", e)
		}
		if e.String() == "" || strings.HasPrefix(e.String(), "Errno(") {
			t.Errorf("%d has no name", e)
		}
	}
}

func TestCloseFileExactlyOnce(t *testing.T) {
	for _, fireAll := range []bool{false, true} {
		t.Run(fmt.Sprintf("fireAll=%v", fireAll), func(t *testing.T) {
			v, f := newTestVolume(t, Options{FireAllOpenCloseEvents: fireAll})
			mustCreate(t, v, "/a", "hello")
			node := f.nodes["/a"]
			f.opens, f.closes = map[any]int{}, map[any]int{}
			var hs []*Handle
			for i := 0; i < 3; i++ {
				h, err := v.Open(bg, "/a", AccessRead, 0)
				if err != nil {
					t.Fatal(err)
				}
				if h.FileContext() != node {
					t.Fatalf("handle %d has FileContext %v, want the node", i, h.FileContext())
				}
				hs = append(hs, h)
			}
			for _, h := range hs {
				h.Release(bg)
				h.Release(bg) // a second close does nothing
			}
			want := 1
			if fireAll {
				want = 3
			}
			if f.opens[node] != want || f.closes[node] != want {
				t.Fatalf("opens %d closes %d, want %d each", f.opens[node], f.closes[node], want)
			}
			if len(v.files) != 0 {
				t.Fatalf("open-file table not empty: %v", v.files)
			}
		})
	}
}

func TestUnmountedClosesEverything(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "x")
	h, err := v.Open(bg, "/a", AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.OpenDir(bg, "/")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ReadDir(bg, 0, func(*FileInfo, int64) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if err := v.Unmounted(bg, "/mnt"); err != nil {
		t.Fatal(err)
	}
	if f.closes[f.nodes["/a"]] != 2 { // once for the create, once for the open
		t.Fatalf("closes of /a = %d, want 2", f.closes[f.nodes["/a"]])
	}
	if f.enums != 1 || f.enumCloses != 1 {
		t.Fatalf("enumerations %d closed %d", f.enums, f.enumCloses)
	}
	h.Release(bg)
	d.Close(bg)
	if f.closes[f.nodes["/a"]] != 2 || f.enumCloses != 1 {
		t.Fatal("a close after unmount fired an event again")
	}
	if _, err := v.Open(bg, "/a", AccessRead, 0); err == nil {
		t.Fatal("open after unmount succeeded")
	}
}

func TestPanicFailsOnlyThatRequest(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "data")
	f.hook = func(op, name string) error {
		if op == "ReadFile" && name == "/a" {
			panic("boom")
		}
		return nil
	}
	h, err := v.Open(bg, "/a", AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	_, err = h.Read(bg, make([]byte, 4), 0)
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("read error %v, want a PanicError with a stack", err)
	}
	wantErrno(t, err, EIO)
	if len(f.errorsSeen) != 1 {
		t.Fatalf("OnError saw %d errors, want 1", len(f.errorsSeen))
	}
	f.hook = nil
	buf := make([]byte, 4)
	if n, err := h.Read(bg, buf, 0); err != nil || string(buf[:n]) != "data" {
		t.Fatalf("read after panic: %q, %v", buf[:n], err)
	}
	for _, s := range v.Stats() {
		if s.Event != "OnReadFile" {
			continue
		}
		var inBuckets uint64
		for _, b := range s.Buckets {
			inBuckets += b
		}
		if s.Calls != 2 || s.Errors != 1 || s.Bytes != 4 || inBuckets != 2 {
			t.Fatalf("OnReadFile stats %+v, want 2 calls (in the buckets too), 1 error, 4 bytes", s)
		}
	}
}

func TestUnmappedErrorIsReported(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	f.hook = func(op, name string) error { return errors.New("backend on fire") }
	_, err := v.Stat(bg, "/x")
	wantErrno(t, err, EIO)
	if len(f.errorsSeen) != 1 {
		t.Fatalf("OnError saw %d errors, want 1", len(f.errorsSeen))
	}
	f.hook = func(op, name string) error { return ErrNotExist }
	_, err = v.Stat(bg, "/x")
	wantErrno(t, err, ENOENT)
	if len(f.errorsSeen) != 1 {
		t.Fatal("a mapped error was reported as unhandled")
	}
}

func listAll(t *testing.T, d *Dir, from int64) []string {
	t.Helper()
	var names []string
	if err := d.ReadDir(bg, from, func(fi *FileInfo, _ int64) bool {
		names = append(names, fi.Name)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestEnumerationPaging(t *testing.T) {
	tests := []struct {
		name     string
		entries  int
		page     int
		pageSize int
	}{
		{"empty", 0, 0, 0},
		{"one page", 10, 0, 0},
		{"backend pages of 7", 100, 7, 0},
		{"volume pages of 3", 50, 0, 3},
		{"large", 3000, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, f := newTestVolume(t, Options{EnumerationPageSize: tt.pageSize})
			f.page = tt.page
			for i := 0; i < tt.entries; i++ {
				f.nodes[fmt.Sprintf("/f%05d", i)] = &fnode{info: FileInfo{Mode: attr.S_IFREG | 0o644}}
			}
			d, err := v.OpenDir(bg, "/")
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close(bg)
			names := listAll(t, d, 0)
			if len(names) != tt.entries {
				t.Fatalf("listed %d entries, want %d", len(names), tt.entries)
			}
			for i, n := range names {
				if n != fmt.Sprintf("f%05d", i) {
					t.Fatalf("entry %d is %q", i, n)
				}
			}
			// Stop part-way and continue from the returned position, as the kernel does.
			var first []string
			var next int64
			d.ReadDir(bg, 0, func(fi *FileInfo, n int64) bool {
				if len(first) == tt.entries/2 {
					return false
				}
				first, next = append(first, fi.Name), n
				return true
			})
			rest := listAll(t, d, next)
			if got := append(first, rest...); len(got) != tt.entries {
				t.Fatalf("stop and continue listed %d, want %d", len(got), tt.entries)
			}
			// Rewind: position 0 again restarts the listing.
			if again := listAll(t, d, 0); len(again) != tt.entries {
				t.Fatalf("rewind listed %d, want %d", len(again), tt.entries)
			}
		})
	}
}

func TestEnumerationWhileChanging(t *testing.T) {
	v, f := newTestVolume(t, Options{EnumerationPageSize: 4})
	for i := 0; i < 40; i++ {
		f.nodes[fmt.Sprintf("/f%02d", i)] = &fnode{info: FileInfo{Mode: attr.S_IFREG | 0o644}}
	}
	d, err := v.OpenDir(bg, "/")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(bg)
	seen := map[string]int{}
	i := 0
	err = d.ReadDir(bg, 0, func(fi *FileInfo, _ int64) bool {
		seen[fi.Name]++
		f.mu.Lock()
		if i%3 == 0 {
			f.nodes[fmt.Sprintf("/g%02d", i)] = &fnode{info: FileInfo{Mode: attr.S_IFREG}}
		} else {
			delete(f.nodes, fmt.Sprintf("/f%02d", 39-i))
		}
		f.mu.Unlock()
		i++
		return i < 10000
	})
	if err != nil {
		t.Fatal(err)
	}
	if i >= 10000 {
		t.Fatal("the listing did not end")
	}
}

func TestReadOnlyBackend(t *testing.T) {
	v := NewVolume(readOnlyFake{newFake()}, quietOpts(Options{}))
	if v.Capabilities().Writable {
		t.Fatal("a backend without WriteFileHandler is writable")
	}
	checks := map[string]error{
		"create": func() error { _, _, err := v.Create(bg, "/a", CreateRequest{Mode: 0o644}); return err }(),
		"mkdir":  func() error { _, err := v.Mkdir(bg, "/d", 0o755); return err }(),
		"open w": func() error { _, err := v.Open(bg, "/", AccessWrite, 0); return err }(),
		"remove": v.Remove(bg, "/a", false),
		"rename": v.Rename(bg, "/a", "/b", 0),
		"chmod":  func() error { _, err := v.SetAttributes(bg, "/", Change{Valid: ChangeMode}); return err }(),
	}
	for name, err := range checks {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", name, err)
		}
	}
}

func TestNameLimits(t *testing.T) {
	v, _ := newTestVolume(t, Options{MaxPathLength: 300})
	long := strings.Repeat("x", 256)
	_, _, err := v.Create(bg, "/"+long, CreateRequest{Mode: 0o644})
	wantErrno(t, err, ENAMETOOLONG)
	_, err = v.Lookup(bg, "/", long)
	wantErrno(t, err, ENAMETOOLONG)
	if _, err := v.Mkdir(bg, "/"+strings.Repeat("y", 255), 0o755); err != nil {
		t.Fatalf("255-byte name: %v", err)
	}
	_, err = v.Mkdir(bg, "/"+strings.Repeat("y", 255)+"/"+strings.Repeat("z", 50), 0o755)
	wantErrno(t, err, ENAMETOOLONG)
}

func TestRemoveRules(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/file", "x")
	v.Mkdir(bg, "/dir", 0o755)
	v.Mkdir(bg, "/full", 0o755)
	mustCreate(t, v, "/full/x", "")
	tests := []struct {
		name string
		path string
		dir  bool
		want Errno
	}{
		{"unlink dir", "/dir", false, EISDIR},
		{"rmdir file", "/file", true, ENOTDIR},
		{"rmdir non-empty", "/full", true, ENOTEMPTY},
		{"unlink missing", "/nope", false, ENOENT},
		{"rmdir root", "/", true, EBUSY},
		{"rmdir empty", "/dir", true, OK},
		{"unlink file", "/file", false, OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErrno(t, v.Remove(bg, tt.path, tt.dir), tt.want)
		})
	}
	if f.nodes["/file"] != nil || f.nodes["/dir"] != nil {
		t.Fatal("deleted files still exist")
	}
}

func TestUnlinkWhileOpen(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "still here")
	h, err := v.Open(bg, "/a", AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Remove(bg, "/a", false); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, v, "/a", "new file") // a new file of the same name is another file
	buf := make([]byte, 64)
	n, err := h.Read(bg, buf, 0)
	if err != nil || string(buf[:n]) != "still here" {
		t.Fatalf("read of unlinked file: %q, %v", buf[:n], err)
	}
	fi, err := h.Stat(bg)
	if err != nil || fi.Size != 10 {
		t.Fatalf("fstat of unlinked file: %+v, %v", fi, err)
	}
	h.Release(bg)
	if f.pendingDeletion != 1 {
		t.Fatalf("PendingDeletion closes = %d, want 1", f.pendingDeletion)
	}
}

func TestRenameRules(t *testing.T) {
	setup := func(t *testing.T) (*Volume, *fake) {
		v, f := newTestVolume(t, Options{})
		mustCreate(t, v, "/f1", "one")
		mustCreate(t, v, "/f2", "two")
		v.Mkdir(bg, "/d1", 0o755)
		v.Mkdir(bg, "/d2", 0o755)
		v.Mkdir(bg, "/full", 0o755)
		mustCreate(t, v, "/full/x", "")
		return v, f
	}
	tests := []struct {
		name     string
		old, new string
		flags    RenameFlags
		want     Errno
		replace  bool
	}{
		{"file over file", "/f1", "/f2", 0, OK, true},
		{"file to new name", "/f1", "/f3", 0, OK, false},
		{"file into dir", "/f1", "/d1/f1", 0, OK, false},
		{"dir over empty dir", "/d1", "/d2", 0, OK, true},
		{"dir over non-empty dir", "/d1", "/full", 0, ENOTEMPTY, false},
		{"dir over file", "/d1", "/f1", 0, ENOTDIR, false},
		{"file over dir", "/f1", "/d1", 0, EISDIR, false},
		{"dir into itself", "/d1", "/d1/sub", 0, EINVAL, false},
		{"missing source", "/nope", "/x", 0, ENOENT, false},
		{"noreplace existing", "/f1", "/f2", RenameNoReplace, EEXIST, false},
		{"noreplace new", "/f1", "/f9", RenameNoReplace, OK, false},
		{"same name", "/f1", "/f1", 0, OK, false},
		{"root", "/", "/x", 0, EBUSY, false},
		{"exchange missing target", "/f1", "/nope", RenameExchange, ENOENT, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, f := setup(t)
			f.lastRename = RenameOrMoveFileEvent{}
			wantErrno(t, v.Rename(bg, tt.old, tt.new, tt.flags), tt.want)
			if tt.want == OK && tt.old != tt.new && f.lastRename.ReplaceIfExists != tt.replace {
				t.Fatalf("ReplaceIfExists = %v, want %v", f.lastRename.ReplaceIfExists, tt.replace)
			}
		})
	}
}

func TestRenameMovesOpenFiles(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	v.Mkdir(bg, "/d", 0o755)
	mustCreate(t, v, "/d/a", "content")
	mustCreate(t, v, "/victim", "old")
	h, _ := v.Open(bg, "/d/a", AccessRead, 0)
	defer h.Release(bg)
	victim, _ := v.Open(bg, "/victim", AccessRead, 0)
	defer victim.Release(bg)
	if err := v.Rename(bg, "/d", "/e", 0); err != nil {
		t.Fatal(err)
	}
	if h.Name() != "/e/a" {
		t.Fatalf("open handle's name after rename is %q", h.Name())
	}
	if err := v.Rename(bg, "/e/a", "/victim", 0); err != nil {
		t.Fatal(err)
	}
	if h.Name() != "/victim" {
		t.Fatalf("open handle's name after rename over a file is %q", h.Name())
	}
	buf := make([]byte, 16)
	if n, _ := victim.Read(bg, buf, 0); string(buf[:n]) != "old" {
		t.Fatalf("the replaced file's handle reads %q", buf[:n])
	}
}

func TestCreateOpensExisting(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "abc")
	_, _, err := v.Create(bg, "/a", CreateRequest{Mode: 0o644, Exclusive: true})
	wantErrno(t, err, EEXIST)
	h, fi, err := v.Create(bg, "/a", CreateRequest{Mode: 0o644, Access: AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	if fi.Size != 3 {
		t.Fatalf("size %d", fi.Size)
	}
	h2, err := v.Open(bg, "/a", AccessWrite, OpenTruncate)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Release(bg)
	if fi, _ := h2.Stat(bg); fi.Size != 0 {
		t.Fatalf("O_TRUNC left size %d", fi.Size)
	}
}

func TestSetgidDirectoryInheritance(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	ctx := WithCaller(bg, Caller{Pid: 1, Uid: 1000, Gid: 1000})
	if _, err := v.Mkdir(ctx, "/shared", 0o2775); err != nil {
		t.Fatal(err)
	}
	f.nodes["/shared"].info.Gid = 50
	fi, err := v.Mkdir(ctx, "/shared/sub", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Gid != 50 || fi.Mode&attr.S_ISGID == 0 {
		t.Fatalf("subdirectory gid %d mode %o, want gid 50 with setgid", fi.Gid, fi.Mode)
	}
	_, fi, err = v.Create(ctx, "/shared/file", CreateRequest{Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Gid != 50 || fi.Mode&attr.S_ISGID != 0 || fi.Uid != 1000 {
		t.Fatalf("file uid %d gid %d mode %o", fi.Uid, fi.Gid, fi.Mode)
	}
}

func TestCaseInsensitiveLookup(t *testing.T) {
	v, _ := newTestVolume(t, Options{CaseInsensitive: true})
	mustCreate(t, v, "/ReadMe.TXT", "x")
	fi, err := v.Lookup(bg, "/", "readme.txt")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name != "ReadMe.TXT" {
		t.Fatalf("name %q, want the stored case", fi.Name)
	}
	cs, _ := newTestVolume(t, Options{})
	mustCreate(t, cs, "/ReadMe.TXT", "x")
	_, err = cs.Lookup(bg, "/", "readme.txt")
	wantErrno(t, err, ENOENT)
}

func TestMaxFileSize(t *testing.T) {
	v, _ := newTestVolume(t, Options{MaxFileSize: 10})
	h, _, err := v.Create(bg, "/a", CreateRequest{Mode: 0o644, Access: AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	n, err := h.Write(bg, []byte("0123456789abc"), 0)
	if err != nil || n != 10 {
		t.Fatalf("write past the limit: %d, %v; want a short write of 10", n, err)
	}
	_, err = h.Write(bg, []byte("x"), 10)
	wantErrno(t, err, EFBIG)
	_, err = h.SetAttributes(bg, Change{Valid: ChangeSize, Size: 11})
	wantErrno(t, err, EFBIG)
}

func TestSerializeAll(t *testing.T) {
	v, f := newTestVolume(t, Options{Serialize: SerializeAll})
	mustCreate(t, v, "/a", "x")
	inside := make(chan struct{})
	release := make(chan struct{})
	f.hook = func(op, name string) error {
		if op == "ReadFile" {
			inside <- struct{}{}
			<-release
		}
		return nil
	}
	h, _ := v.Open(bg, "/a", AccessRead, 0)
	defer h.Release(bg)
	go h.Read(bg, make([]byte, 1), 0)
	<-inside
	done := make(chan struct{})
	go func() { v.Stat(bg, "/a"); close(done) }()
	select {
	case <-done:
		t.Fatal("an event ran while another was in progress under SerializeAll")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
}

func TestLocks(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "x")
	h1, _ := v.Open(bg, "/a", AccessRead|AccessWrite, 0)
	h2, _ := v.Open(bg, "/a", AccessRead|AccessWrite, 0)
	defer h1.Release(bg)
	defer h2.Release(bg)
	whole := Lock{Start: 0, End: math.MaxUint64}
	wr := whole
	wr.Type = LockWrite
	if err := h1.SetLock(bg, 1, Lock{Start: 0, End: 99, Type: LockWrite}, false, false); err != nil {
		t.Fatal(err)
	}
	// Another owner conflicts; the same owner does not.
	got, _ := h2.GetLock(bg, 2, Lock{Start: 50, End: 60, Type: LockRead}, false)
	if got.Type != LockWrite || got.Start != 0 || got.End != 99 {
		t.Fatalf("GetLock = %+v", got)
	}
	wantErrno(t, h2.SetLock(bg, 2, Lock{Start: 50, End: 60, Type: LockRead}, false, false), EAGAIN)
	if err := h2.SetLock(bg, 2, Lock{Start: 100, End: 200, Type: LockWrite}, false, false); err != nil {
		t.Fatalf("non-overlapping lock: %v", err)
	}
	// Unlocking the middle splits the range.
	h1.SetLock(bg, 1, Lock{Start: 40, End: 59, Type: LockUnlock}, false, false)
	if err := h2.SetLock(bg, 2, Lock{Start: 45, End: 50, Type: LockWrite}, false, false); err != nil {
		t.Fatalf("lock in the unlocked hole: %v", err)
	}
	wantErrno(t, h2.SetLock(bg, 2, Lock{Start: 30, End: 30, Type: LockRead}, false, false), EAGAIN)
	// flock locks do not conflict with POSIX locks, only with each other.
	if err := h1.SetLock(bg, 0, wr, true, false); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, h2.SetLock(bg, 0, wr, true, false), EAGAIN)
	// A waiting lock is granted when the holder releases, and a canceled wait is EINTR.
	ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
	defer cancel()
	wantErrno(t, h2.SetLock(ctx, 0, wr, true, true), EINTR)
	granted := make(chan error)
	go func() { granted <- h2.SetLock(bg, 0, wr, true, true) }()
	h1.Release(bg) // releases h1's flock and, through the close, nothing of owner 1's POSIX locks
	if err := <-granted; err != nil {
		t.Fatal(err)
	}
	// Close releases the POSIX locks of its owner.
	h3, _ := v.Open(bg, "/a", AccessRead, 0)
	h3.SetLock(bg, 7, Lock{Start: 1000, End: 2000, Type: LockWrite}, false, false)
	h3.Close(bg, 7)
	if got, _ := h2.GetLock(bg, 2, Lock{Start: 1500, End: 1500, Type: LockWrite}, false); got.Type != LockUnlock {
		t.Fatalf("lock survived the flush of its owner: %+v", got)
	}
	h3.Release(bg)
}

func TestReadWriteRoundTrip(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	h, _, err := v.Create(bg, "/a", CreateRequest{Mode: 0o600, Access: AccessRead | AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	data := bytes.Repeat([]byte("anyfs"), 1000)
	if n, err := h.Write(bg, data, 100); err != nil || n != len(data) {
		t.Fatalf("write %d, %v", n, err)
	}
	buf := make([]byte, len(data)+200)
	n, err := h.Read(bg, buf, 0)
	if err != nil || n != len(data)+100 {
		t.Fatalf("read %d, %v", n, err)
	}
	if !bytes.Equal(buf[100:n], data) || !bytes.Equal(buf[:100], make([]byte, 100)) {
		t.Fatal("content differs")
	}
	_, err = h.Read(bg, buf, -1)
	wantErrno(t, err, EINVAL)
}

func TestSymlinkAndNormalize(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	fi, err := v.Symlink(bg, "../target", "/l")
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode.IsSymlink() || fi.Attributes&attr.ReparsePoint == 0 {
		t.Fatalf("symlink info %+v", fi)
	}
	if target, err := v.Readlink(bg, "/l"); err != nil || target != "../target" {
		t.Fatalf("readlink %q, %v", target, err)
	}
	fi, _ = v.Stat(bg, "/")
	if !fi.IsDir() || fi.LinkCount != 2 || fi.Attributes&attr.Directory == 0 {
		t.Fatalf("root info %+v", fi)
	}
}

func TestReadWriteDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", strings.Repeat("x", 8192))
	h, err := v.Open(bg, "/a", AccessRead|AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	buf := make([]byte, 4096)
	if n := testing.AllocsPerRun(100, func() { h.Read(bg, buf, 0) }); n != 0 {
		t.Errorf("Read allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { h.Write(bg, buf, 0) }); n != 0 {
		t.Errorf("Write allocates %v times per call", n)
	}
}

func TestCanDelete(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/file", "x")
	v.Mkdir(bg, "/full", 0o755)
	mustCreate(t, v, "/full/x", "")
	if err := v.CanDelete(bg, "/file"); err != nil {
		t.Fatalf("CanDelete of a file: %v", err)
	}
	wantErrno(t, v.CanDelete(bg, "/full"), ENOTEMPTY)
	wantErrno(t, v.CanDelete(bg, "/missing"), ENOENT)
	if f.nodes["/file"] == nil {
		t.Fatal("CanDelete deleted")
	}
}

func TestReadOnlyAttributeChangesMode(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "x")
	fi, err := v.SetAttributes(bg, "/a", Change{Valid: ChangeAttributes, Attributes: attr.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode.Perm()&0o222 != 0 {
		t.Fatalf("READONLY left write bits: %o", fi.Mode)
	}
	fi, err = v.SetAttributes(bg, "/a", Change{Valid: ChangeAttributes, Attributes: attr.Normal})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode.Perm()&0o200 == 0 {
		t.Fatalf("clearing READONLY left no owner write bit: %o", fi.Mode)
	}
}

// A call by path on an open file keeps the file's FileContext alive: the last
// handle's close during the call does not close it under the call's feet.
func TestPathCallHoldsOpenFile(t *testing.T) {
	v, f := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "content")
	h, err := v.Open(bg, "/a", AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	node := f.nodes["/a"]
	inside, release := make(chan struct{}), make(chan struct{})
	f.hook = func(op, name string) error {
		if op == "SetFileSize" {
			close(inside)
			<-release
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.closes[node] > 1 { // one close is the create's
				return ErrBadHandle
			}
		}
		return nil
	}
	done := make(chan error)
	go func() {
		_, err := v.SetAttributes(bg, "/a", Change{Valid: ChangeSize, Size: 3})
		done <- err
	}()
	<-inside
	h.Release(bg) // the last handle: its close must wait for the truncate
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("truncate by path while the last handle closed: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closes[node] != 2 {
		t.Fatalf("OnCloseFile fired %d times, want 2 (create and open)", f.closes[node])
	}
}
