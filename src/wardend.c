#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "catstore.h"
#include "config.h"
#include "log.h"
#include "netaddr.h"
#include "policy.h"
#include "logwriter.h"
#include "worker.h"

#define WARDEND_MAX_ARGS	64
#define WARDEND_MAX_WORKERS	256

static struct {
	const char		*conf_path;	/* NULL: embedded defaults */
	bool			 foreground;
	bool			 test;
	int			 verbosity;
	const char		*opts[WARDEND_MAX_ARGS];
	size_t			 nopts;
	const char		*listens[WARDEND_MAX_ARGS];
	size_t			 nlistens;
	enum config_layout	 layout;
} args;

static struct {
	struct event_base	*base;
	struct worker		*workers[WARDEND_MAX_WORKERS];
	unsigned		 nworkers;
	struct runconf		*rc;
	uint64_t		 generation;
	bool			 stopping;
	struct event		*grace_ev;
	struct event		*reap_ev;
} d;

static void
usage(void)
{
	fprintf(stderr, "usage: wardend [-dftv] [-c file] [-l addr:port] "
	    "[-o key=value]\n"
	    "  -c file        configuration file\n"
	    "  -d             more logging (repeat for more)\n"
	    "  -f             stay in the foreground\n"
	    "  -l addr:port   listen here instead (repeatable; [::1]:3128)\n"
	    "  -o key=value   set a configuration key (repeatable)\n"
	    "  -t             check the configuration and exit\n"
	    "  -v             print the version and exit\n");
	exit(2);
}

/* defaults, then the file, then -o, then -l: the command line wins. */
static int
build_config(struct config *cfg, struct werr *err)
{
	size_t i;

	config_defaults(cfg, args.layout);
	if (args.conf_path != NULL &&
	    config_load_file(cfg, args.conf_path, err) == -1)
		return -1;
	for (i = 0; i < args.nopts; i++)
		if (config_set_option(cfg, args.opts[i], err) == -1) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return werr_set(err, "-o %s: %s", args.opts[i], msg);
		}
	for (i = 0; i < args.nlistens; i++)
		if (config_set(cfg, "listen", args.listens[i],
		    CONFIG_ORIGIN_CMDLINE, err) == -1) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return werr_set(err, "-l %s: %s", args.listens[i], msg);
		}
	return config_finalise(cfg, err);
}

/*
 * Builds the policy snapshot for cfg. The category store, when there is
 * one, lets the policy check its category names. NULL with err set
 * ("FILE:LINE: message") when the policy does not load.
 */
static struct policy *
load_policy(const struct config *cfg, struct werr *err)
{
	struct catstore *cats = NULL;
	struct policy *p;
	struct werr cerr;

	if (cfg->category_store[0] != '\0') {
		if (access(cfg->category_store, F_OK) == -1)
			log_warnx("no category store at %s yet: category rules "
			    "match nothing until 'warden-update import'",
			    cfg->category_store);
		else if ((cats = catstore_open(cfg->category_store, 0,
		    &cerr)) == NULL)
			log_warnx("category store %s cannot be used: %s",
			    cfg->category_store, cerr.msg);
	}
	p = policy_load(cfg->policy_dir, cats, err);
	catstore_close(cats);
	return p;
}

static unsigned
worker_count(const struct config *cfg)
{
	long n = cfg->workers;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > WARDEND_MAX_WORKERS)
		n = WARDEND_MAX_WORKERS;
	return (unsigned)n;
}

static bool
same_listen(const struct config *a, const struct config *b)
{
	return a->nlisten == b->nlisten && memcmp(a->listen, b->listen,
	    a->nlisten * sizeof(a->listen[0])) == 0;
}

