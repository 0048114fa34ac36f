#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attrib.h"
#include "ca.h"
#include "config.h"
#include "werr.h"

/*
 * wardenctl: the administrator's commands. For now the local root CA
 * that HTTPS inspection forges certificates from:
 *
 *	wardenctl [-c FILE] [-o KEY=VALUE]... ca init [-f] [-k] [-t ec|rsa]
 *	    [-n NAME] [-d DAYS]
 *	wardenctl [-c FILE] [-o KEY=VALUE]... ca show
 *	wardenctl [-c FILE] [-o KEY=VALUE]... ca export FILE
 *
 * It reads the configuration wardend reads (the same layout detection,
 * the same file), so both find the CA in tls_ca_dir.
 */

#define CTL_DAYS_DEFAULT	3650
#define CTL_DAYS_MAX		(100 * 366)
#define CTL_OPTS_MAX		64

static struct {
	const char	*conf_path;
	const char	*opts[CTL_OPTS_MAX];
	size_t		 nopts;
} args;

static void WD_NORETURN
usage(void)
{
	fprintf(stderr,
	    "usage: wardenctl [-c FILE] [-o KEY=VALUE]... COMMAND\n"
	    "commands:\n"
	    "  ca init [-f] [-k] [-t ec|rsa] [-n NAME] [-d DAYS]\n"
	    "                   make the local root CA in tls_ca_dir\n"
	    "                   (-f: replace an existing one; -k: keep an\n"
	    "                   existing one and succeed)\n"
	    "  ca show          print the CA's subject, fingerprint and "
	    "validity\n"
	    "  ca export FILE   write the CA certificate to FILE (DER when it\n"
	    "                   ends in .der or .cer, else PEM)\n");
	exit(2);
}

/* The configuration wardend would read. 0, or -1 with err. */
static int
ctl_config(struct config *cfg, struct werr *err)
{
	enum config_layout layout;
	const char *path = args.conf_path;
	size_t i;

	layout = config_layout_detect("wardenctl");
	if (path == NULL)
		path = config_default_file(layout);
	config_defaults(cfg, layout);
	if (path != NULL && config_load_file(cfg, path, err) == -1)
		return -1;
	for (i = 0; i < args.nopts; i++)
		if (config_set_option(cfg, args.opts[i], err) == -1)
			return -1;
	return config_finalise(cfg, err);
}

static void
ctl_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* What ca show and ca init print about a CA. */
static void
ctl_describe(const struct ca *ca, const char *dir)
{
	X509 *x = ca_cert(ca);
	EVP_PKEY *k = ca_key(ca);
	char fp[128], subject[512], until[64];

	if (ca_fingerprint(ca, fp, sizeof(fp)) == -1)
		snprintf(fp, sizeof(fp), "?");
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	ctl_time(ca_not_after(ca), until, sizeof(until));
	printf("subject:      %s\n", subject);
	printf("key:          %s, %d bits\n", EVP_PKEY_get_base_id(k) ==
	    EVP_PKEY_EC ? "ECDSA" : EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ?
	    "RSA" : "other", EVP_PKEY_get_bits(k));
	printf("SHA-256:      %s\n", fp);
	printf("valid until:  %s\n", until);
	printf("certificate:  %s/ca.crt (PEM), %s/ca.der (DER)\n", dir, dir);
	printf("private key:  %s/ca.key (never leaves this machine)\n", dir);
}

