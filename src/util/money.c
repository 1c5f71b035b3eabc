/* Exact fixed-scale money (see money.h for the rules). */
#include "util/money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_MAX 40 /* significant digits kept while parsing; more is out of range anyway */

static const int64_t pow10_tab[19] = {1LL,
                                      10LL,
                                      100LL,
                                      1000LL,
                                      10000LL,
                                      100000LL,
                                      1000000LL,
                                      10000000LL,
                                      100000000LL,
                                      1000000000LL,
                                      10000000000LL,
                                      100000000000LL,
                                      1000000000000LL,
                                      10000000000000LL,
                                      100000000000000LL,
                                      1000000000000000LL,
                                      10000000000000000LL,
                                      100000000000000000LL,
                                      1000000000000000000LL};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads the decimal literal into its significant digits and a power of ten, then places it at the
 * scale: exactly, or (round) half away from zero. */
static int parse_core(const char *s, size_t len, int scale, bool round, int64_t *out, bool *inexact)
{
    if (inexact)
        *inexact = false;
    if (!s || scale < 0 || scale > MONEY_MAX_SCALE)
        return MONEY_SYNTAX;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    char dig[SIG_MAX];
    int nd = 0, seen = 0;
    long exp10 = 0;
    for (; i < len && is_digit(s[i]); i++, seen++) {
        if (nd == 0 && s[i] == '0')
            continue;
        if (nd == SIG_MAX)
            return MONEY_RANGE;
        dig[nd++] = s[i];
    }
    if (i < len && s[i] == '.') {
        i++;
        int frac = 0;
        for (; i < len && is_digit(s[i]); i++, seen++, frac++) {
            exp10--;
            if (nd == 0 && s[i] == '0')
                continue;
            if (nd == SIG_MAX) {
                if (s[i] != '0')
                    return round ? MONEY_RANGE : MONEY_SCALE;
                exp10++; /* a trailing zero beyond what is kept changes nothing */
                continue;
            }
            dig[nd++] = s[i];
        }
        if (!frac)
            return MONEY_SYNTAX; /* "12." */
    }
    if (!seen)
        return MONEY_SYNTAX;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i >= len || !is_digit(s[i]))
            return MONEY_SYNTAX;
        long e = 0;
        for (; i < len && is_digit(s[i]); i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return MONEY_SYNTAX;
    while (nd > 0 && dig[nd - 1] == '0') {
        nd--;
        exp10++;
    }
    if (nd == 0) {
        *out = 0;
        return MONEY_OK;
    }
    long shift = exp10 + scale; /* units = digits * 10^shift */
    int keep = nd;
    bool up = false;
    if (shift < 0) {
        if (!round)
            return MONEY_SCALE;
        if (inexact)
            *inexact = true;
        keep = (long)nd + shift < 0 ? -1 : (int)(nd + shift);
        up = keep >= 0 && dig[keep] >= '5';
        if (keep < 0)
            keep = 0;
        shift = 0;
    }
    if ((long)keep + shift > MONEY_MAX_DIGITS)
        return MONEY_RANGE;
    int64_t v = 0;
    for (int k = 0; k < keep; k++)
        v = v * 10 + (dig[k] - '0');
    v *= pow10_tab[shift];
    if (up)
        v++;
    if (v > MONEY_MAX_UNITS)
        return MONEY_RANGE;
    *out = neg ? -v : v;
    return MONEY_OK;
}

int money_parse(const char *s, size_t len, int scale, int64_t *out)
{
    return parse_core(s, len, scale, false, out, NULL);
}

int money_parse_rounded(const char *s, size_t len, int scale, int64_t *out, bool *inexact)
{
    return parse_core(s, len, scale, true, out, inexact);
}

/* The shortest decimal literal of at most 15 significant digits that reads back as d; false when
 * d did not come from such a literal. */
static bool double_literal(double d, char *buf, size_t cap)
{
    if (!isfinite(d))
        return false;
    snprintf(buf, cap, "%.15g", d);
    return strtod(buf, NULL) == d;
}

int money_from_double(double d, int scale, int64_t *out)
{
    char buf[40];
    if (!isfinite(d))
        return MONEY_SYNTAX;
    if (!double_literal(d, buf, sizeof(buf)))
        return fabs(d) >= 1e15 ? MONEY_RANGE : MONEY_SCALE;
    return money_parse(buf, strlen(buf), scale, out);
}

int money_from_double_rounded(double d, int scale, int64_t *out, bool *inexact)
{
    char buf[40];
    if (!isfinite(d))
        return MONEY_SYNTAX;
    bool exact = double_literal(d, buf, sizeof(buf)); /* else: the nearest 15-digit literal */
    int rc = money_parse_rounded(buf, strlen(buf), scale, out, inexact);
    if (rc == MONEY_OK && !exact && inexact)
        *inexact = true;
    return rc;
}

