/*
 * API tests of offers (sections/offers.md): create with items (totals exact to the cent, the
 * optional lines left out), identifiers A<yymm>-<n> from the account's sequence, create from a
 * deal and from a project (company and currency follow), assign, update_status (the documented
 * states only), the PDF (qpdf, pdftotext), send_email into the mail log, the list's filters and
 * what it leaves out, permissions (sales) and tenants.
 *
 * One server for the file (group fixture).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFERS "/api/v1/offers"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, customer, other_customer, project, deal, contact;
} g;

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start("--webhook-allow-private"); /* the hook of test_web_hooks: 127.0.0.1:9 */
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Angebot AG");
    g.other_customer = fix_create_company_as(g.s, g.key, "customer", "Andere GmbH");
    g.project = fix_create_project_as(g.s, g.key, "Offered project", "OFF-1", g.admin, g.customer);
    g.deal = fix_create_deal(g.s, g.key, "Shop Locator", g.admin);
    mt_resp *r = mt_requestf(g.s, "PUT", g.key,
                             fix_fmt("{\"company_id\":%lld}", (long long)g.other_customer),
                             "/api/v1/deals/%lld", (long long)g.deal);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    g.contact = fix_create_contact(g.s, g.key, "Peter", "Muster");
    r = mt_requestf(g.s, "PUT", g.key, "{\"work_email\":\"peter@angebot.test\"}",
                    "/api/v1/contacts/people/%lld", (long long)g.contact);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_stop(g.s);
    fix_free_strings();
    return 0;
}

/* POST /offers on the project with the given items (JSON array text); extra (JSON members, may
 * be NULL) adds fields or replaces the usual ones. */
static mt_resp *post_offer(const char *key, const char *items, const char *extra)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:f}", "project_id", (json_int_t)g.project,
                             "recipient_address", "Angebot AG\nWeg 1", "date", "2026-11-30",
                             "due_date", "2026-12-30", "title", "Offer - Shop", "tax", 19.0);
    fix_body_merge(body, items, extra);
    return mt_request_json(g.s, "POST", OFFERS, key, body, NULL);
}

static json_int_t create_offer(const char *items, const char *extra)
{
    mt_resp *r = post_offer(g.key, items, extra);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

#define ONE "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]"

static void test_totals_and_shape(void **state)
{
    (void)state;
    static char items[8192];
    size_t n = (size_t)snprintf(items, sizeof items, "[{\"type\":\"title\",\"title\":\"Stunden\"}");
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(items + n, sizeof items - n,
                              ",{\"type\":\"item\",\"title\":\"Line %d\",\"quantity\":0.75,"
                              "\"unit\":\"d\",\"unit_price\":1234.57,\"unit_cost\":800}",
                              i);
    snprintf(items + n, sizeof items - n,
             ",{\"type\":\"description\",\"description\":\"Master data can be added.\"}"
             ",{\"type\":\"item\",\"title\":\"Hosting\",\"net_total\":0.01,\"additional\":true}"
             ",{\"type\":\"item\",\"title\":\"Maybe\",\"net_total\":1000,\"optional\":true}]");
    mt_resp *r = post_offer(g.key, items,
                            "\"discount\":10,\"salutation\":\"Hallo\",\"footer\":\"Bye\","
                            "\"tags\":[\"Print\"],\"contact_id\":0");
    /* contact_id 0 is no contact */
    fix_assert_422(r, "contact_id");
    mt_resp_free(r);
    r = post_offer(g.key, items,
                   "\"discount\":10,\"salutation\":\"Hallo\",\"footer\":\"Bye\","
                   "\"tags\":[\"Print\"]");
    MT_ASSERT_STATUS(r, 200);
    /* lines: 0.75 x 1234.57 = 925.9275 -> 925.93; x 30 = 27777.90; + 0.01 = 27777.91;
     * discount 10 % = 2777.791 -> 2777.79; net 25000.12; VAT 19 % = 4750.0228 -> 4750.02;
     * gross 29750.14 */
    fix_assert_number(r->json, "net_total", 25000.12);
    fix_assert_number(r->json, "gross_total", 29750.14);
    fix_assert_number(r->json, "tax", 19.0);
    fix_assert_number(r->json, "vat.tax", 19.0);
    fix_assert_number(r->json, "discount", 10.0);
    fix_assert_number(r->json, "items[1].net_total", 925.93);
    fix_assert_number(r->json, "items[1].quantity", 0.75);
    fix_assert_number(r->json, "items[1].unit_cost", 800);
    assert_int_equal(mt_json_len(r->json, "items"), 34);
    MT_ASSERT_JSON_STR(r->json, "items[31].type", "description");
    MT_ASSERT_JSON_STR(r->json, "items[32].service_type", "expense");
    MT_ASSERT_JSON_STR(r->json, "items[1].service_type", "service");
    assert_true(mt_json_bool(r->json, "items[33].optional"));
    assert_false(mt_json_bool(r->json, "items[1].optional"));
    mt_assert_keys(mt_json_get(r->json, "items[0]"),
                   "id,type,title,description,quantity,unit,unit_price,unit_cost,net_total,"
                   "optional,service_type,revenue_category");
    MT_ASSERT_JSON_STR(r->json, "status", "created");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR"); /* the project's */
    MT_ASSERT_JSON_STR(r->json, "salutation", "Hallo");
    MT_ASSERT_JSON_INT(r->json, "company.id", g.customer);
    MT_ASSERT_JSON_STR(r->json, "company.name", "Angebot AG");
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    MT_ASSERT_JSON_STR(r->json, "project.identifier", "OFF-1");
    assert_true(json_is_null(mt_json_get(r->json, "deal")));
    assert_true(json_is_null(mt_json_get(r->json, "invoice_id")));
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin);
    fix_assert_json_eq(mt_json_get(r->json, "tags"), "[\"Print\"]", r);
    mt_assert_keys(r->json,
                   "id,identifier,invoice_id,date,due_date,title,recipient_address,currency,"
                   "net_total,tax,vat,gross_total,discount,status,salutation,footer,tags,"
                   "custom_properties,company,project,deal,user,offer_confirmation,"
                   "customer_approval,items,created_at,updated_at");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* GET answers the same */
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "gross_total", 29750.14);
    assert_int_equal(mt_json_len(r->json, "items"), 34);
    mt_resp_free(r);
}

