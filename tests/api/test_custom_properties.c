/*
 * API tests of custom fields: the definitions at /api/v1/account/custom_properties
 * (sections/account/custom_properties.md) and the values on users (custom_fields.md,
 * seed-README.md "Custom Fields", entities.md "Filter by Custom Fields").
 *
 * One server for the whole file (group fixture); every test uses field names and users of its own.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CP_PATH    "/api/v1/account/custom_properties"
#define USERS_PATH "/api/v1/users"

/* The keys of the "Attributes" example of sections/account/custom_properties.md. */
#define CP_KEYS                                                                                    \
    "id,name,name_alt,placeholder,placeholder_alt,entity,kind,print_on_invoice,print_on_offer,"    \
    "print_on_timesheet,notification_enabled,defaults,updated_at,created_at"

/* ---- helpers ---------------------------------------------------------------------------- */

static void assert_cp_shape(const json_t *cp)
{
    mt_assert_keys(cp, CP_KEYS);
    MT_ASSERT_JSON_TYPE(cp, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(cp, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "name_alt", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "placeholder", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "placeholder_alt", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "entity", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "kind", JSON_STRING);
    MT_ASSERT_JSON_TYPE(cp, "print_on_invoice", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(cp, "print_on_offer", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(cp, "print_on_timesheet", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(cp, "notification_enabled", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(cp, "defaults", JSON_ARRAY);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(cp, "defaults"), i, d) assert_true(json_is_string(d));
    MT_ASSERT_TIMESTAMP(cp, "created_at");
    MT_ASSERT_TIMESTAMP(cp, "updated_at");
}

static json_int_t g_unit_id;

static json_int_t unit_id(mt_server *s)
{
    if (!g_unit_id)
        g_unit_id = fix_first_unit_id(s);
    return g_unit_id;
}

/* A user body: firstname, lastname, unique email, unit_id, plus the members of `extra` (stolen,
 * may be NULL). */
static json_t *user_body(mt_server *s, const char *firstname, json_t *extra)
{
    static int counter;
    char email[128];
    snprintf(email, sizeof email, "cp-user-%d@acme.test", ++counter);
    return fix_user_body(firstname, "Tester", email, unit_id(s), extra);
}

/* POST a user with custom_properties `cp` (stolen, may be NULL); assert 200; return the reply. */
static mt_resp *create_user_resp(mt_server *s, const char *firstname, json_t *cp)
{
    json_t *extra = cp ? json_pack("{s:o}", "custom_properties", cp) : NULL;
    mt_resp *r = mt_request_json(s, "POST", USERS_PATH, mt_admin_key(s),
                                 user_body(s, firstname, extra), NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_user_basics(r->json);
    return r;
}

static json_int_t create_user(mt_server *s, const char *firstname, json_t *cp)
{
    mt_resp *r = create_user_resp(s, firstname, cp);
    return fix_take_id(r);
}

static mt_resp *get_user(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), USERS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_user_basics(r->json);
    return r;
}

/* Send `body` (stolen) as PUT /users/{id}. */
static mt_resp *put_user(mt_server *s, json_int_t id, json_t *body)
{
    char path[96];
    snprintf(path, sizeof path, USERS_PATH "/%lld", (long long)id);
    return mt_request_json(s, "PUT", path, mt_admin_key(s), body, NULL);
}

/* Create a User custom field; defaults is a JSON array text or NULL. Returns its id. */
static json_int_t create_cp(mt_server *s, const char *name, const char *kind, const char *defaults)
{
    mt_resp *r = fix_create_custom_property(s, "User", name, kind, defaults);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", name);
    MT_ASSERT_JSON_STR(r->json, "kind", kind);
    MT_ASSERT_JSON_STR(r->json, "entity", "User");
    return fix_take_id(r);
}

/* The custom_properties object of a user JSON (borrowed). */
static json_t *cps_of(const json_t *user)
{
    json_t *cp = json_object_get(user, "custom_properties");
    assert_true(json_is_object(cp));
    return cp;
}

#define assert_cp_str(user, name, expected)                                                        \
    assert_cp_str_((user), (name), (expected), __FILE__, __LINE__)
static void assert_cp_str_(const json_t *user, const char *name, const char *expected,
                           const char *file, int line)
{
    json_t *v = json_object_get(json_object_get(user, "custom_properties"), name);
    if (!json_is_string(v) || strcmp(json_string_value(v), expected) != 0) {
        char *dump = json_dumps(user, JSON_COMPACT);
        print_error("%s:%d: custom_properties[\"%s\"]: expected \"%s\" in %s\n", file, line, name,
                    expected, dump);
        free(dump);
        _fail(file, line);
    }
}

#define assert_cp_absent(user, name) assert_cp_absent_((user), (name), __FILE__, __LINE__)
static void assert_cp_absent_(const json_t *user, const char *name, const char *file, int line)
{
    json_t *cp = json_object_get(user, "custom_properties");
    if (!json_is_object(cp) || json_object_get(cp, name)) {
        char *dump = json_dumps(user, JSON_COMPACT);
        print_error("%s:%d: custom_properties[\"%s\"] should be absent in %s\n", file, line, name,
                    dump);
        free(dump);
        _fail(file, line);
    }
}

/* The value at custom_properties[name] equals the JSON text `expected`. */
#define assert_cp_json(user, name, expected)                                                       \
    assert_cp_json_((user), (name), (expected), __FILE__, __LINE__)
static void assert_cp_json_(const json_t *user, const char *name, const char *expected,
                            const char *file, int line)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    json_t *v = json_object_get(json_object_get(user, "custom_properties"), name);
    if (!v || !json_equal(v, want)) {
        char *dump = json_dumps(user, JSON_COMPACT);
        print_error("%s:%d: custom_properties[\"%s\"]: expected %s in %s\n", file, line, name,
                    expected, dump);
        free(dump);
        json_decref(want);
        _fail(file, line);
    }
    json_decref(want);
}

/* true if a JSON array of objects has one with this "name". */
static bool has_name(const json_t *arr, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *n = json_object_get(e, "name");
        if (json_is_string(n) && !strcmp(json_string_value(n), name))
            return true;
    }
    return false;
}

/* ---- definitions ------------------------------------------------------------------------ */

static void test_cp_create_full_and_get(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, CP_PATH, mt_admin_key(s),
                         "{\"name\":\"Purchase Order Number\",\"name_alt\":\"Numero Acquisto\","
                         "\"placeholder\":\"PO-123\",\"placeholder_alt\":\"PO-alt\","
                         "\"kind\":\"String\",\"entity\":\"User\",\"print_on_invoice\":true,"
                         "\"print_on_offer\":false,\"print_on_timesheet\":true,"
                         "\"notification_enabled\":false,\"api_only\":true,\"defaults\":[]}");
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    json_int_t id = mt_json_int(r->json, "id");
    assert_true(id > 0);
    MT_ASSERT_JSON_STR(r->json, "name", "Purchase Order Number");
    MT_ASSERT_JSON_STR(r->json, "name_alt", "Numero Acquisto");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "PO-123");
    MT_ASSERT_JSON_STR(r->json, "placeholder_alt", "PO-alt");
    MT_ASSERT_JSON_STR(r->json, "kind", "String");
    MT_ASSERT_JSON_STR(r->json, "entity", "User");
    MT_ASSERT_JSON_TYPE(r->json, "print_on_invoice", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "print_on_offer", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "print_on_timesheet", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "notification_enabled", JSON_FALSE);
    assert_int_equal(mt_json_len(r->json, "defaults"), 0);
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Purchase Order Number");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "PO-123");
    MT_ASSERT_JSON_TYPE(r->json, "print_on_invoice", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "print_on_timesheet", JSON_TRUE);
    mt_resp_free(r);

    /* the .json suffix answers too */
    r = mt_getf(s, mt_admin_key(s), CP_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);
}

