package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// ---- Deleter, DeleteChecker, EmptyChecker ----

// isEmpty reports whether directory dir has no entries. The caller holds f.mu.
func (f *FS) isEmpty(dir int64) (bool, error) {
	var one int
	err := f.queryRow(`SELECT 1 FROM dentries WHERE parent = ? LIMIT 1`, []any{dir}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

func (f *FS) checkDelete(name string, ino, mode int64, isDir bool) error {
	dir := attr.Mode(mode).Type() == attr.S_IFDIR
	switch {
	case isDir && !dir:
		return fmt.Errorf("vault: rmdir %s: %w", name, fs.ErrNotDir)
	case !isDir && dir:
		return fmt.Errorf("vault: unlink %s: %w", name, fs.ErrIsDir)
	case dir:
		empty, err := f.isEmpty(ino)
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("vault: rmdir %s: %w", name, fs.ErrNotEmpty)
		}
	}
	return nil
}

// OnCanFileBeDeleted allows every deletion the POSIX rules allow: the file must
// exist, be of the kind asked for and, for a directory, be empty.
func (f *FS) OnCanFileBeDeleted(_ context.Context, e *fs.CanFileBeDeletedEvent) error {
	if e.Name == "/" {
		return fmt.Errorf("vault: delete /: %w", fs.ErrBusy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, mode, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	return f.checkDelete(e.Name, ino, mode, e.IsDir)
}

// OnIsDirectoryEmpty reports whether the directory e.Name has entries.
func (f *FS) OnIsDirectoryEmpty(_ context.Context, e *fs.IsDirectoryEmptyEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, mode, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if attr.Mode(mode).Type() != attr.S_IFDIR {
		return fmt.Errorf("vault: %s: %w", e.Name, fs.ErrNotDir)
	}
	e.IsEmpty, err = f.isEmpty(ino)
	return err
}

// OnDeleteFile removes the name e.Name: the file goes when its last link is gone
// and it is no longer open.
func (f *FS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	if e.Name == "/" {
		return fmt.Errorf("vault: delete /: %w", fs.ErrBusy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	dir, base, err := f.parentOf(e.Name)
	if err != nil {
		return err
	}
	ino, mode, real, err := f.child(dir, base, false)
	if err != nil {
		return err
	}
	if ino == 0 {
		return fmt.Errorf("vault: delete %s: %w", e.Name, fs.ErrNotExist)
	}
	if err := checkContext(e.Name, ino, e.FileContext); err != nil {
		return err
	}
	if err := f.checkDelete(e.Name, ino, mode, e.IsDir); err != nil {
		return err
	}
	err = f.txn(func() error { return f.removeEntry(dir, real, ino, mode, nowNs()) })
	if err != nil {
		return fmt.Errorf("vault: delete %s: %w", e.Name, err)
	}
	return nil
}

// removeEntry takes the entry base (inode ino) out of dir and drops the inode's
// link; an inode with no links left goes at once unless it is open. The caller is
// in a transaction.
func (f *FS) removeEntry(dir int64, base string, ino, mode int64, t int64) error {
	f.forget(dir, base)
	if _, err := f.exec(`DELETE FROM dentries WHERE parent = ? AND name = ?`, dir, base); err != nil {
		return err
	}
	isDir := attr.Mode(mode).Type() == attr.S_IFDIR
	q := `UPDATE inodes SET nlink = MAX(nlink - 1, 0), ctime = ? WHERE ino = ?`
	if isDir {
		q = `UPDATE inodes SET nlink = 0, ctime = ? WHERE ino = ?`
	}
	if _, err := f.exec(q, t, ino); err != nil {
		return err
	}
	links := 0
	if isDir {
		links = -1
	}
	if err := f.touchDir(dir, -1, links, t); err != nil {
		return err
	}
	var nlink int64
	if err := f.queryRow(`SELECT nlink FROM inodes WHERE ino = ?`, []any{ino}, &nlink); err != nil {
		return err
	}
	if nlink == 0 && f.open[ino] == nil {
		return f.purge(ino)
	}
	return nil
}

// ---- Renamer ----

// parentDir returns the directory holding directory ino (0 for the root).
func (f *FS) parentDir(ino int64) (int64, error) {
	var p int64
	err := f.queryRow(`SELECT parent FROM inodes WHERE ino = ?`, []any{ino}, &p)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return p, err
}

// within reports whether directory d is dir or inside it.
func (f *FS) within(d, dir int64) (bool, error) {
	for p := d; p != 0; {
		if p == dir {
			return true, nil
		}
		var err error
		if p, err = f.parentDir(p); err != nil {
			return false, err
		}
	}
	return false, nil
}

// OnRenameOrMoveFile renames, moves, replaces or exchanges, in one transaction.
func (f *FS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.Name == "/" || e.NewName == "/" {
		return fmt.Errorf("vault: rename %s to %s: %w", e.Name, e.NewName, fs.ErrBusy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: rename %s: %w", e.Name, fs.ErrReadOnly)
	}
	sdir, sbase, err := f.parentOf(e.Name)
	if err != nil {
		return err
	}
	src, smode, sreal, err := f.child(sdir, sbase, false)
	if err != nil {
		return err
	}
	if src == 0 {
		return fmt.Errorf("vault: rename %s: %w", e.Name, fs.ErrNotExist)
	}
	if err := checkContext(e.Name, src, e.FileContext); err != nil {
		return err
	}
	ddir, dbase, err := f.parentOf(e.NewName)
	if err != nil {
		return err
	}
	if sdir == ddir && sreal == dbase {
		return nil
	}
	srcDir := attr.Mode(smode).Type() == attr.S_IFDIR
	if srcDir {
		if in, err := f.within(ddir, src); err != nil {
			return err
		} else if in {
			return fmt.Errorf("vault: rename %s into itself (%s): %w", e.Name, e.NewName, fs.ErrInvalid)
		}
	}
	dst, dmode, _, err := f.child(ddir, dbase, true)
	if err != nil {
		return err
	}
	dstDir := attr.Mode(dmode).Type() == attr.S_IFDIR
	t := nowNs()
	f.forget(sdir, sreal)
	f.forget(ddir, dbase)
	if e.Exchange {
		if dst == 0 {
			return fmt.Errorf("vault: rename exchange %s: %w", e.NewName, fs.ErrNotExist)
		}
		if dstDir {
			if in, err := f.within(sdir, dst); err != nil {
				return err
			} else if in {
				return fmt.Errorf("vault: rename exchange %s into itself (%s): %w", e.NewName, e.Name, fs.ErrInvalid)
			}
		}
		return f.txn(func() error {
			if _, err := f.exec(`UPDATE dentries SET ino = ? WHERE parent = ? AND name = ?`, dst, sdir, sreal); err != nil {
				return err
			}
			if _, err := f.exec(`UPDATE dentries SET ino = ? WHERE parent = ? AND name = ?`, src, ddir, dbase); err != nil {
				return err
			}
			links := 0
			if sdir != ddir {
				links = b2i(srcDir) - b2i(dstDir)
				if err := f.setParent(src, srcDir, ddir); err != nil {
					return err
				}
				if err := f.setParent(dst, dstDir, sdir); err != nil {
					return err
				}
			}
			if err := f.touchDir(sdir, 0, -links, t); err != nil {
				return err
			}
			if err := f.touchDir(ddir, 0, links, t); err != nil {
				return err
			}
			_, err := f.exec(`UPDATE inodes SET ctime = ? WHERE ino IN (?, ?)`, t, src, dst)
			return err
		})
	}
	if dst != 0 {
		if dst == src {
			return nil // two links of one file: nothing to do
		}
		if !e.ReplaceIfExists {
			return fmt.Errorf("vault: rename %s: %w", e.NewName, fs.ErrExist)
		}
		switch {
		case srcDir && !dstDir:
			return fmt.Errorf("vault: rename %s over %s: %w", e.Name, e.NewName, fs.ErrNotDir)
		case !srcDir && dstDir:
			return fmt.Errorf("vault: rename %s over %s: %w", e.Name, e.NewName, fs.ErrIsDir)
		case dstDir:
			if empty, err := f.isEmpty(dst); err != nil {
				return err
			} else if !empty {
				return fmt.Errorf("vault: rename %s over %s: %w", e.Name, e.NewName, fs.ErrNotEmpty)
			}
		}
	}
	err = f.txn(func() error {
		if dst != 0 {
			if err := f.removeEntry(ddir, dbase, dst, dmode, t); err != nil {
				return err
			}
		}
		if _, err := f.exec(`DELETE FROM dentries WHERE parent = ? AND name = ?`, sdir, sreal); err != nil {
			return err
		}
		if err := f.insertEntry(ddir, dbase, src); err != nil {
			return err
		}
		links := 0
		if srcDir && sdir != ddir {
			links = 1
			if err := f.setParent(src, true, ddir); err != nil {
				return err
			}
		}
		if err := f.touchDir(sdir, -1, -links, t); err != nil {
			return err
		}
		if err := f.touchDir(ddir, 1, links, t); err != nil {
			return err
		}
		_, err := f.exec(`UPDATE inodes SET ctime = ? WHERE ino = ?`, t, src)
		return err
	})
	if err != nil {
		return fmt.Errorf("vault: rename %s to %s: %w", e.Name, e.NewName, err)
	}
	return nil
}

// setParent records that directory ino is now in dir (nothing for other files).
func (f *FS) setParent(ino int64, isDir bool, dir int64) error {
	if !isDir {
		return nil
	}
	_, err := f.exec(`UPDATE inodes SET parent = ? WHERE ino = ?`, dir, ino)
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
