/*
 * API tests of activities (sections/activities.md): create (hours and seconds, billable and the
 * hourly rate derived from project, task and contract), the rules that refuse (dates, seconds,
 * tasks of other projects, archived projects and tasks, people not on the staff), bulk creation
 * (all or nothing), every list filter, updates, deletes, billable seconds, timers (with the test
 * clock: "today" is the account's calendar day), disregarding, who sees whose time, references
 * that make projects, tasks and users undeletable, and web hook events.
 *
 * One server for most tests (group fixture), started with the test clock at
 * 2026-03-28T23:30:00Z: already 2026-03-29 in Europe/Berlin, the account's default zone.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTIVITIES "/api/v1/activities"
#define FAKE_NOW   "2026-03-28T23:30:00Z"
#define TODAY      "2026-03-29" /* FAKE_NOW in Berlin */

#define ACTIVITY_KEYS                                                                              \
    "id,date,hours,seconds,worked_seconds,description,billed,invoice_id,billable,tag,"             \
    "remote_service,remote_id,remote_url,project,task,customer,user,hourly_rate,"                  \
    "timer_started_at,created_at,updated_at"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, unit;
    json_int_t customer, other_customer;
    json_int_t project, task; /* billing variant project, hourly rate 120 */
    char *emp_key, *leader_key;
    json_int_t emp, leader;
    int n;
} g;

/* A project of the customer led by leader, with variant and rate; *task gets a task of it. */
static json_int_t make_project(json_int_t leader, json_int_t customer, const char *variant,
                               const char *rate, const char *task_rate, json_int_t *task)
{
    char body[512];
    int n = ++g.n;
    snprintf(body, sizeof body,
             "{\"name\":\"Act project %d\",\"identifier\":\"ACT-%d\",\"currency\":\"EUR\","
             "\"fixed_price\":false,\"leader_id\":%lld,\"customer_id\":%lld,"
             "\"billing_variant\":\"%s\",\"hourly_rate\":%s}",
             n, n, (long long)leader, (long long)customer, variant, rate);
    json_int_t pid = mt_create(g.s, "/api/v1/projects", g.key, body);
    snprintf(body, sizeof body, "{\"name\":\"Task %d\",\"hourly_rate\":%s}", ++g.n, task_rate);
    mt_resp *r =
        mt_requestf(g.s, "POST", g.key, body, "/api/v1/projects/%lld/tasks", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    *task = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return pid;
}

static void add_staff(json_int_t project, json_int_t user, const char *rate)
{
    char body[128];
    snprintf(body, sizeof body, "{\"user_id\":%lld,\"hourly_rate\":%s}", (long long)user, rate);
    mt_resp *r = mt_requestf(g.s, "POST", g.key, body, "/api/v1/projects/%lld/contracts",
                             (long long)project);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

static int group_setup(void **state)
{
    (void)state;
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g.s = mt_start("--fake-now " FAKE_NOW " --webhook-allow-private --webhook-retry-base 3600");
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.unit = fix_first_unit_id(g.s);
    g.emp = fix_user_with_role(g.s, "Emma", "Employee", &g.emp_key);
    g.leader = fix_user_with_role(g.s, "Leo", "Project leader", &g.leader_key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Tracked Time GmbH");
    g.other_customer = fix_create_company_as(g.s, g.key, "customer", "Other Time AG");
    g.project = make_project(g.admin, g.customer, "project", "120", "0", &g.task);
    add_staff(g.project, g.emp, "0");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.emp_key);
    free(g.leader_key);
    mt_stop(g.s);
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    return 0;
}

static mt_resp *post_as(const char *key, const char *path, const char *body)
{
    return mt_request(g.s, "POST", path, key, body, NULL);
}

/* A new activity of the admin: 200, the documented keys; its id. */
static json_int_t track(const char *date, json_int_t project, json_int_t task, int seconds,
                        const char *extra)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"date\":\"%s\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":%d%s%s}", date,
             (long long)project, (long long)task, seconds, extra ? "," : "", extra ? extra : "");
    mt_resp *r = post_as(g.key, ACTIVITIES, body);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, ACTIVITY_KEYS);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static mt_resp *get_activity(json_int_t id)
{
    mt_resp *r = mt_getf(g.s, g.key, ACTIVITIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    return r;
}

/* ---- create ------------------------------------------------------------------------------ */

static void test_create_renders_the_documented_activity(void **state)
{
    (void)state;
    char body[512];
    snprintf(body, sizeof body,
             "{\"date\":\"2026-03-02\",\"description\":\"Analysis\",\"project_id\":%lld,"
             "\"task_id\":%lld,\"seconds\":4500,\"tag\":\"RMT-123\",\"remote_service\":\"jira\","
             "\"remote_id\":\"PRJ-2342\",\"remote_url\":\"https://jira.example/browse/PRJ-2342\"}",
             (long long)g.project, (long long)g.task);
    mt_resp *r = post_as(g.key, ACTIVITIES, body);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, ACTIVITY_KEYS);
    MT_ASSERT_JSON_STR(r->json, "date", "2026-03-02");
    fix_assert_number(r->json, "hours", 1.25);
    MT_ASSERT_JSON_TYPE(r->json, "hours", JSON_REAL);
    MT_ASSERT_JSON_INT(r->json, "seconds", 4500);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 4500);
    MT_ASSERT_JSON_STR(r->json, "description", "Analysis");
    assert_false(mt_json_bool(r->json, "billed"));
    assert_true(json_is_null(mt_json_get(r->json, "invoice_id")));
    assert_true(mt_json_bool(r->json, "billable"));
    MT_ASSERT_JSON_STR(r->json, "tag", "RMT-123");
    MT_ASSERT_JSON_STR(r->json, "remote_service", "jira");
    MT_ASSERT_JSON_STR(r->json, "remote_id", "PRJ-2342");
    mt_assert_keys(mt_json_get(r->json, "project"), "id,name,billable");
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    mt_assert_keys(mt_json_get(r->json, "task"), "id,name,billable");
    MT_ASSERT_JSON_INT(r->json, "task.id", g.task);
    mt_assert_keys(mt_json_get(r->json, "customer"), "id,name");
    MT_ASSERT_JSON_INT(r->json, "customer.id", g.customer);
    MT_ASSERT_JSON_STR(r->json, "customer.name", "Tracked Time GmbH");
    mt_assert_keys(mt_json_get(r->json, "user"), "id,firstname,lastname");
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin);
    fix_assert_number(r->json, "hourly_rate", 120);
    assert_true(json_is_null(mt_json_get(r->json, "timer_started_at")));
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = get_activity(id);
    mt_assert_keys(r->json, ACTIVITY_KEYS);
    MT_ASSERT_JSON_INT(r->json, "seconds", 4500);
    mt_resp_free(r);
}

