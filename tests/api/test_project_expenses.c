/*
 * API tests of project expenses (sections/project_expenses.md): the nested CRUD routes below
 * /projects/{id}/expenses, bulk creation (all or nothing), disregard, GET /projects/expenses
 * across projects with its filters, price and cost exact to the cent, the receipt file, the
 * lock of billed expenses, permissions (employees read, project leaders write, only who may bill
 * disregards), tenant isolation and web hook events. Billing expenses on an invoice is tested in
 * test_invoices.c.
 *
 * One server for the file (group fixture); every test makes its own projects.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECTS "/api/v1/projects"
#define ALL      "/api/v1/projects/expenses"

/* The keys of the Attributes example of sections/project_expenses.md, and purchase_id and
 * purchase_item_id of the example of GET /invoices/{id}/expenses. */
#define EXPENSE_KEYS                                                                               \
    "id,date,title,description,quantity,unit,unit_price,unit_cost,price,cost,currency,"            \
    "budget_relevant,billable,billed,purchase_assignment_locked,cost_total_planned,"               \
    "planned_purchase_date,invoice_id,recurring_expense_id,service_period,service_period_from,"    \
    "service_period_to,file_url,revenue_category,custom_properties,company,project,group,"         \
    "purchase_id,purchase_item_id,purchase_items,created_at,updated_at"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, customer, other_customer;
    int n;
} g;

static int group_setup(void **state)
{
    g.s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    *state = g.s;
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Expense Customer AG");
    g.other_customer = fix_create_company_as(g.s, g.key, "customer", "Other Expense GmbH");
    return 0;
}

static int group_teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

static json_int_t project_of(json_int_t leader, json_int_t customer, const char *name)
{
    return fix_create_project_as(g.s, g.key, name, fix_fmt("EXP-%03d", ++g.n), leader, customer);
}

static json_int_t project(const char *name)
{
    return project_of(g.admin, g.customer, name);
}

static const char *expenses_of(json_int_t project_id)
{
    return fix_fmt(PROJECTS "/%lld/expenses", (long long)project_id);
}

/* A valid body with the mandatory fields; extra (JSON members, may be NULL) adds or replaces. */
static const char *body_with(const char *date, const char *title, const char *extra)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i}", "date", date, "title", title,
                             "quantity", 3, "unit", "Monat", "unit_price", 29, "unit_cost", 19);
    fix_body_merge(body, NULL, extra);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return fix_keep(text);
}

static mt_resp *post_expense(const char *key, json_int_t project_id, const char *body)
{
    return mt_request(g.s, "POST", expenses_of(project_id), key, body, NULL);
}

static json_int_t create_expense(json_int_t project_id, const char *date, const char *title,
                                 const char *extra)
{
    mt_resp *r = post_expense(g.key, project_id, body_with(date, title, extra));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static mt_resp *get_expense(json_int_t project_id, json_int_t id)
{
    return mt_getf(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)project_id,
                   (long long)id);
}

