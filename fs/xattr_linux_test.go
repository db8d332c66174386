package fs

import (
	"context"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/anyfs/anyfs/pkg/attr"
)

// xattrFake stores streams and the attributes of the namespaces it declares.
type xattrFake struct {
	*fake
	namespaces []string
	streams    map[string]map[string][]byte // by file: "s:" stream or "x:" whole name
}

func key(stream, xattr string) string {
	if xattr != "" {
		return "x:" + xattr
	}
	return "s:" + stream
}

func (x *xattrFake) XattrNamespaces() []string { return x.namespaces }

func (x *xattrFake) OnListNamedStreams(_ context.Context, e *ListNamedStreamsEvent) error {
	for k := range x.streams[e.Name] {
		if k[0] == 'x' {
			e.Xattrs = append(e.Xattrs, k[2:])
		} else {
			e.Streams = append(e.Streams, k[2:])
		}
	}
	sort.Strings(e.Streams)
	sort.Strings(e.Xattrs)
	return nil
}

func (x *xattrFake) OnGetNamedStream(_ context.Context, e *GetNamedStreamEvent) error {
	d, ok := x.streams[e.Name][key(e.Stream, e.Xattr)]
	if !ok {
		return ErrNoAttribute
	}
	e.Data = d
	return nil
}

func (x *xattrFake) OnSetNamedStream(_ context.Context, e *SetNamedStreamEvent) error {
	if x.streams[e.Name] == nil {
		x.streams[e.Name] = map[string][]byte{}
	}
	x.streams[e.Name][key(e.Stream, e.Xattr)] = e.Data
	return nil
}

func (x *xattrFake) OnDeleteNamedStream(_ context.Context, e *DeleteNamedStreamEvent) error {
	k := key(e.Stream, e.Xattr)
	if _, ok := x.streams[e.Name][k]; !ok {
		return ErrNoAttribute
	}
	delete(x.streams[e.Name], k)
	return nil
}

