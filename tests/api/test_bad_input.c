/*
 * Bad input on every route: derived from the declarations (all_resources[] and all_routes[], the
 * way tests/api/test_generic.c and src/server/dispatch.c derive them), every route gets
 *   - bodies that are not JSON at all, JSON that is not an object, unbalanced and deeply nested
 *     JSON, NUL bytes (raw and \u0000), invalid UTF-8 (stray continuation bytes, overlong forms,
 *     surrogates, a Latin-1 body), a UTF-8 byte order mark, UTF-16, numbers beyond any range;
 *   - creates and updates: for every input field of the declaration, values of the wrong type
 *     (objects and arrays for scalars, text for numbers, booleans and references, numbers for
 *     text), huge strings, huge and fractional numbers, impossible dates and timestamps;
 *   - lists: odd query strings (pagination, sort_by, ids, custom_properties[...], date ranges);
 *   - odd headers: a Content-Type that is not JSON, odd Accept values, very long header values.
 * Every answer must be below 500, valid (UTF-8) JSON, and an object with a "message" when it is
 * an error; and afterwards the data is what it was before: every list and every entity, as the
 * administrator sees them, compares equal to a snapshot taken first (nothing partially written).
 */
#include "declared.h"
#include "fixtures.h"

#include "resources/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RES 64

static mt_server *g_s;
static const char *g_key;
static json_int_t g_admin_id;
static json_int_t g_ids[MAX_RES];
static int g_counter, g_requests;
static int g_by_status[6]; /* answers per hundred: 1xx..5xx */

/* Values the generic body cannot guess (as in test_generic.c). */
static const struct {
    const char *resource, *field, *json;
} overrides[] = {
    {"users", "email", "\"bad-input-%n@example.test\""},
    {"companies", "type", "\"customer\""},
    {"companies", "currency", "\"EUR\""},
    {"deals", "currency", "\"EUR\""},
    {"projects", "currency", "\"EUR\""},
    {"web_hooks", "target", "\"Company\""},
    {"web_hooks", "event", "\"create\""},
    {"web_hooks", "hook", "\"http://127.0.0.1:9/bad-input\""},
    {"comments", "commentable_type", "\"Project\""},
    {"project_contracts", "user_id", "@admin"},
    {"comments", "commentable_id", "@projects"},
    {"schedules", "absence_code", "4"},
    {"planning_entries", "project_id", "@projects"},
    {"planning_entries", "hours_per_day", "6.5"},
    {"presences", "from", "\"08:00\""},
    {"employments", "pattern", "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,0]}"},
    {"invoice_payments", "invoice_id", "@invoices"},
    {"invoice_reminders", "invoice_id", "@invoices"},
    {"invoice_attachments", "attachment", "{\"filename\":\"a.pdf\",\"base64\":\"JVBERi0xLjQK\"}"},
    {"invoices", "tax", "19.0"},
    {"invoices", "currency", "\"EUR\""},
    {"invoices", "customer_id", "@companies"},
    {"invoices", "items",
     "[{\"type\":\"item\",\"title\":\"Work\",\"quantity\":2,\"unit_price\":50}]"},
    {"offers", "tax", "19.0"},
    {"offers", "currency", "\"EUR\""},
    {"offers", "project_id", "@projects"},
    {"offers", "items",
     "[{\"type\":\"item\",\"title\":\"Work\",\"quantity\":2,\"unit_price\":50}]"},
    {"offer_attachments", "attachment", "{\"filename\":\"a.pdf\",\"base64\":\"JVBERi0xLjQK\"}"},
    {"receipts", "currency", "\"EUR\""},
    {"receipts", "items", "[{\"gross_total\":12.5}]"},
    {"expense_templates", "currency", "\"EUR\""},
    {"fixed_costs", "costs", "[{\"year\":2020,\"month\":1,\"amount\":1.0}]"},
    {"purchases", "currency", "\"EUR\""},
    {"purchases", "items", "[{\"title\":\"Ticket\",\"total\":30,\"tax\":19}]"},
    {"purchase_payments", "purchase_id", "@purchases"},
    {"purchase_budget_settings", "year", "2024"},
    {NULL, NULL, NULL},
};

