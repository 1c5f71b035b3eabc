/*
 * The test clock and the account's time zone: "today" is the calendar day of the account's time
 * zone (Europe/Berlin unless `mocod account --time-zone` says otherwise), and `--fake-now` starts
 * the clock at a given instant, for tests only (MOCOD_ALLOW_FAKE_NOW=1).
 */
#include "mt.h"

#include <stdlib.h>
#include <string.h>

#define COMPANIES "/api/v1/companies"

/* Archives the company and answers its archived_on (malloc'd). */
static char *archived_on(mt_server *s, const char *key, json_int_t id)
{
    mt_resp *r = mt_requestf(s, "PUT", key, NULL, COMPANIES "/%lld/unarchive", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, NULL, COMPANIES "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(s, key, COMPANIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    char *day = strdup(mt_json_str(r->json, "archived_on"));
    mt_resp_free(r);
    return day;
}

/* 2026-03-28T23:30Z is already the 29th in Berlin (00:30 CET), still the 28th in UTC and in New
 * York (19:30 EDT). */
static void test_today_is_the_accounts_calendar_day(void **state)
{
    (void)state;
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    mt_server *s = mt_start("--fake-now 2026-03-28T23:30:00Z");
    const char *key = mt_admin_key(s);
    json_int_t id = mt_create(s, COMPANIES, key, "{\"name\":\"Clockwork\",\"type\":\"customer\"}");
    mt_resp *r = mt_getf(s, key, COMPANIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    const char *created = mt_json_str(r->json, "created_at");
    assert_memory_equal(created, "2026-03-28T23:3", 15); /* the clock runs on from the fake */
    mt_resp_free(r);

    char *day = archived_on(s, key, id);
    assert_string_equal(day, "2026-03-29"); /* the default: Europe/Berlin */
    free(day);

    free(mt_cli(s, "account --account acme --time-zone UTC"));
    day = archived_on(s, key, id);
    assert_string_equal(day, "2026-03-28");
    free(day);
    free(mt_cli(s, "account --account acme --time-zone America/New_York"));
    day = archived_on(s, key, id);
    assert_string_equal(day, "2026-03-28");
    free(day);

    /* not a time zone: refused, the setting stays */
    char *err = NULL;
    assert_int_not_equal(
        mt_cli_try(s, NULL, &err, "account --account acme --time-zone Nowhere/Zone"), 0);
    assert_non_null(strstr(err, "not a time zone"));
    free(err);
    assert_int_not_equal(
        mt_cli_try(s, NULL, &err, "account --account acme --time-zone ../../etc/passwd"), 0);
    free(err);
    day = archived_on(s, key, id);
    assert_string_equal(day, "2026-03-28");
    free(day);
    mt_stop(s);
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
}

/* Without the tests' permission, a fake clock is refused before anything else happens. */
static void test_fake_now_needs_the_tests_permission(void **state)
{
    (void)state;
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    mt_server *s = mt_start(NULL);
    char *err = NULL;
    int code = mt_cli_try(s, NULL, &err, "migrate --fake-now 2026-03-28T23:30:00Z");
    assert_int_equal(code, 2);
    assert_non_null(strstr(err, "MOCOD_ALLOW_FAKE_NOW"));
    free(err);
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    code = mt_cli_try(s, NULL, &err, "migrate --fake-now yesterday");
    assert_int_equal(code, 2);
    assert_non_null(strstr(err, "not a timestamp"));
    free(err);
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    mt_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_today_is_the_accounts_calendar_day),
        cmocka_unit_test(test_fake_now_needs_the_tests_permission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
