// Package memfs is the in-memory reference backend of anyfs. It implements the
// optional events of package fs: creation and deletion, sparse file data (holes,
// fallocate's modes, SEEK_DATA and SEEK_HOLE, copy_file_range keeping holes), hard
// and symbolic links, named streams and, as tmpfs, the trusted. and security.
// extended attributes, Windows attributes, POSIX modes and owners, nanosecond
// times, atomic rename (with exchange), volume size, label and ID, and mount
// notifications. It has no lock events (fs.LockHandler): nothing outside the mount
// shares its data, so locks stay with the kernel, as on a local file system.
//
// # Capacity
//
// A volume holds at most Options.Capacity bytes of file data: by default half of
// the machine's memory, as tmpfs (MemoryLimit). statfs reports it as the volume's
// size, and a write that would cross it stores what fits and then fails with
// fs.ErrNoSpace (ENOSPC), so a big copy ends with "no space" instead of the
// operating system killing the process for want of memory; what was written stays.
// Extended attributes and the tree itself are not counted.
//
// # Structure
//
// The tree is made of nodes (inodes). A directory holds a map from name to node; a
// hard link is one more map entry pointing at the same node, so links share the
// FileID (the inode number) and every attribute. The FileContext of an open file is
// its *node, so an open file keeps working after it was unlinked or renamed.
//
// File data lives in PageSize pages kept in a map by page index: holes take no
// memory and read as zeros, so one byte written at 1 TiB costs one page. Past the
// first 4 MiB of data, pages are carved from 2 MiB chunks of mapped memory (huge
// pages on Linux), reused when freed; a chunk returns to the operating system once
// all its pages are free (one is kept as a spare), and every chunk when the FS is
// garbage collected.
//
// # Locking
//
// One RWMutex guards the shape of the tree (directory maps, parent pointers); each
// node has its own RWMutex for its data and attributes. Reads and writes through a
// FileContext take only the node's lock, so writers to different files run in
// parallel. Lock order: tree before node; never two nodes at once.
//
// # Times
//
// Times follow Linux tmpfs: a write or truncate sets mtime and ctime; chmod, chown,
// utimes, link, unlink, rename and xattr changes set the node's ctime; create,
// unlink and rename set mtime and ctime of the parent directories. Reads update
// atime with the relatime rule (only when atime is not newer than mtime or ctime, or
// is more than a day old), so repeated reads of a file do not write to it.
package memfs

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// PageSize is the unit of file storage: data is allocated and counted in pages of
// this size, and AllocationSize is always a multiple of it.
const PageSize = 4096

// DefaultCapacity is the size statfs reports for a volume without a limit
// (Options.Capacity negative, or zero where the system does not say how much
// memory it has).
const DefaultCapacity = 1 << 40

// RootID is the FileID of the root directory.
const RootID = 1

// direntSize is what a directory entry adds to a directory's size, as in tmpfs
// (BOGO_DIRENT_SIZE); an empty directory has two ("." and "..").
const direntSize = 20

// maxLabel is the longest volume label, in characters (the NTFS limit).
const maxLabel = 32

// Options configure a memfs. The zero value (or nil) is a volume labelled "memfs"
// that holds up to half of the machine's memory.
type Options struct {
	// Capacity limits the bytes of file data (whole pages), which statfs reports as
	// the volume's size. A write that would cross it stores what fits and fails
	// with fs.ErrNoSpace when nothing does; what was written stays. Zero means
	// MemoryLimit(), half of the machine's memory as tmpfs has it (or no limit
	// where the system does not say); a negative value means no limit (statfs
	// then reports DefaultCapacity).
	Capacity int64
	// MaxFiles limits the number of files (inodes, the root included). Creating
	// more fails with fs.ErrNoSpace. Zero means no limit.
	MaxFiles int64
	// VolumeLabel is the initial label. Empty means "memfs".
	VolumeLabel string
	// VolumeID is the volume serial number. Zero derives one from the label and the
	// time the volume was made.
	VolumeID uint32
	// RootMode is the permission bits of the root directory. Zero means 0755.
	RootMode attr.Mode
}

