/* Reading side of the engine: schema from declarations, SELECT heads, lists, rendering. */
#include "engine/engine.h"

#include "engine/internal.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct res_rt *runtimes;
static int nruntimes;

const struct res_rt *rt_of(const struct resource *res)
{
    for (int i = 0; i < nruntimes; i++)
        if (runtimes[i].res == res)
            return &runtimes[i];
    return NULL;
}

const struct field *resource_field(const struct resource *res, const char *name)
{
    const struct field *nested = NULL; /* a top-level field wins over one inside an object */
    for (const struct field *f = res->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) {
            if (!f->group)
                return f;
            if (!nested)
                nested = f;
        }
    return nested;
}

const struct resource *resource_by_target(const char *target)
{
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        if (res->target && !(res->flags & R_VIEW) && strcmp(res->target, target) == 0)
            return res;
    }
    return NULL;
}

const char *field_column(const struct field *f)
{
    if (f->column)
        return f->column;
    if (f->type == FT_REF) {
        /* a few rotating buffers, so that several names can be used in one expression */
        static __thread char bufs[4][96];
        static __thread unsigned next;
        char *buf = bufs[next++ % 4];
        snprintf(buf, sizeof(bufs[0]), "%s_id", f->name);
        return buf;
    }
    return f->name;
}

bool field_stored(const struct field *f)
{
    if (f->flags & F_TRANSIENT)
        return false;
    switch (f->type) {
    case FT_HAS_MANY:
    case FT_EXPR:
        return false;
    default:
        return true; /* tags and custom fields keep a rendered copy in the row */
    }
}

bool field_written(const struct field *f)
{
    return field_stored(f) && f->type != FT_TAGS && f->type != FT_CUSTOM;
}

bool field_rendered(const struct field *f)
{
    return !(f->flags & (F_WRITEONLY | F_INTERNAL | F_TRANSIENT)) && f->type != FT_PASSWORD;
}

/* An expression written over alias t, rewritten for another alias (`t.x` -> `j3.x`). */
static char *realias(const char *expr, const char *alias)
{
    strbuf o;
    sb_init(&o, NULL, strlen(expr) + 32);
    for (const char *p = expr; *p; p++) {
        bool word_start =
            p == expr || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                           (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'));
        if (word_start && p[0] == 't' && p[1] == '.') {
            sb_adds(&o, alias);
            sb_addc(&o, '.');
            p++;
        } else {
            sb_addc(&o, *p);
        }
    }
    return sb_detach(&o, NULL);
}

static const struct field **parse_field_list(const struct resource *target, const char *list,
                                             int *n)
{
    const struct field **out = calloc(16, sizeof(*out));
    *n = 0;
    char *copy = strdup(list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && *n < 16; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "id") == 0)
            continue; /* always rendered first */
        static const struct field stamps[] = {{"created_at", FT_TIMESTAMP},
                                              {"updated_at", FT_TIMESTAMP}};
        const struct field *f = resource_field(target, tok);
        if (!f && !strcmp(tok, "created_at"))
            f = &stamps[0]; /* the engine's own columns, when a nested list shows them */
        else if (!f && !strcmp(tok, "updated_at"))
            f = &stamps[1];
        if (!f) {
            fprintf(stderr, "mocod: declaration error: %s has no field %s\n", target->name, tok);
            abort();
        }
        out[(*n)++] = f;
    }
    free(copy);
    return out;
}

static enum db_coltype coltype_of(const struct field *f)
{
    switch (f->type) {
    case FT_INT:
    case FT_REF:
        return DBT_BIGINT;
    case FT_BOOL:
        return DBT_BOOL;
    case FT_DECIMAL:
        return DBT_DOUBLE;
    default:
        return DBT_TEXT;
    }
}

/* What is written before each field's value (`,"name":`, opening and closing of groups), so that
 * rendering a row only copies bytes. */
