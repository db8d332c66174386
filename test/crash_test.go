//go:build linux

package test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/test/mounttest"
)

// buildCLI builds cmd/anyfs into a temporary directory of t and returns its path;
// the test is skipped when it does not build (yet).
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "anyfs")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/anyfs/anyfs/cmd/anyfs").CombinedOutput()
	if err != nil {
		t.Skipf("no anyfs CLI: go build ./cmd/anyfs: %v\n%s", err, out)
	}
	return bin
}

// cliMount is a running `anyfs mount`.
type cliMount struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when it exited; cmd.ProcessState is then set
}

// startCLIMount runs `anyfs mount args... MNT` and waits until it serves. It returns
// the process; t.Cleanup kills it and removes the mount if the test did not.
func startCLIMount(t *testing.T, bin, mnt string, args ...string) *cliMount {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{"mount"}, args...), mnt)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if mounttest.IsMounted(mnt) {
			adapters.Unmount(mnt)
		}
	})
	ready := make(chan string, 1)
	var log strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if strings.Contains(sc.Text(), "serving") {
				select {
				case ready <- sc.Text():
				default:
				}
			}
		}
	}()
	select {
	case <-ready:
	case <-exited:
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("anyfs mount exited: %v\n%s", cmd.ProcessState, log.String())
	case <-time.After(30 * time.Second):
		t.Fatal("anyfs mount did not say it serves within 30s")
	}
	if !mounttest.IsMounted(mnt) {
		t.Fatalf("anyfs mount says it serves, but %s is not in /proc/mounts", mnt)
	}
	return &cliMount{cmd, exited}
}

// TestCrashCLI kills `anyfs mount passthrough:SRC MNT` with SIGKILL while files are
// being written through the mount; `anyfs unmount MNT` then clears the stale mount,
// and every write that returned before an fsync that returned is in SRC.
func TestCrashCLI(t *testing.T) {
	bin := buildCLI(t)
	if out, err := exec.Command(bin, "backends").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("passthrough")) {
		t.Skipf("the CLI has no passthrough backend: %v\n%s", err, out)
	}
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			if adapter != adapters.Default() {
				// The CLI under test is built without build tags: only its default adapter.
				t.Skipf("the CLI binary is built with the default adapter only")
			}
			crashOnce(t, bin)
		})
	}
}

// crashFile is one file written through the mount, and what is known to be durable.
type crashFile struct {
	name    string
	written []byte // every byte whose write returned, in order (files are written sequentially)
	synced  int    // bytes covered by an fsync that returned
	err     error  // the error that stopped the writer
}

