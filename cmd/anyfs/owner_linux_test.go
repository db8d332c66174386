//go:build linux

package main

// End-to-end tests of the owner and permission flags, seen by other users.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// runAs runs name with args as uid (and the same gid) and returns its
// combined output.
func runAs(t *testing.T, uid uint32, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// sharedDir returns a new directory every user may enter, removed at the end.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "anyfs-owner-")
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestOwnerFlags mounts with the owner and permission flags and looks at the
// mount as root and as users 65534 and 65533: stat shows the owners and
// modes asked for, and the kernel's permission checks follow them (or, with
// --default-permissions=false, do not).
func TestOwnerFlags(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	needFUSE(t)
	bin := buildAnyfs(t)
	for _, tool := range []string{"stat", "cat", "touch"} {
		if lookPath(tool) == "" {
			t.Skipf("%s is not installed", tool)
		}
	}
	type look struct {
		uid     uint32
		command []string // run on the mount; {} is the mount point
		want    string   // output; "denied" means Permission denied
	}
	tests := []struct {
		name    string
		backend string // "dir", "mem" or "passthrough"
		args    []string
		looks   []look
		mounts  string // in the /proc/mounts options
		hostUid uint32 // passthrough: the host owner of a file uid 65534 created
	}{
		{name: "uid gid file-mode dir-mode", backend: "dir",
			args: []string{"--allow-other", "--uid", "65534", "--gid", "65534", "--file-mode", "0640", "--dir-mode", "0750"},
			looks: []look{
				{0, []string{"stat", "-c", "%u %g %a", "{}/sub/f.txt"}, "65534 65534 640"},
				{65534, []string{"stat", "-c", "%u %g %a", "{}/sub"}, "65534 65534 750"},
				{65534, []string{"cat", "{}/sub/f.txt"}, "host data"},
				{65533, []string{"cat", "{}/sub/f.txt"}, "denied"},
			},
			mounts: "default_permissions"},
		{name: "cgofuse", backend: "dir",
			args: []string{"--adapter", "cgofuse", "--allow-other", "--uid", "65534", "--gid", "65534", "--file-mode", "0640", "--dir-mode", "0750"},
			looks: []look{
				{65534, []string{"stat", "-c", "%u %g %a", "{}/sub/f.txt"}, "65534 65534 640"},
				{65534, []string{"cat", "{}/sub/f.txt"}, "host data"},
				{65533, []string{"cat", "{}/sub/f.txt"}, "denied"},
			},
			mounts: "default_permissions"},
		{name: "umask as -o", backend: "dir", args: []string{"--allow-other", "-o", "umask=077,uid=65534"},
			looks: []look{
				{65534, []string{"stat", "-c", "%u %a", "{}/sub/f.txt"}, "65534 600"},
				{65533, []string{"cat", "{}/sub/f.txt"}, "denied"},
			}},
		{name: "no default permissions", backend: "dir", args: []string{"--allow-other", "--umask", "077", "--default-permissions=false"},
			looks: []look{
				{65533, []string{"stat", "-c", "%u %a", "{}/sub/f.txt"}, "0 600"},
				{65533, []string{"cat", "{}/sub/f.txt"}, "host data"},
			}},
		{name: "allow_root", backend: "mem", args: []string{"-o", "allow_root"},
			looks: []look{
				{0, []string{"cat", "{}/sub/f.txt"}, "mem data"},
				{65534, []string{"cat", "{}/sub/f.txt"}, "denied"},
			}},
		{name: "allow_other without allow_root", backend: "mem", args: []string{"--allow-other"},
			looks: []look{{65534, []string{"cat", "{}/sub/f.txt"}, "mem data"}}},
		{name: "map-uid", backend: "passthrough", args: []string{"--allow-other", "--map-uid", "1000:65534", "--map-gid", "1000:65534"},
			looks: []look{
				{65534, []string{"stat", "-c", "%u %g", "{}/sub/f.txt"}, "65534 65534"},
				{65534, []string{"touch", "{}/sub/new"}, ""},
				{65534, []string{"stat", "-c", "%u %g", "{}/sub/new"}, "65534 65534"},
			},
			hostUid: 1000},
	}
	compiled := compiledAdapters(t, bin)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i := slices.Index(tt.args, "--adapter"); i >= 0 && !slices.Contains(compiled, tt.args[i+1]) {
				t.Skipf("the adapter %s is not compiled in (-tags cgofuse,fuse3)", tt.args[i+1])
			}
			base := sharedDir(t)
			host, mnt := filepath.Join(base, "host"), filepath.Join(base, "mnt")
			for _, d := range []string{host, mnt, filepath.Join(host, "sub")} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(host, "sub", "f.txt"), []byte("host data"), 0o644); err != nil {
				t.Fatal(err)
			}
			backend := tt.backend + ":" + host
			if tt.backend == "passthrough" {
				for _, p := range []string{filepath.Join(host, "sub"), filepath.Join(host, "sub", "f.txt")} {
					if err := os.Chown(p, 1000, 1000); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.backend == "mem" {
				backend = "mem"
			}
			c := startMount(t, bin, mnt, append(tt.args, backend)...)
			c.serving(t, mnt)
			if tt.backend == "mem" {
				if err := os.Mkdir(filepath.Join(mnt, "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(mnt, "sub", "f.txt"), []byte("mem data"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.mounts != "" {
				if e := mountEntries(t, mnt); len(e) != 1 || !strings.Contains(e[0][3], tt.mounts) {
					t.Errorf("/proc/mounts: %v; want %s", e, tt.mounts)
				}
			} else if e := mountEntries(t, mnt); strings.Contains(tt.name, "no default permissions") && (len(e) != 1 || strings.Contains(e[0][3], "default_permissions")) {
				t.Errorf("/proc/mounts: %v; want no default_permissions", e)
			}
			for _, l := range tt.looks {
				args := make([]string, len(l.command)-1)
				for i, a := range l.command[1:] {
					args[i] = strings.ReplaceAll(a, "{}", mnt)
				}
				out, err := runAs(t, l.uid, l.command[0], args...)
				what := "uid " + strconv.FormatUint(uint64(l.uid), 10) + ": " + l.command[0] + " " + strings.Join(args, " ")
				switch {
				case l.want == "denied":
					if err == nil || !strings.Contains(out, "Permission denied") {
						t.Errorf("%s: %v, %q; want Permission denied", what, err, out)
					}
				case err != nil || out != l.want:
					t.Errorf("%s: %v, %q; want %q", what, err, out, l.want)
				}
			}
			if tt.hostUid != 0 {
				var st syscall.Stat_t
				if err := syscall.Stat(filepath.Join(host, "sub", "new"), &st); err != nil || st.Uid != tt.hostUid || st.Gid != tt.hostUid {
					t.Errorf("host file created by mount uid 65534: uid %d gid %d, %v; want %d", st.Uid, st.Gid, err, tt.hostUid)
				}
			}
			c.stopWith(t, syscall.SIGTERM)
		})
	}
}
