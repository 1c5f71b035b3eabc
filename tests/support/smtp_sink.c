/* smtp_sink — see smtp_sink.h. */
#include "smtp_sink.h"

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

#define LINE_MAX_LEN (64 * 1024)
#define DATA_MAX     (64 * 1024 * 1024)

struct smtp_sink {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    int port;
    int lfd;
    bool want_listen, stopping;
    int *replies;
    size_t r_head, r_len, r_cap;
    smtp_mail **mails;
    size_t n_mails, cap_mails;
    size_t sessions;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int open_listener(int port, int *bound)
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
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    if (bound)
        *bound = ntohs(a.sin_port);
    return fd;
}

static void mail_free(smtp_mail *m)
{
    if (!m)
        return;
    free(m->helo);
    free(m->auth);
    free(m->from);
    for (size_t i = 0; i < m->n_rcpt; i++)
        free(m->rcpt[i]);
    free(m->rcpt);
    free(m->data);
    free(m);
}

/* ---- one session -------------------------------------------------------------------------- */

struct conn {
    int fd;
    char *buf;
    size_t len, cap;
};

static void say(struct conn *c, const char *text)
{
    size_t n = strlen(text);
    const char *p = text;
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* The next line without its CRLF, malloc'd; NULL at the end of the session. *raw_len gets its
 * length. */
static char *next_line(struct conn *c, size_t *raw_len)
{
    for (;;) {
        char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            size_t keep = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
            char *line = xstrndup(c->buf, keep);
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            *raw_len = keep;
            return line;
        }
        if (c->len > LINE_MAX_LEN)
            return NULL;
        if (c->cap - c->len < 4096) {
            c->cap = c->cap ? c->cap * 2 : 8192;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf)
                abort();
        }
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        c->len += (size_t)n;
    }
}

static char *angle_arg(const char *line, const char *prefix)
{
    const char *p = line + strlen(prefix);
    while (*p == ' ')
        p++;
    const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        return xstrndup(lt + 1, (size_t)(gt - lt - 1));
    return xstrndup(p, strcspn(p, " "));
}

static void record(smtp_sink *k, smtp_mail *m)
{
    pthread_mutex_lock(&k->mu);
    if (k->n_mails == k->cap_mails) {
        k->cap_mails = k->cap_mails ? k->cap_mails * 2 : 16;
        k->mails = realloc(k->mails, k->cap_mails * sizeof(*k->mails));
        if (!k->mails)
            abort();
    }
    k->mails[k->n_mails++] = m;
    pthread_cond_broadcast(&k->cond);
    pthread_mutex_unlock(&k->mu);
}

