package fs

import (
	"context"
	"fmt"
	"strings"

	"github.com/anyfs/anyfs/pkg/attr"
)

// Extended attributes are the FUSE face of named streams. On Linux the "user."
// namespace maps to streams (the stream name is the rest of the attribute's name);
// the namespaces trusted., security. and system. reach a backend that stores them
// ([XattrNamespacer]) by their whole names, and answer ErrNotSupported otherwise,
// as on filesystems without them. On other systems xattr names are stream names as
// they are.
//
// The rules of the namespaces are the volume's, as Linux's tmpfs has them:
//   - user.: only on regular files and directories (elsewhere getting finds
//     nothing and setting is ErrNotPermitted); in a sticky directory only its
//     owner, or a caller with CAP_FOWNER, sets them;
//   - trusted.: only for callers with CAP_SYS_ADMIN; others see none;
//   - security.: everyone reads them; setting needs CAP_SYS_ADMIN, or CAP_SETFCAP
//     for security.capability;
//   - system.: the POSIX ACLs system.posix_acl_access and system.posix_acl_default
//     (directories only), set by the file's owner or a caller with CAP_FOWNER.
//     The volume stores them and does not enforce them; the kernel checks the mode
//     bits (which a backend like passthrough keeps in step with the ACL).
//
// A request without a caller (the volume's own, or a program using the volume
// directly) has every privilege; on Linux a caller's privileges are the effective
// capabilities of its process.

// The extended-attribute namespaces an [XattrNamespacer] may store, besides the
// user. namespace of named streams.
const (
	XattrTrusted  = "trusted"
	XattrSecurity = "security"
	XattrSystem   = "system"
)

// The POSIX ACL attributes of the system. namespace.
const (
	xattrACLAccess  = "system.posix_acl_access"
	xattrACLDefault = "system.posix_acl_default"
)

func isXattrNamespace(ns string) bool {
	return ns == XattrTrusted || ns == XattrSecurity || ns == XattrSystem
}

// xattrRef is an extended attribute as the backend sees it: a named stream, or
// (xattr set) a whole name in another namespace.
type xattrRef struct {
	stream string
	xattr  string
	ns     string // "user" for a stream on Linux; "" where names are streams
}

// xattrName resolves the attribute name x of the file name for op.
func (v *Volume) xattrName(op, name, x string) (xattrRef, error) {
	if v.streams == nil {
		return xattrRef{}, fmt.Errorf("%s %s %s: %w", op, name, x, ErrNotSupported)
	}
	if xattrPrefix == "" {
		return xattrRef{stream: x}, nil
	}
	ns, rest, ok := strings.Cut(x, ".")
	switch {
	case !ok:
		return xattrRef{}, fmt.Errorf("%s %s %s: no namespace: %w", op, name, x, ErrNotSupported)
	case ns+"." == xattrPrefix:
		if rest == "" {
			return xattrRef{}, fmt.Errorf("%s %s %s: %w", op, name, x, ErrInvalid)
		}
		return xattrRef{stream: rest, ns: ns}, nil
	case !v.xattrNSs[ns]:
		return xattrRef{}, fmt.Errorf("%s %s %s: namespace %s. not stored by the backend: %w", op, name, x, ns, ErrNotSupported)
	case rest == "":
		return xattrRef{}, fmt.Errorf("%s %s %s: %w", op, name, x, ErrInvalid)
	case ns == XattrSystem && x != xattrACLAccess && x != xattrACLDefault:
		return xattrRef{}, fmt.Errorf("%s %s %s: %w", op, name, x, ErrNotSupported)
	}
	return xattrRef{xattr: x, ns: ns}, nil
}

// callerCan reports whether the request's caller has the Linux capability c. A
// request without a caller has every capability.
func callerCan(ctx context.Context, c uint) bool {
	caller, ok := CallerFromContext(ctx)
	if !ok {
		return true
	}
	if caller.Pid == 0 {
		return caller.Uid == 0
	}
	return hasCapability(caller.Pid, caller.Uid, c)
}

