/*
 * API tests of project recurring expenses (sections/project_recurring_expenses.md): create below
 * a project (the documented required fields), get, update (start_date and period stay), delete,
 * the project's list and GET /recurring_expenses across projects, price and cost exact to the
 * cent, and `recur` on a frozen clock: it creates the expenses due up to today (month ends kept
 * by clamping, service periods forward and backward, nothing after finish_date), and running it
 * again creates nothing; a second server whose clock is months later creates the rest.
 *
 * One server for the file (group fixture), its clock at FAKE_NOW.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_NOW "2026-03-15T10:00:00Z" /* 2026-03-15 in Berlin */
#define LATER    "2026-07-01T10:00:00Z"
#define FLAT     "/api/v1/recurring_expenses"
#define KEYS                                                                                       \
    "id,start_date,finish_date,recur_next_date,period,title,description,quantity,unit,"            \
    "unit_price,unit_cost,price,cost,currency,budget_relevant,billable,service_period_direction,"  \
    "custom_properties,project,revenue_category,created_at,updated_at"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, customer, project, other_project;
} g;

static int group_setup(void **state)
{
    (void)state;
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g.s = mt_start("--fake-now " FAKE_NOW " --webhook-allow-private --webhook-retry-base 3600");
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Hosting Kunde AG");
    g.project = fix_create_project_as(g.s, g.key, "Hosting", "RE-1", g.admin, g.customer);
    g.other_project = fix_create_project_as(g.s, g.key, "Other", "RE-2", g.admin, g.customer);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fix_free_strings();
    mt_stop(g.s);
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    return 0;
}

static const char *nested(json_int_t project)
{
    return fix_fmt("/api/v1/projects/%lld/recurring_expenses", (long long)project);
}