static void test_hours_and_seconds_stay_consistent(void **state)
{
    (void)state;
    json_int_t id = track("2026-03-03", g.project, g.task, 0, NULL);
    mt_resp *r = get_activity(id);
    MT_ASSERT_JSON_INT(r->json, "seconds", 0);
    fix_assert_number(r->json, "hours", 0);
    mt_resp_free(r);

    /* hours in: seconds follow, to the second */
    r = mt_requestf(g.s, "PUT", g.key, "{\"hours\":1.5}", ACTIVITIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 5400);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 5400);
    fix_assert_number(r->json, "hours", 1.5);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"hours\":\"0.3333333333333333\"}", ACTIVITIES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 1200);
    fix_assert_number(r->json, "hours", 0.33);
    mt_resp_free(r);
    /* seconds in: hours follow, rounded to two decimals */
    r = mt_requestf(g.s, "PUT", g.key, "{\"seconds\":5000}", ACTIVITIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "hours", 1.39);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 5000);
    mt_resp_free(r);
    /* both: seconds win */
    r = mt_requestf(g.s, "PUT", g.key, "{\"seconds\":3600,\"hours\":5}", ACTIVITIES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "hours", 1.0);
    mt_resp_free(r);
    /* null texts are empty, as they render as strings */
    r = mt_requestf(g.s, "PUT", g.key, "{\"description\":null,\"tag\":null}", ACTIVITIES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "description", "");
    MT_ASSERT_JSON_STR(r->json, "tag", "");
    mt_resp_free(r);
    /* other fields leave the time alone */
    r = mt_requestf(g.s, "PUT", g.key, "{\"description\":\"later\"}", ACTIVITIES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 3600);
    MT_ASSERT_JSON_STR(r->json, "description", "later");
    mt_resp_free(r);
}

static void test_billable_follows_project_and_task_unless_set(void **state)
{
    (void)state;
    json_int_t task;
    json_int_t pid = make_project(g.admin, g.customer, "project", "100", "0", &task);
    json_int_t unbillable_task =
        mt_create(g.s, fix_fmt("/api/v1/projects/%lld/tasks", (long long)pid), g.key,
                  "{\"name\":\"Internal meeting\",\"billable\":false}");
    json_int_t a = track("2026-03-04", pid, task, 600, NULL);
    json_int_t b = track("2026-03-04", pid, unbillable_task, 600, NULL);
    json_int_t c = track("2026-03-04", pid, task, 600, "\"billable\":false");
    json_int_t d = track("2026-03-04", pid, unbillable_task, 600, "\"billable\":true");
    bool want[] = {true, false, false, true};
    json_int_t ids[] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        mt_resp *r = get_activity(ids[i]);
        assert_int_equal(mt_json_bool(r->json, "billable"), want[i]);
        mt_resp_free(r);
    }
    /* a project that is not billable makes its time not billable */
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"billable\":false}", "/api/v1/projects/%lld",
                             (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    json_int_t e = track("2026-03-04", pid, task, 600, NULL);
    r = get_activity(e);
    assert_false(mt_json_bool(r->json, "billable"));
    mt_resp_free(r);
}

