package fstest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// Recorder wraps a backend and records the life of every FileContext and
// EnumerationContext the volume holds for it. It hands the volume tokens of its own in
// place of the backend's contexts and hands the backend its own values back, so it
// works whatever the backend uses as contexts (nil, a shared pointer, an integer).
//
// It reports, through [Recorder.Err] and [Recorder.Check]: an OnCloseFile fired more
// often than the file was opened, an OnCloseDirectoryEnumeration fired twice, an event
// that carries a context after its close, a context the backend never set, OnUnmount
// before every close, and (Check) contexts never closed.
//
// Recorder implements every optional interface of package fs, so that it can stand
// between any backend and the volume. For an event the wrapped backend lacks it
// answers what the volume answers without that event (ErrReadOnly, ErrNotSupported,
// nothing, ...) and hides symbolic links as the volume does; what cannot be imitated
// by a wrapper is the order in which the volume checks things (a missing file may
// fail with ErrNotExist where the volume alone says ErrNotSupported) and
// [fs.Volume.Capabilities]. Make the volume with [Recorder.NewVolume], which keeps a
// backend without fs.CreateFileHandler or fs.WriteFileHandler read-only, as fs.NewVolume would.
//
// Use one Recorder per volume: its books count every event it sees together, and
// OnUnmount checks that every context it saw was closed. It does not implement
// fs.PassthroughFder, so a volume over it serves every read and write with events.
//
// All methods are safe for concurrent use.
type Recorder struct {
	b fs.Interface

	handlers

	mu       sync.Mutex // protects the following
	label    string
	files    []*fileToken
	listings []*listToken
	counts   map[string]int
	problems []error
}

// fileToken stands for one FileContext: from the OnOpenFile or OnCreateFile that set
// it to the OnCloseFile that balances its opens.
type fileToken struct {
	r             *Recorder
	name          string
	inner         any
	opens, closes int
	pending       bool
	stillOpen     bool
}

// listToken stands for one EnumerationContext.
type listToken struct {
	r             *Recorder
	name          string
	inner         any
	calls, closes int
}

// NewRecorder wraps b.
func NewRecorder(b fs.Interface) *Recorder {
	r := &Recorder{b: b, label: "anyfs", counts: map[string]int{}}
	r.detect(b)
	return r
}

// Unwrap returns the wrapped backend.
func (r *Recorder) Unwrap() fs.Interface { return r.b }

// writable reports whether the wrapped backend has the write events.
func (r *Recorder) writable() bool { return r.createFileHandler != nil && r.writeFileHandler != nil }

// NewVolume makes a volume serving r with opts (nil means defaults). The volume is
// read-only when the wrapped backend lacks fs.CreateFileHandler or fs.WriteFileHandler.
func (r *Recorder) NewVolume(opts *fs.Options) *fs.Volume {
	o := fs.Options{}
	if opts != nil {
		o = *opts
	}
	if !r.writable() {
		o.ReadOnly = true
	}
	r.mu.Lock()
	r.label = o.VolumeLabel
	if r.label == "" {
		r.label = "anyfs"
	}
	r.mu.Unlock()
	return fs.NewVolume(r, &o)
}

// FileRecord is the life of one FileContext as a [Recorder] saw it.
type FileRecord struct {
	// Name is the name the file was opened or created with.
	Name string
	// FileContext is the backend's value.
	FileContext any
	// Opens counts the OnOpenFile and OnCreateFile calls that set or shared the
	// context (one, unless the volume fires every open); Closes the OnCloseFile calls.
	Opens, Closes int
	// PendingDeletion and StillOpen are the flags of the last OnCloseFile.
	PendingDeletion, StillOpen bool
}

// Open reports whether the context is still open (fewer closes than opens).
func (f FileRecord) Open() bool { return f.Closes < f.Opens }

// ListingRecord is the life of one directory listing as a [Recorder] saw it.
type ListingRecord struct {
	Name                 string
	EnumerationContext   any // the backend's value after its last call
	Enumerations, Closes int // OnEnumerateDirectory and OnCloseDirectoryEnumeration calls
}