static void test_identifiers_come_from_the_sequence(void **state)
{
    (void)state;
    mt_resp *a = post_offer(g.key, ONE, NULL);
    mt_resp *b = post_offer(g.key, ONE, "\"identifier\":\"MINE-1\"");
    MT_ASSERT_STATUS(a, 200);
    MT_ASSERT_STATUS(b, 200);
    const char *ia = mt_json_str(a->json, "identifier"), *ib = mt_json_str(b->json, "identifier");
    /* A<yymm>-<n>: the month of today, each number once; not input */
    assert_int_equal(strlen(ia), strlen("A2612-001"));
    assert_true(ia[0] == 'A' && ia[5] == '-');
    assert_int_equal(strncmp(ia, ib, 6), 0);
    assert_int_equal(atoi(ib + 6), atoi(ia + 6) + 1);
    mt_resp_free(a);
    mt_resp_free(b);
}

static void test_create_from_deal_and_project(void **state)
{
    (void)state;
    /* from the deal: its company, its currency */
    mt_resp *r = mt_request(g.s, "POST", OFFERS, g.key,
                            fix_fmt("{\"deal_id\":%lld,\"recipient_address\":\"Acme\\r\\nPark "
                                    "Avenue\",\"date\":\"2019-05-10\",\"due_date\":\"2019-06-08\","
                                    "\"title\":\"Offer - Shop Locator\",\"tax\":8.0,\"items\":"
                                    "[{\"type\":\"title\",\"title\":\"Stunden\"},{\"type\":"
                                    "\"item\",\"title\":\"MailChimp\",\"quantity\":1,\"unit\":"
                                    "\"Std\",\"unit_price\":100.0}]}",
                                    (long long)g.deal),
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "deal.id", g.deal);
    MT_ASSERT_JSON_STR(r->json, "deal.name", "Shop Locator");
    MT_ASSERT_JSON_INT(r->json, "company.id", g.other_customer);
    assert_true(json_is_null(mt_json_get(r->json, "project")));
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    fix_assert_number(r->json, "net_total", 100);
    fix_assert_number(r->json, "gross_total", 108);
    mt_resp_free(r);
    /* from the project: its customer overrides the company given */
    r = post_offer(g.key, ONE, fix_fmt("\"company_id\":%lld", (long long)g.other_customer));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "company.id", g.customer);
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    mt_resp_free(r);
    /* the currency must be the project's */
    r = post_offer(g.key, ONE, "\"currency\":\"CHF\"");
    fix_assert_422(r, "currency");
    mt_resp_free(r);
    /* no company, deal nor project: the currency is needed */
    r = post_offer(g.key, ONE, "\"project_id\":null");
    fix_assert_422(r, "currency");
    mt_resp_free(r);
    r = post_offer(g.key, ONE, "\"project_id\":null,\"currency\":\"EUR\"");
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_is_null(mt_json_get(r->json, "company")));
    mt_resp_free(r);
    /* bad input names the field */
    r = post_offer(g.key, "[]", NULL);
    fix_assert_422(r, "items");
    mt_resp_free(r);
    r = post_offer(g.key, "[{\"type\":\"weird\"}]", NULL);
    fix_assert_422(r, "items[0].type");
    mt_resp_free(r);
    r = post_offer(g.key, ONE, "\"due_date\":\"2026-11-01\"");
    fix_assert_422(r, "due_date");
    mt_resp_free(r);
    r = post_offer(g.key, ONE, "\"tax\":101");
    fix_assert_422(r, "tax");
    mt_resp_free(r);
    r = post_offer(g.key, ONE, "\"project_id\":999999");
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
    r = post_offer(g.key, ONE, "\"status\":\"paid\"");
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", OFFERS, g.key, "{\"items\":[]}", NULL);
    fix_assert_422_fields(r, "recipient_address,date,due_date,title,tax");
    mt_resp_free(r);
    /* no update through PUT (MOCO has none) */
    json_int_t id = create_offer(ONE, NULL);
    r = mt_requestf(g.s, "PUT", g.key, "{\"title\":\"x\"}", OFFERS "/%lld", (long long)id);
    assert_true(r->status == 404 || r->status == 405);
    mt_resp_free(r);
}

