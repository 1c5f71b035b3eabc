/* fixtures — shared helpers of the API tests; see fixtures.h. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lookups in JSON -------------------------------------------------------------------- */

json_t *fix_find_by_id(const json_t *arr, json_int_t id)
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

static void assert_array(const json_t *arr, const char *file, int line)
{
    if (!json_is_array(arr)) {
        char *dump = arr ? json_dumps(arr, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        print_error("%s:%d: expected a JSON array, got %s\n", file, line,
                    dump ? dump : "(nothing)");
        free(dump);
        _fail(file, line);
    }
}

json_t *fix_find_by_id_strict_(const json_t *arr, json_int_t id, const char *file, int line)
{
    assert_array(arr, file, line);
    return fix_find_by_id(arr, id);
}

json_t *fix_find_by_str_(const json_t *arr, const char *key, const char *value, const char *file,
                         int line)
{
    size_t i;
    json_t *v;
    assert_array(arr, file, line);
    json_array_foreach(arr, i, v)
    {
        json_t *jv = json_object_get(v, key);
        if (json_is_string(jv) && strcmp(json_string_value(jv), value) == 0)
            return v;
    }
    return NULL;
}

/* ---- assertions ------------------------------------------------------------------------- */

void fix_assert_422_(const mt_resp *r, const char *field, const char *file, int line)
{
    mt_assert_status_(r, 422, file, line);
    json_t *msg = json_object_get(r->json, "message");
    json_t *errors = json_object_get(r->json, "errors");
    bool ok = json_is_string(msg) && json_is_object(errors) && json_object_size(errors) > 0;
    if (ok && field) {
        json_t *list = json_object_get(errors, field);
        ok = json_is_array(list) && json_array_size(list) > 0 &&
             json_is_string(json_array_get(list, 0));
    }
    if (!ok) {
        print_error("%s:%d: %s %s: expected a 422 body with \"message\" and errors[\"%s\"], got "
                    "%s\n",
                    file, line, r->method, r->path, field ? field : "(any)", r->body);
        _fail(file, line);
    }
}

void fix_assert_error_(const mt_resp *r, long status, const char *file, int line)
{
    mt_assert_status_(r, status, file, line);
    mt_assert_json_type_(r->json, "message", JSON_STRING, file, line);
}

void fix_assert_json_error_(const mt_resp *r, long status, const char *file, int line)
{
    mt_assert_status_(r, status, file, line);
    mt_assert_header_(r, "Content-Type", FIX_JSON_CT, file, line);
    const json_t *msg = json_is_object(r->json) ? json_object_get(r->json, "message") : NULL;
    if (!json_is_string(msg) || json_string_length(msg) == 0) {
        print_error("%s:%d: %s %s: expected a JSON body with a non-empty \"message\", got: %s\n",
                    file, line, r->method, r->path, r->body);
        _fail(file, line);
    }
}

void fix_assert_json_eq_(const json_t *v, const char *expected, const mt_resp *r, const char *file,
                         int line)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    if (!want) {
        print_error("%s:%d: expected value is not JSON: %s\n", file, line, expected);
        _fail(file, line);
    }
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

void fix_assert_real_eq_(const json_t *root, const char *path, double want, const char *file,
                         int line)
{
    mt_assert_json_type_(root, path, JSON_REAL, file, line);
    double got = mt_json_real_(root, path, file, line);
    if (got < want - 1e-9 || got > want + 1e-9) {
        print_error("%s:%d: %s: expected %g, got %g\n", file, line, path, want, got);
        _fail(file, line);
    }
}

void fix_assert_type_or_null_(const json_t *root, const char *path, json_type type,
                              const char *file, int line)
{
    json_t *v = mt_json_get(root, path);
    if (v && json_is_null(v))
        return;
    mt_assert_json_type_(root, path, type, file, line);
}

static bool has_id(const json_t *arr, json_int_t id)
{
    size_t j;
    json_t *e;
    json_array_foreach(arr, j, e)
    {
        if (json_integer_value(json_object_get(e, "id")) == id)
            return true;
    }
    return false;
}

void fix_assert_list_(mt_server *s, const char *key, const char *path, const json_int_t *want,
                      size_t n, bool ordered, bool check_total, const char *file, int line)
{
    mt_resp *r = mt_get(s, path, key);
    mt_assert_status_(r, 200, file, line);
    bool ok = json_is_array(r->json) && json_array_size(r->json) == n;
    for (size_t i = 0; ok && i < n; i++) {
        if (ordered)
            ok = json_integer_value(json_object_get(json_array_get(r->json, i), "id")) == want[i];
        else
            ok = has_id(r->json, want[i]);
    }
    if (!ok) {
        print_error("%s:%d: GET %s: expected %zu entities (ids", file, line, path, n);
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)want[i]);
        print_error("%s), got %s\n", ordered ? ", in this order" : "", r->body);
        _fail(file, line);
    }
    if (check_total) {
        char total[32];
        snprintf(total, sizeof total, "%zu", n);
        mt_assert_header_(r, "X-Total", total, file, line);
    }
    mt_resp_free(r);
}

