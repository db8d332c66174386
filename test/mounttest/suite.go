package mounttest

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// Suite is the mount suite: each test gets a new, empty directory of a mounted
// volume (see RunSuite) and checks it with real system calls. The tests for the
// running system are added by the platform files (suite_unix.go, suite_linux.go).
var Suite = map[string]func(t *testing.T, dir string){}

func register(tests map[string]func(*testing.T, string)) {
	for name, fn := range tests {
		if _, dup := Suite[name]; dup {
			panic("mounttest: two tests named " + name)
		}
		Suite[name] = fn
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless err is (or wraps) the errno want.
func wantErr(t *testing.T, what string, err error, want syscall.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	check(t, os.WriteFile(name, []byte(data), 0o644))
}

func wantContent(t *testing.T, name, want string) {
	t.Helper()
	got, err := os.ReadFile(name)
	check(t, err)
	if string(got) != want {
		t.Fatalf("%s holds %q, want %q", name, got, want)
	}
}
