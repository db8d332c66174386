//go:build !unix

package cli

import (
	"io"

	"github.com/anyfs/anyfs/fs"
)

// snapshotOnSignal does nothing: this system has no SIGUSR1.
func snapshotOnSignal(*fs.Volume, io.Writer) (stop func()) { return func() {} }
