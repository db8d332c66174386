package fstest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// mapFS is the kit's own test backend: a map from volume path to node, with every
// optional event. Nodes are shared by hard links and outlive their names while open.
type mapFS struct {
	mu     sync.Mutex
	nodes  map[string]*node
	nextID uint64
}

type node struct {
	id      uint64
	mode    attr.Mode
	attrs   attr.FileAttributes
	data    []byte
	target  string
	nlink   uint32
	uid     uint32
	gid     uint32
	atime   time.Time
	mtime   time.Time
	ctime   time.Time
	btime   time.Time
	streams map[string][]byte
}

var (
	_ fs.Interface                = (*mapFS)(nil)
	_ fs.CreateFileHandler        = (*mapFS)(nil)
	_ fs.WriteFileHandler         = (*mapFS)(nil)
	_ fs.CleanupFileHandler       = (*mapFS)(nil)
	_ fs.FlushFileHandler         = (*mapFS)(nil)
	_ fs.SetFileAttributesHandler = (*mapFS)(nil)
	_ fs.CanFileBeDeletedHandler  = (*mapFS)(nil)
	_ fs.IsDirectoryEmptyHandler  = (*mapFS)(nil)
	_ fs.DeleteFileHandler        = (*mapFS)(nil)
	_ fs.RenameOrMoveFileHandler  = (*mapFS)(nil)
	_ fs.CreateHardLinkHandler    = (*mapFS)(nil)
	_ fs.SymlinkHandler           = (*mapFS)(nil)
	_ fs.NamedStreamHandler       = (*mapFS)(nil)
	_ fs.LockHandler              = (*mapFS)(nil)
	_ fs.GetVolumeSizeHandler     = (*mapFS)(nil)
	_ fs.MountHandler             = (*mapFS)(nil)
)

func newMapFS() *mapFS {
	m := &mapFS{nodes: map[string]*node{}}
	m.nodes["/"] = m.newNode(attr.S_IFDIR|0o755, 0, 0)
	return m
}

// newMapFSWith makes a mapFS holding files (path to content).
func newMapFSWith(files map[string]string, dirs ...string) *mapFS {
	m := newMapFS()
	mkdirs := func(p string) {
		var parts []string
		for d := p; d != "/"; d, _ = fs.Split(d) {
			parts = append(parts, d)
		}
		for i := len(parts) - 1; i >= 0; i-- {
			if m.nodes[parts[i]] == nil {
				m.nodes[parts[i]] = m.newNode(attr.S_IFDIR|0o755, 0, 0)
			}
		}
	}
	for _, d := range dirs {
		mkdirs(d)
	}
	for name, content := range files {
		dir, _ := fs.Split(name)
		mkdirs(dir)
		n := m.newNode(attr.S_IFREG|0o644, 0, 0)
		n.data = []byte(content)
		m.nodes[name] = n
	}
	return m
}

func (m *mapFS) newNode(mode attr.Mode, uid, gid uint32) *node {
	m.nextID++
	now := time.Now()
	return &node{id: m.nextID, mode: mode, nlink: 1, uid: uid, gid: gid, atime: now, mtime: now, ctime: now, btime: now}
}

func (n *node) info(name string) fs.FileInfo {
	_, base := fs.Split(name)
	fi := fs.FileInfo{Name: base, Mode: n.mode, Attributes: n.attrs, Size: int64(len(n.data)), FileID: n.id,
		LinkCount: n.nlink, Uid: n.uid, Gid: n.gid,
		CreationTime: n.btime, LastAccessTime: n.atime, LastWriteTime: n.mtime, ChangeTime: n.ctime}
	if n.mode.IsSymlink() {
		fi.Size = int64(len(n.target))
	}
	if n.mode.IsDir() {
		fi.LinkCount = 2
	}
	return fi
}