static const char *override_of(const char *res, const char *field)
{
    for (int i = 0; overrides[i].resource; i++)
        if (!strcmp(overrides[i].resource, res) && !strcmp(overrides[i].field, field))
            return overrides[i].json;
    return NULL;
}

static int res_index(const struct resource *res)
{
    for (int i = 0; all_resources[i]; i++)
        if (all_resources[i] == res)
            return i;
    fail_msg("resource %s is not in all_resources[]", res->name);
    return -1;
}

static json_int_t ensure_entity(const struct resource *res);

static json_int_t ancestor_of(const struct resource *res, void *ctx)
{
    (void)ctx;
    return ensure_entity(res);
}

static const char *base_path(const struct resource *res)
{
    return declared_path(res, ancestor_of, NULL);
}

static json_t *value_for(const struct resource *res, const struct field *f)
{
    const char *o = override_of(res->name, declared_input_key(f));
    int n = ++g_counter;
    if (o) {
        if (!strcmp(o, "@admin"))
            return json_integer(g_admin_id);
        if (o[0] == '@') {
            for (int i = 0; all_resources[i]; i++)
                if (!strcmp(all_resources[i]->name, o + 1))
                    return json_integer(ensure_entity(all_resources[i]));
            fail_msg("override %s.%s names no resource", res->name, declared_input_key(f));
        }
        char *text = fix_fmt("%s", o);
        char *pct = strstr(text, "%n");
        if (pct)
            text = fix_fmt("%.*s%d%s", (int)(pct - text), text, n, pct + 2);
        return json_loads(text, JSON_DECODE_ANY, NULL);
    }
    json_t *v = declared_value(
        res, f, n, "b",
        (f->type == FT_REF || f->type == FT_IDLIST) && f->ref ? ensure_entity(f->ref) : 0);
    if (!v)
        fail_msg("%s.%s: no value for its type; add an override", res->name, f->name);
    return v;
}

static json_t *create_body(const struct resource *res)
{
    json_t *body = json_object();
    for (const struct field *f = res->fields; f->name; f++)
        if ((declared_field_input(f) &&
             ((f->flags & F_REQUIRED) || override_of(res->name, declared_input_key(f)))) ||
            declared_children_given(res, f, override_of(res->name, f->name) != NULL))
            json_object_set_new(body, declared_input_key(f), value_for(res, f));
    return body;
}

static json_int_t ensure_entity(const struct resource *res)
{
    int i = res_index(res);
    if (g_ids[i])
        return g_ids[i];
    if (res->flags & R_SINGLETON)
        fail_msg("%s is a singleton", res->name);
    json_int_t id = 0;
    if (!(res->flags & R_NO_CREATE)) {
        json_t *body = create_body(res);
        mt_resp *r = mt_request_json(g_s, "POST", base_path(res), g_key, body, NULL);
        if ((r->status != 200 && r->status != 201) ||
            !json_is_integer(json_object_get(r->json, "id")))
            fail_msg("cannot create %s: %ld %s", res->name, r->status, r->body);
        id = json_integer_value(json_object_get(r->json, "id"));
        mt_resp_free(r);
    } else if (!(res->flags & R_NO_LIST)) {
        mt_resp *r = mt_get(g_s, base_path(res), g_key);
        json_t *first = json_array_get(r->json, 0);
        id = first ? json_integer_value(json_object_get(first, "id")) : 0;
        mt_resp_free(r);
    }
    g_ids[i] = id; /* 0: none (read-only resources without rows: their entity routes 404) */
    return id;
}

/* ---- the checks of every answer ------------------------------------------------------------ */

static void check_answer(mt_resp *r, const char *what)
{
    g_requests++;
    if (r->status >= 100 && r->status < 600)
        g_by_status[r->status / 100]++;
    if (r->status >= 500 || r->status < 100) {
        print_error("%s: %s %s answered %ld: %.300s\n", what, r->method, r->path, r->status,
                    r->body);
        mt_dump_log(g_s, 10);
        fail();
    }
    if (r->status == 204 && r->body_len == 0)
        return;
    json_error_t err;
    json_t *j = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &err);
    if (!j) {
        print_error("%s: %s %s answered %ld with a body that is not JSON (%s): %.300s\n", what,
                    r->method, r->path, r->status, err.text, r->body);
        fail();
    }
    if (r->status >= 400 && !json_is_string(json_object_get(j, "message"))) {
        print_error("%s: %s %s answered %ld without a message: %.300s\n", what, r->method, r->path,
                    r->status, r->body);
        fail();
    }
    json_decref(j);
}

