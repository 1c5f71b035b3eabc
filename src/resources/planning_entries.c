/* Planning entries (sections/planning_entries.md): hours per day of a user on a project or a deal
 * over a span of days. */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

/* The color of planned deals (mocod's deals have none of their own; see res_deals.color). */
#define DEAL_COLOR "'#aacb84'"

static const struct field planning_entry_fields[] = {
    {"title", FT_TEXT, F_SORT, .def = "\"\"", .maxlen = 255},
    {"starts_on", FT_DATE, F_REQUIRED | F_SORT},
    {"ends_on", FT_DATE, F_REQUIRED | F_SORT},
    {"hours_per_day", FT_DECIMAL, F_REQUIRED | F_SORT},
    {"comment", FT_TEXT, 0, .def = "\"\""},
    {"symbol", FT_INT},
    /* the color of what is planned: the project's, or the deals' */
    {"color", FT_EXPR, 0,
     .sql = "COALESCE((SELECT p.color FROM projects p WHERE p.id = t.project_id), " DEAL_COLOR ")"},
    {"read_only", FT_EXPR, 0, .sql = "0", .as = FT_BOOL},
    {"user", FT_REF, F_REQUIRED | F_ACTING_USER | F_FILTER | F_RESTRICT, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"project", FT_REF, F_FILTER | F_RESTRICT, .ref = &res_projects,
     .ref_fields = "id,identifier,name,customer_name,color"},
    {"task", FT_REF, 0, .ref = &res_project_tasks, .ref_fields = "id,name"},
    {"deal", FT_REF, F_FILTER | F_RESTRICT, .ref = &res_deals,
     .ref_fields = "id,name,customer_name,color"},
    {"series_id", FT_EXPR, 0, .sql = "NULL", .as = FT_INT}, /* mocod plans no series */
    {"tentative", FT_BOOL, 0, .def = "false"},
    {"series_repeat", FT_EXPR, 0, .sql = "NULL"},
    {0},
};

/* The id a reference has after the write (sent, else stored); 0 for none. */
static int64_t effective_ref(struct req *r, struct record *rec, int64_t id, const char *field,
                             const char *column)
{
    struct value *v = record_value(rec, field);
    if (v->set)
        return v->null ? 0 : v->i;
    const char *stored = engine_stored_text(r, &res_planning_entries, id, column);
    return stored ? strtoll(stored, NULL, 10) : 0;
}

/* A project or a deal, never both: on update, naming one of them replaces the other. */
static void check_planned(struct req *r, struct record *rec, int64_t id, int64_t *project)
{
    struct value *p = record_value(rec, "project");
    struct value *d = record_value(rec, "deal");
    struct value *task = record_value(rec, "task");
    if (id && p->set && !p->null && !d->set) {
        d->set = true;
        d->null = true;
    } else if (id && d->set && !d->null && !p->set) {
        p->set = true;
        p->null = true;
        if (!task->set) { /* a deal has no tasks */
            task->set = true;
            task->null = true;
        }
    }
    *project = effective_ref(r, rec, id, "project", "project_id");
    int64_t deal = effective_ref(r, rec, id, "deal", "deal_id");
    if (*project && deal) {
        req_field_error(r, "project_id", "must be blank when deal_id is given (plan one of them)");
        req_field_error(r, "deal_id", "must be blank when project_id is given (plan one of them)");
    } else if (!*project && !deal) {
        req_field_error(r, "project_id", "can't be blank unless deal_id is given");
        req_field_error(r, "deal_id", "can't be blank unless project_id is given");
    }
}

/* Planning others is for Staff and project leaders (projects: full); everyone plans themselves. */
static int require_own_or_planner(struct req *r, int64_t user)
{
    if (user == r->user_id || req_is_staff(r) || req_perm(r, AREA_PROJECTS) >= PERM_FULL)
        return 0;
    return req_fail(r, 403, "user_id",
                    "only staff and project leaders plan other users (or change their plans)");
}

static int planning_entry_before_delete(struct req *r, int64_t id)
{
    return require_own_or_planner(r, engine_stored_int(r, &res_planning_entries, id, "user_id"));
}

