//go:build linux || darwin

package gofuse

import (
	"strings"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"github.com/anyfs/anyfs/fs"
)

// invalidator drops the kernel's caches when the backend changed behind them
// (fs.Volume.NotifyChange). It also forgets go-fuse's node for a changed name, so
// the next lookup asks the volume again and the node paths stay true.
type invalidator struct{ root *node }

// notifyWait bounds how long a notification may block. The kernel takes the
// directory's lock to apply an entry invalidation, so a notification sent from inside
// a request on that directory would wait for the request itself: after notifyWait it
// goes on in the background and completes when the request returns.
const notifyWait = time.Second

// find returns go-fuse's inode of a volume path, or nil if the kernel never looked it
// up (then it caches nothing of it).
func (i *invalidator) find(name string) *gofs.Inode {
	in := i.root.EmbeddedInode()
	if name == "/" {
		return in
	}
	for _, c := range strings.Split(strings.TrimPrefix(name, "/"), "/") {
		if in = in.GetChild(c); in == nil {
			return nil
		}
	}
	return in
}

func (i *invalidator) run(f func() syscall.Errno) error {
	done := make(chan syscall.Errno, 1)
	go func() { done <- f() }()
	select {
	case errno := <-done:
		// ENOENT: the kernel does not cache it, which is what we want.
		if errno != 0 && errno != syscall.ENOENT {
			return errno
		}
	case <-time.After(notifyWait):
	}
	return nil
}

// InvalidateEntry drops the kernel's entry for name in dir.
func (i *invalidator) InvalidateEntry(dir, name string) error {
	parent := i.find(dir)
	if parent == nil {
		return nil
	}
	if parent.GetChild(name) != nil {
		parent.RmChild(name)
	}
	return i.run(func() syscall.Errno { return parent.NotifyEntry(name) })
}

var _ fs.FileIDInvalidator = (*invalidator)(nil)

// InvalidateFileID drops the kernel's attributes of the file id, found among the
// nodes the kernel knows (one node per file, whatever its names).
func (i *invalidator) InvalidateFileID(id uint64) error {
	todo := []*gofs.Inode{i.root.EmbeddedInode()}
	for len(todo) > 0 {
		in := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, c := range in.Children() {
			if c.StableAttr().Ino == id && !c.IsDir() {
				if n, ok := c.Operations().(*node); ok {
					n.noCap.Store(0)
				}
				return i.run(func() syscall.Errno { return c.NotifyContent(0, 0) })
			}
			if c.IsDir() {
				todo = append(todo, c)
			}
		}
	}
	return nil
}

// InvalidateContent drops the kernel's cached data and attributes of name.
func (i *invalidator) InvalidateContent(name string) error {
	in := i.find(name)
	if in == nil {
		return nil
	}
	if n, ok := in.Operations().(*node); ok {
		n.noCap.Store(0)
	}
	return i.run(func() syscall.Errno { return in.NotifyContent(0, 0) })
}
