//go:build linux || darwin

package gofuse

import (
	"context"
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// unknownIno is the d_ino of a listing entry whose backend reports no FileID: glibc
// hides entries with d_ino 0, and libfuse uses the same value.
const unknownIno = 0xffffffff

// mount is the state every node of one mount shares.
type mount struct {
	v   *fs.Volume
	mnt string
	// attrTimeout is how long the kernel caches attributes (0: not at all).
	attrTimeout time.Duration
	// writeback: the kernel caches writes (mountopt.Options.WritebackCache).
	writeback bool
	// owners holds the lock owner of each FLUSH in flight, keyed by the request's
	// cancel channel (unique among requests in flight), because go-fuse's node API
	// does not pass it on; see rawFS.Flush.
	owners sync.Map
}

// ctx adds the caller of the kernel request to ctx, for the volume.
func (m *mount) ctx(ctx context.Context) context.Context {
	if c, ok := fuse.FromContext(ctx); ok {
		return fs.WithCaller(ctx, fs.Caller{Pid: c.Pid, Uid: c.Uid, Gid: c.Gid, Kernel: true})
	}
	return ctx
}

// node is one file or directory the kernel knows. Its volume path is found by walking
// go-fuse's tree, which go-fuse updates after every successful rename and unlink.
type node struct {
	gofs.Inode
	m *mount

	mu   sync.Mutex
	open map[*fileHandle]struct{} // open handles, for requests on an unlinked file
	dirs map[*dirHandle]struct{}  // open directory handles, for fstat of a removed directory

	// noCap is when (Unix nanoseconds) the node's known absence of
	// security.capability expires; see Getxattr.
	noCap atomic.Int64

	// alias marks a node reached through a spelling of a case-insensitive volume
	// other than the stored one (see newChild).
	alias bool
	// forgotten marks a node taken out of go-fuse's tree because its file was
	// removed or renamed through another spelling (see forgetOtherCases).
	forgotten atomic.Bool
}

var (
	_ gofs.NodeLookuper       = (*node)(nil)
	_ gofs.NodeGetattrer      = (*node)(nil)
	_ gofs.NodeSetattrer      = (*node)(nil)
	_ gofs.NodeOpener         = (*node)(nil)
	_ gofs.NodeCreater        = (*node)(nil)
	_ gofs.NodeReader         = (*node)(nil)
	_ gofs.NodeWriter         = (*node)(nil)
	_ gofs.NodeFlusher        = (*node)(nil)
	_ gofs.NodeFsyncer        = (*node)(nil)
	_ gofs.NodeReleaser       = (*node)(nil)
	_ gofs.NodeAllocater      = (*node)(nil)
	_ gofs.NodeLseeker        = (*node)(nil)
	_ gofs.NodeCopyFileRanger = (*node)(nil)
	_ gofs.NodeMkdirer        = (*node)(nil)
	_ gofs.NodeMknoder        = (*node)(nil)
	_ gofs.NodeUnlinker       = (*node)(nil)
	_ gofs.NodeRmdirer        = (*node)(nil)
	_ gofs.NodeRenamer        = (*node)(nil)
	_ gofs.NodeLinker         = (*node)(nil)
	_ gofs.NodeSymlinker      = (*node)(nil)
	_ gofs.NodeReadlinker     = (*node)(nil)
	_ gofs.NodeOpendirHandler = (*node)(nil)
	_ gofs.NodeStatfser       = (*node)(nil)
	_ gofs.NodeGetxattrer     = (*node)(nil)
	_ gofs.NodeSetxattrer     = (*node)(nil)
	_ gofs.NodeListxattrer    = (*node)(nil)
	_ gofs.NodeRemovexattrer  = (*node)(nil)
	_ gofs.NodeGetlker        = (*node)(nil)
	_ gofs.NodeSetlker        = (*node)(nil)
	_ gofs.NodeSetlkwer       = (*node)(nil)
)

// path returns the node's volume path. ok is false for a node that is in no
// directory any more (unlinked while the kernel still holds it).
func (n *node) path() (p string, ok bool) {
	var parts []string
	in := n.EmbeddedInode()
	for !in.IsRoot() {
		name, parent := in.Parent()
		if parent == nil {
			return "", false
		}
		parts = append(parts, name)
		in = parent
	}
	if len(parts) == 0 {
		return "/", true
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String(), true
}

// errno maps an error of a request on n (or in the directory n) to its errno. For a
// node whose file went away through another spelling of its name, ENOENT becomes
// ESTALE: the kernel still holds this spelling as existing, and ESTALE has it look
// the path up again, which then finds nothing, or the file now there.
func (n *node) errno(err error) syscall.Errno {
	errno := toErrno(err)
	if errno == syscall.ENOENT && n.forgotten.Load() {
		return syscall.ESTALE
	}
	return errno
}

// childPath returns the volume path of the entry name of directory n.
func (n *node) childPath(name string) (string, syscall.Errno) {
	dir, ok := n.path()
	if !ok {
		return "", n.errno(syscall.ENOENT)
	}
	return fs.Join(dir, name), 0
}

// anyHandle returns one of the node's open handles, or nil.
func (n *node) anyHandle() *fileHandle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for fh := range n.open {
		return fh
	}
	return nil
}

func (n *node) addHandle(fh *fileHandle) {
	n.mu.Lock()
	if n.open == nil {
		n.open = make(map[*fileHandle]struct{})
	}
	n.open[fh] = struct{}{}
	n.mu.Unlock()
}

// anyDir returns one of the node's open directory handles, or nil.
func (n *node) anyDir() *dirHandle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for dh := range n.dirs {
		return dh
	}
	return nil
}