// Files returns the record of every FileContext so far, oldest first.
func (r *Recorder) Files() []FileRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]FileRecord, len(r.files))
	for i, t := range r.files {
		out[i] = FileRecord{Name: t.name, FileContext: t.inner, Opens: t.opens, Closes: t.closes, PendingDeletion: t.pending, StillOpen: t.stillOpen}
	}
	return out
}

// FilesNamed returns the records of the FileContexts opened or created as name.
func (r *Recorder) FilesNamed(name string) []FileRecord {
	var out []FileRecord
	for _, f := range r.Files() {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

// Listings returns the record of every listing so far, oldest first.
func (r *Recorder) Listings() []ListingRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ListingRecord, len(r.listings))
	for i, t := range r.listings {
		out[i] = ListingRecord{Name: t.name, EnumerationContext: t.inner, Enumerations: t.calls, Closes: t.closes}
	}
	return out
}

// Count returns how many times the event (such as "OnCloseFile") was called.
func (r *Recorder) Count(event string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[event]
}

// Err returns every contract violation seen so far, joined, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.problems...)
}

// Check returns Err's violations plus one per context still open. Call it when
// everything should be closed: after fs.Volume.Unmounted.
func (r *Recorder) Check() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := append([]error(nil), r.problems...)
	errs = append(errs, r.openLocked()...)
	return errors.Join(errs...)
}

func (r *Recorder) openLocked() []error {
	var errs []error
	for _, t := range r.files {
		if t.closes < t.opens {
			errs = append(errs, fmt.Errorf("FileContext of %s (opened %d times) got %d OnCloseFile, want %d", t.name, t.opens, t.closes, t.opens))
		}
	}
	for _, t := range r.listings {
		if t.closes == 0 {
			errs = append(errs, fmt.Errorf("listing of %s (%d OnEnumerateDirectory calls) never got OnCloseDirectoryEnumeration", t.name, t.calls))
		}
	}
	return errs
}

func (r *Recorder) count(ev string) {
	r.mu.Lock()
	r.counts[ev]++
	r.mu.Unlock()
}

func (r *Recorder) problemLocked(format string, args ...any) {
	r.problems = append(r.problems, fmt.Errorf(format, args...))
}

// fileCtx returns the backend's FileContext for the token c the volume handed in.
func (r *Recorder) fileCtx(ev, name string, c any) any {
	if c == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := c.(*fileToken)
	if !ok || t.r != r {
		r.problemLocked("%s %s: FileContext %#v was never set by OnOpenFile or OnCreateFile", ev, name, c)
		return c
	}
	if t.closes >= t.opens {
		r.problemLocked("%s %s: FileContext of %s used after its OnCloseFile", ev, name, t.name)
	}
	return t.inner
}

func (r *Recorder) newFile(name string, inner any) *fileToken {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &fileToken{r: r, name: name, inner: inner, opens: 1}
	r.files = append(r.files, t)
	return t
}

// OnGetFileInfo forwards the event.
func (r *Recorder) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	r.count("OnGetFileInfo")
	tok := e.FileContext
	e.FileContext = r.fileCtx("OnGetFileInfo", e.Name, tok)
	err := r.b.OnGetFileInfo(ctx, e)
	e.FileContext = tok
	if r.symlinkHandler == nil {
		hideSymlink(&e.Info)
	}
	return err
}

// hideSymlink turns a symbolic link into a regular file, as the volume shows links of
// a backend without fs.SymlinkHandler.
func hideSymlink(fi *fs.FileInfo) {
	m := fi.Mode
	if m.Type() == 0 && fi.Attributes&attr.ReparsePoint != 0 && fi.Attributes&attr.Directory == 0 {
		if m.Perm() == 0 {
			m |= 0o777
		}
		m |= attr.S_IFLNK
	}
	if m.IsSymlink() {
		fi.Mode = m&^attr.S_IFMT | attr.S_IFREG
		fi.Attributes |= attr.ReparsePoint
	}
}

