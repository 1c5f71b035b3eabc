/*
 * API tests of purchases (sections/purchases.md) with their items, purchase categories
 * (purchase_categories.md) and purchase payments (purchase_payments.md): the shape of the
 * documented example, totals exact to the cent (tax included and excluded, several rates, many
 * items, VAT codes and the deprecated tax), numbering, every list filter, validation naming the
 * field, update (items stay), update_status, store_document (multipart/form-data built by hand,
 * and JSON) with its limits, the rules of a delete and its 200 with an empty body, payments with
 * bulk and the unpaid filter, permissions and tenants.
 *
 * One server for the file (group fixture).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PURCHASES  "/api/v1/purchases"
#define CATEGORIES "/api/v1/purchases/categories"
#define PAYMENTS   "/api/v1/purchases/payments"

#define PURCHASE_KEYS                                                                              \
    "id,identifier,receipt_identifier,title,info,iban,reference,date,due_date,"                    \
    "service_period_from,service_period_to,status,payment_method,net_total,gross_total,currency,"  \
    "file_url,custom_properties,tags,approval_status,company,payments,user,refund_request,"        \
    "credit_card_transaction,items,created_at,updated_at"
#define ITEM_KEYS                                                                                  \
    "id,title,net_total,tax_total,tax,vat,tax_included,gross_total,category,"                      \
    "supplier_credit_number,expense,receipt"
#define CATEGORY_KEYS "id,name,credit_account,active,created_at,updated_at"
#define PAYMENT_KEYS  "id,date,purchase,total,created_at,updated_at"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, supplier, other_supplier;
    json_int_t travel, office; /* categories */
    json_int_t vat19, vat7, vat_rc, vat_inactive;
} g;

/* The id of the account's purchase VAT code with this tax and reverse charge (and activity). */
static json_int_t vat_code(const char *key, double tax, bool rc, bool active)
{
    mt_resp *r = mt_get(g.s, "/api/v1/vat_code_purchases", key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = 0;
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v)
    {
        if (json_real_value(json_object_get(v, "tax")) == tax &&
            json_is_true(json_object_get(v, "reverse_charge")) == rc &&
            json_is_true(json_object_get(v, "active")) == active && !id)
            id = json_integer_value(json_object_get(v, "id"));
    }
    mt_resp_free(r);
    assert_true(id > 0);
    return id;
}

static json_int_t category(const char *name)
{
    mt_resp *r = mt_get(g.s, CATEGORIES, g.key);
    MT_ASSERT_STATUS(r, 200);
    json_t *c = fix_find_by_str(r->json, "name", name);
    assert_non_null(c);
    json_int_t id = json_integer_value(json_object_get(c, "id"));
    mt_resp_free(r);
    return id;
}

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.supplier = fix_create_company_as(g.s, g.key, "supplier", "Schweizerische Bundesbahnen SBB");
    mt_resp *r = mt_requestf(g.s, "PUT", g.key,
                             "{\"iban\":\"CH3908704016075473007\",\"credit_number\":70001}",
                             "/api/v1/companies/%lld", (long long)g.supplier);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    g.other_supplier = fix_create_company_as(g.s, g.key, "supplier", "Bürohaus GmbH");
    g.travel = category("Spesen und Reisekosten");
    g.office = category("Bürobedarf");
    g.vat19 = vat_code(g.key, 19.0, false, true);
    g.vat7 = vat_code(g.key, 7.0, false, true);
    g.vat_rc = vat_code(g.key, 19.0, true, true);
    g.vat_inactive = vat_code(g.key, 16.0, false, false);
    return 0;
}

static int group_teardown(void **state)
{
    *state = g.s;
    g.s = NULL;
    int rc = fix_teardown(state);
    fix_free_strings();
    return rc;
}

/* POST /purchases with the given items (JSON array text); extra (JSON members, may be NULL) adds
 * fields or replaces the usual ones. */
static mt_resp *post_purchase_as(const char *key, const char *items, const char *extra)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "date", "2026-11-02", "currency", "EUR",
                             "payment_method", "bank_transfer");
    fix_body_merge(body, items, extra);
    return mt_request_json(g.s, "POST", PURCHASES, key, body, NULL);
}

static json_int_t create_purchase(const char *items, const char *extra)
{
    mt_resp *r = post_purchase_as(g.key, items, extra);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static mt_resp *get_purchase(json_int_t id)
{
    mt_resp *r = mt_getf(g.s, g.key, PURCHASES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    return r;
}

/* ---- categories ---------------------------------------------------------------------------- */

static void test_categories_are_seeded_and_read_only(void **state)
{
    (void)state;
    mt_resp *r = mt_get(g.s, CATEGORIES, g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 14);
    MT_ASSERT_HEADER(r, "X-Total", "14");
    json_t *travel = fix_find_by_str(r->json, "name", "Spesen und Reisekosten");
    assert_non_null(travel);
    mt_assert_keys(travel, CATEGORY_KEYS);
    MT_ASSERT_JSON_STR(travel, "credit_account", "6640");
    assert_true(mt_json_bool(travel, "active"));
    MT_ASSERT_TIMESTAMP(travel, "created_at");
    json_t *office = fix_find_by_str(r->json, "name", "Bürobedarf");
    MT_ASSERT_JSON_STR(office, "credit_account", "6815");
    mt_resp_free(r);

    r = mt_getf(g.s, g.key, CATEGORIES "/%lld", (long long)g.travel);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, CATEGORY_KEYS);
    MT_ASSERT_JSON_STR(r->json, "name", "Spesen und Reisekosten");
    mt_resp_free(r);
    /* global filters: ids */
    fix_assert_list_of(g.s, g.key, fix_fmt(CATEGORIES "?ids=%lld", (long long)g.office), g.office);

    /* no writes */
    r = mt_post(g.s, CATEGORIES, g.key, "{\"name\":\"x\",\"credit_account\":\"1\"}");
    fix_assert_json_error(r, 405);
    mt_resp_free(r);
    r = mt_request(g.s, "DELETE", fix_fmt(CATEGORIES "/%lld", (long long)g.travel), g.key, NULL,
                   NULL);
    fix_assert_json_error(r, 405);
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, CATEGORIES "/999999");

    /* another account has its own */
    const char *other = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", other, NULL, 404, CATEGORIES "/%lld", (long long)g.travel);
    r = mt_get(g.s, CATEGORIES, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 14);
    assert_null(fix_find_by_id(r->json, g.travel));
    mt_resp_free(r);
}

/* ---- create and shape ---------------------------------------------------------------------- */

