/* API tests of staff (sections/users.md), permission roles (sections/user_roles.md) and the
 * profile (sections/profile.md). One server for the whole file (group fixture). */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLE_KEYS "id,name,is_default,is_admin,permission,created_at,updated_at"
#define PERMISSION_KEYS                                                                            \
    "report,companies,contacts,people,purchases,settings,sales,projects,calendar,time_tracking,"   \
    "invoicing"
#define PROFILE_KEYS                                                                               \
    "id,email,full_name,first_name,last_name,active,external,avatar_url,unit,created_at,"          \
    "updated_at"

/* ---- helpers ----------------------------------------------------------------------------- */

static bool str_array_has(const json_t *arr, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return true;
    }
    return false;
}

/* The id of the role with this name (GET /users/roles). */
static json_int_t role_id(mt_server *s, const char *name)
{
    mt_resp *r = mt_get(s, "/api/v1/users/roles", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_t *role = fix_find_by_str(r->json, "name", name);
    if (!role)
        fail_msg("no role named %s in %s", name, r->body);
    json_int_t id = mt_json_int(role, "id");
    mt_resp_free(r);
    return id;
}

/* POST /session with email and password, asserting 200; returns the api_key (malloc'd). */
static char *login(mt_server *s, const char *email, const char *password, json_int_t *user_id)
{
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", password), NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "api_key", JSON_STRING);
    MT_ASSERT_JSON_TYPE(r->json, "user_id", JSON_INTEGER);
    char *key = strdup(mt_json_str(r->json, "api_key"));
    if (user_id)
        *user_id = mt_json_int(r->json, "user_id");
    mt_resp_free(r);
    return key;
}

/* POST /users with firstname, lastname, email, unit_id (Team unless unit > 0) plus the fields of
 * extra (consumed, may be NULL); asserts 200 and returns the id. */
static json_int_t create_user(mt_server *s, const char *first, const char *last, const char *email,
                              json_int_t unit, json_t *extra)
{
    return fix_create_user(
        s, fix_user_body(first, last, email, unit > 0 ? unit : fix_team_id(s), extra));
}

/* Exactly the documented keys with the documented JSON types. */
static void assert_user_shape(const json_t *u)
{
    mt_assert_keys(u, FIX_USER_KEYS);
    MT_ASSERT_JSON_TYPE(u, "id", JSON_INTEGER);
    const char *strings[] = {"firstname",    "lastname",   "email",
                             "mobile_phone", "work_phone", "home_address",
                             "info",         "iban",       NULL};
    for (int i = 0; strings[i]; i++)
        MT_ASSERT_JSON_TYPE(u, strings[i], JSON_STRING);
    MT_ASSERT_JSON_TYPE(u, "active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(u, "extern", MT_JSON_BOOL);
    json_t *bday = json_object_get(u, "birthday");
    if (!json_is_null(bday))
        MT_ASSERT_DATE(u, "birthday");
    json_t *avatar = json_object_get(u, "avatar_url");
    assert_true(json_is_null(avatar) || json_is_string(avatar));
    MT_ASSERT_JSON_TYPE(u, "tags", JSON_ARRAY);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(u, "tags"), i, t) assert_true(json_is_string(t));
    MT_ASSERT_JSON_TYPE(u, "custom_properties", JSON_OBJECT);
    mt_assert_keys(mt_json_get(u, "unit"), "id,name");
    MT_ASSERT_JSON_TYPE(u, "unit.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(u, "unit.name", JSON_STRING);
    mt_assert_keys(mt_json_get(u, "role"), "id,name");
    MT_ASSERT_JSON_TYPE(u, "role.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(u, "role.name", JSON_STRING);
    MT_ASSERT_TIMESTAMP(u, "created_at");
    MT_ASSERT_TIMESTAMP(u, "updated_at");
}

static void assert_profile_shape(const json_t *p)
{
    mt_assert_keys(p, PROFILE_KEYS);
    MT_ASSERT_JSON_TYPE(p, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(p, "email", JSON_STRING);
    MT_ASSERT_JSON_TYPE(p, "full_name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(p, "first_name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(p, "last_name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(p, "active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(p, "external", MT_JSON_BOOL);
    json_t *avatar = json_object_get(p, "avatar_url");
    assert_true(json_is_null(avatar) || json_is_string(avatar));
    mt_assert_keys(mt_json_get(p, "unit"), "id,name");
    MT_ASSERT_JSON_TYPE(p, "unit.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(p, "unit.name", JSON_STRING);
    MT_ASSERT_TIMESTAMP(p, "created_at");
    MT_ASSERT_TIMESTAMP(p, "updated_at");
}

/* A 422 with a message and errors naming `field` (a non-empty array of strings); if contains is
 * not NULL one of the problems must contain it. */
#define assert_422(r, field, contains) assert_422_((r), (field), (contains), __FILE__, __LINE__)
static void assert_422_(const mt_resp *r, const char *field, const char *contains, const char *file,
                        int line)
{
    mt_assert_status_(r, 422, file, line);
    mt_assert_json_type_(r->json, "message", JSON_STRING, file, line);
    mt_assert_json_type_(r->json, "errors", JSON_OBJECT, file, line);
    json_t *problems = json_object_get(json_object_get(r->json, "errors"), field);
    if (!json_is_array(problems) || json_array_size(problems) == 0) {
        print_error("%s:%d: %s %s: errors do not name \"%s\": %s\n", file, line, r->method, r->path,
                    field, r->body);
        _fail(file, line);
    }
    size_t i;
    json_t *p;
    bool found = contains == NULL;
    json_array_foreach(problems, i, p)
    {
        if (!json_is_string(p)) {
            print_error("%s:%d: problem of \"%s\" is not a string: %s\n", file, line, field,
                        r->body);
            _fail(file, line);
        }
        if (contains && strstr(json_string_value(p), contains))
            found = true;
    }
    if (!found) {
        print_error("%s:%d: %s %s: no problem of \"%s\" contains \"%s\": %s\n", file, line,
                    r->method, r->path, field, contains, r->body);
        _fail(file, line);
    }
}

static bool errors_name(const mt_resp *r, const char *field)
{
    return json_object_get(json_object_get(r->json, "errors"), field) != NULL;
}

/* ---- users: list and get ----------------------------------------------------------------- */

static void test_users_list_and_get_admin(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);

    mt_resp *r = mt_get(s, "/api/v1/users", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(mt_header(r, "Content-Type"), "application/json"));
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_true(json_array_size(r->json) >= 1);
    size_t i;
    json_t *u;
    json_array_foreach(r->json, i, u) assert_user_shape(u);
    json_t *ada = fix_find_by_id_strict(r->json, admin);
    assert_non_null(ada);
    MT_ASSERT_JSON_STR(ada, "firstname", "Ada");
    MT_ASSERT_JSON_STR(ada, "lastname", "Admin");
    MT_ASSERT_JSON_STR(ada, "email", MT_ADMIN_EMAIL);
    assert_true(mt_json_bool(ada, "active"));
    MT_ASSERT_JSON_STR(ada, "unit.name", "Team");
    MT_ASSERT_JSON_INT(ada, "unit.id", fix_team_id(s));
    MT_ASSERT_JSON_STR(ada, "role.name", "Administrator");
    mt_resp_free(r);

    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)admin);
    MT_ASSERT_STATUS(r, 200);
    assert_user_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", admin);
    MT_ASSERT_JSON_STR(r->json, "email", MT_ADMIN_EMAIL);
    MT_ASSERT_JSON_STR(r->json, "role.name", "Administrator");
    MT_ASSERT_JSON_INT(r->json, "role.id", role_id(s, "Administrator"));
    mt_resp_free(r);

    /* the .json suffix */
    r = mt_getf(s, key, "/api/v1/users/%lld.json", (long long)admin);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", admin);
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/users/999999", key);
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);

    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/users");
}

static void test_users_list_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    create_user(s, "Page", "One", fix_uniq_email(email, sizeof email, "page"), 0, NULL);
    create_user(s, "Page", "Two", fix_uniq_email(email, sizeof email, "page"), 0, NULL);

    mt_resp *all = mt_get(s, "/api/v1/users?sort_by=id", key);
    MT_ASSERT_STATUS(all, 200);
    size_t n = json_array_size(all->json);
    assert_true(n >= 3);
    for (size_t i = 1; i < n; i++)
        assert_true(mt_json_int(json_array_get(all->json, i - 1), "id") <
                    mt_json_int(json_array_get(all->json, i), "id"));

    mt_resp *desc = mt_get(s, "/api/v1/users?sort_by=id%20desc", key);
    MT_ASSERT_STATUS(desc, 200);
    assert_int_equal(json_array_size(desc->json), n);
    MT_ASSERT_JSON_INT(desc->json, "[0].id", mt_json_int(all->json, "[-1].id"));
    mt_resp_free(desc);

    mt_resp *p = mt_get(s, "/api/v1/users?sort_by=id&per_page=1&page=2", key);
    MT_ASSERT_STATUS(p, 200);
    assert_int_equal(json_array_size(p->json), 1);
    MT_ASSERT_JSON_INT(p->json, "[0].id", mt_json_int(all->json, "[1].id"));
    char total[32];
    snprintf(total, sizeof total, "%zu", n);
    MT_ASSERT_HEADER(p, "X-Total", total);
    MT_ASSERT_HEADER(p, "X-Page", "2");
    MT_ASSERT_HEADER(p, "X-Per-Page", "1");
    fix_assert_link(p, true, true);
    mt_resp_free(p);
    mt_resp_free(all);

    fix_expect_status(s, "GET", key, NULL, 422, "/api/v1/users?sort_by=no_such_field");
}

/* ---- users: create ----------------------------------------------------------------------- */

static void test_users_create_all_fields(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);

    mt_create(s, "/api/v1/account/custom_properties", key,
              "{\"name\": \"Starting Month\", \"kind\": \"String\", \"entity\": \"User\"}");
    json_int_t unit = mt_create(s, "/api/v1/units", key, "{\"name\": \"Carmen's unit\"}");
    json_int_t staff = role_id(s, "Staff");

    char email[64];
    fix_uniq_email(email, sizeof email, "carmen");
    json_t *body = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s], "
        "s:{s:s}, s:s, s:b}",
        "firstname", "Carmen", "lastname", "Sandiego", "email", email, "password",
        "dAfsdf88fw8fKjtD28f293!", "unit_id", unit, "role_id", staff, "active", 1, "external", 1,
        "language", "en", "mobile_phone", "+41 79 123 45 67", "work_phone", "+41 44 123 45 67",
        "home_address", "Carmen Sandiego\nBeispielstrasse 123\nBeispielstadt", "bday", "1975-01-17",
        "iban", "CH3181239000001245689", "tags", "Switzerland", "Remote", "custom_properties",
        "Starting Month", "01.01.2016", "info", "Info for this person...", "welcome_email", 0);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/users", key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_user_shape(r->json);
    json_int_t id = mt_json_int(r->json, "id");

    for (int pass = 0; pass < 2; pass++) {
        json_t *u = r->json;
        MT_ASSERT_JSON_INT(u, "id", id);
        MT_ASSERT_JSON_STR(u, "firstname", "Carmen");
        MT_ASSERT_JSON_STR(u, "lastname", "Sandiego");
        MT_ASSERT_JSON_STR(u, "email", email);
        assert_true(mt_json_bool(u, "active"));
        assert_true(mt_json_bool(u, "extern"));
        MT_ASSERT_JSON_STR(u, "mobile_phone", "+41 79 123 45 67");
        MT_ASSERT_JSON_STR(u, "work_phone", "+41 44 123 45 67");
        MT_ASSERT_JSON_STR(u, "home_address",
                           "Carmen Sandiego\nBeispielstrasse 123\nBeispielstadt");
        MT_ASSERT_JSON_STR(u, "birthday", "1975-01-17");
        MT_ASSERT_JSON_STR(u, "iban", "CH3181239000001245689");
        MT_ASSERT_JSON_STR(u, "info", "Info for this person...");
        assert_int_equal(mt_json_len(u, "tags"), 2);
        assert_true(str_array_has(mt_json_get(u, "tags"), "Switzerland"));
        assert_true(str_array_has(mt_json_get(u, "tags"), "Remote"));
        assert_int_equal(mt_json_len(u, "custom_properties"), 1);
        assert_string_equal(json_string_value(json_object_get(mt_json_get(u, "custom_properties"),
                                                              "Starting Month")),
                            "01.01.2016");
        MT_ASSERT_JSON_INT(u, "unit.id", unit);
        MT_ASSERT_JSON_STR(u, "unit.name", "Carmen's unit");
        MT_ASSERT_JSON_INT(u, "role.id", staff);
        MT_ASSERT_JSON_STR(u, "role.name", "Staff");
        /* write-only input never comes back */
        assert_false(mt_json_has(u, "password"));
        assert_false(mt_json_has(u, "language"));
        if (pass == 0) {
            mt_resp_free(r);
            r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
            MT_ASSERT_STATUS(r, 200);
            assert_user_shape(r->json);
        }
    }
    mt_resp_free(r);

    /* the password given on create logs the user in and yields that user's key */
    json_int_t uid = 0;
    char *ukey = login(s, email, "dAfsdf88fw8fKjtD28f293!", &uid);
    assert_int_equal(uid, id);
    assert_int_equal(fix_session_user_id(s, ukey), id);
    free(ukey);

    r = mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", "wrong-password"),
                        NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_users_create_defaults(void **state)
{
    mt_server *s = *state;
    char email[64];
    fix_uniq_email(email, sizeof email, "plain");
    json_int_t id = create_user(s, "Plain", "Person", email, 0, NULL);

    mt_resp *r = mt_getf(s, mt_admin_key(s), "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_user_shape(r->json);
    /* no role_id: the account's default role (Employee) */
    MT_ASSERT_JSON_STR(r->json, "role.name", "Employee");
    MT_ASSERT_JSON_INT(r->json, "role.id", role_id(s, "Employee"));
    MT_ASSERT_JSON_INT(r->json, "unit.id", fix_team_id(s));
    assert_true(mt_json_bool(r->json, "active"));
    assert_false(mt_json_bool(r->json, "extern"));
    assert_int_equal(mt_json_len(r->json, "tags"), 0);
    assert_int_equal(mt_json_len(r->json, "custom_properties"), 0);
    MT_ASSERT_JSON_NULL(r->json, "birthday");
    mt_resp_free(r);
}

static void test_users_create_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t team = fix_team_id(s);
    char email[64];

    /* every required field missing: each is named */
    mt_resp *r = mt_post(s, "/api/v1/users", key, "{}");
    assert_422(r, "firstname", NULL);
    assert_422(r, "lastname", NULL);
    assert_422(r, "email", NULL);
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);

    /* only email missing: only email is named */
    r = fix_request_jsonf(
        s, "POST", key,
        json_pack("{s:s, s:s, s:I}", "firstname", "No", "lastname", "Mail", "unit_id", team),
        "/api/v1/users");
    assert_422(r, "email", NULL);
    assert_false(errors_name(r, "firstname"));
    assert_false(errors_name(r, "lastname"));
    assert_false(errors_name(r, "unit_id"));
    mt_resp_free(r);

    /* blank strings count as missing */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I}", "firstname", "", "lastname", "Blank",
                                    "email", fix_uniq_email(email, sizeof email, "blank"),
                                    "unit_id", team),
                          "/api/v1/users");
    assert_422(r, "firstname", NULL);
    mt_resp_free(r);

    /* invalid email */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Bad", "lastname", "Mail",
                                    "email", "not-an-email", "unit_id", team),
                          "/api/v1/users");
    assert_422(r, "email", NULL);
    mt_resp_free(r);

    /* duplicate email, case-insensitively */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Ada", "lastname", "Again",
                                    "email", "ADMIN@Acme.Test", "unit_id", team),
                          "/api/v1/users");
    assert_422(r, "email", "has already been taken");
    mt_resp_free(r);

    /* a unit that does not exist */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:i}", "firstname", "No", "lastname", "Unit",
                                    "email", fix_uniq_email(email, sizeof email, "nounit"),
                                    "unit_id", 999999),
                          "/api/v1/users");
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);

    /* a role that does not exist */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I, s:i}", "firstname", "No", "lastname",
                                    "Role", "email", fix_uniq_email(email, sizeof email, "norole"),
                                    "unit_id", team, "role_id", 999999),
                          "/api/v1/users");
    assert_422(r, "role_id", NULL);
    mt_resp_free(r);

    /* invalid birthdays */
    const char *bad_dates[] = {"1975-02-30", "17.01.1975", "not a date", NULL};
    for (int i = 0; bad_dates[i]; i++) {
        r = fix_request_jsonf(s, "POST", key,
                              json_pack("{s:s, s:s, s:s, s:I, s:s}", "firstname", "Bad", "lastname",
                                        "Bday", "email",
                                        fix_uniq_email(email, sizeof email, "bday"), "unit_id",
                                        team, "bday", bad_dates[i]),
                              "/api/v1/users");
        assert_422(r, "bday", NULL);
        mt_resp_free(r);
    }

    /* a language not in the list */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I, s:s}", "firstname", "Bad", "lastname",
                                    "Lang", "email", fix_uniq_email(email, sizeof email, "lang"),
                                    "unit_id", team, "language", "xx"),
                          "/api/v1/users");
    assert_422(r, "language", NULL);
    mt_resp_free(r);

    /* a custom property that is not defined for users */
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I, s:{s:s}}", "firstname", "Bad", "lastname",
                                    "Prop", "email", fix_uniq_email(email, sizeof email, "prop"),
                                    "unit_id", team, "custom_properties", "No Such Field", "x"),
                          "/api/v1/users");
    MT_ASSERT_STATUS(r, 200); /* an unknown name is dropped, as MOCO does */
    assert_int_equal(json_object_size(json_object_get(r->json, "custom_properties")), 0);
    mt_resp_free(r);

    /* none of the rejected users was created */
    r = mt_get(s, "/api/v1/users?include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_str(r->json, "lastname", "Mail"));
    assert_null(fix_find_by_str(r->json, "lastname", "Unit"));
    assert_null(fix_find_by_str(r->json, "lastname", "Role"));
    assert_null(fix_find_by_str(r->json, "lastname", "Bday"));
    assert_null(fix_find_by_str(r->json, "lastname", "Lang"));
    assert_null(fix_find_by_str(r->json, "lastname", "Again"));
    mt_resp_free(r);
}

