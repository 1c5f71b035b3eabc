#include "db/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_open(db **out, const char *url, const struct db_options *opts, char *err, size_t errlen)
{
    const struct db_ops *ops = &db_sqlite_ops;
    if (db_url_is_server(url))
        ops = &db_postgres_ops;
    db *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return DB_ERROR;
    }
    d->ops = ops;
    d->url = strdup(url);
    d->opts = *opts;
    if (d->opts.pool_size < 1)
        d->opts.pool_size = 4;
    d->idle = calloc((size_t)d->opts.pool_size, sizeof(db_conn *));
    /* one waiting place per connection: tickets waiting at once never share one */
    d->nturns = d->opts.pool_size;
    d->write_turns = calloc((size_t)d->nturns, sizeof(pthread_cond_t));
    if (!d->url || !d->idle || !d->write_turns) {
        free(d->idle);
        free(d->write_turns);
        free(d->url);
        free(d);
        snprintf(err, errlen, "out of memory");
        return DB_ERROR;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->freed, NULL);
    pthread_mutex_init(&d->write_lock, NULL);
    for (int i = 0; i < d->nturns; i++)
        pthread_cond_init(&d->write_turns[i], NULL);
    /* Open one connection now so configuration errors show at start-up. */
    db_conn *c = ops->connect(d, url, err, errlen);
    if (!c) {
        db_close(d);
        return DB_ERROR;
    }
    d->idle[d->nidle++] = c;
    d->nopen = 1;
    *out = d;
    return DB_OK;
}

void db_close(db *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nidle; i++)
        d->ops->disconnect(d->idle[i]);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->freed);
    pthread_mutex_destroy(&d->write_lock);
    for (int i = 0; i < d->nturns; i++)
        pthread_cond_destroy(&d->write_turns[i]);
    free(d->write_turns);
    free(d->idle);
    free(d->url);
    free(d);
}

const char *db_dialect_name(const db *d)
{
    return d->ops->name;
}