static void test_create_renders_the_documented_shape(void **state)
{
    (void)state;
    mt_resp *r = post_purchase_as(
        g.key,
        fix_fmt("[{\"title\":\"SBB Ticket\",\"total\":46,\"tax\":2.5,\"tax_included\":true,"
                "\"category_id\":%lld}]",
                (long long)g.travel),
        fix_fmt("\"receipt_identifier\":\"KK121\",\"title\":\"SBB Ticket\","
                "\"iban\":\"CH3908704016075473007\",\"service_period_from\":\"2026-11-01\","
                "\"service_period_to\":\"2026-11-02\",\"company_id\":%lld,\"tags\":"
                "[\"Transportation\"],\"currency\":\"CHF\",\"payment_method\":\"credit_card\"",
                (long long)g.supplier));
    MT_ASSERT_STATUS(r, 200);
    json_t *p = r->json;
    mt_assert_keys(p, PURCHASE_KEYS);
    /* numbered in the month of the purchase's date (2026-11-02) */
    const char *identifier = mt_json_str(p, "identifier");
    assert_int_equal(strlen(identifier), 10);
    assert_memory_equal(identifier, "E2611-", 6);
    MT_ASSERT_JSON_STR(p, "receipt_identifier", "KK121");
    MT_ASSERT_JSON_STR(p, "title", "SBB Ticket");
    MT_ASSERT_JSON_NULL(p, "info");
    MT_ASSERT_JSON_STR(p, "iban", "CH3908704016075473007");
    MT_ASSERT_JSON_NULL(p, "reference");
    MT_ASSERT_JSON_STR(p, "date", "2026-11-02");
    MT_ASSERT_JSON_NULL(p, "due_date");
    MT_ASSERT_JSON_STR(p, "service_period_from", "2026-11-01");
    MT_ASSERT_JSON_STR(p, "status", "pending");
    MT_ASSERT_JSON_STR(p, "payment_method", "credit_card");
    fix_assert_number(p, "net_total", 44.88);
    fix_assert_number(p, "gross_total", 46.0);
    MT_ASSERT_JSON_STR(p, "currency", "CHF");
    MT_ASSERT_JSON_NULL(p, "file_url");
    fix_assert_json_eq(json_object_get(p, "custom_properties"), "{}", r);
    fix_assert_json_eq(json_object_get(p, "tags"), "[\"Transportation\"]", r);
    MT_ASSERT_JSON_STR(p, "approval_status", "none");
    fix_assert_json_eq(json_object_get(p, "company"),
                       fix_fmt("{\"id\":%lld,\"name\":\"Schweizerische Bundesbahnen SBB\","
                               "\"iban\":\"CH3908704016075473007\"}",
                               (long long)g.supplier),
                       r);
    fix_assert_json_eq(json_object_get(p, "payments"), "[]", r);
    fix_assert_json_eq(
        json_object_get(p, "user"),
        fix_fmt("{\"id\":%lld,\"firstname\":\"Ada\",\"name\":\"Admin\"}", (long long)g.admin), r);
    MT_ASSERT_JSON_NULL(p, "refund_request");
    MT_ASSERT_JSON_NULL(p, "credit_card_transaction");
    assert_int_equal(mt_json_len(p, "items"), 1);
    json_t *item = mt_json_get(p, "items[0]");
    mt_assert_keys(item, ITEM_KEYS);
    MT_ASSERT_JSON_STR(item, "title", "SBB Ticket");
    fix_assert_number(item, "net_total", 44.88);
    fix_assert_number(item, "tax_total", 1.12);
    fix_assert_number(item, "tax", 2.5);
    fix_assert_json_eq(json_object_get(item, "vat"),
                       "{\"tax\":2.5,\"reverse_charge\":false,\"intra_eu\":false,\"active\":true,"
                       "\"code\":\"\"}",
                       r);
    assert_true(mt_json_bool(item, "tax_included"));
    fix_assert_number(item, "gross_total", 46.0);
    fix_assert_json_eq(json_object_get(item, "category"),
                       fix_fmt("{\"id\":%lld,\"name\":\"Spesen und Reisekosten\","
                               "\"credit_account\":\"6640\"}",
                               (long long)g.travel),
                       r);
    MT_ASSERT_JSON_INT(item, "supplier_credit_number", 70001);
    MT_ASSERT_JSON_NULL(item, "expense");
    MT_ASSERT_JSON_NULL(item, "receipt");
    MT_ASSERT_TIMESTAMP(p, "created_at");
    json_int_t id = mt_json_int(p, "id");
    char *first = strdup(identifier);
    mt_resp_free(r);

    /* GET answers the same; the next purchase gets the next number */
    r = get_purchase(id);
    MT_ASSERT_JSON_STR(r->json, "identifier", first);
    mt_assert_keys(mt_json_get(r->json, "items[0]"), ITEM_KEYS);
    mt_resp_free(r);
    r = post_purchase_as(g.key,
                         "[{\"title\":\"Pens\",\"total\":3,\"tax\":19},"
                         "{\"title\":\"Paper\",\"total\":4,\"tax\":19}]",
                         NULL);
    MT_ASSERT_STATUS(r, 200);
    long n = strtol(first + 6, NULL, 10);
    MT_ASSERT_JSON_STR(r->json, "identifier", fix_fmt("E2611-%04ld", n + 1));
    /* without a title: the items' */
    MT_ASSERT_JSON_STR(r->json, "title", "Pens, Paper");
    /* the deprecated tax finds the account's code of that rate */
    MT_ASSERT_JSON_STR(r->json, "items[0].vat.code", "9");
    MT_ASSERT_JSON_NULL(r->json, "company");
    MT_ASSERT_JSON_NULL(r->json, "iban");
    MT_ASSERT_JSON_NULL(r->json, "items[0].supplier_credit_number");
    mt_resp_free(r);
    /* the supplier's IBAN, unless the purchase has its own */
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":19}]",
                         fix_fmt("\"company_id\":%lld", (long long)g.supplier));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "iban", "CH3908704016075473007");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":19}]",
                         fix_fmt("\"company_id\":%lld,\"iban\":null", (long long)g.supplier));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "iban");
    mt_resp_free(r);
    free(first);
}

/* ---- totals -------------------------------------------------------------------------------- */

static void test_totals_are_exact_to_the_cent(void **state)
{
    (void)state;
    /* gross 100 at 19 % included: 100 / 1.19 = 84.0336 -> 84.03, tax 15.97; 0.05 at 19 %
     * included: 0.0420 -> 0.04, tax 0.01; 10 at 7 % excluded: tax 0.70; 0.07 at 7 % excluded:
     * 0.0049 -> 0.00; 0.15 at 19 % excluded: 0.0285 -> 0.03; 0.50 at 7 % excluded: 0.035 ->
     * 0.04 (half away from zero), -0.50 likewise -0.04; reverse charge: no tax on the amount;
     * 0 % from the deprecated tax */
    const char *items =
        fix_fmt("[{\"title\":\"a\",\"total\":100,\"vat_code_id\":%lld,\"tax_included\":true},"
                "{\"title\":\"b\",\"total\":0.05,\"vat_code_id\":%lld},"
                "{\"title\":\"c\",\"total\":10,\"vat_code_id\":%lld,\"tax_included\":false},"
                "{\"title\":\"d\",\"total\":\"0.07\",\"vat_code_id\":%lld,\"tax_included\":false},"
                "{\"title\":\"e\",\"total\":0.15,\"tax\":19,\"tax_included\":false},"
                "{\"title\":\"f\",\"total\":0.5,\"tax\":7,\"tax_included\":false},"
                "{\"title\":\"g\",\"total\":-0.5,\"tax\":7,\"tax_included\":false},"
                "{\"title\":\"h\",\"total\":100,\"vat_code_id\":%lld,\"tax_included\":false},"
                "{\"title\":\"i\",\"total\":12.34,\"tax\":0}]",
                (long long)g.vat19, (long long)g.vat19, (long long)g.vat7, (long long)g.vat7,
                (long long)g.vat_rc);
    json_int_t id = create_purchase(items, NULL);
    mt_resp *r = get_purchase(id);
    static const struct {
        double net, tax_total, gross, tax;
        bool included;
    } want[] = {
        {84.03, 15.97, 100.0, 19.0, true}, {0.04, 0.01, 0.05, 19.0, true},
        {10.0, 0.7, 10.7, 7.0, false},     {0.07, 0.0, 0.07, 7.0, false},
        {0.15, 0.03, 0.18, 19.0, false},   {0.5, 0.04, 0.54, 7.0, false},
        {-0.5, -0.04, -0.54, 7.0, false},  {100.0, 0.0, 100.0, 19.0, false},
        {12.34, 0.0, 12.34, 0.0, true},
    };
    assert_int_equal(mt_json_len(r->json, "items"), 9);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *item = mt_json_get(r->json, fix_fmt("items[%zu]", i));
        fix_assert_number(item, "net_total", want[i].net);
        fix_assert_number(item, "tax_total", want[i].tax_total);
        fix_assert_number(item, "gross_total", want[i].gross);
        fix_assert_number(item, "tax", want[i].tax);
        assert_int_equal(mt_json_bool(item, "tax_included"), want[i].included);
    }
    fix_assert_json_eq(mt_json_get(r->json, "items[7].vat"),
                       "{\"tax\":19.0,\"reverse_charge\":true,\"intra_eu\":true,\"active\":true,"
                       "\"code\":\"94\"}",
                       r);
    MT_ASSERT_JSON_STR(r->json, "items[2].vat.code", "8");
    /* sums of the lines: 84.03 + 0.04 + 10 + 0.07 + 0.15 + 0.5 - 0.5 + 100 + 12.34 net, 100 +
     * 0.05 + 10.7 + 0.07 + 0.18 + 0.54 - 0.54 + 100 + 12.34 gross */
    fix_assert_number(r->json, "net_total", 206.63);
    fix_assert_number(r->json, "gross_total", 223.34);
    mt_resp_free(r);

    /* 200 lines of 3.33 gross at 19 %: each 2.80 net (rounded per line), 560.00 in all; the
     * sum taken first would give 559.66 */
    {
        size_t cap = 200 * 64 + 8, len = 0;
        char *many = malloc(cap);
        many[len++] = '[';
        for (int i = 0; i < 200; i++)
            len += (size_t)snprintf(many + len, cap - len,
                                    "%s{\"title\":\"l%d\",\"total\":3.33,"
                                    "\"vat_code_id\":%lld}",
                                    i ? "," : "", i, (long long)g.vat19);
        many[len++] = ']';
        many[len] = '\0';
        id = create_purchase(many, NULL);
        free(many);
    }
    r = get_purchase(id);
    assert_int_equal(mt_json_len(r->json, "items"), 200);
    fix_assert_number(r->json, "items[199].net_total", 2.8);
    fix_assert_number(r->json, "items[199].tax_total", 0.53);
    fix_assert_number(r->json, "net_total", 560.0);
    fix_assert_number(r->json, "gross_total", 666.0);
    mt_resp_free(r);
}

