package fs

import (
	"context"

	"github.com/anyfs/anyfs/pkg/attr"
)

func isExist(err error) bool { e, _ := ErrnoOf(err); return e == EEXIST }

func isNotExist(err error) bool { e, _ := ErrnoOf(err); return e == ENOENT }

// getInfo fires OnGetFileInfo and normalizes the reply.
func (v *Volume) getInfo(ctx context.Context, name string, fctx any) (fi FileInfo, err error) {
	return v.getInfoLinks(ctx, name, fctx, false)
}

// getInfoLinks is getInfo; with keepZeroLinks a link count of 0 from the backend (a
// file unlinked while open) is kept instead of being reported as 1.
func (v *Volume) getInfoLinks(ctx context.Context, name string, fctx any, keepZeroLinks bool) (fi FileInfo, err error) {
	if fctx == nil && v.cache != nil {
		if fi, err, ok := v.cache.get(name); ok {
			return fi, err
		}
		defer func() {
			switch {
			case err == nil:
				v.cache.put(name, fi)
			case isNotExist(err):
				v.cache.putAbsent(name)
			}
		}()
	}
	e := GetFileInfoEvent{Name: name, FileContext: fctx}
	if err = fire(ctx, v, name, nil, v.b.OnGetFileInfo, &e); err != nil {
		return FileInfo{}, err
	}
	zeroLinks := keepZeroLinks && e.Info.LinkCount == 0
	v.normalize(&e.Info)
	if zeroLinks {
		e.Info.LinkCount = 0
	}
	if name == "/" {
		e.Info.Name = "/"
	} else {
		_, e.Info.Name = Split(name)
	}
	if !v.caps.Symlinks && e.Info.Mode.IsSymlink() {
		e.Info.Mode = e.Info.Mode&^attr.S_IFMT | attr.S_IFREG
	}
	return e.Info, nil
}

// Stat returns the information of the file at name.
func (v *Volume) Stat(ctx context.Context, name string) (FileInfo, error) {
	return v.getInfo(ctx, v.resolve(ctx, name), nil)
}

// Lookup finds the entry base in the directory dir. FileInfo.Name is the name as
// stored, which differs from base in case on a case-insensitive volume.
func (v *Volume) Lookup(ctx context.Context, dir, base string) (FileInfo, error) {
	name := Join(dir, base)
	if err := v.checkName(name); err != nil {
		return FileInfo{}, err
	}
	return v.getInfo(ctx, v.resolve(ctx, name), nil)
}

// RealName returns name with every component in the case it was stored with
// (CBFS RealFileName, WinFsp Getpath). On a case-sensitive volume that is name
// itself once it exists.
func (v *Volume) RealName(ctx context.Context, name string) (string, error) {
	real := v.resolve(ctx, name)
	if _, err := v.getInfo(ctx, real, nil); err != nil {
		return "", err
	}
	return real, nil
}

// resolve is the one step every call by path takes first: on a case-insensitive
// volume it returns name with each existing component in its stored case, so that
// every event reaches the backend with the stored name (a name that exists exactly
// as given is kept, which also serves a backend that ignores case itself). The
// components that do not exist keep the case they were given in: a new name is
// created as typed. A case-sensitive volume uses name as it is.
func (v *Volume) resolve(ctx context.Context, name string) string {
	if !v.opts.CaseInsensitive || name == "/" || v.checkName(name) != nil {
		return name
	}
	if _, err := v.getInfo(ctx, name, nil); !isNotExist(err) {
		return name // found, or an error the call itself will meet
	}
	dir, base := Split(name)
	dir = v.resolve(ctx, dir)
	if real, err := v.findFold(ctx, dir, base); err == nil {
		return Join(dir, real)
	}
	return Join(dir, base)
}

// resolveTarget resolves the new name of a rename of the (resolved) oldName: like
// resolve, except that a new name that differs from oldName only in case keeps its
// typed case, since that rename changes the case of the name (as NTFS does).
func (v *Volume) resolveTarget(ctx context.Context, oldName, newName string) string {
	r := v.resolve(ctx, newName)
	if r == oldName && newName != oldName {
		dir, _ := Split(r)
		_, base := Split(newName)
		return Join(dir, base)
	}
	return r
}

// findFold finds the entry of dir whose name equals base ignoring case, from the
// directory's index (fold.go), listing the directory when it has none.
func (v *Volume) findFold(ctx context.Context, dir, base string) (string, error) {
	found, known := v.folds.find(dir, base)
	if !known {
		d, err := v.openDir(ctx, dir)
		if err != nil {
			return "", err
		}
		var names []string
		err = d.ReadDir(ctx, 0, func(fi *FileInfo, _ int64) bool {
			names = append(names, fi.Name)
			return true
		})
		d.Close(ctx)
		if err != nil {
			return "", err
		}
		v.folds.fill(dir, names)
		found, _ = v.folds.find(dir, base)
	}
	if found == "" {
		return "", ErrNotExist
	}
	return found, nil
}

// The volume's changes, for the case-insensitive name index.

func (v *Volume) nameAdded(name string) {
	if v.opts.CaseInsensitive {
		v.folds.added(name)
	}
}

func (v *Volume) nameRemoved(name string) {
	if v.opts.CaseInsensitive {
		v.folds.removed(name)
	}
}

func (v *Volume) nameForgotten(name string) {
	if v.opts.CaseInsensitive {
		v.folds.forget(name)
	}
}
