//go:build cgofuse && (linux || darwin)

package cgofuse

import (
	"syscall"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
)

// errnos renders the volume's portable codes for libfuse, which takes the host's
// numbers (as cgofuse's constants there are). The table test checks that every
// fs.Errnos() code has a row.
var errnos = fuseutil.Convert(fuseutil.HostErrnos, func(e syscall.Errno) int { return int(e) })
