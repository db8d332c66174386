//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Result is one measured figure.
type Result struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Unit   string  `json:"unit"`
	Higher bool    `json:"higher"` // higher is better
	Value  float64 `json:"value"`  // the median of the runs
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Runs   int     `json:"runs"`
}

// Report is what `workload run` prints.
type Report struct {
	Dir     string   `json:"dir"`
	FUSE    bool     `json:"fuse"`
	Cache   string   `json:"cache"` // how caches were dropped: drop_caches or fadvise
	Results []Result `json:"results"`
	Notes   []string `json:"notes,omitempty"`
}

type config struct {
	dir       string
	size      int64
	block     int
	files     int
	list      int
	randReads int
	readers   int
	repeat    int
	pid       int
	populate  bool
	settle    time.Duration
	only      map[string]bool
}

const fuseSuperMagic = 0x65735546

func runCmd(args []string) error {
	fl := flag.NewFlagSet("run", flag.ExitOnError)
	var c config
	var only string
	fl.StringVar(&c.dir, "dir", "", "directory to work in (required)")
	fl.Int64Var(&c.size, "size", 1<<30, "bytes of the sequential file")
	fl.IntVar(&c.block, "block", 1<<20, "block size of sequential reads and writes")
	fl.IntVar(&c.files, "files", 10000, "files of the create/stat/unlink and stat workloads")
	fl.IntVar(&c.list, "list", 100000, "entries of DIR/list (made by populate or -populate)")
	fl.IntVar(&c.randReads, "randreads", 20000, "random 4 KiB reads per run")
	fl.IntVar(&c.readers, "readers", 4, "readers of the parallel workload")
	fl.IntVar(&c.repeat, "repeat", 3, "runs of each workload; the median is reported")
	fl.IntVar(&c.pid, "pid", 0, "the serving process, for its peak memory (VmHWM)")
	fl.BoolVar(&c.populate, "populate", false, "create DIR/list first (through DIR) and measure the serving process's memory per file")
	fl.DurationVar(&c.settle, "settle", 1100*time.Millisecond, "wait this long for the kernel's entry and attribute caches to expire")
	fl.StringVar(&only, "only", "", "comma-separated workloads to run (default all): list,seqwrite,seqread,randread,directread,parallel,create,stat")
	fl.Parse(args)
	if c.dir == "" {
		return errors.New("run: -dir is required")
	}
	if only != "" {
		c.only = map[string]bool{}
		for _, w := range strings.Split(only, ",") {
			c.only[strings.TrimSpace(w)] = true
		}
	}
	c.size -= c.size % int64(c.block)
	if c.size < int64(c.block*c.readers) {
		return fmt.Errorf("run: -size must be at least %d", c.block*c.readers)
	}
	r := &runner{c: c, rep: Report{Dir: c.dir}}
	var st unix.Statfs_t
	if err := unix.Statfs(c.dir, &st); err != nil {
		return err
	}
	r.rep.FUSE = st.Type == fuseSuperMagic
	if err := r.run(); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r.rep)
}

type runner struct {
	c      config
	rep    Report
	warmed bool // the sequential file was read in full since it was written
}

func (r *runner) want(w string) bool { return r.c.only == nil || r.c.only[w] }

func (r *runner) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.rep.Notes = append(r.rep.Notes, msg)
	fmt.Fprintln(os.Stderr, "workload:", msg)
}

func (r *runner) path(name string) string { return filepath.Join(r.c.dir, name) }

func (r *runner) run() error {
	if r.c.populate {
		if err := r.populate(); err != nil {
			return err
		}
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"list", r.listDir},
		{"seqwrite", r.seqWrite},
		{"seqread", r.seqRead},
		{"randread", r.randRead},
		{"directread", r.directRead},
		{"parallel", r.parallel},
		{"create", r.createStatUnlink},
		{"stat", r.stat},
	}
	for _, s := range steps {
		if !r.want(s.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "workload: %s: %s\n", r.c.dir, s.name)
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if r.c.pid != 0 {
		hwm, err := procStatus(r.c.pid, "VmHWM")
		if err != nil {
			return err
		}
		r.add(Result{Key: "vmhwm", Label: "serving process peak RSS (VmHWM), end of run", Unit: "MiB"}, float64(hwm)/1024)
	}
	os.Remove(r.path("seq.dat"))
	return nil
}

