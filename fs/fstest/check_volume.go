package fstest

import (
	"fmt"

	"github.com/anyfs/anyfs/fs"
)

// The Contexts and Errors checks drive the backend through a volume.

func init() {
	allChecks = append(allChecks,
		check{"Options", "Capabilities", checkCapabilities},
		check{"Contexts", "CloseOnce", checkCloseOnce},
		check{"Contexts", "FireAllOpenCloseEvents", checkFireAll},
		check{"Contexts", "Unmount", checkUnmount},
		check{"Contexts", "FailedOperations", checkFailedOps},
		check{"Errors", "StatMissing", checkStatMissing},
		check{"Errors", "OpenMissing", checkOpenMissingVolume},
		check{"Errors", "CreateExisting", checkCreateExisting},
		check{"Errors", "CreateInMissingParent", checkCreateInMissingParent},
		check{"Errors", "Remove", checkRemoveErrors},
	)
}

// checkCapabilities compares the declared Options with the events the backend has.
func checkCapabilities(t TB, k *kit) {
	if !k.opts.ReadOnly && !k.has.write {
		t.Errorf("the backend has no fs.CreateFileHandler and fs.WriteFileHandler, so it is read-only: set Options.ReadOnly (and Options.Files)")
	}
	if k.ro {
		if len(k.fixture) == 0 && len(k.opts.Dirs) == 0 {
			t.Logf("read-only backend without Options.Files or Options.Dirs: the fixture checks have nothing to read")
		}
		return
	}
	for _, c := range []struct {
		declared, has bool
		iface, opt    string
	}{
		{k.opts.NoRename, k.has.rename, "fs.RenameOrMoveFileHandler", "NoRename"},
		{k.opts.NoHardLinks, k.has.links, "fs.CreateHardLinkHandler", "NoHardLinks"},
		{k.opts.NoSymlinks, k.has.symlinks, "fs.SymlinkHandler", "NoSymlinks"},
		{k.opts.NoNamedStreams, k.has.streams, "fs.NamedStreamHandler", "NoNamedStreams"},
	} {
		if !c.declared && !c.has {
			t.Errorf("the backend does not implement %s: set Options.%s", c.iface, c.opt)
		}
	}
	if !k.has.del {
		t.Logf("the backend has no fs.DeleteFileHandler: unlink and rmdir are not checked")
	}
	if !k.has.setattr {
		t.Logf("the backend has no fs.SetFileAttributesHandler: chmod, chown and utimes are not checked")
	}
}

func checkCloseOnce(t TB, k *kit) {
	name := k.someFile(t)
	if name == "" {
		t.Skipf("skipped: the fixture has no file")
	}
	v := k.vol(t)
	before := len(v.rec.FilesNamed(name))
	var hs []*fs.Handle
	for range 3 {
		h, err := v.Open(k.ctx, name, fs.AccessRead, 0)
		if err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		hs = append(hs, h)
	}
	recs := v.rec.FilesNamed(name)[before:]
	if len(recs) != 1 || recs[0].Opens != 1 {
		t.Fatalf("3 handles of %s: %d FileContexts %+v; want one, from one OnOpenFile", name, len(recs), recs)
	}
	for i, h := range hs {
		k.readAll(t, h)
		h.Release(k.ctx)
		rec := v.rec.FilesNamed(name)[before]
		want := 0
		if i == len(hs)-1 {
			want = 1
		}
		if rec.Closes != want {
			t.Errorf("after closing %d of 3 handles of %s: OnCloseFile fired %d times, want %d", i+1, name, rec.Closes, want)
		}
	}
	hs[0].Release(k.ctx)
	if rec := v.rec.FilesNamed(name)[before]; rec.Closes != 1 {
		t.Errorf("closing a handle of %s twice: OnCloseFile fired %d times, want 1", name, rec.Closes)
	}

	dir, _ := fs.Split(name)
	dBefore, lBefore := len(v.rec.FilesNamed(dir)), len(v.rec.Listings())
	d1, err := v.OpenDir(k.ctx, dir)
	if err != nil {
		t.Fatalf("OpenDir %s: %v", dir, err)
	}
	d2, err := v.OpenDir(k.ctx, dir)
	if err != nil {
		t.Fatalf("OpenDir %s: %v", dir, err)
	}
	for _, d := range []*fs.Dir{d1, d2} {
		if err := d.ReadDir(k.ctx, 0, func(*fs.FileInfo, int64) bool { return true }); err != nil {
			t.Errorf("ReadDir %s: %v", dir, err)
		}
	}
	d1.Close(k.ctx)
	d2.Close(k.ctx)
	d2.Close(k.ctx)
	drecs := v.rec.FilesNamed(dir)[dBefore:]
	if len(drecs) != 1 || drecs[0].Opens != 1 || drecs[0].Closes != 1 {
		t.Errorf("two open handles of directory %s: FileContexts %+v; want one opened and closed once", dir, drecs)
	}
	for _, l := range v.rec.Listings()[lBefore:] {
		if l.Closes != 1 {
			t.Errorf("listing of %s: OnCloseDirectoryEnumeration fired %d times, want 1", l.Name, l.Closes)
		}
	}
	if n := len(v.rec.Listings()) - lBefore; n != 2 {
		t.Errorf("two listings of %s: the backend saw %d listings, want 2", dir, n)
	}
}

