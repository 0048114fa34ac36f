#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
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

#define DAY		(24L * 60 * 60)
#define MAX_DIRS	64

static struct werr	err;
static char		dirs[MAX_DIRS][64];
static int		ndirs;

static int
rm_one(const char *path, const struct stat *st WD_UNUSED, int flag WD_UNUSED,
    struct FTW *ftw WD_UNUSED)
{
	return remove(path);
}

/* Every directory newdir() made goes when the suite ends. */
static void
rm_dirs(void)
{
	int i;

	for (i = 0; i < ndirs; i++)
		nftw(dirs[i], rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A new empty directory under /tmp. */
static const char *
newdir(void)
{
	char *d;

	if (ndirs == 0)
		atexit(rm_dirs);
	CU_ASSERT_FATAL(ndirs < MAX_DIRS);
	d = dirs[ndirs];
	snprintf(d, sizeof(dirs[0]), "/tmp/warden-test-ca-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d));
	ndirs++;
	return d;
}

/* dir/name, in a buffer good until the next four calls. */
static const char *
in(const char *dir, const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];
	int n;

	n = snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(buf[0]));
	return p;
}

/* A new CA in a new directory, loaded. */
static struct ca *
new_ca(enum ca_keytype kt, const char **dirp)
{
	const char *dir = newdir();
	struct ca *ca;

	CU_ASSERT_EQUAL_FATAL(ca_create(dir, kt, "Test CA", 30, false, &err),
	    0);
	ca = ca_load(dir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	if (dirp != NULL)
		*dirp = dir;
	return ca;
}

static X509 *
read_pem(const char *path)
{
	FILE *fp;
	X509 *x;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	return x;
}

static X509 *
read_der(const char *path)
{
	FILE *fp;
	X509 *x;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	x = d2i_X509_fp(fp, NULL);
	fclose(fp);
	return x;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static int
count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(write(fd, buf, len), (ssize_t)len);
	CU_ASSERT_EQUAL(fchmod(fd, mode), 0);
	close(fd);
}

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[8192];
	size_t n;
	FILE *fp;

	fp = fopen(from, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	write_file(to, buf, n, mode);
}

static time_t
to_time(const ASN1_TIME *t)
{
	struct tm tm;

	CU_ASSERT_EQUAL(ASN1_TIME_to_tm(t, &tm), 1);
	return timegm(&tm);
}

/*
 * Writes dir/ca.crt and dir/ca.key by hand: a self-signed certificate
 * valid from now + nb to now + na seconds, CA or not. What ca_create()
 * never makes, for ca_load() to judge.
 */
static void
hand_made(const char *dir, long nb, long na, bool is_ca)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	X509_NAME *name;
	EVP_PKEY *key;
	X509 *x;
	FILE *fp;
	time_t now = time(NULL);

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	x = X509_new();
	name = X509_get_subject_name(x);
	CU_ASSERT_EQUAL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Hand made", -1, -1, 0), 1);
	CU_ASSERT_EQUAL(X509_set_issuer_name(x, name), 1);
	CU_ASSERT_EQUAL(X509_set_version(x, X509_VERSION_3), 1);
	CU_ASSERT_EQUAL(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notBefore(x), nb,
	    &now));
	CU_ASSERT_PTR_NOT_NULL(X509_time_adj(X509_getm_notAfter(x), na,
	    &now));
	CU_ASSERT_EQUAL(X509_set_pubkey(x, key), 1);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &v3, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ext);
	CU_ASSERT_EQUAL(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	CU_ASSERT(X509_sign(x, key, EVP_sha256()) > 0);

	fp = fopen(in(dir, "ca.crt"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(PEM_write_X509(fp, x), 1);
	fclose(fp);
	fp = fopen(in(dir, "ca.key"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fchmod(fileno(fp), 0600), 0);
	CU_ASSERT_EQUAL(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* ca_load() fails; its message. */
static const char *
load_err(const char *dir)
{
	struct ca *ca;

	memset(&err, 0, sizeof(err));
	ca = ca_load(dir, &err);
	CU_ASSERT_PTR_NULL(ca);
	ca_free(ca);
	return err.msg;
}

static void
test_ca_keytype_str(void)
{
	CU_ASSERT_STRING_EQUAL(ca_keytype_str(CA_KEY_EC_P256), "EC P-256");
	CU_ASSERT_STRING_EQUAL(ca_keytype_str(CA_KEY_RSA_3072), "RSA 3072");
	CU_ASSERT_STRING_EQUAL(ca_keytype_str((enum ca_keytype)9), "?");
}

static void
test_ca_create_ec(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);

	CU_ASSERT_TRUE(EVP_PKEY_is_a(ca_key(ca), "EC"));
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(ca_key(ca)), 256);
	CU_ASSERT_EQUAL(X509_get_signature_nid(ca_cert(ca)),
	    NID_ecdsa_with_SHA256);
	CU_ASSERT_EQUAL(X509_check_private_key(ca_cert(ca), ca_key(ca)), 1);
	ca_free(ca);
}

static void
test_ca_create_rsa(void)
{
	struct ca *ca = new_ca(CA_KEY_RSA_3072, NULL);

	CU_ASSERT_TRUE(EVP_PKEY_is_a(ca_key(ca), "RSA"));
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(ca_key(ca)), 3072);
	CU_ASSERT_EQUAL(X509_get_signature_nid(ca_cert(ca)),
	    NID_sha256WithRSAEncryption);
	CU_ASSERT_EQUAL(X509_check_private_key(ca_cert(ca), ca_key(ca)), 1);
	ca_free(ca);
}

static void
test_ca_subject(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	X509_NAME *subj = X509_get_subject_name(ca_cert(ca));
	char buf[128];

	CU_ASSERT_EQUAL(X509_NAME_entry_count(subj), 2);
	CU_ASSERT_EQUAL(X509_NAME_get_text_by_NID(subj, NID_commonName, buf,
	    sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "Test CA");
	CU_ASSERT(X509_NAME_get_text_by_NID(subj, NID_organizationName, buf,
	    sizeof(buf)) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "Warden local CA");
	CU_ASSERT_EQUAL(X509_NAME_cmp(subj,
	    X509_get_issuer_name(ca_cert(ca))), 0);
	CU_ASSERT_EQUAL(X509_verify(ca_cert(ca), ca_key(ca)), 1);
	ca_free(ca);
}

static void
test_ca_version_and_serial(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	const ASN1_INTEGER *sn = X509_get0_serialNumber(ca_cert(ca));
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);

	CU_ASSERT_EQUAL(X509_get_version(ca_cert(ca)), X509_VERSION_3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bn);
	CU_ASSERT_FALSE(BN_is_negative(bn));
	CU_ASSERT_FALSE(BN_is_zero(bn));
	CU_ASSERT(BN_num_bits(bn) <= 159);
	/* 159 random bits: fewer than 128 is a 2^-31 chance. */
	CU_ASSERT(BN_num_bits(bn) > 128);
	BN_free(bn);
	ca_free(ca);
}

static void
test_ca_serials_differ(void)
{
	struct ca *a = new_ca(CA_KEY_EC_P256, NULL);
	struct ca *b = new_ca(CA_KEY_EC_P256, NULL);

	CU_ASSERT_NOT_EQUAL(ASN1_INTEGER_cmp(X509_get0_serialNumber(
	    ca_cert(a)), X509_get0_serialNumber(ca_cert(b))), 0);
	ca_free(a);
	ca_free(b);
}

static void
test_ca_basic_constraints(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	BASIC_CONSTRAINTS *bc;
	int crit = -1;

	bc = X509_get_ext_d2i(ca_cert(ca), NID_basic_constraints, &crit,
	    NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT_EQUAL(crit, 1);
	CU_ASSERT_TRUE(bc->ca);
	CU_ASSERT_PTR_NOT_NULL(bc->pathlen);
	CU_ASSERT_EQUAL(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	ca_free(ca);
}

static void
test_ca_key_usage(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	int i;

	CU_ASSERT_EQUAL(X509_get_key_usage(ca_cert(ca)),
	    KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	i = X509_get_ext_by_NID(ca_cert(ca), NID_key_usage, -1);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(X509_EXTENSION_get_critical(X509_get_ext(ca_cert(ca),
	    i)), 1);
	ca_free(ca);
}

static void
test_ca_key_identifiers(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	const ASN1_OCTET_STRING *ski, *aki;

	ski = X509_get0_subject_key_id(ca_cert(ca));
	aki = X509_get0_authority_key_id(ca_cert(ca));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ski);
	CU_ASSERT_PTR_NOT_NULL_FATAL(aki);
	CU_ASSERT_EQUAL(ASN1_STRING_length(ski), 20);
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(ski, aki), 0);
	ca_free(ca);
}

static void
test_ca_validity(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	time_t now = time(NULL), nb, na;

	nb = to_time(X509_get0_notBefore(ca_cert(ca)));
	na = to_time(X509_get0_notAfter(ca_cert(ca)));
	CU_ASSERT(nb >= now - 3600 - 60 && nb <= now - 3600);
	CU_ASSERT(na >= now + 30 * DAY - 60 && na <= now + 30 * DAY);
	CU_ASSERT_EQUAL(ca_not_after(ca), na);
	ca_free(ca);
}

static void
test_ca_file_modes(void)
{
	const char *dir = newdir();
	mode_t old;

	old = umask(0);
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "m", 1, false, &err),
	    0);
	umask(old);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.key")), 0600);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.crt")), 0644);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.der")), 0644);
}

