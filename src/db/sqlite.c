/* The SQLite backend: WAL, foreign keys on, synchronous=FULL, per-connection statement cache. */
#include "db/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SLOTS  512
#define CACHE_PROBES 8

struct sq_stmt {
    db_stmt base;
    sqlite3_stmt *st;
    char *sql;
    uint64_t hash;
    bool busy;
    bool cached;
};

struct sq_conn {
    db_conn base;
    sqlite3 *h;
    struct sq_stmt *cache[CACHE_SLOTS];
};

static const char *sq_type(enum db_coltype t)
{
    switch (t) {
    case DBT_ID:
        return "INTEGER PRIMARY KEY AUTOINCREMENT"; /* ids of deleted rows are never reused */
    case DBT_INT:
    case DBT_BIGINT:
    case DBT_BOOL:
        return "INTEGER";
    case DBT_DOUBLE:
        return "REAL";
    case DBT_BLOB:
        return "BLOB";
    case DBT_TEXT:
    case DBT_INTLIST: /* unused: a list column serves the shared rate limit of a server */
        return "TEXT";
    case DBT_SCRATCH_TABLE:
        return "";
    }
    return "TEXT";
}

static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_exec_script(db_conn *c, const char *sql)
{
    struct sq_conn *sc = (struct sq_conn *)c;
    char *msg = NULL;
    int rc = sqlite3_exec(sc->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "mocod: sql error: %s\n", msg ? msg : sqlite3_errmsg(sc->h));
        sqlite3_free(msg);
        return DB_ERROR;
    }
    return DB_OK;
}

/* A new database file is made readable by its owner only: it holds password hashes, sealed keys,
 * signature keys and every account's data. SQLite gives the WAL and shared-memory files the mode
 * of the database file. An existing file keeps the mode it has. */
static int create_private(const char *path, char *err, size_t errlen)
{
    if (!*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5))
        return 0;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return close(fd);
    if (errno == EEXIST)
        return 0;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}

static db_conn *sq_connect(db *d, const char *url, char *err, size_t errlen)
{
    /* Each connection is used by one thread at a time (the pool): no per-call locking, and no
     * global memory statistics, whose mutex every allocation would take. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    const char *path = url;
    if (strncmp(path, "sqlite://", 9) == 0)
        path += 9;
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->base.ops = &db_sqlite_ops;
    c->base.owner = d;
    if (create_private(path, err, errlen)) {
        free(c);
        return NULL;
    }
    int rc = sqlite3_open_v2(
        path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, c->h ? sqlite3_errmsg(c->h) : "cannot open");
        sqlite3_close(c->h);
        free(c);
        return NULL;
    }
    /* Writers of this process take turns in db.c (db_begin), so the busy handler, which sleeps
     * and retries, only waits for other processes on the same file. */
    int timeout = d->opts.busy_timeout_ms;
    sqlite3_busy_timeout(c->h, timeout == 0 ? 10000 : timeout < 0 ? 0 : timeout);
    sqlite3_extended_result_codes(c->h, 0);
    char pragmas[256];
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s;"
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000; PRAGMA mmap_size=268435456;",
             d->opts.synchronous_normal ? "NORMAL" : "FULL");
    if (sq_exec_script(&c->base, pragmas) != DB_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c->h));
        sqlite3_close(c->h);
        free(c);
        return NULL;
    }
    return &c->base;
}

static void stmt_free(struct sq_stmt *s)
{
    sqlite3_finalize(s->st);
    free(s->sql);
    free(s);
}

static void sq_disconnect(db_conn *cc)
{
    struct sq_conn *c = (struct sq_conn *)cc;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (c->cache[i])
            stmt_free(c->cache[i]);
    sqlite3_close(c->h);
    free(c);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct sq_stmt *stmt_new(struct sq_conn *c, const char *sql, uint64_t hash, bool cached)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "mocod: sql prepare error: %s\n  in: %s\n", sqlite3_errmsg(c->h), sql);
        return NULL;
    }
    struct sq_stmt *s = calloc(1, sizeof(*s));
    if (!s) {
        sqlite3_finalize(st);
        return NULL;
    }
    s->base.conn = &c->base;
    s->st = st;
    s->sql = strdup(sql);
    s->hash = hash;
    s->cached = cached;
    return s;
}

