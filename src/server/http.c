/*
 * libmicrohttpd glue: turns MHD callbacks into a struct req, calls dispatch(), sends the answer,
 * writes the access log, and holds the limits that keep one client from exhausting the server:
 *  - the first call of the access callback (headers complete, no body byte taken yet) checks
 *    sizes and the key (dispatch_authorize), so a request without a valid key is answered 401
 *    without its body being read, and a request without a body is answered at once;
 *  - a body gets exactly its Content-Length (at most 10 MiB, else 413), counted against one
 *    budget for all bodies in flight (503 over it); large ones are mapped, so they go back to
 *    the system when the request ends;
 *  - connections per client address are limited (MHD), and a reaper thread ends connections
 *    whose request has not arrived whole within the request timeout, however slowly it trickles.
 */
#include "server/http.h"

#include "server/dispatch.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY    (10u * 1024u * 1024u)
#define MAX_URI     8192u  /* longer request targets: 414 */
#define MAX_HEADERS 16384u /* more header bytes: 431 */
#define MMAP_BODY                                                                                  \
    (1u << 20) /* bodies from this size are mapped: their memory goes back at once                 \
                */
#define MHD_MEMORY                                                                                 \
    (64u * 1024u) /* MHD's buffer per connection: above MAX_URI and MAX_HEADERS,                   \
                   * so that mocod, not libmicrohttpd, answers those (in JSON) */

/* A connection as the reaper sees it: requests must arrive whole within cfg->request_timeout of
 * the connection's start or of its previous answer, however slowly their bytes trickle in. */
struct conn {
    int fd;
    double since;  /* start of the connection or end of its last request */
    bool complete; /* the request has arrived whole (it is being answered) */
    struct conn *prev, *next;
};

struct http_server {
    struct MHD_Daemon *daemon;
    db *db;
    const struct server_config *cfg;
    atomic_int in_flight;     /* requests that arrived whole and are not finished yet */
    atomic_size_t body_bytes; /* memory of the bodies being received, bounded by body_memory */
    size_t body_memory;
    double request_timeout;
    pthread_mutex_t lock; /* guards conns */
    struct conn *conns;
    pthread_t reaper;
    bool reaper_running;
    atomic_bool stopping;
};

