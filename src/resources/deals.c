/* Deals / leads (sections/deals.md) and deal categories (sections/deal_categories.md). */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <string.h>

static const struct field deal_category_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"probability", FT_INT, F_REQUIRED | F_SORT},
    {0},
};

static int deal_category_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *p = record_value(rec, "probability");
    if (p->set && !p->null && (p->i < 0 || p->i > 100))
        return req_fail(r, 422, "probability", "probability must be between 0 and 100");
    return 0;
}

/* The docs: a category in use cannot be deleted, and the answer is "forbidden". */
static int deal_category_before_delete(struct req *r, int64_t id)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    int64_t used = 0;
    if (db_query_i64(r->db, "SELECT COUNT(*) FROM deals WHERE account_id = ? AND category_id = ?",
                     p, 2, 0, &used) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (used)
        return req_fail(r, 403, NULL, "the category is used by %lld deals", (long long)used);
    return 0;
}

const struct resource res_deal_categories = {
    .name = "deal_categories",
    .path = "deal_categories",
    .table = "deal_categories",
    .target = "DealCategory",
    .fields = deal_category_fields,
    .write_area = AREA_SALES,
    .read_area = AREA_ANY,
    .flags = R_UNPAGINATED, /* MOCO answers the whole (short) list */
    .before_save = deal_category_before_save,
    .before_delete = deal_category_before_delete,
};

static const char *const deal_statuses[] = {"potential", "pending", "won", "lost", "dropped", NULL};

static const struct field deal_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"status", FT_ENUM, F_FILTER | F_SORT, .options = deal_statuses, .def = "\"pending\""},
    {"reminder_date", FT_DATE, F_REQUIRED | F_SORT},
    {"closed_on", FT_DATE, F_SORT, .range = "closed_from,closed_to"},
    {"money", FT_MONEY, F_REQUIRED | F_SORT},
    {"currency", FT_TEXT, F_REQUIRED, .maxlen = 3},
    {"info", FT_TEXT, 0, .def = "\"\""},
    {"custom_properties", FT_CUSTOM},
    {"user", FT_REF, F_REQUIRED, .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {"company", FT_REF, F_FILTER | F_RESTRICT, .ref = &res_companies, .ref_fields = "id,name,type"},
    {"person", FT_REF, 0, .ref = &res_contacts, .ref_fields = "id,name"},
    {"category", FT_REF, F_REQUIRED, .input = "deal_category_id", .ref = &res_deal_categories,
     .ref_fields = "id,name,probability"},
    {"service_period_from", FT_DATE},
    {"service_period_to", FT_DATE},
    {"inbox_email_address", FT_EXPR, 0,
     .sql = "'deal-' || t.id || '@inbox.' || (SELECT a.subdomain FROM accounts a WHERE a.id = "
            "t.account_id) || '.invalid'"},
    {"tags", FT_TAGS},
    /* not a deal's own keys: what planning entries show of their deal (mocod's deals have no
     * color of their own: all show this one) */
    {"customer_name", FT_EXPR, F_INTERNAL,
     .sql = "(SELECT c.name FROM companies c WHERE c.id = t.company_id)"},
    {"color", FT_EXPR, F_INTERNAL, .sql = "'#aacb84'"},
    {0},
};

static int deal_before_save(struct req *r, struct record *rec, int64_t id)
{
    /* a deal is closed when it is won or lost; other deals have no closing date */
    const char *status = engine_effective_text(r, rec, id, "status");
    bool closed = status && (!strcmp(status, "won") || !strcmp(status, "lost"));
    struct value *closed_on = record_value(rec, "closed_on");
    if (!closed && closed_on->set && !closed_on->null)
        closed_on->set = false; /* ignored, as MOCO does; a stored date stays as it was */
    struct value *from = record_value(rec, "service_period_from");
    struct value *to = record_value(rec, "service_period_to");
    if (from->set && !from->null && strcmp(from->s + 8, "01") != 0)
        req_field_error(r, "service_period_from", "must be the first of a month");
    if (to->set && !to->null && !date_last_of_month(to->s))
        req_field_error(r, "service_period_to", "must be the last of a month");
    return r->err_fields ? -1 : 0;
}

/* tags (a list of names). */
static int deal_list_filter(struct req *r, struct list_query *q)
{
    return filter_by_tag_names(q, "tags");
}

const struct resource res_deals = {
    .name = "deals",
    .path = "deals",
    .table = "deals",
    .target = "Deal",
    .fields = deal_fields,
    .flags = R_WEBHOOKS,
    .write_area = AREA_SALES,
    .read_area = AREA_SALES,
    .list_filter = deal_list_filter,
    .before_save = deal_before_save,
};
