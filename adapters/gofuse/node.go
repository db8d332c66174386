//go:build linux || darwin

package gofuse

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
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

// openArgs maps open(2) flags to the volume's access and flags.
func openArgs(flags uint32) (fs.Access, fs.OpenFlags) {
	var access fs.Access
	switch int(flags) & syscall.O_ACCMODE {
	case syscall.O_RDONLY:
		access = fs.AccessRead
	case syscall.O_WRONLY:
		access = fs.AccessWrite
	default:
		access = fs.AccessRead | fs.AccessWrite
	}
	var of fs.OpenFlags
	if flags&syscall.O_APPEND != 0 {
		of |= fs.OpenAppend
	}
	if flags&syscall.O_TRUNC != 0 {
		of |= fs.OpenTruncate
	}
	if flags&(syscall.O_SYNC|oDsync) != 0 {
		of |= fs.OpenSync
	}
	if oDirect != 0 && flags&oDirect != 0 {
		of |= fs.OpenDirectIO
	}
	return access, of
}

// openArgs is openArgs for this mount: with writeback caching the kernel
// reads from files opened write-only (to fill the pages it caches) and
// places appended data itself, so every handle can read and none appends.
func (m *mount) openArgs(flags uint32) (fs.Access, fs.OpenFlags) {
	access, of := openArgs(flags)
	if m.writeback {
		access |= fs.AccessRead
		of &^= fs.OpenAppend
	}
	return access, of
}

// openFlags are the FOPEN_* flags of a new handle: none. An O_DIRECT handle the
// kernel does not pass through is made uncached (FOPEN_DIRECT_IO) by rawFS, which
// sees the reply: the kernel refuses a non-passthrough open of a file that has
// passed-through handles, so the passthrough decision comes first.
func openFlags(fs.OpenFlags) uint32 { return 0 }

func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	access, of := n.m.openArgs(flags)
	ctx = n.m.ctx(ctx)
	// The name may have been renamed over (by a symbolic link, say) after the kernel
	// looked it up and before go-fuse's tree heard of it: the rename is done in the
	// volume, and go-fuse moves its node once the rename's reply is on its way. Make
	// sure the file opened is the node's; if it is not, give go-fuse's tree a moment
	// to catch up (the node then has another name, or none: ENOENT, as when the
	// kernel's own lookup had come a little later), and only then have the kernel
	// look the name up again (ESTALE), which it does once.
	deadline := time.Now().Add(staleWait)
	for {
		p, ok := n.path()
		if !ok {
			return nil, 0, n.errno(syscall.ENOENT)
		}
		h, err := n.m.v.Open(ctx, p, access, of)
		if err != nil {
			return nil, 0, n.errno(err)
		}
		fi := h.OpenInfo()
		if n.sameFile(&fi) {
			fh := &fileHandle{h: h, n: n}
			n.addHandle(fh)
			return fh, openFlags(of), 0
		}
		h.Release(context.WithoutCancel(ctx))
		if time.Now().After(deadline) {
			return nil, 0, syscall.ESTALE
		}
		time.Sleep(staleWait / 100)
	}
}

// staleWait bounds how long Open waits for go-fuse's tree to hear of a rename.
const staleWait = 50 * time.Millisecond

// sameFile reports whether fi describes the node's file.
func (n *node) sameFile(fi *fs.FileInfo) bool {
	sa := n.StableAttr()
	if uint32(fi.Mode.Type()) != sa.Mode {
		return false
	}
	return fi.FileID == 0 || n.IsRoot() || fi.FileID == sa.Ino
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	p, errno := n.childPath(name)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	access, of := n.m.openArgs(flags)
	// The mode is exactly what the kernel sent: it has applied the umask already.
	req := fs.CreateRequest{Mode: attr.Mode(mode), Access: access, Flags: of, Exclusive: flags&syscall.O_EXCL != 0}
	h, fi, err := n.m.v.Create(n.m.ctx(ctx), p, req)
	if err != nil {
		return nil, nil, 0, n.errno(err)
	}
	child := n.newChild(ctx, name, &fi, out)
	cn, _ := child.Operations().(*node)
	fh := &fileHandle{h: h, n: cn}
	if cn != nil {
		cn.addHandle(fh)
	}
	return child, fh, openFlags(of), 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	p, errno := n.childPath(name)
	if errno != 0 {
		return nil, errno
	}
	fi, err := n.m.v.Mkdir(n.m.ctx(ctx), p, attr.Mode(mode))
	if err != nil {
		return nil, n.errno(err)
	}
	return n.newChild(ctx, name, &fi, out), 0
}