/* ---- validation ---------------------------------------------------------------------------- */

static void test_validation_names_the_field(void **state)
{
    (void)state;
    mt_resp *r = mt_post(g.s, PURCHASES, g.key, "{}");
    fix_assert_422_fields(r, "date,currency,payment_method,items");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[]", NULL);
    fix_assert_422(r, "items");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":19}]",
                         "\"payment_method\":\"cheque\",\"currency\":\"euro\","
                         "\"due_date\":\"2026-11-01\"");
    fix_assert_422_fields(r, "payment_method,currency,due_date");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":19}]",
                         "\"service_period_from\":\"2026-11-02\","
                         "\"service_period_to\":\"2026-11-01\"");
    fix_assert_422(r, "service_period_to");
    mt_resp_free(r);
    r = post_purchase_as(g.key,
                         "[{\"title\":\"x\",\"total\":1,\"tax\":19},{\"total\":1,\"tax\":19},"
                         "{\"title\":\"z\",\"tax\":19}]",
                         NULL);
    fix_assert_422(r, "items[1].title");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"z\",\"tax\":19}]", NULL);
    fix_assert_422(r, "items[0].total");
    mt_resp_free(r);
    /* neither a VAT code nor the deprecated tax */
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1}]", NULL);
    fix_assert_422(r, "items[0].vat_code_id");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":150}]", NULL);
    fix_assert_422(r, "items[0].tax");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1.001,\"tax\":19}]", NULL);
    fix_assert_422(r, "items[0].total");
    mt_resp_free(r);
    r = post_purchase_as(
        g.key, fix_fmt("[{\"title\":\"x\",\"total\":1,\"vat_code_id\":%lld}]", (long long)g.vat19),
        NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = post_purchase_as(
        g.key,
        fix_fmt("[{\"title\":\"x\",\"total\":1,\"vat_code_id\":%lld}]", (long long)g.vat_inactive),
        NULL);
    fix_assert_422(r, "items[0].vat_code_id");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"vat_code_id\":999999}]", NULL);
    fix_assert_422(r, "items[0].vat_code_id");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":7,\"category_id\":999999}]",
                         NULL);
    fix_assert_422(r, "items[0].category_id");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":7}]",
                         "\"company_id\":999999");
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":7}]",
                         "\"file\":{\"filename\":\"a.pdf\",\"base64\":\"@@@\"}");
    fix_assert_422(r, "file");
    mt_resp_free(r);
    r = post_purchase_as(g.key, "[{\"title\":\"x\",\"total\":1,\"tax\":7}]",
                         "\"status\":\"deleted\"");
    fix_assert_422(r, "status");
    mt_resp_free(r);
    /* receipt_identifier is unique per supplier */
    const char *one = "[{\"title\":\"x\",\"total\":1,\"tax\":7}]";
    create_purchase(one, fix_fmt("\"company_id\":%lld,\"receipt_identifier\":\"INV-9\"",
                                 (long long)g.supplier));
    r = post_purchase_as(
        g.key, one,
        fix_fmt("\"company_id\":%lld,\"receipt_identifier\":\"INV-9\"", (long long)g.supplier));
    fix_assert_422(r, "receipt_identifier");
    mt_resp_free(r);
    create_purchase(one, fix_fmt("\"company_id\":%lld,\"receipt_identifier\":\"INV-9\"",
                                 (long long)g.other_supplier));
    create_purchase(one, "\"receipt_identifier\":\"INV-9\"");
    create_purchase(one, "\"receipt_identifier\":\"INV-9\"");
    /* nothing was written by the refused creates */
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM purchase_items WHERE title = 'z'"), 0);
}

/* ---- update and status --------------------------------------------------------------------- */

static void test_update_and_status(void **state)
{
    (void)state;
    json_int_t id = create_purchase("[{\"title\":\"Hotel\",\"total\":107,\"tax\":7}]", NULL);
    mt_resp *r = mt_requestf(g.s, "PUT", g.key,
                             "{\"title\":\"Hotel Bern\",\"receipt_identifier\":\"R-77\","
                             "\"info\":\"two nights\",\"reference\":\"ref\",\"status\":"
                             "\"archived\",\"items\":[{\"title\":\"ignored\",\"total\":1,"
                             "\"tax\":0}]}",
                             PURCHASES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Hotel Bern");
    MT_ASSERT_JSON_STR(r->json, "receipt_identifier", "R-77");
    MT_ASSERT_JSON_STR(r->json, "info", "two nights");
    MT_ASSERT_JSON_STR(r->json, "status", "archived");
    /* items are not updated (as documented) */
    assert_int_equal(mt_json_len(r->json, "items"), 1);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "Hotel");
    fix_assert_number(r->json, "gross_total", 107.0);
    fix_assert_number(r->json, "net_total", 100.0);
    mt_resp_free(r);
    fix_expect_422(g.s, "PUT", g.key, "{\"payment_method\":\"barter\"}", "payment_method",
                   PURCHASES "/%lld", (long long)id);

    r = mt_requestf(g.s, "PATCH", g.key, "{\"status\":\"pending\"}",
                    PURCHASES "/%lld/update_status", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"status\":\"archived\"}",
                    PURCHASES "/%lld/update_status", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "status", "archived");
    mt_resp_free(r);
    fix_expect_422(g.s, "PATCH", g.key, "{\"status\":\"paid\"}", "status",
                   PURCHASES "/%lld/update_status", (long long)id);
    fix_expect_422(g.s, "PATCH", g.key, "{}", "status", PURCHASES "/%lld/update_status",
                   (long long)id);
    fix_expect_error(g.s, "PATCH", g.key, "{\"status\":\"archived\"}", 404,
                     PURCHASES "/999999/update_status");
    r = get_purchase(id);
    MT_ASSERT_JSON_STR(r->json, "status", "archived");
    mt_resp_free(r);
}

/* ---- delete -------------------------------------------------------------------------------- */

