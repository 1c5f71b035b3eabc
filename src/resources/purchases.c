/* Purchases (sections/purchases.md) with their items, purchase categories
 * (purchase_categories.md) and purchase payments (purchase_payments.md).
 *
 * An item's VAT comes from its purchase VAT code (vat_code_id), or from the deprecated `tax`
 * when no code is given. Its totals are exact: with tax_included the total is the gross amount
 * and net = round(total / (1 + tax)), else the total is net and tax = round(net x tax); rounded
 * to the cent half away from zero, a reverse-charge code adds no tax to the amount paid. The
 * purchase's net and gross totals are the sums of its items'. Items come with the purchase and
 * are not updated afterwards (as MOCO). The categories are read-only through the API: an
 * account comes with its defaults (purchase_categories_seed). */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- categories */

static const struct field purchase_category_fields[] = {
    {"name", FT_TEXT, F_READONLY | F_SORT},
    {"credit_account", FT_TEXT, F_READONLY | F_SORT},
    {"active", FT_BOOL, F_READONLY | F_FILTER},
    {0},
};

const struct resource res_purchase_categories = {
    .name = "purchase_categories",
    .path = "purchases/categories",
    .table = "purchase_categories",
    .target = "PurchaseCategory",
    .fields = purchase_category_fields,
    .flags = R_READONLY,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_PURCHASES,
};

/* A German account's expense accounts (SKR04; the first as the documented example). */
static const struct {
    const char *name, *credit_account;
} default_categories[] = {
    {"Spesen und Reisekosten", "6640"},
    {"Bürobedarf", "6815"},
    {"Software und Lizenzen", "6837"},
    {"Fremdleistungen", "5900"},
    {"Hosting und Internet", "6810"},
    {"Telefon", "6805"},
    {"Porto", "6800"},
    {"Miete", "6310"},
    {"Werbekosten", "6600"},
    {"Fortbildung", "6821"},
    {"Zeitschriften und Bücher", "6820"},
    {"Rechts- und Beratungskosten", "6825"},
    {"Versicherungen", "6400"},
    {"Geringwertige Wirtschaftsgüter", "6260"},
};