static void build_prefixes(struct res_rt *rt, const struct resource *res)
{
    int last = -1; /* the previous rendered field */
    for (int i = 0; i < rt->nfields; i++) {
        const struct field *f = &res->fields[i];
        struct field_rt *fr = &rt->f[i];
        fr->when_col = -1;
        if (!field_rendered(f))
            continue;
        const struct field *prev = last >= 0 ? &res->fields[last] : NULL;
        bool same_group = prev && prev->group && f->group && !strcmp(prev->group, f->group);
        if (prev && prev->group && !same_group)
            rt->f[last].group_end = true;
        strbuf p;
        sb_init(&p, NULL, 64);
        if (f->group && !same_group) {
            fr->group_start = true;
            sb_addf(&p, ",\"%s\":{\"%s\":", f->group, f->name);
        } else if (same_group) {
            sb_addf(&p, ",\"%s\":", f->name);
        } else {
            sb_addf(&p, ",\"%s\":", f->name);
        }
        fr->prefix = sb_detach(&p, &fr->prefix_len);
        if (fr->nsub) {
            fr->sub_keys = calloc((size_t)fr->nsub, sizeof(char *));
            fr->sub_key_lens = calloc((size_t)fr->nsub, sizeof(size_t));
            for (int k = 0; k < fr->nsub; k++) {
                strbuf kb;
                sb_init(&kb, NULL, 32);
                sb_addf(&kb, ",\"%s\":", fr->sub[k]->name);
                fr->sub_keys[k] = sb_detach(&kb, &fr->sub_key_lens[k]);
            }
        }
        last = i;
    }
    if (last >= 0 && res->fields[last].group)
        rt->f[last].group_end = true;
    /* "type=customer": render the field (its whole group) only on rows where type is customer */
    for (int i = 0; i < rt->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!f->when)
            continue;
        const char *eq = strchr(f->when, '=');
        char name[64];
        size_t n = eq ? (size_t)(eq - f->when) : strlen(f->when); /* "x": when x is not null */
        const struct field *cond = NULL;
        if (n < sizeof(name)) {
            memcpy(name, f->when, n);
            name[n] = '\0';
            cond = resource_field(res, name);
        }
        if (!cond || rt->f[cond - res->fields].col < 0) {
            fprintf(stderr, "mocod: declaration error: %s.%s: bad .when %s\n", res->name, f->name,
                    f->when);
            abort();
        }
        rt->f[i].when_col = rt->f[cond - res->fields].col;
        rt->f[i].when_value = eq ? eq + 1 : NULL;
    }
    rt->tail = strdup(",\"created_at\":");
    rt->tail_len = strlen(rt->tail);
}

static void build_runtime(struct res_rt *rt, const struct resource *res)
{
    rt->res = res;
    int n = 0;
    while (res->fields[n].name)
        n++;
    rt->nfields = n;
    rt->f = calloc((size_t)n, sizeof(*rt->f));
    strbuf sql, joins;
    sb_init(&sql, NULL, 512);
    sb_init(&joins, NULL, 256);
    sb_adds(&sql, "SELECT t.id, t.created_at, t.updated_at");
    int col = 3;
    for (int i = 0; i < n; i++) {
        const struct field *f = &res->fields[i];
        struct field_rt *fr = &rt->f[i];
        fr->col = -1;
        if (!field_rendered(f))
            continue;
        switch (f->type) {
        case FT_REF: {
            fr->sub =
                parse_field_list(f->ref, f->ref_fields ? f->ref_fields : "id,name", &fr->nsub);
            sb_addf(&joins, " LEFT JOIN %s j%d ON j%d.id = t.%s", f->ref->table, i, i,
                    field_column(f));
            sb_addf(&sql, ", j%d.id", i);
            fr->col = col++;
            for (int k = 0; k < fr->nsub; k++) {
                if (fr->sub[k]->type == FT_EXPR) {
                    char alias[16];
                    snprintf(alias, sizeof(alias), "j%d", i);
                    char *e = realias(fr->sub[k]->sql, alias);
                    sb_addf(&sql, ", (%s)", e);
                    free(e);
                } else
                    sb_addf(&sql, ", j%d.%s", i, field_column(fr->sub[k]));
                col++;
            }
            break;
        }
        case FT_HAS_MANY: {
            fr->sub = parse_field_list(f->ref, f->ref_fields, &fr->nsub);
            strbuf q;
            sb_init(&q, NULL, 256);
            sb_addf(&q, "SELECT c.%s, c.id", f->fk);
            for (int k = 0; k < fr->nsub; k++) {
                if (fr->sub[k]->type == FT_EXPR) {
                    char *e = realias(fr->sub[k]->sql, "c");
                    sb_addf(&q, ", (%s)", e);
                    free(e);
                } else {
                    sb_addf(&q, ", c.%s", field_column(fr->sub[k]));
                }
            }
            sb_addf(&q, " FROM %s c WHERE c.account_id = ? AND c.%s IN (", f->ref->table, f->fk);
            fr->batch_head = sb_detach(&q, NULL);
            fr->batch_tail = strdup(f->fk);
            break;
        }
        case FT_EXPR:
            sb_addf(&sql, ", (%s)", f->sql);
            fr->col = col++;
            break;
        default:
            sb_addf(&sql, ", t.%s", field_column(f));
            fr->col = col++;
        }
    }
    sb_addf(&sql, " FROM %s t%s", res->table, joins.buf);
    rt->head = sb_detach(&sql, NULL);
    build_prefixes(rt, res);
    sb_release(&joins);
}

