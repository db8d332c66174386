// Command anyfs mounts anyfs backends through FUSE (Linux, macOS) or WinFsp
// (Windows). Run "anyfs help" for the commands; docs/cli.md is the manual.
package main

import (
	"os"

	"github.com/anyfs/anyfs/cmd/anyfs/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
