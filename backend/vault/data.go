package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// file is the state of an open file, shared by all its FileContexts (one per
// inode): the writes not yet committed and the size they give the file. It is
// guarded by FS.mu.
type file struct {
	ino   int64
	isDir bool
	refs  int // FileContexts handed out and not closed

	size   int64 // the size, buffered writes included
	dbSize int64 // the size as committed

	timesDirty   bool  // mtime and ctime below are newer than the committed ones
	mtime, ctime int64 // nanoseconds

	dirty      map[int64][]byte // chunk index to the chunk's bytes (up to ChunkSize)
	old        map[int64]int    // chunk index to the length it has in the database
	dirtyBytes int
	dirtySince time.Time
	// written: data was written since the last durable commit, so the close makes
	// one.
	written bool
	err     error // the error of a failed background commit, reported once

	cacheIdx int64  // the last chunk read from the database, or -1
	cache    []byte // its bytes (a buffer of capacity ChunkSize, kept for the next)

	// The row of the last chunk looked up (rowIdx -1: none), which a stream of
	// reads smaller than a chunk reads again: its row id, and its stored length
	// (0 for a hole).
	rowIdx, rowID int64
	rowLen        int
}

// openFile returns the open state of inode n, taking a reference. The caller
// holds f.mu.
func (f *FS) openFile(n *inode) *file {
	fl := f.open[n.ino]
	if fl == nil {
		fl = &file{ino: n.ino, isDir: n.isDir(), size: n.size, dbSize: n.size, cacheIdx: -1, rowIdx: -1}
		f.open[n.ino] = fl
	}
	fl.refs++
	return fl
}

// OnOpenFile opens an existing file: the FileContext is its open state.
func (f *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	if e.Flags&fs.OpenDirectory != 0 && !n.isDir() {
		return fmt.Errorf("vault: opendir %s: %w", e.Name, fs.ErrNotDir)
	}
	if n.isDir() && (e.Access&fs.AccessWrite != 0 || e.Flags&fs.OpenTruncate != 0) {
		return fmt.Errorf("vault: open %s for writing: %w", e.Name, fs.ErrIsDir)
	}
	e.FileContext = f.openFile(n)
	n.info(&e.Info)
	e.InfoValid = true
	return nil
}

// OnCloseFile releases an open file at its last close: its buffered writes are
// committed (durably when it was written), and a file unlinked while open goes.
func (f *FS) OnCloseFile(_ context.Context, e *fs.CloseFileEvent) error {
	fl, ok := e.FileContext.(*file)
	if !ok || fl == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fl.refs--
	if fl.refs > 0 || f.closed {
		return nil
	}
	var err error
	if !f.readOnly {
		err = f.commit(fl, fl.written)
	}
	if f.open[fl.ino] == fl {
		delete(f.open, fl.ino)
	}
	f.release(fl.cache)
	fl.cache = nil
	fl.forget()
	if f.readOnly {
		return nil
	}
	var nlink int64
	qerr := f.queryRow(`SELECT nlink FROM inodes WHERE ino = ?`, []any{fl.ino}, &nlink)
	if qerr == nil && nlink == 0 && fl.ino != rootIno {
		qerr = f.txn(func() error { return f.purge(fl.ino) })
	}
	if errors.Is(qerr, sql.ErrNoRows) {
		qerr = nil
	}
	if err = errors.Join(err, qerr); err != nil {
		return fmt.Errorf("vault: close %s: %w", e.Name, err)
	}
	return nil
}