// add records a result from the values of its runs.
func (r *runner) add(res Result, vals ...float64) {
	res.Value = median(vals)
	res.Min, res.Max, res.Runs = slices.Min(vals), slices.Max(vals), len(vals)
	r.rep.Results = append(r.rep.Results, res)
}

// median returns the median of vals (the mean of the middle two for an even count).
func median(vals []float64) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// repeat runs fn c.repeat times and returns the values it measured.
func (r *runner) repeat(fn func() (float64, error)) ([]float64, error) {
	var vals []float64
	for i := 0; i < max(1, r.c.repeat); i++ {
		v, err := fn()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	return vals, nil
}

// dropCaches empties the kernel's page, dentry and inode caches (level 3) or its
// dentry and inode caches (level 2), after writing back dirty data. Without
// privileges it returns false.
func (r *runner) dropCaches(level int) bool {
	unix.Sync()
	err := os.WriteFile("/proc/sys/vm/drop_caches", []byte(strconv.Itoa(level)), 0)
	if err != nil {
		if r.rep.Cache == "" {
			r.note("cannot drop the kernel's caches (%v): cold reads use fadvise(DONTNEED) on the mount instead, which leaves the backing store's cache warm", err)
		}
		r.rep.Cache = "fadvise"
		return false
	}
	r.rep.Cache = "drop_caches"
	// Dropping the caches makes the kernel forget every inode of a FUSE mount at
	// once: let the serving process work through those FORGETs before the clock
	// starts, or a mount holding many inodes is timed while it does.
	r.quiesce()
	return true
}

// quiesce waits until the serving process (-pid) has used no CPU for 60 ms, or for
// at most 10 s.
func (r *runner) quiesce() {
	if r.c.pid == 0 {
		return
	}
	cpu := func() (int64, bool) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", r.c.pid))
		if err != nil {
			return 0, false
		}
		// The fields after the command name (which may hold spaces) in ")": state is
		// field 3, utime and stime are fields 14 and 15.
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			return 0, false
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		return u + s, true
	}
	last, ok := cpu()
	if !ok {
		return
	}
	idle := 0
	for deadline := time.Now().Add(10 * time.Second); idle < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		now, ok := cpu()
		if !ok {
			return
		}
		if now == last {
			idle++
		} else {
			idle, last = 0, now
		}
	}
}

// dropMountCache drops the pages of the file at p from the mount's page cache, not
// from the backing store's: on a FUSE mount the next reads go to the file system.
// On a native directory it does nothing: there is one cache, and the native figures
// are the warm floor.
func (r *runner) dropMountCache(p string) error {
	if !r.rep.FUSE {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

func mibps(bytes int64, d time.Duration) float64 {
	return float64(bytes) / (1 << 20) / d.Seconds()
}

func (r *runner) seqWrite() error {
	p := r.path("seq.dat")
	buf := make([]byte, r.c.block)
	for i := range buf {
		buf[i] = byte(i*7 + i>>10)
	}
	r.warmed = false
	vals, err := r.repeat(func() (float64, error) {
		os.Remove(p)
		unix.Sync()
		t0 := time.Now()
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return 0, err
		}
		for off := int64(0); off < r.c.size; off += int64(len(buf)) {
			if _, err := f.Write(buf); err != nil {
				f.Close()
				return 0, err
			}
		}
		if err := f.Close(); err != nil {
			return 0, err
		}
		return mibps(r.c.size, time.Since(t0)), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "seqwrite", Label: fmt.Sprintf("sequential write %s, %s blocks", size(r.c.size), size(int64(r.c.block))), Unit: "MiB/s", Higher: true}, vals...)
	return nil
}

// ensureSeq makes sure the sequential file exists (for -only runs).
func (r *runner) ensureSeq() (string, error) {
	p := r.path("seq.dat")
	if st, err := os.Stat(p); err == nil && st.Size() >= r.c.size {
		return p, nil
	}
	saved := r.c.repeat
	r.c.repeat = 1
	defer func() { r.c.repeat = saved }()
	n := len(r.rep.Results)
	if err := r.seqWrite(); err != nil {
		return "", err
	}
	r.rep.Results = r.rep.Results[:n]
	return p, nil
}

func readAll(p string, block int) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, block)
	var total int64
	for {
		n, err := f.Read(buf)
		total += int64(n)
		if err != nil || n == 0 {
			if err != nil && err != io.EOF {
				return total, err
			}
			return total, nil
		}
	}
}

