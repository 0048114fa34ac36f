#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "certforge.h"

#define CERTFORGE_ID_LEN	32	/* SHA-256 */
/* 20 octets, top bit clear: positive, at most 159 bits (RFC 5280 4.1.2.2) */
#define CERTFORGE_SERIAL_LEN	20
#define CERTFORGE_SEQ_LEN	8
#define CERTFORGE_MIN_BUCKETS	16
#define CERTFORGE_CN_MAX	253	/* a DNS name, RFC 1035 */

enum certforge_ext {
	CERTFORGE_EXT_BC,
	CERTFORGE_EXT_KU,
	CERTFORGE_EXT_EKU,
	CERTFORGE_EXT_SKI,
	CERTFORGE_EXT_AKI,
	CERTFORGE_EXT_N,
};

struct forged {
	unsigned char	 id[CERTFORGE_ID_LEN];	/* the cache key */
	X509		*cert;		/* owned */
	EVP_PKEY	*key;		/* a reference: the forge's leaf key */
	time_t		 not_after;
	atomic_uint	 refs;
	_Atomic(void *)	 ctx;		/* owned, through free_ctx */
	void		(*free_ctx)(void *);

	/* Under certforge.lock, while cached. */
	struct forged	*hnext;		/* hash chain */
	struct forged	*newer, *older;	/* LRU list */
};

struct certforge {
	X509		*ca_cert;	/* a reference */
	EVP_PKEY	*ca_key;	/* a reference */
	X509_NAME	*issuer;	/* owned: the CA's subject, encoded */
	unsigned char	 ca_fp[CERTFORGE_ID_LEN];
	EVP_PKEY	*leaf_key;	/* owned: every leaf's key */
	/* Owned: the same in every leaf, copied into each. */
	X509_EXTENSION	*ext[CERTFORGE_EXT_N];
	atomic_uint_fast64_t serial_seq;

	pthread_mutex_t	 lock;		/* guards what follows */
	/* Owned; each entry in it holds a reference for the cache. */
	struct forged	**bucket;
	size_t		 nbucket;	/* a power of two */
	struct forged	*newest, *oldest;
	atomic_size_t	 n;		/* set under lock, read anywhere */
	size_t		 max;
};

static void
certforge_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

/* An extension from its value in openssl.cnf syntax. */
static X509_EXTENSION *
certforge_conf_ext(int nid, const char *value)
{
	return X509V3_EXT_nconf_nid(NULL, NULL, nid, value);
}

/* RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
static X509_EXTENSION *
certforge_ski_ext(EVP_PKEY *key)
{
	X509_EXTENSION *ext = NULL;
	X509_PUBKEY *xpk = NULL;
	ASN1_OCTET_STRING *os = NULL;
	const unsigned char *pk;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	int pklen;

	if (X509_PUBKEY_set(&xpk, key) != 1 ||
	    X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) != 1 ||
	    EVP_Digest(pk, (size_t)pklen, md, &mdlen, EVP_sha1(),
	    NULL) != 1 ||
	    (os = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1)
		goto done;
	ext = X509V3_EXT_i2d(NID_subject_key_identifier, 0, os);
done:
	ASN1_OCTET_STRING_free(os);
	X509_PUBKEY_free(xpk);
	return ext;
}

/* The CA's own subject key identifier, or one computed from its key. */
static X509_EXTENSION *
certforge_aki_ext(X509 *ca)
{
	const ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *akid;
	X509_EXTENSION *ext = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	if ((akid = AUTHORITY_KEYID_new()) == NULL)
		return NULL;
	if ((ski = X509_get0_subject_key_id(ca)) != NULL)
		akid->keyid = ASN1_OCTET_STRING_dup(ski);
	else if (X509_pubkey_digest(ca, EVP_sha1(), md, &mdlen) == 1 &&
	    (akid->keyid = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(akid->keyid, md, (int)mdlen) != 1) {
		ASN1_OCTET_STRING_free(akid->keyid);
		akid->keyid = NULL;
	}
	if (akid->keyid != NULL)
		ext = X509V3_EXT_i2d(NID_authority_key_identifier, 0, akid);
	AUTHORITY_KEYID_free(akid);
	return ext;
}

struct certforge *
certforge_new(const struct ca *ca, size_t cache_max, struct werr *err)
{
	struct certforge *cf;
	unsigned int len;
	size_t nb;
	int i;

	if (cache_max > SIZE_MAX / 4 / sizeof(*cf->bucket)) {
		werr_set(err, "certificate cache of %zu entries is too large",
		    cache_max);
		return NULL;
	}
	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&cf->lock, NULL) != 0) {
		free(cf);
		werr_set(err, "cannot make the forge's lock");
		return NULL;
	}
	cf->max = cache_max;
	atomic_init(&cf->n, 0);
	atomic_init(&cf->serial_seq, 0);
	/* About two buckets per entry keeps the chains short. */
	for (nb = CERTFORGE_MIN_BUCKETS; nb < 2 * cache_max; nb *= 2)
		continue;
	cf->nbucket = nb;
	if ((cf->bucket = calloc(nb, sizeof(*cf->bucket))) == NULL) {
		werr_set(err, "out of memory");
		goto fail;
	}

	cf->ca_cert = ca_cert(ca);
	cf->ca_key = ca_key(ca);
	if (X509_up_ref(cf->ca_cert) != 1) {
		cf->ca_cert = NULL;
		goto ossl_fail;
	}
	if (EVP_PKEY_up_ref(cf->ca_key) != 1) {
		cf->ca_key = NULL;
		goto ossl_fail;
	}
	/* A decoded copy: leaves copy it without re-encoding a shared name. */
	if ((cf->issuer = X509_NAME_dup(X509_get_subject_name(
	    cf->ca_cert))) == NULL ||
	    X509_digest(cf->ca_cert, EVP_sha256(), cf->ca_fp, &len) != 1 ||
	    len != sizeof(cf->ca_fp))
		goto ossl_fail;
	if ((cf->leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-256")) == NULL) {
		werr_set(err, "cannot make the leaf key: %s",
		    ca_openssl_error());
		goto fail;
	}
	cf->ext[CERTFORGE_EXT_BC] = certforge_conf_ext(NID_basic_constraints,
	    "critical,CA:FALSE");
	cf->ext[CERTFORGE_EXT_KU] = certforge_conf_ext(NID_key_usage,
	    "critical,digitalSignature");
	cf->ext[CERTFORGE_EXT_EKU] = certforge_conf_ext(NID_ext_key_usage,
	    "serverAuth");
	cf->ext[CERTFORGE_EXT_SKI] = certforge_ski_ext(cf->leaf_key);
	cf->ext[CERTFORGE_EXT_AKI] = certforge_aki_ext(cf->ca_cert);
	for (i = 0; i < CERTFORGE_EXT_N; i++)
		if (cf->ext[i] == NULL)
			goto ossl_fail;
	return cf;
ossl_fail:
	werr_set(err, "cannot set up certificate forging: %s",
	    ca_openssl_error());
fail:
	certforge_free(cf);
	return NULL;
}

/*
 * Random high bits, so that leaves of two forges (two runs of wardend)
 * differ, over a counter, so that no two leaves of one forge ever share
 * a serial, whatever the dice say.
 */
static int
certforge_set_serial(struct certforge *cf, X509 *x)
{
	unsigned char buf[CERTFORGE_SERIAL_LEN];
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn = NULL;
	uint_fast64_t seq;
	int i, rc = -1;

	seq = atomic_fetch_add(&cf->serial_seq, 1) + 1;
	if (RAND_bytes(buf, CERTFORGE_SERIAL_LEN - CERTFORGE_SEQ_LEN) != 1)
		return -1;
	buf[0] &= 0x7f;
	for (i = CERTFORGE_SERIAL_LEN - 1; i >= CERTFORGE_SERIAL_LEN -
	    CERTFORGE_SEQ_LEN; i--) {
		buf[i] = (unsigned char)(seq & 0xff);
		seq >>= 8;
	}
	if ((bn = BN_bin2bn(buf, sizeof(buf), NULL)) == NULL ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, ai) != 1)
		goto done;
	rc = 0;
