/*
 * API tests of what the engine declares for every resource family: number sequences (project
 * identifiers) under concurrent creates, uniqueness within a scope, acting-user defaults, date
 * ranges, child rows written with their parent, and declared actions (their write path bumps the
 * data version, so cached reads see them, and they are refused to read-only keys).
 *
 * One server for the whole file; every test makes entities of its own.
 */
#include "fixtures.h"
#include "mt.h"
#include "receiver.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITERS      8
#define PER_WRITER   12
#define PROJECTS_URL "/api/v1/projects"

static json_int_t admin_id(mt_server *s)
{
    return fix_session_user_id(s, mt_admin_key(s));
}

/* ---- number sequences ------------------------------------------------------------------- */

struct writer {
    mt_server *s;
    const char *url, *auth; /* made before the threads start */
    json_int_t leader, customer;
    int n;
    char identifiers[PER_WRITER][16];
    int ok;
};

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
    strncat(ctx, data, size * n < 4000 - strlen(ctx) ? size * n : 4000 - strlen(ctx));
    return size * n;
}

/* Each writer has a connection of its own (the mt client is for one thread). */
static void *create_projects(void *arg)
{
    struct writer *w = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, w->auth);
    for (int i = 0; c && i < PER_WRITER; i++) {
        char name[64], reply[4096] = "";
        snprintf(name, sizeof(name), "Concurrent %d-%d", w->n, i);
        json_t *body = fix_project_body(name, NULL, w->leader, w->customer);
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        curl_easy_setopt(c, CURLOPT_URL, w->url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        free(text);
        json_t *j = status == 200 ? json_loads(reply, 0, NULL) : NULL;
        const char *ident = json_string_value(json_object_get(j, "identifier"));
        if (ident && strlen(ident) < sizeof(w->identifiers[0]))
            snprintf(w->identifiers[w->ok++], sizeof(w->identifiers[0]), "%s", ident);
        json_decref(j);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* Project identifiers come from the account's sequence: concurrent creates never share one and
 * leave no gap; a manually given identifier is skipped; a refused create uses no number. */
static void test_sequence_concurrent_creates(void **state)
{
    mt_server *s = *state;
    json_int_t leader = admin_id(s);
    json_int_t customer = fix_create_company_as(s, mt_admin_key(s), "customer", "Sequence AG");
    /* the first number, and one taken by hand ahead of the sequence */
    json_int_t first = fix_create_project_as(s, mt_admin_key(s), "First", NULL, leader, customer);
    mt_resp *r = mt_getf(s, mt_admin_key(s), PROJECTS_URL "/%lld", (long long)first);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "identifier", "P001");
    mt_resp_free(r);
    fix_create_project_as(s, mt_admin_key(s), "Manual", "P003", leader, customer);
    /* refused (no leader): takes no number */
    fix_expect_422(s, "POST", mt_admin_key(s),
                   "{\"name\":\"Refused\",\"currency\":\"EUR\",\"customer_id\":1,"
                   "\"fixed_price\":false}",
                   "leader_id", PROJECTS_URL);

    struct writer w[WRITERS];
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].s = s;
        w[i].url = fix_fmt("%s%s", mt_base_url(s), PROJECTS_URL);
        w[i].auth = fix_fmt("Authorization: Token token=%s", mt_admin_key(s));
        w[i].leader = leader;
        w[i].customer = customer;
        w[i].n = i;
        assert_int_equal(pthread_create(&th[i], NULL, create_projects, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);

    /* every acknowledged create has its own number: P002, P004 ... without a gap */
    int total = WRITERS * PER_WRITER;
    bool *seen = calloc((size_t)total + 3, sizeof(bool));
    int got = 0;
    for (int i = 0; i < WRITERS; i++) {
        got += w[i].ok;
        for (int k = 0; k < w[i].ok; k++) {
            int n = atoi(w[i].identifiers[k] + 1);
            if (w[i].identifiers[k][0] != 'P' || n < 2 || n > total + 2 || n == 3 || seen[n])
                fail_msg("identifier %s is out of the sequence or given twice",
                         w[i].identifiers[k]);
            seen[n] = true;
        }
    }
    assert_int_equal(got, total);
    for (int n = 2; n <= total + 2; n++)
        if (n != 3 && !seen[n])
            fail_msg("P%03d was skipped", n);
    free(seen);
}

/* ---- uniqueness within a scope ---------------------------------------------------------- */

static void test_unique_within_scope(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t leader = admin_id(s);
    json_int_t customer = fix_create_company_as(s, key, "customer", "Scope GmbH");
    json_int_t p1 = fix_create_project_as(s, key, "Scope one", NULL, leader, customer);
    json_int_t p2 = fix_create_project_as(s, key, "Scope two", NULL, leader, customer);
    json_int_t unit = fix_first_unit_id(s);
    char email[64];
    json_int_t user = fix_create_user(
        s, fix_user_body("Scoped", "Person", fix_uniq_email(email, sizeof(email), "scope"), unit,
                         NULL));
    /* one contract per person and project: again on the same project is taken, another is fine */
    fix_create_contract(s, key, p1, user);
    fix_expect_422(s, "POST", key, fix_fmt("{\"user_id\":%lld}", (long long)user), "user_id",
                   "/api/v1/projects/%lld/contracts", (long long)p1);
    fix_create_contract(s, key, p2, user);
    /* a tag name is unique within its context */
    fix_expect_status(s, "POST", key, "{\"name\":\"Scoped\",\"context\":\"Project\"}", 200,
                      "/api/v1/tags");
    fix_expect_422(s, "POST", key, "{\"name\":\"Scoped\",\"context\":\"Project\"}", "name",
                   "/api/v1/tags");
    fix_expect_status(s, "POST", key, "{\"name\":\"Scoped\",\"context\":\"Company\"}", 200,
                      "/api/v1/tags");
}

/* ---- acting user ------------------------------------------------------------------------ */

static void test_acting_user_default(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t me = admin_id(s);
    json_int_t unit = fix_first_unit_id(s);
    char email[64];
    /* a project leader may write companies */
    mt_resp *roles = mt_get(s, "/api/v1/users/roles", key);
    MT_ASSERT_STATUS(roles, 200);
    json_int_t leader_role = json_integer_value(
        json_object_get(fix_find_by_str(roles->json, "name", "Project leader"), "id"));
    mt_resp_free(roles);
    json_int_t other = fix_create_user(
        s, fix_user_body("Acting", "Other", fix_uniq_email(email, sizeof(email), "acting"), unit,
                         json_pack("{s:I}", "role_id", leader_role)));
    /* the key's owner, the impersonated user, or none for an account key */
    mt_resp *r = mt_post(s, "/api/v1/companies", key, "{\"name\":\"Mine\",\"type\":\"customer\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", me);
    mt_resp_free(r);

    const char *hdr = fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)other);
    const char *headers[] = {hdr, NULL};
    r = mt_request(s, "POST", "/api/v1/companies", key,
                   "{\"name\":\"Theirs\",\"type\":\"customer\"}", headers);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", other);
    mt_resp_free(r);

    char *full = fix_keep(mt_account_key(s, MT_ACCOUNT, "full"));
    r = mt_post(s, "/api/v1/companies", full, "{\"name\":\"Nobody's\",\"type\":\"customer\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "user");
    mt_resp_free(r);

    /* a user given explicitly wins */
    r = mt_post(
        s, "/api/v1/companies", key,
        fix_fmt("{\"name\":\"Given\",\"type\":\"customer\",\"user_id\":%lld}", (long long)other));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", other);
    mt_resp_free(r);
}