func (r *runner) seqRead() error {
	p, err := r.ensureSeq()
	if err != nil {
		return err
	}
	vals, err := r.repeat(func() (float64, error) {
		if !r.dropCaches(3) {
			if err := r.dropMountCache(p); err != nil {
				return 0, err
			}
		}
		t0 := time.Now()
		n, err := readAll(p, r.c.block)
		if err != nil {
			return 0, err
		}
		if n != r.c.size {
			return 0, fmt.Errorf("read %d bytes of %d", n, r.c.size)
		}
		r.warmed = true
		return mibps(n, time.Since(t0)), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "seqread", Label: fmt.Sprintf("sequential read %s, %s blocks, cold cache", size(r.c.size), size(int64(r.c.block))), Unit: "MiB/s", Higher: true}, vals...)
	return nil
}

// warm makes sure the backing store holds the file in memory (reading it once, if
// no earlier workload did) and drops it from the mount's cache.
func (r *runner) warm(p string) error {
	if !r.warmed {
		if _, err := readAll(p, r.c.block); err != nil {
			return err
		}
		r.warmed = true
	}
	return r.dropMountCache(p)
}

func (r *runner) randRead() error {
	p, err := r.ensureSeq()
	if err != nil {
		return err
	}
	const bs = 4096
	pages := r.c.size / bs
	vals, err := r.repeat(func() (float64, error) {
		if err := r.warm(p); err != nil {
			return 0, err
		}
		f, err := os.Open(p)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		fd := int(f.Fd())
		// No readahead: one 4 KiB read is one request to the file system.
		if err := unix.Fadvise(fd, 0, 0, unix.FADV_RANDOM); err != nil {
			return 0, err
		}
		return r.randomPreads(fd, make([]byte, bs), pages)
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "randread", Label: fmt.Sprintf("random 4 KiB reads (%d), data in memory, mount cache cold", r.c.randReads), Unit: "reads/s", Higher: true}, vals...)
	return nil
}

// randomPreads reads r.c.randReads blocks of len(buf) bytes at random offsets below
// pages blocks (the same offsets every run), and returns the reads per second.
func (r *runner) randomPreads(fd int, buf []byte, pages int64) (float64, error) {
	bs := int64(len(buf))
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Now()
	for i := 0; i < r.c.randReads; i++ {
		off := rng.Int64N(pages) * bs
		if n, err := unix.Pread(fd, buf, off); err != nil || int64(n) != bs {
			return 0, fmt.Errorf("pread at %d: %d, %v", off, n, err)
		}
	}
	return float64(r.c.randReads) / time.Since(t0).Seconds(), nil
}

// directRead is randRead with O_DIRECT: every read bypasses the page caches, of the
// mount and of the host, where the file system honours O_DIRECT (tmpfs reads its
// pages in memory all the same).
func (r *runner) directRead() error {
	p, err := r.ensureSeq()
	if err != nil {
		return err
	}
	const bs = 4096
	pages := r.c.size / bs
	// O_DIRECT wants an aligned buffer: a page of its own.
	mem, err := unix.Mmap(-1, 0, bs, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer unix.Munmap(mem)
	vals, err := r.repeat(func() (float64, error) {
		if err := r.warm(p); err != nil {
			return 0, err
		}
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("open O_DIRECT: %w", err)
		}
		defer unix.Close(fd)
		return r.randomPreads(fd, mem, pages)
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "directread", Label: fmt.Sprintf("random 4 KiB reads (%d), O_DIRECT", r.c.randReads), Unit: "reads/s", Higher: true}, vals...)
	return nil
}

