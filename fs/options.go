package fs

import (
	"log/slog"
	"time"
)

// Serialization says which events the volume runs one at a time
// (CBFS serialize_events / serialize_access).
type Serialization uint8

// Serialization modes.
const (
	// SerializeNone runs events concurrently; the backend synchronizes itself.
	SerializeNone Serialization = iota
	// SerializePerFile runs the events of one open file one at a time.
	SerializePerFile
	// SerializeAll runs every event one at a time.
	SerializeAll
)

// Options configure a [Volume]. The zero value is a writable, case-sensitive volume
// with the defaults each field documents.
type Options struct {
	// ReadOnly refuses every change with ErrReadOnly. A backend without WriteFileHandler is
	// always read-only.
	ReadOnly bool
	// CaseInsensitive makes lookups ignore case while names keep the case they were
	// created with.
	CaseInsensitive bool
	// MaxNameLength limits one path component, in bytes. Zero means 255.
	MaxNameLength int
	// MaxPathLength limits a whole volume path, in bytes. Zero means no limit (the
	// kernel resolves paths one component at a time).
	MaxPathLength int
	// VolumeLabel is the label reported when the backend has no GetVolumeLabelHandler. Empty
	// means "anyfs".
	VolumeLabel string
	// AttrTimeout, EntryTimeout and NegativeTimeout are how long the kernel (FUSE) or
	// WinFsp may cache attributes, names and absent names. Zero means 1s for
	// attributes and entries and no negative caching; a negative value disables that
	// cache.
	AttrTimeout, EntryTimeout, NegativeTimeout time.Duration
	// Serialize chooses which events run one at a time. Zero is SerializeNone.
	Serialize Serialization
	// FireAllOpenCloseEvents fires OnOpenFile for every open and OnCloseFile for every
	// handle's release. When false (the default) only the first open and the last close
	// of a file fire. Either way the handles of a file share one FileContext; with
	// the option, CloseFileEvent.StillOpen tells the closes before the last one.
	FireAllOpenCloseEvents bool
	// MaxFileSize limits file sizes (EFBIG). Zero means no limit.
	MaxFileSize int64
	// EnumerationPageSize is the Max hint of OnEnumerateDirectory. Zero means 512.
	EnumerationPageSize int
	// MetadataCacheTTL turns on the volume's own cache of file information: how long
	// an entry is kept (CBFS UnusedMetadataLifetime). Zero means no cache. Every change
	// made through the volume, NotifyChange and ESTALE drop what they affect.
	MetadataCacheTTL time.Duration
	// MetadataCacheSize bounds the information cache. Zero means 10,000 entries.
	MetadataCacheSize int
	// NegativeCacheTTL turns on the volume's cache of absent names (CBFS non-existent
	// files cache). Zero means none.
	NegativeCacheTTL time.Duration
	// NegativeCacheSize bounds the absent-name cache. Zero means 10,000 entries.
	NegativeCacheSize int
	// AccessRules are the process access rules in force from the start; more can be
	// added at run time with Volume.AddAccessRule.
	AccessRules []AccessRule
	// Ownership, when set, changes the owners and permissions the volume shows
	// (for backends without owners of their own) or maps the backend's ids.
	Ownership *Ownership
	// Logger receives errors, panics and, with Trace, every event. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Trace logs every event at debug level with its name, result and latency.
	Trace bool
}

func (o *Options) withDefaults() Options {
	r := *o
	if r.MaxNameLength <= 0 {
		r.MaxNameLength = 255
	}
	if r.VolumeLabel == "" {
		r.VolumeLabel = "anyfs"
	}
	if r.EnumerationPageSize <= 0 {
		r.EnumerationPageSize = 512
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r
}

// KernelTimeouts returns the attribute, entry and negative-entry cache timeouts the
// adapters hand to the kernel, with the defaults of Options applied. A
// case-insensitive volume gets no entry and no negative-entry caching: the kernel
// caches each name as typed, so an absent "hello.txt" cached before "HELLO.TXT" is
// created would hide it, and an entry of "hello.txt" would outlive the removal or
// rename of the file through "HELLO.TXT". The kernel then asks the volume at every
// lookup, and the answer refreshes the attributes it caches as well.
func (o *Options) KernelTimeouts() (attrT, entryT, negT time.Duration) {
	pick := func(d, def time.Duration) time.Duration {
		switch {
		case d < 0:
			return 0
		case d == 0:
			return def
		}
		return d
	}
	attrT, entryT, negT = pick(o.AttrTimeout, time.Second), pick(o.EntryTimeout, time.Second), pick(o.NegativeTimeout, 0)
	if o.CaseInsensitive {
		entryT, negT = 0, 0
	}
	return attrT, entryT, negT
}
