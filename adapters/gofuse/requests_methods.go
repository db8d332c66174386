//go:build linux || darwin

package gofuse

// One method for each request of go-fuse's RawFileSystem, each counted.

import (
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// countingFS counts the kernel's requests by opcode (mountopt.Options.CountRequests).
type countingFS struct {
	fuse.RawFileSystem
	n *requestCounts
}

func (c *countingFS) Lookup(cancel <-chan struct{}, header *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Lookup(cancel, header, name, out)
	c.n.done(opLookup, t, st)
	return st
}

func (c *countingFS) Forget(nodeid uint64, nlookup uint64) {
	t := time.Now()
	c.RawFileSystem.Forget(nodeid, nlookup)
	c.n.done(opForget, t, fuse.OK)
}

func (c *countingFS) GetAttr(cancel <-chan struct{}, input *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.GetAttr(cancel, input, out)
	c.n.done(opGetAttr, t, st)
	return st
}

func (c *countingFS) SetAttr(cancel <-chan struct{}, input *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.SetAttr(cancel, input, out)
	c.n.done(opSetAttr, t, st)
	return st
}

func (c *countingFS) Mknod(cancel <-chan struct{}, input *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Mknod(cancel, input, name, out)
	c.n.done(opMknod, t, st)
	return st
}

func (c *countingFS) Mkdir(cancel <-chan struct{}, input *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Mkdir(cancel, input, name, out)
	c.n.done(opMkdir, t, st)
	return st
}

func (c *countingFS) Unlink(cancel <-chan struct{}, header *fuse.InHeader, name string) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Unlink(cancel, header, name)
	c.n.done(opUnlink, t, st)
	return st
}

func (c *countingFS) Rmdir(cancel <-chan struct{}, header *fuse.InHeader, name string) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Rmdir(cancel, header, name)
	c.n.done(opRmdir, t, st)
	return st
}

func (c *countingFS) Rename(cancel <-chan struct{}, input *fuse.RenameIn, oldName string, newName string) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Rename(cancel, input, oldName, newName)
	c.n.done(opRename, t, st)
	return st
}

func (c *countingFS) Link(cancel <-chan struct{}, input *fuse.LinkIn, filename string, out *fuse.EntryOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Link(cancel, input, filename, out)
	c.n.done(opLink, t, st)
	return st
}

func (c *countingFS) Symlink(cancel <-chan struct{}, header *fuse.InHeader, pointedTo string, linkName string, out *fuse.EntryOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Symlink(cancel, header, pointedTo, linkName, out)
	c.n.done(opSymlink, t, st)
	return st
}

func (c *countingFS) Readlink(cancel <-chan struct{}, header *fuse.InHeader) ([]byte, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.Readlink(cancel, header)
	c.n.done(opReadlink, t, st)
	return r, st
}

func (c *countingFS) Access(cancel <-chan struct{}, input *fuse.AccessIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Access(cancel, input)
	c.n.done(opAccess, t, st)
	return st
}

func (c *countingFS) GetXAttr(cancel <-chan struct{}, header *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.GetXAttr(cancel, header, attr, dest)
	c.n.done(opGetXAttr, t, st)
	return r, st
}

func (c *countingFS) ListXAttr(cancel <-chan struct{}, header *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.ListXAttr(cancel, header, dest)
	c.n.done(opListXAttr, t, st)
	return r, st
}

func (c *countingFS) SetXAttr(cancel <-chan struct{}, input *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.SetXAttr(cancel, input, attr, data)
	c.n.done(opSetXAttr, t, st)
	return st
}

func (c *countingFS) RemoveXAttr(cancel <-chan struct{}, header *fuse.InHeader, attr string) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.RemoveXAttr(cancel, header, attr)
	c.n.done(opRemoveXAttr, t, st)
	return st
}

func (c *countingFS) Create(cancel <-chan struct{}, input *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Create(cancel, input, name, out)
	c.n.done(opCreate, t, st)
	return st
}

func (c *countingFS) Tmpfile(cancel <-chan struct{}, input *fuse.CreateIn, out *fuse.CreateOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Tmpfile(cancel, input, out)
	c.n.done(opTmpfile, t, st)
	return st
}

func (c *countingFS) Open(cancel <-chan struct{}, input *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Open(cancel, input, out)
	c.n.done(opOpen, t, st)
	return st
}

func (c *countingFS) Read(cancel <-chan struct{}, input *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.Read(cancel, input, buf)
	c.n.done(opRead, t, st)
	return r, st
}

func (c *countingFS) Lseek(cancel <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Lseek(cancel, in, out)
	c.n.done(opLseek, t, st)
	return st
}

func (c *countingFS) GetLk(cancel <-chan struct{}, input *fuse.LkIn, out *fuse.LkOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.GetLk(cancel, input, out)
	c.n.done(opGetLk, t, st)
	return st
}

func (c *countingFS) SetLk(cancel <-chan struct{}, input *fuse.LkIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.SetLk(cancel, input)
	c.n.done(opSetLk, t, st)
	return st
}

func (c *countingFS) SetLkw(cancel <-chan struct{}, input *fuse.LkIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.SetLkw(cancel, input)
	c.n.done(opSetLkw, t, st)
	return st
}

func (c *countingFS) Release(cancel <-chan struct{}, input *fuse.ReleaseIn) {
	t := time.Now()
	c.RawFileSystem.Release(cancel, input)
	c.n.done(opRelease, t, fuse.OK)
}

