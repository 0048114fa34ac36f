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
 * A worker's memory of TLS sessions with origins, by pool key
 * ("tls:host:port"), so that a new connection to an origin resumes its
 * session (RFC 8446 section 2.2) instead of a full handshake: bounded,
 * the newest session of a key replacing the older. Worker thread only.
 */
struct tls_sessions;

struct tls_sessions *tls_sessions_new(void) WD_WUR;
void	tls_sessions_free(struct tls_sessions *ts);
/* Makes ctx hand its new client sessions to ts. */
void	tls_sessions_attach(SSL_CTX *ctx, struct tls_sessions *ts)
	    WD_NONNULL(1, 2);
/*
 * Before the handshake: offers ssl the session remembered under key,
 * and has a new one remembered under it. key must live as long as ssl.
 */
void	tls_sessions_use(struct tls_sessions *ts, SSL *ssl, const char *key)
	    WD_NONNULL(1, 2, 3);

/*
 * Hosts whose clients refused the inspection certificate (pinning), to
 * be spliced until a time (tls_pin_splice): one table for the process,
 * bounded (a host takes its slot's place), kept across reloads. Any
 * thread.
 */
void	tls_pins_add(const char *host, time_t until) WD_NONNULL(1);
bool	tls_pins_has(const char *host, time_t now) WD_NONNULL(1);

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
