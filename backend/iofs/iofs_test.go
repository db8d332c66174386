package iofs

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"errors"
	iofs "io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

//go:embed testdata
var embedded embed.FS

// content returns n bytes that are not easily compressible nor trivially aligned.
func content(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghij\n0123456789"[r.IntN(21)]
	}
	return b
}

var (
	mtime = time.Date(2021, 3, 4, 5, 6, 8, 0, time.UTC) // even seconds: zip's DOS time resolution
	big   = content(1, 1<<20+17)
	small = content(2, 1000)
)

type zipItem struct {
	name   string
	data   []byte
	method uint16
	mode   iofs.FileMode
}

// makeZip writes a zip of items (no directory entries unless named with "/").
func makeZip(t testing.TB, items []zipItem) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, it := range items {
		h := &zip.FileHeader{Name: it.name, Method: it.method, Modified: mtime}
		if it.mode != 0 {
			h.SetMode(it.mode)
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(it.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var zipItems = []zipItem{
	{"big.bin", big, zip.Deflate, 0o644},
	{"stored.bin", big, zip.Store, 0o600},
	{"a/b/c/deep.txt", small, zip.Deflate, 0o640},
	{"a/b/small.txt", small, zip.Store, 0o644},
	{"a/explicit/", nil, zip.Store, iofs.ModeDir | 0o700},
	{"a/link", []byte("b/small.txt"), zip.Store, iofs.ModeSymlink | 0o777},
	{"exec.sh", []byte("#!/bin/sh\n"), zip.Deflate, 0o755},
}

// trees returns the file systems under test with the files each must have.
func trees(t *testing.T) []struct {
	name  string
	b     *FS
	files map[string][]byte
} {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	os.MkdirAll(filepath.Join(dir, "a/b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a/b/small.txt"), small, 0o644)
	od, err := OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { od.Close() })

	zdata := makeZip(t, zipItems)
	zpath := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(zpath, zdata, 0o644)
	zf, err := OpenZip(zpath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zf.Close() })
	zsmall, err := NewZip(bytes.NewReader(zdata), int64(len(zdata)), &Options{ReadBackCache: 1000})
	if err != nil {
		t.Fatal(err)
	}
	znocache, err := NewZip(bytes.NewReader(zdata), int64(len(zdata)), &Options{ReadBackCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := embedded.ReadFile("testdata/hello.txt")
	zfiles := map[string][]byte{"/big.bin": big, "/stored.bin": big, "/a/b/c/deep.txt": small, "/a/b/small.txt": small, "/exec.sh": []byte("#!/bin/sh\n")}
	return []struct {
		name  string
		b     *FS
		files map[string][]byte
	}{
		{"MapFS", New(fstest.MapFS{
			"big.bin":       {Data: big, Mode: 0o644, ModTime: mtime},
			"a/b/small.txt": {Data: small, Mode: 0o600, ModTime: mtime},
		}, nil), map[string][]byte{"/big.bin": big, "/a/b/small.txt": small}},
		{"embed", New(embedded, nil), map[string][]byte{"/testdata/hello.txt": hello}},
		{"DirFS", New(os.DirFS(dir), nil), map[string][]byte{"/big.bin": big, "/a/b/small.txt": small}},
		{"OpenDir", od, map[string][]byte{"/big.bin": big, "/a/b/small.txt": small}},
		{"OpenZip", zf, zfiles},
		{"zipSmallWindow", zsmall, zfiles},
		{"zipNoWindow", znocache, zfiles},
	}
}

func TestRandomReads(t *testing.T) {
	for _, tc := range trees(t) {
		t.Run(tc.name, func(t *testing.T) {
			v := fs.NewVolume(tc.b, nil)
			defer v.Unmounted(context.Background(), "")
			ctx := context.Background()
			r := rand.New(rand.NewPCG(9, 9))
			for name, want := range tc.files {
				h, err := v.Open(ctx, name, fs.AccessRead, 0)
				if err != nil {
					t.Fatal(err)
				}
				fi, err := h.Stat(ctx)
				if err != nil || fi.Size != int64(len(want)) || !fi.Mode.IsRegular() {
					t.Fatalf("%s: stat %v size %d mode %v", name, err, fi.Size, fi.Mode)
				}
				// Sequential, then random offsets (backwards too), then past the end.
				offs := []int64{0, 4096, 8192, 100, 0}
				for range 12 {
					offs = append(offs, r.Int64N(int64(len(want))+1))
				}
				offs = append(offs, int64(len(want))-3, int64(len(want)), int64(len(want))+100)
				for _, off := range offs {
					size := 1 + r.IntN(128<<10)
					buf := make([]byte, size)
					n, err := h.Read(ctx, buf, off)
					if err != nil {
						t.Fatalf("%s: read %d at %d: %v", name, size, off, err)
					}
					lo, hi := min(off, int64(len(want))), min(off+int64(size), int64(len(want)))
					if !bytes.Equal(buf[:n], want[lo:hi]) {
						t.Fatalf("%s: read %d at %d: got %d bytes, differ from content", name, size, off, n)
					}
				}
				h.Release(ctx)
			}
		})
	}
}

// TestConcurrentReads reads one open file from several goroutines.
func TestConcurrentReads(t *testing.T) {
	for _, tc := range trees(t) {
		t.Run(tc.name, func(t *testing.T) {
			v := fs.NewVolume(tc.b, nil)
			ctx := context.Background()
			for name, want := range tc.files {
				h, err := v.Open(ctx, name, fs.AccessRead, 0)
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				for g := range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := rand.New(rand.NewPCG(uint64(g), 1))
						for range 4 {
							off := r.Int64N(int64(len(want)) + 1)
							buf := make([]byte, 1+r.IntN(8192))
							n, err := h.Read(ctx, buf, off)
							if err != nil || !bytes.Equal(buf[:n], want[off:min(off+int64(len(buf)), int64(len(want)))]) {
								t.Errorf("%s at %d: %v", name, off, err)
								return
							}
						}
					}()
				}
				wg.Wait()
				h.Release(ctx)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	for _, tc := range trees(t) {
		t.Run(tc.name, func(t *testing.T) {
			v := fs.NewVolume(tc.b, nil)
			ctx := context.Background()
			if v.Capabilities().Writable {
				t.Fatal("volume is writable")
			}
			var name string
			for name = range tc.files {
				break
			}
			checks := []struct {
				op  string
				err error
			}{
				{"open for write", func() error { _, err := v.Open(ctx, name, fs.AccessWrite, 0); return err }()},
				{"truncate", func() error { _, err := v.Open(ctx, name, fs.AccessRead, fs.OpenTruncate); return err }()},
				{"create", func() error { _, _, err := v.Create(ctx, "/new", fs.CreateRequest{Mode: 0o644}); return err }()},
				{"mkdir", func() error { _, err := v.Mkdir(ctx, "/newdir", 0o755); return err }()},
				{"remove", v.Remove(ctx, name, false)},
				{"rename", v.Rename(ctx, name, "/x", 0)},
				{"symlink", func() error { _, err := v.Symlink(ctx, "x", "/l"); return err }()},
				{"chmod", func() error { _, err := v.SetAttributes(ctx, name, fs.Change{Valid: fs.ChangeMode}); return err }()},
				{"direct open for write", tc.b.OnOpenFile(ctx, &fs.OpenFileEvent{Name: name, Access: fs.AccessWrite})},
			}
			for _, c := range checks {
				if e, _ := fs.ErrnoOf(c.err); e != fs.EROFS {
					t.Errorf("%s: %v, want EROFS", c.op, c.err)
				}
			}
		})
	}
}

// listAll returns every path of the volume below dir with its info.
func listAll(t *testing.T, v *fs.Volume, dir string, out map[string]fs.FileInfo) {
	ctx := context.Background()
	d, err := v.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(dir, err)
	}
	var kids []fs.FileInfo
	if err := d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool { kids = append(kids, *fi); return true }); err != nil {
		t.Fatal(err)
	}
	d.Close(ctx)
	for _, k := range kids {
		p := fs.Join(dir, k.Name)
		out[p] = k
		if k.IsDir() {
			listAll(t, v, p, out)
		}
	}
}

func TestZipTree(t *testing.T) {
	zdata := makeZip(t, zipItems)
	b, err := NewZip(bytes.NewReader(zdata), int64(len(zdata)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A page size of 2 exercises paging.
	v := fs.NewVolume(b, &fs.Options{EnumerationPageSize: 2})
	ctx := context.Background()
	got := map[string]fs.FileInfo{}
	listAll(t, v, "/", got)
	want := map[string]attr.Mode{
		"/a":              attr.S_IFDIR | 0o755, // implied
		"/a/b":            attr.S_IFDIR | 0o755, // implied
		"/a/b/c":          attr.S_IFDIR | 0o755, // implied
		"/a/b/c/deep.txt": attr.S_IFREG | 0o640,
		"/a/b/small.txt":  attr.S_IFREG | 0o644,
		"/a/explicit":     attr.S_IFDIR | 0o700,
		"/a/link":         attr.S_IFLNK | 0o777,
		"/big.bin":        attr.S_IFREG | 0o644,
		"/exec.sh":        attr.S_IFREG | 0o755,
		"/stored.bin":     attr.S_IFREG | 0o600,
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(got) != len(want) {
		t.Errorf("tree: %v", names)
	}
	ids := map[uint64]string{}
	for n, m := range want {
		fi, ok := got[n]
		if !ok {
			t.Errorf("%s missing", n)
			continue
		}
		if fi.Mode != m {
			t.Errorf("%s: mode %v, want %v", n, fi.Mode, m)
		}
		if !fi.LastWriteTime.Equal(mtime) {
			t.Errorf("%s: mtime %v, want %v", n, fi.LastWriteTime, mtime)
		}
		if fi.FileID == 0 || ids[fi.FileID] != "" {
			t.Errorf("%s: file id %d not unique (%s)", n, fi.FileID, ids[fi.FileID])
		}
		ids[fi.FileID] = n
		// Stable: a stat gives the same id.
		if st, err := v.Stat(ctx, n); err != nil || st.FileID != fi.FileID || st.Mode != m {
			t.Errorf("%s: stat %v id %d mode %v", n, err, st.FileID, st.Mode)
		}
	}
	if tgt, err := v.Readlink(ctx, "/a/link"); err != nil || tgt != "b/small.txt" {
		t.Errorf("readlink: %q %v", tgt, err)
	}
	if fi := got["/a/link"]; fi.Size != int64(len("b/small.txt")) {
		t.Errorf("link size %d", fi.Size)
	}
	// io/fs semantics of the ZipFS itself: Open and Stat follow the link.
	z := b.FS().(*ZipFS)
	if data, err := iofs.ReadFile(z, "a/link"); err != nil || !bytes.Equal(data, small) {
		t.Errorf("read through link: %v", err)
	}
	vs, _ := v.VolumeSize(ctx)
	if vs.TotalBytes != uint64(2*len(big)+2*len(small)+len("b/small.txt")+len("#!/bin/sh\n")) {
		t.Errorf("volume size %d", vs.TotalBytes)
	}
	if err := fstest.TestFS(z, "big.bin", "stored.bin", "a/b/c/deep.txt", "a/b/small.txt", "a/explicit", "exec.sh"); err != nil {
		t.Error(err)
	}
}

func TestZipLinksStayInside(t *testing.T) {
	zdata := makeZip(t, []zipItem{
		{"f", []byte("x"), zip.Store, 0o644},
		{"abs", []byte("/etc/passwd"), zip.Store, iofs.ModeSymlink | 0o777},
		{"up", []byte("../../etc/passwd"), zip.Store, iofs.ModeSymlink | 0o777},
		{"loop", []byte("loop"), zip.Store, iofs.ModeSymlink | 0o777},
		{"dirlink", []byte("d"), zip.Store, iofs.ModeSymlink | 0o777},
		{"d/g", []byte("y"), zip.Store, 0o644},
		{"../evil", []byte("z"), zip.Store, 0o644},
	})
	z, err := NewZipFS(bytes.NewReader(zdata), int64(len(zdata)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want string // content, or "" for an error
	}{
		{"abs", ""}, {"up", ""}, {"loop", ""}, {"dirlink/g", "y"}, {"evil", "z"}, {"f", "x"},
	} {
		data, err := iofs.ReadFile(z, tc.name)
		if (err == nil) != (tc.want != "") || string(data) != tc.want {
			t.Errorf("%s: %q %v", tc.name, data, err)
		}
	}
	if _, err := iofs.ReadFile(z, "loop"); !errors.Is(err, fs.ErrLoop) {
		t.Errorf("loop: %v", err)
	}
}

func TestNotAZip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(p, []byte("this is not a zip archive at all"), 0o644)
	_, err := OpenZip(p, nil)
	if err == nil || !strings.Contains(err.Error(), "not a zip archive") || !errors.Is(err, zip.ErrFormat) {
		t.Errorf("OpenZip of a text file: %v", err)
	}
	if _, err := OpenZip(filepath.Join(t.TempDir(), "missing.zip"), nil); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := OpenZip(t.TempDir(), nil); err == nil {
		t.Error("OpenZip of a directory succeeded")
	}
	if _, err := OpenDir(p, nil); err == nil {
		t.Error("OpenDir of a file succeeded")
	}
}

func TestOpenDirConfined(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	top := t.TempDir()
	root := filepath.Join(top, "root")
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(top, "secret"), []byte("secret"), 0o644)
	os.Symlink("../secret", filepath.Join(root, "rel"))
	os.Symlink(filepath.Join(top, "secret"), filepath.Join(root, "abs"))
	b, err := OpenDir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v := fs.NewVolume(b, nil)
	ctx := context.Background()
	for _, n := range []string{"/rel", "/abs"} {
		e := &fs.OpenFileEvent{Name: n, Access: fs.AccessRead}
		if err := b.OnOpenFile(ctx, e); err == nil {
			buf := make([]byte, 10)
			r := &fs.ReadFileEvent{FileContext: e.FileContext, Buffer: buf}
			b.OnReadFile(ctx, r)
			t.Errorf("%s: opened, read %q", n, buf[:r.BytesRead])
		}
		if _, err := iofs.ReadFile(b.FS(), n[1:]); err == nil {
			t.Errorf("%s: io/fs read succeeded", n)
		}
	}
	if fi, err := v.Stat(ctx, "/abs"); err != nil || (b.links != nil && !fi.Mode.IsSymlink()) {
		t.Errorf("stat of a link: %v %v", fi.Mode, err)
	}
}

func TestFileIDStable(t *testing.T) {
	b := New(fstest.MapFS{"a": {Data: []byte("1")}, "b/c": {Data: []byte("2")}}, nil)
	v := fs.NewVolume(b, nil)
	ctx := context.Background()
	ids := map[string]uint64{}
	for range 3 {
		for _, n := range []string{"/", "/a", "/b", "/b/c"} {
			fi, err := v.Stat(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			if old, ok := ids[n]; ok && old != fi.FileID {
				t.Errorf("%s: id changed %d -> %d", n, old, fi.FileID)
			}
			ids[n] = fi.FileID
		}
	}
	if len(slices.Compact(slices.Sorted(func(yield func(uint64) bool) {
		for _, id := range ids {
			if !yield(id) {
				return
			}
		}
	}))) != 4 {
		t.Errorf("ids not distinct: %v", ids)
	}
	if _, err := v.Stat(ctx, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Error(err)
	}
	if _, err := v.Stat(ctx, "/a/../b"); err == nil {
		t.Error("non-clean path accepted")
	}
}

// TestSequentialWindow checks a compressed entry read in kernel-like order (128 KiB
// requests, two in flight, so sometimes slightly backwards) is decompressed once.
func TestSequentialWindow(t *testing.T) {
	zdata := makeZip(t, []zipItem{{"big", big, zip.Deflate, 0o644}})
	b, err := NewZip(bytes.NewReader(zdata), int64(len(zdata)), nil)
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingFS{FS: b.fsys}
	b.fsys = counter
	v := fs.NewVolume(b, nil)
	ctx := context.Background()
	h, err := v.Open(ctx, "/big", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 128 << 10
	for off := int64(0); off < int64(len(big)); off += 2 * chunk {
		for _, o := range []int64{off + chunk, off} { // the second request overtakes the first
			buf := make([]byte, chunk)
			n, err := h.Read(ctx, buf, o)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf[:n], big[min(o, int64(len(big))):min(o+chunk, int64(len(big)))]) {
				t.Fatalf("at %d: content differs", o)
			}
		}
	}
	h.Release(ctx)
	if counter.opens != 1 {
		t.Errorf("entry opened %d times, want 1", counter.opens)
	}
}

type countingFS struct {
	iofs.FS
	mu    sync.Mutex
	opens int
}

func (c *countingFS) Open(name string) (iofs.File, error) {
	c.mu.Lock()
	c.opens++
	c.mu.Unlock()
	return c.FS.Open(name)
}

func BenchmarkZipDeflatedSequential(b *testing.B) {
	zdata := makeZip(b, []zipItem{{"big", big, zip.Deflate, 0o644}})
	be, _ := NewZip(bytes.NewReader(zdata), int64(len(zdata)), nil)
	v := fs.NewVolume(be, nil)
	ctx := context.Background()
	buf := make([]byte, 128<<10)
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		h, _ := v.Open(ctx, "/big", fs.AccessRead, 0)
		for off := int64(0); ; off += int64(len(buf)) {
			n, err := h.Read(ctx, buf, off)
			if err != nil {
				b.Fatal(err)
			}
			if n < len(buf) {
				break
			}
		}
		h.Release(ctx)
	}
}
