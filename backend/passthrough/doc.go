// Package passthrough is an anyfs backend that mirrors a directory of the host.
//
// Every host access is confined to the root directory given to [New]: no request can
// reach outside it, not with ".." components, not through a symbolic link in an
// intermediate component (absolute or relative), not through a symbolic link as the
// final component (it is operated on, never followed), and not when a directory is
// swapped for a symbolic link between two requests.
//
// # Confinement
//
// The root is an [os.Root]. Intermediate components are resolved beneath it:
// on Linux 5.6 or newer by one openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) of
// the parent directory, which refuses any symbolic link and any escape; where
// that call is missing or refuses the path (a symbolic link on the way, a path
// longer than PATH_MAX, a concurrent rename), and on other systems, by os.Root
// (Root.OpenFile of the parent directory, O_DIRECTORY), which walks one component
// at a time with openat(O_NOFOLLOW), follows symbolic links only while they stay
// beneath the root and refuses the rest. The final component is then
// operated on relative to that parent descriptor with the *at system calls
// (fstatat/statx, openat, mkdirat, mknodat, unlinkat, renameat2/renameatx_np,
// linkat, symlinkat, readlinkat, fchmodat, fchownat, utimensat) and never
// followed: AT_SYMLINK_NOFOLLOW, O_NOFOLLOW, or calls that do not follow by
// definition. No host call gets a path of more than one component except the
// parent's openat2 (only for paths shorter than PATH_MAX) and os.Root's own, so
// paths far longer than PATH_MAX work. Where a system call has no
// no-follow form (chmod of a non-directory on Linux before fchmodat2, user xattrs),
// the final component is opened with O_PATH|O_NOFOLLOW and the call goes through
// that descriptor's /proc/self/fd entry, which names exactly the opened inode.
//
// On Windows the same shape is built from os.Root (parent directory handles) and
// NtCreateFile relative to a parent handle with FILE_OPEN_REPARSE_POINT; see
// passthrough_windows.go.
//
// # Semantics
//
//   - Files are created with exactly the mode of the request, including setuid,
//     setgid and sticky bits: the file is created and then fchmod-ed, the process
//     umask is never touched. As root, new files are chowned to the request's
//     Uid/Gid (unless Options.NoChown) and the mode is applied again after the
//     chown, so setuid/setgid bits survive.
//   - FileContext is one host descriptor per open file, opened read-write when the
//     host allows it and otherwise with the access asked for; it is reopened with
//     more access when a later handle needs it (on Linux through /proc/self/fd, so
//     this also works for a file unlinked while open).
//   - Reads: where the adapter can splice (gofuse on Linux) and the file is a
//     regular file held open read-write, OnReadFile answers with that descriptor
//     and the kernel splices the data into the reply; otherwise it preads into
//     the event's buffer. With FUSE passthrough (fs.PassthroughFder) reads and
//     writes do not reach the backend at all.
//   - Appending writes go to the end of the host file as fstat sees it, under a
//     per-file lock: atomic against this backend, not against other host writers.
//   - Windows attributes on Unix hosts: only ReadOnly has an effect (it clears the
//     write bits; its absence gives a file without write bits S_IWUSR back). Hidden,
//     System, Archive and the rest are accepted and dropped; reported attributes are
//     derived from the mode by the volume.
//   - Named streams are user.* extended attributes on Linux and extended attributes
//     on macOS, on regular files and directories only. On Linux the trusted.*,
//     security.* and system.* (POSIX ACL) attributes are the host's too
//     (fs.XattrNamespacer), on every file type, symbolic links included; the host
//     refuses what this process may not set (EPERM for trusted.* unless root) and
//     keeps the mode in step with an ACL.
//   - Sparse files: the allocation is the host's (st_blocks), so du agrees with the
//     host; on Linux fallocate's modes (preallocation, KEEP_SIZE, PUNCH_HOLE,
//     ZERO_RANGE), SEEK_DATA / SEEK_HOLE and copy_file_range are the host file's
//     (a copy between two host file systems falls back to the kernel's copy).
//   - Locks (Linux): the mount's POSIX locks are held as OFD locks and its flock
//     locks as flock on the host descriptor of the open file, so host processes and
//     processes on the mount exclude each other (see locks_linux.go). That
//     descriptor holds the union of the mount's owners; which owner holds what,
//     and the waiting, stay with the volume. On other hosts locks stay with the
//     kernel of the mount (no fs.LockHandler).
//   - FileID is the host inode number; on Linux the creation time comes from statx.
//
// # Hosts
//
//   - Linux: everything above; RENAME_EXCHANGE and RENAME_NOREPLACE through
//     renameat2 (no-replace falls back to check-then-rename on file systems that
//     refuse the flag), fallocate, lseek SEEK_DATA / SEEK_HOLE, copy_file_range,
//     host locks, fdatasync.
//   - macOS: as Linux except: no device nodes, FIFOs or sockets (x/sys has no
//     mknodat, and mknod by path would resolve outside the Root: ErrNotSupported);
//     exchange and no-replace through renameatx_np; no preallocation (a no-op), no
//     hole events, copy_file_range, host locks or attribute namespaces; times of
//     an open file are set by name; the birth time comes from stat.
//   - FreeBSD: as macOS but with mknodat; no exchange (ErrNotSupported), no-replace
//     is check-then-rename; no named streams (ErrNotSupported).
//   - Windows: see passthrough_windows.go: no nodes, symbolic links, named streams
//     or owners; attributes and all four times are supported; a mode keeps only its
//     owner write bit (the ReadOnly attribute). Names Windows cannot store as they
//     are (ending in a dot or a space, device names such as nul or con.txt, the
//     characters <>:"\|?* and control characters) are refused with ErrInvalid in
//     every call, never taken for another file, and host entries of such names are
//     not listed.
//   - Other systems: New fails with ErrNotSupported.
package passthrough

// Options configure a passthrough backend. The zero value (or nil) is the default.
type Options struct {
	// NoChown: never give new files the owner of the request, even when the process
	// runs as root. New files then belong to the process.
	NoChown bool
}
