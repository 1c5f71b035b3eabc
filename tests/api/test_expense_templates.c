/*
 * API tests of the account's expense templates (sections/account/expense_templates.md: CRUD,
 * money exact, currency) and fixed costs (sections/account/fixed_costs.md: the list with its
 * ?year, and mocod's writes of them by the settings area). One server for the file.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATES   "/api/v1/account/expense_templates"
#define FIXED_COSTS "/api/v1/account/fixed_costs"
#define TEMPLATE_KEYS                                                                              \
    "id,title,description,unit,unit_price,unit_cost,currency,revenue_category,created_at,"         \
    "updated_at"
#define FIXED_COST_KEYS "id,title,description,costs,created_at,updated_at"

static struct {
    mt_server *s;
    const char *admin;
    char *emp_key, *ro_key;
} g;

static int setup(void **state)
{
    g.s = mt_start(NULL);
    *state = g.s;
    g.admin = mt_admin_key(g.s);
    fix_user_with_role(g.s, "Emma", "Employee", &g.emp_key);
    fix_user_with_role(g.s, "Rolf", "Read-only", &g.ro_key);
    return 0;
}

static int teardown(void **state)
{
    free(g.emp_key);
    free(g.ro_key);
    fix_free_strings();
    return fix_teardown(state);
}

static void assert_template_shape(const json_t *v)
{
    mt_assert_keys(v, TEMPLATE_KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "title", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "description", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "unit", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "unit_price", JSON_STRING); /* "50.0" in the docs */
    MT_ASSERT_JSON_TYPE(v, "unit_cost", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "currency", JSON_STRING);
    MT_ASSERT_JSON_NULL(v, "revenue_category");
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

static void test_expense_templates_crud(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g.s, TEMPLATES, g.admin,
                         "{\"title\":\"Hosting S\",\"description\":\"The small hosting package\","
                         "\"unit\":\"month\",\"unit_price\":\"20.0\",\"unit_cost\":\"15.0\","
                         "\"currency\":\"EUR\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Hosting S");
    MT_ASSERT_JSON_STR(r->json, "description", "The small hosting package");
    MT_ASSERT_JSON_STR(r->json, "unit", "month");
    MT_ASSERT_JSON_STR(r->json, "unit_price", "20.00");
    MT_ASSERT_JSON_STR(r->json, "unit_cost", "15.00");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* numbers as well as numeric strings, exact to the cent */
    json_int_t other =
        mt_create(g.s, TEMPLATES, g.admin,
                  "{\"title\":\"Domain\",\"unit_price\":1234567890123.45,\"unit_cost\":0.1,"
                  "\"currency\":\"CHF\"}");
    r = mt_getf(g.s, g.admin, TEMPLATES "/%lld", (long long)other);
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "unit_price", "1234567890123.45");
    MT_ASSERT_JSON_STR(r->json, "unit_cost", "0.10");
    MT_ASSERT_JSON_STR(r->json, "description", "");
    MT_ASSERT_JSON_STR(r->json, "unit", "");
    mt_resp_free(r);

    /* PUT changes what it names */
    r = mt_put(g.s, fix_fmt(TEMPLATES "/%lld", (long long)id), g.admin,
               "{\"title\":\"Hosting Small\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Hosting Small");
    MT_ASSERT_JSON_STR(r->json, "unit_price", "20.00");
    mt_resp_free(r);
    r = mt_put(g.s, fix_fmt(TEMPLATES "/%lld", (long long)id), g.admin,
               "{\"unit_price\":19.99,\"unit_cost\":null,\"currency\":\"USD\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "unit_price", "19.99");
    MT_ASSERT_JSON_STR(r->json, "unit_cost", "0.00");
    MT_ASSERT_JSON_STR(r->json, "currency", "USD");
    mt_resp_free(r);

    /* the list: every template, by id */
    json_int_t both[] = {id, other};
    fix_assert_list_ids(g.s, g.admin, TEMPLATES, both, 2);
    json_int_t by_title[] = {other, id};
    fix_assert_list_ids(g.s, g.admin, TEMPLATES "?sort_by=title", by_title, 2);
    r = mt_get(g.s, TEMPLATES, g.admin);
    assert_template_shape(json_array_get(r->json, 0));
    assert_template_shape(json_array_get(r->json, 1));
    mt_resp_free(r);

    r = mt_deletef(g.s, g.admin, TEMPLATES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_status(g.s, "GET", g.admin, NULL, 404, TEMPLATES "/%lld", (long long)id);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 404, TEMPLATES "/%lld", (long long)id);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 204, TEMPLATES "/%lld", (long long)other);
    fix_assert_list_ids(g.s, g.admin, TEMPLATES, NULL, 0);
}

