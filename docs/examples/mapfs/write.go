package mapfs

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// The optional events FS implements. The volume finds them by type assertion; a
// backend without CreateFileHandler and WriteFileHandler is mounted read-only.
var (
	_ fs.CreateFileHandler        = (*FS)(nil)
	_ fs.WriteFileHandler         = (*FS)(nil)
	_ fs.DeleteFileHandler        = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler  = (*FS)(nil)
	_ fs.SetFileAttributesHandler = (*FS)(nil)
)

// dir returns the directory that holds name.
func (f *FS) dir(name string) (*node, error) {
	parent, _ := fs.Split(name)
	d, err := f.lookup(parent, nil)
	if err == nil && !d.mode.IsDir() {
		err = fs.ErrNotDir
	}
	return d, err
}

// OnCreateFile creates a regular file or a directory, owned by the caller, and
// opens it. Device nodes, FIFOs and sockets are not supported.
func (f *FS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir(e.Name)
	switch {
	case err != nil:
		return err
	case f.nodes[e.Name] != nil:
		return fs.ErrExist // the volume turns this into an open unless O_EXCL
	case !e.Mode.IsRegular() && !e.Mode.IsDir():
		return fs.ErrNotSupported
	}
	n := f.newNode(e.Mode)
	n.uid, n.gid = e.Uid, e.Gid
	f.nodes[e.Name] = n
	d.mtime = n.mtime
	e.FileContext = n
	return nil
}

// resize makes n's data size bytes long; bytes added read as zeros.
func (n *node) resize(size int64) {
	if size <= int64(len(n.data)) {
		n.data = n.data[:size]
	} else {
		n.data = append(n.data, make([]byte, size-int64(len(n.data)))...)
	}
	n.mtime = time.Now()
}

// OnWriteFile writes to an open file, at the end for a handle opened to append.
func (f *FS) OnWriteFile(_ context.Context, e *fs.WriteFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := e.FileContext.(*node)
	pos := e.Position
	if e.Append {
		pos = int64(len(n.data))
	}
	if end := pos + int64(len(e.Buffer)); end > int64(len(n.data)) {
		n.resize(end)
	}
	e.BytesWritten = copy(n.data[pos:], e.Buffer)
	n.mtime = time.Now()
	return nil
}

// OnSetFileSize truncates or extends a file, open (ftruncate) or not (truncate).
func (f *FS) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(e.Name, e.FileContext)
	if err == nil {
		n.resize(e.Size)
	}
	return err
}

// OnDeleteFile removes a name. The volume has already checked the POSIX rules (a
// directory must be empty). Handles open on the file keep its node as their
// FileContext, so they go on working until they are closed.
func (f *FS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir(e.Name)
	if err == nil && f.nodes[e.Name] == nil {
		err = fs.ErrNotExist
	}
	if err != nil {
		return err
	}
	delete(f.nodes, e.Name)
	d.mtime = time.Now()
	return nil
}

// OnRenameOrMoveFile renames a file or a directory with everything below it,
// replacing the target when it exists (the volume has checked that a directory
// replaced is empty). It does not swap names (RENAME_EXCHANGE).
func (f *FS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.Exchange {
		return fs.ErrNotSupported
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nodes[e.Name] == nil {
		return fs.ErrNotExist
	}
	if _, err := f.dir(e.NewName); err != nil {
		return err
	}
	if f.nodes[e.NewName] != nil && !e.ReplaceIfExists {
		return fs.ErrExist
	}
	delete(f.nodes, e.NewName)
	moved := map[string]*node{}
	for name, n := range f.nodes {
		if name == e.Name || strings.HasPrefix(name, e.Name+"/") {
			moved[e.NewName+name[len(e.Name):]] = n
			delete(f.nodes, name)
		}
	}
	maps.Copy(f.nodes, moved)
	return nil
}

// OnSetFileAttributes changes the mode, owner and times (chmod, chown, utimes). A
// zero time means "keep". Windows attributes (hidden, archive, ...) are not
// stored: they are ignored, as on file systems that have none.
func (f *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
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
	if !e.LastAccessTime.IsZero() {
		n.atime = e.LastAccessTime
	}
	if !e.LastWriteTime.IsZero() {
		n.mtime = e.LastWriteTime
	}
	return nil
}
