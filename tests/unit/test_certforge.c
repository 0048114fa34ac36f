#include <sys/stat.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "certforge.h"

#define DAY		(24L * 60 * 60)
#define MAX_DIRS	128
#define NTHREADS	4
#define NLOOPS		1000
#define NUPSTREAM	8

/* What a test forges with: a CA valid 30 days, and its forge. */
struct fx {
	struct ca		*ca;
	struct certforge	*cf;
};

static struct werr	err;
static char		dirs[MAX_DIRS][64];
static int		ndirs;
static EVP_PKEY		*up_key;	/* the throwaway upstream CA's */
static X509_NAME	*up_issuer;
static long		up_serial;
static atomic_int	ctx_freed;
/* The file read() fails on with EIO (fail_ino 0: none), below. */
static atomic_ulong	fail_ino;
static dev_t		fail_dev;

/*
 * read(2) for the whole test program (this definition takes the place
 * of libc's, for libwarden too): an I/O error, as a failing disk gives,
 * for the file fail_ino names, so that a transient failure can be told
 * from a damaged file; any other read goes to the kernel as it is.
 */
ssize_t
read(int fd, void *buf, size_t len)
{
	struct stat st;
	unsigned long ino = atomic_load(&fail_ino);

	if (ino != 0 && fstat(fd, &st) == 0 && st.st_ino == ino &&
	    st.st_dev == fail_dev) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)syscall(SYS_read, fd, buf, len);
}

static int
rm_one(const char *path, const struct stat *st WD_UNUSED, int flag WD_UNUSED,
    struct FTW *ftw WD_UNUSED)
{
	return remove(path);
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < ndirs; i++)
		nftw(dirs[i], rm_one, 8, FTW_DEPTH | FTW_PHYS);
	EVP_PKEY_free(up_key);
	X509_NAME_free(up_issuer);
}

static struct fx
fx_new(size_t cache_max)
{
	struct fx fx;
	char *d;

	if (ndirs == 0)
		atexit(cleanup);
	CU_ASSERT_FATAL(ndirs < MAX_DIRS);
	d = dirs[ndirs];
	snprintf(d, sizeof(dirs[0]), "/tmp/warden-test-certforge-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d));
	ndirs++;
	CU_ASSERT_EQUAL_FATAL(ca_create(d, CA_KEY_EC_P256, "Forge test CA",
	    30, false, &err), 0);
	fx.ca = ca_load(d, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.ca);
	fx.cf = certforge_new(fx.ca, cache_max, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.cf);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	certforge_free(fx->cf);
	ca_free(fx->ca);
}

/*
 * An origin's certificate, issued by a throwaway upstream CA: subject
 * "C=FR, O=Example Org, CN=cn" (cn NULL: an empty subject), SAN in
 * openssl.cnf syntax (NULL: none), valid from now + nb to now + na.
 */
static X509 *
upstream(const char *cn, const char *san, long nb, long na)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	X509_NAME *name;
	X509 *x;
	time_t now = time(NULL);

	if (up_key == NULL) {
		up_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		CU_ASSERT_PTR_NOT_NULL_FATAL(up_key);
		up_issuer = X509_NAME_new();
		CU_ASSERT_EQUAL(X509_NAME_add_entry_by_txt(up_issuer, "CN",
		    MBSTRING_UTF8, (const unsigned char *)"Upstream CA", -1,
		    -1, 0), 1);
	}
	x = X509_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	name = X509_get_subject_name(x);
	if (cn != NULL) {
		CU_ASSERT_EQUAL(X509_NAME_add_entry_by_txt(name, "C",
		    MBSTRING_UTF8, (const unsigned char *)"FR", -1, -1, 0), 1);
		CU_ASSERT_EQUAL(X509_NAME_add_entry_by_txt(name, "O",
		    MBSTRING_UTF8, (const unsigned char *)"Example Org", -1,
		    -1, 0), 1);
		CU_ASSERT_EQUAL(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	}
	CU_ASSERT_EQUAL(X509_set_issuer_name(x, up_issuer), 1);
	CU_ASSERT_EQUAL(X509_set_version(x, X509_VERSION_3), 1);
	CU_ASSERT_EQUAL(ASN1_INTEGER_set(X509_get_serialNumber(x),
	    ++up_serial), 1);
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notBefore(x), nb,
	    &now));
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notAfter(x), na,
	    &now));
	CU_ASSERT_EQUAL(X509_set_pubkey(x, up_key), 1);
	if (san != NULL) {
		X509V3_set_ctx(&v3, NULL, x, NULL, NULL, 0);
		ext = X509V3_EXT_nconf_nid(NULL, &v3, NID_subject_alt_name,
		    san);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ext);
		CU_ASSERT_EQUAL(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	CU_ASSERT(X509_sign(x, up_key, EVP_sha256()) > 0);
	return x;
}

/* A plain origin certificate valid from yesterday for ten days. */
static X509 *
origin(const char *host)
{
	char san[128];

	snprintf(san, sizeof(san), "DNS:%s", host);
	return upstream(host, san, -DAY, 10 * DAY);
}