/* "errors" names every offending input field of one request, not the first failing kind. */
static void test_users_422_names_every_field(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);

    /* missing, malformed, taken and dangling at once */
    mt_resp *r = mt_post(s, "/api/v1/users", key,
                         "{\"lastname\": \"Many\", \"email\": \"ADMIN@acme.test\", "
                         "\"unit_id\": 999999, \"bday\": \"not a date\"}");
    assert_422(r, "firstname", NULL);
    assert_422(r, "bday", NULL);
    assert_422(r, "email", "has already been taken");
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);
}

static void test_users_422_names_bad_value_and_custom_property(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];

    /* a malformed value and an unknown custom property */
    mt_resp *r = fix_request_jsonf(
        s, "POST", key,
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:{s:s}}", "firstname", "Many", "lastname", "Errors",
                  "email", fix_uniq_email(email, sizeof email, "many"), "unit_id", fix_team_id(s),
                  "bday", "1975-02-30", "custom_properties", "No Such Field", "x"),
        "/api/v1/users");
    assert_422(r, "bday", NULL);
    assert_null(mt_json_get(r->json, "errors.custom_properties.No Such Field")); /* dropped */
    mt_resp_free(r);
}

static void test_users_422_names_every_field_on_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    mt_resp *r;

    /* the same on update */
    json_int_t id =
        create_user(s, "Many", "Update", fix_uniq_email(email, sizeof email, "manyu"), 0, NULL);
    r = mt_requestf(s, "PUT", key,
                    "{\"firstname\": \"\", \"email\": \"admin@ACME.test\", \"unit_id\": 999999}",
                    "/api/v1/users/%lld", (long long)id);
    assert_422(r, "firstname", NULL);
    assert_422(r, "email", "has already been taken");
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);
}

