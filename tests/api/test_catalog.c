/*
 * API tests of task templates (sections/account/task_templates.md) and the catalog of services
 * with their items (sections/account/catalog_services.md).
 *
 * mocod has no revenue categories yet: `revenue_category` renders null (revenue_category_id is
 * accepted and not rendered). Items come with a service on create only; afterwards they have their
 * own endpoints below /account/catalog_services/{id}/items.
 *
 * One server for the whole file (group fixture); every test makes entities of its own and looks at
 * lists through `ids=` so that the other tests' entities do not matter.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TT_PATH "/api/v1/account/task_templates"
#define CS_PATH "/api/v1/account/catalog_services"
#define TT_KEYS                                                                                    \
    "id,name,description,revenue_category,billable,project_default,index,created_at,updated_at"
#define CS_KEYS "id,title,items,created_at,updated_at"
#define ITEM_KEYS                                                                                  \
    "id,type,title,description,quantity,unit,unit_price,net_total,unit_cost,optional,part,"        \
    "additional,revenue_category,created_at,updated_at"

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_template_shape(const json_t *t)
{
    mt_assert_keys(t, TT_KEYS);
    MT_ASSERT_JSON_TYPE(t, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(t, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(t, "description", JSON_STRING);
    MT_ASSERT_JSON_NULL(t, "revenue_category"); /* mocod has no revenue categories yet */
    MT_ASSERT_JSON_TYPE(t, "billable", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(t, "project_default", MT_JSON_BOOL);
    fix_assert_type_or_null(t, "index", JSON_INTEGER);
    MT_ASSERT_TIMESTAMP(t, "created_at");
    MT_ASSERT_TIMESTAMP(t, "updated_at");
}

