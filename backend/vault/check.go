package vault

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// bg is the context of every database call: a request's cancellation must not
// cut a transaction short.
var bg = context.Background()

// Report is what Check found.
type Report struct {
	// Problems are the broken invariants, one line each; empty means the vault is
	// sound.
	Problems []string
	// Orphans counts the files unlinked while open when the vault was last
	// served; the next Open for writing removes them.
	Orphans int
	// Files, Dirs and Bytes count the inodes, the directories among them and the
	// bytes of file data stored.
	Files, Dirs, Bytes int64
}

// checks are the file system's invariants: each query returns one line per
// violation.
var checks = []struct{ what, q string }{
	{"the root is not a directory", `SELECT 'inode 1 has mode ' || mode FROM inodes WHERE ino = 1 AND mode / 4096 <> 4
		UNION ALL SELECT 'inode 1 is missing' WHERE NOT EXISTS (SELECT 1 FROM inodes WHERE ino = 1)`},
	{"dangling entry (no inode)", `SELECT d.parent || '/' || d.name || ' -> ' || d.ino FROM dentries d LEFT JOIN inodes i ON i.ino = d.ino WHERE i.ino IS NULL`},
	{"entry in a missing directory", `SELECT d.parent || '/' || d.name FROM dentries d LEFT JOIN inodes p ON p.ino = d.parent WHERE p.ino IS NULL`},
	{"entry in a non-directory", `SELECT d.parent || '/' || d.name FROM dentries d JOIN inodes p ON p.ino = d.parent WHERE p.mode / 4096 <> 4`},
	{"entry's folded name is wrong", `SELECT d.parent || '/' || d.name FROM dentries d WHERE d.folded <> LOWER(d.name)`},
	{"link count of a file differs from its entries", `SELECT i.ino || ': nlink ' || i.nlink || ', entries ' || COUNT(d.ino) FROM inodes i LEFT JOIN dentries d ON d.ino = i.ino
		WHERE i.mode / 4096 <> 4 AND i.nlink > 0 GROUP BY i.ino, i.nlink HAVING COUNT(d.ino) <> i.nlink`},
	{"directory without exactly one entry", `SELECT i.ino || ': ' || COUNT(d.ino) || ' entries' FROM inodes i LEFT JOIN dentries d ON d.ino = i.ino
		WHERE i.mode / 4096 = 4 AND i.ino <> 1 AND i.nlink > 0 GROUP BY i.ino HAVING COUNT(d.ino) <> 1`},
	{"link count of a directory is not 2 + its subdirectories", `SELECT i.ino || ': nlink ' || i.nlink || ', subdirectories ' || (SELECT COUNT(*) FROM dentries d JOIN inodes c ON c.ino = d.ino WHERE d.parent = i.ino AND c.mode / 4096 = 4)
		FROM inodes i WHERE i.mode / 4096 = 4 AND i.nlink > 0 AND i.nlink <> 2 + (SELECT COUNT(*) FROM dentries d JOIN inodes c ON c.ino = d.ino WHERE d.parent = i.ino AND c.mode / 4096 = 4)`},
	{"size of a directory is not 20 × (2 + its entries)", `SELECT i.ino || ': size ' || i.size FROM inodes i WHERE i.mode / 4096 = 4 AND i.nlink > 0
		AND i.size <> 20 * (2 + (SELECT COUNT(*) FROM dentries d WHERE d.parent = i.ino))`},
	{"parent of a directory differs from its entry", `SELECT i.ino || ': parent ' || i.parent || ', entry in ' || d.parent FROM inodes i JOIN dentries d ON d.ino = i.ino
		WHERE i.mode / 4096 = 4 AND i.parent <> d.parent`},
	{"unlinked file still named", `SELECT i.ino FROM inodes i JOIN dentries d ON d.ino = i.ino WHERE i.nlink = 0 GROUP BY i.ino`},
	{"chunk of a missing inode or a non-file", `SELECT c.ino || '#' || c.idx FROM chunks c LEFT JOIN inodes i ON i.ino = c.ino WHERE i.ino IS NULL OR i.mode / 4096 <> 8`},
	{"chunk larger than the chunk size, or empty", `SELECT c.ino || '#' || c.idx || ': ' || LENGTH(c.data) || ' bytes' FROM chunks c WHERE LENGTH(c.data) > ` + chunkSizeSQL + ` OR LENGTH(c.data) = 0`},
	{"chunk past the end of the file", `SELECT c.ino || '#' || c.idx || ': ends at ' || (c.idx * ` + chunkSizeSQL + ` + LENGTH(c.data)) || ', size ' || i.size FROM chunks c JOIN inodes i ON i.ino = c.ino
		WHERE c.idx * ` + chunkSizeSQL + ` + LENGTH(c.data) > i.size`},
	{"stored bytes differ from the chunks", `SELECT i.ino || ': alloc ' || i.alloc || ', chunks ' || COALESCE((SELECT SUM(LENGTH(c.data)) FROM chunks c WHERE c.ino = i.ino), 0) FROM inodes i
		WHERE i.alloc <> COALESCE((SELECT SUM(LENGTH(c.data)) FROM chunks c WHERE c.ino = i.ino), 0)`},
	{"symbolic link without a target", `SELECT i.ino FROM inodes i LEFT JOIN symlinks s ON s.ino = i.ino WHERE i.mode / 4096 = 10 AND s.ino IS NULL`},
	{"target of a missing inode or a non-link", `SELECT s.ino FROM symlinks s LEFT JOIN inodes i ON i.ino = s.ino WHERE i.ino IS NULL OR i.mode / 4096 <> 10`},
	{"attribute of a missing inode", `SELECT x.ino || ' ' || x.name FROM xattrs x LEFT JOIN inodes i ON i.ino = x.ino WHERE i.ino IS NULL`},
}

