//go:build linux

package test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// Stress: many goroutines and processes on one mount, bounded in time and count,
// under a watchdog that fails the test with every goroutine's stack if the work does
// not finish (a deadlock in the volume or an adapter).
//
//	ANYFS_STRESS_SCALE=10 go test -race -run TestStress ./test/   # ten times the work

const (
	stressScaleEnv = "ANYFS_STRESS_SCALE"
	stressChildEnv = "ANYFS_STRESS_CHILD" // set in the child processes
	stressDirEnv   = "ANYFS_STRESS_DIR"
	stressWatchdog = 2 * time.Minute
)

func stressScale(t *testing.T) int { return max(1, int(envInt(t, stressScaleEnv, 1))) }

// TestStress runs each stress workload on its own directory of one mount per
// backend × adapter.
func TestStress(t *testing.T) {
	if os.Getenv(stressChildEnv) != "" {
		t.Skip("in a stress child process")
	}
	workloads := []struct {
		name string
		run  func(t *testing.T, dir string, scale int, adapter string)
	}{
		{"ParallelCreates", stressParallelCreates},
		{"ReadersWriters", stressReadersWriters},
		{"RenamesWhileListing", stressRenamesWhileListing},
		{"Processes", stressProcesses},
		{"MixedTree", stressMixedTree},
	}
	scale := stressScale(t)
	for _, adapter := range mounttest.Adapters() {
		for _, b := range append(writableBackends, modeBackends...) {
			if !b.runsOn(adapter) {
				continue
			}
			t.Run(adapter+"/"+b.name, func(t *testing.T) {
				backend, release := b.new(t)
				t.Cleanup(release)
				mnt := mounttest.MountWith(t, fs.NewVolume(backend, b.volumeOptions()), adapter, b.mount)
				for _, w := range workloads {
					t.Run(w.name, func(t *testing.T) {
						dir := filepath.Join(mnt, w.name)
						if err := os.Mkdir(dir, 0o755); err != nil {
							t.Fatal(err)
						}
						watchdog(t, w.name, func(t *testing.T) { w.run(t, dir, scale, adapter) })
					})
				}
			})
		}
	}
}

// watchdog runs fn and fails t with every goroutine's stack when it does not return
// within stressWatchdog.
func watchdog(t *testing.T, what string, fn func(t *testing.T)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(t)
	}()
	select {
	case <-done:
	case <-time.After(stressWatchdog):
		t.Fatalf("%s: no progress for %v: deadlock?\n%s", what, stressWatchdog, allStacks())
	}
}

// errs collects the first errors of many goroutines.
type errs struct {
	mu   sync.Mutex
	list []string
}

func (e *errs) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) < 20 {
		e.list = append(e.list, fmt.Sprintf(format, args...))
	}
}

func (e *errs) check(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) > 0 {
		t.Errorf("%d errors, the first:\n%s", len(e.list), strings.Join(e.list, "\n"))
	}
}

