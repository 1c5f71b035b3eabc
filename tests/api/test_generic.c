/*
 * Generic API tests derived from the resource declarations (src/resources/registry.c).
 *
 * For every resource of all_resources[] this program derives its routes the way
 * src/server/dispatch.c does (R_NO_* flags, R_SINGLETON, R_ARCHIVABLE, actions, nested paths),
 * creates an entity from the declaration (required fields with values of their type, required
 * references pointing to entities made first) in two accounts, and checks on every route:
 *   - no Authorization: 401 with a JSON "message";
 *   - an account read-only key: reads 200, writes 403 and nothing changed;
 *   - impersonation by a non-Staff user (role Employee): 403;
 *   - a user whose role has no right in any area ("Nobody") gets 403 on the reads of a resource
 *     whose read_area is not AREA_ANY and on the writes of one whose write_area is not AREA_ANY;
 *     a user of the "Read-only" role may read everything and write only where the area is
 *     AREA_ANY; AREA_ANY routes are open to any user;
 *   - tenant isolation: account B's entity through account A's key is 404 on every entity route
 *     (and B's parent on nested collection routes), and a create/update in A that references
 *     (FT_REF input) an entity of B is 422 naming the input;
 *   - JSON keys: one entity renders exactly the declared keys (id first, created_at/updated_at
 *     last, groups as nested objects, F_ADMIN_ONLY for administrators only, .when conditions,
 *     F_LIST_HIDDEN left out of lists) with JSON types matching the field types.
 *
 * A new resource gets all this by being declared. If the generic body cannot create it (a rule
 * of its own needs a special value) or it cannot be created through the API and has no rows, the
 * test fails and asks for an entry in `overrides` below.
 *
 * GET actions need read permission of the resource's read_area, every other action write
 * permission of its write_area, like the CRUD routes.
 */
#include "declared.h"
#include "fixtures.h"

#include "resources/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RES    64
#define MAX_ROUTES 32

/* ---- per-resource overrides ------------------------------------------------------------- */

/*
 * Values the generic body cannot guess. `json` is JSON text; "%n" in it is replaced by a number
 * unique in this process, and "@RESOURCE" (the whole value) by the id of an entity of that
 * resource in the same account. field NULL and `trigger` set: the resource is not created through
 * the API; its rows appear after an entity of `trigger` is created (in the same account).
 */
struct override {
    const char *resource;
    const char *field; /* the input key */
    const char *json;
    const char *trigger;
    const char *requires; /* field NULL: an entity of this resource is made first (a rule of
                             the resource needs it) */
};

static const struct override overrides[] = {
    {"users", "email", "\"generic-%n@example.test\""},
    {"companies", "type", "\"customer\""}, /* a customer, so that .when type=customer applies */
    {"companies", "currency", "\"EUR\""},  /* customers need a currency */
    {"deals", "currency", "\"EUR\""},
    {"projects", "currency", "\"EUR\""},
    {"web_hooks", "target", "\"Company\""}, /* so that creating a company makes deliveries */
    {"web_hooks", "event", "\"create\""},
    {"web_hooks", "hook", "\"http://127.0.0.1:9/generic\""},
    {"comments", "commentable_type", "\"Project\""},
    /* a new project has its leader (the generic user) on its staff already */
    {"project_contracts", "user_id", "@admin"},
    {"comments", "commentable_id", "@projects"},
    {"web_hook_deliveries", NULL, NULL, "companies"}, /* rows are made by events of the hook */
    {"mails", "to", "[\"generic-%n@example.test\"]"}, /* a list of mail addresses */
    /* time is tracked by the administrator, who must be on the project's staff */
    {"activities", NULL, NULL, NULL, "project_contracts"},
    {"invoice_payments", "invoice_id", "@invoices"},
    {"invoice_reminders", "invoice_id", "@invoices"},
    {"invoice_attachments", "attachment", "{\"filename\":\"a.pdf\",\"base64\":\"JVBERi0xLjQK\"}"},
    {"invoices", "tax", "19.0"},
    {"invoices", "currency", "\"EUR\""},
    {"invoices", "customer_id", "@companies"}, /* the customer of the generic project */
    /* items come with their invoice (F_WITH_PARENT) */
    {"invoices", "items",
     "[{\"type\":\"item\",\"title\":\"Work\",\"quantity\":2,"
     "\"unit_price\":50}]"},
    {"invoice_items", NULL, NULL, "invoices"},       /* made by creating an invoice */
    {"schedules", "absence_code", "4"},              /* a holiday: codes are 1..5 */
    {"planning_entries", "project_id", "@projects"}, /* a project or a deal */
    {"planning_entries", "hours_per_day", "6.5"},    /* at most 24 */
    {"presences", "from", "\"08:00\""},              /* "HH:MM" */
    {"employments", "pattern", "{\"am\":[4,4,4,4,4],\"pm\":[4,4,4,4,0]}"},
    /* an offer on the generic project (its customer is the offer's company), with an item;
     * offer items are made by creating an offer */
    {"offers", "tax", "19.0"},
    {"offers", "currency", "\"EUR\""},
    {"offers", "project_id", "@projects"},
    {"offers", "items",
     "[{\"type\":\"item\",\"title\":\"Work\",\"quantity\":2,\"unit_price\":50}]"},
    {"offer_items", NULL, NULL, "offers"},
    /* GET /projects/expenses lists the project expenses of every project */
    /* a PDF ("%PDF-1.4") */
    {"offer_attachments", "attachment", "{\"filename\":\"a.pdf\",\"base64\":\"JVBERi0xLjQK\"}"},
    /* receipts come with their positions (F_WITH_PARENT); a position without vat_code_id gets
     * the account's first purchase VAT code */
    {"receipts", "currency", "\"EUR\""},
    {"receipts", "items", "[{\"gross_total\":12.5}]"},
    {"receipt_items", NULL, NULL, "receipts"},
    {"expense_templates", "currency", "\"EUR\""},
    {"fixed_costs", "costs", "[{\"year\":2020,\"month\":1,\"amount\":100000.0}]"},
    {"fixed_cost_amounts", NULL, NULL, "fixed_costs"}, /* made by creating a fixed cost */
    /* a purchase with an item (F_WITH_PARENT); its items are made by creating it */
    {"purchases", "currency", "\"EUR\""},
    {"purchases", "items", "[{\"title\":\"Ticket\",\"total\":30,\"tax\":19}]"},
    {"purchase_items", NULL, NULL, "purchases"},
    {"purchase_payments", "purchase_id", "@purchases"},
    {"purchase_budget_settings", "year", "2024"},
    {NULL},
};

