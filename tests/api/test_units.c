/* API tests of units / teams (sections/units.md). One server for the whole file (group fixture). */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_KEYS      "id,name,users,custom_properties,created_at,updated_at"
#define UNIT_USER_KEYS "id,firstname,lastname,email"

/* ---- helpers ----------------------------------------------------------------------------- */

static json_int_t create_unit(mt_server *s, const char *key, const char *name)
{
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/units", key, json_pack("{s:s}", "name", name), NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", name);
    return fix_take_id(r);
}

static json_int_t create_user(mt_server *s, const char *first, const char *last, const char *email,
                              json_int_t unit, json_t *extra)
{
    return fix_create_user(s, fix_user_body(first, last, email, unit, extra));
}

static mt_resp *put_json(mt_server *s, const char *key, json_t *body, const char *what,
                         json_int_t id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/%s/%lld", what, (long long)id);
    return mt_request_json(s, "PUT", path, key, body, NULL);
}

static void assert_unit_shape(const json_t *u)
{
    mt_assert_keys(u, UNIT_KEYS);
    MT_ASSERT_JSON_TYPE(u, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(u, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(u, "users", JSON_ARRAY);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(u, "users"), i, m)
    {
        mt_assert_keys(m, UNIT_USER_KEYS);
        MT_ASSERT_JSON_TYPE(m, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(m, "firstname", JSON_STRING);
        MT_ASSERT_JSON_TYPE(m, "lastname", JSON_STRING);
        MT_ASSERT_JSON_TYPE(m, "email", JSON_STRING);
    }
    MT_ASSERT_TIMESTAMP(u, "created_at");
    MT_ASSERT_TIMESTAMP(u, "updated_at");
}

/* The unit's embedded user with this id (GET /units/{id}), NULL if not listed. The response is
 * returned in *out for the caller to free. */
static json_t *unit_member(mt_server *s, json_int_t unit, json_int_t user, mt_resp **out)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), "/api/v1/units/%lld", (long long)unit);
    MT_ASSERT_STATUS(r, 200);
    assert_unit_shape(r->json);
    *out = r;
    return fix_find_by_id_strict(mt_json_get(r->json, "users"), user);
}

/* ---- list and get ------------------------------------------------------------------------ */

static void test_units_list(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);

    mt_resp *r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(mt_header(r, "Content-Type"), "application/json"));
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_true(json_array_size(r->json) >= 1);
    size_t i;
    json_t *u;
    json_array_foreach(r->json, i, u) assert_unit_shape(u);
    json_t *team = fix_find_by_str(r->json, "name", "Team");
    assert_non_null(team);
    json_t *ada = fix_find_by_id_strict(mt_json_get(team, "users"), admin);
    assert_non_null(ada);
    MT_ASSERT_JSON_STR(ada, "firstname", "Ada");
    MT_ASSERT_JSON_STR(ada, "lastname", "Admin");
    MT_ASSERT_JSON_STR(ada, "email", MT_ADMIN_EMAIL);
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/units.json", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_str(r->json, "name", "Team"));
    mt_resp_free(r);

    fix_expect_status(s, "GET", NULL, NULL, 401, "/api/v1/units");
}

static void test_units_list_filters_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t a = create_unit(s, key, "Paging A");
    json_int_t b = create_unit(s, key, "Paging B");

    mt_resp *all = mt_get(s, "/api/v1/units?sort_by=id", key);
    MT_ASSERT_STATUS(all, 200);
    size_t n = json_array_size(all->json);
    assert_true(n >= 3);
    for (size_t i = 1; i < n; i++)
        assert_true(mt_json_int(json_array_get(all->json, i - 1), "id") <
                    mt_json_int(json_array_get(all->json, i), "id"));

    mt_resp *r = mt_get(s, "/api/v1/units?sort_by=id%20desc", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mt_json_int(json_array_get(r->json, i), "id"),
                         mt_json_int(json_array_get(all->json, n - 1 - i), "id"));
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/units?sort_by=id&per_page=1", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", mt_json_int(all->json, "[0].id"));
    char total[32];
    snprintf(total, sizeof total, "%zu", n);
    MT_ASSERT_HEADER(r, "X-Total", total);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "1");
    assert_non_null(mt_header(r, "Link"));
    assert_non_null(strstr(mt_header(r, "Link"), "rel=\"next\""));
    mt_resp_free(r);
    mt_resp_free(all);

    char path[128];
    snprintf(path, sizeof path, "/api/v1/units?ids=%lld,%lld", (long long)a, (long long)b);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_non_null(fix_find_by_id_strict(r->json, a));
    assert_non_null(fix_find_by_id_strict(r->json, b));
    mt_resp_free(r);

    fix_expect_status(s, "GET", key, NULL, 422, "/api/v1/units?page=0");
    fix_expect_status(s, "GET", key, NULL, 422, "/api/v1/units?sort_by=users");
}

