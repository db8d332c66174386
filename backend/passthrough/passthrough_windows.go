package passthrough

// Windows hosts. Intermediate components are resolved by os.Root as on Unix (it
// opens each directory relative to the previous handle and refuses reparse points
// that leave the root). The final component is opened with NtCreateFile relative to
// the parent directory's handle with FILE_OPEN_REPARSE_POINT, so a symbolic link or
// junction as the final component is operated on, never followed; renames and hard
// links name their target relative to the new parent's handle
// (FILE_RENAME_INFORMATION_EX / FILE_LINK_INFORMATION RootDirectory).
//
// One path discipline for every call: split (passthrough.go) refuses, with
// ErrInvalid, every name Windows cannot store as it is (see badName: a trailing dot
// or space, a device name, a reserved character), so that Win32 path cleaning in
// os.Root and the raw NT names of NtCreateFile always mean the same file. Lookups
// are case-insensitive in both, as Windows' own are.
//
// Supported: stat, listing, open, read, write, create (files and directories, with
// the Windows attributes asked for; a mode without write bits gives ReadOnly),
// truncate, fsync, delete, rename (replace or not, a directory over an empty one
// included; no exchange), hard links, attributes and the four times
// (SetFileInformationByHandle FileBasicInfo), volume size. Not supported: device
// nodes, FIFOs and sockets, symbolic links (reparse points are reported with their
// attributes but cannot be created or read), named streams, owners (chown is
// accepted and ignored), preallocation (a no-op). Open follows a final reparse
// point as long as it stays beneath the root (os.Root).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"golang.org/x/sys/windows"
)

var _ fs.CreateHardLinkHandler = (*FS)(nil)

// badName says why Windows cannot store the name component c, or "" when it can.
// Win32 path handling, which os.Root applies to the names it is given, would make
// such a name another one (it strips trailing dots and spaces, so "f." is "f"; it
// reads "nul" or "con.txt" as a device), while the NT calls of this file would take
// it as it is. Refusing these names in split, which every call goes through, keeps
// both on the same file; a host entry of such a name is not listed (see statEntry).
func badName(c string) string {
	if last := c[len(c)-1]; last == '.' || last == ' ' {
		return fmt.Sprintf("Windows cannot store %q: it ends in %q", c, last)
	}
	for _, r := range c {
		if r < 0x20 || strings.ContainsRune(`<>:"\|?*`, r) {
			return fmt.Sprintf("Windows cannot store %q: %q is a reserved character", c, r)
		}
	}
	if isDeviceName(c) {
		return fmt.Sprintf("Windows cannot store %q: it names a device", c)
	}
	return ""
}

// isDeviceName reports whether Win32 reads the name component c as a device: CON,
// PRN, AUX, NUL, COM0-COM9, LPT0-LPT9 (also with the digits ¹ ² ³), CONIN$ or
// CONOUT$, in any case, alone or followed by spaces or an extension ("nul.txt").
func isDeviceName(c string) bool {
	stem, _, _ := strings.Cut(c, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) < 4 || (stem[:3] != "COM" && stem[:3] != "LPT") {
		return false
	}
	switch d := stem[3:]; d {
	case "¹", "²", "³":
		return true
	default:
		return len(d) == 1 && '0' <= d[0] && d[0] <= '9'
	}
}

// dirRef is a parent directory opened through the Root.
type dirRef struct {
	f   *os.File
	own bool
}

func (d dirRef) h() windows.Handle { return windows.Handle(d.f.Fd()) }

func (d dirRef) close() {
	if d.own {
		d.f.Close()
	}
}

// parent opens the parent of name through the Root; the final component is "" for
// the root itself.
func (p *FS) parent(name string) (dirRef, string, error) {
	dir, base, err := split(name)
	if err != nil {
		return dirRef{}, "", err
	}
	if dir == "." {
		return dirRef{f: p.rootDir}, base, nil
	}
	f, err := p.root.Open(dir)
	if err != nil {
		return dirRef{}, "", pathErr("open", name, err)
	}
	return dirRef{f: f, own: true}, base, nil
}

