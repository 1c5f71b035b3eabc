/*
 * API tests of deals / leads (sections/deals.md) and deal categories
 * (sections/deal_categories.md): list, get, create, update, delete, the filters (status,
 * company_id, closed_from/closed_to, tags, global ones), sort_by, pagination, tags (accepted, not
 * rendered), custom properties, the nested user/company/person/category (also after renames), the
 * categories' deletion rule (403 while in use), permissions and tenant isolation.
 *
 * One server for the whole file (group fixture); every test uses names of its own.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEALS_PATH      "/api/v1/deals"
#define CATEGORIES_PATH "/api/v1/deal_categories"
#define COMPANIES_PATH  "/api/v1/companies"
#define CONTACTS_PATH   "/api/v1/contacts/people"

/* The keys of the "Attributes" examples, and `tags` (the service renders them). */
#define DEAL_KEYS                                                                                  \
    "id,name,status,reminder_date,closed_on,money,currency,info,custom_properties,user,company,"   \
    "person,category,service_period_from,service_period_to,inbox_email_address,tags,created_at,"   \
    "updated_at"
#define DEAL_USER_KEYS     "id,firstname,lastname"
#define DEAL_COMPANY_KEYS  "id,name,type"
#define DEAL_PERSON_KEYS   "id,name"
#define DEAL_CATEGORY_KEYS "id,name,probability"
#define CATEGORY_KEYS      "id,name,probability,created_at,updated_at"

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_category_shape(const json_t *c)
{
    mt_assert_keys(c, CATEGORY_KEYS);
    MT_ASSERT_JSON_TYPE(c, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "probability", JSON_INTEGER);
    MT_ASSERT_TIMESTAMP(c, "created_at");
    MT_ASSERT_TIMESTAMP(c, "updated_at");
}