int engine_init(void)
{
    if (runtimes)
        return 0;
    int n = 0;
    while (all_resources[n])
        n++;
    runtimes = calloc((size_t)n, sizeof(*runtimes));
    for (int i = 0; i < n; i++)
        build_runtime(&runtimes[i], all_resources[i]);
    nruntimes = n;
    return 0;
}

/* ---------------------------------------------------------------- schema */

/* "lower(col)" for an expression index (a static buffer: schema sync runs on one thread). */
static const char *lower_expr(const char *col)
{
    static char buf[128];
    snprintf(buf, sizeof(buf), "lower(%s)", col);
    return buf;
}

static int add_index(db_conn *c, const char *table, const char *cols, bool unique)
{
    char name[160];
    /* table__col1__col2: "__" between columns, so that no two column lists share a name */
    size_t k = (size_t)snprintf(name, sizeof(name), "%s__account", table);
    for (const char *p = cols; *p && k + 3 < sizeof(name); p++) {
        if (*p == ')' || *p == ' ')
            continue;
        if (*p == ',' || p == cols) {
            name[k++] = '_';
            name[k++] = '_';
        }
        if (*p != ',')
            name[k++] = *p == '(' ? '_' : *p;
    }
    name[k < sizeof(name) ? k : sizeof(name) - 1] = '\0';
    char sql[512];
    snprintf(sql, sizeof(sql), "CREATE %sINDEX IF NOT EXISTS %s ON %s (account_id%s%s)",
             unique ? "UNIQUE " : "", name, table, *cols ? ", " : "", cols);
    return db_exec_script(c, sql);
}

