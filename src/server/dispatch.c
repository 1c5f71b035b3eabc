/*
 * From a request to its handler: route table (built once from the declarations), account and
 * key, rate limit, body checks, then the generic engine call or the resource's own action.
 * Nothing here knows HTTP libraries; http.c fills struct req and sends what this leaves in it.
 */
#include "server/dispatch.h"

#include "auth/auth.h"
#include "engine/engine.h"
#include "server/multipart.h"
#include "server/respcache.h"
#include "webhooks/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGS 8

enum route_kind {
    RK_LIST,
    RK_FLAT_LIST, /* a nested resource's rows across parents (.flat_path) */
    RK_CREATE,
    RK_GET,
    RK_UPDATE,
    RK_DELETE,
    RK_SINGLETON,
    RK_ACTION,
    RK_CUSTOM,
    RK_VIEW
};

struct route {
    const char *method;
    const char *segs[MAX_SEGS]; /* literal, "{id}" (an integer) or "{w}" (a word) */
    int nsegs;
    enum route_kind kind;
    const struct resource *res;
    const struct action *act;
    const struct route_decl *decl;
    const struct view *view;
    bool root; /* ROUTE_ROOT: below the server's root, not /api/v1 */
};

static struct route *routes; /* grows with the declarations; built once at start-up */
static int nroutes, cap_routes;

