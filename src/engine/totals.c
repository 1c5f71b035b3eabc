/*
 * Totals kept by the database (struct totals_decl): the table, the triggers that keep it and its
 * first filling, made from the declaration inside the migration's transaction.
 *
 * A row change counts out of its old key (UPDATE ... SET n_rows = n_rows - 1, sum = sum - old;
 * a key left without rows goes) and into its new one (an upsert), in the trigger, so in the same
 * transaction as the change. What was made is remembered in totals_definitions: when the
 * generated text differs (a declaration changed), the table and triggers are made anew and
 * filled from the rows, so totals never disagree with a declaration.
 */
#include "engine/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* expr with "$." replaced by row ("NEW.", "OLD.", "t.") */
static void add_expr(strbuf *o, const char *expr, const char *row)
{
    for (const char *p = expr; *p;) {
        const char *d = strstr(p, "$.");
        if (!d) {
            sb_adds(o, p);
            return;
        }
        sb_add(o, p, (size_t)(d - p));
        sb_adds(o, row);
        p = d + 2;
    }
}

/* "account_id = OLD.account_id AND k1 = (OLD...) ..." */
static void add_key_match(strbuf *o, const struct totals_decl *t, const char *row)
{
    sb_addf(o, "account_id = %saccount_id", row);
    for (const struct total_col *k = t->keys; k->name; k++) {
        sb_addf(o, " AND %s = (", k->name);
        add_expr(o, k->sql, row);
        sb_addc(o, ')');
    }
}

/* "(k1) IS NOT NULL AND ...": a row without a key (which no declared writer makes) counts in
 * no total, rather than failing the write */
static void add_keys_present(strbuf *o, const struct totals_decl *t, const char *row)
{
    for (const struct total_col *k = t->keys; k->name; k++) {
        sb_adds(o, k == t->keys ? "(" : " AND (");
        add_expr(o, k->sql, row);
        sb_adds(o, ") IS NOT NULL");
    }
}

/* the statements that count the row `row` out of its key */
static void add_count_out(strbuf *o, const struct totals_decl *t, const char *row)
{
    sb_addf(o, "UPDATE %s SET n_rows = n_rows - 1", t->table);
    for (const struct total_col *s = t->sums; s->name; s++) {
        sb_addf(o, ", %s = %s - (", s->name, s->name);
        add_expr(o, s->sql, row);
        sb_addc(o, ')');
    }
    sb_adds(o, " WHERE ");
    add_key_match(o, t, row);
    sb_addf(o, "; DELETE FROM %s WHERE ", t->table);
    add_key_match(o, t, row);
    sb_adds(o, " AND n_rows <= 0; ");
}

/* "INSERT INTO table (account_id, the keys, n_rows, the sums)" */
static void add_insert_head(strbuf *o, const struct totals_decl *t)
{
    sb_addf(o, "INSERT INTO %s (account_id", t->table);
    for (const struct total_col *k = t->keys; k->name; k++)
        sb_addf(o, ", %s", k->name);
    sb_adds(o, ", n_rows");
    for (const struct total_col *s = t->sums; s->name; s++)
        sb_addf(o, ", %s", s->name);
    sb_addc(o, ')');
}

/* the statement that counts the row `row` into its key */
static void add_count_in(strbuf *o, const struct totals_decl *t, const char *row)
{
    add_insert_head(o, t);
    sb_addf(o, " SELECT %saccount_id", row);
    for (const struct total_col *k = t->keys; k->name; k++) {
        sb_adds(o, ", (");
        add_expr(o, k->sql, row);
        sb_addc(o, ')');
    }
    sb_adds(o, ", 1");
    for (const struct total_col *s = t->sums; s->name; s++) {
        sb_adds(o, ", (");
        add_expr(o, s->sql, row);
        sb_addc(o, ')');
    }
    sb_adds(o, " WHERE ");
    add_keys_present(o, t, row);
    sb_adds(o, " ON CONFLICT (account_id");
    for (const struct total_col *k = t->keys; k->name; k++)
        sb_addf(o, ", %s", k->name);
    sb_addf(o, ") DO UPDATE SET n_rows = %s.n_rows + 1", t->table);
    for (const struct total_col *s = t->sums; s->name; s++)
        sb_addf(o, ", %s = %s.%s + excluded.%s", s->name, t->table, s->name, s->name);
    sb_adds(o, "; ");
}