const char *fix_assert_link_(const mt_resp *r, bool next, bool prev, const char *file, int line)
{
    const char *link = mt_header(r, "Link");
    if (!link || (strstr(link, "rel=\"next\"") != NULL) != next ||
        (strstr(link, "rel=\"prev\"") != NULL) != prev) {
        print_error("%s:%d: %s %s: expected a Link header %s rel=\"next\" and %s rel=\"prev\", "
                    "got %s\n",
                    file, line, r->method, r->path, next ? "with" : "without",
                    prev ? "with" : "without", link ? link : "(none)");
        _fail(file, line);
    }
    return link;
}

bool fix_list_has_(mt_server *s, const char *path, json_int_t id, const char *file, int line)
{
    mt_resp *r = mt_get(s, path, mt_admin_key(s));
    mt_assert_status_(r, 200, file, line);
    bool found = fix_find_by_id(r->json, id) != NULL;
    mt_resp_free(r);
    return found;
}

/* ---- requests --------------------------------------------------------------------------- */

/* Format a request path into path[1024]; false if it did not fit. */
static bool vformat_path(char path[1024], const char *path_fmt, va_list ap)
{
    int n = vsnprintf(path, 1024, path_fmt, ap);
    return n >= 0 && n < 1024;
}

mt_resp *fix_request_jsonf(mt_server *s, const char *method, const char *key, json_t *body,
                           const char *path_fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, path_fmt);
    vformat_path(path, path_fmt, ap);
    va_end(ap);
    if (!body)
        return mt_request(s, method, path, key, NULL, NULL);
    return mt_request_json(s, method, path, key, body, NULL);
}

void fix_expect_(mt_server *s, const char *method, const char *key, const char *body, long status,
                 enum fix_expect check, const char *field, const char *file, int line,
                 const char *path_fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, path_fmt);
    bool fits = vformat_path(path, path_fmt, ap);
    va_end(ap);
    if (!fits) {
        print_error("%s:%d: path too long: %s\n", file, line, path_fmt);
        _fail(file, line);
    }
    mt_resp *r = mt_request(s, method, path, key, body, NULL);
    if (check == FIX_EXPECT_422)
        fix_assert_422_(r, field, file, line);
    else if (check == FIX_EXPECT_ERROR)
        fix_assert_error_(r, status, file, line);
    else
        mt_assert_status_(r, status, file, line);
    mt_resp_free(r);
}

json_int_t fix_take_id_(mt_resp *r, const char *file, int line)
{
    json_int_t id = mt_json_int_(r->json, "id", file, line);
    mt_resp_free(r);
    return id;
}

/* ---- accounts, keys and units ----------------------------------------------------------- */

/* GET path with key, assert 200 and return the integer at json_path of the reply. */
static json_int_t get_int(mt_server *s, const char *path, const char *key, const char *json_path,
                          const char *file, int line)
{
    mt_resp *r = mt_get(s, path, key);
    mt_assert_status_(r, 200, file, line);
    json_int_t v = mt_json_int_(r->json, json_path, file, line);
    mt_resp_free(r);
    return v;
}