/* Keys and JSON types of the documented expense. */
static void assert_expense_shape(const json_t *e)
{
    mt_assert_keys(e, EXPENSE_KEYS);
    MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
    MT_ASSERT_DATE(e, "date");
    MT_ASSERT_JSON_TYPE(e, "title", JSON_STRING);
    MT_ASSERT_JSON_TYPE(e, "description", JSON_STRING);
    static const char *const numbers[] = {"quantity", "unit_price", "unit_cost",
                                          "price",    "cost",       "cost_total_planned"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        MT_ASSERT_JSON_TYPE(e, numbers[i], MT_JSON_NUMBER);
    MT_ASSERT_JSON_TYPE(e, "unit", JSON_STRING);
    MT_ASSERT_JSON_TYPE(e, "currency", JSON_STRING);
    static const char *const bools[] = {"budget_relevant", "billable", "billed",
                                        "purchase_assignment_locked"};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        MT_ASSERT_JSON_TYPE(e, bools[i], MT_JSON_BOOL);
    fix_assert_type_or_null(e, "invoice_id", JSON_INTEGER);
    MT_ASSERT_JSON_NULL(e, "recurring_expense_id");
    MT_ASSERT_JSON_NULL(e, "planned_purchase_date");
    MT_ASSERT_JSON_NULL(e, "purchase_id");
    MT_ASSERT_JSON_NULL(e, "purchase_item_id");
    MT_ASSERT_JSON_NULL(e, "revenue_category");
    MT_ASSERT_JSON_NULL(e, "group");
    MT_ASSERT_JSON_TYPE(e, "purchase_items", JSON_ARRAY);
    fix_assert_type_or_null(e, "service_period", JSON_STRING);
    fix_assert_type_or_null(e, "file_url", JSON_STRING);
    MT_ASSERT_JSON_TYPE(e, "custom_properties", JSON_OBJECT);
    mt_assert_keys(mt_json_get(e, "company"), FIX_ID_NAME_KEYS);
    mt_assert_keys(mt_json_get(e, "project"), FIX_ID_NAME_KEYS);
    MT_ASSERT_TIMESTAMP(e, "created_at");
    MT_ASSERT_TIMESTAMP(e, "updated_at");
}

/* ---- create and get ----------------------------------------------------------------------- */

static void test_create_renders_the_documented_expense(void **state)
{
    (void)state;
    json_int_t chf_customer = fix_create_company_as(g.s, g.key, "customer", "Franken AG");
    mt_resp *pr = mt_request_json(
        g.s, "POST", PROJECTS, g.key,
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "name", "Hosting CH", "identifier",
                  "EXP-CHF", "currency", "CHF", "leader_id", (json_int_t)g.admin, "customer_id",
                  (json_int_t)chf_customer, "fixed_price", 0, "retainer", 0),
        NULL);
    MT_ASSERT_STATUS(pr, 200);
    json_int_t pid = mt_json_int(pr->json, "id");
    mt_resp_free(pr);
    fix_create_custom_property(g.s, "Expense", "Type", "String", NULL);
    mt_resp *r = post_expense(
        g.key, pid,
        "{\"date\":\"2024-06-07\",\"title\":\"Hosting XS\",\"description\":\"<div>Hosting, "
        "Monitoring und Backup</div>\",\"quantity\":3,\"unit\":\"Monat\",\"unit_price\":29,"
        "\"unit_cost\":19,\"budget_relevant\":true,\"service_period_from\":\"2024-06-01\","
        "\"service_period_to\":\"2024-06-30\",\"custom_properties\":{\"Type\":\"Website\"},"
        "\"file\":{\"filename\":\"beleg1.jpg\",\"base64\":\"aGVsbG8gcmVjZWlwdA==\"}}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", FIX_JSON_CT);
    assert_expense_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "date", "2024-06-07");
    MT_ASSERT_JSON_STR(r->json, "title", "Hosting XS");
    MT_ASSERT_JSON_STR(r->json, "description", "<div>Hosting, Monitoring und Backup</div>");
    fix_assert_number(r->json, "quantity", 3);
    MT_ASSERT_JSON_STR(r->json, "unit", "Monat");
    fix_assert_number(r->json, "unit_price", 29);
    fix_assert_number(r->json, "unit_cost", 19);
    fix_assert_number(r->json, "price", 87);
    fix_assert_number(r->json, "cost", 57);
    MT_ASSERT_JSON_STR(r->json, "currency", "CHF"); /* the project's */
    assert_true(mt_json_bool(r->json, "budget_relevant"));
    assert_true(mt_json_bool(r->json, "billable")); /* default */
    assert_false(mt_json_bool(r->json, "billed"));
    assert_false(mt_json_bool(r->json, "purchase_assignment_locked"));
    MT_ASSERT_JSON_NULL(r->json, "invoice_id");
    MT_ASSERT_JSON_STR(r->json, "service_period", "06/2024");
    MT_ASSERT_JSON_STR(r->json, "service_period_from", "2024-06-01");
    MT_ASSERT_JSON_STR(r->json, "service_period_to", "2024-06-30");
    MT_ASSERT_JSON_STR(r->json, "custom_properties.Type", "Website");
    MT_ASSERT_JSON_INT(r->json, "company.id", chf_customer);
    MT_ASSERT_JSON_STR(r->json, "company.name", "Franken AG");
    MT_ASSERT_JSON_INT(r->json, "project.id", pid);
    MT_ASSERT_JSON_STR(r->json, "project.name", "Hosting CH");
    assert_int_equal(mt_json_len(r->json, "purchase_items"), 0);
    /* the receipt is served by its link */
    const char *url = mt_json_str(r->json, "file_url");
    assert_non_null(strstr(url, "/beleg1.jpg"));
    mt_resp *f = mt_get(g.s, url, NULL);
    MT_ASSERT_STATUS(f, 200);
    MT_ASSERT_HEADER(f, "Content-Type", "image/jpeg");
    assert_int_equal(f->body_len, strlen("hello receipt"));
    assert_memory_equal(f->body, "hello receipt", f->body_len);
    mt_resp_free(f);
    /* GET one answers the same */
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp *one = get_expense(pid, id);
    MT_ASSERT_STATUS(one, 200);
    fix_assert_json_equal(one->json, r->json);
    mt_resp_free(one);
    /* without a service period: none rendered; billable and budget_relevant as sent */
    mt_resp *plain = post_expense(
        g.key, pid, body_with("2024-06-08", "Domain", "\"billable\":false,\"budget_relevant\":0"));
    MT_ASSERT_STATUS(plain, 200);
    assert_expense_shape(plain->json);
    MT_ASSERT_JSON_NULL(plain->json, "service_period");
    MT_ASSERT_JSON_NULL(plain->json, "service_period_from");
    MT_ASSERT_JSON_NULL(plain->json, "file_url");
    MT_ASSERT_JSON_STR(plain->json, "description", "");
    assert_false(mt_json_bool(plain->json, "billable"));
    assert_false(mt_json_bool(plain->json, "budget_relevant"));
    mt_resp_free(plain);
    mt_resp_free(r);
}

