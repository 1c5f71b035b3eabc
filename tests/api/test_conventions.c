/*
 * API conventions every resource follows (docs/api-conventions.md): the .json suffix, content
 * types, error statuses and bodies, pagination, sorting, global filters, timestamps and rate
 * limiting. /users and /units serve as the example resources.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JSON_CT "application/json; charset=utf-8"
#define N_USERS 7

/* Last names of the users the group fixture creates; with the admin ("Admin") they sort as
 * Admin, Alpha, Bravo, Charlie, Delta, Echo, Foxtrot, Golf. */
static const char *const lastnames[N_USERS] = {"Delta",   "Alpha",   "Golf", "Bravo",
                                               "Foxtrot", "Charlie", "Echo"};
static const char *const sorted_lastnames[N_USERS + 1] = {"Admin", "Alpha", "Bravo",   "Charlie",
                                                          "Delta", "Echo",  "Foxtrot", "Golf"};

struct fixture {
    mt_server *s;
    json_int_t unit_id;
    json_int_t admin_id;
    json_int_t user_ids[N_USERS];
};

/* ---- helpers ---------------------------------------------------------------------------- */

/* Fail unless a 422 body is {message, errors} and errors[field] is a non-empty list of
 * non-empty strings. */
#define ASSERT_FIELD_ERROR(r, field) assert_field_error_((r), (field), __FILE__, __LINE__)
static void assert_field_error_(const mt_resp *r, const char *field, const char *file, int line)
{
    fix_assert_json_error_(r, 422, file, line);
    const json_t *errors = json_object_get(r->json, "errors");
    const json_t *list = json_is_object(errors) ? json_object_get(errors, field) : NULL;
    bool ok = json_is_array(list) && json_array_size(list) > 0;
    for (size_t i = 0; ok && i < json_array_size(list); i++) {
        const json_t *p = json_array_get(list, i);
        ok = json_is_string(p) && json_string_length(p) > 0;
    }
    if (!ok) {
        print_error("%s %s: expected errors.%s to be a non-empty list of strings, got: %s\n",
                    r->method, r->path, field, r->body);
        _fail(file, line);
    }
}

/* The URL of the Link header entry with rel="<rel>" (malloc'd), NULL if there is none. */
static char *link_url(const mt_resp *r, const char *rel)
{
    const char *h = mt_header(r, "Link");
    if (!h)
        return NULL;
    char want[64];
    snprintf(want, sizeof want, "rel=\"%s\"", rel);
    const char *p = h;
    while ((p = strchr(p, '<')) != NULL) {
        const char *end = strchr(p, '>');
        if (!end)
            return NULL;
        const char *next = strchr(end, '<');
        size_t params_len = next ? (size_t)(next - end) : strlen(end);
        char *params = strndup(end, params_len);
        bool match = strstr(params, want) != NULL;
        free(params);
        if (match)
            return strndup(p + 1, (size_t)(end - p - 1));
        p = end;
    }
    return NULL;
}

/* Does the query string of url hold exactly this "name=value" parameter? */
static bool url_has_param(const char *url, const char *param)
{
    const char *q = strchr(url, '?');
    if (!q)
        return false;
    size_t n = strlen(param);
    for (const char *p = q + 1; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (!strncmp(p, param, n) && (p[n] == '&' || p[n] == '\0'))
            return true;
    return false;
}

static long header_long(const mt_resp *r, const char *name)
{
    const char *v = mt_header(r, name);
    if (!v) {
        print_error("%s %s: header %s is missing\n", r->method, r->path, name);
        fail();
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end) {
        print_error("%s %s: header %s is not an integer: \"%s\"\n", r->method, r->path, name, v);
        fail();
    }
    return n;
}

/* Assert a list response: 200, JSON array of `len` entries and the three paging headers. */
#define ASSERT_PAGE(r, len, page, per_page, total)                                                 \
    assert_page_((r), (len), (page), (per_page), (total), __FILE__, __LINE__)
static void assert_page_(const mt_resp *r, size_t len, int page, int per_page, int total,
                         const char *file, int line)
{
    mt_assert_status_(r, 200, file, line);
    mt_assert_header_(r, "Content-Type", JSON_CT, file, line);
    if (!json_is_array(r->json) || json_array_size(r->json) != len) {
        print_error("%s %s: expected a JSON array of %zu entries, got: %s\n", r->method, r->path,
                    len, r->body);
        _fail(file, line);
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%d", page);
    mt_assert_header_(r, "X-Page", buf, file, line);
    snprintf(buf, sizeof buf, "%d", per_page);
    mt_assert_header_(r, "X-Per-Page", buf, file, line);
    snprintf(buf, sizeof buf, "%d", total);
    mt_assert_header_(r, "X-Total", buf, file, line);
}

static bool json_array_has_id(const json_t *arr, json_int_t id)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_integer_value(json_object_get(json_array_get(arr, i), "id")) == id)
            return true;
    return false;
}

