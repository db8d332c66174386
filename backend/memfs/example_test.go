package memfs_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// memfs is the reference backend: serve it through a volume, then mount the volume
// with package adapters or use it directly, as here.
func Example() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), nil)

	v.Mkdir(ctx, "/src", 0o755)
	for _, name := range []string{"/src/main.go", "/src/go.mod"} {
		h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			panic(err)
		}
		h.Write(ctx, []byte("package main\n"), 0)
		h.Release(ctx)
	}
	v.Rename(ctx, "/src/go.mod", "/go.mod", 0)

	for _, dir := range []string{"/", "/src"} {
		d, _ := v.OpenDir(ctx, dir)
		d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool {
			fmt.Println(fs.Join(dir, fi.Name), fi.Mode, fi.Size)
			return true
		})
		d.Close(ctx)
	}
	// Output:
	// /go.mod -rw-r--r-- 13
	// /src drwxr-xr-x 60
	// /src/main.go -rw-r--r-- 13
}

// A capacity makes writes beyond it fail with fs.ErrNoSpace (ENOSPC), and statfs
// report it.
func ExampleNew_capacity() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(&memfs.Options{Capacity: 2 * memfs.PageSize}), nil)
	h, _, _ := v.Create(ctx, "/big", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	defer h.Release(ctx)

	n, err := h.Write(ctx, make([]byte, 3*memfs.PageSize), 0)
	fmt.Println(n, err) // what fits is written
	_, err = h.Write(ctx, []byte("more"), int64(n))
	fmt.Println(errors.Is(err, fs.ErrNoSpace))

	size, _ := v.VolumeSize(ctx)
	fmt.Println(size.TotalBytes, size.FreeBytes)
	// Output:
	// 8192 <nil>
	// true
	// 8192 0
}

// Named streams are extended attributes through a mount. On Linux the volume maps
// the "user." namespace to streams; elsewhere the names are the stream names.
func ExampleFS_namedStreams() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), nil)
	h, _, _ := v.Create(ctx, "/photo.jpg", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	h.Release(ctx)

	v.SetXattr(ctx, "/photo.jpg", "user.comment", []byte("sunset"), 0)
	names, _ := v.ListXattr(ctx, "/photo.jpg")
	data, _ := v.GetXattr(ctx, "/photo.jpg", "user.comment")
	fmt.Println(names, string(data))
	// Output:
	// [user.comment] sunset
}

// Hard links are names of one file: they share its FileID (the inode number).
func ExampleFS_hardLinks() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), nil)
	h, _, _ := v.Create(ctx, "/a", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	h.Release(ctx)

	fi, _ := v.Link(ctx, "/a", "/b")
	a, _ := v.Stat(ctx, "/a")
	fmt.Println(fi.LinkCount, a.FileID == fi.FileID)
	v.Remove(ctx, "/a", false)
	b, _ := v.Stat(ctx, "/b")
	fmt.Println(b.LinkCount)
	// Output:
	// 2 true
	// 1
}
