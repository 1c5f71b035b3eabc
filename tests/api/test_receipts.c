/*
 * API tests of receipts (sections/receipts.md): the five endpoints, the documented shape (items
 * with their VAT code, the project with its company, the user), money exact to the cent, the
 * validation problems naming their field, the receipt's file (upload, download by its URL,
 * replacement, the size limits), the filters, who sees and changes whose receipts, the refund
 * rule of DELETE and tenant isolation. One server for the file (group fixture).
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECEIPTS "/api/v1/receipts"
#define KEYS                                                                                       \
    "id,title,date,billable,pending,gross_total,currency,items,project,refund_request,info,user,"  \
    "attachment_url,created_at,updated_at"

/* a 1x1 PNG */
static const char png_b64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
                              "hQGAhKmMIQAAAABJRU5ErkJggg==";

static struct {
    mt_server *s;
    const char *admin;
    json_int_t admin_id;
    json_int_t customer, project;
    json_int_t vat19, vat7, vat_inactive; /* purchase VAT codes of acme */
    json_int_t travel, office;            /* two of acme's purchase categories */
    char *emp_key, *book_key, *audit_key, *ro_key;
    json_int_t emp, book, audit;
} g;

/* The id of acme's purchase VAT code of this tax (percent), not reverse charge, and active or not.
 */
static json_int_t vat_code(double tax, bool active)
{
    mt_resp *r = mt_get(g.s, "/api/v1/vat_code_purchases?reverse_charge=false", g.admin);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = 0;
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v) if (!id && mt_json_real(v, "tax") == tax &&
                                          mt_json_bool(v, "active") == active) id =
        mt_json_int(v, "id");
    mt_resp_free(r);
    assert_true(id > 0);
    return id;
}

/* A role of acme written to the database (the API has no way): purchases and time tracking as
 * given, nothing else. */
static void add_role(const char *name, const char *purchases, const char *time_tracking)
{
    mt_sql_exec(g.s, fix_fmt("INSERT INTO user_roles (account_id, created_at, updated_at, name, "
                             "is_default, is_admin, perm_report, perm_companies, perm_contacts, "
                             "perm_people, perm_purchases, perm_settings, perm_sales, "
                             "perm_projects, perm_calendar, perm_time_tracking, perm_invoicing) "
                             "VALUES ((SELECT id FROM accounts WHERE subdomain = '" MT_ACCOUNT
                             "'), '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '%s', '0', '0', "
                             "'none', 'none', 'none', 'none', '%s', 'none', 'none', 'read', "
                             "'none', '%s', 'none')",
                             name, purchases, time_tracking));
}

static int setup(void **state)
{
    g.s = mt_start(NULL);
    *state = g.s;
    g.admin = mt_admin_key(g.s);
    g.admin_id = fix_session_user_id(g.s, g.admin);
    g.customer = mt_create(g.s, "/api/v1/companies", g.admin,
                           "{\"name\":\"Acme Inc.\",\"type\":\"customer\",\"currency\":\"CHF\"}");
    g.project =
        mt_create(g.s, "/api/v1/projects", g.admin,
                  fix_fmt("{\"name\":\"Intern/Admin\",\"currency\":\"CHF\",\"fixed_price\":false,"
                          "\"retainer\":false,\"billable\":"
                          "false,\"leader_id\":%lld,\"customer_id\":%lld}",
                          (long long)g.admin_id, (long long)g.customer));
    g.vat19 = vat_code(19.0, true);
    g.vat7 = vat_code(7.0, true);
    mt_resp *cats = mt_get(g.s, "/api/v1/purchases/categories", mt_admin_key(g.s));
    MT_ASSERT_STATUS(cats, 200);
    g.travel = mt_json_int(cats->json, "[0].id");
    g.office = mt_json_int(cats->json, "[1].id");
    mt_resp_free(cats);
    g.vat_inactive = vat_code(16.0, false);
    add_role("Bookkeeper", "full", "full");
    add_role("Auditor", "read", "full");
    g.emp = fix_user_with_role(g.s, "Emma", "Employee", &g.emp_key);
    g.book = fix_user_with_role(g.s, "Bruno", "Bookkeeper", &g.book_key);
    g.audit = fix_user_with_role(g.s, "Alma", "Auditor", &g.audit_key);
    fix_user_with_role(g.s, "Rolf", "Read-only", &g.ro_key);
    return 0;
}

static int teardown(void **state)
{
    free(g.emp_key);
    free(g.book_key);
    free(g.audit_key);
    free(g.ro_key);
    fix_free_strings();
    return fix_teardown(state);
}

