package test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// unowned is memfs declaring that it does not own its namespace: its changes
// through the library API then stand for changes behind the mount, which the volume
// does not report to the kernel by itself.
type unowned struct{ *memfs.FS }

func (unowned) OwnsNamespace() bool { return false }

// Change notification: with kernel caches of an hour, a change made behind the
// mount is visible through it at once after Volume.NotifyChange.
func TestNotifyChange(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			if adapter == "cgofuse" {
				t.Skip(mounttest.AdapterDifferences["cgofuse"]["NotifyChange"])
			}
			ctx := context.Background()
			v := fs.NewVolume(unowned{memfs.New(nil)}, &fs.Options{
				AttrTimeout: time.Hour, EntryTimeout: time.Hour, NegativeTimeout: time.Hour})
			mnt := mounttest.Mount(t, v, adapter)
			name := filepath.Join(mnt, "f")

			// Added: the kernel has cached "f" as absent.
			if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("stat before create: %v", err)
			}
			h, _, err := v.Create(ctx, "/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(name); err == nil {
				t.Fatal("the negative entry was not cached, so this test proves nothing")
			}
			if err := v.NotifyChange(fs.ChangeAdded, "/f", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(name); err != nil {
				t.Fatalf("stat after ChangeAdded: %v", err)
			}

			// Modified: the kernel has cached size 0 and the (empty) contents.
			if _, err := os.ReadFile(name); err != nil {
				t.Fatal(err)
			}
			h.Write(ctx, []byte("changed behind the mount"), 0)
			h.Release(ctx)
			if fi, _ := os.Stat(name); fi.Size() != 0 {
				t.Fatalf("size %d before the notification: attributes were not cached", fi.Size())
			}
			if err := v.NotifyChange(fs.ChangeModified, "/f", ""); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(name); err != nil || string(got) != "changed behind the mount" {
				t.Fatalf("read after ChangeModified: %q, %v", got, err)
			}

			// Renamed and removed.
			if err := v.Rename(ctx, "/f", "/g", 0); err != nil {
				t.Fatal(err)
			}
			if err := v.NotifyChange(fs.ChangeRenamed, "/f", "/g"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("old name after ChangeRenamed: %v", err)
			}
			if got, err := os.ReadFile(filepath.Join(mnt, "g")); err != nil || string(got) != "changed behind the mount" {
				t.Fatalf("new name after ChangeRenamed: %q, %v", got, err)
			}
			if err := v.Remove(ctx, "/g", false); err != nil {
				t.Fatal(err)
			}
			if err := v.NotifyChange(fs.ChangeRemoved, "/g", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(mnt, "g")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("stat after ChangeRemoved: %v", err)
			}
		})
	}
}

// slowInfo is memfs with a slow OnGetFileInfo, as a remote backend would be.
type slowInfo struct {
	*memfs.FS
	calls atomic.Int64
}

func (s *slowInfo) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	s.calls.Add(1)
	time.Sleep(5 * time.Millisecond)
	return s.FS.OnGetFileInfo(ctx, e)
}

