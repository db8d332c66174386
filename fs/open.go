package fs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// openFile is one entry of the open-file table: a file with at least one handle (or an
// open in progress). Its FileContext is shared by all its handles.
type openFile struct {
	name atomic.Pointer[string] // current volume path; changes on rename
	key  string                 // table key; guarded by Volume.mu

	openMu sync.Mutex // serializes OnOpenFile/OnCloseFile of this file
	ctx    any        // FileContext; guarded by openMu, stable while refs > 0 and opened
	opened bool       // OnOpenFile or OnCreateFile succeeded; guarded by openMu

	refs    int  // handles plus opens in progress; guarded by Volume.mu
	deleted bool // unlinked (or replaced) while open; guarded by Volume.mu
	isDir   bool

	serial sync.Mutex // held around events with SerializePerFile
	locks  lockTable
}

func (f *openFile) path() string { return *f.name.Load() }

// acquire finds or makes the table entry for name and takes a reference on it.
func (v *Volume) acquire(name string, isDir bool) (*openFile, error) {
	k := v.key(name)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil, fmt.Errorf("open %s: %w", name, ErrBadHandle)
	}
	f := v.files[k]
	if f == nil {
		f = &openFile{key: k, isDir: isDir}
		f.name.Store(&name)
		v.files[k] = f
	}
	f.refs++
	v.refs++
	return f, nil
}

// release drops a reference; the last one removes the entry from the table.
func (v *Volume) release(f *openFile) (last, deleted bool) {
	last, deleted = v.drop(f)
	v.unref()
	return last, deleted
}

// unref drops the volume-wide count of references that Unmounted waits for.
func (v *Volume) unref() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.refs--; v.refs == 0 {
		v.idle.Broadcast()
	}
}

// drop is release without unref: a caller that may have to fire OnCloseFile calls
// unref after it, so that Unmounted, which waits until no reference is left, fires
// OnUnmount after every OnCloseFile.
func (v *Volume) drop(f *openFile) (last, deleted bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f.refs--
	if f.refs == 0 {
		if v.files[f.key] == f {
			delete(v.files, f.key)
		}
		return true, f.deleted
	}
	return false, f.deleted
}

// borrow takes a reference on the open file at name, so that its FileContext stays
// valid (no OnCloseFile) during a call made by path; nil when the file is not open.
// Pair it with unborrow.
func (v *Volume) borrow(name string) *openFile {
	v.mu.Lock()
	defer v.mu.Unlock()
	f := v.files[v.key(name)]
	if f == nil || v.closed {
		return nil
	}
	f.refs++
	v.refs++
	return f
}

// unborrow drops a borrowed reference; if the file's handles were closed meanwhile,
// it fires the OnCloseFile they left to it.
func (v *Volume) unborrow(ctx context.Context, f *openFile) {
	if f == nil {
		return
	}
	f.openMu.Lock()
	defer f.openMu.Unlock()
	last, deleted := v.drop(f)
	defer v.unref()
	if !last || !f.opened {
		return
	}
	e := CloseFileEvent{Name: f.path(), FileContext: f.ctx, PendingDeletion: deleted}
	if err := fire(ctx, v, e.Name, f, v.b.OnCloseFile, &e); err != nil {
		v.log.Warn("anyfs: OnCloseFile failed", "name", e.Name, "err", err)
	}
	f.ctx, f.opened = nil, false
}

// newHandle registers an opened handle. When the volume was unmounted while the open
// was in flight, it closes the file instead and fails with ErrBadHandle.
func (v *Volume) newHandle(ctx context.Context, f *openFile, hctx any, access Access, flags OpenFlags) (*Handle, error) {
	h := &Handle{v: v, f: f, hctx: hctx, access: access, flags: flags}
	h.caller, _ = CallerFromContext(ctx)
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		v.closeFileEvent(ctx, f, hctx)
		return nil, fmt.Errorf("open %s: %w", f.path(), ErrBadHandle)
	}
	v.handles[h] = struct{}{}
	v.mu.Unlock()
	return h, nil
}

