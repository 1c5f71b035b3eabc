/* What a storage backend implements. Only src/db includes this. */
#ifndef MOCOD_DB_BACKEND_H
#define MOCOD_DB_BACKEND_H

#include "db/db.h"

#include <pthread.h>

struct db_ops {
    const char *name;
    /* The database lets one writer in at a time (SQLite): write transactions of this process
     * queue for their turn in db.c instead of sleeping in the backend's busy handler. */
    bool one_writer;
    /* Several processes may serve from the database at once (PostgreSQL): state that must be
     * the same for all of them (rate limits) is kept in the database, not in process memory. */
    bool shared;
    /* What refreshes the query planner's statistics at start (db_optimize); NULL: the database
     * keeps them itself (PostgreSQL's autovacuum analyzes). */
    const char *optimize_sql;
    const char *(*type)(enum db_coltype t);
    db_conn *(*connect)(db *d, const char *url, char *err, size_t errlen);
    void (*disconnect)(db_conn *c);
    db_stmt *(*query)(db_conn *c, const char *sql, const db_param *params, int nparams);
    int (*step)(db_stmt *s);
    void (*done)(db_stmt *s);
    /* scope: see db_begin_scoped; DB_SCOPE_ALL for db_begin(c, true) */
    int (*begin)(db_conn *c, bool write, int64_t scope);
    bool (*col_null)(db_stmt *s, int col);
    int64_t (*col_i64)(db_stmt *s, int col);
    /* The integer of a column, false for NULL: one call where null and value take two. NULL:
     * db.c asks col_null and col_i64. */
    bool (*col_int)(db_stmt *s, int col, int64_t *out);
    double (*col_double)(db_stmt *s, int col);
    const char *(*col_text)(db_stmt *s, int col);
    size_t (*col_len)(db_stmt *s, int col);
    int (*col_count)(db_stmt *s);
    int (*exec_script)(db_conn *c, const char *sql);
    const char *(*errmsg)(db_conn *c);
    bool (*column_exists)(db_conn *c, const char *table, const char *column);
    bool (*column_type)(db_conn *c, const char *table, const char *column, char *buf, size_t cap);
    int (*drop_column)(db_conn *c, const char *table, const char *column);
    /* For `mocod copy`: the tables of the schema (in the order they were made), a result
     * column's name and the kind of its value in the current row, the largest id a table has
     * ever given (deleted rows included; 0 when none or no id), and making the ids of a table
     * continue after both its largest id and `at_least`. */
    int (*tables)(db_conn *c, char ***names, int *n);
    const char *(*col_name)(db_stmt *s, int col);
    enum db_param_kind (*col_kind)(db_stmt *s, int col);
    int64_t (*last_id)(db_conn *c, const char *table);
    int (*ids_follow)(db_conn *c, const char *table, int64_t at_least);
    /* Only where `shared`: see db_rate_hit. */
    int (*rate_hit)(db_conn *c, int64_t key, int limit, int window_seconds);
};

/* Every backend's connection starts with this header. */
struct db_conn {
    const struct db_ops *ops;
    struct db *owner;
    bool in_tx;
    bool has_write_turn; /* holds the process's write turn (struct db.write_*) */
};

/* Every backend's statement starts with this header. */
struct db_stmt {
    db_conn *conn;
};

struct db {
    const struct db_ops *ops;
    char *url;
    struct db_options opts;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    db_conn **idle;
    int nidle;
    int nopen;
    /* A ticket lock for write transactions: first come, first served. The holder of ticket t
     * waits on write_turns[t % nturns], so that a release wakes the next writer only. */
    pthread_mutex_t write_lock;
    pthread_cond_t *write_turns;
    int nturns;
    uint64_t write_tickets; /* tickets handed out */
    uint64_t write_serving; /* the ticket whose turn it is */
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_postgres_ops;

/* The PostgreSQL text of a portable statement (postgres.c; malloc'd, NULL when out of memory);
 * *nparams: its parameters. Unit-tested. */
char *db_pg_translate(const char *sql, int *nparams);

#endif
