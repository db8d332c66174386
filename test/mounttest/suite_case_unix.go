//go:build linux || darwin

package mounttest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// CaseSuite is the suite of a case-insensitive volume (fs.Options.CaseInsensitive):
// names are found in any case and keep the case they were created with, as on NTFS
// and APFS. Each test gets a new, empty directory of the mount, like Suite's.
var CaseSuite = map[string]func(t *testing.T, dir string){
	"OtherCaseReadWrite": CaseOtherCaseReadWrite,
	"CreateCollision":    CaseCreateCollision,
	"RenameCaseOnly":     CaseRenameCaseOnly,
	"UnlinkOtherCase":    CaseUnlinkOtherCase,
	"AbsentThenCreated":  CaseAbsentThenCreated,
	"DirectoriesAndLink": CaseDirectoriesAndLink,
}

// CaseOtherCaseReadWrite: cat, touch, chmod, xattrs and stat of a name typed in
// another case reach the stored file, and every spelling is the same inode.
func CaseOtherCaseReadWrite(t *testing.T, dir string) {
	stored := filepath.Join(dir, "Hello.TXT")
	writeFile(t, stored, "hello")
	other := filepath.Join(dir, "hello.txt")
	wantContent(t, other, "hello")
	wantContent(t, filepath.Join(dir, "HELLO.TXT"), "hello")
	// touch
	f, err := os.OpenFile(other, os.O_WRONLY|os.O_CREATE, 0o644)
	check(t, err)
	check(t, f.Close())
	check(t, os.Chmod(filepath.Join(dir, "HELLO.txt"), 0o600))
	var a, b unix.Stat_t
	check(t, unix.Stat(stored, &a))
	check(t, unix.Stat(other, &b))
	if a.Ino != b.Ino || a.Mode&0o777 != 0o600 || b.Mode&0o777 != 0o600 || a.Size != 5 {
		t.Fatalf("stat of two spellings: ino %d and %d, modes %o and %o, size %d; want one file of mode 600 and 5 bytes",
			a.Ino, b.Ino, a.Mode&0o777, b.Mode&0o777, a.Size)
	}
	// A write through one spelling is read through another.
	check(t, os.WriteFile(filepath.Join(dir, "hELLO.TXT"), []byte("changed"), 0o644))
	wantContent(t, stored, "changed")
	check(t, unix.Setxattr(other, "user.k", []byte("v"), 0))
	buf := make([]byte, 8)
	n, err := unix.Getxattr(stored, "user.k", buf)
	check(t, err)
	if string(buf[:n]) != "v" {
		t.Fatalf("getxattr through the stored name: %q", buf[:n])
	}
	wantNames(t, dir, "Hello.TXT")
}