// OnCleanupFile commits, durably, what a descriptor wrote before it is closed,
// so that close(2) reports a failed commit (ENOSPC) and a closed file survives a
// crash.
func (f *FS) OnCleanupFile(_ context.Context, e *fs.CleanupFileEvent) error {
	fl, ok := e.FileContext.(*file)
	if !ok || fl == nil || f.readOnly {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !fl.written && fl.err == nil {
		return nil
	}
	if err := f.commit(fl, true); err != nil {
		return fmt.Errorf("vault: close %s: %w", e.Name, err)
	}
	return nil
}

// OnFlushFile (fsync) returns once the file's writes, and every change committed
// before, are on stable storage.
func (f *FS) OnFlushFile(_ context.Context, e *fs.FlushFileEvent) error {
	if f.readOnly {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if fl, ok := e.FileContext.(*file); ok && fl != nil {
		err = f.commit(fl, true)
	} else {
		err = f.durable()
	}
	if err != nil {
		return fmt.Errorf("vault: fsync %s: %w", e.Name, err)
	}
	return nil
}

// commit writes fl's buffered chunks, size and times in one transaction, durable
// when asked (which also makes every earlier commit durable). The caller holds
// f.mu.
func (f *FS) commit(fl *file, durable bool) error {
	if len(fl.dirty) == 0 && !fl.timesDirty {
		fl.err = nil
		if durable {
			if err := f.durable(); err != nil {
				return err
			}
			fl.written = false
		}
		return nil
	}
	write := func() error {
		for idx, data := range fl.dirty {
			data = fl.trim(idx, data)
			if len(data) == 0 {
				if _, err := f.exec(`DELETE FROM chunks WHERE ino = ? AND idx = ?`, fl.ino, idx); err != nil {
					return err
				}
				continue
			}
			if err := f.putChunk(fl.ino, idx, data, fl.old[idx]); err != nil {
				return err
			}
		}
		q, args := `UPDATE inodes SET size = ?, alloc = alloc + ? WHERE ino = ?`, []any{fl.size, fl.pendingAlloc(), fl.ino}
		if fl.timesDirty {
			q, args = `UPDATE inodes SET size = ?, alloc = alloc + ?, mtime = ?, ctime = ? WHERE ino = ?`,
				[]any{fl.size, fl.pendingAlloc(), fl.mtime, fl.ctime, fl.ino}
		}
		_, err := f.exec(q, args...)
		return err
	}
	var err error
	if durable {
		err = f.txnDurable(write)
	} else {
		err = f.txn(write)
	}
	if err != nil {
		return err
	}
	fl.dbSize = fl.size
	for _, buf := range fl.dirty {
		f.release(buf)
	}
	fl.dirty, fl.old, fl.dirtyBytes, fl.timesDirty, fl.err = nil, nil, 0, false, nil
	fl.forget()
	if durable {
		fl.written = false
	} else {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// forget drops what fl remembers of its stored chunks, after they changed.
func (fl *file) forget() { fl.cacheIdx, fl.rowIdx = -1, -1 }

// trim cuts chunk idx's bytes at the end of the file.
func (fl *file) trim(idx int64, data []byte) []byte {
	if end := idx*ChunkSize + int64(len(data)); end > fl.size {
		data = data[:max(fl.size-idx*ChunkSize, 0)]
	}
	return data
}

// pendingAlloc is what committing the buffered chunks adds to the inode's alloc.
func (fl *file) pendingAlloc() int64 {
	var d int64
	for idx, data := range fl.dirty {
		d += int64(len(fl.trim(idx, data)) - fl.old[idx])
	}
	return d
}

// dataFile returns the open state of the regular file an I/O event is about.
// The caller holds f.mu.
func (f *FS) dataFile(op, name string, fctx any) (*file, error) {
	fl, ok := fctx.(*file)
	if !ok || fl == nil {
		ino, _, err := f.walk(name)
		if err != nil {
			return nil, err
		}
		if fl = f.open[ino]; fl == nil {
			return nil, fmt.Errorf("vault: %s %s: not open: %w", op, name, fs.ErrBadHandle)
		}
	}
	if fl.isDir {
		return nil, fmt.Errorf("vault: %s %s: %w", op, name, fs.ErrIsDir)
	}
	return fl, nil
}

// stored returns chunk idx of fl as committed (empty for a hole), valid until
// the next call for fl. The caller holds f.mu.
func (f *FS) stored(fl *file, idx int64) ([]byte, error) {
	if idx*ChunkSize >= fl.dbSize {
		return nil, nil
	}
	if fl.cacheIdx == idx {
		return fl.cache, nil
	}
	if fl.cache == nil {
		fl.cache = f.newChunk()
	}
	fl.cacheIdx = -1
	n, err := f.readStored(fl, idx, 0, fl.cache[:ChunkSize])
	if err != nil {
		return nil, err
	}
	fl.cache, fl.cacheIdx = fl.cache[:n], idx
	return fl.cache, nil
}

// OnReadFile copies data into e.Buffer, buffered writes included; holes read as
// zeros.
func (f *FS) OnReadFile(_ context.Context, e *fs.ReadFileEvent) error {
	if e.Position < 0 {
		return fmt.Errorf("vault: read %s at %d: %w", e.Name, e.Position, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, err := f.dataFile("read", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Position >= fl.size {
		return nil
	}
	p := e.Buffer[:min(int64(len(e.Buffer)), fl.size-e.Position)]
	off := e.Position
	for len(p) > 0 {
		idx, po := off/ChunkSize, int(off%ChunkSize)
		c := min(ChunkSize-po, len(p))
		n := 0
		if src, ok := fl.dirty[idx]; ok || fl.cacheIdx == idx {
			if !ok {
				src = fl.cache
			}
			if po < len(src) {
				n = copy(p[:c], src[po:])
			}
		} else if n, err = f.readStored(fl, idx, po, p[:c]); err != nil {
			return fmt.Errorf("vault: read %s: %w", e.Name, err)
		}
		clear(p[n:c])
		p = p[c:]
		off += int64(c)
	}
	e.BytesRead = int(off - e.Position)
	return nil
}

// OnWriteFile buffers e.Buffer at e.Position (at the end when e.Append is set).
// A buffer past Options.BufferSize is committed first; if that fails (a full
// disk: fs.ErrNoSpace) nothing is written.
func (f *FS) OnWriteFile(_ context.Context, e *fs.WriteFileEvent) error {
	if e.Position < 0 {
		return fmt.Errorf("vault: write %s at %d: %w", e.Name, e.Position, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: write %s: %w", e.Name, fs.ErrReadOnly)
	}
	fl, err := f.dataFile("write", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	off := e.Position
	if e.Append {
		off = fl.size
	}
	if off > math.MaxInt64-int64(len(e.Buffer)) {
		return fmt.Errorf("vault: write %s at %d: %w", e.Name, off, fs.ErrFileTooLarge)
	}
	if fl.dirtyBytes >= f.bufSize {
		if err := f.commit(fl, false); err != nil {
			return fmt.Errorf("vault: write %s: %w", e.Name, err)
		}
	}
	if len(e.Buffer) == 0 {
		return nil
	}
	p := e.Buffer
	pos := off
	for len(p) > 0 {
		idx, po := pos/ChunkSize, int(pos%ChunkSize)
		c := min(ChunkSize-po, len(p))
		buf, err := f.chunk(fl, idx)
		if err != nil {
			return fmt.Errorf("vault: write %s: %w", e.Name, err)
		}
		buf = grow(buf, po) // zeros between the old end and the write
		if len(buf) < po+c {
			buf = buf[:po+c] // overwritten at once
		}
		copy(buf[po:po+c], p[:c])
		fl.dirty[idx] = buf
		p = p[c:]
		pos += int64(c)
	}
	fl.size = max(fl.size, pos)
	fl.touch()
	e.BytesWritten = len(e.Buffer)
	return nil
}

// touch records a change of fl's data: new mtime and ctime, and a durable commit
// due at the close.
func (fl *file) touch() {
	t := nowNs()
	fl.mtime, fl.ctime, fl.timesDirty, fl.written = t, t, true, true
}

// grow extends buf, a chunk buffer (capacity ChunkSize), with zeros to n bytes.
func grow(buf []byte, n int) []byte {
	if l := len(buf); l < n {
		buf = buf[:n]
		clear(buf[l:])
	}
	return buf
}

// newChunk returns an empty chunk buffer of capacity ChunkSize, reusing one a
// commit released. The caller holds f.mu.
func (f *FS) newChunk() []byte {
	if n := len(f.free); n > 0 {
		buf := f.free[n-1]
		f.free = f.free[:n-1]
		return buf[:0]
	}
	return make([]byte, 0, ChunkSize)
}

// release keeps a chunk buffer for reuse, as many as one full write buffer
// holds. The caller holds f.mu.
func (f *FS) release(buf []byte) {
	if cap(buf) == ChunkSize && len(f.free) < f.bufSize/ChunkSize {
		f.free = append(f.free, buf)
	}
}

// chunk returns the buffer of chunk idx of fl, loading it from the database the
// first time it is changed. The caller stores the buffer back in fl.dirty[idx]
// after changing it, and holds f.mu.
func (f *FS) chunk(fl *file, idx int64) ([]byte, error) {
	if buf, ok := fl.dirty[idx]; ok {
		return buf, nil
	}
	old, err := f.stored(fl, idx)
	if err != nil {
		return nil, err
	}
	buf := append(f.newChunk(), old...)
	if fl.dirty == nil {
		fl.dirty, fl.old = map[int64][]byte{}, map[int64]int{}
		fl.dirtySince = time.Now()
	}
	fl.old[idx] = len(old)
	fl.dirtyBytes += ChunkSize
	fl.dirty[idx] = buf
	return buf, nil
}

// OnAllocateRange preallocates a range (its chunks are stored, zero-filled where
// they were holes), zeroes it (AllocateZeroRange), or punches a hole in it
// (AllocatePunchHole: chunks wholly inside go, a chunk whose stored end is inside
// is cut, other bytes are zeroed). Chunks hold nothing past the end of the file,
// so with AllocateKeepSize the part of the range past the end stores nothing.
// No preallocation reserves space for later writes: every commit goes through
// the write-ahead log, which needs space of its own.
func (f *FS) OnAllocateRange(_ context.Context, e *fs.AllocateRangeEvent) error {
	if e.Offset < 0 || e.Length <= 0 || e.Offset > math.MaxInt64-e.Length {
		return fmt.Errorf("vault: fallocate %s: %w", e.Name, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: fallocate %s: %w", e.Name, fs.ErrReadOnly)
	}
	fl, err := f.dataFile("fallocate", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	end := e.Offset + e.Length
	punch := e.Mode&fs.AllocatePunchHole != 0
	zero := e.Mode&fs.AllocateZeroRange != 0
	if e.Mode&fs.AllocateKeepSize != 0 {
		end = min(end, fl.size)
	}
	for pos := e.Offset; pos < end; {
		if fl.dirtyBytes >= f.bufSize {
			if err := f.commit(fl, false); err != nil {
				return fmt.Errorf("vault: fallocate %s: %w", e.Name, err)
			}
		}
		idx, from := pos/ChunkSize, int(pos%ChunkSize)
		to := int(min(end-idx*ChunkSize, ChunkSize))
		pos = idx*ChunkSize + int64(to)
		if punch {
			if _, ok := fl.dirty[idx]; !ok && idx*ChunkSize >= fl.dbSize {
				continue // a hole already
			}
		}
		buf, err := f.chunk(fl, idx)
		if err != nil {
			return fmt.Errorf("vault: fallocate %s: %w", e.Name, err)
		}
		switch {
		case punch && to >= len(buf):
			buf = buf[:min(from, len(buf))]
		case punch || zero:
			buf = grow(buf, to)
			clear(buf[from:to])
		default:
			buf = grow(buf, to)
		}
		fl.dirty[idx] = buf
	}
	if e.Mode&fs.AllocateKeepSize == 0 {
		fl.size = max(fl.size, e.Offset+e.Length)
	}
	fl.touch()
	return nil
}

// OnSetFileSize truncates or extends a regular file, in one transaction with the
// open file's buffered writes. Extending adds a hole; shrinking drops the chunks
// past the end and cuts the last one.
func (f *FS) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	if e.Size < 0 {
		return fmt.Errorf("vault: truncate %s to %d: %w", e.Name, e.Size, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: truncate %s: %w", e.Name, fs.ErrReadOnly)
	}
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	fl := f.open[ino]
	if fl != nil {
		if err := f.commit(fl, false); err != nil {
			return fmt.Errorf("vault: truncate %s: %w", e.Name, err)
		}
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	switch n.typ() {
	case attr.S_IFREG:
	case attr.S_IFDIR:
		return fmt.Errorf("vault: truncate %s: %w", e.Name, fs.ErrIsDir)
	default:
		return fmt.Errorf("vault: truncate %s: not a regular file: %w", e.Name, fs.ErrInvalid)
	}
	err = f.txn(func() error {
		if e.Size < n.size {
			first := e.Size / ChunkSize
			if e.Size%ChunkSize != 0 {
				first++
			}
			var freed int64
			if err := f.queryRow(`SELECT COALESCE(SUM(LENGTH(data)), 0) FROM chunks WHERE ino = ? AND idx >= ?`, []any{ino, first}, &freed); err != nil {
				return err
			}
			if _, err := f.exec(`DELETE FROM chunks WHERE ino = ? AND idx >= ?`, ino, first); err != nil {
				return err
			}
			if cut := int(e.Size % ChunkSize); cut != 0 {
				var data []byte
				err := f.queryRow(`SELECT data FROM chunks WHERE ino = ? AND idx = ?`, []any{ino, e.Size / ChunkSize}, &data)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				if len(data) > cut {
					if _, err := f.exec(`UPDATE chunks SET data = ? WHERE ino = ? AND idx = ?`, data[:cut], ino, e.Size/ChunkSize); err != nil {
						return err
					}
					freed += int64(len(data) - cut)
				}
			}
			if _, err := f.exec(`UPDATE inodes SET alloc = alloc - ? WHERE ino = ?`, freed, ino); err != nil {
				return err
			}
		}
		t := nowNs()
		_, err := f.exec(`UPDATE inodes SET size = ?, mtime = ?, ctime = ? WHERE ino = ?`, e.Size, t, t, ino)
		return err
	})
	if err != nil {
		return fmt.Errorf("vault: truncate %s: %w", e.Name, err)
	}
	if fl != nil {
		fl.size, fl.dbSize = e.Size, e.Size
		fl.forget()
		fl.written = true
	}
	return nil
}

// OnSeekData finds the next data or hole from e.Position (lseek SEEK_DATA and
// SEEK_HOLE): data is what the chunks hold, from each chunk's start to its
// stored length; the rest is hole. Buffered writes are committed first.
func (f *FS) OnSeekData(_ context.Context, e *fs.SeekDataEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, err := f.dataFile("seek", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if !f.readOnly {
		if err := f.commit(fl, false); err != nil {
			return fmt.Errorf("vault: seek %s: %w", e.Name, err)
		}
	}
	if e.Position >= fl.size {
		return fmt.Errorf("vault: seek %s to %d: %w", e.Name, e.Position, fs.ErrNoSuchAddress)
	}
	rows, err := f.query(`SELECT idx, LENGTH(data) FROM chunks WHERE ino = ? AND idx >= ? ORDER BY idx`, fl.ino, e.Position/ChunkSize)
	if err != nil {
		return fmt.Errorf("vault: seek %s: %w", e.Name, err)
	}
	defer rows.Close()
	cur := e.Position
	for rows.Next() {
		var idx, n int64
		if err := rows.Scan(&idx, &n); err != nil {
			return fmt.Errorf("vault: seek %s: %w", e.Name, err)
		}
		start, end := idx*ChunkSize, idx*ChunkSize+n
		if end <= cur || n == 0 {
			continue
		}
		if !e.Hole {
			e.Offset = max(cur, start)
			return nil
		}
		if cur < start {
			break
		}
		cur = end
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("vault: seek %s: %w", e.Name, err)
	}
	if !e.Hole {
		return fmt.Errorf("vault: seek %s: no data after %d: %w", e.Name, e.Position, fs.ErrNoSuchAddress)
	}
	e.Offset = min(cur, fl.size)
	return nil
}
