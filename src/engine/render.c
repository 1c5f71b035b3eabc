/* Rendering entities as JSON: one SELECT per page, batch queries for nested rows, custom fields
 * and tags kept rendered in the row. */
#include "engine/internal.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void render_column(strbuf *o, const struct field *f, db_stmt *s, int col)
{
    enum field_type type = f->type == FT_EXPR ? f->as : f->type;
    bool textual = type != FT_INT && type != FT_REF && type != FT_BOOL && type != FT_DECIMAL &&
                   type != FT_MONEY;
    /* text columns answer NULL for SQL NULL, numbers false: one call instead of a type check
     * and a read */
    const char *text = textual ? db_col_text(s, col) : NULL;
    int64_t num = 0;
    if (textual ? !text : !db_col_int(s, col, &num)) {
        if (type == FT_STRLIST || type == FT_IDLIST)
            sb_add(o, "[]", 2);
        else
            sb_add(o, "null", 4);
        return;
    }
    switch (type) {
    case FT_INT:
    case FT_REF:
        sb_add_i64(o, num);
        break;
    case FT_BOOL:
        if (num)
            sb_add(o, "true", 4);
        else
            sb_add(o, "false", 5);
        break;
    case FT_DECIMAL:
    case FT_MONEY: { /* "12.5", "18200.0": always with a fraction, printed from the integer */
        char digits[MONEY_BUF];
        if (f->flags & F_AS_STRING) {
            sb_addc(o, '"');
            sb_add(o, digits, money_format_fixed(num, field_scale(f), digits));
            sb_addc(o, '"');
        } else {
            sb_add(o, digits, money_format(num, field_scale(f), digits));
        }
        break;
    }
    case FT_STRLIST:
    case FT_IDLIST:
    case FT_CUSTOM: /* an FT_EXPR .as FT_CUSTOM: a JSON object kept as text (a weekly pattern) */
        sb_add(o, text, db_col_len(s, col));
        break;
    default:
        sb_add_json_str(o, text, db_col_len(s, col));
        break;
    }
}

/* A field of another entity, embedded in this one: F_AS_STRING holds for the entity's own JSON
 * only (MOCO embeds an invoice's payments with numbers, and renders a payment with strings). */
static void render_embedded_column(strbuf *o, const struct field *f, db_stmt *s, int col)
{
    if (!(f->flags & F_AS_STRING)) {
        render_column(o, f, s, col);
        return;
    }
    struct field plain = *f;
    plain.flags &= ~(unsigned)F_AS_STRING;
    render_column(o, &plain, s, col);
}

/* An FT_REF of a referenced entity (a project's customer in a receipt's project): its id in
 * column col, its fields after it; null without one. */
static void render_nested_ref(strbuf *o, const struct field_rt *nr, db_stmt *s, int col)
{
    int64_t id;
    if (!db_col_int(s, col, &id)) {
        sb_add(o, "null", 4);
        return;
    }
    sb_add(o, "{\"id\":", 6);
    sb_add_i64(o, id);
    for (int m = 0; m < nr->nsub; m++) {
        sb_add(o, nr->sub_keys[m], nr->sub_key_lens[m]);
        render_embedded_column(o, nr->sub[m], s, col + 1 + m);
    }
    sb_addc(o, '}');
}

/* A key from the data (a custom field's name): escaped like every value. */
static void render_key(strbuf *o, const char *key)
{
    sb_add_json_str(o, key, strlen(key));
    sb_addc(o, ':');
}

/* id -> pre-rendered JSON fragment, for the values loaded in batches (tags, custom, children). */
struct frag_map {
    int64_t *ids;
    char **frags;
    size_t *lens;
    size_t cap;
};

static void fm_init(struct frag_map *m, arena *a, size_t n)
{
    m->cap = 16;
    while (m->cap < n * 2)
        m->cap *= 2;
    m->ids = arena_calloc(a, m->cap, sizeof(int64_t));
    m->frags = arena_calloc(a, m->cap, sizeof(char *));
    m->lens = arena_calloc(a, m->cap, sizeof(size_t));
}

static size_t fm_slot(const struct frag_map *m, int64_t id)
{
    size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL >> 20) & (m->cap - 1);
    while (m->frags[i] && m->ids[i] != id)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static const char *fm_get(const struct frag_map *m, int64_t id, size_t *len)
{
    if (!m->frags)
        return NULL;
    size_t i = fm_slot(m, id);
    *len = m->lens[i];
    return m->frags[i];
}

