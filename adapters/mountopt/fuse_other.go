//go:build !linux

package mountopt

// CheckAccess reports what keeps this user from mounting at mnt; macFUSE and
// WinFsp check for themselves, so it has nothing to say here.
func CheckAccess(mnt string, opts *Options) error { return nil }
