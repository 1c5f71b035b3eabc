/*
 * API tests of GET /users/{id}/performance_report (sections/users.md): a month built by hand (an
 * employment with a weekly pattern, a vacation day, a half public holiday, a sick day that does
 * not count, billable and unbillable activities, billable seconds below the worked ones, a work
 * time adjustment) checked figure by figure against arithmetic written out here, the year's
 * figures, other years, permissions, 404, 422, and the keys and JSON types of the docs' example.
 *
 * One server for the file, on the test clock 2026-03-29T22:30:00Z: still Sunday in UTC, already
 * Monday 2026-03-30 (00:30, summer time) in Berlin, the account's time zone: "today" is that
 * Monday, a working day, and the current year 2026.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_NOW "2026-03-29T22:30:00Z"

#define ANNUAL_KEYS                                                                                \
    "year,employment_hours,target_hours,hours_tracked_total,variation,variation_until_today,"      \
    "hours_billable_total"
#define MONTH_KEYS "year,month,target_hours,hours_tracked_total,variation,hours_billable_total"

#define HOUR 3600LL

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, unit, project, task;
    json_int_t pia, otto, staff; /* Pia: the month below; Otto: an employee; a Staff member */
    char *pia_key, *otto_key, *staff_key;
} g;

static void add_staff(json_int_t user)
{
    mt_resp *r = mt_requestf(g.s, "POST", g.key, fix_fmt("{\"user_id\":%lld}", (long long)user),
                             "/api/v1/projects/%lld/contracts", (long long)g.project);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

static int group_setup(void **state)
{
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g.s = mt_start("--fake-now " FAKE_NOW);
    *state = g.s;
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.unit = fix_first_unit_id(g.s);
    g.pia = fix_user_with_role(g.s, "Pia", "Employee", &g.pia_key);
    g.otto = fix_user_with_role(g.s, "Otto", "Employee", &g.otto_key);
    g.staff = fix_user_with_role(g.s, "Stefan", "Staff", &g.staff_key);
    json_int_t customer = fix_create_company_as(g.s, g.key, "customer", "Report GmbH");
    g.project = mt_create(g.s, "/api/v1/projects", g.key,
                          fix_fmt("{\"name\":\"Report project\",\"identifier\":\"PR-1\","
                                  "\"currency\":\"EUR\",\"fixed_price\":false,\"leader_id\":%lld,"
                                  "\"customer_id\":%lld,\"billable\":true}",
                                  (long long)g.admin, (long long)customer));
    mt_resp *r = mt_requestf(g.s, "POST", g.key, "{\"name\":\"Work\",\"billable\":true}",
                             "/api/v1/projects/%lld/tasks", (long long)g.project);
    MT_ASSERT_STATUS(r, 200);
    g.task = mt_json_int(r->json, "id");
    mt_resp_free(r);
    add_staff(g.pia);
    /* the leader (the admin) is on the staff already */
    return 0;
}

static int group_teardown(void **state)
{
    free(g.pia_key);
    free(g.otto_key);
    free(g.staff_key);
    fix_free_strings();
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    return fix_teardown(state);
}

/* An activity tracked by the owner of key; its id. */
static json_int_t track(const char *key, const char *date, long long seconds, bool billable)
{
    return mt_create(g.s, "/api/v1/activities", key,
                     fix_fmt("{\"date\":\"%s\",\"project_id\":%lld,\"task_id\":%lld,"
                             "\"seconds\":%lld,\"billable\":%s}",
                             date, (long long)g.project, (long long)g.task, seconds,
                             billable ? "true" : "false"));
}

static void absence(json_int_t user, const char *date, int code, bool am, bool pm)
{
    mt_create(g.s, "/api/v1/schedules", g.key,
              fix_fmt("{\"date\":\"%s\",\"absence_code\":%d,\"user_id\":%lld,\"am\":%s,"
                      "\"pm\":%s}",
                      date, code, (long long)user, am ? "true" : "false", pm ? "true" : "false"));
}

static void adjustment(json_int_t user, const char *date, const char *hours)
{
    mt_create(g.s, "/api/v1/users/work_time_adjustments", g.key,
              fix_fmt("{\"user_id\":%lld,\"date\":\"%s\",\"description\":\"Carry-over\","
                      "\"hours\":%s}",
                      (long long)user, date, hours));
}

static mt_resp *report(const char *key, json_int_t user, const char *query)
{
    return mt_getf(g.s, key, "/api/v1/users/%lld/performance_report%s", (long long)user,
                   query ? query : "");
}

/* Hundredths of an hour of a count of seconds, half away from zero: the docs' two decimals. */
static long long hundredths(long long seconds)
{
    return seconds >= 0 ? (seconds + 18) / 36 : -((-seconds + 18) / 36);
}

/* The figure at path is a JSON real (hours always have a fraction) of exactly seconds in hours,
 * rounded to hundredths. */
static void assert_hours(const json_t *root, const char *path, long long seconds)
{
    MT_ASSERT_JSON_TYPE(root, path, JSON_REAL);
    fix_assert_number(root, path, (double)hundredths(seconds) / 100.0);
}

/* The rows of the month (March 2026) and of the year, created once. */
static void build_march(void)
{
    static bool built;
    if (built)
        return;
    built = true;
    /* Monday am 4.25 + pm 4 = 8.25 hours, Tuesday to Thursday 8, Friday 4 (4 + 0) */
    mt_create(g.s, "/api/v1/users/employments", g.key,
              fix_fmt("{\"user_id\":%lld,\"from\":\"2026-03-01\",\"to\":\"2026-04-30\","
                      "\"pattern\":{\"am\":[4.25,4,4,4,4],\"pm\":[4,4,4,4,0]}}",
                      (long long)g.pia));
    /* another user's employment, open-ended: never Pia's */
    mt_create(g.s, "/api/v1/users/employments", g.key,
              fix_fmt("{\"user_id\":%lld,\"from\":\"2026-01-01\","
                      "\"pattern\":{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,4]}}",
                      (long long)g.admin));
    absence(g.pia, "2026-03-11", 4, true, true);  /* vacation, Wednesday: 8 hours off */
    absence(g.pia, "2026-03-16", 2, true, false); /* half public holiday, Monday: 4.125 off */
    absence(g.pia, "2026-03-12", 3, true, true);  /* sick day: not taken off the target */
    absence(g.pia, "2026-03-14", 4, true, true);  /* vacation on a Saturday: nothing to take */
    absence(g.pia, "2026-04-03", 4, true, true);  /* vacation, Friday in April: 4 hours off */
    absence(g.pia, "2026-04-06", 2, false, true); /* half public holiday, Monday: 4.125 off */
    absence(g.otto, "2026-03-17", 4, true, true); /* someone else's */

    track(g.pia_key, "2026-03-02", 28800, true);                  /* 8 h billable */
    track(g.pia_key, "2026-03-03", 3601, false);                  /* 1 h 1 s, not billable */
    json_int_t cut = track(g.pia_key, "2026-03-04", 27000, true); /* 7.5 h worked */
    mt_resp *r = mt_requestf(g.s, "PATCH", g.key, "{\"seconds\":18000}",
                             "/api/v1/activities/%lld/billable_seconds", (long long)cut);
    MT_ASSERT_STATUS(r, 200); /* ... of which 5 h billable */
    MT_ASSERT_JSON_INT(r->json, "seconds", 18000);
    MT_ASSERT_JSON_INT(r->json, "worked_seconds", 27000);
    mt_resp_free(r);
    track(g.pia_key, "2026-02-10", 7200, true); /* February: 2 h billable */
    track(g.pia_key, "2025-03-05", 3600, true); /* another year */
    track(g.key, "2026-03-02", 36000, true);    /* another user's */
    adjustment(g.pia, "2026-03-15", "2.5");
    adjustment(g.pia, "2025-12-31", "-1.25");
    adjustment(g.admin, "2026-03-15", "100");
}

static void test_month_and_year_by_hand(void **state)
{
    (void)state;
    build_march();
    /* the day's targets of the pattern, in seconds */
    const long long mon = 8 * HOUR + HOUR / 4, tue = 8 * HOUR, wed = 8 * HOUR, thu = 8 * HOUR,
                    fri = 4 * HOUR;
    /* March 2026 starts on a Sunday: Mondays 2 9 16 23 30, Tuesdays 3 10 17 24 31, Wednesdays
     * 4 11 18 25, Thursdays 5 12 19 26, Fridays 6 13 20 27 */
    const long long march_employment = 5 * mon + 5 * tue + 4 * wed + 4 * thu + 4 * fri;
    assert_int_equal(march_employment, 161 * HOUR + HOUR / 4); /* 161.25 */
    /* less the vacation Wednesday (a whole day) and half of the public holiday Monday */
    const long long march_target = march_employment - wed - mon / 2; /* 149.125 */
    /* April starts on a Wednesday: Mondays 6 13 20 27, Tuesdays 7 14 21 28, Wednesdays
     * 1 8 15 22 29, Thursdays 2 9 16 23 30, Fridays 3 10 17 24; the vacation Friday and half
     * of the public holiday Monday off */
    const long long april_employment = 4 * mon + 4 * tue + 5 * wed + 5 * thu + 4 * fri; /* 161 */
    const long long april_target = april_employment - fri - mon / 2; /* 152.875 */
    /* today is Monday 30 March (in Berlin; it counts): only Tuesday 31 is still to come */
    const long long target_until_today = march_target - tue;
    const long long march_tracked = 28800 + 3601 + 27000;
    const long long march_billable = 28800 + 18000;
    const long long feb_tracked = 7200, feb_billable = 7200;
    const long long adjustments = 5 * HOUR / 2; /* 2.5 hours */

    mt_resp *r = report(g.pia_key, g.pia, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", FIX_JSON_CT);
    const json_t *j = r->json;
    MT_ASSERT_JSON_INT(j, "annually.year", 2026);
    assert_hours(j, "annually.employment_hours", march_employment + april_employment);
    assert_hours(j, "annually.target_hours", march_target + april_target);
    assert_hours(j, "annually.hours_tracked_total", march_tracked + feb_tracked);
    assert_hours(j, "annually.variation",
                 march_tracked + feb_tracked - (march_target + april_target));
    assert_hours(j, "annually.variation_until_today",
                 march_tracked + feb_tracked + adjustments - target_until_today);
    assert_hours(j, "annually.hours_billable_total", march_billable + feb_billable);

    assert_int_equal(mt_json_len(j, "monthly"), 12);
    for (int m = 1; m <= 12; m++) {
        long long target = m == 3 ? march_target : m == 4 ? april_target : 0;
        long long tracked = m == 3 ? march_tracked : m == 2 ? feb_tracked : 0;
        long long billable = m == 3 ? march_billable : m == 2 ? feb_billable : 0;
        const char *at = fix_fmt("monthly[%d]", m - 1);
        MT_ASSERT_JSON_INT(j, fix_fmt("%s.year", at), 2026);
        MT_ASSERT_JSON_INT(j, fix_fmt("%s.month", at), m);
        assert_hours(j, fix_fmt("%s.target_hours", at), target);
        assert_hours(j, fix_fmt("%s.hours_tracked_total", at), tracked);
        assert_hours(j, fix_fmt("%s.variation", at), tracked - target);
        assert_hours(j, fix_fmt("%s.hours_billable_total", at), billable);
    }
    /* the same figures as decimal literals, exactly as rendered: 149.125 and -152.875 round half
     * away from zero, each figure once (the year's target is not the sum of rounded months) */
    const char *want[] = {
        "{\"year\":2026,\"month\":3,\"target_hours\":149.13,\"hours_tracked_total\":16.5,"
        "\"variation\":-132.62,\"hours_billable_total\":13.0}",
        "{\"year\":2026,\"month\":4,\"target_hours\":152.88,\"hours_tracked_total\":0.0,"
        "\"variation\":-152.88,\"hours_billable_total\":0.0}",
        "{\"year\":2026,\"month\":2,\"target_hours\":0.0,\"hours_tracked_total\":2.0,"
        "\"variation\":2.0,\"hours_billable_total\":2.0}",
        "\"annually\":{\"year\":2026,\"employment_hours\":322.25,\"target_hours\":302.0,"
        "\"hours_tracked_total\":18.5,\"variation\":-283.5,\"variation_until_today\":-120.12,"
        "\"hours_billable_total\":15.0}",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r->body, want[i]))
            fail_msg("%s\nnot in\n%s", want[i], r->body);
    mt_resp_free(r);

    /* the same report for whoever may read it; year=2026 is the default */
    mt_resp *staff = report(g.staff_key, g.pia, "?year=2026");
    MT_ASSERT_STATUS(staff, 200);
    r = report(g.pia_key, g.pia, NULL);
    assert_string_equal(staff->body, r->body);
    mt_resp_free(staff);
    mt_resp_free(r);
}

static void test_other_years(void **state)
{
    (void)state;
    build_march();
    /* 2025: no employment, an hour tracked in March, an adjustment of -1.25 hours */
    mt_resp *r = report(g.pia_key, g.pia, "?year=2025");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "annually.year", 2025);
    assert_hours(r->json, "annually.employment_hours", 0);
    assert_hours(r->json, "annually.target_hours", 0);
    assert_hours(r->json, "annually.hours_tracked_total", HOUR);
    assert_hours(r->json, "annually.variation", HOUR);
    assert_hours(r->json, "annually.variation_until_today", HOUR - 5 * HOUR / 4); /* -0.25 */
    assert_hours(r->json, "annually.hours_billable_total", HOUR);
    MT_ASSERT_JSON_INT(r->json, "monthly[2].year", 2025);
    assert_hours(r->json, "monthly[2].hours_tracked_total", HOUR);
    assert_hours(r->json, "monthly[3].hours_tracked_total", 0);
    assert_non_null(strstr(r->body, "\"variation_until_today\":-0.25,"));
    mt_resp_free(r);
    /* the edges of the accepted years, all zero */
    const char *years[] = {"1900", "2100"};
    for (int i = 0; i < 2; i++) {
        r = report(g.pia_key, g.pia, fix_fmt("?year=%s", years[i]));
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_INT(r->json, "annually.year", atoi(years[i]));
        MT_ASSERT_JSON_INT(r->json, "monthly[11].year", atoi(years[i]));
        assert_hours(r->json, "annually.target_hours", 0);
        assert_hours(r->json, "annually.variation_until_today", 0);
        mt_resp_free(r);
    }
    /* an empty year is the current one */
    r = report(g.pia_key, g.pia, "?year=");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "annually.year", 2026);
    mt_resp_free(r);
}

