package shared

import (
	"context"
	"fmt"
	"time"
)

// DefaultGCMinAge is the age below which GC leaves an unreferenced block
// alone: a block is uploaded before the transaction that references it
// commits, so a young unreferenced block may belong to a write in progress.
const DefaultGCMinAge = time.Hour

// GCResult is what GC found and did.
type GCResult struct {
	Objects, Referenced int64 // blocks listed; blocks the metadata references
	Removed             int64 // unreferenced blocks removed
	RemovedBytes        int64
	Young               int64 // unreferenced blocks kept for being younger than minAge
}

// GC removes the blocks of the object store that no chunk of the volume
// references and that are older than minAge (negative: DefaultGCMinAge). A
// referenced block is never removed: each listed block is checked against the
// blocks table, and only after the listing (a block referenced meanwhile was
// uploaded after the listing began, so it is younger than minAge).
func GC(ctx context.Context, cfg Config, minAge time.Duration, dryRun bool) (GCResult, error) {
	if minAge < 0 {
		minAge = DefaultGCMinAge
	}
	st, err := newStore(cfg.Data, cfg.Name)
	if err != nil {
		return GCResult{}, err
	}
	pool, err := connect(ctx, cfg, 2)
	if err != nil {
		return GCResult{}, err
	}
	defer pool.Close()
	if _, err := readProps(ctx, pool, cfg.Name); err != nil {
		return GCResult{}, err
	}
	var r GCResult
	started := time.Now()
	var batch []object
	check := func() error {
		keys := make([]string, len(batch))
		for i, o := range batch {
			keys[i] = o.key
		}
		rows, err := pool.Query(ctx, `SELECT key FROM blocks WHERE key = ANY($1)`, keys)
		if err != nil {
			return fmt.Errorf("gc %s: %w", cfg.Name, err)
		}
		ref := map[string]bool{}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("gc %s: %w", cfg.Name, err)
			}
			ref[k] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("gc %s: %w", cfg.Name, err)
		}
		for _, o := range batch {
			switch {
			case ref[o.key]:
				r.Referenced++
			case started.Sub(o.modTime) < minAge:
				r.Young++
			default:
				if !dryRun {
					if err := st.remove(ctx, o.key); err != nil {
						return fmt.Errorf("gc %s: %w", cfg.Name, err)
					}
				}
				r.Removed++
				r.RemovedBytes += o.size
			}
		}
		batch = batch[:0]
		return nil
	}
	err = st.list(ctx, func(o object) error {
		r.Objects++
		batch = append(batch, o)
		if len(batch) == 1000 {
			return check()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = check()
	}
	return r, err
}