/* ---- child rows with their parent -------------------------------------------------------- */

static long service_count(mt_server *s)
{
    mt_resp *r = mt_get(s, "/api/v1/account/catalog_services", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    long n = atol(mt_header(r, "X-Total"));
    mt_resp_free(r);
    return n;
}

static void test_children_written_with_parent(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    long before = service_count(s);
    /* the third item is wrong: the problem names it, and neither service nor items are kept */
    mt_resp *r = mt_post(s, "/api/v1/account/catalog_services", key,
                         "{\"title\":\"Bundle\",\"items\":[{\"title\":\"a\"},{\"title\":\"b\"},"
                         "{\"title\":\"c\",\"type\":\"nonsense\"}]}");
    fix_assert_422(r, "items[2].type");
    mt_resp_free(r);
    r = mt_post(s, "/api/v1/account/catalog_services", key,
                "{\"title\":\"Bundle\",\"items\":[{\"title\":\"a\"}, 7]}");
    fix_assert_422(r, "items[1]");
    mt_resp_free(r);
    assert_int_equal(service_count(s), before);

    r = mt_post(s, "/api/v1/account/catalog_services", key,
                "{\"title\":\"Bundle\",\"items\":[{\"title\":\"a\",\"quantity\":2,"
                "\"unit_price\":0.1},{\"title\":\"b\",\"type\":\"subtotal\"}]}");
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "items"), 2);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "a");
    MT_ASSERT_JSON_STR(r->json, "items[1].type", "subtotal");
    mt_resp_free(r);
    assert_int_equal(service_count(s), before + 1);
}

/* ---- date ranges ------------------------------------------------------------------------- */

