/*
 * API tests of invoices (sections/invoices.md), as far as mocod has them: create with items
 * (totals exact to the cent: each line rounded, the discount and VAT rounded once), numbering
 * from the account's sequence, billing activities through an item's activity_ids and releasing
 * them when the invoice goes, update_status, the locked list, the rules of a delete, the list's
 * filters and what it leaves out, and permissions.
 *
 * One server for the file (group fixture).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVOICES "/api/v1/invoices"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, customer, other_customer, project, task;
    int n;
} g;

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start(NULL);
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Billed AG");
    g.other_customer = fix_create_company_as(g.s, g.key, "customer", "Other GmbH");
    g.project = fix_create_project_as(g.s, g.key, "Billed project", "INV-1", g.admin, g.customer);
    g.task = mt_create(g.s, fix_fmt("/api/v1/projects/%lld/tasks", (long long)g.project), g.key,
                       "{\"name\":\"Work\"}");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_stop(g.s);
    return 0;
}

/* POST /invoices with the given items (JSON array text); extra (JSON members, may be NULL)
 * adds fields or replaces the usual ones. The response. */
static mt_resp *post_invoice(const char *key, const char *items, const char *extra)
{
    json_t *body =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:s}", "customer_id", (json_int_t)g.customer,
                  "recipient_address", "Billed AG\nWeg 1", "date", "2026-11-30", "due_date",
                  "2026-12-30", "title", "Rechnung", "tax", 19.0, "currency", "EUR");
    fix_body_merge(body, items, extra);
    return mt_request_json(g.s, "POST", INVOICES, key, body, NULL);
}

static json_int_t create_invoice(const char *items, const char *extra)
{
    mt_resp *r = post_invoice(g.key, items, extra);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static void test_totals_are_exact_to_the_cent(void **state)
{
    (void)state;
    /* 40 lines of 3.333 h at 97.35 (each 324.46755 -> 324.47), a fixed 0.005 and an optional
     * line that is not billed */
    static char items[8192];
    size_t n = (size_t)snprintf(items, sizeof items, "[{\"type\":\"title\",\"title\":\"Stunden\"}");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(items + n, sizeof items - n,
                              ",{\"type\":\"item\",\"title\":\"Line %d\",\"quantity\":3.333,"
                              "\"unit\":\"h\",\"unit_price\":97.35}",
                              i);
    snprintf(items + n, sizeof items - n,
             ",{\"type\":\"item\",\"title\":\"Small\",\"net_total\":0.01}"
             ",{\"type\":\"separator\"}"
             ",{\"type\":\"item\",\"title\":\"Maybe\",\"net_total\":1000,\"optional\":true}]");
    mt_resp *r = post_invoice(g.key, items, "\"discount\":2.5");
    MT_ASSERT_STATUS(r, 200);
    /* lines: 40 x 324.47 = 12978.80, + 0.01 = 12978.81; discount 2.5 % = 324.47025 -> 324.47;
     * net 12654.34; VAT 19 % = 2404.3246 -> 2404.32; gross 15058.66 */
    fix_assert_number(r->json, "net_total", 12654.34);
    fix_assert_number(r->json, "gross_total", 15058.66);
    fix_assert_number(r->json, "tax", 19.0);
    fix_assert_number(r->json, "vat.tax", 19.0);
    fix_assert_number(r->json, "discount", 2.5);
    fix_assert_number(r->json, "items[1].net_total", 324.47);
    fix_assert_number(r->json, "items[1].quantity", 3.333);
    fix_assert_number(r->json, "items[0].net_total", 0);
    assert_int_equal(mt_json_len(r->json, "items"), 44);
    MT_ASSERT_JSON_STR(r->json, "items[42].type", "separator");
    MT_ASSERT_JSON_TYPE(r->json, "items[43].optional", JSON_TRUE); /* as the docs list it */
    MT_ASSERT_JSON_TYPE(r->json, "items[1].optional", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "items[1].additional", JSON_FALSE);
    MT_ASSERT_JSON_STR(r->json, "status", "created");
    MT_ASSERT_JSON_INT(r->json, "customer_id", g.customer);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin);
    assert_true(json_is_array(mt_json_get(r->json, "payments")));
    assert_true(json_is_array(mt_json_get(r->json, "reminders")));
    mt_resp_free(r);
}

/* Invoices at each of the account's rates (19, 7, 7.7, 8.1 and 0 % reverse charge), 25 lines
 * each of awkward quantities: every total to the cent, from arithmetic written out here. */
static void test_totals_at_every_vat_rate(void **state)
{
    (void)state;
    static const struct {
        double tax;
        const char *net, *gross; /* expected */
    } rates[] = {
        /* 25 x round(2.75 x 13.33 = 36.6575 -> 36.66) = 916.50 */
        {19.0, "916.50", "1090.64"}, /* VAT 174.135 -> 174.14 */
        {7.0, "916.50", "980.66"},   /* 64.155 -> 64.16 */
        {7.7, "916.50", "987.07"},   /* 70.5705 -> 70.57 */
        {8.1, "916.50", "990.74"},   /* 74.2365 -> 74.24 */
        {0.0, "916.50", "916.50"},
    };
    static char items[4096];
    size_t n = (size_t)snprintf(items, sizeof items, "[");
    for (int i = 0; i < 25; i++)
        n += (size_t)snprintf(items + n, sizeof items - n,
                              "%s{\"type\":\"item\",\"title\":\"L%d\",\"quantity\":2.75,"
                              "\"unit\":\"h\",\"unit_price\":13.33}",
                              i ? "," : "", i);
    snprintf(items + n, sizeof items - n, "]");
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        mt_resp *r = post_invoice(g.key, items, fix_fmt("\"tax\":%.1f", rates[k].tax));
        MT_ASSERT_STATUS(r, 200);
        fix_assert_number(r->json, "tax", rates[k].tax);
        fix_assert_number(r->json, "items[0].net_total", 36.66);
        fix_assert_number(r->json, "net_total", strtod(rates[k].net, NULL));
        fix_assert_number(r->json, "gross_total", strtod(rates[k].gross, NULL));
        mt_resp_free(r);
    }
}

/* Subtotal lines: part_total (the default) sums the lines since the previous subtotal, sub_total
 * those since the start; optional lines are in neither; what a client sends is not kept. */