/* Sends and checks; a refused request must be refused (4xx). */
static void send_bad(const char *method, const char *path, const char *body, size_t len,
                     const char *const *headers, const char *what)
{
    mt_resp *r = mt_request_len(g_s, method, path, g_key, body, len, headers);
    check_answer(r, what);
    if (r->status < 400) {
        print_error("%s: %s %s accepted bad input (%ld): %.200s\nbody: %.200s\n", what, method,
                    path, r->status, r->body, body ? body : "");
        fail();
    }
    mt_resp_free(r);
}

/* ---- the data ------------------------------------------------------------------------------ */

/* Every list and every entity as the administrator sees them. */
static char *snapshot(void)
{
    char *out = fix_fmt("%s", "");
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        const char *path = base_path(res);
        if (res->flags & R_SINGLETON) {
            mt_resp *r = mt_get(g_s, path, g_key);
            out = fix_fmt("%s%s %ld %s\n", out, path, r->status, r->body);
            mt_resp_free(r);
            continue;
        }
        if (!(res->flags & R_NO_LIST)) {
            mt_resp *r = mt_get(g_s, fix_fmt("%s?include_archived=true&per_page=100", path), g_key);
            out = fix_fmt("%s%s %ld %s %s\n", out, path, r->status,
                          mt_header(r, "X-Total") ? mt_header(r, "X-Total") : "", r->body);
            mt_resp_free(r);
        }
        if (!(res->flags & R_NO_GET) && g_ids[i]) {
            mt_resp *r = mt_getf(g_s, g_key, "%s/%lld", path, (long long)g_ids[i]);
            out = fix_fmt("%s%s/%lld %ld %s\n", out, path, (long long)g_ids[i], r->status, r->body);
            mt_resp_free(r);
        }
    }
    return out;
}

/* ---- bad input ------------------------------------------------------------------------------ */

struct blob {
    const char *what;
    const char *data;
    size_t len;
};
#define BLOB(w, s)                                                                                 \
    {                                                                                              \
        w, s, sizeof(s) - 1                                                                        \
    }

/* Bodies that no route may take: not JSON, or not UTF-8, or out of any range. */
static const struct blob unparseable[] = {
    BLOB("not JSON", "hello, world"),
    BLOB("form encoding", "name=x&type=customer"),
    BLOB("truncated object", "{\"name\":\"x\""),
    BLOB("unbalanced", "{\"name\":[1,2}"),
    BLOB("trailing garbage", "{\"name\":\"x\"} {}"),
    BLOB("single quotes", "{'name':'x'}"),
    BLOB("raw NUL", "{\"name\":\"a\0b\"}"),
    BLOB("NUL escape", "{\"name\":\"a\\u0000b\"}"),
    BLOB("NUL after the object", "{}\0{}"),
    BLOB("stray continuation byte", "{\"name\":\"\x80\"}"),
    BLOB("overlong slash", "{\"name\":\"\xc0\xaf\"}"),
    BLOB("UTF-8 surrogate", "{\"name\":\"\xed\xa0\x80\"}"),
    BLOB("lone surrogate escape", "{\"name\":\"\\ud800\"}"),
    BLOB("beyond U+10FFFF", "{\"name\":\"\xf4\x90\x80\x80\"}"),
    BLOB("Latin-1", "{\"name\":\"Caf\xe9\"}"),
    BLOB("invalid UTF-8 in a key", "{\"n\xff\":1}"),
    BLOB("UTF-8 BOM", "\xef\xbb\xbf{\"name\":\"x\"}"),
    BLOB("UTF-16", "\xff\xfe{\0\"\0n\0\"\0:\0\x31\0}\0"),
    BLOB("number beyond double", "{\"name\":1e999}"),
    BLOB("integer beyond int64", "{\"id\":123456789012345678901234567890}"),
    BLOB("duplicate keys", "{\"name\":\"a\",\"name\":\"b\"}"),
    BLOB("NaN", "{\"name\":NaN}"),
    BLOB("comment", "{/* x */}"),
};

