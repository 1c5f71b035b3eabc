/*
 * API tests of companies (sections/companies.md): list, get, create, update, delete, archive and
 * unarchive, the filters (include_archived, type, tags, identifier, term, global ones), sort_by,
 * pagination, tags, taggings, custom properties, the nested user and projects, the deletion rules,
 * permissions and tenant isolation.
 *
 * One server for the whole file (group fixture); every test uses names of its own.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMPANIES_PATH "/api/v1/companies"

/* The keys of the "Attributes" example of sections/companies.md, without customer_vat ("for
 * customers only") and supplier_vat ("for suppliers only"). */
#define COMPANY_BASE_KEYS                                                                          \
    "id,type,name,website,email,billing_email_cc,phone,fax,address,tags,user,info,"                \
    "custom_properties,identifier,intern,billing_tax,currency,custom_rates,include_time_report,"   \
    "billing_notes,default_discount,default_cash_discount,default_cash_discount_days,"             \
    "country_code,vat_identifier,alternative_correspondence_language,default_invoice_due_days,"    \
    "footer,projects,active,archived_on,created_at,updated_at,debit_number,"                       \
    "billing_vat,labels" /* the service's: billing_vat of the prose, labels = tags */
#define CUSTOMER_VAT_KEYS                                                                          \
    "tax,reverse_charge,intra_eu,active,print_gross_total,notice_tax_exemption,"                   \
    "notice_tax_exemption_alt"
#define SUPPLIER_VAT_KEYS    "tax,reverse_charge,intra_eu,active"
#define COMPANY_PROJECT_KEYS "id,identifier,name,active,billable"
#define SHORT_USER_KEYS      "id,firstname,lastname"

/* ---- helpers ----------------------------------------------------------------------------- */

