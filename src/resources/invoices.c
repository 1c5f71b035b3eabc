/* Invoices (sections/invoices.md) with their items: created with their items, numbered from the
 * account's sequence, totals exact (each line rounded to the cent, then summed), activities and
 * project expenses of items billed by the invoice and released when a draft goes. */
#include "resources/resources.h"

#include "util/money.h"

#include <stdlib.h>
#include <string.h>

static const char *const invoice_statuses[] = {"draft", "created", "sent",    "partially_paid",
                                               "paid",  "overdue", "ignored", NULL};
/* the states update_status may set (the others follow from payments, or come with create) */
static const char *const settable_statuses[] = {"created", "sent", "overdue", "ignored", NULL};
static const char *const address_changes[] = {"invoice", "project", "customer", NULL};
static const char *const invoice_subtotal_types[] = {"part_total", "sub_total", NULL};

/* ------------------------------------------------------------- items */

static const struct field invoice_item_fields[] = {
    {"type", FT_ENUM, 0, .options = document_item_types, .def = "\"item\""},
    {"title", FT_TEXT, 0, .maxlen = 1000},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {"description", FT_TEXT},
    {"quantity", FT_DECIMAL},
    {"unit", FT_TEXT, 0, .maxlen = 64},
    {"unit_price", FT_MONEY},
    {"net_total", FT_MONEY}, /* given, else quantity x unit_price (items_line_total) */
    {"service_type", FT_ENUM, 0, .options = document_service_types, .def = "\"service\""},
    {"optional", FT_BOOL, 0, .def = "false"},   /* not billed, not in the total */
    {"additional", FT_BOOL, 0, .def = "false"}, /* an expense position */
    {"revenue_category_id", FT_INT, F_WRITEONLY},
    /* of a subtotal line: part_total (since the last subtotal) or sub_total (since the start) */
    {"subtotal_type", FT_ENUM, F_WRITEONLY, .options = invoice_subtotal_types},
    {0},
};

/* What an item bills: the rows named by its activity_ids and expense_ids. */
static const struct billed_kind {
    const char *key; /* the item's input */
    const struct resource *res;
    const char *noun;
} billed_kinds[] = {
    {"activity_ids", &res_activities, "activity"},
    {"expense_ids", &res_project_expenses, "expense"},
};
#define NBILLED_KINDS (sizeof(billed_kinds) / sizeof(billed_kinds[0]))

/* The rows of an item's list are billed by the invoice: not billed before, of the invoice's
 * customer (and of its project, when it has one). Each gets billed and the invoice's id. */
static int bill_rows(struct req *r, struct record *rec, int64_t invoice,
                     const struct billed_kind *k)
{
    json_t *ids = json_object_get(rec->input, k->key);
    if (!ids || json_is_null(ids))
        return 0;
    if (!json_is_array(ids) || json_array_size(ids) > 10000) {
        req_field_error(r, k->key, "must be a list of at most 10000 %s ids", k->noun);
        return -1;
    }
    int64_t customer = engine_stored_int(r, &res_invoices, invoice, "customer_id");
    int64_t project = engine_stored_int(r, &res_invoices, invoice, "project_id");
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_is_integer(v) ? json_integer_value(v) : 0;
        if (!id || !engine_exists(r, k->res, id)) {
            req_field_error(r, k->key, "%s %lld does not exist", k->noun, (long long)id);
            return -1;
        }
        if (engine_stored_int(r, k->res, id, "billed")) {
            req_field_error(r, k->key, "%s %lld is billed already", k->noun, (long long)id);
            return -1;
        }
        if (engine_stored_int(r, k->res, id, "customer_id") != customer) {
            req_field_error(r, k->key, "%s %lld is not of the invoice's customer", k->noun,
                            (long long)id);
            return -1;
        }
        if (project && engine_stored_int(r, k->res, id, "project_id") != project) {
            req_field_error(r, k->key, "%s %lld is not of the invoice's project", k->noun,
                            (long long)id);
            return -1;
        }
        struct column_value bill[] = {{"billed", dbp_int(1)}, {"invoice_id", dbp_int(invoice)}};
        if (engine_set_columns(r, k->res, id, bill, 2, true))
            return -1;
    }
    return 0;
}

