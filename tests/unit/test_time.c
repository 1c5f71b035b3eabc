/* Unit tests of dates and timestamps (util/timeutil.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "util/timeutil.h"

#include <string.h>

/* Parses s, which must be accepted, and returns the time. */
static int64_t parse_ok(const char *s)
{
    time_t t = (time_t)-12345;
    if (!time_parse_iso(s, &t))
        fail_msg("time_parse_iso rejected \"%s\"", s);
    return (int64_t)t;
}

static void expect_rejected(const char *s)
{
    time_t t = (time_t)777;
    if (time_parse_iso(s, &t))
        fail_msg("time_parse_iso accepted \"%s\" as %lld", s, (long long)t);
    assert_int_equal((int64_t)t, 777); /* out is left alone on failure */
}

static void parse_utc_z(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2018-10-17T09:33:46Z"), 1539768826);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(parse_ok("2000-01-01T00:00:00Z"), 946684800);
    assert_int_equal(parse_ok("2038-01-19T03:14:08Z"), 2147483648LL);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799LL);
    /* lower-case z and t, a space as separator, no seconds */
    assert_int_equal(parse_ok("2018-10-17t09:33:46z"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17 09:33:46Z"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33Z"), 1539768826 - 46);
    /* no zone designator: taken as UTC */
    assert_int_equal(parse_ok("2018-10-17T09:33:46"), 1539768826);
}

static void parse_offsets(void **state)
{
    (void)state;
    /* 11:33:46 at +02:00 is 09:33:46 UTC */
    assert_int_equal(parse_ok("2018-10-17T11:33:46+02:00"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T11:33:46+0200"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T11:33:46+02"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T07:03:46-02:30"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33:46+00:00"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33:46-00:00"), 1539768826);
    /* an offset that crosses midnight and the year */
    assert_int_equal(parse_ok("2023-12-31T23:30:00-01:00"), 1704067200 + 30 * 60);
    assert_int_equal(parse_ok("2024-01-01T00:30:00+01:00"), 1704067200 - 30 * 60);
}

static void parse_fractions(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2018-10-17T09:33:46.5Z"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33:46.999Z"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33:46.123456789Z"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T11:33:46.250+02:00"), 1539768826);
    assert_int_equal(parse_ok("2018-10-17T09:33:46.000"), 1539768826);
}

static void parse_date_only(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-01-01"), 1704067200);
    assert_int_equal(parse_ok("2024-02-29"), 1709164800);
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("1900-03-01"), -2203891200LL);
}

static void parse_calendar_validity(void **state)
{
    (void)state;
    expect_rejected("2023-02-29");
    expect_rejected("2023-02-29T00:00:00Z");
    assert_int_equal(parse_ok("2024-02-29T12:00:00Z"), 1709164800 + 12 * 3600);
    assert_int_equal(parse_ok("2000-02-29"), 951782400); /* divisible by 400: leap */
    expect_rejected("1900-02-29");                       /* divisible by 100: not leap */
    expect_rejected("2100-02-29");
    expect_rejected("2024-02-30");
    expect_rejected("2024-00-10");
    expect_rejected("2024-13-01");
    expect_rejected("2024-01-00");
    expect_rejected("2024-01-32");
    expect_rejected("2024-04-31");
    expect_rejected("2024-06-31");
    expect_rejected("2024-09-31");
    expect_rejected("2024-11-31");
    assert_int_equal(parse_ok("2024-12-31"), 1704067200 + 365 * 86400);
    /* time fields out of range */
    expect_rejected("2024-01-01T24:00:00Z");
    expect_rejected("2024-01-01T23:60:00Z");
    expect_rejected("2024-01-01T23:59:61Z");
}

