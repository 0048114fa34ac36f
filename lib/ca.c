#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "fileio.h"

#define CA_ORG		"Warden local CA"
/* Positive and at most 20 octets in DER (RFC 5280 4.1.2.2). */
#define CA_SERIAL_BITS	159
/* notBefore is this far in the past, for clients whose clock is behind. */
#define CA_SKEW		(60 * 60)
#define CA_TMP_SUFFIX	".tmp-XXXXXX"

struct ca {
	X509		*cert;		/* owned */
	EVP_PKEY	*key;		/* owned */
	unsigned char	 fp[32];	/* SHA-256 of the DER */
	time_t		 not_after;
	/* ca.key, which ca_export() must never replace. */
	dev_t		 key_dev;
	ino_t		 key_ino;
};

const char *
ca_keytype_str(enum ca_keytype kt)
{
	switch (kt) {
	case CA_KEY_EC_P256:
		return "EC P-256";
	case CA_KEY_RSA_3072:
		return "RSA 3072";
	}
	return "?";
}

const char *
ca_openssl_error(void)
{
	const char *r = NULL;
	unsigned long e;

	if ((e = ERR_peek_last_error()) != 0)
		r = ERR_reason_error_string(e);
	ERR_clear_error();
	return r != NULL ? r : "unknown OpenSSL error";
}

/* dir/name into buf. */
static int
ca_path(char *buf, size_t len, const char *dir, const char *name,
    struct werr *err)
{
	int n;

	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return werr_set(err, "%.200s: path too long", dir);
	return 0;
}

/* An ASN1_TIME as "2025-01-31 12:00:00 UTC", or "?" when malformed. */
static void
ca_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

/*
 * Writes len bytes into a new file beside path and puts its name in tmp.
 * mkostemp() opens it O_CREAT|O_EXCL with mode 0600 (POSIX), so a key is
 * never open to others, not even for a moment; fchmod() then gives it
 * mode whatever the umask. The data is synced before this returns, so a
 * rename over path shows it whole or not at all.
 */
