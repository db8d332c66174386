package mountopt

import (
	"errors"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the option table is checked on Linux; elsewhere options go to macFUSE or WinFsp")
	}
	tests := []struct {
		raw     []string
		want    Options // only the fields Resolve sets
		wantErr string
	}{
		{raw: nil},
		{raw: []string{"fsname=data", "subtype=myfs"}, want: Options{FSName: "data", Subtype: "myfs"}},
		{raw: []string{"fsname=a=b"}, want: Options{FSName: "a=b"}},
		{raw: []string{"allow_other,nonempty", "auto_unmount,debug"},
			want: Options{AllowOther: true, AllowNonEmpty: true, AutoUnmount: true, Debug: true}},
		{raw: []string{"default_permissions"}},
		{raw: []string{"noatime, ro", "nosuid,nodev,noexec,sync,dirsync"},
			want: Options{MountFlags: []string{"noatime", "ro", "nosuid", "nodev", "noexec", "sync", "dirsync"}}},
		{raw: []string{"rw,exec,atime,async"}, want: Options{MountFlags: []string{"rw", "exec", "atime", "async"}}},

		{raw: []string{"uid=1000"}, wantErr: `mount option "uid=1000" is not an adapter option: the volume shows owners and modes (fs.Options.Ownership; anyfs mount --uid, --gid, --umask, which also read -o uid=)`},
		{raw: []string{"gid=0"}, wantErr: `mount option "gid=0" is not an adapter option`},
		{raw: []string{"umask=022"}, wantErr: `mount option "umask=022" is not an adapter option`},
		{raw: []string{"allow_root"}, wantErr: `"allow_root" is not an adapter option: use AllowOther with access rules for uid 0 and your own uid`},
		{raw: []string{"max_read=4096"}, wantErr: `sets the FUSE connection's options itself`},
		{raw: []string{"kernel_cache"}, wantErr: `--attr-timeout`},
		{raw: []string{"hard_remove"}, wantErr: `is a libfuse tuning option`},
		{raw: []string{"fsname="}, wantErr: `mount option "fsname=" needs a value: fsname=NAME`},
		{raw: []string{"subtype"}, wantErr: `mount option "subtype" needs a value: subtype=NAME`},
		{raw: []string{"subtype=a.b"}, wantErr: `a subtype is one word`},
		{raw: []string{"noatime,bogus"}, wantErr: `mount option "bogus" is unknown (anyfs understands fsname=`},
	}
	for _, tt := range tests {
		got, err := Resolve(&Options{RawOptions: tt.raw})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrOption) {
				t.Errorf("Resolve(%q) = %+v, %v; want an ErrOption containing %q", tt.raw, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("Resolve(%q) =\n %+v\nwant %+v", tt.raw, *got, tt.want)
		}
	}
}

func TestResolveRootOnlyFlags(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux rule")
	}
	_, err := Resolve(&Options{RawOptions: []string{"suid"}})
	if os.Geteuid() == 0 && err != nil {
		t.Errorf("suid as root: %v", err)
	}
	if os.Geteuid() != 0 && (err == nil || !strings.Contains(err.Error(), "needs root")) {
		t.Errorf("suid as another user: %v, want an error saying it needs root", err)
	}
}

func TestResolveKeepsFields(t *testing.T) {
	in := &Options{FSName: "x", MountFlags: []string{"ro"}, RawOptions: []string{"noatime"}, AllowStacking: true}
	got, err := Resolve(in)
	if err != nil {
		t.Fatal(err)
	}
	if got.FSName != "x" || !got.AllowStacking || len(got.MountFlags) != 2 || len(in.MountFlags) != 1 || len(in.RawOptions) != 1 {
		t.Errorf("Resolve(%+v) = %+v; the input must stay as it was", in, got)
	}
	if _, err := Resolve(nil); err != nil {
		t.Errorf("Resolve(nil): %v", err)
	}
}
