/*
 * API tests of companies (sections/companies.md): list, get, create, update, delete, archive and
 * unarchive, the filters (include_archived, type, tags, identifier, term, global ones), sort_by,
 * pagination, tags, taggings, custom properties, the nested user and projects, the deletion rules,
 * permissions and tenant isolation.
 *
 * One server for the whole file (group fixture); every test uses names of its own.
 */
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMPANIES_PATH "/api/v1/companies"
#define CP_PATH        "/api/v1/account/custom_properties"

/* The keys of the "Attributes" example of sections/companies.md, without customer_vat ("for
 * customers only") and supplier_vat ("for suppliers only"). */
#define COMPANY_BASE_KEYS                                                                          \
    "id,type,name,website,email,billing_email_cc,phone,fax,address,tags,user,info,"                \
    "custom_properties,identifier,intern,billing_tax,currency,custom_rates,include_time_report,"   \
    "billing_notes,default_discount,default_cash_discount,default_cash_discount_days,"             \
    "country_code,vat_identifier,alternative_correspondence_language,default_invoice_due_days,"    \
    "footer,projects,active,archived_on,created_at,updated_at,debit_number"
#define CUSTOMER_VAT_KEYS                                                                          \
    "tax,reverse_charge,intra_eu,active,print_gross_total,notice_tax_exemption,"                   \
    "notice_tax_exemption_alt"
#define SUPPLIER_VAT_KEYS    "tax,reverse_charge,intra_eu,active"
#define COMPANY_PROJECT_KEYS "id,identifier,name,active,billable"
#define SHORT_USER_KEYS      "id,firstname,lastname"

#define OTHER_ACCOUNT  "other"
#define OTHER_EMAIL    "admin@other.test"
#define OTHER_PASSWORD "other-pass-1"

/* ---- helpers ----------------------------------------------------------------------------- */

/* A JSON request with a printf-formatted path; the body (may be NULL) is consumed. */
static mt_resp *req_json(mt_server *s, const char *method, const char *key, json_t *body,
                         const char *path_fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(5, 6);
static mt_resp *req_json(mt_server *s, const char *method, const char *key, json_t *body,
                         const char *path_fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    if (!body)
        return mt_request(s, method, path, key, NULL, NULL);
    return mt_request_json(s, method, path, key, body, NULL);
}

/* 422 with a message and errors[field] a non-empty array of strings. */
#define assert_422(r, field) assert_422_((r), (field), __FILE__, __LINE__)
static void assert_422_(const mt_resp *r, const char *field, const char *file, int line)
{
    mt_assert_status_(r, 422, file, line);
    json_t *msg = json_object_get(r->json, "message");
    json_t *errors = json_object_get(r->json, "errors");
    json_t *list = errors ? json_object_get(errors, field) : NULL;
    if (!json_is_string(msg) || !json_is_object(errors) || !json_is_array(list) ||
        json_array_size(list) == 0 || !json_is_string(json_array_get(list, 0))) {
        print_error("%s:%d: %s %s: expected a 422 body with \"message\" and errors[\"%s\"], got "
                    "%s\n",
                    file, line, r->method, r->path, field, r->body);
        _fail(file, line);
    }
}

/* The JSON value equals the JSON text `expected`. */
#define assert_json_eq(v, expected, r) assert_json_eq_((v), (expected), (r), __FILE__, __LINE__)
static void assert_json_eq_(const json_t *v, const char *expected, const mt_resp *r,
                            const char *file, int line)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    assert_non_null(want);
    if (!v || !json_equal((json_t *)v, want)) {
        char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        print_error("%s:%d: %s %s: expected %s, got %s\n", file, line, r ? r->method : "",
                    r ? r->path : "", expected, got ? got : "(nothing)");
        free(got);
        json_decref(want);
        _fail(file, line);
    }
    json_decref(want);
}

/* The value at path is JSON null or of the given type. */
#define assert_type_or_null(root, path, type)                                                      \
    assert_type_or_null_((root), (path), (type), __FILE__, __LINE__)
