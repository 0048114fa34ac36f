#ifndef WARDEN_CERTFORGE_H
#define WARDEN_CERTFORGE_H

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
 * thread at the same time. One mutex guards the cache; forging and the
 * cache directory's files are handled outside it, so workers only wait
 * on each other for a lookup.
 *
 * The optional cache directory keeps the forge's identity across
 * restarts and reloads: the leaf key, and one file per forged leaf.
 *
 *	leaf.key	the leaf key, PEM PKCS#8, mode 0600, written once
 *	<hex>.crt	a leaf, PEM; <hex> is the cache key (below) in hex
 *
 * Files are written beside their name and renamed over it, never in
 * place; anything in a file is checked before it is used, so a damaged
 * or stale file costs a forge, never a failure.
 */

#define CERTFORGE_KEY_FILE	"leaf.key"
#define CERTFORGE_CERT_SUFFIX	".crt"

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
 * time. The directory is created
 * mode 0700 when missing (its parent must exist); one that is a
 * symbolic link, not ours, or writable by group or others is refused.
 * Its leaf.key is used when it holds an EC P-256 key; when it is
 * missing a new key is written there, and when it is unusable (damaged,
 * not a regular file, open to others) that is logged and a new key
 * replaces it. For start and reload, off the workers: it reads the
 * directory, removes the files beyond cache_max and the temporary files
 * a crash left, and may sync a new key to disk.
 *
 * Returns a new forge (certforge_free() it), or NULL with err set.
 */
struct certforge	*certforge_new(const struct ca *ca, size_t cache_max,
			    const char *cache_dir, struct werr *err)
			    WD_NONNULL(1) WD_WUR;

/*
 * What certforge_new() would say of cache_dir, without creating or
 * changing anything (for wardend -t): 0 when it is missing (it will be
 * created) or a directory certforge_new() accepts, else -1 with err set.
 */
int	certforge_check_dir(const char *cache_dir, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

/*
 * Drops the cache. Entries a caller still holds stay valid until their
 * last forged_unref(). No other thread may be using cf.
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
 * SHA-256 over the CA's fingerprint and the SHA-256 of upstream's DER,
 * holds at most cache_max entries, and drops the least recently used
 * first. An entry whose leaf expired by now is forged anew (and refused
 * as by certforge_leaf()).
 *
 * With a cache directory, a miss first reads the key's file there: its
 * leaf is used when it is signed by the CA, carries the leaf key and
 * upstream's subject, and stays within the bounds a forge would give it
 * (not expired at now, not beyond upstream's or the CA's validity). A
 * leaf forged anew is then written there (not synced: a file lost in a
 * crash is forged again). That is one small read, and a write after a
 * forge, on the calling thread.
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
