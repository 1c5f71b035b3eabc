/* The engine's declarations at run time: the registry, field lookups, SELECT heads and keys
 * built once at start-up. Schema (schema.c), rendering (render.c), lists (query.c) and writes
 * (write.c, action.c) build on them. */
#include "engine/engine.h"

#include "engine/internal.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct res_rt *runtimes;
static int nruntimes;
static const struct registry *registry; /* handed over by main at start-up */

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
    for (int i = 0; registry->resources[i]; i++) {
        const struct resource *res = registry->resources[i];
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

int field_scale(const struct field *f)
{
    if (f->scale > 0 && f->scale <= MONEY_MAX_SCALE)
        return f->scale;
    return f->type == FT_MONEY || (f->type == FT_EXPR && f->as == FT_MONEY) ? 2 : 4;
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
        sb_addc(&p, ',');
        if (f->group && !same_group) {
            fr->group_start = true;
            sb_add_json_str(&p, f->group, strlen(f->group));
            sb_add(&p, ":{", 2);
        }
        sb_add_json_str(&p, f->name, strlen(f->name));
        sb_addc(&p, ':');
        fr->prefix = sb_detach(&p, &fr->prefix_len);
        if (fr->nsub) {
            fr->sub_keys = calloc((size_t)fr->nsub, sizeof(char *));
            fr->sub_key_lens = calloc((size_t)fr->nsub, sizeof(size_t));
            for (int k = 0; k < fr->nsub; k++) {
                strbuf kb;
                sb_init(&kb, NULL, 32);
                sb_addc(&kb, ',');
                sb_add_json_str(&kb, fr->sub[k]->name, strlen(fr->sub[k]->name));
                sb_addc(&kb, ':');
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
        if (f->def) /* the lint has checked that it parses */
            fr->def = json_loads(f->def, JSON_DECODE_ANY, NULL);
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
            fr->sub_col = calloc((size_t)fr->nsub + 1, sizeof(int));
            fr->sub_ref = calloc((size_t)fr->nsub + 1, sizeof(struct field_rt));
            for (int k = 0; k < fr->nsub; k++) {
                const struct field *sub = fr->sub[k];
                fr->sub_col[k] = col;
                if (sub->type == FT_REF) { /* an object in the object: one more join */
                    struct field_rt *nr = &fr->sub_ref[k];
                    nr->sub = parse_field_list(
                        sub->ref, sub->ref_fields ? sub->ref_fields : "id,name", &nr->nsub);
                    sb_addf(&joins, " LEFT JOIN %s j%d_%d ON j%d_%d.id = j%d.%s", sub->ref->table,
                            i, k, i, k, i, field_column(sub));
                    sb_addf(&sql, ", j%d_%d.id", i, k);
                    col++;
                    nr->sub_keys = calloc((size_t)nr->nsub + 1, sizeof(char *));
                    nr->sub_key_lens = calloc((size_t)nr->nsub + 1, sizeof(size_t));
                    for (int m = 0; m < nr->nsub; m++) {
                        const struct field *g = nr->sub[m];
                        if (g->type == FT_REF || g->type == FT_HAS_MANY) {
                            fprintf(stderr,
                                    "mocod: declaration error: %s.%s: %s.%s nests too deep\n",
                                    res->name, f->name, sub->name, g->name);
                            abort();
                        }
                        char alias[32];
                        snprintf(alias, sizeof(alias), "j%d_%d", i, k);
                        if (g->type == FT_EXPR) {
                            char *e = realias(g->sql, alias);
                            sb_addf(&sql, ", (%s)", e);
                            free(e);
                        } else
                            sb_addf(&sql, ", %s.%s", alias, field_column(g));
                        col++;
                        strbuf kb;
                        sb_init(&kb, NULL, 32);
                        sb_addc(&kb, ',');
                        sb_add_json_str(&kb, g->name, strlen(g->name));
                        sb_addc(&kb, ':');
                        nr->sub_keys[m] = sb_detach(&kb, &nr->sub_key_lens[m]);
                    }
                    continue;
                }
                if (sub->type == FT_EXPR) {
                    char alias[16];
                    snprintf(alias, sizeof(alias), "j%d", i);
                    char *e = realias(sub->sql, alias);
                    sb_addf(&sql, ", (%s)", e);
                    free(e);
                } else
                    sb_addf(&sql, ", j%d.%s", i, field_column(sub));
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
            if (f->child_filter) {
                const struct field *cf = resource_field(f->ref, f->child_filter);
                if (!cf || cf->type != FT_INT) {
                    fprintf(stderr, "mocod: declaration error: %s.%s: bad .child_filter %s\n",
                            res->name, f->name, f->child_filter);
                    abort();
                }
                fr->child_filter_col = field_column(cf);
            }
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

const struct registry *engine_registry(void)
{
    return registry;
}

int engine_init(const struct registry *reg)
{
    if (runtimes)
        return 0;
    char problems[4096];
    if (engine_lint(reg, problems, sizeof(problems))) {
        fprintf(stderr, "mocod: the resource declarations are wrong:\n%s", problems);
        return -1;
    }
    registry = reg;
    int n = 0;
    while (reg->resources[n])
        n++;
    runtimes = calloc((size_t)n, sizeof(*runtimes));
    for (int i = 0; i < n; i++)
        build_runtime(&runtimes[i], reg->resources[i]);
    nruntimes = n;
    return 0;
}

const struct field *resource_field_of_type(const struct resource *res, enum field_type type)
{
    for (const struct field *f = res->fields; f->name; f++)
        if (f->type == type && !(f->flags & F_TRANSIENT)) /* hook input: no tags, no values */
            return f;
    return NULL;
}