static void test_users_refs_of_other_account(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char *okey = fix_new_other_key(s);
    json_int_t foreign = mt_create(s, "/api/v1/units", okey, "{\"name\": \"Other's unit\"}");
    char email[64];

    mt_resp *r = fix_request_jsonf(
        s, "POST", key,
        json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Foreign", "lastname", "Unit", "email",
                  fix_uniq_email(email, sizeof email, "foreign"), "unit_id", foreign),
        "/api/v1/users");
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);

    /* nor a role of the other account */
    r = mt_get(s, "/api/v1/users/roles", okey);
    MT_ASSERT_STATUS(r, 200);
    json_int_t foreign_role = mt_json_int(fix_find_by_str(r->json, "name", "Employee"), "id");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "POST", key,
                          json_pack("{s:s, s:s, s:s, s:I, s:I}", "firstname", "Foreign", "lastname",
                                    "Role", "email", fix_uniq_email(email, sizeof email, "forrole"),
                                    "unit_id", fix_team_id(s), "role_id", foreign_role),
                          "/api/v1/users");
    assert_422(r, "role_id", NULL);
    mt_resp_free(r);

    /* nor by update */
    json_int_t id =
        create_user(s, "Moving", "Target", fix_uniq_email(email, sizeof email, "mv"), 0, NULL);
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:I}", "unit_id", foreign),
                          "/api/v1/users/%lld", (long long)id);
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "unit.id", fix_team_id(s));
    mt_resp_free(r);

    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:I}", "role_id", foreign_role),
                          "/api/v1/users/%lld", (long long)id);
    assert_422(r, "role_id", NULL);
    mt_resp_free(r);

    /* the other account's unit still has no users */
    r = mt_getf(s, okey, "/api/v1/units/%lld", (long long)foreign);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "users"), 0);
    mt_resp_free(r);
    free(okey);
}

