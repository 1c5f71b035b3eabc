/*
 * API tests of web hooks: the subscriptions (sections/web_hooks.md), their delivery (webhooks.md,
 * seed-README "WebHooks": headers, HMAC-SHA256 signature, retries, disabling after 500
 * consecutive failures) and mocod's delivery log (/account/web_hooks/{id}/deliveries).
 *
 * Every test gets a server of its own (started with the web hook flags the test needs) and a
 * receiver (tests/support/receiver.h) standing in for the subscriber. Signatures are checked with
 * the openssl command line tool, independently of mocod's own HMAC code.
 */
#include "fixtures.h"
#include "mt.h"
#include "receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define HOOKS "/api/v1/account/web_hooks"

/* The "Attributes" example of sections/web_hooks.md, plus signature_key for administrators. */
#define HOOK_KEYS_PUBLIC "id,target,event,hook,disabled,disabled_at,created_at,updated_at"
#define HOOK_KEYS        HOOK_KEYS_PUBLIC ",signature_key"
#define DELIVERY_KEYS                                                                              \
    "id,target,event,entity_id,status,attempts,last_response_code,last_error,next_attempt_at,"     \
    "delivered_at,created_at,updated_at"

/* The signing key of the docs' example, and another one. */
#define KEY_A "1d608b9d72219b90ff2393a1d3ee0ac0"
#define KEY_B "0123456789abcdef0123456789abcdef"

/* Server flags of the fixtures. Short back-off so that retries happen within the test. */
#define FAST      "--webhook-retry-base 0.1 --webhook-retry-max 0.2"
#define A_PRIVATE "--webhook-allow-private " FAST
#define A_STRICT  FAST
#define A_TIMEOUT "--webhook-allow-private " FAST " --webhook-timeout 0.5"
#define A_MAXFAIL "--webhook-allow-private " FAST " --webhook-max-failures 3"
#define A_MAXFAIL_SLOW                                                                             \
    "--webhook-allow-private --webhook-retry-base 10 --webhook-retry-max 10 "                      \
    "--webhook-max-failures 3"
#define A_DEFAULT500 "--webhook-allow-private --webhook-retry-base 0.001 --webhook-retry-max 0.001"
#define A_CRASH                                                                                    \
    "--webhook-allow-private --webhook-retry-base 0.2 --webhook-retry-max 0.5 --webhook-timeout 1"

/* A receiver has 30 s: a delivery held up behind one that never answers would take that long. */
#define A_FAIR "--webhook-allow-private " FAST " --webhook-timeout 30"

/* ---- fixture ------------------------------------------------------------------------------ */

struct fx {
    mt_server *s;
    rcv *rc;
    const char *args;
    pid_t own;   /* a `mocod serve` this file spawned itself (after kill -9), 0 if none */
    bool killed; /* the mt server was SIGKILLed: mt's exit handler reaps it and removes its dir */
};

/* Prefix of every API path: "" (the mt server), or the base URL of a server spawned here. */
static char g_base[64];

static int fx_setup(void **state, const char *args)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->args = args;
    *state = f;
    g_base[0] = '\0';
    f->s = mt_start(args);
    f->rc = rcv_start();
    return 0;
}

static int stop_own(pid_t pid);

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    *state = NULL;
    if (!f)
        return 0;
    int own_code = f->own > 0 ? stop_own(f->own) : 0;
    rcv_free(f->rc);
    mt_server *s = f->s;
    bool killed = f->killed;
    free(f);
    g_base[0] = '\0';
    if (!killed)
        mt_stop(s);
    if (own_code != 0)
        fail_msg("the mocod serve spawned by the test exited with status %d", own_code);
    return 0;
}

static int setup_private(void **state)
{
    return fx_setup(state, A_PRIVATE);
}

static int setup_strict(void **state)
{
    return fx_setup(state, A_STRICT);
}

static int setup_timeout(void **state)
{
    return fx_setup(state, A_TIMEOUT);
}

static int setup_maxfail(void **state)
{
    return fx_setup(state, A_MAXFAIL);
}

static int setup_maxfail_slow(void **state)
{
    return fx_setup(state, A_MAXFAIL_SLOW);
}

static int setup_default500(void **state)
{
    return fx_setup(state, A_DEFAULT500);
}

static int setup_crash(void **state)
{
    return fx_setup(state, A_CRASH);
}

static int setup_fair(void **state)
{
    return fx_setup(state, A_FAIR);
}

/* ---- small helpers ------------------------------------------------------------------------ */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A request to g_base + printf-formatted path; body (JSON text) may be NULL. */
static mt_resp *call(mt_server *s, const char *method, const char *key, const char *body,
                     const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(5, 6);
static mt_resp *call(mt_server *s, const char *method, const char *key, const char *body,
                     const char *fmt, ...)
{
    char path[1024];
    size_t n = (size_t)snprintf(path, sizeof path, "%s", g_base);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path + n, sizeof path - n, fmt, ap);
    va_end(ap);
    return mt_request(s, method, path, key, body, NULL);
}

static bool is_lower_hex(const char *s, size_t len)
{
    return s && strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* The user id of a key (GET /session). */
static json_int_t session_user_id(mt_server *s, const char *key)
{
    mt_resp *r = call(s, "GET", key, NULL, "/api/v1/session");
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

/* The first unit of the key's account. */
static json_int_t first_unit(mt_server *s, const char *key)
{
    mt_resp *r = call(s, "GET", key, NULL, "/api/v1/units");
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_len(r->json, NULL) > 0);
    json_int_t id = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    return id;
}

/* POST /users (firstname, lastname, a unique email, the first unit, plus `extra`, consumed, may
 * be NULL); asserts 200 and returns the id. */
static json_int_t make_user(mt_server *s, const char *key, const char *name, json_t *extra)
{
    static int counter;
    char email[128];
    snprintf(email, sizeof email, "%s-%d@example.test", name, ++counter);
    json_t *body = fix_user_body(name, "Tester", email, first_unit(s, key), extra);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    mt_resp *r = call(s, "POST", key, text, "/api/v1/users");
    free(text);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

static mt_resp *get_user(mt_server *s, const char *key, json_int_t id)
{
    mt_resp *r = call(s, "GET", key, NULL, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    return r;
}

/* POST a hook on target User; sigkey may be NULL (generated). Returns the response (200 asserted);
 * *id receives the id. */
static mt_resp *post_hook(mt_server *s, const char *key, const char *event, const char *url,
                          const char *sigkey, json_int_t *id)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "target", "User", "event", event, "hook", url);
    if (sigkey)
        json_object_set_new(b, "signature_key", json_string(sigkey));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    mt_resp *r = call(s, "POST", key, text, HOOKS);
    free(text);
    MT_ASSERT_STATUS(r, 200);
    if (id)
        *id = mt_json_int(r->json, "id");
    return r;
}

/* Create a User hook to the receiver's `path`; returns its id; *sigkey_out (may be NULL) receives
 * the signing key (malloc'd). */
static json_int_t hook_to(struct fx *f, const char *key, const char *event, const char *path,
                          const char *sigkey, char **sigkey_out)
{
    char *url = rcv_url(f->rc, path);
    json_int_t id;
    mt_resp *r = post_hook(f->s, key, event, url, sigkey, &id);
    if (sigkey_out)
        *sigkey_out = strdup(mt_json_str(r->json, "signature_key"));
    mt_resp_free(r);
    free(url);
    return id;
}

static mt_resp *get_deliveries(mt_server *s, json_int_t hook)
{
    mt_resp *r = call(s, "GET", mt_admin_key(s), NULL, HOOKS "/%lld/deliveries", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_array(r->json));
    return r;
}

static size_t count_deliveries(mt_server *s, json_int_t hook)
{
    mt_resp *r = get_deliveries(s, hook);
    size_t n = json_array_size(r->json);
    mt_resp_free(r);
    return n;
}

/* The number of a hook's deliveries with this status (the log's status filter). */
static size_t count_deliveries_in(mt_server *s, json_int_t hook, const char *status)
{
    mt_resp *r = call(s, "GET", mt_admin_key(s), NULL, HOOKS "/%lld/deliveries?status=%s",
                      (long long)hook, status);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_array(r->json));
    size_t n = json_array_size(r->json);
    mt_resp_free(r);
    return n;
}

/* The id of the only delivery of a hook. */
static json_int_t only_delivery(mt_server *s, json_int_t hook)
{
    mt_resp *r = get_deliveries(s, hook);
    if (json_array_size(r->json) != 1)
        fail_msg("hook %lld: expected exactly one delivery, got %s", (long long)hook, r->body);
    json_int_t id = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    return id;
}

typedef bool (*json_pred)(const json_t *j, const void *arg);

static bool pred_status(const json_t *j, const void *arg)
{
    json_t *v = json_object_get(j, "status");
    return json_is_string(v) && !strcmp(json_string_value(v), arg);
}

static bool pred_attempts_at_least(const json_t *j, const void *arg)
{
    json_t *v = json_object_get(j, "attempts");
    return json_is_integer(v) && json_integer_value(v) >= *(const int *)arg;
}

static bool pred_disabled(const json_t *j, const void *arg)
{
    (void)arg;
    return json_is_true(json_object_get(j, "disabled"));
}

/* GET path every 50 ms until pred holds (status 200 asserted each time); fails after timeout_ms
 * with the last body. Returns the last response. */
static mt_resp *poll_until(mt_server *s, json_pred pred, const void *arg, int timeout_ms,
                           const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(5, 6);
static mt_resp *poll_until(mt_server *s, json_pred pred, const void *arg, int timeout_ms,
                           const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        mt_resp *r = call(s, "GET", mt_admin_key(s), NULL, "%s", path);
        MT_ASSERT_STATUS(r, 200);
        if (pred(r->json, arg))
            return r;
        if (mono_ms() > deadline) {
            print_error("condition not reached within %d ms; last GET %s: %s\n", timeout_ms, path,
                        r->body);
            mt_resp_free(r);
            mt_dump_log(s, 20);
            fail();
        }
        mt_resp_free(r);
        sleep_ms(50);
    }
}