static void test_expense_templates_validation(void **state)
{
    (void)state;
    fix_expect_422(g.s, "POST", g.admin, "{\"unit_price\":1,\"currency\":\"EUR\"}", "title",
                   TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin, "{\"title\":\"t\",\"currency\":\"EUR\"}", "unit_price",
                   TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin, "{\"title\":\"t\",\"unit_price\":1}", "currency",
                   TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin, "{\"title\":\"t\",\"unit_price\":1,\"currency\":\"Euro\"}",
                   "currency", TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"t\",\"unit_price\":1.005,\"currency\":\"EUR\"}", "unit_price",
                   TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"t\",\"unit_price\":\"cheap\",\"currency\":\"EUR\"}", "unit_price",
                   TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin, "{\"title\":\"t\",\"unit_price\":-1,\"currency\":\"EUR\"}",
                   "unit_price", TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"t\",\"unit_price\":1,\"unit_cost\":-0.01,\"currency\":\"EUR\"}",
                   "unit_cost", TEMPLATES);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"t\",\"unit_price\":1,\"unit\":7,\"currency\":\"EUR\"}", "unit",
                   TEMPLATES);
    json_int_t id = mt_create(g.s, TEMPLATES, g.admin,
                              "{\"title\":\"t\",\"unit_price\":1,\"currency\":\"EUR\"}");
    fix_expect_422(g.s, "PUT", g.admin, "{\"title\":\"\"}", "title", TEMPLATES "/%lld",
                   (long long)id);
    fix_expect_422(g.s, "PUT", g.admin, "{\"unit_price\":null}", "unit_price", TEMPLATES "/%lld",
                   (long long)id);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 204, TEMPLATES "/%lld", (long long)id);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM expense_templates"), 0);
}

static void test_expense_templates_permissions_and_tenants(void **state)
{
    (void)state;
    json_int_t id = mt_create(g.s, TEMPLATES, g.admin,
                              "{\"title\":\"Hosting\",\"unit_price\":50,\"currency\":\"EUR\"}");
    /* everybody reads them (expenses are booked from them); the settings area writes */
    json_int_t one[] = {id};
    fix_assert_list_ids(g.s, g.emp_key, TEMPLATES, one, 1);
    fix_expect_status(g.s, "GET", g.emp_key, NULL, 200, TEMPLATES "/%lld", (long long)id);
    fix_expect_error(g.s, "POST", g.emp_key,
                     "{\"title\":\"x\",\"unit_price\":1,\"currency\":\"EUR\"}", 403, TEMPLATES);
    fix_expect_error(g.s, "PUT", g.emp_key, "{\"title\":\"x\"}", 403, TEMPLATES "/%lld",
                     (long long)id);
    fix_expect_error(g.s, "DELETE", g.emp_key, NULL, 403, TEMPLATES "/%lld", (long long)id);
    fix_expect_error(g.s, "PUT", g.ro_key, "{\"title\":\"x\"}", 403, TEMPLATES "/%lld",
                     (long long)id);
    fix_expect_error(g.s, "DELETE", fix_read_key(g.s), NULL, 403, TEMPLATES "/%lld", (long long)id);
    fix_expect_status(g.s, "GET", NULL, NULL, 401, TEMPLATES);

    const char *other = fix_other_key(g.s);
    fix_assert_list_ids(g.s, other, TEMPLATES, NULL, 0);
    fix_expect_status(g.s, "GET", other, NULL, 404, TEMPLATES "/%lld", (long long)id);
    fix_expect_status(g.s, "PUT", other, "{\"title\":\"x\"}", 404, TEMPLATES "/%lld",
                      (long long)id);
    fix_expect_status(g.s, "DELETE", other, NULL, 404, TEMPLATES "/%lld", (long long)id);
    mt_resp *r = mt_getf(g.s, g.admin, TEMPLATES "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "title", "Hosting");
    mt_resp_free(r);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 204, TEMPLATES "/%lld", (long long)id);
}

