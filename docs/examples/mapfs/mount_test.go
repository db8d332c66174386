package mapfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anyfs/anyfs/docs/examples/mapfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// TestMounted mounts mapfs with every adapter compiled in and uses it through the
// operating system, as cmd/mapfs does. It is skipped where FUSE is not installed
// (unless ANYFS_REQUIRE_FUSE=1).
func TestMounted(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			v := fs.NewVolume(mapfs.New(map[string]string{"/hello.txt": "Hello, world!\n"}), nil)
			mnt := mounttest.Mount(t, v, adapter)
			got, err := os.ReadFile(filepath.Join(mnt, "hello.txt"))
			if err != nil || string(got) != "Hello, world!\n" {
				t.Fatalf("read hello.txt: %q, %v", got, err)
			}
			dir := filepath.Join(mnt, "notes")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, "todo.txt")
			if err := os.WriteFile(name, []byte("write the docs\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(name, filepath.Join(mnt, "todo.txt")); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(mnt)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if len(names) != 2 || names[0] != "hello.txt" || names[1] != "todo.txt" {
				t.Errorf("the mount lists %q, want [hello.txt todo.txt]", names)
			}
		})
	}
}
