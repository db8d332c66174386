//go:build cgofuse && fuse3 && !windows

package cgofuse

// libfuse3 reports that cgofuse links libfuse3 (build tag fuse3).
const libfuse3 = true