/* Finds the cached statement for sql, or prepares one and caches it when a slot is free. */
static struct sq_stmt *stmt_get(struct sq_conn *c, const char *sql)
{
    uint64_t h = fnv1a(sql);
    int victim = -1;
    for (int p = 0; p < CACHE_PROBES; p++) {
        int i = (int)((h + (uint64_t)p) % CACHE_SLOTS);
        struct sq_stmt *s = c->cache[i];
        if (!s) {
            if (victim < 0)
                victim = i;
            continue;
        }
        if (s->hash == h && strcmp(s->sql, sql) == 0) {
            if (s->busy)
                return stmt_new(c, sql, h, false);
            return s;
        }
        if (victim < 0 && !s->busy)
            victim = i;
    }
    if (victim < 0)
        return stmt_new(c, sql, h, false);
    struct sq_stmt *s = stmt_new(c, sql, h, true);
    if (!s)
        return NULL;
    if (c->cache[victim])
        stmt_free(c->cache[victim]);
    c->cache[victim] = s;
    return s;
}

static db_stmt *sq_query(db_conn *cc, const char *sql, const db_param *params, int nparams)
{
    struct sq_conn *c = (struct sq_conn *)cc;
    struct sq_stmt *s = stmt_get(c, sql);
    if (!s)
        return NULL;
    for (int i = 0; i < nparams; i++) {
        const db_param *p = &params[i];
        int rc;
        switch (p->kind) {
        case DBP_INT:
            rc = sqlite3_bind_int64(s->st, i + 1, p->i);
            break;
        case DBP_DOUBLE:
            rc = sqlite3_bind_double(s->st, i + 1, p->d);
            break;
        case DBP_TEXT:
            rc = sqlite3_bind_text(s->st, i + 1, p->s, p->len == (size_t)-1 ? -1 : (int)p->len,
                                   SQLITE_TRANSIENT);
            break;
        case DBP_BLOB:
            rc = sqlite3_bind_blob(s->st, i + 1, p->s, (int)p->len, SQLITE_TRANSIENT);
            break;
        default:
            rc = sqlite3_bind_null(s->st, i + 1);
            break;
        }
        if (rc != SQLITE_OK) {
            fprintf(stderr, "mocod: sql bind error %d at %d: %s\n", rc, i + 1, sql);
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            if (!s->cached)
                stmt_free(s);
            return NULL;
        }
    }
    s->busy = true;
    return &s->base;
}

static int sq_step(db_stmt *ss)
{
    struct sq_stmt *s = (struct sq_stmt *)ss;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    struct sq_conn *c = (struct sq_conn *)s->base.conn;
    if (rc == SQLITE_CONSTRAINT)
        return DB_CONSTRAINT;
    fprintf(stderr, "mocod: sql step error: %s\n  in: %s\n", sqlite3_errmsg(c->h), s->sql);
    return rc == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

static void sq_done(db_stmt *ss)
{
    struct sq_stmt *s = (struct sq_stmt *)ss;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->busy = false;
    if (!s->cached)
        stmt_free(s);
}

/* One writer at a time: every scope is all of them. */
static int sq_begin(db_conn *c, bool write, int64_t scope)
{
    (void)scope;
    return sq_exec_script(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static bool sq_col_null(db_stmt *s, int col)
{
    return sqlite3_column_type(((struct sq_stmt *)s)->st, col) == SQLITE_NULL;
}
static int64_t sq_col_i64(db_stmt *s, int col)
{
    return sqlite3_column_int64(((struct sq_stmt *)s)->st, col);
}
/* A NULL reads as 0: only a 0 needs the type asked (ids and most values are not 0). */
static bool sq_col_int(db_stmt *s, int col, int64_t *out)
{
    sqlite3_stmt *st = ((struct sq_stmt *)s)->st;
    *out = sqlite3_column_int64(st, col);
    return *out != 0 || sqlite3_column_type(st, col) != SQLITE_NULL;
}
static double sq_col_double(db_stmt *s, int col)
{
    return sqlite3_column_double(((struct sq_stmt *)s)->st, col);
}
static const char *sq_col_text(db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)s)->st, col);
}
static size_t sq_col_len(db_stmt *s, int col)
{
    return (size_t)sqlite3_column_bytes(((struct sq_stmt *)s)->st, col);
}
static int sq_col_count(db_stmt *s)
{
    return sqlite3_column_count(((struct sq_stmt *)s)->st);
}
static const char *sq_errmsg(db_conn *c)
{
    return sqlite3_errmsg(((struct sq_conn *)c)->h);
}

static bool sq_column_exists(db_conn *c, const char *table, const char *column)
{
    return sqlite3_table_column_metadata(((struct sq_conn *)c)->h, NULL, table, column, NULL, NULL,
                                         NULL, NULL, NULL) == SQLITE_OK;
}

