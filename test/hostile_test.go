//go:build linux

package test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// Hostile inputs: each call runs on the mount and on a native reference directory,
// and must give the same result. memfs is compared with tmpfs; passthrough with a
// directory on the host file system its root lives on (a passthrough cannot be more
// capable than the file system below it: ext4's largest file is 16 TiB).

// hostileEnv is one mount and its reference.
type hostileEnv struct {
	mnt, ref string
	tmpfs    bool   // the reference is tmpfs
	adapter  string // the adapter serving mnt
}

func hostileEnvs(t *testing.T, fn func(t *testing.T, e hostileEnv)) {
	for _, adapter := range mounttest.Adapters() {
		for _, b := range writableBackends {
			if !b.runsOn(adapter) {
				continue
			}
			t.Run(adapter+"/"+b.name, func(t *testing.T) {
				backend, release := b.new(t)
				t.Cleanup(release)
				mnt := mounttest.MountWith(t, fs.NewVolume(backend, &fs.Options{Logger: quietLogger}), adapter, b.mount)
				e := hostileEnv{mnt: mnt, adapter: adapter}
				if b.name == "memfs" || b.name == "vault" { // files of up to 2^63-1 bytes, as on tmpfs
					e.ref = referenceDir(t)
				} else {
					e.ref = t.TempDir()
				}
				var st unix.Statfs_t
				e.tmpfs = unix.Statfs(e.ref, &st) == nil && st.Type == unix.TMPFS_MAGIC
				fn(t, e)
			})
		}
	}
}

// both runs call on the mount and the reference and fails when the results differ.
func (e hostileEnv) both(t *testing.T, what string, call func(root string) string) string {
	t.Helper()
	got, want := call(e.mnt), call(e.ref)
	if got != want {
		t.Errorf("%s: anyfs %s, native %s", what, got, want)
	}
	return got
}

