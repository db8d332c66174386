package fs

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyfs/anyfs/internal/wine"
)

func TestAccessRules(t *testing.T) {
	self := uint32(os.Getpid())
	me, err := LookupProcess(self)
	if err != nil {
		t.Skipf("no process information on this system: %v", err)
	}
	caller := WithCaller(bg, Caller{Pid: self, Uid: 1000, Gid: 100})
	other := WithCaller(bg, Caller{Pid: 1, Uid: 0, Gid: 0})
	tests := []struct {
		name        string
		rules       []AccessRule
		read, write Errno // for caller
		otherRead   Errno
	}{
		{"no rules", nil, OK, OK, OK},
		{"deny my name read", []AccessRule{{Deny: true, Access: AccessRead, Match: MatchProcessName, ProcessName: me.Name}}, EACCES, OK, OK},
		{"deny my pid write", []AccessRule{{Deny: true, Access: AccessWrite, Match: MatchPid, Pid: self}}, OK, EACCES, OK},
		{"grant only uid 0", []AccessRule{{Access: AccessRead | AccessWrite, Match: MatchUid, Uid: 0}}, EACCES, EACCES, OK},
		{"grant my gid read", []AccessRule{{Access: AccessRead, Match: MatchGid, Gid: 100}}, OK, OK, EACCES},
		{"deny all write", []AccessRule{{Deny: true, Access: AccessWrite, Match: MatchAll}}, OK, EACCES, OK},
		{"deny parent and children", []AccessRule{{Deny: true, Access: AccessRead, Match: MatchPid, Pid: me.Ppid, IncludeChildren: true}}, EACCES, OK, OK},
		{"deny parent only", []AccessRule{{Deny: true, Access: AccessRead, Match: MatchPid, Pid: me.Ppid}}, OK, OK, OK},
		{"deny my name elsewhere", []AccessRule{{Deny: true, Access: AccessRead, Match: MatchProcessName, ProcessName: "/nonexistent/" + me.Name}}, OK, OK, OK},
	}
	if me.Path != "" { // the OS reports executable paths
		tests = append(tests, struct {
			name        string
			rules       []AccessRule
			read, write Errno
			otherRead   Errno
		}{"deny my path read", []AccessRule{{Deny: true, Access: AccessRead, Match: MatchProcessName, ProcessName: me.Path}}, EACCES, OK, OK})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if parent := len(tt.rules) > 0 && tt.rules[0].Match == MatchPid && tt.rules[0].Pid == me.Ppid; parent && me.Ppid == 0 {
				wine.Skip(t, "a process started from Linux has no parent process (pid 0)")
				t.Fatalf("LookupProcess(%d) found no parent process", self)
			}
			v, _ := newTestVolume(t, Options{AccessRules: tt.rules})
			mustCreate(t, v, "/a", "x")
			h, err := v.Open(caller, "/a", AccessRead, 0)
			wantErrno(t, err, tt.read)
			if h != nil {
				h.Release(bg)
			}
			_, err = v.Mkdir(caller, "/d", 0o755)
			wantErrno(t, err, tt.write)
			h, err = v.Open(other, "/a", AccessRead, 0)
			wantErrno(t, err, tt.otherRead)
			if h != nil {
				h.Release(bg)
			}
			if _, err := v.Stat(caller, "/a"); err != nil {
				t.Fatalf("stat was refused: %v", err)
			}
		})
	}
	t.Run("at run time", func(t *testing.T) {
		v, _ := newTestVolume(t, Options{})
		mustCreate(t, v, "/a", "x")
		r := AccessRule{Deny: true, Access: AccessRead, Match: MatchPid, Pid: self}
		v.AddAccessRule(r)
		_, err := v.Open(caller, "/a", AccessRead, 0)
		wantErrno(t, err, EACCES)
		if !v.RemoveAccessRule(r) || len(v.AccessRules()) != 0 {
			t.Fatal("rule not removed")
		}
		h, err := v.Open(caller, "/a", AccessRead, 0)
		if err != nil {
			t.Fatal(err)
		}
		h.Release(bg)
	})
}

// slowFake counts OnGetFileInfo calls.
type countingFake struct {
	*fake
	infos atomic.Int64
}

func (c *countingFake) OnGetFileInfo(ctx context.Context, e *GetFileInfoEvent) error {
	c.infos.Add(1)
	return c.fake.OnGetFileInfo(ctx, e)
}

