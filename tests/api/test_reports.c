/*
 * API tests of the reports: GET /projects/{id}/report (sections/projects.md) and GET
 * /report/absences, /report/utilization, /report/planned_vs_tracked (sections/reports.md).
 *
 * A small agency built by hand over the API: two units, Anna and Ben (employees, Ben in the
 * second unit) with employments, Lea (an employee who leads project P2), Eva (an employee), the
 * admin; project P1 (billing variant "project", 100.00 an hour, budget 10000) and P2 (variant
 * "task": Design 120.00, Dev 80.00, budget 5000); internal rates Anna 50.00, Ben 40.00; a month of
 * activities, absences, planning entries, two expenses, an invoice with a payment and a draft.
 * Every figure is checked against the arithmetic written out here.
 *
 * One server for the file, on the test clock 2026-03-16T11:00:00Z: today is Monday 16 March 2026
 * in the account's time zone, the current year 2026.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_NOW "2026-03-16T11:00:00Z"
#define HOUR     3600LL

#define PROJECT_REPORT_KEYS                                                                        \
    "budget_total,budget_progress_in_percentage,budget_remaining,invoiced_total,currency,"         \
    "hours_total,hours_billable,hours_remaining,costs_expenses,costs_activities,costs_by_task"
#define TASK_COST_KEYS "id,name,hours_total,total_costs"
#define ABSENCE_KEYS   "user,total_vacation_days,used_vacation_days,planned_vacation_days,sickdays"
#define UTILIZE_KEYS                                                                               \
    "date,user_id,target_hours,billable_hours,unbillable_hours,billable_seconds,unbillable_"       \
    "seconds"
#define PVT_KEYS      "user_id,project_id,tracked_hours,planned_hours,delta,quota,user,project"
#define PVT_USER_KEYS "id,firstname,name,initials,color,unit"
#define PVT_PROJ_KEYS "id,identifier,name,company"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, unit_a, unit_b, customer;
    json_int_t anna, ben, lea, eva;
    char *anna_key, *ben_key, *lea_key, *eva_key, *staff_key;
    json_int_t p1, p2, work, design, dev;
    json_int_t supplier, invoice, invoice_payment, purchase, purchase_payment;
    const char *invoice_text, *purchase_text; /* "identifier title" */
} g;

static json_int_t create(const char *path, const char *body)
{
    return mt_create(g.s, path, g.key, body);
}

