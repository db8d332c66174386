package fstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// Run runs every check of the kit as a subtest of t, grouped by topic
// (t.Run("Contract", ...), t.Run("Rename", ...), ...), each with a fresh backend from
// newBackend. Checks of features the Options declare absent are skipped or replaced by
// checks that the volume refuses them cleanly.
func Run(t *testing.T, newBackend func(t *testing.T) fs.Interface, opts Options) {
	t.Helper()
	var group string
	var checks []check
	flush := func() {
		if len(checks) == 0 {
			return
		}
		cs := checks
		t.Run(group, func(t *testing.T) {
			for _, c := range cs {
				t.Run(c.name, func(t *testing.T) {
					if why, ok := opts.Skip[c.group+"/"+c.name]; ok {
						t.Skipf("skipped (Options.Skip): %s", why)
					}
					runCheck(t, newBackend(t), opts, c.fn)
				})
			}
		})
		checks = nil
	}
	known := map[string]bool{}
	for _, c := range allChecks {
		known[c.group+"/"+c.name] = true
	}
	for name := range opts.Skip {
		if !known[name] {
			t.Errorf("Options.Skip: no check is named %q", name)
		}
	}
	for _, c := range orderedChecks() {
		if c.group != group {
			flush()
			group = c.group
		}
		checks = append(checks, c)
	}
	flush()
}

// groupOrder is the order Run runs the groups in.
var groupOrder = []string{"Options", "Contract", "Enumerate", "Contexts", "Errors", "Data", "Rename",
	"Ranges", "Attributes", "HardLinks", "Symlinks", "NamedStreams", "ReadOnly", "Tree"}

// orderedChecks returns allChecks by group, in groupOrder.
func orderedChecks() []check {
	rank := map[string]int{}
	for i, g := range groupOrder {
		rank[g] = i + 1
	}
	out := append([]check(nil), allChecks...)
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].group] < rank[out[j].group] })
	return out
}

// check is one named check of the kit.
type check struct {
	group, name string
	fn          func(t TB, k *kit)
}

// runCheck runs fn against b with the kit's cleanup: every volume the check made is
// unmounted and its Recorder's books checked.
func runCheck(t TB, b fs.Interface, opts Options, fn func(TB, *kit)) {
	t.Helper()
	k := newKit(t, b, opts)
	t.Cleanup(func() { k.finish(t) })
	fn(t, k)
}

// features says what the backend implements (by type assertion) and the Options
// allow the kit to check.
type features struct {
	write, del, rename, setattr, links, symlinks, streams, empty bool
	ranges, seek, copy, xattrNS                                  bool
}

// kit is the state of one check: the backend, its declared options and the volumes
// made over it.
type kit struct {
	opts Options
	b    fs.Interface
	ctx  context.Context
	has  features // what b implements
	ro   bool     // the backend is checked as read-only

	fixture map[string]string // Options.Files with clean names

	vols []*volume
	def  *volume
}

// volume is a volume the kit made, with the Recorder between it and the backend.
type volume struct {
	*fs.Volume
	rec *Recorder
}

func newKit(t TB, b fs.Interface, opts Options) *kit {
	k := &kit{opts: opts, b: b, ctx: context.Background()}
	_, c := b.(fs.CreateFileHandler)
	_, w := b.(fs.WriteFileHandler)
	_, k.has.del = b.(fs.DeleteFileHandler)
	_, k.has.rename = b.(fs.RenameOrMoveFileHandler)
	_, k.has.setattr = b.(fs.SetFileAttributesHandler)
	_, k.has.links = b.(fs.CreateHardLinkHandler)
	_, k.has.symlinks = b.(fs.SymlinkHandler)
	_, k.has.streams = b.(fs.NamedStreamHandler)
	_, k.has.empty = b.(fs.IsDirectoryEmptyHandler)
	_, k.has.ranges = b.(fs.AllocateRangeHandler)
	_, k.has.seek = b.(fs.SeekDataHandler)
	_, k.has.copy = b.(fs.CopyFileRangeHandler)
	_, k.has.xattrNS = b.(fs.XattrNamespacer)
	k.has.write = c && w
	k.ro = opts.ReadOnly || !k.has.write
	k.fixture = make(map[string]string, len(opts.Files))
	for name, content := range opts.Files {
		k.fixture[fs.Clean(name)] = content
	}
	return k
}