static const char *deep_nesting(void)
{
    static char *deep;
    if (!deep) {
        size_t n = 100000;
        deep = malloc(2 * n + 1);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
    }
    return deep;
}

static const char *deep_object(void)
{
    static char *deep;
    if (!deep) {
        size_t n = 20000;
        deep = malloc(n * 6 + 16);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(deep + k, "{\"a\":", 5);
            k += 5;
        }
        deep[k++] = '1';
        memset(deep + k, '}', n);
        k += n;
        deep[k] = '\0';
    }
    return deep;
}

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

/* Bodies no route may take, with the right Content-Type, and good JSON with wrong ones. */
static void unparseable_bodies(const char *method, const char *path, const char *good)
{
    for (size_t i = 0; i < sizeof(unparseable) / sizeof(unparseable[0]); i++)
        send_bad(method, path, unparseable[i].data, unparseable[i].len, json_ct,
                 unparseable[i].what);
    send_bad(method, path, deep_nesting(), strlen(deep_nesting()), json_ct, "deep arrays");
    send_bad(method, path, deep_object(), strlen(deep_object()), json_ct, "deep objects");
    static const char *const bad_types[][2] = {
        {"Content-Type: text/plain", NULL},
        {"Content-Type: application/x-www-form-urlencoded", NULL},
        {"Content-Type: multipart/form-data; boundary=x", NULL},
        {"Content-Type: application/jsonx", NULL},
        {"Content-Type: application/json-patch+json", NULL},
        {"Content-Type: ", NULL},
        {"Content-Type: \xff\xfe", NULL},
    };
    for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
        send_bad(method, path, good, strlen(good), bad_types[i], bad_types[i][0]);
}

/* Values of the wrong type (or out of range) for a field: JSON texts. */
static int wrong_values(const struct field *f, const char **out)
{
    int n = 0;
    static char *huge;
    if (!huge) {
        size_t len = 200000;
        huge = malloc(len + 3);
        huge[0] = '"';
        memset(huge + 1, 'x', len);
        huge[len + 1] = '"';
        huge[len + 2] = '\0';
    }
    switch (f->type) {
    case FT_TEXT:
    case FT_PASSWORD:
        out[n++] = "{}";
        out[n++] = "[\"x\"]";
        out[n++] = "{\"a\":{\"b\":[1]}}";
        out[n++] = huge;
        break;
    case FT_ENUM:
        out[n++] = "\"no such option\"";
        out[n++] = "{}";
        out[n++] = "[]";
        out[n++] = huge;
        break;
    case FT_INT:
    case FT_REF:
        out[n++] = "\"abc\"";
        out[n++] = "\"99999999999999999999\"";
        out[n++] = "1.5";
        out[n++] = "1e300";
        out[n++] = "{}";
        out[n++] = "[1]";
        out[n++] = "true";
        out[n++] = huge;
        if (f->type == FT_REF) {
            out[n++] = "-1";
            out[n++] = "9223372036854775807";
        }
        break;
    case FT_DECIMAL:
    case FT_MONEY:
        out[n++] = "\"abc\"";
        out[n++] = "1e300";
        out[n++] = "\"1e999\"";
        out[n++] = "{}";
        out[n++] = "[1.5]";
        out[n++] = "true";
        break;
    case FT_BOOL:
        out[n++] = "\"maybe\"";
        out[n++] = "{}";
        out[n++] = "[true]";
        out[n++] = "2.5";
        break;
    case FT_DATE:
        out[n++] = "\"2020-02-30\"";
        out[n++] = "\"2020-13-01\"";
        out[n++] = "\"yesterday\"";
        out[n++] = "20200101";
        out[n++] = "{}";
        out[n++] = "[\"2020-01-01\"]";
        break;
    case FT_TIMESTAMP:
        out[n++] = "\"2020-01-01T25:00:00Z\"";
        out[n++] = "\"9999-12-31T23:59:59-01:00\""; /* the year 10000 */
        out[n++] = "\"now\"";
        out[n++] = "1577836800";
        out[n++] = "{}";
        break;
    case FT_IDLIST:
        out[n++] = "[\"1\"]";
        out[n++] = "[-1]";
        out[n++] = "\"1,2\"";
        out[n++] = "[1.5]";
        break;
    case FT_STRLIST:
    case FT_TAGS:
        out[n++] = "\"a,b\"";
        out[n++] = "42";
        out[n++] = "[{}]";
        out[n++] = "[[\"a\"]]";
        out[n++] = "{\"a\":1}";
        break;
    case FT_CUSTOM:
        out[n++] = "\"x\"";
        out[n++] = "[1]";
        out[n++] = "42";
        break;
    case FT_FILE:
        out[n++] = "42";
        out[n++] = "{}";
        out[n++] = "\"%%% not base64 %%%\"";
        break;
    default:
        break;
    }
    return n;
}

