package fstest

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

func TestRunMapFS(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return newMapFS() }, Options{})
}

var fixture = map[string]string{
	"/hello.txt":       "hello, world\n",
	"/dir/a.txt":       "a",
	"/dir/sub/b.bin":   "\x00\x01\x02binary\xff",
	"/dir/empty.txt":   "",
	"/big/pattern.dat": string(pattern(70_000, 3)),
}

func TestRunReadOnly(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return roFS{newMapFSWith(fixture, "/emptydir")} },
		Options{ReadOnly: true, Files: fixture, Dirs: []string{"/emptydir"}})
}

// A writable backend checked as read-only (Options.ReadOnly): the kit serves it
// through a read-only volume.
func TestRunWritableDeclaredReadOnly(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return newMapFSWith(fixture) }, Options{ReadOnly: true, Files: fixture})
}

// A writable backend with a fixture: the fixture is checked too.
func TestRunWritableWithFixture(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return newMapFSWith(fixture) }, Options{Files: fixture})
}

// Declared-absent features: the kit checks the volume refuses them.
func TestRunFeaturesDeclaredAbsent(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return noFeatures{newMapFS()} },
		Options{NoHardLinks: true, NoSymlinks: true, NoNamedStreams: true, NoRename: true})
}

// noFeatures is a mapFS without rename, links, symbolic links and named streams.
type noFeatures struct{ m *mapFS }

func (b noFeatures) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	return b.m.OnGetFileInfo(ctx, e)
}
func (b noFeatures) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	return b.m.OnEnumerateDirectory(ctx, e)
}
func (b noFeatures) OnCloseDirectoryEnumeration(ctx context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	return b.m.OnCloseDirectoryEnumeration(ctx, e)
}
func (b noFeatures) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	return b.m.OnOpenFile(ctx, e)
}
func (b noFeatures) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	return b.m.OnReadFile(ctx, e)
}
func (b noFeatures) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	return b.m.OnCloseFile(ctx, e)
}
func (b noFeatures) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	return b.m.OnCreateFile(ctx, e)
}
func (b noFeatures) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	return b.m.OnWriteFile(ctx, e)
}
func (b noFeatures) OnSetFileSize(ctx context.Context, e *fs.SetFileSizeEvent) error {
	return b.m.OnSetFileSize(ctx, e)
}
func (b noFeatures) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	return b.m.OnSetFileAttributes(ctx, e)
}
func (b noFeatures) OnDeleteFile(ctx context.Context, e *fs.DeleteFileEvent) error {
	return b.m.OnDeleteFile(ctx, e)
}

// fakeTB records failures instead of failing the test: the kit's checks run against
// it to show that they catch broken backends.
type fakeTB struct {
	mu       sync.Mutex
	errs     []string
	logs     []string
	skipped  bool
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf("FATAL: "+format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errs) > 0
}

// goexitSafe runs fn in its own goroutine, so that Fatalf and Skipf end only fn.
func goexitSafe(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// runFake runs the check group/name against b with a fakeTB.
func runFake(t *testing.T, b fs.Interface, opts Options, name string) *fakeTB {
	t.Helper()
	var c *check
	for i := range allChecks {
		if allChecks[i].group+"/"+allChecks[i].name == name {
			c = &allChecks[i]
		}
	}
	if c == nil {
		t.Fatalf("no check %s", name)
	}
	f := &fakeTB{}
	goexitSafe(func() { runCheck(f, b, opts, c.fn) })
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		goexitSafe(f.cleanups[i])
	}
	return f
}

// mustCatch runs the check against a broken backend and fails unless the check
// reported a failure whose messages contain want.
func mustCatch(t *testing.T, b fs.Interface, opts Options, check, want string) {
	t.Helper()
	f := runFake(t, b, opts, check)
	if f.skipped {
		t.Errorf("%s skipped on a broken backend", check)
		return
	}
	if !f.Failed() {
		t.Errorf("%s passed on a broken backend; logs: %q", check, f.logs)
		return
	}
	all := strings.Join(f.errs, "\n")
	if !strings.Contains(all, want) {
		t.Errorf("%s failed, but no message holds %q:\n%s", check, want, all)
	}
	if testing.Verbose() {
		t.Logf("%s reported:\n  %s", check, strings.Join(f.errs, "\n  "))
	}
}

