//go:build !linux && !darwin

package test

import (
	"syscall"
	"testing"
)

const errROFS = syscall.EROFS

func mountOptions(*testing.T, string) string { return "" }
