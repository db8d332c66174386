package fs

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// RenameFlags are the flags of rename(2).
type RenameFlags uint8

// Rename flags.
const (
	RenameNoReplace RenameFlags = 1 << iota // fail with ErrExist if the target exists
	RenameExchange                          // swap source and target atomically
)

// Rename renames or moves oldName to newName with the POSIX rules: a file replaces a
// file, a directory replaces an empty directory, nothing moves into itself.
func (v *Volume) Rename(ctx context.Context, oldName, newName string, flags RenameFlags) error {
	if v.opts.ReadOnly {
		return fmt.Errorf("rename %s: %w", oldName, ErrReadOnly)
	}
	if v.renamer == nil {
		return fmt.Errorf("rename %s: %w", oldName, ErrNotSupported)
	}
	if err := v.checkName(newName); err != nil {
		return err
	}
	if err := v.checkAccess(ctx, "rename", oldName, AccessWrite); err != nil {
		return err
	}
	if flags&RenameNoReplace != 0 && flags&RenameExchange != 0 {
		return fmt.Errorf("rename %s: %w: both NOREPLACE and EXCHANGE", oldName, ErrInvalid)
	}
	if oldName == "/" || newName == "/" {
		return fmt.Errorf("rename %s to %s: %w", oldName, newName, ErrBusy)
	}
	oldName = v.resolve(ctx, oldName)
	newName = v.resolveTarget(ctx, oldName, newName)
	src, err := v.getInfo(ctx, oldName, nil)
	if err != nil {
		return err
	}
	if oldName == newName {
		if flags&RenameNoReplace != 0 {
			return fmt.Errorf("rename %s: %w", newName, ErrExist)
		}
		return nil
	}
	if strings.HasPrefix(newName, oldName+"/") || (flags&RenameExchange != 0 && strings.HasPrefix(oldName, newName+"/")) {
		return fmt.Errorf("rename %s into itself (%s): %w", oldName, newName, ErrInvalid)
	}
	caseOnly := v.opts.CaseInsensitive && strings.EqualFold(oldName, newName)
	dst, err := v.getInfo(ctx, newName, nil)
	exists := err == nil && !caseOnly
	if err != nil && !isNotExist(err) {
		return err
	}
	if flags&RenameExchange != 0 {
		if !exists {
			return fmt.Errorf("rename exchange %s: %w", newName, ErrNotExist)
		}
	} else if exists {
		if flags&RenameNoReplace != 0 {
			return fmt.Errorf("rename %s: %w", newName, ErrExist)
		}
		if src.FileID != 0 && src.FileID == dst.FileID && !src.IsDir() {
			return nil // two links of one file: POSIX says do nothing
		}
		switch {
		case src.IsDir() && !dst.IsDir():
			return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrNotDir)
		case !src.IsDir() && dst.IsDir():
			return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrIsDir)
		case dst.IsDir():
			empty, err := v.isEmpty(ctx, newName)
			if err != nil {
				return err
			}
			if !empty {
				return fmt.Errorf("rename %s over %s: %w", oldName, newName, ErrNotEmpty)
			}
		}
	}
	f := v.borrow(oldName)
	defer v.unborrow(ctx, f)
	e := RenameOrMoveFileEvent{Name: oldName, NewName: newName, FileContext: openCtx(f),
		ReplaceIfExists: exists && flags&RenameExchange == 0, Exchange: flags&RenameExchange != 0}
	err = fire(ctx, v, e.Name, nil, v.renamer.OnRenameOrMoveFile, &e)
	v.invalidate(oldName, true)
	v.invalidate(newName, true)
	switch {
	case err != nil:
		v.nameForgotten(oldName)
		v.nameForgotten(newName)
	case e.Exchange:
		v.nameForgotten(oldName) // both names stay; what is below them moved
		v.nameForgotten(newName)
	default:
		v.nameRemoved(oldName)
		v.nameRemoved(newName) // and what was below a directory replaced
		v.nameAdded(newName)
	}
	if err != nil {
		if e.Exchange && errors.Is(err, ErrNotSupported) {
			return fmt.Errorf("rename exchange %s: %w", oldName, ErrInvalid)
		}
		return err
	}
	v.renamed(oldName, newName, e.ReplaceIfExists, e.Exchange)
	v.changed(ctx, ChangeRenamed, oldName, newName)
	return nil
}

// below returns the part of p below dir ("" or "/..."), where p is at or below a
// spelling of dir that may differ in case, and so in length: it cuts p after as many
// components as dir has.
func below(p, dir string) string {
	i := 0
	for n := strings.Count(dir, "/"); n > 0; n-- {
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			return ""
		}
		i += j + 1
	}
	return p[i:]
}

// renamed moves the open files at and below oldName to newName in the table.
func (v *Volume) renamed(oldName, newName string, replaced, exchange bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if replaced {
		if f := v.files[v.key(newName)]; f != nil {
			f.deleted = true
			delete(v.files, f.key)
		}
	}
	type move struct {
		f    *openFile
		name string
	}
	var moves []move
	oldKey, newKey := v.key(oldName), v.key(newName)
	for _, f := range v.files {
		switch {
		case f.key == oldKey || strings.HasPrefix(f.key, oldKey+"/"):
			moves = append(moves, move{f, newName + below(f.path(), oldName)})
		case exchange && (f.key == newKey || strings.HasPrefix(f.key, newKey+"/")):
			moves = append(moves, move{f, oldName + below(f.path(), newName)})
		}
	}
	for _, m := range moves {
		if v.files[m.f.key] == m.f {
			delete(v.files, m.f.key)
		}
	}
	for _, m := range moves {
		name := m.name
		m.f.name.Store(&name)
		m.f.key = v.key(name)
		v.files[m.f.key] = m.f
	}
}
