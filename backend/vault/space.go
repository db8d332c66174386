package vault

// diskSpace returns the size, the free bytes and the bytes available to an
// unprivileged user of the host file system holding dir; the per-OS bodies are in
// space_*.go.
func diskSpace(dir string) (total, free, avail uint64, err error) { return diskSpaceOS(dir) }