static void fm_put(struct frag_map *m, int64_t id, strbuf *frag)
{
    size_t i = fm_slot(m, id);
    m->ids[i] = id;
    m->frags[i] = frag->buf;
    m->lens[i] = frag->len;
}

static bool expand_asked(struct req *r, const char *param)
{
    const char *v = req_query(r, param);
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

static char *ids_subquery(struct req *r, const struct resource *res, const struct row_set *rs)
{
    return arena_printf(r->arena, "SELECT t.id FROM %s t WHERE %s ORDER BY %s LIMIT ? OFFSET ?",
                        res->table, rs->where, rs->order);
}

static db_param *subquery_params(struct req *r, const struct row_set *rs, int lead, int *n)
{
    db_param *p = arena_calloc(r->arena, (size_t)(rs->nparams + lead + 2), sizeof(db_param));
    for (int i = 0; i < rs->nparams; i++)
        p[lead + i] = rs->params[i];
    p[lead + rs->nparams] = dbp_int(rs->limit);
    p[lead + rs->nparams + 1] = dbp_int(rs->offset);
    *n = rs->nparams + lead + 2;
    return p;
}

/* Runs a batch query whose rows start with (owner id, ...) sorted by owner, and renders each
 * owner's rows into one fragment with emit(). */
typedef void (*emit_fn)(strbuf *o, db_stmt *s, const void *ctx, bool first);

static int load_batch(struct req *r, const char *sql, db_param *params, int nparams,
                      struct frag_map *m, size_t expect, const char *open, const char *close,
                      emit_fn emit, const void *ctx)
{
    fm_init(m, r->arena, expect);
    db_stmt *s = db_query(r->db, sql, params, nparams);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t cur = 0;
    bool have = false;
    strbuf o;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t owner = db_col_i64(s, 0);
        if (!have || owner != cur) {
            if (have) {
                sb_adds(&o, close);
                fm_put(m, cur, &o);
            }
            sb_init(&o, r->arena, 256);
            sb_adds(&o, open);
            cur = owner;
            have = true;
            emit(&o, s, ctx, true);
        } else {
            sb_addc(&o, ',');
            emit(&o, s, ctx, false);
        }
    }
    if (have) {
        sb_adds(&o, close);
        fm_put(m, cur, &o);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

static void emit_child(strbuf *o, db_stmt *s, const void *ctx, bool first)
{
    const struct field_rt *fr = ctx;
    sb_add(o, "{\"id\":", 6);
    sb_add_i64(o, db_col_i64(s, 1));
    for (int k = 0; k < fr->nsub; k++) {
        sb_add(o, fr->sub_keys[k], fr->sub_key_lens[k]);
        render_embedded_column(o, fr->sub[k], s, 2 + k);
    }
    sb_addc(o, '}');
}

static int load_custom(struct req *r, const struct resource *res, const struct row_set *rs,
                       struct frag_map *m, size_t expect)
{
    /* Multi-select values are stored one per row and folded into arrays here. */
    int np;
    db_param *p = subquery_params(r, rs, 2, &np);
    p[0] = dbp_int(r->account_id);
    p[1] = dbp_text(res->target);
    char *sql = arena_printf(
        r->arena,
        "SELECT cv.entity_id, cp.name, cp.kind, cv.value, cp.id FROM custom_values cv JOIN "
        "custom_properties cp ON cp.id = cv.property_id WHERE cv.account_id = ? AND cv.entity = ? "
        "AND cv.entity_id IN (%s) ORDER BY cv.entity_id, cp.id, cv.seq",
        ids_subquery(r, res, rs));
    fm_init(m, r->arena, expect);
    db_stmt *s = db_query(r->db, sql, p, np);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t cur = 0, cur_prop = 0;
    bool have = false, in_array = false;
    strbuf o;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t owner = db_col_i64(s, 0);
        int64_t prop = db_col_i64(s, 4);
        bool multi = strcmp(db_col_text(s, 2), "MultiSelect") == 0;
        if (!have || owner != cur) {
            if (have) {
                sb_adds(&o, in_array ? "]}" : "}");
                fm_put(m, cur, &o);
            }
            sb_init(&o, r->arena, 256);
            sb_addc(&o, '{');
            cur = owner;
            have = true;
            in_array = false;
            cur_prop = 0;
        }
        if (prop == cur_prop && in_array) {
            sb_addc(&o, ',');
        } else {
            if (in_array)
                sb_addc(&o, ']');
            if (cur_prop)
                sb_addc(&o, ',');
            render_key(&o, db_col_text(s, 1));
            in_array = multi;
            if (multi)
                sb_addc(&o, '[');
        }
        cur_prop = prop;
        sb_add_json_str(&o, db_col_text(s, 3), db_col_len(s, 3));
    }
    if (have) {
        sb_adds(&o, in_array ? "]}" : "}");
        fm_put(m, cur, &o);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

/* Renders the rows of a row set, as a JSON array (list) or a single object (get). */
#define DEEP_OFFSET 1000 /* rows a page skips from which it takes its ids first */

int render_rows(struct req *r, const struct resource *res, const struct row_set *rs, strbuf *o,
                bool array, int *count)
{
    const struct res_rt *rt = rt_of(res);
    size_t expect = rs->limit > 0 ? (size_t)rs->limit : 1;
    struct frag_map *maps = arena_calloc(r->arena, (size_t)rt->nfields + 1, sizeof(*maps));
    for (int i = 0; i < rt->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!field_rendered(f))
            continue;
        if (f->type == FT_HAS_MANY) {
            int np;
            db_param *p = subquery_params(r, rs, 1, &np);
            p[0] = dbp_int(r->account_id);
            /* ?year=2020 on the children (.child_filter) */
            const char *narrow = f->child_filter ? req_query(r, f->child_filter) : NULL;
            int64_t value = 0;
            char *end = NULL;
            if (narrow && *narrow)
                value = strtoll(narrow, &end, 10);
            bool narrowed = narrow && *narrow && end && !*end;
            if (narrowed) {
                db_param *more = arena_calloc(r->arena, (size_t)np + 1, sizeof(db_param));
                memcpy(more, p, (size_t)np * sizeof(db_param));
                more[np++] = dbp_int(value);
                p = more;
            }
            char *sql =
                arena_printf(r->arena, "%s%s)%s%s%s ORDER BY c.%s, c.id", rt->f[i].batch_head,
                             ids_subquery(r, res, rs), narrowed ? " AND c." : "",
                             narrowed ? rt->f[i].child_filter_col : "", narrowed ? " = ?" : "",
                             rt->f[i].batch_tail);
            if (load_batch(r, sql, p, np, &maps[i], expect, "[", "]", emit_child, &rt->f[i]))
                return -1;
        }
    }

    /* A deep page (OFFSET 39900) takes its ids first, over the table alone, then their rows
     * with the joins: it skips ids, not joined rows (7.5 ms to 2 ms on SQLite at page 400 of
     * 50,000 expenses). Near the start, that second pass costs more than it saves (about a
     * fifth of a first page), so those pages join at once. */
    char *sql = rs->offset >= DEEP_OFFSET
                    ? arena_printf(r->arena, "%s WHERE t.id IN (%s) ORDER BY %s", rt->head,
                                   ids_subquery(r, res, rs), rs->order)
                    : arena_printf(r->arena, "%s WHERE %s ORDER BY %s LIMIT ? OFFSET ?", rt->head,
                                   rs->where, rs->order);
    int np;
    db_param *p = subquery_params(r, rs, 0, &np);
    db_stmt *s = db_query(r->db, sql, p, np);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    if (array)
        sb_addc(o, '[');
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n++)
            sb_addc(o, ',');
        int64_t id = db_col_i64(s, 0);
        sb_add(o, "{\"id\":", 6);
        sb_add_i64(o, id);
        for (int i = 0; i < rt->nfields; i++) {
            const struct field *f = &res->fields[i];
            const struct field_rt *fr = &rt->f[i];
            if (!fr->prefix || ((f->flags & F_ADMIN_ONLY) && !r->admin) ||
                (array && (f->flags & F_LIST_HIDDEN)))
                continue;
            if (fr->when_col >= 0) {
                const char *v = db_col_text(s, fr->when_col);
                if (!v || (fr->when_value && strcmp(v, fr->when_value) != 0)) {
                    while (fr->group_start && !rt->f[i].group_end && i + 1 < rt->nfields)
                        i++; /* the whole group goes */
                    continue;
                }
            }
            sb_add(o, fr->prefix, fr->prefix_len);
            switch (f->type) {
            case FT_REF: {
                int64_t ref_id;
                if (!db_col_int(s, fr->col, &ref_id)) {
                    sb_add(o, "null", 4);
                    break;
                }
                if (f->expand && expand_asked(r, f->expand)) { /* include_company=true */
                    if (engine_render_entity(r, f->ref, ref_id, o))
                        goto failed;
                    break;
                }
                sb_add(o, "{\"id\":", 6);
                sb_add_i64(o, ref_id);
                for (int k = 0; k < fr->nsub; k++) {
                    sb_add(o, fr->sub_keys[k], fr->sub_key_lens[k]);
                    if (fr->sub[k]->type == FT_REF) /* {id, ...} of the target's reference */
                        render_nested_ref(o, &fr->sub_ref[k], s, fr->sub_col[k]);
                    else
                        render_embedded_column(o, fr->sub[k], s, fr->sub_col[k]);
                }
                sb_addc(o, '}');
                break;
            }
            case FT_HAS_MANY: {
                size_t len = 0;
                const char *frag = fm_get(&maps[i], id, &len);
                if (frag)
                    sb_add(o, frag, len);
                else
                    sb_add(o, "[]", 2);
                break;
            }
            case FT_TAGS:
            case FT_CUSTOM:
                if (db_col_null(s, fr->col))
                    sb_adds(o, f->type == FT_TAGS ? "[]" : "{}");
                else
                    sb_add(o, db_col_text(s, fr->col), db_col_len(s, fr->col));
                break;
            default:
                render_column(o, f, s, fr->col);
            }
            if (fr->group_end)
                sb_addc(o, '}');
        }
        sb_add(o, rt->tail, rt->tail_len);
        sb_add_json_str(o, db_col_text(s, 1), db_col_len(s, 1));
        sb_add(o, ",\"updated_at\":", 14);
        sb_add_json_str(o, db_col_text(s, 2), db_col_len(s, 2));
        sb_addc(o, '}');
    }
    db_done(s);
    if (array)
        sb_addc(o, ']');
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (false) {
    failed:
        db_done(s);
        return -1;
    }
    if (count)
        *count = n;
    return 0;
}

