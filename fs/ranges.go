package fs

import (
	"context"
	"fmt"
	"math"
)

// The events of byte ranges: allocating and freeing storage (fallocate), finding
// data and holes (lseek SEEK_DATA / SEEK_HOLE) and copying between files
// (copy_file_range). Each has a fallback for backends without it; see
// AllocateRangeHandler, SeekDataHandler and CopyFileRangeHandler.

// AllocateMode says what OnAllocateRange does with its range: fallocate's mode.
type AllocateMode uint8

// Allocate modes. Zero preallocates.
const (
	// AllocateKeepSize: the file's size does not change, even when the range ends
	// past it (FALLOC_FL_KEEP_SIZE).
	AllocateKeepSize AllocateMode = 1 << iota
	// AllocatePunchHole frees the range's storage; it reads as zeros afterwards
	// (FALLOC_FL_PUNCH_HOLE). It always comes with AllocateKeepSize.
	AllocatePunchHole
	// AllocateZeroRange zeroes the range, with its storage allocated
	// (FALLOC_FL_ZERO_RANGE).
	AllocateZeroRange
)

// AllocateRangeEvent allocates or frees the storage of a byte range of an open file
// (fallocate). With neither AllocatePunchHole nor AllocateZeroRange the range is
// preallocated: it reads as before (zeros in holes) and later writes to it do not
// fail for lack of space. Unless AllocateKeepSize is set, the file's size grows to
// Offset+Length when it was smaller. ErrNoSpace when the storage is not there.
type AllocateRangeEvent struct {
	Name                       string
	FileContext, HandleContext any
	// Offset and Length give the range; Length is positive and Offset+Length does
	// not overflow.
	Offset, Length int64
	Mode           AllocateMode
}

// SeekDataEvent looks for data or a hole in an open file (lseek SEEK_DATA and
// SEEK_HOLE).
type SeekDataEvent struct {
	Name                       string
	FileContext, HandleContext any
	// Position is where to start looking (not negative).
	Position int64
	// Hole asks for the first offset at or after Position that is in a hole, the
	// end of the file counting as one; otherwise for the first byte of data.
	Hole bool
	// Offset is the reply. When Position is at or past the end of the file, or
	// (data) no data follows it, the handler fails with ErrNoSuchAddress (ENXIO).
	Offset int64
}

// CopyFileRangeEvent copies Length bytes from the open file Name at Position to the
// open file DestName at DestPosition (copy_file_range). The two may be the same
// file; the ranges then do not overlap.
type CopyFileRangeEvent struct {
	Name                               string
	FileContext, HandleContext         any
	Position                           int64
	DestName                           string
	DestFileContext, DestHandleContext any
	DestPosition                       int64
	Length                             int64
	// BytesCopied is the reply: fewer than Length when the source ends first (0
	// when Position is at or past its end) or the copy stopped short (as a write
	// may). A handler that cannot copy these files (a backend whose storage
	// cannot, or two different stores) returns ErrNotSupported: the kernel then
	// copies with reads and writes.
	BytesCopied int64
}

// Allocate allocates or frees storage for a range of the handle's file (fallocate;
// see [AllocateRangeEvent] for the modes). Without a [AllocateRangeHandler], preallocation
// goes through OnSetAllocationSize (from the start of the file to the end of the
// range) and the other modes fail with ErrNotSupported.
func (h *Handle) Allocate(ctx context.Context, off, length int64, mode AllocateMode) (err error) {
	v := h.v
	switch {
	case v.opts.ReadOnly:
		return fmt.Errorf("allocate %s: %w", h.Name(), ErrReadOnly)
	case h.f.isDir:
		return fmt.Errorf("allocate %s: %w", h.Name(), ErrIsDir)
	case h.access&AccessWrite == 0:
		return fmt.Errorf("allocate %s: not open for writing: %w", h.Name(), ErrBadHandle)
	case off < 0 || length <= 0:
		return fmt.Errorf("allocate %s: offset %d, length %d: %w", h.Name(), off, length, ErrInvalid)
	case off > math.MaxInt64-length:
		return fmt.Errorf("allocate %s: %w", h.Name(), ErrFileTooLarge)
	case mode&^(AllocateKeepSize|AllocatePunchHole|AllocateZeroRange) != 0,
		mode&AllocatePunchHole != 0 && mode&AllocateKeepSize == 0,
		mode&AllocatePunchHole != 0 && mode&AllocateZeroRange != 0:
		// Linux's answer for a combination it does not know.
		return fmt.Errorf("allocate %s: mode %#x: %w", h.Name(), mode, ErrNotSupported)
	}
	grows := mode&(AllocateKeepSize|AllocatePunchHole) == 0
	if max := v.opts.MaxFileSize; max > 0 && grows && off+length > max {
		return fmt.Errorf("allocate %s to %d bytes: %w", h.Name(), off+length, ErrFileTooLarge)
	}
	defer v.invalidate(h.f.path(), false)
	defer v.changed(ctx, ChangeModified, h.f.path(), "")
	if v.ranger != nil {
		e := AllocateRangeEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx,
			Offset: off, Length: length, Mode: mode}
		return fire(ctx, v, e.Name, h.f, v.ranger.OnAllocateRange, &e)
	}
	if v.allocator == nil || mode&(AllocatePunchHole|AllocateZeroRange) != 0 {
		return fmt.Errorf("allocate %s: mode %#x: %w", h.Name(), mode, ErrNotSupported)
	}
	fi, err := h.Stat(ctx)
	if err != nil {
		return err
	}
	if fi.AllocationSize < off+length {
		// OnSetAllocationSize may also shrink an allocation: ask only to grow one.
		if err := h.setAllocation(ctx, off+length); err != nil {
			return err
		}
	}
	if grows && fi.Size < off+length {
		return h.setSize(ctx, off+length)
	}
	return nil
}

