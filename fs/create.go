package fs

import (
	"fmt"

	"github.com/anyfs/anyfs/pkg/attr"
)

// FileMode is the file type and permission bits a backend gives the new file: e.Mode
// as it is when it has a file type; without one, a regular file, or a directory when
// e.Attributes has attr.Directory (a Windows caller creates a directory so), with
// 0644 or 0755 when e.Mode has no permission bits either. A type other than a regular
// file, directory, FIFO, socket or device fails with ErrInvalid.
func (e *CreateFileEvent) FileMode() (attr.Mode, error) {
	typ, perm := e.Mode.Type(), e.Mode.Perm()
	if typ == 0 {
		typ = attr.S_IFREG
		if e.Attributes&attr.Directory != 0 {
			typ = attr.S_IFDIR
		}
		if perm == 0 {
			perm = 0o644
			if typ == attr.S_IFDIR {
				perm = 0o755
			}
		}
	}
	switch typ {
	case attr.S_IFREG, attr.S_IFDIR, attr.S_IFIFO, attr.S_IFSOCK, attr.S_IFCHR, attr.S_IFBLK:
		return typ | perm, nil
	}
	return 0, fmt.Errorf("create %s with type %#o: %w", e.Name, typ, ErrInvalid)
}
