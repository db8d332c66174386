//go:build !linux

package passthrough

// dirCache caches nothing on systems without openat2: every parent directory is
// resolved at every request.
type dirCache struct{}

// cachedDir is a directory descriptor of a dirCache.
type cachedDir struct{ fd int }

func (*dirCache) get(int, string) (*cachedDir, bool) { return nil, false }
func (*dirCache) put(string, int) *cachedDir         { return nil }
func (*dirCache) release(*cachedDir)                 {}
func (*dirCache) closeAll()                          {}
