package shared

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/jackc/pgx/v5"
)

// changeRetention is how long the change log keeps a change: a mount
// disconnected for longer drops all its caches when it comes back.
const changeRetention = time.Hour

// startSession adds this mount's row to sessions.
func (f *FS) startSession(ctx context.Context) error {
	host, _ := os.Hostname()
	var id int64
	err := f.retry(ctx, "session", f.cfg.Name, func() error {
		return f.pool.QueryRow(ctx, `INSERT INTO sessions (host, pid, ttl) VALUES ($1, $2, $3) RETURNING id`,
			host, os.Getpid(), f.opts.SessionTTL).Scan(&id)
	})
	if err != nil {
		return err
	}
	f.session.Store(id)
	return nil
}

// endSession deletes the session and its locks, and wakes the mounts waiting
// for them.
func (f *FS) endSession(ctx context.Context) error {
	_, err := f.pool.Exec(ctx, `WITH s AS (DELETE FROM sessions WHERE id = $1) SELECT pg_notify($2, 'u')`, f.session.Load(), f.channel)
	if err != nil {
		return fmt.Errorf("end session %d: %w", f.session.Load(), err)
	}
	return nil
}

// heartbeat keeps the session alive every third of its ttl, and deletes dead
// sessions (with their locks and orphans) and old changes.
func (f *FS) heartbeat() {
	defer f.wg.Done()
	tick := time.NewTicker(f.opts.SessionTTL / 3)
	defer tick.Stop()
	var lastTrim time.Time
	for {
		select {
		case <-f.done:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), f.opts.SessionTTL/3)
		tag, err := f.pool.Exec(ctx, `UPDATE sessions SET heartbeat = now() WHERE id = $1`, f.session.Load())
		switch {
		case err != nil:
			f.noteOutage(err)
		case tag.RowsAffected() == 0:
			// Declared dead by another mount while this one could not reach the
			// server: its locks are gone. Carry on under a new session.
			old := f.session.Load()
			if err := f.startSession(ctx); err == nil {
				f.log.Error("anyfs shared: the session expired during an outage; its locks were released",
					"volume", f.cfg.Name, "old", old, "new", f.session.Load())
			}
		default:
			if err := f.reap(ctx); err != nil {
				f.noteOutage(err)
			}
			if time.Since(lastTrim) > time.Minute {
				if _, err := f.pool.Exec(ctx, `DELETE FROM changes WHERE at < now() - $1::interval`, changeRetention); err == nil {
					lastTrim = time.Now()
				}
			}
		}
		cancel()
	}
}

// reap deletes the sessions whose heartbeat is older than their ttl: their
// orphans, then the rows (their locks go with them), and wakes lock waiters.
func (f *FS) reap(ctx context.Context) error {
	return pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM sessions WHERE heartbeat < now() - ttl FOR UPDATE SKIP LOCKED`)
		if err != nil {
			return err
		}
		dead, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(dead) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT ino FROM orphans WHERE session = ANY($1)`, dead)
		if err != nil {
			return err
		}
		orphans, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, ino := range orphans {
			if err := purge(ctx, tx, ino); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ANY($1)`, dead); err != nil {
			return err
		}
		f.log.Info("anyfs shared: removed dead sessions", "volume", f.cfg.Name, "sessions", dead, "orphans", len(orphans))
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, 'u')`, f.channel)
		return err
	})
}

// listen follows the change log: LISTEN wakes it, and it reads the changes
// after the last it saw, also after a reconnect (NOTIFY is lost while the
// connection is down, the log is not).
func (f *FS) listen() {
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-f.done
		cancel()
	}()
	fo := follower{base: f.lastSeq.Load(), seen: map[int64]bool{}, holes: map[int64]time.Time{}}
	wait := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := f.listenOnce(ctx, &fo)
		if ctx.Err() != nil {
			return
		}
		f.noteOutage(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func (f *FS) listenOnce(ctx context.Context, fo *follower) error {
	if f.opts.beforeListen != nil {
		f.opts.beforeListen()
	}
	cc := f.pool.Config().ConnConfig.Copy()
	cc.RuntimeParams["application_name"] = fmt.Sprintf("anyfs listener %s %d", f.cfg.Name, f.session.Load())
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{f.channel}.Sanitize()); err != nil {
		return err
	}
	// Locks freed while disconnected: let waiters ask again.
	f.locks.wake()
	if err := f.catchUp(ctx, conn, fo); err != nil {
		return err
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		n, err := conn.WaitForNotification(wctx)
		expired := wctx.Err() != nil // before cancel, which sets it too
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && expired && !conn.IsClosed():
			// No news for a second: read the log anyway, for holes left by
			// transactions that committed out of order.
			if len(fo.holes) > 0 {
				if err := f.catchUp(ctx, conn, fo); err != nil {
					return err
				}
			}
			continue
		case err != nil:
			return err
		}
		if n.Payload == "u" {
			f.locks.wake()
			continue
		}
		if err := f.catchUp(ctx, conn, fo); err != nil {
			return err
		}
	}
}