static const struct override *override_of(const char *res, const char *field)
{
    for (const struct override *o = overrides; o->resource; o++)
        if (!strcmp(o->resource, res) &&
            ((field && o->field && !strcmp(field, o->field)) || (!field && !o->field)))
            return o;
    return NULL;
}

/* ---- the world: server, accounts, keys ---------------------------------------------------- */

struct account {
    const char *name;
    const char *admin_key;
    json_int_t admin_id;
    json_int_t ids[MAX_RES]; /* the entity of each resource in this account, 0 if none yet */
};

static mt_server *g_s;
static struct account g_a, g_b;
static const char *g_read_key;     /* account read-only key of A */
static const char *g_readonly_key; /* user of A with role "Read-only" */
static const char *g_nobody_key;   /* user of A with a role without any right */
static const char *g_employee_key; /* user of A with role "Employee" (not Staff) */
static int g_counter;

static int res_index(const struct resource *res)
{
    for (int i = 0; all_resources[i]; i++)
        if (all_resources[i] == res)
            return i;
    fail_msg("resource %s is not in all_resources[]", res->name);
    return -1;
}

static bool is_ok(long status)
{
    return status == 200 || status == 201;
}

static bool field_rendered(const struct field *f)
{
    return !(f->flags & (F_WRITEONLY | F_INTERNAL | F_TRANSIENT)) && f->type != FT_PASSWORD;
}

static json_int_t ensure_entity(struct account *a, const struct resource *res);

/* /api/v1/PATH with each {id} replaced by the ids of the ancestors in a (root first). */
static json_int_t ancestor_of(const struct resource *res, void *ctx)
{
    return ensure_entity(ctx, res);
}

static const char *base_path(struct account *a, const struct resource *res)
{
    return declared_path(res, ancestor_of, a);
}

static const char *entity_path(struct account *a, const struct resource *res, json_int_t id)
{
    return fix_fmt("%s/%lld", base_path(a, res), (long long)id);
}

/* A value for field f of res in account a (JSON, new reference). */
static json_t *value_for(struct account *a, const struct resource *res, const struct field *f)
{
    const struct override *o = override_of(res->name, declared_input_key(f));
    int n = ++g_counter;
    if (o && o->json) {
        if (!strcmp(o->json, "@admin")) /* the account's administrator */
            return json_integer(a->admin_id);
        if (o->json[0] == '@') {
            const struct resource *ref = NULL;
            for (int i = 0; all_resources[i]; i++)
                if (!strcmp(all_resources[i]->name, o->json + 1))
                    ref = all_resources[i];
            if (!ref)
                fail_msg("override %s.%s names no resource", res->name, o->field);
            return json_integer(ensure_entity(a, ref));
        }
        char *text = fix_fmt("%s", o->json);
        char *pct = strstr(text, "%n");
        if (pct)
            text = fix_fmt("%.*s%d%s", (int)(pct - text), text, n, pct + 2);
        json_error_t err;
        json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
        if (!v)
            fail_msg("override %s.%s is not JSON: %s", res->name, o->field, text);
        return v;
    }
    json_t *v = declared_value(
        res, f, n, "g",
        (f->type == FT_REF || f->type == FT_IDLIST) && f->ref ? ensure_entity(a, f->ref) : 0);
    if (!v)
        fail_msg("%s.%s: no generic value for its type; add an override", res->name, f->name);
    return v;
}