static void assert_type_or_null_(const json_t *root, const char *path, json_type type,
                                 const char *file, int line)
{
    json_t *v = mt_json_get(root, path);
    if (v && json_is_null(v))
        return;
    mt_assert_json_type_(root, path, type, file, line);
}

static void assert_real_eq(const json_t *root, const char *path, double want)
{
    MT_ASSERT_JSON_TYPE(root, path, JSON_REAL);
    double got = mt_json_real(root, path);
    if (got < want - 1e-9 || got > want + 1e-9) {
        print_error("%s: expected %g, got %g\n", path, want, got);
        fail();
    }
}

static json_t *find_by_id(const json_t *arr, json_int_t id)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return NULL;
    json_array_foreach(arr, i, v)
    {
        json_t *jid = json_object_get(v, "id");
        if (json_is_integer(jid) && json_integer_value(jid) == id)
            return v;
    }
    return NULL;
}

/* true if the list at path (admin key) contains the entity with this id. */
static bool list_has(mt_server *s, const char *path, json_int_t id)
{
    mt_resp *r = mt_get(s, path, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    bool found = find_by_id(r->json, id) != NULL;
    mt_resp_free(r);
    return found;
}

/* The ids of the list reply are exactly `want` (n ids, in this order), and X-Total says n. */
#define assert_list_ids(s, key, path, want, n)                                                     \
    assert_list_ids_((s), (key), (path), (want), (n), __FILE__, __LINE__)
static void assert_list_ids_(mt_server *s, const char *key, const char *path,
                             const json_int_t *want, size_t n, const char *file, int line)
{
    mt_resp *r = mt_get(s, path, key);
    mt_assert_status_(r, 200, file, line);
    bool ok = json_is_array(r->json) && json_array_size(r->json) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = json_integer_value(json_object_get(json_array_get(r->json, i), "id")) == want[i];
    if (!ok) {
        print_error("%s:%d: GET %s: expected %zu entities (ids", file, line, path, n);
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)want[i]);
        print_error("), got %s\n", r->body);
        _fail(file, line);
    }
    char total[32];
    snprintf(total, sizeof total, "%zu", n);
    mt_assert_header_(r, "X-Total", total, file, line);
    mt_resp_free(r);
}

