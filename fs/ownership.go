package fs

import "github.com/anyfs/anyfs/pkg/attr"

// Ownership changes the owners and permissions a volume shows, for backends
// that store none of their own (as FUSE's uid=, gid= and umask= mount options
// do for file systems without owners), and translates the ids of a backend
// that stores host ids. The kernel's permission checks (default_permissions)
// and the volume's own see what the volume shows.
type Ownership struct {
	// Uid and Gid, when SetUid and SetGid, are the owner and group of every file.
	Uid, Gid       uint32
	SetUid, SetGid bool
	// FileMode and DirMode, when SetFileMode and SetDirMode, replace the
	// permission bits of every non-directory (symbolic links keep 0777) and
	// every directory.
	FileMode, DirMode       attr.Mode
	SetFileMode, SetDirMode bool
	// Umask clears these permission bits from every file but symbolic links.
	Umask attr.Mode
	// UidMap and GidMap map the ids the backend stores to the ids the volume
	// shows; ids not in a map are shown as they are. New files and changes of
	// owner go the other way: a shown id in a map's values is stored as its key.
	UidMap, GidMap map[uint32]uint32
}

// ownership is the volume's prepared Ownership, with the reverse maps.
type ownership struct {
	Ownership
	uidBack, gidBack map[uint32]uint32
}

func newOwnership(o *Ownership) *ownership {
	if o == nil {
		return nil
	}
	w := &ownership{Ownership: *o}
	w.uidBack, w.gidBack = reverse(o.UidMap), reverse(o.GidMap)
	return w
}

func reverse(m map[uint32]uint32) map[uint32]uint32 {
	if len(m) == 0 {
		return nil
	}
	r := make(map[uint32]uint32, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

// normalize fills what a backend left zero (FileInfo.Normalize) and applies
// the volume's Ownership.
func (v *Volume) normalize(fi *FileInfo) {
	fi.Normalize()
	w := v.owner
	if w == nil {
		return
	}
	if u, ok := w.UidMap[fi.Uid]; ok {
		fi.Uid = u
	}
	if g, ok := w.GidMap[fi.Gid]; ok {
		fi.Gid = g
	}
	if w.SetUid {
		fi.Uid = w.Uid
	}
	if w.SetGid {
		fi.Gid = w.Gid
	}
	if fi.Mode.IsSymlink() {
		return
	}
	perm := fi.Mode.Perm()
	switch {
	case fi.Mode.IsDir() && w.SetDirMode:
		perm = w.DirMode.Perm()
	case !fi.Mode.IsDir() && w.SetFileMode:
		perm = w.FileMode.Perm()
	}
	fi.Mode = fi.Mode&^0o7777 | perm&^w.Umask.Perm()
}

// backendIDs maps a shown owner to the one the backend stores (UidMap and
// GidMap backwards).
func (v *Volume) backendIDs(uid, gid uint32) (uint32, uint32) {
	if w := v.owner; w != nil {
		if u, ok := w.uidBack[uid]; ok {
			uid = u
		}
		if g, ok := w.gidBack[gid]; ok {
			gid = g
		}
	}
	return uid, gid
}
