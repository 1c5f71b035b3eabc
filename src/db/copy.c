/*
 * `mocod copy`: every row of every table of one database into another, in one transaction of
 * the target (all or nothing), from one snapshot of the source. Both schemas are brought up to
 * date first, so they hold the same tables; the target must hold no account yet. Rows keep
 * their ids (references stay valid), and ids of the target then continue after the largest
 * copied. Keys stay valid when the target is served with the source's server secret.
 */
#include "db/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables the target keeps for itself: its own migration history, per-process counts, and the
 * totals its triggers make from the copied rows (engine/totals.c). */
static bool skipped(const char *table)
{
    return !strcmp(table, "schema_migrations") || !strcmp(table, "rate_windows") ||
           !strncmp(table, "totals_", 7);
}

static bool plain_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static bool has(char **names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], name))
            return true;
    return false;
}

/* Copies one table; the INSERT names the columns both sides have. Returns the rows or -1. */
static long long copy_table(db_conn *from, db_conn *to, const char *table, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1", table);
    db_stmt *s = db_query(from, sql, NULL, 0);
    if (!s) {
        snprintf(err, errlen, "%s: %s", table, db_errmsg(from));
        return -1;
    }
    int ncols = db_col_count(s);
    bool *keep = calloc((size_t)ncols + 1, sizeof(bool));
    db_param *params = calloc((size_t)ncols + 1, sizeof(db_param));
    size_t cap = 256 + (size_t)ncols * 72;
    char *insert = malloc(cap);
    long long rows = -1;
    if (!keep || !params || !insert) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t n = (size_t)snprintf(insert, cap, "INSERT INTO %s (", table);
    int nkept = 0;
    for (int i = 0; i < ncols; i++) {
        const char *name = s->conn->ops->col_name(s, i);
        keep[i] = name && plain_name(name) && db_column_exists(to, table, name);
        if (keep[i])
            n += (size_t)snprintf(insert + n, cap - n, "%s%s", nkept++ ? ", " : "", name);
    }
    n += (size_t)snprintf(insert + n, cap - n, ") VALUES (");
    for (int i = 0; i < nkept; i++)
        n += (size_t)snprintf(insert + n, cap - n, "%s?", i ? ", " : "");
    snprintf(insert + n, cap - n, ")");
    rows = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int k = 0;
        for (int i = 0; i < ncols; i++) {
            if (!keep[i])
                continue;
            switch (s->conn->ops->col_kind(s, i)) {
            case DBP_INT:
                params[k++] = dbp_int(db_col_i64(s, i));
                break;
            case DBP_DOUBLE:
                params[k++] = dbp_double(db_col_double(s, i));
                break;
            case DBP_TEXT:
                params[k++] = dbp_textn(db_col_text(s, i), db_col_len(s, i));
                break;
            case DBP_BLOB:
                params[k++] = dbp_blob(db_col_text(s, i), db_col_len(s, i));
                break;
            default:
                params[k++] = dbp_null();
                break;
            }
        }
        if (db_exec(to, insert, params, k) != DB_DONE) {
            snprintf(err, errlen, "%s, row %lld: %s", table, rows + 1, db_errmsg(to));
            rows = -1;
            goto out;
        }
        rows++;
    }
    if (rc != DB_DONE) {
        snprintf(err, errlen, "%s: %s", table, db_errmsg(from));
        rows = -1;
        goto out;
    }
    if (to->ops->ids_follow(to, table, from->ops->last_id(from, table)) != DB_OK) {
        snprintf(err, errlen, "%s: %s", table, db_errmsg(to));
        rows = -1;
    }
out:
    db_done(s);
    free(keep);
    free(params);
    free(insert);
    return rows;
}

int db_copy(db *src, db *dst, FILE *report, char *err, size_t errlen)
{
    db_conn *from = db_acquire(src), *to = db_acquire(dst);
    char **src_tables = NULL, **dst_tables = NULL;
    int nsrc = 0, ndst = 0, rc = -1;
    if (!from || !to) {
        snprintf(err, errlen, "cannot open a connection");
        goto out;
    }
    int64_t accounts = 0;
    if (db_query_i64(to, "SELECT COUNT(*) FROM accounts", NULL, 0, 0, &accounts) != DB_OK ||
        accounts) {
        snprintf(err, errlen,
                 "the target database already holds %lld account(s): copy needs "
                 "an empty one",
                 (long long)accounts);
        goto out;
    }
    if (from->ops->tables(from, &src_tables, &nsrc) != DB_OK ||
        to->ops->tables(to, &dst_tables, &ndst) != DB_OK) {
        snprintf(err, errlen, "cannot list the tables");
        goto out;
    }
    for (int i = 0; i < nsrc; i++)
        if (!skipped(src_tables[i]) && !has(dst_tables, ndst, src_tables[i])) {
            snprintf(err, errlen, "table %s is not in the target's schema", src_tables[i]);
            goto out;
        }
    if (db_begin(from, false) != DB_OK || db_begin(to, true) != DB_OK) {
        snprintf(err, errlen, "cannot begin: %s", db_errmsg(to));
        goto out;
    }
    /* the target's order of creation: accounts, which every other table refers to, first */
    long long total = 0;
    for (int i = 0; i < ndst; i++) {
        const char *t = dst_tables[i];
        if (skipped(t) || !has(src_tables, nsrc, t))
            continue;
        if (!plain_name(t)) {
            snprintf(err, errlen, "table name %s is not one of mocod's", t);
            goto out;
        }
        long long rows = copy_table(from, to, t, err, errlen);
        if (rows < 0)
            goto out;
        total += rows;
        if (report && rows)
            fprintf(report, "  %-28s %lld\n", t, rows);
    }
    if (db_commit(to) != DB_OK) {
        snprintf(err, errlen, "commit: %s", db_errmsg(to));
        goto out;
    }
    if (report)
        fprintf(report, "copied %lld rows\n", total);
    rc = 0;
out:
    if (from)
        db_rollback(from);
    if (to)
        db_rollback(to);
    free_names(src_tables, nsrc);
    free_names(dst_tables, ndst);
    db_release(src, from);
    db_release(dst, to);
    return rc;
}