int purchase_categories_seed(db_conn *c, int64_t account, const char *now)
{
    for (size_t i = 0; i < sizeof(default_categories) / sizeof(default_categories[0]); i++) {
        db_param p[5] = {dbp_int(account), dbp_text(now), dbp_text(now),
                         dbp_text(default_categories[i].name),
                         dbp_text(default_categories[i].credit_account)};
        if (db_exec(c,
                    "INSERT INTO purchase_categories (account_id, created_at, updated_at, name, "
                    "credit_account, active) VALUES (?, ?, ?, ?, ?, 1)",
                    p, 5) != DB_DONE)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- items */

static const struct field purchase_item_fields[] = {
    {"title", FT_TEXT, F_REQUIRED, .maxlen = 1000},
    {"net_total", FT_MONEY, F_READONLY},
    {"tax_total", FT_MONEY, F_READONLY},
    {"tax", FT_DECIMAL, 0, .scale = 2}, /* percent; deprecated input, vat_code_id wins */
    {"vat", FT_EXPR, 0, .sql = "t.vat_json", .as = FT_CUSTOM},
    {"tax_included", FT_BOOL, 0, .def = "true"},
    {"gross_total", FT_MONEY, F_READONLY},
    {"category", FT_EXPR, 0, .sql = "t.category_json", .as = FT_CUSTOM},
    {"supplier_credit_number", FT_EXPR, 0,
     .sql = "(SELECT co.credit_number FROM purchases p JOIN companies co ON co.id = p.company_id "
            "WHERE p.id = t.purchase_id)",
     .as = FT_INT},
    /* the project expense the item became (assign_to_project): {id, project: {id, company_id}};
     * numbers only, so the SQL's text is JSON as it stands */
    {"expense", FT_EXPR, 0,
     .sql = "(SELECT '{\"id\":' || CAST(e.id AS TEXT) || ',\"project\":{\"id\":' || "
            "CAST(e.project_id AS TEXT) || ',\"company_id\":' || COALESCE(CAST(e.customer_id "
            "AS TEXT), 'null') || '}}' FROM project_expenses e WHERE e.account_id = t.account_id "
            "AND e.id = t.expense_id)",
     .as = FT_CUSTOM},
    {"expense_id", FT_INT, F_INTERNAL},
    {"receipt", FT_EXPR, 0, .sql = "NULL"}, /* receipts come later */

    {"total", FT_MONEY, F_WRITEONLY | F_REQUIRED},
    {"vat_code", FT_REF, F_WRITEONLY, .ref = &res_vat_code_purchases, .ref_fields = "id,code",
     .column = "vat_code_id", .input = "vat_code_id"},
    {"category_ref", FT_REF, F_WRITEONLY, .ref = &res_purchase_categories, .column = "category_id",
     .input = "category_id"},
    /* what the item was booked with, kept as rendered (codes and categories are read-only) */
    {"vat_json", FT_TEXT, F_INTERNAL},
    {"category_json", FT_TEXT, F_INTERNAL},
    {0},
};

static void set_money(struct record *rec, const char *field, int64_t units)
{
    struct value *v = record_value(rec, field);
    v->set = true;
    v->null = false;
    v->i = units;
}

static void set_text(struct record *rec, const char *field, const char *s)
{
    struct value *v = record_value(rec, field);
    v->set = true;
    v->null = s == NULL;
    v->s = s;
}

/* num / den (den > 0) rounded half away from zero. */
static int64_t div_round(__int128 num, int64_t den)
{
    __int128 q = num / den, rem = num % den;
    if (rem < 0)
        rem = -rem;
    if (rem * 2 >= den)
        q += num < 0 ? -1 : 1;
    return (int64_t)q;
}

/* The VAT of an item: from its code (which must be active), else from its tax. */
static int item_vat(struct req *r, struct record *rec, int64_t *tax, bool *reverse_charge,
                    strbuf *vat)
{
    struct value *code = record_value(rec, "vat_code");
    struct value *given = record_value(rec, "tax");
    const char *sql = "SELECT tax, reverse_charge, intra_eu, active, code FROM vat_code_purchases "
                      "WHERE account_id = ? AND id = ?";
    db_param p[2] = {dbp_int(r->account_id), dbp_int(code->set && !code->null ? code->i : 0)};
    if (!(code->set && !code->null)) {
        json_t *in = json_object_get(rec->input, "vat_code_id");
        if (in && !json_is_null(in))
            return -1; /* refused already (not a code of the account) */
        if (!given->set || given->null) {
            req_field_error(r, "vat_code_id", "can't be blank (or give the deprecated tax)");
            return -1;
        }
        if (given->i < 0 || given->i > 100 * 100) {
            req_field_error(r, "tax", "must be a percentage between 0 and 100");
            return -1;
        }
        /* the account's ordinary code of that rate, when it has one */
        sql = "SELECT tax, reverse_charge, intra_eu, active, code, id FROM vat_code_purchases "
              "WHERE account_id = ? AND tax = ? AND reverse_charge = 0 AND intra_eu = 0 AND "
              "active = 1 ORDER BY id LIMIT 1";
        p[1] = dbp_int(given->i);
    }
    db_stmt *s = db_query(r->db, sql, p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    bool found = rc == DB_ROW;
    bool active = found ? db_col_i64(s, 3) != 0 : true;
    *tax = found ? db_col_i64(s, 0) : given->i;
    *reverse_charge = found && db_col_i64(s, 1);
    bool intra_eu = found && db_col_i64(s, 2);
    const char *text = found && db_col_text(s, 4) ? arena_strdup(r->arena, db_col_text(s, 4)) : "";
    int64_t matched = found && !(code->set && !code->null) ? db_col_i64(s, 5) : 0;
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (!active) {
        req_field_error(r, "vat_code_id", "is not an active VAT code");
        return -1;
    }
    if (matched) { /* booked with that code */
        code->set = true;
        code->null = false;
        code->i = matched;
    }
    char digits[MONEY_BUF];
    sb_adds(vat, "{\"tax\":");
    sb_add(vat, digits, money_format(*tax, 2, digits));
    sb_addf(vat, ",\"reverse_charge\":%s,\"intra_eu\":%s,\"active\":true,\"code\":",
            *reverse_charge ? "true" : "false", intra_eu ? "true" : "false");
    sb_add_json_str(vat, text, strlen(text));
    sb_addc(vat, '}');
    return 0;
}

/* The copy of purchase category id an item keeps (categories are read-only): {id, name} and, with
 * account, its credit_account; *active whether it may be booked. -1 (and a 500) when the row is
 * not there: callers have checked the reference. */
int purchase_category_json(struct req *r, int64_t id, bool account, const char **json, bool *active)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "SELECT name, credit_account, active FROM purchase_categories WHERE "
                          "account_id = ? AND id = ?",
                          p, 2);
    if (!s || db_step(s) != DB_ROW) {
        db_done(s);
        return req_fail(r, 500, NULL, "database error");
    }
    const char *name = db_col_text(s, 0) ? db_col_text(s, 0) : "";
    const char *credit = db_col_text(s, 1) ? db_col_text(s, 1) : "";
    strbuf o;
    sb_init(&o, r->arena, 128);
    sb_addf(&o, "{\"id\":%lld,\"name\":", (long long)id);
    sb_add_json_str(&o, name, strlen(name));
    if (account) {
        sb_adds(&o, ",\"credit_account\":");
        sb_add_json_str(&o, credit, strlen(credit));
    }
    sb_addc(&o, '}');
    *active = db_col_i64(s, 2) != 0;
    db_done(s);
    *json = o.buf;
    return 0;
}

static int item_category(struct req *r, struct record *rec)
{
    struct value *cat = record_value(rec, "category_ref");
    if (!cat->set || cat->null)
        return 0;
    const char *json = NULL;
    bool active = false;
    if (purchase_category_json(r, cat->i, true, &json, &active))
        return -1;
    if (!active) {
        req_field_error(r, "category_id", "is not an active category");
        return -1;
    }
    set_text(rec, "category_json", json);
    return 0;
}

static int purchase_item_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    if (!rec->creating)
        return 0;
    int64_t tax = 0;
    bool reverse_charge = false;
    strbuf vat;
    sb_init(&vat, r->arena, 128);
    int rc_vat = item_vat(r, rec, &tax, &reverse_charge, &vat);
    int rc_cat = item_category(r, rec);
    struct value *total = record_value(rec, "total");
    if (rc_vat || rc_cat || !total->set || total->null)
        return -1;
    record_value(rec, "tax")->set = true;
    record_value(rec, "tax")->null = false;
    record_value(rec, "tax")->i = tax;
    set_text(rec, "vat_json", vat.buf);
    struct value *incl = record_value(rec, "tax_included");
    bool included = !incl->set || incl->null || incl->i;
    int64_t rate = reverse_charge ? 0 : tax; /* units of 0.01 %: a fraction at scale 4 */
    int64_t net, vat_units, gross;
    if (included) {
        gross = total->i;
        net = div_round((__int128)gross * 10000, 10000 + rate);
        vat_units = gross - net;
    } else {
        net = total->i;
        if (money_mul(net, 2, rate, 4, 2, &vat_units) != MONEY_OK ||
            money_add(net, vat_units, &gross) != MONEY_OK || gross > MONEY_MAX_UNITS ||
            gross < -MONEY_MAX_UNITS) {
            req_field_error(r, "total", "is too large");
            return -1;
        }
    }
    set_money(rec, "net_total", net);
    set_money(rec, "tax_total", vat_units);
    set_money(rec, "gross_total", gross);
    return 0;
}

