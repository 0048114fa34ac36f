#ifndef WARDEN_CA_H
#define WARDEN_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attrib.h"
#include "werr.h"

/*
 * The local root CA that HTTPS inspection forges leaf certificates from.
 * It lives in one directory as three files:
 *
 *	ca.key	the private key, PEM PKCS#8, mode 0600; stays on the host
 *	ca.crt	the certificate, PEM, mode 0644
 *	ca.der	the same in DER, mode 0644 (what browsers import)
 *
 * Files only, no network. Each file is replaced by rename, never written
 * in place.
 */

#define CA_FILE_KEY	"ca.key"
#define CA_FILE_CERT	"ca.crt"
#define CA_FILE_DER	"ca.der"

/* Room for the SHA-256 fingerprint, "AB:CD:...:EF" and its NUL. */
#define CA_FINGERPRINT_LEN	(32 * 3)

#define CA_CN_MAX	64		/* ub-common-name, RFC 5280 */
#define CA_DAYS_MAX	(100 * 366)

enum ca_keytype {
	CA_KEY_EC_P256,		/* ECDSA on P-256: the default */
	CA_KEY_RSA_3072,	/* for clients that cannot check ECDSA */
};

/* "EC P-256", "RSA 3072"; "?" for a value out of range. */
const char	*ca_keytype_str(enum ca_keytype kt);

struct ca;

/*
 * Makes a root CA in dir (created 0700 if missing; its parent must
 * exist): a new key of type kt and a self-signed X.509 v3 certificate,
 * subject "CN=cn, O=Warden local CA", valid from an hour ago (clock skew)
 * for days days (1 to CA_DAYS_MAX), with a random 159-bit serial,
 * basicConstraints critical CA:TRUE pathlen:0, keyUsage critical
 * keyCertSign and cRLSign, subject and authority key identifiers, signed
 * with SHA-256. cn is 1 to CA_CN_MAX bytes of UTF-8.
 *
 * Refuses when ca.crt or ca.key exists unless force is set. The key is
 * never readable by group or others, not even while it is written; a
 * crash leaves each file whole, old or new (a crash between two renames
 * can pair a new key with the old certificate: ca_load() then says they
 * do not match, and running this again with force repairs it).
 * 0, or -1 with err set.
 */
int	ca_create(const char *dir, enum ca_keytype kt, const char *cn,
	    unsigned days, bool force, struct werr *err) WD_NONNULL(1, 3)
	    WD_WUR;

/*
 * Loads dir/ca.crt and dir/ca.key and checks them: the key matches the
 * certificate, the certificate is a CA (basicConstraints CA:TRUE) valid
 * now, and ca.key is not open to group or others. Returns a new struct ca
 * (ca_free() it), or NULL with err set, naming the file at fault. Once
 * loaded, a struct ca is read-only: any thread may use it.
 */
struct ca	*ca_load(const char *dir, struct werr *err) WD_NONNULL(1)
		    WD_WUR;
void		 ca_free(struct ca *ca);

/*
 * The certificate and the private key: borrowed, valid until ca_free();
 * take a reference (X509_up_ref(), EVP_PKEY_up_ref()) to keep them longer.
 * Callers must not modify them.
 */
X509		*ca_cert(const struct ca *ca) WD_NONNULL(1);
EVP_PKEY	*ca_key(const struct ca *ca) WD_NONNULL(1);

/*
 * The SHA-256 fingerprint of the certificate's DER as uppercase hex pairs
 * joined by ':' (what browsers show) into out, which needs
 * CA_FINGERPRINT_LEN bytes. 0, or -1 when outlen is too small.
 */
int	ca_fingerprint(const struct ca *ca, char *out, size_t outlen)
	    WD_NONNULL(1, 2) WD_WUR;

/* The end of the certificate's validity. */
time_t	ca_not_after(const struct ca *ca) WD_NONNULL(1);

/*
 * Writes the certificate (never the key) to path, mode 0644: DER when
 * path ends in ".der" or ".cer" (any case), else PEM. The file is written
 * beside path and renamed over it. 0, or -1 with err set.
 */
int	ca_export(const struct ca *ca, const char *path, struct werr *err)
	    WD_NONNULL(1, 2) WD_WUR;

/*
 * The reason of the calling thread's last OpenSSL error, for a message
 * ("unknown OpenSSL error" when there is none); clears its error queue.
 * A static string.
 */
const char	*ca_openssl_error(void);

#endif
