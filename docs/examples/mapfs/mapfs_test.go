package mapfs_test

import (
	"testing"

	"github.com/anyfs/anyfs/docs/examples/mapfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// TestConformance runs the anyfs conformance kit on the writable backend. The
// Options declare what mapfs leaves out; the kit checks that the volume refuses
// those cleanly, and everything else in depth.
func TestConformance(t *testing.T) {
	files := map[string]string{"/hello.txt": "Hello, world!\n", "/docs/readme.md": "# mapfs\n"}
	newBackend := func(t *testing.T) fs.Interface { return mapfs.New(files) }
	fstest.Run(t, newBackend, fstest.Options{
		Files:            files,
		NoHardLinks:      true,
		NoSymlinks:       true,
		NoNamedStreams:   true,
		NoFileAttributes: true,
	})
}
