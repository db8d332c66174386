//go:build windows || cgofuse

package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// hostFS is the file system the FUSE layer calls: fsys, counted in counts
// unless that is nil.
func hostFS(fsys *fileSystem, counts *mountopt.RequestCounts) fuse.FileSystemInterface {
	if counts == nil {
		return fsys
	}
	return &countingFS{fileSystem: fsys, n: counts}
}

// RequestStats returns the FUSE library's requests by operation; empty unless
// the mount counts them (mountopt.Options.CountRequests).
func (s *server) RequestStats() []mountopt.RequestStats {
	if s.counts == nil {
		return nil
	}
	return s.counts.Stats()
}
