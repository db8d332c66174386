//go:build darwin || freebsd || windows

package passthrough

// spliceReads: no splice here; reads are copied through OnReadFile.
const spliceReads = false