// Caches: a stat-heavy workload over a slow backend, with the kernel's caches off so
// every stat reaches the volume: the volume's caches answer it, and a change made
// through the mount is never answered stale.
func TestVolumeCaches(t *testing.T) {
	const files, rounds = 20, 4
	run := func(t *testing.T, adapter string, opts fs.Options) (time.Duration, int64) {
		b := &slowInfo{FS: memfs.New(nil)}
		opts.AttrTimeout, opts.EntryTimeout = -1, -1
		v := fs.NewVolume(b, &opts)
		mnt := mounttest.Mount(t, v, adapter)
		for i := 0; i < files; i++ {
			if err := os.WriteFile(filepath.Join(mnt, "f"+string(rune('a'+i))), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b.calls.Store(0)
		start := time.Now()
		for r := 0; r < rounds; r++ {
			for i := 0; i < files; i++ {
				os.Stat(filepath.Join(mnt, "f"+string(rune('a'+i))))
				os.Stat(filepath.Join(mnt, "missing"+string(rune('a'+i))))
			}
		}
		took := time.Since(start)
		// Never stale after changes through the mount.
		name := filepath.Join(mnt, "fa")
		if err := os.WriteFile(name, []byte("longer"), 0o644); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(name); err != nil || fi.Size() != 6 {
			t.Fatalf("stat after write: %v, %v", fi, err)
		}
		if err := os.WriteFile(filepath.Join(mnt, "missinga"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(mnt, "missinga")); err != nil {
			t.Fatalf("stat after create: %v", err)
		}
		if err := os.Rename(name, filepath.Join(mnt, "renamed")); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("stat of a renamed file: %v", err)
		}
		return took, b.calls.Load()
	}
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			plain, plainCalls := run(t, adapter, fs.Options{})
			cached, cachedCalls := run(t, adapter, fs.Options{MetadataCacheTTL: time.Minute, NegativeCacheTTL: time.Minute})
			t.Logf("%d stats: %v (%d backend calls) without caches, %v (%d) with", 2*files*rounds, plain, plainCalls, cached, cachedCalls)
			if cachedCalls*5 > plainCalls {
				t.Fatalf("the caches saved too little: %d backend calls with, %d without", cachedCalls, plainCalls)
			}
		})
	}
}

// reportingMemfs is memfs with an Error event, a name whose stat fails with an error
// no table knows, and counters of opens, closes and concurrent events.
type reportingMemfs struct {
	*memfs.FS
	reported          atomic.Int64
	opens, closes     atomic.Int64
	inside, maxInside atomic.Int64
}

func (r *reportingMemfs) OnError(ctx context.Context, e *fs.ErrorEvent) { r.reported.Add(1) }

func (r *reportingMemfs) enter() func() {
	n := r.inside.Add(1)
	for {
		m := r.maxInside.Load()
		if n <= m || r.maxInside.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	return func() { r.inside.Add(-1) }
}

func (r *reportingMemfs) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	defer r.enter()()
	if strings.HasSuffix(e.Name, "/mystery") {
		return errors.New("a backend error no table knows")
	}
	return r.FS.OnGetFileInfo(ctx, e)
}

func (r *reportingMemfs) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	r.opens.Add(1)
	return r.FS.OnOpenFile(ctx, e)
}

func (r *reportingMemfs) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	r.closes.Add(1)
	return r.FS.OnCloseFile(ctx, e)
}

// Event execution options through a real mount: SerializeAll runs one event at a
// time, FireAllOpenCloseEvents fires an open and a close per handle, MaxFileSize
// refuses writes past it with EFBIG, and an unmapped error reaches the Error event
// and the caller as EIO.
func TestEventOptions(t *testing.T) {
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			b := &reportingMemfs{FS: memfs.New(nil)}
			v := fs.NewVolume(b, &fs.Options{Serialize: fs.SerializeAll, FireAllOpenCloseEvents: true,
				MaxFileSize: 1000, AttrTimeout: -1, EntryTimeout: -1})
			mnt := mounttest.Mount(t, v, adapter)
			name := filepath.Join(mnt, "f")
			if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Several handles of one file, open at once.
			var files []*os.File
			for range 3 {
				f, err := os.Open(name)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			if o := b.opens.Load(); o < 3 {
				t.Errorf("%d OnOpenFile for 3 open handles, want one per handle", o)
			}
			for _, f := range files {
				f.Close()
			}
			// Parallel stats are served one at a time.
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 20 {
						os.Stat(name)
					}
				}()
			}
			wg.Wait()
			if m := b.maxInside.Load(); m != 1 {
				t.Errorf("%d events ran at once under SerializeAll", m)
			}
			// MaxFileSize.
			f, err := os.OpenFile(name, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt([]byte("y"), 1000)
			f.Close()
			if !errors.Is(err, syscall.EFBIG) {
				t.Errorf("write at the size limit: %v, want EFBIG", err)
			}
			// The Error event.
			if _, err := os.Stat(filepath.Join(mnt, "mystery")); !errors.Is(err, syscall.EIO) {
				t.Errorf("stat with an unmapped backend error: %v, want EIO", err)
			}
			if b.reported.Load() == 0 {
				t.Error("the unmapped error did not reach OnError")
			}
		})
	}
}
