package fs

import (
	"context"
	"fmt"
	"sync"
)

// Dir is an open directory handle: a listing the kernel reads in pages. Positions
// are entry indexes; reading from a position before the buffered window restarts
// the backend's enumeration and skips forward, so any position can be read again
// (seekdir, rewinddir).
type Dir struct {
	v    *Volume
	f    *openFile
	hctx any

	mu      sync.Mutex // protects the following; one reader at a time
	buf     []FileInfo // entries base .. base+len(buf)-1
	base    int64
	done    bool // the backend said Done
	started bool // OnEnumerateDirectory was called at least once
	ectx    any  // EnumerationContext
	closed  bool
}

// OpenDir opens the directory at name for listing.
func (v *Volume) OpenDir(ctx context.Context, name string) (*Dir, error) {
	name = v.resolve(ctx, name)
	if err := v.checkAccess(ctx, "opendir", name, AccessRead); err != nil {
		return nil, err
	}
	return v.openDir(ctx, name)
}

// openDir opens a directory for the volume's own use, without access rules.
func (v *Volume) openDir(ctx context.Context, name string) (*Dir, error) {
	f, err := v.acquire(name, true)
	if err != nil {
		return nil, err
	}
	hctx, _, err := v.openFileEvent(ctx, f, name, AccessRead, OpenDirectory)
	if err != nil {
		v.release(f)
		return nil, err
	}
	d := &Dir{v: v, f: f, hctx: hctx}
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		v.closeFileEvent(ctx, f, hctx)
		return nil, fmt.Errorf("opendir %s: %w", name, ErrBadHandle)
	}
	v.dirs[d] = struct{}{}
	v.mu.Unlock()
	return d, nil
}

// Name returns the directory's current volume path.
func (d *Dir) Name() string { return d.f.path() }

// Stat returns the directory's information, also after it was removed (then with
// the backend's link count, 0 included: fstat of the descriptor shows st_nlink 0).
func (d *Dir) Stat(ctx context.Context) (FileInfo, error) {
	d.v.mu.Lock()
	deleted := d.f.deleted
	d.v.mu.Unlock()
	return d.v.getInfoLinks(ctx, d.f.path(), openCtx(d.f), deleted)
}

// ReadDir calls fn for the entries from position pos on, in order, until fn returns
// false or the listing ends. fn gets each entry and the position of the entry after
// it (what the kernel passes back to continue). The FileInfo is only valid during
// the call.
func (d *Dir) ReadDir(ctx context.Context, pos int64, fn func(fi *FileInfo, next int64) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("readdir %s: %w", d.Name(), ErrBadHandle)
	}
	if pos < 0 {
		return fmt.Errorf("readdir %s: %w", d.Name(), ErrInvalid)
	}
	if pos < d.base {
		if err := d.fetch(ctx, true); err != nil {
			return err
		}
	}
	for {
		for pos < d.base+int64(len(d.buf)) {
			if !fn(&d.buf[pos-d.base], pos+1) {
				return nil
			}
			pos++
		}
		if d.done && d.started {
			return nil
		}
		if err := d.fetch(ctx, false); err != nil {
			return err
		}
		if len(d.buf) == 0 && d.done {
			return nil
		}
	}
}

// fetch replaces the buffer with the next page of the listing, or its first page
// when restart is set.
func (d *Dir) fetch(ctx context.Context, restart bool) (err error) {
	next := d.base + int64(len(d.buf))
	if restart {
		next = 0
	}
	e := EnumerateDirectoryEvent{Name: d.f.path(), DirectoryContext: openCtx(d.f), HandleContext: d.hctx,
		Restart: restart && d.started, EnumerationContext: d.ectx, Max: d.v.opts.EnumerationPageSize,
		Entries: d.buf[:0]}
	err = fire(ctx, d.v, e.Name, d.f, d.v.b.OnEnumerateDirectory, &e)
	d.started = true
	d.ectx = e.EnumerationContext
	if err != nil {
		d.buf = d.buf[:0]
		d.base = next
		return err
	}
	for i := range e.Entries {
		d.v.normalize(&e.Entries[i])
		if !d.v.caps.Symlinks && e.Entries[i].Mode.IsSymlink() {
			e.Entries[i].Mode = e.Entries[i].Mode&^0o170000 | 0o100000
		}
	}
	d.buf, d.base, d.done = e.Entries, next, e.Done
	if len(e.Entries) == 0 {
		// A handler that returns nothing and is not done would loop forever.
		d.done = true
	}
	return nil
}

// Close ends the listing (OnCloseDirectoryEnumeration, exactly once if the listing
// started) and releases the directory (OnCloseFile if it was its last handle). Later
// calls do nothing.
func (d *Dir) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	started, ectx := d.started, d.ectx
	d.buf = nil
	d.mu.Unlock()
	if started {
		e := CloseDirectoryEnumerationEvent{Name: d.f.path(), DirectoryContext: openCtx(d.f), EnumerationContext: ectx}
		if err := fire(ctx, d.v, e.Name, d.f, d.v.b.OnCloseDirectoryEnumeration, &e); err != nil {
			d.v.log.Warn("anyfs: OnCloseDirectoryEnumeration failed", "name", e.Name, "err", err)
		}
	}
	d.v.mu.Lock()
	delete(d.v.dirs, d)
	d.v.mu.Unlock()
	d.v.closeFileEvent(ctx, d.f, d.hctx)
	return nil
}
