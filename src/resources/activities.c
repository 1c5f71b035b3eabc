/* Activities (sections/activities.md): tracked time, with bulk creation, timers, billable seconds
 * and disregarding. */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400 /* one activity holds at most a day */

static const char *const remote_services[] = {"trello",     "jira",      "asana",     "basecamp",
                                              "wunderlist", "basecamp2", "basecamp3", "toggl",
                                              "mite",       "github",    "youtrack",  NULL};

static const struct field activity_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"hours", FT_DECIMAL, F_READONLY, .def = "0", .scale = 2}, /* from seconds (before_save) */
    {"seconds", FT_INT},
    {"worked_seconds", FT_INT, F_READONLY, .def = "0"},
    {"description", FT_TEXT, F_SEARCH, .def = "\"\""},
    {"billed", FT_BOOL, F_READONLY | F_FILTER, .def = "false"},
    {"invoice_id", FT_INT, F_READONLY | F_FILTER},
    {"billable", FT_BOOL, F_FILTER},
    {"tag", FT_TEXT, F_SEARCH, .def = "\"\"", .maxlen = 255},
    {"remote_service", FT_ENUM, 0, .options = remote_services},
    {"remote_id", FT_TEXT, F_SEARCH, .maxlen = 255},
    {"remote_url", FT_TEXT, 0, .maxlen = 2048},
    {"project", FT_REF, F_REQUIRED | F_RESTRICT | F_FILTER, .ref = &res_projects,
     .ref_fields = "id,name,billable"},
    {"task", FT_REF, F_REQUIRED | F_RESTRICT | F_FILTER, .ref = &res_project_tasks,
     .ref_fields = "id,name,billable"},
    {"customer", FT_REF, F_READONLY, .ref = &res_companies, .ref_fields = "id,name"},
    /* the acting user (the key's owner or the impersonated user), never sent */
    {"user", FT_REF, F_READONLY | F_ACTING_USER | F_RESTRICT | F_FILTER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"hourly_rate", FT_MONEY, F_READONLY, .def = "0"},
    {"timer_started_at", FT_TIMESTAMP, F_READONLY},
    {"locked", FT_BOOL, F_INTERNAL, .def = "false"},
    {"disregard_reason", FT_TEXT, F_INTERNAL},
    {0},
};

/* What a row's project, task and the user's contract on it say. */
struct activity_context {
    bool found, active, billable, task_found, task_active, task_billable, staff;
    int64_t customer_id, task_project, project_rate, task_rate, contract_rate;
    const char *variant, *currency, *task_name;
};

