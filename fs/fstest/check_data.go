package fstest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
)

func init() {
	allChecks = append(allChecks,
		check{"Data", "WriteRead", checkWriteRead},
		check{"Data", "SizeAndTimes", checkSizeAndTimes},
		check{"Data", "Truncate", checkTruncate},
		check{"Data", "Sparse", checkSparse},
		check{"Data", "Append", checkAppend},
		check{"Data", "UnlinkOpen", checkUnlinkOpen},
		check{"Data", "Concurrent", checkConcurrent},
	)
}

// pattern returns n bytes that differ at nearby offsets.
func pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkReads reads h at many offsets, forwards, backwards and at random, and
// compares with want. It stops after a few wrong reads.
func (k *kit) checkReads(t TB, h *fs.Handle, want []byte) {
	t.Helper()
	size := int64(len(want))
	bad := 0
	at := func(off int64, n int) {
		t.Helper()
		if bad >= 5 {
			return
		}
		got := k.readAt(t, h, off, n)
		end := min(off+int64(n), size)
		exp := ""
		if off < size {
			exp = string(want[off:end])
		}
		if got != exp {
			bad++
			t.Errorf("%s: %d bytes at %d: got %d bytes %s, want %d bytes %s", h.Name(), n, off, len(got), excerpt(got), len(exp), excerpt(exp))
		}
	}
	for off := size - 4097; off > -4097; off -= 4097 {
		at(max(off, 0), 4097)
	}
	r := rand.New(rand.NewPCG(uint64(size), 7))
	for range 200 {
		at(r.Int64N(size+10), 1+r.IntN(9000))
	}
	for _, off := range []int64{0, 1, size / 2, size - 1} {
		if off >= 0 {
			at(off, 1)
		}
	}
	at(size, 100)
	at(size+12345, 100)
}

// excerpt shortens s for messages.
func excerpt(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%q...", s[:24])
	}
	return fmt.Sprintf("%q", s)
}

func checkWriteRead(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	name := k.work(t, v) + "/data"
	want := pattern(300_001, 1)
	h, _, err := v.Create(k.ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Exclusive: true})
	if err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	// Write out of order: odd chunks, then even ones.
	const chunk = 7001
	for pass := range 2 {
		for i, off := 0, 0; off < len(want); i, off = i+1, off+chunk {
			if i%2 == pass {
				k.writeAt(t, h, string(want[off:min(off+chunk, len(want))]), int64(off))
			}
		}
	}
	if err := h.Close(k.ctx, 1); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := h.Sync(k.ctx, false); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if got := k.readAll(t, h); got != string(want) {
		t.Fatalf("%s: read back %d bytes that differ from the %d written", name, len(got), len(want))
	}
	k.checkReads(t, h, want)
	h2, err := v.Open(k.ctx, name, fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer h2.Release(k.ctx)
	k.checkReads(t, h2, want)
	if fi := k.stat(t, v, name); fi.Size != int64(len(want)) {
		t.Errorf("Stat %s: size %d, want %d", name, fi.Size, len(want))
	}
}

func checkSizeAndTimes(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	name := k.work(t, v) + "/grow"
	k.writeFile(t, v, name, "")
	g := k.opts.TimeGranularity
	fi := k.stat(t, v, name)
	if fi.Size != 0 {
		t.Errorf("Stat of a new file: size %d, want 0", fi.Size)
	}
	// A write that leaves LastWriteTime as it was is caught below only once the
	// clock is past the creation time by more than the slack the check allows; on
	// a coarse clock (Windows ticks every 15.6 ms) the first write could otherwise
	// begin within the tick the file was made in.
	k.waitClockPast(t, fi.LastWriteTime.Add(g+k.opts.ClockLag))
	h, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	for _, step := range []struct {
		off  int64
		data string
		size int64
	}{{0, "0123456789", 10}, {100, "x", 101}, {50, "yy", 101}} {
		before := time.Now()
		k.writeAt(t, h, step.data, step.off)
		for _, how := range []string{"Stat", "handle Stat"} {
			var fi fs.FileInfo
			if how == "Stat" {
				fi = k.stat(t, v, name)
			} else if fi, err = h.Stat(k.ctx); err != nil {
				t.Fatalf("handle Stat: %v", err)
			}
			if fi.Size != step.size {
				t.Errorf("after writing %d bytes at %d, %s: size %d, want %d", len(step.data), step.off, how, fi.Size, step.size)
			}
			if fi.LastWriteTime.Before(before.Add(-g - k.opts.ClockLag)) {
				t.Errorf("after writing at %d, %s: LastWriteTime %v is before the write began (%v; Options.TimeGranularity %v, ClockLag %v)",
					step.off, how, fi.LastWriteTime, before, g, k.opts.ClockLag)
			}
		}
	}
	want := "0123456789" + strings.Repeat("\x00", 40) + "yy" + strings.Repeat("\x00", 48) + "x"
	if got := k.readAll(t, h); got != want {
		t.Errorf("%s holds %s, want %s (the gap reads as zeros)", name, excerpt(got), excerpt(want))
	}
}

