package vault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/internal/wine"
)

var ctx = context.Background()

// writeFile creates name on v with data, through a volume, and closes it.
func writeFile(t testing.TB, v *fs.Volume, name string, data []byte) {
	t.Helper()
	h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, data, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// readFile reads all of name on v.
func readFile(t testing.TB, v *fs.Volume, name string) []byte {
	t.Helper()
	h, err := v.Open(ctx, name, fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	var out []byte
	buf := make([]byte, 100000)
	for off := int64(0); ; {
		n, err := h.Read(ctx, buf, off)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return out
		}
		out = append(out, buf[:n]...)
		off += int64(n)
	}
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

// TestPersistence: what was written, linked, renamed and set is there after the
// vault is closed and opened again.
func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.vault")
	f, err := vault.Open(path, &vault.Options{VolumeLabel: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	v := fs.NewVolume(f, nil)
	big := pattern(3*vault.ChunkSize+12345, 1)
	if _, err := v.Mkdir(ctx, "/d", 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, v, "/d/big", big)
	writeFile(t, v, "/small", []byte("hello"))
	if _, err := v.Link(ctx, "/small", "/d/link"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Symlink(ctx, "../small", "/d/sym"); err != nil {
		t.Fatal(err)
	}
	if err := v.Rename(ctx, "/small", "/renamed", 0); err != nil {
		t.Fatal(err)
	}
	if err := v.SetXattr(ctx, "/renamed", "user.color", []byte("blue"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("vault file: %v, %v; want mode 0600", st.Mode(), err)
	}
	if _, err := os.Stat(path + "-lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after Close: %v", err)
	}

	f, err = vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v = fs.NewVolume(f, nil)
	if got := readFile(t, v, "/d/big"); !bytes.Equal(got, big) {
		t.Errorf("/d/big: %d bytes back, want the %d written", len(got), len(big))
	}
	if got := readFile(t, v, "/d/link"); string(got) != "hello" {
		t.Errorf("/d/link: %q", got)
	}
	if fi, err := v.Stat(ctx, "/renamed"); err != nil || fi.LinkCount != 2 {
		t.Errorf("/renamed: %+v, %v; want 2 links", fi, err)
	}
	if target, err := v.Readlink(ctx, "/d/sym"); err != nil || target != "../small" {
		t.Errorf("readlink: %q, %v", target, err)
	}
	if data, err := v.GetXattr(ctx, "/renamed", "user.color"); err != nil || string(data) != "blue" {
		t.Errorf("xattr: %q, %v", data, err)
	}
	if fi, err := v.Stat(ctx, "/d"); err != nil || fi.Mode.Perm() != 0o750 {
		t.Errorf("/d: %v, %v", fi.Mode, err)
	}
	if l, err := v.Label(ctx); err != nil || l != "mine" {
		t.Errorf("label %q, %v", l, err)
	}
	r, err := vault.Check(path)
	if !errors.Is(err, vault.ErrInUse) {
		t.Errorf("Check of a vault in use: %v, %v; want ErrInUse", r, err)
	}
}

// TestInUse: a second Open of a vault in use fails, naming the pid of its server.
func TestInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.vault")
	f, err := vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, opts := range []*vault.Options{nil, {ReadOnly: true}} {
		_, err := vault.Open(path, opts)
		want := fmt.Sprintf("vault %s is in use by pid %d", path, os.Getpid())
		if !errors.Is(err, vault.ErrInUse) || err.Error() != want {
			t.Errorf("second Open (%+v): %v; want %q", opts, err, want)
		}
	}
}

// TestReadOnly: a read-only Open never creates a vault, refuses changes, and
// shares the vault with other readers.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.vault")
	if _, err := vault.Open(path, &vault.Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only Open of a missing vault: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only Open created the vault: %v", err)
	}
	f, err := vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, fs.NewVolume(f, nil), "/a", []byte("data"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	before := digest(t, path)
	r1, err := vault.Open(path, &vault.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := vault.Open(path, &vault.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	defer r2.Close()
	if _, err := vault.Open(path, nil); !errors.Is(err, vault.ErrInUse) {
		t.Errorf("a writer beside readers: %v, want ErrInUse", err)
	}
	v := fs.NewVolume(r1, nil)
	if got := readFile(t, v, "/a"); string(got) != "data" {
		t.Errorf("read %q", got)
	}
	err = r1.OnCreateFile(ctx, &fs.CreateFileEvent{Name: "/b", Mode: 0o644})
	if !errors.Is(err, fs.ErrReadOnly) {
		t.Errorf("create on a read-only vault: %v", err)
	}
	if err := r1.OnDeleteFile(ctx, &fs.DeleteFileEvent{Name: "/a"}); !errors.Is(err, fs.ErrReadOnly) {
		t.Errorf("delete on a read-only vault: %v", err)
	}
	if after := digest(t, path); after != before {
		t.Error("a read-only Open changed the vault")
	}
}

func digest(t testing.TB, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawExec runs statements on the SQLite file at path directly, as another
// program might have.
func rawExec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// makeVault makes a closed vault with a few files at path.
func makeVault(t testing.TB, path string) {
	t.Helper()
	f, err := vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := fs.NewVolume(f, nil)
	writeFile(t, v, "/a", pattern(2*vault.ChunkSize, 3))
	if _, err := v.Mkdir(ctx, "/d", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, v, "/d/b", []byte("b"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBadFiles: a file that is not a vault, a damaged or truncated vault, and a
// vault of a newer format are refused with a clear error and left as they were.
func TestBadFiles(t *testing.T) {
	for _, c := range []struct {
		name string
		make func(t *testing.T, path string)
		want error
		msg  string
	}{
		{"empty", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o600) }, vault.ErrNotVault, "not an SQLite database"},
		{"text", func(t *testing.T, p string) { os.WriteFile(p, []byte("hello, world\n"), 0o600) }, vault.ErrNotVault, "not an SQLite database"},
		{"other-sqlite", func(t *testing.T, p string) {
			rawExec(t, p, "CREATE TABLE people (name TEXT)", "INSERT INTO people VALUES ('ann')")
		}, vault.ErrNotVault, "an SQLite database of another format"},
		{"other-meta", func(t *testing.T, p string) {
			rawExec(t, p, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)", "INSERT INTO meta VALUES ('format', 'something-else')")
		}, vault.ErrNotVault, "an SQLite database of another format"},
		{"newer", func(t *testing.T, p string) {
			makeVault(t, p)
			rawExec(t, p, "UPDATE meta SET value = '99' WHERE key = 'version'")
		}, vault.ErrNewerFormat, "format version 99, this anyfs reads up to 1"},
		{"truncated", func(t *testing.T, p string) {
			makeVault(t, p)
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()/2)
		}, vault.ErrCorrupt, "truncated"},
		{"bad-header", func(t *testing.T, p string) {
			makeVault(t, p)
			b, _ := os.ReadFile(p)
			b[16], b[17] = 0x03, 0x00 // page size 768: not a power of two
			os.WriteFile(p, b, 0o600)
		}, vault.ErrCorrupt, "bad page size"},
		{"bad-schema-page", func(t *testing.T, p string) {
			makeVault(t, p)
			b, _ := os.ReadFile(p)
			for i := 100; i < 4096; i++ { // the rest of page 1: the schema
				b[i] = 0xff
			}
			os.WriteFile(p, b, 0o600)
		}, vault.ErrCorrupt, "malformed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.vault")
			c.make(t, path)
			before := digest(t, path)
			for _, opts := range []*vault.Options{nil, {ReadOnly: true}} {
				f, err := vault.Open(path, opts)
				if err == nil {
					f.Close()
					t.Fatalf("Open (%+v) succeeded", opts)
				}
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
					t.Errorf("Open (%+v): %v; want %v saying %q, on one line", opts, err, c.want, c.msg)
				}
			}
			if _, err := vault.Check(path); !errors.Is(err, c.want) {
				t.Errorf("Check: %v; want %v", err, c.want)
			}
			if _, _, err := vault.Compact(path); !errors.Is(err, c.want) {
				t.Errorf("Compact: %v; want %v", err, c.want)
			}
			if digest(t, path) != before {
				t.Error("the file was changed")
			}
		})
	}
}

// TestCheck: a sound vault passes; each broken invariant is reported.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, stmt, want string
	}{
		{"sound", "", ""},
		{"nlink", "UPDATE inodes SET nlink = 5 WHERE ino = (SELECT ino FROM dentries WHERE name = 'b')", "link count of a file differs from its entries"},
		{"dangling", "DELETE FROM inodes WHERE ino = (SELECT ino FROM dentries WHERE name = 'b')", "dangling entry"},
		{"chunk-past-end", "UPDATE inodes SET size = 10 WHERE ino = (SELECT ino FROM dentries WHERE name = 'a')", "chunk past the end of the file"},
		{"big-chunk", "UPDATE chunks SET data = zeroblob(300000) WHERE idx = 0", "chunk larger than the chunk size"},
		{"dir-links", "UPDATE inodes SET nlink = 7 WHERE ino = 1", "link count of a directory"},
		{"lost", "DELETE FROM dentries WHERE name = 'b'", "link count of a file differs from its entries"},
		{"alloc", "UPDATE inodes SET alloc = 2 WHERE ino = (SELECT ino FROM dentries WHERE name = 'b')", "stored bytes differ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.vault")
			makeVault(t, path)
			if c.stmt != "" {
				rawExec(t, path, c.stmt)
			}
			r, err := vault.Check(path)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(r.Problems, "\n")
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("problems:\n%s\nwant one saying %q", got, c.want)
			}
			if c.want == "" && (r.Files != 4 || r.Dirs != 2 || r.Bytes != 2*vault.ChunkSize+1) {
				t.Errorf("counts: %+v", r)
			}
		})
	}
}

