/*
 * Authentication and authorisation (docs/api-conventions.md "Accounts and keys", MOCO's
 * authentication.md): key formats, accounts by Host, account keys, POST/GET /session,
 * impersonation, role permissions, deactivated users and tenant isolation.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_CT "application/json; charset=utf-8"

#define OTHER_ACCOUNT  "other"
#define OTHER_EMAIL    "admin@other.test"
#define OTHER_PASSWORD "secret-pass-2"
#define EMP_EMAIL      "erin@acme.test"
#define EMP_PASSWORD   "erin-pass-123"

struct fixture {
    mt_server *s;
    char *other_key;     /* user key of the admin of account "other" */
    json_int_t unit_id;  /* acme's unit */
    json_int_t admin_id; /* acme's admin */
    json_int_t other_admin_id;
    json_int_t employee_role_id;
    json_int_t staff_role_id;
    json_int_t emp_id; /* an Employee of acme with a password */
    char *emp_key;
    json_int_t target_id; /* another Employee of acme, to impersonate */
};

/* ---- helpers ---------------------------------------------------------------------------- */

#define ASSERT_FIELD_ERROR(r, field) assert_field_error_((r), (field), __FILE__, __LINE__)
static void assert_field_error_(const mt_resp *r, const char *field, const char *file, int line)
{
    fix_assert_json_error_(r, 422, file, line);
    const json_t *errors = json_object_get(r->json, "errors");
    const json_t *list = json_is_object(errors) ? json_object_get(errors, field) : NULL;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        !json_is_string(json_array_get(list, 0))) {
        print_error("%s %s: expected errors.%s to be a non-empty list of strings, got: %s\n",
                    r->method, r->path, field, r->body);
        _fail(file, line);
    }
}

/* GET/POST/... with one extra header. */
static mt_resp *req1(mt_server *s, const char *method, const char *path, const char *key,
                     const char *body, const char *header)
{
    const char *const hdrs[] = {header, NULL};
    return mt_request(s, method, path, key, body, hdrs);
}

/* A request acting as user `as` (X-IMPERSONATE-USER-ID). */
static mt_resp *as_user(mt_server *s, const char *method, const char *path, const char *key,
                        const char *body, json_int_t as)
{
    char h[64];
    snprintf(h, sizeof h, "X-IMPERSONATE-USER-ID: %lld", (long long)as);
    return req1(s, method, path, key, body, h);
}

static bool list_has_id(const json_t *arr, json_int_t id)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_integer_value(json_object_get(json_array_get(arr, i), "id")) == id)
            return true;
    return false;
}

static json_int_t role_id(mt_server *s, const char *name)
{
    mt_resp *r = mt_get(s, "/api/v1/users/roles", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = 0;
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        const json_t *role = json_array_get(r->json, i);
        if (!strcmp(mt_json_str(role, "name"), name))
            id = mt_json_int(role, "id");
    }
    mt_resp_free(r);
    if (!id) {
        print_error("no role named %s\n", name);
        fail();
    }
    return id;
}

/* Create a user of acme with this role (and a password, if given); returns the id. */
static json_int_t create_user(struct fixture *f, const char *first, const char *email,
                              json_int_t role, const char *password)
{
    json_t *body =
        fix_user_body(first, "Tester", email, f->unit_id, json_pack("{s:I}", "role_id", role));
    if (password)
        json_object_set_new(body, "password", json_string(password));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_int_t id = mt_create(f->s, "/api/v1/users", mt_admin_key(f->s), text);
    free(text);
    return id;
}

/* POST /session; asserts 200 and returns the api_key (malloc'd). */
static char *login(mt_server *s, const char *email, const char *password, json_int_t user_id)
{
    json_t *body = json_pack("{s:s, s:s}", "email", email, "password", password);
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/session", NULL, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "api_key, user_id");
    MT_ASSERT_JSON_INT(r->json, "user_id", user_id);
    char *key = strdup(mt_json_str(r->json, "api_key"));
    mt_resp_free(r);
    return key;
}

