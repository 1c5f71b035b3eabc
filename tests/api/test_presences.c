/*
 * API tests of presences (sections/presences.md): CRUD with "HH:MM" times, the list's filters, the
 * whole-day home office, the time clock POST /users/presences/touch (in the account's time zone,
 * on a test clock), who may see and change whose presences, and the Presence web hook.
 *
 * One server for the file, on the test clock: 2026-03-28T07:30:00Z is 08:30 in Berlin (CET, the
 * day before summer time) and 07:30 in UTC. The clock runs on from there; the tests that touch
 * "now" expect the minute not to turn within the first 30 seconds of the file.
 */
#include "fixtures.h"
#include "receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRESENCES "/api/v1/users/presences"
#define TOUCH     PRESENCES "/touch"
#define KEYS      "id,date,from,to,is_home_office,user,created_at,updated_at"

static mt_server *g_s;
static const char *g_admin;
static json_int_t g_admin_id;
static char *g_emp_key, *g_staff_key;
static json_int_t g_emp_id, g_staff_id;

static int setup(void **state)
{
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g_s = mt_start("--fake-now 2026-03-28T07:30:00Z --webhook-allow-private");
    *state = g_s;
    g_admin = mt_admin_key(g_s);
    g_admin_id = fix_session_user_id(g_s, g_admin);
    g_emp_id = fix_user_with_role(g_s, "Emma", "Employee", &g_emp_key);
    g_staff_id = fix_user_with_role(g_s, "Stefan", "Staff", &g_staff_key);
    return 0;
}

static int teardown(void **state)
{
    free(g_emp_key);
    free(g_staff_key);
    fix_free_strings();
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    return fix_teardown(state);
}

/* POST a presence with key; the reply (status not checked). */
static mt_resp *post(const char *key, const char *body)
{
    return mt_post(g_s, PRESENCES, key, body);
}

static json_int_t create(const char *key, const char *body)
{
    return mt_create(g_s, PRESENCES, key, body);
}

