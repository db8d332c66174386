package statcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

// runStat runs "anyfs stat args..." and returns stdout, stderr and the error.
func runStat(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := NewCmd()
	cmd.SilenceErrors = true // as the anyfs root command does
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// decodeInfos decodes the JSON Lines output of --json.
func decodeInfos(t *testing.T, s string) []Info {
	t.Helper()
	var infos []Info
	dec := json.NewDecoder(strings.NewReader(s))
	for dec.More() {
		var info Info
		if err := dec.Decode(&info); err != nil {
			t.Fatalf("bad JSON output %q: %v", s, err)
		}
		infos = append(infos, info)
	}
	return infos
}

// statCase is one kind of file for the table tests.
type statCase struct {
	name  string
	make  func(t *testing.T, path string) error // creates path; an error skips
	typ   string
	mode  string // first character of the mode string
	attrs attr.FileAttributes
	check func(t *testing.T, info Info)
}

// portableCases work on every system.
var portableCases = []statCase{
	{
		name: "regular",
		make: func(t *testing.T, p string) error { return os.WriteFile(p, []byte("hello"), 0o644) },
		typ:  "regular file", mode: "-", attrs: attr.Normal,
		check: func(t *testing.T, info Info) {
			if info.Size != 5 {
				t.Errorf("size %d", info.Size)
			}
		},
	},
	{
		name: "read-only",
		make: func(t *testing.T, p string) error { return os.WriteFile(p, nil, 0o444) },
		typ:  "regular file", mode: "-", attrs: attr.ReadOnly,
	},
	{
		name: "directory",
		make: func(t *testing.T, p string) error { return os.Mkdir(p, 0o755) },
		typ:  "directory", mode: "d", attrs: attr.Directory,
	},
}

func runCases(t *testing.T, cases []statCase) {
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := tc.make(t, p); err != nil {
				t.Skipf("cannot create %s: %v", tc.name, err)
			}
			before := time.Now().Add(-time.Minute)

			stdout, stderr, err := runStat(t, "--json", p)
			if err != nil || stderr != "" {
				t.Fatalf("stat --json %s: %v, stderr %q", p, err, stderr)
			}
			infos := decodeInfos(t, stdout)
			if len(infos) != 1 {
				t.Fatalf("got %d objects, want 1", len(infos))
			}
			info := infos[0]
			if info.Path != p || info.Type != tc.typ || info.Mode[:1] != tc.mode {
				t.Errorf("path %q type %q mode %q; want %q %q %s...", info.Path, info.Type, info.Mode, p, tc.typ, tc.mode)
			}
			got, err := attr.ParseFileAttributes(info.Attributes)
			if err != nil || got.String() != info.Attributes || info.AttributesHex != fmt.Sprintf("%#08x", uint32(got)) {
				t.Errorf("attributes %q (%s): %v", info.Attributes, info.AttributesHex, err)
			}
			want := tc.attrs
			if runtime.GOOS == "windows" {
				// Windows marks new files ARCHIVE and may add NOT_CONTENT_INDEXED.
				got &^= attr.Archive | attr.NotContentIndexed | attr.Normal
				want &^= attr.Normal
			}
			if got != want {
				t.Errorf("attributes %s, want %s", got, want)
			}
			if len(info.Mode) != 10 || len(info.Perm) != 4 || !strings.HasSuffix(info.StMode, info.Perm[1:]) {
				t.Errorf("mode %q perm %q st_mode %q", info.Mode, info.Perm, info.StMode)
			}
			if info.Mtime == nil {
				t.Fatal("no mtime")
			}
			mt, err := time.Parse(time.RFC3339Nano, info.Mtime.RFC3339)
			if err != nil || mt.Before(before) || !strings.HasSuffix(info.Mtime.RFC3339, "Z") {
				t.Errorf("mtime %q: %v", info.Mtime.RFC3339, err)
			}
			if ft, _ := attr.FiletimeFromTime(mt); ft != info.Mtime.Filetime {
				t.Errorf("mtime FILETIME %d, want %d", info.Mtime.Filetime, ft)
			}
			if tc.check != nil {
				tc.check(t, info)
			}

			// The text output names the same things.
			text, _, err := runStat(t, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{p, tc.typ, info.Mode, info.Attributes, info.Mtime.RFC3339, "FILETIME"} {
				if !strings.Contains(text, want) {
					t.Errorf("text output lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestStatPortable(t *testing.T) { runCases(t, portableCases) }

func TestStatMissingPath(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, args := range [][]string{{missing, good, dir}, {"--json", missing, good, dir}} {
		stdout, stderr, err := runStat(t, args...)
		if err == nil || !strings.Contains(err.Error(), "1 of 3") {
			t.Errorf("%v: error %v, want one counting 1 of 3 paths", args, err)
		}
		if !strings.Contains(stderr, missing) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr %q should name %s once", args, stderr, missing)
		}
		if args[0] != "--json" {
			if !strings.Contains(stdout, good) || !strings.Contains(stdout, dir) {
				t.Errorf("%v: the other paths are missing from stdout:\n%s", args, stdout)
			}
			continue
		}
		// JSON escapes the backslashes of Windows paths: compare decoded paths.
		var paths []string
		for _, info := range decodeInfos(t, stdout) {
			paths = append(paths, info.Path)
		}
		if want := []string{good, dir}; !slices.Equal(paths, want) {
			t.Errorf("%v: JSON objects for %q, want %q", args, paths, want)
		}
	}
}

func TestStatArgs(t *testing.T) {
	if _, _, err := runStat(t); err == nil {
		t.Error("no paths accepted")
	}
	if _, _, err := runStat(t, "--bogus", "."); err == nil {
		t.Error("unknown flag accepted")
	}
}
