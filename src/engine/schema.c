/* Tables, columns and indexes made from the declarations. */
#include "engine/internal.h"
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
        return DBT_DOUBLE;
    default:
        return DBT_TEXT;
    }
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