/* ---- group fixture ---------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->s = mt_start(NULL);
    mt_server *s = f->s;
    f->other_key = mt_init_account(s, OTHER_ACCOUNT, OTHER_EMAIL, OTHER_PASSWORD);

    f->unit_id = fix_first_unit_id(s);
    f->admin_id = fix_session_user_id(s, mt_admin_key(s));
    f->other_admin_id = fix_session_user_id(s, f->other_key);

    f->employee_role_id = role_id(s, "Employee");
    f->staff_role_id = role_id(s, "Staff");
    f->emp_id = create_user(f, "Erin", EMP_EMAIL, f->employee_role_id, EMP_PASSWORD);
    f->emp_key = login(s, EMP_EMAIL, EMP_PASSWORD, f->emp_id);
    f->target_id = create_user(f, "Tina", "tina@acme.test", f->employee_role_id, NULL);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    if (f) {
        mt_stop(f->s);
        free(f->other_key);
        free(f->emp_key);
        free(f);
    }
    return 0;
}

/* ---- key formats ------------------------------------------------------------------------ */

static void test_token_and_bearer(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);
    char h[256];

    static const char *const forms[] = {"Authorization: Token token=%s", "Authorization: Bearer %s",
                                        "Authorization: Token token=\"%s\""};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(h, sizeof h, forms[i], key);
        mt_resp *r = req1(f->s, "GET", "/api/v1/session", NULL, NULL, h);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
        MT_ASSERT_JSON_INT(r->json, "id", f->admin_id);
        mt_resp_free(r);

        r = req1(f->s, "GET", "/api/v1/users", NULL, NULL, h);
        MT_ASSERT_STATUS(r, 200);
        assert_true(list_has_id(r->json, f->admin_id));
        mt_resp_free(r);
    }

    /* Bearer works for writes too */
    snprintf(h, sizeof h, "Authorization: Bearer %s", key);
    mt_resp *r = req1(f->s, "POST", "/api/v1/units", NULL, "{\"name\":\"Bearer unit\"}", h);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Bearer unit");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(f->s, "DELETE", key, NULL, 204, "/api/v1/units/%lld", (long long)id);
}

static void test_missing_or_invalid_key(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    static const char *const paths[] = {"/api/v1/session", "/api/v1/users", "/api/v1/profile",
                                        "/api/v1/users/roles"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        mt_resp *r = mt_get(f->s, paths[i], NULL);
        fix_assert_json_error(r, 401);
        mt_resp_free(r);
        r = mt_get(f->s, paths[i], "not-a-valid-key");
        fix_assert_json_error(r, 401);
        mt_resp_free(r);
    }

    /* a key that differs in one character */
    char *bad = strdup(key);
    bad[0] = bad[0] == 'a' ? 'b' : 'a';
    mt_resp *r = mt_get(f->s, "/api/v1/session", bad);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    free(bad);

    /* the key plus something */
    char longer[256];
    snprintf(longer, sizeof longer, "%sx", key);
    r = mt_get(f->s, "/api/v1/session", longer);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);

    /* broken headers */
    char basic[256];
    snprintf(basic, sizeof basic, "Authorization: Basic %s", key);
    const char *const broken[] = {"Authorization: Token token=", "Authorization: Bearer",
                                  "Authorization: Bearer ", basic, "Authorization: Token"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        r = req1(f->s, "GET", "/api/v1/session", NULL, NULL, broken[i]);
        fix_assert_json_error(r, 401);
        mt_resp_free(r);
    }

    /* writes without a key change nothing */
    r = mt_post(f->s, "/api/v1/units", NULL, "{\"name\":\"Anonymous\"}");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    r = mt_post(f->s, "/api/v1/units", "not-a-valid-key", "{\"name\":\"Anonymous\"}");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 0; i < json_array_size(r->json); i++)
        assert_string_not_equal(mt_json_str(json_array_get(r->json, i), "name"), "Anonymous");
    mt_resp_free(r);
}

/* ---- accounts by Host ------------------------------------------------------------------- */