// lookup returns the node of name, or of the FileContext when set.
func (m *mapFS) lookup(name string, fctx any) (*node, error) {
	if n, ok := fctx.(*node); ok && n != nil {
		return n, nil
	}
	if n := m.nodes[name]; n != nil {
		return n, nil
	}
	return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

// parent checks that name's directory exists.
func (m *mapFS) parent(name string) error {
	dir, _ := fs.Split(name)
	p := m.nodes[dir]
	if p == nil {
		return fmt.Errorf("%s: %w", dir, fs.ErrNotExist)
	}
	if !p.mode.IsDir() {
		return fmt.Errorf("%s: %w", dir, fs.ErrNotDir)
	}
	return nil
}

// children returns the sorted base names in dir.
func (m *mapFS) children(dir string) []string {
	var out []string
	for p := range m.nodes {
		if p == "/" {
			continue
		}
		if d, base := fs.Split(p); d == dir {
			out = append(out, base)
		}
	}
	sort.Strings(out)
	return out
}

func (m *mapFS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	e.Info = n.info(e.Name)
	return nil
}

// enumState is a listing: the names when it started, and how many were handed out.
type enumState struct {
	names []string
	next  int
}

func (m *mapFS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, nil)
	if err != nil {
		return err
	}
	if !n.mode.IsDir() {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrNotDir)
	}
	st, _ := e.EnumerationContext.(*enumState)
	if st == nil || e.Restart {
		st = &enumState{names: m.children(e.Name)}
		e.EnumerationContext = st
	}
	for st.next < len(st.names) && len(e.Entries) < e.Max {
		name := fs.Join(e.Name, st.names[st.next])
		st.next++
		if c := m.nodes[name]; c != nil {
			e.Entries = append(e.Entries, c.info(name))
		}
	}
	e.Done = st.next >= len(st.names)
	return nil
}

func (m *mapFS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

func (m *mapFS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	e.FileContext = n
	return nil
}

func (m *mapFS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Position < int64(len(n.data)) {
		e.BytesRead = copy(e.Buffer, n.data[e.Position:])
	}
	return nil
}

func (m *mapFS) OnCloseFile(context.Context, *fs.CloseFileEvent) error { return nil }

func (m *mapFS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.parent(e.Name); err != nil {
		return err
	}
	if m.nodes[e.Name] != nil {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrExist)
	}
	n := m.newNode(e.Mode, e.Uid, e.Gid)
	n.attrs = e.Attributes &^ (attr.Directory | attr.Normal)
	m.nodes[e.Name] = n
	e.FileContext = n
	return nil
}

func (m *mapFS) OnWriteFile(_ context.Context, e *fs.WriteFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	pos := e.Position
	if e.Append {
		pos = int64(len(n.data))
	}
	if end := pos + int64(len(e.Buffer)); end > int64(len(n.data)) {
		n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
	}
	e.BytesWritten = copy(n.data[pos:], e.Buffer)
	n.mtime = time.Now()
	n.ctime = n.mtime
	return nil
}

func (m *mapFS) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Size <= int64(len(n.data)) {
		n.data = n.data[:e.Size:e.Size]
	} else {
		n.data = append(n.data, make([]byte, e.Size-int64(len(n.data)))...)
	}
	n.mtime = time.Now()
	n.ctime = n.mtime
	return nil
}

func (m *mapFS) OnCleanupFile(context.Context, *fs.CleanupFileEvent) error { return nil }
func (m *mapFS) OnFlushFile(context.Context, *fs.FlushFileEvent) error     { return nil }

func (m *mapFS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	switch {
	case e.Attributes == attr.Normal:
		n.attrs = 0
	case e.Attributes != 0:
		n.attrs = e.Attributes &^ (attr.Directory | attr.Normal | attr.ReparsePoint)
	}
	for _, c := range []struct {
		t   time.Time
		dst *time.Time
	}{{e.CreationTime, &n.btime}, {e.LastAccessTime, &n.atime}, {e.LastWriteTime, &n.mtime}, {e.ChangeTime, &n.ctime}} {
		if !c.t.IsZero() {
			*c.dst = c.t
		}
	}
	if e.SetMode {
		n.mode = n.mode.Type() | e.Mode.Perm()
	}
	if e.SetUid {
		n.uid = e.Uid
	}
	if e.SetGid {
		n.gid = e.Gid
	}
	return nil
}

func (m *mapFS) OnCanFileBeDeleted(context.Context, *fs.CanFileBeDeletedEvent) error { return nil }

func (m *mapFS) OnIsDirectoryEmpty(_ context.Context, e *fs.IsDirectoryEmptyEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.IsEmpty = len(m.children(e.Name)) == 0
	return nil
}

func (m *mapFS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nodes[e.Name]
	if n == nil {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrNotExist)
	}
	n.nlink--
	delete(m.nodes, e.Name)
	return nil
}