static void test_assign(void **state)
{
    (void)state;
    json_int_t id = create_offer(ONE, "\"project_id\":null,\"currency\":\"EUR\"");
    const char *path = fix_fmt(OFFERS "/%lld/assign", (long long)id);
    mt_resp *r = mt_request(g.s, "PUT", path, g.key,
                            fix_fmt("{\"deal_id\":%lld,\"company_id\":%lld}", (long long)g.deal,
                                    (long long)g.other_customer),
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "deal.id", g.deal);
    MT_ASSERT_JSON_INT(r->json, "company.id", g.other_customer);
    assert_true(json_is_null(mt_json_get(r->json, "project")));
    mt_resp_free(r);
    /* the project's company overrides the company given */
    r = mt_request(g.s, "PUT", path, g.key,
                   fix_fmt("{\"project_id\":%lld,\"company_id\":%lld}", (long long)g.project,
                           (long long)g.other_customer),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    MT_ASSERT_JSON_INT(r->json, "company.id", g.customer);
    MT_ASSERT_JSON_INT(r->json, "deal.id", g.deal);
    mt_resp_free(r);
    r = mt_request(g.s, "PUT", path, g.key, "{\"project_id\":999999}", NULL);
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
    r = mt_request(g.s, "PUT", path, g.key, "{\"deal_id\":\"x\"}", NULL);
    fix_assert_422(r, "deal_id");
    mt_resp_free(r);
    r = mt_request(g.s, "PUT", path, g.key, "{}", NULL);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);
    /* another account's project is not there */
    json_int_t foreign = fix_create_company_as(g.s, fix_other_key(g.s), "customer", "Fremd");
    r = mt_request(g.s, "PUT", path, g.key, fix_fmt("{\"company_id\":%lld}", (long long)foreign),
                   NULL);
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
}

static void test_update_status(void **state)
{
    (void)state;
    json_int_t id = create_offer(ONE, NULL);
    const char *path = fix_fmt(OFFERS "/%lld/update_status", (long long)id);
    const char *states[] = {"sent",   "accepted", "partially_billed",
                            "billed", "archived", "created"};
    for (int i = 0; i < 6; i++) {
        mt_resp *r =
            mt_request(g.s, "PUT", path, g.key, fix_fmt("{\"status\":\"%s\"}", states[i]), NULL);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_STR(r->json, "status", states[i]);
        mt_resp_free(r);
    }
    mt_resp *r = mt_request(g.s, "PUT", path, g.key, "{\"status\":\"paid\"}", NULL);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_request(g.s, "PUT", path, g.key, "{}", NULL);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "status", "created");
    mt_resp_free(r);
}

