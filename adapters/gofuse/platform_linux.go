package gofuse

import (
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/fs"
)

// setCrtime: Linux FUSE has no birth time.
func setCrtime(*fs.FileInfo, *fuse.Attr) {}

// setattrExtra: Linux setattr carries nothing beyond the common fields.
func setattrExtra(*fuse.SetAttrIn, *fs.Change) {}
