package gofuse

import (
	"reflect"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// TestDirectFlags checks how the generic mount flags become mount(2)'s flag bits
// for a direct mount, which go-fuse would otherwise hand the kernel as text.
func TestDirectFlags(t *testing.T) {
	base := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	tests := []struct {
		in       []string
		wantRest []string
		wantBits uintptr
	}{
		{nil, nil, base},
		{[]string{"default_permissions", "ro"}, []string{"default_permissions"}, base | unix.MS_RDONLY},
		{[]string{"noatime", "noexec", "sync", "dirsync"}, nil, base | unix.MS_NOATIME | unix.MS_NOEXEC | unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC},
		{[]string{"ro", "rw", "noatime", "atime"}, nil, base},
		{[]string{"suid"}, nil, unix.MS_NODEV},
		{[]string{"suid", "dev"}, []string{"suid", "dev"}, 0},
	}
	for _, tt := range tests {
		rest, bits := directFlags(tt.in)
		if !reflect.DeepEqual(rest, tt.wantRest) || bits != tt.wantBits {
			t.Errorf("directFlags(%q) = %q, %#x; want %q, %#x", tt.in, rest, bits, tt.wantRest, tt.wantBits)
		}
	}
}

func TestFusermountOptions(t *testing.T) {
	mo := &fuse.MountOptions{Options: []string{"default_permissions", "noatime"}, AllowOther: true,
		FsName: `a,b\c`, Name: "anyfs", MaxWrite: 1 << 20}
	got := fusermountOptions(mo, &mountopt.Options{AutoUnmount: true})
	want := []string{"default_permissions", "noatime", "allow_other", `fsname=a\,b\\c`, "subtype=anyfs", "max_read=1048576", "auto_unmount"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fusermountOptions = %q, want %q", got, want)
	}
}
