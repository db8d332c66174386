//go:build !linux

package shared

import "os"

// willNeed does nothing here: the next reads fill the page cache.
func willNeed(*os.File) {}
