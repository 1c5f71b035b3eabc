/* Lists: filters, term search, sort_by, pagination and its headers. */
#include "engine/internal.h"
#include "util/money.h"
#include "util/parse.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    int64_t n;
    if (!parse_i64(v, &n) || n < 1)
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
        const char *end;
        int64_t id;
        if (!parse_i64_prefix(p, &end, &id) || (*end && *end != ',' && *end != ' ') || n >= max)
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

int engine_bool_from_text(const char *v, bool *out)
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

static int date_bounds(struct list_query *q, const char *param, const char *from, const char *to,
                       const char *column);

/* An enum filter's values (one, or a comma-separated list with F_MULTI) must be its options:
 * 422 naming the parameter for one that is none of them. */
static bool enum_filter_unknown(struct req *r, const struct field *f, const char *v)
{
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = (f->flags & F_MULTI) ? strcspn(p, ",") : strlen(p), t = len;
        while (t && p[t - 1] == ' ')
            t--;
        bool known = t == 0;
        for (const char *const *o = f->options; !known && *o; o++)
            known = strlen(*o) == t && !strncmp(*o, p, t);
        if (!known) {
            strbuf all;
            sb_init(&all, r->arena, 64);
            for (const char *const *o = f->options; *o; o++)
                sb_addf(&all, "%s%s", o == f->options ? "" : ", ", *o);
            req_fail(r, 422, f->name, "%s must be one of %s", f->name, all.buf);
            return true;
        }
        p += len;
    }
    return false;
}

