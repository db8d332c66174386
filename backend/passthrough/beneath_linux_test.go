package passthrough

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

// TestOpenBeneath checks which paths the kernel resolves in one call and which it
// leaves to os.Root, and that the backend answers the same either way.
func TestOpenBeneath(t *testing.T) {
	p, _, root, outside := setup(t, nil)
	escapeFixture(t, root, outside)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "d/e"), 0o755))
	must(os.WriteFile(filepath.Join(root, "d/e/f"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(root, "file"), nil, 0o644))
	must(os.Symlink("d", filepath.Join(root, "in")))
	long := strings.Repeat("x", 250)
	deep := strings.TrimSuffix(strings.Repeat(long+"/", 17), "/") // longer than PATH_MAX
	// Directories deeper than PATH_MAX, made one level at a time.
	must(os.Mkdir(filepath.Join(root, "long"), 0o755))
	fd, err := unix.Open(filepath.Join(root, "long"), unix.O_PATH|unix.O_DIRECTORY, 0)
	must(err)
	for i := 0; i < 18; i++ {
		must(unix.Mkdirat(fd, long, 0o755))
		next, err := unix.Openat(fd, long, unix.O_PATH|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		must(err)
		fd = next
	}
	unix.Close(fd)
	if noOpenat2.Load() {
		t.Skip("openat2 is not available here: every path takes os.Root")
	}
	tests := []struct {
		dir    string
		ok     bool  // resolved by openat2
		errno  error // with this error
		lookup string
	}{
		{dir: "d", ok: true, lookup: "/d/e"},
		{dir: "d/e", ok: true, lookup: "/d/e/f"},
		{dir: "missing", ok: true, errno: unix.ENOENT, lookup: "/missing/f"},
		{dir: "file", ok: true, errno: unix.ENOTDIR, lookup: "/file/f"},
		{dir: "in", ok: false, lookup: "/in/e/f"},      // a link inside the root: os.Root follows it
		{dir: "abs", ok: false, lookup: "/abs/canary"}, // a link out of the root: os.Root refuses it
		{dir: "long/" + deep, ok: false, lookup: "/long/" + deep + "/" + long},
	}
	for _, tt := range tests {
		t.Run(tt.dir[:min(len(tt.dir), 20)], func(t *testing.T) {
			fd, ok, err := openBeneath(p.rootFd, tt.dir)
			if fd >= 0 {
				unix.Close(fd)
			}
			if ok != tt.ok || err != tt.errno {
				t.Fatalf("openBeneath(%q) = ok %v, err %v; want ok %v, err %v", tt.dir, ok, err, tt.ok, tt.errno)
			}
			// Through the backend: the same answer as the host gives for a path
			// inside the root, and no way out of it.
			e := &fs.GetFileInfoEvent{Name: tt.lookup}
			err = p.OnGetFileInfo(context.Background(), e)
			host := filepath.Join(root, tt.lookup)
			_, herr := os.Lstat(host)
			switch {
			case tt.dir == "abs":
				if err == nil {
					t.Fatalf("lookup %s through a link out of the root succeeded", tt.lookup)
				}
			case tt.dir == "long/"+deep:
				if err != nil || !e.Info.IsDir() {
					t.Fatalf("lookup of a directory deeper than PATH_MAX: %v", err)
				}
			case (err == nil) != (herr == nil):
				t.Fatalf("lookup %s: backend %v, host %v", tt.lookup, err, herr)
			}
		})
	}
}
