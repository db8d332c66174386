//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate generates each adapter's wrapper again and compares
// it with the file in the adapter's directory: a change of the binding's
// version or of the adapter's methods needs go generate.
func TestGeneratedUpToDate(t *testing.T) {
	for _, adapter := range []string{"gofuse", "cgofuse"} {
		t.Run(adapter, func(t *testing.T) {
			dir := filepath.Join("..", "..", adapter)
			want, err := os.ReadFile(filepath.Join(dir, "requests_gen.go"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := generate(bindings[adapter], dir, "requests_gen.go", adapter)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/requests_gen.go is not what reqgen writes; run go generate ./adapters/...", adapter)
			}
		})
	}
}

// TestGenerateErrors: an unknown interface file or a type without methods
// fails with the reason, and writes nothing.
func TestGenerateErrors(t *testing.T) {
	gofuse := bindings["gofuse"]
	cgofuse := bindings["cgofuse"]
	missingFile := gofuse
	missingFile.file = "nonexistent.go"
	noMethods := cgofuse
	noMethods.wrapped = "*noSuchType"
	for _, tt := range []struct {
		name string
		b    binding
		dir  string
	}{
		{"no such file in the binding", missingFile, "../../gofuse"},
		{"no methods of the wrapped type", noMethods, "../../cgofuse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if src, err := generate(tt.b, tt.dir, "requests_gen.go", "x"); err == nil {
				t.Errorf("generate succeeded, wrote %d bytes", len(src))
			}
		})
	}
}
