/* Declared actions: every route beside CRUD runs here, so that its write path is the engine's. */
#include "util/secret.h"
#include "engine/internal.h"
#include "util/timeutil.h"

#include <string.h>

static const struct col_set archive_dated[] = {{"active", "0"}, {"archived_on", ":today"}, {0}};
static const struct col_set unarchive_dated[] = {{"active", "1"}, {"archived_on", "NULL"}, {0}};
static const struct col_set archive_plain[] = {{"active", "0"}, {0}};
static const struct col_set unarchive_plain[] = {{"active", "1"}, {0}};

static const struct action archive_actions_dated[] = {
    {"PUT", "archive", .set = archive_dated, .event = "archive"},
    {"PUT", "unarchive", .set = unarchive_dated, .event = "unarchive"},
    {0},
};
static const struct action archive_actions_plain[] = {
    {"PUT", "archive", .set = archive_plain, .event = "archive"},
    {"PUT", "unarchive", .set = unarchive_plain, .event = "unarchive"},
    {0},
};

const struct action *engine_archive_actions(const struct resource *res)
{
    if ((res->flags & R_ARCHIVABLE) != R_ARCHIVABLE)
        return NULL;
    return resource_field(res, "archived_on") ? archive_actions_dated : archive_actions_plain;
}

/* One declared column change, ready to bind. */
struct col_value {
    const char *column;
    const char *sql; /* with ? where the value goes */
    db_param p[3];
    int np;
    const struct field *ref; /* FT_REF input: checked to exist in the account */
    int64_t ref_id;
};

struct action_write {
    struct action_call call;
    struct col_value *cols;
    int ncols;
};

/* ":now", ":today" and ":link" in a declared expression become placeholders. */
static int prepare_sql(struct req *r, const struct col_set *cs, struct col_value *cv,
                       const char *now, const char *today, int64_t id)
{
    strbuf out;
    sb_init(&out, r->arena, 64);
    for (const char *p = cs->sql; *p;) {
        const char *token = NULL;
        db_param value = dbp_null();
        if (!strncmp(p, ":now", 4)) {
            token = ":now";
            value = dbp_text(now);
        } else if (!strncmp(p, ":today", 6)) {
            token = ":today";
            value = dbp_text(today);
        } else if (!strncmp(p, ":link", 5) && cs->link) {
            /* a secret link below the address the request came to */
            token = ":link";
            char secret[21];
            random_hex(secret, 10);
            strbuf url;
            sb_init(&url, r->arena, 128);
            sb_addf(&url, "%s/", engine_public_base(r));
            for (const char *l = cs->link; *l;) {
                if (!strncmp(l, "{id}", 4)) {
                    sb_add_i64(&url, id);
                    l += 4;
                } else if (!strncmp(l, "{token}", 7)) {
                    sb_adds(&url, secret);
                    l += 7;
                } else {
                    sb_addc(&url, *l++);
                }
            }
            value = dbp_text(url.buf);
        }
        if (!token) {
            sb_addc(&out, *p++);
            continue;
        }
        if (cv->np == 3)
            return req_fail(r, 500, NULL, "declared action binds too many values");
        cv->p[cv->np++] = value;
        sb_addc(&out, '?');
        p += strlen(token);
    }
    cv->sql = out.buf;
    return 0;
}

/* Reads the declared inputs and expressions of an action before its transaction opens. */
static int prepare_sets(struct req *r, const struct resource *res, const struct action *act,
                        struct action_write *w)
{
    int n = 0;
    for (const struct col_set *cs = act->set; cs && (cs->column || cs->field); cs++)
        n++;
    w->cols = arena_calloc(r->arena, (size_t)n + 1, sizeof(struct col_value));
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    char *today = arena_alloc(r->arena, 11);
    date_today_in(r->settings.time_zone, today); /* the account's calendar day */
    char *now_copy = arena_strdup(r->arena, now);
    for (const struct col_set *cs = act->set; cs && (cs->column || cs->field); cs++) {
        struct col_value *cv = &w->cols[w->ncols++];
        if (cs->sql) {
            cv->column = cs->column;
            if (prepare_sql(r, cs, cv, now_copy, today, w->call.id))
                return -1;
            continue;
        }
        const struct field *f = resource_field(res, cs->field);
        const char *key = field_input_key(f);
        cv->column = field_column(f);
        json_t *j = r->body && json_is_object(r->body) ? json_object_get(r->body, key) : NULL;
        struct value v = {0};
        const char *problem = !j || json_is_null(j) ? "can't be blank" : field_convert(r, f, j, &v);
        if (problem) {
            req_field_error(r, key, "%s", problem);
            continue;
        }
        cv->sql = "?";
        cv->p[cv->np++] = field_param(f, &v);
        if (f->type == FT_REF) {
            cv->ref = f;
            cv->ref_id = v.i;
        }
    }
    return r->err_fields ? -1 : 0;
}

