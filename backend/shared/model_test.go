package shared

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestTwoMountModel runs random operations split over two mounts of one volume
// and checks each against a model with close-to-open semantics: right after an
// operation in one mount (with no wait for the change log), opening any file
// in the other mount reads what the model holds, and a name the model lacks
// does not open (the names an operation touched, and every name each tenth
// operation). ANYFS_MODEL_OPS sets the number of operations (default 120),
// ANYFS_MODEL_SEED the seed (default fixed).
func TestTwoMountModel(t *testing.T) {
	_, _, _, va, vb := twoMounts(t, nil)
	ctx := context.Background()
	ops, seed := 120, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("ANYFS_MODEL_OPS")); err == nil {
		ops = v
	}
	if v, err := strconv.ParseUint(os.Getenv("ANYFS_MODEL_SEED"), 10, 64); err == nil {
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 2))
	names := []string{"/a", "/b", "/c", "/d/x", "/d/y"}
	model := map[string][]byte{}
	vols := []*fs.Volume{va, vb}
	if _, err := va.Mkdir(ctx, "/d", 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range ops {
		v, other := vols[i%2], vols[(i+1)%2]
		name := names[r.IntN(len(names))]
		check := []string{name}
		var what string
		switch k := r.IntN(10); {
		case k < 5: // write a new version, whole or in part, and close
			n := r.IntN(64 << 10)
			if r.IntN(8) == 0 { // now and then across chunks
				n = r.IntN(3 * DefaultChunkSize / 2)
			}
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			old, exists := model[name]
			off := 0
			if exists && r.IntN(2) == 0 && len(old) > 0 {
				off = r.IntN(len(old))
			}
			what = fmt.Sprintf("write %d bytes at %d of %s", len(data), off, name)
			h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
			if errors.Is(err, fs.ErrExist) {
				h, err = v.Open(ctx, name, fs.AccessWrite, 0)
			}
			if err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			if _, err := h.Write(ctx, data, int64(off)); err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			if err := h.Release(ctx); err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			next := append([]byte(nil), old...)
			if need := off + len(data); need > len(next) {
				next = append(next, make([]byte, need-len(next))...)
			}
			copy(next[off:], data)
			model[name] = next
		case k < 7: // truncate
			if _, ok := model[name]; !ok {
				continue
			}
			size := r.IntN(len(model[name]) + 1000)
			what = fmt.Sprintf("truncate %s to %d", name, size)
			if _, err := v.SetAttributes(ctx, name, fs.Change{Valid: fs.ChangeSize, Size: int64(size)}); err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			next := append([]byte(nil), model[name]...)
			if size < len(next) {
				next = next[:size]
			} else {
				next = append(next, make([]byte, size-len(next))...)
			}
			model[name] = next
		case k < 9: // rename over whatever is there
			to := names[r.IntN(len(names))]
			if _, ok := model[name]; !ok || to == name {
				continue
			}
			what = fmt.Sprintf("rename %s to %s", name, to)
			check = append(check, to)
			if err := v.Rename(ctx, name, to, 0); err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			model[to] = model[name]
			delete(model, name)
		default: // unlink
			if _, ok := model[name]; !ok {
				continue
			}
			what = "unlink " + name
			if err := v.Remove(ctx, name, false); err != nil {
				t.Fatalf("op %d %s: %v", i, what, err)
			}
			delete(model, name)
		}
		if i%10 == 9 {
			check = names
		}
		for _, n := range check {
			got, err := readFile(other, n)
			want, ok := model[n]
			switch {
			case !ok && !errors.Is(err, fs.ErrNotExist):
				t.Fatalf("op %d (%s), seed %d: %s in the other mount: %d bytes, %v; want it absent", i, what, seed, n, len(got), err)
			case ok && (err != nil || !bytes.Equal(got, want)):
				t.Fatalf("op %d (%s), seed %d: %s in the other mount: %d bytes, %v; want the model's %d bytes", i, what, seed, n, len(got), err, len(want))
			}
		}
	}
}