// FS is an in-memory filesystem. Make it with New; all methods are safe for
// concurrent use.
type FS struct {
	mu   sync.RWMutex // the tree: directory maps and parent pointers
	root *node

	nextIno  atomic.Uint64
	used     atomic.Int64 // bytes of allocated pages
	pool     *pool        // where pages come from; unmapped when f is collected
	files    atomic.Int64 // live inodes
	capacity int64
	maxFiles int64

	volMu      sync.Mutex // label and mount point
	label      string
	mountPoint string
	id         uint32
}

// Compile-time checks: memfs implements every event of package fs.
var (
	_ fs.Interface                = (*FS)(nil)
	_ fs.NamespaceOwner           = (*FS)(nil)
	_ fs.CreateFileHandler        = (*FS)(nil)
	_ fs.WriteFileHandler         = (*FS)(nil)
	_ fs.SetAllocationSizeHandler = (*FS)(nil)
	_ fs.CleanupFileHandler       = (*FS)(nil)
	_ fs.FlushFileHandler         = (*FS)(nil)
	_ fs.SetFileAttributesHandler = (*FS)(nil)
	_ fs.CanFileBeDeletedHandler  = (*FS)(nil)
	_ fs.IsDirectoryEmptyHandler  = (*FS)(nil)
	_ fs.DeleteFileHandler        = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler  = (*FS)(nil)
	_ fs.CreateHardLinkHandler    = (*FS)(nil)
	_ fs.SymlinkHandler           = (*FS)(nil)
	_ fs.NamedStreamHandler       = (*FS)(nil)
	_ fs.GetVolumeSizeHandler     = (*FS)(nil)
	_ fs.GetVolumeLabelHandler    = (*FS)(nil)
	_ fs.SetVolumeLabelHandler    = (*FS)(nil)
	_ fs.GetVolumeIDHandler       = (*FS)(nil)
	_ fs.MountHandler             = (*FS)(nil)
	_ fs.XattrNamespacer          = (*FS)(nil)
	_ fs.AllocateRangeHandler     = (*FS)(nil)
	_ fs.SeekDataHandler          = (*FS)(nil)
	_ fs.CopyFileRangeHandler     = (*FS)(nil)
)

// New makes an empty filesystem: a root directory owned by the calling process's
// user and group (root on Windows). opts may be nil.
func New(opts *Options) *FS {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.VolumeLabel == "" {
		o.VolumeLabel = "memfs"
	}
	if o.RootMode.Perm() == 0 {
		o.RootMode = 0o755
	}
	capacity := o.Capacity
	switch {
	case capacity < 0:
		capacity = 0
	case capacity == 0:
		capacity = MemoryLimit()
	}
	f := &FS{capacity: capacity, maxFiles: max(o.MaxFiles, 0), label: o.VolumeLabel, id: o.VolumeID,
		pool: new(pool)}
	runtime.AddCleanup(f, (*pool).close, f.pool)
	if f.id == 0 {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s %d", o.VolumeLabel, time.Now().UnixNano())
		f.id = h.Sum32()
	}
	uid, gid := os.Getuid(), os.Getgid()
	f.nextIno.Store(RootID - 1)
	f.root = f.newNode(attr.S_IFDIR, o.RootMode.Perm(), uint32(max(uid, 0)), uint32(max(gid, 0)), time.Now())
	f.root.nlink = 2
	f.files.Add(1)
	return f
}

// node is an inode. typ, ino and (for symbolic links) target never change after the
// node is made; children and parent are guarded by FS.mu; everything else by mu.
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

// Capacity returns the bytes of file data the volume may hold; 0 means no limit.
func (f *FS) Capacity() int64 { return f.capacity }

