/* Unit tests of the storage interface over SQLite (db/db.h) and the migrations (db/migrate.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/migrate.h"

#include "unit_db.h"

#include <sys/stat.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    *state = unit_db_open("db", "test.db", true);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    unit_db_close(*state);
    return 0;
}

static int64_t count_rows(db_conn *c, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_i64(c, sql, NULL, 0, -1, &n), DB_OK);
    return n;
}

static void make_people(db_conn *c)
{
    assert_int_equal(db_exec_script(c, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT "
                                       "NOT NULL UNIQUE, age INTEGER, score REAL, note TEXT)"),
                     DB_OK);
}

/* ------------------------------------------------------------- open/close */

static void open_reports_dialect_and_types(void **state)
{
    struct unit_db *fx = *state;
    assert_string_equal(db_dialect_name(fx->d), "sqlite");
    assert_non_null(strstr(db_type(fx->d, DBT_ID), "PRIMARY KEY"));
    assert_string_equal(db_type(fx->d, DBT_INT), "INTEGER");
    assert_string_equal(db_type(fx->d, DBT_BIGINT), "INTEGER");
    assert_string_equal(db_type(fx->d, DBT_BOOL), "INTEGER");
    assert_string_equal(db_type(fx->d, DBT_TEXT), "TEXT");
    assert_string_equal(db_type(fx->d, DBT_DOUBLE), "REAL");
    assert_string_equal(db_type(fx->d, DBT_BLOB), "BLOB");
    /* the connection is configured as the backend promises */
    db_stmt *s = db_query(fx->c, "PRAGMA journal_mode", NULL, 0);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_col_text(s, 0), "wal");
    db_done(s);
    assert_int_equal(count_rows(fx->c, "PRAGMA foreign_keys"), 1);
    assert_int_equal(count_rows(fx->c, "PRAGMA synchronous"), 2); /* FULL */
}

static void open_failures(void **state)
{
    (void)state;
    struct db_options opts = {.pool_size = 1};
    char err[256] = "";
    db *d = NULL;
    assert_int_equal(db_open(&d, "postgres://localhost/x", &opts, err, sizeof(err)), DB_ERROR);
    assert_true(strlen(err) > 0);
    err[0] = '\0';
    assert_int_equal(
        db_open(&d, "/nonexistent-dir-for-mocod-tests/sub/x.db", &opts, err, sizeof(err)),
        DB_ERROR);
    assert_true(strlen(err) > 0);
    assert_null(d);
    db_close(NULL); /* closing nothing is fine */
}

static void pool_hands_out_distinct_connections(void **state)
{
    struct unit_db *fx = *state;
    db_conn *c2 = db_acquire(fx->d);
    assert_non_null(c2);
    assert_ptr_not_equal(c2, fx->c);
    make_people(fx->c);
    /* both connections see the same database */
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES ('shared')", NULL, 0),
                     DB_DONE);
    assert_int_equal(count_rows(c2, "SELECT COUNT(*) FROM people"), 1);
    db_release(fx->d, c2);
    db_conn *again = db_acquire(fx->d); /* the released one comes back */
    assert_ptr_equal(again, c2);
    db_release(fx->d, again);
}

/* --------------------------------------------------------- queries, binding */

