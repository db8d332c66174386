package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// inode is a row of the inodes table.
type inode struct {
	ino, mode, uid, gid, nlink, size, rdev, atime, mtime, ctime, btime, attrs, alloc int64
}

// inodeCols are the columns inode.dest scans, in order.
const inodeCols = "i.ino, i.mode, i.uid, i.gid, i.nlink, i.size, i.rdev, i.atime, i.mtime, i.ctime, i.btime, i.attrs, i.alloc"

func (n *inode) dest() []any {
	return []any{&n.ino, &n.mode, &n.uid, &n.gid, &n.nlink, &n.size, &n.rdev, &n.atime, &n.mtime, &n.ctime, &n.btime, &n.attrs, &n.alloc}
}

func (n *inode) isDir() bool { return attr.Mode(n.mode).Type() == attr.S_IFDIR }

func (n *inode) typ() attr.Mode { return attr.Mode(n.mode).Type() }

// info fills fi from n (Name excepted).
func (n *inode) info(fi *fs.FileInfo) {
	fi.Mode = attr.Mode(n.mode)
	fi.Attributes = attr.FileAttributes(n.attrs)
	fi.Size = n.size
	fi.FileID = uint64(n.ino)
	fi.LinkCount = uint32(n.nlink)
	fi.Uid, fi.Gid, fi.Rdev = uint32(n.uid), uint32(n.gid), uint64(n.rdev)
	fi.CreationTime, fi.LastAccessTime = time.Unix(0, n.btime), time.Unix(0, n.atime)
	fi.LastWriteTime, fi.ChangeTime = time.Unix(0, n.mtime), time.Unix(0, n.ctime)
	switch {
	case n.typ() != attr.S_IFREG:
		fi.AllocationSize = 0
	case n.alloc == 0 && n.size > 0:
		fi.AllocationSize = -1 // all hole
	default:
		fi.AllocationSize = (n.alloc + 4095) &^ 4095
	}
}

// fold is the case-folded form of a name (the dentries.folded column).
func fold(name string) string { return strings.ToLower(name) }

// nowNs is the current time in nanoseconds since the Unix epoch.
func nowNs() int64 { return time.Now().UnixNano() }

