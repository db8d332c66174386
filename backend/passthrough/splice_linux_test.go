package passthrough

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

// TestReadSplice: a regular file held open for reading and writing is answered
// with its descriptor where the adapter can splice; one the host lets the backend
// open only for reading, and a FIFO, are copied. Read never gets a descriptor.
func TestReadSplice(t *testing.T) {
	_, v, root, _ := setup(t, nil)
	ctx := ctxAs(uint32(os.Getuid()), uint32(os.Getgid()))
	data := bytes.Repeat([]byte("splice"), 1000)
	if err := os.WriteFile(filepath.Join(root, "rw"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		acc     fs.Access
		flags   fs.OpenFlags
		spliced bool
	}{
		{"rw", fs.AccessRead, 0, true},
		{"fifo", fs.AccessRead | fs.AccessWrite, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := v.Open(ctx, "/"+tt.name, tt.acc, tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Release(ctx)
			buf := make([]byte, 100)
			n, fd, spliced, err := h.ReadSplice(ctx, buf, 10)
			if spliced != tt.spliced {
				t.Fatalf("ReadSplice: spliced %v (n %d, err %v), want %v", spliced, n, err, tt.spliced)
			}
			if spliced {
				got := make([]byte, 100)
				if m, err := unix.Pread(fd, got, 10); err != nil || !bytes.Equal(got[:m], data[10:110]) {
					t.Fatalf("the spliced descriptor reads %q, %v", got[:m], err)
				}
			}
			if tt.name == "rw" {
				if n, err := h.Read(ctx, buf, 10); err != nil || !bytes.Equal(buf[:n], data[10:110]) {
					t.Fatalf("Read: %q, %v", buf[:n], err)
				}
			}
		})
	}
}

// TestReadSpliceReadOnlyDescriptor: a descriptor open only for reading may be
// replaced by a read-write one (use reopens it), so it is never handed out.
func TestReadSpliceReadOnlyDescriptor(t *testing.T) {
	p, _, root, _ := setup(t, nil)
	name := filepath.Join(root, "f")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := &fs.ReadFileEvent{Name: "/f", FileContext: &file{f: f, acc: fs.AccessRead, regular: true},
		Position: 2, Buffer: make([]byte, 4), SpliceOK: true}
	if err := p.OnReadFile(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if e.Spliced || string(e.Buffer[:e.BytesRead]) != "2345" {
		t.Fatalf("spliced %v, read %q; want a copy of \"2345\"", e.Spliced, e.Buffer[:e.BytesRead])
	}
}