// Open opens an existing file. With OpenTruncate the file is truncated to zero
// through OnSetFileSize.
func (v *Volume) Open(ctx context.Context, name string, access Access, flags OpenFlags) (*Handle, error) {
	name = v.resolve(ctx, name)
	if v.opts.ReadOnly && (access&AccessWrite != 0 || flags&OpenTruncate != 0) {
		return nil, fmt.Errorf("open %s for writing: %w", name, ErrReadOnly)
	}
	need := access
	if flags&OpenTruncate != 0 {
		need |= AccessWrite
	}
	if err := v.checkAccess(ctx, "open", name, need); err != nil {
		return nil, err
	}
	f, err := v.acquire(name, flags&OpenDirectory != 0)
	if err != nil {
		return nil, err
	}
	hctx, info, err := v.openFileEvent(ctx, f, name, access, flags)
	if err != nil {
		v.release(f)
		return nil, err
	}
	h, err := v.newHandle(ctx, f, hctx, access, flags)
	if err != nil {
		return nil, err
	}
	if info == nil {
		fi, err := v.getInfo(ctx, name, f.ctx)
		if err != nil {
			h.Release(ctx)
			return nil, err
		}
		info = &fi
	}
	if info.IsDir() && need&AccessWrite != 0 {
		h.Release(ctx)
		return nil, fmt.Errorf("open %s for writing: %w", name, ErrIsDir)
	}
	if flags&OpenTruncate != 0 && !info.IsDir() {
		fi, err := h.v.setAttributes(ctx, name, f, hctx, Change{Valid: ChangeSize, Size: 0})
		if err != nil {
			h.Release(ctx)
			return nil, err
		}
		info = &fi
	}
	h.info = *info
	return h, nil
}

// OpenInfo returns the file's information as it was right after the open (and the
// truncation O_TRUNC asked for).
func (h *Handle) OpenInfo() FileInfo { return h.info }

// openFileEvent fires OnOpenFile when the file is not open yet (or for every open
// with FireAllOpenCloseEvents) and returns the HandleContext.
// It also returns the file's information when the handler gave it.
func (v *Volume) openFileEvent(ctx context.Context, f *openFile, name string, access Access, flags OpenFlags) (hctx any, info *FileInfo, err error) {
	f.openMu.Lock()
	defer f.openMu.Unlock()
	if f.opened && !v.opts.FireAllOpenCloseEvents {
		return nil, nil, nil
	}
	e := OpenFileEvent{Name: name, Access: access, Flags: flags, IsDir: f.isDir, FileContext: f.ctx}
	if err := fire(ctx, v, e.Name, f, v.b.OnOpenFile, &e); err != nil {
		return nil, nil, err
	}
	if !f.opened {
		f.ctx, f.opened = e.FileContext, true
	}
	if e.InfoValid {
		v.normalize(&e.Info)
		_, e.Info.Name = Split(name)
		info = &e.Info
	}
	return e.HandleContext, info, nil
}

// closeFileEvent drops one reference of f and fires OnCloseFile when it was the last
// (or for every handle with FireAllOpenCloseEvents).
func (v *Volume) closeFileEvent(ctx context.Context, f *openFile, hctx any) {
	f.openMu.Lock()
	defer f.openMu.Unlock()
	last, deleted := v.drop(f)
	defer v.unref()
	if !last && !v.opts.FireAllOpenCloseEvents {
		return
	}
	e := CloseFileEvent{Name: f.path(), FileContext: f.ctx, HandleContext: hctx, PendingDeletion: deleted, StillOpen: !last}
	if err := fire(ctx, v, e.Name, f, v.b.OnCloseFile, &e); err != nil {
		v.log.Warn("anyfs: OnCloseFile failed", "name", e.Name, "err", err)
	}
	if last {
		f.ctx, f.opened = nil, false
	}
}

func openCtx(f *openFile) any {
	if f == nil {
		return nil
	}
	f.openMu.Lock()
	defer f.openMu.Unlock()
	return f.ctx
}