static int
ca_write_tmp(const char *path, const void *buf, size_t len, mode_t mode,
    char *tmp, size_t tmplen, struct werr *err)
{
	int fd, n;

	n = snprintf(tmp, tmplen, "%s" CA_TMP_SUFFIX, path);
	if (n < 0 || (size_t)n >= tmplen)
		return werr_set(err, "%.200s: path too long", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		werr_set(err, "cannot create %s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		return -1;
	}
	if (fchmod(fd, mode) == -1 || fileio_write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		werr_set(err, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		werr_set(err, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	tmp[0] = '\0';
	return -1;
}

/* Makes the renames in dir durable; the files are in place regardless. */
static void
ca_sync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/* A memory BIO's bytes. */
static const unsigned char *
ca_bio_data(BIO *bio, size_t *len)
{
	char *p = NULL;
	long n;

	n = BIO_get_mem_data(bio, &p);
	*len = n > 0 ? (size_t)n : 0;
	return (const unsigned char *)p;
}

/* A random serial of at most CA_SERIAL_BITS bits, never zero. */
static int
ca_set_serial(X509 *x)
{
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn;
	int rc = -1;

	if ((bn = BN_new()) == NULL)
		return -1;
	do {
		if (BN_rand(bn, CA_SERIAL_BITS, BN_RAND_TOP_ANY,
		    BN_RAND_BOTTOM_ANY) != 1)
			goto done;
	} while (BN_is_zero(bn));
	if ((ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, ai) != 1)
		goto done;
	rc = 0;
done:
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* Adds the extension nid with the value in openssl.cnf syntax. */
static int
ca_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int rc;

	if ((ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static EVP_PKEY *
ca_keygen(enum ca_keytype kt)
{
	switch (kt) {
	case CA_KEY_EC_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case CA_KEY_RSA_3072:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	}
	return NULL;
}

/* The self-signed root certificate for key. */
static X509 *
ca_make_cert(EVP_PKEY *key, const char *cn, unsigned days, struct werr *err)
{
	X509V3_CTX v3;
	X509_NAME *name = NULL;
	X509 *x;
	time_t now = time(NULL);

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL)
		goto fail;
	/* Most significant first: reads "CN=cn, O=Warden local CA". */
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ca_set_serial(x) == -1 ||
	    X509_NAME_add_entry_by_NID(name, NID_organizationName,
	    MBSTRING_UTF8, (const unsigned char *)CA_ORG, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -CA_SKEW,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0,
	    &now) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;

	/* The subject key identifier first: the authority's is copied. */
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (ca_add_ext(x, &v3, NID_basic_constraints,
	    "critical,CA:TRUE,pathlen:0") == -1 ||
	    ca_add_ext(x, &v3, NID_key_usage,
	    "critical,keyCertSign,cRLSign") == -1 ||
	    ca_add_ext(x, &v3, NID_subject_key_identifier, "hash") == -1 ||
	    ca_add_ext(x, &v3, NID_authority_key_identifier,
	    "keyid:always") == -1)
		goto fail;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	werr_set(err, "cannot make the CA certificate: %s", ca_openssl_error());
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

/* Creates dir 0700 when missing; an existing one must be a directory. */
static int
ca_mkdir(const char *dir, struct werr *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0) {
		/* Exactly 0700, whatever the umask. */
		if (chmod(dir, 0700) == -1)
			return werr_set(err, "%s: %s", dir, strerror(errno));
		return 0;
	}
	if (errno != EEXIST)
		return werr_set(err, "cannot create %s: %s", dir,
		    strerror(errno));
	if (stat(dir, &st) == -1)
		return werr_set(err, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return werr_set(err, "%s is not a directory", dir);
	return 0;
}

/* -1 with err when path exists (or cannot be checked). */
static int
ca_refuse_existing(const char *dir, const char *name, const char *path,
    struct werr *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return werr_set(err, "a CA already exists in %s (%s): it is "
		    "replaced only when asked to", dir, name);
	if (errno != ENOENT)
		return werr_set(err, "%s: %s", path, strerror(errno));
	return 0;
}

int
ca_create(const char *dir, enum ca_keytype kt, const char *cn,
    unsigned days, bool force, struct werr *err)
{
	static const char *const names[3] = {
		CA_FILE_KEY, CA_FILE_CERT, CA_FILE_DER,
	};
	static const mode_t modes[3] = { 0600, 0644, 0644 };
	char path[3][PATH_MAX], tmp[3][PATH_MAX];
	const unsigned char *data;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	BIO *bio[3] = { NULL, NULL, NULL };
	size_t len, cnlen = strlen(cn);
	int i, rc = -1;

	memset(tmp, 0, sizeof(tmp));
	if ((unsigned)kt > CA_KEY_RSA_3072)
		return werr_set(err, "unknown CA key type %d", (int)kt);
	if (cnlen == 0 || cnlen > CA_CN_MAX)
		return werr_set(err, "the CA's name must be 1 to %d bytes",
		    CA_CN_MAX);
	if (days < 1 || days > CA_DAYS_MAX)
		return werr_set(err, "the CA's lifetime must be 1 to %d days",
		    CA_DAYS_MAX);
	for (i = 0; i < 3; i++)
		if (ca_path(path[i], sizeof(path[i]) - sizeof(CA_TMP_SUFFIX),
		    dir, names[i], err) == -1)
			return -1;
	if (ca_mkdir(dir, err) == -1)
		return -1;
	if (!force && (ca_refuse_existing(dir, CA_FILE_CERT, path[1],
	    err) == -1 || ca_refuse_existing(dir, CA_FILE_KEY, path[0],
	    err) == -1))
		return -1;

	if ((key = ca_keygen(kt)) == NULL) {
		werr_set(err, "cannot make a %s key: %s", ca_keytype_str(kt),
		    ca_openssl_error());
		goto done;
	}
	if ((x = ca_make_cert(key, cn, days, err)) == NULL)
		goto done;
	/* The key's buffer is cleansed when freed. */
	if ((bio[0] = BIO_new(BIO_s_secmem())) == NULL ||
	    (bio[1] = BIO_new(BIO_s_mem())) == NULL ||
	    (bio[2] = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PKCS8PrivateKey(bio[0], key, NULL, NULL, 0, NULL,
	    NULL) != 1 ||
	    PEM_write_bio_X509(bio[1], x) != 1 ||
	    i2d_X509_bio(bio[2], x) != 1) {
		werr_set(err, "cannot encode the CA: %s", ca_openssl_error());
		goto done;
	}

	/* All three are whole on disk before any replaces an old file. */
	for (i = 0; i < 3; i++) {
		data = ca_bio_data(bio[i], &len);
		if (ca_write_tmp(path[i], data, len, modes[i], tmp[i],
		    sizeof(tmp[i]), err) == -1)
			goto done;
	}
	for (i = 0; i < 3; i++) {
		if (rename(tmp[i], path[i]) == -1) {
			werr_set(err, "cannot rename %s to %s: %s", tmp[i],
			    path[i], strerror(errno));
			goto done;
		}
		tmp[i][0] = '\0';
	}
	ca_sync_dir(dir);
	rc = 0;
done:
	for (i = 0; i < 3; i++) {
		if (tmp[i][0] != '\0')
			unlink(tmp[i]);
		BIO_free(bio[i]);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* Never prompt on a terminal: an encrypted key is refused. */
static int
ca_no_password(char *buf WD_UNUSED, int size WD_UNUSED, int rw WD_UNUSED,
    void *u WD_UNUSED)
{
	return -1;
}

static X509 *
ca_read_cert(const char *path, struct werr *err)
{
	FILE *fp;
	X509 *x;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			werr_set(err, "%s: no such file (no CA yet? make one "
			    "with 'wardenctl ca init')", path);
		else
			werr_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(fp, NULL, ca_no_password, NULL);
	fclose(fp);
	if (x == NULL)
		werr_set(err, "%s: not a PEM certificate (%s)", path,
		    ca_openssl_error());
	return x;
}

/* The key, refused when group or others may read or write the file. */
static EVP_PKEY *
ca_read_key(struct ca *ca, const char *path, struct werr *err)
{
	struct stat st;
	EVP_PKEY *key;
	FILE *fp;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		werr_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		werr_set(err, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		werr_set(err, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		werr_set(err, "%s: mode %04o lets other users at the CA's "
		    "private key; chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	ca->key_dev = st.st_dev;
	ca->key_ino = st.st_ino;
	if ((fp = fdopen(fd, "r")) == NULL) {
		werr_set(err, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	key = PEM_read_PrivateKey(fp, NULL, ca_no_password, NULL);
	fclose(fp);
	if (key == NULL)
		werr_set(err, "%s: not an unencrypted PEM private key (%s)",
		    path, ca_openssl_error());
	return key;
}

/* The checks ca_load() promises, on the loaded pair. */
static int
ca_check(struct ca *ca, const char *crtpath, const char *keypath,
    struct werr *err)
{
	const ASN1_TIME *nb, *na;
	struct tm tm;
	uint32_t ku;
	unsigned int len;
	char when[64];
	time_t now = time(NULL);

	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		ERR_clear_error();
		return werr_set(err, "%s does not match %s (the key of "
		    "another CA?)", keypath, crtpath);
	}
	if ((X509_get_extension_flags(ca->cert) & EXFLAG_INVALID) != 0)
		return werr_set(err, "%s: malformed extensions", crtpath);
	if ((X509_get_extension_flags(ca->cert) & EXFLAG_CA) == 0)
		return werr_set(err, "%s is not a CA certificate (no "
		    "basicConstraints CA:TRUE)", crtpath);
	ku = X509_get_key_usage(ca->cert);
	if (ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN) == 0)
		return werr_set(err, "%s: its keyUsage does not allow "
		    "signing certificates", crtpath);

	nb = X509_get0_notBefore(ca->cert);
	na = X509_get0_notAfter(ca->cert);
	if (X509_cmp_time(nb, &now) != -1) {
		ca_time_str(nb, when, sizeof(when));
		return werr_set(err, "%s is not valid before %s (is the clock "
		    "right?)", crtpath, when);
	}
	if (X509_cmp_time(na, &now) != 1) {
		ca_time_str(na, when, sizeof(when));
		return werr_set(err, "%s expired on %s; make a new CA",
		    crtpath, when);
	}
	if (ASN1_TIME_to_tm(na, &tm) != 1)
		return werr_set(err, "%s: malformed notAfter", crtpath);
	ca->not_after = timegm(&tm);
	if (X509_digest(ca->cert, EVP_sha256(), ca->fp, &len) != 1 ||
	    len != sizeof(ca->fp))
		return werr_set(err, "%s: cannot hash it: %s", crtpath,
		    ca_openssl_error());
	return 0;
}

struct ca *
ca_load(const char *dir, struct werr *err)
{
	char crtpath[PATH_MAX], keypath[PATH_MAX];
	struct ca *ca;

	if (ca_path(crtpath, sizeof(crtpath), dir, CA_FILE_CERT, err) == -1 ||
	    ca_path(keypath, sizeof(keypath), dir, CA_FILE_KEY, err) == -1)
		return NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	if ((ca->cert = ca_read_cert(crtpath, err)) == NULL ||
	    (ca->key = ca_read_key(ca, keypath, err)) == NULL ||
	    ca_check(ca, crtpath, keypath, err) == -1) {
		ca_free(ca);
		return NULL;
	}
	return ca;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca);
}

X509 *
ca_cert(const struct ca *ca)
{
	return ca->cert;
}

EVP_PKEY *
ca_key(const struct ca *ca)
{
	return ca->key;
}

int
ca_fingerprint(const struct ca *ca, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (outlen < CA_FINGERPRINT_LEN)
		return -1;
	for (i = 0; i < sizeof(ca->fp); i++) {
		out[3 * i] = hex[ca->fp[i] >> 4];
		out[3 * i + 1] = hex[ca->fp[i] & 0xf];
		out[3 * i + 2] = ':';
	}
	out[3 * sizeof(ca->fp) - 1] = '\0';
	return 0;
}

time_t
ca_not_after(const struct ca *ca)
{
	return ca->not_after;
}

/* Whether path names a DER file: ".der" or ".cer", any case. */
static bool
ca_path_is_der(const char *path)
{
	size_t len = strlen(path);

	return len >= 4 && (strcasecmp(path + len - 4, ".der") == 0 ||
	    strcasecmp(path + len - 4, ".cer") == 0);
}

int
ca_export(const struct ca *ca, const char *path, struct werr *err)
{
	char tmp[PATH_MAX], parent[PATH_MAX], *slash;
	const unsigned char *data;
	struct stat st;
	size_t len;
	BIO *bio;
	int rc = -1, ok;

	if (path[0] == '\0')
		return werr_set(err, "no file to export the CA to");
	if (stat(path, &st) == 0 && st.st_dev == ca->key_dev &&
	    st.st_ino == ca->key_ino)
		return werr_set(err, "%s is the CA's private key; export "
		    "elsewhere", path);
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return werr_set(err, "out of memory");
	if (ca_path_is_der(path))
		ok = i2d_X509_bio(bio, ca->cert);
	else
		ok = PEM_write_bio_X509(bio, ca->cert);
	if (ok != 1) {
		werr_set(err, "cannot encode the CA: %s", ca_openssl_error());
		goto done;
	}
	data = ca_bio_data(bio, &len);
	if (ca_write_tmp(path, data, len, 0644, tmp, sizeof(tmp), err) == -1)
		goto done;
	if (rename(tmp, path) == -1) {
		werr_set(err, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		goto done;
	}
	snprintf(parent, sizeof(parent), "%s", path);
	if ((slash = strrchr(parent, '/')) == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	ca_sync_dir(parent);
	rc = 0;
done:
	BIO_free(bio);
	return rc;
}
