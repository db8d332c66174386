package iofs_test

import (
	"context"
	"embed"
	"fmt"

	"github.com/anyfs/anyfs/backend/iofs"
	"github.com/anyfs/anyfs/fs"
)

//go:embed testdata
var testdata embed.FS

// Serve an embedded tree read-only.
func Example() {
	v := fs.NewVolume(iofs.New(testdata, nil), nil)
	ctx := context.Background()

	h, err := v.Open(ctx, "/testdata/hello.txt", fs.AccessRead, 0)
	if err != nil {
		panic(err)
	}
	defer h.Release(ctx)
	buf := make([]byte, 64)
	n, _ := h.Read(ctx, buf, 6)
	fmt.Printf("%q\n", buf[:n])

	d, _ := v.OpenDir(ctx, "/testdata")
	defer d.Close(ctx)
	d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool {
		fmt.Println(fi.Name, fi.Mode)
		return true
	})

	_, err = v.Mkdir(ctx, "/new", 0o755)
	fmt.Println(err, v.Capabilities().Writable)
	// Output:
	// "from an embedded tree.\n"
	// hello.txt -r--r--r--
	// sub dr-xr-xr-x
	// create /new: read-only file system false
}
