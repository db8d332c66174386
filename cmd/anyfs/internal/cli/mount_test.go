package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/shared"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// testFactory returns a Factory with buffers for output, the real backend
// table, both adapters "compiled in", and a Mount and Unmount that fail the test.
func testFactory(t *testing.T) (f *Factory, out, errOut *bytes.Buffer) {
	t.Helper()
	out, errOut = new(bytes.Buffer), new(bytes.Buffer)
	f = &Factory{
		In:       strings.NewReader(""),
		Out:      out,
		ErrOut:   errOut,
		Backends: DefaultBackends(),
		Mount: func(v *fs.Volume, mnt, adapter string, o *mountopt.Options) (mountopt.Server, error) {
			t.Errorf("Mount(%q, %q) called", mnt, adapter)
			return nil, errors.New("test: no mounting")
		},
		Unmount: func(mnt string) error {
			t.Errorf("Unmount(%q) called", mnt)
			return errors.New("test: no unmounting")
		},
		Adapters: func() []string { return []string{adapters.Default(), otherAdapter()} },
	}
	return f, out, errOut
}

func otherAdapter() string {
	if adapters.Default() == adapters.GoFUSE {
		return adapters.CgoFUSE
	}
	return adapters.GoFUSE
}

func TestNewCmdMountFlags(t *testing.T) {
	dflt := MountOptions{Backend: "mem", MountPoint: "mnt", AttrTimeout: time.Second, EntryTimeout: time.Second,
		UnmountTimeout: DefaultUnmountTimeout, LogFormat: "text", DefaultPermissions: true}
	with := func(change func(o *MountOptions)) MountOptions {
		o := dflt
		change(&o)
		return o
	}
	tests := []struct {
		name    string
		args    []string
		want    MountOptions
		wantErr string
	}{
		{name: "mount point only", args: []string{"mnt"}, want: dflt},
		{name: "backend and mount point", args: []string{"passthrough:/srv/x", "mnt"},
			want: with(func(o *MountOptions) { o.Backend = "passthrough:/srv/x" })},
		{name: "backend arg with colons", args: []string{`passthrough:C:\data`, "mnt"},
			want: with(func(o *MountOptions) { o.Backend = `passthrough:C:\data` })},
		{name: "flags after arguments", args: []string{"mem", "mnt", "--read-only"},
			want: with(func(o *MountOptions) { o.ReadOnly = true })},
		{name: "every bool", args: []string{"--read-only", "--debug", "--allow-other", "--allow-non-empty", "--case-insensitive", "--allow-stacking", "mnt"},
			want: with(func(o *MountOptions) {
				o.ReadOnly, o.Debug, o.AllowOther, o.AllowNonEmpty, o.CaseInsensitive, o.AllowStacking = true, true, true, true, true, true
			})},
		{name: "unmount timeout", args: []string{"--unmount-timeout", "30s", "mnt"},
			want: with(func(o *MountOptions) { o.UnmountTimeout = 30 * time.Second })},
		{name: "volname", args: []string{"--volname", "My Disk", "mnt"},
			want: with(func(o *MountOptions) { o.VolName = "My Disk" })},
		{name: "timeouts", args: []string{"--attr-timeout", "10s", "--entry-timeout=1m", "--negative-timeout", "250ms", "mnt"},
			want: with(func(o *MountOptions) {
				o.AttrTimeout, o.EntryTimeout, o.NegativeTimeout = 10*time.Second, time.Minute, 250*time.Millisecond
			})},
		{name: "timeouts off", args: []string{"--attr-timeout=0", "--entry-timeout", "0s", "mnt"},
			want: with(func(o *MountOptions) { o.AttrTimeout, o.EntryTimeout = 0, 0 })},
		{name: "raw options repeat", args: []string{"-o", "noatime", "--option", "fsname=x,ro", "mnt"},
			want: with(func(o *MountOptions) { o.RawOptions = []string{"noatime", "fsname=x,ro"} })},
		{name: "adapter", args: []string{"--adapter", "cgofuse", "mnt"},
			want: with(func(o *MountOptions) { o.Adapter = "cgofuse" })},
		{name: "max file size", args: []string{"--max-file-size", "2G", "mnt"},
			want: with(func(o *MountOptions) { o.MaxFileSize = 2 << 30 })},
		{name: "max file size bytes", args: []string{"--max-file-size=1000", "mnt"},
			want: with(func(o *MountOptions) { o.MaxFileSize = 1000 })},
		{name: "service", args: []string{"--daemon", "--log-file", "/var/log/anyfs.log", "--log-format=json", "mnt"},
			want: with(func(o *MountOptions) { o.Daemon, o.LogFile, o.LogFormat = true, "/var/log/anyfs.log", "json" })},

		{name: "no arguments", args: nil, wantErr: "missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)"},
		{name: "backend without mount point", args: []string{"mem"}, wantErr: "missing mount point after backend mem"},
		{name: "backend with arg without mount point", args: []string{"passthrough:/srv"}, wantErr: "missing mount point after backend passthrough:/srv"},
		{name: "three arguments", args: []string{"mem", "a", "b"}, wantErr: "too many arguments"},
		{name: "bad duration", args: []string{"--attr-timeout", "soon", "mnt"}, wantErr: `invalid argument "soon" for "--attr-timeout"`},
		{name: "bad size", args: []string{"--max-file-size", "-1", "mnt"}, wantErr: `bad size "-1"`},
		{name: "unknown flag", args: []string{"--bogus", "mnt"}, wantErr: "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory(t)
			var got *MountOptions
			cmd := NewCmdMount(f, func(o *MountOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(new(bytes.Buffer))
			cmd.SetErr(new(bytes.Buffer))
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if got != nil {
					t.Fatalf("runF called for bad input: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Factory != f {
				t.Errorf("Factory not passed through")
			}
			got.Factory, got.flags = nil, nil
			if tt.want.Shared == (SharedFlags{}) { // the cases that set no shared-volume flag
				tt.want.Shared = SharedFlags{SessionTTL: shared.DefaultSessionTTL, Outage: "eio"}
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options:\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// TestMountBadInput runs the real mountRun with inputs it must refuse before
// mounting, and checks the one-line message and the exit code.
func TestMountBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	full := filepath.Join(dir, "full")
	file := filepath.Join(dir, "file")
	missing := filepath.Join(dir, "missing")
	for _, d := range []string{empty, full} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{file, filepath.Join(full, "x")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A mount point that is fine on this OS, to show the other checks come first.
	good := empty
	if runtime.GOOS == "windows" {
		good = missing
	}

	tests := []struct {
		name     string
		args     []string
		adapters []string // nil: both
		want     string   // the whole stderr line
		code     int
		goos     string // run only there ("!windows" for all but Windows)
	}{
		{name: "missing mount point", args: []string{"mount"}, code: exitUsage,
			want: "anyfs: missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)"},
		{name: "only a backend", args: []string{"mount", "mem"}, code: exitUsage,
			want: "anyfs: missing mount point after backend mem (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)"},
		{name: "empty mount point", args: []string{"mount", "mem", ""}, code: exitUsage,
			want: "anyfs: missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)"},
		{name: "unknown backend", args: []string{"mount", "nosuch:arg", good}, code: exitError,
			want: `anyfs: unknown backend "nosuch" (known backends: mem, passthrough, shared, dir, zip, vault; see: anyfs backends)`},
		{name: "backend needs argument", args: []string{"mount", "passthrough", good}, code: exitError,
			want: "anyfs: backend passthrough needs an argument: passthrough:DIR"},
		{name: "backend takes no argument", args: []string{"mount", "mem:x", good}, code: exitError,
			want: `anyfs: backend mem takes no argument (got "mem:x")`},
		{name: "backend fails to open", args: []string{"mount", "passthrough:" + missing, good}, code: exitError,
			want: "anyfs: backend passthrough:" + missing + ": passthrough: "},
		{name: "unknown adapter", args: []string{"mount", "--adapter", "kfuse", good}, code: exitUsage,
			want: `anyfs: unknown adapter "kfuse" (known adapters: gofuse, cgofuse)`},
		{name: "adapter not compiled in", args: []string{"mount", "--adapter", otherAdapter(), good},
			adapters: []string{adapters.Default()}, code: exitError,
			want: "anyfs: adapter " + otherAdapter() + " is not compiled into this anyfs (available: " + adapters.Default() + "); " + mountopt.AdapterHint(otherAdapter())},
		{name: "no adapter at all", args: []string{"mount", good}, adapters: []string{}, code: exitError,
			want: "anyfs: no FUSE adapter is compiled into this anyfs for " + runtime.GOOS},
		{name: "negative unmount timeout", args: []string{"mount", "--unmount-timeout", "-1s", good}, code: exitUsage,
			want: "anyfs: --unmount-timeout -1s: a duration of 0 or more"},
		{name: "old process mode syntax", args: []string{"mount", "--allow-process", "cat/read", good}, code: exitUsage,
			want: `anyfs: --allow-process "cat/read": a program is a name (cat) or an absolute path (/usr/bin/cat), and read or write comes after = (cat=read)`},
		{name: "bad process mode", args: []string{"mount", "--deny-process", "cat=exec", good}, code: exitUsage,
			want: `anyfs: --deny-process "cat=exec": after = comes read, write or rw`},
		{name: "missing program", args: []string{"mount", "--allow-process", missing, good}, code: exitUsage,
			want: `anyfs: --allow-process "` + missing + `": the program ` + missing + `: `},
		{name: "owner option on mem", args: []string{"mount", "-o", "uid=0", good}, code: exitUsage,
			want: `anyfs: --uid: backend mem stores each file's owner and mode (set them with chown and chmod); --uid, --gid, --umask, --file-mode and --dir-mode are for backends without owners, such as dir and zip`},
		{name: "umask on passthrough", args: []string{"mount", "--umask", "022", "passthrough:" + dir, good}, code: exitUsage,
			want: `anyfs: --umask: backend passthrough stores each file's owner and mode (map the host's ids with --map-uid HOST:MOUNT and --map-gid HOST:MOUNT)`},
		{name: "map on dir", args: []string{"mount", "--map-gid", "1:2", "dir:" + dir, good}, code: exitUsage,
			want: `anyfs: --map-gid: backend dir stores no owners to map; give every file one with --uid and --gid`},
		{name: "bad map", args: []string{"mount", "--map-uid", "1000", "passthrough:" + dir, good}, code: exitUsage,
			want: `anyfs: --map-uid "1000": HOST:MOUNT, two numeric ids (1000:0)`},
		{name: "map twice", args: []string{"mount", "--map-uid", "1:2", "--map-uid", "3:2", "passthrough:" + dir, good}, code: exitUsage,
			want: `anyfs: --map-uid "3:2": each host id and each mount id may appear once`},
		{name: "uid twice", args: []string{"mount", "--uid", "1", "-o", "uid=2", "dir:" + dir, good}, code: exitUsage,
			want: `anyfs: -o uid= and --uid both given`},
		{name: "bad -o umask", args: []string{"mount", "-o", "umask=9", "dir:" + dir, good}, code: exitUsage,
			want: `anyfs: -o umask=9: not an octal mode from 0 to 7777`},
		{name: "bad uid", args: []string{"mount", "--uid", "me", "dir:" + dir, good}, code: exitUsage,
			want: `anyfs: invalid argument "me" for "--uid" flag: not a numeric id`},
		{name: "bad file mode", args: []string{"mount", "--file-mode", "10000", "dir:" + dir, good}, code: exitUsage,
			want: `anyfs: invalid argument "10000" for "--file-mode" flag: not an octal mode from 0 to 7777`},
		{name: "unknown option", args: []string{"mount", "-o", "noatime,bogus", good}, goos: "linux", code: exitUsage,
			want: `anyfs: -o: mount option "bogus" is unknown (anyfs understands fsname=, subtype=, allow_other,`},
		{name: "bad log format", args: []string{"mount", "--log-format", "xml", good}, code: exitUsage,
			want: `anyfs: --log-format "xml": text or json`},
		{name: "empty fsname", args: []string{"mount", "-o", "fsname=", good}, goos: "linux", code: exitUsage,
			want: `anyfs: -o: mount option "fsname=" needs a value: fsname=NAME`},

		{name: "mount point missing", args: []string{"mount", "mem", missing}, goos: "!windows", code: exitError,
			want: "anyfs: mount point " + missing + " does not exist (create it with: mkdir -p " + missing + ")"},
		{name: "mount point is a file", args: []string{"mount", file}, goos: "!windows", code: exitError,
			want: "anyfs: mount point " + file + " is not a directory"},
		{name: "mount point not empty", args: []string{"mount", "mem", full}, goos: "!windows", code: exitError,
			want: "anyfs: mount point " + full + " is not empty (use --allow-non-empty to mount over it)"},

		{name: "mount point exists", args: []string{"mount", "mem", empty}, goos: "windows", code: exitError,
			want: "anyfs: mount point " + empty + " already exists; on Windows WinFsp creates it, so give a path that does not exist yet or a free drive letter (X:)"},
		{name: "mount point parent missing", args: []string{"mount", "mem", filepath.Join(missing, "x")}, goos: "windows", code: exitError,
			want: "anyfs: mount point " + filepath.Join(missing, "x") + ": its parent directory " + missing + " does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.goos == "!windows" && runtime.GOOS == "windows",
				tt.goos != "" && tt.goos[0] != '!' && tt.goos != runtime.GOOS:
				t.Skipf("checks a %s rule", tt.goos)
			}
			f, out, errOut := testFactory(t)
			if tt.adapters != nil {
				f.Adapters = func() []string { return tt.adapters }
			}
			code := run(context.Background(), f, tt.args)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			got := errOut.String()
			if strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, tt.want) {
				t.Errorf("stderr:\n got %q\nwant one line starting with %q", got, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
}

func TestMountAllowNonEmpty(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("WinFsp mount points must not exist")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := checkMountPoint(dir, true, false)
	if err != nil || got != dir {
		t.Fatalf("checkMountPoint(%q, true) = %q, %v", dir, got, err)
	}
}

// TestMountErrorsFromAdapter checks what the user sees when adapters.Mount fails.
func TestMountErrorsFromAdapter(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no FUSE, with advice", fmt.Errorf("%w: /dev/fuse: no such device: install fuse3", mountopt.ErrNoFUSE),
			": FUSE is not available: /dev/fuse: no such device: install fuse3\n"},
		{"no FUSE, no advice", fmt.Errorf("%w: /dev/fuse missing", mountopt.ErrNoFUSE),
			": FUSE is not available: /dev/fuse missing; " + mountopt.InstallHint + "\n"},
		{"no adapter", fmt.Errorf("%w: built without it", mountopt.ErrNoAdapter),
			": adapter not available: built without it\n"},
		{"multi-line error", errors.New("fusermount3: failed\nbecause of reasons"),
			": fusermount3: failed because of reasons\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errOut := testFactory(t)
			f.Mount = func(*fs.Volume, string, string, *mountopt.Options) (mountopt.Server, error) { return nil, tt.err }
			mnt := mountableDir(t)
			if code := run(context.Background(), f, []string{"mount", mnt}); code != exitError {
				t.Errorf("exit code %d, want %d", code, exitError)
			}
			want := "anyfs: cannot mount " + mnt + tt.want
			if got := errOut.String(); got != want {
				t.Errorf("stderr:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// mountableDir returns a mount point that passes checkMountPoint on this OS.
func mountableDir(t *testing.T) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(t.TempDir(), "mnt")
	}
	return t.TempDir()
}

// fakeServer is an mountopt.Server whose unmounts the test scripts.
type fakeServer struct {
	mnt      string
	once     sync.Once
	stopped  chan struct{}
	unmounts chan chan error // each Unmount call sends a channel and returns what it receives
	busy     atomic.Bool     // Unmount fails at once with errBusy
	forced   atomic.Int32    // ForceUnmount calls
	hangs    chan struct{}   // ForceUnmount blocks until it is closed; nil: it does not
}

var errBusy = errors.New("device or resource busy")

func newFakeServer(mnt string) *fakeServer {
	return &fakeServer{mnt: mnt, stopped: make(chan struct{}), unmounts: make(chan chan error)}
}

func (s *fakeServer) MountPoint() string { return s.mnt }
func (s *fakeServer) Wait()              { <-s.stopped }
func (s *fakeServer) stop()              { s.once.Do(func() { close(s.stopped) }) }
func (s *fakeServer) Unmount() error {
	if s.busy.Load() {
		return errBusy
	}
	reply := make(chan error)
	s.unmounts <- reply
	err := <-reply
	if err == nil {
		s.stop()
	}
	return err
}

func (s *fakeServer) ForceUnmount() error {
	s.forced.Add(1)
	if s.hangs != nil {
		<-s.hangs
	}
	s.stop()
	return nil
}

// TestMountServes mounts through a fake adapter and checks what mountRun hands
// it, the "serving" line, and a clean exit when the context ends.
func TestMountServes(t *testing.T) {
	f, _, errOut := testFactory(t)
	mnt := mountableDir(t)
	srv := newFakeServer(mnt)
	var (
		gotVol  fs.Options
		gotOpts mountopt.Options
		gotAd   string
	)
	mounted := make(chan struct{})
	f.Mount = func(v *fs.Volume, m, adapter string, o *mountopt.Options) (mountopt.Server, error) {
		if m != mnt {
			t.Errorf("mount point %q, want %q", m, mnt)
		}
		gotVol, gotOpts, gotAd = v.Options(), *o, adapter
		close(mounted)
		return srv, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, f, []string{"mount", "--read-only", "--attr-timeout", "0", "--entry-timeout", "5s",
			"--volname", "vol", "--max-file-size", "1M", "--allow-other", "--debug", "-o", "noatime,ro", "-o", "fsname=data",
			"--adapter", adapters.Default(), "mem", mnt})
	}()
	<-mounted
	cancel()
	(<-srv.unmounts) <- nil
	if code := <-done; code != exitOK {
		t.Errorf("exit code %d; stderr:\n%s", code, errOut)
	}

	if !gotVol.ReadOnly || gotVol.VolumeLabel != "vol" || gotVol.MaxFileSize != 1<<20 || !gotVol.Trace ||
		gotVol.AttrTimeout >= 0 || gotVol.EntryTimeout != 5*time.Second || gotVol.NegativeTimeout != 0 {
		t.Errorf("volume options %+v", gotVol)
	}
	if !gotOpts.AllowOther || !gotOpts.Debug || gotOpts.FSName != "anyfs-mem" ||
		!reflect.DeepEqual(gotOpts.RawOptions, []string{"noatime", "ro", "fsname=data"}) {
		t.Errorf("adapter options %+v", gotOpts)
	}
	if gotAd != adapters.Default() {
		t.Errorf("adapter %q", gotAd)
	}
	serving := fmt.Sprintf("anyfs: serving mem at %s (adapter %s); Ctrl-C to unmount\n", mnt, adapters.Default())
	if !strings.Contains(errOut.String(), serving) || !strings.Contains(errOut.String(), "anyfs: unmounted "+mnt+"\n") {
		t.Errorf("stderr:\n%s\nwant %q and the unmount", errOut, serving)
	}
}

// TestLifecycle drives the stop sequence with a fake server: a clean unmount,
// a busy mount waited for and then detached (at the end of the grace period or
// at a further signal), an unmount from outside, and giving up.
func TestLifecycle(t *testing.T) {
	type env struct {
		srv *fakeServer
		sig chan<- os.Signal
		out *mounttest.SyncBuffer
	}
	type step func(t *testing.T, e env)
	signal := func(s os.Signal) step { return func(t *testing.T, e env) { e.sig <- s } }
	unmountReturns := func(err error) step {
		return func(t *testing.T, e env) { (<-e.srv.unmounts) <- err }
	}
	busy := func(t *testing.T, e env) { e.srv.busy.Store(true) }
	// waitFor polls the output until it holds s, so that the next step does not
	// race with the reaction to the last one.
	waitFor := func(s string) step {
		return func(t *testing.T, e env) {
			for i := 0; !strings.Contains(e.out.String(), s); i++ {
				if i == 2000 {
					t.Fatalf("output %q never got %q", e.out.String(), s)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	stop := func(t *testing.T, e env) { e.srv.stop() }
	tests := []struct {
		name       string
		grace      time.Duration
		hangs      bool // ForceUnmount blocks
		steps      []step
		wantErr    string
		wantOut    []string
		wantForced int32
	}{
		{name: "unmounted from outside", grace: time.Hour,
			steps:   []step{stop},
			wantOut: []string{"anyfs: /mnt was unmounted\n"}},
		{name: "SIGTERM unmounts", grace: time.Hour,
			steps:   []step{signal(syscall.SIGTERM), unmountReturns(nil)},
			wantOut: []string{"anyfs: terminated: unmounting /mnt\n", "anyfs: unmounted /mnt\n"}},
		{name: "SIGHUP unmounts", grace: time.Hour,
			steps:   []step{signal(syscall.SIGHUP), unmountReturns(nil)},
			wantOut: []string{"anyfs: hangup: unmounting /mnt\n", "anyfs: unmounted /mnt\n"}},
		{name: "busy, detached at the end of the grace period", grace: 300 * time.Millisecond,
			steps: []step{busy, signal(syscall.SIGTERM)},
			wantOut: []string{"anyfs: unmount /mnt: device or resource busy (2 files open); waiting up to 300ms for them to close",
				"anyfs: still in use after 300ms: detaching /mnt lazily (2 files open); processes still using it get errors from now on\n",
				"anyfs: unmounted /mnt (detached)\n"},
			wantForced: 1},
		{name: "busy, detached at the second signal", grace: time.Hour,
			steps:      []step{busy, signal(os.Interrupt), waitFor("waiting up to 1h0m0s"), signal(os.Interrupt)},
			wantOut:    []string{"anyfs: interrupt: detaching /mnt lazily", "anyfs: unmounted /mnt (detached)\n"},
			wantForced: 1},
		{name: "busy, then unmounted from outside", grace: time.Hour,
			steps:   []step{busy, signal(syscall.SIGTERM), waitFor("waiting up to"), stop},
			wantOut: []string{"waiting up to", "anyfs: /mnt was unmounted\n"}},
		{name: "unmount hangs, detached at the end of the grace period", grace: 100 * time.Millisecond,
			steps: []step{signal(syscall.SIGTERM), func(t *testing.T, e env) {
				reply := <-e.srv.unmounts // not answered until the test ends
				t.Cleanup(func() { reply <- errors.New("late") })
			}},
			wantOut:    []string{"anyfs: the unmount did not finish within 100ms: detaching /mnt lazily"},
			wantForced: 1},
		{name: "no grace period", grace: 0,
			steps:      []step{busy, signal(syscall.SIGTERM)},
			wantOut:    []string{"detaching /mnt lazily", "anyfs: unmounted /mnt (detached)\n"},
			wantForced: 1},
		{name: "detaching hangs, a further signal gives up", grace: 0, hangs: true,
			steps:      []step{busy, signal(syscall.SIGTERM), waitFor("detaching /mnt lazily"), signal(syscall.SIGTERM)},
			wantErr:    "unmount of /mnt did not finish; gave up (if it stays mounted, run: anyfs unmount /mnt)",
			wantForced: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := make(chan os.Signal)
			e := env{srv: newFakeServer("/mnt"), sig: sig, out: new(mounttest.SyncBuffer)}
			if tt.hangs {
				e.srv.hangs = make(chan struct{})
				defer close(e.srv.hangs)
			}
			l := &lifecycle{srv: e.srv, sig: sig, out: e.out, grace: tt.grace, openFiles: func() int { return 2 }}
			done := make(chan error, 1)
			go func() { done <- l.run(context.Background()) }()
			for _, s := range tt.steps {
				s(t, e)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("the lifecycle did not end")
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("run = %v, want error %q", err, tt.wantErr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(e.out.String(), w) {
					t.Errorf("output %q lacks %q", e.out.String(), w)
				}
			}
			if got := e.srv.forced.Load(); got != tt.wantForced {
				t.Errorf("ForceUnmount called %d times, want %d", got, tt.wantForced)
			}
		})
	}
}

// TestParseProcessRule checks the syntax of --allow-process and --deny-process.
func TestParseProcessRule(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	linked := runtime.GOOS != "windows" && os.Symlink(exe, link) == nil
	rw := fs.AccessRead | fs.AccessWrite
	tests := []struct {
		in      string
		want    fs.AccessRule
		wantErr string
	}{
		{in: "rsync", want: fs.AccessRule{Access: rw, Match: fs.MatchProcessName, ProcessName: "rsync"}},
		{in: "rsync=read", want: fs.AccessRule{Access: fs.AccessRead, Match: fs.MatchProcessName, ProcessName: "rsync"}},
		{in: "rsync=write", want: fs.AccessRule{Access: fs.AccessWrite, Match: fs.MatchProcessName, ProcessName: "rsync"}},
		{in: "rsync=rw", want: fs.AccessRule{Access: rw, Match: fs.MatchProcessName, ProcessName: "rsync"}},
		{in: "pid:42=read", want: fs.AccessRule{Access: fs.AccessRead, Match: fs.MatchPid, Pid: 42}},
		{in: exe, want: fs.AccessRule{Access: rw, Match: fs.MatchProcessName, ProcessName: real}},
		{in: exe + "=read", want: fs.AccessRule{Access: fs.AccessRead, Match: fs.MatchProcessName, ProcessName: real}},
		{in: "cat/read", wantErr: "a program is a name (cat) or an absolute path"},
		{in: "bin/cat", wantErr: "a program is a name (cat) or an absolute path"},
		{in: "=read", wantErr: "the process name is empty"},
		{in: "cat=", wantErr: "after = comes read, write or rw"},
		{in: "pid:x", wantErr: "pid:N needs a process id"},
		{in: "pid:0", wantErr: "pid:N needs a process id"},
	}
	if linked {
		tests = append(tests, struct {
			in      string
			want    fs.AccessRule
			wantErr string
		}{in: link, want: fs.AccessRule{Access: rw, Match: fs.MatchProcessName, ProcessName: real}})
	}
	for _, tt := range tests {
		got, err := parseProcessRule(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseProcessRule(%q) = %+v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseProcessRule(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// TestMountTimeoutDefaults: a timeout flag not given leaves the volume's default
// (long for mem, which owns its names); one given is passed on, 0 as "disabled".
func TestMountTimeoutDefaults(t *testing.T) {
	tests := []struct {
		name             string
		args             []string
		attr, entry, neg time.Duration
	}{
		{"none given", []string{"mem", "mnt"}, 0, 0, 0},
		{"attr given", []string{"--attr-timeout", "1s", "mem", "mnt"}, time.Second, 0, 0},
		{"zero disables", []string{"--entry-timeout", "0", "--negative-timeout", "0", "mnt"}, 0, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory(t)
			var got *MountOptions
			cmd := NewCmdMount(f, func(o *MountOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(new(bytes.Buffer))
			cmd.SetErr(new(bytes.Buffer))
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			vo := got.volumeOptions(nil)
			if vo.AttrTimeout != tt.attr || vo.EntryTimeout != tt.entry || vo.NegativeTimeout != tt.neg {
				t.Errorf("timeouts %v %v %v, want %v %v %v", vo.AttrTimeout, vo.EntryTimeout, vo.NegativeTimeout, tt.attr, tt.entry, tt.neg)
			}
		})
	}
}

// TestMountLogFile mounts through a fake adapter with --log-file in both
// formats: the messages go to the file, not to standard error, and a JSON log
// holds only JSON records.
func TestMountLogFile(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			f, _, errOut := testFactory(t)
			mnt := mountableDir(t)
			logName := filepath.Join(t.TempDir(), "anyfs.log")
			srv := newFakeServer(mnt)
			f.Mount = func(v *fs.Volume, m, adapter string, o *mountopt.Options) (mountopt.Server, error) {
				srv.stop() // unmounted from outside at once
				return srv, nil
			}
			if code := run(context.Background(), f, []string{"mount", "--log-file", logName, "--log-format", format, "mem", mnt}); code != exitOK {
				t.Fatalf("exit code %d; stderr:\n%s", code, errOut)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr not empty with --log-file: %q", errOut)
			}
			data, err := os.ReadFile(logName)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			serving := fmt.Sprintf("serving mem at %s (adapter %s); Ctrl-C to unmount", mnt, adapters.Default())
			if format == "text" {
				if len(lines) != 2 || lines[0] != "anyfs: "+serving || lines[1] != "anyfs: "+mnt+" was unmounted" {
					t.Errorf("log file:\n%s", data)
				}
				return
			}
			var msgs []string
			for _, l := range lines {
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("log line %q is not JSON: %v", l, err)
				}
				msgs = append(msgs, rec.Level+" "+rec.Msg)
			}
			if want := []string{"INFO " + serving, "INFO " + mnt + " was unmounted"}; !reflect.DeepEqual(msgs, want) {
				t.Errorf("log records %q, want %q", msgs, want)
			}
		})
	}
}
