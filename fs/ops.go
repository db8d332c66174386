package fs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

func isExist(err error) bool    { e, _ := ErrnoOf(err); return e == EEXIST }
func isNotExist(err error) bool { e, _ := ErrnoOf(err); return e == ENOENT }

// getInfo fires OnGetFileInfo and normalizes the reply.
func (v *Volume) getInfo(ctx context.Context, name string, fctx any) (fi FileInfo, err error) {
	return v.getInfoLinks(ctx, name, fctx, false)
}

// getInfoLinks is getInfo; with keepZeroLinks a link count of 0 from the backend (a
// file unlinked while open) is kept instead of being reported as 1.
func (v *Volume) getInfoLinks(ctx context.Context, name string, fctx any, keepZeroLinks bool) (fi FileInfo, err error) {
	if fctx == nil && v.cache != nil {
		if fi, err, ok := v.cache.get(name); ok {
			return fi, err
		}
		defer func() {
			switch {
			case err == nil:
				v.cache.put(name, fi)
			case isNotExist(err):
				v.cache.putAbsent(name)
			}
		}()
	}
	e := GetFileInfoEvent{Name: name, FileContext: fctx}
	if err = fire(ctx, v, name, nil, v.b.OnGetFileInfo, &e); err != nil {
		return FileInfo{}, err
	}
	zeroLinks := keepZeroLinks && e.Info.LinkCount == 0
	v.normalize(&e.Info)
	if zeroLinks {
		e.Info.LinkCount = 0
	}
	if name == "/" {
		e.Info.Name = "/"
	} else {
		_, e.Info.Name = Split(name)
	}
	if !v.caps.Symlinks && e.Info.Mode.IsSymlink() {
		e.Info.Mode = e.Info.Mode&^attr.S_IFMT | attr.S_IFREG
	}
	return e.Info, nil
}

// Stat returns the information of the file at name.
func (v *Volume) Stat(ctx context.Context, name string) (FileInfo, error) {
	return v.getInfo(ctx, v.resolve(ctx, name), nil)
}

// Lookup finds the entry base in the directory dir. FileInfo.Name is the name as
// stored, which differs from base in case on a case-insensitive volume.
func (v *Volume) Lookup(ctx context.Context, dir, base string) (FileInfo, error) {
	name := Join(dir, base)
	if err := v.checkName(name); err != nil {
		return FileInfo{}, err
	}
	return v.getInfo(ctx, v.resolve(ctx, name), nil)
}

// RealName returns name with every component in the case it was stored with
// (CBFS RealFileName, WinFsp Getpath). On a case-sensitive volume that is name
// itself once it exists.
func (v *Volume) RealName(ctx context.Context, name string) (string, error) {
	real := v.resolve(ctx, name)
	if _, err := v.getInfo(ctx, real, nil); err != nil {
		return "", err
	}
	return real, nil
}

// resolve is the one step every call by path takes first: on a case-insensitive
// volume it returns name with each existing component in its stored case, so that
// every event reaches the backend with the stored name (a name that exists exactly
// as given is kept, which also serves a backend that ignores case itself). The
// components that do not exist keep the case they were given in: a new name is
// created as typed. A case-sensitive volume uses name as it is.
func (v *Volume) resolve(ctx context.Context, name string) string {
	if !v.opts.CaseInsensitive || name == "/" || v.checkName(name) != nil {
		return name
	}
	if _, err := v.getInfo(ctx, name, nil); !isNotExist(err) {
		return name // found, or an error the call itself will meet
	}
	dir, base := Split(name)
	dir = v.resolve(ctx, dir)
	if real, err := v.findFold(ctx, dir, base); err == nil {
		return Join(dir, real)
	}
	return Join(dir, base)
}

// resolveTarget resolves the new name of a rename of the (resolved) oldName: like
// resolve, except that a new name that differs from oldName only in case keeps its
// typed case, since that rename changes the case of the name (as NTFS does).
func (v *Volume) resolveTarget(ctx context.Context, oldName, newName string) string {
	r := v.resolve(ctx, newName)
	if r == oldName && newName != oldName {
		dir, _ := Split(r)
		_, base := Split(newName)
		return Join(dir, base)
	}
	return r
}

