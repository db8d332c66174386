package mounttest

import (
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// Backend is a backend the mount suite runs against.
type Backend struct {
	Name string
	// New makes a fresh, empty, writable backend for one test.
	New func(t testing.TB) fs.Interface
	// Skip names suite tests that cannot apply to this backend, with the reason.
	Skip map[string]string
}

// Backends are the backends of the mount suite. Append to it (in an init function
// of this package) to run the suite against another backend.
var Backends = []Backend{
	{Name: "memfs", New: func(testing.TB) fs.Interface { return memfs.New(nil) }},
}
