/* Unit tests of the PostgreSQL backend's statement translation (db_pg_translate): the portable
 * SQL that the engine writes once, as PostgreSQL gets it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/backend.h"

#include <stdlib.h>
#include <string.h>

static void expect(const char *in, const char *out, int nparams)
{
    int n = -1;
    char *got = db_pg_translate(in, &n);
    assert_non_null(got);
    if (strcmp(got, out) != 0) {
        print_error("in:   %s\nwant: %s\ngot:  %s\n", in, out, got);
        fail();
    }
    assert_int_equal(n, nparams);
    free(got);
}

static void test_placeholders_are_numbered(void **state)
{
    (void)state;
    expect("SELECT 1", "SELECT 1", 0);
    expect("SELECT id FROM units WHERE account_id = ? AND name = ? LIMIT ?",
           "SELECT id FROM units WHERE account_id = $1 AND name = $2 LIMIT $3", 3);
    expect("INSERT INTO t (a, b) VALUES (?,?) RETURNING id",
           "INSERT INTO t (a, b) VALUES ($1,$2) RETURNING id", 2);
}

static void test_literals_and_names_are_left_alone(void **state)
{
    (void)state;
    /* a ? inside a string literal or a quoted name is no placeholder; '' escapes a quote */
    expect("SELECT 'a?b', 'it''s ?', \"odd?name\" FROM t WHERE x = ?",
           "SELECT 'a?b', 'it''s ?', \"odd?name\" FROM t WHERE x = $1", 1);
    expect("SELECT * FROM t WHERE name LIKE ? ESCAPE '\\'",
           "SELECT * FROM t WHERE name LIKE $1 ESCAPE '\\'", 1);
    /* words that contain IS or CAST are not the keywords */
    expect("SELECT this_is, castle FROM t WHERE list = ?",
           "SELECT this_is, castle FROM t WHERE list = $1", 1);
}

static void test_null_safe_equality(void **state)
{
    (void)state;
    expect("SELECT id FROM t WHERE parent_id IS ? AND a = ?",
           "SELECT id FROM t WHERE parent_id IS NOT DISTINCT FROM $1 AND a = $2", 2);
    expect("SELECT id FROM t WHERE parent_id IS NOT ?",
           "SELECT id FROM t WHERE parent_id IS DISTINCT FROM $1", 1);
    /* IS NULL / IS NOT NULL stay */
    expect("SELECT id FROM t WHERE a IS NULL AND b IS NOT NULL",
           "SELECT id FROM t WHERE a IS NULL AND b IS NOT NULL", 0);
}

static void test_lenient_integer_cast(void **state)
{
    (void)state;
    expect("SELECT COALESCE(MAX(CAST(identifier AS INTEGER)), 0) + 1 FROM companies WHERE a = ?",
           "SELECT COALESCE(MAX(COALESCE(substring(identifier from "
           "'^\\s*([+-]?[0-9]{1,18})')::bigint, 0)), 0) + 1 FROM companies WHERE a = $1",
           1);
    /* other casts are PostgreSQL's own */
    expect("SELECT CAST(x AS TEXT) FROM t", "SELECT CAST(x AS TEXT) FROM t", 0);
}

static void test_lower_is_ascii_as_sqlite(void **state)
{
    (void)state;
    expect("SELECT id FROM users WHERE lower(email) = lower(?)",
           "SELECT id FROM users WHERE lower((email) COLLATE \"C\") = "
           "lower(($1) COLLATE \"C\")",
           1);
    expect("SELECT 1 WHERE lower(replace(t.a, ' ', '')) LIKE ? ESCAPE '\\'",
           "SELECT 1 WHERE lower((replace(t.a, ' ', '')) COLLATE \"C\") LIKE $1 ESCAPE '\\'", 1);
    /* a column named lower_case is no call */
    expect("SELECT lower_case FROM t", "SELECT lower_case FROM t", 0);
}

static void test_numbered_sql_is_kept(void **state)
{
    (void)state;
    /* the backend's own statements are written with $n already */
    expect("SELECT $1 + $2, $2", "SELECT $1 + $2, $2", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders_are_numbered),
        cmocka_unit_test(test_literals_and_names_are_left_alone),
        cmocka_unit_test(test_null_safe_equality),
        cmocka_unit_test(test_lenient_integer_cast),
        cmocka_unit_test(test_lower_is_ascii_as_sqlite),
        cmocka_unit_test(test_numbered_sql_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
