#ifndef WARDEN_FILEIO_H
#define WARDEN_FILEIO_H

#include <stddef.h>

#include "attrib.h"

/*
 * Writes all len bytes of buf to fd, going on after short writes and
 * EINTR. 0, or -1 with errno set by the write(2) that failed. Any thread.
 */
int	fileio_write_all(int fd, const void *buf, size_t len) WD_WUR;

#endif