static void test_hourly_rate_follows_the_billing_variant(void **state)
{
    (void)state;
    json_int_t t1, t2, t3;
    json_int_t by_project = make_project(g.admin, g.customer, "project", "95.5", "70", &t1);
    json_int_t by_task = make_project(g.admin, g.customer, "task", "95.5", "70.25", &t2);
    json_int_t by_user = make_project(g.leader, g.customer, "user", "95.5", "70", &t3);
    add_staff(by_user, g.admin, "133.33");
    const char *want[] = {"95.5", "70.25", "133.33"};
    json_int_t projects[] = {by_project, by_task, by_user};
    json_int_t tasks[] = {t1, t2, t3};
    for (int i = 0; i < 3; i++) {
        json_int_t id = track("2026-03-05", projects[i], tasks[i], 3600, NULL);
        mt_resp *r = get_activity(id);
        fix_assert_number(r->json, "hourly_rate", atof(want[i]));
        MT_ASSERT_JSON_TYPE(r->json, "hourly_rate", JSON_REAL);
        mt_resp_free(r);
    }
}

/* A project that gives no rate (0): the account's rates, the customer's own first. */
static void test_hourly_rate_falls_back_to_the_accounts_rates(void **state)
{
    (void)state;
    mt_resp *r = mt_request(
        g.s, "PATCH", "/api/v1/account/hourly_rates", g.key,
        fix_fmt("{\"defaults_rates\":[{\"currency\":\"EUR\",\"hourly_rate\":99.5}],"
                "\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":"
                "111}]}]}",
                (long long)g.admin),
        NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    json_int_t customer = fix_create_company_as(g.s, g.key, "customer", "Own Rates KG");
    r = mt_request(g.s, "PATCH", "/api/v1/account/hourly_rates", g.key,
                   fix_fmt("{\"company_id\":%lld,\"defaults_rates\":[{\"currency\":\"EUR\","
                           "\"hourly_rate\":77}]}",
                           (long long)customer),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    json_int_t t1, t2, t3;
    json_int_t plain = make_project(g.admin, g.customer, "project", "0", "0", &t1);
    json_int_t by_user = make_project(g.admin, g.customer, "user", "0", "0", &t2);
    json_int_t own = make_project(g.admin, customer, "project", "0", "0", &t3);
    const double want[] = {99.5, 111, 77};
    json_int_t projects[] = {plain, by_user, own};
    json_int_t tasks[] = {t1, t2, t3};
    for (int i = 0; i < 3; i++) {
        json_int_t id = track("2026-03-05", projects[i], tasks[i], 3600, NULL);
        mt_resp *a = get_activity(id);
        fix_assert_number(a->json, "hourly_rate", want[i]);
        mt_resp_free(a);
    }
}

static void test_created_for_the_acting_or_impersonated_user(void **state)
{
    (void)state;
    char body[256];
    snprintf(body, sizeof body,
             "{\"date\":\"2026-03-06\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":60,"
             "\"user_id\":%lld}",
             (long long)g.project, (long long)g.task, (long long)g.emp);
    /* user_id is not input: the key's owner tracks */
    mt_resp *r = post_as(g.key, ACTIVITIES, body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin);
    mt_resp_free(r);
    r = post_as(g.emp_key, ACTIVITIES, body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    mt_resp_free(r);
    char imp[64];
    snprintf(imp, sizeof imp, "X-IMPERSONATE-USER-ID: %lld", (long long)g.emp);
    const char *hdr[] = {imp, NULL};
    r = mt_request(g.s, "POST", ACTIVITIES, g.key, body, hdr);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    mt_resp_free(r);
    /* an account key names nobody: it must impersonate */
    char *full = mt_account_key(g.s, "acme", "full");
    r = post_as(full, ACTIVITIES, body);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", ACTIVITIES, full, body, hdr);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    mt_resp_free(r);
    free(full);
}

/* ---- refusals ---------------------------------------------------------------------------- */

static void expect_create_422(const char *body, const char *field)
{
    mt_resp *r = post_as(g.key, ACTIVITIES, body);
    fix_assert_422(r, field);
    mt_resp_free(r);
}

static void test_bad_input_is_a_422_naming_the_field(void **state)
{
    (void)state;
    mt_resp *r = mt_get(g.s, ACTIVITIES "?per_page=1", g.key);
    const char *before = strdup(mt_header(r, "X-Total"));
    mt_resp_free(r);
    long long p = g.project, t = g.task;
    expect_create_422(fix_fmt("{\"project_id\":%lld,\"task_id\":%lld}", p, t), "date");
    expect_create_422(
        fix_fmt("{\"date\":\"2026-02-30\",\"project_id\":%lld,\"task_id\":%lld}", p, t), "date");
    expect_create_422(
        fix_fmt("{\"date\":\"03/01/2026\",\"project_id\":%lld,\"task_id\":%lld}", p, t), "date");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"task_id\":%lld}", t), "project_id");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld}", p), "task_id");
    expect_create_422(
        fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":-1}", p,
                t),
        "seconds");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld,"
                              "\"seconds\":86401}",
                              p, t),
                      "seconds");
    expect_create_422(
        fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld,\"hours\":25}", p,
                t),
        "hours");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld,"
                              "\"hours\":\"many\"}",
                              p, t),
                      "hours");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld,"
                              "\"remote_service\":\"myspace\"}",
                              p, t),
                      "remote_service");
    expect_create_422(
        fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":987654321,\"task_id\":%lld}", t),
        "project_id");
    /* a task of another project */
    json_int_t other_task;
    json_int_t other = make_project(g.admin, g.customer, "project", "1", "0", &other_task);
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld}", p,
                              (long long)other_task),
                      "task_id");
    /* an inactive task, an archived project */
    json_int_t inactive = mt_create(g.s, fix_fmt("/api/v1/projects/%lld/tasks", (long long)other),
                                    g.key, "{\"name\":\"Old\",\"active\":false}");
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld}",
                              (long long)other, (long long)inactive),
                      "task_id");
    r = mt_requestf(g.s, "PUT", g.key, NULL, "/api/v1/projects/%lld/archive", (long long)other);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld}",
                              (long long)other, (long long)other_task),
                      "project_id");
    /* someone not on the project's staff */
    json_int_t lone_task;
    json_int_t lone = make_project(g.leader, g.customer, "project", "1", "0", &lone_task);
    expect_create_422(fix_fmt("{\"date\":\"2026-03-01\",\"project_id\":%lld,\"task_id\":%lld}",
                              (long long)lone, (long long)lone_task),
                      "project_id");
    /* a body that is not an object */
    r = post_as(g.key, ACTIVITIES, "[1,2]");
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
    /* nothing of it was written */
    r = mt_get(g.s, ACTIVITIES "?per_page=1", g.key);
    assert_string_equal(mt_header(r, "X-Total"), before);
    mt_resp_free(r);
    free((char *)before);
}

