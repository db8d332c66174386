//go:build unix

package features

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/anyfs/anyfs/fs"
)

// DumpOnSIGUSR1 prints v's open files to stderr at every SIGUSR1
// (kill -USR1 PID), until ctx ends.
func DumpOnSIGUSR1(ctx context.Context, v *fs.Volume) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-sig:
				PrintOpenFiles(os.Stderr, v)
			case <-ctx.Done():
				return
			}
		}
	}()
}
