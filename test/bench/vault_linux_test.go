package bench

// Benchmarks of the vault backend against the passthrough backend over the same
// host disk (both mounted with gofuse), of its directories at 10,000 and 100,000
// entries, and of its memory while a large file is written:
//
//	go test -run '^$' -bench Vault -benchtime 5x ./test/bench/
//	ANYFS_VAULT_BENCH_SIZE=4G go test -run '^$' -bench VaultWriteMemory -benchtime 1x ./test/bench/
//
// The cold reads drop the kernel's caches first (root only). The files go to
// ANYFS_BENCH_DIR, by default the temporary directory, which must be on a disk.

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"github.com/anyfs/anyfs/test/mounttest"
)

// vaultBackends are the two backends compared, each made in a new directory of
// the same host disk. The vault owns its data, so it is mounted with long kernel
// caches; the passthrough backend mirrors a directory others may change, and
// keeps the default ones.
var vaultBackends = []struct {
	name string
	open func(b *testing.B, dir string) (fs.Interface, *fs.Options)
}{
	{"passthrough", func(b *testing.B, dir string) (fs.Interface, *fs.Options) {
		p, err := passthrough.New(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		return p, &fs.Options{Logger: quiet()}
	}},
	{"vault", func(b *testing.B, dir string) (fs.Interface, *fs.Options) {
		v, err := vault.Open(filepath.Join(dir, "bench.vault"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { v.Close() })
		return v, &fs.Options{Logger: quiet(), AttrTimeout: time.Hour, EntryTimeout: time.Hour}
	}},
}

// hostDir is a new directory in ANYFS_BENCH_DIR, or else in the temporary
// directory: both backends must be measured on a disk, not on tmpfs.
func hostDir(b *testing.B) string {
	dir, err := os.MkdirTemp(os.Getenv("ANYFS_BENCH_DIR"), "vault-bench-")
	if err != nil {
		b.Fatal(err)
	}
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) == nil && st.Type == 0x01021994 { // TMPFS_MAGIC
		b.Logf("%s is on tmpfs: set ANYFS_BENCH_DIR to a directory on a disk", dir)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func mountBackend(b *testing.B, open func(*testing.B, string) (fs.Interface, *fs.Options)) string {
	backend, opts := open(b, hostDir(b))
	return mounttest.MountWith(b, fs.NewVolume(backend, opts), adapters.GoFUSE, nil)
}

const seqSize = 64 << 20

func writeSeq(b *testing.B, name string, sync bool) {
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	buf := bytes.Repeat([]byte("vault bench data"), (1<<20)/16)
	for off := 0; off < seqSize; off += len(buf) {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if sync {
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// dropCaches empties the kernel's page, dentry and inode caches (root only).
func dropCaches(b *testing.B) {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0); err != nil {
		b.Skipf("cannot drop the kernel's caches: %v", err)
	}
}

// BenchmarkVaultVsPassthrough: sequential write (with and without fsync), cold
// sequential read, create and lstat, on each backend.
func BenchmarkVaultVsPassthrough(b *testing.B) {
	for _, be := range vaultBackends {
		b.Run("seqwrite/"+be.name, func(b *testing.B) {
			mnt := mountBackend(b, be.open)
			b.SetBytes(seqSize)
			for i := 0; b.Loop(); i++ {
				writeSeq(b, filepath.Join(mnt, "f"+strconv.Itoa(i%2)), false)
			}
		})
		b.Run("seqwrite-fsync/"+be.name, func(b *testing.B) {
			mnt := mountBackend(b, be.open)
			b.SetBytes(seqSize)
			for i := 0; b.Loop(); i++ {
				writeSeq(b, filepath.Join(mnt, "f"+strconv.Itoa(i%2)), true)
			}
		})
		b.Run("coldread/"+be.name, func(b *testing.B) {
			mnt := mountBackend(b, be.open)
			name := filepath.Join(mnt, "f")
			writeSeq(b, name, true)
			buf := make([]byte, 1<<20)
			b.SetBytes(seqSize)
			for b.Loop() {
				b.StopTimer()
				dropCaches(b)
				b.StartTimer()
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				total := 0
				for {
					n, err := f.Read(buf)
					total += n
					if err != nil || n == 0 {
						break
					}
				}
				f.Close()
				if total != seqSize {
					b.Fatalf("read %d bytes, want %d", total, seqSize)
				}
			}
		})
		b.Run("create/"+be.name, func(b *testing.B) {
			mnt := mountBackend(b, be.open)
			for i := 0; b.Loop(); i++ {
				f, err := os.OpenFile(filepath.Join(mnt, "c"+strconv.Itoa(i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
		b.Run("lstat/"+be.name, func(b *testing.B) {
			mnt := mountBackend(b, be.open)
			const n = 1000
			names := make([]string, n)
			for i := range names {
				names[i] = filepath.Join(mnt, "s"+strconv.Itoa(i))
				if err := os.WriteFile(names[i], []byte("x"), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			var st syscall.Stat_t
			for i := 0; b.Loop(); i++ {
				if err := syscall.Lstat(names[i%n], &st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVaultDirectory creates n files in one directory of a vault and lists
// it, through a volume: ns/file and ns/entry must not grow with n.
func BenchmarkVaultDirectory(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run("create/n="+strconv.Itoa(n), func(b *testing.B) {
			for iter := 0; b.Loop(); iter++ {
				b.StopTimer()
				v := newVaultVolume(b)
				if _, err := v.Mkdir(bg, "/d", 0o755); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i := range n {
					mkfile(b, v, "/d/f"+strconv.Itoa(i))
				}
			}
			perEntry(b, n, "file")
		})
		b.Run("list/n="+strconv.Itoa(n), func(b *testing.B) {
			v := newVaultVolume(b)
			if _, err := v.Mkdir(bg, "/d", 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				mkfile(b, v, "/d/f"+strconv.Itoa(i))
			}
			for b.Loop() {
				d, err := v.OpenDir(bg, "/d")
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				err = d.ReadDir(bg, 0, func(*fs.FileInfo, int64) bool { count++; return true })
				d.Close(bg)
				if err != nil || count != n {
					b.Fatalf("listed %d entries, want %d: %v", count, n, err)
				}
			}
			perEntry(b, n, "entry")
		})
	}
}

func newVaultVolume(b *testing.B) *fs.Volume {
	f, err := vault.Open(filepath.Join(hostDir(b), "dir.vault"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return fs.NewVolume(f, &fs.Options{Logger: quiet()})
}

// BenchmarkVaultWriteMemory writes one file of ANYFS_VAULT_BENCH_SIZE bytes
// (default 256M; K, M and G suffixes) to a vault through a volume in 1 MiB writes
// and reports the peak resident memory of the process (VmHWM), which the writes
// must not drive up with the size.
func BenchmarkVaultWriteMemory(b *testing.B) {
	total := int64(256 << 20)
	if s := os.Getenv("ANYFS_VAULT_BENCH_SIZE"); s != "" {
		mult := int64(1)
		switch {
		case strings.HasSuffix(s, "G"):
			mult, s = 1<<30, strings.TrimSuffix(s, "G")
		case strings.HasSuffix(s, "M"):
			mult, s = 1<<20, strings.TrimSuffix(s, "M")
		case strings.HasSuffix(s, "K"):
			mult, s = 1<<10, strings.TrimSuffix(s, "K")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("ANYFS_VAULT_BENCH_SIZE: %v", err)
		}
		total = n * mult
	}
	buf := bytes.Repeat([]byte("0123456789abcdef"), (1<<20)/16)
	b.SetBytes(total)
	for b.Loop() {
		b.StopTimer()
		v := newVaultVolume(b)
		before := vmHWM(b)
		b.StartTimer()
		h, _, err := v.Create(bg, "/big", fs.CreateRequest{Mode: attr.S_IFREG | 0o644, Access: fs.AccessWrite})
		if err != nil {
			b.Fatal(err)
		}
		for off := int64(0); off < total; off += int64(len(buf)) {
			if _, err := h.Write(bg, buf, off); err != nil {
				b.Fatal(err)
			}
		}
		if err := h.Release(bg); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(vmHWM(b))/(1<<20), "MiB-peak-RSS")
		b.ReportMetric(float64(before)/(1<<20), "MiB-RSS-before")
	}
}

// vmHWM is the peak resident set size of this process, in bytes.
func vmHWM(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