static void
test_ca_file_modes_strict_umask(void)
{
	const char *dir = newdir();
	mode_t old;

	old = umask(077);
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "m", 1, false, &err),
	    0);
	umask(old);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.key")), 0600);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.crt")), 0644);
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.der")), 0644);
}

static void
test_ca_files_only(void)
{
	const char *dir = newdir();

	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "x", 1, false, &err),
	    0);
	CU_ASSERT_EQUAL(count_entries(dir), 3);	/* no temp file left */
}

static void
test_ca_key_is_pkcs8(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	char line[64] = "";
	FILE *fp;

	fp = fopen(in(dir, "ca.key"), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), fp));
	fclose(fp);
	CU_ASSERT_STRING_EQUAL(line, "-----BEGIN PRIVATE KEY-----\n");
	ca_free(ca);
}

static void
test_ca_der_matches_crt(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	X509 *der = read_der(in(dir, "ca.der"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	CU_ASSERT_EQUAL(X509_cmp(der, ca_cert(ca)), 0);
	X509_free(der);
	ca_free(ca);
}

static void
test_ca_makes_dir_0700(void)
{
	const char *dir = in(newdir(), "sub");
	char sub[256];
	mode_t old;

	snprintf(sub, sizeof(sub), "%s", dir);
	old = umask(0);
	CU_ASSERT_EQUAL(ca_create(sub, CA_KEY_EC_P256, "d", 1, false, &err),
	    0);
	umask(old);
	CU_ASSERT_EQUAL(mode_of(sub), 0700);
	CU_ASSERT_EQUAL(mode_of(in(sub, "ca.key")), 0600);
}

static void
test_ca_missing_parent(void)
{
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/a/b", newdir());
	CU_ASSERT_EQUAL(ca_create(sub, CA_KEY_EC_P256, "d", 1, false, &err),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot create"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, sub));
}

static void
test_ca_bad_args(void)
{
	const char *dir = newdir();
	char cn[CA_CN_MAX + 2];

	memset(cn, 'a', sizeof(cn) - 1);
	cn[sizeof(cn) - 1] = '\0';
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "x", 0, false, &err),
	    -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "the CA's lifetime must be 1 to 36600 days");
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "x", CA_DAYS_MAX + 1,
	    false, &err), -1);
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "", 1, false, &err),
	    -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "the CA's name must be 1 to 64 bytes");
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, cn, 1, false, &err),
	    -1);
	cn[CA_CN_MAX] = '\0';
	CU_ASSERT_EQUAL(count_entries(dir), 0);
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, cn, 1, false, &err),
	    0);
}

