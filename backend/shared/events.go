package shared

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"github.com/jackc/pgx/v5"
)

// lockRows takes the row locks of the inodes, in inode order (so that two
// operations never wait for each other in a cycle), and reports whether all
// still exist.
func lockRows(ctx context.Context, tx pgx.Tx, inos ...int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT ino FROM inodes WHERE ino = ANY($1) ORDER BY ino FOR UPDATE) l`,
		inos).Scan(&n); err != nil {
		return err
	}
	want := map[int64]bool{}
	for _, i := range inos {
		want[i] = true
	}
	if n != len(want) {
		return fs.ErrNotExist // removed meanwhile by another mount
	}
	return nil
}

// purge deletes inode ino and what hangs off it; its blocks become garbage.
func purge(ctx context.Context, tx pgx.Tx, ino int64) error {
	b := &pgx.Batch{}
	for _, q := range []string{`DELETE FROM chunks WHERE ino = $1`, `DELETE FROM blocks WHERE ino = $1`,
		`DELETE FROM locks WHERE ino = $1`, `DELETE FROM inodes WHERE ino = $1`} {
		b.Queue(q, ino)
	}
	return tx.SendBatch(ctx, b).Close()
}

// touchDir sets a directory's mtime and ctime and adds dlink to its link count.
func touchDir(ctx context.Context, tx pgx.Tx, ino, t int64, dlink int) error {
	_, err := tx.Exec(ctx, `UPDATE inodes SET mtime = $2, ctime = $2, nlink = nlink + $3 WHERE ino = $1`, ino, t, dlink)
	return err
}

// OnGetFileInfo reports a file's inode; an open file's includes what this mount
// has written and not yet written out.
func (f *FS) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	ctx = detach(ctx)
	if fl, ok := e.FileContext.(*file); ok {
		e.Info = fl.info()
		return nil
	}
	n, err := f.lookup(ctx, e.Name)
	if err != nil {
		return err
	}
	e.Info = f.withOpen(n).info("")
	return nil
}

// withOpen applies what an open file of this mount holds unwritten to n.
func (f *FS) withOpen(n inode) inode {
	f.mu.Lock()
	fl := f.open[n.ino]
	f.mu.Unlock()
	if fl == nil {
		return n
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.dirtyBytes > 0 || fl.sizeChanged {
		n.size, n.mtime, n.ctime = fl.node.size, fl.node.mtime, fl.node.ctime
	}
	return n
}

// listing is the EnumerationContext: the directory read at the first call.
type listing struct {
	entries []fs.FileInfo
	pos     int
}

// OnEnumerateDirectory lists a directory, read in one query.
func (f *FS) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	ctx = detach(ctx)
	l, _ := e.EnumerationContext.(*listing)
	if l == nil || e.Restart {
		var dir inode
		if fl, ok := e.DirectoryContext.(*file); ok {
			dir = fl.info0()
		} else {
			var err error
			if dir, err = f.lookup(ctx, e.Name); err != nil {
				return err
			}
		}
		if !dir.isDir() {
			return fmt.Errorf("list %s: %w", e.Name, fs.ErrNotDir)
		}
		l = &listing{}
		err := f.retry(ctx, "list", e.Name, func() error {
			rows, err := f.pool.Query(ctx, `SELECT d.name, `+inodeCols+` FROM dentries d JOIN inodes i ON i.ino = d.ino
				WHERE d.parent = $1 ORDER BY d.name`, dir.ino)
			if err != nil {
				return err
			}
			var name string
			var n inode
			l.entries = l.entries[:0]
			_, err = pgx.ForEachRow(rows, append([]any{&name}, n.dest()...), func() error {
				l.entries = append(l.entries, f.withOpen(n).info(name))
				return nil
			})
			return err
		})
		if err != nil {
			return err
		}
		e.EnumerationContext = l
	}
	end := len(l.entries)
	if e.Max > 0 {
		end = min(end, l.pos+e.Max)
	}
	e.Entries = append(e.Entries, l.entries[l.pos:end]...)
	l.pos = end
	e.Done = l.pos == len(l.entries)
	return nil
}

// OnCloseDirectoryEnumeration drops the listing.
func (f *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

// OnOpenFile opens a file. The inode and the file's chunk map are read from
// PostgreSQL, not from the caches: an open sees every change closed before it
// anywhere (close-to-open).
func (f *FS) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	ctx = detach(ctx)
	var n inode
	err := f.tx(ctx, "open", e.Name, func(tx pgx.Tx) error {
		chain, found, err := walk(ctx, tx, e.Name)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("open %s: %w", e.Name, fs.ErrNotExist)
		}
		n = chain[len(chain)-1]
		return nil
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.nodes[n.ino] = n
	f.mu.Unlock()
	fl := f.acquire(n)
	if err := fl.refresh(ctx, n); err != nil {
		f.release(ctx, fl, e.Name)
		return err
	}
	e.FileContext = fl
	e.HandleContext = newHandle()
	e.Info, e.InfoValid = fl.info(), true
	return nil
}

// OnCreateFile creates a file, directory, node or symbolic link's inode and its
// entry, in one transaction.
func (f *FS) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	mode, err := e.FileMode()
	if err != nil {
		return err
	}
	ctx = detach(ctx)
	n, err := f.create(ctx, "create", e.Name, mode, e.Rdev, e.Uid, e.Gid, e.Attributes, "")
	if err != nil {
		return err
	}
	fl := f.acquire(n)
	fl.loaded = true // a new file has no chunks
	e.FileContext = fl
	e.HandleContext = newHandle()
	e.Info, e.InfoValid = fl.info(), true
	return nil
}

func (f *FS) create(ctx context.Context, op, name string, mode attr.Mode, rdev uint64, uid, gid uint32,
	attrs attr.FileAttributes, target string) (inode, error) {
	_, base := fs.Split(name)
	var n inode
	var parent int64
	err := f.tx(ctx, op, name, func(tx pgx.Tx) error {
		chain, found, err := walk(ctx, tx, name)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("%s %s: %w", op, name, fs.ErrExist)
		}
		parent = chain[len(chain)-1].ino
		if err := lockRows(ctx, tx, parent); err != nil {
			return fmt.Errorf("%s %s: %w", op, name, err)
		}
		ino, err := f.allocIno(ctx, tx)
		if err != nil {
			return err
		}
		t := now()
		n = inode{ino: ino, mode: uint32(mode), uid: int64(uid), gid: int64(gid), rdev: int64(rdev), nlink: 1,
			attrs: int32(attrs &^ (attr.Directory | attr.Normal)), atime: t, mtime: t, ctime: t, btime: t}
		dlink := 0
		if mode.IsDir() {
			n.nlink, dlink = 2, 1
		}
		if mode.IsSymlink() {
			n.size = int64(len(target))
		}
		// One round trip for the rows of the new file.
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO inodes (ino, mode, uid, gid, rdev, nlink, size, attrs, atime, mtime, ctime, btime)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9)`, n.ino, n.mode, n.uid, n.gid, n.rdev, n.nlink, n.size, n.attrs, t)
		if mode.IsSymlink() {
			b.Queue(`INSERT INTO symlinks (ino, target) VALUES ($1, $2)`, ino, target)
		}
		b.Queue(`INSERT INTO dentries (parent, name, ino) VALUES ($1, $2, $3)`, parent, base, ino)
		b.Queue(`UPDATE inodes SET mtime = $2, ctime = $2, nlink = nlink + $3 WHERE ino = $1`, parent, t, dlink)
		f.queueChange(b, change{kind: 'a', ino: ino, parent: parent, name: base, path: name})
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return inode{}, err
	}
	f.forget([]int64{parent})
	f.mu.Lock()
	f.nodes[n.ino] = n
	f.dents[dentKey{parent, base}] = n.ino
	f.mu.Unlock()
	return n, nil
}

