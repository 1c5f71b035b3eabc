/* The declaration lint: wrong declarations stop the server at start-up, loudly, instead of
 * behaving in some default way (an undeclared permission area would be no permission at all). */
#include "engine/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct lint {
    char *out;
    size_t len, cap;
    int n;
};

__attribute__((format(printf, 2, 3))) static void problem(struct lint *l, const char *fmt, ...)
{
    l->n++;
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(l->out + l->len, l->cap - l->len - 1, fmt, ap);
    va_end(ap);
    if (w > 0)
        l->len += (size_t)w < l->cap - l->len - 1 ? (size_t)w : l->cap - l->len - 1;
    l->out[l->len++] = '\n';
    l->out[l->len] = '\0';
}

static bool area_declared(enum perm_area a)
{
    return a == AREA_ANY || (a > AREA_UNSET && a < AREA_COUNT);
}

static bool has_writes(const struct resource *res)
{
    if (!(res->flags & R_SINGLETON) &&
        ((res->flags & R_READONLY) != R_READONLY || (res->flags & R_ARCHIVABLE) == R_ARCHIVABLE))
        return true;
    for (const struct action *a = res->actions; a && a->name; a++)
        if (strcmp(a->method, "GET") != 0)
            return true;
    return false;
}

static bool method_known(const char *m)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    for (const char *const *k = methods; *k; k++)
        if (m && !strcmp(m, *k))
            return true;
    return false;
}

/* A stored column of the resource (a declared field's, or the parent's key). */
static bool column_known(const struct resource *res, const char *column)
{
    if (res->parent_fk && !strcmp(res->parent_fk, column))
        return true;
    for (const struct field *f = res->fields; f->name; f++)
        if (field_stored(f) && !strcmp(field_column(f), column))
            return true;
    return false;
}

static int count_tokens(const char *sql)
{
    int n = 0;
    for (const char *p = sql; (p = strchr(p, ':')) != NULL; p++)
        n += !strncmp(p, ":now", 4) || !strncmp(p, ":today", 6) || !strncmp(p, ":link", 5);
    return n;
}

static bool event_known(const char *e)
{
    static const char *const events[] = {"",        "create",    "update", "delete",
                                         "archive", "unarchive", NULL};
    for (const char *const *k = events; *k; k++)
        if (!strcmp(e, *k))
            return true;
    return false;
}

static void lint_action(struct lint *l, const struct resource *res, const struct action *a)
{
    if (a->event && !event_known(a->event))
        problem(l, "%s/%s: unknown event %s", res->name, a->name, a->event);
    if (!method_known(a->method))
        problem(l, "%s/%s: unknown method", res->name, a->name);
    bool read = a->method && !strcmp(a->method, "GET");
    if (read && a->set)
        problem(l, "%s/%s: a GET action cannot set columns", res->name, a->name);
    if (a->bulk && (read || !(a->flags & A_COLLECTION) || a->fn || a->prepare))
        problem(l, "%s/%s: a bulk create is a collection POST without code of its own", res->name,
                a->name);
    if (!a->fn && !a->set && !a->bulk && a->answer != ANSWER_OWN)
        problem(l, "%s/%s: an action without code, columns or an answer of its own", res->name,
                a->name);
    if (a->answer == ANSWER_OWN && !a->render)
        problem(l, "%s/%s: ANSWER_OWN needs .render", res->name, a->name);
    if (a->set && (a->flags & A_COLLECTION))
        problem(l, "%s/%s: declared columns need a row (not a collection action)", res->name,
                a->name);
    for (const struct col_set *cs = a->set; cs && (cs->column || cs->field); cs++) {
        if (cs->field) {
            const struct field *f = resource_field(res, cs->field);
            if (!f || !field_written(f))
                problem(l, "%s/%s: sets unknown or unwritten field %s", res->name, a->name,
                        cs->field);
            else if (f->flags & F_UNIQUE) /* declared inputs are checked as values, not rows */
                problem(l, "%s/%s: a declared input cannot be unique (%s)", res->name, a->name,
                        cs->field);
        } else if (!column_known(res, cs->column)) {
            problem(l, "%s/%s: sets unknown column %s", res->name, a->name, cs->column);
        } else if (!cs->sql) {
            problem(l, "%s/%s: column %s has neither .sql nor .field", res->name, a->name,
                    cs->column);
        } else if (count_tokens(cs->sql) > 3) {
            problem(l, "%s/%s: column %s binds more than 3 values", res->name, a->name, cs->column);
        } else if (strstr(cs->sql, ":link") && !cs->link) {
            problem(l, "%s/%s: :link without .link", res->name, a->name);
        }
    }
}

