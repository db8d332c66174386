//go:build cgofuse && unix

package cgofuse

import "syscall"

// eSTALE is the host's ESTALE, which cgofuse does not define; on these systems
// cgofuse's numbers are the host's own.
const eSTALE = int(syscall.ESTALE)