func (n *node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	p, errno := n.childPath(name)
	if errno != 0 {
		return nil, errno
	}
	fi, err := n.m.v.Mknod(n.m.ctx(ctx), p, attr.Mode(mode), uint64(dev))
	if err != nil {
		return nil, n.errno(err)
	}
	return n.newChild(ctx, name, &fi, out), 0
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	p, errno := n.childPath(name)
	if errno != 0 {
		return errno
	}
	err := n.m.v.Remove(n.m.ctx(ctx), p, false)
	if err == nil {
		n.forgetOtherCases(name, name)
	}
	return n.errno(err)
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	p, errno := n.childPath(name)
	if errno != 0 {
		return errno
	}
	err := n.m.v.Remove(n.m.ctx(ctx), p, true)
	if err == nil {
		n.forgetOtherCases(name, name)
	}
	return n.errno(err)
}

// Rename flags of renameat2(2), the same on every system FUSE passes them from.
const (
	renameNoReplace = 1 << 0
	renameExchange  = 1 << 1
)

func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	oldPath, errno := n.childPath(name)
	if errno != 0 {
		return errno
	}
	np, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	newPath, errno := np.childPath(newName)
	if errno != 0 {
		return errno
	}
	var rf fs.RenameFlags
	if flags&renameNoReplace != 0 {
		rf |= fs.RenameNoReplace
	}
	if flags&renameExchange != 0 {
		rf |= fs.RenameExchange
	}
	if flags&^(renameNoReplace|renameExchange) != 0 {
		return syscall.EINVAL // RENAME_WHITEOUT is for overlay filesystems
	}
	err := n.m.v.Rename(n.m.ctx(ctx), oldPath, newPath, rf)
	if err == nil {
		// go-fuse moves name to newName once this returns: keep both.
		if np == n {
			n.forgetOtherCases(name, name, newName)
		} else {
			n.forgetOtherCases(name, name)
			np.forgetOtherCases(newName, newName)
		}
	}
	return n.errno(err)
}

// forgetOtherCases drops go-fuse's entries of n that spell name in another case
// than the names in keep, after name was removed or renamed: each spelling the
// kernel looked up on a case-insensitive volume is an entry of its own, and the
// others would still lead to the old node. Their attributes are dropped from the
// kernel's cache at once (an inode invalidation takes no directory lock), so the
// kernel asks for them and hears ESTALE (see errno), and looks the name up again: it
// caches no entry of such a volume for longer than its clock tick
// (fs.Options.KernelTimeouts).
func (n *node) forgetOtherCases(name string, keep ...string) {
	if !n.m.v.Options().CaseInsensitive {
		return
	}
	for other, in := range n.Children() {
		if strings.EqualFold(other, name) && !slices.Contains(keep, other) {
			if cn, ok := in.Operations().(*node); ok {
				cn.forgotten.Store(true)
			}
			n.RmChild(other)
			in.NotifyContent(-1, 0)
		}
	}
}

func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	tn, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	oldPath, ok := tn.path()
	if !ok {
		return nil, n.errno(syscall.ENOENT)
	}
	p, errno := n.childPath(name)
	if errno != 0 {
		return nil, errno
	}
	fi, err := n.m.v.Link(n.m.ctx(ctx), oldPath, p)
	if err != nil {
		return nil, n.errno(err)
	}
	if fi.FileID == 0 {
		// Without a FileID the only way to one inode is the node itself.
		fillAttr(&fi, &out.Attr)
		out.Attr.Ino = tn.StableAttr().Ino
		return tn.EmbeddedInode(), 0
	}
	return n.newChild(ctx, name, &fi, out), 0
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	p, errno := n.childPath(name)
	if errno != 0 {
		return nil, errno
	}
	fi, err := n.m.v.Symlink(n.m.ctx(ctx), target, p)
	if err != nil {
		return nil, n.errno(err)
	}
	return n.newChild(ctx, name, &fi, out), 0
}

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	p, ok := n.path()
	if !ok {
		return nil, n.errno(syscall.ENOENT)
	}
	target, err := n.m.v.Readlink(n.m.ctx(ctx), p)
	if err != nil {
		return nil, n.errno(err)
	}
	return []byte(target), 0
}

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	p, ok := n.path()
	if !ok {
		return nil, 0, n.errno(syscall.ENOENT)
	}
	d, err := n.m.v.OpenDir(n.m.ctx(ctx), p)
	if err != nil {
		return nil, 0, n.errno(err)
	}
	dh := &dirHandle{d: d, n: n}
	n.addDir(dh)
	return dh, 0, 0
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	s, err := n.m.v.VolumeSize(n.m.ctx(ctx))
	if err != nil {
		return n.errno(err)
	}
	bs := uint64(s.BlockSize)
	out.Bsize = s.BlockSize
	out.Frsize = s.BlockSize
	out.Blocks = s.TotalBytes / bs
	out.Bfree = s.FreeBytes / bs
	out.Bavail = s.AvailableBytes / bs
	out.Files = s.TotalFiles
	out.Ffree = s.FreeFiles
	out.NameLen = uint32(n.m.v.Options().MaxNameLength)
	return 0
}

