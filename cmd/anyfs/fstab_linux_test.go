//go:build linux

package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFstabLinesInDocs mounts every /etc/fstab line that docs/service.md
// gives, through the helper as mount(8) runs it (mount.fuse.anyfs SOURCE
// MOUNTPOINT -o OPTIONS), over sources made for the test: each mounts, with
// the owners, modes, size and kernel options its options ask for, and
// mount(8)'s and systemd's options (nofail, _netdev, x-systemd.automount)
// accepted.
func TestFstabLinesInDocs(t *testing.T) {
	needFUSE(t)
	bin := buildAnyfs(t)
	helper := filepath.Join(t.TempDir(), "mount.fuse.anyfs")
	if err := os.Symlink(bin, helper); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/service.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^(\S+)\s+(/\S+)\s+fuse\.anyfs\s+(\S+)\s+0 0$`).FindAllStringSubmatch(string(doc), -1)
	if len(lines) < 3 {
		t.Fatalf("docs/service.md gives %d fstab lines, want at least 3", len(lines))
	}
	for _, l := range lines {
		source, opts := l[1], l[3]
		t.Run(l[1], func(t *testing.T) {
			kind, _, _ := strings.Cut(source, ":")
			switch kind {
			case "mem":
			case "zip":
				source = "zip:" + writeZip(t, "f.txt", "zip data")
			case "dir", "passthrough":
				host := t.TempDir()
				if err := os.WriteFile(filepath.Join(host, "f.txt"), []byte("host data"), 0o644); err != nil {
					t.Fatal(err)
				}
				source = kind + ":" + host
			default:
				t.Fatalf("no source of kind %q for the test", kind)
			}
			mnt := mountDir(t)
			pid := 0
			cleanupDaemon(t, mnt, &pid)
			out, err := exec.Command(helper, source, mnt, "-o", opts).CombinedOutput()
			if err != nil {
				t.Fatalf("mount.fuse.anyfs %s %s -o %s: %v\n%s", source, mnt, opts, err, out)
			}
			pid = daemonPid(t, string(out))
			e := mountEntries(t, mnt)
			if len(e) != 1 || e[0][2] != "fuse.anyfs" {
				t.Fatalf("/proc/mounts: %v; want one fuse.anyfs mount", e)
			}
			mounted := strings.Split(e[0][3], ",")
			for _, o := range strings.Split(opts, ",") {
				name, value, _ := strings.Cut(o, "=")
				switch name {
				case "allow_other", "noatime":
					if !slices.Contains(mounted, name) {
						t.Errorf("/proc/mounts options %q lack %s", e[0][3], name)
					}
				case "max_size":
					var st unix.Statfs_t
					if err := unix.Statfs(mnt, &st); err != nil || value != "2G" || uint64(st.Blocks)*uint64(st.Bsize) != 2<<30 {
						t.Errorf("statfs: %d blocks of %d, %v; want %s", st.Blocks, st.Bsize, err, o)
					}
				case "uid", "gid", "umask":
					var st syscall.Stat_t
					if err := syscall.Stat(filepath.Join(mnt, "f.txt"), &st); err != nil {
						t.Fatal(err)
					}
					// uid=33,gid=33,umask=027: the docs' line.
					if st.Uid != 33 || st.Gid != 33 || st.Mode&0o777 != 0o640 {
						t.Errorf("f.txt: uid %d gid %d mode %o; want 33 33 640 (%s)", st.Uid, st.Gid, st.Mode&0o777, opts)
					}
				}
			}
			if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
				t.Fatalf("umount: %v\n%s", err, out)
			}
			waitGone(t, pid)
		})
	}
}

// writeZip writes an archive with one file and returns its path.
func writeZip(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "site.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create(name)
	if err == nil {
		_, err = w.Write([]byte(data))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}
