/* Project expenses (sections/project_expenses.md, "Zusatzleistungen"): nested below a project,
 * with bulk creation and disregarding, and GET /projects/expenses across projects. Billed on an
 * invoice through an item's expense_ids (invoices.c); billed or disregarded ones are locked. */
#include "resources/resources.h"

#include "util/money.h"

#include <stdlib.h>
#include <string.h>

static const struct field expense_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"description", FT_TEXT, 0, .def = "\"\""},
    {"quantity", FT_DECIMAL, F_REQUIRED},
    {"unit", FT_TEXT, F_REQUIRED, .maxlen = 64},
    {"unit_price", FT_MONEY, F_REQUIRED},
    {"unit_cost", FT_MONEY, F_REQUIRED},
    /* quantity x unit_price and quantity x unit_cost, each rounded to the cent (before_save) */
    {"price", FT_MONEY, F_READONLY, .def = "0"},
    {"cost", FT_MONEY, F_READONLY, .def = "0"},
    {"currency", FT_TEXT, F_READONLY}, /* the project's */
    {"budget_relevant", FT_BOOL, F_FILTER, .def = "false"},
    {"billable", FT_BOOL, F_FILTER, .def = "true"},
    {"billed", FT_BOOL, F_READONLY | F_FILTER, .def = "false"},
    /* mocod plans no purchases for expenses: what an unplanned one gives */
    {"purchase_assignment_locked", FT_EXPR, 0, .sql = "0", .as = FT_BOOL},
    {"cost_total_planned", FT_EXPR, 0, .sql = "0", .as = FT_MONEY},
    {"planned_purchase_date", FT_EXPR, 0, .sql = "NULL", .as = FT_DATE},
    {"invoice_id", FT_INT, F_READONLY | F_FILTER},
    {"recurring_expense_id", FT_INT, F_READONLY | F_FILTER}, /* made by that one's recur */
    /* "06/2024": the month of the period's start */
    {"service_period", FT_EXPR, 0,
     .sql = "CASE WHEN t.service_period_from IS NULL THEN NULL ELSE substr(t.service_period_from, "
            "6, 2) || '/' || substr(t.service_period_from, 1, 4) END"},
    {"service_period_from", FT_DATE},
    {"service_period_to", FT_DATE},
    /* the receipt: {"file": {"filename", "base64"}} */
    {"file_url", FT_FILE, 0, .input = "file"},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {"custom_properties", FT_CUSTOM},
    {"company", FT_REF, F_READONLY, .column = "customer_id", .ref = &res_companies,
     .ref_fields = "id,name"},
    {"project", FT_REF, F_READONLY | F_FILTER, .ref = &res_projects, .ref_fields = "id,name"},
    {"group", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no expense groups */
    /* the purchase item it came from (POST /purchases/{id}/assign_to_project) */
    {"purchase_id", FT_INT, F_READONLY | F_FILTER},
    {"purchase_item_id", FT_INT, F_READONLY},
    {"purchase_items", FT_EXPR, 0, .sql = "NULL", .as = FT_IDLIST}, /* always [] */
    /* who is responsible: the acting user unless given; ?user_id= filters */
    {"user", FT_REF, F_WRITEONLY | F_ACTING_USER | F_FILTER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"disregard_reason", FT_TEXT, F_INTERNAL},
    {0},
};

/* Billed (on an invoice, or disregarded) expenses refuse changes, as billed activities do. */
static int require_unbilled(struct req *r, int64_t id)
{
    if (engine_stored_int(r, &res_project_expenses, id, "billed"))
        return req_fail(r, 422, "billed", "a billed expense can't be changed or deleted");
    return 0;
}

static void set_int(struct value *v, int64_t i)
{
    v->set = true;
    v->null = false;
    v->i = i;
}

/* The value of an amount field after the write: the one sent, else the stored one. */
static int64_t effective_units(struct req *r, struct record *rec, int64_t id, const char *field)
{
    struct value *v = record_value(rec, field);
    if (v->set)
        return v->null ? 0 : v->i;
    return id ? engine_stored_int(r, rec->res, id, field) : 0;
}

/* A new expense takes the project's currency and customer; an archived project takes none (as
 * time is not tracked on one). */
int expense_take_project(struct req *r, struct record *rec)
{
    if (!rec->parent_id)
        return req_fail(r, 422, "project_id", "can't be blank");
    db_param p[2] = {dbp_int(rec->parent_id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT active, currency, customer_id FROM projects WHERE id = ? AND "
                          "account_id = ?",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc == DB_ROW) {
        if (!db_col_i64(s, 0))
            req_field_error(r, "project_id", "is archived: expenses can't be added to it");
        struct value *currency = record_value(rec, "currency");
        currency->set = true;
        currency->null = db_col_null(s, 1);
        currency->s = currency->null ? NULL : arena_strdup(r->arena, db_col_text(s, 1));
        if (!db_col_null(s, 2) && record_value(rec, "company"))
            set_int(record_value(rec, "company"), db_col_i64(s, 2));
    }
    db_done(s);
    if (rc == DB_DONE)
        return req_fail(r, 404, NULL, "Project not found");
    return rc == DB_ROW ? 0 : req_fail(r, 500, NULL, "database error");
}

static int expense_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id && require_unbilled(r, id))
        return -1;
    if (rec->creating && expense_take_project(r, rec))
        return -1;
    struct value *description = record_value(rec, "description");
    if (description->set && description->null) { /* rendered as a string */
        description->null = false;
        description->s = "";
    }
    const char *from = engine_effective_text(r, rec, id, "service_period_from");
    const char *to = engine_effective_text(r, rec, id, "service_period_to");
    if (from && to && strcmp(from, to) > 0)
        req_field_error(r, "service_period_to", "must not be before service_period_from");
    return expense_amounts(r, rec, id);
}