static void test_list_filters_and_shape(void **state)
{
    (void)state;
    json_int_t a = create_offer(ONE, "\"date\":\"2025-01-10\",\"due_date\":\"2025-02-10\","
                                     "\"title\":\"Needle\"");
    json_int_t b = create_offer(ONE, fix_fmt("\"date\":\"2025-01-20\",\"due_date\":\"2025-02-20\","
                                             "\"project_id\":null,\"deal_id\":%lld",
                                             (long long)g.deal));
    json_int_t c = create_offer(ONE, "\"date\":\"2025-03-01\",\"due_date\":\"2025-03-20\"");
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"accepted\"}",
                             OFFERS "/%lld/update_status", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    const char *jan = OFFERS "?from=2025-01-01&to=2025-01-31";
    fix_assert_list_of(g.s, g.key, jan, a, b);
    fix_assert_list_of(g.s, g.key, OFFERS "?from=2025-01-15&to=2025-03-31", b, c);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=accepted", jan), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=accepted,created", jan), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&term=needle", jan), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&deal_id=%lld", jan, (long long)g.deal), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&project_id=%lld", jan, (long long)g.project), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&company_id=%lld", jan, (long long)g.customer), a);
    fix_assert_list_of(
        g.s, g.key,
        fix_fmt("%s&company_id=%lld,%lld", jan, (long long)g.customer, (long long)g.other_customer),
        a, b);
    mt_resp *one = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)a);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(OFFERS "?identifier=%s", mt_json_str(one->json, "identifier")), a);
    mt_resp_free(one);
    r = mt_get(g.s, fix_fmt("%s&sort_by=date%%20desc", jan), g.key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "[0].id", b);
    json_t *first = json_array_get(r->json, 1);
    /* the list leaves out salutation, footer and items */
    const char *hidden[] = {"salutation", "footer", "items"};
    for (int i = 0; i < 3; i++)
        assert_false(mt_json_has(first, hidden[i]));
    assert_true(mt_json_has(first, "identifier"));
    mt_resp_free(r);
    r = mt_get(g.s, OFFERS "?deal_id=x", g.key);
    fix_assert_422(r, "deal_id");
    mt_resp_free(r);
}

/* GET /offers/{id}.pdf: a valid A4 PDF whose text shows the identifier, the address, the
 * items and the totals, umlauts and the euro sign included. */