static void exec_query_and_column_accessors(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    db_param p[4] = {dbp_text("Ada"), dbp_int(36), dbp_double(9.75), dbp_null()};
    assert_int_equal(
        db_exec(fx->c, "INSERT INTO people (name, age, score, note) VALUES (?, ?, ?, ?)", p, 4),
        DB_DONE);
    db_param q[4] = {dbp_text("Grace"), dbp_int(-5), dbp_double(-0.5), dbp_text("")};
    assert_int_equal(
        db_exec(fx->c, "INSERT INTO people (name, age, score, note) VALUES (?, ?, ?, ?)", q, 4),
        DB_DONE);
    db_param big[2] = {dbp_text("Max"), dbp_int(INT64_MAX)};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name, age) VALUES (?, ?)", big, 2),
                     DB_DONE);

    db_stmt *s =
        db_query(fx->c, "SELECT id, name, age, score, note FROM people ORDER BY id", NULL, 0);
    assert_non_null(s);
    assert_int_equal(db_col_count(s), 5);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_col_i64(s, 0), 1);
    assert_string_equal(db_col_text(s, 1), "Ada");
    assert_int_equal(db_col_len(s, 1), 3);
    assert_int_equal(db_col_i64(s, 2), 36);
    assert_true(db_col_double(s, 3) == 9.75);
    assert_true(db_col_null(s, 4));
    assert_null(db_col_text(s, 4));
    assert_false(db_col_null(s, 1));
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_col_text(s, 1), "Grace");
    assert_int_equal(db_col_i64(s, 2), -5);
    assert_true(db_col_double(s, 3) == -0.5);
    assert_false(db_col_null(s, 4));
    assert_string_equal(db_col_text(s, 4), "");
    assert_int_equal(db_col_len(s, 4), 0);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_col_i64(s, 2), INT64_MAX);
    assert_true(db_col_null(s, 3));
    assert_int_equal(db_step(s), DB_DONE);
    db_done(s);
    db_done(NULL); /* no statement: nothing to do */

    /* the same statement again (from the cache) with other parameters */
    for (int i = 0; i < 3; i++) {
        db_param f[1] = {dbp_int(i == 0 ? 36 : i == 1 ? -5 : 1000)};
        s = db_query(fx->c, "SELECT name FROM people WHERE age = ?", f, 1);
        assert_non_null(s);
        if (i == 2) {
            assert_int_equal(db_step(s), DB_DONE);
        } else {
            assert_int_equal(db_step(s), DB_ROW);
            assert_string_equal(db_col_text(s, 0), i == 0 ? "Ada" : "Grace");
        }
        db_done(s);
    }
}

static void query_i64_defaults(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    int64_t v = 0;
    assert_int_equal(db_query_i64(fx->c, "SELECT age FROM people WHERE id = 99", NULL, 0, -7, &v),
                     DB_OK);
    assert_int_equal(v, -7); /* no row */
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES ('x')", NULL, 0), DB_DONE);
    assert_int_equal(db_query_i64(fx->c, "SELECT age FROM people", NULL, 0, -8, &v), DB_OK);
    assert_int_equal(v, -8); /* NULL */
    assert_int_equal(db_query_i64(fx->c, "SELECT 40 + 2", NULL, 0, -9, &v), DB_OK);
    assert_int_equal(v, 42);
    assert_int_equal(db_query_i64(fx->c, "SELECT nonsense FROM", NULL, 0, 0, &v), DB_ERROR);
}

static void text_binding_is_not_sql(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    const char *evil[] = {
        "O'Brien",
        "Robert'); DROP TABLE people;--",
        "\"double\" and 'single' quotes",
        "back\\slash ; semicolon -- comment /* c */",
        "?",
        "",
    };
    size_t n = sizeof(evil) / sizeof(evil[0]);
    for (size_t i = 0; i < n; i++) {
        db_param p[1] = {dbp_text(evil[i])};
        assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (?)", p, 1), DB_DONE);
    }
    assert_true(db_column_exists(fx->c, "people", "name")); /* the table survived */
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people"), (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        db_param p[1] = {dbp_text(evil[i])};
        db_stmt *s = db_query(fx->c, "SELECT name FROM people WHERE name = ?", p, 1);
        assert_non_null(s);
        assert_int_equal(db_step(s), DB_ROW);
        assert_string_equal(db_col_text(s, 0), evil[i]);
        assert_int_equal(db_step(s), DB_DONE);
        db_done(s);
    }
    /* an explicit length: embedded NUL bytes are kept, bytes after the length are not */
    db_param z[1] = {dbp_textn("ab\0cdXYZ", 5)};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (?)", z, 1), DB_DONE);
    db_stmt *s =
        db_query(fx->c, "SELECT name FROM people WHERE id = (SELECT MAX(id) FROM people)", NULL, 0);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_col_len(s, 0), 5);
    assert_memory_equal(db_col_text(s, 0), "ab\0cd", 5);
    db_done(s);
    /* dbp_text(NULL) binds SQL NULL */
    db_param nul[2] = {dbp_text("nn"), dbp_text(NULL)};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name, note) VALUES (?, ?)", nul, 2),
                     DB_DONE);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people WHERE name = 'nn' AND note "
                                       "IS NULL"),
                     1);
}

