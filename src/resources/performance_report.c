/* GET /users/{id}/performance_report (sections/users.md): a user's target hours (employments
 * less holidays and public holidays) against tracked hours, per month and for a year.
 *
 * Every figure is counted in seconds and rounded once, half away from zero, to hundredths of an
 * hour. Target work: the employments of the year are listed once; employment_target_seconds() is
 * asked once per (employment, weekday) and schedule_absence_seconds() only on the days that have
 * a holiday or a public holiday, so a year costs a few dozen queries at most. Tracked time is
 * summed by the database, per month, over the activities' (account_id, user_id, date) index.
 *
 * variation = tracked - target. variation_until_today = (tracked of the year + the year's work
 * time adjustments) - target of the days up to today (the account's time zone): the balance as it
 * stands today. The monthly and yearly `variation` leave adjustments out (as the docs' example:
 * its variation is exactly tracked - target). */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLIDAY_CODES ((1u << ABSENCE_HOLIDAY) | (1u << ABSENCE_PUBLIC_HOLIDAY))

struct month_sums {
    int64_t employment, target, tracked, billable; /* seconds */
};

/* seconds as hundredths of an hour, half away from zero */
static int64_t hundredths(int64_t seconds)
{
    return seconds >= 0 ? (seconds + 18) / 36 : -((-seconds + 18) / 36);
}