/* An item that bills expenses is an expense (service_type), unless it says otherwise. */
static int invoice_item_before_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *expenses = json_object_get(rec->input, "expense_ids");
    struct value *type = record_value(rec, "service_type");
    if (rec->creating && !json_object_get(rec->input, "service_type") && json_is_array(expenses) &&
        json_array_size(expenses) > 0) {
        type->set = true;
        type->null = false;
        type->s = "expense";
    }
    return items_line_total(r, rec, id);
}

static int invoice_item_after_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    for (size_t k = 0; rec->creating && k < NBILLED_KINDS; k++)
        if (bill_rows(r, rec, rec->parent_id, &billed_kinds[k]))
            return -1;
    return 0;
}

const struct resource res_invoice_items = {
    .name = "invoice_items",
    .path = "invoices/{id}/items",
    .table = "invoice_items",
    .target = "InvoiceItem",
    .fields = invoice_item_fields,
    /* items come with their invoice; MOCO has no routes of their own for them */
    .flags = R_NO_LIST | R_NO_GET | R_READONLY,
    .parent = &res_invoices,
    .parent_fk = "invoice_id",
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .before_save = invoice_item_before_save,
    .after_save = invoice_item_after_save,
};

/* ------------------------------------------------------------- invoices */

#define ITEM_FIELDS                                                                                \
    "id,type,title,revenue_category,description,quantity,unit,unit_price,net_total,service_type,"  \
    "optional,additional"

