/*
 * HTTP tests of the limits that keep one client from exhausting the server (issue 9: findings 7,
 * 8, 10, 13, 15 and the resource-exhaustion defence). They talk raw HTTP over plain POSIX sockets,
 * because what is tested is what curl would never send: half requests, lying lengths, bodies
 * that stall, a thousand idle connections.
 *
 * Limits are set through the environment twins of the flags (MOCOD_MAX_CONNECTIONS_PER_IP, ...),
 * which the server inherits; so the same tests run against an older binary, which ignores them,
 * and fail there for the right reason.
 */
#define _GNU_SOURCE /* asprintf, strcasestr */
#include "fixtures.h"
#include "mt.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

/* ---- raw sockets -------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection to the server from the loopback address `from` ("127.0.0.2"; NULL: any). */
static int connect_from(const mt_server *s, const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (from) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        inet_pton(AF_INET, from, &src.sin_addr);
        assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)mt_port(s))};
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
    return fd;
}

/* Sends all of data; false when the server closed the connection. */
static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_str(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

/* What the server sends within `seconds`, until it closes the connection or has sent a whole
 * answer (headers and Content-Length bytes). *closed tells whether it closed. Malloc'd. */
static char *read_answer(int fd, double seconds, bool *closed)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    double end = now_s() + seconds;
    bool eof = false;
    for (;;) {
        buf[len] = '\0';
        char *head_end = strstr(buf, "\r\n\r\n");
        if (head_end) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");
            size_t want = cl && cl < head_end ? strtoul(cl + 17, NULL, 10) : 0;
            if ((size_t)(head_end + 4 - buf) + want <= len)
                break;
        }
        double left = end - now_s();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        if (len + 4096 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0) {
            eof = true;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (closed)
        *closed = eof;
    return buf;
}

/* True once the server has closed fd (EOF or reset), waiting at most `seconds`. */
static bool closed_within(int fd, double seconds)
{
    double end = now_s() + seconds;
    char buf[4096];
    while (now_s() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return true;
    }
    return false;
}

static int status_of(const char *raw)
{
    return !strncmp(raw, "HTTP/1.1 ", 9) ? atoi(raw + 9) : 0;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Fails unless raw is one answer with this status, a JSON Content-Type and a JSON object body
 * with a string "message". */
#define assert_json_answer(raw, status) assert_json_answer_((raw), (status), __FILE__, __LINE__)
static void assert_json_answer_(const char *raw, int status, const char *file, int line)
{
    char want[32];
    snprintf(want, sizeof(want), "HTTP/1.1 %d ", status);
    const char *body = strstr(raw, "\r\n\r\n");
    json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
    bool ok = !strncmp(raw, want, strlen(want)) && count_of(raw, "HTTP/1.") == 1 &&
              strcasestr(raw, "\r\nContent-Type: application/json") && json_is_object(j) &&
              json_is_string(json_object_get(j, "message"));
    json_decref(j);
    if (!ok) {
        print_error("%s:%d: wanted one JSON answer %d with a message, got:\n%.2000s\n", file, line,
                    status, raw);
        _fail(file, line);
    }
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static char *post_head(const char *key, size_t length)
{
    char *h = NULL;
    char auth[128] = "";
    if (key)
        snprintf(auth, sizeof(auth), "Authorization: Token token=%s\r\n", key);
    int n = asprintf(&h,
                     "POST /api/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\n\r\n",
                     auth, length);
    assert_true(n > 0);
    return h;
}

/* A JSON body of exactly `length` bytes: {"name":"xxx..."} */
static char *json_body(size_t length)
{
    char *b = malloc(length + 1);
    memset(b, 'x', length);
    memcpy(b, "{\"name\":\"", 9);
    memcpy(b + length - 2, "\"}", 2);
    b[length] = '\0';
    return b;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- finding 7 and 13: answers of the HTTP layer are one clean JSON answer ---------------- */

static void test_http_layer_errors_are_json(void **state)
{
    mt_server *s = *state;
    /* a request target of 20,000 bytes: 414 */
    char *uri = malloc(20000);
    memset(uri, 'a', 19999);
    uri[0] = '/';
    uri[19999] = '\0';
    char *req = NULL;
    assert_true(asprintf(&req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri) > 0);
    int fd = connect_from(s, NULL);
    assert_true(send_str(fd, req));
    char *raw = read_answer(fd, 5, NULL);
    assert_json_answer(raw, 414);
    free(raw);
    free(req);
    close(fd);

    /* 38,000 bytes of headers: 431 */
    char *req2 = NULL;
    assert_true(asprintf(&req2,
                         "GET /api/v1/units HTTP/1.1\r\nHost: x\r\nX-A: %.*s\r\nX-B: "
                         "%.*s\r\n\r\n",
                         19000, uri, 19000, uri) > 0);
    fd = connect_from(s, NULL);
    assert_true(send_str(fd, req2));
    raw = read_answer(fd, 5, NULL);
    assert_json_answer(raw, 431);
    free(raw);
    free(req2);
    free(uri);
    close(fd);

    /* a declared body over 10 MiB: 413 at once, before any byte of it is sent */
    fd = connect_from(s, NULL);
    char *head = post_head(mt_admin_key(s), 11 * MIB);
    assert_true(send_str(fd, head));
    bool closed = false;
    raw = read_answer(fd, 5, &closed);
    assert_json_answer(raw, 413);
    free(raw);
    free(head);
    close(fd);

    /* a chunked body that grows past 10 MiB: 413 when it ends, nothing kept */
    fd = connect_from(s, NULL);
    char *chunked = NULL;
    assert_true(asprintf(&chunked,
                         "POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Token "
                         "token=%s\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n",
                         mt_admin_key(s)) > 0);
    assert_true(send_str(fd, chunked));
    enum { CHUNK = 65536 };
    char *chunk = malloc(CHUNK + 16);
    int k = snprintf(chunk, 16, "%x\r\n", CHUNK);
    memset(chunk + k, 'x', CHUNK);
    memcpy(chunk + k + CHUNK, "\r\n", 2);
    for (int i = 0; i < 11 * 16; i++)
        assert_true(send_all(fd, chunk, (size_t)k + CHUNK + 2));
    assert_true(send_str(fd, "0\r\n\r\n"));
    raw = read_answer(fd, 5, NULL);
    assert_json_answer(raw, 413);
    free(raw);
    free(chunk);
    free(chunked);
    close(fd);
}

/* MHD 0.9.75 answers an unparseable Content-Length, a malformed header line and an unknown
 * HTTP version itself, before mocod's code runs, in HTML; on a bad Content-Length it even sends
 * its status line and headers twice (its error path queues the answer, and the state machine
 * then builds the headers once more). mocod cannot change that without a newer libmicrohttpd:
 * this test holds what can be held (a 400/505, the connection closed, nothing after it read as a
 * request) and is skipped, saying so, as long as the doubled answer is still seen. */
static void test_malformed_requests_answered_by_libmicrohttpd(void **state)
{
    mt_server *s = *state;
    static const struct {
        const char *req;
        int status;
    } cases[] = {
        {"POST /api/v1/units HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
         "GET /api/v1/units HTTP/1.1\r\nHost: x\r\n\r\n",
         400},
        {"GET /api/v1/units HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400},
        {"GET /api/v1/units HTTP/2.0\r\nHost: x\r\n\r\n", 505},
    };
    bool still_broken = false;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = connect_from(s, NULL);
        assert_true(send_str(fd, cases[i].req));
        bool closed = false;
        char *raw = read_answer(fd, 3, &closed);
        char want[32];
        snprintf(want, sizeof(want), "HTTP/1.1 %d ", cases[i].status);
        if (strncmp(raw, want, strlen(want)) != 0 || count_of(raw, "401 Unauthorized") ||
            !closed_within(fd, 3)) {
            print_error("case %zu: wanted %d and the connection closed, got:\n%.1000s\n", i,
                        cases[i].status, raw);
            fail();
        }
        still_broken =
            still_broken || count_of(raw, "HTTP/1.1 ") > 1 || !strcasestr(raw, "application/json");
        free(raw);
        close(fd);
    }
    if (still_broken) {
        print_message("libmicrohttpd answers these itself (HTML; bad Content-Length framed "
                      "twice): a known limit of 0.9.75, see README \"Security\"\n");
        skip();
    }
}

/* ---- finding 8: no key, no body; exact, bounded body memory ------------------------------- */

static void test_body_without_key_is_not_read(void **state)
{
    mt_server *s = *state;
    /* headers of a 10 MiB body minus one byte, no key, and not a byte of the body */
    int fd = connect_from(s, NULL);
    char *head = post_head(NULL, 10 * MIB - 1);
    assert_true(send_str(fd, head));
    double t0 = now_s();
    char *raw = read_answer(fd, 5, NULL);
    assert_json_answer(raw, 401);
    assert_true(now_s() - t0 < 2);
    assert_true(closed_within(fd, 3)); /* the unread body is not taken for a next request */
    free(raw);
    close(fd);

    /* a wrong key: the same */
    fd = connect_from(s, NULL);
    free(head);
    head = post_head("0123456789abcdef0123456789abcdef", 10 * MIB - 1);
    assert_true(send_str(fd, head));
    raw = read_answer(fd, 5, NULL);
    assert_json_answer(raw, 401);
    free(raw);
    free(head);
    close(fd);

    /* login (no key) and a whole keyed body still work, on a kept-alive connection */
    mt_resp *r =
        mt_post(s, "/api/v1/session", NULL,
                "{\"email\":\"" MT_ADMIN_EMAIL "\",\"password\":\"" MT_ADMIN_PASSWORD "\"}");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_post(s, "/api/v1/units", mt_admin_key(s), "{\"name\":\"Limits\"}");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

static void test_body_memory_is_bounded(void **state)
{
    setenv("MOCOD_BODY_MEMORY", "20", 1);
    mt_server *s = mt_start(NULL);
    unsetenv("MOCOD_BODY_MEMORY");
    const char *key = mt_admin_key(s);
    /* two bodies of 8 MiB fit into 20 MiB; the third does not: 503, before it is read */
    int fds[3];
    char *head = post_head(key, 8 * MIB);
    for (int i = 0; i < 3; i++) {
        fds[i] = connect_from(s, NULL);
        assert_true(send_str(fds[i], head));
        if (i < 2) /* in this order: held, not answered */
            assert_false(closed_within(fds[i], 0.2));
    }
    char *raw = read_answer(fds[2], 5, NULL);
    assert_json_answer(raw, 503);
    assert_non_null(strcasestr(raw, "\r\nRetry-After:"));
    free(raw);
    /* the first two are still being received; finishing one frees its share */
    char *body = json_body(8 * MIB);
    assert_true(send_all(fds[0], body, 8 * MIB));
    raw = read_answer(fds[0], 10, NULL);
    assert_in_range(status_of(raw), 200, 499);
    free(raw);
    int again = connect_from(s, NULL);
    assert_true(send_str(again, head));
    assert_true(send_all(again, body, 8 * MIB));
    raw = read_answer(again, 10, NULL);
    assert_in_range(status_of(raw), 200, 499);
    free(raw);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    close(again);
    free(head);
    free(body);
    mt_stop(s);
}

/* ---- finding 10: connections per address; a deadline for the whole request ---------------- */

static void test_connections_per_address_are_limited(void **state)
{
    setenv("MOCOD_MAX_CONNECTIONS_PER_IP", "4", 1);
    mt_server *s = mt_start(NULL);
    unsetenv("MOCOD_MAX_CONNECTIONS_PER_IP");
    /* four held connections (one may be refused while the start-up probe is still counted) */
    int idle[4];
    for (int i = 0, tries = 0; i < 4; tries++) {
        assert_true(tries < 8);
        idle[i] = connect_from(s, "127.0.0.1");
        if (!send_str(idle[i], "GET /api/v1/units HTTP/1.1\r\nHo") || closed_within(idle[i], 0.2)) {
            close(idle[i]);
            continue;
        }
        i++;
    }
    /* a fifth from the same address is closed without an answer */
    int fifth = connect_from(s, "127.0.0.1");
    send_str(fifth, "GET /api/v1/units HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    char *raw = read_answer(fifth, 3, &closed);
    if (!closed || raw[0]) {
        print_error("a fifth connection from 127.0.0.1 was served: %.300s\n", raw);
        fail();
    }
    free(raw);
    close(fifth);
    /* another address is served meanwhile */
    int other = connect_from(s, "127.0.0.2");
    assert_true(send_str(other, "GET /api/v1/units HTTP/1.1\r\nHost: x\r\n\r\n"));
    raw = read_answer(other, 3, NULL);
    assert_json_answer(raw, 401);
    free(raw);
    close(other);
    /* and once the four go, 127.0.0.1 is served again */
    for (int i = 0; i < 4; i++)
        close(idle[i]);
    usleep(300 * 1000);
    mt_resp *r = mt_get(s, "/api/v1/units", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    mt_stop(s);
}

static void test_trickling_request_times_out(void **state)
{
    setenv("MOCOD_REQUEST_TIMEOUT", "1", 1);
    mt_server *s = mt_start(NULL);
    unsetenv("MOCOD_REQUEST_TIMEOUT");
    /* one byte of the headers every 200 ms never reaches the idle timeout (30 s) ... */
    int fd = connect_from(s, NULL);
    const char *req =
        "GET /api/v1/units HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    double t0 = now_s();
    bool closed = false;
    for (size_t i = 0; req[i] && now_s() - t0 < 6; i++) {
        if (!send_all(fd, req + i, 1) || closed_within(fd, 0.2)) {
            closed = true;
            break;
        }
    }
    double took = now_s() - t0;
    /* ... but the request deadline (1 s) ends it */
    if (!closed || took < 0.8) {
        print_error("trickling connection: closed=%d after %.1f s (want closed after ~1 s)\n",
                    closed, took);
        fail();
    }
    close(fd);
    /* a stalled upload with a key ends the same way */
    fd = connect_from(s, NULL);
    char *head = post_head(mt_admin_key(s), 1000);
    assert_true(send_str(fd, head));
    assert_true(send_str(fd, "{\"name\":"));
    t0 = now_s();
    assert_true(closed_within(fd, 5));
    assert_true(now_s() - t0 < 3);
    free(head);
    close(fd);
    /* a kept-alive connection that asks and waits within the deadline is not cut */
    fd = connect_from(s, NULL);
    for (int i = 0; i < 3; i++) {
        assert_true(send_str(fd, "GET /api/v1/units HTTP/1.1\r\nHost: x\r\n\r\n"));
        char *raw = read_answer(fd, 3, NULL);
        assert_json_answer(raw, 401);
        free(raw);
        usleep(600 * 1000);
    }
    close(fd);
    mt_stop(s);
}

/* ---- finding 15: memory goes back after large bodies --------------------------------------- */

struct upload {
    const mt_server *s;
    const char *key;
    const char *body;
    size_t len;
    int status;
};

static void *upload_thread(void *arg)
{
    struct upload *u = arg;
    int fd = connect_from(u->s, NULL);
    char *head = post_head(u->key, u->len);
    if (send_str(fd, head) && send_all(fd, u->body, u->len)) {
        char *raw = read_answer(fd, 20, NULL);
        u->status = status_of(raw);
        free(raw);
    }
    free(head);
    close(fd);
    return NULL;
}

static void test_memory_returns_after_large_bodies(void **state)
{
    mt_server *s = *state;
    enum { N = 24 };
    size_t len = (size_t)(9.9 * MIB);
    char *body = json_body(len);
    memcpy(body, "{\"nom\":\"", 8); /* an unknown field: parsed, not stored */
    body[8] = 'x';
    struct upload u[N];
    pthread_t t[N];
    long before = rss_kib(mt_pid(s));
    for (int i = 0; i < N; i++) {
        u[i] = (struct upload){s, mt_admin_key(s), body, len, 0};
        pthread_create(&t[i], NULL, upload_thread, &u[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    usleep(300 * 1000);
    long after = rss_kib(mt_pid(s));
    print_message("RSS %ld KiB before, %ld KiB after %d parallel bodies of 9.9 MiB\n", before,
                  after, N);
    for (int i = 0; i < N; i++)
        assert_true(u[i].status >= 400 && u[i].status < 500); /* refused as input, no 5xx */
    free(body);
#ifndef __SANITIZE_ADDRESS__ /* ASan keeps freed memory in its quarantine: no figure to check */
    assert_true(after < before + 64 * 1024);
#endif
}

/* ---- the defence: 1,000 idle connections and 40 stalled uploads --------------------------- */

static void test_exhaustion(void **state)
{
    raise_fd_limit();
    setenv("MOCOD_MAX_CONNECTIONS_PER_IP", "2000", 1);
    setenv("MOCOD_BODY_MEMORY", "64", 1);
    mt_server *s = mt_start(NULL);
    unsetenv("MOCOD_MAX_CONNECTIONS_PER_IP");
    unsetenv("MOCOD_BODY_MEMORY");
    const char *key = mt_admin_key(s);
    double t0 = now_s();
    enum { IDLE = 1000, STALLED = 40 };
    static int idle[IDLE], stalled[STALLED];
    for (int i = 0; i < IDLE; i++) {
        idle[i] = connect_from(s, NULL);
        send_str(idle[i], "GET /api/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    }
    /* half without a key (answered 401 unread), half with a key, 10 MiB minus the last byte */
    size_t len = 10 * MIB - 1;
    char *body = json_body(len);
    char *head_anon = post_head(NULL, len), *head_key = post_head(key, len);
    int refused = 0, holding = 0;
    for (int i = 0; i < STALLED; i++) {
        stalled[i] = connect_from(s, NULL);
        bool with_key = i % 2;
        send_str(stalled[i], with_key ? head_key : head_anon);
        if (!with_key)
            continue;
        struct pollfd p = {.fd = stalled[i], .events = POLLIN};
        if (poll(&p, 1, 100) > 0) { /* answered at once: over the body budget */
            char *raw = read_answer(stalled[i], 2, NULL);
            assert_json_answer(raw, 503);
            free(raw);
            refused++;
            continue;
        }
        if (send_all(stalled[i], body, len - 1))
            holding++;
    }
    print_message("%d keyed uploads held, %d refused with 503 (budget 64 MiB)\n", holding, refused);
    assert_true(holding >= 1 && refused >= 1);
    /* another client keeps getting answers */
    for (int i = 0; i < 20; i++) {
        double t = now_s();
        mt_resp *r = mt_get(s, "/api/v1/units", key);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
        assert_true(now_s() - t < 1.0);
    }
    long rss = rss_kib(mt_pid(s));
    print_message("RSS with %d idle connections and %d stalled uploads: %ld KiB\n", IDLE, STALLED,
                  rss);
    assert_true(rss < 200 * 1024);
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    for (int i = 0; i < STALLED; i++)
        close(stalled[i]);
    free(body);
    free(head_anon);
    free(head_key);
    mt_stop(s);
    print_message("exhaustion test took %.1f s\n", now_s() - t0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_layer_errors_are_json, mt_setup, mt_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_requests_answered_by_libmicrohttpd, mt_setup,
                                        mt_teardown),
        cmocka_unit_test_setup_teardown(test_body_without_key_is_not_read, mt_setup, mt_teardown),
        cmocka_unit_test(test_body_memory_is_bounded),
        cmocka_unit_test(test_connections_per_address_are_limited),
        cmocka_unit_test(test_trickling_request_times_out),
        cmocka_unit_test_setup_teardown(test_memory_returns_after_large_bodies, mt_setup,
                                        mt_teardown),
        cmocka_unit_test(test_exhaustion),
    };
    if (getenv("MT_ONLY")) /* MT_ONLY=test_exhaustion runs just that one */
        cmocka_set_test_filter(getenv("MT_ONLY"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
