package vault

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing the dirty pages of f to the
// disk, without waiting for them (sync_file_range SYNC_FILE_RANGE_WRITE).
func startWriteback(f *os.File) {
	unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