int engine_sync_schema(db *d, db_conn *c)
{
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        if (res->flags & R_VIEW)
            continue;
        char sql[1024];
        snprintf(sql, sizeof(sql),
                 "CREATE TABLE IF NOT EXISTS %s (id %s, account_id %s NOT NULL REFERENCES "
                 "accounts(id) ON DELETE CASCADE, created_at %s NOT NULL, updated_at %s NOT NULL)",
                 res->table, db_type(d, DBT_ID), db_type(d, DBT_BIGINT), db_type(d, DBT_TEXT),
                 db_type(d, DBT_TEXT));
        if (db_exec_script(c, sql) != DB_OK)
            return -1;
        for (const struct field *f = res->fields; f->name; f++) {
            if (!field_stored(f) || db_column_exists(c, res->table, field_column(f)))
                continue;
            snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", res->table,
                     field_column(f), db_type(d, coltype_of(f)));
            if (db_exec_script(c, sql) != DB_OK)
                return -1;
        }
        if (res->parent_fk && !db_column_exists(c, res->table, res->parent_fk)) {
            snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", res->table,
                     res->parent_fk, db_type(d, DBT_BIGINT));
            if (db_exec_script(c, sql) != DB_OK)
                return -1;
        }
        if (add_index(c, res->table, "id", false) ||
            add_index(c, res->table, "updated_at", false) ||
            (res->parent_fk && add_index(c, res->table, res->parent_fk, false)))
            return -1;
        for (const struct field *f = res->fields; f->name; f++) {
            if (!field_stored(f))
                continue;
            if (f->type == FT_REF || (f->flags & (F_FILTER | F_SORT | F_UNIQUE | F_INDEX)))
                if (add_index(c, res->table, field_column(f), false))
                    return -1;
            /* case-insensitive filters and uniqueness compare lower(column): index that too */
            if ((f->flags & F_NOCASE) &&
                add_index(c, res->table, lower_expr(field_column(f)), false))
                return -1;
        }
        if (res->global_indexes) {
            char name[160];
            size_t k = (size_t)snprintf(name, sizeof(name), "%s_by_", res->table);
            for (const char *q = res->global_indexes; *q && k + 2 < sizeof(name); q++)
                name[k++] = *q == ',' ? '_' : *q;
            name[k] = '\0';
            snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s ON %s (%s)", name, res->table,
                     res->global_indexes);
            if (db_exec_script(c, sql) != DB_OK)
                return -1;
        }
        if (res->indexes) {
            char *copy = strdup(res->indexes);
            char *save = NULL;
            for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
                if (add_index(c, res->table, tok, false)) {
                    free(copy);
                    return -1;
                }
            }
            free(copy);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- rendering */

/* A number as JSON, always with a fraction ("12.0", "0.25"). Amounts with at most 4 decimals,
 * the common case, take an integer path; printf's float formatting is the slow fallback. */
static void render_decimal(strbuf *o, double v)
{
    double scaled = v * 10000.0;
    if (scaled > -9e14 && scaled < 9e14 && scaled == (double)(int64_t)scaled) {
        int64_t n = (int64_t)scaled;
        if (n < 0) {
            sb_addc(o, '-');
            n = -n;
        }
        sb_add_i64(o, n / 10000);
        int64_t frac = n % 10000;
        char digits[6] = {'.',
                          (char)('0' + frac / 1000),
                          (char)('0' + frac / 100 % 10),
                          (char)('0' + frac / 10 % 10),
                          (char)('0' + frac % 10),
                          0};
        size_t len = 5;
        while (len > 2 && digits[len - 1] == '0')
            len--;
        sb_add(o, digits, len);
        return;
    }
    char tmp[40];
    int k = snprintf(tmp, sizeof(tmp), "%.15g", v);
    sb_add(o, tmp, (size_t)k);
    if (!strpbrk(tmp, ".eEn"))
        sb_add(o, ".0", 2);
}

void render_column(strbuf *o, const struct field *f, db_stmt *s, int col)
{
    enum field_type type = f->type == FT_EXPR ? f->as : f->type;
    bool textual = type != FT_INT && type != FT_REF && type != FT_BOOL && type != FT_DECIMAL;
    /* text columns answer NULL for SQL NULL: one call instead of a type check and a read */
    const char *text = textual ? db_col_text(s, col) : NULL;
    if (textual ? !text : db_col_null(s, col)) {
        if (type == FT_STRLIST)
            sb_add(o, "[]", 2);
        else
            sb_add(o, "null", 4);
        return;
    }
    switch (type) {
    case FT_INT:
    case FT_REF:
        sb_add_i64(o, db_col_i64(s, col));
        break;
    case FT_BOOL:
        if (db_col_i64(s, col))
            sb_add(o, "true", 4);
        else
            sb_add(o, "false", 5);
        break;
    case FT_DECIMAL:
        render_decimal(o, db_col_double(s, col));
        break;
    case FT_STRLIST:
        sb_add(o, text, db_col_len(s, col));
        break;
    default:
        sb_add_json_str(o, text, db_col_len(s, col));
        break;
    }
}

