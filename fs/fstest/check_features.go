package fstest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

func init() {
	allChecks = append(allChecks,
		check{"Attributes", "Chmod", checkChmod},
		check{"Attributes", "Chown", checkChown},
		check{"Attributes", "Times", checkTimes},
		check{"Attributes", "FileAttributes", checkFileAttributes},
		check{"HardLinks", "Link", checkHardLink},
		check{"HardLinks", "Unsupported", checkHardLinkUnsupported},
		check{"Symlinks", "Targets", checkSymlinkTargets},
		check{"Symlinks", "Unsupported", checkSymlinkUnsupported},
		check{"NamedStreams", "Events", checkStreamEvents},
		check{"NamedStreams", "Xattr", checkStreamXattr},
		check{"NamedStreams", "Unsupported", checkStreamUnsupported},
	)
}

// attrTargets makes a file and a directory to change.
func (k *kit) attrTargets(t TB) (*volume, []string) {
	t.Helper()
	k.need(t, "write")
	v := k.vol(t)
	dir := k.work(t, v)
	if !k.has.setattr {
		k.writeFile(t, v, dir+"/f", "x")
		_, err := v.SetAttributes(k.ctx, dir+"/f", fs.Change{Valid: fs.ChangeMode, Mode: 0o600})
		wantErr(t, "SetAttributes on a backend without fs.SetFileAttributesHandler", err, fs.ErrNotSupported)
		t.Skipf("skipped: the backend has no fs.SetFileAttributesHandler")
	}
	k.writeFile(t, v, dir+"/f", "x")
	k.mkdir(t, v, dir+"/d")
	return v, []string{dir + "/f", dir + "/d"}
}

func checkChmod(t TB, k *kit) {
	v, names := k.attrTargets(t)
	if k.opts.NoPermissions {
		checkChmodReadOnly(t, k, v, names)
		return
	}
	for _, name := range names {
		for _, mode := range []attr.Mode{0o600, 0o751, 0o644, 0o2755} {
			fi, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeMode, Mode: mode})
			if err != nil {
				t.Errorf("chmod %s %#o: %v", name, mode, err)
				continue
			}
			if st := k.stat(t, v, name); st.Mode.Perm() != mode || fi.Mode.Perm() != mode {
				t.Errorf("chmod %s %#o: Stat says %#o, the reply %#o", name, mode, st.Mode.Perm(), fi.Mode.Perm())
			}
			if st := k.stat(t, v, name); st.Mode.IsDir() != strings.HasSuffix(name, "/d") {
				t.Errorf("chmod %s %#o changed the file type to %s", name, mode, typeName(st.Mode))
			}
		}
	}
	// Through a handle (fchmod).
	h, err := v.Open(k.ctx, names[0], fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", names[0], err)
	}
	defer h.Release(k.ctx)
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeMode, Mode: 0o640}); err != nil {
		t.Errorf("fchmod %s 0640: %v", names[0], err)
	}
	if st := k.stat(t, v, names[0]); st.Mode.Perm() != 0o640 {
		t.Errorf("fchmod %s 0640: Stat says %#o", names[0], st.Mode.Perm())
	}
}

// checkChmodReadOnly checks mode changes on a backend that keeps only the
// ReadOnly attribute (Options.NoPermissions): the owner write bit of a file's mode
// sets or clears it, which Stat shows as a mode without or with write bits; a
// directory's mode changes nothing, but the change succeeds.
func checkChmodReadOnly(t TB, k *kit, v *volume, names []string) {
	file, dir := names[0], names[1]
	want := func(what string, fi fs.FileInfo, readOnly bool) {
		t.Helper()
		if fi.Mode&attr.S_IWUSR == 0 != readOnly {
			t.Errorf("%s: mode %#o (attributes %v), want it read-only: %v", what, fi.Mode.Perm(), fi.Attributes, readOnly)
		}
	}
	for _, mode := range []attr.Mode{0o444, 0o644, 0o500, 0o600, 0o2755} {
		fi, err := v.SetAttributes(k.ctx, file, fs.Change{Valid: fs.ChangeMode, Mode: mode})
		if err != nil {
			t.Errorf("chmod %s %#o: %v", file, mode, err)
			continue
		}
		readOnly := mode&attr.S_IWUSR == 0
		want(fmt.Sprintf("chmod %s %#o, the reply", file, mode), fi, readOnly)
		want(fmt.Sprintf("chmod %s %#o, Stat", file, mode), k.stat(t, v, file), readOnly)
	}
	for _, mode := range []attr.Mode{0o500, 0o755} {
		if _, err := v.SetAttributes(k.ctx, dir, fs.Change{Valid: fs.ChangeMode, Mode: mode}); err != nil {
			t.Errorf("chmod %s %#o: %v", dir, mode, err)
		}
		if st := k.stat(t, v, dir); !st.Mode.IsDir() {
			t.Errorf("chmod %s %#o changed the file type to %s", dir, mode, typeName(st.Mode))
		}
	}
	// Through a handle (fchmod), and back.
	h, err := v.Open(k.ctx, file, fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", file, err)
	}
	defer h.Release(k.ctx)
	for _, mode := range []attr.Mode{0o440, 0o640} {
		if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeMode, Mode: mode}); err != nil {
			t.Errorf("fchmod %s %#o: %v", file, mode, err)
		}
		want(fmt.Sprintf("fchmod %s %#o, Stat", file, mode), k.stat(t, v, file), mode&attr.S_IWUSR == 0)
	}
}