// OnCanFileBeDeleted refuses to delete a directory that has entries.
func (f *FS) OnCanFileBeDeleted(ctx context.Context, e *fs.CanFileBeDeletedEvent) error {
	ctx = detach(ctx)
	if !e.IsDir {
		return nil
	}
	empty, err := f.isEmpty(ctx, e.Name)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("delete %s: %w", e.Name, fs.ErrNotEmpty)
	}
	return nil
}

// OnIsDirectoryEmpty asks PostgreSQL whether the directory has an entry.
func (f *FS) OnIsDirectoryEmpty(ctx context.Context, e *fs.IsDirectoryEmptyEvent) error {
	ctx = detach(ctx)
	empty, err := f.isEmpty(ctx, e.Name)
	e.IsEmpty = empty
	return err
}

func (f *FS) isEmpty(ctx context.Context, name string) (bool, error) {
	n, err := f.lookup(ctx, name)
	if err != nil {
		return false, err
	}
	var has bool
	err = f.retry(ctx, "list", name, func() error {
		return f.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dentries WHERE parent = $1)`, n.ino).Scan(&has)
	})
	return !has, err
}

// unlinkTx removes the entry (parent, base) of inode n in tx: the inode goes
// with its last link, unless this mount has it open (then it stays, an orphan,
// until the last close). It reports whether the inode was kept as an orphan.
func (f *FS) unlinkTx(ctx context.Context, tx pgx.Tx, parent int64, base string, n inode, t int64) (orphan bool, err error) {
	if _, err := tx.Exec(ctx, `DELETE FROM dentries WHERE parent = $1 AND name = $2`, parent, base); err != nil {
		return false, err
	}
	if n.isDir() {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dentries WHERE parent = $1)`, n.ino).Scan(&has); err != nil {
			return false, err
		}
		if has {
			return false, fs.ErrNotEmpty
		}
		if _, err := tx.Exec(ctx, `DELETE FROM xattrs WHERE ino = $1`, n.ino); err != nil {
			return false, err
		}
		return false, errors.Join(purge(ctx, tx, n.ino), touchDir(ctx, tx, parent, t, -1))
	}
	var nlink int32
	if err := tx.QueryRow(ctx, `UPDATE inodes SET nlink = nlink - 1, ctime = $2 WHERE ino = $1 RETURNING nlink`, n.ino, t).Scan(&nlink); err != nil {
		return false, err
	}
	if err := touchDir(ctx, tx, parent, t, 0); err != nil {
		return false, err
	}
	if nlink > 0 {
		return false, nil
	}
	if fl := f.openFile(n.ino); fl != nil {
		// Marked now; the last close checks nlink again, so a rollback is harmless.
		fl.orphan.Store(true)
		_, err := tx.Exec(ctx, `INSERT INTO orphans (ino, session) VALUES ($1, $2) ON CONFLICT (ino) DO NOTHING`, n.ino, f.session.Load())
		return true, err
	}
	return false, purge(ctx, tx, n.ino)
}

