/* See harness.h. */
#include "harness.h"

#include "auth/auth.h"
#include "db/migrate.h"
#include "engine/engine.h"
#include "resources/resources.h"
#include "server/dispatch.h"
#include "setup/setup.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct fuzz_env env;
static bool made;
static char keys[3][AUTH_KEY_LEN + 1];

static void die(const char *what)
{
    fprintf(stderr, "fuzz harness: %s\n", what);
    abort();
}

static void remove_dir(void)
{
    if (!env.dir[0])
        return;
    DIR *dh = opendir(env.dir);
    if (dh) {
        struct dirent *e;
        while ((e = readdir(dh))) {
            if (e->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof(p), "%s/%s", env.dir, e->d_name);
            unlink(p);
        }
        closedir(dh);
    }
    rmdir(env.dir);
    env.dir[0] = '\0';
}

static void at_exit(void)
{
    if (env.d)
        db_close(env.d);
    env.d = NULL;
    remove_dir();
}

/* A set-up request as the administrator; its answer's "id". */
static int64_t setup_post(const char *path, const char *body)
{
    struct fuzz_req fr;
    fuzz_req_init(&fr);
    fr.r.method = "POST";
    fr.r.raw_path = path;
    fr.r.authorization = arena_printf(&fr.a, "Token token=%s", env.user_key);
    fr.r.content_type = "application/json";
    fr.r.body_raw = body;
    fr.r.body_len = strlen(body);
    dispatch(&fr.r, env.d);
    int64_t id = 0;
    json_t *j = json_loadb(fr.r.out.buf, fr.r.out.len, 0, NULL);
    if (fr.r.status == 200 && j)
        id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    if (!id) {
        fprintf(stderr, "fuzz harness: POST %s: %d %.*s\n", path, fr.r.status, (int)fr.r.out.len,
                fr.r.out.buf);
        abort();
    }
    fuzz_req_release(&fr);
    return id;
}

