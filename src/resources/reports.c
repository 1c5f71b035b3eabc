/* The reports: GET /projects/{id}/report (sections/projects.md) and GET /report/absences,
 * /report/planned_vs_tracked, /report/utilization, /report/cashflow, /report/finance
 * (sections/reports.md).
 *
 * Views (report_views, engine/view.c: the engine checks the area and parses the declared
 * parameters), answered from the read's snapshot, no write transaction. Every figure is aggregated
 * by the database and kept exact: money in cents, time in seconds, rounded once, half away from
 * zero, when rendered (hours with two decimals, money with the cent). The server holds at most one
 * row per line of the answer, never the activities themselves.
 * - utilization and planned_vs_tracked read the totals of tracked time that the database keeps
 *   in every write of an activity (activities.c: totals_activity_user_days per person and day,
 *   totals_activity_months per month, person and project; engine/totals.c), plus the activities
 *   of the days before and after the whole months of planned_vs_tracked's range;
 * - the project report, absences, cashflow and finance aggregate the rows over the declared
 *   indexes (activities: account_id,project_id,date; schedules: account_id,user_id,date;
 *   project_expenses and invoices: account_id,project_id,date; payments by invoice).
 *
 * Rules where the docs are silent (README "Reports"):
 * - hours are the activities' `seconds` (what is billed); billable: the activity's billable flag.
 * - project report: revenue = sum over billable activities of seconds x hourly_rate (the rate each
 *   activity keeps) / 3600; used budget = revenue + the price of the budget-relevant expenses;
 *   budget_progress_in_percentage = round(used / budget x 100) (0 without a budget);
 *   budget_remaining = budget - used; hours_remaining = budget_remaining at the project's hourly
 *   rate (billing variant "project" with a rate), else at the average rate of the billable hours
 *   tracked, 0 without either; costs_activities = seconds x the user's internal hourly rate of
 *   the activity's year / 3600 (0 without one); costs_expenses = the expenses' cost;
 *   invoiced_total = net totals of the project's invoices except drafts and ignored ones.
 *   Reporting permission (report area read) or administrators; a project's leader and co-leader
 *   see their own project's report.
 * - absences: total = the year's holiday entitlements (users/holidays); used = vacation
 *   (absence code 4) up to today (account's time zone), planned = vacation after today; sickdays
 *   = code 3; a half day counts 0.5. Users ordered by lastname, firstname.
 * - utilization: one row per user and day of from..to (at most 366 days) that has a target or
 *   tracked time, for active users and users who tracked time in the range; target_hours as the
 *   performance report counts them (employment less holidays and public holidays).
 * - planned_vs_tracked: one row per user and project with planned or tracked time in from..to;
 *   planned = hours_per_day x the weekdays (Monday to Friday) of the entry within the range;
 *   delta = tracked - planned; quota = tracked / planned x 100 (0 when nothing is planned).
 * - cashflow: invoice_paid / purchase_paid (payments, purchases negative) at the payment's date,
 *   invoice_created / purchase_created (gross less payments still open) at the due date (a
 *   purchase without one: its date). finance: net totals by document date, outgoing_invoices and
 *   incoming_expenses. Drafts and ignored invoices count in neither.
 */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 366

static int db_fail(struct req *r)
{
    return req_fail(r, 500, NULL, "database error");
}