static void test_subtotals(void **state)
{
    (void)state;
    mt_resp *r = post_invoice(g.key,
                              "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":100.10},"
                              "{\"type\":\"item\",\"title\":\"B\",\"quantity\":2,"
                              "\"unit_price\":50.05},"
                              "{\"type\":\"subtotal\",\"title\":\"Teil 1\",\"net_total\":70},"
                              "{\"type\":\"item\",\"title\":\"C\",\"net_total\":9.99},"
                              "{\"type\":\"item\",\"title\":\"O\",\"net_total\":500,"
                              "\"optional\":true},"
                              "{\"type\":\"subtotal\",\"title\":\"Teil 2\","
                              "\"subtotal_type\":\"part_total\"},"
                              "{\"type\":\"subtotal\",\"title\":\"Gesamt\","
                              "\"subtotal_type\":\"sub_total\"}]",
                              NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "items[2].net_total", 200.2);
    fix_assert_number(r->json, "items[5].net_total", 9.99);
    fix_assert_number(r->json, "items[6].net_total", 210.19);
    fix_assert_number(r->json, "net_total", 210.19); /* subtotals are not counted again */
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    const char *want[] = {"Teil 1", "200.20", "Teil 2", "9.99", "Gesamt", "210.19"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf", (long long)id), want, 6);
    r = post_invoice(g.key, "[{\"type\":\"subtotal\",\"subtotal_type\":\"total\"}]", NULL);
    fix_assert_422(r, "items[0].subtotal_type");
    mt_resp_free(r);
}

static void test_identifiers_come_from_the_sequence(void **state)
{
    (void)state;
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]";
    mt_resp *a = post_invoice(g.key, one, NULL);
    mt_resp *b = post_invoice(g.key, one, NULL);
    MT_ASSERT_STATUS(a, 200);
    MT_ASSERT_STATUS(b, 200);
    const char *ia = mt_json_str(a->json, "identifier"), *ib = mt_json_str(b->json, "identifier");
    /* R<yymm>-<n>: the month of the invoice's date (2026-11-30), each number once */
    assert_int_equal(strlen(ia), strlen("R2611-001"));
    assert_memory_equal(ia, "R2611-", 6);
    assert_string_not_equal(ia, ib);
    assert_int_equal(atoi(ib + 6), atoi(ia + 6) + 1);
    /* a backdated invoice is numbered in its month, which counts on its own */
    mt_resp *old = post_invoice(g.key, one, "\"date\":\"2025-03-15\",\"due_date\":\"2025-04-15\"");
    MT_ASSERT_STATUS(old, 200);
    MT_ASSERT_JSON_STR(old->json, "identifier", "R2503-001");
    mt_resp_free(old);
    /* the account's own pattern (mocod account --number-pattern), and back to the default */
    free(mt_cli(g.s, "account --account acme --number-pattern invoices=RE-{yyyy}-{n:5}"));
    mt_resp *own = post_invoice(g.key, one, NULL);
    MT_ASSERT_STATUS(own, 200);
    MT_ASSERT_JSON_STR(own->json, "identifier", "RE-2026-00001");
    mt_resp_free(own);
    free(mt_cli(g.s, "account --account acme --number-pattern invoices="));
    own = post_invoice(g.key, one, NULL);
    MT_ASSERT_STATUS(own, 200);
    assert_memory_equal(mt_json_str(own->json, "identifier"), "R2611-", 6);
    mt_resp_free(own);
    static const char *const bad[] = {"invoices=R-{yy}", "invoices=R{n}{n}", "bills=R{n}",
                                      "invoices"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL, *err = NULL;
        assert_int_not_equal(
            mt_cli_try(g.s, &out, &err, "account --account acme --number-pattern %s", bad[i]), 0);
        assert_non_null(strstr(err, "--number-pattern"));
        free(out);
        free(err);
    }
    /* identifier is the server's: not input */
    mt_resp *c = post_invoice(g.key, one, "\"identifier\":\"MINE-1\"");
    MT_ASSERT_STATUS(c, 200);
    assert_string_not_equal(mt_json_str(c->json, "identifier"), "MINE-1");
    mt_resp_free(a);
    mt_resp_free(b);
    mt_resp_free(c);
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]";
    mt_resp *r = post_invoice(g.key, "[]", NULL);
    fix_assert_422(r, "items");
    mt_resp_free(r);
    r = post_invoice(g.key, "[{\"type\":\"weird\"}]", NULL);
    fix_assert_422(r, "items[0].type");
    mt_resp_free(r);
    r = post_invoice(g.key, "[{\"type\":\"item\",\"quantity\":\"many\"}]", NULL);
    fix_assert_422(r, "items[0].quantity");
    mt_resp_free(r);
    r = post_invoice(g.key, one, "\"status\":\"paid\"");
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = post_invoice(g.key, one, "\"tax\":101");
    fix_assert_422(r, "tax");
    mt_resp_free(r);
    r = post_invoice(g.key, one, "\"due_date\":\"2026-11-01\"");
    fix_assert_422(r, "due_date");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", INVOICES, g.key,
                   fix_fmt("{\"customer_id\":%lld,\"project_id\":%lld,\"recipient_address\":\"x\","
                           "\"date\":\"2026-11-30\",\"due_date\":\"2026-12-30\",\"title\":\"R\","
                           "\"tax\":19,\"currency\":\"EUR\",\"items\":%s}",
                           (long long)g.other_customer, (long long)g.project, one),
                   NULL);
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", INVOICES, g.key,
                   "{\"recipient_address\":\"x\",\"title\":\"R\",\"items\":[]}", NULL);
    fix_assert_422_fields(r, "customer_id,date,due_date,tax,currency");
    mt_resp_free(r);
}

