/*
 * libmicrohttpd glue: turns MHD callbacks into a struct req, calls dispatch(), sends the answer,
 * writes the access log. The response is queued on the second call of the access callback (the
 * first only sets up the request), which keeps connections alive.
 */
#include "server/http.h"

#include "server/dispatch.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY (10u * 1024u * 1024u)

struct http_server {
    struct MHD_Daemon *daemon;
    db *db;
    const struct server_config *cfg;
    atomic_int in_flight;
};

struct call {
    arena a;
    struct req r;
    strbuf body;
    bool too_large;
    double started;
    struct http_server *srv;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct req *r = cls;
    if (!key)
        return MHD_YES;
    if (r->nquery % 16 == 0)
        r->query = arena_realloc(r->arena, r->query, sizeof(struct kv) * (size_t)r->nquery,
                                 sizeof(struct kv) * (size_t)(r->nquery + 16));
    r->query[r->nquery].key = arena_strdup(r->arena, key);
    r->query[r->nquery].value = arena_strdup(r->arena, value ? value : "");
    r->nquery++;
    return MHD_YES;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The peer's address as text (IPv4 or IPv6), an arena string; NULL for other families. */
static const char *sockaddr_text(arena *a, const struct sockaddr *sa)
{
    char *ip = arena_alloc(a, INET6_ADDRSTRLEN);
    const void *addr =
        sa->sa_family == AF_INET
            ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
        : sa->sa_family == AF_INET6
            ? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
            : NULL;
    return addr && inet_ntop(sa->sa_family, addr, ip, INET6_ADDRSTRLEN) ? ip : NULL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct call *call = *con_cls;
    if (!call) {
        call = calloc(1, sizeof(*call));
        if (!call)
            return MHD_NO;
        arena_init(&call->a, 128 * 1024);
        call->srv = srv;
        call->started = time_now_mono();
        sb_init(&call->body, &call->a, 256);
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = call;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (call->body.len + *upload_data_size > MAX_BODY)
            call->too_large = true; /* keep reading, answer 413 at the end */
        else
            sb_add(&call->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct req *r = &call->r;
    r->arena = &call->a;
    r->cfg = srv->cfg;
    r->method = method;
    r->raw_path = url;
    r->host = header(conn, MHD_HTTP_HEADER_HOST);
    r->content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->authorization = header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
    r->impersonate = header(conn, "X-IMPERSONATE-USER-ID");
    const union MHD_ConnectionInfo *peer =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    r->client_ip = peer && peer->client_addr ? sockaddr_text(r->arena, peer->client_addr) : NULL;
    r->body_raw = call->body.buf;
    r->body_len = call->body.len;
    sb_init(&r->out, r->arena, 65536);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);

    if (call->too_large) {
        req_fail(r, 413, NULL, "the request body is larger than 10 MiB");
        r->status = 413;
        sb_adds(&r->out, "{\"message\":\"the request body is larger than 10 MiB\"}");
    } else {
        dispatch(r, srv->db);
    }

    /* The arena outlives the response: it is freed in the completion callback. */
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->out.len, r->out.buf ? r->out.buf : (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    bool typed = false; /* a handler that serves a file names its own type */
    for (int i = 0; i < r->nheaders; i++)
        typed = typed || !strcasecmp(r->headers[i].key, "Content-Type");
    if (r->status != 204 && !typed)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json; charset=utf-8");
    for (int i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].key, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct call *call = *con_cls;
    if (!call)
        return;
    char ip[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr) {
        const struct sockaddr *sa = info->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip,
                      sizeof(ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip,
                      sizeof(ip));
    }
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    const struct req *r = &call->r;
    fprintf(stderr, "%s %s %s %s %d %zu %.3fms%s\n", now, ip, r->method ? r->method : "-",
            r->raw_path ? r->raw_path : "-", r->status, r->out.len,
            (time_now_mono() - call->started) * 1000.0,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    arena_release(&call->a);
    free(call);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return -1;
    char host[64];
    size_t n = (size_t)(colon - listen);
    if (n >= sizeof(host))
        return -1;
    memcpy(host, listen, n);
    host[n] = '\0';
    if (n == 0 || !strcmp(host, "0.0.0.0") || !strcmp(host, "*"))
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (!strcmp(host, "localhost"))
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

http_server *http_start(db *d, const struct server_config *cfg, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa)) {
        snprintf(err, errlen, "--listen must be HOST:PORT (IPv4), got %s", cfg->listen);
        return NULL;
    }
    http_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->db = d;
    srv->cfg = cfg;
    dispatch_init();
    unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : 2;
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL, answer, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s", cfg->listen);
        free(srv);
        return NULL;
    }
    return srv;
}

void http_stop(http_server *srv)
{
    if (!srv)
        return;
    MHD_quiesce_daemon(srv->daemon); /* no new connections */
    /* let requests that have started finish, for up to 30 seconds */
    for (int i = 0; i < 3000 && atomic_load(&srv->in_flight) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(srv->daemon);
    free(srv);
}

int http_port(http_server *srv)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