func (h *Handle) setAllocation(ctx context.Context, size int64) (err error) {
	e := SetAllocationSizeEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx, AllocationSize: size}
	return fire(ctx, h.v, e.Name, h.f, h.v.allocator.OnSetAllocationSize, &e)
}

// SeekData returns the first offset at or after off that holds data, or with hole
// the first that is in a hole, the end of the file counting as one (lseek SEEK_DATA
// and SEEK_HOLE). Both fail with ErrNoSuchAddress (ENXIO) when off is at or past the
// end of the file, and SEEK_DATA when no data follows. Without a [SeekDataHandler] the
// whole file is data: off itself, or for a hole the end of the file.
func (h *Handle) SeekData(ctx context.Context, off int64, hole bool) (_ int64, err error) {
	v := h.v
	if h.f.isDir {
		return 0, fmt.Errorf("seek %s: %w", h.Name(), ErrInvalid)
	}
	if off < 0 {
		return 0, fmt.Errorf("seek %s to %d: %w", h.Name(), off, ErrNoSuchAddress)
	}
	if v.seeker == nil {
		fi, err := h.Stat(ctx)
		if err != nil {
			return 0, err
		}
		switch {
		case off >= fi.Size:
			return 0, fmt.Errorf("seek %s to %d: end of file at %d: %w", h.Name(), off, fi.Size, ErrNoSuchAddress)
		case hole:
			return fi.Size, nil
		}
		return off, nil
	}
	e := SeekDataEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx, Position: off, Hole: hole}
	if err = fire(ctx, v, e.Name, h.f, v.seeker.OnSeekData, &e); err != nil {
		return 0, err
	}
	if e.Offset < off {
		return 0, fmt.Errorf("seek %s: the backend answered %d for a seek from %d: %w", h.Name(), e.Offset, off, ErrIO)
	}
	return e.Offset, nil
}

// CopyRange copies length bytes of the handle's file at off to dst's file at dstOff
// (copy_file_range) and returns how many it copied: fewer at the end of the source,
// 0 past it. Without a [CopyFileRangeHandler] it fails with ErrNotImplemented (ENOSYS), which
// tells the kernel to copy with reads and writes itself.
func (h *Handle) CopyRange(ctx context.Context, off int64, dst *Handle, dstOff, length int64) (n int64, err error) {
	v := h.v
	switch {
	case v.copier == nil || v.opts.ReadOnly:
		return 0, fmt.Errorf("copy %s to %s: %w", h.Name(), dst.Name(), ErrNotImplemented)
	case dst.v != v:
		return 0, fmt.Errorf("copy %s to another volume: %w", h.Name(), ErrCrossDevice)
	case h.f.isDir || dst.f.isDir:
		return 0, fmt.Errorf("copy %s to %s: %w", h.Name(), dst.Name(), ErrIsDir)
	case h.access&AccessRead == 0 || dst.access&AccessWrite == 0 || dst.flags&OpenAppend != 0:
		return 0, fmt.Errorf("copy %s to %s: %w", h.Name(), dst.Name(), ErrBadHandle)
	case off < 0 || dstOff < 0 || length < 0:
		return 0, fmt.Errorf("copy %s to %s: %w", h.Name(), dst.Name(), ErrInvalid)
	case length == 0:
		return 0, nil
	}
	length = min(length, math.MaxInt64-off, math.MaxInt64-dstOff)
	if h.f == dst.f && off < dstOff+length && dstOff < off+length {
		return 0, fmt.Errorf("copy %s: overlapping ranges: %w", h.Name(), ErrInvalid)
	}
	if max := v.opts.MaxFileSize; max > 0 && dstOff+length > max {
		if dstOff >= max {
			return 0, fmt.Errorf("copy to %s at %d: %w", dst.Name(), dstOff, ErrFileTooLarge)
		}
		length = max - dstOff
	}
	e := CopyFileRangeEvent{Name: h.f.path(), FileContext: h.f.ctx, HandleContext: h.hctx, Position: off,
		DestName: dst.f.path(), DestFileContext: dst.f.ctx, DestHandleContext: dst.hctx, DestPosition: dstOff,
		Length: length}
	defer v.invalidate(e.DestName, false)
	defer v.changed(ctx, ChangeModified, e.DestName, "")
	err = fire(ctx, v, e.DestName, dst.f, v.copier.OnCopyFileRange, &e)
	return min(max(e.BytesCopied, 0), length), err
}
