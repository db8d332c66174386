package fs

// GetVolumeSizeEvent asks for the volume's capacity (statfs).
type GetVolumeSizeEvent struct {
	Size VolumeSize // reply
}

// GetVolumeLabelEvent asks for the volume's label.
type GetVolumeLabelEvent struct {
	Label string // reply
}

// SetVolumeLabelEvent changes the volume's label.
type SetVolumeLabelEvent struct {
	Label string
}

// GetVolumeIDEvent asks for the volume's serial number.
type GetVolumeIDEvent struct {
	ID uint32 // reply
}

// MountEvent tells the backend the volume was mounted at MountPoint.
type MountEvent struct {
	MountPoint string
}

// UnmountEvent tells the backend the volume was unmounted; every OnCloseFile and
// OnCloseDirectoryEnumeration has fired before it.
type UnmountEvent struct {
	MountPoint string
}

// ErrorEvent reports an error the volume could not map to a code (it became EIO) or
// a panic in a handler.
type ErrorEvent struct {
	// Op is the event that failed, such as "OnReadFile"; Name the file, if any.
	Op, Name string
	Err      error
}
