package fstest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The Contract and Enumerate checks call the backend's events directly, as the
// volume would, and check the answers against the contract of package fs.

// direct calls the backend's events.
func (k *kit) getInfo(name string) (fs.FileInfo, error) {
	e := fs.GetFileInfoEvent{Name: name}
	err := k.b.OnGetFileInfo(k.ctx, &e)
	return normalized(e.Info), err
}

// openDirect opens name with OnOpenFile and returns the event (with the contexts).
func (k *kit) openDirect(name string, access fs.Access, flags fs.OpenFlags, isDir bool) (*fs.OpenFileEvent, error) {
	e := &fs.OpenFileEvent{Name: name, Access: access, Flags: flags, IsDir: isDir}
	return e, k.b.OnOpenFile(k.ctx, e)
}

func (k *kit) closeDirect(name string, fctx, hctx any) {
	k.b.OnCloseFile(k.ctx, &fs.CloseFileEvent{Name: name, FileContext: fctx, HandleContext: hctx})
}

// listing is one direct enumeration.
type listing struct {
	dir   string
	max   int
	calls int
	open  *fs.OpenFileEvent
	ectx  any
	done  bool
}

// maxCalls bounds a listing that never says Done.
const maxCalls = 20000

// startListing opens dir as the volume does (OnOpenFile with OpenDirectory).
func (k *kit) startListing(t TB, dir string, max int) *listing {
	t.Helper()
	oe, err := k.openDirect(dir, fs.AccessRead, fs.OpenDirectory, true)
	if err != nil {
		t.Fatalf("OnOpenFile %s (directory): %v", dir, err)
	}
	l := &listing{dir: dir, max: max, open: oe}
	t.Cleanup(func() { k.endListing(l) })
	return l
}

// next fetches one page; restart asks for the listing from its start. It reports
// contract problems and returns the page.
func (k *kit) next(t TB, l *listing, restart bool) ([]fs.FileInfo, error) {
	t.Helper()
	e := fs.EnumerateDirectoryEvent{Name: l.dir, DirectoryContext: l.open.FileContext, HandleContext: l.open.HandleContext,
		Restart: restart, EnumerationContext: l.ectx, Max: l.max}
	err := k.b.OnEnumerateDirectory(k.ctx, &e)
	l.calls++
	l.ectx = e.EnumerationContext
	if err != nil {
		return nil, err
	}
	if len(e.Entries) > l.max && l.calls == 1 {
		t.Logf("OnEnumerateDirectory %s returned %d entries for Max %d (allowed: the volume keeps them, but Max is the page it wants)", l.dir, len(e.Entries), l.max)
	}
	if len(e.Entries) == 0 && !e.Done {
		t.Errorf("OnEnumerateDirectory %s returned no entries without Done (call %d): the volume takes that as the end of the listing", l.dir, l.calls)
	}
	for i := range e.Entries {
		e.Entries[i] = normalized(e.Entries[i])
	}
	l.done = e.Done
	return e.Entries, nil
}

// all reads the rest of the listing.
func (k *kit) all(t TB, l *listing) []fs.FileInfo {
	t.Helper()
	var out []fs.FileInfo
	distinct := map[string]bool{}
	for !l.done {
		if l.calls >= maxCalls || len(out) > 4*len(distinct)+1000 {
			t.Errorf("listing %s (Max %d) not Done after %d calls and %d entries (%d distinct)", l.dir, l.max, l.calls, len(out), len(distinct))
			break
		}
		page, err := k.next(t, l, false)
		if err != nil {
			t.Errorf("OnEnumerateDirectory %s (call %d): %v", l.dir, l.calls, err)
			break
		}
		if len(page) == 0 {
			break
		}
		out = append(out, page...)
		for _, fi := range page {
			distinct[fi.Name] = true
		}
	}
	return out
}

// endListing closes the enumeration and the directory, once.
func (k *kit) endListing(l *listing) {
	if l.open == nil {
		return
	}
	if l.calls > 0 {
		k.b.OnCloseDirectoryEnumeration(k.ctx, &fs.CloseDirectoryEnumerationEvent{Name: l.dir, DirectoryContext: l.open.FileContext, EnumerationContext: l.ectx})
	}
	k.closeDirect(l.dir, l.open.FileContext, l.open.HandleContext)
	l.open = nil
}

// listDirect lists dir directly with max entries per call.
func (k *kit) listDirect(t TB, dir string, max int) []fs.FileInfo {
	t.Helper()
	l := k.startListing(t, dir, max)
	defer k.endListing(l)
	return k.all(t, l)
}

