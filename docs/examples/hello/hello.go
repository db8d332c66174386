// Package hello is step 1 of the anyfs tutorial (docs/writing-a-backend.md): a
// read-only file system serving a map of strings as its root directory's files.
package hello

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// FS serves Files (file name to contents; names hold no "/") as the files of its
// root directory. Nothing changes after the mount, so the handlers, which the
// volume calls concurrently, need no locks.
type FS struct {
	Files map[string]string
	Time  time.Time // every file's modification time
}

var _ fs.Interface = (*FS)(nil)

// info describes the file at the volume path name ("/" or "/name").
func (f *FS) info(name string) (fs.FileInfo, error) {
	if name == "/" {
		return fs.FileInfo{Mode: attr.S_IFDIR | 0o555, LastWriteTime: f.Time}, nil
	}
	data, ok := f.Files[name[1:]]
	if !ok {
		return fs.FileInfo{}, fs.ErrNotExist
	}
	return fs.FileInfo{Name: name[1:], Mode: attr.S_IFREG | 0o444, Size: int64(len(data)),
		LastWriteTime: f.Time}, nil
}

// OnGetFileInfo reports a file's information (stat).
func (f *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) (err error) {
	e.Info, err = f.info(e.Name)
	return err
}

// OnEnumerateDirectory lists the root directory, all in one call.
func (f *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	if _, err := f.info(e.Name); err != nil || e.Name != "/" {
		return cmp.Or(err, fs.ErrNotDir)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Files)) {
		fi, _ := f.info("/" + name)
		e.Entries = append(e.Entries, fi)
	}
	e.Done = true
	return nil
}

// OnCloseDirectoryEnumeration ends a listing; there is nothing to release.
func (f *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}

// OnOpenFile opens a file or directory; there is nothing to keep per open file.
func (f *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	_, err := f.info(e.Name)
	return err
}

// OnReadFile reads from an open file; fewer bytes than asked for mean end of file.
func (f *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	data := f.Files[e.Name[1:]]
	if e.Position < int64(len(data)) {
		e.BytesRead = copy(e.Buffer, data[e.Position:])
	}
	return nil
}

// OnCloseFile releases an open file; there is nothing to release.
func (f *FS) OnCloseFile(context.Context, *fs.CloseFileEvent) error { return nil }
