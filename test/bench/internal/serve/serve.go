//go:build linux

// Package serve holds what the benchmark's serving programs (loopback,
// benchserve) share: the CPU profile and the wait for a signal to unmount.
package serve

import (
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// Profile starts a CPU profile written to file ("" means none) and returns the
// function that ends it.
func Profile(file string) (stop func()) {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// Server is a running mount: go-fuse's *fuse.Server or an anyfs mountopt.Server.
type Server interface {
	Wait()
	Unmount() error
}

// UntilSignal serves until SIGINT or SIGTERM, then unmounts mnt (retrying for 5 s
// while it is busy), or until the mount goes away by itself.
func UntilSignal(srv Server, mnt string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		srv.Wait()
		close(done)
	}()
	select {
	case <-sig:
		for i := 0; ; i++ {
			err := srv.Unmount()
			if err == nil || i == 50 {
				if err != nil {
					log.Printf("unmount %s: %v", mnt, err)
				}
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		<-done
	case <-done:
	}
}