static const struct field invoice_fields[] = {
    {"customer_id", FT_EXPR, 0, .sql = "t.customer_id", .as = FT_INT},
    {"project_id", FT_EXPR, 0, .sql = "t.project_id", .as = FT_INT},
    {"offer_id", FT_INT, F_READONLY},
    {"identifier", FT_TEXT, F_READONLY | F_FILTER | F_SEARCH | F_SORT | F_UNIQUE, .maxlen = 64,
     .sequence = "R{yy}{mm}-{n:3}", .sequence_date = "date"},
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "date_from,date_to"},
    {"due_date", FT_DATE, F_REQUIRED | F_SORT},
    /* "10/2018": the month of the period's start */
    {"service_period", FT_EXPR, 0,
     .sql = "CASE WHEN t.service_period_from IS NULL THEN NULL ELSE substr(t.service_period_from, "
            "6, 2) || '/' || substr(t.service_period_from, 1, 4) END"},
    {"service_period_from", FT_DATE, 0, .range = "service_period_from,"},
    {"service_period_to", FT_DATE, 0, .range = ",service_period_to"},
    {"status", FT_ENUM, F_FILTER | F_MULTI | F_SORT | F_CREATEONLY, .options = invoice_statuses,
     .def = "\"created\""},
    {"reversed", FT_EXPR, 0, .sql = "0", .as = FT_BOOL}, /* mocod makes no reversal invoices */
    {"reversal_invoice_id", FT_EXPR, 0, .sql = "NULL", .as = FT_INT},
    {"reversal", FT_EXPR, 0, .sql = "0", .as = FT_BOOL},
    {"reversed_invoice_id", FT_EXPR, 0, .sql = "NULL", .as = FT_INT},
    {"title", FT_TEXT, F_REQUIRED | F_SEARCH, .maxlen = 255},
    {"recipient_address", FT_TEXT, F_REQUIRED},
    {"currency", FT_TEXT, F_REQUIRED, .maxlen = 3},
    {"net_total", FT_MONEY, F_READONLY, .def = "0"},
    {"tax", FT_DECIMAL, F_REQUIRED, .scale = 2},
    {"tax", FT_EXPR, 0, .sql = "t.tax", .as = FT_DECIMAL, .scale = 2, .group = "vat"},
    {"reverse_charge", FT_EXPR, 0, .sql = "0", .as = FT_BOOL, .group = "vat"},
    {"intra_eu", FT_EXPR, 0, .sql = "0", .as = FT_BOOL, .group = "vat"},
    {"active", FT_EXPR, 0, .sql = "1", .as = FT_BOOL, .group = "vat"},
    {"print_gross_total", FT_EXPR, 0, .sql = "1", .as = FT_BOOL, .group = "vat"},
    {"notice_tax_exemption", FT_EXPR, 0, .sql = "''", .group = "vat"},
    {"notice_tax_exemption_alt", FT_EXPR, 0, .sql = "''", .group = "vat"},
    {"code", FT_EXPR, 0, .sql = "NULL", .group = "vat"},
    {"gross_total", FT_MONEY, F_READONLY, .def = "0"},
    {"discount", FT_DECIMAL, 0, .def = "0", .scale = 2},
    {"creditor_reference", FT_EXPR, 0, .sql = "NULL"},
    {"cash_discount", FT_DECIMAL, 0, .def = "0", .scale = 2},
    {"cash_discount_days", FT_INT, 0, .def = "0"},
    {"debit_number", FT_EXPR, 0, .sql = "NULL", .as = FT_INT},
    {"credit_number", FT_EXPR, 0, .sql = "NULL", .as = FT_INT},
    {"locked", FT_BOOL, F_READONLY | F_FILTER, .def = "false"},
    {"activity_hours_modified", FT_EXPR, 0, .sql = "0", .as = FT_BOOL},
    {"salutation", FT_TEXT, F_LIST_HIDDEN, .def = "\"\""},
    {"footer", FT_TEXT, F_LIST_HIDDEN, .def = "\"\""},
    {"custom_properties", FT_CUSTOM},
    {"tags", FT_TAGS},
    {"file_url", FT_EXPR, 0, .sql = "NULL"},
    {"debt_collection_procedure", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no debt collection */
    {"user", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"items", FT_HAS_MANY, F_WITH_PARENT | F_LIST_HIDDEN, .ref = &res_invoice_items,
     .fk = "invoice_id", .ref_fields = ITEM_FIELDS},
    {"payments", FT_HAS_MANY, F_LIST_HIDDEN, .ref = &res_invoice_payments, .fk = "invoice_id",
     .ref_fields = "id,date,paid_total,currency,created_on,updated_on"},
    {"reminders", FT_HAS_MANY, F_LIST_HIDDEN, .ref = &res_invoice_reminders, .fk = "invoice_id",
     .ref_fields = "id,date,due_date,fee,text,created_on,updated_on"},

    {"customer", FT_REF, F_WRITEONLY | F_REQUIRED | F_RESTRICT | F_CREATEONLY,
     .ref = &res_companies},
    {"project", FT_REF, F_WRITEONLY | F_RESTRICT | F_CREATEONLY, .ref = &res_projects},
    {"internal_contact", FT_REF, F_WRITEONLY, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"change_address", FT_ENUM, F_TRANSIENT, .options = address_changes},
    {"print_detail_columns", FT_BOOL, F_TRANSIENT},
    {"vat_total", FT_MONEY, F_INTERNAL, .def = "0"},
    {"exported", FT_BOOL, F_INTERNAL, .def = "false"}, /* in a bookkeeping export */
    {0},
};

static int invoice_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    struct value *status = record_value(rec, "status");
    if (status->set && !status->null && strcmp(status->s, "created") != 0 &&
        strcmp(status->s, "draft") != 0)
        req_field_error(r, "status", "a new invoice is created or draft");
    const char *date = engine_effective_text(r, rec, id, "date");
    const char *due = engine_effective_text(r, rec, id, "due_date");
    if (date && due && strcmp(due, date) < 0)
        req_field_error(r, "due_date", "must not be before date");
    const char *from = engine_effective_text(r, rec, id, "service_period_from");
    const char *to = engine_effective_text(r, rec, id, "service_period_to");
    if (from && to && strcmp(from, to) > 0)
        req_field_error(r, "service_period_to", "must not be before service_period_from");
    static const char *const percents[] = {"tax", "discount", "cash_discount"};
    for (int i = 0; i < 3; i++) {
        struct value *v = record_value(rec, percents[i]);
        if (v->set && !v->null && (v->i < 0 || v->i > 100 * 100))
            req_field_error(r, percents[i], "must be a percentage between 0 and 100");
    }
    struct value *customer = record_value(rec, "customer");
    if (customer->set && !customer->null) {
        const char *type = engine_stored_text(r, &res_companies, customer->i, "type");
        if (type && strcmp(type, "customer") != 0)
            req_field_error(r, "customer_id", "must be a customer");
    }
    struct value *project = record_value(rec, "project");
    if (project->set && !project->null && customer->set && !customer->null &&
        engine_stored_int(r, &res_projects, project->i, "customer_id") != customer->i)
        req_field_error(r, "project_id", "is not a project of the customer");
    json_t *items = json_object_get(rec->input, "items");
    if (rec->creating && (!json_is_array(items) || json_array_size(items) == 0))
        req_field_error(r, "items", "can't be blank");
    else if (json_is_array(items) && json_array_size(items) > 5000)
        req_field_error(r, "items", "at most 5000 items");
    return r->err_fields ? -1 : 0;
}