static void test_price_and_cost_exact_to_the_cent(void **state)
{
    (void)state;
    json_int_t pid = project("Exact money");
    static const struct {
        const char *quantity, *unit_price, *unit_cost;
        double price, cost;
    } cases[] = {
        {"3.333", "29.99", "19.01", 99.96, 63.36},       /* 99.95667, 63.36033 */
        {"0.5", "0.05", "0.01", 0.03, 0.01},             /* 0.025 and 0.005: half away from 0 */
        {"-0.5", "0.05", "0.01", -0.03, -0.01},          /* a credit: rounded away from 0 too */
        {"1.0001", "999999.99", "0.1", 1000099.99, 0.1}, /* 1000099.989999 */
        {"0.0001", "0.01", "0.01", 0, 0},                /* too small for a cent */
        {"12", "0.1", "0.2", 1.2, 2.4},                  /* no binary floating point drift */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mt_resp *r =
            post_expense(g.key, pid,
                         fix_fmt("{\"date\":\"2026-01-10\",\"title\":\"Line %zu\",\"quantity\":%s,"
                                 "\"unit\":\"x\",\"unit_price\":%s,\"unit_cost\":%s}",
                                 i, cases[i].quantity, cases[i].unit_price, cases[i].unit_cost));
        MT_ASSERT_STATUS(r, 200);
        fix_assert_number(r->json, "price", cases[i].price);
        fix_assert_number(r->json, "cost", cases[i].cost);
        fix_assert_number(r->json, "quantity", atof(cases[i].quantity));
        mt_resp_free(r);
    }
    /* an update recomputes both from what is sent and what is stored */
    json_int_t id = create_expense(pid, "2026-01-11", "Hosting", NULL);
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"unit_price\":49}",
                             PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "unit_price", 49);
    fix_assert_number(r->json, "price", 147);
    fix_assert_number(r->json, "cost", 57);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"quantity\":1.25,\"unit_cost\":10.01}",
                    PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "price", 61.25);
    fix_assert_number(r->json, "cost", 12.51); /* 12.5125 */
    mt_resp_free(r);
    /* price and cost are the server's */
    r = mt_requestf(g.s, "PUT", g.key, "{\"price\":1,\"cost\":1}", PROJECTS "/%lld/expenses/%lld",
                    (long long)pid, (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "price", 61.25);
    fix_assert_number(r->json, "cost", 12.51);
    mt_resp_free(r);
}

static void test_bad_input_is_a_422_naming_the_field(void **state)
{
    (void)state;
    json_int_t pid = project("Bad input");
    const char *path = expenses_of(pid);
    mt_resp *r = post_expense(g.key, pid, "{}");
    fix_assert_422_fields(r, "date,title,quantity,unit,unit_price,unit_cost");
    mt_resp_free(r);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-13-01", "X", NULL), "date", "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "", NULL), "title", "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"unit_price\":1.005"),
                   "unit_price", "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"unit_cost\":\"abc\""),
                   "unit_cost", "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"quantity\":1.00001"),
                   "quantity", "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"billable\":\"maybe\""),
                   "billable", "%s", path);
    fix_expect_422(g.s, "POST", g.key,
                   body_with("2026-01-01", "X",
                             "\"service_period_from\":\"2026-02-01\","
                             "\"service_period_to\":\"2026-01-31\""),
                   "service_period_to", "%s", path);
    fix_expect_422(
        g.s, "POST", g.key,
        body_with("2026-01-01", "X", "\"file\":{\"filename\":\"a.pdf\",\"base64\":\"*\"}"), "file",
        "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"file\":\"a.pdf\""), "file",
                   "%s", path);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", "\"user_id\":987654"),
                   "user_id", "%s", path);
    /* a product beyond what an amount holds */
    fix_expect_422(g.s, "POST", g.key,
                   body_with("2026-01-01", "X", "\"quantity\":99999999999,\"unit_price\":999999"),
                   "unit_price", "%s", path);
    /* a receipt larger than 5 MiB: refused with a 422 naming the file */
    size_t raw = 5u * 1024 * 1024 + 3, b64 = (raw + 2) / 3 * 4;
    char *big = malloc(b64 + 256);
    assert_non_null(big);
    int head = snprintf(big, 256,
                        "{\"date\":\"2026-01-01\",\"title\":\"Big\",\"quantity\":1,\"unit\":\"x\","
                        "\"unit_price\":1,\"unit_cost\":1,\"file\":{\"filename\":\"big.pdf\","
                        "\"base64\":\"");
    memset(big + head, 'A', b64);
    strcpy(big + head + b64, "\"}}");
    r = post_expense(g.key, pid, big);
    fix_assert_422(r, "file");
    mt_resp_free(r);
    free(big);
    /* nothing of it was written */
    fix_assert_list_empty(g.s, g.key, path);
    /* no such project, or one of another account: 404 */
    fix_expect_error(g.s, "POST", g.key, body_with("2026-01-01", "X", NULL), 404,
                     PROJECTS "/987654/expenses");
    /* an archived project takes no new expenses (as it takes no time) */
    json_int_t archived = project("Archived");
    fix_expect_status(g.s, "PUT", g.key, NULL, 200, PROJECTS "/%lld/archive", (long long)archived);
    fix_expect_422(g.s, "POST", g.key, body_with("2026-01-01", "X", NULL), "project_id", "%s",
                   expenses_of(archived));
    fix_assert_list_empty(g.s, g.key, expenses_of(archived));
}