bool db_url_is_server(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

bool db_shared(const db *d)
{
    return d->ops->shared;
}

int db_rate_hit(db_conn *c, int64_t key, int limit, int window_seconds)
{
    return c->ops->rate_hit ? c->ops->rate_hit(c, key, limit, window_seconds) : -1;
}

const char *db_type(const db *d, enum db_coltype t)
{
    return d->ops->type(t);
}

db_conn *db_acquire(db *d)
{
    db_conn *c = NULL;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        if (d->nidle > 0) {
            c = d->idle[--d->nidle];
            break;
        }
        if (d->nopen < d->opts.pool_size) {
            d->nopen++;
            pthread_mutex_unlock(&d->lock);
            char err[256];
            c = d->ops->connect(d, d->url, err, sizeof(err));
            pthread_mutex_lock(&d->lock);
            if (!c) {
                d->nopen--;
                fprintf(stderr, "mocod: cannot open database connection: %s\n", err);
            }
            break;
        }
        pthread_cond_wait(&d->freed, &d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return c;
}

void db_release(db *d, db_conn *c)
{
    if (!c)
        return;
    if (c->in_tx)
        db_rollback(c);
    pthread_mutex_lock(&d->lock);
    d->idle[d->nidle++] = c;
    pthread_cond_signal(&d->freed);
    pthread_mutex_unlock(&d->lock);
}

db_stmt *db_query(db_conn *c, const char *sql, const db_param *params, int nparams)
{
    return c->ops->query(c, sql, params, nparams);
}

int db_step(db_stmt *s)
{
    return s->conn->ops->step(s);
}

void db_done(db_stmt *s)
{
    if (s)
        s->conn->ops->done(s);
}

int db_exec(db_conn *c, const char *sql, const db_param *params, int nparams)
{
    db_stmt *s = db_query(c, sql, params, nparams);
    if (!s)
        return DB_ERROR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        ;
    db_done(s);
    return rc;
}

int db_query_i64(db_conn *c, const char *sql, const db_param *params, int nparams, int64_t def,
                 int64_t *out)
{
    db_stmt *s = db_query(c, sql, params, nparams);
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *out = db_col_null(s, 0) ? def : db_col_i64(s, 0);
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        *out = def;
        rc = DB_OK;
    }
    db_done(s);
    return rc;
}

int db_exec_script(db_conn *c, const char *sql)
{
    return c->ops->exec_script(c, sql);
}

int db_optimize(db *d)
{
    if (!d->ops->optimize_sql)
        return DB_OK;
    db_conn *c = db_acquire(d);
    if (!c)
        return DB_ERROR;
    int rc = db_exec_script(c, d->ops->optimize_sql);
    db_release(d, c);
    return rc;
}

/*
 * Write turns. SQLite admits one writer at a time and makes the others sleep and retry in its busy
 * handler (1, 2, 5, 10 ... 100 ms), which is unfair: a writer can lose every retry to the ones
 * that keep arriving, for hundreds of milliseconds. Write transactions of this process therefore
 * queue here first, in ticket order, and hold their turn from BEGIN to COMMIT/ROLLBACK; the busy
 * handler is left with other processes on the same file.
 *
 * No deadlock: a thread waits for a turn while holding only its connection, never the turn of
 * another, and the holder of a turn needs nothing but its own connection (no code acquires a
 * second connection inside a transaction). A transaction left open is rolled back, and its turn
 * given back, by db_release().
 */
static void write_turn_take(db *d)
{
    pthread_mutex_lock(&d->write_lock);
    uint64_t ticket = d->write_tickets++;
    while (d->write_serving != ticket)
        pthread_cond_wait(&d->write_turns[ticket % (uint64_t)d->nturns], &d->write_lock);
    pthread_mutex_unlock(&d->write_lock);
}

static void write_turn_give(db_conn *c)
{
    if (!c->has_write_turn)
        return;
    c->has_write_turn = false;
    db *d = c->owner;
    pthread_mutex_lock(&d->write_lock);
    d->write_serving++;
    /* a broadcast, should two tickets ever share a place: the one not yet due waits again */
    pthread_cond_broadcast(&d->write_turns[d->write_serving % (uint64_t)d->nturns]);
    pthread_mutex_unlock(&d->write_lock);
}

static int db_begin_read(db_conn *c)
{
    int rc = c->ops->begin(c, false, 0);
    if (rc == DB_OK)
        c->in_tx = true;
    return rc;
}

int db_begin(db_conn *c, bool write)
{
    return write ? db_begin_scoped(c, DB_SCOPE_ALL) : db_begin_read(c);
}

int db_begin_scoped(db_conn *c, int64_t scope)
{
    /* inside a transaction the backend refuses BEGIN; waiting for a turn would hang instead */
    bool turn = c->ops->one_writer && !c->in_tx;
    if (turn) {
        write_turn_take(c->owner);
        c->has_write_turn = true;
    }
    int rc = c->ops->begin(c, true, scope);
    if (rc == DB_OK)
        c->in_tx = true;
    else if (turn)
        write_turn_give(c);
    return rc;
}

int db_commit(db_conn *c)
{
    int rc = db_exec(c, "COMMIT", NULL, 0);
    if (rc != DB_DONE) {
        db_rollback(c);
        return DB_ERROR;
    }
    c->in_tx = false;
    write_turn_give(c);
    return DB_OK;
}

void db_rollback(db_conn *c)
{
    if (!c->in_tx)
        return;
    db_exec(c, "ROLLBACK", NULL, 0);
    c->in_tx = false;
    write_turn_give(c);
}

bool db_in_transaction(db_conn *c)
{
    return c->in_tx;
}

bool db_col_null(db_stmt *s, int col)
{
    return s->conn->ops->col_null(s, col);
}
int64_t db_col_i64(db_stmt *s, int col)
{
    return s->conn->ops->col_i64(s, col);
}
bool db_col_int(db_stmt *s, int col, int64_t *out)
{
    if (s->conn->ops->col_int)
        return s->conn->ops->col_int(s, col, out);
    *out = 0;
    if (s->conn->ops->col_null(s, col))
        return false;
    *out = s->conn->ops->col_i64(s, col);
    return true;
}
double db_col_double(db_stmt *s, int col)
{
    return s->conn->ops->col_double(s, col);
}
const char *db_col_text(db_stmt *s, int col)
{
    return s->conn->ops->col_text(s, col);
}
size_t db_col_len(db_stmt *s, int col)
{
    return s->conn->ops->col_len(s, col);
}
int db_col_count(db_stmt *s)
{
    return s->conn->ops->col_count(s);
}
const char *db_errmsg(db_conn *c)
{
    return c->ops->errmsg(c);
}

bool db_column_exists(db_conn *c, const char *table, const char *column)
{
    return c->ops->column_exists(c, table, column);
}

bool db_column_type(db_conn *c, const char *table, const char *column, char *buf, size_t cap)
{
    return c->ops->column_type(c, table, column, buf, cap);
}

int db_drop_column(db_conn *c, const char *table, const char *column)
{
    return c->ops->drop_column(c, table, column);
}