// openAt is NtCreateFile(FILE_OPEN) of base relative to the directory handle dir,
// without following a final reparse point. An empty base opens dir itself.
func openAt(dir windows.Handle, base string, access, options uint32) (windows.Handle, error) {
	name, err := windows.NewNTUnicodeString(base)
	if err != nil {
		return 0, err
	}
	// Case-insensitive as os.Root opens (and as Windows treats every lookup unless a
	// directory is marked case-sensitive), so that both find the same file.
	oa := windows.OBJECT_ATTRIBUTES{RootDirectory: dir, ObjectName: name, Attributes: windows.OBJ_CASE_INSENSITIVE}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtCreateFile(&h, access|windows.SYNCHRONIZE, &oa, &iosb, nil, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, windows.FILE_OPEN,
		options|windows.FILE_OPEN_REPARSE_POINT|windows.FILE_OPEN_FOR_BACKUP_INTENT|windows.FILE_SYNCHRONOUS_IO_NONALERT, 0, 0)
	if err != nil {
		return 0, ntErr(err)
	}
	return h, nil
}

func ntErr(err error) error {
	var st windows.NTStatus
	if errors.As(err, &st) {
		return st.Errno()
	}
	return err
}

// hostErr leaves host errors as they are: fs.ErrnoOf maps Windows error codes.
func hostErr(err error) error { return err }

func ftime(t windows.Filetime) time.Time { return time.Unix(0, t.Nanoseconds()) }

// statHandle reports a file from its handle. Mode is left to the volume, which
// derives it from the attributes.
func statHandle(h windows.Handle) (fs.FileInfo, error) {
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &d); err != nil {
		return fs.FileInfo{}, err
	}
	fi := fs.FileInfo{
		Attributes:     attr.FileAttributes(d.FileAttributes),
		Size:           int64(d.FileSizeHigh)<<32 | int64(d.FileSizeLow),
		CreationTime:   ftime(d.CreationTime),
		LastAccessTime: ftime(d.LastAccessTime),
		LastWriteTime:  ftime(d.LastWriteTime),
		ChangeTime:     ftime(d.LastWriteTime),
		FileID:         uint64(d.FileIndexHigh)<<32 | uint64(d.FileIndexLow),
		LinkCount:      d.NumberOfLinks,
	}
	if fi.Attributes&attr.Directory != 0 {
		fi.Size = 0
	}
	var b fileBasicInfo
	if windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&b)), uint32(unsafe.Sizeof(b))) == nil && b.ChangeTime != 0 {
		fi.ChangeTime = time.Unix(0, (b.ChangeTime-116444736000000000)*100)
	}
	return fi, nil
}

func statAt(dir windows.Handle, base string) (fs.FileInfo, error) {
	h, err := openAt(dir, base, windows.FILE_READ_ATTRIBUTES, 0)
	if err != nil {
		return fs.FileInfo{}, err
	}
	defer windows.CloseHandle(h)
	return statHandle(h)
}

// fileBasicInfo is FILE_BASIC_INFO, padded to 8 bytes as SetFileInformationByHandle
// wants on every architecture.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}

// openFile opens name through the Root (which follows a final reparse point only
// while it stays beneath the root).
func (p *FS) openFile(name string, acc fs.Access, dir bool) (*os.File, error) {
	r, err := rel(name)
	if err != nil {
		return nil, err
	}
	flags := accFlags(acc)
	if dir {
		flags = os.O_RDONLY
	}
	f, err := p.root.OpenFile(r, flags, 0)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	if dir {
		if st, err := f.Stat(); err != nil || !st.IsDir() {
			f.Close()
			return nil, pathErr("open", name, fs.ErrNotDir)
		}
	}
	return f, nil
}

func (p *FS) reopenByName(name string, old *os.File, acc fs.Access) (*os.File, error) {
	f, err := p.openFile(name, acc, false)
	if err != nil {
		return nil, err
	}
	a, err1 := old.Stat()
	b, err2 := f.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		f.Close()
		return nil, pathErr("reopen", name, fs.ErrStale)
	}
	return f, nil
}

func (p *FS) reopen(name string, old *os.File, acc fs.Access) (*os.File, error) {
	return p.reopenByName(name, old, acc)
}

func datasync(f *os.File) error { return f.Sync() }

// statEntry reports a listed entry. An entry whose name Windows cannot store
// (made outside Win32: by an NT call, or on the Linux side of Wine) is reported
// missing, so the listing leaves it out: every call on it would be refused.
func (p *FS) statEntry(dir *os.File, _, name string) (fs.FileInfo, error) {
	if badName(name) != "" {
		return fs.FileInfo{}, fs.ErrNotExist
	}
	return statAt(windows.Handle(dir.Fd()), name)
}

