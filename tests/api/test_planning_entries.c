/*
 * API tests of planning entries (sections/planning_entries.md): create, get, list with its
 * filters (period, user_id, project_id, deal_id), update, delete (200 with the deleted entry, as
 * MOCO answers), the project OR the deal (exactly one), tasks of the project, hours per day as
 * exact decimals, the user (the acting one; impersonation), permissions, tenants and web hooks of
 * target PlanningEntry.
 *
 * One server for the whole file (group fixture); each test makes its own users and projects.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES "/api/v1/planning_entries"
#define HOOKS   "/api/v1/account/web_hooks"

#define ENTRY_KEYS                                                                                 \
    "id,title,starts_on,ends_on,hours_per_day,comment,symbol,color,read_only,user,project,task,"   \
    "deal,series_id,tentative,series_repeat,created_at,updated_at"
#define PROJECT_KEYS "id,identifier,name,customer_name,color"
#define DEAL_KEYS    "id,name,customer_name,color"

#define NO_ID ((json_int_t)987654321)

static int g_counter;

static struct {
    bool ready;
    json_int_t admin, customer, project, task, other_task, project2, deal;
} fx;

static int setup(void **state)
{
    *state = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    return 0;
}

/* A new user of acme with the role (NULL: the default one); *key (if not NULL) gets their key. */
static json_int_t new_user(mt_server *s, const char *role, const char **key)
{
    char *mine = NULL;
    json_int_t id = fix_user_with_role(s, "Nina", role, key ? &mine : NULL);
    if (key)
        *key = fix_keep(mine);
    return id;
}

static json_int_t new_project(mt_server *s, const char *name)
{
    char ident[32];
    snprintf(ident, sizeof ident, "PE-%03d", ++g_counter);
    return fix_create_project_as(s, mt_admin_key(s), name, ident, fx.admin, fx.customer);
}

static void fixture(mt_server *s)
{
    if (fx.ready)
        return;
    const char *key = mt_admin_key(s);
    fx.admin = fix_session_user_id(s, key);
    fx.customer = fix_create_company_as(s, key, "customer", "Acme GmbH");
    fx.project = new_project(s, "Support");
    fx.task = fix_create_task(s, key, fx.project, json_pack("{s:s}", "name", "Projektleitung"));
    fx.project2 = new_project(s, "Other Project");
    fx.other_task = fix_create_task(s, key, fx.project2, json_pack("{s:s}", "name", "Elsewhere"));
    mt_resp *r = mt_request_json(
        s, "POST", "/api/v1/deals", key,
        json_pack("{s:s, s:s, s:f, s:s, s:I, s:I, s:I}", "name", "Redesign website", "currency",
                  "EUR", "money", 1000.0, "reminder_date", "2030-01-01", "user_id", fx.admin,
                  "deal_category_id", fix_first_id(s, key, "/api/v1/deal_categories"), "company_id",
                  fx.customer),
        NULL);
    MT_ASSERT_STATUS(r, 200);
    fx.deal = fix_take_id(r);
    fx.ready = true;
}

