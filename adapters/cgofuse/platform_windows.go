package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
)

// openBits are the open(2) flags WinFsp-FUSE hands over, in its own numbering,
// which has no O_SYNC or O_DIRECT.
var openBits = fuseutil.OpenBits{
	AccMode: fuse.O_ACCMODE, WriteOnly: fuse.O_WRONLY, ReadWrite: fuse.O_RDWR,
	Append: fuse.O_APPEND, Truncate: fuse.O_TRUNC,
}
