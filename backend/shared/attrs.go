package shared

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"github.com/jackc/pgx/v5"
)

// OnSetFileAttributes changes attributes, times, mode and owner in one
// statement. An open file's unwritten data is written out first, so that the
// times set stay set.
func (f *FS) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if fl := f.openFile(ino); fl != nil {
		if err := fl.flush(ctx, e.Name); err != nil {
			return err
		}
	}
	t := now()
	sets := "ctime = $2"
	args := []any{ino, t}
	add := func(col string, v any) {
		args = append(args, v)
		sets += fmt.Sprintf(", %s = $%d", col, len(args))
	}
	switch {
	case e.Attributes == attr.Normal:
		add("attrs", 0)
	case e.Attributes != 0:
		add("attrs", int32(e.Attributes&^(attr.Directory|attr.Normal|attr.ReparsePoint)))
	}
	for _, tt := range []struct {
		col string
		t   time.Time
	}{{"btime", e.CreationTime}, {"atime", e.LastAccessTime}, {"mtime", e.LastWriteTime}} {
		if !attr.TimeUnset(tt.t) {
			add(tt.col, tt.t.UnixNano())
		}
	}
	if !attr.TimeUnset(e.ChangeTime) {
		args[1] = e.ChangeTime.UnixNano()
	}
	if e.SetMode {
		args = append(args, int64(e.Mode&0o7777))
		sets += fmt.Sprintf(", mode = (mode & %d) | $%d", attr.S_IFMT, len(args))
	}
	if e.SetUid {
		add("uid", int64(e.Uid))
	}
	if e.SetGid {
		add("gid", int64(e.Gid))
	}
	var n inode
	err = f.tx(ctx, "setattr", e.Name, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE inodes i SET `+sets+` WHERE ino = $1 RETURNING `+inodeCols, args...).Scan(n.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("setattr %s: %w", e.Name, fs.ErrNotExist)
		}
		if err != nil {
			return err
		}
		return f.logChange(ctx, tx, change{kind: 'm', ino: ino, path: e.Name})
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.nodes[ino] = n
	fl := f.open[ino]
	f.mu.Unlock()
	if fl != nil {
		fl.setNode(n)
	}
	return nil
}

// XattrNamespaces reports that the volume stores the trusted. and security.
// extended attributes besides the user. ones, as tmpfs does.
func (f *FS) XattrNamespaces() []string { return []string{fs.XattrTrusted, fs.XattrSecurity} }

// xattrKey is a row key of xattrs: a user attribute (kind 0) by its name
// after "user.", or an attribute of another namespace (kind 1) by its whole
// name; the two are kept apart.
func xattrKey(stream, xattr string) (kind int16, name string) {
	if xattr != "" {
		return 1, xattr
	}
	return 0, stream
}

// OnListNamedStreams lists a file's extended attributes.
func (f *FS) OnListNamedStreams(ctx context.Context, e *fs.ListNamedStreamsEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	return f.retry(ctx, "listxattr", e.Name, func() error {
		rows, err := f.pool.Query(ctx, `SELECT kind, name FROM xattrs WHERE ino = $1 ORDER BY kind, name`, ino)
		if err != nil {
			return err
		}
		e.Streams, e.Xattrs = nil, nil
		var kind int16
		var name string
		_, err = pgx.ForEachRow(rows, []any{&kind, &name}, func() error {
			if kind == 1 {
				e.Xattrs = append(e.Xattrs, name)
			} else {
				e.Streams = append(e.Streams, name)
			}
			return nil
		})
		return err
	})
}

// OnGetNamedStream reads an extended attribute.
func (f *FS) OnGetNamedStream(ctx context.Context, e *fs.GetNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	kind, name := xattrKey(e.Stream, e.Xattr)
	err = f.retry(ctx, "getxattr", e.Name, func() error {
		return f.pool.QueryRow(ctx, `SELECT value FROM xattrs WHERE ino = $1 AND kind = $2 AND name = $3`, ino, kind, name).Scan(&e.Data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("getxattr %s %s: %w", e.Name, name, fs.ErrNoAttribute)
	}
	if e.Data == nil && err == nil {
		e.Data = []byte{}
	}
	return err
}

// OnSetNamedStream writes an extended attribute.
func (f *FS) OnSetNamedStream(ctx context.Context, e *fs.SetNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	data := e.Data
	if data == nil {
		data = []byte{}
	}
	kind, name := xattrKey(e.Stream, e.Xattr)
	q := `INSERT INTO xattrs (ino, kind, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (ino, kind, name) DO UPDATE SET value = excluded.value`
	switch {
	case e.Create:
		q = `INSERT INTO xattrs (ino, kind, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (ino, kind, name) DO NOTHING`
	case e.Replace:
		q = `UPDATE xattrs SET value = $4 WHERE ino = $1 AND kind = $2 AND name = $3`
	}
	return f.changeXattr(ctx, "setxattr", e.Name, ino, name, q, []any{ino, kind, name, data}, e.Create)
}

// OnDeleteNamedStream removes an extended attribute.
func (f *FS) OnDeleteNamedStream(ctx context.Context, e *fs.DeleteNamedStreamEvent) error {
	ctx = detach(ctx)
	ino, err := f.target(ctx, e.Name, e.FileContext)
	if err != nil {
		return err
	}
	kind, name := xattrKey(e.Stream, e.Xattr)
	return f.changeXattr(ctx, "removexattr", e.Name, ino, name,
		`DELETE FROM xattrs WHERE ino = $1 AND kind = $2 AND name = $3`, []any{ino, kind, name}, false)
}

// changeXattr runs q (which changes one attribute, or nothing: ErrExist when
// create, ErrNoAttribute otherwise), the ctime and the change log in one
// transaction.
func (f *FS) changeXattr(ctx context.Context, op, path string, ino int64, name, q string, args []any, create bool) error {
	err := f.tx(ctx, op, path, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if create {
				return fmt.Errorf("%s %s %s: %w", op, path, name, fs.ErrExist)
			}
			return fmt.Errorf("%s %s %s: %w", op, path, name, fs.ErrNoAttribute)
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE inodes SET ctime = $2 WHERE ino = $1`, ino, now())
		f.queueChange(b, change{kind: 'm', ino: ino, path: path})
		return tx.SendBatch(ctx, b).Close()
	})
	f.forget([]int64{ino})
	return err
}

// capacity is what statfs reports as the size of the volume: an object store
// has no fixed size.
const capacity = 1 << 50

// OnGetVolumeSize reports the bytes of the blocks in use against a nominal
// capacity of 1 PiB.
func (f *FS) OnGetVolumeSize(ctx context.Context, e *fs.GetVolumeSizeEvent) error {
	ctx = detach(ctx)
	var used, files int64
	err := f.retry(ctx, "statfs", "/", func() error {
		return f.pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum(size), 0) FROM blocks), (SELECT count(*) FROM inodes)`).Scan(&used, &files)
	})
	if err != nil {
		return err
	}
	e.Size = fs.VolumeSize{TotalBytes: capacity, FreeBytes: capacity - uint64(min(used, capacity)),
		TotalFiles: math.MaxUint32, FreeFiles: math.MaxUint32 - uint64(min(files, math.MaxUint32)), BlockSize: 1 << 20}
	return nil
}

// OnGetVolumeLabel reports the volume's name.
func (f *FS) OnGetVolumeLabel(_ context.Context, e *fs.GetVolumeLabelEvent) error {
	e.Label = f.cfg.Name
	return nil
}
