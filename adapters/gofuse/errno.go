//go:build linux || darwin

package gofuse

import (
	"syscall"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
)

// errnos renders the volume's portable codes with the host's numbers. The table
// test checks that every fs.Errnos() code has a row.
var errnos = fuseutil.HostErrnos

// errNoAttr is getxattr's "no such attribute": ENODATA on Linux, ENOATTR on macOS.
const errNoAttr = fuseutil.NoAttr

// toErrno renders err for the kernel. Errors no row matches are EIO (the volume has
// already reported them through its Error event and log).
func toErrno(err error) syscall.Errno { return errnos.Of(err) }
