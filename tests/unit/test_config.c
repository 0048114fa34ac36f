#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"

#ifndef WD_TEST_DATA
#error "compile with -DWD_TEST_DATA='\"/path/to/tests/unit/data\"'"
#endif

#define BAD(f)		WD_TEST_DATA "/bad/" f
#define GOOD(f)		WD_TEST_DATA "/good/" f
/* The shipped sample and the manual, from tests/unit/data. */
#define SAMPLE		WD_TEST_DATA "/../../../etc/warden.conf"
#define MANUAL		WD_TEST_DATA "/../../../doc/configuration.md"

/* Every key, as the manual and the sample must list them. */
static const char *const all_keys[] = {
	"listen", "workers", "allow_clients", "connect_ports", "state_dir",
	"policy_dir", "category_store", "tls_ca_dir", "access_log",
	"pid_file",
	"visible_hostname",
	"x_forwarded_for", "websocket", "client_header_timeout",
	"keepalive_timeout", "connect_timeout", "read_timeout",
	"client_read_timeout", "tunnel_idle_timeout", "upstream_idle_timeout",
	"hosts_file", "dns_timeout", "dns_cache_ttl", "dns_negative_ttl", "shutdown_grace",
	"max_request_line", "max_header_size", "max_headers",
	"max_connections", "upstream_pool_per_host", "upstream_pool_max",
	"scan_max_size", "scan_oversize", "tls_inspect", "tls_no_sni",
	"tls_non_tls", "tls_upstream_ca_file", "tls_pin_splice",
	"tls_cert_cache_dir",
};

/* Asserts that loading path fails with exactly path followed by want. */
static void
check_bad(const char *path, const char *want)
{
	struct config cfg;
	struct werr err;
	char full[512];

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	memset(&err, 0, sizeof(err));
	snprintf(full, sizeof(full), "%s%s", path, want);
	CU_ASSERT_EQUAL(config_load_file(&cfg, path, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, full);
}

/* Asserts that path loads but config_finalise() says want. */
static void
check_invalid(const char *path, const char *want)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(config_load_file(&cfg, path, &err), 0);
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
}

/* Loads a good file over the defaults and finalises; fails the test if not. */
static void
load_good(struct config *cfg, const char *path)
{
	struct werr err;

	config_defaults(cfg, CONFIG_LAYOUT_BUILDTREE);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(config_load_file(cfg, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	CU_ASSERT_EQUAL(config_finalise(cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
}

/* The message config_set_option() gives for kv over the defaults. */
static const char *
option_err(const char *kv)
{
	static struct werr err;
	struct config cfg;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	memset(&err, 0, sizeof(err));
	if (config_set_option(&cfg, kv, &err) == 0)
		return "";
	return err.msg;
}

static const char *
listen_str(const struct config *cfg, size_t i, char *buf, size_t len)
{
	return netaddr_format((const struct sockaddr *)&cfg->listen[i].ss,
	    buf, len);
}

static bool
client_allowed(const struct config *cfg, const char *addr)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	size_t i;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	sin.sin_family = AF_INET;
	sin6.sin6_family = AF_INET6;
	for (i = 0; i < cfg->nallow_clients; i++) {
		if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
			if (netaddr_cidr_match(&cfg->allow_clients[i],
			    (struct sockaddr *)&sin))
				return true;
		} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
			if (netaddr_cidr_match(&cfg->allow_clients[i],
			    (struct sockaddr *)&sin6))
				return true;
		}
	}
	return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static void
test_defaults_sane(void)
{
	struct config cfg;
	struct werr err;
	char buf[64];

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nlisten, 1);
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 0, buf, sizeof(buf)),
	    "127.0.0.1:3128");
	CU_ASSERT_EQUAL(cfg.workers, 0);
	CU_ASSERT_EQUAL(cfg.nallow_clients, 2);
	CU_ASSERT_TRUE(client_allowed(&cfg, "127.0.0.1"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "127.9.9.9"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "::1"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "::ffff:127.0.0.1"));
	CU_ASSERT_FALSE(client_allowed(&cfg, "10.0.0.1"));
	CU_ASSERT_FALSE(client_allowed(&cfg, "::2"));
	CU_ASSERT_TRUE(netaddr_ports_contain(cfg.connect_ports,
	    cfg.nconnect_ports, 443));
	CU_ASSERT_FALSE(netaddr_ports_contain(cfg.connect_ports,
	    cfg.nconnect_ports, 80));
	CU_ASSERT_EQUAL(cfg.x_forwarded_for, XFF_ADD);
	CU_ASSERT_TRUE(cfg.websocket);
	CU_ASSERT_NOT_EQUAL(cfg.visible_hostname[0], '\0');
}