/* n / d rounded half away from zero (d > 0) */
static int64_t div_round(int64_t n, int64_t d)
{
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

/* ,"key":units (a key "{name" opens the object); by hand, not by format: utilization writes
 * five of these per row of tens of thousands */
static void add_units(strbuf *o, const char *key, int64_t units, int scale)
{
    char num[MONEY_BUF];
    size_t n = money_format(units, scale, num);
    sb_addc(o, key[0] == '{' ? '{' : ',');
    sb_addc(o, '"');
    sb_adds(o, key[0] == '{' ? key + 1 : key);
    sb_add(o, "\":", 2);
    sb_add(o, num, n);
}

/* seconds as hours with two decimals */
static void add_hours(strbuf *o, const char *key, int64_t seconds)
{
    add_units(o, key, div_round(seconds, 36), 2);
}

static void add_str(strbuf *o, const char *key, const char *v)
{
    sb_add(o, ",\"", 2);
    sb_adds(o, key);
    sb_add(o, "\":", 2);
    if (v)
        sb_add_json_str(o, v, strlen(v));
    else
        sb_adds(o, "null");
}

/* ------------------------------------------------------------- GET /projects/{id}/report */

struct task_sums {
    int64_t id;
    const char *name;
    int64_t seconds, cost; /* cost in cent-seconds: cents x 3600 */
};

static int project_report(struct req *r, const struct view_args *a)
{
    (void)a;
    int64_t id = r->nids ? r->ids[0] : 0;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "SELECT COALESCE(budget, 0), currency, billing_variant, "
                          "COALESCE(hourly_rate, 0), leader_id, co_leader_id FROM projects WHERE "
                          "account_id = ? AND id = ?",
                          p, 2);
    if (!s)
        return db_fail(r);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_done(s);
        return rc == DB_DONE ? req_fail(r, 404, NULL, "project %lld not found", (long long)id)
                             : db_fail(r);
    }
    int64_t budget = db_col_i64(s, 0), rate = db_col_i64(s, 3);
    const char *currency = arena_strdup(r->arena, db_col_text(s, 1) ? db_col_text(s, 1) : "");
    bool by_project = db_col_text(s, 2) && !strcmp(db_col_text(s, 2), "project");
    bool leads = r->user_id && (db_col_i64(s, 4) == r->user_id || db_col_i64(s, 5) == r->user_id);
    db_done(s);
    if (!r->admin && req_perm(r, AREA_REPORT) < PERM_READ && !leads)
        return req_fail(r, 403, NULL,
                        "a project's report needs the reporting permission, or to lead the "
                        "project");

    /* per task: seconds, billable seconds, revenue and costs in cent-seconds; summed per task,
     * user and year first, so that the internal rates are joined to those sums only */
    db_param p3[3] = {dbp_int(r->account_id), dbp_int(id), dbp_int(r->account_id)};
    s = db_query(r->db,
                 "SELECT g.task_id, tk.name, COALESCE(SUM(g.sec), 0), COALESCE(SUM(g.bill), 0), "
                 "COALESCE(SUM(g.rev), 0), COALESCE(SUM(g.sec * COALESCE(ir.rate, 0)), 0) FROM "
                 "(SELECT a.task_id AS task_id, a.user_id AS user_id, substr(a.date, 1, 4) AS y, "
                 "SUM(a.seconds) AS sec, SUM(CASE WHEN a.billable = 1 THEN a.seconds ELSE 0 END) "
                 "AS bill, SUM(CASE WHEN a.billable = 1 THEN a.seconds * a.hourly_rate ELSE 0 "
                 "END) AS rev FROM activities a WHERE a.account_id = ? AND a.project_id = ? "
                 "GROUP BY a.task_id, a.user_id, substr(a.date, 1, 4)) g LEFT JOIN "
                 "internal_hourly_rates ir ON ir.account_id = ? AND ir.user_id = g.user_id AND "
                 "ir.rate_year = CAST(g.y AS INTEGER) LEFT JOIN project_tasks tk ON tk.id = "
                 "g.task_id GROUP BY g.task_id, tk.name ORDER BY g.task_id",
                 p3, 3);
    if (!s)
        return db_fail(r);
    struct task_sums *tasks = NULL;
    int ntasks = 0, cap = 0;
    int64_t seconds = 0, billable = 0, revenue = 0, cost = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (ntasks == cap) {
            int grown = cap ? cap * 2 : 16;
            tasks = arena_realloc(r->arena, tasks, sizeof(*tasks) * (size_t)cap,
                                  sizeof(*tasks) * (size_t)grown);
            cap = grown;
        }
        struct task_sums *t = &tasks[ntasks++];
        t->id = db_col_i64(s, 0);
        t->name = arena_strdup(r->arena, db_col_text(s, 1) ? db_col_text(s, 1) : "");
        t->seconds = db_col_i64(s, 2);
        t->cost = db_col_i64(s, 5);
        seconds += t->seconds;
        billable += db_col_i64(s, 3);
        revenue += db_col_i64(s, 4);
        cost += t->cost;
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_fail(r);

    int64_t expense_cost = 0, expense_budget = 0, invoiced = 0;
    s = db_query(r->db,
                 "SELECT COALESCE(SUM(cost), 0), COALESCE(SUM(CASE WHEN budget_relevant = 1 THEN "
                 "price ELSE 0 END), 0) FROM project_expenses WHERE account_id = ? AND "
                 "project_id = ?",
                 p, 2);
    if (!s)
        return db_fail(r);
    if ((rc = db_step(s)) == DB_ROW) {
        expense_cost = db_col_i64(s, 0);
        expense_budget = db_col_i64(s, 1);
    }
    db_done(s);
    if (rc != DB_ROW ||
        db_query_i64(r->db,
                     "SELECT COALESCE(SUM(net_total), 0) FROM invoices WHERE account_id = ? AND "
                     "project_id = ? AND status NOT IN ('draft', 'ignored')",
                     p, 2, 0, &invoiced) != DB_OK)
        return db_fail(r);

    int64_t used = div_round(revenue, 3600) + expense_budget;
    int64_t remaining = budget - used;
    int64_t progress = budget > 0 ? div_round(used * 100, budget) : 0;
    /* remaining seconds at the hourly rate: cents x 3600 / (cents per hour) */
    int64_t remaining_seconds = 0;
    if (budget > 0 && by_project && rate > 0)
        remaining_seconds = div_round(remaining * 3600, rate);
    else if (budget > 0 && revenue > 0 && billable > 0) /* rate = revenue / billable seconds */
        remaining_seconds = div_round(remaining * billable, div_round(revenue, 3600));

    strbuf *o = &r->out;
    add_units(o, "{budget_total", budget, 2);
    sb_addf(o, ",\"budget_progress_in_percentage\":%lld", (long long)progress);
    add_units(o, "budget_remaining", remaining, 2);
    add_units(o, "invoiced_total", invoiced, 2);
    add_str(o, "currency", currency);
    add_hours(o, "hours_total", seconds);
    add_hours(o, "hours_billable", billable);
    add_hours(o, "hours_remaining", remaining_seconds);
    add_units(o, "costs_expenses", expense_cost, 2);
    add_units(o, "costs_activities", div_round(cost, 3600), 2);
    sb_adds(o, ",\"costs_by_task\":[");
    for (int i = 0; i < ntasks; i++) {
        sb_addf(o, "%s{\"id\":%lld", i ? "," : "", (long long)tasks[i].id);
        add_str(o, "name", tasks[i].name);
        add_hours(o, "hours_total", tasks[i].seconds);
        add_units(o, "total_costs", div_round(tasks[i].cost, 3600), 2);
        sb_addc(o, '}');
    }
    sb_adds(o, "]}");
    r->status = 200;
    return 0;
}