static json_int_t track(int seconds)
{
    mt_resp *r =
        mt_request(g.s, "POST", "/api/v1/activities", g.key,
                   fix_fmt("{\"date\":\"2026-11-%02d\",\"project_id\":%lld,\"task_id\":%lld,"
                           "\"seconds\":%d}",
                           1 + (++g.n % 28), (long long)g.project, (long long)g.task, seconds),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static void test_billing_activities_and_releasing_them(void **state)
{
    (void)state;
    json_int_t a = track(3600), b = track(1800);
    json_int_t inv = create_invoice(
        fix_fmt("[{\"type\":\"item\",\"title\":\"Work\",\"quantity\":1.5,\"unit\":\"h\","
                "\"unit_price\":100,\"activity_ids\":[%lld,%lld]}]",
                (long long)a, (long long)b),
        "\"status\":\"draft\"");
    for (int i = 0; i < 2; i++) {
        mt_resp *r = mt_getf(g.s, g.key, "/api/v1/activities/%lld", (long long)(i ? b : a));
        MT_ASSERT_STATUS(r, 200);
        assert_true(mt_json_bool(r->json, "billed"));
        MT_ASSERT_JSON_INT(r->json, "invoice_id", inv);
        mt_resp_free(r);
    }
    /* the timesheet: the activities it bills */
    mt_resp *ts = mt_getf(g.s, g.key, INVOICES "/%lld/timesheet", (long long)inv);
    MT_ASSERT_STATUS(ts, 200);
    assert_int_equal(json_array_size(ts->json), 2);
    assert_non_null(fix_find_by_id(ts->json, a));
    assert_non_null(fix_find_by_id(ts->json, b));
    assert_true(mt_json_bool(ts->json, "[0].billed"));
    mt_resp_free(ts);
    /* and as a PDF: both activities, 1.00 + 0.50 hours, the task, on the timesheet's paper */
    const char *sheet[] = {"Stundennachweis", "Work", "1.00", "0.50", "1.50 h", "Billed AG"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld/timesheet.pdf", (long long)inv), sheet,
                   sizeof sheet / sizeof sheet[0]);
    /* an invoice without hours has no timesheet PDF */
    json_int_t plain = create_invoice("[{\"type\":\"item\",\"title\":\"X\",\"net_total\":1}]",
                                      "\"status\":\"draft\"");
    fix_expect_error(g.s, "GET", g.key, NULL, 404, INVOICES "/%lld/timesheet.pdf",
                     (long long)plain);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, INVOICES "/%lld", (long long)plain);
    /* plain paper unless a letter paper is asked for ("default: White") */
    json_int_t paper = mt_create(g.s, "/api/v1/letter_papers", g.key,
                                 "{\"name\":\"Stunden\",\"template\":\"timesheet\","
                                 "\"footer_text\":\"Stundenpapier\"}");
    const char *plain_sheet[] = {"Stundennachweis", "!Stundenpapier"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld/timesheet.pdf", (long long)inv), plain_sheet,
                   2);
    const char *on_paper[] = {"Stundennachweis", "Stundenpapier"};
    fix_assert_pdf(g.s, g.key,
                   fix_fmt(INVOICES "/%lld/timesheet.pdf?letter_paper_id=%lld", (long long)inv,
                           (long long)paper),
                   on_paper, 2);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "/api/v1/letter_papers/%lld",
                      (long long)paper);
    /* the PDF shows what the JSON timesheet would: who may read invoices but not time gets 403;
     * who sees only their own time sees only their own activities (here none: 404) */
    static const char *const roles[][3] = {{"Clerk", "read", "none"}, {"NoTime", "none", "none"}};
    for (int i = 0; i < 2; i++)
        mt_sql_exec(g.s,
                    fix_fmt("INSERT INTO user_roles (account_id, created_at, updated_at, name, "
                            "is_default, is_admin, perm_report, perm_companies, perm_contacts, "
                            "perm_people, perm_purchases, perm_settings, perm_sales, "
                            "perm_projects, perm_calendar, perm_time_tracking, "
                            "perm_invoicing) SELECT account_id, created_at, updated_at, '%s', "
                            "0, 0, '%s', perm_companies, perm_contacts, perm_people, "
                            "perm_purchases, perm_settings, perm_sales, perm_projects, "
                            "perm_calendar, '%s', 'read' FROM user_roles WHERE name = "
                            "'Employee' AND account_id = (SELECT MIN(id) FROM accounts)",
                            roles[i][0], roles[i][2], roles[i][1]));
    char *clerk = NULL, *no_time = NULL;
    fix_user_with_role(g.s, "Clara", "Clerk", &clerk);
    fix_user_with_role(g.s, "Nico", "NoTime", &no_time);
    fix_expect_status(g.s, "GET", clerk, NULL, 200, INVOICES "/%lld", (long long)inv);
    fix_expect_error(g.s, "GET", clerk, NULL, 404, INVOICES "/%lld/timesheet.pdf", (long long)inv);
    ts = mt_getf(g.s, clerk, INVOICES "/%lld/timesheet", (long long)inv);
    MT_ASSERT_STATUS(ts, 200);
    assert_int_equal(json_array_size(ts->json), 0);
    mt_resp_free(ts);
    fix_expect_error(g.s, "GET", no_time, NULL, 403, INVOICES "/%lld/timesheet.pdf",
                     (long long)inv);
    fix_expect_error(g.s, "GET", no_time, NULL, 403, INVOICES "/%lld/timesheet", (long long)inv);
    free(clerk);
    free(no_time);
    /* billed once only; billed time is locked */
    mt_resp *r = post_invoice(
        g.key,
        fix_fmt("[{\"type\":\"item\",\"title\":\"Again\",\"net_total\":1,\"activity_ids\":[%lld]}]",
                (long long)a),
        NULL);
    fix_assert_422(r, "items[0].activity_ids");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"seconds\":5}", "/api/v1/activities/%lld", (long long)a);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    /* activities of another customer are not this invoice's */
    json_int_t stranger_project =
        fix_create_project_as(g.s, g.key, "Other project", "INV-2", g.admin, g.other_customer);
    json_int_t stranger_task =
        mt_create(g.s, fix_fmt("/api/v1/projects/%lld/tasks", (long long)stranger_project), g.key,
                  "{\"name\":\"Work\"}");
    r = mt_request(g.s, "POST", "/api/v1/activities", g.key,
                   fix_fmt("{\"date\":\"2026-11-03\",\"project_id\":%lld,\"task_id\":%lld}",
                           (long long)stranger_project, (long long)stranger_task),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t foreign = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = post_invoice(
        g.key,
        fix_fmt("[{\"type\":\"item\",\"title\":\"X\",\"net_total\":1,\"activity_ids\":[%lld]}]",
                (long long)foreign),
        NULL);
    fix_assert_422(r, "items[0].activity_ids");
    mt_resp_free(r);
    /* the draft goes (no reason needed): its activities are billable again */
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)inv);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "/api/v1/activities/%lld", (long long)a);
    assert_false(mt_json_bool(r->json, "billed"));
    assert_true(json_is_null(mt_json_get(r->json, "invoice_id")));
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)inv);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld/timesheet", (long long)inv);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void test_status_locked_and_deletes(void **state)
{
    (void)state;
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]";
    json_int_t older = create_invoice(one, NULL);
    json_int_t draft = create_invoice(one, "\"status\":\"draft\"");
    json_int_t newest = create_invoice(one, NULL);
    /* update_status: only the states the docs list; drafts stay drafts */
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"paid\"}",
                             INVOICES "/%lld/update_status", (long long)older);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"sent\"}", INVOICES "/%lld/update_status",
                    (long long)draft);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"overdue\"}", INVOICES "/%lld/update_status",
                    (long long)older);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "status", "overdue");
    assert_false(mt_json_bool(r->json, "locked"));
    mt_resp_free(r);
    /* sent: locked, listed as locked, never deleted */
    r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"sent\"}", INVOICES "/%lld/update_status",
                    (long long)older);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "locked"));
    mt_resp_free(r);
    r = mt_get(g.s, INVOICES "/locked", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, older));
    assert_null(fix_find_by_id(r->json, newest));
    assert_false(mt_json_has(json_array_get(r->json, 0), "items"));
    mt_resp_free(r);
    r = mt_get(g.s, INVOICES "/locked?status=created", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, older));
    mt_resp_free(r);
    /* deletes: not an older one, the newest only with a reason, drafts always */
    r = mt_request(g.s, "DELETE", fix_fmt(INVOICES "/%lld", (long long)older), g.key,
                   "{\"reason\":\"wrong\"}", NULL);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)newest);
    fix_assert_422(r, "reason");
    mt_resp_free(r);
    r = mt_request(g.s, "DELETE", fix_fmt(INVOICES "/%lld", (long long)newest), g.key,
                   "{\"reason\":\"Wrong invoice number\"}", NULL);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)draft);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    /* no update through PUT (MOCO has none) */
    r = mt_requestf(g.s, "PUT", g.key, "{\"title\":\"x\"}", INVOICES "/%lld", (long long)older);
    assert_true(r->status == 404 || r->status == 405);
    mt_resp_free(r);
}

