package shared

import (
	"bytes"
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// store holds the volume's blocks in an S3 bucket, under PREFIX/NAME/b/.
type store struct {
	cl     *minio.Client
	bucket string
	prefix string // PREFIX/NAME/b/
}

func newStore(raw, name string) (*store, error) {
	c, err := parseData(raw)
	if err != nil {
		return nil, err
	}
	providers := []credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}}
	if f := os.Getenv("ANYFS_S3_CREDENTIALS"); f != "" {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("ANYFS_S3_CREDENTIALS: %w", err)
		}
		providers = append(providers, &credentials.FileAWSCredentials{Filename: f})
	} else {
		providers = append(providers, &credentials.FileAWSCredentials{})
	}
	cl, err := minio.New(c.endpoint, &minio.Options{
		Creds:        credentials.NewChainCredentials(providers),
		Secure:       c.tls,
		Region:       c.region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", c.endpoint, err)
	}
	return &store{cl: cl, bucket: c.bucket, prefix: c.prefix + name + "/b/"}, nil
}

// newKey names a new block of file ino: never used before, so blocks are
// written once and never changed.
func (s *store) newKey(ino int64) string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s%x/%s", s.prefix, ino, hex.EncodeToString(b[:]))
}

func (s *store) put(ctx context.Context, key string, data []byte) error {
	_, err := s.cl.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true})
	if err != nil {
		return fmt.Errorf("put block %s: %w", key, err)
	}
	return nil
}

func (s *store) get(ctx context.Context, key string, w io.Writer) error {
	obj, err := s.cl.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("get block %s: %w", key, err)
	}
	defer obj.Close()
	if _, err := io.Copy(w, obj); err != nil {
		return fmt.Errorf("get block %s: %w", key, err)
	}
	return nil
}

func (s *store) remove(ctx context.Context, key string) error {
	if err := s.cl.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove block %s: %w", key, err)
	}
	return nil
}

// object is one listed block.
type object struct {
	key     string
	size    int64
	modTime time.Time
}

// list calls fn for every block of the volume.
func (s *store) list(ctx context.Context, fn func(object) error) error {
	for o := range s.cl.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("list blocks: %w", o.Err)
		}
		if err := fn(object{key: o.Key, size: o.Size, modTime: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// checkBucket fails when the bucket does not exist or cannot be reached.
func (s *store) checkBucket(ctx context.Context) error {
	ok, err := s.cl.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("object store: bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("object store: bucket %s does not exist", s.bucket)
	}
	return nil
}

// cache keeps blocks on local disk, at most max bytes, dropping the least
// recently used. Blocks never change, so a cached block is never stale.
type cache struct {
	dir string
	max int64

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recent first
	entries map[string]*list.Element
	used    int64
	opened  int // entries with an open fd
	loading map[string]*load
}

type cacheEntry struct {
	key     string
	size    int64
	fd      *os.File // open while in use and for a while after (maxOpen)
	refs    int      // readers holding fd
	dropped bool     // evicted while in use: close fd at the last release
}

// maxOpen bounds the cached blocks kept open between reads.
const maxOpen = 64

// cachedFile is an open cached block; Close releases it.
type cachedFile struct {
	c *cache
	e *cacheEntry
}

// ReadAt reads the block.
func (cf *cachedFile) ReadAt(p []byte, off int64) (int, error) { return cf.e.fd.ReadAt(p, off) }

// Close releases the block (its descriptor stays open for the next read).
func (cf *cachedFile) Close() error {
	cf.c.mu.Lock()
	defer cf.c.mu.Unlock()
	e := cf.e
	e.refs--
	if e.refs == 0 && e.dropped && e.fd != nil {
		e.fd.Close()
		e.fd = nil
	}
	return nil
}

type load struct {
	done chan struct{}
	err  error
}

func newCache(dir string, max int64) (*cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("block cache: %w", err)
	}
	c := &cache{dir: dir, max: max, lru: list.New(), entries: map[string]*list.Element{}, loading: map[string]*load{}}
	// Blocks cached by an earlier mount: keep them, oldest last.
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("block cache: %w", err)
	}
	type old struct {
		name string
		size int64
		t    time.Time
	}
	var olds []old
	for _, de := range des {
		fi, err := de.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if strings.HasPrefix(de.Name(), ".tmp") {
			os.Remove(filepath.Join(dir, de.Name()))
			continue
		}
		olds = append(olds, old{de.Name(), fi.Size(), fi.ModTime()})
	}
	slices.SortFunc(olds, func(a, b old) int { return b.t.Compare(a.t) }) // newest first
	for _, o := range olds {
		c.entries[o.name] = c.lru.PushBack(&cacheEntry{key: o.name, size: o.size})
		c.used += o.size
	}
	c.mu.Lock()
	c.evict()
	c.mu.Unlock()
	return c, nil
}

