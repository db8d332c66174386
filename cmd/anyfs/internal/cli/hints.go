package cli

import "runtime"

// fuseHint says what to install when no FUSE implementation is usable.
var fuseHint = func() string {
	switch runtime.GOOS {
	case "linux":
		return "install fuse3 (apt-get install fuse3, or dnf install fuse3) and check that /dev/fuse exists (modprobe fuse)"
	case "darwin":
		return "install macFUSE (brew install --cask macfuse) or FUSE-T (brew install macos-fuse-t/homebrew-cask/fuse-t)"
	case "windows":
		return "install WinFsp (winget install WinFsp.WinFsp, or choco install winfsp)"
	}
	return "anyfs mounts on Linux, macOS and Windows"
}()

// adapterHint says how to get an adapter that is not compiled in.
func adapterHint(name string) string {
	switch {
	case name == "cgofuse" && runtime.GOOS == "linux":
		return "build anyfs with -tags cgofuse,fuse3 (needs cgo and libfuse3-dev)"
	case name == "cgofuse" && runtime.GOOS == "darwin":
		return "build anyfs with -tags cgofuse (needs cgo and macFUSE)"
	case name == "gofuse" && runtime.GOOS == "windows":
		return "gofuse does not run on Windows; use --adapter cgofuse (WinFsp)"
	}
	return "pick one of the available adapters with --adapter"
}