static mt_resp *wait_delivery_status(mt_server *s, json_int_t hook, json_int_t id,
                                     const char *status, int timeout_ms)
{
    return poll_until(s, pred_status, status, timeout_ms, HOOKS "/%lld/deliveries/%lld",
                      (long long)hook, (long long)id);
}

static mt_resp *wait_delivery_attempts(mt_server *s, json_int_t hook, json_int_t id, int attempts,
                                       int timeout_ms)
{
    return poll_until(s, pred_attempts_at_least, &attempts, timeout_ms,
                      HOOKS "/%lld/deliveries/%lld", (long long)hook, (long long)id);
}

static mt_resp *wait_hook_disabled(mt_server *s, json_int_t hook, int timeout_ms)
{
    return poll_until(s, pred_disabled, NULL, timeout_ms, HOOKS "/%lld", (long long)hook);
}

/* Fails (with what was received) unless at least n requests arrive within timeout_ms. */
#define expect_requests(f, path, n, timeout_ms)                                                    \
    expect_requests_((f), (path), (n), (timeout_ms), __FILE__, __LINE__)
static void expect_requests_(struct fx *f, const char *path, size_t n, int timeout_ms,
                             const char *file, int line)
{
    if (rcv_wait_path(f->rc, path, n, timeout_ms))
        return;
    print_error("%s:%d: expected %zu request(s)%s%s within %d ms, the receiver has %zu (%zu in "
                "all)\n",
                file, line, n, path ? " to " : "", path ? path : "", timeout_ms,
                rcv_count_path(f->rc, path), rcv_count(f->rc));
    mt_dump_log(f->s, 20);
    _fail(file, line);
}

/* HMAC-SHA256 of data under key, computed by `openssl sha256 -hmac KEY FILE`; out: 64 hex + NUL. */
static void openssl_hmac(const char *key, const char *data, size_t len, char out[65])
{
    assert_true(is_lower_hex(key, 32)); /* safe on a command line */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/mocod-wh-body-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    close(fd);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "openssl sha256 -hmac %s '%s' 2>&1", key, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024] = "";
    size_t got = fread(line, 1, sizeof line - 1, p);
    line[got] = '\0';
    int rc = pclose(p);
    unlink(path);
    const char *eq = strstr(line, "= ");
    if (rc != 0 || !eq || strspn(eq + 2, "0123456789abcdef") < 64)
        fail_msg("`%s` failed (status %d): %s", cmd, rc, line);
    memcpy(out, eq + 2, 64);
    out[64] = '\0';
}

/* X-Moco-Signature is the HMAC-SHA256 (as computed by openssl) of the exact body under key. */
#define assert_signed(q, key) assert_signed_((q), (key), __FILE__, __LINE__)
static void assert_signed_(const rcv_request *q, const char *key, const char *file, int line)
{
    char want[65];
    openssl_hmac(key, q->body, q->body_len, want);
    const char *got = rcv_header(q, "X-Moco-Signature");
    if (got && !strcmp(got, want))
        return;
    print_error("%s:%d: X-Moco-Signature %s, but openssl sha256 -hmac %s gives %s for the body "
                "%.*s\n",
                file, line, got ? got : "(missing)", key, want, (int)q->body_len, q->body);
    _fail(file, line);
}

/* The delivered body is byte for byte what the API answers for the entity. */
#define assert_body_is(q, r) assert_body_is_((q), (r), __FILE__, __LINE__)
static void assert_body_is_(const rcv_request *q, const mt_resp *r, const char *file, int line)
{
    if (q->body_len == r->body_len && !memcmp(q->body, r->body, q->body_len))
        return;
    print_error("%s:%d: web hook payload differs from %s %s\npayload: %.*s\nAPI:     %s\n", file,
                line, r->method, r->path, (int)q->body_len, q->body, r->body);
    _fail(file, line);
}

#define assert_header(q, name, expected) assert_header_((q), (name), (expected), __FILE__, __LINE__)
static void assert_header_(const rcv_request *q, const char *name, const char *expected,
                           const char *file, int line)
{
    const char *v = rcv_header(q, name);
    if (v && expected && !strcmp(v, expected))
        return;
    print_error("%s:%d: request %zu (%s %s): expected header %s: %s, got %s\n", file, line, q->seq,
                q->method, q->target, name, expected ? expected : "(none)", v ? v : "(none)");
    for (size_t i = 0; i < q->n_headers; i++)
        print_error("  %s: %s\n", q->headers[i].name, q->headers[i].value);
    _fail(file, line);
}

static json_int_t header_int(const rcv_request *q, const char *name)
{
    const char *v = rcv_header(q, name);
    if (!v || !*v || strspn(v, "0123456789") != strlen(v))
        fail_msg("header %s is not a number: %s", name, v ? v : "(missing)");
    return (json_int_t)strtoll(v, NULL, 10);
}

/* Two deliveries of the same event: same id, body, signature and timestamp. */
static void assert_same_delivery(const rcv_request *a, const rcv_request *b)
{
    assert_string_equal(rcv_header(a, "X-Moco-Delivery-Id"), rcv_header(b, "X-Moco-Delivery-Id"));
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len);
    assert_string_equal(rcv_header(a, "X-Moco-Signature"), rcv_header(b, "X-Moco-Signature"));
    assert_string_equal(rcv_header(a, "X-Moco-Timestamp"), rcv_header(b, "X-Moco-Timestamp"));
    assert_string_equal(rcv_header(a, "X-Moco-Event"), rcv_header(b, "X-Moco-Event"));
}

static void assert_hook_shape(const json_t *h, bool admin)
{
    mt_assert_keys(h, admin ? HOOK_KEYS : HOOK_KEYS_PUBLIC);
    MT_ASSERT_JSON_TYPE(h, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(h, "target", JSON_STRING);
    MT_ASSERT_JSON_TYPE(h, "event", JSON_STRING);
    MT_ASSERT_JSON_TYPE(h, "hook", JSON_STRING);
    MT_ASSERT_JSON_TYPE(h, "disabled", MT_JSON_BOOL);
    if (json_is_true(json_object_get(h, "disabled")))
        MT_ASSERT_TIMESTAMP(h, "disabled_at");
    else
        MT_ASSERT_JSON_NULL(h, "disabled_at");
    if (admin)
        assert_true(is_lower_hex(mt_json_str(h, "signature_key"), 32));
    MT_ASSERT_TIMESTAMP(h, "created_at");
    MT_ASSERT_TIMESTAMP(h, "updated_at");
}

static void assert_delivery_shape(const json_t *d)
{
    mt_assert_keys(d, DELIVERY_KEYS);
    MT_ASSERT_JSON_TYPE(d, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(d, "target", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "event", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "entity_id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(d, "status", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "attempts", JSON_INTEGER);
    MT_ASSERT_TIMESTAMP(d, "created_at");
    MT_ASSERT_TIMESTAMP(d, "updated_at");
}

/* A delivered delivery: status, attempts, 2xx code, no error, delivered_at, nothing scheduled. */
static void assert_delivered(const json_t *d, int attempts)
{
    assert_delivery_shape(d);
    MT_ASSERT_JSON_STR(d, "status", "delivered");
    MT_ASSERT_JSON_INT(d, "attempts", attempts);
    MT_ASSERT_JSON_INT(d, "last_response_code", 200);
    MT_ASSERT_JSON_NULL(d, "last_error");
    MT_ASSERT_TIMESTAMP(d, "delivered_at");
    MT_ASSERT_JSON_NULL(d, "next_attempt_at");
}

/* The targets of sections/web_hooks.md, User first. */
static const char *const moco_targets[] = {
    "User",
    "Activity",
    "Comment",
    "Company",
    "Contact",
    "Contract",
    "Deal",
    "Expense",
    "Invoice",
    "Invoice::Approval",
    "Invoice::Payment",
    "InvoiceDraft",
    "InvoiceReminder",
    "Offer",
    "PlanningEntry",
    "Presence",
    "Project",
    "Project::PaymentSchedule",
    "Purchase",
    "Purchase::Approval",
    "Purchase::Draft",
    "Purchase::Payment",
    "RecurringExpense",
    "Schedule",
    "Task",
    "User::HolidayRequest",
    "User::AbsenceRequest",
    "User::PeriodLockOverride",
    NULL,
};

/* Is name one of the comma-separated names in list? */
static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && !strncmp(p, name, n))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

/* ---- subscriptions: CRUD ------------------------------------------------------------------ */

static void test_crud(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    char *url1 = rcv_url(f->rc, "/one"), *url2 = rcv_url(f->rc, "/two");
    char *url3 = rcv_url(f->rc, "/three"), *url4 = rcv_url(f->rc, "/four");

    /* create with a generated key */
    json_int_t id1;
    mt_resp *r = post_hook(s, key, "create", url1, NULL, &id1);
    MT_ASSERT_HEADER(r, "Content-Type", "application/json; charset=utf-8");
    assert_hook_shape(r->json, true);
    MT_ASSERT_JSON_STR(r->json, "target", "User");
    MT_ASSERT_JSON_STR(r->json, "event", "create");
    MT_ASSERT_JSON_STR(r->json, "hook", url1);
    assert_false(mt_json_bool(r->json, "disabled"));
    char *generated = strdup(mt_json_str(r->json, "signature_key"));
    json_t *created1 = json_incref(r->json);
    mt_resp_free(r);

    /* create with a given key */
    json_int_t id2;
    r = post_hook(s, key, "update", url2, KEY_A, &id2);
    assert_hook_shape(r->json, true);
    MT_ASSERT_JSON_STR(r->json, "event", "update");
    MT_ASSERT_JSON_STR(r->json, "signature_key", KEY_A);
    mt_resp_free(r);
    assert_true(id2 != id1);

    /* a second hook gets another generated key */
    json_int_t id3;
    r = post_hook(s, key, "delete", url3, NULL, &id3);
    assert_string_not_equal(mt_json_str(r->json, "signature_key"), generated);
    mt_resp_free(r);

    /* get: what create answered; also with the .json suffix */
    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)id1);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, true);
    assert_true(json_equal(r->json, created1));
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld.json", (long long)id1);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_equal(r->json, created1));
    mt_resp_free(r);

    /* list */
    r = call(s, "GET", key, NULL, HOOKS);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(mt_json_len(r->json, NULL), 3);
    for (size_t i = 0; i < 3; i++)
        assert_hook_shape(json_array_get(r->json, i), true);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "?event=update");
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", id2);
    mt_resp_free(r);

    /* update: only hook changes; target, event and signature_key are ignored */
    json_t *upd = json_pack("{s:s, s:s, s:s, s:s}", "hook", url4, "target", "Project", "event",
                            "delete", "signature_key", KEY_B);
    char *text = json_dumps(upd, JSON_COMPACT);
    json_decref(upd);
    r = call(s, "PUT", key, text, HOOKS "/%lld", (long long)id1);
    free(text);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, true);
    MT_ASSERT_JSON_INT(r->json, "id", id1);
    MT_ASSERT_JSON_STR(r->json, "hook", url4);
    MT_ASSERT_JSON_STR(r->json, "target", "User");
    MT_ASSERT_JSON_STR(r->json, "event", "create");
    MT_ASSERT_JSON_STR(r->json, "signature_key", generated);
    mt_resp_free(r);

    /* PATCH works too */
    char body[512];
    snprintf(body, sizeof body, "{\"hook\": \"%s\"}", url3);
    r = call(s, "PATCH", key, body, HOOKS "/%lld", (long long)id1);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "hook", url3);
    mt_resp_free(r);

    /* an invalid new hook is refused and changes nothing */
    r = call(s, "PUT", key, "{\"hook\": \"ftp://example.org/hook\"}", HOOKS "/%lld",
             (long long)id1);
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)id1);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "hook", url3);
    mt_resp_free(r);

    /* unknown ids */
    r = call(s, "GET", key, NULL, HOOKS "/999999");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "PUT", key, body, HOOKS "/999999");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "DELETE", key, NULL, HOOKS "/999999");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* delete */
    r = call(s, "DELETE", key, NULL, HOOKS "/%lld", (long long)id2);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)id2);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries", (long long)id2);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "DELETE", key, NULL, HOOKS "/%lld", (long long)id2);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 2);
    mt_resp_free(r);

    /* the delivery log is read-only */
    r = call(s, "POST", key, "{}", HOOKS "/%lld/deliveries", (long long)id1);
    MT_ASSERT_STATUS(r, 405);
    assert_non_null(mt_header(r, "Allow"));
    mt_resp_free(r);

    json_decref(created1);
    free(generated);
    free(url1);
    free(url2);
    free(url3);
    free(url4);
}