static void today_utc(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void assert_company_shape(const json_t *c)
{
    MT_ASSERT_JSON_TYPE(c, "type", JSON_STRING);
    const char *type = mt_json_str(c, "type");
    if (!strcmp(type, "customer"))
        mt_assert_keys(c, COMPANY_BASE_KEYS ",customer_vat");
    else if (!strcmp(type, "supplier"))
        mt_assert_keys(c, COMPANY_BASE_KEYS ",supplier_vat,iban");
    else
        mt_assert_keys(c, COMPANY_BASE_KEYS);
    MT_ASSERT_JSON_TYPE(c, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "name", JSON_STRING);
    const char *strs[] = {"website", "email", "billing_email_cc", "phone",          "fax",
                          "address", "info",  "billing_notes",    "vat_identifier", "footer"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        MT_ASSERT_JSON_TYPE(c, strs[i], JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "tags", JSON_ARRAY);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "tags"), i, e) assert_true(json_is_string(e));
    json_t *user = json_object_get(c, "user");
    if (!json_is_null(user)) {
        mt_assert_keys(user, SHORT_USER_KEYS);
        MT_ASSERT_JSON_TYPE(user, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(user, "firstname", JSON_STRING);
        MT_ASSERT_JSON_TYPE(user, "lastname", JSON_STRING);
    }
    MT_ASSERT_JSON_TYPE(c, "custom_properties", JSON_OBJECT);
    if (!strcmp(type, "customer"))
        MT_ASSERT_JSON_TYPE(c, "identifier", JSON_STRING); /* customers are numbered */
    else
        fix_assert_type_or_null(c, "identifier", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "intern", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(c, "billing_tax", MT_JSON_NUMBER);
    if (!strcmp(type, "customer")) {
        json_t *v = json_object_get(c, "customer_vat");
        mt_assert_keys(v, CUSTOMER_VAT_KEYS);
        MT_ASSERT_JSON_TYPE(v, "tax", JSON_REAL);
        MT_ASSERT_JSON_TYPE(v, "reverse_charge", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "intra_eu", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "active", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "print_gross_total", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "notice_tax_exemption", JSON_STRING);
        MT_ASSERT_JSON_TYPE(v, "notice_tax_exemption_alt", JSON_STRING);
        MT_ASSERT_JSON_TYPE(c, "currency", JSON_STRING); /* mandatory for customers */
    } else {
        fix_assert_type_or_null(c, "currency", JSON_STRING);
    }
    if (!strcmp(type, "supplier")) {
        json_t *v = json_object_get(c, "supplier_vat");
        mt_assert_keys(v, SUPPLIER_VAT_KEYS);
        MT_ASSERT_JSON_TYPE(v, "tax", JSON_REAL);
        MT_ASSERT_JSON_TYPE(v, "reverse_charge", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "intra_eu", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(v, "active", MT_JSON_BOOL);
    }
    MT_ASSERT_JSON_TYPE(c, "custom_rates", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(c, "include_time_report", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(c, "default_discount", JSON_REAL);
    MT_ASSERT_JSON_TYPE(c, "default_cash_discount", JSON_REAL);
    MT_ASSERT_JSON_TYPE(c, "default_cash_discount_days", JSON_INTEGER);
    fix_assert_type_or_null(c, "country_code", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "alternative_correspondence_language", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(c, "default_invoice_due_days", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "projects", JSON_ARRAY);
    json_array_foreach(json_object_get(c, "projects"), i, e)
    {
        mt_assert_keys(e, COMPANY_PROJECT_KEYS);
        MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(e, "identifier", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "active", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(e, "billable", MT_JSON_BOOL);
    }
    MT_ASSERT_JSON_TYPE(c, "active", MT_JSON_BOOL);
    if (!json_is_null(json_object_get(c, "archived_on")))
        MT_ASSERT_DATE(c, "archived_on");
    fix_assert_type_or_null(c, "debit_number", JSON_INTEGER);
    MT_ASSERT_TIMESTAMP(c, "created_at");
    MT_ASSERT_TIMESTAMP(c, "updated_at");
}

/* POST a company (body consumed), assert 200 and the shape; returns the reply. */
static mt_resp *create_company_resp(mt_server *s, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", COMPANIES_PATH, mt_admin_key(s), body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    return r;
}

static json_int_t create_company_body(mt_server *s, json_t *body)
{
    mt_resp *r = create_company_resp(s, body);
    return fix_take_id(r);
}

/* A company of the given type and name (customers get currency EUR). */
static json_int_t create_company(mt_server *s, const char *type, const char *name)
{
    return create_company_body(s, fix_company_body(type, name));
}

static mt_resp *get_company(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    return r;
}

/* Define a custom field of entity Company (once per name). */
static void define_company_field(mt_server *s, const char *name, const char *kind,
                                 const char *defaults_json)
{
    mt_resp_free(fix_create_custom_property(s, "Company", name, kind, defaults_json));
}

static bool g_fields_defined;
static void define_fields(mt_server *s)
{
    if (g_fields_defined)
        return;
    define_company_field(s, "UID", "String", NULL);
    define_company_field(s, "Sector", "Select", "[\"Automotive\",\"Pharma\"]");
    define_company_field(s, "Partner", "Boolean", NULL);
    g_fields_defined = true;
}

static json_int_t first_deal_category(mt_server *s)
{
    mt_resp *r = mt_get(s, "/api/v1/deal_categories", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    return id;
}

static json_int_t create_project(mt_server *s, json_int_t customer, const char *name)
{
    json_t *b = json_pack("{s:s, s:b, s:b, s:s, s:I, s:I}", "name", name, "fixed_price", 0,
                          "retainer", 0, "currency", "EUR", "leader_id",
                          fix_session_user_id(s, mt_admin_key(s)), "customer_id", customer);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/projects", mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

/* ---- create and get ---------------------------------------------------------------------- */

static void test_create_customer_all_fields(void **state)
{
    mt_server *s = *state;
    define_fields(s);
    json_int_t admin = fix_session_user_id(s, mt_admin_key(s));
    json_t *b = json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, "
        "s:[s,s], s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
        "name", "Beispiel AG", "type", "customer", "country_code", "CH", "vat_identifier",
        "CHE-123.456.789", "alternative_correspondence_language", 1, "website",
        "www.beispiel-ag.com", "fax", "+49 30 123 45 66", "phone", "+49 30 123 45 67", "email",
        "info@beispiel-ag.com", "billing_email_cc", "cc@beispiel-ag.com", "billing_notes",
        "Vor Rechnungsstellung PO beantragen.", "address",
        "Beispiel AG\nBeispielstrasse 123\n12345 Beispielstadt", "info", "A good customer",
        "custom_properties", "UID", "1234-UID-4567", "Sector", "Pharma", "tags", "Netzwerk",
        "Druckerei", "user_id", admin, "footer", "<div>Footer text</div>", "invoice_format",
        "zugferd_x_invoice", "default_payment_means", "credit_transfer", "currency", "CHF",
        "identifier", "K-0405", "invoice_due_days", 20, "debit_number", 10000);
    mt_resp *r = create_company_resp(s, b);
    json_int_t id = mt_json_int(r->json, "id");
    assert_true(id > 0);

    for (int pass = 0; pass < 2; pass++) {
        const json_t *c = r->json;
        MT_ASSERT_JSON_INT(c, "id", id);
        MT_ASSERT_JSON_STR(c, "type", "customer");
        MT_ASSERT_JSON_STR(c, "name", "Beispiel AG");
        MT_ASSERT_JSON_STR(c, "country_code", "CH");
        MT_ASSERT_JSON_STR(c, "vat_identifier", "CHE-123.456.789");
        assert_true(mt_json_bool(c, "alternative_correspondence_language"));
        MT_ASSERT_JSON_STR(c, "website", "www.beispiel-ag.com");
        MT_ASSERT_JSON_STR(c, "fax", "+49 30 123 45 66");
        MT_ASSERT_JSON_STR(c, "phone", "+49 30 123 45 67");
        MT_ASSERT_JSON_STR(c, "email", "info@beispiel-ag.com");
        MT_ASSERT_JSON_STR(c, "billing_email_cc", "cc@beispiel-ag.com");
        MT_ASSERT_JSON_STR(c, "billing_notes", "Vor Rechnungsstellung PO beantragen.");
        MT_ASSERT_JSON_STR(c, "address", "Beispiel AG\nBeispielstrasse 123\n12345 Beispielstadt");
        MT_ASSERT_JSON_STR(c, "info", "A good customer");
        fix_assert_json_eq(json_object_get(c, "custom_properties"),
                           "{\"UID\":\"1234-UID-4567\",\"Sector\":\"Pharma\"}", r);
        fix_assert_json_eq(json_object_get(c, "tags"), "[\"Druckerei\",\"Netzwerk\"]", r);
        MT_ASSERT_JSON_INT(c, "user.id", admin);
        MT_ASSERT_JSON_STR(c, "footer", "<div>Footer text</div>");
        MT_ASSERT_JSON_STR(c, "currency", "CHF");
        MT_ASSERT_JSON_STR(c, "identifier", "K-0405");
        MT_ASSERT_JSON_INT(c, "default_invoice_due_days", 20);
        MT_ASSERT_JSON_INT(c, "debit_number", 10000);
        assert_true(mt_json_bool(c, "active"));
        MT_ASSERT_JSON_NULL(c, "archived_on");
        fix_assert_json_eq(json_object_get(c, "projects"), "[]", r);
        mt_resp_free(r);
        if (pass == 0)
            r = get_company(s, id);
    }

    /* the nested user is the admin's short form */
    mt_resp *u = mt_getf(s, mt_admin_key(s), "/api/v1/users/%lld", (long long)admin);
    MT_ASSERT_STATUS(u, 200);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", mt_json_str(u->json, "firstname"));
    MT_ASSERT_JSON_STR(r->json, "user.lastname", mt_json_str(u->json, "lastname"));
    mt_resp_free(r);
    mt_resp_free(u);

    /* the .json suffix answers too; an unknown id is 404 */
    r = mt_getf(s, mt_admin_key(s), COMPANIES_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "/987654321", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
}

static void test_create_customer_defaults(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:s}", "name", "Minimal Customer",
                                                  "type", "customer", "currency", "EUR"));
    const json_t *c = r->json;
    MT_ASSERT_JSON_STR(c, "website", "");
    MT_ASSERT_JSON_STR(c, "info", "");
    fix_assert_json_eq(json_object_get(c, "tags"), "[]", r);
    fix_assert_json_eq(json_object_get(c, "custom_properties"), "{}", r);
    fix_assert_json_eq(json_object_get(c, "projects"), "[]", r);
    assert_false(mt_json_bool(c, "intern"));
    assert_true(mt_json_bool(c, "active"));
    MT_ASSERT_JSON_NULL(c, "archived_on");
    assert_false(mt_json_bool(c, "alternative_correspondence_language"));
    assert_true(mt_json_bool(c, "customer_vat.active"));
    mt_resp_free(r);
}

static void test_create_supplier_all_fields(void **state)
{
    mt_server *s = *state;
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:[s]}", "name",
                          "Lieferant AG", "type", "supplier", "bank_owner", "Hans Lieferant",
                          "iban", "CH3908704016075473007", "bank_bic", "POFICHBEXXX", "email",
                          "bestellung@lieferant.de", "website", "http//www.lieferant.com",
                          "invoice_due_days", 45, "credit_number", 70000, "invoice_format",
                          "x_invoice", "default_payment_means", "not_defined", "tags", "Print");
    mt_resp *r = create_company_resp(s, b);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = get_company(s, id);
    const json_t *c = r->json;
    MT_ASSERT_JSON_STR(c, "type", "supplier");
    MT_ASSERT_JSON_STR(c, "name", "Lieferant AG");
    MT_ASSERT_JSON_STR(c, "email", "bestellung@lieferant.de");
    MT_ASSERT_JSON_STR(c, "website", "http//www.lieferant.com");
    MT_ASSERT_JSON_INT(c, "default_invoice_due_days", 45);
    fix_assert_json_eq(json_object_get(c, "tags"), "[\"Print\"]", r);
    /* supplier_vat instead of customer_vat (assert_company_shape checked the keys) */
    assert_false(mt_json_has(c, "customer_vat"));
    assert_true(mt_json_has(c, "supplier_vat"));
    /* the IBAN is rendered for suppliers; other bank data and credit number are accepted but
     * are not part of the representation */
    MT_ASSERT_JSON_STR(c, "iban", "CH3908704016075473007");
    assert_false(mt_json_has(c, "credit_number"));
    mt_resp_free(r);
}

static void test_create_organization(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:s}", "name", "Verein Org", "type",
                                                  "organization", "phone", "+41 44 000 00 00"));
    assert_false(mt_json_has(r->json, "customer_vat"));
    assert_false(mt_json_has(r->json, "supplier_vat"));
    MT_ASSERT_JSON_STR(r->json, "type", "organization");
    MT_ASSERT_JSON_STR(r->json, "phone", "+41 44 000 00 00");
    mt_resp_free(r);
}

/* The deprecated customer_tax / supplier_tax inputs set the tax of customer_vat / supplier_vat
 * (billing_tax is the customer's tax). */
static void test_customer_tax_input(void **state)
{
    mt_server *s = *state;
    mt_resp *r =
        create_company_resp(s, json_pack("{s:s, s:s, s:s, s:f}", "name", "Taxed Customer", "type",
                                         "customer", "currency", "CHF", "customer_tax", 7.7));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = get_company(s, id);
    fix_assert_real_eq(r->json, "customer_vat.tax", 7.7);
    MT_ASSERT_JSON_TYPE(r->json, "billing_tax", MT_JSON_NUMBER);
    assert_true(mt_json_real(r->json, "billing_tax") > 7.69 &&
                mt_json_real(r->json, "billing_tax") < 7.71);
    mt_resp_free(r);

    r = fix_request_jsonf(s, "PUT", mt_admin_key(s), json_pack("{s:f}", "customer_tax", 8.1),
                          COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_real_eq(r->json, "customer_vat.tax", 8.1);
    mt_resp_free(r);
}

static void test_supplier_tax_input(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:f}", "name", "Taxed Supplier",
                                                  "type", "supplier", "supplier_tax", 19.0));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = get_company(s, id);
    fix_assert_real_eq(r->json, "supplier_vat.tax", 19.0);
    mt_resp_free(r);
}