// OnEnumerateDirectory forwards the event.
func (r *Recorder) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	r.count("OnEnumerateDirectory")
	var lt *listToken
	if e.EnumerationContext != nil {
		r.mu.Lock()
		t, ok := e.EnumerationContext.(*listToken)
		switch {
		case !ok || t.r != r:
			r.problemLocked("OnEnumerateDirectory %s: EnumerationContext %#v was never set by OnEnumerateDirectory", e.Name, e.EnumerationContext)
		case t.closes > 0:
			r.problemLocked("OnEnumerateDirectory %s: EnumerationContext used after its OnCloseDirectoryEnumeration", e.Name)
			lt = t
		default:
			lt = t
		}
		r.mu.Unlock()
		if lt != nil {
			e.EnumerationContext = lt.inner
		}
	}
	dctx := e.DirectoryContext
	e.DirectoryContext = r.fileCtx("OnEnumerateDirectory", e.Name, dctx)
	err := r.b.OnEnumerateDirectory(ctx, e)
	e.DirectoryContext = dctx
	r.mu.Lock()
	if lt == nil {
		lt = &listToken{r: r, name: e.Name}
		r.listings = append(r.listings, lt)
	}
	lt.inner = e.EnumerationContext
	lt.calls++
	r.mu.Unlock()
	e.EnumerationContext = lt
	if r.symlinkHandler == nil {
		for i := range e.Entries {
			hideSymlink(&e.Entries[i])
		}
	}
	return err
}

// OnCloseDirectoryEnumeration forwards the event.
func (r *Recorder) OnCloseDirectoryEnumeration(ctx context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	r.count("OnCloseDirectoryEnumeration")
	r.mu.Lock()
	lt, ok := e.EnumerationContext.(*listToken)
	if !ok || lt.r != r {
		r.problemLocked("OnCloseDirectoryEnumeration %s: EnumerationContext %#v was never set by OnEnumerateDirectory", e.Name, e.EnumerationContext)
		r.mu.Unlock()
		return r.b.OnCloseDirectoryEnumeration(ctx, e)
	}
	lt.closes++
	if lt.closes > 1 {
		r.problemLocked("OnCloseDirectoryEnumeration %s: fired %d times for one listing", e.Name, lt.closes)
	}
	r.mu.Unlock()
	dctx := e.DirectoryContext
	e.DirectoryContext = r.fileCtx("OnCloseDirectoryEnumeration", e.Name, dctx)
	e.EnumerationContext = lt.inner
	err := r.b.OnCloseDirectoryEnumeration(ctx, e)
	e.DirectoryContext, e.EnumerationContext = dctx, lt
	return err
}

// OnOpenFile forwards the event. A later open of a file (when the volume fires every
// open) shares the first open's context.
func (r *Recorder) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	r.count("OnOpenFile")
	if !r.writable() && (e.Access&fs.AccessWrite != 0 || e.Flags&fs.OpenTruncate != 0) {
		return fmt.Errorf("open %s for writing: %w", e.Name, fs.ErrReadOnly)
	}
	orig := e.FileContext
	var tok *fileToken
	if orig != nil {
		e.FileContext = r.fileCtx("OnOpenFile", e.Name, orig)
		tok, _ = orig.(*fileToken)
	}
	err := r.b.OnOpenFile(ctx, e)
	switch {
	case err != nil:
		e.FileContext = orig
	case tok == nil:
		e.FileContext = r.newFile(e.Name, e.FileContext)
	default:
		r.mu.Lock()
		tok.opens++
		r.mu.Unlock()
		e.FileContext = tok
	}
	if r.symlinkHandler == nil && e.InfoValid {
		hideSymlink(&e.Info)
	}
	return err
}