done:
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* Whether s (len bytes) can be a DNS name or pattern in a SAN. */
static bool
certforge_hostlike(const unsigned char *s, int len)
{
	int i;

	if (len <= 0 || len > CERTFORGE_CN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '-' || s[i] == '*' || s[i] == '_'))
			return false;
	return true;
}

/* The name a SAN-less certificate gives in its (last) CN, or NULL. */
static GENERAL_NAME *
certforge_cn_name(const X509 *up)
{
	const X509_NAME *subj = X509_get_subject_name(up);
	ASN1_OCTET_STRING *ip;
	ASN1_IA5STRING *ia5;
	GENERAL_NAME *gn = NULL;
	unsigned char *cn = NULL;
	int i, last = -1, len;

	for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_commonName,
	    i)) >= 0; )
		last = i;
	if (last == -1)
		return NULL;
	len = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(subj, last)));
	if (len < 0 || !certforge_hostlike(cn, len))
		goto done;
	if ((gn = GENERAL_NAME_new()) == NULL)
		goto done;
	if ((ip = a2i_IPADDRESS((const char *)cn)) != NULL) {
		GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
	} else if ((ia5 = ASN1_IA5STRING_new()) != NULL &&
	    ASN1_STRING_set(ia5, cn, len) == 1) {
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	} else {
		ASN1_IA5STRING_free(ia5);
		GENERAL_NAME_free(gn);
		gn = NULL;
	}
done:
	OPENSSL_free(cn);
	return gn;
}

/*
 * The leaf's subjectAltName: upstream's DNS and IP names, in order (its
 * other kinds name no TLS server), else its CN. Critical when the subject
 * is empty (RFC 5280 4.2.1.6).
 */
static int
certforge_san(X509 *x, const X509 *up, struct werr *err)
{
	GENERAL_NAMES *in, *out;
	GENERAL_NAME *gn, *dup;
	int crit, i, rc = -1;

	in = X509_get_ext_d2i(up, NID_subject_alt_name, &crit, NULL);
	if (in == NULL && crit != -1)
		return werr_set(err, "the upstream certificate has a malformed "
		    "or repeated subjectAltName");
	if ((out = sk_GENERAL_NAME_new_null()) == NULL) {
		werr_set(err, "out of memory");
		goto done;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(in); i++) {
		gn = sk_GENERAL_NAME_value(in, i);
		if (gn->type != GEN_DNS && gn->type != GEN_IPADD)
			continue;
		if ((dup = GENERAL_NAME_dup(gn)) == NULL ||
		    sk_GENERAL_NAME_push(out, dup) == 0) {
			GENERAL_NAME_free(dup);
			werr_set(err, "out of memory");
			goto done;
		}
	}
	if (sk_GENERAL_NAME_num(out) == 0 &&
	    (gn = certforge_cn_name(up)) != NULL &&
	    sk_GENERAL_NAME_push(out, gn) == 0)
		GENERAL_NAME_free(gn);
	if (sk_GENERAL_NAME_num(out) == 0) {
		werr_set(err, "the upstream certificate names no host (no DNS "
		    "or IP subjectAltName, no host name as CN)");
		goto done;
	}
	crit = X509_NAME_entry_count(X509_get_subject_name(up)) == 0;
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, out, crit,
	    X509V3_ADD_DEFAULT) != 1) {
		werr_set(err, "cannot copy the subjectAltName: %s",
		    ca_openssl_error());
		goto done;
	}
	rc = 0;
