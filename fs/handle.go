package fs

import (
	"context"
	"sync/atomic"
)

// Handle is one open handle of a file: what FUSE calls a file handle. Adapters get it
// from Open or Create and call its methods until Release.
type Handle struct {
	v      *Volume
	f      *openFile
	hctx   any // HandleContext
	access Access
	flags  OpenFlags
	caller Caller
	info   FileInfo // as opened
	closed atomic.Bool
}

// Name returns the handle's file's current volume path.
func (h *Handle) Name() string { return h.f.path() }

// Access returns the access the handle was opened with.
func (h *Handle) Access() Access { return h.access }

// Flags returns the flags the handle was opened with.
func (h *Handle) Flags() OpenFlags { return h.flags }

// FileContext returns the backend's FileContext of the handle's file.
func (h *Handle) FileContext() any { return h.f.ctx }

// HandleContext returns the backend's HandleContext of the handle.
func (h *Handle) HandleContext() any { return h.hctx }

// Stat returns the handle's file's information, also after the file was unlinked
// (then with the backend's link count, 0 included: fstat shows st_nlink 0).
func (h *Handle) Stat(ctx context.Context) (FileInfo, error) {
	h.v.mu.Lock()
	deleted := h.f.deleted
	h.v.mu.Unlock()
	return h.v.getInfoLinks(ctx, h.f.path(), h.f.ctx, deleted)
}

// Close is called at every close(2) of a descriptor of the handle (FUSE flush): it
// fires OnCleanupFile and releases the POSIX locks of lockOwner.
func (h *Handle) Close(ctx context.Context, lockOwner uint64) (err error) {
	h.f.locks.releaseOwner(h.v, ctx, h, lockOwner, false)
	if h.v.cleaner == nil {
		return nil
	}
	e := CleanupFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx}
	return fire(ctx, h.v, e.Name, h.f, h.v.cleaner.OnCleanupFile, &e)
}

// Sync makes the file's data durable (fsync; fdatasync with dataOnly).
func (h *Handle) Sync(ctx context.Context, dataOnly bool) (err error) {
	if h.v.flusher == nil {
		return nil
	}
	e := FlushFileEvent{Name: h.f.path(), FileContext: h.f.ctx, DataOnly: dataOnly}
	return fire(ctx, h.v, e.Name, h.f, h.v.flusher.OnFlushFile, &e)
}

// Release releases the handle (FUSE release). The file's OnCloseFile fires when this
// was its last handle. Later calls do nothing.
func (h *Handle) Release(ctx context.Context) error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	h.f.locks.releaseOwner(h.v, ctx, h, 0, true)
	h.v.mu.Lock()
	delete(h.v.handles, h)
	h.v.mu.Unlock()
	h.v.closeFileEvent(ctx, h.f, h.hctx)
	return nil
}

// SetAttributes changes the handle's file (ftruncate, fchmod, futimens, ...).
func (h *Handle) SetAttributes(ctx context.Context, ch Change) (FileInfo, error) {
	return h.v.setAttributes(ctx, h.f.path(), h.f, h.hctx, ch)
}

func (h *Handle) setSize(ctx context.Context, size int64) error {
	_, err := h.v.setAttributes(ctx, h.f.path(), h.f, h.hctx, Change{Valid: ChangeSize, Size: size})
	return err
}

// Caller returns the process that opened the handle.
func (h *Handle) Caller() Caller { return h.caller }