// OnCloseFile forwards the event.
func (r *Recorder) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	r.count("OnCloseFile")
	r.mu.Lock()
	tok, ok := e.FileContext.(*fileToken)
	if !ok || tok.r != r {
		r.problemLocked("OnCloseFile %s: FileContext %#v was never set by OnOpenFile or OnCreateFile", e.Name, e.FileContext)
		r.mu.Unlock()
		return r.b.OnCloseFile(ctx, e)
	}
	tok.closes++
	tok.pending = e.PendingDeletion
	tok.stillOpen = e.StillOpen
	if tok.closes > tok.opens {
		r.problemLocked("OnCloseFile %s: fired %d times for a FileContext opened %d times", e.Name, tok.closes, tok.opens)
	}
	r.mu.Unlock()
	e.FileContext = tok.inner
	err := r.b.OnCloseFile(ctx, e)
	e.FileContext = tok
	return err
}

// OnCreateFile forwards the event; without fs.CreateFileHandler it fails with ErrReadOnly.
func (r *Recorder) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	r.count("OnCreateFile")
	if r.createFileHandler == nil {
		return fmt.Errorf("create %s: %w", e.Name, fs.ErrReadOnly)
	}
	if e.FileContext != nil {
		r.mu.Lock()
		r.problemLocked("OnCreateFile %s: FileContext is %#v, want nil", e.Name, e.FileContext)
		r.mu.Unlock()
	}
	err := r.createFileHandler.OnCreateFile(ctx, e)
	if err == nil {
		e.FileContext = r.newFile(e.Name, e.FileContext)
	}
	if r.symlinkHandler == nil && e.InfoValid {
		hideSymlink(&e.Info)
	}
	return err
}

// notSupported is the answer for a change the backend has no event for.
func (r *Recorder) notSupported(op, name string) error {
	if !r.writable() {
		return fmt.Errorf("%s %s: %w", op, name, fs.ErrReadOnly)
	}
	return fmt.Errorf("%s %s: %w", op, name, fs.ErrNotSupported)
}

// OnCanFileBeDeleted forwards the event; without fs.DeleteFileHandler it refuses the deletion
// with ErrNotSupported.
func (r *Recorder) OnCanFileBeDeleted(ctx context.Context, e *fs.CanFileBeDeletedEvent) error {
	r.count("OnCanFileBeDeleted")
	e.FileContext = r.fileCtx("OnCanFileBeDeleted", e.Name, e.FileContext)
	if r.deleteFileHandler == nil {
		return r.notSupported("delete", e.Name)
	}
	if r.canFileBeDeletedHandler == nil {
		return nil
	}
	return r.canFileBeDeletedHandler.OnCanFileBeDeleted(ctx, e)
}

// OnIsDirectoryEmpty forwards the event; without fs.IsDirectoryEmptyHandler it lists the
// directory for one entry (outside any open handle, as the contract allows).
func (r *Recorder) OnIsDirectoryEmpty(ctx context.Context, e *fs.IsDirectoryEmptyEvent) error {
	r.count("OnIsDirectoryEmpty")
	if r.isDirectoryEmptyHandler != nil {
		return r.isDirectoryEmptyHandler.OnIsDirectoryEmpty(ctx, e)
	}
	ev := fs.EnumerateDirectoryEvent{Name: e.Name, Max: 1}
	var err error
	for range 1 << 16 {
		ev.Entries = ev.Entries[:0]
		if err = r.b.OnEnumerateDirectory(ctx, &ev); err != nil || len(ev.Entries) > 0 || ev.Done {
			break
		}
	}
	if ev.EnumerationContext != nil {
		r.b.OnCloseDirectoryEnumeration(ctx, &fs.CloseDirectoryEnumerationEvent{Name: e.Name, EnumerationContext: ev.EnumerationContext})
	}
	e.IsEmpty = len(ev.Entries) == 0
	return err
}

// XattrNamespaces reports the backend's namespaces, if it is an
// fs.XattrNamespacer.
func (r *Recorder) XattrNamespaces() []string {
	if r.xattrNamespacer == nil {
		return nil
	}
	return r.xattrNamespacer.XattrNamespaces()
}

