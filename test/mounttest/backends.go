package mounttest

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
)

// Backend is a backend the mount suite runs against.
type Backend struct {
	Name string
	// New makes a fresh, empty, writable backend for one test.
	New func(t testing.TB) fs.Interface
	// Skip names suite tests that cannot apply to this backend, with the reason.
	Skip map[string]string
	// Options are the mount options of the suites that take them (nil: defaults).
	Options *mountopt.Options
}

// Backends are the backends of the mount suite. Append to it (in an init function
// of this package) to run the suite against another backend.
var Backends = []Backend{
	{Name: "memfs", New: func(testing.TB) fs.Interface { return memfs.New(nil) }},
	{Name: "passthrough", New: newPassthrough, Skip: map[string]string{
		"XattrLarge": "the host filesystem's limit applies (ext4 keeps an attribute value in one block)",
	}},
	// The passthrough backend without FUSE passthrough: reads and writes go through
	// the volume (reads spliced from the backend's descriptor by gofuse).
	{Name: "passthrough-nopt", New: newPassthrough, Options: &mountopt.Options{NoPassthrough: true}, Skip: map[string]string{
		"XattrLarge": "the host filesystem's limit applies (ext4 keeps an attribute value in one block)",
	}},
	{Name: "memfs+locker", New: func(testing.TB) fs.Interface { return &lockingMemfs{FS: memfs.New(nil)} }},
	{Name: "vault", New: NewVault},
}

// lockingMemfs is memfs with lock events, so the adapters forward locks to the
// volume's lock table instead of leaving them to the kernel.
type lockingMemfs struct {
	*memfs.FS
	locks atomic.Int64
}

func (l *lockingMemfs) OnLockFile(ctx context.Context, e *fs.LockFileEvent) error {
	l.locks.Add(1)
	return nil
}

func (l *lockingMemfs) OnUnlockFile(ctx context.Context, e *fs.UnlockFileEvent) error { return nil }

var _ fs.LockHandler = (*lockingMemfs)(nil)

// LockEvents returns how many OnLockFile events a backend of Backends received:
// always 0 for those without lock events.
func LockEvents(b fs.Interface) int64 {
	if l, ok := b.(*lockingMemfs); ok {
		return l.locks.Load()
	}
	return 0
}

// newPassthrough mirrors a new host directory, removed (with the backend closed)
// when the test ends.
func newPassthrough(t testing.TB) fs.Interface {
	p, err := passthrough.New(t.TempDir(), nil)
	if err != nil {
		t.Fatalf("passthrough backend: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// NewVault opens a new vault in a new host directory, closed when the test ends.
func NewVault(t testing.TB) fs.Interface {
	v, err := vault.Open(filepath.Join(t.TempDir(), "test.vault"), nil)
	if err != nil {
		t.Fatalf("vault backend: %v", err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("vault backend: %v", err)
		}
	})
	return v
}