static void assert_item_shape(const json_t *it)
{
    mt_assert_keys(it, ITEM_KEYS);
    MT_ASSERT_JSON_TYPE(it, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(it, "type", JSON_STRING);
    fix_assert_type_or_null(it, "title", JSON_STRING);
    fix_assert_type_or_null(it, "description", JSON_STRING);
    fix_assert_type_or_null(it, "quantity", MT_JSON_NUMBER);
    fix_assert_type_or_null(it, "unit", JSON_STRING);
    fix_assert_type_or_null(it, "unit_price", MT_JSON_NUMBER);
    MT_ASSERT_JSON_TYPE(it, "net_total", MT_JSON_NUMBER);
    MT_ASSERT_JSON_TYPE(it, "unit_cost", MT_JSON_NUMBER);
    MT_ASSERT_JSON_TYPE(it, "optional", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(it, "part", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(it, "additional", MT_JSON_BOOL);
    MT_ASSERT_JSON_NULL(it, "revenue_category");
    MT_ASSERT_TIMESTAMP(it, "created_at");
    MT_ASSERT_TIMESTAMP(it, "updated_at");
}

static void assert_service_shape(const json_t *cs)
{
    mt_assert_keys(cs, CS_KEYS);
    MT_ASSERT_JSON_TYPE(cs, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(cs, "title", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cs, "items", JSON_ARRAY);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(cs, "items"), i, it) assert_item_shape(it);
    MT_ASSERT_TIMESTAMP(cs, "created_at");
    MT_ASSERT_TIMESTAMP(cs, "updated_at");
}

static double num(const json_t *root, const char *path)
{
    return mt_json_real(root, path);
}

static json_int_t create_template(mt_server *s, const char *name, int index)
{
    json_t *b = json_pack("{s:s}", "name", name);
    if (index >= 0)
        json_object_set_new(b, "index", json_integer(index));
    mt_resp *r = mt_request_json(s, "POST", TT_PATH, mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    return fix_take_id(r);
}

/* POST a service with this title and items (JSON array text or NULL); asserts 200. */
static mt_resp *create_service_resp(mt_server *s, const char *title, const char *items)
{
    json_t *b = json_pack("{s:s}", "title", title);
    if (items)
        json_object_set_new(b, "items", json_loads(items, 0, NULL));
    mt_resp *r = mt_request_json(s, "POST", CS_PATH, mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_service_shape(r->json);
    return r;
}

static json_int_t create_service(mt_server *s, const char *title, const char *items)
{
    mt_resp *r = create_service_resp(s, title, items);
    return fix_take_id(r);
}

static json_int_t create_item(mt_server *s, json_int_t service, const char *body)
{
    mt_resp *r =
        mt_requestf(s, "POST", mt_admin_key(s), body, CS_PATH "/%lld/items", (long long)service);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    return fix_take_id(r);
}

/* X-Total of a list path. */
static long long list_total(mt_server *s, const char *key, const char *path)
{
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    const char *t = mt_header(r, "X-Total");
    assert_non_null(t);
    long long n = atoll(t);
    mt_resp_free(r);
    return n;
}

/* true if a service with this title is in the account's list. */
static bool service_titled(mt_server *s, const char *key, const char *title)
{
    mt_resp *r = mt_get(s, CS_PATH "?per_page=1000", key);
    MT_ASSERT_STATUS(r, 200);
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(r->json, i, v)
    {
        json_t *t = json_object_get(v, "title");
        if (json_is_string(t) && !strcmp(json_string_value(t), title))
            found = true;
    }
    mt_resp_free(r);
    return found;
}

/* A user of role Employee (no settings permission) and its key (malloc'd). */
static char *employee_key(mt_server *s)
{
    static char *key;
    if (key)
        return strdup(key);
    json_int_t unit = fix_first_unit_id(s);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/users", mt_admin_key(s),
                                 fix_user_body("Emma", "Employee", "emma.employee@acme.test", unit,
                                               json_pack("{s:s}", "password", "employee-pass-1")),
                                 NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "role.name", "Employee");
    mt_resp_free(r);
    key = fix_login(s, "emma.employee@acme.test", "employee-pass-1");
    return strdup(key);
}

/* ---- task templates ---------------------------------------------------------------------- */

static void test_template_create_and_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    /* the docs' example, plus an index */
    mt_resp *r = mt_post(s, TT_PATH, key,
                         "{\"name\":\"Web Development\",\"description\":\"Building the web "
                         "application\",\"revenue_category_id\":4567,\"billable\":true,"
                         "\"project_default\":true,\"index\":10}");
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    json_int_t id = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "name", "Web Development");
    MT_ASSERT_JSON_STR(r->json, "description", "Building the web application");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "index", 10);
    MT_ASSERT_JSON_NULL(r->json, "revenue_category");
    assert_false(mt_json_has(r->json, "revenue_category_id"));
    mt_resp_free(r);

    r = mt_getf(s, key, TT_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Web Development");
    MT_ASSERT_JSON_INT(r->json, "index", 10);
    mt_resp_free(r);

    r = mt_getf(s, key, TT_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, TT_PATH "/987654");
}

static void test_template_defaults(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, TT_PATH, mt_admin_key(s), "{\"name\":\"Only a name\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "Only a name");
    MT_ASSERT_JSON_STR(r->json, "description", "");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_FALSE);
    MT_ASSERT_JSON_NULL(r->json, "revenue_category");
    mt_resp_free(r);

    /* booleans and integers as strings are coerced */
    r = mt_post(s, TT_PATH, mt_admin_key(s),
                "{\"name\":\"Coerced\",\"billable\":\"false\",\"project_default\":\"1\","
                "\"index\":\"30\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "index", 30);
    mt_resp_free(r);
}

static void test_template_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    long long before = list_total(s, key, TT_PATH);

    fix_expect_422(s, "POST", key, "{\"description\":\"no name\"}", "name", TT_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"\"}", "name", TT_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":null}", "name", TT_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":42}", "name", TT_PATH);

    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = '\0';
    mt_resp *r =
        mt_request_json(s, "POST", TT_PATH, key, json_pack("{s:s}", "name", longname), NULL);
    fix_assert_422(r, "name");
    mt_resp_free(r);

    fix_expect_422(s, "POST", key, "{\"name\":\"Bad bool\",\"billable\":\"maybe\"}", "billable",
                   TT_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad index\",\"index\":\"ten\"}", "index", TT_PATH);
    /* every offending field is named */
    r = mt_post(s, TT_PATH, key, "{\"project_default\":\"perhaps\"}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "project_default");
    mt_resp_free(r);

    assert_int_equal(list_total(s, key, TT_PATH), before);
}

static void test_template_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, TT_PATH, key,
                         "{\"name\":\"Design\",\"description\":\"Pixels\",\"billable\":true,"
                         "\"project_default\":false,\"index\":5}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_requestf(s, "PUT", key, "{\"name\":\"Design & UX\",\"billable\":false}", TT_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_template_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Design & UX");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    /* the rest is unchanged */
    MT_ASSERT_JSON_STR(r->json, "description", "Pixels");
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_FALSE);
    MT_ASSERT_JSON_INT(r->json, "index", 5);
    mt_resp_free(r);

    r = mt_requestf(s, "PATCH", key, "{\"project_default\":true,\"index\":7}", TT_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "index", 7);
    MT_ASSERT_JSON_STR(r->json, "name", "Design & UX");
    mt_resp_free(r);

    /* the docs' update example sends "title", which task templates do not have: ignored */
    r = mt_requestf(s, "PUT", key, "{\"title\":\"Development\"}", TT_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Design & UX");
    mt_resp_free(r);

    fix_expect_422(s, "PUT", key, "{\"name\":\"\"}", "name", TT_PATH "/%lld", (long long)id);
    fix_expect_422(s, "PUT", key, "{\"billable\":\"sometimes\"}", "billable", TT_PATH "/%lld",
                   (long long)id);

    r = mt_getf(s, key, TT_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Design & UX");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "project_default", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "index", 7);
    mt_resp_free(r);

    fix_expect_error(s, "PUT", key, "{\"name\":\"Ghost\"}", 404, TT_PATH "/987654");
}

static void test_template_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_template(s, "Short lived", -1);
    json_int_t keep = create_template(s, "Stays", -1);

    mt_resp *r = mt_deletef(s, key, TT_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, TT_PATH "/%lld", (long long)id);
    fix_expect_error(s, "DELETE", key, NULL, 404, TT_PATH "/%lld", (long long)id);
    fix_expect_error(s, "PUT", key, "{\"name\":\"Back\"}", 404, TT_PATH "/%lld", (long long)id);

    json_int_t only_keep[] = {keep};
    char path[128];
    snprintf(path, sizeof path, TT_PATH "?ids=%lld,%lld", (long long)id, (long long)keep);
    fix_assert_list_order(s, key, path, only_keep, 1);
}

static void test_template_list(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t b = create_template(s, "List Bravo", 30);
    json_int_t a = create_template(s, "List Alpha", 20);
    json_int_t c = create_template(s, "List Charlie", 10);
    char ids[96], path[256];
    snprintf(ids, sizeof ids, "%lld,%lld,%lld", (long long)b, (long long)a, (long long)c);

    snprintf(path, sizeof path, TT_PATH "?ids=%s", ids);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_template_shape(e);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "100");
    assert_null(mt_header(r, "Link"));
    mt_resp_free(r);

    json_int_t by_id[] = {b, a, c}, by_name[] = {a, b, c}, by_name_desc[] = {c, b, a},
               by_index[] = {c, a, b};
    fix_assert_list_order(s, key, path, by_id, 3);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&sort_by=name", ids);
    fix_assert_list_order(s, key, path, by_name, 3);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&sort_by=name%%20desc", ids);
    fix_assert_list_order(s, key, path, by_name_desc, 3);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&sort_by=index", ids);
    fix_assert_list_order(s, key, path, by_index, 3);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&sort_by=description", ids);
    fix_expect_422(s, "GET", key, NULL, "sort_by", "%s", path);

    /* pagination */
    snprintf(path, sizeof path, TT_PATH "?ids=%s&per_page=2", ids);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    const char *link = fix_assert_link(r, true, false);
    assert_non_null(strstr(link, "page=2"));
    assert_non_null(strstr(link, "per_page=2"));
    mt_resp_free(r);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&per_page=2&page=2", ids);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    link = fix_assert_link(r, false, true);
    mt_resp_free(r);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&page=0", ids);
    fix_expect_422(s, "GET", key, NULL, "page", "%s", path);

    /* updated_after is a global filter */
    snprintf(path, sizeof path, TT_PATH "?ids=%s&updated_after=2000-01-01T00:00:00Z", ids);
    fix_assert_list_order(s, key, path, by_id, 3);
    snprintf(path, sizeof path, TT_PATH "?ids=%s&updated_after=2999-01-01T00:00:00Z", ids);
    fix_assert_list_order(s, key, path, NULL, 0);
}

/* ---- catalog services -------------------------------------------------------------------- */

/* The docs' create example. */
#define DOC_ITEMS                                                                                  \
    "[{\"type\":\"item\",\"title\":\"Setup\",\"net_total\":1200.0},"                               \
    "{\"type\":\"item\",\"title\":\"Consulting\",\"quantity\":20.0,\"unit\":\"h\","                \
    "\"unit_price\":150.0,\"net_total\":3000.0}]"

static void assert_doc_items(const json_t *cs)
{
    assert_int_equal(mt_json_len(cs, "items"), 2);
    MT_ASSERT_JSON_STR(cs, "items[0].type", "item");
    MT_ASSERT_JSON_STR(cs, "items[0].title", "Setup");
    assert_true(num(cs, "items[0].net_total") == 1200.0);
    MT_ASSERT_JSON_NULL(cs, "items[0].quantity");
    MT_ASSERT_JSON_NULL(cs, "items[0].unit");
    MT_ASSERT_JSON_NULL(cs, "items[0].unit_price");
    MT_ASSERT_JSON_NULL(cs, "items[0].description");
    assert_true(num(cs, "items[0].unit_cost") == 0.0);
    MT_ASSERT_JSON_TYPE(cs, "items[0].optional", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(cs, "items[0].part", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(cs, "items[0].additional", JSON_FALSE);
    MT_ASSERT_JSON_STR(cs, "items[1].type", "item");
    MT_ASSERT_JSON_STR(cs, "items[1].title", "Consulting");
    assert_true(num(cs, "items[1].quantity") == 20.0);
    MT_ASSERT_JSON_STR(cs, "items[1].unit", "h");
    assert_true(num(cs, "items[1].unit_price") == 150.0);
    assert_true(num(cs, "items[1].net_total") == 3000.0);
    assert_true(mt_json_int(cs, "items[0].id") != mt_json_int(cs, "items[1].id"));
}

static void test_service_create_with_items(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = create_service_resp(s, "Catalog entry", DOC_ITEMS);
    json_int_t id = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "title", "Catalog entry");
    assert_doc_items(r->json);
    json_int_t item0 = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);

    r = mt_getf(s, key, CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_service_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Catalog entry");
    assert_doc_items(r->json);
    mt_resp_free(r);

    /* the created items are reachable through their own endpoint */
    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld", (long long)id, (long long)item0);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", item0);
    MT_ASSERT_JSON_STR(r->json, "title", "Setup");
    mt_resp_free(r);

    r = mt_getf(s, key, CS_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    /* all position types with their own fields */
    r = create_service_resp(
        s, "All types",
        "[{\"type\":\"title\",\"title\":\"Phase 1\"},"
        "{\"type\":\"description\",\"description\":\"What we do\"},"
        "{\"type\":\"item\",\"title\":\"Work\",\"quantity\":0,\"unit\":\"pieces\","
        "\"unit_price\":10,\"net_total\":0,\"unit_cost\":4.5,\"optional\":true,"
        "\"additional\":true},"
        "{\"type\":\"subtotal\",\"part\":true},{\"type\":\"page-break\"},{\"type\":\"separator\"}"
        "]");
    assert_int_equal(mt_json_len(r->json, "items"), 6);
    MT_ASSERT_JSON_STR(r->json, "items[0].type", "title");
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "Phase 1");
    MT_ASSERT_JSON_STR(r->json, "items[1].type", "description");
    MT_ASSERT_JSON_STR(r->json, "items[1].description", "What we do");
    MT_ASSERT_JSON_STR(r->json, "items[2].type", "item");
    assert_true(num(r->json, "items[2].quantity") == 0.0);
    assert_true(num(r->json, "items[2].unit_cost") == 4.5);
    MT_ASSERT_JSON_TYPE(r->json, "items[2].optional", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "items[2].additional", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "items[3].type", "subtotal");
    MT_ASSERT_JSON_TYPE(r->json, "items[3].part", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "items[4].type", "page-break");
    MT_ASSERT_JSON_STR(r->json, "items[5].type", "separator");
    mt_resp_free(r);
}

static void test_service_create_without_items(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_service_resp(s, "Empty entry", NULL);
    assert_int_equal(mt_json_len(r->json, "items"), 0);
    mt_resp_free(r);
    r = create_service_resp(s, "Empty list entry", "[]");
    assert_int_equal(mt_json_len(r->json, "items"), 0);
    mt_resp_free(r);
    r = create_service_resp(s, "Null items entry", "null");
    assert_int_equal(mt_json_len(r->json, "items"), 0);
    mt_resp_free(r);

    /* an item without a type is an `item` */
    r = create_service_resp(s, "Default type", "[{\"title\":\"Untyped\"}]");
    MT_ASSERT_JSON_STR(r->json, "items[0].type", "item");
    assert_true(num(r->json, "items[0].net_total") == 0.0);
    mt_resp_free(r);
}

static void test_service_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    long long before = list_total(s, key, CS_PATH);

    mt_resp *r = mt_post(s, CS_PATH, key, "{\"items\":[]}");
    fix_assert_422(r, "title");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key, "{\"title\":\"\"}", "title", CS_PATH);
    fix_expect_422(s, "POST", key, "{\"title\":null}", "title", CS_PATH);

    /* items must be an array */
    fix_expect_422(s, "POST", key, "{\"title\":\"Items not a list\",\"items\":\"Setup\"}", "items",
                   CS_PATH);
    assert_false(service_titled(s, key, "Items not a list"));

    /* a bad item: 422 and neither the service nor the good items before it are created */
    fix_expect_422(s, "POST", key,
                   "{\"title\":\"Bad type\",\"items\":[{\"type\":\"item\",\"title\":\"Fine\"},"
                   "{\"type\":\"bogus\",\"title\":\"Wrong\"}]}",
                   NULL, CS_PATH);
    assert_false(service_titled(s, key, "Bad type"));

    fix_expect_422(s, "POST", key,
                   "{\"title\":\"Bad total\",\"items\":[{\"title\":\"Fine\"},"
                   "{\"title\":\"Wrong\",\"net_total\":\"lots\"}]}",
                   NULL, CS_PATH);
    assert_false(service_titled(s, key, "Bad total"));

    fix_expect_422(s, "POST", key, "{\"title\":\"Item not an object\",\"items\":[\"Setup\"]}", NULL,
                   CS_PATH);
    assert_false(service_titled(s, key, "Item not an object"));

    assert_int_equal(list_total(s, key, CS_PATH), before);
}