static void test_delete_rules_and_empty_200(void **state)
{
    (void)state;
    json_int_t id = create_purchase("[{\"title\":\"x\",\"total\":1,\"tax\":7},"
                                    "{\"title\":\"y\",\"total\":2,\"tax\":7}]",
                                    NULL);
    /* archived: refused */
    mt_resp *r = mt_requestf(g.s, "PATCH", g.key, "{\"status\":\"archived\"}",
                             PURCHASES "/%lld/update_status", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, PURCHASES "/%lld", (long long)id);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = mt_requestf(g.s, "PATCH", g.key, "{\"status\":\"pending\"}",
                    PURCHASES "/%lld/update_status", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* with a payment: refused, until the payment goes */
    json_int_t pay = mt_create(
        g.s, PAYMENTS, g.key,
        fix_fmt("{\"date\":\"2026-11-03\",\"purchase_id\":%lld,\"total\":3.21}", (long long)id));
    r = mt_deletef(g.s, g.key, PURCHASES "/%lld", (long long)id);
    fix_assert_422(r, "payments");
    mt_resp_free(r);
    r = mt_deletef(g.s, g.key, PAYMENTS "/%lld", (long long)pay);
    assert_true(r->status == 204 || r->status == 200);
    mt_resp_free(r);
    /* pending, without payments: 200 with an empty body, and its items go with it */
    r = mt_deletef(g.s, g.key, PURCHASES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(r->body_len, 0);
    MT_ASSERT_HEADER(r, "Content-Length", "0");
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, PURCHASES "/%lld", (long long)id);
    assert_int_equal(mt_sql_i64(g.s, fix_fmt("SELECT COUNT(*) FROM purchase_items WHERE "
                                             "purchase_id = %lld",
                                             (long long)id)),
                     0);
    fix_expect_error(g.s, "DELETE", g.key, NULL, 404, PURCHASES "/%lld", (long long)id);
}

/* ---- documents ----------------------------------------------------------------------------- */

#define BOUNDARY "----mocodTestBoundary7MA4YWxk"

/* A multipart/form-data body of one file part (name, filename, content of n bytes) and a text
 * part, built by hand; *len gets its length. */
static char *form_body(const char *name, const char *filename, const char *content, size_t n,
                       size_t *len)
{
    const char *head = fix_fmt("preamble to ignore\r\n--" BOUNDARY "\r\n"
                               "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                               "a text part\r\n--" BOUNDARY "\r\n"
                               "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                               "Content-Type: application/pdf\r\n\r\n",
                               name, filename);
    const char *tail = "\r\n--" BOUNDARY "--\r\nepilogue";
    size_t hl = strlen(head), tl = strlen(tail);
    char *body = malloc(hl + n + tl + 1);
    memcpy(body, head, hl);
    memcpy(body + hl, content, n);
    memcpy(body + hl + n, tail, tl + 1);
    *len = hl + n + tl;
    return body;
}

static const char *const form_ct[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY,
                                      NULL};

static mt_resp *store_form(json_int_t id, const char *body, size_t len, const char *const *hdrs)
{
    return mt_request_len(g.s, "PATCH", fix_fmt(PURCHASES "/%lld/store_document", (long long)id),
                          g.key, body, len, hdrs ? hdrs : form_ct);
}

/* GET a file URL: its bytes equal want (n bytes). */
static void assert_file(const char *url, const char *want, size_t n)
{
    mt_resp *f = mt_get(g.s, url, NULL);
    MT_ASSERT_STATUS(f, 200);
    assert_int_equal(f->body_len, n);
    assert_memory_equal(f->body, want, n);
    mt_resp_free(f);
}

static void test_store_document_multipart_and_json(void **state)
{
    (void)state;
    /* created with a file in JSON ("%PDF-1.4\n") */
    json_int_t id = create_purchase("[{\"title\":\"x\",\"total\":1,\"tax\":7}]",
                                    "\"file\":{\"filename\":\"document.pdf\","
                                    "\"base64\":\"JVBERi0xLjQK\"}");
    mt_resp *r = get_purchase(id);
    const char *url = mt_json_str(r->json, "file_url");
    assert_non_null(strstr(url, "/document.pdf"));
    assert_file(url, "%PDF-1.4\n", 9);
    mt_resp_free(r);

    /* a form: binary content with NULs, CRLFs and boundary-like text that is not the boundary */
    static const char content[] = "%PDF-1.7\r\n\0\1\2--" BOUNDARY "x\r\n--not\r\nend";
    size_t n = sizeof content - 1, len;
    char *body = form_body("file", "scans/2026/receipt.pdf", content, n, &len);
    r = store_form(id, body, len, NULL);
    free(body);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, PURCHASE_KEYS);
    url = mt_json_str(r->json, "file_url");
    assert_non_null(strstr(url, "/receipt.pdf")); /* the client's path is dropped */
    assert_file(url, content, n);
    json_int_t items = (json_int_t)mt_json_len(r->json, "items");
    assert_int_equal(items, 1);
    mt_resp_free(r);

    /* the JSON form on store_document too */
    r = mt_requestf(g.s, "PATCH", g.key,
                    "{\"file\":{\"filename\":\"second.pdf\",\"base64\":\"JVBERi0yCg==\"}}",
                    PURCHASES "/%lld/store_document", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    url = mt_json_str(r->json, "file_url");
    assert_non_null(strstr(url, "/second.pdf"));
    assert_file(url, "%PDF-2\n", 7);
    mt_resp_free(r);

    /* without a file part: 422 naming file */
    const char *only_text =
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
        "x\r\n--" BOUNDARY "--\r\n";
    r = store_form(id, only_text, strlen(only_text), NULL);
    fix_assert_422(r, "file");
    mt_resp_free(r);
    fix_expect_422(g.s, "PATCH", g.key, "{}", "file", PURCHASES "/%lld/store_document",
                   (long long)id);
    fix_expect_422(g.s, "PATCH", g.key, "{\"file\":\"x.pdf\"}", "file",
                   PURCHASES "/%lld/store_document", (long long)id);
    /* malformed forms: 400 */
    const char *unclosed = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"a.pdf\"\r\n\r\nabc";
    r = store_form(id, unclosed, strlen(unclosed), NULL);
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
    const char *no_disposition =
        "--" BOUNDARY "\r\nContent-Type: text/plain\r\n\r\nabc\r\n--" BOUNDARY "--\r\n";
    r = store_form(id, no_disposition, strlen(no_disposition), NULL);
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
    static const char *const no_boundary[] = {"Content-Type: multipart/form-data", NULL};
    r = store_form(id, only_text, strlen(only_text), no_boundary);
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
    const char *twice =
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"a.pdf\"\r\n\r\nA\r\n--" BOUNDARY "\r\nContent-Disposition: "
        "form-data; name=\"file\"; filename=\"b.pdf\"\r\n\r\nB\r\n--" BOUNDARY "--\r\n";
    r = store_form(id, twice, strlen(twice), NULL);
    fix_assert_json_error(r, 400);
    mt_resp_free(r);

    /* a file of more than 5 MiB: 413; exactly 5 MiB is taken */
    size_t big = 5 * 1024 * 1024;
    char *data = malloc(big + 1);
    memset(data, 'A', big + 1);
    body = form_body("file", "big.pdf", data, big + 1, &len);
    r = store_form(id, body, len, NULL);
    free(body);
    fix_assert_json_error(r, 413);
    mt_resp_free(r);
    body = form_body("file", "five.pdf", data, big, &len);
    r = store_form(id, body, len, NULL);
    free(body);
    free(data);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(mt_json_str(r->json, "file_url"), "/five.pdf"));
    mt_resp_free(r);

    /* another account's purchase: 404, and read-only keys may not store */
    body = form_body("file", "x.pdf", "x", 1, &len);
    mt_resp *o =
        mt_request_len(g.s, "PATCH", fix_fmt(PURCHASES "/%lld/store_document", (long long)id),
                       fix_other_key(g.s), body, len, form_ct);
    fix_assert_json_error(o, 404);
    mt_resp_free(o);
    o = mt_request_len(g.s, "PATCH", fix_fmt(PURCHASES "/%lld/store_document", (long long)id),
                       fix_read_key(g.s), body, len, form_ct);
    fix_assert_json_error(o, 403);
    mt_resp_free(o);
    free(body);
}

/* ---- lists --------------------------------------------------------------------------------- */