// OnOpenFile opens the file read-write when the host allows it, else with the
// access asked for; a directory read-only.
func (p *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	if fc, _ := e.FileContext.(*file); fc != nil {
		if fc.f != nil && !fc.isDir && e.Access != 0 {
			return p.use(e.Name, fc, e.Access, func(*os.File) error { return nil })
		}
		return nil
	}
	acc := e.Access
	if acc == 0 {
		acc = fs.AccessRead
	}
	isDir := e.IsDir || e.Flags&fs.OpenDirectory != 0
	var f *os.File
	var err error
	if !isDir {
		if f, err = p.openFile(e.Name, fs.AccessRead|fs.AccessWrite, false); err == nil {
			acc = fs.AccessRead | fs.AccessWrite
		} else if f, err = p.openFile(e.Name, acc, false); err != nil {
			return err
		}
		if st, serr := f.Stat(); serr == nil && st.IsDir() {
			isDir, acc = true, fs.AccessRead
		}
	} else {
		acc = fs.AccessRead
		if f, err = p.openFile(e.Name, acc, true); err != nil {
			return err
		}
	}
	if e.Info, err = statHandle(windows.Handle(f.Fd())); err == nil {
		e.InfoValid = true
	}
	e.FileContext = &file{f: f, acc: acc, isDir: isDir}
	return nil
}

// OnGetFileInfo reports the file without following a final reparse point, or the
// open file.
func (p *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) (err error) {
	if fc := fileOf(e.FileContext); fc != nil {
		fc.mu.RLock()
		e.Info, err = statHandle(windows.Handle(fc.f.Fd()))
		fc.mu.RUnlock()
		return pathErr("stat", e.Name, err)
	}
	d, base, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer d.close()
	if base == "" {
		e.Info, err = statHandle(d.h())
	} else {
		e.Info, err = statAt(d.h(), base)
	}
	return pathErr("stat", e.Name, err)
}

// setBasic changes attributes and times of a handle; zero fields are kept.
func setBasic(h windows.Handle, b *fileBasicInfo) error {
	return windows.SetFileInformationByHandle(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(b)), uint32(unsafe.Sizeof(*b)))
}

// OnCreateFile creates a regular file or a directory through the Root, then sets
// the Windows attributes asked for.
func (p *FS) OnCreateFile(_ context.Context, e *fs.CreateFileEvent) error {
	r, err := rel(e.Name)
	if err != nil {
		return err
	}
	if r == "." {
		return pathErr("create", e.Name, fs.ErrExist)
	}
	perm := os.FileMode(e.Mode.Perm() & 0o777)
	var fc *file
	switch e.Mode.Type() {
	case 0, attr.S_IFREG:
		f, err := p.root.OpenFile(r, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return pathErr("create", e.Name, err)
		}
		fc = &file{f: f, acc: fs.AccessRead | fs.AccessWrite}
	case attr.S_IFDIR:
		if err := p.root.Mkdir(r, perm); err != nil {
			return pathErr("mkdir", e.Name, err)
		}
		f, err := p.openFile(e.Name, fs.AccessRead, true)
		if err != nil {
			return err
		}
		fc = &file{f: f, acc: fs.AccessRead, isDir: true}
	default:
		return pathErr("mknod", e.Name, fs.ErrNotSupported)
	}
	if a := e.Attributes &^ (attr.Directory | attr.Normal); a != 0 {
		if err := p.setAttrs(e.Name, &fs.SetFileAttributesEvent{Attributes: a | e.Attributes&attr.Normal}); err != nil {
			fc.f.Close()
			p.root.Remove(r)
			return err
		}
	}
	e.FileContext = fc
	if e.Info, err = statHandle(windows.Handle(fc.f.Fd())); err == nil {
		e.InfoValid = true
	}
	return nil
}

