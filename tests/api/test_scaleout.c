/*
 * Several `mocod serve` processes on one database behave as one server: what one writes the
 * other reads at once (counts and cached answers too), concurrent creates through both keep every
 * acknowledged write with ids and number sequences that never collide, a key's rate limit is
 * counted by both together (a store shared by processes: PostgreSQL), each web hook event reaches
 * its hook once whichever process delivers, and a process killed with -9 loses neither an
 * acknowledged write nor the deliveries it held.
 *
 * Runs on the store the suite runs on (MOCOD_TEST_STORE); on SQLite two processes share one file
 * as well, but each counts its own rate limit (README), so that test is skipped there.
 */
#include "mt.h"
#include "receiver.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DELIVERY_ARGS                                                                              \
    "--webhook-allow-private --webhook-retry-base 1 --webhook-retry-max 1 --webhook-timeout 1"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- a client of its own per thread (mt's helpers are for the test thread) ---------------- */

struct sink {
    char *buf;
    size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *user)
{
    struct sink *s = user;
    char *grown = realloc(s->buf, s->len + size * n + 1);
    if (!grown)
        return 0;
    s->buf = grown;
    memcpy(s->buf + s->len, data, size * n);
    s->len += size * n;
    s->buf[s->len] = '\0';
    return size * n;
}

/* POST body to base+path with the key; the status (0: no answer) and the answer's JSON (NULL
 * unless a 200 with JSON; the caller decrefs it). */
static long post_json(CURL *h, const char *base, const char *path, const char *key,
                      const char *body, json_t **answer)
{
    char url[512], auth[128];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(auth, sizeof auth, "Authorization: Token token=%s", key);
    struct curl_slist *hd = curl_slist_append(NULL, auth);
    hd = curl_slist_append(hd, "Content-Type: application/json");
    struct sink out = {0};
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    *answer = status == 200 && out.buf ? json_loads(out.buf, 0, NULL) : NULL;
    free(out.buf);
    curl_slist_free_all(hd);
    return status;
}

/* post_json for a create: the new id, or 0 (no answer, not a 200, or no id). */
static long long post_create(CURL *h, const char *base, const char *path, const char *key,
                             const char *body)
{
    json_t *j = NULL;
    long st = post_json(h, base, path, key, body, &j);
    json_t *id = json_object_get(j, "id");
    long long v = st == 200 && json_is_integer(id) ? json_integer_value(id) : 0;
    json_decref(j);
    return v;
}

/* ---- fixtures ------------------------------------------------------------------------------ */

struct fx {
    mt_server *a, *b;
};

static int setup_pair(void **state, const char *args)
{
    struct fx *f = calloc(1, sizeof *f);
    f->a = mt_start(args);
    f->b = mt_start_sibling(f->a, args);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_pair(state, DELIVERY_ARGS);
}

static int setup_limited(void **state)
{
    return setup_pair(state, "--rate-limit 10/30");
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mt_stop(f->b);
    mt_stop(f->a);
    free(f);
    return 0;
}

static json_int_t total_of(mt_server *s, const char *key, const char *path)
{
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    const char *t = mt_header(r, "X-Total");
    assert_non_null(t);
    json_int_t n = strtoll(t, NULL, 10);
    mt_resp_free(r);
    return n;
}

/* ---- read your write, across processes ---------------------------------------------------- */

static void test_read_your_write(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    /* B answers (and caches) the list and its count first */
    json_int_t before = total_of(f->b, key, "/api/v1/units");
    assert_int_equal(total_of(f->b, key, "/api/v1/units"), before);

    json_int_t id = mt_create(f->a, "/api/v1/units", key, "{\"name\":\"Written on A\"}");
    assert_int_equal(total_of(f->b, key, "/api/v1/units"), before + 1);
    mt_resp *r = mt_getf(f->b, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Written on A");
    mt_resp_free(r);

    r = mt_requestf(f->b, "PUT", key, "{\"name\":\"Renamed on B\"}", "/api/v1/units/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(f->a, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Renamed on B");
    mt_resp_free(r);

    r = mt_deletef(f->a, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_getf(f->b, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    assert_int_equal(total_of(f->b, key, "/api/v1/units"), before);
}

/* ---- concurrent creates through both ------------------------------------------------------ */

#define WRITERS     4
#define PER_WRITER  25
#define MAX_CREATES (WRITERS * 400)

struct writer {
    const char *base[2];
    const char *key;
    const char *path;
    int n;     /* creates to make; 0: until *stop */
    int *stop; /* set by the test thread */
    int index;
    long long ids[MAX_CREATES / WRITERS];
    int acked;
    int failed; /* answers other than 200 (or none) */
};

static void *write_units(void *arg)
{
    struct writer *w = arg;
    CURL *h = curl_easy_init();
    for (int i = 0; w->n ? i < w->n : !__atomic_load_n(w->stop, __ATOMIC_SEQ_CST); i++) {
        if (w->acked >= (int)(sizeof w->ids / sizeof w->ids[0]))
            break;
        char body[128];
        snprintf(body, sizeof body, "{\"name\":\"Writer %d unit %d\"}", w->index, i);
        /* alternate between the processes; a dead one is simply not answering */
        long long id = post_create(h, w->base[i % 2], w->path, w->key, body);
        if (id > 0)
            w->ids[w->acked++] = id;
        else
            w->failed++;
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Every id in ids (n of them) is a unit that GET /units lists (through s). */
static void assert_units_listed(mt_server *s, const char *key, const long long *ids, int n)
{
    json_int_t total = total_of(s, key, "/api/v1/units?per_page=1");
    char *seen = calloc((size_t)total + 1, sizeof(long long));
    long long *have = (long long *)seen;
    size_t nhave = 0;
    for (int page = 1; (json_int_t)nhave < total; page++) {
        mt_resp *r = mt_getf(s, key, "/api/v1/units?per_page=100&page=%d", page);
        MT_ASSERT_STATUS(r, 200);
        size_t len = json_array_size(r->json);
        for (size_t i = 0; i < len && (json_int_t)nhave < total; i++)
            have[nhave++] = json_integer_value(json_object_get(json_array_get(r->json, i), "id"));
        mt_resp_free(r);
        if (!len)
            break;
    }
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < nhave && !found; k++)
            found = have[k] == ids[i];
        if (!found) {
            print_error("acknowledged unit %lld is not listed (%zu listed)\n", ids[i], nhave);
            fail();
        }
    }
    free(seen);
}

static void test_concurrent_creates(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    json_int_t before = total_of(f->a, key, "/api/v1/units");
    static struct writer w[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i] = (struct writer){
            .base = {mt_base_url(i % 2 ? f->b : f->a), mt_base_url(i % 2 ? f->a : f->b)},
            .key = key,
            .path = "/api/v1/units",
            .n = PER_WRITER,
            .index = i};
        assert_int_equal(pthread_create(&t[i], NULL, write_units, &w[i]), 0);
    }
    long long all[WRITERS * PER_WRITER];
    int n = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failed, 0);
        assert_int_equal(w[i].acked, PER_WRITER);
        for (int k = 0; k < w[i].acked; k++)
            all[n++] = w[i].ids[k];
    }
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (all[i] == all[k]) {
                print_error("id %lld was given twice\n", all[i]);
                fail();
            }
    assert_int_equal(total_of(f->b, key, "/api/v1/units"), before + n);
    assert_units_listed(f->b, key, all, n);
}

/* Projects without an identifier take the account's next number: made through both processes
 * at once, no two get the same. */
struct project_writer {
    const char *base;
    const char *key;
    long long customer;
    int n;
    char identifiers[10][32];
    int acked;
};

static void *write_projects(void *arg)
{
    struct project_writer *w = arg;
    CURL *h = curl_easy_init();
    for (int i = 0; i < w->n; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"name\":\"Parallel %d\",\"currency\":\"EUR\",\"leader_id\":1,"
                 "\"customer_id\":%lld,\"fixed_price\":false}",
                 i, w->customer);
        json_t *j = NULL;
        post_json(h, w->base, "/api/v1/projects", w->key, body, &j);
        const char *ident = json_string_value(json_object_get(j, "identifier"));
        if (ident && w->acked < 10)
            snprintf(w->identifiers[w->acked++], 32, "%s", ident);
        json_decref(j);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static void test_concurrent_number_sequence(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    json_int_t customer = mt_create(f->a, "/api/v1/companies", key,
                                    "{\"name\":\"Parallel Customer\",\"type\":\"customer\"}");
    static struct project_writer w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].base = mt_base_url(i % 2 ? f->b : f->a);
        w[i].key = key;
        w[i].customer = customer;
        w[i].n = 10;
        assert_int_equal(pthread_create(&t[i], NULL, write_projects, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w[i].acked, 10);
        for (int k = 0; k < 10; k++)
            for (int j = i; j < 4; j++)
                for (int m = j == i ? k + 1 : 0; m < 10; m++)
                    if (!strcmp(w[i].identifiers[k], w[j].identifiers[m])) {
                        print_error("identifier %s was given twice\n", w[i].identifiers[k]);
                        fail();
                    }
    }
}

/* ---- one rate limit for both ---------------------------------------------------------------- */

static void test_shared_rate_limit(void **state)
{
    struct fx *f = *state;
    if (!mt_on_postgres()) {
        print_message("SQLite: each process counts its own rate limit (README)\n");
        skip();
    }
    const char *key = mt_admin_key(f->a);
    /* 10 requests in 30 s in all, whichever process answers */
    for (int i = 0; i < 10; i++) {
        mt_resp *r = mt_get(i % 2 ? f->b : f->a, "/api/v1/session", key);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    for (int i = 0; i < 2; i++) {
        mt_resp *r = mt_get(i % 2 ? f->b : f->a, "/api/v1/session", key);
        MT_ASSERT_STATUS(r, 429);
        const char *wait = mt_header(r, "Retry-After");
        assert_non_null(wait);
        long secs = strtol(wait, NULL, 10);
        assert_true(secs >= 1 && secs <= 30);
        assert_non_null(mt_json_get(r->json, "message"));
        mt_resp_free(r);
    }
}

/* ---- web hooks: each event once ---------------------------------------------------------- */

static json_int_t hook_on(mt_server *s, const char *key, rcv *rc, const char *path)
{
    char *url = rcv_url(rc, path);
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "target", "Company", "event", "create", "hook", url);
    char *text = json_dumps(body, JSON_COMPACT);
    json_int_t id = mt_create(s, "/api/v1/account/web_hooks", key, text);
    free(text);
    json_decref(body);
    free(url);
    return id;
}

/* The entity ids of the requests received so far (as many as there are, in order). */
static int received_ids(rcv *rc, long long *ids, int cap)
{
    int n = 0;
    for (size_t i = 0; i < rcv_count(rc) && n < cap; i++) {
        const rcv_request *q = rcv_at(rc, i);
        json_t *j = json_loadb(q->body, q->body_len, 0, NULL);
        ids[n++] = json_integer_value(json_object_get(j, "id"));
        json_decref(j);
    }
    return n;
}

static void test_each_event_delivered_once(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    rcv *rc = rcv_start();
    hook_on(f->a, key, rc, "/once");
    enum { N = 30 };
    long long made[N];
    for (int i = 0; i < N; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"name\":\"Hooked %d\",\"type\":\"customer\"}", i);
        made[i] = mt_create(i % 2 ? f->b : f->a, "/api/v1/companies", key, body);
    }
    assert_true(rcv_wait(rc, N, 20000));
    sleep_ms(1500); /* a second delivery of any event would arrive by now */
    assert_int_equal(rcv_count(rc), N);
    long long got[N + 8];
    int n = received_ids(rc, got, N + 8);
    for (int i = 0; i < N; i++) {
        int times = 0;
        for (int k = 0; k < n; k++)
            times += got[k] == made[i];
        if (times != 1) {
            print_error("unit %lld: its create event arrived %d times\n", made[i], times);
            fail();
        }
    }
    rcv_free(rc);
}