/* A leaf for up, which it frees. */
static X509 *
forge(struct fx *fx, X509 *up)
{
	X509 *leaf;

	leaf = certforge_leaf(fx->cf, up, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	X509_free(up);
	return leaf;
}

/* The DNS and IP names of x's SAN as "DNS:a,IP:192.0.2.1", "" for none. */
static const char *
san_of(const X509 *x)
{
	static char buf[512];
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn;
	char ip[INET6_ADDRSTRLEN];
	size_t used = 0;
	int i, len;

	buf[0] = '\0';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type == GEN_DNS) {
			len = snprintf(buf + used, sizeof(buf) - used,
			    "%sDNS:%s", used > 0 ? "," : "",
			    (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
		} else if (gn->type == GEN_IPADD) {
			len = ASN1_STRING_length(gn->d.iPAddress);
			inet_ntop(len == 4 ? AF_INET : AF_INET6,
			    ASN1_STRING_get0_data(gn->d.iPAddress), ip,
			    sizeof(ip));
			len = snprintf(buf + used, sizeof(buf) - used,
			    "%sIP:%s", used > 0 ? "," : "", ip);
		} else {
			len = snprintf(buf + used, sizeof(buf) - used,
			    "%sother", used > 0 ? "," : "");
		}
		if (len > 0 && (size_t)len < sizeof(buf) - used)
			used += (size_t)len;
	}
	GENERAL_NAMES_free(gens);
	return buf;
}

static bool
san_critical(const X509 *x)
{
	int i = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);

	return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

/* X509_verify_cert() of leaf against a store holding only the CA. */
static int
verify(const struct fx *fx, X509 *leaf, const char *host, const char *ip)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int rc;

	CU_ASSERT_EQUAL(X509_STORE_add_cert(store, ca_cert(fx->ca)), 1);
	CU_ASSERT_EQUAL(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
	param = X509_STORE_CTX_get0_param(ctx);
	CU_ASSERT_EQUAL(X509_VERIFY_PARAM_set_purpose(param,
	    X509_PURPOSE_SSL_SERVER), 1);
	if (host != NULL)
		CU_ASSERT_EQUAL(X509_VERIFY_PARAM_set1_host(param, host, 0), 1);
	if (ip != NULL)
		CU_ASSERT_EQUAL(X509_VERIFY_PARAM_set1_ip_asc(param, ip), 1);
	rc = X509_verify_cert(ctx) == 1 ? X509_V_OK :
	    X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

static int
time_cmp(const ASN1_TIME *a, const ASN1_TIME *b)
{
	return ASN1_TIME_compare(a, b);
}

static void
count_free(void *p)
{
	free(p);
	atomic_fetch_add(&ctx_freed, 1);
}

static void
test_certforge_subject_mirrored(void)
{
	struct fx fx = fx_new(0);
	X509 *up = origin("www.example.com");
	X509 *leaf = certforge_leaf(fx.cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_subject_name(leaf),
	    X509_get_subject_name(up)), 0);
	CU_ASSERT_EQUAL(X509_NAME_entry_count(X509_get_subject_name(leaf)), 3);
	X509_free(up);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_issuer_is_ca(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, origin("www.example.com"));

	CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_issuer_name(leaf),
	    X509_get_subject_name(ca_cert(fx.ca))), 0);
	CU_ASSERT_EQUAL(X509_get_version(leaf), X509_VERSION_3);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_signed_by_ca(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, origin("www.example.com"));

	CU_ASSERT_EQUAL(X509_verify(leaf, X509_get0_pubkey(ca_cert(fx.ca))),
	    1);
	CU_ASSERT_EQUAL(X509_get_signature_nid(leaf), NID_ecdsa_with_SHA256);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_verifies_for_host(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, origin("www.example.com"));

	CU_ASSERT_EQUAL(verify(&fx, leaf, "www.example.com", NULL),
	    X509_V_OK);
	CU_ASSERT_EQUAL(verify(&fx, leaf, "evil.example.com", NULL),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_dns(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("a.example", "DNS:a.example,DNS:b.example", -DAY,
	    DAY);
	X509 *leaf = certforge_leaf(fx.cf, up, time(NULL), &err);
	char want[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	snprintf(want, sizeof(want), "%s", san_of(up));
	CU_ASSERT_STRING_EQUAL(want, "DNS:a.example,DNS:b.example");
	CU_ASSERT_STRING_EQUAL(san_of(leaf), want);
	CU_ASSERT_FALSE(san_critical(leaf));
	CU_ASSERT_EQUAL(verify(&fx, leaf, "b.example", NULL), X509_V_OK);
	X509_free(up);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_wildcard(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("*.example.com",
	    "DNS:*.example.com,DNS:example.com", -DAY, DAY));

	CU_ASSERT_STRING_EQUAL(san_of(leaf),
	    "DNS:*.example.com,DNS:example.com");
	CU_ASSERT_EQUAL(verify(&fx, leaf, "www.example.com", NULL),
	    X509_V_OK);
	CU_ASSERT_EQUAL(verify(&fx, leaf, "a.b.example.com", NULL),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_ip(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("router",
	    "IP:192.0.2.1,IP:2001:db8::1,DNS:router.example", -DAY, DAY));

	CU_ASSERT_STRING_EQUAL(san_of(leaf),
	    "IP:192.0.2.1,IP:2001:db8::1,DNS:router.example");
	CU_ASSERT_EQUAL(verify(&fx, leaf, NULL, "192.0.2.1"), X509_V_OK);
	CU_ASSERT_EQUAL(verify(&fx, leaf, NULL, "2001:db8::1"), X509_V_OK);
	CU_ASSERT_EQUAL(verify(&fx, leaf, NULL, "192.0.2.2"),
	    X509_V_ERR_IP_ADDRESS_MISMATCH);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_other_kinds_dropped(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("a.example",
	    "email:admin@example.com,DNS:a.example,URI:https://a.example/",
	    -DAY, DAY));

	CU_ASSERT_STRING_EQUAL(san_of(leaf), "DNS:a.example");
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_from_cn(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("legacy.example", NULL, -DAY, DAY));

	CU_ASSERT_STRING_EQUAL(san_of(leaf), "DNS:legacy.example");
	CU_ASSERT_EQUAL(verify(&fx, leaf, "legacy.example", NULL),
	    X509_V_OK);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_san_from_ip_cn(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("10.1.2.3", NULL, -DAY, DAY));

	CU_ASSERT_STRING_EQUAL(san_of(leaf), "IP:10.1.2.3");
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_no_host_refused(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("Not a host name", NULL, -DAY, DAY);

	CU_ASSERT_PTR_NULL(certforge_leaf(fx.cf, up, time(NULL), &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "names no host"));
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_empty_subject(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream(NULL, "DNS:bare.example", -DAY,
	    DAY));

	/* RFC 5280 4.2.1.6: with no subject, the SAN is critical. */
	CU_ASSERT_EQUAL(X509_NAME_entry_count(X509_get_subject_name(leaf)), 0);
	CU_ASSERT_TRUE(san_critical(leaf));
	CU_ASSERT_EQUAL(verify(&fx, leaf, "bare.example", NULL), X509_V_OK);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_extensions(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, origin("www.example.com"));
	BASIC_CONSTRAINTS *bc;
	int crit = -1;

	CU_ASSERT_EQUAL(X509_get_extended_key_usage(leaf), XKU_SSL_SERVER);
	CU_ASSERT_EQUAL(X509_get_key_usage(leaf), KU_DIGITAL_SIGNATURE);
	CU_ASSERT_EQUAL(X509_EXTENSION_get_critical(X509_get_ext(leaf,
	    X509_get_ext_by_NID(leaf, NID_key_usage, -1))), 1);
	bc = X509_get_ext_d2i(leaf, NID_basic_constraints, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT_FALSE(bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT_EQUAL(X509_check_ca(leaf), 0);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_key_identifiers(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, origin("www.example.com"));
	const ASN1_OCTET_STRING *ski, *aki;

	aki = X509_get0_authority_key_id(leaf);
	ski = X509_get0_subject_key_id(leaf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(aki);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ski);
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(aki,
	    X509_get0_subject_key_id(ca_cert(fx.ca))), 0);
	CU_ASSERT_NOT_EQUAL(ASN1_OCTET_STRING_cmp(ski, aki), 0);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_not_after_clipped_to_ca(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("long.example", "DNS:long.example",
	    -DAY, 20 * 365 * DAY));

	CU_ASSERT_EQUAL(time_cmp(X509_get0_notAfter(leaf),
	    X509_get0_notAfter(ca_cert(fx.ca))), 0);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_not_after_upstream(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("short.example", "DNS:short.example", -DAY,
	    10 * DAY);
	X509 *leaf = certforge_leaf(fx.cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(time_cmp(X509_get0_notAfter(leaf),
	    X509_get0_notAfter(up)), 0);
	X509_free(up);
	X509_free(leaf);
	fx_free(&fx);
}

/* Apple's 825-day limit, within the upstream's and the CA's validity. */
static void
test_certforge_validity_at_most_825_days(void)
{
	struct fx fx = fx_new(0);
	X509 *up, *leaf;
	int days, secs;
	time_t now = time(NULL);
	struct ca *ca;
	struct certforge *cf;
	char *d = dirs[ndirs - 1];

	/* A CA of ten years, so that only the 825 days clip. */
	CU_ASSERT_EQUAL_FATAL(ca_create(d, CA_KEY_EC_P256, "Long CA", 3650,
	    true, &err), 0);
	ca = ca_load(d, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	cf = certforge_new(ca, 0, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	up = upstream("years.example", "DNS:years.example", -700 * DAY,
	    1200 * DAY);
	leaf = certforge_leaf(cf, up, now, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(ASN1_TIME_diff(&days, &secs,
	    X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)), 1);
	CU_ASSERT(days < 825 || (days == 825 && secs == 0));
	/* Never beyond the upstream's. */
	CU_ASSERT(time_cmp(X509_get0_notBefore(leaf),
	    X509_get0_notBefore(up)) >= 0);
	CU_ASSERT(time_cmp(X509_get0_notAfter(leaf),
	    X509_get0_notAfter(up)) <= 0);
	/* Valid now. */
	CU_ASSERT_EQUAL(X509_cmp_time(X509_get0_notBefore(leaf), &now), -1);
	CU_ASSERT_EQUAL(X509_cmp_time(X509_get0_notAfter(leaf), &now), 1);
	X509_free(leaf);
	X509_free(up);
	certforge_free(cf);
	ca_free(ca);
	fx_free(&fx);
}

static void
test_certforge_not_before_clipped_to_ca(void)
{
	struct fx fx = fx_new(0);
	X509 *leaf = forge(&fx, upstream("old.example", "DNS:old.example",
	    -10 * DAY, DAY));

	CU_ASSERT_EQUAL(time_cmp(X509_get0_notBefore(leaf),
	    X509_get0_notBefore(ca_cert(fx.ca))), 0);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_not_before_upstream(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("new.example", "DNS:new.example", -30 * 60, DAY);
	X509 *leaf = certforge_leaf(fx.cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(time_cmp(X509_get0_notBefore(leaf),
	    X509_get0_notBefore(up)), 0);
	CU_ASSERT_EQUAL(time_cmp(X509_get0_notBefore(leaf),
	    X509_get0_notBefore(ca_cert(fx.ca))), 1);
	X509_free(up);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_not_before_future(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("soon.example", "DNS:soon.example", DAY,
	    10 * DAY);
	X509 *leaf = certforge_leaf(fx.cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(time_cmp(X509_get0_notBefore(leaf),
	    X509_get0_notBefore(up)), 0);
	X509_free(up);
	X509_free(leaf);
	fx_free(&fx);
}

static void
test_certforge_upstream_expired(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("gone.example", "DNS:gone.example", -10 * DAY,
	    -DAY);

	CU_ASSERT_PTR_NULL(certforge_leaf(fx.cf, up, time(NULL), &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg,
	    "the upstream certificate expired on"));
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_ca_expired(void)
{
	struct fx fx = fx_new(0);
	X509 *up = upstream("long.example", "DNS:long.example", -DAY,
	    400 * DAY);

	/* The CA lives 30 days; forge as if 60 days from now. */
	CU_ASSERT_PTR_NULL(certforge_leaf(fx.cf, up, time(NULL) + 60 * DAY,
	    &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the local CA expired on"));
	X509_free(up);
	fx_free(&fx);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_certforge_serials_unique(void)
{
	struct fx fx = fx_new(0);
	X509 *up[2] = { origin("a.example"), origin("b.example") };
	char *serial[NLOOPS];
	BIGNUM *bn;
	X509 *leaf;
	int i, dups = 0, bad = 0;

	for (i = 0; i < NLOOPS; i++) {
		leaf = certforge_leaf(fx.cf, up[i % 2], time(NULL), &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
		bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
		if (BN_is_negative(bn) || BN_is_zero(bn) ||
		    BN_num_bits(bn) > 159)
			bad++;
		serial[i] = BN_bn2hex(bn);
		BN_free(bn);
		X509_free(leaf);
	}
	qsort(serial, NLOOPS, sizeof(serial[0]), str_cmp);
	for (i = 1; i < NLOOPS; i++)
		if (strcmp(serial[i - 1], serial[i]) == 0)
			dups++;
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT_EQUAL(bad, 0);
	for (i = 0; i < NLOOPS; i++)
		OPENSSL_free(serial[i]);
	X509_free(up[0]);
	X509_free(up[1]);
	fx_free(&fx);
}

static void
test_certforge_shared_leaf_key(void)
{
	struct fx fx = fx_new(0);
	X509 *a = forge(&fx, origin("a.example"));
	X509 *b = forge(&fx, origin("b.example"));

	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)),
	    1);
	CU_ASSERT_NOT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(a),
	    X509_get0_pubkey(ca_cert(fx.ca))), 1);
	CU_ASSERT_TRUE(EVP_PKEY_is_a(X509_get0_pubkey(a), "EC"));
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(X509_get0_pubkey(a)), 256);
	X509_free(a);
	X509_free(b);
	fx_free(&fx);
}

static void
test_certforge_entry_key_matches(void)
{
	struct fx fx = fx_new(4);
	X509 *up = origin("a.example");
	struct forged *f = certforge_get(fx.cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(X509_check_private_key(forged_cert(f), forged_key(f)),
	    1);
	CU_ASSERT_STRING_EQUAL(san_of(forged_cert(f)), "DNS:a.example");
	forged_unref(f);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_cache_hit(void)
{
	struct fx fx = fx_new(4);
	X509 *up = origin("a.example");
	struct forged *f1, *f2;

	f1 = certforge_get(fx.cf, up, time(NULL), &err);
	f2 = certforge_get(fx.cf, up, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL(f1);
	CU_ASSERT_PTR_EQUAL(f1, f2);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 1);
	forged_unref(f1);
	forged_unref(f2);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_cache_different_upstream(void)
{
	struct fx fx = fx_new(4);
	X509 *a = origin("same.example"), *b = origin("same.example");
	struct forged *fa, *fb;

	/* Same names, another serial: another certificate. */
	fa = certforge_get(fx.cf, a, time(NULL), &err);
	fb = certforge_get(fx.cf, b, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL(fa);
	CU_ASSERT_PTR_NOT_NULL(fb);
	CU_ASSERT_PTR_NOT_EQUAL(fa, fb);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 2);
	forged_unref(fa);
	forged_unref(fb);
	X509_free(a);
	X509_free(b);
	fx_free(&fx);
}

static void
test_certforge_cache_lru(void)
{
	struct fx fx = fx_new(2);
	X509 *a = origin("a.example"), *b = origin("b.example");
	X509 *c = origin("c.example");
	struct forged *fa, *fb, *fc, *f;
	time_t now = time(NULL);

	/* Held, so that no new entry can reuse their addresses. */
	fa = certforge_get(fx.cf, a, now, &err);
	fb = certforge_get(fx.cf, b, now, &err);
	f = certforge_get(fx.cf, a, now, &err);	/* touch A */
	CU_ASSERT_PTR_EQUAL(f, fa);
	forged_unref(f);
	fc = certforge_get(fx.cf, c, now, &err);	/* B goes */
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 2);

	f = certforge_get(fx.cf, a, now, &err);
	CU_ASSERT_PTR_EQUAL(f, fa);
	forged_unref(f);
	f = certforge_get(fx.cf, c, now, &err);
	CU_ASSERT_PTR_EQUAL(f, fc);
	forged_unref(f);
	f = certforge_get(fx.cf, b, now, &err);	/* a miss: forged anew */
	CU_ASSERT_PTR_NOT_NULL(f);
	CU_ASSERT_PTR_NOT_EQUAL(f, fb);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 2);
	forged_unref(f);

	forged_unref(fa);
	forged_unref(fb);
	forged_unref(fc);
	X509_free(a);
	X509_free(b);
	X509_free(c);
	fx_free(&fx);
}

static void
test_certforge_evicted_still_valid(void)
{
	struct fx fx = fx_new(1);
	X509 *a = origin("a.example"), *b = origin("b.example");
	struct forged *fa, *fb;

	fa = certforge_get(fx.cf, a, time(NULL), &err);
	fb = certforge_get(fx.cf, b, time(NULL), &err);	/* evicts A */
	CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 1);
	/* Under ASan, any use after free shows here. */
	CU_ASSERT_STRING_EQUAL(san_of(forged_cert(fa)), "DNS:a.example");
	CU_ASSERT_EQUAL(X509_verify(forged_cert(fa),
	    X509_get0_pubkey(ca_cert(fx.ca))), 1);
	CU_ASSERT_EQUAL(X509_check_private_key(forged_cert(fa),
	    forged_key(fa)), 1);
	forged_unref(fa);
	forged_unref(fb);
	X509_free(a);
	X509_free(b);
	fx_free(&fx);
}

static void
test_certforge_ctx_freed_once(void)
{
	struct fx fx = fx_new(1);
	X509 *a = origin("a.example"), *b = origin("b.example");
	struct forged *fa, *fb;
	void *other = malloc(1);

	atomic_store(&ctx_freed, 0);
	fa = certforge_get(fx.cf, a, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
	CU_ASSERT_PTR_NULL(forged_get_ctx(fa));
	CU_ASSERT_EQUAL(forged_set_ctx(fa, malloc(1), count_free), 0);
	CU_ASSERT_EQUAL(forged_set_ctx(fa, other, count_free), -1);
	free(other);
	CU_ASSERT_PTR_NOT_NULL(forged_get_ctx(fa));
	fb = certforge_get(fx.cf, b, time(NULL), &err);	/* evicts A */
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 0);
	forged_unref(fa);
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 1);
	forged_unref(fb);
	fx_free(&fx);
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 1);
	X509_free(a);
	X509_free(b);
}

static void
test_certforge_ctx_freed_with_forge(void)
{
	struct fx fx = fx_new(4);
	X509 *a = origin("a.example");
	struct forged *fa;

	atomic_store(&ctx_freed, 0);
	fa = certforge_get(fx.cf, a, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
	CU_ASSERT_EQUAL(forged_set_ctx(fa, malloc(1), count_free), 0);
	forged_unref(fa);	/* the cache still holds it */
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 0);
	fx_free(&fx);
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 1);
	X509_free(a);
}

static void
test_certforge_entry_outlives_forge(void)
{
	struct fx fx = fx_new(4);
	X509 *a = origin("a.example");
	struct forged *fa;

	atomic_store(&ctx_freed, 0);
	fa = certforge_get(fx.cf, a, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
	CU_ASSERT_EQUAL(forged_set_ctx(fa, malloc(1), count_free), 0);
	certforge_free(fx.cf);
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 0);
	CU_ASSERT_EQUAL(X509_check_private_key(forged_cert(fa),
	    forged_key(fa)), 1);
	forged_unref(fa);
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), 1);
	ca_free(fx.ca);
	X509_free(a);
}

static void
test_certforge_no_cache(void)
{
	struct fx fx = fx_new(0);
	X509 *a = origin("a.example");
	struct forged *f1, *f2;

	f1 = certforge_get(fx.cf, a, time(NULL), &err);
	f2 = certforge_get(fx.cf, a, time(NULL), &err);
	CU_ASSERT_PTR_NOT_NULL(f1);
	CU_ASSERT_PTR_NOT_NULL(f2);
	CU_ASSERT_PTR_NOT_EQUAL(f1, f2);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 0);
	forged_unref(f1);
	forged_unref(f2);
	X509_free(a);
	fx_free(&fx);
}

static void
test_certforge_cache_expired_entry(void)
{
	struct fx fx = fx_new(4);
	X509 *a = upstream("a.example", "DNS:a.example", -DAY, DAY);
	struct forged *f;
	time_t now = time(NULL);

	f = certforge_get(fx.cf, a, now, &err);
	CU_ASSERT_PTR_NOT_NULL(f);
	forged_unref(f);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 1);
	CU_ASSERT_PTR_NULL(certforge_get(fx.cf, a, now + 2 * DAY, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "expired"));
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 0);
	X509_free(a);
	fx_free(&fx);
}

/* --- the cache directory ------------------------------------------- */

/* A fixture whose forge keeps its leaves in DIR/cache (made by it). */
static struct fx
fx_dir(size_t cache_max, char *cdir, size_t len)
{
	struct fx fx = fx_new(0);

	certforge_free(fx.cf);
	snprintf(cdir, len, "%s/cache", dirs[ndirs - 1]);
	fx.cf = certforge_new(fx.ca, cache_max, cdir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.cf);
	return fx;
}

/* Restarts the forge on the same CA and directory. */
static void
fx_restart(struct fx *fx, size_t cache_max, const char *cdir)
{
	certforge_free(fx->cf);
	fx->cf = certforge_new(fx->ca, cache_max, cdir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx->cf);
}

static void
join(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Leaf files (NAME.crt) in dir. */
static int
count_files(const char *dir)
{
	struct dirent *de;
	size_t n;
	DIR *d = opendir(dir);
	int count = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".crt") == 0)
			count++;
	}
	closedir(d);
	return count;
}

/*
 * Where a forge of format version (1: the first, which did not say) on
 * ca keeps up's leaf: the hex of SHA-256 over version (4 octets, big
 * endian, from 2 on), the CA's fingerprint and the SHA-256 of up's DER.
 */
static void
leaf_path_v(char *out, size_t len, const char *dir, const struct ca *ca,
    const X509 *up, unsigned int version)
{
	unsigned char buf[68], id[32], *p = buf;
	char name[80];
	unsigned int n;
	int i;

	if (version > 1) {
		buf[0] = (unsigned char)(version >> 24);
		buf[1] = (unsigned char)(version >> 16);
		buf[2] = (unsigned char)(version >> 8);
		buf[3] = (unsigned char)version;
		p += 4;
	}
	CU_ASSERT_EQUAL(X509_digest(ca_cert(ca), EVP_sha256(), p, &n), 1);
	CU_ASSERT_EQUAL(X509_digest(up, EVP_sha256(), p + 32, &n), 1);
	CU_ASSERT_EQUAL(EVP_Digest(buf, (size_t)(p + 64 - buf), id, &n,
	    EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(name + 2 * i, 3, "%02x", id[i]);
	snprintf(name + 64, sizeof(name) - 64, ".crt");
	join(out, len, dir, name);
}

/* Where a forge on ca keeps up's leaf, as certforge.h says. */
static void
leaf_path(char *out, size_t len, const char *dir, const struct ca *ca,
    const X509 *up)
{
	leaf_path_v(out, len, dir, ca, up, CERTFORGE_FORMAT);
}

/* The leaf in path; NULL if it is none, or not a regular file. */
static X509 *
read_cert(const char *path)
{
	struct stat st;
	FILE *fp;
	X509 *x;
	int fd;

	/* A FIFO left in place would block a plain fopen() for ever. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	return x;
}

static EVP_PKEY *
read_key(const char *cdir)
{
	char path[256];
	EVP_PKEY *key;
	FILE *fp;

	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	return key;
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(buf, 1, len, fp), len);
	CU_ASSERT_EQUAL(fclose(fp), 0);
}

static void
write_key(const char *path, EVP_PKEY *key)
{
	FILE *fp = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL,
	    NULL), 1);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
}

/*
 * Writes at path a leaf as a forge would make it, but with subject subj
 * (NULL: up's), key pub, valid from now + nb to now + na, signed by
 * signer, and the extensions of a leaf the forge makes for up now, the
 * subjectAltName replaced by san when set (openssl.cnf syntax, not
 * critical), and only that when !exts. Returns it (X509_free() it).
 */
static X509 *
plant_at(const struct fx *fx, const char *path, const X509 *up,
    const X509 *subj, EVP_PKEY *pub, EVP_PKEY *signer, long nb, long na,
    const char *san, bool exts)
{
	time_t now = time(NULL);
	X509 *x = X509_new(), *tmpl;
	X509_EXTENSION *ext;
	FILE *fp;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	tmpl = certforge_leaf(fx->cf, up, now, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmpl);
	CU_ASSERT_EQUAL(X509_set_version(x, X509_VERSION_3), 1);
	CU_ASSERT_EQUAL(ASN1_INTEGER_set(X509_get_serialNumber(x),
	    ++up_serial), 1);
	CU_ASSERT_EQUAL(X509_set_issuer_name(x,
	    X509_get_subject_name(ca_cert(fx->ca))), 1);
	CU_ASSERT_EQUAL(X509_set_subject_name(x, X509_get_subject_name(
	    subj != NULL ? subj : up)), 1);
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notBefore(x), nb,
	    &now));
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notAfter(x), na,
	    &now));
	CU_ASSERT_EQUAL(X509_set_pubkey(x, pub), 1);
	/* The forge's order: its subjectAltName first. */
	for (i = 0; i < X509_get_ext_count(tmpl); i++) {
		if (i == 0 && san != NULL) {
			ext = X509V3_EXT_nconf_nid(NULL, NULL,
			    NID_subject_alt_name, san);
			CU_ASSERT_PTR_NOT_NULL_FATAL(ext);
			CU_ASSERT_EQUAL(X509_add_ext(x, ext, -1), 1);
			X509_EXTENSION_free(ext);
		} else if (i == 0 || exts)
			CU_ASSERT_EQUAL(X509_add_ext(x, X509_get_ext(tmpl, i),
			    -1), 1);
	}
	X509_free(tmpl);
	CU_ASSERT(X509_sign(x, signer, EVP_sha256()) > 0);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(PEM_write_X509(fp, x), 1);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	return x;
}

/* The same, as up's file in cdir, with the forge's extensions. */
static X509 *
plant(const struct fx *fx, const char *cdir, const X509 *up,
    const X509 *subj, EVP_PKEY *pub, EVP_PKEY *signer, long nb, long na)
{
	char path[256];

	leaf_path(path, sizeof(path), cdir, fx->ca, up);
	return plant_at(fx, path, up, subj, pub, signer, nb, na, NULL, true);
}

/*
 * The leaf forge gives for up at now (a new reference), once the writer
 * has written what it queued.
 */
static X509 *
got(struct certforge *cf, const X509 *up, time_t now)
{
	struct forged *f = certforge_get(cf, up, now, &err);
	X509 *x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	x = forged_cert(f);
	X509_up_ref(x);
	forged_unref(f);
	certforge_flush(cf);
	return x;
}

/* Asks for up's leaf, not waiting for the writer. */
static void
get_only(struct certforge *cf, const X509 *up)
{
	struct forged *f = certforge_get(cf, up, time(NULL), &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	forged_unref(f);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
test_certforge_dir_created(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(lstat(cdir, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL_FATAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 0);
	CU_ASSERT_EQUAL(count_files(cdir), 0);
	fx_free(&fx);
}

static void
test_certforge_dir_parent_missing(void)
{
	struct fx fx = fx_new(0);
	char cdir[128];

	snprintf(cdir, sizeof(cdir), "%s/no/cache", dirs[ndirs - 1]);
	CU_ASSERT_PTR_NULL(certforge_new(fx.ca, 4, cdir, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot create"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cdir));
	fx_free(&fx);
}

/* certforge_new() and certforge_check_dir() refuse cdir with want. */
static void
check_refused(const struct fx *fx, const char *cdir, const char *want)
{
	CU_ASSERT_PTR_NULL(certforge_new(fx->ca, 4, cdir, &err));
	if (strstr(err.msg, want) == NULL)
		printf("\n  got: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cdir));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void
test_certforge_dir_world_writable(void)
{
	struct fx fx = fx_new(0);
	char cdir[128], path[256];
	struct stat st;

	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	CU_ASSERT_EQUAL_FATAL(mkdir(cdir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(cdir, 0777), 0);
	check_refused(&fx, cdir, "writable by group or others (mode 0777)");
	/* Nothing was written into it. */
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL(lstat(path, &st), -1);
	CU_ASSERT_EQUAL_FATAL(chmod(cdir, 01777), 0);
	check_refused(&fx, cdir, "writable by group or others");
	fx_free(&fx);
}

static void
test_certforge_dir_group_writable(void)
{
	struct fx fx = fx_new(0);
	char cdir[128];

	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	CU_ASSERT_EQUAL_FATAL(mkdir(cdir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(cdir, 0770), 0);
	check_refused(&fx, cdir, "writable by group or others (mode 0770)");
	/* Readable by others is fine: the leaves are no secret. */
	CU_ASSERT_EQUAL_FATAL(chmod(cdir, 0755), 0);
	certforge_free(fx.cf);
	fx.cf = certforge_new(fx.ca, 4, cdir, &err);
	CU_ASSERT_PTR_NOT_NULL(fx.cf);
	fx_free(&fx);
}

static void
test_certforge_dir_symlink(void)
{
	struct fx fx = fx_new(0);
	char cdir[128], real[128];

	snprintf(real, sizeof(real), "%s/real", dirs[ndirs - 1]);
	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	CU_ASSERT_EQUAL_FATAL(mkdir(real, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(real, cdir), 0);
	check_refused(&fx, cdir, "is a symbolic link");
	CU_ASSERT_EQUAL(count_files(real), 0);
	fx_free(&fx);
}

static void
test_certforge_dir_not_a_directory(void)
{
	struct fx fx = fx_new(0);
	char cdir[128];

	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	write_file(cdir, "x", 1);
	check_refused(&fx, cdir, "is not a directory");
	fx_free(&fx);
}

static void
test_certforge_dir_not_ours(void)
{
	struct fx fx = fx_new(0);
	char cdir[128];

	if (geteuid() != 0) {
		/* Only root can give a directory away. */
		fx_free(&fx);
		return;
	}
	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	CU_ASSERT_EQUAL_FATAL(mkdir(cdir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(chown(cdir, 65534, 65534), 0);
	check_refused(&fx, cdir, "belongs to uid 65534");
	fx_free(&fx);
}

static void
test_certforge_check_dir_changes_nothing(void)
{
	struct fx fx = fx_new(0);
	char cdir[128], path[256];
	struct stat st;

	snprintf(cdir, sizeof(cdir), "%s/cache", dirs[ndirs - 1]);
	/* Missing: fine (made at start), and not made now. */
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), 0);
	CU_ASSERT_EQUAL(lstat(cdir, &st), -1);
	CU_ASSERT_EQUAL_FATAL(mkdir(cdir, 0700), 0);
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), 0);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL(lstat(path, &st), -1);
	fx_free(&fx);
}

/* A missing directory passes the check only if it can be made. */
static void
test_certforge_check_dir_parent(void)
{
	struct fx fx = fx_new(0);
	char cdir[160], parent[128];

	snprintf(parent, sizeof(parent), "%s/no", dirs[ndirs - 1]);
	snprintf(cdir, sizeof(cdir), "%s/cache", parent);
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot be created"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, parent));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file or directory"));
	CU_ASSERT_FALSE(exists(parent));
	/* A parent that is a file. */
	write_file(parent, "x", 1);
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a directory"));
	CU_ASSERT_EQUAL(unlink(parent), 0);
	/* One we may not write in: only a user other than root is kept out. */
	CU_ASSERT_EQUAL_FATAL(mkdir(parent, 0500), 0);
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not writable"));
	}
	CU_ASSERT_EQUAL(chmod(parent, 0700), 0);
	CU_ASSERT_EQUAL(certforge_check_dir(cdir, &err), 0);
	CU_ASSERT_FALSE(exists(cdir));
	fx_free(&fx);
}

static void
test_certforge_key_kept_across_restarts(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *a = origin("a.example"), *b = origin("b.example");
	X509 *la, *lb;
	struct stat st1, st2;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st1), 0);
	la = got(fx.cf, a, time(NULL));
	fx_restart(&fx, 4, cdir);
	lb = got(fx.cf, b, time(NULL));
	/* One key for both, the file's: and the file was not rewritten. */
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(la), key), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(lb), key), 1);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	CU_ASSERT_EQUAL(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	CU_ASSERT_EQUAL(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	EVP_PKEY_free(key);
	X509_free(la);
	X509_free(lb);
	X509_free(a);
	X509_free(b);
	fx_free(&fx);
}

/* After what was done to leaf.key, the forge made and wrote a new key. */
static void
check_key_replaced(struct fx *fx, const char *cdir, EVP_PKEY *old)
{
	char path[256];
	struct stat st;
	EVP_PKEY *key;
	X509 *up = origin("a.example"), *leaf;
	char group[64];

	fx_restart(fx, 4, cdir);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL_FATAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	key = read_key(cdir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	CU_ASSERT_TRUE(EVP_PKEY_is_a(key, "EC"));
	CU_ASSERT_EQUAL(EVP_PKEY_get_group_name(key, group, sizeof(group),
	    NULL), 1);
	CU_ASSERT_STRING_EQUAL(group, "prime256v1");
	if (old != NULL)
		CU_ASSERT_NOT_EQUAL(EVP_PKEY_eq(key, old), 1);
	leaf = got(fx->cf, up, time(NULL));
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(leaf), key), 1);
	EVP_PKEY_free(key);
	X509_free(leaf);
	X509_free(up);
}

static void
test_certforge_key_garbage_replaced(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	EVP_PKEY *old = read_key(cdir);

	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	write_file(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 33);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	check_key_replaced(&fx, cdir, old);
	/* Empty, too. */
	write_file(path, "", 0);
	check_key_replaced(&fx, cdir, NULL);
	EVP_PKEY_free(old);
	fx_free(&fx);
}

static void
test_certforge_key_wrong_curve_replaced(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");

	CU_ASSERT_PTR_NOT_NULL_FATAL(p384);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	write_key(path, p384);
	check_key_replaced(&fx, cdir, p384);
	EVP_PKEY_free(p384);
	fx_free(&fx);
}

static void
test_certforge_key_open_to_others_replaced(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	EVP_PKEY *old = read_key(cdir);

	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);
	check_key_replaced(&fx, cdir, old);
	EVP_PKEY_free(old);
	fx_free(&fx);
}

/*
 * A key that cannot be read now (the disk fails) is not a bad key: the
 * forge is refused, the key left alone, and used once it reads again.
 */
static void
test_certforge_key_read_error_kept(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *leaf;
	EVP_PKEY *old = read_key(cdir), *key;
	struct stat st1, st2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st1), 0);
	certforge_free(fx.cf);
	fail_dev = st1.st_dev;
	atomic_store(&fail_ino, (unsigned long)st1.st_ino);
	fx.cf = certforge_new(fx.ca, 4, cdir, &err);
	atomic_store(&fail_ino, 0);
	CU_ASSERT_PTR_NULL(fx.cf);
	certforge_free(fx.cf);
	if (strstr(err.msg, "Input/output error") == NULL)
		printf("\n  got: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot read"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Input/output error"));
	/* Not replaced, not rewritten. */
	CU_ASSERT_EQUAL_FATAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	CU_ASSERT_EQUAL(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	CU_ASSERT_EQUAL(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	key = read_key(cdir);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(key, old), 1);
	/* The disk reads again: the same key. */
	fx.cf = certforge_new(fx.ca, 4, cdir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.cf);
	leaf = got(fx.cf, up, time(NULL));
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(leaf), old), 1);
	X509_free(leaf);
	EVP_PKEY_free(key);
	EVP_PKEY_free(old);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_key_symlink_not_followed(void)
{
	char cdir[128], path[256], target[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *still;
	FILE *fp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	join(path, sizeof(path), cdir, CERTFORGE_KEY_FILE);
	join(target, sizeof(target), dirs[ndirs - 1], "other.key");
	write_key(target, other);
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, path), 0);
	check_key_replaced(&fx, cdir, other);
	/* The link's target is untouched. */
	fp = fopen(target, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	still = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL(still);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(still, other), 1);
	EVP_PKEY_free(still);
	EVP_PKEY_free(other);
	fx_free(&fx);
}

