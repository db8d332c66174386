package shared

import (
	"os"

	"golang.org/x/sys/unix"
)

// willNeed has the kernel read a cached block into its page cache in the
// background (POSIX_FADV_WILLNEED), ahead of the reads of a sequential reader.
func willNeed(fd *os.File) { unix.Fadvise(int(fd.Fd()), 0, 0, unix.FADV_WILLNEED) }
