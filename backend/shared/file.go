package shared

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/anyfs/anyfs/fs"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// file is an open file of this mount (the FileContext), shared by every open
// of its inode here. Writes stay in dirty until flush: close(2), fsync, a
// change of attributes or size, or DirtyLimit bytes.
type file struct {
	f    *FS
	ino  int64
	refs int // guarded by FS.mu

	mu          sync.Mutex
	node        inode              // the inode as this mount sees it
	chunks      map[int64]chunkRef // the committed chunk map
	loaded      bool               // chunks holds the committed map
	stale       atomic.Bool        // another mount changed the file: reload the chunk map at the next read
	dirty       map[int64][]byte   // chunk index to its whole new contents
	dirtyBytes  int64
	ahead       int64       // the last chunk read ahead (0: none yet)
	sizeChanged bool        // node.size is to be written out as it is (a truncate)
	orphan      atomic.Bool // unlinked while open here: purge at the last close
}

type chunkRef struct {
	key      string
	off, len int64
}

// readAhead is how many chunks a sequential read reads ahead.
const readAhead = 2

// fileOf is the open file of an event's FileContext.
func fileOf(op, name string, fctx any) (*file, error) {
	fl, ok := fctx.(*file)
	if !ok {
		return nil, fmt.Errorf("%s %s: %w", op, name, fs.ErrBadHandle)
	}
	return fl, nil
}

// handle is the HandleContext: it names the handle for flock locks.
type handle struct{ id uint64 }

var handleIDs atomic.Uint64

func newHandle() *handle { return &handle{id: handleIDs.Add(1)} }

// acquire returns this mount's open file of n, opening it.
func (f *FS) acquire(n inode) *file {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.open[n.ino]
	if fl == nil {
		fl = &file{f: f, ino: n.ino, node: n, dirty: map[int64][]byte{}}
		f.open[n.ino] = fl
	}
	fl.refs++
	return fl
}

// openFile returns this mount's open file of ino, or nil.
func (f *FS) openFile(ino int64) *file {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open[ino]
}

// release drops one open of fl; the last one writes out what is left and, for
// a file unlinked while open, deletes it.
func (f *FS) release(ctx context.Context, fl *file, path string) error {
	err := fl.flush(ctx, path)
	f.mu.Lock()
	fl.refs--
	last := fl.refs == 0
	if last {
		delete(f.open, fl.ino)
	}
	f.mu.Unlock()
	if !last {
		return err
	}
	if fl.orphan.Load() {
		err = errors.Join(err, f.tx(ctx, "close", fmt.Sprintf("#%d", fl.ino), func(tx pgx.Tx) error {
			var nlink int32
			err := tx.QueryRow(ctx, `SELECT nlink FROM inodes WHERE ino = $1 FOR UPDATE`, fl.ino).Scan(&nlink)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && nlink > 0 {
				return nil
			}
			if err != nil {
				return err
			}
			return purge(ctx, tx, fl.ino)
		}))
	}
	return err
}

func (fl *file) info0() inode {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	n := fl.node
	if len(fl.dirty) > 0 {
		n.alloc = fl.allocated()
	}
	return n
}

// allocated is the bytes the file's chunks hold, with its buffered ones; the
// caller holds fl.mu.
func (fl *file) allocated() int64 {
	var a int64
	for idx, r := range fl.chunks {
		if _, ok := fl.dirty[idx]; !ok {
			a += r.len
		}
	}
	for _, d := range fl.dirty {
		a += int64(len(d))
	}
	return a
}

func (fl *file) info() fs.FileInfo { return fl.info0().info("") }

// setNode takes a new inode row, keeping the size this mount has not written out.
func (fl *file) setNode(n inode) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.dirtyBytes > 0 || fl.sizeChanged {
		n.size = fl.node.size
	}
	fl.node = n
}

// refresh takes the inode read at an open and, when nothing is buffered,
// drops the chunk map so that the next read loads the current one.
func (fl *file) refresh(_ context.Context, n inode) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.dirtyBytes > 0 || fl.sizeChanged {
		return nil
	}
	fl.node = n
	fl.loaded = false
	return nil
}