static int filter_declared(struct req *r, struct list_query *q, const struct resource *res)
{
    for (const struct field *f = res->fields; f->name; f++) {
        if (f->range) { /* from=a&to=b, or name=a:b */
            const char *comma = strchr(f->range, ',');
            char *from = arena_strndup(r->arena, f->range, (size_t)(comma - f->range));
            if (lq_date_range(q, from, comma + 1, field_column(f)))
                return -1;
            const char *span = req_query(r, f->name);
            const char *colon = span ? strchr(span, ':') : NULL;
            if (colon) {
                if (date_bounds(q, f->name, arena_strndup(r->arena, span, (size_t)(colon - span)),
                                colon + 1, field_column(f)))
                    return -1;
                continue;
            }
            if (span && *span && !(f->flags & F_FILTER)) { /* name=a: that one day */
                if (date_bounds(q, f->name, span, span, field_column(f)))
                    return -1;
                continue;
            }
        }
        if (!(f->flags & F_FILTER))
            continue;
        const char *key = f->type == FT_REF ? field_column(f) : f->name;
        const char *v = req_query(r, key);
        if (!v)
            continue;
        const char *col = field_column(f);
        if (f->type == FT_ENUM && f->options && enum_filter_unknown(r, f, v))
            return -1;
        switch (f->type) {
        case FT_BOOL: {
            bool b;
            if (engine_bool_from_text(v, &b))
                return req_fail(r, 422, key, "%s must be true or false", key);
            lq_where(q, arena_printf(r->arena, "t.%s = ?", col));
            lq_param(q, dbp_int(b));
            break;
        }
        case FT_DECIMAL:
        case FT_MONEY: {
            int64_t units;
            int rc = money_parse(v, strlen(v), field_scale(f), &units);
            if (rc != MONEY_OK)
                return req_fail(r, 422, key, "%s %s", key, money_problem(rc, field_scale(f)));
            lq_where(q, arena_printf(r->arena, "t.%s = ?", col));
            lq_param(q, dbp_int(units));
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

/* An inclusive range on a date or timestamp column; either end may be NULL or empty. */
static int date_bounds(struct list_query *q, const char *param, const char *from, const char *to,
                       const char *column)
{
    struct req *r = q->r;
    const struct field *f = NULL;
    for (const struct field *g = q->res->fields; g->name && !f; g++)
        if (field_stored(g) && !strcmp(field_column(g), column))
            f = g;
    bool stamp = !f || f->type == FT_TIMESTAMP; /* created_at / updated_at are timestamps */
    if ((from && *from && !date_valid(from)) || (to && *to && !date_valid(to)))
        return req_fail(r, 422, param, "%s must be a date (YYYY-MM-DD)", param);
    if (from && *from && to && *to && strcmp(from, to) > 0)
        return req_fail(r, 422, param, "%s: the start %s is after the end %s", param, from, to);
    if (from && *from) {
        lq_where(q, arena_printf(r->arena, "t.%s >= ?", column));
        lq_param(q, dbp_text(stamp ? arena_printf(r->arena, "%sT00:00:00Z", from) : from));
    }
    if (to && *to) {
        lq_where(q, arena_printf(r->arena, "t.%s <= ?", column));
        lq_param(q, dbp_text(stamp ? arena_printf(r->arena, "%sT23:59:59Z", to) : to));
    }
    return 0;
}

int lq_date_range(struct list_query *q, const char *from_param, const char *to_param,
                  const char *column)
{
    struct req *r = q->r;
    const char *from = req_query(r, from_param), *to = req_query(r, to_param);
    if (from && *from && to && *to && date_valid(from) && date_valid(to) && strcmp(from, to) > 0)
        return req_fail(r, 422, from_param, "%s (%s) is after %s (%s)", from_param, from, to_param,
                        to);
    if (date_bounds(q, from_param, from, NULL, column))
        return -1;
    return date_bounds(q, to_param, NULL, to, column);
}

char *engine_like_pattern(arena *a, const char *s, size_t len)
{
    strbuf pat;
    sb_init(&pat, a, len + 8);
    sb_addc(&pat, '%');
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' || c == '_' || c == '\\')
            sb_addc(&pat, '\\');
        sb_addc(&pat, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
    }
    sb_addc(&pat, '%');
    return pat.buf;
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
        const char *pat = engine_like_pattern(r->arena, p, len);
        strbuf cond;
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
            lq_param(q, dbp_text(pat));
        }
        if (res->search_extra) {
            sb_addf(&cond, "%slower(%s) LIKE ? ESCAPE '\\'", n++ ? " OR " : "", res->search_extra);
            lq_param(q, dbp_text(pat));
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
    if (v && engine_bool_from_text(v, &all))
        return req_fail(r, 422, "include_archived", "include_archived must be true or false");
    if (!all)
        lq_where(q, "t.active = 1");
    return 0;
}

static int parse_sort(struct req *r, const struct resource *res, const char **order)
{
    const char *v = req_query(r, "sort_by");
    if (!v || !*v) {
        const struct field *f = res->default_sort ? resource_field(res, res->default_sort) : NULL;
        *order = f ? arena_printf(r->arena, "t.%s, t.id", field_column(f)) : "t.id";
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
    bool nullable = false;
    if (!strcmp(name, "id") || !strcmp(name, "created_at") || !strcmp(name, "updated_at")) {
        col = name;
    } else {
        const struct field *f = resource_field(res, name);
        if (f && (f->flags & F_SORT)) {
            col = field_column(f);
            nullable = !(f->flags & F_REQUIRED);
        }
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
    /* Empty values sort last, descending first, as MOCO (on PostgreSQL) sorts them; SQLite
     * would put them first. Said only where a value can be empty, so that the order of the
     * others stays the one of their index. */
    *order = arena_printf(r->arena, "t.%s %s%s, t.id %s", col, desc ? "DESC" : "ASC",
                          !nullable ? ""
                          : desc    ? " NULLS FIRST"
                                    : " NULLS LAST",
                          desc ? "DESC" : "ASC");
    return 0;
}

static void add_link(struct req *r, strbuf *links, int64_t page, const char *rel)
{
    if (links->len)
        sb_add(links, ", ", 2);
    sb_addf(links, "<%s%s?", engine_public_base(r), r->raw_path);
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

/* .area_of: only the rows of kinds the caller may read (kinds without a resource: all). */
static void filter_readable_kinds(struct req *r, struct list_query *q, const struct resource *res)
{
    const struct field *f = resource_field(res, res->area_of);
    strbuf in;
    sb_init(&in, r->arena, 128);
    int n = 0;
    for (const char *const *o = f->options; o && *o; o++) {
        const struct resource *k = resource_by_target(*o);
        if (k && req_perm(r, k->read_area) < PERM_READ)
            continue;
        sb_adds(&in, n++ ? ", ?" : "?");
        lq_param(q, dbp_text(*o));
    }
    lq_where(q, n ? arena_printf(r->arena, "t.%s IN (%s)", field_column(f), in.buf)
                  : "1 = 0"); /* portable: PostgreSQL takes no integer as a condition */
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
    } else if (res->parent &&
               lq_id_list(&q, res->parent_fk,
                          arena_printf(r->arena, "t.%s IN (%%s)", res->parent_fk), 1)) {
        return -1; /* the list across parents (.flat_path), of some parents only */
    }
    int64_t own = engine_own_user(r, res);
    if (own) {
        lq_where(&q, arena_printf(r->arena, "t.%s = ?", res->own_column));
        lq_param(&q, dbp_int(own));
    }
    const char *order = "t.id";
    if (lq_id_list(&q, "ids", "t.id IN (%s)", 1) || filter_updated_after(r, &q) ||
        filter_declared(r, &q, res) || parse_sort(r, res, &order))
        return -1;
    if (filter_term(r, &q, res) || filter_archived(r, &q, res))
        return -1;
    if (res->list_filter && res->list_filter(r, &q))
        return -1;
    if (res->area_of)
        filter_readable_kinds(r, &q, res);
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