const struct resource res_purchase_items = {
    .name = "purchase_items",
    .path = "purchases/{id}/items",
    .table = "purchase_items",
    .target = "PurchaseItem",
    .fields = purchase_item_fields,
    /* items come with their purchase; MOCO has no routes of their own for them */
    .flags = R_NO_LIST | R_NO_GET | R_READONLY,
    .parent = &res_purchases,
    .parent_fk = "purchase_id",
    .write_area = AREA_PURCHASES,
    .read_area = AREA_PURCHASES,
    .indexes = "purchase_id;category_id",
    .before_save = purchase_item_before_save,
};

/* ------------------------------------------------------------- purchases */

static const char *const purchase_statuses[] = {"pending", "archived", NULL};
static const char *const payment_methods[] = {"bank_transfer",
                                              "direct_debit",
                                              "credit_card",
                                              "paypal",
                                              "cash",
                                              "bank_transfer_swiss_qr_esr",
                                              NULL};

static const char *check_currency(const char *v)
{
    if (strlen(v) != 3)
        return "must be a currency code of three letters (EUR)";
    for (int i = 0; i < 3; i++)
        if (v[i] < 'A' || v[i] > 'Z')
            return "must be a currency code of three letters (EUR)";
    return NULL;
}

#define PURCHASE_ITEM_FIELDS                                                                       \
    "id,title,net_total,tax_total,tax,vat,tax_included,gross_total,category,"                      \
    "supplier_credit_number,expense,receipt"

static const struct field purchase_fields[] = {
    {"identifier", FT_TEXT, F_READONLY | F_FILTER | F_SORT | F_UNIQUE | F_SEARCH, .maxlen = 64,
     .sequence = "E{yy}{mm}-{n:4}", .sequence_date = "date"},
    /* the supplier's invoice number: unique per supplier (as documented) */
    {"receipt_identifier", FT_TEXT, F_FILTER | F_SEARCH | F_UNIQUE, .maxlen = 255,
     .unique_scope = "company_id"},
    {"title", FT_TEXT, F_SORT | F_SEARCH, .maxlen = 255},
    {"info", FT_TEXT},
    {"iban", FT_TEXT, 0, .maxlen = 64},
    {"reference", FT_TEXT, 0, .maxlen = 255},
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "date_from,date_to"},
    {"due_date", FT_DATE, F_SORT},
    {"service_period_from", FT_DATE},
    {"service_period_to", FT_DATE},
    {"status", FT_ENUM, F_FILTER | F_SORT, .options = purchase_statuses, .def = "\"pending\""},
    {"payment_method", FT_ENUM, F_REQUIRED | F_FILTER, .options = payment_methods},
    {"net_total", FT_MONEY, F_READONLY | F_SORT, .def = "0"},
    {"gross_total", FT_MONEY, F_READONLY | F_SORT, .def = "0"},
    {"currency", FT_TEXT, F_REQUIRED, .maxlen = 3, .check = check_currency},
    {"file_url", FT_FILE, 0, .input = "file"},
    {"custom_properties", FT_CUSTOM},
    {"tags", FT_TAGS},
    {"approval_status", FT_EXPR, 0, .sql = "'none'"}, /* mocod has no purchase approvals */
    {"company", FT_REF, F_RESTRICT, .ref = &res_companies, .ref_fields = "id,name,iban"},
    {"payments", FT_HAS_MANY, 0, .ref = &res_purchase_payments, .fk = "purchase_id",
     .ref_fields = "id,date,total"},
    /* the example names the last name "name" */
    {"id", FT_EXPR, 0, .sql = "t.user_id", .as = FT_INT, .group = "user"},
    {"firstname", FT_EXPR, 0, .sql = "(SELECT u.firstname FROM users u WHERE u.id = t.user_id)",
     .group = "user"},
    {"name", FT_EXPR, 0, .sql = "(SELECT u.lastname FROM users u WHERE u.id = t.user_id)",
     .group = "user"},
    {"refund_request", FT_EXPR, 0, .sql = "NULL"},
    {"credit_card_transaction", FT_EXPR, 0, .sql = "NULL"},
    {"items", FT_HAS_MANY, F_WITH_PARENT, .ref = &res_purchase_items, .fk = "purchase_id",
     .ref_fields = PURCHASE_ITEM_FIELDS},

    {"user", FT_REF, F_WRITEONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"items_text", FT_TEXT, F_INTERNAL | F_SEARCH},    /* the items' titles, for `term` */
    {"exported", FT_BOOL, F_INTERNAL, .def = "false"}, /* in a bookkeeping export */
    {0},
};