/* A receipt body: one item of gross at the 19 % code, plus the members of extra (JSON text of
 * members, may be empty). */
static const char *body(const char *title, const char *date, const char *gross, const char *extra)
{
    return fix_fmt("{\"date\":\"%s\",\"title\":\"%s\",\"currency\":\"EUR\",\"items\":[{"
                   "\"vat_code_id\":%lld,\"gross_total\":%s}]%s%s}",
                   date, title, (long long)g.vat19, gross, *extra ? "," : "", extra);
}

static json_int_t create(const char *key, const char *b)
{
    return mt_create(g.s, RECEIPTS, key, b);
}

static void assert_shape(const json_t *v)
{
    mt_assert_keys(v, KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "title", JSON_STRING);
    MT_ASSERT_DATE(v, "date");
    MT_ASSERT_JSON_TYPE(v, "billable", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "pending", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "gross_total", JSON_REAL);
    MT_ASSERT_JSON_TYPE(v, "currency", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "items", JSON_ARRAY);
    json_t *items = json_object_get(v, "items");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        mt_assert_keys(item, "id,gross_total,vat,purchase_category");
        MT_ASSERT_JSON_TYPE(item, "gross_total", JSON_REAL);
        mt_assert_keys(json_object_get(item, "vat"), "id,tax,reverse_charge,intra_eu");
        MT_ASSERT_JSON_TYPE(item, "vat.id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(item, "vat.tax", JSON_REAL);
        MT_ASSERT_JSON_TYPE(item, "vat.reverse_charge", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(item, "vat.intra_eu", MT_JSON_BOOL);
        json_t *cat = json_object_get(item, "purchase_category");
        if (!json_is_null(cat)) {
            mt_assert_keys(cat, "id,name");
            MT_ASSERT_JSON_TYPE(item, "purchase_category.id", JSON_INTEGER);
            MT_ASSERT_JSON_TYPE(item, "purchase_category.name", JSON_STRING);
        }
    }
    json_t *project = json_object_get(v, "project");
    if (!json_is_null(project)) {
        mt_assert_keys(project, "id,name,billable,company");
        MT_ASSERT_JSON_TYPE(project, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(project, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(project, "billable", MT_JSON_BOOL);
        mt_assert_keys(json_object_get(project, "company"), "id,name");
    }
    MT_ASSERT_JSON_NULL(v, "refund_request");
    MT_ASSERT_JSON_TYPE(v, "info", JSON_STRING);
    mt_assert_keys(json_object_get(v, "user"), "id,firstname,lastname");
    fix_assert_type_or_null(v, "attachment_url", JSON_STRING);
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

static void delete_ok(const char *key, json_int_t id)
{
    mt_resp *r = mt_deletef(g.s, key, RECEIPTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
}

/* ---- CRUD and shape ------------------------------------------------------------------------ */

static void test_receipt_create_documented_body(void **state)
{
    (void)state;
    const char *b = fix_fmt(
        "{\"date\":\"2020-02-02\",\"title\":\"Lunch with coworkers\",\"currency\":\"CHF\","
        "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":99.90},{\"vat_code_id\":%lld,"
        "\"gross_total\":\"0.15\"},{\"vat_code_id\":%lld,\"gross_total\":0.05}],\"project_id\":"
        "%lld,\"info\":\"Teamlunch mit Peter\",\"billable\":true,\"attachment\":{\"filename\":"
        "\"receipt.png\",\"base64\":\"%s\"}}",
        (long long)g.vat19, (long long)g.vat7, (long long)g.vat19, (long long)g.project, png_b64);
    mt_resp *r = mt_post(g.s, RECEIPTS, g.admin, b);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Lunch with coworkers");
    MT_ASSERT_JSON_STR(r->json, "date", "2020-02-02");
    MT_ASSERT_JSON_STR(r->json, "currency", "CHF");
    MT_ASSERT_JSON_STR(r->json, "info", "Teamlunch mit Peter");
    assert_true(mt_json_bool(r->json, "billable"));
    assert_false(mt_json_bool(r->json, "pending"));
    /* 99.90 + 0.15 + 0.05, exact: 100.1 */
    assert_non_null(strstr(r->body, "\"gross_total\":100.1,"));
    assert_int_equal(mt_json_len(r->json, "items"), 3);
    fix_assert_real_eq(r->json, "items[0].gross_total", 99.9);
    fix_assert_real_eq(r->json, "items[1].gross_total", 0.15);
    MT_ASSERT_JSON_INT(r->json, "items[0].vat.id", g.vat19);
    fix_assert_real_eq(r->json, "items[0].vat.tax", 19.0);
    MT_ASSERT_JSON_INT(r->json, "items[1].vat.id", g.vat7);
    fix_assert_real_eq(r->json, "items[1].vat.tax", 7.0);
    assert_false(mt_json_bool(r->json, "items[0].vat.reverse_charge"));
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    MT_ASSERT_JSON_STR(r->json, "project.name", "Intern/Admin");
    assert_false(mt_json_bool(r->json, "project.billable"));
    MT_ASSERT_JSON_INT(r->json, "project.company.id", g.customer);
    MT_ASSERT_JSON_STR(r->json, "project.company.name", "Acme Inc.");
    MT_ASSERT_JSON_INT(r->json, "user.id", g.admin_id);
    const char *url = fix_fmt("%s", mt_json_str(r->json, "attachment_url"));
    assert_non_null(strstr(url, "/receipt.png"));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_getf(g.s, g.admin, RECEIPTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    assert_non_null(strstr(r->body, "\"gross_total\":100.1,"));
    MT_ASSERT_JSON_STR(r->json, "attachment_url", url);
    mt_resp_free(r);
    delete_ok(g.admin, id);
}

static void test_receipt_money_exact(void **state)
{
    (void)state;
    /* 0.1 + 0.2 is 0.3 to the cent, not 0.30000000000000004 */
    json_int_t id = create(
        g.admin, fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"Cents\",\"currency\":\"EUR\","
                         "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":0.1},{\"vat_code_id\":"
                         "%lld,\"gross_total\":0.2}]}",
                         (long long)g.vat19, (long long)g.vat19));
    mt_resp *r = mt_getf(g.s, g.admin, RECEIPTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(r->body, "\"gross_total\":0.3,"));
    mt_resp_free(r);
    /* large amounts stay exact */
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.admin,
                 fix_fmt("{\"items\":[{\"vat_code_id\":%lld,\"gross_total\":\"1234567890.99\"},"
                         "{\"vat_code_id\":%lld,\"gross_total\":0.01}]}",
                         (long long)g.vat19, (long long)g.vat7));
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(r->body, "\"gross_total\":1234567891.0,"));
    mt_resp_free(r);
    /* more decimals than cents: refused, not rounded */
    fix_expect_422(
        g.s, "PATCH", g.admin,
        fix_fmt("{\"items\":[{\"vat_code_id\":%lld,\"gross_total\":12.345}]}", (long long)g.vat19),
        "items[0].gross_total", RECEIPTS "/%lld", (long long)id);
    delete_ok(g.admin, id);
}

static void test_receipt_update(void **state)
{
    (void)state;
    json_int_t id = create(g.admin, body("Taxi", "2021-03-01", "12.30",
                                         fix_fmt("\"project_id\":%lld", (long long)g.project)));
    /* fields as on create; items given replace all of them */
    mt_resp *r = mt_patch(
        g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.admin,
        fix_fmt("{\"title\":\"Taxi to the customer\",\"date\":\"2021-03-02\",\"currency\":\"CHF\","
                "\"info\":\"late\",\"billable\":true,\"items\":[{\"vat_code_id\":%lld,"
                "\"gross_total\":109.90},{\"vat_code_id\":%lld,\"gross_total\":5}]}",
                (long long)g.vat7, (long long)g.vat19));
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Taxi to the customer");
    MT_ASSERT_JSON_STR(r->json, "date", "2021-03-02");
    MT_ASSERT_JSON_STR(r->json, "currency", "CHF");
    MT_ASSERT_JSON_STR(r->json, "info", "late");
    assert_true(mt_json_bool(r->json, "billable"));
    assert_int_equal(mt_json_len(r->json, "items"), 2);
    MT_ASSERT_JSON_INT(r->json, "items[0].vat.id", g.vat7);
    assert_non_null(strstr(r->body, "\"gross_total\":114.9,"));
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(g.s, fix_fmt("SELECT COUNT(*) FROM receipt_items WHERE "
                                             "receipt_id = %lld",
                                             (long long)id)),
                     2);

    /* without items they stay; the project can be taken away */
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.admin,
                 "{\"title\":\"Taxi\",\"project_id\":null}");
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "items"), 2);
    assert_non_null(strstr(r->body, "\"gross_total\":114.9,"));
    MT_ASSERT_JSON_NULL(r->json, "project");
    mt_resp_free(r);

    /* a refused change of the items changes nothing */
    fix_expect_422(g.s, "PATCH", g.admin,
                   fix_fmt("{\"title\":\"Never\",\"items\":[{\"vat_code_id\":%lld,\"gross_total\":"
                           "1},{\"vat_code_id\":999999,\"gross_total\":2}]}",
                           (long long)g.vat19),
                   "items[1].vat_code_id", RECEIPTS "/%lld", (long long)id);
    fix_expect_422(g.s, "PATCH", g.admin, "{\"items\":[]}", "items", RECEIPTS "/%lld",
                   (long long)id);
    r = mt_getf(g.s, g.admin, RECEIPTS "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "title", "Taxi");
    assert_int_equal(mt_json_len(r->json, "items"), 2);
    mt_resp_free(r);

    fix_expect_status(g.s, "PATCH", g.admin, "{\"title\":\"x\"}", 404, RECEIPTS "/999999");
    delete_ok(g.admin, id);
}

