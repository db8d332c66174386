package mountopt

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const nobody = 65534

// The test binary runs itself as another user to check CheckAccess there.
const helperEnv = "ANYFS_MOUNTOPT_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "checkaccess" {
		fuseDevice, fuseConf = os.Getenv("HELPER_DEVICE"), os.Getenv("HELPER_CONF")
		err := CheckAccess(os.Getenv("HELPER_MNT"), &Options{AllowOther: os.Getenv("HELPER_ALLOW_OTHER") == "1"})
		if err != nil {
			fmt.Print(err)
		} else {
			fmt.Print("ok")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCheckAccess runs CheckAccess as uid 65534 against a stand-in FUSE
// device and fuse.conf, and checks that each thing fusermount3 would refuse is
// said plainly, in the order fusermount3 meets them.
func TestCheckAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	if _, err := Fusermount(); err != nil {
		t.Skip(err)
	}
	dir, err := os.MkdirTemp("", "anyfs-checkaccess-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helper")
	data, err := os.ReadFile(os.Args[0])
	if err == nil {
		err = os.WriteFile(bin, data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	dev, conf := filepath.Join(dir, "fuse"), filepath.Join(dir, "fuse.conf")
	mine, theirs := filepath.Join(dir, "mine"), filepath.Join(dir, "theirs")
	for _, d := range []string{mine, theirs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(mine, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		devMode    os.FileMode
		conf       string
		allowOther bool
		mnt        string
		want       string
	}{
		{"device root-only", 0o600, "", false, mine,
			"mount not allowed: " + dev + " is not readable and writable by uid 65534 (-rw------- 0:0); a FUSE mount by a user other than root needs that"},
		{"allow_other without user_allow_other", 0o666, "#user_allow_other\n", true, mine,
			"mount not allowed: allow_other by a user other than root needs the line user_allow_other in " + conf},
		{"allow_other with user_allow_other", 0o666, "user_allow_other\n", true, mine, "ok"},
		{"mount point not writable", 0o666, "", false, theirs,
			"bad mount point: uid 65534 may not write " + theirs + " (drwxr-xr-x 0:0), which fusermount3 requires of a mount point"},
		{"all fine", 0o666, "", false, mine, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(dev, nil, tt.devMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dev, tt.devMode); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(conf, []byte(tt.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			allow := "0"
			if tt.allowOther {
				allow = "1"
			}
			cmd := exec.Command(bin, "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=checkaccess", "HELPER_DEVICE="+dev, "HELPER_CONF="+conf,
				"HELPER_MNT="+tt.mnt, "HELPER_ALLOW_OTHER="+allow)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			if got := string(out); !strings.HasPrefix(got, tt.want) {
				t.Errorf("CheckAccess as uid 65534:\n got %q\nwant %q...", got, tt.want)
			}
		})
	}
}

func TestCheckAccessRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat(fuseDevice); err != nil {
		t.Skip(err)
	}
	if err := CheckAccess(t.TempDir(), &Options{AllowOther: true}); err != nil {
		t.Errorf("root may mount: %v", err)
	}
}

func TestMountAt(t *testing.T) {
	if m, ok, err := MountAt("/proc"); err != nil || !ok || m.FSType != "proc" || m.IsFUSE() {
		t.Errorf("MountAt(/proc) = %+v, %v, %v", m, ok, err)
	}
	dir := t.TempDir()
	if m, ok, err := MountAt(dir); err != nil || ok {
		t.Errorf("MountAt(%s) = %+v, %v, %v; want not a mount point", dir, m, ok, err)
	}
	if m, ok, err := FUSEMountAt("/proc"); err != nil || ok {
		t.Errorf("FUSEMountAt(/proc) = %+v, %v, %v; want not FUSE", m, ok, err)
	}
	for typ, want := range map[string]bool{"fuse": true, "fuse.anyfs": true, "fuseblk": true, "fuse.sshfs": true, "tmpfs": false, "fusectl": false} {
		if got := (Mount{FSType: typ}).IsFUSE(); got != want {
			t.Errorf("IsFUSE(%s) = %v", typ, got)
		}
	}
}

func TestUnmountFUSENotMounted(t *testing.T) {
	if os.Geteuid() != 0 {
		if _, err := Fusermount(); err != nil {
			t.Skip(err)
		}
	}
	dir := t.TempDir()
	for _, lazy := range []bool{false, true} {
		if err := UnmountFUSE(dir, lazy); !errors.Is(err, ErrNotMounted) || strings.Contains(err.Error(), "\n") {
			t.Errorf("UnmountFUSE(%s, lazy=%v) = %v; want one line wrapping ErrNotMounted", dir, lazy, err)
		}
	}
}