// mustPass runs the check against the good backend with the fake harness.
func mustPass(t *testing.T, b fs.Interface, opts Options, check string) {
	t.Helper()
	f := runFake(t, b, opts, check)
	if f.Failed() {
		t.Errorf("%s failed on a good backend:\n%s", check, strings.Join(f.errs, "\n"))
	}
}

// The broken backends: each embeds mapFS (keeping every optional event) and breaks
// one rule.

// repeatingEnum lists the first entry of every page twice.
type repeatingEnum struct{ *mapFS }

func (b repeatingEnum) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	err := b.mapFS.OnEnumerateDirectory(ctx, e)
	if len(e.Entries) > 0 {
		e.Entries = append(e.Entries, e.Entries[0])
	}
	return err
}

// lyingEnum reports sizes and modes in listings that GetFileInfo does not.
type lyingEnum struct{ *mapFS }

func (b lyingEnum) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	err := b.mapFS.OnEnumerateDirectory(ctx, e)
	for i := range e.Entries {
		if e.Entries[i].Mode.IsRegular() {
			e.Entries[i].Size++
			e.Entries[i].Mode ^= 0o020
		}
	}
	return err
}

// plainErrors answers a missing file with an error no code matches (EIO).
type plainErrors struct{ *mapFS }

func (b plainErrors) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	if err := b.mapFS.OnGetFileInfo(ctx, e); err != nil {
		return errors.New("no such thing")
	}
	return nil
}

func (b plainErrors) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	if err := b.mapFS.OnOpenFile(ctx, e); err != nil {
		return errors.New("cannot open")
	}
	return nil
}

// overwritingCreate replaces existing files on create.
type overwritingCreate struct{ *mapFS }

func (b overwritingCreate) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	b.mu.Lock()
	delete(b.nodes, e.Name)
	b.mu.Unlock()
	return b.mapFS.OnCreateFile(ctx, e)
}

// eofReads returns io.EOF at the end of file, as io.ReaderAt does.
type eofReads struct{ *mapFS }

func (b eofReads) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	if err := b.mapFS.OnReadFile(ctx, e); err != nil {
		return err
	}
	if e.BytesRead < len(e.Buffer) {
		return io.EOF
	}
	return nil
}

// noRestart ignores Restart.
type noRestart struct{ *mapFS }

func (b noRestart) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	e.Restart = false
	return b.mapFS.OnEnumerateDirectory(ctx, e)
}

// endlessEnum never says Done.
type endlessEnum struct{ *mapFS }

func (b endlessEnum) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	e.Restart = true
	err := b.mapFS.OnEnumerateDirectory(ctx, e)
	e.Done = false
	return err
}

// liveEnum pages through the live directory by index, so changes during a listing
// shift entries: some are skipped, some repeated.
type liveEnum struct{ *mapFS }

func (b liveEnum) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next, _ := e.EnumerationContext.(int)
	if e.Restart {
		next = 0
	}
	names := b.children(e.Name)
	for ; next < len(names) && len(e.Entries) < e.Max; next++ {
		p := fs.Join(e.Name, names[next])
		e.Entries = append(e.Entries, b.nodes[p].info(p))
	}
	e.EnumerationContext = next
	e.Done = next >= len(names)
	return nil
}

// randomOrder lists in a different order after every restart.
type randomOrder struct{ *mapFS }

func (b randomOrder) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	restart := e.EnumerationContext == nil || e.Restart
	err := b.mapFS.OnEnumerateDirectory(ctx, e)
	if st, ok := e.EnumerationContext.(*enumState); ok && restart && len(st.names) > 1 {
		b.mu.Lock()
		b.nextID++
		shift := int(b.nextID) % len(st.names)
		b.mu.Unlock()
		st.names = append(st.names[shift:], st.names[:shift]...)
		st.next = 0
		e.Entries = e.Entries[:0]
		return b.mapFS.OnEnumerateDirectory(ctx, e)
	}
	return err
}

// renameKeepsTarget renames over a file by dropping the source.
type renameKeepsTarget struct{ *mapFS }

func (b renameKeepsTarget) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.ReplaceIfExists {
		b.mu.Lock()
		delete(b.nodes, e.Name)
		b.mu.Unlock()
		return nil
	}
	return b.mapFS.OnRenameOrMoveFile(ctx, e)
}

