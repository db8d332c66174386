package hello_test

import (
	"testing"
	"time"

	"github.com/anyfs/anyfs/docs/examples/hello"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// TestConformance runs the anyfs conformance kit on the read-only backend. The kit
// checks the files it was built with, and that the volume refuses every change.
func TestConformance(t *testing.T) {
	files := map[string]string{"hello.txt": "Hello, world!\n", "empty": ""}
	newBackend := func(t *testing.T) fs.Interface {
		return &hello.FS{Files: files, Time: time.Now()}
	}
	fstest.Run(t, newBackend, fstest.Options{
		ReadOnly: true,
		Files:    map[string]string{"/hello.txt": "Hello, world!\n", "/empty": ""},
	})
}
