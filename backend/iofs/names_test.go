package iofs

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/anyfs/anyfs/fs"
)

func listNames(t *testing.T, v *fs.Volume, dir string) []string {
	t.Helper()
	d, err := v.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	var names []string
	if err := d.ReadDir(context.Background(), 0, func(fi *fs.FileInfo, _ int64) bool {
		names = append(names, fi.Name)
		return true
	}); err != nil {
		t.Fatalf("ReadDir %s: %v", dir, err)
	}
	return names
}

// TestNamesNotUTF8: a host directory (OpenDir) serves names that are not valid
// UTF-8 like any other; a file system that cannot open them (io/fs paths are UTF-8)
// has them left out of its listings, said once in the log, instead of failing the
// listing.
func TestNamesNotUTF8(t *testing.T) {
	const bad = "caf\xe9"
	t.Run("OpenDir", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the host's names must be bytes")
		}
		dir := t.TempDir()
		for _, n := range []string{"ok", bad} {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := OpenDir(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		v := fs.NewVolume(b, nil)
		if got := listNames(t, v, "/"); !slices.Equal(got, []string{bad, "ok"}) {
			t.Fatalf("listing %q", got)
		}
		h, err := v.Open(context.Background(), "/"+bad, fs.AccessRead, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(context.Background())
		buf := make([]byte, 16)
		if n, _ := h.Read(context.Background(), buf, 0); string(buf[:n]) != bad {
			t.Fatalf("read %q", buf[:n])
		}
	})
	t.Run("MapFS", func(t *testing.T) {
		var log bytes.Buffer
		b := New(fstest.MapFS{"ok": {Data: []byte("x")}, bad: {Data: []byte("y")}, "d/" + bad: {Data: []byte("z")}},
			&Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		v := fs.NewVolume(b, nil)
		for range 2 {
			if got := listNames(t, v, "/"); !slices.Equal(got, []string{"d", "ok"}) {
				t.Fatalf("listing %q, want the others", got)
			}
		}
		if got := listNames(t, v, "/d"); len(got) != 0 {
			t.Fatalf("listing of /d: %q", got)
		}
		if n := strings.Count(log.String(), "left out"); n != 2 {
			t.Fatalf("%d log lines for two entries listed three times, want one each:\n%s", n, log.String())
		}
		if !strings.Contains(log.String(), `"\"caf\\xe9\""`) && !strings.Contains(log.String(), `caf\\xe9`) {
			t.Fatalf("the log does not name the entry:\n%s", log.String())
		}
	})
}