// carriesUserXattrs reports whether a file of this type may have user. attributes.
func carriesUserXattrs(fi *FileInfo) bool {
	t := fi.Mode.Type()
	return t == attr.S_IFREG || t == attr.S_IFDIR
}

// userXattrs returns the information of the file at name (f when it is open) and
// whether it may have user. attributes.
func (v *Volume) userXattrs(ctx context.Context, name string, f *openFile) (FileInfo, bool, error) {
	fi, err := v.getInfo(ctx, name, openCtx(f))
	return fi, err == nil && carriesUserXattrs(&fi), err
}

// mayRead checks the namespace rules for reading r; a refusal is ErrNoAttribute, as
// if the attribute were not there.
func (v *Volume) mayRead(ctx context.Context, name string, f *openFile, r xattrRef) error {
	switch r.ns {
	case "user":
		_, ok, err := v.userXattrs(ctx, name, f)
		if err == nil && !ok {
			err = fmt.Errorf("getxattr %s: user.%s: %w", name, r.stream, ErrNoAttribute)
		}
		return err
	case XattrTrusted:
		if !callerCan(ctx, capSysAdmin) {
			return fmt.Errorf("getxattr %s: %s: %w", name, r.xattr, ErrNoAttribute)
		}
	}
	return nil
}

// mayWrite checks the namespace rules for setting or removing r.
func (v *Volume) mayWrite(ctx context.Context, op, name string, f *openFile, r xattrRef) error {
	switch r.ns {
	case "user":
		fi, ok, err := v.userXattrs(ctx, name, f)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s %s: user.%s: only regular files and directories have user attributes: %w", op, name, r.stream, ErrNotPermitted)
		}
		if fi.IsDir() && fi.Mode&attr.S_ISVTX != 0 && !v.ownerOrCapable(ctx, &fi) {
			return fmt.Errorf("%s %s: user.%s: sticky directory of another user: %w", op, name, r.stream, ErrNotPermitted)
		}
	case XattrTrusted:
		if !callerCan(ctx, capSysAdmin) {
			return fmt.Errorf("%s %s: %s needs CAP_SYS_ADMIN: %w", op, name, r.xattr, ErrNotPermitted)
		}
	case XattrSecurity:
		need, capName := uint(capSysAdmin), "CAP_SYS_ADMIN"
		if r.xattr == "security.capability" {
			need, capName = capSetfcap, "CAP_SETFCAP"
		}
		if !callerCan(ctx, need) {
			return fmt.Errorf("%s %s: %s needs %s: %w", op, name, r.xattr, capName, ErrNotPermitted)
		}
	case XattrSystem:
		fi, err := v.getInfo(ctx, name, openCtx(f))
		if err != nil {
			return err
		}
		if !v.ownerOrCapable(ctx, &fi) {
			return fmt.Errorf("%s %s: %s: not the owner: %w", op, name, r.xattr, ErrNotPermitted)
		}
		if r.xattr == xattrACLDefault && !fi.IsDir() && op == "setxattr" {
			return fmt.Errorf("%s %s: a default ACL on a file that is no directory: %w", op, name, ErrPermission)
		}
	}
	return nil
}

// ownerOrCapable: the caller owns the file or has CAP_FOWNER.
func (v *Volume) ownerOrCapable(ctx context.Context, fi *FileInfo) bool {
	if c, ok := CallerFromContext(ctx); ok && c.Uid == fi.Uid {
		return true
	}
	return callerCan(ctx, capFowner)
}

// GetXattr returns the extended attribute xattr of the file at name.
func (v *Volume) GetXattr(ctx context.Context, name, xattr string) (data []byte, err error) {
	name = v.resolve(ctx, name)
	r, err := v.xattrName("getxattr", name, xattr)
	if err != nil {
		return nil, err
	}
	if err := v.checkAccess(ctx, "getxattr", name, AccessRead); err != nil {
		return nil, err
	}
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	if err := v.mayRead(ctx, name, f, r); err != nil {
		return nil, err
	}
	e := GetNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: r.stream, Xattr: r.xattr}
	err = fire(ctx, v, name, nil, v.streams.OnGetNamedStream, &e)
	return e.Data, err
}

