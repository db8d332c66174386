package iofs_test

import (
	"testing"
	"testing/fstest"

	"github.com/anyfs/anyfs/backend/iofs"
	"github.com/anyfs/anyfs/fs"
	kit "github.com/anyfs/anyfs/fs/fstest"
)

// TestConformance runs the fs/fstest kit over a read-only tree.
func TestConformance(t *testing.T) {
	files := map[string]string{
		"/hello.txt":         "hello, world\n",
		"/dir/a":             "a",
		"/dir/sub/deep.txt":  "deep down",
		"/big.bin":           string(make([]byte, 300_000)),
		"/spaces in name.md": "# title",
	}
	mfs := fstest.MapFS{"empty": &fstest.MapFile{Mode: 0o755 | 1<<31}}
	for name, content := range files {
		mfs[name[1:]] = &fstest.MapFile{Data: []byte(content), Mode: 0o644}
	}
	kit.Run(t, func(t *testing.T) fs.Interface { return iofs.New(mfs, nil) }, kit.Options{
		ReadOnly: true, Files: files, Dirs: []string{"/empty", "/dir/sub"},
		NoHardLinks: true, NoNamedStreams: true, NoRename: true, NoOwners: true, NoFileAttributes: true,
	})
}