done:
	GENERAL_NAMES_free(in);
	GENERAL_NAMES_free(out);
	return rc;
}

/*
 * Apple's platforms refuse TLS server certificates valid for more than
 * 825 days, whatever root issued them; Chrome and Firefox accept them.
 */
#define CERTFORGE_MAX_DAYS	825

/*
 * notBefore the later of the two, notAfter the earlier; not expired.
 * A span longer than CERTFORGE_MAX_DAYS is narrowed within it: from a day
 * ago (or the later notBefore) for at most that many days.
 */
static int
certforge_validity(struct certforge *cf, X509 *x, const X509 *up,
    time_t now, struct werr *err)
{
	const ASN1_TIME *unb, *una, *cnb, *cna, *nb, *na;
	ASN1_TIME *lnb = NULL, *lna = NULL;
	char when[64];
	int bcmp, acmp, days, secs, rc = -1;
	struct tm tm;
	time_t start;

	unb = X509_get0_notBefore(up);
	una = X509_get0_notAfter(up);
	cnb = X509_get0_notBefore(cf->ca_cert);
	cna = X509_get0_notAfter(cf->ca_cert);
	if ((bcmp = ASN1_TIME_compare(unb, cnb)) == -2 ||
	    (acmp = ASN1_TIME_compare(una, cna)) == -2)
		return werr_set(err, "the upstream certificate has a "
		    "malformed validity");
	nb = bcmp >= 0 ? unb : cnb;
	na = acmp <= 0 ? una : cna;
	if (X509_cmp_time(na, &now) != 1) {
		certforge_time_str(na, when, sizeof(when));
		return werr_set(err, "%s expired on %s", na == cna ?
		    "the local CA" : "the upstream certificate", when);
	}
	if (ASN1_TIME_compare(nb, na) != -1)
		return werr_set(err, "the upstream certificate and the local "
		    "CA have no time of validity in common");
	if (ASN1_TIME_diff(&days, &secs, nb, na) != 1 ||
	    ASN1_TIME_to_tm(nb, &tm) != 1)
		return werr_set(err, "the upstream certificate has a "
		    "malformed validity");
	if (days > CERTFORGE_MAX_DAYS ||
	    (days == CERTFORGE_MAX_DAYS && secs > 0)) {
		start = timegm(&tm);
		if (start < now - 86400)
			start = now - 86400;
		if ((lnb = ASN1_TIME_set(NULL, start)) == NULL ||
		    (lna = ASN1_TIME_set(NULL, start +
		    (time_t)CERTFORGE_MAX_DAYS * 86400)) == NULL) {
			werr_set(err, "out of memory");
			goto done;
		}
		nb = lnb;
		if (ASN1_TIME_compare(lna, na) < 0)
			na = lna;
	}
	if (X509_set1_notBefore(x, nb) != 1 ||
	    X509_set1_notAfter(x, na) != 1) {
		werr_set(err, "out of memory");
		goto done;
	}
	rc = 0;
done:
	ASN1_TIME_free(lnb);
	ASN1_TIME_free(lna);
	return rc;
}

X509 *
certforge_leaf(struct certforge *cf, const X509 *up, time_t now,
    struct werr *err)
{
	X509 *x;
	int i;