/* A process dies (kill -9) while it holds deliveries that its receiver has not answered: their
 * leases run out and the other process delivers them. Every event arrives (at least once: the
 * dead process may have sent some), and every delivery ends delivered. */
static void test_kill9_while_holding_deliveries(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    rcv *rc = rcv_start();
    rcv_set_reply(rc, 200, 0);
    for (int i = 0; i < 3; i++)
        rcv_push_reply(rc, 200, 8000); /* held until long after the kill */
    json_int_t hook = hook_on(f->b, key, rc, "/held");
    /* only A runs delivery while the events are made: B is stopped and started again after */
    mt_stop(f->b);
    enum { N = 3 };
    long long made[N];
    for (int i = 0; i < N; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"name\":\"Held %d\",\"type\":\"customer\"}", i);
        made[i] = mt_create(f->a, "/api/v1/companies", key, body);
    }
    assert_true(rcv_wait(rc, N, 10000)); /* A holds all three */
    mt_kill9(f->a);
    f->b = mt_start_sibling(f->a, DELIVERY_ARGS);
    /* the lease (timeout 1 s + 5 s) runs out; B sends them again */
    assert_true(rcv_wait(rc, 2 * N, 30000));
    long long got[4 * N];
    int n = received_ids(rc, got, 4 * N);
    for (int i = 0; i < N; i++) {
        int times = 0;
        for (int k = 0; k < n; k++)
            times += got[k] == made[i];
        assert_true(times >= 1);
    }
    /* B's delivery log: every delivery delivered */
    for (int tries = 0;; tries++) {
        mt_resp *r =
            mt_getf(f->b, key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)hook);
        MT_ASSERT_STATUS(r, 200);
        size_t len = json_array_size(r->json), delivered = 0;
        for (size_t i = 0; i < len; i++) {
            const char *st =
                json_string_value(json_object_get(json_array_get(r->json, i), "status"));
            delivered += st && !strcmp(st, "delivered");
        }
        mt_resp_free(r);
        if (len == N && delivered == N)
            break;
        if (tries > 100) {
            print_error("%zu of %zu deliveries delivered\n", delivered, len);
            fail();
        }
        sleep_ms(100);
    }
    rcv_free(rc);
}