// exchangeFails answers Exchange with an error other than ErrNotSupported.
type exchangeFails struct{ *mapFS }

func (b exchangeFails) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	if e.Exchange {
		return fs.ErrPermission
	}
	return b.mapFS.OnRenameOrMoveFile(ctx, e)
}

// pathOnly ignores FileContext and works by name.
type pathOnly struct{ *mapFS }

func (b pathOnly) strip(fctx *any) { *fctx = nil }
func (b pathOnly) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	b.strip(&e.FileContext)
	return b.mapFS.OnReadFile(ctx, e)
}
func (b pathOnly) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	b.strip(&e.FileContext)
	return b.mapFS.OnWriteFile(ctx, e)
}
func (b pathOnly) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	b.strip(&e.FileContext)
	return b.mapFS.OnGetFileInfo(ctx, e)
}

// dirtyTruncate extends files with whatever was there before.
type dirtyTruncate struct{ *mapFS }

func (b dirtyTruncate) OnSetFileSize(_ context.Context, e *fs.SetFileSizeEvent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	if e.Size <= int64(cap(n.data)) {
		n.data = n.data[:e.Size]
	} else {
		n.data = append(n.data, make([]byte, e.Size-int64(len(n.data)))...)
	}
	return nil
}

// cleaningSymlinks stores targets cleaned.
type cleaningSymlinks struct{ *mapFS }

func (b cleaningSymlinks) OnCreateSymlink(ctx context.Context, e *fs.CreateSymlinkEvent) error {
	e.Target = path.Clean(e.Target)
	return b.mapFS.OnCreateSymlink(ctx, e)
}

// flaglessStreams ignores Create and Replace.
type flaglessStreams struct{ *mapFS }

func (b flaglessStreams) OnSetNamedStream(ctx context.Context, e *fs.SetNamedStreamEvent) error {
	e.Create, e.Replace = false, false
	return b.mapFS.OnSetNamedStream(ctx, e)
}

// staleTimes never changes mtime on writes.
type staleTimes struct{ *mapFS }

func (b staleTimes) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	b.mu.Lock()
	n, err := b.lookup(e.Name, e.FileContext)
	b.mu.Unlock()
	if err != nil {
		return err
	}
	t := n.mtime
	err = b.mapFS.OnWriteFile(ctx, e)
	b.mu.Lock()
	n.mtime = t
	b.mu.Unlock()
	return err
}

// coarseTimes stores times to the second.
type coarseTimes struct{ *mapFS }

func (b coarseTimes) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	e.LastAccessTime = e.LastAccessTime.Truncate(1e9)
	e.LastWriteTime = e.LastWriteTime.Truncate(1e9)
	return b.mapFS.OnSetFileAttributes(ctx, e)
}

// noAppend ignores Append.
type noAppend struct{ *mapFS }

func (b noAppend) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	e.Append = false
	return b.mapFS.OnWriteFile(ctx, e)
}

// nonEmptyRmdir deletes directories with their contents and says they are empty.
type sharedLinkCount struct{ *mapFS }

func (b sharedLinkCount) OnCreateHardLink(ctx context.Context, e *fs.CreateHardLinkEvent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.lookup(e.Name, nil)
	if err != nil {
		return err
	}
	c := *n
	c.id = n.id + 1000
	c.data = append([]byte(nil), n.data...)
	b.nodes[e.LinkName] = &c
	return nil
}

// emptyPages ends every listing with an empty page that is not Done.
type emptyPages struct {
	*mapFS
	signaled map[*enumState]bool
}

func (b emptyPages) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	if st, _ := e.EnumerationContext.(*enumState); st != nil && !e.Restart && st.next >= len(st.names) {
		e.Done = b.signaled[st]
		b.signaled[st] = true
		return nil
	}
	err := b.mapFS.OnEnumerateDirectory(ctx, e)
	e.Done = false
	return err
}

// win32Aliases creates files as Win32 would: trailing dots and spaces stripped,
// so "f." is created as (or opens) "f".
type win32Aliases struct{ *mapFS }

func (b win32Aliases) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	e.Name = strings.TrimRight(e.Name, ". ")
	return b.mapFS.OnCreateFile(ctx, e)
}