	if ((x = X509_new()) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    certforge_set_serial(cf, x) == -1 ||
	    X509_set_issuer_name(x, cf->issuer) != 1 ||
	    X509_set_subject_name(x, X509_get_subject_name(up)) != 1 ||
	    X509_set_pubkey(x, cf->leaf_key) != 1) {
		werr_set(err, "cannot forge a certificate: %s",
		    ca_openssl_error());
		goto fail;
	}
	if (certforge_validity(cf, x, up, now, err) == -1 ||
	    certforge_san(x, up, err) == -1)
		goto fail;
	for (i = 0; i < CERTFORGE_EXT_N; i++) {
		if (X509_add_ext(x, cf->ext[i], -1) != 1) {
			werr_set(err, "cannot forge a certificate: %s",
			    ca_openssl_error());
			goto fail;
		}
	}
	if (X509_sign(x, cf->ca_key, EVP_sha256()) <= 0) {
		werr_set(err, "cannot sign a forged certificate: %s",
		    ca_openssl_error());
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* The cache key: SHA-256 over the CA's fingerprint and upstream's. */
static int
certforge_id(struct certforge *cf, const X509 *up, unsigned char *id,
    struct werr *err)
{
	unsigned char buf[2 * CERTFORGE_ID_LEN];
	unsigned int len;

	memcpy(buf, cf->ca_fp, CERTFORGE_ID_LEN);
	if (X509_digest(up, EVP_sha256(), buf + CERTFORGE_ID_LEN,
	    &len) != 1 || len != CERTFORGE_ID_LEN ||
	    EVP_Digest(buf, sizeof(buf), id, &len, EVP_sha256(),
	    NULL) != 1)
		return werr_set(err, "cannot hash the upstream certificate: "
		    "%s", ca_openssl_error());
	return 0;
}

static void
forged_destroy(struct forged *f)
{
	void *ctx = atomic_load(&f->ctx);

	if (ctx != NULL && f->free_ctx != NULL)
		f->free_ctx(ctx);
	X509_free(f->cert);
	EVP_PKEY_free(f->key);
	free(f);
}

void
forged_unref(struct forged *f)
{
	if (f != NULL && atomic_fetch_sub(&f->refs, 1) == 1)
		forged_destroy(f);
}

/* A new entry holding one reference, for the caller. */
static struct forged *
forged_new(struct certforge *cf, const X509 *up, time_t now,
    const unsigned char *id, struct werr *err)
{
	struct forged *f;
	struct tm tm;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	if ((f->cert = certforge_leaf(cf, up, now, err)) == NULL) {
		free(f);
		return NULL;
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(f->cert), &tm) != 1 ||
	    EVP_PKEY_up_ref(cf->leaf_key) != 1) {
		werr_set(err, "cannot forge a certificate: %s",
		    ca_openssl_error());
		X509_free(f->cert);
		free(f);
		return NULL;
	}
	f->key = cf->leaf_key;
	f->not_after = timegm(&tm);
	memcpy(f->id, id, CERTFORGE_ID_LEN);
	atomic_init(&f->refs, 1);
	atomic_init(&f->ctx, NULL);
	return f;
}

/* The rest: under cf->lock. */

static size_t
certforge_slot(const struct certforge *cf, const unsigned char *id)
{
	size_t h;

	/* id is a SHA-256 already: any of its bytes will do. */
	memcpy(&h, id, sizeof(h));
	return h & (cf->nbucket - 1);
}

static struct forged *
certforge_lookup(struct certforge *cf, const unsigned char *id)
{
	struct forged *f;

	for (f = cf->bucket[certforge_slot(cf, id)]; f != NULL; f = f->hnext)
		if (memcmp(f->id, id, CERTFORGE_ID_LEN) == 0)
			return f;
	return NULL;
}

static void
certforge_lru_remove(struct certforge *cf, struct forged *f)
{
	if (f->newer != NULL)
		f->newer->older = f->older;
	else
		cf->newest = f->older;
	if (f->older != NULL)
		f->older->newer = f->newer;
	else
		cf->oldest = f->newer;
	f->newer = f->older = NULL;
}

static void
certforge_lru_push(struct certforge *cf, struct forged *f)
{
	f->newer = NULL;
	f->older = cf->newest;
	if (cf->newest != NULL)
		cf->newest->newer = f;
	else
		cf->oldest = f;
	cf->newest = f;
}

/* Takes the cache's reference from the caller. */
static void
certforge_insert(struct certforge *cf, struct forged *f)
{
	size_t s = certforge_slot(cf, f->id);

	f->hnext = cf->bucket[s];
	cf->bucket[s] = f;
	certforge_lru_push(cf, f);
	atomic_store(&cf->n, atomic_load(&cf->n) + 1);
}

/* Returns the cache's reference, for the caller to drop after unlock. */
static struct forged *
certforge_remove(struct certforge *cf, struct forged *f)
{
	struct forged **pp;

	for (pp = &cf->bucket[certforge_slot(cf, f->id)]; *pp != f;
	    pp = &(*pp)->hnext)
		continue;
	*pp = f->hnext;
	f->hnext = NULL;
	certforge_lru_remove(cf, f);
	atomic_store(&cf->n, atomic_load(&cf->n) - 1);
	return f;
}

/* A cached entry, made newest, with a reference for the caller. */
static struct forged *
certforge_hit(struct certforge *cf, struct forged *f)
{
	certforge_lru_remove(cf, f);
	certforge_lru_push(cf, f);
	atomic_fetch_add(&f->refs, 1);
	return f;
}

struct forged *
certforge_get(struct certforge *cf, const X509 *up, time_t now,
    struct werr *err)
{
	unsigned char id[CERTFORGE_ID_LEN];
	struct forged *f, *mine, *drop = NULL;