static void test_service_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_service(s, "Before", DOC_ITEMS);

    mt_resp *r =
        mt_requestf(s, "PUT", key, "{\"title\":\"Catalog entry\"}", CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_service_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "title", "Catalog entry");
    assert_doc_items(r->json);
    mt_resp_free(r);

    /* items cannot be changed this way: they are ignored */
    r = mt_requestf(s, "PUT", key,
                    "{\"title\":\"With ignored items\",\"items\":[{\"type\":\"title\","
                    "\"title\":\"New\"}]}",
                    CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "With ignored items");
    assert_doc_items(r->json);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", key, "{\"items\":[]}", CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "With ignored items");
    assert_doc_items(r->json);
    mt_resp_free(r);

    fix_expect_422(s, "PATCH", key, "{\"title\":\"\"}", "title", CS_PATH "/%lld", (long long)id);

    r = mt_getf(s, key, CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "With ignored items");
    assert_doc_items(r->json);
    mt_resp_free(r);

    fix_expect_error(s, "PUT", key, "{\"title\":\"Ghost\"}", 404, CS_PATH "/987654");
}

static void test_service_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = create_service_resp(s, "Doomed", DOC_ITEMS);
    json_int_t id = mt_json_int(r->json, "id");
    json_int_t item = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);

    r = mt_deletef(s, key, CS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld", (long long)id);
    fix_expect_error(s, "DELETE", key, NULL, 404, CS_PATH "/%lld", (long long)id);
    /* its items went with it */
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)id,
                     (long long)item);
    fix_expect_error(s, "POST", key, "{\"title\":\"Orphan\"}", 404, CS_PATH "/%lld/items",
                     (long long)id);

    char path[96];
    snprintf(path, sizeof path, CS_PATH "?ids=%lld", (long long)id);
    fix_assert_list_order(s, key, path, NULL, 0);
}