static void
test_defaults_timeouts_and_limits(void)
{
	struct config cfg;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(cfg.client_header_timeout, 30);
	CU_ASSERT_EQUAL(cfg.keepalive_timeout, 60);
	CU_ASSERT_EQUAL(cfg.connect_timeout, 10);
	CU_ASSERT_EQUAL(cfg.read_timeout, 60);
	CU_ASSERT_EQUAL(cfg.client_read_timeout, 60);
	CU_ASSERT_EQUAL(cfg.tunnel_idle_timeout, 300);
	CU_ASSERT_EQUAL(cfg.upstream_idle_timeout, 30);
	CU_ASSERT_EQUAL(cfg.dns_timeout, 10);
	CU_ASSERT_EQUAL(cfg.dns_cache_ttl, 60);
	CU_ASSERT_EQUAL(cfg.dns_negative_ttl, 10);
	CU_ASSERT_EQUAL(cfg.shutdown_grace, 10);
	CU_ASSERT_EQUAL(cfg.max_request_line, 8192);
	CU_ASSERT_EQUAL(cfg.max_header_size, 65536);
	CU_ASSERT_EQUAL(cfg.max_headers, 100);
	CU_ASSERT_EQUAL(cfg.max_connections, 20000);
	CU_ASSERT_EQUAL(cfg.upstream_pool_per_host, 64);
	CU_ASSERT_EQUAL(cfg.upstream_pool_max, 1024);
	CU_ASSERT_EQUAL(cfg.scan_max_size, 1024 * 1024);
	CU_ASSERT_FALSE(cfg.scan_oversize_block);
}

static void
test_scan_keys(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "scan_max_size=2M", &err), 0);
	CU_ASSERT_EQUAL(cfg.scan_max_size, 2 * 1024 * 1024);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "scan_oversize=block", &err),
	    0);
	CU_ASSERT_TRUE(cfg.scan_oversize_block);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "scan_oversize=drop", &err),
	    -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "scan_oversize: 'drop' is not pass "
	    "or block");
	CU_ASSERT_EQUAL(config_set_option(&cfg, "scan_max_size=1k", &err), -1);
}

static void
test_tls_keys(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(cfg.tls_inspect, TLS_INSPECT_OFF);
	CU_ASSERT_FALSE(cfg.tls_no_sni_block);
	CU_ASSERT_FALSE(cfg.tls_non_tls_tunnel);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_inspect=peek", &err), 0);
	CU_ASSERT_EQUAL(cfg.tls_inspect, TLS_INSPECT_PEEK);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_no_sni=block", &err), 0);
	CU_ASSERT_TRUE(cfg.tls_no_sni_block);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_non_tls=tunnel", &err),
	    0);
	CU_ASSERT_TRUE(cfg.tls_non_tls_tunnel);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_non_tls=splice", &err),
	    -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "tls_non_tls: 'splice' is not close "
	    "or tunnel");
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_inspect=on", &err), 0);
	CU_ASSERT_EQUAL(cfg.tls_inspect, TLS_INSPECT_ON);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "tls_inspect=yes", &err), -1);
	CU_ASSERT_STRING_EQUAL(cfg.tls_upstream_ca_file, "");
	CU_ASSERT_EQUAL(config_set_option(&cfg,
	    "tls_upstream_ca_file=/etc/ssl/extra.pem", &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.tls_upstream_ca_file,
	    "/etc/ssl/extra.pem");
}

static void
test_defaults_buildtree_paths(void)
{
	struct config cfg;
	char want[PATH_MAX + 16];

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_TRUE(ends_with(cfg.state_dir, "/state"));
	CU_ASSERT_TRUE(ends_with(cfg.policy_dir, "/policies"));
	snprintf(want, sizeof(want), "%s/access.log", cfg.state_dir);
	CU_ASSERT_STRING_EQUAL(cfg.access_log, want);
	snprintf(want, sizeof(want), "%s/wardend.pid", cfg.state_dir);
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, want);
	snprintf(want, sizeof(want), "%s/categories.db", cfg.state_dir);
	CU_ASSERT_STRING_EQUAL(cfg.category_store, want);
	snprintf(want, sizeof(want), "%s/ca", cfg.state_dir);
	CU_ASSERT_STRING_EQUAL(cfg.tls_ca_dir, want);
}

static void
test_defaults_installed_paths(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_INSTALLED);
	CU_ASSERT_EQUAL(cfg.state_dir[0], '/');
	CU_ASSERT_TRUE(ends_with(cfg.policy_dir, "/warden/policies"));
	CU_ASSERT_TRUE(ends_with(cfg.access_log, "/warden/access.log"));
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, "/run/warden/wardend.pid");
	/* Nothing set state_dir: the layout's paths stay. */
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, "/run/warden/wardend.pid");
}

static void
test_enum_words(void)
{
	CU_ASSERT_STRING_EQUAL(xff_mode_str(XFF_OFF), "off");
	CU_ASSERT_STRING_EQUAL(xff_mode_str(XFF_ADD), "add");
	CU_ASSERT_STRING_EQUAL(xff_mode_str(XFF_ANONYMOUS), "anonymous");
	CU_ASSERT_STRING_EQUAL(config_origin_str(CONFIG_ORIGIN_CMDLINE),
	    "command line");
	CU_ASSERT_STRING_EQUAL(config_layout_str(CONFIG_LAYOUT_INSTALLED),
	    "installed");
}