// findFold finds the entry of dir whose name equals base ignoring case, from the
// directory's index (fold.go), listing the directory when it has none.
func (v *Volume) findFold(ctx context.Context, dir, base string) (string, error) {
	found, known := v.folds.find(dir, base)
	if !known {
		d, err := v.openDir(ctx, dir)
		if err != nil {
			return "", err
		}
		var names []string
		err = d.ReadDir(ctx, 0, func(fi *FileInfo, _ int64) bool {
			names = append(names, fi.Name)
			return true
		})
		d.Close(ctx)
		if err != nil {
			return "", err
		}
		v.folds.fill(dir, names)
		found, _ = v.folds.find(dir, base)
	}
	if found == "" {
		return "", ErrNotExist
	}
	return found, nil
}

// The volume's changes, for the case-insensitive name index.

func (v *Volume) nameAdded(name string) {
	if v.opts.CaseInsensitive {
		v.folds.added(name)
	}
}

func (v *Volume) nameRemoved(name string) {
	if v.opts.CaseInsensitive {
		v.folds.removed(name)
	}
}

func (v *Volume) nameForgotten(name string) {
	if v.opts.CaseInsensitive {
		v.folds.forget(name)
	}
}

// Remove deletes the file (dir false: unlink) or empty directory (dir true: rmdir) at
// name. Handles open on it keep working until closed.
func (v *Volume) Remove(ctx context.Context, name string, dir bool) error {
	name = v.resolve(ctx, name)
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	fctx := openCtx(f)
	if err := v.checkRemove(ctx, name, fctx, dir); err != nil {
		return err
	}
	var gone FileInfo // what the kernel must hear of, for a change through the library
	if v.fromLibrary(ctx) {
		gone, _ = v.getInfo(ctx, name, fctx)
	}
	err := fire(ctx, v, name, nil, v.deleter.OnDeleteFile, &DeleteFileEvent{Name: name, FileContext: fctx, IsDir: dir})
	v.invalidate(name, dir)
	if err != nil {
		v.nameForgotten(name)
		return err
	}
	v.nameRemoved(name)
	v.detach(name)
	v.changed(ctx, ChangeRemoved, name, "")
	v.linksChanged(ctx, &gone)
	return nil
}

// CanDelete answers whether the file or directory at name could be deleted now,
// with every check Remove makes (read-only volume, type, emptiness, access rules, the
// backend's OnCanFileBeDeleted) but without deleting. Windows asks this before a
// delete, which it then performs at the last close.
func (v *Volume) CanDelete(ctx context.Context, name string) error {
	name = v.resolve(ctx, name)
	fi, err := v.getInfo(ctx, name, nil)
	if err != nil {
		return err
	}
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	return v.checkRemove(ctx, name, openCtx(f), fi.IsDir())
}

// checkRemove applies the rules of unlink and rmdir and asks the backend (with the
// open file's FileContext fctx, if any).
func (v *Volume) checkRemove(ctx context.Context, name string, fctx any, dir bool) error {
	op := "unlink"
	if dir {
		op = "rmdir"
	}
	if v.opts.ReadOnly {
		return fmt.Errorf("%s %s: %w", op, name, ErrReadOnly)
	}
	if name == "/" {
		return fmt.Errorf("%s /: %w", op, ErrBusy)
	}
	if v.deleter == nil {
		return fmt.Errorf("%s %s: %w", op, name, ErrNotSupported)
	}
	if err := v.checkAccess(ctx, op, name, AccessWrite); err != nil {
		return err
	}
	if v.hostChecks && !v.opts.CaseInsensitive {
		// The backend's delete checks the type and emptiness itself. (A
		// case-insensitive volume's name index forgets a name whose delete
		// failed, so there the volume checks first.)
		return v.canDelete(ctx, name, fctx, dir)
	}
	fi, err := v.getInfo(ctx, name, nil)
	if err != nil {
		return err
	}
	switch {
	case dir && !fi.IsDir():
		return fmt.Errorf("%s %s: %w", op, name, ErrNotDir)
	case !dir && fi.IsDir():
		return fmt.Errorf("%s %s: %w", op, name, ErrIsDir)
	}
	if dir {
		empty, err := v.isEmpty(ctx, name)
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%s %s: %w", op, name, ErrNotEmpty)
		}
	}
	return v.canDelete(ctx, name, fctx, dir)
}

