package gofuse

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// checkFUSE reports, before mounting, what keeps this user from mounting at mnt.
func checkFUSE(mnt string, opts *mountopt.Options) error { return mountopt.CheckAccess(mnt, opts) }

// connection is how a mount was made. As root go-fuse mounts with mount(2)
// itself; otherwise, and for auto_unmount, anyfs runs fusermount3 and hands
// go-fuse the FUSE descriptor it passes back (go-fuse's /dev/fd/N mount point),
// so that fusermount3's messages become the error and its auto_unmount watcher
// can stay.
type connection struct {
	fusermount bool // mounted by fusermount3
	// auto_unmount: fusermount3 keeps running until sock closes (anyfs ended or
	// unmounted), then unmounts the mount if it is still there.
	watcher *exec.Cmd
	sock    *os.File
	once    sync.Once
}

// newServer mounts mnt and returns go-fuse's server for it.
func newServer(fsys fuse.RawFileSystem, mnt string, mo *fuse.MountOptions, opts *mountopt.Options, log *slog.Logger) (*fuse.Server, *connection, error) {
	var directErr error
	if os.Geteuid() == 0 && !opts.AutoUnmount {
		direct := *mo
		direct.Options, direct.DirectMountFlags = directFlags(mo.Options)
		direct.DirectMount, direct.DirectMountStrict = true, true
		srv, err := fuse.NewServer(fsys, mnt, &direct)
		if err == nil {
			return srv, &connection{}, nil
		}
		directErr = fmt.Errorf("mount(2): %w", err) // fusermount3 may still manage, as libfuse tries too
	}
	fd, conn, err := fusermount(mnt, fusermountOptions(mo, opts), opts.AutoUnmount, log)
	if err != nil {
		if directErr != nil {
			err = fmt.Errorf("%w; %w", directErr, err)
		}
		return nil, nil, err
	}
	indirect := *mo
	indirect.DirectMount, indirect.DirectMountStrict = false, false
	srv, err := fuse.NewServer(fsys, fmt.Sprintf("/dev/fd/%d", fd), &indirect)
	if err != nil { // go-fuse has closed fd
		conn.close()
		mountopt.UnmountFUSE(mnt, true)
		return nil, nil, err
	}
	return srv, conn, nil
}

// directFlags splits the generic mount flags among go-fuse's options into
// mount(2)'s flag bits (go-fuse itself turns only [no]dev, [no]suid and
// [no]exec into bits and hands the kernel the rest as text, which it refuses for
// ro, sync, noatime and the like).
func directFlags(options []string) ([]string, uintptr) {
	bits := uintptr(unix.MS_NOSUID | unix.MS_NODEV) // as fusermount3 mounts
	set := map[string]uintptr{"ro": unix.MS_RDONLY, "sync": unix.MS_SYNCHRONOUS, "dirsync": unix.MS_DIRSYNC,
		"noatime": unix.MS_NOATIME, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV, "noexec": unix.MS_NOEXEC}
	unset := map[string]uintptr{"rw": unix.MS_RDONLY, "async": unix.MS_SYNCHRONOUS, "atime": unix.MS_NOATIME,
		"suid": unix.MS_NOSUID, "dev": unix.MS_NODEV, "exec": unix.MS_NOEXEC}
	var rest []string
	for _, o := range options {
		if b, ok := set[o]; ok {
			bits |= b
		} else if b, ok := unset[o]; ok {
			bits &^= b
		} else {
			rest = append(rest, o)
		}
	}
	if bits == 0 {
		// go-fuse reads 0 as "its default", nosuid,nodev: say suid and dev again.
		rest = append(rest, "suid", "dev")
	}
	return rest, bits
}