static void unique_violation_is_constraint(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    db_param p[1] = {dbp_text("Ada")};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (?)", p, 1), DB_DONE);
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (?)", p, 1), DB_CONSTRAINT);
    /* NOT NULL is a constraint too */
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (NULL)", NULL, 0),
                     DB_CONSTRAINT);
    /* the connection and the cached statement still work afterwards */
    db_param q[1] = {dbp_text("Grace")};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES (?)", q, 1), DB_DONE);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people"), 2);
    /* errors that are not constraints */
    assert_int_equal(db_exec(fx->c, "INSERT INTO nowhere VALUES (1)", NULL, 0), DB_ERROR);
    assert_null(db_query(fx->c, "SELEC 1", NULL, 0));
    assert_non_null(db_errmsg(fx->c));
    assert_int_equal(db_exec_script(fx->c, "CREATE TABLE ok1 (a INTEGER); CREATE TABLE ok2 (b "
                                           "TEXT); CREATE TABLE ok1 (a INTEGER)"),
                     DB_ERROR);
    assert_true(db_column_exists(fx->c, "ok2", "b")); /* earlier statements ran */
}

static void transactions_commit_and_rollback(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    db_conn *other = db_acquire(fx->d);
    assert_non_null(other);

    assert_false(db_in_transaction(fx->c));
    assert_int_equal(db_begin(fx->c, true), DB_OK);
    assert_true(db_in_transaction(fx->c));
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES ('gone')", NULL, 0), DB_DONE);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people"), 1);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM people"), 0); /* not visible yet */
    db_rollback(fx->c);
    assert_false(db_in_transaction(fx->c));
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people"), 0);
    db_rollback(fx->c); /* outside a transaction: nothing happens */

    assert_int_equal(db_begin(fx->c, true), DB_OK);
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES ('kept')", NULL, 0), DB_DONE);
    assert_int_equal(db_commit(fx->c), DB_OK);
    assert_false(db_in_transaction(fx->c));
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM people WHERE name = 'kept'"), 1);

    /* a read transaction sees a stable snapshot */
    assert_int_equal(db_begin(other, false), DB_OK);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM people"), 1);
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name) VALUES ('later')", NULL, 0),
                     DB_DONE);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM people"), 1);
    assert_int_equal(db_commit(other), DB_OK);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM people"), 2);

    /* a connection given back inside a transaction is rolled back */
    assert_int_equal(db_begin(other, true), DB_OK);
    assert_int_equal(db_exec(other, "INSERT INTO people (name) VALUES ('abandoned')", NULL, 0),
                     DB_DONE);
    db_release(fx->d, other);
    assert_false(db_in_transaction(other));
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM people WHERE name = 'abandoned'"), 0);
    /* and the write lock is free again */
    assert_int_equal(db_begin(fx->c, true), DB_OK);
    assert_int_equal(db_commit(fx->c), DB_OK);
}

/* ------------------------------------------------------------- concurrent writers */

#define WRITERS            8
#define WRITES_PER_WRITER  40
#define WRITER_CONNECTIONS 3 /* fewer than writers: some also wait for a connection */

struct writers {
    db *d;
    atomic_int inside; /* threads between BEGIN and COMMIT */
    atomic_int overlaps;
    atomic_int failures;
};

struct writer {
    struct writers *w;
    int id;
};

static void *write_many(void *arg)
{
    struct writer *me = arg;
    struct writers *w = me->w;
    for (int i = 0; i < WRITES_PER_WRITER; i++) {
        db_conn *c = db_acquire(w->d);
        if (!c || db_begin(c, true) != DB_OK) {
            atomic_fetch_add(&w->failures, 1);
            db_release(w->d, c);
            continue;
        }
        if (atomic_fetch_add(&w->inside, 1) != 0)
            atomic_fetch_add(&w->overlaps, 1);
        /* read, yield, write back: a lost update if two writers were in here at once */
        int64_t n = -1;
        int rc = db_query_i64(c, "SELECT n FROM counter", NULL, 0, -1, &n);
        sched_yield();
        db_param p[1] = {dbp_int(n + 1)};
        if (rc == DB_OK)
            rc = db_exec(c, "UPDATE counter SET n = ?", p, 1) == DB_DONE ? DB_OK : DB_ERROR;
        db_param q[2] = {dbp_int(me->id), dbp_int(i)};
        if (rc == DB_OK)
            rc = db_exec(c, "INSERT INTO writes (writer, seq) VALUES (?, ?)", q, 2) == DB_DONE
                     ? DB_OK
                     : DB_ERROR;
        atomic_fetch_sub(&w->inside, 1);
        if (rc != DB_OK || db_commit(c) != DB_OK)
            atomic_fetch_add(&w->failures, 1);
        db_release(w->d, c);
    }
    return NULL;
}

/* Writers of one process take turns: with SQLite's busy handler switched off, a writer that found
 * the database locked by another of this process would fail at once. */
