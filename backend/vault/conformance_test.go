package vault_test

import (
	"path/filepath"
	"testing"

	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/fs/fstest"
)

// newVault opens a new vault in a temporary directory, closed when the test ends.
func newVault(t testing.TB, opts *vault.Options) *vault.FS {
	t.Helper()
	v, err := vault.Open(filepath.Join(t.TempDir(), "test.vault"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Error(err)
		}
	})
	return v
}

// TestConformance runs the fs/fstest kit: the vault declares every feature but
// locks (the kernel keeps them) and sparse-file events.
func TestConformance(t *testing.T) {
	fstest.Run(t, func(t *testing.T) fs.Interface { return newVault(t, nil) }, fstest.Options{})
}