static void test_pdf(void **state)
{
    (void)state;
    mt_resp *c = post_offer(g.key,
                            "[{\"type\":\"title\",\"title\":\"Aufwände\"},{\"type\":\"item\","
                            "\"title\":\"Größere Änderungen\",\"quantity\":2.5,\"unit\":\"d\","
                            "\"unit_price\":1500},{\"type\":\"item\",\"title\":\"Pauschale €\","
                            "\"net_total\":250}]",
                            "\"recipient_address\":\"Beispiel GmbH\\nPeter Muster\\n12345 "
                            "Köln\",\"salutation\":\"Hallo Peter<br><br>Folgende &amp; mehr\"");
    MT_ASSERT_STATUS(c, 200);
    json_int_t id = mt_json_int(c->json, "id");
    char *identifier = strdup(mt_json_str(c->json, "identifier"));
    mt_resp_free(c);
    /* net 4000.00 (2.5 x 1500 + 250), VAT 19 % 760.00, gross 4760.00 */
    const char *want[] = {identifier,        "Beispiel GmbH",      "12345 Köln",  "Aufwände",
                          "Folgende & mehr", "Größere Änderungen", "Pauschale €", "3750.00",
                          "4000.00 EUR",     "760.00 EUR",         "4760.00 EUR"};
    fix_assert_pdf(g.s, g.key, fix_fmt(OFFERS "/%lld.pdf", (long long)id), want,
                   sizeof want / sizeof want[0]);
    free(identifier);
    mt_resp *r = mt_getf(g.s, fix_other_key(g.s), OFFERS "/%lld.pdf", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* POST /offers/{id}/send_email: the mail with the PDF and the placeholders filled goes into the
 * outbox (the mail log); a created offer is sent. */
static void test_send_email(void **state)
{
    (void)state;
    mt_resp *c = post_offer(g.key, "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":100}]",
                            fix_fmt("\"contact_id\":%lld", (long long)g.contact));
    MT_ASSERT_STATUS(c, 200);
    json_int_t id = mt_json_int(c->json, "id");
    char *identifier = strdup(mt_json_str(c->json, "identifier"));
    mt_resp_free(c);
    const char *path = fix_fmt(OFFERS "/%lld/send_email", (long long)id);
    mt_resp *r = mt_request(g.s, "POST", path, g.key, "{\"emails_to\":\"a@example.test\"}", NULL);
    fix_assert_422_fields(r, "subject,text");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key,
                   "{\"emails_to\":\"a@example.test;b@example.test\",\"emails_bcc\":"
                   "\"c@example.test\",\"subject\":\"Angebot {identifier}\",\"text\":\"Total "
                   "{gross_total} for {company_name}. {me}, {me_email}. {unknown}\"}",
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "emails_to", "a@example.test;b@example.test");
    assert_true(json_is_null(mt_json_get(r->json, "emails_cc")));
    MT_ASSERT_JSON_STR(r->json, "emails_bcc", "c@example.test");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, OFFERS "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "status", "sent");
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/account/mails?per_page=100", g.key);
    MT_ASSERT_STATUS(r, 200);
    json_t *mail = fix_find_by_str(r->json, "subject", fix_fmt("Angebot %s", identifier));
    assert_non_null(mail);
    MT_ASSERT_JSON_STR(mail, "to[0]", "a@example.test");
    MT_ASSERT_JSON_STR(mail, "to[1]", "b@example.test");
    MT_ASSERT_JSON_STR(mail, "body",
                       "Total 119.00 EUR for Angebot AG. Ada Admin, admin@acme.test. {unknown}");
    MT_ASSERT_JSON_STR(mail, "attachments[0].filename", fix_fmt("%s.pdf", identifier));
    assert_true(mt_json_int(mail, "attachments[0].size") > 1000);
    mt_resp_free(r);
    /* without recipients: the offer's contact */
    r = mt_request(g.s, "POST", path, g.key, "{\"subject\":\"Again {title}\",\"text\":\"t\"}",
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "emails_to", "peter@angebot.test");
    mt_resp_free(r);
    r = mt_get(g.s, "/api/v1/account/mails?per_page=100", g.key);
    mail = fix_find_by_str(r->json, "subject", "Again Offer - Shop");
    assert_non_null(mail);
    MT_ASSERT_JSON_STR(mail, "to[0]", "peter@angebot.test");
    mt_resp_free(r);
    free(identifier);
    /* no recipient given nor known: 422 */
    json_int_t bare = create_offer(ONE, NULL);
    r = mt_request(g.s, "POST", fix_fmt(OFFERS "/%lld/send_email", (long long)bare), g.key,
                   "{\"subject\":\"s\",\"text\":\"t\"}", NULL);
    fix_assert_422(r, "emails_to");
    mt_resp_free(r);
}

