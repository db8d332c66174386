package wine

import (
	"os"
	"runtime"
	"testing"
)

// TestVersion checks the detection against what the environment says: on
// Windows, ANYFS_WINE=1 (set by .ci/windows-tests) must find Wine and its absence
// must not; elsewhere Wine is never found.
func TestVersion(t *testing.T) {
	v, ok := Version()
	t.Logf("Version() = %q, %v", v, ok)
	want := runtime.GOOS == "windows" && os.Getenv("ANYFS_WINE") == "1"
	if runtime.GOOS == "windows" && os.Getenv("ANYFS_WINE") == "" {
		t.Skip("ANYFS_WINE is not set: whether this is Wine is unknown")
	}
	if ok != want {
		t.Fatalf("Version() = %q, %v; want found = %v", v, ok, want)
	}
	if ok && v == "" {
		t.Fatalf("Wine found without a version")
	}
}
