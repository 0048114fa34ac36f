#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catstore.h"
#include "config.h"

/*
 * warden-update: keeps the category store up to date. Each job is a
 * subcommand with its own options; "import" builds the store from a
 * directory of UT1 / SquidGuard lists.
 */

#define UPDATE_MAX_CATEGORIES	4096	/* listed by import -v */

struct update_cmd {
	const char	*name;
	int		(*run)(const struct update_cmd *, int, char *[]);
	const char	*args;
	const char	*help;
};

static int	cmd_import(const struct update_cmd *, int, char *[]);

static const struct update_cmd update_cmds[] = {
	{ "import", cmd_import, "[-v] [-c config | -s store] dir",
	    "build the category store from a UT1 / SquidGuard directory\n"
	    "           (default store: the one wardend -c config reads)" },
};

static void WD_NORETURN
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: warden-update [-V] command [options]\n");
	for (i = 0; i < WD_NELEM(update_cmds); i++)
		fprintf(stderr, "       warden-update %s %s\n"
		    "           %s\n", update_cmds[i].name,
		    update_cmds[i].args, update_cmds[i].help);
	exit(2);
}

static void WD_NORETURN
usage_cmd(const struct update_cmd *c)
{
	fprintf(stderr, "usage: warden-update %s %s\n", c->name, c->args);
	exit(2);
}

/* Run from the build tree (src/warden-update after make), or installed? */
static enum config_layout
detect_layout(void)
{
	char self[PATH_MAX], built[PATH_MAX];

	if (realpath("/proc/self/exe", self) == NULL ||
	    realpath(WD_BUILDDIR "/src/warden-update", built) == NULL)
		return CONFIG_LAYOUT_INSTALLED;
	return strcmp(self, built) == 0 ? CONFIG_LAYOUT_BUILDTREE :
	    CONFIG_LAYOUT_INSTALLED;
}

/*
 * The store wardend reads, found as wardend finds it: the layout's
 * defaults, then conf_path (or, installed, WD_SYSCONFDIR/warden.conf when
 * it exists), giving STATE_DIR/categories.db. The state directory is
 * created when missing, as wardend does. Once lib/config has the
 * category_store key, this is where it becomes cfg->category_store.
 */
static int
default_store_path(const char *conf_path, char *out, size_t outsz,
    struct werr *err)
{
	struct config *cfg;
	enum config_layout layout;
	int n, rc = -1;

	layout = detect_layout();
	if (conf_path == NULL && layout == CONFIG_LAYOUT_INSTALLED &&
	    access(WD_SYSCONFDIR "/warden.conf", R_OK) == 0)
		conf_path = WD_SYSCONFDIR "/warden.conf";
	if ((cfg = malloc(sizeof(*cfg))) == NULL)
		return werr_set(err, "out of memory");
	config_defaults(cfg, layout);
	if (conf_path != NULL && config_load_file(cfg, conf_path, err) == -1)
		goto done;
	if (config_finalise(cfg, err) == -1)
		goto done;
	if (mkdir(cfg->state_dir, 0750) == -1 && errno != EEXIST) {
		werr_set(err, "cannot create state directory %s: %s",
		    cfg->state_dir, strerror(errno));
		goto done;
	}
	n = snprintf(out, outsz, "%s/categories.db",
	    strcmp(cfg->state_dir, "/") == 0 ? "" : cfg->state_dir);
	if (n < 0 || (size_t)n >= outsz) {
		werr_set(err, "state_dir is too long: %s", cfg->state_dir);
		goto done;
	}
	rc = 0;
done:
	free(cfg);
	return rc;
}

/* The first problems the import reported, and how many it did not. */
static void
print_reported(const struct catstore_import_stats *st)
{
	unsigned i;
	uint64_t problems;

	for (i = 0; i < st->nreported; i++)
		fprintf(stderr, "%s\n", st->reported[i]);
	problems = st->skipped + st->skipped_categories;
	if (problems > st->nreported)
		fprintf(stderr, "(and %llu more)\n",
		    (unsigned long long)(problems - st->nreported));
}

/* -v: what the new store holds. */
static void
print_verbose(const char *store, const char *dir,
    const struct catstore_import_stats *st)
{
	static char names[UPDATE_MAX_CATEGORIES][CATSTORE_NAME_MAX];
	struct catstore *cs;
	struct werr err;
	size_t i, n;

	fprintf(stderr, "store: %s\nsource: %s\n", store, dir);
	fprintf(stderr, "duplicates dropped: %llu\n",
	    (unsigned long long)st->duplicates);
	if ((cs = catstore_open(store, 0, &err)) == NULL) {
		fprintf(stderr, "warden-update: %s\n", err.msg);
		return;
	}
	if (catstore_categories(cs, names, WD_NELEM(names), &n, &err) == -1)
		fprintf(stderr, "warden-update: %s\n", err.msg);
	else {
		fprintf(stderr, "categories:");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", names[i]);
		fprintf(stderr, "\n");
	}
	catstore_close(cs);
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
cmd_import(const struct update_cmd *c, int argc, char *argv[])
{
	struct catstore_import_stats st;
	struct timespec t0;
	struct werr err;
	char store[PATH_MAX];
	const char *conf_path = NULL, *store_arg = NULL, *dir;
	bool verbose = false;
	int ch;

	optind = 0;	/* glibc: start over on the subcommand's argv */
	while ((ch = getopt(argc, argv, "c:hs:v")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			store_arg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage_cmd(c);
		}
	}
	if (argc - optind != 1)
		usage_cmd(c);
	dir = argv[optind];
	if (dir[0] == '\0' || (store_arg != NULL && store_arg[0] == '\0'))
		usage_cmd(c);

	if (store_arg != NULL) {
		if (strlen(store_arg) >= sizeof(store)) {
			fprintf(stderr, "warden-update: %s: path too long\n",
			    store_arg);
			return 1;
		}
		snprintf(store, sizeof(store), "%s", store_arg);
	} else if (default_store_path(conf_path, store, sizeof(store),
	    &err) == -1) {
		fprintf(stderr, "warden-update: %s\n", err.msg);
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (catstore_import_dir(dir, store, &st, &err) == -1) {
		print_reported(&st);
		fprintf(stderr, "warden-update: import failed, %s is "
		    "unchanged: %s\n", store, err.msg);
		return 1;
	}
	print_reported(&st);
	if (verbose)
		print_verbose(store, dir, &st);
	fprintf(stderr, "imported %u categories: %llu domains, %llu urls, "
	    "%llu skipped (%.1f s)", st.categories,
	    (unsigned long long)st.domains, (unsigned long long)st.urls,
	    (unsigned long long)st.skipped, elapsed(&t0));
	if (st.skipped_categories > 0)
		fprintf(stderr, "; skipped directories: %u",
		    st.skipped_categories);
	fprintf(stderr, "\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	size_t i;
	int ch;

	/* '+': options after the command are the command's. */
	while ((ch = getopt(argc, argv, "+hV")) != -1) {
		switch (ch) {
		case 'V':
			printf("warden-update %s\n", WD_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	for (i = 0; i < WD_NELEM(update_cmds); i++)
		if (strcmp(argv[optind], update_cmds[i].name) == 0)
			return update_cmds[i].run(&update_cmds[i],
			    argc - optind, argv + optind);
	fprintf(stderr, "warden-update: unknown command '%s'\n", argv[optind]);
	usage();
}