static void today_utc(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static json_int_t key_user_id(mt_server *s, const char *key)
{
    mt_resp *r = mt_get(s, "/api/v1/session", key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static char *g_other_key;
static const char *other_key(mt_server *s)
{
    if (!g_other_key)
        g_other_key = mt_init_account(s, OTHER_ACCOUNT, OTHER_EMAIL, OTHER_PASSWORD);
    return g_other_key;
}

static char *g_read_key;
static const char *read_key(mt_server *s)
{
    if (!g_read_key)
        g_read_key = mt_account_key(s, MT_ACCOUNT, "read");
    return g_read_key;
}

static void assert_company_shape(const json_t *c)
{
    MT_ASSERT_JSON_TYPE(c, "type", JSON_STRING);
    const char *type = mt_json_str(c, "type");
    if (!strcmp(type, "customer"))
        mt_assert_keys(c, COMPANY_BASE_KEYS ",customer_vat");
    else if (!strcmp(type, "supplier"))
        mt_assert_keys(c, COMPANY_BASE_KEYS ",supplier_vat");
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
        assert_type_or_null(c, "identifier", JSON_STRING);
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
        assert_type_or_null(c, "currency", JSON_STRING);
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
    assert_type_or_null(c, "country_code", JSON_STRING);
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
    assert_type_or_null(c, "debit_number", JSON_INTEGER);
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
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

/* A company of the given type and name (customers get currency EUR). */
static json_int_t create_company(mt_server *s, const char *type, const char *name)
{
    json_t *b = json_pack("{s:s, s:s}", "type", type, "name", name);
    if (!strcmp(type, "customer"))
        json_object_set_new(b, "currency", json_string("EUR"));
    return create_company_body(s, b);
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
    json_t *b = json_pack("{s:s, s:s, s:s}", "name", name, "entity", "Company", "kind", kind);
    if (defaults_json)
        json_object_set_new(b, "defaults", json_loads(defaults_json, 0, NULL));
    mt_resp *r = mt_request_json(s, "POST", CP_PATH, mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
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
                          key_user_id(s, mt_admin_key(s)), "customer_id", customer);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/projects", mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

/* ---- create and get ---------------------------------------------------------------------- */

static void test_create_customer_all_fields(void **state)
{
    mt_server *s = *state;
    define_fields(s);
    json_int_t admin = key_user_id(s, mt_admin_key(s));
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
        assert_json_eq(json_object_get(c, "custom_properties"),
                       "{\"UID\":\"1234-UID-4567\",\"Sector\":\"Pharma\"}", r);
        assert_json_eq(json_object_get(c, "tags"), "[\"Druckerei\",\"Netzwerk\"]", r);
        MT_ASSERT_JSON_INT(c, "user.id", admin);
        MT_ASSERT_JSON_STR(c, "footer", "<div>Footer text</div>");
        MT_ASSERT_JSON_STR(c, "currency", "CHF");
        MT_ASSERT_JSON_STR(c, "identifier", "K-0405");
        MT_ASSERT_JSON_INT(c, "default_invoice_due_days", 20);
        MT_ASSERT_JSON_INT(c, "debit_number", 10000);
        assert_true(mt_json_bool(c, "active"));
        MT_ASSERT_JSON_NULL(c, "archived_on");
        assert_json_eq(json_object_get(c, "projects"), "[]", r);
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
    assert_json_eq(json_object_get(c, "tags"), "[]", r);
    assert_json_eq(json_object_get(c, "custom_properties"), "{}", r);
    assert_json_eq(json_object_get(c, "projects"), "[]", r);
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
    assert_json_eq(json_object_get(c, "tags"), "[\"Print\"]", r);
    /* supplier_vat instead of customer_vat (assert_company_shape checked the keys) */
    assert_false(mt_json_has(c, "customer_vat"));
    assert_true(mt_json_has(c, "supplier_vat"));
    /* bank data and credit number are accepted but are not part of the representation */
    assert_false(mt_json_has(c, "iban"));
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
    assert_real_eq(r->json, "customer_vat.tax", 7.7);
    MT_ASSERT_JSON_TYPE(r->json, "billing_tax", MT_JSON_NUMBER);
    assert_true(mt_json_real(r->json, "billing_tax") > 7.69 &&
                mt_json_real(r->json, "billing_tax") < 7.71);
    mt_resp_free(r);

    r = req_json(s, "PUT", mt_admin_key(s), json_pack("{s:f}", "customer_tax", 8.1),
                 COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_real_eq(r->json, "customer_vat.tax", 8.1);
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
    assert_real_eq(r->json, "supplier_vat.tax", 19.0);
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
    r = mt_post(s, COMPANIES_PATH, mt_admin_key(s),
                "{\"name\":\"Dup Ident\",\"type\":\"customer\",\"currency\":\"EUR\","
                "\"identifier\":\"K-777\"}");
    assert_422(r, "identifier");
    mt_resp_free(r);
    json_int_t other = create_company(s, "customer", "Ident Taker");
    r = req_json(s, "PUT", mt_admin_key(s), json_pack("{s:s}", "identifier", "K-777"),
                 COMPANIES_PATH "/%lld", (long long)other);
    assert_422(r, "identifier");
    mt_resp_free(r);
    /* its own identifier again is fine */
    r = req_json(s, "PUT", mt_admin_key(s), json_pack("{s:s}", "identifier", "K-777"),
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
    assert_422(r, "name");
    assert_422(r, "type");
    mt_resp_free(r);

    r = mt_post(s, COMPANIES_PATH, key, "{\"name\":\"\",\"type\":\"supplier\"}");
    assert_422(r, "name");
    mt_resp_free(r);

    /* customers need a currency */
    r = mt_post(s, COMPANIES_PATH, key, "{\"name\":\"Nocurrtest One\",\"type\":\"customer\"}");
    assert_422(r, "currency");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Nocurrtest Two\",\"type\":\"customer\",\"currency\":\"\"}");
    assert_422(r, "currency");
    mt_resp_free(r);
    /* suppliers and organizations do not */
    create_company(s, "supplier", "Nocurrtest Supplier");
    create_company(s, "organization", "Nocurrtest Org");

    /* nothing was created by the failed requests */
    r = mt_get(s, COMPANIES_PATH "?term=nocurrtest&include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "2");
    mt_resp_free(r);
}

/* Every offending field is named at once: a customer without name and currency. */
static void test_create_names_every_missing_field(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, COMPANIES_PATH, mt_admin_key(s), "{\"type\":\"customer\"}");
    assert_422(r, "name");
    assert_422(r, "currency");
    mt_resp_free(r);
}

static void test_enum_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES_PATH, key, "{\"name\":\"Bad Type\",\"type\":\"partner\"}");
    assert_422(r, "type");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key, "{\"name\":\"Bad Type\",\"type\":\"Customer\"}");
    assert_422(r, "type");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad Format\",\"type\":\"supplier\",\"invoice_format\":\"pdf\"}");
    assert_422(r, "invoice_format");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad Means\",\"type\":\"supplier\",\"default_payment_means\":"
                "\"cash\"}");
    assert_422(r, "default_payment_means");
    mt_resp_free(r);

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
    r = req_json(s, "PUT", key, json_pack("{s:s}", "type", "vendor"), COMPANIES_PATH "/%lld",
                 (long long)id);
    assert_422(r, "type");
    mt_resp_free(r);
}

static void test_user_id_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES_PATH, key,
                         "{\"name\":\"Ghost User Co\",\"type\":\"supplier\",\"user_id\":987654}");
    assert_422(r, "user_id");
    mt_resp_free(r);

    json_int_t other_user = key_user_id(s, other_key(s));
    r = mt_request_json(s, "POST", COMPANIES_PATH, key,
                        json_pack("{s:s, s:s, s:I}", "name", "Foreign User Co", "type", "supplier",
                                  "user_id", other_user),
                        NULL);
    assert_422(r, "user_id");
    mt_resp_free(r);

    json_int_t id = create_company(s, "supplier", "User Update Co");
    r = req_json(s, "PUT", key, json_pack("{s:I}", "user_id", other_user), COMPANIES_PATH "/%lld",
                 (long long)id);
    assert_422(r, "user_id");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_NULL(r->json, "user");
    mt_resp_free(r);
}

