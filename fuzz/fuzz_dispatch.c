/* Whole requests through the dispatcher (src/server/dispatch.c: dispatch()) against the scratch
 * database: routing, authentication, body checks, every handler. Input, like HTTP:
 *     METHOD /api/v1/path?query
 *     Header: value            (Host, Content-Type, Authorization, X-IMPERSONATE-USER-ID)
 *                              (an empty line)
 *     body
 * The path and query are percent-decoded as libmicrohttpd does; @U, @F, @R stand for the
 * administrator's, the full and the read-only account key and @P for the fuzz project's id.
 * Every answer is checked: no 5xx, JSON, a message with every error. Writes stay: the database is
 * made anew every RESET_EVERY requests. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESET_EVERY 20000

static size_t line_end(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    return nl ? (size_t)(nl - p) : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    if (++runs % RESET_EVERY == 0)
        fuzz_env_reset();
    fuzz_env();
    const char *p = (const char *)data;
    size_t left = size;
    struct fuzz_req fr;
    fuzz_req_init(&fr);

    size_t n = line_end(p, left);
    char *first = fuzz_expand(&fr, p, n);
    p += n < left ? n + 1 : n;
    left -= n < left ? n + 1 : n;
    char *sp = strchr(first, ' ');
    if (sp) {
        *sp = '\0';
        fr.r.method = first;
        char *target = sp + 1;
        char *q = strchr(target, '?');
        if (q) {
            *q++ = '\0';
            fuzz_req_query_string(&fr, q, strlen(q));
        }
        fuzz_percent_decode(target, strlen(target), false);
        fr.r.raw_path = target;
    } else {
        fr.r.method = "GET";
        fuzz_percent_decode(first, strlen(first), false);
        fr.r.raw_path = first;
    }
    while (left) {
        n = line_end(p, left);
        char *line = fuzz_expand(&fr, p, n);
        p += n < left ? n + 1 : n;
        left -= n < left ? n + 1 : n;
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (!strcasecmp(line, "Host"))
            fr.r.host = v;
        else if (!strcasecmp(line, "Content-Type"))
            fr.r.content_type = v;
        else if (!strcasecmp(line, "Authorization"))
            fr.r.authorization = v;
        else if (!strcasecmp(line, "X-IMPERSONATE-USER-ID"))
            fr.r.impersonate = v;
    }
    fr.r.body_raw = p; /* as sent, NUL bytes too */
    fr.r.body_len = left;
    if (left && memchr(p, '@', left)) {
        char *body = fuzz_expand(&fr, p, left);
        fr.r.body_raw = body;
        fr.r.body_len = strlen(body);
    }
    fuzz_dispatch(&fr);
    fuzz_req_release(&fr);
    return 0;
}
