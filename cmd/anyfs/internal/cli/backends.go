package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/anyfs/anyfs/backend/iofs"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
)

// Backend is one row of the backend table: a kind of file system `anyfs mount`
// can serve, named by the BACKEND[:ARG] argument.
type Backend struct {
	// Name is what the user types before the colon, such as "mem" or "zip".
	Name string
	// Spec is the argument syntax shown in help, such as "zip:FILE".
	Spec string
	// Description is one line for `anyfs backends`.
	Description string
	// NeedsArg says the backend requires ARG; when false it accepts none.
	NeedsArg bool
	// Open makes the backend from ARG ("" when NeedsArg is false).
	Open func(arg string) (fs.Interface, error)
	// OpenSized, when set, is Open with a capacity of maxSize bytes
	// (--max-size); a backend without it refuses that flag.
	OpenSized func(arg string, maxSize int64) (fs.Interface, error)
	// OpenReadOnly, when set, is what --read-only opens instead of Open: the
	// backend's storage opened for reading only (never created or changed).
	OpenReadOnly func(arg string) (fs.Interface, error)
	// OpenServices, when set, replaces Open for a backend on servers (shared):
	// it takes the servers and options of the --meta, --data, ... flags.
	OpenServices func(ctx context.Context, arg string, s SharedSettings) (fs.Interface, error)
	// Owners says the backend stores each file's owner and mode: it refuses
	// --uid, --gid, --umask, --file-mode and --dir-mode, and takes --map-uid
	// and --map-gid.
	Owners bool
}

// Registry is the backend table, in the order `anyfs backends` lists it.
type Registry []Backend

// DefaultBackends returns the backends compiled into anyfs. A new backend
// plugs in with one row here.
func DefaultBackends() Registry {
	return Registry{
		{
			Name:        "mem",
			Spec:        "mem",
			Description: "an empty in-memory file system, discarded on unmount (the default)",
			Open: func(string) (fs.Interface, error) {
				return memfs.New(nil), nil
			},
			OpenSized: func(_ string, maxSize int64) (fs.Interface, error) {
				return memfs.New(&memfs.Options{Capacity: maxSize}), nil
			},
			Owners: true,
		},
		{
			Name:        "passthrough",
			Spec:        "passthrough:DIR",
			Description: "the host directory DIR, read-write; nothing outside DIR is reachable",
			NeedsArg:    true,
			Open:        func(dir string) (fs.Interface, error) { return opened(passthrough.New(dir, nil)) },
			Owners:      true,
		},
		{
			Name:         "shared",
			Spec:         "shared:NAME",
			Description:  "the shared volume NAME, on PostgreSQL (--meta) and S3 (--data), mounted by many machines at once",
			NeedsArg:     true,
			OpenServices: openShared,
			Owners:       true,
		},
		{
			Name:        "dir",
			Spec:        "dir:DIR",
			Description: "the host directory DIR, read-only (through io/fs); nothing outside DIR is reachable",
			NeedsArg:    true,
			Open:        func(dir string) (fs.Interface, error) { return opened(iofs.OpenDir(dir, nil)) },
		},
		{
			Name:        "zip",
			Spec:        "zip:FILE",
			Description: "the zip archive FILE, read-only",
			NeedsArg:    true,
			Open:        func(file string) (fs.Interface, error) { return opened(iofs.OpenZip(file, nil)) },
		},
		{
			Name:        "vault",
			Spec:        "vault:FILE",
			Description: "the persistent file system in the file FILE, created (mode 0600) when missing",
			NeedsArg:    true,
			Open:        func(file string) (fs.Interface, error) { return opened(vault.Open(file, nil)) },
			OpenReadOnly: func(file string) (fs.Interface, error) {
				return opened(vault.Open(file, &vault.Options{ReadOnly: true}))
			},
			Owners: true,
		},
	}
}

// opened converts a backend constructor's result, never giving a non-nil
// interface holding a nil pointer.
func opened[B fs.Interface](b B, err error) (fs.Interface, error) {
	if err != nil {
		return nil, err
	}
	return b, nil
}

// defaultBackend is the spec `anyfs mount MOUNTPOINT` serves.
const defaultBackend = "mem"

// Names returns the backend names in table order.
func (r Registry) Names() []string {
	names := make([]string, len(r))
	for i, b := range r {
		names[i] = b.Name
	}
	return names
}

// splitSpec splits BACKEND[:ARG] at the first colon.
func splitSpec(spec string) (name, arg string, hasArg bool) {
	return strings.Cut(spec, ":")
}

// Lookup finds the backend a BACKEND[:ARG] spec names and returns it with ARG.
// Its errors say what was wrong and list the known backends.
func (r Registry) Lookup(spec string) (Backend, string, error) {
	name, arg, hasArg := splitSpec(spec)
	for _, b := range r {
		if b.Name != name {
			continue
		}
		switch {
		case b.NeedsArg && arg == "":
			return Backend{}, "", fmt.Errorf("backend %s needs an argument: %s", name, b.Spec)
		case !b.NeedsArg && hasArg:
			return Backend{}, "", fmt.Errorf("backend %s takes no argument (got %q)", name, spec)
		}
		return b, arg, nil
	}
	if name == "" {
		return Backend{}, "", fmt.Errorf("empty backend name (known backends: %s)", strings.Join(r.Names(), ", "))
	}
	return Backend{}, "", fmt.Errorf("unknown backend %q (known backends: %s; see: anyfs backends)", name, strings.Join(r.Names(), ", "))
}

// known reports whether spec starts with a known backend name, as in "mem" or
// "zip:FILE".
func (r Registry) known(spec string) bool {
	name, _, _ := splitSpec(spec)
	for _, b := range r {
		if b.Name == name {
			return true
		}
	}
	return false
}