/* ---- users: filters ---------------------------------------------------------------------- */

static void test_users_filter_include_archived(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    json_int_t gone = create_user(s, "Archie", "Ved", fix_uniq_email(email, sizeof email, "arch"),
                                  0, json_pack("{s:b}", "active", 0));
    json_int_t here =
        create_user(s, "Actie", "Ve", fix_uniq_email(email, sizeof email, "act"), 0, NULL);

    mt_resp *r = mt_getf(s, key, "/api/v1/users/%lld", (long long)gone);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "active"));
    mt_resp_free(r);

    const char *hidden[] = {"/api/v1/users", "/api/v1/users?include_archived=false", NULL};
    for (int i = 0; hidden[i]; i++) {
        r = mt_get(s, hidden[i], key);
        MT_ASSERT_STATUS(r, 200);
        assert_null(fix_find_by_id_strict(r->json, gone));
        assert_non_null(fix_find_by_id_strict(r->json, here));
        mt_resp_free(r);
    }

    r = mt_get(s, "/api/v1/users?include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    json_t *u = fix_find_by_id_strict(r->json, gone);
    assert_non_null(u);
    assert_false(mt_json_bool(u, "active"));
    assert_non_null(fix_find_by_id_strict(r->json, here));
    mt_resp_free(r);

    /* reactivated: listed again */
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:b}", "active", 1), "/api/v1/users/%lld",
                          (long long)gone);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "active"));
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/users", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, gone));
    mt_resp_free(r);
}

