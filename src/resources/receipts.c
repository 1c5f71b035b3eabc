/* Receipts (sections/receipts.md): a user's expense receipts ("Spesen") with their positions
 * (a purchase VAT code and a gross amount each, exact to the cent) and the receipt's file.
 *
 * A position without vat_code_id (the docs mark it mandatory: so does --strict-validation) gets
 * the account's first active purchase VAT code, as MOCO's forms propose the standard rate.
 *
 * Who sees and changes whose receipts (the docs are silent): as with activities, whoever may track
 * time records their own receipts; the purchases area (read) sees everybody's, and changing or
 * deleting another person's receipt needs it in full (or an administrator).
 *
 * What mocod does not have: refund requests (no API documents them), so refund_request is null;
 * a receipt's refund_request_id (kept, filtered on by ?refund_request_id and ?submitted) is set
 * only by data brought in from elsewhere, and such a receipt can't be deleted, as the docs say.
 * An item's purchase_category_id is one of the account's purchase categories, rendered as
 * purchase_category {id, name}; receipts are never `pending` (mocod does no processing of their
 * files). */
#include "resources/resources.h"

#include "util/money.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- items */

static const struct field receipt_item_fields[] = {
    {"gross_total", FT_MONEY, F_REQUIRED},
    /* the VAT code as booked: {id, tax, reverse_charge, intra_eu}, kept with the item when it is
     * written (purchase VAT codes never change through the API) */
    {"vat", FT_EXPR, 0, .sql = "t.vat_json", .as = FT_CUSTOM},
    /* the category as booked: {id, name} (categories are read-only), kept with the item */
    {"purchase_category", FT_EXPR, 0, .sql = "t.category_json", .as = FT_CUSTOM},
    /* required (strict validation); else left out: the account's first active purchase code */
    {"vat_code", FT_REF, F_WRITEONLY | F_STRICT_REQUIRED | F_RESTRICT,
     .ref = &res_vat_code_purchases, .ref_fields = "id,tax", .column = "vat_code_id",
     .input = "vat_code_id"},
    {"category", FT_REF, F_WRITEONLY | F_INDEX, .ref = &res_purchase_categories,
     .column = "purchase_category_id", .input = "purchase_category_id"},
    {"vat_json", FT_TEXT, F_INTERNAL},
    {"category_json", FT_TEXT, F_INTERNAL},
    {0},
};

/* The item's copy of its VAT code (only active codes are booked) and of its category. */
static int receipt_item_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    struct value *cat = record_value(rec, "category");
    if (cat->set) {
        const char *json = NULL;
        bool active = true;
        if (!cat->null && !r->err_fields &&
            purchase_category_json(r, cat->i, false, &json, &active))
            return -1;
        struct value *copy = record_value(rec, "category_json");
        copy->set = true;
        copy->null = json == NULL;
        copy->s = json;
    }
    struct value *code = record_value(rec, "vat_code");
    if (rec->creating && !code->set) {
        db_param a[1] = {dbp_int(r->account_id)};
        int64_t first = 0;
        if (db_query_i64(r->db,
                         "SELECT COALESCE(MIN(id), 0) FROM vat_code_purchases WHERE account_id = ? "
                         "AND active = 1",
                         a, 1, 0, &first) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (!first) {
            req_field_error(r, "vat_code_id", "can't be blank");
            return -1;
        }
        code->set = true;
        code->null = false;
        code->i = first;
    }
    if (code->set && code->null)
        req_field_error(r, "vat_code_id", "can't be blank");
    if (!code->set || code->null)
        return r->err_fields ? -1 : 0;
    db_param p[2] = {dbp_int(code->i), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT tax, reverse_charge, intra_eu, active FROM vat_code_purchases "
                          "WHERE id = ? AND account_id = ?",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc == DB_ROW) {
        if (!db_col_i64(s, 3)) {
            req_field_error(r, "vat_code_id", "is not an active VAT code");
        } else {
            strbuf j;
            sb_init(&j, r->arena, 96);
            char tax[MONEY_BUF];
            sb_adds(&j, "{\"id\":");
            sb_add_i64(&j, code->i);
            sb_adds(&j, ",\"tax\":");
            sb_add(&j, tax, money_format(db_col_i64(s, 0), 2, tax));
            sb_adds(&j,
                    db_col_i64(s, 1) ? ",\"reverse_charge\":true" : ",\"reverse_charge\":false");
            sb_adds(&j, db_col_i64(s, 2) ? ",\"intra_eu\":true}" : ",\"intra_eu\":false}");
            struct value *copy = record_value(rec, "vat_json");
            copy->set = true;
            copy->null = false;
            copy->s = j.buf;
        }
        rc = db_step(s);
    }
    db_done(s);
    if (rc != DB_DONE && rc != DB_ROW)
        return req_fail(r, 500, NULL, "database error");
    return r->err_fields ? -1 : 0;
}

