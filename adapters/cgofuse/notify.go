//go:build windows || cgofuse

package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/fs"
)

// InvalidateEntry and InvalidateContent drop what the OS caches about a name. On
// Windows they send WinFsp a change notification, which also drops its caches of the
// file and of its directory's listing. On libfuse 3 (anyfs's cgofuse) they drop the
// kernel's attributes and cached pages of the name's node (fuse_invalidate_path);
// the kernel's entries expire with the entry timeout. libfuse 2 has no
// invalidation.
func (s *server) InvalidateEntry(dir, name string) error {
	s.notify(fs.Join(dir, name))
	return nil
}

func (s *server) InvalidateContent(name string) error {
	s.notify(name)
	return nil
}

func (s *server) notify(name string) {
	s.host.Notify(name, fuse.NOTIFY_CHMOD|fuse.NOTIFY_CHOWN|fuse.NOTIFY_UTIME|
		fuse.NOTIFY_CHFLAGS|fuse.NOTIFY_TRUNCATE)
}
