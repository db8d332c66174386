package fs

import (
	"errors"
	"fmt"
)

// ChangeKind is what happened to a file behind the kernel's back.
type ChangeKind uint8

// Kinds of change a backend reports with NotifyChange.
const (
	ChangeAdded    ChangeKind = iota + 1 // a new name appeared
	ChangeRemoved                        // a name disappeared
	ChangeModified                       // a file's contents or attributes changed
	ChangeRenamed                        // a name moved to NewName
)

// Invalidator drops the kernel's caches; adapters implement it and register with
// SetInvalidator. Names are volume paths. A name the kernel does not cache is not
// an error.
type Invalidator interface {
	// InvalidateEntry drops the kernel's entry (or absent-entry) for name in dir.
	InvalidateEntry(dir, name string) error
	// InvalidateContent drops the kernel's cached data and attributes of name (for
	// a directory, its listing).
	InvalidateContent(name string) error
}

// SetInvalidator registers the adapter's invalidator; nil unregisters.
func (v *Volume) SetInvalidator(inv Invalidator) {
	v.mu.Lock()
	v.inv = inv
	v.mu.Unlock()
}

func (v *Volume) invalidator() Invalidator {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.inv
}

// NotifyChange tells the volume that the backend's data changed behind the
// kernel's back (CBFS notify_directory_change): a file added, removed, modified, or
// renamed to newName. The volume drops what its caches hold about the names, moves or
// detaches open files as needed, and has the adapter invalidate the kernel's caches,
// so the change is visible through the mount at once where the adapter can invalidate
// (go-fuse, and cgofuse on WinFsp; cgofuse over libfuse cannot, and changes show when
// the kernel timeouts expire). It may be called at any time, also from inside an
// event handler.
func (v *Volume) NotifyChange(kind ChangeKind, name, newName string) error {
	name = Clean(name)
	var errs []error
	inv := v.invalidator()
	entry := func(p string) {
		v.invalidate(p, true)
		v.nameForgotten(p)
		if inv != nil && p != "/" {
			dir, base := Split(p)
			errs = append(errs, inv.InvalidateEntry(dir, base), inv.InvalidateContent(dir))
		}
	}
	switch kind {
	case ChangeAdded:
		entry(name)
	case ChangeRemoved:
		entry(name)
		v.detach(name)
	case ChangeModified:
		v.invalidate(name, false)
		if inv != nil {
			errs = append(errs, inv.InvalidateContent(name))
		}
	case ChangeRenamed:
		if newName == "" {
			return fmt.Errorf("notify rename of %s: %w: no new name", name, ErrInvalid)
		}
		newName = Clean(newName)
		entry(name)
		entry(newName)
		v.renamed(name, newName, true, false)
	default:
		return fmt.Errorf("notify %s: %w: unknown change kind %d", name, ErrInvalid, kind)
	}
	return errors.Join(errs...)
}

// stale reacts to ESTALE from the backend: the name changed behind the volume, so
// its caches and the kernel's are dropped.
func (v *Volume) stale(name string) {
	v.invalidate(name, true)
	v.nameForgotten(name)
	if inv := v.invalidator(); inv != nil && name != "/" {
		dir, base := Split(name)
		inv.InvalidateEntry(dir, base)
		inv.InvalidateContent(name)
	}
}