static void test_list_filters_and_shape(void **state)
{
    (void)state;
    /* a status that is none of the documented ones is refused, naming the parameter */
    fix_expect_422(g.s, "GET", g.key, NULL, "status", INVOICES "?status=paid,bogus");
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]";
    json_int_t a = create_invoice(one, "\"date\":\"2025-01-10\",\"due_date\":\"2025-02-10\","
                                       "\"service_period_from\":\"2024-12-01\","
                                       "\"service_period_to\":\"2024-12-31\","
                                       "\"tags\":[\"Periodenfremd\"],\"title\":\"Needle\"");
    json_int_t b = create_invoice(one, "\"date\":\"2025-01-20\",\"due_date\":\"2025-02-20\","
                                       "\"status\":\"draft\"");
    const char *jan = INVOICES "?date_from=2025-01-01&date_to=2025-01-31";
    fix_assert_list_of(g.s, g.key, jan, a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=draft", jan), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=draft,created", jan), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&tags=Periodenfremd", jan), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&term=needle", jan), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&service_period_from=2024-12-01", jan), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&company_id=%lld", jan, (long long)g.customer), a, b);
    fix_assert_list_empty(g.s, g.key,
                          fix_fmt("%s&company_id=%lld", jan, (long long)g.other_customer));
    mt_resp *r = mt_get(g.s, jan, g.key);
    MT_ASSERT_STATUS(r, 200);
    json_t *first = json_array_get(r->json, 0);
    /* the list leaves out salutation, footer, items, payments and reminders */
    const char *hidden[] = {"salutation", "footer", "items", "payments", "reminders"};
    for (int i = 0; i < 5; i++)
        assert_false(mt_json_has(first, hidden[i]));
    MT_ASSERT_JSON_STR(first, "service_period", "12/2024");
    MT_ASSERT_JSON_STR(first, "service_period_from", "2024-12-01");
    fix_assert_json_eq(mt_json_get(first, "tags"), "[\"Periodenfremd\"]", r);
    mt_resp_free(r);
    r = mt_get(g.s, INVOICES "?date_from=2025-02-01&date_to=2025-01-01", g.key);
    fix_assert_422(r, "date_from");
    mt_resp_free(r);
}

static void test_payments_settle_the_invoice(void **state)
{
    (void)state;
    /* gross 119.00 (net 100, VAT 19 %) */
    json_int_t inv =
        create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":100}]", NULL);
    mt_resp *r = mt_request(g.s, "POST", "/api/v1/invoices/payments", g.key,
                            fix_fmt("{\"date\":\"2026-12-01\",\"invoice_id\":%lld,\"paid_total\":"
                                    "50.5}",
                                    (long long)inv),
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id,date,invoice,paid_total,paid_total_in_account_currency,currency,"
                            "description,created_at,updated_at");
    MT_ASSERT_JSON_STR(r->json, "paid_total", "50.50"); /* MOCO renders a payment's amounts so */
    MT_ASSERT_JSON_STR(r->json, "paid_total_in_account_currency", "50.50");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR"); /* the invoice's */
    MT_ASSERT_JSON_INT(r->json, "invoice.id", inv);
    mt_assert_keys(mt_json_get(r->json, "invoice"), "id,identifier,title");
    json_int_t first = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)inv);
    MT_ASSERT_JSON_STR(r->json, "status", "partially_paid");
    fix_assert_number(r->json, "payments[0].paid_total", 50.5); /* embedded: a number */
    mt_resp_free(r);
    /* the payments set the status, update_status does not */
    r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"created\"}", INVOICES "/%lld/update_status",
                    (long long)inv);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    /* the rest, by bulk: paid */
    r = mt_request(g.s, "POST", "/api/v1/invoices/payments/bulk", g.key,
                   fix_fmt("{\"bulk_data\":[{\"date\":\"2026-12-02\",\"invoice_id\":%lld,"
                           "\"paid_total\":60},{\"date\":\"2026-12-03\",\"invoice_id\":%lld,"
                           "\"paid_total\":8.5}]}",
                           (long long)inv, (long long)inv),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)inv);
    MT_ASSERT_JSON_STR(r->json, "status", "paid");
    assert_int_equal(mt_json_len(r->json, "payments"), 3);
    mt_resp_free(r);
    fix_assert_list_ids_any_order(
        g.s, g.key,
        fix_fmt("/api/v1/invoices/payments?invoice_id=%lld&date_from=2026-12-01&date_to=2026-12-01",
                (long long)inv),
        (json_int_t[]){first}, 1);
    /* one goes: partially paid again */
    r = mt_deletef(g.s, g.key, "/api/v1/invoices/payments/%lld", (long long)first);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)inv);
    MT_ASSERT_JSON_STR(r->json, "status", "partially_paid");
    mt_resp_free(r);
    /* a bad bulk writes nothing; drafts take no payments; 0 is no payment */
    r = mt_request(g.s, "POST", "/api/v1/invoices/payments/bulk", g.key,
                   fix_fmt("{\"bulk_data\":[{\"date\":\"2026-12-04\",\"invoice_id\":%lld,"
                           "\"paid_total\":1},{\"date\":\"x\",\"invoice_id\":%lld,"
                           "\"paid_total\":1}]}",
                           (long long)inv, (long long)inv),
                   NULL);
    fix_assert_422(r, "bulk_data[1].date");
    mt_resp_free(r);
    json_int_t draft = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]",
                                      "\"status\":\"draft\"");
    r = mt_request(
        g.s, "POST", "/api/v1/invoices/payments", g.key,
        fix_fmt("{\"date\":\"2026-12-01\",\"invoice_id\":%lld,\"paid_total\":1}", (long long)draft),
        NULL);
    fix_assert_422(r, "invoice_id");
    mt_resp_free(r);
    r = mt_request(
        g.s, "POST", "/api/v1/invoices/payments", g.key,
        fix_fmt("{\"date\":\"2026-12-01\",\"invoice_id\":%lld,\"paid_total\":0}", (long long)inv),
        NULL);
    fix_assert_422(r, "paid_total");
    mt_resp_free(r);
    /* without an invoice: a description and a currency */
    r = mt_request(g.s, "POST", "/api/v1/invoices/payments", g.key,
                   "{\"date\":\"2026-12-01\",\"paid_total\":10}", NULL);
    fix_assert_422_fields(r, "description,currency");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", "/api/v1/invoices/payments", g.key,
                   "{\"date\":\"2026-12-01\",\"paid_total\":10,\"description\":\"Provision\","
                   "\"currency\":\"EUR\"}",
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_null(mt_json_get(r->json, "invoice")));
    mt_resp_free(r);
    /* an invoice with payments cannot go */
    r = mt_request(g.s, "DELETE", fix_fmt(INVOICES "/%lld", (long long)inv), g.key,
                   "{\"reason\":\"x\"}", NULL);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);
}