// chunkSizeSQL is ChunkSize as an SQL literal.
var chunkSizeSQL = fmt.Sprint(ChunkSize)

// maxReported is how many lines Check reports per invariant.
const maxReported = 20

// Check verifies the vault at path without changing it: SQLite's
// integrity_check, then the file system's invariants (link counts, directory
// sizes, dangling entries, chunk sizes against file sizes, orphans). It fails
// with ErrInUse when the vault is served.
func Check(path string) (*Report, error) {
	f, err := Open(path, &Options{ReadOnly: true, NoControl: true})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &Report{}
	rows, err := f.conn.QueryContext(bg, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("vault %s: integrity_check: %w", f.path, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, err
		}
		if line != "ok" {
			r.Problems = append(r.Problems, "sqlite: "+line)
		}
	}
	rows.Close()
	if len(r.Problems) > 0 {
		return r, nil // the invariants are meaningless over a damaged database
	}
	for _, c := range checks {
		rows, err := f.conn.QueryContext(bg, c.q)
		if err != nil {
			return nil, fmt.Errorf("vault %s: check %q: %w", f.path, c.what, err)
		}
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			if n++; n <= maxReported {
				r.Problems = append(r.Problems, c.what+": "+s)
			}
		}
		rows.Close()
		if n > maxReported {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %d more", c.what, n-maxReported))
		}
	}
	err = f.conn.QueryRowContext(bg, `SELECT COUNT(*) FROM inodes WHERE nlink = 0 AND ino <> 1`).Scan(&r.Orphans)
	if err == nil {
		err = f.conn.QueryRowContext(bg, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN mode / 4096 = 4 THEN 1 ELSE 0 END), 0), COALESCE(SUM(alloc), 0) FROM inodes`).Scan(&r.Files, &r.Dirs, &r.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("vault %s: check: %w", f.path, err)
	}
	return r, nil
}

// String is the report in lines: "ok" and the counts, or the problems.
func (r *Report) String() string {
	var b strings.Builder
	if len(r.Problems) == 0 {
		fmt.Fprintf(&b, "ok: %d files (%d directories), %d bytes of data", r.Files, r.Dirs, r.Bytes)
	} else {
		b.WriteString(strings.Join(r.Problems, "\n"))
	}
	if r.Orphans > 0 {
		fmt.Fprintf(&b, "\n%d files unlinked while open, removed at the next mount", r.Orphans)
	}
	return b.String()
}

// Compact rewrites the vault at path in place (VACUUM), returning the space of
// deleted data to the host, and reports its size before and after. It needs the
// vault not to be in use, and as much free space as the vault's size.
func Compact(path string) (before, after int64, err error) {
	f, err := Open(path, &Options{NoCreate: true, NoControl: true})
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	size := func() int64 {
		var n int64
		for _, p := range []string{f.path, f.path + "-wal"} {
			if st, err := os.Stat(p); err == nil {
				n += st.Size()
			}
		}
		return n
	}
	before = size()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.conn.ExecContext(bg, `VACUUM`); err != nil {
		return 0, 0, fmt.Errorf("vault %s: compact: %w", f.path, mapErr(err))
	}
	if _, err := f.conn.ExecContext(bg, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, 0, fmt.Errorf("vault %s: compact: %w", f.path, mapErr(err))
	}
	return before, size(), nil
}
