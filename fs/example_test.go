package fs_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// A volume serves a backend; adapters mount it, and programs and tests can use it
// directly, as here: every call goes through the same rules a mount applies.
func Example() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), nil)

	if _, err := v.Mkdir(ctx, "/docs", 0o755); err != nil {
		panic(err)
	}
	h, _, err := v.Create(ctx, "/docs/a.txt", fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite})
	if err != nil {
		panic(err)
	}
	h.Write(ctx, []byte("hello, volume"), 0)
	buf := make([]byte, 64)
	n, _ := h.Read(ctx, buf, 7)
	h.Release(ctx)
	fmt.Printf("%q\n", buf[:n])

	fi, _ := v.Stat(ctx, "/docs/a.txt")
	fmt.Println(fi.Name, fi.Mode, fi.Size)

	err = v.Remove(ctx, "/docs", true)
	fmt.Println(errors.Is(err, fs.ErrNotEmpty), err)
	// Output:
	// "volume"
	// a.txt -rw-r--r-- 13
	// true rmdir /docs: directory not empty
}

// Handlers return ordinary errors, wrapped as they like; the volume maps them to
// portable codes, which each adapter renders with its FUSE library's numbers.
func ExampleErrnoOf() {
	for _, err := range []error{
		fmt.Errorf("open /x: %w", fs.ErrNotExist),
		&os.PathError{Op: "mkdir", Path: "/y", Err: os.ErrExist},
		fs.ENOTSUP,
		context.Canceled,
		errors.New("disk on fire"), // unmapped: EIO, and reported to ErrorHandler
	} {
		code, ok := fs.ErrnoOf(err)
		fmt.Println(code.String(), ok) // code is an error too: %v prints its message
	}
	// Output:
	// ENOENT true
	// EEXIST true
	// ENOTSUP true
	// EINTR true
	// EIO false
}

// Adapters put the originator of every request into its context; handlers and
// access rules read it back.
func ExampleCallerFromContext() {
	ctx := fs.WithCaller(context.Background(), fs.Caller{Pid: 4242, Uid: 1000, Gid: 100})
	if c, ok := fs.CallerFromContext(ctx); ok {
		fmt.Println(c.Pid, c.Uid, c.Gid)
	}
	_, ok := fs.CallerFromContext(context.Background())
	fmt.Println(ok)
	// Output:
	// 4242 1000 100
	// false
}

// Grant writing to one user: every other caller is refused before the backend
// is asked.
func ExampleVolume_AddAccessRule() {
	v := fs.NewVolume(memfs.New(nil), nil)
	v.AddAccessRule(fs.AccessRule{Access: fs.AccessWrite, Match: fs.MatchUid, Uid: 1000})
	for _, uid := range []uint32{1000, 1001} {
		ctx := fs.WithCaller(context.Background(), fs.Caller{Uid: uid})
		_, err := v.Mkdir(ctx, fmt.Sprintf("/by-%d", uid), 0o755)
		fmt.Println(uid, errors.Is(err, fs.ErrPermission))
	}
	fmt.Println(v.AccessRules()[0])
	// Output:
	// 1000 false
	// 1001 true
	// grant write to uid 1000
}

// printInvalidator stands for a mounted adapter: it prints what the kernel is told
// to forget.
type printInvalidator struct{}

func (printInvalidator) InvalidateEntry(dir, name string) error {
	fmt.Println("forget entry", name, "in", dir)
	return nil
}

func (printInvalidator) InvalidateContent(name string) error {
	fmt.Println("forget data and attributes of", name)
	return nil
}

// A backend whose data changes behind the file system's back tells the volume,
// which drops its caches and has the adapter drop the kernel's.
func ExampleVolume_NotifyChange() {
	v := fs.NewVolume(memfs.New(nil), nil)
	v.SetInvalidator(printInvalidator{}) // adapters do this when they mount
	v.NotifyChange(fs.ChangeAdded, "/inbox/new.eml", "")
	v.NotifyChange(fs.ChangeModified, "/inbox/old.eml", "")
	// Output:
	// forget entry new.eml in /inbox
	// forget data and attributes of /inbox
	// forget data and attributes of /inbox/old.eml
}

// The open-files snapshot lists what is open, also files deleted while open.
func ExampleVolume_OpenFiles() {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), nil)
	h, _, _ := v.Create(ctx, "/log", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	h2, _ := v.Open(ctx, "/log", fs.AccessRead, 0)
	v.Remove(ctx, "/log", false)
	for _, f := range v.OpenFiles() {
		fmt.Println(f.Name, f.Handles, f.Deleted)
	}
	fmt.Println(v.OpenFileCount(), v.OpenHandleCount())
	h.Release(ctx)
	h2.Release(ctx)
	fmt.Println(v.OpenFileCount(), v.OpenHandleCount())
	// Output:
	// /log 2 true
	// 1 2
	// 0 0
}
