// Package shared is a file system that many machines mount at once: its
// metadata lives in PostgreSQL (one schema per volume, see schema.sql), its
// file data as immutable blocks in an S3-compatible object store.
//
// Each operation is one transaction, with the row locks of the inodes it
// changes, so rename, link and unlink are atomic for every mount. Writes are
// buffered per open file and written out at close(2), fsync, a change of
// attributes or size, or when Options.DirtyLimit bytes are buffered: the
// changed 4 MiB chunks go to the object store as new blocks first, then one
// transaction points the file's chunks at them. A crash in between leaves
// only unreferenced blocks, which GC removes.
//
// Every mount has a session in PostgreSQL, kept alive by a heartbeat, and
// follows the change log (LISTEN/NOTIFY wakes it; after a reconnection it reads
// what it missed), invalidating its caches and, through [FS.Attach], the
// volume's and the kernel's. Locks (fs.LockHandler) are rows keyed by the session,
// and go with it when a mount dies. Blocks are cached on local disk (a bounded
// LRU); inodes and directory entries in memory until a change invalidates
// them. The promise for data is close-to-open, as NFS makes it.
//
// docs/shared-volume.md describes the design; `anyfs shared format|status|gc`
// and `anyfs mount shared:NAME` are its command line.
package shared