/* ---- update ------------------------------------------------------------------------------ */

static void test_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = key_user_id(s, key);
    mt_resp *r =
        create_company_resp(s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "name", "Update Me AG",
                                         "type", "customer", "currency", "EUR", "email",
                                         "old@update.test", "info", "keep me", "tags", "Keep"));
    json_int_t id = mt_json_int(r->json, "id");
    const char *ident = mt_json_str(r->json, "identifier");
    char identifier[64];
    snprintf(identifier, sizeof identifier, "%s", ident);
    mt_resp_free(r);

    r = req_json(s, "PUT", key,
                 json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:b}", "name", "Beispiel GmbH",
                           "email", "new@update.test", "user_id", admin, "country_code", "DE",
                           "address", "Neue Strasse 1", "footer", "<p>f</p>", "billing_notes",
                           "notes", "alternative_correspondence_language", 1),
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
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Keep\"]", r);
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
    r = mt_put(s, COMPANIES_PATH "/987654321", key, "{\"name\":\"x\"}");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_update_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Update Validation AG");
    mt_resp *r = req_json(s, "PUT", key, json_pack("{s:s}", "name", ""), COMPANIES_PATH "/%lld",
                          (long long)id);
    assert_422(r, "name");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"name\":null}", COMPANIES_PATH "/%lld", (long long)id);
    assert_422(r, "name");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Update Validation AG");
    mt_resp_free(r);
}

/* The currency is mandatory for customers: an update cannot blank it. */
static void test_update_customer_currency_blank(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_company(s, "customer", "Currency Keeper AG");
    mt_resp *r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"currency\":\"\"}",
                             COMPANIES_PATH "/%lld", (long long)id);
    assert_422(r, "currency");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    mt_resp_free(r);
}

/* A company that becomes a customer needs a currency like a new customer, and gets an
 * identifier (customers are numbered) or is refused naming it. */