func (r *runner) parallel() error {
	p, err := r.ensureSeq()
	if err != nil {
		return err
	}
	part := r.c.size / int64(r.c.readers)
	part -= part % int64(r.c.block)
	vals, err := r.repeat(func() (float64, error) {
		if err := r.warm(p); err != nil {
			return 0, err
		}
		var wg sync.WaitGroup
		errs := make([]error, r.c.readers)
		t0 := time.Now()
		for i := 0; i < r.c.readers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = readRange(p, int64(i)*part, part, r.c.block)
			}()
		}
		wg.Wait()
		d := time.Since(t0)
		if err := errors.Join(errs...); err != nil {
			return 0, err
		}
		return mibps(part*int64(r.c.readers), d), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "parallel", Label: fmt.Sprintf("%d parallel sequential readers, data in memory, mount cache cold", r.c.readers), Unit: "MiB/s", Higher: true}, vals...)
	return nil
}

func readRange(p string, off, n int64, block int) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, block)
	for done := int64(0); done < n; {
		m, err := unix.Pread(int(f.Fd()), buf[:min(int64(block), n-done)], off+done)
		if err != nil {
			return err
		}
		if m == 0 {
			return fmt.Errorf("short read at %d", off+done)
		}
		done += int64(m)
	}
	return nil
}

// openDir makes (if needed) and opens the directory name of the work directory.
func (r *runner) openDir(name string) (*os.File, error) {
	p := r.path(name)
	if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	return os.Open(p)
}

func fileName(i int) string { return "f" + strconv.Itoa(i) }

// createStatUnlink creates, stats and removes c.files files, one phase after the
// other, and reports files per second over the three phases.
func (r *runner) createStatUnlink() error {
	d, err := r.openDir("cs")
	if err != nil {
		return err
	}
	defer d.Close()
	dfd := int(d.Fd())
	n := r.c.files
	var phases [3][]float64
	vals, err := r.repeat(func() (float64, error) {
		var st unix.Stat_t
		t0 := time.Now()
		for i := 0; i < n; i++ {
			fd, err := unix.Openat(dfd, fileName(i), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
			if err != nil {
				return 0, fmt.Errorf("create %s: %w", fileName(i), err)
			}
			unix.Close(fd)
		}
		t1 := time.Now()
		for i := 0; i < n; i++ {
			if err := unix.Fstatat(dfd, fileName(i), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return 0, fmt.Errorf("stat %s: %w", fileName(i), err)
			}
		}
		t2 := time.Now()
		for i := 0; i < n; i++ {
			if err := unix.Unlinkat(dfd, fileName(i), 0); err != nil {
				return 0, fmt.Errorf("unlink %s: %w", fileName(i), err)
			}
		}
		t3 := time.Now()
		phases[0] = append(phases[0], float64(n)/t1.Sub(t0).Seconds())
		phases[1] = append(phases[1], float64(n)/t2.Sub(t1).Seconds())
		phases[2] = append(phases[2], float64(n)/t3.Sub(t2).Seconds())
		return float64(n) / t3.Sub(t0).Seconds(), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "create", Label: fmt.Sprintf("create+stat+unlink %d files (open O_CREAT+close, lstat, unlink)", n), Unit: "files/s", Higher: true}, vals...)
	r.add(Result{Key: "create.create", Label: "  of which create (open O_CREAT|O_EXCL + close)", Unit: "files/s", Higher: true}, phases[0]...)
	r.add(Result{Key: "create.stat", Label: "  of which lstat (after all the creates)", Unit: "stats/s", Higher: true}, phases[1]...)
	r.add(Result{Key: "create.unlink", Label: "  of which unlink", Unit: "files/s", Higher: true}, phases[2]...)
	return nil
}

// stat stats c.files existing files once the kernel's caches of them expired (each
// stat is a LOOKUP), and again at once (answered from the kernel's caches).
func (r *runner) stat() error {
	d, err := r.openDir("st")
	if err != nil {
		return err
	}
	defer d.Close()
	dfd := int(d.Fd())
	n := r.c.files
	for i := 0; i < n; i++ {
		err := unix.Mknodat(dfd, fileName(i), unix.S_IFREG|0o644, 0)
		if err != nil && err != unix.EEXIST {
			return fmt.Errorf("mknod %s: %w", fileName(i), err)
		}
	}
	// Each file is stated twice in a row: the first stat finds the kernel's caches
	// expired, the second finds them fresh (however long the whole pass takes).
	var warm []float64
	cold, err := r.repeat(func() (float64, error) {
		time.Sleep(r.c.settle)
		var st unix.Stat_t
		var tc, tw time.Duration
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if err := unix.Fstatat(dfd, fileName(i), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return 0, fmt.Errorf("stat %s: %w", fileName(i), err)
			}
			t1 := time.Now()
			if err := unix.Fstatat(dfd, fileName(i), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return 0, fmt.Errorf("stat %s: %w", fileName(i), err)
			}
			tc += t1.Sub(t0)
			tw += time.Since(t1)
		}
		warm = append(warm, float64(n)/tw.Seconds())
		return float64(n) / tc.Seconds(), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "stat", Label: fmt.Sprintf("lstat %d files, kernel caches expired", n), Unit: "stats/s", Higher: true}, cold...)
	r.add(Result{Key: "stat.warm", Label: "  the same files again at once (kernel caches fresh)", Unit: "stats/s", Higher: true}, warm...)
	return nil
}