static void test_users_filter_tags(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    json_int_t a = create_user(s, "Tag", "A", fix_uniq_email(email, sizeof email, "ta"), 0,
                               json_pack("{s:[s]}", "tags", "Designer"));
    json_int_t b = create_user(s, "Tag", "B", fix_uniq_email(email, sizeof email, "tb"), 0,
                               json_pack("{s:[s,s]}", "tags", "Developer", "Remote"));
    json_int_t c = create_user(s, "Tag", "C", fix_uniq_email(email, sizeof email, "tc"), 0,
                               json_pack("{s:[s]}", "tags", "Tester"));
    json_int_t d = create_user(s, "Tag", "D", fix_uniq_email(email, sizeof email, "td"), 0, NULL);

    /* any of a comma separated list, blanks around the names ignored */
    mt_resp *r = mt_get(s, "/api/v1/users?tags=Designer%2C%20Developer", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_non_null(fix_find_by_id_strict(r->json, a));
    assert_non_null(fix_find_by_id_strict(r->json, b));
    assert_null(fix_find_by_id_strict(r->json, c));
    assert_null(fix_find_by_id_strict(r->json, d));
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/users?tags=Tester", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/users?tags=Nobody", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

static void test_users_filter_email(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_user(s, "Mail", "Filter", "Mail.Filter@acme.test", 0, NULL);
    create_user(s, "Mail", "Filterx", "mail.filter.x@acme.test", 0, NULL);

    const char *queries[] = {"/api/v1/users?email=Mail.Filter%40acme.test",
                             "/api/v1/users?email=mail.filter%40ACME.test", NULL};
    for (int i = 0; queries[i]; i++) {
        mt_resp *r = mt_get(s, queries[i], key);
        MT_ASSERT_STATUS(r, 200);
        assert_int_equal(json_array_size(r->json), 1);
        MT_ASSERT_JSON_INT(r->json, "[0].id", id);
        MT_ASSERT_JSON_STR(r->json, "[0].email", "Mail.Filter@acme.test");
        mt_resp_free(r);
    }

    /* exact, not a prefix or substring match */
    mt_resp *r = mt_get(s, "/api/v1/users?email=mail.filter", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/users?email=nobody%40acme.test", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
}

/* ---- users: update ----------------------------------------------------------------------- */

static void test_users_update_partial(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    fix_uniq_email(email, sizeof email, "upd");
    json_int_t id =
        create_user(s, "Up", "Date", email, 0,
                    json_pack("{s:s, s:s, s:s, s:[s], s:s}", "mobile_phone", "+49 177 1", "info",
                              "keep me", "iban", "DE00", "tags", "Keeper", "bday", "1980-05-06"));

    mt_resp *before = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(before, 200);

    mt_resp *r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "lastname", "Changed"),
                                   "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_user_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Changed");
    /* everything else is as it was */
    const char *same[] = {"id",
                          "firstname",
                          "email",
                          "active",
                          "extern",
                          "mobile_phone",
                          "work_phone",
                          "home_address",
                          "info",
                          "birthday",
                          "iban",
                          "tags",
                          "custom_properties",
                          "unit",
                          "role",
                          "created_at",
                          NULL};
    for (int i = 0; same[i]; i++) {
        if (!json_equal(json_object_get(r->json, same[i]), json_object_get(before->json, same[i])))
            fail_msg("\"%s\" changed by an update that did not send it: before %s after %s",
                     same[i], before->body, r->body);
    }
    assert_true(strcmp(mt_json_str(r->json, "updated_at"), mt_json_str(r->json, "created_at")) >=
                0);
    assert_true(
        strcmp(mt_json_str(r->json, "updated_at"), mt_json_str(before->json, "updated_at")) >= 0);
    mt_resp_free(r);

    /* stored, not just echoed */
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Changed");
    MT_ASSERT_JSON_STR(r->json, "firstname", "Up");
    MT_ASSERT_JSON_STR(r->json, "info", "keep me");
    mt_resp_free(r);

    /* PATCH does the same; several fields incl. the renamed inputs */
    json_int_t staff = role_id(s, "Staff");
    json_int_t unit = mt_create(s, "/api/v1/units", key, "{\"name\": \"Update unit\"}");
    r = fix_request_jsonf(s, "PATCH", key,
                          json_pack("{s:b, s:s, s:I, s:I, s:[s,s], s:s}", "external", 1, "bday",
                                    "1990-12-31", "role_id", staff, "unit_id", unit, "tags", "New1",
                                    "New2", "work_phone", "+49 40 1"),
                          "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "extern"));
    MT_ASSERT_JSON_STR(r->json, "birthday", "1990-12-31");
    MT_ASSERT_JSON_INT(r->json, "role.id", staff);
    MT_ASSERT_JSON_STR(r->json, "role.name", "Staff");
    MT_ASSERT_JSON_INT(r->json, "unit.id", unit);
    MT_ASSERT_JSON_STR(r->json, "unit.name", "Update unit");
    assert_int_equal(mt_json_len(r->json, "tags"), 2);
    assert_true(str_array_has(mt_json_get(r->json, "tags"), "New1"));
    assert_true(str_array_has(mt_json_get(r->json, "tags"), "New2"));
    MT_ASSERT_JSON_STR(r->json, "work_phone", "+49 40 1");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Changed");
    MT_ASSERT_JSON_STR(r->json, "mobile_phone", "+49 177 1");
    mt_resp_free(r);

    /* bad input is rejected and changes nothing */
    r = fix_request_jsonf(s, "PUT", key,
                          json_pack("{s:s, s:s}", "email", "Admin@ACME.test", "info", "x"),
                          "/api/v1/users/%lld", (long long)id);
    assert_422(r, "email", "has already been taken");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "bday", "2001-13-01"),
                          "/api/v1/users/%lld", (long long)id);
    assert_422(r, "bday", NULL);
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "firstname", ""), "/api/v1/users/%lld",
                          (long long)id);
    assert_422(r, "firstname", NULL);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "email", email);
    MT_ASSERT_JSON_STR(r->json, "info", "keep me");
    MT_ASSERT_JSON_STR(r->json, "birthday", "1990-12-31");
    MT_ASSERT_JSON_STR(r->json, "firstname", "Up");
    mt_resp_free(r);

    /* changing one's own email's case is not a duplicate */
    char upper[64];
    snprintf(upper, sizeof upper, "%s", email);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "email", upper), "/api/v1/users/%lld",
                          (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "email", upper);
    mt_resp_free(r);

    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "lastname", "Nobody"),
                          "/api/v1/users/999999");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    mt_resp_free(before);
}

static void test_users_input_coercion_and_bad_bodies(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64], body[512];

    /* integers as digit strings, booleans as strings; unknown keys ignored */
    snprintf(body, sizeof body,
             "{\"firstname\": \"Co\", \"lastname\": \"Erced\", \"email\": \"%s\", "
             "\"unit_id\": \"%lld\", \"role_id\": \"%lld\", \"active\": \"false\", "
             "\"external\": \"1\", \"no_such_key\": 42}",
             fix_uniq_email(email, sizeof email, "coerce"), (long long)fix_team_id(s),
             (long long)role_id(s, "Staff"));
    mt_resp *r = mt_post(s, "/api/v1/users", key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_user_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "unit.id", fix_team_id(s));
    MT_ASSERT_JSON_STR(r->json, "role.name", "Staff");
    assert_false(mt_json_bool(r->json, "active"));
    assert_true(mt_json_bool(r->json, "extern"));
    assert_false(mt_json_has(r->json, "no_such_key"));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* required fields cannot be removed by an update */
    r = mt_requestf(s, "PUT", key, "{\"firstname\": null}", "/api/v1/users/%lld", (long long)id);
    assert_422(r, "firstname", NULL);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"unit_id\": null}", "/api/v1/users/%lld", (long long)id);
    assert_422(r, "unit_id", NULL);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"email\": \"no at sign\"}", "/api/v1/users/%lld",
                    (long long)id);
    assert_422(r, "email", NULL);
    mt_resp_free(r);

    /* malformed JSON and another content type */
    r = mt_post(s, "/api/v1/users", key, "{\"firstname\": ");
    MT_ASSERT_STATUS(r, 400);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    const char *const text[] = {"Content-Type: text/plain", NULL};
    r = mt_request(s, "POST", "/api/v1/users", key, "{}", text);
    MT_ASSERT_STATUS(r, 415);
    mt_resp_free(r);
}

