#ifndef MOCOD_DISPATCH_H
#define MOCOD_DISPATCH_H

#include "core/request.h"

/* Builds the route table from the declarations; once, before serving. */
void dispatch_init(void);
/* The header-only phase, before a body is read: the route exists, and unless the route is open
 * (login, files) the key is valid and within its rate limit (r->authorized is then set, and
 * dispatch() does not check again). 0: go on; else the answer is in r (status, out, headers). */
int dispatch_authorize(struct req *r, db *d);
/* Answers a request: fills r->status, r->out and r->headers. */
void dispatch(struct req *r, db *d);

#endif
