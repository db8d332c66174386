//go:build windows || cgofuse

package cgofuse

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/fs"
)

// InvalidateEntry and InvalidateContent drop what the OS caches about a name. On
// Windows they send WinFsp a change notification, which also drops its caches of the
// file and of its directory's listing. On libfuse 3 (anyfs's cgofuse) they drop the
// kernel's attributes and cached pages of the name's node (fuse_invalidate_path);
// the kernel's entries expire with the entry timeout. libfuse 2 has no
// invalidation.
func (s *server) InvalidateEntry(dir, name string) error {
	s.notify(fs.Join(dir, name))
	return nil
}

func (s *server) InvalidateContent(name string) error {
	s.notify(name)
	return nil
}

var _ fs.FileIDInvalidator = (*server)(nil)

// InvalidateFileID drops the kernel's caches of every name of the file id that the
// adapter remembers: libfuse knows a file by its names, and the names of a file with
// several links are the ones linkNames keeps. The volume calls it when such a file
// loses a link through the library API.
func (s *server) InvalidateFileID(id uint64) error {
	for _, p := range s.fsys.links.names(id) {
		s.fsys.links.notify(p)
	}
	return nil
}

func (s *server) notify(name string) {
	s.host.Notify(name, fuse.NOTIFY_CHMOD|fuse.NOTIFY_CHOWN|fuse.NOTIFY_UTIME|
		fuse.NOTIFY_CHFLAGS|fuse.NOTIFY_TRUNCATE)
}

// linkNames remembers the names of the files with more than one link that the
// kernel was given attributes for, so that a change made through one name drops
// what the kernel caches under the others.
//
// libfuse's high-level API gives every name its own node, so the kernel caches the
// attributes of a file with two links twice, and a link, an unlink or a write
// through one name leaves the other's link count, size and times as they were
// until the attribute timeout. After such a change the adapter has libfuse drop
// the kernel's attributes and cached pages of the file's other names (libfuse 3's
// fuse_invalidate_path, through cgofuse's Notify). Files with one link, almost
// all of them, are never remembered, and a change costs one atomic load then.
type linkNames struct {
	notify func(path string) // drops the kernel's caches of path; nil: no tracking
	n      atomic.Int64      // len(byPath)

	mu     sync.Mutex
	byPath map[string]uint64   // a remembered name (libfuse's path) and its file id
	byID   map[uint64][]string // the remembered names of a file id
}

func newLinkNames(notify func(path string)) *linkNames {
	return &linkNames{notify: notify, byPath: make(map[string]uint64), byID: make(map[uint64][]string)}
}

// seen records what the kernel was told about path: its file id and link count.
// A name is remembered once its file has several links and until the name goes
// (unlinked, renamed), also when the count falls to one: the kernel may still hold
// a node of a name that went away while open (libfuse's hidden names), which the
// count does not include.
func (l *linkNames) seen(path string, id uint64, nlink uint32) {
	if l.notify == nil || (nlink <= 1 && l.n.Load() == 0) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old, known := l.byPath[path]
	switch {
	case known && old == id:
	case nlink > 1 || known: // a new file of several links, or another file under a remembered name
		l.forgetLocked(path)
		if nlink > 1 {
			l.byPath[path] = id
			l.byID[id] = append(l.byID[id], path)
		}
	}
	l.n.Store(int64(len(l.byPath)))
}

// forgetLocked drops path; l.mu is held.
func (l *linkNames) forgetLocked(path string) {
	id, ok := l.byPath[path]
	if !ok {
		return
	}
	delete(l.byPath, path)
	names := l.byID[id]
	for i, p := range names {
		if p == path {
			names = append(names[:i], names[i+1:]...)
			break
		}
	}
	if len(names) == 0 {
		delete(l.byID, id)
	} else {
		l.byID[id] = names
	}
}

// others returns the remembered names of path's file other than path itself.
func (l *linkNames) others(path string) []string {
	id, ok := l.byPath[path]
	if !ok {
		return nil
	}
	var out []string
	for _, p := range l.byID[id] {
		if p != path {
			out = append(out, p)
		}
	}
	return out
}