/* ---- group fixture ---------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->s = mt_start(NULL);
    const char *key = mt_admin_key(f->s);

    f->unit_id = fix_first_unit_id(f->s);
    f->admin_id = fix_session_user_id(f->s, key);

    for (int i = 0; i < N_USERS; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"firstname\":\"User%d\",\"lastname\":\"%s\",\"email\":\"user%d@acme.test\","
                 "\"unit_id\":%lld}",
                 i, lastnames[i], i, (long long)f->unit_id);
        f->user_ids[i] = mt_create(f->s, "/api/v1/users", key, body);
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    if (f) {
        mt_stop(f->s);
        free(f);
    }
    return 0;
}

/* ---- requests and responses ------------------------------------------------------------- */

static void test_json_suffix(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *plain = mt_get(f->s, "/api/v1/users", key);
    mt_resp *suffixed = mt_get(f->s, "/api/v1/users.json", key);
    ASSERT_PAGE(plain, N_USERS + 1, 1, 100, N_USERS + 1);
    ASSERT_PAGE(suffixed, N_USERS + 1, 1, 100, N_USERS + 1);
    assert_true(json_equal(plain->json, suffixed->json));
    mt_resp_free(plain);
    mt_resp_free(suffixed);

    mt_resp *r = mt_getf(f->s, key, "/api/v1/users/%lld.json", (long long)f->user_ids[0]);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    MT_ASSERT_JSON_INT(r->json, "id", f->user_ids[0]);
    MT_ASSERT_JSON_STR(r->json, "lastname", lastnames[0]);
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/session.json", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->admin_id);
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/users/roles.json", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_true(mt_json_len(r->json, "") > 0);
    mt_resp_free(r);

    /* writes answer with the suffix too */
    r = mt_requestf(f->s, "PUT", key, "{\"name\":\"Team\"}", "/api/v1/units/%lld.json",
                    (long long)f->unit_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->unit_id);
    MT_ASSERT_JSON_STR(r->json, "name", "Team");
    mt_resp_free(r);
}

static void test_content_type_of_responses(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* list, single entity, session */
    mt_resp *r = mt_get(f->s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    mt_resp_free(r);
    r = mt_getf(f->s, key, "/api/v1/units/%lld", (long long)f->unit_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_OBJECT);
    mt_resp_free(r);

    /* create answers 200 with the entity (decided), the request may carry a charset */
    const char *const utf8[] = {"Content-Type: application/json; charset=utf-8", NULL};
    r = mt_request(f->s, "POST", "/api/v1/units", key, "{\"name\":\"Content types\"}", utf8);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    MT_ASSERT_JSON_STR(r->json, "name", "Content types");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* update answers 200 with the entity */
    r = mt_requestf(f->s, "PUT", key, "{\"name\":\"Content types 2\"}", "/api/v1/units/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", JSON_CT);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Content types 2");
    mt_resp_free(r);

    /* delete answers 204 without a body */
    r = mt_deletef(f->s, key, "/api/v1/units/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(f->s, key, "/api/v1/units/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);

    /* errors are JSON too */
    r = mt_get(f->s, "/api/v1/users", NULL);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
}

static void test_415_wrong_content_type(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    const char *const text[] = {"Content-Type: text/plain", NULL};
    mt_resp *r = mt_request(f->s, "POST", "/api/v1/units", key, "{\"name\":\"Plain\"}", text);
    fix_assert_json_error(r, 415);
    mt_resp_free(r);

    const char *const form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    r = mt_request(f->s, "POST", "/api/v1/units", key, "name=Form", form);
    fix_assert_json_error(r, 415);
    mt_resp_free(r);

    const char *const none[] = {"Content-Type:", NULL};
    r = mt_request(f->s, "POST", "/api/v1/units", key, "{\"name\":\"None\"}", none);
    fix_assert_json_error(r, 415);
    mt_resp_free(r);

    const char *const text_put[] = {"Content-Type: text/plain; charset=utf-8", NULL};
    char path[64];
    snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)f->unit_id);
    r = mt_request(f->s, "PUT", path, key, "{\"name\":\"Plain\"}", text_put);
    fix_assert_json_error(r, 415);
    mt_resp_free(r);

    /* nothing was created or changed */
    r = mt_get(f->s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 0; i < json_array_size(r->json); i++) {
        const char *name = mt_json_str(json_array_get(r->json, i), "name");
        assert_string_not_equal(name, "Plain");
        assert_string_not_equal(name, "Form");
        assert_string_not_equal(name, "None");
    }
    mt_resp_free(r);
}