static bool plain_word(const char *s)
{
    return s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* A totals table: named totals_*, keys and sums of plain names, each expression about the row
 * ("$.column" of a column the resource stores). */
static void lint_totals(struct lint *l, const struct resource *res, const struct totals_decl *t)
{
    if (!plain_word(t->table) || strncmp(t->table, "totals_", 7) || strlen(t->table) > 48 ||
        !strcmp(t->table, "totals_definitions") || !t->keys || !t->keys[0].name || !t->sums ||
        !t->sums[0].name)
        problem(l,
                "%s: totals need a table totals_NAME (at most 48 characters, not "
                "totals_definitions), keys and sums",
                res->name);
    char cols[TOTALS_MAX_COLUMNS][64];
    int ncols = totals_columns(t, cols, TOTALS_MAX_COLUMNS);
    if (ncols < 0 || ncols > TOTALS_MAX_COLUMNS)
        problem(l, "%s: totals %s read more than %d columns", res->name, t->table,
                TOTALS_MAX_COLUMNS);
    const struct total_col *lists[2] = {t->keys, t->sums};
    for (int i = 0; i < 2; i++)
        for (const struct total_col *c = lists[i]; c && c->name; c++) {
            bool ok = plain_word(c->name) && c->sql && strstr(c->sql, "$.") &&
                      (i == 1 || c->type == DBT_BIGINT || c->type == DBT_TEXT);
            for (const char *p = c->sql ? strstr(c->sql, "$.") : NULL; ok && p;
                 p = strstr(p, "$.")) {
                p += 2;
                char col[64];
                size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
                ok = n && n < sizeof(col);
                if (ok) {
                    memcpy(col, p, n);
                    col[n] = '\0';
                    ok = column_known(res, col);
                }
            }
            if (!ok)
                problem(l,
                        "%s: totals %s.%s: a plain name, a key of BIGINT or TEXT, and SQL "
                        "over \"$.column\" of the resource's stored columns",
                        res->name, t->table, c->name ? c->name : "?");
        }
}

int engine_lint(const struct registry *reg, char *err, size_t errlen)
{
    struct lint l = {err, 0, errlen, 0};
    if (errlen)
        err[0] = '\0';
    if (!reg || !reg->resources) {
        problem(&l, "no registry");
        return l.n;
    }
    for (const struct resource *const *p = reg->resources; *p; p++) {
        const struct resource *res = *p;
        const char *name = res->name ? res->name : "(unnamed)";
        if (!res->name || !res->path || !res->table || !res->fields || !res->target)
            problem(&l, "%s: needs name, path, table, target and fields", name);
        if (res->table && !strncmp(res->table, "totals_", 7))
            problem(&l, "%s: tables named totals_* are the engine's totals", name);
        if (!area_declared(res->read_area))
            problem(&l, "%s: no read_area declared", name);
        if (has_writes(res) && !area_declared(res->write_area))
            problem(&l, "%s: no write_area declared", name);
        if (res->area_of) {
            const struct field *kind = resource_field(res, res->area_of);
            if (!kind || kind->type != FT_ENUM)
                problem(&l, "%s: area_of must name an FT_ENUM field", name);
        }
        if (res->parent && !res->parent_fk)
            problem(&l, "%s: a nested resource needs parent_fk", name);
        if (res->default_sort && (!resource_field(res, res->default_sort) ||
                                  !(resource_field(res, res->default_sort)->flags & F_SORT) ||
                                  !(resource_field(res, res->default_sort)->flags & F_REQUIRED)))
            problem(&l, "%s: default_sort must name a required F_SORT field", name);
        if (res->own_column && (res->all_area <= AREA_UNSET || res->all_area >= AREA_COUNT))
            problem(&l, "%s: own_column needs all_area, the area that shows every row", name);
        for (const struct field *f = res->fields; f && f->name; f++) {
            if ((f->type == FT_REF || f->type == FT_HAS_MANY) && !f->ref)
                problem(&l, "%s.%s: needs .ref", name, f->name);
            if (f->type == FT_ENUM && !f->options)
                problem(&l, "%s.%s: an enum needs .options", name, f->name);
            if (f->type == FT_EXPR && !f->sql)
                problem(&l, "%s.%s: an expression needs .sql", name, f->name);
            if (f->range &&
                (!strchr(f->range, ',') || (f->type != FT_DATE && f->type != FT_TIMESTAMP)))
                problem(&l, "%s.%s: .range needs a date field and \"from,to\"", name, f->name);
            if ((f->flags & F_WITH_PARENT) &&
                (f->type != FT_HAS_MANY || !f->ref || f->ref->parent != res || !f->fk ||
                 !f->ref->parent_fk || strcmp(f->ref->parent_fk, f->fk) != 0))
                problem(&l, "%s.%s: F_WITH_PARENT needs a nested child whose parent_fk is .fk",
                        name, f->name);
            if (f->unique_scope && (!(f->flags & F_UNIQUE) || !column_known(res, f->unique_scope)))
                problem(&l, "%s.%s: .unique_scope needs F_UNIQUE and a column of %s", name, f->name,
                        name);
            if (f->sequence && (f->type != FT_TEXT || !sequence_pattern_valid(f->sequence)))
                problem(&l, "%s.%s: .sequence needs a text field and one {n} or {n:K}", name,
                        f->name);
            if (f->sequence_date && (!f->sequence || !resource_field(res, f->sequence_date) ||
                                     resource_field(res, f->sequence_date)->type != FT_DATE))
                problem(&l, "%s.%s: .sequence_date needs .sequence and a date field", name,
                        f->name);
            json_t *def = f->def ? json_loads(f->def, JSON_DECODE_ANY, NULL) : NULL;
            if (f->def && !def)
                problem(&l, "%s.%s: .def is not JSON", name, f->name);
            json_decref(def);
            if (f->type == FT_HAS_MANY && !f->fk)
                problem(&l, "%s.%s: needs .fk", name, f->name);
        }
        for (const struct action *a = res->actions; a && a->name; a++)
            lint_action(&l, res, a);
        for (const struct totals_decl *t = res->totals; t && t->table; t++)
            lint_totals(&l, res, t);
    }
    for (const struct view *const *list = reg->views; list && *list; list++)
        for (const struct view *v = *list; v->pattern; v++) {
            if (!v->fn)
                problem(&l, "view %s: needs a handler", v->pattern);
            if (!area_declared(v->area) && v->area != AREA_OF_ENTITY)
                problem(&l, "view %s: no permission area declared", v->pattern);
            if ((v->params & ~(unsigned)VP_ALL) || (v->max_days && !(v->params & VP_RANGE)) ||
                v->max_days < 0)
                problem(&l, "view %s: unknown parameters, or max_days without VP_RANGE",
                        v->pattern);
        }
    for (const struct route_decl *const *list = reg->routes; list && *list; list++)
        for (const struct route_decl *d = *list; d->pattern; d++) {
            if (!method_known(d->method) || !d->fn)
                problem(&l, "route %s %s: needs a known method and a handler", d->method,
                        d->pattern);
            if (!area_declared(d->area) && d->area != AREA_PUBLIC && d->area != AREA_OF_ENTITY)
                problem(&l, "route %s %s: no permission area declared", d->method, d->pattern);
            if ((d->flags & ROUTE_ROOT) && (d->area != AREA_PUBLIC || (d->flags & ROUTE_WRITE)))
                problem(&l,
                        "route %s %s: a root route is AREA_PUBLIC and writes through "
                        "engine_write itself",
                        d->method, d->pattern);
        }
    return l.n;
}
