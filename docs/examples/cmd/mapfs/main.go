// Command mapfs mounts the tutorial's file system (docs/writing-a-backend.md) and
// serves it until Ctrl-C:
//
//	mkdir -p /tmp/mnt && go run ./docs/examples/cmd/mapfs /tmp/mnt
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/docs/examples/mapfs"
	"github.com/anyfs/anyfs/fs"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mapfs MOUNTPOINT")
		os.Exit(2)
	}
	backend := mapfs.New(map[string]string{
		"/hello.txt":      "Hello, world!\n",
		"/docs/readme.md": "# mapfs\n\nA file system in a Go map.\n",
	})
	volume := fs.NewVolume(backend, &fs.Options{VolumeLabel: "mapfs"})

	// "" picks the adapter of this OS: go-fuse on Linux and macOS, WinFsp on Windows.
	srv, err := adapters.Mount(volume, os.Args[1], "", &mountopt.Options{FSName: "mapfs"})
	if errors.Is(err, mountopt.ErrNoFUSE) {
		log.Fatalf("%v\ninstall FUSE first: see docs/platforms.md", err)
	} else if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving at %s; press Ctrl-C to unmount", srv.MountPoint())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	unmounted := make(chan struct{})
	go func() {
		srv.Wait() // returns after any unmount, also one from outside (fusermount3 -u)
		close(unmounted)
	}()
	for {
		select {
		case <-unmounted:
			return
		case <-sig:
			if err := srv.Unmount(); err != nil {
				// Busy: a process still has a file open or its working directory there.
				log.Printf("%v; still serving: close the files and press Ctrl-C again", err)
				continue
			}
			return
		}
	}
}