// stressParallelCreates: goroutines create, write and stat files in one directory
// at once (and some O_EXCL races on shared names); every file is listed exactly once
// with its content.
func stressParallelCreates(t *testing.T, dir string, scale int, adapter string) {
	const workers = 8
	per := 40 * scale
	var e errs
	var wg sync.WaitGroup
	var exclWins atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				p := filepath.Join(dir, fmt.Sprintf("w%02d-%05d", w, i))
				if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
					e.add("create %s: %v", p, err)
					return
				}
				if st, err := os.Lstat(p); err != nil || st.Size() != int64(len(p)) {
					e.add("stat %s: %v", p, err)
				}
				// Everyone races for the same exclusive names: exactly one wins each.
				if i%10 == 0 {
					f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("excl-%05d", i)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
					switch {
					case err == nil:
						exclWins.Add(1)
						f.Close()
					case !errors.Is(err, syscall.EEXIST):
						e.add("O_EXCL: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	e.check(t)
	names := listNames(t, dir)
	want := workers*per + (per+9)/10
	if len(names) != want {
		t.Errorf("listed %d names, want %d", len(names), want)
	}
	if n := exclWins.Load(); n != int64((per+9)/10) {
		t.Errorf("%d O_EXCL creates won, want %d (one per name)", n, (per+9)/10)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("%s listed twice", n)
		}
		seen[n] = true
	}
	for w := range workers {
		for i := range per {
			p := filepath.Join(dir, fmt.Sprintf("w%02d-%05d", w, i))
			if !seen[filepath.Base(p)] {
				t.Errorf("%s was created but is not listed", p)
				continue
			}
			if i%37 == 0 { // a sample of the contents
				wantContents(t, p, p)
			}
		}
	}
}

// listNames lists dir with getdents and a small buffer (many calls), sorted.
func listNames(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// stressReadersWriters: writers write records into their own slots of one file
// while readers read it; readers see only bytes some writer wrote (or the initial
// fill), never an error, a short read or garbage; at the end every slot holds its
// writer's last record.
func stressReadersWriters(t *testing.T, dir string, scale int, adapter string) {
	const writers, readers, rec, slotsPer = 4, 2, 1024, 8
	size := writers * slotsPer * rec
	p := filepath.Join(dir, "shared")
	if err := os.WriteFile(p, bytes.Repeat([]byte{'.'}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	rounds := 15 * scale
	var e errs
	var wg sync.WaitGroup
	var stop atomic.Bool
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				e.add("open: %v", err)
				return
			}
			defer f.Close()
			for r := range rounds {
				for s := range slotsPer {
					b := byte('A' + (w*7+r+s)%26)
					off := int64((w*slotsPer + s) * rec)
					if n, err := f.WriteAt(bytes.Repeat([]byte{b}, rec), off); err != nil || n != rec {
						e.add("write at %d: %d, %v", off, n, err)
						return
					}
				}
				if r%50 == 0 {
					f.Sync()
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			buf := make([]byte, size)
			for !stop.Load() {
				f, err := os.Open(p)
				if err != nil {
					e.add("open for reading: %v", err)
					return
				}
				n, err := io.ReadFull(f, buf)
				f.Close()
				if err != nil || n != size {
					e.add("read: %d bytes, %v", n, err)
					return
				}
				for i, c := range buf {
					if c != '.' && (c < 'A' || c > 'Z') {
						e.add("byte %d is %q: garbage", i, c)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	rg.Wait()
	e.check(t)
	got, err := os.ReadFile(p)
	if err != nil || len(got) != size {
		t.Fatalf("final read: %d bytes, %v", len(got), err)
	}
	for w := range writers {
		for s := range slotsPer {
			b := byte('A' + (w*7+rounds-1+s)%26)
			off := (w*slotsPer + s) * rec
			if !bytes.Equal(got[off:off+rec], bytes.Repeat([]byte{b}, rec)) {
				t.Errorf("slot %d of writer %d: not its last record %q", s, w, b)
			}
		}
	}
}

// stressRenamesWhileListing: files are renamed back and forth (and replaced) in a
// directory while others list it; entries that never move are listed every time,
// exactly once, and no listing shows a name that never existed.
func stressRenamesWhileListing(t *testing.T, dir string, scale int, adapter string) {
	const stable, moving, renamers, listers = 600, 32, 3, 2 // > one enumeration page (512)
	for i := range stable {
		if err := unix.Mknod(filepath.Join(dir, fmt.Sprintf("s%04d", i)), unix.S_IFREG|0o644, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range moving {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("a%03d", i)), []byte(strconv.Itoa(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rounds := 6 * scale
	var e errs
	var wg sync.WaitGroup
	var stop atomic.Bool
	for r := range renamers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range rounds {
				for i := r; i < moving; i += renamers {
					a := filepath.Join(dir, fmt.Sprintf("a%03d", i))
					b := filepath.Join(dir, fmt.Sprintf("b%03d", i))
					from, to := a, b
					if round%2 == 1 {
						from, to = b, a
					}
					if err := os.Rename(from, to); err != nil {
						e.add("rename %s %s: %v", from, to, err)
						return
					}
				}
			}
		}()
	}
	var listings atomic.Int64
	var lg sync.WaitGroup
	for range listers {
		lg.Add(1)
		go func() {
			defer lg.Done()
			for !stop.Load() {
				f, err := os.Open(dir)
				if err != nil {
					e.add("opendir: %v", err)
					return
				}
				names, err := f.Readdirnames(-1)
				f.Close()
				if err != nil {
					e.add("readdir: %v", err)
					return
				}
				listings.Add(1)
				count := map[string]int{}
				for _, n := range names {
					count[n]++
					valid := len(n) == 5 && n[0] == 's' || len(n) == 4 && (n[0] == 'a' || n[0] == 'b')
					if !valid {
						e.add("listing shows %q, which never existed", n)
					}
				}
				for i := range stable {
					if n := count[fmt.Sprintf("s%04d", i)]; n != 1 {
						e.add("a listing during renames shows the unmoved s%04d %d times (of %d names)", i, n, len(names))
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	lg.Wait()
	e.check(t)
	if listings.Load() == 0 {
		t.Error("no listing completed")
	}
	names := listNames(t, dir)
	if len(names) != stable+moving {
		t.Errorf("after the renames: %d names, want %d", len(names), stable+moving)
	}
	prefix := "a"
	if rounds%2 == 1 {
		prefix = "b"
	}
	for i := range moving {
		wantContents(t, filepath.Join(dir, fmt.Sprintf("%s%03d", prefix, i)), strconv.Itoa(i))
	}
}

// stressProcesses: several processes (this test binary, re-executed) create,
// append to, read and remove files in one directory at once, alongside goroutines
// of this process. Appends from all of them to one O_APPEND file lose nothing.
func stressProcesses(t *testing.T, dir string, scale int, adapter string) {
	const procs = 3
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStressChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), stressChildEnv+"="+strconv.Itoa(i), stressDirEnv+"="+dir,
			stressScaleEnv+"="+strconv.Itoa(scale))
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		cmds = append(cmds, cmd)
		outs = append(outs, out)
	}
	// This process joins in.
	stressChildWork(t, dir, procs, scale)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i])
		}
	}
	// Every append of every process is in the log, whole.
	data, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	per := 20 * scale
	if len(lines) != (procs+1)*per {
		t.Errorf("log has %d lines, want %d", len(lines), (procs+1)*per)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] || !strings.HasPrefix(l, "proc ") {
			t.Errorf("log line %q duplicated or torn", l)
			break
		}
		seen[l] = true
	}
	names := listNames(t, dir)
	if len(names) != 1+(procs+1)*per/2 {
		t.Errorf("%d names left, want %d", len(names), 1+(procs+1)*per/2)
	}
}

// TestStressChild is the work of one stress child process (it skips unless run as
// one).
func TestStressChild(t *testing.T) {
	id := os.Getenv(stressChildEnv)
	if id == "" {
		t.Skip("only run as a stress child process")
	}
	n, _ := strconv.Atoi(id)
	stressChildWork(t, os.Getenv(stressDirEnv), n, stressScale(t))
}

// stressChildWork appends 20×scale lines to dir/log and creates as many files,
// reading each back and removing every other one.
func stressChildWork(t *testing.T, dir string, id, scale int) {
	log, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for i := range 20 * scale {
		line := fmt.Sprintf("proc %d line %d %s\n", id, i, strings.Repeat("x", i%50))
		if _, err := log.WriteString(line); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("p%d-%d", id, i))
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		wantContents(t, p, line)
		if i%2 == 1 {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// stressMixedTree: goroutines each build and tear down a tree of directories and
// files in their own subtree, while others walk the whole tree; walks never fail
// with anything but ENOENT (a concurrent removal), and at the end the tree is empty.
func stressMixedTree(t *testing.T, dir string, scale int, adapter string) {
	const builders, walkers = 3, 1
	rounds := 3 * scale
	var e errs
	var wg sync.WaitGroup
	var stop atomic.Bool
	for b := range builders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			root := filepath.Join(dir, fmt.Sprintf("t%d", b))
			for r := range rounds {
				for d := range 4 {
					sub := filepath.Join(root, "x", fmt.Sprint(d), "y")
					if err := os.MkdirAll(sub, 0o755); err != nil {
						e.add("mkdir %s: %v", sub, err)
						return
					}
					for f := range 5 {
						p := filepath.Join(sub, fmt.Sprint(f))
						if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
							e.add("create %s: %v", p, err)
							return
						}
						if f%2 == 0 {
							if err := os.Link(p, p+".link"); err != nil {
								e.add("link %s: %v", p, err)
								return
							}
						}
					}
				}
				moved := fmt.Sprintf("%s.moved%d", root, r)
				if err := os.Rename(root, moved); err != nil {
					e.add("rename %s: %v", root, err)
					return
				}
				if r%3 == 0 {
					continue // left for the end
				}
				if err := os.RemoveAll(moved); err != nil {
					e.add("remove %s: %v", moved, err)
					return
				}
			}
			for r := 0; r < rounds; r += 3 {
				if err := os.RemoveAll(fmt.Sprintf("%s.moved%d", root, r)); err != nil {
					e.add("remove: %v", err)
				}
			}
		}()
	}
	var wkg sync.WaitGroup
	for range walkers {
		wkg.Add(1)
		go func() {
			defer wkg.Done()
			for !stop.Load() {
				filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
					if err != nil && !errors.Is(err, os.ErrNotExist) && !staleDuringRename(adapter, err) {
						e.add("walk %s: %v", p, err)
					}
					return nil
				})
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	wkg.Wait()
	e.check(t)
	if names := listNames(t, dir); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
}

// staleDuringRename reports an ESTALE that the adapter is known to give for a name
// renamed while it was being looked up (mounttest.AdapterDifferences).
func staleDuringRename(adapter string, err error) bool {
	return errors.Is(err, syscall.ESTALE) && mounttest.AdapterDifferences[adapter]["StaleDuringRename"] != ""
}
