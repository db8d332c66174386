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
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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