static bool sq_column_type(db_conn *c, const char *table, const char *column, char *buf, size_t cap)
{
    const char *type = NULL;
    if (sqlite3_table_column_metadata(((struct sq_conn *)c)->h, NULL, table, column, &type, NULL,
                                      NULL, NULL, NULL) != SQLITE_OK)
        return false;
    snprintf(buf, cap, "%s", type ? type : "");
    return true;
}

/* SQLite refuses to drop an indexed column: its indexes go first. Names come from declarations
 * (table, column) and from sqlite's own catalogue (index names). */
static int sq_drop_column(db_conn *c, const char *table, const char *column)
{
    sqlite3 *h = ((struct sq_conn *)c)->h;
    sqlite3_stmt *st = NULL;
    int rc = DB_ERROR;
    char *names[64];
    int n = 0;
    char *sql = NULL;
    if (sqlite3_prepare_v2(h,
                           "SELECT il.name FROM pragma_index_list(?1) il WHERE EXISTS (SELECT 1 "
                           "FROM pragma_index_info(il.name) ii WHERE ii.name = ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
        names[n++] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        sql = sqlite3_mprintf("DROP INDEX \"%w\"", names[i]);
        int ok = sql && sq_exec_script(c, sql) == DB_OK;
        sqlite3_free(sql);
        if (!ok)
            goto out;
    }
    sql = sqlite3_mprintf("ALTER TABLE \"%w\" DROP COLUMN \"%w\"", table, column);
    rc = sql && sq_exec_script(c, sql) == DB_OK ? DB_OK : DB_ERROR;
    sqlite3_free(sql);
out:
    for (int i = 0; i < n; i++)
        sqlite3_free(names[i]);
    return rc;
}

static int sq_tables(db_conn *c, char ***names, int *n)
{
    sqlite3 *h = ((struct sq_conn *)c)->h;
    sqlite3_stmt *st = NULL;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(h,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                           "'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return DB_ERROR;
    int cap = 0, rc = DB_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(*names, (size_t)cap * sizeof(char *));
            if (!grown) {
                rc = DB_ERROR;
                break;
            }
            *names = grown;
        }
        (*names)[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return rc;
}

static const char *sq_col_name(db_stmt *s, int col)
{
    return sqlite3_column_name(((struct sq_stmt *)s)->st, col);
}

static enum db_param_kind sq_col_kind(db_stmt *s, int col)
{
    switch (sqlite3_column_type(((struct sq_stmt *)s)->st, col)) {
    case SQLITE_INTEGER:
        return DBP_INT;
    case SQLITE_FLOAT:
        return DBP_DOUBLE;
    case SQLITE_TEXT:
        return DBP_TEXT;
    case SQLITE_BLOB:
        return DBP_BLOB;
    default:
        return DBP_NULL;
    }
}

/* AUTOINCREMENT remembers the largest id it gave, of deleted rows too (sqlite_sequence). */
static int64_t sq_last_id(db_conn *c, const char *table)
{
    sqlite3 *h = ((struct sq_conn *)c)->h;
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(h, "SELECT seq FROM sqlite_sequence WHERE name = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* Rows inserted with their ids move sqlite_sequence already; at_least moves it further. */
static int sq_ids_follow(db_conn *c, const char *table, int64_t at_least)
{
    if (at_least <= sq_last_id(c, table))
        return DB_OK;
    sqlite3 *h = ((struct sq_conn *)c)->h;
    static const char *const sql[] = {"UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1",
                                      "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)"};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(h, sql[i], -1, &st, NULL) != SQLITE_OK)
            return DB_ERROR;
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, at_least);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return DB_ERROR;
        if (sqlite3_changes(h) > 0)
            return DB_OK;
    }
    return DB_OK;
}

const struct db_ops db_sqlite_ops = {
    .name = "sqlite",
    .one_writer = true,
    /* SQLite plans without statistics until ANALYZE: it then takes a per-account index of
     * another column over the one a query needs (a project's report read all activities). A
     * sample of 1,000 rows per index keeps it to about a second on a million rows. */
    .optimize_sql = "PRAGMA analysis_limit=1000; ANALYZE;",
    .type = sq_type,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .query = sq_query,
    .step = sq_step,
    .done = sq_done,
    .begin = sq_begin,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_len = sq_col_len,
    .col_count = sq_col_count,
    .exec_script = sq_exec_script,
    .errmsg = sq_errmsg,
    .column_exists = sq_column_exists,
    .column_type = sq_column_type,
    .drop_column = sq_drop_column,
    .tables = sq_tables,
    .col_name = sq_col_name,
    .col_kind = sq_col_kind,
    .last_id = sq_last_id,
    .ids_follow = sq_ids_follow,
};