/* ---- lists -------------------------------------------------------------------------------- */

static void test_lists_and_filters(void **state)
{
    (void)state;
    char *emp_key = NULL;
    json_int_t emp = fix_user_with_role(g.s, "Ulla", "Employee", &emp_key);
    json_int_t a = project("List A"), b = project_of(g.admin, g.other_customer, "List B");
    fix_expect_status(g.s, "PUT", g.key, "{\"tags\":[\"Hosting\",\"Digital\"]}", 200,
                      PROJECTS "/%lld", (long long)b);
    json_int_t a1 = create_expense(a, "2025-03-10", "A1", NULL);
    json_int_t a2 = create_expense(a, "2025-03-01", "A2", "\"billable\":false");
    json_int_t a3 = create_expense(a, "2025-04-02", "A3", "\"budget_relevant\":true");
    json_int_t b1 =
        create_expense(b, "2025-03-15", "B1", fix_fmt("\"user_id\":%lld", (long long)emp));
    json_int_t b2 = create_expense(b, "2025-05-01", "B2", "\"billable\":false");
    free(emp_key);
    /* a project's list: its own, by date */
    json_int_t want_a[] = {a2, a1, a3};
    fix_assert_list_ids(g.s, g.key, expenses_of(a), want_a, 3);
    json_int_t want_b[] = {b1, b2};
    fix_assert_list_ids(g.s, g.key, expenses_of(b), want_b, 2);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?billable=false", expenses_of(a)), a2);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?billable=true", expenses_of(a)), a1, a3);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?budget_relevant=true", expenses_of(a)), a3);
    fix_assert_list_empty(g.s, g.key, fix_fmt("%s?billed=true", expenses_of(a)));
    fix_assert_list_of(
        g.s, g.key, fix_fmt("%s?ids=%lld,%lld", expenses_of(a), (long long)a1, (long long)b1), a1);
    /* user_id: who is responsible (the acting user unless given) */
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?user_id=%lld", expenses_of(b), (long long)emp), b1);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?user_id=%lld", expenses_of(a), (long long)g.admin),
                       a1, a2, a3);
    /* across projects: every one (of this test's), with the documented filters */
    const char *span = "from=2025-03-01&to=2025-05-31";
    json_int_t want_all[] = {a2, a1, b1, a3, b2};
    fix_assert_list_ids(g.s, g.key, fix_fmt(ALL "?%s", span), want_all, 5);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?from=2025-03-05&to=2025-04-02"), a1, b1, a3);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&billable=false", span), a2, b2);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&budget_relevant=true", span), a3);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&billed=false&tags=Hosting", span), b1, b2);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&tags=nope,%%20Digital", span), b1, b2);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&user_id=%lld", span, (long long)emp), b1);
    fix_assert_list_of(
        g.s, g.key,
        fix_fmt(ALL "?ids=%lld,%lld,%lld", (long long)a1, (long long)b2, (long long)987654), a1,
        b2);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?%s&project_id=%lld", span, (long long)b), b1, b2);
    /* the list renders each as GET does */
    mt_resp *r = mt_get(g.s, fix_fmt(ALL "?%s", span), g.key);
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_expense_shape(e);
    mt_resp *one = get_expense(b, b1);
    fix_assert_json_equal(fix_find_by_id(r->json, b1), one->json);
    mt_resp_free(one);
    mt_resp_free(r);
    /* pages */
    r = mt_get(g.s, fix_fmt(ALL "?%s&per_page=2&page=2", span), g.key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "5");
    MT_ASSERT_HEADER(r, "X-Page", "2");
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", b1);
    fix_assert_link(r, true, true);
    mt_resp_free(r);
    /* bad filters are a 422 naming them */
    r = mt_get(g.s, ALL "?from=2025-13-01", g.key);
    fix_assert_422(r, "from");
    mt_resp_free(r);
    r = mt_get(g.s, ALL "?billable=perhaps", g.key);
    fix_assert_422(r, "billable");
    mt_resp_free(r);
    r = mt_get(g.s, ALL "?updated_after=yesterday", g.key);
    fix_assert_422(r, "updated_after");
    mt_resp_free(r);
}

/* ---- bulk ----------------------------------------------------------------------------------- */