static void render_key(strbuf *o, const char *key)
{
    sb_addc(o, '"');
    sb_adds(o, key);
    sb_add(o, "\":", 2);
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

/* The rows a render covers, as SQL that yields their ids (and its parameters). */
struct row_set {
    const char *where; /* over alias t, includes the account condition */
    const db_param *params;
    int nparams;
    const char *order;
    int64_t limit;
    int64_t offset;
};

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
        render_column(o, fr->sub[k], s, 2 + k);
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
static int render_rows(struct req *r, const struct resource *res, const struct row_set *rs,
                       strbuf *o, bool array, int *count)
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
            char *sql = arena_printf(r->arena, "%s%s) ORDER BY c.%s, c.id", rt->f[i].batch_head,
                                     ids_subquery(r, res, rs), rt->f[i].batch_tail);
            if (load_batch(r, sql, p, np, &maps[i], expect, "[", "]", emit_child, &rt->f[i]))
                return -1;
        }
    }

    char *sql = arena_printf(r->arena, "%s WHERE %s ORDER BY %s LIMIT ? OFFSET ?", rt->head,
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
            case FT_REF:
                if (db_col_null(s, fr->col)) {
                    sb_add(o, "null", 4);
                    break;
                }
                if (f->expand && expand_asked(r, f->expand)) { /* include_company=true */
                    if (engine_render_entity(r, f->ref, db_col_i64(s, fr->col), o))
                        goto failed;
                    break;
                }
                sb_add(o, "{\"id\":", 6);
                sb_add_i64(o, db_col_i64(s, fr->col));
                for (int k = 0; k < fr->nsub; k++) {
                    sb_add(o, fr->sub_keys[k], fr->sub_key_lens[k]);
                    render_column(o, fr->sub[k], s, fr->col + 1 + k);
                }
                sb_addc(o, '}');
                break;
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

bool engine_exists(struct req *r, const struct resource *res, int64_t id)
{
    bool scoped = res == r->nested;
    char *sql =
        arena_printf(r->arena, "SELECT 1 FROM %s WHERE id = ? AND account_id = ?%s%s%s", res->table,
                     scoped ? " AND " : "", scoped ? res->parent_fk : "", scoped ? " = ?" : "");
    db_param p[3] = {dbp_int(id), dbp_int(r->account_id), dbp_int(r->parent_id)};
    int64_t one = 0;
    db_query_i64(r->db, sql, p, scoped ? 3 : 2, 0, &one);
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

int engine_get(struct req *r, const struct resource *res, int64_t id)
{
    if (req_require_read(r, res->read_area) || engine_check_parent(r, res))
        return -1;
    if (engine_render_entity(r, res, id, &r->out))
        return -1;
    r->status = 200;
    return 0;
}

/* ---------------------------------------------------------------- lists */

void lq_where(struct list_query *q, const char *sql)
{
    sb_add(&q->where, " AND ", 5);
    sb_adds(&q->where, sql);
}

void lq_param(struct list_query *q, db_param p)
{
    if (q->nparams < LQ_MAX_PARAMS)
        q->params[q->nparams++] = p;
    else
        q->empty = true; /* more values than we bind: refuse to widen the result */
}

static int parse_positive(struct req *r, const char *name, int64_t def, int64_t *out)
{
    const char *v = req_query(r, name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n < 1)
        return req_fail(r, 422, name, "%s must be a positive integer", name);
    *out = n;
    return 0;
}

int parse_id_list(const char *v, int64_t *ids, int max)
{
    int n = 0;
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        char *end;
        long long id = strtoll(p, &end, 10);
        if (end == p || (*end && *end != ',' && *end != ' ') || n >= max)
            return -1;
        ids[n++] = id;
        p = end;
    }
    return n;
}

int lq_id_list(struct list_query *q, const char *param, const char *sql_fmt, int binds)
{
    const char *v = req_query(q->r, param);
    if (!v)
        return 0;
    int64_t ids[64];
    int n = parse_id_list(v, ids, 64);
    if (n < 0)
        return req_fail(q->r, 422, param, "%s must be a comma-separated list of at most 64 ids",
                        param);
    if (n == 0) { /* nothing asked for, nothing found */
        q->empty = true;
        return 0;
    }
    strbuf marks;
    sb_init(&marks, q->r->arena, 64);
    for (int i = 0; i < n; i++)
        sb_adds(&marks, i ? ", ?" : "?");
    lq_where(q, arena_printf(q->r->arena, sql_fmt, marks.buf, marks.buf));
    for (int pass = 0; pass < binds; pass++)
        for (int i = 0; i < n; i++)
            lq_param(q, dbp_int(ids[i]));
    return 0;
}

static int filter_updated_after(struct req *r, struct list_query *q)
{
    const char *v = req_query(r, "updated_after");
    if (!v)
        return 0;
    time_t t;
    if (!time_parse_iso(v, &t))
        return req_fail(r, 422, "updated_after", "updated_after must be an ISO 8601 timestamp");
    char *iso = arena_alloc(r->arena, TIMESTAMP_LEN + 1);
    time_format_iso(t, iso);
    lq_where(q, "t.updated_at > ?");
    lq_param(q, dbp_text(iso));
    return 0;
}

static int bool_from_text(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return 0;
    }
    if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return 0;
    }
    return -1;
}

