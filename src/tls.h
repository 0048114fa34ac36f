#ifndef WARDEN_TLS_H
#define WARDEN_TLS_H

#include <stdbool.h>
#include <time.h>

#include <openssl/ssl.h>

#include "attrib.h"
#include "config.h"
#include "werr.h"

/*
 * The TLS contexts of inspection: the one a worker uses towards origins
 * (their certificates verified against the system's trust store and
 * tls_upstream_ca_file, TLS 1.2 and 1.3, HTTP/1.1 by ALPN), and the one
 * shown to clients for each forged identity.
 */

struct forged;

/* A new client context (SSL_CTX_free() it), or NULL with err. */
SSL_CTX	*tls_client_ctx_new(const struct config *cfg, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

/*
 * The server context for a forged identity: made on first use and kept
 * on the cache entry (so one per identity, shared by every worker), the
 * forged leaf and the CA certificate as its chain, HTTP/1.1 by ALPN.
 * Borrowed: valid while the caller holds its reference to f. Any thread.
 */
SSL_CTX	*tls_forged_ctx(struct forged *f, X509 *ca_cert, struct werr *err)
	    WD_NONNULL(1, 2) WD_WUR;

/*
 * A stand-in for an origin's certificate that names host only (valid
 * from an hour ago for a day), for certforge_get() when Warden answers
 * an HTTPS connection itself: a blocked site, or an origin whose own
 * certificate was refused. A new reference (X509_free() it), or NULL
 * with err. Any thread.
 */
X509	*tls_name_cert(const char *host, time_t now, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

#endif