static void test_receipt_validation(void **state)
{
    (void)state;
    const char *item = fix_fmt("[{\"vat_code_id\":%lld,\"gross_total\":1}]", (long long)g.vat19);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"title\":\"t\",\"currency\":\"EUR\",\"items\":%s}", item), "date",
                   RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"currency\":\"EUR\",\"items\":%s}", item),
                   "title", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"t\",\"items\":%s}", item),
                   "currency", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\"}", "items",
                   RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\",\"items\":[]}",
                   "items", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin, body("t", "2021-13-01", "1", ""), "date", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"euro\","
                           "\"items\":%s}",
                           item),
                   "currency", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin, body("t", "2021-01-01", "\"lots\"", ""),
                   "items[0].gross_total", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\",\"items\":[{"
                   "\"vat_code_id\":1}]}",
                   "items[0].gross_total", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   "{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\",\"items\":[{"
                   "\"vat_code_id\":null,\"gross_total\":1}]}",
                   "items[0].vat_code_id", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\","
                           "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":1}]}",
                           (long long)g.vat_inactive),
                   "items[0].vat_code_id", RECEIPTS);
    fix_expect_422(
        g.s, "POST", g.admin,
        "{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\",\"items\":[\"x\"]}",
        "items[0]", RECEIPTS);
    /* "currently has to be the same for all items" */
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\","
                           "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":1,"
                           "\"purchase_category_id\":%lld},{\"vat_code_id\":%lld,\"gross_total\":1,"
                           "\"purchase_category_id\":%lld}]}",
                           (long long)g.vat19, (long long)g.travel, (long long)g.vat19,
                           (long long)g.office),
                   "items", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin, body("t", "2021-01-01", "1", "\"project_id\":999999"),
                   "project_id", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin, body("t", "2021-01-01", "1", "\"billable\":\"yes\""),
                   "billable", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   body("t", "2021-01-01", "1", "\"attachment\":{\"filename\":\"a.pdf\"}"),
                   "attachment", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   body("t", "2021-01-01", "1",
                        "\"attachment\":{\"filename\":\"a.pdf\",\"base64\":\"!!not base64!!\"}"),
                   "attachment", RECEIPTS);
    fix_expect_422(g.s, "POST", g.admin,
                   body("t", "2021-01-01", "1",
                        "\"attachment\":{\"filename\":\"../a.pdf\",\"base64\":\"JVBERi0xLjQK\"}"),
                   "attachment", RECEIPTS);
    /* several problems are named at once */
    mt_resp *r = mt_post(g.s, RECEIPTS, g.admin, "{\"currency\":\"EUR\",\"items\":[]}");
    fix_assert_422(r, "date");
    fix_assert_422(r, "title");
    fix_assert_422(r, "items");
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM receipts"), 0);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM receipt_items"), 0);
}