static void add_hours(strbuf *o, const char *key, int64_t seconds)
{
    char num[MONEY_BUF];
    money_format(hundredths(seconds), 2, num);
    sb_addf(o, ",\"%s\":%s", key, num);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Monday 0 ... Sunday 6 of a valid date. */
static int weekday_of_date(const char *date)
{
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    if (m < 3)
        y--;
    int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7; /* 0: Sunday */
    return (sunday0 + 6) % 7;
}

struct employment_span {
    int64_t id;
    char from[11], to[11]; /* to "9999-12-31" when open-ended */
    int64_t weekday[7];    /* target seconds per weekday, -1 until asked */
};

/* The employments that hold on some day of the range, in the order employment_target_seconds()
 * picks one of them for a day. */
static int load_employments(struct req *r, int64_t user, const char *first, const char *last,
                            struct employment_span **out, int *n)
{
    db_param p[4] = {dbp_int(r->account_id), dbp_int(user), dbp_text(last), dbp_text(first)};
    db_stmt *s = db_query(r->db,
                          "SELECT id, from_date, to_date FROM employments WHERE account_id = ? "
                          "AND user_id = ? AND from_date <= ? AND (to_date IS NULL OR to_date >= "
                          "?) ORDER BY from_date DESC, id DESC",
                          p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int cap = 0, rc;
    *n = 0;
    *out = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            int grown = cap ? cap * 2 : 8;
            *out = arena_realloc(r->arena, *out, sizeof(**out) * (size_t)cap,
                                 sizeof(**out) * (size_t)grown);
            cap = grown;
        }
        struct employment_span *e = &(*out)[(*n)++];
        memset(e, 0, sizeof(*e));
        e->id = db_col_i64(s, 0);
        snprintf(e->from, sizeof e->from, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        snprintf(e->to, sizeof e->to, "%s", db_col_text(s, 2) ? db_col_text(s, 2) : "9999-12-31");
        for (int d = 0; d < 7; d++)
            e->weekday[d] = -1;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

/* The dates of the range (as text, sorted) with a holiday or a public holiday of the user. */
static int load_holiday_days(struct req *r, int64_t user, const char *first, const char *last,
                             const char ***dates, int *n)
{
    db_param p[6] = {dbp_int(r->account_id),   dbp_int(user),
                     dbp_text(first),          dbp_text(last),
                     dbp_int(ABSENCE_HOLIDAY), dbp_int(ABSENCE_PUBLIC_HOLIDAY)};
    db_stmt *s = db_query(r->db,
                          "SELECT DISTINCT date FROM schedules WHERE account_id = ? AND user_id = "
                          "? AND date >= ? AND date <= ? AND absence_code IN (?, ?) ORDER BY date",
                          p, 6);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc, cap = 0;
    *n = 0;
    *dates = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *d = db_col_text(s, 0);
        if (!d || !date_valid(d))
            continue;
        if (*n == cap) {
            int grown = cap ? cap * 2 : 16;
            *dates = arena_realloc(r->arena, *dates, sizeof(**dates) * (size_t)cap,
                                   sizeof(**dates) * (size_t)grown);
            cap = grown;
        }
        (*dates)[(*n)++] = arena_strdup(r->arena, d);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

int user_day_targets(struct req *r, int64_t user, const char *first, int ndays, int64_t *employment,
                     int64_t *target)
{
    for (int i = 0; i < ndays; i++) {
        if (employment)
            employment[i] = 0;
        target[i] = 0;
    }
    if (ndays <= 0 || !date_valid(first))
        return 0;
    char last[11];
    if (!date_add(first, 0, ndays - 1, last))
        return 0;
    struct employment_span *emps = NULL;
    const char **holidays = NULL;
    int nemps = 0, nholidays = 0, next_holiday = 0;
    if (load_employments(r, user, first, last, &emps, &nemps))
        return -1;
    if (!nemps)
        return 0;
    if (load_holiday_days(r, user, first, last, &holidays, &nholidays))
        return -1;
    char date[11];
    snprintf(date, sizeof date, "%s", first);
    int weekday = weekday_of_date(first);
    for (int i = 0; i < ndays; i++, weekday = (weekday + 1) % 7) {
        if (i && !date_add(date, 0, 1, date))
            break;
        struct employment_span *e = NULL;
        for (int k = 0; k < nemps && !e; k++)
            if (strcmp(emps[k].from, date) <= 0 && strcmp(emps[k].to, date) >= 0)
                e = &emps[k];
        if (!e)
            continue;
        if (e->weekday[weekday] < 0 &&
            employment_target_seconds(r, user, date, &e->weekday[weekday]))
            return -1;
        int64_t day = e->weekday[weekday], absent = 0;
        while (next_holiday < nholidays && strcmp(holidays[next_holiday], date) < 0)
            next_holiday++;
        bool holiday = next_holiday < nholidays && !strcmp(holidays[next_holiday], date);
        if (day > 0 && holiday &&
            schedule_absence_seconds(r, user, date, day, HOLIDAY_CODES, &absent))
            return -1;
        if (employment)
            employment[i] = day;
        target[i] = day - absent;
    }
    return 0;
}

/* Target seconds per month, before and after absences; *until_today: the target of the days up
 * to today. */
static int count_targets(struct req *r, int64_t user, int year, const char *today,
                         struct month_sums *months, int64_t *until_today)
{
    char first[40];
    snprintf(first, sizeof first, "%04d-01-01", year);
    int ndays = leap(year) ? 366 : 365;
    int64_t employment[366], target[366];
    if (user_day_targets(r, user, first, ndays, employment, target))
        return -1;
    *until_today = 0;
    int doy = 0;
    for (int m = 1; m <= 12; m++) {
        for (int d = 1; d <= month_days(year, m); d++, doy++) {
            char date[40];
            snprintf(date, sizeof date, "%04d-%02d-%02d", year, m, d);
            months[m - 1].employment += employment[doy];
            months[m - 1].target += target[doy];
            if (strcmp(date, today) <= 0)
                *until_today += target[doy];
        }
    }
    return 0;
}

/* Tracked (worked) and billable seconds per month, summed by the database. */
static int count_tracked(struct req *r, int64_t user, int year, struct month_sums *months)
{
    char first[40], last[40];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
    db_param p[4] = {dbp_int(r->account_id), dbp_int(user), dbp_text(first), dbp_text(last)};
    db_stmt *s = db_query(r->db,
                          "SELECT substr(date, 6, 2), COALESCE(SUM(worked_seconds), 0), "
                          "COALESCE(SUM(CASE WHEN billable = 1 THEN seconds ELSE 0 END), 0) FROM "
                          "activities WHERE account_id = ? AND user_id = ? AND date >= ? AND "
                          "date <= ? GROUP BY substr(date, 6, 2)",
                          p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *mm = db_col_text(s, 0);
        int m = mm ? atoi(mm) : 0;
        if (m < 1 || m > 12)
            continue;
        months[m - 1].tracked += db_col_i64(s, 1);
        months[m - 1].billable += db_col_i64(s, 2);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

/* The year's work time adjustments, in seconds (hours are kept in hundredths). */
static int count_adjustments(struct req *r, int64_t user, int year, int64_t *seconds)
{
    char first[40], last[40];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
    db_param p[4] = {dbp_int(r->account_id), dbp_int(user), dbp_text(first), dbp_text(last)};
    int64_t units = 0;
    if (db_query_i64(r->db,
                     "SELECT COALESCE(SUM(hours), 0) FROM work_time_adjustments WHERE account_id "
                     "= ? AND user_id = ? AND date >= ? AND date <= ?",
                     p, 4, 0, &units) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    *seconds = units * 36;
    return 0;
}

int users_performance_report(struct req *r, struct action_call *call)
{
    /* one's own report; others' need the people area at read (Staff, administrators). For
     * others they are 404, as rows of a person are under .own_column: anyone may read users
     * (AREA_ANY), and the generic walk of declared routes holds a GET action of such a resource
     * to answer a role without rights with anything but 401/403. */
    if (call->id != r->user_id && !r->admin && req_perm(r, AREA_PEOPLE) < PERM_READ)
        return req_fail(r, 404, NULL,
                        "performance report of user %lld not found: others' reports need the "
                        "people area (Staff)",
                        (long long)call->id);
    char today[11];
    date_today_in(r->settings.time_zone, today);
    int year = atoi(today);
    const char *given = req_query(r, "year");
    if (given && *given) {
        bool digits = strlen(given) == 4;
        for (int i = 0; digits && i < 4; i++)
            digits = given[i] >= '0' && given[i] <= '9';
        year = digits ? atoi(given) : 0;
        if (year < 1900 || year > 2100)
            return req_fail(r, 422, "year", "must be a year of four digits (1900 to 2100)");
    }
    struct month_sums months[12];
    memset(months, 0, sizeof months);
    int64_t target_today = 0, adjustments = 0;
    if (count_targets(r, call->id, year, today, months, &target_today) ||
        count_tracked(r, call->id, year, months) ||
        count_adjustments(r, call->id, year, &adjustments))
        return -1;
    struct month_sums total = {0};
    for (int m = 0; m < 12; m++) {
        total.employment += months[m].employment;
        total.target += months[m].target;
        total.tracked += months[m].tracked;
        total.billable += months[m].billable;
    }
    strbuf *o = &r->out;
    sb_addf(o, "{\"annually\":{\"year\":%d", year);
    add_hours(o, "employment_hours", total.employment);
    add_hours(o, "target_hours", total.target);
    add_hours(o, "hours_tracked_total", total.tracked);
    add_hours(o, "variation", total.tracked - total.target);
    add_hours(o, "variation_until_today", total.tracked + adjustments - target_today);
    add_hours(o, "hours_billable_total", total.billable);
    sb_adds(o, "},\"monthly\":[");
    for (int m = 0; m < 12; m++) {
        sb_addf(o, "%s{\"year\":%d,\"month\":%d", m ? "," : "", year, m + 1);
        add_hours(o, "target_hours", months[m].target);
        add_hours(o, "hours_tracked_total", months[m].tracked);
        add_hours(o, "variation", months[m].tracked - months[m].target);
        add_hours(o, "hours_billable_total", months[m].billable);
        sb_addc(o, '}');
    }
    sb_adds(o, "]}");
    return 0;
}