// follower tracks which changes of the log a mount has applied. Sequence
// numbers are taken before commit, so a change can appear after one with a
// higher number: a gap is a hole, waited for holeWait before it is taken for a
// rolled-back transaction.
type follower struct {
	base  int64 // every change up to base is applied (or was a hole)
	seen  map[int64]bool
	holes map[int64]time.Time
}

const holeWait = 5 * time.Second

func (f *FS) catchUp(ctx context.Context, conn *pgx.Conn, fo *follower) error {
	var oldest int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(min(seq), 0) FROM changes`).Scan(&oldest); err != nil {
		return err
	}
	if oldest > fo.base+1 && fo.base > 0 {
		// Changes were trimmed before this mount saw them: drop every cache.
		f.forgetAll()
		f.staleAll()
		if v := f.vol.Load(); v != nil {
			v.NotifyChange(fs.ChangeModified, "/", "")
		}
	}
	rows, err := conn.Query(ctx, `SELECT seq, session, kind, ino, parent, name, path, parent2, name2, path2
		FROM changes WHERE seq > $1 ORDER BY seq`, fo.base)
	if err != nil {
		return err
	}
	var cs []struct {
		seq, session int64
		c            change
	}
	var seq, session int64
	var kind string
	var c change
	_, err = pgx.ForEachRow(rows, []any{&seq, &session, &kind, &c.ino, &c.parent, &c.name, &c.path, &c.parent2, &c.name2, &c.path2},
		func() error {
			c.kind = kind[0]
			cs = append(cs, struct {
				seq, session int64
				c            change
			}{seq, session, c})
			return nil
		})
	if err != nil {
		return err
	}
	top := fo.base
	for _, r := range cs {
		top = max(top, r.seq)
		if fo.seen[r.seq] {
			continue
		}
		fo.seen[r.seq] = true
		delete(fo.holes, r.seq)
		if r.session != f.session.Load() {
			f.apply(r.c)
		}
	}
	t := time.Now()
	for s := fo.base + 1; s <= top; s++ {
		if _, ok := fo.holes[s]; !ok && !fo.seen[s] {
			fo.holes[s] = t
		}
	}
	for {
		next := fo.base + 1
		if fo.seen[next] {
			delete(fo.seen, next)
		} else if h, ok := fo.holes[next]; ok && t.Sub(h) > holeWait {
			delete(fo.holes, next)
		} else {
			break
		}
		fo.base = next
	}
	f.lastSeq.Store(fo.base)
	return nil
}

// apply makes a change of another mount visible here: the caches forget what it
// touched, open files reload their chunk map, and the volume and the kernel
// drop their caches of the names.
func (f *FS) apply(c change) {
	f.forget([]int64{c.ino, c.parent, c.parent2}, dentKey{c.parent, c.name}, dentKey{c.parent2, c.name2})
	if fl := f.openFile(c.ino); fl != nil {
		fl.stale.Store(true)
	}
	v := f.vol.Load()
	if v == nil || c.path == "" {
		return
	}
	var err error
	switch c.kind {
	case 'a':
		err = v.NotifyChange(fs.ChangeAdded, c.path, "")
	case 'r':
		err = v.NotifyChange(fs.ChangeRemoved, c.path, "")
	case 'n':
		err = v.NotifyChange(fs.ChangeRenamed, c.path, c.path2)
	default:
		err = v.NotifyChange(fs.ChangeModified, c.path, "")
	}
	if err != nil {
		f.log.Debug("anyfs shared: invalidation", "path", c.path, "err", err)
	}
}

// staleAll marks every open file for a reload of its chunk map.
func (f *FS) staleAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fl := range f.open {
		fl.stale.Store(true)
	}
}