static void test_users_tags_and_custom_properties_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    mt_create(s, "/api/v1/account/custom_properties", key,
              "{\"name\": \"Shoe size\", \"kind\": \"String\", \"entity\": \"User\"}");
    mt_create(s, "/api/v1/account/custom_properties", key,
              "{\"name\": \"Desk\", \"kind\": \"String\", \"entity\": \"User\"}");
    json_int_t id = create_user(s, "Cus", "Tom", fix_uniq_email(email, sizeof email, "custom"), 0,
                                json_pack("{s:[s,s], s:{s:s, s:s}}", "tags", "One", "Two",
                                          "custom_properties", "Shoe size", "42", "Desk", "A1"));

    /* an update without tags and custom_properties leaves them alone */
    mt_resp *r =
        mt_requestf(s, "PUT", key, "{\"info\": \"x\"}", "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "tags"), 2);
    assert_int_equal(mt_json_len(r->json, "custom_properties"), 2);
    mt_resp_free(r);

    /* tags replace; custom_properties replace (the seed's rule) */
    r = mt_requestf(s, "PUT", key,
                    "{\"tags\": [\"Three\"], \"custom_properties\": {\"Shoe size\": \"43\"}}",
                    "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "tags"), 1);
    MT_ASSERT_JSON_STR(r->json, "tags[0]", "Three");
    json_t *cp = mt_json_get(r->json, "custom_properties");
    assert_int_equal(json_object_size(cp), 1);
    assert_string_equal(json_string_value(json_object_get(cp, "Shoe size")), "43");
    mt_resp_free(r);

    /* custom property filter */
    r = mt_get(s, "/api/v1/users?custom_properties%5BShoe%20size%5D=43", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", id);
    mt_resp_free(r);

    /* tags: [] clears */
    r = mt_requestf(s, "PUT", key, "{\"tags\": []}", "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "tags"), 0);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "tags"), 0);
    assert_int_equal(mt_json_len(r->json, "custom_properties"), 1);
    mt_resp_free(r);
}

/* ---- users: delete ----------------------------------------------------------------------- */

static void test_users_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    json_int_t id =
        create_user(s, "Del", "Ete", fix_uniq_email(email, sizeof email, "del"), 0, NULL);

    mt_resp *r = mt_deletef(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);

    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/users/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 404, "/api/v1/users/%lld", (long long)id);
    r = mt_get(s, "/api/v1/users?include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id_strict(r->json, id));
    mt_resp_free(r);

    /* the email is free again */
    create_user(s, "Del", "Again", email, 0, NULL);
}

/* A deleted user's id stays unknown: a later user gets a new id (MOCO never reuses ids; a client
 * holding the old id must not reach someone else). */
static void test_users_deleted_id_not_reused(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    json_int_t old =
        create_user(s, "Short", "Lived", fix_uniq_email(email, sizeof email, "short"), 0, NULL);
    mt_resp *r = mt_deletef(s, key, "/api/v1/users/%lld", (long long)old);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);

    json_int_t next =
        create_user(s, "Next", "One", fix_uniq_email(email, sizeof email, "next"), 0, NULL);
    if (next == old)
        fail_msg("the new user got id %lld, the id of the user deleted just before",
                 (long long)next);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/users/%lld", (long long)old);
}

static void test_users_delete_self(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);

    mt_resp *r = mt_deletef(s, key, "/api/v1/users/%lld", (long long)admin);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    assert_true(strlen(mt_json_str(r->json, "message")) > 0);
    mt_resp_free(r);

    fix_expect_status(s, "GET", key, NULL, 200, "/api/v1/users/%lld", (long long)admin);
    assert_int_equal(fix_session_user_id(s, key), admin);
}

static void test_users_deleted_key_revoked(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    fix_uniq_email(email, sizeof email, "revoked");
    json_int_t id =
        create_user(s, "Soon", "Gone", email, 0, json_pack("{s:s}", "password", "gone-pass-123"));
    char *ukey = login(s, email, "gone-pass-123", NULL);
    assert_int_equal(fix_session_user_id(s, ukey), id);
    fix_expect_status(s, "GET", ukey, NULL, 200, "/api/v1/users");

    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/users/%lld", (long long)id);

    fix_expect_status(s, "GET", ukey, NULL, 401, "/api/v1/session");
    fix_expect_status(s, "GET", ukey, NULL, 401, "/api/v1/users");
    fix_expect_status(s, "GET", ukey, NULL, 401, "/api/v1/profile");

    /* nor can the deleted user log in */
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", "gone-pass-123"), NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
    free(ukey);
}

/* ---- roles ------------------------------------------------------------------------------- */

