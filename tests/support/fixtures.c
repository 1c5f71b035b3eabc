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

json_int_t fix_role_id_(mt_server *s, const char *name, const char *file, int line)
{
    mt_resp *r = mt_get(s, "/api/v1/users/roles", mt_admin_key(s));
    mt_assert_status_(r, 200, file, line);
    json_t *role = fix_find_by_str_(r->json, "name", name, file, line);
    if (!role) {
        print_error("%s:%d: no role named %s\n", file, line, name);
        mt_resp_free(r);
        _fail(file, line);
    }
    json_int_t id = json_integer_value(json_object_get(role, "id"));
    mt_resp_free(r);
    return id;
}

json_int_t fix_user_with_role_(mt_server *s, const char *first, const char *role, char **key,
                               const char *file, int line)
{
    char email[96];
    fix_uniq_email(email, sizeof email, "role-user");
    json_t *extra = json_pack("{s:s}", "password", "role-user-pass-1");
    if (role)
        json_object_set_new(extra, "role_id", json_integer(fix_role_id_(s, role, file, line)));
    json_int_t id = fix_create_user_(
        s, fix_user_body(first, "Roled", email, fix_first_unit_id_(s, file, line), extra), file,
        line);
    if (key)
        *key = fix_login_(s, email, "role-user-pass-1", file, line);
    return id;
}

void fix_assert_pdf_(mt_server *s, const char *key, const char *path, const char *const *want,
                     size_t n, const char *file, int line)
{
    mt_resp *r = mt_get(s, path, key);
    mt_assert_status_(r, 200, file, line);
    mt_assert_header_(r, "Content-Type", "application/pdf", file, line);
    if (r->body_len < 1000 || memcmp(r->body, "%PDF-", 5) != 0) {
        print_error("%s:%d: %s is no PDF\n", file, line, path);
        _fail(file, line);
    }
    char *pdf = fix_keep(strdup(fix_fmt("%s/check.pdf", mt_dir(s))));
    char *txt = fix_keep(strdup(fix_fmt("%s/check.txt", mt_dir(s))));
    FILE *f = fopen(pdf, "wb");
    bool written = f && fwrite(r->body, 1, r->body_len, f) == r->body_len;
    if (f)
        fclose(f);
    mt_resp_free(r);
    if (!written || system(fix_fmt("qpdf --check '%s' >/dev/null", pdf)) != 0 ||
        system(fix_fmt("pdfinfo '%s' | grep -q 'Page size:.*(A4)'", pdf)) != 0 ||
        system(fix_fmt("pdftotext '%s' '%s'", pdf, txt)) != 0) {
        print_error("%s:%d: %s: not a valid A4 PDF (qpdf --check, pdfinfo, pdftotext)\n", file,
                    line, path);
        _fail(file, line);
    }
    static char text[65536];
    f = fopen(txt, "r");
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[len] = '\0';
    if (f)
        fclose(f);
    for (size_t i = 0; i < n; i++) {
        bool absent = want[i][0] == '!';
        if ((strstr(text, want[i] + absent) != NULL) == absent) {
            print_error("%s:%d: the PDF's text %s \"%s\":\n%s\n", file, line,
                        absent ? "has" : "lacks", want[i] + absent, text);
            _fail(file, line);
        }
    }
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

/* ---- generic checks and strings of the project tests ------------------------------------ */

void fix_assert_422_fields_(const mt_resp *r, const char *fields, const char *file, int line)
{
    mt_assert_status_(r, 422, file, line);
    json_t *errors = json_object_get(r->json, "errors");
    if (!json_is_string(json_object_get(r->json, "message")) || !json_is_object(errors)) {
        print_error("%s:%d: %s %s: expected a 422 body with message and errors, got %s\n", file,
                    line, r->method, r->path, r->body);
        _fail(file, line);
    }
    char *copy = strdup(fields);
    char *save = NULL;
    for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        json_t *list = json_object_get(errors, f);
        if (!json_is_array(list) || json_array_size(list) == 0 ||
            !json_is_string(json_array_get(list, 0))) {
            print_error("%s:%d: %s %s: expected errors[\"%s\"], got %s\n", file, line, r->method,
                        r->path, f, r->body);
            free(copy);
            _fail(file, line);
        }
    }
    free(copy);
}

void fix_assert_json_equal_(const json_t *a, const json_t *b, const char *file, int line)
{
    if (!a || !b || !json_equal((json_t *)a, (json_t *)b)) {
        char *x = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        char *y = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        print_error("%s:%d: JSON differs:\n  %s\n  %s\n", file, line, x ? x : "(nothing)",
                    y ? y : "(nothing)");
        free(x);
        free(y);
        _fail(file, line);
    }
}