func (n *node) addDir(dh *dirHandle) {
	n.mu.Lock()
	if n.dirs == nil {
		n.dirs = make(map[*dirHandle]struct{})
	}
	n.dirs[dh] = struct{}{}
	n.mu.Unlock()
}

func (n *node) removeDir(dh *dirHandle) {
	n.mu.Lock()
	delete(n.dirs, dh)
	n.mu.Unlock()
}

func (n *node) removeHandle(fh *fileHandle) {
	n.mu.Lock()
	delete(n.open, fh)
	n.mu.Unlock()
}

// fillAttr renders a FileInfo as FUSE attributes.
func fillAttr(fi *fs.FileInfo, a *fuse.Attr) {
	a.Ino = fi.FileID
	a.Size = uint64(fi.Size)
	a.Blocks = uint64(fi.AllocationSize+511) / 512
	a.Blksize = 4096 // also stops go-fuse from deriving Blocks from Size
	a.Mode = uint32(fi.Mode)
	a.Nlink = fi.LinkCount
	a.Uid, a.Gid = fi.Uid, fi.Gid
	a.Rdev = uint32(fi.Rdev)
	at, mt, ct := unixTime(fi.LastAccessTime), unixTime(fi.LastWriteTime), unixTime(fi.ChangeTime)
	if fi.ChangeTime.IsZero() {
		ct = mt
	}
	a.SetTimes(&at, &mt, &ct)
	setCrtime(fi, a)
}

// unixTime reports a zero time as the Unix epoch.
func unixTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0)
	}
	return t
}

// newChild returns the node for the entry name of n described by fi, filling out.
// Nodes are identified by FileID, so every name of a hard-linked file leads to one
// node; go-fuse keeps the node it already knows for an identity.
//
// On a case-insensitive volume a name spelled otherwise than stored (fi.Name), or
// found in a directory reached that way, gets an alias node: the same inode number
// and attributes, but a kernel inode of its own, told by a generation number made
// from the spelling. The kernel does nothing for a rename whose source and target
// are one inode, so this is what lets a rename change only the case of a name, as
// NTFS does. The kernel caches neither the alias's entry nor its attributes: every
// use asks the volume, which answers for the stored file, so all spellings agree.
func (n *node) newChild(ctx context.Context, name string, fi *fs.FileInfo, out *fuse.EntryOut) *gofs.Inode {
	fillAttr(fi, &out.Attr)
	sa := gofs.StableAttr{Mode: uint32(fi.Mode.Type()), Ino: fi.FileID}
	alias := n.m.v.Options().CaseInsensitive && (n.alias || fi.Name != "" && fi.Name != name)
	if alias {
		sa.Gen = n.spelling(name)
		out.SetEntryTimeout(uncached)
		out.SetAttrTimeout(uncached)
	}
	if old := n.GetChild(name); old != nil && old.StableAttr().Mode == sa.Mode && old.StableAttr().Gen == sa.Gen && (sa.Ino == 0 || old.StableAttr().Ino == sa.Ino) {
		// Reuse the known node; with no FileID this keeps the inode number stable.
		if sa.Ino == 0 {
			out.Attr.Ino = old.StableAttr().Ino
		}
		return old
	}
	return n.NewInode(ctx, &node{m: n.m, alias: alias}, sa)
}