static void test_enable_disable(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    json_int_t id = hook_to(f, key, "create", "/h", NULL, NULL);

    mt_resp *r = call(s, "PUT", key, NULL, HOOKS "/%lld/disable", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, true);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    assert_true(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_TIMESTAMP(r->json, "disabled_at");
    char *disabled_at = strdup(mt_json_str(r->json, "disabled_at"));
    mt_resp_free(r);

    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_JSON_STR(r->json, "disabled_at", disabled_at);
    mt_resp_free(r);

    r = call(s, "GET", key, NULL, HOOKS "?disabled=true");
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 1);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "?disabled=false");
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 0);
    mt_resp_free(r);

    /* disabling a disabled hook does nothing (disabled_at stays, a second later) */
    sleep_ms(1100);
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/disable", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_JSON_STR(r->json, "disabled_at", disabled_at);
    mt_resp_free(r);

    r = call(s, "PUT", key, NULL, HOOKS "/%lld/enable", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, true);
    assert_false(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_JSON_NULL(r->json, "disabled_at");
    mt_resp_free(r);
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/enable", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_JSON_NULL(r->json, "disabled_at");
    mt_resp_free(r);

    r = call(s, "PUT", key, NULL, HOOKS "/999999/enable");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "PUT", key, NULL, HOOKS "/999999/disable");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* a read-only key may not */
    char *read = mt_account_key(s, MT_ACCOUNT, "read");
    r = call(s, "PUT", read, NULL, HOOKS "/%lld/disable", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)id);
    assert_false(mt_json_bool(r->json, "disabled"));
    mt_resp_free(r);
    free(read);
    free(disabled_at);
}

/* ---- subscriptions: validation ------------------------------------------------------------ */

static mt_resp *post_raw(mt_server *s, const char *body)
{
    return call(s, "POST", mt_admin_key(s), body, HOOKS);
}

static void test_validation(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    mt_resp *r;

    /* the three mandatory fields, each named */
    r = post_raw(s, "{}");
    fix_assert_422(r, "target");
    fix_assert_422(r, "event");
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    r = post_raw(s, "{\"target\": \"User\", \"event\": \"create\"}");
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    r = post_raw(s, "{\"target\": \"User\", \"hook\": \"https://example.org/x\"}");
    fix_assert_422(r, "event");
    mt_resp_free(r);
    r = post_raw(s, "{\"event\": \"create\", \"hook\": \"https://example.org/x\"}");
    fix_assert_422(r, "target");
    mt_resp_free(r);

    /* events */
    const char *bad_events[] = {"explode", "", "Create", "created", NULL};
    for (int i = 0; bad_events[i]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"target\": \"User\", \"event\": \"%s\", \"hook\": \"https://example.org/x\"}",
                 bad_events[i]);
        r = post_raw(s, body);
        fix_assert_422(r, "event");
        mt_resp_free(r);
    }

    /* names that are no MOCO target */
    const char *bad_targets[] = {"Nope", "user", "USER", "Users", "", NULL};
    for (int i = 0; bad_targets[i]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"target\": \"%s\", \"event\": \"create\", \"hook\": \"https://example.org/x\"}",
                 bad_targets[i]);
        r = post_raw(s, body);
        fix_assert_422(r, "target");
        mt_resp_free(r);
    }

    /* MOCO's targets: accepted exactly when mocod has the entity (User, and whatever else it has
     * by now); the others are a 422 whose message lists the targets mocod has */
    bool accepted[sizeof moco_targets / sizeof *moco_targets] = {false};
    char *has = NULL;
    for (int i = 0; moco_targets[i]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"target\": \"%s\", \"event\": \"create\", \"hook\": \"https://example.org/x\"}",
                 moco_targets[i]);
        r = post_raw(s, body);
        if (r->status == 200) {
            accepted[i] = true;
            MT_ASSERT_JSON_STR(r->json, "target", moco_targets[i]);
            mt_resp *del = call(s, "DELETE", mt_admin_key(s), NULL, HOOKS "/%lld",
                                (long long)mt_json_int(r->json, "id"));
            MT_ASSERT_STATUS(del, 204);
            mt_resp_free(del);
        } else {
            fix_assert_422(r, "target");
            const char *msg = mt_json_str(r->json, "errors.target[0]");
            const char *list = strstr(msg, "it has: ");
            if (list && !has)
                has = strdup(list + strlen("it has: "));
        }
        mt_resp_free(r);
    }
    assert_true(accepted[0]); /* User */
    if (has) {
        for (int i = 0; moco_targets[i]; i++) {
            bool listed = list_has(has, moco_targets[i]);
            if (listed != accepted[i])
                fail_msg("target %s was %s, but the 422 says mocod has: %s", moco_targets[i],
                         accepted[i] ? "accepted" : "refused", has);
        }
        free(has);
    }

    /* URLs that are not http(s) */
    const char *bad_urls[] = {"ftp://example.org/hook",
                              "file:///etc/passwd",
                              "javascript:alert(1)",
                              "example.org/hook",
                              "http://",
                              "not a url",
                              "gopher://example.org/",
                              NULL};
    for (int i = 0; bad_urls[i]; i++) {
        json_t *b =
            json_pack("{s:s, s:s, s:s}", "target", "User", "event", "create", "hook", bad_urls[i]);
        char *text = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        r = post_raw(s, text);
        free(text);
        fix_assert_422(r, "hook");
        mt_resp_free(r);
    }

    /* signature keys: 32 lowercase hexadecimal characters */
    const char *bad_keys[] = {"1D608B9D72219B90FF2393A1D3EE0AC0",
                              "1d608b9d72219b90ff2393a1d3ee0ac",
                              "1d608b9d72219b90ff2393a1d3ee0ac00",
                              "gggggggggggggggggggggggggggggggg",
                              "",
                              NULL};
    for (int i = 0; bad_keys[i]; i++) {
        json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "target", "User", "event", "create", "hook",
                              "https://example.org/x", "signature_key", bad_keys[i]);
        char *text = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        r = post_raw(s, text);
        free(text);
        fix_assert_422(r, "signature_key");
        mt_resp_free(r);
    }

    /* nothing was created */
    r = call(s, "GET", mt_admin_key(s), NULL, HOOKS);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 0);
    mt_resp_free(r);

    /* permissions: a read-only key and an employee may not create */
    char *read = mt_account_key(s, MT_ACCOUNT, "read");
    r = call(s, "POST", read,
             "{\"target\": \"User\", \"event\": \"create\", \"hook\": "
             "\"https://example.org/x\"}",
             HOOKS);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    free(read);
}

