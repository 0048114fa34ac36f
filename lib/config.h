#ifndef WARDEN_CONFIG_H
#define WARDEN_CONFIG_H

#include <sys/socket.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "netaddr.h"
#include "werr.h"

/*
 * wardend's configuration: one "key value" per line, '#' comments, every
 * key documented in doc/configuration.md. Unknown keys are errors.
 * A struct config is plain data: copy it, compare it, throw it away.
 */

#define CONFIG_MAX_LISTEN	16
#define CONFIG_MAX_CIDRS	128
#define CONFIG_MAX_PORTS	64

enum config_layout {
	CONFIG_LAYOUT_BUILDTREE,	/* run from the build tree after make */
	CONFIG_LAYOUT_INSTALLED,	/* paths from ./configure --prefix */
};
const char	*config_layout_str(enum config_layout);

/*
 * The layout of the running program: CONFIG_LAYOUT_BUILDTREE when it is
 * this build tree's src/PROG (run after make, before install), else
 * CONFIG_LAYOUT_INSTALLED. wardend, wardenctl and warden-update all ask,
 * so that they agree on every default path.
 */
enum config_layout config_layout_detect(const char *prog) WD_NONNULL(1);
/*
 * The configuration file read when none is named: for an installed
 * program WD_SYSCONFDIR/warden.conf if it exists, else NULL (the built-in
 * defaults).
 */
const char	*config_default_file(enum config_layout layout);

enum tls_inspect {
	TLS_INSPECT_OFF = 0,	/* CONNECT tunnels decided on the host */
	TLS_INSPECT_PEEK,	/* and on the ClientHello's SNI */
	TLS_INSPECT_ON,		/* and decrypted (bumped) */
};
const char	*tls_inspect_str(enum tls_inspect);

enum xff_mode {
	XFF_OFF,	/* send no X-Forwarded-For */
	XFF_ADD,	/* append the client address */
	XFF_ANONYMOUS,	/* none, and strip identifying headers (From, XFF...) */
};
const char	*xff_mode_str(enum xff_mode);

/* Where a value came from; a list key set from a newer origin replaces. */
enum config_origin {
	CONFIG_ORIGIN_DEFAULT,
	CONFIG_ORIGIN_FILE,
	CONFIG_ORIGIN_CMDLINE,
};
const char	*config_origin_str(enum config_origin);

struct config_listen {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

struct config {
	struct config_listen	listen[CONFIG_MAX_LISTEN];
	size_t			nlisten;
	unsigned		workers;		/* 0: one per core */
	struct cidr		allow_clients[CONFIG_MAX_CIDRS];
	size_t			nallow_clients;
	struct portrange	connect_ports[CONFIG_MAX_PORTS];
	size_t			nconnect_ports;

	char			state_dir[PATH_MAX];
	char			policy_dir[PATH_MAX];
	char			category_store[PATH_MAX];	/* "": none */
	char			tls_ca_dir[PATH_MAX];	/* the local root CA */
	char			hosts_file[PATH_MAX];	/* "": none */
	char			access_log[PATH_MAX];	/* "" or "none": off */
	char			pid_file[PATH_MAX];	/* "" : none */
	char			visible_hostname[256];	/* in Via and pages */

	enum xff_mode		x_forwarded_for;
	bool			websocket;		/* pass WebSocket upgrades */

	/* Seconds. */
	unsigned		client_header_timeout;
	unsigned		keepalive_timeout;
	unsigned		connect_timeout;
	unsigned		read_timeout;	/* upstream first byte and between reads */
	unsigned		client_read_timeout;	/* client request body */
	unsigned		tunnel_idle_timeout;
	unsigned		upstream_idle_timeout;
	unsigned		dns_timeout;
	unsigned		dns_cache_ttl;
	unsigned		dns_negative_ttl;
	unsigned		shutdown_grace;

	/* Bytes and counts. */
	size_t			max_request_line;	/* 414 past it */
	size_t			max_header_size;	/* 431 past it (all fields) */
	size_t			max_headers;		/* 431 past it */
	unsigned		max_connections;	/* per worker */
	unsigned		upstream_pool_per_host;	/* idle kept per origin */
	unsigned		upstream_pool_max;	/* idle kept per worker */

	/*
	 * HTTPS: peek at the ClientHello of each CONNECT (the SNI) before
	 * going on; what to do without a name, and with bytes that are
	 * not TLS at all.
	 */
	enum tls_inspect	tls_inspect;
	bool			tls_no_sni_block;	/* else splice */
	bool			tls_non_tls_tunnel;	/* else close */
	char			tls_upstream_ca_file[PATH_MAX];	/* "": none */
	unsigned		tls_pin_splice;	/* seconds; 0: off */
	char			tls_cert_cache_dir[PATH_MAX];	/* "": none */

	/* The response phase. */
	size_t			scan_max_size;	/* decoded bytes held and scanned */
	bool			scan_oversize_block;	/* else pass unscanned */

	/*
	 * Private: which origin last set each list key, and whether
	 * state_dir, access_log and pid_file were given (config_finalise()
	 * derives the last two from the first).
	 */
	enum config_origin	origin_listen, origin_allow_clients,
				origin_connect_ports;
	enum config_origin	origin_state_dir, origin_access_log,
				origin_pid_file, origin_category_store,
				origin_tls_ca_dir;
};

/* Safe defaults for the layout (listen 127.0.0.1:3128, loopback clients). */
void	config_defaults(struct config *cfg, enum config_layout layout)
	    WD_NONNULL(1);

/*
 * Sets one key from text. A list key (listen, allow_clients, connect_ports)
 * set from an origin newer than the one that last set it replaces the list;
 * from the same origin it appends. 0, or -1 with err saying what is wrong
 * (no file or line: the caller adds those); on failure cfg is unchanged.
 */
int	config_set(struct config *cfg, const char *key, const char *value,
	    enum config_origin origin, struct werr *err) WD_NONNULL(1, 2, 3) WD_WUR;

/* "key=value" as given to -o. */
int	config_set_option(struct config *cfg, const char *kv,
	    struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/*
 * Reads a file into cfg. On the first error returns -1 with err set to
 * "PATH:LINE: message" (or "PATH: strerror" when it cannot be read); cfg
 * may then be partly changed, so load into a copy.
 */
int	config_load_file(struct config *cfg, const char *path,
	    struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/*
 * Checks what only the whole configuration can tell (at least one listen
 * address, timeouts non-zero, limits consistent). 0 or -1 with err set.
 */
int	config_validate(const struct config *cfg, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

/*
 * Call once every origin has been applied, before using cfg. When
 * state_dir was set (file or command line), access_log and pid_file that
 * were not set themselves become STATE_DIR/access.log and
 * STATE_DIR/wardend.pid, so they follow the state directory instead of
 * keeping the layout's defaults. Then runs config_validate(). Calling it
 * twice is harmless. 0 or -1 with err set.
 *
 * The order a program uses:
 *	config_defaults(&cfg, layout);
 *	config_load_file(&cfg, path, &err);		-c FILE
 *	config_set_option(&cfg, "key=value", &err);	each -o, in order
 *	config_set(&cfg, "listen", addr,		each -l, in order
 *	    CONFIG_ORIGIN_CMDLINE, &err);
 *	config_finalise(&cfg, &err);
 */
int	config_finalise(struct config *cfg, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

#endif
