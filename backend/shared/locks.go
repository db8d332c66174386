package shared

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/jackc/pgx/v5"
)

// Locks live in the locks table, one row per owner and range, keyed by the
// session. A lock is refused (fs.ErrWouldBlock) when a live session other than
// this one holds a conflicting lock; the volume then asks again while its
// caller waits. Those retries do not query PostgreSQL each time: a refusal is
// remembered until an unlock anywhere wakes this mount (NOTIFY 'u', which
// every unlock and every removal of a dead session sends) or recheckAfter
// passes, which bounds the wait for a session that died holding the lock.

// recheckAfter is how long a refusal is believed without news.
const recheckAfter = time.Second

// lockWaits remembers refusals.
type lockWaits struct {
	mu      sync.Mutex
	gen     uint64 // counts wakes
	refused map[lockKey]refusal
}

type lockKey struct {
	ino, owner, start, stop int64
	flock, exclusive        bool
}

type refusal struct {
	gen uint64
	at  time.Time
}

func (l *lockWaits) init() { l.refused = map[lockKey]refusal{} }

// wake forgets every refusal: something was unlocked.
func (l *lockWaits) wake() {
	l.mu.Lock()
	l.gen++
	clear(l.refused)
	l.mu.Unlock()
}

// stillRefused reports whether k was refused with no wake since, recently.
func (l *lockWaits) stillRefused(k lockKey) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.refused[k]
	return ok && r.gen == l.gen && time.Since(r.at) < recheckAfter
}

func (l *lockWaits) refuse(k lockKey, gen uint64) {
	l.mu.Lock()
	if gen == l.gen {
		l.refused[k] = refusal{gen: gen, at: time.Now()}
	}
	l.mu.Unlock()
}

func (l *lockWaits) generation() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gen
}

// maxPos is the end of a lock "to the end of the file" (bigint has 63 bits).
const maxPos = math.MaxInt64

// lockRange converts an event's offset and length to [start, stop].
func lockRange(off, length uint64) (int64, int64) {
	start := int64(min(off, maxPos))
	if length == 0 || off+length-1 < off || off+length-1 > maxPos {
		return start, maxPos
	}
	return start, int64(off + length - 1)
}

// lockOwner is the owner column: the POSIX owner, or the handle of a flock.
func lockOwner(owner uint64, flock bool, hctx any) int64 {
	if flock {
		if h, ok := hctx.(*handle); ok {
			return int64(h.id)
		}
	}
	return int64(owner & math.MaxInt64)
}

// conflictSQL finds a conflicting lock of another live session.
const conflictSQL = `SELECT l.start, l.stop, l.exclusive FROM locks l JOIN sessions s ON s.id = l.session
	WHERE l.ino = $1 AND l.flock = $2 AND l.session <> $3 AND l.start <= $5 AND $4 <= l.stop
	AND (l.exclusive OR $6) AND s.heartbeat > now() - s.ttl LIMIT 1`

// OnLockFile takes a lock in PostgreSQL for the whole volume.
func (f *FS) OnLockFile(ctx context.Context, e *fs.LockFileEvent) error {
	ctx = detach(ctx)
	fl, ok := e.FileContext.(*file)
	if !ok {
		return fmt.Errorf("lock %s: %w", e.Name, fs.ErrBadHandle)
	}
	start, stop := lockRange(e.Offset, e.Length)
	owner := lockOwner(e.Owner, e.Flock, e.HandleContext)
	k := lockKey{fl.ino, owner, start, stop, e.Flock, e.Exclusive}
	if f.locks.stillRefused(k) {
		return fmt.Errorf("lock %s: %w", e.Name, fs.ErrWouldBlock)
	}
	gen := f.locks.generation()
	err := f.tx(ctx, "lock", e.Name, func(tx pgx.Tx) error {
		// One lock change per inode at a time, in every mount.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, fl.ino); err != nil {
			return err
		}
		var s, t int64
		var x bool
		err := tx.QueryRow(ctx, conflictSQL, fl.ino, e.Flock, f.session.Load(), start, stop, e.Exclusive).Scan(&s, &t, &x)
		if err == nil {
			return fmt.Errorf("lock %s: %w", e.Name, fs.ErrWouldBlock)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := f.cutLocks(ctx, tx, fl.ino, owner, e.Flock, start, stop); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO locks (ino, session, owner, flock, start, stop, exclusive)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, fl.ino, f.session.Load(), owner, e.Flock, start, stop, e.Exclusive)
		return err
	})
	if err != nil && isWouldBlock(err) {
		f.locks.refuse(k, gen)
	}
	return err
}