static void test_400_malformed_json(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);
    static const char *const bad[] = {"{\"name\":", "{\"name\": \"x\",}", "{name: \"x\"}",
                                      "not json at all", "{\"name\":\"x\"} trailing"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r = mt_post(f->s, "/api/v1/units", key, bad[i]);
        fix_assert_json_error(r, 400);
        mt_resp_free(r);
    }
    /* well-formed JSON that is not an object is no valid body either (400 or 422; the
     * conventions only say bodies are objects) */
    static const char *const not_objects[] = {"[1]", "[]", "\"Team\"", "null", "42"};
    for (size_t i = 0; i < sizeof not_objects / sizeof not_objects[0]; i++) {
        mt_resp *r = mt_post(f->s, "/api/v1/units", key, not_objects[i]);
        if (r->status != 400 && r->status != 422) {
            print_error("POST /api/v1/units with body %s: expected 400 or 422, got %ld: %s\n",
                        not_objects[i], r->status, r->body);
            fail();
        }
        fix_assert_json_error(r, r->status);
        mt_resp_free(r);
    }
    mt_resp *r =
        mt_requestf(f->s, "PATCH", key, "{\"name\":", "/api/v1/units/%lld", (long long)f->unit_id);
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
    r = mt_post(f->s, "/api/v1/session", NULL, "{\"email\":");
    fix_assert_json_error(r, 400);
    mt_resp_free(r);
}

static void test_413_body_too_large(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);
    const size_t limit = 10u * 1024u * 1024u;

    /* 10 MiB + 1 byte: {"name":"aaa...a"} */
    size_t len = limit + 1;
    char *body = malloc(len + 1);
    memset(body, 'a', len);
    memcpy(body, "{\"name\":\"", 9);
    memcpy(body + len - 2, "\"}", 2);
    body[len] = '\0';
    mt_resp *r = mt_request_len(f->s, "POST", "/api/v1/units", key, body, len, NULL);
    fix_assert_json_error(r, 413);
    mt_resp_free(r);

    /* exactly 10 MiB is not too large: the name is just too long (422) */
    len = limit;
    memset(body, 'a', len);
    memcpy(body, "{\"name\":\"", 9);
    memcpy(body + len - 2, "\"}", 2);
    body[len] = '\0';
    r = mt_request_len(f->s, "POST", "/api/v1/units", key, body, len, NULL);
    ASSERT_FIELD_ERROR(r, "name");
    mt_resp_free(r);
    free(body);

    /* the connection and the server are fine afterwards */
    fix_expect_status(f->s, "GET", key, NULL, 200, "/api/v1/session");
}

static void test_404_unknown_path_and_id(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    static const char *const paths[] = {"/api/v1/no_such_thing", "/api/v1/users/1/nothing",
                                        "/api/v2/users", "/nothing", "/api/v1/units/abc"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        mt_resp *r = mt_get(f->s, paths[i], key);
        fix_assert_json_error(r, 404);
        mt_resp_free(r);
    }

    mt_resp *r = mt_get(f->s, "/api/v1/users/999999", key);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users/999999.json", key);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_put(f->s, "/api/v1/users/999999", key, "{\"lastname\":\"Nobody\"}");
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_patch(f->s, "/api/v1/units/999999", key, "{\"name\":\"Nobody\"}");
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_delete(f->s, "/api/v1/units/999999", key);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void assert_allow_lists(const mt_resp *r, const char *const *methods, size_t n)
{
    const char *allow = mt_header(r, "Allow");
    assert_non_null(allow);
    size_t listed = 0;
    char *copy = strdup(allow), *save = NULL;
    for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        bool expected = false;
        for (size_t i = 0; i < n; i++)
            expected = expected || !strcmp(tok, methods[i]);
        if (!expected) {
            print_error("unexpected method %s in Allow: %s\n", tok, allow);
            fail();
        }
        listed++;
    }
    free(copy);
    if (listed != n) {
        print_error("Allow: %s, expected %zu methods\n", allow, n);
        fail();
    }
}

static void test_405_method_not_allowed(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = mt_patch(f->s, "/api/v1/session", key, "{}");
    fix_assert_json_error(r, 405);
    static const char *const session_methods[] = {"GET", "POST"};
    assert_allow_lists(r, session_methods, 2);
    mt_resp_free(r);

    r = mt_delete(f->s, "/api/v1/users/roles", key);
    fix_assert_json_error(r, 405);
    static const char *const roles_methods[] = {"GET"};
    assert_allow_lists(r, roles_methods, 1);
    mt_resp_free(r);

    r = mt_delete(f->s, "/api/v1/users/roles.json", key);
    fix_assert_json_error(r, 405);
    assert_allow_lists(r, roles_methods, 1);
    mt_resp_free(r);

    /* a collection: GET and POST */
    r = mt_delete(f->s, "/api/v1/units", key);
    fix_assert_json_error(r, 405);
    static const char *const coll_methods[] = {"GET", "POST"};
    assert_allow_lists(r, coll_methods, 2);
    mt_resp_free(r);

    /* a member: GET, PUT, PATCH, DELETE */
    r = mt_requestf(f->s, "POST", key, "{}", "/api/v1/units/%lld", (long long)f->unit_id);
    fix_assert_json_error(r, 405);
    static const char *const member_methods[] = {"GET", "PUT", "PATCH", "DELETE"};
    assert_allow_lists(r, member_methods, 4);
    mt_resp_free(r);

    /* the roles are still there */
    r = mt_get(f->s, "/api/v1/users/roles", key);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_len(r->json, "") >= 1);
    mt_resp_free(r);
}