/* ---- the file ------------------------------------------------------------------------------- */

static void assert_file(const char *url, const char *content, size_t len, const char *type)
{
    mt_resp *r = mt_get(g.s, url, NULL); /* the secret link needs no key */
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", type);
    assert_int_equal(r->body_len, len);
    assert_memory_equal(r->body, content, len);
    mt_resp_free(r);
}

static void assert_gone(const char *url)
{
    mt_resp *r = mt_get(g.s, url, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_receipt_file_round_trip(void **state)
{
    (void)state;
    static const unsigned char png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
        0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
        0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50, 0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9,
        0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    mt_resp *r = mt_post(
        g.s, RECEIPTS, g.emp_key,
        body("Photo", "2021-04-01", "5",
             fix_fmt("\"attachment\":{\"filename\":\"scan 1.png\",\"base64\":\"%s\"}", png_b64)));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    char *png_url = fix_fmt("%s", mt_json_str(r->json, "attachment_url"));
    assert_non_null(strstr(png_url, "/scan%201.png"));
    mt_resp_free(r);
    assert_file(png_url, (const char *)png, sizeof png, "image/png");

    /* a new file replaces the old one, whose link goes */
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.emp_key,
                 "{\"attachment\":{\"filename\":\"document.pdf\",\"base64\":\"JVBERi0xLjQK\"}}");
    MT_ASSERT_STATUS(r, 200);
    char *pdf_url = fix_fmt("%s", mt_json_str(r->json, "attachment_url"));
    mt_resp_free(r);
    assert_string_not_equal(pdf_url, png_url);
    assert_file(pdf_url, "%PDF-1.4\n", 9, "application/pdf");
    assert_gone(png_url);

    /* other changes keep it; null takes it away */
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.emp_key, "{\"title\":\"Scan\"}");
    MT_ASSERT_JSON_STR(r->json, "attachment_url", pdf_url);
    mt_resp_free(r);
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.emp_key, "{\"attachment\":null}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "attachment_url");
    mt_resp_free(r);
    assert_gone(pdf_url);

    /* the file goes with its receipt */
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)id), g.emp_key,
                 "{\"attachment\":{\"filename\":\"document.pdf\",\"base64\":\"JVBERi0xLjQK\"}}");
    pdf_url = fix_fmt("%s", mt_json_str(r->json, "attachment_url"));
    mt_resp_free(r);
    delete_ok(g.emp_key, id);
    assert_gone(pdf_url);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM attachments WHERE entity LIKE "
                                     "'Receipt%'"),
                     0);
}