static void add_route(const char *method, const char *pattern, const char *suffix,
                      enum route_kind kind, const struct resource *res, const struct action *act,
                      const struct route_decl *decl)
{
    if (nroutes == cap_routes) {
        int cap = cap_routes ? cap_routes * 2 : 128;
        struct route *grown = realloc(routes, sizeof(*routes) * (size_t)cap);
        if (!grown) {
            fputs("mocod: out of memory for the route table\n", stderr);
            abort();
        }
        routes = grown;
        cap_routes = cap;
    }
    struct route *rt = &routes[nroutes++];
    memset(rt, 0, sizeof(*rt));
    rt->method = method;
    rt->kind = kind;
    rt->res = res;
    rt->act = act;
    rt->decl = decl;
    size_t n = strlen(pattern);
    char *full = malloc(n + (suffix ? strlen(suffix) + 2 : 1));
    memcpy(full, pattern, n + 1);
    if (suffix) {
        full[n] = '/';
        memcpy(full + n + 1, suffix, strlen(suffix) + 1);
    }
    char *save = NULL;
    for (char *tok = strtok_r(full, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
        if (rt->nsegs < MAX_SEGS)
            rt->segs[rt->nsegs++] = tok; /* `full` lives as long as the route table */
}

static void add_actions(const struct resource *res, const struct action *acts)
{
    for (const struct action *a = acts; a && a->name; a++) {
        char *suffix = malloc(strlen(a->name) + 6);
        size_t k = 0;
        if (!(a->flags & A_COLLECTION)) {
            memcpy(suffix, "{id}/", 5);
            k = 5;
        }
        memcpy(suffix + k, a->name, strlen(a->name) + 1);
        add_route(a->method, res->path, suffix, RK_ACTION, res, a, NULL);
        free(suffix);
    }
}

static void add_custom(const struct route_decl *list)
{
    for (const struct route_decl *d = list; d->pattern; d++) {
        add_route(d->method, d->pattern, NULL, RK_CUSTOM, NULL, NULL, d);
        routes[nroutes - 1].root = (d->flags & ROUTE_ROOT) != 0;
    }
}

void dispatch_init(void)
{
    if (nroutes)
        return;
    const struct registry *reg = engine_registry();
    for (const struct resource *const *p = reg->resources; *p; p++) {
        const struct resource *res = *p;
        unsigned fl = res->flags;
        if (fl & R_SINGLETON) {
            add_route("GET", res->path, NULL, RK_SINGLETON, res, NULL, NULL);
            continue;
        }
        if (!(fl & R_NO_LIST))
            add_route("GET", res->path, NULL, RK_LIST, res, NULL, NULL);
        if (res->flat_path)
            add_route("GET", res->flat_path, NULL, RK_FLAT_LIST, res, NULL, NULL);
        if (!(fl & R_NO_CREATE))
            add_route("POST", res->path, NULL, RK_CREATE, res, NULL, NULL);
        if (!(fl & R_NO_GET))
            add_route("GET", res->path, "{id}", RK_GET, res, NULL, NULL);
        if (!(fl & R_NO_UPDATE)) {
            add_route("PUT", res->path, "{id}", RK_UPDATE, res, NULL, NULL);
            add_route("PATCH", res->path, "{id}", RK_UPDATE, res, NULL, NULL);
        }
        if (!(fl & R_NO_DELETE))
            add_route("DELETE", res->path, "{id}", RK_DELETE, res, NULL, NULL);
        add_actions(res, engine_archive_actions(res));
        add_actions(res, res->actions);
    }
    for (const struct route_decl *const *l = reg->routes; *l; l++)
        add_custom(*l);
    for (const struct view *const *l = reg->views; l && *l; l++)
        for (const struct view *v = *l; v->pattern; v++) {
            add_route("GET", v->pattern, NULL, RK_VIEW, NULL, NULL, NULL);
            routes[nroutes - 1].view = v;
        }
    /* auth's own routes follow the same lint as the registry's */
    static const struct resource *const none[] = {NULL};
    static const struct route_decl *const auth_list[] = {auth_routes, NULL};
    const struct registry auth_reg = {none, auth_list};
    char problems[512];
    if (engine_lint(&auth_reg, problems, sizeof(problems))) {
        fprintf(stderr, "mocod: the auth routes are wrong:\n%s", problems);
        abort();
    }
    add_custom(auth_routes);
}

static bool is_integer(const char *s, size_t n)
{
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Splits path into segments (in the arena). */
static int split_path(struct req *r, const char *path, const char **segs, size_t *lens)
{
    int n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        if (n == MAX_SEGS)
            return -1;
        segs[n] = start;
        lens[n] = (size_t)(p - start);
        n++;
    }
    return n;
}

static bool route_matches(struct req *r, const struct route *rt, const char **segs, size_t *lens,
                          int n, bool capture)
{
    if (rt->nsegs != n || rt->root != r->root_path)
        return false;
    int nids = 0, nwords = 0;
    for (int i = 0; i < n; i++) {
        const char *pat = rt->segs[i];
        if (!strcmp(pat, "{id}")) {
            if (!is_integer(segs[i], lens[i]))
                return false;
            if (capture && nids < 4)
                r->ids[nids++] = strtoll(segs[i], NULL, 10);
        } else if (!strcmp(pat, "{w}")) {
            if (capture && nwords < 2)
                r->words[nwords++] = arena_strndup(r->arena, segs[i], lens[i]);
        } else if (strlen(pat) != lens[i] || memcmp(pat, segs[i], lens[i]) != 0) {
            return false;
        }
    }
    if (capture) {
        r->nids = nids;
        r->nwords = nwords;
    }
    return true;
}

static int check_body(struct req *r)
{
    if (r->body_len == 0)
        return 0;
    const char *ct = r->content_type;
    char boundary[80];
    int blen = multipart_boundary(ct, boundary, sizeof boundary);
    if (blen < 0)
        return req_fail(r, 400, NULL,
                        "a multipart/form-data body needs a boundary of 1 to 70 "
                        "characters");
    if (blen > 0) { /* a form: the same object its JSON form would give */
        char problem[256];
        int status = multipart_parse(r->body_raw, r->body_len, boundary, FILE_MAX, &r->body,
                                     problem, sizeof problem);
        return status ? req_fail(r, status, NULL, "%s", problem) : 0;
    }
    size_t n = ct ? strcspn(ct, ";") : 0;
    while (n && ct[n - 1] == ' ')
        n--;
    if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0)
        return req_fail(r, 415, NULL,
                        "send the request body as JSON with Content-Type: "
                        "application/json (or a form as multipart/form-data)");
    json_error_t err;
    r->body = json_loadb(r->body_raw, r->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!r->body)
        return req_fail(r, 400, NULL, "malformed JSON at line %d, column %d: %s", err.line,
                        err.column, err.text);
    return 0;
}

static int run_route(struct req *r, const struct route *rt)
{
    const struct resource *res = rt->res;
    if (res && res->parent && rt->kind != RK_FLAT_LIST) {
        r->nested = res;
        r->parent_id = r->ids[0];
    }
    int64_t id = r->nids ? r->ids[r->nids - 1] : 0; /* the row: the last id of the path */
    switch (rt->kind) {
    case RK_LIST:
    case RK_FLAT_LIST:
        return engine_list(r, res);
    case RK_CREATE:
        return engine_create(r, res);
    case RK_GET:
        return engine_get(r, res, id);
    case RK_UPDATE:
        return engine_update(r, res, id);
    case RK_DELETE:
        return engine_delete(r, res, id);
    case RK_SINGLETON:
        if (!r->user_id)
            return req_fail(r, 404, NULL, "an account API key has no %s; impersonate a user",
                            res->name);
        return engine_get(r, res, r->user_id);
    case RK_ACTION:
        return engine_action(r, res, rt->act, id);
    case RK_CUSTOM:
        return engine_custom(r, rt->decl);
    case RK_VIEW:
        return engine_view(r, rt->view);
    }
    return req_fail(r, 500, NULL, "unknown route kind");
}

static void render_error(struct req *r)
{
    sb_reset(&r->out);
    sb_adds(&r->out, "{\"message\":");
    const char *msg = r->err_message ? r->err_message : "error";
    sb_add_json_str(&r->out, msg, strlen(msg));
    if (r->err_fields) {
        char *errs = json_dumps(r->err_fields, JSON_COMPACT);
        if (errs) {
            sb_adds(&r->out, ",\"errors\":");
            sb_adds(&r->out, errs);
            free(errs);
        }
    } else if (r->err_field) {
        sb_adds(&r->out, ",\"errors\":{");
        sb_add_json_str(&r->out, r->err_field, strlen(r->err_field));
        sb_adds(&r->out, ":[");
        sb_add_json_str(&r->out, msg, strlen(msg));
        sb_adds(&r->out, "]}");
    }
    sb_addc(&r->out, '}');
}

static bool route_is_open(const struct route *rt)
{
    return rt && rt->kind == RK_CUSTOM && rt->decl->area == AREA_PUBLIC;
}

/* The one place where a request's key is checked and counted: account and identity from Host
 * and Authorization, then the rate limit of the key. Needs r->db. */
static int authenticate_and_limit(struct req *r)
{
    if (auth_authenticate(r))
        return -1;
    r->authorized = true;
    int limit =
        r->settings.rate_limit_requests ? r->settings.rate_limit_requests : r->cfg->rate_requests;
    int window =
        r->settings.rate_limit_seconds ? r->settings.rate_limit_seconds : r->cfg->rate_seconds;
    if (r->cfg->rate_requests > 0) {
        int wait = ratelimit_check(r->db, r->key_id, limit, window);
        if (wait) {
            req_add_header(r, "Retry-After", arena_printf(r->arena, "%d", wait));
            return req_fail(r, 429, NULL,
                            "rate limit exceeded: %d requests in %d seconds; retry in %d s", limit,
                            window, wait);
        }
    }
    return 0;
}

/* The route of r's method and path (NULL if none); *path_known tells whether any method has one. */
static const struct route *find_route(struct req *r, const char *path, bool *path_known)
{
    const char *segs[MAX_SEGS];
    size_t lens[MAX_SEGS];
    int n = split_path(r, path, segs, lens);
    const struct route *found = NULL;
    *path_known = false;
    for (int i = 0; n >= 0 && i < nroutes && !found; i++) {
        if (!route_matches(r, &routes[i], segs, lens, n, false))
            continue;
        *path_known = true;
        if (!strcmp(routes[i].method, r->method) ||
            (!strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET")))
            found = &routes[i];
    }
    return found;
}

/* Whether the request is for a page at the server's root (ROUTE_ROOT routes) rather than the API
 * below /api/v1. */
static bool is_root_path(const char *path)
{
    return strncmp(path, "/api/v1", 7) != 0 || (path[7] != '/' && path[7] != '\0');
}

/* The request's path below /api/v1, without a .json suffix (".pdf" or ".xml" of an entity: its
 * action "pdf" or "xml"); NULL (and a 404) when it is not under /api/v1. */
static const char *api_path(struct req *r)
{
    static const char prefix[] = "/api/v1";
    const char *path = r->raw_path;
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
        (path[sizeof(prefix) - 1] != '/' && path[sizeof(prefix) - 1] != '\0')) {
        req_fail(r, 404, NULL, "not found: the API lives under /api/v1");
        return NULL;
    }
    path += sizeof(prefix) - 1;
    size_t len = strlen(path);
    if (len >= 5 && !strcmp(path + len - 5, ".json"))
        return arena_strndup(r->arena, path, len - 5);
    /* "/invoices/12.pdf" (".xml"): the entity's document, routed as its action "pdf" ("xml") */
    if (len > 4 && (!strcmp(path + len - 4, ".pdf") || !strcmp(path + len - 4, ".xml"))) {
        size_t end = len - 4, start = end;
        while (start > 0 && path[start - 1] >= '0' && path[start - 1] <= '9')
            start--;
        if (start < end && start > 0 && path[start - 1] == '/')
            return arena_printf(r->arena, "%.*s/%s", (int)end, path, path + len - 3);
    }
    return path;
}

static int authorize_inner(struct req *r, db *d)
{
    if (!strncmp(r->raw_path, "/files/", 7))
        return 0; /* files are found by their secret token; dispatch() answers */
    r->root_path = is_root_path(r->raw_path);
    const char *path = r->root_path ? r->raw_path : api_path(r);
    if (!path)
        return -1;
    bool path_known;
    const struct route *found = find_route(r, path, &path_known);
    if (!path_known)
        return r->root_path ? req_fail(r, 404, NULL, "not found: the API lives under /api/v1")
                            : req_fail(r, 404, NULL, "no such endpoint: %s", r->raw_path);
    if (found && found->root) {
        r->max_body = ROOT_BODY_MAX; /* a page's form: nobody without a key sends more */
        return 0;
    }
    if (route_is_open(found))
        return 0;
    r->db = db_acquire(d);
    if (!r->db)
        return req_fail(r, 503, NULL, "database unavailable");
    return authenticate_and_limit(r);
}

static int dispatch_inner(struct req *r, db *d)
{
    const char *path = r->raw_path;
    static const char files[] = "/files/";
    if (!strncmp(path, files, sizeof(files) - 1) &&
        (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))) {
        /* /files/{token}/{name}: files kept with entities (avatars), by their secret token */
        const char *token = path + sizeof(files) - 1;
        size_t n = strcspn(token, "/");
        r->db = db_acquire(d);
        if (!r->db)
            return req_fail(r, 503, NULL, "database unavailable");
        return engine_serve_file(r, arena_strndup(r->arena, token, n));
    }
    r->root_path = is_root_path(path);
    path = r->root_path ? path : api_path(r);
    if (!path)
        return -1;
    r->path = path;

    const char *segs[MAX_SEGS];
    size_t lens[MAX_SEGS];
    int n = split_path(r, path, segs, lens);
    const struct route *found = NULL;
    bool path_known = false;
    strbuf allow;
    sb_init(&allow, r->arena, 64);
    for (int i = 0; n >= 0 && i < nroutes; i++) {
        if (!route_matches(r, &routes[i], segs, lens, n, false))
            continue;
        path_known = true;
        if (!strstr(allow.buf, routes[i].method))
            sb_addf(&allow, "%s%s", allow.len ? ", " : "", routes[i].method);
        /* HEAD is GET without a body (the HTTP layer drops the body) */
        if (!found && (!strcmp(routes[i].method, r->method) ||
                       (!strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET"))))
            found = &routes[i];
    }
    if (!path_known)
        return r->root_path ? req_fail(r, 404, NULL, "not found: the API lives under /api/v1")
                            : req_fail(r, 404, NULL, "no such endpoint: %s", r->raw_path);

    r->db = db_acquire(d);
    if (!r->db)
        return req_fail(r, 503, NULL, "database unavailable");
    /* The key is checked and counted before the read's snapshot: a rate limit kept in the
     * database (several processes) counts at once, not when the read ends. The account's data
     * version is read before the snapshot, so the snapshot holds at least that version's data
     * (what the caches key on). */
    if (!route_is_open(found) && !r->authorized && authenticate_and_limit(r))
        return -1;
    /* A read answers from one snapshot: its count and its page agree, and the database takes
     * its read locks once instead of once per statement. */
    if ((!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
        db_begin(r->db, false) != DB_OK)
        return req_fail(r, 503, NULL, "database busy, try again");
    if (!found) {
        req_add_header(r, "Allow", allow.buf);
        return req_fail(r, 405, NULL, "method %s is not allowed here; allowed: %s", r->method,
                        allow.buf);
    }
    route_matches(r, found, segs, lens, n, true);
    if (found->root) { /* a page reads its own body (a form), of at most ROOT_BODY_MAX bytes */
        if (r->body_len > ROOT_BODY_MAX)
            return req_fail(r, 413, NULL, "the request body is larger than %d bytes",
                            ROOT_BODY_MAX);
        return run_route(r, found);
    }
    if (check_body(r))
        return -1;
    bool cacheable = (found->kind == RK_LIST || found->kind == RK_FLAT_LIST ||
                      found->kind == RK_GET || found->kind == RK_SINGLETON) &&
                     (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"));
    if (cacheable && respcache_get(r))
        return 0;
    int rc = run_route(r, found);
    if (rc == 0 && cacheable)
        respcache_put(r);
    return rc;
}

static void finish(struct req *r, db *d, int rc)
{
    if (rc != 0 || r->err_message) {
        if (!r->status || r->status < 400)
            r->status = 500;
        if (r->status >= 500 && r->db) {
            db_rollback(r->db);
        }
        render_error(r);
    }
    if (r->db) {
        db_release(d, r->db);
        r->db = NULL;
    }
    if (r->webhooks_pending && r->status < 400) /* committed: wake the delivery thread */
        webhooks_kick();
    if (r->body) {
        json_decref(r->body);
        r->body = NULL;
    }
    if (r->scratch) {
        json_decref(r->scratch);
        r->scratch = NULL;
    }
    if (r->err_fields) {
        json_decref(r->err_fields);
        r->err_fields = NULL;
    }
}

void dispatch(struct req *r, db *d)
{
    r->status = 0;
    finish(r, d, dispatch_inner(r, d));
}

int dispatch_authorize(struct req *r, db *d)
{
    r->status = 0;
    int rc = authorize_inner(r, d);
    if (rc == 0 && r->err_message)
        rc = -1;
    finish(r, d, rc);
    if (rc == 0)
        r->status = 0;
    return rc;
}