func checkChown(t TB, k *kit) {
	if k.opts.NoOwners {
		t.Skipf("skipped: Options.NoOwners")
	}
	v, names := k.attrTargets(t)
	for _, name := range names {
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeUid | fs.ChangeGid, Uid: 1234, Gid: 5678}); err != nil {
			t.Errorf("chown %s 1234:5678: %v", name, err)
			continue
		}
		if st := k.stat(t, v, name); st.Uid != 1234 || st.Gid != 5678 {
			t.Errorf("chown %s 1234:5678: Stat says %d:%d", name, st.Uid, st.Gid)
		}
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeGid, Gid: 4321}); err != nil {
			t.Errorf("chgrp %s 4321: %v", name, err)
			continue
		}
		if st := k.stat(t, v, name); st.Uid != 1234 || st.Gid != 4321 {
			t.Errorf("chgrp %s 4321 after chown 1234:5678: Stat says %d:%d, want 1234:4321", name, st.Uid, st.Gid)
		}
	}
}

func checkTimes(t TB, k *kit) {
	v, names := k.attrTargets(t)
	atime := time.Date(2001, 2, 3, 4, 5, 6, 123456789, time.UTC)
	mtime := time.Date(2002, 3, 4, 5, 6, 7, 987654321, time.UTC)
	mtime2 := time.Date(2010, 1, 1, 0, 0, 0, 1, time.UTC)
	for _, name := range names {
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeAtime | fs.ChangeMtime, Atime: atime, Mtime: mtime}); err != nil {
			t.Errorf("utimes %s: %v", name, err)
			continue
		}
		st := k.stat(t, v, name)
		if !k.sameTime(st.LastAccessTime, atime) || !k.sameTime(st.LastWriteTime, mtime) {
			t.Errorf("utimes %s: Stat says atime %v mtime %v, want %v and %v (Options.TimeGranularity %v)",
				name, st.LastAccessTime, st.LastWriteTime, atime, mtime, k.opts.TimeGranularity)
		}
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeMtime, Mtime: mtime2}); err != nil {
			t.Errorf("utimes %s (mtime only): %v", name, err)
			continue
		}
		st = k.stat(t, v, name)
		if !k.sameTime(st.LastWriteTime, mtime2) {
			t.Errorf("utimes %s (mtime only): mtime %v, want %v", name, st.LastWriteTime, mtime2)
		}
		if !k.sameTime(st.LastAccessTime, atime) {
			t.Errorf("utimes %s (mtime only): atime changed to %v, want it kept at %v", name, st.LastAccessTime, atime)
		}
	}
	// Through a handle (futimens).
	h, err := v.Open(k.ctx, names[0], fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", names[0], err)
	}
	defer h.Release(k.ctx)
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeMtime, Mtime: mtime}); err != nil {
		t.Errorf("futimens %s: %v", names[0], err)
	} else if st := k.stat(t, v, names[0]); !k.sameTime(st.LastWriteTime, mtime) {
		t.Errorf("futimens %s: mtime %v, want %v", names[0], st.LastWriteTime, mtime)
	}
}

