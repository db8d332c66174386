package attr

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// python3 runs a Python program and returns its output, skipping the test when
// python3 is not installed.
func python3(t *testing.T, program string) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found:", err)
	}
	cmd := exec.Command(py, "-c", program)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// TestFileModeMatchesPython compares FileMode with CPython's stat.filemode for
// every S_IFMT value (the seven types, 0 and the unknown ones) and all 4096
// permission/special combinations, plus bits above S_IFMT.
func TestFileModeMatchesPython(t *testing.T) {
	out := python3(t, `
import stat, sys
print(stat.S_IFDOOR, stat.S_IFPORT, stat.S_IFWHT)
w = sys.stdout.write
for hi in (0, 0o1000000, 0xFFFF0000):
    for t in range(16):
        for p in range(0o10000):
            m = hi | t << 12 | p
            w("%d %s\n" % (m, stat.filemode(m)))
`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Scan()
	// On systems where CPython knows doors, ports or whiteouts (Solaris,
	// macOS), its filemode shows them as D, P or w; FileMode is the portable
	// version and shows '?', so skip those types there.
	skip := map[Mode]bool{}
	for _, f := range strings.Fields(sc.Text()) {
		var v uint32
		fmt.Sscan(f, &v)
		if v != 0 {
			skip[Mode(v)] = true
			t.Logf("skipping type %#o, which this CPython decodes", v)
		}
	}
	n := 0
	for sc.Scan() {
		var m uint32
		var want string
		if _, err := fmt.Sscanf(sc.Text(), "%d %s", &m, &want); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		n++
		if skip[Mode(m)&S_IFMT] {
			continue
		}
		if got := FileMode(Mode(m)); got != want {
			t.Errorf("FileMode(%#o) = %q, CPython stat.filemode = %q", m, got, want)
		}
	}
	if n != 3*16*4096 {
		t.Fatalf("compared %d modes, want %d", n, 3*16*4096)
	}
}

// TestConstantsMatchPython checks every constant Python's stat module defines
// (S_*, UF_*, SF_*, FILE_ATTRIBUTE_*) against the Go one of the same name.
func TestConstantsMatchPython(t *testing.T) {
	out := python3(t, `
import stat, json
print(json.dumps({k: getattr(stat, k) for k in dir(stat)
                  if k[:2] in ("S_", "UF", "SF") or k.startswith("FILE_ATTRIBUTE_")
                  if isinstance(getattr(stat, k), int)}))
`)
	var py map[string]int64
	if err := json.Unmarshal(out, &py); err != nil {
		t.Fatal(err)
	}
	goNames := map[string]uint32{}
	for _, c := range modeTable {
		goNames[c.name] = uint32(c.mode)
	}
	for _, c := range fileAttributeTable {
		goNames[c.cName] = uint32(c.attr)
	}
	for _, c := range bsdFlagTable {
		goNames[c.name] = uint32(c.flag)
	}
	// Python's UF_*/SF_* follow the host; the macOS-only ones are compared
	// with DarwinFlags, the FreeBSD-only ones with BSDFlags.
	for _, c := range darwinFlagTable {
		if _, ok := goNames[c.name]; !ok || c.name == "UF_SETTABLE" || c.name == "SF_SETTABLE" {
			goNames[c.name] = uint32(c.flag)
		}
	}
	// Masks whose value depends on the system Python was built for.
	hostDependent := map[string]bool{"SF_SETTABLE": true, "S_IFDOOR": true, "S_IFPORT": true, "S_IFWHT": true}
	checked := 0
	for name, v := range py {
		want, ok := goNames[name]
		if !ok {
			if strings.HasPrefix(name, "S_IF") || strings.HasPrefix(name, "FILE_ATTRIBUTE_") {
				t.Errorf("Python defines %s = %#x; no Go constant", name, v)
			}
			continue
		}
		if hostDependent[name] {
			continue
		}
		checked++
		if uint32(v) != want {
			t.Errorf("%s: Python %#o (%#x), Go %#o (%#x)", name, v, v, want, want)
		}
	}
	t.Logf("checked %d constants against Python", checked)
}