/* ---- durability: kill -9 under concurrent writers ------------------------------------------ */

static void test_kill9_loses_no_acknowledged_write(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->a);
    static struct writer w[WRITERS];
    static int stop;
    stop = 0;
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i] = (struct writer){.base = {mt_base_url(f->a), mt_base_url(f->b)},
                               .key = key,
                               .path = "/api/v1/units",
                               .stop = &stop,
                               .index = 100 + i};
        assert_int_equal(pthread_create(&t[i], NULL, write_units, &w[i]), 0);
    }
    sleep_ms(1500);
    mt_kill9(f->a); /* mid-write: some of A's requests get no answer */
    sleep_ms(1000);
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    static long long all[MAX_CREATES];
    int n = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        for (int k = 0; k < w[i].acked; k++)
            all[n++] = w[i].ids[k];
    }
    assert_true(n > 20);
    /* what was acknowledged, by either, is there; A started again on the database agrees */
    assert_units_listed(f->b, key, all, n);
    mt_server *again = mt_start_sibling(f->b, NULL);
    assert_units_listed(again, key, all, n);
    mt_stop(again);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_your_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_number_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_rate_limit, setup_limited, teardown),
        cmocka_unit_test_setup_teardown(test_each_event_delivered_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_while_holding_deliveries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_loses_no_acknowledged_write, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