static void test_customer_identifiers(void **state)
{
    mt_server *s = *state;
    /* customers without identifier are numbered automatically, one after the other */
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:s}", "name", "Numbered One", "type",
                                                  "customer", "currency", "EUR"));
    const char *first = mt_json_str(r->json, "identifier");
    char *end;
    long long n1 = strtoll(first, &end, 10);
    assert_true(*first && !*end);
    mt_resp_free(r);
    r = create_company_resp(s, json_pack("{s:s, s:s, s:s}", "name", "Numbered Two", "type",
                                         "customer", "currency", "EUR"));
    char want[32];
    snprintf(want, sizeof want, "%lld", n1 + 1);
    MT_ASSERT_JSON_STR(r->json, "identifier", want);
    mt_resp_free(r);

    /* a given identifier is kept, and must be unique */
    r = create_company_resp(s, json_pack("{s:s, s:s, s:s, s:s}", "name", "Given Ident", "type",
                                         "customer", "currency", "EUR", "identifier", "K-777"));
    MT_ASSERT_JSON_STR(r->json, "identifier", "K-777");
    json_int_t given = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_422(s, "POST", mt_admin_key(s),
                   "{\"name\":\"Dup Ident\",\"type\":\"customer\",\"currency\":\"EUR\","
                   "\"identifier\":\"K-777\"}",
                   "identifier", COMPANIES_PATH);
    json_int_t other = create_company(s, "customer", "Ident Taker");
    r = fix_request_jsonf(s, "PUT", mt_admin_key(s), json_pack("{s:s}", "identifier", "K-777"),
                          COMPANIES_PATH "/%lld", (long long)other);
    fix_assert_422(r, "identifier");
    mt_resp_free(r);
    /* its own identifier again is fine */
    r = fix_request_jsonf(s, "PUT", mt_admin_key(s), json_pack("{s:s}", "identifier", "K-777"),
                          COMPANIES_PATH "/%lld", (long long)given);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "identifier", "K-777");
    mt_resp_free(r);
}

