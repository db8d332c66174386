package fstest

import (
	"fmt"
	"strings"

	"github.com/anyfs/anyfs/fs"
)

func init() {
	allChecks = append(allChecks, check{"Errors", "WindowsNames", checkWindowsNames})
}

// windowsUnstorable are names a Windows host cannot store: Win32 strips trailing
// dots and spaces ("f." is "f", "d ." is "d"), reads device names as devices, and
// refuses the reserved characters and control characters.
var windowsUnstorable = []string{
	"f.", "f ", "f. .", "F.", "d.", "d ",
	"nul", "NUL", "con.txt", "Prn", "aux .c", "COM1", "lpt9.log", "com0", "COM²", "conin$", "CONOUT$",
	"a<b", "a>b", "a:b", `a"b`, `a\b`, "a|b", "a?b", "a*b", "a\x01b", "a\x1fb",
}

// storable reports whether the kit may make the name component c: with
// Options.WindowsNames, none ending in a dot or a space.
func (k *kit) storable(c string) bool {
	return !k.opts.WindowsNames || !strings.HasSuffix(c, ".") && !strings.HasSuffix(c, " ")
}

// checkWindowsNames: every call refuses a name Windows cannot store with
// ErrInvalid, and leaves alone the file Win32 would take it for.
func checkWindowsNames(t TB, k *kit) {
	if !k.opts.WindowsNames {
		t.Skipf("skipped: Options.WindowsNames is not set")
	}
	k.need(t, "write")
	v := k.vol(t)
	dir := k.work(t, v)
	f, d := dir+"/f", dir+"/d"
	k.writeFile(t, v, f, "keep")
	k.mkdir(t, v, d)
	bad := func(c string) string { return dir + "/" + c }
	type call struct {
		what string
		err  func() error
	}
	for _, c := range windowsUnstorable {
		p := bad(c)
		calls := []call{
			{"Stat", func() error { _, err := v.Stat(k.ctx, p); return err }},
			{"Create with OpenTruncate", func() error {
				h, _, err := v.Create(k.ctx, p, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Flags: fs.OpenTruncate})
				if err == nil {
					h.Release(k.ctx)
				}
				return err
			}},
			{"Open", func() error {
				h, err := v.Open(k.ctx, p, fs.AccessRead|fs.AccessWrite, 0)
				if err == nil {
					h.Release(k.ctx)
				}
				return err
			}},
			{"Mkdir", func() error { _, err := v.Mkdir(k.ctx, p, 0o755); return err }},
			{"Create in it", func() error {
				h, _, err := v.Create(k.ctx, p+"/x", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
				if err == nil {
					h.Release(k.ctx)
				}
				return err
			}},
			{"SetAttributes (size 0)", func() error {
				_, err := v.SetAttributes(k.ctx, p, fs.Change{Valid: fs.ChangeSize, Size: 0})
				return err
			}},
		}
		if k.has.del {
			calls = append(calls,
				call{"Remove (unlink)", func() error { return v.Remove(k.ctx, p, false) }},
				call{"Remove (rmdir)", func() error { return v.Remove(k.ctx, p, true) }})
		}
		if k.has.rename && !k.opts.NoRename {
			calls = append(calls,
				call{"Rename from it", func() error { return v.Rename(k.ctx, p, dir+"/g", 0) }},
				call{"Rename a file to it", func() error { return v.Rename(k.ctx, f, p, 0) }},
				call{"Rename a directory to it", func() error { return v.Rename(k.ctx, d, p, 0) }})
		}
		if k.has.links && !k.opts.NoHardLinks {
			calls = append(calls, call{"Link to it", func() error { _, err := v.Link(k.ctx, f, p); return err }})
		}
		for _, call := range calls {
			wantErr(t, fmt.Sprintf("%s %q", call.what, p), call.err(), fs.ErrInvalid)
		}
	}
	k.wantContent(t, v, f, "keep", "calls on names Windows cannot store")
	if fi := k.stat(t, v, d); !fi.Mode.IsDir() {
		t.Errorf("after calls on names Windows cannot store, %s is a %s", d, typeName(fi.Mode))
	}
	checkNames(t, "listing after calls on names Windows cannot store", k.list(t, v, dir), []string{"f", "d"}, true)
	checkNames(t, "listing of "+d, k.list(t, v, d), nil, true)
}