static void concurrent_writers_take_turns(void **state)
{
    struct unit_db *fx = *state;
    db_release(fx->d, fx->c);
    fx->c = NULL;
    db_close(fx->d);
    struct db_options opts = {.pool_size = WRITER_CONNECTIONS, .busy_timeout_ms = -1};
    char err[256] = "";
    assert_int_equal(db_open(&fx->d, fx->path, &opts, err, sizeof(err)), DB_OK);
    fx->c = db_acquire(fx->d);
    assert_non_null(fx->c);
    assert_int_equal(db_exec_script(fx->c, "CREATE TABLE counter (n INTEGER NOT NULL);"
                                           "INSERT INTO counter VALUES (0);"
                                           "CREATE TABLE writes (writer INTEGER, seq INTEGER, "
                                           "UNIQUE (writer, seq))"),
                     DB_OK);
    db_release(fx->d, fx->c);
    fx->c = NULL;

    struct writers w = {.d = fx->d};
    struct writer me[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        me[i] = (struct writer){&w, i};
        assert_int_equal(pthread_create(&t[i], NULL, write_many, &me[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);

    fx->c = db_acquire(fx->d);
    assert_int_equal(atomic_load(&w.failures), 0);
    assert_int_equal(atomic_load(&w.overlaps), 0);
    assert_int_equal(count_rows(fx->c, "SELECT n FROM counter"), WRITERS * WRITES_PER_WRITER);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM writes"), WRITERS * WRITES_PER_WRITER);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(DISTINCT writer) FROM writes"), WRITERS);

    /* BEGIN inside a transaction fails instead of waiting for the turn it holds */
    assert_int_equal(db_begin(fx->c, true), DB_OK);
    assert_int_not_equal(db_begin(fx->c, true), DB_OK);
    assert_true(db_in_transaction(fx->c));
    db_rollback(fx->c);
    /* a read transaction does not take a turn: a writer goes ahead beside it */
    db_conn *other = db_acquire(fx->d);
    assert_int_equal(db_begin(other, false), DB_OK);
    assert_int_equal(db_begin(fx->c, true), DB_OK);
    assert_int_equal(db_exec(fx->c, "UPDATE counter SET n = 0", NULL, 0), DB_DONE);
    assert_int_equal(db_commit(fx->c), DB_OK);
    assert_int_equal(db_commit(other), DB_OK);
    db_release(fx->d, other);
}

/* The log is copied back into the database as it grows (SQLite's automatic checkpoint). */
static void wal_is_checkpointed(void **state)
{
    struct unit_db *fx = *state;
    assert_int_equal(db_exec_script(fx->c, "CREATE TABLE blobs (b BLOB)"), DB_OK);
    static char blob[4000];
    memset(blob, 'x', sizeof(blob));
    for (int t = 0; t < 40; t++) { /* 40 x 100 x 4 KB: 16 MB through the log */
        assert_int_equal(db_begin(fx->c, true), DB_OK);
        for (int i = 0; i < 100; i++) {
            db_param p[1] = {dbp_blob(blob, sizeof(blob))};
            assert_int_equal(db_exec(fx->c, "INSERT INTO blobs VALUES (?)", p, 1), DB_DONE);
        }
        assert_int_equal(db_commit(fx->c), DB_OK);
        assert_int_equal(db_exec(fx->c, "DELETE FROM blobs", NULL, 0), DB_DONE);
    }
    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", fx->path);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);
    assert_true(st.st_size < 8 * 1024 * 1024);
}

static void same_statement_twice_at_once(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    for (int i = 0; i < 3; i++) {
        db_param p[2] = {dbp_text(i == 0 ? "a" : i == 1 ? "b" : "c"), dbp_int(i)};
        assert_int_equal(db_exec(fx->c, "INSERT INTO people (name, age) VALUES (?, ?)", p, 2),
                         DB_DONE);
    }
    /* a nested loop over the same SQL: the inner one cannot reuse the busy cached statement */
    const char *sql = "SELECT name FROM people WHERE age >= ? ORDER BY age";
    db_param p0[1] = {dbp_int(0)};
    db_stmt *outer = db_query(fx->c, sql, p0, 1);
    assert_non_null(outer);
    int pairs = 0;
    while (db_step(outer) == DB_ROW) {
        db_param p1[1] = {dbp_int(1)};
        db_stmt *inner = db_query(fx->c, sql, p1, 1);
        assert_non_null(inner);
        assert_ptr_not_equal(inner, outer);
        while (db_step(inner) == DB_ROW)
            pairs++;
        db_done(inner);
    }
    db_done(outer);
    assert_int_equal(pairs, 3 * 2);
}

static void many_distinct_statements(void **state)
{
    struct unit_db *fx = *state;
    /* more statements than the per-connection cache holds: entries get replaced */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 1200; i++) {
            char sql[64];
            snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
            db_param p[1] = {dbp_int(round)};
            int64_t v = -1;
            assert_int_equal(db_query_i64(fx->c, sql, p, 1, -1, &v), DB_OK);
            assert_int_equal(v, i + round);
        }
    }
}

