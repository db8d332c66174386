package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// ---- AttributeSetter ----

// OnSetFileAttributes changes Windows attributes (0: no change; attr.Normal alone:
// clear all), times (zero: keep), mode and owner. Any change sets ctime, unless a
// ChangeTime is given.
func (f *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("vault: set attributes of %s: %w", e.Name, fs.ErrReadOnly)
	}
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if fl := f.open[ino]; fl != nil {
		if err := f.commit(fl, false); err != nil {
			return err
		}
	}
	n, err := f.getInode(ino)
	if err != nil {
		return err
	}
	if e.Attributes != 0 {
		n.attrs = int64(attr.ApplySetFileAttributes(attr.FileAttributes(n.attrs), e.Attributes) &^ attr.Normal)
	}
	if e.SetMode {
		n.mode = int64(attr.Mode(n.mode).Type() | e.Mode.Perm())
	}
	if e.SetUid {
		n.uid = int64(e.Uid)
	}
	if e.SetGid {
		n.gid = int64(e.Gid)
	}
	for _, tm := range []struct {
		t   time.Time
		dst *int64
	}{{e.CreationTime, &n.btime}, {e.LastAccessTime, &n.atime}, {e.LastWriteTime, &n.mtime}} {
		if !attr.TimeUnset(tm.t) {
			*tm.dst = tm.t.UnixNano()
		}
	}
	if !attr.TimeUnset(e.ChangeTime) {
		n.ctime = e.ChangeTime.UnixNano()
	} else {
		n.ctime = nowNs()
	}
	return f.txn(func() error {
		_, err := f.exec(`UPDATE inodes SET mode = ?, uid = ?, gid = ?, atime = ?, mtime = ?, ctime = ?, btime = ?, attrs = ? WHERE ino = ?`,
			n.mode, n.uid, n.gid, n.atime, n.mtime, n.ctime, n.btime, n.attrs, ino)
		return err
	})
}

// ---- NamedStreamer, XattrNamespacer ----

// XattrNamespaces reports that the vault stores the trusted. and security.
// extended attributes besides the user. ones, as tmpfs does.
func (f *FS) XattrNamespaces() []string { return []string{fs.XattrTrusted, fs.XattrSecurity} }

// streamKey is a named stream (kind 0) or an attribute of another namespace
// (kind 1, by its whole name); the two are kept apart.
func streamKey(s, xattr string) (int64, string) {
	if xattr != "" {
		return 1, xattr
	}
	return 0, s
}

func describe(kind int64, name string) string {
	if kind == 1 {
		return name
	}
	return "stream " + strconv.Quote(name)
}

// OnListNamedStreams lists a file's named streams and its attributes of the other
// namespaces, sorted.
func (f *FS) OnListNamedStreams(_ context.Context, e *fs.ListNamedStreamsEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	rows, err := f.query(`SELECT kind, name FROM xattrs WHERE ino = ? ORDER BY kind, name`, ino)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind int64
		var name string
		if err := rows.Scan(&kind, &name); err != nil {
			return err
		}
		if kind == 1 {
			e.Xattrs = append(e.Xattrs, name)
		} else {
			e.Streams = append(e.Streams, name)
		}
	}
	return rows.Err()
}

// OnGetNamedStream returns a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnGetNamedStream(_ context.Context, e *fs.GetNamedStreamEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	kind, name := streamKey(e.Stream, e.Xattr)
	err = f.queryRow(`SELECT value FROM xattrs WHERE ino = ? AND kind = ? AND name = ?`, []any{ino, kind, name}, &e.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("vault: %s: %s: %w", e.Name, describe(kind, name), fs.ErrNoAttribute)
	}
	if e.Data == nil && err == nil {
		e.Data = []byte{}
	}
	return err
}

// changedStream returns the inode of the file name (or fctx) and the key of its
// named stream or extended attribute that an event changes. The caller holds
// f.mu.
func (f *FS) changedStream(name string, fctx any, stream, xattr string) (ino, kind int64, key string, err error) {
	if f.readOnly {
		return 0, 0, "", fmt.Errorf("vault: %s: %w", name, fs.ErrReadOnly)
	}
	if ino, err = f.lookup(name, fctx); err != nil {
		return 0, 0, "", err
	}
	kind, key = streamKey(stream, xattr)
	return ino, kind, key, nil
}

