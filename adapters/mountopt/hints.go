package mountopt

import "runtime"

// InstallHint says what to install when no FUSE implementation (or WinFsp) is
// usable on this system. Errors wrapping ErrNoFUSE end with it.
var InstallHint = installHint(runtime.GOOS)

func installHint(goos string) string {
	switch goos {
	case "linux":
		return "install fuse3 (apt-get install fuse3, or dnf install fuse3) and check that /dev/fuse exists (modprobe fuse)"
	case "darwin":
		return "install macFUSE (brew install --cask macfuse) or FUSE-T (brew install macos-fuse-t/homebrew-cask/fuse-t)"
	case "windows":
		return "install WinFsp (winget install WinFsp.WinFsp, or choco install winfsp)"
	}
	return "anyfs mounts on Linux, macOS and Windows"
}

// AdapterHint says how to get the named adapter where it is not compiled in.
func AdapterHint(name string) string {
	switch {
	case name == "cgofuse" && runtime.GOOS == "linux":
		return "build anyfs with -tags cgofuse,fuse3 (needs cgo and libfuse3-dev)"
	case name == "cgofuse" && runtime.GOOS == "darwin":
		return "build anyfs with -tags cgofuse (needs cgo and macFUSE)"
	case name == "gofuse" && runtime.GOOS == "windows":
		return "gofuse does not run on Windows; use the cgofuse adapter (WinFsp)"
	}
	return "pick one of the available adapters"
}