static void
test_good_full(void)
{
	struct config cfg;
	char buf[64];

	load_good(&cfg, GOOD("full.conf"));
	CU_ASSERT_EQUAL_FATAL(cfg.nlisten, 2);
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 0, buf, sizeof(buf)),
	    "0.0.0.0:8080");
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 1, buf, sizeof(buf)),
	    "[::]:8080");
	CU_ASSERT_EQUAL(cfg.workers, 8);
	CU_ASSERT_EQUAL(cfg.nallow_clients, 3);
	CU_ASSERT_TRUE(client_allowed(&cfg, "192.168.4.4"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "fd12::1"));
	CU_ASSERT_FALSE(client_allowed(&cfg, "127.0.0.1"));
	CU_ASSERT_EQUAL(cfg.nconnect_ports, 3);
	CU_ASSERT_TRUE(netaddr_ports_contain(cfg.connect_ports,
	    cfg.nconnect_ports, 19541));
	CU_ASSERT_STRING_EQUAL(cfg.state_dir, "/srv/warden/state");
	CU_ASSERT_STRING_EQUAL(cfg.policy_dir, "/srv/warden/policies");
	CU_ASSERT_STRING_EQUAL(cfg.access_log, "");
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, "/run/wardend.pid");
	CU_ASSERT_STRING_EQUAL(cfg.visible_hostname, "proxy.example.org");
	CU_ASSERT_EQUAL(cfg.x_forwarded_for, XFF_ANONYMOUS);
	CU_ASSERT_FALSE(cfg.websocket);
	CU_ASSERT_EQUAL(cfg.client_header_timeout, 15);
	CU_ASSERT_EQUAL(cfg.keepalive_timeout, 120);
	CU_ASSERT_EQUAL(cfg.connect_timeout, 5);
	CU_ASSERT_EQUAL(cfg.read_timeout, 3600);
	CU_ASSERT_EQUAL(cfg.client_read_timeout, 90);
	CU_ASSERT_EQUAL(cfg.tunnel_idle_timeout, 86400);
	CU_ASSERT_EQUAL(cfg.upstream_idle_timeout, 45);
	CU_ASSERT_EQUAL(cfg.dns_timeout, 3);
	CU_ASSERT_EQUAL(cfg.dns_cache_ttl, 0);
	CU_ASSERT_EQUAL(cfg.dns_negative_ttl, 0);
	CU_ASSERT_EQUAL(cfg.shutdown_grace, 60);
	CU_ASSERT_EQUAL(cfg.max_request_line, 16384);
	CU_ASSERT_EQUAL(cfg.max_header_size, 1048576);
	CU_ASSERT_EQUAL(cfg.max_headers, 200);
	CU_ASSERT_EQUAL(cfg.max_connections, 1000000);
	CU_ASSERT_EQUAL(cfg.upstream_pool_per_host, 0);
	CU_ASSERT_EQUAL(cfg.upstream_pool_max, 0);
}

static void
test_good_format(void)
{
	struct config cfg;

	/* BOM, CRLF, tabs, indented and trailing comments, '#' in a value. */
	load_good(&cfg, GOOD("format.conf"));
	CU_ASSERT_EQUAL(cfg.workers, 4);
	CU_ASSERT_STRING_EQUAL(cfg.state_dir, "/srv/warden#1");
	CU_ASSERT_STRING_EQUAL(cfg.visible_hostname, "proxy.example.org");
}

static void
test_good_lists_append_within_file(void)
{
	struct config cfg;
	char buf[64];

	load_good(&cfg, GOOD("lists.conf"));
	CU_ASSERT_EQUAL(cfg.nallow_clients, 2);
	CU_ASSERT_TRUE(client_allowed(&cfg, "10.1.1.1"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "192.168.1.1"));
	CU_ASSERT_FALSE(client_allowed(&cfg, "127.0.0.1"));
	CU_ASSERT_EQUAL(cfg.nconnect_ports, 2);
	CU_ASSERT_EQUAL_FATAL(cfg.nlisten, 2);
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 1, buf, sizeof(buf)),
	    "[::1]:3128");
}

static void
test_good_longest_line(void)
{
	struct config cfg;

	/* A line of exactly 4096 bytes is still accepted. */
	load_good(&cfg, GOOD("long-line.conf"));
	CU_ASSERT_EQUAL(cfg.workers, 2);
}

static void
test_cmdline_list_replaces_file(void)
{
	struct config cfg;
	struct werr err;

	load_good(&cfg, GOOD("lists.conf"));
	CU_ASSERT_EQUAL(config_set_option(&cfg,
	    "allow_clients=172.16.0.0/12", &err), 0);
	CU_ASSERT_EQUAL(cfg.nallow_clients, 1);
	CU_ASSERT_FALSE(client_allowed(&cfg, "10.1.1.1"));
	CU_ASSERT_TRUE(client_allowed(&cfg, "172.20.0.1"));
	/* A second -o appends to the first. */
	CU_ASSERT_EQUAL(config_set_option(&cfg, "allow_clients=10.0.0.0/8",
	    &err), 0);
	CU_ASSERT_EQUAL(cfg.nallow_clients, 2);
	CU_ASSERT_TRUE(client_allowed(&cfg, "10.1.1.1"));
	/* Lists the command line did not name keep the file's. */
	CU_ASSERT_EQUAL(cfg.nconnect_ports, 2);
}

static void
test_cmdline_listen_then_l(void)
{
	struct config cfg;
	struct werr err;
	char buf[64];

	load_good(&cfg, GOOD("lists.conf"));
	CU_ASSERT_EQUAL(config_set_option(&cfg, "listen=127.0.0.1:8080",
	    &err), 0);
	/* What -l does: the same origin, so it adds. */
	CU_ASSERT_EQUAL(config_set(&cfg, "listen", "127.0.0.1:8081",
	    CONFIG_ORIGIN_CMDLINE, &err), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nlisten, 2);
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 0, buf, sizeof(buf)),
	    "127.0.0.1:8080");
	CU_ASSERT_STRING_EQUAL(listen_str(&cfg, 1, buf, sizeof(buf)),
	    "127.0.0.1:8081");
}