// file is the cache file of key.
func (c *cache) file(key string) string {
	return filepath.Join(c.dir, strings.ReplaceAll(key, "/", "_"))
}

// open returns the cached block key, fetching it with fetch first when it is
// not cached. Concurrent opens of one key fetch it once.
func (c *cache) open(ctx context.Context, key string, fetch func(io.Writer) error) (*cachedFile, error) {
	name := strings.ReplaceAll(key, "/", "_")
	for {
		c.mu.Lock()
		if el, ok := c.entries[name]; ok {
			c.lru.MoveToFront(el)
			e := el.Value.(*cacheEntry)
			if e.fd == nil {
				fd, err := os.Open(c.file(key))
				if err != nil { // gone behind the cache's back: fetch it again
					c.drop(name)
					c.mu.Unlock()
					continue
				}
				e.fd = fd
				c.opened++
				c.closeIdle()
			}
			e.refs++
			c.mu.Unlock()
			return &cachedFile{c: c, e: e}, nil
		}
		if l, ok := c.loading[name]; ok {
			c.mu.Unlock()
			select {
			case <-l.done:
			case <-interrupted(ctx):
				return nil, fmt.Errorf("read block %s: %w", key, fs.ErrInterrupted)
			}
			if l.err != nil {
				return nil, l.err
			}
			continue
		}
		l := &load{done: make(chan struct{})}
		c.loading[name] = l
		c.mu.Unlock()
		size, err := c.fetch(name, fetch)
		c.mu.Lock()
		delete(c.loading, name)
		if err == nil {
			c.add(name, size)
		}
		l.err = err
		close(l.done)
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

func (c *cache) fetch(name string, fetch func(io.Writer) error) (int64, error) {
	tmp, err := os.CreateTemp(c.dir, ".tmp")
	if err != nil {
		return 0, fmt.Errorf("block cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := fetch(tmp); err != nil {
		tmp.Close()
		return 0, err
	}
	fi, err := tmp.Stat()
	if err == nil {
		err = tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(c.dir, name))
	}
	if err != nil {
		return 0, fmt.Errorf("block cache: %w", err)
	}
	return fi.Size(), nil
}

// put stores data as the block key (a block this mount just wrote).
func (c *cache) put(key string, data []byte) {
	name := strings.ReplaceAll(key, "/", "_")
	if _, err := c.fetch(name, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return // the cache is an optimisation: the block is in the store
	}
	c.mu.Lock()
	c.add(name, int64(len(data)))
	c.mu.Unlock()
}

// add records a cached block; the caller holds c.mu.
func (c *cache) add(name string, size int64) {
	if e, ok := c.entries[name]; ok {
		c.lru.MoveToFront(e)
		return
	}
	c.entries[name] = c.lru.PushFront(&cacheEntry{key: name, size: size})
	c.used += size
	c.evict()
}

// evict drops the least recently used blocks until the cache fits; the caller
// holds c.mu.
func (c *cache) evict() {
	for c.used > c.max && c.lru.Len() > 0 {
		c.drop(c.lru.Back().Value.(*cacheEntry).key)
	}
}

func (c *cache) drop(name string) {
	e, ok := c.entries[name]
	if !ok {
		return
	}
	ce := e.Value.(*cacheEntry)
	c.lru.Remove(e)
	delete(c.entries, name)
	c.used -= ce.size
	os.Remove(filepath.Join(c.dir, name))
	if ce.fd != nil {
		c.opened--
		if ce.refs == 0 {
			ce.fd.Close()
			ce.fd = nil
		} else {
			ce.dropped = true
		}
	}
}

// closeIdle closes the descriptors of the least recently used blocks no one
// reads until at most maxOpen are open; the caller holds c.mu.
func (c *cache) closeIdle() {
	for el := c.lru.Back(); el != nil && c.opened > maxOpen; el = el.Prev() {
		if e := el.Value.(*cacheEntry); e.fd != nil && e.refs == 0 {
			e.fd.Close()
			e.fd = nil
			c.opened--
		}
	}
}

var errClosed = errors.New("shared volume closed")
