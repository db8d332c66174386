package test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// TestXattrNamespacesPrivilege: trusted. attributes are root's: another user does
// not see them in a listing (the kernel checks get and set itself; the list is the
// file system's), while user. and security. ones are everyone's to see.
func TestXattrNamespacesPrivilege(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	for _, adapter := range mounttest.Adapters() {
		for _, b := range []string{"memfs", "passthrough"} {
			t.Run(adapter+"/"+b, func(t *testing.T) {
				var backend fs.Interface = memfs.New(nil)
				if b == "passthrough" {
					p, err := passthrough.New(t.TempDir(), nil)
					ok(t, "passthrough", err)
					t.Cleanup(func() { p.Close() })
					backend = p
				}
				mnt := mounttest.MountWith(t, fs.NewVolume(backend, nil), adapter, &mountopt.Options{AllowOther: true})
				for d := filepath.Dir(mnt); d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
					ok(t, "chmod", os.Chmod(d, 0o755))
				}
				f := filepath.Join(mnt, "f")
				ok(t, "write", os.WriteFile(f, nil, 0o644))
				ok(t, "set user.", unix.Setxattr(f, "user.pub", []byte("1"), 0))
				ok(t, "set trusted.", unix.Setxattr(f, "trusted.secret", []byte("2"), 0))
				ok(t, "set security.", unix.Setxattr(f, "security.anyfs", []byte("3"), 0))
				root := mounttest.ChildAs(t, 0, 0, "listxattr", f)
				nobodys := mounttest.ChildAs(t, nobody, nobody, "listxattr", f)
				for _, c := range []struct {
					who, list, name string
					want            bool
				}{
					{"root", root, "user.pub", true}, {"root", root, "trusted.secret", true}, {"root", root, "security.anyfs", true},
					{"nobody", nobodys, "user.pub", true}, {"nobody", nobodys, "trusted.secret", false}, {"nobody", nobodys, "security.anyfs", true},
				} {
					if got := strings.Contains(","+c.list+",", ","+c.name+","); got != c.want {
						t.Errorf("%s lists %q; %s in it: %v, want %v", c.who, c.list, c.name, got, c.want)
					}
				}
			})
		}
	}
}

// aclXattr is a POSIX ACL as Linux stores it in system.posix_acl_access: user::rw-,
// user:uid:r--, group::r--, mask::r--, other::---.
func aclXattr(uid uint32) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, 2)) // POSIX_ACL_XATTR_VERSION
	for _, e := range []struct {
		tag, perm uint16
		id        uint32
	}{{0x01, 6, ^uint32(0)}, {0x02, 4, uid}, {0x04, 4, ^uint32(0)}, {0x10, 4, ^uint32(0)}, {0x20, 0, ^uint32(0)}} {
		b.Write(le.AppendUint16(nil, e.tag))
		b.Write(le.AppendUint16(nil, e.perm))
		b.Write(le.AppendUint32(nil, e.id))
	}
	return b.Bytes()
}

// TestPassthroughKeepsACLs: cp -a and rsync -aAX from the host onto a passthrough
// mount and back keep a file's POSIX ACL, its security. and trusted. attributes.
func TestPassthroughKeepsACLs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("trusted. attributes need root")
	}
	src := filepath.Join(t.TempDir(), "f")
	ok(t, "write", os.WriteFile(src, []byte("data"), 0o640))
	acl := aclXattr(nobody)
	want := map[string][]byte{"system.posix_acl_access": acl, "trusted.t": []byte("t"), "security.s": []byte("s"), "user.u": []byte("u")}
	for name, v := range want {
		if err := unix.Setxattr(src, name, v, 0); err != nil {
			t.Skipf("the host's temporary directory takes no %s attributes: %v", name, err)
		}
	}
	tools := [][]string{{"cp", "-a"}}
	if _, err := exec.LookPath("rsync"); err == nil {
		tools = append(tools, []string{"rsync", "-aAX"})
	} else if os.Getenv("CI") != "" {
		t.Error("rsync is not installed (.ci/run installs it)")
	}
	for _, adapter := range mounttest.Adapters() {
		for _, tool := range tools {
			t.Run(adapter+"/"+tool[0], func(t *testing.T) {
				p, err := passthrough.New(t.TempDir(), nil)
				ok(t, "passthrough", err)
				t.Cleanup(func() { p.Close() })
				mnt := mounttest.Mount(t, fs.NewVolume(p, nil), adapter)
				on, back := filepath.Join(mnt, "f"), filepath.Join(t.TempDir(), "f")
				for _, step := range [][2]string{{src, on}, {on, back}} {
					if out, err := exec.Command(tool[0], append(tool[1:], step[0], step[1])...).CombinedOutput(); err != nil {
						t.Fatalf("%s %s %s: %v: %s", strings.Join(tool, " "), step[0], step[1], err, out)
					}
					for name, v := range want {
						got := make([]byte, 256)
						n, err := unix.Lgetxattr(step[1], name, got)
						if err != nil || !bytes.Equal(got[:n], v) {
							t.Errorf("%s after %s: %q, %v; want %q", name, tool[0], got[:max(n, 0)], err, v)
						}
					}
				}
				var st unix.Stat_t
				ok(t, "stat", unix.Stat(back, &st))
				if st.Mode&0o777 != 0o640 {
					t.Errorf("mode %o after the round trip, want 640", st.Mode&0o777)
				}
			})
		}
	}
}
