package mountopt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/pkg/attr"
)

// What Linux FUSE mounts by users other than root go through (variables for
// tests).
var (
	fuseDevice = "/dev/fuse"
	fuseConf   = "/etc/fuse.conf"
	fusectlDir = "/sys/fs/fuse/connections"
)

// Fusermount returns the path of fusermount3 (or the older fusermount), which
// mounts and unmounts FUSE file systems for users other than root. Errors wrap
// ErrNoFUSE.
func Fusermount() (string, error) {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		if p := filepath.Join("/bin", name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: fusermount3 is not installed: %s", ErrNoFUSE, InstallHint)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// CheckAccess reports, before a mount, what keeps this user from mounting a FUSE
// file system at mnt with opts: nothing for root; for other users what
// fusermount3 would refuse, said plainly (no access to /dev/fuse, fusermount3
// missing or not setuid, allow_other without user_allow_other in
// /etc/fuse.conf, a mount point the user may not write). Errors wrap ErrNoFUSE,
// ErrNotAllowed or ErrMountPoint.
func CheckAccess(mnt string, opts *Options) error {
	if _, err := os.Stat(fuseDevice); err != nil {
		return fmt.Errorf("%w: %s is missing: %s", ErrNoFUSE, fuseDevice, InstallHint)
	}
	if os.Geteuid() == 0 {
		return nil
	}
	if err := unix.Access(fuseDevice, unix.R_OK|unix.W_OK); err != nil {
		return fmt.Errorf("%w: %s is not readable and writable by uid %d (%s); a FUSE mount by a user other than root "+
			"needs that: make it so (chmod 0666 %s, as most systems ship it) or mount as root",
			ErrNotAllowed, fuseDevice, os.Getuid(), describeFile(fuseDevice), fuseDevice)
	}
	bin, err := Fusermount()
	if err != nil {
		return err
	}
	if fi, err := os.Stat(bin); err == nil {
		st, _ := fi.Sys().(*syscall.Stat_t)
		if fi.Mode()&os.ModeSetuid == 0 || st == nil || st.Uid != 0 {
			return fmt.Errorf("%w: %s is not setuid root (%s), so it cannot mount for other users: chmod u+s %s as root",
				ErrNotAllowed, bin, describeFile(bin), bin)
		}
	}
	if opts != nil && opts.AllowOther && !userAllowOther() {
		return fmt.Errorf("%w: allow_other by a user other than root needs the line user_allow_other in %s", ErrNotAllowed, fuseConf)
	}
	var st unix.Stat_t
	if err := unix.Stat(mnt, &st); err == nil {
		if st.Mode&unix.S_ISVTX != 0 && st.Uid != uint32(os.Getuid()) {
			return fmt.Errorf("%w: %s is not owned by uid %d (a sticky directory must be, for fusermount3)", ErrMountPoint, mnt, os.Getuid())
		}
		if err := unix.Access(mnt, unix.W_OK); err != nil {
			return fmt.Errorf("%w: uid %d may not write %s (%s), which fusermount3 requires of a mount point",
				ErrMountPoint, os.Getuid(), mnt, describeFile(mnt))
		}
	}
	return nil
}

// describeFile says a file's mode and owner: "crw------- 0:0".
func describeFile(name string) string {
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s %d:%d", attr.Mode(st.Mode), st.Uid, st.Gid)
}

// userAllowOther reports whether /etc/fuse.conf lets users mount with allow_other.
func userAllowOther() bool {
	data, err := os.ReadFile(fuseConf)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "user_allow_other" {
			return true
		}
	}
	return false
}

// UnmountFUSE unmounts the FUSE file system at mnt: as root with umount2, for
// other users with fusermount3 -u. lazy detaches it even while files on it are
// in use (MNT_DETACH, fusermount3 -z); otherwise a busy mount fails with an
// error wrapping syscall.EBUSY. A directory that is not a mount point gives
// ErrNotMounted. The error is one line.
func UnmountFUSE(mnt string, lazy bool) error {
	if os.Geteuid() == 0 {
		flags := 0
		if lazy {
			flags = unix.MNT_DETACH
		}
		err := unix.Unmount(mnt, flags)
		if errors.Is(err, unix.EINVAL) {
			if _, ok, _ := MountAt(mnt); !ok {
				err = ErrNotMounted
			}
		}
		if err != nil {
			return fmt.Errorf("unmount %s: %w", mnt, err)
		}
		return nil
	}
	bin, err := Fusermount()
	if err != nil {
		return fmt.Errorf("unmount %s: %w", mnt, err)
	}
	args := []string{"-u"}
	if lazy {
		args = append(args, "-z")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append(args, "--", mnt)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		switch {
		case strings.Contains(msg, "busy"):
			return fmt.Errorf("unmount %s: %w", mnt, unix.EBUSY)
		case strings.Contains(msg, "not mounted") || strings.Contains(msg, "not found in"):
			return fmt.Errorf("unmount %s: %w", mnt, ErrNotMounted)
		case msg == "":
			msg = err.Error()
		}
		return fmt.Errorf("unmount %s: %s", mnt, strings.Join(strings.Fields(msg), " "))
	}
	return nil
}

// AbortConnection ends the FUSE connection of the mount whose files have the
// device number major:minor, as writing to /sys/fs/fuse/connections/N/abort
// does: the server's reads of the FUSE device fail, and processes using the mount
// get ENOTCONN. Where fusectl is not mounted, root mounts it for the moment in a
// private directory; other users cannot then abort.
func AbortConnection(major, minor uint32) error {
	id := fmt.Sprint(major<<20 | minor) // the kernel's dev_t, as fusectl names it
	if err := writeAbort(filepath.Join(fusectlDir, id, "abort")); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("abort FUSE connection %s: %s is not mounted (mount -t fusectl none %s)", id, fusectlDir, fusectlDir)
	}
	dir, err := os.MkdirTemp("", "anyfs-fusectl-")
	if err != nil {
		return fmt.Errorf("abort FUSE connection %s: %w", id, err)
	}
	defer os.Remove(dir)
	if err := unix.Mount("fusectl", dir, "fusectl", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("abort FUSE connection %s: mount fusectl: %w", id, err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	return writeAbort(filepath.Join(dir, id, "abort"))
}

func writeAbort(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("1")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("abort FUSE connection: %w", err)
	}
	return nil
}

// SyncFS asks the kernel to write back what it caches for the file system at mnt
// (dirty pages of mapped files), waiting at most timeout; a hung mount does not
// hold the caller.
func SyncFS(mnt string, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		fd, err := unix.Open(mnt, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = unix.Syncfs(fd)
			unix.Close(fd)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("syncfs %s: %w", mnt, err)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("syncfs %s: no answer within %v", mnt, timeout)
	}
}

// ForceUnmount is the part of Server.ForceUnmount every Linux adapter shares:
// write back the kernel's cache, detach mnt lazily and abort its connection.
// The adapter then tells the volume. Errors that do not stop the unmount (a
// failed write-back, an abort fusectl cannot do) are returned with it detached.
func ForceUnmount(mnt string, dev Mount) error {
	syncErr := SyncFS(mnt, 2*time.Second)
	if err := UnmountFUSE(mnt, true); err != nil && !errors.Is(err, ErrNotMounted) {
		return err
	}
	return errors.Join(syncErr, AbortConnection(dev.Major, dev.Minor))
}