func isWouldBlock(err error) bool { return errors.Is(err, fs.ErrWouldBlock) }

// cutLocks removes [start, stop] from the owner's locks of ino in this
// session, keeping the parts outside it.
func (f *FS) cutLocks(ctx context.Context, tx pgx.Tx, ino, owner int64, flock bool, start, stop int64) error {
	rows, err := tx.Query(ctx, `DELETE FROM locks WHERE ino = $1 AND session = $2 AND owner = $3 AND flock = $4
		AND start <= $6 AND $5 <= stop RETURNING start, stop, exclusive`, ino, f.session.Load(), owner, flock, start, stop)
	if err != nil {
		return err
	}
	type piece struct {
		s, t int64
		x    bool
	}
	var cut []piece
	var p piece
	if _, err := pgx.ForEachRow(rows, []any{&p.s, &p.t, &p.x}, func() error { cut = append(cut, p); return nil }); err != nil {
		return err
	}
	for _, c := range cut {
		var keep []piece
		if c.s < start {
			keep = append(keep, piece{c.s, start - 1, c.x})
		}
		if c.t > stop {
			keep = append(keep, piece{stop + 1, c.t, c.x})
		}
		for _, k := range keep {
			if _, err := tx.Exec(ctx, `INSERT INTO locks (ino, session, owner, flock, start, stop, exclusive)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, ino, f.session.Load(), owner, flock, k.s, k.t, k.x); err != nil {
				return err
			}
		}
	}
	return nil
}

// OnUnlockFile releases a range and wakes the mounts waiting for locks.
func (f *FS) OnUnlockFile(ctx context.Context, e *fs.UnlockFileEvent) error {
	ctx = detach(ctx)
	fl, ok := e.FileContext.(*file)
	if !ok {
		return fmt.Errorf("unlock %s: %w", e.Name, fs.ErrBadHandle)
	}
	start, stop := lockRange(e.Offset, e.Length)
	owner := lockOwner(e.Owner, e.Flock, e.HandleContext)
	return f.tx(ctx, "unlock", e.Name, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, fl.ino); err != nil {
			return err
		}
		if err := f.cutLocks(ctx, tx, fl.ino, owner, e.Flock, start, stop); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, 'u')`, f.channel)
		return err
	})
}

// OnTestLock reports a conflicting lock of another mount (F_GETLK).
func (f *FS) OnTestLock(ctx context.Context, e *fs.TestLockEvent) error {
	ctx = detach(ctx)
	fl, ok := e.FileContext.(*file)
	if !ok {
		return fmt.Errorf("getlk %s: %w", e.Name, fs.ErrBadHandle)
	}
	start, stop := lockRange(e.Offset, e.Length)
	var s, t int64
	var x bool
	err := f.retry(ctx, "getlk", e.Name, func() error {
		return f.pool.QueryRow(ctx, conflictSQL, fl.ino, false, f.session.Load(), start, stop, e.Exclusive).Scan(&s, &t, &x)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		e.Holder = fs.Lock{Type: fs.LockUnlock}
		return nil
	}
	if err != nil {
		return err
	}
	e.Holder = fs.Lock{Start: uint64(s), End: uint64(t), Type: fs.LockRead}
	if t == maxPos {
		e.Holder.End = math.MaxUint64
	}
	if x {
		e.Holder.Type = fs.LockWrite
	}
	return nil
}