/* ---- validation -------------------------------------------------------------------------- */

static void test_create_required_fields(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES_PATH, key, "{}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "type");
    mt_resp_free(r);

    fix_expect_422(s, "POST", key, "{\"name\":\"\",\"type\":\"supplier\"}", "name", COMPANIES_PATH);

    /* customers without a currency take the account's (test_fidelity.c: strict mode refuses) */
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Nocurrtest One\",\"type\":\"customer\",\"currency\":\"\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    fix_expect_status(s, "DELETE", key, NULL, 200, COMPANIES_PATH "/%lld",
                      (long long)mt_json_int(r->json, "id"));
    mt_resp_free(r);
    /* suppliers and organizations do not need one */
    create_company(s, "supplier", "Nocurrtest Supplier");
    create_company(s, "organization", "Nocurrtest Org");

    /* nothing was created by the failed requests */
    r = mt_get(s, COMPANIES_PATH "?term=nocurrtest&include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "2");
    mt_resp_free(r);
}

/* Every offending field is named at once: a company without name and with a bad type. */
static void test_create_names_every_missing_field(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, COMPANIES_PATH, mt_admin_key(s), "{\"type\":\"partner\"}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "type");
    mt_resp_free(r);
}

static void test_enum_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES_PATH, key, "{\"name\":\"Bad Type\",\"type\":\"partner\"}");
    fix_assert_422(r, "type");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad Type\",\"type\":\"Customer\"}", "type",
                   COMPANIES_PATH);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Format\",\"type\":\"supplier\",\"invoice_format\":\"pdf\"}",
                   "invoice_format", COMPANIES_PATH);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Means\",\"type\":\"supplier\",\"default_payment_means\":"
                   "\"cash\"}",
                   "default_payment_means", COMPANIES_PATH);

    /* every documented value is accepted */
    const char *formats[] = {"regular_pdf", "x_invoice", "zugferd_x_invoice"};
    for (size_t i = 0; i < 3; i++) {
        r = mt_request_json(s, "POST", COMPANIES_PATH, key,
                            json_pack("{s:s, s:s, s:s}", "name", "Format Co", "type", "supplier",
                                      "invoice_format", formats[i]),
                            NULL);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    const char *means[] = {"not_defined", "credit_transfer", ""};
    for (size_t i = 0; i < 3; i++) {
        r = mt_request_json(s, "POST", COMPANIES_PATH, key,
                            json_pack("{s:s, s:s, s:s}", "name", "Means Co", "type", "supplier",
                                      "default_payment_means", means[i]),
                            NULL);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }

    /* a bad type on update too */
    json_int_t id = create_company(s, "organization", "Enum Update Org");
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "type", "vendor"),
                          COMPANIES_PATH "/%lld", (long long)id);
    fix_assert_422(r, "type");
    mt_resp_free(r);
}

static void test_user_id_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Ghost User Co\",\"type\":\"supplier\",\"user_id\":987654}",
                   "user_id", COMPANIES_PATH);

    json_int_t other_user = fix_session_user_id(s, fix_other_key(s));
    mt_resp *r = mt_request_json(s, "POST", COMPANIES_PATH, key,
                                 json_pack("{s:s, s:s, s:I}", "name", "Foreign User Co", "type",
                                           "supplier", "user_id", other_user),
                                 NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);

    json_int_t id = create_company(s, "supplier", "User Update Co");
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:I}", "user_id", other_user),
                          COMPANIES_PATH "/%lld", (long long)id);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_INT(r->json, "user.id", fix_session_user_id(s, key)); /* the creator's */
    mt_resp_free(r);
}

/* ---- update ------------------------------------------------------------------------------ */