/* ---- bulk -------------------------------------------------------------------------------- */

static void test_bulk_is_all_or_nothing(void **state)
{
    (void)state;
    json_int_t task;
    json_int_t pid = make_project(g.admin, g.customer, "project", "80", "0", &task);
    const char *item = fix_fmt("{\"date\":\"2026-03-10\",\"project_id\":%lld,\"task_id\":%lld,"
                               "\"seconds\":3600,\"description\":\"bulk\"}",
                               (long long)pid, (long long)task);
    /* the third item is invalid: 422 naming it, nothing written */
    const char *bad = fix_fmt("{\"activities\":[%s,%s,{\"date\":\"2026-03-10\",\"project_id\":%lld,"
                              "\"task_id\":%lld,\"seconds\":99999}]}",
                              item, item, (long long)pid, (long long)task);
    mt_resp *r = post_as(g.key, ACTIVITIES "/bulk", bad);
    fix_assert_422(r, "activities[2].seconds");
    mt_resp_free(r);
    bad = fix_fmt("{\"activities\":[%s,{\"date\":\"2026-13-10\",\"project_id\":%lld,"
                  "\"task_id\":%lld}]}",
                  item, (long long)pid, (long long)task);
    r = post_as(g.key, ACTIVITIES "/bulk", bad);
    fix_assert_422(r, "activities[1].date");
    mt_resp_free(r);
    fix_assert_list_empty(g.s, g.key, fix_fmt(ACTIVITIES "?project_id=%lld", (long long)pid));
    r = post_as(g.key, ACTIVITIES "/bulk", "{\"activities\":[]}");
    fix_assert_422(r, "activities");
    mt_resp_free(r);
    r = post_as(g.key, ACTIVITIES "/bulk", fix_fmt("{\"activities\":[%s,1]}", item));
    fix_assert_422(r, "activities[1]");
    mt_resp_free(r);

    /* all valid: every one written, answered in order */
    r = post_as(g.key, ACTIVITIES "/bulk",
                fix_fmt("{\"activities\":[%s,%s,%s]}", item, item, item));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    mt_assert_keys(json_array_get(r->json, 0), ACTIVITY_KEYS);
    MT_ASSERT_JSON_STR(r->json, "[2].description", "bulk");
    fix_assert_number(r->json, "[1].hourly_rate", 80);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, ACTIVITIES "?project_id=%lld", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    mt_resp_free(r);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_list_filters(void **state)
{
    (void)state;
    json_int_t t1, t2;
    json_int_t p1 = make_project(g.admin, g.customer, "project", "10", "0", &t1);
    json_int_t p2 = make_project(g.admin, g.other_customer, "project", "10", "0", &t2);
    json_int_t t1b = mt_create(g.s, fix_fmt("/api/v1/projects/%lld/tasks", (long long)p1), g.key,
                               "{\"name\":\"Second\"}");
    add_staff(p2, g.emp, "0");
    json_int_t a = track("2026-02-01", p1, t1, 60, "\"description\":\"needle in a haystack\"");
    json_int_t b = track("2026-02-15", p1, t1b, 60, "\"billable\":false,\"tag\":\"NEEDLE-1\"");
    json_int_t c = track("2026-02-28", p2, t2, 60, "\"remote_id\":\"needle-42\"");
    char imp[64];
    snprintf(imp, sizeof imp, "X-IMPERSONATE-USER-ID: %lld", (long long)g.emp);
    const char *hdr[] = {imp, NULL};
    mt_resp *r = mt_request(g.s, "POST", ACTIVITIES, g.key,
                            fix_fmt("{\"date\":\"2026-02-20\",\"project_id\":%lld,\"task_id\":%lld,"
                                    "\"seconds\":60}",
                                    (long long)p2, (long long)t2),
                            hdr);
    MT_ASSERT_STATUS(r, 200);
    json_int_t d = mt_json_int(r->json, "id");
    mt_resp_free(r);
    long long P1 = p1, P2 = p2;
    const char *in = fix_fmt("project_id=%lld,%lld", P1, P2);

    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s", in), a, b, d, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&from=2026-02-15&to=2026-02-20", in), b,
                       d);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&from=2026-02-16", in), d, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&to=2026-02-01", in), a);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?project_id=%lld", P2), d, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?task_id=%lld", (long long)t1b), b);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&user_id=%lld", in, (long long)g.emp), d);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(ACTIVITIES "?company_id=%lld&%s", (long long)g.other_customer, in),
                       d, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&billable=false", in), b);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&billable=true", in), a, d, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&billed=false", in), a, b, d, c);
    fix_assert_list_empty(g.s, g.key, fix_fmt(ACTIVITIES "?%s&billed=true", in));
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&term=needle", in), a, b, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?ids=%lld,%lld", (long long)c, (long long)a),
                       a, c);
    fix_assert_list_of(g.s, g.key, fix_fmt(ACTIVITIES "?%s&sort_by=date%%20desc", in), c, d, b, a);
    /* the list's headers */
    r = mt_get(g.s, fix_fmt(ACTIVITIES "?%s&per_page=2", in), g.key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "4");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    assert_int_equal(json_array_size(r->json), 2);
    mt_assert_keys(json_array_get(r->json, 0), ACTIVITY_KEYS);
    mt_resp_free(r);
    /* bad filters */
    r = mt_get(g.s, ACTIVITIES "?from=2026-02-30", g.key);
    fix_assert_422(r, "from");
    mt_resp_free(r);
    r = mt_get(g.s, ACTIVITIES "?from=2026-03-01&to=2026-02-01", g.key);
    fix_assert_422(r, "from");
    mt_resp_free(r);
    r = mt_get(g.s, ACTIVITIES "?billable=maybe", g.key);
    fix_assert_422(r, "billable");
    mt_resp_free(r);
    r = mt_get(g.s, ACTIVITIES "?user_id=abc", g.key);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
}