// windowsNamed refuses, as a backend over a Windows host must, the names the kit
// knows Windows cannot store.
type windowsNamed struct{ *mapFS }

func unstorable(name string) error {
	for _, c := range strings.Split(name, "/") {
		if slices.Contains(windowsUnstorable, c) {
			return fmt.Errorf("%q: %w: Windows cannot store %q", name, fs.ErrInvalid, c)
		}
	}
	return nil
}

func (b windowsNamed) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	if err := unstorable(e.Name); err != nil {
		return err
	}
	return b.mapFS.OnGetFileInfo(ctx, e)
}

func (b windowsNamed) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	if err := unstorable(e.Name); err != nil {
		return err
	}
	return b.mapFS.OnOpenFile(ctx, e)
}

func (b windowsNamed) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	if err := unstorable(e.Name); err != nil {
		return err
	}
	return b.mapFS.OnCreateFile(ctx, e)
}

func (b windowsNamed) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	if err := errors.Join(unstorable(e.Name), unstorable(e.NewName)); err != nil {
		return err
	}
	return b.mapFS.OnRenameOrMoveFile(ctx, e)
}

func (b windowsNamed) OnCreateHardLink(ctx context.Context, e *fs.CreateHardLinkEvent) error {
	if err := errors.Join(unstorable(e.Name), unstorable(e.LinkName)); err != nil {
		return err
	}
	return b.mapFS.OnCreateHardLink(ctx, e)
}

// ignoringChmod accepts mode changes and keeps the old mode.
type ignoringChmod struct{ *mapFS }

func (b ignoringChmod) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	e.SetMode = false
	return b.mapFS.OnSetFileAttributes(ctx, e)
}