func crashOnce(t *testing.T, bin string) {
	src := t.TempDir()
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	m := startCLIMount(t, bin, mnt, "passthrough:"+src)

	// Files written and synced completely before the crash.
	for i := range 3 {
		data := bytes.Repeat([]byte(fmt.Sprintf("done %d\n", i)), 1000+i)
		p := filepath.Join(mnt, fmt.Sprintf("done%d", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			t.Fatal(err)
		}
		if i != 1 { // one without fsync: written, closed, not synced
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// Writers busy when the server dies: each appends chunks and fsyncs every few.
	files := make([]*crashFile, 4)
	var wg sync.WaitGroup
	started := make(chan struct{}, len(files))
	for i := range files {
		cf := &crashFile{name: fmt.Sprintf("live%d", i)}
		files[i] = cf
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(filepath.Join(mnt, cf.name), os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				cf.err = err
				started <- struct{}{}
				return
			}
			defer f.Close()
			started <- struct{}{}
			for n := 0; ; n++ {
				chunk := bytes.Repeat([]byte{byte('a' + (n+i)%26)}, 4096+n%3*8192)
				if _, err := f.Write(chunk); err != nil {
					cf.err = err
					return
				}
				cf.written = append(cf.written, chunk...)
				if n%(2+i) == 0 {
					if err := f.Sync(); err != nil {
						cf.err = err
						return
					}
					cf.synced = len(cf.written)
				}
				if len(cf.written) > 64<<20 {
					return // bounded, should the kill be slow
				}
			}
		}()
	}
	for range files {
		<-started
	}
	time.Sleep(300 * time.Millisecond)
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("writers still blocked 30s after the server was killed\n%s", allStacks())
	}
	for _, cf := range files {
		t.Logf("%s: %d bytes written, %d synced, stopped by %v", cf.name, len(cf.written), cf.synced, cf.err)
		if cf.synced == 0 {
			t.Errorf("%s: no fsync returned before the kill; the test proves nothing for it", cf.name)
		}
		if cf.err == nil {
			t.Errorf("%s: the writer was not stopped by the kill", cf.name)
		} else if !errors.Is(cf.err, syscall.ENOTCONN) && !errors.Is(cf.err, syscall.ECONNABORTED) {
			t.Logf("%s: stopped by %v (expected ENOTCONN or ECONNABORTED)", cf.name, cf.err)
		}
	}

	// The stale mount: the kernel says "transport endpoint is not connected".
	if _, err := os.Stat(filepath.Join(mnt, "done0")); !errors.Is(err, syscall.ENOTCONN) {
		t.Errorf("stat in the stale mount: %v, want ENOTCONN", err)
	}
	if !mounttest.IsMounted(mnt) {
		t.Fatal("the mount vanished with its server; nothing left to clear")
	}
	out, err := exec.Command(bin, "unmount", mnt).CombinedOutput()
	if err != nil {
		t.Fatalf("anyfs unmount of the stale mount: %v\n%s", err, out)
	}
	if mounttest.IsMounted(mnt) {
		t.Fatalf("%s still mounted after anyfs unmount", mnt)
	}
	if names, err := os.ReadDir(mnt); err != nil || len(names) != 0 {
		t.Fatalf("mount point after unmount: %v, %v", names, err)
	}

	// Durability: every fsync'ed byte is in SRC, byte for byte.
	for i := range 3 {
		want := bytes.Repeat([]byte(fmt.Sprintf("done %d\n", i)), 1000+i)
		got, err := os.ReadFile(filepath.Join(src, fmt.Sprintf("done%d", i)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("done%d in SRC: %d bytes, %v; want the %d written", i, len(got), err, len(want))
		}
	}
	for _, cf := range files {
		got, err := os.ReadFile(filepath.Join(src, cf.name))
		if err != nil {
			t.Errorf("%s in SRC: %v", cf.name, err)
			continue
		}
		if len(got) < cf.synced || !bytes.Equal(got[:cf.synced], cf.written[:cf.synced]) {
			i := 0
			for i < min(len(got), cf.synced) && got[i] == cf.written[i] {
				i++
			}
			t.Errorf("%s in SRC: %d bytes, first difference at %d; %d bytes were fsync'ed", cf.name, len(got), i, cf.synced)
		}
		// Writes that returned without an fsync are on the host too: a passthrough
		// writes through (no kernel write-back cache on the mount). Report, not fail.
		if n := min(len(got), len(cf.written)); len(got) < len(cf.written) || !bytes.Equal(got[:n], cf.written[:n]) {
			t.Logf("%s: %d of %d returned bytes reached SRC (%d fsync'ed)", cf.name, len(got), len(cf.written), cf.synced)
		}
	}
	// The CLI serves SRC again after the crash, with the data.
	mnt2 := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt2, 0o755); err != nil {
		t.Fatal(err)
	}
	m2 := startCLIMount(t, bin, mnt2, "passthrough:"+src)
	wantContents(t, filepath.Join(mnt2, "done0"), strings.Repeat("done 0\n", 1000))
	if out, err := exec.Command(bin, "unmount", mnt2).CombinedOutput(); err != nil {
		t.Fatalf("anyfs unmount: %v\n%s", err, out)
	}
	select {
	case <-m2.exited:
		if code := m2.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("anyfs mount exited with status %d after anyfs unmount", code)
		}
	case <-time.After(10 * time.Second):
		t.Error("anyfs mount still running 10s after anyfs unmount")
	}
}
