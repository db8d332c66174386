package cgofuse

import "github.com/winfsp/cgofuse/fuse"

// eSTALE stands in for ESTALE, which neither cgofuse nor WinFsp defines: the
// backend's "changed behind the volume" fails that request with EIO (the volume has
// already dropped its caches for the name).
const eSTALE = fuse.EIO
