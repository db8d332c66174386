// Package cgofuse serves an [fs.Volume] through cgofuse (github.com/winfsp/cgofuse):
// on Windows over WinFsp, built with CGO_ENABLED=0; on Linux and macOS over libfuse
// with cgo, behind the build tag cgofuse (-tags cgofuse,fuse3 links libfuse3 on
// Linux). Without the tag on those systems the package is empty.
//
// Its files have the jobs of every adapter's (docs/architecture.md, "The shape of
// an adapter"): mount.go, node.go, ops.go, handle.go, errno.go, notify.go.
//
// # What travels where
//
// cgofuse is path based: every operation names a volume path, and open files and
// directories are numbered handles (a table of *fs.Handle and *fs.Dir). Windows
// attributes travel as WinFsp-FUSE defines them: hidden, system, archive and
// read-only as the BSD flags UF_HIDDEN, UF_SYSTEM, UF_ARCHIVE and UF_READONLY in
// Stat_t.Flags and Chflags (translated by package attr), creation time as
// Stat_t.Birthtim and Setcrtime, change time through Setchgtime. The volume label
// (-o volname), the file system name and case insensitivity (with Getpath for the
// stored case of a name) are host options.
//
// # Platform differences
//
// On Linux the libfuse high-level API hides several things the go-fuse adapter
// offers: there are no st_flags or birth times on Linux, no byte-range lock
// operation (the kernel keeps POSIX and flock locks locally), no lock owner on
// flush, no kernel cache invalidation, and libfuse looks every readdirplus entry up
// again. Rename flags (RENAME_NOREPLACE, RENAME_EXCHANGE) arrive through FUSE3 only.
// libfuse3 renames a file unlinked while open to .fuse_hidden* instead of unlinking
// it; the adapter turns that rename back into the unlink (see hidden.go).
// On Windows WinFsp asks for a whole directory at once and applies its own
// security model to the uid, gid and mode it is shown.
//
// # Mount points
//
// On Linux and macOS the mount point is an existing directory, empty unless
// mountopt.Options.AllowNonEmpty. On Windows it is a drive letter ("X:"), "*" for
// the next free drive letter, or a directory that does not exist yet (WinFsp
// creates it); with mountopt.Options.Network the volume also appears under that UNC
// prefix.
package cgofuse