/* The generic create body of res in a: required inputs and overridden ones. */
static json_t *create_body(struct account *a, const struct resource *res)
{
    json_t *body = json_object();
    for (const struct field *f = res->fields; f->name; f++) {
        if (declared_children_given(res, f, override_of(res->name, f->name) != NULL))
            json_object_set_new(body, f->name, value_for(a, res, f));
        if (!declared_field_input(f))
            continue;
        if ((f->flags & F_REQUIRED) || override_of(res->name, declared_input_key(f)))
            json_object_set_new(body, declared_input_key(f), value_for(a, res, f));
    }
    return body;
}

static json_int_t first_listed_id(struct account *a, const struct resource *res)
{
    mt_resp *r = mt_get(g_s, base_path(a, res), a->admin_key);
    MT_ASSERT_STATUS(r, 200);
    json_t *first = json_array_get(r->json, 0);
    json_int_t id = first ? json_integer_value(json_object_get(first, "id")) : 0;
    mt_resp_free(r);
    return id;
}

/* A new entity of res in a, made by POST with the generic body (asserted to succeed). */
static json_int_t create_entity(struct account *a, const struct resource *res)
{
    json_t *body = create_body(a, res);
    char *text = json_dumps(body, JSON_COMPACT);
    mt_resp *r = mt_request_json(g_s, "POST", base_path(a, res), a->admin_key, body, NULL);
    if (!is_ok(r->status) || !json_is_integer(json_object_get(r->json, "id"))) {
        print_error("cannot create %s from its declaration with %s: %ld %s\n"
                    "add an override for it in tests/api/test_generic.c\n",
                    res->name, text, r->status, r->body);
        free(text);
        fail();
    }
    free(text);
    json_int_t id = json_integer_value(json_object_get(r->json, "id"));
    mt_resp_free(r);
    return id;
}

/* Rows made by a trigger may be worked on in the background (a delivery's first attempt): wait
 * until that is done, so that the checks see rows that change only through requests. The server
 * runs with a long --webhook-retry-base, so that no second attempt comes during the test. */
static void wait_until_settled(struct account *a, const struct resource *res, json_int_t id)
{
    for (int tries = 0; tries < 200; tries++) {
        mt_resp *r = mt_get(g_s, entity_path(a, res, id), a->admin_key);
        json_t *attempts = json_object_get(r->json, "attempts");
        bool settled = r->status != 200 || !attempts || json_integer_value(attempts) > 0;
        mt_resp_free(r);
        if (settled)
            return;
        usleep(50 * 1000);
    }
    fail_msg("%s %lld: its background work did not finish", res->name, (long long)id);
}

/* The entity of res in account a: made on first use, also the target of references. */
static json_int_t ensure_entity(struct account *a, const struct resource *res)
{
    int i = res_index(res);
    if (a->ids[i])
        return a->ids[i];
    if (res->flags & R_SINGLETON)
        fail_msg("%s is a singleton: it has no entity id", res->name);
    json_int_t id = 0;
    const struct override *needs = override_of(res->name, NULL);
    if (needs && needs->requires)
        for (int k = 0; all_resources[k]; k++)
            if (!strcmp(all_resources[k]->name, needs->requires))
                ensure_entity(a, all_resources[k]);
    if (!(res->flags & R_NO_CREATE)) {
        id = create_entity(a, res);
    } else {
        const struct override *o = override_of(res->name, NULL);
        if (o && o->trigger) {
            ensure_entity(a, res->parent ? res->parent : res);
            for (int k = 0; all_resources[k]; k++)
                if (!strcmp(all_resources[k]->name, o->trigger))
                    create_entity(a, all_resources[k]);
        }
        if (!(res->flags & R_NO_LIST))
            id = first_listed_id(a, res);
        if (id && o && o->trigger)
            wait_until_settled(a, res, id);
        if (!id)
            fail_msg("%s cannot be created through the API and account %s has none of it: add "
                     "an override (trigger) for it in tests/api/test_generic.c",
                     res->name, a->name);
    }
    a->ids[i] = id;
    return id;
}

/* ---- routes, as dispatch.c derives them --------------------------------------------------- */

struct groute {
    const char *method;
    const char *suffix; /* after the collection or /{id}; NULL: none */
    bool entity;        /* below /{id} */
    bool write;         /* anything but GET */
    bool create;        /* POST to the collection: the body is the generic create body */
    bool singleton;
    const struct action *act;
    bool flat; /* the list across parents (.flat_path) */
};

static int routes_of(const struct resource *res, struct groute *rt)
{
    int n = 0;
    unsigned fl = res->flags;
#define ADD(...) (assert_true(n < MAX_ROUTES), rt[n++] = (struct groute){__VA_ARGS__})
    if (fl & R_SINGLETON) {
        ADD("GET", NULL, false, false, false, true);
        return n;
    }
    if (!(fl & R_NO_LIST))
        ADD("GET", NULL, false, false);
    if (res->flat_path)
        ADD("GET", NULL, false, false, .flat = true);
    if (!(fl & R_NO_CREATE))
        ADD("POST", NULL, false, true, true);
    if (!(fl & R_NO_GET))
        ADD("GET", NULL, true, false);
    if (!(fl & R_NO_UPDATE)) {
        ADD("PUT", NULL, true, true);
        ADD("PATCH", NULL, true, true);
    }
    if (!(fl & R_NO_DELETE))
        ADD("DELETE", NULL, true, true);
    if ((fl & R_ARCHIVABLE) == R_ARCHIVABLE) {
        ADD("PUT", "archive", true, true);
        ADD("PUT", "unarchive", true, true);
    }
    for (const struct action *a = res->actions; a && a->name; a++)
        ADD(a->method, a->name, !(a->flags & A_COLLECTION), strcmp(a->method, "GET") != 0, false,
            false, a);
#undef ADD
    return n;
}