static void
test_file_list_replaces_default(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set(&cfg, "connect_ports", "563",
	    CONFIG_ORIGIN_FILE, &err), 0);
	CU_ASSERT_EQUAL(cfg.nconnect_ports, 1);
	CU_ASSERT_FALSE(netaddr_ports_contain(cfg.connect_ports,
	    cfg.nconnect_ports, 443));
}

static void
test_bad_value_changes_nothing(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg,
	    "allow_clients=10.0.0.0/8 bogus", &err), -1);
	CU_ASSERT_EQUAL(cfg.nallow_clients, 2);
	CU_ASSERT_TRUE(client_allowed(&cfg, "127.0.0.1"));
	CU_ASSERT_EQUAL(config_set_option(&cfg, "connect_ports=443", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.nconnect_ports, 1);
}

static void
test_option_sets(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "workers=3", &err), 0);
	CU_ASSERT_EQUAL(cfg.workers, 3);
	CU_ASSERT_EQUAL(config_set_option(&cfg, " websocket = Off ", &err),
	    0);
	CU_ASSERT_FALSE(cfg.websocket);
}

static void
test_option_missing_equals(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("workers"),
	    "'workers': expected key=value");
	CU_ASSERT_STRING_EQUAL(option_err("workers 4"),
	    "'workers 4': expected key=value");
}

static void
test_option_empty_key(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("=4"),
	    "'=4': missing key before '='");
	CU_ASSERT_STRING_EQUAL(option_err(" =4"),
	    "' =4': missing key before '='");
}

static void
test_option_empty_value(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("workers="),
	    "missing value for 'workers'");
}

static void
test_option_unknown_key(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("Listen=127.0.0.1:1"),
	    "unknown key 'Listen' (did you mean 'listen'?)");
	CU_ASSERT_STRING_EQUAL(option_err("conect_timeout=5"),
	    "unknown key 'conect_timeout' (did you mean 'connect_timeout'?)");
	CU_ASSERT_STRING_EQUAL(option_err("tls=on"), "unknown key 'tls'");
}

static void
test_option_bad_value(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("workers=many"),
	    "workers: 'many' is not a number");
}

static void
test_durations(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "connect_timeout=90", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.connect_timeout, 90);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "connect_timeout=5m", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.connect_timeout, 300);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "connect_timeout=24h", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.connect_timeout, 86400);
	CU_ASSERT_STRING_EQUAL(option_err("connect_timeout=86401"),
	    "connect_timeout: '86401' is too long (at most 1 day, 24h)");
	CU_ASSERT_STRING_EQUAL(
	    option_err("connect_timeout=99999999999999999999h"),
	    "connect_timeout: '99999999999999999999h' is too long (at most 1 "
	    "day, 24h)");
	CU_ASSERT_STRING_EQUAL(option_err("connect_timeout=1d"),
	    "connect_timeout: '1d' is not a duration (seconds, or a number "
	    "and s, m or h: 90, 30s, 5m, 1h)");
	CU_ASSERT_STRING_EQUAL(option_err("connect_timeout=s"),
	    "connect_timeout: 's' is not a duration (seconds, or a number "
	    "and s, m or h: 90, 30s, 5m, 1h)");
	CU_ASSERT_STRING_EQUAL(option_err("dns_cache_ttl=0"), "");
	CU_ASSERT_STRING_EQUAL(option_err("shutdown_grace=0m"),
	    "shutdown_grace: '0m': must be at least 1s");
}

static void
test_sizes(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "max_header_size=1m", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.max_header_size, 1048576);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "max_request_line=2K", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.max_request_line, 2048);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "max_request_line=256", &err),
	    0);
	CU_ASSERT_STRING_EQUAL(option_err("max_request_line=255"),
	    "max_request_line: '255' is out of range (256 to 1M)");
	CU_ASSERT_STRING_EQUAL(option_err("max_header_size=1023"),
	    "max_header_size: '1023' is out of range (1k to 1M)");
}

static void
test_counts(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("workers=256"), "");
	CU_ASSERT_STRING_EQUAL(option_err("max_headers=0"),
	    "max_headers: '0' is out of range (1 to 10000)");
	CU_ASSERT_STRING_EQUAL(option_err("max_connections=1000001"),
	    "max_connections: '1000001' is out of range (1 to 1000000)");
	CU_ASSERT_STRING_EQUAL(option_err("upstream_pool_max=100001"),
	    "upstream_pool_max: '100001' is out of range (0 to 100000)");
	CU_ASSERT_STRING_EQUAL(option_err("upstream_pool_per_host=1e3"),
	    "upstream_pool_per_host: '1e3' is not a number");
}

static void
test_booleans(void)
{
	static const char *const yes[] = { "on", "yes", "true", "ON" };
	static const char *const no[] = { "off", "no", "false", "No" };
	struct config cfg;
	struct werr err;
	size_t i;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	for (i = 0; i < WD_NELEM(no); i++) {
		cfg.websocket = true;
		CU_ASSERT_EQUAL(config_set(&cfg, "websocket", no[i],
		    CONFIG_ORIGIN_FILE, &err), 0);
		CU_ASSERT_FALSE(cfg.websocket);
	}
	for (i = 0; i < WD_NELEM(yes); i++) {
		cfg.websocket = false;
		CU_ASSERT_EQUAL(config_set(&cfg, "websocket", yes[i],
		    CONFIG_ORIGIN_FILE, &err), 0);
		CU_ASSERT_TRUE(cfg.websocket);
	}
}

