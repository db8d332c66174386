package fs

import (
	"context"
	"fmt"

	"github.com/anyfs/anyfs/pkg/attr"
)

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
