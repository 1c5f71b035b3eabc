/*
 * API tests of exact money (docs/api-conventions.md, "Money"): amounts written and read back
 * through HTTP keep every cent and render as JSON numbers; more decimals than the field keeps,
 * or amounts out of range, are a 422 naming the field (never rounded); sorting by an amount is
 * numeric.
 *
 * One server for the whole file (group fixture).
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECTS_PATH "/api/v1/projects"
#define DEALS_PATH    "/api/v1/deals"

/* Fail unless the raw body holds this exact text (the number as mocod printed it). */
#define assert_body_has(r, text)                                                                   \
    do {                                                                                           \
        if (!strstr((r)->body, (text)))                                                            \
            fail_msg("%s %s: body lacks %s: %s", (r)->method, (r)->path, (text), (r)->body);       \
    } while (0)

static json_int_t customer_id(mt_server *s)
{
    static json_int_t id;
    if (!id)
        id = fix_create_company_as(s, mt_admin_key(s), "customer", "Money Customer");
    return id;
}

static char *project_body(mt_server *s, const char *name, const char *amounts)
{
    json_int_t leader = fix_session_user_id(s, mt_admin_key(s));
    return fix_fmt("{\"name\":\"%s\",\"currency\":\"EUR\",\"leader_id\":%lld,\"customer_id\":%lld,"
                   "\"fixed_price\":false,\"retainer\":false%s%s}",
                   name, (long long)leader, (long long)customer_id(s), *amounts ? "," : "",
                   amounts);
}

static void test_amounts_round_trip_exactly(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, PROJECTS_PATH, key,
                         project_body(s, "Exact",
                                      "\"budget\":1234567.89,\"budget_monthly\":0.1,"
                                      "\"budget_expenses\":0.2,\"hourly_rate\":\"150.50\""));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = json_integer_value(json_object_get(r->json, "id"));
    for (int pass = 0; pass < 2; pass++) { /* the answer to the write, then a fresh read */
        assert_body_has(r, "\"budget\":1234567.89");
        assert_body_has(r, "\"budget_monthly\":0.1");
        assert_body_has(r, "\"budget_expenses\":0.2");
        assert_body_has(r, "\"hourly_rate\":150.5");
        MT_ASSERT_JSON_TYPE(r->json, "budget", JSON_REAL); /* a number, not a string */
        fix_assert_number(r->json, "budget", 1234567.89);
        mt_resp_free(r);
        r = mt_getf(s, key, PROJECTS_PATH "/%lld", (long long)id);
        MT_ASSERT_STATUS(r, 200);
    }
    mt_resp_free(r);

    /* the largest amount a field keeps, negatives, whole numbers and trailing zeros */
    r = mt_requestf(s, "PUT", key,
                    "{\"budget\":9999999999999.99,\"budget_monthly\":-0.01,"
                    "\"budget_expenses\":18200,\"hourly_rate\":99.990000}",
                    PROJECTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_body_has(r, "\"budget\":9999999999999.99");
    assert_body_has(r, "\"budget_monthly\":-0.01");
    assert_body_has(r, "\"budget_expenses\":18200.0");
    assert_body_has(r, "\"hourly_rate\":99.99");
    mt_resp_free(r);

    /* a task's and a contract's amounts, embedded in the project too */
    json_int_t task = mt_create(s, fix_fmt(PROJECTS_PATH "/%lld/tasks", (long long)id), key,
                                "{\"name\":\"Cents\",\"budget\":0.07,\"hourly_rate\":120.05}");
    r = mt_getf(s, key, PROJECTS_PATH "/%lld/tasks/%lld", (long long)id, (long long)task);
    MT_ASSERT_STATUS(r, 200);
    assert_body_has(r, "\"budget\":0.07");
    assert_body_has(r, "\"hourly_rate\":120.05");
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS_PATH "/%lld", (long long)id);
    assert_body_has(r, "\"budget\":0.07");
    mt_resp_free(r);
}

