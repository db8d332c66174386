package memfs

import (
	"context"
	"fmt"
	"math"

	"github.com/anyfs/anyfs/fs"
)

var (
	_ fs.AllocateRangeHandler = (*FS)(nil)
	_ fs.SeekDataHandler      = (*FS)(nil)
	_ fs.CopyFileRangeHandler = (*FS)(nil)
)

// The byte-range events: fallocate's modes, SEEK_DATA / SEEK_HOLE and
// copy_file_range, on the page map (a missing page is a hole).

// countPages returns how many pages of first..last exist. The caller holds n.mu.
func (n *node) countPages(first, last int64) int64 {
	var c int64
	if last-first < int64(len(n.pages)) {
		for i := first; i <= last; i++ {
			if n.pages[i] != nil {
				c++
			}
		}
		return c
	}
	for i := range n.pages {
		if i >= first && i <= last {
			c++
		}
	}
	return c
}

// fill allocates the missing pages of first..last, all or none (fs.ErrNoSpace). The
// caller holds n.mu.
func (f *FS) fill(n *node, first, last int64) error {
	missing := last - first + 1 - n.countPages(first, last)
	if missing <= 0 {
		return nil
	}
	if missing > math.MaxInt64/PageSize || !f.reserve(missing*PageSize) {
		return fs.ErrNoSpace
	}
	if n.pages == nil {
		n.pages = make(map[int64]*page, missing)
	}
	for i := first; i <= last; i++ {
		if n.pages[i] == nil {
			n.pages[i] = f.pool.alloc()
		}
	}
	return nil
}

// zero makes the bytes off..off+length read as zeros: pages wholly inside the range
// are freed (holes), the others are cleared where the range covers them. The caller
// holds n.mu.
func (f *FS) zero(n *node, off, length int64) {
	if len(n.pages) == 0 || length <= 0 {
		return
	}
	end := off + length // exclusive
	first, last := off/PageSize, (end-1)/PageSize
	var freed int64
	clearPage := func(i int64) {
		pg := n.pages[i]
		if pg == nil {
			return
		}
		from, to := max(off, i*PageSize)-i*PageSize, min(end, (i+1)*PageSize)-i*PageSize
		if from == 0 && to == PageSize {
			f.pool.release(pg)
			delete(n.pages, i)
			freed++
			return
		}
		clear(pg[from:to])
	}
	if last-first < int64(len(n.pages)) {
		for i := first; i <= last; i++ {
			clearPage(i)
		}
	} else {
		for i := range n.pages {
			if i >= first && i <= last {
				clearPage(i)
			}
		}
	}
	f.used.Add(-freed * PageSize)
	if len(n.pages) == 0 {
		n.pages = nil
	}
}

