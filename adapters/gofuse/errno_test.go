//go:build linux || darwin

package gofuse

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestErrnoTable checks that every portable code has a row, that rows are distinct,
// and that the host numbering round-trips through fs.ErrnoOf.
func TestErrnoTable(t *testing.T) {
	seen := map[syscall.Errno]fs.Errno{}
	for _, code := range fs.Errnos() {
		e, ok := errnos[code]
		if !ok {
			t.Errorf("no errno for %v", code)
			continue
		}
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

func TestToErrno(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{fs.ErrNotExist, syscall.ENOENT},
		{fmt.Errorf("wrapped: %w", fs.ErrNotEmpty), syscall.ENOTEMPTY},
		{fs.ErrNoAttribute, errNoAttr},
		{fs.ENOTSUP, syscall.ENOTSUP},
		{syscall.EXDEV, syscall.EXDEV},
		{errors.New("something unknown"), syscall.EIO},
	} {
		if got := toErrno(tc.err); got != tc.want {
			t.Errorf("toErrno(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
