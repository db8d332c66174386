package fs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/anyfs/anyfs/pkg/attr"
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
	if err := v.callClose(ctx, f, &e); err != nil {
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
	if err := v.callOpen(ctx, f, &e); err != nil {
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

func (v *Volume) callOpen(ctx context.Context, f *openFile, e *OpenFileEvent) (err error) {
	c := v.begin(evOpenFile, e.Name, f)
	defer v.end(ctx, &c, &err)
	return v.b.OnOpenFile(ctx, e)
}

// CreateRequest describes a file to create.
type CreateRequest struct {
	// Mode is the type and permission bits as the kernel sent them (umask applied).
	// A zero type means a regular file.
	Mode attr.Mode
	// Rdev is the device number of a device node.
	Rdev uint64
	// Attributes are Windows attributes to set.
	Attributes attr.FileAttributes
	Access     Access
	Flags      OpenFlags
	// Exclusive (O_EXCL) fails with ErrExist when the name exists; otherwise an
	// existing file is opened.
	Exclusive bool
}

// Create creates and opens a regular file, or opens it if it exists and the request
// is not Exclusive. It returns the handle and the file's information.
func (v *Volume) Create(ctx context.Context, name string, req CreateRequest) (*Handle, FileInfo, error) {
	name = v.resolve(ctx, name)
	if req.Mode.Type() == 0 {
		req.Mode |= attr.S_IFREG
	}
	f, fi, hctx, err := v.create(ctx, name, req, true)
	if err == nil {
		h, err := v.newHandle(ctx, f, hctx, req.Access, req.Flags)
		if err != nil {
			return nil, FileInfo{}, err
		}
		return h, fi, nil
	}
	if !isExist(err) || req.Exclusive {
		return nil, FileInfo{}, err
	}
	if req.Access&AccessWrite == 0 {
		// O_CREAT on an existing directory is EISDIR even for reading.
		if fi, err := v.getInfo(ctx, name, nil); err == nil && fi.IsDir() {
			return nil, FileInfo{}, fmt.Errorf("create %s: %w", name, ErrIsDir)
		}
	}
	h, err := v.Open(ctx, name, req.Access, req.Flags)
	if err != nil {
		return nil, FileInfo{}, err
	}
	return h, h.OpenInfo(), nil
}

// Mkdir creates a directory.
func (v *Volume) Mkdir(ctx context.Context, name string, mode attr.Mode) (FileInfo, error) {
	name = v.resolve(ctx, name)
	return v.createClosed(ctx, name, CreateRequest{Mode: attr.S_IFDIR | mode.Perm(), Attributes: attr.Directory})
}

// Mknod creates a device node, FIFO, socket or empty regular file, per mode's type.
func (v *Volume) Mknod(ctx context.Context, name string, mode attr.Mode, rdev uint64) (FileInfo, error) {
	if mode.Type() == 0 {
		mode |= attr.S_IFREG
	}
	if mode.Type() == attr.S_IFDIR || mode.Type() == attr.S_IFLNK {
		return FileInfo{}, fmt.Errorf("mknod %s: %w", name, ErrInvalid)
	}
	name = v.resolve(ctx, name)
	return v.createClosed(ctx, name, CreateRequest{Mode: mode, Rdev: rdev})
}

// createClosed creates a file without keeping it open.
func (v *Volume) createClosed(ctx context.Context, name string, req CreateRequest) (FileInfo, error) {
	f, fi, hctx, err := v.create(ctx, name, req, false)
	if err != nil {
		return FileInfo{}, err
	}
	v.closeFileEvent(ctx, f, hctx)
	return fi, nil
}

// create fires OnCreateFile and records the new open file.
func (v *Volume) create(ctx context.Context, name string, req CreateRequest, open bool) (*openFile, FileInfo, any, error) {
	if err := v.checkName(name); err != nil {
		return nil, FileInfo{}, nil, err
	}
	if v.opts.ReadOnly {
		return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "create", name, AccessWrite); err != nil {
		return nil, FileInfo{}, nil, err
	}
	caller, _ := CallerFromContext(ctx)
	e := CreateFileEvent{Name: name, Mode: req.Mode, Attributes: req.Attributes, Rdev: req.Rdev,
		Uid: caller.Uid, Gid: caller.Gid, Access: req.Access, Flags: req.Flags}
	if req.Mode.IsDir() {
		e.Attributes |= attr.Directory
	}
	// A setgid directory hands its group, and for directories its setgid bit, down
	// (the backend's storage does that itself with HostChecker).
	if !v.hostChecks {
		dir, _ := Split(name)
		pfi, err := v.getInfo(ctx, dir, nil)
		if err != nil {
			return nil, FileInfo{}, nil, err
		}
		if !pfi.IsDir() {
			return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrNotDir)
		}
		if pfi.Mode&attr.S_ISGID != 0 {
			e.Gid = pfi.Gid
			if req.Mode.IsDir() {
				e.Mode |= attr.S_ISGID
			}
		}
	}
	e.Uid, e.Gid = v.backendIDs(e.Uid, e.Gid)
	f, err := v.acquire(name, req.Mode.IsDir())
	if err != nil {
		return nil, FileInfo{}, nil, err
	}
	f.openMu.Lock()
	if f.opened {
		// The name is open, so it exists.
		f.openMu.Unlock()
		v.release(f)
		return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrExist)
	}
	err = v.callCreate(ctx, f, &e)
	v.invalidate(name, false)
	if err == nil {
		f.ctx, f.opened = e.FileContext, true
		v.nameAdded(name)
		v.changed(ctx, ChangeAdded, name, "")
	} else {
		v.nameForgotten(name) // EEXIST: a name the index did not know
	}
	f.openMu.Unlock()
	if err != nil {
		v.release(f)
		return nil, FileInfo{}, nil, err
	}
	fi := e.Info
	if !e.InfoValid {
		fi, err = v.getInfo(ctx, name, e.FileContext)
		if err != nil {
			v.closeFileEvent(ctx, f, e.HandleContext)
			return nil, FileInfo{}, nil, err
		}
	} else {
		v.normalize(&fi)
	}
	_, fi.Name = Split(name)
	return f, fi, e.HandleContext, nil
}

