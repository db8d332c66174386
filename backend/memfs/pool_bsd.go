//go:build darwin || freebsd

package memfs

// adviseChunk does nothing: pages fault in as they are first written.
func adviseChunk([]byte) {}