void fix_assert_number_(const json_t *root, const char *path, double want, const char *file,
                        int line)
{
    double got = mt_json_real_(root, path, file, line);
    if (got != want) {
        print_error("%s:%d: %s: expected %g, got %g\n", file, line, path, want, got);
        _fail(file, line);
    }
}

static char **g_strings;
static size_t g_nstrings, g_capstrings;

char *fix_keep(char *p)
{
    assert_non_null(p);
    if (g_nstrings == g_capstrings) {
        g_capstrings = g_capstrings ? 2 * g_capstrings : 64;
        g_strings = realloc(g_strings, g_capstrings * sizeof *g_strings);
        assert_non_null(g_strings);
    }
    g_strings[g_nstrings++] = p;
    return p;
}

json_t *fix_body_merge_(json_t *body, const char *items, const char *extra, const char *file,
                        int line)
{
    json_error_t err;
    if (!body)
        _fail(file, line);
    if (items) {
        json_t *list = json_loads(items, 0, &err);
        if (!list || !json_is_array(list)) {
            print_error("%s:%d: items are no JSON array (%s): %s\n", file, line, err.text, items);
            _fail(file, line);
        }
        json_object_set_new(body, "items", list);
    }
    if (extra) {
        json_t *more = json_loads(fix_fmt("{%s}", extra), 0, &err);
        if (!more) {
            print_error("%s:%d: extra members are no JSON (%s): %s\n", file, line, err.text, extra);
            _fail(file, line);
        }
        json_object_update(body, more);
        json_decref(more);
    }
    return body;
}

char *fix_fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *out = malloc((size_t)n + 1);
    assert_non_null(out);
    va_start(ap, f);
    vsnprintf(out, (size_t)n + 1, f, ap);
    va_end(ap);
    return fix_keep(out);
}

void fix_free_strings(void)
{
    for (size_t i = 0; i < g_nstrings; i++)
        free(g_strings[i]);
    free(g_strings);
    g_strings = NULL;
    g_nstrings = g_capstrings = 0;
}

/* ---- projects, tasks, contracts, deals, contacts ---------------------------------------- */

json_int_t fix_first_id_(mt_server *s, const char *key, const char *path, const char *file,
                         int line)
{
    return get_int(s, path, key, "[0].id", file, line);
}

