package test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/posixtest"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// nonRootEnv marks the test binary run as another user by TestMatrixNonRoot.
const nonRootEnv = "ANYFS_TEST_NONROOT_CHILD"

// TestMatrixNonRoot runs the mount suite and go-fuse's POSIX suite as uid 65534,
// which mounts through fusermount3 (the setuid helper), not mount(2): the test
// binary runs again as that user, mounting memfs through gofuse. Root runs it;
// /dev/fuse must be open to every user and fusermount3 installed, as on a standard
// Linux installation (.ci/run sees to both).
func TestMatrixNonRoot(t *testing.T) {
	if os.Getenv(nonRootEnv) != "" {
		t.Skip("in the child")
	}
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	if !contains(mounttest.Adapters(), adapters.GoFUSE) {
		t.Skip("built without the gofuse adapter")
	}
	// As for every mounting test: without what it needs, a skip, unless
	// ANYFS_REQUIRE_FUSE=1 (CI) makes it a failure.
	unable := t.Skipf
	if os.Getenv(mounttest.RequireFUSEEnv) == "1" {
		unable = t.Fatalf
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		unable("fusermount3 is not installed (package fuse3): %v", err)
	}
	if fi, err := os.Stat("/dev/fuse"); err != nil || fi.Mode().Perm()&0o006 != 0o006 {
		unable("/dev/fuse is not readable and writable by every user (%v): other users cannot mount", err)
	}
	dir, bin := mounttest.CopyExecutable(t, os.Args[0], "nonroot")
	tmp := filepath.Join(dir, "tmp")
	err := os.Mkdir(tmp, 0o755)
	if err == nil {
		err = os.Chown(tmp, nobody, nobody)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestMatrixNonRootChild$", "-test.v")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), nonRootEnv+"=1", "TMPDIR="+tmp, "HOME="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, timedOut, err := mounttest.OutputWithin(cmd, 5*time.Minute)
	if timedOut {
		t.Fatalf("the child as uid %d did not finish in 5 minutes:\n%s", nobody, out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestMatrixNonRootChild") {
		t.Fatalf("the suites as uid %d: %v\n%s", nobody, err, out)
	}
}

// TestMatrixNonRootChild is TestMatrixNonRoot's child, as uid 65534.
func TestMatrixNonRootChild(t *testing.T) {
	if os.Getenv(nonRootEnv) == "" {
		t.Skip("only run by TestMatrixNonRoot")
	}
	if os.Geteuid() == 0 {
		t.Fatal("the child runs as root")
	}
	t.Setenv(mounttest.RequireFUSEEnv, "1") // a skip here would hide a failed mount
	mnt := mounttest.Mount(t, fs.NewVolume(mounttest.Backends[0].New(t), &fs.Options{Logger: quietLogger}), adapters.GoFUSE)
	if opts := mountOptions(t, mnt); !strings.Contains(opts, "user_id=") {
		t.Fatalf("mount options %q", opts)
	}
	// The suite's Chown gives files away, which only root may: it skips itself, and
	// the refusal is checked here instead.
	skip := mounttest.Skips(adapters.GoFUSE, nil)
	t.Run("ChownRefused", func(t *testing.T) {
		f := filepath.Join(mnt, "chown")
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(f, 0, 0); !errors.Is(err, syscall.EPERM) {
			t.Fatalf("chown to root by uid %d: %v, want EPERM", os.Geteuid(), err)
		}
		if err := os.Chown(f, os.Geteuid(), os.Getegid()); err != nil {
			t.Fatalf("chown to oneself: %v", err)
		}
	})
	t.Run("suite", func(t *testing.T) {
		mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "suite")), mounttest.Suite, skip)
	})
	t.Run("posix", func(t *testing.T) {
		mounttest.RunSuite(t, filepath.Join(mnt, mkdirAll(t, mnt, "posix")), posixtest.All, mounttest.Skips(adapters.GoFUSE, posixSkip))
	})
}
