package fs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/faultfs"
)

// errLeak is what the backend answers an event that reaches it with a name in the
// case it was typed in instead of the stored one.
var errLeak = errors.New("event with a name in the typed case")

// caseVolume is a case-insensitive volume over memfs (which is case-sensitive)
// holding /Dir/Hello.TXT ("hello") and /Dir/Other ("other"). Every name the tests
// type starts /dIR or /Dir/hE...: an event that reaches the backend with such a name
// fails with errLeak, except OnGetFileInfo, which finds nothing.
func caseVolume(t *testing.T, opts fs.Options) *fs.Volume {
	t.Helper()
	ctx := context.Background()
	opts.CaseInsensitive = true
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	b := faultfs.New(memfs.New(nil))
	v := fs.NewVolume(b, &opts)
	t.Cleanup(func() { v.Unmounted(ctx, "") })
	if _, err := v.Mkdir(ctx, "/Dir", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"/Dir/Hello.TXT": "hello", "/Dir/Other": "other"} {
		h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Write(ctx, []byte(data), 0); err != nil {
			t.Fatal(err)
		}
		h.Release(ctx)
	}
	for _, prefix := range []string{"/dIR", "/Dir/hE"} {
		// The volume may ask whether a name exists as typed: that answer is absent
		// (memfs is case-sensitive), and no other event may see the name.
		b.Inject(faultfs.Rule{Name: prefix, Err: errLeak})
		b.Inject(faultfs.Rule{Event: "OnGetFileInfo", Name: prefix, Err: fs.ErrNotExist}) // checked first
	}
	return v
}

func listNames(t *testing.T, v *fs.Volume, dir string) []string {
	t.Helper()
	ctx := context.Background()
	d, err := v.OpenDir(ctx, dir)
	if err != nil {
		t.Fatalf("opendir %s: %v", dir, err)
	}
	defer d.Close(ctx)
	var names []string
	if err := d.ReadDir(ctx, 0, func(fi *fs.FileInfo, _ int64) bool {
		names = append(names, fi.Name)
		return true
	}); err != nil {
		t.Fatalf("readdir %s: %v", dir, err)
	}
	slices.Sort(names)
	return names
}

func readAll(t *testing.T, h *fs.Handle) string {
	t.Helper()
	buf := make([]byte, 64)
	n, err := h.Read(context.Background(), buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("read %s: %v", h.Name(), err)
	}
	return string(buf[:n])
}

