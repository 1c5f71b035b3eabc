/*
 * The storage interface. Everything above src/db talks to the database only through these calls,
 * with portable SQL: `?` placeholders, `RETURNING id`, ISO-8601 text timestamps, 0/1 booleans.
 * What differs between SQL dialects (column types, DDL details) is asked of this module, so a
 * PostgreSQL backend plugs in behind the same `struct db_ops` without changes above it.
 *
 * Lifecycle: db_open() once at start-up; each request takes a connection with db_acquire() and
 * gives it back with db_release(). Statements are prepared once per connection and cached by
 * their SQL text; db_done() hands a statement back to the cache.
 */
#ifndef MOCOD_DB_H
#define MOCOD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum db_rc { DB_OK = 0, DB_ROW = 1, DB_DONE = 2, DB_ERROR = -1, DB_CONSTRAINT = -2, DB_BUSY = -3 };

enum db_param_kind { DBP_NULL, DBP_INT, DBP_TEXT, DBP_DOUBLE, DBP_BLOB };

typedef struct db_param {
    enum db_param_kind kind;
    int64_t i;
    double d;
    const char *s;
    size_t len; /* for text; SIZE_MAX means strlen */
} db_param;

/* Logical column types for DDL; the dialect maps them. */
enum db_coltype {
    DBT_ID,
    DBT_INT,
    DBT_BIGINT,
    DBT_TEXT,
    DBT_BOOL,
    DBT_DOUBLE,
    DBT_BLOB,
    DBT_INTLIST,
    /* not a column's type: the word before TABLE for a table whose rows may be lost in a crash
     * (counts of the moment: no journal, no fsync), where the database has such tables */
    DBT_SCRATCH_TABLE
};

struct db_options {
    int pool_size;           /* connections kept open */
    bool synchronous_normal; /* default FULL: no acknowledged write is lost on power loss */
    /* How long a write waits for writers of other processes on the same database (those of
     * this process queue in order instead): 0 means 10 seconds, negative means not at all. */
    int busy_timeout_ms;
};

int db_open(db **out, const char *url, const struct db_options *opts, char *err, size_t errlen);
void db_close(db *d);
const char *db_dialect_name(const db *d);
/* True for a database server's URL (postgres:// or postgresql://), false for a SQLite path. */
bool db_url_is_server(const char *url);
/* True when several processes may serve from this database at once (PostgreSQL). */
bool db_shared(const db *d);
const char *db_type(const db *d, enum db_coltype t);

db_conn *db_acquire(db *d);
void db_release(db *d, db_conn *c);

/* Prepares (or takes from the cache) and binds. NULL on error (see db_errmsg). */
db_stmt *db_query(db_conn *c, const char *sql, const db_param *params, int nparams);
int db_step(db_stmt *s);
void db_done(db_stmt *s);
/* Runs a statement to completion; returns DB_DONE, DB_CONSTRAINT or DB_ERROR. */
int db_exec(db_conn *c, const char *sql, const db_param *params, int nparams);
/* Runs a query expected to yield one integer (first column of first row); `def` if no row. */
int db_query_i64(db_conn *c, const char *sql, const db_param *params, int nparams, int64_t def,
                 int64_t *out);
/* Like db_query_i64, but remembers the answer for (scope, version, sql, params) in a bounded
 * in-memory cache: callers pass a version that every write to the data bumps (X-Total counts). */
int db_query_i64_cached(db_conn *c, int64_t scope, int64_t version, const char *sql,
                        const db_param *params, int nparams, int64_t *out);
/* Runs several ;-separated statements without parameters (DDL). */
int db_exec_script(db_conn *c, const char *sql);
/* Refreshes the query planner's statistics where the database does not itself (SQLite); at
 * start, after the migrations. Returns DB_OK, or DB_ERROR (the server runs on without). */
int db_optimize(db *d);

/* Write transactions of one process take turns, first come first served, from db_begin() to
 * db_commit()/db_rollback() (or db_release()); inside a transaction db_begin() fails. A thread
 * in a write transaction must not begin another one on a second connection: it would wait for
 * its own turn. */
int db_begin(db_conn *c, bool write);
/* A write transaction that excludes only the write transactions of the same scope (an
 * account's id, or one of the DB_SCOPE_ names below) and those of db_begin(c, true), which
 * exclude every other: rules that read and then write (sequences, uniqueness, claims) hold
 * within a scope. Where the database takes one writer at a time (SQLite) it is db_begin(c, true).
 * Every write of an account's data runs in that account's scope. */
int db_begin_scoped(db_conn *c, int64_t scope);
#define DB_SCOPE_ALL        INT64_MIN
#define DB_SCOPE_DELIVERIES (-2) /* claims of web hook deliveries, across accounts */
int db_commit(db_conn *c);
void db_rollback(db_conn *c);
bool db_in_transaction(db_conn *c);

bool db_col_null(db_stmt *s, int col);
int64_t db_col_i64(db_stmt *s, int col);
/* The integer of a column into *out; false (and 0) when it is NULL. */
bool db_col_int(db_stmt *s, int col, int64_t *out);
double db_col_double(db_stmt *s, int col);
const char *db_col_text(db_stmt *s, int col); /* NULL for SQL NULL */
size_t db_col_len(db_stmt *s, int col);
int db_col_count(db_stmt *s);

const char *db_errmsg(db_conn *c);

/* Counts one request of `key` against `limit` requests in `window_seconds`, in the database, so
 * that every process sharing it counts together. Returns the seconds to wait (0: allowed), or
 * -1 when the store keeps no such count (not shared) or could not be asked. */
int db_rate_hit(db_conn *c, int64_t key, int limit, int window_seconds);

/* Convenience constructors for parameters. */
static inline db_param dbp_int(int64_t v)
{
    db_param p = {DBP_INT, v, 0, NULL, 0};
    return p;
}
static inline db_param dbp_text(const char *s)
{
    db_param p = {s ? DBP_TEXT : DBP_NULL, 0, 0, s, (size_t)-1};
    return p;
}
static inline db_param dbp_textn(const char *s, size_t n)
{
    db_param p = {s ? DBP_TEXT : DBP_NULL, 0, 0, s, n};
    return p;
}
static inline db_param dbp_blob(const void *data, size_t n)
{
    db_param p = {DBP_BLOB, 0, 0, (const char *)data, n};
    return p;
}
static inline db_param dbp_null(void)
{
    db_param p = {DBP_NULL, 0, 0, NULL, 0};
    return p;
}
static inline db_param dbp_double(double d)
{
    db_param p = {DBP_DOUBLE, 0, d, NULL, 0};
    return p;
}

/* Copies every row of every table of src into dst (see copy.c); dst must hold no account. A
 * line per table goes to report (may be NULL). 0, or -1 with err. */
int db_copy(db *src, db *dst, FILE *report, char *err, size_t errlen);

/* True when the table has the column (schema sync asks before adding one). */
bool db_column_exists(db_conn *c, const char *table, const char *column);
/* The column's declared type ("REAL", "INTEGER") into buf; false when there is no such column. */
bool db_column_type(db_conn *c, const char *table, const char *column, char *buf, size_t cap);
/* Drops a column together with the indexes that use it (a column's type changes by adding a new
 * one, copying, and dropping the old). */
int db_drop_column(db_conn *c, const char *table, const char *column);

#endif