static const struct document_kind invoice_kind = {
    &res_invoices,
    "invoice_items",
    "invoice_id",
    "customer_id",
    "i.service_period_from, i.service_period_to",
    "invoice",
    invoice_pdf_extras,
    &res_invoice_items,
};

static int invoice_totals(struct req *r, struct record *rec, int64_t id)
{
    (void)rec;
    return document_totals(r, &invoice_kind, id);
}

/* Only drafts and the newest invoice go (as MOCO); a sent or exported one never. Its activities
 * and expenses are billable again. */
static int invoice_before_delete(struct req *r, int64_t id)
{
    const char *status = engine_stored_text(r, &res_invoices, id, "status");
    bool draft = status && !strcmp(status, "draft");
    if (!draft) {
        if (engine_stored_int(r, &res_invoices, id, "locked"))
            return req_fail(r, 422, "locked", "a locked invoice can't be deleted");
        db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
        int64_t newer = 0;
        if (db_query_i64(r->db,
                         "SELECT COUNT(*) FROM invoices WHERE account_id = ? AND id > ? AND "
                         "status <> 'draft'",
                         p, 2, 0, &newer) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (newer)
            return req_fail(r, 422, "id", "only drafts and the newest invoice can be deleted");
        json_t *reason = r->body ? json_object_get(r->body, "reason") : NULL;
        if (!json_is_string(reason) || !json_string_length(reason))
            return req_fail(r, 422, "reason", "can't be blank: say why the invoice goes");
    }
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    struct column_value release[] = {{"billed", dbp_int(0)}, {"invoice_id", dbp_null()}};
    for (size_t k = 0; k < NBILLED_KINDS; k++) {
        const struct resource *res = billed_kinds[k].res;
        struct entity_list billed;
        if (engine_collect_entities(
                r,
                arena_printf(r->arena,
                             "SELECT '%s', id FROM %s WHERE account_id = ? AND invoice_id = ?",
                             res->target, res->table),
                p, 2, &billed))
            return -1;
        for (int i = 0; i < billed.n; i++)
            if (engine_set_columns(r, res, billed.items[i].id, release, 2, true))
                return -1;
    }
    return 0;
}

/* company_id, project_id, tags; not_booked: true the invoices of no bookkeeping export, false
 * those of one; include_disregarded is accepted (mocod has no disregarded invoices). */
static int invoice_list_filter(struct req *r, struct list_query *q)
{
    if (lq_id_list(q, "company_id", "t.customer_id IN (%s)", 1) ||
        lq_id_list(q, "project_id", "t.project_id IN (%s)", 1))
        return -1;
    static const char *const flags[] = {"not_booked", "include_disregarded"};
    for (int i = 0; i < 2; i++) {
        const char *v = req_query(r, flags[i]);
        if (!v || !*v)
            continue;
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return req_fail(r, 422, flags[i], "must be true or false");
        if (i == 0)
            lq_where(q, strcmp(v, "true") ? "t.exported = 1" : "t.exported = 0");
    }
    return filter_by_tag_names(q, "tags");
}

/* PUT {id}/update_status: the states the docs list; drafts stay drafts. Sent invoices are
 * locked. */
static int update_status_prepare(struct req *r, struct action_call *call)
{
    json_t *s = r->body && json_is_object(r->body) ? json_object_get(r->body, "status") : NULL;
    const char *v = json_is_string(s) ? json_string_value(s) : NULL;
    bool ok = false;
    for (int i = 0; v && settable_statuses[i]; i++)
        ok = ok || !strcmp(v, settable_statuses[i]);
    if (!ok)
        return req_fail(r, 422, "status", "must be one of created, sent, overdue, ignored");
    call->ctx = (void *)v;
    return 0;
}

static int update_status(struct req *r, struct action_call *call)
{
    const char *now = engine_stored_text(r, &res_invoices, call->id, "status");
    if (now && !strcmp(now, "draft"))
        return req_fail(r, 422, "status", "a draft invoice keeps its status");
    /* "the invoice status is set automatically, as soon as a payment is created": while it
     * has payments, they decide */
    if (now && (!strcmp(now, "paid") || !strcmp(now, "partially_paid")))
        return req_fail(r, 422, "status",
                        "a %s invoice keeps its status: its payments set it (delete them first)",
                        now);
    const char *status = call->ctx;
    struct column_value set[] = {
        {"status", dbp_text(status)},
        {"locked", dbp_int(!strcmp(status, "sent") ||
                           engine_stored_int(r, &res_invoices, call->id, "locked"))},
    };
    return engine_set_columns(r, &res_invoices, call->id, set, 2, false);
}

/* GET /invoices/locked: the list, of locked invoices only, with the same filters. */
static int invoices_locked(struct req *r, struct action_call *call)
{
    struct kv *q = arena_calloc(r->arena, (size_t)r->nquery + 1, sizeof(*q));
    int n = 0;
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->query[i].key, "locked") != 0)
            q[n++] = r->query[i];
    q[n++] = (struct kv){"locked", "true"};
    r->query = q;
    r->nquery = n;
    return engine_list(r, call->res);
}