/* api-conventions.md: a 422 names every offending input field. */
static void test_validation_names_every_field(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    mt_resp *r = post_raw(s, "{\"target\": \"Nope\", \"event\": \"explode\", \"hook\": "
                             "\"ftp://example.org/x\", \"signature_key\": \"XYZ\"}");
    fix_assert_422(r, "target");
    fix_assert_422(r, "event");
    fix_assert_422(r, "signature_key");
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    /* a MOCO target mocod lacks, and a bad URL */
    const char *lacking = NULL;
    for (int i = 0; moco_targets[i] && !lacking; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"target\": \"%s\", \"event\": \"create\", \"hook\": \"https://example.org/x\"}",
                 moco_targets[i]);
        r = post_raw(s, body);
        if (r->status == 422)
            lacking = moco_targets[i];
        mt_resp_free(r);
    }
    if (lacking) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"target\": \"%s\", \"event\": \"create\", \"hook\": \"ftp://example.org/x\"}",
                 lacking);
        r = post_raw(s, body);
        fix_assert_422(r, "target");
        fix_assert_422(r, "hook");
        mt_resp_free(r);
    }
}

/* Without --webhook-allow-private: loopback, private and link-local receivers are refused. */
static void test_private_urls_refused(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    char *own = rcv_url(f->rc, "/hook");
    const char *refused[] = {own,
                             "http://127.0.0.1/hook",
                             "https://127.0.0.1:8443/hook",
                             "http://127.1/",
                             "http://2130706433/",
                             "http://0x7f000001/",
                             "http://localhost/hook",
                             "http://LOCALHOST:8080/hook",
                             "http://foo.localhost/hook",
                             "http://0.0.0.0/",
                             "http://10.1.2.3/hook",
                             "http://172.16.0.1/hook",
                             "http://172.31.255.254/hook",
                             "http://192.168.1.1/hook",
                             "http://169.254.169.254/latest/meta-data",
                             "http://100.64.0.1/",
                             "http://[::1]/hook",
                             "http://[::]/",
                             "http://[fe80::1]/hook",
                             "http://[fc00::1]/hook",
                             "http://[fd12:3456::1]/hook",
                             "http://[::ffff:127.0.0.1]/hook",
                             "http://[::ffff:10.0.0.1]/hook",
                             NULL};
    for (int i = 0; refused[i]; i++) {
        json_t *b =
            json_pack("{s:s, s:s, s:s}", "target", "User", "event", "create", "hook", refused[i]);
        char *text = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        mt_resp *r = call(s, "POST", key, text, HOOKS);
        free(text);
        if (r->status != 422)
            print_error("hook %s was not refused\n", refused[i]);
        fix_assert_422(r, "hook");
        mt_resp_free(r);
    }

    /* public addresses are fine; nothing is resolved at creation */
    const char *fine[] = {"https://example.org/do-stuff", "http://8.8.8.8/hook",
                          "http://172.32.0.1/hook", "http://[2001:4860:4860::8888]/hook", NULL};
    json_int_t id = 0;
    for (int i = 0; fine[i]; i++) {
        mt_resp *r = post_hook(s, key, "create", fine[i], NULL, &id);
        MT_ASSERT_JSON_STR(r->json, "hook", fine[i]);
        mt_resp_free(r);
    }

    /* nor can an update point a hook inward */
    char body[512];
    snprintf(body, sizeof body, "{\"hook\": \"%s\"}", own);
    mt_resp *r = call(s, "PUT", key, body, HOOKS "/%lld", (long long)id);
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    r = call(s, "PUT", key, "{\"hook\": \"http://192.168.0.10/x\"}", HOOKS "/%lld", (long long)id);
    fix_assert_422(r, "hook");
    mt_resp_free(r);
    free(own);
}

/* "localhost." is localhost written as a fully qualified name. */
static void test_private_url_fqdn_localhost(void **state)
{
    struct fx *f = *state;
    mt_resp *r = post_raw(f->s, "{\"target\": \"User\", \"event\": \"create\", \"hook\": "
                                "\"http://localhost./hook\"}");
    fix_assert_422(r, "hook");
    mt_resp_free(r);
}

/* A local name that resolves to 127.0.0.1 (not "localhost"), or NULL. */
static const char *loopback_name(char *buf, size_t size)
{
    const char *candidates[3] = {NULL, "ip6-localhost", "localhost.localdomain"};
    if (gethostname(buf, size) == 0) {
        buf[size - 1] = '\0';
        candidates[0] = buf;
    }
    for (int i = 0; i < 3; i++) {
        const char *name = candidates[i];
        if (!name || !*name || !strcmp(name, "localhost"))
            continue;
        struct addrinfo hints = {0}, *res = NULL;
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(name, NULL, &hints, &res) != 0)
            continue;
        bool loop = res && ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr ==
                               htonl(INADDR_LOOPBACK);
        freeaddrinfo(res);
        if (loop) {
            if (name != buf)
                snprintf(buf, size, "%s", name);
            return buf;
        }
    }
    return NULL;
}

/* A name that passes the check at creation but resolves to a loopback address is refused when
 * delivering: the receiver (listening on 127.0.0.1) gets nothing. */
static void test_private_resolved_refused_at_delivery(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    json_int_t hooks[2] = {0, 0};
    char url[512];

    /* a host name of this machine that resolves to 127.0.0.1 */
    char name[256];
    if (loopback_name(name, sizeof name)) {
        snprintf(url, sizeof url, "http://%s:%d/resolved", name, rcv_port(f->rc));
        mt_resp_free(post_hook(s, key, "create", url, NULL, &hooks[0]));
    } else {
        print_message("no host name of this machine resolves to 127.0.0.1: part skipped\n");
    }
    /* "localhost." (test_private_url_fqdn_localhost), should it be accepted */
    snprintf(url, sizeof url,
             "{\"target\": \"User\", \"event\": \"create\", \"hook\": "
             "\"http://localhost.:%d/fqdn\"}",
             rcv_port(f->rc));
    mt_resp *r = post_raw(s, url);
    if (r->status == 200)
        hooks[1] = mt_json_int(r->json, "id");
    else
        fix_assert_422(r, "hook");
    mt_resp_free(r);
    if (!hooks[0] && !hooks[1])
        skip();

    make_user(s, key, "Resolved", NULL);
    for (int i = 0; i < 2; i++) {
        if (!hooks[i])
            continue;
        json_int_t d = only_delivery(s, hooks[i]);
        r = wait_delivery_attempts(s, hooks[i], d, 2, 5000);
        assert_delivery_shape(r->json);
        MT_ASSERT_JSON_STR(r->json, "status", "pending");
        MT_ASSERT_JSON_NULL(r->json, "last_response_code");
        assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
        MT_ASSERT_JSON_NULL(r->json, "delivered_at");
        mt_resp_free(r);
    }
    assert_int_equal(rcv_count(f->rc), 0);
}

/* ---- signature_key is for administrators ---------------------------------------------------- */

