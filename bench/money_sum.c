/*
 * Sums 1,000,000 money values through the engine's money path and checks the exact result:
 *   parse  decimal text -> int64 cents (util/money, as request input is converted)
 *   store  INSERT into an INTEGER column of a SQLite file (db/, one transaction)
 *   sum    SELECT SUM(amount) in SQLite, and the column read back and summed with money_sum()
 *   render every amount as JSON number text (money_format, as responses are written)
 * Usage: build/bench_money_sum [N] [DIR]   (defaults: 1000000 values, /tmp)
 */
#include "db/db.h"
#include "util/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The i-th amount: 0.00 ... 999.99 and back, with a negative one every seventh line. */
static int64_t amount_of(long i)
{
    int64_t cents = i % 100000;
    return i % 7 == 0 ? -cents : cents;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[512];
    snprintf(path, sizeof(path), "%s/mocod_money_bench_%ld.db", dir, (long)getpid());
    struct db_options opts = {.pool_size = 1, .synchronous_normal = true};
    char err[256] = "";
    db *d = NULL;
    if (db_open(&d, path, &opts, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "db_open: %s\n", err);
        return 1;
    }
    db_conn *c = db_acquire(d);
    int rc = 1;
    int64_t expected = 0;
    for (long i = 0; i < n; i++)
        expected += amount_of(i);
    if (db_exec_script(c, "CREATE TABLE lines (id INTEGER PRIMARY KEY, amount INTEGER)") != DB_OK)
        goto out;

    /* parse + store */
    double t0 = now_ms();
    if (db_begin(c, true) != DB_OK)
        goto out;
    for (long i = 0; i < n; i++) {
        char text[MONEY_BUF];
        size_t len = money_format(amount_of(i), 2, text); /* the client's decimal text */
        int64_t units;
        if (money_parse(text, len, 2, &units) != MONEY_OK || units != amount_of(i)) {
            fprintf(stderr, "parse of %s failed\n", text);
            goto out;
        }
        db_param p[1] = {dbp_int(units)};
        if (db_exec(c, "INSERT INTO lines (amount) VALUES (?)", p, 1) != DB_DONE)
            goto out;
    }
    if (db_commit(c) != DB_OK)
        goto out;
    double t1 = now_ms();

    /* SUM() in SQLite: integer arithmetic, an error on overflow */
    int64_t sql_sum = 0;
    if (db_query_i64(c, "SELECT SUM(amount) FROM lines", NULL, 0, 0, &sql_sum) != DB_OK)
        goto out;
    double t2 = now_ms();

    /* read back and sum with checked additions; render each as JSON number text */
    int64_t *v = malloc((size_t)n * sizeof(*v));
    if (!v)
        goto out;
    db_stmt *s = db_query(c, "SELECT amount FROM lines ORDER BY id", NULL, 0);
    long k = 0;
    while (s && k < n && db_step(s) == DB_ROW)
        v[k++] = db_col_i64(s, 0);
    db_done(s);
    int64_t c_sum = 0;
    int sum_rc = money_sum(v, (size_t)k, &c_sum);
    double t3 = now_ms();
    size_t bytes = 0;
    for (long i = 0; i < k; i++) {
        char text[MONEY_BUF];
        bytes += money_format(v[i], 2, text);
    }
    double t4 = now_ms();
    /* the same amounts as binary floating point, for comparison */
    double f = 0;
    for (long i = 0; i < k; i++)
        f += (double)v[i] / 100.0;
    free(v);

    char want[MONEY_BUF], got_sql[MONEY_BUF], got_c[MONEY_BUF];
    money_format(expected, 2, want);
    money_format(sql_sum, 2, got_sql);
    money_format(c_sum, 2, got_c);
    bool ok = k == n && sum_rc == MONEY_OK && sql_sum == expected && c_sum == expected;
    printf("values: %ld, expected sum %s\n", n, want);
    printf("parse+insert (1 transaction): %8.1f ms\n", t1 - t0);
    printf("SQLite SUM(amount):           %8.1f ms  -> %s %s\n", t2 - t1, got_sql,
           sql_sum == expected ? "exact" : "WRONG");
    printf("read back + money_sum:        %8.1f ms  -> %s %s\n", t3 - t2, got_c,
           c_sum == expected ? "exact" : "WRONG");
    printf("money_format of every value:  %8.1f ms  (%zu bytes)\n", t4 - t3, bytes);
    printf("double sum for comparison:    %.17g (off by %.3g)\n", f, f - (double)expected / 100.0);
    rc = ok ? 0 : 2;
out:
    if (rc == 1)
        fprintf(stderr, "benchmark failed: %s\n", db_errmsg(c));
    db_release(d, c);
    db_close(d);
    unlink(path);
    char side[600];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    return rc;
}
