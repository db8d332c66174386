package fstest

import (
	"github.com/anyfs/anyfs/fs"
)

func init() {
	allChecks = append(allChecks,
		check{"Rename", "FileOverFile", checkRenameFileOverFile},
		check{"Rename", "DirOverDir", checkRenameDirOverDir},
		check{"Rename", "Move", checkRenameMove},
		check{"Rename", "OpenFiles", checkRenameOpen},
		check{"Rename", "Exchange", checkRenameExchange},
		check{"Rename", "Refused", checkRenameRefused},
		check{"Rename", "Unsupported", checkRenameUnsupported},
	)
}

func (k *kit) wantContent(t TB, v *volume, name, want, after string) {
	t.Helper()
	if got := k.readFile(t, v, name); got != want {
		t.Errorf("after %s, %s holds %q, want %q", after, name, got, want)
	}
}

func (k *kit) wantMissing(t TB, v *volume, name, after string) {
	t.Helper()
	_, err := v.Stat(k.ctx, name)
	wantErr(t, "after "+after+", Stat "+name, err, fs.ErrNotExist)
}

func checkRenameFileOverFile(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	a, b := dir+"/a", dir+"/b"
	k.writeFile(t, v, a, "new content")
	k.writeFile(t, v, b, "old")
	hb, err := v.Open(k.ctx, b, fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", b, err)
	}
	defer hb.Release(k.ctx)
	if err := v.Rename(k.ctx, a, b, 0); err != nil {
		t.Fatalf("Rename %s over %s: %v", a, b, err)
	}
	what := "renaming a over the file b"
	k.wantMissing(t, v, a, what)
	k.wantContent(t, v, b, "new content", what)
	if fi := k.stat(t, v, b); fi.Size != int64(len("new content")) {
		t.Errorf("after %s, Stat b: size %d, want %d", what, fi.Size, len("new content"))
	}
	if got := k.readAll(t, hb); got != "old" {
		t.Errorf("after %s, a handle open on the old b reads %q, want its own content %q", what, got, "old")
	}
	checkNames(t, "listing after "+what, k.list(t, v, dir), []string{"b"}, true)
}

func checkRenameDirOverDir(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	src, empty, full, file := dir+"/src", dir+"/empty", dir+"/full", dir+"/file"
	for _, d := range []string{src, empty, full} {
		k.mkdir(t, v, d)
	}
	k.writeFile(t, v, src+"/child", "child")
	k.writeFile(t, v, full+"/keep", "keep")
	k.writeFile(t, v, file, "file")

	wantErr(t, "Rename of a directory over a non-empty directory", v.Rename(k.ctx, src, full, 0), fs.ErrNotEmpty)
	wantErr(t, "Rename of a directory over a file", v.Rename(k.ctx, src, file, 0), fs.ErrNotDir)
	wantErr(t, "Rename of a file over a directory", v.Rename(k.ctx, file, empty, 0), fs.ErrIsDir)
	k.wantContent(t, v, full+"/keep", "keep", "refused renames")
	k.wantContent(t, v, src+"/child", "child", "refused renames")
	k.wantContent(t, v, file, "file", "refused renames")

	if err := v.Rename(k.ctx, src, empty, 0); err != nil {
		t.Fatalf("Rename of a directory over an empty directory: %v", err)
	}
	what := "renaming the directory src over the empty directory empty"
	k.wantMissing(t, v, src, what)
	k.wantContent(t, v, empty+"/child", "child", what)
	checkNames(t, "listing after "+what, k.list(t, v, dir), []string{"empty", "full", "file"}, true)
}

func checkRenameMove(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	a, b := dir+"/a", dir+"/b"
	k.mkdir(t, v, a)
	k.mkdir(t, v, b)
	k.writeFile(t, v, a+"/f", "moved")
	k.mkdir(t, v, a+"/sub")
	k.writeFile(t, v, a+"/sub/deep", "deep")
	before := k.stat(t, v, a+"/f")
	if err := v.Rename(k.ctx, a+"/f", b+"/g", 0); err != nil {
		t.Fatalf("Rename %s/f to %s/g: %v", a, b, err)
	}
	if err := v.Rename(k.ctx, a+"/sub", b+"/sub2", 0); err != nil {
		t.Fatalf("Rename %s/sub to %s/sub2: %v", a, b, err)
	}
	what := "moving files across directories"
	k.wantMissing(t, v, a+"/f", what)
	k.wantContent(t, v, b+"/g", "moved", what)
	k.wantContent(t, v, b+"/sub2/deep", "deep", what)
	if after := k.stat(t, v, b+"/g"); before.FileID != 0 && after.FileID != before.FileID {
		t.Errorf("after %s, FileID %d, was %d: a rename keeps the file", what, after.FileID, before.FileID)
	}
	checkNames(t, "listing "+a+" after "+what, k.list(t, v, a), nil, true)
	checkNames(t, "listing "+b+" after "+what, k.list(t, v, b), []string{"g", "sub2"}, true)
}

