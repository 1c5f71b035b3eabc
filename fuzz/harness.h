/*
 * Shared set-up of the fuzz targets: one scratch database (engine_init + db_open + db_migrate, as
 * src/main.c open_db() does) with one account, its administrator and account keys and a few
 * rows, made once per fuzzing process; and a request runner that checks what every answer of
 * mocod must be (no 5xx, JSON with a "message" for errors).
 */
#ifndef MOCOD_FUZZ_HARNESS_H
#define MOCOD_FUZZ_HARNESS_H

#include "core/request.h"

#include <stddef.h>
#include <stdint.h>

struct fuzz_env {
    db *d;
    char dir[256];
    const char *user_key; /* the administrator's key */
    const char *full_key; /* account key, full access */
    const char *read_key; /* account key, read only */
    int64_t project_id;   /* a row for nested routes (projects/{id}/tasks...) */
    struct server_config cfg;
};

/* The environment, made on first use; aborts when it cannot be made. */
struct fuzz_env *fuzz_env(void);
/* Throws the database away and makes a fresh one (targets that write call it now and then, so the
 * database stays small and executions stay fast). */
void fuzz_env_reset(void);

/* A request with its own arena. */
struct fuzz_req {
    arena a;
    struct req r;
};
void fuzz_req_init(struct fuzz_req *fr);
void fuzz_req_release(struct fuzz_req *fr);
/* Adds ?key=value (both taken as given, already decoded). */
void fuzz_req_query(struct fuzz_req *fr, const char *key, size_t klen, const char *value,
                    size_t vlen);
/* Percent-decoding in place as libmicrohttpd does it (in queries '+' is a space); the length
 * (NUL bytes end the C string the handlers see, as they do in MHD). */
size_t fuzz_percent_decode(char *s, size_t n, bool plus_is_space);
/* Splits and percent-decodes "a=1&b=%20x" into query parameters. */
void fuzz_req_query_string(struct fuzz_req *fr, const char *qs, size_t len);
/* Replaces the placeholders @U (admin user key), @F (full account key), @R (read key) and @P (the
 * project id) in s; an arena string. */
char *fuzz_expand(struct fuzz_req *fr, const char *s, size_t len);
/* dispatch() the request and check the answer; aborts on a 5xx or an answer that is not JSON. */
void fuzz_dispatch(struct fuzz_req *fr);
/* The check of fuzz_dispatch for an answer made some other way. */
void fuzz_check_answer(const struct req *r);

#endif
