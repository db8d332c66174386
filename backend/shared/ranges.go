package shared

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/anyfs/anyfs/fs"
)

// OnAllocateRange preallocates a range (its chunks are stored, zero-filled
// where they were holes), zeroes it (AllocateZeroRange), or punches a hole in
// it (AllocatePunchHole: a chunk whose stored bytes end inside the range is
// cut, other bytes are zeroed, a chunk left empty goes with its block). The
// chunks are written out as writes are: at close, fsync, or DirtyLimit. With
// AllocateKeepSize the part of the range past the end of the file stores
// nothing, as chunks hold nothing past it.
func (f *FS) OnAllocateRange(ctx context.Context, e *fs.AllocateRangeEvent) error {
	ctx = detach(ctx)
	if e.Offset < 0 || e.Length <= 0 || e.Offset > math.MaxInt64-e.Length {
		return fmt.Errorf("fallocate %s: %w", e.Name, fs.ErrInvalid)
	}
	fl, err := fileOf("fallocate", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.load(ctx); err != nil {
		return fmt.Errorf("fallocate %s: %w", e.Name, err)
	}
	end := e.Offset + e.Length
	punch := e.Mode&fs.AllocatePunchHole != 0
	zero := e.Mode&fs.AllocateZeroRange != 0
	if e.Mode&fs.AllocateKeepSize != 0 {
		end = min(end, fl.node.size)
	}
	cs := f.chunk
	for pos := e.Offset; pos < end; {
		if fl.dirtyBytes >= f.opts.DirtyLimit {
			if err := fl.flushLocked(ctx, e.Name); err != nil {
				return err
			}
		}
		idx, from := pos/cs, pos%cs
		to := min(end-idx*cs, cs)
		pos = idx*cs + to
		if punch {
			_, dirty := fl.dirty[idx]
			if _, stored := fl.chunks[idx]; !dirty && !stored {
				continue // a hole already
			}
			d, err := fl.chunkBuf(ctx, idx, 0, false)
			if err != nil {
				return fmt.Errorf("fallocate %s: %w", e.Name, err)
			}
			if to >= int64(len(d)) {
				fl.dirty[idx] = d[:min(from, int64(len(d)))]
			} else {
				clear(d[from:to])
			}
			continue
		}
		d, err := fl.chunkBuf(ctx, idx, to, false)
		if err != nil {
			return fmt.Errorf("fallocate %s: %w", e.Name, err)
		}
		if zero {
			clear(d[from:to])
		}
	}
	if e.Mode&fs.AllocateKeepSize == 0 {
		fl.node.size = max(fl.node.size, e.Offset+e.Length)
	}
	t := now()
	fl.node.mtime, fl.node.ctime = t, t
	if len(fl.dirty) == 0 {
		fl.sizeChanged = true // nothing buffered, but the size and times are to be written out
	}
	return nil
}

// OnSeekData finds the next data or hole from e.Position (lseek SEEK_DATA and
// SEEK_HOLE): data is what the chunks hold, from each chunk's start to its
// stored length; the rest is hole. Buffered writes are written out first.
func (f *FS) OnSeekData(ctx context.Context, e *fs.SeekDataEvent) error {
	ctx = detach(ctx)
	fl, err := fileOf("seek", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.flushLocked(ctx, e.Name); err != nil {
		return err
	}
	if err := fl.load(ctx); err != nil {
		return fmt.Errorf("seek %s: %w", e.Name, err)
	}
	size := fl.node.size
	if e.Position >= size {
		return fmt.Errorf("seek %s to %d: %w", e.Name, e.Position, fs.ErrNoSuchAddress)
	}
	off, ok := seek(fl.chunks, f.chunk, e.Position, size, e.Hole)
	if !ok {
		return fmt.Errorf("seek %s: no data after %d: %w", e.Name, e.Position, fs.ErrNoSuchAddress)
	}
	e.Offset = off
	return nil
}

// seek finds in a chunk map the first byte of data (or of a hole, the end of
// the file counting as one) at or after pos; ok is false when no data follows.
func seek(chunks map[int64]chunkRef, cs, pos, size int64, hole bool) (off int64, ok bool) {
	// The stored extents from pos's chunk on, in order; each chunk holds its
	// first len bytes.
	var from []int64
	for idx, r := range chunks {
		if idx >= pos/cs && r.len > 0 {
			from = append(from, idx)
		}
	}
	slices.Sort(from)
	at := pos
	for _, idx := range from {
		lo, hi := idx*cs, idx*cs+chunks[idx].len
		switch {
		case hi <= at: // before pos
		case !hole:
			return max(at, lo), true
		case at < lo: // pos is in the hole before this extent
			return at, true
		default:
			at = hi
		}
	}
	if !hole {
		return 0, false
	}
	return min(at, size), true
}
