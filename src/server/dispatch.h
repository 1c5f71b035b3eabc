#ifndef MOCOD_DISPATCH_H
#define MOCOD_DISPATCH_H

#include "core/request.h"

/* Builds the route table from the declarations; once, before serving. */
void dispatch_init(void);
/* Answers a request: fills r->status, r->out and r->headers. */
void dispatch(struct req *r, db *d);

#endif
