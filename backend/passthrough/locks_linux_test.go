package passthrough

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
)

func TestGaps(t *testing.T) {
	const end = math.MaxUint64
	for _, c := range []struct {
		start, end uint64
		kept       []fs.Lock
		want       []fs.Lock
	}{
		{0, 99, nil, []fs.Lock{{Start: 0, End: 99}}},
		{0, 99, []fs.Lock{{Start: 0, End: 99}}, nil},
		{0, 99, []fs.Lock{{Start: 40, End: 49}, {Start: 10, End: 19}}, []fs.Lock{{Start: 0, End: 9}, {Start: 20, End: 39}, {Start: 50, End: 99}}},
		{0, end, []fs.Lock{{Start: 5, End: end}}, []fs.Lock{{Start: 0, End: 4}}},
		{0, end, []fs.Lock{{Start: 0, End: 4}}, []fs.Lock{{Start: 5, End: end}}},
		{10, 20, []fs.Lock{{Start: 0, End: 12}, {Start: 11, End: 15}}, []fs.Lock{{Start: 16, End: 20}}},
	} {
		if got := gaps(c.start, c.end, c.kept); !slices.Equal(got, c.want) {
			t.Errorf("gaps(%d, %d, %v) = %v, want %v", c.start, c.end, c.kept, got, c.want)
		}
	}
}

// TestHostLockSurvivesReopen: the descriptor that holds the file's host locks stays
// open when a later handle makes the backend reopen the file with more access.
func TestHostLockSurvivesReopen(t *testing.T) {
	p, _, root, _ := setup(t, nil)
	name := filepath.Join(root, "f")
	if err := os.WriteFile(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := &fs.OpenFileEvent{Name: "/f", Access: fs.AccessRead}
	if err := p.OnOpenFile(ctx, e); err != nil {
		t.Fatal(err)
	}
	fc := e.FileContext.(*file)
	defer p.OnCloseFile(ctx, &fs.CloseFileEvent{FileContext: fc})
	ro, err := os.Open(name) // as when the host let this process open it read-only
	if err != nil {
		t.Fatal(err)
	}
	fc.f.Close()
	fc.f, fc.acc = ro, fs.AccessRead
	if err := p.OnLockFile(ctx, &fs.LockFileEvent{Name: "/f", FileContext: fc, Offset: 0, Length: 10}); err != nil {
		t.Fatal(err)
	}
	w := &fs.WriteFileEvent{Name: "/f", FileContext: fc, Position: 4, Buffer: []byte("!")}
	if err := p.OnWriteFile(ctx, w); err != nil {
		t.Fatal(err)
	}
	if fc.f == fc.lockf {
		t.Fatal("the file was not reopened for writing")
	}
	host, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 5, Len: 1}
	if err := unix.FcntlFlock(host.Fd(), unix.F_OFD_SETLK, &lk); err != unix.EAGAIN {
		t.Fatalf("host lock of a byte the backend holds, after a reopen: %v, want EAGAIN", err)
	}
	if err := p.OnUnlockFile(ctx, &fs.UnlockFileEvent{Name: "/f", FileContext: fc, Offset: 0, Length: 0}); err != nil {
		t.Fatal(err)
	}
	if err := unix.FcntlFlock(host.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		t.Fatalf("host lock after the backend's unlock: %v", err)
	}
}

// TestXattrNamespacesHost: the other namespaces reach the host's attributes, on
// symbolic links too, and a sparse host file reports its real allocation.
func TestXattrNamespacesHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("trusted. attributes need root")
	}
	_, v, root, _ := setup(t, nil)
	ctx := context.Background()
	if err := os.Symlink("nowhere", filepath.Join(root, "l")); err != nil {
		t.Fatal(err)
	}
	if err := v.SetXattr(ctx, "/l", "trusted.t", []byte("on the link"), 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(filepath.Join(root, "l"), "trusted.t", buf)
	if err != nil || string(buf[:n]) != "on the link" {
		t.Fatalf("the host's trusted.t of the link: %q, %v", buf[:max(n, 0)], err)
	}
	if err := unix.Lsetxattr(filepath.Join(root, "l"), "security.s", []byte("host"), 0); err != nil {
		t.Fatal(err)
	}
	if l, err := v.ListXattr(ctx, "/l"); err != nil || !slices.Contains(l, "trusted.t") || !slices.Contains(l, "security.s") {
		t.Fatalf("ListXattr of the link: %q, %v", l, err)
	}
	if err := os.WriteFile(filepath.Join(root, "sparse"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(root, "sparse"), 1<<30); err != nil {
		t.Fatal(err)
	}
	if fi, err := v.Stat(ctx, "/sparse"); err != nil || fi.AllocationSize != 0 {
		t.Fatalf("a sparse host file: allocation %d, %v; want 0", fi.AllocationSize, err)
	}
}
