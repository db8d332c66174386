package fs

import (
	"context"
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

// CreateRequest describes a file to create.
type CreateRequest struct {
	// Mode is the type and permission bits as the kernel sent them (umask applied).
	// A zero type means a regular file.
	Mode attr.Mode
	// Rdev is the device number of a device node.
	Rdev uint64
	// Attributes are Windows attributes to set.
	Attributes attr.FileAttributes
	Access     Access
	Flags      OpenFlags
	// Exclusive (O_EXCL) fails with ErrExist when the name exists; otherwise an
	// existing file is opened.
	Exclusive bool
}

// Create creates and opens a regular file, or opens it if it exists and the request
// is not Exclusive. It returns the handle and the file's information.
func (v *Volume) Create(ctx context.Context, name string, req CreateRequest) (*Handle, FileInfo, error) {
	name = v.resolve(ctx, name)
	if req.Mode.Type() == 0 {
		req.Mode |= attr.S_IFREG
	}
	f, fi, hctx, err := v.create(ctx, name, req, true)
	if err == nil {
		h, err := v.newHandle(ctx, f, hctx, req.Access, req.Flags)
		if err != nil {
			return nil, FileInfo{}, err
		}
		return h, fi, nil
	}
	if !isExist(err) || req.Exclusive {
		return nil, FileInfo{}, err
	}
	if req.Access&AccessWrite == 0 {
		// O_CREAT on an existing directory is EISDIR even for reading.
		if fi, err := v.getInfo(ctx, name, nil); err == nil && fi.IsDir() {
			return nil, FileInfo{}, fmt.Errorf("create %s: %w", name, ErrIsDir)
		}
	}
	h, err := v.Open(ctx, name, req.Access, req.Flags)
	if err != nil {
		return nil, FileInfo{}, err
	}
	return h, h.OpenInfo(), nil
}

// Mkdir creates a directory.
func (v *Volume) Mkdir(ctx context.Context, name string, mode attr.Mode) (FileInfo, error) {
	name = v.resolve(ctx, name)
	return v.createClosed(ctx, name, CreateRequest{Mode: attr.S_IFDIR | mode.Perm(), Attributes: attr.Directory})
}

// Mknod creates a device node, FIFO, socket or empty regular file, per mode's type.
func (v *Volume) Mknod(ctx context.Context, name string, mode attr.Mode, rdev uint64) (FileInfo, error) {
	if mode.Type() == 0 {
		mode |= attr.S_IFREG
	}
	if mode.Type() == attr.S_IFDIR || mode.Type() == attr.S_IFLNK {
		return FileInfo{}, fmt.Errorf("mknod %s: %w", name, ErrInvalid)
	}
	name = v.resolve(ctx, name)
	return v.createClosed(ctx, name, CreateRequest{Mode: mode, Rdev: rdev})
}

// createClosed creates a file without keeping it open.
func (v *Volume) createClosed(ctx context.Context, name string, req CreateRequest) (FileInfo, error) {
	f, fi, hctx, err := v.create(ctx, name, req, false)
	if err != nil {
		return FileInfo{}, err
	}
	v.closeFileEvent(ctx, f, hctx)
	return fi, nil
}

// create fires OnCreateFile and records the new open file.
func (v *Volume) create(ctx context.Context, name string, req CreateRequest, open bool) (*openFile, FileInfo, any, error) {
	if err := v.checkName(name); err != nil {
		return nil, FileInfo{}, nil, err
	}
	if v.opts.ReadOnly {
		return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "create", name, AccessWrite); err != nil {
		return nil, FileInfo{}, nil, err
	}
	caller, _ := CallerFromContext(ctx)
	e := CreateFileEvent{Name: name, Mode: req.Mode, Attributes: req.Attributes, Rdev: req.Rdev,
		Uid: caller.Uid, Gid: caller.Gid, Access: req.Access, Flags: req.Flags}
	if req.Mode.IsDir() {
		e.Attributes |= attr.Directory
	}
	// A setgid directory hands its group, and for directories its setgid bit, down
	// (the backend's storage does that itself with HostChecker).
	if !v.hostChecks {
		dir, _ := Split(name)
		pfi, err := v.getInfo(ctx, dir, nil)
		if err != nil {
			return nil, FileInfo{}, nil, err
		}
		if !pfi.IsDir() {
			return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrNotDir)
		}
		if pfi.Mode&attr.S_ISGID != 0 {
			e.Gid = pfi.Gid
			if req.Mode.IsDir() {
				e.Mode |= attr.S_ISGID
			}
		}
	}
	e.Uid, e.Gid = v.backendIDs(e.Uid, e.Gid)
	f, err := v.acquire(name, req.Mode.IsDir())
	if err != nil {
		return nil, FileInfo{}, nil, err
	}
	f.openMu.Lock()
	if f.opened {
		// The name is open, so it exists.
		f.openMu.Unlock()
		v.release(f)
		return nil, FileInfo{}, nil, fmt.Errorf("create %s: %w", name, ErrExist)
	}
	err = v.callCreate(ctx, f, &e)
	v.invalidate(name, false)
	if err == nil {
		f.ctx, f.opened = e.FileContext, true
		v.nameAdded(name)
		v.changed(ctx, ChangeAdded, name, "")
	} else {
		v.nameForgotten(name) // EEXIST: a name the index did not know
	}
	f.openMu.Unlock()
	if err != nil {
		v.release(f)
		return nil, FileInfo{}, nil, err
	}
	fi := e.Info
	if !e.InfoValid {
		fi, err = v.getInfo(ctx, name, e.FileContext)
		if err != nil {
			v.closeFileEvent(ctx, f, e.HandleContext)
			return nil, FileInfo{}, nil, err
		}
	} else {
		v.normalize(&fi)
	}
	_, fi.Name = Split(name)
	return f, fi, e.HandleContext, nil
}

func (v *Volume) callCreate(ctx context.Context, f *openFile, e *CreateFileEvent) (err error) {
	if v.creator == nil {
		return fmt.Errorf("create %s: %w", e.Name, ErrReadOnly)
	}
	return fire(ctx, v, e.Name, f, v.creator.OnCreateFile, e)
}
