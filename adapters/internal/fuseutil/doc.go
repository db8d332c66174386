// Package fuseutil holds what the FUSE adapters translate alike: open(2) and
// setxattr(2) flags into the volume's, the volume's portable error codes into a
// FUSE library's numbers, and the life of a running mount (Unmount,
// ForceUnmount, Wait). Each adapter supplies only what differs: its library's
// constants and how it mounts and unmounts.
package fuseutil