static void test_signature_key_admin_only(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *admin = mt_admin_key(s);
    json_int_t id = hook_to(f, admin, "create", "/h", KEY_A, NULL);

    char *read = mt_account_key(s, MT_ACCOUNT, "read");
    char *full = mt_account_key(s, MT_ACCOUNT, "full");

    /* an account read key is not an administrator */
    mt_resp *r = call(s, "GET", read, NULL, HOOKS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, false);
    assert_null(strstr(r->body, KEY_A));
    mt_resp_free(r);
    r = call(s, "GET", read, NULL, HOOKS);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 1);
    assert_hook_shape(json_array_get(r->json, 0), false);
    assert_null(strstr(r->body, KEY_A));
    mt_resp_free(r);

    /* a full account key is */
    r = call(s, "GET", full, NULL, HOOKS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, true);
    MT_ASSERT_JSON_STR(r->json, "signature_key", KEY_A);
    mt_resp_free(r);
    json_int_t id2;
    r = post_hook(s, full, "update", "https://example.org/x", KEY_B, &id2);
    MT_ASSERT_JSON_STR(r->json, "signature_key", KEY_B);
    mt_resp_free(r);

    /* a user whose role reads settings but is not an administrator */
    mt_resp *roles = call(s, "GET", admin, NULL, "/api/v1/users/roles");
    MT_ASSERT_STATUS(roles, 200);
    json_int_t readonly_role = 0, employee_role = 0;
    size_t i;
    json_t *role;
    json_array_foreach(roles->json, i, role)
    {
        const char *name = json_string_value(json_object_get(role, "name"));
        if (name && !strcmp(name, "Read-only"))
            readonly_role = json_integer_value(json_object_get(role, "id"));
        if (name && !strcmp(name, "Employee"))
            employee_role = json_integer_value(json_object_get(role, "id"));
    }
    mt_resp_free(roles);
    assert_true(readonly_role > 0 && employee_role > 0);
    const char *password = "reader-pass-123";
    json_int_t reader =
        make_user(s, admin, "Reader",
                  json_pack("{s:I, s:s}", "role_id", readonly_role, "password", password));
    mt_resp *u = get_user(s, admin, reader);
    json_t *login =
        json_pack("{s:s, s:s}", "email", mt_json_str(u->json, "email"), "password", password);
    mt_resp_free(u);
    r = mt_request_json(s, "POST", "/api/v1/session", NULL, login, NULL);
    MT_ASSERT_STATUS(r, 200);
    char *reader_key = strdup(mt_json_str(r->json, "api_key"));
    mt_resp_free(r);
    r = call(s, "GET", reader_key, NULL, HOOKS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_hook_shape(r->json, false);
    mt_resp_free(r);
    r = call(s, "GET", reader_key, NULL, HOOKS "/%lld/deliveries", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = call(s, "POST", reader_key,
             "{\"target\": \"User\", \"event\": \"create\", \"hook\": \"https://example.org/x\"}",
             HOOKS);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    /* an employee (settings: none) sees no hooks at all */
    json_int_t employee =
        make_user(s, admin, "Employee",
                  json_pack("{s:I, s:s}", "role_id", employee_role, "password", password));
    u = get_user(s, admin, employee);
    login = json_pack("{s:s, s:s}", "email", mt_json_str(u->json, "email"), "password", password);
    mt_resp_free(u);
    r = mt_request_json(s, "POST", "/api/v1/session", NULL, login, NULL);
    MT_ASSERT_STATUS(r, 200);
    char *employee_key = strdup(mt_json_str(r->json, "api_key"));
    mt_resp_free(r);
    r = call(s, "GET", employee_key, NULL, HOOKS);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = call(s, "GET", employee_key, NULL, HOOKS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    free(employee_key);
    free(reader_key);
    free(read);
    free(full);
}

/* ---- delivery ------------------------------------------------------------------------------ */

static void test_delivery_headers_signature_payload(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    json_int_t admin_id = session_user_id(s, key);
    json_int_t h1 = hook_to(f, key, "create", "/given", KEY_A, NULL);
    char *generated = NULL;
    json_int_t h2 = hook_to(f, key, "create", "/generated", NULL, &generated);

    int64_t t0 = wall_ms();
    json_int_t uid = make_user(s, key, "Headers", NULL);
    int64_t t1 = wall_ms();

    /* the outbox is written with the change: one delivery per subscribed hook */
    json_int_t d1 = only_delivery(s, h1);
    json_int_t d2 = only_delivery(s, h2);

    expect_requests(f, "/given", 1, 5000);
    expect_requests(f, "/generated", 1, 5000);
    const rcv_request *q = rcv_nth_path(f->rc, "/given", 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->target, "/given");
    const char *ct = rcv_header(q, "Content-Type");
    assert_non_null(ct);
    assert_true(!strncmp(ct, "application/json", 16));
    assert_header(q, "X-Moco-Target", "User");
    assert_header(q, "X-Moco-Event", "create");
    json_int_t ts = header_int(q, "X-Moco-Timestamp"); /* milliseconds */
    if (ts < t0 || ts > t1)
        fail_msg("X-Moco-Timestamp %lld is not within the request (%lld..%lld ms)", (long long)ts,
                 (long long)t0, (long long)t1);
    assert_int_equal(header_int(q, "X-Moco-User-Id"), admin_id);
    assert_header(q, "X-Moco-Account-Url", "http://" MT_ACCOUNT "." MT_BASE_DOMAIN);
    assert_int_equal(header_int(q, "X-Moco-Delivery-Id"), d1);
    assert_true(is_lower_hex(rcv_header(q, "X-Moco-Signature"), 64));
    assert_signed(q, KEY_A);

    /* the payload is the user as GET /users/{id} renders it */
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q, u);
    json_t *payload = json_loadb(q->body, q->body_len, 0, NULL);
    assert_non_null(payload);
    MT_ASSERT_JSON_INT(payload, "id", uid);
    json_decref(payload);

    /* the other hook: its own key, its own delivery id, the same payload */
    const rcv_request *q2 = rcv_nth_path(f->rc, "/generated", 0);
    assert_int_equal(header_int(q2, "X-Moco-Delivery-Id"), d2);
    assert_signed(q2, generated);
    assert_string_not_equal(rcv_header(q2, "X-Moco-Signature"), rcv_header(q, "X-Moco-Signature"));
    assert_body_is(q2, u);
    assert_header(q2, "X-Moco-Timestamp", rcv_header(q, "X-Moco-Timestamp"));
    mt_resp_free(u);

    /* the delivery log */
    mt_resp *r = wait_delivery_status(s, h1, d1, "delivered", 5000);
    assert_delivered(r->json, 1);
    MT_ASSERT_JSON_INT(r->json, "id", d1);
    MT_ASSERT_JSON_STR(r->json, "target", "User");
    MT_ASSERT_JSON_STR(r->json, "event", "create");
    MT_ASSERT_JSON_INT(r->json, "entity_id", uid);
    mt_resp_free(r);
    r = get_deliveries(s, h1);
    MT_ASSERT_HEADER(r, "X-Total", "1");
    assert_delivered(json_array_get(r->json, 0), 1);
    mt_resp_free(r);
    r = wait_delivery_status(s, h2, d2, "delivered", 5000);
    assert_delivered(r->json, 1);
    mt_resp_free(r);
    assert_int_equal(count_deliveries_in(s, h1, "delivered"), 1);
    assert_int_equal(count_deliveries_in(s, h1, "failed"), 0);

    /* a delivery belongs to its hook */
    r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)h2, (long long)d1);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/999999", (long long)h1);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* delivered once */
    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 2);
    free(generated);
}

/* Each event goes to the hooks subscribed to it, and only those; a disabled hook gets nothing. */
static void test_events_routed(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    char *kc, *ku, *kd;
    json_int_t hc = hook_to(f, key, "create", "/create", NULL, &kc);
    json_int_t hu = hook_to(f, key, "update", "/update", NULL, &ku);
    json_int_t hd = hook_to(f, key, "delete", "/delete", NULL, &kd);
    json_int_t hx = hook_to(f, key, "create", "/disabled", NULL, NULL);
    mt_resp *r = call(s, "PUT", key, NULL, HOOKS "/%lld/disable", (long long)hx);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* create */
    json_int_t uid = make_user(s, key, "Routed", NULL);
    assert_int_equal(count_deliveries(s, hc), 1);
    assert_int_equal(count_deliveries(s, hu), 0);
    assert_int_equal(count_deliveries(s, hd), 0);
    assert_int_equal(count_deliveries(s, hx), 0);
    expect_requests(f, "/create", 1, 5000);
    const rcv_request *q = rcv_nth_path(f->rc, "/create", 0);
    assert_header(q, "X-Moco-Event", "create");
    assert_header(q, "X-Moco-Target", "User");
    assert_signed(q, kc);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q, u);
    mt_resp_free(u);

    /* update */
    r = call(s, "PUT", key, "{\"lastname\": \"Changed\", \"info\": \"\\u00e4\\\"quoted\\\"\"}",
             "/api/v1/users/%lld", (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    assert_int_equal(count_deliveries(s, hc), 1);
    assert_int_equal(count_deliveries(s, hu), 1);
    assert_int_equal(count_deliveries(s, hd), 0);
    expect_requests(f, "/update", 1, 5000);
    q = rcv_nth_path(f->rc, "/update", 0);
    assert_header(q, "X-Moco-Event", "update");
    assert_signed(q, ku);
    u = get_user(s, key, uid);
    MT_ASSERT_JSON_STR(u->json, "lastname", "Changed");
    assert_body_is(q, u);
    mt_resp_free(u);

    /* a change of the user's taggings is an update of the user */
    r = call(s, "PUT", key, "{\"tags\": [\"vip\", \"remote\"]}", "/api/v1/taggings/User/%lld",
             (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    assert_int_equal(count_deliveries(s, hu), 2);
    expect_requests(f, "/update", 2, 5000);
    q = rcv_nth_path(f->rc, "/update", 1);
    assert_header(q, "X-Moco-Event", "update");
    assert_signed(q, ku);
    u = get_user(s, key, uid);
    assert_int_equal(mt_json_len(u->json, "tags"), 2);
    assert_body_is(q, u);
    mt_resp_free(u);

    /* delete: the entity as it was */
    mt_resp *before = get_user(s, key, uid);
    r = call(s, "DELETE", key, NULL, "/api/v1/users/%lld", (long long)uid);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    assert_int_equal(count_deliveries(s, hd), 1);
    expect_requests(f, "/delete", 1, 5000);
    q = rcv_nth_path(f->rc, "/delete", 0);
    assert_header(q, "X-Moco-Event", "delete");
    assert_header(q, "X-Moco-Target", "User");
    assert_signed(q, kd);
    assert_body_is(q, before);
    mt_resp_free(before);
    r = get_deliveries(s, hd);
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", uid);
    MT_ASSERT_JSON_STR(r->json, "[0].event", "delete");
    mt_resp_free(r);

    /* nothing else arrived; the disabled hook got nothing, and no backlog when enabled */
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/enable", (long long)hx);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    sleep_ms(400);
    assert_int_equal(rcv_count_path(f->rc, "/create"), 1);
    assert_int_equal(rcv_count_path(f->rc, "/update"), 2);
    assert_int_equal(rcv_count_path(f->rc, "/delete"), 1);
    assert_int_equal(rcv_count_path(f->rc, "/disabled"), 0);
    assert_int_equal(rcv_count(f->rc), 4);
    assert_int_equal(count_deliveries(s, hx), 0);
    assert_int_equal(count_deliveries(s, hc), 1);

    /* the enabled hook now receives */
    make_user(s, key, "Later", NULL);
    expect_requests(f, "/disabled", 1, 5000);
    free(kc);
    free(ku);
    free(kd);
}

/* ---- failures and retries ------------------------------------------------------------------- */

/* 500, 500, then 200: three attempts of the same delivery, back-off between them. */
static void test_retry_after_500(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_push_reply(f->rc, 500, 0);
    rcv_push_reply(f->rc, 500, 600); /* held, so that the log can be read meanwhile */
    json_int_t hook = hook_to(f, key, "create", "/retry", KEY_A, NULL);
    json_int_t uid = make_user(s, key, "Retry", NULL);
    json_int_t d = only_delivery(s, hook);

    expect_requests(f, NULL, 2, 5000);
    /* the first failure is in the log while the second attempt is being answered */
    mt_resp *r =
        call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)hook, (long long)d);
    MT_ASSERT_STATUS(r, 200);
    assert_delivery_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_INT(r->json, "attempts", 1);
    MT_ASSERT_JSON_INT(r->json, "last_response_code", 500);
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    MT_ASSERT_TIMESTAMP(r->json, "next_attempt_at");
    MT_ASSERT_JSON_NULL(r->json, "delivered_at");
    mt_resp_free(r);

    expect_requests(f, NULL, 3, 5000);
    r = wait_delivery_status(s, hook, d, "delivered", 5000);
    assert_delivered(r->json, 3);
    MT_ASSERT_JSON_INT(r->json, "entity_id", uid);
    mt_resp_free(r);

    const rcv_request *q0 = rcv_at(f->rc, 0), *q1 = rcv_at(f->rc, 1), *q2 = rcv_at(f->rc, 2);
    assert_int_equal(q0->status, 500);
    assert_int_equal(q1->status, 500);
    assert_int_equal(q2->status, 200);
    assert_int_equal(header_int(q0, "X-Moco-Delivery-Id"), d);
    assert_same_delivery(q0, q1);
    assert_same_delivery(q0, q2);
    assert_signed(q2, KEY_A);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q2, u);
    mt_resp_free(u);
    /* back-off: base 0.1 s after the first failure, 0.2 s after the second (which took 0.6 s) */
    int64_t gap1 = q1->mono_ms - q0->mono_ms, gap2 = q2->mono_ms - q1->mono_ms;
    if (gap1 < 90 || gap2 < 600 + 190)
        fail_msg("retries came too early: %lld ms and %lld ms apart", (long long)gap1,
                 (long long)gap2);

    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 3);
}

