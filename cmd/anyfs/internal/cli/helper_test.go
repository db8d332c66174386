package cli

import (
	"reflect"
	"strings"
	"testing"
)

// TestHelperArgs checks how mount(8)'s helper command line becomes anyfs's.
func TestHelperArgs(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     []string
		wantFake bool
		wantErr  string
	}{
		{name: "plain", args: []string{"mem", "/mnt/x"},
			want: []string{"mount", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "flags as options", args: []string{"mem", "/mnt/x", "-o", "read_only,max_size=1G,case_insensitive,unmount_timeout=20s"},
			want: []string{"mount", "--read-only", "--max-size=1G", "--case-insensitive", "--unmount-timeout=20s", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "mount(8) options dropped", args: []string{"mem", "/mnt/x", "-o", "defaults,rw,_netdev,nofail,noauto,auto,user,nouser,exec,suid,dev,x-systemd.automount,comment=x"},
			want: []string{"mount", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "mount options kept", args: []string{"passthrough:/srv", "/mnt/x", "-o", "noatime,fsname=data", "-oro"},
			want: []string{"mount", "--daemon", "-o", "noatime,fsname=data,ro", "--", "passthrough:/srv", "/mnt/x"}},
		{name: "flag spelt with dashes", args: []string{"mem", "/mnt/x", "-o", "allow-other"},
			want: []string{"mount", "--allow-other", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "foreground", args: []string{"mem", "/mnt/x", "-o", "foreground"},
			want: []string{"mount", "--", "mem", "/mnt/x"}},
		{name: "mount(8)'s flags", args: []string{"-sv", "mem", "-n", "/mnt/x"},
			want: []string{"mount", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "fake", args: []string{"mem", "/mnt/x", "-f"}, wantFake: true,
			want: []string{"mount", "--daemon", "--", "mem", "/mnt/x"}},
		{name: "-o as an option name is a mount option", args: []string{"mem", "/mnt/x", "-o", "option=x,daemon"},
			want: []string{"mount", "--daemon", "-o", "option=x,daemon", "--", "mem", "/mnt/x"}},

		{name: "no mount point", args: []string{"mem"}, wantErr: `want a source and a mount point, got ["mem"]`},
		{name: "dangling -o", args: []string{"mem", "/mnt/x", "-o"}, wantErr: "-o needs options"},
		{name: "unknown flag", args: []string{"-N", "ns", "mem", "/mnt/x"}, wantErr: "unknown flag -N"},
		{name: "flag needs a value", args: []string{"mem", "/mnt/x", "-o", "max_size"}, wantErr: "-o max_size needs a value: max_size=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fake, err := helperArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("helperArgs(%q) = %q, %v; want error %q", tt.args, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) || fake != tt.wantFake {
				t.Errorf("helperArgs(%q) = %q, fake %v, %v; want %q, fake %v", tt.args, got, fake, err, tt.want, tt.wantFake)
			}
		})
	}
}

// TestIsMountHelper checks the names under which the binary is the helper.
func TestIsMountHelper(t *testing.T) {
	for argv0, want := range map[string]bool{
		"/sbin/mount.fuse.anyfs": true, "mount.anyfs": true, "/usr/local/bin/anyfs": false, "mount.fuse": false,
	} {
		if got := isMountHelper(argv0); got != want {
			t.Errorf("isMountHelper(%q) = %v, want %v", argv0, got, want)
		}
	}
}