static void test_permissions_and_tenants(void **state)
{
    (void)state;
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Olga", "Employee", &emp_key);
    json_int_t id = create_offer(ONE, NULL);
    /* sales is not an employee's */
    mt_resp *r = mt_getf(g.s, emp_key, OFFERS "/%lld", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_get(g.s, OFFERS, emp_key);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = post_offer(emp_key, ONE, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", emp_key, "{\"status\":\"sent\"}", OFFERS "/%lld/update_status",
                    (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_getf(g.s, emp_key, OFFERS "/%lld.pdf", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(emp_key);
    const char *read = fix_read_key(g.s);
    r = mt_getf(g.s, read, OFFERS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = post_offer(read, ONE, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", read, "{\"status\":\"sent\"}", OFFERS "/%lld/update_status",
                    (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    /* another account sees nothing of it */
    const char *other = fix_other_key(g.s);
    r = mt_getf(g.s, other, OFFERS "/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(g.s, "PUT", other, "{\"status\":\"sent\"}", OFFERS "/%lld/update_status",
                    (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_get(g.s, OFFERS, other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    /* nor can it put its offer on this account's project */
    r = mt_request(g.s, "POST", OFFERS, other,
                   fix_fmt("{\"project_id\":%lld,\"recipient_address\":\"x\",\"date\":"
                           "\"2026-11-30\",\"due_date\":\"2026-12-30\",\"title\":\"T\",\"tax\":19,"
                           "\"items\":" ONE "}",
                           (long long)g.project),
                   NULL);
    fix_assert_422(r, "project_id");
    mt_resp_free(r);
}

/* GET, POST /offers/{id}/attachments, DELETE /offers/{id}/attachments/{id}: PDFs kept with the
 * offer, served from their link. */
static void test_attachments(void **state)
{
    (void)state;
    json_int_t id = create_offer(ONE, NULL);
    const char *path = fix_fmt(OFFERS "/%lld/attachments", (long long)id);
    /* "%PDF-1.4\n%offer attachment\n" */
    const char *pdf = "JVBERi0xLjQKJW9mZmVyIGF0dGFjaG1lbnQK";
    mt_resp *r = mt_request(
        g.s, "POST", path, g.key,
        fix_fmt("{\"attachment\":{\"filename\":\"terms.pdf\",\"base64\":\"%s\"}}", pdf), NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id,filename,size,url,created_at,updated_at");
    MT_ASSERT_JSON_STR(r->json, "filename", "terms.pdf");
    MT_ASSERT_JSON_INT(r->json, "size", 27);
    json_int_t att = mt_json_int(r->json, "id");
    const char *link = strstr(mt_json_str(r->json, "url"), "/files/");
    assert_non_null(link);
    char *files = strdup(link);
    mt_resp *f = mt_get(g.s, files, NULL);
    MT_ASSERT_STATUS(f, 200);
    assert_int_equal(f->body_len, 27);
    assert_memory_equal(f->body, "%PDF-1.4\n%offer attachment\n", 27);
    mt_resp_free(f);
    mt_resp_free(r);
    r = mt_get(g.s, path, g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", att);
    MT_ASSERT_JSON_STR(r->json, "[0].filename", "terms.pdf");
    mt_resp_free(r);
    /* only PDFs; the object as documented */
    r = mt_request(g.s, "POST", path, g.key,
                   "{\"attachment\":{\"filename\":\"x.txt\",\"base64\":\"aGFsbG8=\"}}", NULL);
    fix_assert_422(r, "attachment");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key, "{\"attachment\":\"JVBERi0=\"}", NULL);
    fix_assert_422(r, "attachment");
    mt_resp_free(r);
    r = mt_request(g.s, "POST", path, g.key, "{}", NULL);
    fix_assert_422(r, "attachment");
    mt_resp_free(r);
    /* neither another account nor an employee sees or changes them */
    r = mt_get(g.s, path, fix_other_key(g.s));
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(g.s, fix_other_key(g.s), "%s/%lld", path, (long long)att);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Anna", "Employee", &emp_key);
    r = mt_get(g.s, path, emp_key);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(emp_key);
    /* it goes, and its file with it */
    r = mt_deletef(g.s, g.key, "%s/%lld", path, (long long)att);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_get(g.s, path, g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    r = mt_get(g.s, files, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    free(files);
}

/* Web hooks with the target Offer hear an offer's create and its status change. */
static void test_web_hooks(void **state)
{
    (void)state;
    json_int_t hook = mt_create(g.s, "/api/v1/account/web_hooks", g.key,
                                "{\"target\":\"Offer\",\"event\":\"update\",\"hook\":"
                                "\"http://127.0.0.1:9/offers\"}");
    json_int_t id = create_offer(ONE, NULL);
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"status\":\"accepted\"}",
                             OFFERS "/%lld/update_status", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries", (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1); /* the update, not the create */
    MT_ASSERT_JSON_STR(r->json, "[0].target", "Offer");
    MT_ASSERT_JSON_STR(r->json, "[0].event", "update");
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_and_shape),
        cmocka_unit_test(test_identifiers_come_from_the_sequence),
        cmocka_unit_test(test_create_from_deal_and_project),
        cmocka_unit_test(test_assign),
        cmocka_unit_test(test_update_status),
        cmocka_unit_test(test_list_filters_and_shape),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_send_email),
        cmocka_unit_test(test_permissions_and_tenants),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_web_hooks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