static void assert_deal_shape(const json_t *d)
{
    mt_assert_keys(d, DEAL_KEYS);
    MT_ASSERT_JSON_TYPE(d, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(d, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "status", JSON_STRING);
    MT_ASSERT_DATE(d, "reminder_date");
    if (!json_is_null(json_object_get(d, "closed_on")))
        MT_ASSERT_DATE(d, "closed_on");
    MT_ASSERT_JSON_TYPE(d, "money", JSON_REAL);
    MT_ASSERT_JSON_TYPE(d, "currency", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "info", JSON_STRING);
    MT_ASSERT_JSON_TYPE(d, "custom_properties", JSON_OBJECT);
    json_t *user = json_object_get(d, "user");
    mt_assert_keys(user, DEAL_USER_KEYS);
    MT_ASSERT_JSON_TYPE(user, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(user, "firstname", JSON_STRING);
    MT_ASSERT_JSON_TYPE(user, "lastname", JSON_STRING);
    json_t *company = json_object_get(d, "company");
    if (!json_is_null(company)) {
        mt_assert_keys(company, DEAL_COMPANY_KEYS);
        MT_ASSERT_JSON_TYPE(company, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(company, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(company, "type", JSON_STRING);
    }
    json_t *person = json_object_get(d, "person");
    if (!json_is_null(person)) {
        mt_assert_keys(person, DEAL_PERSON_KEYS);
        MT_ASSERT_JSON_TYPE(person, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(person, "name", JSON_STRING);
    }
    json_t *category = json_object_get(d, "category");
    mt_assert_keys(category, DEAL_CATEGORY_KEYS);
    MT_ASSERT_JSON_TYPE(category, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(category, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(category, "probability", JSON_INTEGER);
    if (!json_is_null(json_object_get(d, "service_period_from")))
        MT_ASSERT_DATE(d, "service_period_from");
    if (!json_is_null(json_object_get(d, "service_period_to")))
        MT_ASSERT_DATE(d, "service_period_to");
    MT_ASSERT_JSON_TYPE(d, "inbox_email_address", JSON_STRING);
    MT_ASSERT_TIMESTAMP(d, "created_at");
    MT_ASSERT_TIMESTAMP(d, "updated_at");
}

static json_int_t create_category_as(mt_server *s, const char *key, const char *name, int prob)
{
    mt_resp *r = mt_request_json(s, "POST", CATEGORIES_PATH, key,
                                 json_pack("{s:s, s:i}", "name", name, "probability", prob), NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_category_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", name);
    MT_ASSERT_JSON_INT(r->json, "probability", prob);
    return fix_take_id(r);
}

static json_int_t create_category(mt_server *s, const char *name, int prob)
{
    return create_category_as(s, mt_admin_key(s), name, prob);
}

static json_int_t g_category;
static json_int_t a_category(mt_server *s)
{
    if (!g_category)
        g_category = create_category(s, "Deals Test Stage", 40);
    return g_category;
}

/* The mandatory fields of a deal, with this name; more fields may be added to the object. */
static json_t *deal_body(mt_server *s, const char *name)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:I}", "name", name, "currency", "EUR", "money",
                     25000, "reminder_date", "2018-12-01", "user_id",
                     fix_session_user_id(s, mt_admin_key(s)), "deal_category_id", a_category(s));
}

/* POST a deal (body consumed), assert 200 and the shape; returns the reply. */
static mt_resp *create_deal_resp(mt_server *s, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, mt_admin_key(s), body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    return r;
}

static json_int_t create_deal_body(mt_server *s, json_t *body)
{
    mt_resp *r = create_deal_resp(s, body);
    return fix_take_id(r);
}

/* A deal with the mandatory fields plus the fields of the JSON text `extra` (may be NULL). */
static json_int_t create_deal(mt_server *s, const char *name, const char *extra)
{
    json_t *b = deal_body(s, name);
    if (extra) {
        json_t *x = json_loads(extra, 0, NULL);
        assert_non_null(x);
        json_object_update(b, x);
        json_decref(x);
    }
    return create_deal_body(s, b);
}

static mt_resp *get_deal(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), DEALS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    return r;
}

static json_int_t create_contact_as(mt_server *s, const char *key, const char *first,
                                    const char *last)
{
    mt_resp *r = mt_request_json(
        s, "POST", CONTACTS_PATH, key,
        json_pack("{s:s, s:s, s:s}", "firstname", first, "lastname", last, "gender", "M"), NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

/* ---- deal categories --------------------------------------------------------------------- */

/* Runs first: the account has not been touched yet. */
static void test_categories_of_new_account(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, CATEGORIES_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 5);
    assert_null(mt_header(r, "X-Total")); /* not paginated */
    size_t i;
    json_t *c;
    json_array_foreach(r->json, i, c)
    {
        assert_category_shape(c);
        json_int_t p = mt_json_int(c, "probability");
        assert_true(p >= 0 && p <= 100);
        assert_true(strlen(mt_json_str(c, "name")) > 0);
    }
    mt_resp_free(r);

    /* another new account has its own five */
    r = mt_get(s, CATEGORIES_PATH, fix_other_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 5);
    json_array_foreach(r->json, i, c) assert_category_shape(c);
    mt_resp_free(r);
}

static void test_category_crud(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_category(s, "New Category", 15);

    mt_resp *r = mt_getf(s, key, CATEGORIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_category_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "New Category");
    MT_ASSERT_JSON_INT(r->json, "probability", 15);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 200, CATEGORIES_PATH "/%lld.json", (long long)id);

    /* in the list */
    r = mt_get(s, CATEGORIES_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    json_t *c = fix_find_by_id(r->json, id);
    assert_non_null(c);
    assert_category_shape(c);
    mt_resp_free(r);

    /* update: only the fields sent */
    r = mt_requestf(s, "PUT", key, "{\"name\":\"New Name\"}", CATEGORIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_category_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "New Name");
    MT_ASSERT_JSON_INT(r->json, "probability", 15);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", key, "{\"probability\":75}", CATEGORIES_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "New Name");
    MT_ASSERT_JSON_INT(r->json, "probability", 75);
    mt_resp_free(r);

    /* delete an unused one: 204, then gone */
    r = mt_deletef(s, key, CATEGORIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, CATEGORIES_PATH "/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 404, CATEGORIES_PATH "/%lld", (long long)id);
    fix_expect_status(s, "PUT", key, "{\"name\":\"x\"}", 404, CATEGORIES_PATH "/987654321");
}

static void test_category_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, CATEGORIES_PATH, key, "{}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "probability");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key, "{\"name\":\"No Probability\"}", "probability", CATEGORIES_PATH);
    fix_expect_422(s, "POST", key, "{\"probability\":10}", "name", CATEGORIES_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"\",\"probability\":10}", "name", CATEGORIES_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad P\",\"probability\":\"high\"}", "probability",
                   CATEGORIES_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad P\",\"probability\":101}", "probability",
                   CATEGORIES_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad P\",\"probability\":-1}", "probability",
                   CATEGORIES_PATH);

    json_int_t id = create_category(s, "Validated Stage", 0);
    fix_expect_422(s, "PUT", key, "{\"name\":\"\"}", "name", CATEGORIES_PATH "/%lld",
                   (long long)id);
    fix_expect_422(s, "PUT", key, "{\"probability\":null}", "probability", CATEGORIES_PATH "/%lld",
                   (long long)id);
    create_category(s, "Certain Stage", 100);
}

static void test_category_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_get(s, CATEGORIES_PATH "?sort_by=probability%20desc", key);
    MT_ASSERT_STATUS(r, 200);
    size_t n = json_array_size(r->json);
    assert_true(n >= 5);
    for (size_t i = 1; i < n; i++)
        assert_true(
            json_integer_value(json_object_get(json_array_get(r->json, i - 1), "probability")) >=
            json_integer_value(json_object_get(json_array_get(r->json, i), "probability")));
    mt_resp_free(r);

    r = mt_get(s, CATEGORIES_PATH "?sort_by=name", key);
    MT_ASSERT_STATUS(r, 200);
    n = json_array_size(r->json);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(mt_json_str(json_array_get(r->json, i - 1), "name"),
                           mt_json_str(json_array_get(r->json, i), "name")) <= 0);
    mt_resp_free(r);

    fix_expect_422(s, "GET", key, NULL, "sort_by", CATEGORIES_PATH "?sort_by=color");

    /* MOCO's list of categories is not paginated: every row, no pagination headers */
    r = mt_get(s, CATEGORIES_PATH "?per_page=2", key);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_array_size(r->json) >= 5);
    assert_null(mt_header(r, "X-Page"));
    assert_null(mt_header(r, "X-Per-Page"));
    assert_null(mt_header(r, "X-Total"));
    assert_null(mt_header(r, "Link"));
    mt_resp_free(r);
}

/* The docs: a category in use cannot be deleted, and the answer is "forbidden". */
static void test_category_in_use_cannot_be_deleted(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t used = create_category(s, "Used Stage", 20);
    json_int_t spare = create_category(s, "Spare Stage", 25);
    json_t *b = deal_body(s, "Category Holder");
    json_object_set_new(b, "deal_category_id", json_integer(used));
    json_int_t deal = create_deal_body(s, b);

    mt_resp *r = mt_deletef(s, key, CATEGORIES_PATH "/%lld", (long long)used);
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 200, CATEGORIES_PATH "/%lld", (long long)used);
    r = get_deal(s, deal);
    MT_ASSERT_JSON_INT(r->json, "category.id", used);
    mt_resp_free(r);

    /* once no deal uses it, it can go */
    char body[64];
    snprintf(body, sizeof body, "{\"deal_category_id\":%lld}", (long long)spare);
    r = mt_requestf(s, "PUT", key, body, DEALS_PATH "/%lld", (long long)deal);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "category.id", spare);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 204, CATEGORIES_PATH "/%lld", (long long)used);

    /* deleting the deal frees its category too */
    fix_expect_status(s, "DELETE", key, NULL, 204, DEALS_PATH "/%lld", (long long)deal);
    fix_expect_status(s, "DELETE", key, NULL, 204, CATEGORIES_PATH "/%lld", (long long)spare);
}

