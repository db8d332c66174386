-- The vault's schema, format version 1. Every statement is SQL that PostgreSQL
-- runs as well as SQLite, with two substitutions: BLOB is PostgreSQL's BYTEA, and
-- inodes.ino, INTEGER PRIMARY KEY (in SQLite the 64-bit row id, which saves an
-- index), is BIGINT PRIMARY KEY there. Other integers are BIGINT (64 bits in
-- both). Times are nanoseconds since the Unix epoch, UTC.

-- meta holds one row per setting: format, version, chunk_size, label, volume_id,
-- synced (a counter a durable commit bumps when it has nothing else to write).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- inodes are the files. mode is the POSIX st_mode (type and permission bits),
-- attrs the stored Windows attributes (FILE_ATTRIBUTE_*), alloc the bytes its
-- chunks hold (st_blocks; holes take none), parent the directory holding a
-- directory (0 for the root and for other files), flags reserved. nlink 0 marks
-- a file unlinked while open: it is removed at its last close, or at the next
-- open of the vault after a crash. The root directory is ino 1.
CREATE TABLE inodes (
	ino   INTEGER PRIMARY KEY,
	mode  BIGINT NOT NULL,
	uid   BIGINT NOT NULL,
	gid   BIGINT NOT NULL,
	nlink BIGINT NOT NULL,
	size  BIGINT NOT NULL,
	rdev  BIGINT NOT NULL DEFAULT 0,
	atime BIGINT NOT NULL,
	mtime BIGINT NOT NULL,
	ctime BIGINT NOT NULL,
	btime BIGINT NOT NULL,
	attrs BIGINT NOT NULL DEFAULT 0,
	alloc  BIGINT NOT NULL DEFAULT 0,
	parent BIGINT NOT NULL DEFAULT 0,
	flags  BIGINT NOT NULL DEFAULT 0
);

-- dentries are the names: (parent, name) is unique; folded is the name in lower
-- case, for case-insensitive lookups. A directory has exactly one entry (the root
-- none); a regular file one per hard link.
CREATE TABLE dentries (
	parent BIGINT NOT NULL,
	name   TEXT NOT NULL,
	folded TEXT NOT NULL,
	ino    BIGINT NOT NULL,
	PRIMARY KEY (parent, name)
);
CREATE INDEX dentries_folded ON dentries (parent, folded);

-- chunks hold file data: chunk idx covers bytes [idx*chunk_size, (idx+1)*chunk_size).
-- A missing chunk, and the bytes past a short chunk's end, read as zeros (holes).
-- No chunk holds bytes past the file's size.
CREATE TABLE chunks (
	ino  BIGINT NOT NULL,
	idx  BIGINT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (ino, idx)
);

-- symlinks hold the targets of symbolic links, as given.
CREATE TABLE symlinks (
	ino    BIGINT PRIMARY KEY,
	target TEXT NOT NULL
);

-- xattrs hold named streams (kind 0, by stream name: user.NAME on FUSE) and the
-- extended attributes of the other namespaces (kind 1, by whole name: trusted.x).
CREATE TABLE xattrs (
	ino   BIGINT NOT NULL,
	kind  BIGINT NOT NULL,
	name  TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (ino, kind, name)
);