// XattrFlags are setxattr's flags.
type XattrFlags uint8

// Setxattr flags.
const (
	XattrCreate  XattrFlags = 1 << iota // fail if it exists
	XattrReplace                        // fail if it does not exist
)

// SetXattr sets the extended attribute xattr of the file at name. On Linux the
// namespace rules of the package's streams.go apply (tmpfs's): user. attributes on
// regular files and directories only, trusted. ones for callers with CAP_SYS_ADMIN,
// security. ones set with CAP_SYS_ADMIN (CAP_SETFCAP for security.capability), POSIX
// ACLs by the file's owner; a request without a caller may do everything.
func (v *Volume) SetXattr(ctx context.Context, name, xattr string, data []byte, flags XattrFlags) (err error) {
	name = v.resolve(ctx, name)
	r, err := v.xattrName("setxattr", name, xattr)
	if err != nil {
		return err
	}
	if v.opts.ReadOnly {
		return fmt.Errorf("setxattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "setxattr", name, AccessWrite); err != nil {
		return err
	}
	defer v.invalidate(name, false)
	defer v.changed(ctx, ChangeModified, name, "")
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	if err := v.mayWrite(ctx, "setxattr", name, f, r); err != nil {
		return err
	}
	e := SetNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: r.stream, Xattr: r.xattr, Data: data,
		Create: flags&XattrCreate != 0, Replace: flags&XattrReplace != 0}
	return fire(ctx, v, name, nil, v.streams.OnSetNamedStream, &e)
}

// ListXattr returns the names of the extended attributes of the file at name that
// the caller may see.
func (v *Volume) ListXattr(ctx context.Context, name string) (names []string, err error) {
	name = v.resolve(ctx, name)
	if v.streams == nil {
		return nil, nil
	}
	if err := v.checkAccess(ctx, "listxattr", name, AccessRead); err != nil {
		return nil, err
	}
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	e := ListNamedStreamsEvent{Name: name, FileContext: openCtx(f)}
	err = fire(ctx, v, name, nil, v.streams.OnListNamedStreams, &e)
	if err != nil {
		return nil, err
	}
	streams := e.Streams
	if len(streams) > 0 && xattrPrefix != "" {
		_, ok, err := v.userXattrs(ctx, name, f)
		if err != nil {
			return nil, err
		}
		if !ok {
			streams = nil
		}
	}
	names = make([]string, 0, len(streams)+len(e.Xattrs))
	for _, s := range streams {
		names = append(names, xattrPrefix+s)
	}
	if xattrPrefix == "" {
		return names, nil
	}
	trusted := -1 // unknown until a trusted. name comes
	for _, x := range e.Xattrs {
		ns, _, _ := strings.Cut(x, ".")
		if !v.xattrNSs[ns] || (ns == XattrSystem && x != xattrACLAccess && x != xattrACLDefault) {
			continue
		}
		if ns == XattrTrusted {
			if trusted < 0 {
				trusted = 0
				if callerCan(ctx, capSysAdmin) {
					trusted = 1
				}
			}
			if trusted == 0 {
				continue
			}
		}
		names = append(names, x)
	}
	return names, nil
}

// RemoveXattr removes the extended attribute xattr of the file at name.
func (v *Volume) RemoveXattr(ctx context.Context, name, xattr string) (err error) {
	name = v.resolve(ctx, name)
	r, err := v.xattrName("removexattr", name, xattr)
	if err != nil {
		return err
	}
	if v.opts.ReadOnly {
		return fmt.Errorf("removexattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "removexattr", name, AccessWrite); err != nil {
		return err
	}
	defer v.invalidate(name, false)
	defer v.changed(ctx, ChangeModified, name, "")
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	if err := v.mayWrite(ctx, "removexattr", name, f, r); err != nil {
		return err
	}
	e := DeleteNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: r.stream, Xattr: r.xattr}
	return fire(ctx, v, name, nil, v.streams.OnDeleteNamedStream, &e)
}
