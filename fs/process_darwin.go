package fs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// lookupProcess asks the kernel (sysctl kern.proc.pid) for the command name and parent.
func lookupProcess(pid uint32) (Process, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", int(pid))
	if err != nil {
		return Process{}, fmt.Errorf("process %d: %w", pid, err)
	}
	name := kp.Proc.P_comm[:]
	n := 0
	for n < len(name) && name[n] != 0 {
		n++
	}
	b := make([]byte, n)
	for i := 0; i < n; i++ {
		b[i] = byte(name[i])
	}
	return Process{Name: string(b), Ppid: uint32(kp.Eproc.Ppid)}, nil
}
