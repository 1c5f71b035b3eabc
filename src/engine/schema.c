/* Tables, columns and indexes made from the declarations. */
#include "engine/internal.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum db_coltype coltype_of(const struct field *f)
{
    switch (f->type) {
    case FT_INT:
    case FT_REF:
        return DBT_BIGINT;
    case FT_BOOL:
        return DBT_BOOL;
    case FT_DECIMAL:
    case FT_MONEY:
        return DBT_BIGINT; /* exact units at the field's scale */
    default:
        return DBT_TEXT;
    }
}

/* Whether one of the declared .indexes ("a,b;c") begins with column and more columns. */
static bool declared_index_starts_with(const struct resource *res, const char *column)
{
    size_t n = strlen(column);
    for (const char *g = res->indexes; g && *g;) {
        if (!strncmp(g, column, n) && g[n] == ',')
            return true;
        g = strchr(g, ';');
        g = g ? g + 1 : NULL;
    }
    return false;
}

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

/* Before exact money, FT_DECIMAL columns were REAL. Such a column is converted in place, once:
 * renamed aside, re-added as INTEGER units, filled from the decimal literal of each stored double
 * (12.5 -> 1250 at scale 2), and the old one dropped; its indexes are made again below. A stored
 * value with more decimals than the scale is rounded half away from zero and reported. */
static int convert_real_column(db *d, db_conn *c, const struct resource *res, const struct field *f)
{
    const char *col = field_column(f);
    char type[64], old[128], sql[512];
    if (!db_column_type(c, res->table, col, type, sizeof(type)) ||
        strcasecmp(type, db_type(d, DBT_DOUBLE)) != 0)
        return 0;
    snprintf(old, sizeof(old), "%s__real", col);
    snprintf(sql, sizeof(sql),
             "ALTER TABLE %s RENAME COLUMN %s TO %s; ALTER TABLE %s ADD COLUMN %s %s", res->table,
             col, old, res->table, col, db_type(d, coltype_of(f)));
    if (db_exec_script(c, sql) != DB_OK)
        return -1;
    /* read all first, then write: no update runs under an open SELECT of the same table */
    size_t n = 0, cap = 0;
    int64_t *ids = NULL, *units = NULL;
    int rc = -1;
    snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s WHERE %s IS NOT NULL", old, res->table, old);
    db_stmt *st = db_query(c, sql, NULL, 0);
    if (!st)
        goto out;
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *ni = realloc(ids, cap * sizeof(*ids)),
                    *nu = ni ? realloc(units, cap * sizeof(*units)) : NULL;
            if (ni)
                ids = ni;
            if (nu)
                units = nu;
            if (!ni || !nu) {
                db_done(st);
                goto out;
            }
        }
        double value = db_col_double(st, 1);
        bool inexact = false;
        ids[n] = db_col_i64(st, 0);
        if (money_from_double_rounded(value, field_scale(f), &units[n], &inexact) != MONEY_OK) {
            fprintf(stderr, "mocod: migration: %s.%s of id %lld (%.17g) is out of range\n",
                    res->table, col, (long long)ids[n], value);
            db_done(st);
            goto out;
        }
        if (inexact)
            fprintf(stderr, "mocod: migration: %s.%s of id %lld: %.17g rounded to %d decimals\n",
                    res->table, col, (long long)ids[n], value, field_scale(f));
        n++;
    }
    db_done(st);
    if (step != DB_DONE)
        goto out;
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", res->table, col);
    for (size_t i = 0; i < n; i++) {
        db_param p[2] = {dbp_int(units[i]), dbp_int(ids[i])};
        if (db_exec(c, sql, p, 2) != DB_DONE)
            goto out;
    }
    rc = db_drop_column(c, res->table, old) == DB_OK ? 0 : -1;
out:
    free(ids);
    free(units);
    if (rc)
        fprintf(stderr, "mocod: migration: converting %s.%s to exact units failed\n", res->table,
                col);
    return rc;
}

int engine_sync_schema(db *d, db_conn *c)
{
    for (int i = 0; engine_registry()->resources[i]; i++) {
        const struct resource *res = engine_registry()->resources[i];
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
            if (!field_stored(f))
                continue;
            if (db_column_exists(c, res->table, field_column(f))) {
                if ((f->type == FT_DECIMAL || f->type == FT_MONEY) &&
                    convert_real_column(d, c, res, f))
                    return -1;
                continue;
            }
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
            /* a column of its own, except a yes/no filter (which an index hardly narrows) and
             * a column that a declared index already begins with (which serves it as well) */
            bool wanted = f->type == FT_REF || (f->flags & (F_SORT | F_UNIQUE | F_INDEX)) ||
                          ((f->flags & F_FILTER) && f->type != FT_BOOL);
            if (wanted && !declared_index_starts_with(res, field_column(f)) &&
                add_index(c, res->table, field_column(f), false))
                return -1;
            /* case-insensitive filters and uniqueness compare lower(column): index that too */
            if ((f->flags & F_NOCASE) &&
                add_index(c, res->table, lower_expr(field_column(f)), false))
                return -1;
        }
        /* "a,b;c,d": one index across accounts per list of columns */
        for (const char *g = res->global_indexes; g && *g;) {
            size_t len = strcspn(g, ";");
            char name[160];
            size_t k = (size_t)snprintf(name, sizeof(name), "%s_by_", res->table);
            for (size_t q = 0; q < len && k + 2 < sizeof(name); q++)
                name[k++] = g[q] == ',' ? '_' : g[q];
            name[k] = '\0';
            snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s ON %s (%.*s)", name,
                     res->table, (int)len, g);
            if (db_exec_script(c, sql) != DB_OK)
                return -1;
            g += len + (g[len] == ';');
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
        if (totals_sync(d, c, res))
            return -1;
    }
    return 0;
}