static const char *route_path(struct account *a, const struct resource *res,
                              const struct groute *rt, json_int_t id)
{
    if (rt->flat)
        return fix_fmt("/api/v1/%s", res->flat_path);
    const char *p = rt->entity ? entity_path(a, res, id) : base_path(a, res);
    return rt->suffix ? fix_fmt("%s/%s", p, rt->suffix) : p;
}

static const char *route_body(struct account *a, const struct resource *res,
                              const struct groute *rt)
{
    if (!rt->write)
        return NULL;
    if (!rt->create)
        return "{}";
    json_t *b = create_body(a, res);
    char *t = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return fix_keep(t);
}

static const char *route_name(const struct resource *res, const struct groute *rt)
{
    if (rt->flat)
        return fix_fmt("%s %s", rt->method, res->flat_path);
    return fix_fmt("%s %s%s%s%s", rt->method, res->path, rt->entity ? "/{id}" : "",
                   rt->suffix ? "/" : "", rt->suffix ? rt->suffix : "");
}

/* ---- requests and checks ------------------------------------------------------------------ */

static mt_resp *send(const char *method, const char *path, const char *key, const char *body,
                     const char *header)
{
    const char *hdrs[2] = {header, NULL};
    return mt_request(g_s, method, path, key, body, header ? hdrs : NULL);
}

static void expect_error(mt_resp *r, long status, const char *what)
{
    if (r->status != status || !json_is_string(json_object_get(r->json, "message"))) {
        print_error("%s: %s %s: want %ld with a JSON message, got %ld %s\n", what, r->method,
                    r->path, status, r->status, r->body);
        fail();
    }
}

/* What an admin of A sees of res: its list and its entity (text, kept in the string pool). */
static const char *snapshot(const struct resource *res)
{
    char *out = fix_fmt("%s", "");
    if (!(res->flags & R_NO_LIST)) {
        mt_resp *r =
            mt_get(g_s, fix_fmt("%s?include_archived=true", base_path(&g_a, res)), g_a.admin_key);
        out = fix_fmt("%s%ld %s\n", out, r->status, r->body);
        mt_resp_free(r);
    }
    if (!(res->flags & (R_NO_GET | R_SINGLETON))) {
        mt_resp *r = mt_get(g_s, entity_path(&g_a, res, ensure_entity(&g_a, res)), g_a.admin_key);
        out = fix_fmt("%s%ld %s\n", out, r->status, r->body);
        mt_resp_free(r);
    }
    return out;
}

/* Send a write route of res in A that must be refused with `status`; nothing may change. */
static void expect_refused_write(const struct resource *res, const struct groute *rt,
                                 const char *key, const char *header, long status, const char *who)
{
    json_int_t id = rt->entity ? ensure_entity(&g_a, res) : 0;
    const char *path = route_path(&g_a, res, rt, id);
    const char *body = route_body(&g_a, res, rt);
    const char *before = snapshot(res);
    mt_resp *r = send(rt->method, path, key, body, header);
    expect_error(r, status, fix_fmt("%s on %s", who, route_name(res, rt)));
    mt_resp_free(r);
    const char *after = snapshot(res);
    if (strcmp(before, after) != 0) {
        print_error("%s on %s was refused but changed the data:\nbefore: %s\nafter:  %s\n", who,
                    route_name(res, rt), before, after);
        fail();
    }
}

/* A read route of res in A as `key` must answer `status` (0: anything but 401/403/5xx). */
static void expect_read(const struct resource *res, const struct groute *rt, const char *key,
                        long status, const char *who)
{
    json_int_t id = rt->entity ? ensure_entity(&g_a, res) : 0;
    mt_resp *r = send("GET", route_path(&g_a, res, rt, id), key, NULL, NULL);
    bool good =
        status ? r->status == status : (r->status != 401 && r->status != 403 && r->status < 500);
    if (!good) {
        print_error("%s on %s: want %ld, got %ld %s\n", who, route_name(res, rt), status, r->status,
                    r->body);
        fail();
    }
    if (status >= 400)
        expect_error(r, status, who);
    mt_resp_free(r);
}

/* ---- JSON shape against the declaration --------------------------------------------------- */

static bool when_applies(const json_t *obj, const char *when)
{
    if (!when)
        return true;
    const char *eq = strchr(when, '=');
    char name[64];
    size_t n = eq ? (size_t)(eq - when) : strlen(when);
    assert_true(n < sizeof name);
    memcpy(name, when, n);
    name[n] = '\0';
    json_t *v = json_object_get(obj, name);
    if (!eq)
        return v && !json_is_null(v);
    return json_is_string(v) && !strcmp(json_string_value(v), eq + 1);
}

