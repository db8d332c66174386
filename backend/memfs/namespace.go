package memfs

import (
	"context"
	"fmt"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The events that change the tree: create, symbolic and hard links, delete and
// rename.

var (
	_ fs.CreateFileHandler       = (*FS)(nil)
	_ fs.SymlinkHandler          = (*FS)(nil)
	_ fs.CreateHardLinkHandler   = (*FS)(nil)
	_ fs.CanFileBeDeletedHandler = (*FS)(nil)
	_ fs.IsDirectoryEmptyHandler = (*FS)(nil)
	_ fs.DeleteFileHandler       = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler = (*FS)(nil)
)

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