static void test_updated_after_filter(void **state)
{
    (void)state;
    json_int_t id = track("2026-01-05", g.project, g.task, 60, NULL);
    mt_resp *r = get_activity(id);
    char *stamp = strdup(mt_json_str(r->json, "updated_at"));
    mt_resp_free(r);
    r = mt_get(g.s, fix_fmt(ACTIVITIES "?updated_after=%s&from=2026-01-05&to=2026-01-05", stamp),
               g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id)); /* strictly after */
    mt_resp_free(r);
    r = mt_get(g.s, ACTIVITIES "?updated_after=2000-01-01T00:00:00Z&from=2026-01-05&to=2026-01-05",
               g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    free(stamp);
}

/* ---- who sees and changes whose time ----------------------------------------------------- */

static void test_employees_see_only_their_own_time(void **state)
{
    (void)state;
    json_int_t mine = track("2026-03-12", g.project, g.task, 60, NULL);
    mt_resp *r = post_as(g.emp_key, ACTIVITIES,
                         fix_fmt("{\"date\":\"2026-03-12\",\"project_id\":%lld,\"task_id\":%lld,"
                                 "\"seconds\":120}",
                                 (long long)g.project, (long long)g.task));
    MT_ASSERT_STATUS(r, 200);
    json_int_t theirs = mt_json_int(r->json, "id");
    mt_resp_free(r);
    const char *day = ACTIVITIES "?from=2026-03-12&to=2026-03-12";
    fix_assert_list_of(g.s, g.emp_key, day, theirs);
    fix_assert_list_of(g.s, g.key, day, mine, theirs);
    r = mt_getf(g.s, g.emp_key, ACTIVITIES "/%lld", (long long)mine);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.emp_key, "{\"seconds\":1}", ACTIVITIES "/%lld", (long long)mine);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.emp_key, ACTIVITIES "/%lld", (long long)mine);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.emp_key, NULL, ACTIVITIES "/%lld/start_timer", (long long)mine);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    /* their own they change */
    r = mt_requestf(g.s, "PUT", g.emp_key, "{\"seconds\":180}", ACTIVITIES "/%lld",
                    (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 180);
    mt_resp_free(r);
    r = get_activity(mine);
    MT_ASSERT_JSON_INT(r->json, "seconds", 60);
    mt_resp_free(r);
}