static int filter_declared(struct req *r, struct list_query *q, const struct resource *res)
{
    for (const struct field *f = res->fields; f->name; f++) {
        if (!(f->flags & F_FILTER))
            continue;
        const char *key = f->type == FT_REF ? field_column(f) : f->name;
        const char *v = req_query(r, key);
        if (!v)
            continue;
        const char *col = field_column(f);
        switch (f->type) {
        case FT_BOOL: {
            bool b;
            if (bool_from_text(v, &b))
                return req_fail(r, 422, key, "%s must be true or false", key);
            lq_where(q, arena_printf(r->arena, "t.%s = ?", col));
            lq_param(q, dbp_int(b));
            break;
        }
        case FT_INT:
        case FT_REF: /* one id or a comma-separated list */
            if (lq_id_list(q, key, arena_printf(r->arena, "t.%s IN (%%s)", col), 1))
                return -1;
            break;
        default:
            if (f->flags & F_MULTI) { /* "P1, P2" */
                strbuf in;
                sb_init(&in, r->arena, 64);
                sb_addf(&in, "t.%s IN (", col);
                int n = 0;
                for (const char *p = v; *p;) {
                    while (*p == ' ' || *p == ',')
                        p++;
                    size_t len = strcspn(p, ",");
                    size_t t = len;
                    while (t && p[t - 1] == ' ')
                        t--;
                    if (t && n < 64) {
                        sb_adds(&in, n++ ? ", ?" : "?");
                        lq_param(q, dbp_text(arena_strndup(r->arena, p, t)));
                    }
                    p += len;
                }
                sb_addc(&in, ')');
                if (n)
                    lq_where(q, in.buf);
                else
                    q->empty = true;
            } else if (f->flags & F_NOCASE) {
                lq_where(q, arena_printf(r->arena, "lower(t.%s) = lower(?)", col));
                lq_param(q, dbp_text(v));
            } else {
                lq_where(q, arena_printf(r->arena, "t.%s = ?", col));
                lq_param(q, dbp_text(v));
            }
        }
    }
    return 0;
}

int lq_date_range(struct list_query *q, const char *from_param, const char *to_param,
                  const char *column)
{
    struct req *r = q->r;
    const char *from = req_query(r, from_param), *to = req_query(r, to_param);
    const struct field *f = resource_field(q->res, column);
    bool stamp = !f || f->type == FT_TIMESTAMP; /* created_at / updated_at are timestamps */
    if (from && *from) {
        if (!date_valid(from))
            return req_fail(r, 422, from_param, "%s must be a date (YYYY-MM-DD)", from_param);
        lq_where(q, arena_printf(r->arena, "t.%s >= ?", column));
        lq_param(q, dbp_text(stamp ? arena_printf(r->arena, "%sT00:00:00Z", from) : from));
    }
    if (to && *to) {
        if (!date_valid(to))
            return req_fail(r, 422, to_param, "%s must be a date (YYYY-MM-DD)", to_param);
        lq_where(q, arena_printf(r->arena, "t.%s <= ?", column));
        lq_param(q, dbp_text(stamp ? arena_printf(r->arena, "%sT23:59:59Z", to) : to));
    }
    return 0;
}