/* "A, B, C" of the items' titles given, at most 255 bytes (cut at a character). */
static const char *title_from_items(struct req *r, json_t *items)
{
    strbuf o;
    sb_init(&o, r->arena, 128);
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *t = json_is_object(item) ? json_object_get(item, "title") : NULL;
        if (!json_is_string(t) || !json_string_length(t))
            continue;
        if (o.len)
            sb_adds(&o, ", ");
        sb_add(&o, json_string_value(t), json_string_length(t));
        if (o.len > 255)
            break;
    }
    if (o.len > 255) {
        size_t n = 255;
        while (n && ((unsigned char)o.buf[n] & 0xC0) == 0x80)
            n--; /* not inside a UTF-8 character */
        o.buf[n] = '\0';
        o.len = n;
    }
    return o.len ? o.buf : NULL;
}

static int purchase_before_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *items = json_object_get(rec->input, "items");
    if (rec->creating) {
        if (!json_is_array(items) || json_array_size(items) == 0)
            req_field_error(r, "items", "can't be blank: at least one item");
        else if (json_array_size(items) > 1000)
            req_field_error(r, "items", "at most 1000 items");
        struct value *title = record_value(rec, "title");
        if ((!title->set || title->null) && json_is_array(items))
            set_text(rec, "title", title_from_items(r, items));
        /* the supplier's IBAN, unless one is given */
        struct value *company = record_value(rec, "company");
        if (company->set && !company->null && !json_object_get(rec->input, "iban"))
            set_text(rec, "iban", engine_stored_text(r, &res_companies, company->i, "iban"));
    }
    const char *from = engine_effective_text(r, rec, id, "service_period_from");
    const char *to = engine_effective_text(r, rec, id, "service_period_to");
    if (from && to && strcmp(from, to) > 0)
        req_field_error(r, "service_period_to", "must not be before service_period_from");
    const char *date = engine_effective_text(r, rec, id, "date");
    const char *due = engine_effective_text(r, rec, id, "due_date");
    if (date && due && strcmp(due, date) < 0)
        req_field_error(r, "due_date", "must not be before date");
    return r->err_fields ? -1 : 0;
}

/* The totals are the sums of the items; `term` finds the items' titles. */
static int purchase_after_save(struct req *r, struct record *rec, int64_t id)
{
    if (!rec->creating)
        return 0;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "SELECT net_total, gross_total, title FROM purchase_items WHERE "
                          "account_id = ? AND purchase_id = ? ORDER BY id",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t net = 0, gross = 0;
    strbuf titles;
    sb_init(&titles, r->arena, 256);
    int rc;
    bool overflow = false;
    while ((rc = db_step(s)) == DB_ROW) {
        overflow = overflow || money_add(net, db_col_i64(s, 0), &net) != MONEY_OK ||
                   money_add(gross, db_col_i64(s, 1), &gross) != MONEY_OK;
        const char *t = db_col_text(s, 2);
        if (t) {
            sb_adds(&titles, t);
            sb_addc(&titles, '\n');
        }
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (overflow || gross > MONEY_MAX_UNITS || gross < -MONEY_MAX_UNITS || net > MONEY_MAX_UNITS ||
        net < -MONEY_MAX_UNITS)
        return req_fail(r, 422, "items", "the items' totals are too large");
    struct column_value set[] = {{"net_total", dbp_int(net)},
                                 {"gross_total", dbp_int(gross)},
                                 {"items_text", dbp_text(titles.buf)}};
    return engine_set_columns(r, &res_purchases, id, set, 3, false);
}

/* Only a pending purchase without payments goes (as MOCO), and none that bookkeeping has. */
static int purchase_before_delete(struct req *r, int64_t id)
{
    const char *status = engine_stored_text(r, &res_purchases, id, "status");
    if (status && strcmp(status, "pending") != 0)
        return req_fail(r, 422, "status", "only a pending purchase can be deleted");
    const char *exported = engine_stored_text(r, &res_purchases, id, "exported");
    if (exported && strcmp(exported, "0") != 0)
        return req_fail(r, 422, "id", "a purchase in a bookkeeping export can't be deleted");
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    int64_t payments = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM purchase_payments WHERE account_id = ? AND "
                     "purchase_id = ?",
                     p, 2, 0, &payments) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (payments)
        return req_fail(r, 422, "payments", "a purchase with payments can't be deleted");
    /* the project expenses its items became stay, no longer linked to it */
    struct entity_list made;
    if (engine_collect_entities(r,
                                "SELECT 'Expense', id FROM project_expenses WHERE account_id = ? "
                                "AND purchase_id = ?",
                                p, 2, &made))
        return -1;
    struct column_value unlink[] = {{"purchase_id", dbp_null()}, {"purchase_item_id", dbp_null()}};
    for (int i = 0; i < made.n; i++)
        if (engine_set_columns(r, &res_project_expenses, made.items[i].id, unlink, 2, true))
            return -1;
    return 0;
}

