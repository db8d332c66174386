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
	_, err := tx.Exec(ctx, touchDirSQL, ino, t, dlink)
	return err
}

const touchDirSQL = `UPDATE inodes SET mtime = $2, ctime = $2, nlink = nlink + $3 WHERE ino = $1`

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
		n.alloc = fl.allocated()
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
	err := f.retry(ctx, "open", e.Name, func() error {
		chain, found, err := walk(ctx, f.pool, e.Name)
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
	dir, base := fs.Split(name)
	for attempt := 0; ; attempt++ {
		pn, err := f.lookup(ctx, dir)
		if err != nil {
			return inode{}, err
		}
		if !pn.isDir() {
			return inode{}, fmt.Errorf("%s %s: %w", op, name, fs.ErrNotDir)
		}
		var ino int64
		if err := f.retry(ctx, op, name, func() (err error) { ino, err = f.allocIno(ctx, f.pool); return err }); err != nil {
			return inode{}, err
		}
		t := now()
		n := inode{ino: ino, mode: uint32(mode), uid: int64(uid), gid: int64(gid), rdev: int64(rdev), nlink: 1,
			attrs: int32(attrs &^ (attr.Directory | attr.Normal)), atime: t, mtime: t, ctime: t, btime: t}
		dlink := 0
		if mode.IsDir() {
			n.nlink, dlink = 2, 1
		}
		if mode.IsSymlink() {
			n.size = int64(len(target))
		}
		var created, taken bool
		err = f.batch(ctx, op, name, func(b *pgx.Batch) {
			b.Queue(createSQL, n.ino, n.mode, n.uid, n.gid, n.rdev, n.nlink, n.size, n.attrs, t, dlink,
				pn.ino, base, target, mode.IsSymlink(), f.session.Load(), name)
			b.Queue(`SELECT pg_notify($1, 'c') FROM inodes WHERE ino = $2`, f.channel, n.ino) // if made
		}, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&created, &taken) })
		if err != nil {
			return inode{}, err
		}
		if taken {
			return inode{}, fmt.Errorf("%s %s: %w", op, name, fs.ErrExist)
		}
		if !created {
			// The cached parent is gone (another mount removed it): look again.
			f.forgetAll()
			if attempt == 0 {
				continue
			}
			return inode{}, fmt.Errorf("%s %s: %w", op, name, fs.ErrNotExist)
		}
		f.forget([]int64{pn.ino})
		f.mu.Lock()
		f.nodes[n.ino] = n
		f.dents[dentKey{pn.ino, base}] = n.ino
		f.mu.Unlock()
		return n, nil
	}
}