func (v *Volume) callCreate(ctx context.Context, f *openFile, e *CreateFileEvent) (err error) {
	if v.creator == nil {
		return fmt.Errorf("create %s: %w", e.Name, ErrReadOnly)
	}
	c := v.begin(evCreateFile, e.Name, f)
	defer v.end(ctx, &c, &err)
	return v.creator.OnCreateFile(ctx, e)
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
	if err := v.callClose(ctx, f, &e); err != nil {
		v.log.Warn("anyfs: OnCloseFile failed", "name", e.Name, "err", err)
	}
	if last {
		f.ctx, f.opened = nil, false
	}
}

func (v *Volume) callClose(ctx context.Context, f *openFile, e *CloseFileEvent) (err error) {
	c := v.begin(evCloseFile, e.Name, f)
	defer v.end(ctx, &c, &err)
	return v.b.OnCloseFile(ctx, e)
}

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
	c := h.v.begin(evReadFile, e.Name, h.f)
	defer h.v.end(ctx, &c, &err)
	err = h.v.b.OnReadFile(ctx, e)
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
	c := h.v.begin(evWriteFile, e.Name, h.f)
	defer h.v.end(ctx, &c, &err)
	err = h.v.writer.OnWriteFile(ctx, e)
	n = min(max(e.BytesWritten, 0), len(e.Buffer))
	h.v.stats[evWriteFile].bytes.Add(uint64(n))
	return n, err
}

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
	c := h.v.begin(evCleanupFile, e.Name, h.f)
	defer h.v.end(ctx, &c, &err)
	return h.v.cleaner.OnCleanupFile(ctx, &e)
}

// Sync makes the file's data durable (fsync; fdatasync with dataOnly).
func (h *Handle) Sync(ctx context.Context, dataOnly bool) (err error) {
	if h.v.flusher == nil {
		return nil
	}
	e := FlushFileEvent{Name: h.f.path(), FileContext: h.f.ctx, DataOnly: dataOnly}
	c := h.v.begin(evFlushFile, e.Name, h.f)
	defer h.v.end(ctx, &c, &err)
	return h.v.flusher.OnFlushFile(ctx, &e)
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
