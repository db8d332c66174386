package fuseutil

import "github.com/anyfs/anyfs/fs"

// Errnos is a FUSE library's table of the volume's portable error codes: a row
// for every code of fs.Errnos, with fs.OK as 0.
type Errnos[T ~int | ~uintptr] map[fs.Errno]T

// Of renders err: 0 for nil, the row of its portable code, and the row of EIO
// for an error no row matches (the volume has already reported it through its
// Error event and log).
func (t Errnos[T]) Of(err error) T {
	if err == nil {
		return 0
	}
	code, _ := fs.ErrnoOf(err)
	if e, ok := t[code]; ok {
		return e
	}
	return t[fs.EIO]
}

// Missing returns the codes of fs.Errnos without a row, for the table tests.
func (t Errnos[T]) Missing() []fs.Errno {
	var out []fs.Errno
	for _, code := range fs.Errnos() {
		if _, ok := t[code]; !ok {
			out = append(out, code)
		}
	}
	return out
}

// Convert returns the table with every number converted, as from the host's
// syscall.Errno to a library's int.
func Convert[T, U ~int | ~uintptr](t Errnos[T], conv func(T) U) Errnos[U] {
	out := make(Errnos[U], len(t))
	for code, e := range t {
		out[code] = conv(e)
	}
	return out
}
