package fs

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"
)

// Capabilities says which optional events a backend implements, as detected when the
// volume was made. Adapters use it to decide what to offer the kernel.
type Capabilities struct {
	Writable      bool // WriteFileHandler and CreateFileHandler, and the volume is not ReadOnly
	Delete        bool // DeleteFileHandler
	Rename        bool // RenameOrMoveFileHandler
	SetAttributes bool // SetFileAttributesHandler
	HardLinks     bool // CreateHardLinkHandler
	Symlinks      bool // SymlinkHandler
	NamedStreams  bool // NamedStreamHandler
	Locks         bool // LockHandler: the backend takes locks in its storage
	Allocation    bool // SetAllocationSizeHandler
	// RangeAllocation: AllocateRangeHandler (punching holes, zeroing ranges).
	RangeAllocation bool
	SeekData        bool // SeekDataHandler
	CopyRange       bool // CopyFileRangeHandler
	LockTest        bool // TestLockHandler
	// XattrNamespaces are the extended-attribute namespaces beyond user. that the
	// backend stores (XattrNamespacer).
	XattrNamespaces []string
}

// Volume is the engine adapters serve: it owns the semantics every adapter shares
// (open-file table and contexts, enumeration paging, the POSIX rules of rename and
// delete, name limits, case folding, locks, error mapping, panic recovery, statistics
// and tracing) and calls the backend's events.
//
// All methods are safe for concurrent use. Names are volume paths ("/", "/a/b").
type Volume struct {
	b     Interface
	opts  Options
	caps  Capabilities
	owner *ownership // nil: the backend's owners and modes as they are
	log   *slog.Logger

	creator   CreateFileHandler
	writer    WriteFileHandler
	allocator SetAllocationSizeHandler
	ranger    AllocateRangeHandler
	seeker    SeekDataHandler
	copier    CopyFileRangeHandler
	tester    TestLockHandler
	xattrNS   XattrNamespacer
	xattrNSs  map[string]bool // the namespaces xattrNS stores
	cleaner   CleanupFileHandler
	flusher   FlushFileHandler
	setter    SetFileAttributesHandler
	checker   CanFileBeDeletedHandler
	empty     IsDirectoryEmptyHandler
	deleter   DeleteFileHandler
	// hostChecks: the backend's storage checks types, emptiness and setgid
	// inheritance itself (HostChecker).
	hostChecks bool
	// owned: every change goes through the volume (NamespaceOwner).
	owned     bool
	renamer   RenameOrMoveFileHandler
	linker    CreateHardLinkHandler
	symlinker SymlinkHandler
	streams   NamedStreamHandler
	locker    LockHandler
	sizer     GetVolumeSizeHandler
	labeler   GetVolumeLabelHandler
	relabeler SetVolumeLabelHandler
	ider      GetVolumeIDHandler
	notifiee  MountHandler
	errorer   ErrorHandler

	serial sync.Mutex // held around every event with SerializeAll
	stats  [evCount]eventCounter
	rules  accessRules
	cache  *infoCache // nil when off
	folds  foldIndex  // case-insensitive name index (fold.go)

	// mu protects the following. Lock order: openFile.openMu before mu.
	mu      sync.Mutex
	files   map[string]*openFile // open files by key (see key)
	handles map[*Handle]struct{}
	dirs    map[*Dir]struct{}
	closed  bool
	refs    int       // the sum of every openFile's refs, detached ones included
	idle    sync.Cond // signalled when refs drops to 0; L is &mu
	inv     Invalidator
}

