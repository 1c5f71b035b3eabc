/* receiver — see receiver.h. */
#include "receiver.h"

#include "mt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX       (64 * 1024)        /* request line + headers */
#define BODY_MAX       (16 * 1024 * 1024) /* a body larger than this is not recorded */
#define READ_TIMEOUT_S 10                 /* a client silent this long is dropped */

struct reply {
    int status, delay_ms;
};

struct conn {
    rcv *r;
    int fd;
    struct conn *prev, *next;
};

struct rcv {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* any change: a request, a state change, a thread leaving */
    pthread_t acceptor;
    int port;
    int lfd;          /* listening socket, -1 while refusing; owned by the acceptor thread */
    bool want_listen; /* what the test asked for */
    bool stopping;
    int active;          /* connection threads still running */
    struct conn *conns;  /* their sockets, shut down on stop */
    struct reply *queue; /* pushed replies */
    size_t q_head, q_len, q_cap;
    struct reply def;
    rcv_request **reqs;
    size_t n_reqs, cap_reqs;
};

/* ---- small utilities -------------------------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        perror("receiver: malloc");
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        perror("receiver: realloc");
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An absolute CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static bool timespec_passed(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void request_free(rcv_request *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n_headers; i++) {
        free(q->headers[i].name);
        free(q->headers[i].value);
    }
    free(q->headers);
    free(q->method);
    free(q->target);
    free(q->path);
    free(q->body);
    free(q);
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 410:
        return "Gone";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

/* ---- listening -------------------------------------------------------------------------- */

/* A non-blocking, close-on-exec socket listening on 127.0.0.1:port (0 = any free port). */
static int open_listener(int port, int *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (bound_port)
        *bound_port = ntohs(a.sin_port);
    return fd;
}

/* ---- serving one connection ------------------------------------------------------------- */

struct inbuf {
    char *p;
    size_t len, cap, pos; /* pos: bytes consumed by the parser */
};

/* Read more bytes into b; false on EOF, error or timeout. */
static bool fill(int fd, struct inbuf *b)
{
    if (b->len + 4096 + 1 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8192;
        while (b->cap < b->len + 4096 + 1)
            b->cap *= 2;
        b->p = xrealloc(b->p, b->cap);
    }
    for (;;) {
        ssize_t n = recv(fd, b->p + b->len, b->cap - b->len - 1, 0);
        if (n > 0) {
            b->len += (size_t)n;
            b->p[b->len] = '\0';
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return false;
    }
}

/* Ensure at least n unconsumed bytes. */
static bool need(int fd, struct inbuf *b, size_t n)
{
    while (b->len - b->pos < n)
        if (!fill(fd, b))
            return false;
    return true;
}

/* The next CRLF-terminated line (without CRLF), malloc'd; NULL on EOF or an overlong line. */
static char *read_line(int fd, struct inbuf *b)
{
    for (;;) {
        char *start = b->p ? b->p + b->pos : NULL;
        char *nl = start ? memchr(start, '\n', b->len - b->pos) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            char *line = xstrndup(start, n > 0 && start[n - 1] == '\r' ? n - 1 : n);
            b->pos += n + 1;
            return line;
        }
        if (b->len - b->pos > HEAD_MAX || !fill(fd, b))
            return NULL;
    }
}

static char *trim_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Append n bytes to a body. */
static void body_add(rcv_request *q, const char *data, size_t n)
{
    q->body = xrealloc(q->body, q->body_len + n + 1);
    memcpy(q->body + q->body_len, data, n);
    q->body_len += n;
    q->body[q->body_len] = '\0';
}

/* Take n body bytes from the input. */
static bool take_body(int fd, struct inbuf *b, rcv_request *q, size_t n)
{
    if (n > BODY_MAX || !need(fd, b, n))
        return false;
    body_add(q, b->p + b->pos, n);
    b->pos += n;
    return true;
}

