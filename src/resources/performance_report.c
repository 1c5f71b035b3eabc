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

/* Monday 0 ... Sunday 6 of January 1st of year y. */
static int jan1_weekday(int y)
{
    int p = y - 1;
    int sunday0 = (1 + p + p / 4 - p / 100 + p / 400) % 7; /* 0: Sunday */
    return (sunday0 + 6) % 7;
}

struct employment_span {
    int64_t id;
    char from[11], to[11]; /* to "9999-12-31" when open-ended */
    int64_t weekday[7];    /* target seconds per weekday, -1 until asked */
};

/* The employments that hold on some day of the year, in the order employment_target_seconds()
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

/* Days of the year (0-based) with a holiday or a public holiday of the user. */
static int load_holiday_days(struct req *r, int64_t user, int year, const char *first,
                             const char *last, bool *days)
{
    db_param p[6] = {dbp_int(r->account_id),   dbp_int(user),
                     dbp_text(first),          dbp_text(last),
                     dbp_int(ABSENCE_HOLIDAY), dbp_int(ABSENCE_PUBLIC_HOLIDAY)};
    db_stmt *s = db_query(r->db,
                          "SELECT DISTINCT date FROM schedules WHERE account_id = ? AND user_id = "
                          "? AND date >= ? AND date <= ? AND absence_code IN (?, ?)",
                          p, 6);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *d = db_col_text(s, 0);
        if (!d || !date_valid(d) || atoi(d) != year)
            continue;
        int m = atoi(d + 5), doy = atoi(d + 8) - 1;
        for (int i = 1; i < m; i++)
            doy += month_days(year, i);
        days[doy] = true;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

/* Target seconds per month, before and after absences; *until_today: the target of the days up
 * to today. */
static int count_targets(struct req *r, int64_t user, int year, const char *today,
                         struct month_sums *months, int64_t *until_today)
{
    char first[40], last[40];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
    struct employment_span *emps = NULL;
    int nemps = 0;
    bool holiday[366] = {false};
    if (load_employments(r, user, first, last, &emps, &nemps) ||
        (nemps && load_holiday_days(r, user, year, first, last, holiday)))
        return -1;
    *until_today = 0;
    int weekday = jan1_weekday(year), doy = 0;
    for (int m = 1; m <= 12 && nemps; m++) {
        for (int d = 1; d <= month_days(year, m); d++, doy++, weekday = (weekday + 1) % 7) {
            char date[40];
            snprintf(date, sizeof date, "%04d-%02d-%02d", year, m, d);
            struct employment_span *e = NULL;
            for (int i = 0; i < nemps && !e; i++)
                if (strcmp(emps[i].from, date) <= 0 && strcmp(emps[i].to, date) >= 0)
                    e = &emps[i];
            if (!e)
                continue;
            if (e->weekday[weekday] < 0 &&
                employment_target_seconds(r, user, date, &e->weekday[weekday]))
                return -1;
            int64_t target = e->weekday[weekday], absent = 0;
            if (target > 0 && holiday[doy] &&
                schedule_absence_seconds(r, user, date, target, HOLIDAY_CODES, &absent))
                return -1;
            months[m - 1].employment += target;
            months[m - 1].target += target - absent;
            if (strcmp(date, today) <= 0)
                *until_today += target - absent;
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
