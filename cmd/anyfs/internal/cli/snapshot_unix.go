//go:build unix

package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
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

// writeOpenFiles prints the volume's open files (CBFS's opened-files snapshot).
func writeOpenFiles(w io.Writer, v *fs.Volume) {
	files := v.OpenFiles()
	fmt.Fprintf(w, "anyfs: %d open files, %d handles\n", v.OpenFileCount(), v.OpenHandleCount())
	for _, f := range files {
		var procs []string
		for _, p := range f.Processes {
			procs = append(procs, fmt.Sprintf("%s[%d]", cmp.Or(p.Name, "?"), p.Pid))
		}
		note := ""
		if f.Deleted {
			note = " (deleted)"
		}
		fmt.Fprintf(w, "  %s%s\t%d handles\t%s\n", f.Name, note, f.Handles, strings.Join(procs, " "))
	}
}
