// Package mapfs is step 2 of the anyfs tutorial (docs/writing-a-backend.md): a
// writable file system kept in a Go map from volume path to node. This file has the
// events of fs.Interface; write.go has the ones that change the file system.
package mapfs

import (
	"context"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// FS is a file system in a map. The volume calls its handlers concurrently, so one
// mutex guards everything.
type FS struct {
	mu     sync.Mutex       // protects the following
	nodes  map[string]*node // every file and directory by volume path, "/" included
	lastID uint64           // the last FileID handed out
}

// node is a file or directory. An open file's FileContext is its *node.
type node struct {
	id           uint64
	mode         attr.Mode // file type and permission bits
	uid, gid     uint32
	atime, mtime time.Time
	data         []byte
}

var _ fs.Interface = (*FS)(nil)

// New returns a file system holding files (volume path to contents), in
// directories made as needed.
func New(files map[string]string) *FS {
	f := &FS{nodes: map[string]*node{}}
	f.nodes["/"] = f.newNode(attr.S_IFDIR | 0o755)
	for name, data := range files {
		name = fs.Clean(name)
		for dir, _ := fs.Split(name); f.nodes[dir] == nil; dir, _ = fs.Split(dir) {
			f.nodes[dir] = f.newNode(attr.S_IFDIR | 0o755)
		}
		f.nodes[name] = f.newNode(attr.S_IFREG | 0o644)
		f.nodes[name].data = []byte(data)
	}
	return f
}

func (f *FS) newNode(mode attr.Mode) *node {
	f.lastID++
	now := time.Now()
	return &node{id: f.lastID, mode: mode, atime: now, mtime: now,
		uid: uint32(max(os.Getuid(), 0)), gid: uint32(max(os.Getgid(), 0))}
}

// lookup returns the node an event is about: the open file's FileContext when the
// event has one (so an open file keeps working after a rename or delete), else the
// node at name.
func (f *FS) lookup(name string, fileContext any) (*node, error) {
	if n, ok := fileContext.(*node); ok {
		return n, nil
	}
	if n := f.nodes[name]; n != nil {
		return n, nil
	}
	return nil, fs.ErrNotExist
}

func (n *node) info(name string) fs.FileInfo {
	_, base := fs.Split(name)
	return fs.FileInfo{Name: base, Mode: n.mode, Size: int64(len(n.data)), FileID: n.id,
		Uid: n.uid, Gid: n.gid, LastAccessTime: n.atime, LastWriteTime: n.mtime, ChangeTime: n.mtime}
}

// OnGetFileInfo reports a file's information (stat).
func (f *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	e.Info = n.info(e.Name)
	return nil
}

// OnEnumerateDirectory lists a directory. The first call keeps a sorted snapshot of
// the entries in the EnumerationContext; every call hands out up to e.Max of them.
func (f *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rest, ok := e.EnumerationContext.([]fs.FileInfo)
	if !ok || e.Restart {
		if d, err := f.lookup(e.Name, nil); err != nil {
			return err
		} else if !d.mode.IsDir() {
			return fs.ErrNotDir
		}
		rest = []fs.FileInfo{}
		for name, n := range f.nodes {
			if dir, _ := fs.Split(name); dir == e.Name && name != "/" {
				rest = append(rest, n.info(name))
			}
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	}
	k := min(e.Max, len(rest))
	e.Entries = append(e.Entries, rest[:k]...)
	e.EnumerationContext, e.Done = rest[k:], k == len(rest)
	return nil
}

// OnCloseDirectoryEnumeration ends a listing; the snapshot needs no cleanup.
func (f *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

// OnOpenFile opens a file or directory: its node becomes the FileContext.
func (f *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	e.FileContext = n
	return nil
}

// OnReadFile reads from an open file; fewer bytes than asked for mean end of file.
func (f *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := e.FileContext.(*node)
	if e.Position < int64(len(n.data)) {
		e.BytesRead = copy(e.Buffer, n.data[e.Position:])
	}
	return nil
}

// OnCloseFile releases an open file; a node needs no cleanup.
func (f *FS) OnCloseFile(context.Context, *fs.CloseFileEvent) error { return nil }