static void test_units_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t team = fix_team_id(s);

    mt_resp *r = mt_getf(s, key, "/api/v1/units/%lld", (long long)team);
    MT_ASSERT_STATUS(r, 200);
    assert_unit_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", team);
    MT_ASSERT_JSON_STR(r->json, "name", "Team");
    assert_non_null(
        fix_find_by_id_strict(mt_json_get(r->json, "users"), fix_session_user_id(s, key)));
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/units/999999", key);
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
}

/* ---- create, update ---------------------------------------------------------------------- */

static void test_units_create(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);

    mt_resp *r = mt_post(s, "/api/v1/units", key, "{\"name\": \"A great new team\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_unit_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "A great new team");
    assert_int_equal(mt_json_len(r->json, "users"), 0);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    r = mt_getf(s, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_unit_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "A great new team");
    assert_int_equal(mt_json_len(r->json, "users"), 0);
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(r->json, id));
    mt_resp_free(r);

    /* name is required; "users" is not an input */
    const char *bad[] = {"{}", "{\"name\": \"\"}", "{\"name\": null}", "{\"users\": [{\"id\": 1}]}",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        fix_expect_422(s, "POST", key, bad[i], "name", "/api/v1/units");
    }

    fix_expect_status(s, "POST", key, "{\"name\": ", 400, "/api/v1/units");
}

static void test_units_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_unit(s, key, "Old name");

    mt_resp *r = put_json(s, key, json_pack("{s:s}", "name", "A new name"), "units", id);
    MT_ASSERT_STATUS(r, 200);
    assert_unit_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "A new name");
    assert_true(strcmp(mt_json_str(r->json, "updated_at"), mt_json_str(r->json, "created_at")) >=
                0);
    mt_resp_free(r);

    r = mt_getf(s, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "A new name");
    mt_resp_free(r);

    /* PATCH too */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)id);
    r = mt_patch(s, path, key, "{\"name\": \"Patched\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Patched");
    mt_resp_free(r);

    /* an update without name keeps it; a blank name is refused */
    r = mt_put(s, path, key, "{}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Patched");
    mt_resp_free(r);
    fix_expect_422(s, "PUT", key, "{\"name\": \"\"}", "name", "%s", path);
    r = mt_getf(s, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "name", "Patched");
    mt_resp_free(r);

    fix_expect_status(s, "PUT", key, "{\"name\": \"Ghost\"}", 404, "/api/v1/units/999999");
}

/* ---- embedded users ---------------------------------------------------------------------- */

static void test_units_users_kept_current(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t u1 = create_unit(s, key, "Unit One");
    json_int_t u2 = create_unit(s, key, "Unit Two");
    char email[64], email2[64];
    json_int_t id =
        create_user(s, "Tobias", "Miesel", fix_uniq_email(email, sizeof email, "tobias"), u1, NULL);

    mt_resp *r;
    json_t *m = unit_member(s, u1, id, &r);
    assert_non_null(m);
    MT_ASSERT_JSON_STR(m, "firstname", "Tobias");
    MT_ASSERT_JSON_STR(m, "lastname", "Miesel");
    MT_ASSERT_JSON_STR(m, "email", email);
    assert_int_equal(mt_json_len(r->json, "users"), 1);
    mt_resp_free(r);

    /* renamed */
    fix_uniq_email(email2, sizeof email2, "sabine");
    mt_resp *p = put_json(s, key,
                          json_pack("{s:s, s:s, s:s}", "firstname", "Sabine", "lastname",
                                    "Schäuble", "email", email2),
                          "users", id);
    MT_ASSERT_STATUS(p, 200);
    mt_resp_free(p);
    m = unit_member(s, u1, id, &r);
    assert_non_null(m);
    MT_ASSERT_JSON_STR(m, "firstname", "Sabine");
    MT_ASSERT_JSON_STR(m, "lastname", "Schäuble");
    MT_ASSERT_JSON_STR(m, "email", email2);
    mt_resp_free(r);

    /* moved to another unit */
    p = put_json(s, key, json_pack("{s:I}", "unit_id", u2), "users", id);
    MT_ASSERT_STATUS(p, 200);
    MT_ASSERT_JSON_INT(p->json, "unit.id", u2);
    MT_ASSERT_JSON_STR(p->json, "unit.name", "Unit Two");
    mt_resp_free(p);
    assert_null(unit_member(s, u1, id, &r));
    assert_int_equal(mt_json_len(r->json, "users"), 0);
    mt_resp_free(r);
    m = unit_member(s, u2, id, &r);
    assert_non_null(m);
    MT_ASSERT_JSON_STR(m, "firstname", "Sabine");
    mt_resp_free(r);

    /* the list says the same */
    r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(
        fix_find_by_id_strict(mt_json_get(fix_find_by_id_strict(r->json, u1), "users"), id));
    assert_non_null(
        fix_find_by_id_strict(mt_json_get(fix_find_by_id_strict(r->json, u2), "users"), id));
    mt_resp_free(r);

    /* a renamed unit shows up in its users */
    p = put_json(s, key, json_pack("{s:s}", "name", "Unit Two renamed"), "units", u2);
    MT_ASSERT_STATUS(p, 200);
    assert_non_null(fix_find_by_id_strict(mt_json_get(p->json, "users"), id));
    mt_resp_free(p);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "unit.name", "Unit Two renamed");
    mt_resp_free(r);

    /* a deleted user leaves the unit */
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/users/%lld", (long long)id);
    assert_null(unit_member(s, u2, id, &r));
    mt_resp_free(r);
}