func checkFileAttributes(t TB, k *kit) {
	if k.opts.NoFileAttributes {
		t.Skipf("skipped: Options.NoFileAttributes")
	}
	v, names := k.attrTargets(t)
	for _, name := range names {
		set := attr.Hidden | attr.Archive
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeAttributes, Attributes: set}); err != nil {
			t.Errorf("setting attributes HIDDEN|ARCHIVE on %s: %v", name, err)
			continue
		}
		if st := k.stat(t, v, name); st.Attributes&set != set {
			t.Errorf("setting attributes HIDDEN|ARCHIVE on %s: Stat says %v", name, st.Attributes)
		}
		if _, err := v.SetAttributes(k.ctx, name, fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.Normal}); err != nil {
			t.Errorf("clearing attributes of %s (NORMAL): %v", name, err)
			continue
		}
		st := k.stat(t, v, name)
		if st.Attributes&set != 0 {
			t.Errorf("clearing attributes of %s (NORMAL): Stat says %v", name, st.Attributes)
		}
		if st.Mode.IsDir() != strings.HasSuffix(name, "/d") {
			t.Errorf("clearing attributes of %s changed its type to %s", name, typeName(st.Mode))
		}
	}
}

func checkHardLink(t TB, k *kit) {
	k.need(t, "links")
	v := k.vol(t)
	dir := k.work(t, v)
	a, b := dir+"/a", dir+"/b"
	k.writeFile(t, v, a, "shared")
	fi, err := v.Link(k.ctx, a, b)
	if err != nil {
		t.Fatalf("Link %s %s: %v", a, b, err)
	}
	if fi.Name != "b" {
		t.Errorf("Link reply: name %q, want %q", fi.Name, "b")
	}
	sa, sb := k.stat(t, v, a), k.stat(t, v, b)
	if sa.LinkCount != 2 || sb.LinkCount != 2 {
		t.Errorf("after Link: LinkCount %d and %d, want 2", sa.LinkCount, sb.LinkCount)
	}
	if sa.FileID != sb.FileID {
		t.Errorf("after Link: FileID %d and %d, want the same", sa.FileID, sb.FileID)
	}
	h, err := v.Open(k.ctx, b, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", b, err)
	}
	k.writeAt(t, h, "SH", 0)
	h.Release(k.ctx)
	k.wantContent(t, v, a, "SHared", "writing through the other link")
	checkNames(t, "listing after Link", k.list(t, v, dir), []string{"a", "b"}, true)
	_, err = v.Link(k.ctx, a, b)
	wantErr(t, "Link over an existing name", err, fs.ErrExist)
	_, err = v.Link(k.ctx, dir, dir+"/dirlink")
	wantErr(t, "Link of a directory", err, fs.ErrNotPermitted)
	if !k.has.del {
		return
	}
	if err := v.Remove(k.ctx, a, false); err != nil {
		t.Fatalf("unlink %s: %v", a, err)
	}
	k.wantContent(t, v, b, "SHared", "unlinking the other link")
	if sb := k.stat(t, v, b); sb.LinkCount != 1 {
		t.Errorf("after unlinking one of two links: LinkCount %d, want 1", sb.LinkCount)
	}
}

func checkHardLinkUnsupported(t TB, k *kit) {
	k.need(t, "write")
	if k.has.links && !k.opts.NoHardLinks {
		t.Skipf("skipped: the backend makes hard links")
	}
	v := k.vol(t)
	dir := k.work(t, v)
	k.writeFile(t, v, dir+"/a", "a")
	_, err := v.Link(k.ctx, dir+"/a", dir+"/b")
	if err == nil {
		t.Logf("Options.NoHardLinks is set, but Link succeeded")
		return
	}
	wantErr(t, "Link on a backend without hard links", err, fs.ErrNotPermitted, fs.ErrNotSupported)
	k.wantMissing(t, v, dir+"/b", "a refused Link")
}

