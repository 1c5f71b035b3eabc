/*
 * Whole answers of reads (lists and single entities), kept in memory. A key holds everything an
 * answer depends on: the account and its data version (bumped by every write transaction, in the
 * same transaction, by every process), the acting user and their kind of access, the host and the
 * full request line. A write therefore makes a new key and an entry is never stale. When the
 * budget is spent the cache starts over.
 */
#ifndef MOCOD_RESPCACHE_H
#define MOCOD_RESPCACHE_H

#include "core/request.h"

void respcache_init(size_t max_bytes);
/* True when an answer was found: r->status, r->out and r->headers are filled. */
bool respcache_get(struct req *r);
void respcache_put(struct req *r);

#endif