	if (certforge_id(cf, up, id, err) == -1)
		return NULL;
	pthread_mutex_lock(&cf->lock);
	if ((f = certforge_lookup(cf, id)) != NULL) {
		if (f->not_after <= now) {
			drop = certforge_remove(cf, f);
			f = NULL;
		} else
			f = certforge_hit(cf, f);
	}
	pthread_mutex_unlock(&cf->lock);
	forged_unref(drop);
	if (f != NULL)
		return f;

	/* A miss: forge without the lock, so other workers go on. */
	if ((mine = forged_new(cf, up, now, id, err)) == NULL)
		return NULL;
	if (cf->max == 0)
		return mine;
	drop = NULL;
	pthread_mutex_lock(&cf->lock);
	if ((f = certforge_lookup(cf, id)) != NULL) {
		/* Another thread forged it meanwhile: share theirs. */
		f = certforge_hit(cf, f);
		drop = mine;
	} else {
		f = mine;
		atomic_fetch_add(&f->refs, 1);
		certforge_insert(cf, f);
		if (atomic_load(&cf->n) > cf->max)
			drop = certforge_remove(cf, cf->oldest);
	}
	pthread_mutex_unlock(&cf->lock);
	/* Frees an evicted entry (and its ctx) outside the lock. */
	forged_unref(drop);
	return f;
}

size_t
certforge_cached(const struct certforge *cf)
{
	return atomic_load(&cf->n);
}

void
certforge_free(struct certforge *cf)
{
	int i;

	if (cf == NULL)
		return;
	if (cf->bucket != NULL)
		while (cf->oldest != NULL)
			forged_unref(certforge_remove(cf, cf->oldest));
	free(cf->bucket);
	for (i = 0; i < CERTFORGE_EXT_N; i++)
		X509_EXTENSION_free(cf->ext[i]);
	EVP_PKEY_free(cf->leaf_key);
	X509_NAME_free(cf->issuer);
	EVP_PKEY_free(cf->ca_key);
	X509_free(cf->ca_cert);
	pthread_mutex_destroy(&cf->lock);
	free(cf);
}

X509 *
forged_cert(const struct forged *f)
{
	return f->cert;
}

EVP_PKEY *
forged_key(const struct forged *f)
{
	return f->key;
}

void *
forged_get_ctx(const struct forged *f)
{
	return atomic_load(&f->ctx);
}

int
forged_set_ctx(struct forged *f, void *ctx, void (*free_ctx)(void *))
{
	void *none = NULL;

	if (!atomic_compare_exchange_strong(&f->ctx, &none, ctx))
		return -1;
	/*
	 * Read only when the last reference goes, which the caller's own
	 * unref (a full barrier) orders after this store.
	 */
	f->free_ctx = free_ctx;
	return 0;
}
