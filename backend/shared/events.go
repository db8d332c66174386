package shared

import (
	"context"
	"errors"
	"fmt"

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