// listDir lists DIR/list with getdents and a 64 KiB buffer.
func (r *runner) listDir() error {
	p := r.path("list")
	vals, err := r.repeat(func() (float64, error) {
		t0 := time.Now()
		n, err := countEntries(p)
		if err != nil {
			return 0, err
		}
		d := time.Since(t0)
		if n != r.c.list {
			return 0, fmt.Errorf("%s has %d entries, want %d (run populate first, or -populate)", p, n, r.c.list)
		}
		return float64(n) / d.Seconds(), nil
	})
	if err != nil {
		return err
	}
	r.add(Result{Key: "list", Label: fmt.Sprintf("list a directory of %d entries (getdents)", r.c.list), Unit: "entries/s", Higher: true}, vals...)
	return nil
}

func countEntries(p string) (int, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 64<<10)
	n := 0
	for {
		m, err := unix.Getdents(fd, buf)
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, nil
		}
		for b := buf[:m]; len(b) > 0; {
			reclen := int(b[16]) | int(b[17])<<8
			name := b[19:reclen]
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				n++
			}
			b = b[reclen:]
		}
	}
}

// populate creates DIR/list through DIR and reports the creation rate and the
// serving process's memory per file.
func (r *runner) populate() error {
	var before int64
	if r.c.pid != 0 {
		var err error
		if before, err = procStatus(r.c.pid, "VmRSS"); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := makeList(r.path("list"), r.c.list); err != nil {
		return err
	}
	r.add(Result{Key: "populate", Label: fmt.Sprintf("mknod %d empty files in one directory", r.c.list), Unit: "files/s", Higher: true},
		float64(r.c.list)/time.Since(t0).Seconds())
	if r.c.pid == 0 {
		return nil
	}
	hwm, err := procStatus(r.c.pid, "VmHWM")
	if err != nil {
		return err
	}
	r.add(Result{Key: "mem.files", Label: fmt.Sprintf("serving process peak RSS with %d empty files", r.c.list), Unit: "MiB"}, float64(hwm)/1024)
	r.add(Result{Key: "mem.perfile", Label: "  peak RSS growth per empty file", Unit: "bytes"}, float64(hwm-before)*1024/float64(r.c.list))
	return nil
}

func makeList(p string, n int) error {
	if err := os.Mkdir(p, 0o755); err != nil {
		return err
	}
	d, err := os.Open(p)
	if err != nil {
		return err
	}
	defer d.Close()
	for i := 0; i < n; i++ {
		if err := unix.Mknodat(int(d.Fd()), fileName(i), unix.S_IFREG|0o644, 0); err != nil {
			return fmt.Errorf("mknod %s: %w", fileName(i), err)
		}
	}
	return nil
}

func populateCmd(args []string) error {
	fl := flag.NewFlagSet("populate", flag.ExitOnError)
	dir := fl.String("dir", "", "directory (required)")
	n := fl.Int("n", 100000, "entries")
	fl.Parse(args)
	if *dir == "" {
		return errors.New("populate: -dir is required")
	}
	return makeList(filepath.Join(*dir, "list"), *n)
}

// procStatus returns a field of /proc/PID/status in KiB.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