func TestMetadataCache(t *testing.T) {
	b := &countingFake{fake: newFake()}
	v := NewVolume(b, quietOpts(Options{MetadataCacheTTL: time.Hour, NegativeCacheTTL: time.Hour}))
	mustCreate(t, v, "/a", "12345")
	b.infos.Store(0)
	for i := 0; i < 10; i++ {
		if fi, err := v.Stat(bg, "/a"); err != nil || fi.Size != 5 {
			t.Fatalf("stat: %+v, %v", fi, err)
		}
		if _, err := v.Stat(bg, "/missing"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("stat of missing: %v", err)
		}
	}
	if n := b.infos.Load(); n != 2 {
		t.Fatalf("backend asked %d times, want 2 (one per name)", n)
	}
	// Changes through the volume are never answered from a stale cache.
	h, _ := v.Open(bg, "/a", AccessWrite, 0)
	h.Write(bg, []byte("longer content"), 0)
	if fi, _ := v.Stat(bg, "/a"); fi.Size != 14 {
		t.Fatalf("stat after write: size %d", fi.Size)
	}
	h.Release(bg)
	mustCreate(t, v, "/missing", "now here")
	if _, err := v.Stat(bg, "/missing"); err != nil {
		t.Fatalf("stat after create: %v", err)
	}
	if err := v.Rename(bg, "/a", "/b", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Stat(bg, "/a"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("stat of the old name after rename: %v", err)
	}
	// Changes behind the volume's back are seen after NotifyChange.
	v.Stat(bg, "/b")
	b.mu.Lock()
	b.nodes["/b"].data = nil
	b.mu.Unlock()
	if fi, _ := v.Stat(bg, "/b"); fi.Size != 14 {
		t.Fatal("the cache did not serve the cached size")
	}
	if err := v.NotifyChange(ChangeModified, "/b", ""); err != nil {
		t.Fatal(err)
	}
	if fi, _ := v.Stat(bg, "/b"); fi.Size != 0 {
		t.Fatalf("stat after NotifyChange: size %d", fi.Size)
	}
}

type recordingInvalidator struct{ entries, contents []string }

func (r *recordingInvalidator) InvalidateEntry(dir, name string) error {
	r.entries = append(r.entries, Join(dir, name))
	return nil
}

func (r *recordingInvalidator) InvalidateContent(name string) error {
	r.contents = append(r.contents, name)
	return nil
}

func TestNotifyChange(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	inv := &recordingInvalidator{}
	v.SetInvalidator(inv)
	v.Mkdir(bg, "/d", 0o755)
	mustCreate(t, v, "/d/a", "x")
	h, _ := v.Open(bg, "/d/a", AccessRead, 0)
	defer h.Release(bg)
	if err := v.NotifyChange(ChangeRenamed, "/d/a", "/d/b"); err != nil {
		t.Fatal(err)
	}
	if h.Name() != "/d/b" {
		t.Fatalf("open file not moved: %s", h.Name())
	}
	if len(inv.entries) != 2 || inv.entries[0] != "/d/a" || inv.entries[1] != "/d/b" {
		t.Fatalf("entries invalidated: %v", inv.entries)
	}
	if err := v.NotifyChange(ChangeKind(99), "/x", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestOpenFilesSnapshot(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "x")
	ctx := WithCaller(bg, Caller{Pid: uint32(os.Getpid())})
	h1, _ := v.Open(ctx, "/a", AccessRead, 0)
	h2, _ := v.Open(ctx, "/a", AccessRead, 0)
	d, _ := v.OpenDir(ctx, "/")
	snap := v.OpenFiles()
	if len(snap) != 2 || snap[0].Name != "/" || snap[1].Name != "/a" || snap[1].Handles != 2 {
		t.Fatalf("snapshot %+v", snap)
	}
	if len(snap[1].Processes) != 1 || snap[1].Processes[0].Name == "" {
		t.Fatalf("processes %+v", snap[1].Processes)
	}
	if v.OpenFileCount() != 2 || v.OpenHandleCount() != 3 {
		t.Fatalf("counts %d files %d handles", v.OpenFileCount(), v.OpenHandleCount())
	}
	h1.Release(bg)
	h2.Release(bg)
	d.Close(bg)
	if v.OpenHandleCount() != 0 || len(v.OpenFiles()) != 0 {
		t.Fatal("snapshot not empty after closing")
	}
}

func TestRealName(t *testing.T) {
	v, _ := newTestVolume(t, Options{CaseInsensitive: true})
	v.Mkdir(bg, "/Docs", 0o755)
	mustCreate(t, v, "/Docs/ReadMe.TXT", "x")
	tests := []struct {
		name, want string
		errno      Errno
	}{
		{"/docs/readme.txt", "/Docs/ReadMe.TXT", OK},
		{"/DOCS", "/Docs", OK},
		{"/", "/", OK},
		{"/docs/missing", "", ENOENT},
	}
	for _, tt := range tests {
		got, err := v.RealName(bg, tt.name)
		if e, _ := ErrnoOf(err); e != tt.errno || got != tt.want {
			t.Errorf("RealName(%q) = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.errno)
		}
	}
}