struct call {
    arena a;
    struct req r;
    char *body;       /* exactly the declared length, or grown for chunked bodies */
    size_t body_len;  /* bytes received */
    size_t body_cap;  /* bytes allocated and counted in srv->body_bytes */
    bool expect_body; /* Content-Length > 0 or chunked */
    bool answered;    /* the answer is in r already (decided from the headers) */
    bool body_read;   /* the whole body has arrived */
    bool counted;     /* counted in srv->in_flight */
    bool queued;      /* the answer is queued: what else arrives is dropped */
    bool large;       /* give memory back to the system when it ends */
    double started;
    struct http_server *srv;
    struct conn *conn;
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

static enum MHD_Result count_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    size_t *n = cls;
    *n += (key ? strlen(key) : 0) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
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

/* ---- request bodies: counted against one budget, mapped when large ------------------------ */

static bool body_reserve(struct http_server *srv, size_t n)
{
    size_t now = atomic_fetch_add(&srv->body_bytes, n) + n;
    if (now <= srv->body_memory)
        return true;
    atomic_fetch_sub(&srv->body_bytes, n);
    return false;
}

static void body_free(struct call *call)
{
    if (!call->body_cap)
        return;
    if (call->body_cap >= MMAP_BODY)
        munmap(call->body, call->body_cap);
    else
        free(call->body);
    atomic_fetch_sub(&call->srv->body_bytes, call->body_cap);
    call->body = NULL;
    call->body_cap = 0;
}

/* Grows the body buffer to at least `need` bytes: 0, or 503 when the budget is spent. */
static int body_grow(struct call *call, size_t need, bool exact)
{
    if (need <= call->body_cap)
        return 0;
    size_t cap = need;
    if (!exact) {
        cap = call->body_cap ? call->body_cap * 2 : 16384;
        while (cap < need)
            cap *= 2;
        if (cap > MAX_BODY)
            cap = MAX_BODY;
    }
    if (!body_reserve(call->srv, cap))
        return 503;
    char *buf;
    if (cap >= MMAP_BODY) {
        buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (buf == MAP_FAILED)
            buf = NULL;
        call->large = true;
    } else {
        buf = malloc(cap);
    }
    if (!buf) {
        atomic_fetch_sub(&call->srv->body_bytes, cap);
        return 503;
    }
    if (call->body_len)
        memcpy(buf, call->body, call->body_len);
    body_free(call);
    call->body = buf;
    call->body_cap = cap;
    return 0;
}

/* ---- answers ------------------------------------------------------------------------------ */

static void fail_early(struct req *r, int status, const char *message)
{
    req_fail(r, status, NULL, "%s", message);
    r->status = status;
    sb_reset(&r->out);
    sb_adds(&r->out, "{\"message\":");
    sb_add_json_str(&r->out, message, strlen(message));
    sb_addc(&r->out, '}');
}

/* From here on the request is no longer in the reaper's view: it has arrived whole. */
static void mark_complete(struct call *call)
{
    if (!call->counted) {
        call->counted = true;
        atomic_fetch_add(&call->srv->in_flight, 1);
    }
    if (!call->conn)
        return;
    pthread_mutex_lock(&call->srv->lock);
    call->conn->complete = true;
    pthread_mutex_unlock(&call->srv->lock);
}

static enum MHD_Result queue_answer(struct MHD_Connection *conn, struct call *call)
{
    struct req *r = &call->r;
    call->queued = true;
    mark_complete(call);
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
    /* answered before its body arrived: the rest of the body is not read, the connection ends */
    if (call->expect_body && !call->body_read)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool parse_length(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 1)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static struct conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* A Host header is a host name or address with an optional port, nothing else: links mocod
 * hands out (files, approval pages, pages) are made from it. Underscores pass: container
 * service names ("mocod_api:8080") have them. */
static bool host_valid(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 262)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

/* First call: everything the headers decide, before a byte of the body is taken. Returns true
 * when the answer is already in r (an error). MHD 0.9.75 closes a connection whose answer is
 * queued on this first call, so only answers that leave a body unread are queued at once; the
 * others wait for the next call, which follows at once when there is no body. */
static bool answer_from_headers(struct MHD_Connection *conn, struct call *call, const char *url,
                                const char *method)
{
    struct http_server *srv = call->srv;
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
    sb_init(&r->out, r->arena, 65536);
    const char *te = header(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *cl = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    /* set first, so that every early answer leaves the body unread */
    call->expect_body = (te && *te) || (cl && strcmp(cl, "0") != 0);

    if (strlen(url) > MAX_URI) {
        fail_early(r, 414, "the request target is longer than 8 KiB");
        return true;
    }
    size_t header_bytes = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header_bytes, &header_bytes);
    if (header_bytes > MAX_HEADERS) {
        fail_early(r, 431, "the request headers are larger than 16 KiB");
        return true;
    }
    if (r->host && !host_valid(r->host)) {
        fail_early(r, 400, "the Host header must be a host name with an optional port");
        return true;
    }
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);

