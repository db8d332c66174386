package shared

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// FS is one mount of a shared volume. Make it with Open; Close ends the
// session. All methods are safe for concurrent use.
type FS struct {
	cfg   Config
	opts  Options
	log   *slog.Logger
	pool  *pgxpool.Pool
	st    *store
	cache *cache
	chunk int64 // the volume's chunk size

	session atomic.Int64
	channel string // the NOTIFY channel of the volume

	vol atomic.Pointer[fs.Volume]

	inoMu            sync.Mutex
	inoNext, inoLast int64 // the session's range of free inode numbers

	mu    sync.Mutex // the caches and the open-file table
	dents map[dentKey]int64
	nodes map[int64]inode
	open  map[int64]*file

	locks lockWaits

	lastSeq  atomic.Int64 // the last change of the log this mount has seen
	outageAt atomic.Int64 // when an outage was last logged (UnixNano)

	done   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool
}

type dentKey struct {
	parent int64
	name   string
}

// Compile-time checks: the events FS implements.
var (
	_ fs.Interface                = (*FS)(nil)
	_ fs.CreateFileHandler        = (*FS)(nil)
	_ fs.WriteFileHandler         = (*FS)(nil)
	_ fs.CleanupFileHandler       = (*FS)(nil)
	_ fs.FlushFileHandler         = (*FS)(nil)
	_ fs.SetFileAttributesHandler = (*FS)(nil)
	_ fs.CanFileBeDeletedHandler  = (*FS)(nil)
	_ fs.IsDirectoryEmptyHandler  = (*FS)(nil)
	_ fs.DeleteFileHandler        = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler  = (*FS)(nil)
	_ fs.CreateHardLinkHandler    = (*FS)(nil)
	_ fs.SymlinkHandler           = (*FS)(nil)
	_ fs.NamedStreamHandler       = (*FS)(nil)
	_ fs.LockHandler              = (*FS)(nil)
	_ fs.TestLockHandler          = (*FS)(nil)
	_ fs.GetVolumeSizeHandler     = (*FS)(nil)
	_ fs.GetVolumeLabelHandler    = (*FS)(nil)
)

// Open mounts the volume cfg names: it connects to both servers, checks the
// volume's format, starts a session (heartbeat, change listener). opts may be
// nil; log may be nil (slog.Default).
func Open(ctx context.Context, cfg Config, opts *Options, log *slog.Logger) (*FS, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults(cfg.Name)
	if log == nil {
		log = slog.Default()
	}
	st, err := newStore(cfg.Data, cfg.Name)
	if err != nil {
		return nil, err
	}
	if err := st.checkBucket(ctx); err != nil {
		return nil, err
	}
	pool, err := connect(ctx, cfg, 16)
	if err != nil {
		return nil, err
	}
	props, err := readProps(ctx, pool, cfg.Name)
	if err != nil {
		pool.Close()
		return nil, err
	}
	chunk, err := strconv.ParseInt(props["chunk_size"], 10, 64)
	if err != nil || chunk <= 0 {
		pool.Close()
		return nil, fmt.Errorf("volume %s: bad chunk_size %q", cfg.Name, props["chunk_size"])
	}
	c, err := newCache(o.CacheDir, o.CacheSize)
	if err != nil {
		pool.Close()
		return nil, err
	}
	f := &FS{cfg: cfg, opts: o, log: log, pool: pool, st: st, cache: c, chunk: chunk,
		channel: schemaName(cfg.Name), dents: map[dentKey]int64{}, nodes: map[int64]inode{},
		open: map[int64]*file{}, done: make(chan struct{})}
	f.locks.init()
	if err := f.startSession(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	var seq int64
	if err := pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		f.Close()
		return nil, fmt.Errorf("volume %s: %w", cfg.Name, err)
	}
	f.lastSeq.Store(seq)
	f.wg.Add(2)
	go f.heartbeat()
	go f.listen()
	return f, nil
}

// Attach gives FS the volume that serves it, so that changes made by other
// mounts reach the volume's and the kernel's caches (fs.Volume.NotifyChange).
func (f *FS) Attach(v *fs.Volume) { f.vol.Store(v) }

// Session is the id of this mount's session.
func (f *FS) Session() int64 { return f.session.Load() }