// load reads the committed chunk map; the caller holds fl.mu.
func (fl *file) load(ctx context.Context) error {
	if fl.loaded && !fl.stale.Load() {
		return nil
	}
	fl.stale.Store(false) // a change noted from here on loads again
	f := fl.f
	chunks := map[int64]chunkRef{}
	var size int64
	clean := fl.dirtyBytes == 0 && !fl.sizeChanged
	err := f.retry(ctx, "read", fmt.Sprintf("#%d", fl.ino), func() error {
		clear(chunks)
		// One query: the size, and the chunks (none: one row of NULLs).
		rows, err := f.pool.Query(ctx, `SELECT i.size, c.idx, c.block, c.off, c.len
			FROM inodes i LEFT JOIN chunks c ON c.ino = i.ino WHERE i.ino = $1`, fl.ino)
		if err != nil {
			return err
		}
		var idx, off, l *int64
		var key *string
		found := false
		_, err = pgx.ForEachRow(rows, []any{&size, &idx, &key, &off, &l}, func() error {
			found = true
			if idx != nil {
				chunks[*idx] = chunkRef{key: *key, off: *off, len: *l}
			}
			return nil
		})
		if err == nil && !found {
			err = pgx.ErrNoRows
		}
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read: %w: the file was deleted by another mount", fs.ErrStale)
	}
	if err != nil {
		fl.stale.Store(true)
		return err
	}
	fl.chunks, fl.loaded = chunks, true
	if clean {
		fl.node.size = size
	}
	return nil
}

// readRef reads n bytes of a committed chunk at off into p, through the cache.
// With ahead, the kernel reads the rest of the block from the local disk in
// the background (a sequential read begins at the block's start).
func (f *FS) readRef(ctx context.Context, r chunkRef, off int64, p []byte, ahead bool) error {
	cf, err := f.cache.open(ctx, r.key, func(w io.Writer) error {
		return f.retryData(ctx, "read", r.key, func() error { return f.st.get(ctx, r.key, w) })
	})
	if err != nil {
		return err
	}
	defer cf.Close()
	if ahead {
		willNeed(cf.e.fd)
	}
	n, err := cf.ReadAt(p, r.off+off)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(p)) {
		return fmt.Errorf("read block %s: %w: %v", r.key, fs.ErrIO, err)
	}
	return nil
}

// retryData runs a call to the object store as Options.Outage says.
func (f *FS) retryData(ctx context.Context, op, key string, fn func() error) error {
	var last error
	err := f.retry(ctx, op, key, func() error {
		last = fn()
		if last == nil {
			return nil
		}
		if r := minio.ToErrorResponse(last); r.StatusCode == 404 || r.StatusCode == 403 {
			// An answer, not an outage: a missing block, or refused keys.
			return fmt.Errorf("%s %s: %w: %v", op, key, fs.ErrIO, last)
		}
		return dataOutage{last}
	})
	if err != nil && last != nil && !errors.Is(err, fs.ErrIO) && !errors.Is(err, fs.ErrInterrupted) && !errors.Is(err, errClosed) {
		return fmt.Errorf("%s %s: %w: %v", op, key, fs.ErrIO, last)
	}
	return err
}

// dataOutage marks an object store failure as an outage for retry.
type dataOutage struct{ err error }

func (d dataOutage) Error() string { return "object store: " + d.err.Error() }
func (d dataOutage) Unwrap() error { return d.err }

// span is a piece of a read: bytes of a committed chunk, or already copied.
type span struct {
	ref chunkRef
	off int64
	p   []byte
}

// OnReadFile reads what this mount has buffered and the committed blocks.
func (f *FS) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	ctx = detach(ctx)
	fl, err := fileOf("read", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	spans, n, next, err := fl.plan(ctx, e.Position, e.Buffer)
	if err != nil {
		return fmt.Errorf("read %s: %w", e.Name, err)
	}
	for _, s := range spans {
		if err := f.readRef(ctx, s.ref, s.off, s.p, s.off == 0 && int64(len(s.p)) < f.chunk); err != nil {
			return fmt.Errorf("read %s: %w", e.Name, err)
		}
	}
	for _, r := range next {
		// Read ahead the next chunks while the caller uses this one: fetched
		// into the block cache if they are not there, and read from the local
		// disk into the page cache in the background.
		go func() {
			if cf, err := f.cache.open(context.Background(), r.key, func(w io.Writer) error {
				return f.st.get(context.Background(), r.key, w)
			}); err == nil {
				willNeed(cf.e.fd)
				cf.Close()
			}
		}()
	}
	e.BytesRead = n
	return nil
}

