package fstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// Regression tests for fs.Volume bugs the kit found.

// blockingOpen blocks OnOpenFile of /f until release is closed.
type blockingOpen struct {
	*mapFS
	entered, release chan struct{}
}

func (b blockingOpen) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	if e.Name == "/f" {
		close(b.entered)
		<-b.release
	}
	return b.mapFS.OnOpenFile(ctx, e)
}

// An Open in flight when Unmounted runs returns a handle that Unmounted never
// closes: its OnCloseFile never fires (and OnUnmount came first).
func TestVolumeUnmountRace(t *testing.T) {
	ctx := context.Background()
	b := blockingOpen{newMapFSWith(map[string]string{"/f": "x"}), make(chan struct{}), make(chan struct{})}
	r := NewRecorder(b)
	v := r.NewVolume(nil)
	done := make(chan *fs.Handle)
	go func() {
		h, err := v.Open(ctx, "/f", fs.AccessRead, 0)
		if err != nil {
			t.Logf("Open: %v", err)
		}
		done <- h
	}()
	<-b.entered
	unmounted := make(chan struct{})
	go func() {
		v.Unmounted(ctx, "/mnt")
		close(unmounted)
	}()
	// Give Unmounted time to run while the open is blocked, then let the open go.
	time.Sleep(50 * time.Millisecond)
	close(b.release)
	h := <-done
	<-unmounted
	if h != nil {
		t.Errorf("Open in flight during Unmounted returned a handle, want ErrBadHandle")
	}
	if err := r.Check(); err != nil {
		t.Errorf("after Unmounted: %v", err)
	}
	if h != nil {
		h.Release(ctx)
	}
}

// foldFS is a case-insensitive mapFS.
type foldFS struct{ *mapFS }

func fold(e *string) { *e = strings.ToLower(*e) }
func (b foldFS) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	fold(&e.Name)
	return b.mapFS.OnGetFileInfo(ctx, e)
}
func (b foldFS) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	fold(&e.Name)
	return b.mapFS.OnOpenFile(ctx, e)
}
func (b foldFS) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	fold(&e.Name)
	fold(&e.NewName)
	return b.mapFS.OnRenameOrMoveFile(ctx, e)
}

// Volume.renamed matches open files by raw path, so on a case-insensitive volume a
// file opened under another spelling of its directory keeps its old name.
func TestVolumeCaseInsensitiveRename(t *testing.T) {
	ctx := context.Background()
	b := foldFS{newMapFSWith(map[string]string{"/d/x": "x"})}
	v := fs.NewVolume(b, &fs.Options{CaseInsensitive: true})
	h, err := v.Open(ctx, "/D/x", fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if err := v.Rename(ctx, "/d", "/e", 0); err != nil {
		t.Fatal(err)
	}
	if h.Name() != "/e/x" {
		t.Errorf("after Rename /d /e on a case-insensitive volume, a handle opened as /D/x is named %q, want /e/x", h.Name())
	}
}

// Volume.Open and Volume.Create open a directory for writing if the backend lets
// them (POSIX: EISDIR; the kernel refuses it before FUSE, so this is defensive).
func TestVolumeOpenDirForWrite(t *testing.T) {
	ctx := context.Background()
	v := fs.NewVolume(newMapFSWith(nil, "/d"), nil)
	if h, err := v.Open(ctx, "/d", fs.AccessWrite, 0); err == nil {
		t.Errorf("Open of a directory for writing succeeded")
		h.Release(ctx)
	}
	if h, _, err := v.Create(ctx, "/d", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite}); err == nil {
		t.Errorf("Create (not exclusive) over a directory succeeded and opened it for writing")
		h.Release(ctx)
	}
}