static void test_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    mt_resp *r =
        create_company_resp(s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "name", "Update Me AG",
                                         "type", "customer", "currency", "EUR", "email",
                                         "old@update.test", "info", "keep me", "tags", "Keep"));
    json_int_t id = mt_json_int(r->json, "id");
    const char *ident = mt_json_str(r->json, "identifier");
    char identifier[64];
    snprintf(identifier, sizeof identifier, "%s", ident);
    mt_resp_free(r);

    r = fix_request_jsonf(s, "PUT", key,
                          json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:b}", "name",
                                    "Beispiel GmbH", "email", "new@update.test", "user_id", admin,
                                    "country_code", "DE", "address", "Neue Strasse 1", "footer",
                                    "<p>f</p>", "billing_notes", "notes",
                                    "alternative_correspondence_language", 1),
                          COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Beispiel GmbH");
    MT_ASSERT_JSON_STR(r->json, "email", "new@update.test");
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    MT_ASSERT_JSON_STR(r->json, "country_code", "DE");
    MT_ASSERT_JSON_STR(r->json, "address", "Neue Strasse 1");
    MT_ASSERT_JSON_STR(r->json, "footer", "<p>f</p>");
    MT_ASSERT_JSON_STR(r->json, "billing_notes", "notes");
    assert_true(mt_json_bool(r->json, "alternative_correspondence_language"));
    /* fields not sent are unchanged */
    MT_ASSERT_JSON_STR(r->json, "info", "keep me");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "identifier", identifier);
    MT_ASSERT_JSON_STR(r->json, "type", "customer");
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Keep\"]", r);
    mt_resp_free(r);

    /* PATCH is accepted too; invoice_due_days sets default_invoice_due_days */
    r = mt_requestf(s, "PATCH", key, "{\"invoice_due_days\":14,\"phone\":\"+41 1\"}",
                    COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "default_invoice_due_days", 14);
    MT_ASSERT_JSON_STR(r->json, "phone", "+41 1");
    MT_ASSERT_JSON_STR(r->json, "name", "Beispiel GmbH");
    mt_resp_free(r);

    /* user_id null removes the responsible person */
    r = mt_requestf(s, "PUT", key, "{\"user_id\":null}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "user");
    mt_resp_free(r);

    /* an unknown id */
    fix_expect_status(s, "PUT", key, "{\"name\":\"x\"}", 404, COMPANIES_PATH "/987654321");
}

static void test_update_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Update Validation AG");
    mt_resp *r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "name", ""),
                                   COMPANIES_PATH "/%lld", (long long)id);
    fix_assert_422(r, "name");
    mt_resp_free(r);
    fix_expect_422(s, "PUT", key, "{\"name\":null}", "name", COMPANIES_PATH "/%lld", (long long)id);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Update Validation AG");
    mt_resp_free(r);
}

/* A customer always has a currency: blanking it gives the account's back (as MOCO does). */
static void test_update_customer_currency_blank(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_company(s, "customer", "Currency Keeper AG");
    mt_resp *r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"currency\":\"CHF\"}",
                             COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "CHF");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"currency\":\"\"}", COMPANIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    mt_resp_free(r);
}

/* A company that becomes a customer has a currency (every new company gets the account's),
 * and gets an identifier (customers are numbered) or is refused naming it. */
static void test_update_to_customer(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "organization", "Becomes Customer Org");
    mt_resp *r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "type", "organization");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    mt_resp_free(r);

    r = mt_requestf(s, "PUT", key, "{\"type\":\"customer\"}", COMPANIES_PATH "/%lld",
                    (long long)id);
    if (r->status == 422) {
        fix_assert_422(r, "identifier");
    } else {
        MT_ASSERT_STATUS(r, 200);
        assert_company_shape(r->json); /* a customer's identifier is a string */
        MT_ASSERT_JSON_STR(r->json, "type", "customer");
        MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    }
    mt_resp_free(r);
}

/* ---- delete ------------------------------------------------------------------------------ */

static void test_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "organization", "Delete Me Org");
    mt_resp *r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200); /* as MOCO answers: 200 with an empty body */
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, COMPANIES_PATH "/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 404, COMPANIES_PATH "/%lld", (long long)id);
    r = mt_getf(s, key, COMPANIES_PATH "?ids=%lld&include_archived=true", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

static void test_delete_referenced_by_project(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Project Owner AG");
    json_int_t project = create_project(s, id, "Owned Project");
    mt_resp *r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = get_company(s, id);
    mt_resp_free(r);
    /* once the project is gone, the company can go */
    fix_expect_status(s, "DELETE", key, NULL, 200, "/api/v1/projects/%lld", (long long)project);
    fix_expect_status(s, "DELETE", key, NULL, 200, COMPANIES_PATH "/%lld", (long long)id);
}

static void test_delete_referenced_by_deal(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Deal Owner AG");
    json_t *b = json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I}", "name", "Blocking Deal",
                          "currency", "EUR", "money", 1000, "reminder_date", "2024-01-15",
                          "user_id", fix_session_user_id(s, key), "deal_category_id",
                          first_deal_category(s), "company_id", id);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/deals", key, b, NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t deal = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = get_company(s, id);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/deals/%lld", (long long)deal);
    fix_expect_status(s, "DELETE", key, NULL, 200, COMPANIES_PATH "/%lld", (long long)id);
}

/* A company's contacts stay, without company, when it is deleted. */
static void test_delete_with_contacts(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Contact Holder AG");
    mt_resp *r = mt_request_json(
        s, "POST", "/api/v1/contacts/people", key,
        json_pack("{s:s, s:s, s:I}", "lastname", "Holdee", "gender", "F", "company_id", id), NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t contact = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "company.id", id);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 200, COMPANIES_PATH "/%lld", (long long)id);
    r = mt_getf(s, key, "/api/v1/contacts/people/%lld", (long long)contact);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "company");
    mt_resp_free(r);
}

/* ---- archive ----------------------------------------------------------------------------- */

