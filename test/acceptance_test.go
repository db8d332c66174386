//go:build linux

package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/backend/iofs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// run runs a command and fails t with its output if it fails.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// A source tree mounted with passthrough is the tree itself to git status, tar c,
// rsync -a and diff -r: byte-identical, with the same modes and times.
func TestPassthroughMirrorsSourceTree(t *testing.T) {
	need(t, "git", "tar", "diff")
	src := filepath.Join(t.TempDir(), "src")
	run(t, "", "cp", "-a", "../fs", src)
	run(t, src, "git", "init", "-q")
	run(t, src, "git", "add", ".")
	run(t, src, "git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "tree")
	run(t, "", "touch", "-d", "2020-01-02 03:04:05.123456789", filepath.Join(src, "doc.go"))
	os.Chmod(filepath.Join(src, "faultfs"), 0o750)
	for _, adapter := range mounttest.Adapters() {
		t.Run(adapter, func(t *testing.T) {
			p, err := passthrough.New(src, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() }) // after the unmount: cleanups run last-in first-out
			mnt := mounttest.Mount(t, fs.NewVolume(p, nil), adapter)
			if st := run(t, mnt, "git", "status", "--porcelain"); st != "" {
				t.Errorf("git status through the mount:\n%s", st)
			}
			run(t, "", "diff", "-r", src, mnt)
			a := run(t, "", "tar", "cf", "-", "-C", src, ".")
			b := run(t, "", "tar", "cf", "-", "-C", mnt, ".")
			if a != b {
				t.Errorf("tar of the tree and of the mount differ (%d and %d bytes)", len(a), len(b))
			}
			if _, err := exec.LookPath("rsync"); err == nil {
				dst := filepath.Join(t.TempDir(), "copy")
				run(t, "", "rsync", "-a", mnt+"/", dst+"/")
				if a, b := run(t, "", "tar", "cf", "-", "-C", src, "."), run(t, "", "tar", "cf", "-", "-C", dst, "."); a != b {
					t.Error("rsync -a of the mount differs from the tree")
				}
			}
		})
	}
}

// A zip of a real Go module from the module cache mounts, and diff -r against the
// unpacked module shows no difference.
func TestZipOfModule(t *testing.T) {
	need(t, "diff", "go")
	cache := strings.TrimSpace(run(t, "", "go", "env", "GOMODCACHE"))
	const mod, ver = "github.com/spf13/cobra", "v1.10.2"
	zipPath := filepath.Join(cache, "cache", "download", mod, "@v", ver+".zip")
	unpacked := filepath.Join(cache, mod+"@"+ver)
	if _, err := os.Stat(zipPath); err != nil {
		t.Skipf("the module is not in the cache: %v", err)
	}
	z, err := iofs.OpenZip(zipPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() }) // after the unmount: cleanups run last-in first-out
	mnt := mounttest.Mount(t, fs.NewVolume(z, nil), "")
	run(t, "", "diff", "-r", unpacked, filepath.Join(mnt, mod+"@"+ver))
	if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o644); err == nil || !bytes.Contains([]byte(err.Error()), []byte("read-only")) {
		t.Fatalf("write to a zip mount: %v, want read-only file system", err)
	}
}