// Extended attributes.

// secCap is the attribute the kernel asks for before every write to a file, to
// know whether the write must drop it.
const secCap = "security.capability"

// Getxattr reads an attribute. The absence of security.capability is remembered
// for the attribute timeout, as the file's attributes are, so that a run of writes
// costs the volume one question; a change of the node's attributes through the
// mount, or a NotifyChange of it, forgets it.
func (n *node) Getxattr(ctx context.Context, name string, dest []byte) (uint32, syscall.Errno) {
	if name == secCap && time.Now().UnixNano() < n.noCap.Load() {
		return 0, errNoAttr
	}
	p, ok := n.path()
	if !ok {
		return 0, n.errno(syscall.ENOENT)
	}
	data, err := n.m.v.GetXattr(n.m.ctx(ctx), p, name)
	if err != nil {
		errno := n.errno(err)
		if name == secCap && errno == errNoAttr && n.m.attrTimeout > 0 {
			n.noCap.Store(time.Now().Add(n.m.attrTimeout).UnixNano())
		}
		return 0, errno
	}
	if len(dest) == 0 { // a size query
		return uint32(len(data)), 0
	}
	if len(data) > len(dest) {
		return uint32(len(data)), syscall.ERANGE
	}
	return uint32(copy(dest, data)), 0
}

func (n *node) Setxattr(ctx context.Context, name string, data []byte, flags uint32) syscall.Errno {
	n.noCap.Store(0)
	p, ok := n.path()
	if !ok {
		return n.errno(syscall.ENOENT)
	}
	err := n.m.v.SetXattr(n.m.ctx(ctx), p, name, data, xattrFlags(flags))
	if err == nil {
		n.changedSpellings()
	}
	return n.errno(err)
}

func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	p, ok := n.path()
	if !ok {
		return 0, n.errno(syscall.ENOENT)
	}
	names, err := n.m.v.ListXattr(n.m.ctx(ctx), p)
	if err != nil {
		return 0, n.errno(err)
	}
	size := 0
	for _, s := range names {
		size += len(s) + 1
	}
	if len(dest) == 0 {
		return uint32(size), 0
	}
	if size > len(dest) {
		return uint32(size), syscall.ERANGE
	}
	b := dest[:0]
	for _, s := range names {
		b = append(append(b, s...), 0)
	}
	return uint32(len(b)), 0
}

func (n *node) Removexattr(ctx context.Context, name string) syscall.Errno {
	n.noCap.Store(0)
	p, ok := n.path()
	if !ok {
		return n.errno(syscall.ENOENT)
	}
	err := n.m.v.RemoveXattr(n.m.ctx(ctx), p, name)
	if err == nil {
		n.changedSpellings()
	}
	return n.errno(err)
}

// The operations of open files go to the handle.

func (n *node) Read(ctx context.Context, f gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return nil, syscall.EBADF
	}
	return fh.read(n.m.ctx(ctx), dest, off)
}

func (n *node) Write(ctx context.Context, f gofs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0, syscall.EBADF
	}
	w, err := fh.h.Write(n.m.ctx(ctx), data, off)
	if err != nil && w == 0 {
		return 0, n.errno(err)
	}
	return uint32(w), 0
}

func (n *node) Flush(ctx context.Context, f gofs.FileHandle) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0
	}
	var owner uint64
	if fc, ok := ctx.(*fuse.Context); ok {
		if o, ok := n.m.owners.Load(fc.Cancel); ok {
			owner = o.(uint64)
		}
	}
	err := fh.h.Close(n.m.ctx(ctx), owner)
	if fh.h.Access()&fs.AccessWrite != 0 {
		n.changedSpellings() // what was written shows through every spelling
	}
	return toErrno(err)
}

func (n *node) Fsync(ctx context.Context, f gofs.FileHandle, flags uint32) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0 // a directory: nothing to make durable
	}
	const fdatasync = 1 // FUSE_FSYNC_FDATASYNC
	return toErrno(fh.h.Sync(n.m.ctx(ctx), flags&fdatasync != 0))
}

func (n *node) Release(ctx context.Context, f gofs.FileHandle) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0
	}
	n.removeHandle(fh)
	// The release is not the caller's to cancel: the handle must close.
	return toErrno(fh.h.Release(n.m.ctx(context.WithoutCancel(ctx))))
}

// fallocate's mode bits (linux/falloc.h), the same on every system FUSE runs on.
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