int money_from_json(const json_t *j, int scale, int64_t *out)
{
    if (scale < 0 || scale > MONEY_MAX_SCALE)
        return MONEY_SYNTAX;
    if (json_is_integer(j)) {
        json_int_t v = json_integer_value(j);
        if (v > MONEY_MAX_UNITS / pow10_tab[scale] || v < -(MONEY_MAX_UNITS / pow10_tab[scale]))
            return MONEY_RANGE;
        *out = (int64_t)v * pow10_tab[scale];
        return MONEY_OK;
    }
    if (json_is_real(j))
        return money_from_double(json_real_value(j), scale, out);
    if (json_is_string(j)) /* forms and some clients send amounts as strings */
        return money_parse(json_string_value(j), json_string_length(j), scale, out);
    return MONEY_SYNTAX;
}

size_t money_format_fixed(int64_t units, int scale, char *buf)
{
    size_t n = money_format(units, scale, buf);
    if (scale <= 0 || scale > 18) { /* "5.0" -> "5" */
        n -= 2;
        buf[n] = '\0';
        return n;
    }
    size_t point = (size_t)(strchr(buf, '.') - buf);
    while (n - point - 1 < (size_t)scale)
        buf[n++] = '0';
    buf[n] = '\0';
    return n;
}

size_t money_format(int64_t units, int scale, char *buf)
{
    if (scale < 0 || scale > 18)
        scale = 0;
    uint64_t m = units < 0 ? -(uint64_t)units : (uint64_t)units;
    /* the digits, least significant first (division by the constant 10 only: reports format
     * tens of thousands of these), at least one before the point */
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    while (k < scale + 1)
        tmp[k++] = '0';
    size_t n = 0;
    if (units < 0)
        buf[n++] = '-';
    for (int i = k - 1; i >= scale; i--)
        buf[n++] = tmp[i];
    buf[n++] = '.';
    if (scale == 0) {
        buf[n++] = '0';
    } else {
        int lo = 0; /* trailing zeros go, one digit stays */
        while (lo < scale - 1 && tmp[lo] == '0')
            lo++;
        for (int i = scale - 1; i >= lo; i--)
            buf[n++] = tmp[i];
    }
    buf[n] = '\0';
    return n;
}

int money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return MONEY_RANGE;
    *out = r;
    return MONEY_OK;
}

int money_sum(const int64_t *v, size_t n, int64_t *out)
{
    int64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        if (__builtin_add_overflow(acc, v[i], &acc))
            return MONEY_RANGE;
    *out = acc;
    return MONEY_OK;
}

__extension__ typedef __int128 wide;

/* p / 10^shift rounded half away from zero (shift 0..18). */
static wide div_round(wide p, int shift)
{
    if (shift == 0)
        return p;
    wide d = pow10_tab[shift];
    wide q = p / d, r = p % d; /* truncates toward zero: r has p's sign */
    if (r < 0)
        r = -r;
    if (2 * r >= d)
        q += p < 0 ? -1 : 1;
    return q;
}

static int narrow(wide v, int64_t *out)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return MONEY_RANGE;
    *out = (int64_t)v;
    return MONEY_OK;
}

int money_mul(int64_t a, int sa, int64_t b, int sb, int out_scale, int64_t *out)
{
    if (sa < 0 || sb < 0 || out_scale < 0 || sa > MONEY_MAX_SCALE || sb > MONEY_MAX_SCALE ||
        out_scale > MONEY_MAX_SCALE)
        return MONEY_SYNTAX;
    wide p = (wide)a * b; /* |a|, |b| < 2^63: the product fits in 127 bits */
    int shift = sa + sb - out_scale;
    if (shift >= 0)
        return narrow(div_round(p, shift), out);
    /* more places out than in: exact, but may overflow */
    wide f = pow10_tab[-shift];
    if (p > (wide)INT64_MAX / f || p < (wide)INT64_MIN / f)
        return MONEY_RANGE;
    return narrow(p * f, out);
}

int money_rescale(int64_t units, int from, int to, int64_t *out)
{
    return money_mul(units, from, 1, 0, to, out);
}

const char *money_problem(int rc, int scale)
{
    static const char *const decimals[MONEY_MAX_SCALE + 1] = {"must be a whole number",
                                                              "must have at most 1 decimal place",
                                                              "must have at most 2 decimal places",
                                                              "must have at most 3 decimal places",
                                                              "must have at most 4 decimal places",
                                                              "must have at most 5 decimal places",
                                                              "must have at most 6 decimal places",
                                                              "must have at most 7 decimal places",
                                                              "must have at most 8 decimal places",
                                                              "must have at most 9 decimal places"};
    switch (rc) {
    case MONEY_OK:
        return NULL;
    case MONEY_SCALE:
        return scale >= 0 && scale <= MONEY_MAX_SCALE ? decimals[scale] : "has too many decimals";
    case MONEY_RANGE:
        return "is out of range (at most 15 digits)";
    default:
        return "must be a number";
    }
}
