package memfs

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

type node struct {
	ino    uint64
	typ    attr.Mode // S_IFMT bits
	target string    // symbolic link target

	children map[string]*node // directories; guarded by FS.mu
	parent   *node            // directories; guarded by FS.mu
	// sorted caches the sorted names of children for listings; set to nil by every
	// change of children (under FS.mu held for writing).
	sorted atomic.Pointer[[]string]

	mu     sync.RWMutex
	perm   attr.Mode           // permission and special bits
	attrs  attr.FileAttributes // stored settable Windows attributes, never Normal
	nlink  uint32
	uid    uint32
	gid    uint32
	rdev   uint64
	size   int64
	pages  map[int64]*page
	xattrs map[stream][]byte
	opens  int32 // FileContexts handed out and not closed
	// prealloc: pages may exist past the end of the file (OnSetAllocationSize).
	prealloc bool
	freed    bool // the data was released (no links, not open)

	btime, atime, mtime, ctime time.Time
}

type page [PageSize]byte

func (n *node) isDir() bool { return n.typ == attr.S_IFDIR }

// newNode makes a node with a fresh inode number; it does not count it in files.
func (f *FS) newNode(typ, perm attr.Mode, uid, gid uint32, now time.Time) *node {
	n := &node{ino: f.nextIno.Add(1), typ: typ, perm: perm & attr.ModePermMask, uid: uid, gid: gid, nlink: 1,
		btime: now, atime: now, mtime: now, ctime: now}
	if typ == attr.S_IFDIR {
		n.children = make(map[string]*node)
		n.nlink = 2
	}
	return n
}

// now returns the current time without its monotonic reading.
func now() time.Time { return time.Now().Round(0) }

// info fills fi from n. The caller holds FS.mu (for reading) when n is a directory,
// for its size.
func (n *node) info(fi *fs.FileInfo) {
	n.mu.RLock()
	n.infoLocked(fi)
	n.mu.RUnlock()
}

func (n *node) infoLocked(fi *fs.FileInfo) {
	fi.Mode = n.typ | n.perm
	fi.Attributes = n.attrs
	fi.FileID = n.ino
	fi.LinkCount = n.nlink
	fi.Uid, fi.Gid, fi.Rdev = n.uid, n.gid, n.rdev
	fi.CreationTime, fi.LastAccessTime, fi.LastWriteTime, fi.ChangeTime = n.btime, n.atime, n.mtime, n.ctime
	switch n.typ {
	case attr.S_IFDIR:
		fi.Size = int64(direntSize * (2 + len(n.children)))
		fi.AllocationSize = 0
	case attr.S_IFLNK:
		fi.Size = int64(len(n.target))
		fi.AllocationSize = 0
	default:
		fi.Size = n.size
		fi.AllocationSize = int64(len(n.pages)) * PageSize
		if fi.AllocationSize == 0 && n.size > 0 {
			fi.AllocationSize = -1 // all hole: fs.FileInfo's zero would mean "as big as Size"
		}
	}
}

// touch sets mtime and ctime of a directory whose entries changed. The caller holds
// FS.mu for writing.
func touch(n *node, t time.Time) {
	n.mu.Lock()
	n.mtime, n.ctime = t, t
	n.mu.Unlock()
}

// changed sets n's ctime.
func changed(n *node, t time.Time) {
	n.mu.Lock()
	n.ctime = t
	n.mu.Unlock()
}

// nextComponent splits the first component off a path relative to a directory.
func nextComponent(p string) (first, rest string) {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}

// walk returns the node at the volume path name. The caller holds FS.mu.
func (f *FS) walk(name string) (*node, error) {
	if name == "" || name[0] != '/' {
		return nil, fmt.Errorf("memfs: %q: %w", name, fs.ErrInvalid)
	}
	n := f.root
	p := name[1:]
	for p != "" {
		var c string
		c, p = nextComponent(p)
		if c == "" {
			continue // "//" or a trailing "/"
		}
		if !n.isDir() {
			return nil, fmt.Errorf("memfs: %s: %w", name, fs.ErrNotDir)
		}
		next := n.children[c]
		if next == nil {
			return nil, fmt.Errorf("memfs: %s: %w", name, fs.ErrNotExist)
		}
		n = next
	}
	return n, nil
}

// parentOf returns the directory holding name and name's base. The caller holds
// FS.mu.
func (f *FS) parentOf(name string) (*node, string, error) {
	if name == "" || name[0] != '/' {
		return nil, "", fmt.Errorf("memfs: %q: %w", name, fs.ErrInvalid)
	}
	dir, base := fs.Split(name)
	if base == "" || base == "." || base == ".." {
		return nil, "", fmt.Errorf("memfs: %q: %w", name, fs.ErrInvalid)
	}
	d, err := f.walk(dir)
	if err != nil {
		return nil, "", err
	}
	if !d.isDir() {
		return nil, "", fmt.Errorf("memfs: %s: %w", dir, fs.ErrNotDir)
	}
	return d, base, nil
}

// lookup returns the node of an event: its FileContext when set, the node at name
// otherwise.
func (f *FS) lookup(name string, fctx any) (*node, error) {
	if n, ok := fctx.(*node); ok && n != nil {
		return n, nil
	}
	f.mu.RLock()
	n, err := f.walk(name)
	f.mu.RUnlock()
	return n, err
}

// checkContext reports fs.ErrStale when an event names one file and carries the
// FileContext of another.
func checkContext(name string, found *node, fctx any) error {
	if n, ok := fctx.(*node); ok && n != nil && n != found {
		return fmt.Errorf("memfs: %s is not the open file: %w", name, fs.ErrStale)
	}
	return nil
}

// insert adds n as base in dir. The caller holds FS.mu for writing.
func insert(dir *node, base string, n *node) {
	dir.children[base] = n
	dir.sorted.Store(nil)
	if n.isDir() {
		n.parent = dir
		dir.mu.Lock()
		dir.nlink++
		dir.mu.Unlock()
	}
}

// remove takes the entry base (node n) out of dir and drops n's link. The caller
// holds FS.mu for writing.
func (f *FS) remove(dir *node, base string, n *node, t time.Time) {
	delete(dir.children, base)
	dir.sorted.Store(nil)
	n.mu.Lock()
	if n.isDir() {
		n.nlink = 0
		n.parent = nil
	} else if n.nlink > 0 {
		n.nlink--
	}
	n.ctime = t
	dead := n.nlink == 0 && n.opens <= 0
	n.mu.Unlock()
	if n.isDir() {
		dir.mu.Lock()
		dir.nlink--
		dir.mu.Unlock()
	}
	if dead {
		f.free(n)
	}
}

// free releases the data of a node that has no links and is not open.
func (f *FS) free(n *node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.freed {
		return
	}
	n.freed = true
	f.used.Add(-int64(len(n.pages)) * PageSize)
	for _, pg := range n.pages {
		f.pool.release(pg)
	}
	n.pages = nil
	n.xattrs = nil
	f.files.Add(-1)
}

// reserve takes n bytes of capacity, or reports false.
func (f *FS) reserve(n int64) bool {
	if f.capacity == 0 {
		f.used.Add(n)
		return true
	}
	for {
		u := f.used.Load()
		if u+n > f.capacity {
			return false
		}
		if f.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// reserveFile takes one inode, or reports false.
func (f *FS) reserveFile() bool {
	if f.maxFiles == 0 {
		f.files.Add(1)
		return true
	}
	for {
		c := f.files.Load()
		if c >= f.maxFiles {
			return false
		}
		if f.files.CompareAndSwap(c, c+1) {
			return true
		}
	}
}
