package vault

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

//go:embed schema.sql
var schemaSQL string

// migrations[v] takes a vault of format version v to v+1. Version 1 is schema.sql;
// a new version appends its statements here and bumps FormatVersion.
var migrations = map[int]string{}

// FormatVersion is the format version this package writes. A vault of a newer
// version is refused, never modified; an older one is migrated when opened for
// writing.
const FormatVersion = 1

// formatName is the value of the meta row "format", which marks an SQLite file
// as a vault.
const formatName = "anyfs-vault"

// ChunkSize is the size of the chunks file data is stored in.
const ChunkSize = 256 << 10

// The database's tuning. New vaults use 64 KiB pages, the largest SQLite has: a
// chunk spans five of them, and every page is one system call when it is written
// to the log, copied into the database and read back. The page cache holds a whole
// buffered commit (Options.BufferSize), so a commit writes each page once instead
// of spilling pages it changes again. The log is checkpointed when the vault is
// idle (see FS.committer), and at the latest when it reaches walLimit; after a
// checkpoint it is cut back to walKeep.
const (
	pageSize  = 64 << 10
	cacheSize = 16 << 20
	walLimit  = 2 << 30
	walKeep   = 64 << 20
)

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Errors of Open, tested with errors.Is.
var (
	// ErrNotVault: the file is not an SQLite database, or is one of another
	// format.
	ErrNotVault = errors.New("not a vault")
	// ErrCorrupt: the file is damaged or truncated.
	ErrCorrupt = errors.New("vault is corrupt")
	// ErrNewerFormat: the vault was written by a newer version of anyfs.
	ErrNewerFormat = errors.New("vault format is newer than this anyfs supports")
	// ErrInUse: another process (or another Open in this one) serves the vault.
	ErrInUse = errors.New("vault is in use")
)