static int load_context(struct req *r, int64_t project, int64_t task, int64_t user,
                        struct activity_context *cx)
{
    db_param p[4] = {dbp_int(task), dbp_int(user), dbp_int(project), dbp_int(r->account_id)};
    db_stmt *s = db_query(
        r->db,
        "SELECT p.active, p.billable, p.billing_variant, p.hourly_rate, p.customer_id, p.currency, "
        "tk.id, tk.project_id, tk.active, tk.billable, tk.hourly_rate, tk.name, c.active, "
        "c.hourly_rate FROM projects p LEFT JOIN project_tasks tk ON tk.id = ? AND tk.account_id "
        "= p.account_id LEFT JOIN project_contracts c ON c.project_id = p.id AND c.user_id = ? "
        "AND c.account_id = p.account_id WHERE p.id = ? AND p.account_id = ?",
        p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    memset(cx, 0, sizeof(*cx));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        cx->found = true;
        cx->active = db_col_i64(s, 0);
        cx->billable = db_col_i64(s, 1);
        cx->variant = arena_strdup(r->arena, db_col_text(s, 2) ? db_col_text(s, 2) : "project");
        cx->project_rate = db_col_i64(s, 3);
        cx->customer_id = db_col_i64(s, 4);
        cx->currency = arena_strdup(r->arena, db_col_text(s, 5) ? db_col_text(s, 5) : "EUR");
        cx->task_found = !db_col_null(s, 6);
        cx->task_project = db_col_i64(s, 7);
        cx->task_active = db_col_i64(s, 8);
        cx->task_billable = db_col_i64(s, 9);
        cx->task_rate = db_col_i64(s, 10);
        cx->task_name = db_col_text(s, 11) ? arena_strdup(r->arena, db_col_text(s, 11)) : "";
        cx->staff = !db_col_null(s, 12) && db_col_i64(s, 12);
        cx->contract_rate = db_col_i64(s, 13);
        rc = db_step(s);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

/* The hourly rate of the project's billing variant; the account's rates when it gives none. */
static int hourly_rate_of(struct req *r, const struct activity_context *cx, int64_t user,
                          int64_t *units)
{
    *units = !strcmp(cx->variant, "task")   ? cx->task_rate
             : !strcmp(cx->variant, "user") ? cx->contract_rate
                                            : cx->project_rate;
    if (*units)
        return 0;
    return account_hourly_rate(r, cx->variant, cx->customer_id, cx->currency, cx->task_name, user,
                               units);
}

static void set_int(struct record *rec, const char *field, int64_t i)
{
    struct value *v = record_value(rec, field);
    v->set = true;
    v->null = false;
    v->i = i;
}

/* hours as rendered: seconds / 3600 to two decimals, half away from zero */
static int64_t hours_units(int64_t seconds)
{
    return (seconds * 100 + 1800) / 3600;
}

/* seconds from "hours" (a number or a numeric string), rounded to the second */
static const char *seconds_from_hours(json_t *j, int64_t *seconds)
{
    int64_t units = 0; /* millionths of an hour */
    bool inexact = false;
    int rc;
    if (json_is_string(j))
        rc = money_parse_rounded(json_string_value(j), json_string_length(j), 6, &units, &inexact);
    else if (json_is_integer(j))
        rc = money_from_json(j, 6, &units);
    else if (json_is_real(j))
        rc = money_from_double_rounded(json_real_value(j), 6, &units, &inexact);
    else
        return "must be a number";
    if (rc != MONEY_OK || units < 0 || units > 24 * 1000000LL)
        return rc != MONEY_OK ? "must be a number" : "must be between 0 and 24";
    *seconds = (units * 3600 + 500000) / 1000000;
    return NULL;
}

/* Locked rows (billed, or in a locked period) refuse changes. */
static int require_unlocked(struct req *r, int64_t id)
{
    if (engine_stored_int(r, &res_activities, id, "billed"))
        return req_fail(r, 422, "billed", "a billed activity can't be changed or deleted");
    if (engine_stored_int(r, &res_activities, id, "locked"))
        return req_fail(r, 422, "locked", "a locked activity can't be changed or deleted");
    return 0;
}

static int activity_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id && require_unlocked(r, id))
        return -1;
    static const char *const texts[] = {"description", "tag"};
    for (int i = 0; i < 2; i++) { /* null is empty: they render as strings */
        struct value *t = record_value(rec, texts[i]);
        if (t->set && t->null) {
            t->null = false;
            t->s = "";
        }
    }
    /* seconds, or hours: both kept consistent (worked_seconds follows too) */
    struct value *seconds = record_value(rec, "seconds");
    json_t *hours = json_object_get(rec->input, "hours");
    if (hours && !json_is_null(hours) && !(seconds->set && !seconds->null)) {
        int64_t from_hours = 0;
        const char *problem = seconds_from_hours(hours, &from_hours);
        if (problem)
            req_field_error(r, "hours", "%s", problem);
        else
            set_int(rec, "seconds", from_hours);
    } else if (seconds->set && seconds->null) {
        set_int(rec, "seconds", 0);
    } else if (!seconds->set && rec->creating) {
        set_int(rec, "seconds", 0);
    }
    if (seconds->set && !seconds->null) {
        if (seconds->i < 0 || seconds->i > DAY_SECONDS)
            req_field_error(r, hours && !json_is_null(hours) ? "hours" : "seconds",
                            "must be between 0 and %d seconds (24 hours)", DAY_SECONDS);
        else {
            set_int(rec, "worked_seconds", seconds->i);
            set_int(rec, "hours", hours_units(seconds->i));
        }
    }

