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
