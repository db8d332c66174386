//go:build !linux

package fs

// xattrPrefix is the extended-attribute namespace that holds named streams: macOS,
// Windows and the BSD FUSE layers pass names without a namespace, and every name is
// a stream.
const xattrPrefix = ""

// The capabilities of Linux; outside Linux only root has them.
const (
	capFowner   = 3
	capSysAdmin = 21
	capSetfcap  = 31
)

func hasCapability(_, uid uint32, _ uint) bool { return uid == 0 }
