package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

const nobody = 65534

// TestPermissions checks who may use a mount: with allow_other the kernel checks
// modes for every user (default_permissions); without it, other users get EACCES.
func TestPermissions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			for _, allowOther := range []bool{true, false} {
				v := fs.NewVolume(mounttest.Backends[0].New(t), nil)
				mnt := mounttest.MountWith(t, v, adapter, &mountopt.Options{AllowOther: allowOther})
				// t.TempDir's directories are private; let nobody reach the mount.
				for d := filepath.Dir(mnt); d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
					if err := os.Chmod(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				files := map[string]os.FileMode{"public": 0o644, "private": 0o600}
				for name, mode := range files {
					if err := os.WriteFile(filepath.Join(mnt, name), []byte(name), mode); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Mkdir(filepath.Join(mnt, "locked"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(mnt, "locked", "f"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				want := map[string]string{"public": "ok", "private": "EACCES", "locked/f": "EACCES"}
				if !allowOther {
					want["public"] = "EACCES" // the mount is the mounting user's alone
				}
				for name, w := range want {
					if got := mounttest.ChildAs(t, nobody, nobody, "read", filepath.Join(mnt, name)); got != w {
						t.Errorf("allow_other=%v: nobody reads %s: %s, want %s", allowOther, name, got, w)
					}
				}
			}
		})
	}
}
