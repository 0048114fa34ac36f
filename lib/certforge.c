#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "certforge.h"
#include "fileio.h"
#include "log.h"

#define CERTFORGE_ID_LEN	32	/* SHA-256 */
/* "<64 hex digits>.crt" and its NUL. */
#define CERTFORGE_NAME_SIZE	(2 * CERTFORGE_ID_LEN + \
				    sizeof(CERTFORGE_CERT_SUFFIX))
/* A leaf mirrors at most what a TLS server sends; the key is small. */
#define CERTFORGE_FILE_MAX	(256 * 1024)
#define CERTFORGE_TMP_PREFIX	".tmp-"
#define CERTFORGE_TMP_AGE	3600	/* seconds: surely left by a crash */
/* Files removed at once when the directory is full (at most). */
#define CERTFORGE_PRUNE_MAX	64
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

/* A leaf file the forge knows is in the cache directory. */
struct certforge_file {
	unsigned char		 id[CERTFORGE_ID_LEN];
	struct certforge_file	*hnext;		/* hash chain, or free list */
	struct certforge_file	*newer, *older;	/* by time written */
};

/* A leaf for the writer: a reference to it, and its cache key. */
struct certforge_job {
	unsigned char	 id[CERTFORGE_ID_LEN];
	X509		*cert;		/* a reference */
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

	/* The cache directory: open (-1: none), and its name for messages. */
	int		 dir_fd;
	char		*dir;		/* owned */
	bool		 disk;		/* a directory, and max > 0: files */
	atomic_bool	 write_warned;	/* one warning per forge */
	atomic_bool	 drop_warned;	/* likewise */
	atomic_size_t	 file_reads;
	atomic_size_t	 dropped;

	/*
	 * The writer, with files: one thread, started by the first leaf
	 * queued, that writes them and removes the oldest.
	 */
	pthread_mutex_t	 qlock;		/* guards what follows */
	pthread_cond_t	 qwork;		/* to the writer: a leaf, or stop */
	pthread_cond_t	 qidle;		/* from the writer: one done */
	/* Owned: a ring of CERTFORGE_QUEUE_MAX from qhead, qlen used. */
	struct certforge_job *queue;
	size_t		 qhead, qlen;
	pthread_t	 writer;
	bool		 started;	/* writer is to be joined */
	bool		 stop, held, busy;

	pthread_mutex_t	 lock;		/* guards what follows */
	/* Owned; each entry in it holds a reference for the cache. */
	struct forged	**bucket;
	size_t		 nbucket;	/* a power of two */
	struct forged	*newest, *oldest;
	atomic_size_t	 n;		/* set under lock, read anywhere */
	size_t		 max;
	/*
	 * Owned, with files: the leaf files in the directory, max nodes
	 * (a hash of nbucket chains, and a list by time written), so that
	 * a worker opens only a file that is there, and the oldest go
	 * first. Filled by the scan, then changed by the writer only.
	 */
	struct certforge_file	*fnode;
	struct certforge_file	**fbucket;
	struct certforge_file	*ffree, *fnewest, *foldest;
	atomic_size_t	 nfiles;	/* set under lock, read anywhere */
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

/* Never prompt on a terminal: an encrypted file is refused. */
static int
certforge_no_password(char *buf WD_UNUSED, int size WD_UNUSED,
    int rw WD_UNUSED, void *u WD_UNUSED)
{
	return -1;
}

/* The file name of a leaf: its cache key in hex, then ".crt". */
static void
certforge_file_name(const unsigned char *id, char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CERTFORGE_ID_LEN; i++) {
		name[2 * i] = hex[id[i] >> 4];
		name[2 * i + 1] = hex[id[i] & 0xf];
	}
	memcpy(name + 2 * CERTFORGE_ID_LEN, CERTFORGE_CERT_SUFFIX,
	    sizeof(CERTFORGE_CERT_SUFFIX));
}