static void check_keys_of(const json_t *obj, const char *keys, const char *ctx)
{
    if (!json_is_object(obj))
        fail_msg("%s: not an object", ctx);
    size_t want = 1;
    bool all_there = true;
    char *copy = fix_fmt("%s", keys);
    char *save = NULL;
    for (const char *p = keys; *p; p++)
        want += *p == ',';
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        all_there = all_there && json_object_get(obj, tok);
    if (!all_there || json_object_size(obj) != want)
        print_error("%s: the keys differ from the declaration\n", ctx);
    mt_assert_keys(obj, keys);
}

/* Keys of a reference/child object: id plus the declared ref_fields (without a repeated id). */
static const char *sub_keys(const char *list)
{
    char *out = fix_fmt("id");
    char *copy = fix_fmt("%s", list ? list : "id,name");
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, "id") != 0)
            out = fix_fmt("%s,%s", out, tok);
    return out;
}

static void check_type(const struct resource *res, const struct field *f, const json_t *v,
                       const char *ctx)
{
    const char *where = fix_fmt("%s: %s.%s", ctx, res->name, f->name);
    bool ok = false;
    enum field_type t = f->type == FT_EXPR ? f->as : f->type;
    switch (t) {
    case FT_TEXT:
    case FT_FILE:
        ok = json_is_string(v) || json_is_null(v);
        break;
    case FT_UUID:
        ok = json_is_string(v);
        break;
    case FT_INT:
        ok = json_is_integer(v) || json_is_null(v);
        break;
    case FT_DECIMAL:
    case FT_MONEY: /* F_AS_STRING: "17999.00" */
        ok = ((f->flags & F_AS_STRING) ? json_is_string(v) : json_is_number(v)) || json_is_null(v);
        break;
    case FT_BOOL:
        ok = json_is_boolean(v) || json_is_null(v);
        break;
    case FT_DATE:
        ok = json_is_null(v) || (json_is_string(v) && mt_is_date(json_string_value(v)));
        break;
    case FT_TIMESTAMP:
        ok = json_is_null(v) || (json_is_string(v) && mt_is_timestamp(json_string_value(v)));
        break;
    case FT_ENUM:
        ok = json_is_null(v);
        for (const char *const *o = f->options; json_is_string(v) && o && *o; o++)
            ok = ok || !strcmp(*o, json_string_value(v));
        break;
    case FT_STRLIST:
    case FT_TAGS: {
        ok = json_is_array(v);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) ok = ok && json_is_string(e);
        break;
    }
    case FT_IDLIST: {
        ok = json_is_array(v);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) ok = ok && json_is_integer(e);
        break;
    }
    case FT_CUSTOM:
        ok = json_is_object(v);
        break;
    case FT_REF:
        ok = json_is_null(v) || json_is_object(v);
        if (json_is_object(v)) {
            check_keys_of(v, sub_keys(f->ref_fields), where);
            ok = json_is_integer(json_object_get(v, "id"));
        }
        break;
    case FT_HAS_MANY: {
        ok = json_is_array(v);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            check_keys_of(e, sub_keys(f->ref_fields), where);
            ok = ok && json_is_integer(json_object_get(e, "id"));
        }
        break;
    }
    default:
        ok = false;
    }
    if (!ok) {
        char *dump = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
        print_error("%s: value %s does not match the declared type %d\n", where,
                    dump ? dump : "(missing)", (int)f->type);
        free(dump);
        fail();
    }
}

/*
 * Fail unless obj renders exactly the declared keys of res, in its order's essentials (id first,
 * created_at and updated_at last), with the JSON types of the fields. admin: the reader is an
 * administrator (F_ADMIN_ONLY shows); in_list: obj is an element of a list (F_LIST_HIDDEN goes).
 */