static void test_category_permissions_and_tenants(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_category(s, "Guarded Stage", 50);
    const char *ro = fix_read_key(s);
    fix_expect_status(s, "GET", ro, NULL, 200, CATEGORIES_PATH "/%lld", (long long)id);
    mt_resp *r = mt_get(s, CATEGORIES_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    fix_expect_status(s, "POST", ro, "{\"name\":\"RO Stage\",\"probability\":5}", 403,
                      CATEGORIES_PATH);
    fix_expect_status(s, "PUT", ro, "{\"name\":\"RO Renamed\"}", 403, CATEGORIES_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", ro, NULL, 403, CATEGORIES_PATH "/%lld", (long long)id);

    const char *other = fix_other_key(s);
    fix_expect_status(s, "GET", other, NULL, 404, CATEGORIES_PATH "/%lld", (long long)id);
    fix_expect_status(s, "PUT", other, "{\"name\":\"Hijacked\"}", 404, CATEGORIES_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", other, NULL, 404, CATEGORIES_PATH "/%lld", (long long)id);
    r = mt_get(s, CATEGORIES_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), CATEGORIES_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Guarded Stage");
    mt_resp_free(r);
}

/* ---- deals: create and get --------------------------------------------------------------- */

static void test_deal_create_all_fields(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    fix_expect_status(s, "POST", key, "{\"name\":\"Type\",\"entity\":\"Deal\",\"kind\":\"String\"}",
                      200, "/api/v1/account/custom_properties");
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t company = fix_create_company_as(s, key, "customer", "Beispiel Deal AG");
    json_int_t person = create_contact_as(s, key, "Max", "Muster");
    json_int_t category = create_category(s, "Angebot", 30);

    json_t *b = json_pack("{s:s, s:s, s:f, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, "
                          "s:[s,s], s:{s:s}}",
                          "name", "Website V2", "currency", "CHF", "money", 61000.5,
                          "reminder_date", "2022-09-19", "user_id", admin, "deal_category_id",
                          category, "company_id", company, "person_id", person, "info",
                          "Interesting Lead!", "status", "won", "closed_on", "2021-12-27",
                          "service_period_from", "2022-09-01", "service_period_to", "2023-01-31",
                          "tags", "Important", "Health", "custom_properties", "Type", "Website");
    mt_resp *r = create_deal_resp(s, b);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp *u = mt_getf(s, key, "/api/v1/users/%lld", (long long)admin);
    MT_ASSERT_STATUS(u, 200);
    for (int pass = 0; pass < 2; pass++) {
        const json_t *d = r->json;
        MT_ASSERT_JSON_INT(d, "id", id);
        MT_ASSERT_JSON_STR(d, "name", "Website V2");
        MT_ASSERT_JSON_STR(d, "currency", "CHF");
        fix_assert_real_eq(d, "money", 61000.5);
        MT_ASSERT_JSON_STR(d, "reminder_date", "2022-09-19");
        MT_ASSERT_JSON_INT(d, "user.id", admin);
        MT_ASSERT_JSON_STR(d, "user.firstname", mt_json_str(u->json, "firstname"));
        MT_ASSERT_JSON_STR(d, "user.lastname", mt_json_str(u->json, "lastname"));
        MT_ASSERT_JSON_INT(d, "category.id", category);
        MT_ASSERT_JSON_STR(d, "category.name", "Angebot");
        MT_ASSERT_JSON_INT(d, "category.probability", 30);
        MT_ASSERT_JSON_INT(d, "company.id", company);
        MT_ASSERT_JSON_STR(d, "company.name", "Beispiel Deal AG");
        MT_ASSERT_JSON_STR(d, "company.type", "customer");
        MT_ASSERT_JSON_INT(d, "person.id", person);
        MT_ASSERT_JSON_STR(d, "person.name", "Max Muster");
        MT_ASSERT_JSON_STR(d, "info", "Interesting Lead!");
        MT_ASSERT_JSON_STR(d, "status", "won");
        MT_ASSERT_JSON_STR(d, "closed_on", "2021-12-27");
        MT_ASSERT_JSON_STR(d, "service_period_from", "2022-09-01");
        MT_ASSERT_JSON_STR(d, "service_period_to", "2023-01-31");
        fix_assert_json_eq(json_object_get(d, "custom_properties"), "{\"Type\":\"Website\"}", r);
        /* tags are rendered, sorted by name, as the service does */
        fix_assert_json_eq(json_object_get(d, "tags"), "[\"Health\",\"Important\"]", r);
        mt_resp_free(r);
        if (pass == 0)
            r = get_deal(s, id);
    }
    mt_resp_free(u);

    /* the tags were stored: taggings and the tags filter see them */
    r = mt_getf(s, key, "/api/v1/taggings/Deal/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Health\",\"Important\"]", r);
    mt_resp_free(r);
    json_int_t only[] = {id};
    fix_assert_list_ids(s, mt_admin_key(s), DEALS_PATH "?tags=Health", only, 1);
    /* custom property filter */
    fix_assert_list_ids(s, mt_admin_key(s), DEALS_PATH "?custom_properties%5BType%5D=Website", only,
                        1);

    fix_expect_status(s, "GET", key, NULL, 200, DEALS_PATH "/%lld.json", (long long)id);
    r = mt_get(s, DEALS_PATH "/987654321", key);
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
}

static void test_deal_defaults(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_deal_resp(s, deal_body(s, "Defaults Deal"));
    const json_t *d = r->json;
    MT_ASSERT_JSON_STR(d, "status", "pending");
    fix_assert_real_eq(d, "money", 25000.0);
    MT_ASSERT_JSON_STR(d, "currency", "EUR");
    MT_ASSERT_JSON_STR(d, "reminder_date", "2018-12-01");
    MT_ASSERT_JSON_NULL(d, "closed_on");
    MT_ASSERT_JSON_NULL(d, "company");
    MT_ASSERT_JSON_NULL(d, "person");
    MT_ASSERT_JSON_NULL(d, "service_period_from");
    MT_ASSERT_JSON_NULL(d, "service_period_to");
    MT_ASSERT_JSON_STR(d, "info", "");
    fix_assert_json_eq(json_object_get(d, "custom_properties"), "{}", r);
    assert_true(strchr(mt_json_str(d, "inbox_email_address"), '@') != NULL);
    MT_ASSERT_JSON_INT(d, "category.id", a_category(s));
    mt_resp_free(r);
}

/* ---- deals: validation ------------------------------------------------------------------- */

static void test_deal_required_fields(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, DEALS_PATH, key, "{}");
    const char *required[] = {"name",          "currency", "money",
                              "reminder_date", "user_id",  "deal_category_id"};
    for (size_t i = 0; i < 6; i++)
        fix_assert_422(r, required[i]);
    mt_resp_free(r);

    /* each one missing alone */
    for (size_t i = 0; i < 6; i++) {
        json_t *b = deal_body(s, "Missing One");
        json_object_del(b, required[i]);
        r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, required[i]);
        mt_resp_free(r);
        b = deal_body(s, "Null One");
        json_object_set_new(b, required[i], json_null());
        r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, required[i]);
        mt_resp_free(r);
    }
    json_t *b = deal_body(s, "");
    r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
    fix_assert_422(r, "name");
    mt_resp_free(r);

    r = mt_get(s, DEALS_PATH "?sort_by=name", key);
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *d;
    json_array_foreach(r->json, i, d)
    {
        assert_string_not_equal(mt_json_str(d, "name"), "Missing One");
        assert_string_not_equal(mt_json_str(d, "name"), "Null One");
    }
    mt_resp_free(r);
}