// finish unmounts every volume and reports what their Recorders found.
func (k *kit) finish(t TB) {
	t.Helper()
	for _, v := range k.vols {
		if err := v.Unmounted(k.ctx, ""); err != nil {
			t.Errorf("Unmounted: %v", err)
		}
		if err := v.rec.Check(); err != nil {
			t.Errorf("contexts (FileContext/EnumerationContext lifetimes through the volume):\n%v", err)
		}
	}
}

// tbWriter sends the volume's log to the test log.
type tbWriter struct{ t TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.t.Logf("volume: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// vol returns the check's default volume, made on first use.
func (k *kit) vol(t TB) *volume {
	if k.def == nil {
		k.def = k.newVol(t, nil)
	}
	return k.def
}

// newVol makes another volume over the backend, with its own Recorder; edit changes
// the options first.
func (k *kit) newVol(t TB, edit func(*fs.Options)) *volume {
	o := fs.Options{}
	if k.opts.Volume != nil {
		o = *k.opts.Volume
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(tbWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if k.ro {
		o.ReadOnly = true
	}
	if edit != nil {
		edit(&o)
	}
	rec := NewRecorder(k.b)
	v := &volume{Volume: rec.NewVolume(&o), rec: rec}
	k.vols = append(k.vols, v)
	return v
}

// The names the kit makes live under workDir.
const workDir = "/fstest.d"

// need skips the check unless the backend has the feature (and the Options do not
// declare it absent). The Capabilities check reports a mismatch once.
func (k *kit) need(t TB, feature string) {
	t.Helper()
	var ok bool
	var why string
	switch feature {
	case "write":
		ok, why = !k.ro, "the backend is read-only"
	case "delete":
		ok, why = !k.ro && k.has.del, "the backend has no fs.DeleteFileHandler"
	case "rename":
		ok, why = !k.ro && k.has.rename && !k.opts.NoRename, "no rename (Options.NoRename or no fs.RenameOrMoveFileHandler)"
	case "setattr":
		ok, why = !k.ro && k.has.setattr, "the backend has no fs.SetFileAttributesHandler"
	case "links":
		ok, why = !k.ro && k.has.links && !k.opts.NoHardLinks, "no hard links (Options.NoHardLinks or no fs.CreateHardLinkHandler)"
	case "symlinks":
		ok, why = !k.ro && k.has.symlinks && !k.opts.NoSymlinks, "no symbolic links (Options.NoSymlinks or no fs.SymlinkHandler)"
	case "streams":
		ok, why = !k.ro && k.has.streams && !k.opts.NoNamedStreams, "no named streams (Options.NoNamedStreams or no fs.NamedStreamHandler)"
	case "ranges":
		ok, why = !k.ro && k.has.ranges, "the backend has no fs.AllocateRangeHandler"
	case "seek":
		ok, why = !k.ro && k.has.seek, "the backend has no fs.SeekDataHandler"
	case "copy":
		ok, why = !k.ro && k.has.copy, "the backend has no fs.CopyFileRangeHandler"
	case "xattrNS":
		ok, why = !k.ro && k.has.xattrNS && !k.opts.NoNamedStreams && runtime.GOOS == "linux",
			"no extended-attribute namespaces (no fs.XattrNamespacer, or not Linux)"
	case "readonly":
		ok, why = k.ro, "the backend is writable"
	default:
		panic("fstest: unknown feature " + feature)
	}
	if !ok {
		t.Skipf("skipped: %s", why)
	}
}

// work makes the work directory on v and returns its name.
func (k *kit) work(t TB, v *volume) string {
	t.Helper()
	if _, err := v.Stat(k.ctx, workDir); err == nil {
		return workDir
	}
	k.mkdir(t, v, workDir)
	return workDir
}

func (k *kit) mkdir(t TB, v *volume, name string) {
	t.Helper()
	if _, err := v.Mkdir(k.ctx, name, 0o755); err != nil {
		t.Fatalf("Mkdir %s: %v", name, err)
	}
}

// writeFile creates (or truncates) name with content.
func (k *kit) writeFile(t TB, v *volume, name, content string) {
	t.Helper()
	h, _, err := v.Create(k.ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Flags: fs.OpenTruncate})
	if err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: 0}); err != nil {
		t.Fatalf("truncate %s: %v", name, err)
	}
	k.writeAt(t, h, content, 0)
}

func (k *kit) writeAt(t TB, h *fs.Handle, content string, off int64) {
	t.Helper()
	n, err := h.Write(k.ctx, []byte(content), off)
	if err != nil || n != len(content) {
		t.Fatalf("Write %s at %d: wrote %d of %d bytes: %v", h.Name(), off, n, len(content), err)
	}
}

// readFile reads the whole file at name.
func (k *kit) readFile(t TB, v *volume, name string) string {
	t.Helper()
	h, err := v.Open(k.ctx, name, fs.AccessRead, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer h.Release(k.ctx)
	return k.readAll(t, h)
}

// readAll reads a handle from 0 to the end of the file.
func (k *kit) readAll(t TB, h *fs.Handle) string {
	t.Helper()
	s, err := k.readAllErr(h)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return s
}

func (k *kit) readAllErr(h *fs.Handle) (string, error) {
	var out []byte
	buf := make([]byte, 64<<10)
	for off := int64(0); ; {
		n, err := h.Read(k.ctx, buf, off)
		if err != nil {
			return string(out), fmt.Errorf("read %s at %d: %w", h.Name(), off, err)
		}
		out = append(out, buf[:n]...)
		off += int64(n)
		if n < len(buf) {
			return string(out), nil
		}
	}
}

// readAt reads n bytes at off.
func (k *kit) readAt(t TB, h *fs.Handle, off int64, n int) string {
	t.Helper()
	buf := make([]byte, n)
	got, err := h.Read(k.ctx, buf, off)
	if err != nil {
		t.Fatalf("Read %s: %d bytes at %d: %v", h.Name(), n, off, err)
	}
	return string(buf[:got])
}

func (k *kit) stat(t TB, v *volume, name string) fs.FileInfo {
	t.Helper()
	fi, err := v.Stat(k.ctx, name)
	if err != nil {
		t.Fatalf("Stat %s: %v", name, err)
	}
	return fi
}

// list lists dir through the volume.
func (k *kit) list(t TB, v *volume, dir string) []fs.FileInfo {
	t.Helper()
	out, err := listVolume(k.ctx, v.Volume, dir)
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return out
}

func listVolume(ctx context.Context, v *fs.Volume, dir string) ([]fs.FileInfo, error) {
	d, err := v.OpenDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer d.Close(ctx)
	var out []fs.FileInfo
	err = d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool {
		out = append(out, *fi)
		return true
	})
	return out, err
}

func sortStrings(s []string) { sort.Strings(s) }

func names(fis []fs.FileInfo) []string {
	out := make([]string, len(fis))
	for i := range fis {
		out[i] = fis[i].Name
	}
	sort.Strings(out)
	return out
}

// errIs reports whether err is want, by errors.Is or by the code the volume maps
// both to (a backend may answer with a syscall.Errno).
func errIs(err, want error) bool {
	if err == nil || want == nil {
		return err == want
	}
	if errors.Is(err, want) {
		return true
	}
	ge, ok1 := fs.ErrnoOf(err)
	we, ok2 := fs.ErrnoOf(want)
	return ok1 && ok2 && ge == we
}

// errName names err for messages: its code and text.
func errName(err error) string {
	if err == nil {
		return "no error"
	}
	e, _ := fs.ErrnoOf(err)
	return fmt.Sprintf("%s (%v)", e.String(), err)
}

// wantErr reports unless err is one of want.
func wantErr(t TB, what string, err error, want ...error) bool {
	t.Helper()
	for _, w := range want {
		if errIs(err, w) {
			return true
		}
	}
	ws := make([]string, len(want))
	for i, w := range want {
		e, _ := fs.ErrnoOf(w)
		ws[i] = e.String()
	}
	t.Errorf("%s: got %s, want %s", what, errName(err), strings.Join(ws, " or "))
	return false
}

// normalized fills what a backend may leave zero, as the volume does, so that raw
// replies can be compared.
func normalized(fi fs.FileInfo) fs.FileInfo {
	fi.Normalize()
	return fi
}

// agree compares a listing entry with the file's information (both normalized): the
// "fast path agrees with the generic one" rule. It returns the differences.
func agree(entry, info fs.FileInfo) []string {
	var diffs []string
	if entry.Mode.Type() != info.Mode.Type() {
		diffs = append(diffs, fmt.Sprintf("type %s in the listing, %s from GetFileInfo", typeName(entry.Mode), typeName(info.Mode)))
	}
	if entry.Mode.Perm() != info.Mode.Perm() {
		diffs = append(diffs, fmt.Sprintf("mode %#o in the listing, %#o from GetFileInfo", entry.Mode.Perm(), info.Mode.Perm()))
	}
	if !entry.Mode.IsDir() && entry.Size != info.Size {
		diffs = append(diffs, fmt.Sprintf("size %d in the listing, %d from GetFileInfo", entry.Size, info.Size))
	}
	if entry.FileID != 0 && info.FileID != 0 && entry.FileID != info.FileID {
		diffs = append(diffs, fmt.Sprintf("FileID %d in the listing, %d from GetFileInfo", entry.FileID, info.FileID))
	}
	return diffs
}

func typeName(m attr.Mode) string {
	switch m.Type() {
	case attr.S_IFDIR:
		return "directory"
	case attr.S_IFREG:
		return "regular file"
	case attr.S_IFLNK:
		return "symbolic link"
	case 0:
		return "no type"
	}
	return fmt.Sprintf("type %#o", m.Type())
}

// sameTime compares times at the backend's granularity.
func (k *kit) sameTime(got, want time.Time) bool {
	g := k.opts.TimeGranularity
	if g <= 0 {
		return got.Equal(want)
	}
	d := got.Sub(want)
	return d > -g && d < g
}

// xattrName is the extended-attribute name of stream s, as the volume spells it on
// this OS (fs keeps streams in "user." on Linux).
func xattrName(s string) string {
	if runtime.GOOS == "linux" {
		return "user." + s
	}
	return s
}

// fixtureDirs returns every directory the fixture implies, "/" first.
func (k *kit) fixtureDirs() []string {
	set := map[string]bool{"/": true}
	add := func(p string) {
		for p = path.Dir(p); p != "/"; p = path.Dir(p) {
			set[p] = true
		}
	}
	for name := range k.fixture {
		add(name)
	}
	for _, d := range k.opts.Dirs {
		set[fs.Clean(d)] = true
		add(fs.Clean(d))
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// fixtureChildren returns the base names the fixture puts in dir.
func (k *kit) fixtureChildren(dir string) []string {
	set := map[string]bool{}
	add := func(p string) {
		for ; p != "/"; p = path.Dir(p) {
			if path.Dir(p) == dir {
				set[path.Base(p)] = true
			}
		}
	}
	for name := range k.fixture {
		add(name)
	}
	for _, d := range k.opts.Dirs {
		add(fs.Clean(d))
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fixtureFiles returns the fixture's file names, sorted.
func (k *kit) fixtureFiles() []string {
	out := make([]string, 0, len(k.fixture))
	for n := range k.fixture {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