// Close writes out nothing (open files are written out at their close), stops
// the session's goroutines and ends the session, releasing its locks.
func (f *FS) Close() error {
	if f.closed.Swap(true) {
		return nil
	}
	close(f.done)
	f.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.endSession(ctx)
	f.pool.Close()
	return err
}

// abandon stops the mount as a crash would: no session end, no unlocks. For the
// tests of what other mounts see after a mount dies.
func (f *FS) abandon() {
	if f.closed.Swap(true) {
		return
	}
	close(f.done)
	f.wg.Wait()
	f.pool.Close()
}

func (f *FS) noteOutage(err error) {
	now := time.Now().UnixNano()
	if last := f.outageAt.Load(); now-last > int64(5*time.Second) && f.outageAt.CompareAndSwap(last, now) {
		f.log.Warn("anyfs shared: server unreachable; retrying", "volume", f.cfg.Name, "err", err)
	}
}

// inode is a row of inodes.
type inode struct {
	ino                        int64
	mode                       uint32
	uid, gid, rdev             int64
	nlink                      int32
	size                       int64
	attrs                      int32
	atime, mtime, ctime, btime int64
}

const inodeCols = `i.ino, i.mode, i.uid, i.gid, i.rdev, i.nlink, i.size, i.attrs, i.atime, i.mtime, i.ctime, i.btime`

func (n *inode) dest() []any {
	return []any{&n.ino, &n.mode, &n.uid, &n.gid, &n.rdev, &n.nlink, &n.size, &n.attrs, &n.atime, &n.mtime, &n.ctime, &n.btime}
}

func (n inode) isDir() bool { return attr.Mode(n.mode).IsDir() }

func (n inode) info(name string) fs.FileInfo {
	fi := fs.FileInfo{Name: name, Mode: attr.Mode(n.mode), Attributes: attr.FileAttributes(n.attrs), Size: n.size,
		CreationTime: time.Unix(0, n.btime), LastAccessTime: time.Unix(0, n.atime),
		LastWriteTime: time.Unix(0, n.mtime), ChangeTime: time.Unix(0, n.ctime),
		FileID: uint64(n.ino), LinkCount: uint32(max(n.nlink, 0)), Uid: uint32(n.uid), Gid: uint32(n.gid), Rdev: uint64(n.rdev)}
	if n.nlink == 0 {
		fi.LinkCount = 0
	}
	return fi
}

// components splits a volume path into its names.
func components(name string) []string {
	name = strings.Trim(name, "/")
	if name == "" {
		return nil
	}
	return strings.Split(name, "/")
}

// walkSQL follows the names of a path from the root in one query, returning
// the inode of each level that exists.
const walkSQL = `WITH RECURSIVE w(depth, ino) AS (
	SELECT 0, 1::bigint
	UNION ALL
	SELECT w.depth + 1, d.ino FROM w JOIN dentries d ON d.parent = w.ino AND d.name = ($1::text[])[w.depth + 1]
	WHERE w.depth < cardinality($1::text[]))
SELECT w.depth, ` + inodeCols + ` FROM w JOIN inodes i ON i.ino = w.ino ORDER BY w.depth`

// walk resolves name in q (a transaction sees its own snapshot): the inodes of
// every level that exists, root first. found reports whether the last exists;
// an error is ErrNotExist or ErrNotDir for a missing or non-directory parent.
func walk(ctx context.Context, q pgx.Tx, name string) (chain []inode, found bool, err error) {
	comps := components(name)
	rows, err := q.Query(ctx, walkSQL, comps)
	if err != nil {
		return nil, false, err
	}
	var n inode
	var depth int
	dest := append([]any{&depth}, n.dest()...)
	_, err = pgx.ForEachRow(rows, dest, func() error { chain = append(chain, n); return nil })
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(chain) == len(comps)+1:
		return chain, true, nil
	case len(chain) == len(comps):
		if !chain[len(chain)-1].isDir() {
			return chain, false, fmt.Errorf("%s: %w", name, fs.ErrNotDir)
		}
		return chain, false, nil
	case len(chain) > 0 && !chain[len(chain)-1].isDir():
		return chain, false, fmt.Errorf("%s: %w", name, fs.ErrNotDir)
	}
	return chain, false, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