static void test_archive_unarchive(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char today[11];
    today_utc(today);
    json_int_t id = create_company(s, "customer", "Archivable Zeta AG");
    json_int_t stay = create_company(s, "customer", "Archivable Zeta Stays AG");

    mt_resp *r = mt_requestf(s, "PUT", key, NULL, COMPANIES_PATH "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    assert_false(mt_json_bool(r->json, "active"));
    MT_ASSERT_JSON_STR(r->json, "archived_on", today);
    mt_resp_free(r);

    /* still readable by id */
    r = get_company(s, id);
    assert_false(mt_json_bool(r->json, "active"));
    MT_ASSERT_JSON_STR(r->json, "archived_on", today);
    mt_resp_free(r);

    /* lists leave it out unless include_archived=true */
    json_int_t only_stay[] = {stay};
    json_int_t both[] = {id, stay};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta", only_stay, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta&include_archived=false",
                        only_stay, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta&include_archived=true",
                        both, 2);
    fix_expect_422(s, "GET", key, NULL, "include_archived",
                   COMPANIES_PATH "?include_archived=maybe");

    /* archiving again keeps it archived */
    r = mt_requestf(s, "PUT", key, "", COMPANIES_PATH "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "active"));
    mt_resp_free(r);

    r = mt_requestf(s, "PUT", key, NULL, COMPANIES_PATH "/%lld/unarchive", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    assert_true(mt_json_bool(r->json, "active"));
    MT_ASSERT_JSON_NULL(r->json, "archived_on");
    mt_resp_free(r);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta", both, 2);

    fix_expect_status(s, "PUT", key, NULL, 404, COMPANIES_PATH "/987654321/archive");
    fix_expect_status(s, "PUT", key, NULL, 404, COMPANIES_PATH "/987654321/unarchive");
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_list_shape_and_filters(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t cust =
        create_company_body(s, json_pack("{s:s, s:s, s:s, s:s, s:[s,s]}", "name",
                                         "Filterwerk Kunde", "type", "customer", "currency", "EUR",
                                         "identifier", "FW-1", "tags", "Automotive", "Filterwerk"));
    json_int_t supp =
        create_company_body(s, json_pack("{s:s, s:s, s:[s,s]}", "name", "Filterwerk Lieferant",
                                         "type", "supplier", "tags", "Pharma", "Filterwerk"));
    json_int_t org =
        create_company_body(s, json_pack("{s:s, s:s, s:[s]}", "name", "Filterwerk Verein", "type",
                                         "organization", "tags", "Filterwerk"));

    /* the list shows every company in the full representation */
    mt_resp *r = mt_get(s, COMPANIES_PATH "?tags=Filterwerk", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 3);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_company_shape(e);
    assert_true(mt_json_has(fix_find_by_id(r->json, cust), "customer_vat"));
    assert_true(mt_json_has(fix_find_by_id(r->json, supp), "supplier_vat"));
    MT_ASSERT_JSON_STR(fix_find_by_id(r->json, org), "type", "organization");
    mt_resp_free(r);

    json_int_t c_only[] = {cust}, s_only[] = {supp}, o_only[] = {org};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=customer", c_only, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=supplier", s_only, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=organization", o_only, 1);
    /* tags: a comma separated list */
    /* tags: a comma separated list; a company with both is found, one with neither is not */
    json_int_t both =
        create_company_body(s, json_pack("{s:s, s:s, s:[s,s]}", "name", "Filterwerk Beide", "type",
                                         "organization", "tags", "Automotive", "Pharma"));
    assert_true(fix_list_has(s, COMPANIES_PATH "?tags=Automotive,%20Pharma", both));
    assert_false(fix_list_has(s, COMPANIES_PATH "?tags=Automotive,%20Pharma", org));
    json_int_t auto_tagged[] = {cust, both};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Automotive", auto_tagged, 2);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Automot", NULL, 0);
    /* identifier */
    fix_assert_list_ids(s, key, COMPANIES_PATH "?identifier=FW-1", c_only, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?identifier=FW-2", NULL, 0);
    /* global filters: ids, updated_after */
    char path[256];
    snprintf(path, sizeof path, COMPANIES_PATH "?ids=%lld,%lld", (long long)org, (long long)supp);
    json_int_t so[] = {supp, org};
    fix_assert_list_ids(s, key, path, so, 2);
    fix_assert_list_ids(
        s, key, COMPANIES_PATH "?tags=Filterwerk&updated_after=2999-01-01T00:00:00Z", NULL, 0);
    json_int_t all3[] = {cust, supp, org};
    fix_assert_list_ids(
        s, key, COMPANIES_PATH "?tags=Filterwerk&updated_after=2000-01-01T00:00:00Z", all3, 3);
}

static void test_term_search(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t acme = create_company_body(
        s, json_pack("{s:s, s:s, s:s, s:s}", "name", "Acme Corporation Termtest", "type",
                     "customer", "currency", "EUR", "identifier", "TT-0405"));
    json_int_t beta =
        create_company_body(s, json_pack("{s:s, s:s, s:s}", "name", "Beta Termtest Corp", "type",
                                         "supplier", "email", "acme@nowhere.test"));

    json_int_t a[] = {acme}, b[] = {beta}, ab[] = {acme, beta};
    /* name, case-insensitive, every word must match */
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=acme%20corp", a, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=ACME", a, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=termtest", ab, 2);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=termtest%20beta", b, 1);
    /* identifier */
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=TT-0405", a, 1);
    /* no match */
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=termtest%20gamma", NULL, 0);
}

static void test_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t c = create_company(s, "organization", "Sortpage Charlie");
    json_int_t a = create_company(s, "organization", "Sortpage Alpha");
    json_int_t b = create_company(s, "organization", "Sortpage Bravo");

    json_int_t asc[] = {a, b, c}, desc[] = {c, b, a}, by_id[] = {c, a, b};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name", asc, 3);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name%20asc", asc, 3);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name%20desc", desc, 3);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage", by_id, 3);

    fix_expect_422(s, "GET", key, NULL, "sort_by", COMPANIES_PATH "?sort_by=website");

    /* pagination */
    mt_resp *r = mt_get(s, COMPANIES_PATH "?term=sortpage&sort_by=name&per_page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a);
    MT_ASSERT_JSON_INT(r->json, "[1].id", b);
    const char *link = fix_assert_link(r, true, false);
    assert_non_null(strstr(link, "page=2"));
    assert_non_null(strstr(link, "term=sortpage"));
    mt_resp_free(r);

    r = mt_get(s, COMPANIES_PATH "?term=sortpage&sort_by=name&per_page=2&page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    link = fix_assert_link(r, false, true);
    mt_resp_free(r);

    fix_expect_422(s, "GET", key, NULL, "page", COMPANIES_PATH "?page=0");
}

/* ---- tags, taggings, custom properties ----------------------------------------------------- */

static void test_tags_and_taggings(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:[s,s,s]}", "name", "Tagged Co",
                                                  "type", "organization", "tags", "Zebra Tag",
                                                  "Alpha Tag", "Zebra Tag"));
    json_int_t id = mt_json_int(r->json, "id");
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Alpha Tag\",\"Zebra Tag\"]", r);
    mt_resp_free(r);

    /* the tags exist in context Company */
    r = mt_get(s, "/api/v1/tags?context=Company", key);
    MT_ASSERT_STATUS(r, 200);
    bool seen = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) if (!strcmp(mt_json_str(e, "name"), "Alpha Tag")) seen = true;
    assert_true(seen);
    mt_resp_free(r);

    /* an update with tags replaces them; without tags keeps them; [] clears */
    r = mt_requestf(s, "PUT", key, "{\"tags\":[\"Beta Tag\"]}", COMPANIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\"]", r);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"info\":\"no tags\"}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\"]", r);
    mt_resp_free(r);

    /* taggings */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/taggings/Company/%lld", (long long)id);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Beta Tag\"]", r);
    mt_resp_free(r);
    r = mt_patch(s, path, key, "{\"tags\":[\"Gamma Tag\"]}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Beta Tag\",\"Gamma Tag\"]", r);
    mt_resp_free(r);
    r = get_company(s, id);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\",\"Gamma Tag\"]", r);
    mt_resp_free(r);
    json_int_t only[] = {id};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Gamma%20Tag", only, 1);
    r = mt_put(s, path, key, "{\"tags\":[\"Delta Tag\"]}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Delta Tag\"]", r);
    mt_resp_free(r);
    r = mt_request(s, "DELETE", path, key, "{\"tags\":[\"Delta Tag\"]}", NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[]", r);
    mt_resp_free(r);
    r = get_company(s, id);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?tags=Gamma%20Tag", NULL, 0);

    fix_expect_status(s, "PUT", key, "{\"tags\":[\"x\"]}", 200, COMPANIES_PATH "/%lld",
                      (long long)id);
    r = mt_requestf(s, "PUT", key, "{\"tags\":[]}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);

    /* bad tags */
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Tags\",\"type\":\"organization\",\"tags\":\"x\"}", "tags",
                   COMPANIES_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad Tags\",\"type\":\"organization\",\"tags\":[1]}",
                   "tags", COMPANIES_PATH);
}