static void test_update_to_customer(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "organization", "Becomes Customer Org");
    mt_resp *r = mt_requestf(s, "PUT", key, "{\"type\":\"customer\"}", COMPANIES_PATH "/%lld",
                             (long long)id);
    assert_422(r, "currency");
    mt_resp_free(r);
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "type", "organization");
    mt_resp_free(r);

    r = mt_requestf(s, "PUT", key, "{\"type\":\"customer\",\"currency\":\"EUR\"}",
                    COMPANIES_PATH "/%lld", (long long)id);
    if (r->status == 422) {
        assert_422(r, "identifier");
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
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
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
    r = mt_deletef(s, key, "/api/v1/projects/%lld", (long long)project);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
}

static void test_delete_referenced_by_deal(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company(s, "customer", "Deal Owner AG");
    json_t *b =
        json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I}", "name", "Blocking Deal", "currency", "EUR",
                  "money", 1000, "reminder_date", "2024-01-15", "user_id", key_user_id(s, key),
                  "deal_category_id", first_deal_category(s), "company_id", id);
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
    r = mt_deletef(s, key, "/api/v1/deals/%lld", (long long)deal);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
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
    r = mt_deletef(s, key, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
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
    assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta", only_stay, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta&include_archived=false",
                    only_stay, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta&include_archived=true", both,
                    2);
    r = mt_get(s, COMPANIES_PATH "?include_archived=maybe", key);
    assert_422(r, "include_archived");
    mt_resp_free(r);

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
    assert_list_ids(s, key, COMPANIES_PATH "?term=archivable%20zeta", both, 2);

    r = mt_requestf(s, "PUT", key, NULL, COMPANIES_PATH "/987654321/archive");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, NULL, COMPANIES_PATH "/987654321/unarchive");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
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
    assert_true(mt_json_has(find_by_id(r->json, cust), "customer_vat"));
    assert_true(mt_json_has(find_by_id(r->json, supp), "supplier_vat"));
    MT_ASSERT_JSON_STR(find_by_id(r->json, org), "type", "organization");
    mt_resp_free(r);

    json_int_t c_only[] = {cust}, s_only[] = {supp}, o_only[] = {org};
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=customer", c_only, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=supplier", s_only, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&type=organization", o_only, 1);
    /* tags: a comma separated list */
    /* tags: a comma separated list; a company with both is found, one with neither is not */
    json_int_t both =
        create_company_body(s, json_pack("{s:s, s:s, s:[s,s]}", "name", "Filterwerk Beide", "type",
                                         "organization", "tags", "Automotive", "Pharma"));
    assert_true(list_has(s, COMPANIES_PATH "?tags=Automotive,%20Pharma", both));
    assert_false(list_has(s, COMPANIES_PATH "?tags=Automotive,%20Pharma", org));
    json_int_t auto_tagged[] = {cust, both};
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Automotive", auto_tagged, 2);
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Automot", NULL, 0);
    /* identifier */
    assert_list_ids(s, key, COMPANIES_PATH "?identifier=FW-1", c_only, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?identifier=FW-2", NULL, 0);
    /* global filters: ids, updated_after */
    char path[256];
    snprintf(path, sizeof path, COMPANIES_PATH "?ids=%lld,%lld", (long long)org, (long long)supp);
    json_int_t so[] = {supp, org};
    assert_list_ids(s, key, path, so, 2);
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&updated_after=2999-01-01T00:00:00Z",
                    NULL, 0);
    json_int_t all3[] = {cust, supp, org};
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Filterwerk&updated_after=2000-01-01T00:00:00Z",
                    all3, 3);
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
    assert_list_ids(s, key, COMPANIES_PATH "?term=acme%20corp", a, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?term=ACME", a, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?term=termtest", ab, 2);
    assert_list_ids(s, key, COMPANIES_PATH "?term=termtest%20beta", b, 1);
    /* identifier */
    assert_list_ids(s, key, COMPANIES_PATH "?term=TT-0405", a, 1);
    /* no match */
    assert_list_ids(s, key, COMPANIES_PATH "?term=termtest%20gamma", NULL, 0);
}