/* ---- the PDF ---- */

/* GET /invoices/{id}.pdf */
static int invoice_pdf(struct req *r, struct action_call *call)
{
    return document_pdf_answer(r, &invoice_kind, call->id);
}

/* GET /invoices/{id}.xml (mocod's addition): the CII XML e-invoice */
static int invoice_xml(struct req *r, struct action_call *call)
{
    return invoice_xml_answer(r, call->id);
}

/* ---- send_email ---- */

/* Before the transaction: the recipients (given, else the project's billing address), the
 * texts with their placeholders filled, and the PDF rendered once. */
int invoice_mail_prepare(struct req *r, int64_t invoice, const char *given[5],
                         struct document_mail *im)
{
    im->to = given[0] && *given[0] ? given[0] : NULL;
    im->cc = given[1];
    im->bcc = given[2];
    if (!im->to && !(given[1] && *given[1]) && !(given[2] && *given[2])) {
        int64_t project = engine_stored_int(r, &res_invoices, invoice, "project_id");
        im->to = project ? engine_stored_text(r, &res_projects, project, "billing_email_to") : NULL;
        im->cc = project ? engine_stored_text(r, &res_projects, project, "billing_email_cc") : NULL;
        if (!im->to || !*im->to) {
            int64_t customer = engine_stored_int(r, &res_invoices, invoice, "customer_id");
            im->to = engine_stored_text(r, &res_companies, customer, "email");
        }
    }
    if (document_mail_finish(
            r, &invoice_kind, invoice, im, given[3], given[4],
            "can't be blank: neither given nor set on the project or the customer"))
        return -1;
    return invoice_mail_einvoice(r, invoice, im);
}

static int send_email_prepare(struct req *r, struct action_call *call)
{
    const char *given[5];
    if (document_mail_input(r, given))
        return -1;
    const char *status = engine_stored_text(r, &res_invoices, call->id, "status");
    if (status && !strcmp(status, "draft"))
        return req_fail(r, 422, "status", "a draft invoice is not sent");
    struct document_mail *im = arena_calloc(r->arena, 1, sizeof(*im));
    if (invoice_mail_prepare(r, call->id, given, im))
        return -1;
    call->ctx = im;
    return 0;
}