// Used returns the bytes of file data the volume holds (whole pages) and the
// number of files (inodes) it has.
func (f *FS) Used() (bytes, files int64) { return f.used.Load(), f.files.Load() }

// MountPoint returns where the volume was last mounted (OnMount), or "".
func (f *FS) MountPoint() string {
	f.volMu.Lock()
	defer f.volMu.Unlock()
	return f.mountPoint
}

// ---- Interface: the mandatory events ----

// OnGetFileInfo reports the file at e.Name, or the open file e.FileContext (which
// works after the file was unlinked).
func (f *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	n, ok := e.FileContext.(*node)
	if ok && n != nil && !n.isDir() {
		// An open file: no need for the tree lock (only directories' sizes use it).
		n.info(&e.Info)
	} else {
		f.mu.RLock()
		if !ok || n == nil {
			var err error
			if n, err = f.walk(e.Name); err != nil {
				f.mu.RUnlock()
				return err
			}
		}
		n.info(&e.Info)
		f.mu.RUnlock()
	}
	_, e.Info.Name = fs.Split(e.Name)
	return nil
}

// OnOpenFile opens an existing file: the FileContext is its node.
func (f *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if ctxNode, ok := e.FileContext.(*node); ok && ctxNode != nil {
		n = ctxNode
	}
	if e.Flags&fs.OpenDirectory != 0 && !n.isDir() {
		return fmt.Errorf("memfs: opendir %s: %w", e.Name, fs.ErrNotDir)
	}
	if n.isDir() && (e.Access&fs.AccessWrite != 0 || e.Flags&fs.OpenTruncate != 0) {
		return fmt.Errorf("memfs: open %s for writing: %w", e.Name, fs.ErrIsDir)
	}
	n.mu.Lock()
	n.opens++
	n.infoLocked(&e.Info)
	n.mu.Unlock()
	e.FileContext, e.InfoValid = n, true
	return nil
}

// OnCloseFile releases an open file; an unlinked file's data goes with its last
// close.
func (f *FS) OnCloseFile(_ context.Context, e *fs.CloseFileEvent) error {
	n, ok := e.FileContext.(*node)
	if !ok || n == nil {
		return nil
	}
	n.mu.Lock()
	n.opens--
	dead := n.opens <= 0 && n.nlink == 0
	n.mu.Unlock()
	if dead {
		f.free(n)
	}
	return nil
}

// ---- Creator, Symlinker, HardLinker ----

// OnCreateFile creates a regular file, directory, device node, FIFO or socket with
// exactly e.Mode, e.Uid and e.Gid, and opens it.
func (f *FS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	mode, err := e.FileMode()
	if err != nil {
		return fmt.Errorf("memfs: %w", err)
	}
	typ, perm := mode.Type(), mode.Perm()
	f.mu.Lock()
	defer f.mu.Unlock()
	n, base, err := f.addNode("create", e.Name, typ, perm, e.Uid, e.Gid, func(n *node) {
		if typ == attr.S_IFCHR || typ == attr.S_IFBLK {
			n.rdev = e.Rdev
		}
		n.attrs = attr.ApplySetFileAttributes(0, e.Attributes) &^ attr.Normal
		n.opens = 1
	})
	if err != nil {
		return err
	}
	n.infoLocked(&e.Info)
	e.Info.Name = base
	e.FileContext, e.InfoValid = n, true
	return nil
}

// addNode makes a node of type typ at name, which must not exist, and links it into
// its parent; init fills in the node before it is linked. It returns the node and
// its base name. The caller holds f.mu.
func (f *FS) addNode(op, name string, typ, perm attr.Mode, uid, gid uint32, init func(*node)) (*node, string, error) {
	dir, base, err := f.parentOf(name)
	if err != nil {
		return nil, "", err
	}
	if dir.children[base] != nil {
		return nil, "", fmt.Errorf("memfs: %s %s: %w", op, name, fs.ErrExist)
	}
	if !f.reserveFile() {
		return nil, "", fmt.Errorf("memfs: %s %s: no free inodes: %w", op, name, fs.ErrNoSpace)
	}
	t := now()
	n := f.newNode(typ, perm, uid, gid, t)
	init(n)
	insert(dir, base, n)
	touch(dir, t)
	return n, base, nil
}

