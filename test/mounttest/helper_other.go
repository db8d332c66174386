//go:build !linux && !darwin

package mounttest

func runHelper(op, arg string) (string, int) { return "no helper on this system", 2 }
