//go:build windows || cgofuse

package cgofuse

import (
	"runtime"
	"slices"
	"strings"

	"github.com/anyfs/anyfs/fs"
)

// libfuse3's high-level API cannot be told to unlink a file that is still open
// (hard_remove is a fuse_config field cgofuse does not set): it renames the file to
// ".fuse_hidden" followed by 16 hex digits and unlinks that name at the last
// release. The volume keeps the handles of an unlinked file working itself, so the
// adapter turns that rename into the unlink it stands for, and the later unlink of
// the hidden name into nothing. Handle operations use the file handle, never the
// hidden path.

const hiddenPrefix = ".fuse_hidden"

// hidesByRename reports whether the FUSE layer hides unlinked open files by
// renaming them.
const hidesByRename = libfuse3 && runtime.GOOS != "windows"

// isHiddenName reports whether path is a name libfuse makes for a hidden file.
func isHiddenName(path string) bool {
	_, base := fs.Split(fs.Clean(path))
	hex, ok := strings.CutPrefix(base, hiddenPrefix)
	if !ok || len(hex) != 16 {
		return false
	}
	for _, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// hide records that libfuse hides the file oldName under path, and reports whether
// path is such a name. The handles open on oldName at this moment are the hidden
// file's.
func (f *fileSystem) hide(path, oldName string) bool {
	if !f.hiding || !isHiddenName(path) {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Handles of a file hidden earlier keep the name it had (oldName, maybe):
	// they are that file's, not this one's.
	earlier := make(map[uint64]bool)
	for _, fhs := range f.hidden {
		for _, fh := range fhs {
			earlier[fh] = true
		}
	}
	var fhs []uint64
	for fh, h := range f.handles {
		if h, ok := h.(*fs.Handle); ok && h.Name() == oldName && !earlier[fh] {
			fhs = append(fhs, fh)
		}
	}
	f.hidden[fs.Clean(path)] = fhs
	return true
}

// hiddenHandle returns an open handle of the file libfuse hid under path, for the
// requests on it that come without a handle.
func (f *fileSystem) hiddenHandle(path string) *fs.Handle {
	if !f.hiding {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fh := range f.hidden[fs.Clean(path)] {
		if h, ok := f.handles[fh].(*fs.Handle); ok {
			return h
		}
	}
	return nil
}

// isHidden reports whether the open handle fh is one of a file libfuse hid.
func (f *fileSystem) isHidden(fh uint64) bool {
	if !f.hiding {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fhs := range f.hidden {
		if slices.Contains(fhs, fh) {
			return true
		}
	}
	return false
}

// renameHidden moves the hidden names below the directory oldpath to newpath (and
// those below newpath to oldpath for an exchange): libfuse asks for a hidden file
// by its current path, which changes when a directory above it is renamed.
func (f *fileSystem) renameHidden(oldpath, newpath string, exchange bool) {
	if !f.hiding {
		return
	}
	oldp, newp := fs.Clean(oldpath), fs.Clean(newpath)
	f.mu.Lock()
	defer f.mu.Unlock()
	moved := make(map[string][]uint64)
	for name, fhs := range f.hidden {
		switch {
		case strings.HasPrefix(name, oldp+"/"):
			moved[newp+name[len(oldp):]] = fhs
			delete(f.hidden, name)
		case exchange && strings.HasPrefix(name, newp+"/"):
			moved[oldp+name[len(newp):]] = fhs
			delete(f.hidden, name)
		}
	}
	for name, fhs := range moved {
		f.hidden[name] = fhs
	}
}

// forgetHidden drops the hidden name path and reports whether it was one.
func (f *fileSystem) forgetHidden(path string) bool {
	if !f.hiding {
		return false
	}
	name := fs.Clean(path)
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.hidden[name]
	delete(f.hidden, name)
	return ok
}
