package memfs

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

var (
	_ fs.WriteFileHandler         = (*FS)(nil)
	_ fs.SetAllocationSizeHandler = (*FS)(nil)
)

// dataNode returns the regular file an I/O event is about.
func (f *FS) dataNode(op, name string, fctx any) (*node, error) {
	n, err := f.lookup(name, fctx)
	if err != nil {
		return nil, err
	}
	switch n.typ {
	case attr.S_IFREG:
		return n, nil
	case attr.S_IFDIR:
		return nil, fmt.Errorf("memfs: %s %s: %w", op, name, fs.ErrIsDir)
	}
	return nil, fmt.Errorf("memfs: %s %s: not a regular file: %w", op, name, fs.ErrInvalid)
}

// OnReadFile copies data into e.Buffer; holes read as zeros. It allocates nothing.
func (f *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	n, err := f.dataNode("read", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Position < 0 {
		return fmt.Errorf("memfs: read %s at %d: %w", e.Name, e.Position, fs.ErrInvalid)
	}
	n.mu.RLock()
	e.BytesRead = n.readAt(e.Buffer, e.Position)
	stale := n.atimeStale()
	n.mu.RUnlock()
	if stale {
		n.mu.Lock()
		if n.atimeStale() {
			n.atime = now()
		}
		n.mu.Unlock()
	}
	return nil
}

// atimeStale is the relatime rule: atime needs an update when it is not newer than
// mtime or ctime, or is more than a day old. The caller holds n.mu.
func (n *node) atimeStale() bool {
	return !n.atime.After(n.mtime) || !n.atime.After(n.ctime) || time.Since(n.atime) > 24*time.Hour
}

// readAt copies the data at off into p and returns the number of bytes copied. The
// caller holds n.mu.
func (n *node) readAt(p []byte, off int64) int {
	if off >= n.size {
		return 0
	}
	if rest := n.size - off; int64(len(p)) > rest {
		p = p[:rest]
	}
	total := len(p)
	for len(p) > 0 {
		idx, po := off/PageSize, int(off%PageSize)
		c := min(PageSize-po, len(p))
		if pg := n.pages[idx]; pg != nil {
			copy(p[:c], pg[po:po+c])
		} else {
			clear(p[:c])
		}
		p = p[c:]
		off += int64(c)
	}
	return total
}

// OnWriteFile copies e.Buffer into the file at e.Position (at the end, atomically,
// when e.Append is set), allocating the pages it touches for the first time. When
// the volume is full it writes what fits; nothing fitting is fs.ErrNoSpace.
func (f *FS) OnWriteFile(_ context.Context, e *fs.WriteFileEvent) error {
	n, err := f.dataNode("write", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Position < 0 {
		return fmt.Errorf("memfs: write %s at %d: %w", e.Name, e.Position, fs.ErrInvalid)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	off := e.Position
	if e.Append {
		off = n.size
	}
	if off > math.MaxInt64-int64(len(e.Buffer)) {
		return fmt.Errorf("memfs: write %s at %d: %w", e.Name, off, fs.ErrFileTooLarge)
	}
	w := f.writeAt(n, e.Buffer, off)
	e.BytesWritten = w
	if w == 0 && len(e.Buffer) > 0 {
		return fmt.Errorf("memfs: write %s: %w", e.Name, fs.ErrNoSpace)
	}
	if w > 0 {
		if end := off + int64(w); end > n.size {
			n.size = end
		}
		t := now()
		n.mtime, n.ctime = t, t
	}
	return nil
}

// writeAt copies p into n's pages at off and returns how many bytes it copied (fewer
// than len(p) when the volume is full). The caller holds n.mu.
func (f *FS) writeAt(n *node, p []byte, off int64) int {
	total := 0
	for len(p) > 0 {
		idx, po := off/PageSize, int(off%PageSize)
		c := min(PageSize-po, len(p))
		pg := n.pages[idx]
		if pg == nil {
			if !f.reserve(PageSize) {
				break
			}
			pg = f.pool.alloc()
			if n.pages == nil {
				n.pages = make(map[int64]*page)
			}
			n.pages[idx] = pg
		}
		copy(pg[po:po+c], p[:c])
		p = p[c:]
		off += int64(c)
		total += c
	}
	return total
}

// OnSetFileSize truncates or extends a regular file. Extending adds a hole;
// shrinking frees the pages past the end and zeroes the tail of the last one.
func (f *FS) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	n, err := f.dataNode("truncate", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Size < 0 {
		return fmt.Errorf("memfs: truncate %s to %d: %w", e.Name, e.Size, fs.ErrInvalid)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.Size < n.size {
		f.dropFrom(n, e.Size)
	}
	n.size = e.Size
	t := now()
	n.mtime, n.ctime = t, t
	return nil
}

// dropFrom frees the pages wholly past size and zeroes the bytes of the last page
// from size on, so that bytes past the end of a file are always zero. The caller
// holds n.mu.
func (f *FS) dropFrom(n *node, size int64) {
	if len(n.pages) == 0 {
		return
	}
	first := size / PageSize // first page wholly past size (size+PageSize-1 overflows near 2^63)
	if size%PageSize != 0 {
		first++
	}
	if po := size % PageSize; po != 0 {
		if pg := n.pages[size/PageSize]; pg != nil {
			clear(pg[po:])
		}
	}
	freed := 0
	last := (max(n.size, 1) - 1) / PageSize // last page of the old contents
	span := last - first + 1
	switch {
	case !n.prealloc && span <= 0:
	case !n.prealloc && span <= int64(len(n.pages)):
		for i := first; i <= last; i++ {
			if pg, ok := n.pages[i]; ok {
				f.pool.release(pg)
				delete(n.pages, i)
				freed++
			}
		}
	default:
		// A sparse map, or pages preallocated past the old end: walk the map.
		for i, pg := range n.pages {
			if i >= first {
				f.pool.release(pg)
				delete(n.pages, i)
				freed++
			}
		}
		n.prealloc = false
	}
	f.used.Add(-int64(freed) * PageSize)
	if len(n.pages) == 0 {
		n.pages = nil
	}
}

// OnSetAllocationSize preallocates zeroed pages up to e.AllocationSize without
// changing the size (fs.ErrNoSpace, and nothing allocated, when they do not fit). A
// smaller allocation frees preallocated pages past both it and the end of the file.
func (f *FS) OnSetAllocationSize(_ context.Context, e *fs.SetAllocationSizeEvent) error {
	n, err := f.dataNode("allocate", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.AllocationSize < 0 {
		return fmt.Errorf("memfs: allocate %s: %w", e.Name, fs.ErrInvalid)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	want := (e.AllocationSize + PageSize - 1) / PageSize
	have := int64(0)
	if want <= int64(len(n.pages)) {
		for i := range want {
			if n.pages[i] != nil {
				have++
			}
		}
	} else {
		for i := range n.pages {
			if i < want {
				have++
			}
		}
	}
	if missing := want - have; missing > 0 {
		if missing > math.MaxInt64/PageSize || !f.reserve(missing*PageSize) {
			return fmt.Errorf("memfs: allocate %s: %d bytes: %w", e.Name, e.AllocationSize, fs.ErrNoSpace)
		}
		if n.pages == nil {
			n.pages = make(map[int64]*page, missing)
		}
		for i := range want {
			if n.pages[i] == nil {
				n.pages[i] = f.pool.alloc()
			}
		}
		if want*PageSize > n.size {
			n.prealloc = true
		}
	} else {
		keep := max(e.AllocationSize, n.size)
		freed := 0
		for i, pg := range n.pages {
			if i*PageSize >= keep {
				f.pool.release(pg)
				delete(n.pages, i)
				freed++
			}
		}
		f.used.Add(-int64(freed) * PageSize)
	}
	n.ctime = now()
	return nil
}