static void
test_certforge_leaf_written(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *leaf, *file;
	struct stat st;

	leaf = got(fx.cf, up, time(NULL));
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	file = read_cert(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_EQUAL(X509_cmp(file, leaf), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	CU_ASSERT_EQUAL(count_files(cdir), 1);
	/* A memory hit writes nothing more. */
	X509_free(file);
	file = got(fx.cf, up, time(NULL));
	CU_ASSERT_EQUAL(X509_cmp(file, leaf), 0);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	X509_free(file);
	X509_free(leaf);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_leaf_survives_restart(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *first, *again;

	first = got(fx.cf, up, time(NULL));
	fx_restart(&fx, 4, cdir);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 0);
	again = got(fx.cf, up, time(NULL));
	CU_ASSERT_EQUAL(X509_cmp(first, again), 0);
	CU_ASSERT_EQUAL(certforge_cached(fx.cf), 1);
	/* Read, not written again. */
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	CU_ASSERT_EQUAL(count_files(cdir), 1);
	X509_free(first);
	X509_free(again);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_leaf_not_kept_without_dir(void)
{
	struct fx fx = fx_new(4);
	X509 *up = origin("a.example"), *first, *again;

	first = got(fx.cf, up, time(NULL));
	certforge_free(fx.cf);
	fx.cf = certforge_new(fx.ca, 4, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.cf);
	again = got(fx.cf, up, time(NULL));
	CU_ASSERT_NOT_EQUAL(X509_cmp(first, again), 0);
	CU_ASSERT_NOT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(first),
	    X509_get0_pubkey(again)), 1);
	X509_free(first);
	X509_free(again);
	X509_free(up);
	fx_free(&fx);
}

/*
 * After a restart, up's file as it is now is refused: the forge shows
 * a new leaf, valid for the CA and the leaf key, and writes it there.
 * old: what must not be shown (NULL: nothing to compare).
 */
static void
check_file_refused(struct fx *fx, const char *cdir, const X509 *up,
    const X509 *old, time_t now)
{
	char path[256];
	X509 *leaf, *file;
	EVP_PKEY *key = read_key(cdir);

	fx_restart(fx, 4, cdir);
	leaf = got(fx->cf, up, now);
	if (old != NULL)
		CU_ASSERT_NOT_EQUAL(X509_cmp(leaf, old), 0);
	CU_ASSERT_EQUAL(X509_verify(leaf, X509_get0_pubkey(ca_cert(fx->ca))),
	    1);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(leaf), key), 1);
	CU_ASSERT_STRING_EQUAL(san_of(leaf), san_of(up));
	leaf_path(path, sizeof(path), cdir, fx->ca, up);
	file = read_cert(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_EQUAL(X509_cmp(file, leaf), 0);
	CU_ASSERT_EQUAL(count_files(cdir), 1);
	X509_free(file);
	X509_free(leaf);
	EVP_PKEY_free(key);
}