static void test_bulk_is_all_or_nothing(void **state)
{
    (void)state;
    json_int_t pid = project("Bulk");
    const char *bulk = fix_fmt("%s/bulk", expenses_of(pid));
    mt_resp *r = mt_request(
        g.s, "POST", bulk, g.key,
        "{\"bulk_data\":[{\"date\":\"2018-10-20\",\"title\":\"Hosting: Server\",\"quantity\":1,"
        "\"unit\":\"Server\",\"unit_price\":29,\"unit_cost\":19,\"service_period_from\":"
        "\"2018-10-01\",\"service_period_to\":\"2018-10-31\"},{\"date\":\"2018-10-22\",\"title\":"
        "\"Hosting: Server\",\"quantity\":2.5,\"unit\":\"Server\",\"unit_price\":29.99,"
        "\"unit_cost\":19.99,\"billable\":false}]}",
        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_expense_shape(json_array_get(r->json, 0));
    MT_ASSERT_JSON_STR(r->json, "[0].service_period", "10/2018");
    fix_assert_number(r->json, "[0].price", 29);
    fix_assert_number(r->json, "[1].price", 74.98); /* 74.975 */
    fix_assert_number(r->json, "[1].cost", 49.98);  /* 49.975 */
    assert_false(mt_json_bool(r->json, "[1].billable"));
    MT_ASSERT_JSON_INT(r->json, "[1].project.id", pid);
    MT_ASSERT_JSON_STR(r->json, "[1].currency", "EUR");
    json_int_t first = mt_json_int(r->json, "[0].id"), second = mt_json_int(r->json, "[1].id");
    mt_resp_free(r);
    json_int_t made[] = {first, second};
    fix_assert_list_ids(g.s, g.key, expenses_of(pid), made, 2);
    /* one bad row: nothing is written, the error names the row */
    r = mt_request(g.s, "POST", bulk, g.key,
                   "{\"bulk_data\":[{\"date\":\"2018-11-01\",\"title\":\"Fine\",\"quantity\":1,"
                   "\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1},{\"title\":\"No date\","
                   "\"quantity\":1,\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1}]}",
                   NULL);
    fix_assert_422(r, "bulk_data[1].date");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", bulk, g.key,
                   "{\"bulk_data\":[{\"date\":\"2018-11-01\",\"title\":\"Fine\",\"quantity\":1,"
                   "\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1},{\"date\":\"2018-11-01\","
                   "\"title\":\"Bad\",\"quantity\":1,\"unit\":\"x\",\"unit_price\":1,"
                   "\"unit_cost\":1,\"service_period_from\":\"2018-11-30\","
                   "\"service_period_to\":\"2018-11-01\"}]}",
                   NULL);
    fix_assert_422(r, "bulk_data[1].service_period_to");
    mt_resp_free(r);
    fix_assert_list_ids(g.s, g.key, expenses_of(pid), made, 2);
    fix_expect_422(g.s, "POST", g.key, "{\"bulk_data\":[]}", "bulk_data", "%s", bulk);
    fix_expect_422(g.s, "POST", g.key, "{\"bulk_data\":[1]}", "bulk_data[0]", "%s", bulk);
    fix_expect_422(g.s, "POST", g.key, "{}", "bulk_data", "%s", bulk);
    /* below a project that is not there */
    fix_expect_error(g.s, "POST", g.key, "{\"bulk_data\":[]}", 404,
                     PROJECTS "/987654/expenses/bulk");
    /* on an archived project, the rows are refused by the create's rules */
    fix_expect_status(g.s, "PUT", g.key, NULL, 200, PROJECTS "/%lld/archive", (long long)pid);
    fix_expect_422(g.s, "POST", g.key,
                   "{\"bulk_data\":[{\"date\":\"2018-11-01\",\"title\":\"Late\",\"quantity\":1,"
                   "\"unit\":\"x\",\"unit_price\":1,\"unit_cost\":1}]}",
                   "bulk_data[0].project_id", "%s", bulk);
    fix_assert_list_ids(g.s, g.key, expenses_of(pid), made, 2);
}

/* ---- disregard, the billed lock, deletes --------------------------------------------------- */

/* Pages deep in a list (from 1,000 rows skipped the engine takes the page's ids first) hold the
 * rows the order puts there: 1,500 expenses on two pages of 1,000 are each one once, in date
 * order, and a one-row page deep in the list is the row the long page has there. */