const struct resource res_receipt_items = {
    .name = "receipt_items",
    .path = "receipts/{id}/items",
    .table = "receipt_items",
    .target = "ReceiptItem",
    .fields = receipt_item_fields,
    /* items come with their receipt; MOCO has no routes of their own for them */
    .flags = R_NO_LIST | R_NO_GET | R_READONLY,
    .parent = &res_receipts,
    .parent_fk = "receipt_id",
    .write_area = AREA_ANY,
    .read_area = AREA_ANY,
    .before_save = receipt_item_before_save,
};

/* ------------------------------------------------------------- receipts */

static const char *check_currency(const char *s)
{
    bool ok = strlen(s) == 3;
    for (int i = 0; ok && i < 3; i++)
        ok = s[i] >= 'A' && s[i] <= 'Z';
    return ok ? NULL : "must be a currency code of three capital letters (ISO 4217)";
}

static const struct field receipt_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT, .maxlen = 255},
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"billable", FT_BOOL, 0, .def = "false"},
    {"pending", FT_EXPR, 0, .sql = "0", .as = FT_BOOL},
    {"gross_total", FT_MONEY, F_READONLY | F_SORT, .def = "0"}, /* the items' sum */
    {"currency", FT_TEXT, F_REQUIRED, .maxlen = 3, .check = check_currency},
    {"items", FT_HAS_MANY, F_WITH_PARENT, .ref = &res_receipt_items, .fk = "receipt_id",
     .ref_fields = "gross_total,vat,purchase_category"},
    /* {id, name, billable, company: {id, name}}: the project's customer is its company */
    {"project", FT_REF, F_FILTER | F_RESTRICT, .ref = &res_projects,
     .ref_fields = "id,name,billable,company"},
    {"refund_request", FT_EXPR, 0, .sql = "NULL"},
    {"info", FT_TEXT, F_SEARCH, .def = "\"\""},
    /* the acting user (the key's owner or the impersonated user), never sent */
    {"user", FT_REF, F_READONLY | F_ACTING_USER | F_RESTRICT | F_FILTER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"attachment_url", FT_FILE, 0, .input = "attachment"},
    {"refund_request_id", FT_INT, F_INTERNAL | F_INDEX}, /* mocod makes no refund requests */
    {0},
};

/* Changing another person's receipt needs the purchases area in full. */
static int require_writer(struct req *r, int64_t id)
{
    int64_t owner = engine_stored_int(r, &res_receipts, id, "user_id");
    if (owner == r->user_id || r->admin || r->key_kind == KEY_ACCOUNT_FULL ||
        req_perm(r, AREA_PURCHASES) >= PERM_FULL)
        return 0;
    return req_fail(r, 403, NULL, "only the purchases area changes another person's receipts");
}

static int receipt_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id && require_writer(r, id))
        return -1;
    struct value *user = record_value(rec, "user");
    if (rec->creating && !user->set)
        req_field_error(r, "user_id",
                        "can't be blank: an account API key records receipts only while it "
                        "impersonates a user (X-IMPERSONATE-USER-ID)");
    struct value *info = record_value(rec, "info");
    if (info->set && info->null) { /* null is empty: it renders as a string */
        info->null = false;
        info->s = "";
    }
    json_t *items = json_object_get(rec->input, "items");
    if ((rec->creating || items) && (!json_is_array(items) || json_array_size(items) == 0))
        req_field_error(r, "items", "can't be blank: at least one position");
    else if (json_is_array(items) && json_array_size(items) > 1000)
        req_field_error(r, "items", "at most 1000 positions");
    else if (json_is_array(items)) { /* "currently has to be the same for all items" */
        json_t *first = NULL;
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            json_t *c = json_is_object(item) ? json_object_get(item, "purchase_category_id") : NULL;
            if (!i)
                first = c;
            else if (!json_equal(c ? c : json_null(), first ? first : json_null()))
                req_field_error(r, "items", "must all have the same purchase_category_id");
        }
    }
    return r->err_fields ? -1 : 0;
}