// TestBackupWhileOpen: Backup of a vault in use goes through its server and
// holds everything written before it, buffered writes included.
func TestBackupWhileOpen(t *testing.T) {
	dir := t.TempDir()
	path, out := filepath.Join(dir, "live.vault"), filepath.Join(dir, "copy.vault")
	f, err := vault.Open(path, &vault.Options{BufferSize: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := fs.NewVolume(f, nil)
	writeFile(t, v, "/closed", []byte("closed"))
	h, _, err := v.Create(ctx, "/open", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if _, err := h.Write(ctx, []byte("buffered"), 0); err != nil {
		t.Fatal(err)
	}
	wine.Skip(t, "no AF_UNIX sockets, so a vault in use has no control socket")
	if err := vault.Backup(path, out); err != nil {
		t.Fatal(err)
	}
	if err := vault.Backup(path, out); !errors.Is(err, os.ErrExist) {
		t.Errorf("Backup over an existing file: %v, want ErrExist", err)
	}
	if st, err := os.Stat(out); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("backup: %v, %v; want mode 0600", st.Mode(), err)
	}
	r, err := vault.Check(out)
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("check of the backup: %v, %v", r, err)
	}
	b, err := vault.Open(out, &vault.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bv := fs.NewVolume(b, nil)
	for name, want := range map[string]string{"/closed": "closed", "/open": "buffered"} {
		if got := readFile(t, bv, name); string(got) != want {
			t.Errorf("backup %s: %q, want %q", name, got, want)
		}
	}
}

// TestCompact: deleted data goes back to the host.
func TestCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.vault")
	f, err := vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := fs.NewVolume(f, nil)
	writeFile(t, v, "/big", pattern(8<<20, 9))
	writeFile(t, v, "/keep", []byte("keep"))
	if err := v.Remove(ctx, "/big", false); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	before, after, err := vault.Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	if before < 8<<20 || after > 1<<20 {
		t.Errorf("compact: %d bytes before, %d after", before, after)
	}
	if r, err := vault.Check(path); err != nil || len(r.Problems) > 0 {
		t.Fatalf("check after compact: %v, %v", r, err)
	}
}