func TestChecksCatchBrokenBackends(t *testing.T) {
	for _, c := range []struct {
		name  string
		b     func() fs.Interface
		opts  Options
		check string
		want  string
	}{
		{"RepeatedEntries", func() fs.Interface { return repeatingEnum{newMapFS()} }, Options{}, "Enumerate/Complete", "repeated"},
		{"RepeatedEntriesPaging", func() fs.Interface { return repeatingEnum{newMapFS()} }, Options{}, "Enumerate/Paging", "repeated"},
		{"RepeatedEntriesCheckFS", func() fs.Interface { return repeatingEnum{newMapFS()} }, Options{}, "Tree/CheckFS", "listed more than once"},
		{"ListingDisagrees", func() fs.Interface { return lyingEnum{newMapFS()} }, Options{}, "Enumerate/Complete", "the listing and OnGetFileInfo disagree: mode"},
		{"ListingDisagreesCheckFS", func() fs.Interface { return lyingEnum{newMapFS()} }, Options{}, "Tree/CheckFS", "listing and Stat disagree"},
		{"PlainErrorGetFileInfo", func() fs.Interface { return plainErrors{newMapFS()} }, Options{}, "Contract/GetFileInfoMissing", "want ENOENT"},
		{"PlainErrorOpen", func() fs.Interface { return plainErrors{newMapFS()} }, Options{}, "Contract/OpenMissing", "got EIO"},
		{"PlainErrorStat", func() fs.Interface { return plainErrors{newMapFS()} }, Options{}, "Errors/StatMissing", "want ENOENT"},
		{"PlainErrorVolumeRemove", func() fs.Interface { return plainErrors{newMapFS()} }, Options{}, "Errors/Remove", "unlink of a missing file"},
		{"CreateOverwrites", func() fs.Interface { return overwritingCreate{newMapFS()} }, Options{}, "Contract/CreateExisting", "want EEXIST"},
		{"CreateOverwritesVolume", func() fs.Interface { return overwritingCreate{newMapFS()} }, Options{}, "Errors/CreateExisting", "want EEXIST"},
		{"ReadEOF", func() fs.Interface { return eofReads{newMapFS()} }, Options{}, "Contract/ReadPastEnd", "short read with no error"},
		{"IgnoresRestart", func() fs.Interface { return noRestart{newMapFS()} }, Options{}, "Enumerate/Restart", "missing"},
		{"NeverDone", func() fs.Interface { return endlessEnum{newMapFS()} }, Options{}, "Enumerate/Complete", "not Done after"},
		{"LiveIndexListing", func() fs.Interface { return liveEnum{newMapFS()} }, Options{}, "Enumerate/ChangesDuringListing", "missing"},
		{"UnstableOrder", func() fs.Interface { return randomOrder{newMapFS()} }, Options{}, "Tree/CheckFS", "same order after a restart"},
		{"EmptyPageNotDone", func() fs.Interface { return emptyPages{newMapFS(), map[*enumState]bool{}} }, Options{}, "Enumerate/Complete", "no entries without Done"},
		{"RenameKeepsTarget", func() fs.Interface { return renameKeepsTarget{newMapFS()} }, Options{}, "Rename/FileOverFile", "want \"new content\""},
		{"ExchangeBadError", func() fs.Interface { return exchangeFails{newMapFS()} }, Options{}, "Contract/RenameExchange", "answers ErrNotSupported"},
		{"ExchangeBadErrorVolume", func() fs.Interface { return exchangeFails{newMapFS()} }, Options{}, "Rename/Exchange", "RenameExchange"},
		{"PathOnlyUnlinkOpen", func() fs.Interface { return pathOnly{newMapFS()} }, Options{}, "Data/UnlinkOpen", "its handles keep working"},
		{"PathOnlyRenameTarget", func() fs.Interface { return pathOnly{newMapFS()} }, Options{}, "Rename/FileOverFile", "a handle open on the old b"},
		{"DirtyTruncate", func() fs.Interface { return dirtyTruncate{newMapFS()} }, Options{}, "Data/Truncate", "old bytes must not come back"},
		{"CleanedSymlinks", func() fs.Interface { return cleaningSymlinks{newMapFS()} }, Options{}, "Symlinks/Targets", "exactly as given"},
		{"StreamFlags", func() fs.Interface { return flaglessStreams{newMapFS()} }, Options{}, "NamedStreams/Events", "with Create over an existing stream"},
		{"StreamFlagsXattr", func() fs.Interface { return flaglessStreams{newMapFS()} }, Options{}, "NamedStreams/Xattr", "XattrCreate"},
		{"StaleMtime", func() fs.Interface { return staleTimes{newMapFS()} }, Options{}, "Data/SizeAndTimes", "LastWriteTime"},
		{"StaleMtimeCoarseClock", func() fs.Interface { return staleTimes{newMapFS()} }, Options{TimeGranularity: 20 * time.Millisecond, ClockLag: 20 * time.Millisecond}, "Data/SizeAndTimes", "LastWriteTime"},
		{"Win32Aliases", func() fs.Interface { return win32Aliases{newMapFS()} }, Options{WindowsNames: true}, "Errors/WindowsNames", `Create with OpenTruncate "/fstest.d/f."`},
		{"WindowsNamesUnchecked", func() fs.Interface { return newMapFS() }, Options{WindowsNames: true}, "Errors/WindowsNames", "want EINVAL"},
		{"ChmodIgnored", func() fs.Interface { return ignoringChmod{newMapFS()} }, Options{NoPermissions: true}, "Attributes/Chmod", "want it read-only: true"},
		{"CoarseTimes", func() fs.Interface { return coarseTimes{newMapFS()} }, Options{}, "Attributes/Times", "TimeGranularity"},
		{"NoAppend", func() fs.Interface { return noAppend{newMapFS()} }, Options{}, "Data/Append", "append handle"},
		{"LinkCopies", func() fs.Interface { return sharedLinkCount{newMapFS()} }, Options{}, "HardLinks/Link", "FileID"},
		{"MissingCapability", func() fs.Interface { return noFeatures{newMapFS()} }, Options{}, "Options/Capabilities", "set Options.NoSymlinks"},
		{"ReadOnlyWrongFixture", func() fs.Interface { return roFS{newMapFSWith(map[string]string{"/a": "A"})} },
			Options{ReadOnly: true, Files: map[string]string{"/a": "B", "/b": "b"}}, "ReadOnly/Fixture", "fixture file /b"},
		{"ReadOnlyUndeclared", func() fs.Interface { return roFS{newMapFSWith(fixture)} }, Options{Files: fixture}, "Options/Capabilities", "set Options.ReadOnly"},
	} {
		t.Run(c.name, func(t *testing.T) { mustCatch(t, c.b(), c.opts, c.check, c.want) })
	}
}

