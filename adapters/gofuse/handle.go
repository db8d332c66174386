//go:build linux || darwin

package gofuse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/fs"
)

// fileHandle is an open file: the go-fuse FileHandle of an fs.Handle. The node's
// methods do the work; the handle only carries the volume's handle.
type fileHandle struct {
	h *fs.Handle
	n *node // the node it was opened on
}

var _ gofs.FilePassthroughFder = (*fileHandle)(nil)

// PassthroughFd offers go-fuse the backend's host descriptor of the file, if it has
// one (fs.PassthroughFder): go-fuse registers it with the kernel for FUSE
// passthrough, and reads and writes of the file then bypass this process. go-fuse
// asks once per file while it has open handles; where the kernel or the privileges
// lack passthrough (Linux < 6.9, not root) it stops asking and the file is served
// through the volume.
func (fh *fileHandle) PassthroughFd() (int, bool) {
	fd, ok := fh.h.PassthroughFd()
	if !ok || fh.n == nil {
		return fd, ok
	}
	if log := fh.n.m.v.Logger(); log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("anyfs: offering the kernel the backend's descriptor for FUSE passthrough (the OPEN reply shows PASSTHROUGH if it took it)",
			"name", fh.h.Name(), "fd", fd)
	}
	return fd, ok
}

// read reads through the volume. A backend that answers with a host descriptor
// (ReadFileEvent.SpliceFd) has go-fuse splice the data from it to the kernel.
func (fh *fileHandle) read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, fd, spliced, err := fh.h.ReadSplice(ctx, dest, off)
	if spliced {
		return fuse.ReadResultFd(uintptr(fd), off, len(dest)), 0
	}
	if err != nil && !errors.Is(err, io.EOF) && n == 0 {
		return nil, toErrno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// dirHandle is an open directory. Its offsets are what the kernel hands back to
// continue a listing: 1 after ".", 2 after "..", and 2+i+1 after the volume's entry i,
// so any offset can be read again (seekdir, rewinddir) through fs.Dir's positions.
type dirHandle struct {
	d *fs.Dir
	n *node

	// Readdirent and Seekdir run under go-fuse's per-handle lock.
	off    uint64        // offset of the next entry to return
	buf    []fs.FileInfo // entries fetched ahead, starting at offset bufOff
	bufOff uint64
	done   bool        // the listing has no entries after buf
	last   fs.FileInfo // the entry Readdirent returned last, for READDIRPLUS
}

const dirBatch = 256

func (dh *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	switch dh.off {
	case 0:
		dh.off = 1
		return &fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR, Ino: dh.n.StableAttr().Ino, Off: 1}, 0
	case 1:
		dh.off = 2
		ino := uint64(1)
		if _, parent := dh.n.Parent(); parent != nil {
			ino = parent.StableAttr().Ino
		}
		return &fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR, Ino: ino, Off: 2}, 0
	}
	if dh.off < dh.bufOff || dh.off >= dh.bufOff+uint64(len(dh.buf)) {
		if dh.done && dh.off >= dh.bufOff+uint64(len(dh.buf)) {
			return nil, 0
		}
		if errno := dh.fill(dh.n.m.ctx(ctx)); errno != 0 {
			return nil, errno
		}
		if len(dh.buf) == 0 {
			return nil, 0
		}
	}
	fi := &dh.buf[dh.off-dh.bufOff]
	dh.off++
	dh.last = *fi
	ino := fi.FileID
	if ino == 0 {
		ino = unknownIno
	}
	return &fuse.DirEntry{Name: fi.Name, Mode: uint32(fi.Mode), Ino: ino, Off: dh.off}, 0
}

// fill reads the entries from dh.off on into buf.
func (dh *dirHandle) fill(ctx context.Context) syscall.Errno {
	dh.buf = dh.buf[:0]
	dh.bufOff = dh.off
	dh.done = true
	err := dh.d.ReadDir(ctx, int64(dh.off-2), func(fi *fs.FileInfo, _ int64) bool {
		if len(dh.buf) == dirBatch {
			dh.done = false
			return false
		}
		dh.buf = append(dh.buf, *fi)
		return true
	})
	return toErrno(err)
}

func (dh *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	dh.off = off
	return 0
}

// Lookup answers READDIRPLUS for the entry Readdirent returned last, from the
// listing's own information.
func (dh *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if dh.last.Name == name {
		return dh.n.newChild(ctx, name, &dh.last, out), 0
	}
	return dh.n.Lookup(ctx, name, out)
}

func (dh *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	dh.n.removeDir(dh)
	dh.d.Close(ctx)
}

func (dh *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno { return 0 }