static void check_shape(const struct resource *res, const json_t *obj, bool admin, bool in_list,
                        const char *ctx)
{
    if (!json_is_object(obj))
        fail_msg("%s: %s is not an object", ctx, res->name);
    char *keys = fix_fmt("id");
    struct {
        const char *name;
        char *keys;
    } groups[8];
    int ngroups = 0;
    const struct field *prev = NULL; /* the previous rendered field */
    bool group_on = false;
    for (const struct field *f = res->fields; f->name; f++) {
        if (!field_rendered(f))
            continue;
        bool starts_group = f->group && !(prev && prev->group && !strcmp(prev->group, f->group));
        prev = f;
        if (starts_group)
            group_on = when_applies(obj, f->when);
        if ((f->flags & F_ADMIN_ONLY) && !admin)
            continue;
        if (in_list && (f->flags & F_LIST_HIDDEN))
            continue;
        if (f->group) {
            if (!group_on)
                continue;
            if (starts_group) {
                assert_true(ngroups < 8);
                groups[ngroups].name = f->group;
                groups[ngroups].keys = fix_fmt("%s", f->name);
                ngroups++;
                keys = fix_fmt("%s,%s", keys, f->group);
            } else {
                groups[ngroups - 1].keys = fix_fmt("%s,%s", groups[ngroups - 1].keys, f->name);
            }
            check_type(res, f, json_object_get(json_object_get(obj, f->group), f->name), ctx);
            continue;
        }
        if (!when_applies(obj, f->when))
            continue;
        keys = fix_fmt("%s,%s", keys, f->name);
        check_type(res, f, json_object_get(obj, f->name), ctx);
    }
    keys = fix_fmt("%s,created_at,updated_at", keys);
    check_keys_of(obj, keys, fix_fmt("%s: %s", ctx, res->name));
    for (int i = 0; i < ngroups; i++)
        check_keys_of(json_object_get(obj, groups[i].name), groups[i].keys,
                      fix_fmt("%s: %s.%s", ctx, res->name, groups[i].name));
    MT_ASSERT_JSON_TYPE(obj, "id", JSON_INTEGER);
    MT_ASSERT_TIMESTAMP(obj, "created_at");
    MT_ASSERT_TIMESTAMP(obj, "updated_at");
    /* id first, the time stamps last */
    void *it = json_object_iter((json_t *)obj);
    assert_string_equal(json_object_iter_key(it), "id");
    const char *last2[2] = {NULL, NULL};
    for (; it; it = json_object_iter_next((json_t *)obj, it)) {
        last2[0] = last2[1];
        last2[1] = json_object_iter_key(it);
    }
    assert_string_equal(last2[0], "created_at");
    assert_string_equal(last2[1], "updated_at");
}

/* ---- set-up ---------------------------------------------------------------------------------- */

static json_int_t role_id(const char *name)
{
    mt_resp *r = mt_get(g_s, "/api/v1/users/roles", g_a.admin_key);
    MT_ASSERT_STATUS(r, 200);
    json_t *role = fix_find_by_str(r->json, "name", name);
    assert_non_null(role);
    json_int_t id = json_integer_value(json_object_get(role, "id"));
    mt_resp_free(r);
    return id;
}

/* A role of account A without any right: written to the database, as the API has no way. */
static void add_nobody_role(void)
{
    char *cols = fix_fmt("account_id, created_at, updated_at, name, is_default, is_admin");
    char *vals = fix_fmt("(SELECT id FROM accounts WHERE subdomain = '" MT_ACCOUNT "'), "
                         "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 'Nobody', '0', '0'");
    for (int i = AREA_FIRST; i < AREA_COUNT; i++) {
        cols = fix_fmt("%s, perm_%s", cols, perm_area_names[i]);
        vals = fix_fmt("%s, 'none'", vals);
    }
    mt_sql_exec(g_s, fix_fmt("INSERT INTO user_roles (%s) VALUES (%s)", cols, vals));
}

static const char *user_key_with_role(const char *role)
{
    char email[96];
    fix_uniq_email(email, sizeof email, "generic-role");
    json_t *body = fix_user_body(
        "Generic", role, email, fix_first_unit_id(g_s),
        json_pack("{s:s,s:I}", "password", "generic-pass-1", "role_id", role_id(role)));
    fix_create_user(g_s, body);
    return fix_keep(fix_login(g_s, email, "generic-pass-1"));
}

static int setup(void **state)
{
    g_s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    *state = g_s;
    g_a = (struct account){.name = MT_ACCOUNT, .admin_key = mt_admin_key(g_s)};
    g_a.admin_id = fix_session_user_id(g_s, g_a.admin_key);
    g_b = (struct account){.name = FIX_OTHER_ACCOUNT, .admin_key = fix_other_key(g_s)};
    g_b.admin_id = fix_session_user_id(g_s, g_b.admin_key);
    g_read_key = fix_read_key(g_s);
    add_nobody_role();
    g_readonly_key = user_key_with_role("Read-only");
    g_nobody_key = user_key_with_role("Nobody");
    g_employee_key = user_key_with_role("Employee");
    int n = 0;
    while (all_resources[n])
        n++;
    assert_true(n <= MAX_RES);
    return 0;
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

/* ---- the checks per resource ------------------------------------------------------------- */

static void check_without_key(const struct resource *res, const struct groute *rt, int n)
{
    for (int i = 0; i < n; i++) {
        json_int_t id = rt[i].entity ? ensure_entity(&g_a, res) : 0;
        mt_resp *r = send(rt[i].method, route_path(&g_a, res, &rt[i], id), NULL,
                          rt[i].write ? "{}" : NULL, NULL);
        expect_error(r, 401, "no key");
        mt_resp_free(r);
    }
}

static void check_impersonation(const struct resource *res, const struct groute *rt, int n)
{
    const char *as_admin = fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)g_a.admin_id);
    for (int i = 0; i < n; i++) {
        json_int_t id = rt[i].entity ? ensure_entity(&g_a, res) : 0;
        if (rt[i].write) {
            expect_refused_write(res, &rt[i], g_employee_key, as_admin, 403,
                                 "impersonation by an Employee");
        } else {
            mt_resp *r =
                send("GET", route_path(&g_a, res, &rt[i], id), g_employee_key, NULL, as_admin);
            expect_error(r, 403, "impersonation by an Employee");
            mt_resp_free(r);
        }
    }
}