/* category_id, company_id (0: without supplier), not_booked, tags, unpaid. */
static int purchase_list_filter(struct req *r, struct list_query *q)
{
    if (lq_id_list(q, "category_id",
                   "EXISTS (SELECT 1 FROM purchase_items i WHERE i.account_id = t.account_id AND "
                   "i.purchase_id = t.id AND i.category_id IN (%s))",
                   1))
        return -1;
    const char *company = req_query(r, "company_id");
    if (company && !strcmp(company, "0"))
        lq_where(q, "t.company_id IS NULL");
    else if (lq_id_list(q, "company_id", "t.company_id IN (%s)", 1))
        return -1;
    static const struct {
        const char *param, *yes, *no;
    } flags[] = {
        {"not_booked", "t.exported = 0", "t.exported = 1"},
        {"unpaid",
         "NOT EXISTS (SELECT 1 FROM purchase_payments pp WHERE pp.account_id = t.account_id AND "
         "pp.purchase_id = t.id)",
         "EXISTS (SELECT 1 FROM purchase_payments pp WHERE pp.account_id = t.account_id AND "
         "pp.purchase_id = t.id)"},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const char *v = req_query(r, flags[i].param);
        if (!v || !*v)
            continue;
        if (!strcmp(v, "true"))
            lq_where(q, flags[i].yes);
        else if (!strcmp(v, "false"))
            lq_where(q, flags[i].no);
        else
            return req_fail(r, 422, flags[i].param, "must be true or false");
    }
    return filter_by_tag_names(q, "tags");
}

static const struct col_set status_set[] = {{"status", .field = "status"}, {0}};

/* PATCH {id}/store_document: the document as multipart/form-data part "file" (the server reads
 * a form into the same object as JSON), or as JSON {"file": {"filename", "base64"}}. */
static int store_document_prepare(struct req *r, struct action_call *call)
{
    (void)call;
    json_t *file = r->body && json_is_object(r->body) ? json_object_get(r->body, "file") : NULL;
    if (!file || json_is_null(file))
        return req_fail(r, 422, "file",
                        "can't be blank: send the document as the form part \"file\" "
                        "(multipart/form-data) or as {\"file\": {\"filename\", \"base64\"}}");
    if (!json_is_object(file))
        return req_fail(r, 422, "file", "must be a file (a form part with a filename)");
    json_t *content = json_object_get(file, "base64");
    if (json_is_string(content) && json_string_length(content) == 0)
        return req_fail(r, 422, "file", "is empty");
    return 0;
}

static int store_document(struct req *r, struct action_call *call)
{
    json_t *in = json_pack("{sO}", "file", json_object_get(r->body, "file"));
    if (!in)
        return req_fail(r, 500, NULL, "out of memory");
    req_keep(r, in);
    return engine_update_row(r, &res_purchases, call->id, in);
}

/* POST {id}/assign_to_project: item_id of the purchase becomes a project expense of project_id
 * (a new one, or expense_id of that project, linked). The expense: the purchase's date, the
 * item's title, 1 x its net total as price and cost; billable and budget_relevant as given, else
 * the expense's defaults. */
struct assignment {
    int64_t item, project, expense;
    json_t *billable, *budget_relevant;
};

static int assign_prepare(struct req *r, struct action_call *call)
{
    json_t *b = r->body && json_is_object(r->body) ? r->body : NULL;
    struct assignment *a = arena_calloc(r->arena, 1, sizeof(*a));
    static const char *const ids[] = {"item_id", "project_id", "expense_id"};
    int64_t *out[] = {&a->item, &a->project, &a->expense};
    for (int i = 0; i < 3; i++) {
        json_t *v = b ? json_object_get(b, ids[i]) : NULL;
        if (json_is_integer(v) && json_integer_value(v) > 0)
            *out[i] = json_integer_value(v);
        else if (i < 2 || (v && !json_is_null(v)))
            req_field_error(r, ids[i], i < 2 ? "can't be blank" : "must be an id");
    }
    static const char *const flags[] = {"billable", "budget_relevant", "notify_project_leader",
                                        "surcharge"};
    for (int i = 0; i < 4; i++) {
        json_t *v = b ? json_object_get(b, flags[i]) : NULL;
        if (v && !json_is_null(v) && !json_is_boolean(v))
            req_field_error(r, flags[i], "must be true or false");
    }
    a->billable = b ? json_object_get(b, "billable") : NULL;
    a->budget_relevant = b ? json_object_get(b, "budget_relevant") : NULL;
    call->ctx = a;
    return r->err_fields ? -1 : 0;
}

