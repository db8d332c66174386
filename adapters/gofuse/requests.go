//go:build linux || darwin

package gofuse

//go:generate go run ../internal/reqgen -adapter gofuse -o requests_gen.go

import "github.com/anyfs/anyfs/adapters/mountopt"

// RequestStats returns the kernel's requests by opcode; empty unless the
// mount counts them (mountopt.Options.CountRequests).
func (s *server) RequestStats() []mountopt.RequestStats {
	if s.counts == nil {
		return nil
	}
	return s.counts.Stats()
}