json_int_t fix_session_user_id_(mt_server *s, const char *key, const char *file, int line)
{
    return get_int(s, "/api/v1/session", key, "id", file, line);
}

json_int_t fix_first_unit_id_(mt_server *s, const char *file, int line)
{
    return get_int(s, "/api/v1/units", mt_admin_key(s), "[0].id", file, line);
}

json_int_t fix_team_id_(mt_server *s, const char *file, int line)
{
    mt_resp *r = mt_get(s, "/api/v1/units", mt_admin_key(s));
    mt_assert_status_(r, 200, file, line);
    json_t *unit = fix_find_by_str_(r->json, "name", "Team", file, line);
    if (!unit) {
        print_error("%s:%d: no unit named Team in %s\n", file, line, r->body);
        _fail(file, line);
    }
    json_int_t id = mt_json_int_(unit, "id", file, line);
    mt_resp_free(r);
    return id;
}

static char *g_other_key;
static char *g_read_key;

const char *fix_other_key(mt_server *s)
{
    if (!g_other_key)
        g_other_key = fix_new_other_key(s);
    return g_other_key;
}

const char *fix_read_key(mt_server *s)
{
    if (!g_read_key)
        g_read_key = mt_account_key(s, MT_ACCOUNT, "read");
    return g_read_key;
}

int fix_teardown(void **state)
{
    free(g_other_key);
    free(g_read_key);
    g_other_key = g_read_key = NULL;
    return mt_teardown(state);
}

/* ---- users, companies, custom properties ------------------------------------------------ */

void fix_assert_user_basics_(const json_t *u, const char *file, int line)
{
    mt_assert_keys_(u, FIX_USER_KEYS, file, line);
    mt_assert_json_type_(u, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(u, "tags", JSON_ARRAY, file, line);
    mt_assert_json_type_(u, "custom_properties", JSON_OBJECT, file, line);
    mt_assert_timestamp_(u, "created_at", file, line);
    mt_assert_timestamp_(u, "updated_at", file, line);
}

const char *fix_uniq_email(char *buf, size_t size, const char *prefix)
{
    static int counter;
    snprintf(buf, size, "%s-%d@acme.test", prefix, ++counter);
    return buf;
}

json_t *fix_user_body(const char *first, const char *last, const char *email, json_int_t unit,
                      json_t *extra)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:I}", "firstname", first, "lastname", last, "email",
                             email, "unit_id", unit);
    assert_non_null(body);
    if (extra) {
        json_object_update(body, extra);
        json_decref(extra);
    }
    return body;
}

json_int_t fix_create_user_(mt_server *s, json_t *body, const char *file, int line)
{
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/users", mt_admin_key(s), body, NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

char *fix_login_(mt_server *s, const char *email, const char *password, const char *file, int line)
{
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", password), NULL);
    mt_assert_status_(r, 200, file, line);
    char *key = strdup(mt_json_str_(r->json, "api_key", file, line));
    mt_resp_free(r);
    return key;
}

json_t *fix_company_body(const char *type, const char *name)
{
    json_t *b = json_pack("{s:s, s:s}", "type", type, "name", name);
    if (!strcmp(type, "customer"))
        json_object_set_new(b, "currency", json_string("EUR"));
    return b;
}

json_int_t fix_create_company_as_(mt_server *s, const char *key, const char *type, const char *name,
                                  const char *file, int line)
{
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/companies", key, fix_company_body(type, name), NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

mt_resp *fix_create_custom_property_(mt_server *s, const char *entity, const char *name,
                                     const char *kind, const char *defaults, const char *file,
                                     int line)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "name", name, "kind", kind, "entity", entity);
    if (defaults)
        json_object_set_new(b, "defaults", json_loads(defaults, 0, NULL));
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/account/custom_properties", mt_admin_key(s), b, NULL);
    mt_assert_status_(r, 200, file, line);
    return r;
}