// createSQL makes a file in one statement, so in one round trip: it updates
// the parent (which must be a directory without the name: that also takes its
// row lock), and only when it did, inserts the inode, the entry (a unique
// violation if another transaction took the name meanwhile), the target of a
// symbolic link and the change. It returns whether the file was made, and
// whether the name was taken. A taken name consumes no change number, which
// would leave the change log a hole that the other mounts wait for.
const createSQL = `WITH p AS (UPDATE inodes SET mtime = $9, ctime = $9, nlink = nlink + $10
		WHERE ino = $11 AND mode & 61440 = 16384
		AND NOT EXISTS (SELECT 1 FROM dentries WHERE parent = $11 AND name = $12) RETURNING ino),
	i AS (INSERT INTO inodes (ino, mode, uid, gid, rdev, nlink, size, attrs, atime, mtime, ctime, btime)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9 FROM p RETURNING ino),
	d AS (INSERT INTO dentries (parent, name, ino) SELECT $11, $12, ino FROM i),
	s AS (INSERT INTO symlinks (ino, target) SELECT ino, $13 FROM i WHERE $14),
	c AS (INSERT INTO changes (session, kind, ino, parent, name, path) SELECT $15, 'a', ino, $11, $12, $16 FROM i)
SELECT EXISTS (SELECT 1 FROM i), EXISTS (SELECT 1 FROM dentries WHERE parent = $11 AND name = $12)`

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
// until the last close). It returns the link count left.
func (f *FS) unlinkTx(ctx context.Context, tx pgx.Tx, parent int64, base string, n inode, t int64) (nlink int32, err error) {
	const unlink = `DELETE FROM dentries WHERE parent = $1 AND name = $2`
	if n.isDir() {
		if _, err := tx.Exec(ctx, unlink, parent, base); err != nil {
			return 0, err
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dentries WHERE parent = $1)`, n.ino).Scan(&has); err != nil {
			return 0, err
		}
		if has {
			return 0, fs.ErrNotEmpty
		}
		if _, err := tx.Exec(ctx, `DELETE FROM xattrs WHERE ino = $1`, n.ino); err != nil {
			return 0, err
		}
		return 0, errors.Join(purge(ctx, tx, n.ino), touchDir(ctx, tx, parent, t, -1))
	}
	// One round trip: the link count, the parent's times, and with the last
	// link the inode (or, open here, its orphan row, for the last close).
	b := &pgx.Batch{}
	b.Queue(unlink, parent, base)
	b.Queue(`UPDATE inodes SET nlink = nlink - 1, ctime = $2 WHERE ino = $1 RETURNING nlink`, n.ino, t)
	b.Queue(`UPDATE inodes SET mtime = $2, ctime = $2 WHERE ino = $1`, parent, t)
	f.queueLastLink(b, n.ino)
	br := tx.SendBatch(ctx, b)
	if _, err = br.Exec(); err == nil {
		err = br.QueryRow().Scan(&nlink)
	}
	return nlink, errors.Join(err, br.Close())
}

// queueLastLink queues, after a statement that took a link of file ino, what
// goes when that was the last one: the inode, or, open here, its orphan row
// for the last close.
func (f *FS) queueLastLink(b *pgx.Batch, ino int64) {
	f.queueLastLinkIf(b, ino, "true")
}

// queueLastLinkIf is queueLastLink under a further SQL condition.
func (f *FS) queueLastLinkIf(b *pgx.Batch, ino int64, cond string) {
	if fl := f.openFile(ino); fl != nil {
		// Marked now; the last close checks nlink again, so a rollback or a
		// link left is harmless.
		fl.orphan.Store(true)
		b.Queue(`INSERT INTO orphans (ino, session) SELECT ino, $2 FROM inodes WHERE ino = $1 AND nlink <= 0 AND `+cond+`
			ON CONFLICT (ino) DO NOTHING`, ino, f.session.Load())
		return
	}
	// purge, for an inode left without links.
	gone := `EXISTS (SELECT 1 FROM inodes WHERE ino = $1 AND nlink <= 0) AND ` + cond
	b.Queue(`DELETE FROM blocks WHERE ino = $1 AND `+gone, ino)
	b.Queue(`DELETE FROM locks WHERE ino = $1 AND `+gone, ino)
	b.Queue(`DELETE FROM chunks WHERE ino = $1 AND `+gone, ino)
	b.Queue(`DELETE FROM inodes WHERE ino = $1 AND nlink <= 0 AND `+cond, ino)
}

// unlinkSQL removes the entry (parent $1, name $2) of file $3 in one
// statement, if it still names that file: the entry, the parent's times, the
// file's link count and the change. It returns the link count left, or NULL
// when the entry is not that file's (any more), and notes whether it unlinked
// in the transaction's setting anyfs.unlinked, which the statements after it
// test (unlinkedSQL): a file whose entry was not this one's is not touched.
const unlinkSQL = `WITH d AS (DELETE FROM dentries WHERE parent = $1 AND name = $2 AND ino = $3 RETURNING ino),
	p AS (UPDATE inodes SET mtime = $4, ctime = $4 WHERE ino = $1 AND EXISTS (SELECT 1 FROM d)),
	n AS (UPDATE inodes SET nlink = nlink - 1, ctime = $4 WHERE ino = $3 AND EXISTS (SELECT 1 FROM d) RETURNING nlink),
	c AS (INSERT INTO changes (session, kind, ino, parent, name, path) SELECT $5, 'r', ino, $1, $2, $6 FROM d)
SELECT (SELECT nlink FROM n), set_config('anyfs.unlinked', (EXISTS (SELECT 1 FROM d))::text, true)`

// unlinkedSQL is true after unlinkSQL unlinked, in the same transaction.
const unlinkedSQL = `current_setting('anyfs.unlinked', true) = 'true'`

// unlinkCached removes a file's name found in the caches in one round trip.
// It reports false when the caches were wrong (the name is gone or names
// another file, or a directory): the caller then walks the path in a
// transaction.
func (f *FS) unlinkCached(ctx context.Context, name string) (ok bool, err error) {
	dir, base := fs.Split(name)
	pn, err := f.lookup(ctx, dir)
	if err != nil {
		return false, nil
	}
	n, err := f.lookup(ctx, name)
	if err != nil || n.isDir() {
		return false, nil
	}
	t := now()
	var nlink *int32
	var set string
	err = f.batch(ctx, "delete", name, func(b *pgx.Batch) {
		b.Queue(unlinkSQL, pn.ino, base, n.ino, t, f.session.Load(), name)
		f.queueLastLinkIf(b, n.ino, unlinkedSQL)
		b.Queue(`SELECT pg_notify($1, 'c') WHERE `+unlinkedSQL, f.channel)
	}, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&nlink, &set) })
	f.forget([]int64{pn.ino, n.ino}, dentKey{pn.ino, base})
	if err != nil || nlink == nil {
		return false, err
	}
	f.unlinked(n.ino, *nlink, t)
	return true, nil
}

// OnDeleteFile removes a name (unlink, rmdir) in one transaction.
func (f *FS) OnDeleteFile(ctx context.Context, e *fs.DeleteFileEvent) error {
	ctx = detach(ctx)
	if ok, err := f.unlinkCached(ctx, e.Name); ok || err != nil {
		return err
	}
	_, base := fs.Split(e.Name)
	var n, p inode
	var nlink int32
	var ctime int64
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
		t := now()
		if nlink, err = f.unlinkTx(ctx, tx, p.ino, base, n, t); err != nil {
			return fmt.Errorf("delete %s: %w", e.Name, err)
		}
		ctime = t
		return f.logChange(ctx, tx, change{kind: 'r', ino: n.ino, parent: p.ino, name: base, path: e.Name})
	})
	if err != nil {
		return err
	}
	f.forget([]int64{p.ino, n.ino}, dentKey{p.ino, base})
	f.unlinked(n.ino, nlink, ctime)
	return nil
}

// unlinked gives this mount's open file of ino (if any) its link count after
// an unlink: fstat of a descriptor of a deleted file says 0.
func (f *FS) unlinked(ino int64, nlink int32, ctime int64) {
	if fl := f.openFile(ino); fl != nil {
		fl.mu.Lock()
		fl.node.nlink, fl.node.ctime = nlink, ctime
		fl.mu.Unlock()
	}
}

// OnRenameOrMoveFile renames, replaces or exchanges in one transaction.
func (f *FS) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	ctx = detach(ctx)
	_, sbase := fs.Split(e.Name)
	_, dbase := fs.Split(e.NewName)
	var sp, dp, src, dst inode
	var dstFound, replaced bool
	var dstLinks int32
	var rt int64
	err := f.tx(ctx, "rename", e.Name, func(tx pgx.Tx) error {
		replaced = false
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
		renamed := change{kind: 'n', ino: src.ino, parent: sp.ino, name: sbase, path: e.Name,
			parent2: dp.ino, name2: dbase, path2: e.NewName}
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
				if dstLinks, err = f.unlinkTx(ctx, tx, dp.ino, dbase, dst, t); err != nil {
					return fmt.Errorf("rename %s to %s: %w", e.Name, e.NewName, err)
				}
				replaced, rt = true, t
			}
			d := 0
			if src.isDir() && sp.ino != dp.ino {
				d = 1
			}
			// One round trip: the entry, both directories, the file's ctime, the change.
			b := &pgx.Batch{}
			b.Queue(`UPDATE dentries SET parent = $3, name = $4 WHERE parent = $1 AND name = $2`, sp.ino, sbase, dp.ino, dbase)
			b.Queue(touchDirSQL, sp.ino, t, -d)
			b.Queue(touchDirSQL, dp.ino, t, d)
			b.Queue(`UPDATE inodes SET ctime = $2 WHERE ino = $1`, src.ino, t)
			f.queueChange(b, renamed)
			return tx.SendBatch(ctx, b).Close()
		}
		return f.logChange(ctx, tx, renamed)
	})
	if err != nil {
		return err
	}
	inos := []int64{sp.ino, dp.ino, src.ino}
	if dstFound {
		inos = append(inos, dst.ino)
	}
	f.forget(inos, dentKey{sp.ino, sbase}, dentKey{dp.ino, dbase})
	if replaced {
		f.unlinked(dst.ino, dstLinks, rt)
	}
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

// XattrNamespaces reports that the volume stores the trusted. and security.
// extended attributes besides the user. ones, as tmpfs does.
func (f *FS) XattrNamespaces() []string { return []string{fs.XattrTrusted, fs.XattrSecurity} }

// xattrKey is a row key of xattrs: a user attribute (kind 0) by its name
// after "user.", or an attribute of another namespace (kind 1) by its whole
// name; the two are kept apart.
func xattrKey(stream, xattr string) (kind int16, name string) {
	if xattr != "" {
		return 1, xattr
	}
	return 0, stream
}

// OnListNamedStreams lists a file's extended attributes.
func (f *FS) OnListNamedStreams(ctx context.Context, e *fs.ListNamedStreamsEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	return f.retry(ctx, "listxattr", e.Name, func() error {
		rows, err := f.pool.Query(ctx, `SELECT kind, name FROM xattrs WHERE ino = $1 ORDER BY kind, name`, ino)
		if err != nil {
			return err
		}
		e.Streams, e.Xattrs = nil, nil
		var kind int16
		var name string
		_, err = pgx.ForEachRow(rows, []any{&kind, &name}, func() error {
			if kind == 1 {
				e.Xattrs = append(e.Xattrs, name)
			} else {
				e.Streams = append(e.Streams, name)
			}
			return nil
		})
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
	kind, name := xattrKey(e.Stream, e.Xattr)
	err = f.retry(ctx, "getxattr", e.Name, func() error {
		return f.pool.QueryRow(ctx, `SELECT value FROM xattrs WHERE ino = $1 AND kind = $2 AND name = $3`, ino, kind, name).Scan(&e.Data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("getxattr %s %s: %w", e.Name, name, fs.ErrNoAttribute)
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
	kind, name := xattrKey(e.Stream, e.Xattr)
	q := `INSERT INTO xattrs (ino, kind, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (ino, kind, name) DO UPDATE SET value = excluded.value`
	switch {
	case e.Create:
		q = `INSERT INTO xattrs (ino, kind, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (ino, kind, name) DO NOTHING`
	case e.Replace:
		q = `UPDATE xattrs SET value = $4 WHERE ino = $1 AND kind = $2 AND name = $3`
	}
	return f.changeXattr(ctx, "setxattr", e.Name, ino, name, q, []any{ino, kind, name, data}, e.Create)
}

// OnDeleteNamedStream removes an extended attribute.
func (f *FS) OnDeleteNamedStream(ctx context.Context, e *fs.DeleteNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	kind, name := xattrKey(e.Stream, e.Xattr)
	return f.changeXattr(ctx, "removexattr", e.Name, ino, name,
		`DELETE FROM xattrs WHERE ino = $1 AND kind = $2 AND name = $3`, []any{ino, kind, name}, false)
}

// changeXattr runs q (which changes one attribute, or nothing: ErrExist when
// create, ErrNoAttribute otherwise), the ctime and the change log in one
// transaction.
func (f *FS) changeXattr(ctx context.Context, op, path string, ino int64, name, q string, args []any, create bool) error {
	err := f.tx(ctx, op, path, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if create {
				return fmt.Errorf("%s %s %s: %w", op, path, name, fs.ErrExist)
			}
			return fmt.Errorf("%s %s %s: %w", op, path, name, fs.ErrNoAttribute)
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE inodes SET ctime = $2 WHERE ino = $1`, ino, now())
		f.queueChange(b, change{kind: 'm', ino: ino, path: path})
		return tx.SendBatch(ctx, b).Close()
	})
	f.forget([]int64{ino})
	return err
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
