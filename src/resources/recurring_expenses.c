/* Project recurring expenses (sections/project_recurring_expenses.md): an expense that recurs
 * weekly, biweekly, monthly, quarterly, biannually or annually from start_date until finish_date
 * (open: unlimited). `recur` creates the project expenses that are due, from recur_next_date up to
 * today in the account's time zone (never after finish_date), and moves recur_next_date past
 * them (also past finish_date: a later finish_date goes on from there): running it again the
 * same day creates nothing. Listed across projects as
 * GET /recurring_expenses. */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

static const char *const periods[] = {"weekly",   "biweekly", "monthly", "quarterly",
                                      "biannual", "annual",   NULL};
static const char *const directions[] = {"none", "forward", "backward", NULL};

static const struct field recurring_fields[] = {
    /* start_date and period are set once (the docs: not changeable after the create) */
    {"start_date", FT_DATE, F_REQUIRED | F_CREATEONLY | F_SORT},
    {"finish_date", FT_DATE}, /* null: unlimited */
    {"recur_next_date", FT_DATE, F_READONLY | F_SORT},
    {"period", FT_ENUM, F_REQUIRED | F_CREATEONLY, .options = periods},
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"description", FT_TEXT, 0, .def = "\"\""},
    {"quantity", FT_DECIMAL, F_REQUIRED},
    {"unit", FT_TEXT, F_REQUIRED, .maxlen = 64},
    {"unit_price", FT_MONEY, F_REQUIRED},
    {"unit_cost", FT_MONEY, F_REQUIRED},
    {"price", FT_MONEY, F_READONLY, .def = "0"}, /* quantity x unit_price, to the cent */
    {"cost", FT_MONEY, F_READONLY, .def = "0"},
    {"currency", FT_TEXT, F_READONLY}, /* the project's */
    {"budget_relevant", FT_BOOL, 0, .def = "false"},
    {"billable", FT_BOOL, 0, .def = "true"},
    {"service_period_direction", FT_ENUM, 0, .options = directions, .def = "\"none\""},
    {"custom_properties", FT_CUSTOM},
    {"project", FT_REF, F_READONLY, .ref = &res_projects, .ref_fields = "id,name"},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {0},
};

/* The k-th date of the series (k = 0: start), in out (11 bytes). */
static bool occurrence(const char *start, const char *period, int64_t k, char *out)
{
    static const struct {
        const char *name;
        int months, days;
    } steps[] = {{"weekly", 0, 7},    {"biweekly", 0, 14}, {"monthly", 1, 0},
                 {"quarterly", 3, 0}, {"biannual", 6, 0},  {"annual", 12, 0}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (!strcmp(period, steps[i].name)) {
            if (k > 600000 || k < -600000)
                return false;
            return date_add(start, (int)(steps[i].months * k), (int)(steps[i].days * k), out);
        }
    return false;
}

static int recurring_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (rec->creating) {
        if (expense_take_project(r, rec))
            return -1;
        struct value *start = record_value(rec, "start_date"), *next;
        next = record_value(rec, "recur_next_date");
        if (start->set && !start->null) {
            next->set = true;
            next->null = false;
            next->s = start->s;
        }
    }
    struct value *description = record_value(rec, "description");
    if (description->set && description->null) { /* rendered as a string */
        description->null = false;
        description->s = "";
    }
    const char *start = engine_effective_text(r, rec, id, "start_date");
    const char *finish = engine_effective_text(r, rec, id, "finish_date");
    if (start && finish && strcmp(finish, start) < 0)
        req_field_error(r, "finish_date", "must not be before start_date");
    return expense_amounts(r, rec, id);
}

/* ---- recur ------------------------------------------------------------------------------------
 */

#define RECUR_MAX 1000 /* expenses one call creates at most; the next call goes on */

static const char *stored(struct req *r, int64_t id, const char *column)
{
    return engine_stored_text(r, &res_recurring_expenses, id, column);
}

/* The expense of the series' k-th date: the recurring expense's texts and amounts, its service
 * period by service_period_direction (forward: this date to the day before the next one;
 * backward: the previous date to the day before this one). */