/* body with key set to the JSON text value (a new string). */
static char *with_value(json_t *body, const char *key, const char *value)
{
    json_t *b = json_deep_copy(body);
    json_object_del(b, key);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    /* splice the raw text in, so that values jansson would not make (huge numbers) go as sent */
    size_t tl = strlen(text), vl = strlen(value), kl = strlen(key);
    char *out = malloc(tl + vl + kl + 8);
    size_t k = 0;
    out[k++] = '{';
    out[k++] = '"';
    memcpy(out + k, key, kl);
    k += kl;
    out[k++] = '"';
    out[k++] = ':';
    memcpy(out + k, value, vl);
    k += vl;
    if (tl > 2)
        out[k++] = ',';
    memcpy(out + k, text + 1, tl - 1); /* the rest of the object with its closing brace */
    k += tl - 1;
    out[k] = '\0';
    free(text);
    return out;
}

static void wrong_types(const struct resource *res, const char *method, const char *path,
                        json_t *base, bool creating)
{
    for (const struct field *f = res->fields; f->name; f++) {
        if (!declared_field_input(f) || (!creating && (f->flags & F_CREATEONLY)))
            continue;
        const char *vals[16];
        int n = wrong_values(f, vals);
        for (int i = 0; i < n; i++) {
            char *body = with_value(base, declared_input_key(f), vals[i]);
            send_bad(method, path, body, strlen(body), json_ct,
                     fix_fmt("%s.%s = %.40s", res->name, declared_input_key(f), vals[i]));
            free(body);
        }
    }
}

static const char *const odd_queries[] = {
    "page=-1",
    "page=0",
    "page=99999999999999999999",
    "per_page=-5",
    "per_page=99999999999999999999",
    "per_page=abc",
    "sort_by=%27%3BDROP%20TABLE%20users",
    "sort_by=name%20sideways",
    "sort_by=%FF",
    "ids=1,,2",
    "ids=abc",
    "ids=99999999999999999999",
    "ids=-1",
    "custom_properties[%FF]=x",
    "custom_properties[]=1",
    "custom_properties=x",
    "from=2020-02-30",
    "to=yesterday",
    "from=2020-01-01&to=1999-01-01",
    "updated_after=9999-12-31T23:59:59-01:00",
    "updated_after=%00",
    "tags=%FF%FE",
    "term=%ED%A0%80",
    "include_archived=maybe",
    "company_id=abc",
    "user_id=99999999999999999999",
    "date=2020-01-01:2020-13-01",
};

static void odd_lists(const struct resource *res, const char *path)
{
    for (size_t i = 0; i < sizeof(odd_queries) / sizeof(odd_queries[0]); i++) {
        mt_resp *r = mt_get(g_s, fix_fmt("%s?%s", path, odd_queries[i]), g_key);
        check_answer(r, fix_fmt("%s ?%s", res->name, odd_queries[i]));
        mt_resp_free(r);
    }
}

static const char *long_value(size_t n, char c)
{
    char *v = malloc(n + 1);
    memset(v, c, n);
    v[n] = '\0';
    return fix_keep(v);
}

/* Reads with odd Accept values and long header values still answer JSON. */
static void odd_headers(const char *path)
{
    const char *lists[][2] = {
        {"Accept: text/html", NULL},
        {"Accept: application/xml;q=1, */*;q=0", NULL},
        {"Accept: \xff\xfe", NULL},
        {"Accept-Charset: latin1", NULL},
        {fix_fmt("Accept: %s", long_value(6000, 'a')), NULL},
        {fix_fmt("X-IMPERSONATE-USER-ID: %s", long_value(6000, '9')), NULL},
        {"X-IMPERSONATE-USER-ID: 99999999999999999999", NULL},
        {"X-IMPERSONATE-USER-ID: -1", NULL},
        {fix_fmt("Host: %s.mocod.test", long_value(6000, 'h')), NULL},
        {"Host: \xff.mocod.test", NULL},
        {fix_fmt("Authorization: Token token=%s", long_value(6000, 'k')), NULL},
        {"Authorization: Token token=\xff\xfe", NULL},
        {"Authorization: Bearer", NULL},
        {fix_fmt("X-Odd: %s", long_value(6000, 'x')), NULL},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        mt_resp *r = mt_request(g_s, "GET", path, g_key, NULL, lists[i]);
        check_answer(r, fix_fmt("header %.40s", lists[i][0]));
        mt_resp_free(r);
    }
}

