//go:build !linux

package fs

// xattrPrefix is the extended-attribute namespace that holds named streams: macOS,
// Windows and the BSD FUSE layers pass names without a namespace.
const xattrPrefix = ""
