/*
 * API tests of what a user owes and is owed in time: holiday entitlements (sections/holidays.md),
 * employments with their weekly pattern (sections/employments.md) and work time adjustments
 * (sections/work_time_adjustments.md): shapes, rules, filters, permissions and tenants.
 *
 * One server for the file, on the test clock 2026-03-28T23:30:00Z: already the 29th in Berlin,
 * the account's time zone, so a new employment starts on 2026-03-29 by default.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLIDAYS    "/api/v1/users/holidays"
#define EMPLOYMENTS "/api/v1/users/employments"
#define ADJUSTMENTS "/api/v1/users/work_time_adjustments"

#define HOLIDAY_KEYS    "id,year,title,days,hours,user,creator,created_at,updated_at"
#define EMPLOYMENT_KEYS "id,weekly_target_hours,pattern,from,to,user,created_at,updated_at"
#define ADJUSTMENT_KEYS "id,date,description,hours,creator,user,created_at,updated_at"

#define DOC_PATTERN "{\"am\":[0,4.25,4.25,4.25,4.25],\"pm\":[0,4.25,4.25,4.25,0]}"
/* as rendered: hours are decimals, like weekly_target_hours */
#define DOC_PATTERN_OUT "{\"am\":[0.0,4.25,4.25,4.25,4.25],\"pm\":[0.0,4.25,4.25,4.25,0.0]}"

static mt_server *g_s;
static const char *g_admin;
static json_int_t g_admin_id;
static char *g_emp_key, *g_staff_key;
static json_int_t g_emp_id, g_staff_id, g_worker;