// plan copies the buffered bytes of a read into buf and returns the pieces to
// read from blocks, the byte count, and the chunks after the last one touched
// (to read ahead, readAhead of them) when the read reached past the middle of
// a chunk.
func (fl *file) plan(ctx context.Context, pos int64, buf []byte) (spans []span, n int, next []chunkRef, err error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.load(ctx); err != nil {
		return nil, 0, nil, err
	}
	size := fl.node.size
	if pos >= size {
		return nil, 0, nil, nil
	}
	end := min(size, pos+int64(len(buf)))
	cs := fl.f.chunk
	for p := pos; p < end; {
		idx, off := p/cs, p%cs
		l := min(cs-off, end-p)
		dst := buf[p-pos : p-pos+l]
		if d, ok := fl.dirty[idx]; ok {
			c := int64(0)
			if off < int64(len(d)) {
				c = int64(copy(dst, d[off:]))
			}
			clear(dst[c:])
		} else if r, ok := fl.chunks[idx]; ok {
			c := max(min(r.len-off, l), 0)
			if c > 0 {
				spans = append(spans, span{ref: r, off: off, p: dst[:c]})
			}
			clear(dst[c:])
			if off+l == cs || p+l == end && (p+l)%cs > cs/2 {
				from := idx + 1 // after a seek, or the first time
				if fl.ahead > idx && fl.ahead <= idx+readAhead {
					from = fl.ahead + 1 // read ahead already up to fl.ahead
				}
				for k := from; k <= idx+readAhead; k++ {
					if nr, ok := fl.chunks[k]; ok {
						next = append(next, nr)
					}
					fl.ahead = k
				}
			}
		} else {
			clear(dst)
		}
		p += l
	}
	return spans, int(end - pos), next, nil
}

// OnWriteFile buffers a write in the open file.
func (f *FS) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	ctx = detach(ctx)
	fl, err := fileOf("write", e.Name, e.FileContext)
	if err != nil {
		return err
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.load(ctx); err != nil {
		return fmt.Errorf("write %s: %w", e.Name, err)
	}
	pos := e.Position
	if e.Append {
		pos = fl.node.size
	}
	cs := f.chunk
	for p, b := pos, e.Buffer; len(b) > 0; {
		idx, off := p/cs, p%cs
		l := min(cs-off, int64(len(b)))
		d, err := fl.chunkBuf(ctx, idx, off+l, off == 0 && l == cs)
		if err != nil {
			return fmt.Errorf("write %s: %w", e.Name, err)
		}
		copy(d[off:], b[:l])
		b, p = b[l:], p+l
	}
	t := now()
	fl.node.size = max(fl.node.size, pos+int64(len(e.Buffer)))
	fl.node.mtime, fl.node.ctime = t, t
	e.BytesWritten = len(e.Buffer)
	if fl.dirtyBytes >= f.opts.DirtyLimit {
		return fl.flushLocked(ctx, e.Name)
	}
	return nil
}

// chunkBuf returns the buffer of chunk idx, at least need bytes long (zeros
// past what it held), filled with the chunk's committed contents first unless
// whole (the caller overwrites all of it); the caller holds fl.mu.
func (fl *file) chunkBuf(ctx context.Context, idx, need int64, whole bool) ([]byte, error) {
	d, ok := fl.dirty[idx]
	if !ok {
		var err error
		if d, err = fl.base(ctx, idx, whole); err != nil {
			return nil, err
		}
		fl.dirtyBytes += int64(cap(d))
	}
	if need > int64(len(d)) {
		if need > int64(cap(d)) {
			nd := make([]byte, need, max(need, min(2*int64(cap(d)), fl.f.chunk)))
			copy(nd, d)
			fl.dirtyBytes += int64(cap(nd) - cap(d))
			d = nd
		} else {
			// A truncate may have left bytes past the end: they read as zeros.
			n := len(d)
			d = d[:need]
			clear(d[n:])
		}
	}
	fl.dirty[idx] = d
	return d, nil
}

