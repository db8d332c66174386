// Package test holds the mount tests: every backend through every adapter compiled
// in, with the operating system's own calls. The harness and the suite are in
// package mounttest.
package test