static void parse_garbage(void **state)
{
    (void)state;
    expect_rejected("");
    expect_rejected("garbage");
    expect_rejected("2024");
    expect_rejected("2024-01");
    expect_rejected("2024-1-01");
    expect_rejected("2024/01/01");
    expect_rejected("20240101");
    expect_rejected("2024-01-01x");
    expect_rejected("2024-01-01 ");
    expect_rejected("2024-01-01T");
    expect_rejected("2024-01-01T1");
    expect_rejected("2024-01-01T10");
    expect_rejected("2024-01-01T10:");
    expect_rejected("2024-01-01T10:0");
    expect_rejected("2024-01-01T1a:00:00Z");
    expect_rejected("2024-01-01T10:00:0Z");
    expect_rejected("2024-01-01T10:00:00ZZ");
    expect_rejected("2024-01-01T10:00:00X");
    expect_rejected("2024-01-01T10:00:00+");
    expect_rejected("2024-01-01T10:00:00+1");
    expect_rejected("2024-01-01T10:00:00+02:00junk");
    expect_rejected("2024-01-01Z");
    expect_rejected(" 2024-01-01");
    expect_rejected("-024-01-01");
    assert_false(time_parse_iso(NULL, &(time_t){0}));
}

/* An offset beyond ±23:59 is not a time zone: it must not shift the time silently. */
static void parse_rejects_out_of_range_offsets(void **state)
{
    (void)state;
    expect_rejected("2024-01-01T10:00:00+99:00");
    expect_rejected("2024-01-01T10:00:00+02:99");
    expect_rejected("2024-01-01T10:00:00-24:00");
}

/* Syntax that only looks like an offset or a fraction. */
static void parse_rejects_dangling_offset_colon_and_empty_fraction(void **state)
{
    (void)state;
    expect_rejected("2024-01-01T10:00:00+02:");
    expect_rejected("2024-01-01T10:00:00.Z");
}

