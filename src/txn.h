#ifndef WARDEN_TXN_H
#define WARDEN_TXN_H

#include <stdbool.h>

#include "http1.h"

/*
 * One request and its response: checks the request, answers locally or
 * forwards it (upstream connection, streamed bodies both ways, framing
 * that Warden itself determines), tunnels CONNECT and WebSocket, and
 * writes one access-log record. Worker thread only.
 */

struct session;
struct txn;

/* Takes ownership of m. */
void	txn_start(struct session *s, struct http_msg *m);
/* A head that could not be read: answer status, log, close. */
void	txn_reject(struct session *s, int status, const char *why);

/* The session's client callbacks while a transaction is active. */
void	txn_client_read(struct txn *t);
void	txn_client_write(struct txn *t);
void	txn_client_event(struct txn *t, short what);

/* The session goes away: end the transaction without the client. */
void	txn_abort(struct txn *t, const char *why);

#endif