int totals_columns(const struct totals_decl *t, char cols[][64], int max)
{
    int n = 0;
    const struct total_col *lists[2] = {t->keys, t->sums};
    for (int l = 0; l < 2; l++)
        for (const struct total_col *c = lists[l]; c && c->name; c++)
            for (const char *p = c->sql ? strstr(c->sql, "$.") : NULL; p; p = strstr(p, "$.")) {
                p += 2;
                size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
                if (len == 0 || len >= 64)
                    return -1;
                bool dup = false;
                for (int i = 0; !dup && i < n && i < max; i++)
                    dup = strlen(cols[i]) == len && !strncmp(cols[i], p, len);
                if (dup)
                    continue;
                if (n < max) {
                    memcpy(cols[n], p, len);
                    cols[n][len] = '\0';
                }
                n++;
            }
    return n;
}

/* each column the keys and sums read (the lint holds their number to TOTALS_MAX_COLUMNS):
 * "OLD.a, OLD.b" as a list of row (PostgreSQL's row comparison), or with changed
 * "OLD.a IS NOT NEW.a OR ..." (SQLite's WHEN) */
static void add_columns(strbuf *o, const struct totals_decl *t, const char *row, bool changed)
{
    char cols[TOTALS_MAX_COLUMNS][64];
    int n = totals_columns(t, cols, TOTALS_MAX_COLUMNS);
    for (int i = 0; i < n && i < TOTALS_MAX_COLUMNS; i++) {
        if (changed)
            sb_addf(o, "%sOLD.%s IS NOT NEW.%s", i ? " OR " : "", cols[i], cols[i]);
        else
            sb_addf(o, "%s%s%s", i ? ", " : "", row, cols[i]);
    }
}

/* The whole text that makes the table and its triggers. */
static void make_definition(db *d, strbuf *o, const struct resource *res,
                            const struct totals_decl *t)
{
    bool pg = !strcmp(db_dialect_name(d), "postgres");
    sb_addf(o, "CREATE TABLE %s (account_id %s NOT NULL REFERENCES accounts(id) ON DELETE CASCADE",
            t->table, db_type(d, DBT_BIGINT));
    for (const struct total_col *k = t->keys; k->name; k++)
        sb_addf(o, ", %s %s NOT NULL", k->name, db_type(d, k->type));
    sb_addf(o, ", n_rows %s NOT NULL", db_type(d, DBT_BIGINT));
    for (const struct total_col *s = t->sums; s->name; s++)
        sb_addf(o, ", %s %s NOT NULL", s->name, db_type(d, DBT_BIGINT));
    sb_adds(o, ", PRIMARY KEY (account_id");
    for (const struct total_col *k = t->keys; k->name; k++)
        sb_addf(o, ", %s", k->name);
    sb_addf(o, "))%s;\n", pg ? "" : " WITHOUT ROWID");
    if (pg) {
        sb_addf(o, "CREATE FUNCTION %s_count() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN ",
                t->table);
        sb_adds(o, "IF TG_OP = 'UPDATE' AND (");
        add_columns(o, t, "OLD.", false);
        sb_adds(o, ") IS NOT DISTINCT FROM (");
        add_columns(o, t, "NEW.", false);
        sb_adds(o, ") THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN ");
        add_count_out(o, t, "OLD.");
        sb_adds(o, "END IF; IF TG_OP <> 'DELETE' THEN ");
        add_count_in(o, t, "NEW.");
        sb_adds(o, "END IF; RETURN NULL; END $body$;\n");
        sb_addf(o,
                "CREATE TRIGGER %s_count AFTER INSERT OR DELETE OR UPDATE ON %s FOR EACH ROW "
                "EXECUTE FUNCTION %s_count();\n",
                t->table, res->table, t->table);
        return;
    }
    sb_addf(o, "CREATE TRIGGER %s_ins AFTER INSERT ON %s BEGIN ", t->table, res->table);
    add_count_in(o, t, "NEW.");
    sb_adds(o, "END;\n");
    sb_addf(o, "CREATE TRIGGER %s_del AFTER DELETE ON %s BEGIN ", t->table, res->table);
    add_count_out(o, t, "OLD.");
    sb_adds(o, "END;\n");
    sb_addf(o, "CREATE TRIGGER %s_upd AFTER UPDATE ON %s WHEN ", t->table, res->table);
    add_columns(o, t, NULL, true);
    sb_adds(o, " BEGIN ");
    add_count_out(o, t, "OLD.");
    add_count_in(o, t, "NEW.");
    sb_adds(o, "END;\n");
}