static void
test_xff_words(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "x_forwarded_for=off", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.x_forwarded_for, XFF_OFF);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "x_forwarded_for=add", &err),
	    0);
	CU_ASSERT_EQUAL(cfg.x_forwarded_for, XFF_ADD);
}

static void
test_paths(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("pid_file=none"), "");
	CU_ASSERT_STRING_EQUAL(option_err("policy_dir=policies"),
	    "policy_dir: 'policies' is not an absolute path (start it with "
	    "'/')");
	CU_ASSERT_STRING_EQUAL(option_err("access_log=access.log"),
	    "access_log: 'access.log' is not an absolute path (start it with "
	    "'/', or write none)");
}

static void
test_hostnames(void)
{
	CU_ASSERT_STRING_EQUAL(option_err("visible_hostname=a-b.c9"), "");
	CU_ASSERT_STRING_EQUAL(option_err("visible_hostname=-a.b"),
	    "visible_hostname: '-a.b' is not a host name (letters, digits, "
	    "'-' and '.')");
	CU_ASSERT_STRING_EQUAL(option_err("visible_hostname=a..b"),
	    "visible_hostname: 'a..b' is not a host name (letters, digits, "
	    "'-' and '.')");
	CU_ASSERT_STRING_EQUAL(option_err("visible_hostname=a b"),
	    "visible_hostname: 'a b' is not a host name (letters, digits, "
	    "'-' and '.')");
}

static void
test_finalise_follows_state_dir(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_INSTALLED);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "state_dir=/srv/w/", &err),
	    0);
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.access_log, "/srv/w/access.log");
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, "/srv/w/wardend.pid");
	CU_ASSERT_STRING_EQUAL(cfg.category_store, "/srv/w/categories.db");
	CU_ASSERT_STRING_EQUAL(cfg.tls_ca_dir, "/srv/w/ca");
	/* Twice is the same as once. */
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.access_log, "/srv/w/access.log");
}

static void
test_finalise_keeps_explicit_paths(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set(&cfg, "access_log", "none",
	    CONFIG_ORIGIN_FILE, &err), 0);
	CU_ASSERT_EQUAL(config_set(&cfg, "pid_file", "/run/w.pid",
	    CONFIG_ORIGIN_FILE, &err), 0);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "state_dir=/srv/w", &err),
	    0);
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.access_log, "");
	CU_ASSERT_STRING_EQUAL(cfg.pid_file, "/run/w.pid");
}