// checkNames reports bad names, repeated names, and (against want) missing and, when
// exact, unexpected ones. It returns the names seen.
func checkNames(t TB, what string, got []fs.FileInfo, want []string, exact bool) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, fi := range got {
		seen[fi.Name]++
		switch {
		case fi.Name == "" || fi.Name == "." || fi.Name == "..":
			t.Errorf("%s: entry %q: listings must not hold empty, \".\" or \"..\" names", what, fi.Name)
		case strings.Contains(fi.Name, "/"):
			t.Errorf("%s: entry %q: names are base names, without \"/\"", what, fi.Name)
		}
	}
	var repeated, missing, extra []string
	for n, c := range seen {
		if c > 1 {
			repeated = append(repeated, fmt.Sprintf("%q (%d times)", n, c))
		}
	}
	wantSet := map[string]bool{}
	for _, n := range want {
		wantSet[n] = true
		if seen[n] == 0 {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if exact {
		for n := range seen {
			if !wantSet[n] {
				extra = append(extra, fmt.Sprintf("%q", n))
			}
		}
	}
	report := func(kind string, l []string) {
		if len(l) == 0 {
			return
		}
		sort.Strings(l)
		n, more := len(l), ""
		if n > 10 {
			more = fmt.Sprintf(" and %d more", n-10)
			l = l[:10]
		}
		t.Errorf("%s: %d entries %s: %s%s", what, n, kind, strings.Join(l, ", "), more)
	}
	report("repeated", repeated)
	report("missing", missing)
	report("unexpected", extra)
	return seen
}

// target is a directory whose entries a check knows.
type target struct {
	dir   string
	want  []string
	exact bool // the listing must hold nothing else
}

// targets returns directories to list: on a writable backend, one the kit fills with
// n entries of every kind; on a read-only one, the fixture's directories.
func (k *kit) targets(t TB, n int) []target {
	t.Helper()
	if k.ro {
		var out []target
		for _, d := range k.fixtureDirs() {
			out = append(out, target{dir: d, want: k.fixtureChildren(d)})
		}
		return out
	}
	v := k.vol(t)
	dir := k.work(t, v) + "/list"
	return []target{{dir: dir, want: k.populate(t, v, dir, n), exact: true}}
}

// populate makes dir with n entries: files of assorted sizes and names, some
// directories and (if supported) symbolic links.
func (k *kit) populate(t TB, v *volume, dir string, n int) []string {
	t.Helper()
	k.mkdir(t, v, dir)
	var odd []string
	for _, c := range []string{".hidden", "...", "with space", "ünïcødé", "UPPER", "a.b.c", "-dash", strings.Repeat("l", 200)} {
		if k.storable(c) {
			odd = append(odd, c)
		}
	}
	var out []string
	for i := range n {
		name := fmt.Sprintf("e%04d", i)
		if i < len(odd) {
			name = odd[i]
		}
		p := dir + "/" + name
		switch {
		case i%97 == 13:
			k.mkdir(t, v, p)
		case i%89 == 7 && k.has.symlinks && !k.opts.NoSymlinks:
			if _, err := v.Symlink(k.ctx, "../target/"+name, p); err != nil {
				t.Fatalf("Symlink %s: %v", p, err)
			}
		default:
			k.writeFile(t, v, p, strings.Repeat("x", i%13))
		}
		out = append(out, name)
	}
	return out
}

func init() {
	allChecks = append(allChecks,
		check{"Contract", "RootIsDirectory", checkRootIsDirectory},
		check{"Contract", "GetFileInfoMissing", checkGetFileInfoMissing},
		check{"Contract", "OpenMissing", checkOpenMissing},
		check{"Contract", "CreateExisting", checkCreateExistingDirect},
		check{"Contract", "CreateInMissingParent", checkCreateInMissingParentDirect},
		check{"Contract", "ReadPastEnd", checkReadPastEnd},
		check{"Contract", "HardLinkOverExisting", checkLinkExistingDirect},
		check{"Contract", "RenameExchange", checkExchangeDirect},
		check{"Enumerate", "Complete", checkEnumComplete},
		check{"Enumerate", "Paging", checkEnumPaging},
		check{"Enumerate", "Restart", checkEnumRestart},
		check{"Enumerate", "ChangesDuringListing", checkEnumChanges},
		check{"Enumerate", "Empty", checkEnumEmpty},
	)
}

// allChecks is every check, in the order Run runs them; each file adds its own.
var allChecks []check

func checkRootIsDirectory(t TB, k *kit) {
	fi, err := k.getInfo("/")
	if err != nil {
		t.Fatalf("OnGetFileInfo /: %v", err)
	}
	if !fi.Mode.IsDir() {
		t.Errorf("OnGetFileInfo /: %s, want a directory", typeName(fi.Mode))
	}
}

func checkGetFileInfoMissing(t TB, k *kit) {
	for _, name := range []string{"/fstest-missing", "/fstest-missing/child"} {
		_, err := k.getInfo(name)
		wantErr(t, "OnGetFileInfo "+name, err, fs.ErrNotExist)
	}
	if f := k.someFile(t); f != "" {
		_, err := k.getInfo(f + "/child")
		wantErr(t, "OnGetFileInfo "+f+"/child (below a file)", err, fs.ErrNotExist, fs.ErrNotDir)
	}
}

// someFile returns a regular file: the fixture's first, or one the kit makes.
func (k *kit) someFile(t TB) string {
	t.Helper()
	if files := k.fixtureFiles(); len(files) > 0 {
		return files[0]
	}
	if k.ro {
		return ""
	}
	v := k.vol(t)
	name := k.work(t, v) + "/some-file"
	k.writeFile(t, v, name, "some content")
	return name
}

func checkOpenMissing(t TB, k *kit) {
	e, err := k.openDirect("/fstest-missing", fs.AccessRead, 0, false)
	if err == nil {
		k.closeDirect(e.Name, e.FileContext, e.HandleContext)
	}
	wantErr(t, "OnOpenFile /fstest-missing", err, fs.ErrNotExist)
}

func checkCreateExistingDirect(t TB, k *kit) {
	k.need(t, "write")
	v := k.vol(t)
	dir := k.work(t, v)
	file := dir + "/file"
	k.writeFile(t, v, file, "content")
	cr, ok := k.b.(fs.CreateFileHandler)
	if !ok {
		t.Fatalf("backend has no fs.CreateFileHandler")
	}
	for _, c := range []struct {
		name string
		mode attr.Mode
		at   attr.FileAttributes
	}{{file, attr.S_IFREG | 0o644, 0}, {dir, attr.S_IFDIR | 0o755, attr.Directory}, {file, attr.S_IFDIR | 0o755, attr.Directory}} {
		e := fs.CreateFileEvent{Name: c.name, Mode: c.mode, Attributes: c.at, Access: fs.AccessRead | fs.AccessWrite}
		err := cr.OnCreateFile(k.ctx, &e)
		if err == nil {
			k.closeDirect(c.name, e.FileContext, e.HandleContext)
		}
		wantErr(t, fmt.Sprintf("OnCreateFile %s (%s) over an existing name", c.name, typeName(c.mode)), err, fs.ErrExist)
	}
	if got := k.readFile(t, v, file); got != "content" {
		t.Errorf("after a refused OnCreateFile %s, it holds %q, want %q", file, got, "content")
	}
}

func checkCreateInMissingParentDirect(t TB, k *kit) {
	k.need(t, "write")
	cr := k.b.(fs.CreateFileHandler)
	for _, mode := range []attr.Mode{attr.S_IFREG | 0o644, attr.S_IFDIR | 0o755} {
		name := "/fstest-missing/new"
		e := fs.CreateFileEvent{Name: name, Mode: mode, Access: fs.AccessRead | fs.AccessWrite}
		if mode.IsDir() {
			e.Attributes = attr.Directory
		}
		err := cr.OnCreateFile(k.ctx, &e)
		if err == nil {
			k.closeDirect(name, e.FileContext, e.HandleContext)
		}
		wantErr(t, fmt.Sprintf("OnCreateFile %s (%s) in a missing directory", name, typeName(mode)), err, fs.ErrNotExist)
	}
}

func checkReadPastEnd(t TB, k *kit) {
	name := k.someFile(t)
	if name == "" {
		t.Skipf("skipped: the fixture has no file")
	}
	fi, err := k.getInfo(name)
	if err != nil {
		t.Fatalf("OnGetFileInfo %s: %v", name, err)
	}
	oe, err := k.openDirect(name, fs.AccessRead, 0, false)
	if err != nil {
		t.Fatalf("OnOpenFile %s: %v", name, err)
	}
	defer k.closeDirect(name, oe.FileContext, oe.HandleContext)
	read := func(pos int64, n int) (int, error) {
		e := fs.ReadFileEvent{Name: name, FileContext: oe.FileContext, HandleContext: oe.HandleContext, Position: pos, Buffer: make([]byte, n)}
		err := k.b.OnReadFile(k.ctx, &e)
		return e.BytesRead, err
	}
	for _, c := range []struct {
		pos  int64
		n    int
		want int64
	}{{fi.Size, 10, 0}, {fi.Size + 1000, 10, 0}, {max(fi.Size-3, 0), 10, min(fi.Size, 3)}} {
		got, err := read(c.pos, c.n)
		if err != nil {
			t.Errorf("OnReadFile %s: %d bytes at %d (size %d): %v; the end of file is a short read with no error (io.EOF becomes EIO)", name, c.n, c.pos, fi.Size, err)
			continue
		}
		if int64(got) != c.want {
			t.Errorf("OnReadFile %s: %d bytes at %d (size %d): read %d, want %d", name, c.n, c.pos, fi.Size, got, c.want)
		}
	}
}

func checkLinkExistingDirect(t TB, k *kit) {
	k.need(t, "links")
	v := k.vol(t)
	dir := k.work(t, v)
	k.writeFile(t, v, dir+"/a", "a")
	k.writeFile(t, v, dir+"/b", "b")
	e := fs.CreateHardLinkEvent{Name: dir + "/a", LinkName: dir + "/b"}
	err := k.b.(fs.CreateHardLinkHandler).OnCreateHardLink(k.ctx, &e)
	wantErr(t, "OnCreateHardLink over an existing name", err, fs.ErrExist)
	e = fs.CreateHardLinkEvent{Name: dir + "/a", LinkName: "/fstest-missing/b"}
	err = k.b.(fs.CreateHardLinkHandler).OnCreateHardLink(k.ctx, &e)
	wantErr(t, "OnCreateHardLink into a missing directory", err, fs.ErrNotExist)
	if got := k.readFile(t, v, dir+"/b"); got != "b" {
		t.Errorf("after a refused link, %s/b holds %q, want %q", dir, got, "b")
	}
}

func checkExchangeDirect(t TB, k *kit) {
	k.need(t, "rename")
	v := k.vol(t)
	dir := k.work(t, v)
	k.writeFile(t, v, dir+"/a", "A")
	k.writeFile(t, v, dir+"/b", "B")
	e := fs.RenameOrMoveFileEvent{Name: dir + "/a", NewName: dir + "/b", Exchange: true}
	err := k.b.(fs.RenameOrMoveFileHandler).OnRenameOrMoveFile(k.ctx, &e)
	a, b := k.readFile(t, v, dir+"/a"), k.readFile(t, v, dir+"/b")
	switch {
	case err == nil:
		if a != "B" || b != "A" {
			t.Errorf("OnRenameOrMoveFile Exchange succeeded but a=%q b=%q, want a=%q b=%q", a, b, "B", "A")
		}
	case errIs(err, fs.ErrNotSupported):
		if a != "A" || b != "B" {
			t.Errorf("OnRenameOrMoveFile Exchange refused but changed the files: a=%q b=%q", a, b)
		}
	default:
		t.Errorf("OnRenameOrMoveFile Exchange: %s; a backend that cannot exchange answers ErrNotSupported", errName(err))
	}
}

func checkEnumComplete(t TB, k *kit) {
	for _, tg := range k.targets(t, 1000) {
		got := k.listDirect(t, tg.dir, 128)
		checkNames(t, "listing "+tg.dir, got, tg.want, tg.exact)
		for _, fi := range got {
			if fi.Name == "" || strings.Contains(fi.Name, "/") || fi.Name == "." || fi.Name == ".." {
				continue
			}
			name := fs.Join(tg.dir, fi.Name)
			info, err := k.getInfo(name)
			if err != nil {
				t.Errorf("listing %s holds %q but OnGetFileInfo %s: %v", tg.dir, fi.Name, name, err)
				continue
			}
			if d := agree(fi, info); len(d) > 0 {
				t.Errorf("%s: the listing and OnGetFileInfo disagree: %s", name, strings.Join(d, "; "))
			}
		}
	}
}

func checkEnumPaging(t TB, k *kit) {
	for _, tg := range k.targets(t, 100) {
		ref := names(k.listDirect(t, tg.dir, 1000))
		for _, max := range []int{1, 3, 64} {
			got := k.listDirect(t, tg.dir, max)
			checkNames(t, fmt.Sprintf("listing %s with Max %d", tg.dir, max), got, ref, true)
		}
	}
}

func checkEnumRestart(t TB, k *kit) {
	for _, tg := range k.targets(t, 50) {
		ref := names(k.listDirect(t, tg.dir, 1000))
		if len(ref) == 0 {
			continue
		}
		l := k.startListing(t, tg.dir, 7)
		var first []fs.FileInfo
		for range 2 {
			page, err := k.next(t, l, false)
			if err != nil {
				t.Fatalf("OnEnumerateDirectory %s: %v", tg.dir, err)
			}
			first = append(first, page...)
			if l.done {
				break
			}
		}
		page, err := k.next(t, l, true)
		if err != nil {
			t.Fatalf("OnEnumerateDirectory %s with Restart: %v", tg.dir, err)
		}
		again := append(page, k.all(t, l)...)
		checkNames(t, fmt.Sprintf("listing %s restarted after %d entries", tg.dir, len(first)), again, ref, true)
		// And once more after the end.
		page, err = k.next(t, l, true)
		if err != nil {
			t.Fatalf("OnEnumerateDirectory %s with Restart after Done: %v", tg.dir, err)
		}
		again = append(page, k.all(t, l)...)
		checkNames(t, fmt.Sprintf("listing %s restarted after Done", tg.dir), again, ref, true)
		k.endListing(l)
	}
}

func checkEnumChanges(t TB, k *kit) {
	k.need(t, "write")
	k.need(t, "delete")
	v := k.vol(t)
	dir := k.work(t, v) + "/changing"
	before := k.populate(t, v, dir, 200)
	l := k.startListing(t, dir, 16)
	first, err := k.next(t, l, false)
	if err != nil || len(first) == 0 {
		t.Fatalf("OnEnumerateDirectory %s: %d entries, %v", dir, len(first), err)
	}
	seenFirst := map[string]bool{}
	for _, fi := range first {
		seenFirst[fi.Name] = true
	}
	// Remove up to 10 entries already listed and 25 not yet listed; add 50.
	removed := map[string]bool{}
	var seenGone, unseenGone int
	i := 0
	for _, n := range before {
		fi := k.stat(t, v, fs.Join(dir, n))
		if fi.IsDir() {
			continue
		}
		i++
		switch {
		case seenFirst[n] && seenGone < 10:
			seenGone++
		case !seenFirst[n] && unseenGone < 25 && i%3 == 0:
			unseenGone++
		default:
			continue
		}
		if err := v.Remove(k.ctx, fs.Join(dir, n), false); err != nil {
			t.Fatalf("Remove %s: %v", n, err)
		}
		removed[n] = true
	}
	added := map[string]bool{}
	for i := range 50 {
		n := fmt.Sprintf("new%02d", i)
		k.writeFile(t, v, fs.Join(dir, n), "new")
		added[n] = true
	}
	got := append(first, k.all(t, l)...)
	k.endListing(l)
	var stable []string
	for _, n := range before {
		if !removed[n] {
			stable = append(stable, n)
		}
	}
	seen := checkNames(t, "listing "+dir+" while entries were added and removed", got, stable, false)
	for n := range seen {
		if !added[n] && !removed[n] && !contains(before, n) {
			t.Errorf("listing %s: entry %q never existed", dir, n)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func checkEnumEmpty(t TB, k *kit) {
	var dirs []string
	if k.ro {
		for _, d := range k.fixtureDirs() {
			if len(k.fixtureChildren(d)) == 0 {
				dirs = append(dirs, d)
			}
		}
		if len(dirs) == 0 {
			t.Skipf("skipped: the fixture has no empty directory")
		}
	} else {
		v := k.vol(t)
		w := k.work(t, v)
		d := w + "/empty"
		k.mkdir(t, v, d)
		dirs = append(dirs, d)
		if ec, ok := k.b.(fs.IsDirectoryEmptyHandler); ok {
			e := fs.IsDirectoryEmptyEvent{Name: w}
			if err := ec.OnIsDirectoryEmpty(k.ctx, &e); err != nil || e.IsEmpty {
				t.Errorf("OnIsDirectoryEmpty %s (holds %s): IsEmpty %v, %v; want false", w, d, e.IsEmpty, err)
			}
		}
	}
	for _, d := range dirs {
		got := k.listDirect(t, d, 16)
		if len(got) != 0 {
			t.Errorf("listing the empty directory %s: %v, want nothing", d, names(got))
		}
		if _, ok := k.b.(fs.IsDirectoryEmptyHandler); ok {
			e := fs.IsDirectoryEmptyEvent{Name: d}
			if err := k.b.(fs.IsDirectoryEmptyHandler).OnIsDirectoryEmpty(k.ctx, &e); err != nil || !e.IsEmpty {
				t.Errorf("OnIsDirectoryEmpty %s: IsEmpty %v, %v; want true", d, e.IsEmpty, err)
			}
		}
	}
}
