/* A database made before exact money (REAL columns for amounts) is converted by the migration:
 * same amounts, exactly, as INTEGER units; indexes and sorting keep working. */
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
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    *state = unit_db_open("money", "old.db", false);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    unit_db_close(*state);
    return 0;
}

/* The layout the engine made from FT_DECIMAL declarations before: REAL columns, indexed when
 * sortable. Only the columns this test looks at; the sync adds the rest. */
static const char old_layout[] =
    "INSERT INTO accounts (id, subdomain, name, created_at, updated_at) VALUES (1, 'acme', 'Acme',"
    " '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');"
    "CREATE TABLE deals (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL"
    " REFERENCES accounts(id) ON DELETE CASCADE, created_at TEXT NOT NULL, updated_at TEXT NOT"
    " NULL, name TEXT, money REAL);"
    "CREATE INDEX deals__account__money ON deals (account_id, money);"
    "CREATE TABLE projects (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL"
    " REFERENCES accounts(id) ON DELETE CASCADE, created_at TEXT NOT NULL, updated_at TEXT NOT"
    " NULL, name TEXT, budget REAL, budget_monthly REAL, hourly_rate REAL);"
    "CREATE TABLE companies (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL"
    " REFERENCES accounts(id) ON DELETE CASCADE, created_at TEXT NOT NULL, updated_at TEXT NOT"
    " NULL, name TEXT, customer_tax REAL, default_discount REAL);"
    "INSERT INTO deals (account_id, created_at, updated_at, name, money) VALUES"
    " (1, 'x', 'x', 'small', 0.1), (1, 'x', 'x', 'big', 1234567.89), (1, 'x', 'x', 'mid', 12.5),"
    " (1, 'x', 'x', 'negative', -19.99), (1, 'x', 'x', 'max', 9999999999999.99),"
    " (1, 'x', 'x', 'sum', 0.1 + 0.2), (1, 'x', 'x', 'thirds', 0.125);"
    "INSERT INTO projects (account_id, created_at, updated_at, name, budget, budget_monthly,"
    " hourly_rate) VALUES (1, 'x', 'x', 'p', 18200, NULL, 150.5), (1, 'x', 'x', 'q', 0.07, 0, 0);"
    "INSERT INTO companies (account_id, created_at, updated_at, name, customer_tax,"
    " default_discount) VALUES (1, 'x', 'x', 'c', 19.0, 2.5), (1, 'x', 'x', 'ch', 7.7, 0);";

static int64_t one_i64(db *d, const char *sql)
{
    db_conn *c = db_acquire(d);
    assert_non_null(c);
    int64_t v = -424242;
    assert_int_equal(db_query_i64(c, sql, NULL, 0, -424242, &v), DB_OK);
    db_release(d, c);
    return v;
}

static void column_is(db *d, const char *table, const char *column, const char *want)
{
    db_conn *c = db_acquire(d);
    char type[64] = "";
    assert_true(db_column_type(c, table, column, type, sizeof(type)));
    assert_string_equal(type, want);
    db_release(d, c);
}

static void check_converted(db *d)
{
    column_is(d, "deals", "money", "INTEGER");
    column_is(d, "projects", "budget", "INTEGER");
    column_is(d, "projects", "hourly_rate", "INTEGER");
    column_is(d, "companies", "customer_tax", "INTEGER");
    db_conn *c = db_acquire(d);
    assert_false(db_column_exists(c, "deals", "money__real"));
    assert_false(db_column_exists(c, "projects", "budget__real"));
    db_release(d, c);

    /* amounts at 2 places (cents), percentages and quantities at 4 */
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'small'"), 10);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'big'"), 123456789);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'mid'"), 1250);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'negative'"), -1999);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'max'"), 999999999999999LL);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'sum'"), 30);
    assert_int_equal(one_i64(d, "SELECT money FROM deals WHERE name = 'thirds'"), 13);
    assert_int_equal(one_i64(d, "SELECT count(*) FROM deals WHERE typeof(money) <> 'integer'"), 0);
    assert_int_equal(one_i64(d, "SELECT budget FROM projects WHERE name = 'p'"), 1820000);
    assert_int_equal(one_i64(d, "SELECT hourly_rate FROM projects WHERE name = 'p'"), 15050);
    assert_int_equal(one_i64(d, "SELECT budget_monthly IS NULL FROM projects WHERE name = 'p'"), 1);
    assert_int_equal(one_i64(d, "SELECT budget FROM projects WHERE name = 'q'"), 7);
    assert_int_equal(one_i64(d, "SELECT customer_tax FROM companies WHERE name = 'c'"), 190000);
    assert_int_equal(one_i64(d, "SELECT customer_tax FROM companies WHERE name = 'ch'"), 77000);
    assert_int_equal(one_i64(d, "SELECT default_discount FROM companies WHERE name = 'c'"), 25000);
    /* the index on the sortable amount is there again, on the new column */
    assert_int_equal(one_i64(d, "SELECT count(*) FROM pragma_index_info('deals__account__money') "
                                "WHERE name = 'money'"),
                     1);
    /* sorting is numeric */
    assert_int_equal(one_i64(d, "SELECT group_concat(name) = 'negative,small,thirds,sum,mid,big,"
                                "max' FROM (SELECT name FROM deals ORDER BY money)"),
                     1);
    /* sums are exact integers */
    assert_int_equal(one_i64(d, "SELECT SUM(money) FROM deals WHERE name <> 'max'"),
                     10 + 123456789 + 1250 - 1999 + 30 + 13);
}

static void real_columns_become_exact_units(void **state)
{
    struct unit_db *fx = *state;
    assert_int_equal(db_migrate(fx->d, NULL), 0); /* the engine's own tables, then the old data */
    db_conn *c = db_acquire(fx->d);
    assert_int_equal(db_exec_script(c, old_layout), DB_OK);
    db_release(fx->d, c);
    column_is(fx->d, "deals", "money", "REAL");

    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    check_converted(fx->d);
    /* a second start changes nothing */
    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    check_converted(fx->d);
}

int main(void)
{
    if (engine_init(&mocod_registry))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(real_columns_become_exact_units, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