// probe checks, without changing it, that the file at path is a vault this
// package can open: an SQLite database whose size matches its header, with the
// vault's meta rows and a format version no newer than FormatVersion.
func probe(path string) error {
	// Reading a vault in WAL mode read-only makes the shared-memory index FILE-shm,
	// which a vault served for writing does not use: remove it again.
	if _, err := os.Lstat(path + "-shm"); errors.Is(err, os.ErrNotExist) {
		defer os.Remove(path + "-shm")
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("vault %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("vault %s: %w", path, err)
	}
	var hdr [100]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || !bytes.Equal(hdr[:16], sqliteMagic) {
		return fmt.Errorf("vault %s: not an SQLite database (%d bytes): %w", path, st.Size(), ErrNotVault)
	}
	pageSize := int64(binary.BigEndian.Uint16(hdr[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("vault %s: bad page size %d in the header: %w", path, pageSize, ErrCorrupt)
	}
	pages := int64(binary.BigEndian.Uint32(hdr[28:32]))
	// The in-header size is valid when the "version valid for" number equals the
	// change counter (SQLite 3.7.0 and later always keep it so), and when no
	// write-ahead log holds pages to come: a checkpoint cut short (a full disk)
	// may have written the header and not yet the pages, which the log still has.
	wal, _ := os.Stat(path + "-wal")
	if (wal == nil || wal.Size() == 0) && binary.BigEndian.Uint32(hdr[92:96]) == binary.BigEndian.Uint32(hdr[24:28]) &&
		st.Size() < pages*pageSize {
		return fmt.Errorf("vault %s: truncated: %d bytes, the header says %d: %w", path, st.Size(), pages*pageSize, ErrCorrupt)
	}
	db, conn, err := connect(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()
	return checkMeta(path, conn)
}

// checkMeta reads the meta rows and refuses another format or a newer version.
func checkMeta(path string, conn *sql.Conn) error {
	ctx := context.Background()
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).Scan(&n); err != nil {
		return openError(path, err)
	}
	var format, version string
	if n == 1 {
		err := conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'format'`).Scan(&format)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return openError(path, err)
		}
	}
	if format != formatName {
		return fmt.Errorf("vault %s: an SQLite database of another format (no %q meta row): %w", path, formatName, ErrNotVault)
	}
	if err := conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'version'`).Scan(&version); err != nil {
		return openError(path, err)
	}
	v, err := strconv.Atoi(version)
	if err != nil || v < 1 {
		return fmt.Errorf("vault %s: format version %q: %w", path, version, ErrCorrupt)
	}
	if v > FormatVersion {
		return fmt.Errorf("vault %s: format version %d, this anyfs reads up to %d: %w", path, v, FormatVersion, ErrNewerFormat)
	}
	return nil
}

// connect opens the one connection to the vault at path: for writing, WAL with
// EXCLUSIVE locking (no shared-memory file; the lock is held until Close), a busy
// timeout, and
// synchronous=NORMAL (commits that must be durable switch to FULL, see
// commitDurable). It takes the lock at once, so a vault in use fails here.
func connect(path string, readOnly bool) (*sql.DB, *sql.Conn, error) {
	q := url.Values{}
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	q.Set("mode", mode)
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("vault %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, openError(path, err)
	}
	// A read-only connection cannot use EXCLUSIVE locking in WAL mode (SQLite
	// needs the shared-memory index to read the log without writing); it keeps a
	// read transaction open instead, which holds a shared lock that keeps writers
	// out while other readers may share the vault.
	pragmas := []string{"PRAGMA busy_timeout = 1000", "PRAGMA foreign_keys = OFF"}
	if !readOnly {
		pragmas = append(pragmas, "PRAGMA page_size = "+strconv.Itoa(pageSize), "PRAGMA locking_mode = EXCLUSIVE", "PRAGMA journal_mode = WAL",
			"PRAGMA synchronous = NORMAL", "PRAGMA journal_size_limit = "+strconv.Itoa(walKeep),
			"PRAGMA cache_size = -"+strconv.Itoa(cacheSize>>10))
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			conn.Close()
			db.Close()
			return nil, nil, openError(path, err)
		}
	}
	// Take the lock now: a write transaction in EXCLUSIVE mode keeps the exclusive
	// lock, a read keeps the shared one.
	lock := "BEGIN IMMEDIATE"
	if readOnly {
		lock = "BEGIN"
	}
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		conn.Close()
		db.Close()
		return nil, nil, openError(path, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT COUNT(*) FROM sqlite_master"); err != nil {
		conn.ExecContext(ctx, "ROLLBACK")
		conn.Close()
		db.Close()
		return nil, nil, openError(path, err)
	}
	if readOnly {
		return db, conn, nil
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		conn.Close()
		db.Close()
		return nil, nil, openError(path, err)
	}
	return db, conn, nil
}

// sqliteCode returns the primary SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	var be *blobError
	if errors.As(err, &be) {
		return be.code & 0xff
	}
	return 0
}

// openError names what an SQLite error at open means.
func openError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_IOERR_SHMOPEN, sqlite3.SQLITE_IOERR_SHMSIZE, sqlite3.SQLITE_IOERR_SHMMAP:
			return fmt.Errorf("vault %s: reading it needs the index file %s-shm, which cannot be made (is the host full or read-only?): %w",
				path, path, fs.ErrNoSpace)
		}
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return inUse(path)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("vault %s: not an SQLite database: %w", path, ErrNotVault)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("vault %s: %v: %w", path, err, ErrCorrupt)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("vault %s: cannot open: %v", path, err)
	}
	return fmt.Errorf("vault %s: %w", path, err)
}

// lockPath is the file that names the process serving the vault at path.
func lockPath(path string) string { return path + "-lock" }

// lockInfo is what the lock file says: the pid of the server and its control
// socket ("" when it has none).
type lockInfo struct {
	pid    int
	socket string
}