static void test_custom_properties(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    define_fields(s);
    mt_resp *r = create_company_resp(s, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:b}}", "name",
                                                  "Custom Props AG", "type", "customer", "currency",
                                                  "EUR", "custom_properties", "UID", "CP-UID-1",
                                                  "Sector", "Automotive", "Partner", 1));
    json_int_t id = mt_json_int(r->json, "id");
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"),
                       "{\"UID\":\"CP-UID-1\",\"Sector\":\"Automotive\",\"Partner\":\"1\"}", r);
    mt_resp_free(r);
    json_int_t plain = create_company(s, "customer", "Custom Props Plain AG");

    /* filters (with the type parameter, as the docs ask) */
    json_int_t only[] = {id};
    fix_assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUID%5D=CP-UID-1",
                        only, 1);
    fix_assert_list_ids(
        s, key, COMPANIES_PATH "?type=customer&custom_properties%5BSector%5D=Automotive", only, 1);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUID%5D=nope",
                        NULL, 0);
    fix_assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUnknown%5D=x",
                        NULL, 0);

    /* bad values name the custom field */
    fix_expect_422(s, "PUT", key, "{\"custom_properties\":{\"Sector\":\"Mining\"}}",
                   "custom_properties.Sector", COMPANIES_PATH "/%lld", (long long)plain);
    /* an unknown name is dropped (test_fidelity.c: refused in strict mode) */
    fix_expect_status(s, "PUT", key, "{\"custom_properties\":{\"Nope\":\"x\"}}", 200,
                      COMPANIES_PATH "/%lld", (long long)plain);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad CP\",\"type\":\"supplier\",\"custom_properties\":{\"Partner\":"
                   "\"perhaps\"}}",
                   "custom_properties.Partner", COMPANIES_PATH);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad CP\",\"type\":\"supplier\",\"custom_properties\":\"x\"}",
                   "custom_properties", COMPANIES_PATH);

    /* an update without custom_properties keeps them; one with them replaces (seed rule) */
    r = mt_requestf(s, "PUT", key, "{\"info\":\"cp\"}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"),
                       "{\"UID\":\"CP-UID-1\",\"Sector\":\"Automotive\",\"Partner\":\"1\"}", r);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"custom_properties\":{\"UID\":\"CP-UID-2\"}}",
                    COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"UID\":\"CP-UID-2\"}", r);
    mt_resp_free(r);
    r = get_company(s, id);
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"UID\":\"CP-UID-2\"}", r);
    mt_resp_free(r);
}