/* ---- fixed costs ---------------------------------------------------------------------------- */

static void assert_fixed_cost_shape(const json_t *v)
{
    mt_assert_keys(v, FIXED_COST_KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "title", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "description", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "costs", JSON_ARRAY);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(v, "costs"), i, c)
    {
        mt_assert_keys(c, "id,year,month,amount");
        MT_ASSERT_JSON_TYPE(c, "year", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(c, "month", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(c, "amount", JSON_REAL);
    }
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

static void test_fixed_costs(void **state)
{
    (void)state;
    fix_assert_list_ids(g.s, g.admin, FIXED_COSTS, NULL, 0);
    mt_resp *r = mt_post(g.s, FIXED_COSTS, g.admin,
                         "{\"title\":\"Salaries\",\"description\":\"Monthly total salaries for the "
                         "company\",\"costs\":[{\"year\":2020,\"month\":1,\"amount\":100000.0},"
                         "{\"year\":2020,\"month\":2,\"amount\":\"100000.05\"},{\"year\":2021,"
                         "\"month\":1,\"amount\":0.1}]}");
    MT_ASSERT_STATUS(r, 200);
    assert_fixed_cost_shape(r->json);
    assert_int_equal(mt_json_len(r->json, "costs"), 3);
    MT_ASSERT_JSON_INT(r->json, "costs[1].year", 2020);
    MT_ASSERT_JSON_INT(r->json, "costs[1].month", 2);
    assert_non_null(strstr(r->body, "\"amount\":100000.05}"));
    assert_non_null(strstr(r->body, "\"amount\":0.1}"));
    json_int_t salaries = mt_json_int(r->json, "id");
    mt_resp_free(r);
    json_int_t rent = mt_create(g.s, FIXED_COSTS, g.admin,
                                "{\"title\":\"Rent\",\"costs\":[{\"year\":2021,\"month\":3,"
                                "\"amount\":3500}]}");

    json_int_t both[] = {salaries, rent};
    fix_assert_list_ids(g.s, g.admin, FIXED_COSTS, both, 2);
    r = mt_get(g.s, FIXED_COSTS, g.admin);
    assert_fixed_cost_shape(json_array_get(r->json, 0));
    assert_fixed_cost_shape(json_array_get(r->json, 1));
    MT_ASSERT_JSON_STR(r->json, "[1].description", "");
    mt_resp_free(r);
    /* ?year limits the costs to that year */
    fix_assert_list_ids(g.s, g.admin, FIXED_COSTS "?year=2020", both, 2);
    r = mt_get(g.s, FIXED_COSTS "?year=2020", g.admin);
    assert_int_equal(mt_json_len(r->json, "[0].costs"), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].costs[0].month", 1);
    MT_ASSERT_JSON_INT(r->json, "[0].costs[1].month", 2);
    MT_ASSERT_JSON_INT(r->json, "[0].costs[1].year", 2020);
    assert_int_equal(mt_json_len(r->json, "[1].costs"), 0);
    assert_fixed_cost_shape(json_array_get(r->json, 1));
    mt_resp_free(r);
    r = mt_get(g.s, FIXED_COSTS "?year=2021", g.admin);
    assert_int_equal(mt_json_len(r->json, "[0].costs"), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].costs[0].year", 2021);
    fix_assert_real_eq(r->json, "[0].costs[0].amount", 0.1);
    assert_int_equal(mt_json_len(r->json, "[1].costs"), 1);
    fix_assert_real_eq(r->json, "[1].costs[0].amount", 3500.0);
    mt_resp_free(r);
    r = mt_get(g.s, FIXED_COSTS "?year=2019", g.admin);
    assert_int_equal(mt_json_len(r->json, "[0].costs"), 0);
    assert_int_equal(mt_json_len(r->json, "[1].costs"), 0);
    mt_resp_free(r);
    fix_expect_422(g.s, "GET", g.admin, NULL, "year", FIXED_COSTS "?year=last");
    fix_expect_422(g.s, "GET", g.admin, NULL, "year", FIXED_COSTS "?year=20");

    /* costs given replace all of them */
    r = mt_put(g.s, fix_fmt(FIXED_COSTS "/%lld", (long long)rent), g.admin,
               "{\"title\":\"Office rent\",\"costs\":[{\"year\":2022,\"month\":12,\"amount\":"
               "3600.5}]}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Office rent");
    assert_int_equal(mt_json_len(r->json, "costs"), 1);
    MT_ASSERT_JSON_INT(r->json, "costs[0].year", 2022);
    fix_assert_real_eq(r->json, "costs[0].amount", 3600.5);
    mt_resp_free(r);
    r = mt_get(g.s, FIXED_COSTS "?year=2021", g.admin);
    assert_int_equal(mt_json_len(r->json, "[1].costs"), 0); /* rent has no 2021 any more */
    mt_resp_free(r);

    /* problems name the field */
    fix_expect_422(g.s, "POST", g.admin, "{\"costs\":[]}", "title", FIXED_COSTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"x\",\"costs\":[{\"year\":2020,\"month\":13,\"amount\":1}]}",
                   "costs[0].month", FIXED_COSTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"x\",\"costs\":[{\"year\":20,\"month\":1,\"amount\":1}]}",
                   "costs[0].year", FIXED_COSTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"x\",\"costs\":[{\"year\":2020,\"month\":1,\"amount\":1.001}]}",
                   "costs[0].amount", FIXED_COSTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"x\",\"costs\":[{\"year\":2020,\"month\":1}]}", "costs[0].amount",
                   FIXED_COSTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"title\":\"x\",\"costs\":[{\"year\":2020,\"month\":1,\"amount\":1},{\"year\":"
                   "2020,\"month\":1,\"amount\":2}]}",
                   "costs", FIXED_COSTS);
    fix_expect_422(g.s, "PUT", g.admin, "{\"costs\":[{\"year\":2020,\"month\":0,\"amount\":1}]}",
                   "costs[0].month", FIXED_COSTS "/%lld", (long long)rent);
    r = mt_getf(g.s, g.admin, FIXED_COSTS "/%lld", (long long)rent);
    assert_int_equal(mt_json_len(r->json, "costs"), 1); /* unchanged */
    mt_resp_free(r);

    /* the report area reads them, the settings area writes them */
    fix_expect_error(g.s, "GET", g.emp_key, NULL, 403, FIXED_COSTS);
    fix_assert_list_ids(g.s, g.ro_key, FIXED_COSTS, both, 2);
    fix_expect_error(g.s, "POST", g.ro_key, "{\"title\":\"x\"}", 403, FIXED_COSTS);
    fix_expect_error(g.s, "DELETE", fix_read_key(g.s), NULL, 403, FIXED_COSTS "/%lld",
                     (long long)rent);
    const char *other = fix_other_key(g.s);
    fix_assert_list_ids(g.s, other, FIXED_COSTS, NULL, 0);
    fix_expect_status(g.s, "DELETE", other, NULL, 404, FIXED_COSTS "/%lld", (long long)rent);

    fix_expect_status(g.s, "DELETE", g.admin, NULL, 204, FIXED_COSTS "/%lld", (long long)rent);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 204, FIXED_COSTS "/%lld", (long long)salaries);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM fixed_cost_amounts"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expense_templates_crud),
        cmocka_unit_test(test_expense_templates_validation),
        cmocka_unit_test(test_expense_templates_permissions_and_tenants),
        cmocka_unit_test(test_fixed_costs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
