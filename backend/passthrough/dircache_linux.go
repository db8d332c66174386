package passthrough

import (
	"sync"

	"golang.org/x/sys/unix"
)

// maxCachedDirs bounds the descriptors a dirCache keeps open.
const maxCachedDirs = 64

// dirCache keeps open descriptors of directories right below the root, so that a
// request for a name in one of them need not resolve the directory again (an
// openat2 and a close, the larger part of the backend's cost of a lookup or a
// create on a fast host).
//
// Confinement stays what openat2 gives. A descriptor follows its directory when the
// host renames it, out of the root too, so a cached one is used only after a
// statx of its name in the root, without following a symbolic link or triggering
// an automount, finds that very directory there (same device and inode number:
// the cache holds the inode, so its number cannot go to another file meanwhile).
// That is what openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) of a one-component
// path resolves to at that moment, and it leaves the same window as openat2
// between resolving the directory and using it. Deeper directories are resolved
// by openat2 at every request: checking them would cost as much.
type dirCache struct {
	mu      sync.Mutex
	entries map[string]*cachedDir // by name in the root
}

// cachedDir is a directory descriptor of a dirCache.
type cachedDir struct {
	fd       int
	dev, ino uint64
	refs     int // requests using fd, plus one while the cache holds it
}

// get returns the cached descriptor of the root's entry name once it checked that
// the entry is still that directory; release it when done.
func (c *dirCache) get(rootFd int, name string) (*cachedDir, bool) {
	c.mu.Lock()
	d := c.entries[name]
	if d != nil {
		d.refs++
	}
	c.mu.Unlock()
	if d == nil {
		return nil, false
	}
	var st unix.Statx_t
	err := retryEINTR(func() error {
		return unix.Statx(rootFd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE|unix.STATX_INO, &st)
	})
	if err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Ino == d.ino && unix.Mkdev(st.Dev_major, st.Dev_minor) == d.dev {
		return d, true
	}
	c.mu.Lock()
	if c.entries[name] == d {
		delete(c.entries, name)
		d.refs-- // the cache's reference
	}
	c.mu.Unlock()
	c.release(d)
	return nil, false
}

// put caches fd, a descriptor of the root's entry name just opened beneath the
// root, and returns it as held by the caller; nil if it is not cached (the caller
// then closes fd itself).
func (c *dirCache) put(name string, fd int) *cachedDir {
	var st unix.Statx_t
	err := retryEINTR(func() error {
		return unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_TYPE|unix.STATX_INO, &st)
	})
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	d := &cachedDir{fd: fd, dev: unix.Mkdev(st.Dev_major, st.Dev_minor), ino: st.Ino, refs: 2}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = make(map[string]*cachedDir)
	}
	evicted := c.entries[name]
	if evicted == nil && len(c.entries) >= maxCachedDirs {
		for n, e := range c.entries { // any one
			delete(c.entries, n)
			evicted = e
			break
		}
	}
	c.entries[name] = d
	c.mu.Unlock()
	if evicted != nil {
		c.release(evicted) // the cache's reference
	}
	return d
}

// release drops a reference to d, and closes its descriptor with the last one.
func (c *dirCache) release(d *cachedDir) {
	c.mu.Lock()
	d.refs--
	last := d.refs == 0
	c.mu.Unlock()
	if last {
		unix.Close(d.fd)
	}
}

// closeAll drops every cached descriptor (FS.Close).
func (c *dirCache) closeAll() {
	c.mu.Lock()
	entries := c.entries
	c.entries = nil
	c.mu.Unlock()
	for _, d := range entries {
		c.release(d)
	}
}