/* term: every word must appear (any case) in one of the searchable fields. */
static int filter_term(struct req *r, struct list_query *q, const struct resource *res)
{
    const char *v = req_query(r, "term");
    if (!v || !*v)
        return 0;
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, " ,");
        if (!len)
            break;
        strbuf pat, cond;
        sb_init(&pat, r->arena, len + 8);
        sb_addc(&pat, '%');
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            if (c == '%' || c == '_' || c == '\\')
                sb_addc(&pat, '\\');
            sb_addc(&pat, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
        sb_addc(&pat, '%');
        sb_init(&cond, r->arena, 256);
        sb_addc(&cond, '(');
        int n = 0;
        for (const struct field *f = res->fields; f->name; f++) {
            if (!(f->flags & F_SEARCH))
                continue;
            if (f->type == FT_EXPR)
                sb_addf(&cond, "%slower(%s) LIKE ? ESCAPE '\\'", n++ ? " OR " : "", f->sql);
            else
                sb_addf(&cond, "%slower(t.%s) LIKE ? ESCAPE '\\'", n++ ? " OR " : "",
                        field_column(f));
            lq_param(q, dbp_text(pat.buf));
        }
        if (res->search_extra) {
            sb_addf(&cond, "%slower(%s) LIKE ? ESCAPE '\\'", n++ ? " OR " : "", res->search_extra);
            lq_param(q, dbp_text(pat.buf));
        }
        sb_addc(&cond, ')');
        if (!n)
            return req_fail(r, 422, "term", "%s cannot be searched", res->name);
        lq_where(q, cond.buf);
        p += len;
    }
    return 0;
}

/* Archivable resources (and users) list active rows unless include_archived=true. */
static int filter_archived(struct req *r, struct list_query *q, const struct resource *res)
{
    if (!(res->flags & R_HIDES_INACTIVE))
        return 0;
    const char *v = req_query(r, "include_archived");
    bool all = false;
    if (v && bool_from_text(v, &all))
        return req_fail(r, 422, "include_archived", "include_archived must be true or false");
    if (!all)
        lq_where(q, "t.active = 1");
    return 0;
}

static int parse_sort(struct req *r, const struct resource *res, const char **order)
{
    const char *v = req_query(r, "sort_by");
    if (!v || !*v) {
        *order = "t.id";
        return 0;
    }
    char name[64];
    size_t n = strcspn(v, " +");
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, v, n);
    name[n] = '\0';
    const char *dir = v + n;
    while (*dir == ' ' || *dir == '+')
        dir++;
    bool desc = false;
    if (!strcasecmp(dir, "desc"))
        desc = true;
    else if (*dir && strcasecmp(dir, "asc"))
        return req_fail(r, 422, "sort_by", "sort order must be asc or desc");
    const char *col = NULL;
    if (!strcmp(name, "id") || !strcmp(name, "created_at") || !strcmp(name, "updated_at")) {
        col = name;
    } else {
        const struct field *f = resource_field(res, name);
        if (f && (f->flags & F_SORT))
            col = field_column(f);
    }
    if (!col) {
        strbuf allowed;
        sb_init(&allowed, r->arena, 128);
        sb_adds(&allowed, "id, created_at, updated_at");
        for (const struct field *f = res->fields; f->name; f++)
            if (f->flags & F_SORT)
                sb_addf(&allowed, ", %s", f->name);
        return req_fail(r, 422, "sort_by", "cannot sort by '%s'; sortable fields: %s", name,
                        allowed.buf);
    }
    *order = arena_printf(r->arena, "t.%s %s, t.id %s", col, desc ? "DESC" : "ASC",
                          desc ? "DESC" : "ASC");
    return 0;
}