static void test_cp_create_minimal_defaults(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, CP_PATH, mt_admin_key(s),
                         "{\"name\":\"Slogan\",\"kind\":\"String\",\"entity\":\"Deal\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "Slogan");
    MT_ASSERT_JSON_STR(r->json, "entity", "Deal");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "");
    MT_ASSERT_JSON_TYPE(r->json, "print_on_invoice", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "print_on_offer", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "print_on_timesheet", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "notification_enabled", JSON_FALSE);
    assert_int_equal(mt_json_len(r->json, "defaults"), 0);
    mt_resp_free(r);

    /* defaults of a selection are kept in order, empty strings included */
    r = mt_post(s, CP_PATH, mt_admin_key(s),
                "{\"name\":\"Shirt Size\",\"kind\":\"Select\",\"entity\":\"User\","
                "\"defaults\":[\"S\",\"M\",\"L\",\"\"]}");
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    assert_int_equal(mt_json_len(r->json, "defaults"), 4);
    MT_ASSERT_JSON_STR(r->json, "defaults[0]", "S");
    MT_ASSERT_JSON_STR(r->json, "defaults[2]", "L");
    MT_ASSERT_JSON_STR(r->json, "defaults[3]", "");
    mt_resp_free(r);
}

static void test_cp_get_unknown_id(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, CP_PATH "/987654", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
}