static void test_deal_status_enum(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    const char *statuses[] = {"potential", "pending", "won", "lost", "dropped"};
    for (size_t i = 0; i < 5; i++) {
        json_t *b = deal_body(s, "Status Deal");
        json_object_set_new(b, "status", json_string(statuses[i]));
        mt_resp *r = create_deal_resp(s, b);
        MT_ASSERT_JSON_STR(r->json, "status", statuses[i]);
        mt_resp_free(r);
    }
    const char *bad[] = {"open", "Won", ""};
    for (size_t i = 0; i < 3; i++) {
        json_t *b = deal_body(s, "Bad Status Deal");
        json_object_set_new(b, "status", json_string(bad[i]));
        mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, "status");
        mt_resp_free(r);
    }
    json_int_t id = create_deal(s, "Status Update Deal", NULL);
    mt_resp *r =
        mt_requestf(s, "PUT", key, "{\"status\":\"closed\"}", DEALS_PATH "/%lld", (long long)id);
    fix_assert_422(r, "status");
    mt_resp_free(r);
    r = get_deal(s, id);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    mt_resp_free(r);
}

static void test_deal_field_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    struct {
        const char *field, *value;
    } bad[] = {
        {"reminder_date", "2018-02-30"},
        {"reminder_date", "01.12.2018"},
        {"closed_on", "someday"},
        {"service_period_from", "2022-06-15"},
        {"service_period_from", "2022-06-31"},
        {"service_period_to", "2022-12-30"},
        {"service_period_to", "2023-02-29"},
        {"money", "lots"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = deal_body(s, "Bad Field Deal");
        json_object_set_new(b, bad[i].field, json_string(bad[i].value));
        mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    /* both service period problems are named at once */
    json_t *b = deal_body(s, "Bad Period Deal");
    json_object_set_new(b, "service_period_from", json_string("2022-06-02"));
    json_object_set_new(b, "service_period_to", json_string("2022-06-29"));
    mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
    fix_assert_422(r, "service_period_from");
    fix_assert_422(r, "service_period_to");
    mt_resp_free(r);

    /* month boundaries are fine, including a leap day */
    b = deal_body(s, "Leap Period Deal");
    json_object_set_new(b, "service_period_from", json_string("2024-02-01"));
    json_object_set_new(b, "service_period_to", json_string("2024-02-29"));
    r = create_deal_resp(s, b);
    MT_ASSERT_JSON_STR(r->json, "service_period_to", "2024-02-29");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* and on update */
    fix_expect_422(s, "PUT", key, "{\"service_period_to\":\"2024-03-30\"}", "service_period_to",
                   DEALS_PATH "/%lld", (long long)id);
    fix_expect_422(s, "PUT", key, "{\"service_period_from\":\"2024-03-02\"}", "service_period_from",
                   DEALS_PATH "/%lld", (long long)id);
    r = get_deal(s, id);
    MT_ASSERT_JSON_STR(r->json, "service_period_from", "2024-02-01");
    MT_ASSERT_JSON_STR(r->json, "service_period_to", "2024-02-29");
    mt_resp_free(r);
}

static void test_deal_foreign_ids(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    const char *other = fix_other_key(s);
    json_int_t o_user = fix_session_user_id(s, other);
    json_int_t o_company = fix_create_company_as(s, other, "customer", "Other Deal Co");
    json_int_t o_person = create_contact_as(s, other, "Otto", "Otherdeal");
    json_int_t o_category = create_category_as(s, other, "Other Stage", 10);

    const char *fields[] = {"user_id", "company_id", "person_id", "deal_category_id"};
    json_int_t foreign[] = {o_user, o_company, o_person, o_category};
    for (size_t i = 0; i < 4; i++) {
        json_t *b = deal_body(s, "Foreign Ref Deal");
        json_object_set_new(b, fields[i], json_integer(987654321));
        mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, fields[i]);
        mt_resp_free(r);
        b = deal_body(s, "Foreign Ref Deal");
        json_object_set_new(b, fields[i], json_integer(foreign[i]));
        r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
        fix_assert_422(r, fields[i]);
        mt_resp_free(r);
    }
    /* all four at once: all are named */
    json_t *b = deal_body(s, "Foreign Ref Deal");
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(b, fields[i], json_integer(foreign[i]));
    mt_resp *r = mt_request_json(s, "POST", DEALS_PATH, key, b, NULL);
    for (size_t i = 0; i < 4; i++)
        fix_assert_422(r, fields[i]);
    mt_resp_free(r);

    /* on update */
    json_int_t id = create_deal(s, "Foreign Update Deal", NULL);
    for (size_t i = 0; i < 4; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"%s\":%lld}", fields[i], (long long)foreign[i]);
        fix_expect_422(s, "PUT", key, body, fields[i], DEALS_PATH "/%lld", (long long)id);
    }
    r = get_deal(s, id);
    MT_ASSERT_JSON_INT(r->json, "category.id", a_category(s));
    MT_ASSERT_JSON_INT(r->json, "user.id", fix_session_user_id(s, key));
    MT_ASSERT_JSON_NULL(r->json, "company");
    MT_ASSERT_JSON_NULL(r->json, "person");
    mt_resp_free(r);

    r = mt_get(s, DEALS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    size_t k;
    json_t *d;
    json_array_foreach(r->json, k, d)
        assert_string_not_equal(mt_json_str(d, "name"), "Foreign Ref Deal");
    mt_resp_free(r);
}