static int assign_to_project(struct req *r, struct action_call *call)
{
    struct assignment *a = call->ctx;
    const char *owner = engine_stored_text(r, &res_purchase_items, a->item, "purchase_id");
    if (!owner || strtoll(owner, NULL, 10) != call->id)
        return req_fail(r, 422, "item_id", "is not an item of this purchase");
    const char *current = engine_stored_text(r, &res_purchase_items, a->item, "expense_id");
    if (current && engine_exists(r, &res_project_expenses, strtoll(current, NULL, 10)))
        return req_fail(r, 422, "item_id", "is assigned to a project already");
    if (!engine_exists(r, &res_projects, a->project))
        return req_fail(r, 422, "project_id", "is not a project of the account");
    int64_t expense = a->expense;
    if (expense) {
        const char *project = engine_stored_text(r, &res_project_expenses, expense, "project_id");
        if (!project || strtoll(project, NULL, 10) != a->project)
            return req_fail(r, 422, "expense_id", "is not an expense of the project");
        if (engine_stored_text(r, &res_project_expenses, expense, "purchase_item_id"))
            return req_fail(r, 422, "expense_id", "belongs to another purchase item already");
    } else {
        char digits[MONEY_BUF];
        const char *net = engine_stored_text(r, &res_purchase_items, a->item, "net_total");
        money_format(net ? strtoll(net, NULL, 10) : 0, 2, digits);
        const char *title = engine_stored_text(r, &res_purchase_items, a->item, "title");
        json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "date",
                               engine_stored_text(r, &res_purchases, call->id, "date"), "title",
                               title ? title : "", "quantity", "1", "unit", "Stk", "unit_price",
                               digits, "unit_cost", digits);
        if (!in)
            return req_fail(r, 500, NULL, "out of memory");
        req_keep(r, in);
        if (json_is_boolean(a->billable))
            json_object_set(in, "billable", a->billable);
        if (json_is_boolean(a->budget_relevant))
            json_object_set(in, "budget_relevant", a->budget_relevant);
        r->parent_id = a->project;
        if (engine_insert(r, &res_project_expenses, a->project, in, &expense))
            return -1;
    }
    struct column_value link[] = {{"purchase_id", dbp_int(call->id)},
                                  {"purchase_item_id", dbp_int(a->item)}};
    struct column_value item[] = {{"expense_id", dbp_int(expense)}};
    if (engine_set_columns(r, &res_project_expenses, expense, link, 2, true) ||
        engine_set_columns(r, &res_purchase_items, a->item, item, 1, false))
        return -1;
    return engine_touch(r, &res_purchases, call->id); /* the action emits its update */
}

static const struct action purchase_actions[] = {
    {"PATCH", "update_status", .set = status_set},
    {"POST", "assign_to_project", assign_to_project, .prepare = assign_prepare},
    /* engine_update_row emits the update */
    {"PATCH", "store_document", store_document, .prepare = store_document_prepare, .event = ""},
    {0},
};

const struct resource res_purchases = {
    .name = "purchases",
    .path = "purchases",
    .table = "purchases",
    .target = "Purchase",
    .fields = purchase_fields,
    .actions = purchase_actions,
    .flags = R_WEBHOOKS,
    .write_area = AREA_PURCHASES,
    .read_area = AREA_PURCHASES,
    .indexes = "date;company_id,date;status,date",
    .default_sort = "date",
    .delete_status = 200, /* MOCO answers 200 with an empty body */
    .list_filter = purchase_list_filter,
    .before_save = purchase_before_save,
    .after_save = purchase_after_save,
    .before_delete = purchase_before_delete,
};

/* ------------------------------------------------------------- payments */

static const struct field purchase_payment_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "date_from,date_to"},
    {"purchase", FT_REF, F_CREATEONLY | F_RESTRICT, .ref = &res_purchases,
     .ref_fields = "id,identifier,title"},
    {"total", FT_MONEY, F_REQUIRED | F_AS_STRING},
    {"description", FT_TEXT, F_WRITEONLY, .maxlen = 1000},
    {0},
};

static int purchase_payment_before_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *given = json_object_get(rec->input, "purchase_id");
    if (!id && (!given || json_is_null(given))) {
        json_t *d = json_object_get(rec->input, "description");
        if (!json_is_string(d) || !json_string_length(d))
            req_field_error(r, "description", "can't be blank without purchase_id");
    }
    struct value *total = record_value(rec, "total");
    if (total->set && !total->null && total->i == 0)
        req_field_error(r, "total", "must not be 0");
    return r->err_fields ? -1 : 0;
}

static int purchase_payment_list_filter(struct req *r, struct list_query *q)
{
    (void)r;
    return lq_id_list(q, "purchase_id", "t.purchase_id IN (%s)", 1);
}

static const struct action purchase_payment_actions[] = {
    {"POST", "bulk", .flags = A_COLLECTION, .bulk = "bulk_data"},
    {0},
};

const struct resource res_purchase_payments = {
    .name = "purchase_payments",
    .path = "purchases/payments",
    .table = "purchase_payments",
    .target = "Purchase::Payment",
    .fields = purchase_payment_fields,
    .actions = purchase_payment_actions,
    .flags = R_WEBHOOKS,
    .write_area = AREA_PURCHASES,
    .read_area = AREA_PURCHASES,
    .indexes = "purchase_id,date;date",
    .default_sort = "date",
    .list_filter = purchase_payment_list_filter,
    .before_save = purchase_payment_before_save,
};

