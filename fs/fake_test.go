package fs

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/anyfs/anyfs/pkg/attr"
)

// fake is a scripted in-memory backend for the volume's unit tests: a map of paths,
// a record of events, and hooks that fail or panic chosen events.
type fake struct {
	mu     sync.Mutex
	nodes  map[string]*fnode
	nextID uint64
	page   int // entries per OnEnumerateDirectory call; 0 means e.Max

	opens, closes     map[any]int // per FileContext
	enums, enumCloses int
	cleanups, deletes int
	pendingDeletion   int
	errorsSeen        []error
	hook              func(op, name string) error // called first by every event
	lastRename        RenameOrMoveFileEvent
}

type fnode struct {
	info FileInfo
	data []byte
	link string
}

type enumState struct{ pos int }

func newFake() *fake {
	f := &fake{nodes: map[string]*fnode{}, opens: map[any]int{}, closes: map[any]int{}}
	f.nodes["/"] = &fnode{info: FileInfo{Mode: attr.S_IFDIR | 0o755, FileID: 1}}
	f.nextID = 2
	return f
}

func (f *fake) check(op, name string) error {
	if f.hook != nil {
		return f.hook(op, name)
	}
	return nil
}

func (f *fake) children(dir string) []string {
	var out []string
	prefix := dir + "/"
	if dir == "/" {
		prefix = "/"
	}
	for p := range f.nodes {
		if p != "/" && strings.HasPrefix(p, prefix) && !strings.Contains(p[len(prefix):], "/") {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (f *fake) OnGetFileInfo(ctx context.Context, e *GetFileInfoEvent) error {
	if err := f.check("GetFileInfo", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := e.FileContext.(*fnode); ok {
		e.Info = n.info
		e.Info.Size = int64(len(n.data))
		return nil
	}
	n := f.nodes[e.Name]
	if n == nil {
		return ErrNotExist
	}
	e.Info = n.info
	e.Info.Size = int64(len(n.data))
	return nil
}

func (f *fake) OnEnumerateDirectory(ctx context.Context, e *EnumerateDirectoryEvent) error {
	if err := f.check("EnumerateDirectory", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st, _ := e.EnumerationContext.(*enumState)
	if st == nil {
		st = &enumState{}
		e.EnumerationContext = st
		f.enums++
	}
	if e.Restart {
		st.pos = 0
	}
	kids := f.children(e.Name)
	n := e.Max
	if f.page > 0 {
		n = f.page
	}
	for ; st.pos < len(kids) && n > 0; st.pos, n = st.pos+1, n-1 {
		c := f.nodes[kids[st.pos]]
		fi := c.info
		_, fi.Name = Split(kids[st.pos])
		fi.Size = int64(len(c.data))
		e.Entries = append(e.Entries, fi)
	}
	e.Done = st.pos >= len(kids)
	return nil
}

func (f *fake) OnCloseDirectoryEnumeration(ctx context.Context, e *CloseDirectoryEnumerationEvent) error {
	f.mu.Lock()
	f.enumCloses++
	f.mu.Unlock()
	return nil
}

func (f *fake) OnOpenFile(ctx context.Context, e *OpenFileEvent) error {
	if err := f.check("OpenFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.nodes[e.Name]
	if n == nil {
		return ErrNotExist
	}
	if e.FileContext == nil {
		e.FileContext = n
	}
	f.opens[e.FileContext]++
	return nil
}

func (f *fake) OnCloseFile(ctx context.Context, e *CloseFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes[e.FileContext]++
	if e.PendingDeletion {
		f.pendingDeletion++
	}
	return f.check("CloseFile", e.Name)
}

func (f *fake) OnReadFile(ctx context.Context, e *ReadFileEvent) error {
	if err := f.check("ReadFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := e.FileContext.(*fnode)
	if e.Position < int64(len(n.data)) {
		e.BytesRead = copy(e.Buffer, n.data[e.Position:])
	}
	return nil
}

func (f *fake) OnCreateFile(ctx context.Context, e *CreateFileEvent) error {
	if err := f.check("CreateFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nodes[e.Name] != nil {
		return ErrExist
	}
	n := &fnode{info: FileInfo{Mode: e.Mode, Uid: e.Uid, Gid: e.Gid, FileID: f.nextID, Attributes: e.Attributes}}
	f.nextID++
	f.nodes[e.Name] = n
	e.FileContext = n
	f.opens[n]++
	return nil
}

func (f *fake) OnWriteFile(ctx context.Context, e *WriteFileEvent) error {
	if err := f.check("WriteFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := e.FileContext.(*fnode)
	end := int(e.Position) + len(e.Buffer)
	if end > len(n.data) {
		n.data = append(n.data, make([]byte, end-len(n.data))...)
	}
	e.BytesWritten = copy(n.data[e.Position:], e.Buffer)
	return nil
}

func (f *fake) OnSetFileSize(ctx context.Context, e *SetFileSizeEvent) error {
	if err := f.check("SetFileSize", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, _ := e.FileContext.(*fnode)
	if n == nil {
		n = f.nodes[e.Name]
	}
	if int(e.Size) <= len(n.data) {
		n.data = n.data[:e.Size]
	} else {
		n.data = append(n.data, make([]byte, int(e.Size)-len(n.data))...)
	}
	return nil
}

func (f *fake) OnCleanupFile(ctx context.Context, e *CleanupFileEvent) error {
	f.mu.Lock()
	f.cleanups++
	f.mu.Unlock()
	return nil
}

func (f *fake) OnSetFileAttributes(ctx context.Context, e *SetFileAttributesEvent) error {
	if err := f.check("SetFileAttributes", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.nodes[e.Name]
	if n == nil {
		return ErrNotExist
	}
	if e.SetMode {
		n.info.Mode = n.info.Mode.Type() | e.Mode
	}
	if e.SetUid {
		n.info.Uid = e.Uid
	}
	if e.SetGid {
		n.info.Gid = e.Gid
	}
	if !e.LastWriteTime.IsZero() {
		n.info.LastWriteTime = e.LastWriteTime
	}
	return nil
}

func (f *fake) OnDeleteFile(ctx context.Context, e *DeleteFileEvent) error {
	if err := f.check("DeleteFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.nodes, e.Name)
	f.deletes++
	return nil
}

func (f *fake) OnRenameOrMoveFile(ctx context.Context, e *RenameOrMoveFileEvent) error {
	if err := f.check("RenameOrMoveFile", e.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastRename = *e
	moved := map[string]*fnode{}
	for p, n := range f.nodes {
		if p == e.Name || strings.HasPrefix(p, e.Name+"/") {
			moved[e.NewName+p[len(e.Name):]] = n
			delete(f.nodes, p)
		}
	}
	for p, n := range moved {
		f.nodes[p] = n
	}
	return nil
}

func (f *fake) OnCreateSymlink(ctx context.Context, e *CreateSymlinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nodes[e.Name] != nil {
		return ErrExist
	}
	f.nodes[e.Name] = &fnode{info: FileInfo{Mode: attr.S_IFLNK | 0o777, FileID: f.nextID}, link: e.Target}
	f.nextID++
	return nil
}

func (f *fake) OnReadSymlink(ctx context.Context, e *ReadSymlinkEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.nodes[e.Name]
	if n == nil {
		return ErrNotExist
	}
	e.Target = n.link
	return nil
}

func (f *fake) OnError(ctx context.Context, e *ErrorEvent) {
	f.mu.Lock()
	f.errorsSeen = append(f.errorsSeen, e.Err)
	f.mu.Unlock()
}

var (
	_ Interface                = (*fake)(nil)
	_ CreateFileHandler        = (*fake)(nil)
	_ WriteFileHandler         = (*fake)(nil)
	_ CleanupFileHandler       = (*fake)(nil)
	_ SetFileAttributesHandler = (*fake)(nil)
	_ DeleteFileHandler        = (*fake)(nil)
	_ RenameOrMoveFileHandler  = (*fake)(nil)
	_ SymlinkHandler           = (*fake)(nil)
	_ ErrorHandler             = (*fake)(nil)
)

// readOnlyFake hides every optional event of a fake.
type readOnlyFake struct{ Interface }
