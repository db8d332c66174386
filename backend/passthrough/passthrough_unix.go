//go:build linux || darwin || freebsd

package passthrough

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"golang.org/x/sys/unix"
)

var (
	_ fs.HostChecker           = (*FS)(nil)
	_ fs.CreateHardLinkHandler = (*FS)(nil)
	_ fs.SymlinkHandler        = (*FS)(nil)
	_ fs.NamedStreamHandler    = (*FS)(nil)
)

// badName says why the host cannot store a name component: Unix hosts store every
// name split lets through.
func badName(string) string { return "" }

// allocation is AllocationSize for st_blocks: a file with data but no blocks is all
// hole (fs.FileInfo says so with a negative value).
func allocation(blocks, size int64) int64 {
	if blocks == 0 && size > 0 {
		return -1
	}
	return blocks * 512
}

func hostErr(err error) error { return err }

// dirRef is an open parent directory: the root itself, a descriptor opened beneath
// it (openBeneath), one of the dirCache, or a file opened through the Root.
type dirRef struct {
	dfd    int        // the directory's descriptor
	f      *os.File   // set when the Root opened it
	cached *cachedDir // set when it is the dirCache's, released when done
	cache  *dirCache
	own    bool // close it when done
}

func (d dirRef) fd() int { return d.dfd }

func (d dirRef) close() {
	switch {
	case d.cached != nil:
		d.cache.release(d.cached)
	case !d.own:
	case d.f != nil:
		d.f.Close()
	default:
		unix.Close(d.dfd)
	}
}

// parent opens the parent directory of name beneath the root (the only place
// intermediate components are resolved) and returns it with the final component,
// which callers hand to *at calls that do not follow it. For "/" the parent is the
// root itself and the final component ".".
//
// The kernel resolves the path in one call where it can (openBeneath: no symbolic
// link, no escape from the root); otherwise os.Root walks it, following links that
// stay inside the root.
func (p *FS) parent(name string) (dirRef, string, error) {
	dir, base, err := split(name)
	if err != nil {
		return dirRef{}, "", err
	}
	if base == "" {
		base = "."
	}
	if dir == "." {
		return dirRef{dfd: p.rootFd, f: p.rootDir}, base, nil
	}
	top := strings.IndexByte(dir, '/') < 0 // a directory right below the root
	if top {
		if d, ok := p.dirs.get(p.rootFd, dir); ok {
			return dirRef{dfd: d.fd, cached: d, cache: &p.dirs}, base, nil
		}
	}
	if fd, ok, err := openBeneath(p.rootFd, dir); ok {
		if err != nil {
			return dirRef{}, "", pathErr("open", name, err)
		}
		if top {
			if d := p.dirs.put(dir, fd); d != nil {
				return dirRef{dfd: fd, cached: d, cache: &p.dirs}, base, nil
			}
		}
		return dirRef{dfd: fd, own: true}, base, nil
	}
	f, err := p.root.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return dirRef{}, "", pathErr("open", name, err)
	}
	return dirRef{dfd: int(f.Fd()), f: f, own: true}, base, nil
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

// openAt opens base in the directory d without following a final symbolic link (a
// link gives ELOOP) and without blocking on a FIFO, and returns it with its
// information (the fstat that tells a FIFO from a regular file).
func openAt(d int, base string, flags int) (*os.File, fs.FileInfo, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(d, base, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
		return err
	})
	if err != nil {
		return nil, fs.FileInfo{}, err
	}
	fi, err := statFd(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fs.FileInfo{}, err
	}
	if t := fi.Mode.Type(); t == attr.S_IFREG || t == attr.S_IFDIR {
		unix.SetNonblock(fd, false)
	}
	return os.NewFile(uintptr(fd), base), fi, nil
}

// openFile opens the file name with access acc, or as a directory.
func (p *FS) openFile(name string, acc fs.Access, dir bool) (*os.File, error) {
	d, base, err := p.parent(name)
	if err != nil {
		return nil, err
	}
	defer d.close()
	flags := accFlags(acc)
	if dir {
		flags = unix.O_RDONLY | unix.O_DIRECTORY
	}
	f, _, err := openAt(d.fd(), base, flags)
	return f, pathErr("open", name, err)
}