// detach marks the open file at name as deleted and takes it out of the table, so a
// new file of that name is a different file.
func (v *Volume) detach(name string) {
	k := v.key(name)
	v.mu.Lock()
	if f := v.files[k]; f != nil {
		f.deleted = true
		delete(v.files, k)
	}
	v.mu.Unlock()
}

func (v *Volume) isEmpty(ctx context.Context, name string) (empty bool, err error) {
	if v.empty != nil {
		e := IsDirectoryEmptyEvent{Name: name}
		err = fire(ctx, v, name, nil, v.empty.OnIsDirectoryEmpty, &e)
		return e.IsEmpty, err
	}
	d, err := v.openDir(ctx, name)
	if err != nil {
		return false, err
	}
	defer d.Close(ctx)
	empty = true
	err = d.ReadDir(ctx, 0, func(*FileInfo, int64) bool { empty = false; return false })
	return empty, err
}

func (v *Volume) canDelete(ctx context.Context, name string, fctx any, dir bool) (err error) {
	if v.checker == nil {
		return nil
	}
	return fire(ctx, v, name, nil, v.checker.OnCanFileBeDeleted, &CanFileBeDeletedEvent{Name: name, FileContext: fctx, IsDir: dir})
}

// RenameFlags are the flags of rename(2).
type RenameFlags uint8

// Rename flags.
const (
	RenameNoReplace RenameFlags = 1 << iota // fail with ErrExist if the target exists
	RenameExchange                          // swap source and target atomically
)

// Rename renames or moves oldName to newName with the POSIX rules: a file replaces a
// file, a directory replaces an empty directory, nothing moves into itself.
func (v *Volume) Rename(ctx context.Context, oldName, newName string, flags RenameFlags) error {
	if v.opts.ReadOnly {
		return fmt.Errorf("rename %s: %w", oldName, ErrReadOnly)
	}
	if v.renamer == nil {
		return fmt.Errorf("rename %s: %w", oldName, ErrNotSupported)
	}
	if err := v.checkName(newName); err != nil {
		return err
	}
	if err := v.checkAccess(ctx, "rename", oldName, AccessWrite); err != nil {
		return err
	}
	if flags&RenameNoReplace != 0 && flags&RenameExchange != 0 {
		return fmt.Errorf("rename %s: %w: both NOREPLACE and EXCHANGE", oldName, ErrInvalid)
	}
	if oldName == "/" || newName == "/" {
		return fmt.Errorf("rename %s to %s: %w", oldName, newName, ErrBusy)
	}
	oldName = v.resolve(ctx, oldName)
	newName = v.resolveTarget(ctx, oldName, newName)
	src, err := v.getInfo(ctx, oldName, nil)
	if err != nil {
		return err
	}
	if oldName == newName {
		if flags&RenameNoReplace != 0 {
			return fmt.Errorf("rename %s: %w", newName, ErrExist)
		}
		return nil
	}
	if strings.HasPrefix(newName, oldName+"/") || (flags&RenameExchange != 0 && strings.HasPrefix(oldName, newName+"/")) {
		return fmt.Errorf("rename %s into itself (%s): %w", oldName, newName, ErrInvalid)
	}
	caseOnly := v.opts.CaseInsensitive && strings.EqualFold(oldName, newName)
	dst, err := v.getInfo(ctx, newName, nil)
	exists := err == nil && !caseOnly
	if err != nil && !isNotExist(err) {
		return err
	}
	if flags&RenameExchange != 0 {
		if !exists {
			return fmt.Errorf("rename exchange %s: %w", newName, ErrNotExist)
		}
	} else if exists {
		if flags&RenameNoReplace != 0 {
			return fmt.Errorf("rename %s: %w", newName, ErrExist)
		}
		if src.FileID != 0 && src.FileID == dst.FileID && !src.IsDir() {
			return nil // two links of one file: POSIX says do nothing
		}
		switch {
		case src.IsDir() && !dst.IsDir():
			return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrNotDir)
		case !src.IsDir() && dst.IsDir():
			return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrIsDir)
		case dst.IsDir():
			empty, err := v.isEmpty(ctx, newName)
			if err != nil {
				return err
			}
			if !empty {
				return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrNotEmpty)
			}
		}
	}
	f := v.borrow(oldName)
	defer v.unborrow(ctx, f)
	e := RenameOrMoveFileEvent{Name: oldName, NewName: newName, FileContext: openCtx(f),
		ReplaceIfExists: exists && flags&RenameExchange == 0, Exchange: flags&RenameExchange != 0}
	err = fire(ctx, v, e.Name, nil, v.renamer.OnRenameOrMoveFile, &e)
	v.invalidate(oldName, true)
	v.invalidate(newName, true)
	switch {
	case err != nil:
		v.nameForgotten(oldName)
		v.nameForgotten(newName)
	case e.Exchange:
		v.nameForgotten(oldName) // both names stay; what is below them moved
		v.nameForgotten(newName)
	default:
		v.nameRemoved(oldName)
		v.nameRemoved(newName) // and what was below a directory replaced
		v.nameAdded(newName)
	}
	if err != nil {
		if e.Exchange && errors.Is(err, ErrNotSupported) {
			return fmt.Errorf("rename exchange %s: %w", oldName, ErrInvalid)
		}
		return err
	}
	v.renamed(oldName, newName, e.ReplaceIfExists, e.Exchange)
	v.changed(ctx, ChangeRenamed, oldName, newName)
	return nil
}

