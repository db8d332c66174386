package fs

import (
	"errors"
	"testing"

	"github.com/anyfs/anyfs/pkg/attr"
)

func TestCreateFileEventFileMode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  attr.Mode
		attrs attr.FileAttributes
		want  attr.Mode
		err   error
	}{
		{"no type, no mode", 0, 0, attr.S_IFREG | 0o644, nil},
		{"no type, no mode, directory attribute", 0, attr.Directory, attr.S_IFDIR | 0o755, nil},
		{"no type, a mode", 0o600, 0, attr.S_IFREG | 0o600, nil},
		{"no type, setuid only", attr.S_ISUID, 0, attr.S_IFREG | attr.S_ISUID, nil},
		{"no type, a mode, directory attribute", 0o700, attr.Directory, attr.S_IFDIR | 0o700, nil},
		{"regular file without permissions", attr.S_IFREG, 0, attr.S_IFREG, nil},
		{"directory attribute ignored with a type", attr.S_IFREG | 0o640, attr.Directory, attr.S_IFREG | 0o640, nil},
		{"fifo", attr.S_IFIFO | 0o600, 0, attr.S_IFIFO | 0o600, nil},
		{"block device", attr.S_IFBLK | 0o660, 0, attr.S_IFBLK | 0o660, nil},
		{"symbolic link", attr.S_IFLNK | 0o777, 0, 0, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := CreateFileEvent{Name: "/f", Mode: tc.mode, Attributes: tc.attrs}
			got, err := e.FileMode()
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("FileMode of %#o with attributes %#x = %#o, %v; want %#o, %v", tc.mode, tc.attrs, got, err, tc.want, tc.err)
			}
		})
	}
}
