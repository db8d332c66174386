package test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// spliceBackend is memfs whose reads, where the adapter can splice, answer with
// a host file holding other data: what a read returns shows which path served it.
type spliceBackend struct {
	*memfs.FS
	fd      int
	spliced atomic.Int64
}

func (b *spliceBackend) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	if e.SpliceOK {
		e.Spliced, e.SpliceFd = true, b.fd
		b.spliced.Add(1)
		return nil
	}
	return b.FS.OnReadFile(ctx, e)
}

// TestReadSpliceThroughMount: gofuse takes a read's data from the descriptor the
// backend answers with (splice), at the read's offset and no further than the
// request; cgofuse, which cannot, asks for a copy.
func TestReadSpliceThroughMount(t *testing.T) {
	host := filepath.Join(t.TempDir(), "host")
	if err := os.WriteFile(host, []byte("0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	hf, err := os.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			b := &spliceBackend{FS: memfs.New(nil), fd: int(hf.Fd())}
			mnt := mounttest.MountWith(t, fs.NewVolume(b, &fs.Options{AttrTimeout: -1}), adapter,
				&mountopt.Options{NoPassthrough: true})
			name := filepath.Join(mnt, "f")
			if err := os.WriteFile(name, []byte("memfs data here!"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Writes through the mount do not fill its page cache (no writeback
			// cache), so this read reaches the volume.
			buf := make([]byte, 5)
			n, err := f.ReadAt(buf, 3)
			if err != nil {
				t.Fatal(err)
			}
			got := string(buf[:n])
			switch adapter {
			case adapters.GoFUSE:
				if got != "34567" || b.spliced.Load() == 0 {
					t.Fatalf("read %q with %d spliced replies; want \"34567\" from the backend's descriptor", got, b.spliced.Load())
				}
			default:
				if got != "fs da" || b.spliced.Load() != 0 {
					t.Fatalf("read %q with %d spliced replies; want \"fs da\" copied from memfs", got, b.spliced.Load())
				}
			}
		})
	}
}