/* ---- nested projects --------------------------------------------------------------------- */

static void test_projects_nested(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Project Nest AG");
    json_int_t p1 = create_project(s, id, "Layoutanpassung");
    json_int_t p2 = create_project(s, id, "Relaunch");
    mt_resp *r = get_company(s, id);
    assert_int_equal(mt_json_len(r->json, "projects"), 2);
    json_t *first = fix_find_by_id(json_object_get(r->json, "projects"), p1);
    assert_non_null(first);
    MT_ASSERT_JSON_STR(first, "name", "Layoutanpassung");
    assert_true(mt_json_bool(first, "active"));
    assert_true(mt_json_bool(first, "billable"));
    assert_non_null(fix_find_by_id(json_object_get(r->json, "projects"), p2));
    mt_resp_free(r);

    /* renaming and archiving the project show in the company */
    fix_expect_status(s, "PUT", key, "{\"name\":\"Layout V2\",\"billable\":false}", 200,
                      "/api/v1/projects/%lld", (long long)p1);
    fix_expect_status(s, "PUT", key, NULL, 200, "/api/v1/projects/%lld/archive", (long long)p1);
    r = get_company(s, id);
    first = fix_find_by_id(json_object_get(r->json, "projects"), p1);
    assert_non_null(first);
    MT_ASSERT_JSON_STR(first, "name", "Layout V2");
    assert_false(mt_json_bool(first, "billable"));
    assert_false(mt_json_bool(first, "active"));
    mt_resp_free(r);

    /* in the list as well */
    r = mt_getf(s, key, COMPANIES_PATH "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "[0].projects"), 2);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_company(s, "customer", "Read Only Target AG");
    const char *ro = fix_read_key(s);

    mt_resp *r = mt_getf(s, ro, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);

    r = mt_post(s, COMPANIES_PATH, ro,
                "{\"name\":\"Readonly Intruder Xq\",\"type\":\"organization\"}");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "PUT", ro, "{\"name\":\"RO Renamed\"}", 403, COMPANIES_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PATCH", ro, "{\"name\":\"RO Renamed\"}", 403, COMPANIES_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PUT", ro, NULL, 403, COMPANIES_PATH "/%lld/archive", (long long)id);
    fix_expect_status(s, "PUT", ro, NULL, 403, COMPANIES_PATH "/%lld/unarchive", (long long)id);
    fix_expect_status(s, "PATCH", ro, "{\"tags\":[\"ro\"]}", 403, "/api/v1/taggings/Company/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", ro, NULL, 403, COMPANIES_PATH "/%lld", (long long)id);

    /* nothing changed */
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Read Only Target AG");
    assert_true(mt_json_bool(r->json, "active"));
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "?term=intruder%20xq", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* no key */
    fix_expect_status(s, "GET", NULL, NULL, 401, COMPANIES_PATH);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company_body(s, json_pack("{s:s, s:s, s:s, s:[s]}", "name",
                                                     "Acme Secret Customer", "type", "customer",
                                                     "currency", "EUR", "tags", "acme-secret"));
    const char *other = fix_other_key(s);

    fix_expect_status(s, "GET", other, NULL, 404, COMPANIES_PATH "/%lld", (long long)id);
    fix_expect_status(s, "PUT", other, "{\"name\":\"hijacked\"}", 404, COMPANIES_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PUT", other, NULL, 404, COMPANIES_PATH "/%lld/archive", (long long)id);
    fix_expect_status(s, "GET", other, NULL, 404, "/api/v1/taggings/Company/%lld", (long long)id);
    fix_expect_status(s, "DELETE", other, NULL, 404, COMPANIES_PATH "/%lld", (long long)id);

    /* the other account's lists do not show it */
    mt_resp *r = mt_get(s, COMPANIES_PATH "?include_archived=true", other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "?term=secret", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "?tags=acme-secret", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* the other account's own company: its numbering and identifiers are its own */
    r = mt_request_json(s, "POST", COMPANIES_PATH, other,
                        json_pack("{s:s, s:s, s:s}", "name", "Other Customer", "type", "customer",
                                  "currency", "EUR"),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "identifier", "1");
    json_int_t other_id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, COMPANIES_PATH "/%lld", (long long)other_id);
    r = mt_get(s, COMPANIES_PATH "?include_archived=true&per_page=1000", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, other_id));
    mt_resp_free(r);

    /* acme's company is untouched */
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme Secret Customer");
    assert_true(mt_json_bool(r->json, "active"));
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_customer_all_fields),
        cmocka_unit_test(test_create_customer_defaults),
        cmocka_unit_test(test_create_supplier_all_fields),
        cmocka_unit_test(test_create_organization),
        cmocka_unit_test(test_customer_tax_input),
        cmocka_unit_test(test_supplier_tax_input),
        cmocka_unit_test(test_customer_identifiers),
        cmocka_unit_test(test_create_required_fields),
        cmocka_unit_test(test_create_names_every_missing_field),
        cmocka_unit_test(test_enum_validation),
        cmocka_unit_test(test_user_id_validation),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_update_validation),
        cmocka_unit_test(test_update_customer_currency_blank),
        cmocka_unit_test(test_update_to_customer),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_delete_referenced_by_project),
        cmocka_unit_test(test_delete_referenced_by_deal),
        cmocka_unit_test(test_delete_with_contacts),
        cmocka_unit_test(test_archive_unarchive),
        cmocka_unit_test(test_list_shape_and_filters),
        cmocka_unit_test(test_term_search),
        cmocka_unit_test(test_sort_and_pagination),
        cmocka_unit_test(test_tags_and_taggings),
        cmocka_unit_test(test_custom_properties),
        cmocka_unit_test(test_projects_nested),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