static void test_deep_pages(void **state)
{
    (void)state;
    json_int_t p = project("Deep pages");
    for (int chunk = 0; chunk < 2; chunk++) {
        json_t *list = json_array();
        for (int i = 0; i < 750; i++) {
            int k = chunk * 750 + i;
            /* dates out of order, several per day: the list sorts by date, then id */
            json_array_append_new(
                list,
                json_loads(body_with(fix_fmt("2030-%02d-%02d", 1 + (k * 7) % 12, 1 + (k * 13) % 28),
                                     fix_fmt("E%d", k), NULL),
                           0, NULL));
        }
        mt_resp *r = mt_request_json(g.s, "POST", fix_fmt("%s/bulk", expenses_of(p)), g.key,
                                     json_pack("{s:o}", "bulk_data", list), NULL);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    mt_resp *one = mt_get(g.s, fix_fmt("%s?per_page=1000&page=1", expenses_of(p)), g.key);
    mt_resp *two = mt_get(g.s, fix_fmt("%s?per_page=1000&page=2", expenses_of(p)), g.key);
    MT_ASSERT_STATUS(one, 200);
    MT_ASSERT_STATUS(two, 200);
    MT_ASSERT_HEADER(two, "X-Total", "1500");
    assert_int_equal(json_array_size(one->json), 1000);
    assert_int_equal(json_array_size(two->json), 500);
    json_t *all = json_array();
    json_array_extend(all, one->json);
    json_array_extend(all, two->json);
    for (size_t i = 1; i < json_array_size(all); i++) {
        json_t *a = json_array_get(all, i - 1), *b = json_array_get(all, i);
        int c = strcmp(mt_json_str(a, "date"), mt_json_str(b, "date"));
        assert_true(c < 0 || (c == 0 && mt_json_int(a, "id") < mt_json_int(b, "id")));
    }
    mt_resp *deep = mt_get(g.s, fix_fmt("%s?per_page=1&page=1234", expenses_of(p)), g.key);
    MT_ASSERT_STATUS(deep, 200);
    assert_int_equal(json_array_size(deep->json), 1);
    fix_assert_json_equal(json_array_get(deep->json, 0), json_array_get(all, 1233));
    json_decref(all);
    mt_resp_free(deep);
    mt_resp_free(one);
    mt_resp_free(two);
}

static void test_disregard_and_the_billed_lock(void **state)
{
    (void)state;
    json_int_t pid = project("Disregard"), other = project("Disregard other");
    json_int_t a = create_expense(pid, "2026-02-01", "Courtesy A", NULL);
    json_int_t b = create_expense(pid, "2026-02-02", "Courtesy B", NULL);
    json_int_t c = create_expense(pid, "2026-02-03", "Kept", NULL);
    json_int_t elsewhere = create_expense(other, "2026-02-03", "Elsewhere", NULL);
    const char *path = fix_fmt("%s/disregard", expenses_of(pid));
    /* the input */
    fix_expect_422(g.s, "POST", g.key, fix_fmt("{\"expense_ids\":[%lld]}", (long long)a), "reason",
                   "%s", path);
    fix_expect_422(g.s, "POST", g.key, "{\"expense_ids\":[],\"reason\":\"x\"}", "expense_ids", "%s",
                   path);
    fix_expect_422(g.s, "POST", g.key, "{\"expense_ids\":[\"a\"],\"reason\":\"x\"}", "expense_ids",
                   "%s", path);
    fix_expect_422(g.s, "POST", g.key, "{\"reason\":\"x\"}", "expense_ids", "%s", path);
    /* all or none: an expense of another project refuses the whole request */
    fix_expect_422(g.s, "POST", g.key,
                   fix_fmt("{\"expense_ids\":[%lld,%lld],\"reason\":\"x\"}", (long long)a,
                           (long long)elsewhere),
                   "expense_ids", "%s", path);
    mt_resp *r = get_expense(pid, a);
    assert_false(mt_json_bool(r->json, "billed"));
    mt_resp_free(r);
    /* disregarded: billed (not to be billed again), without an invoice */
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"expense_ids\":[%lld,%lld],\"reason\":\"Courtesy services, as "
                           "discussed\"}",
                           (long long)a, (long long)b),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_expense_shape(json_array_get(r->json, 0));
    assert_true(mt_json_bool(r->json, "[0].billed"));
    assert_true(mt_json_bool(r->json, "[1].billed"));
    MT_ASSERT_JSON_NULL(r->json, "[0].invoice_id");
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?billed=true", expenses_of(pid)), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?billed=false", expenses_of(pid)), c);
    /* once billed, never again */
    fix_expect_422(g.s, "POST", g.key,
                   fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"again\"}", (long long)a),
                   "expense_ids", "%s", path);
    /* billed expenses refuse changes and deletes */
    r = mt_requestf(g.s, "PUT", g.key, "{\"unit_price\":49}", PROJECTS "/%lld/expenses/%lld",
                    (long long)pid, (long long)a);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)b);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = get_expense(pid, a);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "unit_price", 29);
    mt_resp_free(r);
    /* the project with billed expenses cannot go with them */
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld", (long long)pid);
    fix_assert_json_error(r, 422);
    mt_resp_free(r);
    /* an unbilled one is deleted: 204 without a body, and gone */
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)c);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = get_expense(pid, c);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)c);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    /* a project without billed expenses takes its expenses along */
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld", (long long)other);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_assert_list_empty(g.s, g.key, fix_fmt(ALL "?ids=%lld", (long long)elsewhere));
}

