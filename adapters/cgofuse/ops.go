//go:build windows || cgofuse

package cgofuse

import (
	"context"
	"strings"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The path operations: lifecycle, stat and attributes, the name space, extended
// attributes.

// Compile-time checks: every optional interface cgofuse has, except the FUSE2-only
// plain forms it calls when these are missing.
var (
	_ fuse.FileSystemInterface  = (*fileSystem)(nil)
	_ fuse.FileSystemGetpath    = (*fileSystem)(nil)
	_ fuse.FileSystemChflags    = (*fileSystem)(nil)
	_ fuse.FileSystemSetcrtime  = (*fileSystem)(nil)
	_ fuse.FileSystemSetchgtime = (*fileSystem)(nil)
	_ fuse.FileSystemChmod3     = (*fileSystem)(nil)
	_ fuse.FileSystemChown3     = (*fileSystem)(nil)
	_ fuse.FileSystemUtimens3   = (*fileSystem)(nil)
	_ fuse.FileSystemRename3    = (*fileSystem)(nil)
)

// Init is called when the FUSE layer starts serving (on Windows possibly before the
// mount point exists). Mount waits for it.
func (f *fileSystem) Init() {
	f.readyOnce.Do(func() { close(f.ready) })
}

// Destroy is called when the FUSE layer stops serving: handles the kernel did not
// release are closed. Mount's goroutine then fires the volume's OnUnmount.
func (f *fileSystem) Destroy() {
	f.destroyOnce.Do(func() { close(f.destroyed) })
	f.closeAll(context.Background())
}

// Statfs reports the volume's capacity.
func (f *fileSystem) Statfs(path string, st *fuse.Statfs_t) (rc int) {
	defer f.trace("Statfs", path)(&rc)
	s, err := f.v.VolumeSize(f.ctx())
	if err != nil {
		return errc(err)
	}
	bs := uint64(s.BlockSize)
	*st = fuse.Statfs_t{
		Bsize:   bs,
		Frsize:  bs,
		Blocks:  s.TotalBytes / bs,
		Bfree:   s.FreeBytes / bs,
		Bavail:  s.AvailableBytes / bs,
		Files:   s.TotalFiles,
		Ffree:   s.FreeFiles,
		Favail:  s.FreeFiles,
		Namemax: uint64(f.v.Options().MaxNameLength),
	}
	return 0
}

// Getattr reports a file's information: through the open handle fh when there is
// one (fstat, also after unlink), by path otherwise.
func (f *fileSystem) Getattr(path string, st *fuse.Stat_t, fh uint64) (rc int) {
	if f.debug { // the arguments cost an allocation
		defer f.trace("Getattr", path, fh)(&rc)
	}
	ctx := f.ctx()
	var fi fs.FileInfo
	var err error
	var name string
	h := f.handle(fh)
	hidden := h != nil && f.isHidden(fh)
	if h == nil {
		h = f.hiddenHandle(path)
		hidden = h != nil
	}
	if h != nil {
		name = h.Name()
		fi, err = h.Stat(ctx)
	} else {
		name = f.name(ctx, path)
		if name == "/" {
			fi, err = f.v.Stat(ctx, name)
		} else {
			// Lookup checks the name's length: a too long name is ENAMETOOLONG.
			dir, base := fs.Split(name)
			fi, err = f.v.Lookup(ctx, dir, base)
		}
	}
	if err != nil {
		return errc(err)
	}
	f.fillStat(st, &fi, name)
	f.statForLinks(fs.Clean(path), st)
	if hidden && st.Nlink > 0 {
		// libfuse takes one off st_nlink of a hidden node, for the .fuse_hidden
		// name; the adapter made that rename an unlink, so the count is right as is.
		st.Nlink++
	}
	return 0
}

// Getpath returns path with every component in its stored case (WinFsp asks on a
// case-insensitive volume).
func (f *fileSystem) Getpath(path string, fh uint64) (rc int, real string) {
	defer f.trace("Getpath", path, fh)(&rc)
	ctx := f.ctx()
	name := fs.Clean(path)
	if h := f.handle(fh); h != nil {
		name = h.Name()
	}
	real, err := f.v.RealName(ctx, name)
	if err != nil {
		return errc(err), ""
	}
	return 0, real
}

// Access checks that path exists. The kernel (default_permissions) and WinFsp (its
// security descriptors) check permissions; the volume checks its access rules when
// the file is used. On Windows, DELETE_OK asks whether the file may be deleted: the
// volume answers with every check of a delete, the backend's OnCanFileBeDeleted
// included.
func (f *fileSystem) Access(path string, mask uint32) (rc int) {
	defer f.trace("Access", path, mask)(&rc)
	ctx := f.ctx()
	if _, err := f.v.Stat(ctx, f.name(ctx, path)); err != nil {
		return errc(err)
	}
	if mask&fuse.DELETE_OK != 0 {
		if !f.v.Capabilities().Delete && !f.v.Options().ReadOnly {
			return -fuse.EPERM
		}
		return errc(f.v.CanDelete(ctx, f.name(ctx, path)))
	}
	return 0
}

// setattr applies ch to the file at path, through its handle when fh is one.
func (f *fileSystem) setattr(path string, fh uint64, ch fs.Change) int {
	ctx := f.ctx()
	var err error
	if h := f.handle(fh); h != nil {
		_, err = h.SetAttributes(ctx, ch)
	} else {
		_, err = f.v.SetAttributes(ctx, f.name(ctx, path), ch)
	}
	return f.changedIfOK(ctx, path, err)
}

// Truncate changes a file's size.
func (f *fileSystem) Truncate(path string, size int64, fh uint64) (rc int) {
	defer f.trace("Truncate", path, size, fh)(&rc)
	return f.setattr(path, fh, fs.Change{Valid: fs.ChangeSize, Size: size})
}

// Chmod changes the permission bits.
func (f *fileSystem) Chmod(path string, mode uint32) int { return f.Chmod3(path, mode, noHandle) }

// Chmod3 changes the permission bits, through fh when it is a handle (FUSE3).
func (f *fileSystem) Chmod3(path string, mode uint32, fh uint64) (rc int) {
	defer f.trace("Chmod", path, mode, fh)(&rc)
	return f.setattr(path, fh, fs.Change{Valid: fs.ChangeMode, Mode: attr.Mode(mode).Perm()})
}

// Chown changes the owner; ^uint32(0) leaves uid or gid as they are.
func (f *fileSystem) Chown(path string, uid, gid uint32) int {
	return f.Chown3(path, uid, gid, noHandle)
}

// Chown3 is Chown through fh when it is a handle (FUSE3).
func (f *fileSystem) Chown3(path string, uid, gid uint32, fh uint64) (rc int) {
	defer f.trace("Chown", path, uid, gid, fh)(&rc)
	ch := fs.Change{Uid: uid, Gid: gid}
	if uid != ^uint32(0) {
		ch.Valid |= fs.ChangeUid
	}
	if gid != ^uint32(0) {
		ch.Valid |= fs.ChangeGid
	}
	if ch.Valid == 0 {
		return 0
	}
	return f.setattr(path, fh, ch)
}

// Utimens sets the access and modification times.
func (f *fileSystem) Utimens(path string, tmsp []fuse.Timespec) int {
	return f.Utimens3(path, tmsp, noHandle)
}

// Utimens3 sets the access (tmsp[0]) and modification (tmsp[1]) times, through fh
// when it is a handle (FUSE3). UTIME_OMIT keeps a time, UTIME_NOW sets the current
// time.
func (f *fileSystem) Utimens3(path string, tmsp []fuse.Timespec, fh uint64) (rc int) {
	defer f.trace("Utimens", path, tmsp, fh)(&rc)
	var ch fs.Change
	now := time.Now()
	utime := func(ts fuse.Timespec, bit fs.ChangeMask, t *time.Time) {
		switch ts.Nsec {
		case fuse.UTIME_OMIT:
			return
		case fuse.UTIME_NOW:
			*t = now
		default:
			*t = ts.Time()
		}
		ch.Valid |= bit
	}
	if len(tmsp) > 0 {
		utime(tmsp[0], fs.ChangeAtime, &ch.Atime)
	}
	if len(tmsp) > 1 {
		utime(tmsp[1], fs.ChangeMtime, &ch.Mtime)
	}
	if ch.Valid == 0 {
		return 0
	}
	return f.setattr(path, fh, ch)
}

// Setcrtime sets the creation (birth) time [Windows and macOS]. FILETIME 0
// (1601-01-01) keeps it, as in Windows' SetFileTime.
func (f *fileSystem) Setcrtime(path string, tmsp fuse.Timespec) (rc int) {
	defer f.trace("Setcrtime", path, tmsp)(&rc)
	return f.setTime(path, tmsp, fs.Change{Valid: fs.ChangeCrtime, Crtime: tmsp.Time()})
}

// Setchgtime sets the change time [Windows and macOS]. FILETIME 0 keeps it.
func (f *fileSystem) Setchgtime(path string, tmsp fuse.Timespec) (rc int) {
	defer f.trace("Setchgtime", path, tmsp)(&rc)
	return f.setTime(path, tmsp, fs.Change{Valid: fs.ChangeCtime, Ctime: tmsp.Time()})
}

// setTime applies ch, a change of one time to tmsp, unless tmsp is FILETIME 0:
// then nothing changes (not even the change time, which any change would bump),
// and only the file's existence is checked.
func (f *fileSystem) setTime(path string, tmsp fuse.Timespec, ch fs.Change) int {
	if tmsp == filetimeZero {
		ctx := f.ctx()
		_, err := f.v.Stat(ctx, f.name(ctx, path))
		return errc(err)
	}
	return f.setattr(path, noHandle, ch)
}

// Chflags sets the BSD flags that carry Windows attributes [Windows and macOS]: the
// attributes the flags can express are replaced, the file's other settable
// attributes (temporary, offline, not content indexed) are kept.
func (f *fileSystem) Chflags(path string, flags uint32) (rc int) {
	defer f.trace("Chflags", path, flags)(&rc)
	ctx := f.ctx()
	name := f.name(ctx, path)
	fi, err := f.v.Stat(ctx, name)
	if err != nil {
		return errc(err)
	}
	want, carried := f.fromFlags(flags)
	a := (attributes(&fi)&^carried | want) & attr.SettableFileAttributes
	if a == 0 {
		a = attr.Normal // clear them all
	}
	_, err = f.v.SetAttributes(ctx, name, fs.Change{Valid: fs.ChangeAttributes, Attributes: a})
	return errc(err)
}

// The name space.

// Mknod creates a device node, FIFO, socket or regular file.
func (f *fileSystem) Mknod(path string, mode uint32, dev uint64) (rc int) {
	defer f.trace("Mknod", path, mode, dev)(&rc)
	ctx := f.ctx()
	_, err := f.v.Mknod(ctx, f.newName(ctx, path), attr.Mode(mode), dev)
	return errc(err)
}

// Mkdir creates a directory.
func (f *fileSystem) Mkdir(path string, mode uint32) (rc int) {
	defer f.trace("Mkdir", path, mode)(&rc)
	ctx := f.ctx()
	_, err := f.v.Mkdir(ctx, f.newName(ctx, path), attr.Mode(mode))
	return errc(err)
}

// Unlink removes a file; its open handles keep working.
func (f *fileSystem) Unlink(path string) (rc int) {
	defer f.trace("Unlink", path)(&rc)
	if f.forgetHidden(path) {
		f.links.unlinked(fs.Clean(path))
		return 0 // the file was removed when libfuse hid it
	}
	ctx := f.ctx()
	name := f.name(ctx, path)
	if err := f.v.Remove(ctx, name, false); err != nil {
		return errc(err)
	}
	f.links.unlinked(name)
	return 0
}

// Rmdir removes an empty directory.
func (f *fileSystem) Rmdir(path string) (rc int) {
	defer f.trace("Rmdir", path)(&rc)
	ctx := f.ctx()
	return errc(f.v.Remove(ctx, f.name(ctx, path), true))
}

// Link creates newpath as a hard link to oldpath.
func (f *fileSystem) Link(oldpath, newpath string) (rc int) {
	defer f.trace("Link", oldpath, newpath)(&rc)
	ctx := f.ctx()
	oldName, newName := f.name(ctx, oldpath), f.newName(ctx, newpath)
	fi, err := f.v.Link(ctx, oldName, newName)
	if err != nil {
		return errc(err)
	}
	var st fuse.Stat_t
	f.fillStat(&st, &fi, newName)
	f.links.linked(oldName, newName, st.Ino, st.Nlink)
	return 0
}

// Symlink creates newpath as a symbolic link to target.
func (f *fileSystem) Symlink(target, newpath string) (rc int) {
	defer f.trace("Symlink", target, newpath)(&rc)
	ctx := f.ctx()
	_, err := f.v.Symlink(ctx, target, f.newName(ctx, newpath))
	return errc(err)
}

// Readlink returns a symbolic link's target.
func (f *fileSystem) Readlink(path string) (rc int, target string) {
	defer f.trace("Readlink", path)(&rc)
	ctx := f.ctx()
	target, err := f.v.Readlink(ctx, f.name(ctx, path))
	if err != nil {
		return errc(err), ""
	}
	return 0, target
}

// Rename renames with replace semantics (FUSE2 and Windows).
func (f *fileSystem) Rename(oldpath, newpath string) int { return f.Rename3(oldpath, newpath, 0) }

// Rename3 renames with rename(2)'s flags (FUSE3): RENAME_NOREPLACE and
// RENAME_EXCHANGE; RENAME_WHITEOUT is not supported.
func (f *fileSystem) Rename3(oldpath, newpath string, flags uint32) (rc int) {
	defer f.trace("Rename", oldpath, newpath, flags)(&rc)
	var rf fs.RenameFlags
	if flags&fuse.RENAME_NOREPLACE != 0 {
		rf |= fs.RenameNoReplace
	}
	if flags&fuse.RENAME_EXCHANGE != 0 {
		rf |= fs.RenameExchange
	}
	if flags&^(fuse.RENAME_NOREPLACE|fuse.RENAME_EXCHANGE) != 0 {
		return -fuse.EINVAL
	}
	ctx := f.ctx()
	oldName := f.name(ctx, oldpath)
	if rf == 0 && f.hide(newpath, oldName) {
		// libfuse3 hides a file unlinked while open by renaming it; the volume
		// keeps the handles of an unlinked file working, so unlink it.
		if rc := errc(f.v.Remove(ctx, oldName, false)); rc != 0 {
			f.forgetHidden(newpath)
			return rc
		}
		f.links.hidden(oldName, fs.Clean(newpath))
		return 0
	}
	newName := f.newName(ctx, newpath)
	if rc := errc(f.v.Rename(ctx, oldName, newName, rf)); rc != 0 {
		return rc
	}
	f.renameHidden(oldpath, newpath, rf&fs.RenameExchange != 0)
	f.links.renamed(oldName, newName, rf&fs.RenameExchange != 0)
	return 0
}

// Extended attributes (named streams).

// Setxattr sets an extended attribute; flags are XATTR_CREATE or XATTR_REPLACE.
func (f *fileSystem) Setxattr(path, name string, value []byte, flags int) (rc int) {
	defer f.trace("Setxattr", path, name, len(value), flags)(&rc)
	xf := fuseutil.XattrFlags(flags, fuse.XATTR_CREATE, fuse.XATTR_REPLACE)
	ctx := f.ctx()
	// cgofuse's buffer is C memory, valid only during the call.
	data := append([]byte(nil), value...)
	return f.changedIfOK(ctx, path, f.v.SetXattr(ctx, f.name(ctx, path), name, data, xf))
}

// Getxattr returns an extended attribute's value. On Linux, for a backend that
// stores no security. attributes, that namespace, which the kernel asks about at
// every write (security.capability), has none without asking the volume, as the
// go-fuse adapter answers.
func (f *fileSystem) Getxattr(path, name string) (rc int, data []byte) {
	defer f.trace("Getxattr", path, name)(&rc)
	if f.noSecurityXattrs && strings.HasPrefix(name, "security.") {
		return -fuse.ENOATTR, nil
	}
	ctx := f.ctx()
	data, err := f.v.GetXattr(ctx, f.name(ctx, path), name)
	if err != nil {
		return errc(err), nil
	}
	return 0, data
}

// Removexattr removes an extended attribute.
func (f *fileSystem) Removexattr(path, name string) (rc int) {
	defer f.trace("Removexattr", path, name)(&rc)
	ctx := f.ctx()
	return f.changedIfOK(ctx, path, f.v.RemoveXattr(ctx, f.name(ctx, path), name))
}

// Listxattr lists the extended attributes' names; a full buffer is ERANGE.
func (f *fileSystem) Listxattr(path string, fill func(name string) bool) (rc int) {
	defer f.trace("Listxattr", path)(&rc)
	ctx := f.ctx()
	names, err := f.v.ListXattr(ctx, f.name(ctx, path))
	if err != nil {
		return errc(err)
	}
	for _, n := range names {
		if !fill(n) {
			return -fuse.ERANGE
		}
	}
	return 0
}