/* A receiver slower than --webhook-timeout 0.5 fails the attempt; the retry succeeds. */
static void test_retry_after_timeout(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_push_reply(f->rc, 200, 1500);
    rcv_push_reply(f->rc, 200, 250);
    json_int_t hook = hook_to(f, key, "create", "/slow", KEY_A, NULL);
    make_user(s, key, "Slow", NULL);
    json_int_t d = only_delivery(s, hook);

    expect_requests(f, NULL, 2, 6000);
    mt_resp *r =
        call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)hook, (long long)d);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_INT(r->json, "attempts", 1);
    MT_ASSERT_JSON_NULL(r->json, "last_response_code");
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    mt_resp_free(r);

    r = wait_delivery_status(s, hook, d, "delivered", 5000);
    assert_delivered(r->json, 2);
    mt_resp_free(r);
    const rcv_request *q0 = rcv_at(f->rc, 0), *q1 = rcv_at(f->rc, 1);
    assert_same_delivery(q0, q1);
    assert_int_equal(header_int(q1, "X-Moco-Delivery-Id"), d);
    assert_signed(q1, KEY_A);
    /* the first attempt was given up after 0.5 s, not when the answer came at 1.5 s */
    int64_t gap = q1->mono_ms - q0->mono_ms;
    if (gap < 480 || gap >= 1500)
        fail_msg("the retry came %lld ms after the first attempt (timeout 0.5 s, answer at 1.5 s)",
                 (long long)gap);
    sleep_ms(1500); /* the late answer to the first attempt changes nothing */
    r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)hook, (long long)d);
    assert_delivered(r->json, 2);
    mt_resp_free(r);
    assert_int_equal(rcv_count(f->rc), 2);
}

/* Connection refused is a failure too; the delivery arrives once the receiver listens. */
static void test_refused_then_delivered(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_refuse(f->rc);
    json_int_t hook = hook_to(f, key, "create", "/later", KEY_A, NULL);
    json_int_t uid = make_user(s, key, "Refused", NULL);
    json_int_t d = only_delivery(s, hook);
    mt_resp *r = wait_delivery_attempts(s, hook, d, 2, 5000);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_NULL(r->json, "last_response_code");
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)hook);
    assert_false(mt_json_bool(r->json, "disabled"));
    mt_resp_free(r);
    assert_int_equal(rcv_count(f->rc), 0);

    assert_true(rcv_accept(f->rc));
    expect_requests(f, "/later", 1, 5000);
    const rcv_request *q = rcv_at(f->rc, 0);
    assert_int_equal(header_int(q, "X-Moco-Delivery-Id"), d);
    assert_signed(q, KEY_A);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q, u);
    mt_resp_free(u);
    r = wait_delivery_status(s, hook, d, "delivered", 5000);
    MT_ASSERT_JSON_INT(r->json, "last_response_code", 200);
    MT_ASSERT_JSON_NULL(r->json, "last_error");
    assert_true(mt_json_int(r->json, "attempts") >= 3);
    mt_resp_free(r);
}

/* --webhook-max-failures 3: the third consecutive failure disables the hook. */
static void test_auto_disable(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_set_reply(f->rc, 500, 0);
    json_int_t hook = hook_to(f, key, "create", "/fail", NULL, NULL);
    make_user(s, key, "Failing", NULL);
    json_int_t d = only_delivery(s, hook);

    mt_resp *r = wait_hook_disabled(s, hook, 10000);
    assert_hook_shape(r->json, true);
    assert_true(mt_json_bool(r->json, "disabled"));
    MT_ASSERT_TIMESTAMP(r->json, "disabled_at");
    mt_resp_free(r);
    r = wait_delivery_status(s, hook, d, "failed", 2000);
    assert_delivery_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "attempts", 3);
    MT_ASSERT_JSON_INT(r->json, "last_response_code", 500);
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    MT_ASSERT_JSON_NULL(r->json, "delivered_at");
    mt_resp_free(r);
    assert_int_equal(rcv_count(f->rc), 3);

    /* no more attempts; events while disabled are kept as skipped, not sent */
    make_user(s, key, "Ignored", NULL);
    sleep_ms(500);
    assert_int_equal(rcv_count(f->rc), 3);
    assert_int_equal(count_deliveries(s, hook), 2);
}

/* The events a hook misses while it is disabled after its failures stay in its log as skipped;
 * once the receiver works again, POST .../deliveries/redeliver?status=failed,skipped sends them
 * all: nothing is lost to an outage. A hook a client disabled keeps nothing. */
static void test_skipped_then_redeliver_all(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_set_reply(f->rc, 500, 0);
    json_int_t hook = hook_to(f, key, "create", "/down", KEY_A, NULL);
    json_int_t first = make_user(s, key, "First", NULL);
    json_int_t d = only_delivery(s, hook);
    mt_resp_free(wait_hook_disabled(s, hook, 10000));
    mt_resp_free(wait_delivery_status(s, hook, d, "failed", 2000));
    assert_int_equal(rcv_count(f->rc), 3);

    json_int_t missed[2];
    for (int i = 0; i < 2; i++)
        missed[i] = make_user(s, key, "Missed", NULL);
    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 3);
    mt_resp *r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries?status=skipped&sort_by=id",
                      (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(r->json, i);
        assert_delivery_shape(e);
        MT_ASSERT_JSON_STR(e, "status", "skipped");
        MT_ASSERT_JSON_INT(e, "attempts", 0);
        MT_ASSERT_JSON_INT(e, "entity_id", missed[i]);
        MT_ASSERT_JSON_NULL(e, "next_attempt_at");
    }
    mt_resp_free(r);

    /* not with a read-only key; only known statuses */
    char *read = mt_account_key(s, MT_ACCOUNT, "read");
    r = call(s, "POST", read, NULL, HOOKS "/%lld/deliveries/redeliver", (long long)hook);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    free(read);
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/redeliver?status=delivered",
             (long long)hook);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);

    /* the receiver works again: enable, then redeliver all three */
    rcv_set_reply(f->rc, 200, 0);
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/enable", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/redeliver?status=failed,skipped",
             (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(r->json, i);
        assert_delivery_shape(e);
        MT_ASSERT_JSON_STR(e, "status", "pending");
        MT_ASSERT_JSON_INT(e, "entity_id", i == 0 ? first : missed[i - 1]);
    }
    mt_resp_free(r);
    expect_requests(f, NULL, 6, 5000);
    for (size_t i = 3; i < 6; i++)
        assert_signed(rcv_at(f->rc, i), KEY_A);
    for (int tries = 0; count_deliveries_in(s, hook, "delivered") < 3 && tries < 50; tries++)
        sleep_ms(100);
    assert_int_equal(count_deliveries_in(s, hook, "delivered"), 3);
    /* nothing left to redeliver */
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/redeliver", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 0);
    mt_resp_free(r);

    /* disabled by a client: events are not kept */
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/disable", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    make_user(s, key, "Unwanted", NULL);
    assert_int_equal(count_deliveries(s, hook), 3);
    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 6);
}

/* Failures count across deliveries; disabling fails the deliveries still waiting. */
static void test_auto_disable_fails_pending(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_set_reply(f->rc, 500, 0);
    json_int_t hook = hook_to(f, key, "create", "/fail", NULL, NULL);

    json_int_t ids[3];
    for (int i = 0; i < 3; i++) {
        make_user(s, key, "Pending", NULL);
        mt_resp *r = get_deliveries(s, hook);
        assert_int_equal(mt_json_len(r->json, NULL), (size_t)i + 1);
        mt_resp_free(r);
        expect_requests(f, NULL, (size_t)i + 1, 5000);
        r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries?sort_by=id", (long long)hook);
        MT_ASSERT_STATUS(r, 200);
        ids[i] = mt_json_int(json_array_get(r->json, (size_t)i), "id");
        mt_resp_free(r);
        if (i < 2) { /* failed once, next attempt in 10 s: waiting */
            r = wait_delivery_attempts(s, hook, ids[i], 1, 5000);
            MT_ASSERT_JSON_STR(r->json, "status", "pending");
            mt_resp_free(r);
            r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)hook);
            assert_false(mt_json_bool(r->json, "disabled"));
            mt_resp_free(r);
        }
    }
    mt_resp *r = wait_hook_disabled(s, hook, 5000);
    MT_ASSERT_TIMESTAMP(r->json, "disabled_at");
    mt_resp_free(r);
    for (int i = 0; i < 3; i++) {
        r = wait_delivery_status(s, hook, ids[i], "failed", 2000);
        MT_ASSERT_JSON_INT(r->json, "attempts", 1);
        MT_ASSERT_JSON_INT(r->json, "last_response_code", 500);
        mt_resp_free(r);
    }
    assert_int_equal(count_deliveries_in(s, hook, "pending"), 0);
    assert_int_equal(rcv_count(f->rc), 3);
}