static void assert_shape(const json_t *e)
{
    mt_assert_keys(e, ENTRY_KEYS);
    MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(e, "title", JSON_STRING);
    MT_ASSERT_DATE(e, "starts_on");
    MT_ASSERT_DATE(e, "ends_on");
    MT_ASSERT_JSON_TYPE(e, "hours_per_day", MT_JSON_NUMBER);
    MT_ASSERT_JSON_TYPE(e, "comment", JSON_STRING);
    fix_assert_type_or_null(e, "symbol", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(e, "color", JSON_STRING);
    MT_ASSERT_JSON_TYPE(e, "read_only", JSON_FALSE);
    fix_assert_person(e, "user");
    json_t *project = mt_json_get(e, "project"), *deal = mt_json_get(e, "deal");
    assert_true(json_is_null(project) != json_is_null(deal)); /* exactly one */
    if (!json_is_null(project)) {
        mt_assert_keys(project, PROJECT_KEYS);
        MT_ASSERT_JSON_TYPE(project, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(project, "identifier", JSON_STRING);
        MT_ASSERT_JSON_TYPE(project, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(project, "customer_name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(project, "color", JSON_STRING);
    } else {
        mt_assert_keys(deal, DEAL_KEYS);
        MT_ASSERT_JSON_TYPE(deal, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(deal, "name", JSON_STRING);
        fix_assert_type_or_null(deal, "customer_name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(deal, "color", JSON_STRING);
        MT_ASSERT_JSON_NULL(e, "task");
    }
    fix_assert_id_name_or_null(e, "task");
    MT_ASSERT_JSON_NULL(e, "series_id");
    MT_ASSERT_JSON_TYPE(e, "tentative", MT_JSON_BOOL);
    MT_ASSERT_JSON_NULL(e, "series_repeat");
    MT_ASSERT_TIMESTAMP(e, "created_at");
    MT_ASSERT_TIMESTAMP(e, "updated_at");
}

/* POST with key and body (consumed): 200, the shape, and GET answers the same. */
static mt_resp *create_as(mt_server *s, const char *key, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", ENTRIES, key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    mt_resp *g = mt_getf(s, key, ENTRIES "/%lld", (long long)mt_json_int(r->json, "id"));
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    return r;
}

/* An entry of user on project (or, with project 0, on the deal) from..to, 4 hours a day. */
static json_int_t entry(mt_server *s, json_int_t user, json_int_t project, const char *from,
                        const char *to)
{
    json_t *b = json_pack("{s:I, s:s, s:s, s:i}", "user_id", user, "starts_on", from, "ends_on", to,
                          "hours_per_day", 4);
    json_object_set_new(b, project ? "project_id" : "deal_id",
                        json_integer(project ? project : fx.deal));
    mt_resp *r = create_as(s, mt_admin_key(s), b);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

/* ---- create and get ----------------------------------------------------------------------- */

static void test_entry_create_and_get(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);

    /* the docs' example */
    mt_resp *r = create_as(s, key,
                           json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:i}", "project_id",
                                     fx.project, "task_id", fx.task, "title", "Project Management",
                                     "starts_on", "2030-05-20", "ends_on", "2030-05-30",
                                     "hours_per_day", 3, "comment", "A comment...", "symbol", 2));
    MT_ASSERT_JSON_STR(r->json, "title", "Project Management");
    MT_ASSERT_JSON_STR(r->json, "starts_on", "2030-05-20");
    MT_ASSERT_JSON_STR(r->json, "ends_on", "2030-05-30");
    assert_non_null(strstr(r->body, "\"hours_per_day\":3.0,"));
    MT_ASSERT_JSON_STR(r->json, "comment", "A comment...");
    MT_ASSERT_JSON_INT(r->json, "symbol", 2);
    MT_ASSERT_JSON_TYPE(r->json, "tentative", JSON_FALSE);
    MT_ASSERT_JSON_INT(r->json, "user.id", fx.admin);
    MT_ASSERT_JSON_INT(r->json, "project.id", fx.project);
    MT_ASSERT_JSON_STR(r->json, "project.name", "Support");
    MT_ASSERT_JSON_STR(r->json, "project.customer_name", "Acme GmbH");
    MT_ASSERT_JSON_STR(r->json, "project.color", "#CCCCCC");
    MT_ASSERT_JSON_STR(r->json, "color", "#CCCCCC"); /* the project's */
    mt_resp *p = mt_getf(s, key, "/api/v1/projects/%lld", (long long)fx.project);
    MT_ASSERT_JSON_STR(r->json, "project.identifier", mt_json_str(p->json, "identifier"));
    mt_resp_free(p);
    MT_ASSERT_JSON_INT(r->json, "task.id", fx.task);
    MT_ASSERT_JSON_STR(r->json, "task.name", "Projektleitung");
    MT_ASSERT_JSON_NULL(r->json, "deal");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(s, key, ENTRIES "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    /* a deal, for another user, the mandatory fields, tentative; no title or comment is an empty
     * one */
    json_int_t user = new_user(s, NULL, NULL);
    r = create_as(s, key,
                  json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:n, s:n}", "deal_id", fx.deal,
                            "user_id", user, "starts_on", "2030-06-01", "ends_on", "2030-06-01",
                            "hours_per_day", "7.5", "tentative", 1, "title", "comment"));
    MT_ASSERT_JSON_NULL(r->json, "project");
    MT_ASSERT_JSON_NULL(r->json, "task");
    MT_ASSERT_JSON_INT(r->json, "deal.id", fx.deal);
    MT_ASSERT_JSON_STR(r->json, "deal.name", "Redesign website");
    MT_ASSERT_JSON_STR(r->json, "deal.customer_name", "Acme GmbH");
    MT_ASSERT_JSON_STR(r->json, "color", mt_json_str(r->json, "deal.color"));
    MT_ASSERT_JSON_INT(r->json, "user.id", user);
    MT_ASSERT_JSON_STR(r->json, "title", "");
    MT_ASSERT_JSON_STR(r->json, "comment", "");
    MT_ASSERT_JSON_NULL(r->json, "symbol");
    MT_ASSERT_JSON_TYPE(r->json, "tentative", JSON_TRUE);
    assert_non_null(strstr(r->body, "\"hours_per_day\":7.5,"));
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, ENTRIES "/%lld", (long long)NO_ID);
}

/* Hours per day are exact decimals: what is sent is what is kept and shown. */
static void test_entry_hours_exact(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    static const char *const sent[][2] = {
        {"0.1", "0.1"}, {"\"7.3\"", "7.3"},   {"1.3333", "1.3333"},
        {"24", "24.0"}, {"0.0001", "0.0001"},
    };
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        mt_resp *r =
            mt_post(s, ENTRIES, key,
                    fix_fmt("{\"project_id\":%lld,\"user_id\":%lld,\"starts_on\":\"2030-07-01\","
                            "\"ends_on\":\"2030-07-02\",\"hours_per_day\":%s}",
                            (long long)fx.project, (long long)user, sent[i][0]));
        MT_ASSERT_STATUS(r, 200);
        const char *want = fix_fmt("\"hours_per_day\":%s,", sent[i][1]);
        if (!strstr(r->body, want))
            fail_msg("sent %s, want %s in %s", sent[i][0], want, r->body);
        json_int_t id = mt_json_int(r->json, "id");
        mt_resp_free(r);
        r = mt_getf(s, key, ENTRIES "/%lld", (long long)id);
        assert_non_null(strstr(r->body, want));
        mt_resp_free(r);
    }
    static const char *const bad[] = {"0",     "-1",      "24.0001", "25",   "\"lots\"",
                                      "1e300", "0.00001", "null",    "true", "[8]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r =
            mt_post(s, ENTRIES, key,
                    fix_fmt("{\"project_id\":%lld,\"user_id\":%lld,\"starts_on\":\"2030-07-01\","
                            "\"ends_on\":\"2030-07-02\",\"hours_per_day\":%s}",
                            (long long)fx.project, (long long)user, bad[i]));
        fix_assert_422(r, "hours_per_day");
        mt_resp_free(r);
    }
    mt_resp *r = mt_get(s, fix_fmt(ENTRIES "?user_id=%lld", (long long)user), key);
    MT_ASSERT_HEADER(r, "X-Total", "5");
    mt_resp_free(r);
}

/* ---- validation --------------------------------------------------------------------------- */

/* POST of a JSON text in which a later key replaces an earlier one (as jansson reads it): bodies
 * made of a base and what differs. */
static mt_resp *post_text(mt_server *s, const char *key, const char *text)
{
    json_error_t err;
    json_t *body = json_loads(text, JSON_DECODE_ANY, &err);
    if (!body)
        fail_msg("not JSON: %s", text);
    return mt_request_json(s, "POST", ENTRIES, key, body, NULL);
}

static void test_entry_validation(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    const char *base = fix_fmt("\"user_id\":%lld,\"starts_on\":\"2030-08-01\",\"ends_on\":"
                               "\"2030-08-05\",\"hours_per_day\":2",
                               (long long)user);
    const char *proj = fix_fmt("\"project_id\":%lld", (long long)fx.project);
    struct {
        const char *body, *field;
    } bad[] = {
        {fix_fmt("{%s}", base), "project_id"},
        {fix_fmt("{%s}", base), "deal_id"},
        {fix_fmt("{%s,\"project_id\":null,\"deal_id\":null}", base), "project_id"},
        {fix_fmt("{%s,%s,\"deal_id\":%lld}", base, proj, (long long)fx.deal), "project_id"},
        {fix_fmt("{%s,%s,\"deal_id\":%lld}", base, proj, (long long)fx.deal), "deal_id"},
        {fix_fmt("{%s,\"project_id\":%lld}", base, (long long)NO_ID), "project_id"},
        {fix_fmt("{%s,\"deal_id\":%lld}", base, (long long)NO_ID), "deal_id"},
        {fix_fmt("{%s,\"project_id\":\"abc\"}", base), "project_id"},
        /* tasks belong to the planned project; a deal has none */
        {fix_fmt("{%s,%s,\"task_id\":%lld}", base, proj, (long long)fx.other_task), "task_id"},
        {fix_fmt("{%s,\"deal_id\":%lld,\"task_id\":%lld}", base, (long long)fx.deal,
                 (long long)fx.task),
         "task_id"},
        {fix_fmt("{%s,%s,\"task_id\":%lld}", base, proj, (long long)NO_ID), "task_id"},
        {fix_fmt("{%s,\"starts_on\":\"2030-08-06\"}", base), "ends_on"}, /* after ends_on */
        {fix_fmt("{%s,%s,\"symbol\":11}", base, proj), "symbol"},
        {fix_fmt("{%s,%s,\"symbol\":0}", base, proj), "symbol"},
        {fix_fmt("{%s,%s,\"tentative\":\"perhaps\"}", base, proj), "tentative"},
        {fix_fmt("{%s,%s,\"tentative\":null}", base, proj), "tentative"},
        {fix_fmt("{%s,%s,\"title\":7}", base, proj), "title"},
        {fix_fmt("{%s,%s,\"user_id\":%lld}", base, proj, (long long)NO_ID), "user_id"},
        {fix_fmt("{%s,%s,\"user_id\":null}", base, proj), "user_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r = post_text(s, key, bad[i].body);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    static const char *const missing[] = {"starts_on", "ends_on", "hours_per_day"};
    for (size_t i = 0; i < 3; i++) {
        json_t *b =
            json_pack("{s:I, s:I, s:s, s:s, s:i}", "project_id", fx.project, "user_id", user,
                      "starts_on", "2030-08-01", "ends_on", "2030-08-02", "hours_per_day", 2);
        json_object_del(b, missing[i]);
        mt_resp *r = mt_request_json(s, "POST", ENTRIES, key, b, NULL);
        fix_assert_422(r, missing[i]);
        mt_resp_free(r);
    }
    static const char *const dates[] = {"\"2030-02-30\"", "\"2030-13-01\"", "\"soon\"", "20300101",
                                        "\"\""};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        mt_resp *r = post_text(s, key, fix_fmt("{%s,%s,\"starts_on\":%s}", base, proj, dates[i]));
        fix_assert_422(r, "starts_on");
        mt_resp_free(r);
    }
    /* all problems at once */
    mt_resp *r = mt_post(s, ENTRIES, key,
                         fix_fmt("{\"user_id\":%lld,\"starts_on\":\"2030-08-09\",\"ends_on\":"
                                 "\"2030-08-01\",\"hours_per_day\":30}",
                                 (long long)user));
    fix_assert_422_fields(r, "project_id,ends_on,hours_per_day");
    mt_resp_free(r);
    /* a deactivated user is planned no more */
    json_int_t gone = new_user(s, NULL, NULL);
    fix_expect_status(s, "PUT", key, "{\"active\":false}", 200, "/api/v1/users/%lld",
                      (long long)gone);
    r = post_text(s, key, fix_fmt("{%s,%s,\"user_id\":%lld}", base, proj, (long long)gone));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    fix_assert_list_empty(s, key,
                          fix_fmt(ENTRIES "?user_id=%lld,%lld", (long long)user, (long long)gone));
}

/* ---- lists -------------------------------------------------------------------------------- */

static void test_entry_list(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t ann = new_user(s, NULL, NULL);
    json_int_t bob = new_user(s, NULL, NULL);
    json_int_t p = new_project(s, "Listed");
    json_int_t e1 = entry(s, ann, p, "2030-04-20", "2030-05-02");          /* into the period */
    json_int_t e2 = entry(s, ann, p, "2030-05-10", "2030-05-12");          /* inside */
    json_int_t e3 = entry(s, ann, 0, "2030-07-25", "2030-08-10");          /* out of it */
    json_int_t e4 = entry(s, bob, p, "2030-04-01", "2030-09-30");          /* around it */
    json_int_t e5 = entry(s, bob, fx.project, "2030-03-01", "2030-04-30"); /* before it */
    const char *u = fix_fmt("user_id=%lld,%lld", (long long)ann, (long long)bob);

    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s", u), e1, e2, e3, e4, e5);
    /* period: the entries that touch it */
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=2030-05-01:2030-07-24", u), e1, e2, e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=2030-05-02:2030-05-02", u), e1, e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=2030-05-03:2030-05-09", u), e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=2030-05-12", u), e2, e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=2030-08-01:", u), e3, e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&period=:2030-04-19", u), e4, e5);
    fix_assert_list_empty(s, key, fix_fmt(ENTRIES "?%s&period=2030-10-01:2030-12-31", u));
    /* user_id, project_id, deal_id */
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?user_id=%lld", (long long)bob), e4, e5);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?project_id=%lld", (long long)p), e1, e2, e4);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?%s&deal_id=%lld", u, (long long)fx.deal), e3);
    fix_assert_list_of(s, key,
                       fix_fmt(ENTRIES "?project_id=%lld&user_id=%lld&period=2030-05-11:2030-05-11",
                               (long long)p, (long long)ann),
                       e2);
    /* sorted by start */
    json_int_t by_start[] = {e5, e4, e1, e2, e3};
    fix_assert_list_ids(s, key, fix_fmt(ENTRIES "?%s&sort_by=starts_on", u), by_start, 5);
    /* pagination */
    mt_resp *r = mt_get(s, fix_fmt(ENTRIES "?%s&per_page=2", u), key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_HEADER(r, "X-Total", "5");
    fix_assert_link(r, true, false);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_shape(e);
    mt_resp_free(r);
    static const char *const bad[][2] = {
        {"period=2030-02-30:2030-03-01", "period"},
        {"period=yesterday", "period"},
        {"period=:", "period"},
        {"period=2030-01-01:x", "period"},
        {"project_id=abc", "project_id"},
        {"deal_id=x", "deal_id"},
        {"user_id=1.5", "user_id"},
        {"sort_by=project", "sort_by"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        r = mt_get(s, fix_fmt(ENTRIES "?%s", bad[k][0]), key);
        fix_assert_422(r, bad[k][1]);
        mt_resp_free(r);
    }
}

/* ---- update and delete -------------------------------------------------------------------- */

static void test_entry_update(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    mt_resp *made = create_as(s, key,
                              json_pack("{s:I, s:I, s:I, s:s, s:s, s:i}", "project_id", fx.project,
                                        "task_id", fx.task, "user_id", user, "starts_on",
                                        "2030-09-01", "ends_on", "2030-09-05", "hours_per_day", 6));
    json_int_t id = mt_json_int(made->json, "id");

    /* the docs' example */
    mt_resp *r = fix_request_jsonf(s, "PUT", key, json_pack("{s:i}", "hours_per_day", 5),
                                   ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    assert_non_null(strstr(r->body, "\"hours_per_day\":5.0,"));
    const char *k;
    json_t *v;
    json_object_foreach(made->json, k, v)
    {
        if (strcmp(k, "hours_per_day") && strcmp(k, "updated_at"))
            fix_assert_json_equal(json_object_get(r->json, k), v);
    }
    mt_resp_free(r);
    mt_resp_free(made);

    /* onto a deal: the project and its task go */
    r = fix_request_jsonf(s, "PATCH", key,
                          json_pack("{s:I, s:s, s:s, s:b, s:s}", "deal_id", fx.deal, "title",
                                    "Pitch", "ends_on", "2030-09-01", "tentative", 1, "comment",
                                    "maybe"),
                          ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    MT_ASSERT_JSON_NULL(r->json, "project");
    MT_ASSERT_JSON_NULL(r->json, "task");
    MT_ASSERT_JSON_INT(r->json, "deal.id", fx.deal);
    MT_ASSERT_JSON_STR(r->json, "title", "Pitch");
    MT_ASSERT_JSON_STR(r->json, "ends_on", "2030-09-01");
    MT_ASSERT_JSON_TYPE(r->json, "tentative", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "comment", "maybe");
    mt_resp_free(r);
    /* and back onto a project with a task of it */
    r = fix_request_jsonf(
        s, "PUT", key, json_pack("{s:I, s:I}", "project_id", fx.project2, "task_id", fx.other_task),
        ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "deal");
    MT_ASSERT_JSON_INT(r->json, "project.id", fx.project2);
    MT_ASSERT_JSON_INT(r->json, "task.id", fx.other_task);
    mt_resp *g = mt_getf(s, key, ENTRIES "/%lld", (long long)id);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* refused changes change nothing */
    mt_resp *before = mt_getf(s, key, ENTRIES "/%lld", (long long)id);
    const char *bad[][2] = {
        {"{\"ends_on\":\"2030-08-31\"}", "ends_on"},
        {"{\"starts_on\":\"2030-09-02\"}", "ends_on"},
        {"{\"hours_per_day\":0}", "hours_per_day"},
        {"{\"hours_per_day\":null}", "hours_per_day"},
        {"{\"project_id\":null}", "project_id"},
        {fix_fmt("{\"project_id\":%lld}", (long long)fx.project), "task_id"}, /* its task stays */
        {fix_fmt("{\"task_id\":%lld}", (long long)fx.task), "task_id"},
        {fix_fmt("{\"project_id\":%lld,\"deal_id\":%lld}", (long long)fx.project,
                 (long long)fx.deal),
         "deal_id"},
        {"{\"symbol\":12}", "symbol"},
        {"{\"user_id\":null}", "user_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_requestf(s, "PUT", key, bad[i][0], ENTRIES "/%lld", (long long)id);
        fix_assert_422(r, bad[i][1]);
        mt_resp_free(r);
    }
    g = mt_getf(s, key, ENTRIES "/%lld", (long long)id);
    fix_assert_json_equal(g->json, before->json);
    mt_resp_free(g);
    mt_resp_free(before);
    /* a new project with the task cleared is fine */
    r = mt_requestf(s, "PUT", key,
                    fix_fmt("{\"project_id\":%lld,\"task_id\":null}", (long long)fx.project),
                    ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "task");
    mt_resp_free(r);
    fix_expect_error(s, "PUT", key, "{\"title\":\"x\"}", 404, ENTRIES "/%lld", (long long)NO_ID);
}

static void test_entry_delete(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t id = entry(s, user, fx.project, "2030-10-01", "2030-10-03");
    json_int_t keep = entry(s, user, 0, "2030-10-01", "2030-10-03");
    mt_resp *before = mt_getf(s, key, ENTRIES "/%lld", (long long)id);

    mt_resp *r = mt_deletef(s, key, ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200); /* as MOCO: with the entry as it was */
    MT_ASSERT_HEADER(r, "Content-Type", FIX_JSON_CT);
    assert_non_null(r->json);
    fix_assert_json_equal(r->json, before->json);
    mt_resp_free(r);
    mt_resp_free(before);
    fix_expect_error(s, "GET", key, NULL, 404, ENTRIES "/%lld", (long long)id);
    fix_expect_error(s, "DELETE", key, NULL, 404, ENTRIES "/%lld", (long long)id);
    fix_assert_list_of(s, key, fix_fmt(ENTRIES "?user_id=%lld", (long long)user), keep);
}

/* What is planned stays while it is planned: projects and deals with entries are not deleted;
 * a deleted task leaves its entries without one. */
static void test_entry_references(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t p = new_project(s, "Planned Project");
    json_int_t task = fix_create_task(s, key, p, json_pack("{s:s}", "name", "Planned Task"));
    mt_resp *r = create_as(s, key,
                           json_pack("{s:I, s:I, s:I, s:s, s:s, s:i}", "project_id", p, "task_id",
                                     task, "user_id", user, "starts_on", "2030-11-01", "ends_on",
                                     "2030-11-02", "hours_per_day", 1));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/projects/%lld/tasks/%lld", (long long)p,
                      (long long)task);
    r = mt_getf(s, key, ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "task");
    MT_ASSERT_JSON_INT(r->json, "project.id", p);
    mt_resp_free(r);
    fix_expect_error(s, "DELETE", key, NULL, 422, "/api/v1/projects/%lld", (long long)p);
    fix_expect_status(s, "GET", key, NULL, 200, "/api/v1/projects/%lld", (long long)p);
    json_int_t deal = fix_create_deal(s, key, "Planned Deal", fx.admin);
    json_int_t on_deal = entry(s, user, 0, "2030-11-03", "2030-11-03");
    fix_expect_status(s, "PUT", key, fix_fmt("{\"deal_id\":%lld}", (long long)deal), 200,
                      ENTRIES "/%lld", (long long)on_deal);
    fix_expect_error(s, "DELETE", key, NULL, 422, "/api/v1/deals/%lld", (long long)deal);
    /* once the entries are gone, so may they be */
    fix_expect_status(s, "DELETE", key, NULL, 200, ENTRIES "/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 200, ENTRIES "/%lld", (long long)on_deal);
    fix_expect_status(s, "DELETE", key, NULL, 200, "/api/v1/projects/%lld", (long long)p);
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/deals/%lld", (long long)deal);
    /* a user with entries is not deleted either */
    entry(s, user, fx.project, "2030-11-04", "2030-11-04");
    fix_expect_error(s, "DELETE", key, NULL, 422, "/api/v1/users/%lld", (long long)user);
}

/* ---- permissions and impersonation -------------------------------------------------------- */

static void test_entry_permissions(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *admin = mt_admin_key(s);
    const char *employee_key, *staff_key, *leader_key, *readonly_key;
    json_int_t employee = new_user(s, "Employee", &employee_key);
    new_user(s, "Staff", &staff_key);
    new_user(s, "Project leader", &leader_key);
    new_user(s, "Read-only", &readonly_key);
    json_int_t colleague = new_user(s, NULL, NULL);
    json_int_t theirs = entry(s, colleague, fx.project, "2030-12-01", "2030-12-02");

    /* the planning is the calendar area: an employee plans (on projects, which they see) */
    mt_resp *r = create_as(s, employee_key,
                           json_pack("{s:I, s:s, s:s, s:i}", "project_id", fx.project, "starts_on",
                                     "2030-12-01", "ends_on", "2030-12-01", "hours_per_day", 8));
    MT_ASSERT_JSON_INT(r->json, "user.id", employee);
    json_int_t own = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(s, "GET", employee_key, NULL, 200, ENTRIES "/%lld", (long long)theirs);
    fix_expect_status(s, "PUT", employee_key, "{\"comment\":\"ok\"}", 200, ENTRIES "/%lld",
                      (long long)own);
    /* ... but not on deals, which their role does not show them (sales) */
    fix_expect_error(s, "POST", employee_key,
                     fix_fmt("{\"deal_id\":%lld,\"starts_on\":\"2030-12-03\",\"ends_on\":"
                             "\"2030-12-03\",\"hours_per_day\":1}",
                             (long long)fx.deal),
                     403, ENTRIES);
    fix_expect_error(s, "PUT", employee_key, fix_fmt("{\"deal_id\":%lld}", (long long)fx.deal), 403,
                     ENTRIES "/%lld", (long long)own);
    /* others' plans are for Staff and project leaders: an employee neither plans a colleague
     * nor changes or deletes their entry */
    fix_expect_error(s, "POST", employee_key,
                     fix_fmt("{\"project_id\":%lld,\"user_id\":%lld,\"starts_on\":\"2030-12-05\","
                             "\"ends_on\":\"2030-12-05\",\"hours_per_day\":2}",
                             (long long)fx.project, (long long)colleague),
                     403, ENTRIES);
    fix_expect_error(s, "PUT", employee_key, "{\"hours_per_day\":24}", 403, ENTRIES "/%lld",
                     (long long)theirs);
    fix_expect_error(s, "PUT", employee_key, fix_fmt("{\"user_id\":%lld}", (long long)colleague),
                     403, ENTRIES "/%lld", (long long)own);
    fix_expect_error(s, "DELETE", employee_key, NULL, 403, ENTRIES "/%lld", (long long)theirs);
    fix_expect_status(s, "PUT", staff_key, "{\"comment\":\"by staff\"}", 200, ENTRIES "/%lld",
                      (long long)theirs);
    fix_expect_status(s, "PUT", leader_key, "{\"comment\":\"by the leader\"}", 200, ENTRIES "/%lld",
                      (long long)theirs);
    /* a project leader may (sales: read) */
    mt_resp_free(create_as(s, leader_key,
                           json_pack("{s:I, s:s, s:s, s:i}", "deal_id", fx.deal, "starts_on",
                                     "2030-12-03", "ends_on", "2030-12-03", "hours_per_day", 1)));
    fix_expect_status(s, "DELETE", employee_key, NULL, 200, ENTRIES "/%lld", (long long)own);

    /* impersonation: the entry is the impersonated user's */
    r = mt_request(
        s, "POST", ENTRIES, staff_key,
        fix_fmt("{\"project_id\":%lld,\"starts_on\":\"2030-12-04\",\"ends_on\":"
                "\"2030-12-04\",\"hours_per_day\":2}",
                (long long)fx.project),
        (const char *[]){fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)employee), NULL});
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", employee);
    mt_resp_free(r);

    /* read-only roles and keys read and write nothing */
    const char *read_key = fix_keep(mt_account_key(s, MT_ACCOUNT, "read"));
    for (int i = 0; i < 2; i++) {
        const char *k = i ? read_key : readonly_key;
        fix_expect_status(s, "GET", k, NULL, 200, ENTRIES);
        fix_expect_status(s, "GET", k, NULL, 200, ENTRIES "/%lld", (long long)theirs);
        fix_expect_error(s, "POST", k,
                         fix_fmt("{\"project_id\":%lld,\"user_id\":%lld,\"starts_on\":\"2030-12-"
                                 "05\",\"ends_on\":\"2030-12-05\",\"hours_per_day\":2}",
                                 (long long)fx.project, (long long)colleague),
                         403, ENTRIES);
        fix_expect_error(s, "PUT", k, "{\"comment\":\"x\"}", 403, ENTRIES "/%lld",
                         (long long)theirs);
        fix_expect_error(s, "DELETE", k, NULL, 403, ENTRIES "/%lld", (long long)theirs);
    }
    r = mt_getf(s, admin, ENTRIES "/%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "comment", "by the leader");
    mt_resp_free(r);
    fix_expect_error(s, "GET", NULL, NULL, 401, ENTRIES);
    fix_expect_422(s, "GET", admin, NULL, "period", ENTRIES "?period=2030-12-05:2030-12-01");

    /* an account key plans for a user it names */
    const char *account = fix_keep(mt_account_key(s, MT_ACCOUNT, "full"));
    fix_expect_422(s, "POST", account,
                   fix_fmt("{\"project_id\":%lld,\"starts_on\":\"2030-12-06\",\"ends_on\":\"2030-"
                           "12-06\",\"hours_per_day\":2}",
                           (long long)fx.project),
                   "user_id", ENTRIES);
}

/* ---- tenants ------------------------------------------------------------------------------ */

static void test_entry_tenants(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    const char *other = fix_other_key(s);
    json_int_t their_user = fix_session_user_id(s, other);
    json_int_t their_company = fix_create_company_as(s, other, "customer", "Other Customer");
    char ident[32];
    snprintf(ident, sizeof ident, "PE-O%d", ++g_counter);
    json_int_t their_project =
        fix_create_project_as(s, other, "Their Project", ident, their_user, their_company);
    json_int_t their_deal = fix_create_deal(s, other, "Their Deal", their_user);
    mt_resp *r =
        create_as(s, other,
                  json_pack("{s:I, s:s, s:s, s:i}", "project_id", their_project, "starts_on",
                            "2030-12-10", "ends_on", "2030-12-11", "hours_per_day", 3));
    json_int_t theirs = mt_json_int(r->json, "id");
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, ENTRIES "/%lld", (long long)theirs);
    fix_expect_error(s, "PUT", key, "{\"comment\":\"x\"}", 404, ENTRIES "/%lld", (long long)theirs);
    fix_expect_error(s, "DELETE", key, NULL, 404, ENTRIES "/%lld", (long long)theirs);
    assert_false(fix_list_has(s, ENTRIES "?per_page=1000", theirs));
    fix_assert_list_empty(s, key, fix_fmt(ENTRIES "?project_id=%lld", (long long)their_project));
    /* their project, deal and user are none of acme's */
    const char *dates =
        "\"starts_on\":\"2030-12-10\",\"ends_on\":\"2030-12-10\",\"hours_per_day\":1";
    fix_expect_422(s, "POST", key,
                   fix_fmt("{\"project_id\":%lld,%s}", (long long)their_project, dates),
                   "project_id", ENTRIES);
    fix_expect_422(s, "POST", key, fix_fmt("{\"deal_id\":%lld,%s}", (long long)their_deal, dates),
                   "deal_id", ENTRIES);
    fix_expect_422(s, "POST", key,
                   fix_fmt("{\"project_id\":%lld,\"user_id\":%lld,%s}", (long long)fx.project,
                           (long long)their_user, dates),
                   "user_id", ENTRIES);
    fix_expect_status(s, "GET", other, NULL, 200, ENTRIES "/%lld", (long long)theirs);
}

/* ---- web hooks ---------------------------------------------------------------------------- */

static json_int_t hook(mt_server *s, const char *event)
{
    mt_resp *r = mt_request_json(s, "POST", HOOKS, mt_admin_key(s),
                                 json_pack("{s:s, s:s, s:s}", "target", "PlanningEntry", "event",
                                           event, "hook", "http://127.0.0.1:9/planning"),
                                 NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

static json_t *payload_of(mt_server *s, const char *event, json_int_t id)
{
    char *text = mt_sql_str(s, fix_fmt("SELECT payload FROM webhook_events WHERE target = "
                                       "'PlanningEntry' AND event = '%s' AND entity_id = %lld "
                                       "ORDER BY id DESC LIMIT 1",
                                       event, (long long)id));
    json_t *p = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(p);
    return p;
}

static void test_entry_webhooks(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t hooks[3] = {hook(s, "create"), hook(s, "update"), hook(s, "delete")};

    mt_resp *made = create_as(s, key,
                              json_pack("{s:I, s:I, s:s, s:s, s:s}", "project_id", fx.project,
                                        "user_id", user, "starts_on", "2030-12-20", "ends_on",
                                        "2030-12-22", "hours_per_day", "2.25"));
    json_int_t id = mt_json_int(made->json, "id");
    json_t *p = payload_of(s, "create", id);
    fix_assert_json_equal(p, made->json);
    json_decref(p);
    mt_resp_free(made);
    fix_expect_status(s, "PUT", key, "{\"tentative\":true}", 200, ENTRIES "/%lld", (long long)id);
    p = payload_of(s, "update", id);
    MT_ASSERT_JSON_TYPE(p, "tentative", JSON_TRUE);
    json_decref(p);
    mt_resp *r = mt_deletef(s, key, ENTRIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    p = payload_of(s, "delete", id);
    fix_assert_json_equal(p, r->json);
    json_decref(p);
    mt_resp_free(r);
    static const char *const events[] = {"create", "update", "delete"};
    for (int i = 0; i < 3; i++) {
        r = mt_getf(s, key, HOOKS "/%lld/deliveries", (long long)hooks[i]);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(json_array_size(r->json), 1);
        MT_ASSERT_JSON_STR(r->json, "[0].target", "PlanningEntry");
        MT_ASSERT_JSON_STR(r->json, "[0].event", events[i]);
        MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
        mt_resp_free(r);
        fix_expect_status(s, "DELETE", key, NULL, 204, HOOKS "/%lld", (long long)hooks[i]);
    }
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_create_and_get), cmocka_unit_test(test_entry_hours_exact),
        cmocka_unit_test(test_entry_validation),     cmocka_unit_test(test_entry_list),
        cmocka_unit_test(test_entry_update),         cmocka_unit_test(test_entry_delete),
        cmocka_unit_test(test_entry_references),     cmocka_unit_test(test_entry_permissions),
        cmocka_unit_test(test_entry_tenants),        cmocka_unit_test(test_entry_webhooks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
