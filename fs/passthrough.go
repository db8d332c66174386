package fs

// PassthroughFder is implemented by a backend whose open files are host files that
// the kernel may read and write directly, without a round trip to the process:
// FUSE passthrough (Linux 6.9 or newer, as root). An adapter that supports it asks
// once per open file, through [Handle.PassthroughFd]; where the kernel or the
// privileges lack it the adapter falls back to OnReadFile and OnWriteFile.
//
// Reads and writes that go through the kernel this way fire no events: a backend
// implements PassthroughFder only when its OnReadFile and OnWriteFile would do
// nothing but read and write that descriptor.
type PassthroughFder interface {
	// PassthroughFd returns a host descriptor, open for reading and writing, of the
	// file of fileContext, or ok false to serve this file through events. The
	// descriptor must stay open until OnCloseFile of fileContext; the kernel takes
	// its own reference to the open file, so it may be closed after that.
	PassthroughFd(fileContext, handleContext any) (fd int, ok bool)
}

// PassthroughFd returns the backend's host descriptor for the handle's file, for an
// adapter that offers the kernel FUSE passthrough. ok is false when the backend is no
// [PassthroughFder], the handle is a directory, or the volume must see every read
// and write: with Options.MaxFileSize (the limit is enforced on writes) or
// Options.MetadataCacheTTL (writes invalidate the cache).
//
// Handles opened with OpenDirectIO are passed through too: the kernel opens its own
// backing file of each passed-through open with the caller's flags, so an O_DIRECT
// open reads and writes the host file as direct I/O, with the host's alignment
// rules, whatever flags the backend's descriptor has.
//
// Reads and writes the kernel passes through are not counted in [Volume.Stats] and
// not traced.
func (h *Handle) PassthroughFd() (fd int, ok bool) {
	p, isP := h.v.b.(PassthroughFder)
	if !isP || h.f.isDir || h.v.opts.MaxFileSize > 0 || h.v.opts.MetadataCacheTTL > 0 {
		return -1, false
	}
	h.f.openMu.Lock()
	fctx := h.f.ctx
	h.f.openMu.Unlock()
	return p.PassthroughFd(fctx, h.hctx)
}
