//go:build linux

// Command benchserve mounts an anyfs backend for the benchmarks, with the volume and
// mount options `anyfs mount` uses, plus the switches a comparison needs:
//
//	benchserve [flags] BACKEND MOUNTPOINT
//
// BACKEND is mem (memfs), passthrough:DIR, vault:FILE or shared:NAME (a formatted
// shared volume on the servers of ANYFS_META and ANYFS_DATA). It prints "ready" on stdout once
// mounted, serves until SIGINT or SIGTERM, unmounts, and prints the volume's read
// and write event counts on stderr (zero under FUSE passthrough). Build it with
// -tags cgofuse,fuse3 to serve through the cgofuse adapter (-adapter cgofuse).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/backend/shared"
	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"

	"github.com/anyfs/anyfs/test/bench/internal/serve"
)

func main() {
	adapter := flag.String("adapter", adapters.GoFUSE, "adapter: gofuse or cgofuse")
	pt := flag.Bool("passthrough", true, "let the passthrough backend use FUSE passthrough where the kernel allows it")
	attrT := flag.Duration("attr-timeout", time.Second, "kernel attribute cache timeout; 0 disables; unless given, the volume's default (mem: long)")
	entryT := flag.Duration("entry-timeout", time.Second, "kernel entry cache timeout; 0 disables; unless given, the volume's default (mem: long)")
	serialize := flag.String("serialize", "none", "event serialization: none, file or all")
	cacheTTL := flag.Duration("metadata-cache", 0, "the volume's own metadata cache lifetime; 0 is off")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	memprofile := flag.String("memprofile", "", "write a heap profile at unmount to `file`")
	debug := flag.Bool("debug", false, "log every event and kernel request")
	cacheDir := flag.String("cache-dir", "", "the block cache of a shared volume (default: the user's cache directory)")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchserve [flags] mem|passthrough:DIR|vault:FILE|shared:NAME MOUNTPOINT")
		os.Exit(2)
	}
	spec, mnt := flag.Arg(0), flag.Arg(1)

	var b fs.Interface
	switch name, arg, _ := strings.Cut(spec, ":"); name {
	case "mem":
		b = memfs.New(nil)
	case "passthrough":
		p, err := passthrough.New(arg, nil)
		if err != nil {
			log.Fatal(err)
		}
		defer p.Close()
		b = p
	case "shared":
		// A formatted shared volume, on the servers of ANYFS_META and ANYFS_DATA
		// (test/services/up.sh), its block cache in -cache-dir.
		sh, err := shared.Open(context.Background(), shared.Config{Name: arg, Meta: os.Getenv("ANYFS_META"),
			Data: os.Getenv("ANYFS_DATA")}, &shared.Options{CacheDir: *cacheDir}, nil)
		if err != nil {
			log.Fatal(err)
		}
		defer sh.Close()
		b = sh
	case "vault":
		v, err := vault.Open(arg, nil)
		if err != nil {
			log.Fatal(err)
		}
		defer v.Close()
		b = v
	default:
		log.Fatalf("unknown backend %q", spec)
	}

	level := slog.LevelWarn
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	vo := &fs.Options{
		AttrTimeout:      timeout(given["attr-timeout"], *attrT),
		EntryTimeout:     timeout(given["entry-timeout"], *entryT),
		MetadataCacheTTL: *cacheTTL,
		Logger:           logger,
		Trace:            *debug,
	}
	switch *serialize {
	case "none":
	case "file":
		vo.Serialize = fs.SerializePerFile
	case "all":
		vo.Serialize = fs.SerializeAll
	default:
		log.Fatalf("unknown -serialize %q", *serialize)
	}
	vol := fs.NewVolume(b, vo)
	if a, ok := b.(interface{ Attach(*fs.Volume) }); ok {
		a.Attach(vol) // a shared volume: changes of other mounts reach the caches
	}

	defer serve.Profile(*cpuprofile)()
	srv, err := adapters.Mount(vol, mnt, *adapter, &mountopt.Options{
		FSName:        "anyfs-" + spec[:strings.IndexByte(spec+":", ':')],
		Debug:         *debug,
		Logger:        logger,
		NoPassthrough: !*pt, // as anyfs mount --no-passthrough
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "benchserve: serving %s at %s with %s (FUSE passthrough allowed: %v)\n", spec, mnt, *adapter, *pt)
	fmt.Println("ready")

	serve.UntilSignal(srv, mnt)
	// Every event that was called, for the log (BENCH_OUT); compare.sh picks the
	// read and write lines.
	for _, s := range vol.Stats() {
		if s.Calls > 0 || s.Event == "OnReadFile" || s.Event == "OnWriteFile" {
			fmt.Fprintf(os.Stderr, "benchserve: %s calls=%d errors=%d total=%v\n", s.Event, s.Calls, s.Errors, s.Total)
		}
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
}

// timeout maps a flag to fs.Options as anyfs mount does: 0 disables the cache, a
// flag not given leaves the volume's default (1s; long for a backend that owns its
// namespace, with the negative entries too).
func timeout(given bool, d time.Duration) time.Duration {
	if !given {
		return 0
	}
	if d <= 0 {
		return -1
	}
	return d
}