static void format_iso(void **state)
{
    (void)state;
    char out[TIMESTAMP_LEN + 1];
    memset(out, '#', sizeof(out));
    time_format_iso(1539768826, out);
    assert_string_equal(out, "2018-10-17T09:33:46Z");
    assert_int_equal(strlen(out), TIMESTAMP_LEN);
    time_format_iso(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    time_format_iso(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    time_format_iso(1709164800, out);
    assert_string_equal(out, "2024-02-29T00:00:00Z");
}

static void format_parse_round_trip(void **state)
{
    (void)state;
    char out[TIMESTAMP_LEN + 1];
    /* a spread of times from 1900 to 2200, including leap days and year ends */
    for (int64_t t = -2208988800LL; t < 7258118400LL; t += 86400LL * 97 + 3661) {
        time_format_iso((time_t)t, out);
        assert_int_equal(strlen(out), TIMESTAMP_LEN);
        assert_int_equal(parse_ok(out), t);
    }
    const int64_t fixed[] = {951782399, 951782400, 951868800, 1483228799, 1483228800, 4107542400};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        time_format_iso((time_t)fixed[i], out);
        assert_int_equal(parse_ok(out), fixed[i]);
    }
}

/* Found by fuzz/fuzz_time: years below 1000 came out unpadded ("999-01-01T..."), and an offset
 * that moved 9999-12-31 into the year 10000 overflowed the buffer's room, leaving it unwritten. */
static void years_stay_four_digits(void **state)
{
    (void)state;
    char out[TIMESTAMP_LEN + 1];
    assert_int_equal(parse_ok("0999-01-01T00:00:00Z"), -30641760000LL);
    time_format_iso((time_t)parse_ok("0999-01-01T00:00:00Z"), out);
    assert_string_equal(out, "0999-01-01T00:00:00Z");
    time_format_iso((time_t)parse_ok("0000-01-01"), out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    time_format_iso((time_t)parse_ok("9999-12-31T23:59:59Z"), out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    time_format_iso((time_t)parse_ok("9999-12-31T23:59:59+01:00"), out);
    assert_string_equal(out, "9999-12-31T22:59:59Z");
    expect_rejected("9999-12-31T23:59:59-01:00");
    expect_rejected("9999-12-31T23:59:60Z");
    expect_rejected("0000-01-01T00:00:00+00:01");
}

static void now_is_consistent(void **state)
{
    (void)state;
    char out[TIMESTAMP_LEN + 1];
    time_t before = time(NULL);
    time_now_iso(out);
    time_t after = time(NULL);
    int64_t t = parse_ok(out);
    /* time() reads the coarse clock, a tick behind the one mocod reads: at a second's turn it
     * may still say the second before */
    assert_true(t >= (int64_t)before && t <= (int64_t)after + 1);
    int64_t ms = time_now_ms();
    assert_true(ms / 1000 >= (int64_t)before - 1 && ms / 1000 <= (int64_t)time(NULL) + 1);
    double m1 = time_now_mono(), m2 = time_now_mono();
    assert_true(m2 >= m1);
}

static void date_validity(void **state)
{
    (void)state;
    assert_true(date_valid("2024-02-29"));
    assert_false(date_valid("2023-02-29"));
    assert_true(date_valid("2000-02-29"));
    assert_false(date_valid("1900-02-29"));
    assert_true(date_valid("2023-12-31"));
    assert_true(date_valid("2023-01-01"));
    assert_true(date_valid("0001-01-01"));
    assert_false(date_valid("2023-04-31"));
    assert_false(date_valid("2023-13-01"));
    assert_false(date_valid("2023-00-01"));
    assert_false(date_valid("2023-01-00"));
    assert_false(date_valid("2023-01-32"));
    /* only the plain date form */
    assert_false(date_valid("2023-01-01T00:00:00Z"));
    assert_false(date_valid("2023-01-01 "));
    assert_false(date_valid("2023-1-01"));
    assert_false(date_valid("2023/01/01"));
    assert_false(date_valid("abcd-ef-gh"));
    assert_false(date_valid(""));
    assert_false(date_valid(NULL));
}

static time_t at(const char *iso)
{
    time_t t = 0;
    assert_true(time_parse_iso(iso, &t));
    return t;
}

static int offset_at(const char *zone, const char *iso)
{
    int off = -1;
    assert_true(time_zone_offset(zone, at(iso), &off));
    return off;
}

/* Berlin: CET (+1 h) in winter, CEST (+2 h) from the last Sunday of March 01:00 UTC to the last
 * Sunday of October 01:00 UTC; the instants of the change belong to the new offset. */
static void zone_offsets(void **state)
{
    (void)state;
    assert_int_equal(offset_at("Europe/Berlin", "2026-01-15T12:00:00Z"), 3600);
    assert_int_equal(offset_at("Europe/Berlin", "2026-07-01T12:00:00Z"), 7200);
    assert_int_equal(offset_at("Europe/Berlin", "2026-03-29T00:59:59Z"), 3600);
    assert_int_equal(offset_at("Europe/Berlin", "2026-03-29T01:00:00Z"), 7200);
    assert_int_equal(offset_at("Europe/Berlin", "2026-10-25T00:59:59Z"), 7200);
    assert_int_equal(offset_at("Europe/Berlin", "2026-10-25T01:00:00Z"), 3600);
    assert_int_equal(offset_at("UTC", "2026-07-01T12:00:00Z"), 0);
    assert_int_equal(offset_at("America/New_York", "2026-01-15T12:00:00Z"), -5 * 3600);
    assert_int_equal(offset_at("America/New_York", "2026-07-01T12:00:00Z"), -4 * 3600);
    assert_int_equal(offset_at("Asia/Kolkata", "2026-07-01T12:00:00Z"), 5 * 3600 + 1800);
    /* the second look-up of a zone comes from its cache and agrees */
    assert_int_equal(offset_at("Europe/Berlin", "2026-07-01T12:00:00Z"), 7200);
}

static void zone_names(void **state)
{
    (void)state;
    assert_true(time_zone_valid("Europe/Berlin"));
    assert_true(time_zone_valid("UTC"));
    assert_false(time_zone_valid("Nowhere/Zone"));
    assert_false(time_zone_valid("../../etc/passwd"));
    assert_false(time_zone_valid("/etc/localtime"));
    assert_false(time_zone_valid("Europe/Berlin\n"));
    assert_false(time_zone_valid(""));
    assert_false(time_zone_valid(NULL));
    int off = 7;
    assert_false(time_zone_offset("zone.tab", 0, &off)); /* a file that is not a zone */
    assert_int_equal(off, 7);
}

/* The test clock starts where it is set and runs on; "today" is the zone's calendar day. */
static void fake_clock_and_today(void **state)
{
    (void)state;
    time_set_fake(at("2026-03-28T23:30:00Z"));
    int64_t ms = time_now_ms();
    assert_true(ms >= (int64_t)at("2026-03-28T23:30:00Z") * 1000);
    assert_true(ms < (int64_t)at("2026-03-28T23:31:00Z") * 1000);
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    assert_memory_equal(now, "2026-03-28T23:3", 15);
    char today[11];
    date_today_in("Europe/Berlin", today);
    assert_string_equal(today, "2026-03-29"); /* 00:30 CET */
    date_today_in("UTC", today);
    assert_string_equal(today, "2026-03-28");
    date_today_in("America/New_York", today);
    assert_string_equal(today, "2026-03-28"); /* 19:30 EDT */
    date_today_in(NULL, today);
    assert_string_equal(today, "2026-03-28");
}

/* date_add: months keep the day (or take the month's last), days cross months, years and leap
 * days; invalid input and results outside 1..9999 are refused. */
static void date_arithmetic(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int months, days;
        const char *out;
    } cases[] = {
        {"2026-01-31", 1, 0, "2026-02-28"},  {"2024-01-31", 1, 0, "2024-02-29"},
        {"2026-01-31", 3, 0, "2026-04-30"},  {"2026-11-15", 2, 0, "2027-01-15"},
        {"2026-03-31", -1, 0, "2026-02-28"}, {"2026-01-15", -13, 0, "2024-12-15"},
        {"2026-12-25", 0, 7, "2027-01-01"},  {"2024-02-28", 0, 1, "2024-02-29"},
        {"2023-02-28", 0, 1, "2023-03-01"},  {"2026-03-01", 0, -1, "2026-02-28"},
        {"2000-02-29", 12, 0, "2001-02-28"}, {"1970-01-01", 0, 0, "1970-01-01"},
        {"2026-07-01", 6, -1, "2026-12-31"}, {"1969-12-31", 0, 1, "1970-01-01"},
    };
    char out[11];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(date_add(cases[i].in, cases[i].months, cases[i].days, out));
        assert_string_equal(out, cases[i].out);
    }
    assert_false(date_add("2026-02-30", 1, 0, out));
    assert_false(date_add("x", 0, 0, out));
    assert_false(date_add(NULL, 0, 0, out));
    assert_false(date_add("9999-12-01", 1, 0, out));
    assert_false(date_add("0001-01-01", 0, -1, out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zone_offsets),
        cmocka_unit_test(zone_names),
        cmocka_unit_test(parse_utc_z),
        cmocka_unit_test(parse_offsets),
        cmocka_unit_test(parse_fractions),
        cmocka_unit_test(parse_date_only),
        cmocka_unit_test(parse_calendar_validity),
        cmocka_unit_test(parse_garbage),
        cmocka_unit_test(parse_rejects_out_of_range_offsets),
        cmocka_unit_test(parse_rejects_dangling_offset_colon_and_empty_fraction),
        cmocka_unit_test(format_iso),
        cmocka_unit_test(format_parse_round_trip),
        cmocka_unit_test(years_stay_four_digits),
        cmocka_unit_test(now_is_consistent),
        cmocka_unit_test(date_validity),
        cmocka_unit_test(date_arithmetic),
        cmocka_unit_test(fake_clock_and_today), /* last: the clock stays set */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