func (m *mapFS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nodes[e.Name] == nil {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrNotExist)
	}
	if err := m.parent(e.NewName); err != nil {
		return err
	}
	if e.Exchange {
		moved := map[string]*node{}
		for p, n := range m.nodes {
			switch {
			case p == e.Name || strings.HasPrefix(p, e.Name+"/"):
				moved[e.NewName+p[len(e.Name):]] = n
				delete(m.nodes, p)
			case p == e.NewName || strings.HasPrefix(p, e.NewName+"/"):
				moved[e.Name+p[len(e.NewName):]] = n
				delete(m.nodes, p)
			}
		}
		for p, n := range moved {
			m.nodes[p] = n
		}
		return nil
	}
	if old := m.nodes[e.NewName]; old != nil {
		if !e.ReplaceIfExists {
			return fmt.Errorf("%s: %w", e.NewName, fs.ErrExist)
		}
		old.nlink--
		delete(m.nodes, e.NewName)
	}
	moved := map[string]*node{}
	for p, n := range m.nodes {
		if p == e.Name || strings.HasPrefix(p, e.Name+"/") {
			moved[e.NewName+p[len(e.Name):]] = n
			delete(m.nodes, p)
		}
	}
	for p, n := range moved {
		m.nodes[p] = n
	}
	return nil
}

func (m *mapFS) OnCreateHardLink(_ context.Context, e *fs.CreateHardLinkEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, nil)
	if err != nil {
		return err
	}
	if err := m.parent(e.LinkName); err != nil {
		return err
	}
	if m.nodes[e.LinkName] != nil {
		return fmt.Errorf("%s: %w", e.LinkName, fs.ErrExist)
	}
	n.nlink++
	m.nodes[e.LinkName] = n
	return nil
}

func (m *mapFS) OnCreateSymlink(_ context.Context, e *fs.CreateSymlinkEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.parent(e.Name); err != nil {
		return err
	}
	if m.nodes[e.Name] != nil {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrExist)
	}
	n := m.newNode(attr.S_IFLNK|0o777, e.Uid, e.Gid)
	n.target = e.Target
	m.nodes[e.Name] = n
	return nil
}

func (m *mapFS) OnReadSymlink(_ context.Context, e *fs.ReadSymlinkEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, nil)
	if err != nil {
		return err
	}
	if !n.mode.IsSymlink() {
		return fmt.Errorf("%s: %w", e.Name, fs.ErrInvalid)
	}
	e.Target = n.target
	return nil
}

func (m *mapFS) OnListNamedStreams(_ context.Context, e *fs.ListNamedStreamsEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	for s := range n.streams {
		e.Streams = append(e.Streams, s)
	}
	return nil
}

func (m *mapFS) OnGetNamedStream(_ context.Context, e *fs.GetNamedStreamEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	d, ok := n.streams[e.Stream]
	if !ok {
		return fmt.Errorf("%s:%s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
	}
	e.Data = append([]byte(nil), d...)
	return nil
}

func (m *mapFS) OnSetNamedStream(_ context.Context, e *fs.SetNamedStreamEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	_, ok := n.streams[e.Stream]
	switch {
	case ok && e.Create:
		return fmt.Errorf("%s:%s: %w", e.Name, e.Stream, fs.ErrExist)
	case !ok && e.Replace:
		return fmt.Errorf("%s:%s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
	}
	if n.streams == nil {
		n.streams = map[string][]byte{}
	}
	n.streams[e.Stream] = append([]byte(nil), e.Data...)
	return nil
}

func (m *mapFS) OnDeleteNamedStream(_ context.Context, e *fs.DeleteNamedStreamEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if _, ok := n.streams[e.Stream]; !ok {
		return fmt.Errorf("%s:%s: %w", e.Name, e.Stream, fs.ErrNoAttribute)
	}
	delete(n.streams, e.Stream)
	return nil
}

func (m *mapFS) OnLockFile(context.Context, *fs.LockFileEvent) error     { return nil }
func (m *mapFS) OnUnlockFile(context.Context, *fs.UnlockFileEvent) error { return nil }

func (m *mapFS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	e.Size = fs.VolumeSize{TotalBytes: 1 << 30, FreeBytes: 1 << 29}
	return nil
}

func (m *mapFS) OnMount(context.Context, *fs.MountEvent) error     { return nil }
func (m *mapFS) OnUnmount(context.Context, *fs.UnmountEvent) error { return nil }

// roFS serves a mapFS with the required events only: a read-only backend.
type roFS struct{ m *mapFS }

func (r roFS) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	return r.m.OnGetFileInfo(ctx, e)
}
func (r roFS) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	return r.m.OnEnumerateDirectory(ctx, e)
}
func (r roFS) OnCloseDirectoryEnumeration(ctx context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	return r.m.OnCloseDirectoryEnumeration(ctx, e)
}
func (r roFS) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	return r.m.OnOpenFile(ctx, e)
}
func (r roFS) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	return r.m.OnReadFile(ctx, e)
}
func (r roFS) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	return r.m.OnCloseFile(ctx, e)
}
