package gofuse

import (
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/fs"
)

// setCrtime reports the creation time (macFUSE's birth time).
func setCrtime(fi *fs.FileInfo, a *fuse.Attr) {
	if t := fi.CreationTime; !t.IsZero() {
		a.Crtime_ = uint64(t.Unix())
		a.Crtimensec_ = uint32(t.Nanosecond())
	}
}

// setattrExtra adds the creation time macFUSE's setattr may carry.
func setattrExtra(in *fuse.SetAttrIn, ch *fs.Change) {
	if in.Valid&fuse.FATTR_CRTIME != 0 {
		ch.Valid |= fs.ChangeCrtime
		ch.Crtime = time.Unix(int64(in.Crtime), int64(in.CrtimeNsec))
	}
}
