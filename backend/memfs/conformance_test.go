package memfs_test

import (
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// TestConformance runs the fs/fstest kit: memfs declares every feature.
func TestConformance(t *testing.T) {
	fstest.Run(t, func(t *testing.T) fs.Interface { return memfs.New(nil) }, fstest.Options{})
}
