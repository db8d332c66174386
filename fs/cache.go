package fs

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// infoCache is the volume's optional user-space cache of file information and of
// absent names (CBFS metadata cache and non-existent files cache). It is bounded;
// every change the volume makes, every change notification and every ESTALE drops
// what it affects. It is off unless Options.MetadataCacheTTL or NegativeCacheTTL is
// set. Keys are volume paths as the backend stores them (on a case-insensitive
// volume the resolved names; an absent name is kept as it was asked for).
type infoCache struct {
	ttl, negTTL time.Duration
	max, negMax int

	mu  sync.Mutex // protects the following
	pos map[string]cachedInfo
	neg map[string]time.Time // expiry of absent names
	// links holds the names cached of each file with several links, by FileID:
	// a write through one name changes what every name shows. Names may linger
	// after their entries went; dropFile checks the FileID.
	links map[uint64][]string
}

type cachedInfo struct {
	fi      FileInfo
	expires time.Time
}

func newInfoCache(o *Options) *infoCache {
	if o.MetadataCacheTTL <= 0 && o.NegativeCacheTTL <= 0 {
		return nil
	}
	c := &infoCache{ttl: o.MetadataCacheTTL, negTTL: o.NegativeCacheTTL,
		max: o.MetadataCacheSize, negMax: o.NegativeCacheSize,
		pos: map[string]cachedInfo{}, neg: map[string]time.Time{}, links: map[uint64][]string{}}
	if c.max <= 0 {
		c.max = 10000
	}
	if c.negMax <= 0 {
		c.negMax = 10000
	}
	return c
}

// get returns the cached information of key, or ErrNotExist for a cached absence.
func (c *infoCache) get(key string) (FileInfo, error, bool) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.pos[key]; ok {
		if now.Before(e.expires) {
			return e.fi, nil, true
		}
		delete(c.pos, key)
	}
	if exp, ok := c.neg[key]; ok {
		if now.Before(exp) {
			return FileInfo{}, ErrNotExist, true
		}
		delete(c.neg, key)
	}
	return FileInfo{}, nil, false
}

func (c *infoCache) put(key string, fi FileInfo) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	evict(c.pos, c.max)
	delete(c.neg, key)
	c.pos[key] = cachedInfo{fi: fi, expires: time.Now().Add(c.ttl)}
	if fi.LinkCount > 1 && fi.FileID != 0 && !fi.IsDir() {
		names := c.links[fi.FileID]
		if names == nil && len(c.links) >= c.max {
			delete(c.pos, key) // not cached, rather than cached where dropFile cannot see it
			return
		}
		if !slices.Contains(names, key) {
			c.links[fi.FileID] = append(names, key)
		}
	}
}

// dropFile forgets every name cached of the file with several links whose FileID
// is id (0: none).
func (c *infoCache) dropFile(id uint64) {
	if id == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.links[id] {
		if e, ok := c.pos[k]; ok && e.fi.FileID == id {
			delete(c.pos, k)
		}
	}
	delete(c.links, id)
}

func (c *infoCache) putAbsent(key string) {
	if c.negTTL <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	evict(c.neg, c.negMax)
	c.neg[key] = time.Now().Add(c.negTTL)
}

// evict makes room for one entry by dropping arbitrary ones.
func evict[V any](m map[string]V, max int) {
	for k := range m {
		if len(m) < max {
			return
		}
		delete(m, k)
	}
}

// drop forgets key and, for a directory, everything below it. A file with several
// links is forgotten under all its names.
func (c *infoCache) drop(key string, tree bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pos[key]
	delete(c.pos, key)
	delete(c.neg, key)
	if ok && e.fi.LinkCount > 1 && !e.fi.IsDir() && e.fi.FileID != 0 {
		for k, o := range c.pos {
			if o.fi.FileID == e.fi.FileID {
				delete(c.pos, k)
			}
		}
	}
	if tree {
		prefix := key + "/"
		for k := range c.pos {
			if strings.HasPrefix(k, prefix) {
				delete(c.pos, k)
			}
		}
		for k := range c.neg {
			if strings.HasPrefix(k, prefix) {
				delete(c.neg, k)
			}
		}
	}
}

// invalidate drops name (and its subtree when tree is set) and its parent directory
// from the volume's cache. It does nothing when the cache is off.
func (v *Volume) invalidate(name string, tree bool) {
	if v.cache == nil {
		return
	}
	v.cache.drop(name, tree)
	if name != "/" {
		dir, _ := Split(name)
		v.cache.drop(dir, false)
	}
}
