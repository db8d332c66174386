//go:build linux

// go-fuse's posixtest does not build on macOS (it uses syscall.O_DIRECT).

package test

import (
	"testing"

	"github.com/hanwen/go-fuse/v2/posixtest"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// posixSkip lists the go-fuse posixtest tests that cannot pass here, with the reason.
// This is the only place such a list lives.
var posixSkip = map[string]string{
	// The test expects a second descriptor of the same process to conflict with the
	// process's own F_SETLK lock. POSIX locks belong to the process, so the kernel
	// converts the lock instead (ext4 and tmpfs return success too); go-fuse's own
	// run of posixtest skips this test for the same reason.
	"FcntlFlockLocksFile": "expects a POSIX lock conflict within one process, which POSIX rules out",
}

// TestPosix runs go-fuse's own POSIX conformance tests against memfs through the
// gofuse adapter, on one mount, each test in its own directory.
func TestPosix(t *testing.T) {
	if !contains(mounttest.Adapters(), adapters.GoFUSE) {
		t.Skip("built without the gofuse adapter")
	}
	for _, adapter := range mounttest.Adapters() {
		for _, b := range mounttest.Backends {
			t.Run(adapter+"/"+b.Name, func(t *testing.T) {
				skip := mounttest.Skips(adapter, posixSkip)
				v := fs.NewVolume(b.New(t), nil)
				mnt := mounttest.MountWith(t, v, adapter, b.Options)
				mounttest.RunSuite(t, mnt, posixtest.All, skip)
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
