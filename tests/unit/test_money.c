/* Unit tests of exact money (util/money.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "util/money.h"

#include <stdlib.h>
#include <string.h>

static int64_t parse_ok(const char *s, int scale)
{
    int64_t v = -777;
    int rc = money_parse(s, strlen(s), scale, &v);
    if (rc != MONEY_OK)
        fail_msg("money_parse(\"%s\", %d) refused: %d", s, scale, rc);
    return v;
}

static int parse_rc(const char *s, int scale)
{
    int64_t v = -777;
    int rc = money_parse(s, strlen(s), scale, &v);
    if (rc != MONEY_OK)
        assert_int_equal(v, -777); /* out is left alone on failure */
    return rc;
}

static const char *fmt(int64_t units, int scale)
{
    static char buf[MONEY_BUF];
    size_t n = money_format(units, scale, buf);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static const char *fmt_fixed(int64_t units, int scale)
{
    static char buf[MONEY_BUF];
    size_t n = money_format_fixed(units, scale, buf);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void format_fixed_keeps_every_decimal(void **state)
{
    (void)state;
    assert_string_equal(fmt_fixed(1799900, 2), "17999.00");
    assert_string_equal(fmt_fixed(1799950, 2), "17999.50");
    assert_string_equal(fmt_fixed(5, 2), "0.05");
    assert_string_equal(fmt_fixed(-5, 2), "-0.05");
    assert_string_equal(fmt_fixed(0, 2), "0.00");
    assert_string_equal(fmt_fixed(12345, 4), "1.2345");
    assert_string_equal(fmt_fixed(120000, 4), "12.0000");
    assert_string_equal(fmt_fixed(7, 0), "7");
    assert_string_equal(fmt_fixed(-7, 0), "-7");
}

static void parse_plain(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0", 2), 0);
    assert_int_equal(parse_ok("12", 2), 1200);
    assert_int_equal(parse_ok("12.5", 2), 1250);
    assert_int_equal(parse_ok("12.50", 2), 1250);
    assert_int_equal(parse_ok("12.500000", 2), 1250); /* zeros beyond the scale are no decimals */
    assert_int_equal(parse_ok("0.1", 2), 10);
    assert_int_equal(parse_ok("0.01", 2), 1);
    assert_int_equal(parse_ok("-0.01", 2), -1);
    assert_int_equal(parse_ok("-0", 2), 0);
    assert_int_equal(parse_ok("+3", 2), 300);
    assert_int_equal(parse_ok("007.25", 2), 725);
    assert_int_equal(parse_ok("1234567.89", 2), 123456789);
    assert_int_equal(parse_ok("19", 4), 190000);
    assert_int_equal(parse_ok("7.7", 4), 77000);
    assert_int_equal(parse_ok("0.5", 4), 5000);
    assert_int_equal(parse_ok("42", 0), 42);
}

static void parse_exponents(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1e3", 2), 100000);
    assert_int_equal(parse_ok("1E+3", 2), 100000);
    assert_int_equal(parse_ok("1.25e1", 2), 1250);
    assert_int_equal(parse_ok("1e-2", 2), 1);
    assert_int_equal(parse_ok("1e-05", 5), 1);
    assert_int_equal(parse_ok("0e99999999", 2), 0);
    assert_int_equal(parse_rc("1e-3", 2), MONEY_SCALE);
    assert_int_equal(parse_rc("1e20", 2), MONEY_RANGE);
    assert_int_equal(parse_rc("1e999999999999", 2), MONEY_RANGE);
}

static void parse_refusals(void **state)
{
    (void)state;
    const char *syntax[] = {"",    "-",  "+",  ".",    "1.",  "abc", "1,5", "1.2.3", "1e",
                            "1e+", " 1", "1 ", "0x10", "nan", "inf", "--1", "1-"};
    for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
        if (parse_rc(syntax[i], 2) != MONEY_SYNTAX)
            fail_msg("\"%s\" was not refused as syntax", syntax[i]);
    assert_int_equal(parse_rc("0.001", 2), MONEY_SCALE);
    assert_int_equal(parse_rc("12.345", 2), MONEY_SCALE);
    assert_int_equal(parse_rc("-0.005", 2), MONEY_SCALE);
    assert_int_equal(parse_rc("0.30000000000000004", 2), MONEY_SCALE);
    assert_int_equal(parse_rc("1.5", 0), MONEY_SCALE);
    /* 15 digits of units at most */
    assert_int_equal(parse_ok("9999999999999.99", 2), 999999999999999LL);
    assert_int_equal(parse_ok("-9999999999999.99", 2), -999999999999999LL);
    assert_int_equal(parse_rc("10000000000000", 2), MONEY_RANGE);
    assert_int_equal(parse_rc("99999999999999999999999", 2), MONEY_RANGE);
    assert_int_equal(parse_rc("1", 10), MONEY_SYNTAX); /* scale beyond MONEY_MAX_SCALE */
}

static void parse_rounded_half_away_from_zero(void **state)
{
    (void)state;
    int64_t v;
    bool inexact;
    struct {
        const char *s;
        int64_t want;
        bool inexact;
    } cases[] = {
        {"0.125", 13, true},  {"-0.125", -13, true}, {"0.124", 12, true},   {"-0.124", -12, true},
        {"2.675", 268, true}, {"0.005", 1, true},    {"-0.005", -1, true},  {"0.0049", 0, true},
        {"0.0001", 0, true},  {"1e-9", 0, true},     {"12.5", 1250, false}, {"9.995", 1000, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(money_parse_rounded(cases[i].s, strlen(cases[i].s), 2, &v, &inexact),
                         MONEY_OK);
        if (v != cases[i].want || inexact != cases[i].inexact)
            fail_msg("%s: got %lld (inexact %d)", cases[i].s, (long long)v, inexact);
    }
    assert_int_equal(money_parse_rounded("9999999999999.995", 17, 2, &v, &inexact), MONEY_RANGE);
}

static void from_double(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(money_from_double(0.1, 2, &v), MONEY_OK);
    assert_int_equal(v, 10);
    assert_int_equal(money_from_double(0.2, 2, &v), MONEY_OK);
    assert_int_equal(v, 20);
    assert_int_equal(money_from_double(1234567.89, 2, &v), MONEY_OK);
    assert_int_equal(v, 123456789);
    assert_int_equal(money_from_double(-19.99, 2, &v), MONEY_OK);
    assert_int_equal(v, -1999);
    assert_int_equal(money_from_double(9999999999999.99, 2, &v), MONEY_OK);
    assert_int_equal(v, 999999999999999LL);
    assert_int_equal(money_from_double(1e-5, 5, &v), MONEY_OK);
    assert_int_equal(v, 1);
    /* 0.1 + 0.2 is 0.30000000000000004: that literal has 17 decimals, not 2 */
    volatile double a = 0.1, b = 0.2;
    assert_int_equal(money_from_double(a + b, 2, &v), MONEY_SCALE);
    assert_int_equal(money_from_double(0.001, 2, &v), MONEY_SCALE);
    assert_int_equal(money_from_double(1e300, 2, &v), MONEY_RANGE);
    assert_int_equal(money_from_double(strtod("nan", NULL), 2, &v), MONEY_SYNTAX);
    assert_int_equal(money_from_double(strtod("inf", NULL), 2, &v), MONEY_SYNTAX);
    bool inexact;
    assert_int_equal(money_from_double_rounded(a + b, 2, &v, &inexact), MONEY_OK);
    assert_int_equal(v, 30);
    assert_true(inexact);
    assert_int_equal(money_from_double_rounded(12.5, 2, &v, &inexact), MONEY_OK);
    assert_int_equal(v, 1250);
    assert_false(inexact);
}

static void from_json(void **state)
{
    (void)state;
    int64_t v = 0;
    json_t *j =
        json_loads("[100, 12.5, \"0.10\", \"x\", true, null, 10000000000000, 0.015]", 0, NULL);
    assert_non_null(j);
    assert_int_equal(money_from_json(json_array_get(j, 0), 2, &v), MONEY_OK);
    assert_int_equal(v, 10000);
    assert_int_equal(money_from_json(json_array_get(j, 1), 2, &v), MONEY_OK);
    assert_int_equal(v, 1250);
    assert_int_equal(money_from_json(json_array_get(j, 2), 2, &v), MONEY_OK);
    assert_int_equal(v, 10);
    assert_int_equal(money_from_json(json_array_get(j, 3), 2, &v), MONEY_SYNTAX);
    assert_int_equal(money_from_json(json_array_get(j, 4), 2, &v), MONEY_SYNTAX);
    assert_int_equal(money_from_json(json_array_get(j, 5), 2, &v), MONEY_SYNTAX);
    assert_int_equal(money_from_json(json_array_get(j, 6), 2, &v), MONEY_RANGE);
    assert_int_equal(money_from_json(json_array_get(j, 7), 2, &v), MONEY_SCALE);
    json_decref(j);
    assert_string_equal(money_problem(MONEY_SCALE, 2), "must have at most 2 decimal places");
    assert_null(money_problem(MONEY_OK, 2));
}

static void format(void **state)
{
    (void)state;
    assert_string_equal(fmt(0, 2), "0.0");
    assert_string_equal(fmt(1250, 2), "12.5");
    assert_string_equal(fmt(1820000, 2), "18200.0");
    assert_string_equal(fmt(1, 2), "0.01");
    assert_string_equal(fmt(-5, 2), "-0.05");
    assert_string_equal(fmt(-123456789, 2), "-1234567.89");
    assert_string_equal(fmt(77000, 4), "7.7");
    assert_string_equal(fmt(42, 0), "42.0");
    assert_string_equal(fmt(INT64_MAX, 2), "92233720368547758.07");
    assert_string_equal(fmt(INT64_MIN, 2), "-92233720368547758.08");
    /* what is formatted parses back to the same units */
    int64_t samples[] = {0, 1, -1, 10, 99, 100, 123456789, -999999999999999LL};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const char *s = fmt(samples[i], 2);
        assert_int_equal(parse_ok(s, 2), samples[i]);
    }
}

static void sums_are_exact(void **state)
{
    (void)state;
    enum { N = 10000 };
    int64_t *lines = malloc(N * sizeof(*lines));
    assert_non_null(lines);
    for (int i = 0; i < N; i++)
        assert_int_equal(money_from_double(0.10, 2, &lines[i]), MONEY_OK);
    int64_t total = 0;
    assert_int_equal(money_sum(lines, N, &total), MONEY_OK);
    assert_int_equal(total, 100000);
    assert_string_equal(fmt(total, 2), "1000.0");
    /* what binary floating point would have given */
    volatile double f = 0;
    for (int i = 0; i < N; i++)
        f += 0.10;
    assert_true(f != 1000.0);
    free(lines);

    int64_t big[2] = {INT64_MAX, 1};
    assert_int_equal(money_sum(big, 2, &total), MONEY_RANGE);
    int64_t neg[2] = {INT64_MIN, -1};
    assert_int_equal(money_sum(neg, 2, &total), MONEY_RANGE);
    assert_int_equal(money_add(INT64_MAX - 1, 1, &total), MONEY_OK);
    assert_int_equal(total, INT64_MAX);
    assert_int_equal(money_add(INT64_MAX, 1, &total), MONEY_RANGE);
}

static void multiply_rounds_per_line(void **state)
{
    (void)state;
    int64_t v;
    /* 0.5 h (scale 4) x 0.25 EUR = 0.125 -> 0.13 */
    assert_int_equal(money_mul(5000, 4, 25, 2, 2, &v), MONEY_OK);
    assert_int_equal(v, 13);
    assert_int_equal(money_mul(-5000, 4, 25, 2, 2, &v), MONEY_OK);
    assert_int_equal(v, -13);
    assert_int_equal(money_mul(5000, 4, -25, 2, 2, &v), MONEY_OK);
    assert_int_equal(v, -13);
    /* 3 x 0.333 (scale 3) = 0.999 -> 1.00; 1.5 x 0.03 = 0.045 -> 0.05 */
    assert_int_equal(money_mul(3, 0, 333, 3, 2, &v), MONEY_OK);
    assert_int_equal(v, 100);
    assert_int_equal(money_mul(15, 1, 3, 2, 2, &v), MONEY_OK);
    assert_int_equal(v, 5);
    /* 0.044 stays 0.04; 20 h x 150.00 = 3000.00 */
    assert_int_equal(money_mul(44, 3, 1, 0, 2, &v), MONEY_OK);
    assert_int_equal(v, 4);
    assert_int_equal(money_mul(200000, 4, 15000, 2, 2, &v), MONEY_OK);
    assert_int_equal(v, 300000);
    /* per line, then sum: three lines of 1/3 h x 0.10 are 0.03 each, 0.09 in all (not 0.10) */
    int64_t lines[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(money_mul(3333, 4, 10, 2, 2, &lines[i]), MONEY_OK);
    int64_t total;
    assert_int_equal(money_sum(lines, 3, &total), MONEY_OK);
    assert_int_equal(total, 9);
    /* overflow is refused, not wrapped */
    assert_int_equal(money_mul(INT64_MAX, 0, 2, 0, 0, &v), MONEY_RANGE);
    assert_int_equal(money_mul(INT64_MAX, 2, INT64_MAX, 2, 2, &v), MONEY_RANGE);
    assert_int_equal(money_mul(INT64_MAX, 0, 1, 0, 2, &v), MONEY_RANGE);
    /* rescaling */
    assert_int_equal(money_rescale(12345, 4, 2, &v), MONEY_OK); /* 1.2345 -> 1.23 */
    assert_int_equal(v, 123);
    assert_int_equal(money_rescale(12350, 4, 2, &v), MONEY_OK); /* 1.2350 -> 1.24 */
    assert_int_equal(v, 124);
    assert_int_equal(money_rescale(-12350, 4, 2, &v), MONEY_OK);
    assert_int_equal(v, -124);
    assert_int_equal(money_rescale(125, 2, 4, &v), MONEY_OK);
    assert_int_equal(v, 12500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_plain),
        cmocka_unit_test(format_fixed_keeps_every_decimal),
        cmocka_unit_test(parse_exponents),
        cmocka_unit_test(parse_refusals),
        cmocka_unit_test(parse_rounded_half_away_from_zero),
        cmocka_unit_test(from_double),
        cmocka_unit_test(from_json),
        cmocka_unit_test(format),
        cmocka_unit_test(sums_are_exact),
        cmocka_unit_test(multiply_rounds_per_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
