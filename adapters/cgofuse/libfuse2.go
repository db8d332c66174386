//go:build windows || (cgofuse && !fuse3)

package cgofuse

import (
	"log/slog"

	"github.com/winfsp/cgofuse/fuse"
)

// libfuse3 reports that cgofuse links libfuse3 (build tag fuse3).
const libfuse3 = false

// warnKernelTimeouts has nothing to say: cgofuse's init handler changes nothing of
// libfuse 2's or WinFsp's configuration.
func warnKernelTimeouts(*slog.Logger) {}

// linkNotifier returns nil: libfuse 2 cannot drop the kernel's caches of a path,
// and WinFsp keeps one cache entry per file.
func linkNotifier(*fuse.FileSystemHost) func(path string) { return nil }
