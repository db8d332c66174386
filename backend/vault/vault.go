// Package vault is a persistent file system in one file: an SQLite database
// (modernc.org/sqlite, pure Go, so no cgo is needed on any system) holding inodes,
// directory entries, file data in chunks of ChunkSize, symbolic links, named
// streams and extended attributes. docs/vault.md describes the format and the
// tools.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL: every change is one
// atomic transaction, so a crash of the process or the machine leaves a
// consistent file system. A commit becomes durable (survives a power cut) when it
// is made with synchronous=FULL, which syncs the write-ahead log and with it every
// commit before it: fsync of a file or a directory, and the close of a file that
// was written, make such a commit and return only after it. Other changes
// (creating, renaming or deleting a file; the writes of a file still open) are
// durable at the next such commit, and are never torn.
//
// # Writes
//
// Writes are buffered per open file, in whole chunks, and committed in one
// transaction at fsync, at close, when the buffer reaches Options.BufferSize, and
// when the oldest buffered write is older than Options.CommitInterval. A burst of
// small writes is thus one transaction. Chunk data goes in and out with SQLite's
// incremental blob I/O (blob.go). The write-ahead log is checkpointed when the
// vault is idle, and at the latest when it holds walLimit bytes, so a stream of
// writes is not slowed by checkpoints.
//
// # Locking
//
// One mutex guards the database connection and every open file's state: each
// event runs under it. The database is opened with locking_mode=EXCLUSIVE, so only
// one process serves a vault; another Open fails with ErrInUse, naming the pid of
// the server from the lock file FILE-lock beside the vault.
package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// direntSize is what a directory entry adds to a directory's size, as in tmpfs;
// an empty directory has two ("." and "..").
const direntSize = 20

// rootIno is the inode number of the root directory.
const rootIno = 1

// maxLabel is the longest volume label, in characters (the NTFS limit).
const maxLabel = 32

// Options configure Open. The zero value (or nil) opens the vault for writing,
// creating it when it does not exist.
type Options struct {
	// ReadOnly opens an existing vault for reading only; it is never created or
	// changed, and every change fails with fs.ErrReadOnly.
	ReadOnly bool
	// NoCreate fails with an error wrapping os.ErrNotExist when the vault does not
	// exist, instead of creating it.
	NoCreate bool
	// CaseInsensitive makes lookups of names that do not exist as given match a
	// name that differs only in case (through the folded column).
	CaseInsensitive bool
	// VolumeLabel is the label of a new vault. Empty means "vault".
	VolumeLabel string
	// RootMode is the permission bits of a new vault's root directory. Zero means
	// 0755.
	RootMode attr.Mode
	// BufferSize is how many bytes of writes an open file buffers before it
	// commits them. Zero means 8 MiB.
	BufferSize int
	// CommitInterval is how long a buffered write waits at most before it is
	// committed. Zero means one second.
	CommitInterval time.Duration
	// NoControl says not to serve the control socket (online backups of a mounted
	// vault, see Backup).
	NoControl bool
	// Logger receives the errors of background commits. Nil means slog.Default.
	Logger *slog.Logger
}

// FS is a vault: a file system in one SQLite file. Make it with Open and release
// it with Close. All methods are safe for concurrent use.
type FS struct {
	path     string
	readOnly bool
	fold     bool
	bufSize  int
	interval time.Duration
	log      *slog.Logger

	mu        sync.Mutex // protects the following
	db        *sql.DB
	conn      *sql.Conn
	raw       *rawConn // conn's handle, for blob I/O
	stmts     map[string]*sql.Stmt
	nextIno   int64
	open      map[int64]*file // open files by inode number
	dentries  map[dentryKey]dentry
	free      [][]byte  // chunk buffers for reuse (see newChunk)
	undurable bool      // a commit since the last durable one
	logged    bool      // a commit since the last checkpoint
	lastUse   time.Time // of the connection, for the idle checkpoint
	synced    int64     // the meta row "synced"
	closed    bool
	label     string
	id        uint32

	stop chan struct{}
	kick chan struct{} // data was committed: start writing the log back
	done sync.WaitGroup
	ctl  net.Listener
}

// Compile-time checks: the events the vault implements.
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
	_ fs.XattrNamespacer          = (*FS)(nil)
	_ fs.GetVolumeSizeHandler     = (*FS)(nil)
	_ fs.GetVolumeLabelHandler    = (*FS)(nil)
	_ fs.SetVolumeLabelHandler    = (*FS)(nil)
	_ fs.GetVolumeIDHandler       = (*FS)(nil)
	_ fs.SeekDataHandler          = (*FS)(nil)
	_ fs.AllocateRangeHandler     = (*FS)(nil)
	_ fs.NamespaceOwner           = (*FS)(nil)
)

// OwnsNamespace reports that every change of a vault goes through its volume: a
// writable vault is served by one process only (exclusive locking), and a read-only
// one cannot change, so the kernel may cache its entries and attributes long
// (fs.NamespaceOwner).
func (f *FS) OwnsNamespace() bool { return true }