/* .bulk: the rows of the body's array, parsed once, before the transaction. */
struct bulk {
    struct record **recs;
    size_t n;
};

static int bulk_prepare(struct req *r, struct action_call *call)
{
    const char *key = call->act->bulk;
    json_t *items = r->body && json_is_object(r->body) ? json_object_get(r->body, key) : NULL;
    if (!json_is_array(items) || json_array_size(items) == 0)
        return req_fail(r, 422, key, "%s must be a non-empty array", key);
    if (json_array_size(items) > BULK_MAX)
        return req_fail(r, 422, key, "at most %d %s at once", BULK_MAX, key);
    struct bulk *b = arena_calloc(r->arena, 1, sizeof(*b));
    b->n = json_array_size(items);
    b->recs = arena_calloc(r->arena, b->n, sizeof(*b->recs));
    for (size_t i = 0; i < b->n; i++) {
        const char *at = arena_printf(r->arena, "%s[%zu]", key, i);
        if (!json_is_object(json_array_get(items, i)))
            return req_fail(r, 422, at, "%s must be an object: nothing was written", at);
        r->field_prefix = arena_printf(r->arena, "%s.", at);
        int rc = engine_parse_create(r, call->res, json_array_get(items, i), &b->recs[i]);
        r->field_prefix = NULL;
        if (rc)
            return -1;
        if (r->err_fields)
            return req_fail(r, 422, NULL, "%s is invalid: nothing was written", at);
    }
    call->ctx = b;
    return 0;
}

/* All or nothing: the first row with a problem rolls the request back. */
static int bulk_insert(struct req *r, struct action_call *call)
{
    struct bulk *b = call->ctx;
    call->made = arena_calloc(r->arena, b->n, sizeof(int64_t));
    for (size_t i = 0; i < b->n; i++) {
        const char *at = arena_printf(r->arena, "%s[%zu]", call->act->bulk, i);
        r->field_prefix = arena_printf(r->arena, "%s.", at);
        /* a nested resource's rows go below the routed parent, as a create's */
        int rc = engine_insert_parsed(r, call->res, b->recs[i],
                                      call->res == r->nested ? r->parent_id : 0, &call->made[i]);
        r->field_prefix = NULL;
        if (rc || r->err_fields)
            return r->err_fields ? req_fail(r, 422, NULL, "%s is invalid: nothing was written", at)
                                 : -1;
        call->nmade++;
    }
    return 0;
}