// reopenByName opens name again with acc and checks it is still the file of old.
func (p *FS) reopenByName(name string, old *os.File, acc fs.Access) (*os.File, error) {
	f, err := p.openFile(name, acc, false)
	if err != nil {
		return nil, err
	}
	var a, b unix.Stat_t
	if err := unix.Fstat(int(old.Fd()), &a); err != nil {
		f.Close()
		return nil, err
	}
	if err := unix.Fstat(int(f.Fd()), &b); err != nil {
		f.Close()
		return nil, err
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		f.Close()
		return nil, fmt.Errorf("reopen %s: %w", name, fs.ErrStale)
	}
	return f, nil
}

// OnOpenFile opens the file read-write when the host allows it, else with the
// access asked for; a directory read-only. A final symbolic link is not followed
// (ELOOP).
func (p *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	if fc, _ := e.FileContext.(*file); fc != nil {
		// A later open with Options.FireAllOpenCloseEvents: share the descriptor.
		if fc.f != nil && !fc.isDir && e.Access != 0 {
			return p.use(e.Name, fc, e.Access, func(*os.File) error { return nil })
		}
		return nil
	}
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	acc := e.Access
	if acc == 0 {
		acc = fs.AccessRead
	}
	isDir := e.IsDir || e.Flags&fs.OpenDirectory != 0
	var f *os.File
	if !isDir {
		f, e.Info, err = openAt(d.fd(), base, unix.O_RDWR)
		switch {
		case err == nil:
			acc = fs.AccessRead | fs.AccessWrite
		case err == unix.EISDIR:
			isDir = true
		case err == unix.EACCES || err == unix.EPERM || err == unix.EROFS || err == unix.ETXTBSY:
			f, e.Info, err = openAt(d.fd(), base, accFlags(acc))
		}
	}
	if isDir {
		acc = fs.AccessRead
		f, e.Info, err = openAt(d.fd(), base, unix.O_RDONLY|unix.O_DIRECTORY)
	}
	if err != nil {
		return pathErr("open", e.Name, err)
	}
	e.InfoValid = true
	e.FileContext = &file{f: f, acc: acc, isDir: isDir, regular: e.Info.Mode.Type() == attr.S_IFREG}
	return nil
}

// OnGetFileInfo is lstat of the name, or fstat of the open file.
func (p *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) (err error) {
	if fc := fileOf(e.FileContext); fc != nil {
		fc.mu.RLock()
		e.Info, err = statFd(int(fc.f.Fd()))
		fc.mu.RUnlock()
		return pathErr("fstat", e.Name, err)
	}
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	e.Info, err = statAt(d.fd(), base)
	return pathErr("lstat", e.Name, err)
}

func (p *FS) statEntry(dir *os.File, _, name string) (fs.FileInfo, error) {
	return statAt(int(dir.Fd()), name)
}

// ChecksOnHost reports whether the host checks types and emptiness on delete and
// hands a setgid directory's group down on create, as Linux does (fs.HostChecker).
func (p *FS) ChecksOnHost() bool { return hostChecks }

// settle gives a new file the request's owner (as root) and exactly its mode, the
// mode last so that a chown cannot drop setuid/setgid, and returns its information.
// fi is the file as the host created it: each call is made only when the host's
// choice differs, so a file created by the daemon's own user costs nothing more. On a
// host that hands a setgid directory's group down itself (ChecksOnHost), a group the
// host gave is kept when the parent dir is setgid, and a new directory keeps the
// setgid bit the host gave it.
func (p *FS) settle(dir int, fi fs.FileInfo, e *fs.CreateFileEvent, ops ownerOps) (fs.FileInfo, error) {
	changed := false
	if p.chown {
		uid, gid := -1, -1
		if fi.Uid != e.Uid {
			uid = int(e.Uid)
		}
		if fi.Gid != e.Gid && !(p.ChecksOnHost() && inherited(dir, fi)) {
			gid = int(e.Gid)
		}
		if uid != -1 || gid != -1 {
			if err := ops.chown(uid, gid); err != nil {
				return fi, err
			}
			changed = true
		}
	}
	mode := e.Mode.Perm()
	if p.ChecksOnHost() && fi.Mode.IsDir() {
		mode |= fi.Mode & attr.S_ISGID
	}
	if changed || fi.Mode.Perm() != mode {
		if err := ops.chmod(uint32(mode)); err != nil {
			return fi, err
		}
		changed = true
	}
	if !changed {
		return fi, nil
	}
	return ops.stat()
}

