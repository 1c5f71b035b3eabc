#ifndef MOCOD_HTTP_H
#define MOCOD_HTTP_H

#include "core/request.h"

typedef struct http_server http_server;

/* Starts serving on cfg->listen with cfg->threads threads; NULL and err on failure. */
http_server *http_start(db *d, const struct server_config *cfg, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish, then stops. */
void http_stop(http_server *srv);
int http_port(http_server *srv);

#endif