static void test_receipt_file_size_limits(void **state)
{
    (void)state;
    /* 5 MiB decoded is the limit: one byte more is a 422 naming the attachment */
    size_t n = 5 * 1024 * 1024 + 3; /* a multiple of 3: base64 without padding */
    size_t b64 = n / 3 * 4;
    char *big = malloc(b64 + 1);
    memset(big, 'A', b64);
    big[b64] = '\0';
    mt_resp *r =
        mt_post(g.s, RECEIPTS, g.admin,
                body("Big", "2021-05-01", "1",
                     fix_fmt("\"attachment\":{\"filename\":\"big.pdf\",\"base64\":\"%s\"}", big)));
    fix_assert_422(r, "attachment");
    assert_non_null(strstr(r->body, "5 MiB"));
    mt_resp_free(r);
    free(big);

    /* exactly 5 MiB is kept */
    n = 5 * 1024 * 1024 - 2; /* a multiple of 3 */
    b64 = n / 3 * 4;
    big = malloc(b64 + 1);
    memset(big, 'A', b64);
    big[b64] = '\0';
    r = mt_post(g.s, RECEIPTS, g.admin,
                body("Big", "2021-05-01", "1",
                     fix_fmt("\"attachment\":{\"filename\":\"big.bin\",\"base64\":\"%s\"}", big)));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp *f = mt_get(g.s, mt_json_str(r->json, "attachment_url"), NULL);
    MT_ASSERT_STATUS(f, 200);
    assert_int_equal(f->body_len, n);
    mt_resp_free(f);
    mt_resp_free(r);
    free(big);
    delete_ok(g.admin, id);

    /* a request body over 10 MiB is refused before it is read */
    b64 = 11 * 1024 * 1024;
    big = malloc(b64 + 1);
    memset(big, 'A', b64);
    big[b64] = '\0';
    r = mt_post(g.s, RECEIPTS, g.admin,
                body("Huge", "2021-05-01", "1",
                     fix_fmt("\"attachment\":{\"filename\":\"huge.pdf\",\"base64\":\"%s\"}", big)));
    MT_ASSERT_STATUS(r, 413);
    mt_resp_free(r);
    free(big);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM receipts"), 0);
}

/* ---- lists and filters ---------------------------------------------------------------------- */