// TestXattrNamespaceRules: the volume maps user. to streams and the other
// namespaces, by their whole names, to a backend that stores them, and applies
// tmpfs's rules of who may see and change them.
func TestXattrNamespaceRules(t *testing.T) {
	x := &xattrFake{fake: newFake(), namespaces: []string{XattrTrusted, XattrSecurity, XattrSystem, "bogus"},
		streams: map[string]map[string][]byte{}}
	v := NewVolume(x, quietOpts(Options{}))
	if got := v.Capabilities().XattrNamespaces; !slices.Equal(got, []string{XattrTrusted, XattrSecurity, XattrSystem}) {
		t.Fatalf("XattrNamespaces %q: an unknown namespace must be dropped", got)
	}
	mustCreate(t, v, "/f", "")
	if _, err := v.Symlink(bg, "f", "/l"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Mkdir(bg, "/sticky", 0o777|attr.S_ISVTX); err != nil {
		t.Fatal(err)
	}
	root := bg // no caller: every privilege
	user := WithCaller(bg, Caller{Uid: 1000, Gid: 1000})
	owner := WithCaller(bg, Caller{Uid: 0, Gid: 0}) // the fake's files belong to uid 0
	for _, c := range []struct {
		name      string
		ctx       context.Context
		file, key string
		set, get  Errno
	}{
		{"user. on a file", user, "/f", "user.a", OK, OK},
		{"user. on a symbolic link", root, "/l", "user.a", EPERM, ENODATA},
		{"user. in a sticky directory of another", user, "/sticky", "user.a", EPERM, ENODATA},
		{"user. in a sticky directory, its owner", owner, "/sticky", "user.o", OK, OK},
		{"trusted. by root", root, "/f", "trusted.a", OK, OK},
		{"trusted. on a symbolic link", root, "/l", "trusted.a", OK, OK},
		{"trusted. by a user", user, "/f", "trusted.b", EPERM, ENODATA},
		{"security. by root", root, "/l", "security.a", OK, OK},
		{"security. by a user", user, "/f", "security.b", EPERM, ENODATA},
		{"security.capability by a user", user, "/f", "security.capability", EPERM, ENODATA},
		{"system. ACL by the owner", owner, "/f", "system.posix_acl_access", OK, OK},
		{"system. ACL by another", user, "/f", "system.posix_acl_access", EPERM, OK},
		{"default ACL on a file", owner, "/f", "system.posix_acl_default", EACCES, ENODATA},
		{"other system. names", root, "/f", "system.other", ENOTSUP, ENOTSUP},
		{"unknown namespace", root, "/f", "bogus.a", ENOTSUP, ENOTSUP},
		{"no namespace", root, "/f", "plain", ENOTSUP, ENOTSUP},
		{"empty name", root, "/f", "trusted.", EINVAL, EINVAL},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErrno(t, v.SetXattr(c.ctx, c.file, c.key, []byte("v"), 0), c.set)
			_, err := v.GetXattr(c.ctx, c.file, c.key)
			wantErrno(t, err, c.get)
		})
	}
	// Stored apart: user.trusted.a is a stream, trusted.a an attribute.
	if err := v.SetXattr(root, "/f", "user.trusted.a", []byte("stream"), 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.GetXattr(root, "/f", "trusted.a"); string(got) != "v" {
		t.Fatalf("trusted.a: %q", got)
	}
	if _, ok := x.streams["/f"]["s:trusted.a"]; !ok {
		t.Fatal("user.trusted.a did not reach the backend as the stream trusted.a")
	}
	all, _ := v.ListXattr(root, "/f")
	mine, _ := v.ListXattr(user, "/f")
	for _, c := range []struct {
		list []string
		name string
		want bool
	}{
		{all, "trusted.a", true}, {all, "user.trusted.a", true}, {all, "system.posix_acl_access", true},
		{mine, "trusted.a", false}, {mine, "user.trusted.a", true}, {mine, "system.posix_acl_access", true},
	} {
		if slices.Contains(c.list, c.name) != c.want {
			t.Errorf("listing %q: %s in it should be %v", c.list, c.name, c.want)
		}
	}
	// A symbolic link lists no user. attributes, even when the backend has some.
	x.streams["/l"]["s:stray"] = nil
	if l, _ := v.ListXattr(root, "/l"); slices.Contains(l, "user.stray") || !slices.Contains(l, "trusted.a") {
		t.Errorf("listing of a symbolic link: %q", l)
	}
	wantErrno(t, v.RemoveXattr(user, "/f", "trusted.a"), EPERM)
	wantErrno(t, v.RemoveXattr(root, "/f", "trusted.a"), OK)
}

// TestXattrCallerCapabilities: a caller's privileges are its process's capabilities.
func TestXattrCallerCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_SYS_ADMIN")
	}
	me := WithCaller(bg, Caller{Pid: uint32(os.Getpid()), Uid: 0})
	if !callerCan(me, capSysAdmin) {
		t.Fatal("this root process has no CAP_SYS_ADMIN, says callerCan")
	}
	if callerCan(WithCaller(bg, Caller{Pid: 1 << 30, Uid: 1000}), capSysAdmin) {
		t.Fatal("a process that is gone, of uid 1000, has CAP_SYS_ADMIN")
	}
}

// TestXattrWithoutNamespaces: a NamedStreamHandler alone keeps only user. attributes.
func TestXattrWithoutNamespaces(t *testing.T) {
	x := &xattrFake{fake: newFake(), streams: map[string]map[string][]byte{}}
	v := NewVolume(struct {
		*fake
		NamedStreamHandler
	}{x.fake, x}, quietOpts(Options{}))
	mustCreate(t, v, "/f", "")
	wantErrno(t, v.SetXattr(bg, "/f", "trusted.a", nil, 0), ENOTSUP)
	wantErrno(t, v.SetXattr(bg, "/f", "user.a", nil, 0), OK)
}
