//go:build linux || darwin

package fuseutil

import (
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestHostErrnos checks that every portable code has a row, that rows are
// distinct, and that the host numbering round-trips through fs.ErrnoOf.
func TestHostErrnos(t *testing.T) {
	if m := HostErrnos.Missing(); len(m) > 0 {
		t.Errorf("no host errno for %v", m)
	}
	seen := map[syscall.Errno]fs.Errno{}
	for _, code := range fs.Errnos() {
		e := HostErrnos[code]
		if e == 0 {
			t.Errorf("%v renders as success", code)
		}
		if prev, dup := seen[e]; dup {
			t.Errorf("%v and %v both render as %v", prev, code, e)
		}
		seen[e] = code
		if back, _ := fs.ErrnoOf(e); back != code {
			t.Errorf("%v renders as %v, which maps back to %v", code, e, back)
		}
	}
}

func TestHostOpen(t *testing.T) {
	access, of := HostOpen.Open(syscall.O_WRONLY | syscall.O_APPEND | syscall.O_DSYNC)
	if access != fs.AccessWrite || of != fs.OpenAppend|fs.OpenSync {
		t.Errorf("Open(O_WRONLY|O_APPEND|O_DSYNC) = %v, %v", access, of)
	}
	if oDirect != 0 {
		if _, of := HostOpen.Open(syscall.O_RDONLY | oDirect); of != fs.OpenDirectIO {
			t.Errorf("Open(O_DIRECT) = %v, want OpenDirectIO", of)
		}
	}
}
