-- Warden category store, schema version 1 (SQLite 3).
--
-- warden-update builds it (catstore_import_dir() in lib/catstore.c)
-- into a new file that is renamed over the old one; wardend opens it
-- read-only. This file is a copy of the schema embedded in
-- lib/catstore.c, and tests/unit/test_catstore.c fails when the two
-- differ: change both.
--
-- Every lookup is an exact match on a primary key: the suffixes of
-- a host ("a.b.example.com", "b.example.com", "example.com",
-- "com") in domains, and a request key cut at its '/' boundaries
-- ("example.com/", "example.com/a", "example.com/a/b",
-- "example.com/a/b?q") in urls. WITHOUT ROWID makes each table a
-- single B-tree keyed by what is looked up: one descent per probe,
-- the text stored once, no separate index to build or to keep.
-- Before any probe, lookup_filter says which keys cannot be there.

PRAGMA application_id = 1464091475;	-- "WDCS"

-- schema_version ("1"), created (UTC, ISO 8601), source (the
-- directory imported), and the counts categories, domains, urls.
CREATE TABLE meta (
	key		TEXT PRIMARY KEY NOT NULL,
	value		TEXT NOT NULL
) WITHOUT ROWID;

-- One row per category directory; ids follow the names' byte order.
CREATE TABLE categories (
	id		INTEGER PRIMARY KEY,
	name		TEXT UNIQUE NOT NULL
);

-- urlnorm_domain_entry() form: a host name, or an address.
CREATE TABLE domains (
	domain		TEXT NOT NULL,
	category	INTEGER NOT NULL REFERENCES categories (id),
	PRIMARY KEY (domain, category)
) WITHOUT ROWID;

-- urlnorm_entry() form: "host[:port]/path?query", without a
-- trailing '/' except in a bare "host/".
CREATE TABLE urls (
	url		TEXT NOT NULL,
	category	INTEGER NOT NULL REFERENCES categories (id),
	PRIMARY KEY (url, category)
) WITHOUT ROWID;

-- A filter of every key a lookup asks for: each domain, each url,
-- and each url's authority ("host[:port]", the text before its first
-- '/'), so that a host and request in no category (most of them) cost
-- no B-tree descent. It may say "maybe" for a key that is absent
-- (about 1% of them), never "no" for one that is there. Version 1 is
-- a blocked Bloom filter: blocks of 64 bytes, a key sets "hashes"
-- bits in one of them, hashed with seed as lib/catstore.c does
-- (catstore_bloom_*). One row, written in the transaction that writes
-- the entries, so a store and its filter always agree.
--
-- The table is optional, and schema_version stays 1 (readers that
-- predate it ignore it): a store imported before it is read without
-- the shortcut, and gets one when imported again (warden-update
-- import or fetch build a new file every time). A row that is
-- damaged (size, checksum, parameters) is ignored.
CREATE TABLE lookup_filter (
	version		INTEGER NOT NULL,
	hashes		INTEGER NOT NULL,	-- bits set by a key
	blocks		INTEGER NOT NULL,	-- of 64 bytes
	keys		INTEGER NOT NULL,	-- distinct keys set
	seed		INTEGER NOT NULL,	-- random, one per import
	checksum	INTEGER NOT NULL,	-- of bits, with seed
	bits		BLOB NOT NULL
);
