/*
 * Unit tests of account_hourly_rate (resources/resources.h), the rate an activity gets when its
 * project gives none: on a scratch SQLite database migrated as the server does, with rates
 * written straight into the table of migration 13.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/migrate.h"
#include "engine/engine.h"
#include "resources/resources.h"

#include "unit_db.h"

#include <stdio.h>
#include <string.h>

struct fixture {
    struct unit_db *db;
    arena a;
    struct req r;
    int64_t grafik; /* task template "Grafik" of account 1 */
};

static void exec(struct fixture *f, const char *sql)
{
    if (db_exec_script(f->db->c, sql) != DB_OK)
        fail_msg("%s: %s", sql, db_errmsg(f->db->c));
}

/* The rate for (variant, company, currency, task, user) in units; fails on an error. */
static int64_t rate(struct fixture *f, const char *variant, int64_t company, const char *currency,
                    const char *task, int64_t user)
{
    int64_t units = -1;
    assert_int_equal(account_hourly_rate(&f->r, variant, company, currency, task, user, &units), 0);
    assert_null(f->r.err_message);
    return units;
}

static void set_rate(struct fixture *f, int64_t account, int64_t company, const char *kind,
                     int64_t subject, const char *currency, int64_t units)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO hourly_rates (account_id, company_id, kind, subject_id, currency, rate) "
             "VALUES (%lld, %lld, '%s', %lld, '%s', %lld)",
             (long long)account, (long long)company, kind, (long long)subject, currency,
             (long long)units);
    exec(f, sql);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->db = unit_db_open("hourly_rate", "rates.db", false);
    if (!f->db || db_migrate(f->db->d, engine_sync_schema) != 0)
        return -1;
    f->db->c = db_acquire(f->db->d);
    if (!f->db->c)
        return -1;
    exec(f, "INSERT INTO accounts (subdomain, name, created_at, updated_at) VALUES "
            "('a', 'A', 't', 't'), ('b', 'B', 't', 't')");
    exec(f, "INSERT INTO task_templates (account_id, name, created_at, updated_at) VALUES "
            "(1, 'Grafik', 't', 't'), (1, 'Entwicklung', 't', 't'), (2, 'Fremd', 't', 't')");
    assert_int_equal(db_query_i64(f->db->c,
                                  "SELECT id FROM task_templates WHERE account_id = 1 AND "
                                  "name = 'Grafik'",
                                  NULL, 0, 0, &f->grafik),
                     DB_OK);
    arena_init(&f->a, 0);
    f->r.arena = &f->a;
    f->r.db = f->db->c;
    f->r.account_id = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_release(&f->a);
    unit_db_close(f->db);
    free(f);
    return 0;
}

static void no_rates_give_zero(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rate(f, "project", 0, "EUR", NULL, 0), 0);
    assert_int_equal(rate(f, "task", 0, "EUR", "Grafik", 0), 0);
    assert_int_equal(rate(f, "user", 7, "EUR", NULL, 5), 0);
    assert_int_equal(rate(f, NULL, 0, NULL, NULL, 0), 0);
}

static void the_chain_of_rates(void **state)
{
    struct fixture *f = *state;
    /* another account's rates never count */
    set_rate(f, 2, 0, "default", 0, "EUR", 99900);
    assert_int_equal(rate(f, "project", 0, "EUR", NULL, 0), 0);

    /* the global default of the currency, for every variant without a rate of its own */
    set_rate(f, 1, 0, "default", 0, "EUR", 10000);
    set_rate(f, 1, 0, "default", 0, "CHF", 11050);
    assert_int_equal(rate(f, "project", 0, "EUR", NULL, 0), 10000);
    assert_int_equal(rate(f, "project", 0, "CHF", NULL, 0), 11050);
    assert_int_equal(rate(f, "project", 0, "USD", NULL, 0), 0);
    assert_int_equal(rate(f, "task", 0, "EUR", "Grafik", 0), 10000);
    assert_int_equal(rate(f, "task", 0, "EUR", "Unbekannt", 0), 10000);
    assert_int_equal(rate(f, "task", 0, "EUR", "Fremd", 0), 10000); /* account 2's template */
    assert_int_equal(rate(f, "user", 0, "EUR", NULL, 5), 10000);

    /* a task template's and a user's own global rate */
    set_rate(f, 1, 0, "task", f->grafik, "EUR", 12000);
    set_rate(f, 1, 0, "user", 5, "EUR", 9000);
    assert_int_equal(rate(f, "task", 0, "EUR", "Grafik", 0), 12000);
    assert_int_equal(rate(f, "task", 0, "CHF", "Grafik", 0), 11050); /* none in CHF */
    assert_int_equal(rate(f, "task", 0, "EUR", "Entwicklung", 0), 10000);
    assert_int_equal(rate(f, "user", 0, "EUR", NULL, 5), 9000);
    assert_int_equal(rate(f, "user", 0, "EUR", NULL, 6), 10000);
    /* the variant decides which one counts */
    assert_int_equal(rate(f, "project", 0, "EUR", "Grafik", 5), 10000);
    assert_int_equal(rate(f, "user", 0, "EUR", "Grafik", 6), 10000);

    /* a customer's own default: before the global default, after the global task/user rate */
    set_rate(f, 1, 7, "default", 0, "EUR", 15000);
    assert_int_equal(rate(f, "project", 7, "EUR", NULL, 0), 15000);
    assert_int_equal(rate(f, "task", 7, "EUR", "Entwicklung", 0), 15000);
    assert_int_equal(rate(f, "task", 7, "EUR", "Grafik", 0), 12000);
    assert_int_equal(rate(f, "user", 7, "EUR", NULL, 5), 9000);
    assert_int_equal(rate(f, "project", 7, "CHF", NULL, 0), 11050);
    assert_int_equal(rate(f, "project", 8, "EUR", NULL, 0), 10000); /* another customer */
    assert_int_equal(rate(f, "project", 0, "EUR", NULL, 0), 10000);

    /* a customer's own task and user rates come first */
    set_rate(f, 1, 7, "task", f->grafik, "EUR", 13000);
    set_rate(f, 1, 7, "user", 5, "EUR", 8000);
    assert_int_equal(rate(f, "task", 7, "EUR", "Grafik", 0), 13000);
    assert_int_equal(rate(f, "user", 7, "EUR", NULL, 5), 8000);
    assert_int_equal(rate(f, "task", 8, "EUR", "Grafik", 0), 12000);
    assert_int_equal(rate(f, "user", 0, "EUR", NULL, 5), 9000);
}

int main(void)
{
    if (engine_init(&mocod_registry))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_rates_give_zero),
        cmocka_unit_test(the_chain_of_rates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
