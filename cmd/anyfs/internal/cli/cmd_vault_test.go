package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/backend/vault"
)

// TestVaultCommands runs anyfs vault check, compact and backup on a real vault,
// on a file that is not one, and with wrong arguments.
func TestVaultCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.vault")
	v, err := vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	notVault := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notVault, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args    []string
		code    int
		out     string
		errLine string
	}{
		{[]string{"vault", "check", path}, exitOK, "ok: 1 files (1 directories), 0 bytes of data", ""},
		{[]string{"vault", "compact", path}, exitOK, path + ": ", ""},
		{[]string{"vault", "backup", path, filepath.Join(dir, "copy.vault")}, exitOK, "", ""},
		{[]string{"vault", "backup", path, filepath.Join(dir, "copy.vault")}, exitError, "", "file already exists"},
		{[]string{"vault", "check", filepath.Join(dir, "copy.vault")}, exitOK, "ok: ", ""},
		{[]string{"vault", "check", notVault}, exitError, "", "anyfs: vault " + notVault + ": not an SQLite database (6 bytes): not a vault"},
		{[]string{"vault", "check", filepath.Join(dir, "missing.vault")}, exitError, "", "missing.vault: file does not exist"},
		{[]string{"vault", "check"}, exitUsage, "", "anyfs: anyfs vault check takes FILE, got 0 arguments"},
		{[]string{"vault", "backup", path}, exitUsage, "", "anyfs: anyfs vault backup takes FILE OUT, got 1 arguments"},
	} {
		f, out, errOut := testFactory(t)
		code := run(context.Background(), f, c.args)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errOut.String(), c.errLine) ||
			strings.Count(errOut.String(), "\n") > 1 {
			t.Errorf("anyfs %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, one stderr line with %q",
				strings.Join(c.args, " "), code, out, errOut, c.code, c.out, c.errLine)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.vault")); !os.IsNotExist(err) {
		t.Errorf("check created a vault: %v", err)
	}
	if b, _ := os.ReadFile(notVault); string(b) != "hello\n" {
		t.Errorf("check changed a file that is not a vault: %q", b)
	}
}