// fusermountOptions is the -o list for fusermount3, as go-fuse would build it,
// with auto_unmount.
func fusermountOptions(mo *fuse.MountOptions, opts *mountopt.Options) []string {
	o := slices.Clone(mo.Options)
	if mo.AllowOther {
		o = append(o, "allow_other")
	}
	o = append(o, "fsname="+mo.FsName, "subtype="+mo.Name, fmt.Sprintf("max_read=%d", mo.MaxWrite))
	if opts.AutoUnmount {
		o = append(o, "auto_unmount")
	}
	esc := strings.NewReplacer(`\`, `\\`, `,`, `\,`)
	for i := range o {
		o[i] = esc.Replace(o[i])
	}
	return o
}

// fusermount mounts mnt with fusermount3 and returns the FUSE descriptor it
// passes back over a socket (_FUSE_COMMFD). With autoUnmount fusermount3 stays,
// watching the socket, and the connection keeps both.
func fusermount(mnt string, options []string, autoUnmount bool, log *slog.Logger) (int, *connection, error) {
	bin, err := mountopt.Fusermount()
	if err != nil {
		return -1, nil, err
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("socketpair for fusermount3: %w", err)
	}
	local := os.NewFile(uintptr(pair[0]), "fusermount3 socket")
	remote := os.NewFile(uintptr(pair[1]), "fusermount3 socket (its end)")
	cmd := exec.Command(bin, "-o", strings.Join(options, ","), "--", mnt)
	cmd.Env = []string{"_FUSE_COMMFD=3"}
	cmd.ExtraFiles = []*os.File{remote} // its fd 3
	// Read only after Wait, or never for the watcher that stays.
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	err = cmd.Start()
	remote.Close()
	if err != nil {
		local.Close()
		return -1, nil, fmt.Errorf("run %s: %w", bin, err)
	}
	fd, rerr := receiveFD(local)
	if rerr != nil || !autoUnmount {
		local.Close()
		werr := cmd.Wait()
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if rerr != nil {
			if msg == "" {
				msg = fmt.Sprintf("%s exited (%v) without mounting: %v", filepath.Base(bin), werr, rerr)
			}
			return -1, nil, errors.New(msg)
		}
		if msg != "" {
			log.Warn("anyfs: "+msg, "mountpoint", mnt)
		}
		return fd, &connection{fusermount: true}, nil
	}
	return fd, &connection{fusermount: true, watcher: cmd, sock: local}, nil
}

// receiveFD reads the descriptor fusermount3 sends; an error if it exits first.
func receiveFD(sock *os.File) (int, error) {
	rc, err := sock.SyscallConn()
	if err != nil {
		return -1, err
	}
	buf := make([]byte, 8)
	oob := make([]byte, unix.CmsgSpace(4))
	var n, oobn int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	}); err != nil {
		return -1, err
	}
	if rerr != nil {
		return -1, fmt.Errorf("receive the FUSE descriptor: %w", rerr)
	}
	if n == 0 && oobn == 0 {
		return -1, errors.New("no FUSE descriptor received")
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("receive the FUSE descriptor: %d control messages, %v", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, fmt.Errorf("receive the FUSE descriptor: %d descriptors, %v", len(fds), err)
	}
	return fds[0], nil
}

// waitMount waits until the kernel serves the mount. For a fusermount3 mount
// it also does go-fuse's poll hack, which go-fuse cannot do for a /dev/fd/N
// mount point: it lets the kernel learn at once that POLL is not implemented,
// before a poll could tie up the last thread serving requests.
func (c *connection) waitMount(srv *fuse.Server, mnt string) error {
	if err := srv.WaitMount(); err != nil {
		return err
	}
	if !c.fusermount {
		return nil
	}
	fd, err := unix.Open(filepath.Join(mnt, ".go-fuse-epoll-hack"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("first request: %w", err)
	}
	unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLPRI | unix.POLLOUT}}, 0)
	unix.Close(fd)
	return nil
}

// unmount unmounts mnt, failing while it is busy.
func (c *connection) unmount(_ *fuse.Server, mnt string) error {
	return mountopt.UnmountFUSE(mnt, false)
}

// close lets an auto_unmount watcher go, once serving ended: fusermount3 sees
// the socket close, finds the mount gone (or unmounts it) and exits.
func (c *connection) close() {
	if c == nil || c.watcher == nil {
		return
	}
	c.once.Do(func() {
		c.sock.Close()
		go c.watcher.Wait() // reap it
	})
}

// forceUnmount detaches mnt and aborts its connection.
func forceUnmount(_ *fuse.Server, mnt string, dev mountopt.Mount) error {
	return mountopt.ForceUnmount(mnt, dev)
}