static void contract(json_int_t project, json_int_t user)
{
    mt_resp *r = mt_requestf(g.s, "POST", g.key, fix_fmt("{\"user_id\":%lld}", (long long)user),
                             "/api/v1/projects/%lld/contracts", (long long)project);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

static void track(const char *key, const char *date, json_int_t project, json_int_t task,
                  long long seconds, bool billable)
{
    mt_create(g.s, "/api/v1/activities", key,
              fix_fmt("{\"date\":\"%s\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":%lld,"
                      "\"billable\":%s}",
                      date, (long long)project, (long long)task, seconds,
                      billable ? "true" : "false"));
}

static void absence(json_int_t user, const char *date, int code, bool am, bool pm)
{
    create("/api/v1/schedules",
           fix_fmt("{\"date\":\"%s\",\"absence_code\":%d,\"user_id\":%lld,\"am\":%s,\"pm\":%s}",
                   date, code, (long long)user, am ? "true" : "false", pm ? "true" : "false"));
}

static void plan(json_int_t user, json_int_t project, const char *from, const char *to,
                 const char *hours)
{
    create("/api/v1/planning_entries",
           fix_fmt("{\"user_id\":%lld,\"project_id\":%lld,\"starts_on\":\"%s\",\"ends_on\":\"%s\","
                   "\"hours_per_day\":%s}",
                   (long long)user, (long long)project, from, to, hours));
}

static int group_setup(void **state)
{
    setenv("MOCOD_ALLOW_FAKE_NOW", "1", 1);
    g.s = mt_start("--fake-now " FAKE_NOW);
    *state = g.s;
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.unit_a = fix_first_unit_id(g.s);
    g.unit_b = create("/api/v1/units", "{\"name\":\"Design Team\"}");
    g.anna = fix_user_with_role(g.s, "Anna", "Employee", &g.anna_key);
    g.ben = fix_user_with_role(g.s, "Ben", "Employee", &g.ben_key);
    g.lea = fix_user_with_role(g.s, "Lea", "Employee", &g.lea_key);
    g.eva = fix_user_with_role(g.s, "Eva", "Employee", &g.eva_key);
    fix_user_with_role(g.s, "Sam", "Staff", &g.staff_key);
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, fix_fmt("{\"unit_id\":%lld}", (long long)g.unit_b),
                             "/api/v1/users/%lld", (long long)g.ben);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Agentur Kunde AG");

    g.p1 = create("/api/v1/projects",
                  fix_fmt("{\"name\":\"Website\",\"identifier\":\"R-1\",\"currency\":\"EUR\","
                          "\"fixed_price\":false,\"leader_id\":%lld,\"customer_id\":%lld,"
                          "\"billing_variant\":\"project\",\"hourly_rate\":100,\"budget\":10000}",
                          (long long)g.admin, (long long)g.customer));
    g.p2 = create("/api/v1/projects",
                  fix_fmt("{\"name\":\"Shop\",\"identifier\":\"R-2\",\"currency\":\"EUR\","
                          "\"fixed_price\":false,\"leader_id\":%lld,\"customer_id\":%lld,"
                          "\"billing_variant\":\"task\",\"budget\":5000}",
                          (long long)g.lea, (long long)g.customer));
    g.work = create(fix_fmt("/api/v1/projects/%lld/tasks", (long long)g.p1),
                    "{\"name\":\"Work\",\"billable\":true}");
    g.design = create(fix_fmt("/api/v1/projects/%lld/tasks", (long long)g.p2),
                      "{\"name\":\"Design\",\"billable\":true,\"hourly_rate\":120}");
    g.dev = create(fix_fmt("/api/v1/projects/%lld/tasks", (long long)g.p2),
                   "{\"name\":\"Dev\",\"billable\":true,\"hourly_rate\":80}");
    contract(g.p1, g.anna);
    contract(g.p1, g.ben);
    contract(g.p2, g.anna);
    contract(g.p2, g.ben);

    r = mt_request(g.s, "PATCH", "/api/v1/account/internal_hourly_rates", g.key,
                   fix_fmt("{\"year\":2026,\"rates\":[{\"user_id\":%lld,\"rate\":50},"
                           "{\"user_id\":%lld,\"rate\":40}]}",
                           (long long)g.anna, (long long)g.ben),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* employments: Anna 8 hours a weekday, Ben 4 (mornings) */
    create("/api/v1/users/employments",
           fix_fmt("{\"user_id\":%lld,\"from\":\"2026-01-01\",\"pattern\":{\"am\":[4,4,4,4,4],"
                   "\"pm\":[4,4,4,4,4]}}",
                   (long long)g.anna));
    create("/api/v1/users/employments",
           fix_fmt("{\"user_id\":%lld,\"from\":\"2026-01-01\",\"pattern\":{\"am\":[4,4,4,4,4],"
                   "\"pm\":[0,0,0,0,0]}}",
                   (long long)g.ben));

    /* activities, March 2026 */
    track(g.anna_key, "2026-03-02", g.p1, g.work, 4 * HOUR, true);       /* 4 h x 100 */
    track(g.anna_key, "2026-03-03", g.p1, g.work, 2 * HOUR, false);      /* 2 h, not billable */
    track(g.anna_key, "2026-03-04", g.p2, g.design, 3 * HOUR / 2, true); /* 1.5 h x 120 */
    track(g.anna_key, "2026-03-05", g.p2, g.dev, 5 * HOUR / 2, true);    /* 2.5 h x 80 */
    track(g.ben_key, "2026-03-02", g.p1, g.work, 3 * HOUR, true);        /* 3 h x 100 */

    /* expenses of P1: 2 x 150 (cost 2 x 100), budget relevant; 1 x 50 (cost 30), not */
    create(fix_fmt("/api/v1/projects/%lld/expenses", (long long)g.p1),
           "{\"date\":\"2026-03-05\",\"title\":\"Hosting\",\"quantity\":2,\"unit\":\"month\","
           "\"unit_price\":150,\"unit_cost\":100,\"budget_relevant\":true}");
    create(fix_fmt("/api/v1/projects/%lld/expenses", (long long)g.p1),
           "{\"date\":\"2026-03-06\",\"title\":\"Font\",\"quantity\":1,\"unit\":\"piece\","
           "\"unit_price\":50,\"unit_cost\":30,\"budget_relevant\":false}");

    /* invoices of P1: one of 1000.00 net (paid 500.00), a draft of 77.00 that does not count */
    const char *inv = "{\"customer_id\":%lld,\"project_id\":%lld,\"recipient_address\":\"Kunde\","
                      "\"date\":\"2026-03-10\",\"due_date\":\"2026-04-10\",\"title\":\"Rechnung\","
                      "\"tax\":19.0,\"currency\":\"EUR\",%s\"items\":[{\"type\":\"item\","
                      "\"title\":\"Work\",\"net_total\":%s}]}";
    r = mt_request(g.s, "POST", "/api/v1/invoices", g.key,
                   fix_fmt(inv, (long long)g.customer, (long long)g.p1, "", "1000"), NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t invoice = g.invoice = mt_json_int(r->json, "id");
    g.invoice_text = fix_fmt("%s Rechnung", mt_json_str(r->json, "identifier"));
    mt_resp_free(r);
    create("/api/v1/invoices",
           fix_fmt(inv, (long long)g.customer, (long long)g.p1, "\"status\":\"draft\",", "77"));
    r = mt_request(g.s, "POST", "/api/v1/invoices/payments", g.key,
                   fix_fmt("{\"date\":\"2026-03-12\",\"invoice_id\":%lld,\"paid_total\":500}",
                           (long long)invoice),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    g.invoice_payment = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* a purchase of 595.00 gross (500.00 net, 19 %), due on the 22nd, 200.00 paid on the 9th */
    g.supplier = fix_create_company_as(g.s, g.key, "supplier", "Technik Lieferant GmbH");
    r = mt_request(g.s, "POST", "/api/v1/purchases", g.key,
                   fix_fmt("{\"date\":\"2026-03-08\",\"due_date\":\"2026-03-22\",\"currency\":"
                           "\"EUR\",\"payment_method\":\"bank_transfer\",\"title\":\"Laptop\","
                           "\"company_id\":%lld,\"items\":[{\"title\":\"Laptop\",\"total\":595,"
                           "\"tax\":19}]}",
                           (long long)g.supplier),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    g.purchase = mt_json_int(r->json, "id");
    g.purchase_text = fix_fmt("%s Laptop", mt_json_str(r->json, "identifier"));
    fix_assert_number(r->json, "net_total", 500.0);
    fix_assert_number(r->json, "gross_total", 595.0);
    mt_resp_free(r);
    g.purchase_payment = create("/api/v1/purchases/payments",
                                fix_fmt("{\"date\":\"2026-03-09\",\"purchase_id\":%lld,"
                                        "\"total\":200}",
                                        (long long)g.purchase));

    /* holidays and absences */
    create("/api/v1/users/holidays",
           fix_fmt("{\"user_id\":%lld,\"year\":2026,\"title\":\"Urlaub\",\"days\":25}",
                   (long long)g.anna));
    create("/api/v1/users/holidays",
           fix_fmt("{\"user_id\":%lld,\"year\":2025,\"title\":\"Urlaub\",\"days\":30}",
                   (long long)g.anna));
    absence(g.anna, "2026-03-10", 4, true, true);  /* vacation, used: 1 */
    absence(g.anna, "2026-03-13", 4, true, false); /* vacation, used: 0.5 */
    absence(g.anna, "2026-03-20", 4, true, true);  /* vacation after today, planned: 1 */
    absence(g.anna, "2026-03-23", 4, false, true); /* planned: 0.5 */
    absence(g.anna, "2026-03-11", 3, true, true);  /* sick: 1 */
    absence(g.anna, "2025-12-30", 4, true, true);  /* another year */
    absence(g.ben, "2026-03-06", 3, true, false);  /* sick: 0.5 */

    /* planning: Anna P1 2..8 March 2 h a day; Anna P2 23 Feb..3 March 1.5 h; Ben P2 16 March 4 h */
    plan(g.anna, g.p1, "2026-03-02", "2026-03-08", "2");
    plan(g.anna, g.p2, "2026-02-23", "2026-03-03", "1.5");
    plan(g.ben, g.p2, "2026-03-16", "2026-03-16", "4");
    return 0;
}

static int group_teardown(void **state)
{
    free(g.anna_key);
    free(g.ben_key);
    free(g.lea_key);
    free(g.eva_key);
    free(g.staff_key);
    fix_free_strings();
    unsetenv("MOCOD_ALLOW_FAKE_NOW");
    return fix_teardown(state);
}

/* a JSON number of exactly want */
static void num(const json_t *root, const char *path, double want)
{
    if (!json_is_number(mt_json_get(root, path)))
        fail_msg("%s is no number", path);
    fix_assert_number(root, path, want);
}

/* ------------------------------------------------------------- project report */

static void test_project_report_by_hand(void **state)
{
    (void)state;
    mt_resp *r = mt_getf(g.s, g.key, "/api/v1/projects/%lld/report", (long long)g.p1);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", FIX_JSON_CT);
    const json_t *j = r->json;
    mt_assert_keys(j, PROJECT_REPORT_KEYS);
    /* P1: Anna 4 h + 2 h, Ben 3 h = 9 h; billable 4 + 3 = 7 h */
    num(j, "hours_total", 9.0);
    num(j, "hours_billable", 7.0);
    /* used budget: 7 h x 100.00 = 700.00 plus the budget-relevant expense's price 2 x 150 =
     * 300.00: 1000.00 of 10000.00 = 10 %; remaining 9000.00, at 100.00 an hour 90 hours */
    num(j, "budget_total", 10000.0);
    MT_ASSERT_JSON_INT(j, "budget_progress_in_percentage", 10);
    num(j, "budget_remaining", 9000.0);
    num(j, "hours_remaining", 90.0);
    /* invoiced: 1000.00 (the draft of 77.00 does not count) */
    num(j, "invoiced_total", 1000.0);
    MT_ASSERT_JSON_STR(j, "currency", "EUR");
    /* expenses' cost: 2 x 100 + 1 x 30 = 230.00; activities at internal rates: Anna 6 h x 50
     * = 300.00, Ben 3 h x 40 = 120.00: 420.00, all on the task Work */
    num(j, "costs_expenses", 230.0);
    num(j, "costs_activities", 420.0);
    assert_int_equal(mt_json_len(j, "costs_by_task"), 1);
    mt_assert_keys(mt_json_get(j, "costs_by_task[0]"), TASK_COST_KEYS);
    MT_ASSERT_JSON_INT(j, "costs_by_task[0].id", g.work);
    MT_ASSERT_JSON_STR(j, "costs_by_task[0].name", "Work");
    num(j, "costs_by_task[0].hours_total", 9.0);
    num(j, "costs_by_task[0].total_costs", 420.0);
    mt_resp_free(r);

    /* P2 (task variant, no project rate): 1.5 h x 120 + 2.5 h x 80 = 180 + 200 = 380.00 of
     * 5000.00: 7.6 % -> 8; remaining 4620.00 at the average rate 380 / 4 h = 95.00: 48.631...
     * hours -> 48.63; costs Anna 1.5 h x 50 = 75.00 (Design), 2.5 h x 50 = 125.00 (Dev) */
    r = mt_getf(g.s, g.lea_key, "/api/v1/projects/%lld/report", (long long)g.p2);
    MT_ASSERT_STATUS(r, 200); /* Lea leads P2: an employee without reporting sees it */
    j = r->json;
    num(j, "hours_total", 4.0);
    num(j, "hours_billable", 4.0);
    num(j, "budget_total", 5000.0);
    MT_ASSERT_JSON_INT(j, "budget_progress_in_percentage", 8);
    num(j, "budget_remaining", 4620.0);
    num(j, "hours_remaining", 48.63);
    num(j, "invoiced_total", 0.0);
    num(j, "costs_expenses", 0.0);
    num(j, "costs_activities", 200.0);
    assert_int_equal(mt_json_len(j, "costs_by_task"), 2);
    MT_ASSERT_JSON_INT(j, "costs_by_task[0].id", g.design);
    num(j, "costs_by_task[0].hours_total", 1.5);
    num(j, "costs_by_task[0].total_costs", 75.0);
    MT_ASSERT_JSON_INT(j, "costs_by_task[1].id", g.dev);
    MT_ASSERT_JSON_STR(j, "costs_by_task[1].name", "Dev");
    num(j, "costs_by_task[1].hours_total", 2.5);
    num(j, "costs_by_task[1].total_costs", 125.0);
    mt_resp_free(r);
}

static void test_project_report_permissions(void **state)
{
    (void)state;
    /* Lea leads P2 only; Eva leads nothing and may not read reports */
    fix_expect_error(g.s, "GET", g.lea_key, NULL, 403, "/api/v1/projects/%lld/report",
                     (long long)g.p1);
    fix_expect_error(g.s, "GET", g.eva_key, NULL, 403, "/api/v1/projects/%lld/report",
                     (long long)g.p2);
    /* Staff has the reporting permission (read) */
    fix_expect_status(g.s, "GET", g.staff_key, NULL, 200, "/api/v1/projects/%lld/report",
                      (long long)g.p1);
    fix_expect_status(g.s, "GET", fix_read_key(g.s), NULL, 200, "/api/v1/projects/%lld/report",
                      (long long)g.p1);
    fix_expect_error(g.s, "GET", NULL, NULL, 401, "/api/v1/projects/%lld/report", (long long)g.p1);
    /* another account's key: the project is not there */
    fix_expect_error(g.s, "GET", fix_other_key(g.s), NULL, 404, "/api/v1/projects/%lld/report",
                     (long long)g.p1);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, "/api/v1/projects/%lld/report",
                     (long long)(g.p2 + 1000));
}

/* ------------------------------------------------------------- absences */

static const json_t *row_of_user(const json_t *list, json_int_t user)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (mt_json_int(json_array_get(list, i), "user.id") == user)
            return json_array_get(list, i);
    return NULL;
}

static void test_absences_by_hand(void **state)
{
    (void)state;
    mt_resp *r = mt_get(g.s, "/api/v1/report/absences", g.key);
    MT_ASSERT_STATUS(r, 200);
    const json_t *anna = row_of_user(r->json, g.anna), *ben = row_of_user(r->json, g.ben);
    assert_non_null(anna);
    assert_non_null(ben);
    mt_assert_keys(anna, ABSENCE_KEYS);
    mt_assert_keys(mt_json_get(anna, "user"), FIX_PERSON_KEYS);
    MT_ASSERT_JSON_STR(anna, "user.firstname", "Anna");
    /* Anna, 2026: entitlement 25; vacation up to today 1 + 0.5; after today 1 + 0.5; sick 1 */
    num(anna, "total_vacation_days", 25.0);
    num(anna, "used_vacation_days", 1.5);
    num(anna, "planned_vacation_days", 1.5);
    num(anna, "sickdays", 1.0);
    /* Ben: half a sick day */
    num(ben, "total_vacation_days", 0.0);
    num(ben, "used_vacation_days", 0.0);
    num(ben, "planned_vacation_days", 0.0);
    num(ben, "sickdays", 0.5);
    /* everybody of the account, by lastname, firstname: the admin, Anna, Ben, Eva, Lea, Sam */
    assert_int_equal(json_array_size(r->json), 6);
    mt_resp_free(r);

    /* 2025: Anna's entitlement of 30 and the vacation day of 30 December (in the past: used) */
    r = mt_get(g.s, "/api/v1/report/absences?year=2025", g.key);
    MT_ASSERT_STATUS(r, 200);
    anna = row_of_user(r->json, g.anna);
    num(anna, "total_vacation_days", 30.0);
    num(anna, "used_vacation_days", 1.0);
    num(anna, "planned_vacation_days", 0.0);
    num(anna, "sickdays", 0.0);
    mt_resp_free(r);

    /* active=true leaves out Eva once she is deactivated */
    mt_resp *u = mt_requestf(g.s, "PUT", g.key, "{\"active\":false}", "/api/v1/users/%lld",
                             (long long)g.eva);
    MT_ASSERT_STATUS(u, 200);
    mt_resp_free(u);
    r = mt_get(g.s, "/api/v1/report/absences?active=true", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(row_of_user(r->json, g.eva));
    assert_non_null(row_of_user(r->json, g.anna));
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/report/absences?active=false", g.key);
    assert_non_null(row_of_user(r->json, g.eva));
    mt_resp_free(r);
    u = mt_requestf(g.s, "PUT", g.key, "{\"active\":true}", "/api/v1/users/%lld", (long long)g.eva);
    MT_ASSERT_STATUS(u, 200);
    mt_resp_free(u);

    fix_expect_422(g.s, "GET", g.key, NULL, "active", "/api/v1/report/absences?active=yes");
    fix_expect_422(g.s, "GET", g.key, NULL, "year", "/api/v1/report/absences?year=20x6");
    /* another account sees its own people only */
    r = mt_get(g.s, "/api/v1/report/absences", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    assert_null(row_of_user(r->json, g.anna));
    mt_resp_free(r);
}

/* ------------------------------------------------------------- utilization */

static void util_row(const json_t *list, size_t i, const char *date, json_int_t user, double target,
                     long long billable, long long unbillable)
{
    const json_t *row = json_array_get(list, i);
    if (!row)
        fail_msg("no row %zu", i);
    mt_assert_keys(row, UTILIZE_KEYS);
    MT_ASSERT_JSON_STR(row, "date", date);
    MT_ASSERT_JSON_INT(row, "user_id", user);
    num(row, "target_hours", target);
    MT_ASSERT_JSON_INT(row, "billable_seconds", billable);
    MT_ASSERT_JSON_INT(row, "unbillable_seconds", unbillable);
    /* hours: the seconds with two decimals */
    num(row, "billable_hours", (double)((billable + 18) / 36) / 100.0);
    num(row, "unbillable_hours", (double)((unbillable + 18) / 36) / 100.0);
}

static void test_utilization_by_hand(void **state)
{
    (void)state;
    mt_resp *r = mt_get(g.s, "/api/v1/report/utilization?from=2026-03-02&to=2026-03-06", g.key);
    MT_ASSERT_STATUS(r, 200);
    const json_t *j = r->json;
    /* Anna: 8 h each weekday; Monday 4 h billable, Tuesday 2 h not, Wednesday 1.5 h, Thursday
     * 2.5 h; Ben: 4 h each weekday (his half sick day does not lower the target), Monday 3 h */
    assert_int_equal(json_array_size(j), 10);
    util_row(j, 0, "2026-03-02", g.anna, 8.0, 4 * HOUR, 0);
    util_row(j, 1, "2026-03-03", g.anna, 8.0, 0, 2 * HOUR);
    util_row(j, 2, "2026-03-04", g.anna, 8.0, 3 * HOUR / 2, 0);
    util_row(j, 3, "2026-03-05", g.anna, 8.0, 5 * HOUR / 2, 0);
    util_row(j, 4, "2026-03-06", g.anna, 8.0, 0, 0);
    util_row(j, 5, "2026-03-02", g.ben, 4.0, 3 * HOUR, 0);
    for (int i = 1; i < 5; i++)
        util_row(j, (size_t)(5 + i), fix_fmt("2026-03-0%d", 2 + i), g.ben, 4.0, 0, 0);
    mt_resp_free(r);

    /* 9..15 March: Anna's vacation day (10th) leaves no row, the half one (13th) halves the
     * target, the sick day (11th) does not count; the weekend has no rows */
    r = mt_get(g.s, "/api/v1/report/utilization?from=2026-03-09&to=2026-03-15", g.key);
    MT_ASSERT_STATUS(r, 200);
    j = r->json;
    assert_int_equal(json_array_size(j), 4 + 5);
    util_row(j, 0, "2026-03-09", g.anna, 8.0, 0, 0);
    util_row(j, 1, "2026-03-11", g.anna, 8.0, 0, 0);
    util_row(j, 2, "2026-03-12", g.anna, 8.0, 0, 0);
    util_row(j, 3, "2026-03-13", g.anna, 4.0, 0, 0);
    util_row(j, 4, "2026-03-09", g.ben, 4.0, 0, 0);
    mt_resp_free(r);

    /* the default is the current year: Anna's 2026 rows hold all her tracked time, 10 h */
    r = mt_get(g.s, "/api/v1/report/utilization", g.key);
    MT_ASSERT_STATUS(r, 200);
    long long tracked = 0;
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        const json_t *row = json_array_get(r->json, i);
        assert_true(!strncmp(mt_json_str(row, "date"), "2026-", 5));
        if (mt_json_int(row, "user_id") == g.anna)
            tracked +=
                mt_json_int(row, "billable_seconds") + mt_json_int(row, "unbillable_seconds");
    }
    assert_int_equal(tracked, 10 * HOUR);
    mt_resp_free(r);

    /* another account: none of these people */
    r = mt_get(g.s, "/api/v1/report/utilization", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        json_int_t user = mt_json_int(json_array_get(r->json, i), "user_id");
        assert_true(user != g.anna && user != g.ben);
    }
    mt_resp_free(r);

    fix_expect_422(g.s, "GET", g.key, NULL, "from", "/api/v1/report/utilization?from=2026-13-01");
    fix_expect_422(g.s, "GET", g.key, NULL, "to", "/api/v1/report/utilization?to=tomorrow");
    fix_expect_422(g.s, "GET", g.key, NULL, "to",
                   "/api/v1/report/utilization?from=2026-03-02&to=2026-03-01");
    fix_expect_422(g.s, "GET", g.key, NULL, "to",
                   "/api/v1/report/utilization?from=2026-01-01&to=2027-01-02");
    /* at most 366 days: a leap year whole */
    fix_expect_status(g.s, "GET", g.key, NULL, 200,
                      "/api/v1/report/utilization?from=2028-01-01&to=2028-12-31");
    fix_expect_status(g.s, "GET", g.key, NULL, 200,
                      "/api/v1/report/utilization?from=2026-01-01&to=2027-01-01");
}

/* ------------------------------------------------------------- planned vs tracked */

static void pvt_row(const json_t *list, size_t i, json_int_t user, json_int_t project,
                    double tracked, double planned, double delta, double quota)
{
    const json_t *row = json_array_get(list, i);
    if (!row)
        fail_msg("no row %zu", i);
    mt_assert_keys(row, PVT_KEYS);
    MT_ASSERT_JSON_INT(row, "user_id", user);
    MT_ASSERT_JSON_INT(row, "project_id", project);
    num(row, "tracked_hours", tracked);
    num(row, "planned_hours", planned);
    num(row, "delta", delta);
    num(row, "quota", quota);
    mt_assert_keys(mt_json_get(row, "user"), PVT_USER_KEYS);
    mt_assert_keys(mt_json_get(row, "project"), PVT_PROJ_KEYS);
    mt_assert_keys(mt_json_get(row, "project.company"), FIX_ID_NAME_KEYS);
    mt_assert_keys(mt_json_get(row, "user.unit"), FIX_ID_NAME_KEYS);
    MT_ASSERT_JSON_INT(row, "user.id", user);
    MT_ASSERT_JSON_INT(row, "project.id", project);
    MT_ASSERT_JSON_TYPE(row, "user.color", JSON_STRING);
}

static void test_planned_vs_tracked_by_hand(void **state)
{
    (void)state;
    mt_resp *r =
        mt_get(g.s, "/api/v1/report/planned_vs_tracked?from=2026-03-01&to=2026-03-31", g.key);
    MT_ASSERT_STATUS(r, 200);
    const json_t *j = r->json;
    assert_int_equal(json_array_size(j), 4);
    /* Anna P1: tracked 4 + 2 = 6 h; planned 2..8 March = 5 weekdays x 2 h = 10 h; delta -4;
     * quota 6 / 10 = 60 % */
    pvt_row(j, 0, g.anna, g.p1, 6.0, 10.0, -4.0, 60.0);
    /* Anna P2: tracked 1.5 + 2.5 = 4 h; planned in March: Monday 2 and Tuesday 3 (Sunday 1st
     * is no weekday) x 1.5 = 3 h; delta 1; quota 4 / 3 = 133.33 % */
    pvt_row(j, 1, g.anna, g.p2, 4.0, 3.0, 1.0, 133.33);
    /* Ben P1: 3 h tracked, nothing planned: quota 0; Ben P2: 4 h planned on the 16th */
    pvt_row(j, 2, g.ben, g.p1, 3.0, 0.0, 3.0, 0.0);
    pvt_row(j, 3, g.ben, g.p2, 0.0, 4.0, -4.0, 0.0);
    MT_ASSERT_JSON_STR(j, "[0].user.firstname", "Anna");
    MT_ASSERT_JSON_STR(j, "[0].user.name", "Roled");
    MT_ASSERT_JSON_STR(j, "[0].user.initials", "AR");
    MT_ASSERT_JSON_INT(j, "[0].user.unit.id", g.unit_a);
    MT_ASSERT_JSON_INT(j, "[2].user.unit.id", g.unit_b);
    MT_ASSERT_JSON_STR(j, "[2].user.unit.name", "Design Team");
    MT_ASSERT_JSON_STR(j, "[1].project.identifier", "R-2");
    MT_ASSERT_JSON_STR(j, "[1].project.name", "Shop");
    MT_ASSERT_JSON_INT(j, "[1].project.company.id", g.customer);
    MT_ASSERT_JSON_STR(j, "[1].project.company.name", "Agentur Kunde AG");
    mt_resp_free(r);

    /* the default range is 2026: Anna P2's plan counts from 23 February, 5 + 2 weekdays x 1.5
     * = 10.5 h: quota 4 / 10.5 = 38.10 % */
    r = mt_get(g.s, "/api/v1/report/planned_vs_tracked", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 4);
    pvt_row(r->json, 1, g.anna, g.p2, 4.0, 10.5, -6.5, 38.1);
    mt_resp_free(r);

    /* the 2nd alone: Anna P1 4 h of 2 planned, Ben P1 3 h */
    r = mt_get(g.s, "/api/v1/report/planned_vs_tracked?from=2026-03-02&to=2026-03-02", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    pvt_row(r->json, 0, g.anna, g.p1, 4.0, 2.0, 2.0, 200.0);
    pvt_row(r->json, 1, g.anna, g.p2, 0.0, 1.5, -1.5, 0.0);
    pvt_row(r->json, 2, g.ben, g.p1, 3.0, 0.0, 3.0, 0.0);
    mt_resp_free(r);

    fix_expect_422(g.s, "GET", g.key, NULL, "from", "/api/v1/report/planned_vs_tracked?from=x");
    fix_expect_422(g.s, "GET", g.key, NULL, "to",
                   "/api/v1/report/planned_vs_tracked?from=2026-03-02&to=2026-02-01");
    r = mt_get(g.s, "/api/v1/report/planned_vs_tracked", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

/* ------------------------------------------------------------- cashflow and finance */

static void ledger_row(const json_t *list, size_t i, const char *amount_key, const char *kind,
                       json_int_t record, const char *date, double amount, json_int_t company,
                       const char *text)
{
    const json_t *row = json_array_get(list, i);
    if (!row)
        fail_msg("no row %zu", i);
    mt_assert_keys(
        row,
        fix_fmt("record_id,company_id,description,user_id,%s,kind,company,user,date", amount_key));
    MT_ASSERT_JSON_STR(row, "kind", kind);
    MT_ASSERT_JSON_INT(row, "record_id", record);
    MT_ASSERT_JSON_STR(row, "date", date);
    num(row, amount_key, amount);
    MT_ASSERT_JSON_INT(row, "company_id", company);
    MT_ASSERT_JSON_INT(row, "company.id", company);
    mt_assert_keys(mt_json_get(row, "company"), FIX_ID_NAME_KEYS);
    MT_ASSERT_JSON_STR(row, "description", text);
    MT_ASSERT_JSON_INT(row, "user_id", g.admin);
    MT_ASSERT_JSON_INT(row, "user.id", g.admin);
    mt_assert_keys(mt_json_get(row, "user"), FIX_PERSON_KEYS);
}

static void test_cashflow_by_hand(void **state)
{
    (void)state;
    const char *k = "amount_in_account_currency";
    /* the year: 200.00 paid for the purchase on the 9th (out), 500.00 received for the invoice
     * on the 12th; still open: the purchase's 595 - 200 = 395.00 at its due date, the 22nd
     * (out), the invoice's gross 1000 x 1.19 = 1190 - 500 = 690.00 at its due date, 10 April.
     * The draft counts nowhere. */
    mt_resp *r = mt_get(g.s, "/api/v1/report/cashflow", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 4);
    ledger_row(r->json, 0, k, "purchase_paid", g.purchase_payment, "2026-03-09", -200.0, g.supplier,
               g.purchase_text);
    ledger_row(r->json, 1, k, "invoice_paid", g.invoice_payment, "2026-03-12", 500.0, g.customer,
               g.invoice_text);
    ledger_row(r->json, 2, k, "purchase_created", g.purchase, "2026-03-22", -395.0, g.supplier,
               g.purchase_text);
    ledger_row(r->json, 3, k, "invoice_created", g.invoice, "2026-04-10", 690.0, g.customer,
               g.invoice_text);
    MT_ASSERT_JSON_STR(r->json, "[1].company.name", "Agentur Kunde AG");
    mt_resp_free(r);
    /* March alone; the term finds the description or the company's name, ignoring case */
    r = mt_get(g.s, "/api/v1/report/cashflow?from=2026-03-01&to=2026-03-31", g.key);
    assert_int_equal(json_array_size(r->json), 3);
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/report/cashflow?term=LAPTOP", g.key);
    assert_int_equal(json_array_size(r->json), 2);
    ledger_row(r->json, 0, k, "purchase_paid", g.purchase_payment, "2026-03-09", -200.0, g.supplier,
               g.purchase_text);
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/report/cashflow?term=kunde&from=2026-04-01", g.key);
    assert_int_equal(json_array_size(r->json), 1);
    ledger_row(r->json, 0, k, "invoice_created", g.invoice, "2026-04-10", 690.0, g.customer,
               g.invoice_text);
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/report/cashflow?from=2025-01-01&to=2025-12-31", g.key);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    /* LIKE's wildcards in a term are plain text: no description or name holds "%" or "_" */
    static const char *const wild[] = {"%25", "_", "L_PTOP", "%25LAPTOP"};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        r = mt_get(g.s, fix_fmt("/api/v1/report/cashflow?term=%s", wild[i]), g.key);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(json_array_size(r->json), 0);
        mt_resp_free(r);
    }
    fix_expect_422(g.s, "GET", g.key, NULL, "from", "/api/v1/report/cashflow?from=03/2026");
    r = mt_get(g.s, "/api/v1/report/cashflow", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

static void test_finance_by_hand(void **state)
{
    (void)state;
    const char *k = "net_amount_in_account_currency";
    /* net amounts by document date: the purchase 500.00 on the 8th, the invoice 1000.00 on the
     * 10th (the draft of 77.00 does not count) */
    mt_resp *r = mt_get(g.s, "/api/v1/report/finance", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    ledger_row(r->json, 0, k, "incoming_expenses", g.purchase, "2026-03-08", 500.0, g.supplier,
               g.purchase_text);
    ledger_row(r->json, 1, k, "outgoing_invoices", g.invoice, "2026-03-10", 1000.0, g.customer,
               g.invoice_text);
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/report/finance?from=2026-03-09&term=rechnung", g.key);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].record_id", g.invoice);
    mt_resp_free(r);
    fix_expect_422(g.s, "GET", g.key, NULL, "to", "/api/v1/report/finance?to=2026-02-30");
    r = mt_get(g.s, "/api/v1/report/finance", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

/* ------------------------------------------------------------- permissions */

static void test_report_permissions(void **state)
{
    (void)state;
    const char *paths[] = {"/api/v1/report/absences", "/api/v1/report/utilization",
                           "/api/v1/report/planned_vs_tracked", "/api/v1/report/cashflow",
                           "/api/v1/report/finance"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        /* employees have no reporting permission, not even a project's leader */
        fix_expect_error(g.s, "GET", g.eva_key, NULL, 403, "%s", paths[i]);
        fix_expect_error(g.s, "GET", g.lea_key, NULL, 403, "%s", paths[i]);
        fix_expect_error(g.s, "GET", NULL, NULL, 401, "%s", paths[i]);
        fix_expect_status(g.s, "GET", g.staff_key, NULL, 200, "%s", paths[i]);
        fix_expect_status(g.s, "GET", fix_read_key(g.s), NULL, 200, "%s", paths[i]);
    }
}

/* ------------------------------------------------------------- the totals behind the reports */

static char *get_body(const char *path)
{
    mt_resp *r = mt_get(g.s, path, g.key);
    MT_ASSERT_STATUS(r, 200);
    char *body = strdup(r->body);
    mt_resp_free(r);
    return body;
}

/* tracked hours of user and project in a planned_vs_tracked answer (0 without a row) */
static double pvt_tracked(const char *range, json_int_t user, json_int_t project)
{
    mt_resp *r = mt_get(g.s, fix_fmt("/api/v1/report/planned_vs_tracked?%s", range), g.key);
    MT_ASSERT_STATUS(r, 200);
    double hours = 0;
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        const json_t *row = json_array_get(r->json, i);
        if (mt_json_int(row, "user_id") == user && mt_json_int(row, "project_id") == project)
            hours = json_number_value(json_object_get(row, "tracked_hours"));
    }
    mt_resp_free(r);
    return hours;
}

/* Anna's billable and unbillable seconds on one day in utilization (-1 without a row) */
static void util_day(const char *date, long long billable, long long unbillable)
{
    mt_resp *r =
        mt_get(g.s, fix_fmt("/api/v1/report/utilization?from=%s&to=%s", date, date), g.key);
    MT_ASSERT_STATUS(r, 200);
    long long b = -1, u = -1;
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        const json_t *row = json_array_get(r->json, i);
        if (mt_json_int(row, "user_id") == g.anna) {
            b = mt_json_int(row, "billable_seconds");
            u = mt_json_int(row, "unbillable_seconds");
        }
    }
    mt_resp_free(r);
    if (b != billable || u != unbillable)
        fail_msg("Anna on %s: %lld / %lld seconds, expected %lld / %lld", date, b, u, billable,
                 unbillable);
}

#define YEAR_UTIL "/api/v1/report/utilization?from=2026-01-01&to=2026-12-31"
#define YEAR_PVT  "/api/v1/report/planned_vs_tracked?from=2026-01-01&to=2026-12-31"
#define EDGES     "from=2026-02-15&to=2026-04-10" /* part of February, March, part of April */

/* utilization and planned_vs_tracked read totals the database keeps in every write of an
 * activity: creates, bulk creates, updates that move time across days, months and the billable
 * flag, deletes; the days around the whole months of a range come from the activities. What the
 * test adds it removes again, and the reports are then what they were, byte for byte. The totals
 * are made anew from the activities when their definition changed (here: was tampered with). */
static void test_totals_follow_every_write(void **state)
{
    (void)state;
    char *util_before = get_body(YEAR_UTIL), *pvt_before = get_body(YEAR_PVT);
    /* Anna on P1 before: 4 h on 2 March, 2 h on 3 March */
    assert_true(pvt_tracked(EDGES, g.anna, g.p1) == 6.0);
    json_int_t ids[6];
    int n = 0;
    const char *fmt = "{\"date\":\"%s\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":%lld,"
                      "\"billable\":%s}";
#define ADD(date, sec, bill)                                                                       \
    (ids[n++] = mt_create(                                                                         \
         g.s, "/api/v1/activities", g.anna_key,                                                    \
         fix_fmt(fmt, date, (long long)g.p1, (long long)g.work, (long long)(sec), bill)))
    ADD("2026-02-27", HOUR, "true");      /* in the part of February */
    ADD("2026-03-31", 2 * HOUR, "true");  /* in the whole month */
    ADD("2026-04-01", HOUR / 2, "false"); /* in the part of April */
    ADD("2026-04-30", 3 * HOUR, "true");  /* after the range */
    assert_true(pvt_tracked(EDGES, g.anna, g.p1) == 9.5);
    assert_true(pvt_tracked("from=2026-03-01&to=2026-03-31", g.anna, g.p1) == 8.0);
    assert_true(pvt_tracked("from=2026-04-01&to=2026-04-01", g.anna, g.p1) == 0.5);
    assert_true(pvt_tracked("from=2026-02-28&to=2026-04-30", g.anna, g.p1) == 11.5);
    assert_true(pvt_tracked("from=2026-02-27&to=2026-03-02", g.anna, g.p1) == 5.0);
    util_day("2026-04-01", 0, HOUR / 2);
    util_day("2026-03-31", 2 * HOUR, 0);
    /* ranges at the ends of the calendar have no whole month to take, or no month after */
    assert_true(pvt_tracked("from=2026-01-01&to=9999-12-31", g.anna, g.p1) == 6.0 + 6.5);
    assert_true(pvt_tracked("from=9999-12-15&to=9999-12-31", g.anna, g.p1) == 0.0);
    assert_true(pvt_tracked("from=0001-01-01&to=0001-01-15", g.anna, g.p1) == 0.0);
    assert_true(pvt_tracked("from=0001-01-15&to=2026-02-27", g.anna, g.p1) == 1.0);

    /* an update moves 2 h of 31 March (billable) to 2 April as 1 h, not billable */
    mt_resp *r = mt_requestf(g.s, "PUT", g.anna_key,
                             "{\"date\":\"2026-04-02\",\"seconds\":3600,\"billable\":false}",
                             "/api/v1/activities/%lld", (long long)ids[1]);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    assert_true(pvt_tracked("from=2026-03-01&to=2026-03-31", g.anna, g.p1) == 6.0);
    assert_true(pvt_tracked(EDGES, g.anna, g.p1) == 8.5);
    util_day("2026-03-31", 0, 0); /* a weekday: the row stays, for its target */
    util_day("2026-04-02", 0, HOUR);

    /* a bulk create of two more on 2 April */
    r = mt_post(g.s, "/api/v1/activities/bulk", g.anna_key,
                fix_fmt("{\"activities\":[{\"date\":\"2026-04-02\",\"project_id\":%lld,"
                        "\"task_id\":%lld,\"seconds\":600,\"billable\":true},{\"date\":\"2026-04-"
                        "02\",\"project_id\":%lld,\"task_id\":%lld,\"seconds\":1200,\"billable\":"
                        "false}]}",
                        (long long)g.p1, (long long)g.work, (long long)g.p1, (long long)g.work));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    for (size_t i = 0; i < 2; i++)
        ids[n++] = mt_json_int(json_array_get(r->json, i), "id");
    mt_resp_free(r);
    util_day("2026-04-02", 600, HOUR + 1200);
    assert_true(pvt_tracked(EDGES, g.anna, g.p1) == 9.0);

    for (int i = 0; i < n; i++) {
        r = mt_deletef(g.s, g.anna_key, "/api/v1/activities/%lld", (long long)ids[i]);
        MT_ASSERT_STATUS(r, 204);
        mt_resp_free(r);
    }
    util_day("2026-04-02", 0, 0); /* no time left; the row stays for her target */
    char *util_after = get_body(YEAR_UTIL), *pvt_after = get_body(YEAR_PVT);
    assert_string_equal(util_after, util_before);
    assert_string_equal(pvt_after, pvt_before);
    free(util_after);
    free(pvt_after);

    /* tampered totals under a changed definition: the next start makes them anew */
    mt_sql_exec(g.s, "UPDATE totals_activity_user_days SET billable_seconds = 0");
    mt_sql_exec(g.s, "UPDATE totals_activity_months SET seconds = 1");
    mt_sql_exec(g.s, "UPDATE totals_definitions SET definition = 'changed'");
    mt_restart(g.s);
    util_after = get_body(YEAR_UTIL);
    pvt_after = get_body(YEAR_PVT);
    assert_string_equal(util_after, util_before);
    assert_string_equal(pvt_after, pvt_before);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM totals_definitions WHERE definition = "
                                     "'changed'"),
                     0);
    free(util_after);
    free(pvt_after);
    free(util_before);
    free(pvt_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_report_by_hand),
        cmocka_unit_test(test_project_report_permissions),
        cmocka_unit_test(test_absences_by_hand),
        cmocka_unit_test(test_utilization_by_hand),
        cmocka_unit_test(test_planned_vs_tracked_by_hand),
        cmocka_unit_test(test_cashflow_by_hand),
        cmocka_unit_test(test_finance_by_hand),
        cmocka_unit_test(test_report_permissions),
        cmocka_unit_test(test_totals_follow_every_write),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
