/*
 * receiver — a tiny HTTP/1.1 server for web hook tests.
 *
 * It listens on a free 127.0.0.1 port; a background thread accepts connections and serves each in
 * a thread of its own (so one slow answer never holds up another request). Every complete request
 * is recorded (method, target, headers, the exact body bytes, arrival times and the answer given)
 * and answered with a configurable status, optionally after a delay. The listening socket can be
 * closed and reopened on the same port, so that the sender meets "connection refused".
 *
 *     rcv *rc = rcv_start();
 *     char *url = rcv_url(rc, "/hook");            // "http://127.0.0.1:PORT/hook"
 *     rcv_push_reply(rc, 500, 0);                  // the first request gets a 500 at once,
 *     rcv_push_reply(rc, 200, 1500);               // the second a 200 after 1.5 s,
 *     rcv_set_reply(rc, 200, 0);                   // all later ones a 200 (the default)
 *     ... make the server send ...
 *     assert_true(rcv_wait(rc, 3, 5000));          // at least 3 requests within 5 s
 *     const rcv_request *q = rcv_at(rc, 0);
 *     const char *sig = rcv_header(q, "X-Moco-Signature");
 *     rcv_free(rc);
 *
 * Answers: "HTTP/1.1 <status> <reason>", Content-Type text/plain, a short body, and
 * "Connection: close" (one request per connection). Requests are recorded as soon as they have
 * been read, i.e. before the delay of their answer. Bodies may come with Content-Length or chunked.
 *
 * Threads: every function is safe to call from the test thread while the receiver serves. The
 * receiver never calls cmocka; only rcv_start fails the test (when it cannot listen at all).
 * Records returned by rcv_at / rcv_nth_path are owned by the receiver and stay valid until
 * rcv_clear or rcv_free.
 */
#ifndef RECEIVER_H
#define RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rcv rcv;

typedef struct rcv_hdr {
    char *name;
    char *value;
} rcv_hdr;

typedef struct rcv_request {
    char *method;     /* "POST" */
    char *target;     /* the request target as sent ("/hook?x=1") */
    char *path;       /* the target without its query ("/hook") */
    rcv_hdr *headers; /* in order of arrival, values without surrounding blanks */
    size_t n_headers;
    char *body; /* exact body bytes, plus a terminating NUL not counted in body_len */
    size_t body_len;
    int64_t received_ms; /* wall clock (ms since the epoch) when the request was complete */
    int64_t mono_ms;     /* CLOCK_MONOTONIC ms at the same moment, for measuring gaps */
    int status;          /* the status answered */
    int delay_ms;        /* the delay before that answer */
    size_t seq;          /* 0, 1, 2, ... in order of arrival */
} rcv_request;

/* Listen on a free 127.0.0.1 port and start serving; fails the test if it cannot listen. */
rcv *rcv_start(void);
/* Stop serving (delayed answers are cut short), wait for every thread, free everything. NULL is a
 * no-op. */
void rcv_free(rcv *r);

int rcv_port(const rcv *r);
/* "http://127.0.0.1:PORT" followed by path (which should start with '/'); malloc'd. */
char *rcv_url(const rcv *r, const char *path);

/* The answer of requests for which no reply was pushed (initially 200 at once). */
void rcv_set_reply(rcv *r, int status, int delay_ms);
/* Queue the answer of one future request; queued answers are used first, in order. */
void rcv_push_reply(rcv *r, int status, int delay_ms);
/* Drop the queued answers. */
void rcv_clear_replies(rcv *r);

/* Close the listening socket: new connections are refused (requests already accepted are still
 * answered). Returns once the socket is closed. */
void rcv_refuse(rcv *r);
/* Listen again on the same port; false if the port cannot be had back within 2 s. */
bool rcv_accept(rcv *r);

/* Number of requests recorded (all, or those whose path equals `path`). */
size_t rcv_count(rcv *r);
size_t rcv_count_path(rcv *r, const char *path);
/* Wait until at least n requests (with that path) have been recorded; false on timeout. */
bool rcv_wait(rcv *r, size_t n, int timeout_ms);
bool rcv_wait_path(rcv *r, const char *path, size_t n, int timeout_ms);

/* The i-th request recorded (all, or with that path); NULL if there is none. Borrowed. */
const rcv_request *rcv_at(rcv *r, size_t i);
const rcv_request *rcv_nth_path(rcv *r, const char *path, size_t i);
/* Forget the requests recorded so far (invalidates records returned earlier). */
void rcv_clear(rcv *r);

/* First header with this name (case-insensitive), NULL if absent. */
const char *rcv_header(const rcv_request *q, const char *name);

#endif /* RECEIVER_H */
