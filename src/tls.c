#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ca.h"
#include "certforge.h"
#include "tls.h"

/* ALPN: length-prefixed protocol names (RFC 7301 section 3.1). */
static const unsigned char tls_alpn_http11[] = "\x08http/1.1";

static int
tls_werr(struct werr *err, const char *what)
{
	return werr_set(err, "%s: %s", what, ca_openssl_error());
}

SSL_CTX *
tls_client_ctx_new(const struct config *cfg, struct werr *err)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tls_werr(err, "TLS client context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Idle connections give their buffers back (about 16 KiB each). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/*
	 * The handshake is allowed to finish whatever the certificate: the
	 * verification result is read afterwards, so that the refusal can
	 * say exactly what is wrong.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_werr(err, "the system's trust store");
		goto fail;
	}
	if (cfg->tls_upstream_ca_file[0] != '\0' &&
	    SSL_CTX_load_verify_locations(ctx, cfg->tls_upstream_ca_file,
	    NULL) != 1) {
		tls_werr(err, cfg->tls_upstream_ca_file);
		goto fail;
	}
	if (SSL_CTX_set_alpn_protos(ctx, tls_alpn_http11,
	    sizeof(tls_alpn_http11) - 1) != 0) {
		tls_werr(err, "ALPN");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The client offers protocols; Warden speaks HTTP/1.1 only. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, tls_alpn_http11,
	    sizeof(tls_alpn_http11) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static void
tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

SSL_CTX *
tls_forged_ctx(struct forged *f, X509 *ca_cert, struct werr *err)
{
	SSL_CTX *ctx;

	if ((ctx = forged_get_ctx(f)) != NULL)
		return ctx;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_werr(err, "TLS server context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Tickets only: no server-side cache per forged identity. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate(ctx, forged_cert(f)) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, forged_key(f)) != 1 ||
	    SSL_CTX_add1_chain_cert(ctx, ca_cert) != 1) {
		tls_werr(err, "the forged certificate");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
	if (forged_set_ctx(f, ctx, tls_ctx_free) == -1) {
		/* Another worker made one first: use it. */
		SSL_CTX_free(ctx);
		ctx = forged_get_ctx(f);
	}
	return ctx;
}

/* The key stand-in certificates carry: never used to sign anything. */
static EVP_PKEY		*tls_name_key;
static pthread_once_t	 tls_name_once = PTHREAD_ONCE_INIT;

static void
tls_name_key_init(void)
{
	tls_name_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/*
 * Stand-ins are kept by host for half their day: the same one again
 * means the forge's cache answers (no signature, no entry pushed out)
 * for every blocked or refused connection to a host.
 */
#define TLS_STANDINS		256	/* a power of two */
#define TLS_STANDIN_KEEP	(12 * 3600)

struct tls_standin {
	char	 host[256];
	time_t	 made;
	X509	*x;
};

static struct tls_standin	tls_standins[TLS_STANDINS];
static pthread_mutex_t		tls_standins_lock = PTHREAD_MUTEX_INITIALIZER;

static X509	*tls_name_cert_make(const char *, time_t, struct werr *);

X509 *
tls_name_cert(const char *host, time_t now, struct werr *err)
{
	struct tls_standin *e;
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *p;
	X509 *x = NULL;

	for (p = host; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	e = &tls_standins[h & (TLS_STANDINS - 1)];
	pthread_mutex_lock(&tls_standins_lock);
	if (e->x != NULL && strcmp(e->host, host) == 0 &&
	    now - e->made < TLS_STANDIN_KEEP && now >= e->made &&
	    X509_up_ref(e->x) == 1)
		x = e->x;
	pthread_mutex_unlock(&tls_standins_lock);
	if (x != NULL)
		return x;
	if ((x = tls_name_cert_make(host, now, err)) == NULL ||
	    strlen(host) >= sizeof(e->host))
		return x;
	pthread_mutex_lock(&tls_standins_lock);
	if (X509_up_ref(x) == 1) {
		X509_free(e->x);
		snprintf(e->host, sizeof(e->host), "%s", host);
		e->made = now;
		e->x = x;
	}
	pthread_mutex_unlock(&tls_standins_lock);
	return x;
}

static X509 *
tls_name_cert_make(const char *host, time_t now, struct werr *err)
{
	unsigned char a[sizeof(struct in6_addr)], serial[16];
	char san[300];
	X509_EXTENSION *ext = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	X509 *x = NULL;
	bool ip;

	pthread_once(&tls_name_once, tls_name_key_init);
	if (tls_name_key == NULL) {
		tls_werr(err, "stand-in key");
		return NULL;
	}
	ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", host);
	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    RAND_bytes(serial, sizeof(serial)) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, &now) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    /* The SAN carries the name; a CN holds 64 bytes at most. */
	    (strlen(host) <= 64 && X509_NAME_add_entry_by_txt(name, "CN",
	    MBSTRING_UTF8, (const unsigned char *)host, -1, -1, 0) != 1) ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, tls_name_key) != 1 ||
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    san)) == NULL || X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, tls_name_key, EVP_sha256()) == 0) {
		tls_werr(err, "stand-in certificate");
		X509_free(x);
		x = NULL;
	}
	X509_EXTENSION_free(ext);
	BN_free(bn);
	return x;
}