static void test_service_list(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t b = create_service(s, "Sorted B", "[{\"title\":\"b1\"}]");
    json_int_t c = create_service(s, "Sorted C", NULL);
    json_int_t a = create_service(s, "Sorted A", "[{\"title\":\"a1\"},{\"title\":\"a2\"}]");
    char ids[96], path[256];
    snprintf(ids, sizeof ids, "%lld,%lld,%lld", (long long)b, (long long)c, (long long)a);

    /* the list includes the items */
    snprintf(path, sizeof path, CS_PATH "?ids=%s", ids);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_service_shape(e);
    assert_int_equal(json_array_size(json_object_get(fix_find_by_id_strict(r->json, a), "items")),
                     2);
    assert_int_equal(json_array_size(json_object_get(fix_find_by_id_strict(r->json, b), "items")),
                     1);
    assert_int_equal(json_array_size(json_object_get(fix_find_by_id_strict(r->json, c), "items")),
                     0);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    mt_resp_free(r);

    json_int_t by_title[] = {a, b, c}, by_title_desc[] = {c, b, a};
    snprintf(path, sizeof path, CS_PATH "?ids=%s&sort_by=title", ids);
    fix_assert_list_order(s, key, path, by_title, 3);
    snprintf(path, sizeof path, CS_PATH "?ids=%s&sort_by=title%%20desc", ids);
    fix_assert_list_order(s, key, path, by_title_desc, 3);
    snprintf(path, sizeof path, CS_PATH "?ids=%s&sort_by=items", ids);
    fix_expect_422(s, "GET", key, NULL, "sort_by", "%s", path);

    snprintf(path, sizeof path, CS_PATH "?ids=%s&sort_by=title&per_page=1&page=2", ids);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", b);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "1");
    const char *link = fix_assert_link(r, true, true);
    assert_non_null(strstr(link, "sort_by=title"));
    mt_resp_free(r);

    snprintf(path, sizeof path, CS_PATH "?ids=%s&updated_after=2999-01-01T00:00:00Z", ids);
    fix_assert_list_order(s, key, path, NULL, 0);
}