// OnCreateSymlink creates a symbolic link holding e.Target as given.
func (f *FS) OnCreateSymlink(_ context.Context, e *fs.CreateSymlinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, base, err := f.addNode("symlink", e.Name, attr.S_IFLNK, 0o777, e.Uid, e.Gid, func(n *node) { n.target = e.Target })
	if err != nil {
		return err
	}
	n.infoLocked(&e.Info)
	e.Info.Name = base
	e.InfoValid = true
	return nil
}

// OnReadSymlink returns a symbolic link's target (fs.ErrInvalid for other files).
func (f *FS) OnReadSymlink(_ context.Context, e *fs.ReadSymlinkEvent) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if n.typ != attr.S_IFLNK {
		return fmt.Errorf("memfs: readlink %s: %w", e.Name, fs.ErrInvalid)
	}
	e.Target = n.target
	return nil
}

// OnCreateHardLink adds the name e.LinkName to the file e.Name.
func (f *FS) OnCreateHardLink(_ context.Context, e *fs.CreateHardLinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if n.isDir() {
		return fmt.Errorf("memfs: link to directory %s: %w", e.Name, fs.ErrNotPermitted)
	}
	dir, base, err := f.parentOf(e.LinkName)
	if err != nil {
		return err
	}
	if dir.children[base] != nil {
		return fmt.Errorf("memfs: link %s: %w", e.LinkName, fs.ErrExist)
	}
	n.mu.Lock()
	if n.nlink == 0 || n.freed {
		n.mu.Unlock()
		return fmt.Errorf("memfs: link %s: %w", e.Name, fs.ErrNotExist)
	}
	if n.nlink == ^uint32(0) {
		n.mu.Unlock()
		return fmt.Errorf("memfs: link %s: %w", e.Name, fs.ErrTooManyLinks)
	}
	t := now()
	n.nlink++
	n.ctime = t
	n.infoLocked(&e.Info)
	n.mu.Unlock()
	insert(dir, base, n)
	touch(dir, t)
	e.Info.Name = base
	e.InfoValid = true
	return nil
}

// ---- Deleter, DeleteChecker, EmptyChecker ----

// OnCanFileBeDeleted allows every deletion the POSIX rules allow: the file must
// exist, be of the kind asked for and, for a directory, be empty.
func (f *FS) OnCanFileBeDeleted(_ context.Context, e *fs.CanFileBeDeletedEvent) error {
	if e.Name == "/" {
		return fmt.Errorf("memfs: delete /: %w", fs.ErrBusy)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	return checkDelete(e.Name, n, e.IsDir)
}

func checkDelete(name string, n *node, isDir bool) error {
	switch {
	case isDir && !n.isDir():
		return fmt.Errorf("memfs: rmdir %s: %w", name, fs.ErrNotDir)
	case !isDir && n.isDir():
		return fmt.Errorf("memfs: unlink %s: %w", name, fs.ErrIsDir)
	case n.isDir() && len(n.children) > 0:
		return fmt.Errorf("memfs: rmdir %s: %w", name, fs.ErrNotEmpty)
	}
	return nil
}

// OnIsDirectoryEmpty reports whether the directory e.Name has entries.
func (f *FS) OnIsDirectoryEmpty(_ context.Context, e *fs.IsDirectoryEmptyEvent) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if !n.isDir() {
		return fmt.Errorf("memfs: %s: %w", e.Name, fs.ErrNotDir)
	}
	e.IsEmpty = len(n.children) == 0
	return nil
}