// NewVolume makes a volume serving b. It detects the optional events b implements;
// a backend without WriteFileHandler and CreateFileHandler is served read-only.
func NewVolume(b Interface, opts *Options) *Volume {
	if opts == nil {
		opts = &Options{}
	}
	v := &Volume{b: b, opts: opts.withDefaults(),
		files: make(map[string]*openFile), handles: make(map[*Handle]struct{}), dirs: make(map[*Dir]struct{})}
	v.log = v.opts.Logger
	v.idle.L = &v.mu
	v.cache = newInfoCache(&v.opts)
	v.owner = newOwnership(v.opts.Ownership)
	v.folds.dirs = map[string]*foldDir{}
	for _, r := range v.opts.AccessRules {
		v.AddAccessRule(r)
	}
	v.creator, _ = implements[CreateFileHandler](b)
	v.writer, _ = implements[WriteFileHandler](b)
	v.allocator, _ = implements[SetAllocationSizeHandler](b)
	v.ranger, _ = implements[AllocateRangeHandler](b)
	v.seeker, _ = implements[SeekDataHandler](b)
	v.copier, _ = implements[CopyFileRangeHandler](b)
	v.tester, _ = implements[TestLockHandler](b)
	v.xattrNS, _ = implements[XattrNamespacer](b)
	v.cleaner, _ = implements[CleanupFileHandler](b)
	v.flusher, _ = implements[FlushFileHandler](b)
	v.setter, _ = implements[SetFileAttributesHandler](b)
	v.checker, _ = implements[CanFileBeDeletedHandler](b)
	v.empty, _ = implements[IsDirectoryEmptyHandler](b)
	v.deleter, _ = implements[DeleteFileHandler](b)
	v.renamer, _ = implements[RenameOrMoveFileHandler](b)
	v.linker, _ = implements[CreateHardLinkHandler](b)
	v.symlinker, _ = implements[SymlinkHandler](b)
	v.streams, _ = implements[NamedStreamHandler](b)
	v.locker, _ = implements[LockHandler](b)
	v.sizer, _ = implements[GetVolumeSizeHandler](b)
	v.labeler, _ = implements[GetVolumeLabelHandler](b)
	v.relabeler, _ = implements[SetVolumeLabelHandler](b)
	v.ider, _ = implements[GetVolumeIDHandler](b)
	v.notifiee, _ = implements[MountHandler](b)
	v.errorer, _ = implements[ErrorHandler](b)
	if o, ok := implements[NamespaceOwner](b); ok {
		v.owned = o.OwnsNamespace()
	}
	if hc, ok := implements[HostChecker](b); ok {
		v.hostChecks = hc.ChecksOnHost()
	}
	if v.creator == nil || v.writer == nil {
		v.opts.ReadOnly = true
	}
	w := !v.opts.ReadOnly
	var namespaces []string
	if v.xattrNS != nil {
		v.xattrNSs = make(map[string]bool)
		for _, ns := range v.xattrNS.XattrNamespaces() {
			if isXattrNamespace(ns) && !v.xattrNSs[ns] {
				v.xattrNSs[ns] = true
				namespaces = append(namespaces, ns)
			}
		}
	}
	v.caps = Capabilities{
		Writable:      w,
		Delete:        w && v.deleter != nil,
		Rename:        w && v.renamer != nil,
		SetAttributes: w && v.setter != nil,
		HardLinks:     w && v.linker != nil,
		Symlinks:      v.symlinker != nil,
		NamedStreams:  v.streams != nil,
		Locks:         v.locker != nil,
		Allocation:    w && (v.allocator != nil || v.ranger != nil),

		RangeAllocation: w && v.ranger != nil,
		SeekData:        v.seeker != nil,
		CopyRange:       w && v.copier != nil,
		LockTest:        v.locker != nil && v.tester != nil,
		XattrNamespaces: namespaces,
	}
	return v
}

// Unwrapper is implemented by a backend that wraps another (middleware: recording,
// tracing, fault injection) and implements every optional interface itself. The
// volume then uses an optional event only when the wrapped backend (and whatever it
// wraps in turn) implements it too, so the wrapper changes no capability.
type Unwrapper interface {
	Unwrap() Interface
}

// implements returns b as a T when b implements T and, through every Unwrapper
// layer, so does the backend it wraps.
func implements[T any](b Interface) (T, bool) {
	t, ok := b.(T)
	for inner := b; ok; {
		u, wraps := inner.(Unwrapper)
		if !wraps {
			break
		}
		inner = u.Unwrap()
		_, ok = inner.(T)
	}
	if !ok {
		var zero T
		return zero, false
	}
	return t, true
}

// Backend returns the backend the volume serves.
func (v *Volume) Backend() Interface { return v.b }

// Options returns the volume's options, with defaults applied.
func (v *Volume) Options() Options { return v.opts }

// Capabilities returns what the backend can do, as detected by NewVolume.
func (v *Volume) Capabilities() Capabilities {
	c := v.caps
	c.XattrNamespaces = append([]string(nil), c.XattrNamespaces...)
	return c
}

// Logger returns the volume's logger.
func (v *Volume) Logger() *slog.Logger { return v.log }

// key returns the open-file table key of a volume path.
func (v *Volume) key(name string) string {
	if v.opts.CaseInsensitive {
		return strings.ToLower(name)
	}
	return name
}

// checkName validates a name being looked up or created: a volume path other than
// the root, with no empty, "." or ".." component and no NUL byte, each component
// within MaxNameLength and the whole within MaxPathLength.
func (v *Volume) checkName(name string) error {
	if len(name) < 2 || name[0] != '/' {
		return fmt.Errorf("%q: %w: not a volume path below the root", name, ErrInvalid)
	}
	if v.opts.MaxPathLength > 0 && len(name) > v.opts.MaxPathLength {
		return fmt.Errorf("%.64s...: %w", name, ErrNameTooLong)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("%q: %w: NUL in a name", name, ErrInvalid)
	}
	for rest := name[1:]; ; {
		c, tail, more := strings.Cut(rest, "/")
		switch {
		case c == "" || c == "." || c == "..":
			return fmt.Errorf("%q: %w: empty, . or .. component", name, ErrInvalid)
		case len(c) > v.opts.MaxNameLength:
			return fmt.Errorf("%.64s...: %w", c, ErrNameTooLong)
		}
		if !more {
			return nil
		}
		rest = tail
	}
}