    struct value *user = record_value(rec, "user");
    int64_t user_id = user->set ? user->i : engine_stored_int(r, &res_activities, id, "user_id");
    if (rec->creating && !user->set) {
        req_field_error(r, "user_id",
                        "can't be blank: an account API key tracks time only while it "
                        "impersonates a user (X-IMPERSONATE-USER-ID)");
        return -1;
    }
    struct value *project = record_value(rec, "project");
    struct value *task = record_value(rec, "task");
    bool moved = project->set || task->set;
    if (!moved && !rec->creating)
        return r->err_fields ? -1 : 0;
    if ((project->set && project->null) || (task->set && task->null))
        return -1; /* named already: required */
    int64_t project_id =
        project->set ? project->i : engine_stored_int(r, &res_activities, id, "project_id");
    int64_t task_id = task->set ? task->i : engine_stored_int(r, &res_activities, id, "task_id");
    struct activity_context cx;
    if (load_context(r, project_id, task_id, user_id, &cx))
        return -1;
    if (!cx.found)
        return -1; /* the reference check named it */
    if (!cx.active)
        req_field_error(r, "project_id", "is archived: time can't be tracked on it");
    if (!cx.task_found || cx.task_project != project_id)
        req_field_error(r, "task_id", "is not a task of the project");
    else if (!cx.task_active)
        req_field_error(r, "task_id", "is inactive: time can't be tracked on it");
    if (!cx.staff)
        req_field_error(r, "project_id", "the user is not on the project's staff");
    if (r->err_fields)
        return -1;
    struct value *billable = record_value(rec, "billable");
    if (!billable->set || billable->null) {
        billable->set = true;
        billable->null = false;
        billable->i = cx.billable && cx.task_billable;
    }
    set_int(rec, "customer", cx.customer_id);
    int64_t rate = 0;
    if (hourly_rate_of(r, &cx, user_id, &rate))
        return -1;
    set_int(rec, "hourly_rate", rate);
    return 0;
}

static int activity_before_delete(struct req *r, int64_t id)
{
    return require_unlocked(r, id);
}

/* company_id: the project's customer. */
static int activity_list_filter(struct req *r, struct list_query *q)
{
    (void)r;
    return lq_id_list(q, "company_id", "t.customer_id IN (%s)", 1);
}

/* ---- timers ---------------------------------------------------------------------------------- */

/* Stops the timer of one row: the time it ran is added (a day at most). */
static int stop_timer_of(struct req *r, int64_t id, bool event)
{
    const char *started = engine_stored_text(r, &res_activities, id, "timer_started_at");
    if (!started)
        return 0;
    time_t t0;
    int64_t ran = 0;
    if (time_parse_iso(started, &t0)) {
        ran = time_now_ms() / 1000 - (int64_t)t0;
        if (ran < 0)
            ran = 0;
    }
    int64_t seconds = engine_stored_int(r, &res_activities, id, "seconds") + ran;
    int64_t worked = engine_stored_int(r, &res_activities, id, "worked_seconds") + ran;
    if (seconds > DAY_SECONDS)
        seconds = DAY_SECONDS;
    if (worked > DAY_SECONDS)
        worked = DAY_SECONDS;
    struct column_value cols[] = {
        {"seconds", dbp_int(seconds)},
        {"worked_seconds", dbp_int(worked)},
        {"hours", dbp_int(hours_units(seconds))},
        {"timer_started_at", dbp_null()},
    };
    return engine_set_columns(r, &res_activities, id, cols, 4, event);
}

static int start_timer(struct req *r, struct action_call *call)
{
    if (require_unlocked(r, call->id))
        return -1;
    char today[11];
    date_today_in(r->settings.time_zone, today);
    const char *date = engine_stored_text(r, &res_activities, call->id, "date");
    if (!date || strcmp(date, today) != 0)
        return req_fail(r, 422, "date", "the timer runs only on an activity of today (%s in %s)",
                        today, r->settings.time_zone ? r->settings.time_zone : "UTC");
    if (engine_stored_text(r, &res_activities, call->id, "timer_started_at"))
        return 0; /* running already */
    /* one timer per user: the one running elsewhere stops */
    db_param p[3] = {dbp_int(r->account_id),
                     dbp_int(engine_stored_int(r, &res_activities, call->id, "user_id")),
                     dbp_int(call->id)};
    struct entity_list running;
    if (engine_collect_entities(r,
                                "SELECT 'Activity', id FROM activities WHERE account_id = ? AND "
                                "user_id = ? AND timer_started_at IS NOT NULL AND id <> ?",
                                p, 3, &running))
        return -1;
    for (int i = 0; i < running.n; i++)
        if (stop_timer_of(r, running.items[i].id, true))
            return -1;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    struct column_value set[] = {{"timer_started_at", dbp_text(arena_strdup(r->arena, now))}};
    return engine_set_columns(r, &res_activities, call->id, set, 1, false);
}