// OnDeleteFile removes the name e.Name: the file goes when its last link is gone
// and it is no longer open.
func (f *FS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	if e.Name == "/" {
		return fmt.Errorf("memfs: delete /: %w", fs.ErrBusy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	dir, base, err := f.parentOf(e.Name)
	if err != nil {
		return err
	}
	n := dir.children[base]
	if n == nil {
		return fmt.Errorf("memfs: delete %s: %w", e.Name, fs.ErrNotExist)
	}
	if err := checkContext(e.Name, n, e.FileContext); err != nil {
		return err
	}
	if err := checkDelete(e.Name, n, e.IsDir); err != nil {
		return err
	}
	t := now()
	f.remove(dir, base, n, t)
	touch(dir, t)
	return nil
}

// ---- Renamer ----

// OnRenameOrMoveFile renames, moves, replaces or exchanges atomically (one lock for
// the whole operation).
func (f *FS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.Name == "/" || e.NewName == "/" {
		return fmt.Errorf("memfs: rename %s to %s: %w", e.Name, e.NewName, fs.ErrBusy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sdir, sbase, err := f.parentOf(e.Name)
	if err != nil {
		return err
	}
	src := sdir.children[sbase]
	if src == nil {
		return fmt.Errorf("memfs: rename %s: %w", e.Name, fs.ErrNotExist)
	}
	if err := checkContext(e.Name, src, e.FileContext); err != nil {
		return err
	}
	ddir, dbase, err := f.parentOf(e.NewName)
	if err != nil {
		return err
	}
	if sdir == ddir && sbase == dbase {
		return nil
	}
	if src.isDir() && within(ddir, src) {
		return fmt.Errorf("memfs: rename %s into itself (%s): %w", e.Name, e.NewName, fs.ErrInvalid)
	}
	dst := ddir.children[dbase]
	t := now()
	if e.Exchange {
		if dst == nil {
			return fmt.Errorf("memfs: rename exchange %s: %w", e.NewName, fs.ErrNotExist)
		}
		if dst.isDir() && within(sdir, dst) {
			return fmt.Errorf("memfs: rename exchange %s into itself (%s): %w", e.NewName, e.Name, fs.ErrInvalid)
		}
		sdir.children[sbase], ddir.children[dbase] = dst, src
		if sdir != ddir {
			if src.isDir() {
				src.parent = ddir
				addLinks(sdir, -1)
				addLinks(ddir, +1)
			}
			if dst.isDir() {
				dst.parent = sdir
				addLinks(ddir, -1)
				addLinks(sdir, +1)
			}
		}
		changed(src, t)
		changed(dst, t)
		touch(sdir, t)
		touch(ddir, t)
		return nil
	}
	if dst != nil {
		if dst == src {
			return nil // two links of one file: nothing to do
		}
		if !e.ReplaceIfExists {
			return fmt.Errorf("memfs: rename %s: %w", e.NewName, fs.ErrExist)
		}
		switch {
		case src.isDir() && !dst.isDir():
			return fmt.Errorf("memfs: rename %s over %s: %w", e.Name, e.NewName, fs.ErrNotDir)
		case !src.isDir() && dst.isDir():
			return fmt.Errorf("memfs: rename %s over %s: %w", e.Name, e.NewName, fs.ErrIsDir)
		case dst.isDir() && len(dst.children) > 0:
			return fmt.Errorf("memfs: rename %s over %s: %w", e.Name, e.NewName, fs.ErrNotEmpty)
		}
		f.remove(ddir, dbase, dst, t)
	}
	delete(sdir.children, sbase)
	sdir.sorted.Store(nil)
	ddir.children[dbase] = src
	ddir.sorted.Store(nil)
	if src.isDir() && sdir != ddir {
		src.parent = ddir
		addLinks(sdir, -1)
		addLinks(ddir, +1)
	}
	changed(src, t)
	touch(sdir, t)
	if ddir != sdir {
		touch(ddir, t)
	}
	return nil
}

// within reports whether d is dir or inside it. The caller holds FS.mu.
func within(d, dir *node) bool {
	for p := d; p != nil; p = p.parent {
		if p == dir {
			return true
		}
	}
	return false
}

func addLinks(n *node, delta int32) {
	n.mu.Lock()
	n.nlink = uint32(int32(n.nlink) + delta)
	n.mu.Unlock()
}

// ---- AttributeSetter ----

// isKeep reports whether a time in SetFileAttributes means "keep the current value":
// zero or the FILETIME epoch 1601-01-01.
func isKeep(t time.Time) bool {
	return t.IsZero() || t.Equal(filetimeEpoch)
}

var filetimeEpoch = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)

// OnSetFileAttributes changes Windows attributes (0: no change; attr.Normal alone:
// clear all), times (zero: keep), mode and owner. Any change sets ctime, unless a
// ChangeTime is given.
func (f *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	t := now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.Attributes != 0 {
		n.attrs = attr.ApplySetFileAttributes(n.attrs, e.Attributes) &^ attr.Normal
	}
	if e.SetMode {
		n.perm = e.Mode.Perm()
	}
	if e.SetUid {
		n.uid = e.Uid
	}
	if e.SetGid {
		n.gid = e.Gid
	}
	if !isKeep(e.CreationTime) {
		n.btime = e.CreationTime
	}
	if !isKeep(e.LastAccessTime) {
		n.atime = e.LastAccessTime
	}
	if !isKeep(e.LastWriteTime) {
		n.mtime = e.LastWriteTime
	}
	if !isKeep(e.ChangeTime) {
		n.ctime = e.ChangeTime
	} else {
		n.ctime = t
	}
	return nil
}

// ---- Cleaner, Flusher ----

// OnCleanupFile does nothing: memfs has nothing to write back.
func (f *FS) OnCleanupFile(context.Context, *fs.CleanupFileEvent) error { return nil }

// OnFlushFile does nothing: memory is as durable as memfs gets.
func (f *FS) OnFlushFile(context.Context, *fs.FlushFileEvent) error { return nil }

// ---- NamedStreamer, XattrNamespacer ----

// OwnsNamespace reports that every change of a memfs goes through its volume: the
// kernel may cache its entries and attributes long (fs.NamespaceOwner). Serve one
// memfs through one volume: another volume would not hear of the first one's
// changes.
func (f *FS) OwnsNamespace() bool { return true }

// XattrNamespaces reports that memfs stores the trusted. and security. extended
// attributes besides the user. ones, as tmpfs does; the volume applies the rules of
// who may set and see them. It stores no POSIX ACLs (system.).
func (f *FS) XattrNamespaces() []string { return []string{fs.XattrTrusted, fs.XattrSecurity} }

// stream is a named stream or, with an Xattr name, an attribute of another
// namespace; the two are kept apart, so "user.trusted.a" is not "trusted.a".
type stream struct {
	name  string
	xattr bool
}

func streamOf(s, xattr string) stream {
	if xattr != "" {
		return stream{name: xattr, xattr: true}
	}
	return stream{name: s}
}

func (s stream) String() string {
	if s.xattr {
		return s.name
	}
	return "stream " + strconv.Quote(s.name)
}

// OnListNamedStreams lists a file's named streams and its attributes of the other
// namespaces, sorted.
func (f *FS) OnListNamedStreams(_ context.Context, e *fs.ListNamedStreamsEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	var names, xattrs []string
	n.mu.RLock()
	for k := range n.xattrs {
		if k.xattr {
			xattrs = append(xattrs, k.name)
		} else {
			names = append(names, k.name)
		}
	}
	n.mu.RUnlock()
	slices.Sort(names)
	slices.Sort(xattrs)
	e.Streams = append(e.Streams, names...)
	e.Xattrs = append(e.Xattrs, xattrs...)
	return nil
}

// OnGetNamedStream returns a copy of a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnGetNamedStream(_ context.Context, e *fs.GetNamedStreamEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	n.mu.RLock()
	defer n.mu.RUnlock()
	v, ok := n.xattrs[k]
	if !ok {
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	e.Data = append(make([]byte, 0, len(v)), v...)
	return nil
}

// OnSetNamedStream stores a copy of e.Data. Create fails with fs.ErrExist when the
// stream exists, Replace with fs.ErrNoAttribute when it does not.
func (f *FS) OnSetNamedStream(_ context.Context, e *fs.SetNamedStreamEvent) error {
	if e.Stream == "" && e.Xattr == "" {
		return fmt.Errorf("memfs: %s: empty stream name: %w", e.Name, fs.ErrInvalid)
	}
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	data := append(make([]byte, 0, len(e.Data)), e.Data...)
	n.mu.Lock()
	defer n.mu.Unlock()
	_, exists := n.xattrs[k]
	switch {
	case e.Create && exists:
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrExist)
	case e.Replace && !exists:
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	if n.xattrs == nil {
		n.xattrs = make(map[stream][]byte)
	}
	n.xattrs[k] = data
	n.ctime = now()
	return nil
}

// OnDeleteNamedStream removes a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnDeleteNamedStream(_ context.Context, e *fs.DeleteNamedStreamEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.xattrs[k]; !ok {
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	delete(n.xattrs, k)
	n.ctime = now()
	return nil
}

// ---- Volume events ----

// OnGetVolumeSize reports Capacity (or DefaultCapacity), the bytes used and, with
// MaxFiles, the free inodes.
func (f *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	used := uint64(max(f.used.Load(), 0))
	total := uint64(f.capacity)
	if total == 0 {
		total = max(DefaultCapacity, used)
	}
	e.Size = fs.VolumeSize{TotalBytes: total, FreeBytes: total - min(used, total), BlockSize: PageSize}
	e.Size.AvailableBytes = e.Size.FreeBytes
	files := uint64(max(f.files.Load(), 0))
	totalFiles := uint64(f.maxFiles)
	if totalFiles == 0 {
		totalFiles = max(1<<32, files)
	}
	e.Size.TotalFiles, e.Size.FreeFiles = totalFiles, totalFiles-min(files, totalFiles)
	return nil
}

// OnGetVolumeLabel reports the label.
func (f *FS) OnGetVolumeLabel(_ context.Context, e *fs.GetVolumeLabelEvent) error {
	f.volMu.Lock()
	e.Label = f.label
	f.volMu.Unlock()
	return nil
}

// OnSetVolumeLabel changes the label (at most 32 characters, as on NTFS).
func (f *FS) OnSetVolumeLabel(_ context.Context, e *fs.SetVolumeLabelEvent) error {
	if utf8.RuneCountInString(e.Label) > maxLabel || !utf8.ValidString(e.Label) {
		return fmt.Errorf("memfs: volume label %q: %w", e.Label, fs.ErrInvalid)
	}
	f.volMu.Lock()
	f.label = e.Label
	f.volMu.Unlock()
	return nil
}

// OnGetVolumeID reports the serial number.
func (f *FS) OnGetVolumeID(_ context.Context, e *fs.GetVolumeIDEvent) error {
	e.ID = f.id
	return nil
}

// OnMount records the mount point.
func (f *FS) OnMount(_ context.Context, e *fs.MountEvent) error {
	f.volMu.Lock()
	f.mountPoint = e.MountPoint
	f.volMu.Unlock()
	return nil
}

// OnUnmount forgets the mount point. The files stay: a memfs can be mounted again.
func (f *FS) OnUnmount(context.Context, *fs.UnmountEvent) error {
	f.volMu.Lock()
	f.mountPoint = ""
	f.volMu.Unlock()
	return nil
}