json_int_t fix_create_user_as_(mt_server *s, const char *key, const char *first, const char *last,
                               const char *email, const char *password, const char *file, int line)
{
    json_int_t unit = fix_first_id_(s, key, "/api/v1/units", file, line);
    json_t *b = fix_user_body(first, last, email, unit, NULL);
    if (password)
        json_object_set_new(b, "password", json_string(password));
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/users", key, b, NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

json_int_t fix_create_deal_(mt_server *s, const char *key, const char *name, json_int_t user,
                            const char *file, int line)
{
    json_int_t category = fix_first_id_(s, key, "/api/v1/deal_categories", file, line);
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/deals", key,
                        json_pack("{s:s, s:s, s:f, s:s, s:I, s:I}", "name", name, "currency", "EUR",
                                  "money", 1000.0, "reminder_date", "2030-01-01", "user_id", user,
                                  "deal_category_id", category),
                        NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

json_int_t fix_create_contact_(mt_server *s, const char *key, const char *first, const char *last,
                               const char *file, int line)
{
    mt_resp *r = mt_request_json(
        s, "POST", "/api/v1/contacts/people", key,
        json_pack("{s:s, s:s, s:s}", "firstname", first, "lastname", last, "gender", "F"), NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

json_t *fix_project_body(const char *name, const char *identifier, json_int_t leader,
                         json_int_t customer)
{
    json_t *b =
        json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name", name, "currency", "EUR", "leader_id",
                  leader, "customer_id", customer, "fixed_price", 0, "retainer", 0);
    assert_non_null(b);
    if (identifier)
        json_object_set_new(b, "identifier", json_string(identifier));
    return b;
}

json_int_t fix_create_project_as_(mt_server *s, const char *key, const char *name,
                                  const char *identifier, json_int_t leader, json_int_t customer,
                                  const char *file, int line)
{
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/projects", key,
                                 fix_project_body(name, identifier, leader, customer), NULL);
    mt_assert_status_(r, 200, file, line);
    return fix_take_id_(r, file, line);
}

json_int_t fix_create_nested_(mt_server *s, const char *key, json_int_t pid, const char *kind,
                              json_t *body, bool check_shape, const char *file, int line)
{
    mt_resp *r =
        fix_request_jsonf(s, "POST", key, body, "/api/v1/projects/%lld/%s", (long long)pid, kind);
    mt_assert_status_(r, 200, file, line);
    if (check_shape && !strcmp(kind, "tasks"))
        fix_assert_task_shape_(r->json, file, line);
    else if (check_shape)
        fix_assert_contract_shape_(r->json, file, line);
    return fix_take_id_(r, file, line);
}

void fix_assert_person_(const json_t *root, const char *path, const char *file, int line)
{
    json_t *v = mt_json_get(root, path);
    mt_assert_keys_(v, FIX_PERSON_KEYS, file, line);
    mt_assert_json_type_(v, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(v, "firstname", JSON_STRING, file, line);
    mt_assert_json_type_(v, "lastname", JSON_STRING, file, line);
}

void fix_assert_person_or_null_(const json_t *root, const char *path, const char *file, int line)
{
    if (!json_is_null(mt_json_get(root, path)))
        fix_assert_person_(root, path, file, line);
    else
        mt_assert_json_type_(root, path, JSON_NULL, file, line);
}

void fix_assert_id_name_or_null_(const json_t *root, const char *path, const char *file, int line)
{
    json_t *v = mt_json_get(root, path);
    if (v && json_is_null(v))
        return;
    mt_assert_keys_(v, FIX_ID_NAME_KEYS, file, line);
    mt_assert_json_type_(v, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(v, "name", JSON_STRING, file, line);
}

void fix_assert_project_shape_(const json_t *p, const char *file, int line)
{
    mt_assert_keys_(p, FIX_PROJECT_KEYS, file, line);
    mt_assert_json_type_(p, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(p, "identifier", JSON_STRING, file, line);
    mt_assert_json_type_(p, "name", JSON_STRING, file, line);
    mt_assert_json_type_(p, "active", MT_JSON_BOOL, file, line);
    mt_assert_json_type_(p, "billable", MT_JSON_BOOL, file, line);
    mt_assert_json_type_(p, "fixed_price", MT_JSON_BOOL, file, line);
    mt_assert_json_type_(p, "retainer", MT_JSON_BOOL, file, line);
    const char *dates[] = {"start_date", "finish_date"};
    for (int i = 0; i < 2; i++)
        if (!json_is_null(mt_json_get(p, dates[i])))
            mt_assert_date_(p, dates[i], file, line);
    mt_assert_json_type_(p, "color", JSON_STRING, file, line);
    mt_assert_json_type_(p, "currency", JSON_STRING, file, line);
    mt_assert_json_type_(p, "billing_variant", JSON_STRING, file, line);
    mt_assert_json_type_(p, "billing_address", JSON_STRING, file, line);
    fix_assert_type_or_null_(p, "billing_email_to", JSON_STRING, file, line);
    fix_assert_type_or_null_(p, "billing_email_cc", JSON_STRING, file, line);
    mt_assert_json_type_(p, "billing_notes", JSON_STRING, file, line);
    mt_assert_json_type_(p, "setting_include_time_report", MT_JSON_BOOL, file, line);
    fix_assert_type_or_null_(p, "budget", MT_JSON_NUMBER, file, line);
    fix_assert_type_or_null_(p, "budget_monthly", MT_JSON_NUMBER, file, line);
    fix_assert_type_or_null_(p, "budget_expenses", MT_JSON_NUMBER, file, line);
    mt_assert_json_type_(p, "hourly_rate", MT_JSON_NUMBER, file, line);
    mt_assert_json_type_(p, "info", JSON_STRING, file, line);
    mt_assert_json_type_(p, "tags", JSON_ARRAY, file, line);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(p, "tags"), i, e)
    {
        if (!json_is_string(e)) {
            print_error("%s:%d: tags[%zu] is not a string\n", file, line, i);
            _fail(file, line);
        }
    }
    fix_assert_type_or_null_(p, "customer_report_url", JSON_STRING, file, line);
    mt_assert_json_type_(p, "custom_properties", JSON_OBJECT, file, line);
    fix_assert_person_(p, "leader", file, line);
    fix_assert_person_or_null_(p, "co_leader", file, line);
    mt_assert_json_type_(p, "customer", JSON_OBJECT, file, line);
    fix_assert_id_name_or_null_(p, "customer", file, line);
    fix_assert_id_name_or_null_(p, "deal", file, line);
    mt_assert_json_type_(p, "tasks", JSON_ARRAY, file, line);
    json_array_foreach(json_object_get(p, "tasks"), i, e)
    {
        mt_assert_keys_(e, FIX_EMBEDDED_TASK_KEYS, file, line);
        mt_assert_json_type_(e, "id", JSON_INTEGER, file, line);
        mt_assert_json_type_(e, "name", JSON_STRING, file, line);
        mt_assert_json_type_(e, "billable", MT_JSON_BOOL, file, line);
        mt_assert_json_type_(e, "active", MT_JSON_BOOL, file, line);
        fix_assert_type_or_null_(e, "budget", MT_JSON_NUMBER, file, line);
        mt_assert_json_type_(e, "hourly_rate", MT_JSON_NUMBER, file, line);
        mt_assert_json_type_(e, "description", JSON_STRING, file, line);
    }
    mt_assert_json_type_(p, "contracts", JSON_ARRAY, file, line);
    json_array_foreach(json_object_get(p, "contracts"), i, e)
    {
        mt_assert_keys_(e, FIX_EMBEDDED_CONTRACT_KEYS, file, line);
        mt_assert_json_type_(e, "id", JSON_INTEGER, file, line);
        mt_assert_json_type_(e, "user_id", JSON_INTEGER, file, line);
        mt_assert_json_type_(e, "firstname", JSON_STRING, file, line);
        mt_assert_json_type_(e, "lastname", JSON_STRING, file, line);
        mt_assert_json_type_(e, "billable", MT_JSON_BOOL, file, line);
        mt_assert_json_type_(e, "active", MT_JSON_BOOL, file, line);
        fix_assert_type_or_null_(e, "budget", MT_JSON_NUMBER, file, line);
        mt_assert_json_type_(e, "hourly_rate", MT_JSON_NUMBER, file, line);
    }
    fix_assert_id_name_or_null_(p, "project_group", file, line);
    fix_assert_person_or_null_(p, "billing_contact", file, line);
    fix_assert_person_or_null_(p, "contact", file, line);
    fix_assert_person_or_null_(p, "secondary_contact", file, line);
    mt_assert_timestamp_(p, "created_at", file, line);
    mt_assert_timestamp_(p, "updated_at", file, line);
}

void fix_assert_task_shape_(const json_t *t, const char *file, int line)
{
    mt_assert_keys_(t, FIX_TASK_KEYS, file, line);
    mt_assert_json_type_(t, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(t, "name", JSON_STRING, file, line);
    mt_assert_json_type_(t, "billable", MT_JSON_BOOL, file, line);
    mt_assert_json_type_(t, "active", MT_JSON_BOOL, file, line);
    fix_assert_type_or_null_(t, "budget", MT_JSON_NUMBER, file, line);
    mt_assert_json_type_(t, "hourly_rate", MT_JSON_NUMBER, file, line);
    json_t *rc = json_object_get(t, "revenue_category");
    if (!json_is_null(rc)) {
        mt_assert_keys_(rc, FIX_REVENUE_CATEGORY_KEYS, file, line);
        mt_assert_json_type_(rc, "id", JSON_INTEGER, file, line);
        mt_assert_json_type_(rc, "name", JSON_STRING, file, line);
    }
    mt_assert_json_type_(t, "description", JSON_STRING, file, line);
    mt_assert_timestamp_(t, "created_at", file, line);
    mt_assert_timestamp_(t, "updated_at", file, line);
}

void fix_assert_contract_shape_(const json_t *c, const char *file, int line)
{
    mt_assert_keys_(c, FIX_CONTRACT_KEYS, file, line);
    mt_assert_json_type_(c, "id", JSON_INTEGER, file, line);
    mt_assert_json_type_(c, "user_id", JSON_INTEGER, file, line);
    mt_assert_json_type_(c, "firstname", JSON_STRING, file, line);
    mt_assert_json_type_(c, "lastname", JSON_STRING, file, line);
    mt_assert_json_type_(c, "billable", MT_JSON_BOOL, file, line);
    mt_assert_json_type_(c, "active", MT_JSON_BOOL, file, line);
    fix_assert_type_or_null_(c, "budget", MT_JSON_NUMBER, file, line);
    mt_assert_json_type_(c, "hourly_rate", MT_JSON_NUMBER, file, line);
    mt_assert_timestamp_(c, "created_at", file, line);
    mt_assert_timestamp_(c, "updated_at", file, line);
}
