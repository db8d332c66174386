//go:build unix

package vault_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
)

// The crash test: a child process (this test binary again) changes files of a
// vault and says on stdout what it is about to do ("b") and when it is done and
// durable ("e": after fsync, or after close); the parent kills it with SIGKILL at
// a random moment, checks the vault, and compares it with its model: every change
// acknowledged is there, and each file is either as last acknowledged or as the
// change in flight made it, never torn.

const (
	crashEnv   = "ANYFS_VAULT_CRASH_CHILD" // the vault the child works on
	crashFiles = 12
	crashRound = 50
)

// crashSize is the size of file i: the first spans several chunks.
func crashSize(i int) int {
	if i == 0 {
		return 3*vault.ChunkSize + 777
	}
	return 1000 + 2500*i
}

// crashContent is generation g of file i: the generation in its first 8 bytes,
// then a pattern of both.
func crashContent(i, g int) []byte {
	b := make([]byte, crashSize(i))
	binary.LittleEndian.PutUint64(b, uint64(g))
	for k := 8; k < len(b); k++ {
		b[k] = byte(k*31 + i*7 + g*13)
	}
	return b
}

// crashState is a file's state in the model: absent, or generation gen (0:
// empty).
type crashState struct {
	exists bool
	gen    int
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("the child of TestCrash")
	}
	f, err := vault.Open(path, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	v := fs.NewVolume(f, nil)
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	die := func(err error) {
		say("error %v", err)
		os.Exit(2)
	}
	// A file unlinked while open, with data: an orphan at the crash.
	h, _, err := v.Create(ctx, "/orphan", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		die(err)
	}
	if _, err := h.Write(ctx, pattern(100000, 5), 0); err != nil {
		die(err)
	}
	if err := h.Sync(ctx, false); err != nil {
		die(err)
	}
	if err := v.Remove(ctx, "/orphan", false); err != nil {
		die(err)
	}
	gens := map[int]int{}
	for i := range crashFiles {
		hh, err := v.Open(ctx, "/f"+strconv.Itoa(i), fs.AccessRead, 0)
		if err != nil {
			continue
		}
		var hdr [8]byte
		if _, err := hh.Read(ctx, hdr[:], 0); err != nil {
			die(err)
		}
		hh.Release(ctx)
		gens[i] = int(binary.LittleEndian.Uint64(hdr[:]))
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for {
		i := rnd.IntN(crashFiles)
		name := "/f" + strconv.Itoa(i)
		g, exists := gens[i]
		if exists && rnd.IntN(5) == 0 {
			say("b d %d", i)
			if err := v.Remove(ctx, name, false); err != nil {
				die(err)
			}
			d, err := v.Open(ctx, "/", fs.AccessRead, fs.OpenDirectory)
			if err != nil {
				die(err)
			}
			if err := d.Sync(ctx, false); err != nil {
				die(err)
			}
			d.Release(ctx)
			delete(gens, i)
			say("e")
			continue
		}
		g++
		say("b w %d %d", i, g)
		h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			die(err)
		}
		if _, err := h.Write(ctx, crashContent(i, g), 0); err != nil {
			die(err)
		}
		if rnd.IntN(2) == 0 {
			if err := h.Sync(ctx, false); err != nil {
				die(err)
			}
		}
		if err := h.Close(ctx, 0); err != nil { // close(2)
			die(err)
		}
		if err := h.Release(ctx); err != nil {
			die(err)
		}
		gens[i] = g
		say("e")
	}
}

// TestCrash kills a writing child crashRound times and checks the vault after
// each kill.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	path := filepath.Join(t.TempDir(), "crash.vault")
	makeVault(t, path)
	model := map[int]crashState{}
	rnd := rand.New(rand.NewPCG(1, 2))
	acked := 0
	for round := range crashRound {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1000)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Kill after the child has made at least one change, at a random moment.
		var inFlight string
		wait := time.Duration(rnd.IntN(120)) * time.Millisecond
		deadline := time.After(30 * time.Second)
		var killAt <-chan time.Time
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				switch {
				case strings.HasPrefix(l, "error"):
					t.Fatalf("round %d: child: %s\n%s", round, l, stderr.String())
				case strings.HasPrefix(l, "b "):
					inFlight = l
				case l == "e":
					applyCrashOp(model, inFlight)
					inFlight = ""
					acked++
					if killAt == nil {
						killAt = time.After(wait)
					}
				}
			case <-killAt:
				cmd.Process.Kill()
				killAt = nil
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: the child made no change in 30s\n%s", round, stderr.String())
			}
		}
		cmd.Wait()
		r, err := vault.Check(path)
		if err != nil {
			t.Fatalf("round %d: check: %v", round, err)
		}
		if len(r.Problems) > 0 {
			t.Fatalf("round %d: check:\n%s", round, r)
		}
		if r.Orphans != 1 {
			t.Errorf("round %d: %d orphans after the crash, want the one the child left", round, r.Orphans)
		}
		// What the change in flight did is what the next round starts from.
		model = verifyCrash(t, round, path, model, inFlight)
	}
	if acked < crashRound {
		t.Errorf("only %d changes acknowledged in %d rounds", acked, crashRound)
	}
	r, err := vault.Check(path)
	if err != nil || len(r.Problems) > 0 || r.Orphans != 0 {
		t.Errorf("final check (orphans removed by the last open): %v, %v", r, err)
	}
}

// applyCrashOp applies the change line op ("b w I G" or "b d I") to model.
func applyCrashOp(model map[int]crashState, op string) {
	f := strings.Fields(op)
	if len(f) < 3 {
		return
	}
	i, _ := strconv.Atoi(f[2])
	if f[1] == "d" {
		model[i] = crashState{}
		return
	}
	g, _ := strconv.Atoi(f[3])
	model[i] = crashState{exists: true, gen: g}
}

// verifyCrash compares the vault with the model, and returns the vault's state;
// the file of the change in flight may also be as that change left it.
func verifyCrash(t *testing.T, round int, path string, model map[int]crashState, inFlight string) map[int]crashState {
	t.Helper()
	f, err := vault.Open(path, nil)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
	}()
	v := fs.NewVolume(f, nil)
	if _, err := v.Stat(ctx, "/orphan"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("round %d: the unlinked file has a name again: %v", round, err)
	}
	flight := map[int]crashState{}
	applyCrashOp(flight, inFlight)
	seen := map[int]crashState{}
	for i := range crashFiles {
		name := "/f" + strconv.Itoa(i)
		allowed := []crashState{model[i]}
		if s, ok := flight[i]; ok {
			allowed = append(allowed, s)
			if s.exists && !model[i].exists {
				// Created, not yet written: the create is a commit of its own.
				allowed = append(allowed, crashState{exists: true, gen: 0})
			}
		}
		var got crashState
		var data []byte
		if _, err := v.Stat(ctx, name); err == nil {
			data = readFile(t, v, name)
			got = crashState{exists: true, gen: -1}
			if len(data) == 0 {
				got.gen = 0
			} else if len(data) >= 8 {
				if g := int(binary.LittleEndian.Uint64(data)); bytes.Equal(data, crashContent(i, g)) {
					got.gen = g
				}
			}
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == got
		}
		if !ok {
			t.Fatalf("round %d: %s is %+v (%d bytes), want one of %+v (in flight: %q)", round, name, got, len(data), allowed, inFlight)
		}
		seen[i] = got
	}
	return seen
}