static int setup(void **state)
{
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g_s = mt_start("--fake-now 2026-03-28T23:30:00Z");
    *state = g_s;
    g_admin = mt_admin_key(g_s);
    g_admin_id = fix_session_user_id(g_s, g_admin);
    g_emp_id = fix_user_with_role(g_s, "Emma", "Employee", &g_emp_key);
    g_staff_id = fix_user_with_role(g_s, "Stefan", "Staff", &g_staff_key);
    g_worker = fix_user_with_role(g_s, "Walter", NULL, NULL);
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

static void assert_person(const json_t *root, const char *path, json_int_t id)
{
    fix_assert_person(root, path);
    MT_ASSERT_JSON_INT(root, fix_fmt("%s.id", path), id);
}

static void delete_ok(const char *key, const char *base, json_int_t id)
{
    mt_resp *r = mt_deletef(g_s, key, "%s/%lld", base, (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_error(g_s, "GET", g_admin, NULL, 404, "%s/%lld", base, (long long)id);
}

/* ---- holidays ----------------------------------------------------------------------------- */

static const char *holiday_body(json_int_t user, int year, const char *days)
{
    return fix_fmt("{\"user_id\":%lld,\"year\":%d,\"title\":\"Urlaubsanspruch 80%%\",\"days\":%s}",
                   (long long)user, year, days);
}

static void test_holidays_crud(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g_s, HOLIDAYS, g_admin, holiday_body(g_worker, 2019, "20"));
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, HOLIDAY_KEYS);
    MT_ASSERT_JSON_INT(r->json, "year", 2019);
    MT_ASSERT_JSON_STR(r->json, "title", "Urlaubsanspruch 80%");
    fix_assert_number(r->json, "days", 20);
    fix_assert_number(r->json, "hours", 160); /* at 8 hours a day */
    assert_person(r->json, "user", g_worker);
    assert_person(r->json, "creator", g_admin_id); /* who made it */
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_getf(g_s, g_admin, HOLIDAYS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, HOLIDAY_KEYS);
    fix_assert_number(r->json, "hours", 160);
    mt_resp_free(r);

    r = mt_requestf(g_s, "PUT", g_admin, "{\"days\":22.5}", HOLIDAYS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "days", 22.5);
    fix_assert_number(r->json, "hours", 180);
    MT_ASSERT_JSON_STR(r->json, "title", "Urlaubsanspruch 80%");
    mt_resp_free(r);

    /* creator_id may be given */
    r = mt_post(g_s, HOLIDAYS, g_admin,
                fix_fmt("{\"user_id\":%lld,\"year\":2020,\"title\":\"Anspruch\",\"days\":25,"
                        "\"creator_id\":%lld}",
                        (long long)g_worker, (long long)g_staff_id));
    MT_ASSERT_STATUS(r, 200);
    assert_person(r->json, "creator", g_staff_id);
    json_int_t other_year = mt_json_int(r->json, "id");
    mt_resp_free(r);
    json_int_t emps = mt_create(g_s, HOLIDAYS, g_admin, holiday_body(g_emp_id, 2019, "30"));

    /* filters: year, user_id */
    fix_assert_list_of(g_s, g_admin, HOLIDAYS "?year=2019", id, emps);
    fix_assert_list_of(g_s, g_admin, HOLIDAYS "?year=2020", other_year);
    fix_assert_list_of(g_s, g_admin, fix_fmt(HOLIDAYS "?user_id=%lld", (long long)g_worker), id,
                       other_year);
    fix_assert_list_of(g_s, g_admin,
                       fix_fmt(HOLIDAYS "?user_id=%lld&year=2019", (long long)g_emp_id), emps);
    fix_assert_list_empty(g_s, g_admin, HOLIDAYS "?year=1999");
    fix_expect_422(g_s, "GET", g_admin, NULL, "year", HOLIDAYS "?year=last");

    delete_ok(g_admin, HOLIDAYS, id);
    delete_ok(g_admin, HOLIDAYS, other_year);
    delete_ok(g_admin, HOLIDAYS, emps);
}

static void test_holidays_bad_input(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g_s, HOLIDAYS, g_admin, "{}");
    fix_assert_422_fields(r, "year,title,days,user_id");
    mt_resp_free(r);
    struct {
        const char *body, *field;
    } bad[] = {
        {holiday_body(g_worker, 2019, "\"many\""), "days"},
        {holiday_body(g_worker, 2019, "-1"), "days"},
        {holiday_body(g_worker, 2019, "400"), "days"},
        {holiday_body(g_worker, 2019, "1.125"), "days"},
        {holiday_body(g_worker, 0, "20"), "year"},
        {holiday_body(987654321, 2019, "20"), "user_id"},
        {fix_fmt("{\"user_id\":%lld,\"year\":2019,\"title\":\"\",\"days\":1}", (long long)g_worker),
         "title"},
        {fix_fmt("{\"user_id\":%lld,\"year\":2019,\"title\":\"x\",\"days\":1,\"creator_id\":-4}",
                 (long long)g_worker),
         "creator_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_post(g_s, HOLIDAYS, g_admin, bad[i].body);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    fix_assert_list_empty(g_s, g_admin, HOLIDAYS);
}

/* ---- employments -------------------------------------------------------------------------- */

static const char *employment_body(json_int_t user, const char *pattern, const char *from,
                                   const char *to)
{
    char *b = fix_fmt("{\"user_id\":%lld,\"pattern\":%s", (long long)user, pattern);
    if (from)
        b = fix_fmt("%s,\"from\":\"%s\"", b, from);
    if (to)
        b = fix_fmt("%s,\"to\":%s", b, to);
    return fix_fmt("%s}", b);
}

static void test_employments_crud(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g_s, EMPLOYMENTS, g_admin,
                         employment_body(g_worker, DOC_PATTERN, "2017-01-01", NULL));
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, EMPLOYMENT_KEYS);
    fix_assert_number(r->json, "weekly_target_hours", 29.75);
    fix_assert_json_eq(mt_json_get(r->json, "pattern"), DOC_PATTERN_OUT, r);
    MT_ASSERT_JSON_STR(r->json, "from", "2017-01-01");
    MT_ASSERT_JSON_NULL(r->json, "to");
    assert_person(r->json, "user", g_worker);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_getf(g_s, g_admin, EMPLOYMENTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, EMPLOYMENT_KEYS);
    fix_assert_json_eq(mt_json_get(r->json, "pattern"), DOC_PATTERN_OUT, r);
    MT_ASSERT_JSON_TYPE(r->json, "pattern.am[1]", MT_JSON_NUMBER);
    mt_resp_free(r);

    /* a new pattern: the week's target follows; other fields stay */
    const char *full = "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,4]}";
    const char *full_out = "{\"am\":[4.0,4.0,4.0,4.0,4.0],\"pm\":[4.0,4.0,4.0,4.0,4.0]}";
    r = mt_requestf(g_s, "PUT", g_admin, fix_fmt("{\"pattern\":%s}", full), EMPLOYMENTS "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "weekly_target_hours", 40);
    fix_assert_json_eq(mt_json_get(r->json, "pattern"), full_out, r);
    MT_ASSERT_JSON_STR(r->json, "from", "2017-01-01");
    mt_resp_free(r);
    r = mt_requestf(g_s, "PATCH", g_admin, "{\"to\":\"2017-12-31\"}", EMPLOYMENTS "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "weekly_target_hours", 40);
    fix_assert_json_eq(mt_json_get(r->json, "pattern"), full_out, r);
    MT_ASSERT_JSON_STR(r->json, "to", "2017-12-31");
    mt_resp_free(r);

    /* from defaults to the account's today (already the 29th in Berlin) */
    r = mt_post(g_s, EMPLOYMENTS, g_admin,
                employment_body(g_worker, "{\"am\":[8,8,8,8,8],\"pm\":[0,0,0,0,0.5]}", NULL, NULL));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "from", "2026-03-29");
    fix_assert_number(r->json, "weekly_target_hours", 40.5);
    json_int_t current = mt_json_int(r->json, "id");
    mt_resp_free(r);

    delete_ok(g_admin, EMPLOYMENTS, id);
    delete_ok(g_admin, EMPLOYMENTS, current);
}

static void test_employments_rules(void **state)
{
    (void)state;
    const char *bad_patterns[] = {
        "[4,4,4,4,4]",
        "\"40h\"",
        "{}",
        "{\"am\":[4,4,4,4,4]}",
        "{\"am\":[4,4,4,4],\"pm\":[4,4,4,4,4]}",
        "{\"am\":[4,4,4,4,4,4],\"pm\":[4,4,4,4,4]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,-1]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,12.5]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,\"4\"]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,null]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,4.125]}",
        "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,4],\"sa\":[1]}",
        "null",
    };
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        mt_resp *r = mt_post(g_s, EMPLOYMENTS, g_admin,
                             employment_body(g_worker, bad_patterns[i], "2020-01-01", NULL));
        fix_assert_422(r, "pattern");
        mt_resp_free(r);
    }
    mt_resp *r =
        mt_post(g_s, EMPLOYMENTS, g_admin, fix_fmt("{\"user_id\":%lld}", (long long)g_worker));
    fix_assert_422(r, "pattern");
    mt_resp_free(r);
    r = mt_post(g_s, EMPLOYMENTS, g_admin, "{\"pattern\":" DOC_PATTERN "}");
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = mt_post(g_s, EMPLOYMENTS, g_admin,
                employment_body(g_worker, DOC_PATTERN, "2020-01-01", "\"2019-12-31\""));
    fix_assert_422(r, "to");
    mt_resp_free(r);
    r = mt_post(g_s, EMPLOYMENTS, g_admin,
                employment_body(g_worker, DOC_PATTERN, "2020-02-30", NULL));
    fix_assert_422(r, "from");
    mt_resp_free(r);
    fix_assert_list_empty(g_s, g_admin, EMPLOYMENTS);

    /* one employment holds on a day */
    json_int_t y2020 =
        mt_create(g_s, EMPLOYMENTS, g_admin,
                  employment_body(g_worker, DOC_PATTERN, "2020-01-01", "\"2020-12-31\""));
    r = mt_post(g_s, EMPLOYMENTS, g_admin,
                employment_body(g_worker, DOC_PATTERN, "2020-12-31", NULL));
    fix_assert_422(r, "from");
    mt_resp_free(r);
    r = mt_post(g_s, EMPLOYMENTS, g_admin,
                employment_body(g_worker, DOC_PATTERN, "2019-01-01", "\"2020-01-01\""));
    fix_assert_422(r, "from");
    mt_resp_free(r);
    json_int_t open = mt_create(g_s, EMPLOYMENTS, g_admin,
                                employment_body(g_worker, DOC_PATTERN, "2021-01-01", NULL));
    json_int_t theirs = mt_create(g_s, EMPLOYMENTS, g_admin,
                                  employment_body(g_emp_id, DOC_PATTERN, "2020-06-01", NULL));
    /* an update that makes them overlap, or ends before it starts, is refused */
    r = mt_requestf(g_s, "PUT", g_admin, "{\"from\":\"2020-12-01\"}", EMPLOYMENTS "/%lld",
                    (long long)open);
    fix_assert_422(r, "from");
    mt_resp_free(r);
    r = mt_requestf(g_s, "PUT", g_admin, "{\"to\":\"2020-12-31\"}", EMPLOYMENTS "/%lld",
                    (long long)open);
    fix_assert_422(r, "to");
    mt_resp_free(r);
    r = mt_requestf(g_s, "PUT", g_admin, "{\"pattern\":{\"am\":[1]}}", EMPLOYMENTS "/%lld",
                    (long long)open);
    fix_assert_422(r, "pattern");
    mt_resp_free(r);
    r = mt_requestf(g_s, "PUT", g_admin, "{\"pattern\":null}", EMPLOYMENTS "/%lld",
                    (long long)open);
    fix_assert_422(r, "pattern");
    mt_resp_free(r);
    r = mt_getf(g_s, g_admin, EMPLOYMENTS "/%lld", (long long)open);
    MT_ASSERT_JSON_STR(r->json, "from", "2021-01-01");
    MT_ASSERT_JSON_NULL(r->json, "to");
    fix_assert_json_eq(mt_json_get(r->json, "pattern"), DOC_PATTERN_OUT, r);
    mt_resp_free(r);

    /* the list: the employments that hold on a day of [from, to]; to left out: open-ended */
    fix_assert_list_of(g_s, g_admin, EMPLOYMENTS, y2020, open, theirs);
    fix_assert_list_of(g_s, g_admin, EMPLOYMENTS "?from=2020-01-01&to=2020-05-31", y2020);
    fix_assert_list_of(g_s, g_admin, EMPLOYMENTS "?from=2020-12-31&to=2020-12-31", y2020, theirs);
    fix_assert_list_of(g_s, g_admin, EMPLOYMENTS "?from=2021-01-01", open, theirs);
    fix_assert_list_empty(g_s, g_admin, EMPLOYMENTS "?from=2018-01-01&to=2019-12-31");
    fix_assert_list_of(g_s, g_admin,
                       fix_fmt(EMPLOYMENTS "?from=2020-01-01&user_id=%lld", (long long)g_worker),
                       y2020, open);
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", EMPLOYMENTS "?to=2020-01-01");
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", EMPLOYMENTS "?from=2020-13-01");
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", EMPLOYMENTS "?from=2020-12-01&to=2020-01-01");
    delete_ok(g_admin, EMPLOYMENTS, y2020);
    delete_ok(g_admin, EMPLOYMENTS, open);
    delete_ok(g_admin, EMPLOYMENTS, theirs);
}