static void
test_finalise_root_state_dir(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	CU_ASSERT_EQUAL(config_set_option(&cfg, "state_dir=/", &err), 0);
	CU_ASSERT_EQUAL(config_finalise(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.access_log, "/access.log");
}

static void
test_validate_no_listen(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	cfg.nlisten = 0;
	CU_ASSERT_EQUAL(config_validate(&cfg, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "no listen address (add one, as "
	    "'listen 127.0.0.1:3128')");
}

static void
test_validate_zero_timeout(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	cfg.keepalive_timeout = 0;
	CU_ASSERT_EQUAL(config_validate(&cfg, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "keepalive_timeout: 0 is out of range (1 to 86400)");
}

static void
test_validate_empty_lists(void)
{
	struct config cfg;
	struct werr err;

	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	cfg.nallow_clients = 0;
	CU_ASSERT_EQUAL(config_validate(&cfg, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "allow_clients is empty: no client could use the proxy");
	config_defaults(&cfg, CONFIG_LAYOUT_BUILDTREE);
	cfg.nconnect_ports = 0;
	CU_ASSERT_EQUAL(config_validate(&cfg, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "connect_ports is empty");
}

static void
test_validate_duplicate_listen(void)
{
	check_invalid(BAD("dup-listen.conf"),
	    "listen: 127.0.0.1:3128 is given twice");
}

static void
test_validate_request_line_vs_header(void)
{
	check_invalid(BAD("request-line-vs-header.conf"),
	    "max_request_line (65536) must be smaller than max_header_size "
	    "(32768)");
}

static void
test_validate_same_log_and_pid(void)
{
	check_invalid(BAD("same-log-and-pid.conf"),
	    "access_log and pid_file are the same file (/tmp/warden.out)");
}

static void
test_bad_unknown_key(void)
{
	check_bad(BAD("unknown-key.conf"),
	    ":3: unknown key 'listn' (did you mean 'listen'?)");
}

static void
test_bad_unknown_key_far(void)
{
	check_bad(BAD("unknown-key-far.conf"), ":1: unknown key 'frobnicate'");
}

static void
test_bad_squid_key(void)
{
	check_bad(BAD("squid-http-port.conf"), ":2: unknown key 'http_port' "
	    "(Squid's http_port is 'listen ADDR:PORT' here)");
}

static void
test_bad_missing_value(void)
{
	check_bad(BAD("missing-value.conf"), ":3: missing value for 'workers'");
}

static void
test_bad_equals_sign(void)
{
	check_bad(BAD("equals-sign.conf"),
	    ":1: expected 'key value', without '='");
}

static void
test_bad_equals_joined(void)
{
	check_bad(BAD("equals-joined.conf"),
	    ":1: expected 'key value', without '='");
}

static void
test_bad_cidr(void)
{
	check_bad(BAD("bad-cidr.conf"), ":1: allow_clients: 'example.com' is "
	    "not an IP address or network (as 10.0.0.0/8 or fd00::/8; names "
	    "are not accepted)");
}

static void
test_bad_host_bits(void)
{
	check_bad(BAD("host-bits.conf"), ":2: allow_clients: 10.0.0.1/8: host "
	    "bits set (did you mean 10.0.0.0/8?)");
}

static void
test_bad_prefix(void)
{
	check_bad(BAD("bad-prefix.conf"), ":1: allow_clients: '10.0.0.0/33': "
	    "the prefix length must be a number from 0 to 32");
}

static void
test_bad_cidr_empty_element(void)
{
	check_bad(BAD("cidr-empty-element.conf"), ":1: allow_clients: empty "
	    "element in '10.0.0.0/8,,192.168.0.0/16'");
}

static void
test_bad_port_zero(void)
{
	check_bad(BAD("bad-port-zero.conf"), ":1: connect_ports: '0' is out "
	    "of range: ports go from 1 to 65535");
}

static void
test_bad_port_big(void)
{
	check_bad(BAD("bad-port-big.conf"), ":1: connect_ports: '70000' is "
	    "out of range: ports go from 1 to 65535");
}

static void
test_bad_port_range(void)
{
	check_bad(BAD("bad-port-range.conf"), ":1: connect_ports: "
	    "'9000-8000': the range is backwards (write 8000-9000)");
}

static void
test_bad_port_junk(void)
{
	check_bad(BAD("bad-port-junk.conf"),
	    ":1: connect_ports: 'https' is not a port number");
}

static void
test_bad_port_empty(void)
{
	check_bad(BAD("bad-port-empty.conf"),
	    ":1: connect_ports: empty element in '443,,8443'");
}

static void
test_bad_duration(void)
{
	check_bad(BAD("bad-duration.conf"), ":1: connect_timeout: '5x' is not "
	    "a duration (seconds, or a number and s, m or h: 90, 30s, 5m, 1h)");
}

static void
test_bad_duration_too_long(void)
{
	check_bad(BAD("duration-too-long.conf"), ":1: read_timeout: '25h' is "
	    "too long (at most 1 day, 24h)");
}

static void
test_bad_duration_zero(void)
{
	check_bad(BAD("duration-zero.conf"),
	    ":1: connect_timeout: '0': must be at least 1s");
}

static void
test_bad_size_too_small(void)
{
	check_bad(BAD("size-too-small.conf"), ":1: max_request_line: '100' is "
	    "out of range (256 to 1M)");
}

static void
test_bad_size_too_big(void)
{
	check_bad(BAD("size-too-big.conf"), ":1: max_header_size: '2M' is out "
	    "of range (1k to 1M)");
}

static void
test_bad_size(void)
{
	check_bad(BAD("bad-size.conf"), ":1: max_header_size: '64kb' is not a "
	    "size (bytes, or a number and k or M: 8192, 8k, 1M)");
}

static void
test_bad_count_too_big(void)
{
	check_bad(BAD("count-too-big.conf"),
	    ":1: workers: '300' is out of range (0 to 256)");
}

static void
test_bad_count_junk(void)
{
	check_bad(BAD("count-junk.conf"),
	    ":1: max_connections: '-5' is not a number");
}

static void
test_bad_bool(void)
{
	check_bad(BAD("bad-bool.conf"), ":1: websocket: 'maybe' is not on or "
	    "off (also yes/no, true/false)");
}

static void
test_bad_xff(void)
{
	check_bad(BAD("bad-xff.conf"), ":1: x_forwarded_for: 'delete' is not "
	    "off, add or anonymous");
}

static void
test_bad_hostname(void)
{
	check_bad(BAD("bad-hostname.conf"), ":1: visible_hostname: "
	    "'proxy_1.example.org' is not a host name (letters, digits, '-' "
	    "and '.')");
}

static void
test_bad_relative_path(void)
{
	check_bad(BAD("relative-path.conf"), ":1: state_dir: 'var/lib/warden' "
	    "is not an absolute path (start it with '/')");
}

static void
test_bad_log_is_dir(void)
{
	check_bad(BAD("log-is-dir.conf"), ":1: access_log: '/var/log/warden/' "
	    "names a directory, not a file");
}

static void
test_bad_listen_hostname(void)
{
	check_bad(BAD("listen-hostname.conf"), ":1: listen: 'localhost:3128': "
	    "'localhost' is not an IPv4 address (names are not resolved "
	    "here)");
}

static void
test_bad_listen_bare_port(void)
{
	check_bad(BAD("listen-bare-port.conf"), ":1: listen: '3128': give an "
	    "address too (127.0.0.1:3128 for this machine, 0.0.0.0:3128 for "
	    "all)");
}

static void
test_bad_listen_v6_brackets(void)
{
	check_bad(BAD("listen-v6-brackets.conf"), ":1: listen: '::1:3128': put "
	    "an IPv6 address in brackets (as [::1]:3128)");
}

static void
test_bad_listen_port(void)
{
	check_bad(BAD("listen-bad-port.conf"), ":1: listen: '127.0.0.1:0': the "
	    "port must be a number from 1 to 65535");
}

static void
test_bad_too_many_listen(void)
{
	check_bad(BAD("too-many-listen.conf"),
	    ":17: listen: too many addresses (at most 16)");
}

static void
test_bad_too_long_line(void)
{
	check_bad(BAD("too-long-line.conf"),
	    ":2: line too long (more than 4096 bytes)");
}

static void
test_bad_nul_byte(void)
{
	check_bad(BAD("nul-byte.conf"), ":2: NUL byte at column 22");
}

static void
test_bad_utf8(void)
{
	check_bad(BAD("bad-utf8.conf"), ":2: invalid UTF-8 at column 21");
}

static void
test_bad_control_char(void)
{
	check_bad(BAD("control-char.conf"),
	    ":1: control character 0x01 at column 10");
}

static void
test_bad_nonexistent_file(void)
{
	check_bad(BAD("does-not-exist.conf"), ": No such file or directory");
}

static void
test_bad_directory(void)
{
	check_bad(WD_TEST_DATA "/bad", ": Is a directory");
}

static void
test_sample_loads(void)
{
	struct config cfg;

	load_good(&cfg, SAMPLE);
}

/*
 * Compares what config_defaults() gives with cfg, except the keys whose
 * default depends on the machine or the layout.
 */
static void
check_same_as_defaults(const struct config *cfg)
{
	struct config def;
	size_t i;

	config_defaults(&def, CONFIG_LAYOUT_INSTALLED);
	CU_ASSERT_EQUAL_FATAL(cfg->nlisten, def.nlisten);
	for (i = 0; i < def.nlisten; i++) {
		CU_ASSERT_EQUAL(cfg->listen[i].len, def.listen[i].len);
		CU_ASSERT_EQUAL(memcmp(&cfg->listen[i].ss, &def.listen[i].ss,
		    def.listen[i].len), 0);
	}
	CU_ASSERT_EQUAL(cfg->workers, def.workers);
	CU_ASSERT_EQUAL_FATAL(cfg->nallow_clients, def.nallow_clients);
	CU_ASSERT_EQUAL(memcmp(cfg->allow_clients, def.allow_clients,
	    def.nallow_clients * sizeof(def.allow_clients[0])), 0);
	CU_ASSERT_EQUAL_FATAL(cfg->nconnect_ports, def.nconnect_ports);
	CU_ASSERT_EQUAL(memcmp(cfg->connect_ports, def.connect_ports,
	    def.nconnect_ports * sizeof(def.connect_ports[0])), 0);
	CU_ASSERT_EQUAL(cfg->x_forwarded_for, def.x_forwarded_for);
	CU_ASSERT_EQUAL(cfg->websocket, def.websocket);
	CU_ASSERT_EQUAL(cfg->client_header_timeout, def.client_header_timeout);
	CU_ASSERT_EQUAL(cfg->keepalive_timeout, def.keepalive_timeout);
	CU_ASSERT_EQUAL(cfg->connect_timeout, def.connect_timeout);
	CU_ASSERT_EQUAL(cfg->read_timeout, def.read_timeout);
	CU_ASSERT_EQUAL(cfg->client_read_timeout, def.client_read_timeout);
	CU_ASSERT_EQUAL(cfg->tunnel_idle_timeout, def.tunnel_idle_timeout);
	CU_ASSERT_EQUAL(cfg->upstream_idle_timeout, def.upstream_idle_timeout);
	CU_ASSERT_EQUAL(cfg->dns_timeout, def.dns_timeout);
	CU_ASSERT_EQUAL(cfg->dns_cache_ttl, def.dns_cache_ttl);
	CU_ASSERT_EQUAL(cfg->dns_negative_ttl, def.dns_negative_ttl);
	CU_ASSERT_EQUAL(cfg->shutdown_grace, def.shutdown_grace);
	CU_ASSERT_EQUAL(cfg->max_request_line, def.max_request_line);
	CU_ASSERT_EQUAL(cfg->max_header_size, def.max_header_size);
	CU_ASSERT_EQUAL(cfg->max_headers, def.max_headers);
	CU_ASSERT_EQUAL(cfg->max_connections, def.max_connections);
	CU_ASSERT_EQUAL(cfg->upstream_pool_per_host,
	    def.upstream_pool_per_host);
	CU_ASSERT_EQUAL(cfg->upstream_pool_max, def.upstream_pool_max);
}

static bool
is_path_key(const char *key)
{
	return strcmp(key, "state_dir") == 0 ||
	    strcmp(key, "policy_dir") == 0 ||
	    strcmp(key, "access_log") == 0 || strcmp(key, "pid_file") == 0 ||
	    strcmp(key, "category_store") == 0 ||
	    strcmp(key, "tls_ca_dir") == 0;
}

static void
test_sample_shows_true_defaults(void)
{
	char line[512], *key, *value;
	struct config cfg;
	struct werr err;
	size_t nkeys = 0;
	FILE *fp;

	/* Setting every "#key value" line must change nothing. */
	fp = fopen(SAMPLE, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	config_defaults(&cfg, CONFIG_LAYOUT_INSTALLED);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] != '#' || line[1] < 'a' || line[1] > 'z')
			continue;
		line[strcspn(line, "\n")] = '\0';
		key = line + 1;
		value = key + strcspn(key, " ");
		*value++ = '\0';
		nkeys++;
		if (is_path_key(key))
			continue;
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(config_set(&cfg, key, value,
		    CONFIG_ORIGIN_FILE, &err), 0);
		CU_ASSERT_STRING_EQUAL(err.msg, "");
	}
	fclose(fp);
	/* All but visible_hostname, whose default is the machine's name. */
	CU_ASSERT_EQUAL(nkeys, WD_NELEM(all_keys) - 1);
	check_same_as_defaults(&cfg);
}

/* Whether file path holds the text s. */
static bool
file_mentions(const char *path, const char *s)
{
	char line[1024];
	bool found = false;
	FILE *fp;

	fp = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, s) != NULL;
	fclose(fp);
	return found;
}

static void
test_every_key_documented(void)
{
	char heading[128];
	size_t i;

	for (i = 0; i < WD_NELEM(all_keys); i++) {
		snprintf(heading, sizeof(heading), "### %s\n", all_keys[i]);
		if (!file_mentions(MANUAL, heading))
			printf("\n  %s has no heading in %s\n", all_keys[i],
			    MANUAL);
		CU_ASSERT_TRUE(file_mentions(MANUAL, heading));
		snprintf(heading, sizeof(heading), "%s ", all_keys[i]);
		CU_ASSERT_TRUE(file_mentions(SAMPLE, heading));
	}
}

static CU_TestInfo cu_tests[] = {
	{ "defaults: sane", test_defaults_sane },
	{ "defaults: timeouts and limits", test_defaults_timeouts_and_limits },
	{ "defaults: build tree paths", test_defaults_buildtree_paths },
	{ "scan_max_size and scan_oversize", test_scan_keys },
	{ "tls_inspect, tls_no_sni, tls_non_tls", test_tls_keys },
	{ "defaults: installed paths", test_defaults_installed_paths },
	{ "enum words", test_enum_words },
	{ "good: every key set", test_good_full },
	{ "good: BOM, CRLF, tabs, comments", test_good_format },
	{ "good: lists append within a file",
	    test_good_lists_append_within_file },
	{ "good: 4096-byte line", test_good_longest_line },
	{ "origins: -o list replaces the file's",
	    test_cmdline_list_replaces_file },
	{ "origins: -o listen then -l", test_cmdline_listen_then_l },
	{ "origins: file list replaces default",
	    test_file_list_replaces_default },
	{ "set: a bad value changes nothing", test_bad_value_changes_nothing },
	{ "-o: sets", test_option_sets },
	{ "-o: missing '='", test_option_missing_equals },
	{ "-o: empty key", test_option_empty_key },
	{ "-o: empty value", test_option_empty_value },
	{ "-o: unknown key", test_option_unknown_key },
	{ "-o: bad value", test_option_bad_value },
	{ "values: durations", test_durations },
	{ "values: sizes", test_sizes },
	{ "values: counts", test_counts },
	{ "values: booleans", test_booleans },
	{ "values: x_forwarded_for", test_xff_words },
	{ "values: paths", test_paths },
	{ "values: host names", test_hostnames },
	{ "finalise: paths follow state_dir",
	    test_finalise_follows_state_dir },
	{ "finalise: explicit paths kept", test_finalise_keeps_explicit_paths },
	{ "finalise: state_dir /", test_finalise_root_state_dir },
	{ "validate: no listen", test_validate_no_listen },
	{ "validate: zero timeout", test_validate_zero_timeout },
	{ "validate: empty lists", test_validate_empty_lists },
	{ "validate: duplicate listen", test_validate_duplicate_listen },
	{ "validate: request line vs header",
	    test_validate_request_line_vs_header },
	{ "validate: same log and pid file", test_validate_same_log_and_pid },
	{ "bad: unknown key", test_bad_unknown_key },
	{ "bad: unknown key, nothing near", test_bad_unknown_key_far },
	{ "bad: Squid directive", test_bad_squid_key },
	{ "bad: missing value", test_bad_missing_value },
	{ "bad: key = value", test_bad_equals_sign },
	{ "bad: key=value", test_bad_equals_joined },
	{ "bad: CIDR", test_bad_cidr },
	{ "bad: host bits", test_bad_host_bits },
	{ "bad: prefix", test_bad_prefix },
	{ "bad: empty CIDR element", test_bad_cidr_empty_element },
	{ "bad: port 0", test_bad_port_zero },
	{ "bad: port too big", test_bad_port_big },
	{ "bad: port range backwards", test_bad_port_range },
	{ "bad: port junk", test_bad_port_junk },
	{ "bad: empty port element", test_bad_port_empty },
	{ "bad: duration", test_bad_duration },
	{ "bad: duration too long", test_bad_duration_too_long },
	{ "bad: duration zero", test_bad_duration_zero },
	{ "bad: size too small", test_bad_size_too_small },
	{ "bad: size too big", test_bad_size_too_big },
	{ "bad: size junk", test_bad_size },
	{ "bad: count too big", test_bad_count_too_big },
	{ "bad: count junk", test_bad_count_junk },
	{ "bad: boolean", test_bad_bool },
	{ "bad: x_forwarded_for", test_bad_xff },
	{ "bad: host name", test_bad_hostname },
	{ "bad: relative path", test_bad_relative_path },
	{ "bad: log file is a directory", test_bad_log_is_dir },
	{ "bad: listen on a host name", test_bad_listen_hostname },
	{ "bad: listen on a bare port", test_bad_listen_bare_port },
	{ "bad: listen IPv6 unbracketed", test_bad_listen_v6_brackets },
	{ "bad: listen port 0", test_bad_listen_port },
	{ "bad: too many listen", test_bad_too_many_listen },
	{ "bad: line too long", test_bad_too_long_line },
	{ "bad: NUL byte", test_bad_nul_byte },
	{ "bad: invalid UTF-8", test_bad_utf8 },
	{ "bad: control character", test_bad_control_char },
	{ "bad: nonexistent file", test_bad_nonexistent_file },
	{ "bad: directory", test_bad_directory },
	{ "sample: loads", test_sample_loads },
	{ "sample: shows the true defaults", test_sample_shows_true_defaults },
	{ "every key documented", test_every_key_documented },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"config"
#include "cu_main.h"