/* ------------------------------------------------------------- bookkeeping exports */

static const struct field purchase_export_fields[] = {
    {"from", FT_DATE, F_READONLY, .column = "from_date"}, /* the exported purchases' first date */
    {"to", FT_DATE, F_READONLY, .column = "to_date"},     /* and last */
    {"purchase_ids", FT_IDLIST, F_REQUIRED | F_CREATEONLY, .ref = &res_purchases},
    {"comment", FT_TEXT, 0, .def = "\"\""},
    {"user", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    /* mocod submits to no bookkeeping service (DATEV): every export is a manual one, as the
     * invoices' */
    {"status", FT_TEXT, F_READONLY, .def = "\"manual\""},
    {"trigger_submission", FT_BOOL, F_TRANSIENT},
    {"archive_after_export", FT_BOOL, F_TRANSIENT},
    {0},
};

/* purchase_ids, each exported once; from and to are their first and last date. */
static int purchase_export_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    return bookkeeping_export_dates(r, rec, "purchase_ids", &res_purchases, "purchase");
}

/* The exported purchases are booked (not_booked=false), and archived when asked. */
static int purchase_export_after_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    json_t *ids = record_value(rec, "purchase_ids")->j;
    struct value *archive = record_value(rec, "archive_after_export");
    bool archived = archive->set && !archive->null && archive->i;
    size_t i;
    json_t *v;
    struct column_value set[] = {{"exported", dbp_int(1)}, {"status", dbp_text("archived")}};
    json_array_foreach(ids, i, v)
    {
        if (engine_set_columns(r, &res_purchases, json_integer_value(v), set, archived ? 2 : 1,
                               true))
            return -1;
    }
    return 0;
}

const struct resource res_purchase_bookkeeping_exports = {
    .name = "purchase_bookkeeping_exports",
    .path = "purchases/bookkeeping_exports",
    .table = "purchase_bookkeeping_exports",
    .target = "PurchaseBookkeepingExport",
    .fields = purchase_export_fields,
    .flags = R_NO_UPDATE | R_NO_DELETE,
    .write_area = AREA_PURCHASES,
    .read_area = AREA_PURCHASES,
    .before_save = purchase_export_before_save,
    .after_save = purchase_export_after_save,
};

/* ------------------------------------------------------------- budgets */

/* The budgets of a year (MOCO sets them up in its settings; in mocod administrators write them
 * under account/purchase_budgets, mocod's addition): a target for the purchases of some
 * categories. GET /purchases/budgets answers them as documented. */
static const struct field purchase_budget_fields[] = {
    {"year", FT_INT, F_REQUIRED | F_FILTER | F_SORT},
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"active", FT_BOOL, F_FILTER, .def = "true"},
    {"target", FT_MONEY, F_REQUIRED},
    {"category_ids", FT_IDLIST, 0, .ref = &res_purchase_categories, .def = "[]"},
    {0},
};

static int purchase_budget_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    struct value *year = record_value(rec, "year"), *target = record_value(rec, "target");
    if (year->set && !year->null && (year->i < 1900 || year->i > 9999))
        req_field_error(r, "year", "must be a year (2024)");
    if (target->set && !target->null && target->i < 0)
        req_field_error(r, "target", "must not be negative");
    return r->err_fields ? -1 : 0;
}

const struct resource res_purchase_budget_settings = {
    .name = "purchase_budget_settings",
    .path = "account/purchase_budgets",
    .table = "purchase_budgets",
    .target = "PurchaseBudget",
    .fields = purchase_budget_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_PURCHASES,
    .indexes = "year",
    .before_save = purchase_budget_before_save,
};

/* GET /purchases/budgets?year=2024 (default: this year): each budget of the year with what its
 * categories' purchases of that year have used (net), what is planned (mocod plans no purchases
 * yet: 0) and what remains. */
