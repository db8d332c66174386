package memfs

import (
	"context"
	"fmt"
	"slices"

	"github.com/anyfs/anyfs/fs"
)

// enumeration is the EnumerationContext of a listing: the sorted names the directory
// had when the listing started (or restarted) and how far the listing got. Names
// removed since are skipped and names added since are not shown, so a listing never
// repeats a name and always ends, whatever happens to the directory meanwhile.
type enumeration struct {
	dir   *node
	names []string // shared with the directory's cache: never modified
	pos   int
}

// sortedNames returns dir's names in order, from the cache when the directory has
// not changed since the last listing. The caller holds FS.mu (for reading is
// enough: the cache is only cleared under the write lock).
func sortedNames(dir *node) []string {
	if p := dir.sorted.Load(); p != nil {
		return *p
	}
	names := make([]string, 0, len(dir.children))
	for k := range dir.children {
		names = append(names, k)
	}
	slices.Sort(names)
	dir.sorted.Store(&names)
	return names
}

// OnEnumerateDirectory lists a directory in name order, at most e.Max entries per
// call, each with its full information (readdirplus). The cost of a whole listing is
// one sort of the names (none when the directory did not change since its last
// listing) plus one map lookup per entry.
func (f *FS) OnEnumerateDirectory(_ context.Context, e *fs.EnumerateDirectoryEvent) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	en, _ := e.EnumerationContext.(*enumeration)
	if en == nil || e.Restart {
		dir, ok := e.DirectoryContext.(*node)
		if !ok || dir == nil {
			var err error
			if dir, err = f.walk(e.Name); err != nil {
				return err
			}
		}
		if !dir.isDir() {
			return fmt.Errorf("memfs: list %s: %w", e.Name, fs.ErrNotDir)
		}
		if en == nil {
			en = &enumeration{}
			e.EnumerationContext = en
		}
		en.dir, en.names, en.pos = dir, sortedNames(dir), 0
	}
	limit := e.Max
	if limit <= 0 {
		limit = len(en.names)
	}
	children := en.dir.children
	added := 0
	for en.pos < len(en.names) && added < limit {
		name := en.names[en.pos]
		en.pos++
		n := children[name]
		if n == nil {
			continue // removed since the listing started
		}
		e.Entries = append(e.Entries, fs.FileInfo{Name: name})
		n.info(&e.Entries[len(e.Entries)-1])
		added++
	}
	e.Done = en.pos >= len(en.names)
	return nil
}

// OnCloseDirectoryEnumeration ends a listing.
func (f *FS) OnCloseDirectoryEnumeration(_ context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	if en, ok := e.EnumerationContext.(*enumeration); ok && en != nil {
		en.dir, en.names = nil, nil
	}
	return nil
}
