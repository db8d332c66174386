//go:build !unix && !windows

package vault

import "github.com/anyfs/anyfs/fs"

func diskSpaceOS(string) (total, free, avail uint64, err error) { return 0, 0, 0, fs.ErrNotSupported }