static void
test_certforge_file_truncated(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *first;
	struct stat st;

	first = got(fx.cf, up, time(NULL));
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL_FATAL(truncate(path, st.st_size / 2), 0);
	check_file_refused(&fx, cdir, up, first, time(NULL));
	X509_free(first);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_garbage(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *first;
	unsigned char junk[700];
	size_t i;

	first = got(fx.cf, up, time(NULL));
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	write_file(path, junk, sizeof(junk));
	check_file_refused(&fx, cdir, up, first, time(NULL));
	/* And a file that is empty. */
	write_file(path, "", 0);
	check_file_refused(&fx, cdir, up, NULL, time(NULL));
	X509_free(first);
	X509_free(up);
	fx_free(&fx);
}

/* The planted file is what a forge accepts: the other tests mean something. */
static void
test_certforge_file_planted_accepted(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *mine, *leaf;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	mine = plant(&fx, cdir, up, NULL, key, ca_key(fx.ca), -30 * 60, DAY);
	fx_restart(&fx, 4, cdir);
	leaf = got(fx.cf, up, time(NULL));
	CU_ASSERT_EQUAL(X509_cmp(leaf, mine), 0);
	X509_free(leaf);
	X509_free(mine);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_other_ca(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/* The CA's name, another CA's signature (the upstream CA's key). */
	bad = plant(&fx, cdir, up, NULL, key, up_key, -30 * 60, DAY);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_other_key(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	bad = plant(&fx, cdir, up, NULL, other, ca_key(fx.ca), -30 * 60, DAY);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	EVP_PKEY_free(other);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_expired(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/*
	 * Valid for a day; asked for two days on, while the origin (ten
	 * days) and the CA (thirty) still are.
	 */
	bad = plant(&fx, cdir, up, NULL, key, ca_key(fx.ca), -30 * 60, DAY);
	check_file_refused(&fx, cdir, up, bad, time(NULL) + 2 * DAY);
	X509_free(bad);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_beyond_upstream(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/* The origin's ends in ten days, this one in eleven. */
	bad = plant(&fx, cdir, up, NULL, key, ca_key(fx.ca), -30 * 60,
	    11 * DAY);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_other_subject(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *other = origin("evil.example");
	X509 *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	bad = plant(&fx, cdir, up, other, key, ca_key(fx.ca), -30 * 60, DAY);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	X509_free(other);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_other_san(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/* What an older forge might have copied: one name more. */
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	bad = plant_at(&fx, path, up, NULL, key, ca_key(fx.ca), -30 * 60, DAY,
	    "DNS:a.example,DNS:evil.example", true);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_other_extensions(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *bad;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/* The right names, but none of the forge's other extensions. */
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	bad = plant_at(&fx, path, up, NULL, key, ca_key(fx.ca), -30 * 60, DAY,
	    NULL, false);
	check_file_refused(&fx, cdir, up, bad, time(NULL));
	X509_free(bad);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

/*
 * A file named as a forge of the first format named it (no version in
 * the key) is another key's: never read, even when it would pass.
 */
static void
test_certforge_file_format_in_name(void)
{
	char cdir[128], old[256], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *stale, *leaf;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	CU_ASSERT(CERTFORGE_FORMAT >= 2);
	leaf_path_v(old, sizeof(old), cdir, fx.ca, up, 1);
	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	CU_ASSERT_STRING_NOT_EQUAL(old, path);
	stale = plant_at(&fx, old, up, NULL, key, ca_key(fx.ca), -30 * 60, DAY,
	    NULL, true);
	fx_restart(&fx, 4, cdir);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	leaf = got(fx.cf, up, time(NULL));
	CU_ASSERT_NOT_EQUAL(X509_cmp(leaf, stale), 0);
	CU_ASSERT_EQUAL(certforge_file_reads(fx.cf), 0);
	CU_ASSERT_TRUE(exists(path));
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 2);
	X509_free(leaf);
	X509_free(stale);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_file_fifo_not_read(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example");
	struct stat st;

	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	/* Would block for ever if it were opened for reading as is. */
	check_file_refused(&fx, cdir, up, NULL, time(NULL));
	CU_ASSERT_EQUAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	X509_free(up);
	fx_free(&fx);
}

static void
test_certforge_files_bounded(void)
{
	char cdir[128], path[256], host[64];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up[10], *leaf;
	struct stat st;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up[i] = origin(host);
		leaf = got(fx.cf, up[i], time(NULL));
		X509_free(leaf);
		CU_ASSERT(certforge_files(fx.cf) <= 4);
		CU_ASSERT(count_files(cdir) <= 4);
	}
	CU_ASSERT_EQUAL(count_files(cdir), 4);
	/* The newest stay, the oldest went. */
	for (i = 0; i < 10; i++) {
		leaf_path(path, sizeof(path), cdir, fx.ca, up[i]);
		CU_ASSERT_EQUAL(stat(path, &st) == 0, i >= 6);
		X509_free(up[i]);
	}
	fx_free(&fx);
}

static void
test_certforge_files_pruned_at_start(void)
{
	char cdir[128], path[256], host[64], tmp[256];
	struct fx fx = fx_dir(8, cdir, sizeof(cdir));
	struct timespec ts[2];
	X509 *up[6], *leaf;
	struct stat st;
	time_t now = time(NULL);
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up[i] = origin(host);
		leaf = got(fx.cf, up[i], now);
		X509_free(leaf);
		/* Written an hour apart, the last one the newest. */
		leaf_path(path, sizeof(path), cdir, fx.ca, up[i]);
		ts[0].tv_sec = ts[1].tv_sec = now - (6 - i) * 3600;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	/* A crash's leftovers, and a file that is not the cache's. */
	join(tmp, sizeof(tmp), cdir, ".tmp-0123456789abcdef");
	write_file(tmp, "x", 1);
	ts[0].tv_sec = ts[1].tv_sec = now - 2 * 3600;
	CU_ASSERT_EQUAL(utimensat(AT_FDCWD, tmp, ts, 0), 0);
	join(path, sizeof(path), cdir, ".tmp-fresh");
	write_file(path, "x", 1);
	join(path, sizeof(path), cdir, "README");
	write_file(path, "x", 1);

	fx_restart(&fx, 3, cdir);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 3);
	CU_ASSERT_EQUAL(count_files(cdir), 3);
	for (i = 0; i < 6; i++) {
		leaf_path(path, sizeof(path), cdir, fx.ca, up[i]);
		CU_ASSERT_EQUAL(stat(path, &st) == 0, i >= 3);
	}
	CU_ASSERT_EQUAL(stat(tmp, &st), -1);
	join(path, sizeof(path), cdir, ".tmp-fresh");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	join(path, sizeof(path), cdir, "README");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	/* And the bound holds from there on. */
	leaf = got(fx.cf, up[0], now);
	X509_free(leaf);
	CU_ASSERT_EQUAL(count_files(cdir), 3);
	leaf_path(path, sizeof(path), cdir, fx.ca, up[0]);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	leaf_path(path, sizeof(path), cdir, fx.ca, up[3]);
	CU_ASSERT_EQUAL(stat(path, &st), -1);
	for (i = 0; i < 6; i++)
		X509_free(up[i]);
	fx_free(&fx);
}

/*
 * A leaf written again (its file was refused) is counted once, as the
 * newest: pruning then removes the oldest other file, not the new one.
 */
static void
test_certforge_files_rewritten_once(void)
{
	char cdir[128], path[256], host[64];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	struct timespec ts[2];
	X509 *up[5], *leaf;
	time_t now = time(NULL);
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up[i] = origin(host);
	}
	/* h0, h1, h2 written an hour apart, h0 the oldest. */
	for (i = 0; i < 3; i++) {
		leaf = got(fx.cf, up[i], now);
		X509_free(leaf);
		leaf_path(path, sizeof(path), cdir, fx.ca, up[i]);
		ts[0].tv_sec = ts[1].tv_sec = now - (3 - i) * 3600;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	fx_restart(&fx, 4, cdir);
	/* h0's file is damaged: read, refused, forged and written again. */
	leaf_path(path, sizeof(path), cdir, fx.ca, up[0]);
	write_file(path, "junk", 4);
	leaf = got(fx.cf, up[0], now);
	X509_free(leaf);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 3);
	/* h3 fills the directory, h4 makes room: h1 goes, the oldest. */
	leaf = got(fx.cf, up[3], now);
	X509_free(leaf);
	leaf = got(fx.cf, up[4], now);
	X509_free(leaf);
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 4);
	CU_ASSERT_EQUAL(count_files(cdir), 4);
	for (i = 0; i < 5; i++) {
		leaf_path(path, sizeof(path), cdir, fx.ca, up[i]);
		CU_ASSERT_EQUAL(exists(path), i != 1);
		X509_free(up[i]);
	}
	fx_free(&fx);
}

/*
 * A miss on an id the forge does not know is there opens no file: not
 * even one put there behind its back (by another forge, or by hand).
 */
static void
test_certforge_files_unknown_not_opened(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *a = origin("a.example"), *b = origin("b.example");
	X509 *c = origin("c.example"), *planted, *leaf, *first;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	/* After the scan: a file that would pass, unknown to the forge. */
	planted = plant(&fx, cdir, a, NULL, key, ca_key(fx.ca), -30 * 60, DAY);
	leaf = got(fx.cf, a, time(NULL));
	CU_ASSERT_NOT_EQUAL(X509_cmp(leaf, planted), 0);
	CU_ASSERT_EQUAL(certforge_file_reads(fx.cf), 0);
	X509_free(leaf);
	/* Known files are read: one, for b, after a restart. */
	first = got(fx.cf, b, time(NULL));
	CU_ASSERT_EQUAL(certforge_file_reads(fx.cf), 0);
	fx_restart(&fx, 4, cdir);
	leaf = got(fx.cf, b, time(NULL));
	CU_ASSERT_EQUAL(X509_cmp(leaf, first), 0);
	CU_ASSERT_EQUAL(certforge_file_reads(fx.cf), 1);
	X509_free(leaf);
	/* And c, never written, is forged without a look. */
	leaf = got(fx.cf, c, time(NULL));
	CU_ASSERT_EQUAL(certforge_file_reads(fx.cf), 1);
	X509_free(leaf);
	X509_free(first);
	X509_free(planted);
	EVP_PKEY_free(key);
	X509_free(a);
	X509_free(b);
	X509_free(c);
	fx_free(&fx);
}

/* The caller's thread does not write: the writer does, later. */
static void
test_certforge_files_written_by_writer(void)
{
	char cdir[128], path[256];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up = origin("a.example");

	leaf_path(path, sizeof(path), cdir, fx.ca, up);
	certforge_hold_writer(fx.cf, true);
	get_only(fx.cf, up);
	certforge_flush(fx.cf);		/* returns at once: held */
	CU_ASSERT_FALSE(exists(path));
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 0);
	certforge_hold_writer(fx.cf, false);
	certforge_flush(fx.cf);
	CU_ASSERT_TRUE(exists(path));
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 1);
	CU_ASSERT_EQUAL(certforge_stores_dropped(fx.cf), 0);
	X509_free(up);
	fx_free(&fx);
}

/* A full queue drops (and counts) what does not fit; nothing waits. */
static void
test_certforge_files_queue_full(void)
{
	char cdir[128], host[64];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up;
	int i;

	certforge_hold_writer(fx.cf, true);
	for (i = 0; i < CERTFORGE_QUEUE_MAX + 3; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up = origin(host);
		get_only(fx.cf, up);
		X509_free(up);
	}
	CU_ASSERT_EQUAL(certforge_stores_dropped(fx.cf), 3);
	CU_ASSERT_EQUAL(count_files(cdir), 0);
	certforge_hold_writer(fx.cf, false);
	certforge_flush(fx.cf);
	/* All queued were written, within the bound. */
	CU_ASSERT_EQUAL(certforge_files(fx.cf), 4);
	CU_ASSERT_EQUAL(count_files(cdir), 4);
	CU_ASSERT_EQUAL(certforge_stores_dropped(fx.cf), 3);
	fx_free(&fx);
}

/* Freeing the forge does not wait for its queue: that is dropped. */
static void
test_certforge_files_free_drops_queue(void)
{
	char cdir[128], host[64];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	X509 *up;
	int i;

	certforge_hold_writer(fx.cf, true);
	for (i = 0; i < 3; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up = origin(host);
		get_only(fx.cf, up);
		X509_free(up);
	}
	certforge_free(fx.cf);
	fx.cf = NULL;
	CU_ASSERT_EQUAL(count_files(cdir), 0);
	fx_free(&fx);
}

static void
test_certforge_files_other_ca(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	struct fx fx2 = fx_new(0);
	X509 *up = origin("a.example"), *l1, *l2;
	struct certforge *cf2;

	/* Another CA, the same directory: its own leaves, the same key. */
	l1 = got(fx.cf, up, time(NULL));
	cf2 = certforge_new(fx2.ca, 4, cdir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf2);
	l2 = got(cf2, up, time(NULL));
	CU_ASSERT_EQUAL(X509_verify(l2, X509_get0_pubkey(ca_cert(fx2.ca))),
	    1);
	CU_ASSERT_NOT_EQUAL(X509_cmp(l1, l2), 0);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(l1),
	    X509_get0_pubkey(l2)), 1);
	CU_ASSERT_EQUAL(count_files(cdir), 2);
	certforge_free(cf2);
	X509_free(l1);
	X509_free(l2);
	X509_free(up);
	fx_free(&fx2);
	fx_free(&fx);
}

static void
test_certforge_files_none_without_cache(void)
{
	char cdir[128];
	struct fx fx = fx_dir(0, cdir, sizeof(cdir));
	X509 *up = origin("a.example"), *leaf;
	EVP_PKEY *key = read_key(cdir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	leaf = got(fx.cf, up, time(NULL));
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(leaf), key), 1);
	CU_ASSERT_EQUAL(count_files(cdir), 0);
	X509_free(leaf);
	EVP_PKEY_free(key);
	X509_free(up);
	fx_free(&fx);
}

