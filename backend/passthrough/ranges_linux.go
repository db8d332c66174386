package passthrough

import (
	"context"
	"os"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

var (
	_ fs.AllocateRangeHandler = (*FS)(nil)
	_ fs.SeekDataHandler      = (*FS)(nil)
	_ fs.CopyFileRangeHandler = (*FS)(nil)
)

// OnAllocateRange is fallocate(2) of the host file with the same mode: the host
// allocates, punches the hole or zeroes the range. A host file system without the
// mode answers EOPNOTSUPP, which reaches the caller (glibc's posix_fallocate then
// writes zeros itself).
func (p *FS) OnAllocateRange(_ context.Context, e *fs.AllocateRangeEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return pathErr("fallocate", e.Name, fs.ErrBadHandle)
	}
	var mode uint32
	if e.Mode&fs.AllocateKeepSize != 0 {
		mode |= unix.FALLOC_FL_KEEP_SIZE
	}
	if e.Mode&fs.AllocatePunchHole != 0 {
		mode |= unix.FALLOC_FL_PUNCH_HOLE
	}
	if e.Mode&fs.AllocateZeroRange != 0 {
		mode |= unix.FALLOC_FL_ZERO_RANGE
	}
	return p.use(e.Name, fc, fs.AccessWrite, func(f *os.File) error {
		return pathErr("fallocate", e.Name, retryEINTR(func() error {
			return unix.Fallocate(int(f.Fd()), mode, e.Offset, e.Length)
		}))
	})
}

// OnSeekData is lseek(2) SEEK_DATA or SEEK_HOLE on the host descriptor, whose own
// offset nothing else uses (reads and writes are positioned).
func (p *FS) OnSeekData(_ context.Context, e *fs.SeekDataEvent) error {
	fc := fileOf(e.FileContext)
	if fc == nil {
		return pathErr("lseek", e.Name, fs.ErrBadHandle)
	}
	whence := unix.SEEK_DATA
	if e.Hole {
		whence = unix.SEEK_HOLE
	}
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	off, err := unix.Seek(int(fc.f.Fd()), e.Position, whence)
	if err != nil {
		return pathErr("lseek", e.Name, err)
	}
	e.Offset = off
	return nil
}

// OnCopyFileRange is copy_file_range(2) between the two host files: the host copies
// (or shares the blocks, on file systems that can). Where the host cannot copy
// between them (two host file systems), the answer is fs.ErrNotSupported and the
// kernel copies with reads and writes.
func (p *FS) OnCopyFileRange(_ context.Context, e *fs.CopyFileRangeEvent) error {
	src, dst := fileOf(e.FileContext), fileOf(e.DestFileContext)
	if src == nil || dst == nil {
		return pathErr("copy_file_range", e.Name, fs.ErrBadHandle)
	}
	if src == dst {
		return p.use(e.Name, src, fs.AccessRead|fs.AccessWrite, func(f *os.File) error {
			return p.copyRange(e, int(f.Fd()), int(f.Fd()))
		})
	}
	// The source's descriptor is duplicated, so that only one file's lock is held
	// at a time (use may have to reopen the destination with write access).
	var in int
	err := p.use(e.Name, src, fs.AccessRead, func(f *os.File) (err error) {
		in, err = unix.Dup(int(f.Fd()))
		return err
	})
	if err != nil {
		return pathErr("copy_file_range", e.Name, err)
	}
	defer unix.Close(in)
	return p.use(e.DestName, dst, fs.AccessWrite, func(f *os.File) error {
		return p.copyRange(e, in, int(f.Fd()))
	})
}

func (p *FS) copyRange(e *fs.CopyFileRangeEvent, in, out int) error {
	roff, woff := e.Position, e.DestPosition
	for e.BytesCopied < e.Length {
		n, err := unix.CopyFileRange(in, &roff, out, &woff, int(e.Length-e.BytesCopied), 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EXDEV || err == unix.EOPNOTSUPP || err == unix.ENOSYS:
			if e.BytesCopied > 0 {
				return nil
			}
			return pathErr("copy_file_range", e.Name, fs.ErrNotSupported)
		case err != nil:
			if e.BytesCopied > 0 {
				return nil // a short copy; the caller asks again and gets the error
			}
			return pathErr("copy_file_range", e.Name, err)
		case n == 0:
			return nil // the end of the source
		}
		e.BytesCopied += int64(n)
	}
	return nil
}