static void serve_session(smtp_sink *k, int fd)
{
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    pthread_mutex_lock(&k->mu);
    k->sessions++;
    int reject = 0;
    if (k->r_len > 0) {
        reject = k->replies[k->r_head++];
        if (--k->r_len == 0)
            k->r_head = 0;
    }
    pthread_cond_broadcast(&k->cond);
    pthread_mutex_unlock(&k->mu);

    struct conn c = {.fd = fd};
    char *helo = NULL, *auth = NULL;
    smtp_mail *m = NULL;
    say(&c, "220 smtp-sink ready\r\n");
    size_t raw;
    char *line;
    while ((line = next_line(&c, &raw))) {
        if (!strncasecmp(line, "EHLO", 4)) {
            free(helo);
            helo = xstrndup(line + 5 < line + raw ? line + 5 : "", raw > 5 ? raw - 5 : 0);
            say(&c, "250-smtp-sink\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n");
        } else if (!strncasecmp(line, "HELO", 4)) {
            free(helo);
            helo = xstrndup(raw > 5 ? line + 5 : "", raw > 5 ? raw - 5 : 0);
            say(&c, "250 smtp-sink\r\n");
        } else if (!strncasecmp(line, "AUTH PLAIN", 10)) {
            const char *arg = line + 10;
            while (*arg == ' ')
                arg++;
            char *arg_line = NULL;
            if (!*arg) {
                say(&c, "334 \r\n");
                arg_line = next_line(&c, &raw);
                if (!arg_line)
                    break;
                arg = arg_line;
            }
            size_t n;
            unsigned char *dec = smtp_base64_decode(arg, strlen(arg), &n);
            /* authzid NUL user NUL password */
            const unsigned char *u = memchr(dec, '\0', n);
            const unsigned char *pw = u ? memchr(u + 1, '\0', n - (size_t)(u + 1 - dec)) : NULL;
            free(auth);
            auth = NULL;
            if (u && pw) {
                size_t ul = (size_t)(pw - u - 1), pl = n - (size_t)(pw + 1 - dec);
                auth = xmalloc(ul + pl + 2);
                memcpy(auth, u + 1, ul);
                auth[ul] = ':';
                memcpy(auth + ul + 1, pw + 1, pl);
                auth[ul + 1 + pl] = '\0';
            }
            free(dec);
            free(arg_line);
            say(&c,
                auth ? "235 2.7.0 Authentication successful\r\n" : "501 5.5.2 Cannot decode\r\n");
        } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
            if (reject) {
                char msg[64];
                snprintf(msg, sizeof msg, "%d %s\r\n", reject,
                         reject < 500 ? "4.3.0 try again later" : "5.7.1 refused");
                say(&c, msg);
            } else {
                mail_free(m);
                m = xmalloc(sizeof *m);
                memset(m, 0, sizeof *m);
                m->from = angle_arg(line, "MAIL FROM:");
                say(&c, "250 2.1.0 Ok\r\n");
            }
        } else if (!strncasecmp(line, "RCPT TO:", 8)) {
            if (!m) {
                say(&c, "503 5.5.1 MAIL first\r\n");
            } else {
                m->rcpt = realloc(m->rcpt, (m->n_rcpt + 1) * sizeof(char *));
                if (!m->rcpt)
                    abort();
                m->rcpt[m->n_rcpt++] = angle_arg(line, "RCPT TO:");
                say(&c, "250 2.1.5 Ok\r\n");
            }
        } else if (!strcasecmp(line, "DATA")) {
            if (!m || !m->n_rcpt) {
                say(&c, "503 5.5.1 RCPT first\r\n");
            } else {
                say(&c, "354 End data with <CR><LF>.<CR><LF>\r\n");
                size_t cap = 8192, len = 0;
                char *data = xmalloc(cap);
                bool done = false;
                char *dl;
                while ((dl = next_line(&c, &raw))) {
                    if (raw == 1 && dl[0] == '.') {
                        free(dl);
                        done = true;
                        break;
                    }
                    const char *from = dl[0] == '.' ? dl + 1 : dl; /* dot-stuffing */
                    size_t n = dl[0] == '.' ? raw - 1 : raw;
                    while (len + n + 3 > cap)
                        cap *= 2;
                    if (cap > DATA_MAX)
                        abort();
                    data = realloc(data, cap);
                    if (!data)
                        abort();
                    memcpy(data + len, from, n);
                    len += n;
                    data[len++] = '\r';
                    data[len++] = '\n';
                    free(dl);
                }
                data[len] = '\0';
                if (!done) {
                    free(data);
                    break;
                }
                m->data = data;
                m->data_len = len;
                m->helo = helo ? xstrndup(helo, strlen(helo)) : NULL;
                m->auth = auth ? xstrndup(auth, strlen(auth)) : NULL;
                record(k, m);
                m = NULL;
                say(&c, "250 2.0.0 Ok: queued\r\n");
            }
        } else if (!strcasecmp(line, "RSET")) {
            mail_free(m);
            m = NULL;
            say(&c, "250 2.0.0 Ok\r\n");
        } else if (!strcasecmp(line, "NOOP")) {
            say(&c, "250 2.0.0 Ok\r\n");
        } else if (!strcasecmp(line, "QUIT")) {
            say(&c, "221 2.0.0 Bye\r\n");
            free(line);
            break;
        } else {
            say(&c, "502 5.5.2 Command not recognized\r\n");
        }
        free(line);
    }
    mail_free(m);
    free(helo);
    free(auth);
    free(c.buf);
    close(fd);
}

/* ---- the acceptor ------------------------------------------------------------------------- */