static void test_receipt_filters(void **state)
{
    (void)state;
    json_int_t a = create(g.admin, body("A", "2021-06-01", "1",
                                        fix_fmt("\"project_id\":%lld", (long long)g.project)));
    json_int_t b = create(g.admin, body("B", "2021-06-15", "2", ""));
    json_int_t c = create(g.emp_key, body("C", "2021-06-30", "3", ""));
    json_int_t d = create(g.emp_key, body("D", "2021-07-01", "4", ""));
    json_int_t e = create(
        g.admin,
        fix_fmt("{\"date\":\"2021-06-20\",\"title\":\"E\",\"currency\":\"EUR\",\"items\":"
                "[{\"vat_code_id\":%lld,\"gross_total\":1,\"purchase_category_id\":%lld},"
                "{\"vat_code_id\":%lld,\"gross_total\":2.5,\"purchase_category_id\":%lld}]}",
                (long long)g.vat19, (long long)g.travel, (long long)g.vat7, (long long)g.travel));
    /* a refund request of c, as MOCO's would note it (mocod makes none) */
    mt_sql_exec(
        g.s, fix_fmt("UPDATE receipts SET refund_request_id = 266 WHERE id = %lld", (long long)c));

    /* by date, then id */
    json_int_t all[] = {a, b, e, c, d};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS, all, 5);
    json_int_t june[] = {a, b, e, c};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?from=2021-06-01&to=2021-06-30", june, 4);
    json_int_t later[] = {e, c, d};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?from=2021-06-16", later, 3);
    json_int_t proj[] = {a};
    fix_assert_list_ids(g.s, g.admin, fix_fmt(RECEIPTS "?project_id=%lld", (long long)g.project),
                        proj, 1);
    json_int_t emp[] = {c, d};
    fix_assert_list_ids(g.s, g.admin, fix_fmt(RECEIPTS "?user_id=%lld", (long long)g.emp), emp, 2);
    json_int_t cat[] = {e};
    fix_assert_list_ids(g.s, g.admin,
                        fix_fmt(RECEIPTS "?purchase_category_id=%lld,987654", (long long)g.travel),
                        cat, 1);
    fix_assert_list_ids(
        g.s, g.admin, fix_fmt(RECEIPTS "?purchase_category_id=%lld", (long long)g.office), NULL, 0);
    /* the category is rendered, and must be one of the account's */
    mt_resp *one = mt_getf(g.s, g.admin, RECEIPTS "/%lld", (long long)e);
    MT_ASSERT_STATUS(one, 200);
    MT_ASSERT_JSON_INT(one->json, "items[0].purchase_category.id", g.travel);
    assert_true(json_is_string(mt_json_get(one->json, "items[0].purchase_category.name")));
    mt_resp_free(one);
    fix_expect_422(g.s, "POST", g.admin,
                   fix_fmt("{\"date\":\"2021-01-01\",\"title\":\"t\",\"currency\":\"EUR\","
                           "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":1,"
                           "\"purchase_category_id\":987654}]}",
                           (long long)g.vat19),
                   "items[0].purchase_category_id", RECEIPTS);
    json_int_t refunded[] = {c};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?refund_request_id=123,266", refunded, 1);
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?submitted=true", refunded, 1);
    json_int_t open[] = {a, b, e, d};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?submitted=false", open, 4);
    json_int_t sorted[] = {d, e, c, b, a}; /* 4, 3.5, 3, 2, 1 */
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?sort_by=gross_total%20desc", sorted, 5);
    json_int_t term[] = {d};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS "?term=D", term, 1);

    fix_expect_422(g.s, "GET", g.admin, NULL, "submitted", RECEIPTS "?submitted=maybe");
    fix_expect_422(g.s, "GET", g.admin, NULL, "refund_request_id", RECEIPTS "?refund_request_id=x");
    fix_expect_422(g.s, "GET", g.admin, NULL, "purchase_category_id",
                   RECEIPTS "?purchase_category_id=a,b");
    fix_expect_422(g.s, "GET", g.admin, NULL, "from", RECEIPTS "?from=June");

    mt_resp *r = mt_get(g.s, RECEIPTS, g.admin);
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v) assert_shape(v);
    mt_resp_free(r);

    /* requested for refund: it stays */
    fix_expect_422(g.s, "DELETE", g.admin, NULL, "refund_request", RECEIPTS "/%lld", (long long)c);
    mt_sql_exec(
        g.s, fix_fmt("UPDATE receipts SET refund_request_id = NULL WHERE id = %lld", (long long)c));
    json_int_t ids[] = {a, b, c, d, e};
    for (int k = 0; k < 5; k++)
        delete_ok(g.admin, ids[k]);
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 404, RECEIPTS "/%lld", (long long)a);
    fix_expect_status(g.s, "GET", g.admin, NULL, 404, RECEIPTS "/%lld", (long long)a);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM receipt_items"), 0);
}

/* ---- whose receipts ---------------------------------------------------------------------------
 */

