// Package bench holds the anyfs performance benchmarks.
//
// The Go benchmarks here run only with -bench (there are no tests); the ones that
// mount skip cleanly where FUSE is not available:
//
//	go test ./test/bench -run '^$' -bench . -benchmem
//
// The cross-implementation comparison (native directory, go-fuse's loopback, anyfs
// with each backend and adapter, with and without FUSE passthrough) is compare.sh,
// which drives the programs in cmd/ and loopback/; see docs/performance.md.
package bench