struct worker {
	pthread_t		 tid;
	struct certforge	*cf;
	X509			**up;
	int			 seed;
	int			 failures;
	int			 ctx_set;
};

/* No CUnit asserts here: CUnit is not thread-safe. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct werr e;
	struct forged *f;
	X509 *up, *leaf;
	void *ctx;
	int i;

	for (i = 0; i < NLOOPS; i++) {
		up = w->up[(i * 7 + w->seed) % NUPSTREAM];
		if (i % 10 == 0) {
			if ((leaf = certforge_leaf(w->cf, up, time(NULL),
			    &e)) == NULL)
				w->failures++;
			X509_free(leaf);
			continue;
		}
		if ((f = certforge_get(w->cf, up, time(NULL), &e)) == NULL) {
			w->failures++;
			continue;
		}
		if (X509_check_private_key(forged_cert(f),
		    forged_key(f)) != 1)
			w->failures++;
		if (forged_get_ctx(f) == NULL) {
			ctx = malloc(1);
			if (forged_set_ctx(f, ctx, count_free) == 0)
				w->ctx_set++;
			else
				free(ctx);
		}
		forged_unref(f);
	}
	return NULL;
}

static void
test_certforge_threads(void)
{
	struct fx fx = fx_new(4);
	struct worker w[NTHREADS];
	X509 *up[NUPSTREAM];
	char host[64];
	int i, failures = 0, set = 0;

	atomic_store(&ctx_freed, 0);
	for (i = 0; i < NUPSTREAM; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up[i] = origin(host);
	}
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .cf = fx.cf, .up = up, .seed = i };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&w[i].tid, NULL,
		    worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].tid, NULL);
		failures += w[i].failures;
		set += w[i].ctx_set;
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(certforge_cached(fx.cf) <= 4);
	CU_ASSERT(set >= 4);
	fx_free(&fx);
	/* Every ctx set was freed, each once. */
	CU_ASSERT_EQUAL(atomic_load(&ctx_freed), set);
	for (i = 0; i < NUPSTREAM; i++)
		X509_free(up[i]);
}