// Open opens the vault at path, creating it (mode 0600) when it does not exist
// unless opts says ReadOnly or NoCreate. A file that is not a vault, is damaged,
// or has a newer format fails with ErrNotVault, ErrCorrupt or ErrNewerFormat and
// is not modified; a vault another process serves fails with ErrInUse. Files
// unlinked while open when the vault was last served (a crash) are removed.
func Open(path string, opts *Options) (*FS, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("vault %s: %w", path, err)
	}
	path = abs
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !o.ReadOnly && !o.NoCreate {
		if err := create(path, &o); err != nil {
			return nil, err
		}
	} else if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("vault %s: %w", path, os.ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("vault %s: %w", path, unwrapPath(err))
	}
	if err := probe(path); err != nil {
		return nil, err
	}
	db, conn, err := connect(path, o.ReadOnly)
	if err != nil {
		return nil, err
	}
	f := &FS{path: path, readOnly: o.ReadOnly, fold: o.CaseInsensitive, bufSize: o.BufferSize,
		interval: o.CommitInterval, log: o.Logger, db: db, conn: conn,
		stmts: map[string]*sql.Stmt{}, open: map[int64]*file{}, dentries: map[dentryKey]dentry{}, stop: make(chan struct{}),
		kick: make(chan struct{}, 1)}
	if f.bufSize <= 0 {
		f.bufSize = 8 << 20
	}
	if f.interval <= 0 {
		f.interval = time.Second
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	if f.raw, err = openRaw(conn); err != nil {
		conn.Close()
		db.Close()
		return nil, fmt.Errorf("vault %s: %w", path, err)
	}
	if err := f.start(&o); err != nil {
		f.raw.close()
		conn.Close()
		db.Close()
		return nil, err
	}
	return f, nil
}

// start finishes Open: checks the format again under the lock, migrates, cleans
// up orphans, reads the settings, writes the lock file and starts the background
// committer.
func (f *FS) start(o *Options) error {
	if err := checkMeta(f.path, f.conn); err != nil {
		return err
	}
	if !f.readOnly {
		if err := migrate(f.path, f.conn); err != nil {
			return err
		}
	}
	ctx := context.Background()
	var cs, id, synced string
	for _, kv := range []struct {
		k string
		v *string
	}{{"chunk_size", &cs}, {"label", &f.label}, {"volume_id", &id}, {"synced", &synced}} {
		if err := f.conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, kv.k).Scan(kv.v); err != nil {
			return fmt.Errorf("vault %s: meta %s: %w", f.path, kv.k, ErrCorrupt)
		}
	}
	if cs != strconv.Itoa(ChunkSize) {
		return fmt.Errorf("vault %s: chunk size %s, this anyfs uses %d: %w", f.path, cs, ChunkSize, ErrCorrupt)
	}
	n, _ := strconv.ParseUint(id, 10, 32)
	f.id = uint32(n)
	f.synced, _ = strconv.ParseInt(synced, 10, 64)
	if err := f.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(ino), 1) FROM inodes`).Scan(&f.nextIno); err != nil {
		return openError(f.path, err)
	}
	if !f.readOnly {
		// The log is checkpointed when the vault is idle, and by SQLite when it
		// reaches walLimit (in pages of the vault, whose size a vault keeps from its
		// creation).
		var page int64
		if err := f.conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page); err != nil {
			return openError(f.path, err)
		}
		if _, err := f.conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = `+strconv.FormatInt(walLimit/page, 10)); err != nil {
			return openError(f.path, err)
		}
		if err := f.removeOrphans(); err != nil {
			return fmt.Errorf("vault %s: removing files unlinked while open: %w", f.path, err)
		}
	}
	li := lockInfo{pid: os.Getpid()}
	if !o.NoControl {
		f.ctl, li.socket = f.listenControl()
	}
	if !f.readOnly {
		if err := writeLock(f.path, li); err != nil {
			f.log.Warn("vault: cannot write the lock file", "path", lockPath(f.path), "err", err)
		}
		f.done.Add(2)
		go f.committer()
		go f.writeback()
	}
	return nil
}

// removeOrphans deletes the files with no links left: those unlinked while open
// when the vault was last served.
func (f *FS) removeOrphans() error {
	rows, err := f.conn.QueryContext(context.Background(), `SELECT ino FROM inodes WHERE nlink = 0 AND ino <> 1`)
	if err != nil {
		return err
	}
	var inos []int64
	for rows.Next() {
		var ino int64
		if err := rows.Scan(&ino); err != nil {
			rows.Close()
			return err
		}
		inos = append(inos, ino)
	}
	rows.Close()
	if len(inos) == 0 {
		return nil
	}
	return f.txn(func() error {
		for _, ino := range inos {
			if err := f.purge(ino); err != nil {
				return err
			}
		}
		return nil
	})
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// Path returns the absolute path of the vault file.
func (f *FS) Path() string { return f.path }

// Close commits every buffered write durably, closes every open file's state and
// the database, and removes the lock file. The FS is unusable afterwards.
func (f *FS) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	close(f.stop) // the committer stops at its next tick (it takes f.mu first)
	var errs []error
	if !f.readOnly {
		for _, fl := range f.open {
			if err := f.commit(fl, false); err != nil {
				errs = append(errs, err)
			}
		}
		if err := f.durable(); err != nil {
			errs = append(errs, err)
		}
		// Nothing is open any more: the files unlinked while open go now.
		if err := f.removeOrphans(); err != nil {
			errs = append(errs, err)
		}
	}
	f.open = map[int64]*file{}
	f.closed = true
	if f.ctl != nil {
		f.ctl.Close()
	}
	for _, s := range f.stmts {
		s.Close()
	}
	f.mu.Unlock()
	f.done.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raw.close()
	if err := f.conn.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := f.db.Close(); err != nil {
		errs = append(errs, err)
	}
	if !f.readOnly {
		os.Remove(lockPath(f.path))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("vault %s: close: %w", f.path, err)
	}
	return nil
}