/* ---- items ------------------------------------------------------------------------------- */

static void test_item_crud(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t cs = create_service(s, "Item host", "[{\"title\":\"First\"}]");

    /* the docs' example */
    mt_resp *r = mt_requestf(s, "POST", key,
                             "{\"type\":\"item\",\"title\":\"Consulting\",\"quantity\":20.0,"
                             "\"unit\":\"h\",\"unit_price\":150.0,\"net_total\":3000.0}",
                             CS_PATH "/%lld/items", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    json_int_t item = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "type", "item");
    MT_ASSERT_JSON_STR(r->json, "title", "Consulting");
    assert_true(num(r->json, "quantity") == 20.0);
    MT_ASSERT_JSON_STR(r->json, "unit", "h");
    assert_true(num(r->json, "unit_price") == 150.0);
    assert_true(num(r->json, "net_total") == 3000.0);
    assert_true(num(r->json, "unit_cost") == 0.0);
    MT_ASSERT_JSON_TYPE(r->json, "optional", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "part", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "additional", JSON_FALSE);
    mt_resp_free(r);

    /* the service shows it after its first item */
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_service_shape(r->json);
    assert_int_equal(mt_json_len(r->json, "items"), 2);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "First");
    MT_ASSERT_JSON_INT(r->json, "items[1].id", item);
    mt_resp_free(r);

    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "title", "Consulting");
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld.json", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", item);
    mt_resp_free(r);

    /* PUT with the docs' body changes what it sends, keeps the rest */
    r = mt_requestf(s, "PUT", key,
                    "{\"type\":\"item\",\"title\":\"Consulting+\",\"quantity\":10,\"unit\":\"d\","
                    "\"unit_price\":1200.0,\"net_total\":12000.0}",
                    CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", item);
    MT_ASSERT_JSON_STR(r->json, "title", "Consulting+");
    assert_true(num(r->json, "quantity") == 10.0);
    MT_ASSERT_JSON_STR(r->json, "unit", "d");
    assert_true(num(r->json, "unit_price") == 1200.0);
    assert_true(num(r->json, "net_total") == 12000.0);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", key, "{\"optional\":true,\"unit_cost\":300}",
                    CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "optional", JSON_TRUE);
    assert_true(num(r->json, "unit_cost") == 300.0);
    MT_ASSERT_JSON_STR(r->json, "title", "Consulting+");
    assert_true(num(r->json, "net_total") == 12000.0);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"type\":\"title\",\"description\":null}",
                    CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "type", "title");
    MT_ASSERT_JSON_NULL(r->json, "description");
    mt_resp_free(r);

    /* the service's rendering follows */
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "items[1].title", "Consulting+");
    MT_ASSERT_JSON_STR(r->json, "items[1].type", "title");
    MT_ASSERT_JSON_TYPE(r->json, "items[1].optional", JSON_TRUE);
    mt_resp_free(r);

    /* the items of one service */
    r = mt_getf(s, key, CS_PATH "/%lld/items", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_non_null(fix_find_by_id_strict(r->json, item));
    mt_resp_free(r);

    /* delete */
    r = mt_deletef(s, key, CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)item);
    fix_expect_error(s, "DELETE", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)item);
    fix_expect_error(s, "PUT", key, "{\"title\":\"Zombie\"}", 404, CS_PATH "/%lld/items/%lld",
                     (long long)cs, (long long)item);
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "items"), 1);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "First");
    mt_resp_free(r);

    /* a minimal item takes the defaults */
    r = mt_requestf(s, "POST", key, "{}", CS_PATH "/%lld/items", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_item_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "type", "item");
    assert_true(num(r->json, "net_total") == 0.0);
    assert_true(num(r->json, "unit_cost") == 0.0);
    MT_ASSERT_JSON_TYPE(r->json, "optional", JSON_FALSE);
    mt_resp_free(r);
}