// OnDeleteFile removes a name (unlink, rmdir) in one transaction.
func (f *FS) OnDeleteFile(ctx context.Context, e *fs.DeleteFileEvent) error {
	ctx = detach(ctx)
	_, base := fs.Split(e.Name)
	var n, p inode
	err := f.tx(ctx, "delete", e.Name, func(tx pgx.Tx) error {
		chain, found, err := walk(ctx, tx, e.Name)
		if err != nil {
			return err
		}
		if !found || len(chain) < 2 {
			return fmt.Errorf("delete %s: %w", e.Name, fs.ErrNotExist)
		}
		n, p = chain[len(chain)-1], chain[len(chain)-2]
		if err := lockRows(ctx, tx, p.ino, n.ino); err != nil {
			return fmt.Errorf("delete %s: %w", e.Name, err)
		}
		if _, err := f.unlinkTx(ctx, tx, p.ino, base, n, now()); err != nil {
			return fmt.Errorf("delete %s: %w", e.Name, err)
		}
		return f.logChange(ctx, tx, change{kind: 'r', ino: n.ino, parent: p.ino, name: base, path: e.Name})
	})
	if err != nil {
		return err
	}
	f.forget([]int64{p.ino, n.ino}, dentKey{p.ino, base})
	return nil
}

// OnRenameOrMoveFile renames, replaces or exchanges in one transaction.
func (f *FS) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	ctx = detach(ctx)
	_, sbase := fs.Split(e.Name)
	_, dbase := fs.Split(e.NewName)
	var sp, dp, src, dst inode
	var dstFound bool
	err := f.tx(ctx, "rename", e.Name, func(tx pgx.Tx) error {
		schain, found, err := walk(ctx, tx, e.Name)
		if err != nil {
			return err
		}
		if !found || len(schain) < 2 {
			return fmt.Errorf("rename %s: %w", e.Name, fs.ErrNotExist)
		}
		dchain, dfound, err := walk(ctx, tx, e.NewName)
		if err != nil {
			return fmt.Errorf("rename %s to %s: %w", e.Name, e.NewName, err)
		}
		src, sp = schain[len(schain)-1], schain[len(schain)-2]
		dstFound = dfound
		if dfound {
			dst, dp = dchain[len(dchain)-1], dchain[len(dchain)-2]
		} else {
			dp = dchain[len(dchain)-1]
		}
		for _, a := range dchain {
			if a.ino == src.ino && src.isDir() && (!dfound || dst.ino != src.ino) {
				return fmt.Errorf("rename %s to %s: %w: into itself", e.Name, e.NewName, fs.ErrInvalid)
			}
		}
		lock := []int64{sp.ino, dp.ino, src.ino}
		if dfound {
			lock = append(lock, dst.ino)
		}
		if err := lockRows(ctx, tx, lock...); err != nil {
			return fmt.Errorf("rename %s: %w", e.Name, err)
		}
		t := now()
		if dfound && dst.ino == src.ino {
			return nil // the same file: nothing to do
		}
		switch {
		case e.Exchange:
			if !dfound {
				return fmt.Errorf("rename %s to %s: %w", e.Name, e.NewName, fs.ErrNotExist)
			}
			if _, err := tx.Exec(ctx, `UPDATE dentries SET ino = CASE WHEN ino = $5 THEN $6 ELSE $5 END
				WHERE (parent = $1 AND name = $2) OR (parent = $3 AND name = $4)`, sp.ino, sbase, dp.ino, dbase, src.ino, dst.ino); err != nil {
				return err
			}
			if sp.ino != dp.ino && src.isDir() != dst.isDir() {
				d := 1
				if dst.isDir() {
					d = -1
				}
				if err := errors.Join(touchDir(ctx, tx, sp.ino, t, -d), touchDir(ctx, tx, dp.ino, t, d)); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE inodes SET ctime = $2 WHERE ino = ANY($1)`, []int64{src.ino, dst.ino}, t); err != nil {
				return err
			}
		default:
			if dfound {
				if !e.ReplaceIfExists {
					return fmt.Errorf("rename %s to %s: %w", e.Name, e.NewName, fs.ErrExist)
				}
				if _, err := f.unlinkTx(ctx, tx, dp.ino, dbase, dst, t); err != nil {
					return fmt.Errorf("rename %s to %s: %w", e.Name, e.NewName, err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE dentries SET parent = $3, name = $4 WHERE parent = $1 AND name = $2`,
				sp.ino, sbase, dp.ino, dbase); err != nil {
				return err
			}
			d := 0
			if src.isDir() && sp.ino != dp.ino {
				d = 1
			}
			if err := errors.Join(touchDir(ctx, tx, sp.ino, t, -d), touchDir(ctx, tx, dp.ino, t, d)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE inodes SET ctime = $2 WHERE ino = $1`, src.ino, t); err != nil {
				return err
			}
		}
		return f.logChange(ctx, tx, change{kind: 'n', ino: src.ino, parent: sp.ino, name: sbase, path: e.Name,
			parent2: dp.ino, name2: dbase, path2: e.NewName})
	})
	if err != nil {
		return err
	}
	inos := []int64{sp.ino, dp.ino, src.ino}
	if dstFound {
		inos = append(inos, dst.ino)
	}
	f.forget(inos, dentKey{sp.ino, sbase}, dentKey{dp.ino, dbase})
	return nil
}

// OnCreateHardLink adds a name for a file.
func (f *FS) OnCreateHardLink(ctx context.Context, e *fs.CreateHardLinkEvent) error {
	ctx = detach(ctx)
	_, base := fs.Split(e.LinkName)
	var n inode
	var parent int64
	err := f.tx(ctx, "link", e.LinkName, func(tx pgx.Tx) error {
		schain, found, err := walk(ctx, tx, e.Name)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("link %s: %w", e.Name, fs.ErrNotExist)
		}
		n = schain[len(schain)-1]
		if n.isDir() {
			return fmt.Errorf("link %s: %w", e.Name, fs.ErrNotPermitted)
		}
		dchain, dfound, err := walk(ctx, tx, e.LinkName)
		if err != nil {
			return err
		}
		if dfound {
			return fmt.Errorf("link %s: %w", e.LinkName, fs.ErrExist)
		}
		parent = dchain[len(dchain)-1].ino
		if err := lockRows(ctx, tx, parent, n.ino); err != nil {
			return fmt.Errorf("link %s: %w", e.LinkName, err)
		}
		t := now()
		if _, err := tx.Exec(ctx, `INSERT INTO dentries (parent, name, ino) VALUES ($1, $2, $3)`, parent, base, n.ino); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE inodes i SET nlink = nlink + 1, ctime = $2 WHERE ino = $1 RETURNING `+inodeCols,
			n.ino, t).Scan(n.dest()...); err != nil {
			return err
		}
		if err := touchDir(ctx, tx, parent, t, 0); err != nil {
			return err
		}
		return f.logChange(ctx, tx, change{kind: 'a', ino: n.ino, parent: parent, name: base, path: e.LinkName})
	})
	if err != nil {
		return err
	}
	f.forget([]int64{parent, n.ino})
	e.Info, e.InfoValid = f.withOpen(n).info(base), true
	return nil
}

