//go:build windows || (cgofuse && !fuse3)

package cgofuse

// libfuse3 reports that cgofuse links libfuse3 (build tag fuse3).
const libfuse3 = false
