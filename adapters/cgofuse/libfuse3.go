//go:build cgofuse && fuse3 && !windows

package cgofuse

import (
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/winfsp/cgofuse/fuse"
)

// libfuse3 reports that cgofuse links libfuse3 (build tag fuse3).
const libfuse3 = true

// cgofuseModule is the module path of cgofuse.
const cgofuseModule = "github.com/winfsp/cgofuse"

// keepsKernelTimeouts reports whether the cgofuse this program was built with keeps
// the configuration libfuse 3 parsed from the mount options. cgofuse v1.6.0 clears
// it in its init handler, so that the kernel caches no attribute and no entry;
// anyfs's go.mod replaces it with the copy in third_party/cgofuse, which does not.
// A program whose own go.mod does not replace cgofuse links the upstream module
// (a replace applies only in the main module).
var keepsKernelTimeouts = sync.OnceValue(func() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return true // unknown: say nothing
	}
	for _, m := range bi.Deps {
		if m.Path == cgofuseModule {
			return m.Replace != nil
		}
	}
	return true
})

// warnKernelTimeouts logs once per mount that the kernel will cache nothing when
// the upstream cgofuse is linked.
func warnKernelTimeouts(log *slog.Logger) {
	if !keepsKernelTimeouts() {
		log.Warn("anyfs: the upstream cgofuse clears libfuse 3's attribute and entry timeouts, so every stat is a request; " +
			"replace " + cgofuseModule + " with anyfs's third_party/cgofuse in your go.mod, or use the gofuse adapter (docs/platforms.md)")
	}
}

// linkNotifier returns what drops the kernel's cached attributes and pages of a
// path (linkNames): cgofuse's Notify, which anyfs's cgofuse implements on libfuse
// 3 with fuse_invalidate_path. Without it (the upstream cgofuse) the kernel caches
// nothing, and there is nothing to drop.
func linkNotifier(host *fuse.FileSystemHost) func(path string) {
	if !keepsKernelTimeouts() {
		return nil
	}
	return func(path string) { host.Notify(path, 0) }
}