// names returns a copy of the remembered names of the file id.
func (l *linkNames) names(id uint64) []string {
	if l.notify == nil || l.n.Load() == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.byID[id]...)
}

// tracking reports whether a name is remembered: without one, changed, unlinked
// and renamed have nothing to do.
func (l *linkNames) tracking() bool { return l.n.Load() != 0 }

// changed tells the kernel, after a change to the file at path (its data, its
// attributes, a link added), that the file's other names changed too.
func (l *linkNames) changed(path string) {
	if l.notify == nil || l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	others := l.others(path)
	l.mu.Unlock()
	for _, p := range others {
		l.notify(p)
	}
}

// linked records that newpath was made a link to oldpath's file, id, which now has
// nlink links, and tells the kernel about oldpath and the file's other names.
func (l *linkNames) linked(oldpath, newpath string, id uint64, nlink uint32) {
	if l.notify == nil {
		return
	}
	l.seen(oldpath, id, nlink)
	l.seen(newpath, id, nlink)
	l.notify(oldpath)
	l.changed(oldpath)
}

// unlinked forgets path, a name that went away, and tells the kernel that its
// file's other names have one link less.
func (l *linkNames) unlinked(path string) {
	if l.notify == nil || l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	others := l.others(path)
	l.forgetLocked(path)
	l.n.Store(int64(len(l.byPath)))
	l.mu.Unlock()
	for _, p := range others {
		l.notify(p)
	}
}

// hidden follows libfuse's rename of oldpath, a name unlinked while open, to the
// hidden name hiddenpath (which the adapter made an unlink): the file's other names
// have one link less, and its open node is now reached by hiddenpath.
func (l *linkNames) hidden(oldpath, hiddenpath string) {
	if l.notify == nil || l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	others := l.others(oldpath)
	id, ok := l.byPath[oldpath]
	l.forgetLocked(oldpath)
	if ok {
		l.byPath[hiddenpath] = id
		l.byID[id] = append(l.byID[id], hiddenpath)
	}
	l.mu.Unlock()
	for _, p := range others {
		l.notify(p)
	}
}

// renamed follows a rename of oldpath to newpath (both ways for an exchange): the
// names at and below oldpath move; a file newpath replaced lost a name.
func (l *linkNames) renamed(oldpath, newpath string, exchange bool) {
	if l.notify == nil || l.n.Load() == 0 {
		return
	}
	if !exchange {
		l.unlinked(newpath)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	moved := make(map[string]uint64)
	for p, id := range l.byPath {
		if np, ok := movedName(p, oldpath, newpath, exchange); ok {
			moved[np] = id
			l.forgetLocked(p)
		}
	}
	for p, id := range moved {
		l.byPath[p] = id
		l.byID[id] = append(l.byID[id], p)
	}
	l.n.Store(int64(len(l.byPath)))
}

// movedName returns the name name has after oldp is renamed to newp (and newp to
// oldp for an exchange), and whether it moved.
func movedName(name, oldp, newp string, exchange bool) (string, bool) {
	switch {
	case name == oldp:
		return newp, true
	case strings.HasPrefix(name, oldp+"/"):
		return newp + name[len(oldp):], true
	case exchange && name == newp:
		return oldp, true
	case exchange && strings.HasPrefix(name, newp+"/"):
		return oldp + name[len(newp):], true
	}
	return "", false
}

// statForLinks records what the kernel is told about the file at the volume path
// name: st, fillStat's result. Directories, whose link count counts their
// subdirectories, have one name.
func (f *fileSystem) statForLinks(name string, st *fuse.Stat_t) {
	if st.Mode&fuse.S_IFMT != fuse.S_IFDIR {
		f.links.seen(name, st.Ino, st.Nlink)
	}
}

// changedIfOK reports a change to the file at path when err is nil, and returns
// err as cgofuse wants it.
func (f *fileSystem) changedIfOK(ctx context.Context, path string, err error) int {
	if err == nil {
		f.links.changed(f.name(ctx, path))
	}
	return errc(err)
}
