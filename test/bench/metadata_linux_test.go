package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// metaFiles is how many files the metadata benchmarks cycle through.
const metaFiles = 1000

// metadataMounts are the mounts BenchmarkMetadata compares, each over its own
// fresh host directory, with the kernel's attribute and entry caches off so that
// every operation is a round trip: go-fuse's own loopback (the baseline) and anyfs
// passthrough through gofuse.
var metadataMounts = []struct {
	name  string
	mount func(b *testing.B, dir string) string
}{
	{"loopback", func(b *testing.B, dir string) string {
		root, err := gofs.NewLoopbackRoot(dir)
		if err != nil {
			b.Fatal(err)
		}
		mnt := b.TempDir()
		var zero time.Duration
		srv, err := gofs.Mount(mnt, root, &gofs.Options{
			AttrTimeout: &zero, EntryTimeout: &zero,
			MountOptions: fuse.MountOptions{FsName: "loopback", Name: "loopback",
				IgnoreSecurityLabels: true, Options: []string{"default_permissions"}},
		})
		if err != nil {
			b.Skip("cannot mount: ", err)
		}
		b.Cleanup(func() { srv.Unmount() })
		return mnt
	}},
	{"anyfs-passthrough", func(b *testing.B, dir string) string {
		p, err := passthrough.New(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		v := fs.NewVolume(p, &fs.Options{Logger: quiet(), AttrTimeout: -1, EntryTimeout: -1, NegativeTimeout: -1})
		return mounttest.Mount(b, v, adapters.GoFUSE)
	}},
}

// BenchmarkMetadata measures one metadata round trip (lstat, chmod, create and
// unlink) on go-fuse's loopback and on anyfs passthrough, side by side in one
// process: the ns/op of the anyfs rows over the loopback rows is the framework's
// cost per request.
func BenchmarkMetadata(b *testing.B) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		b.Skip("no /dev/fuse")
	}
	for _, m := range metadataMounts {
		b.Run(m.name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range metaFiles {
				if err := os.WriteFile(filepath.Join(dir, "d", "f"+strconv.Itoa(i)), nil, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			mnt := m.mount(b, dir)
			names := make([]string, metaFiles)
			for i := range names {
				names[i] = filepath.Join(mnt, "d", "f"+strconv.Itoa(i))
			}
			b.Run("lstat", func(b *testing.B) {
				var st syscall.Stat_t
				for i := 0; b.Loop(); i++ {
					if err := syscall.Lstat(names[i%metaFiles], &st); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("chmod", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if err := syscall.Chmod(names[i%metaFiles], uint32(0o600|i&0o44)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("create+unlink", func(b *testing.B) {
				name := filepath.Join(mnt, "d", "new")
				for b.Loop() {
					fd, err := syscall.Open(name, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o644)
					if err != nil {
						b.Fatal(err)
					}
					syscall.Close(fd)
					if err := syscall.Unlink(name); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