/* GET /invoices/{id}.pdf: a valid A4 PDF (qpdf --check) whose text (pdftotext) shows the
 * identifier, the address, every item and the totals, umlauts and the euro sign included. */
static void test_pdf(void **state)
{
    (void)state;
    mt_resp *c =
        post_invoice(g.key,
                     "[{\"type\":\"title\",\"title\":\"Stunden\"},{\"type\":\"item\","
                     "\"title\":\"Größere Änderungen\",\"quantity\":3.5,\"unit\":\"h\","
                     "\"unit_price\":120},{\"type\":\"item\",\"title\":\"Pauschale €\","
                     "\"net_total\":400}]",
                     "\"recipient_address\":\"Beispiel AG\\nMüllerstraße 5\\n80331 "
                     "München\",\"salutation\":\"<div>Nr {identifier}, Frist {due_days} "
                     "Tage, {unknown}</div>\",\"footer\":\"<div>Summe {gross_total}</div>\"");
    MT_ASSERT_STATUS(c, 200);
    json_int_t id = mt_json_int(c->json, "id");
    char *identifier = strdup(mt_json_str(c->json, "identifier"));
    mt_resp_free(c);
    /* net 820.00 (3.5 x 120 + 400), VAT 19 % 155.80, gross 975.80 */
    const char *filled[] = {fix_fmt("Nr %s, Frist 30 Tage, {unknown}", identifier),
                            "Summe 975.80 EUR"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf", (long long)id), filled, 2);
    const char *want[] = {identifier,   "Beispiel AG",        "Müllerstraße 5", "80331 München",
                          "Stunden",    "Größere Änderungen", "Pauschale €",    "420.00",
                          "820.00 EUR", "155.80 EUR",         "975.80 EUR"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf", (long long)id), want,
                   sizeof want / sizeof want[0]);
    /* letter papers: the one made for invoices wins over the default (for any document); its
     * header and footer on the page; ?letter_paper_id picks one, ?blank none */
    json_int_t paper = mt_create(g.s, "/api/v1/letter_papers", g.key,
                                 "{\"name\":\"Rechnungen\",\"template\":\"invoice\","
                                 "\"header_text\":\"Kopfzeile Acme\",\"footer_text\":\"IBAN DE12 "
                                 "3456\"}");
    json_int_t offers_paper = mt_create(g.s, "/api/v1/letter_papers", g.key,
                                        "{\"name\":\"Angebote\",\"template\":\"offer\","
                                        "\"footer_text\":\"Angebotspapier\"}");
    const char *on_paper[] = {identifier, "Kopfzeile Acme", "IBAN DE12 3456", "!Angebotspapier"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf", (long long)id), on_paper, 4);
    const char *picked[] = {identifier, "Angebotspapier", "!IBAN DE12 3456"};
    fix_assert_pdf(
        g.s, g.key,
        fix_fmt(INVOICES "/%lld.pdf?letter_paper_id=%lld", (long long)id, (long long)offers_paper),
        picked, 3);
    const char *blank[] = {identifier, "975.80 EUR", "!Kopfzeile Acme", "!IBAN DE12 3456"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf?blank=true", (long long)id), blank, 4);
    mt_resp *bad = mt_getf(g.s, g.key, INVOICES "/%lld.pdf?letter_paper_id=999999", (long long)id);
    fix_assert_422(bad, "letter_paper_id");
    mt_resp_free(bad);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "/api/v1/letter_papers/%lld",
                      (long long)paper);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "/api/v1/letter_papers/%lld",
                      (long long)offers_paper);
    free(identifier);
    /* another account's invoice has no document here */
    mt_resp *r = mt_getf(g.s, fix_other_key(g.s), INVOICES "/%lld.pdf", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* POST /invoices/{id}/send_email: the mail, with the PDF and the placeholders filled, goes into
 * the outbox (no SMTP server here: it stays in the mail log); the invoice is sent and locked. */
static void test_send_email(void **state)
{
    (void)state;
    mt_resp *c =
        post_invoice(g.key, "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":100}]", NULL);
    MT_ASSERT_STATUS(c, 200);
    json_int_t id = mt_json_int(c->json, "id");
    char *identifier = strdup(mt_json_str(c->json, "identifier"));
    mt_resp_free(c);
    const char *path = fix_fmt(INVOICES "/%lld/send_email", (long long)id);
    mt_resp *r = mt_request(g.s, "POST", path, g.key, "{\"emails_to\":\"a@example.test\"}", NULL);
    fix_assert_422_fields(r, "subject,text");
    mt_resp_free(r);
    /* a problem with an address names the key it came in */
    r = mt_request(g.s, "POST", path, g.key,
                   "{\"emails_to\":\"a@example.test\",\"emails_cc\":\"not an address\","
                   "\"subject\":\"s\",\"text\":\"t\"}",
                   NULL);
    fix_assert_422(r, "emails_cc");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key,
                   "{\"emails_to\":\"a@example.test; Bea <b@example.test>\","
                   "\"emails_cc\":\"c@example.test\",\"subject\":\"Rechnung {identifier}\","
                   "\"text\":\"Total {gross_total}, due {due_date}. {unknown}\"}",
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "emails_to", "a@example.test; Bea <b@example.test>");
    MT_ASSERT_JSON_STR(r->json, "emails_cc", "c@example.test");
    assert_true(json_is_null(mt_json_get(r->json, "emails_bcc")));
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "status", "sent");
    assert_true(mt_json_bool(r->json, "locked"));
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/account/mails?per_page=100", g.key);
    MT_ASSERT_STATUS(r, 200);
    json_t *mail = fix_find_by_str(r->json, "subject", fix_fmt("Rechnung %s", identifier));
    assert_non_null(mail);
    MT_ASSERT_JSON_STR(mail, "to[0]", "a@example.test");
    MT_ASSERT_JSON_STR(mail, "to[1]", "Bea <b@example.test>");
    MT_ASSERT_JSON_STR(mail, "cc[0]", "c@example.test");
    MT_ASSERT_JSON_STR(mail, "body", "Total 119.00 EUR, due 2026-12-30. {unknown}");
    MT_ASSERT_JSON_STR(mail, "attachments[0].filename", fix_fmt("%s.pdf", identifier));
    assert_true(mt_json_int(mail, "attachments[0].size") > 1000);
    MT_ASSERT_JSON_STR(mail, "status", "pending");
    mt_resp_free(r);
    free(identifier);
    /* no recipient given nor known: 422; drafts are not sent */
    json_int_t bare = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]", NULL);
    r = mt_request(g.s, "POST", fix_fmt(INVOICES "/%lld/send_email", (long long)bare), g.key,
                   "{\"subject\":\"s\",\"text\":\"t\"}", NULL);
    fix_assert_422(r, "emails_to");
    mt_resp_free(r);
    json_int_t draft = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]",
                                      "\"status\":\"draft\"");
    r = mt_request(g.s, "POST", fix_fmt(INVOICES "/%lld/send_email", (long long)draft), g.key,
                   "{\"emails_to\":\"a@example.test\",\"subject\":\"s\",\"text\":\"t\"}", NULL);
    fix_assert_422(r, "status");
    mt_resp_free(r);
}