/* ------------------------------------------------------------- GET /report/absences */

static int report_absences(struct req *r, const struct view_args *a)
{
    int year = a->year;
    const char *today = a->today;
    char first[16], last[16];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
#define HALVES(cond)                                                                               \
    "(SELECT COALESCE(SUM(s.am + s.pm), 0) FROM schedules s WHERE s.account_id = u.account_id "    \
    "AND s.user_id = u.id AND s.date >= ? AND s.date <= ? AND " cond ")"
    db_param p[12] = {dbp_int(year),   dbp_text(first), dbp_text(last), dbp_int(ABSENCE_HOLIDAY),
                      dbp_text(today), dbp_text(first), dbp_text(last), dbp_int(ABSENCE_HOLIDAY),
                      dbp_text(today), dbp_text(first), dbp_text(last), dbp_int(ABSENCE_SICK_DAY)};
    db_param all[14];
    memcpy(all, p, sizeof p);
    all[12] = dbp_int(r->account_id);
    all[13] = dbp_int(a->active ? 1 : 0);
    /* clang-format off */
    static const char sql[] =
        "SELECT u.id, u.firstname, u.lastname, (SELECT COALESCE(SUM(h.days), 0) FROM "
        "user_holidays h WHERE h.account_id = u.account_id AND h.user_id = u.id AND h.year = ?), "
        HALVES("s.absence_code = ? AND s.date <= ?") ", "
        HALVES("s.absence_code = ? AND s.date > ?") ", "
        HALVES("s.absence_code = ?")
        " FROM users u WHERE u.account_id = ? AND (? = 0 OR u.active = 1) "
        "ORDER BY u.lastname, u.firstname, u.id";
    /* clang-format on */
    db_stmt *s = db_query(r->db, sql, all, 14);
#undef HALVES
    if (!s)
        return db_fail(r);
    strbuf *o = &r->out;
    sb_addc(o, '[');
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        sb_addf(o, "%s{\"user\":{\"id\":%lld", n++ ? "," : "", (long long)db_col_i64(s, 0));
        add_str(o, "firstname", db_col_text(s, 1));
        add_str(o, "lastname", db_col_text(s, 2));
        sb_addc(o, '}');
        add_units(o, "total_vacation_days", db_col_i64(s, 3), 2);
        add_units(o, "used_vacation_days", db_col_i64(s, 4) * 5, 1); /* halves: 0.5 days */
        add_units(o, "planned_vacation_days", db_col_i64(s, 5) * 5, 1);
        add_units(o, "sickdays", db_col_i64(s, 6) * 5, 1);
        sb_addc(o, '}');
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_fail(r);
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

/* ------------------------------------------------------------- GET /report/utilization */

static int report_utilization(struct req *r, const struct view_args *a)
{
    const char *from = a->from, *to = a->to;
    int ndays = a->ndays;
    db_param p[4] = {dbp_int(r->account_id), dbp_text(from), dbp_text(to)};
    db_stmt *s = db_query(r->db,
                          "SELECT u.id FROM users u WHERE u.account_id = ? AND (u.active = 1 OR "
                          "EXISTS (SELECT 1 FROM totals_activity_user_days a WHERE a.account_id = "
                          "u.account_id AND a.user_id = u.id AND a.date >= ? AND a.date <= ?)) "
                          "ORDER BY u.id",
                          p, 3);
    if (!s)
        return db_fail(r);
    int64_t *users = NULL;
    int nusers = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (nusers == cap) {
            int grown = cap ? cap * 2 : 64;
            users = arena_realloc(r->arena, users, sizeof(*users) * (size_t)cap,
                                  sizeof(*users) * (size_t)grown);
            cap = grown;
        }
        users[nusers++] = db_col_i64(s, 0);
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_fail(r);
    char(*dates)[11] = arena_alloc(r->arena, sizeof(*dates) * MAX_DAYS);
    snprintf(dates[0], 11, "%s", from);
    for (int i = 1; i < ndays; i++)
        date_add(dates[i - 1], 0, 1, dates[i]);
    int64_t target[MAX_DAYS], bill[MAX_DAYS], unbill[MAX_DAYS];
    strbuf *o = &r->out;
    /* room for a row per user and day (about 150 bytes each), up to 4 MiB, at once: fewer
     * copies while the answer grows */
    size_t room = (size_t)nusers * (size_t)ndays * 150;
    sb_grow(o, room < ((size_t)4 << 20) ? room : ((size_t)4 << 20));
    sb_addc(o, '[');
    int n = 0;
    for (int u = 0; u < nusers; u++) {
        if (user_day_targets(r, users[u], from, ndays, NULL, target))
            return -1;
        memset(bill, 0, sizeof bill);
        memset(unbill, 0, sizeof unbill);
        db_param q[4] = {dbp_int(r->account_id), dbp_int(users[u]), dbp_text(from), dbp_text(to)};
        s = db_query(r->db,
                     "SELECT date, billable_seconds, unbillable_seconds FROM "
                     "totals_activity_user_days WHERE account_id = ? AND user_id = ? AND date >= "
                     "? AND date <= ? ORDER BY date",
                     q, 4);
        if (!s)
            return db_fail(r);
        int d = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            const char *date = db_col_text(s, 0);
            while (date && d < ndays && strcmp(dates[d], date) < 0)
                d++;
            if (date && d < ndays && !strcmp(dates[d], date)) {
                bill[d] += db_col_i64(s, 1);
                unbill[d] += db_col_i64(s, 2);
            }
        }
        db_done(s);
        if (rc != DB_DONE)
            return db_fail(r);
        for (int i = 0; i < ndays; i++) {
            if (!target[i] && !bill[i] && !unbill[i])
                continue;
            sb_adds(o, n++ ? ",{\"date\":\"" : "{\"date\":\"");
            sb_add(o, dates[i], 10);
            sb_add(o, "\",\"user_id\":", 12);
            sb_add_i64(o, users[u]);
            add_hours(o, "target_hours", target[i]);
            add_hours(o, "billable_hours", bill[i]);
            add_hours(o, "unbillable_hours", unbill[i]);
            sb_adds(o, ",\"billable_seconds\":");
            sb_add_i64(o, bill[i]);
            sb_adds(o, ",\"unbillable_seconds\":");
            sb_add_i64(o, unbill[i]);
            sb_addc(o, '}');
        }
    }
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

/* ------------------------------------------------------------- GET /report/planned_vs_tracked */

/* Mondays to Fridays from day a to day b (day numbers, inclusive) */
static int64_t weekdays_between(int64_t a, int64_t b)
{
    int64_t n = 0;
    for (; a <= b && (a + 3) % 7 != 0; a++) /* to the next Monday (1970-01-01 was a Thursday) */
        n += (a + 3) % 7 < 5;
    if (a > b)
        return n;
    int64_t weeks = (b - a + 1) / 7;
    n += weeks * 5;
    for (a += weeks * 7; a <= b; a++)
        n += (a + 3) % 7 < 5;
    return n;
}

struct pvt {
    int64_t user, project;
    int64_t tracked, planned; /* centiseconds */
};

static int pvt_cmp(const void *pa, const void *pb)
{
    const struct pvt *a = pa, *b = pb;
    if (a->user != b->user)
        return a->user < b->user ? -1 : 1;
    return a->project < b->project ? -1 : a->project > b->project;
}

struct pvt_list {
    struct pvt *v;
    int n, cap;
    int *slots; /* tracked rows by user and project: open addressing, index + 1 into v */
    int nslots; /* a power of two, at least twice n */
};

static void pvt_add(struct req *r, struct pvt_list *l, struct pvt x)
{
    if (l->n == l->cap) {
        int grown = l->cap ? l->cap * 2 : 64;
        l->v = arena_realloc(r->arena, l->v, sizeof(*l->v) * (size_t)l->cap,
                             sizeof(*l->v) * (size_t)grown);
        l->cap = grown;
    }
    l->v[l->n++] = x;
}

static void hours_of_cs(strbuf *o, const char *key, int64_t cs)
{
    add_units(o, key, div_round(cs, 3600), 2); /* centiseconds / 3600 = hundredths of an hour */
}

static int *pvt_slot(const struct pvt_list *l, int64_t user, int64_t project)
{
    uint64_t h = (uint64_t)user * 0x9E3779B97F4A7C15ULL ^ (uint64_t)project * 0xC2B2AE3D27D4EB4FULL;
    size_t mask = (size_t)l->nslots - 1, i = (size_t)(h >> 32) & mask;
    while (l->slots[i] &&
           (l->v[l->slots[i] - 1].user != user || l->v[l->slots[i] - 1].project != project))
        i = (i + 1) & mask;
    return &l->slots[i];
}

/* Adds tracked centiseconds to the row of user and project (made when new): memory for each
 * pair, not for each total summed into it. */
static void pvt_track(struct req *r, struct pvt_list *l, int64_t user, int64_t project, int64_t cs)
{
    if ((l->n + 1) * 2 > l->nslots) { /* grow, and put every row in again */
        l->nslots = l->nslots ? l->nslots * 2 : 1024;
        l->slots = arena_calloc(r->arena, (size_t)l->nslots, sizeof(*l->slots));
        for (int i = 0; i < l->n; i++)
            *pvt_slot(l, l->v[i].user, l->v[i].project) = i + 1;
    }
    int *slot = pvt_slot(l, user, project);
    if (*slot) {
        l->v[*slot - 1].tracked += cs;
        return;
    }
    pvt_add(r, l, (struct pvt){user, project, cs, 0});
    *slot = l->n;
}

/* Adds the tracked seconds of one query's rows (user_id, project_id, seconds), in any order and
 * with repeats: the database streams them without sorting. */
static int add_tracked(struct req *r, struct pvt_list *l, const char *sql, const db_param *p,
                       int np)
{
    db_stmt *s = db_query(r->db, sql, p, np);
    if (!s)
        return db_fail(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        pvt_track(r, l, db_col_i64(s, 0), db_col_i64(s, 1), db_col_i64(s, 2) * 100);
    db_done(s);
    return rc == DB_DONE ? 0 : db_fail(r);
}

/* Tracked seconds per user and project in from..to: the whole months of the range from the
 * monthly totals (totals_activity_months), the days before and after them from the activities
 * (at most a month's worth at each end), summed by the totals' own expressions. */
static int tracked_in_range(struct req *r, struct pvt_list *l, const char *from, const char *to)
{
    static const char totals[] = "totals_activity_months";
    const char *user = engine_totals_sql(r->arena, &res_activities, totals, "user_id", "t.");
    const char *project = engine_totals_sql(r->arena, &res_activities, totals, "project_id", "t.");
    const char *seconds = engine_totals_sql(r->arena, &res_activities, totals, "seconds", "t.");
    if (!user || !project || !seconds)
        return req_fail(r, 500, NULL, "the totals of activities are not declared");
    const char *rows_sql =
        arena_printf(r->arena,
                     "SELECT %s, %s, COALESCE(SUM(%s), 0) FROM activities t WHERE t.account_id = "
                     "? AND t.date >= ? AND t.date <= ? GROUP BY %s, %s",
                     user, project, seconds, user, project);
    /* first, last: the first days of the first and the last whole month; the edges: the days of
     * the range before first (in from's month) and after last's month (in to's month) */
    char first[11], last[11], lower_end[11] = "", upper_start[11] = "";
    bool ok = true;
    if (!strcmp(from + 8, "01")) {
        snprintf(first, sizeof first, "%s", from);
    } else {
        char from_first[11];
        snprintf(from_first, sizeof from_first, "%.8s01", from);
        ok = date_add(from_first, 1, 0, first) && date_add(first, 0, -1, lower_end);
    }
    snprintf(upper_start, sizeof upper_start, "%.8s01", to);
    if (date_last_of_month(to)) {
        snprintf(last, sizeof last, "%s", upper_start);
        upper_start[0] = '\0';
    } else {
        ok = ok && date_add(upper_start, -1, 0, last);
    }
    if (!ok || strcmp(first, last) > 0) { /* no whole month: the rows of the range */
        db_param p[3] = {dbp_int(r->account_id), dbp_text(from), dbp_text(to)};
        return add_tracked(r, l, rows_sql, p, 3);
    }
    db_param p[3] = {dbp_int(r->account_id), dbp_textn(first, 7), dbp_textn(last, 7)};
    if (add_tracked(r, l,
                    arena_printf(r->arena,
                                 "SELECT user_id, project_id, seconds FROM %s WHERE account_id "
                                 "= ? AND month >= ? AND month <= ?",
                                 totals),
                    p, 3))
        return -1;
    if (lower_end[0]) {
        db_param e[3] = {dbp_int(r->account_id), dbp_text(from), dbp_text(lower_end)};
        if (add_tracked(r, l, rows_sql, e, 3))
            return -1;
    }
    if (upper_start[0]) {
        db_param e[3] = {dbp_int(r->account_id), dbp_text(upper_start), dbp_text(to)};
        if (add_tracked(r, l, rows_sql, e, 3))
            return -1;
    }
    return 0;
}

/* What a row shows of its user and project, loaded for all rows at once */
struct pvt_user {
    int64_t id, unit_id;
    const char *firstname, *lastname, *initials, *unit;
};
struct pvt_project {
    int64_t id, company_id;
    const char *identifier, *name, *company;
};

static const char *dup_col(struct req *r, db_stmt *s, int col)
{
    const char *v = db_col_text(s, col);
    return v ? arena_strdup(r->arena, v) : NULL;
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

/* The users (want_users) or the projects of the account whose ids lie between the smallest and
 * the largest of ids (sorted): one query each, instead of one per row. */
static int load_between(struct req *r, bool want_users, const int64_t *ids, int n, void **out,
                        int *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    db_param p[3] = {dbp_int(r->account_id), dbp_int(ids[0]), dbp_int(ids[n - 1])};
    db_stmt *s = db_query(
        r->db,
        want_users
            ? "SELECT u.id, u.firstname, u.lastname, substr(u.firstname, 1, 1) || "
              "substr(u.lastname, 1, 1), un.id, un.name FROM users u LEFT JOIN units un ON "
              "un.id = u.unit_id AND un.account_id = u.account_id WHERE u.account_id = ? AND "
              "u.id >= ? AND u.id <= ? ORDER BY u.id"
            : "SELECT p.id, p.identifier, p.name, c.id, c.name FROM projects p LEFT JOIN "
              "companies c ON c.id = p.customer_id AND c.account_id = p.account_id WHERE "
              "p.account_id = ? AND p.id >= ? AND p.id <= ? ORDER BY p.id",
        p, 3);
    if (!s)
        return db_fail(r);
    size_t size = want_users ? sizeof(struct pvt_user) : sizeof(struct pvt_project);
    char *v = arena_alloc(r->arena, size * (size_t)n);
    int k = 0, at = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && k < n) {
        int64_t id = db_col_i64(s, 0);
        while (at < n && ids[at] < id)
            at++;
        if (at == n)
            break;
        if (ids[at] != id)
            continue;
        if (want_users)
            ((struct pvt_user *)v)[k++] = (struct pvt_user){id,
                                                            db_col_i64(s, 4),
                                                            dup_col(r, s, 1),
                                                            dup_col(r, s, 2),
                                                            dup_col(r, s, 3),
                                                            dup_col(r, s, 5)};
        else
            ((struct pvt_project *)v)[k++] = (struct pvt_project){
                id, db_col_i64(s, 3), dup_col(r, s, 1), dup_col(r, s, 2), dup_col(r, s, 4)};
    }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(r);
    *out = v;
    *nout = k;
    return 0;
}

/* sorted, without repeats: the users (0) or projects (1) of the rows */
static int64_t *distinct_ids(struct req *r, const struct pvt_list *l, int which, int *n)
{
    int64_t *ids = arena_alloc(r->arena, sizeof(*ids) * (size_t)(l->n ? l->n : 1));
    for (int i = 0; i < l->n; i++)
        ids[i] = which ? l->v[i].project : l->v[i].user;
    if (l->n)
        qsort(ids, (size_t)l->n, sizeof(*ids), cmp_i64);
    int m = 0;
    for (int i = 0; i < l->n; i++)
        if (!m || ids[m - 1] != ids[i])
            ids[m++] = ids[i];
    *n = m;
    return ids;
}

static int report_planned_vs_tracked(struct req *r, const struct view_args *a)
{
    const char *from = a->from, *to = a->to;
    struct pvt_list l = {0};
    if (tracked_in_range(r, &l, from, to))
        return -1;
    int rc;
    db_param q[3] = {dbp_int(r->account_id), dbp_text(to), dbp_text(from)};
    db_stmt *s = db_query(r->db,
                          "SELECT user_id, project_id, starts_on, ends_on, hours_per_day FROM "
                          "planning_entries WHERE account_id = ? AND project_id IS NOT NULL AND "
                          "starts_on <= ? AND ends_on >= ?",
                          q, 3);
    if (!s)
        return db_fail(r);
    int64_t lo = date_day_number(from), hi = date_day_number(to);
    while ((rc = db_step(s)) == DB_ROW) {
        const char *sa = db_col_text(s, 2), *sb = db_col_text(s, 3);
        if (!sa || !sb || !date_valid(sa) || !date_valid(sb))
            continue;
        int64_t start = date_day_number(sa), end = date_day_number(sb);
        int64_t days = weekdays_between(start > lo ? start : lo, end < hi ? end : hi);
        /* hours_per_day at scale 4: 1/10000 hour = 36 centiseconds */
        pvt_add(r, &l,
                (struct pvt){db_col_i64(s, 0), db_col_i64(s, 1), 0, days * db_col_i64(s, 4) * 36});
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_fail(r);
    if (l.n)
        qsort(l.v, (size_t)l.n, sizeof(*l.v), pvt_cmp);
    int m = 0; /* merge the same user and project */
    for (int i = 0; i < l.n; i++) {
        if (m && l.v[m - 1].user == l.v[i].user && l.v[m - 1].project == l.v[i].project) {
            l.v[m - 1].tracked += l.v[i].tracked;
            l.v[m - 1].planned += l.v[i].planned;
        } else
            l.v[m++] = l.v[i];
    }
    l.n = m;
    int nuids, npids, nusers, nprojects;
    int64_t *uids = distinct_ids(r, &l, 0, &nuids), *pids = distinct_ids(r, &l, 1, &npids);
    void *uv, *pv;
    if (load_between(r, true, uids, nuids, &uv, &nusers) ||
        load_between(r, false, pids, npids, &pv, &nprojects))
        return -1;
    const struct pvt_user *users = uv;
    const struct pvt_project *projects = pv;
    strbuf *o = &r->out;
    sb_addc(o, '[');
    static const char *const colors[] = {"#d9822b", "#2b95d6", "#3dcc91", "#ff6e4a",
                                         "#9179f2", "#f5498b", "#15b371", "#ffc940"};
    int at_user = 0;
    for (int i = 0; i < l.n; i++) {
        struct pvt *x = &l.v[i];
        int64_t delta = x->tracked - x->planned;
        int64_t quota = x->planned > 0 ? div_round(x->tracked * 100 * 100, x->planned) : 0;
        sb_adds(o, i ? ",{\"user_id\":" : "{\"user_id\":");
        sb_add_i64(o, x->user);
        sb_adds(o, ",\"project_id\":");
        sb_add_i64(o, x->project);
        hours_of_cs(o, "tracked_hours", x->tracked);
        hours_of_cs(o, "planned_hours", x->planned);
        hours_of_cs(o, "delta", delta);
        add_units(o, "quota", quota, 2);
        sb_adds(o, ",\"user\":{\"id\":");
        sb_add_i64(o, x->user);
        while (at_user < nusers && users[at_user].id < x->user) /* rows are by user */
            at_user++;
        const struct pvt_user *u =
            at_user < nusers && users[at_user].id == x->user ? &users[at_user] : NULL;
        if (u) {
            add_str(o, "firstname", u->firstname);
            add_str(o, "name", u->lastname);
            add_str(o, "initials", u->initials);
            add_str(o, "color", colors[x->user % 8]);
            if (u->unit) {
                sb_adds(o, ",\"unit\":{\"id\":");
                sb_add_i64(o, u->unit_id);
                add_str(o, "name", u->unit);
                sb_adds(o, "}}");
            } else
                sb_adds(o, ",\"unit\":null}");
        } else
            sb_addc(o, '}');
        sb_adds(o, ",\"project\":{\"id\":");
        sb_add_i64(o, x->project);
        int lo_p = 0, hi_p = nprojects; /* the project, by binary search */
        while (lo_p < hi_p) {
            int mid = lo_p + (hi_p - lo_p) / 2;
            if (projects[mid].id < x->project)
                lo_p = mid + 1;
            else
                hi_p = mid;
        }
        if (lo_p < nprojects && projects[lo_p].id == x->project) {
            const struct pvt_project *pr = &projects[lo_p];
            add_str(o, "identifier", pr->identifier);
            add_str(o, "name", pr->name);
            if (pr->company) {
                sb_adds(o, ",\"company\":{\"id\":");
                sb_add_i64(o, pr->company_id);
                add_str(o, "name", pr->company);
                sb_adds(o, "}");
            } else
                sb_adds(o, ",\"company\":null");
        }
        sb_adds(o, "}}");
    }
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

/* ------------------------------------------------------------- GET /report/cashflow, /finance */

/* The rows of a ledger report: the union `branches` (columns kind, record_id, date, amount in
 * cents, description, company_id, user_id; each branch binds account, from, to), in from..to,
 * matching ?term in the description or the company's name, by date. */
static int report_ledger(struct req *r, const struct view_args *a, const char *branches,
                         int nbranches, const char *amount_key)
{
    db_param p[16];
    int np = 0;
    for (int i = 0; i < nbranches && np + 3 <= 14; i++) {
        p[np++] = dbp_int(r->account_id);
        p[np++] = dbp_text(a->from);
        p[np++] = dbp_text(a->to);
    }
    bool search = a->term_like != NULL;
    if (search) {
        p[np++] = dbp_text(a->term_like);
        p[np++] = dbp_text(a->term_like);
    }
    const char *sql = arena_printf(
        r->arena,
        "SELECT x.kind, x.record_id, x.date, x.amount, x.description, x.company_id, c.name, "
        "x.user_id, u.firstname, u.lastname FROM (%s) x LEFT JOIN companies c ON c.id = "
        "x.company_id AND c.account_id = ? LEFT JOIN users u ON u.id = x.user_id AND "
        "u.account_id = ? WHERE x.amount <> 0%s ORDER BY x.date, x.kind, x.record_id",
        branches,
        search ? " AND (lower(x.description) LIKE ? ESCAPE '\\' OR lower(COALESCE(c.name, '')) "
                 "LIKE ? ESCAPE '\\')"
               : "");
    /* the joins' account ids come before the term's patterns */
    db_param all[18];
    int nb = nbranches * 3;
    memcpy(all, p, sizeof(*p) * (size_t)nb);
    all[nb] = dbp_int(r->account_id);
    all[nb + 1] = dbp_int(r->account_id);
    for (int i = nb; i < np; i++)
        all[i + 2] = p[i];
    db_stmt *s = db_query(r->db, sql, all, np + 2);
    if (!s)
        return db_fail(r);
    strbuf *o = &r->out;
    sb_addc(o, '[');
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        sb_addf(o, "%s{\"record_id\":%lld", n++ ? "," : "", (long long)db_col_i64(s, 1));
        if (db_col_null(s, 5))
            sb_adds(o, ",\"company_id\":null");
        else
            sb_addf(o, ",\"company_id\":%lld", (long long)db_col_i64(s, 5));
        add_str(o, "description", db_col_text(s, 4));
        if (db_col_null(s, 7))
            sb_adds(o, ",\"user_id\":null");
        else
            sb_addf(o, ",\"user_id\":%lld", (long long)db_col_i64(s, 7));
        add_units(o, amount_key, db_col_i64(s, 3), 2);
        add_str(o, "kind", db_col_text(s, 0));
        if (db_col_null(s, 5) || !db_col_text(s, 6))
            sb_adds(o, ",\"company\":null");
        else {
            sb_addf(o, ",\"company\":{\"id\":%lld", (long long)db_col_i64(s, 5));
            add_str(o, "name", db_col_text(s, 6));
            sb_addc(o, '}');
        }
        if (db_col_null(s, 7) || !db_col_text(s, 8))
            sb_adds(o, ",\"user\":null");
        else {
            sb_addf(o, ",\"user\":{\"id\":%lld", (long long)db_col_i64(s, 7));
            add_str(o, "firstname", db_col_text(s, 8));
            add_str(o, "lastname", db_col_text(s, 9));
            sb_addc(o, '}');
        }
        add_str(o, "date", db_col_text(s, 2));
        sb_addc(o, '}');
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_fail(r);
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

#define INVOICE_TEXT  "COALESCE(i.identifier, '') || ' ' || COALESCE(i.title, '')"
#define PURCHASE_TEXT "COALESCE(p.identifier, '') || ' ' || COALESCE(p.title, '')"
#define INVOICE_PAID                                                                               \
    "(SELECT SUM(ip.paid_total) FROM invoice_payments ip WHERE ip.account_id = i.account_id AND "  \
    "ip.invoice_id = i.id)"
#define PURCHASE_PAID                                                                              \
    "(SELECT SUM(pp.total) FROM purchase_payments pp WHERE pp.account_id = p.account_id AND "      \
    "pp.purchase_id = p.id)"
#define COUNTED_INVOICE "i.status NOT IN ('draft', 'ignored')"

/* Money in and out, by the day it moves: payments received (invoice_paid) and made
 * (purchase_paid, negative), and what is still open of invoices (invoice_created, at their due
 * date) and of purchases (purchase_created, negative, at their due date or else their date). */
static int report_cashflow(struct req *r, const struct view_args *a)
{
    static const char branches[] =
        "SELECT 'invoice_paid' AS kind, ip.id AS record_id, ip.date AS date, ip.paid_total AS "
        "amount, " INVOICE_TEXT " AS description, i.customer_id AS company_id, i.user_id AS "
        "user_id FROM invoice_payments ip JOIN invoices i ON i.id = ip.invoice_id AND "
        "i.account_id = ip.account_id WHERE ip.account_id = ? AND ip.date >= ? AND ip.date <= ? "
        "UNION ALL SELECT 'invoice_created', i.id, i.due_date, i.gross_total - "
        "COALESCE(" INVOICE_PAID ", 0), " INVOICE_TEXT ", i.customer_id, i.user_id FROM invoices "
        "i WHERE i.account_id = ? AND i.due_date >= ? AND i.due_date <= ? AND " COUNTED_INVOICE
        " UNION ALL SELECT 'purchase_paid', pp.id, pp.date, 0 - pp.total, " PURCHASE_TEXT
        ", p.company_id, p.user_id FROM purchase_payments pp JOIN purchases p ON p.id = "
        "pp.purchase_id AND p.account_id = pp.account_id WHERE pp.account_id = ? AND pp.date >= "
        "? AND pp.date <= ? UNION ALL SELECT 'purchase_created', p.id, COALESCE(p.due_date, "
        "p.date), COALESCE(" PURCHASE_PAID ", 0) - p.gross_total, " PURCHASE_TEXT
        ", p.company_id, p.user_id FROM purchases p WHERE p.account_id = ? AND "
        "COALESCE(p.due_date, p.date) >= ? AND COALESCE(p.due_date, p.date) <= ?";
    return report_ledger(r, a, branches, 4, "amount_in_account_currency");
}

/* Net amounts by document date: invoices (outgoing_invoices) and purchases (incoming_expenses). */
static int report_finance(struct req *r, const struct view_args *a)
{
    static const char branches[] =
        "SELECT 'outgoing_invoices' AS kind, i.id AS record_id, i.date AS date, i.net_total AS "
        "amount, " INVOICE_TEXT " AS description, i.customer_id AS company_id, i.user_id AS "
        "user_id FROM invoices i WHERE i.account_id = ? AND i.date >= ? AND i.date <= ? "
        "AND " COUNTED_INVOICE " UNION ALL SELECT 'incoming_expenses', p.id, p.date, "
        "p.net_total, " PURCHASE_TEXT ", p.company_id, p.user_id FROM purchases p WHERE "
        "p.account_id = ? AND p.date >= ? AND p.date <= ?";
    return report_ledger(r, a, branches, 2, "net_amount_in_account_currency");
}

const struct view report_views[] = {
    /* the report area, or the project's leaders: checked by project_report */
    {"projects/{id}/report", AREA_OF_ENTITY, 0, 0, project_report},
    {"report/absences", AREA_REPORT, VP_YEAR | VP_ACTIVE, 0, report_absences},
    {"report/cashflow", AREA_REPORT, VP_RANGE | VP_TERM, 0, report_cashflow},
    {"report/finance", AREA_REPORT, VP_RANGE | VP_TERM, 0, report_finance},
    {"report/planned_vs_tracked", AREA_REPORT, VP_RANGE, 0, report_planned_vs_tracked},
    {"report/utilization", AREA_REPORT, VP_RANGE, MAX_DAYS, report_utilization},
    {0},
};