/* ---- work time adjustments ---------------------------------------------------------------- */

static const char *adjustment_body(json_int_t user, const char *date, const char *hours)
{
    return fix_fmt(
        "{\"user_id\":%lld,\"description\":\"Overtime from 2021\",\"date\":\"%s\",\"hours\":%s}",
        (long long)user, date, hours);
}

static void test_adjustments(void **state)
{
    (void)state;
    mt_resp *r =
        mt_post(g_s, ADJUSTMENTS, g_staff_key, adjustment_body(g_worker, "2022-01-01", "172.01"));
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, ADJUSTMENT_KEYS);
    MT_ASSERT_JSON_STR(r->json, "date", "2022-01-01");
    MT_ASSERT_JSON_STR(r->json, "description", "Overtime from 2021");
    fix_assert_number(r->json, "hours", 172.01);
    assert_person(r->json, "creator", g_staff_id);
    assert_person(r->json, "user", g_worker);
    json_int_t a = mt_json_int(r->json, "id");
    mt_resp_free(r);
    json_int_t b =
        mt_create(g_s, ADJUSTMENTS, g_admin, adjustment_body(g_worker, "2022-01-31", "-8.5"));
    json_int_t c =
        mt_create(g_s, ADJUSTMENTS, g_admin, adjustment_body(g_emp_id, "2022-02-01", "1"));

    r = mt_requestf(g_s, "PUT", g_admin, "{\"description\":\"A new description\"}",
                    ADJUSTMENTS "/%lld", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "description", "A new description");
    fix_assert_number(r->json, "hours", -8.5);
    assert_person(r->json, "creator", g_admin_id);
    mt_resp_free(r);

    fix_assert_list_of(g_s, g_admin, ADJUSTMENTS "?from=2022-01-01&to=2022-01-31", a, b);
    fix_assert_list_of(g_s, g_admin, ADJUSTMENTS "?from=2022-01-02", b, c);
    fix_assert_list_of(g_s, g_admin, ADJUSTMENTS "?to=2022-01-01", a);
    fix_assert_list_of(
        g_s, g_admin,
        fix_fmt(ADJUSTMENTS "?from=2022-01-01&to=2022-12-31&user_id=%lld", (long long)g_emp_id), c);
    fix_expect_422(g_s, "GET", g_admin, NULL, "from", ADJUSTMENTS "?from=01.01.2022");

    r = mt_post(g_s, ADJUSTMENTS, g_admin, "{}");
    fix_assert_422_fields(r, "user_id,description,date,hours");
    mt_resp_free(r);
    r = mt_post(g_s, ADJUSTMENTS, g_admin, adjustment_body(g_worker, "2022-01-01", "1.001"));
    fix_assert_422(r, "hours");
    mt_resp_free(r);
    r = mt_post(g_s, ADJUSTMENTS, g_admin, adjustment_body(g_worker, "2022-00-01", "1"));
    fix_assert_422(r, "date");
    mt_resp_free(r);
    fix_assert_list_of(g_s, g_admin, ADJUSTMENTS, a, b, c);

    delete_ok(g_admin, ADJUSTMENTS, a);
    delete_ok(g_admin, ADJUSTMENTS, b);
    delete_ok(g_admin, ADJUSTMENTS, c);
}