/* The read-only account key, and users whose roles lack the areas. */
static void check_permissions(const struct resource *res, const struct groute *rt, int n)
{
    for (int i = 0; i < n; i++) {
        const struct groute *x = &rt[i];
        if (!x->write) {
            bool crud = !x->act && !x->singleton;
            /* account keys have no profile and no assigned projects: any answer but a refusal */
            expect_read(res, x, g_read_key, crud ? 200 : 0, "the read-only account key");
            /* actions may have nothing to show (a timesheet PDF without hours: 404) */
            expect_read(res, x, g_readonly_key, crud ? 200 : 0, "a user of role Read-only");
            /* rows about another kind of entity (.area_of) need that kind's read area: the
             * generic comment is on a Project, the generic tag of a Company */
            bool own_area = res->read_area == AREA_ANY && !(res->area_of && x->entity);
            expect_read(res, x, g_nobody_key, own_area ? (crud ? 200 : 0) : 403,
                        "a user of a role without rights");
            continue;
        }
        /* a role that may change nothing never writes, AREA_ANY routes included */
        expect_refused_write(res, x, g_read_key, NULL, 403, "the read-only account key");
        expect_refused_write(res, x, g_readonly_key, NULL, 403, "a user of role Read-only");
        expect_refused_write(res, x, g_nobody_key, NULL, 403, "a user of a role without rights");
    }
}

static void check_tenants(const struct resource *res, const struct groute *rt, int n)
{
    if (res->flags & R_SINGLETON)
        return; /* the acting user's own row: there is no id to take from another account */
    json_int_t theirs = ensure_entity(&g_b, res);
    for (int i = 0; i < n; i++) {
        const struct groute *x = &rt[i];
        const char *path = NULL;
        if (x->flat) { /* across A's parents: never B's rows, not even asked for B's parent */
            json_int_t their_parent = ensure_entity(&g_b, res->parent);
            const char *lists[] = {route_path(&g_a, res, x, 0),
                                   fix_fmt("%s?%s=%lld", route_path(&g_a, res, x, 0),
                                           res->parent_fk, (long long)their_parent)};
            for (int k = 0; k < 2; k++) {
                mt_resp *r = mt_get(g_s, lists[k], g_a.admin_key);
                MT_ASSERT_STATUS(r, 200);
                if (fix_find_by_id(r->json, theirs) || (k == 1 && json_array_size(r->json)))
                    fail_msg("A's %s shows B's rows: %s", lists[k], r->body);
                mt_resp_free(r);
            }
            continue;
        }
        if (x->entity)
            path = route_path(&g_b, res, x, theirs); /* B's parent and B's row */
        else if (res->parent)
            path = route_path(&g_b, res, x, 0); /* B's parent */
        if (!path)
            continue;
        const char *body = x->write ? (x->create ? route_body(&g_a, res, x) : "{}") : NULL;
        mt_resp *r = send(x->method, path, g_a.admin_key, body, NULL);
        expect_error(r, 404, fix_fmt("account A's key on account B's %s", route_name(res, x)));
        mt_resp_free(r);
        if (x->entity && res->parent) { /* B's row below A's parent */
            r = send(x->method, route_path(&g_a, res, x, theirs), g_a.admin_key, body, NULL);
            expect_error(r, 404, fix_fmt("B's row below A's parent: %s", route_name(res, x)));
            mt_resp_free(r);
        }
    }
    /* B's entity still there, untouched by A; and not in A's list */
    mt_resp *r = mt_get(g_s, entity_path(&g_b, res, theirs), g_b.admin_key);
    if (!(res->flags & R_NO_GET))
        MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    if (!(res->flags & R_NO_LIST)) {
        r = mt_get(g_s, fix_fmt("%s?include_archived=true", base_path(&g_a, res)), g_a.admin_key);
        MT_ASSERT_STATUS(r, 200);
        if (fix_find_by_id(r->json, theirs))
            fail_msg("A's list of %s shows B's entity %lld", res->name, (long long)theirs);
        mt_resp_free(r);
    }
    /* references to B's entities are refused, naming the input */
    for (const struct field *f = res->fields; f->name; f++) {
        if (f->type != FT_REF || !declared_field_input(f))
            continue;
        json_int_t their_ref = ensure_entity(&g_b, f->ref);
        if (!(res->flags & R_NO_CREATE)) {
            json_t *body = create_body(&g_a, res);
            json_object_set_new(body, declared_input_key(f), json_integer(their_ref));
            r = mt_request_json(g_s, "POST", base_path(&g_a, res), g_a.admin_key, body, NULL);
            fix_assert_422(r, declared_input_key(f));
            mt_resp_free(r);
        }
        if (!(res->flags & R_NO_UPDATE) && !(f->flags & F_CREATEONLY)) {
            const char *before = snapshot(res);
            r = mt_request_json(g_s, "PATCH", entity_path(&g_a, res, ensure_entity(&g_a, res)),
                                g_a.admin_key, json_pack("{s:I}", declared_input_key(f), their_ref),
                                NULL);
            fix_assert_422(r, declared_input_key(f));
            mt_resp_free(r);
            if (strcmp(before, snapshot(res)) != 0)
                fail_msg("a refused update of %s changed it", res->name);
        }
    }
}