func checkTruncate(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	name := k.work(t, v) + "/trunc"
	k.writeFile(t, v, name, "hello world")
	set := func(size int64, want string, how string) {
		t.Helper()
		fi, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeSize, Size: size})
		if err != nil {
			t.Fatalf("%s to %d: %v", how, size, err)
		}
		if fi.Size != size {
			t.Errorf("%s to %d: the reply says size %d", how, size, fi.Size)
		}
		if got := k.readFile(t, v, name); got != want {
			t.Errorf("after %s to %d: %s, want %s", how, size, excerpt(got), excerpt(want))
		}
	}
	set(5, "hello", "truncate")
	set(20, "hello"+strings.Repeat("\x00", 15), "extending truncate")
	set(0, "", "truncate")
	k.writeFile(t, v, name, "abcdef")
	h, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: 3}); err != nil {
		t.Fatalf("ftruncate to 3: %v", err)
	}
	if got := k.readAll(t, h); got != "abc" {
		t.Errorf("after ftruncate to 3: %q, want %q", got, "abc")
	}
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: 6}); err != nil {
		t.Fatalf("ftruncate to 6: %v", err)
	}
	if got := k.readAll(t, h); got != "abc\x00\x00\x00" {
		t.Errorf("after ftruncate to 3 and back to 6: %q, want %q (the old bytes must not come back)", got, "abc\x00\x00\x00")
	}
	h2, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, fs.OpenTruncate)
	if err != nil {
		t.Fatalf("Open with OpenTruncate: %v", err)
	}
	defer h2.Release(k.ctx)
	if fi := k.stat(t, v, name); fi.Size != 0 {
		t.Errorf("after Open with OpenTruncate: size %d, want 0", fi.Size)
	}
}

func checkSparse(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	name := k.work(t, v) + "/sparse"
	const off = 1 << 20
	k.writeFile(t, v, name, "")
	h, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	k.writeAt(t, h, "end", off)
	if fi := k.stat(t, v, name); fi.Size != off+3 {
		t.Errorf("after writing 3 bytes at %d into an empty file: size %d, want %d", off, fi.Size, off+3)
	}
	want := append(make([]byte, off), "end"...)
	k.checkReads(t, h, want)
}

func checkAppend(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	name := k.work(t, v) + "/log"
	k.writeFile(t, v, name, "abc")
	ha, err := v.Open(k.ctx, name, fs.AccessWrite, fs.OpenAppend)
	if err != nil {
		t.Fatalf("Open with OpenAppend: %v", err)
	}
	defer ha.Release(k.ctx)
	hw, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer hw.Release(k.ctx)
	k.writeAt(t, ha, "d", 3)
	k.writeAt(t, hw, "XY", 4)
	// The append handle's idea of the end (5) is stale: the write goes to the end.
	k.writeAt(t, ha, "e", 5)
	if got := k.readAll(t, hw); got != "abcdXYe" {
		t.Errorf("appending through an OpenAppend handle while another handle writes: %q, want %q (every write of an append handle goes to the end)", got, "abcdXYe")
	}
}

