package memfs

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/anyfs/anyfs/fs"
)

var (
	_ fs.GetVolumeSizeHandler  = (*FS)(nil)
	_ fs.GetVolumeLabelHandler = (*FS)(nil)
	_ fs.SetVolumeLabelHandler = (*FS)(nil)
	_ fs.GetVolumeIDHandler    = (*FS)(nil)
	_ fs.MountHandler          = (*FS)(nil)
)

// The volume events: size, label, ID, mount and unmount.

// OnGetVolumeSize reports Capacity (or DefaultCapacity), the bytes used and, with
// MaxFiles, the free inodes.
func (f *FS) OnGetVolumeSize(_ context.Context, e *fs.GetVolumeSizeEvent) error {
	used := uint64(max(f.used.Load(), 0))
	total := uint64(f.capacity)
	if total == 0 {
		total = max(DefaultCapacity, used)
	}
	e.Size = fs.VolumeSize{TotalBytes: total, FreeBytes: total - min(used, total), BlockSize: PageSize}
	e.Size.AvailableBytes = e.Size.FreeBytes
	files := uint64(max(f.files.Load(), 0))
	totalFiles := uint64(f.maxFiles)
	if totalFiles == 0 {
		totalFiles = max(1<<32, files)
	}
	e.Size.TotalFiles, e.Size.FreeFiles = totalFiles, totalFiles-min(files, totalFiles)
	return nil
}

// OnGetVolumeLabel reports the label.
func (f *FS) OnGetVolumeLabel(_ context.Context, e *fs.GetVolumeLabelEvent) error {
	f.volMu.Lock()
	e.Label = f.label
	f.volMu.Unlock()
	return nil
}

// OnSetVolumeLabel changes the label (at most 32 characters, as on NTFS).
func (f *FS) OnSetVolumeLabel(_ context.Context, e *fs.SetVolumeLabelEvent) error {
	if utf8.RuneCountInString(e.Label) > maxLabel || !utf8.ValidString(e.Label) {
		return fmt.Errorf("memfs: volume label %q: %w", e.Label, fs.ErrInvalid)
	}
	f.volMu.Lock()
	f.label = e.Label
	f.volMu.Unlock()
	return nil
}

// OnGetVolumeID reports the serial number.
func (f *FS) OnGetVolumeID(_ context.Context, e *fs.GetVolumeIDEvent) error {
	e.ID = f.id
	return nil
}

// OnMount records the mount point.
func (f *FS) OnMount(_ context.Context, e *fs.MountEvent) error {
	f.volMu.Lock()
	f.mountPoint = e.MountPoint
	f.volMu.Unlock()
	return nil
}

// OnUnmount forgets the mount point. The files stay: a memfs can be mounted again.
func (f *FS) OnUnmount(context.Context, *fs.UnmountEvent) error {
	f.volMu.Lock()
	f.mountPoint = ""
	f.volMu.Unlock()
	return nil
}
