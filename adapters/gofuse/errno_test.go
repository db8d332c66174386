//go:build linux || darwin

package gofuse

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestToErrno checks the rendering of wrapped, host and unknown errors; the
// table itself is fuseutil.HostErrnos, which TestHostErrnos checks.
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