static void
test_ca_refuses_existing(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir), *again;
	char want[256], fp1[CA_FINGERPRINT_LEN], fp2[CA_FINGERPRINT_LEN];

	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "New", 30, false,
	    &err), -1);
	snprintf(want, sizeof(want), "a CA already exists in %s (ca.crt): "
	    "it is replaced only when asked to", dir);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	again = ca_load(dir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp1, sizeof(fp1)), 0);
	CU_ASSERT_EQUAL(ca_fingerprint(again, fp2, sizeof(fp2)), 0);
	CU_ASSERT_STRING_EQUAL(fp1, fp2);
	ca_free(again);
	ca_free(ca);
}

static void
test_ca_refuses_existing_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	char want[256];

	CU_ASSERT_EQUAL(unlink(in(dir, "ca.crt")), 0);
	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_EC_P256, "New", 30, false,
	    &err), -1);
	snprintf(want, sizeof(want), "a CA already exists in %s (ca.key): "
	    "it is replaced only when asked to", dir);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	ca_free(ca);
}

static void
test_ca_force_replaces(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir), *again;
	char fp1[CA_FINGERPRINT_LEN], fp2[CA_FINGERPRINT_LEN];

	CU_ASSERT_EQUAL(ca_create(dir, CA_KEY_RSA_3072, "New", 30, true,
	    &err), 0);
	again = ca_load(dir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp1, sizeof(fp1)), 0);
	CU_ASSERT_EQUAL(ca_fingerprint(again, fp2, sizeof(fp2)), 0);
	CU_ASSERT_STRING_NOT_EQUAL(fp1, fp2);
	CU_ASSERT_TRUE(EVP_PKEY_is_a(ca_key(again), "RSA"));
	CU_ASSERT_EQUAL(mode_of(in(dir, "ca.key")), 0600);
	CU_ASSERT_EQUAL(count_entries(dir), 3);
	ca_free(again);
	ca_free(ca);
}