/* A success resets the count of consecutive failures. */
static void test_success_resets_failures(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    json_int_t hook = hook_to(f, key, "create", "/flaky", NULL, NULL);
    for (int round = 0; round < 2; round++) {
        rcv_push_reply(f->rc, 500, 0);
        rcv_push_reply(f->rc, 500, 0);
        make_user(s, key, "Flaky", NULL);
        mt_resp *r = get_deliveries(s, hook);
        json_int_t d = mt_json_int(json_array_get(r->json, json_array_size(r->json) - 1), "id");
        mt_resp_free(r);
        r = wait_delivery_status(s, hook, d, "delivered", 5000);
        assert_delivered(r->json, 3);
        mt_resp_free(r);
        r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)hook);
        assert_false(mt_json_bool(r->json, "disabled")); /* 2 + 2 failures, but not in a row */
        MT_ASSERT_JSON_NULL(r->json, "disabled_at");
        mt_resp_free(r);
    }
    assert_int_equal(rcv_count(f->rc), 6);
}

/* POST .../deliveries/{id}/redeliver: a failed delivery is sent again under its id; a delivered
 * one is queued anew under a new id. */
static void test_redeliver(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_set_reply(f->rc, 500, 0);
    json_int_t hook = hook_to(f, key, "create", "/again", KEY_A, NULL);
    json_int_t other_hook = hook_to(f, key, "update", "/other", NULL, NULL);
    json_int_t uid = make_user(s, key, "Again", NULL);
    json_int_t d = only_delivery(s, hook);
    mt_resp_free(wait_hook_disabled(s, hook, 10000));
    mt_resp *r = wait_delivery_status(s, hook, d, "failed", 2000);
    MT_ASSERT_JSON_INT(r->json, "attempts", 3);
    mt_resp_free(r);
    assert_int_equal(rcv_count(f->rc), 3);

    /* not with a read-only key, not through another hook, not an unknown delivery */
    char *read = mt_account_key(s, MT_ACCOUNT, "read");
    r = call(s, "POST", read, NULL, HOOKS "/%lld/deliveries/%lld/redeliver", (long long)hook,
             (long long)d);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    free(read);
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/%lld/redeliver", (long long)other_hook,
             (long long)d);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/999999/redeliver", (long long)hook);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* enabling alone does not resend failed deliveries */
    rcv_set_reply(f->rc, 200, 0);
    r = call(s, "PUT", key, NULL, HOOKS "/%lld/enable", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "disabled"));
    mt_resp_free(r);
    sleep_ms(400);
    assert_int_equal(rcv_count(f->rc), 3);

    /* redeliver the failed one */
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/%lld/redeliver", (long long)hook,
             (long long)d);
    MT_ASSERT_STATUS(r, 200);
    assert_delivery_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", d);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    mt_resp_free(r);
    expect_requests(f, NULL, 4, 5000);
    const rcv_request *q0 = rcv_at(f->rc, 0), *q3 = rcv_at(f->rc, 3);
    assert_same_delivery(q0, q3);
    assert_int_equal(header_int(q3, "X-Moco-Delivery-Id"), d);
    assert_signed(q3, KEY_A);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q3, u);
    mt_resp_free(u);
    r = wait_delivery_status(s, hook, d, "delivered", 5000);
    assert_delivered(r->json, 4);
    mt_resp_free(r);

    /* redeliver the delivered one: a new delivery of the same event */
    r = call(s, "POST", key, NULL, HOOKS "/%lld/deliveries/%lld/redeliver", (long long)hook,
             (long long)d);
    MT_ASSERT_STATUS(r, 200);
    assert_delivery_shape(r->json);
    json_int_t d2 = mt_json_int(r->json, "id");
    assert_true(d2 != d);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_INT(r->json, "attempts", 0);
    MT_ASSERT_JSON_INT(r->json, "entity_id", uid);
    MT_ASSERT_JSON_STR(r->json, "event", "create");
    mt_resp_free(r);
    expect_requests(f, NULL, 5, 5000);
    const rcv_request *q4 = rcv_at(f->rc, 4);
    assert_int_equal(header_int(q4, "X-Moco-Delivery-Id"), d2);
    assert_int_equal(q4->body_len, q0->body_len);
    assert_memory_equal(q4->body, q0->body, q0->body_len);
    assert_signed(q4, KEY_A);
    r = wait_delivery_status(s, hook, d2, "delivered", 5000);
    assert_delivered(r->json, 1);
    mt_resp_free(r);
    r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)hook, (long long)d);
    assert_delivered(r->json, 4); /* the old one is untouched */
    mt_resp_free(r);
    assert_int_equal(count_deliveries(s, hook), 2);
    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 5);
}

/* The documented default: 500 consecutive failures disable a hook (back-off shortened to 1 ms). */
static void test_default_500_failures(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    rcv_set_reply(f->rc, 500, 0);
    json_int_t hook = hook_to(f, key, "create", "/always-500", NULL, NULL);
    make_user(s, key, "FiveHundred", NULL);
    json_int_t d = only_delivery(s, hook);

    int64_t start = mono_ms(), deadline = start + 60000;
    for (;;) {
        mt_resp *r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)hook);
        MT_ASSERT_STATUS(r, 200);
        bool disabled = mt_json_bool(r->json, "disabled");
        mt_resp_free(r);
        if (disabled)
            break;
        if (mono_ms() > deadline) {
            r = call(s, "GET", key, NULL, HOOKS "/%lld/deliveries/%lld", (long long)hook,
                     (long long)d);
            fail_msg("not disabled within 60 s (--webhook-retry-base/max 0.001 s): %zu requests "
                     "received (%.1f per second); delivery: %s",
                     rcv_count(f->rc), rcv_count(f->rc) / ((mono_ms() - start) / 1000.0), r->body);
        }
        sleep_ms(200);
    }
    mt_resp *r = call(s, "GET", key, NULL, HOOKS "/%lld", (long long)hook);
    MT_ASSERT_TIMESTAMP(r->json, "disabled_at");
    mt_resp_free(r);
    r = wait_delivery_status(s, hook, d, "failed", 2000);
    MT_ASSERT_JSON_INT(r->json, "attempts", 500);
    MT_ASSERT_JSON_INT(r->json, "last_response_code", 500);
    mt_resp_free(r);
    sleep_ms(200);
    assert_int_equal(rcv_count(f->rc), 500);
    assert_string_equal(rcv_header(rcv_at(f->rc, 0), "X-Moco-Delivery-Id"),
                        rcv_header(rcv_at(f->rc, 499), "X-Moco-Delivery-Id"));
}

/* ---- crash safety ---------------------------------------------------------------------------- */

static int pick_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* The mocod binary: MOCOD_BIN, else the one the mt server runs (before it is killed). */
static char *mocod_binary(mt_server *s)
{
    const char *bin = getenv("MOCOD_BIN");
    if (bin && *bin)
        return strdup(bin);
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/%d/exe", (int)mt_pid(s));
    ssize_t n = readlink(link, path, sizeof path - 1);
    assert_true(n > 0);
    path[n] = '\0';
    return strdup(path);
}

/* Spawn `mocod serve` on the mt server's database (same flags and environment as the fixture, log
 * appended to the mt server's log) and wait until it listens; sets g_base. */
static void spawn_own(struct fx *f, const char *bin)
{
    int port = pick_port();
    char listen[64], args[512];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(args, sizeof args, "%s", f->args);
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)bin;
    argv[n++] = "serve";
    argv[n++] = "--db";
    argv[n++] = (char *)mt_db_path(f->s);
    argv[n++] = "--listen";
    argv[n++] = listen;
    argv[n++] = "--base-domain";
    argv[n++] = MT_BASE_DOMAIN;
    argv[n++] = "--rate-limit";
    argv[n++] = "off";
    for (char *save = NULL, *tok = strtok_r(args, " ", &save); tok && n < 62;
         tok = strtok_r(NULL, " ", &save))
        argv[n++] = tok;
    argv[n] = NULL;
    int log = open(mt_log_path(f->s), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    assert_true(log >= 0);
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 4096)
        max_fd = 4096;
    char **env = mt_env(f->s); /* on PostgreSQL with the server's MOCOD_SECRET_FILE */
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* async-signal-safe calls only */
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(126);
#else
        (void)parent;
#endif
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull > 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(log, 1);
        dup2(log, 2);
        for (int fd = 3; fd < max_fd; fd++)
            close(fd);
        signal(SIGPIPE, SIG_DFL);
        execve(bin, argv, env);
        _exit(127);
    }
    mt_env_free(env);
    close(log);
    f->own = pid;
    int64_t deadline = mono_ms() + 10000;
    while (!port_accepts(port)) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            f->own = 0;
            mt_dump_log(f->s, 30);
            fail_msg("the restarted mocod serve exited before listening");
        }
        if (mono_ms() > deadline) {
            mt_dump_log(f->s, 30);
            fail_msg("the restarted mocod serve did not listen within 10 s");
        }
        sleep_ms(20);
    }
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%d", port);
}