static void test_too_many_decimals_are_refused(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    struct {
        const char *amounts;
        const char *field;
        const char *problem;
    } cases[] = {
        {"\"budget\":12.345", "budget", "must have at most 2 decimal places"},
        {"\"budget\":0.30000000000000004", "budget", "must have at most 2 decimal places"},
        {"\"hourly_rate\":\"99.999\"", "hourly_rate", "must have at most 2 decimal places"},
        {"\"budget\":10000000000000", "budget", "is out of range"},
        {"\"budget\":1e300", "budget", "is out of range"},
        {"\"budget_monthly\":\"12,50\"", "budget_monthly", "must be a number"},
        {"\"budget_expenses\":true", "budget_expenses", "must be a number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mt_resp *r = mt_post(s, PROJECTS_PATH, key, project_body(s, "Refused", cases[i].amounts));
        fix_assert_422(r, cases[i].field);
        const char *msg = mt_json_str(r->json, fix_fmt("errors.%s[0]", cases[i].field));
        if (!strstr(msg, cases[i].problem))
            fail_msg("%s: expected \"%s\", got \"%s\"", cases[i].amounts, cases[i].problem, msg);
        mt_resp_free(r);
    }
    /* nothing was stored */
    mt_resp *r = mt_get(s, PROJECTS_PATH "?term=Refused", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* percentages keep 4 places: 7.7 and 19 are fine, 19.12345 is not */
    r = mt_post(s, "/api/v1/companies", key,
                "{\"type\":\"customer\",\"name\":\"Swiss\",\"currency\":\"CHF\","
                "\"customer_tax\":7.7,\"default_discount\":2.5}");
    MT_ASSERT_STATUS(r, 200);
    assert_body_has(r, "\"tax\":7.7");
    assert_body_has(r, "\"default_discount\":2.5");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key,
                   "{\"type\":\"customer\",\"name\":\"Precise\",\"currency\":\"EUR\","
                   "\"customer_tax\":19.12345}",
                   "customer_tax", "/api/v1/companies");
}

static void test_sort_by_money(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = fix_session_user_id(s, key);
    json_int_t category = mt_create(s, "/api/v1/deal_categories", key,
                                    "{\"name\":\"Money sort\",\"probability\":50}");
    const char *amounts[] = {"1000", "0.1", "999.99", "-5", "10.5"};
    json_int_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = mt_create(
            s, DEALS_PATH, key,
            fix_fmt("{\"name\":\"Sorted %d\",\"currency\":\"EUR\",\"money\":%s,\"reminder_date\":"
                    "\"2030-01-01\",\"user_id\":%lld,\"deal_category_id\":%lld}",
                    i, amounts[i], (long long)user, (long long)category));
    json_int_t asc[5] = {ids[3], ids[1], ids[4], ids[2], ids[0]};
    json_int_t desc[5] = {ids[0], ids[2], ids[4], ids[1], ids[3]};
    fix_assert_list_order(s, key, DEALS_PATH "?sort_by=money&term=Sorted", asc, 5);
    fix_assert_list_order(s, key, DEALS_PATH "?sort_by=money%20desc&term=Sorted", desc, 5);
    mt_resp *r = mt_getf(s, key, DEALS_PATH "/%lld", (long long)ids[1]);
    assert_body_has(r, "\"money\":0.1,");
    mt_resp_free(r);
}

static void test_catalog_line_totals_round_per_line(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(
        s, "/api/v1/account/catalog_services", key,
        "{\"title\":\"Lines\",\"items\":["
        "{\"title\":\"half\",\"quantity\":0.5,\"unit_price\":0.25},"     /* 0.125 -> 0.13 */
        "{\"title\":\"credit\",\"quantity\":-0.5,\"unit_price\":0.25},"  /* -0.13 */
        "{\"title\":\"third\",\"quantity\":0.3333,\"unit_price\":0.10}," /* 0.03333 -> 0.03 */
        "{\"title\":\"given\",\"quantity\":2,\"unit_price\":10,\"net_total\":19.99},"
        "{\"title\":\"flat\"}]}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "items[0].net_total", 0.13);
    fix_assert_number(r->json, "items[1].net_total", -0.13);
    fix_assert_number(r->json, "items[2].net_total", 0.03);
    fix_assert_number(r->json, "items[3].net_total", 19.99);
    fix_assert_number(r->json, "items[4].net_total", 0);
    assert_body_has(r, "\"quantity\":0.3333");
    mt_resp_free(r);
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_round_trip_exactly),
        cmocka_unit_test(test_too_many_decimals_are_refused),
        cmocka_unit_test(test_sort_by_money),
        cmocka_unit_test(test_catalog_line_totals_round_per_line),
    };
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