static void
test_ca_fingerprint_format(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	char fp[CA_FINGERPRINT_LEN];
	size_t i;

	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp, sizeof(fp)), 0);
	CU_ASSERT_EQUAL(strlen(fp), 95);
	for (i = 0; i < 95; i++) {
		if (i % 3 == 2) {
			CU_ASSERT_EQUAL(fp[i], ':');
		} else {
			CU_ASSERT_PTR_NOT_NULL(strchr("0123456789ABCDEF",
			    fp[i]));
		}
	}
	ca_free(ca);
}

static void
test_ca_fingerprint_matches_digest(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	unsigned char md[EVP_MAX_MD_SIZE];
	char fp[CA_FINGERPRINT_LEN], want[CA_FINGERPRINT_LEN];
	unsigned int len, i;

	CU_ASSERT_EQUAL(X509_digest(ca_cert(ca), EVP_sha256(), md, &len), 1);
	CU_ASSERT_EQUAL_FATAL(len, 32);
	for (i = 0; i < len; i++)
		snprintf(want + 3 * i, 4, i + 1 < len ? "%02X:" : "%02X",
		    md[i]);
	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp, sizeof(fp)), 0);
	CU_ASSERT_STRING_EQUAL(fp, want);
	ca_free(ca);
}

static void
test_ca_fingerprint_short_buffer(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);
	char fp[CA_FINGERPRINT_LEN];

	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp, sizeof(fp) - 1), -1);
	CU_ASSERT_EQUAL(ca_fingerprint(ca, fp, sizeof(fp)), 0);
	ca_free(ca);
}

