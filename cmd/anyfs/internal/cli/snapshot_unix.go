//go:build unix

package cli

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/anyfs/anyfs/fs"
)

// snapshotOnSignal prints the open files to w at every SIGUSR1 until stop is called.
func snapshotOnSignal(v *fs.Volume, w io.Writer) (stop func()) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-usr1:
				writeOpenFiles(w, v)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(usr1)
		close(done)
	}
}
