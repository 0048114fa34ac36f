#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "catstore.h"
#include "config.h"
#include "ut1src.h"

/*
 * warden-update: keeps the category store up to date. Each job is a
 * subcommand with its own options: "import" builds the store from a
 * directory or an archive of UT1 / SquidGuard lists, "fetch" downloads
 * such an archive first. Made for cron: silent when all went well (one
 * line in STATE_DIR/update.log), a message and a non-zero status when
 * not, and then the live store is untouched.
 */

#define UPDATE_MAX_CATEGORIES	4096	/* listed by import -v */
#define UPDATE_MAX_SHRINK	0.5
#define UPDATE_MAX_DOWNLOAD	((curl_off_t)2 << 30)	/* bytes */
#define UPDATE_CONNECT_TIMEOUT	30L	/* s */
#define UPDATE_STALL_TIME	60L	/* s below 1 byte/s: abort */

struct update_cmd {
	const char	*name;
	int		(*run)(const struct update_cmd *, int, char *[]);
	const char	*args;
	const char	*help;
};

static int	cmd_import(const struct update_cmd *, int, char *[]);
static int	cmd_fetch(const struct update_cmd *, int, char *[]);

static const struct update_cmd update_cmds[] = {
	{ "import", cmd_import, "[-nv] [-c config] [-s store] "
	    "[--max-shrink F] [--force] dir|archive",
	    "build the category store from a UT1 / SquidGuard directory or\n"
	    "           archive (.tar.gz); default store: the one wardend\n"
	    "           -c config reads, which is then told to reload" },
	{ "fetch", cmd_fetch, "[-nv] [-c config] [-s store] "
	    "[--max-shrink F] [--force] url",
	    "download an archive (http, https, file) and import it" },
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

/* One run: what was asked, and what the configuration says. */
struct update_run {
	const char	*cmd;
	const char	*conf_path;	/* -c */
	const char	*store_arg;	/* -s */
	const char	*source;	/* the dir, archive or URL */
	bool		 verbose;
	bool		 no_reload;	/* -n */
	bool		 tty;		/* progress lines on stderr */
	bool		 progress_shown;
	struct catstore_import_opts opts;
	struct config	*cfg;		/* NULL: -s without -c */
	char		 store[PATH_MAX];
	char		 logpath[PATH_MAX];
	char		 reload[PATH_MAX + 64];	/* what became of it */
	struct timespec	 t0;
};

/*
 * The configuration wardend reads, found as wardend finds it: the
 * layout's defaults, then conf_path (or, installed, WD_SYSCONFDIR/
 * warden.conf when it exists). The state directory is created when
 * missing, as wardend does. A new config; free() it.
 */
static struct config *
load_config(const char *conf_path, struct werr *err)
{
	struct config *cfg;
	enum config_layout layout;

	layout = config_layout_detect("warden-update");
	if (conf_path == NULL)
		conf_path = config_default_file(layout);
	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	config_defaults(cfg, layout);
	if (conf_path != NULL && config_load_file(cfg, conf_path, err) == -1)
		goto fail;
	if (config_finalise(cfg, err) == -1)
		goto fail;
	if (mkdir(cfg->state_dir, 0750) == -1 && errno != EEXIST) {
		werr_set(err, "cannot create state directory %s: %s",
		    cfg->state_dir, strerror(errno));
		goto fail;
	}
	return cfg;
fail:
	free(cfg);
	return NULL;
}

/*
 * Fills r->store and r->logpath. With -s and no -c, the configuration is
 * not read: the log goes beside the store, and no wardend is told.
 */
static int
setup_run(struct update_run *r, struct werr *err)
{
	const char *dir;
	char *slash;
	int n;

	if (r->store_arg == NULL || r->conf_path != NULL) {
		if ((r->cfg = load_config(r->conf_path, err)) == NULL)
			return -1;
	}
	if (r->store_arg != NULL)
		n = snprintf(r->store, sizeof(r->store), "%s", r->store_arg);
	else if (r->cfg->category_store[0] == '\0')
		return werr_set(err, "no category_store in the configuration "
		    "(give one, or -s store)");
	else
		n = snprintf(r->store, sizeof(r->store), "%s",
		    r->cfg->category_store);
	if (n < 0 || (size_t)n >= sizeof(r->store))
		return werr_set(err, "store path too long");
	if (r->cfg != NULL) {
		dir = strcmp(r->cfg->state_dir, "/") == 0 ? "" :
		    r->cfg->state_dir;
		n = snprintf(r->logpath, sizeof(r->logpath), "%s/update.log",
		    dir);
	} else {
		n = snprintf(r->logpath, sizeof(r->logpath), "%s", r->store);
		if ((slash = strrchr(r->logpath, '/')) != NULL)
			n = snprintf(slash + 1, sizeof(r->logpath) -
			    (size_t)(slash + 1 - r->logpath), "update.log");
		else
			n = snprintf(r->logpath, sizeof(r->logpath),
			    "update.log");
	}
	if (n < 0 || (size_t)n >= sizeof(r->logpath))
		return werr_set(err, "state directory path too long");
	return 0;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Appends one line to the update log; a failure is only said. */
static void WD_PRINTF(2, 3)
update_log(const struct update_run *r, const char *fmt, ...)
{
	char when[32];
	struct tm tm;
	time_t now;
	va_list ap;
	FILE *fp;

	if (r->logpath[0] == '\0')
		return;
	if ((fp = fopen(r->logpath, "ae")) == NULL) {
		fprintf(stderr, "warden-update: %s: %s\n", r->logpath,
		    strerror(errno));
		return;
	}
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	fprintf(fp, "%s %s %s: ", when, r->cmd, r->source);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	if (fclose(fp) == EOF)
		fprintf(stderr, "warden-update: %s: %s\n", r->logpath,
		    strerror(errno));
}

static void
progress_clear(struct update_run *r)
{
	if (r->progress_shown)
		fprintf(stderr, "\r\033[K");
	r->progress_shown = false;
}

static void
progress_lines(void *arg, uint64_t lines)
{
	struct update_run *r = arg;

	if (!r->tty)
		return;
	fprintf(stderr, "\rwarden-update: %llu lines read\033[K",
	    (unsigned long long)lines);
	r->progress_shown = true;
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
print_verbose(const char *store, const char *source,
    const struct catstore_import_stats *st)
{
	static char names[UPDATE_MAX_CATEGORIES][CATSTORE_NAME_MAX];
	struct catstore *cs;
	struct werr err;
	size_t i, n;

	fprintf(stderr, "store: %s\nsource: %s\n", store, source);
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

/* Whether pid is a wardend (a stale pid file may name anything). */
static bool
is_wardend(long pid)
{
	char p[64], comm[64];
	FILE *fp;
	bool ok;

	snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
	if ((fp = fopen(p, "re")) == NULL)
		return errno == ENOENT ? false : true;	/* no /proc: trust */
	ok = fgets(comm, sizeof(comm), fp) != NULL &&
	    strncmp(comm, "wardend", 7) == 0;
	fclose(fp);
	return ok;
}

/*
 * Tells the wardend that reads the store to reload it (SIGHUP), when the
 * store is the configuration's. r->reload says what happened; nothing
 * here fails the run: the new store is in place either way, and a
 * wardend that starts later reads it.
 */
static void
signal_wardend(struct update_run *r)
{
	char a[PATH_MAX], b[PATH_MAX], line[32], *end;
	const char *pf;
	FILE *fp;
	long pid;

	if (r->no_reload) {
		snprintf(r->reload, sizeof(r->reload), "not asked (-n)");
		return;
	}
	if (r->cfg == NULL || r->cfg->pid_file[0] == '\0') {
		snprintf(r->reload, sizeof(r->reload), "no pid_file known");
		return;
	}
	if (r->store_arg != NULL && (realpath(r->store, a) == NULL ||
	    realpath(r->cfg->category_store, b) == NULL || strcmp(a, b) != 0)) {
		snprintf(r->reload, sizeof(r->reload), "not wardend's store");
		return;
	}
	pf = r->cfg->pid_file;
	if ((fp = fopen(pf, "re")) == NULL) {
		snprintf(r->reload, sizeof(r->reload), "no pid file %s (%s): "
		    "wardend not running?", pf, strerror(errno));
		return;
	}
	end = NULL;
	pid = 0;
	if (fgets(line, sizeof(line), fp) != NULL) {
		errno = 0;
		pid = strtol(line, &end, 10);
	}
	fclose(fp);
	if (end == NULL || end == line || (*end != '\n' && *end != '\0') ||
	    pid <= 1 || errno != 0) {
		snprintf(r->reload, sizeof(r->reload), "%s: not a pid", pf);
		return;
	}
	if ((kill((pid_t)pid, 0) == -1 && errno == ESRCH) || !is_wardend(pid)) {
		snprintf(r->reload, sizeof(r->reload), "stale pid file %s "
		    "(no wardend %ld)", pf, pid);
		return;
	}
	if (kill((pid_t)pid, SIGHUP) == -1) {
		snprintf(r->reload, sizeof(r->reload), "cannot signal wardend "
		    "%ld: %s", pid, strerror(errno));
		return;
	}
	snprintf(r->reload, sizeof(r->reload), "sent to wardend %ld", pid);
}

/* After the import: the summary, the log line, the reload. 0 or 1. */
static int
finish(struct update_run *r, int rc, const struct catstore_import_stats *st,
    const struct werr *err)
{
	char changes[96];

	progress_clear(r);
	if (rc == -1) {
		print_reported(st);
		fprintf(stderr, "warden-update: %s failed, %s is unchanged: "
		    "%s%s\n", r->cmd, r->store, err->msg, st->shrunk > 0 ?
		    " (--force accepts it)" : "");
		update_log(r, "failed, store unchanged: %s", err->msg);
		return 1;
	}
	signal_wardend(r);
	if (st->compared)
		snprintf(changes, sizeof(changes), "%llu added, %llu removed",
		    (unsigned long long)st->added,
		    (unsigned long long)st->removed);
	else
		snprintf(changes, sizeof(changes), "no previous store");
	update_log(r, "ok, %u categories, %llu domains, %llu urls, %s, "
	    "%llu lines skipped, %u entries skipped, %.1f s; reload: %s",
	    st->categories, (unsigned long long)st->domains,
	    (unsigned long long)st->urls, changes,
	    (unsigned long long)st->skipped, st->skipped_categories,
	    elapsed(&r->t0), r->reload);
	if (!r->verbose)
		return 0;
	print_reported(st);
	print_verbose(r->store, r->source, st);
	fprintf(stderr, "imported %u categories: %llu domains, %llu urls, "
	    "%s, %llu skipped (%.1f s)", st->categories,
	    (unsigned long long)st->domains, (unsigned long long)st->urls,
	    changes, (unsigned long long)st->skipped, elapsed(&r->t0));
	if (st->skipped_categories > 0)
		fprintf(stderr, "; skipped entries: %u",
		    st->skipped_categories);
	fprintf(stderr, "\nreload: %s\n", r->reload);
	return 0;
}

enum { OPT_MAX_SHRINK = 256, OPT_FORCE };

/* The options import and fetch share; the one operand into r->source. */
static void
parse_args(const struct update_cmd *c, struct update_run *r, int argc,
    char *argv[])
{
	static const struct option longopts[] = {
		{ "max-shrink", required_argument, NULL, OPT_MAX_SHRINK },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(r, 0, sizeof(*r));
	r->cmd = c->name;
	r->opts.max_shrink = UPDATE_MAX_SHRINK;
	r->opts.lock_fd = -1;
	r->opts.progress = progress_lines;
	r->opts.progress_arg = r;
	optind = 0;	/* glibc: start over on the subcommand's argv */
	while ((ch = getopt_long(argc, argv, "c:hns:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			r->conf_path = optarg;
			break;
		case 'n':
			r->no_reload = true;
			break;
		case 's':
			r->store_arg = optarg;
			break;
		case 'v':
			r->verbose = true;
			break;
		case OPT_MAX_SHRINK:
			errno = 0;
			r->opts.max_shrink = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(r->opts.max_shrink >= 0 &&
			    r->opts.max_shrink <= 1)) {
				fprintf(stderr, "warden-update: --max-shrink "
				    "takes a fraction from 0 to 1 (1: no "
				    "check): %s\n", optarg);
				exit(2);
			}
			break;
		case OPT_FORCE:
			r->opts.force = true;
			break;
		default:
			usage_cmd(c);
		}
	}
	if (argc - optind != 1)
		usage_cmd(c);
	r->source = argv[optind];
	if (r->source[0] == '\0' ||
	    (r->store_arg != NULL && r->store_arg[0] == '\0'))
		usage_cmd(c);
	r->tty = isatty(STDERR_FILENO) == 1;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
}

/* Imports from src; src is closed. 0 or 1. */
static int
run_import(struct update_run *r, struct ut1src *src)
{
	struct catstore_import_stats st;
	struct werr err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = catstore_import(src, r->store, &r->opts, &st, &err);
	ut1src_close(src);
	return finish(r, rc, &st, &err);
}

/* A failure before the import started. */
static int
early_fail(struct update_run *r, const char *msg)
{
	progress_clear(r);
	fprintf(stderr, "warden-update: %s failed, %s is unchanged: %s\n",
	    r->cmd, r->store, msg);
	update_log(r, "failed, store unchanged: %s", msg);
	return 1;
}

static int
cmd_import(const struct update_cmd *c, int argc, char *argv[])
{
	struct update_run r;
	struct ut1src *src;
	struct stat sb;
	struct werr err;
	int fd, rc;

	parse_args(c, &r, argc, argv);
	if (setup_run(&r, &err) == -1) {
		fprintf(stderr, "warden-update: %s\n", err.msg);
		rc = 1;
		goto done;
	}
	if (stat(r.source, &sb) == 0 && S_ISDIR(sb.st_mode))
		src = ut1src_open_dir(r.source, &err);
	else {
		fd = open(r.source, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
		if (fd == -1) {
			werr_set(&err, "%s: %s", r.source, strerror(errno));
			rc = early_fail(&r, err.msg);
			goto done;
		}
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			close(fd);
			werr_set(&err, "%s: not a directory or an archive "
			    "file", r.source);
			rc = early_fail(&r, err.msg);
			goto done;
		}
		/* Kept open until exit: the source reads it. */
		src = ut1src_open_archive_fd(fd, r.source, &err);
	}
	if (src == NULL) {
		rc = early_fail(&r, err.msg);
		goto done;
	}
	rc = run_import(&r, src);
done:
	free(r.cfg);
	return rc;
}

/* ---------------------------------------------------------------- fetch */

struct download {
	int		 fd;
	int		 err;		/* errno of a failed write */
	curl_off_t	 bytes;
	struct update_run *r;
};

static size_t
download_write(char *p, size_t size, size_t n, void *arg)
{
	struct download *d = arg;
	size_t len = size * n, done = 0;
	ssize_t w;

	while (done < len) {
		w = write(d->fd, p + done, len - done);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			d->err = errno;
			return 0;	/* curl stops: CURLE_WRITE_ERROR */
		}
		done += (size_t)w;
	}
	d->bytes += (curl_off_t)len;
	return len;
}

static int
download_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct download *d = arg;

	(void)ultotal;
	(void)ulnow;
	if (d->r->tty && dlnow > 0) {
		if (dltotal > 0)
			fprintf(stderr, "\rwarden-update: downloaded %lld of "
			    "%lld KiB\033[K", (long long)(dlnow >> 10),
			    (long long)(dltotal >> 10));
		else
			fprintf(stderr, "\rwarden-update: downloaded %lld "
			    "KiB\033[K", (long long)(dlnow >> 10));
		d->r->progress_shown = true;
	}
	return 0;
}

/*
 * An unnamed file in dir for the download: it vanishes however the run
 * ends, even killed. -1 with err set.
 */
static int
download_tmpfile(const char *store, struct werr *err)
{
	char dir[PATH_MAX], p[PATH_MAX + 32], *slash;
	int fd, n;

	snprintf(dir, sizeof(dir), "%s", store);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	n = snprintf(p, sizeof(p), "%s/.warden-update.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(p))
		return werr_set(err, "%s: path too long", dir);
	if ((fd = mkostemp(p, O_CLOEXEC)) == -1)
		return werr_set(err, "cannot create a file in %s: %s", dir,
		    strerror(errno));
	unlink(p);
	return fd;
}

/* Downloads url into fd. 0, or -1 with err set. */
static int
download(struct update_run *r, int fd, struct werr *err)
{
	char ebuf[CURL_ERROR_SIZE];
	struct download d;
	CURL *h;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	d.fd = fd;
	d.r = r;
	ebuf[0] = '\0';
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (h = curl_easy_init()) == NULL)
		return werr_set(err, "cannot start libcurl");
	if (curl_easy_setopt(h, CURLOPT_URL, r->source) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    UPDATE_CONNECT_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, UPDATE_STALL_TIME) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    UPDATE_MAX_DOWNLOAD) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "warden-update/"
	    WD_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, download_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &d) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION,
	    download_progress) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &d) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOPROGRESS, r->tty ? 0L : 1L) !=
	    CURLE_OK) {
		werr_set(err, "%s: this libcurl lacks a needed option",
		    r->source);
		goto done;
	}
	cc = curl_easy_perform(h);
	if (cc == CURLE_WRITE_ERROR && d.err != 0) {
		werr_set(err, "download of %s: writing the temporary file: %s",
		    r->source, strerror(d.err));
		goto done;
	}
	if (cc != CURLE_OK) {
		werr_set(err, "download of %s failed: %s", r->source,
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc));
		goto done;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (d.bytes == 0) {
		werr_set(err, "download of %s: empty (status %ld)", r->source,
		    status);
		goto done;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		werr_set(err, "temporary file: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc;
}

static int
cmd_fetch(const struct update_cmd *c, int argc, char *argv[])
{
	struct update_run r;
	struct ut1src *src;
	struct werr err;
	int fd = -1, lock = -1, rc;

	parse_args(c, &r, argc, argv);
	if (setup_run(&r, &err) == -1) {
		fprintf(stderr, "warden-update: %s\n", err.msg);
		rc = 1;
		goto done;
	}
	/* Held from the download on: a second run stops at once. */
	if ((lock = catstore_lock(r.store, &err)) == -1 ||
	    (fd = download_tmpfile(r.store, &err)) == -1 ||
	    download(&r, fd, &err) == -1 ||
	    (src = ut1src_open_archive_fd(fd, r.source, &err)) == NULL) {
		rc = early_fail(&r, err.msg);
		goto done;
	}
	progress_clear(&r);
	r.opts.lock_fd = lock;
	rc = run_import(&r, src);
done:
	if (fd != -1)
		close(fd);
	if (lock != -1)
		close(lock);
	free(r.cfg);
	return rc;
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