static int
certforge_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The cache key a leaf's file name gives, as certforge_file_name(). */
static int
certforge_parse_name(const char *name, unsigned char *id)
{
	size_t i;
	int hi, lo;

	if (strlen(name) != CERTFORGE_NAME_SIZE - 1 ||
	    strcmp(name + 2 * CERTFORGE_ID_LEN, CERTFORGE_CERT_SUFFIX) != 0)
		return -1;
	for (i = 0; i < CERTFORGE_ID_LEN; i++) {
		if ((hi = certforge_hexval(name[2 * i])) == -1 ||
		    (lo = certforge_hexval(name[2 * i + 1])) == -1)
			return -1;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* What certforge_slurp() found. */
enum certforge_read {
	CERTFORGE_READ_OK,
	CERTFORGE_READ_MISSING,	/* no such file */
	CERTFORGE_READ_BAD,	/* not one to use: type, size, access */
	CERTFORGE_READ_ERROR,	/* could not tell: I/O error, out of memory */
};

/*
 * The whole of name in the cache directory: a regular file of at most
 * CERTFORGE_FILE_MAX bytes, opened neither through a symbolic link nor
 * blocking on a FIFO. CERTFORGE_READ_OK with *bufp (free() it), len and
 * st set; else what went wrong, with why set. A file we may not open
 * (EACCES) is BAD, like one of the wrong type: its owner or mode is
 * wrong, which reading again will not change; an error that might
 * (EIO, ENOMEM, EMFILE, ...) is ERROR.
 */
static enum certforge_read
certforge_slurp(const struct certforge *cf, const char *name,
    unsigned char **bufp, size_t *len, struct stat *st, struct werr *why)
{
	unsigned char *buf = NULL;
	enum certforge_read rc = CERTFORGE_READ_ERROR;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = openat(cf->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case ENOENT:
			werr_set(why, "%s", strerror(errno));
			return CERTFORGE_READ_MISSING;
		case ELOOP:
			werr_set(why, "a symbolic link, not followed");
			return CERTFORGE_READ_BAD;
		case EACCES:
		case EPERM:
		case ENXIO:	/* a socket */
		case ENODEV:	/* a device without a driver */
			werr_set(why, "%s", strerror(errno));
			return CERTFORGE_READ_BAD;
		default:
			werr_set(why, "%s", strerror(errno));
			return CERTFORGE_READ_ERROR;
		}
	}
	if (fstat(fd, st) == -1) {
		werr_set(why, "%s", strerror(errno));
		goto fail;
	}
	rc = CERTFORGE_READ_BAD;
	if (!S_ISREG(st->st_mode)) {
		werr_set(why, "not a regular file");
		goto fail;
	}
	if (st->st_size <= 0 || st->st_size > CERTFORGE_FILE_MAX) {
		werr_set(why, "%lld bytes (expected 1 to %d)",
		    (long long)st->st_size, CERTFORGE_FILE_MAX);
		goto fail;
	}
	rc = CERTFORGE_READ_ERROR;
	if ((buf = malloc((size_t)st->st_size)) == NULL) {
		werr_set(why, "out of memory");
		goto fail;
	}
	while (got < (size_t)st->st_size) {
		n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			werr_set(why, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;	/* shrunk meanwhile: parsing will tell */
		got += (size_t)n;
	}
	close(fd);
	*bufp = buf;
	*len = got;
	return CERTFORGE_READ_OK;
fail:
	if (buf != NULL)
		OPENSSL_cleanse(buf, got);	/* it may be the key */
	free(buf);
	close(fd);
	return rc;
}

/*
 * Writes len bytes as name in the cache directory: into a new file
 * beside it (created exclusively with mode, never through a link), then
 * renamed over it, so that a reader sees the old file or the new one
 * whole. With sync, the data and the rename are on disk when it returns.
 * 0, or -1 with err set.
 */
static int
certforge_write(struct certforge *cf, const char *name, const void *buf,
    size_t len, mode_t mode, bool sync, struct werr *err)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[sizeof(CERTFORGE_TMP_PREFIX) + 16];
	unsigned char rnd[8];
	size_t i, pl = sizeof(CERTFORGE_TMP_PREFIX) - 1;
	int fd = -1, tries;

	memcpy(tmp, CERTFORGE_TMP_PREFIX, pl);
	for (tries = 0; fd == -1 && tries < 4; tries++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return werr_set(err, "cannot name a temporary file: "
			    "%s", ca_openssl_error());
		for (i = 0; i < sizeof(rnd); i++) {
			tmp[pl + 2 * i] = hex[rnd[i] >> 4];
			tmp[pl + 2 * i + 1] = hex[rnd[i] & 0xf];
		}
		tmp[pl + 2 * sizeof(rnd)] = '\0';
		fd = openat(cf->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			return werr_set(err, "cannot create %s/%s: %s",
			    cf->dir, tmp, strerror(errno));
	}
	if (fd == -1)
		return werr_set(err, "cannot create a temporary file in %s: "
		    "%s", cf->dir, strerror(EEXIST));
	/* Exactly mode, whatever the umask. */
	if (fchmod(fd, mode) == -1 || fileio_write_all(fd, buf,
	    len) == -1 || (sync && fsync(fd) == -1)) {
		werr_set(err, "cannot write %s/%s: %s", cf->dir, tmp,
		    strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		werr_set(err, "cannot write %s/%s: %s", cf->dir, tmp,
		    strerror(errno));
		goto fail;
	}
	if (renameat(cf->dir_fd, tmp, cf->dir_fd, name) == -1) {
		werr_set(err, "cannot rename %s/%s to %s: %s", cf->dir, tmp,
		    name, strerror(errno));
		goto fail;
	}
	if (sync)
		(void)fsync(cf->dir_fd);
	return 0;
fail:
	(void)unlinkat(cf->dir_fd, tmp, 0);
	return -1;
}

/*
 * Opens the cache directory, first creating it mode 0700 when create is
 * set and it is missing, and checks it: a directory itself (not a
 * symbolic link), ours, not writable by group or others, since whoever
 * can write there chooses the leaf key Warden uses. The descriptor, or
 * -1 with err set.
 */
static int
certforge_dir_open(const char *path, bool create, struct werr *err)
{
	struct stat st;
	int fd;

	if (create && mkdir(path, 0700) == -1 && errno != EEXIST)
		return werr_set(err, "cannot create %s: %s", path,
		    strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return werr_set(err, "%s is a symbolic link: name the "
			    "directory itself", path);
		if (errno == ENOTDIR)
			return werr_set(err, "%s is not a directory", path);
		return werr_set(err, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		werr_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		werr_set(err, "%s belongs to uid %u, not to uid %u that "
		    "wardend runs as", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		werr_set(err, "%s is writable by group or others (mode %04o): "
		    "chmod 700 it", path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Whether certforge_new() could create path: its parent a directory we
 * may write in (as the effective user, which wardend -t runs as). 0, or
 * -1 with err set.
 */
static int
certforge_check_parent(const char *path, struct werr *err)
{
	struct stat st;
	char *copy;
	const char *parent;
	int rc = -1;

	if ((copy = strdup(path)) == NULL)
		return werr_set(err, "out of memory");
	parent = dirname(copy);
	if (stat(parent, &st) == -1)
		werr_set(err, "%s cannot be created: %s: %s", path, parent,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		werr_set(err, "%s cannot be created: %s is not a directory",
		    path, parent);
	else if (faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) == -1)
		werr_set(err, "%s cannot be created: %s is not writable by "
		    "uid %u: %s", path, parent, (unsigned)geteuid(),
		    strerror(errno));
	else
		rc = 0;
	free(copy);
	return rc;
}

int
certforge_check_dir(const char *path, struct werr *err)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == -1 && errno == ENOENT)
		return certforge_check_parent(path, err);
	if ((fd = certforge_dir_open(path, false, err)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* An EC P-256 key pair that checks out. */
static bool
certforge_key_ok(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx;
	char group[64];
	bool ok;

	if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, group,
	    sizeof(group), NULL) != 1 || strcmp(group, "prime256v1") != 0)
		return false;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL)
		return false;
	ok = EVP_PKEY_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * The leaf key kept in the cache directory: 0 with *keyp set, or NULL
 * when it is missing or unusable (said in the log, as the key is then
 * replaced); -1 with err set when it could not be read (an I/O error,
 * out of memory), which replacing would turn into the loss of a good
 * key.
 */
static int
certforge_key_load(struct certforge *cf, EVP_PKEY **keyp, struct werr *err)
{
	enum certforge_read r;
	struct werr why;
	struct stat st;
	unsigned char *buf = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	int rc = 0;

	*keyp = NULL;
	r = certforge_slurp(cf, CERTFORGE_KEY_FILE, &buf, &len, &st, &why);
	if (r == CERTFORGE_READ_MISSING)
		return 0;
	/* Read: now is it ours, and a key? (Else why is set.) */
	if (r == CERTFORGE_READ_OK) {
		r = CERTFORGE_READ_BAD;
		if (st.st_uid != geteuid())
			werr_set(&why, "belongs to uid %u, not to us",
			    (unsigned)st.st_uid);
		else if ((st.st_mode & 077) != 0)
			werr_set(&why, "mode %04o lets other users read it",
			    (unsigned)(st.st_mode & 07777));
		else if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
			werr_set(&why, "out of memory");
			r = CERTFORGE_READ_ERROR;
		} else if ((key = PEM_read_bio_PrivateKey(bio, NULL,
		    certforge_no_password, NULL)) == NULL) {
			/* Out of memory says nothing of the file. */
			if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    ERR_R_MALLOC_FAILURE) {
				werr_set(&why, "out of memory");
				r = CERTFORGE_READ_ERROR;
			} else
				werr_set(&why, "not an unencrypted PEM "
				    "private key");
		} else if (!certforge_key_ok(key))
			werr_set(&why, "not an EC P-256 key pair");
		else
			r = CERTFORGE_READ_OK;
	}

	if (r == CERTFORGE_READ_OK) {
		*keyp = key;
		key = NULL;
	} else if (r == CERTFORGE_READ_BAD) {
		log_warnx("%s/%s: %s; making a new leaf key (the leaves "
		    "cached with the old one will be forged again)", cf->dir,
		    CERTFORGE_KEY_FILE, why.msg);
	} else {
		rc = werr_set(err, "cannot read %s/%s: %s (kept as it is: fix "
		    "that, or remove it for a new leaf key)", cf->dir,
		    CERTFORGE_KEY_FILE, why.msg);
	}
	EVP_PKEY_free(key);
	BIO_free(bio);
	if (buf != NULL)
		OPENSSL_cleanse(buf, len);
	free(buf);
	ERR_clear_error();
	return rc;
}

/* A new leaf key, written to the cache directory when there is one. */
static EVP_PKEY *
certforge_key_make(struct certforge *cf, struct werr *err)
{
	EVP_PKEY *key;
	BIO *bio = NULL;
	char *pem;
	long len;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		werr_set(err, "cannot make the leaf key: %s",
		    ca_openssl_error());
		return NULL;
	}
	if (cf->dir_fd == -1)
		return key;
	/* Secure memory: cleansed when freed. */
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) != 1 || (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		werr_set(err, "cannot encode the leaf key: %s",
		    ca_openssl_error());
		goto fail;
	}
	if (certforge_write(cf, CERTFORGE_KEY_FILE, pem, (size_t)len, 0600,
	    true, err) == -1)
		goto fail;
	BIO_free(bio);
	return key;
fail:
	BIO_free(bio);
	EVP_PKEY_free(key);
	return NULL;
}

/* A chain in the cache's hash, or in the files'. */
static size_t
certforge_slot(const struct certforge *cf, const unsigned char *id)
{
	size_t h;

	/* id is a SHA-256 already: any of its bytes will do. */
	memcpy(&h, id, sizeof(h));
	return h & (cf->nbucket - 1);
}

/*
 * The leaf files the forge knows are there: changed by the scan, before
 * any other thread sees the forge, then by the writer only, under
 * cf->lock. Workers only look.
 */

static struct certforge_file *
certforge_files_find(const struct certforge *cf, const unsigned char *id)
{
	struct certforge_file *n;

	for (n = cf->fbucket[certforge_slot(cf, id)]; n != NULL; n = n->hnext)
		if (memcmp(n->id, id, CERTFORGE_ID_LEN) == 0)
			return n;
	return NULL;
}

static void
certforge_files_unlist(struct certforge *cf, struct certforge_file *n)
{
	if (n->newer != NULL)
		n->newer->older = n->older;
	else
		cf->fnewest = n->older;
	if (n->older != NULL)
		n->older->newer = n->newer;
	else
		cf->foldest = n->newer;
	n->newer = n->older = NULL;
}

static void
certforge_files_list_newest(struct certforge *cf, struct certforge_file *n)
{
	n->newer = NULL;
	n->older = cf->fnewest;
	if (cf->fnewest != NULL)
		cf->fnewest->newer = n;
	else
		cf->foldest = n;
	cf->fnewest = n;
}

/*
 * Records that id's file was just written, as the newest: once, even
 * when it was there already (a file that was refused, written again).
 * There is room: certforge_files_room() made it.
 */
static void
certforge_files_add(struct certforge *cf, const unsigned char *id)
{
	struct certforge_file *n;
	size_t s;

	if ((n = certforge_files_find(cf, id)) != NULL) {
		certforge_files_unlist(cf, n);
		certforge_files_list_newest(cf, n);
		return;
	}
	if ((n = cf->ffree) == NULL)
		return;		/* cannot be: see certforge_files_room() */
	cf->ffree = n->hnext;
	memcpy(n->id, id, CERTFORGE_ID_LEN);
	s = certforge_slot(cf, id);
	n->hnext = cf->fbucket[s];
	cf->fbucket[s] = n;
	certforge_files_list_newest(cf, n);
	atomic_store(&cf->nfiles, atomic_load(&cf->nfiles) + 1);
}

/* Forgets n, whose file is removed. */
static void
certforge_files_forget(struct certforge *cf, struct certforge_file *n)
{
	struct certforge_file **pp;

	for (pp = &cf->fbucket[certforge_slot(cf, n->id)]; *pp != n;
	    pp = &(*pp)->hnext)
		continue;
	*pp = n->hnext;
	certforge_files_unlist(cf, n);
	n->hnext = cf->ffree;
	cf->ffree = n;
	atomic_store(&cf->nfiles, atomic_load(&cf->nfiles) - 1);
}

/*
 * Makes room for id's file before it is written, unless it is there
 * already: when the directory holds max files, the oldest few (a batch,
 * so that this is not done at every store) are forgotten, so that no
 * worker opens them any more, and move to victims, for the caller to
 * remove once unlocked. Returns how many moved.
 */
static size_t
certforge_files_room(struct certforge *cf, const unsigned char *id,
    unsigned char (*victims)[CERTFORGE_ID_LEN])
{
	struct certforge_file *n;
	size_t i = 0, batch;

	if (atomic_load(&cf->nfiles) < cf->max ||
	    certforge_files_find(cf, id) != NULL)
		return 0;
	batch = cf->max / 16;
	if (batch > CERTFORGE_PRUNE_MAX)
		batch = CERTFORGE_PRUNE_MAX;
	if (batch == 0)
		batch = 1;
	for (; i < batch && (n = cf->foldest) != NULL; i++) {
		memcpy(victims[i], n->id, CERTFORGE_ID_LEN);
		certforge_files_forget(cf, n);
	}
	return i;
}

struct certforge_scanned {
	struct timespec	 mtime;
	unsigned char	 id[CERTFORGE_ID_LEN];
};

/* Oldest first; the name settles ties, so the order is always the same. */
static int
certforge_scanned_cmp(const void *a, const void *b)
{
	const struct certforge_scanned *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return memcmp(x->id, y->id, CERTFORGE_ID_LEN);
}

/*
 * Reads the cache directory once, at start: the leaf files there, by
 * age, are what the forge knows (the oldest beyond max are removed),
 * and temporary files a crash left behind are removed. Other names are
 * left alone.
 */
static int
certforge_scan(struct certforge *cf, time_t now, struct werr *err)
{
	struct certforge_scanned *v = NULL, *nv;
	char name[CERTFORGE_NAME_SIZE];
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i, skip;
	DIR *d;
	int fd, rc = -1;

	if ((fd = dup(cf->dir_fd)) == -1)
		return werr_set(err, "%s: %s", cf->dir, strerror(errno));
	if ((d = fdopendir(fd)) == NULL) {
		werr_set(err, "%s: %s", cf->dir, strerror(errno));
		close(fd);
		return -1;
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strncmp(de->d_name, CERTFORGE_TMP_PREFIX,
		    sizeof(CERTFORGE_TMP_PREFIX) - 1) == 0) {
			if (fstatat(cf->dir_fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
			    st.st_mtime < now - CERTFORGE_TMP_AGE)
				(void)unlinkat(cf->dir_fd, de->d_name, 0);
			continue;
		}
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				werr_set(err, "out of memory");
				goto done;
			}
			v = nv;
		}
		if (certforge_parse_name(de->d_name, v[n].id) == -1 ||
		    fstatat(cf->dir_fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		v[n++].mtime = st.st_mtim;
	}
	if (errno != 0) {
		werr_set(err, "cannot read %s: %s", cf->dir, strerror(errno));
		goto done;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), certforge_scanned_cmp);
	skip = n > cf->max ? n - cf->max : 0;
	for (i = 0; i < skip; i++) {
		certforge_file_name(v[i].id, name);
		(void)unlinkat(cf->dir_fd, name, 0);
	}
	for (i = skip; i < n; i++)
		certforge_files_add(cf, v[i].id);
	rc = 0;
done:
	free(v);
	closedir(d);
	return rc;
}

/* The forge's locks: all made (0), or none (-1). */
static int
certforge_sync_init(struct certforge *cf)
{
	int made = 0;

	if (pthread_mutex_init(&cf->lock, NULL) == 0 && ++made > 0 &&
	    pthread_mutex_init(&cf->qlock, NULL) == 0 && ++made > 0 &&
	    pthread_cond_init(&cf->qwork, NULL) == 0 && ++made > 0 &&
	    pthread_cond_init(&cf->qidle, NULL) == 0)
		return 0;
	if (made > 2)
		pthread_cond_destroy(&cf->qwork);
	if (made > 1)
		pthread_mutex_destroy(&cf->qlock);
	if (made > 0)
		pthread_mutex_destroy(&cf->lock);
	return -1;
}

struct certforge *
certforge_new(const struct ca *ca, size_t cache_max, const char *cache_dir,
    struct werr *err)
{
	struct certforge *cf;
	unsigned int len;
	size_t nb, k;
	int i;

	if (cache_max > SIZE_MAX / 4 / sizeof(struct certforge_file)) {
		werr_set(err, "certificate cache of %zu entries is too large",
		    cache_max);
		return NULL;
	}
	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	cf->dir_fd = -1;
	if (certforge_sync_init(cf) == -1) {
		free(cf);
		werr_set(err, "cannot make the forge's locks");
		return NULL;
	}
	cf->max = cache_max;
	atomic_init(&cf->n, 0);
	atomic_init(&cf->nfiles, 0);
	atomic_init(&cf->write_warned, false);
	atomic_init(&cf->drop_warned, false);
	atomic_init(&cf->file_reads, 0);
	atomic_init(&cf->dropped, 0);
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
	if (cache_dir != NULL) {
		if ((cf->dir = strdup(cache_dir)) == NULL) {
			werr_set(err, "out of memory");
			goto fail;
		}
		if ((cf->dir_fd = certforge_dir_open(cache_dir, true,
		    err)) == -1 ||
		    certforge_key_load(cf, &cf->leaf_key, err) == -1)
			goto fail;
	}
	if (cf->leaf_key == NULL &&
	    (cf->leaf_key = certforge_key_make(cf, err)) == NULL)
		goto fail;
	if ((cf->disk = cf->dir_fd != -1 && cache_max > 0)) {
		if ((cf->fnode = calloc(cache_max, sizeof(*cf->fnode))) ==
		    NULL ||
		    (cf->fbucket = calloc(nb, sizeof(*cf->fbucket))) == NULL ||
		    (cf->queue = calloc(CERTFORGE_QUEUE_MAX,
		    sizeof(*cf->queue))) == NULL) {
			werr_set(err, "out of memory");
			goto fail;
		}
		for (k = 0; k < cache_max; k++) {
			cf->fnode[k].hnext = cf->ffree;
			cf->ffree = &cf->fnode[k];
		}
		if (certforge_scan(cf, time(NULL), err) == -1)
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
 * The leaf's subjectAltName for up: up's DNS and IP names, in order (its
 * other kinds name no TLS server), else its CN. Critical when the subject
 * is empty (RFC 5280 4.2.1.6). The same for a forge and for the check
 * of a file. Returns a new extension (X509_EXTENSION_free() it), or NULL
 * with err set.
 */
static X509_EXTENSION *
certforge_san_ext(const X509 *up, struct werr *err)
{
	GENERAL_NAMES *in, *out;
	GENERAL_NAME *gn, *dup;
	X509_EXTENSION *ext = NULL;
	int crit, i;

	in = X509_get_ext_d2i(up, NID_subject_alt_name, &crit, NULL);
	if (in == NULL && crit != -1) {
		werr_set(err, "the upstream certificate has a malformed or "
		    "repeated subjectAltName");
		return NULL;
	}
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
	if ((ext = X509V3_EXT_i2d(NID_subject_alt_name, crit, out)) == NULL)
		werr_set(err, "cannot copy the subjectAltName: %s",
		    ca_openssl_error());
done:
	GENERAL_NAMES_free(in);
	GENERAL_NAMES_free(out);
	return ext;
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
	X509_EXTENSION *san = NULL;
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
	    (san = certforge_san_ext(up, err)) == NULL)
		goto fail;
	/* In this order: certforge_file_exts_ok() expects it. */
	if (X509_add_ext(x, san, -1) != 1) {
		werr_set(err, "cannot copy the subjectAltName: %s",
		    ca_openssl_error());
		goto fail;
	}
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
	X509_EXTENSION_free(san);
	return x;
fail:
	X509_EXTENSION_free(san);
	X509_free(x);
	return NULL;
}

/*
 * The cache key: SHA-256 over CERTFORGE_FORMAT (4 octets, big-endian),
 * the CA's fingerprint and upstream's.
 */
static int
certforge_id(struct certforge *cf, const X509 *up, unsigned char *id,
    struct werr *err)
{
	unsigned char buf[4 + 2 * CERTFORGE_ID_LEN];
	unsigned int len;
	uint32_t v = CERTFORGE_FORMAT;

	buf[0] = (unsigned char)(v >> 24);
	buf[1] = (unsigned char)(v >> 16);
	buf[2] = (unsigned char)(v >> 8);
	buf[3] = (unsigned char)v;
	memcpy(buf + 4, cf->ca_fp, CERTFORGE_ID_LEN);
	if (X509_digest(up, EVP_sha256(), buf + 4 + CERTFORGE_ID_LEN,
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

/* A new entry for cert (taken), holding one reference, for the caller. */
static struct forged *
forged_new(struct certforge *cf, X509 *cert, const unsigned char *id,
    struct werr *err)
{
	struct forged *f;
	struct tm tm;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		werr_set(err, "out of memory");
		X509_free(cert);
		return NULL;
	}
	f->cert = cert;
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

/* a <= b, both well-formed. */
static bool
certforge_time_le(const ASN1_TIME *a, const ASN1_TIME *b)
{
	int c = ASN1_TIME_compare(a, b);

	return c == -1 || c == 0;
}

/* Whether a and b are the same extension: type, criticality, value. */
static bool
certforge_ext_eq(X509_EXTENSION *a, X509_EXTENSION *b)
{
	return a != NULL && b != NULL &&
	    OBJ_cmp(X509_EXTENSION_get_object(a),
	    X509_EXTENSION_get_object(b)) == 0 &&
	    X509_EXTENSION_get_critical(a) == X509_EXTENSION_get_critical(b) &&
	    ASN1_OCTET_STRING_cmp(X509_EXTENSION_get_data(a),
	    X509_EXTENSION_get_data(b)) == 0;
}

/*
 * Whether x carries the extensions a forge would give it for up now, in
 * the order certforge_leaf() adds them: its subjectAltName, then the
 * forge's own. 0, or -1 with why set.
 */
static int
certforge_file_exts_ok(struct certforge *cf, X509 *x, const X509 *up,
    struct werr *why)
{
	X509_EXTENSION *san;
	struct werr e;
	int i, rc = -1;

	if (X509_get_ext_count(x) != CERTFORGE_EXT_N + 1)
		return werr_set(why, "%d extensions, not %d",
		    X509_get_ext_count(x), CERTFORGE_EXT_N + 1);
	if ((san = certforge_san_ext(up, &e)) == NULL)
		return werr_set(why, "%s", e.msg);
	if (!certforge_ext_eq(X509_get_ext(x, 0), san)) {
		werr_set(why, "another subjectAltName");
		goto done;
	}
	for (i = 0; i < CERTFORGE_EXT_N; i++)
		if (!certforge_ext_eq(X509_get_ext(x, i + 1), cf->ext[i])) {
			werr_set(why, "other extensions");
			goto done;
		}
	rc = 0;
done:
	X509_EXTENSION_free(san);
	return rc;
}

/*
 * Whether x, read from the cache directory for up, is what a forge would
 * give now: issued and signed by the CA, for the leaf key and up's
 * subject, with the same extensions, within the same bounds of validity.
 * 0, or -1 with why set.
 */
static int
certforge_file_ok(struct certforge *cf, X509 *x, const X509 *up,
    time_t now, struct werr *why)
{
	const ASN1_TIME *nb = X509_get0_notBefore(x);
	const ASN1_TIME *na = X509_get0_notAfter(x);
	EVP_PKEY *pk;
	int days, secs;

	if ((X509_get_extension_flags(x) & EXFLAG_INVALID) != 0)
		return werr_set(why, "malformed extensions");
	if (X509_NAME_cmp(X509_get_issuer_name(x), cf->issuer) != 0)
		return werr_set(why, "issued by another CA");
	/* Before the signature, which costs the most. */
	if ((pk = X509_get0_pubkey(x)) == NULL ||
	    EVP_PKEY_eq(pk, cf->leaf_key) != 1)
		return werr_set(why, "not for the current leaf key");
	if (certforge_file_exts_ok(cf, x, up, why) == -1)
		return -1;
	if (X509_verify(x, X509_get0_pubkey(cf->ca_cert)) != 1)
		return werr_set(why, "not signed by the CA");
	if (X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_subject_name(up)) != 0)
		return werr_set(why, "for another subject");
	if (X509_cmp_time(na, &now) != 1)
		return werr_set(why, "expired");
	if (!certforge_time_le(na, X509_get0_notAfter(up)) ||
	    !certforge_time_le(na, X509_get0_notAfter(cf->ca_cert)) ||
	    !certforge_time_le(X509_get0_notBefore(up), nb) ||
	    !certforge_time_le(X509_get0_notBefore(cf->ca_cert), nb) ||
	    certforge_time_le(na, nb))
		return werr_set(why, "valid beyond the upstream certificate "
		    "or the CA");
	if (ASN1_TIME_diff(&days, &secs, nb, na) != 1 ||
	    days > CERTFORGE_MAX_DAYS ||
	    (days == CERTFORGE_MAX_DAYS && secs > 0))
		return werr_set(why, "valid for too long");
	return 0;
}

/*
 * The leaf kept for id in the cache directory when it passes
 * certforge_file_ok() (a new reference: X509_free() it), else NULL. Only
 * for an id the forge knows is there: one open() and one small read on
 * the calling thread, a worker's.
 */
static X509 *
certforge_file_load(struct certforge *cf, const X509 *up,
    const unsigned char *id, time_t now)
{
	char name[CERTFORGE_NAME_SIZE];
	unsigned char *buf = NULL;
	struct werr why;
	struct stat st;
	X509 *x = NULL;
	BIO *bio = NULL;
	size_t len;

	certforge_file_name(id, name);
	atomic_fetch_add(&cf->file_reads, 1);
	if (certforge_slurp(cf, name, &buf, &len, &st, &why) !=
	    CERTFORGE_READ_OK) {
		/*
		 * Gone since it was counted (removed by hand, or by another
		 * forge on the directory): the leaf forged now replaces it.
		 */
		log_debug("%s/%s: %s; forging it again", cf->dir, name,
		    why.msg);
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, certforge_no_password,
	    NULL)) == NULL)
		werr_set(&why, "not a PEM certificate (%s)",
		    ca_openssl_error());
	else if (certforge_file_ok(cf, x, up, now, &why) == 0)
		goto done;
	/* Damaged, or stale (another leaf key, expired): forged anew. */
	log_debug("%s/%s: %s; forging it again", cf->dir, name, why.msg);
	X509_free(x);
	x = NULL;
	ERR_clear_error();
done:
	BIO_free(bio);
	free(buf);
	return x;
}

/* The writer's work: the files, off the workers. */

/*
 * Writes cert as id's file in the cache directory. 0, or -1 when it
 * could not (a failure is logged, once per forge: the cache only saves
 * work).
 */
static int
certforge_file_store(struct certforge *cf, const unsigned char *id,
    X509 *cert)
{
	char name[CERTFORGE_NAME_SIZE];
	struct werr why;
	BIO *bio;
	char *pem;
	long len;

	certforge_file_name(id, name);
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, cert) != 1 ||
	    (len = BIO_get_mem_data(bio, &pem)) <= 0)
		werr_set(&why, "cannot encode %s: %s", name,
		    ca_openssl_error());
	/* Not synced: a file a crash damages is only forged again. */
	else if (certforge_write(cf, name, pem, (size_t)len, 0644, false,
	    &why) == 0) {
		BIO_free(bio);
		return 0;
	}
	BIO_free(bio);
	if (!atomic_exchange(&cf->write_warned, true))
		log_warnx("certificate cache: %s (further errors writing it "
		    "are not logged)", why.msg);
	return -1;
}

/* Removes the n files of ids, which certforge_files_room() gave. */
static void
certforge_file_prune(struct certforge *cf,
    unsigned char (*ids)[CERTFORGE_ID_LEN], size_t n)
{
	char name[CERTFORGE_NAME_SIZE];
	size_t i;

	for (i = 0; i < n; i++) {
		certforge_file_name(ids[i], name);
		if (unlinkat(cf->dir_fd, name, 0) == -1 && errno != ENOENT)
			log_debug("cannot remove %s/%s: %s", cf->dir, name,
			    strerror(errno));
	}
}

/*
 * Writes one leaf, making room first: the oldest files are forgotten
 * (no worker opens them from then on) and removed before the new one is
 * written and counted, so that the directory never holds more than max
 * files of this forge's.
 */
static void
certforge_file_put(struct certforge *cf, const unsigned char *id,
    X509 *cert)
{
	unsigned char victims[CERTFORGE_PRUNE_MAX][CERTFORGE_ID_LEN];
	size_t n;

	pthread_mutex_lock(&cf->lock);
	n = certforge_files_room(cf, id, victims);
	pthread_mutex_unlock(&cf->lock);
	certforge_file_prune(cf, victims, n);
	if (certforge_file_store(cf, id, cert) == -1)
		return;
	pthread_mutex_lock(&cf->lock);
	certforge_files_add(cf, id);
	pthread_mutex_unlock(&cf->lock);
}

static void *
certforge_writer_main(void *arg)
{
	struct certforge *cf = arg;
	struct certforge_job job;

	pthread_mutex_lock(&cf->qlock);
	for (;;) {
		while (!cf->stop && (cf->qlen == 0 || cf->held))
			pthread_cond_wait(&cf->qwork, &cf->qlock);
		if (cf->stop)
			break;
		job = cf->queue[cf->qhead];
		cf->qhead = (cf->qhead + 1) % CERTFORGE_QUEUE_MAX;
		cf->qlen--;
		cf->busy = true;
		pthread_mutex_unlock(&cf->qlock);
		certforge_file_put(cf, job.id, job.cert);
		X509_free(job.cert);
		pthread_mutex_lock(&cf->qlock);
		cf->busy = false;
		pthread_cond_broadcast(&cf->qidle);
	}
	pthread_mutex_unlock(&cf->qlock);
	return NULL;
}

/*
 * Hands f's leaf to the writer, starting it the first time; never
 * waits for it. When the queue is full (or the writer cannot start) the
 * leaf is not written: counted, and logged once per forge.
 */
static void
certforge_queue(struct certforge *cf, const struct forged *f)
{
	struct certforge_job *job;
	const char *why = NULL;

	pthread_mutex_lock(&cf->qlock);
	if (!cf->started && !cf->stop && pthread_create(&cf->writer, NULL,
	    certforge_writer_main, cf) == 0) {
		cf->started = true;
		(void)pthread_setname_np(cf->writer, "wd-certcache");
	}
	if (!cf->started)
		why = "the writer thread cannot start";
	else if (cf->qlen == CERTFORGE_QUEUE_MAX)
		why = "the write queue is full";
	else if (X509_up_ref(f->cert) != 1)
		why = "out of memory";
	else {
		job = &cf->queue[(cf->qhead + cf->qlen) % CERTFORGE_QUEUE_MAX];
		memcpy(job->id, f->id, CERTFORGE_ID_LEN);
		job->cert = f->cert;
		cf->qlen++;
		pthread_cond_signal(&cf->qwork);
	}
	pthread_mutex_unlock(&cf->qlock);
	if (why == NULL)
		return;
	atomic_fetch_add(&cf->dropped, 1);
	if (!atomic_exchange(&cf->drop_warned, true))
		log_warnx("certificate cache %s: a forged certificate was not "
		    "written (%s); it will be forged again after a restart "
		    "(further ones are only counted)", cf->dir, why);
}

/* The rest: under cf->lock. */

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
	X509 *x = NULL;
	bool known = false, store = false;

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
	if (f == NULL && cf->disk)
		known = certforge_files_find(cf, id) != NULL;
	pthread_mutex_unlock(&cf->lock);
	forged_unref(drop);
	if (f != NULL)
		return f;

	/*
	 * A miss: read the file (only one that is there) or forge, without
	 * the lock, so other workers go on.
	 */
	if (known)
		x = certforge_file_load(cf, up, id, now);
	if (x == NULL) {
		if ((x = certforge_leaf(cf, up, now, err)) == NULL)
			return NULL;
		store = cf->disk;
	}
	if ((mine = forged_new(cf, x, id, err)) == NULL)
		return NULL;
	if (cf->max == 0)
		return mine;
	drop = NULL;
	pthread_mutex_lock(&cf->lock);
	if ((f = certforge_lookup(cf, id)) != NULL) {
		/* Another thread forged it meanwhile: share theirs. */
		f = certforge_hit(cf, f);
		drop = mine;
		store = false;
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
	/*
	 * Only the thread whose leaf the cache keeps has it written, so
	 * that the file holds the leaf clients were shown.
	 */
	if (store)
		certforge_queue(cf, f);
	return f;
}

size_t
certforge_cached(const struct certforge *cf)
{
	return atomic_load(&cf->n);
}

size_t
certforge_files(const struct certforge *cf)
{
	return atomic_load(&cf->nfiles);
}

size_t
certforge_file_reads(const struct certforge *cf)
{
	return atomic_load(&cf->file_reads);
}

size_t
certforge_stores_dropped(const struct certforge *cf)
{
	return atomic_load(&cf->dropped);
}

void
certforge_flush(struct certforge *cf)
{
	pthread_mutex_lock(&cf->qlock);
	while (cf->started && !cf->stop &&
	    (cf->busy || (cf->qlen > 0 && !cf->held)))
		pthread_cond_wait(&cf->qidle, &cf->qlock);
	pthread_mutex_unlock(&cf->qlock);
}

void
certforge_hold_writer(struct certforge *cf, bool hold)
{
	pthread_mutex_lock(&cf->qlock);
	cf->held = hold;
	pthread_cond_broadcast(&cf->qwork);
	pthread_cond_broadcast(&cf->qidle);
	pthread_mutex_unlock(&cf->qlock);
}

/*
 * Stops the writer: it finishes the file it is writing, if any; the
 * leaves still queued are dropped and counted, not written, since this
 * may run on a worker (see certforge_free()).
 */
static void
certforge_writer_stop(struct certforge *cf)
{
	size_t n;

	pthread_mutex_lock(&cf->qlock);
	cf->stop = true;
	pthread_cond_broadcast(&cf->qwork);
	pthread_mutex_unlock(&cf->qlock);
	if (cf->started)
		pthread_join(cf->writer, NULL);
	cf->started = false;
	if ((n = cf->qlen) == 0)
		return;
	for (; cf->qlen > 0; cf->qlen--) {
		X509_free(cf->queue[cf->qhead].cert);
		cf->qhead = (cf->qhead + 1) % CERTFORGE_QUEUE_MAX;
	}
	atomic_fetch_add(&cf->dropped, n);
	log_info("certificate cache %s: %zu forged certificate%s not written "
	    "before the configuration ended; forged again when needed",
	    cf->dir, n, n == 1 ? "" : "s");
}

void
certforge_free(struct certforge *cf)
{
	int i;

	if (cf == NULL)
		return;
	if (cf->queue != NULL)
		certforge_writer_stop(cf);
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
	free(cf->queue);
	free(cf->fnode);
	free(cf->fbucket);
	if (cf->dir_fd != -1)
		close(cf->dir_fd);
	free(cf->dir);
	pthread_cond_destroy(&cf->qidle);
	pthread_cond_destroy(&cf->qwork);
	pthread_mutex_destroy(&cf->qlock);
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