// inherited reports whether the host gave the new file fi its group from the
// setgid directory dir: Linux gives a new file the creating process's group
// unless the parent is setgid.
func inherited(dir int, fi fs.FileInfo) bool {
	if fi.Gid != uint32(os.Getegid()) {
		return true
	}
	pfi, err := statFd(dir)
	return err == nil && pfi.Mode&attr.S_ISGID != 0
}

// ownerOps changes a new file's owner and mode and reads its information: through
// its descriptor, or by name for a node that is not opened.
type ownerOps struct {
	chown func(uid, gid int) error
	chmod func(mode uint32) error
	stat  func() (fs.FileInfo, error)
}

func fdOps(fd int) ownerOps {
	return ownerOps{
		chown: func(uid, gid int) error { return unix.Fchown(fd, uid, gid) },
		chmod: func(mode uint32) error { return unix.Fchmod(fd, mode) },
		stat:  func() (fs.FileInfo, error) { return statFd(fd) },
	}
}

func nameOps(dir int, base string) ownerOps {
	return ownerOps{
		chown: func(uid, gid int) error { return unix.Fchownat(dir, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW) },
		chmod: func(mode uint32) error { return chmodAt(dir, base, mode) },
		stat:  func() (fs.FileInfo, error) { return statAt(dir, base) },
	}
}