static int planning_entry_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *who = record_value(rec, "user");
    if ((id &&
         require_own_or_planner(r, engine_stored_int(r, &res_planning_entries, id, "user_id"))) ||
        (who->set && !who->null && require_own_or_planner(r, who->i)))
        return -1;
    /* planning on something needs to see it */
    struct value *p = record_value(rec, "project");
    struct value *d = record_value(rec, "deal");
    if ((p->set && !p->null && req_perm(r, AREA_PROJECTS) < PERM_READ) ||
        (d->set && !d->null && req_perm(r, AREA_SALES) < PERM_READ))
        return req_fail(r, 403, NULL, "your role lacks the permission to read what you plan on");
    int64_t project = 0;
    check_planned(r, rec, id, &project);
    struct value *tentative = record_value(rec, "tentative");
    if (tentative->set && tentative->null) {
        req_field_error(r, "tentative", "can't be blank (true or false)");
        tentative->set = false;
    }
    static const char *const texts[] = {"title", "comment"};
    for (int i = 0; i < 2; i++) {
        struct value *v = record_value(rec, texts[i]);
        if (v->set && v->null) { /* none is an empty one */
            v->null = false;
            v->s = "";
        }
    }

    struct value *task = record_value(rec, "task");
    int64_t task_id = effective_ref(r, rec, id, "task", "task_id");
    if (task_id && (task->set || record_value(rec, "project")->set)) {
        db_param tp[2] = {dbp_int(task_id), dbp_int(r->account_id)};
        int64_t of = -1; /* -1: no such task (named by the reference check already) */
        if (db_query_i64(r->db,
                         "SELECT project_id FROM project_tasks WHERE id = ? AND account_id = ?", tp,
                         2, -1, &of) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (of != -1 && of != project)
            req_field_error(r, "task_id", "must be a task of the planned project");
    }

    const char *starts = engine_effective_text(r, rec, id, "starts_on");
    const char *ends = engine_effective_text(r, rec, id, "ends_on");
    if (starts && ends && strcmp(starts, ends) > 0)
        req_field_error(r, "ends_on", "must not be before starts_on");
    struct value *hours = record_value(rec, "hours_per_day");
    int64_t day = 0; /* 24 hours in the field's units */
    money_parse("24", 2, field_scale(resource_field(rec->res, "hours_per_day")), &day);
    if (hours->set && !hours->null && (hours->i <= 0 || hours->i > day))
        req_field_error(r, "hours_per_day", "must be greater than 0 and at most 24");
    struct value *symbol = record_value(rec, "symbol");
    if (symbol->set && !symbol->null && (symbol->i < 1 || symbol->i > 10))
        req_field_error(r, "symbol", "must be between 1 and 10");
    struct value *user = record_value(rec, "user");
    if (user->set && !user->null) {
        db_param up[2] = {dbp_int(user->i), dbp_int(r->account_id)};
        int64_t active = 1;
        if (db_query_i64(r->db, "SELECT active FROM users WHERE id = ? AND account_id = ?", up, 2,
                         1, &active) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (!active)
            req_field_error(r, "user_id", "must be an active user");
    }
    return r->err_fields ? -1 : 0;
}

/* period=FROM:TO (either side may be empty; one date: that day): the entries that touch it. */
static int planning_entry_list_filter(struct req *r, struct list_query *q)
{
    const char *v = req_query(r, "period");
    if (!v)
        return 0;
    const char *colon = strchr(v, ':');
    const char *from = colon ? arena_strndup(r->arena, v, (size_t)(colon - v)) : v;
    const char *to = colon ? colon + 1 : v;
    if ((*from && !date_valid(from)) || (*to && !date_valid(to)) || (!*from && !*to))
        return req_fail(r, 422, "period", "period must be FROM:TO (YYYY-MM-DD:YYYY-MM-DD)");
    if (*from && *to && strcmp(from, to) > 0)
        return req_fail(r, 422, "period", "period: %s is after %s", from, to);
    if (*from) {
        lq_where(q, "t.ends_on >= ?");
        lq_param(q, dbp_text(from));
    }
    if (*to) {
        lq_where(q, "t.starts_on <= ?");
        lq_param(q, dbp_text(to));
    }
    return 0;
}

const struct resource res_planning_entries = {
    .name = "planning_entries",
    .path = "planning_entries",
    .table = "planning_entries",
    .target = "PlanningEntry",
    .fields = planning_entry_fields,
    .flags = R_WEBHOOKS | R_DELETE_RENDERS,
    /* MOCO's planning is the "calendar" area (the role editor's "Planung") */
    .write_area = AREA_CALENDAR,
    .read_area = AREA_CALENDAR,
    .indexes = "user_id,ends_on",
    .list_filter = planning_entry_list_filter,
    .before_save = planning_entry_before_save,
    .before_delete = planning_entry_before_delete,
};
