package faultfs_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/faultfs"
)

// TestForwardsEveryEvent fails when fs gains an event the wrapper does not forward.
func TestForwardsEveryEvent(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../interfaces.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(&faultfs.FS{})
	ast.Inspect(f, func(n ast.Node) bool {
		it, ok := n.(*ast.InterfaceType)
		if !ok {
			return true
		}
		for _, m := range it.Methods.List {
			for _, name := range m.Names {
				if _, ok := typ.MethodByName(name.Name); !ok {
					t.Errorf("faultfs.FS does not forward %s", name.Name)
				}
			}
		}
		return true
	})
}

// tiny is a one-file read-only backend.
type tiny struct{}

func (tiny) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	switch e.Name {
	case "/":
		e.Info.Mode = 0o040755
	case "/f":
		e.Info.Mode, e.Info.Size = 0o100644, 5
	default:
		return fs.ErrNotExist
	}
	return nil
}
func (tiny) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	e.Entries = append(e.Entries, fs.FileInfo{Name: "f", Mode: 0o100644, Size: 5})
	e.Done = true
	return nil
}
func (tiny) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}
func (tiny) OnOpenFile(context.Context, *fs.OpenFileEvent) error   { return nil }
func (tiny) OnCloseFile(context.Context, *fs.CloseFileEvent) error { return nil }
func (tiny) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	e.BytesRead = copy(e.Buffer, "hello"[min(e.Position, 5):])
	return nil
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	quiet := &fs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name string
		rule faultfs.Rule
		want fs.Errno
	}{
		{"error", faultfs.Rule{Event: "OnGetFileInfo", Name: "/f", Err: fs.ErrPermission}, fs.EACCES},
		{"errno", faultfs.Rule{Event: "OnGetFileInfo", Err: fs.ENOSPC}, fs.ENOSPC},
		{"panic", faultfs.Rule{Event: "OnGetFileInfo", Panic: "injected"}, fs.EIO},
		{"other name untouched", faultfs.Rule{Event: "OnGetFileInfo", Name: "/g", Err: fs.ErrPermission}, fs.OK},
		{"other event untouched", faultfs.Rule{Event: "OnReadFile", Err: fs.ErrPermission}, fs.OK},
		{"spent", faultfs.Rule{Event: "OnGetFileInfo", Err: fs.ErrPermission, Count: -1}, fs.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := faultfs.New(tiny{})
			f.Inject(tt.rule)
			v := fs.NewVolume(f, quiet)
			_, err := v.Stat(ctx, "/f")
			if got, _ := fs.ErrnoOf(err); got != tt.want {
				t.Fatalf("stat: %v (%v), want %v", err, got, tt.want)
			}
			if _, err := v.Stat(ctx, "/"); tt.rule.Name == "/f" && err != nil {
				t.Fatalf("a rule for /f hit /: %v", err)
			}
		})
	}
	t.Run("count", func(t *testing.T) {
		f := faultfs.New(tiny{})
		f.Inject(faultfs.Rule{Event: "OnGetFileInfo", Err: fs.ErrPermission, Count: 2})
		v := fs.NewVolume(f, quiet)
		var failures int
		for i := 0; i < 5; i++ {
			if _, err := v.Stat(ctx, "/f"); err != nil {
				failures++
			}
		}
		if failures != 2 || f.Hits("OnGetFileInfo") != 2 {
			t.Fatalf("%d failures, %d hits; want 2", failures, f.Hits("OnGetFileInfo"))
		}
	})
	t.Run("hang until canceled", func(t *testing.T) {
		f := faultfs.New(tiny{})
		f.Inject(faultfs.Rule{Event: "OnGetFileInfo", Name: "/f", Hang: true})
		v := fs.NewVolume(f, quiet)
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		_, err := v.Stat(cctx, "/f")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("hung stat: %v", err)
		}
		// An unrelated name is served while /f hangs.
		done := make(chan error)
		go func() { _, err := v.Stat(ctx, "/f"); done <- err }()
		if _, err := v.Stat(ctx, "/"); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); f.Hits("OnGetFileInfo") < 2; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the second stat never reached the backend")
			}
		}
		f.Release()
		if err := <-done; err != nil {
			t.Fatalf("released stat: %v", err)
		}
	})
	t.Run("delay", func(t *testing.T) {
		f := faultfs.New(tiny{})
		f.Inject(faultfs.Rule{Event: "OnGetFileInfo", Delay: 20 * time.Millisecond})
		v := fs.NewVolume(f, quiet)
		start := time.Now()
		if _, err := v.Stat(ctx, "/f"); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 20*time.Millisecond {
			t.Fatal("no delay")
		}
	})
}