// lookup resolves name with the caches, asking PostgreSQL for what they miss.
func (f *FS) lookup(ctx context.Context, name string) (inode, error) {
	parent := int64(rootIno)
	comps := components(name)
	for i, c := range comps {
		f.mu.Lock()
		ino, ok := f.dents[dentKey{parent, c}]
		f.mu.Unlock()
		if !ok {
			var n inode
			err := f.retry(ctx, "lookup", name, func() error {
				return f.pool.QueryRow(ctx, `SELECT `+inodeCols+` FROM dentries d JOIN inodes i ON i.ino = d.ino
					WHERE d.parent = $1 AND d.name = $2`, parent, c).Scan(n.dest()...)
			})
			if errors.Is(err, pgx.ErrNoRows) {
				return inode{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
			}
			if err != nil {
				return inode{}, err
			}
			f.mu.Lock()
			f.dents[dentKey{parent, c}] = n.ino
			f.nodes[n.ino] = n
			f.mu.Unlock()
			ino = n.ino
		}
		if i < len(comps)-1 {
			pn, err := f.node(ctx, ino)
			if err != nil {
				return inode{}, err
			}
			if !pn.isDir() {
				return inode{}, fmt.Errorf("%s: %w", name, fs.ErrNotDir)
			}
		}
		parent = ino
	}
	return f.node(ctx, parent)
}

// node returns inode ino from the cache, or from PostgreSQL.
func (f *FS) node(ctx context.Context, ino int64) (inode, error) {
	f.mu.Lock()
	n, ok := f.nodes[ino]
	f.mu.Unlock()
	if ok {
		return n, nil
	}
	err := f.retry(ctx, "stat", "#"+strconv.FormatInt(ino, 10), func() error {
		return f.pool.QueryRow(ctx, `SELECT `+inodeCols+` FROM inodes i WHERE i.ino = $1`, ino).Scan(n.dest()...)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return inode{}, fmt.Errorf("inode %d: %w", ino, fs.ErrNotExist)
	}
	if err != nil {
		return inode{}, err
	}
	f.mu.Lock()
	f.nodes[ino] = n
	f.mu.Unlock()
	return n, nil
}

// forget drops cached inodes and entries (after a change here or elsewhere).
func (f *FS) forget(inos []int64, dents ...dentKey) {
	f.mu.Lock()
	for _, ino := range inos {
		delete(f.nodes, ino)
	}
	for _, d := range dents {
		delete(f.dents, d)
	}
	f.mu.Unlock()
}

// forgetAll empties the metadata caches.
func (f *FS) forgetAll() {
	f.mu.Lock()
	clear(f.nodes)
	clear(f.dents)
	f.mu.Unlock()
}

// allocIno hands out an inode number from the session's range, taking a new
// range from the sequence when it is used up.
func (f *FS) allocIno(ctx context.Context, tx pgx.Tx) (int64, error) {
	f.inoMu.Lock()
	defer f.inoMu.Unlock()
	if f.inoNext == 0 || f.inoNext > f.inoLast {
		var start int64
		if err := tx.QueryRow(ctx, `SELECT nextval('inode_seq')`).Scan(&start); err != nil {
			return 0, err
		}
		f.inoNext, f.inoLast = start, start+inodeRange-1
	}
	ino := f.inoNext
	f.inoNext++
	return ino, nil
}

// inodeRange is how many inode numbers a session takes at once (the sequence's
// increment in schema.sql).
const inodeRange = 1024

// change records a change in the log, for the other mounts, and wakes them.
type change struct {
	kind         byte // 'a', 'r', 'm', 'n'
	ino          int64
	parent       int64
	name, path   string
	parent2      int64
	name2, path2 string
}

func (f *FS) logChange(ctx context.Context, tx pgx.Tx, c change) error {
	b := &pgx.Batch{}
	f.queueChange(b, c)
	return tx.SendBatch(ctx, b).Close()
}

// queueChange is logChange for a batch.
func (f *FS) queueChange(b *pgx.Batch, c change) {
	b.Queue(`INSERT INTO changes (session, kind, ino, parent, name, path, parent2, name2, path2)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.session.Load(), string(rune(c.kind)), c.ino, c.parent, c.name, c.path,
		c.parent2, c.name2, c.path2)
	b.Queue(`SELECT pg_notify($1, 'c')`, f.channel)
}

func now() int64 { return time.Now().UnixNano() }
