#ifndef WARDEN_LOGWRITER_H
#define WARDEN_LOGWRITER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The access-log writer thread. Workers hand it finished lines through a
 * bounded queue and never touch the disk; a full queue drops the line and
 * counts it. The main thread starts, reopens (SIGUSR1, or a new path on
 * reload) and stops it.
 */

/* path "" means no access log. 0, or -1 when the file cannot be opened. */
int		logwriter_start(const char *path);
/* Any thread. The line must end in '\n'. */
void		logwriter_submit(const char *line, size_t len);
/* Reopens path (the same one after logrotate, or a new one). */
void		logwriter_reopen(const char *path);
/* Writes what is queued, then stops the thread. */
void		logwriter_stop(void);
uint64_t	logwriter_dropped(void);

#endif
