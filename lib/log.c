#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A longer message is cut and ends in "...". */
#define LOG_MSG_MAX	2048

/* Written once by log_init() before any thread starts; read by all. */
static char		log_prog[64] = "warden";
static atomic_int	log_level;

/*
 * Call from main() before starting threads (prog is copied, its directory
 * dropped). verbosity >= 1 shows DEBUG lines.
 */
void
log_init(const char *prog, int verbosity)
{
	const char *slash;

	slash = strrchr(prog, '/');
	if (slash != NULL)
		prog = slash + 1;
	snprintf(log_prog, sizeof(log_prog), "%s", prog);
	atomic_store(&log_level, verbosity);
}

int
log_verbosity(void)
{
	return atomic_load(&log_level);
}

/*
 * Copies src into dst[*off..len-1], writing control bytes as \xNN so a
 * message carrying a client's bytes cannot start a line of its own.
 * Stops (returning -1) when the next character does not fit.
 */
static int
log_escape(char *dst, size_t *off, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f) {
			if (len - *off < 4)
				return -1;
			dst[(*off)++] = '\\';
			dst[(*off)++] = 'x';
			dst[(*off)++] = hex[c >> 4];
			dst[(*off)++] = hex[c & 0xf];
		} else {
			if (len - *off < 1)
				return -1;
			dst[(*off)++] = (char)c;
		}
	}
	return 0;
}

static void WD_PRINTF(3, 0)
log_vemit(const char *level, bool with_errno, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX], ebuf[128], stamp[32];
	char line[LOG_MSG_MAX + 256];
	const char *p;
	struct tm tm;
	time_t now;
	size_t off;
	ssize_t w;
	int saved, n, m;
	bool cut;

	saved = errno;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		msg[0] = '\0';
		n = 0;
	}
	cut = (size_t)n >= sizeof(msg);
	if (with_errno && !cut) {
		/* GNU strerror_r() (the build defines _GNU_SOURCE). */
		m = snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror_r(saved, ebuf, sizeof(ebuf)));
		cut = m < 0 || (size_t)m >= sizeof(msg) - (size_t)n;
	}

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s: ", stamp, log_prog,
	    (long)getpid(), level);
	off = n > 0 ? (size_t)n : 0;

	/* Room is kept for "...\n" whatever the message holds. */
	if (log_escape(line, &off, sizeof(line) - 4, msg) == -1 || cut) {
		memcpy(line + off, "...", 3);
		off += 3;
	}
	line[off++] = '\n';

	/* One write per line, so lines from several threads never mix. */
	p = line;
	while (off > 0) {
		w = write(STDERR_FILENO, p, off);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		off -= (size_t)w;
	}
	errno = saved;
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("ERROR", false, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("WARNING", true, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("WARNING", false, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("INFO", false, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (atomic_load(&log_level) < 1)
		return;
	va_start(ap, fmt);
	log_vemit("DEBUG", false, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("ERROR", true, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit("ERROR", false, fmt, ap);
	va_end(ap);
	exit(1);
}