static int action_step(struct req *r, void *ctx)
{
    struct action_write *w = ctx;
    const struct resource *res = w->call.res;
    const struct action *act = w->call.act;
    bool member = !(act->flags & A_COLLECTION);
    if (member && !engine_exists(r, res, w->call.id))
        return req_fail(r, 404, NULL, "%s not found", res->target);
    memo_write(r, res, false);
    if (w->ncols) {
        for (int i = 0; i < w->ncols; i++)
            if (w->cols[i].ref && !engine_exists(r, w->cols[i].ref->ref, w->cols[i].ref_id))
                req_field_error(r, field_input_key(w->cols[i].ref), "does not exist");
        if (r->err_fields)
            return -1;
        char now[TIMESTAMP_LEN + 1];
        time_now_iso(now);
        strbuf sql;
        sb_init(&sql, r->arena, 256);
        sb_addf(&sql, "UPDATE %s SET updated_at = ?", res->table);
        db_param *p = arena_calloc(r->arena, (size_t)w->ncols * 3 + 3, sizeof(db_param));
        int np = 0;
        p[np++] = dbp_text(now);
        for (int i = 0; i < w->ncols; i++) {
            sb_addf(&sql, ", %s = %s", w->cols[i].column, w->cols[i].sql);
            for (int k = 0; k < w->cols[i].np; k++)
                p[np++] = w->cols[i].p[k];
        }
        sb_adds(&sql, " WHERE id = ? AND account_id = ?");
        p[np++] = dbp_int(w->call.id);
        p[np++] = dbp_int(r->account_id);
        if (db_exec(r->db, sql.buf, p, np) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    if (act->bulk ? bulk_insert(r, &w->call) : (act->fn && act->fn(r, &w->call)))
        return -1;
    const char *event = act->event ? act->event : (member ? "update" : "");
    if (*event && engine_event(r, res, event, w->call.id))
        return -1;
    return 0;
}

static bool made_ascending(const struct action_call *call)
{
    for (int i = 1; i < call->nmade; i++)
        if (call->made[i] <= call->made[i - 1])
            return false;
    return true;
}

/* Rows made in id order (a bulk create) are rendered by one query per chunk, not one each. */
static int answer_made_at_once(struct req *r, struct action_call *call)
{
    enum { CHUNK = 500 };
    sb_addc(&r->out, '[');
    for (int from = 0; from < call->nmade; from += CHUNK) {
        int n = call->nmade - from < CHUNK ? call->nmade - from : CHUNK;
        db_param *p = arena_calloc(r->arena, (size_t)n + 1, sizeof(db_param));
        strbuf where;
        sb_init(&where, r->arena, 64 + (size_t)n * 3);
        sb_adds(&where, "t.account_id = ? AND t.id IN (");
        p[0] = dbp_int(r->account_id);
        for (int i = 0; i < n; i++) {
            sb_adds(&where, i ? ",?" : "?");
            p[i + 1] = dbp_int(call->made[from + i]);
        }
        sb_addc(&where, ')');
        struct row_set rs = {where.buf, p, n + 1, "t.id", n, 0};
        if (from)
            sb_addc(&r->out, ',');
        int got = 0;
        if (render_rows(r, call->res, &rs, &r->out, false, &got))
            return -1;
        if (got != n) /* gone since the commit */
            return req_fail(r, 404, NULL, "%s not found", call->res->target);
    }
    sb_addc(&r->out, ']');
    r->status = 200;
    return 0;
}

static int answer(struct req *r, struct action_call *call)
{
    switch (call->act->answer) {
    case ANSWER_NONE:
        r->status = 204;
        return 0;
    case ANSWER_EMPTY:
        r->status = 200;
        return 0;
    case ANSWER_OWN:
        r->status = 200;
        return call->act->render(r, call);
    case ANSWER_ENTITY:
        break;
    }
    if (call->nmade > 1 && made_ascending(call))
        return answer_made_at_once(r, call);
    if (call->nmade || !call->answer_id) {
        sb_addc(&r->out, '[');
        for (int i = 0; i < call->nmade; i++) {
            if (i)
                sb_addc(&r->out, ',');
            if (engine_render_entity(r, call->res, call->made[i], &r->out))
                return -1;
        }
        sb_addc(&r->out, ']');
    } else if (engine_render_entity(r, call->res, call->answer_id, &r->out)) {
        return -1;
    }
    r->status = 200;
    return 0;
}

int engine_action(struct req *r, const struct resource *res, const struct action *act, int64_t id)
{
    bool read = !strcmp(act->method, "GET");
    bool member = !(act->flags & A_COLLECTION);
    if (read ? req_require_read(r, res->read_area) : req_require_write(r, res->write_area))
        return -1;
    if (engine_check_parent(r, res))
        return -1;
    if (member && !engine_exists(r, res, id))
        return req_fail(r, 404, NULL, "%s not found", res->target);
    if (member && engine_require_row_kind(r, res, id, !read))
        return -1;
    struct action_write w = {
        .call = {.res = res, .act = act, .id = member ? id : 0, .answer_id = member ? id : 0}};
    if (read) { /* a view: it reads in the request's snapshot and changes nothing */
        if (act->fn && act->fn(r, &w.call))
            return -1;
        return answer(r, &w.call);
    }
    int (*prepare)(struct req *, struct action_call *) = act->bulk ? bulk_prepare : act->prepare;
    if (prepare_sets(r, res, act, &w) || (prepare && prepare(r, &w.call)) ||
        run_write(r, action_step, &w))
        return -1;
    return answer(r, &w.call);
}

struct custom_write {
    const struct route_decl *decl;
};

static int custom_step(struct req *r, void *ctx)
{
    struct custom_write *w = ctx;
    return w->decl->fn(r);
}

int engine_custom(struct req *r, const struct route_decl *decl)
{
    if (decl->area != AREA_PUBLIC && decl->area != AREA_OF_ENTITY &&
        ((decl->flags & ROUTE_WRITE) ? req_require_write(r, decl->area)
                                     : req_require_read(r, decl->area)))
        return -1;
    if ((decl->flags & ROUTE_WRITE) && r->key_kind == KEY_ACCOUNT_READ)
        return req_fail(r, 403, NULL, "this API key has read-only access");
    if (!(decl->flags & ROUTE_WRITE))
        return decl->fn(r);
    struct custom_write w = {decl};
    return run_write(r, custom_step, &w);
}
