// Package features holds the code of docs/features.md: the features anyfs takes
// from CBFS beyond what plain FUSE offers. features_test.go runs each of them.
package features

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// RestrictAccess adds process access rules to v. They apply to requests that
// start after the call; handles opened before keep their access.
func RestrictAccess(v *fs.Volume) {
	// Only uid 1000 may change anything: once a grant rule for writing exists,
	// every caller it does not match is refused (EACCES).
	v.AddAccessRule(fs.AccessRule{Access: fs.AccessWrite, Match: fs.MatchUid, Uid: 1000})
	// No process named "updatedb", nor any process it started, may read.
	v.AddAccessRule(fs.AccessRule{Deny: true, Access: fs.AccessRead,
		Match: fs.MatchProcessName, ProcessName: "updatedb", IncludeChildren: true})
}

// Audit is memfs with an OnOpenFile that logs who opens what. It embeds the
// concrete *memfs.FS, so the volume still finds every optional event of memfs;
// embedding the fs.Interface instead would hide them and make the volume read-only.
type Audit struct {
	*memfs.FS
	Log *log.Logger
}

// OnOpenFile logs the request's originator, then opens as memfs does.
func (a Audit) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	if c, ok := fs.CallerFromContext(ctx); ok {
		name := "?"
		if p, err := c.Process(); err == nil { // looked up lazily, cached briefly
			name = p.Name
		}
		a.Log.Printf("open %s by pid %d (%s), uid %d", e.Name, c.Pid, name, c.Uid)
	}
	return a.FS.OnOpenFile(ctx, e)
}

// Watch tells the volume about every name that changes behind the file system's
// back (a sync from a server, say). The volume drops what its caches hold about the
// name and has the adapter drop the kernel's, so the mount shows the change at once.
func Watch(v *fs.Volume, changed <-chan string) {
	for name := range changed {
		if err := v.NotifyChange(fs.ChangeModified, name, ""); err != nil {
			v.Logger().Warn("notify", "name", name, "err", err)
		}
	}
}

// CachedOptions are volume options for a slow backend (a network store, say).
func CachedOptions() *fs.Options {
	return &fs.Options{
		// The kernel's caches: attributes and names for 10s, absent names for 1s.
		AttrTimeout:     10 * time.Second,
		EntryTimeout:    10 * time.Second,
		NegativeTimeout: time.Second,
		// The volume's own caches in front of the backend, in every adapter.
		MetadataCacheTTL: 5 * time.Second,
		NegativeCacheTTL: time.Second,
	}
}

// PrintOpenFiles writes what is open on v: each file with its handles and the
// processes that opened them.
func PrintOpenFiles(w io.Writer, v *fs.Volume) {
	fmt.Fprintf(w, "%d files, %d handles open\n", v.OpenFileCount(), v.OpenHandleCount())
	for _, f := range v.OpenFiles() {
		fmt.Fprintf(w, "%s: %d handles", f.Name, f.Handles)
		if f.Deleted {
			fmt.Fprint(w, " (deleted)")
		}
		for _, p := range f.Processes {
			fmt.Fprintf(w, " %s[%d]", p.Name, p.Pid)
		}
		fmt.Fprintln(w)
	}
}

// ExecutionOptions are volume options that change how events run.
func ExecutionOptions() *fs.Options {
	return &fs.Options{
		// One event at a time per open file; fs.SerializeAll: one at a time.
		Serialize: fs.SerializePerFile,
		// OnOpenFile for every open and OnCloseFile for every handle, instead of the
		// first open and the last close of each file.
		FireAllOpenCloseEvents: true,
		// Writes and truncates past 1 GiB fail with EFBIG.
		MaxFileSize: 1 << 30,
	}
}

// Reporting is memfs with an Error event: the volume reports to it every error
// that maps to no error code (the caller gets EIO) and every panic of a handler.
type Reporting struct {
	*memfs.FS
	Errors chan<- error
}

// OnError hands the error on without blocking the request that failed.
func (r Reporting) OnError(ctx context.Context, e *fs.ErrorEvent) {
	select {
	case r.Errors <- fmt.Errorf("%s %s: %w", e.Op, e.Name, e.Err):
	default:
	}
}