static void test_roles(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);

    mt_resp *r = mt_get(s, "/api/v1/users/roles", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 5);
    const char *names[] = {"Administrator", "Staff",     "Project leader",
                           "Employee",      "Read-only", NULL};
    for (int i = 0; names[i]; i++)
        if (!fix_find_by_str(r->json, "name", names[i]))
            fail_msg("role %s missing: %s", names[i], r->body);
    size_t i;
    json_t *role;
    int admins = 0, defaults = 0;
    json_array_foreach(r->json, i, role)
    {
        mt_assert_keys(role, ROLE_KEYS);
        MT_ASSERT_JSON_TYPE(role, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(role, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(role, "is_default", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(role, "is_admin", MT_JSON_BOOL);
        mt_assert_keys(mt_json_get(role, "permission"), PERMISSION_KEYS);
        const char *k;
        json_t *v;
        json_object_foreach(mt_json_get(role, "permission"), k, v)
        {
            if (!json_is_string(v) || json_string_length(v) == 0)
                fail_msg("permission %s of %s is not a string: %s", k,
                         json_string_value(json_object_get(role, "name")), r->body);
        }
        MT_ASSERT_TIMESTAMP(role, "created_at");
        MT_ASSERT_TIMESTAMP(role, "updated_at");
        admins += mt_json_bool(role, "is_admin");
        defaults += mt_json_bool(role, "is_default");
    }
    assert_int_equal(admins, 1);
    assert_int_equal(defaults, 1);
    assert_true(mt_json_bool(fix_find_by_str(r->json, "name", "Administrator"), "is_admin"));
    assert_true(mt_json_bool(fix_find_by_str(r->json, "name", "Employee"), "is_default"));
    assert_false(mt_json_bool(fix_find_by_str(r->json, "name", "Employee"), "is_admin"));
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/users/roles.json", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 5);
    mt_resp_free(r);

    /* read-only through the API */
    r = mt_post(s, "/api/v1/users/roles", key, "{\"name\": \"Hacker\"}");
    MT_ASSERT_STATUS(r, 405);
    assert_non_null(mt_header(r, "Allow"));
    assert_non_null(strstr(mt_header(r, "Allow"), "GET"));
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/users/roles", key);
    assert_null(fix_find_by_str(r->json, "name", "Hacker"));
    mt_resp_free(r);

    /* the roles are the account's own */
    char *okey = fix_new_other_key(s);
    r = mt_get(s, "/api/v1/users/roles", okey);
    MT_ASSERT_STATUS(r, 200);
    json_int_t acme_admin_role = role_id(s, "Administrator");
    assert_null(fix_find_by_id_strict(r->json, acme_admin_role));
    mt_resp_free(r);
    free(okey);
}

/* ---- profile ----------------------------------------------------------------------------- */

static void test_profile(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);

    mt_resp *r = mt_get(s, "/api/v1/profile", key);
    MT_ASSERT_STATUS(r, 200);
    assert_profile_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", admin);
    MT_ASSERT_JSON_STR(r->json, "email", MT_ADMIN_EMAIL);
    MT_ASSERT_JSON_STR(r->json, "full_name", "Ada Admin");
    MT_ASSERT_JSON_STR(r->json, "first_name", "Ada");
    MT_ASSERT_JSON_STR(r->json, "last_name", "Admin");
    assert_true(mt_json_bool(r->json, "active"));
    assert_false(mt_json_bool(r->json, "external"));
    MT_ASSERT_JSON_INT(r->json, "unit.id", fix_team_id(s));
    MT_ASSERT_JSON_STR(r->json, "unit.name", "Team");
    mt_resp_free(r);

    /* impersonation: the impersonated user's profile */
    char email[64];
    fix_uniq_email(email, sizeof email, "imp");
    json_int_t unit = mt_create(s, "/api/v1/units", key, "{\"name\": \"Imp unit\"}");
    json_int_t id =
        create_user(s, "Janine", "Küsters", email, unit, json_pack("{s:b}", "external", 1));
    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)id);
    const char *const imp[] = {hdr, NULL};
    r = mt_request(s, "GET", "/api/v1/profile", key, NULL, imp);
    MT_ASSERT_STATUS(r, 200);
    assert_profile_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "email", email);
    MT_ASSERT_JSON_STR(r->json, "full_name", "Janine Küsters");
    MT_ASSERT_JSON_STR(r->json, "first_name", "Janine");
    MT_ASSERT_JSON_STR(r->json, "last_name", "Küsters");
    assert_true(mt_json_bool(r->json, "active"));
    assert_true(mt_json_bool(r->json, "external"));
    MT_ASSERT_JSON_INT(r->json, "unit.id", unit);
    MT_ASSERT_JSON_STR(r->json, "unit.name", "Imp unit");
    mt_resp_free(r);

    /* the profile follows changes of the user */
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "firstname", "Jana"),
                          "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_request(s, "GET", "/api/v1/profile", key, NULL, imp);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "full_name", "Jana Küsters");
    mt_resp_free(r);

    /* a full account key may impersonate, a read-only one may not */
    char *fkey = mt_account_key(s, MT_ACCOUNT, "full");
    r = mt_request(s, "GET", "/api/v1/profile", fkey, NULL, imp);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);
    free(fkey);
    char *rkey = mt_account_key(s, MT_ACCOUNT, "read");
    r = mt_request(s, "GET", "/api/v1/profile", rkey, NULL, imp);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    free(rkey);

    /* an unknown user to impersonate */
    const char *const unknown[] = {"X-IMPERSONATE-USER-ID: 999999", NULL};
    r = mt_request(s, "GET", "/api/v1/profile", key, NULL, unknown);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* the profile is read-only */
    fix_expect_status(s, "PUT", key, "{\"first_name\": \"Eve\"}", 405, "/api/v1/profile");

    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/profile");
}

/* ---- permissions ------------------------------------------------------------------------- */

static void test_permissions_employee(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char email[64];
    fix_uniq_email(email, sizeof email, "employee");
    json_int_t emp = create_user(
        s, "Emma", "Ployee", email, 0,
        json_pack("{s:I, s:s}", "role_id", role_id(s, "Employee"), "password", "emp-pass-123"));
    char email2[64];
    json_int_t victim =
        create_user(s, "Vic", "Tim", fix_uniq_email(email2, sizeof email2, "victim"), 0, NULL);
    char *ekey = login(s, email, "emp-pass-123", NULL);

    /* reading is fine */
    mt_resp *r = mt_get(s, "/api/v1/users", ekey);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, emp));
    assert_non_null(fix_find_by_id_strict(r->json, victim));
    mt_resp_free(r);
    fix_expect_status(s, "GET", ekey, NULL, 200, "/api/v1/users/%lld", (long long)victim);
    r = mt_get(s, "/api/v1/profile", ekey);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", emp);
    MT_ASSERT_JSON_STR(r->json, "full_name", "Emma Ployee");
    mt_resp_free(r);

    /* writing staff and units is not */
    r = fix_request_jsonf(
        s, "POST", ekey,
        json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Not", "lastname", "Allowed", "email",
                  fix_uniq_email(email2, sizeof email2, "notallowed"), "unit_id", fix_team_id(s)),
        "/api/v1/users");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", ekey, json_pack("{s:s}", "lastname", "Hacked"),
                          "/api/v1/users/%lld", (long long)victim);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", ekey,
                          json_pack("{s:I}", "role_id", role_id(s, "Administrator")),
                          "/api/v1/users/%lld", (long long)emp);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", ekey, NULL, 403, "/api/v1/users/%lld", (long long)victim);
    fix_expect_status(s, "POST", ekey, "{\"name\": \"Employee's unit\"}", 403, "/api/v1/units");

    /* impersonation needs the Staff permission */
    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)victim);
    const char *const imp[] = {hdr, NULL};
    r = mt_request(s, "GET", "/api/v1/profile", ekey, NULL, imp);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    /* nothing changed */
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)victim);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tim");
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)emp);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "role.name", "Employee");
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/users?include_archived=true", key);
    assert_null(fix_find_by_str(r->json, "lastname", "Allowed"));
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/units", key);
    assert_null(fix_find_by_str(r->json, "name", "Employee's unit"));
    mt_resp_free(r);

    /* a read-only account key reads but cannot write */
    char *rkey = mt_account_key(s, MT_ACCOUNT, "read");
    fix_expect_status(s, "GET", rkey, NULL, 200, "/api/v1/users");
    r = fix_request_jsonf(s, "PUT", rkey, json_pack("{s:s}", "lastname", "Hacked"),
                          "/api/v1/users/%lld", (long long)victim);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", rkey, NULL, 403, "/api/v1/users/%lld", (long long)victim);
    free(rkey);
    free(ekey);
}

