//go:build linux

// Command loopback serves a host directory with go-fuse's own loopback file system
// (fs.NewLoopbackRoot): the raw go-fuse peer the anyfs benchmarks compare with.
//
//	loopback [-passthrough=false] [-cpuprofile FILE] [-debug] DIR MOUNTPOINT
//
// It mounts with the kernel settings anyfs's gofuse adapter uses (1 MiB writes and
// readahead, 1 s attribute and entry timeouts, default_permissions, security labels
// ignored), so the comparison measures the framework and not the mount options.
// FUSE passthrough (reads and writes that bypass this process) is negotiated when the
// kernel and privileges allow it, as go-fuse does by default; -passthrough=false
// turns it off. It prints "ready" on stdout once mounted and unmounts on SIGINT or
// SIGTERM.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/test/bench/internal/serve"
)

func main() {
	passthrough := flag.Bool("passthrough", true, "negotiate FUSE passthrough when the kernel allows it")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	timeout := flag.Duration("timeout", time.Second, "attribute and entry timeout handed to the kernel")
	debug := flag.Bool("debug", false, "log every FUSE request")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: loopback [flags] DIR MOUNTPOINT")
		os.Exit(2)
	}
	dir, mnt := flag.Arg(0), flag.Arg(1)

	root, err := gofs.NewLoopbackRoot(dir)
	if err != nil {
		log.Fatal(err)
	}
	to := *timeout
	opts := &gofs.Options{
		AttrTimeout:  &to,
		EntryTimeout: &to,
		MountOptions: fuse.MountOptions{
			FsName:               "loopback",
			Name:                 "loopback",
			MaxWrite:             1 << 20,
			MaxReadAhead:         1 << 20,
			IgnoreSecurityLabels: true,
			Options:              []string{"default_permissions"},
			Debug:                *debug,
		},
	}
	if !*passthrough {
		opts.MountOptions.DisabledCapabilities = fuse.CAP_PASSTHROUGH
	}
	defer serve.Profile(*cpuprofile)()
	srv, err := gofs.Mount(mnt, root, opts)
	if err != nil {
		log.Fatal(err)
	}
	offered := srv.KernelSettings().Flags64()&fuse.CAP_PASSTHROUGH != 0
	fmt.Fprintf(os.Stderr, "loopback: serving %s at %s (kernel offers passthrough: %v, wanted: %v)\n", dir, mnt, offered, *passthrough)
	fmt.Println("ready")

	serve.UntilSignal(srv, mnt)
}