static void test_cp_list_and_entity_filter(void **state)
{
    mt_server *s = *state;
    json_int_t user_cp = create_cp(s, "List User Field", "String", NULL);
    mt_resp *r = mt_post(s, CP_PATH, mt_admin_key(s),
                         "{\"name\":\"List Project Field\",\"kind\":\"Boolean\","
                         "\"entity\":\"Project\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t project_cp = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_get(s, CP_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_true(has_name(r->json, "List User Field"));
    assert_true(has_name(r->json, "List Project Field"));
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_cp_shape(e);
    char total[32];
    snprintf(total, sizeof total, "%zu", json_array_size(r->json));
    MT_ASSERT_HEADER(r, "X-Total", total);
    mt_resp_free(r);

    r = mt_get(s, CP_PATH "?entity=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_array_size(r->json) > 0);
    json_array_foreach(r->json, i, e)
    {
        assert_cp_shape(e);
        MT_ASSERT_JSON_STR(e, "entity", "User");
        assert_true(mt_json_int(e, "id") != project_cp);
    }
    assert_true(has_name(r->json, "List User Field"));
    assert_false(has_name(r->json, "List Project Field"));
    mt_resp_free(r);

    r = mt_get(s, CP_PATH "?entity=Project", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_array_foreach(r->json, i, e)
    {
        MT_ASSERT_JSON_STR(e, "entity", "Project");
        assert_true(mt_json_int(e, "id") != user_cp);
    }
    assert_true(has_name(r->json, "List Project Field"));
    MT_ASSERT_HEADER(r, "X-Total", "1");
    mt_resp_free(r);
}

static void test_cp_update(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_cp(s, "Update Me", "String", NULL);

    mt_resp *r = mt_requestf(s, "PATCH", mt_admin_key(s),
                             "{\"name\":\"Slogan Updated\",\"placeholder\":\"Enter your slogan\"}",
                             CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Slogan Updated");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "Enter your slogan");
    MT_ASSERT_JSON_STR(r->json, "kind", "String");
    MT_ASSERT_JSON_STR(r->json, "entity", "User");
    mt_resp_free(r);

    /* PUT as well; kind and entity are ignored on update, the other fields change */
    r = mt_requestf(s, "PUT", mt_admin_key(s),
                    "{\"placeholder\":\"Second\",\"kind\":\"Boolean\",\"entity\":\"Project\","
                    "\"print_on_offer\":true}",
                    CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "Slogan Updated");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "Second");
    MT_ASSERT_JSON_STR(r->json, "kind", "String");
    MT_ASSERT_JSON_STR(r->json, "entity", "User");
    MT_ASSERT_JSON_TYPE(r->json, "print_on_offer", JSON_TRUE);
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Slogan Updated");
    MT_ASSERT_JSON_STR(r->json, "placeholder", "Second");
    MT_ASSERT_JSON_STR(r->json, "kind", "String");
    MT_ASSERT_JSON_STR(r->json, "entity", "User");
    MT_ASSERT_JSON_TYPE(r->json, "print_on_offer", JSON_TRUE);
    mt_resp_free(r);

    /* a value under the new name works on users */
    mt_resp *u = create_user_resp(s, "Renamed", json_pack("{s:s}", "Slogan Updated", "Go!"));
    assert_cp_str(u->json, "Slogan Updated", "Go!");
    mt_resp_free(u);

    /* renaming onto another field's name of the same entity: 422 */
    create_cp(s, "Taken Name", "String", NULL);
    fix_expect_422(s, "PUT", mt_admin_key(s), "{\"name\":\"Taken Name\"}", "name", CP_PATH "/%lld",
                   (long long)id);

    /* keeping its own name is no conflict */
    r = mt_requestf(s, "PATCH", mt_admin_key(s), "{\"name\":\"Slogan Updated\"}", CP_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Slogan Updated");
    mt_resp_free(r);

    /* the name stays required */
    fix_expect_422(s, "PATCH", mt_admin_key(s), "{\"name\":\"\"}", "name", CP_PATH "/%lld",
                   (long long)id);

    /* defaults of a selection can be changed; the new option is then accepted */
    json_int_t sel = create_cp(s, "Update Select", "Select", "[\"One\"]");
    r = mt_requestf(s, "PATCH", mt_admin_key(s), "{\"defaults\":[\"One\",\"Two\"]}",
                    CP_PATH "/%lld", (long long)sel);
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    assert_int_equal(mt_json_len(r->json, "defaults"), 2);
    MT_ASSERT_JSON_STR(r->json, "defaults[1]", "Two");
    mt_resp_free(r);
    u = create_user_resp(s, "Selector", json_pack("{s:s}", "Update Select", "Two"));
    assert_cp_str(u->json, "Update Select", "Two");
    mt_resp_free(u);

    fix_expect_status(s, "PUT", mt_admin_key(s), "{\"name\":\"Nope\"}", 404, CP_PATH "/987654");
}

static void test_cp_delete(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_cp(s, "Doomed", "String", NULL);
    create_cp(s, "Survivor", "String", NULL);
    json_int_t uid =
        create_user(s, "Deleter", json_pack("{s:s, s:s}", "Doomed", "bye", "Survivor", "stay"));

    json_int_t before[] = {uid};
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?custom_properties%5BDoomed%5D=bye", before, 1);

    mt_resp *r = mt_deletef(s, mt_admin_key(s), CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);

    fix_expect_status(s, "GET", mt_admin_key(s), NULL, 404, CP_PATH "/%lld", (long long)id);

    r = mt_get(s, CP_PATH "?entity=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_name(r->json, "Doomed"));
    mt_resp_free(r);

    /* the value vanished from the user, the other stays */
    r = get_user(s, uid);
    assert_cp_absent(r->json, "Doomed");
    assert_cp_str(r->json, "Survivor", "stay");
    mt_resp_free(r);

    /* filtering by it is filtering by an unknown field */
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?custom_properties%5BDoomed%5D=bye", NULL, 0);

    /* the name is no custom field any more */
    r = put_user(s, uid,
                 json_pack("{s:{s:s, s:s}}", "custom_properties", "Doomed", "x", "Survivor", "y"));
    MT_ASSERT_STATUS(r, 200); /* an unknown name is dropped, as MOCO does */
    assert_cp_absent(r->json, "Doomed");
    assert_cp_str(r->json, "Survivor", "y");
    mt_resp_free(r);

    fix_expect_status(s, "DELETE", mt_admin_key(s), NULL, 404, CP_PATH "/%lld", (long long)id);

    /* a new field of the same name does not resurrect the old value */
    create_cp(s, "Doomed", "String", NULL);
    r = get_user(s, uid);
    assert_cp_absent(r->json, "Doomed");
    mt_resp_free(r);
}

static void test_cp_create_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    fix_expect_422(s, "POST", key, "{\"kind\":\"String\",\"entity\":\"User\"}", "name", CP_PATH);

    fix_expect_422(s, "POST", key, "{\"name\":\"\",\"kind\":\"String\",\"entity\":\"User\"}",
                   "name", CP_PATH);

    fix_expect_422(s, "POST", key, "{\"name\":\"No Kind\",\"entity\":\"User\"}", "kind", CP_PATH);

    fix_expect_422(s, "POST", key, "{\"name\":\"No Entity\",\"kind\":\"String\"}", "entity",
                   CP_PATH);

    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Kind\",\"kind\":\"Number\",\"entity\":\"User\"}", "kind",
                   CP_PATH);

    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Entity\",\"kind\":\"String\",\"entity\":\"Spaceship\"}",
                   "entity", CP_PATH);

    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Bad Defaults\",\"kind\":\"Select\",\"entity\":\"User\","
                   "\"defaults\":\"a,b\"}",
                   "defaults", CP_PATH);

    /* every missing field is named at once */
    mt_resp *r = mt_post(s, CP_PATH, key, "{}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "kind");
    fix_assert_422(r, "entity");
    mt_resp_free(r);

    /* none of those was created */
    r = mt_get(s, CP_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_name(r->json, "No Kind"));
    assert_false(has_name(r->json, "No Entity"));
    assert_false(has_name(r->json, "Bad Kind"));
    assert_false(has_name(r->json, "Bad Entity"));
    mt_resp_free(r);

    /* names are unique per entity */
    create_cp(s, "Unique Per Entity", "String", NULL);
    fix_expect_422(s, "POST", key,
                   "{\"name\":\"Unique Per Entity\",\"kind\":\"Boolean\",\"entity\":\"User\"}",
                   "name", CP_PATH);
    r = mt_post(s, CP_PATH, key,
                "{\"name\":\"Unique Per Entity\",\"kind\":\"String\",\"entity\":\"Project\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "entity", "Project");
    mt_resp_free(r);
}

static void test_cp_permissions(void **state)
{
    mt_server *s = *state;
    char *ro = mt_account_key(s, MT_ACCOUNT, "read");
    mt_resp *r = mt_get(s, CP_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_expect_status(s, "POST", ro,
                      "{\"name\":\"Read Only\",\"kind\":\"String\",\"entity\":\"User\"}", 403,
                      CP_PATH);
    fix_expect_status(s, "GET", NULL, NULL, 401, CP_PATH);
    free(ro);
}

/* ---- values ----------------------------------------------------------------------------- */

static void test_values_every_kind(void **state)
{
    mt_server *s = *state;
    create_cp(s, "K String", "String", NULL);
    create_cp(s, "K Textarea", "Textarea", NULL);
    create_cp(s, "K Link", "Link", NULL);
    create_cp(s, "K Boolean", "Boolean", NULL);
    create_cp(s, "K Select", "Select", "[\"Gold\",\"Silver\",\"\"]");
    create_cp(s, "K Multi", "MultiSelect", "[\"Pharma\",\"Chemistry\",\"Auto\"]");
    create_cp(s, "K Date", "Date", NULL);

    json_t *cp =
        json_pack("{s:s, s:s, s:s, s:b, s:s, s:[s,s], s:s}", "K String", "Automotive", "K Textarea",
                  "line one\nline two", "K Link", "https://example.com/x", "K Boolean", 1,
                  "K Select", "Gold", "K Multi", "Pharma", "Chemistry", "K Date", "2021-12-31");
    mt_resp *r = create_user_resp(s, "Kinds", cp);
    json_int_t uid = mt_json_int(r->json, "id");
    assert_cp_str(r->json, "K String", "Automotive");
    assert_cp_str(r->json, "K Textarea", "line one\nline two");
    assert_cp_str(r->json, "K Link", "https://example.com/x");
    assert_cp_str(r->json, "K Boolean", "1");
    assert_cp_str(r->json, "K Select", "Gold");
    assert_cp_json(r->json, "K Multi", "[\"Pharma\",\"Chemistry\"]");
    assert_cp_str(r->json, "K Date", "2021-12-31");
    assert_int_equal(json_object_size(cps_of(r->json)), 7);
    mt_resp_free(r);

    r = get_user(s, uid);
    assert_cp_str(r->json, "K String", "Automotive");
    assert_cp_str(r->json, "K Boolean", "1");
    assert_cp_str(r->json, "K Select", "Gold");
    MT_ASSERT_JSON_TYPE(cps_of(r->json), "K Multi", JSON_ARRAY);
    assert_cp_json(r->json, "K Multi", "[\"Pharma\",\"Chemistry\"]");
    assert_cp_str(r->json, "K Date", "2021-12-31");
    mt_resp_free(r);

    /* Boolean false renders "0"; the string forms "1"/"0" are accepted as well */
    r = put_user(
        s, uid,
        json_pack("{s:{s:b, s:[s]}}", "custom_properties", "K Boolean", 0, "K Multi", "Auto"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "K Boolean", "0");
    assert_cp_json(r->json, "K Multi", "[\"Auto\"]");
    mt_resp_free(r);
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "K Boolean", "1"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "K Boolean", "1");
    mt_resp_free(r);
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "K Boolean", "0"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "K Boolean", "0");
    mt_resp_free(r);
    r = get_user(s, uid);
    assert_cp_str(r->json, "K Boolean", "0");
    mt_resp_free(r);

    /* another Select option */
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "K Select", "Silver"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "K Select", "Silver");
    mt_resp_free(r);
}

static void test_values_validation(void **state)
{
    mt_server *s = *state;
    create_cp(s, "V String", "String", NULL);
    create_cp(s, "V Boolean", "Boolean", NULL);
    create_cp(s, "V Select", "Select", "[\"Gold\",\"Silver\"]");
    create_cp(s, "V Multi", "MultiSelect", "[\"Pharma\",\"Chemistry\"]");
    create_cp(s, "V Date", "Date", NULL);
    /* the docs' strictness: unknown names are refused too (without it they are dropped) */
    free(mt_cli(s, "account --account %s --strict-validation on", MT_ACCOUNT));
    mt_resp *pr =
        mt_post(s, CP_PATH, mt_admin_key(s),
                "{\"name\":\"V Project Only\",\"kind\":\"String\",\"entity\":\"Project\"}");
    MT_ASSERT_STATUS(pr, 200);
    mt_resp_free(pr);

    json_int_t uid = create_user(s, "Validated",
                                 json_pack("{s:s, s:s, s:[s], s:s}", "V String", "keep", "V Select",
                                           "Gold", "V Multi", "Pharma", "V Date", "2024-01-15"));
    struct {
        const char *body; /* custom_properties JSON */
        const char *field;
    } bad[] = {
        {"{\"V Select\":\"Bronze\"}", "custom_properties.V Select"},
        {"{\"V Multi\":[\"Pharma\",\"Steel\"]}", "custom_properties.V Multi"},
        {"{\"V Multi\":[\"Steel\"]}", "custom_properties.V Multi"},
        {"{\"V Multi\":42}", "custom_properties.V Multi"},
        {"{\"V Date\":\"31.12.2021\"}", "custom_properties.V Date"},
        {"{\"V Date\":\"2021-13-01\"}", "custom_properties.V Date"},
        {"{\"V Date\":\"2023-02-29\"}", "custom_properties.V Date"},
        {"{\"V String\":[\"a\",\"b\"]}", "custom_properties.V String"},
        {"{\"V String\":{\"a\":\"b\"}}", "custom_properties.V String"},
        {"{\"V Boolean\":\"maybe\"}", "custom_properties.V Boolean"},
        {"{\"V Boolean\":[true]}", "custom_properties.V Boolean"},
        {"{\"No Such Field\":\"x\"}", "custom_properties.No Such Field"},
        {"{\"V Project Only\":\"x\"}", "custom_properties.V Project Only"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"custom_properties\":%s}", bad[i].body);
        mt_resp *r =
            mt_requestf(s, "PUT", mt_admin_key(s), body, USERS_PATH "/%lld", (long long)uid);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);

        /* also rejected when creating a user */
        json_t *extra = json_pack("{s:o}", "custom_properties", json_loads(bad[i].body, 0, NULL));
        r = mt_request_json(s, "POST", USERS_PATH, mt_admin_key(s), user_body(s, "Rejected", extra),
                            NULL);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }

    /* custom_properties itself must be an object */
    const char *not_objects[] = {"\"x\"", "[\"x\"]", "42"};
    for (size_t i = 0; i < 3; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"custom_properties\":%s}", not_objects[i]);
        mt_resp *r =
            mt_requestf(s, "PUT", mt_admin_key(s), body, USERS_PATH "/%lld", (long long)uid);
        fix_assert_422(r, "custom_properties");
        mt_resp_free(r);
    }

    /* two offending fields are both named */
    mt_resp *r = put_user(
        s, uid,
        json_pack("{s:{s:s, s:s}}", "custom_properties", "V Select", "Bronze", "Nope", "x"));
    fix_assert_422(r, "custom_properties.V Select");
    fix_assert_422(r, "custom_properties.Nope");
    mt_resp_free(r);

    /* nothing of the rejected updates was stored */
    r = get_user(s, uid);
    assert_cp_str(r->json, "V String", "keep");
    assert_cp_str(r->json, "V Select", "Gold");
    assert_cp_json(r->json, "V Multi", "[\"Pharma\"]");
    assert_cp_str(r->json, "V Date", "2024-01-15");
    assert_int_equal(json_object_size(cps_of(r->json)), 4);
    mt_resp_free(r);
    free(mt_cli(s, "account --account %s --strict-validation off", MT_ACCOUNT));
    r = mt_get(s, USERS_PATH "?per_page=1000", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        assert_string_not_equal(mt_json_str(e, "firstname"), "Rejected");
    }
    mt_resp_free(r);
}