static json_int_t create(json_int_t project, const char *extra)
{
    json_t *body = json_pack("{s:s, s:i, s:s, s:i, s:i}", "title", "Hosting XS", "quantity", 1,
                             "unit", "Server", "unit_price", 29, "unit_cost", 19);
    fix_body_merge(body, NULL, extra); /* extra replaces the usual values */
    mt_resp *r = mt_request_json(g.s, "POST", nested(project), g.key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

/* The expenses recur made of recurring expense id, by date: their JSON (kept). */
static json_t *made_of(json_int_t id)
{
    mt_resp *r = mt_get(
        g.s, fix_fmt("/api/v1/projects/expenses?recurring_expense_id=%lld", (long long)id), g.key);
    MT_ASSERT_STATUS(r, 200);
    json_t *list = json_incref(r->json);
    mt_resp_free(r);
    return list;
}

static void assert_dates(json_t *list, const char *const *dates, size_t n)
{
    assert_int_equal(json_array_size(list), n);
    for (size_t i = 0; i < n; i++)
        MT_ASSERT_JSON_STR(json_array_get(list, i), "date", dates[i]);
}

static mt_resp *recur(mt_server *s, json_int_t project, json_int_t id)
{
    return mt_requestf(s, "POST", g.key, NULL, "%s/%lld/recur", nested(project), (long long)id);
}

static void test_create_and_shape(void **state)
{
    (void)state;
    mt_resp *r = mt_request(g.s, "POST", nested(g.project), g.key,
                            "{\"start_date\":\"2026-01-31\",\"period\":\"monthly\",\"title\":"
                            "\"Hosting XS\",\"quantity\":1.5,\"unit\":\"Server\",\"unit_price\":"
                            "29.99,\"unit_cost\":19,\"description\":\"Hosting, Backup\"}",
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_STR(r->json, "start_date", "2026-01-31");
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-01-31");
    assert_true(json_is_null(mt_json_get(r->json, "finish_date")));
    MT_ASSERT_JSON_STR(r->json, "period", "monthly");
    fix_assert_number(r->json, "price", 44.99); /* 1.5 x 29.99 = 44.985 */
    fix_assert_number(r->json, "cost", 28.5);
    fix_assert_number(r->json, "quantity", 1.5);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "service_period_direction", "none");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "budget_relevant", JSON_FALSE);
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    MT_ASSERT_JSON_STR(r->json, "project.name", "Hosting");
    assert_true(json_is_object(mt_json_get(r->json, "custom_properties")));
    assert_true(json_is_null(mt_json_get(r->json, "revenue_category")));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp *got = mt_getf(g.s, g.key, "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(got, 200);
    fix_assert_json_equal(got->json, r->json);
    mt_resp_free(got);
    mt_resp_free(r);

    /* every documented required field, and the rules of the others */
    static const char *const required[] = {"start_date", "period",     "title",    "quantity",
                                           "unit",       "unit_price", "unit_cost"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        json_t *b = json_pack("{s:s, s:s, s:s, s:f, s:s, s:f, s:f}", "start_date", "2026-01-01",
                              "period", "monthly", "title", "T", "quantity", 1.0, "unit", "x",
                              "unit_price", 1.0, "unit_cost", 1.0);
        json_object_del(b, required[i]);
        mt_resp *bad = mt_request_json(g.s, "POST", nested(g.project), g.key, b, NULL);
        fix_assert_422(bad, required[i]);
        mt_resp_free(bad);
    }
    fix_expect_422(g.s, "POST", g.key,
                   "{\"start_date\":\"2026-01-01\",\"period\":\"daily\",\"title\":\"T\","
                   "\"quantity\":1,\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1}",
                   "period", "%s", nested(g.project));
    fix_expect_422(g.s, "POST", g.key,
                   "{\"start_date\":\"2026-05-01\",\"finish_date\":\"2026-04-30\",\"period\":"
                   "\"weekly\",\"title\":\"T\",\"quantity\":1,\"unit\":\"x\",\"unit_price\":1,"
                   "\"unit_cost\":1}",
                   "finish_date", "%s", nested(g.project));
    fix_expect_422(g.s, "POST", g.key,
                   "{\"start_date\":\"2026-05-01\",\"period\":\"weekly\",\"title\":\"T\","
                   "\"quantity\":1,\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1,"
                   "\"service_period_direction\":\"sideways\"}",
                   "service_period_direction", "%s", nested(g.project));
    fix_expect_error(g.s, "POST", g.key, "{}", 404, "/api/v1/projects/987654/recurring_expenses");
}

static void test_update_keeps_the_series(void **state)
{
    (void)state;
    json_int_t id = create(g.project, "\"start_date\":\"2026-02-01\",\"period\":\"quarterly\"");
    mt_resp *r = mt_requestf(g.s, "PUT", g.key,
                             "{\"unit_price\":49,\"start_date\":\"2020-01-01\",\"period\":"
                             "\"weekly\",\"finish_date\":\"2027-12-31\"}",
                             "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "unit_price", 49);
    fix_assert_number(r->json, "price", 49);
    MT_ASSERT_JSON_STR(r->json, "start_date", "2026-02-01"); /* not changeable */
    MT_ASSERT_JSON_STR(r->json, "period", "quarterly");
    MT_ASSERT_JSON_STR(r->json, "finish_date", "2027-12-31");
    mt_resp_free(r);
    fix_expect_422(g.s, "PUT", g.key, "{\"finish_date\":\"2026-01-01\"}", "finish_date", "%s/%lld",
                   nested(g.project), (long long)id);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "%s/%lld", nested(g.project), (long long)id);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, "%s/%lld", nested(g.project), (long long)id);
}

/* Monthly from a 31st: the months without one take their last day, the series keeps the 31st. */
static void test_recur_creates_what_is_due_once(void **state)
{
    (void)state;
    json_int_t id = create(g.project, "\"start_date\":\"2026-01-31\",\"period\":\"monthly\","
                                      "\"service_period_direction\":\"forward\",\"quantity\":2.5,"
                                      "\"unit_price\":10.01,\"billable\":false,"
                                      "\"budget_relevant\":true");
    mt_resp *r = recur(g.s, g.project, id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-03-31");
    const char *updated = fix_fmt("%s", mt_json_str(r->json, "updated_at"));
    mt_resp_free(r);
    json_t *made = made_of(id);
    const char *first[] = {"2026-01-31", "2026-02-28"};
    assert_dates(made, first, 2);
    json_t *e = json_array_get(made, 0);
    MT_ASSERT_JSON_STR(e, "title", "Hosting XS");
    fix_assert_number(e, "quantity", 2.5);
    fix_assert_number(e, "price", 25.03); /* 2.5 x 10.01 = 25.025 */
    fix_assert_number(e, "cost", 47.5);
    MT_ASSERT_JSON_TYPE(e, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(e, "budget_relevant", JSON_TRUE);
    MT_ASSERT_JSON_INT(e, "recurring_expense_id", id);
    MT_ASSERT_JSON_INT(e, "project.id", g.project);
    MT_ASSERT_JSON_STR(e, "service_period_from", "2026-01-31");
    MT_ASSERT_JSON_STR(e, "service_period_to", "2026-02-27");
    MT_ASSERT_JSON_STR(json_array_get(made, 1), "service_period_to", "2026-03-30");
    json_decref(made);

    /* again the same day: nothing is due, nothing changes */
    r = recur(g.s, g.project, id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-03-31");
    MT_ASSERT_JSON_STR(r->json, "updated_at", updated);
    mt_resp_free(r);
    made = made_of(id);
    assert_dates(made, first, 2);
    json_decref(made);

    /* months later (a server on the same database with a later clock): the rest, once */
    mt_server *later = mt_start_sibling(g.s, "--fake-now " LATER);
    for (int pass = 0; pass < 2; pass++) {
        r = recur(later, g.project, id);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-07-31");
        mt_resp_free(r);
    }
    mt_stop(later);
    made = made_of(id);
    const char *all[] = {"2026-01-31", "2026-02-28", "2026-03-31",
                         "2026-04-30", "2026-05-31", "2026-06-30"};
    assert_dates(made, all, 6);
    json_decref(made);
}

static void test_recur_ends_at_finish_date_and_backward_periods(void **state)
{
    (void)state;
    /* weekly until the 10th: the 1st and the 8th; the next date stays, past the finish */
    json_int_t weekly =
        create(g.other_project, "\"start_date\":\"2026-03-01\",\"finish_date\":\"2026-03-10\","
                                "\"period\":\"weekly\"");
    mt_resp *r = recur(g.s, g.other_project, weekly);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-03-15");
    mt_resp_free(r);
    json_t *made = made_of(weekly);
    const char *weeks[] = {"2026-03-01", "2026-03-08"};
    assert_dates(made, weeks, 2);
    assert_true(json_is_null(mt_json_get(json_array_get(made, 0), "service_period_from")));
    json_decref(made);
    r = recur(g.s, g.other_project, weekly);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    made = made_of(weekly);
    assert_int_equal(json_array_size(made), 2);
    json_decref(made);
    /* a later finish_date: the series goes on (the 15th is today) */
    fix_expect_status(g.s, "PUT", g.key, "{\"finish_date\":\"2026-12-31\"}", 200, "%s/%lld",
                      nested(g.other_project), (long long)weekly);
    r = recur(g.s, g.other_project, weekly);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-03-22");
    mt_resp_free(r);
    made = made_of(weekly);
    const char *more_weeks[] = {"2026-03-01", "2026-03-08", "2026-03-15"};
    assert_dates(made, more_weeks, 3);
    json_decref(made);

    /* quarterly, backward: each expense bills the quarter before its date */
    json_int_t quarterly = create(g.other_project, "\"start_date\":\"2026-01-01\",\"period\":"
                                                   "\"quarterly\",\"service_period_direction\":"
                                                   "\"backward\"");
    r = recur(g.s, g.other_project, quarterly);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-04-01");
    mt_resp_free(r);
    made = made_of(quarterly);
    const char *quarters[] = {"2026-01-01"};
    assert_dates(made, quarters, 1);
    MT_ASSERT_JSON_STR(json_array_get(made, 0), "service_period_from", "2025-10-01");
    MT_ASSERT_JSON_STR(json_array_get(made, 0), "service_period_to", "2025-12-31");
    json_decref(made);

    /* a series that starts in the future has nothing due */
    json_int_t future = create(g.other_project, "\"start_date\":\"2026-04-01\",\"period\":"
                                                "\"annual\"");
    r = recur(g.s, g.other_project, future);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "recur_next_date", "2026-04-01");
    mt_resp_free(r);
    made = made_of(future);
    assert_int_equal(json_array_size(made), 0);
    json_decref(made);
    /* below another project it is not found */
    r = recur(g.s, g.project, future);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void test_lists(void **state)
{
    (void)state;
    json_int_t a = create(g.project, "\"start_date\":\"2030-01-01\",\"period\":\"annual\"");
    json_int_t b = create(g.other_project, "\"start_date\":\"2030-01-01\",\"period\":\"biweekly\"");
    mt_resp *r = mt_get(g.s, nested(g.project), g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, a));
    assert_null(fix_find_by_id(r->json, b));
    mt_resp_free(r);
    r = mt_get(g.s, FLAT, g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, a));
    assert_non_null(fix_find_by_id(r->json, b));
    mt_resp_free(r);
    r = mt_get(g.s, fix_fmt(FLAT "?project_id=%lld", (long long)g.other_project), g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, a));
    assert_non_null(fix_find_by_id(r->json, b));
    mt_resp_free(r);
    r = mt_get(g.s, FLAT, fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

static void test_permissions_and_webhooks(void **state)
{
    (void)state;
    json_int_t hook = mt_create(g.s, "/api/v1/account/web_hooks", g.key,
                                "{\"target\":\"RecurringExpense\",\"event\":\"create\","
                                "\"hook\":\"http://127.0.0.1:9/re\"}");
    json_int_t id = create(g.project, "\"start_date\":\"2031-01-01\",\"period\":\"monthly\"");
    assert_int_equal(mt_sql_i64(g.s, fix_fmt("SELECT COUNT(*) FROM webhook_events WHERE target = "
                                             "'RecurringExpense' AND event = 'create' AND "
                                             "entity_id = %lld",
                                             (long long)id)),
                     1);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "/api/v1/account/web_hooks/%lld",
                      (long long)hook);
    char *employee = NULL;
    fix_user_with_role(g.s, "Erika", "Employee", &employee);
    fix_expect_error(g.s, "POST", employee, NULL, 403, "%s/%lld/recur", nested(g.project),
                     (long long)id);
    free(employee);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_shape),
        cmocka_unit_test(test_update_keeps_the_series),
        cmocka_unit_test(test_recur_creates_what_is_due_once),
        cmocka_unit_test(test_recur_ends_at_finish_date_and_backward_periods),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_permissions_and_webhooks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