static void test_422_body_shape(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* missing firstname only: errors names exactly that field */
    char body[256];
    snprintf(body, sizeof body,
             "{\"lastname\":\"Nofirst\",\"email\":\"nofirst@acme.test\",\"unit_id\":%lld}",
             (long long)f->unit_id);
    mt_resp *r = mt_post(f->s, "/api/v1/users", key, body);
    ASSERT_FIELD_ERROR(r, "firstname");
    mt_assert_keys(r->json, "message, errors");
    mt_assert_keys(mt_json_get(r->json, "errors"), "firstname");
    mt_resp_free(r);

    /* everything missing: every required input field is named */
    r = mt_post(f->s, "/api/v1/users", key, "{}");
    ASSERT_FIELD_ERROR(r, "firstname");
    ASSERT_FIELD_ERROR(r, "lastname");
    ASSERT_FIELD_ERROR(r, "email");
    ASSERT_FIELD_ERROR(r, "unit_id");
    mt_assert_keys(r->json, "message, errors");
    mt_resp_free(r);

    /* a unit that does not exist is named by its input field */
    r = mt_post(f->s, "/api/v1/users", key,
                "{\"firstname\":\"A\",\"lastname\":\"B\",\"email\":\"ab@acme.test\","
                "\"unit_id\":999999}");
    ASSERT_FIELD_ERROR(r, "unit_id");
    mt_resp_free(r);

    /* an email already taken */
    snprintf(body, sizeof body,
             "{\"firstname\":\"A\",\"lastname\":\"B\",\"email\":\"USER0@acme.test\","
             "\"unit_id\":%lld}",
             (long long)f->unit_id);
    r = mt_post(f->s, "/api/v1/users", key, body);
    ASSERT_FIELD_ERROR(r, "email");
    mt_resp_free(r);

    /* on update too */
    r = mt_requestf(f->s, "PUT", key, "{\"firstname\":\"\"}", "/api/v1/users/%lld",
                    (long long)f->user_ids[0]);
    ASSERT_FIELD_ERROR(r, "firstname");
    mt_resp_free(r);

    /* nothing was created: still 8 users */
    r = mt_get(f->s, "/api/v1/users", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 100, N_USERS + 1);
    mt_resp_free(r);
}

/* ---- lists: pagination ------------------------------------------------------------------ */

static void test_pagination_headers_and_links(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);
    json_int_t seen[N_USERS + 1];
    size_t nseen = 0;

    /* page 1 */
    mt_resp *r = mt_get(f->s, "/api/v1/users?per_page=3&sort_by=lastname", key);
    ASSERT_PAGE(r, 3, 1, 3, N_USERS + 1);
    char *next = link_url(r, "next");
    char *prev = link_url(r, "prev");
    assert_non_null(next);
    assert_null(prev);
    /* absolute, same endpoint, other parameters kept */
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/api/v1/users?", mt_base_url(f->s));
    if (strncmp(next, prefix, strlen(prefix)) != 0) {
        print_error("next link %s does not start with %s\n", next, prefix);
        fail();
    }
    assert_true(url_has_param(next, "page=2"));
    assert_true(url_has_param(next, "per_page=3"));
    assert_true(url_has_param(next, "sort_by=lastname"));
    for (size_t i = 0; i < 3; i++) {
        MT_ASSERT_JSON_STR(json_array_get(r->json, i), "lastname", sorted_lastnames[i]);
        seen[nseen++] = mt_json_int(json_array_get(r->json, i), "id");
    }
    mt_resp_free(r);

    /* page 2, by following the link */
    r = mt_get(f->s, next, key);
    free(next);
    ASSERT_PAGE(r, 3, 2, 3, N_USERS + 1);
    next = link_url(r, "next");
    prev = link_url(r, "prev");
    assert_non_null(next);
    assert_non_null(prev);
    assert_true(url_has_param(next, "page=3"));
    assert_true(url_has_param(next, "per_page=3"));
    assert_true(url_has_param(next, "sort_by=lastname"));
    assert_true(url_has_param(prev, "page=1"));
    assert_true(url_has_param(prev, "per_page=3"));
    assert_true(url_has_param(prev, "sort_by=lastname"));
    assert_int_equal(strncmp(prev, prefix, strlen(prefix)), 0);
    for (size_t i = 0; i < 3; i++) {
        MT_ASSERT_JSON_STR(json_array_get(r->json, i), "lastname", sorted_lastnames[3 + i]);
        seen[nseen++] = mt_json_int(json_array_get(r->json, i), "id");
    }
    mt_resp_free(r);
    free(prev);

    /* page 3: the last, no next */
    r = mt_get(f->s, next, key);
    free(next);
    ASSERT_PAGE(r, 2, 3, 3, N_USERS + 1);
    next = link_url(r, "next");
    prev = link_url(r, "prev");
    assert_null(next);
    assert_non_null(prev);
    assert_true(url_has_param(prev, "page=2"));
    assert_true(url_has_param(prev, "sort_by=lastname"));
    for (size_t i = 0; i < 2; i++) {
        MT_ASSERT_JSON_STR(json_array_get(r->json, i), "lastname", sorted_lastnames[6 + i]);
        seen[nseen++] = mt_json_int(json_array_get(r->json, i), "id");
    }
    mt_resp_free(r);

    /* following prev from page 3 gives page 2 again */
    r = mt_get(f->s, prev, key);
    free(prev);
    ASSERT_PAGE(r, 3, 2, 3, N_USERS + 1);
    MT_ASSERT_JSON_STR(r->json, "[0].lastname", sorted_lastnames[3]);
    mt_resp_free(r);

    /* the pages cover every user exactly once */
    assert_int_equal(nseen, N_USERS + 1);
    for (size_t i = 0; i < nseen; i++)
        for (size_t j = i + 1; j < nseen; j++)
            assert_int_not_equal(seen[i], seen[j]);

    /* the .json suffix is kept in the links */
    r = mt_get(f->s, "/api/v1/users.json?per_page=3", key);
    ASSERT_PAGE(r, 3, 1, 3, N_USERS + 1);
    next = link_url(r, "next");
    assert_non_null(next);
    snprintf(prefix, sizeof prefix, "%s/api/v1/users.json?", mt_base_url(f->s));
    assert_int_equal(strncmp(next, prefix, strlen(prefix)), 0);
    free(next);
    mt_resp_free(r);

    /* the whole list on one page: no Link at all */
    r = mt_get(f->s, "/api/v1/users", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 100, N_USERS + 1);
    assert_null(link_url(r, "next"));
    assert_null(link_url(r, "prev"));
    mt_resp_free(r);
}