func (n *node) Allocate(ctx context.Context, f gofs.FileHandle, off uint64, size uint64, mode uint32) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return syscall.EBADF
	}
	if mode&^(fallocKeepSize|fallocPunchHole|fallocZeroRange) != 0 { // COLLAPSE_RANGE, INSERT_RANGE, ...
		return syscall.EOPNOTSUPP
	}
	if off > math.MaxInt64 || size > math.MaxInt64 {
		return syscall.EFBIG
	}
	var m fs.AllocateMode
	if mode&fallocKeepSize != 0 {
		m |= fs.AllocateKeepSize
	}
	if mode&fallocPunchHole != 0 {
		m |= fs.AllocatePunchHole
	}
	if mode&fallocZeroRange != 0 {
		m |= fs.AllocateZeroRange
	}
	return toErrno(fh.h.Allocate(n.m.ctx(ctx), int64(off), int64(size), m))
}

// Lseek answers SEEK_DATA and SEEK_HOLE; the kernel handles the other seeks itself.
func (n *node) Lseek(ctx context.Context, f gofs.FileHandle, off uint64, whence uint32) (uint64, syscall.Errno) {
	fh, ok := f.(*fileHandle)
	if !ok {
		return 0, syscall.EBADF
	}
	if whence != seekData && whence != seekHole {
		return 0, syscall.EINVAL
	}
	if off > math.MaxInt64 {
		return 0, syscall.ENXIO
	}
	got, err := fh.h.SeekData(n.m.ctx(ctx), int64(off), whence == seekHole)
	if err != nil {
		return 0, n.errno(err)
	}
	return uint64(got), 0
}

// maxCopy bounds one COPY_FILE_RANGE reply, whose size field has 32 bits; the
// caller of copy_file_range gets a short count and asks again for the rest.
const maxCopy = 1 << 30

// CopyFileRange copies between two open files of the mount. Without the backend's
// event it answers ENOSYS, which makes the kernel copy with reads and writes from
// then on; ENOTSUP from the backend does the same for this call only.
func (n *node) CopyFileRange(ctx context.Context, fhIn gofs.FileHandle, offIn uint64, out *gofs.Inode, fhOut gofs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	in, ok := fhIn.(*fileHandle)
	dst, ok2 := fhOut.(*fileHandle)
	if !ok || !ok2 {
		return 0, syscall.EBADF
	}
	if !n.m.v.Capabilities().CopyRange {
		return 0, syscall.ENOSYS
	}
	if flags != 0 {
		return 0, syscall.EINVAL
	}
	if offIn > math.MaxInt64 || offOut > math.MaxInt64 {
		return 0, syscall.EFBIG
	}
	got, err := in.h.CopyRange(n.m.ctx(ctx), int64(offIn), dst.h, int64(offOut), int64(min(length, maxCopy)))
	if err != nil && got == 0 {
		return 0, n.errno(err)
	}
	return uint32(got), 0
}

// Locks.

func (n *node) Getlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return syscall.EBADF
	}
	l, errno := toLock(lk)
	if errno != 0 {
		return errno
	}
	got, err := fh.h.GetLock(n.m.ctx(ctx), owner, l, flags&fuse.FUSE_LK_FLOCK != 0)
	if err != nil {
		return n.errno(err)
	}
	fromLock(got, out)
	return 0
}

func (n *node) Setlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, f, owner, lk, flags, false)
}

func (n *node) Setlkw(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, f, owner, lk, flags, true)
}

func (n *node) setlk(ctx context.Context, f gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32, wait bool) syscall.Errno {
	fh, ok := f.(*fileHandle)
	if !ok {
		return syscall.EBADF
	}
	l, errno := toLock(lk)
	if errno != 0 {
		return errno
	}
	return toErrno(fh.h.SetLock(n.m.ctx(ctx), owner, l, flags&fuse.FUSE_LK_FLOCK != 0, wait))
}

// offsetMax is the kernel's OFFSET_MAX: a lock "to the end of the file".
const offsetMax = 1<<63 - 1

func toLock(lk *fuse.FileLock) (fs.Lock, syscall.Errno) {
	l := fs.Lock{Start: lk.Start, End: lk.End, Pid: lk.Pid}
	if l.End >= offsetMax {
		l.End = ^uint64(0)
	}
	switch lk.Typ {
	case syscall.F_RDLCK:
		l.Type = fs.LockRead
	case syscall.F_WRLCK:
		l.Type = fs.LockWrite
	case syscall.F_UNLCK:
		l.Type = fs.LockUnlock
	default:
		return l, syscall.EINVAL
	}
	return l, 0
}

func fromLock(l fs.Lock, out *fuse.FileLock) {
	out.Start, out.End, out.Pid = l.Start, l.End, l.Pid
	if out.End == ^uint64(0) {
		out.End = offsetMax
	}
	switch l.Type {
	case fs.LockRead:
		out.Typ = syscall.F_RDLCK
	case fs.LockWrite:
		out.Typ = syscall.F_WRLCK
	default:
		out.Typ = syscall.F_UNLCK
	}
}