// committer commits buffered writes older than the commit interval, and
// checkpoints the log once the connection has been idle for a tick: copying the
// log into the database then delays no event (a stream of writes is not slowed by
// checkpoints of its own pages), and the log stays short.
func (f *FS) committer() {
	defer f.done.Done()
	tick := max(f.interval/4, 10*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return
		}
		for _, fl := range f.open {
			if fl.dirtyBytes > 0 && time.Since(fl.dirtySince) >= f.interval {
				if err := f.commit(fl, false); err != nil {
					fl.err = err
					f.log.Error("vault: background commit", "path", f.path, "ino", fl.ino, "err", err)
				}
			}
		}
		if f.logged && time.Since(f.lastUse) >= tick {
			if _, err := f.conn.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				f.log.Warn("vault: checkpoint", "path", f.path, "err", err)
			}
			f.logged = false
		}
		f.mu.Unlock()
	}
}

// writeback starts writing the log to the disk after each commit of file data,
// while the writer goes on: the durable commit at the writer's fsync or close
// then finds most of the log on the disk already and waits only for the rest.
func (f *FS) writeback() {
	defer f.done.Done()
	var wal *os.File
	defer func() {
		if wal != nil {
			wal.Close()
		}
	}()
	for {
		select {
		case <-f.stop:
			return
		case <-f.kick:
		}
		if wal == nil {
			var err error
			if wal, err = os.Open(f.path + "-wal"); err != nil {
				continue
			}
		}
		startWriteback(wal)
	}
}

// ---- the connection: statements and transactions (the caller holds f.mu) ----

func (f *FS) stmt(q string) (*sql.Stmt, error) {
	f.lastUse = time.Now()
	if s := f.stmts[q]; s != nil {
		return s, nil
	}
	if f.closed {
		return nil, fmt.Errorf("vault %s is closed: %w", f.path, fs.ErrIO)
	}
	s, err := f.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	f.stmts[q] = s
	return s, nil
}

func (f *FS) exec(q string, args ...any) (sql.Result, error) {
	s, err := f.stmt(q)
	if err != nil {
		return nil, err
	}
	r, err := s.ExecContext(context.Background(), args...)
	return r, mapErr(err)
}

func (f *FS) queryRow(q string, args []any, dest ...any) error {
	s, err := f.stmt(q)
	if err != nil {
		return err
	}
	return mapErr(s.QueryRowContext(context.Background(), args...).Scan(dest...))
}

func (f *FS) query(q string, args ...any) (*sql.Rows, error) {
	s, err := f.stmt(q)
	if err != nil {
		return nil, err
	}
	r, err := s.QueryContext(context.Background(), args...)
	return r, mapErr(err)
}

// txn runs fn in one transaction, committed with synchronous=NORMAL: atomic and
// consistent, durable at the next durable commit.
func (f *FS) txn(fn func() error) error {
	if f.readOnly {
		return fmt.Errorf("vault %s: %w", f.path, fs.ErrReadOnly)
	}
	if _, err := f.exec("BEGIN"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		f.exec("ROLLBACK")
		return err
	}
	if _, err := f.exec("COMMIT"); err != nil {
		f.exec("ROLLBACK")
		return err
	}
	f.undurable, f.logged = true, true
	return nil
}

// txnDurable runs fn in one transaction committed with synchronous=FULL: it
// returns after the write-ahead log, and with it every earlier commit, is on
// stable storage.
func (f *FS) txnDurable(fn func() error) error {
	if _, err := f.exec("PRAGMA synchronous = FULL"); err != nil {
		return err
	}
	defer f.exec("PRAGMA synchronous = NORMAL")
	err := f.txn(func() error {
		if err := fn(); err != nil {
			return err
		}
		// Something must be written for the commit to sync the log.
		f.synced++
		_, err := f.exec(`UPDATE meta SET value = ? WHERE key = 'synced'`, strconv.FormatInt(f.synced, 10))
		return err
	})
	if err == nil {
		f.undurable = false
	}
	return err
}

// durable makes every commit so far durable.
func (f *FS) durable() error {
	if !f.undurable {
		return nil
	}
	return f.txnDurable(func() error { return nil })
}
