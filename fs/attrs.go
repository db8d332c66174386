package fs

import (
	"context"
	"fmt"
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

// ChangeMask says which fields of a Change apply.
type ChangeMask uint16

// Change mask bits.
const (
	ChangeSize ChangeMask = 1 << iota
	ChangeMode
	ChangeUid
	ChangeGid
	ChangeAtime
	ChangeMtime
	ChangeCtime
	ChangeCrtime
	ChangeAttributes
)

// Change is a set of attribute changes (setattr): the fields Valid names apply.
type Change struct {
	Valid      ChangeMask
	Size       int64
	Mode       attr.Mode // permission and special bits
	Uid, Gid   uint32
	Atime      time.Time
	Mtime      time.Time
	Ctime      time.Time
	Crtime     time.Time
	Attributes attr.FileAttributes // attr.Normal alone clears all
}

// SetAttributes applies ch to the file at name (truncate, chmod, chown, utimens,
// Windows attributes) and returns the file's new information. The open handle's
// contexts are used when the file is open.
func (v *Volume) SetAttributes(ctx context.Context, name string, ch Change) (FileInfo, error) {
	name = v.resolve(ctx, name)
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	return v.setAttributes(ctx, name, f, nil, ch)
}

func (v *Volume) setAttributes(ctx context.Context, name string, f *openFile, hctx any, ch Change) (FileInfo, error) {
	if ch.Valid == 0 {
		return v.getInfo(ctx, name, openCtx(f))
	}
	if v.opts.ReadOnly {
		return FileInfo{}, fmt.Errorf("setattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "setattr", name, AccessWrite); err != nil {
		return FileInfo{}, err
	}
	fctx := openCtx(f)
	v.invalidate(name, false)
	defer v.invalidate(name, false)
	if ch.Valid&ChangeSize != 0 {
		if ch.Size < 0 {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrInvalid)
		}
		if max := v.opts.MaxFileSize; max > 0 && ch.Size > max {
			return FileInfo{}, fmt.Errorf("truncate %s to %d: %w", name, ch.Size, ErrFileTooLarge)
		}
		fi, err := v.getInfo(ctx, name, fctx)
		if err != nil {
			return FileInfo{}, err
		}
		if fi.IsDir() {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrIsDir)
		}
		if !fi.Mode.IsRegular() {
			return FileInfo{}, fmt.Errorf("truncate %s: %w", name, ErrInvalid)
		}
		if err := v.callSetSize(ctx, &SetFileSizeEvent{Name: name, FileContext: fctx, HandleContext: hctx, Size: ch.Size}, f); err != nil {
			return FileInfo{}, err
		}
	}
	if rest := ch.Valid &^ ChangeSize; rest != 0 {
		if v.setter == nil {
			return FileInfo{}, fmt.Errorf("setattr %s: %w", name, ErrNotSupported)
		}
		e := SetFileAttributesEvent{Name: name, FileContext: fctx, HandleContext: hctx}
		if rest&ChangeMode != 0 {
			e.Mode, e.SetMode = ch.Mode.Perm(), true
		}
		if rest&ChangeUid != 0 {
			e.Uid, e.SetUid = ch.Uid, true
		}
		if rest&ChangeGid != 0 {
			e.Gid, e.SetGid = ch.Gid, true
		}
		e.Uid, e.Gid = v.backendIDs(e.Uid, e.Gid)
		if rest&ChangeAtime != 0 {
			e.LastAccessTime = ch.Atime
		}
		if rest&ChangeMtime != 0 {
			e.LastWriteTime = ch.Mtime
		}
		if rest&ChangeCtime != 0 {
			e.ChangeTime = ch.Ctime
		}
		if rest&ChangeCrtime != 0 {
			e.CreationTime = ch.Crtime
		}
		if rest&ChangeAttributes != 0 {
			e.Attributes = ch.Attributes
			if e.Attributes == 0 {
				e.Attributes = attr.Normal
			}
			// READONLY is the absence of write bits on POSIX: setting or clearing it
			// changes the mode too, unless the mode is being set explicitly.
			if !e.SetMode {
				cur, err := v.getInfo(ctx, name, fctx)
				if err != nil {
					return FileInfo{}, err
				}
				next := attr.ApplySetFileAttributes(cur.Attributes, e.Attributes)
				if mode, _ := attr.ToPOSIX(next, cur.Mode); mode.Perm() != cur.Mode.Perm() {
					e.Mode, e.SetMode = mode.Perm(), true
				}
			}
		}
		if err := fire(ctx, v, e.Name, f, v.setter.OnSetFileAttributes, &e); err != nil {
			return FileInfo{}, err
		}
	}
	v.invalidate(name, false)
	v.changed(ctx, ChangeModified, name, "")
	return v.getInfo(ctx, name, fctx)
}

func (v *Volume) callSetSize(ctx context.Context, e *SetFileSizeEvent, f *openFile) (err error) {
	if v.writer == nil {
		return fmt.Errorf("truncate %s: %w", e.Name, ErrReadOnly)
	}
	return fire(ctx, v, e.Name, f, v.writer.OnSetFileSize, e)
}
