package passthrough

import "github.com/anyfs/anyfs/fs"

var _ fs.PassthroughFder = (*FS)(nil)

// PassthroughFd hands the kernel the host descriptor of an open regular file, for
// FUSE passthrough: reads and writes then go from the kernel to the host file
// directly. Only a descriptor open for reading and writing is offered, because the
// kernel shares it among every handle of the file; files the host lets this process
// open only read-only or write-only are served through OnReadFile and OnWriteFile.
// The descriptor stays open until OnCloseFile and is never replaced before: use
// reopens only a descriptor that lacks access.
func (p *FS) PassthroughFd(fileContext, _ any) (int, bool) {
	fc := fileOf(fileContext)
	if fc == nil || fc.isDir {
		return -1, false
	}
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	if fc.f == nil || fc.acc != fs.AccessRead|fs.AccessWrite {
		return -1, false
	}
	return int(fc.f.Fd()), true
}

// spliceReads: the kernel can splice file data to a FUSE reply.
const spliceReads = true