/* A Staff user (people: full) manages staff and may impersonate. */
static void test_permissions_staff(void **state)
{
    mt_server *s = *state;
    char email[64], email2[64];
    fix_uniq_email(email, sizeof email, "staff");
    json_int_t staff = create_user(
        s, "Stef", "Staff", email, 0,
        json_pack("{s:I, s:s}", "role_id", role_id(s, "Staff"), "password", "staff-pass-123"));
    char *skey = login(s, email, "staff-pass-123", NULL);

    mt_resp *r = fix_request_jsonf(
        s, "POST", skey,
        json_pack("{s:s, s:s, s:s, s:I}", "firstname", "By", "lastname", "Staff", "email",
                  fix_uniq_email(email2, sizeof email2, "bystaff"), "unit_id", fix_team_id(s)),
        "/api/v1/users");
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", skey, json_pack("{s:s}", "info", "edited by staff"),
                          "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "info", "edited by staff");
    mt_resp_free(r);

    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)id);
    const char *const imp[] = {hdr, NULL};
    r = mt_request(s, "GET", "/api/v1/profile", skey, NULL, imp);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    fix_expect_status(s, "DELETE", skey, NULL, 204, "/api/v1/users/%lld", (long long)id);
    r = mt_get(s, "/api/v1/profile", skey);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", staff);
    mt_resp_free(r);
    free(skey);
}

/* ---- tenant isolation -------------------------------------------------------------------- */

static void test_users_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char *okey = fix_new_other_key(s);
    char email[64];
    fix_uniq_email(email, sizeof email, "mine");
    json_int_t mine = create_user(s, "Acme", "Only", email, 0, NULL);
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t other_admin = fix_session_user_id(s, okey);

    /* other's list has its own admin, none of acme's users */
    mt_resp *r = mt_get(s, "/api/v1/users?include_archived=true", okey);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, other_admin));
    assert_null(fix_find_by_id_strict(r->json, mine));
    assert_null(fix_find_by_id_strict(r->json, admin));
    assert_null(fix_find_by_str(r->json, "email", MT_ADMIN_EMAIL));
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/users?ids=%lld,%lld", (long long)mine, (long long)admin);
    r = mt_get(s, path, okey);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/users?email=admin%40acme.test", okey);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* nor get, change or delete them */
    fix_expect_status(s, "GET", okey, NULL, 404, "/api/v1/users/%lld", (long long)mine);
    r = fix_request_jsonf(s, "PUT", okey, json_pack("{s:s}", "lastname", "Stolen"),
                          "/api/v1/users/%lld", (long long)mine);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", okey, NULL, 404, "/api/v1/users/%lld", (long long)mine);
    fix_expect_status(s, "DELETE", okey, NULL, 404, "/api/v1/users/%lld", (long long)admin);

    /* nor impersonate them */
    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)mine);
    const char *const imp[] = {hdr, NULL};
    r = mt_request(s, "GET", "/api/v1/profile", okey, NULL, imp);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* acme's user is untouched */
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)mine);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Only");
    mt_resp_free(r);

    /* the same email may exist in another account */
    r = fix_request_jsonf(s, "POST", okey,
                          json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Twin", "lastname",
                                    "Other", "email", email, "unit_id",
                                    mt_create(s, "/api/v1/units", okey, "{\"name\": \"Twins\"}")),
                          "/api/v1/users");
    MT_ASSERT_STATUS(r, 200);
    json_int_t twin = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* and the other way round: acme does not see other's users */
    r = mt_get(s, "/api/v1/users?include_archived=true", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id_strict(r->json, twin));
    assert_null(fix_find_by_id_strict(r->json, other_admin));
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/users/%lld", (long long)twin);

    /* acme's key at other's Host */
    const char *const host[] = {"Host: " FIX_OTHER_ACCOUNT "." MT_BASE_DOMAIN, NULL};
    r = mt_request(s, "GET", "/api/v1/users", key, NULL, host);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
    free(okey);
}

/* avatar {filename, base64}: kept by mocod, served at avatar_url, removed with null. */
static void test_users_avatar(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"firstname\":\"Ava\",\"lastname\":\"Tar\",\"email\":\"ava.tar@acme.test\","
             "\"unit_id\":%lld,\"avatar\":{\"filename\":\"profil.png\","
             "\"base64\":\"UE5HREFUQTEyMw==\"}}",
             (long long)fix_first_unit_id(s));
    mt_resp *r = mt_post(s, "/api/v1/users", key, body);
    MT_ASSERT_STATUS(r, 200);
    const char *url = mt_json_str(r->json, "avatar_url");
    const char *base = mt_base_url(s);
    assert_non_null(url);
    assert_int_equal(strncmp(url, base, strlen(base)), 0);
    assert_non_null(strstr(url, "/files/"));
    assert_non_null(strstr(url, "/profil.png"));
    char *path = strdup(url + strlen(base));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* the file itself, without a key */
    r = mt_get(s, path, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", "image/png");
    assert_int_equal(r->body_len, 10);
    assert_memory_equal(r->body, "PNGDATA123", 10);
    mt_resp_free(r);

    /* a guessed token finds nothing */
    r = mt_get(s, "/files/00000000000000000000000000000000/profil.png", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* not an object with filename and base64: 422 naming avatar */
    char upath[64];
    snprintf(upath, sizeof(upath), "/api/v1/users/%lld", (long long)id);
    r = mt_put(s, upath, key, "{\"avatar\":{\"filename\":\"x.png\"}}");
    fix_assert_422(r, "avatar");
    mt_resp_free(r);
    r = mt_put(s, upath, key, "{\"avatar\":{\"filename\":\"x.png\",\"base64\":\"***\"}}");
    fix_assert_422(r, "avatar");
    mt_resp_free(r);

    /* null removes it, and its link stops working */
    r = mt_put(s, upath, key, "{\"avatar\":null}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "avatar_url");
    mt_resp_free(r);
    r = mt_get(s, path, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_list_and_get_admin),
        cmocka_unit_test(test_users_list_sort_and_pagination),
        cmocka_unit_test(test_users_create_all_fields),
        cmocka_unit_test(test_users_create_defaults),
        cmocka_unit_test(test_users_create_validation),
        cmocka_unit_test(test_users_422_names_every_field),
        cmocka_unit_test(test_users_422_names_bad_value_and_custom_property),
        cmocka_unit_test(test_users_422_names_every_field_on_update),
        cmocka_unit_test(test_users_refs_of_other_account),
        cmocka_unit_test(test_users_filter_include_archived),
        cmocka_unit_test(test_users_filter_tags),
        cmocka_unit_test(test_users_filter_email),
        cmocka_unit_test(test_users_update_partial),
        cmocka_unit_test(test_users_input_coercion_and_bad_bodies),
        cmocka_unit_test(test_users_tags_and_custom_properties_update),
        cmocka_unit_test(test_users_delete),
        cmocka_unit_test(test_users_deleted_id_not_reused),
        cmocka_unit_test(test_users_delete_self),
        cmocka_unit_test(test_users_deleted_key_revoked),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_permissions_employee),
        cmocka_unit_test(test_permissions_staff),
        cmocka_unit_test(test_users_tenant_isolation),
        cmocka_unit_test(test_users_avatar),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