/* -------------------------------------------------------------- the cache */

static void cached_count_follows_version(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    const char *sql = "SELECT COUNT(*) FROM people WHERE age >= ?";
    const int64_t scope = 424242; /* a scope no other test uses (the cache is process-wide) */
    db_param p[1] = {dbp_int(10)};
    int64_t v = -1;
    assert_int_equal(db_query_i64_cached(fx->c, scope, 1, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 0);

    db_param row[2] = {dbp_text("a"), dbp_int(20)};
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name, age) VALUES (?, ?)", row, 2),
                     DB_DONE);
    /* same scope, version, SQL and parameters: the remembered answer */
    v = -1;
    assert_int_equal(db_query_i64_cached(fx->c, scope, 1, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 0);
    /* a new version: asked again */
    assert_int_equal(db_query_i64_cached(fx->c, scope, 2, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 1);
    /* other parameters or another scope are other entries */
    db_param p2[1] = {dbp_int(30)};
    assert_int_equal(db_query_i64_cached(fx->c, scope, 1, sql, p2, 1, &v), DB_OK);
    assert_int_equal(v, 0);
    db_param p3[1] = {dbp_int(5)};
    assert_int_equal(db_query_i64_cached(fx->c, scope, 1, sql, p3, 1, &v), DB_OK);
    assert_int_equal(v, 1);
    assert_int_equal(db_query_i64_cached(fx->c, scope + 1, 1, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 1);

    row[0] = dbp_text("b");
    assert_int_equal(db_exec(fx->c, "INSERT INTO people (name, age) VALUES (?, ?)", row, 2),
                     DB_DONE);
    assert_int_equal(db_query_i64_cached(fx->c, scope, 2, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 1);
    assert_int_equal(db_query_i64_cached(fx->c, scope, 3, sql, p, 1, &v), DB_OK);
    assert_int_equal(v, 2);
    /* text parameters are part of the key by value, not by pointer */
    char name[8] = "a";
    db_param t[1] = {dbp_text(name)};
    const char *tsql = "SELECT COUNT(*) FROM people WHERE name = ?";
    assert_int_equal(db_query_i64_cached(fx->c, scope, 3, tsql, t, 1, &v), DB_OK);
    assert_int_equal(v, 1);
    name[0] = 'z';
    assert_int_equal(db_query_i64_cached(fx->c, scope, 3, tsql, t, 1, &v), DB_OK);
    assert_int_equal(v, 0);
    /* a failing query is an error and is not remembered */
    assert_int_equal(db_query_i64_cached(fx->c, scope, 3, "SELECT nope FROM nowhere", NULL, 0, &v),
                     DB_ERROR);
}

/* ------------------------------------------------------------ introspection */

static void column_exists(void **state)
{
    struct unit_db *fx = *state;
    make_people(fx->c);
    assert_true(db_column_exists(fx->c, "people", "id"));
    assert_true(db_column_exists(fx->c, "people", "note"));
    assert_false(db_column_exists(fx->c, "people", "nope"));
    assert_false(db_column_exists(fx->c, "nowhere", "id"));
    assert_int_equal(db_exec_script(fx->c, "ALTER TABLE people ADD COLUMN extra TEXT"), DB_OK);
    assert_true(db_column_exists(fx->c, "people", "extra"));
}

/* -------------------------------------------------------------- migrations */

static void migrate_creates_tables_and_is_idempotent(void **state)
{
    struct unit_db *fx = *state;
    /* db_migrate takes a connection from the pool itself */
    db_release(fx->d, fx->c);
    fx->c = NULL;
    assert_int_equal(db_migrate(fx->d, NULL), 0);
    fx->c = db_acquire(fx->d);
    assert_non_null(fx->c);
    assert_false(db_in_transaction(fx->c));

    const char *cols[][2] = {
        {"accounts", "id"},           {"accounts", "subdomain"},
        {"accounts", "name"},         {"accounts", "created_at"},
        {"accounts", "data_version"}, {"api_keys", "account_id"},
        {"api_keys", "lookup"},       {"api_keys", "sealed"},
        {"api_keys", "kind"},         {"taggings", "tag_id"},
        {"taggings", "entity"},       {"taggings", "entity_id"},
        {"custom_values", "value"},   {"custom_values", "property_id"},
        {"custom_values", "seq"},     {"schema_migrations", "version"},
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (!db_column_exists(fx->c, cols[i][0], cols[i][1]))
            fail_msg("missing column %s.%s", cols[i][0], cols[i][1]);
    int version = db_schema_version(fx->c);
    assert_true(version >= 3);
    /* one row per applied migration, numbered 1..version */
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM schema_migrations"), version);
    assert_int_equal(count_rows(fx->c, "SELECT MIN(version) FROM schema_migrations"), 1);

    /* a second run changes nothing */
    db_release(fx->d, fx->c);
    fx->c = NULL;
    assert_int_equal(db_migrate(fx->d, NULL), 0);
    fx->c = db_acquire(fx->d);
    assert_int_equal(db_schema_version(fx->c), version);
    assert_int_equal(count_rows(fx->c, "SELECT COUNT(*) FROM schema_migrations"), version);

    /* the constraints of the schema hold: unique subdomain, keys belong to accounts */
    const char *ins = "INSERT INTO accounts (subdomain, name, created_at, updated_at) VALUES (?, "
                      "'n', 't', 't')";
    db_param p[1] = {dbp_text("acme")};
    assert_int_equal(db_exec(fx->c, ins, p, 1), DB_DONE);
    assert_int_equal(db_exec(fx->c, ins, p, 1), DB_CONSTRAINT);
    assert_int_equal(count_rows(fx->c, "SELECT data_version FROM accounts"), 0);
    assert_int_equal(db_exec(fx->c,
                             "INSERT INTO api_keys (account_id, kind, lookup, sealed, created_at) "
                             "VALUES (12345, 'full', 'l', 's', 't')",
                             NULL, 0),
                     DB_CONSTRAINT);
}

/* Sync hooks for db_migrate: one that fails after doing some DDL, one that succeeds. */
static int failing_sync(db *d, db_conn *c)
{
    (void)d;
    if (db_exec_script(c, "CREATE TABLE hook_table (x INTEGER)") != DB_OK)
        return -2;
    return -1;
}

static int good_sync(db *d, db_conn *c)
{
    (void)d;
    return db_exec_script(c, "CREATE TABLE IF NOT EXISTS hook_table (x INTEGER)") == DB_OK ? 0 : -1;
}

static void migrate_runs_sync_hook_and_rolls_back_on_failure(void **state)
{
    struct unit_db *fx = *state;
    db_release(fx->d, fx->c);
    fx->c = NULL;
    assert_int_equal(db_migrate(fx->d, NULL), 0);
    /* a failing sync hook: db_migrate fails and nothing the hook did remains */
    assert_int_not_equal(db_migrate(fx->d, failing_sync), 0);
    fx->c = db_acquire(fx->d);
    assert_non_null(fx->c);
    assert_false(db_column_exists(fx->c, "hook_table", "x"));
    assert_false(db_in_transaction(fx->c));
    int version = db_schema_version(fx->c);
    db_release(fx->d, fx->c);
    fx->c = NULL;
    assert_int_equal(db_migrate(fx->d, good_sync), 0);
    fx->c = db_acquire(fx->d);
    assert_non_null(fx->c);
    assert_true(db_column_exists(fx->c, "hook_table", "x"));
    assert_int_equal(db_schema_version(fx->c), version);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_reports_dialect_and_types, setup, teardown),
        cmocka_unit_test(open_failures),
        cmocka_unit_test_setup_teardown(pool_hands_out_distinct_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_query_and_column_accessors, setup, teardown),
        cmocka_unit_test_setup_teardown(query_i64_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(text_binding_is_not_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(unique_violation_is_constraint, setup, teardown),
        cmocka_unit_test_setup_teardown(transactions_commit_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_writers_take_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(wal_is_checkpointed, setup, teardown),
        cmocka_unit_test_setup_teardown(same_statement_twice_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(many_distinct_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(cached_count_follows_version, setup, teardown),
        cmocka_unit_test_setup_teardown(column_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_creates_tables_and_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_runs_sync_hook_and_rolls_back_on_failure, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
