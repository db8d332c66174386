package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

func TestRegistryLookup(t *testing.T) {
	open := func(string) (fs.Interface, error) { return nil, nil }
	r := Registry{
		{Name: "mem", Spec: "mem", Open: open},
		{Name: "zip", Spec: "zip:FILE", NeedsArg: true, Open: open},
	}
	tests := []struct {
		spec, wantName, wantArg, wantErr string
	}{
		{spec: "mem", wantName: "mem"},
		{spec: "zip:/a/b.zip", wantName: "zip", wantArg: "/a/b.zip"},
		{spec: `zip:C:\a.zip`, wantName: "zip", wantArg: `C:\a.zip`},
		{spec: "zip:a:b", wantName: "zip", wantArg: "a:b"},
		{spec: "zip", wantErr: "backend zip needs an argument: zip:FILE"},
		{spec: "zip:", wantErr: "backend zip needs an argument: zip:FILE"},
		{spec: "mem:", wantErr: `backend mem takes no argument (got "mem:")`},
		{spec: "mem:x", wantErr: `backend mem takes no argument (got "mem:x")`},
		{spec: "MEM", wantErr: `unknown backend "MEM" (known backends: mem, zip; see: anyfs backends)`},
		{spec: ":x", wantErr: "empty backend name (known backends: mem, zip)"},
	}
	for _, tt := range tests {
		b, arg, err := r.Lookup(tt.spec)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Lookup(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || b.Name != tt.wantName || arg != tt.wantArg {
			t.Errorf("Lookup(%q) = %q, %q, %v; want %q, %q", tt.spec, b.Name, arg, err, tt.wantName, tt.wantArg)
		}
	}
}

func TestDefaultBackends(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range DefaultBackends() {
		if b.Name == "" || b.Description == "" || (b.Open == nil) == (b.OpenServices == nil) || seen[b.Name] || strings.ContainsAny(b.Name, ": ") {
			t.Errorf("bad row %+v", b)
		}
		seen[b.Name] = true
		if want := b.Name + ":"; b.NeedsArg != strings.HasPrefix(b.Spec, want) || !b.NeedsArg && b.Spec != b.Name {
			t.Errorf("%s: Spec %q does not match NeedsArg %v", b.Name, b.Spec, b.NeedsArg)
		}
	}
	if !seen[defaultBackend] {
		t.Errorf("default backend %q is not in the table", defaultBackend)
	}
	// Every row opens with a good argument and fails with a bad one.
	dir := t.TempDir()
	zipFile := filepath.Join(dir, "a.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if w, err := zw.Create("x.txt"); err != nil {
		t.Fatal(err)
	} else if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zipFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"mem": "", "passthrough": dir, "dir": dir, "zip": zipFile, "vault": filepath.Join(dir, "v.vault")}
	// A vault is created when missing, so its missing path is one in a missing
	// directory.
	missing := map[string]string{"vault": filepath.Join(dir, "missing", "v.vault")}
	for _, b := range DefaultBackends() {
		if b.OpenServices != nil {
			// No servers listen there: a clear error, no hang.
			_, err := b.OpenServices(context.Background(), "vol", SharedSettings{
				Meta: "postgres://u@127.0.0.1:1/db", Data: "s3://127.0.0.1:1/bucket?tls=false"})
			if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
				t.Errorf("%s without servers: %v, want an error naming the server", b.Name, err)
			}
			continue
		}
		arg, ok := good[b.Name]
		if !ok {
			t.Errorf("no test argument for backend %s", b.Name)
			continue
		}
		be, err := b.Open(arg)
		if err != nil || be == nil {
			t.Errorf("%s: Open(%q) = %v, %v", b.Name, arg, be, err)
		}
		if c, ok := be.(io.Closer); ok {
			c.Close()
		}
		if b.NeedsArg {
			arg := filepath.Join(dir, "missing")
			if m, ok := missing[b.Name]; ok {
				arg = m
			}
			if be, err := b.Open(arg); err == nil || be != nil {
				t.Errorf("%s: Open of a missing path = %v, %v; want nil and an error", b.Name, be, err)
			}
		}
	}
}