static void test_list_filters(void **state)
{
    (void)state;
    /* a fresh set, told apart from the other tests' purchases by dates in 2019 */
    json_int_t a = create_purchase(
        fix_fmt("[{\"title\":\"Zugticket Basel\",\"total\":46,\"tax\":2.5,\"category_id\":%lld}]",
                (long long)g.travel),
        fix_fmt("\"date\":\"2019-03-01\",\"company_id\":%lld,\"receipt_identifier\":\"RI-1\","
                "\"tags\":[\"Transportation\"],\"payment_method\":\"credit_card\"",
                (long long)g.supplier));
    json_int_t b = create_purchase(
        fix_fmt("[{\"title\":\"Druckerpapier\",\"total\":20,\"tax\":19,\"category_id\":%lld},"
                "{\"title\":\"Kugelschreiber\",\"total\":5,\"tax\":19}]",
                (long long)g.office),
        fix_fmt("\"date\":\"2019-03-15\",\"company_id\":%lld,\"receipt_identifier\":\"RI-2\","
                "\"tags\":[\"Office\",\"Restaurants\"],\"payment_method\":\"cash\"",
                (long long)g.other_supplier));
    json_int_t c = create_purchase("[{\"title\":\"Mittagessen\",\"total\":30,\"tax\":7}]",
                                   "\"date\":\"2019-04-01\",\"status\":\"archived\"");
    const char *P = PURCHASES "?date=2019-01-01:2019-12-31";
    fix_assert_list_ids(g.s, g.key, P, ((json_int_t[]){a, b, c}), 3);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&category_id=%lld", P, (long long)g.travel), a);
    fix_assert_list_of(
        g.s, g.key,
        fix_fmt("%s&category_id=%lld,%lld", P, (long long)g.travel, (long long)g.office), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&term=kugel", P), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&term=ZUGTICKET", P), a);
    fix_assert_list_empty(g.s, g.key, fix_fmt("%s&term=nothing-like-it", P));
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&company_id=%lld", P, (long long)g.supplier), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&company_id=0", P), c);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=archived", P), c);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=pending", P), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&not_booked=true", P), a, b, c);
    fix_assert_list_empty(g.s, g.key, fix_fmt("%s&not_booked=false", P));
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&tags=Restaurants,%%20Transportation", P), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&tags=Office", P), b);
    fix_assert_list_of(g.s, g.key, PURCHASES "?date=2019-03-10:2019-03-31", b);
    fix_assert_list_of(g.s, g.key, PURCHASES "?date=2019-03-20:2019-04-30", c);
    fix_assert_list_of(g.s, g.key, PURCHASES "?date_from=2019-03-01&date_to=2019-03-01", a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&payment_method=cash", P), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&receipt_identifier=RI-1", P), a);
    mt_resp *r = get_purchase(b);
    const char *ident = mt_json_str(r->json, "identifier");
    fix_assert_list_of(g.s, g.key, fix_fmt(PURCHASES "?identifier=%s", ident), b);
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&ids=%lld,%lld", P, (long long)a, (long long)c), a,
                       c);
    /* unpaid: without a payment */
    json_int_t pay = mt_create(
        g.s, PAYMENTS, g.key,
        fix_fmt("{\"date\":\"2019-03-20\",\"purchase_id\":%lld,\"total\":25}", (long long)b));
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&unpaid=true", P), a, c);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&unpaid=false", P), b);
    /* sorting and the list's items */
    fix_assert_list_order(g.s, g.key, fix_fmt("%s&sort_by=date%%20desc", P),
                          ((json_int_t[]){c, b, a}), 3);
    r = mt_get(g.s, fix_fmt("%s&ids=%lld", P, (long long)b), g.key);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(mt_json_get(r->json, "[0]"), PURCHASE_KEYS);
    assert_int_equal(mt_json_len(r->json, "[0].items"), 2);
    assert_int_equal(mt_json_len(r->json, "[0].payments"), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].payments[0].id", pay);
    mt_resp_free(r);
    /* bad filters: 422 naming them */
    fix_expect_422(g.s, "GET", g.key, NULL, "category_id", "%s&category_id=abc", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "unpaid", "%s&unpaid=maybe", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "not_booked", "%s&not_booked=1x", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "company_id", "%s&company_id=x", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "status", "%s&status=foo", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "payment_method", "%s&payment_method=cheque", P);
    fix_expect_422(g.s, "GET", g.key, NULL, "date", PURCHASES "?date=garbage");
    /* date=DAY: that day */
    fix_assert_list_of(g.s, g.key, PURCHASES "?date=2019-03-01", a);
}

/* ---- payments ------------------------------------------------------------------------------ */

static void test_payments(void **state)
{
    (void)state;
    json_int_t p = create_purchase("[{\"title\":\"Laptop\",\"total\":1999,\"tax\":19}]",
                                   "\"title\":\"Purchase – Electronics\"");
    json_int_t other = create_purchase("[{\"title\":\"Mouse\",\"total\":20,\"tax\":19}]", NULL);
    mt_resp *r = mt_post(
        g.s, PAYMENTS, g.key,
        fix_fmt("{\"date\":\"2022-03-01\",\"purchase_id\":%lld,\"total\":1999}", (long long)p));
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, PAYMENT_KEYS);
    MT_ASSERT_JSON_STR(r->json, "date", "2022-03-01");
    MT_ASSERT_JSON_STR(r->json, "total", "1999.00");
    mt_resp *pr = get_purchase(p);
    fix_assert_json_eq(json_object_get(r->json, "purchase"),
                       fix_fmt("{\"id\":%lld,\"identifier\":\"%s\",\"title\":\"Purchase – "
                               "Electronics\"}",
                               (long long)p, mt_json_str(pr->json, "identifier")),
                       r);
    json_int_t pay = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* the purchase lists it */
    mt_resp_free(pr);
    pr = get_purchase(p);
    assert_int_equal(mt_json_len(pr->json, "payments"), 1);
    MT_ASSERT_JSON_INT(pr->json, "payments[0].id", pay);
    fix_assert_number(pr->json, "payments[0].total", 1999.0);
    mt_resp_free(pr);

    r = mt_getf(g.s, g.key, PAYMENTS "/%lld", (long long)pay);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, PAYMENT_KEYS);
    mt_resp_free(r);
    /* update: the total, never the purchase */
    r = mt_requestf(g.s, "PUT", g.key,
                    fix_fmt("{\"total\":2000,\"purchase_id\":%lld}", (long long)other),
                    PAYMENTS "/%lld", (long long)pay);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "total", "2000.00");
    MT_ASSERT_JSON_INT(r->json, "purchase.id", p);
    mt_resp_free(r);

    /* bulk: all or none */
    r = mt_post(g.s, PAYMENTS "/bulk", g.key,
                fix_fmt("{\"bulk_data\":[{\"date\":\"2022-03-05\",\"total\":20,\"purchase_id\":"
                        "%lld},{\"date\":\"2022-03-06\",\"total\":1000,\"description\":"
                        "\"salaries\"}]}",
                        (long long)other));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].purchase.id", other);
    MT_ASSERT_JSON_NULL(r->json, "[1].purchase");
    MT_ASSERT_JSON_STR(r->json, "[1].total", "1000.00");
    json_int_t salaries = mt_json_int(r->json, "[1].id");
    mt_resp_free(r);
    json_int_t before = mt_sql_i64(g.s, "SELECT COUNT(*) FROM purchase_payments");
    r = mt_post(g.s, PAYMENTS "/bulk", g.key,
                "{\"bulk_data\":[{\"date\":\"2022-03-05\",\"total\":20,\"description\":\"x\"},"
                "{\"date\":\"2022-03-06\",\"total\":1000}]}");
    fix_assert_422(r, "bulk_data[1].description");
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM purchase_payments"), before);

    /* validation */
    fix_expect_422(g.s, "POST", g.key, "{\"date\":\"2022-03-01\",\"total\":5}", "description",
                   PAYMENTS);
    fix_expect_422(
        g.s, "POST", g.key,
        fix_fmt("{\"date\":\"2022-03-01\",\"total\":0,\"purchase_id\":%lld}", (long long)p),
        "total", PAYMENTS);
    fix_expect_422(g.s, "POST", g.key, fix_fmt("{\"total\":1,\"purchase_id\":%lld}", (long long)p),
                   "date", PAYMENTS);
    fix_expect_422(g.s, "POST", g.key,
                   "{\"date\":\"2022-03-01\",\"total\":1,\"purchase_id\":99999}", "purchase_id",
                   PAYMENTS);

    /* filters: purchase_id (a list), date_from, date_to */
    fix_assert_list_of(g.s, g.key, fix_fmt(PAYMENTS "?purchase_id=%lld", (long long)p), pay);
    r = mt_get(g.s, fix_fmt(PAYMENTS "?purchase_id=%lld,%lld", (long long)p, (long long)other),
               g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key, PAYMENTS "?date_from=2022-03-06&date_to=2022-03-06", salaries);
    fix_assert_list_of(g.s, g.key, PAYMENTS "?date_from=2022-03-01&date_to=2022-03-01", pay);

    /* delete */
    r = mt_deletef(g.s, g.key, PAYMENTS "/%lld", (long long)salaries);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, PAYMENTS "/%lld", (long long)salaries);

    /* tenants */
    const char *okey = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", okey, NULL, 404, PAYMENTS "/%lld", (long long)pay);
    fix_expect_422(
        g.s, "POST", okey,
        fix_fmt("{\"date\":\"2022-03-01\",\"total\":1,\"purchase_id\":%lld}", (long long)p),
        "purchase_id", PAYMENTS);
}

