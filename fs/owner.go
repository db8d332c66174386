package fs

import (
	"context"
	"time"
)

// NamespaceOwner is implemented by a backend that owns its namespace: nothing but
// the volume changes its files, so the volume knows of every change (memfs; not a
// mirror of a host directory that other programs change). The volume then lets
// the kernel cache entries, absent entries and attributes for long
// ([OwnedCacheTimeout], where Options leave the timeout at its default), and
// invalidates the kernel's caches itself after every change made through the
// library API (Volume and Handle methods called by the program, not by an adapter
// for a kernel request, whose changes the kernel's caches already reflect). A
// backend that is changed behind the volume's back still reports those changes with
// [Volume.NotifyChange].
type NamespaceOwner interface {
	// OwnsNamespace reports whether every change goes through the volume.
	OwnsNamespace() bool
}

// FileIDInvalidator is implemented by an [Invalidator] that can also drop the
// kernel's cached attributes of a file by its FileID, whatever name the kernel knows
// it by: the volume uses it when a file of several links loses one through the
// library API, so that its other names show one link less.
type FileIDInvalidator interface {
	InvalidateFileID(id uint64) error
}

// OwnedCacheTimeout is how long the kernel caches entries and attributes of a
// volume whose backend owns its namespace ([NamespaceOwner]), unless Options set
// the timeouts.
const OwnedCacheTimeout = time.Hour

// KernelTimeouts returns the attribute, entry and negative-entry cache timeouts the
// adapters hand to the kernel: Options.KernelTimeouts, with [OwnedCacheTimeout]
// for the defaults when the backend owns its namespace.
func (v *Volume) KernelTimeouts() (attrT, entryT, negT time.Duration) {
	attrT, entryT, negT = v.opts.KernelTimeouts()
	if !v.owned {
		return attrT, entryT, negT
	}
	long := func(set, d time.Duration) time.Duration {
		if set == 0 {
			return OwnedCacheTimeout
		}
		return d
	}
	return long(v.opts.AttrTimeout, attrT), long(v.opts.EntryTimeout, entryT), long(v.opts.NegativeTimeout, negT)
}

// fromLibrary reports whether a change in ctx is made through the library API of a
// volume whose backend owns its namespace, so that changed will tell the kernel.
func (v *Volume) fromLibrary(ctx context.Context) bool {
	if !v.owned {
		return false
	}
	c, ok := CallerFromContext(ctx)
	return !ok || !c.Kernel
}

// linksChanged tells the kernel that the file fi, a name of which went away through
// the library API, has one link less under its other names.
func (v *Volume) linksChanged(ctx context.Context, fi *FileInfo) {
	if fi.IsDir() || fi.LinkCount < 2 || fi.FileID == 0 {
		return
	}
	if inv, ok := v.invalidator().(FileIDInvalidator); ok {
		v.report(ctx, "invalidate", fi.Name, inv.InvalidateFileID(fi.FileID))
	}
}

// changed has the kernel drop what it caches of a change made through the library
// API to a volume whose backend owns its namespace (see NamespaceOwner): the kernel
// knows the changes made by its own requests. kind and newName are as for
// NotifyChange; the volume's own state was updated by the operation itself.
func (v *Volume) changed(ctx context.Context, kind ChangeKind, name, newName string) {
	if !v.fromLibrary(ctx) {
		return
	}
	inv := v.invalidator()
	if inv == nil {
		return
	}
	entry := func(p string) {
		if p == "/" {
			return
		}
		dir, base := Split(p)
		v.report(ctx, "invalidate", p, inv.InvalidateEntry(dir, base))
		v.report(ctx, "invalidate", dir, inv.InvalidateContent(dir))
	}
	content := func(p string) { v.report(ctx, "invalidate", p, inv.InvalidateContent(p)) }
	// The attributes of a removed or replaced file first, while the kernel still
	// knows it by that name: its other names have one link less.
	switch kind {
	case ChangeAdded:
		entry(name)
	case ChangeRemoved:
		content(name)
		entry(name)
	case ChangeRenamed:
		content(name)
		content(newName)
		entry(name)
		entry(newName)
	default:
		content(name)
	}
}

// report logs a failed kernel invalidation: the change was made, the kernel may
// show the old state until its timeouts expire.
func (v *Volume) report(ctx context.Context, op, name string, err error) {
	if err != nil {
		v.log.WarnContext(ctx, "anyfs: kernel cache not invalidated", "op", op, "name", name, "err", err)
	}
}
