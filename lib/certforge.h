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
 * key, made once per forge, so a miss costs one signature.
 *
 * One struct certforge serves the whole process: every function below
 * except certforge_new() and certforge_free() may be called from any
 * thread at the same time. One mutex guards the cache; forging happens
 * outside it, so workers only wait on each other for a lookup.
 */

struct ca;
struct certforge;
struct forged;

/*
 * A forge issuing from ca, caching at most cache_max leaves (0: none,
 * every certforge_get() forges). It takes its own references to the
 * CA's certificate and key: ca may be freed afterwards. Returns a new
 * forge (certforge_free() it), or NULL with err set.
 */
struct certforge	*certforge_new(const struct ca *ca, size_t cache_max,
			    struct werr *err) WD_NONNULL(1) WD_WUR;

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
 * the SHA-256 of upstream's DER and the CA's fingerprint, holds at most
 * cache_max entries, and drops the least recently used first. An entry
 * whose leaf expired by now is forged anew (and refused as by
 * certforge_leaf()). Returns a new reference to the entry
 * (forged_unref() it), or NULL with err set.
 */
struct forged	*certforge_get(struct certforge *cf, const X509 *upstream,
		    time_t now, struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/* Entries in the cache now. */
size_t	certforge_cached(const struct certforge *cf) WD_NONNULL(1);

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
