package shared

import (
	"context"
	"errors"
	"fmt"

	"github.com/anyfs/anyfs/fs"
	"github.com/jackc/pgx/v5"
)

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