func checkSymlinkTargets(t TB, k *kit) {
	k.need(t, "symlinks")
	v := k.vol(t)
	dir := k.work(t, v)
	targets := []string{"../x", "/abs/path", "a/b/c", "dangling", "with space", "ünïcødé", "./dot/", "..", "a//b",
		strings.Repeat("long/", 200) + "end"}
	for i, target := range targets {
		name := fmt.Sprintf("%s/l%d", dir, i)
		fi, err := v.Symlink(k.ctx, target, name)
		if err != nil {
			t.Errorf("Symlink %q %s: %v", target, name, err)
			continue
		}
		if !fi.Mode.IsSymlink() {
			t.Errorf("Symlink %q: the reply's type is %s", target, typeName(fi.Mode))
		}
		got, err := v.Readlink(k.ctx, name)
		if err != nil || got != target {
			t.Errorf("Readlink %s: %q, %v; want %q exactly as given", name, got, err, target)
		}
		st := k.stat(t, v, name)
		if !st.Mode.IsSymlink() {
			t.Errorf("Stat %s: %s, want a symbolic link (not followed)", name, typeName(st.Mode))
		}
		if st.Size != int64(len(target)) {
			t.Errorf("Stat %s: size %d, want the target's length %d", name, st.Size, len(target))
		}
	}
	for _, fi := range k.list(t, v, dir) {
		if !fi.Mode.IsSymlink() {
			t.Errorf("listing %s: %s is a %s, want a symbolic link", dir, fi.Name, typeName(fi.Mode))
		}
	}
	_, err := v.Symlink(k.ctx, "other", dir+"/l0")
	wantErr(t, "Symlink over an existing name", err, fs.ErrExist)
	if got, _ := v.Readlink(k.ctx, dir+"/l0"); got != targets[0] {
		t.Errorf("after a refused Symlink over it, Readlink: %q, want %q", got, targets[0])
	}
}

func checkSymlinkUnsupported(t TB, k *kit) {
	k.need(t, "write")
	if k.has.symlinks && !k.opts.NoSymlinks {
		t.Skipf("skipped: the backend makes symbolic links")
	}
	v := k.vol(t)
	dir := k.work(t, v)
	_, err := v.Symlink(k.ctx, "target", dir+"/l")
	if err == nil {
		t.Logf("Options.NoSymlinks is set, but Symlink succeeded")
		return
	}
	wantErr(t, "Symlink on a backend without symbolic links", err, fs.ErrNotSupported, fs.ErrNotPermitted)
	k.wantMissing(t, v, dir+"/l", "a refused Symlink")
}

func checkStreamEvents(t TB, k *kit) {
	k.need(t, "streams")
	v := k.vol(t)
	dir := k.work(t, v)
	file := dir + "/f"
	k.writeFile(t, v, file, "main data")
	ns := k.b.(fs.NamedStreamHandler)
	set := func(name, stream string, data []byte, create, replace bool) error {
		return ns.OnSetNamedStream(k.ctx, &fs.SetNamedStreamEvent{Name: name, Stream: stream, Data: data, Create: create, Replace: replace})
	}
	get := func(name, stream string) ([]byte, error) {
		e := fs.GetNamedStreamEvent{Name: name, Stream: stream}
		err := ns.OnGetNamedStream(k.ctx, &e)
		return e.Data, err
	}
	list := func(name string) []string {
		e := fs.ListNamedStreamsEvent{Name: name}
		if err := ns.OnListNamedStreams(k.ctx, &e); err != nil {
			t.Errorf("OnListNamedStreams %s: %v", name, err)
		}
		sort.Strings(e.Streams)
		return e.Streams
	}
	binary := []byte{0, 1, 2, 0, 255, '\n'}
	for _, name := range []string{file, dir} {
		if l := list(name); len(l) != 0 {
			t.Errorf("OnListNamedStreams of new %s: %q, want none", name, l)
		}
		for stream, data := range map[string][]byte{"s1": []byte("hello"), "bin": binary, "empty": {}} {
			if err := set(name, stream, data, false, false); err != nil {
				t.Errorf("OnSetNamedStream %s %s: %v", name, stream, err)
			}
		}
		if l := list(name); strings.Join(l, ",") != "bin,empty,s1" {
			t.Errorf("OnListNamedStreams %s: %q, want [bin empty s1]", name, l)
		}
		for stream, want := range map[string][]byte{"s1": []byte("hello"), "bin": binary, "empty": {}} {
			if got, err := get(name, stream); err != nil || !bytes.Equal(got, want) {
				t.Errorf("OnGetNamedStream %s %s: %q, %v; want %q", name, stream, got, err, want)
			}
		}
		_, err := get(name, "missing")
		wantErr(t, "OnGetNamedStream of a missing stream", err, fs.ErrNoAttribute)
		wantErr(t, "OnSetNamedStream with Create over an existing stream", set(name, "s1", []byte("x"), true, false), fs.ErrExist)
		wantErr(t, "OnSetNamedStream with Replace of a missing stream", set(name, "new", []byte("x"), false, true), fs.ErrNoAttribute)
		if err := set(name, "s1", []byte("replaced"), false, true); err != nil {
			t.Errorf("OnSetNamedStream with Replace of an existing stream: %v", err)
		}
		if err := set(name, "new", []byte("created"), true, false); err != nil {
			t.Errorf("OnSetNamedStream with Create of a new stream: %v", err)
		}
		if got, _ := get(name, "s1"); string(got) != "replaced" {
			t.Errorf("after Replace, stream s1 of %s holds %q, want %q", name, got, "replaced")
		}
		if err := ns.OnDeleteNamedStream(k.ctx, &fs.DeleteNamedStreamEvent{Name: name, Stream: "s1"}); err != nil {
			t.Errorf("OnDeleteNamedStream %s s1: %v", name, err)
		}
		_, err = get(name, "s1")
		wantErr(t, "OnGetNamedStream of a deleted stream", err, fs.ErrNoAttribute)
		err = ns.OnDeleteNamedStream(k.ctx, &fs.DeleteNamedStreamEvent{Name: name, Stream: "s1"})
		wantErr(t, "OnDeleteNamedStream of a missing stream", err, fs.ErrNoAttribute)
		if l := list(name); strings.Join(l, ",") != "bin,empty,new" {
			t.Errorf("OnListNamedStreams %s after changes: %q, want [bin empty new]", name, l)
		}
	}
	k.wantContent(t, v, file, "main data", "setting named streams")
	_, err := get("/fstest-missing", "s")
	wantErr(t, "OnGetNamedStream of a missing file", err, fs.ErrNotExist)
}