static void delete_ok(const char *key, json_int_t id)
{
    mt_resp *r = mt_deletef(g_s, key, PRESENCES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
}

/* The documented shape, with the acting user as its user. */
static void assert_presence(const json_t *p, const char *date, const char *from, const char *to,
                            bool home, json_int_t user)
{
    mt_assert_keys(p, KEYS);
    MT_ASSERT_JSON_TYPE(p, "id", JSON_INTEGER);
    MT_ASSERT_JSON_STR(p, "date", date);
    MT_ASSERT_JSON_STR(p, "from", from);
    if (to)
        MT_ASSERT_JSON_STR(p, "to", to);
    else
        MT_ASSERT_JSON_NULL(p, "to");
    assert_int_equal(mt_json_bool(p, "is_home_office"), home);
    mt_assert_keys(mt_json_get(p, "user"), FIX_PERSON_KEYS);
    MT_ASSERT_JSON_INT(p, "user.id", user);
    MT_ASSERT_JSON_TYPE(p, "user.firstname", JSON_STRING);
    MT_ASSERT_JSON_TYPE(p, "user.lastname", JSON_STRING);
    MT_ASSERT_TIMESTAMP(p, "created_at");
    MT_ASSERT_TIMESTAMP(p, "updated_at");
}

/* ---- CRUD --------------------------------------------------------------------------------- */

static void test_crud(void **state)
{
    (void)state;
    mt_resp *r = post(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"08:00\",\"to\":\"10:00\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2018-06-11", "08:00", "10:00", false, g_admin_id);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Ada");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_getf(g_s, g_admin, PRESENCES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2018-06-11", "08:00", "10:00", false, g_admin_id);
    mt_resp_free(r);

    /* PUT changes what is given; "to" may be emptied (an open presence) */
    r = mt_requestf(g_s, "PUT", g_admin, "{\"to\":\"14:00\"}", PRESENCES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2018-06-11", "08:00", "14:00", false, g_admin_id);
    mt_resp_free(r);
    r = mt_requestf(g_s, "PATCH", g_admin, "{\"to\":\"\",\"from\":\"7:45\"}", PRESENCES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2018-06-11", "07:45", NULL, false, g_admin_id);
    mt_resp_free(r);
    r = mt_requestf(g_s, "PUT", g_admin, "{\"to\":null,\"is_home_office\":true}", PRESENCES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2018-06-11", "07:45", NULL, true, g_admin_id);
    mt_resp_free(r);

    r = mt_get(g_s, PRESENCES "?from=2018-06-01&to=2018-06-30", g_admin);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    assert_presence(json_array_get(r->json, 0), "2018-06-11", "07:45", NULL, true, g_admin_id);
    MT_ASSERT_HEADER(r, "X-Total", "1");
    mt_resp_free(r);

    delete_ok(g_admin, id);
    fix_expect_error(g_s, "GET", g_admin, NULL, 404, PRESENCES "/%lld", (long long)id);
    fix_expect_error(g_s, "DELETE", g_admin, NULL, 404, PRESENCES "/%lld", (long long)id);
}

/* A presence is the acting user's: a user_id in the body changes nothing; an account key has to
 * impersonate someone. */
static void test_created_for_the_acting_user(void **state)
{
    (void)state;
    char body[160];
    snprintf(body, sizeof body, "{\"date\":\"2018-07-01\",\"from\":\"09:00\",\"user_id\":%lld}",
             (long long)g_emp_id);
    mt_resp *r = post(g_admin, body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g_admin_id);
    json_int_t mine = mt_json_int(r->json, "id");
    mt_resp_free(r);

    char *account_key = mt_account_key(g_s, MT_ACCOUNT, "full");
    r = post(account_key, "{\"date\":\"2018-07-01\",\"from\":\"10:00\"}");
    fix_assert_error(r, 422);
    mt_resp_free(r);
    char as_emp[64];
    snprintf(as_emp, sizeof as_emp, "X-IMPERSONATE-USER-ID: %lld", (long long)g_emp_id);
    const char *hdrs[] = {as_emp, NULL};
    r = mt_request(g_s, "POST", PRESENCES, account_key,
                   "{\"date\":\"2018-07-01\",\"from\":\"10:00\"}", hdrs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g_emp_id);
    json_int_t theirs = mt_json_int(r->json, "id");
    mt_resp_free(r);
    free(account_key);
    delete_ok(g_admin, mine);
    delete_ok(g_admin, theirs);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct {
        const char *body, *field;
    } bad[] = {
        {"{\"from\":\"08:00\"}", "date"},
        {"{\"date\":\"2018-06-11\"}", "from"},
        {"{\"date\":\"2018-02-30\",\"from\":\"08:00\"}", "date"},
        {"{\"date\":\"11.06.2018\",\"from\":\"08:00\"}", "date"},
        {"{\"date\":\"2018-06-11\",\"from\":\"24:00\"}", "from"},
        {"{\"date\":\"2018-06-11\",\"from\":\"08:60\"}", "from"},
        {"{\"date\":\"2018-06-11\",\"from\":\"8h\"}", "from"},
        {"{\"date\":\"2018-06-11\",\"from\":800}", "from"},
        {"{\"date\":\"2018-06-11\",\"from\":\"08:00\",\"to\":\"7:00 pm\"}", "to"},
        {"{\"date\":\"2018-06-11\",\"from\":\"12:00\",\"to\":\"11:59\"}", "to"},
        {"{\"date\":\"2018-06-11\",\"from\":\"12:00\",\"to\":\"12:00\"}", "to"},
        {"{\"date\":\"2018-06-11\",\"from\":\"08:00\",\"is_home_office\":\"maybe\"}",
         "is_home_office"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r = post(g_admin, bad[i].body);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    /* nothing was written */
    fix_assert_list_empty(g_s, g_admin, PRESENCES "?from=2018-06-11&to=2018-06-11");

    /* an update that puts from after to names to; the row stays */
    json_int_t id =
        create(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"08:00\",\"to\":\"10:00\"}");
    mt_resp *r =
        mt_requestf(g_s, "PUT", g_admin, "{\"from\":\"10:30\"}", PRESENCES "/%lld", (long long)id);
    fix_assert_422(r, "to");
    mt_resp_free(r);
    r = mt_requestf(g_s, "PUT", g_admin, "{\"date\":\"2018-13-01\"}", PRESENCES "/%lld",
                    (long long)id);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = mt_getf(g_s, g_admin, PRESENCES "/%lld", (long long)id);
    assert_presence(r->json, "2018-06-11", "08:00", "10:00", false, g_admin_id);
    mt_resp_free(r);

    /* presences of one user and day do not overlap (an open one lasts until the day ends) */
    r = post(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"09:59\",\"to\":\"11:00\"}");
    fix_assert_422(r, "from");
    mt_resp_free(r);
    json_int_t after = create(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"10:00\"}");
    r = post(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"16:00\",\"to\":\"17:00\"}");
    fix_assert_422(r, "from");
    mt_resp_free(r);
    json_int_t before =
        create(g_admin, "{\"date\":\"2018-06-11\",\"from\":\"06:00\",\"to\":\"07:00\"}");
    /* another user's day is theirs */
    json_int_t emp = create(g_emp_key, "{\"date\":\"2018-06-11\",\"from\":\"08:00\"}");
    delete_ok(g_admin, id);
    delete_ok(g_admin, after);
    delete_ok(g_admin, before);
    delete_ok(g_emp_key, emp);
}

static void test_list_filters(void **state)
{
    (void)state;
    json_int_t a = create(g_admin, "{\"date\":\"2019-05-01\",\"from\":\"08:00\",\"to\":\"12:00\"}");
    json_int_t b = create(g_admin, "{\"date\":\"2019-05-31\",\"from\":\"08:00\",\"to\":\"12:00\","
                                   "\"is_home_office\":true}");
    json_int_t c = create(g_admin, "{\"date\":\"2019-06-01\",\"from\":\"08:00\"}");
    json_int_t d = create(g_emp_key, "{\"date\":\"2019-05-15\",\"from\":\"09:00\"}");

    fix_assert_list_of(g_s, g_admin, PRESENCES "?from=2019-05-01&to=2019-05-31", a, b, d);
    fix_assert_list_of(g_s, g_admin, PRESENCES "?from=2019-05-02&to=2019-06-30", b, c, d);
    fix_assert_list_empty(g_s, g_admin, PRESENCES "?from=2019-04-01&to=2019-04-30");
    char path[160];
    snprintf(path, sizeof path, PRESENCES "?from=2019-05-01&to=2019-06-30&user_id=%lld",
             (long long)g_emp_id);
    fix_assert_list_of(g_s, g_admin, path, d);
    fix_assert_list_of(g_s, g_admin, PRESENCES "?from=2019-05-01&to=2019-06-30&is_home_office=true",
                       b);
    fix_assert_list_of(g_s, g_admin,
                       PRESENCES "?from=2019-05-01&to=2019-06-30&is_home_office=false", a, c, d);
    /* sorted by date, newest first */
    json_int_t order[] = {c, b, d, a};
    fix_assert_list_ids(g_s, g_admin,
                        PRESENCES "?from=2019-05-01&to=2019-06-30&sort_by=date%20desc", order, 4);

    /* from and to come together, as dates */
    fix_expect_422(g_s, "GET", g_admin, NULL, "to", PRESENCES "?from=2019-05-01");
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", PRESENCES "?to=2019-05-01");
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", PRESENCES "?from=May&to=2019-05-01");
    fix_expect_422(g_s, "GET", g_admin, NULL, "is_home_office",
                   PRESENCES "?from=2019-05-01&to=2019-05-31&is_home_office=perhaps");
    delete_ok(g_admin, a);
    delete_ok(g_admin, b);
    delete_ok(g_admin, c);
    delete_ok(g_admin, d);
}

/* "is_home_office ... will set the whole day" */
static void test_home_office_is_the_whole_day(void **state)
{
    (void)state;
    json_int_t a = create(g_admin, "{\"date\":\"2019-08-01\",\"from\":\"08:00\",\"to\":\"12:00\"}");
    json_int_t b = create(g_admin, "{\"date\":\"2019-08-01\",\"from\":\"13:00\",\"to\":\"17:00\"}");
    json_int_t other_day = create(g_admin, "{\"date\":\"2019-08-02\",\"from\":\"08:00\"}");
    json_int_t emp = create(g_emp_key, "{\"date\":\"2019-08-01\",\"from\":\"08:00\"}");
    mt_resp *r = mt_requestf(g_s, "PUT", g_admin, "{\"is_home_office\":true}", PRESENCES "/%lld",
                             (long long)b);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_assert_list_of(g_s, g_admin, PRESENCES "?from=2019-08-01&to=2019-08-02&is_home_office=true",
                       a, b);
    /* a new presence of that day is at home too, unless it says otherwise (which sets the day) */
    r = post(g_admin, "{\"date\":\"2019-08-01\",\"from\":\"18:00\",\"to\":\"19:00\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "is_home_office"));
    json_int_t c = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = post(
        g_admin,
        "{\"date\":\"2019-08-01\",\"from\":\"20:00\",\"to\":\"21:00\",\"is_home_office\":false}");
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "is_home_office"));
    json_int_t d = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_of(g_s, g_admin,
                       PRESENCES "?from=2019-08-01&to=2019-08-02&is_home_office=false", a, b, c, d,
                       other_day, emp);
    json_int_t ids[] = {a, b, c, d, other_day};
    for (size_t i = 0; i < 5; i++)
        delete_ok(g_admin, ids[i]);
    delete_ok(g_emp_key, emp);
}

/* ---- touch -------------------------------------------------------------------------------- */

static mt_resp *touch(const char *key, const char *body)
{
    return mt_request(g_s, "POST", TOUCH, key, body, NULL);
}

/* Now, on the test clock: 08:30 in Berlin; in and out within the minute is discarded. */
static void test_touch_now(void **state)
{
    (void)state;
    mt_resp *r = touch(g_emp_key, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2026-03-28", "08:30", NULL, false, g_emp_id);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_of(g_s, g_emp_key, PRESENCES "?from=2026-03-28&to=2026-03-28", id);

    r = touch(g_emp_key, "{}");
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_assert_list_empty(g_s, g_emp_key, PRESENCES "?from=2026-03-28&to=2026-03-28");
    fix_expect_error(g_s, "GET", g_admin, NULL, 404, PRESENCES "/%lld", (long long)id);

    /* the account's time zone says which minute it is */
    free(mt_cli(g_s, "account --account acme --time-zone UTC"));
    r = touch(g_emp_key, "{\"is_home_office\":true}");
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2026-03-28", "07:30", NULL, true, g_emp_id);
    id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    free(mt_cli(g_s, "account --account acme --time-zone America/New_York"));
    r = touch(g_emp_key, NULL); /* 03:30 in New York: another presence, not the end of this one */
    fix_assert_error(r, 423);
    mt_resp_free(r);
    free(mt_cli(g_s, "account --account acme --time-zone Europe/Berlin"));
    r = touch(g_emp_key, NULL); /* 08:30 in Berlin: clocks out the one that began at 07:30 */
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2026-03-28", "07:30", "08:30", true, g_emp_id);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);
    delete_ok(g_emp_key, id);
}

/* override "YYYY-MM-DD HH:MM": a clock in, a clock out, conflicts 423, bad input 422. */
static void test_touch_override(void **state)
{
    (void)state;
    mt_resp *r = touch(g_emp_key, "{\"override\":\"2022-03-27 09:30\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2022-03-27", "09:30", NULL, false, g_emp_id);
    json_int_t first = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* out before in: refused */
    r = touch(g_emp_key, "{\"override\":\"2022-03-27 09:00\"}");
    fix_assert_error(r, 423);
    mt_resp_free(r);
    r = touch(g_emp_key, "{\"override\":\"2022-03-27 11:30\",\"is_home_office\":true}");
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2022-03-27", "09:30", "11:30", true, g_emp_id);
    MT_ASSERT_JSON_INT(r->json, "id", first);
    mt_resp_free(r);
    /* inside the closed presence: refused; after it: a new one */
    r = touch(g_emp_key, "{\"override\":\"2022-03-27 10:00\"}");
    fix_assert_error(r, 423);
    mt_resp_free(r);
    r = touch(g_emp_key, "{\"override\":\"2022-03-27 11:30\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_presence(r->json, "2022-03-27", "11:30", NULL, true, g_emp_id); /* the day's */
    json_int_t second = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* a presence made by hand cannot be moved into the open one */
    json_int_t manual =
        create(g_emp_key, "{\"date\":\"2022-03-27\",\"from\":\"06:00\",\"to\":\"07:00\"}");
    r = mt_requestf(g_s, "PUT", g_emp_key, "{\"from\":\"11:45\",\"to\":\"12:00\"}",
                    PRESENCES "/%lld", (long long)manual);
    fix_assert_422(r, "from"); /* inside the open presence */
    mt_resp_free(r);
    r = touch(g_emp_key, "{\"override\":\"2022-03-27 11:30\"}"); /* same minute: discarded */
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    fix_expect_error(g_s, "GET", g_emp_key, NULL, 404, PRESENCES "/%lld", (long long)second);

    const char *bad[] = {
        "{\"override\":\"2022-03-27T11:30\"}", "{\"override\":\"2022-02-30 11:30\"}",
        "{\"override\":\"2022-03-27 25:00\"}", "{\"override\":\"11:30\"}", "{\"override\":42}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = touch(g_emp_key, bad[i]);
        fix_assert_422(r, "override");
        mt_resp_free(r);
    }
    r = touch(g_emp_key, "{\"is_home_office\":\"yes\"}");
    fix_assert_422(r, "is_home_office");
    mt_resp_free(r);
    fix_assert_list_of(g_s, g_emp_key, PRESENCES "?from=2022-03-27&to=2022-03-27", first, manual);

    /* an account key has nobody to clock; read-only keys may not */
    char *account_key = mt_account_key(g_s, MT_ACCOUNT, "full");
    r = touch(account_key, NULL);
    fix_assert_error(r, 422);
    mt_resp_free(r);
    free(account_key);
    r = touch(fix_read_key(g_s), NULL);
    fix_assert_error(r, 403);
    mt_resp_free(r);
    delete_ok(g_emp_key, first);
    delete_ok(g_emp_key, manual);
}

/* ---- permissions and tenants -------------------------------------------------------------- */

static void test_permissions(void **state)
{
    (void)state;
    json_int_t admins = create(g_admin, "{\"date\":\"2020-01-02\",\"from\":\"08:00\"}");
    json_int_t emps = create(g_emp_key, "{\"date\":\"2020-01-02\",\"from\":\"09:00\"}");
    const char *day = PRESENCES "?from=2020-01-02&to=2020-01-02";

    /* an Employee (time tracking, no people area) sees and changes only their own */
    fix_assert_list_of(g_s, g_emp_key, day, emps);
    char path[160];
    snprintf(path, sizeof path, "%s&user_id=%lld", day, (long long)g_admin_id);
    fix_assert_list_empty(g_s, g_emp_key, path);
    fix_expect_error(g_s, "GET", g_emp_key, NULL, 404, PRESENCES "/%lld", (long long)admins);
    /* rows one may not see are not there for them, for writes too */
    fix_expect_error(g_s, "PUT", g_emp_key, "{\"to\":\"17:00\"}", 404, PRESENCES "/%lld",
                     (long long)admins);
    fix_expect_error(g_s, "DELETE", g_emp_key, NULL, 404, PRESENCES "/%lld", (long long)admins);
    fix_expect_status(g_s, "PUT", g_emp_key, "{\"to\":\"17:00\"}", 200, PRESENCES "/%lld",
                      (long long)emps);

    /* Staff (people: full) see and change everyone's */
    fix_assert_list_of(g_s, g_staff_key, day, admins, emps);
    fix_expect_status(g_s, "GET", g_staff_key, NULL, 200, PRESENCES "/%lld", (long long)emps);
    fix_expect_status(g_s, "PUT", g_staff_key, "{\"to\":\"18:00\"}", 200, PRESENCES "/%lld",
                      (long long)emps);

    /* the read-only account key reads everything and writes nothing */
    fix_assert_list_of(g_s, fix_read_key(g_s), day, admins, emps);
    fix_expect_error(g_s, "POST", fix_read_key(g_s), "{\"date\":\"2020-01-02\",\"from\":\"20:00\"}",
                     403, PRESENCES);

    /* another account sees none of it */
    const char *other = fix_other_key(g_s);
    fix_assert_list_empty(g_s, other, day);
    fix_expect_error(g_s, "GET", other, NULL, 404, PRESENCES "/%lld", (long long)admins);
    fix_expect_error(g_s, "DELETE", other, NULL, 404, PRESENCES "/%lld", (long long)admins);

    fix_expect_status(g_s, "DELETE", g_staff_key, NULL, 204, PRESENCES "/%lld", (long long)emps);
    delete_ok(g_admin, admins);
}

/* Writes emit web hook events of target Presence, touch included. */
static void test_webhook(void **state)
{
    (void)state;
    rcv *rc = rcv_start();
    char *url = rcv_url(rc, "/presence");
    char body[256];
    snprintf(body, sizeof body, "{\"target\":\"Presence\",\"event\":\"create\",\"hook\":\"%s\"}",
             url);
    json_int_t hook = mt_create(g_s, "/api/v1/account/web_hooks", g_admin, body);
    snprintf(body, sizeof body, "{\"target\":\"Presence\",\"event\":\"delete\",\"hook\":\"%s\"}",
             url);
    json_int_t hook2 = mt_create(g_s, "/api/v1/account/web_hooks", g_admin, body);

    mt_resp *r = touch(g_admin, "{\"override\":\"2021-04-01 07:15\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    assert_true(rcv_wait(rc, 1, 5000));
    const rcv_request *q = rcv_at(rc, 0);
    assert_string_equal(rcv_header(q, "X-Moco-Target"), "Presence");
    assert_string_equal(rcv_header(q, "X-Moco-Event"), "create");
    json_t *payload = json_loads(q->body, 0, NULL);
    assert_non_null(payload);
    assert_presence(payload, "2021-04-01", "07:15", NULL, false, g_admin_id);
    MT_ASSERT_JSON_INT(payload, "id", id);
    json_decref(payload);

    delete_ok(g_admin, id);
    assert_true(rcv_wait(rc, 2, 5000));
    q = rcv_at(rc, 1);
    assert_string_equal(rcv_header(q, "X-Moco-Event"), "delete");
    payload = json_loads(q->body, 0, NULL);
    MT_ASSERT_JSON_INT(payload, "id", id);
    MT_ASSERT_JSON_STR(payload, "from", "07:15");
    json_decref(payload);

    fix_expect_status(g_s, "DELETE", g_admin, NULL, 204, "/api/v1/account/web_hooks/%lld",
                      (long long)hook);
    fix_expect_status(g_s, "DELETE", g_admin, NULL, 204, "/api/v1/account/web_hooks/%lld",
                      (long long)hook2);
    free(url);
    rcv_free(rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_touch_now), /* first: the test clock's minute is young */
        cmocka_unit_test(test_crud),
        cmocka_unit_test(test_created_for_the_acting_user),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_home_office_is_the_whole_day),
        cmocka_unit_test(test_touch_override),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_webhook),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