/* Read one request; NULL on EOF or a malformed request. */
static rcv_request *read_request(int fd, struct inbuf *b)
{
    rcv_request *q = xmalloc(sizeof *q);
    memset(q, 0, sizeof *q);
    q->body = xstrndup("", 0);
    char *line = read_line(fd, b);
    if (!line || !*line)
        goto bad;
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2)
        goto bad;
    q->method = xstrndup(line, (size_t)(sp1 - line));
    q->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    q->path = xstrndup(q->target, strcspn(q->target, "?"));
    free(line);
    line = NULL;

    size_t cap = 0;
    for (;;) {
        line = read_line(fd, b);
        if (!line)
            goto bad;
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        if (!colon)
            goto bad;
        *colon = '\0';
        if (q->n_headers == cap) {
            cap = cap ? cap * 2 : 16;
            q->headers = xrealloc(q->headers, cap * sizeof *q->headers);
        }
        q->headers[q->n_headers].name = xstrndup(line, strlen(line));
        char *v = trim_blanks(colon + 1);
        q->headers[q->n_headers].value = xstrndup(v, strlen(v));
        q->n_headers++;
        free(line);
        line = NULL;
    }
    free(line);
    line = NULL;

    const char *te = rcv_header(q, "Transfer-Encoding");
    const char *cl = rcv_header(q, "Content-Length");
    if (te && strcasecmp(te, "identity")) { /* chunked */
        for (;;) {
            char *size_line = read_line(fd, b);
            if (!size_line)
                goto bad;
            char *end;
            unsigned long n = strtoul(size_line, &end, 16);
            bool ok = end != size_line;
            free(size_line);
            if (!ok)
                goto bad;
            if (n == 0)
                break;
            if (!take_body(fd, b, q, n))
                goto bad;
            char *crlf = read_line(fd, b);
            bool empty = crlf && !*crlf;
            free(crlf);
            if (!empty)
                goto bad;
        }
        for (;;) { /* trailers up to the empty line */
            char *t = read_line(fd, b);
            bool empty = t && !*t;
            free(t);
            if (!t)
                goto bad;
            if (empty)
                break;
        }
    } else if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || *end || !take_body(fd, b, q, (size_t)n))
            goto bad;
    }
    q->received_ms = clock_ms(CLOCK_REALTIME);
    q->mono_ms = clock_ms(CLOCK_MONOTONIC);
    return q;
bad:
    free(line);
    request_free(q);
    return NULL;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void *serve_conn(void *arg)
{
    struct conn *c = arg;
    rcv *r = c->r;
    struct timeval tv = {READ_TIMEOUT_S, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    struct inbuf b = {0};
    rcv_request *q = read_request(c->fd, &b);
    free(b.p);
    if (q) {
        pthread_mutex_lock(&r->mu);
        struct reply rep = r->def;
        if (r->q_len > 0) {
            rep = r->queue[r->q_head++];
            r->q_len--;
            if (r->q_len == 0)
                r->q_head = 0;
        }
        q->status = rep.status;
        q->delay_ms = rep.delay_ms;
        q->seq = r->n_reqs;
        if (r->n_reqs == r->cap_reqs) {
            r->cap_reqs = r->cap_reqs ? r->cap_reqs * 2 : 64;
            r->reqs = xrealloc(r->reqs, r->cap_reqs * sizeof *r->reqs);
        }
        r->reqs[r->n_reqs++] = q;
        pthread_cond_broadcast(&r->cond);
        if (rep.delay_ms > 0) { /* wait, unless the receiver stops meanwhile */
            struct timespec until = deadline_in(rep.delay_ms);
            while (!r->stopping && !timespec_passed(&until))
                pthread_cond_timedwait(&r->cond, &r->mu, &until);
        }
        bool stopping = r->stopping;
        pthread_mutex_unlock(&r->mu);
        if (!stopping) {
            char head[256];
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: "
                             "3\r\nConnection: close\r\n\r\nok\n",
                             rep.status, reason(rep.status));
            send_all(c->fd, head, (size_t)n);
        }
    }
    pthread_mutex_lock(&r->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    free(c);
    r->active--;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the accepting thread --------------------------------------------------------------- */

static void *accept_loop(void *arg)
{
    rcv *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        if (r->want_listen && r->lfd < 0) {
            r->lfd = open_listener(r->port, NULL);
            pthread_cond_broadcast(&r->cond);
        } else if (!r->want_listen && r->lfd >= 0) {
            close(r->lfd);
            r->lfd = -1;
            pthread_cond_broadcast(&r->cond);
        }
        int fd = r->lfd;
        if (fd < 0) { /* refusing, or the port is not free yet: look again soon */
            struct timespec until = deadline_in(20);
            pthread_cond_timedwait(&r->cond, &r->mu, &until);
            continue;
        }
        pthread_mutex_unlock(&r->mu);
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, 20);
        int cfd = ready > 0 ? accept(fd, NULL, NULL) : -1;
        pthread_mutex_lock(&r->mu);
        if (cfd < 0)
            continue;
        fcntl(cfd, F_SETFD, FD_CLOEXEC);
        fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) & ~O_NONBLOCK);
        struct conn *c = xmalloc(sizeof *c);
        c->r = r;
        c->fd = cfd;
        c->prev = NULL;
        c->next = r->conns;
        if (r->conns)
            r->conns->prev = c;
        r->conns = c;
        r->active++;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, serve_conn, c) != 0) {
            r->conns = c->next;
            if (c->next)
                c->next->prev = NULL;
            close(cfd);
            free(c);
            r->active--;
        }
        pthread_attr_destroy(&attr);
    }
    if (r->lfd >= 0) {
        close(r->lfd);
        r->lfd = -1;
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- API -------------------------------------------------------------------------------- */

rcv *rcv_start(void)
{
    rcv *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->def.status = 200;
    r->want_listen = true;
    r->lfd = open_listener(0, &r->port);
    if (r->lfd < 0) {
        int e = errno;
        free(r);
        fail_msg("rcv_start: cannot listen on 127.0.0.1: %s", strerror(e));
    }
    if (pthread_create(&r->acceptor, NULL, accept_loop, r) != 0) {
        close(r->lfd);
        free(r);
        fail_msg("rcv_start: cannot start the receiver thread");
    }
    return r;
}

void rcv_free(rcv *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->acceptor, NULL);
    pthread_mutex_lock(&r->mu);
    for (struct conn *c = r->conns; c; c = c->next) /* unblock threads still reading */
        shutdown(c->fd, SHUT_RDWR);
    while (r->active > 0)
        pthread_cond_wait(&r->cond, &r->mu);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < r->n_reqs; i++)
        request_free(r->reqs[i]);
    free(r->reqs);
    free(r->queue);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int rcv_port(const rcv *r)
{
    return r->port;
}