func checkStreamXattr(t TB, k *kit) {
	k.need(t, "streams")
	v := k.vol(t)
	file := k.work(t, v) + "/f"
	k.writeFile(t, v, file, "x")
	x := xattrName("color")
	if err := v.SetXattr(k.ctx, file, x, []byte("blue"), fs.XattrCreate); err != nil {
		t.Fatalf("SetXattr %s %s: %v", file, x, err)
	}
	if got, err := v.GetXattr(k.ctx, file, x); err != nil || string(got) != "blue" {
		t.Errorf("GetXattr %s: %q, %v; want %q", x, got, err, "blue")
	}
	if l, err := v.ListXattr(k.ctx, file); err != nil || !contains(l, x) {
		t.Errorf("ListXattr: %q, %v; want it to hold %q", l, err, x)
	}
	wantErr(t, "SetXattr with XattrCreate over an existing attribute", v.SetXattr(k.ctx, file, x, []byte("red"), fs.XattrCreate), fs.ErrExist)
	wantErr(t, "SetXattr with XattrReplace of a missing attribute", v.SetXattr(k.ctx, file, xattrName("none"), []byte("red"), fs.XattrReplace), fs.ErrNoAttribute)
	// Through an open handle: the volume passes the FileContext.
	h, err := v.Open(k.ctx, file, fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer h.Release(k.ctx)
	if err := v.SetXattr(k.ctx, file, x, []byte("green"), fs.XattrReplace); err != nil {
		t.Errorf("SetXattr with XattrReplace while the file is open: %v", err)
	}
	if err := v.RemoveXattr(k.ctx, file, x); err != nil {
		t.Errorf("RemoveXattr: %v", err)
	}
	_, err = v.GetXattr(k.ctx, file, x)
	wantErr(t, "GetXattr after RemoveXattr", err, fs.ErrNoAttribute)
}

func checkStreamUnsupported(t TB, k *kit) {
	k.need(t, "write")
	if k.has.streams && !k.opts.NoNamedStreams {
		t.Skipf("skipped: the backend stores named streams")
	}
	v := k.vol(t)
	file := k.work(t, v) + "/f"
	k.writeFile(t, v, file, "x")
	err := v.SetXattr(k.ctx, file, xattrName("color"), []byte("blue"), 0)
	if err == nil {
		t.Logf("Options.NoNamedStreams is set, but SetXattr succeeded")
		return
	}
	wantErr(t, "SetXattr on a backend without named streams", err, fs.ErrNotSupported)
	if l, err := v.ListXattr(k.ctx, file); err != nil || len(l) != 0 {
		t.Errorf("ListXattr on a backend without named streams: %q, %v; want nothing", l, err)
	}
}