// Join returns the volume path of name inside dir.
func Join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// Split returns the parent directory and the base name of a volume path.
func Split(name string) (dir, base string) {
	i := strings.LastIndexByte(name, '/')
	if i <= 0 {
		return "/", name[i+1:]
	}
	return name[:i], name[i+1:]
}

// Clean turns a path from any source ("a\\b" is not a separator) into a volume path.
func Clean(name string) string { return path.Clean("/" + name) }

// unmountWait bounds how long Unmounted waits for opens still in the backend.
const unmountWait = 30 * time.Second

// Mounted fires the backend's OnMount; adapters call it once the mount is ready.
func (v *Volume) Mounted(ctx context.Context, mountPoint string) (err error) {
	if v.notifiee == nil {
		return nil
	}
	return fire(ctx, v, "/", nil, v.notifiee.OnMount, &MountEvent{MountPoint: mountPoint})
}

// Unmounted closes every handle and listing still open (firing OnCloseFile and
// OnCloseDirectoryEnumeration exactly once each) and then fires OnUnmount. Adapters
// call it after the kernel let go of the mount. Later calls do nothing.
func (v *Volume) Unmounted(ctx context.Context, mountPoint string) (err error) {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return nil
	}
	v.closed = true
	dirs := make([]*Dir, 0, len(v.dirs))
	for d := range v.dirs {
		dirs = append(dirs, d)
	}
	hs := make([]*Handle, 0, len(v.handles))
	for h := range v.handles {
		hs = append(hs, h)
	}
	v.mu.Unlock()
	for _, d := range dirs {
		d.Close(ctx)
	}
	for _, h := range hs {
		h.Release(ctx)
	}
	// Opens in flight hold references; newHandle and OpenDir close what they open
	// once the volume is closed. Wait for them (a bounded time: a backend may hang),
	// so that OnUnmount comes last.
	stop := time.AfterFunc(unmountWait, func() {
		v.mu.Lock()
		v.idle.Broadcast()
		v.mu.Unlock()
	})
	deadline := time.Now().Add(unmountWait)
	v.mu.Lock()
	for v.refs > 0 && time.Now().Before(deadline) {
		v.idle.Wait()
	}
	if v.refs > 0 {
		v.log.Warn("anyfs: unmounted with opens still in the backend", "count", v.refs)
	}
	v.mu.Unlock()
	stop.Stop()
	if v.notifiee == nil {
		return nil
	}
	return fire(ctx, v, "/", nil, v.notifiee.OnUnmount, &UnmountEvent{MountPoint: mountPoint})
}

// VolumeSize reports the volume's capacity (statfs).
func (v *Volume) VolumeSize(ctx context.Context) (s VolumeSize, err error) {
	if v.sizer != nil {
		e := GetVolumeSizeEvent{}
		err = fire(ctx, v, "/", nil, v.sizer.OnGetVolumeSize, &e)
		s = e.Size
	}
	if s.BlockSize == 0 {
		s.BlockSize = 4096
	}
	if s.AvailableBytes == 0 {
		s.AvailableBytes = s.FreeBytes
	}
	if s.TotalFiles == 0 {
		s.TotalFiles, s.FreeFiles = 1<<32, 1<<32
	}
	return s, err
}

// Label returns the volume label.
func (v *Volume) Label(ctx context.Context) (label string, err error) {
	if v.labeler == nil {
		return v.opts.VolumeLabel, nil
	}
	e := GetVolumeLabelEvent{}
	err = fire(ctx, v, "/", nil, v.labeler.OnGetVolumeLabel, &e)
	return e.Label, err
}

// SetLabel changes the volume label.
func (v *Volume) SetLabel(ctx context.Context, label string) (err error) {
	if v.relabeler == nil {
		return fmt.Errorf("set volume label: %w", ErrNotSupported)
	}
	return fire(ctx, v, "/", nil, v.relabeler.OnSetVolumeLabel, &SetVolumeLabelEvent{Label: label})
}

// ID returns the volume serial number: the backend's, or a hash of the label.
func (v *Volume) ID(ctx context.Context) (id uint32, err error) {
	if v.ider == nil {
		h := fnv.New32a()
		h.Write([]byte(v.opts.VolumeLabel))
		return h.Sum32(), nil
	}
	e := GetVolumeIDEvent{}
	err = fire(ctx, v, "/", nil, v.ider.OnGetVolumeID, &e)
	return e.ID, err
}