// OnCreateFile creates a regular file (openat O_CREAT|O_EXCL), a directory
// (mkdirat) or a node (mknodat), then sets its owner and its exact mode where the
// host's differ (settle).
func (p *FS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	if base == "." {
		return pathErr("create", e.Name, unix.EEXIST)
	}
	perm := uint32(e.Mode.Perm() & 0o777)
	var fc *file
	switch e.Mode.Type() {
	case 0, attr.S_IFREG:
		var fd int
		err = retryEINTR(func() (err error) {
			fd, err = unix.Openat(d.fd(), base, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
			return err
		})
		if err != nil {
			return pathErr("create", e.Name, err)
		}
		fi, err := statFd(fd)
		if err == nil {
			fi, err = p.settle(d.fd(), fi, e, fdOps(fd))
		}
		if err != nil {
			unix.Close(fd)
			unix.Unlinkat(d.fd(), base, 0)
			return pathErr("create", e.Name, err)
		}
		fc = &file{f: os.NewFile(uintptr(fd), base), acc: fs.AccessRead | fs.AccessWrite, regular: true}
		e.Info, e.InfoValid = fi, true
	case attr.S_IFDIR:
		if err := unix.Mkdirat(d.fd(), base, perm); err != nil {
			return pathErr("mkdir", e.Name, err)
		}
		f, fi, err := openAt(d.fd(), base, unix.O_RDONLY|unix.O_DIRECTORY)
		if err == nil {
			if fi, err = p.settle(d.fd(), fi, e, fdOps(int(f.Fd()))); err != nil {
				f.Close()
			}
		}
		if err != nil {
			unix.Unlinkat(d.fd(), base, unix.AT_REMOVEDIR)
			return pathErr("mkdir", e.Name, err)
		}
		fc = &file{f: f, acc: fs.AccessRead, isDir: true}
		e.Info, e.InfoValid = fi, true
	case attr.S_IFLNK:
		return pathErr("create", e.Name, fs.ErrInvalid)
	default:
		if err := mknodAt(d.fd(), base, uint32(e.Mode.Type())|perm, e.Rdev); err != nil {
			return pathErr("mknod", e.Name, err)
		}
		fi, err := statAt(d.fd(), base)
		if err == nil {
			fi, err = p.settle(d.fd(), fi, e, nameOps(d.fd(), base))
		}
		if err != nil {
			unix.Unlinkat(d.fd(), base, 0)
			return pathErr("mknod", e.Name, err)
		}
		e.FileContext = &file{}
		e.Info, e.InfoValid = fi, true
		return nil
	}
	e.FileContext = fc
	return nil
}

// OnSetFileAttributes changes owner (fchownat without following), mode (fchmod /
// fchmodat without following), times (utimensat with nanoseconds; zero times are
// UTIME_OMIT) and the ReadOnly attribute (the write bits). Creation and change times
// cannot be set on Unix hosts and are ignored, as are Windows attributes other than
// ReadOnly.
func (p *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	fc := fileOf(e.FileContext)
	var (
		d    dirRef
		base string
		err  error
	)
	if fc != nil {
		fc.mu.RLock()
		defer fc.mu.RUnlock()
	} else {
		if d, base, err = p.parent(e.Name); err != nil {
			return err
		}
		defer d.close()
	}
	if e.SetUid || e.SetGid {
		uid, gid := -1, -1
		if e.SetUid {
			uid = int(e.Uid)
		}
		if e.SetGid {
			gid = int(e.Gid)
		}
		if fc != nil {
			err = unix.Fchown(int(fc.f.Fd()), uid, gid)
		} else {
			err = unix.Fchownat(d.fd(), base, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
		}
		if err != nil {
			return pathErr("chown", e.Name, err)
		}
	}
	mode, setMode := e.Mode.Perm(), e.SetMode
	if e.Attributes != 0 {
		var cur fs.FileInfo
		if fc != nil {
			cur, err = statFd(int(fc.f.Fd()))
		} else {
			cur, err = statAt(d.fd(), base)
		}
		if err != nil {
			return pathErr("stat", e.Name, err)
		}
		if !setMode {
			mode = cur.Mode.Perm()
		}
		if t := cur.Mode.Type(); t != attr.S_IFDIR && t != attr.S_IFLNK {
			was := mode
			if e.Attributes&attr.ReadOnly != 0 {
				mode &^= attr.WriteBits
			} else if mode&attr.WriteBits == 0 {
				mode |= attr.S_IWUSR
			}
			setMode = setMode || mode != was
		}
	}
	if setMode {
		if fc != nil {
			err = unix.Fchmod(int(fc.f.Fd()), uint32(mode))
		} else {
			err = chmodAt(d.fd(), base, uint32(mode))
		}
		if err != nil {
			return pathErr("chmod", e.Name, err)
		}
	}
	if attr.TimeUnset(e.LastAccessTime) && attr.TimeUnset(e.LastWriteTime) {
		return nil
	}
	ts := []unix.Timespec{timespec(e.LastAccessTime), timespec(e.LastWriteTime)}
	if fc != nil {
		err = futimens(int(fc.f.Fd()), ts)
		if err == nil || err != errNoFutimens {
			return pathErr("utimes", e.Name, err)
		}
		// No futimens on this host: by name.
		if d, base, err = p.parent(e.Name); err != nil {
			return err
		}
		defer d.close()
	}
	return pathErr("utimes", e.Name, unix.UtimesNanoAt(d.fd(), base, ts, unix.AT_SYMLINK_NOFOLLOW))
}

func timespec(t time.Time) unix.Timespec {
	if attr.TimeUnset(t) {
		return unix.Timespec{Nsec: utimeOmit}
	}
	return unix.NsecToTimespec(t.UnixNano())
}

// OnSetAllocationSize preallocates with fallocate(FALLOC_FL_KEEP_SIZE) on Linux; it
// does nothing on other hosts and on file systems without fallocate.
func (p *FS) OnSetAllocationSize(_ context.Context, e *fs.SetAllocationSizeEvent) error {
	if fc := fileOf(e.FileContext); fc != nil {
		return p.use(e.Name, fc, fs.AccessWrite, func(f *os.File) error {
			return pathErr("fallocate", e.Name, allocate(int(f.Fd()), e.AllocationSize))
		})
	}
	f, err := p.openFile(e.Name, fs.AccessWrite, false)
	if err != nil {
		return err
	}
	defer f.Close()
	return pathErr("fallocate", e.Name, allocate(int(f.Fd()), e.AllocationSize))
}

// OnDeleteFile is unlinkat, with AT_REMOVEDIR for a directory.
func (p *FS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	flags := 0
	if e.IsDir {
		flags = unix.AT_REMOVEDIR
	}
	return pathErr("unlink", e.Name, unix.Unlinkat(d.fd(), base, flags))
}

// OnRenameOrMoveFile renames between two parent directories opened through the
// Root. Exchange and no-replace use renameat2 (Linux) or renameatx_np (macOS).
func (p *FS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	od, ob, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer od.close()
	nd, nb, err := p.parent(e.NewName)
	if err != nil {
		return err
	}
	defer nd.close()
	return pathErr("rename", e.Name, renameAt(od.fd(), ob, nd.fd(), nb, e.Exchange, !e.ReplaceIfExists && !e.Exchange))
}

// OnCreateHardLink is linkat without following.
func (p *FS) OnCreateHardLink(_ context.Context, e *fs.CreateHardLinkEvent) error {
	od, ob, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer od.close()
	nd, nb, err := p.parent(e.LinkName)
	if err != nil {
		return err
	}
	defer nd.close()
	if err := unix.Linkat(od.fd(), ob, nd.fd(), nb, 0); err != nil {
		return pathErr("link", e.LinkName, err)
	}
	if e.Info, err = statAt(nd.fd(), nb); err == nil {
		e.InfoValid = true
	}
	return nil
}

// OnCreateSymlink is symlinkat; the target is stored as given.
func (p *FS) OnCreateSymlink(_ context.Context, e *fs.CreateSymlinkEvent) error {
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	if err := unix.Symlinkat(e.Target, d.fd(), base); err != nil {
		return pathErr("symlink", e.Name, err)
	}
	if p.chown {
		if err := unix.Fchownat(d.fd(), base, int(e.Uid), int(e.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			unix.Unlinkat(d.fd(), base, 0)
			return pathErr("symlink", e.Name, err)
		}
	}
	if e.Info, err = statAt(d.fd(), base); err == nil {
		e.InfoValid = true
	}
	return nil
}

// OnReadSymlink is readlinkat.
func (p *FS) OnReadSymlink(_ context.Context, e *fs.ReadSymlinkEvent) error {
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(d.fd(), base, buf)
		if err != nil {
			return pathErr("readlink", e.Name, err)
		}
		if n < size {
			e.Target = string(buf[:n])
			return nil
		}
	}
}

// OnGetVolumeSize is fstatfs of the root.
func (p *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(p.rootDir.Fd()), &st); err != nil {
		return pathErr("statfs", "/", err)
	}
	bs := uint64(st.Bsize)
	e.Size = fs.VolumeSize{
		TotalBytes: uint64(st.Blocks) * bs, FreeBytes: uint64(st.Bfree) * bs,
		AvailableBytes: uint64(st.Bavail) * bs,
		TotalFiles:     uint64(st.Files), FreeFiles: uint64(st.Ffree),
		BlockSize: uint32(bs),
	}
	return nil
}

// xattrTarget runs fn on a descriptor of the file name that xattr calls accept:
// the open file's, or the file reached without following (see xattrAt; anyType is
// set for the namespaces other than user., whose attributes symbolic links and
// nodes carry too).
func (p *FS) xattrTarget(name string, fctx any, anyType bool, fn func(x xattrFile) error) error {
	if !haveXattr {
		return fs.ErrNotSupported
	}
	if fc := fileOf(fctx); fc != nil {
		fc.mu.RLock()
		defer fc.mu.RUnlock()
		return fn(fdXattr(int(fc.f.Fd())))
	}
	d, base, err := p.parent(name)
	if err != nil {
		return err
	}
	defer d.close()
	return xattrAt(d.fd(), base, anyType, fn)
}

// hostXattr is the host's name of a stream event's attribute: the whole name of
// another namespace's attribute, or the stream in the user namespace.
func hostXattr(stream, xattr string) string {
	if xattr != "" {
		return xattr
	}
	return xattrPrefix + stream
}

func statTarget(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFDIR {
		return fs.ErrNotSupported
	}
	return nil
}

// xattrFile is a file whose extended attributes are read and written.
type xattrFile interface {
	list(b []byte) (int, error)
	get(name string, b []byte) (int, error)
	set(name string, data []byte, flags int) error
	remove(name string) error
}

// fdXattr reaches the attributes through a descriptor.
type fdXattr int

func (f fdXattr) list(b []byte) (int, error)              { return unix.Flistxattr(int(f), b) }
func (f fdXattr) get(n string, b []byte) (int, error)     { return unix.Fgetxattr(int(f), n, b) }
func (f fdXattr) set(n string, d []byte, flags int) error { return unix.Fsetxattr(int(f), n, d, flags) }
func (f fdXattr) remove(n string) error                   { return unix.Fremovexattr(int(f), n) }

// getxattr reads an attribute of any size with get.
func getxattr(get func(buf []byte) (int, error)) ([]byte, error) {
	for {
		n, err := get(nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		m, err := get(buf)
		if errors.Is(err, unix.ERANGE) {
			continue // grew in between
		}
		if err != nil {
			return nil, err
		}
		return buf[:m], nil
	}
}

// splitNames splits a NUL-separated xattr list into the stream names (those with
// prefix, which is dropped) and the whole names of the other namespaces this host
// keeps (hostNamespaces).
func splitNames(buf []byte, prefix string) (streams, others []string) {
	for len(buf) > 0 {
		i := 0
		for i < len(buf) && buf[i] != 0 {
			i++
		}
		n := string(buf[:i])
		if i < len(buf) {
			i++
		}
		buf = buf[i:]
		switch {
		case len(n) > len(prefix) && n[:len(prefix)] == prefix:
			streams = append(streams, n[len(prefix):])
		case prefix != "" && hostNamespace(n):
			others = append(others, n)
		}
	}
	return streams, others
}

// OnListNamedStreams lists the file's extended attributes (user.* as streams on
// Linux, the other namespaces in e.Xattrs).
func (p *FS) OnListNamedStreams(_ context.Context, e *fs.ListNamedStreamsEvent) error {
	return pathErr("listxattr", e.Name, p.xattrTarget(e.Name, e.FileContext, true, func(x xattrFile) error {
		buf, err := getxattr(x.list)
		e.Streams, e.Xattrs = splitNames(buf, xattrPrefix)
		return err
	}))
}

// OnGetNamedStream reads an extended attribute.
func (p *FS) OnGetNamedStream(_ context.Context, e *fs.GetNamedStreamEvent) error {
	name := hostXattr(e.Stream, e.Xattr)
	return pathErr("getxattr", e.Name, p.xattrTarget(e.Name, e.FileContext, e.Xattr != "", func(x xattrFile) (err error) {
		e.Data, err = getxattr(func(b []byte) (int, error) { return x.get(name, b) })
		return err
	}))
}

// OnSetNamedStream writes an extended attribute.
func (p *FS) OnSetNamedStream(_ context.Context, e *fs.SetNamedStreamEvent) error {
	flags := 0
	if e.Create {
		flags |= xattrCreate
	}
	if e.Replace {
		flags |= xattrReplace
	}
	name := hostXattr(e.Stream, e.Xattr)
	return pathErr("setxattr", e.Name, p.xattrTarget(e.Name, e.FileContext, e.Xattr != "", func(x xattrFile) error {
		if flags == 0 && (e.Create || e.Replace) {
			// The host has no create/replace flags: check first.
			_, err := x.get(name, nil)
			switch {
			case err == nil && e.Create:
				return fs.ErrExist
			case err != nil && e.Replace:
				return err
			}
		}
		return x.set(name, e.Data, flags)
	}))
}

// OnDeleteNamedStream removes an extended attribute.
func (p *FS) OnDeleteNamedStream(_ context.Context, e *fs.DeleteNamedStreamEvent) error {
	name := hostXattr(e.Stream, e.Xattr)
	return pathErr("removexattr", e.Name, p.xattrTarget(e.Name, e.FileContext, e.Xattr != "", func(x xattrFile) error {
		return x.remove(name)
	}))
}