func checkRenameOpen(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	f, g := dir+"/f", dir+"/g"
	k.writeFile(t, v, f, "hello")
	h, err := v.Open(k.ctx, f, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", f, err)
	}
	defer h.Release(k.ctx)
	if err := v.Rename(k.ctx, f, g, 0); err != nil {
		t.Fatalf("Rename of an open file: %v", err)
	}
	if h.Name() != g {
		t.Errorf("after Rename, the handle's name is %q, want %q", h.Name(), g)
	}
	if got := k.readAll(t, h); got != "hello" {
		t.Errorf("after Rename, the open handle reads %q, want %q", got, "hello")
	}
	k.writeAt(t, h, " world", 5)
	if fi, err := h.Stat(k.ctx); err != nil || fi.Size != 11 {
		t.Errorf("after Rename and a write, Stat of the handle: size %d, %v; want 11", fi.Size, err)
	}
	k.wantContent(t, v, g, "hello world", "writing through a handle of a renamed file")

	// A file open in a directory that moves.
	d, e := dir+"/d", dir+"/e"
	k.mkdir(t, v, d)
	k.writeFile(t, v, d+"/x", "inside")
	hx, err := v.Open(k.ctx, d+"/x", fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s/x: %v", d, err)
	}
	defer hx.Release(k.ctx)
	if err := v.Rename(k.ctx, d, e, 0); err != nil {
		t.Fatalf("Rename of a directory with an open file: %v", err)
	}
	if hx.Name() != e+"/x" {
		t.Errorf("after renaming its directory, the handle's name is %q, want %q", hx.Name(), e+"/x")
	}
	if got := k.readAll(t, hx); got != "inside" {
		t.Errorf("after renaming its directory, the open handle reads %q, want %q", got, "inside")
	}
	if _, err := hx.Stat(k.ctx); err != nil {
		t.Errorf("after renaming its directory, Stat of the open handle: %v", err)
	}
}

func checkRenameExchange(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	a, b := dir+"/a", dir+"/b"
	k.writeFile(t, v, a, "A")
	k.mkdir(t, v, b)
	k.writeFile(t, v, b+"/inside", "in b")
	err := v.Rename(k.ctx, a, b, fs.RenameExchange)
	switch {
	case err == nil:
		k.wantContent(t, v, b, "A", "exchanging a file and a directory")
		k.wantContent(t, v, a+"/inside", "in b", "exchanging a file and a directory")
	case errIs(err, fs.ErrInvalid) || errIs(err, fs.ErrNotSupported):
		t.Logf("exchange not supported: %v", err)
		k.wantContent(t, v, a, "A", "a refused exchange")
		k.wantContent(t, v, b+"/inside", "in b", "a refused exchange")
	default:
		t.Errorf("Rename with RenameExchange: %s; want success, or EINVAL when the backend cannot exchange", errName(err))
	}
	err = v.Rename(k.ctx, a, dir+"/missing", fs.RenameExchange)
	wantErr(t, "Rename with RenameExchange to a missing name", err, fs.ErrNotExist)
}

func checkRenameRefused(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	a, b, d := dir+"/a", dir+"/b", dir+"/d"
	k.writeFile(t, v, a, "A")
	k.writeFile(t, v, b, "B")
	k.mkdir(t, v, d)
	wantErr(t, "Rename with RenameNoReplace over an existing file", v.Rename(k.ctx, a, b, fs.RenameNoReplace), fs.ErrExist)
	wantErr(t, "Rename of a directory into itself", v.Rename(k.ctx, d, d+"/sub", 0), fs.ErrInvalid)
	wantErr(t, "Rename of a missing file", v.Rename(k.ctx, dir+"/missing", dir+"/c", 0), fs.ErrNotExist)
	wantErr(t, "Rename into a missing directory", v.Rename(k.ctx, a, "/fstest-missing/a", 0), fs.ErrNotExist)
	k.wantContent(t, v, a, "A", "refused renames")
	k.wantContent(t, v, b, "B", "refused renames")
	if err := v.Rename(k.ctx, a, a, 0); err != nil {
		t.Errorf("Rename of a file onto itself: %v, want success (nothing happens)", err)
	}
	k.wantContent(t, v, a, "A", "renaming a file onto itself")
}

func checkRenameUnsupported(t TB, k *kit) {
	k.need(t, "write")
	if k.has.rename && !k.opts.NoRename {
		t.Skipf("skipped: the backend renames")
	}
	v := k.vol(t)
	dir := k.work(t, v)
	k.writeFile(t, v, dir+"/a", "A")
	err := v.Rename(k.ctx, dir+"/a", dir+"/b", 0)
	if err == nil {
		t.Logf("Options.NoRename is set, but Rename succeeded")
		return
	}
	wantErr(t, "Rename on a backend without rename", err, fs.ErrNotSupported, fs.ErrNotPermitted, fs.ErrCrossDevice, fs.ErrInvalid)
	k.wantContent(t, v, dir+"/a", "A", "a refused rename")
}
