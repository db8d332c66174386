//go:build linux && cgofuse && fuse3

package main

// childTags are the build tags of the anyfs binary the mount tests build: the
// tags of this test binary, so that -tags cgofuse,fuse3 tests the cgofuse
// adapter end to end as well.
const childTags = "cgofuse,fuse3"