/* ---- delete, and what activities keep ---------------------------------------------------- */

static void test_delete_and_references(void **state)
{
    (void)state;
    json_int_t task;
    json_int_t pid = make_project(g.admin, g.customer, "project", "10", "0", &task);
    char *email = fix_keep(strdup(fix_fmt("worker-%d@example.test", ++g.n)));
    json_int_t worker = fix_create_user_as(g.s, g.key, "Will", "Worker", email, NULL);
    add_staff(pid, worker, "0");
    char imp[64];
    snprintf(imp, sizeof imp, "X-IMPERSONATE-USER-ID: %lld", (long long)worker);
    const char *hdr[] = {imp, NULL};
    mt_resp *r = mt_request(g.s, "POST", ACTIVITIES, g.key,
                            fix_fmt("{\"date\":\"2026-03-13\",\"project_id\":%lld,\"task_id\":%lld,"
                                    "\"seconds\":60}",
                                    (long long)pid, (long long)task),
                            hdr);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* tracked time keeps its task, project and user */
    r = mt_deletef(g.s, g.key, "/api/v1/projects/%lld/tasks/%lld", (long long)pid, (long long)task);
    fix_assert_json_error(r, 422);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, "/api/v1/projects/%lld", (long long)pid);
    fix_assert_json_error(r, 422);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, "/api/v1/users/%lld", (long long)worker);
    fix_assert_json_error(r, 422);
    mt_resp_free(r);
    /* deleted: 204 without a body, then 404 */
    r = mt_deletef(g.s, g.key, ACTIVITIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, ACTIVITIES "/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, "/api/v1/projects/%lld/tasks/%lld", (long long)pid, (long long)task);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
}

/* ---- billable seconds -------------------------------------------------------------------- */

static void test_billable_seconds(void **state)
{
    (void)state;
    json_int_t task;
    json_int_t pid = make_project(g.leader, g.customer, "project", "10", "0", &task);
    add_staff(pid, g.emp, "0");
    add_staff(pid, g.admin, "0");
    mt_resp *r = post_as(g.emp_key, ACTIVITIES,
                         fix_fmt("{\"date\":\"2026-03-14\",\"project_id\":%lld,\"task_id\":%lld,"
                                 "\"seconds\":7200}",
                                 (long long)pid, (long long)task));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* the employee who tracked it is not a leader of the project */
    r = mt_requestf(g.s, "PATCH", g.emp_key, "{\"seconds\":3600}",
                    ACTIVITIES "/%lld/billable_seconds", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    /* the project's leader may: seconds change, worked_seconds stay */
    r = mt_requestf(g.s, "PATCH", g.leader_key, "{\"seconds\":3600}",
                    ACTIVITIES "/%lld/billable_seconds", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 3600);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 7200);
    fix_assert_number(r->json, "hours", 1.0);
    mt_resp_free(r);
    /* administrators may */
    r = mt_requestf(g.s, "PATCH", g.key, "{\"seconds\":5400}", ACTIVITIES "/%lld/billable_seconds",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", 5400);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 7200);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"seconds\":-5}", ACTIVITIES "/%lld/billable_seconds",
                    (long long)id);
    fix_assert_422(r, "seconds");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{}", ACTIVITIES "/%lld/billable_seconds", (long long)id);
    fix_assert_422(r, "seconds");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"seconds\":1e20}", ACTIVITIES "/%lld/billable_seconds",
                    (long long)id);
    fix_assert_422(r, "seconds");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"seconds\":1.5}", ACTIVITIES "/%lld/billable_seconds",
                    (long long)id);
    fix_assert_422(r, "seconds");
    mt_resp_free(r);
}

/* ---- timers ------------------------------------------------------------------------------ */