func checkFireAll(t TB, k *kit) {
	name := k.someFile(t)
	if name == "" {
		t.Skipf("skipped: the fixture has no file")
	}
	v := k.newVol(t, func(o *fs.Options) { o.FireAllOpenCloseEvents = true })
	var hs []*fs.Handle
	for range 3 {
		h, err := v.Open(k.ctx, name, fs.AccessRead, 0)
		if err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		hs = append(hs, h)
	}
	recs := v.rec.FilesNamed(name)
	if len(recs) != 1 || recs[0].Opens != 3 {
		t.Fatalf("3 handles of %s with FireAllOpenCloseEvents: FileContexts %+v; want one, shared by 3 OnOpenFile", name, recs)
	}
	for i, h := range hs {
		k.readAll(t, h)
		h.Release(k.ctx)
		h.Release(k.ctx)
		rec := v.rec.FilesNamed(name)[0]
		if rec.Closes != i+1 {
			t.Errorf("with FireAllOpenCloseEvents, after closing %d of 3 handles of %s: OnCloseFile fired %d times, want %d", i+1, name, rec.Closes, i+1)
		}
		if want := i < len(hs)-1; rec.StillOpen != want {
			t.Errorf("with FireAllOpenCloseEvents, closing %d of 3 handles of %s: StillOpen %v, want %v", i+1, name, rec.StillOpen, want)
		}
	}
}