/* The taggings, session and other custom routes: {w} is an entity kind, {id} one of its rows. */
static const char *custom_path(const char *pattern)
{
    char *out = fix_fmt("/api/v1/");
    for (const char *p = pattern; *p;) {
        if (!strncmp(p, "{w}", 3)) {
            out = fix_fmt("%sProject", out);
            p += 3;
        } else if (!strncmp(p, "{id}", 4)) {
            out = fix_fmt("%s%lld", out, (long long)ensure_entity(&res_projects));
            p += 4;
        } else {
            out = fix_fmt("%s%c", out, *p++);
        }
    }
    return out;
}

static int setup(void **state)
{
    g_s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    *state = g_s;
    g_key = mt_admin_key(g_s);
    g_admin_id = fix_session_user_id(g_s, g_key);
    for (int i = 0; all_resources[i]; i++)
        if (!(all_resources[i]->flags & R_SINGLETON))
            ensure_entity(all_resources[i]);
    usleep(300 * 1000); /* the first delivery attempt of the hook's events, in the background */
    return 0;
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

static void every_route_refuses_bad_input(void **state)
{
    (void)state;
    char *before = snapshot();
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        const char *path = base_path(res);
        unsigned fl = res->flags;
        json_int_t id = g_ids[i];
        const char *entity = fix_fmt("%s/%lld", path, (long long)(id ? id : 1));
        int before_requests = g_requests;
        if (fl & R_SINGLETON) {
            odd_headers(path);
            continue;
        }
        if (!(fl & R_NO_LIST)) {
            odd_lists(res, path);
            odd_headers(path);
        }
        if (!(fl & R_NO_CREATE)) {
            json_t *base = create_body(res);
            char *good = json_dumps(base, JSON_COMPACT);
            unparseable_bodies("POST", path, good);
            wrong_types(res, "POST", path, base, true);
            free(good);
            json_decref(base);
        }
        if (!(fl & R_NO_UPDATE) && id) {
            json_t *base = json_object();
            unparseable_bodies("PUT", entity, "{}");
            unparseable_bodies("PATCH", entity, "{}");
            wrong_types(res, "PUT", entity, base, false);
            wrong_types(res, "PATCH", entity, base, false);
            json_decref(base);
        }
        if (!(fl & R_NO_DELETE) && id)
            unparseable_bodies("DELETE", entity, "{}");
        if ((fl & R_ARCHIVABLE) == R_ARCHIVABLE && id) {
            unparseable_bodies("PUT", fix_fmt("%s/archive", entity), "{}");
            unparseable_bodies("PUT", fix_fmt("%s/unarchive", entity), "{}");
        }
        for (const struct action *a = res->actions; a && a->name; a++) {
            if (!strcmp(a->method, "GET"))
                continue;
            const char *p = a->flags & A_COLLECTION ? fix_fmt("%s/%s", path, a->name)
                                                    : fix_fmt("%s/%s", entity, a->name);
            unparseable_bodies(a->method, p, "{}");
        }
        print_message("%-24s %5d requests\n", res->name, g_requests - before_requests);
    }
    int before_custom = g_requests;
    for (const struct route_decl *const *l = all_routes; *l; l++)
        for (const struct route_decl *d = *l; d->pattern; d++)
            if (strcmp(d->method, "GET") != 0)
                unparseable_bodies(d->method, custom_path(d->pattern), "{}");
    /* views: each declared parameter refused with a 422 naming it, and no other method */
    for (const struct view *const *l = all_views; *l; l++)
        for (const struct view *v = *l; v->pattern; v++) {
            const char *path = custom_path(v->pattern);
            mt_resp *r = mt_request(g_s, "POST", path, g_key, "{}", NULL);
            check_answer(r, path);
            MT_ASSERT_STATUS(r, 405);
            mt_resp_free(r);
            static const char *const wrong[][2] = {
                {"from", "?from=2026-02-30"}, {"from", "?from=2026-1-1"},
                {"to", "?to=today"},          {"to", "?from=2026-02-02&to=2026-02-01"},
                {"year", "?year=20x6"},       {"year", "?year=1899"},
                {"year", "?year=%2B2026"},    {"active", "?active=yes"},
            };
            static const unsigned wrong_needs[] = {VP_RANGE, VP_RANGE, VP_RANGE, VP_RANGE,
                                                   VP_YEAR,  VP_YEAR,  VP_YEAR,  VP_ACTIVE};
            for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
                if (!(v->params & wrong_needs[i]))
                    continue;
                fix_expect_422(g_s, "GET", g_key, NULL, wrong[i][0], "%s%s", path, wrong[i][1]);
                g_requests++;
            }
            if (v->params & VP_TERM) {
                char term[300];
                memset(term, 'a', 256);
                term[256] = '\0';
                fix_expect_422(g_s, "GET", g_key, NULL, "term", "%s?term=%s", path, term);
                g_requests++;
            }
            if (v->max_days) {
                fix_expect_422(g_s, "GET", g_key, NULL, "to", "%s?from=2025-01-01&to=2026-01-02",
                               path);
                g_requests++;
            }
        }
    unparseable_bodies("POST", "/api/v1/session", "{}");
    static const char *const odd_paths[] = {
        "/api/v1/%FF",          "/api/v1/users/%FF%FE", "/api/v1/users/99999999999999999999",
        "/api/v1/users/-1",     "/api/v1/users/1%00",   "/api/v1/%ED%A0%80/1",
        "/api/v1/users/1/../1", "/api/v1//users//1",    "/api/v1/users.json.json",
        "/files/%FF/x",
    };
    for (size_t i = 0; i < sizeof(odd_paths) / sizeof(odd_paths[0]); i++) {
        mt_resp *r = mt_get(g_s, odd_paths[i], g_key);
        check_answer(r, odd_paths[i]);
        mt_resp_free(r);
    }
    print_message("%-24s %5d requests\n", "custom routes", g_requests - before_custom);

    char *after = snapshot();
    if (strcmp(before, after) != 0) {
        const char *a = before, *b = after;
        while (*a && *a == *b)
            a++, b++;
        while (a > before && a[-1] != '\n')
            a--, b--;
        print_error("the data changed under bad input:\nbefore: %.400s\nafter:  %.400s\n", a, b);
        fail();
    }
    print_message("%d bad requests (%d 2xx reads, %d 4xx), data unchanged (%zu bytes compared)\n",
                  g_requests, g_by_status[2], g_by_status[4], strlen(after));
}