/* ---- deals: update and delete ------------------------------------------------------------ */

static void test_deal_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "organization", "Update Deal Org");
    json_int_t person = create_contact_as(s, key, "Ute", "Updater");
    json_int_t id = create_deal(s, "Update Deal", "{\"info\":\"keep\",\"tags\":[\"Keepdeal\"]}");

    char body[256];
    snprintf(body, sizeof body,
             "{\"status\":\"lost\",\"closed_on\":\"2023-05-04\",\"money\":1234.5,"
             "\"company_id\":%lld,\"person_id\":%lld,\"name\":\"Updated Deal\"}",
             (long long)company, (long long)person);
    mt_resp *r = mt_requestf(s, "PUT", key, body, DEALS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    mt_resp_free(r);
    r = get_deal(s, id);
    MT_ASSERT_JSON_STR(r->json, "status", "lost");
    MT_ASSERT_JSON_STR(r->json, "closed_on", "2023-05-04");
    fix_assert_real_eq(r->json, "money", 1234.5);
    MT_ASSERT_JSON_STR(r->json, "name", "Updated Deal");
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    MT_ASSERT_JSON_STR(r->json, "company.type", "organization");
    MT_ASSERT_JSON_INT(r->json, "person.id", person);
    MT_ASSERT_JSON_STR(r->json, "person.name", "Ute Updater");
    /* unchanged */
    MT_ASSERT_JSON_STR(r->json, "info", "keep");
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "reminder_date", "2018-12-01");
    mt_resp_free(r);

    /* PATCH; null detaches company and person; tags replace */
    r = mt_requestf(s, "PATCH", key,
                    "{\"company_id\":null,\"person_id\":null,\"closed_on\":null,\"tags\":["
                    "\"Newdealtag\"]}",
                    DEALS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    MT_ASSERT_JSON_NULL(r->json, "company");
    MT_ASSERT_JSON_NULL(r->json, "person");
    MT_ASSERT_JSON_NULL(r->json, "closed_on");
    MT_ASSERT_JSON_STR(r->json, "status", "lost");
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/taggings/Deal/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Newdealtag\"]", r);
    mt_resp_free(r);

    /* a required field cannot be blanked */
    fix_expect_422(s, "PUT", key, "{\"name\":\"\"}", "name", DEALS_PATH "/%lld", (long long)id);
    fix_expect_422(s, "PUT", key, "{\"deal_category_id\":null}", "deal_category_id",
                   DEALS_PATH "/%lld", (long long)id);

    fix_expect_status(s, "PUT", key, "{\"name\":\"x\"}", 404, DEALS_PATH "/987654321");
}