static void test_declared_date_range(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t me = admin_id(s);
    json_int_t early = fix_create_deal(s, key, "Early", me);
    json_int_t late = fix_create_deal(s, key, "Late", me);
    fix_expect_status(s, "PUT", key, "{\"status\":\"won\",\"closed_on\":\"2031-03-01\"}", 200,
                      "/api/v1/deals/%lld", (long long)early);
    fix_expect_status(s, "PUT", key, "{\"status\":\"lost\",\"closed_on\":\"2031-05-31\"}", 200,
                      "/api/v1/deals/%lld", (long long)late);
    json_int_t both[] = {early, late}, first[] = {early}, second[] = {late};
    const char *ids = fix_fmt("ids=%lld,%lld", (long long)early, (long long)late);
    fix_assert_list_ids(s, key, fix_fmt("/api/v1/deals?%s&closed_from=2031-01-01", ids), both, 2);
    fix_assert_list_ids(s, key, fix_fmt("/api/v1/deals?%s&closed_to=2031-03-01", ids), first, 1);
    fix_assert_list_ids(
        s, key, fix_fmt("/api/v1/deals?%s&closed_from=2031-03-02&closed_to=2031-05-31", ids),
        second, 1);
    fix_assert_list_ids(s, key, fix_fmt("/api/v1/deals?%s&closed_on=2031-03-02:2031-05-31", ids),
                        second, 1);
    fix_assert_list_ids(s, key, fix_fmt("/api/v1/deals?%s&closed_on=:2031-03-01", ids), first, 1);
    fix_expect_422(s, "GET", key, NULL, "closed_from", "/api/v1/deals?closed_from=March");
    fix_expect_422(s, "GET", key, NULL, "closed_on", "/api/v1/deals?closed_on=2031-01-01:May");
}

/* ---- declared actions ------------------------------------------------------------------- */

/* The engine's write path bumps the account's data version: a read cached before an action is
 * not served after it. */
static void test_actions_invalidate_cached_reads(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t hook = mt_create(s, "/api/v1/account/web_hooks", key,
                                "{\"target\":\"Company\",\"event\":\"create\","
                                "\"hook\":\"https://hooks.example/engine\"}");
    const char *path = fix_fmt("/api/v1/account/web_hooks/%lld", (long long)hook);
    for (int round = 0; round < 2; round++) {
        mt_resp *r = mt_get(s, path, key); /* now cached */
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(mt_json_bool(r->json, "disabled"), round == 1);
        mt_resp_free(r);
        r = mt_put(s, fix_fmt("%s/%s", path, round ? "enable" : "disable"), key, NULL);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(mt_json_bool(r->json, "disabled"), round == 0);
        mt_resp_free(r);
        r = mt_get(s, path, key);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(mt_json_bool(r->json, "disabled"), round == 0);
        if (round == 0)
            MT_ASSERT_TIMESTAMP(r->json, "disabled_at");
        else
            MT_ASSERT_JSON_NULL(r->json, "disabled_at");
        mt_resp_free(r);
    }

    json_int_t customer = fix_create_company_as(s, key, "customer", "Share AG");
    json_int_t pid = fix_create_project_as(s, key, "Shared", NULL, admin_id(s), customer);
    const char *ppath = fix_fmt(PROJECTS_URL "/%lld", (long long)pid);
    mt_resp *r = mt_get(s, ppath, key);
    MT_ASSERT_JSON_NULL(r->json, "customer_report_url");
    mt_resp_free(r);
    /* read-only keys never act */
    fix_expect_error(s, "PUT", fix_read_key(s), NULL, 403, "%s/share", ppath);
    r = mt_put(s, fix_fmt("%s/share", ppath), key, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_bool(r->json, "active"), true);
    char *url = strdup(mt_json_str(r->json, "url"));
    mt_resp_free(r);
    r = mt_get(s, ppath, key);
    MT_ASSERT_JSON_STR(r->json, "customer_report_url", url);
    mt_resp_free(r);
    /* sharing again keeps the link */
    r = mt_put(s, fix_fmt("%s/share", ppath), key, NULL);
    MT_ASSERT_JSON_STR(r->json, "url", url);
    mt_resp_free(r);
    free(url);
    /* a declared input is checked like the field: a group of another kind of id is a 422 */
    fix_expect_422(s, "PUT", key, "{\"project_group_id\":999999}", "project_group_id",
                   "%s/assign_project_group", ppath);
    fix_expect_422(s, "PUT", key, "{}", "project_group_id", "%s/assign_project_group", ppath);
    fix_expect_error(s, "PUT", key, NULL, 404, PROJECTS_URL "/999999/share");
}

/* Declared actions emit their events through the engine: share an update, archive an archive,
 * destroy_all a delete per task (the delete rules of each task). */
