//go:build windows || cgofuse

package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The operations on open files: open, create, read, write, flush, fsync, release.

var _ fuse.FileSystemOpenEx = (*fileSystem)(nil)

// openArgs maps open(2) flags to the volume's access and flags (openBits: the
// host's flags on Linux and macOS, WinFsp's numbering on Windows).
func openArgs(flags int) (fs.Access, fs.OpenFlags) { return openBits.Open(flags) }

// OpenEx opens an existing file.
func (f *fileSystem) OpenEx(path string, fi *fuse.FileInfo_t) (rc int) {
	defer f.trace("Open", path, fi.Flags)(&rc)
	ctx := f.ctx()
	access, flags := openArgs(fi.Flags)
	h, err := f.v.Open(ctx, f.name(ctx, path), access, flags)
	if err != nil {
		return errc(err)
	}
	if flags&fs.OpenTruncate != 0 {
		f.links.changed(fs.Clean(path))
	}
	fi.Fh = f.addHandle(h)
	return 0
}

// CreateEx creates and opens a file; an existing file is opened unless O_EXCL.
func (f *fileSystem) CreateEx(path string, mode uint32, fi *fuse.FileInfo_t) (rc int) {
	defer f.trace("Create", path, fi.Flags, mode)(&rc)
	ctx := f.ctx()
	access, flags := openArgs(fi.Flags)
	h, _, err := f.v.Create(ctx, f.newName(ctx, path), fs.CreateRequest{Mode: attr.Mode(mode),
		Access: access, Flags: flags, Exclusive: fi.Flags&fuse.O_EXCL != 0})
	if err != nil {
		return errc(err)
	}
	fi.Fh = f.addHandle(h)
	return 0
}

// Open opens an existing file. cgofuse calls OpenEx; Open is here for callers of
// the plain interface.
func (f *fileSystem) Open(path string, flags int) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags, Fh: noHandle}
	rc := f.OpenEx(path, &fi)
	return rc, fi.Fh
}

// Create creates and opens a file (see CreateEx).
func (f *fileSystem) Create(path string, flags int, mode uint32) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags, Fh: noHandle}
	rc := f.CreateEx(path, mode, &fi)
	return rc, fi.Fh
}

// Read reads from an open file; it returns the byte count or a negative error.
func (f *fileSystem) Read(path string, buff []byte, ofst int64, fh uint64) (rc int) {
	if f.debug { // the arguments cost an allocation
		defer f.trace("Read", path, len(buff), ofst, fh)(&rc)
	}
	h := f.handle(fh)
	if h == nil {
		return -fuse.EBADF
	}
	n, err := h.Read(f.ctx(), buff, ofst)
	if err != nil && n == 0 {
		return errc(err)
	}
	return n
}

// Write writes to an open file; it returns the byte count or a negative error.
func (f *fileSystem) Write(path string, buff []byte, ofst int64, fh uint64) (rc int) {
	if f.debug { // the arguments cost an allocation
		defer f.trace("Write", path, len(buff), ofst, fh)(&rc)
	}
	h := f.handle(fh)
	if h == nil {
		return -fuse.EBADF
	}
	n, err := h.Write(f.ctx(), buff, ofst)
	if err != nil && n == 0 {
		return errc(err)
	}
	if f.links.tracking() {
		f.links.changed(fs.Clean(path))
	}
	return n
}

// Flush runs at every close(2) of a descriptor. cgofuse passes no lock owner: the
// kernel keeps the locks (cgofuse has no lock operation), so there are none to drop.
func (f *fileSystem) Flush(path string, fh uint64) (rc int) {
	defer f.trace("Flush", path, fh)(&rc)
	h := f.handle(fh)
	if h == nil {
		return -fuse.EBADF
	}
	return errc(h.Close(f.ctx(), 0))
}

// Fsync makes an open file's data durable.
func (f *fileSystem) Fsync(path string, datasync bool, fh uint64) (rc int) {
	defer f.trace("Fsync", path, datasync, fh)(&rc)
	h := f.handle(fh)
	if h == nil {
		return -fuse.EBADF
	}
	return errc(h.Sync(f.ctx(), datasync))
}

// Release closes an open file's handle.
func (f *fileSystem) Release(path string, fh uint64) (rc int) {
	defer f.trace("Release", path, fh)(&rc)
	h, _ := f.takeHandle(fh).(*fs.Handle)
	if h == nil {
		return -fuse.EBADF
	}
	return errc(h.Release(f.ctx()))
}

// Directories.

// Opendir opens a directory for listing.
func (f *fileSystem) Opendir(path string) (rc int, fh uint64) {
	defer f.trace("Opendir", path)(&rc)
	ctx := f.ctx()
	d, err := f.v.OpenDir(ctx, f.name(ctx, path))
	if err != nil {
		return errc(err), noHandle
	}
	return 0, f.addHandle(d)
}

// Readdir lists a directory from offset ofst: 0 and 1 are "." and "..", and the
// volume's entry i is at i+2. Each entry is passed with its full stat (readdirplus)
// and the offset of the entry after it; when fill reports a full buffer, listing
// stops and the next call resumes at that entry.
func (f *fileSystem) Readdir(path string, fill func(name string, stat *fuse.Stat_t, ofst int64) bool,
	ofst int64, fh uint64) (rc int) {
	if f.debug { // the arguments cost an allocation
		defer f.trace("Readdir", path, ofst, fh)(&rc)
	}
	d := f.dir(fh)
	if d == nil {
		return -fuse.EBADF
	}
	switch ofst {
	case 0:
		if !fill(".", nil, 1) {
			return 0
		}
		fallthrough
	case 1:
		if !fill("..", nil, 2) {
			return 0
		}
		ofst = 2
	}
	dir := d.Name()
	var st fuse.Stat_t
	err := d.ReadDir(f.ctx(), ofst-2, func(fi *fs.FileInfo, next int64) bool {
		name := fs.Join(dir, fi.Name)
		f.fillStat(&st, fi, name)
		f.statForLinks(name, &st)
		return fill(fi.Name, &st, next+2)
	})
	return errc(err)
}

// Releasedir closes a directory listing.
func (f *fileSystem) Releasedir(path string, fh uint64) (rc int) {
	defer f.trace("Releasedir", path, fh)(&rc)
	d, _ := f.takeHandle(fh).(*fs.Dir)
	if d == nil {
		return -fuse.EBADF
	}
	return errc(d.Close(f.ctx()))
}

// Fsyncdir succeeds: directory changes are the backend's to make durable when they
// happen.
func (f *fileSystem) Fsyncdir(path string, datasync bool, fh uint64) int { return 0 }