static void test_host_selects_account(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* acme's key at another account's Host */
    mt_resp *r = req1(f->s, "GET", "/api/v1/session", key, NULL, "Host: other.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    r = req1(f->s, "GET", "/api/v1/users", key, NULL, "Host: other.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    r = req1(f->s, "POST", "/api/v1/units", key, "{\"name\":\"Cross\"}", "Host: other.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    /* ... and at the Host of an account that does not exist */
    r = req1(f->s, "GET", "/api/v1/session", key, NULL, "Host: nobody.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    /* other's key at acme's Host */
    r = req1(f->s, "GET", "/api/v1/session", f->other_key, NULL, "Host: acme.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);

    /* each key at its own Host (with a port, any case) */
    static const char *const acme_hosts[] = {"Host: acme.mocod.test", "Host: acme.mocod.test:8080",
                                             "Host: ACME.Mocod.Test"};
    for (size_t i = 0; i < sizeof acme_hosts / sizeof acme_hosts[0]; i++) {
        r = req1(f->s, "GET", "/api/v1/session", key, NULL, acme_hosts[i]);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_INT(r->json, "id", f->admin_id);
        mt_resp_free(r);
    }
    r = req1(f->s, "GET", "/api/v1/session", f->other_key, NULL, "Host: other.mocod.test");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->other_admin_id);
    mt_resp_free(r);

    /* a Host outside the base domain: the key names the account */
    r = req1(f->s, "GET", "/api/v1/users", f->other_key, NULL, "Host: example.com");
    MT_ASSERT_STATUS(r, 200);
    assert_true(list_has_id(r->json, f->other_admin_id));
    assert_false(list_has_id(r->json, f->admin_id));
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/session", f->other_key); /* Host 127.0.0.1:port */
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->other_admin_id);
    mt_resp_free(r);
}

/* ---- account keys ----------------------------------------------------------------------- */

static void test_account_read_key(void **state)
{
    struct fixture *f = *state;
    char *key = mt_account_key(f->s, MT_ACCOUNT, "read");
    assert_string_not_equal(key, mt_admin_key(f->s));

    mt_resp *r = mt_get(f->s, "/api/v1/users", key);
    MT_ASSERT_STATUS(r, 200);
    assert_true(list_has_id(r->json, f->admin_id));
    assert_true(list_has_id(r->json, f->emp_id));
    mt_resp_free(r);
    r = mt_getf(f->s, key, "/api/v1/users/%lld", (long long)f->emp_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "email", EMP_EMAIL);
    mt_resp_free(r);
    fix_expect_status(f->s, "GET", key, NULL, 200, "/api/v1/units");

    /* every write is a 403 */
    r = mt_post(f->s, "/api/v1/units", key, "{\"name\":\"Read only\"}");
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(f->s, "PUT", key, "{\"name\":\"Renamed\"}", "/api/v1/units/%lld",
                    (long long)f->unit_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(f->s, "PATCH", key, "{\"lastname\":\"Renamed\"}", "/api/v1/users/%lld",
                    (long long)f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_deletef(f->s, key, "/api/v1/users/%lld", (long long)f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);

    /* nothing changed */
    r = mt_getf(f->s, mt_admin_key(f->s), "/api/v1/units/%lld", (long long)f->unit_id);
    MT_ASSERT_STATUS(r, 200);
    assert_string_not_equal(mt_json_str(r->json, "name"), "Renamed");
    mt_resp_free(r);
    r = mt_getf(f->s, mt_admin_key(f->s), "/api/v1/users/%lld", (long long)f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    mt_resp_free(r);

    /* the key works at its account's Host only */
    r = req1(f->s, "GET", "/api/v1/users", key, NULL, "Host: acme.mocod.test");
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = req1(f->s, "GET", "/api/v1/users", key, NULL, "Host: other.mocod.test");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);

    /* a read-only key may not impersonate (no Staff permission) */
    r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(key);
}

static void test_account_full_key(void **state)
{
    struct fixture *f = *state;
    char *key = mt_account_key(f->s, MT_ACCOUNT, "full");
    char *key2 = mt_account_key(f->s, MT_ACCOUNT, "full");
    assert_string_not_equal(key, key2); /* every call makes a new key */

    mt_resp *r = mt_post(f->s, "/api/v1/units", key, "{\"name\":\"Full access\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Full access");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_requestf(f->s, "PUT", key2, "{\"name\":\"Full access 2\"}", "/api/v1/units/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Full access 2");
    mt_resp_free(r);
    /* visible to the account's users */
    r = mt_getf(f->s, mt_admin_key(f->s), "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Full access 2");
    mt_resp_free(r);
    fix_expect_status(f->s, "DELETE", key, NULL, 204, "/api/v1/units/%lld", (long long)id);

    /* a full key may impersonate */
    r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->target_id);
    mt_resp_free(r);

    /* keys of account "other" see only "other" */
    char *other = mt_account_key(f->s, OTHER_ACCOUNT, "full");
    r = mt_get(f->s, "/api/v1/users", other);
    MT_ASSERT_STATUS(r, 200);
    assert_true(list_has_id(r->json, f->other_admin_id));
    assert_false(list_has_id(r->json, f->admin_id));
    mt_resp_free(r);
    free(other);
    free(key);
    free(key2);
}

static void test_init_twice_prints_same_key(void **state)
{
    struct fixture *f = *state;
    char *again = mt_init_account(f->s, MT_ACCOUNT, MT_ADMIN_EMAIL, MT_ADMIN_PASSWORD);
    assert_string_equal(again, mt_admin_key(f->s));
    free(again);
    again = mt_init_account(f->s, OTHER_ACCOUNT, OTHER_EMAIL, OTHER_PASSWORD);
    assert_string_equal(again, f->other_key);
    free(again);

    /* and the key still works; no second admin appeared */
    mt_resp *r = mt_get(f->s, "/api/v1/users?email=" MT_ADMIN_EMAIL, mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", f->admin_id);
    mt_resp_free(r);
}

/* ---- /session --------------------------------------------------------------------------- */

static void test_session_login(void **state)
{
    struct fixture *f = *state;

    char *key = login(f->s, MT_ADMIN_EMAIL, MT_ADMIN_PASSWORD, f->admin_id);
    assert_string_equal(key, mt_admin_key(f->s));
    free(key);

    /* at the account's Host, and with the .json suffix */
    json_t *body = json_pack("{s:s, s:s}", "email", MT_ADMIN_EMAIL, "password", MT_ADMIN_PASSWORD);
    const char *const host[] = {"Host: acme.mocod.test", NULL};
    mt_resp *r = mt_request_json(f->s, "POST", "/api/v1/session.json", NULL, body, host);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    mt_assert_keys(r->json, "api_key, user_id");
    MT_ASSERT_JSON_STR(r->json, "api_key", mt_admin_key(f->s));
    MT_ASSERT_JSON_TYPE(r->json, "user_id", JSON_INTEGER);
    MT_ASSERT_JSON_INT(r->json, "user_id", f->admin_id);
    mt_resp_free(r);

    /* the other account's admin gets the other key */
    key = login(f->s, OTHER_EMAIL, OTHER_PASSWORD, f->other_admin_id);
    assert_string_equal(key, f->other_key);
    free(key);

    /* the employee logging in again gets the same key */
    key = login(f->s, EMP_EMAIL, EMP_PASSWORD, f->emp_id);
    assert_string_equal(key, f->emp_key);
    free(key);
}

static void test_session_login_errors(void **state)
{
    struct fixture *f = *state;

    /* wrong password */
    mt_resp *r = mt_post(f->s, "/api/v1/session", NULL,
                         "{\"email\":\"" MT_ADMIN_EMAIL "\",\"password\":\"wrong-password\"}");
    fix_assert_json_error(r, 401);
    assert_false(mt_json_has(r->json, "api_key"));
    assert_null(strstr(r->body, mt_admin_key(f->s)));
    mt_resp_free(r);

    /* unknown email */
    r = mt_post(f->s, "/api/v1/session", NULL,
                "{\"email\":\"nobody@acme.test\",\"password\":\"" MT_ADMIN_PASSWORD "\"}");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);

    /* the right password at another account's Host */
    json_t *body = json_pack("{s:s, s:s}", "email", MT_ADMIN_EMAIL, "password", MT_ADMIN_PASSWORD);
    const char *const host[] = {"Host: other.mocod.test", NULL};
    r = mt_request_json(f->s, "POST", "/api/v1/session", NULL, body, host);
    fix_assert_json_error(r, 401);
    assert_null(strstr(r->body, mt_admin_key(f->s)));
    mt_resp_free(r);

    /* missing fields */
    r = mt_post(f->s, "/api/v1/session", NULL, "{\"password\":\"" MT_ADMIN_PASSWORD "\"}");
    ASSERT_FIELD_ERROR(r, "email");
    mt_resp_free(r);
    r = mt_post(f->s, "/api/v1/session", NULL, "{\"email\":\"" MT_ADMIN_EMAIL "\"}");
    ASSERT_FIELD_ERROR(r, "password");
    mt_resp_free(r);
    r = mt_post(f->s, "/api/v1/session", NULL, "{}");
    ASSERT_FIELD_ERROR(r, "email");
    mt_resp_free(r);
    r = mt_post(f->s, "/api/v1/session", NULL, NULL);
    ASSERT_FIELD_ERROR(r, "email");
    mt_resp_free(r);
}

static bool is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    }
    return true;
}

static void test_session_show(void **state)
{
    struct fixture *f = *state;

    mt_resp *r = mt_get(f->s, "/api/v1/session", mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    mt_assert_keys(r->json, "id, uuid");
    MT_ASSERT_JSON_TYPE(r->json, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(r->json, "uuid", JSON_STRING);
    MT_ASSERT_JSON_INT(r->json, "id", f->admin_id);
    assert_true(is_uuid(mt_json_str(r->json, "uuid")));
    char *admin_uuid = strdup(mt_json_str(r->json, "uuid"));
    mt_resp_free(r);

    /* the same uuid every time; another user has another one */
    r = mt_get(f->s, "/api/v1/session", mt_admin_key(f->s));
    MT_ASSERT_JSON_STR(r->json, "uuid", admin_uuid);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/session", f->emp_key);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, "id, uuid");
    MT_ASSERT_JSON_INT(r->json, "id", f->emp_id);
    assert_true(is_uuid(mt_json_str(r->json, "uuid")));
    assert_string_not_equal(mt_json_str(r->json, "uuid"), admin_uuid);
    mt_resp_free(r);
    free(admin_uuid);

    r = mt_get(f->s, "/api/v1/session", "an-invalid-key");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
}

/* ---- impersonation ---------------------------------------------------------------------- */

static void test_impersonation_by_admin(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->target_id);
    MT_ASSERT_JSON_STR(r->json, "email", "tina@acme.test");
    MT_ASSERT_JSON_STR(r->json, "first_name", "Tina");
    mt_resp_free(r);

    /* acting as an Employee means the Employee's permissions */
    r = as_user(f->s, "POST", "/api/v1/units", key, "{\"name\":\"As Tina\"}", f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);

    /* without the header the admin is the admin again */
    r = mt_get(f->s, "/api/v1/profile", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->admin_id);
    mt_resp_free(r);
}

static void test_impersonation_by_staff_user(void **state)
{
    struct fixture *f = *state;
    json_int_t id = create_user(f, "Sam", "sam@acme.test", f->staff_role_id, "sam-pass-1234");
    char *key = login(f->s, "sam@acme.test", "sam-pass-1234", id);

    mt_resp *r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->target_id);
    mt_resp_free(r);
    free(key);
}

static void test_impersonation_without_staff(void **state)
{
    struct fixture *f = *state;

    mt_resp *r = as_user(f->s, "GET", "/api/v1/profile", f->emp_key, NULL, f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = as_user(f->s, "GET", "/api/v1/profile", f->emp_key, NULL, f->admin_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);

    /* the employee's own requests are fine */
    r = mt_get(f->s, "/api/v1/profile", f->emp_key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->emp_id);
    MT_ASSERT_JSON_STR(r->json, "email", EMP_EMAIL);
    mt_resp_free(r);
}

static void test_impersonation_unknown_user(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, 999999);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    /* a user of another account is unknown here */
    r = as_user(f->s, "GET", "/api/v1/profile", key, NULL, f->other_admin_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = as_user(f->s, "GET", "/api/v1/profile", f->other_key, NULL, f->target_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* ---- role permissions ------------------------------------------------------------------- */

static void test_employee_permissions(void **state)
{
    struct fixture *f = *state;

    mt_resp *r = mt_get(f->s, "/api/v1/users", f->emp_key);
    MT_ASSERT_STATUS(r, 200);
    assert_true(list_has_id(r->json, f->admin_id));
    assert_true(list_has_id(r->json, f->emp_id));
    mt_resp_free(r);
    r = mt_getf(f->s, f->emp_key, "/api/v1/users/%lld", (long long)f->admin_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "email", MT_ADMIN_EMAIL);
    mt_resp_free(r);

    char body[256];
    snprintf(body, sizeof body,
             "{\"firstname\":\"Not\",\"lastname\":\"Allowed\",\"email\":\"notallowed@acme.test\","
             "\"unit_id\":%lld}",
             (long long)f->unit_id);
    r = mt_post(f->s, "/api/v1/users", f->emp_key, body);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_requestf(f->s, "PUT", f->emp_key, "{\"lastname\":\"Changed\"}", "/api/v1/users/%lld",
                    (long long)f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_deletef(f->s, f->emp_key, "/api/v1/users/%lld", (long long)f->target_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);

    /* nothing happened */
    r = mt_get(f->s, "/api/v1/users?email=notallowed@acme.test", mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 0);
    mt_resp_free(r);
    r = mt_getf(f->s, mt_admin_key(f->s), "/api/v1/users/%lld", (long long)f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    mt_resp_free(r);
}

static void test_deactivated_user(void **state)
{
    struct fixture *f = *state;
    json_int_t id = create_user(f, "Dora", "dora@acme.test", f->employee_role_id, "dora-pass-123");
    char *key = login(f->s, "dora@acme.test", "dora-pass-123", id);
    mt_resp *r = mt_get(f->s, "/api/v1/session", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    r = mt_requestf(f->s, "PUT", mt_admin_key(f->s), "{\"active\":false}", "/api/v1/users/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/session", key);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users", key);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    /* and no new key by password */
    r = mt_post(f->s, "/api/v1/session", NULL,
                "{\"email\":\"dora@acme.test\",\"password\":\"dora-pass-123\"}");
    fix_assert_json_error(r, 401);
    mt_resp_free(r);

    /* reactivated, the key works again */
    fix_expect_status(f->s, "PATCH", mt_admin_key(f->s), "{\"active\":true}", 200,
                      "/api/v1/users/%lld", (long long)id);
    fix_expect_status(f->s, "GET", key, NULL, 200, "/api/v1/session");
    free(key);
}

static void test_deleted_user_key(void **state)
{
    struct fixture *f = *state;
    json_int_t id = create_user(f, "Dean", "dean@acme.test", f->employee_role_id, "dean-pass-123");
    char *key = login(f->s, "dean@acme.test", "dean-pass-123", id);
    fix_expect_status(f->s, "DELETE", mt_admin_key(f->s), NULL, 204, "/api/v1/users/%lld",
                      (long long)id);
    mt_resp *r = mt_get(f->s, "/api/v1/session", key);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    free(key);
}

/* ---- tenant isolation ------------------------------------------------------------------- */

static void test_tenant_isolation(void **state)
{
    struct fixture *f = *state;
    const char *other = f->other_key;

    mt_resp *r = mt_getf(f->s, other, "/api/v1/users/%lld", (long long)f->target_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_getf(f->s, other, "/api/v1/users/%lld", (long long)f->admin_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(f->s, "PUT", other, "{\"lastname\":\"Hijacked\"}", "/api/v1/users/%lld",
                    (long long)f->target_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_requestf(f->s, "PATCH", other, "{\"lastname\":\"Hijacked\"}", "/api/v1/users/%lld",
                    (long long)f->target_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_deletef(f->s, other, "/api/v1/users/%lld", (long long)f->target_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_getf(f->s, other, "/api/v1/units/%lld", (long long)f->unit_id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);

    /* acme's user is untouched */
    r = mt_getf(f->s, mt_admin_key(f->s), "/api/v1/users/%lld", (long long)f->target_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    mt_resp_free(r);

    /* other's list holds only its own users */
    r = mt_get(f->s, "/api/v1/users", other);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "1");
    assert_int_equal(mt_json_len(r->json, ""), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", f->other_admin_id);
    assert_null(strstr(r->body, "acme.test"));
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/users?ids=%lld,%lld,%lld", (long long)f->admin_id,
             (long long)f->emp_id, (long long)f->target_id);
    r = mt_get(f->s, path, other);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    assert_int_equal(mt_json_len(r->json, ""), 0);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?email=" MT_ADMIN_EMAIL, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 0);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/units", other);
    MT_ASSERT_STATUS(r, 200);
    assert_false(list_has_id(r->json, f->unit_id));
    mt_resp_free(r);

    /* and acme's list does not hold other's admin */
    r = mt_get(f->s, "/api/v1/users", mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    assert_false(list_has_id(r->json, f->other_admin_id));
    assert_null(strstr(r->body, OTHER_EMAIL));
    mt_resp_free(r);

    /* acme's unit cannot be used by other */
    snprintf(
        path, sizeof path,
        "{\"firstname\":\"X\",\"lastname\":\"Y\",\"email\":\"xy@other.test\",\"unit_id\":%lld}",
        (long long)f->unit_id);
    r = mt_post(f->s, "/api/v1/users", other, path);
    ASSERT_FIELD_ERROR(r, "unit_id");
    mt_resp_free(r);
}

/* ---- login attempts --------------------------------------------------------------------- */

static mt_resp *try_login(mt_server *s, const char *email, const char *password)
{
    json_t *body = json_pack("{s:s, s:s}", "email", email, "password", password);
    return mt_request_json(s, "POST", "/api/v1/session", NULL, body, NULL);
}

static void assert_login_limited(const mt_resp *r)
{
    fix_assert_json_error(r, 429);
    assert_false(mt_json_has(r->json, "api_key"));
    const char *retry = mt_header(r, "Retry-After");
    assert_non_null(retry);
    char *end;
    long wait = strtol(retry, &end, 10);
    assert_true(*retry && !*end);
    assert_in_range(wait, 1, 60);
}

/* 5 free failures per client address and email, then growing waits: the next attempt is
 * refused even with the right password (from this address; test_permissions shows that the
 * owner, from another address, is not slowed down). */
static void test_login_attempts_limited(void **state)
{
    struct fixture *f = *state;
    json_int_t id = create_user(f, "Lara", "lara@acme.test", f->employee_role_id, "lara-pass-123");
    for (int i = 0; i < 5; i++) {
        mt_resp *r = try_login(f->s, "lara@acme.test", "wrong-password");
        fix_assert_json_error(r, 401);
        mt_resp_free(r);
    }
    mt_resp *r = try_login(f->s, "lara@acme.test", "lara-pass-123");
    assert_login_limited(r);
    mt_resp_free(r);

    /* other emails are not affected */
    char *key = login(f->s, EMP_EMAIL, EMP_PASSWORD, f->emp_id);
    assert_string_equal(key, f->emp_key);
    free(key);
    /* nor is the user's API key */
    fix_expect_status(f->s, "GET", mt_admin_key(f->s), NULL, 200, "/api/v1/users/%lld",
                      (long long)id);
}

/* Emails are case-insensitive (login accepts any case), so the attempt limit must be too:
 * changing the case of the address must not buy more guesses. */
static void test_login_attempts_limit_ignores_email_case(void **state)
{
    struct fixture *f = *state;
    create_user(f, "Lena", "lena@acme.test", f->employee_role_id, "lena-pass-123");
    static const char *const variants[] = {"lena@acme.test", "LENA@acme.test", "Lena@acme.test",
                                           "lEna@acme.test", "leNa@acme.test"};
    for (int i = 0; i < 5; i++) {
        mt_resp *r = try_login(f->s, variants[i], "wrong-password");
        fix_assert_json_error(r, 401);
        mt_resp_free(r);
    }
    for (int i = 0; i < 5; i++) {
        mt_resp *r = try_login(f->s, variants[i], i == 0 ? "lena-pass-123" : "wrong-password");
        assert_login_limited(r);
        mt_resp_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_and_bearer),
        cmocka_unit_test(test_missing_or_invalid_key),
        cmocka_unit_test(test_host_selects_account),
        cmocka_unit_test(test_account_read_key),
        cmocka_unit_test(test_account_full_key),
        cmocka_unit_test(test_init_twice_prints_same_key),
        cmocka_unit_test(test_session_login),
        cmocka_unit_test(test_session_login_errors),
        cmocka_unit_test(test_session_show),
        cmocka_unit_test(test_impersonation_by_admin),
        cmocka_unit_test(test_impersonation_by_staff_user),
        cmocka_unit_test(test_impersonation_without_staff),
        cmocka_unit_test(test_impersonation_unknown_user),
        cmocka_unit_test(test_employee_permissions),
        cmocka_unit_test(test_deactivated_user),
        cmocka_unit_test(test_deleted_user_key),
        cmocka_unit_test(test_tenant_isolation),
        cmocka_unit_test(test_login_attempts_limited),
        cmocka_unit_test(test_login_attempts_limit_ignores_email_case),
    };
    return cmocka_run_group_tests_name("auth", tests, group_setup, group_teardown);
}