// base returns the current contents of chunk idx for a write into it (nothing
// to read when the write covers it whole); the caller holds fl.mu.
func (fl *file) base(ctx context.Context, idx int64, whole bool) ([]byte, error) {
	r, ok := fl.chunks[idx]
	// The bytes of the chunk below the file's size: a truncate may have cut it.
	valid := max(min(fl.node.size-idx*fl.f.chunk, fl.f.chunk), 0)
	if !ok || whole || valid == 0 {
		return make([]byte, 0, min(valid, fl.f.chunk)), nil
	}
	d := make([]byte, valid)
	if c := min(r.len, valid); c > 0 {
		if err := fl.f.readRef(ctx, r, 0, d[:c], false); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// OnSetFileSize truncates or extends a file and writes that out at once.
func (f *FS) OnSetFileSize(ctx context.Context, e *fs.SetFileSizeEvent) error {
	ctx = detach(ctx)
	fl, ok := e.FileContext.(*file)
	if !ok {
		n, err := f.lookup(ctx, e.Name)
		if err != nil {
			return err
		}
		fl = f.acquire(n)
		defer f.release(ctx, fl, e.Name)
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.load(ctx); err != nil {
		return fmt.Errorf("truncate %s: %w", e.Name, err)
	}
	cs := f.chunk
	for idx, d := range fl.dirty {
		keep := e.Size - idx*cs
		switch {
		case keep <= 0:
			fl.dirtyBytes -= int64(cap(d))
			delete(fl.dirty, idx)
		case keep < int64(len(d)):
			fl.dirty[idx] = d[:keep]
		}
	}
	// Bytes past the new end of a committed chunk must read as zeros if the file
	// grows again: the chunk's len is cut in the transaction; cut it here too.
	for idx, r := range fl.chunks {
		if keep := e.Size - idx*cs; keep < r.len {
			if keep <= 0 {
				delete(fl.chunks, idx)
			} else {
				r.len = keep
				fl.chunks[idx] = r
			}
		}
	}
	t := now()
	fl.node.size, fl.node.mtime, fl.node.ctime = e.Size, t, t
	fl.sizeChanged = true
	return fl.flushLocked(ctx, e.Name)
}

// OnCleanupFile writes out the file at each close(2): what is closed here is
// whole in every mount that opens the file afterwards.
func (f *FS) OnCleanupFile(ctx context.Context, e *fs.CleanupFileEvent) error {
	ctx = detach(ctx)
	if fl, ok := e.FileContext.(*file); ok {
		return fl.flush(ctx, e.Name)
	}
	return nil
}

// OnFlushFile writes out the file (fsync): its blocks are in the object store
// and its chunk map committed in PostgreSQL when it returns.
func (f *FS) OnFlushFile(ctx context.Context, e *fs.FlushFileEvent) error {
	ctx = detach(ctx)
	if fl, ok := e.FileContext.(*file); ok {
		return fl.flush(ctx, e.Name)
	}
	return nil
}

// OnCloseFile writes out what is left and releases the open file.
func (f *FS) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	ctx = detach(ctx)
	fl, ok := e.FileContext.(*file)
	if !ok {
		return nil
	}
	if e.PendingDeletion {
		fl.orphan.Store(true)
	}
	return f.release(ctx, fl, e.Name)
}

func (fl *file) flush(ctx context.Context, path string) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.flushLocked(ctx, path)
}

// flushLocked writes out the buffered chunks: each goes to the object store as
// a new block first, then one transaction points the chunks at them and sets
// the size and times. A crash between the two leaves only unreferenced blocks.
// The caller holds fl.mu.
func (fl *file) flushLocked(ctx context.Context, path string) error {
	if len(fl.dirty) == 0 && !fl.sizeChanged {
		return nil
	}
	f := fl.f
	name := fmt.Sprintf("#%d", fl.ino)
	refs := map[int64]chunkRef{}
	var punched []int64 // chunks emptied (a hole punched over them): no block
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for idx, d := range fl.dirty {
		if len(d) == 0 {
			punched = append(punched, idx)
			continue
		}
		key := f.st.newKey(fl.ino)
		g.Go(func() error {
			if err := f.retryData(gctx, "write", key, func() error { return f.st.put(gctx, key, d) }); err != nil {
				return err
			}
			f.cache.put(key, d)
			mu.Lock()
			refs[idx] = chunkRef{key: key, len: int64(len(d))}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	var idxs []int64
	var keys []string
	var lens []int64
	for idx, r := range refs {
		idxs, keys, lens = append(idxs, idx), append(keys, r.key), append(lens, r.len)
	}
	size, truncated := fl.node.size, fl.sizeChanged
	mtime := fl.node.mtime
	var committed, alloc int64
	// One round trip: the size (another mount may have grown the file
	// meanwhile: the larger size wins, unless this is a truncate), the new
	// blocks, the chunks pointed at them, the old blocks deleted, the cut of a
	// truncate, the bytes allocated, the change log.
	err := f.batch(ctx, "write", name, func(b *pgx.Batch) {
		b.Queue(`UPDATE inodes SET size = CASE WHEN $4 THEN $2 ELSE GREATEST(size, $2) END, mtime = $3, ctime = $3
			WHERE ino = $1 RETURNING size`, fl.ino, size, mtime, truncated)
		if len(idxs) > 0 {
			b.Queue(`INSERT INTO blocks (key, ino, size) SELECT k, $1, l FROM unnest($2::text[], $3::bigint[]) u(k, l)`,
				fl.ino, keys, lens)
			b.Queue(`WITH n AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::bigint[]) u(idx, key, len)),
				old AS (SELECT c.block FROM chunks c JOIN n ON n.idx = c.idx WHERE c.ino = $1),
				up AS (INSERT INTO chunks (ino, idx, block, off, len) SELECT $1, idx, key, 0, len FROM n
					ON CONFLICT (ino, idx) DO UPDATE SET block = excluded.block, off = 0, len = excluded.len)
				DELETE FROM blocks WHERE key IN (SELECT block FROM old)`, fl.ino, idxs, keys, lens)
		}
		if len(punched) > 0 {
			b.Queue(`WITH gone AS (DELETE FROM chunks WHERE ino = $1 AND idx = ANY($2) RETURNING block)
				DELETE FROM blocks WHERE key IN (SELECT block FROM gone)`, fl.ino, punched)
		}
		if truncated {
			cs := f.chunk
			b.Queue(`WITH gone AS (DELETE FROM chunks WHERE ino = $1 AND idx * $2::bigint >= $3::bigint RETURNING block)
				DELETE FROM blocks WHERE key IN (SELECT block FROM gone)`, fl.ino, cs, size)
			b.Queue(`UPDATE chunks SET len = LEAST(len, $3::bigint - idx * $2::bigint) WHERE ino = $1 AND idx = $3::bigint / $2::bigint`,
				fl.ino, cs, size)
		}
		b.Queue(`UPDATE inodes SET alloc = (SELECT coalesce(sum(len), 0) FROM chunks WHERE ino = $1) WHERE ino = $1 RETURNING alloc`, fl.ino)
		f.queueChange(b, change{kind: 'm', ino: fl.ino, path: path})
	}, func(br pgx.BatchResults) error {
		err := br.QueryRow().Scan(&committed)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("write %s: %w: the file was deleted by another mount", name, fs.ErrStale)
		}
		if err != nil {
			return err
		}
		n := 0
		if len(idxs) > 0 {
			n += 2
		}
		if len(punched) > 0 {
			n++
		}
		if truncated {
			n += 2
		}
		for range n {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return br.QueryRow().Scan(&alloc)
	})
	if err != nil {
		return err
	}
	if fl.chunks == nil {
		fl.chunks = map[int64]chunkRef{}
	}
	for idx, r := range refs {
		fl.chunks[idx] = r
	}
	for _, idx := range punched {
		delete(fl.chunks, idx)
	}
	clear(fl.dirty)
	fl.dirtyBytes, fl.sizeChanged = 0, false
	fl.node.size, fl.node.alloc = committed, alloc
	f.forget([]int64{fl.ino})
	return nil
}