// TestHostileNames: names at and over the length limit, and every byte Linux allows
// in a name, round-trip exactly through create, stat, readdir, rename and unlink.
func TestHostileNames(t *testing.T) {
	names := []string{
		strings.Repeat("n", 255),
		strings.Repeat("é", 127) + "x", // 255 bytes of multi-byte UTF-8
		`back\slash`, `\`, `C:\Windows`, "co:lon", ":", "a:b:c",
		"tab\there", "new\nline", "cr\rret", "\x01\x02\x03", "\x1b[31mred", "del\x7f",
		"\xff\xfe", "bad\xc3\x28utf8", "\xed\xa0\x80", "\xc0\xaf", // invalid UTF-8
		"e\u0301", "\u00e9", // NFD and NFC: two different names
		"Case", "case", "CASE",
		" lead", "trail ", "-dash", "...", "..a", ".hidden", "*?<>|\"",
		"\u202e\u0644", "emoji\U0001F600", "nul-free\u0000"[:8],
	}
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		for _, n := range names {
			e.both(t, fmt.Sprintf("create %q", n), func(root string) string {
				return errnoString(os.WriteFile(filepath.Join(root, n), []byte(n), 0o644))
			})
		}
		for _, n := range names {
			e.both(t, fmt.Sprintf("read %q", n), func(root string) string {
				data, err := os.ReadFile(filepath.Join(root, n))
				if err == nil && string(data) != n {
					return fmt.Sprintf("content %q", data)
				}
				return errnoString(err)
			})
		}
		listing := func(root string) string {
			f, err := os.Open(root)
			if err != nil {
				return errnoString(err)
			}
			defer f.Close()
			list, err := f.Readdirnames(-1)
			sort.Strings(list)
			return fmt.Sprintf("%q %s", list, errnoString(err))
		}
		if got := e.both(t, "readdir", listing); !strings.Contains(got, fmt.Sprintf("%q", "\xff\xfe")) {
			t.Errorf("listing lacks the invalid UTF-8 name: %s", got)
		}
		// Over the limit, by every call that takes a name.
		long := strings.Repeat("L", 256)
		longUTF8 := strings.Repeat("é", 128) // 256 bytes
		for _, n := range []string{long, longUTF8} {
			for _, c := range []struct {
				what string
				call func(root, p string) error
			}{
				{"create", func(_, p string) error { return os.WriteFile(p, nil, 0o644) }},
				{"mkdir", func(_, p string) error { return unix.Mkdir(p, 0o755) }},
				{"stat", func(_, p string) error { var st unix.Stat_t; return unix.Stat(p, &st) }},
				{"rename to", func(root, p string) error { return unix.Rename(filepath.Join(root, names[0]), p) }},
				{"rename from", func(root, p string) error { return unix.Rename(p, filepath.Join(root, "x")) }},
				{"link", func(root, p string) error { return unix.Link(filepath.Join(root, names[0]), p) }},
				{"symlink", func(_, p string) error { return unix.Symlink("target", p) }},
				{"unlink", func(_, p string) error { return unix.Unlink(p) }},
				{"rmdir", func(_, p string) error { return unix.Rmdir(p) }},
				{"mknod", func(_, p string) error { return unix.Mknod(p, unix.S_IFIFO|0o644, 0) }},
			} {
				e.both(t, fmt.Sprintf("%s with a %d-byte name", c.what, len(n)), func(root string) string {
					return errnoString(c.call(root, filepath.Join(root, n)))
				})
			}
		}
		// A 255-byte name can be renamed and linked to another 255-byte name.
		other := strings.Repeat("m", 255)
		e.both(t, "rename 255 to 255", func(root string) string {
			return errnoString(unix.Rename(filepath.Join(root, names[0]), filepath.Join(root, other)))
		})
		e.both(t, "link 255 to 255", func(root string) string {
			return errnoString(unix.Link(filepath.Join(root, other), filepath.Join(root, names[0])))
		})
		// Every name is removed exactly, leaving nothing behind.
		for _, n := range append(names, other) {
			e.both(t, fmt.Sprintf("unlink %q", n), func(root string) string {
				return errnoString(unix.Unlink(filepath.Join(root, n)))
			})
		}
		e.both(t, "readdir at the end", listing)
	})
}

// TestHostileDots: "." and ".." where a name is expected fail as on Linux.
func TestHostileDots(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		setup := func(root string) {
			os.Mkdir(filepath.Join(root, "d"), 0o755)
			os.Mkdir(filepath.Join(root, "d", "sub"), 0o755)
			os.Mkdir(filepath.Join(root, "empty"), 0o755)
			os.WriteFile(filepath.Join(root, "f"), []byte("f"), 0o644)
		}
		setup(e.mnt)
		setup(e.ref)
		calls := []struct {
			what string
			call func(j func(string) string) error
		}{
			{"rename d/. to x", func(j func(string) string) error { return unix.Rename(j("d/."), j("x")) }},
			{"rename d/.. to x", func(j func(string) string) error { return unix.Rename(j("d/.."), j("x")) }},
			{"rename f to d/.", func(j func(string) string) error { return unix.Rename(j("f"), j("d/.")) }},
			{"rename f to d/..", func(j func(string) string) error { return unix.Rename(j("f"), j("d/..")) }},
			{"rename empty to d/.", func(j func(string) string) error { return unix.Rename(j("empty"), j("d/.")) }},
			{"rename empty to empty/.", func(j func(string) string) error { return unix.Rename(j("empty"), j("empty/.")) }},
			{"rename d/sub to d/sub/.", func(j func(string) string) error { return unix.Rename(j("d/sub"), j("d/sub/.")) }},
			{"rename . to x", func(j func(string) string) error { return unix.Rename(j("."), j("x")) }},
			{"rename d to d/sub/x", func(j func(string) string) error { return unix.Rename(j("d"), j("d/sub/x")) }},
			{"rename d to d", func(j func(string) string) error { return unix.Rename(j("d"), j("d")) }},
			{"rmdir d/.", func(j func(string) string) error { return unix.Rmdir(j("d/.")) }},
			{"rmdir empty/.", func(j func(string) string) error { return unix.Rmdir(j("empty/.")) }},
			{"rmdir d/..", func(j func(string) string) error { return unix.Rmdir(j("d/..")) }},
			{"rmdir d/sub/..", func(j func(string) string) error { return unix.Rmdir(j("d/sub/..")) }},
			{"rmdir .", func(j func(string) string) error { return unix.Rmdir(j(".")) }},
			{"unlink d/.", func(j func(string) string) error { return unix.Unlink(j("d/.")) }},
			{"unlink d/..", func(j func(string) string) error { return unix.Unlink(j("d/..")) }},
			{"mkdir d/.", func(j func(string) string) error { return unix.Mkdir(j("d/."), 0o755) }},
			{"mkdir d/..", func(j func(string) string) error { return unix.Mkdir(j("d/.."), 0o755) }},
			{"link f to d/.", func(j func(string) string) error { return unix.Link(j("f"), j("d/.")) }},
			{"link d/. to x", func(j func(string) string) error { return unix.Link(j("d/."), j("x")) }},
			{"symlink d/..", func(j func(string) string) error { return unix.Symlink("t", j("d/..")) }},
			{"create d/.", func(j func(string) string) error {
				fd, err := unix.Open(j("d/."), unix.O_CREAT|unix.O_RDWR, 0o644)
				if err == nil {
					unix.Close(fd)
				}
				return err
			}},
			{"create exclusive d/..", func(j func(string) string) error {
				fd, err := unix.Open(j("d/.."), unix.O_CREAT|unix.O_EXCL|unix.O_RDONLY, 0o644)
				if err == nil {
					unix.Close(fd)
				}
				return err
			}},
			{"mknod d/.", func(j func(string) string) error { return unix.Mknod(j("d/."), unix.S_IFIFO|0o644, 0) }},
			{"renameat2 exchange d/. and f", func(j func(string) string) error {
				return unix.Renameat2(unix.AT_FDCWD, j("d/."), unix.AT_FDCWD, j("f"), unix.RENAME_EXCHANGE)
			}},
			{"truncate d/.", func(j func(string) string) error { return unix.Truncate(j("d/."), 0) }},
		}
		for _, c := range calls {
			e.both(t, c.what, func(root string) string {
				return errnoString(c.call(func(p string) string { return root + "/" + p }))
			})
		}
		if d := compareTrees(e.mnt, e.ref); d != "" {
			t.Errorf("trees differ afterwards:\n%s", d)
		}
	})
}

// TestHostileOffsets: reads, writes and truncates at offsets near 2^63 and of zero
// and huge lengths give the native results, and leave the data intact.
func TestHostileOffsets(t *testing.T) {
	const max = math.MaxInt64
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		fds := map[string]int{}
		for _, root := range []string{e.mnt, e.ref} {
			fd, err := unix.Open(root+"/f", unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			fds[root] = fd
			t.Cleanup(func() { unix.Close(fd) })
			if _, err := unix.Pwrite(fd, []byte("0123456789"), 0); err != nil {
				t.Fatal(err)
			}
		}
		type call struct {
			what string
			do   func(fd int) string
		}
		pwrite := func(off int64, n int) call {
			return call{fmt.Sprintf("pwrite %d bytes at %d", n, off), func(fd int) string {
				w, err := unix.Pwrite(fd, bytes.Repeat([]byte("w"), n), off)
				return fmt.Sprintf("n=%d %s", w, errnoString(err))
			}}
		}
		pread := func(off int64, n int) call {
			return call{fmt.Sprintf("pread %d bytes at %d", n, off), func(fd int) string {
				buf := make([]byte, n)
				r, err := unix.Pread(fd, buf, off)
				return fmt.Sprintf("n=%d %s %q", r, errnoString(err), buf[:max64(r, 0)])
			}}
		}
		ftruncate := func(size int64) call {
			return call{fmt.Sprintf("ftruncate %d", size), func(fd int) string {
				return errnoString(unix.Ftruncate(fd, size))
			}}
		}
		fstat := call{"fstat", func(fd int) string {
			var st unix.Stat_t
			if err := unix.Fstat(fd, &st); err != nil {
				return errnoString(err)
			}
			return fmt.Sprintf("size=%d", st.Size)
		}}
		calls := []call{
			pwrite(max, 1), pwrite(max-1, 1), pwrite(max-1, 2), pwrite(max, 0), pwrite(-1, 1),
			pwrite(max-4096, 4096), pwrite(1<<62, 1), fstat,
			ftruncate(10),
			pread(max, 1), pread(max-1, 1), pread(max, 0), pread(1<<62, 10), pread(-1, 1),
			pread(0, 0), pwrite(0, 0), pwrite(1<<40, 0), fstat, // zero lengths change nothing
			pread(5, 100), pread(10, 1), pread(11, 1),
			ftruncate(max), fstat, ftruncate(-1), ftruncate(1 << 44), fstat,
			pread(1<<44-3, 10), ftruncate(10), fstat, pread(0, 20),
		}
		for _, c := range calls {
			e.both(t, c.what, func(root string) string { return c.do(fds[root]) })
		}
		// lseek: SEEK_DATA/SEEK_HOLE and SEEK_END at the extremes. (Past the native
		// file system's largest file, lseek fails with EINVAL there but not on a FUSE
		// mount, whose limit is 2^63-1 whatever is below: only tmpfs compares.)
		seeks := []struct {
			off    int64
			whence int
		}{{1, 2}, {-11, 2}, {-12, 2}, {0, unix.SEEK_DATA}, {10, unix.SEEK_DATA}, {0, unix.SEEK_HOLE}}
		if e.tmpfs {
			seeks = append(seeks, []struct {
				off    int64
				whence int
			}{{max, 0}, {max, 2}}...)
		}
		for _, s := range seeks {
			e.both(t, fmt.Sprintf("lseek %d whence %d", s.off, s.whence), func(root string) string {
				off, err := unix.Seek(fds[root], s.off, s.whence)
				return fmt.Sprintf("%d %s", off, errnoString(err))
			})
		}
		// A 16 MiB write in one call, and reads of it in one call.
		big := make([]byte, 16<<20)
		for i := range big {
			big[i] = byte(i*7 + i>>12)
		}
		e.both(t, "16 MiB pwrite", func(root string) string {
			n, err := unix.Pwrite(fds[root], big, 3)
			return fmt.Sprintf("n=%d %s", n, errnoString(err))
		})
		for _, n := range []int{16 << 20, 64 << 20} {
			buf := make([]byte, n)
			e.both(t, fmt.Sprintf("%d-byte pread", n), func(root string) string {
				r, err := unix.Pread(fds[root], buf, 3)
				if r >= len(big) && !bytes.Equal(buf[:len(big)], big) {
					return "data corrupted"
				}
				return fmt.Sprintf("n=%d %s", r, errnoString(err))
			})
		}
		e.both(t, "content", func(root string) string {
			data, err := os.ReadFile(root + "/f")
			return fmt.Sprintf("%x %s", digest(data), errnoString(err))
		})
		// Zero-length writes through write(2) at the end and O_APPEND.
		e.both(t, "zero-length append", func(root string) string {
			fd, err := unix.Open(root+"/f", unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
			if err != nil {
				return errnoString(err)
			}
			defer unix.Close(fd)
			n, err := unix.Write(fd, nil)
			var st unix.Stat_t
			unix.Fstat(fd, &st)
			return fmt.Sprintf("n=%d %s size=%d", n, errnoString(err), st.Size)
		})
	})
}

func max64(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// TestHostileTruncateNearMax: truncating a file up to 2^63-1 and back down keeps its
// data (tmpfs does). memfs's dropFrom computes the first page past the new size as
// (size+PageSize-1)/PageSize, which overflows for sizes near 2^63 and drops every
// page.
func TestHostileTruncateNearMax(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		for _, root := range []string{e.mnt, e.ref} {
			if err := os.WriteFile(root+"/f", []byte("0123456789"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, size := range []int64{math.MaxInt64, math.MaxInt64 - 1, 1 << 43, 10} {
			e.both(t, fmt.Sprintf("truncate %d", size), func(root string) string {
				var st unix.Stat_t
				err := unix.Truncate(root+"/f", size)
				unix.Stat(root+"/f", &st)
				return fmt.Sprintf("%s size=%d", errnoString(err), st.Size)
			})
		}
		e.both(t, "content", func(root string) string {
			data, err := os.ReadFile(root + "/f")
			return fmt.Sprintf("%q %s", data, errnoString(err))
		})
	})
}

// TestHostileRemovedOpenDir: fstat of a directory descriptor after the directory
// was removed, by rmdir or by a rename over it, works and shows st_nlink 0, as on
// tmpfs.
func TestHostileRemovedOpenDir(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		if why := mounttest.AdapterDifferences[e.adapter]["RemovedNodeFstat"]; why != "" {
			t.Skip(why)
		}
		for _, how := range []string{"rmdir", "rename over"} {
			e.both(t, "fstat after "+how, func(root string) string {
				d := filepath.Join(root, "d")
				if err := os.Mkdir(d, 0o755); err != nil {
					return errnoString(err)
				}
				fd, err := unix.Open(d, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
				if err != nil {
					return errnoString(err)
				}
				defer unix.Close(fd)
				if how == "rmdir" {
					err = unix.Rmdir(d)
				} else {
					os.Mkdir(root+"/other", 0o755)
					err = unix.Rename(root+"/other", d)
					defer os.Remove(d)
				}
				if err != nil {
					return how + " " + errnoString(err)
				}
				var st unix.Stat_t
				if err := unix.Fstat(fd, &st); err != nil {
					return errnoString(err)
				}
				names, err := unix.Getdents(fd, make([]byte, 4096))
				return fmt.Sprintf("%s getdents %d %s", statString(&st), names, errnoString(err))
			})
		}
	})
}

// TestHostileUnlinkedOpenLinks: a file with two links, one unlinked while the file
// is open, shows st_nlink 1 through the descriptor.
func TestHostileUnlinkedOpenLinks(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		e.both(t, "fstat", func(root string) string {
			a, b := root+"/a", root+"/b"
			os.WriteFile(a, []byte("data"), 0o644)
			if err := unix.Link(a, b); err != nil {
				return errnoString(err)
			}
			fd, err := unix.Open(a, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				return errnoString(err)
			}
			defer unix.Close(fd)
			if err := unix.Unlink(a); err != nil {
				return errnoString(err)
			}
			var st, st2 unix.Stat_t
			err = unix.Fstat(fd, &st)
			unix.Stat(b, &st2)
			return fmt.Sprintf("%s %s; by the other name %s", statString(&st), errnoString(err), statString(&st2))
		})
	})
}

// TestHostileUnlinkedOpenMoved: a file unlinked while open stays usable through its
// descriptor after the directory it was in is renamed.
func TestHostileUnlinkedOpenMoved(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		e.both(t, "fstat", func(root string) string {
			os.Mkdir(root+"/b", 0o755)
			os.Mkdir(root+"/c", 0o755)
			fd, err := unix.Open(root+"/c/y", unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
			if err != nil {
				return errnoString(err)
			}
			defer unix.Close(fd)
			unix.Write(fd, []byte("data"))
			if err := unix.Unlink(root + "/c/y"); err != nil {
				return errnoString(err)
			}
			if err := unix.Rename(root+"/c", root+"/b/c"); err != nil {
				return errnoString(err)
			}
			var st unix.Stat_t
			err = unix.Fstat(fd, &st)
			n, rerr := unix.Pread(fd, make([]byte, 10), 0)
			return fmt.Sprintf("%s %s; pread %d %s", statString(&st), errnoString(err), n, errnoString(rerr))
		})
	})
}

// TestHostileDisplacedOpenFiles: two open files displaced one after the other by
// renames onto the same name keep their own identities through their descriptors.
func TestHostileDisplacedOpenFiles(t *testing.T) {
	hostileEnvs(t, func(t *testing.T, e hostileEnv) {
		e.both(t, "fstat", func(root string) string {
			var out []string
			var fds []int
			for i, size := range []int{100, 200} {
				p := fmt.Sprintf("%s/f%d", root, i)
				if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
					return errnoString(err)
				}
				if i == 0 {
					if err := unix.Rename(p, root+"/z"); err != nil {
						return errnoString(err)
					}
					p = root + "/z"
				}
				fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC, 0)
				if err != nil {
					return errnoString(err)
				}
				defer unix.Close(fd)
				fds = append(fds, fd)
				if i == 1 {
					if err := unix.Rename(p, root+"/z"); err != nil { // displaces file 0
						return errnoString(err)
					}
				}
			}
			os.WriteFile(root+"/new", []byte("n"), 0o644)
			if err := unix.Rename(root+"/new", root+"/z"); err != nil { // displaces file 1
				return errnoString(err)
			}
			for _, fd := range fds {
				var st unix.Stat_t
				err := unix.Fstat(fd, &st)
				out = append(out, statString(&st)+" "+errnoString(err))
			}
			return strings.Join(out, "; ")
		})
	})
}