func readLock(path string) (lockInfo, bool) {
	b, err := os.ReadFile(lockPath(path))
	if err != nil {
		return lockInfo{}, false
	}
	var li lockInfo
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "pid":
			li.pid, _ = strconv.Atoi(v)
		case "socket":
			li.socket = v
		}
	}
	return li, li.pid > 0
}

func writeLock(path string, li lockInfo) error {
	s := fmt.Sprintf("pid %d\nsocket %s\n", li.pid, li.socket)
	return os.WriteFile(lockPath(path), []byte(s), 0o600)
}

// inUseError is ErrInUse naming the vault and, when the lock file says it, the
// pid of its server.
type inUseError struct {
	path string
	pid  int
}

func (e *inUseError) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("vault %s is in use by pid %d", e.path, e.pid)
	}
	return fmt.Sprintf("vault %s is in use by another process", e.path)
}

func (e *inUseError) Is(target error) bool { return target == ErrInUse }

// inUse is the error for a vault another server holds.
func inUse(path string) error {
	li, _ := readLock(path)
	return &inUseError{path: path, pid: li.pid}
}

// create makes a new, empty vault at path (mode 0600), failing if it exists.
func create(path string, opts *Options) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("vault %s: %w", path, err)
	}
	f.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(path)
		}
	}()
	db, conn, err := connect(path, false)
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return fmt.Errorf("vault %s: create: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return openError(path, err)
	}
	now := time.Now().UnixNano()
	uid, gid := max(os.Getuid(), 0), max(os.Getgid(), 0)
	label := opts.VolumeLabel
	if label == "" {
		label = "vault"
	}
	perm := opts.RootMode.Perm()
	if perm == 0 {
		perm = 0o755
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{schemaSQL, nil},
		{`INSERT INTO meta (key, value) VALUES ('format', ?), ('version', ?), ('chunk_size', ?), ('label', ?), ('volume_id', ?), ('synced', '0')`,
			[]any{formatName, strconv.Itoa(FormatVersion), strconv.Itoa(ChunkSize), label, strconv.FormatUint(uint64(rand.Uint32()), 10)}},
		{`INSERT INTO inodes (ino, mode, uid, gid, nlink, size, atime, mtime, ctime, btime) VALUES (1, ?, ?, ?, 2, ?, ?, ?, ?, ?)`,
			[]any{int64(attr.S_IFDIR | perm), uid, gid, 2 * direntSize, now, now, now, now}},
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s.q, s.args...); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("vault %s: create: %w", path, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("vault %s: create: %w", path, mapErr(err))
	}
	ok = true
	return nil
}

// migrate brings the vault on conn up to FormatVersion, one transaction a step.
func migrate(path string, conn *sql.Conn) error {
	ctx := context.Background()
	var version string
	if err := conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'version'`).Scan(&version); err != nil {
		return openError(path, err)
	}
	v, _ := strconv.Atoi(version)
	for ; v < FormatVersion; v++ {
		step, ok := migrations[v]
		if !ok {
			return fmt.Errorf("vault %s: no migration from format version %d: %w", path, v, ErrCorrupt)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return openError(path, err)
		}
		_, err := conn.ExecContext(ctx, step)
		if err == nil {
			_, err = conn.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'version'`, strconv.Itoa(v+1))
		}
		if err == nil {
			_, err = conn.ExecContext(ctx, "COMMIT")
		}
		if err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("vault %s: migrate from format version %d: %w", path, v, err)
		}
	}
	return nil
}

// mapErr turns an SQLite error into the fs error it means: a full disk is
// fs.ErrNoSpace, a damaged file fs.ErrIO; anything else stays as it is (and
// becomes EIO).
func mapErr(err error) error {
	switch sqliteCode(err) {
	case 0:
		return err
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%v: %w", err, fs.ErrNoSpace)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%v: %w", err, fs.ErrReadOnly)
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_IOERR:
		return fmt.Errorf("%v: %w", err, fs.ErrIO)
	}
	return err
}
