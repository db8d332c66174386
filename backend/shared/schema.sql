-- The metadata of one shared volume: a PostgreSQL schema of its own
-- (anyfs_NAME), made by `anyfs shared format`. Times are nanoseconds since the
-- Unix epoch; sizes and offsets are bytes. docs/shared-volume.md explains each
-- table and the order of commits.

-- props: the volume's constants (format version, chunk size, creation time).
CREATE TABLE props (
	key   text PRIMARY KEY,
	value text NOT NULL
);

-- Inode numbers are handed out in ranges: each session takes a range of
-- inode_range numbers with one nextval and allocates inside it without asking.
CREATE SEQUENCE inode_seq START WITH 1024 INCREMENT BY 1024;

CREATE TABLE inodes (
	ino   bigint PRIMARY KEY,
	mode  integer NOT NULL,          -- st_mode: type and permission bits
	uid   bigint NOT NULL,
	gid   bigint NOT NULL,
	rdev  bigint NOT NULL DEFAULT 0,
	nlink integer NOT NULL,
	size  bigint NOT NULL DEFAULT 0,
	alloc bigint NOT NULL DEFAULT 0, -- bytes the chunks hold (st_blocks): less than size for a sparse file
	attrs integer NOT NULL DEFAULT 0, -- Windows attributes (hidden, system, archive)
	atime bigint NOT NULL,
	mtime bigint NOT NULL,
	ctime bigint NOT NULL,
	btime bigint NOT NULL
);

CREATE TABLE dentries (
	parent bigint NOT NULL REFERENCES inodes (ino),
	name   text NOT NULL,
	ino    bigint NOT NULL REFERENCES inodes (ino),
	PRIMARY KEY (parent, name)
);
CREATE INDEX dentries_ino ON dentries (ino);

CREATE TABLE symlinks (
	ino    bigint PRIMARY KEY REFERENCES inodes (ino) ON DELETE CASCADE,
	target text NOT NULL
);

-- xattrs: extended attributes. kind 0 is the user namespace, by the name
-- after "user."; kind 1 the trusted. and security. ones, by the whole name.
CREATE TABLE xattrs (
	ino   bigint NOT NULL REFERENCES inodes (ino) ON DELETE CASCADE,
	kind  smallint NOT NULL DEFAULT 0,
	name  text NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (ino, kind, name)
);

-- blocks: the immutable objects of the object store that the volume
-- references. An object whose key is not here is garbage (`anyfs shared gc`).
CREATE TABLE blocks (
	key  text PRIMARY KEY,
	ino  bigint NOT NULL,
	size integer NOT NULL
);
CREATE INDEX blocks_ino ON blocks (ino);

-- chunks: a file's data in pieces of the volume's chunk size. Chunk idx of a
-- file covers bytes [idx*chunk, (idx+1)*chunk); its bytes are the first len
-- bytes of one slice, which are off..off+len of a block. A missing chunk, and
-- the bytes of a chunk past len, read as zeros (a hole).
CREATE TABLE chunks (
	ino   bigint NOT NULL REFERENCES inodes (ino) ON DELETE CASCADE,
	idx   bigint NOT NULL,
	-- Deferred: a write-out points the chunks at their new blocks and deletes
	-- the old ones in any order, checked at commit.
	block text NOT NULL REFERENCES blocks (key) DEFERRABLE INITIALLY DEFERRED,
	off   integer NOT NULL DEFAULT 0,
	len   integer NOT NULL,
	PRIMARY KEY (ino, idx)
);
CREATE INDEX chunks_block ON chunks (block);

-- sessions: one row per mount, kept alive by its heartbeat. A session whose
-- heartbeat is older than its ttl is dead: its locks stop counting at once and
-- any live session deletes it (with its locks and orphans).
CREATE TABLE sessions (
	id        bigserial PRIMARY KEY,
	host      text NOT NULL,
	pid       integer NOT NULL,
	started   timestamptz NOT NULL DEFAULT now(),
	heartbeat timestamptz NOT NULL DEFAULT now(),
	ttl       interval NOT NULL
);

-- locks: byte-range (POSIX) and whole-file (flock) locks, [start, stop]
-- inclusive; owner is the lock owner of POSIX locks and the handle of flock.
CREATE TABLE locks (
	ino       bigint NOT NULL,
	session   bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	owner     bigint NOT NULL,
	flock     boolean NOT NULL,
	start     bigint NOT NULL,
	stop      bigint NOT NULL,
	exclusive boolean NOT NULL
);
CREATE INDEX locks_ino ON locks (ino);

-- orphans: inodes unlinked while a session had them open; deleted at its last
-- close, or when the session dies.
CREATE TABLE orphans (
	ino     bigint PRIMARY KEY REFERENCES inodes (ino) ON DELETE CASCADE,
	session bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
);

-- changes: the change log the other mounts follow (NOTIFY carries only that
-- there is something new). kind: a added, r removed, m modified, n renamed.
CREATE TABLE changes (
	seq     bigserial PRIMARY KEY,
	session bigint NOT NULL,
	at      timestamptz NOT NULL DEFAULT now(),
	kind    "char" NOT NULL,
	ino     bigint NOT NULL,
	parent  bigint NOT NULL,
	name    text NOT NULL,
	path    text NOT NULL,
	parent2 bigint NOT NULL DEFAULT 0,
	name2   text NOT NULL DEFAULT '',
	path2   text NOT NULL DEFAULT ''
);