// CaseCreateCollision: creating HELLO.txt next to Hello.TXT opens the existing file
// (O_CREAT|O_EXCL: EEXIST), and mkdir, mknod and symlink of another spelling are
// EEXIST; the listing keeps one entry.
func CaseCreateCollision(t *testing.T, dir string) {
	stored := filepath.Join(dir, "Hello.TXT")
	writeFile(t, stored, "hello")
	fd, err := unix.Open(filepath.Join(dir, "HELLO.txt"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, 0o644)
	if err == nil {
		unix.Close(fd)
	}
	wantErr(t, "O_CREAT|O_EXCL of another spelling", err, unix.EEXIST)
	f, err := os.OpenFile(filepath.Join(dir, "HELLO.txt"), os.O_RDWR|os.O_CREATE, 0o644)
	check(t, err)
	buf := make([]byte, 16)
	n, _ := f.Read(buf)
	check(t, f.Close())
	if string(buf[:n]) != "hello" {
		t.Fatalf("O_CREAT of another spelling opened a file holding %q, want the existing one", buf[:n])
	}
	wantErr(t, "mkdir of another spelling", os.Mkdir(filepath.Join(dir, "hello.TXT"), 0o755), unix.EEXIST)
	wantErr(t, "mknod of another spelling", unix.Mknod(filepath.Join(dir, "HeLLo.txt"), unix.S_IFIFO|0o644, 0), unix.EEXIST)
	wantErr(t, "symlink of another spelling", os.Symlink("x", filepath.Join(dir, "hello.txt")), unix.EEXIST)
	wantNames(t, dir, "Hello.TXT")
	wantContent(t, stored, "hello")
}

// CaseRenameCaseOnly: a rename that changes only the case of a name renames it (as
// NTFS does), a file or a directory; a rename onto another spelling of an existing
// name replaces that file.
func CaseRenameCaseOnly(t *testing.T, dir string) {
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello")
	check(t, os.Rename(filepath.Join(dir, "hello.txt"), filepath.Join(dir, "HELLO.txt")))
	wantNames(t, dir, "HELLO.txt")
	wantContent(t, filepath.Join(dir, "hello.txt"), "hello")
	// Through a third spelling of the old name.
	check(t, os.Rename(filepath.Join(dir, "Hello.Txt"), filepath.Join(dir, "hello.TXT")))
	wantNames(t, dir, "hello.TXT")
	check(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	writeFile(t, filepath.Join(dir, "sub", "f"), "in sub")
	check(t, os.Rename(filepath.Join(dir, "SUB"), filepath.Join(dir, "Sub")))
	wantNames(t, dir, "Sub", "hello.TXT")
	wantContent(t, filepath.Join(dir, "sub", "F"), "in sub")
	// Onto another spelling of another file: it is replaced.
	writeFile(t, filepath.Join(dir, "other"), "other")
	check(t, os.Rename(filepath.Join(dir, "OTHER"), filepath.Join(dir, "HELLO.txt")))
	names := listDir(t, dir)
	if len(names) != 2 {
		t.Fatalf("after a rename onto another spelling of a file: %q, want Sub and one name of it", names)
	}
	wantContent(t, filepath.Join(dir, "hello.txt"), "other")
}

// CaseUnlinkOtherCase: a file or directory removed through one spelling is gone
// through every other, also one the kernel looked up (and caches) before.
func CaseUnlinkOtherCase(t *testing.T, dir string) {
	stored := filepath.Join(dir, "Hello.TXT")
	writeFile(t, stored, "hello")
	var st unix.Stat_t
	check(t, unix.Stat(filepath.Join(dir, "hello.txt"), &st)) // the kernel caches this spelling
	check(t, unix.Stat(stored, &st))
	check(t, os.Remove(filepath.Join(dir, "HELLO.TXT")))
	for _, name := range []string{"hello.txt", "Hello.TXT", "HELLO.TXT"} {
		wantErr(t, "stat of "+name+" after unlink", unix.Stat(filepath.Join(dir, name), &st), unix.ENOENT)
		if _, err := os.ReadFile(filepath.Join(dir, name)); !errors.Is(err, syscall.ENOENT) {
			t.Fatalf("read of %s after unlink: %v, want ENOENT", name, err)
		}
	}
	wantNames(t, dir)
	// A new file through a spelling the kernel had: a new, empty file.
	writeFile(t, filepath.Join(dir, "hello.txt"), "new")
	wantNames(t, dir, "hello.txt")
	wantContent(t, stored, "new")
	check(t, os.Mkdir(filepath.Join(dir, "Sub"), 0o755))
	check(t, unix.Stat(filepath.Join(dir, "sub"), &st))
	check(t, os.Remove(filepath.Join(dir, "SUB")))
	wantErr(t, "stat of a removed directory's other spelling", unix.Stat(filepath.Join(dir, "sub"), &st), unix.ENOENT)
	wantErr(t, "stat of a removed directory", unix.Stat(filepath.Join(dir, "Sub"), &st), unix.ENOENT)
}

// CaseAbsentThenCreated: a name found absent in one spelling is found once it is
// created in another (the kernel must not keep the absence).
func CaseAbsentThenCreated(t *testing.T, dir string) {
	var st unix.Stat_t
	for range 2 {
		wantErr(t, "stat of an absent name", unix.Stat(filepath.Join(dir, "hello.txt"), &st), unix.ENOENT)
	}
	writeFile(t, filepath.Join(dir, "HELLO.TXT"), "x")
	check(t, unix.Stat(filepath.Join(dir, "hello.txt"), &st))
	wantContent(t, filepath.Join(dir, "hello.txt"), "x")
}

// CaseDirectoriesAndLink: a path walked through directories typed in other cases
// reaches the stored files; a hard link named through another spelling of its
// directory is made there.
func CaseDirectoriesAndLink(t *testing.T, dir string) {
	check(t, os.MkdirAll(filepath.Join(dir, "Top", "Mid"), 0o755))
	writeFile(t, filepath.Join(dir, "top", "MID", "File"), "deep")
	wantNames(t, filepath.Join(dir, "TOP", "mid"), "File")
	wantContent(t, filepath.Join(dir, "Top", "Mid", "FILE"), "deep")
	check(t, os.Link(filepath.Join(dir, "TOP", "mid", "file"), filepath.Join(dir, "tOP", "Link")))
	wantNames(t, filepath.Join(dir, "Top"), "Link", "Mid")
	wantErr(t, "link onto another spelling", os.Link(filepath.Join(dir, "top", "link"), filepath.Join(dir, "TOP", "MID", "file")), unix.EEXIST)
	check(t, os.Symlink("Mid/File", filepath.Join(dir, "top", "Sym")))
	wantContent(t, filepath.Join(dir, "TOP", "sym"), "deep")
	if target, err := os.Readlink(filepath.Join(dir, "Top", "SYM")); err != nil || target != "Mid/File" {
		t.Fatalf("readlink through another spelling: %q, %v", target, err)
	}
	check(t, os.Remove(filepath.Join(dir, "TOP", "MID", "FILE")))
	check(t, os.Remove(filepath.Join(dir, "top", "LINK")))
	check(t, os.Remove(filepath.Join(dir, "top", "SYM")))
	check(t, os.Remove(filepath.Join(dir, "TOP", "MID")))
	check(t, os.Remove(filepath.Join(dir, "tOp")))
	wantNames(t, dir)
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	check(t, err)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}