/* The mail goes into the outbox with the invoice's change: it is sent, and locked. */
static int send_email(struct req *r, struct action_call *call)
{
    struct document_mail *im = call->ctx;
    if (engine_queue_mail(r, &im->m))
        return -1;
    struct column_value set[] = {{"status", dbp_text("sent")}, {"locked", dbp_int(1)}};
    const char *status = engine_stored_text(r, &res_invoices, call->id, "status");
    bool settled = status && (!strcmp(status, "paid") || !strcmp(status, "partially_paid"));
    return engine_set_columns(r, &res_invoices, call->id, settled ? set + 1 : set, settled ? 1 : 2,
                              false);
}

/* The rows of res the invoice bills, as res's list renders them (its filters and pages too). */
static int list_billed(struct req *r, int64_t invoice, const struct resource *res)
{
    struct kv *q = arena_calloc(r->arena, (size_t)r->nquery + 1, sizeof(*q));
    int n = 0;
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->query[i].key, "invoice_id") != 0)
            q[n++] = r->query[i];
    q[n++] = (struct kv){"invoice_id", arena_printf(r->arena, "%lld", (long long)invoice)};
    r->query = q;
    r->nquery = n;
    return engine_list(r, res);
}

/* GET /invoices/{id}/timesheet: the activities the invoice bills. */
static int invoice_timesheet(struct req *r, struct action_call *call)
{
    return list_billed(r, call->id, &res_activities);
}

/* GET /invoices/{id}/expenses: the project expenses the invoice bills. */
static int invoice_expenses(struct req *r, struct action_call *call)
{
    return list_billed(r, call->id, &res_project_expenses);
}

static int invoice_timesheet_pdf(struct req *r, struct action_call *call)
{
    return document_timesheet_pdf(r, &invoice_kind, call->id);
}

static const struct action invoice_actions[] = {
    {"GET", "timesheet", .answer = ANSWER_OWN, .render = invoice_timesheet},
    {"GET", "timesheet.pdf", .answer = ANSWER_OWN, .render = invoice_timesheet_pdf},
    {"GET", "expenses", .answer = ANSWER_OWN, .render = invoice_expenses},
    {"GET", "pdf", .answer = ANSWER_OWN, .render = invoice_pdf},
    {"GET", "xml", .answer = ANSWER_OWN, .render = invoice_xml}, /* mocod's: the e-invoice */
    {"POST", "send_email", send_email, .prepare = send_email_prepare, .answer = ANSWER_OWN,
     .render = document_mail_answer},
    {"GET", "locked", .flags = A_COLLECTION, .answer = ANSWER_OWN, .render = invoices_locked},
    {"PUT", "update_status", update_status, .prepare = update_status_prepare},
    {0},
};

const struct resource res_invoices = {
    .name = "invoices",
    .path = "invoices",
    .table = "invoices",
    .target = "Invoice",
    .fields = invoice_fields,
    .actions = invoice_actions,
    .flags = R_WEBHOOKS | R_NO_UPDATE,
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .indexes = "customer_id,date;project_id,date;status,date",
    .default_sort = "date",
    .list_filter = invoice_list_filter,
    .before_save = invoice_before_save,
    .after_save = invoice_totals,
    .before_delete = invoice_before_delete,
};

/* ------------------------------------------------------------- payments */

/* The invoice's status follows its payments: paid when they cover the gross total, partially
 * paid when there are some; without any it is back to sent (locked) or created. `leaving`: a
 * payment that is being deleted (not counted). */
