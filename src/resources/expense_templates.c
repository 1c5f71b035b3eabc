/* The account's expense templates (sections/account/expense_templates.md: the catalog of
 * additional services, money exact) and its fixed costs (sections/account/fixed_costs.md).
 *
 * Fixed costs have only the documented read endpoint (GET /account/fixed_costs): MOCO keeps them
 * in its settings. mocod keeps them in two declared tables (fixed_costs, and their monthly
 * amounts in fixed_cost_amounts) and lets the settings area write them through the same path
 * (mocod's addition, as for letter papers): POST with its costs, PUT (costs given replace all),
 * DELETE. `mocod demo` has two of them. */
#include "resources/resources.h"

#include <stdlib.h>
#include <string.h>

static const char *check_currency(const char *s)
{
    bool ok = strlen(s) == 3;
    for (int i = 0; ok && i < 3; i++)
        ok = s[i] >= 'A' && s[i] <= 'Z';
    return ok ? NULL : "must be a currency code of three capital letters (ISO 4217)";
}

/* unit_price and unit_cost are strings in the docs ("50.0"): F_AS_STRING keeps every decimal. */
static const struct field expense_template_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"description", FT_TEXT, F_SEARCH, .def = "\"\""},
    {"unit", FT_TEXT, 0, .def = "\"\"", .maxlen = 64},
    {"unit_price", FT_MONEY, F_REQUIRED | F_AS_STRING},
    {"unit_cost", FT_MONEY, F_AS_STRING, .def = "0"},
    {"currency", FT_TEXT, F_REQUIRED, .maxlen = 3, .check = check_currency},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* none in mocod yet */
    {"revenue_category_id", FT_INT, F_WRITEONLY},
    {0},
};

static int expense_template_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    static const char *const texts[] = {"description", "unit"};
    for (int i = 0; i < 2; i++) { /* null is empty: they render as strings */
        struct value *t = record_value(rec, texts[i]);
        if (t->set && t->null) {
            t->null = false;
            t->s = "";
        }
    }
    static const char *const amounts[] = {"unit_price", "unit_cost"};
    for (int i = 0; i < 2; i++) {
        struct value *v = record_value(rec, amounts[i]);
        if (v->set && !v->null && v->i < 0)
            req_field_error(r, amounts[i], "must not be negative");
        else if (i == 1 && v->set && v->null) { /* no cost: 0 */
            v->null = false;
            v->i = 0;
        }
    }
    return r->err_fields ? -1 : 0;
}

const struct resource res_expense_templates = {
    .name = "expense_templates",
    .path = "account/expense_templates",
    .table = "expense_templates",
    .target = "ExpenseTemplate",
    .fields = expense_template_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY, /* what project expenses are booked from */
    .before_save = expense_template_before_save,
};

/* ------------------------------------------------------------- fixed costs */

static const struct field fixed_cost_amount_fields[] = {
    {"year", FT_INT, F_REQUIRED},
    {"month", FT_INT, F_REQUIRED},
    {"amount", FT_MONEY, F_REQUIRED},
    {0},
};

static int fixed_cost_amount_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    struct value *year = record_value(rec, "year");
    struct value *month = record_value(rec, "month");
    if (year->set && !year->null && (year->i < 1900 || year->i > 9999))
        req_field_error(r, "year", "must be a year between 1900 and 9999");
    if (month->set && !month->null && (month->i < 1 || month->i > 12))
        req_field_error(r, "month", "must be a month between 1 and 12");
    return r->err_fields ? -1 : 0;
}

const struct resource res_fixed_cost_amounts = {
    .name = "fixed_cost_amounts",
    .path = "account/fixed_costs/{id}/costs",
    .table = "fixed_cost_amounts",
    .target = "FixedCostAmount",
    .fields = fixed_cost_amount_fields,
    .flags = R_NO_LIST | R_NO_GET | R_READONLY, /* written and shown with their fixed cost */
    .parent = &res_fixed_costs,
    .parent_fk = "fixed_cost_id",
    .write_area = AREA_SETTINGS,
    .read_area = AREA_REPORT,
    .before_save = fixed_cost_amount_before_save,
    .indexes = "fixed_cost_id,year,month",
};

static const struct field fixed_cost_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"description", FT_TEXT, 0, .def = "\"\""},
    /* ?year=2020 limits the costs to that year */
    {"costs", FT_HAS_MANY, F_WITH_PARENT, .ref = &res_fixed_cost_amounts, .fk = "fixed_cost_id",
     .ref_fields = "year,month,amount", .child_filter = "year"},
    {0},
};

/* One amount per month: a month given twice is refused. */
static int fixed_cost_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    json_t *costs = json_object_get(rec->input, "costs");
    if (!costs || json_is_null(costs))
        return 0;
    if (!json_is_array(costs) || json_array_size(costs) > 1200) {
        req_field_error(r, "costs", "must be a list of at most 1200 monthly amounts");
        return -1;
    }
    for (size_t i = 0; i < json_array_size(costs); i++)
        for (size_t k = 0; k < i; k++) {
            json_t *a = json_array_get(costs, i), *b = json_array_get(costs, k);
            if (json_is_object(a) && json_is_object(b) &&
                json_equal(json_object_get(a, "year"), json_object_get(b, "year")) &&
                json_equal(json_object_get(a, "month"), json_object_get(b, "month"))) {
                req_field_error(r, "costs", "has month %zu twice", i);
                return -1;
            }
        }
    return 0;
}

static int fixed_cost_after_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *costs = json_object_get(rec->input, "costs");
    if (rec->creating || !json_is_array(costs))
        return 0;
    return replace_children(r, &res_fixed_cost_amounts, id, "costs", costs);
}

/* ?year=2020 limits each fixed cost's costs to that year (costs' .child_filter); a year that is
 * none is refused. */
static int fixed_cost_list_filter(struct req *r, struct list_query *q)
{
    (void)q;
    const char *year = req_query(r, "year");
    if (!year)
        return 0;
    char *end = NULL;
    long y = strtol(year, &end, 10);
    if (!*year || *end || y < 1900 || y > 9999)
        return req_fail(r, 422, "year", "year must be a year (2020)");
    return 0;
}

/* The company's costs are figures of its reports: the report area reads them. */
const struct resource res_fixed_costs = {
    .name = "fixed_costs",
    .path = "account/fixed_costs",
    .table = "fixed_costs",
    .target = "FixedCost",
    .fields = fixed_cost_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_REPORT,
    .list_filter = fixed_cost_list_filter,
    .before_save = fixed_cost_before_save,
    .after_save = fixed_cost_after_save,
};
