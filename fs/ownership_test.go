package fs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// TestOwnership checks what Options.Ownership makes a volume show, through
// Stat, ReadDir and the replies of Create and Symlink, and what it stores.
func TestOwnership(t *testing.T) {
	// A memfs with a file and a directory of uid 1000 / gid 100 and a link.
	be := memfs.New(nil)
	plain := fs.NewVolume(be, &fs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := fs.WithCaller(context.Background(), fs.Caller{Pid: 1, Uid: 1000, Gid: 100})
	h, _, err := plain.Create(ctx, "/f", fs.CreateRequest{Mode: 0o664, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	if _, err := plain.Mkdir(ctx, "/d", 0o775); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Symlink(ctx, "f", "/l"); err != nil {
		t.Fatal(err)
	}

	type shown struct {
		uid, gid uint32
		perm     attr.Mode
	}
	tests := []struct {
		name       string
		own        fs.Ownership
		f, d, l    shown
		createdUid uint32 // stored owner of a file created by shown uid 5
	}{
		{name: "none", own: fs.Ownership{},
			f: shown{1000, 100, 0o664}, d: shown{1000, 100, 0o775}, l: shown{1000, 100, 0o777}, createdUid: 5},
		{name: "owner and group", own: fs.Ownership{Uid: 7, Gid: 8, SetUid: true, SetGid: true},
			f: shown{7, 8, 0o664}, d: shown{7, 8, 0o775}, l: shown{7, 8, 0o777}, createdUid: 5},
		{name: "umask", own: fs.Ownership{Umask: 0o027},
			f: shown{1000, 100, 0o640}, d: shown{1000, 100, 0o750}, l: shown{1000, 100, 0o777}, createdUid: 5},
		{name: "modes and umask", own: fs.Ownership{FileMode: 0o666, DirMode: 0o777, SetFileMode: true, SetDirMode: true, Umask: 0o002},
			f: shown{1000, 100, 0o664}, d: shown{1000, 100, 0o775}, l: shown{1000, 100, 0o777}, createdUid: 5},
		{name: "file mode only", own: fs.Ownership{FileMode: 0o400, SetFileMode: true},
			f: shown{1000, 100, 0o400}, d: shown{1000, 100, 0o775}, l: shown{1000, 100, 0o777}, createdUid: 5},
		{name: "maps", own: fs.Ownership{UidMap: map[uint32]uint32{1000: 5}, GidMap: map[uint32]uint32{100: 6}},
			f: shown{5, 6, 0o664}, d: shown{5, 6, 0o775}, l: shown{5, 6, 0o777}, createdUid: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own := tt.own
			v := fs.NewVolume(be, &fs.Options{Ownership: &own, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			check := func(what string, fi fs.FileInfo, want shown) {
				t.Helper()
				if got := (shown{fi.Uid, fi.Gid, fi.Mode.Perm()}); got != want {
					t.Errorf("%s: uid %d gid %d perm %o; want uid %d gid %d perm %o", what, got.uid, got.gid, got.perm, want.uid, want.gid, want.perm)
				}
			}
			for name, want := range map[string]shown{"/f": tt.f, "/d": tt.d, "/l": tt.l} {
				fi, err := v.Stat(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				check("stat "+name, fi, want)
			}
			d, err := v.OpenDir(ctx, "/")
			if err != nil {
				t.Fatal(err)
			}
			err = d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool {
				switch fi.Name {
				case "f":
					check("readdir f", *fi, tt.f)
				case "d":
					check("readdir d", *fi, tt.d)
				}
				return true
			})
			d.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}

			// A file created by shown uid 5 / gid 6 is stored with the mapped-back ids.
			as5 := fs.WithCaller(context.Background(), fs.Caller{Pid: 1, Uid: 5, Gid: 6})
			h, _, err := v.Create(as5, "/new", fs.CreateRequest{Mode: 0o600, Access: fs.AccessWrite})
			if err != nil {
				t.Fatal(err)
			}
			h.Release(as5)
			defer v.Remove(ctx, "/new", false)
			stored, err := plain.Stat(ctx, "/new")
			if err != nil || stored.Uid != tt.createdUid {
				t.Errorf("created by uid 5: stored uid %d, %v; want %d", stored.Uid, err, tt.createdUid)
			}
			// chown to a shown id stores the backend's.
			root := fs.WithCaller(context.Background(), fs.Caller{Pid: 1})
			if _, err := v.SetAttributes(root, "/new", fs.Change{Valid: fs.ChangeUid, Uid: 5}); err != nil {
				t.Fatal(err)
			}
			if stored, _ := plain.Stat(ctx, "/new"); stored.Uid != tt.createdUid {
				t.Errorf("chown to uid 5: stored uid %d, want %d", stored.Uid, tt.createdUid)
			}
		})
	}
}