static int recur_one(struct req *r, int64_t id, int64_t project, const char *start,
                     const char *period, int64_t k, const char *date)
{
    static const char *const copied[] = {"title", "description", "unit"};
    static const char *const amounts[] = {"quantity", "unit_price", "unit_cost"};
    const char *billable = stored(r, id, "billable"), *relevant = stored(r, id, "budget_relevant");
    json_t *in =
        json_pack("{s:s, s:b, s:b}", "date", date, "billable", billable ? atoi(billable) : 1,
                  "budget_relevant", relevant ? atoi(relevant) : 0);
    for (int i = 0; i < 3; i++) {
        const char *v = stored(r, id, copied[i]);
        json_object_set_new(in, copied[i], json_string(v ? v : ""));
    }
    for (int i = 0; i < 3; i++) {
        /* as exact decimal text ("2.5"), which the expense parses as it would a client's */
        char digits[MONEY_BUF];
        const char *v = stored(r, id, amounts[i]);
        money_format(v ? strtoll(v, NULL, 10) : 0,
                     field_scale(resource_field(&res_recurring_expenses, amounts[i])), digits);
        json_object_set_new(in, amounts[i], json_string(digits));
    }
    const char *direction = stored(r, id, "service_period_direction");
    char from[11], to[11], other[11];
    bool forward = direction && !strcmp(direction, "forward");
    bool backward = direction && !strcmp(direction, "backward");
    if ((forward || backward) && occurrence(start, period, forward ? k + 1 : k - 1, other)) {
        const char *first = forward ? date : other, *next = forward ? other : date;
        memcpy(from, first, 11);
        if (date_add(next, 0, -1, to)) {
            json_object_set_new(in, "service_period_from", json_string(from));
            json_object_set_new(in, "service_period_to", json_string(to));
        }
    }
    struct record *rec = NULL;
    int64_t made = 0;
    int rc =
        engine_parse_create(r, &res_project_expenses, in, &rec); /* the record points into in */
    if (rc == 0) {
        struct value *link = record_value(rec, "recurring_expense_id");
        link->set = true;
        link->null = false;
        link->i = id;
        rc = engine_insert_parsed(r, &res_project_expenses, rec, project, &made);
    }
    json_decref(in);
    return rc;
}

int recurring_expense_recur(struct req *r, int64_t id)
{
    const char *start = stored(r, id, "start_date"), *period = stored(r, id, "period");
    const char *next = stored(r, id, "recur_next_date"), *finish = stored(r, id, "finish_date");
    const char *project = stored(r, id, "project_id");
    if (!next)
        return 0; /* the series is over */
    if (!start || !period || !project)
        return req_fail(r, 500, NULL, "the recurring expense is incomplete");
    next = arena_strdup(r->arena, next);
    start = arena_strdup(r->arena, start);
    period = arena_strdup(r->arena, period);
    finish = finish ? arena_strdup(r->arena, finish) : NULL;
    char today[11], date[11];
    date_today_in(r->settings.time_zone, today);
    /* the series' index of recur_next_date */
    int64_t k = 0;
    while (occurrence(start, period, k, date) && strcmp(date, next) < 0)
        k++;
    int made = 0;
    bool more = occurrence(start, period, k, date);
    while (more && strcmp(date, today) <= 0 && (!finish || strcmp(date, finish) <= 0) &&
           made < RECUR_MAX) {
        if (recur_one(r, id, strtoll(project, NULL, 10), start, period, k, date))
            return -1;
        made++;
        more = occurrence(start, period, ++k, date);
    }
    if (made == 0)
        return 0; /* nothing is due: nothing changes */
    /* recur_next_date stays the series' next date also past finish_date: a later finish_date
     * goes on from there */
    struct column_value set[] = {{"recur_next_date", more ? dbp_text(date) : dbp_null()}};
    return engine_set_columns(r, &res_recurring_expenses, id, set, 1, true);
}

static int recur(struct req *r, struct action_call *call)
{
    return recurring_expense_recur(r, call->id);
}

static const struct action recurring_actions[] = {
    {"POST", "recur", recur},
    {0},
};

const struct resource res_recurring_expenses = {
    .name = "recurring_expenses",
    .path = "projects/{id}/recurring_expenses",
    .flat_path = "recurring_expenses",
    .table = "recurring_expenses",
    .target = "RecurringExpense",
    .fields = recurring_fields,
    .actions = recurring_actions,
    .flags = R_WEBHOOKS,
    .parent = &res_projects,
    .parent_fk = "project_id",
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
    .before_save = recurring_before_save,
};
