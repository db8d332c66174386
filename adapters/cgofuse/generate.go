package cgofuse

// The request-counting wrapper (requests_gen.go), from cgofuse's interfaces and
// the methods of fileSystem.
//go:generate go run ../internal/reqgen -adapter cgofuse -o requests_gen.go
