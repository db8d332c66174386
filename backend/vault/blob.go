package vault

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/anyfs/anyfs/fs"
)

// Chunk data is read and written with SQLite's incremental blob I/O
// (sqlite3_blob_read and sqlite3_blob_write) on the connection's own handle,
// through one buffer of SQLite's memory: a column value would be copied into
// memory of SQLite's, then into a Go slice, then into the caller's buffer (and,
// when written, into a record first), and on a machine where copying memory is
// what a stream costs those copies are most of it. (Go memory cannot be handed to
// SQLite: it is translated C, which takes addresses as integers.) database/sql
// has no call for blob I/O, and modernc.org/sqlite exposes its connection's handle
// only inside the driver, so rawConn reads the two fields it needs (the sqlite3
// handle and the TLS the driver calls SQLite with) by name through reflection,
// and checks their types; a driver without them fails Open with a clear error.

// rawConn is the SQLite handle of the vault's one connection. Every call is made
// under FS.mu, as every other use of the connection.
type rawConn struct {
	db  uintptr // sqlite3*
	tls *libc.TLS
	// Memory of SQLite's (sqlite3_malloc64): the names sqlite3_blob_open takes
	// as C strings, the handle it makes, and the buffer of one chunk.
	main, chunks, data, handle, buf uintptr
}

// errNoHandle: the driver's connection does not have the fields rawConn reads.
var errNoHandle = errors.New("the SQLite driver's connection has no handle for blob I/O")

// openRaw finds the SQLite handle of conn.
func openRaw(conn *sql.Conn) (*rawConn, error) {
	r := &rawConn{}
	err := conn.Raw(func(dc any) error {
		v := reflect.ValueOf(dc)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return errNoHandle
		}
		db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
		if !db.IsValid() || db.Kind() != reflect.Uintptr || !tls.IsValid() || tls.Type() != reflect.TypeFor[*libc.TLS]() {
			return errNoHandle
		}
		r.db, r.tls = uintptr(db.Uint()), (*libc.TLS)(tls.UnsafePointer())
		if r.db == 0 || r.tls == nil {
			return errNoHandle
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range []struct {
		p    *uintptr
		size int
		s    string
	}{{&r.main, 0, "main"}, {&r.chunks, 0, "chunks"}, {&r.data, 0, "data"}, {&r.handle, 8, ""}, {&r.buf, ChunkSize, ""}} {
		n := max(a.size, len(a.s)+1)
		if *a.p = sqlite3.Xsqlite3_malloc64(r.tls, uint64(n)); *a.p == 0 {
			r.close()
			return nil, errors.New("out of memory for blob I/O")
		}
		m := cmem(*a.p, n)
		m[copy(m, a.s)] = 0
	}
	return r, nil
}

// close frees the memory; the handle belongs to the connection.
func (r *rawConn) close() {
	for _, p := range []*uintptr{&r.main, &r.chunks, &r.data, &r.handle, &r.buf} {
		if *p != 0 {
			sqlite3.Xsqlite3_free(r.tls, *p)
			*p = 0
		}
	}
}

// cmem is the n bytes of SQLite's memory at p, as a slice.
func cmem(p uintptr, n int) []byte {
	// p is not Go memory: reinterpret the integer as a pointer without a
	// conversion, which would claim it is one of Go's.
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&p)), n)
}

// blobError is an SQLite error of a blob call, with its result code.
type blobError struct {
	code int
	msg  string
}

func (e *blobError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

func (r *rawConn) err(op string, rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	return mapErr(&blobError{code: int(rc), msg: op + ": " + msg})
}

// blobIO reads (write false) or writes p, at most ChunkSize bytes, at off of the
// data of chunk row rowid.
func (r *rawConn) blobIO(rowid int64, p []byte, off int, write bool) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > ChunkSize {
		return fmt.Errorf("blob io of %d bytes: %w", len(p), fs.ErrInvalid)
	}
	flag := int32(0)
	if write {
		flag = 1
	}
	h := cmem(r.handle, 8)
	clear(h)
	rc := sqlite3.Xsqlite3_blob_open(r.tls, r.db, r.main, r.chunks, r.data, rowid, flag, r.handle)
	blob := *(*uintptr)(unsafe.Pointer(unsafe.SliceData(h)))
	if rc != sqlite3.SQLITE_OK {
		err := r.err("blob open", rc)
		if blob != 0 {
			sqlite3.Xsqlite3_blob_close(r.tls, blob)
		}
		return err
	}
	buf := cmem(r.buf, len(p))
	if write {
		copy(buf, p)
		rc = sqlite3.Xsqlite3_blob_write(r.tls, blob, r.buf, int32(len(p)), int32(off))
	} else if rc = sqlite3.Xsqlite3_blob_read(r.tls, blob, r.buf, int32(len(p)), int32(off)); rc == sqlite3.SQLITE_OK {
		copy(p, buf)
	}
	var err error
	if rc != sqlite3.SQLITE_OK {
		err = r.err("blob io", rc)
	}
	if rc := sqlite3.Xsqlite3_blob_close(r.tls, blob); rc != sqlite3.SQLITE_OK && err == nil {
		err = r.err("blob close", rc)
	}
	return err
}

// chunkRow returns the row id and stored length of chunk idx of inode ino, or
// ok false when it is a hole. length() of a blob reads the record's header, not
// the data.
func (f *FS) chunkRow(ino, idx int64) (rowid int64, n int, ok bool, err error) {
	err = f.queryRow(`SELECT rowid, LENGTH(data) FROM chunks WHERE ino = ? AND idx = ?`, []any{ino, idx}, &rowid, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return rowid, n, err == nil, err
}

// putChunk stores data as chunk idx of inode ino, whose stored length is old (0
// for a hole): a chunk of the same length is overwritten in place, else its row
// is written with zeros of the new length first.
func (f *FS) putChunk(ino, idx int64, data []byte, old int) error {
	var rowid int64
	if old == len(data) {
		var ok bool
		var err error
		if rowid, _, ok, err = f.chunkRow(ino, idx); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("chunk %d of inode %d: %w", idx, ino, ErrCorrupt)
		}
	} else if err := f.queryRow(`INSERT INTO chunks (ino, idx, data) VALUES (?, ?, zeroblob(?))
		ON CONFLICT (ino, idx) DO UPDATE SET data = excluded.data RETURNING rowid`, []any{ino, idx, len(data)}, &rowid); err != nil {
		return err
	}
	return f.raw.blobIO(rowid, data, 0, true)
}

// readStored reads chunk idx of fl as committed, from byte po, into p, straight
// from the database, and returns how many bytes it holds there (the rest of p is
// past its stored end: a hole). The caller holds f.mu.
func (f *FS) readStored(fl *file, idx int64, po int, p []byte) (int, error) {
	if idx*ChunkSize >= fl.dbSize {
		return 0, nil
	}
	if fl.rowIdx != idx {
		rowid, n, _, err := f.chunkRow(fl.ino, idx)
		if err != nil {
			return 0, err
		}
		fl.rowIdx, fl.rowID, fl.rowLen = idx, rowid, n
	}
	if po >= fl.rowLen {
		return 0, nil
	}
	k := min(len(p), fl.rowLen-po)
	return k, f.raw.blobIO(fl.rowID, p[:k], po, false)
}
