package fstest

import (
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

func init() {
	allChecks = append(allChecks,
		check{"ReadOnly", "Fixture", checkFixture},
		check{"ReadOnly", "ReadAtOffsets", checkFixtureOffsets},
		check{"ReadOnly", "WritesRefused", checkWritesRefused},
		check{"Tree", "CheckFS", checkTree},
	)
}

func checkFixture(t TB, k *kit) {
	if len(k.fixture) == 0 && len(k.opts.Dirs) == 0 {
		t.Skipf("skipped: no Options.Files or Options.Dirs")
	}
	v := k.vol(t)
	for _, name := range k.fixtureFiles() {
		want := k.fixture[name]
		fi, err := v.Stat(k.ctx, name)
		if err != nil {
			t.Errorf("fixture file %s: Stat: %v", name, err)
			continue
		}
		if !fi.Mode.IsRegular() {
			t.Errorf("fixture file %s: Stat says %s", name, typeName(fi.Mode))
		}
		if fi.Size != int64(len(want)) {
			t.Errorf("fixture file %s: Stat says size %d, want %d", name, fi.Size, len(want))
		}
		if got := k.readFile(t, v, name); got != want {
			t.Errorf("fixture file %s: reads %s, want %s", name, excerpt(got), excerpt(want))
		}
	}
	for _, dir := range k.fixtureDirs() {
		fi, err := v.Stat(k.ctx, dir)
		if err != nil {
			t.Errorf("fixture directory %s: Stat: %v", dir, err)
			continue
		}
		if !fi.IsDir() {
			t.Errorf("fixture directory %s: Stat says %s", dir, typeName(fi.Mode))
			continue
		}
		checkNames(t, "listing fixture directory "+dir, k.list(t, v, dir), k.fixtureChildren(dir), false)
	}
}

func checkFixtureOffsets(t TB, k *kit) {
	if len(k.fixture) == 0 {
		t.Skipf("skipped: no Options.Files")
	}
	v := k.vol(t)
	for _, name := range k.fixtureFiles() {
		h, err := v.Open(k.ctx, name, fs.AccessRead, 0)
		if err != nil {
			t.Errorf("Open %s: %v", name, err)
			continue
		}
		k.checkReads(t, h, []byte(k.fixture[name]))
		h.Release(k.ctx)
	}
}

// checkWritesRefused tries every change through a read-only volume: the fixture's on a
// read-only backend, or files the kit makes on a writable one (through a volume made
// with Options.ReadOnly).
func checkWritesRefused(t TB, k *kit) {
	var file, dir string
	v := k.vol(t)
	if k.ro {
		files := k.fixtureFiles()
		if len(files) == 0 {
			t.Skipf("skipped: no Options.Files")
		}
		file = files[0]
		dir, _ = fs.Split(file)
	} else {
		dir = k.work(t, v) + "/ro"
		k.mkdir(t, v, dir)
		file = dir + "/file"
		k.writeFile(t, v, file, "read-only content")
		k.mkdir(t, v, dir+"/sub")
		v = k.newVol(t, func(o *fs.Options) { o.ReadOnly = true })
	}
	content := k.readFile(t, v, file)
	before := k.stat(t, v, file)
	rw := fs.AccessRead | fs.AccessWrite
	refused := func(what string, err error) {
		t.Helper()
		wantErr(t, what+" on a read-only volume", err, fs.ErrReadOnly)
	}
	_, _, err := v.Create(k.ctx, fs.Join(dir, "new"), fs.CreateRequest{Mode: 0o644, Access: rw})
	refused("Create", err)
	_, _, err = v.Create(k.ctx, file, fs.CreateRequest{Mode: 0o644, Access: rw, Flags: fs.OpenTruncate})
	refused("Create over an existing file", err)
	_, err = v.Mkdir(k.ctx, fs.Join(dir, "newdir"), 0o755)
	refused("Mkdir", err)
	_, err = v.Mknod(k.ctx, fs.Join(dir, "node"), attr.S_IFIFO|0o644, 0)
	refused("Mknod", err)
	_, err = v.Open(k.ctx, file, rw, 0)
	refused("Open for writing", err)
	_, err = v.Open(k.ctx, file, fs.AccessRead, fs.OpenTruncate)
	refused("Open with OpenTruncate", err)
	if h, err := v.Open(k.ctx, file, fs.AccessRead, 0); err != nil {
		t.Errorf("Open for reading on a read-only volume: %v", err)
	} else {
		_, err = h.Write(k.ctx, []byte("x"), 0)
		refused("Write through a read handle", err)
		_, err = h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: 0})
		refused("ftruncate", err)
		_, err = h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeMode, Mode: 0o600})
		refused("fchmod", err)
		h.Release(k.ctx)
	}
	refused("unlink", v.Remove(k.ctx, file, false))
	if dir != "/" {
		refused("rmdir", v.Remove(k.ctx, dir, true))
	}
	refused("Rename", v.Rename(k.ctx, file, fs.Join(dir, "renamed"), 0))
	for _, ch := range []fs.Change{
		{Valid: fs.ChangeSize, Size: 0},
		{Valid: fs.ChangeMode, Mode: 0o600},
		{Valid: fs.ChangeUid | fs.ChangeGid, Uid: 1, Gid: 1},
		{Valid: fs.ChangeMtime, Mtime: time.Unix(1, 0)},
		{Valid: fs.ChangeAttributes, Attributes: attr.Hidden},
	} {
		_, err = v.SetAttributes(k.ctx, file, ch)
		refused("SetAttributes", err)
	}
	_, err = v.Link(k.ctx, file, fs.Join(dir, "link"))
	refused("Link", err)
	_, err = v.Symlink(k.ctx, "target", fs.Join(dir, "symlink"))
	refused("Symlink", err)
	if k.has.streams {
		refused("SetXattr", v.SetXattr(k.ctx, file, xattrName("s"), []byte("x"), 0))
		refused("RemoveXattr", v.RemoveXattr(k.ctx, file, xattrName("s")))
	}
	// Nothing changed.
	if got := k.readFile(t, v, file); got != content {
		t.Errorf("after refused changes %s reads %s, want %s", file, excerpt(got), excerpt(content))
	}
	after := k.stat(t, v, file)
	if after.Size != before.Size || after.Mode != before.Mode || !after.LastWriteTime.Equal(before.LastWriteTime) {
		t.Errorf("after refused changes Stat %s: size %d mode %v mtime %v, was %d %v %v",
			file, after.Size, after.Mode, after.LastWriteTime, before.Size, before.Mode, before.LastWriteTime)
	}
	for _, n := range []string{"new", "newdir", "node", "renamed", "link", "symlink"} {
		k.wantMissing(t, v, fs.Join(dir, n), "refused changes")
	}
}

