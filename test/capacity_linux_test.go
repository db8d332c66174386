package test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// TestMemCapacity: a mem volume reports a size bound by the machine's memory and
// fails writes past its capacity with ENOSPC, keeping what was written; freeing
// data frees room.
func TestMemCapacity(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			var st unix.Statfs_t
			mnt := mounttest.Mount(t, fs.NewVolume(memfs.New(nil), nil), adapter)
			ok(t, "statfs", unix.Statfs(mnt, &st))
			var si unix.Sysinfo_t
			ok(t, "sysinfo", unix.Sysinfo(&si))
			if total, ram := st.Blocks*uint64(st.Bsize), uint64(si.Totalram)*uint64(si.Unit); total == 0 || total > ram {
				t.Fatalf("a mem volume reports %d bytes on a machine with %d bytes of memory", total, ram)
			}

			const capacity = 8 << 20
			mnt = mounttest.Mount(t, fs.NewVolume(memfs.New(&memfs.Options{Capacity: capacity}), nil), adapter)
			ok(t, "statfs", unix.Statfs(mnt, &st))
			if total := st.Blocks * uint64(st.Bsize); total != capacity {
				t.Fatalf("statfs: %d bytes, want the capacity %d", total, capacity)
			}
			p := filepath.Join(mnt, "big")
			f, err := os.Create(p)
			ok(t, "create", err)
			defer f.Close()
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
			var written int
			for i := 0; i < 16; i++ {
				n, err := f.Write(chunk)
				written += n
				if err != nil {
					if !errors.Is(err, unix.ENOSPC) {
						t.Fatalf("write %d: %v, want ENOSPC", i, err)
					}
					break
				}
			}
			if written < capacity-(1<<20) || written > capacity {
				t.Fatalf("wrote %d bytes into a volume of %d", written, capacity)
			}
			_, err = f.Write(chunk[:1])
			if !errors.Is(err, unix.ENOSPC) {
				t.Fatalf("write on a full volume: %v, want ENOSPC", err)
			}
			got, err := os.ReadFile(p)
			ok(t, "read back", err)
			if len(got) != written || !bytes.Equal(got, bytes.Repeat(chunk, 16)[:written]) {
				t.Fatalf("read back %d bytes (written %d): what was written is not all there", len(got), written)
			}
			ok(t, "statfs", unix.Statfs(mnt, &st))
			if st.Bfree != 0 || st.Bavail != 0 {
				t.Fatalf("statfs of a full volume: %d blocks free", st.Bfree)
			}
			ok(t, "truncate", f.Truncate(1<<20))
			if _, err := f.WriteAt(chunk, 1<<20); err != nil {
				t.Fatalf("write after freeing room: %v", err)
			}
		})
	}
}
