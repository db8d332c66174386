package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// Mount a volume with the adapter of this system, use it through the OS, and
// unmount. Where FUSE (or WinFsp) is not installed, Mount says so with ErrNoFUSE.
func ExampleMount() {
	v := fs.NewVolume(memfs.New(nil), nil)
	dir, err := os.MkdirTemp("", "anyfs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	mnt := filepath.Join(dir, "mnt")
	if adapters.Default() != adapters.CgoFUSE {
		os.Mkdir(mnt, 0o755) // FUSE mounts on an empty directory; WinFsp creates it
	}

	srv, err := adapters.Mount(v, mnt, "", nil)
	if errors.Is(err, mountopt.ErrNoFUSE) {
		fmt.Println("FUSE is not installed:", err)
		return
	} else if err != nil {
		log.Fatal(err)
	}
	defer srv.Unmount()

	os.WriteFile(filepath.Join(mnt, "hello.txt"), []byte("hello\n"), 0o644)
	fi, _ := v.Stat(context.Background(), "/hello.txt") // the write went through the volume
	fmt.Println(fi.Size)
}

// Naming an adapter that is unknown, or not compiled into this program, fails with
// ErrNoAdapter; Available lists the ones it has.
func ExampleMount_noAdapter() {
	_, err := adapters.Mount(fs.NewVolume(memfs.New(nil), nil), os.TempDir(), "nosuch", nil)
	fmt.Println(errors.Is(err, mountopt.ErrNoAdapter))
	// Output:
	// true
}