// OnGetVolumeLabel forwards the event; without fs.GetVolumeLabelHandler it reports the label
// of the volume made by NewVolume.
func (r *Recorder) OnGetVolumeLabel(ctx context.Context, e *fs.GetVolumeLabelEvent) error {
	r.count("OnGetVolumeLabel")
	if r.getVolumeLabelHandler == nil {
		r.mu.Lock()
		e.Label = r.label
		r.mu.Unlock()
		return nil
	}
	return r.getVolumeLabelHandler.OnGetVolumeLabel(ctx, e)
}

// OnGetVolumeID forwards the event; without fs.GetVolumeIDHandler it derives the ID from the
// label as the volume does.
func (r *Recorder) OnGetVolumeID(ctx context.Context, e *fs.GetVolumeIDEvent) error {
	r.count("OnGetVolumeID")
	if r.getVolumeIDHandler == nil {
		r.mu.Lock()
		h := fnv.New32a()
		h.Write([]byte(r.label))
		r.mu.Unlock()
		e.ID = h.Sum32()
		return nil
	}
	return r.getVolumeIDHandler.OnGetVolumeID(ctx, e)
}

// OnUnmount checks that every context was closed before it and forwards the event,
// if the backend has it.
func (r *Recorder) OnUnmount(ctx context.Context, e *fs.UnmountEvent) error {
	r.count("OnUnmount")
	r.mu.Lock()
	for _, err := range r.openLocked() {
		r.problemLocked("OnUnmount before every close: %w", err)
	}
	r.mu.Unlock()
	if r.mountHandler == nil {
		return nil
	}
	return r.mountHandler.OnUnmount(ctx, e)
}

// ChecksOnHost reports what the backend reports, if it is an fs.HostChecker.
func (r *Recorder) ChecksOnHost() bool {
	b, ok := r.b.(fs.HostChecker)
	return ok && b.ChecksOnHost()
}

// absent is what the volume answers for ev, an event of an optional interface
// the wrapped backend lacks, at name.
func (r *Recorder) absent(ev, name string) error {
	switch ev {
	case "OnWriteFile":
		return fmt.Errorf("write %s: %w", name, fs.ErrReadOnly)
	case "OnSetFileSize":
		return fmt.Errorf("truncate %s: %w", name, fs.ErrReadOnly)
	case "OnSetAllocationSize", "OnAllocateRange":
		return fmt.Errorf("allocate %s: %w", name, fs.ErrNotSupported)
	case "OnSeekData":
		return fmt.Errorf("seek %s: %w", name, fs.ErrNotSupported)
	case "OnCopyFileRange":
		return fmt.Errorf("copy %s: %w", name, fs.ErrNotSupported)
	case "OnSetFileAttributes":
		return r.notSupported("setattr", name)
	case "OnDeleteFile":
		return r.notSupported("delete", name)
	case "OnRenameOrMoveFile":
		return r.notSupported("rename", name)
	case "OnCreateHardLink":
		if !r.writable() {
			return fmt.Errorf("link %s: %w", name, fs.ErrReadOnly)
		}
		return fmt.Errorf("link %s: %w", name, fs.ErrNotPermitted)
	case "OnCreateSymlink":
		return r.notSupported("symlink", name)
	case "OnReadSymlink":
		return fmt.Errorf("readlink %s: %w", name, fs.ErrInvalid)
	case "OnGetNamedStream":
		return fmt.Errorf("get stream %s: %w", name, fs.ErrNotSupported)
	case "OnSetNamedStream":
		return fmt.Errorf("set stream %s: %w", name, fs.ErrNotSupported)
	case "OnDeleteNamedStream":
		return fmt.Errorf("delete stream %s: %w", name, fs.ErrNotSupported)
	case "OnSetVolumeLabel":
		return fmt.Errorf("set volume label: %w", fs.ErrNotSupported)
	}
	// OnCleanupFile, OnFlushFile, OnListNamedStreams, the lock events,
	// OnGetVolumeSize and OnMount: nothing happens.
	return nil
}