/* price = quantity x unit_price and cost = quantity x unit_cost, each rounded to the cent. A
 * field that failed its own checks is not set: its stored value (or 0) stands in, and the request
 * is refused anyway. */
int expense_amounts(struct req *r, struct record *rec, int64_t id)
{
    const struct resource *res = rec->res;
    int64_t qty = effective_units(r, rec, id, "quantity");
    static const char *const lines[][2] = {{"price", "unit_price"}, {"cost", "unit_cost"}};
    for (int i = 0; i < 2; i++) {
        int64_t units = 0;
        int64_t per = effective_units(r, rec, id, lines[i][1]);
        if (money_mul(qty, field_scale(resource_field(res, "quantity")), per,
                      field_scale(resource_field(res, lines[i][1])),
                      field_scale(resource_field(res, lines[i][0])), &units) != MONEY_OK ||
            units > MONEY_MAX_UNITS || units < -MONEY_MAX_UNITS)
            req_field_error(r, lines[i][1], "times quantity is out of range");
        set_int(record_value(rec, lines[i][0]), units);
    }
    return r->err_fields ? -1 : 0;
}

static int expense_before_delete(struct req *r, int64_t id)
{
    return require_unbilled(r, id);
}

/* tags: of the expense's project (GET /projects/expenses?tags=a,b). */
static int expense_list_filter(struct req *r, struct list_query *q)
{
    (void)r;
    return filter_by_tags_of(q, "tags", "Project", "t.project_id");
}

/* ---- disregard ------------------------------------------------------------------------------- */

static int disregard_prepare(struct req *r, struct action_call *call)
{
    struct disregard_input *d = arena_calloc(r->arena, 1, sizeof(*d));
    disregard_input(r, "expense_ids", d);
    if (r->err_fields)
        return -1;
    call->ctx = d;
    return 0;
}

/* The project's expenses are marked billed (not to be billed again), with the reason. Who decides
 * what is billed of the project does it, as with activities: administrators, invoicing and the
 * project's leaders. All or none. */
static int disregard(struct req *r, struct action_call *call)
{
    struct disregard_input *d = call->ctx;
    bool allowed = false;
    if (project_may_bill(r, r->parent_id, &allowed))
        return -1;
    if (!allowed)
        return req_fail(r, 403, NULL,
                        "only administrators, invoicing and the project's leaders disregard "
                        "expenses");
    call->made = arena_calloc(r->arena, (size_t)d->n, sizeof(int64_t));
    for (int i = 0; i < d->n; i++) {
        if (!engine_exists(r, &res_project_expenses, d->ids[i]))
            return req_fail(r, 422, "expense_ids", "expense %lld is not one of the project's",
                            (long long)d->ids[i]);
        if (engine_stored_int(r, &res_project_expenses, d->ids[i], "billed"))
            return req_fail(r, 422, "expense_ids", "expense %lld is billed already",
                            (long long)d->ids[i]);
        struct column_value cols[] = {{"billed", dbp_int(1)},
                                      {"disregard_reason", dbp_text(d->reason)}};
        if (engine_set_columns(r, &res_project_expenses, d->ids[i], cols, 2, true))
            return -1;
        call->made[call->nmade++] = d->ids[i];
    }
    return 0;
}

static const struct action expense_actions[] = {
    {"POST", "bulk", .flags = A_COLLECTION, .bulk = "bulk_data"},
    {"POST", "disregard", disregard, A_COLLECTION, .prepare = disregard_prepare},
    {0},
};

const struct resource res_project_expenses = {
    .name = "project_expenses",
    .path = "projects/{id}/expenses",
    /* across the account's projects: the same filters (from, to, billable, billed,
     * budget_relevant, user_id, the project's tags, ids, updated_after), and project_id */
    .flat_path = "projects/expenses",
    .table = "project_expenses",
    .target = "Expense",
    .fields = expense_fields,
    .actions = expense_actions,
    .flags = R_WEBHOOKS,
    .parent = &res_projects,
    .parent_fk = "project_id",
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
    .indexes = "project_id,date;customer_id,date",
    .default_sort = "date",
    .list_filter = expense_list_filter,
    .before_save = expense_before_save,
    .before_delete = expense_before_delete,
};
