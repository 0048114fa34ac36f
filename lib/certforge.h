#ifndef WARDEN_CERTFORGE_H
#define WARDEN_CERTFORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attrib.h"
#include "werr.h"

/*
 * Forged leaf certificates for TLS inspection. The bump path verifies the
 * origin's certificate first, then shows the client a leaf that mirrors
 * it (subject, DNS and IP names, validity clipped to the origin's and the
 * CA's), issued by the local CA. Every leaf carries the same ECDSA P-256
 * key, made once per forge (or kept in the cache directory), so a miss
 * costs one signature.
 *
 * One struct certforge serves the whole process: every function below
 * except certforge_new() and certforge_free() may be called from any
 * thread at the same time. One mutex guards the cache; forging is done
 * outside it, so workers only wait on each other for a lookup.
 *
 * The optional cache directory keeps the forge's identity across
 * restarts and reloads: the leaf key, and one file per forged leaf.
 *
 *	leaf.key	the leaf key, PEM PKCS#8, mode 0600, written once
 *	<hex>.crt	a leaf, PEM; <hex> is the cache key (below) in hex
 *
 * Workers do not wait on that directory's writes. certforge_new() reads
 * it once (off the workers) and remembers which leaf files are there; a
 * worker only ever opens a file that list names (one small read of a
 * file that was there, on a miss in memory: an id it does not list is
 * forged without touching the disk). Writing and removing files is left
 * to one writer thread per forge, fed through a queue of at most
 * CERTFORGE_QUEUE_MAX leaves: when it is full a leaf is not written
 * (counted: certforge_stores_dropped()), and only forged again after
 * a restart. The writer is started by the first leaf queued, not by
 * certforge_new(), since wardend forks (daemon()) after making its
 * first forge and a thread does not survive a fork.
 *
 * Files are written beside their name and renamed over it, never in
 * place; anything in a file is checked before it is used, so a damaged
 * or stale file costs a forge, never a failure.
 */

#define CERTFORGE_KEY_FILE	"leaf.key"
#define CERTFORGE_CERT_SUFFIX	".crt"

/*
 * The version of what certforge_leaf() puts in a leaf, mixed into every
 * cache key, so into the file names. Bump it whenever that changes (an
 * extension, a validity or naming rule, the signature): the files an
 * older wardend wrote then name no key of this one, are never read, and
 * go as the oldest when the directory is full. (A file read is also
 * compared with what a forge would give now, subjectAltName and other
 * extensions included, which catches most such changes even without a
 * bump; the version catches them all, and without a read.)
 */
#define CERTFORGE_FORMAT	2

/* Leaves waiting for the cache directory's writer, at most. */
#define CERTFORGE_QUEUE_MAX	256

struct ca;
struct certforge;
struct forged;

/*
 * A forge issuing from ca, caching at most cache_max leaves (0: none,
 * every certforge_get() forges). It takes its own references to the
 * CA's certificate and key: ca may be freed afterwards.
 *
 * cache_dir (NULL: none) also keeps them on disk, at most cache_max
 * files (0: only the key), the oldest written removed first, a few at a
 * time. The directory is created mode 0700 when missing (its parent
 * must exist); one that is a symbolic link, not ours, or writable by
 * group or others is refused. Its leaf.key is used when it holds an EC
 * P-256 key; when it is missing a new key is written there, and when it
 * is unusable (does not parse as one, not a regular file, not ours, open
 * to others) that is logged and a new key replaces it. When it cannot be
 * read (an I/O error, out of memory) certforge_new() fails and leaves
 * it alone: a reload keeps the running configuration.
 *
 * For start and reload, off the workers: it reads the directory, removes
 * the files beyond cache_max and the temporary files a crash left, and
 * may sync a new key to disk. The count of files is exact from there on
 * for this forge's own writes; a forge still running beside it (the
 * previous configuration, until its last transaction ends) may write
 * files this one does not count, and the next reload's scan brings the
 * directory back within cache_max.
 *
 * Returns a new forge (certforge_free() it), or NULL with err set.
 */
struct certforge	*certforge_new(const struct ca *ca, size_t cache_max,
			    const char *cache_dir, struct werr *err)
			    WD_NONNULL(1) WD_WUR;

/*
 * What certforge_new() would say of cache_dir, without creating or
 * changing anything (for wardend -t): 0 when it is a directory
 * certforge_new() accepts, or when it is missing and its parent is a
 * directory we may create it in; else -1 with err set.
 */