static void test_pagination_link_keeps_encoded_params(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* sort_by with a blank travels encoded and still works when the link is followed */
    mt_resp *r = mt_get(f->s, "/api/v1/users?sort_by=lastname%20desc&per_page=4", key);
    ASSERT_PAGE(r, 4, 1, 4, N_USERS + 1);
    MT_ASSERT_JSON_STR(r->json, "[0].lastname", sorted_lastnames[N_USERS]);
    char *next = link_url(r, "next");
    assert_non_null(next);
    assert_true(url_has_param(next, "page=2"));
    assert_non_null(strstr(next, "sort_by=lastname"));
    mt_resp_free(r);

    r = mt_get(f->s, next, key);
    free(next);
    ASSERT_PAGE(r, 4, 2, 4, N_USERS + 1);
    for (size_t i = 0; i < 4; i++)
        MT_ASSERT_JSON_STR(json_array_get(r->json, i), "lastname", sorted_lastnames[3 - i]);
    assert_null(link_url(r, "next"));
    mt_resp_free(r);
}

static void test_pagination_limits(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* defaults */
    mt_resp *r = mt_get(f->s, "/api/v1/users", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 100, N_USERS + 1);
    mt_resp_free(r);

    /* per_page is clamped to 1000 */
    r = mt_get(f->s, "/api/v1/users?per_page=5000", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 1000, N_USERS + 1);
    assert_null(link_url(r, "next"));
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?per_page=1000", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 1000, N_USERS + 1);
    mt_resp_free(r);

    /* beyond the last page: empty, no next */
    r = mt_get(f->s, "/api/v1/users?per_page=3&page=10", key);
    ASSERT_PAGE(r, 0, 10, 3, N_USERS + 1);
    assert_null(link_url(r, "next"));
    mt_resp_free(r);

    /* invalid values */
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"page=0", "page"},          {"page=-1", "page"},          {"page=abc", "page"},
        {"page=1x", "page"},         {"per_page=abc", "per_page"}, {"per_page=0", "per_page"},
        {"per_page=-5", "per_page"}, {"per_page=2.5", "per_page"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/users?%s", bad[i].query);
        r = mt_get(f->s, path, key);
        ASSERT_FIELD_ERROR(r, bad[i].field);
        mt_resp_free(r);
    }
}

/* ---- lists: sorting --------------------------------------------------------------------- */

static void assert_lastnames(const mt_resp *r, bool desc)
{
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), N_USERS + 1);
    for (size_t i = 0; i <= N_USERS; i++) {
        const char *want = sorted_lastnames[desc ? N_USERS - i : i];
        MT_ASSERT_JSON_STR(json_array_get(r->json, i), "lastname", want);
    }
}

