// Package wine tells tests whether they run under Wine, which CI uses to run the
// Windows tests on Linux, so that a test can skip where Wine differs from
// Windows. Every such skip names the Wine limitation; docs/testing.md lists them.
package wine

import "testing"

// Version returns Wine's version ("8.0") and true when the program runs under
// Wine; elsewhere "" and false.
func Version() (string, bool) { return version() }

// Skip skips t under Wine, saying which Wine limitation the test runs into; on
// Windows itself and on other systems it does nothing.
func Skip(t testing.TB, limitation string) {
	t.Helper()
	if v, ok := Version(); ok {
		t.Skipf("skipped under Wine %s: %s", v, limitation)
	}
}