int	certforge_check_dir(const char *cache_dir, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

/*
 * Drops the cache. Entries a caller still holds stay valid until their
 * last forged_unref(). No other thread may be using cf. It may run on a
 * worker (the last transaction of a configuration), so it does not
 * drain the writer's queue: it waits for the file being written, if
 * any, and drops the leaves still queued, counted and logged (they are
 * forged again when needed).
 */
void	certforge_free(struct certforge *cf);

/*
 * Forges a leaf for upstream (not modified, not kept), uncached: subject
 * copied; subjectAltName with upstream's DNS and IP names in order (its
 * CN, as DNS or IP, when it has none); notBefore the later of upstream's
 * and the CA's, notAfter the earlier; a fresh 159-bit serial that no
 * other leaf of this forge shares; keyUsage digitalSignature,
 * extendedKeyUsage serverAuth, CA:FALSE, key identifiers; SHA-256
 * signature by the CA. Fails when the leaf would be expired at now (the
 * CA or upstream expired). Returns a new reference (X509_free() it), or
 * NULL with err set.
 */
X509	*certforge_leaf(struct certforge *cf, const X509 *upstream,
	    time_t now, struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/*
 * The cached leaf for upstream, forged on a miss: the cache is keyed by
 * SHA-256 over CERTFORGE_FORMAT (4 octets, big-endian), the CA's
 * fingerprint and the SHA-256 of upstream's DER, holds at most
 * cache_max entries, and drops the least recently used
 * first. An entry whose leaf expired by now is forged anew (and refused
 * as by certforge_leaf()).
 *
 * With a cache directory, a miss first reads the key's file there, when
 * the forge knows it is there: its leaf is used when it is what a forge
 * would give now (signed by the CA, for the leaf key and upstream's
 * subject, the same subjectAltName and extensions, within the bounds of
 * validity a forge would give it, not expired at now). A leaf forged
 * anew is queued for the writer (not synced: a file lost in a crash is
 * forged again). That is at most one small read on the calling thread;
 * writes never are.
 *
 * Returns a new reference to the entry (forged_unref() it), or NULL
 * with err set.
 */
struct forged	*certforge_get(struct certforge *cf, const X509 *upstream,
		    time_t now, struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/* Entries in the cache now. */
size_t	certforge_cached(const struct certforge *cf) WD_NONNULL(1);

/* Leaf files in the cache directory, as far as this forge knows. */
size_t	certforge_files(const struct certforge *cf) WD_NONNULL(1);

/* Leaf files certforge_get() opened to read (a miss that found one). */
size_t	certforge_file_reads(const struct certforge *cf) WD_NONNULL(1);

/*
 * Leaves not written to the cache directory: the queue was full, or the
 * forge was freed before the writer came to them.
 */
size_t	certforge_stores_dropped(const struct certforge *cf) WD_NONNULL(1);

/*
 * Waits until the writer has written (or failed to write) every leaf
 * queued so far; at once when there is no writer, or it is held. It
 * waits on the disk: for tests and tools, never on a worker.
 */
void	certforge_flush(struct certforge *cf) WD_NONNULL(1);

/*
 * For tests: hold stops the writer before its next leaf (the queue then
 * fills, as when the disk is slow), and !hold lets it go on.
 */
void	certforge_hold_writer(struct certforge *cf, bool hold) WD_NONNULL(1);

/*
 * The entry's leaf and its private key (the forge's shared leaf key):
 * borrowed, valid while the caller holds its reference.
 */
X509		*forged_cert(const struct forged *f) WD_NONNULL(1);
EVP_PKEY	*forged_key(const struct forged *f) WD_NONNULL(1);

/*
 * Drops a reference. An entry evicted from the cache lives on until its
 * last reference goes; then its ctx is freed with free_ctx, on the thread
 * that dropped it. NULL is a no-op.
 */
void	forged_unref(struct forged *f);

/*
 * One object the TLS layer hangs on an entry (an SSL_CTX for this
 * identity), freed with the entry. forged_set_ctx() sets it once: 0, or
 * -1 when the entry already has one (another thread won: free yours and
 * use forged_get_ctx()). free_ctx may be NULL. forged_get_ctx() returns
 * the ctx, borrowed like the certificate, or NULL when none is set.
 */
void	*forged_get_ctx(const struct forged *f) WD_NONNULL(1);
int	 forged_set_ctx(struct forged *f, void *ctx,
	    void (*free_ctx)(void *)) WD_NONNULL(1, 2) WD_WUR;

#endif