static void test_bad_year_422(void **state)
{
    (void)state;
    const char *bad[] = {"21", "20266", "abcd", "1899", "2101", "-202", "2o26", "+202", " 2026"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *q = mt_escape(bad[i]);
        mt_resp *r = report(g.key, g.pia, fix_fmt("?year=%s", q));
        free(q);
        fix_assert_422(r, "year");
        mt_resp_free(r);
    }
}

static void test_permissions_and_404(void **state)
{
    (void)state;
    build_march();
    /* one's own: 200; another's needs people at read (Staff, administrators, account keys),
     * else it is not found, as other people's rows of .own_column resources */
    mt_resp *r = report(g.otto_key, g.otto, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = report(g.otto_key, g.pia, NULL);
    fix_assert_json_error(r, 404);
    assert_null(strstr(r->body, "annually"));
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.pia_key, NULL, 404, "/api/v1/users/%lld/performance_report",
                     (long long)g.admin);
    /* impersonating someone is reading as them */
    const char *hdr[] = {fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)g.otto), NULL};
    r = mt_request(g.s, "GET", fix_fmt("/api/v1/users/%lld/performance_report", (long long)g.pia),
                   g.key, NULL, hdr);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_request(g.s, "GET", fix_fmt("/api/v1/users/%lld/performance_report", (long long)g.otto),
                   g.key, NULL, hdr);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = report(g.staff_key, g.pia, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_hours(r->json, "annually.hours_tracked_total", 28800 + 3601 + 27000 + 7200);
    mt_resp_free(r);
    r = report(g.key, g.pia, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = report(fix_read_key(g.s), g.pia, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* the admin's own report has its own rows only: 10 hours tracked in March */
    r = report(g.key, g.admin, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_hours(r->json, "monthly[2].hours_tracked_total", 36000);
    mt_resp_free(r);
    /* unknown users, and users of another account */
    fix_expect_error(g.s, "GET", g.key, NULL, 404, "/api/v1/users/999999/performance_report");
    fix_expect_error(g.s, "GET", g.staff_key, NULL, 404, "/api/v1/users/999999/performance_report");
    fix_expect_error(g.s, "GET", fix_other_key(g.s), NULL, 404,
                     "/api/v1/users/%lld/performance_report", (long long)g.pia);
    fix_expect_error(g.s, "GET", NULL, NULL, 401, "/api/v1/users/%lld/performance_report",
                     (long long)g.pia);
}

static void test_keys_and_types(void **state)
{
    (void)state;
    const char *years[] = {"2026", "2030"}; /* with figures, and all zero */
    for (int y = 0; y < 2; y++) {
        mt_resp *r = report(g.staff_key, g.pia, fix_fmt("?year=%s", years[y]));
        MT_ASSERT_STATUS(r, 200);
        mt_assert_keys(r->json, "annually,monthly");
        mt_assert_keys(mt_json_get(r->json, "annually"), ANNUAL_KEYS);
        MT_ASSERT_JSON_TYPE(r->json, "annually.year", JSON_INTEGER);
        const char *hours[] = {"employment_hours", "target_hours",          "hours_tracked_total",
                               "variation",        "variation_until_today", "hours_billable_total"};
        for (int i = 0; i < 6; i++)
            MT_ASSERT_JSON_TYPE(r->json, fix_fmt("annually.%s", hours[i]), JSON_REAL);
        MT_ASSERT_JSON_TYPE(r->json, "monthly", JSON_ARRAY);
        assert_int_equal(mt_json_len(r->json, "monthly"), 12);
        for (int m = 0; m < 12; m++) {
            const char *at = fix_fmt("monthly[%d]", m);
            mt_assert_keys(mt_json_get(r->json, at), MONTH_KEYS);
            MT_ASSERT_JSON_TYPE(r->json, fix_fmt("%s.year", at), JSON_INTEGER);
            MT_ASSERT_JSON_INT(r->json, fix_fmt("%s.month", at), m + 1);
            for (int i = 1; i < 6; i++)
                if (i != 4)
                    MT_ASSERT_JSON_TYPE(r->json, fix_fmt("%s.%s", at, hours[i]), JSON_REAL);
        }
        mt_resp_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_and_year_by_hand), cmocka_unit_test(test_other_years),
        cmocka_unit_test(test_bad_year_422),           cmocka_unit_test(test_permissions_and_404),
        cmocka_unit_test(test_keys_and_types),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