func checkUnmount(t TB, k *kit) {
	var f1, f2, dir string
	if k.ro {
		files := k.fixtureFiles()
		if len(files) == 0 {
			t.Skipf("skipped: the fixture has no file")
		}
		f1, f2, dir = files[0], files[len(files)-1], "/"
	} else {
		w := k.vol(t)
		dir = k.work(t, w)
		f1, f2 = dir+"/one", dir+"/two"
		k.writeFile(t, w, f1, "one")
		k.writeFile(t, w, f2, "two")
		for i := range 10 {
			k.writeFile(t, w, fmt.Sprintf("%s/more%d", dir, i), "")
		}
	}
	v := k.newVol(t, func(o *fs.Options) { o.EnumerationPageSize = 2 })
	var hs []*fs.Handle
	for _, name := range []string{f1, f1, f2} {
		h, err := v.Open(k.ctx, name, fs.AccessRead, 0)
		if err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		hs = append(hs, h)
	}
	d, err := v.OpenDir(k.ctx, dir)
	if err != nil {
		t.Fatalf("OpenDir %s: %v", dir, err)
	}
	n := 0
	if err := d.ReadDir(k.ctx, 0, func(*fs.FileInfo, int64) bool { n++; return n < 2 }); err != nil {
		t.Fatalf("ReadDir %s: %v", dir, err)
	}
	if err := v.Unmounted(k.ctx, "/mnt"); err != nil {
		t.Errorf("Unmounted: %v", err)
	}
	for _, f := range v.rec.Files() {
		if f.Opens != f.Closes {
			t.Errorf("after Unmounted: FileContext of %s opened %d times, closed %d times", f.Name, f.Opens, f.Closes)
		}
	}
	for _, l := range v.rec.Listings() {
		if l.Closes != 1 {
			t.Errorf("after Unmounted: listing of %s closed %d times, want 1", l.Name, l.Closes)
		}
	}
	closes, enumCloses := v.rec.Count("OnCloseFile"), v.rec.Count("OnCloseDirectoryEnumeration")
	for _, h := range hs {
		h.Release(k.ctx)
	}
	d.Close(k.ctx)
	v.Unmounted(k.ctx, "/mnt")
	if c, e := v.rec.Count("OnCloseFile"), v.rec.Count("OnCloseDirectoryEnumeration"); c != closes || e != enumCloses {
		t.Errorf("closing handles after Unmounted fired %d more OnCloseFile and %d more OnCloseDirectoryEnumeration, want none", c-closes, e-enumCloses)
	}
	_, notified := k.b.(fs.MountHandler)
	if c := v.rec.Count("OnUnmount"); c > 1 || notified && c != 1 {
		t.Errorf("Unmounted twice fired OnUnmount %d times, want 1", c)
	}
	if h, err := v.Open(k.ctx, f1, fs.AccessRead, 0); err == nil {
		h.Release(k.ctx)
		t.Errorf("Open after Unmounted succeeded, want an error")
	}
}

func checkFailedOps(t TB, k *kit) {
	v := k.vol(t)
	fails := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s succeeded, want an error", what)
		}
	}
	_, err := v.Open(k.ctx, "/fstest-missing", fs.AccessRead, 0)
	fails("Open /fstest-missing", err)
	_, err = v.OpenDir(k.ctx, "/fstest-missing")
	fails("OpenDir /fstest-missing", err)
	if file := k.someFile(t); file != "" {
		if d, err := v.OpenDir(k.ctx, file); err == nil {
			d.Close(k.ctx)
		}
		if k.ro {
			_, err = v.Open(k.ctx, file, fs.AccessWrite, 0)
			fails("Open for writing on a read-only volume", err)
		} else {
			_, _, err = v.Create(k.ctx, file, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite, Exclusive: true})
			fails("Create (exclusive) over "+file, err)
			_, err = v.Mkdir(k.ctx, file, 0o755)
			fails("Mkdir over "+file, err)
			_, _, err = v.Create(k.ctx, "/fstest-missing/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
			fails("Create in a missing directory", err)
			// A create that opens the existing file instead.
			h, _, err := v.Create(k.ctx, file, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead})
			if err != nil {
				t.Errorf("Create (not exclusive) over %s: %v, want it opened", file, err)
			} else {
				h.Release(k.ctx)
			}
		}
	}
	for _, f := range v.rec.Files() {
		if f.Open() {
			t.Errorf("after failed operations and closes, FileContext of %s is still open (opened %d, closed %d)", f.Name, f.Opens, f.Closes)
		}
	}
	for _, l := range v.rec.Listings() {
		if l.Closes != 1 {
			t.Errorf("after failed operations, listing of %s closed %d times, want 1", l.Name, l.Closes)
		}
	}
}

func checkStatMissing(t TB, k *kit) {
	v := k.vol(t)
	_, err := v.Stat(k.ctx, "/fstest-missing")
	wantErr(t, "Stat /fstest-missing", err, fs.ErrNotExist)
	_, err = v.Stat(k.ctx, "/fstest-missing/child")
	wantErr(t, "Stat /fstest-missing/child", err, fs.ErrNotExist)
	_, err = v.Lookup(k.ctx, "/", "fstest-missing")
	wantErr(t, "Lookup / fstest-missing", err, fs.ErrNotExist)
}