#define TLS_SESSIONS	1024	/* a power of two */

struct tls_session_slot {
	char		 key[288];
	SSL_SESSION	*sess;
};

struct tls_sessions {
	struct tls_session_slot	slot[TLS_SESSIONS];
};

static struct tls_session_slot *
tls_sessions_slot(struct tls_sessions *ts, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3ULL;
	return &ts->slot[h & (TLS_SESSIONS - 1)];
}

struct tls_sessions *
tls_sessions_new(void)
{
	return calloc(1, sizeof(struct tls_sessions));
}

void
tls_sessions_free(struct tls_sessions *ts)
{
	size_t i;

	if (ts == NULL)
		return;
	for (i = 0; i < TLS_SESSIONS; i++)
		SSL_SESSION_free(ts->slot[i].sess);
	free(ts);
}

/* OpenSSL's new-session callback: 1 keeps the reference it hands us. */
static int
tls_sessions_new_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_sessions *ts = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const char *key = SSL_get_app_data(ssl);
	struct tls_session_slot *s;

	/* Only sessions of verified origins (a tagged ssl) are kept. */
	if (ts == NULL || key == NULL || strlen(key) >= sizeof(s->key) ||
	    SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	s = tls_sessions_slot(ts, key);
	SSL_SESSION_free(s->sess);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->sess = sess;
	return 1;
}

void
tls_sessions_attach(SSL_CTX *ctx, struct tls_sessions *ts)
{
	SSL_CTX_set_app_data(ctx, ts);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, tls_sessions_new_cb);
}

void
tls_sessions_use(struct tls_sessions *ts, SSL *ssl, const char *key)
{
	struct tls_session_slot *s = tls_sessions_slot(ts, key);

	SSL_set_app_data(ssl, (void *)(uintptr_t)key);
	if (s->sess != NULL && strcmp(s->key, key) == 0 &&
	    SSL_SESSION_is_resumable(s->sess))
		(void)SSL_set_session(ssl, s->sess);
}

#define TLS_PINS	256	/* a power of two */

struct tls_pin {
	char	host[256];
	time_t	until;
};

static struct tls_pin	tls_pins[TLS_PINS];
static pthread_mutex_t	tls_pins_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
tls_pins_slot(const char *host)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *host != '\0'; host++)
		h = (h ^ (unsigned char)*host) * 0x100000001b3ULL;
	return h & (TLS_PINS - 1);
}

void
tls_pins_add(const char *host, time_t until)
{
	struct tls_pin *e = &tls_pins[tls_pins_slot(host)];

	pthread_mutex_lock(&tls_pins_lock);
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->until = until;
	pthread_mutex_unlock(&tls_pins_lock);
}

bool
tls_pins_has(const char *host, time_t now)
{
	const struct tls_pin *e = &tls_pins[tls_pins_slot(host)];
	bool r;

	pthread_mutex_lock(&tls_pins_lock);
	r = e->until > now && strcmp(e->host, host) == 0;
	pthread_mutex_unlock(&tls_pins_lock);
	return r;
}