static void test_deal_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_deal(s, "Delete Deal", "{\"tags\":[\"Deleteddealtag\"]}");
    mt_resp *r = mt_deletef(s, key, DEALS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, DEALS_PATH "/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 404, DEALS_PATH "/%lld", (long long)id);
    fix_assert_list_ids(s, mt_admin_key(s), DEALS_PATH "?tags=Deleteddealtag", NULL, 0);
}

/* ---- deals: lists ------------------------------------------------------------------------ */

static void test_deal_filters(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t c1 = fix_create_company_as(s, key, "customer", "Filter Deal Kunde Eins");
    json_int_t c2 = fix_create_company_as(s, key, "customer", "Filter Deal Kunde Zwei");
    char extra[256];
    snprintf(extra, sizeof extra,
             "{\"status\":\"won\",\"closed_on\":\"2021-03-15\",\"company_id\":%lld,\"tags\":["
             "\"Strategicfd\",\"Importantfd\"]}",
             (long long)c1);
    json_int_t won = create_deal(s, "Filter Won", extra);
    snprintf(extra, sizeof extra,
             "{\"status\":\"lost\",\"closed_on\":\"2021-06-30\",\"company_id\":%lld,\"tags\":["
             "\"Importantfd\",\"Filterdeal\"]}",
             (long long)c2);
    json_int_t lost = create_deal(s, "Filter Lost", extra);
    snprintf(extra, sizeof extra,
             "{\"status\":\"potential\",\"company_id\":%lld,\"tags\":[\"Filterdeal\"]}",
             (long long)c1);
    json_int_t pot = create_deal(s, "Filter Potential", extra);

    char path[256];
    /* company_id */
    json_int_t of_c1[] = {won, pot}, of_c2[] = {lost};
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld", (long long)c1);
    fix_assert_list_ids(s, mt_admin_key(s), path, of_c1, 2);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld", (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, of_c2, 1);
    /* status (within the companies' deals) */
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&status=won", (long long)c1);
    json_int_t w[] = {won}, p[] = {pot};
    fix_assert_list_ids(s, mt_admin_key(s), path, w, 1);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&status=potential", (long long)c1);
    fix_assert_list_ids(s, mt_admin_key(s), path, p, 1);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&status=lost", (long long)c1);
    fix_assert_list_ids(s, mt_admin_key(s), path, NULL, 0);
    /* closed_from / closed_to: open and closed ranges, inclusive */
    json_int_t both[] = {won, lost};
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld,%lld&closed_from=2021-01-01",
             (long long)c1, (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, both, 2);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld,%lld&closed_from=2021-03-16",
             (long long)c1, (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, of_c2, 1);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld,%lld&closed_to=2021-03-15",
             (long long)c1, (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, w, 1);
    snprintf(path, sizeof path,
             DEALS_PATH "?company_id=%lld,%lld&closed_from=2021-03-15&closed_to=2021-06-30",
             (long long)c1, (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, both, 2);
    snprintf(path, sizeof path,
             DEALS_PATH "?company_id=%lld,%lld&closed_from=2021-04-01&closed_to=2021-05-31",
             (long long)c1, (long long)c2);
    fix_assert_list_ids(s, mt_admin_key(s), path, NULL, 0);
    fix_expect_422(s, "GET", key, NULL, "closed_from", DEALS_PATH "?closed_from=15.03.2021");
    fix_expect_422(s, "GET", key, NULL, "closed_to", DEALS_PATH "?closed_to=2021-02-30");
    /* tags: a comma separated list */
    json_int_t fd[] = {lost, pot};
    fix_assert_list_ids(s, mt_admin_key(s), DEALS_PATH "?tags=Filterdeal", fd, 2);
    /* a comma separated list: a deal with both is found, one with neither is not */
    assert_true(fix_list_has(s, DEALS_PATH "?tags=Importantfd,%20Strategicfd", won));
    assert_false(fix_list_has(s, DEALS_PATH "?tags=Importantfd,%20Strategicfd", pot));
    json_int_t imp[] = {won, lost};
    fix_assert_list_ids(s, mt_admin_key(s), DEALS_PATH "?tags=Importantfd", imp, 2);
    /* status alone covers these deals too */
    mt_resp *r = mt_get(s, DEALS_PATH "?status=won", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, won));
    assert_null(fix_find_by_id(r->json, lost));
    size_t i;
    json_t *d;
    json_array_foreach(r->json, i, d)
    {
        assert_deal_shape(d);
        MT_ASSERT_JSON_STR(d, "status", "won");
    }
    mt_resp_free(r);
    /* ids */
    snprintf(path, sizeof path, DEALS_PATH "?ids=%lld,%lld", (long long)pot, (long long)won);
    json_int_t ids[] = {won, pot};
    fix_assert_list_ids(s, mt_admin_key(s), path, ids, 2);
}