static void test_receipt_own_and_all(void **state)
{
    (void)state;
    json_int_t mine = create(g.emp_key, body("Mine", "2021-08-01", "10", ""));
    json_int_t admins = create(g.admin, body("Admin's", "2021-08-02", "20", ""));
    json_int_t books = create(g.book_key, body("Bruno's", "2021-08-03", "30", ""));

    /* the acting user is the receipt's user */
    mt_resp *r = mt_getf(g.s, g.emp_key, RECEIPTS "/%lld", (long long)mine);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Emma");
    mt_resp_free(r);

    /* a person sees and changes only their own */
    json_int_t own[] = {mine};
    fix_assert_list_ids(g.s, g.emp_key, RECEIPTS, own, 1);
    fix_assert_list_ids(g.s, g.emp_key, fix_fmt(RECEIPTS "?user_id=%lld", (long long)g.admin_id),
                        NULL, 0);
    fix_expect_status(g.s, "GET", g.emp_key, NULL, 404, RECEIPTS "/%lld", (long long)admins);
    fix_expect_status(g.s, "PATCH", g.emp_key, "{\"title\":\"x\"}", 404, RECEIPTS "/%lld",
                      (long long)admins);
    fix_expect_status(g.s, "DELETE", g.emp_key, NULL, 404, RECEIPTS "/%lld", (long long)admins);
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)mine), g.emp_key,
                 "{\"title\":\"Mine, changed\"}");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* the purchases area sees everybody's; changing them needs it in full */
    json_int_t all[] = {mine, admins, books};
    fix_assert_list_ids(g.s, g.admin, RECEIPTS, all, 3);
    fix_assert_list_ids(g.s, g.audit_key, RECEIPTS, all, 3);
    fix_assert_list_ids(g.s, g.ro_key, RECEIPTS, all, 3);
    fix_assert_list_ids(g.s, g.book_key, RECEIPTS, all, 3);
    fix_expect_error(g.s, "PATCH", g.audit_key, "{\"title\":\"x\"}", 403, RECEIPTS "/%lld",
                     (long long)mine);
    fix_expect_error(g.s, "DELETE", g.audit_key, NULL, 403, RECEIPTS "/%lld", (long long)mine);
    fix_expect_error(g.s, "PATCH", g.ro_key, "{\"title\":\"x\"}", 403, RECEIPTS "/%lld",
                     (long long)mine);
    fix_expect_error(g.s, "POST", g.ro_key, body("x", "2021-08-01", "1", ""), 403, RECEIPTS);
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)mine), g.book_key,
                 "{\"title\":\"Checked\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp); /* still Emma's */
    mt_resp_free(r);
    r = mt_patch(g.s, fix_fmt(RECEIPTS "/%lld", (long long)mine), g.admin,
                 "{\"title\":\"Checked twice\"}");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(g.s, g.emp_key, RECEIPTS "/%lld", (long long)mine);
    MT_ASSERT_JSON_STR(r->json, "title", "Checked twice");
    mt_resp_free(r);

    /* the user is never taken from the body */
    r = mt_post(g.s, RECEIPTS, g.emp_key,
                body("Sneaky", "2021-08-04", "1", fix_fmt("\"user_id\":%lld", (long long)g.book)));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    json_int_t sneaky = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* an account key records receipts only for the user it impersonates */
    char *account = mt_account_key(g.s, MT_ACCOUNT, "full");
    r = mt_post(g.s, RECEIPTS, account, body("Nobody's", "2021-08-05", "1", ""));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    char imp[64];
    snprintf(imp, sizeof imp, "X-IMPERSONATE-USER-ID: %lld", (long long)g.emp);
    const char *hdr[] = {imp, NULL};
    r = mt_request(g.s, "POST", RECEIPTS, account, body("Emma's via key", "2021-08-05", "1", ""),
                   hdr);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", g.emp);
    json_int_t via = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_ids(g.s, account, fix_fmt(RECEIPTS "?user_id=%lld", (long long)g.emp),
                        ((json_int_t[]){mine, sneaky, via}), 3);

    /* a read-only account key reads everything and writes nothing */
    const char *read = fix_read_key(g.s);
    fix_assert_list_ids(g.s, read, fix_fmt(RECEIPTS "?user_id=%lld", (long long)g.emp),
                        ((json_int_t[]){mine, sneaky, via}), 3);
    fix_expect_error(g.s, "DELETE", read, NULL, 403, RECEIPTS "/%lld", (long long)mine);

    /* a user with receipts stays */
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 422, "/api/v1/users/%lld", (long long)g.emp);

    free(account);
    delete_ok(g.emp_key, mine);
    delete_ok(g.emp_key, sneaky);
    delete_ok(g.book_key, via); /* another person's: the purchases area in full */
    delete_ok(g.admin, admins);
    delete_ok(g.admin, books);
}