static void test_item_type_enum(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t cs = create_service(s, "Enum host", NULL);

    const char *good[] = {"title", "description", "item", "page-break", "subtotal", "separator"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"type\":\"%s\"}", good[i]);
        mt_resp *r = mt_requestf(s, "POST", key, body, CS_PATH "/%lld/items", (long long)cs);
        MT_ASSERT_STATUS(r, 200);
        assert_item_shape(r->json);
        MT_ASSERT_JSON_STR(r->json, "type", good[i]);
        mt_resp_free(r);
    }

    const char *bad[] = {"\"bogus\"", "\"Item\"", "\"page_break\"", "\"\"", "3", "[\"item\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"type\":%s,\"title\":\"Bad\"}", bad[i]);
        mt_resp *r = mt_requestf(s, "POST", key, body, CS_PATH "/%lld/items", (long long)cs);
        fix_assert_422(r, "type");
        mt_resp_free(r);
    }

    /* other bad fields */
    fix_expect_422(s, "POST", key, "{\"quantity\":\"many\"}", "quantity", CS_PATH "/%lld/items",
                   (long long)cs);
    fix_expect_422(s, "POST", key, "{\"optional\":\"perhaps\"}", "optional", CS_PATH "/%lld/items",
                   (long long)cs);
    char unit[100];
    memset(unit, 'u', 65);
    unit[65] = '\0';
    char path[96];
    snprintf(path, sizeof path, CS_PATH "/%lld/items", (long long)cs);
    mt_resp *r = mt_request_json(s, "POST", path, key, json_pack("{s:s}", "unit", unit), NULL);
    fix_assert_422(r, "unit");
    mt_resp_free(r);

    /* nothing of that was created */
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "items"), sizeof good / sizeof good[0]);
    json_int_t item = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);

    /* an update to another type is checked as well */
    fix_expect_422(s, "PUT", key, "{\"type\":\"chapter\"}", "type", CS_PATH "/%lld/items/%lld",
                   (long long)cs, (long long)item);
    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "type", "title");
    mt_resp_free(r);
}