// OnAllocateRange preallocates zeroed pages for a range, punches a hole (frees the
// pages wholly inside it, zeroes the rest) or zeroes a range with its pages
// allocated, as tmpfs does. A preallocation or zeroing that does not fit fails with
// fs.ErrNoSpace and allocates nothing.
func (f *FS) OnAllocateRange(_ context.Context, e *fs.AllocateRangeEvent) error {
	n, err := f.dataNode("fallocate", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Offset < 0 || e.Length <= 0 || e.Offset > math.MaxInt64-e.Length {
		return fmt.Errorf("memfs: fallocate %s: %w", e.Name, fs.ErrInvalid)
	}
	end := e.Offset + e.Length
	first, last := e.Offset/PageSize, (end-1)/PageSize
	n.mu.Lock()
	defer n.mu.Unlock()
	t := now()
	switch {
	case e.Mode&fs.AllocatePunchHole != 0:
		f.zero(n, e.Offset, e.Length) // preallocated pages past the end go too
		n.mtime, n.ctime = t, t
		return nil
	case e.Mode&fs.AllocateZeroRange != 0:
		if err := f.fill(n, first, last); err != nil {
			return fmt.Errorf("memfs: fallocate %s: zero %d bytes: %w", e.Name, e.Length, err)
		}
		for i := first; i <= last; i++ {
			pg := n.pages[i]
			from, to := max(e.Offset, i*PageSize)-i*PageSize, min(end, (i+1)*PageSize)-i*PageSize
			clear(pg[from:to])
		}
		n.mtime = t
	default:
		if err := f.fill(n, first, last); err != nil {
			return fmt.Errorf("memfs: fallocate %s: %d bytes at %d: %w", e.Name, e.Length, e.Offset, err)
		}
	}
	if (last+1)*PageSize > n.size {
		n.prealloc = true
	}
	if e.Mode&fs.AllocateKeepSize == 0 && end > n.size {
		n.size = end
		n.mtime = t
	}
	n.ctime = t
	return nil
}

// OnSeekData finds the next page with data, or the next missing page (a hole), from
// e.Position.
func (f *FS) OnSeekData(_ context.Context, e *fs.SeekDataEvent) error {
	n, err := f.dataNode("lseek", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	if e.Position < 0 || e.Position >= n.size {
		return fmt.Errorf("memfs: lseek %s to %d: end of file at %d: %w", e.Name, e.Position, n.size, fs.ErrNoSuchAddress)
	}
	from, last := e.Position/PageSize, (n.size-1)/PageSize
	if e.Hole {
		i := from
		for i <= last && n.pages[i] != nil {
			i++
		}
		e.Offset = min(max(e.Position, i*PageSize), n.size)
		return nil
	}
	i, ok := n.nextPage(from, last)
	if !ok {
		return fmt.Errorf("memfs: lseek %s: no data after %d: %w", e.Name, e.Position, fs.ErrNoSuchAddress)
	}
	e.Offset = max(e.Position, i*PageSize)
	return nil
}

// nextPage returns the first existing page of from..last. The caller holds n.mu.
func (n *node) nextPage(from, last int64) (int64, bool) {
	if last-from < int64(len(n.pages)) {
		for i := from; i <= last; i++ {
			if n.pages[i] != nil {
				return i, true
			}
		}
		return 0, false
	}
	best := int64(-1)
	for i := range n.pages {
		if i >= from && i <= last && (best < 0 || i < best) {
			best = i
		}
	}
	return best, best >= 0
}

// copyChunk is how much OnCopyFileRange moves per lock of the two files.
const copyChunk = 256 * PageSize

// OnCopyFileRange copies through a buffer, a chunk at a time, holding one file's
// lock at a time. Holes of the source stay holes in the destination (pages wholly
// inside them are freed there). When the volume fills up it copies what fits;
// nothing fitting is fs.ErrNoSpace.
func (f *FS) OnCopyFileRange(_ context.Context, e *fs.CopyFileRangeEvent) error {
	src, err := f.dataNode("copy_file_range", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	dst, err := f.dataNode("copy_file_range", e.DestName, e.DestFileContext)
	if err != nil {
		return err
	}
	if e.Position < 0 || e.DestPosition < 0 || e.Length < 0 ||
		e.Position > math.MaxInt64-e.Length || e.DestPosition > math.MaxInt64-e.Length {
		return fmt.Errorf("memfs: copy_file_range %s: %w", e.Name, fs.ErrInvalid)
	}
	buf := make([]byte, min(e.Length, copyChunk))
	var holes []bool // per source page of the chunk: a hole
	pos, dpos, rest := e.Position, e.DestPosition, e.Length
	full := false
	for rest > 0 && !full {
		src.mu.RLock()
		if pos >= src.size {
			src.mu.RUnlock()
			break
		}
		c := min(rest, src.size-pos, int64(len(buf)))
		src.readAt(buf[:c], pos)
		holes = holes[:0]
		for i := pos / PageSize; i <= (pos+c-1)/PageSize; i++ {
			holes = append(holes, src.pages[i] == nil)
		}
		src.mu.RUnlock()

		dst.mu.Lock()
		w := f.writeChunk(dst, buf[:c], dpos, pos, holes)
		if w > 0 {
			if end := dpos + w; end > dst.size {
				dst.size = end
			}
			t := now()
			dst.mtime, dst.ctime = t, t
		}
		dst.mu.Unlock()
		e.BytesCopied += w
		full = w < c
		pos, dpos, rest = pos+c, dpos+c, rest-c
	}
	if full && e.BytesCopied == 0 {
		return fmt.Errorf("memfs: copy_file_range to %s: %w", e.DestName, fs.ErrNoSpace)
	}
	return nil
}

// writeChunk writes p, read from the source at srcPos, to n at off: the parts that
// were source holes (holes[i] for source page srcPos/PageSize+i) are zeroed rather
// than written. It returns how many bytes it stored (fewer when the volume is full).
// The caller holds n.mu.
func (f *FS) writeChunk(n *node, p []byte, off, srcPos int64, holes []bool) int64 {
	var done int64
	first := srcPos / PageSize
	for len(p) > 0 {
		i := (srcPos + done) / PageSize
		c := min(int64(len(p)), (i+1)*PageSize-(srcPos+done))
		if holes[i-first] {
			f.zero(n, off+done, c)
		} else if w := int64(f.writeAt(n, p[:c], off+done)); w < c {
			return done + w
		}
		p = p[c:]
		done += c
	}
	return done
}