/* The same, with a cache directory: reads and writes race too. */
static void
test_certforge_threads_dir(void)
{
	char cdir[128];
	struct fx fx = fx_dir(4, cdir, sizeof(cdir));
	struct worker w[NTHREADS];
	X509 *up[NUPSTREAM];
	char host[64];
	int i, failures = 0;

	for (i = 0; i < NUPSTREAM; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		up[i] = origin(host);
	}
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .cf = fx.cf, .up = up, .seed = i };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&w[i].tid, NULL,
		    worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].tid, NULL);
		failures += w[i].failures;
	}
	certforge_flush(fx.cf);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(certforge_files(fx.cf) <= 4);
	CU_ASSERT(count_files(cdir) <= 4);
	fx_free(&fx);
	for (i = 0; i < NUPSTREAM; i++)
		X509_free(up[i]);
}

static CU_TestInfo cu_tests[] = {
	{ "subject mirrored", test_certforge_subject_mirrored },
	{ "issuer is the CA", test_certforge_issuer_is_ca },
	{ "signed by the CA", test_certforge_signed_by_ca },
	{ "verifies for its host", test_certforge_verifies_for_host },
	{ "SAN DNS", test_certforge_san_dns },
	{ "SAN wildcard", test_certforge_san_wildcard },
	{ "SAN IP", test_certforge_san_ip },
	{ "SAN other kinds dropped", test_certforge_san_other_kinds_dropped },
	{ "SAN from CN", test_certforge_san_from_cn },
	{ "SAN from IP CN", test_certforge_san_from_ip_cn },
	{ "no host refused", test_certforge_no_host_refused },
	{ "empty subject", test_certforge_empty_subject },
	{ "extensions", test_certforge_extensions },
	{ "key identifiers", test_certforge_key_identifiers },
	{ "notAfter clipped to CA", test_certforge_not_after_clipped_to_ca },
	{ "notAfter upstream", test_certforge_not_after_upstream },
	{ "notBefore clipped to CA", test_certforge_not_before_clipped_to_ca },
	{ "at most 825 days", test_certforge_validity_at_most_825_days },
	{ "notBefore upstream", test_certforge_not_before_upstream },
	{ "notBefore in the future", test_certforge_not_before_future },
	{ "upstream expired", test_certforge_upstream_expired },
	{ "CA expired", test_certforge_ca_expired },
	{ "serials unique", test_certforge_serials_unique },
	{ "shared leaf key", test_certforge_shared_leaf_key },
	{ "entry key matches", test_certforge_entry_key_matches },
	{ "cache hit", test_certforge_cache_hit },
	{ "cache different upstream",
	    test_certforge_cache_different_upstream },
	{ "cache LRU", test_certforge_cache_lru },
	{ "evicted entry still valid", test_certforge_evicted_still_valid },
	{ "ctx freed once", test_certforge_ctx_freed_once },
	{ "ctx freed with the forge", test_certforge_ctx_freed_with_forge },
	{ "entry outlives the forge", test_certforge_entry_outlives_forge },
	{ "no cache", test_certforge_no_cache },
	{ "cache expired entry", test_certforge_cache_expired_entry },
	{ "threads", test_certforge_threads },
	{ "dir: created 0700, key 0600", test_certforge_dir_created },
	{ "dir: parent missing", test_certforge_dir_parent_missing },
	{ "dir: world-writable refused", test_certforge_dir_world_writable },
	{ "dir: group-writable refused", test_certforge_dir_group_writable },
	{ "dir: symbolic link refused", test_certforge_dir_symlink },
	{ "dir: not a directory", test_certforge_dir_not_a_directory },
	{ "dir: not ours refused", test_certforge_dir_not_ours },
	{ "dir: check changes nothing",
	    test_certforge_check_dir_changes_nothing },
	{ "dir: check wants a parent to make it in",
	    test_certforge_check_dir_parent },
	{ "key: kept across restarts",
	    test_certforge_key_kept_across_restarts },
	{ "key: garbage replaced", test_certforge_key_garbage_replaced },
	{ "key: wrong curve replaced",
	    test_certforge_key_wrong_curve_replaced },
	{ "key: open to others replaced",
	    test_certforge_key_open_to_others_replaced },
	{ "key: symbolic link not followed",
	    test_certforge_key_symlink_not_followed },
	{ "key: kept on a read error", test_certforge_key_read_error_kept },
	{ "file: leaf written", test_certforge_leaf_written },
	{ "file: leaf survives a restart",
	    test_certforge_leaf_survives_restart },
	{ "file: none without a directory",
	    test_certforge_leaf_not_kept_without_dir },
	{ "file: truncated", test_certforge_file_truncated },
	{ "file: garbage", test_certforge_file_garbage },
	{ "file: planted one accepted", test_certforge_file_planted_accepted },
	{ "file: another CA's", test_certforge_file_other_ca },
	{ "file: another key", test_certforge_file_other_key },
	{ "file: expired", test_certforge_file_expired },
	{ "file: beyond the upstream's", test_certforge_file_beyond_upstream },
	{ "file: another subject", test_certforge_file_other_subject },
	{ "file: another subjectAltName", test_certforge_file_other_san },
	{ "file: other extensions", test_certforge_file_other_extensions },
	{ "file: format version in the name",
	    test_certforge_file_format_in_name },
	{ "file: a FIFO is not read", test_certforge_file_fifo_not_read },
	{ "files: bounded", test_certforge_files_bounded },
	{ "files: pruned at start", test_certforge_files_pruned_at_start },
	{ "files: rewritten one counted once",
	    test_certforge_files_rewritten_once },
	{ "files: unknown id opens nothing",
	    test_certforge_files_unknown_not_opened },
	{ "files: written by the writer",
	    test_certforge_files_written_by_writer },
	{ "files: queue full, dropped", test_certforge_files_queue_full },
	{ "files: free drops the queue",
	    test_certforge_files_free_drops_queue },
	{ "files: another CA, same directory", test_certforge_files_other_ca },
	{ "files: none with no cache",
	    test_certforge_files_none_without_cache },
	{ "threads with a directory", test_certforge_threads_dir },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"certforge"
#include "cu_main.h"
