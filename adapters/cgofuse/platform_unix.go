//go:build cgofuse && (linux || darwin)

package cgofuse

import "github.com/anyfs/anyfs/adapters/internal/fuseutil"

// openBits are the open(2) flags libfuse hands over: the host's, O_SYNC, O_DSYNC and
// O_DIRECT included.
var openBits = fuseutil.HostOpen