static void test_update_and_wrong_parent(void **state)
{
    (void)state;
    json_int_t pid = project("Update"), other = project("Update other");
    json_int_t id = create_expense(pid, "2026-03-01", "Before", "\"description\":\"old\"");
    mt_resp *r = mt_requestf(
        g.s, "PUT", g.key,
        "{\"title\":\"After\",\"description\":null,\"date\":\"2026-03-02\",\"billable\":false,"
        "\"service_period_from\":\"2026-03-01\",\"service_period_to\":\"2026-03-31\","
        "\"file\":{\"filename\":\"b.png\",\"base64\":\"iVBORw0KGgo=\"}}",
        PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_expense_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "After");
    MT_ASSERT_JSON_STR(r->json, "description", "");
    MT_ASSERT_JSON_STR(r->json, "date", "2026-03-02");
    MT_ASSERT_JSON_STR(r->json, "service_period", "03/2026");
    assert_false(mt_json_bool(r->json, "billable"));
    assert_non_null(strstr(mt_json_str(r->json, "file_url"), "/b.png"));
    mt_resp_free(r);
    /* a null that is required is refused; a period that ends before it starts too */
    r = mt_requestf(g.s, "PUT", g.key, "{\"title\":null,\"quantity\":null}",
                    PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    fix_assert_422_fields(r, "title,quantity");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"service_period_to\":\"2026-02-01\"}",
                    PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    fix_assert_422(r, "service_period_to");
    mt_resp_free(r);
    /* below another project, the expense is not there */
    r = mt_getf(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)other, (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"title\":\"Moved\"}", PROJECTS "/%lld/expenses/%lld",
                    (long long)other, (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, PROJECTS "/%lld/expenses/%lld", (long long)other, (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = get_expense(pid, id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "After");
    mt_resp_free(r);
}

/* ---- permissions and accounts ------------------------------------------------------------- */

static void test_permissions(void **state)
{
    (void)state;
    char *emp_key = NULL, *lead_key = NULL;
    fix_user_with_role(g.s, "Emil", "Employee", &emp_key);
    json_int_t leader = fix_user_with_role(g.s, "Lotte", "Project leader", &lead_key);
    json_int_t mine = project_of(leader, g.customer, "Led by Lotte");
    json_int_t theirs = project("Led by the admin");
    json_int_t e1 = create_expense(theirs, "2026-04-01", "Admin's", NULL);
    json_int_t e2 = create_expense(mine, "2026-04-01", "Lotte's", NULL);
    /* employees (projects: read) see expenses and change none */
    fix_expect_status(g.s, "GET", emp_key, NULL, 200, "%s", expenses_of(theirs));
    fix_expect_status(g.s, "GET", emp_key, NULL, 200, PROJECTS "/%lld/expenses/%lld",
                      (long long)theirs, (long long)e1);
    fix_expect_status(g.s, "GET", emp_key, NULL, 200, ALL);
    fix_expect_error(g.s, "POST", emp_key, body_with("2026-04-02", "X", NULL), 403, "%s",
                     expenses_of(theirs));
    fix_expect_error(g.s, "PUT", emp_key, "{\"title\":\"X\"}", 403, PROJECTS "/%lld/expenses/%lld",
                     (long long)theirs, (long long)e1);
    fix_expect_error(g.s, "DELETE", emp_key, NULL, 403, PROJECTS "/%lld/expenses/%lld",
                     (long long)theirs, (long long)e1);
    fix_expect_error(g.s, "POST", emp_key,
                     fix_fmt("{\"bulk_data\":[%s]}", body_with("2026-04-02", "X", NULL)), 403,
                     "%s/bulk", expenses_of(theirs));
    fix_expect_error(g.s, "POST", emp_key,
                     fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)e1), 403,
                     "%s/disregard", expenses_of(theirs));
    /* project leaders (projects: full) record expenses on any project... */
    mt_resp *r = post_expense(lead_key, theirs, body_with("2026-04-03", "By Lotte", NULL));
    MT_ASSERT_STATUS(r, 200);
    json_int_t by_leader = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key, fix_fmt(ALL "?user_id=%lld", (long long)leader), by_leader);
    /* ...but disregard (deciding what is billed) only on the projects they lead, as activities */
    fix_expect_error(g.s, "POST", lead_key,
                     fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)e1), 403,
                     "%s/disregard", expenses_of(theirs));
    r = mt_get(g.s, fix_fmt(ALL "?ids=%lld", (long long)e1), g.key);
    assert_false(mt_json_bool(r->json, "[0].billed"));
    mt_resp_free(r);
    fix_expect_status(g.s, "POST", lead_key,
                      fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)e2), 200,
                      "%s/disregard", expenses_of(mine));
    /* the read-only account key reads, writes nothing */
    const char *read = fix_read_key(g.s);
    fix_expect_status(g.s, "GET", read, NULL, 200, "%s", expenses_of(theirs));
    fix_expect_error(g.s, "POST", read, body_with("2026-04-02", "X", NULL), 403, "%s",
                     expenses_of(theirs));
    /* without a key: 401 */
    fix_expect_error(g.s, "GET", NULL, NULL, 401, ALL);
    free(emp_key);
    free(lead_key);
}