func checkOpenMissingVolume(t TB, k *kit) {
	v := k.vol(t)
	_, err := v.Open(k.ctx, "/fstest-missing", fs.AccessRead, 0)
	wantErr(t, "Open /fstest-missing", err, fs.ErrNotExist)
	_, err = v.OpenDir(k.ctx, "/fstest-missing")
	wantErr(t, "OpenDir /fstest-missing", err, fs.ErrNotExist)
}

func checkCreateExisting(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	dir := k.work(t, v)
	file := dir + "/file"
	k.writeFile(t, v, file, "content")
	_, _, err := v.Create(k.ctx, file, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite, Exclusive: true})
	wantErr(t, "Create (exclusive) over a file", err, fs.ErrExist)
	_, err = v.Mkdir(k.ctx, file, 0o755)
	wantErr(t, "Mkdir over a file", err, fs.ErrExist)
	_, err = v.Mkdir(k.ctx, dir, 0o755)
	wantErr(t, "Mkdir over a directory", err, fs.ErrExist)
	h, _, err := v.Create(k.ctx, file, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead})
	if err != nil {
		t.Fatalf("Create (not exclusive) over a file: %v, want it opened", err)
	}
	if got := k.readAll(t, h); got != "content" {
		t.Errorf("Create (not exclusive) over a file holding %q: reads %q", "content", got)
	}
	h.Release(k.ctx)
}

func checkCreateInMissingParent(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	_, _, err := v.Create(k.ctx, "/fstest-missing/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	wantErr(t, "Create /fstest-missing/f", err, fs.ErrNotExist)
	_, err = v.Mkdir(k.ctx, "/fstest-missing/d", 0o755)
	wantErr(t, "Mkdir /fstest-missing/d", err, fs.ErrNotExist)
	if k.has.symlinks && !k.opts.NoSymlinks {
		_, err = v.Symlink(k.ctx, "target", "/fstest-missing/l")
		wantErr(t, "Symlink /fstest-missing/l", err, fs.ErrNotExist)
	}
	file := k.work(t, v) + "/file"
	k.writeFile(t, v, file, "x")
	_, _, err = v.Create(k.ctx, file+"/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	wantErr(t, "Create below a file", err, fs.ErrNotDir)
}

func checkRemoveErrors(t TB, k *kit) {
	k.need(t, "write")
	k.need(t, "delete")
	v := k.vol(t)
	dir := k.work(t, v)
	full, file := dir+"/full", dir+"/full/file"
	k.mkdir(t, v, full)
	k.writeFile(t, v, file, "x")
	wantErr(t, "rmdir of a non-empty directory", v.Remove(k.ctx, full, true), fs.ErrNotEmpty)
	wantErr(t, "unlink of a directory", v.Remove(k.ctx, full, false), fs.ErrIsDir)
	wantErr(t, "rmdir of a file", v.Remove(k.ctx, file, true), fs.ErrNotDir)
	wantErr(t, "unlink of a missing file", v.Remove(k.ctx, dir+"/missing", false), fs.ErrNotExist)
	wantErr(t, "rmdir of a missing directory", v.Remove(k.ctx, dir+"/missing", true), fs.ErrNotExist)
	if got := k.readFile(t, v, file); got != "x" {
		t.Errorf("after refused removals %s holds %q, want %q", file, got, "x")
	}
	// And the allowed ones.
	if err := v.Remove(k.ctx, file, false); err != nil {
		t.Errorf("unlink %s: %v", file, err)
	}
	if err := v.Remove(k.ctx, full, true); err != nil {
		t.Errorf("rmdir of %s once empty: %v", full, err)
	}
	for _, n := range []string{file, full} {
		_, err := v.Stat(k.ctx, n)
		wantErr(t, "Stat of removed "+n, err, fs.ErrNotExist)
	}
	if l := names(k.list(t, v, dir)); contains(l, "full") {
		t.Errorf("listing %s after rmdir full: %v", dir, l)
	}
}