/* SIGTERM a server spawned here and wait for it; returns its exit code (-1 if it had to be
 * killed). */
static int stop_own(pid_t pid)
{
    kill(pid, SIGTERM);
    int64_t deadline = mono_ms() + 10000;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (mono_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        sleep_ms(10);
    }
}

/* SIGKILL the mt server and wait until it is dead, without reaping it (mt reaps it at exit). */
static void kill9(struct fx *f)
{
    pid_t pid = mt_pid(f->s);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    f->killed = true;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
        ;
    assert_int_equal(info.si_code, CLD_KILLED);
}

/* The event is committed with the user; the server dies before it could deliver; the server
 * started again on the same database delivers it. */
static void test_survives_kill9(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    char *bin = mocod_binary(s);
    rcv_refuse(f->rc);
    json_int_t hook = hook_to(f, key, "create", "/crash", KEY_A, NULL);
    json_int_t uid = make_user(s, key, "Crash", NULL);
    kill9(f);

    assert_true(rcv_accept(f->rc));
    spawn_own(f, bin);
    free(bin);
    expect_requests(f, "/crash", 1, 20000);
    json_int_t d = only_delivery(s, hook);
    const rcv_request *q = rcv_at(f->rc, 0);
    assert_int_equal(header_int(q, "X-Moco-Delivery-Id"), d);
    assert_header(q, "X-Moco-Event", "create");
    assert_signed(q, KEY_A);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q, u);
    mt_resp_free(u);
    mt_resp *r = wait_delivery_status(s, hook, d, "delivered", 5000);
    assert_delivered(r->json, (int)mt_json_int(r->json, "attempts"));
    mt_resp_free(r);
    sleep_ms(300);
    assert_int_equal(rcv_count(f->rc), 1);

    int code = stop_own(f->own);
    f->own = 0;
    assert_int_equal(code, 0);
}

/* The server dies while the receiver is still answering: the delivery's lease runs out and the
 * restarted server sends it again (at least once, same delivery id). */
static void test_survives_kill9_in_flight(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *key = mt_admin_key(s);
    char *bin = mocod_binary(s);
    rcv_push_reply(f->rc, 200, 5000);
    json_int_t hook = hook_to(f, key, "create", "/crash", KEY_A, NULL);
    json_int_t uid = make_user(s, key, "InFlight", NULL);
    expect_requests(f, "/crash", 1, 5000);
    kill9(f);

    spawn_own(f, bin);
    free(bin);
    expect_requests(f, "/crash", 2, 20000);
    json_int_t d = only_delivery(s, hook);
    const rcv_request *q0 = rcv_at(f->rc, 0), *q1 = rcv_at(f->rc, 1);
    assert_same_delivery(q0, q1);
    assert_int_equal(header_int(q1, "X-Moco-Delivery-Id"), d);
    assert_signed(q1, KEY_A);
    mt_resp *u = get_user(s, key, uid);
    assert_body_is(q1, u);
    mt_resp_free(u);
    mt_resp *r = wait_delivery_status(s, hook, d, "delivered", 5000);
    MT_ASSERT_JSON_INT(r->json, "last_response_code", 200);
    mt_resp_free(r);

    int code = stop_own(f->own);
    f->own = 0;
    assert_int_equal(code, 0);
}

/* ---- tenants ------------------------------------------------------------------------------- */

static void test_isolation(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *acme = mt_admin_key(s);
    char *other = fix_new_other_key(s);
    json_int_t other_admin = session_user_id(s, other);

    const char *events[] = {"create", "update", "delete"};
    json_int_t acme_hooks[3], other_hooks[3];
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/acme-%s", events[i]);
        acme_hooks[i] = hook_to(f, acme, events[i], path, NULL, NULL);
        snprintf(path, sizeof path, "/other-%s", events[i]);
        other_hooks[i] = hook_to(f, other, events[i], path, NULL, NULL);
    }

    /* acme's events reach acme's hooks only */
    json_int_t uid = make_user(s, acme, "Acme", NULL);
    mt_resp *r =
        call(s, "PUT", acme, "{\"lastname\": \"Updated\"}", "/api/v1/users/%lld", (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = call(s, "DELETE", acme, NULL, "/api/v1/users/%lld", (long long)uid);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/acme-%s", events[i]);
        expect_requests(f, path, 1, 5000);
        assert_header(rcv_nth_path(f->rc, path, 0), "X-Moco-Account-Url",
                      "http://" MT_ACCOUNT "." MT_BASE_DOMAIN);
    }
    for (int i = 0; i < 3; i++) {
        r = call(s, "GET", other, NULL, HOOKS "/%lld/deliveries", (long long)other_hooks[i]);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(mt_json_len(r->json, NULL), 0);
        mt_resp_free(r);
    }

    /* acme's hooks and deliveries do not exist for other, and the reverse */
    json_int_t d = only_delivery(s, acme_hooks[0]);
    r = call(s, "GET", other, NULL, HOOKS);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, NULL), 3);
    mt_resp_free(r);
    r = call(s, "GET", other, NULL, HOOKS "/%lld", (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "PUT", other, "{\"hook\": \"https://example.org/stolen\"}", HOOKS "/%lld",
             (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "PUT", other, NULL, HOOKS "/%lld/disable", (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "DELETE", other, NULL, HOOKS "/%lld", (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", other, NULL, HOOKS "/%lld/deliveries", (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", other, NULL, HOOKS "/%lld/deliveries/%lld", (long long)acme_hooks[0],
             (long long)d);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", other, NULL, HOOKS "/%lld/deliveries/%lld", (long long)other_hooks[0],
             (long long)d);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "POST", other, NULL, HOOKS "/%lld/deliveries/%lld/redeliver",
             (long long)acme_hooks[0], (long long)d);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", acme, NULL, HOOKS "/%lld", (long long)other_hooks[0]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = call(s, "GET", acme, NULL, HOOKS "/%lld", (long long)acme_hooks[0]);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "disabled"));
    assert_true(strstr(mt_json_str(r->json, "hook"), "/acme-create") != NULL);
    mt_resp_free(r);

    /* other's events reach other's hooks only */
    make_user(s, other, "Other", NULL);
    expect_requests(f, "/other-create", 1, 5000);
    const rcv_request *q = rcv_nth_path(f->rc, "/other-create", 0);
    assert_header(q, "X-Moco-Account-Url", "http://" FIX_OTHER_ACCOUNT "." MT_BASE_DOMAIN);
    assert_int_equal(header_int(q, "X-Moco-User-Id"), other_admin);
    sleep_ms(400);
    assert_int_equal(rcv_count_path(f->rc, "/acme-create"), 1);
    assert_int_equal(rcv_count_path(f->rc, "/other-update"), 0);
    assert_int_equal(rcv_count_path(f->rc, "/other-delete"), 0);
    assert_int_equal(rcv_count(f->rc), 4);
    free(other);
}

/* One receiver that never answers delays only its own hooks: acme has 40 hooks at it (more than
 * the 32 deliveries the delivery thread used to have in flight in all), yet acme's hook at
 * another receiver and the other account's hook get their deliveries at once, well under the
 * 30 s a receiver has. */
static void test_fair_across_accounts_and_hooks(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->s;
    const char *acme = mt_admin_key(s);
    char *other = fix_new_other_key(s);
    rcv *slow = rcv_start();
    rcv_set_reply(slow, 200, 60000);
    char *slow_url = rcv_url(slow, "/slow");
    for (int i = 0; i < 40; i++)
        mt_resp_free(post_hook(s, acme, "create", slow_url, NULL, NULL));
    free(slow_url);
    hook_to(f, acme, "create", "/acme-fast", NULL, NULL);
    hook_to(f, other, "create", "/other", NULL, NULL);

    make_user(s, acme, "Acme", NULL);
    if (!rcv_wait(slow, 4, 5000))
        fail_msg("the slow receiver got %zu requests", rcv_count(slow));
    expect_requests(f, "/acme-fast", 1, 5000);
    make_user(s, other, "Other", NULL);
    expect_requests(f, "/other", 1, 5000);
    /* and again, while the slow receiver still holds its deliveries */
    make_user(s, other, "Other", NULL);
    expect_requests(f, "/other", 2, 5000);
    make_user(s, acme, "Acme", NULL);
    expect_requests(f, "/acme-fast", 2, 5000);
    rcv_free(slow);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_enable_disable, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_validation_names_every_field, setup_private,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_private_urls_refused, setup_strict, fx_teardown),
        cmocka_unit_test_setup_teardown(test_private_url_fqdn_localhost, setup_strict, fx_teardown),
        cmocka_unit_test_setup_teardown(test_private_resolved_refused_at_delivery, setup_strict,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_signature_key_admin_only, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delivery_headers_signature_payload, setup_private,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_events_routed, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_500, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_timeout, setup_timeout, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refused_then_delivered, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_auto_disable, setup_maxfail, fx_teardown),
        cmocka_unit_test_setup_teardown(test_auto_disable_fails_pending, setup_maxfail_slow,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_success_resets_failures, setup_maxfail, fx_teardown),
        cmocka_unit_test_setup_teardown(test_redeliver, setup_maxfail, fx_teardown),
        cmocka_unit_test_setup_teardown(test_skipped_then_redeliver_all, setup_maxfail,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_default_500_failures, setup_default500, fx_teardown),
        cmocka_unit_test_setup_teardown(test_survives_kill9, setup_crash, fx_teardown),
        cmocka_unit_test_setup_teardown(test_survives_kill9_in_flight, setup_crash, fx_teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup_private, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fair_across_accounts_and_hooks, setup_fair,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
