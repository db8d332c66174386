package mounttest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Environment of a helper child process (see Main).
const (
	helperEnv    = "ANYFS_MOUNTTEST_HELPER"
	helperArgEnv = "ANYFS_MOUNTTEST_ARG"
)

var helperReady bool

// Main runs the tests of a package that uses the suite. Call it from TestMain: it
// also serves as the helper child process some tests start (a second process is
// the only way to see POSIX lock conflicts, which are per process).
func Main(m *testing.M) {
	if op := os.Getenv(helperEnv); op != "" {
		out, code := runHelper(op, os.Getenv(helperArgEnv))
		fmt.Print(out)
		os.Exit(code)
	}
	helperReady = true
	os.Exit(m.Run())
}

// child runs the helper operation op on arg in a new process of this test binary
// and returns what it printed. The test is skipped when the package's TestMain does
// not call Main.
func child(t *testing.T, op, arg string) string {
	t.Helper()
	return run(t, "", op, arg, nil)
}

// run runs the helper operation in a child process of bin ("" means this binary).
func run(t *testing.T, bin, op, arg string, attr *syscall.SysProcAttr) string {
	t.Helper()
	if !helperReady {
		t.Skip("the test binary has no helper: call mounttest.Main from TestMain")
	}
	if bin == "" {
		bin = os.Args[0]
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.SysProcAttr = attr
	cmd.Env = append(os.Environ(), helperEnv+"="+op, helperArgEnv+"="+arg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s %s: %v: %s", op, arg, err, out)
	}
	return strings.TrimSpace(string(out))
}