static void test_actions_emit_events(void **state)
{
    (void)state;
    mt_server *s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    const char *key = mt_admin_key(s);
    rcv *rc = rcv_start();
    static const char *const subs[][2] = {
        {"Project", "update"}, {"Project", "archive"}, {"Task", "delete"}};
    for (size_t i = 0; i < 3; i++) {
        char *url = rcv_url(rc, fix_fmt("/%s-%s", subs[i][0], subs[i][1]));
        mt_create(s, "/api/v1/account/web_hooks", key,
                  fix_fmt("{\"target\":\"%s\",\"event\":\"%s\",\"hook\":\"%s\"}", subs[i][0],
                          subs[i][1], url));
        free(url);
    }
    json_int_t customer = fix_create_company_as(s, key, "customer", "Events AG");
    json_int_t pid = fix_create_project_as(s, key, "Events", NULL, admin_id(s), customer);
    json_int_t t1 = fix_create_task(s, key, pid, json_pack("{s:s}", "name", "One"));
    json_int_t t2 = fix_create_task(s, key, pid, json_pack("{s:s}", "name", "Two"));
    fix_expect_status(s, "PUT", key, NULL, 200, PROJECTS_URL "/%lld/share", (long long)pid);
    fix_expect_status(s, "PUT", key, NULL, 200, PROJECTS_URL "/%lld/archive", (long long)pid);
    fix_expect_status(s, "DELETE", key, NULL, 204, PROJECTS_URL "/%lld/tasks/destroy_all",
                      (long long)pid);
    assert_true(rcv_wait_path(rc, "/Project-update", 1, 5000));
    assert_true(rcv_wait_path(rc, "/Project-archive", 1, 5000));
    assert_true(rcv_wait_path(rc, "/Task-delete", 2, 5000));
    /* the update carries the shared link; the deletes carry each task as it was */
    json_t *upd = json_loads(rcv_nth_path(rc, "/Project-update", 0)->body, 0, NULL);
    assert_non_null(upd);
    MT_ASSERT_JSON_TYPE(upd, "customer_report_url", JSON_STRING);
    json_decref(upd);
    json_int_t gone[2] = {0, 0};
    for (size_t i = 0; i < 2; i++) {
        const rcv_request *q = rcv_nth_path(rc, "/Task-delete", i);
        assert_string_equal(rcv_header(q, "X-Moco-Event"), "delete");
        json_t *t = json_loads(q->body, 0, NULL);
        assert_non_null(t);
        gone[i] = json_integer_value(json_object_get(t, "id"));
        json_decref(t);
    }
    assert_true((gone[0] == t1 && gone[1] == t2) || (gone[0] == t2 && gone[1] == t1));
    fix_expect_status(s, "GET", key, NULL, 404, PROJECTS_URL "/%lld/tasks/%lld", (long long)pid,
                      (long long)t1);
    rcv_free(rc);
    mt_stop(s);
}

/* Every listening hook gets the event, however many there are (the outbox once kept 256). */
static void test_event_reaches_every_hook(void **state)
{
    (void)state;
    mt_server *s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    const char *key = mt_admin_key(s);
    rcv *rc = rcv_start();
    char *url = rcv_url(rc, "/many");
    enum { HOOKS = 300 };
    for (int i = 0; i < HOOKS; i++)
        mt_create(
            s, "/api/v1/account/web_hooks", key,
            fix_fmt("{\"target\":\"Company\",\"event\":\"create\",\"hook\":\"%s?n=%d\"}", url, i));
    free(url);
    fix_create_company_as(s, key, "customer", "Many Hooks AG");
    if (!rcv_wait_path(rc, "/many", HOOKS, 30000))
        fail_msg("%zu of %d hooks got the event", rcv_count_path(rc, "/many"), HOOKS);
    /* each once: the targets carry the hook's number */
    bool seen[HOOKS] = {false};
    for (size_t i = 0; i < HOOKS; i++) {
        const char *q = strstr(rcv_nth_path(rc, "/many", i)->target, "n=");
        assert_non_null(q);
        int k = atoi(q + 2);
        assert_true(k >= 0 && k < HOOKS && !seen[k]);
        seen[k] = true;
    }
    rcv_free(rc);
    mt_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_concurrent_creates),
        cmocka_unit_test(test_unique_within_scope),
        cmocka_unit_test(test_acting_user_default),
        cmocka_unit_test(test_children_written_with_parent),
        cmocka_unit_test(test_declared_date_range),
        cmocka_unit_test(test_actions_invalidate_cached_reads),
        cmocka_unit_test(test_actions_emit_events),
        cmocka_unit_test(test_event_reaches_every_hook),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
