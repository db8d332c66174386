package fs

import (
	"context"
	"fmt"
	"sync"
)

// The read and write events are recycled: they are the hot path, and an event
// passed to an interface method escapes to the heap. A handler must not keep the
// event (or its Buffer) after it returns.
var (
	readEvents  = sync.Pool{New: func() any { return new(ReadFileEvent) }}
	writeEvents = sync.Pool{New: func() any { return new(WriteFileEvent) }}
)

// Read reads len(p) bytes at off. Fewer bytes mean end of file.
func (h *Handle) Read(ctx context.Context, p []byte, off int64) (n int, err error) {
	n, _, _, err = h.readAt(ctx, p, off, false)
	return n, err
}

// ReadSplice is Read for an adapter that can move data from a host descriptor to
// the kernel itself. When the backend answers with a descriptor
// (ReadFileEvent.SpliceFd), ReadSplice returns it with spliced true and leaves p
// alone: the reply is then up to len(p) bytes of fd at off, which the adapter must
// take before the handle is closed. Otherwise it is Read.
func (h *Handle) ReadSplice(ctx context.Context, p []byte, off int64) (n int, fd int, spliced bool, err error) {
	return h.readAt(ctx, p, off, true)
}

// readAt fires OnReadFile with a recycled event.
func (h *Handle) readAt(ctx context.Context, p []byte, off int64, spliceOK bool) (n int, fd int, spliced bool, err error) {
	if off < 0 {
		return 0, -1, false, fmt.Errorf("read %s: %w", h.Name(), ErrInvalid)
	}
	e := readEvents.Get().(*ReadFileEvent)
	*e = ReadFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx, Position: off, Buffer: p,
		SpliceOK: spliceOK}
	n, err = h.read(ctx, e)
	fd, spliced = -1, spliceOK && e.Spliced && err == nil
	if spliced {
		fd = e.SpliceFd
	}
	*e = ReadFileEvent{}
	readEvents.Put(e)
	return n, fd, spliced, err
}

func (h *Handle) read(ctx context.Context, e *ReadFileEvent) (n int, err error) {
	err = fire(ctx, h.v, e.Name, h.f, h.v.b.OnReadFile, e)
	n = min(max(e.BytesRead, 0), len(e.Buffer))
	h.v.stats[evReadFile].bytes.Add(uint64(n))
	return n, err
}

// Write writes p at off (at the end of the file for a handle opened with OpenAppend,
// where off is the kernel's idea of the end).
func (h *Handle) Write(ctx context.Context, p []byte, off int64) (n int, err error) {
	if h.v.writer == nil || h.v.opts.ReadOnly {
		return 0, fmt.Errorf("write %s: %w", h.Name(), ErrReadOnly)
	}
	if off < 0 {
		return 0, fmt.Errorf("write %s: %w", h.Name(), ErrInvalid)
	}
	if max := h.v.opts.MaxFileSize; max > 0 && off+int64(len(p)) > max {
		if off >= max {
			return 0, fmt.Errorf("write %s at %d: %w", h.Name(), off, ErrFileTooLarge)
		}
		p = p[:max-off]
	}
	e := writeEvents.Get().(*WriteFileEvent)
	*e = WriteFileEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
		Position: off, Append: h.flags&OpenAppend != 0, Buffer: p}
	n, err = h.write(ctx, e)
	if h.v.cache != nil {
		h.v.cache.drop(e.Name, false)
		h.v.cache.dropFile(h.info.FileID)
	}
	if n > 0 {
		h.v.changed(ctx, ChangeModified, e.Name, "")
	}
	*e = WriteFileEvent{}
	writeEvents.Put(e)
	return n, err
}

func (h *Handle) write(ctx context.Context, e *WriteFileEvent) (n int, err error) {
	err = fire(ctx, h.v, e.Name, h.f, h.v.writer.OnWriteFile, e)
	n = min(max(e.BytesWritten, 0), len(e.Buffer))
	h.v.stats[evWriteFile].bytes.Add(uint64(n))
	return n, err
}
