package shared

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed schema.sql
var schemaSQL string

// formatVersion is the version of schema.sql a volume was formatted with.
const formatVersion = "2"

// rootIno is the inode number of the root directory.
const rootIno = 1

// connect opens a pool on the volume's schema.
func connect(ctx context.Context, cfg Config, maxConns int32) (*pgxpool.Pool, error) {
	if err := checkName(cfg.Name); err != nil {
		return nil, err
	}
	u, err := metaConfig(cfg.Meta, cfg.Name)
	if err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("--meta: %w", err)
	}
	pc.MaxConns = maxConns
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", redact(cfg.Meta), err)
	}
	return pool, nil
}

// Format makes a new, empty volume: its PostgreSQL schema, tables and root
// directory, and checks that the bucket exists. It fails when the volume exists.
func Format(ctx context.Context, cfg Config) error {
	st, err := newStore(cfg.Data, cfg.Name)
	if err != nil {
		return err
	}
	if err := st.checkBucket(ctx); err != nil {
		return err
	}
	pool, err := connect(ctx, cfg, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	schema := schemaName(cfg.Name)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
			return fmt.Errorf("format %s: %w", cfg.Name, err)
		}
		if n > 0 {
			return fmt.Errorf("format %s: %w: the volume exists", cfg.Name, fs.ErrExist)
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("format %s: %w", cfg.Name, err)
		}
		if _, err := tx.Exec(ctx, schemaSQL); err != nil {
			return fmt.Errorf("format %s: schema: %w", cfg.Name, err)
		}
		now := time.Now().UnixNano()
		uid, gid := max(os.Getuid(), 0), max(os.Getgid(), 0)
		if _, err := tx.Exec(ctx, `INSERT INTO inodes (ino, mode, uid, gid, nlink, atime, mtime, ctime, btime)
			VALUES ($1, $2, $3, $4, 2, $5, $5, $5, $5)`, rootIno, 0o040755, uid, gid, now); err != nil {
			return fmt.Errorf("format %s: root: %w", cfg.Name, err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO props (key, value) VALUES ('version', $1), ('chunk_size', $2), ('created', $3)`,
			formatVersion, strconv.Itoa(DefaultChunkSize), time.Now().UTC().Format(time.RFC3339))
		if err != nil {
			return fmt.Errorf("format %s: %w", cfg.Name, err)
		}
		return nil
	})
}

// Destroy removes a volume: its blocks from the object store, then its
// PostgreSQL schema. No mount may be using it.
func Destroy(ctx context.Context, cfg Config) error {
	st, err := newStore(cfg.Data, cfg.Name)
	if err != nil {
		return err
	}
	if err := st.list(ctx, func(o object) error { return st.remove(ctx, o.key) }); err != nil {
		return fmt.Errorf("destroy %s: %w", cfg.Name, err)
	}
	pool, err := connect(ctx, cfg, 1)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schemaName(cfg.Name)}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("destroy %s: %w", cfg.Name, err)
	}
	return nil
}

// Status is what `anyfs shared status` reports.
type Status struct {
	Name, Version, Created string
	ChunkSize              int64
	Files, Dirs            int64
	Bytes                  int64 // the sum of file sizes
	Blocks                 int64 // referenced blocks
	BlockBytes             int64
	Sessions               []SessionInfo
	Locks                  int64
	LastChange             int64
}

// SessionInfo is a live mount.
type SessionInfo struct {
	ID        int64
	Host      string
	Pid       int
	Started   time.Time
	Heartbeat time.Time
	Alive     bool
}

// GetStatus reads the volume's status.
func GetStatus(ctx context.Context, cfg Config) (Status, error) {
	pool, err := connect(ctx, cfg, 2)
	if err != nil {
		return Status{}, err
	}
	defer pool.Close()
	s := Status{Name: cfg.Name}
	props, err := readProps(ctx, pool, cfg.Name)
	if err != nil {
		return s, err
	}
	s.Version, s.Created = props["version"], props["created"]
	s.ChunkSize, _ = strconv.ParseInt(props["chunk_size"], 10, 64)
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM inodes WHERE mode & 61440 <> 16384),
		(SELECT count(*) FROM inodes WHERE mode & 61440 = 16384),
		(SELECT coalesce(sum(size), 0) FROM inodes WHERE mode & 61440 = 32768),
		(SELECT count(*) FROM blocks), (SELECT coalesce(sum(size), 0) FROM blocks),
		(SELECT count(*) FROM locks), (SELECT coalesce(max(seq), 0) FROM changes)`).
		Scan(&s.Files, &s.Dirs, &s.Bytes, &s.Blocks, &s.BlockBytes, &s.Locks, &s.LastChange)
	if err != nil {
		return s, fmt.Errorf("status %s: %w", cfg.Name, err)
	}
	rows, err := pool.Query(ctx, `SELECT id, host, pid, started, heartbeat, heartbeat > now() - ttl FROM sessions ORDER BY id`)
	if err != nil {
		return s, fmt.Errorf("status %s: %w", cfg.Name, err)
	}
	s.Sessions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SessionInfo, error) {
		var si SessionInfo
		err := r.Scan(&si.ID, &si.Host, &si.Pid, &si.Started, &si.Heartbeat, &si.Alive)
		return si, err
	})
	if err != nil {
		return s, fmt.Errorf("status %s: %w", cfg.Name, err)
	}
	return s, nil
}