static void test_tenant_isolation(void **state)
{
    (void)state;
    json_int_t pid = project("Ours");
    json_int_t id = create_expense(pid, "2026-05-01", "Ours", NULL);
    const char *other = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", other, NULL, 404, "%s", expenses_of(pid));
    fix_expect_error(g.s, "GET", other, NULL, 404, PROJECTS "/%lld/expenses/%lld", (long long)pid,
                     (long long)id);
    fix_expect_error(g.s, "PUT", other, "{\"title\":\"Theirs\"}", 404,
                     PROJECTS "/%lld/expenses/%lld", (long long)pid, (long long)id);
    fix_expect_error(g.s, "DELETE", other, NULL, 404, PROJECTS "/%lld/expenses/%lld",
                     (long long)pid, (long long)id);
    fix_expect_error(g.s, "POST", other, body_with("2026-05-02", "Theirs", NULL), 404, "%s",
                     expenses_of(pid));
    fix_expect_error(g.s, "POST", other,
                     fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)id), 404,
                     "%s/disregard", expenses_of(pid));
    mt_resp *r = mt_get(g.s, ALL, other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    /* their project, our expense id: not found either */
    mt_resp *pr = mt_request_json(g.s, "POST", "/api/v1/companies", other,
                                  fix_company_body("customer", "Their customer"), NULL);
    MT_ASSERT_STATUS(pr, 200);
    json_int_t their_customer = mt_json_int(pr->json, "id");
    mt_resp_free(pr);
    json_int_t their_admin = fix_session_user_id(g.s, other);
    json_int_t their_project =
        fix_create_project_as(g.s, other, "Theirs", "THEIRS-1", their_admin, their_customer);
    fix_expect_error(g.s, "GET", other, NULL, 404, PROJECTS "/%lld/expenses/%lld",
                     (long long)their_project, (long long)id);
    fix_expect_422(g.s, "POST", other,
                   fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)id),
                   "expense_ids", PROJECTS "/%lld/expenses/disregard", (long long)their_project);
    /* a user of the other account is no one's here */
    fix_expect_422(
        g.s, "POST", g.key,
        body_with("2026-05-02", "X", fix_fmt("\"user_id\":%lld", (long long)their_admin)),
        "user_id", "%s", expenses_of(pid));
    r = get_expense(pid, id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Ours");
    assert_false(mt_json_bool(r->json, "billed"));
    mt_resp_free(r);
}

/* ---- web hooks ------------------------------------------------------------------------------ */

static void test_web_hook_events(void **state)
{
    (void)state;
    json_int_t pid = project("Hooked");
    mt_resp *r = mt_post(g.s, "/api/v1/account/web_hooks", g.key,
                         "{\"target\":\"Expense\",\"event\":\"create\","
                         "\"hook\":\"http://127.0.0.1:9/expenses\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t created = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_post(g.s, "/api/v1/account/web_hooks", g.key,
                "{\"target\":\"Expense\",\"event\":\"update\","
                "\"hook\":\"http://127.0.0.1:9/expenses\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t updated = mt_json_int(r->json, "id");
    mt_resp_free(r);
    json_int_t id = create_expense(pid, "2026-06-01", "Hooked", NULL);
    fix_expect_status(g.s, "POST", g.key,
                      fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"x\"}", (long long)id), 200,
                      "%s/disregard", expenses_of(pid));
    r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)created);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(r->json, "[0].target", "Expense");
    MT_ASSERT_JSON_STR(r->json, "[0].event", "create");
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)updated);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1); /* the disregard */
    MT_ASSERT_JSON_STR(r->json, "[0].event", "update");
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);
    /* later tests make no more deliveries */
    fix_expect_status(g.s, "PUT", g.key, NULL, 200, "/api/v1/account/web_hooks/%lld/disable",
                      (long long)created);
    fix_expect_status(g.s, "PUT", g.key, NULL, 200, "/api/v1/account/web_hooks/%lld/disable",
                      (long long)updated);
}

/* ---- comments ------------------------------------------------------------------------------ */

/* Expenses are commentable (commentable_type "Expense"), by who may see them. */
static void test_comments_on_expenses(void **state)
{
    (void)state;
    json_int_t pid = project("Commented");
    json_int_t id = create_expense(pid, "2026-07-01", "Commented", NULL);
    mt_resp *r = mt_request(g.s, "POST", "/api/v1/comments", g.key,
                            fix_fmt("{\"commentable_type\":\"Expense\",\"commentable_id\":%lld,"
                                    "\"text\":\"<div>Receipt follows</div>\"}",
                                    (long long)id),
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "commentable_type", "Expense");
    MT_ASSERT_JSON_INT(r->json, "commentable_id", id);
    mt_resp_free(r);
    fix_expect_422(g.s, "POST", g.key,
                   "{\"commentable_type\":\"Expense\",\"commentable_id\":987654,\"text\":\"x\"}",
                   "commentable_id", "/api/v1/comments");
    fix_expect_422(g.s, "POST", fix_other_key(g.s),
                   fix_fmt("{\"commentable_type\":\"Expense\",\"commentable_id\":%lld,"
                           "\"text\":\"x\"}",
                           (long long)id),
                   "commentable_id", "/api/v1/comments");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_renders_the_documented_expense),
        cmocka_unit_test(test_price_and_cost_exact_to_the_cent),
        cmocka_unit_test(test_bad_input_is_a_422_naming_the_field),
        cmocka_unit_test(test_lists_and_filters),
        cmocka_unit_test(test_bulk_is_all_or_nothing),
        cmocka_unit_test(test_deep_pages),
        cmocka_unit_test(test_disregard_and_the_billed_lock),
        cmocka_unit_test(test_update_and_wrong_parent),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
        cmocka_unit_test(test_web_hook_events),
        cmocka_unit_test(test_comments_on_expenses),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