// The broken backends break only what they are meant to: the same check passes
// with a coarse enough granularity, and unrelated checks pass.
func TestBrokenBackendsOtherwisePass(t *testing.T) {
	mustPass(t, coarseTimes{newMapFS()}, Options{TimeGranularity: 1e9}, "Attributes/Times")
	mustPass(t, newMapFS(), Options{TimeGranularity: 20 * time.Millisecond, ClockLag: 20 * time.Millisecond}, "Data/SizeAndTimes")
	for _, check := range []string{"Errors/WindowsNames", "Enumerate/Complete", "Enumerate/Paging"} {
		mustPass(t, windowsNamed{newMapFS()}, Options{WindowsNames: true}, check)
	}
	mustPass(t, newMapFS(), Options{NoPermissions: true}, "Attributes/Chmod")
	mustPass(t, repeatingEnum{newMapFS()}, Options{}, "Data/WriteRead")
	mustPass(t, noFeatures{newMapFS()}, Options{NoHardLinks: true, NoSymlinks: true, NoNamedStreams: true, NoRename: true}, "Options/Capabilities")
}

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	r := NewRecorder(newMapFSWith(map[string]string{"/f": "data"}))
	open := func() *fs.OpenFileEvent {
		e := &fs.OpenFileEvent{Name: "/f", Access: fs.AccessRead}
		if err := r.OnOpenFile(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	if _, ok := e.FileContext.(*node); ok {
		t.Fatalf("the Recorder handed out the backend's FileContext, want its own token")
	}
	read := fs.ReadFileEvent{Name: "/f", FileContext: e.FileContext, Buffer: make([]byte, 10)}
	if err := r.OnReadFile(ctx, &read); err != nil || string(read.Buffer[:read.BytesRead]) != "data" {
		t.Fatalf("read through the Recorder: %q, %v", read.Buffer[:read.BytesRead], err)
	}
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "want 1") {
		t.Errorf("Check with an open file: %v, want a complaint", err)
	}
	r.OnCloseFile(ctx, &fs.CloseFileEvent{Name: "/f", FileContext: e.FileContext})
	if err := r.Check(); err != nil {
		t.Errorf("Check after the close: %v", err)
	}
	r.OnCloseFile(ctx, &fs.CloseFileEvent{Name: "/f", FileContext: e.FileContext})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "fired 2 times") {
		t.Errorf("Err after a second close: %v, want a complaint", err)
	}

	r = NewRecorder(newMapFSWith(map[string]string{"/f": "data"}))
	e = open()
	r.OnCloseFile(ctx, &fs.CloseFileEvent{Name: "/f", FileContext: e.FileContext})
	read = fs.ReadFileEvent{Name: "/f", FileContext: e.FileContext, Buffer: make([]byte, 10)}
	r.OnReadFile(ctx, &read)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "after its OnCloseFile") {
		t.Errorf("Err after a read with a closed context: %v, want a complaint", err)
	}

	r = NewRecorder(newMapFSWith(map[string]string{"/f": "data"}))
	r.OnReadFile(ctx, &fs.ReadFileEvent{Name: "/f", FileContext: "made up", Buffer: make([]byte, 1)})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "never set") {
		t.Errorf("Err after a read with a made-up context: %v, want a complaint", err)
	}

	// Listings.
	r = NewRecorder(newMapFSWith(map[string]string{"/f": "data"}))
	le := fs.EnumerateDirectoryEvent{Name: "/", Max: 10}
	if err := r.OnEnumerateDirectory(ctx, &le); err != nil || len(le.Entries) != 1 {
		t.Fatalf("enumerate through the Recorder: %v, %v", le.Entries, err)
	}
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "never got OnCloseDirectoryEnumeration") {
		t.Errorf("Check with an open listing: %v, want a complaint", err)
	}
	ce := fs.CloseDirectoryEnumerationEvent{Name: "/", EnumerationContext: le.EnumerationContext}
	r.OnCloseDirectoryEnumeration(ctx, &ce)
	r.OnCloseDirectoryEnumeration(ctx, &fs.CloseDirectoryEnumerationEvent{Name: "/", EnumerationContext: le.EnumerationContext})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "fired 2 times for one listing") {
		t.Errorf("Err after closing a listing twice: %v, want a complaint", err)
	}

	// OnUnmount before the closes.
	r = NewRecorder(newMapFSWith(map[string]string{"/f": "data"}))
	open()
	r.OnUnmount(ctx, &fs.UnmountEvent{})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "OnUnmount before every close") {
		t.Errorf("Err after OnUnmount with an open file: %v, want a complaint", err)
	}
}