static void test_sorting(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = mt_get(f->s, "/api/v1/users?sort_by=lastname", key);
    assert_lastnames(r, false);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?sort_by=lastname%20asc", key);
    assert_lastnames(r, false);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?sort_by=lastname%20desc", key);
    assert_lastnames(r, true);
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?sort_by=lastname+desc", key);
    assert_lastnames(r, true);
    mt_resp_free(r);

    /* id, both ways */
    r = mt_get(f->s, "/api/v1/users?sort_by=id%20desc", key);
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 1; i < json_array_size(r->json); i++)
        assert_true(mt_json_int(json_array_get(r->json, i - 1), "id") >
                    mt_json_int(json_array_get(r->json, i), "id"));
    mt_resp_free(r);
    r = mt_get(f->s, "/api/v1/users?sort_by=id", key);
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 1; i < json_array_size(r->json); i++)
        assert_true(mt_json_int(json_array_get(r->json, i - 1), "id") <
                    mt_json_int(json_array_get(r->json, i), "id"));
    mt_resp_free(r);

    /* created_at and updated_at are always sortable */
    r = mt_get(f->s, "/api/v1/users?sort_by=created_at%20desc", key);
    MT_ASSERT_STATUS(r, 200);
    for (size_t i = 1; i < json_array_size(r->json); i++)
        assert_true(strcmp(mt_json_str(json_array_get(r->json, i - 1), "created_at"),
                           mt_json_str(json_array_get(r->json, i), "created_at")) >= 0);
    mt_resp_free(r);
    fix_expect_status(f->s, "GET", key, NULL, 200, "/api/v1/users?sort_by=updated_at");

    /* an unknown field: 422 naming the sortable fields */
    r = mt_get(f->s, "/api/v1/users?sort_by=mobile_phone", key);
    ASSERT_FIELD_ERROR(r, "sort_by");
    const char *msg = mt_json_str(r->json, "message");
    static const char *const sortable[] = {"id", "created_at", "updated_at", "firstname",
                                           "lastname"};
    for (size_t i = 0; i < sizeof sortable / sizeof sortable[0]; i++)
        if (!strstr(msg, sortable[i])) {
            print_error("sort_by message does not name %s: %s\n", sortable[i], msg);
            fail();
        }
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/users?sort_by=nonsense", key);
    ASSERT_FIELD_ERROR(r, "sort_by");
    assert_non_null(strstr(mt_json_str(r->json, "message"), "lastname"));
    mt_resp_free(r);

    /* a bad direction */
    r = mt_get(f->s, "/api/v1/users?sort_by=lastname%20sideways", key);
    ASSERT_FIELD_ERROR(r, "sort_by");
    mt_resp_free(r);
}

/* ---- lists: global filters -------------------------------------------------------------- */

static void test_filter_ids(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);
    char path[256];

    snprintf(path, sizeof path, "/api/v1/users?ids=%lld,%lld", (long long)f->user_ids[1],
             (long long)f->user_ids[4]);
    mt_resp *r = mt_get(f->s, path, key);
    ASSERT_PAGE(r, 2, 1, 100, 2);
    assert_true(json_array_has_id(r->json, f->user_ids[1]));
    assert_true(json_array_has_id(r->json, f->user_ids[4]));
    mt_resp_free(r);

    /* a single id, and ids that do not exist are simply not found */
    snprintf(path, sizeof path, "/api/v1/users?ids=%lld,999999", (long long)f->user_ids[2]);
    r = mt_get(f->s, path, key);
    ASSERT_PAGE(r, 1, 1, 100, 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", f->user_ids[2]);
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/users?ids=999998,999999", key);
    ASSERT_PAGE(r, 0, 1, 100, 0);
    mt_resp_free(r);

    /* combined with paging */
    snprintf(path, sizeof path, "/api/v1/users?ids=%lld,%lld,%lld&per_page=2",
             (long long)f->user_ids[0], (long long)f->user_ids[1], (long long)f->user_ids[2]);
    r = mt_get(f->s, path, key);
    ASSERT_PAGE(r, 2, 1, 2, 3);
    char *next = link_url(r, "next");
    assert_non_null(next);
    assert_true(url_has_param(next, "page=2"));
    assert_non_null(strstr(next, "ids="));
    mt_resp_free(r);
    r = mt_get(f->s, next, key);
    free(next);
    ASSERT_PAGE(r, 1, 2, 2, 3);
    mt_resp_free(r);

    /* not a list of integers */
    r = mt_get(f->s, "/api/v1/users?ids=abc", key);
    ASSERT_FIELD_ERROR(r, "ids");
    mt_resp_free(r);
}

