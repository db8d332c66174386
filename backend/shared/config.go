package shared

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Defaults of Options.
const (
	// DefaultChunkSize is the size of a chunk, the unit a file's data is stored
	// in: one immutable object of the store per written chunk.
	DefaultChunkSize = 4 << 20
	// DefaultSessionTTL is how long a mount's session (and so its locks) lives
	// after its last heartbeat.
	DefaultSessionTTL = 10 * time.Second
	// DefaultCacheSize bounds the local block cache.
	DefaultCacheSize = 1 << 30
	// DefaultDirtyLimit is how many bytes an open file buffers before it writes
	// them out without waiting for close or fsync.
	DefaultDirtyLimit = 64 << 20
)

// Outage says what an operation does when PostgreSQL or the object store cannot
// be reached.
type Outage uint8

const (
	// OutageEIO fails the operation with EIO (fs.ErrIO) after a short retry.
	OutageEIO Outage = iota
	// OutageWait retries until the server is back or the caller is interrupted.
	OutageWait
)

// Options configure a mount of a shared volume. The zero value takes the defaults.
type Options struct {
	// SessionTTL is how long the session lives after its last heartbeat (the
	// heartbeat runs every third of it); zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// CacheDir is the local block cache; empty means a directory under
	// os.UserCacheDir named after the volume.
	CacheDir string
	// CacheSize bounds the cache in bytes; zero means DefaultCacheSize.
	CacheSize int64
	// DirtyLimit bounds the bytes one open file buffers; zero means
	// DefaultDirtyLimit.
	DirtyLimit int64
	// Outage is what operations do while a server is unreachable.
	Outage Outage
	// OutageRetry is how long OutageEIO retries before it fails; zero means 2 s.
	OutageRetry time.Duration

	// beforeListen, when set (by tests), runs before each connection of the
	// change listener.
	beforeListen func()
}

// Config names a shared volume: where its metadata and data live.
type Config struct {
	// Name is the volume's name: lowercase letters, digits and _, at most 40.
	Name string
	// Meta is the PostgreSQL connection URL (postgres://USER@HOST:PORT/DB?...),
	// without a password: the password comes from PGPASSWORD or a password file
	// (PGPASSFILE, ~/.pgpass), as for psql.
	Meta string
	// Data is the object store: s3://HOST[:PORT]/BUCKET[/PREFIX][?tls=false&region=R].
	// The keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from the
	// credentials file ANYFS_S3_CREDENTIALS (~/.aws/credentials format), never
	// from the URL.
	Data string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// checkName refuses a volume name that is not a plain identifier.
func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("volume name %q: want 1-40 lowercase letters, digits or _, starting with a letter", name)
	}
	return nil
}

// schemaName is the PostgreSQL schema of the volume.
func schemaName(name string) string { return "anyfs_" + name }

// metaConfig checks the PostgreSQL URL and returns it with the volume's
// search_path set.
func metaConfig(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("--meta %q: want postgres://USER@HOST:PORT/DATABASE", redact(raw))
	}
	if _, ok := u.User.Password(); ok {
		return "", fmt.Errorf("--meta: the URL holds a password, which ps would show: put it in PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass)")
	}
	q := u.Query()
	q.Set("search_path", schemaName(name))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dataConfig is a parsed s3:// URL.
type dataConfig struct {
	endpoint, bucket, prefix, region string
	tls                              bool
}

func parseData(raw string) (dataConfig, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return dataConfig{}, fmt.Errorf("--data %q: want s3://HOST[:PORT]/BUCKET[/PREFIX]", redact(raw))
	}
	if u.User != nil {
		return dataConfig{}, fmt.Errorf("--data: the URL holds credentials, which ps would show: put them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the file ANYFS_S3_CREDENTIALS")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return dataConfig{}, fmt.Errorf("--data %q: no bucket (want s3://HOST[:PORT]/BUCKET[/PREFIX])", raw)
	}
	if prefix != "" {
		prefix += "/"
	}
	c := dataConfig{endpoint: u.Host, bucket: bucket, prefix: prefix, region: u.Query().Get("region"), tls: true}
	if v := u.Query().Get("tls"); v != "" {
		if c.tls, err = strconv.ParseBool(v); err != nil {
			return dataConfig{}, fmt.Errorf("--data: tls=%q: want true or false", v)
		}
	}
	return c, nil
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

func (o Options) withDefaults(name string) Options {
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.DirtyLimit <= 0 {
		o.DirtyLimit = DefaultDirtyLimit
	}
	if o.OutageRetry <= 0 {
		o.OutageRetry = 2 * time.Second
	}
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		o.CacheDir = filepath.Join(dir, "anyfs", "shared", name)
	}
	return o
}