/* ---- bookkeeping exports ------------------------------------------------------------------- */

#define EXPORTS     "/api/v1/purchases/bookkeeping_exports"
#define EXPORT_KEYS "id,from,to,purchase_ids,comment,user,status,created_at,updated_at"

static void test_bookkeeping_exports(void **state)
{
    (void)state;
    const char *items = "[{\"title\":\"x\",\"total\":1,\"tax\":7}]";
    json_int_t a = create_purchase(items, "\"date\":\"2018-02-10\"");
    json_int_t b = create_purchase(items, "\"date\":\"2018-01-05\"");
    json_int_t c = create_purchase(items, "\"date\":\"2018-03-01\"");
    const char *P = PURCHASES "?date=2018-01-01:2018-12-31";
    mt_resp *r = mt_post(g.s, EXPORTS, g.key,
                         fix_fmt("{\"purchase_ids\":[%lld,%lld],\"comment\":\"2018\","
                                 "\"archive_after_export\":true,\"trigger_submission\":false}",
                                 (long long)a, (long long)b));
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, EXPORT_KEYS);
    MT_ASSERT_JSON_STR(r->json, "from", "2018-01-05");
    MT_ASSERT_JSON_STR(r->json, "to", "2018-02-10");
    fix_assert_json_eq(json_object_get(r->json, "purchase_ids"),
                       fix_fmt("[%lld,%lld]", (long long)a, (long long)b), r);
    MT_ASSERT_JSON_STR(r->json, "comment", "2018");
    fix_assert_json_eq(
        json_object_get(r->json, "user"),
        fix_fmt("{\"id\":%lld,\"firstname\":\"Ada\",\"lastname\":\"Admin\"}", (long long)g.admin),
        r);
    MT_ASSERT_JSON_STR(r->json, "status", "manual");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* booked and archived */
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&not_booked=false", P), a, b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&not_booked=true", P), c);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=archived", P), a, b);
    /* without archive_after_export they stay where they are */
    json_int_t e2 =
        mt_create(g.s, EXPORTS, g.key, fix_fmt("{\"purchase_ids\":[%lld]}", (long long)c));
    fix_assert_list_of(g.s, g.key, fix_fmt("%s&status=pending", P), c);
    fix_assert_list_of(g.s, g.key, EXPORTS, id, e2);
    r = mt_getf(g.s, g.key, EXPORTS "/%lld", (long long)e2);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, EXPORT_KEYS);
    MT_ASSERT_JSON_STR(r->json, "comment", "");
    mt_resp_free(r);
    /* an exported purchase is not exported again, nor deleted */
    fix_expect_422(g.s, "POST", g.key, fix_fmt("{\"purchase_ids\":[%lld]}", (long long)a),
                   "purchase_ids", EXPORTS);
    fix_expect_422(g.s, "DELETE", g.key, NULL, "id", PURCHASES "/%lld", (long long)c);
    fix_expect_422(g.s, "POST", g.key, "{\"purchase_ids\":[]}", "purchase_ids", EXPORTS);
    fix_expect_422(g.s, "POST", g.key, "{}", "purchase_ids", EXPORTS);
    fix_expect_422(g.s, "POST", g.key, "{\"purchase_ids\":[999999]}", "purchase_ids", EXPORTS);
    /* no update, no delete */
    r = mt_request(g.s, "DELETE", fix_fmt(EXPORTS "/%lld", (long long)id), g.key, NULL, NULL);
    fix_assert_json_error(r, 405);
    mt_resp_free(r);
    /* tenants and rights */
    const char *okey = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", okey, NULL, 404, EXPORTS "/%lld", (long long)id);
    fix_expect_422(g.s, "POST", okey, fix_fmt("{\"purchase_ids\":[%lld]}", (long long)c),
                   "purchase_ids", EXPORTS);
    fix_expect_error(g.s, "POST", fix_read_key(g.s),
                     fix_fmt("{\"purchase_ids\":[%lld]}", (long long)c), 403, EXPORTS);
}

/* ---- budgets ------------------------------------------------------------------------------- */

#define BUDGETS     "/api/v1/purchases/budgets"
#define BUDGET_KEYS "id,year,title,active,target,exhaused,planned,remaining"