// TestCaseInsensitiveStoredNames: on a case-insensitive volume every call by path
// reaches the backend with the stored name, a name created through another case is
// the existing file, and a rename may change only the case.
func TestCaseInsensitiveStoredNames(t *testing.T) {
	xattr := "k"
	if runtime.GOOS == "linux" {
		xattr = "user.k"
	}
	caches := []struct {
		name string
		opts fs.Options
	}{
		{"no cache", fs.Options{}},
		{"metadata and negative caches", fs.Options{MetadataCacheTTL: time.Minute, NegativeCacheTTL: time.Minute}},
	}
	steps := []struct {
		name string
		run  func(t *testing.T, v *fs.Volume) error
	}{
		{"stat", func(t *testing.T, v *fs.Volume) error {
			fi, err := v.Stat(bgc, "/dIR/hELLO.txt")
			if err == nil && fi.Name != "Hello.TXT" {
				t.Errorf("stat names the file %q, want the stored Hello.TXT", fi.Name)
			}
			return err
		}},
		{"lookup", func(t *testing.T, v *fs.Volume) error {
			fi, err := v.Lookup(bgc, "/dIR", "hELLO.txt")
			if err == nil && fi.Name != "Hello.TXT" {
				t.Errorf("lookup names the file %q", fi.Name)
			}
			return err
		}},
		{"real name", func(t *testing.T, v *fs.Volume) error {
			real, err := v.RealName(bgc, "/dIR/hELLO.txt")
			if err == nil && real != "/Dir/Hello.TXT" {
				t.Errorf("RealName = %q", real)
			}
			return err
		}},
		{"open and read", func(t *testing.T, v *fs.Volume) error {
			h, err := v.Open(bgc, "/dIR/hELLO.txt", fs.AccessRead, 0)
			if err != nil {
				return err
			}
			defer h.Release(bgc)
			if got := readAll(t, h); got != "hello" {
				t.Errorf("read %q", got)
			}
			return nil
		}},
		{"create of an existing name in another case opens it", func(t *testing.T, v *fs.Volume) error {
			h, fi, err := v.Create(bgc, "/dIR/hELLO.TXT", fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead})
			if err != nil {
				return err
			}
			defer h.Release(bgc)
			if got := readAll(t, h); got != "hello" || fi.Size != 5 {
				t.Errorf("the create opened a file of %d bytes, %q", fi.Size, got)
			}
			return nil
		}},
		{"exclusive create of an existing name in another case", func(t *testing.T, v *fs.Volume) error {
			_, _, err := v.Create(bgc, "/dIR/hELLO.TXT", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite, Exclusive: true})
			if memfsErrno(err) != fs.EEXIST {
				t.Errorf("O_EXCL create: %v, want EEXIST", err)
			}
			return nil
		}},
		{"mkdir and mknod of an existing name in another case", func(t *testing.T, v *fs.Volume) error {
			if _, err := v.Mkdir(bgc, "/dIR", 0o755); memfsErrno(err) != fs.EEXIST {
				t.Errorf("mkdir: %v, want EEXIST", err)
			}
			if _, err := v.Mknod(bgc, "/dIR/hELLO.txt", 0o644, 0); memfsErrno(err) != fs.EEXIST {
				t.Errorf("mknod: %v, want EEXIST", err)
			}
			return nil
		}},
		{"listing shows one entry", func(t *testing.T, v *fs.Volume) error {
			if got := listNames(t, v, "/dIR"); !slices.Equal(got, []string{"Hello.TXT", "Other"}) {
				t.Errorf("listing %q", got)
			}
			return nil
		}},
		{"setattr", func(t *testing.T, v *fs.Volume) error {
			fi, err := v.SetAttributes(bgc, "/dIR/hELLO.txt", fs.Change{Valid: fs.ChangeMode, Mode: 0o600})
			if err == nil && fi.Mode.Perm() != 0o600 {
				t.Errorf("mode %o after chmod", fi.Mode.Perm())
			}
			return err
		}},
		{"xattrs", func(t *testing.T, v *fs.Volume) error {
			if err := v.SetXattr(bgc, "/dIR/hELLO.txt", xattr, []byte("v"), 0); err != nil {
				return err
			}
			if got, err := v.GetXattr(bgc, "/dIR/HELLO.TXT", xattr); err != nil || string(got) != "v" {
				t.Errorf("getxattr = %q, %v", got, err)
			}
			if names, err := v.ListXattr(bgc, "/dIR/hello.txt"); err != nil || !slices.Equal(names, []string{xattr}) {
				t.Errorf("listxattr = %q, %v", names, err)
			}
			return v.RemoveXattr(bgc, "/dIR/hELLO.TXT", xattr)
		}},
		{"link", func(t *testing.T, v *fs.Volume) error {
			if _, err := v.Link(bgc, "/dIR/hELLO.txt", "/dIR/Link"); err != nil {
				return err
			}
			if _, err := v.Link(bgc, "/Dir/Other", "/dIR/hELLO.txt"); memfsErrno(err) != fs.EEXIST {
				t.Errorf("link onto an existing name in another case: %v, want EEXIST", err)
			}
			if got := listNames(t, v, "/Dir"); !slices.Equal(got, []string{"Hello.TXT", "Link", "Other"}) {
				t.Errorf("listing %q", got)
			}
			return v.Remove(bgc, "/dIR/LINK", false)
		}},
		{"symlink and readlink", func(t *testing.T, v *fs.Volume) error {
			if _, err := v.Symlink(bgc, "Hello.TXT", "/dIR/Sym"); err != nil {
				return err
			}
			if _, err := v.Symlink(bgc, "x", "/dIR/SYM"); memfsErrno(err) != fs.EEXIST {
				t.Errorf("symlink onto an existing name in another case: %v, want EEXIST", err)
			}
			if target, err := v.Readlink(bgc, "/dIR/sYM"); err != nil || target != "Hello.TXT" {
				t.Errorf("readlink = %q, %v", target, err)
			}
			return v.Remove(bgc, "/dIR/sym", false)
		}},
		{"can delete", func(t *testing.T, v *fs.Volume) error {
			return v.CanDelete(bgc, "/dIR/hELLO.txt")
		}},
		{"rename that changes only the case", func(t *testing.T, v *fs.Volume) error {
			if err := v.Rename(bgc, "/dIR/hELLO.txt", "/Dir/HELLO.txt", 0); err != nil {
				return err
			}
			if got := listNames(t, v, "/Dir"); !slices.Equal(got, []string{"HELLO.txt", "Other"}) {
				t.Errorf("listing after the rename: %q", got)
			}
			return nil
		}},
		{"rename over an existing name in another case replaces it", func(t *testing.T, v *fs.Volume) error {
			if err := v.Rename(bgc, "/dIR/oTHER", "/dIR/hELLO.TXT", 0); err != nil {
				return err
			}
			if got := listNames(t, v, "/Dir"); len(got) != 1 || !slices.Contains([]string{"HELLO.txt", "hELLO.TXT"}, got[0]) {
				t.Errorf("listing after the rename: %q, want one entry", got)
			}
			h, err := v.Open(bgc, "/dIR/hELLO.txt", fs.AccessRead, 0)
			if err != nil {
				return err
			}
			defer h.Release(bgc)
			if got := readAll(t, h); got != "other" {
				t.Errorf("the renamed file reads %q", got)
			}
			return nil
		}},
		{"unlink and rmdir", func(t *testing.T, v *fs.Volume) error {
			if err := v.Remove(bgc, "/dIR/hELLO.tXT", false); err != nil {
				return err
			}
			if _, err := v.Stat(bgc, "/Dir/HELLO.txt"); memfsErrno(err) != fs.ENOENT {
				t.Errorf("stat after unlink: %v", err)
			}
			return v.Remove(bgc, "/dIR", true)
		}},
	}
	for _, c := range caches {
		t.Run(c.name, func(t *testing.T) {
			v := caseVolume(t, c.opts)
			for _, s := range steps {
				if err := s.run(t, v); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			}
		})
	}
}

// TestCaseInsensitiveCacheKeys: an absent name cached in one case does not hide the
// file stored in another.
func TestCaseInsensitiveCacheKeys(t *testing.T) {
	v := caseVolume(t, fs.Options{MetadataCacheTTL: time.Minute, NegativeCacheTTL: time.Minute})
	if _, err := v.Stat(bgc, "/Dir/hello.txt"); err != nil {
		t.Fatalf("stat in another case: %v", err)
	}
	if _, err := v.Stat(bgc, "/Dir/Hello.TXT"); err != nil {
		t.Fatalf("stat in the stored case after one in another case: %v", err)
	}
	if _, err := v.Mkdir(bgc, "/new", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Stat(bgc, "/NEW"); err != nil {
		t.Fatalf("stat of a new directory in another case: %v", err)
	}
}

var bgc = context.Background()
