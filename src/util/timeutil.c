#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t date_day_number(const char *date)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    return days_from_civil(y, (unsigned)m, (unsigned)d);
}

void time_format_iso(time_t t, char *out)
{
    /* strftime's %Y does not pad years below 1000 ("999-01-01"); time_parse_iso keeps t within
     * the years 0000-9999, so these fields always fill TIMESTAMP_LEN exactly */
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[80];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, buf, TIMESTAMP_LEN);
    out[TIMESTAMP_LEN] = '\0';
}

void time_now_iso(char *out)
{
    time_format_iso((time_t)(time_now_ms() / 1000), out);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool parse_date_part(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*m < 1 || *m > 12 || *d < 1)
        return false;
    int max = mdays[*m - 1] + (*m == 2 && leap(*y));
    return *d <= max;
}

bool date_last_of_month(const char *s)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || !parse_date_part(s, &y, &m, &d))
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d == mdays[m - 1] + (m == 2 && leap(y));
}

bool date_add(const char *date, int months, int days, char *out)
{
    int y, m, d;
    if (!date || strlen(date) != 10 || !parse_date_part(date, &y, &m, &d))
        return false;
    int64_t mi = (int64_t)y * 12 + (m - 1) + months;
    int64_t ny = mi >= 0 ? mi / 12 : (mi - 11) / 12;
    int nm = (int)(mi - ny * 12) + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[nm - 1] + (nm == 2 && leap((int)ny));
    if (ny < 1 || ny > 9999)
        return false;
    time_t t =
        (time_t)((days_from_civil(ny, (unsigned)nm, (unsigned)(d > last ? last : d)) + days) *
                 86400);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
        return false;
    char buf[64];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    memcpy(out, buf, 11);
    return true;
}

bool date_valid(const char *s)
{
    int y, m, d;
    return s && strlen(s) == 10 && parse_date_part(s, &y, &m, &d);
}

static bool two_digits(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

bool time_parse_iso(const char *s, time_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    if (!s || strlen(s) < 10 || !parse_date_part(s, &y, &mo, &d))
        return false;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!two_digits(p, &h) || p[2] != ':' || !two_digits(p + 3, &mi))
            return false;
        p += 5;
        if (*p == ':') {
            if (!two_digits(p + 1, &se))
                return false;
            p += 3;
        }
        if (*p == '.') { /* a fraction has at least one digit */
            p++;
            if (*p < '0' || *p > '9')
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om = 0;
            int sign = *p == '-' ? -1 : 1;
            if (!two_digits(p + 1, &oh))
                return false;
            p += 3;
            if (*p == ':') { /* +hh:mm */
                if (!two_digits(p + 1, &om))
                    return false;
                p += 3;
            } else if (two_digits(p, &om)) { /* +hhmm */
                p += 2;
            }
            if (oh > 23 || om > 59)
                return false;
            off = sign * (oh * 3600 + om * 60);
        }
        if (h > 23 || mi > 59 || se > 60)
            return false;
    }
    if (*p != '\0')
        return false;
    int64_t t =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    /* an offset or a leap second can leave the years 0000-9999 that a timestamp has room for */
    if (t < days_from_civil(0, 1, 1) * 86400 || t >= days_from_civil(10000, 1, 1) * 86400)
        return false;
    *out = (time_t)t;
    return true;
}

/* The test clock: when set, the wall clock starts at fake_ms and runs from there (time_set_fake) */
static int64_t fake_ms = -1, fake_since_mono_ms;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_set_fake(time_t now)
{
    fake_since_mono_ms = mono_ms();
    fake_ms = (int64_t)now * 1000;
}

int64_t time_now_ms(void)
{
    if (fake_ms >= 0)
        return fake_ms + (mono_ms() - fake_since_mono_ms);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double time_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