static void
test_ca_export_pem(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	const char *out = in(dir, "out.pem");
	X509 *x;
	mode_t old;

	old = umask(077);
	CU_ASSERT_EQUAL(ca_export(ca, out, &err), 0);
	umask(old);
	CU_ASSERT_EQUAL(mode_of(out), 0644);
	CU_ASSERT_PTR_NULL(read_der(out));
	x = read_pem(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(X509_cmp(x, ca_cert(ca)), 0);
	X509_free(x);
	ca_free(ca);
}

static void
test_ca_export_der(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	char out[256];
	X509 *x;

	snprintf(out, sizeof(out), "%s", in(dir, "out.der"));
	CU_ASSERT_EQUAL(ca_export(ca, out, &err), 0);
	CU_ASSERT_PTR_NULL(read_pem(out));
	x = read_der(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(X509_cmp(x, ca_cert(ca)), 0);
	X509_free(x);
	CU_ASSERT_EQUAL(mode_of(out), 0644);
	ca_free(ca);
}

static void
test_ca_export_any_case(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	char out[256];
	X509 *x;

	snprintf(out, sizeof(out), "%s", in(dir, "OUT.CER"));
	CU_ASSERT_EQUAL(ca_export(ca, out, &err), 0);
	x = read_der(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(X509_cmp(x, ca_cert(ca)), 0);
	X509_free(x);
	snprintf(out, sizeof(out), "%s", in(dir, "out.Der"));
	CU_ASSERT_EQUAL(ca_export(ca, out, &err), 0);
	x = read_der(out);
	CU_ASSERT_PTR_NOT_NULL(x);
	X509_free(x);
	ca_free(ca);
}

static void
test_ca_export_replaces(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	char out[256];
	X509 *x;

	snprintf(out, sizeof(out), "%s", in(dir, "old.crt"));
	write_file(out, "stale\n", 6, 0600);
	CU_ASSERT_EQUAL(ca_export(ca, out, &err), 0);
	CU_ASSERT_EQUAL(mode_of(out), 0644);
	x = read_pem(out);
	CU_ASSERT_PTR_NOT_NULL(x);
	X509_free(x);
	CU_ASSERT_EQUAL(count_entries(dir), 4);
	ca_free(ca);
}

static void
test_ca_export_never_over_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir), *again;
	char key[256];

	snprintf(key, sizeof(key), "%s", in(dir, "ca.key"));
	CU_ASSERT_EQUAL(ca_export(ca, key, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "private key"));
	again = ca_load(dir, &err);
	CU_ASSERT_PTR_NOT_NULL(again);
	ca_free(again);
	ca_free(ca);
}

static void
test_ca_export_bad_dir(void)
{
	struct ca *ca = new_ca(CA_KEY_EC_P256, NULL);

	CU_ASSERT_EQUAL(ca_export(ca, "/nonexistent/dir/ca.pem", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/dir/ca.pem"));
	ca_free(ca);
}

static void
test_ca_load_missing(void)
{
	const char *dir = newdir();
	const char *msg = load_err(dir);

	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in(dir, "ca.crt")));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no such file"));
}

static void
test_ca_load_missing_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);

	CU_ASSERT_EQUAL(unlink(in(dir, "ca.key")), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(load_err(dir), in(dir, "ca.key")));
	ca_free(ca);
}

static void
test_ca_load_key_mismatch(void)
{
	const char *a, *b;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &a);
	struct ca *cb = new_ca(CA_KEY_EC_P256, &b);
	char want[512];

	copy_file(in(b, "ca.key"), in(a, "ca.key"), 0600);
	snprintf(want, sizeof(want), "%s does not match %s",
	    in(a, "ca.key"), in(a, "ca.crt"));
	CU_ASSERT_PTR_NOT_NULL(strstr(load_err(a), want));
	ca_free(ca);
	ca_free(cb);
}

static void
test_ca_load_group_readable_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	const char *msg;

	CU_ASSERT_EQUAL(chmod(in(dir, "ca.key"), 0640), 0);
	msg = load_err(dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "mode 0640"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "chmod 600"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in(dir, "ca.key")));
	ca_free(ca);
}

static void
test_ca_load_world_readable_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);

	CU_ASSERT_EQUAL(chmod(in(dir, "ca.key"), 0604), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(load_err(dir), "mode 0604"));
	ca_free(ca);
}