/* ---- permissions, tenants, users ---------------------------------------------------------- */

/* Staff (people: full) manage everyone's; an Employee reads their own and writes nothing; the
 * read-only key reads; another account sees nothing. */
static void test_permissions(void **state)
{
    (void)state;
    struct {
        const char *base, *mine, *theirs, *update;
    } kinds[] = {
        {HOLIDAYS, holiday_body(g_emp_id, 2024, "25"), holiday_body(g_worker, 2024, "25"),
         "{\"days\":26}"},
        {EMPLOYMENTS, employment_body(g_emp_id, DOC_PATTERN, "2024-01-01", NULL),
         employment_body(g_worker, DOC_PATTERN, "2024-01-01", NULL), "{\"to\":\"2030-01-01\"}"},
        {ADJUSTMENTS, adjustment_body(g_emp_id, "2024-01-01", "2"),
         adjustment_body(g_worker, "2024-01-01", "2"), "{\"hours\":3}"},
    };
    const char *other = fix_other_key(g_s);
    for (size_t k = 0; k < 3; k++) {
        const char *base = kinds[k].base;
        json_int_t mine = mt_create(g_s, base, g_staff_key, kinds[k].mine);
        json_int_t theirs = mt_create(g_s, base, g_staff_key, kinds[k].theirs);
        fix_assert_list_of(g_s, g_staff_key, base, mine, theirs);
        fix_assert_list_of(g_s, fix_read_key(g_s), base, mine, theirs);
        /* the Employee: their own row only */
        fix_assert_list_of(g_s, g_emp_key, base, mine);
        fix_expect_status(g_s, "GET", g_emp_key, NULL, 200, "%s/%lld", base, (long long)mine);
        fix_expect_error(g_s, "GET", g_emp_key, NULL, 404, "%s/%lld", base, (long long)theirs);
        fix_expect_error(g_s, "POST", g_emp_key, kinds[k].mine, 403, "%s", base);
        fix_expect_error(g_s, "PUT", g_emp_key, kinds[k].update, 403, "%s/%lld", base,
                         (long long)mine);
        fix_expect_error(g_s, "DELETE", g_emp_key, NULL, 403, "%s/%lld", base, (long long)mine);
        fix_expect_error(g_s, "PUT", fix_read_key(g_s), kinds[k].update, 403, "%s/%lld", base,
                         (long long)mine);
        fix_expect_status(g_s, "PUT", g_staff_key, kinds[k].update, 200, "%s/%lld", base,
                          (long long)theirs);
        /* another account */
        fix_assert_list_empty(g_s, other, base);
        fix_expect_error(g_s, "GET", other, NULL, 404, "%s/%lld", base, (long long)mine);
        fix_expect_error(g_s, "PUT", other, kinds[k].update, 404, "%s/%lld", base, (long long)mine);
        fix_expect_error(g_s, "DELETE", other, NULL, 404, "%s/%lld", base, (long long)mine);
        /* a user who has such rows is not deleted under them */
        if (k == 0)
            fix_expect_error(g_s, "DELETE", g_admin, NULL, 422, "/api/v1/users/%lld",
                             (long long)g_worker);
        delete_ok(g_staff_key, base, mine);
        delete_ok(g_staff_key, base, theirs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holidays_crud),    cmocka_unit_test(test_holidays_bad_input),
        cmocka_unit_test(test_employments_crud), cmocka_unit_test(test_employments_rules),
        cmocka_unit_test(test_adjustments),      cmocka_unit_test(test_permissions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
