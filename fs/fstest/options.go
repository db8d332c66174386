package fstest

import (
	"time"

	"github.com/anyfs/anyfs/fs"
)

// Options declare what the backend under test can do, and the fixture a read-only
// backend was built with. The zero value describes a writable backend with every
// optional feature and exact (nanosecond) times.
type Options struct {
	// ReadOnly says the backend is read-only: the kit serves it through a read-only
	// volume, checks that every change fails with fs.ErrReadOnly, and checks the
	// fixture. A backend without fs.Creator or fs.Writer is read-only whatever this
	// says.
	ReadOnly bool
	// Files is a fixture the backend was built with: volume path to content
	// ("/a/b.txt": "hello"). Parent directories are implied. On a writable backend
	// the fixture is checked too (each subtest gets a fresh backend).
	Files map[string]string
	// Dirs are fixture directories, including empty ones ("/empty").
	Dirs []string

	// NoHardLinks, NoSymlinks, NoNamedStreams and NoRename say the backend does not
	// support hard links, symbolic links, named streams or rename: the kit checks that
	// the volume refuses them cleanly instead of checking their semantics.
	NoHardLinks, NoSymlinks, NoNamedStreams, NoRename bool
	// NoOwners says the backend does not store owners: chown is not checked.
	NoOwners bool
	// NoFileAttributes says the backend does not store Windows attributes (hidden,
	// system, archive): they are not checked.
	NoFileAttributes bool
	// TimeGranularity is the resolution of the times the backend stores; zero means
	// nanoseconds. Times are compared after truncation to it.
	TimeGranularity time.Duration
	// ClockLag is how far behind time.Now the times a backend stamps by itself (the
	// modification time of a write) may be. A host file system stamps them from the
	// kernel's coarse clock, up to a scheduler tick behind; zero means none.
	ClockLag time.Duration

	// Volume holds the options of the volumes the kit makes (case-insensitivity,
	// name limits, ...). Nil means the defaults. The kit sets ReadOnly,
	// FireAllOpenCloseEvents and EnumerationPageSize as each check needs, and routes
	// the volume's log to the test log.
	Volume *fs.Options
}