/* Found by fuzz/fuzz_time: a created_at that an offset moves into the year 10000 was stored
 * from an unwritten buffer, and years below 1000 were stored without their leading zeros. */
static void comment_created_at_keeps_four_digit_years(void **state)
{
    (void)state;
    json_int_t project = ensure_entity(&res_projects);
    mt_resp *r = mt_request_json(g_s, "POST", "/api/v1/comments", g_key,
                                 json_pack("{s:s,s:I,s:s,s:s}", "commentable_type", "Project",
                                           "commentable_id", project, "text", "year 10000",
                                           "created_at", "9999-12-31T23:59:59-01:00"),
                                 NULL);
    check_answer(r, "created_at in the year 10000");
    fix_assert_422(r, "created_at");
    mt_resp_free(r);
    r = mt_request_json(g_s, "POST", "/api/v1/comments", g_key,
                        json_pack("{s:s,s:I,s:s,s:s}", "commentable_type", "Project",
                                  "commentable_id", project, "text", "year 999", "created_at",
                                  "0999-06-01T12:00:00+01:00"),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(g_s, g_key, "/api/v1/comments/%lld", (long long)id);
    MT_ASSERT_JSON_STR(r->json, "created_at", "0999-06-01T11:00:00Z");
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_refuses_bad_input),
        cmocka_unit_test(comment_created_at_keeps_four_digit_years),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