static void test_item_of_other_service(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = create_service_resp(s, "Service A", "[{\"title\":\"A's item\"}]");
    json_int_t a = mt_json_int(r->json, "id");
    json_int_t item = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);
    json_int_t b = create_service(s, "Service B", "[{\"title\":\"B's item\"}]");
    json_int_t sep = create_item(s, a, "{\"type\":\"separator\"}");
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)b,
                     (long long)sep);

    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)b,
                     (long long)item);
    fix_expect_error(s, "PUT", key, "{\"title\":\"Stolen\"}", 404, CS_PATH "/%lld/items/%lld",
                     (long long)b, (long long)item);
    fix_expect_error(s, "PATCH", key, "{\"title\":\"Stolen\"}", 404, CS_PATH "/%lld/items/%lld",
                     (long long)b, (long long)item);
    fix_expect_error(s, "DELETE", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)b,
                     (long long)item);

    /* nor through a service that does not exist */
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/987654/items/%lld", (long long)item);
    fix_expect_error(s, "DELETE", key, NULL, 404, CS_PATH "/987654/items/%lld", (long long)item);
    fix_expect_error(s, "POST", key, "{\"title\":\"Nowhere\"}", 404, CS_PATH "/987654/items");
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/987654/items");

    /* B's items list does not show it; the item is untouched in A */
    r = mt_getf(s, key, CS_PATH "/%lld/items", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id_strict(r->json, item));
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld", (long long)a, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "A's item");
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)b);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "items"), 1);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "B's item");
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void assert_writes_forbidden(mt_server *s, const char *key, json_int_t tt, json_int_t cs,
                                    json_int_t item)
{
    mt_resp *r = mt_post(s, TT_PATH, key, "{\"name\":\"Forbidden\"}");
    fix_assert_error(r, 403);
    mt_resp_free(r);
    fix_expect_error(s, "PUT", key, "{\"name\":\"Forbidden\"}", 403, TT_PATH "/%lld",
                     (long long)tt);
    fix_expect_error(s, "DELETE", key, NULL, 403, TT_PATH "/%lld", (long long)tt);

    fix_expect_error(s, "POST", key, "{\"title\":\"Forbidden\",\"items\":[{\"title\":\"x\"}]}", 403,
                     CS_PATH);
    fix_expect_error(s, "PUT", key, "{\"title\":\"Forbidden\"}", 403, CS_PATH "/%lld",
                     (long long)cs);
    fix_expect_error(s, "DELETE", key, NULL, 403, CS_PATH "/%lld", (long long)cs);

    fix_expect_error(s, "POST", key, "{\"title\":\"Forbidden\"}", 403, CS_PATH "/%lld/items",
                     (long long)cs);
    fix_expect_error(s, "PUT", key, "{\"title\":\"Forbidden\"}", 403, CS_PATH "/%lld/items/%lld",
                     (long long)cs, (long long)item);
    fix_expect_error(s, "DELETE", key, NULL, 403, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)item);
}

static void assert_reads_allowed(mt_server *s, const char *key, json_int_t tt, json_int_t cs,
                                 json_int_t item)
{
    mt_resp *r = mt_get(s, TT_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, tt));
    mt_resp_free(r);
    r = mt_getf(s, key, TT_PATH "/%lld", (long long)tt);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Protected template");
    mt_resp_free(r);
    r = mt_get(s, CS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, cs));
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Protected service");
    assert_int_equal(mt_json_len(r->json, "items"), 1);
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld/items/%lld", (long long)cs, (long long)item);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Protected item");
    mt_resp_free(r);
}

