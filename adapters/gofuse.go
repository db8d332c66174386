//go:build linux || darwin

package adapters

import "github.com/anyfs/anyfs/adapters/gofuse"

func init() { register(GoFUSE, gofuse.Mount) }