// readProps reads the volume's constants, failing clearly when the volume was
// never formatted or has a format this code does not know.
func readProps(ctx context.Context, pool *pgxpool.Pool, name string) (map[string]string, error) {
	rows, err := pool.Query(ctx, `SELECT key, value FROM props`)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return nil, fmt.Errorf("volume %s: %w: not formatted (anyfs shared format)", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	props := map[string]string{}
	var k, v string
	if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { props[k] = v; return nil }); err != nil {
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	if props["version"] != formatVersion {
		return nil, fmt.Errorf("volume %s: format version %q, want %q", name, props["version"], formatVersion)
	}
	return props, nil
}

// outage reports whether err means a server could not be reached (as
// opposed to an answer), and whether the operation may be tried again: it did
// not reach a commit.
func outage(err error) (isOutage, retry bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03":
			return true, true // connection failures and shutdowns: nothing committed
		case pe.Code == "40001", pe.Code == "40P01":
			return false, true // serialization failure, deadlock: try again
		}
		return false, false
	}
	if semantic(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, false
	}
	var u unsure
	return true, !errors.As(err, &u)
}

// unsure marks a failure of COMMIT to reach the server: the transaction may
// or may not have committed, so it is not tried again.
type unsure struct{ err error }

func (u unsure) Error() string { return u.err.Error() }
func (u unsure) Unwrap() error { return u.err }

// semantic reports whether err is an answer of the file system (ErrNotExist,
// ...), not a failure to reach a server.
func semantic(err error) bool {
	for _, e := range []error{fs.ErrNotExist, fs.ErrExist, fs.ErrNotEmpty, fs.ErrNotDir, fs.ErrIsDir,
		fs.ErrInvalid, fs.ErrPermission, fs.ErrNotPermitted, fs.ErrWouldBlock, fs.ErrNoAttribute,
		fs.ErrNotSupported, fs.ErrStale, fs.ErrIO, fs.ErrTooManyLinks, fs.ErrRange, errClosed, pgx.ErrNoRows} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// tx runs fn in one transaction, trying again after a serialization failure,
// and, while the server cannot be reached, as Options.Outage says. Errors name
// op and name.
func (f *FS) tx(ctx context.Context, op, name string, fn func(pgx.Tx) error) error {
	return f.retry(ctx, op, name, func() error {
		tx, err := f.pool.Begin(ctx)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback(context.Background())
			return err // not committed: safe to try again
		}
		if err := tx.Commit(ctx); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) || errors.Is(err, context.Canceled) {
				return err // the server refused it, or it was never sent
			}
			return unsure{err}
		}
		return nil
	})
}

// batch sends the statements build queues in one round trip, as one implicit
// transaction (the statements of a pipeline up to its Sync commit together or
// not at all), and hands their results, in order, to read. It retries as tx
// does; a connection lost after the batch was sent fails with EIO, as the
// batch may or may not have committed.
func (f *FS) batch(ctx context.Context, op, name string, build func(b *pgx.Batch), read func(pgx.BatchResults) error) error {
	return f.retry(ctx, op, name, func() error {
		conn, err := f.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		b := &pgx.Batch{}
		build(b)
		br := conn.SendBatch(ctx, b)
		err = read(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		var pe *pgconn.PgError
		if err == nil || semantic(err) || errors.As(err, &pe) || errors.Is(err, context.Canceled) || pgconn.SafeToRetry(err) {
			return err // an answer, or nothing was sent
		}
		return unsure{err}
	})
}

// retry runs fn until it succeeds or fails for good; see tx. fn must be safe
// to run again after a failure (a read, or a transaction that did not commit).
func (f *FS) retry(ctx context.Context, op, name string, fn func() error) error {
	deadline := time.Now().Add(f.opts.OutageRetry)
	wait := 10 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		isOut, again := outage(err)
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s %s: %w", op, name, fs.ErrInterrupted)
		}
		if !isOut && !again {
			if semantic(err) {
				return err
			}
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation: a name taken meanwhile
				return fmt.Errorf("%s %s: %w", op, name, fs.ErrExist)
			}
			return fmt.Errorf("%s %s: %w: %v", op, name, fs.ErrIO, err)
		}
		if !again {
			return fmt.Errorf("%s %s: %w: metadata server: %v (the operation may or may not have taken effect)", op, name, fs.ErrIO, err)
		}
		if isOut && f.opts.Outage == OutageEIO && time.Now().After(deadline) {
			return fmt.Errorf("%s %s: %w: metadata server unreachable: %v", op, name, fs.ErrIO, err)
		}
		if isOut {
			f.noteOutage(err)
		}
		select {
		case <-interrupted(ctx):
			return fmt.Errorf("%s %s: %w", op, name, fs.ErrInterrupted)
		case <-f.done:
			return fmt.Errorf("%s %s: %w", op, name, errClosed)
		case <-time.After(wait):
		}
		if isOut {
			wait = min(2*wait, time.Second)
		}
	}
}

// interruptKey holds the Done channel of an event's context (see detach).
type interruptKey struct{}

// detach returns ctx without its cancellation, for the queries of an event: a
// FUSE interrupt (which a Go caller gets at every preemption signal) would
// otherwise cancel a query half-way, closing its connection, and fail an
// operation the kernel is about to restart anyway. The cancellation still ends
// waits: for a server during an outage (retry), for a lock.
func detach(ctx context.Context) context.Context {
	if ctx.Value(interruptKey{}) != nil {
		return ctx
	}
	return context.WithValue(context.WithoutCancel(ctx), interruptKey{}, ctx.Done())
}

// interrupted is the Done channel of the event's own context.
func interrupted(ctx context.Context) <-chan struct{} {
	if ch, ok := ctx.Value(interruptKey{}).(<-chan struct{}); ok {
		return ch
	}
	return ctx.Done()
}