    uint64_t length = 0;
    if (cl && !parse_length(cl, &length)) { /* MHD refuses these before we see them */
        fail_early(r, 400, "Content-Length must be a number of bytes");
        return true;
    }
    call->expect_body = (te && *te) || length > 0;
    if (length > MAX_BODY) {
        fail_early(r, 413, "the request body is larger than 10 MiB");
        return true;
    }
    if (!call->expect_body)
        return false; /* dispatch() checks the key on the next call */
    if (dispatch_authorize(r, srv->db) != 0)
        return true;
    if (r->max_body && length > r->max_body) { /* a public page's form: small */
        fail_early(r, 413, "the request body is too large for this page");
        return true;
    }
    if (length && body_grow(call, (size_t)length, true)) {
        req_add_header(r, "Retry-After", "5");
        fail_early(r, 503, "the server is receiving too many request bodies; retry later");
        return true;
    }
    return false;
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
        call->conn = conn_of(conn);
        *con_cls = call;
        if (answer_from_headers(conn, call, url, method))
            call->answered = true;
        if (call->answered && call->expect_body)
            return queue_answer(conn, call);
        return MHD_YES;
    }
    if (call->answered && *upload_data_size) {
        /* answered already (a chunked body that outgrew its limit): MHD 0.9.75 drops the
         * connection when an answer is queued in the middle of a body, so what still comes is
         * dropped, within the request deadline, and the answer goes out at the end */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (call->answered) /* early answers of requests without body, or of dropped bodies */
        return call->queued ? MHD_YES : queue_answer(conn, call);
    if (call->conn) { /* the reaper looks four times a second; a busy upload is cut at once */
        pthread_mutex_lock(&srv->lock);
        double since = call->conn->since;
        pthread_mutex_unlock(&srv->lock);
        if (time_now_mono() - since > srv->request_timeout)
            return MHD_NO; /* too slow: close the connection */
    }
    struct req *r = &call->r;
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (call->body_len + n > (r->max_body ? r->max_body : MAX_BODY)) {
            fail_early(r, 413,
                       r->max_body ? "the request body is too large for this page"
                                   : "the request body is larger than 10 MiB");
            call->answered = true;
            body_free(call);
            return MHD_YES;
        }
        if (body_grow(call, call->body_len + n, false)) {
            req_add_header(r, "Retry-After", "5");
            fail_early(r, 503, "the server is receiving too many request bodies; retry later");
            call->answered = true;
            body_free(call);
            return MHD_YES;
        }
        memcpy(call->body + call->body_len, upload_data, n);
        call->body_len += n;
        return MHD_YES;
    }
    call->body_read = true;
    r->body_raw = call->body_len ? call->body : "";
    r->body_len = call->body_len;
    mark_complete(call);
    dispatch(r, srv->db);
    body_free(call); /* the budget is for bodies being received and handled, not answers */
    r->body_raw = NULL;
    r->body_len = 0;
    return queue_answer(conn, call);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct call *call = *con_cls;
    struct conn *c = conn_of(conn);
    if (c) {
        pthread_mutex_lock(&srv->lock);
        c->since = time_now_mono();
        c->complete = false;
        pthread_mutex_unlock(&srv->lock);
    }
    if (!call)
        return;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    const struct req *r = &call->r;
    const char *ip = r->client_ip ? r->client_ip : "-";
    fprintf(stderr, "%s %s %s %.200s %d %zu %.3fms%s\n", now, ip, r->method ? r->method : "-",
            r->raw_path ? r->raw_path : "-", r->status, r->out.len,
            (time_now_mono() - call->started) * 1000.0,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    bool large = call->large || r->out.len >= MMAP_BODY;
    body_free(call);
    arena_release(&call->a);
    bool counted = call->counted;
    free(call);
    *con_cls = NULL;
    if (counted)
        atomic_fetch_sub(&srv->in_flight, 1);
    /* A large body leaves large parsed JSON and arena blocks behind in malloc's heaps; give
     * them back now instead of keeping the peak of the busiest minute resident. */
    if (large)
        malloc_trim(0);
}

static void connection_event(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn *c = calloc(1, sizeof(*c));
        if (!c)
            return;
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = info ? info->connect_fd : -1;
        c->since = time_now_mono();
        pthread_mutex_lock(&srv->lock);
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        pthread_mutex_unlock(&srv->lock);
        *socket_context = c;
        return;
    }
    struct conn *c = *socket_context;
    if (!c)
        return;
    /* MHD closes the socket after this: the reaper, which shuts sockets down under the same
     * lock, never touches a closed (or reused) descriptor */
    pthread_mutex_lock(&srv->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&srv->lock);
    free(c);
    *socket_context = NULL;
}

/* Ends connections whose request did not arrive whole in time: MHD's own timeout is an idle
 * timeout, which a client sending a byte now and then never reaches. */
static void *reap(void *arg)
{
    struct http_server *srv = arg;
    while (!atomic_load(&srv->stopping)) {
        usleep(250 * 1000);
        double now = time_now_mono();
        pthread_mutex_lock(&srv->lock);
        for (struct conn *c = srv->conns; c; c = c->next)
            if (!c->complete && c->fd >= 0 && now - c->since > srv->request_timeout) {
                shutdown(c->fd, SHUT_RDWR);
                c->complete = true; /* once */
            }
        pthread_mutex_unlock(&srv->lock);
    }
    return NULL;
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
    const struct server_config *c = cfg;
    unsigned threads = c->threads > 0 ? (unsigned)c->threads : 2;
    unsigned max_conn = c->max_connections > 0 ? (unsigned)c->max_connections : 4096u;
    unsigned per_ip = c->max_connections_per_ip > 0 ? (unsigned)c->max_connections_per_ip : 64u;
    unsigned idle = c->idle_timeout > 0 ? (unsigned)c->idle_timeout : 30u;
    srv->request_timeout = c->request_timeout > 0 ? c->request_timeout : 60;
    srv->body_memory = c->body_memory > 0 ? c->body_memory : (size_t)256 * 1024 * 1024;
    pthread_mutex_init(&srv->lock, NULL);
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL, answer, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_NOTIFY_CONNECTION, connection_event,
        srv, MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_LIMIT, max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)MHD_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s", cfg->listen);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return NULL;
    }
    srv->reaper_running = pthread_create(&srv->reaper, NULL, reap, srv) == 0;
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
    atomic_store(&srv->stopping, true);
    if (srv->reaper_running)
        pthread_join(srv->reaper, NULL);
    MHD_stop_daemon(srv->daemon);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

int http_port(http_server *srv)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