// OnSetNamedStream stores e.Data. Create fails with fs.ErrExist when the stream
// exists, Replace with fs.ErrNoAttribute when it does not.
func (f *FS) OnSetNamedStream(_ context.Context, e *fs.SetNamedStreamEvent) error {
	if e.Stream == "" && e.Xattr == "" {
		return fmt.Errorf("vault: %s: empty stream name: %w", e.Name, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, kind, name, err := f.changedStream(e.Name, e.FileContext, e.Stream, e.Xattr)
	if err != nil {
		return err
	}
	data := e.Data
	if data == nil {
		data = []byte{}
	}
	return f.txn(func() error {
		var one int
		err := f.queryRow(`SELECT 1 FROM xattrs WHERE ino = ? AND kind = ? AND name = ?`, []any{ino, kind, name}, &one)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case e.Create && exists:
			return fmt.Errorf("vault: %s: %s: %w", e.Name, describe(kind, name), fs.ErrExist)
		case e.Replace && !exists:
			return fmt.Errorf("vault: %s: %s: %w", e.Name, describe(kind, name), fs.ErrNoAttribute)
		}
		if _, err := f.exec(`INSERT INTO xattrs (ino, kind, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (ino, kind, name) DO UPDATE SET value = excluded.value`,
			ino, kind, name, data); err != nil {
			return err
		}
		_, err = f.exec(`UPDATE inodes SET ctime = ? WHERE ino = ?`, nowNs(), ino)
		return err
	})
}

// OnDeleteNamedStream removes a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnDeleteNamedStream(_ context.Context, e *fs.DeleteNamedStreamEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, kind, name, err := f.changedStream(e.Name, e.FileContext, e.Stream, e.Xattr)
	if err != nil {
		return err
	}
	return f.txn(func() error {
		r, err := f.exec(`DELETE FROM xattrs WHERE ino = ? AND kind = ? AND name = ?`, ino, kind, name)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("vault: %s: %s: %w", e.Name, describe(kind, name), fs.ErrNoAttribute)
		}
		_, err = f.exec(`UPDATE inodes SET ctime = ? WHERE ino = ?`, nowNs(), ino)
		return err
	})
}

// ---- Volume events ----

// OnGetVolumeSize reports the capacity and free space of the host file system
// holding the vault file: the vault grows into it.
func (f *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	total, free, avail, err := diskSpace(filepath.Dir(f.path))
	if err != nil {
		return fmt.Errorf("vault: statfs %s: %w", filepath.Dir(f.path), err)
	}
	f.mu.Lock()
	var files int64
	err = f.queryRow(`SELECT COUNT(*) FROM inodes`, nil, &files)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	e.Size = fs.VolumeSize{TotalBytes: total, FreeBytes: free, AvailableBytes: avail, BlockSize: 4096,
		TotalFiles: 1<<32 + uint64(files), FreeFiles: 1 << 32}
	return nil
}

// OnGetVolumeLabel reports the label stored in the vault.
func (f *FS) OnGetVolumeLabel(_ context.Context, e *fs.GetVolumeLabelEvent) error {
	f.mu.Lock()
	e.Label = f.label
	f.mu.Unlock()
	return nil
}

// OnSetVolumeLabel changes the label (at most 32 characters, as on NTFS).
func (f *FS) OnSetVolumeLabel(_ context.Context, e *fs.SetVolumeLabelEvent) error {
	if utf8.RuneCountInString(e.Label) > maxLabel || !utf8.ValidString(e.Label) {
		return fmt.Errorf("vault: volume label %q: %w", e.Label, fs.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.txn(func() error {
		_, err := f.exec(`UPDATE meta SET value = ? WHERE key = 'label'`, e.Label)
		return err
	})
	if err == nil {
		f.label = e.Label
	}
	return err
}

// OnGetVolumeID reports the serial number chosen when the vault was made.
func (f *FS) OnGetVolumeID(_ context.Context, e *fs.GetVolumeIDEvent) error {
	e.ID = f.id
	return nil
}