static void make_env(void)
{
    /* a fixed secret: no file next to the database, and the same keys in every run */
    setenv("MOCOD_SECRET", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(env.dir, sizeof(env.dir), "%s/mocod_fuzz_XXXXXX", tmp);
    if (!mkdtemp(env.dir))
        die("cannot make a scratch directory");
    char path[512], err[512];
    snprintf(path, sizeof(path), "%s/fuzz.sqlite", env.dir);
    if (auth_init(path, err, sizeof(err)))
        die(err);
    struct db_options opts = {.pool_size = 2, .synchronous_normal = true};
    if (db_open(&env.d, path, &opts, err, sizeof(err)) != DB_OK)
        die(err);
    static bool engine_ready;
    if (!engine_ready) {
        if (engine_init(&mocod_registry))
            die("engine_init failed");
        dispatch_init();
        engine_ready = true;
    }
    if (db_migrate(env.d, engine_sync_schema) != 0)
        die("db_migrate failed");

    arena a;
    arena_init(&a, 4096);
    db_conn *c = db_acquire(env.d);
    char *k = account_setup(c, &a, "fuzz", "admin@fuzz.example", "fuzzing password 1", "Ada",
                            "Admin", err, sizeof(err));
    if (!k)
        die(err);
    snprintf(keys[0], sizeof(keys[0]), "%s", k);
    if (!(k = account_key(c, &a, "fuzz", "full", err, sizeof(err))))
        die(err);
    snprintf(keys[1], sizeof(keys[1]), "%s", k);
    if (!(k = account_key(c, &a, "fuzz", "read", err, sizeof(err))))
        die(err);
    snprintf(keys[2], sizeof(keys[2]), "%s", k);
    if (account_demo_data(c, &a, "fuzz"))
        die("account_demo_data failed");
    db_release(env.d, c);
    arena_release(&a);
    env.user_key = keys[0];
    env.full_key = keys[1];
    env.read_key = keys[2];

    int64_t company = setup_post(
        "/api/v1/companies", "{\"name\":\"Fuzz AG\",\"type\":\"customer\",\"currency\":\"EUR\"}");
    char body[256];
    snprintf(body, sizeof(body),
             "{\"name\":\"Fuzz project\",\"currency\":\"EUR\",\"fixed_price\":false,"
             "\"leader_id\":1,\"customer_id\":%lld}",
             (long long)company);
    env.project_id = setup_post("/api/v1/projects", body);
    snprintf(body, sizeof(body), "{\"name\":\"Fuzz task\"}");
    char tasks[64];
    snprintf(tasks, sizeof(tasks), "/api/v1/projects/%lld/tasks", (long long)env.project_id);
    setup_post(tasks, body);
}

struct fuzz_env *fuzz_env(void)
{
    if (!made) {
        env.cfg.base_domain = "mocod.local";
        env.cfg.public_scheme = "http";
        env.cfg.listen = "127.0.0.1:0";
        make_env();
        atexit(at_exit);
        made = true;
    }
    return &env;
}

void fuzz_env_reset(void)
{
    if (!made) {
        fuzz_env();
        return;
    }
    db_close(env.d);
    env.d = NULL;
    remove_dir();
    make_env();
}

void fuzz_req_init(struct fuzz_req *fr)
{
    memset(fr, 0, sizeof(*fr));
    arena_init(&fr->a, 16 * 1024);
    fr->r.arena = &fr->a;
    fr->r.cfg = &env.cfg;
    fr->r.method = "GET";
    fr->r.raw_path = "/api/v1";
    sb_init(&fr->r.out, &fr->a, 4096);
}

void fuzz_req_release(struct fuzz_req *fr)
{
    json_decref(fr->r.body);
    json_decref(fr->r.scratch);
    json_decref(fr->r.err_fields);
    arena_release(&fr->a);
}

void fuzz_req_query(struct fuzz_req *fr, const char *key, size_t klen, const char *value,
                    size_t vlen)
{
    struct req *r = &fr->r;
    if (r->nquery % 16 == 0)
        r->query = arena_realloc(r->arena, r->query, sizeof(struct kv) * (size_t)r->nquery,
                                 sizeof(struct kv) * (size_t)(r->nquery + 16));
    r->query[r->nquery].key = arena_strndup(r->arena, key, klen);
    r->query[r->nquery].value = arena_strndup(r->arena, value, vlen);
    r->nquery++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t fuzz_percent_decode(char *s, size_t n, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+' && plus_is_space) {
            s[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    s[o] = '\0';
    return strlen(s);
}

void fuzz_req_query_string(struct fuzz_req *fr, const char *qs, size_t len)
{
    size_t i = 0;
    while (i < len && fr->r.nquery < 200) {
        size_t j = i;
        while (j < len && qs[j] != '&')
            j++;
        if (j > i) {
            char *pair = arena_strndup(fr->r.arena, qs + i, j - i);
            char *eq = strchr(pair, '=');
            char *val = pair + strlen(pair);
            if (eq) {
                *eq = '\0';
                val = eq + 1;
            }
            size_t kl = fuzz_percent_decode(pair, strlen(pair), true);
            size_t vl = fuzz_percent_decode(val, strlen(val), true);
            fuzz_req_query(fr, pair, kl, val, vl);
        }
        i = j + 1;
    }
}

char *fuzz_expand(struct fuzz_req *fr, const char *s, size_t len)
{
    strbuf b;
    sb_init(&b, fr->r.arena, len + 64);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '@' && i + 1 < len) {
            const char *rep = NULL;
            char num[24];
            switch (s[i + 1]) {
            case 'U':
                rep = env.user_key;
                break;
            case 'F':
                rep = env.full_key;
                break;
            case 'R':
                rep = env.read_key;
                break;
            case 'P':
                snprintf(num, sizeof(num), "%lld", (long long)env.project_id);
                rep = num;
                break;
            }
            if (rep) {
                sb_adds(&b, rep);
                i++;
                continue;
            }
        }
        sb_addc(&b, s[i]);
    }
    return b.buf;
}

void fuzz_check_answer(const struct req *r)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("MOCOD_FUZZ_VERBOSE") != NULL;
    if (verbose) /* MOCOD_FUZZ_VERBOSE=1 fuzz_x FILE...: what the seeds get */
        fprintf(stderr, "%s %s -> %d %.*s\n", r->method ? r->method : "-",
                r->raw_path ? r->raw_path : "-", r->status,
                (int)(r->out.len > 160 ? 160 : r->out.len), r->out.buf ? r->out.buf : "");
    if (r->status >= 500 || r->status < 100) {
        fprintf(stderr, "fuzz: status %d: %.*s\n", r->status, (int)r->out.len,
                r->out.buf ? r->out.buf : "");
        abort();
    }
    if (r->status == 204 || r->out.len == 0)
        return;
    json_error_t err;
    json_t *j = json_loadb(r->out.buf, r->out.len, JSON_DECODE_ANY, &err);
    if (!j) {
        fprintf(stderr, "fuzz: status %d, the answer is not JSON (%s at %d): %.*s\n", r->status,
                err.text, err.position, (int)(r->out.len > 2000 ? 2000 : r->out.len), r->out.buf);
        abort();
    }
    if (r->status >= 400 && !json_is_string(json_object_get(j, "message"))) {
        fprintf(stderr, "fuzz: status %d without a message: %.*s\n", r->status, (int)r->out.len,
                r->out.buf);
        abort();
    }
    json_decref(j);
}

void fuzz_dispatch(struct fuzz_req *fr)
{
    dispatch(&fr->r, env.d);
    fuzz_check_answer(&fr->r);
}
