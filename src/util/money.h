/*
 * Exact money: an amount is an int64 count of units at a fixed decimal scale (scale 2: cents,
 * 1234.5 is 123450). No binary floating point is used on the way from input to storage to sums.
 *
 * Rules:
 * - Parsing is exact. A value with more (non-zero) decimals than the scale allows is refused
 *   (MONEY_SCALE), never rounded; so is one with more than MONEY_MAX_DIGITS digits in units
 *   (MONEY_RANGE). Accepted text: [-]digits[.digits][e[+-]digits] (JSON number syntax, also
 *   as a string).
 * - A JSON number that jansson has read as a double is turned back into its decimal literal with
 *   "%.15g" and parsed exactly; every literal of at most 15 significant digits survives that.
 *   A double that "%.15g" does not give back exactly came from a longer literal: refused.
 * - Arithmetic is checked (MONEY_RANGE on int64 overflow). Products (quantity x unit price) and
 *   rescaling round half away from zero: 0.125 -> 0.13, -0.125 -> -0.13, as German invoicing
 *   expects. Round each line, then sum the rounded lines.
 * - Formatting gives JSON number text: at least one decimal, trailing zeros trimmed
 *   ("12.5", "18200.0", "-0.05").
 */
#ifndef MOCOD_MONEY_H
#define MOCOD_MONEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum money_rc { MONEY_OK = 0, MONEY_SYNTAX = -1, MONEY_SCALE = -2, MONEY_RANGE = -3 };

#define MONEY_MAX_SCALE 9
/* At most 15 digits of units in a stored value: every one is exact as a JSON double too. */
#define MONEY_MAX_DIGITS 15
#define MONEY_MAX_UNITS  999999999999999LL
/* Enough for any int64 at any scale: sign, 19 digits, point, leading "0.", NUL. */
#define MONEY_BUF 32

/* Exact parse of len bytes of s into units at scale. */
int money_parse(const char *s, size_t len, int scale, int64_t *out);
/* Like money_parse, but rounds extra decimals half away from zero; *inexact tells whether it
 * had to (converting data stored before exact money, never for client input). */
int money_parse_rounded(const char *s, size_t len, int scale, int64_t *out, bool *inexact);
/* A double that came from a decimal literal (see above). */
int money_from_double(double d, int scale, int64_t *out);
int money_from_double_rounded(double d, int scale, int64_t *out, bool *inexact);
/* A JSON integer, real or numeric string. MONEY_SYNTAX for anything else. */
int money_from_json(const json_t *j, int scale, int64_t *out);

/* Writes the JSON number text of units at scale into buf (MONEY_BUF bytes); returns its length. */
size_t money_format(int64_t units, int scale, char *buf);
/* The same with every decimal of the scale kept ("17999.00" at scale 2; "5" at scale 0). */
size_t money_format_fixed(int64_t units, int scale, char *buf);

int money_add(int64_t a, int64_t b, int64_t *out);
/* Sum of n amounts of one scale; MONEY_RANGE on overflow. */
int money_sum(const int64_t *v, size_t n, int64_t *out);
/* a (at scale sa) times b (at scale sb), rounded half away from zero to scale out_scale. */
int money_mul(int64_t a, int sa, int64_t b, int sb, int out_scale, int64_t *out);
/* units at scale from, expressed at scale to (rounded half away from zero when to < from). */
int money_rescale(int64_t units, int from, int to, int64_t *out);

/* The problem with a refused input, for a 422 ("must have at most 2 decimal places"). */
const char *money_problem(int rc, int scale);

#endif
