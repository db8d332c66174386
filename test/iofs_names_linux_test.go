package test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anyfs/anyfs/backend/iofs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// TestDirNonUTF8Names: a host directory served read-only (dir:) lists, opens and
// reads a file whose name is not valid UTF-8, as Linux names are bytes, and the
// directory's other entries with it.
func TestDirNonUTF8Names(t *testing.T) {
	host := t.TempDir()
	latin1 := "caf\xe9.txt" // "café.txt" in ISO 8859-1
	for name, data := range map[string]string{"plain.txt": "plain", latin1: "latin-1", "sub/\xff": "deep"} {
		p := filepath.Join(host, name)
		ok(t, "mkdir", os.MkdirAll(filepath.Dir(p), 0o755))
		ok(t, "write "+name, os.WriteFile(p, []byte(data), 0o644))
	}
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			b, err := iofs.OpenDir(host, nil)
			ok(t, "OpenDir", err)
			t.Cleanup(func() { b.Close() })
			mnt := mounttest.Mount(t, fs.NewVolume(b, nil), adapter)
			ents, err := os.ReadDir(mnt)
			ok(t, "readdir", err)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if want := []string{latin1, "plain.txt", "sub"}; !slices.Equal(names, want) {
				t.Fatalf("listing %q, want %q", names, want)
			}
			for name, want := range map[string]string{latin1: "latin-1", "sub/\xff": "deep", "plain.txt": "plain"} {
				got, err := os.ReadFile(filepath.Join(mnt, name))
				if err != nil || string(got) != want {
					t.Errorf("read %q: %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
}
