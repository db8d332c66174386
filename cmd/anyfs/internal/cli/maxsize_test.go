package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// --max-size sets the capacity of a mem volume, and is refused for a backend
// without one; without it a mem volume holds half of the machine's memory.
func TestMountMaxSize(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		want    int64 // the mem volume's capacity; 0: no mount
		wantErr string
	}{
		{name: "default", args: []string{"mem"}, want: memfs.MemoryLimit()},
		{name: "max size", args: []string{"--max-size", "64M", "mem"}, want: 64 << 20},
		{name: "other backend", args: []string{"--max-size", "1G", "passthrough:" + t.TempDir()},
			wantErr: "--max-size: backend passthrough has no capacity to set (only mem takes one)"},
		{name: "bad size", args: []string{"--max-size", "lots", "mem"}, wantErr: `bad size "lots"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errOut := testFactory(t)
			mnt := mountableDir(t)
			srv := newFakeServer(mnt)
			var got int64
			f.Mount = func(v *fs.Volume, _, _ string, _ *mountopt.Options) (mountopt.Server, error) {
				m, ok := v.Backend().(*memfs.FS)
				if !ok {
					t.Fatalf("backend %T, want *memfs.FS", v.Backend())
				}
				got = m.Capacity()
				srv.stop()
				return srv, nil
			}
			code := run(context.Background(), f, append([]string{"mount"}, append(tt.args, mnt)...))
			if tt.wantErr != "" {
				if code == exitOK || !strings.Contains(errOut.String(), tt.wantErr) {
					t.Fatalf("exit %d, stderr %q; want an error %q", code, errOut, tt.wantErr)
				}
				return
			}
			if code != exitOK || got != tt.want {
				t.Fatalf("exit %d, capacity %d, want %d; stderr:\n%s", code, got, tt.want, errOut)
			}
		})
	}
}