static void test_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t c = create_company(s, "organization", "Sortpage Charlie");
    json_int_t a = create_company(s, "organization", "Sortpage Alpha");
    json_int_t b = create_company(s, "organization", "Sortpage Bravo");

    json_int_t asc[] = {a, b, c}, desc[] = {c, b, a}, by_id[] = {c, a, b};
    assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name", asc, 3);
    assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name%20asc", asc, 3);
    assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage&sort_by=name%20desc", desc, 3);
    assert_list_ids(s, key, COMPANIES_PATH "?term=sortpage", by_id, 3);

    mt_resp *r = mt_get(s, COMPANIES_PATH "?sort_by=website", key);
    assert_422(r, "sort_by");
    mt_resp_free(r);

    /* pagination */
    r = mt_get(s, COMPANIES_PATH "?term=sortpage&sort_by=name&per_page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a);
    MT_ASSERT_JSON_INT(r->json, "[1].id", b);
    const char *link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"next\""));
    assert_non_null(strstr(link, "page=2"));
    assert_non_null(strstr(link, "term=sortpage"));
    assert_null(strstr(link, "rel=\"prev\""));
    mt_resp_free(r);

    r = mt_get(s, COMPANIES_PATH "?term=sortpage&sort_by=name&per_page=2&page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"prev\""));
    assert_null(strstr(link, "rel=\"next\""));
    mt_resp_free(r);

    r = mt_get(s, COMPANIES_PATH "?page=0", key);
    assert_422(r, "page");
    mt_resp_free(r);
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
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Alpha Tag\",\"Zebra Tag\"]", r);
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
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\"]", r);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"info\":\"no tags\"}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\"]", r);
    mt_resp_free(r);

    /* taggings */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/taggings/Company/%lld", (long long)id);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Beta Tag\"]", r);
    mt_resp_free(r);
    r = mt_patch(s, path, key, "{\"tags\":[\"Gamma Tag\"]}");
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Beta Tag\",\"Gamma Tag\"]", r);
    mt_resp_free(r);
    r = get_company(s, id);
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Beta Tag\",\"Gamma Tag\"]", r);
    mt_resp_free(r);
    json_int_t only[] = {id};
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Gamma%20Tag", only, 1);
    r = mt_put(s, path, key, "{\"tags\":[\"Delta Tag\"]}");
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Delta Tag\"]", r);
    mt_resp_free(r);
    r = mt_request(s, "DELETE", path, key, "{\"tags\":[\"Delta Tag\"]}", NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[]", r);
    mt_resp_free(r);
    r = get_company(s, id);
    assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    assert_list_ids(s, key, COMPANIES_PATH "?tags=Gamma%20Tag", NULL, 0);

    r = mt_requestf(s, "PUT", key, "{\"tags\":[\"x\"]}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"tags\":[]}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);

    /* bad tags */
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad Tags\",\"type\":\"organization\",\"tags\":\"x\"}");
    assert_422(r, "tags");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad Tags\",\"type\":\"organization\",\"tags\":[1]}");
    assert_422(r, "tags");
    mt_resp_free(r);
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
    assert_json_eq(json_object_get(r->json, "custom_properties"),
                   "{\"UID\":\"CP-UID-1\",\"Sector\":\"Automotive\",\"Partner\":\"1\"}", r);
    mt_resp_free(r);
    json_int_t plain = create_company(s, "customer", "Custom Props Plain AG");

    /* filters (with the type parameter, as the docs ask) */
    json_int_t only[] = {id};
    assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUID%5D=CP-UID-1",
                    only, 1);
    assert_list_ids(
        s, key, COMPANIES_PATH "?type=customer&custom_properties%5BSector%5D=Automotive", only, 1);
    assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUID%5D=nope", NULL,
                    0);
    assert_list_ids(s, key, COMPANIES_PATH "?type=customer&custom_properties%5BUnknown%5D=x", NULL,
                    0);

    /* bad values name the custom field */
    r = mt_requestf(s, "PUT", key, "{\"custom_properties\":{\"Sector\":\"Mining\"}}",
                    COMPANIES_PATH "/%lld", (long long)plain);
    assert_422(r, "custom_properties.Sector");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"custom_properties\":{\"Nope\":\"x\"}}",
                    COMPANIES_PATH "/%lld", (long long)plain);
    assert_422(r, "custom_properties.Nope");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad CP\",\"type\":\"supplier\",\"custom_properties\":{\"Partner\":"
                "\"perhaps\"}}");
    assert_422(r, "custom_properties.Partner");
    mt_resp_free(r);
    r = mt_post(s, COMPANIES_PATH, key,
                "{\"name\":\"Bad CP\",\"type\":\"supplier\",\"custom_properties\":\"x\"}");
    assert_422(r, "custom_properties");
    mt_resp_free(r);

    /* an update without custom_properties keeps them; one with them replaces (seed rule) */
    r = mt_requestf(s, "PUT", key, "{\"info\":\"cp\"}", COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(json_object_get(r->json, "custom_properties"),
                   "{\"UID\":\"CP-UID-1\",\"Sector\":\"Automotive\",\"Partner\":\"1\"}", r);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"custom_properties\":{\"UID\":\"CP-UID-2\"}}",
                    COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"UID\":\"CP-UID-2\"}", r);
    mt_resp_free(r);
    r = get_company(s, id);
    assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"UID\":\"CP-UID-2\"}", r);
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
    json_t *first = find_by_id(json_object_get(r->json, "projects"), p1);
    assert_non_null(first);
    MT_ASSERT_JSON_STR(first, "name", "Layoutanpassung");
    assert_true(mt_json_bool(first, "active"));
    assert_true(mt_json_bool(first, "billable"));
    assert_non_null(find_by_id(json_object_get(r->json, "projects"), p2));
    mt_resp_free(r);

    /* renaming and archiving the project show in the company */
    r = mt_requestf(s, "PUT", key, "{\"name\":\"Layout V2\",\"billable\":false}",
                    "/api/v1/projects/%lld", (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, NULL, "/api/v1/projects/%lld/archive", (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = get_company(s, id);
    first = find_by_id(json_object_get(r->json, "projects"), p1);
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
    const char *ro = read_key(s);

    mt_resp *r = mt_getf(s, ro, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_company_shape(r->json);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(find_by_id(r->json, id));
    mt_resp_free(r);

    r = mt_post(s, COMPANIES_PATH, ro,
                "{\"name\":\"Readonly Intruder Xq\",\"type\":\"organization\"}");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, "{\"name\":\"RO Renamed\"}", COMPANIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", ro, "{\"name\":\"RO Renamed\"}", COMPANIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, NULL, COMPANIES_PATH "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, NULL, COMPANIES_PATH "/%lld/unarchive", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", ro, "{\"tags\":[\"ro\"]}", "/api/v1/taggings/Company/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_deletef(s, ro, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    /* nothing changed */
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Read Only Target AG");
    assert_true(mt_json_bool(r->json, "active"));
    assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "?term=intruder%20xq", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* no key */
    r = mt_get(s, COMPANIES_PATH, NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_company_body(s, json_pack("{s:s, s:s, s:s, s:[s]}", "name",
                                                     "Acme Secret Customer", "type", "customer",
                                                     "currency", "EUR", "tags", "acme-secret"));
    const char *other = other_key(s);

    mt_resp *r = mt_getf(s, other, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", other, "{\"name\":\"hijacked\"}", COMPANIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", other, NULL, COMPANIES_PATH "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, other, "/api/v1/taggings/Company/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, other, COMPANIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* the other account's lists do not show it */
    r = mt_get(s, COMPANIES_PATH "?include_archived=true", other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(find_by_id(r->json, id));
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
    r = mt_getf(s, key, COMPANIES_PATH "/%lld", (long long)other_id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_get(s, COMPANIES_PATH "?include_archived=true&per_page=1000", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(find_by_id(r->json, other_id));
    mt_resp_free(r);

    /* acme's company is untouched */
    r = get_company(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme Secret Customer");
    assert_true(mt_json_bool(r->json, "active"));
    mt_resp_free(r);
}

static int teardown(void **state)
{
    free(g_other_key);
    free(g_read_key);
    g_other_key = g_read_key = NULL;
    return mt_teardown(state);
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
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