// below returns the part of p below dir ("" or "/..."), where p is at or below a
// spelling of dir that may differ in case, and so in length: it cuts p after as many
// components as dir has.
func below(p, dir string) string {
	i := 0
	for n := strings.Count(dir, "/"); n > 0; n-- {
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			return ""
		}
		i += j + 1
	}
	return p[i:]
}

// renamed moves the open files at and below oldName to newName in the table.
func (v *Volume) renamed(oldName, newName string, replaced, exchange bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if replaced {
		if f := v.files[v.key(newName)]; f != nil {
			f.deleted = true
			delete(v.files, f.key)
		}
	}
	type move struct {
		f    *openFile
		name string
	}
	var moves []move
	oldKey, newKey := v.key(oldName), v.key(newName)
	for _, f := range v.files {
		switch {
		case f.key == oldKey || strings.HasPrefix(f.key, oldKey+"/"):
			moves = append(moves, move{f, newName + below(f.path(), oldName)})
		case exchange && (f.key == newKey || strings.HasPrefix(f.key, newKey+"/")):
			moves = append(moves, move{f, oldName + below(f.path(), newName)})
		}
	}
	for _, m := range moves {
		if v.files[m.f.key] == m.f {
			delete(v.files, m.f.key)
		}
	}
	for _, m := range moves {
		name := m.name
		m.f.name.Store(&name)
		m.f.key = v.key(name)
		v.files[m.f.key] = m.f
	}
}

// Link creates newName as a hard link to the file oldName.
func (v *Volume) Link(ctx context.Context, oldName, newName string) (fi FileInfo, err error) {
	if err := v.checkName(newName); err != nil {
		return FileInfo{}, err
	}
	if v.opts.ReadOnly {
		return FileInfo{}, fmt.Errorf("link %s: %w", newName, ErrReadOnly)
	}
	if v.linker == nil {
		return FileInfo{}, fmt.Errorf("link %s: %w", newName, ErrNotPermitted)
	}
	oldName, newName = v.resolve(ctx, oldName), v.resolve(ctx, newName)
	if err := v.checkAccess(ctx, "link", newName, AccessWrite); err != nil {
		return FileInfo{}, err
	}
	src, err := v.getInfo(ctx, oldName, nil)
	if err != nil {
		return FileInfo{}, err
	}
	if src.IsDir() {
		return FileInfo{}, fmt.Errorf("link to directory %s: %w", oldName, ErrNotPermitted)
	}
	e := CreateHardLinkEvent{Name: oldName, LinkName: newName}
	if err := fire(ctx, v, oldName, nil, v.linker.OnCreateHardLink, &e); err != nil {
		return FileInfo{}, err
	}
	v.invalidate(oldName, false)
	v.invalidate(newName, false)
	v.nameAdded(newName)
	v.changed(ctx, ChangeModified, oldName, "") // its link count
	v.changed(ctx, ChangeAdded, newName, "")
	if e.InfoValid {
		v.normalize(&e.Info)
		_, e.Info.Name = Split(newName)
		return e.Info, nil
	}
	return v.getInfo(ctx, newName, nil)
}

