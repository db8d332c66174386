// Package gofuse serves an [fs.Volume] through go-fuse v2 on Linux and macOS.
//
// It uses go-fuse's node API (github.com/hanwen/go-fuse/v2/fs): one node per file the
// kernel knows, whose volume path is found by walking the node's parents, so renames
// done by go-fuse's tree keep paths right without a table of our own. Inode numbers
// are the backend's FileID, so hard links share an inode. Open files are
// [fs.Handle] values wrapped in a go-fuse FileHandle; open directories are [fs.Dir]
// listings read by position, so seekdir and rewinddir work and READDIRPLUS answers
// come from the listing itself.
//
// The adapter translates and nothing more: every semantic rule lives in the volume.
// Its files have the jobs of every adapter's (docs/architecture.md, "The shape of
// an adapter"): mount.go, node.go, ops.go, handle.go, errno.go, notify.go.
// On other systems the package is empty, and package adapters has no gofuse adapter.
package gofuse