static void test_timers(void **state)
{
    (void)state;
    json_int_t a = track(TODAY, g.project, g.task, 600, NULL);
    json_int_t b = track(TODAY, g.project, g.task, 0, NULL);
    json_int_t yesterday = track("2026-03-28", g.project, g.task, 0, NULL);
    /* only on an activity of today in the account's zone (it is still the 28th in UTC) */
    mt_resp *r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer",
                             (long long)yesterday);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer", (long long)a);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, ACTIVITY_KEYS);
    MT_ASSERT_TIMESTAMP(r->json, "timer_started_at");
    assert_memory_equal(mt_json_str(r->json, "timer_started_at"), "2026-03-28T23:3", 15);
    mt_resp_free(r);
    /* one timer per user: starting b stops a */
    r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_TIMESTAMP(r->json, "timer_started_at");
    mt_resp_free(r);
    r = get_activity(a);
    assert_true(json_is_null(mt_json_get(r->json, "timer_started_at")));
    assert_true(mt_json_int(r->json, "seconds") >= 600 && mt_json_int(r->json, "seconds") < 700);
    mt_resp_free(r);
    /* another user's timer runs on */
    r = post_as(g.emp_key, ACTIVITIES,
                fix_fmt("{\"date\":\"%s\",\"project_id\":%lld,\"task_id\":%lld}", TODAY,
                        (long long)g.project, (long long)g.task));
    MT_ASSERT_STATUS(r, 200);
    json_int_t e = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.emp_key, NULL, ACTIVITIES "/%lld/start_timer", (long long)e);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = get_activity(b);
    MT_ASSERT_TIMESTAMP(r->json, "timer_started_at");
    mt_resp_free(r);

    /* disregarding an activity stops its timer: billed time does not run on */
    json_int_t f = track(TODAY, g.project, g.task, 0, NULL);
    r = mt_requestf(g.s, "PATCH", g.emp_key, NULL, ACTIVITIES "/%lld/start_timer", (long long)e);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer", (long long)f);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = post_as(g.key, ACTIVITIES "/disregard",
                fix_fmt("{\"reason\":\"x\",\"activity_ids\":[%lld],\"company_id\":%lld}",
                        (long long)f, (long long)g.customer));
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_null(mt_json_get(r->json, "[0].timer_started_at")));
    assert_true(mt_json_bool(r->json, "[0].billed"));
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer", (long long)f);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, NULL, ACTIVITIES "/%lld/start_timer", (long long)b);
    MT_ASSERT_STATUS(r, 200); /* b runs again (its time so far kept) */
    mt_resp_free(r);

    /* an hour later (a second server on the same database, its clock an hour on) */
    mt_server *later = mt_start_sibling(g.s, "--fake-now 2026-03-29T00:30:00Z");
    r = mt_requestf(later, "PATCH", g.key, NULL, ACTIVITIES "/%lld/stop_timer", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_null(mt_json_get(r->json, "timer_started_at")));
    json_int_t ran = mt_json_int(r->json, "seconds");
    if (ran < 3540 || ran > 3660) /* an hour, give or take the seconds the test took */
        fail_msg("ran %lld: %s", (long long)ran, r->body);
    assert_int_equal(mt_json_int(r->json, "worked_seconds"), ran);
    fix_assert_number(r->json, "hours", (double)((ran * 100 + 1800) / 3600) / 100.0);
    mt_resp_free(r);
    /* stopping a stopped timer changes nothing */
    r = mt_requestf(later, "PATCH", g.key, NULL, ACTIVITIES "/%lld/stop_timer", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "seconds", ran);
    mt_resp_free(r);
    r = mt_requestf(later, "PATCH", g.emp_key, NULL, ACTIVITIES "/%lld/stop_timer", (long long)e);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_int(r->json, "seconds") >= 3540);
    mt_resp_free(r);
    mt_stop(later);
}

/* ---- disregard --------------------------------------------------------------------------- */