// Symlink creates a symbolic link at name pointing to target (stored as given).
func (v *Volume) Symlink(ctx context.Context, target, name string) (FileInfo, error) {
	if err := v.checkName(name); err != nil {
		return FileInfo{}, err
	}
	if v.opts.ReadOnly {
		return FileInfo{}, fmt.Errorf("symlink %s: %w", name, ErrReadOnly)
	}
	if v.symlinker == nil {
		return FileInfo{}, fmt.Errorf("symlink %s: %w", name, ErrNotSupported)
	}
	name = v.resolve(ctx, name)
	if err := v.checkAccess(ctx, "symlink", name, AccessWrite); err != nil {
		return FileInfo{}, err
	}
	caller, _ := CallerFromContext(ctx)
	e := CreateSymlinkEvent{Name: name, Target: target, Uid: caller.Uid, Gid: caller.Gid}
	if dir, _ := Split(name); true {
		if pfi, err := v.getInfo(ctx, dir, nil); err == nil && pfi.Mode&attr.S_ISGID != 0 {
			e.Gid = pfi.Gid
		}
	}
	e.Uid, e.Gid = v.backendIDs(e.Uid, e.Gid)
	if err := fire(ctx, v, name, nil, v.symlinker.OnCreateSymlink, &e); err != nil {
		v.nameForgotten(name)
		return FileInfo{}, err
	}
	v.invalidate(name, false)
	v.nameAdded(name)
	v.changed(ctx, ChangeAdded, name, "")
	if e.InfoValid {
		v.normalize(&e.Info)
		_, e.Info.Name = Split(name)
		return e.Info, nil
	}
	return v.getInfo(ctx, name, nil)
}

// Readlink returns the target of the symbolic link at name.
func (v *Volume) Readlink(ctx context.Context, name string) (target string, err error) {
	if v.symlinker == nil {
		return "", fmt.Errorf("readlink %s: %w", name, ErrInvalid)
	}
	name = v.resolve(ctx, name)
	if err := v.checkAccess(ctx, "readlink", name, AccessRead); err != nil {
		return "", err
	}
	e := ReadSymlinkEvent{Name: name}
	err = fire(ctx, v, name, nil, v.symlinker.OnReadSymlink, &e)
	return e.Target, err
}

// ChangeMask says which fields of a Change apply.
type ChangeMask uint16

// Change mask bits.
const (
	ChangeSize ChangeMask = 1 << iota
	ChangeMode
	ChangeUid
	ChangeGid
	ChangeAtime
	ChangeMtime
	ChangeCtime
	ChangeCrtime
	ChangeAttributes
)

// Change is a set of attribute changes (setattr): the fields Valid names apply.
type Change struct {
	Valid      ChangeMask
	Size       int64
	Mode       attr.Mode // permission and special bits
	Uid, Gid   uint32
	Atime      time.Time
	Mtime      time.Time
	Ctime      time.Time
	Crtime     time.Time
	Attributes attr.FileAttributes // attr.Normal alone clears all
}

// SetAttributes applies ch to the file at name (truncate, chmod, chown, utimens,
// Windows attributes) and returns the file's new information. The open handle's
// contexts are used when the file is open.
func (v *Volume) SetAttributes(ctx context.Context, name string, ch Change) (FileInfo, error) {
	name = v.resolve(ctx, name)
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	return v.setAttributes(ctx, name, f, nil, ch)
}