static void test_values_size_limit(void **state)
{
    mt_server *s = *state;
    create_cp(s, "Big Text", "Textarea", NULL);
    json_int_t uid = create_user(s, "Sized", json_pack("{s:s}", "Big Text", "small"));

    size_t n = 13 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    mt_resp *r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Big Text", big));
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    MT_ASSERT_JSON_TYPE(r->json, "errors", JSON_OBJECT);
    mt_resp_free(r);

    json_t *extra = json_pack("{s:{s:s}}", "custom_properties", "Big Text", big);
    r = mt_request_json(s, "POST", USERS_PATH, mt_admin_key(s), user_body(s, "TooBig", extra),
                        NULL);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);

    r = get_user(s, uid);
    assert_cp_str(r->json, "Big Text", "small");
    mt_resp_free(r);

    /* under the limit is fine */
    big[11 * 1024] = '\0';
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Big Text", big));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "Big Text", big);
    mt_resp_free(r);
    free(big);
}

static void test_values_null_and_empty_remove(void **state)
{
    mt_server *s = *state;
    create_cp(s, "R One", "String", NULL);
    create_cp(s, "R Two", "Date", NULL);
    create_cp(s, "R Three", "MultiSelect", "[\"a\",\"b\"]");
    json_int_t uid = create_user(
        s, "Removal",
        json_pack("{s:s, s:s, s:[s]}", "R One", "1", "R Two", "2024-02-29", "R Three", "a"));

    mt_resp *r = put_user(s, uid,
                          json_pack("{s:{s:n, s:s, s:[s]}}", "custom_properties", "R One", "R Two",
                                    "", "R Three", "b"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_absent(r->json, "R One");
    assert_cp_absent(r->json, "R Two");
    assert_cp_json(r->json, "R Three", "[\"b\"]");
    mt_resp_free(r);

    r = get_user(s, uid);
    assert_cp_absent(r->json, "R One");
    assert_cp_absent(r->json, "R Two");
    assert_cp_json(r->json, "R Three", "[\"b\"]");
    mt_resp_free(r);
}

/* The seed's rule (replace), an update without custom_properties, then the merge setting. */
static void test_values_replace_then_merge(void **state)
{
    mt_server *s = *state;
    create_cp(s, "Rule A", "String", NULL);
    create_cp(s, "Rule B", "String", NULL);
    json_int_t uid =
        create_user(s, "Ruled", json_pack("{s:s, s:s}", "Rule A", "a1", "Rule B", "b1"));

    /* PUT with {A}: B is removed */
    mt_resp *r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Rule A", "a2"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "Rule A", "a2");
    assert_cp_absent(r->json, "Rule B");
    mt_resp_free(r);
    r = get_user(s, uid);
    assert_cp_str(r->json, "Rule A", "a2");
    assert_cp_absent(r->json, "Rule B");
    mt_resp_free(r);

    /* PUT without custom_properties keeps both */
    r = put_user(s, uid,
                 json_pack("{s:{s:s, s:s}}", "custom_properties", "Rule A", "a3", "Rule B", "b3"));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = put_user(s, uid, json_pack("{s:s}", "info", "no custom fields here"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "info", "no custom fields here");
    assert_cp_str(r->json, "Rule A", "a3");
    assert_cp_str(r->json, "Rule B", "b3");
    mt_resp_free(r);

    /* an empty object removes them all */
    r = put_user(s, uid, json_pack("{s:{}}", "custom_properties"));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_object_size(cps_of(r->json)), 0);
    mt_resp_free(r);
    r = put_user(s, uid,
                 json_pack("{s:{s:s, s:s}}", "custom_properties", "Rule A", "a3", "Rule B", "b3"));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* PATCH follows the same rule: {B} removes A */
    char path[96];
    snprintf(path, sizeof path, USERS_PATH "/%lld", (long long)uid);
    r = mt_request_json(s, "PATCH", path, mt_admin_key(s),
                        json_pack("{s:{s:s}}", "custom_properties", "Rule B", "b4"), NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_cp_absent(r->json, "Rule A");
    assert_cp_str(r->json, "Rule B", "b4");
    mt_resp_free(r);
    r = put_user(s, uid,
                 json_pack("{s:{s:s, s:s}}", "custom_properties", "Rule A", "a3", "Rule B", "b3"));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* the account switches to merging: PUT with {A} keeps B */
    char *out = mt_cli(s, "account --account %s --custom-properties merge", MT_ACCOUNT);
    free(out);
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Rule A", "a4"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "Rule A", "a4");
    assert_cp_str(r->json, "Rule B", "b3");
    mt_resp_free(r);
    r = get_user(s, uid);
    assert_cp_str(r->json, "Rule A", "a4");
    assert_cp_str(r->json, "Rule B", "b3");
    mt_resp_free(r);

    /* null still removes a value when merging */
    r = put_user(s, uid, json_pack("{s:{s:n}}", "custom_properties", "Rule B"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_str(r->json, "Rule A", "a4");
    assert_cp_absent(r->json, "Rule B");
    mt_resp_free(r);

    /* and back to the seed's rule */
    out = mt_cli(s, "account --account %s --custom-properties replace", MT_ACCOUNT);
    free(out);
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Rule B", "b5"));
    MT_ASSERT_STATUS(r, 200);
    assert_cp_absent(r->json, "Rule A");
    assert_cp_str(r->json, "Rule B", "b5");
    mt_resp_free(r);
}

/* ---- filters ---------------------------------------------------------------------------- */

static void test_filters(void **state)
{
    mt_server *s = *state;
    create_cp(s, "Sector", "MultiSelect", "[\"Pharma\",\"Chemistry\",\"Auto\"]");
    create_cp(s, "Newsletter", "Boolean", NULL);
    create_cp(s, "Subscription Date", "Date", NULL);
    create_cp(s, "Motto", "String", NULL);
    create_cp(s, "Tier", "Select", "[\"Gold\",\"Silver\"]");

    json_int_t u1 = create_user(s, "FilterOne",
                                json_pack("{s:[s,s], s:b, s:s, s:s, s:s}", "Sector", "Pharma",
                                          "Chemistry", "Newsletter", 1, "Subscription Date",
                                          "2024-03-25", "Motto", "Move fast", "Tier", "Gold"));
    json_int_t u2 = create_user(s, "FilterTwo",
                                json_pack("{s:[s], s:b, s:s, s:s, s:s}", "Sector", "Pharma",
                                          "Newsletter", 0, "Subscription Date", "2024-03-26",
                                          "Motto", "Move", "Tier", "Silver"));
    json_int_t u3 =
        create_user(s, "FilterThree", json_pack("{s:[s,s]}", "Sector", "Auto", "Chemistry"));
    create_user(s, "FilterFour", NULL);

#define CPQ(name) "custom_properties%5B" name "%5D"
    /* MultiSelect: a single value matches entities having it among others */
    json_int_t pharma[] = {u1, u2};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Sector") "=Pharma",
                                  pharma, 2);
    json_int_t chem[] = {u1, u3};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Sector") "=Chemistry",
                                  chem, 2);
    /* all values given with [] must be present */
    json_int_t both[] = {u1};
    fix_assert_list_ids_any_order(
        s, mt_admin_key(s),
        USERS_PATH "?" CPQ("Sector") "%5B%5D=Pharma&" CPQ("Sector") "%5B%5D=Chemistry", both, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Sector") "%5B%5D=Pharma",
                                  pharma, 2);
    fix_assert_list_ids_any_order(
        s, mt_admin_key(s),
        USERS_PATH "?" CPQ("Sector") "%5B%5D=Pharma&" CPQ("Sector") "%5B%5D=Auto", NULL, 0);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Sector") "=Steel", NULL,
                                  0);

    /* Boolean: true / false; a user without a value matches neither */
    json_int_t yes[] = {u1}, no[] = {u2};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Newsletter") "=true", yes,
                                  1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Newsletter") "=false", no,
                                  1);

    /* Date */
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?" CPQ("Subscription%20Date") "=2024-03-25", yes, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?" CPQ("Subscription%20Date") "=2024-03-26", no, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?" CPQ("Subscription%20Date") "=2024-03-27", NULL, 0);

    /* String and Select: exact match only */
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=Move", no, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=Move%20fast",
                                  yes, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=Mov", NULL, 0);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=fast", NULL, 0);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Tier") "=Gold", yes, 1);
    /* form encoding: '+' is a blank, %26 an ampersand inside the value */
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=Move+fast", yes,
                                  1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?" CPQ("Subscription+Date") "=2024-03-25", yes, 1);
    json_int_t u5 = create_user(s, "FilterFive", json_pack("{s:s}", "Motto", "R&D first"));
    json_int_t rnd[] = {u5};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=R%26D%20first",
                                  rnd, 1);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?" CPQ("Motto") "=R", NULL, 0);

    /* several fields combine with AND */
    fix_assert_list_ids_any_order(
        s, mt_admin_key(s), USERS_PATH "?" CPQ("Sector") "=Pharma&" CPQ("Newsletter") "=false", no,
        1);

    /* filters combine with pagination: X-Total counts the matches, Link keeps the filter */
    mt_resp *pg = mt_get(s, USERS_PATH "?" CPQ("Sector") "=Pharma&per_page=1", mt_admin_key(s));
    MT_ASSERT_STATUS(pg, 200);
    assert_int_equal(json_array_size(pg->json), 1);
    MT_ASSERT_HEADER(pg, "X-Total", "2");
    const char *link = mt_header(pg, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"next\""));
    assert_non_null(strstr(link, "page=2"));
    assert_true(strstr(link, "custom_properties%5BSector%5D=Pharma") != NULL ||
                strstr(link, "custom_properties[Sector]=Pharma") != NULL);
    mt_resp_free(pg);

    /* an unknown custom field: an empty list, X-Total 0 */
    mt_resp *r = mt_get(s, USERS_PATH "?" CPQ("No%20Such%20Field") "=x", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
#undef CPQ
}