int replace_children(struct req *r, const struct resource *child, int64_t parent, const char *key,
                     json_t *items)
{
    char *sql = arena_printf(r->arena, "SELECT '', id FROM %s WHERE account_id = ? AND %s = ?",
                             child->table, child->parent_fk);
    db_param p[2] = {dbp_int(r->account_id), dbp_int(parent)};
    struct entity_list old;
    if (engine_collect_entities(r, sql, p, 2, &old))
        return -1;
    for (int i = 0; i < old.n; i++)
        if (engine_delete_row(r, child, old.items[i].id))
            return -1;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        char *name = arena_printf(r->arena, "%s[%zu]", key, i);
        if (!json_is_object(item)) {
            req_field_error(r, name, "must be an object");
            return -1;
        }
        const char *outer = r->field_prefix;
        r->field_prefix = arena_printf(r->arena, "%s%s.", outer ? outer : "", name);
        int64_t made = 0;
        int rc = engine_insert(r, child, parent, item, &made);
        r->field_prefix = outer;
        if (rc)
            return -1;
    }
    return 0;
}

/* PATCH with items replaces them all (as documented); the total follows the items. */
static int receipt_after_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *items = json_object_get(rec->input, "items");
    if (!rec->creating && json_is_array(items) &&
        replace_children(r, &res_receipt_items, id, "items", items))
        return -1;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    int64_t total = 0;
    if (db_query_i64(r->db,
                     "SELECT COALESCE(SUM(gross_total), 0) FROM receipt_items WHERE account_id = ? "
                     "AND receipt_id = ?",
                     p, 2, 0, &total) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (total > MONEY_MAX_UNITS || total < -MONEY_MAX_UNITS)
        return req_fail(r, 422, "items", "the positions' sum is too large");
    struct column_value cols[] = {{"gross_total", dbp_int(total)}};
    return engine_set_columns(r, &res_receipts, id, cols, 1, false);
}

/* "only possible to delete a receipt until no refund_request has been created" */
static int receipt_before_delete(struct req *r, int64_t id)
{
    if (require_writer(r, id))
        return -1;
    if (engine_stored_text(r, &res_receipts, id, "refund_request_id"))
        return req_fail(r, 422, "refund_request",
                        "a receipt requested for refund can't be deleted");
    return 0;
}

static int receipt_list_filter(struct req *r, struct list_query *q)
{
    if (lq_id_list(q, "refund_request_id", "t.refund_request_id IN (%s)", 1) ||
        lq_id_list(q, "purchase_category_id",
                   "EXISTS (SELECT 1 FROM receipt_items i WHERE i.account_id = t.account_id AND "
                   "i.receipt_id = t.id AND i.purchase_category_id IN (%s))",
                   1))
        return -1;
    const char *submitted = req_query(r, "submitted");
    if (submitted) {
        if (!strcmp(submitted, "true"))
            lq_where(q, "t.refund_request_id IS NOT NULL");
        else if (!strcmp(submitted, "false"))
            lq_where(q, "t.refund_request_id IS NULL");
        else
            return req_fail(r, 422, "submitted", "submitted must be true or false");
    }
    return 0;
}

const struct resource res_receipts = {
    .name = "receipts",
    .path = "receipts",
    .table = "receipts",
    .target = "Receipt", /* not a web hook target of MOCO's: no events */
    .fields = receipt_fields,
    /* recorded by each person, as time is: the time tracking area (every default role but the
     * read-only one writes it); the purchases area sees everybody's */
    .write_area = AREA_TIME_TRACKING,
    .read_area = AREA_TIME_TRACKING,
    .own_column = "user_id",
    .all_area = AREA_PURCHASES,
    .indexes = "user_id,date;project_id,date",
    .default_sort = "date",
    .list_filter = receipt_list_filter,
    .before_save = receipt_before_save,
    .after_save = receipt_after_save,
    .before_delete = receipt_before_delete,
};