static int
ctl_ca_init(const struct config *cfg, int argc, char **argv)
{
	enum ca_keytype kt = CA_KEY_EC_P256;
	char name[256], path[PATH_MAX + 16];
	bool force = false, keep = false;
	unsigned long days = CTL_DAYS_DEFAULT;
	struct werr err;
	struct ca *ca;
	char *end;
	int c;

	snprintf(name, sizeof(name), "Warden local CA (%.40s)",
	    cfg->visible_hostname);
	optind = 1;
	while ((c = getopt(argc, argv, "fkt:n:d:")) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'k':
			keep = true;
			break;
		case 't':
			if (strcasecmp(optarg, "ec") == 0)
				kt = CA_KEY_EC_P256;
			else if (strcasecmp(optarg, "rsa") == 0)
				kt = CA_KEY_RSA_3072;
			else {
				fprintf(stderr, "wardenctl: ca init -t: '%s' "
				    "is not ec or rsa\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (*optarg == '\0' || strlen(optarg) > CA_CN_MAX) {
				fprintf(stderr, "wardenctl: ca init -n: a name "
				    "of 1 to 64 bytes\n");
				return 2;
			}
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 'd':
			errno = 0;
			days = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || days < 1 ||
			    days > CTL_DAYS_MAX) {
				fprintf(stderr, "wardenctl: ca init -d: "
				    "'%s' is not a number of days from 1 to "
				    "%d\n", optarg, CTL_DAYS_MAX);
				return 2;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (force && keep))
		usage();
	snprintf(path, sizeof(path), "%s/ca.crt", cfg->tls_ca_dir);
	if (keep && access(path, F_OK) == 0) {
		if ((ca = ca_load(cfg->tls_ca_dir, &err)) == NULL) {
			fprintf(stderr, "wardenctl: %s\n", err.msg);
			return 1;
		}
		printf("The Warden root CA in %s is kept.\n", cfg->tls_ca_dir);
		ctl_describe(ca, cfg->tls_ca_dir);
		ca_free(ca);
		return 0;
	}
	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "wardenctl: a CA already exists in %s: "
		    "'wardenctl ca init -f' replaces it (every browser must "
		    "then be given the new certificate), 'ca init -k' keeps "
		    "it\n", cfg->tls_ca_dir);
		return 1;
	}
	/* ca_create() makes tls_ca_dir itself; its parent must exist. */
	if (mkdir(cfg->state_dir, 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "wardenctl: cannot create %s: %s\n",
		    cfg->state_dir, strerror(errno));
		return 1;
	}
	if (ca_create(cfg->tls_ca_dir, kt, name, (unsigned)days, force,
	    &err) == -1 || (ca = ca_load(cfg->tls_ca_dir, &err)) == NULL) {
		fprintf(stderr, "wardenctl: %s\n", err.msg);
		return 1;
	}
	printf("Created the Warden root CA in %s.\n", cfg->tls_ca_dir);
	ctl_describe(ca, cfg->tls_ca_dir);
	printf("Push the certificate to the browsers: see doc/tls.md.\n");
	ca_free(ca);
	return 0;
}

static int
ctl_ca_show(const struct config *cfg, int argc, char **argv WD_UNUSED)
{
	struct werr err;
	struct ca *ca;

	if (argc != 1)
		usage();
	if ((ca = ca_load(cfg->tls_ca_dir, &err)) == NULL) {
		fprintf(stderr, "wardenctl: %s\n", err.msg);
		return 1;
	}
	ctl_describe(ca, cfg->tls_ca_dir);
	ca_free(ca);
	return 0;
}

static int
ctl_ca_export(const struct config *cfg, int argc, char **argv)
{
	struct werr err;
	struct ca *ca;
	int rc = 0;

	if (argc != 2)
		usage();
	if ((ca = ca_load(cfg->tls_ca_dir, &err)) == NULL) {
		fprintf(stderr, "wardenctl: %s\n", err.msg);
		return 1;
	}
	if (ca_export(ca, argv[1], &err) == -1) {
		fprintf(stderr, "wardenctl: %s\n", err.msg);
		rc = 1;
	}
	ca_free(ca);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config *cfg;
	struct werr err;
	int c, rc;

	while ((c = getopt(argc, argv, "+c:o:h")) != -1) {
		switch (c) {
		case 'c':
			args.conf_path = optarg;
			break;
		case 'o':
			if (args.nopts == CTL_OPTS_MAX) {
				fprintf(stderr, "wardenctl: too many -o\n");
				return 2;
			}
			args.opts[args.nopts++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || strcmp(argv[0], "ca") != 0)
		usage();
	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		fprintf(stderr, "wardenctl: out of memory\n");
		return 1;
	}
	if (ctl_config(cfg, &err) == -1) {
		fprintf(stderr, "wardenctl: %s\n", err.msg);
		free(cfg);
		return 1;
	}
	argc--;
	argv++;
	if (strcmp(argv[0], "init") == 0)
		rc = ctl_ca_init(cfg, argc, argv);
	else if (strcmp(argv[0], "show") == 0)
		rc = ctl_ca_show(cfg, argc, argv);
	else if (strcmp(argv[0], "export") == 0)
		rc = ctl_ca_export(cfg, argc, argv);
	else
		usage();
	free(cfg);
	return rc;
}