static void
reload(void)
{
	struct config *cfg;
	struct runconf *rc;
	struct policy *p;
	struct werr err;
	unsigned i;

	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		log_warnx("reload: out of memory; the running configuration "
		    "stays");
		return;
	}
	if (build_config(cfg, &err) == -1) {
		log_warnx("reload refused, the running configuration stays: "
		    "%s", err.msg);
		free(cfg);
		return;
	}
	if (!same_listen(cfg, &d.rc->cfg)) {
		log_warnx("reload: listen addresses change only at restart");
		memcpy(cfg->listen, d.rc->cfg.listen, sizeof(cfg->listen));
		cfg->nlisten = d.rc->cfg.nlisten;
	}
	if (worker_count(cfg) != d.nworkers)
		log_warnx("reload: the number of workers changes only at "
		    "restart");
	if ((p = load_policy(cfg, &err)) == NULL) {
		log_warnx("reload refused, the running policy stays: %s",
		    err.msg);
		free(cfg);
		return;
	}
	if (strcmp(cfg->access_log, d.rc->cfg.access_log) != 0)
		logwriter_reopen(cfg->access_log);
	rc = runconf_new(cfg, p, ++d.generation, &err);
	policy_unref(p);
	free(cfg);
	if (rc == NULL) {
		log_warnx("reload refused, the running configuration stays: "
		    "%s", err.msg);
		return;
	}
	for (i = 0; i < d.nworkers; i++)
		worker_reload(d.workers[i], rc);
	runconf_unref(d.rc);
	d.rc = rc;
	log_info("configuration reloaded (generation %llu)",
	    (unsigned long long)d.generation);
}

static void
reap(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, 100000 };
	unsigned i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < d.nworkers; i++)
		if (!atomic_load(&d.workers[i]->exited)) {
			evtimer_add(d.reap_ev, &tv);
			return;
		}
	event_base_loopbreak(d.base);
}

static void
grace_over(evutil_socket_t fd, short what, void *arg)
{
	unsigned i;

	(void)fd;
	(void)what;
	(void)arg;
	log_warnx("shutdown grace period over: closing what is still open");
	for (i = 0; i < d.nworkers; i++)
		worker_shutdown(d.workers[i], true);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct timeval grace, now = { 0, 0 };
	unsigned i;

	(void)what;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		if (!d.stopping)
			reload();
		break;
	case SIGUSR1:
		logwriter_reopen(d.rc->cfg.access_log);
		log_info("access log reopened");
		break;
	case SIGTERM:
	case SIGINT:
		if (d.stopping) {
			/* A second signal: no more waiting. */
			grace_over(-1, 0, NULL);
			break;
		}
		d.stopping = true;
		log_info("shutting down: no new connections, %u s for those "
		    "in progress", d.rc->cfg.shutdown_grace);
		for (i = 0; i < d.nworkers; i++)
			worker_shutdown(d.workers[i], false);
		grace.tv_sec = d.rc->cfg.shutdown_grace;
		grace.tv_usec = 0;
		evtimer_add(d.grace_ev, &grace);
		evtimer_add(d.reap_ev, &now);
		break;
	}
}

static int
write_pid_file(const char *path)
{
	FILE *f;

	if (path[0] == '\0')
		return 0;
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("cannot write pid file %s", path);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF) {
		log_warn("cannot write pid file %s", path);
		return -1;
	}
	return 0;
}

static void
make_state_dir(const char *dir)
{
	if (dir[0] != '\0' && mkdir(dir, 0750) == -1 && errno != EEXIST)
		log_warn("cannot create state directory %s", dir);
}

