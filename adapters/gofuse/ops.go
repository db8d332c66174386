//go:build linux || darwin

package gofuse

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The namespace and attribute operations of a node: create, mkdir, mknod, unlink,
// rmdir, rename, link, symlink, readlink, opendir, statfs and extended attributes.

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
	return child, fh, fopenFlags(of), 0
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
	err := n.m.v.SetXattr(n.m.ctx(ctx), p, name, data, fuseutil.HostXattrFlags(int(flags)))
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