static void check_json(const struct resource *res)
{
    if (res->flags & R_SINGLETON) {
        mt_resp *r = mt_get(g_s, base_path(&g_a, res), g_a.admin_key);
        MT_ASSERT_STATUS(r, 200);
        check_shape(res, r->json, true, false, "GET (singleton) as admin");
        mt_resp_free(r);
        r = mt_get(g_s, base_path(&g_a, res), g_readonly_key);
        MT_ASSERT_STATUS(r, 200);
        check_shape(res, r->json, false, false, "GET (singleton) as a non-admin");
        mt_resp_free(r);
        return;
    }
    json_int_t id = ensure_entity(&g_a, res);
    if (!(res->flags & R_NO_GET)) {
        mt_resp *r = mt_get(g_s, entity_path(&g_a, res, id), g_a.admin_key);
        MT_ASSERT_STATUS(r, 200);
        if (strncmp(r->body, "{\"id\":", 6) != 0)
            fail_msg("%s: the entity does not start with id: %s", res->name, r->body);
        check_shape(res, r->json, true, false, "GET one as admin");
        mt_resp_free(r);
        r = mt_get(g_s, entity_path(&g_a, res, id), g_readonly_key);
        MT_ASSERT_STATUS(r, 200);
        check_shape(res, r->json, false, false, "GET one as a non-admin");
        mt_resp_free(r);
    }
    if (!(res->flags & R_NO_LIST)) {
        mt_resp *r = mt_get(g_s, base_path(&g_a, res), g_a.admin_key);
        MT_ASSERT_STATUS(r, 200);
        json_t *mine = fix_find_by_id_strict(r->json, id);
        if (!mine)
            fail_msg("%s: the list does not show entity %lld", res->name, (long long)id);
        check_shape(res, mine, true, true, "GET list as admin");
        mt_resp_free(r);
        r = mt_get(g_s, base_path(&g_a, res), g_read_key);
        MT_ASSERT_STATUS(r, 200);
        check_shape(res, fix_find_by_id_strict(r->json, id), false, true,
                    "GET list with the read-only account key");
        mt_resp_free(r);
    }
}

/* For each `.when` "x=v" on an enum input x: an entity made with x=v renders what applies there
 * (e.g. companies: customer_vat for customers, supplier_vat for suppliers). */
static void check_when_variants(const struct resource *res)
{
    if (res->flags & (R_NO_CREATE | R_NO_GET | R_SINGLETON))
        return;
    for (const struct field *f = res->fields; f->name; f++) {
        const char *eq = f->when ? strchr(f->when, '=') : NULL;
        if (!eq)
            continue;
        bool seen = false;
        for (const struct field *g = res->fields; g < f; g++)
            seen = seen || (g->when && !strcmp(g->when, f->when));
        const char *name = fix_fmt("%.*s", (int)(eq - f->when), f->when);
        const struct field *cond = NULL;
        for (const struct field *g = res->fields; g->name; g++)
            if (!g->group && !strcmp(g->name, name))
                cond = g;
        if (seen || !cond || cond->type != FT_ENUM || !declared_field_input(cond))
            continue;
        json_t *body = create_body(&g_a, res);
        json_object_set_new(body, declared_input_key(cond), json_string(eq + 1));
        mt_resp *r = mt_request_json(g_s, "POST", base_path(&g_a, res), g_a.admin_key, body, NULL);
        if (!is_ok(r->status))
            fail_msg("cannot create %s with %s: %ld %s", res->name, f->when, r->status, r->body);
        json_int_t id = json_integer_value(json_object_get(r->json, "id"));
        mt_resp_free(r);
        r = mt_get(g_s, entity_path(&g_a, res, id), g_a.admin_key);
        MT_ASSERT_STATUS(r, 200);
        check_shape(res, r->json, true, false, fix_fmt("GET one with %s", f->when));
        mt_resp_free(r);
    }
}

static void generic_declared_routes(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        struct groute rt[MAX_ROUTES];
        int n = routes_of(res, rt);
        if (n == 0 && res->parent) { /* rows shown only inside their parent (invoice items) */
            print_message("%-22s  0 routes (rendered in %s)\n", res->name, res->parent->name);
            continue;
        }
        print_message("%-22s %2d routes (read %s, write %s)\n", res->name, n,
                      res->read_area == AREA_ANY ? "any" : perm_area_names[res->read_area],
                      res->write_area == AREA_ANY ? "any" : perm_area_names[res->write_area]);
        check_json(res);
        check_when_variants(res);
        check_without_key(res, rt, n);
        check_permissions(res, rt, n);
        check_impersonation(res, rt, n);
        check_tenants(res, rt, n);
    }
}

int main(void)
{
    const struct CMUnitTest generic[] = {
        cmocka_unit_test(generic_declared_routes),
    };
    return cmocka_run_group_tests(generic, setup, teardown);
}
