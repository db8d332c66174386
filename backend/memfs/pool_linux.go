package memfs

import "golang.org/x/sys/unix"

// adviseChunk marks a new chunk for transparent huge pages and faults it in with
// one call. Both are hints: without THP, or before Linux 5.14, the pages fault in
// one at a time as they would anyway.
func adviseChunk(mem []byte) {
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE)
	_ = unix.Madvise(mem, unix.MADV_POPULATE_WRITE)
}
