#ifndef WARDEN_LOG_H
#define WARDEN_LOG_H

#include "attrib.h"

/*
 * The daemon's own diagnostics (not the access log). Lines go to stderr as
 * "TIME PROG[PID]: LEVEL: message". Any thread may call these.
 * Levels: ERROR (a fault in Warden or a failed start), WARNING (something
 * an administrator should look at), INFO, DEBUG (only with verbosity >= 1).
 */
void	log_init(const char *prog, int verbosity);
int	log_verbosity(void);
void	log_error(const char *fmt, ...) WD_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) WD_PRINTF(1, 2);	/* appends strerror(errno) */
void	log_warnx(const char *fmt, ...) WD_PRINTF(1, 2);
void	log_info(const char *fmt, ...) WD_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) WD_PRINTF(1, 2);
/* Start-up only: log at ERROR and exit(1). */
void	fatal(const char *fmt, ...) WD_PRINTF(1, 2) WD_NORETURN;	/* with strerror */
void	fatalx(const char *fmt, ...) WD_PRINTF(1, 2) WD_NORETURN;

#endif
