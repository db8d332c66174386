//go:build windows || cgofuse

package adapters

import "github.com/anyfs/anyfs/adapters/cgofuse"

func init() { register(CgoFUSE, cgofuse.Mount) }