static int purchase_budgets_get(struct req *r)
{
    const char *y = req_query(r, "year");
    char today[11];
    date_today_in(r->settings.time_zone, today);
    char *end = NULL;
    long year = strtol(y ? y : today, &end, 10);
    if (y && (!*y || *end || year < 1900 || year > 9999))
        return req_fail(r, 422, "year", "must be a year (2024)");
    char from[16], to[16];
    snprintf(from, sizeof from, "%04ld-01-01", year);
    snprintf(to, sizeof to, "%04ld-12-31", year);
    /* what each category used in the year */
    db_param up[3] = {dbp_int(r->account_id), dbp_text(from), dbp_text(to)};
    db_stmt *s = db_query(r->db,
                          "SELECT i.category_id, SUM(i.net_total) FROM purchase_items i JOIN "
                          "purchases p ON p.id = i.purchase_id AND p.account_id = i.account_id "
                          "WHERE i.account_id = ? AND p.date >= ? AND p.date <= ? AND "
                          "i.category_id IS NOT NULL GROUP BY i.category_id",
                          up, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int nused = 0, cap = 64, rc;
    int64_t *cat = arena_alloc(r->arena, (size_t)cap * sizeof(int64_t));
    int64_t *used = arena_alloc(r->arena, (size_t)cap * sizeof(int64_t));
    while ((rc = db_step(s)) == DB_ROW) {
        if (nused == cap) {
            int64_t *c2 = arena_alloc(r->arena, (size_t)cap * 2 * sizeof(int64_t));
            int64_t *u2 = arena_alloc(r->arena, (size_t)cap * 2 * sizeof(int64_t));
            memcpy(c2, cat, (size_t)cap * sizeof(int64_t));
            memcpy(u2, used, (size_t)cap * sizeof(int64_t));
            cat = c2;
            used = u2;
            cap *= 2;
        }
        cat[nused] = db_col_i64(s, 0);
        used[nused++] = db_col_i64(s, 1);
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    db_param bp[2] = {dbp_int(r->account_id), dbp_int(year)};
    s = db_query(r->db,
                 "SELECT id, title, active, target, category_ids FROM purchase_budgets WHERE "
                 "account_id = ? AND year = ? ORDER BY id",
                 bp, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    strbuf *o = &r->out;
    sb_addc(o, '[');
    int n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t target = db_col_i64(s, 3), spent = 0;
        json_t *ids = db_col_text(s, 4) ? json_loads(db_col_text(s, 4), 0, NULL) : NULL;
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            for (int k = 0; k < nused; k++)
                if (cat[k] == json_integer_value(v))
                    spent += used[k]; /* sums of stored amounts: far below the int64 range */
        }
        json_decref(ids);
        char digits[MONEY_BUF];
        sb_adds(o, n++ ? ",{\"id\":\"" : "{\"id\":\"");
        sb_add_i64(o, db_col_i64(s, 0));
        sb_addf(o, "\",\"year\":%ld,\"title\":", year);
        const char *title = db_col_text(s, 1) ? db_col_text(s, 1) : "";
        sb_add_json_str(o, title, strlen(title));
        sb_adds(o, db_col_i64(s, 2) ? ",\"active\":true" : ",\"active\":false");
        sb_adds(o, ",\"target\":");
        sb_add(o, digits, money_format(target, 2, digits));
        sb_adds(o, ",\"exhaused\":"); /* sic: the documented key */
        sb_add(o, digits, money_format(spent, 2, digits));
        sb_adds(o, ",\"planned\":0.0,\"remaining\":");
        sb_add(o, digits, money_format(target - spent, 2, digits));
        sb_addc(o, '}');
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

const struct route_decl purchase_routes[] = {
    {"GET", "purchases/budgets", purchase_budgets_get, 0, AREA_PURCHASES},
    {0},
};

/* ------------------------------------------------------------- drafts */

/* Purchase drafts (purchase_drafts.md): a title and the document, to be booked later. MOCO fills
 * email_from and email_body for drafts that came by mail, and net and gross totals from the
 * document: mocod reads neither mails nor documents, so they stay null. */
static const struct field purchase_draft_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"email_from", FT_TEXT, F_READONLY},
    {"email_body", FT_TEXT, F_READONLY},
    {"user", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"file_url", FT_FILE, 0, .input = "file"},
    {"net_total", FT_MONEY, F_READONLY},
    {"gross_total", FT_MONEY, F_READONLY},
    {0},
};

/* GET /purchases/drafts/{id}.pdf: the document when it is a PDF, else 204 No Content. */
static int purchase_draft_pdf(struct req *r, struct action_call *call)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(call->id)};
    db_stmt *s = db_query(r->db,
                          "SELECT a.filename, CASE WHEN a.blob_id IS NULL THEN a.data ELSE b.data "
                          "END FROM attachments a LEFT JOIN attachment_blobs b ON b.id = "
                          "a.blob_id WHERE a.account_id = ? AND a.entity = "
                          "'Purchase::Draft.file_url' AND a.entity_id = ? ORDER BY a.id DESC",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    const char *data = rc == DB_ROW ? db_col_text(s, 1) : NULL;
    size_t len = data ? db_col_len(s, 1) : 0;
    if (rc != DB_ROW && rc != DB_DONE) {
        db_done(s);
        return req_fail(r, 500, NULL, "database error");
    }
    if (!data || len < 5 || memcmp(data, "%PDF-", 5) != 0) {
        db_done(s);
        r->status = 204;
        return 0;
    }
    /* the name as a quoted-string: no quotes, backslashes or control characters */
    char *name = arena_strdup(r->arena, db_col_text(s, 0) ? db_col_text(s, 0) : "document.pdf");
    for (char *c = name; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '_';
    sb_reset(&r->out);
    sb_add(&r->out, data, len);
    db_done(s);
    req_add_header(r, "Content-Type", "application/pdf");
    req_add_header(r, "Content-Disposition",
                   arena_printf(r->arena, "inline; filename=\"%s\"", name));
    return 0;
}

static const struct action purchase_draft_actions[] = {
    {"GET", "pdf", .answer = ANSWER_OWN, .render = purchase_draft_pdf},
    {0},
};

const struct resource res_purchase_drafts = {
    .name = "purchase_drafts",
    .path = "purchases/drafts",
    .table = "purchase_drafts",
    .target = "Purchase::Draft",
    .fields = purchase_draft_fields,
    .actions = purchase_draft_actions,
    .flags = R_WEBHOOKS | R_NO_UPDATE, /* MOCO has no update of a draft */
    .write_area = AREA_PURCHASES,
    .read_area = AREA_PURCHASES,
};