func (c *countingFS) Write(cancel <-chan struct{}, input *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.Write(cancel, input, data)
	c.n.done(opWrite, t, st)
	return r, st
}

func (c *countingFS) Writev(cancel <-chan struct{}, input *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.Writev(cancel, input, data)
	c.n.done(opWritev, t, st)
	return r, st
}

func (c *countingFS) CopyFileRange(cancel <-chan struct{}, input *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	t := time.Now()
	r, st := c.RawFileSystem.CopyFileRange(cancel, input)
	c.n.done(opCopyFileRange, t, st)
	return r, st
}

func (c *countingFS) Ioctl(cancel <-chan struct{}, input *fuse.IoctlIn, inbuf []byte, output *fuse.IoctlOut, outbuf []byte) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Ioctl(cancel, input, inbuf, output, outbuf)
	c.n.done(opIoctl, t, st)
	return st
}

func (c *countingFS) Flush(cancel <-chan struct{}, input *fuse.FlushIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Flush(cancel, input)
	c.n.done(opFlush, t, st)
	return st
}

func (c *countingFS) Fsync(cancel <-chan struct{}, input *fuse.FsyncIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Fsync(cancel, input)
	c.n.done(opFsync, t, st)
	return st
}

func (c *countingFS) Fallocate(cancel <-chan struct{}, input *fuse.FallocateIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Fallocate(cancel, input)
	c.n.done(opFallocate, t, st)
	return st
}

func (c *countingFS) OpenDir(cancel <-chan struct{}, input *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.OpenDir(cancel, input, out)
	c.n.done(opOpenDir, t, st)
	return st
}

func (c *countingFS) ReadDir(cancel <-chan struct{}, input *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.ReadDir(cancel, input, out)
	c.n.done(opReadDir, t, st)
	return st
}

func (c *countingFS) ReadDirPlus(cancel <-chan struct{}, input *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.ReadDirPlus(cancel, input, out)
	c.n.done(opReadDirPlus, t, st)
	return st
}

func (c *countingFS) ReleaseDir(input *fuse.ReleaseIn) {
	t := time.Now()
	c.RawFileSystem.ReleaseDir(input)
	c.n.done(opReleaseDir, t, fuse.OK)
}

func (c *countingFS) FsyncDir(cancel <-chan struct{}, input *fuse.FsyncIn) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.FsyncDir(cancel, input)
	c.n.done(opFsyncDir, t, st)
	return st
}

func (c *countingFS) StatFs(cancel <-chan struct{}, input *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.StatFs(cancel, input, out)
	c.n.done(opStatFs, t, st)
	return st
}

func (c *countingFS) Statx(cancel <-chan struct{}, input *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	t := time.Now()
	st := c.RawFileSystem.Statx(cancel, input, out)
	c.n.done(opStatx, t, st)
	return st
}

// The counted opcodes.
const (
	opLookup = iota
	opForget
	opGetAttr
	opSetAttr
	opMknod
	opMkdir
	opUnlink
	opRmdir
	opRename
	opLink
	opSymlink
	opReadlink
	opAccess
	opGetXAttr
	opListXAttr
	opSetXAttr
	opRemoveXAttr
	opCreate
	opTmpfile
	opOpen
	opRead
	opLseek
	opGetLk
	opSetLk
	opSetLkw
	opRelease
	opWrite
	opWritev
	opCopyFileRange
	opIoctl
	opFlush
	opFsync
	opFallocate
	opOpenDir
	opReadDir
	opReadDirPlus
	opReleaseDir
	opFsyncDir
	opStatFs
	opStatx
	opCount
)

// opNames are the FUSE opcode names of the counted requests.
var opNames = [opCount]string{
	opLookup:        "LOOKUP",
	opForget:        "FORGET",
	opGetAttr:       "GETATTR",
	opSetAttr:       "SETATTR",
	opMknod:         "MKNOD",
	opMkdir:         "MKDIR",
	opUnlink:        "UNLINK",
	opRmdir:         "RMDIR",
	opRename:        "RENAME",
	opLink:          "LINK",
	opSymlink:       "SYMLINK",
	opReadlink:      "READLINK",
	opAccess:        "ACCESS",
	opGetXAttr:      "GETXATTR",
	opListXAttr:     "LISTXATTR",
	opSetXAttr:      "SETXATTR",
	opRemoveXAttr:   "REMOVEXATTR",
	opCreate:        "CREATE",
	opTmpfile:       "TMPFILE",
	opOpen:          "OPEN",
	opRead:          "READ",
	opLseek:         "LSEEK",
	opGetLk:         "GETLK",
	opSetLk:         "SETLK",
	opSetLkw:        "SETLKW",
	opRelease:       "RELEASE",
	opWrite:         "WRITE",
	opWritev:        "WRITEV",
	opCopyFileRange: "COPYFILERANGE",
	opIoctl:         "IOCTL",
	opFlush:         "FLUSH",
	opFsync:         "FSYNC",
	opFallocate:     "FALLOCATE",
	opOpenDir:       "OPENDIR",
	opReadDir:       "READDIR",
	opReadDirPlus:   "READDIRPLUS",
	opReleaseDir:    "RELEASEDIR",
	opFsyncDir:      "FSYNCDIR",
	opStatFs:        "STATFS",
	opStatx:         "STATX",
}