func checkTree(t TB, k *kit) {
	v := k.vol(t)
	var expected []string
	if k.ro {
		expected = append(k.fixtureFiles(), k.fixtureDirs()...)
	} else {
		dir := k.work(t, v)
		for _, n := range []string{"a", "a/b", "a/b/c", "d"} {
			k.mkdir(t, v, dir+"/"+n)
			expected = append(expected, dir+"/"+n)
		}
		for _, n := range []string{"f", "a/g", "a/b/c/h", "a/b/empty"} {
			k.writeFile(t, v, dir+"/"+n, "content of "+n)
			expected = append(expected, dir+"/"+n)
		}
		for i := range 40 {
			k.writeFile(t, v, dir+"/d/"+string(rune('a'+i%26))+string(rune('a'+i/26)), "")
		}
		if k.has.symlinks && !k.opts.NoSymlinks {
			if _, err := v.Symlink(k.ctx, "a/g", dir+"/link"); err != nil {
				t.Fatalf("Symlink: %v", err)
			}
			expected = append(expected, dir+"/link")
		}
	}
	// Small pages, so that the walk's listings span several OnEnumerateDirectory calls.
	small := k.newVol(t, func(o *fs.Options) { o.EnumerationPageSize = 3 })
	for _, vol := range []*volume{v, small} {
		if err := CheckFS(vol.Volume, expected...); err != nil {
			t.Errorf("%v", err)
		}
	}
}