static void *run(void *arg)
{
    smtp_sink *k = arg;
    for (;;) {
        pthread_mutex_lock(&k->mu);
        bool stop = k->stopping;
        if (!k->want_listen && k->lfd >= 0) {
            close(k->lfd);
            k->lfd = -1;
            pthread_cond_broadcast(&k->cond);
        } else if (k->want_listen && k->lfd < 0) {
            k->lfd = open_listener(k->port, NULL);
            pthread_cond_broadcast(&k->cond);
        }
        int lfd = k->lfd;
        pthread_mutex_unlock(&k->mu);
        if (stop)
            break;
        if (lfd < 0) {
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            serve_session(k, fd);
    }
    pthread_mutex_lock(&k->mu);
    if (k->lfd >= 0)
        close(k->lfd);
    k->lfd = -1;
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

smtp_sink *smtp_sink_start(void)
{
    smtp_sink *k = xmalloc(sizeof *k);
    memset(k, 0, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cond, NULL);
    k->lfd = open_listener(0, &k->port);
    if (k->lfd < 0)
        fail_msg("smtp_sink: cannot listen on 127.0.0.1: %s", strerror(errno));
    k->want_listen = true;
    if (pthread_create(&k->thread, NULL, run, k) != 0)
        fail_msg("smtp_sink: cannot start its thread");
    return k;
}

void smtp_sink_free(smtp_sink *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stopping = true;
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    for (size_t i = 0; i < k->n_mails; i++)
        mail_free(k->mails[i]);
    free(k->mails);
    free(k->replies);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cond);
    free(k);
}

int smtp_sink_port(const smtp_sink *k)
{
    return k->port;
}

char *smtp_sink_url(const smtp_sink *k)
{
    char *u = xmalloc(40);
    snprintf(u, 40, "smtp://127.0.0.1:%d", k->port);
    return u;
}

void smtp_sink_push_reply(smtp_sink *k, int code)
{
    pthread_mutex_lock(&k->mu);
    if (k->r_head + k->r_len == k->r_cap) {
        k->r_cap = k->r_cap ? k->r_cap * 2 : 8;
        k->replies = realloc(k->replies, k->r_cap * sizeof(int));
        if (!k->replies)
            abort();
    }
    k->replies[k->r_head + k->r_len++] = code;
    pthread_mutex_unlock(&k->mu);
}

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

void smtp_sink_refuse(smtp_sink *k)
{
    pthread_mutex_lock(&k->mu);
    k->want_listen = false;
    struct timespec until = deadline_in(2000);
    while (k->lfd >= 0 && pthread_cond_timedwait(&k->cond, &k->mu, &until) == 0)
        ;
    pthread_mutex_unlock(&k->mu);
}

bool smtp_sink_accept(smtp_sink *k)
{
    pthread_mutex_lock(&k->mu);
    k->want_listen = true;
    struct timespec until = deadline_in(2000);
    while (k->lfd < 0 && pthread_cond_timedwait(&k->cond, &k->mu, &until) == 0)
        ;
    bool ok = k->lfd >= 0;
    pthread_mutex_unlock(&k->mu);
    return ok;
}

size_t smtp_sink_count(smtp_sink *k)
{
    pthread_mutex_lock(&k->mu);
    size_t n = k->n_mails;
    pthread_mutex_unlock(&k->mu);
    return n;
}

size_t smtp_sink_sessions(smtp_sink *k)
{
    pthread_mutex_lock(&k->mu);
    size_t n = k->sessions;
    pthread_mutex_unlock(&k->mu);
    return n;
}

static bool wait_for(smtp_sink *k, const size_t *counter, size_t n, int timeout_ms)
{
    pthread_mutex_lock(&k->mu);
    struct timespec until = deadline_in(timeout_ms);
    while (*counter < n && pthread_cond_timedwait(&k->cond, &k->mu, &until) == 0)
        ;
    bool ok = *counter >= n;
    pthread_mutex_unlock(&k->mu);
    return ok;
}

bool smtp_sink_wait(smtp_sink *k, size_t n, int timeout_ms)
{
    return wait_for(k, &k->n_mails, n, timeout_ms);
}

bool smtp_sink_wait_sessions(smtp_sink *k, size_t n, int timeout_ms)
{
    return wait_for(k, &k->sessions, n, timeout_ms);
}

const smtp_mail *smtp_sink_at(smtp_sink *k, size_t i)
{
    pthread_mutex_lock(&k->mu);
    const smtp_mail *m = i < k->n_mails ? k->mails[i] : NULL;
    pthread_mutex_unlock(&k->mu);
    return m;
}

char *smtp_mail_header(const smtp_mail *m, const char *name)
{
    size_t nl = strlen(name);
    const char *p = m->data, *end = m->data + m->data_len;
    while (p < end) {
        const char *eol = strstr(p, "\r\n");
        if (!eol || eol == p)
            return NULL; /* the end of the headers */
        if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            /* the value and its continuation lines, joined */
            size_t cap = 256, len = 0;
            char *v = xmalloc(cap);
            const char *q = p + nl + 1;
            for (;;) {
                while (q < eol && (*q == ' ' || *q == '\t') && len == 0)
                    q++;
                size_t n = (size_t)(eol - q);
                while (len + n + 2 > cap)
                    cap *= 2;
                v = realloc(v, cap);
                if (!v)
                    abort();
                memcpy(v + len, q, n);
                len += n;
                if (eol + 2 < end && (eol[2] == ' ' || eol[2] == '\t')) {
                    q = eol + 2;
                    eol = strstr(q, "\r\n");
                    if (!eol)
                        break;
                    continue;
                }
                break;
            }
            v[len] = '\0';
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

unsigned char *smtp_base64_decode(const char *s, size_t n, size_t *len)
{
    unsigned char *out = xmalloc(n / 4 * 3 + 4);
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d;
        if (c >= 'A' && c <= 'Z')
            d = c - 'A';
        else if (c >= 'a' && c <= 'z')
            d = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            d = c - '0' + 52;
        else if (c == '+')
            d = 62;
        else if (c == '/')
            d = 63;
        else
            continue; /* '=', blanks, line ends */
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((v >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    if (len)
        *len = o;
    return out;
}