static void test_deal_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "organization", "Sortpage Deal Org");
    char extra[160];
    snprintf(extra, sizeof extra,
             "{\"money\":300,\"reminder_date\":\"2020-01-01\",\"company_id\":%lld}",
             (long long)company);
    json_int_t a = create_deal(s, "Sortpage B", extra);
    snprintf(extra, sizeof extra,
             "{\"money\":100,\"reminder_date\":\"2020-03-01\",\"company_id\":%lld}",
             (long long)company);
    json_int_t b = create_deal(s, "Sortpage C", extra);
    snprintf(extra, sizeof extra,
             "{\"money\":200,\"reminder_date\":\"2020-02-01\",\"company_id\":%lld}",
             (long long)company);
    json_int_t c = create_deal(s, "Sortpage A", extra);

    char path[256];
    json_int_t by_money[] = {b, c, a}, by_money_desc[] = {a, c, b}, by_name[] = {c, a, b},
               by_reminder[] = {a, c, b};
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=money", (long long)company);
    fix_assert_list_ids(s, mt_admin_key(s), path, by_money, 3);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=money%%20desc",
             (long long)company);
    fix_assert_list_ids(s, mt_admin_key(s), path, by_money_desc, 3);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=name", (long long)company);
    fix_assert_list_ids(s, mt_admin_key(s), path, by_name, 3);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=reminder_date",
             (long long)company);
    fix_assert_list_ids(s, mt_admin_key(s), path, by_reminder, 3);
    fix_expect_422(s, "GET", key, NULL, "sort_by", DEALS_PATH "?sort_by=info");

    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=money&per_page=2",
             (long long)company);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 2);
    const char *link = fix_assert_link(r, true, false);
    assert_non_null(strstr(link, "page=2"));
    mt_resp_free(r);
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld&sort_by=money&per_page=2&page=2",
             (long long)company);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a);
    link = fix_assert_link(r, false, true);
    mt_resp_free(r);
}

/* ---- nested representations -------------------------------------------------------------- */

