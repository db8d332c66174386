//go:build !windows && !cgofuse

package adapters

// This build has no cgofuse adapter: cgofuseMount stays nil and Mount answers
// ErrNoAdapter for "cgofuse". Build with -tags cgofuse,fuse3 (Linux, against
// libfuse3) or -tags cgofuse (macOS) to include it.