// uncached is the cache timeout of an alias node's entry and attributes: go-fuse
// replaces a zero with the mount's timeouts, and the kernel counts a nanosecond as
// expired at once.
const uncached = time.Nanosecond

// spelling returns the generation number of the alias node for the entry name of n:
// a hash of the path as spelled, never 0 (the generation of stored names).
func (n *node) spelling(name string) uint64 {
	dir, _ := n.path()
	h := fnv.New64a()
	h.Write([]byte(fs.Join(dir, name)))
	return h.Sum64() | 1
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	dir, ok := n.path()
	if !ok {
		return nil, n.errno(syscall.ENOENT)
	}
	fi, err := n.m.v.Lookup(n.m.ctx(ctx), dir, name)
	if err != nil {
		return nil, toErrno(err)
	}
	return n.newChild(ctx, name, &fi, out), 0
}

// stat returns the node's information, through an open handle when there is one (a
// file unlinked while open has no path any more).
func (n *node) stat(ctx context.Context, f gofs.FileHandle) (fs.FileInfo, syscall.Errno) {
	fh, _ := f.(*fileHandle)
	if fh == nil {
		if p, ok := n.path(); ok {
			fi, err := n.m.v.Stat(ctx, p)
			return fi, n.errno(err)
		}
		if fh = n.anyHandle(); fh == nil {
			// A directory removed while open: fstat of its descriptor.
			if dh := n.anyDir(); dh != nil {
				fi, err := dh.d.Stat(ctx)
				return fi, n.errno(err)
			}
			return fs.FileInfo{}, n.errno(syscall.ENOENT)
		}
	}
	fi, err := fh.h.Stat(ctx)
	return fi, n.errno(err)
}

func (n *node) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	fi, errno := n.stat(n.m.ctx(ctx), f)
	if errno != 0 {
		return errno
	}
	fillAttr(&fi, &out.Attr)
	if n.alias {
		out.SetTimeout(uncached)
	}
	return 0
}

func (n *node) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	ctx = n.m.ctx(ctx)
	var ch fs.Change
	if sz, ok := in.GetSize(); ok {
		ch.Valid |= fs.ChangeSize
		ch.Size = int64(sz)
	}
	if mode, ok := in.GetMode(); ok {
		ch.Valid |= fs.ChangeMode
		ch.Mode = attr.Mode(mode)
	}
	if uid, ok := in.GetUID(); ok {
		ch.Valid |= fs.ChangeUid
		ch.Uid = uid
	}
	if gid, ok := in.GetGID(); ok {
		ch.Valid |= fs.ChangeGid
		ch.Gid = gid
	}
	if t, ok := in.GetATime(); ok { // UTIME_NOW arrives as FATTR_ATIME_NOW; UTIME_OMIT as no bit
		ch.Valid |= fs.ChangeAtime
		ch.Atime = t
	}
	if t, ok := in.GetMTime(); ok {
		ch.Valid |= fs.ChangeMtime
		ch.Mtime = t
	}
	if t, ok := in.GetCTime(); ok {
		ch.Valid |= fs.ChangeCtime
		ch.Ctime = t
	}
	setattrExtra(in, &ch)

	var fi fs.FileInfo
	var err error
	fh, _ := f.(*fileHandle)
	p, ok := n.path()
	switch {
	case fh != nil:
		fi, err = fh.h.SetAttributes(ctx, ch)
	case ok:
		fi, err = n.m.v.SetAttributes(ctx, p, ch)
	default:
		if fh = n.anyHandle(); fh == nil {
			return n.errno(syscall.ENOENT)
		}
		fi, err = fh.h.SetAttributes(ctx, ch)
	}
	if err != nil {
		return n.errno(err)
	}
	fillAttr(&fi, &out.Attr)
	if n.alias {
		out.SetTimeout(uncached)
	}
	n.changedSpellings()
	return 0
}

// changedSpellings drops the kernel's cached attributes of the other spellings of
// n's name, after n's file changed through n on a case-insensitive volume: each
// spelling is a kernel inode of its own (see newChild).
func (n *node) changedSpellings() {
	if !n.m.v.Options().CaseInsensitive {
		return
	}
	name, parent := n.Parent()
	if parent == nil {
		return
	}
	for other, in := range parent.Children() {
		if other != name && strings.EqualFold(other, name) {
			in.NotifyContent(-1, 0)
		}
	}
}
