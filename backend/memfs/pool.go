package memfs

import "sync"

// Pages come from a pool. The first pages of a volume are ordinary Go allocations,
// so that small volumes (and the many short-lived ones of tests) cost nothing
// beyond their pages and need no cleanup. Once a volume holds heapPages pages, the
// pool carves new pages out of chunks: chunkPages pages mapped at once, on Linux
// backed by transparent huge pages and faulted in with one call, where a fault per
// 4 KiB page would dominate the cost of writing (see docs/performance.md). A freed
// chunk page is zeroed and reused before new memory is taken; a chunk whose pages
// are all free goes back to the operating system, except for one kept as a spare.

const (
	chunkShift = 21 // chunks are 2 MiB, aligned to 2 MiB
	chunkSize  = 1 << chunkShift
	chunkPages = chunkSize / PageSize
	heapPages  = 1024 // pages of a volume allocated on the Go heap (4 MiB)
)

// chunk is chunkPages pages of mapped memory.
type chunk struct {
	pages   *[chunkPages]page
	free    []uint16 // indexes of free pages, all zero
	partial int      // index in pool.partial, or -1
}

// pool allocates and frees a volume's pages. Its methods are safe for concurrent
// use.
type pool struct {
	mu      sync.Mutex
	heap    int                // pages handed out from the Go heap, still live
	chunks  map[uintptr]*chunk // by base address >> chunkShift
	partial []*chunk           // chunks with free pages
	spare   *chunk             // a chunk with every page free, kept for reuse
	noChunk bool               // mapping failed once: use the heap from now on
}

// alloc returns a zeroed page.
func (p *pool) alloc() *page {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.heap < heapPages || p.noChunk || !chunksSupported {
		p.heap++
		return new(page)
	}
	var c *chunk
	switch {
	case len(p.partial) > 0:
		c = p.partial[len(p.partial)-1]
	case p.spare != nil:
		c, p.spare = p.spare, nil
		p.addPartial(c)
	default:
		mem, base, err := mapChunk()
		if err != nil {
			p.noChunk = true
			p.heap++
			return new(page)
		}
		c = &chunk{pages: mem, free: make([]uint16, chunkPages), partial: -1}
		for i := range c.free {
			c.free[i] = uint16(chunkPages - 1 - i) // hand out in address order
		}
		if p.chunks == nil {
			p.chunks = make(map[uintptr]*chunk)
		}
		p.chunks[base>>chunkShift] = c
		p.addPartial(c)
	}
	i := c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	if len(c.free) == 0 {
		p.removePartial(c)
	}
	return &c.pages[i]
}

// release takes back the pages pgs (nil entries are skipped).
func (p *pool) release(pgs ...*page) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pg := range pgs {
		if pg != nil {
			p.releaseLocked(pg)
		}
	}
}

func (p *pool) releaseLocked(pg *page) {
	base := pageAddr(pg) &^ (chunkSize - 1)
	c := p.chunks[base>>chunkShift]
	if c == nil {
		p.heap-- // a Go heap page: the garbage collector takes it
		return
	}
	clear(pg[:])
	i := uint16((pageAddr(pg) - base) / PageSize)
	if len(c.free) == 0 {
		p.addPartial(c)
	}
	c.free = append(c.free, i)
	if len(c.free) < chunkPages {
		return
	}
	// Every page of c is free.
	p.removePartial(c)
	if p.spare == nil {
		p.spare = c
		return
	}
	delete(p.chunks, base>>chunkShift)
	unmapChunk(c.pages)
}

func (p *pool) addPartial(c *chunk) {
	c.partial = len(p.partial)
	p.partial = append(p.partial, c)
}

func (p *pool) removePartial(c *chunk) {
	if c.partial < 0 {
		return
	}
	last := p.partial[len(p.partial)-1]
	p.partial[c.partial] = last
	last.partial = c.partial
	p.partial = p.partial[:len(p.partial)-1]
	c.partial = -1
}

// close unmaps every chunk. No page of the pool may be used afterwards.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.chunks {
		unmapChunk(c.pages)
	}
	p.chunks, p.partial, p.spare = nil, nil, nil
}

// mapped returns the bytes of chunk memory the pool holds.
func (p *pool) mapped() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int64(len(p.chunks)) * chunkSize
}