static void test_filter_updated_after(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = mt_get(f->s, "/api/v1/users?updated_after=2000-01-01T00:00:00Z", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 100, N_USERS + 1);
    mt_resp_free(r);

    r = mt_get(f->s, "/api/v1/users?updated_after=2999-01-01T00:00:00Z", key);
    ASSERT_PAGE(r, 0, 1, 100, 0);
    mt_resp_free(r);

    /* with an offset (the '+' encoded) */
    r = mt_get(f->s, "/api/v1/users?updated_after=2000-01-01T00:00:00%2B02:00", key);
    ASSERT_PAGE(r, N_USERS + 1, 1, 100, N_USERS + 1);
    mt_resp_free(r);

    /* strictly after: the newest updated_at itself matches nothing */
    r = mt_get(f->s, "/api/v1/users?sort_by=updated_at%20desc", key);
    MT_ASSERT_STATUS(r, 200);
    char *newest = strdup(mt_json_str(r->json, "[0].updated_at"));
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/users?updated_after=%s", newest);
    free(newest);
    r = mt_get(f->s, path, key);
    ASSERT_PAGE(r, 0, 1, 100, 0);
    mt_resp_free(r);

    /* combined with ids */
    snprintf(path, sizeof path, "/api/v1/users?updated_after=2000-01-01T00:00:00Z&ids=%lld",
             (long long)f->user_ids[3]);
    r = mt_get(f->s, path, key);
    ASSERT_PAGE(r, 1, 1, 100, 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", f->user_ids[3]);
    mt_resp_free(r);

    static const char *const bad[] = {"yesterday", "2020-13-01T00:00:00Z", "2020-01-01T25:00:00Z",
                                      "12345"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/api/v1/users?updated_after=%s", bad[i]);
        r = mt_get(f->s, path, key);
        ASSERT_FIELD_ERROR(r, "updated_after");
        mt_resp_free(r);
    }
}

/* ---- entities --------------------------------------------------------------------------- */

static void test_timestamps(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    mt_resp *r = mt_getf(f->s, key, "/api/v1/users/%lld", (long long)f->user_ids[0]);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    MT_ASSERT_TIMESTAMP(r->json, "updated_at");
    mt_resp_free(r);

    static const char *const lists[] = {"/api/v1/users", "/api/v1/units", "/api/v1/users/roles"};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        r = mt_get(f->s, lists[k], key);
        MT_ASSERT_STATUS(r, 200);
        assert_true(json_array_size(r->json) > 0);
        for (size_t i = 0; i < json_array_size(r->json); i++) {
            MT_ASSERT_TIMESTAMP(json_array_get(r->json, i), "created_at");
            MT_ASSERT_TIMESTAMP(json_array_get(r->json, i), "updated_at");
        }
        mt_resp_free(r);
    }

    /* a new entity: timestamps of now (UTC), updated_at moves on update */
    time_t before = time(NULL);
    r = mt_post(f->s, "/api/v1/units", key, "{\"name\":\"Timestamps\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    MT_ASSERT_TIMESTAMP(r->json, "updated_at");
    json_int_t id = mt_json_int(r->json, "id");
    char *created = strdup(mt_json_str(r->json, "created_at"));
    char earliest[32], latest[32];
    time_t lo = before - 2, hi = time(NULL) + 2;
    strftime(earliest, sizeof earliest, "%Y-%m-%dT%H:%M:%SZ", gmtime(&lo));
    strftime(latest, sizeof latest, "%Y-%m-%dT%H:%M:%SZ", gmtime(&hi));
    assert_true(strcmp(created, earliest) >= 0);
    assert_true(strcmp(created, latest) <= 0);
    MT_ASSERT_JSON_STR(r->json, "updated_at", created);
    mt_resp_free(r);

    sleep(1);
    r = mt_requestf(f->s, "PATCH", key, "{\"name\":\"Timestamps 2\"}", "/api/v1/units/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "created_at", created);
    MT_ASSERT_TIMESTAMP(r->json, "updated_at");
    assert_true(strcmp(mt_json_str(r->json, "updated_at"), created) > 0);
    mt_resp_free(r);
    free(created);

    fix_expect_status(f->s, "DELETE", key, NULL, 204, "/api/v1/units/%lld", (long long)id);
}

static void test_body_coercion_and_partial_update(void **state)
{
    struct fixture *f = *state;
    const char *key = mt_admin_key(f->s);

    /* unknown keys are ignored; integers as digit strings, booleans as strings */
    char body[512];
    snprintf(body, sizeof body,
             "{\"firstname\":\"Coerce\",\"lastname\":\"Zulu\",\"email\":\"coerce@acme.test\","
             "\"unit_id\":\"%lld\",\"external\":\"true\",\"no_such_field\":42}",
             (long long)f->unit_id);
    mt_resp *r = mt_post(f->s, "/api/v1/users", key, body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "unit.id", f->unit_id);
    MT_ASSERT_JSON_TYPE(r->json, "extern", JSON_TRUE);
    assert_false(mt_json_has(r->json, "no_such_field"));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* PUT changes only the fields sent */
    r = mt_requestf(f->s, "PUT", key, "{\"lastname\":\"Yankee\"}", "/api/v1/users/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Yankee");
    MT_ASSERT_JSON_STR(r->json, "firstname", "Coerce");
    MT_ASSERT_JSON_STR(r->json, "email", "coerce@acme.test");
    MT_ASSERT_JSON_TYPE(r->json, "extern", JSON_TRUE);
    mt_resp_free(r);

    /* PATCH too; "0" is false */
    r = mt_requestf(f->s, "PATCH", key, "{\"external\":\"0\"}", "/api/v1/users/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "extern", JSON_FALSE);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Yankee");
    mt_resp_free(r);

    r = mt_getf(f->s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "firstname", "Coerce");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Yankee");
    MT_ASSERT_JSON_TYPE(r->json, "extern", JSON_FALSE);
    mt_resp_free(r);

    /* a boolean that is none: 422 */
    r = mt_requestf(f->s, "PATCH", key, "{\"external\":\"maybe\"}", "/api/v1/users/%lld",
                    (long long)id);
    ASSERT_FIELD_ERROR(r, "external");
    mt_resp_free(r);

    /* leave the list as it was */
    r = mt_deletef(f->s, key, "/api/v1/users/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(f->s, key, "/api/v1/users/%lld", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* ---- rate limiting (servers of their own) ----------------------------------------------- */

static long assert_429(const mt_resp *r, long max_wait)
{
    fix_assert_json_error(r, 429);
    long wait = header_long(r, "Retry-After");
    if (wait < 1 || wait > max_wait) {
        print_error("Retry-After %ld is not within 1..%ld\n", wait, max_wait);
        fail();
    }
    return wait;
}

static void test_rate_limit_custom(void **state)
{
    (void)state;
    mt_server *s = mt_start("--rate-limit 3/2");
    char *other = mt_account_key(s, MT_ACCOUNT, "full");
    const char *key = mt_admin_key(s);

    for (int i = 0; i < 3; i++) {
        mt_resp *r = mt_get(s, "/api/v1/session", key);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    mt_resp *r = mt_get(s, "/api/v1/users", key);
    long wait = assert_429(r, 2);
    mt_resp_free(r);

    /* writes are limited as well, with the same answer */
    r = mt_post(s, "/api/v1/units", key, "{\"name\":\"Limited\"}");
    assert_429(r, 2);
    mt_resp_free(r);

    /* another key has its own window */
    for (int i = 0; i < 3; i++) {
        fix_expect_status(s, "GET", other, NULL, 200, "/api/v1/users");
    }
    r = mt_get(s, "/api/v1/users", other);
    assert_429(r, 2);
    mt_resp_free(r);

    /* after Retry-After seconds the key works again, with its full quota */
    usleep((useconds_t)(wait * 1000000L + 250000L));
    for (int i = 0; i < 3; i++) {
        fix_expect_status(s, "GET", key, NULL, 200, "/api/v1/session");
    }
    r = mt_get(s, "/api/v1/session", key);
    assert_429(r, 2);
    mt_resp_free(r);

    free(other);
    mt_stop(s);
}

static int rate_group_setup(void **state)
{
    *state = mt_start("--rate-limit 15/15");
    return 0;
}

static void test_rate_limit_default(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    for (int i = 0; i < 15; i++) {
        mt_resp *r = mt_get(s, "/api/v1/session", key);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    mt_resp *r = mt_get(s, "/api/v1/session", key);
    assert_429(r, 15);
    mt_resp_free(r);

    /* 15/15 is also what `serve` documents as its default */
    char *out = NULL;
    mt_cli_try(s, &out, NULL, "serve --help");
    assert_non_null(strstr(out, "15/15"));
    free(out);

    /* another key is not affected */
    char *other = mt_account_key(s, MT_ACCOUNT, "read");
    fix_expect_status(s, "GET", other, NULL, 200, "/api/v1/users");
    free(other);
}

static void test_rate_limit_account_setting(void **state)
{
    mt_server *s = *state;
    char *out = mt_cli(s, "account --account %s --rate-limit 2/60", MT_ACCOUNT);
    free(out);

    /* no restart: the setting applies to the next requests */
    char *key = mt_account_key(s, MT_ACCOUNT, "read");
    for (int i = 0; i < 2; i++) {
        mt_resp *r = mt_get(s, "/api/v1/users", key);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
    }
    mt_resp *r = mt_get(s, "/api/v1/users", key);
    long wait = assert_429(r, 60);
    assert_true(wait > 15); /* the account's 60 s window, not the default 15 s */
    mt_resp_free(r);

    /* another account keeps the server's default */
    char *other = mt_init_account(s, "other", "admin@other.test", "secret-pass-2");
    for (int i = 0; i < 5; i++) {
        fix_expect_status(s, "GET", other, NULL, 200, "/api/v1/users");
    }

    /* back to the default: three requests in a few seconds are fine again */
    out = mt_cli(s, "account --account %s --rate-limit default", MT_ACCOUNT);
    free(out);
    fix_expect_status(s, "GET", key, NULL, 200, "/api/v1/users");

    free(other);
    free(key);
}

static int rate_group_teardown(void **state)
{
    mt_stop(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_suffix),
        cmocka_unit_test(test_content_type_of_responses),
        cmocka_unit_test(test_415_wrong_content_type),
        cmocka_unit_test(test_400_malformed_json),
        cmocka_unit_test(test_413_body_too_large),
        cmocka_unit_test(test_404_unknown_path_and_id),
        cmocka_unit_test(test_405_method_not_allowed),
        cmocka_unit_test(test_422_body_shape),
        cmocka_unit_test(test_pagination_headers_and_links),
        cmocka_unit_test(test_pagination_link_keeps_encoded_params),
        cmocka_unit_test(test_pagination_limits),
        cmocka_unit_test(test_sorting),
        cmocka_unit_test(test_filter_ids),
        cmocka_unit_test(test_filter_updated_after),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_body_coercion_and_partial_update),
    };
    const struct CMUnitTest rate_tests[] = {
        cmocka_unit_test(test_rate_limit_custom),
    };
    const struct CMUnitTest default_rate_tests[] = {
        cmocka_unit_test(test_rate_limit_default),
        cmocka_unit_test(test_rate_limit_account_setting),
    };
    int failed = cmocka_run_group_tests_name("conventions", tests, group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("rate_limit_custom", rate_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("rate_limit_default", default_rate_tests,
                                          rate_group_setup, rate_group_teardown);
    return failed;
}