/* ---- delete ------------------------------------------------------------------------------ */

static void test_units_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t full = create_unit(s, key, "Staffed");
    json_int_t spare = create_unit(s, key, "Spare");
    char email[64];
    json_int_t id =
        create_user(s, "Stay", "Put", fix_uniq_email(email, sizeof email, "stay"), full, NULL);

    /* a unit with staff cannot be deleted */
    mt_resp *r = mt_deletef(s, key, "/api/v1/units/%lld", (long long)full);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    assert_true(strlen(mt_json_str(r->json, "message")) > 0);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/units/%lld", (long long)full);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id_strict(mt_json_get(r->json, "users"), id));
    mt_resp_free(r);

    /* deactivated staff still count */
    r = put_json(s, key, json_pack("{s:b}", "active", 0), "users", id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 422, "/api/v1/units/%lld", (long long)full);
    r = mt_getf(s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "unit.id", full);
    mt_resp_free(r);

    /* an empty unit can */
    r = mt_deletef(s, key, "/api/v1/units/%lld", (long long)spare);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/units/%lld", (long long)spare);
    fix_expect_status(s, "DELETE", key, NULL, 404, "/api/v1/units/%lld", (long long)spare);
    r = mt_get(s, "/api/v1/units", key);
    assert_null(fix_find_by_id_strict(r->json, spare));
    mt_resp_free(r);

    /* users cannot be moved into a deleted unit */
    r = put_json(s, key, json_pack("{s:I}", "unit_id", spare), "users", id);
    fix_assert_422(r, "unit_id");
    mt_resp_free(r);

    /* once its staff moved away, the unit can be deleted */
    r = put_json(s, key, json_pack("{s:I}", "unit_id", fix_team_id(s)), "users", id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 204, "/api/v1/units/%lld", (long long)full);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/units/%lld", (long long)full);
}

/* A deleted unit's id stays unknown: a later unit gets a new id (MOCO never reuses ids). */
static void test_units_deleted_id_not_reused(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t old = create_unit(s, key, "Short-lived unit");
    mt_resp *r = mt_deletef(s, key, "/api/v1/units/%lld", (long long)old);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);

    json_int_t next = create_unit(s, key, "Next unit");
    if (next == old)
        fail_msg("the new unit got id %lld, the id of the unit deleted just before",
                 (long long)next);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/units/%lld", (long long)old);
}

/* ---- permissions ------------------------------------------------------------------------- */

