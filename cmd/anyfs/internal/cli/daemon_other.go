//go:build !unix

package cli

import "io"

// startDaemon refuses: Windows has no detached sessions of this kind.
func startDaemon(*Factory, *MountOptions, []string) error {
	return flagErrorf("--daemon is not supported on Windows: run anyfs mount as a service (see docs/service.md)")
}

// reopenOnHangup does nothing: this system has no SIGHUP.
func reopenOnHangup(*logFile, io.Writer) (stop func()) { return func() {} }