// setAttrs applies attributes, the ReadOnly bit of a mode, and times to the file
// name through a handle opened for FILE_WRITE_ATTRIBUTES.
func (p *FS) setAttrs(name string, e *fs.SetFileAttributesEvent) error {
	d, base, err := p.parent(name)
	if err != nil {
		return err
	}
	defer d.close()
	var h windows.Handle
	if base == "" {
		h, err = openAt(d.h(), "", windows.FILE_READ_ATTRIBUTES|windows.FILE_WRITE_ATTRIBUTES, 0)
	} else {
		h, err = openAt(d.h(), base, windows.FILE_READ_ATTRIBUTES|windows.FILE_WRITE_ATTRIBUTES, 0)
	}
	if err != nil {
		return pathErr("setattr", name, err)
	}
	defer windows.CloseHandle(h)
	var cur fileBasicInfo
	if err := windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&cur)), uint32(unsafe.Sizeof(cur))); err != nil {
		return pathErr("setattr", name, err)
	}
	var b fileBasicInfo
	a := attr.FileAttributes(cur.FileAttributes)
	if e.Attributes != 0 {
		a = attr.ApplySetFileAttributes(a, e.Attributes)
	}
	if e.SetMode && a&attr.Directory == 0 {
		if e.Mode&attr.S_IWUSR == 0 {
			a |= attr.ReadOnly
		} else {
			a &^= attr.ReadOnly
		}
		a = attr.ApplySetFileAttributes(a, a&attr.SettableFileAttributes|attr.Normal)
	}
	if a != attr.FileAttributes(cur.FileAttributes) {
		b.FileAttributes = uint32(a)
	}
	ft := func(t time.Time) int64 {
		if attr.TimeUnset(t) {
			return 0
		}
		return t.UnixNano()/100 + 116444736000000000
	}
	b.CreationTime, b.LastAccessTime, b.LastWriteTime, b.ChangeTime =
		ft(e.CreationTime), ft(e.LastAccessTime), ft(e.LastWriteTime), ft(e.ChangeTime)
	if b == (fileBasicInfo{}) {
		return nil
	}
	return pathErr("setattr", name, setBasic(h, &b))
}

// OnSetFileAttributes changes Windows attributes, the four times, and the ReadOnly
// attribute from the mode's owner write bit. Owners are ignored.
func (p *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	return p.setAttrs(e.Name, e)
}

// OnSetAllocationSize does nothing on Windows hosts.
func (p *FS) OnSetAllocationSize(context.Context, *fs.SetAllocationSizeEvent) error { return nil }

// OnDeleteFile removes the file or empty directory through the Root (a final
// reparse point is removed, not followed).
func (p *FS) OnDeleteFile(_ context.Context, e *fs.DeleteFileEvent) error {
	r, err := rel(e.Name)
	if err != nil {
		return err
	}
	return pathErr("remove", e.Name, p.root.Remove(r))
}

// fileRenameInfoEx is FILE_RENAME_INFORMATION_EX with room for one name.
type fileRenameInfoEx struct {
	Flags          uint32
	RootDirectory  windows.Handle
	FileNameLength uint32
	FileName       [windows.MAX_LONG_PATH]uint16
}

// fileLinkInfo is FILE_LINK_INFORMATION with room for one name.
type fileLinkInfo struct {
	ReplaceIfExists bool
	RootDirectory   windows.Handle
	FileNameLength  uint32
	FileName        [windows.MAX_LONG_PATH]uint16
}

const (
	fileRenameInformation   = 10
	fileLinkInformation     = 11
	fileRenameInformationEx = 65
)

// OnRenameOrMoveFile renames through a handle of the source (opened without
// following) and names the target relative to the new parent's handle. Windows
// never renames over a directory: a directory replacing an empty one (which the
// volume has checked) goes through replaceDir.
func (p *FS) OnRenameOrMoveFile(_ context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.Exchange {
		return fs.ErrNotSupported
	}
	od, ob, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer od.close()
	nd, nb, err := p.parent(e.NewName)
	if err != nil {
		return err
	}
	defer nd.close()
	h, err := openAt(od.h(), ob, windows.DELETE|windows.FILE_READ_ATTRIBUTES, 0)
	if err != nil {
		return pathErr("rename", e.Name, err)
	}
	defer windows.CloseHandle(h)
	if e.ReplaceIfExists {
		src, err := statHandle(h)
		if err != nil {
			return pathErr("rename", e.Name, err)
		}
		if dst, err := statAt(nd.h(), nb); err == nil && dst.Attributes&src.Attributes&attr.Directory != 0 && src.FileID != dst.FileID {
			return pathErr("rename", e.Name, replaceDir(h, od.h(), ob, nd.h(), nb))
		}
	}
	return pathErr("rename", e.Name, renameHandle(h, nd.h(), nb, e.ReplaceIfExists))
}

// renameHandle renames the file opened (with DELETE access) as h to name in the
// directory dir, with POSIX semantics where the host has them (a file open
// elsewhere can be replaced) and the classic rename where not (FAT, older
// Windows).
func renameHandle(h, dir windows.Handle, name string, replace bool) error {
	n16, err := windows.UTF16FromString(name)
	if err != nil {
		return err
	}
	info := &fileRenameInfoEx{RootDirectory: dir, FileNameLength: uint32((len(n16) - 1) * 2)}
	copy(info.FileName[:], n16)
	info.Flags = windows.FILE_RENAME_POSIX_SEMANTICS
	if replace {
		info.Flags |= windows.FILE_RENAME_REPLACE_IF_EXISTS
	}
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(info)), uint32(unsafe.Sizeof(*info)), fileRenameInformationEx)
	if err != nil {
		// FILE_RENAME_INFORMATION, whose first field is the BOOLEAN ReplaceIfExists.
		info.Flags &^= windows.FILE_RENAME_POSIX_SEMANTICS
		err = windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(info)), uint32(unsafe.Sizeof(*info)), fileRenameInformation)
	}
	return ntErr(err)
}

