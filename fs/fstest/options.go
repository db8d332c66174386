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
	// fixture. A backend without fs.CreateFileHandler or fs.WriteFileHandler is read-only whatever this
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
	// NoPermissions says the backend stores no permission bits, only the ReadOnly
	// attribute, as a Windows host does: a mode change of a file sets ReadOnly when
	// the owner write bit is clear and clears it otherwise, and the mode reported is
	// the one the volume derives from the attributes; a mode change of a directory
	// succeeds and changes nothing the kit checks.
	NoPermissions bool
	// WindowsNames says the backend stores only names Windows can store, as a
	// backend over a Windows host does: none ending in a dot or a space, no device
	// names (nul, con.txt, COM1, ...), none holding <>:"\|?* or a control
	// character. The kit makes no other names, and checks that every call refuses
	// them with fs.ErrInvalid and leaves alone the file Win32 would take them for
	// ("f." for "f").
	WindowsNames bool
	// TimeGranularity is the resolution of the times the backend stores; zero means
	// nanoseconds. Times are compared after truncation to it.
	TimeGranularity time.Duration
	// ClockLag is how far behind time.Now the times a backend stamps by itself (the
	// modification time of a write) may be. A host file system stamps them from the
	// kernel's coarse clock, up to a scheduler tick behind; zero means none.
	ClockLag time.Duration

	// Skip names checks not to run ("Group/Name", as Run names the subtests) and
	// why: for limits of the host or emulator the backend runs on, not of the
	// backend itself (a host file system without POSIX delete semantics, say). A
	// skipped check says its reason.
	Skip map[string]string

	// Volume holds the options of the volumes the kit makes (case-insensitivity,
	// name limits, ...). Nil means the defaults. The kit sets ReadOnly,
	// FireAllOpenCloseEvents and EnumerationPageSize as each check needs, and routes
	// the volume's log to the test log.
	Volume *fs.Options
}