static void test_deal_nested_renames(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Rename Deal AG");
    json_int_t person = create_contact_as(s, key, "Rita", "Renamee");
    json_int_t category = create_category(s, "Rename Stage", 35);
    json_t *b = deal_body(s, "Rename Watch Deal");
    json_object_set_new(b, "company_id", json_integer(company));
    json_object_set_new(b, "person_id", json_integer(person));
    json_object_set_new(b, "deal_category_id", json_integer(category));
    json_int_t id = create_deal_body(s, b);

    fix_expect_status(s, "PUT", key, "{\"name\":\"Renamed Deal GmbH\"}", 200,
                      COMPANIES_PATH "/%lld", (long long)company);
    fix_expect_status(s, "PUT", key, "{\"name\":\"Renamed Stage\",\"probability\":45}", 200,
                      CATEGORIES_PATH "/%lld", (long long)category);
    fix_expect_status(s, "PUT", key, "{\"firstname\":\"Rosa\",\"lastname\":\"Renamed\"}", 200,
                      CONTACTS_PATH "/%lld", (long long)person);

    mt_resp *r = get_deal(s, id);
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    MT_ASSERT_JSON_STR(r->json, "company.name", "Renamed Deal GmbH");
    MT_ASSERT_JSON_INT(r->json, "category.id", category);
    MT_ASSERT_JSON_STR(r->json, "category.name", "Renamed Stage");
    MT_ASSERT_JSON_INT(r->json, "category.probability", 45);
    MT_ASSERT_JSON_INT(r->json, "person.id", person);
    MT_ASSERT_JSON_STR(r->json, "person.name", "Rosa Renamed");
    mt_resp_free(r);
    /* the list shows the same */
    r = mt_getf(s, key, DEALS_PATH "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    assert_deal_shape(json_array_get(r->json, 0));
    MT_ASSERT_JSON_STR(r->json, "[0].company.name", "Renamed Deal GmbH");
    MT_ASSERT_JSON_STR(r->json, "[0].category.name", "Renamed Stage");
    MT_ASSERT_JSON_STR(r->json, "[0].person.name", "Rosa Renamed");
    mt_resp_free(r);

    /* a deleted contact leaves the deal without person */
    fix_expect_status(s, "DELETE", key, NULL, 204, CONTACTS_PATH "/%lld", (long long)person);
    r = get_deal(s, id);
    MT_ASSERT_JSON_NULL(r->json, "person");
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void test_deal_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_deal(s, "Readonly Target Deal", NULL);
    const char *ro = fix_read_key(s);
    mt_resp *r = mt_getf(s, ro, DEALS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    mt_resp_free(r);
    r = mt_get(s, DEALS_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);

    json_t *b = deal_body(s, "Readonly Intruder Deal");
    r = mt_request_json(s, "POST", DEALS_PATH, ro, b, NULL);
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "PUT", ro, "{\"status\":\"lost\"}", 403, DEALS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PATCH", ro, "{\"status\":\"lost\"}", 403, DEALS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PATCH", ro, "{\"tags\":[\"ro\"]}", 403, "/api/v1/taggings/Deal/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", ro, NULL, 403, DEALS_PATH "/%lld", (long long)id);

    r = get_deal(s, id);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    mt_resp_free(r);
    r = mt_get(s, DEALS_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *d;
    json_array_foreach(r->json, i, d)
        assert_string_not_equal(mt_json_str(d, "name"), "Readonly Intruder Deal");
    mt_resp_free(r);

    fix_expect_status(s, "GET", NULL, NULL, 401, DEALS_PATH);
}

static void test_deal_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Acme Deal Secret AG");
    char extra[128];
    snprintf(extra, sizeof extra, "{\"company_id\":%lld,\"tags\":[\"acme-deal-secret\"]}",
             (long long)company);
    json_int_t id = create_deal(s, "Acme Secret Deal", extra);
    const char *other = fix_other_key(s);

    fix_expect_status(s, "GET", other, NULL, 404, DEALS_PATH "/%lld", (long long)id);
    fix_expect_status(s, "PUT", other, "{\"name\":\"Hijacked\"}", 404, DEALS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "GET", other, NULL, 404, "/api/v1/taggings/Deal/%lld", (long long)id);
    fix_expect_status(s, "DELETE", other, NULL, 404, DEALS_PATH "/%lld", (long long)id);

    mt_resp *r = mt_get(s, DEALS_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, DEALS_PATH "?company_id=%lld", (long long)company);
    r = mt_get(s, path, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_get(s, DEALS_PATH "?tags=acme-deal-secret", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* the other account's own deal, with its own category, is not visible to acme */
    r = mt_get(s, CATEGORIES_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    json_int_t o_category = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", DEALS_PATH, other,
                        json_pack("{s:s, s:s, s:i, s:s, s:I, s:I}", "name", "Other Own Deal",
                                  "currency", "EUR", "money", 5, "reminder_date", "2020-01-01",
                                  "user_id", fix_session_user_id(s, other), "deal_category_id",
                                  o_category),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_deal_shape(r->json);
    json_int_t other_id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, DEALS_PATH "/%lld", (long long)other_id);
    r = mt_get(s, DEALS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, other_id));
    mt_resp_free(r);

    r = get_deal(s, id);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme Secret Deal");
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories_of_new_account),
        cmocka_unit_test(test_category_crud),
        cmocka_unit_test(test_category_validation),
        cmocka_unit_test(test_category_sort_and_pagination),
        cmocka_unit_test(test_category_in_use_cannot_be_deleted),
        cmocka_unit_test(test_category_permissions_and_tenants),
        cmocka_unit_test(test_deal_create_all_fields),
        cmocka_unit_test(test_deal_defaults),
        cmocka_unit_test(test_deal_required_fields),
        cmocka_unit_test(test_deal_status_enum),
        cmocka_unit_test(test_deal_field_validation),
        cmocka_unit_test(test_deal_foreign_ids),
        cmocka_unit_test(test_deal_update),
        cmocka_unit_test(test_deal_delete),
        cmocka_unit_test(test_deal_filters),
        cmocka_unit_test(test_deal_sort_and_pagination),
        cmocka_unit_test(test_deal_nested_renames),
        cmocka_unit_test(test_deal_permissions),
        cmocka_unit_test(test_deal_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