static void
test_ca_load_hand_made(void)
{
	const char *dir = newdir();
	struct ca *ca;

	/* The helper below makes loadable files when asked to. */
	hand_made(dir, -DAY, DAY, true);
	ca = ca_load(dir, &err);
	CU_ASSERT_PTR_NOT_NULL(ca);
	ca_free(ca);
}

static void
test_ca_load_expired(void)
{
	const char *dir = newdir();
	const char *msg;

	hand_made(dir, -10 * DAY, -DAY, true);
	msg = load_err(dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in(dir, "ca.crt")));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expired on"));
}

static void
test_ca_load_not_yet_valid(void)
{
	const char *dir = newdir();

	hand_made(dir, DAY, 10 * DAY, true);
	CU_ASSERT_PTR_NOT_NULL(strstr(load_err(dir), "is not valid before"));
}

static void
test_ca_load_not_a_ca(void)
{
	const char *dir = newdir();

	hand_made(dir, -DAY, DAY, false);
	CU_ASSERT_PTR_NOT_NULL(strstr(load_err(dir), "is not a CA"));
}

static void
test_ca_load_garbage_cert(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	const char *msg;

	write_file(in(dir, "ca.crt"), "garbage\n", 8, 0644);
	msg = load_err(dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in(dir, "ca.crt")));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a PEM certificate"));
	ca_free(ca);
}

static void
test_ca_load_garbage_key(void)
{
	const char *dir;
	struct ca *ca = new_ca(CA_KEY_EC_P256, &dir);
	const char *msg;

	write_file(in(dir, "ca.key"), "garbage\n", 8, 0600);
	msg = load_err(dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in(dir, "ca.key")));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not an unencrypted PEM"));
	ca_free(ca);
}

static CU_TestInfo cu_tests[] = {
	{ "keytype str", test_ca_keytype_str },
	{ "create EC", test_ca_create_ec },
	{ "create RSA", test_ca_create_rsa },
	{ "subject", test_ca_subject },
	{ "version and serial", test_ca_version_and_serial },
	{ "serials differ", test_ca_serials_differ },
	{ "basicConstraints", test_ca_basic_constraints },
	{ "keyUsage", test_ca_key_usage },
	{ "key identifiers", test_ca_key_identifiers },
	{ "validity", test_ca_validity },
	{ "file modes", test_ca_file_modes },
	{ "file modes, strict umask", test_ca_file_modes_strict_umask },
	{ "files only", test_ca_files_only },
	{ "key is PKCS#8", test_ca_key_is_pkcs8 },
	{ "DER matches crt", test_ca_der_matches_crt },
	{ "makes dir 0700", test_ca_makes_dir_0700 },
	{ "missing parent", test_ca_missing_parent },
	{ "bad args", test_ca_bad_args },
	{ "refuses existing", test_ca_refuses_existing },
	{ "refuses existing key", test_ca_refuses_existing_key },
	{ "force replaces", test_ca_force_replaces },
	{ "fingerprint format", test_ca_fingerprint_format },
	{ "fingerprint matches digest", test_ca_fingerprint_matches_digest },
	{ "fingerprint short buffer", test_ca_fingerprint_short_buffer },
	{ "export PEM", test_ca_export_pem },
	{ "export DER", test_ca_export_der },
	{ "export .CER, .Der", test_ca_export_any_case },
	{ "export replaces", test_ca_export_replaces },
	{ "export never over key", test_ca_export_never_over_key },
	{ "export bad dir", test_ca_export_bad_dir },
	{ "load missing", test_ca_load_missing },
	{ "load missing key", test_ca_load_missing_key },
	{ "load key mismatch", test_ca_load_key_mismatch },
	{ "load group-readable key", test_ca_load_group_readable_key },
	{ "load world-readable key", test_ca_load_world_readable_key },
	{ "load hand made", test_ca_load_hand_made },
	{ "load expired", test_ca_load_expired },
	{ "load not yet valid", test_ca_load_not_yet_valid },
	{ "load not a CA", test_ca_load_not_a_ca },
	{ "load garbage cert", test_ca_load_garbage_cert },
	{ "load garbage key", test_ca_load_garbage_key },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"ca"
#include "cu_main.h"