// getInode reads inode ino, with the state of the open file overlaid. The caller
// holds f.mu.
func (f *FS) getInode(ino int64) (*inode, error) {
	n := &inode{}
	err := f.queryRow(`SELECT `+inodeCols+` FROM inodes i WHERE i.ino = ?`, []any{ino}, n.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("vault: inode %d: %w", ino, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: inode %d: %w", ino, err)
	}
	f.overlay(n)
	return n, nil
}

// overlay applies an open file's buffered size and times to n.
func (f *FS) overlay(n *inode) {
	if fl := f.open[n.ino]; fl != nil && !fl.isDir {
		n.size = fl.size
		n.alloc += fl.pendingAlloc()
		if fl.timesDirty {
			n.mtime, n.ctime = fl.mtime, fl.ctime
		}
	}
}

// child finds the entry base of directory dir: its inode number and mode. With
// exact false, a case-insensitive vault also matches a name differing in case.
// It returns ino 0 when there is none. The caller holds f.mu.
func (f *FS) child(dir int64, base string, exact bool) (ino, mode int64, name string, err error) {
	if d, ok := f.dentries[dentryKey{dir, base}]; ok {
		return d.ino, d.mode, base, nil
	}
	defer func() {
		if err == nil && ino != 0 && name == base {
			f.cacheEntry(dir, base, ino, mode)
		}
	}()
	err = f.queryRow(`SELECT d.ino, i.mode FROM dentries d JOIN inodes i ON i.ino = d.ino WHERE d.parent = ? AND d.name = ?`,
		[]any{dir, base}, &ino, &mode)
	name = base
	if errors.Is(err, sql.ErrNoRows) && f.fold && !exact {
		err = f.queryRow(`SELECT d.ino, i.mode, d.name FROM dentries d JOIN inodes i ON i.ino = d.ino WHERE d.parent = ? AND d.folded = ? ORDER BY d.name LIMIT 1`,
			[]any{dir, fold(base)}, &ino, &mode, &name)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", nil
	}
	return ino, mode, name, err
}

// dentryKey and dentry are the entries of the lookup cache: (directory, name) to
// the inode number and file type of the entry, for the entries looked up or made
// since they last changed. Every change of an entry removes it; the cache is
// emptied when it holds maxDentries.
type dentryKey struct {
	dir  int64
	name string
}

type dentry struct{ ino, mode int64 }

const maxDentries = 1 << 16

// cacheEntry remembers an entry that exists as committed. The caller holds f.mu.
func (f *FS) cacheEntry(dir int64, name string, ino, mode int64) {
	if len(f.dentries) >= maxDentries {
		clear(f.dentries)
	}
	f.dentries[dentryKey{dir, name}] = dentry{ino, int64(attr.Mode(mode).Type())}
}

// forget drops the cached entry name of dir. The caller holds f.mu.
func (f *FS) forget(dir int64, name string) { delete(f.dentries, dentryKey{dir, name}) }

// walk returns the inode number and mode of the file at the volume path name.
// The caller holds f.mu.
func (f *FS) walk(name string) (int64, int64, error) {
	if name == "" || name[0] != '/' {
		return 0, 0, fmt.Errorf("vault: %q: %w", name, fs.ErrInvalid)
	}
	ino, mode := int64(rootIno), int64(attr.S_IFDIR)
	for _, c := range strings.Split(name[1:], "/") {
		if c == "" {
			continue
		}
		if attr.Mode(mode).Type() != attr.S_IFDIR {
			return 0, 0, fmt.Errorf("vault: %s: %w", name, fs.ErrNotDir)
		}
		next, m, _, err := f.child(ino, c, false)
		if err != nil {
			return 0, 0, fmt.Errorf("vault: %s: %w", name, err)
		}
		if next == 0 {
			return 0, 0, fmt.Errorf("vault: %s: %w", name, fs.ErrNotExist)
		}
		ino, mode = next, m
	}
	return ino, mode, nil
}

// parentOf returns the directory holding name and name's base. The caller holds
// f.mu.
func (f *FS) parentOf(name string) (int64, string, error) {
	dir, base := fs.Split(name)
	if base == "" || base == "." || base == ".." || name[0] != '/' {
		return 0, "", fmt.Errorf("vault: %q: %w", name, fs.ErrInvalid)
	}
	d, mode, err := f.walk(dir)
	if err != nil {
		return 0, "", err
	}
	if attr.Mode(mode).Type() != attr.S_IFDIR {
		return 0, "", fmt.Errorf("vault: %s: %w", dir, fs.ErrNotDir)
	}
	return d, base, nil
}

// lookup returns the inode number of an event's file: its FileContext's when
// set, else the file at name's. The caller holds f.mu.
func (f *FS) lookup(name string, fctx any) (int64, error) {
	if fl, ok := fctx.(*file); ok && fl != nil {
		return fl.ino, nil
	}
	ino, _, err := f.walk(name)
	return ino, err
}

// checkContext reports fs.ErrStale when an event names one file and carries the
// FileContext of another.
func checkContext(name string, ino int64, fctx any) error {
	if fl, ok := fctx.(*file); ok && fl != nil && fl.ino != ino {
		return fmt.Errorf("vault: %s is not the open file: %w", name, fs.ErrStale)
	}
	return nil
}

// touchDir records that entries of dir changed: delta entries more (or fewer),
// links more (or fewer) for subdirectories, and new mtime and ctime.
func (f *FS) touchDir(dir int64, delta, links int, t int64) error {
	_, err := f.exec(`UPDATE inodes SET size = size + ?, nlink = nlink + ?, mtime = ?, ctime = ? WHERE ino = ?`,
		delta*direntSize, links, t, t, dir)
	return err
}

func (f *FS) insertEntry(dir int64, base string, ino int64) error {
	_, err := f.exec(`INSERT INTO dentries (parent, name, folded, ino) VALUES (?, ?, ?, ?)`, dir, base, fold(base), ino)
	return err
}

// newInode inserts an inode and returns its number. The caller is in a
// transaction.
func (f *FS) newInode(dir int64, mode attr.Mode, uid, gid uint32, rdev uint64, size int64, attrs attr.FileAttributes, t int64) (int64, error) {
	nlink, parent := 1, int64(0)
	if mode.Type() == attr.S_IFDIR {
		nlink, size, parent = 2, 2*direntSize, dir
	}
	f.nextIno++
	ino := f.nextIno
	_, err := f.exec(`INSERT INTO inodes (ino, mode, uid, gid, nlink, size, rdev, atime, mtime, ctime, btime, attrs, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ino, int64(mode), int64(uid), int64(gid), nlink, size, int64(rdev), t, t, t, t, int64(attrs), parent)
	return ino, err
}

// purge deletes inode ino and everything it owns. The caller is in a transaction.
func (f *FS) purge(ino int64) error {
	for _, q := range []string{
		`DELETE FROM chunks WHERE ino = ?`, `DELETE FROM symlinks WHERE ino = ?`,
		`DELETE FROM xattrs WHERE ino = ?`, `DELETE FROM inodes WHERE ino = ?`,
	} {
		if _, err := f.exec(q, ino); err != nil {
			return err
		}
	}
	return nil
}

// ---- Interface ----

// OnGetFileInfo reports the file at e.Name, or the open file e.FileContext (which
// works after the file was unlinked).
func (f *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	n.info(&e.Info)
	_, e.Info.Name = fs.Split(e.Name)
	return nil
}

// enumeration is the EnumerationContext of a listing: the last name handed out.
// Each call continues after it in name order, so a listing never repeats a name
// and costs O(log n) per page however large the directory.
type enumeration struct {
	dir   int64
	after string
}

// OnEnumerateDirectory lists a directory in name order, at most e.Max entries a
// call (256 when unset), each with its full information.
func (f *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	en, _ := e.EnumerationContext.(*enumeration)
	if en == nil || e.Restart {
		var dir, mode int64
		if fl, ok := e.DirectoryContext.(*file); ok && fl != nil {
			n, err := f.getInode(fl.ino)
			if err != nil {
				return err
			}
			dir, mode = n.ino, n.mode
		} else {
			var err error
			if dir, mode, err = f.walk(e.Name); err != nil {
				return err
			}
		}
		if attr.Mode(mode).Type() != attr.S_IFDIR {
			return fmt.Errorf("vault: list %s: %w", e.Name, fs.ErrNotDir)
		}
		en = &enumeration{dir: dir}
		e.EnumerationContext = en
	}
	limit := e.Max
	if limit <= 0 {
		limit = 256
	}
	rows, err := f.query(`SELECT d.name, `+inodeCols+` FROM dentries d JOIN inodes i ON i.ino = d.ino WHERE d.parent = ? AND d.name > ? ORDER BY d.name LIMIT ?`,
		en.dir, en.after, limit+1)
	if err != nil {
		return fmt.Errorf("vault: list %s: %w", e.Name, err)
	}
	defer rows.Close()
	count := 0
	for rows.Next() {
		if count == limit {
			return rows.Err()
		}
		var name string
		var n inode
		if err := rows.Scan(append([]any{&name}, n.dest()...)...); err != nil {
			return fmt.Errorf("vault: list %s: %w", e.Name, err)
		}
		f.overlay(&n)
		fi := fs.FileInfo{Name: name}
		n.info(&fi)
		e.Entries = append(e.Entries, fi)
		en.after = name
		count++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("vault: list %s: %w", e.Name, mapErr(err))
	}
	e.Done = true
	return nil
}

// OnCloseDirectoryEnumeration ends a listing; it holds nothing to release.
func (f *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

// ---- Creator, Symlinker, HardLinker ----

// OnCreateFile creates a regular file, directory, device node, FIFO or socket with
// exactly e.Mode, e.Uid and e.Gid, and opens it.
func (f *FS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	mode, err := e.FileMode()
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	typ, perm := mode.Type(), mode.Perm()
	var rdev uint64
	if typ == attr.S_IFCHR || typ == attr.S_IFBLK {
		rdev = e.Rdev
	}
	attrs := attr.ApplySetFileAttributes(0, e.Attributes) &^ attr.Normal
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, base, err := f.addNode("create", e.Name, typ|perm, e.Uid, e.Gid, rdev, 0, attrs, func(int64) error { return nil })
	if err != nil {
		return err
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	fl := f.openFile(n)
	n.info(&e.Info)
	e.Info.Name = base
	e.FileContext, e.InfoValid = fl, true
	return nil
}

// addNode makes an inode at name, which must not exist, in one transaction with
// its entry and extra (which writes what else the new inode has). The caller
// holds f.mu.
func (f *FS) addNode(op, name string, mode attr.Mode, uid, gid uint32, rdev uint64, size int64, attrs attr.FileAttributes, extra func(ino int64) error) (int64, string, error) {
	if f.readOnly {
		return 0, "", fmt.Errorf("vault: %s %s: %w", op, name, fs.ErrReadOnly)
	}
	dir, base, err := f.parentOf(name)
	if err != nil {
		return 0, "", err
	}
	var ino int64
	err = f.txn(func() error {
		if old, _, _, err := f.child(dir, base, false); err != nil {
			return err
		} else if old != 0 {
			return fmt.Errorf("vault: %s %s: %w", op, name, fs.ErrExist)
		}
		t := nowNs()
		if ino, err = f.newInode(dir, mode, uid, gid, rdev, size, attrs, t); err != nil {
			return err
		}
		if err := extra(ino); err != nil {
			return err
		}
		if err := f.insertEntry(dir, base, ino); err != nil {
			return err
		}
		links := 0
		if mode.Type() == attr.S_IFDIR {
			links = 1
		}
		return f.touchDir(dir, 1, links, t)
	})
	if err != nil {
		return 0, "", fmt.Errorf("vault: %s %s: %w", op, name, err)
	}
	return ino, base, nil
}

// OnCreateSymlink creates a symbolic link holding e.Target as given.
func (f *FS) OnCreateSymlink(_ context.Context, e *fs.CreateSymlinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, base, err := f.addNode("symlink", e.Name, attr.S_IFLNK|0o777, e.Uid, e.Gid, 0, int64(len(e.Target)), 0, func(ino int64) error {
		_, err := f.exec(`INSERT INTO symlinks (ino, target) VALUES (?, ?)`, ino, e.Target)
		return err
	})
	if err != nil {
		return err
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	n.info(&e.Info)
	e.Info.Name, e.InfoValid = base, true
	return nil
}

// OnReadSymlink returns a symbolic link's target (fs.ErrInvalid for other files).
func (f *FS) OnReadSymlink(_ context.Context, e *fs.ReadSymlinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, mode, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if attr.Mode(mode).Type() != attr.S_IFLNK {
		return fmt.Errorf("vault: readlink %s: %w", e.Name, fs.ErrInvalid)
	}
	if err := f.queryRow(`SELECT target FROM symlinks WHERE ino = ?`, []any{ino}, &e.Target); err != nil {
		return fmt.Errorf("vault: readlink %s: %w", e.Name, err)
	}
	return nil
}

// OnCreateHardLink adds the name e.LinkName to the file e.Name.
func (f *FS) OnCreateHardLink(_ context.Context, e *fs.CreateHardLinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: link %s: %w", e.LinkName, fs.ErrReadOnly)
	}
	ino, mode, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if attr.Mode(mode).Type() == attr.S_IFDIR {
		return fmt.Errorf("vault: link to directory %s: %w", e.Name, fs.ErrNotPermitted)
	}
	dir, base, err := f.parentOf(e.LinkName)
	if err != nil {
		return err
	}
	err = f.txn(func() error {
		if old, _, _, err := f.child(dir, base, false); err != nil {
			return err
		} else if old != 0 {
			return fmt.Errorf("vault: link %s: %w", e.LinkName, fs.ErrExist)
		}
		var nlink int64
		if err := f.queryRow(`SELECT nlink FROM inodes WHERE ino = ?`, []any{ino}, &nlink); err != nil {
			return err
		}
		if nlink == 0 {
			return fmt.Errorf("vault: link %s: %w", e.Name, fs.ErrNotExist)
		}
		if nlink >= 1<<32-1 {
			return fmt.Errorf("vault: link %s: %w", e.Name, fs.ErrTooManyLinks)
		}
		t := nowNs()
		if _, err := f.exec(`UPDATE inodes SET nlink = nlink + 1, ctime = ? WHERE ino = ?`, t, ino); err != nil {
			return err
		}
		if err := f.insertEntry(dir, base, ino); err != nil {
			return err
		}
		return f.touchDir(dir, 1, 0, t)
	})
	if err != nil {
		return fmt.Errorf("vault: link %s: %w", e.LinkName, err)
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	n.info(&e.Info)
	e.Info.Name, e.InfoValid = base, true
	return nil
}