static int stop_timer(struct req *r, struct action_call *call)
{
    if (engine_stored_text(r, &res_activities, call->id, "timer_started_at") &&
        require_unlocked(r, call->id))
        return -1;
    return stop_timer_of(r, call->id, false);
}

/* Whether the caller decides what is billed of the project: administrators, whoever may invoice,
 * and the project's leaders (project expenses' disregard too). */
int project_may_bill(struct req *r, int64_t project, bool *yes)
{
    *yes = r->admin || req_perm(r, AREA_INVOICING) >= PERM_FULL;
    if (*yes || !r->user_id)
        return 0;
    db_param p[4] = {dbp_int(r->account_id), dbp_int(project), dbp_int(r->user_id),
                     dbp_int(r->user_id)};
    int64_t leads = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM projects WHERE account_id = ? AND id = ? AND "
                     "(leader_id = ? OR co_leader_id = ?)",
                     p, 4, 0, &leads) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    *yes = leads > 0;
    return 0;
}

/* ---- billable seconds ------------------------------------------------------------------------ */

static int billable_seconds_prepare(struct req *r, struct action_call *call)
{
    json_t *j = r->body && json_is_object(r->body) ? json_object_get(r->body, "seconds") : NULL;
    if (!j || json_is_null(j))
        return req_fail(r, 422, "seconds", "can't be blank");
    int64_t *seconds = arena_alloc(r->arena, sizeof(*seconds));
    double d = json_is_real(j) ? json_real_value(j) : 0;
    if (json_is_integer(j))
        *seconds = json_integer_value(j);
    else if (json_is_real(j) && d >= 0 && d <= DAY_SECONDS && d == (double)(int64_t)d)
        *seconds = (int64_t)d; /* in range before the cast: a huge double is no integer */
    else if (json_is_real(j) && (d < 0 || d > DAY_SECONDS))
        *seconds = -1; /* out of range: refused below */
    else
        return req_fail(r, 422, "seconds", "must be a whole number of seconds");
    if (*seconds < 0 || *seconds > DAY_SECONDS)
        return req_fail(r, 422, "seconds", "must be between 0 and %d seconds (24 hours)",
                        DAY_SECONDS);
    call->ctx = seconds;
    return 0;
}

/* Only those who decide what is billed (may_bill) change billable seconds. */
static int billable_seconds(struct req *r, struct action_call *call)
{
    bool allowed = false;
    if (project_may_bill(r, engine_stored_int(r, &res_activities, call->id, "project_id"),
                         &allowed))
        return -1;
    if (!allowed)
        return req_fail(r, 403, NULL,
                        "only administrators, invoicing and the project's leaders change billable "
                        "seconds");
    if (require_unlocked(r, call->id))
        return -1;
    int64_t seconds = *(int64_t *)call->ctx;
    struct column_value cols[] = {{"seconds", dbp_int(seconds)},
                                  {"hours", dbp_int(hours_units(seconds))}};
    return engine_set_columns(r, &res_activities, call->id, cols, 2, false);
}

/* ---- disregard ------------------------------------------------------------------------------- */

struct disregard {
    struct disregard_input in;
    int64_t company, project;
};

static int disregard_prepare(struct req *r, struct action_call *call)
{
    json_t *body = r->body && json_is_object(r->body) ? r->body : NULL;
    json_t *company = body ? json_object_get(body, "company_id") : NULL;
    json_t *project = body ? json_object_get(body, "project_id") : NULL;
    struct disregard *d = arena_calloc(r->arena, 1, sizeof(*d));
    disregard_input(r, "activity_ids", &d->in);
    if (!json_is_integer(company))
        req_field_error(r, "company_id", "can't be blank");
    if (project && !json_is_null(project) && !json_is_integer(project))
        req_field_error(r, "project_id", "must be an id");
    if (r->err_fields)
        return -1;
    d->company = json_integer_value(company);
    d->project = json_is_integer(project) ? json_integer_value(project) : 0;
    call->ctx = d;
    return 0;
}

/* The activities are marked as billed (not to be billed again), with the reason; a timer running
 * on one stops first. */
