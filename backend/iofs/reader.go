package iofs

import (
	"errors"
	"io"
	iofs "io/fs"
	"sync"

	"github.com/anyfs/anyfs/fs"
)

// openFile is the FileContext: the opened fs.File and, for a sequential-only file,
// the stream's position and the window of bytes last read.
type openFile struct {
	b    *FS
	path string
	info fs.FileInfo

	mu sync.Mutex // guards everything below
	f  iofs.File  // nil for a directory
	ra io.ReaderAt
	sk io.ReadSeeker

	pos    int64  // the stream's position (sequential files)
	window []byte // the bytes just before pos, at most opts.ReadBackCache
}

func (of *openFile) setFile(f iofs.File) {
	of.f, of.ra, of.sk, of.pos, of.window = f, nil, nil, 0, of.window[:0]
	if ra, ok := f.(io.ReaderAt); ok {
		of.ra = ra
	} else if sk, ok := f.(io.ReadSeeker); ok {
		of.sk = sk
	}
}

func (of *openFile) close() error {
	of.mu.Lock()
	defer of.mu.Unlock()
	if of.f == nil {
		return nil
	}
	err := of.f.Close()
	of.f, of.ra, of.sk, of.window = nil, nil, nil, nil
	return err
}

// readAt reads len(p) bytes at off, fewer only at the end of the file.
func (of *openFile) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fs.ErrInvalid
	}
	of.mu.Lock()
	f, ra := of.f, of.ra
	if f == nil {
		of.mu.Unlock()
		if of.info.IsDir() {
			return 0, fs.ErrIsDir
		}
		return 0, fs.ErrBadHandle
	}
	if ra != nil {
		// ReaderAt is safe for concurrent use: no lock during the read. The file stays
		// open: the volume closes it only after every read returned.
		of.mu.Unlock()
		n, err := ra.ReadAt(p, off)
		if n == len(p) {
			err = nil
		} else if n == 0 && err != nil && off >= of.info.Size {
			err = io.EOF // some ReaderAts (fstest.MapFS, embed.FS) refuse offsets past the end
		}
		return n, err
	}
	defer of.mu.Unlock()
	if of.sk != nil {
		return of.readAtLocked(p, off)
	}
	return of.readStream(p, off)
}

// readStream serves a read from a sequential-only file.
func (of *openFile) readStream(p []byte, off int64) (int, error) {
	n := 0
	// From the window, when off lies in it.
	if start := of.pos - int64(len(of.window)); off < of.pos && off >= start {
		n = copy(p, of.window[off-start:])
		off += int64(n)
		if n == len(p) {
			return n, nil
		}
	}
	if off < of.pos {
		// Before the window: read the file again from its start.
		f, err := of.b.fsys.Open(of.path)
		if err != nil {
			return n, err
		}
		of.f.Close()
		of.setFile(f)
		if of.ra != nil || of.sk != nil {
			// Reopened as something better (it should not happen, but be correct).
			m, err := of.readAtLocked(p[n:], off)
			return n + m, err
		}
	}
	// Skip forward to off, keeping the skipped bytes in the window.
	for of.pos < off {
		chunk := off - of.pos
		if chunk > 64<<10 {
			chunk = 64 << 10
		}
		buf := make([]byte, chunk)
		m, err := io.ReadFull(of.f, buf)
		of.advance(buf[:m])
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			return n, err
		}
	}
	m, err := io.ReadFull(of.f, p[n:])
	of.advance(p[n : n+m])
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n + m, err
}

func (of *openFile) readAtLocked(p []byte, off int64) (int, error) {
	if of.ra != nil {
		n, err := of.ra.ReadAt(p, off)
		if n == len(p) {
			err = nil
		} else if n == 0 && err != nil && off >= of.info.Size {
			err = io.EOF
		}
		return n, err
	}
	if off >= of.info.Size {
		return 0, io.EOF
	}
	if _, err := of.sk.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(of.sk, p)
}

// advance records that b was read from the stream. The window keeps at least the
// last ReadBackCache bytes and at most twice that (compacted when it grows past).
func (of *openFile) advance(b []byte) {
	of.pos += int64(len(b))
	max := of.b.opts.ReadBackCache
	if max <= 0 {
		return
	}
	of.window = append(of.window, b...)
	if len(of.window) > 2*max {
		of.window = append(of.window[:0], of.window[len(of.window)-max:]...)
	}
}