static void test_reminders(void **state)
{
    (void)state;
    json_int_t inv = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":100}]",
                                    "\"date\":\"2026-10-01\",\"due_date\":\"2026-10-15\"");
    const char *path = "/api/v1/invoice_reminders";
    /* title, text, date and due date have defaults */
    mt_resp *r = mt_request(g.s, "POST", path, g.key,
                            fix_fmt("{\"invoice_id\":%lld,\"fee\":5}", (long long)inv), NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id,title,text,fee,date,due_date,status,file_url,invoice,created_at,"
                            "updated_at");
    MT_ASSERT_JSON_STR(r->json, "title", "Zahlungserinnerung");
    assert_true(strlen(mt_json_str(r->json, "text")) > 20);
    fix_assert_number(r->json, "fee", 5.0);
    MT_ASSERT_JSON_STR(r->json, "status", "created");
    MT_ASSERT_DATE(r->json, "date");
    MT_ASSERT_DATE(r->json, "due_date");
    assert_true(strcmp(mt_json_str(r->json, "due_date"), mt_json_str(r->json, "date")) > 0);
    mt_assert_keys(mt_json_get(r->json, "invoice"), "id,identifier,title");
    json_int_t first = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"invoice_id\":%lld,\"title\":\"Mahnung\",\"text\":\"Hallo\","
                           "\"date\":\"2026-11-04\",\"due_date\":\"2026-11-12\"}",
                           (long long)inv),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t second = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_of(
        g.s, g.key,
        fix_fmt("%s?invoice_id=%lld&date_from=2026-11-01&date_to=2026-11-30", path, (long long)inv),
        second);
    /* the invoice shows them */
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)inv);
    assert_int_equal(mt_json_len(r->json, "reminders"), 2);
    mt_assert_keys(json_array_get(mt_json_get(r->json, "reminders"), 0),
                   "id,date,due_date,fee,text,created_on,updated_on");
    mt_resp_free(r);
    /* refusals: no invoice, a draft, a negative fee, due before date */
    r = mt_request(g.s, "POST", path, g.key, "{\"fee\":1}", NULL);
    fix_assert_422(r, "invoice_id");
    mt_resp_free(r);
    json_int_t draft = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]",
                                      "\"status\":\"draft\"");
    r = mt_request(g.s, "POST", path, g.key, fix_fmt("{\"invoice_id\":%lld}", (long long)draft),
                   NULL);
    fix_assert_422(r, "invoice_id");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"invoice_id\":%lld,\"fee\":-1}", (long long)inv), NULL);
    fix_assert_422(r, "fee");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"invoice_id\":%lld,\"date\":\"2026-11-04\",\"due_date\":"
                           "\"2026-11-01\"}",
                           (long long)inv),
                   NULL);
    fix_assert_422(r, "due_date");
    mt_resp_free(r);
    /* sent by mail: to the recipients given, with the invoice's PDF */
    r = mt_request(g.s, "POST", fix_fmt("%s/%lld/send_email", path, (long long)second), g.key,
                   "{\"emails_to\":\"debtor@example.test\",\"subject\":\"Mahnung {identifier}\","
                   "\"text\":\"Bitte zahlen Sie {gross_total}.\"}",
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "emails_to", "debtor@example.test");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "%s/%lld", path, (long long)second);
    MT_ASSERT_JSON_STR(r->json, "status", "sent");
    const char *identifier = mt_json_str(r->json, "invoice.identifier");
    mt_resp *mails = mt_get(g.s, "/api/v1/account/mails?per_page=100", g.key);
    json_t *mail = fix_find_by_str(mails->json, "subject", fix_fmt("Mahnung %s", identifier));
    assert_non_null(mail);
    MT_ASSERT_JSON_STR(mail, "body", "Bitte zahlen Sie 119.00 EUR.");
    MT_ASSERT_JSON_STR(mail, "attachments[0].filename", fix_fmt("%s.pdf", identifier));
    mt_resp_free(mails);
    mt_resp_free(r);
    r = mt_request(g.s, "POST", fix_fmt("%s/%lld/send_email", path, (long long)second), g.key,
                   "{\"emails_to\":\"debtor@example.test\"}", NULL);
    fix_assert_422_fields(r, "subject,text");
    mt_resp_free(r);
    /* deleted: 204 */
    r = mt_deletef(g.s, g.key, "%s/%lld", path, (long long)first);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "%s/%lld", path, (long long)first);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void test_attachments(void **state)
{
    (void)state;
    json_int_t inv = create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]", NULL);
    const char *path = fix_fmt(INVOICES "/%lld/attachments", (long long)inv);
    /* "%PDF-1.4\n" */
    mt_resp *r = mt_request(g.s, "POST", path, g.key,
                            "{\"attachment\":{\"filename\":\"AGB.pdf\",\"base64\":"
                            "\"JVBERi0xLjQK\"}}",
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id,filename,size,url,created_at,updated_at");
    MT_ASSERT_JSON_STR(r->json, "filename", "AGB.pdf");
    MT_ASSERT_JSON_INT(r->json, "size", 9);
    json_int_t id = mt_json_int(r->json, "id");
    char *url = strdup(mt_json_str(r->json, "url"));
    mt_resp_free(r);
    r = mt_get(g.s, path, g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    mt_resp_free(r);
    r = mt_get(g.s, url, NULL); /* the file, by its secret address */
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(r->body_len, 9);
    assert_memory_equal(r->body, "%PDF-1.4\n", 9);
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key, "{\"attachment\":{\"filename\":\"x.pdf\"}}", NULL);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);
    /* PDFs only ("hello" is no PDF) */
    r = mt_request(g.s, "POST", path, g.key,
                   "{\"attachment\":{\"filename\":\"x.pdf\",\"base64\":\"aGVsbG8=\"}}", NULL);
    fix_assert_422(r, "attachment");
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, "%s/%lld", path, (long long)id);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_get(g.s, url, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_assert_list_empty(g.s, g.key, path);
    free(url);
    /* another account's invoice: 404 */
    r = mt_get(g.s, path, fix_other_key(g.s));
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void test_bookkeeping_exports(void **state)
{
    (void)state;
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]";
    json_int_t a = create_invoice(one, "\"date\":\"2025-03-05\",\"due_date\":\"2025-04-05\"");
    json_int_t b = create_invoice(one, "\"date\":\"2025-02-10\",\"due_date\":\"2025-03-10\"");
    json_int_t draft = create_invoice(one, "\"status\":\"draft\"");
    const char *path = "/api/v1/invoices/bookkeeping_exports";
    mt_resp *r = mt_request(g.s, "POST", path, g.key,
                            fix_fmt("{\"invoice_ids\":[%lld,%lld],\"comment\":\"Q1\","
                                    "\"trigger_submission\":false}",
                                    (long long)a, (long long)b),
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id,from,to,invoice_ids,comment,user,status,created_at,updated_at");
    MT_ASSERT_JSON_STR(r->json, "from", "2025-02-10");
    MT_ASSERT_JSON_STR(r->json, "to", "2025-03-05");
    MT_ASSERT_JSON_INT(r->json, "invoice_ids[0]", a);
    MT_ASSERT_JSON_INT(r->json, "invoice_ids[1]", b);
    MT_ASSERT_JSON_STR(r->json, "status", "manual");
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* exported invoices are locked, and booked: not_booked leaves them out */
    r = mt_getf(g.s, g.key, INVOICES "/%lld", (long long)a);
    assert_true(mt_json_bool(r->json, "locked"));
    mt_resp_free(r);
    const char *period = INVOICES "?date_from=2025-02-01&date_to=2025-03-31";
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&not_booked=false", period), a, b);
    r = mt_get(g.s, fix_fmt("%s&not_booked=true", period), g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, a));
    assert_null(fix_find_by_id(r->json, b));
    mt_resp_free(r);
    fix_expect_422(g.s, "GET", g.key, NULL, "not_booked", INVOICES "?not_booked=maybe");
    fix_expect_422(g.s, "GET", g.key, NULL, "include_disregarded",
                   INVOICES "?include_disregarded=x");
    r = mt_getf(g.s, g.key, "%s/%lld", path, (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    json_int_t twice = create_invoice(one, NULL);
    /* once only; no drafts; no other account's; a list of ids, each once */
    const char *bodies[] = {
        fix_fmt("{\"invoice_ids\":[%lld]}", (long long)a),
        fix_fmt("{\"invoice_ids\":[%lld]}", (long long)draft), "{\"invoice_ids\":[987654321]}",
        "{\"invoice_ids\":\"1,2\"}", "{\"invoice_ids\":[]}",
        /* an invoice that could be exported, named twice */
        fix_fmt("{\"invoice_ids\":[%lld,%lld]}", (long long)twice, (long long)twice), "{}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        r = mt_request(g.s, "POST", path, g.key, bodies[i], NULL);
        fix_assert_422(r, "invoice_ids");
        mt_resp_free(r);
    }
    r = mt_request(g.s, "POST", path, fix_other_key(g.s),
                   fix_fmt("{\"invoice_ids\":[%lld]}", (long long)b), NULL);
    fix_assert_422(r, "invoice_ids");
    mt_resp_free(r);
}

static void test_permissions(void **state)
{
    (void)state;
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Erik", "Employee", &emp_key);
    const char *one = "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]";
    json_int_t id = create_invoice(one, NULL);
    /* invoicing is not an employee's */
    mt_resp *r = mt_getf(g.s, emp_key, INVOICES "/%lld", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = post_invoice(emp_key, one, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", emp_key, "{\"status\":\"sent\"}", INVOICES "/%lld/update_status",
                    (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(emp_key);
    const char *read = fix_read_key(g.s);
    r = mt_getf(g.s, read, INVOICES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = post_invoice(read, one, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_getf(g.s, fix_other_key(g.s), INVOICES "/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* ---- project expenses billed through an item's expense_ids ---- */

#define EXPENSE_KEYS                                                                               \
    "id,date,title,description,quantity,unit,unit_price,unit_cost,price,cost,currency,"            \
    "budget_relevant,billable,billed,purchase_assignment_locked,cost_total_planned,"               \
    "planned_purchase_date,invoice_id,recurring_expense_id,service_period,service_period_from,"    \
    "service_period_to,file_url,revenue_category,custom_properties,company,project,group,"         \
    "purchase_id,purchase_item_id,purchase_items,created_at,updated_at"

static json_int_t expense_on(json_int_t project, const char *title, const char *quantity,
                             const char *unit_price)
{
    return mt_create(g.s, fix_fmt("/api/v1/projects/%lld/expenses", (long long)project), g.key,
                     fix_fmt("{\"date\":\"2026-11-05\",\"title\":\"%s\",\"quantity\":%s,"
                             "\"unit\":\"Monat\",\"unit_price\":%s,\"unit_cost\":10}",
                             title, quantity, unit_price));
}

static const char *expense_item(const char *ids)
{
    return fix_fmt("[{\"type\":\"item\",\"title\":\"Expenses\",\"quantity\":1,\"unit\":"
                   "\"x\",\"unit_price\":108.47,\"expense_ids\":[%s]}]",
                   ids);
}

static void test_billing_expenses_and_releasing_them(void **state)
{
    (void)state;
    json_int_t a = expense_on(g.project, "Hosting", "3", "29.99");  /* 89.97 */
    json_int_t b = expense_on(g.project, "Domain", "1.5", "12.33"); /* 18.495: 18.50 */
    const char *draft_of_project =
        fix_fmt("\"status\":\"draft\",\"project_id\":%lld", (long long)g.project);
    mt_resp *made = post_invoice(
        g.key, expense_item(fix_fmt("%lld,%lld", (long long)a, (long long)b)), draft_of_project);
    MT_ASSERT_STATUS(made, 200);
    json_int_t inv = mt_json_int(made->json, "id");
    MT_ASSERT_JSON_STR(made->json, "items[0].service_type", "expense"); /* what it bills */
    fix_assert_number(made->json, "net_total", 108.47);
    mt_resp_free(made);
    for (int i = 0; i < 2; i++) {
        mt_resp *r = mt_getf(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld",
                             (long long)g.project, (long long)(i ? b : a));
        MT_ASSERT_STATUS(r, 200);
        assert_true(mt_json_bool(r->json, "billed"));
        MT_ASSERT_JSON_INT(r->json, "invoice_id", inv);
        mt_resp_free(r);
    }
    /* GET /invoices/{id}/expenses: the expenses it billed, rendered as project expenses */
    mt_resp *r = mt_getf(g.s, g.key, INVOICES "/%lld/expenses", (long long)inv);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    json_t *ea = fix_find_by_id(r->json, a), *eb = fix_find_by_id(r->json, b);
    assert_non_null(ea);
    assert_non_null(eb);
    mt_assert_keys(ea, EXPENSE_KEYS);
    assert_true(mt_json_bool(ea, "billed"));
    MT_ASSERT_JSON_INT(ea, "invoice_id", inv);
    fix_assert_number(ea, "price", 89.97);
    fix_assert_number(eb, "price", 18.5);
    MT_ASSERT_JSON_INT(ea, "project.id", g.project);
    MT_ASSERT_JSON_INT(ea, "company.id", g.customer);
    MT_ASSERT_JSON_NULL(ea, "purchase_id");
    mt_resp *one = mt_getf(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld", (long long)g.project,
                           (long long)a);
    fix_assert_json_equal(ea, one->json);
    mt_resp_free(one);
    mt_resp_free(r);
    /* across projects, billed ones are filtered as such */
    r = mt_getf(g.s, g.key, "/api/v1/projects/expenses?billed=true&ids=%lld,%lld", (long long)a,
                (long long)b);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);
    /* billed once only */
    r = post_invoice(g.key, expense_item(fix_fmt("%lld", (long long)a)), NULL);
    fix_assert_422(r, "items[0].expense_ids");
    mt_resp_free(r);
    /* a billed expense is locked */
    r = mt_requestf(g.s, "PUT", g.key, "{\"unit_price\":1}", "/api/v1/projects/%lld/expenses/%lld",
                    (long long)g.project, (long long)a);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld", (long long)g.project,
                   (long long)b);
    fix_assert_422(r, "billed");
    mt_resp_free(r);
    /* expenses of another customer, of another project of the invoice's customer, disregarded
     * ones and ones that do not exist are not this invoice's */
    json_int_t stranger_project =
        fix_create_project_as(g.s, g.key, "Expense stranger", "INV-X1", g.admin, g.other_customer);
    json_int_t sibling_project =
        fix_create_project_as(g.s, g.key, "Expense sibling", "INV-X2", g.admin, g.customer);
    json_int_t foreign = expense_on(stranger_project, "Foreign", "1", "1");
    json_int_t sibling = expense_on(sibling_project, "Sibling", "1", "1");
    json_int_t waived = expense_on(g.project, "Waived", "1", "1");
    fix_expect_status(
        g.s, "POST", g.key,
        fix_fmt("{\"expense_ids\":[%lld],\"reason\":\"courtesy\"}", (long long)waived), 200,
        "/api/v1/projects/%lld/expenses/disregard", (long long)g.project);
    const json_int_t refused[] = {foreign, sibling, waived, 987654};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        r = post_invoice(g.key, expense_item(fix_fmt("%lld", (long long)refused[i])),
                         draft_of_project);
        fix_assert_422(r, "items[0].expense_ids");
        mt_resp_free(r);
    }
    /* the sibling project's expense is the customer's: an invoice without a project takes it */
    json_int_t loose =
        create_invoice(expense_item(fix_fmt("%lld", (long long)sibling)), "\"status\":\"draft\"");
    /* an invoice without expenses has none; invoicing's, like the invoice */
    r = mt_getf(g.s, g.key, INVOICES "/%lld/expenses",
                (long long)create_invoice("[{\"type\":\"item\",\"title\":\"A\",\"net_total\":1}]",
                                          "\"status\":\"draft\""));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Ewa", "Employee", &emp_key);
    r = mt_getf(g.s, emp_key, INVOICES "/%lld/expenses", (long long)inv);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(emp_key);
    r = mt_getf(g.s, fix_other_key(g.s), INVOICES "/%lld/expenses", (long long)inv);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    /* the drafts go: their expenses are billable again (the disregarded one stays billed) */
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)inv);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)loose);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    const json_int_t released[] = {a, b, sibling};
    for (size_t i = 0; i < 3; i++) {
        r = mt_getf(g.s, g.key, "/api/v1/projects/expenses?ids=%lld", (long long)released[i]);
        MT_ASSERT_STATUS(r, 200);
        assert_false(mt_json_bool(r->json, "[0].billed"));
        MT_ASSERT_JSON_NULL(r->json, "[0].invoice_id");
        mt_resp_free(r);
    }
    r = mt_getf(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld", (long long)g.project,
                (long long)waived);
    assert_true(mt_json_bool(r->json, "billed"));
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld/expenses", (long long)inv);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    /* and a new invoice bills them, with time of the same project */
    json_int_t t = track(900);
    json_int_t again = create_invoice(
        fix_fmt("[{\"type\":\"item\",\"title\":\"All\",\"net_total\":10,\"activity_ids\":[%lld],"
                "\"expense_ids\":[%lld,%lld]}]",
                (long long)t, (long long)a, (long long)b),
        draft_of_project);
    r = mt_getf(g.s, g.key, INVOICES "/%lld/expenses", (long long)again);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, INVOICES "/%lld/timesheet", (long long)again);
    assert_int_equal(json_array_size(r->json), 1);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, INVOICES "/%lld", (long long)again);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_are_exact_to_the_cent),
        cmocka_unit_test(test_totals_at_every_vat_rate),
        cmocka_unit_test(test_subtotals),
        cmocka_unit_test(test_identifiers_come_from_the_sequence),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_billing_activities_and_releasing_them),
        cmocka_unit_test(test_status_locked_and_deletes),
        cmocka_unit_test(test_list_filters_and_shape),
        cmocka_unit_test(test_payments_settle_the_invoice),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_send_email),
        cmocka_unit_test(test_reminders),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_bookkeeping_exports),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_billing_expenses_and_releasing_them),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
