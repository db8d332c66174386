package features_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/docs/examples/features"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/faultfs"
)

// The tests check what docs/features.md says about each example.

func caller(uid uint32) context.Context {
	return fs.WithCaller(context.Background(), fs.Caller{Pid: uint32(os.Getpid()), Uid: uid})
}

func create(t *testing.T, ctx context.Context, v *fs.Volume, name, data string) error {
	t.Helper()
	h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite, Exclusive: true})
	if err != nil {
		return err
	}
	defer h.Release(ctx)
	_, err = h.Write(ctx, []byte(data), 0)
	return err
}

func TestRestrictAccess(t *testing.T) {
	v := fs.NewVolume(memfs.New(nil), nil)
	features.RestrictAccess(v)
	if err := create(t, caller(1000), v, "/mine", "data"); err != nil {
		t.Fatalf("uid 1000 creates: %v", err)
	}
	if err := create(t, caller(1001), v, "/theirs", "data"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("uid 1001 creates: %v, want ErrPermission", err)
	}
	if _, err := v.Stat(caller(1001), "/mine"); err != nil {
		t.Errorf("uid 1001 stats: %v, want success (stat is never refused)", err)
	}
	h, err := v.Open(caller(1001), "/mine", fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("uid 1001 opens for reading: %v", err)
	}
	h.Release(context.Background())
	if got := len(v.AccessRules()); got != 2 {
		t.Errorf("%d rules, want 2", got)
	}
}

func TestAudit(t *testing.T) {
	var buf bytes.Buffer
	v := fs.NewVolume(features.Audit{FS: memfs.New(nil), Log: log.New(&buf, "", 0)}, nil)
	if !v.Capabilities().Writable {
		t.Fatal("the Audit wrapper made the volume read-only")
	}
	if err := create(t, caller(1000), v, "/f", "data"); err != nil {
		t.Fatal(err)
	}
	h, err := v.Open(caller(1000), "/f", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Release(context.Background())
	if want := "open /f by pid "; !strings.Contains(buf.String(), want) || !strings.Contains(buf.String(), "uid 1000") {
		t.Errorf("log %q, want a line with %q and uid 1000", buf.String(), want)
	}
	// What the docs warn about: embedding the interface hides the optional events.
	type hidden struct{ fs.Interface }
	if fs.NewVolume(hidden{memfs.New(nil)}, nil).Capabilities().Writable {
		t.Error("a wrapper embedding fs.Interface is writable; the docs say it is not")
	}
}

// recorder is an fs.Invalidator that records what it is asked to drop.
type recorder struct{ calls []string }

func (r *recorder) InvalidateEntry(dir, name string) error {
	r.calls = append(r.calls, "entry "+fs.Join(dir, name))
	return nil
}

func (r *recorder) InvalidateContent(name string) error {
	r.calls = append(r.calls, "content "+name)
	return nil
}

func TestWatch(t *testing.T) {
	v := fs.NewVolume(memfs.New(nil), features.CachedOptions())
	inv := &recorder{}
	v.SetInvalidator(inv) // what a mounted adapter does
	changed := make(chan string, 1)
	changed <- "/f"
	close(changed)
	features.Watch(v, changed)
	if len(inv.calls) != 1 || inv.calls[0] != "content /f" {
		t.Errorf("invalidations %q, want [content /f]", inv.calls)
	}
}

func TestCachedOptions(t *testing.T) {
	o := features.CachedOptions()
	a, e, n := o.KernelTimeouts()
	if a != 10*time.Second || e != 10*time.Second || n != time.Second {
		t.Errorf("kernel timeouts %v %v %v", a, e, n)
	}
}

func TestPrintOpenFiles(t *testing.T) {
	v := fs.NewVolume(memfs.New(nil), nil)
	ctx := caller(1000)
	if err := create(t, ctx, v, "/f", "data"); err != nil {
		t.Fatal(err)
	}
	h, err := v.Open(ctx, "/f", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	var buf bytes.Buffer
	features.PrintOpenFiles(&buf, v)
	lines := strings.Split(buf.String(), "\n")
	if lines[0] != "1 files, 1 handles open" || !strings.HasPrefix(lines[1], "/f: 1 handles ") {
		t.Errorf("PrintOpenFiles wrote %q", buf.String())
	}
}

func TestExecutionOptions(t *testing.T) {
	v := fs.NewVolume(memfs.New(nil), features.ExecutionOptions())
	ctx := context.Background()
	h, _, err := v.Create(ctx, "/big", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if _, err := h.Write(ctx, []byte("x"), 1<<30); !errors.Is(err, fs.ErrFileTooLarge) {
		t.Errorf("write past MaxFileSize: %v, want ErrFileTooLarge", err)
	}
}

func TestReporting(t *testing.T) {
	errs := make(chan error, 1)
	faulty := faultfs.New(features.Reporting{FS: memfs.New(nil), Errors: errs})
	v := fs.NewVolume(faulty, nil)
	ctx := context.Background()
	if err := create(t, ctx, v, "/f", "data"); err != nil {
		t.Fatal(err)
	}
	faulty.Inject(faultfs.Rule{Event: "OnReadFile", Panic: "boom"})
	h, err := v.Open(ctx, "/f", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if _, err := h.Read(ctx, make([]byte, 4), 0); !errors.Is(err, fs.ErrIO) {
		t.Errorf("read through a panicking handler: %v, want ErrIO", err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "OnReadFile /f") {
			t.Errorf("reported %v", err)
		}
	default:
		t.Error("OnError was not called")
	}
}