static void add_link(struct req *r, strbuf *links, int64_t page, const char *rel)
{
    if (links->len)
        sb_add(links, ", ", 2);
    const char *proto = r->cfg && r->cfg->public_scheme ? r->cfg->public_scheme : "http";
    sb_addf(links, "<%s://%s%s?", proto, r->host ? r->host : "localhost", r->raw_path);
    bool first = true;
    for (int i = 0; i < r->nquery; i++) {
        if (!strcmp(r->query[i].key, "page"))
            continue;
        if (!first)
            sb_addc(links, '&');
        first = false;
        sb_add_urlenc(links, r->query[i].key);
        sb_addc(links, '=');
        sb_add_urlenc(links, r->query[i].value);
    }
    sb_addf(links, "%spage=%lld>; rel=\"%s\"", first ? "" : "&", (long long)page, rel);
}

int engine_list(struct req *r, const struct resource *res)
{
    if (req_require_read(r, res->read_area))
        return -1;
    int64_t page = 1, per_page = 100;
    bool paginated = !(res->flags & R_UNPAGINATED);
    if (!paginated)
        per_page = INT32_MAX; /* small account lists: every row, as MOCO answers them */
    else if (parse_positive(r, "page", 1, &page) || parse_positive(r, "per_page", 100, &per_page))
        return -1;
    if (paginated && per_page > 1000)
        per_page = 1000;
    if (page > INT64_MAX / per_page)
        return req_fail(r, 422, "page", "page is out of range");

    if (engine_check_parent(r, res))
        return -1;
    struct list_query q = {.r = r, .res = res};
    sb_init(&q.where, r->arena, 256);
    sb_adds(&q.where, "t.account_id = ?");
    lq_param(&q, dbp_int(r->account_id));
    if (res == r->nested) {
        lq_where(&q, arena_printf(r->arena, "t.%s = ?", res->parent_fk));
        lq_param(&q, dbp_int(r->parent_id));
    }
    const char *order = "t.id";
    if (lq_id_list(&q, "ids", "t.id IN (%s)", 1) || filter_updated_after(r, &q) ||
        filter_declared(r, &q, res) || parse_sort(r, res, &order))
        return -1;
    if (filter_term(r, &q, res) || filter_archived(r, &q, res))
        return -1;
    if (res->list_filter && res->list_filter(r, &q))
        return -1;
    if (resource_field_of_type(res, FT_CUSTOM) && custom_filter(&q, res->target))
        return -1;

    int64_t total = 0;
    if (!q.empty) {
        char *sql =
            arena_printf(r->arena, "SELECT COUNT(*) FROM %s t WHERE %s", res->table, q.where.buf);
        if (db_query_i64_cached(r->db, r->account_id, r->data_version, sql, q.params, q.nparams,
                                &total) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
    }
    r->status = 200;
    if (q.empty || total == 0) {
        sb_add(&r->out, "[]", 2);
    } else {
        struct row_set rs = {q.where.buf, q.params, q.nparams,
                             order,       per_page, (page - 1) * per_page};
        if (render_rows(r, res, &rs, &r->out, true, NULL))
            return -1;
    }
    if (!paginated)
        return 0;
    req_add_header(r, "X-Page", arena_printf(r->arena, "%lld", (long long)page));
    req_add_header(r, "X-Per-Page", arena_printf(r->arena, "%lld", (long long)per_page));
    req_add_header(r, "X-Total", arena_printf(r->arena, "%lld", (long long)total));
    strbuf links;
    sb_init(&links, r->arena, 256);
    if (page * per_page < total)
        add_link(r, &links, page + 1, "next");
    if (page > 1) {
        int64_t last = total ? (total + per_page - 1) / per_page : 1;
        add_link(r, &links, page - 1 < last ? page - 1 : last, "prev");
    }
    if (links.len)
        req_add_header(r, "Link", links.buf);
    return 0;
}

const struct field *resource_field_of_type(const struct resource *res, enum field_type type)
{
    for (const struct field *f = res->fields; f->name; f++)
        if (f->type == type)
            return f;
    return NULL;
}