static int disregard(struct req *r, struct action_call *call)
{
    struct disregard *x = call->ctx;
    struct disregard_input *d = &x->in;
    call->made = arena_calloc(r->arena, (size_t)d->n, sizeof(int64_t));
    for (int i = 0; i < d->n; i++) {
        if (!engine_exists(r, &res_activities, d->ids[i]))
            return req_fail(r, 422, "activity_ids", "activity %lld does not exist",
                            (long long)d->ids[i]);
        if (engine_stored_int(r, &res_activities, d->ids[i], "customer_id") != x->company)
            return req_fail(r, 422, "company_id", "activity %lld is not of this customer",
                            (long long)d->ids[i]);
        if (x->project &&
            engine_stored_int(r, &res_activities, d->ids[i], "project_id") != x->project)
            return req_fail(r, 422, "project_id", "activity %lld is not of this project",
                            (long long)d->ids[i]);
        if (engine_stored_int(r, &res_activities, d->ids[i], "billed"))
            return req_fail(r, 422, "activity_ids", "activity %lld is billed already",
                            (long long)d->ids[i]);
        bool allowed = false;
        if (project_may_bill(r, engine_stored_int(r, &res_activities, d->ids[i], "project_id"),
                             &allowed))
            return -1;
        if (!allowed)
            return req_fail(r, 403, NULL,
                            "only administrators, invoicing and the project's leaders disregard "
                            "activities (activity %lld)",
                            (long long)d->ids[i]);
        if (stop_timer_of(r, d->ids[i], true))
            return -1;
        struct column_value cols[] = {{"billed", dbp_int(1)},
                                      {"disregard_reason", dbp_text(d->reason)}};
        if (engine_set_columns(r, &res_activities, d->ids[i], cols, 2, true))
            return -1;
        call->made[call->nmade++] = d->ids[i];
    }
    return 0;
}

static const struct action activity_actions[] = {
    {"POST", "bulk", .flags = A_COLLECTION, .bulk = "activities"},
    {"POST", "disregard", disregard, A_COLLECTION, .prepare = disregard_prepare},
    {"PATCH", "billable_seconds", billable_seconds, .prepare = billable_seconds_prepare},
    {"PATCH", "start_timer", start_timer},
    {"PATCH", "stop_timer", stop_timer},
    {0},
};

/* Totals of tracked time for the reports (src/resources/reports.c), kept by the database in
 * every write: per person and day, billable and not (utilization); per month, person and
 * project (planned_vs_tracked). */
static const struct total_col by_user_day[] = {
    {"user_id", DBT_BIGINT, "$.user_id"},
    {"date", DBT_TEXT, "$.date"},
    {0},
};
static const struct total_col billable_split[] = {
    {"billable_seconds", DBT_BIGINT,
     "CASE WHEN $.billable = 1 THEN COALESCE($.seconds, 0) ELSE 0 END"},
    {"unbillable_seconds", DBT_BIGINT,
     "CASE WHEN $.billable = 1 THEN 0 ELSE COALESCE($.seconds, 0) END"},
    {0},
};
static const struct total_col by_month_user_project[] = {
    {"month", DBT_TEXT, "substr($.date, 1, 7)"},
    {"user_id", DBT_BIGINT, "$.user_id"},
    {"project_id", DBT_BIGINT, "$.project_id"},
    {0},
};
static const struct total_col seconds_sum[] = {
    {"seconds", DBT_BIGINT, "COALESCE($.seconds, 0)"},
    {0},
};
static const struct totals_decl activity_totals[] = {
    {"totals_activity_user_days", by_user_day, billable_split},
    {"totals_activity_months", by_month_user_project, seconds_sum},
    {0},
};

const struct resource res_activities = {
    .name = "activities",
    .path = "activities",
    .table = "activities",
    .target = "Activity",
    .fields = activity_fields,
    .actions = activity_actions,
    .flags = R_WEBHOOKS,
    .write_area = AREA_TIME_TRACKING,
    .read_area = AREA_TIME_TRACKING,
    /* who may read reports sees everybody's time; others see their own */
    .own_column = "user_id",
    .all_area = AREA_REPORT,
    .indexes = "user_id,date;project_id,date;customer_id,date",
    .default_sort = "date",
    .list_filter = activity_list_filter,
    .before_save = activity_before_save,
    .before_delete = activity_before_delete,
    .totals = activity_totals,
};