/* ---- tenants ---------------------------------------------------------------------------- */

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_cp(s, "Acme Secret Field", "String", NULL);
    json_int_t uid = create_user(s, "AcmeOnly", json_pack("{s:s}", "Acme Secret Field", "v"));
    char *other = mt_init_account(s, "other", "admin@other.test", "secret-pass-3");

    fix_expect_status(s, "GET", other, NULL, 404, CP_PATH "/%lld", (long long)id);
    fix_expect_status(s, "PUT", other, "{\"name\":\"Hijacked\"}", 404, CP_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", other, NULL, 404, CP_PATH "/%lld", (long long)id);

    mt_resp *r = mt_get(s, CP_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);

    /* the other account's users cannot carry acme's field, nor filter by it */
    r = mt_get(s, "/api/v1/units", other);
    MT_ASSERT_STATUS(r, 200);
    json_int_t other_unit = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", USERS_PATH, other,
                        json_pack("{s:s, s:s, s:s, s:I, s:{s:s}}", "firstname", "Ot", "lastname",
                                  "Her", "email", "ot.her0@other.test", "unit_id", other_unit,
                                  "custom_properties", "Acme Secret Field", "v"),
                        NULL);
    MT_ASSERT_STATUS(r, 200); /* not a field of this account: dropped */
    assert_cp_absent(r->json, "Acme Secret Field");
    mt_resp_free(r);
    r = mt_get(s, USERS_PATH "?custom_properties%5BAcme%20Secret%20Field%5D=v", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* the other account may define the same name for itself, of another kind, and use it */
    r = mt_post(s, CP_PATH, other,
                "{\"name\":\"Acme Secret Field\",\"kind\":\"Boolean\",\"entity\":\"User\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_cp_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "kind", "Boolean");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", USERS_PATH, other,
                        json_pack("{s:s, s:s, s:s, s:I, s:{s:b}}", "firstname", "Ot", "lastname",
                                  "Her", "email", "ot.her@other.test", "unit_id", other_unit,
                                  "custom_properties", "Acme Secret Field", 1),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_user_basics(r->json);
    assert_cp_str(r->json, "Acme Secret Field", "1");
    json_int_t other_uid = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_get(s, USERS_PATH "?custom_properties%5BAcme%20Secret%20Field%5D=true", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", other_uid);
    mt_resp_free(r);
    json_int_t acme_only[] = {uid};
    fix_assert_list_ids_any_order(s, mt_admin_key(s),
                                  USERS_PATH "?custom_properties%5BAcme%20Secret%20Field%5D=v",
                                  acme_only, 1);

    /* acme is untouched */
    r = mt_getf(s, mt_admin_key(s), CP_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme Secret Field");
    MT_ASSERT_JSON_STR(r->json, "kind", "String");
    mt_resp_free(r);
    r = get_user(s, uid);
    assert_cp_str(r->json, "Acme Secret Field", "v");
    mt_resp_free(r);
    r = mt_get(s, CP_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *e;
    size_t seen = 0;
    json_array_foreach(r->json, i, e)
    {
        if (!strcmp(mt_json_str(e, "name"), "Acme Secret Field"))
            seen++;
    }
    assert_int_equal(seen, 1);
    mt_resp_free(r);
    free(other);
}

/* The 12 kB limit is on the custom_properties field of the entity: when merging, the stored
 * values together must stay under it too. Runs last: it switches the account to merging. */
static void test_values_size_limit_when_merging(void **state)
{
    mt_server *s = *state;
    create_cp(s, "Merge Big A", "Textarea", NULL);
    create_cp(s, "Merge Big B", "Textarea", NULL);
    json_int_t uid = create_user(s, "MergeSized", NULL);
    char *out = mt_cli(s, "account --account %s --custom-properties merge", MT_ACCOUNT);
    free(out);

    size_t n = 7 * 1024;
    char *half = malloc(n + 1);
    memset(half, 'y', n);
    half[n] = '\0';
    mt_resp *r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Merge Big A", half));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* alone 7 kB, but the field would hold 14 kB */
    r = put_user(s, uid, json_pack("{s:{s:s}}", "custom_properties", "Merge Big B", half));
    free(half);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "errors", JSON_OBJECT);
    mt_resp_free(r);
    r = get_user(s, uid);
    assert_cp_absent(r->json, "Merge Big B");
    mt_resp_free(r);

    out = mt_cli(s, "account --account %s --custom-properties replace", MT_ACCOUNT);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cp_create_full_and_get),
        cmocka_unit_test(test_cp_create_minimal_defaults),
        cmocka_unit_test(test_cp_get_unknown_id),
        cmocka_unit_test(test_cp_list_and_entity_filter),
        cmocka_unit_test(test_cp_update),
        cmocka_unit_test(test_cp_delete),
        cmocka_unit_test(test_cp_create_validation),
        cmocka_unit_test(test_cp_permissions),
        cmocka_unit_test(test_values_every_kind),
        cmocka_unit_test(test_values_validation),
        cmocka_unit_test(test_values_size_limit),
        cmocka_unit_test(test_values_null_and_empty_remove),
        cmocka_unit_test(test_values_replace_then_merge),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_tenant_isolation),
        cmocka_unit_test(test_values_size_limit_when_merging),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
