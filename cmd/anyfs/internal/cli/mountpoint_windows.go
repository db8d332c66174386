//go:build windows

package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// On Windows WinFsp creates the mount point itself: a directory mount point
// must not exist yet, and a drive letter must be free. "*" lets WinFsp pick a
// free drive letter. allowNonEmpty and allowStacking do not apply.
func checkMountPointOS(mnt string, _, _ bool) (string, error) {
	if mnt == "*" {
		return mnt, nil
	}
	if isDriveLetter(mnt) {
		drive := strings.ToUpper(mnt[:2])
		if _, err := os.Stat(drive + `\`); err == nil {
			return "", fmt.Errorf("drive %s is in use; pick a free drive letter", drive)
		}
		return drive, nil
	}
	abs, err := filepath.Abs(mnt)
	if err != nil {
		return "", fmt.Errorf("mount point %s: %w", mnt, err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return "", fmt.Errorf("mount point %s already exists; on Windows WinFsp creates it, so give a path that does not exist yet or a free drive letter (X:)", abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("mount point %s: %w", abs, err)
	}
	parent := filepath.Dir(abs)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("mount point %s: its parent directory %s does not exist", abs, parent)
	}
	return abs, nil
}

// isDriveLetter reports whether s is "X:" or "X:\".
func isDriveLetter(s string) bool {
	if len(s) != 2 && !(len(s) == 3 && (s[2] == '\\' || s[2] == '/')) {
		return false
	}
	c := s[0] | 0x20
	return c >= 'a' && c <= 'z' && s[1] == ':'
}