func checkUnlinkOpen(t TB, k *kit) {
	k.need(t, "write")
	k.need(t, "delete")
	v := k.vol(t)
	dir := k.work(t, v)
	name := dir + "/doomed"
	k.writeFile(t, v, name, "data")
	h, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	before := len(v.rec.FilesNamed(name))
	if err := v.Remove(k.ctx, name, false); err != nil {
		t.Fatalf("unlink of an open file: %v", err)
	}
	_, err = v.Stat(k.ctx, name)
	wantErr(t, "Stat after unlink", err, fs.ErrNotExist)
	if l := names(k.list(t, v, dir)); contains(l, "doomed") {
		t.Errorf("listing after unlink still holds the file: %v", l)
	}
	if got, err := k.readAllErr(h); err != nil || got != "data" {
		t.Fatalf("reading an unlinked open file: %q, %v; want %q (its handles keep working with the FileContext)", got, err, "data")
	}
	if fi, err := h.Stat(k.ctx); err != nil {
		t.Errorf("Stat of an unlinked open file's handle: %v (OnGetFileInfo gets the FileContext)", err)
	} else if fi.Size != 4 {
		t.Errorf("Stat of an unlinked open file's handle: size %d, want 4", fi.Size)
	}
	k.writeAt(t, h, "more", 4)
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: 6}); err != nil {
		t.Errorf("ftruncate of an unlinked open file: %v", err)
	}
	// A new file of the same name is another file.
	k.writeFile(t, v, name, "new file")
	if got := k.readAll(t, h); got != "datamo" {
		t.Errorf("reading an unlinked open file after writes, a truncate and a new file of its name: %q, want %q", got, "datamo")
	}
	k.wantContent(t, v, name, "new file", "unlinking an open file and making a new one of its name")
	h.Release(k.ctx)
	recs := v.rec.FilesNamed(name)
	if len(recs) > before-1 && before > 0 {
		if r := recs[before-1]; r.Closes != 1 || !r.PendingDeletion {
			t.Errorf("OnCloseFile of the unlinked file: %d calls, PendingDeletion %v; want 1 call with PendingDeletion", r.Closes, r.PendingDeletion)
		}
	}
}

func checkConcurrent(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	dir := k.work(t, v)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	fail := func(format string, args ...any) {
		mu.Lock()
		errs = append(errs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var lister sync.WaitGroup
	stop := make(chan struct{})
	lister.Add(1)
	go func() {
		defer lister.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			l, err := listVolume(k.ctx, v.Volume, dir)
			if err != nil {
				fail("listing %s: %v", dir, err)
				return
			}
			seen := map[string]bool{}
			for _, fi := range l {
				if seen[fi.Name] {
					fail("listing %s during changes: %q twice", dir, fi.Name)
					return
				}
				seen[fi.Name] = true
			}
		}
	}()
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				name := fmt.Sprintf("%s/w%d-%d", dir, w, i)
				data := pattern(1000+i*100, uint64(w*100+i))
				h, _, err := v.Create(k.ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Exclusive: true})
				if err != nil {
					fail("Create %s: %v", name, err)
					return
				}
				if n, err := h.Write(k.ctx, data, 0); err != nil || n != len(data) {
					fail("Write %s: %d, %v", name, n, err)
				}
				buf := make([]byte, len(data)+1)
				if n, err := h.Read(k.ctx, buf, 0); err != nil || !bytes.Equal(buf[:n], data) {
					fail("Read %s: %d bytes, %v; want the %d written", name, n, err, len(data))
				}
				h.Release(k.ctx)
				if k.has.del && i%2 == 0 {
					if err := v.Remove(k.ctx, name, false); err != nil {
						fail("Remove %s: %v", name, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	lister.Wait()
	for _, e := range errs {
		t.Errorf("concurrent use: %s", e)
	}
	want := 8 * 20
	if k.has.del {
		want = 8 * 10
	}
	if l := k.list(t, v, dir); len(l) != want {
		t.Errorf("after 8 concurrent writers: %d entries in %s, want %d", len(l), dir, want)
	}
}

// waitClockPast waits until time.Now is after when, for at most a second more
// than the slack the options allow; a time further ahead of the clock is an error.
func (k *kit) waitClockPast(t TB, when time.Time) {
	t.Helper()
	limit := time.Now().Add(time.Second + k.opts.TimeGranularity + k.opts.ClockLag)
	for !time.Now().After(when) {
		if time.Now().After(limit) {
			t.Fatalf("the clock (%v) did not pass %v: a time the backend stamped is ahead of it", time.Now(), when)
		}
		time.Sleep(time.Millisecond)
	}
}
