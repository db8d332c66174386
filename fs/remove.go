package fs

import (
	"context"
	"fmt"
)

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