static void test_units_permissions(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s, key, "Guarded");

    /* an Employee user */
    mt_resp *r = mt_get(s, "/api/v1/users/roles", key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t employee = mt_json_int(fix_find_by_str(r->json, "name", "Employee"), "id");
    mt_resp_free(r);
    char email[64];
    fix_uniq_email(email, sizeof email, "unitemp");
    create_user(s, "Unit", "Employee", email, unit,
                json_pack("{s:I, s:s}", "role_id", employee, "password", "emp-pass-456"));
    r = mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", "emp-pass-456"), NULL);
    MT_ASSERT_STATUS(r, 200);
    char *ekey = strdup(mt_json_str(r->json, "api_key"));
    mt_resp_free(r);

    r = mt_post(s, "/api/v1/units", ekey, "{\"name\": \"Not allowed\"}");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = put_json(s, ekey, json_pack("{s:s}", "name", "Hacked"), "units", unit);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    json_int_t empty = create_unit(s, key, "Empty guarded");
    fix_expect_status(s, "DELETE", ekey, NULL, 403, "/api/v1/units/%lld", (long long)empty);

    /* a read-only account key reads but cannot write */
    char *rkey = mt_account_key(s, MT_ACCOUNT, "read");
    fix_expect_status(s, "GET", rkey, NULL, 200, "/api/v1/units/%lld", (long long)unit);
    fix_expect_status(s, "POST", rkey, "{\"name\": \"Read-only\"}", 403, "/api/v1/units");
    fix_expect_status(s, "DELETE", rkey, NULL, 403, "/api/v1/units/%lld", (long long)empty);

    /* nothing changed */
    r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_str(r->json, "name", "Not allowed"));
    assert_null(fix_find_by_str(r->json, "name", "Read-only"));
    assert_null(fix_find_by_str(r->json, "name", "Hacked"));
    assert_non_null(fix_find_by_id_strict(r->json, empty));
    MT_ASSERT_JSON_STR(fix_find_by_id_strict(r->json, unit), "name", "Guarded");
    mt_resp_free(r);

    /* a full account key can write */
    char *fkey = mt_account_key(s, MT_ACCOUNT, "full");
    fix_expect_status(s, "DELETE", fkey, NULL, 204, "/api/v1/units/%lld", (long long)empty);
    free(fkey);
    free(rkey);
    free(ekey);
}

/* ---- tenant isolation -------------------------------------------------------------------- */

static void test_units_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    char *okey = fix_new_other_key(s);
    json_int_t mine = create_unit(s, key, "Acme secret unit");
    json_int_t team = fix_team_id(s);
    json_int_t theirs = create_unit(s, okey, "Other's unit");

    /* other's list has none of acme's units, and its own units none of acme's users */
    mt_resp *r = mt_get(s, "/api/v1/units", okey);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id_strict(r->json, mine));
    assert_null(fix_find_by_id_strict(r->json, team));
    assert_null(fix_find_by_str(r->json, "name", "Acme secret unit"));
    assert_non_null(fix_find_by_id_strict(r->json, theirs));
    size_t i;
    json_t *u;
    json_array_foreach(r->json, i, u)
        assert_null(fix_find_by_str(mt_json_get(u, "users"), "email", MT_ADMIN_EMAIL));
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/units?ids=%lld,%lld", (long long)mine, (long long)team);
    r = mt_get(s, path, okey);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* nor get, change or delete them */
    fix_expect_status(s, "GET", okey, NULL, 404, "/api/v1/units/%lld", (long long)mine);
    r = put_json(s, okey, json_pack("{s:s}", "name", "Stolen"), "units", mine);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", okey, NULL, 404, "/api/v1/units/%lld", (long long)mine);
    fix_expect_status(s, "DELETE", okey, NULL, 404, "/api/v1/units/%lld", (long long)team);

    /* acme's unit is untouched */
    r = mt_getf(s, key, "/api/v1/units/%lld", (long long)mine);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Acme secret unit");
    mt_resp_free(r);

    /* and the other way round */
    r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id_strict(r->json, theirs));
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/units/%lld", (long long)theirs);
    r = put_json(s, key, json_pack("{s:s}", "name", "Stolen"), "units", theirs);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_expect_status(s, "DELETE", key, NULL, 404, "/api/v1/units/%lld", (long long)theirs);
    r = mt_getf(s, okey, "/api/v1/units/%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Other's unit");
    mt_resp_free(r);

    /* the same name may exist in both accounts */
    json_int_t twin = create_unit(s, okey, "Acme secret unit");
    assert_true(twin != mine);
    free(okey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_list),
        cmocka_unit_test(test_units_list_filters_and_pagination),
        cmocka_unit_test(test_units_get),
        cmocka_unit_test(test_units_create),
        cmocka_unit_test(test_units_update),
        cmocka_unit_test(test_units_users_kept_current),
        cmocka_unit_test(test_units_delete),
        cmocka_unit_test(test_units_deleted_id_not_reused),
        cmocka_unit_test(test_units_permissions),
        cmocka_unit_test(test_units_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