static void test_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t tt = create_template(s, "Protected template", -1);
    mt_resp *r = create_service_resp(s, "Protected service", "[{\"title\":\"Protected item\"}]");
    json_int_t cs = mt_json_int(r->json, "id");
    json_int_t item = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);
    long long templates = list_total(s, mt_admin_key(s), TT_PATH);
    long long services = list_total(s, mt_admin_key(s), CS_PATH);

    /* a read-only account key reads, and gets 403 on every write */
    char *ro = mt_account_key(s, MT_ACCOUNT, "read");
    assert_reads_allowed(s, ro, tt, cs, item);
    assert_writes_forbidden(s, ro, tt, cs, item);

    /* a user whose role has no settings permission (Employee) reads but cannot write */
    char *emp = employee_key(s);
    assert_reads_allowed(s, emp, tt, cs, item);
    assert_writes_forbidden(s, emp, tt, cs, item);

    /* nothing changed */
    assert_reads_allowed(s, mt_admin_key(s), tt, cs, item);
    assert_int_equal(list_total(s, mt_admin_key(s), TT_PATH), templates);
    assert_int_equal(list_total(s, mt_admin_key(s), CS_PATH), services);

    /* a full account key may write */
    char *full = mt_account_key(s, MT_ACCOUNT, "full");
    fix_expect_status(s, "POST", full, "{\"name\":\"By the account key\"}", 200, TT_PATH);

    fix_expect_error(s, "GET", NULL, NULL, 401, TT_PATH);
    fix_expect_error(s, "GET", NULL, NULL, 401, CS_PATH);
    free(ro);
    free(emp);
    free(full);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t tt = create_template(s, "Acme template", 1);
    mt_resp *r = create_service_resp(s, "Acme service", "[{\"title\":\"Acme item\"}]");
    json_int_t cs = mt_json_int(r->json, "id");
    json_int_t item = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);
    char *other = fix_new_other_key(s);

    /* by id: 404 for every method */
    fix_expect_error(s, "GET", other, NULL, 404, TT_PATH "/%lld", (long long)tt);
    fix_expect_error(s, "PUT", other, "{\"name\":\"Hijacked\"}", 404, TT_PATH "/%lld",
                     (long long)tt);
    fix_expect_error(s, "DELETE", other, NULL, 404, TT_PATH "/%lld", (long long)tt);
    fix_expect_error(s, "GET", other, NULL, 404, CS_PATH "/%lld", (long long)cs);
    fix_expect_error(s, "PUT", other, "{\"title\":\"Hijacked\"}", 404, CS_PATH "/%lld",
                     (long long)cs);
    fix_expect_error(s, "DELETE", other, NULL, 404, CS_PATH "/%lld", (long long)cs);
    fix_expect_error(s, "GET", other, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)item);
    fix_expect_error(s, "GET", other, NULL, 404, CS_PATH "/%lld/items", (long long)cs);
    fix_expect_error(s, "PUT", other, "{\"title\":\"Hijacked\"}", 404, CS_PATH "/%lld/items/%lld",
                     (long long)cs, (long long)item);
    fix_expect_error(s, "DELETE", other, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)item);
    fix_expect_error(s, "POST", other, "{\"title\":\"Planted\"}", 404, CS_PATH "/%lld/items",
                     (long long)cs);

    /* lists: empty for the new account */
    r = mt_get(s, TT_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_get(s, CS_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    char path[96];
    snprintf(path, sizeof path, CS_PATH "?ids=%lld", (long long)cs);
    r = mt_get(s, path, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* the other account's own entities stay its own */
    r = mt_post(s, CS_PATH, other, "{\"title\":\"Other service\",\"items\":[{\"title\":\"o\"}]}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t ocs = mt_json_int(r->json, "id");
    json_int_t oitem = mt_json_int(r->json, "items[0].id");
    mt_resp_free(r);
    r = mt_post(s, TT_PATH, other, "{\"name\":\"Other template\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t ott = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld", (long long)ocs);
    fix_expect_error(s, "GET", key, NULL, 404, TT_PATH "/%lld", (long long)ott);
    /* acme's item cannot be reached through the other account's service either way round */
    fix_expect_error(s, "GET", other, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)ocs,
                     (long long)item);
    fix_expect_error(s, "GET", key, NULL, 404, CS_PATH "/%lld/items/%lld", (long long)cs,
                     (long long)oitem);
    assert_false(service_titled(s, key, "Other service"));

    /* acme is untouched */
    r = mt_getf(s, key, TT_PATH "/%lld", (long long)tt);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme template");
    mt_resp_free(r);
    r = mt_getf(s, key, CS_PATH "/%lld", (long long)cs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "Acme service");
    assert_int_equal(mt_json_len(r->json, "items"), 1);
    MT_ASSERT_JSON_STR(r->json, "items[0].title", "Acme item");
    mt_resp_free(r);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_create_and_get),
        cmocka_unit_test(test_template_defaults),
        cmocka_unit_test(test_template_validation),
        cmocka_unit_test(test_template_update),
        cmocka_unit_test(test_template_delete),
        cmocka_unit_test(test_template_list),
        cmocka_unit_test(test_service_create_with_items),
        cmocka_unit_test(test_service_create_without_items),
        cmocka_unit_test(test_service_validation),
        cmocka_unit_test(test_service_update),
        cmocka_unit_test(test_service_delete),
        cmocka_unit_test(test_service_list),
        cmocka_unit_test(test_item_crud),
        cmocka_unit_test(test_item_type_enum),
        cmocka_unit_test(test_item_of_other_service),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
