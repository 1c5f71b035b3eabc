/* API tests of VAT codes (sections/vat_codes.md) and letter papers (sections/letter_papers.md):
 * read-only lists and entities of the defaults every account comes with. One server for the
 * whole file (group fixture); the last test restarts it. */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys of the "Attributes" examples, plus the engine's timestamps. */
#define SALE_KEYS                                                                                  \
    "id,tax,reverse_charge,intra_eu,active,print_gross_total,notice_tax_exemption,"                \
    "notice_tax_exemption_alt,code,credit_account,created_at,updated_at"
#define PURCHASE_KEYS "id,tax,reverse_charge,intra_eu,active,code,created_at,updated_at"
#define PAPER_KEYS    "id,name,active,template,file,header_text,footer_text,created_at,updated_at"

#define N_SALES     6
#define N_PURCHASES 6

static void assert_sale_shape(const json_t *v)
{
    mt_assert_keys(v, SALE_KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "tax", JSON_REAL);
    MT_ASSERT_JSON_TYPE(v, "reverse_charge", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "intra_eu", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "print_gross_total", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "notice_tax_exemption", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "notice_tax_exemption_alt", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "code", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "credit_account", JSON_STRING);
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

static void assert_purchase_shape(const json_t *v)
{
    mt_assert_keys(v, PURCHASE_KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "tax", JSON_REAL);
    MT_ASSERT_JSON_TYPE(v, "reverse_charge", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "intra_eu", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(v, "code", JSON_STRING);
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

static void assert_paper_shape(const json_t *v)
{
    mt_assert_keys(v, PAPER_KEYS);
    MT_ASSERT_JSON_TYPE(v, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(v, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(v, "active", MT_JSON_BOOL);
    fix_assert_type_or_null(v, "template", JSON_STRING);
    fix_assert_type_or_null(v, "file", JSON_STRING);
    MT_ASSERT_TIMESTAMP(v, "created_at");
    MT_ASSERT_TIMESTAMP(v, "updated_at");
}

/* Fail unless object v has every member of the JSON object text `expected`, equal. */
#define assert_has(v, expected, r) assert_has_((v), (expected), (r), __FILE__, __LINE__)
static void assert_has_(const json_t *v, const char *expected, const mt_resp *r, const char *file,
                        int line)
{
    json_t *want = json_loads(expected, 0, NULL);
    if (!want)
        fail_msg("%s:%d: bad expected JSON %s", file, line, expected);
    const char *k;
    json_t *x;
    json_object_foreach(want, k, x)
    {
        if (!json_equal(json_object_get(v, k), x))
            fail_msg("%s:%d: %s: expected %s in %s", file, line, k, expected, r ? r->body : "");
    }
    json_decref(want);
}

/* The element of list `a` with this tax (percent, exact in binary for the values used) and code;
 * fails when there is none. */
static json_t *find_code(const json_t *a, double tax, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_real_value(json_object_get(v, "tax")) == tax &&
            !strcmp(json_string_value(json_object_get(v, "code")), code))
            return v;
    }
    fail_msg("no VAT code %g %% with code \"%s\"", tax, code);
    return NULL;
}

/* The ids of the list at path (admin key, status 200 asserted) into ids; their count. */
static size_t list_ids(mt_server *s, const char *key, const char *path, json_int_t *ids, size_t max)
{
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    size_t n = json_array_size(r->json);
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_integer_value(json_object_get(json_array_get(r->json, i), "id"));
    mt_resp_free(r);
    return n;
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_vat_code_sales_list(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, "/api/v1/vat_code_sales", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(mt_header(r, "Content-Type"), "application/json"));
    MT_ASSERT_HEADER(r, "X-Total", "6");
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "100");
    assert_int_equal(json_array_size(r->json), N_SALES);
    size_t i;
    json_t *v;
    json_int_t last = 0;
    json_array_foreach(r->json, i, v)
    {
        assert_sale_shape(v);
        assert_true(json_integer_value(json_object_get(v, "id")) > last); /* by id */
        last = json_integer_value(json_object_get(v, "id"));
    }
    /* the German defaults */
    json_t *full = find_code(r->json, 19.0, "3");
    assert_has(full,
               "{\"reverse_charge\":false,\"intra_eu\":false,\"active\":true,"
               "\"print_gross_total\":true,\"notice_tax_exemption\":\"\","
               "\"notice_tax_exemption_alt\":\"\",\"credit_account\":\"8400\"}",
               r);
    json_t *reduced = find_code(r->json, 7.0, "2");
    MT_ASSERT_JSON_STR(reduced, "credit_account", "8300");
    MT_ASSERT_JSON_TYPE(reduced, "active", JSON_TRUE);
    /* 0 %: the intra-EU reverse charge and the tax-free export, each with its notice */
    json_t *rc = find_code(r->json, 0.0, "");
    MT_ASSERT_JSON_TYPE(rc, "reverse_charge", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(rc, "intra_eu", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(rc, "print_gross_total", JSON_FALSE);
    assert_non_null(strstr(json_string_value(json_object_get(rc, "notice_tax_exemption")),
                           "Steuerschuldnerschaft des Leistungsempfängers"));
    MT_ASSERT_JSON_STR(rc, "credit_account", "8336");
    /* the documented example, and the 16 % of 2020, inactive */
    json_t *ex = find_code(r->json, 7.7, "9");
    assert_has(ex,
               "{\"reverse_charge\":false,\"intra_eu\":false,\"active\":true,"
               "\"print_gross_total\":true,\"notice_tax_exemption\":\"\","
               "\"notice_tax_exemption_alt\":\"\",\"code\":\"9\","
               "\"credit_account\":\"4000\"}",
               r);
    MT_ASSERT_JSON_TYPE(find_code(r->json, 16.0, "5"), "active", JSON_FALSE);
    /* rates are exact decimals, written as the example writes them */
    assert_non_null(strstr(r->body, "\"tax\":7.7,"));
    assert_non_null(strstr(r->body, "\"tax\":19.0,"));
    assert_non_null(strstr(r->body, "\"tax\":0.0,"));
    mt_resp_free(r);
}

static void test_vat_code_purchases_list(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, "/api/v1/vat_code_purchases", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "6");
    assert_int_equal(json_array_size(r->json), N_PURCHASES);
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v)
    {
        assert_purchase_shape(v);
    }
    assert_has(find_code(r->json, 19.0, "9"),
               "{\"reverse_charge\":false,\"intra_eu\":false,\"active\":true}", r);
    MT_ASSERT_JSON_TYPE(find_code(r->json, 7.0, "8"), "active", JSON_TRUE);
    json_t *eu = find_code(r->json, 19.0, "94");
    MT_ASSERT_JSON_TYPE(eu, "reverse_charge", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(eu, "intra_eu", JSON_TRUE);
    assert_has(find_code(r->json, 7.7, "9"),
               "{\"reverse_charge\":false,\"intra_eu\":false,\"active\":true}", r);
    MT_ASSERT_JSON_TYPE(find_code(r->json, 16.0, "7"), "active", JSON_FALSE);
    find_code(r->json, 0.0, "0");
    assert_non_null(strstr(r->body, "\"tax\":7.7,"));
    mt_resp_free(r);
}

static void test_letter_papers_list(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, "/api/v1/letter_papers", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "1");
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "100");
    assert_int_equal(json_array_size(r->json), 1);
    json_t *p = json_array_get(r->json, 0);
    assert_paper_shape(p);
    MT_ASSERT_JSON_STR(p, "name", "Standard Letter Paper");
    MT_ASSERT_JSON_TYPE(p, "active", JSON_TRUE);
    MT_ASSERT_JSON_NULL(p, "template"); /* for every kind of document */
    MT_ASSERT_JSON_NULL(p, "file");     /* plain paper */
    json_int_t id = json_integer_value(json_object_get(p, "id"));
    mt_resp_free(r);

    /* the documented parameters: pages, ids, updated_after */
    r = mt_get(s, "/api/v1/letter_papers?page=2&per_page=1", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Per-Page", "1");
    MT_ASSERT_HEADER(r, "X-Total", "1");
    mt_resp_free(r);
    json_int_t want[] = {id};
    fix_assert_list_ids(s, mt_admin_key(s),
                        fix_fmt("/api/v1/letter_papers?ids=%lld", (long long)id), want, 1);
    fix_assert_list_ids(s, mt_admin_key(s),
                        fix_fmt("/api/v1/letter_papers?ids=%lld", (long long)id + 1000), want, 0);
    fix_assert_list_ids(s, mt_admin_key(s),
                        "/api/v1/letter_papers?updated_after=2000-01-01T00:00:00Z", want, 1);
    fix_assert_list_ids(s, mt_admin_key(s),
                        "/api/v1/letter_papers?updated_after=2999-01-01T00:00:00Z", want, 0);
    fix_expect_422(s, "GET", mt_admin_key(s), NULL, "ids", "/api/v1/letter_papers?ids=x");
    fix_expect_422(s, "GET", mt_admin_key(s), NULL, "per_page", "/api/v1/letter_papers?per_page=0");
}

/* ---- get ----------------------------------------------------------------------------------- */

static void test_vat_codes_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *list = mt_get(s, "/api/v1/vat_code_sales", key);
    MT_ASSERT_STATUS(list, 200);
    json_t *ex = find_code(list->json, 7.7, "9");
    json_int_t id = json_integer_value(json_object_get(ex, "id"));
    mt_resp *r = mt_getf(s, key, "/api/v1/vat_code_sales/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_sale_shape(r->json);
    assert_true(json_equal(r->json, ex)); /* the entity as the list shows it */
    assert_int_equal(strncmp(r->body, "{\"id\":", 6), 0);
    assert_non_null(strstr(r->body, "\"tax\":7.7,"));
    mt_resp_free(r);
    mt_resp_free(list);

    list = mt_get(s, "/api/v1/vat_code_purchases", key);
    MT_ASSERT_STATUS(list, 200);
    ex = find_code(list->json, 16.0, "7");
    id = json_integer_value(json_object_get(ex, "id"));
    r = mt_getf(s, key, "/api/v1/vat_code_purchases/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_purchase_shape(r->json);
    assert_true(json_equal(r->json, ex));
    assert_non_null(strstr(r->body, "\"tax\":16.0,"));
    mt_resp_free(r);
    mt_resp_free(list);

    json_int_t ids[4];
    assert_int_equal(list_ids(s, key, "/api/v1/letter_papers", ids, 4), 1);
    r = mt_getf(s, key, "/api/v1/letter_papers/%lld", (long long)ids[0]);
    MT_ASSERT_STATUS(r, 200);
    assert_paper_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", ids[0]);
    MT_ASSERT_JSON_STR(r->json, "name", "Standard Letter Paper");
    mt_resp_free(r);

    /* unknown ids, and a sale code's id is no purchase code */
    fix_expect_error(s, "GET", key, NULL, 404, "/api/v1/vat_code_sales/999999");
    fix_expect_error(s, "GET", key, NULL, 404, "/api/v1/vat_code_purchases/999999");
    fix_expect_error(s, "GET", key, NULL, 404, "/api/v1/letter_papers/999999");
}

/* ---- filters ------------------------------------------------------------------------------- */

/* The number of rows path lists (admin key), checked against X-Total, and that each has
 * bool field == want. */
static size_t count_where(mt_server *s, const char *path, const char *field, bool want)
{
    mt_resp *r = mt_get(s, path, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t n = json_array_size(r->json);
    MT_ASSERT_HEADER(r, "X-Total", fix_fmt("%zu", n));
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v)
    {
        if (json_is_true(json_object_get(v, field)) != want)
            fail_msg("%s lists an entity with %s=%s: %s", path, field, want ? "false" : "true",
                     r->body);
    }
    mt_resp_free(r);
    return n;
}

static void test_vat_codes_filters(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    static const char *const paths[] = {"vat_code_sales", "vat_code_purchases"};
    /* seeded: sales 1 reverse charge (intra-EU), 1 inactive; purchases the same */
    for (int k = 0; k < 2; k++) {
        const char *p = paths[k];
        assert_int_equal(
            count_where(s, fix_fmt("/api/v1/%s?reverse_charge=true", p), "reverse_charge", true),
            1);
        assert_int_equal(
            count_where(s, fix_fmt("/api/v1/%s?reverse_charge=false", p), "reverse_charge", false),
            5);
        assert_int_equal(count_where(s, fix_fmt("/api/v1/%s?intra_eu=true", p), "intra_eu", true),
                         1);
        assert_int_equal(count_where(s, fix_fmt("/api/v1/%s?intra_eu=false", p), "intra_eu", false),
                         5);
        assert_int_equal(count_where(s, fix_fmt("/api/v1/%s?active=true", p), "active", true), 5);
        assert_int_equal(count_where(s, fix_fmt("/api/v1/%s?active=false", p), "active", false), 1);
        /* combined */
        assert_int_equal(
            count_where(s, fix_fmt("/api/v1/%s?active=false&intra_eu=true", p), "active", false),
            0);
        assert_int_equal(count_where(s, fix_fmt("/api/v1/%s?active=true&reverse_charge=true", p),
                                     "reverse_charge", true),
                         1);
        /* ids */
        json_int_t all[8];
        size_t n = list_ids(s, key, fix_fmt("/api/v1/%s", p), all, 8);
        assert_int_equal(n, 6);
        json_int_t want[] = {all[1], all[4]};
        fix_assert_list_ids(
            s, key, fix_fmt("/api/v1/%s?ids=%lld,%lld", p, (long long)all[4], (long long)all[1]),
            want, 2);
        fix_assert_list_ids(s, key, fix_fmt("/api/v1/%s?ids=", p), want, 0);
        /* global: pages, updated_after */
        mt_resp *r = mt_get(s, fix_fmt("/api/v1/%s?per_page=4&page=2", p), key);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(json_array_size(r->json), 2);
        MT_ASSERT_HEADER(r, "X-Total", "6");
        MT_ASSERT_JSON_INT(json_array_get(r->json, 0), "id", all[4]);
        fix_assert_link(r, false, true);
        mt_resp_free(r);
        fix_assert_list_ids(s, key, fix_fmt("/api/v1/%s?updated_after=2999-01-01T00:00:00Z", p),
                            want, 0);
        /* sort_by the rate */
        static const double desc[2][6] = {{19.0, 16.0, 7.7, 7.0, 0.0, 0.0},
                                          {19.0, 19.0, 16.0, 7.7, 7.0, 0.0}};
        r = mt_get(s, fix_fmt("/api/v1/%s?sort_by=tax%%20desc", p), key);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(json_array_size(r->json), 6);
        for (size_t i = 0; i < 6; i++)
            if (json_real_value(json_object_get(json_array_get(r->json, i), "tax")) != desc[k][i])
                fail_msg("%s by tax desc: %zu. is not %g: %s", p, i, desc[k][i], r->body);
        mt_resp_free(r);
        /* bad values name the parameter */
        fix_expect_422(s, "GET", key, NULL, "active", "/api/v1/%s?active=maybe", p);
        fix_expect_422(s, "GET", key, NULL, "reverse_charge", "/api/v1/%s?reverse_charge=2x", p);
        fix_expect_422(s, "GET", key, NULL, "intra_eu", "/api/v1/%s?intra_eu=yes!", p);
        fix_expect_422(s, "GET", key, NULL, "ids", "/api/v1/%s?ids=1,a", p);
    }
}

/* ---- read-only, permissions, tenants ------------------------------------------------------ */

/* Letter papers are mocod's to write (administrators): the texts it prints on every page. */
static void test_letter_papers_write(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_request(s, "POST", "/api/v1/letter_papers", key,
                            "{\"name\":\"Offers\",\"template\":\"offer\","
                            "\"header_text\":\"Acme GmbH\",\"footer_text\":\"IBAN DE00\"}",
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_paper_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "template", "offer");
    MT_ASSERT_JSON_STR(r->json, "footer_text", "IBAN DE00");
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    MT_ASSERT_JSON_NULL(r->json, "file");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key, "{\"name\":\"x\",\"template\":\"poster\"}", "template",
                   "/api/v1/letter_papers");
    fix_expect_422(s, "POST", key, "{\"template\":\"offer\"}", "name", "/api/v1/letter_papers");
    r = mt_request(s, "PUT", fix_fmt("/api/v1/letter_papers/%lld", (long long)id), key,
                   "{\"active\":false,\"file\":\"https://evil.test/x.pdf\"}", NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    MT_ASSERT_JSON_NULL(r->json, "file"); /* not the client's to set */
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/letter_papers/%lld", (long long)id);
    fix_expect_error(s, "GET", key, NULL, 404, "/api/v1/letter_papers/%lld", (long long)id);
}

static void test_vat_codes_read_only(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t ids[8];
    static const char *const paths[] = {"vat_code_sales", "vat_code_purchases"};
    for (int k = 0; k < 2; k++) {
        const char *p = paths[k];
        size_t n = list_ids(s, key, fix_fmt("/api/v1/%s", p), ids, 8);
        assert_true(n >= 1);
        mt_resp *r = mt_get(s, fix_fmt("/api/v1/%s", p), key);
        MT_ASSERT_STATUS(r, 200);
        const char *before = fix_fmt("%s", r->body);
        mt_resp_free(r);
        /* no writes: 405, allowing GET only */
        static const char *const methods[] = {"POST", "PUT", "PATCH", "DELETE"};
        for (int m = 0; m < 4; m++) {
            const char *path =
                m ? fix_fmt("/api/v1/%s/%lld", p, (long long)ids[0]) : fix_fmt("/api/v1/%s", p);
            r = mt_request(s, methods[m], path, key, "{\"tax\":5,\"name\":\"x\",\"active\":false}",
                           NULL);
            fix_assert_json_error(r, 405);
            MT_ASSERT_HEADER(r, "Allow", "GET");
            mt_resp_free(r);
        }
        r = mt_get(s, fix_fmt("/api/v1/%s", p), key);
        MT_ASSERT_STATUS(r, 200);
        assert_string_equal(r->body, before); /* nothing changed */
        mt_resp_free(r);
    }
}

static void expect_read(mt_server *s, const char *key, const char *path, long status)
{
    fix_expect_status(s, "GET", key, NULL, status, "/api/v1/%s", path);
}

static void test_vat_codes_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t sale[8], purchase[8], paper[4];
    list_ids(s, mt_admin_key(s), "/api/v1/vat_code_sales", sale, 8);
    list_ids(s, mt_admin_key(s), "/api/v1/vat_code_purchases", purchase, 8);
    list_ids(s, mt_admin_key(s), "/api/v1/letter_papers", paper, 4);
    const char *one_sale = fix_fmt("vat_code_sales/%lld", (long long)sale[0]);
    const char *one_purchase = fix_fmt("vat_code_purchases/%lld", (long long)purchase[0]);
    const char *one_paper = fix_fmt("letter_papers/%lld", (long long)paper[0]);

    /* no key */
    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/vat_code_sales");
    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/vat_code_purchases");
    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/letter_papers");

    /* Employee and Staff: invoicing and purchases none */
    static const char *const none[] = {"Employee", "Staff"};
    for (int k = 0; k < 2; k++) {
        char *key = NULL;
        fix_user_with_role(s, none[k], none[k], &key);
        expect_read(s, key, "vat_code_sales", 403);
        expect_read(s, key, one_sale, 403);
        expect_read(s, key, "vat_code_purchases", 403);
        expect_read(s, key, one_purchase, 403);
        expect_read(s, key, "letter_papers", 403);
        expect_read(s, key, one_paper, 403);
        free(key);
    }
    /* Project leader: invoicing read, purchases none */
    char *key = NULL;
    fix_user_with_role(s, "Leader", "Project leader", &key);
    expect_read(s, key, "vat_code_sales", 200);
    expect_read(s, key, one_sale, 200);
    expect_read(s, key, "letter_papers", 200);
    expect_read(s, key, one_paper, 200);
    expect_read(s, key, "vat_code_purchases", 403);
    expect_read(s, key, one_purchase, 403);
    free(key);
    /* Read-only role and the read-only account key: everything */
    key = NULL;
    fix_user_with_role(s, "Reader", "Read-only", &key);
    const char *keys[] = {key, fix_read_key(s)};
    for (int k = 0; k < 2; k++) {
        expect_read(s, keys[k], "vat_code_sales", 200);
        expect_read(s, keys[k], one_sale, 200);
        expect_read(s, keys[k], "vat_code_purchases", 200);
        expect_read(s, keys[k], one_purchase, 200);
        expect_read(s, keys[k], "letter_papers", 200);
        expect_read(s, keys[k], one_paper, 200);
    }
    free(key);
}

/* A new account ("other", made while the server runs) comes with its own codes and paper, which
 * acme never sees, and the other way round. */
static void test_vat_codes_tenants(void **state)
{
    mt_server *s = *state;
    const char *mine = mt_admin_key(s);
    const char *theirs = fix_other_key(s);
    static const char *const paths[] = {"vat_code_sales", "vat_code_purchases", "letter_papers"};
    static const size_t counts[] = {N_SALES, N_PURCHASES, 1};
    for (int k = 0; k < 3; k++) {
        const char *p = paths[k];
        json_int_t a[8], b[8];
        size_t na = list_ids(s, mine, fix_fmt("/api/v1/%s", p), a, 8);
        size_t nb = list_ids(s, theirs, fix_fmt("/api/v1/%s", p), b, 8);
        assert_int_equal(na, counts[k]);
        assert_int_equal(nb, counts[k]); /* the new account has them all */
        for (size_t i = 0; i < nb; i++) {
            for (size_t j = 0; j < na; j++)
                assert_true(a[j] != b[i]);
            fix_expect_error(s, "GET", mine, NULL, 404, "/api/v1/%s/%lld", p, (long long)b[i]);
            fix_expect_status(s, "GET", theirs, NULL, 200, "/api/v1/%s/%lld", p, (long long)b[i]);
        }
        fix_expect_error(s, "GET", theirs, NULL, 404, "/api/v1/%s/%lld", p, (long long)a[0]);
        fix_assert_list_ids(s, mine, fix_fmt("/api/v1/%s?ids=%lld", p, (long long)b[0]), b, 0);
    }
    /* the same defaults, value for value */
    mt_resp *r1 = mt_get(s, "/api/v1/vat_code_sales", mine);
    mt_resp *r2 = mt_get(s, "/api/v1/vat_code_sales", theirs);
    MT_ASSERT_STATUS(r1, 200);
    MT_ASSERT_STATUS(r2, 200);
    for (size_t i = 0; i < N_SALES; i++) {
        json_t *x = json_deep_copy(json_array_get(r1->json, i));
        json_t *y = json_deep_copy(json_array_get(r2->json, i));
        static const char *const drop[] = {"id", "created_at", "updated_at"};
        for (int d = 0; d < 3; d++) {
            json_object_del(x, drop[d]);
            json_object_del(y, drop[d]);
        }
        assert_true(json_equal(x, y));
        json_decref(x);
        json_decref(y);
    }
    mt_resp_free(r1);
    mt_resp_free(r2);
}

/* An account of a database from before VAT codes (none of them, nor a letter paper) gets the
 * defaults when the server starts. Restarts the server: the last test. */
static void test_vat_codes_existing_account_migrated(void **state)
{
    mt_server *s = *state;
    mt_sql_exec(s, "DELETE FROM vat_code_sales; DELETE FROM vat_code_purchases; "
                   "DELETE FROM letter_papers");
    mt_restart(s);
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_get(s, "/api/v1/vat_code_sales", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), N_SALES);
    assert_sale_shape(json_array_get(r->json, 0));
    assert_has(find_code(r->json, 7.7, "9"),
               "{\"reverse_charge\":false,\"intra_eu\":false,\"active\":true,"
               "\"print_gross_total\":true,\"credit_account\":\"4000\"}",
               r);
    assert_non_null(strstr(
        json_string_value(json_object_get(find_code(r->json, 0.0, ""), "notice_tax_exemption")),
        "Leistungsempfängers"));
    MT_ASSERT_JSON_TYPE(find_code(r->json, 16.0, "5"), "active", JSON_FALSE);
    /* dated as the account */
    char *made = mt_sql_str(s, "SELECT created_at FROM accounts WHERE subdomain = 'acme'");
    MT_ASSERT_JSON_STR(json_array_get(r->json, 0), "created_at", made);
    free(made);
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/vat_code_purchases?active=false", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(json_array_get(r->json, 0), "code", "7");
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/letter_papers", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(json_array_get(r->json, 0), "name", "Standard Letter Paper");
    mt_resp_free(r);
    /* every account, each with its own */
    assert_int_equal(mt_sql_i64(s, "SELECT COUNT(*) FROM vat_code_sales"),
                     N_SALES * mt_sql_i64(s, "SELECT COUNT(*) FROM accounts"));
    assert_int_equal(mt_sql_i64(s, "SELECT COUNT(*) FROM letter_papers"),
                     mt_sql_i64(s, "SELECT COUNT(*) FROM accounts"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vat_code_sales_list),
        cmocka_unit_test(test_vat_code_purchases_list),
        cmocka_unit_test(test_letter_papers_list),
        cmocka_unit_test(test_letter_papers_write),
        cmocka_unit_test(test_vat_codes_get),
        cmocka_unit_test(test_vat_codes_filters),
        cmocka_unit_test(test_vat_codes_read_only),
        cmocka_unit_test(test_vat_codes_permissions),
        cmocka_unit_test(test_vat_codes_tenants),
        cmocka_unit_test(test_vat_codes_existing_account_migrated),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