// OnCreateSymlink creates a symbolic link.
func (f *FS) OnCreateSymlink(ctx context.Context, e *fs.CreateSymlinkEvent) error {
	ctx = detach(ctx)
	n, err := f.create(ctx, "symlink", e.Name, attr.S_IFLNK|0o777, 0, e.Uid, e.Gid, 0, e.Target)
	if err != nil {
		return err
	}
	_, base := fs.Split(e.Name)
	e.Info, e.InfoValid = n.info(base), true
	return nil
}

// OnReadSymlink reads a symbolic link's target.
func (f *FS) OnReadSymlink(ctx context.Context, e *fs.ReadSymlinkEvent) error {
	ctx = detach(ctx)
	n, err := f.lookup(ctx, e.Name)
	if err != nil {
		return err
	}
	if !attr.Mode(n.mode).IsSymlink() {
		return fmt.Errorf("readlink %s: %w", e.Name, fs.ErrInvalid)
	}
	err = f.retry(ctx, "readlink", e.Name, func() error {
		return f.pool.QueryRow(ctx, `SELECT target FROM symlinks WHERE ino = $1`, n.ino).Scan(&e.Target)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("readlink %s: %w", e.Name, fs.ErrNotExist)
	}
	return err
}

// target resolves an event's file: its open file's inode, or the name's.
func (f *FS) target(ctx context.Context, name string, fctx any) (int64, error) {
	if fl, ok := fctx.(*file); ok {
		return fl.ino, nil
	}
	n, err := f.lookup(ctx, name)
	return n.ino, err
}

// OnSetFileAttributes changes attributes, times, mode and owner in one
// statement. An open file's unwritten data is written out first, so that the
// times set stay set.
func (f *FS) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if fl := f.openFile(ino); fl != nil {
		if err := fl.flush(ctx, e.Name); err != nil {
			return err
		}
	}
	t := now()
	sets := "ctime = $2"
	args := []any{ino, t}
	add := func(col string, v any) {
		args = append(args, v)
		sets += fmt.Sprintf(", %s = $%d", col, len(args))
	}
	switch {
	case e.Attributes == attr.Normal:
		add("attrs", 0)
	case e.Attributes != 0:
		add("attrs", int32(e.Attributes&^(attr.Directory|attr.Normal|attr.ReparsePoint)))
	}
	for _, tt := range []struct {
		col string
		t   time.Time
	}{{"btime", e.CreationTime}, {"atime", e.LastAccessTime}, {"mtime", e.LastWriteTime}} {
		if !attr.TimeUnset(tt.t) {
			add(tt.col, tt.t.UnixNano())
		}
	}
	if !attr.TimeUnset(e.ChangeTime) {
		args[1] = e.ChangeTime.UnixNano()
	}
	if e.SetMode {
		args = append(args, int64(e.Mode&0o7777))
		sets += fmt.Sprintf(", mode = (mode & %d) | $%d", attr.S_IFMT, len(args))
	}
	if e.SetUid {
		add("uid", int64(e.Uid))
	}
	if e.SetGid {
		add("gid", int64(e.Gid))
	}
	var n inode
	err = f.tx(ctx, "setattr", e.Name, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE inodes i SET `+sets+` WHERE ino = $1 RETURNING `+inodeCols, args...).Scan(n.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("setattr %s: %w", e.Name, fs.ErrNotExist)
		}
		if err != nil {
			return err
		}
		return f.logChange(ctx, tx, change{kind: 'm', ino: ino, path: e.Name})
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.nodes[ino] = n
	fl := f.open[ino]
	f.mu.Unlock()
	if fl != nil {
		fl.setNode(n)
	}
	return nil
}

// OnListNamedStreams lists a file's extended attributes (user namespace).
func (f *FS) OnListNamedStreams(ctx context.Context, e *fs.ListNamedStreamsEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	return f.retry(ctx, "listxattr", e.Name, func() error {
		rows, err := f.pool.Query(ctx, `SELECT name FROM xattrs WHERE ino = $1 ORDER BY name`, ino)
		if err != nil {
			return err
		}
		e.Streams, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
}

// OnGetNamedStream reads an extended attribute.
func (f *FS) OnGetNamedStream(ctx context.Context, e *fs.GetNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	err = f.retry(ctx, "getxattr", e.Name, func() error {
		return f.pool.QueryRow(ctx, `SELECT value FROM xattrs WHERE ino = $1 AND name = $2`, ino, e.Stream).Scan(&e.Data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("getxattr %s %s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
	}
	if e.Data == nil && err == nil {
		e.Data = []byte{}
	}
	return err
}

// OnSetNamedStream writes an extended attribute.
func (f *FS) OnSetNamedStream(ctx context.Context, e *fs.SetNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	data := e.Data
	if data == nil {
		data = []byte{}
	}
	return f.tx(ctx, "setxattr", e.Name, func(tx pgx.Tx) error {
		q := `INSERT INTO xattrs (ino, name, value) VALUES ($1, $2, $3) ON CONFLICT (ino, name) DO UPDATE SET value = excluded.value`
		switch {
		case e.Create:
			q = `INSERT INTO xattrs (ino, name, value) VALUES ($1, $2, $3) ON CONFLICT (ino, name) DO NOTHING`
		case e.Replace:
			q = `UPDATE xattrs SET value = $3 WHERE ino = $1 AND name = $2`
		}
		tag, err := tx.Exec(ctx, q, ino, e.Stream, data)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if e.Create {
				return fmt.Errorf("setxattr %s %s: %w", e.Name, e.Stream, fs.ErrExist)
			}
			return fmt.Errorf("setxattr %s %s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
		}
		if _, err := tx.Exec(ctx, `UPDATE inodes SET ctime = $2 WHERE ino = $1`, ino, now()); err != nil {
			return err
		}
		f.forget([]int64{ino})
		return f.logChange(ctx, tx, change{kind: 'm', ino: ino, path: e.Name})
	})
}

// OnDeleteNamedStream removes an extended attribute.
func (f *FS) OnDeleteNamedStream(ctx context.Context, e *fs.DeleteNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	return f.tx(ctx, "removexattr", e.Name, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM xattrs WHERE ino = $1 AND name = $2`, ino, e.Stream)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("removexattr %s %s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
		}
		if _, err := tx.Exec(ctx, `UPDATE inodes SET ctime = $2 WHERE ino = $1`, ino, now()); err != nil {
			return err
		}
		f.forget([]int64{ino})
		return f.logChange(ctx, tx, change{kind: 'm', ino: ino, path: e.Name})
	})
}

// capacity is what statfs reports as the size of the volume: an object store
// has no fixed size.
const capacity = 1 << 50

// OnGetVolumeSize reports the bytes of the blocks in use against a nominal
// capacity of 1 PiB.
func (f *FS) OnGetVolumeSize(ctx context.Context, e *fs.GetVolumeSizeEvent) error {
	ctx = detach(ctx)
	var used, files int64
	err := f.retry(ctx, "statfs", "/", func() error {
		return f.pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum(size), 0) FROM blocks), (SELECT count(*) FROM inodes)`).Scan(&used, &files)
	})
	if err != nil {
		return err
	}
	e.Size = fs.VolumeSize{TotalBytes: capacity, FreeBytes: capacity - uint64(min(used, capacity)),
		TotalFiles: math.MaxUint32, FreeFiles: math.MaxUint32 - uint64(min(files, math.MaxUint32)), BlockSize: 1 << 20}
	return nil
}

// OnGetVolumeLabel reports the volume's name.
func (f *FS) OnGetVolumeLabel(_ context.Context, e *fs.GetVolumeLabelEvent) error {
	e.Label = f.cfg.Name
	return nil
}