func TestBackendsCommand(t *testing.T) {
	f, out, errOut := testFactory(t)
	if code := run(context.Background(), f, []string{"backends"}); code != exitOK {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(f.Backends)+1 || !strings.HasPrefix(lines[0], "BACKEND") {
		t.Fatalf("output:\n%s", out)
	}
	for i, b := range f.Backends {
		if fields := strings.Fields(lines[i+1]); fields[0] != b.Name || fields[1] != b.Spec {
			t.Errorf("line %q for %+v", lines[i+1], b)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	f, out, _ := testFactory(t)
	if code := run(context.Background(), f, []string{"version"}); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"anyfs " + Version() + "\n", runtime.Version(), "adapters: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
	old := version
	version = "v9.8.7"
	defer func() { version = old }()
	if Version() != "v9.8.7" {
		t.Errorf("Version() = %q with the ldflags variable set", Version())
	}
}

func TestUnmountCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		unmount  error
		code     int
		wantCall string
		wantErr  string
	}{
		{name: "unmount", args: []string{"unmount", dir}, wantCall: dir},
		{name: "umount alias", args: []string{"umount", dir}, wantCall: dir},
		{name: "relative path", args: []string{"unmount", "mnt"}, wantCall: "mnt"},
		{name: "fails", args: []string{"unmount", dir}, unmount: errors.New("fusermount3: not mounted\nexit 1"), code: exitError,
			wantCall: dir, wantErr: "anyfs: unmount " + dir + ": fusermount3: not mounted exit 1\n"},
		{name: "fails naming the path", args: []string{"unmount", dir}, unmount: errors.New("unmount " + dir + ": busy"), code: exitError,
			wantCall: dir, wantErr: "anyfs: unmount " + dir + ": busy\n"},
		{name: "no mount point", args: []string{"unmount"}, code: exitUsage,
			wantErr: "anyfs: missing mount point (usage: anyfs unmount MOUNTPOINT)\n"},
		{name: "two mount points", args: []string{"unmount", "a", "b"}, code: exitUsage,
			wantErr: `anyfs: too many arguments ["a" "b"] (usage: anyfs unmount MOUNTPOINT)` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errOut := testFactory(t)
			var called string
			f.Unmount = func(mnt string) error {
				called = mnt
				return tt.unmount
			}
			if code := run(context.Background(), f, tt.args); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if called != tt.wantCall {
				t.Errorf("Unmount(%q), want %q", called, tt.wantCall)
			}
			if errOut.String() != tt.wantErr {
				t.Errorf("stderr %q, want %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	f, _, errOut := testFactory(t)
	if code := run(context.Background(), f, []string{"mnt"}); code == exitOK {
		t.Error("exit code 0 for an unknown command")
	}
	if got := errOut.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, `unknown command "mnt"`) {
		t.Errorf("stderr %q", got)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		str  string
		err  bool
	}{
		{in: "0", want: 0, str: "0"},
		{in: "1000", want: 1000, str: "1000"},
		{in: "1024", want: 1024, str: "1K"},
		{in: "4k", want: 4 << 10, str: "4K"},
		{in: "512M", want: 512 << 20, str: "512M"},
		{in: "512MiB", want: 512 << 20, str: "512M"},
		{in: "3 GB", want: 3 << 30, str: "3G"},
		{in: "2T", want: 2 << 40, str: "2T"},
		{in: "1536K", want: 1536 << 10, str: "1536K"},
		{in: "12B", want: 12, str: "12"},
		{in: "", err: true},
		{in: "M", err: true},
		{in: "-1", err: true},
		{in: "1.5G", err: true},
		{in: "1X", err: true},
		{in: "9999999T", err: true},
	}
	for _, tt := range tests {
		var b ByteSize
		err := b.Set(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("Set(%q) = %d, want an error", tt.in, b)
			}
			continue
		}
		if err != nil || b != tt.want || b.String() != tt.str {
			t.Errorf("Set(%q) = %d (%s), %v; want %d (%s)", tt.in, b, b.String(), err, tt.want, tt.str)
		}
	}
}

func TestCompletion(t *testing.T) {
	f, out, _ := testFactory(t)
	if code := run(context.Background(), f, []string{"__complete", "mount", ""}); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"mem\t", "zip:\t", "passthrough:\t"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("completion of the first mount argument lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if code := run(context.Background(), f, []string{"__complete", "mount", "--adapter", ""}); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	if !strings.Contains(out.String(), "gofuse\ncgofuse\n") {
		t.Errorf("completion of --adapter:\n%s", out)
	}
}