// Through a volume, a Recorder over a read-only backend keeps the volume read-only
// and hides optional events the backend lacks.
func TestRecorderVolumeReadOnly(t *testing.T) {
	ctx := context.Background()
	r := NewRecorder(roFS{newMapFSWith(map[string]string{"/f": "data"})})
	v := r.NewVolume(nil)
	if v.Capabilities().Writable {
		t.Errorf("a volume over a Recorder of a read-only backend is writable")
	}
	for what, err := range map[string]error{
		"Remove": v.Remove(ctx, "/f", false),
		"Rename": v.Rename(ctx, "/f", "/g", 0),
	} {
		if !errors.Is(err, fs.ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", what, err)
		}
	}
	if _, err := v.Readlink(ctx, "/f"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Readlink without fs.SymlinkHandler: %v, want ErrInvalid", err)
	}
	if l, err := v.Label(ctx); err != nil || l != "anyfs" {
		t.Errorf("Label: %q, %v; want the default", l, err)
	}
	id, _ := v.ID(ctx)
	want, _ := fs.NewVolume(roFS{newMapFS()}, nil).ID(ctx)
	if id != want {
		t.Errorf("ID through the Recorder %#x, without %#x", id, want)
	}
	v.Unmounted(ctx, "")
	if err := r.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestCheckFS(t *testing.T) {
	ctx := context.Background()
	v := fs.NewVolume(newMapFSWith(fixture, "/emptydir"), nil)
	if err := CheckFS(v, "/hello.txt", "/dir/sub/b.bin", "/emptydir"); err != nil {
		t.Errorf("CheckFS of a good volume: %v", err)
	}
	err := CheckFS(v, "/hello.txt", "/nope", "dir/nope2")
	if err == nil || !strings.Contains(err.Error(), "expected /nope") || !strings.Contains(err.Error(), "expected /dir/nope2") {
		t.Errorf("CheckFS with missing expected paths: %v", err)
	}
	err = CheckFS(fs.NewVolume(lyingEnum{newMapFSWith(fixture)}, nil))
	if err == nil || !strings.Contains(err.Error(), "/dir/a.txt: listing and Stat disagree: mode 0664 in the listing, 0644 from GetFileInfo; size 2 in the listing, 1 from GetFileInfo") {
		t.Errorf("CheckFS of a volume whose listings lie: %v", err)
	}
	v.Unmounted(ctx, "")
}

// Every check belongs to a group Run knows, so that none runs out of order.
func TestGroups(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range allChecks {
		if !contains(groupOrder, c.group) {
			t.Errorf("check %s/%s: group not in groupOrder", c.group, c.name)
		}
		if seen[c.group+"/"+c.name] {
			t.Errorf("check %s/%s twice", c.group, c.name)
		}
		seen[c.group+"/"+c.name] = true
	}
}

// The same checks through volumes with the metadata and negative caches on, which
// must not change what users see.
func TestRunMapFSCached(t *testing.T) {
	Run(t, func(*testing.T) fs.Interface { return newMapFS() },
		Options{Volume: &fs.Options{MetadataCacheTTL: time.Minute, NegativeCacheTTL: time.Minute}})
}

// TestRecorderForwardsEveryEvent fails when fs gains an event the Recorder does not
// forward.
func TestRecorderForwardsEveryEvent(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../interfaces.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(&Recorder{})
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		it, ok := node.(*ast.InterfaceType)
		if !ok {
			return true
		}
		for _, m := range it.Methods.List {
			for _, name := range m.Names {
				n++
				if _, ok := typ.MethodByName(name.Name); !ok {
					t.Errorf("Recorder does not forward %s", name.Name)
				}
			}
		}
		return true
	})
	if n < 30 {
		t.Errorf("found only %d event methods in ../interfaces.go", n)
	}
}