static void test_budgets(void **state)
{
    (void)state;
    /* administrators set budgets up (mocod's addition) */
    json_int_t travel_budget =
        mt_create(g.s, "/api/v1/account/purchase_budgets", g.key,
                  fix_fmt("{\"year\":2017,\"title\":\"Betrieb – Reisen\",\"target\":1000,"
                          "\"category_ids\":[%lld,%lld]}",
                          (long long)g.travel, (long long)g.office));
    json_int_t empty = mt_create(g.s, "/api/v1/account/purchase_budgets", g.key,
                                 "{\"year\":2017,\"title\":\"Leer\",\"target\":50.5,"
                                 "\"active\":false}");
    mt_create(g.s, "/api/v1/account/purchase_budgets", g.key,
              "{\"year\":2016,\"title\":\"Old\",\"target\":1}");
    fix_expect_422(g.s, "POST", g.key, "{\"year\":20170,\"title\":\"x\",\"target\":1}", "year",
                   "/api/v1/account/purchase_budgets");
    fix_expect_422(g.s, "POST", g.key, "{\"year\":2017,\"title\":\"x\",\"target\":-1}", "target",
                   "/api/v1/account/purchase_budgets");
    fix_expect_422(g.s, "POST", g.key,
                   "{\"year\":2017,\"title\":\"x\",\"target\":1,\"category_ids\":[999999]}",
                   "category_ids", "/api/v1/account/purchase_budgets");
    /* 2017: travel 119 gross at 19 % included (100.00 net) and 10.70 at 7 % (10.00 net), office
     * 20 net excluded; one without category and one of 2018 are not counted */
    create_purchase(fix_fmt("[{\"title\":\"a\",\"total\":119,\"tax\":19,\"category_id\":%lld},"
                            "{\"title\":\"b\",\"total\":10.7,\"tax\":7,\"category_id\":%lld},"
                            "{\"title\":\"c\",\"total\":5,\"tax\":7}]",
                            (long long)g.travel, (long long)g.travel),
                    "\"date\":\"2017-06-30\"");
    create_purchase(fix_fmt("[{\"title\":\"d\",\"total\":20,\"tax\":19,\"tax_included\":false,"
                            "\"category_id\":%lld}]",
                            (long long)g.office),
                    "\"date\":\"2017-12-31\"");
    create_purchase(fix_fmt("[{\"title\":\"e\",\"total\":500,\"tax\":19,\"category_id\":%lld}]",
                            (long long)g.travel),
                    "\"date\":\"2018-01-01\"");
    mt_resp *r = mt_get(g.s, BUDGETS "?year=2017", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    json_t *b = json_array_get(r->json, 0);
    mt_assert_keys(b, BUDGET_KEYS);
    MT_ASSERT_JSON_STR(b, "id", fix_fmt("%lld", (long long)travel_budget));
    MT_ASSERT_JSON_INT(b, "year", 2017);
    MT_ASSERT_JSON_STR(b, "title", "Betrieb – Reisen");
    assert_true(mt_json_bool(b, "active"));
    fix_assert_number(b, "target", 1000.0);
    fix_assert_number(b, "exhaused", 130.0);
    fix_assert_number(b, "planned", 0.0);
    fix_assert_number(b, "remaining", 870.0);
    b = json_array_get(r->json, 1);
    MT_ASSERT_JSON_STR(b, "id", fix_fmt("%lld", (long long)empty));
    assert_false(mt_json_bool(b, "active"));
    fix_assert_number(b, "exhaused", 0.0);
    fix_assert_number(b, "remaining", 50.5);
    mt_resp_free(r);
    r = mt_get(g.s, BUDGETS "?year=2016", g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(r->json, "[0].title", "Old");
    mt_resp_free(r);
    /* without year: this year's (none) */
    r = mt_get(g.s, BUDGETS, g.key);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[]", r);
    mt_resp_free(r);
    fix_expect_422(g.s, "GET", g.key, NULL, "year", BUDGETS "?year=twenty");
    /* rights and tenants */
    char *staff = NULL;
    fix_user_with_role(g.s, "Bruno", "Staff", &staff);
    fix_expect_error(g.s, "GET", staff, NULL, 403, BUDGETS "?year=2017");
    free(staff);
    fix_expect_error(g.s, "POST", fix_read_key(g.s), "{\"year\":2017,\"title\":\"x\",\"target\":1}",
                     403, "/api/v1/account/purchase_budgets");
    r = mt_get(g.s, BUDGETS "?year=2017", fix_other_key(g.s));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[]", r);
    mt_resp_free(r);
}

/* ---- drafts -------------------------------------------------------------------------------- */

#define DRAFTS "/api/v1/purchases/drafts"
#define DRAFT_KEYS                                                                                 \
    "id,title,email_from,email_body,user,file_url,net_total,gross_total,created_at,updated_at"

static void test_drafts(void **state)
{
    (void)state;
    /* "%PDF-1.4\n" */
    mt_resp *r = mt_post(g.s, DRAFTS, g.key,
                         "{\"title\":\"Supplier invoice draft\",\"file\":{\"filename\":"
                         "\"invoice.pdf\",\"base64\":\"JVBERi0xLjQK\"}}");
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, DRAFT_KEYS);
    MT_ASSERT_JSON_STR(r->json, "title", "Supplier invoice draft");
    MT_ASSERT_JSON_NULL(r->json, "email_from");
    MT_ASSERT_JSON_NULL(r->json, "email_body");
    MT_ASSERT_JSON_NULL(r->json, "net_total");
    MT_ASSERT_JSON_NULL(r->json, "gross_total");
    fix_assert_json_eq(
        json_object_get(r->json, "user"),
        fix_fmt("{\"id\":%lld,\"firstname\":\"Ada\",\"lastname\":\"Admin\"}", (long long)g.admin),
        r);
    assert_file(mt_json_str(r->json, "file_url"), "%PDF-1.4\n", 9);
    json_int_t pdf = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* a PNG, and none */
    json_int_t png = mt_create(g.s, DRAFTS, g.key,
                               "{\"title\":\"Scan\",\"file\":{\"filename\":\"scan.png\","
                               "\"base64\":\"iVBORw0KGgo=\"}}");
    json_int_t bare = mt_create(g.s, DRAFTS, g.key, "{\"title\":\"Nothing yet\"}");
    r = mt_getf(g.s, g.key, DRAFTS "/%lld", (long long)bare);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, DRAFT_KEYS);
    MT_ASSERT_JSON_NULL(r->json, "file_url");
    mt_resp_free(r);
    fix_assert_list_of(g.s, g.key, DRAFTS, pdf, png, bare);

    /* .pdf: the document when it is a PDF, else 204 */
    r = mt_getf(g.s, g.key, DRAFTS "/%lld.pdf", (long long)pdf);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", "application/pdf");
    MT_ASSERT_HEADER(r, "Content-Disposition", "inline; filename=\"invoice.pdf\"");
    assert_int_equal(r->body_len, 9);
    assert_memory_equal(r->body, "%PDF-1.4\n", 9);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, DRAFTS "/%lld.pdf", (long long)png);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, DRAFTS "/%lld.pdf", (long long)bare);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);

    /* validation; no update */
    fix_expect_422(g.s, "POST", g.key, "{}", "title", DRAFTS);
    fix_expect_422(g.s, "POST", g.key, "{\"title\":\"x\",\"file\":{\"filename\":\"a.pdf\"}}",
                   "file", DRAFTS);
    r = mt_request(g.s, "PUT", fix_fmt(DRAFTS "/%lld", (long long)pdf), g.key, "{\"title\":\"x\"}",
                   NULL);
    fix_assert_json_error(r, 405);
    mt_resp_free(r);

    /* rights and tenants */
    char *staff = NULL;
    fix_user_with_role(g.s, "Dora", "Staff", &staff);
    fix_expect_error(g.s, "GET", staff, NULL, 403, DRAFTS);
    fix_expect_error(g.s, "GET", staff, NULL, 403, DRAFTS "/%lld.pdf", (long long)pdf);
    free(staff);
    fix_expect_error(g.s, "POST", fix_read_key(g.s), "{\"title\":\"x\"}", 403, DRAFTS);
    const char *okey = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", okey, NULL, 404, DRAFTS "/%lld", (long long)pdf);
    fix_expect_error(g.s, "GET", okey, NULL, 404, DRAFTS "/%lld.pdf", (long long)pdf);
    fix_expect_error(g.s, "DELETE", okey, NULL, 404, DRAFTS "/%lld", (long long)pdf);

    /* delete: the draft and its document go */
    r = mt_deletef(g.s, g.key, DRAFTS "/%lld", (long long)pdf);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, DRAFTS "/%lld", (long long)pdf);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, DRAFTS "/%lld.pdf", (long long)pdf);
    assert_int_equal(mt_sql_i64(g.s, fix_fmt("SELECT COUNT(*) FROM attachments WHERE entity = "
                                             "'Purchase::Draft.file_url' AND entity_id = %lld",
                                             (long long)pdf)),
                     0);
}

/* ---- web hooks ------------------------------------------------------------------------------ */

/* The deliveries of a hook for one entity: "event,event,..." in order. */
static char *events_of(json_int_t hook, json_int_t entity)
{
    mt_resp *r = mt_getf(g.s, g.key, "/api/v1/account/web_hooks/%lld/deliveries?per_page=100",
                         (long long)hook);
    MT_ASSERT_STATUS(r, 200);
    char *out = fix_fmt("%s", "");
    size_t i;
    json_t *d;
    json_array_foreach(r->json, i, d)
    {
        if (json_integer_value(json_object_get(d, "entity_id")) == entity)
            out = fix_fmt("%s%s%s", out, *out ? "," : "",
                          json_string_value(json_object_get(d, "event")));
    }
    mt_resp_free(r);
    return out;
}

static void test_web_hooks(void **state)
{
    (void)state;
    json_int_t hooks[2];
    static const char *const targets[] = {"Purchase", "Purchase::Payment"};
    for (int i = 0; i < 2; i++) {
        hooks[i] = 0;
        for (int e = 0; e < 3; e++) {
            static const char *const events[] = {"create", "update", "delete"};
            json_int_t h = mt_create(g.s, "/api/v1/account/web_hooks", g.key,
                                     fix_fmt("{\"target\":\"%s\",\"event\":\"%s\",\"hook\":"
                                             "\"http://127.0.0.1:9/purchases\"}",
                                             targets[i], events[e]));
            if (e == 0)
                hooks[i] = h;
        }
    }
    json_int_t p = create_purchase("[{\"title\":\"x\",\"total\":1,\"tax\":7}]", NULL);
    assert_string_equal(events_of(hooks[0], p), "create");
    json_int_t pay = mt_create(
        g.s, PAYMENTS, g.key,
        fix_fmt("{\"date\":\"2026-11-03\",\"purchase_id\":%lld,\"total\":1.07}", (long long)p));
    assert_string_equal(events_of(hooks[1], pay), "create");
    /* the other events come to the hooks subscribed to them: counted over all deliveries */
    json_int_t before = mt_sql_i64(g.s, "SELECT COUNT(*) FROM webhook_deliveries");
    mt_resp *r = mt_requestf(g.s, "PATCH", g.key,
                             "{\"file\":{\"filename\":\"a.pdf\",\"base64\":\"JVBERi0xLjQK\"}}",
                             PURCHASES "/%lld/store_document", (long long)p);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* store_document is one update */
    assert_int_equal(mt_sql_i64(g.s, "SELECT COUNT(*) FROM webhook_deliveries"), before + 1);
    assert_int_equal(mt_sql_i64(g.s, fix_fmt("SELECT COUNT(*) FROM webhook_deliveries WHERE "
                                             "target = 'Purchase' AND event = 'update' AND "
                                             "entity_id = %lld",
                                             (long long)p)),
                     1);
}

/* ---- permissions and tenants --------------------------------------------------------------- */