static int invoice_settle(struct req *r, int64_t invoice, int64_t leaving)
{
    const char *status = engine_stored_text(r, &res_invoices, invoice, "status");
    if (!status || !strcmp(status, "draft") || !strcmp(status, "ignored"))
        return 0;
    db_param p[3] = {dbp_int(r->account_id), dbp_int(invoice), dbp_int(leaving)};
    int64_t paid = 0;
    if (db_query_i64(r->db,
                     "SELECT COALESCE(SUM(paid_total), 0) FROM invoice_payments WHERE account_id = "
                     "? AND invoice_id = ? AND id <> ?",
                     p, 3, 0, &paid) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    int64_t gross = engine_stored_int(r, &res_invoices, invoice, "gross_total");
    bool settled = !strcmp(status, "paid") || !strcmp(status, "partially_paid");
    const char *now = paid > 0 && paid >= gross                                ? "paid"
                      : paid > 0                                               ? "partially_paid"
                      : !settled                                               ? status
                      : engine_stored_int(r, &res_invoices, invoice, "locked") ? "sent"
                                                                               : "created";
    if (!strcmp(now, status))
        return 0;
    struct column_value set[] = {{"status", dbp_text(now)}};
    return engine_set_columns(r, &res_invoices, invoice, set, 1, true);
}

static const struct field payment_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "date_from,date_to"},
    {"invoice", FT_REF, F_FILTER | F_CREATEONLY | F_RESTRICT, .ref = &res_invoices,
     .ref_fields = "id,identifier,title"},
    {"paid_total", FT_MONEY, F_REQUIRED | F_AS_STRING},
    {"paid_total_in_account_currency", FT_EXPR, F_AS_STRING, .sql = "t.paid_total", .as = FT_MONEY},
    {"currency", FT_TEXT, 0, .maxlen = 3},
    {"description", FT_TEXT, 0, .def = "\"\""},
    /* the invoice's rendering of a payment: its dates */
    {"created_on", FT_EXPR, F_INTERNAL, .sql = "substr(t.created_at, 1, 10)"},
    {"updated_on", FT_EXPR, F_INTERNAL, .sql = "substr(t.updated_at, 1, 10)"},
    {"partially_paid", FT_BOOL, F_TRANSIENT},
    {0},
};

static int payment_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *invoice = record_value(rec, "invoice");
    struct value *currency = record_value(rec, "currency");
    struct value *description = record_value(rec, "description");
    if (description->set && description->null) {
        description->null = false;
        description->s = "";
    }
    if (!id && (!invoice->set || invoice->null)) {
        if (!json_is_string(json_object_get(rec->input, "description")) ||
            !json_string_length(json_object_get(rec->input, "description")))
            req_field_error(r, "description", "can't be blank without invoice_id");
        if (!currency->set || currency->null)
            req_field_error(r, "currency", "can't be blank without invoice_id");
    }
    if (invoice->set && !invoice->null) {
        const char *status = engine_stored_text(r, &res_invoices, invoice->i, "status");
        if (status && !strcmp(status, "draft"))
            req_field_error(r, "invoice_id", "a draft invoice takes no payments");
        if (!currency->set || currency->null) {
            currency->set = true;
            currency->null = false;
            currency->s = engine_stored_text(r, &res_invoices, invoice->i, "currency");
        }
    }
    struct value *paid = record_value(rec, "paid_total");
    if (paid->set && !paid->null && paid->i == 0)
        req_field_error(r, "paid_total", "must not be 0");
    return r->err_fields ? -1 : 0;
}

static int payment_after_save(struct req *r, struct record *rec, int64_t id)
{
    (void)rec;
    int64_t invoice = engine_stored_int(r, &res_invoice_payments, id, "invoice_id");
    return invoice ? invoice_settle(r, invoice, 0) : 0;
}

static int payment_before_delete(struct req *r, int64_t id)
{
    int64_t invoice = engine_stored_int(r, &res_invoice_payments, id, "invoice_id");
    return invoice ? invoice_settle(r, invoice, id) : 0;
}

static const struct action payment_actions[] = {
    {"POST", "bulk", .flags = A_COLLECTION, .bulk = "bulk_data"},
    {0},
};

const struct resource res_invoice_payments = {
    .name = "invoice_payments",
    .path = "invoices/payments",
    .table = "invoice_payments",
    .target = "Invoice::Payment",
    .fields = payment_fields,
    .actions = payment_actions,
    .flags = R_WEBHOOKS,
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .indexes = "invoice_id,date",
    .default_sort = "date",
    .before_save = payment_before_save,
    .after_save = payment_after_save,
    .before_delete = payment_before_delete,
};