static void test_disregard(void **state)
{
    (void)state;
    json_int_t task;
    json_int_t pid = make_project(g.admin, g.customer, "project", "10", "0", &task);
    json_int_t a = track("2026-03-16", pid, task, 60, NULL);
    json_int_t b = track("2026-03-17", pid, task, 60, NULL);
    json_int_t c = track("2026-03-18", pid, task, 60, NULL);
    long long A = a, B = b, C = (long long)g.customer;
    /* rules: reason, ids and customer required; ids of that customer (and project) */
    const char *path = ACTIVITIES "/disregard";
    mt_resp *r =
        post_as(g.key, path, fix_fmt("{\"activity_ids\":[%lld],\"company_id\":%lld}", A, C));
    fix_assert_422(r, "reason");
    mt_resp_free(r);
    r = post_as(g.key, path, fix_fmt("{\"reason\":\"x\",\"company_id\":%lld}", C));
    fix_assert_422(r, "activity_ids");
    mt_resp_free(r);
    r = post_as(g.key, path, fix_fmt("{\"reason\":\"x\",\"activity_ids\":[%lld]}", A));
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = post_as(g.key, path,
                fix_fmt("{\"reason\":\"x\",\"activity_ids\":[%lld,%lld],\"company_id\":%lld}", A, B,
                        (long long)g.other_customer));
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = post_as(g.key, path,
                fix_fmt("{\"reason\":\"x\",\"activity_ids\":[%lld],\"company_id\":%lld,"
                        "\"project_id\":%lld}",
                        A, C, (long long)g.project));
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
    fix_assert_list_empty(g.s, g.key,
                          fix_fmt(ACTIVITIES "?project_id=%lld&billed=true", (long long)pid));
    /* what is billed is decided by administrators, invoicing and the project's leaders: an
     * employee may not lock their own time */
    add_staff(pid, g.emp, "0");
    r = post_as(g.emp_key, ACTIVITIES,
                fix_fmt("{\"date\":\"2026-03-16\",\"project_id\":%lld,\"task_id\":%lld}",
                        (long long)pid, (long long)task));
    MT_ASSERT_STATUS(r, 200);
    json_int_t own = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = post_as(g.emp_key, path,
                fix_fmt("{\"reason\":\"mine\",\"activity_ids\":[%lld],\"company_id\":%lld}",
                        (long long)own, C));
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    /* marked as billed, all of them */
    r = post_as(g.key, path,
                fix_fmt("{\"reason\":\"Courtesy service as agreed\",\"activity_ids\":[%lld,%lld],"
                        "\"company_id\":%lld,\"project_id\":%lld}",
                        A, B, C, (long long)pid));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_true(mt_json_bool(r->json, "[0].billed"));
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(ACTIVITIES "?project_id=%lld&billed=true", (long long)pid), a, b);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(ACTIVITIES "?project_id=%lld&billed=false", (long long)pid), own, c);
    /* billed time is locked: no change, no delete, no timer, no second disregard */
    r = mt_requestf(g.s, "PUT", g.key, "{\"seconds\":5}", ACTIVITIES "/%lld", A);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, ACTIVITIES "/%lld", A);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = post_as(
        g.key, path,
        fix_fmt("{\"reason\":\"again\",\"activity_ids\":[%lld],\"company_id\":%lld}", A, C));
    fix_assert_422(r, "activity_ids");
    mt_resp_free(r);
    r = get_activity(a);
    MT_ASSERT_JSON_INT(r->json, "seconds", 60);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void test_read_only_keys_and_other_accounts(void **state)
{
    (void)state;
    json_int_t id = track("2026-03-19", g.project, g.task, 60, NULL);
    const char *read = fix_read_key(g.s);
    mt_resp *r = mt_getf(g.s, read, ACTIVITIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", read, "{\"seconds\":1}", ACTIVITIES "/%lld", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", read, NULL, ACTIVITIES "/%lld/stop_timer", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    const char *other = fix_other_key(g.s);
    r = mt_getf(g.s, other, ACTIVITIES "/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_get(g.s, ACTIVITIES, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    r = post_as(other, ACTIVITIES,
                fix_fmt("{\"date\":\"2026-03-19\",\"project_id\":%lld,\"task_id\":%lld}",
                        (long long)g.project, (long long)g.task));
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
}

/* ---- web hooks --------------------------------------------------------------------------- */

static void test_web_hook_events(void **state)
{
    (void)state;
    mt_resp *r = post_as(g.key, "/api/v1/account/web_hooks",
                         "{\"target\":\"Activity\",\"event\":\"create\","
                         "\"hook\":\"http://127.0.0.1:9/activities\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t hook = mt_json_int(r->json, "id");
    mt_resp_free(r);
    json_int_t id = track("2026-03-20", g.project, g.task, 60, NULL);
    r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    json_t *d = json_array_get(r->json, 0);
    MT_ASSERT_JSON_STR(d, "target", "Activity");
    MT_ASSERT_JSON_STR(d, "event", "create");
    MT_ASSERT_JSON_INT(d, "entity_id", id);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_renders_the_documented_activity),
        cmocka_unit_test(test_hours_and_seconds_stay_consistent),
        cmocka_unit_test(test_billable_follows_project_and_task_unless_set),
        cmocka_unit_test(test_hourly_rate_follows_the_billing_variant),
        cmocka_unit_test(test_hourly_rate_falls_back_to_the_accounts_rates),
        cmocka_unit_test(test_created_for_the_acting_or_impersonated_user),
        cmocka_unit_test(test_bad_input_is_a_422_naming_the_field),
        cmocka_unit_test(test_bulk_is_all_or_nothing),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_updated_after_filter),
        cmocka_unit_test(test_employees_see_only_their_own_time),
        cmocka_unit_test(test_delete_and_references),
        cmocka_unit_test(test_billable_seconds),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_disregard),
        cmocka_unit_test(test_read_only_keys_and_other_accounts),
        cmocka_unit_test(test_web_hook_events),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
