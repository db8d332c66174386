// Package fstest is the conformance kit of anyfs backends: it runs in-process, without
// a mount, on every OS, in the style of testing/fstest.
//
// A backend author calls [Run] from a test with a function that makes a fresh backend
// and [Options] that declare what the backend can do (and, for a read-only backend,
// the files it was built with):
//
//	func TestConformance(t *testing.T) {
//		fstest.Run(t, func(t *testing.T) fs.Interface { return memfs.New(nil) }, fstest.Options{})
//	}
//
// Every check is a named subtest with a fresh backend. The kit drives the backend two
// ways: directly through its events (the contract of package fs: errors, enumeration
// paging and restart, agreement between a listing's entries and OnGetFileInfo) and
// through [fs.NewVolume] (what users of a mount see: POSIX rename and delete rules,
// data, sizes, times, links, streams, read-only volumes). Between the volume and the
// backend sits a [Recorder], which checks that every FileContext and
// EnumerationContext is closed exactly once and never used after its close; each
// subtest ends by unmounting its volumes and checking the Recorder's books.
//
// [CheckFS] is the function form: it walks a volume and checks that the expected
// paths exist and that listing and stat agree, returning every problem at once.
//
// # Capabilities
//
// The kit finds optional events by type assertion, as the volume does, and checks
// that the declared Options match: a backend without [fs.SymlinkHandler] must say
// NoSymlinks, and so on. A declared "No" skips the checks of that feature and checks
// instead that the volume refuses it cleanly.
//
// # Windows hosts
//
// A backend that stores on a Windows host declares what Windows keeps:
// Options.NoPermissions (a mode is only the ReadOnly attribute),
// Options.WindowsNames (the kit makes only names Windows can store, and checks that
// the others are refused in every call without reaching the file Win32 would take
// them for) and a TimeGranularity of 100 ns. Options.Skip names checks that the host
// or emulator underneath cannot pass, with the reason the skip reports.
package fstest