// replaceDir renames the directory opened as h (named ob in od) over the
// directory nb in nd, as rename(2) replaces an empty directory. Windows refuses
// to rename over a directory, so the target is first renamed aside under a
// temporary name, h takes its name, and the target is deleted through its own
// handle, which fails if it is not empty; each failure undoes the steps before
// it, so the host ends as it began.
func replaceDir(h, od windows.Handle, ob string, nd windows.Handle, nb string) error {
	t, err := openAt(nd, nb, windows.DELETE, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(t)
	aside := fmt.Sprintf(".anyfs-replaced-%016x", rand.Uint64())
	if err := renameHandle(t, nd, aside, false); err != nil {
		return err
	}
	if err := renameHandle(h, nd, nb, false); err != nil {
		renameHandle(t, nd, nb, false)
		return err
	}
	if err := deleteHandle(t); err != nil {
		renameHandle(h, od, ob, false)
		renameHandle(t, nd, nb, false)
		return err
	}
	return nil
}

// deleteHandle deletes the file or empty directory opened (with DELETE access) as
// h: with POSIX semantics where the host has them (its name goes at once, also
// while others hold it open), else at the last close.
func deleteHandle(h windows.Handle) error {
	const fileDispositionInformationEx = 64
	ex := uint32(windows.FILE_DISPOSITION_DELETE | windows.FILE_DISPOSITION_POSIX_SEMANTICS)
	var iosb windows.IO_STATUS_BLOCK
	err := windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(&ex)), uint32(unsafe.Sizeof(ex)), fileDispositionInformationEx)
	switch err {
	case nil:
		return nil
	case windows.STATUS_INVALID_INFO_CLASS, windows.STATUS_INVALID_PARAMETER, windows.STATUS_NOT_SUPPORTED, windows.STATUS_NOT_IMPLEMENTED:
		// No POSIX semantics here (FAT, older Windows, Wine): the classic delete.
		del := struct{ DeleteFile bool }{true} // FILE_DISPOSITION_INFO
		return windows.SetFileInformationByHandle(h, windows.FileDispositionInfo, (*byte)(unsafe.Pointer(&del)), uint32(unsafe.Sizeof(del)))
	}
	return ntErr(err)
}

// OnCreateHardLink links through a handle of the source, naming the link relative
// to its parent's handle.
func (p *FS) OnCreateHardLink(_ context.Context, e *fs.CreateHardLinkEvent) error {
	od, ob, err := p.parent(e.Name)
	if err != nil {
		return err
	}
	defer od.close()
	nd, nb, err := p.parent(e.LinkName)
	if err != nil {
		return err
	}
	defer nd.close()
	h, err := openAt(od.h(), ob, windows.FILE_WRITE_ATTRIBUTES, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return pathErr("link", e.Name, err)
	}
	defer windows.CloseHandle(h)
	n16, err := windows.UTF16FromString(nb)
	if err != nil {
		return pathErr("link", e.LinkName, err)
	}
	info := &fileLinkInfo{RootDirectory: nd.h(), FileNameLength: uint32((len(n16) - 1) * 2)}
	copy(info.FileName[:], n16)
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(info)), uint32(unsafe.Sizeof(*info)), fileLinkInformation)
	if err != nil {
		return pathErr("link", e.LinkName, ntErr(err))
	}
	if e.Info, err = statHandle(h); err == nil {
		e.InfoValid = true
	}
	return nil
}

// OnGetVolumeSize is GetDiskFreeSpaceEx of the root.
func (p *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	root, err := windows.UTF16PtrFromString(p.root.Name())
	if err != nil {
		return err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(root, &avail, &total, &free); err != nil {
		return pathErr("statfs", "/", err)
	}
	e.Size = fs.VolumeSize{TotalBytes: total, FreeBytes: free, AvailableBytes: avail}
	return nil
}

// rel returns the path of name relative to the root ("." for the root).
func rel(name string) (string, error) {
	dir, base, err := split(name)
	if err != nil {
		return "", err
	}
	if base == "" {
		return ".", nil
	}
	if dir == "." {
		return base, nil
	}
	return dir + "/" + base, nil
}