/* The WHERE of one row: its account and, for the routed nested resource, its parent. */
static void single_row(struct req *r, const struct resource *res, int64_t id, db_param *p,
                       const char **where, int *np)
{
    p[0] = dbp_int(r->account_id);
    p[1] = dbp_int(id);
    *np = 2;
    *where = "t.account_id = ? AND t.id = ?";
    if (res == r->nested) {
        p[2] = dbp_int(r->parent_id);
        *np = 3;
        *where =
            arena_printf(r->arena, "t.account_id = ? AND t.id = ? AND t.%s = ?", res->parent_fk);
    }
}

/* Recomputes the rendered copies of an entity's tags and custom fields kept in its row. */
int engine_refresh_cache(struct req *r, const struct resource *res, int64_t id)
{
    const struct field *tags = resource_field_of_type(res, FT_TAGS);
    const struct field *custom = resource_field_of_type(res, FT_CUSTOM);
    if (!tags && !custom)
        return 0;
    db_param one[2] = {dbp_int(r->account_id), dbp_int(id)};
    struct row_set rs = {"t.account_id = ? AND t.id = ?", one, 2, "t.id", 1, 0};
    strbuf set;
    sb_init(&set, r->arena, 128);
    db_param p[4];
    int np = 0;
    if (tags) {
        strbuf names;
        sb_init(&names, r->arena, 128);
        if (tags_render_names(r, res->target, id, &names))
            return -1;
        sb_addf(&set, "%s = ?", field_column(tags));
        p[np++] = dbp_text(names.buf);
    }
    if (custom) {
        struct frag_map m;
        if (load_custom(r, res, &rs, &m, 1))
            return -1;
        size_t frag_len = 0;
        const char *frag = fm_get(&m, id, &frag_len);
        if (frag && frag_len > CUSTOM_MAX_BYTES) /* also after merging into stored values */
            return req_fail(r, 422, "custom_properties", "custom_properties is larger than 12 kB");
        sb_addf(&set, "%s%s = ?", np ? ", " : "", field_column(custom));
        p[np++] = dbp_text(frag ? frag : "{}");
    }
    p[np++] = dbp_int(id);
    p[np++] = dbp_int(r->account_id);
    char *sql = arena_printf(r->arena, "UPDATE %s SET %s WHERE id = ? AND account_id = ?",
                             res->table, set.buf);
    return db_exec(r->db, sql, p, np) == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

int engine_refresh_cache_of(struct req *r, const char *target, int64_t id)
{
    const struct resource *res = resource_by_target(target);
    return res ? engine_refresh_cache(r, res, id) : 0;
}

int engine_collect_entities(struct req *r, const char *sql, const db_param *p, int np,
                            struct entity_list *out)
{
    out->n = 0;
    out->items = NULL;
    db_stmt *s = db_query(r->db, sql, p, np);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (out->n == cap) {
            int ncap = cap ? cap * 2 : 16;
            out->items = arena_realloc(r->arena, out->items, sizeof(*out->items) * (size_t)cap,
                                       sizeof(*out->items) * (size_t)ncap);
            cap = ncap;
        }
        out->items[out->n].target = arena_strdup(r->arena, db_col_text(s, 0));
        out->items[out->n].id = db_col_i64(s, 1);
        out->n++;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

int engine_refresh_entities(struct req *r, const struct entity_list *list)
{
    for (int i = 0; i < list->n; i++)
        if (engine_refresh_cache_of(r, list->items[i].target, list->items[i].id))
            return -1;
    return 0;
}

int engine_render_entity(struct req *r, const struct resource *res, int64_t id, strbuf *out)
{
    db_param p[3];
    struct row_set rs = {NULL, p, 0, "t.id", 1, 0};
    single_row(r, res, id, p, &rs.where, &rs.nparams);
    size_t mark = out->len;
    int n = 0;
    if (render_rows(r, res, &rs, out, false, &n))
        return -1;
    if (n == 0) {
        out->len = mark;
        return req_fail(r, 404, NULL, "%s not found", res->target ? res->target : res->name);
    }
    return 0;
}

int64_t engine_own_user(const struct req *r, const struct resource *res)
{
    if (!res->own_column || !r->user_id || r->admin || req_perm(r, res->all_area) >= PERM_READ)
        return 0;
    return r->user_id;
}

bool engine_exists(struct req *r, const struct resource *res, int64_t id)
{
    bool scoped = res == r->nested;
    int64_t own = engine_own_user(r, res);
    char *sql = arena_printf(
        r->arena, "SELECT 1 FROM %s WHERE id = ? AND account_id = ?%s%s%s%s%s%s", res->table,
        scoped ? " AND " : "", scoped ? res->parent_fk : "", scoped ? " = ?" : "",
        own ? " AND " : "", own ? res->own_column : "", own ? " = ?" : "");
    db_param p[4] = {dbp_int(id), dbp_int(r->account_id)};
    int np = 2;
    if (scoped)
        p[np++] = dbp_int(r->parent_id);
    if (own)
        p[np++] = dbp_int(own);
    bool plain = !scoped && !own; /* the memo knows rows by their id alone */
    if (plain && memo_exists(r, res, id) == 1)
        return true;
    int64_t one = 0;
    db_query_i64(r->db, sql, p, np, 0, &one);
    if (one == 1 && plain)
        memo_exists_set(r, res, id);
    return one == 1;
}

int engine_check_parent(struct req *r, const struct resource *res)
{
    if (res != r->nested || !res->parent)
        return 0;
    if (!engine_exists(r, res->parent, r->parent_id))
        return req_fail(r, 404, NULL, "%s not found", res->parent->target);
    return 0;
}

int engine_require_kind(struct req *r, const struct resource *res, const char *kind, bool write)
{
    const struct resource *k = res->area_of && kind ? resource_by_target(kind) : NULL;
    if (!k)
        return 0;
    if (write && !(res->flags & R_AREA_OF_READ))
        return req_require_write(r, k->write_area);
    return req_require_read(r, k->read_area);
}

int engine_require_row_kind(struct req *r, const struct resource *res, int64_t id, bool write)
{
    if (!res->area_of)
        return 0;
    const struct field *f = resource_field(res, res->area_of);
    return engine_require_kind(r, res, engine_stored_text(r, res, id, field_column(f)), write);
}

int engine_get(struct req *r, const struct resource *res, int64_t id)
{
    if (req_require_read(r, res->read_area) || engine_check_parent(r, res) ||
        engine_require_row_kind(r, res, id, false))
        return -1;
    if (engine_own_user(r, res) && !engine_exists(r, res, id))
        return req_fail(r, 404, NULL, "%s not found", res->target ? res->target : res->name);
    if (engine_render_entity(r, res, id, &r->out))
        return -1;
    r->status = 200;
    return 0;
}