/* Binding one socket without SO_REUSEPORT tells a busy port at once. */
static int
probe_listen(const struct config_listen *la)
{
	char addr[64];
	int fd, one = 1, rc = 0;

	fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (la->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&la->ss, la->len) == -1) {
		log_warn("cannot listen on %s", netaddr_format(
		    (const struct sockaddr *)&la->ss, addr, sizeof(addr)));
		rc = -1;
	}
	close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct event *sigev[4];
	static const int sigs[4] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT };
	struct config *cfg;
	struct policy *policy;
	struct werr err;
	char addr[64];
	unsigned i;
	int ch;

	while ((ch = getopt(argc, argv, "c:dfl:o:tvh")) != -1) {
		switch (ch) {
		case 'c':
			args.conf_path = optarg;
			break;
		case 'd':
			args.verbosity++;
			break;
		case 'f':
			args.foreground = true;
			break;
		case 'l':
			if (args.nlistens == WARDEND_MAX_ARGS)
				usage();
			args.listens[args.nlistens++] = optarg;
			break;
		case 'o':
			if (args.nopts == WARDEND_MAX_ARGS)
				usage();
			args.opts[args.nopts++] = optarg;
			break;
		case 't':
			args.test = true;
			break;
		case 'v':
			printf("wardend %s\n", WD_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("wardend", args.verbosity);
	args.layout = config_layout_detect("wardend");
	if (args.conf_path == NULL)
		args.conf_path = config_default_file(args.layout);

	if ((cfg = malloc(sizeof(*cfg))) == NULL)
		fatalx("out of memory");
	if (build_config(cfg, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		free(cfg);
		return 1;
	}
	if ((policy = load_policy(cfg, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		free(cfg);
		return 1;
	}
	if (args.test) {
		struct runconf *trc;

		/* What starting would load: the CA for tls_inspect on. */
		if ((trc = runconf_new(cfg, policy, 0, &err)) == NULL) {
			fprintf(stderr, "%s\n", err.msg);
			policy_unref(policy);
			free(cfg);
			return 1;
		}
		runconf_unref(trc);
		fprintf(stderr, "%s: configuration OK\n", args.conf_path != NULL ?
		    args.conf_path : "(built-in defaults)");
		fprintf(stderr, "%s: policy OK\n", cfg->policy_dir);
		policy_unref(policy);
		free(cfg);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	/*
	 * Body buffers (up to SOCKIO_READ_MAX a read, held pages up to
	 * scan_max_size) are allocated and freed at every response. glibc
	 * would map each one above 128 KiB afresh, or trim the worker's
	 * heap under it: a page fault and a zeroed page for every 4 KiB of
	 * every body. Keep them in the heap and reuse them; a worker's heap
	 * gives back what is free above 32 MiB at its top.
	 */
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no thread support");
	make_state_dir(cfg->state_dir);
	for (i = 0; i < cfg->nlisten; i++)
		if (probe_listen(&cfg->listen[i]) == -1) {
			policy_unref(policy);
			free(cfg);
			return 1;
		}
	if ((d.rc = runconf_new(cfg, policy, ++d.generation, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		policy_unref(policy);
		free(cfg);
		return 1;
	}
	policy_unref(policy);
	free(cfg);
	cfg = &d.rc->cfg;

	if (!args.foreground && daemon(0, 1) == -1)
		fatal("cannot become a daemon");
	if ((d.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	d.nworkers = worker_count(cfg);
	for (i = 0; i < d.nworkers; i++)
		if ((d.workers[i] = worker_new(i, d.rc)) == NULL)
			fatalx("cannot start worker %u", i);
	if (logwriter_start(cfg->access_log) == -1)
		fatalx("cannot open the access log %s", cfg->access_log);
	if (write_pid_file(cfg->pid_file) == -1)
		fatalx("cannot write the pid file");
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(d.base, sigs[i], on_signal, NULL);
		if (sigev[i] == NULL || event_add(sigev[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}
	d.grace_ev = evtimer_new(d.base, grace_over, NULL);
	d.reap_ev = evtimer_new(d.base, reap, NULL);
	for (i = 0; i < d.nworkers; i++)
		if (worker_start(d.workers[i]) == -1)
			fatalx("cannot start worker thread %u", i);

	for (i = 0; i < cfg->nlisten; i++) {
		netaddr_format((const struct sockaddr *)&cfg->listen[i].ss,
		    addr, sizeof(addr));
		log_info("wardend %s listening on %s (%u workers); try: "
		    "curl -x http://%s http://example.com/", WD_VERSION, addr,
		    d.nworkers, addr);
	}
	if (cfg->access_log[0] != '\0')
		log_info("access log: %s", cfg->access_log);

	event_base_dispatch(d.base);

	for (i = 0; i < d.nworkers; i++)
		worker_join_free(d.workers[i]);
	logwriter_stop();
	if (d.rc->cfg.pid_file[0] != '\0')
		unlink(d.rc->cfg.pid_file);
	log_info("stopped");
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	event_free(d.grace_ev);
	event_free(d.reap_ev);
	event_base_free(d.base);
	runconf_unref(d.rc);
	libevent_global_shutdown();
	return 0;
}