char *rcv_url(const rcv *r, const char *path)
{
    const char *p = path ? path : "/";
    size_t n = strlen(p) + 64;
    char *url = xmalloc(n);
    snprintf(url, n, "http://127.0.0.1:%d%s", r->port, p);
    return url;
}

void rcv_set_reply(rcv *r, int status, int delay_ms)
{
    pthread_mutex_lock(&r->mu);
    r->def.status = status;
    r->def.delay_ms = delay_ms;
    pthread_mutex_unlock(&r->mu);
}

void rcv_push_reply(rcv *r, int status, int delay_ms)
{
    pthread_mutex_lock(&r->mu);
    if (r->q_head + r->q_len == r->q_cap) {
        if (r->q_head > 0) {
            memmove(r->queue, r->queue + r->q_head, r->q_len * sizeof *r->queue);
            r->q_head = 0;
        } else {
            r->q_cap = r->q_cap ? r->q_cap * 2 : 16;
            r->queue = xrealloc(r->queue, r->q_cap * sizeof *r->queue);
        }
    }
    r->queue[r->q_head + r->q_len++] = (struct reply){status, delay_ms};
    pthread_mutex_unlock(&r->mu);
}

void rcv_clear_replies(rcv *r)
{
    pthread_mutex_lock(&r->mu);
    r->q_head = r->q_len = 0;
    pthread_mutex_unlock(&r->mu);
}

void rcv_refuse(rcv *r)
{
    pthread_mutex_lock(&r->mu);
    r->want_listen = false;
    pthread_cond_broadcast(&r->cond);
    while (r->lfd >= 0 && !r->stopping)
        pthread_cond_wait(&r->cond, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

bool rcv_accept(rcv *r)
{
    pthread_mutex_lock(&r->mu);
    r->want_listen = true;
    pthread_cond_broadcast(&r->cond);
    struct timespec until = deadline_in(2000);
    while (r->lfd < 0 && !r->stopping && !timespec_passed(&until))
        pthread_cond_timedwait(&r->cond, &r->mu, &until);
    bool ok = r->lfd >= 0;
    pthread_mutex_unlock(&r->mu);
    return ok;
}

static size_t count_locked(rcv *r, const char *path)
{
    if (!path)
        return r->n_reqs;
    size_t n = 0;
    for (size_t i = 0; i < r->n_reqs; i++)
        if (!strcmp(r->reqs[i]->path, path))
            n++;
    return n;
}

size_t rcv_count(rcv *r)
{
    return rcv_count_path(r, NULL);
}

size_t rcv_count_path(rcv *r, const char *path)
{
    pthread_mutex_lock(&r->mu);
    size_t n = count_locked(r, path);
    pthread_mutex_unlock(&r->mu);
    return n;
}

bool rcv_wait(rcv *r, size_t n, int timeout_ms)
{
    return rcv_wait_path(r, NULL, n, timeout_ms);
}

bool rcv_wait_path(rcv *r, const char *path, size_t n, int timeout_ms)
{
    pthread_mutex_lock(&r->mu);
    struct timespec until = deadline_in(timeout_ms);
    while (count_locked(r, path) < n && !timespec_passed(&until))
        pthread_cond_timedwait(&r->cond, &r->mu, &until);
    bool ok = count_locked(r, path) >= n;
    pthread_mutex_unlock(&r->mu);
    return ok;
}

const rcv_request *rcv_at(rcv *r, size_t i)
{
    return rcv_nth_path(r, NULL, i);
}

const rcv_request *rcv_nth_path(rcv *r, const char *path, size_t i)
{
    const rcv_request *q = NULL;
    pthread_mutex_lock(&r->mu);
    for (size_t k = 0, seen = 0; k < r->n_reqs; k++) {
        if (path && strcmp(r->reqs[k]->path, path))
            continue;
        if (seen++ == i) {
            q = r->reqs[k];
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return q;
}

void rcv_clear(rcv *r)
{
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n_reqs; i++)
        request_free(r->reqs[i]);
    r->n_reqs = 0;
    pthread_mutex_unlock(&r->mu);
}

const char *rcv_header(const rcv_request *q, const char *name)
{
    for (size_t i = 0; q && i < q->n_headers; i++)
        if (!strcasecmp(q->headers[i].name, name))
            return q->headers[i].value;
    return NULL;
}