/* What was made before is dropped (the triggers first: they name the table). */
static int drop_old(db *d, db_conn *c, const struct resource *res, const struct totals_decl *t)
{
    char sql[768];
    if (!strcmp(db_dialect_name(d), "postgres"))
        snprintf(sql, sizeof(sql),
                 "DROP TRIGGER IF EXISTS %s_count ON %s; DROP FUNCTION IF EXISTS %s_count(); "
                 "DROP TABLE IF EXISTS %s",
                 t->table, res->table, t->table, t->table);
    else
        snprintf(sql, sizeof(sql),
                 "DROP TRIGGER IF EXISTS %s_ins; DROP TRIGGER IF EXISTS %s_del; DROP TRIGGER IF "
                 "EXISTS %s_upd; DROP TABLE IF EXISTS %s",
                 t->table, t->table, t->table, t->table);
    return db_exec_script(c, sql) == DB_OK ? 0 : -1;
}

/* INSERT INTO table SELECT ... FROM the rows GROUP BY account and keys */
static void make_fill(strbuf *o, const struct resource *res, const struct totals_decl *t)
{
    add_insert_head(o, t);
    sb_adds(o, " SELECT t.account_id");
    for (const struct total_col *k = t->keys; k->name; k++) {
        sb_adds(o, ", (");
        add_expr(o, k->sql, "t.");
        sb_addc(o, ')');
    }
    sb_adds(o, ", COUNT(*)");
    for (const struct total_col *s = t->sums; s->name; s++) {
        sb_adds(o, ", COALESCE(SUM(");
        add_expr(o, s->sql, "t.");
        sb_adds(o, "), 0)");
    }
    sb_addf(o, " FROM %s t WHERE ", res->table);
    add_keys_present(o, t, "t.");
    sb_adds(o, " GROUP BY t.account_id");
    for (const struct total_col *k = t->keys; k->name; k++) {
        sb_adds(o, ", (");
        add_expr(o, k->sql, "t.");
        sb_addc(o, ')');
    }
}

static int sync_one(db *d, db_conn *c, const struct resource *res, const struct totals_decl *t)
{
    strbuf def, fill;
    sb_init(&def, NULL, 2048);
    sb_init(&fill, NULL, 512);
    make_definition(d, &def, res, t);
    make_fill(&fill, res, t);
    int rc = -1;
    if (def.failed || fill.failed)
        goto out;
    db_param p[2] = {dbp_text(t->table), dbp_text(def.buf)};
    int64_t same = 0;
    if (db_query_i64(c, "SELECT COUNT(*) FROM totals_definitions WHERE name = ? AND definition = ?",
                     p, 2, 0, &same) != DB_OK)
        goto out;
    if (same) {
        rc = 0;
        goto out;
    }
    if (drop_old(d, c, res, t) || db_exec_script(c, def.buf) != DB_OK ||
        db_exec_script(c, fill.buf) != DB_OK ||
        db_exec(c, "DELETE FROM totals_definitions WHERE name = ?", p, 1) != DB_DONE ||
        db_exec(c, "INSERT INTO totals_definitions (name, definition) VALUES (?, ?)", p, 2) !=
            DB_DONE)
        goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "mocod: migration: the totals %s could not be made\n", t->table);
    sb_release(&def);
    sb_release(&fill);
    return rc;
}

char *engine_totals_sql(arena *a, const struct resource *res, const char *table, const char *column,
                        const char *row)
{
    for (const struct totals_decl *t = res->totals; t && t->table; t++) {
        if (strcmp(t->table, table))
            continue;
        const struct total_col *lists[2] = {t->keys, t->sums};
        for (int l = 0; l < 2; l++)
            for (const struct total_col *c = lists[l]; c->name; c++)
                if (!strcmp(c->name, column)) {
                    strbuf o;
                    sb_init(&o, a, 64);
                    sb_addc(&o, '(');
                    add_expr(&o, c->sql, row);
                    sb_addc(&o, ')');
                    return o.failed ? NULL : o.buf;
                }
    }
    return NULL;
}

int totals_sync(db *d, db_conn *c, const struct resource *res)
{
    if (!res->totals)
        return 0;
    if (db_exec_script(c, "CREATE TABLE IF NOT EXISTS totals_definitions (name TEXT PRIMARY KEY, "
                          "definition TEXT NOT NULL)") != DB_OK)
        return -1;
    for (const struct totals_decl *t = res->totals; t->table; t++)
        if (sync_one(d, c, res, t))
            return -1;
    return 0;
}