func (v *Volume) setAttributes(ctx context.Context, name string, f *openFile, hctx any, ch Change) (FileInfo, error) {
	if ch.Valid == 0 {
		return v.getInfo(ctx, name, openCtx(f))
	}
	if v.opts.ReadOnly {
		return FileInfo{}, fmt.Errorf("setattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "setattr", name, AccessWrite); err != nil {
		return FileInfo{}, err
	}
	fctx := openCtx(f)
	v.invalidate(name, false)
	defer v.invalidate(name, false)
	if ch.Valid&ChangeSize != 0 {
		if ch.Size < 0 {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrInvalid)
		}
		if max := v.opts.MaxFileSize; max > 0 && ch.Size > max {
			return FileInfo{}, fmt.Errorf("truncate %s to %d: %w", name, ch.Size, ErrFileTooLarge)
		}
		fi, err := v.getInfo(ctx, name, fctx)
		if err != nil {
			return FileInfo{}, err
		}
		if fi.IsDir() {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrIsDir)
		}
		if !fi.Mode.IsRegular() {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrInvalid)
		}
		if err := v.callSetSize(ctx, &SetFileSizeEvent{Name: name, FileContext: fctx, HandleContext: hctx, Size: ch.Size}, f); err != nil {
			return FileInfo{}, err
		}
	}
	if rest := ch.Valid &^ ChangeSize; rest != 0 {
		if v.setter == nil {
			return FileInfo{}, fmt.Errorf("setattr %s: %w", name, ErrNotSupported)
		}
		e := SetFileAttributesEvent{Name: name, FileContext: fctx, HandleContext: hctx}
		if rest&ChangeMode != 0 {
			e.Mode, e.SetMode = ch.Mode.Perm(), true
		}
		if rest&ChangeUid != 0 {
			e.Uid, e.SetUid = ch.Uid, true
		}
		if rest&ChangeGid != 0 {
			e.Gid, e.SetGid = ch.Gid, true
		}
		e.Uid, e.Gid = v.backendIDs(e.Uid, e.Gid)
		if rest&ChangeAtime != 0 {
			e.LastAccessTime = ch.Atime
		}
		if rest&ChangeMtime != 0 {
			e.LastWriteTime = ch.Mtime
		}
		if rest&ChangeCtime != 0 {
			e.ChangeTime = ch.Ctime
		}
		if rest&ChangeCrtime != 0 {
			e.CreationTime = ch.Crtime
		}
		if rest&ChangeAttributes != 0 {
			e.Attributes = ch.Attributes
			if e.Attributes == 0 {
				e.Attributes = attr.Normal
			}
			// READONLY is the absence of write bits on POSIX: setting or clearing it
			// changes the mode too, unless the mode is being set explicitly.
			if !e.SetMode {
				cur, err := v.getInfo(ctx, name, fctx)
				if err != nil {
					return FileInfo{}, err
				}
				next := attr.ApplySetFileAttributes(cur.Attributes, e.Attributes)
				if mode, _ := attr.ToPOSIX(next, cur.Mode); mode.Perm() != cur.Mode.Perm() {
					e.Mode, e.SetMode = mode.Perm(), true
				}
			}
		}
		if err := fire(ctx, v, e.Name, f, v.setter.OnSetFileAttributes, &e); err != nil {
			return FileInfo{}, err
		}
	}
	v.invalidate(name, false)
	v.changed(ctx, ChangeModified, name, "")
	return v.getInfo(ctx, name, fctx)
}

func openCtx(f *openFile) any {
	if f == nil {
		return nil
	}
	f.openMu.Lock()
	defer f.openMu.Unlock()
	return f.ctx
}

func (v *Volume) callSetSize(ctx context.Context, e *SetFileSizeEvent, f *openFile) (err error) {
	if v.writer == nil {
		return fmt.Errorf("truncate %s: %w", e.Name, ErrReadOnly)
	}
	return fire(ctx, v, e.Name, f, v.writer.OnSetFileSize, e)
}