static void test_receipt_project_rules(void **state)
{
    (void)state;
    json_int_t id = create(g.admin, body("Project", "2021-09-01", "1",
                                         fix_fmt("\"project_id\":%lld", (long long)g.project)));
    /* the project's name and customer as they are now */
    mt_resp *r = mt_put(g.s, fix_fmt("/api/v1/projects/%lld", (long long)g.project), g.admin,
                        "{\"name\":\"Intern/Verwaltung\"}");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(g.s, g.admin, RECEIPTS "/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "project.name", "Intern/Verwaltung");
    MT_ASSERT_JSON_INT(r->json, "project.company.id", g.customer);
    mt_resp_free(r);
    /* a project with receipts stays */
    fix_expect_status(g.s, "DELETE", g.admin, NULL, 422, "/api/v1/projects/%lld",
                      (long long)g.project);
    delete_ok(g.admin, id);
}

static void test_receipt_tenants(void **state)
{
    (void)state;
    const char *other = fix_other_key(g.s);
    json_int_t id = create(g.admin, body("Acme's", "2021-10-01", "1", ""));
    fix_expect_status(g.s, "GET", other, NULL, 404, RECEIPTS "/%lld", (long long)id);
    fix_expect_status(g.s, "PATCH", other, "{\"title\":\"x\"}", 404, RECEIPTS "/%lld",
                      (long long)id);
    fix_expect_status(g.s, "DELETE", other, NULL, 404, RECEIPTS "/%lld", (long long)id);
    fix_assert_list_ids(g.s, other, RECEIPTS, NULL, 0);
    /* acme's VAT codes and projects are not the other account's */
    fix_expect_422(g.s, "POST", other, body("x", "2021-10-01", "1", ""), "items[0].vat_code_id",
                   RECEIPTS);
    mt_resp *r = mt_get(g.s, "/api/v1/vat_code_purchases?active=true", other);
    json_int_t theirs = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    fix_expect_422(g.s, "POST", other,
                   fix_fmt("{\"date\":\"2021-10-01\",\"title\":\"x\",\"currency\":\"EUR\","
                           "\"items\":[{\"vat_code_id\":%lld,\"gross_total\":1}],\"project_id\":"
                           "%lld}",
                           (long long)theirs, (long long)g.project),
                   "project_id", RECEIPTS);
    /* without a code, a position gets the account's own first active one */
    r = mt_post(g.s, RECEIPTS, other,
                "{\"date\":\"2021-10-01\",\"title\":\"x\",\"currency\":\"EUR\",\"items\":[{"
                "\"gross_total\":1}]}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "items[0].vat.id", theirs);
    json_int_t mine = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_assert_list_ids(g.s, g.admin, RECEIPTS, ((json_int_t[]){id}), 1);
    delete_ok(other, mine);
    delete_ok(g.admin, id);
}

/* vat_code_id is mandatory in the docs: with strict validation it is; else a position without
 * one gets the account's first active purchase VAT code. */
static void test_receipt_vat_code_default_and_strict(void **state)
{
    (void)state;
    const char *b = "{\"date\":\"2021-11-01\",\"title\":\"No code\",\"currency\":\"EUR\","
                    "\"items\":[{\"gross_total\":3.5}]}";
    json_int_t first = mt_sql_i64(g.s, "SELECT MIN(id) FROM vat_code_purchases WHERE account_id = "
                                       "(SELECT id FROM accounts WHERE subdomain = '" MT_ACCOUNT
                                       "') AND active = 1");
    mt_resp *r = mt_post(g.s, RECEIPTS, g.admin, b);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "items[0].vat.id", first);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    free(mt_cli(g.s, "account --account %s --strict-validation on", MT_ACCOUNT));
    r = mt_post(g.s, RECEIPTS, g.admin, b);
    fix_assert_422(r, "items[0].vat_code_id");
    mt_resp_free(r);
    free(mt_cli(g.s, "account --account %s --strict-validation off", MT_ACCOUNT));
    delete_ok(g.admin, id);
}

/* Receipt is not among MOCO's web hook targets: no hook listens to receipts. */
static void test_receipt_no_web_hook_target(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g.s, "/api/v1/account/web_hooks", g.admin,
                         "{\"target\":\"Receipt\",\"event\":\"create\",\"hook\":"
                         "\"https://example.org/receipts\"}");
    fix_assert_422(r, "target");
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receipt_create_documented_body),
        cmocka_unit_test(test_receipt_money_exact),
        cmocka_unit_test(test_receipt_update),
        cmocka_unit_test(test_receipt_validation),
        cmocka_unit_test(test_receipt_file_round_trip),
        cmocka_unit_test(test_receipt_file_size_limits),
        cmocka_unit_test(test_receipt_filters),
        cmocka_unit_test(test_receipt_own_and_all),
        cmocka_unit_test(test_receipt_project_rules),
        cmocka_unit_test(test_receipt_tenants),
        cmocka_unit_test(test_receipt_vat_code_default_and_strict),
        cmocka_unit_test(test_receipt_no_web_hook_target),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
