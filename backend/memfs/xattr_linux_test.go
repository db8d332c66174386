package memfs_test

import (
	"context"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// The xattr namespaces (user., trusted., security., system.) are Linux's; elsewhere
// every attribute name is a named stream.

func TestXattrNamespacesMemfs(t *testing.T) {
	root := context.Background() // no caller: privileged
	v, _ := newVolume(t, nil)
	create(t, v, "/f")
	must[fs.FileInfo](t)(v.Symlink(root, "f", "/l"))
	for _, name := range []string{"/f", "/l"} {
		if err := v.SetXattr(root, name, "trusted.foo", []byte(name), 0); err != nil {
			t.Fatalf("trusted. on %s: %v", name, err)
		}
		if err := v.SetXattr(root, name, "security.label", []byte("s"), 0); err != nil {
			t.Fatalf("security. on %s: %v", name, err)
		}
	}
	wantErrno(t, v.SetXattr(root, "/l", "user.foo", nil, 0), fs.EPERM)
	wantErrno(t, v.SetXattr(root, "/f", "system.posix_acl_access", nil, 0), fs.ENOTSUP)
	if err := v.SetXattr(root, "/f", "user.trusted.foo", []byte("stream"), 0); err != nil {
		t.Fatal(err)
	}
	if got := must[[]byte](t)(v.GetXattr(root, "/l", "trusted.foo")); string(got) != "/l" {
		t.Fatalf("trusted.foo of the link: %q", got)
	}
	if got := must[[]byte](t)(v.GetXattr(root, "/f", "trusted.foo")); string(got) != "/f" {
		t.Fatalf("trusted.foo of the file: %q (a stream named trusted.foo is another attribute)", got)
	}
	l := must[[]string](t)(v.ListXattr(root, "/f"))
	if want := []string{"user.trusted.foo", "security.label", "trusted.foo"}; !sameSet(l, want) {
		t.Fatalf("listing %q, want %q", l, want)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		if m[s]--; m[s] < 0 {
			return false
		}
	}
	return true
}
