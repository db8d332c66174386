package fstest

// TB is the part of testing.TB the checks use. *testing.T and *testing.B satisfy it;
// so can a harness that records failures, which is how the kit tests its own checks.
//
// Fatalf and Skipf must not return (testing.T calls runtime.Goexit).
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
	Failed() bool
}