static void test_permissions_and_tenants(void **state)
{
    (void)state;
    json_int_t id = create_purchase("[{\"title\":\"x\",\"total\":1,\"tax\":7}]", NULL);
    /* Staff has no right in purchases, Read-only may read */
    char *staff = NULL, *reader = NULL;
    fix_user_with_role(g.s, "Stefan", "Staff", &staff);
    fix_user_with_role(g.s, "Rita", "Read-only", &reader);
    const char *items = "[{\"title\":\"x\",\"total\":1,\"tax\":7}]";
    fix_expect_error(g.s, "GET", staff, NULL, 403, PURCHASES);
    fix_expect_error(g.s, "GET", staff, NULL, 403, PURCHASES "/%lld", (long long)id);
    fix_expect_error(g.s, "GET", staff, NULL, 403, CATEGORIES);
    fix_expect_error(g.s, "GET", staff, NULL, 403, PAYMENTS);
    mt_resp *r = post_purchase_as(staff, items, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_get(g.s, PURCHASES, reader);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    r = post_purchase_as(reader, items, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    fix_expect_error(g.s, "PATCH", reader, "{\"status\":\"archived\"}", 403,
                     PURCHASES "/%lld/update_status", (long long)id);
    fix_expect_error(g.s, "DELETE", reader, NULL, 403, PURCHASES "/%lld", (long long)id);
    free(staff);
    free(reader);

    /* another account sees nothing of acme's and cannot reference it */
    const char *okey = fix_other_key(g.s);
    fix_expect_error(g.s, "GET", okey, NULL, 404, PURCHASES "/%lld", (long long)id);
    fix_expect_error(g.s, "PUT", okey, "{\"title\":\"x\"}", 404, PURCHASES "/%lld", (long long)id);
    fix_expect_error(g.s, "DELETE", okey, NULL, 404, PURCHASES "/%lld", (long long)id);
    r = mt_get(g.s, PURCHASES, okey);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    r = post_purchase_as(okey, items, fix_fmt("\"company_id\":%lld", (long long)g.supplier));
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = post_purchase_as(
        okey, fix_fmt("[{\"title\":\"x\",\"total\":1,\"vat_code_id\":%lld}]", (long long)g.vat19),
        NULL);
    fix_assert_422(r, "items[0].vat_code_id");
    mt_resp_free(r);
    r = post_purchase_as(okey,
                         fix_fmt("[{\"title\":\"x\",\"total\":1,\"tax\":7,\"category_id\":%lld}]",
                                 (long long)g.travel),
                         NULL);
    fix_assert_422(r, "items[0].category_id");
    mt_resp_free(r);
    /* its own numbering */
    r = post_purchase_as(okey, items, NULL);
    MT_ASSERT_STATUS(r, 200);
    const char *ident = mt_json_str(r->json, "identifier");
    assert_string_equal(ident + 6, "0001");
    mt_resp_free(r);
}

/* POST {id}/assign_to_project: an item becomes a project expense (its net total as price and
 * cost, the purchase's date), or is linked to one of the project's; each item once. */
static void test_assign_to_project(void **state)
{
    (void)state;
    json_int_t customer = fix_create_company_as(g.s, g.key, "customer", "Zuordnung AG");
    json_int_t project = fix_create_project_as(g.s, g.key, "Assigned", "PU-1", g.admin, customer);
    json_int_t id = create_purchase("[{\"title\":\"Server\",\"total\":119,\"tax\":19},"
                                    "{\"title\":\"Kabel\",\"total\":10.70,\"tax\":7},"
                                    "{\"title\":\"Rest\",\"total\":1,\"tax\":19}]",
                                    NULL);
    mt_resp *r = mt_getf(g.s, g.key, PURCHASES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    json_int_t items[3];
    for (int i = 0; i < 3; i++) {
        items[i] = mt_json_int(r->json, fix_fmt("items[%d].id", i));
        assert_true(json_is_null(mt_json_get(r->json, fix_fmt("items[%d].expense", i))));
    }
    mt_resp_free(r);
    const char *path = fix_fmt(PURCHASES "/%lld/assign_to_project", (long long)id);
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"item_id\":%lld,\"project_id\":%lld,\"billable\":false,"
                           "\"budget_relevant\":true,\"surcharge\":true}",
                           (long long)items[0], (long long)project),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    json_t *expense = mt_json_get(r->json, "items[0].expense");
    mt_assert_keys(expense, "id,project");
    mt_assert_keys(json_object_get(expense, "project"), "id,company_id");
    MT_ASSERT_JSON_INT(expense, "project.id", project);
    MT_ASSERT_JSON_INT(expense, "project.company_id", customer);
    json_int_t made = mt_json_int(expense, "id");
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld", (long long)project,
                (long long)made);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Server");
    MT_ASSERT_JSON_STR(r->json, "date", "2026-11-02");
    fix_assert_number(r->json, "quantity", 1);
    fix_assert_number(r->json, "price", 100); /* 119 with 19 % included: net 100.00 */
    fix_assert_number(r->json, "cost", 100);
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "budget_relevant", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "purchase_id", id);
    MT_ASSERT_JSON_INT(r->json, "purchase_item_id", items[0]);
    mt_resp_free(r);
    /* an item once; an item of another purchase; a project that is not there */
    fix_expect_422(
        g.s, "POST", g.key,
        fix_fmt("{\"item_id\":%lld,\"project_id\":%lld}", (long long)items[0], (long long)project),
        "item_id", "%s", path);
    json_int_t other = create_purchase("[{\"title\":\"X\",\"total\":1,\"tax\":19}]", NULL);
    fix_expect_422(
        g.s, "POST", g.key,
        fix_fmt("{\"item_id\":%lld,\"project_id\":%lld}", (long long)items[1], (long long)project),
        "item_id", PURCHASES "/%lld/assign_to_project", (long long)other);
    fix_expect_422(g.s, "POST", g.key,
                   fix_fmt("{\"item_id\":%lld,\"project_id\":987654}", (long long)items[1]),
                   "project_id", "%s", path);
    fix_expect_422(g.s, "POST", g.key, "{}", "item_id", "%s", path);
    /* linked to an expense the project has already */
    json_int_t existing =
        mt_create(g.s, fix_fmt("/api/v1/projects/%lld/expenses", (long long)project), g.key,
                  "{\"date\":\"2026-11-05\",\"title\":\"Kabel\",\"quantity\":2,\"unit\":"
                  "\"Stk\",\"unit_price\":8,\"unit_cost\":5}");
    r = mt_request(g.s, "POST", path, g.key,
                   fix_fmt("{\"item_id\":%lld,\"project_id\":%lld,\"expense_id\":%lld}",
                           (long long)items[1], (long long)project, (long long)existing),
                   NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "items[1].expense.id", existing);
    mt_resp_free(r);
    fix_expect_422(g.s, "POST", g.key,
                   fix_fmt("{\"item_id\":%lld,\"project_id\":%lld,\"expense_id\":%lld}",
                           (long long)items[2], (long long)project, (long long)existing),
                   "expense_id", "%s", path);
    r = mt_get(g.s, fix_fmt("/api/v1/projects/expenses?purchase_id=%lld", (long long)id), g.key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);
    /* an empty document is none */
    fix_expect_422(g.s, "PATCH", g.key, "{\"file\":{\"filename\":\"a.pdf\",\"base64\":\"\"}}",
                   "file", PURCHASES "/%lld/store_document", (long long)id);
    /* the purchase goes, its expenses stay, no longer linked to it */
    fix_expect_status(g.s, "DELETE", g.key, NULL, 200, PURCHASES "/%lld", (long long)id);
    r = mt_getf(g.s, g.key, "/api/v1/projects/%lld/expenses/%lld", (long long)project,
                (long long)made);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "purchase_id");
    MT_ASSERT_JSON_NULL(r->json, "purchase_item_id");
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories_are_seeded_and_read_only),
        cmocka_unit_test(test_create_renders_the_documented_shape),
        cmocka_unit_test(test_totals_are_exact_to_the_cent),
        cmocka_unit_test(test_validation_names_the_field),
        cmocka_unit_test(test_update_and_status),
        cmocka_unit_test(test_delete_rules_and_empty_200),
        cmocka_unit_test(test_store_document_multipart_and_json),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_payments),
        cmocka_unit_test(test_bookkeeping_exports),
        cmocka_unit_test(test_budgets),
        cmocka_unit_test(test_drafts),
        cmocka_unit_test(test_web_hooks),
        cmocka_unit_test(test_permissions_and_tenants),
        cmocka_unit_test(test_assign_to_project),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
