/* Offers (sections/offers.md) with their items: created with their items (from a deal or a
 * project), numbered A<yymm>-<n> from the account's sequence, totals exact as invoices' (see
 * documents.c), assigned to a company, project or deal, their status set to the documented
 * states, sent by mail with their PDF. */
#include "resources/resources.h"

#include <stdlib.h>
#include <string.h>

static const char *const offer_statuses[] = {"created", "sent",     "accepted", "partially_billed",
                                             "billed",  "archived", NULL};
static const char *const subtotal_types[] = {"part_total", "sub_total", "optional_part_total",
                                             "optional_sub_total", NULL};
static const char *const address_changes[] = {"offer", "customer", NULL};

/* ------------------------------------------------------------- items */

static const struct field offer_item_fields[] = {
    {"type", FT_ENUM, 0, .options = document_item_types, .def = "\"item\""},
    {"title", FT_TEXT, 0, .maxlen = 1000},
    {"description", FT_TEXT},
    {"quantity", FT_DECIMAL},
    {"unit", FT_TEXT, 0, .maxlen = 64},
    {"unit_price", FT_MONEY},
    {"unit_cost", FT_MONEY},
    {"net_total", FT_MONEY}, /* given, else quantity x unit_price (items_line_total) */
    {"optional", FT_BOOL, 0, .def = "false"}, /* not in the total */
    {"service_type", FT_ENUM, 0, .options = document_service_types, .def = "\"service\""},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {"subtotal_type", FT_ENUM, F_WRITEONLY, .options = subtotal_types},
    {"additional", FT_BOOL, F_TRANSIENT}, /* true: service_type expense */
    {"revenue_category_id", FT_INT, F_WRITEONLY},
    {0},
};

static int offer_item_before_save(struct req *r, struct record *rec, int64_t id)
{
    json_t *additional = json_object_get(rec->input, "additional");
    struct value *service = record_value(rec, "service_type");
    if (json_is_true(additional)) {
        service->set = true;
        service->null = false;
        service->s = "expense";
    }
    return items_line_total(r, rec, id);
}

const struct resource res_offer_items = {
    .name = "offer_items",
    .path = "offers/{id}/items",
    .table = "offer_items",
    .target = "OfferItem",
    .fields = offer_item_fields,
    /* items come with their offer; MOCO has no routes of their own for them */
    .flags = R_NO_LIST | R_NO_GET | R_READONLY,
    .parent = &res_offers,
    .parent_fk = "offer_id",
    .write_area = AREA_SALES,
    .read_area = AREA_SALES,
    .before_save = offer_item_before_save,
};

/* ------------------------------------------------------------- offers */

#define ITEM_FIELDS                                                                                \
    "id,type,title,description,quantity,unit,unit_price,unit_cost,net_total,optional,"             \
    "service_type,revenue_category"

static const struct field offer_fields[] = {
    {"identifier", FT_TEXT, F_READONLY | F_FILTER | F_SEARCH | F_SORT | F_UNIQUE, .maxlen = 64,
     .sequence = "A{yy}{mm}-{n:3}", .sequence_date = "date"},
    {"invoice_id", FT_INT, F_READONLY}, /* mocod bills no offers yet: null */
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"due_date", FT_DATE, F_REQUIRED | F_SORT},
    {"title", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT, .maxlen = 255},
    {"recipient_address", FT_TEXT, F_REQUIRED},
    {"currency", FT_TEXT, 0, .maxlen = 3}, /* else the project's, deal's or company's */
    {"net_total", FT_MONEY, F_READONLY, .def = "0"},
    {"tax", FT_DECIMAL, F_REQUIRED, .scale = 2},
    {"tax", FT_EXPR, 0, .sql = "t.tax", .as = FT_DECIMAL, .scale = 2, .group = "vat"},
    {"reverse_charge", FT_EXPR, 0, .sql = "0", .as = FT_BOOL, .group = "vat"},
    {"intra_eu", FT_EXPR, 0, .sql = "0", .as = FT_BOOL, .group = "vat"},
    {"active", FT_EXPR, 0, .sql = "1", .as = FT_BOOL, .group = "vat"},
    {"print_gross_total", FT_EXPR, 0, .sql = "1", .as = FT_BOOL, .group = "vat"},
    {"notice_tax_exemption", FT_EXPR, 0, .sql = "''", .group = "vat"},
    {"notice_tax_exemption_alt", FT_EXPR, 0, .sql = "''", .group = "vat"},
    {"code", FT_EXPR, 0, .sql = "''", .group = "vat"},
    {"gross_total", FT_MONEY, F_READONLY, .def = "0"},
    {"discount", FT_DECIMAL, 0, .def = "0", .scale = 2},
    {"status", FT_ENUM, F_FILTER | F_MULTI | F_SORT | F_CREATEONLY, .options = offer_statuses,
     .def = "\"created\""},
    {"salutation", FT_TEXT, F_LIST_HIDDEN, .def = "\"\""},
    {"footer", FT_TEXT, F_LIST_HIDDEN, .def = "\"\""},
    {"tags", FT_TAGS},
    {"custom_properties", FT_CUSTOM},
    {"company", FT_REF, F_RESTRICT, .ref = &res_companies, .ref_fields = "id,name"},
    {"project", FT_REF, F_RESTRICT, .ref = &res_projects, .ref_fields = "id,identifier,name"},
    {"deal", FT_REF, F_RESTRICT, .ref = &res_deals, .ref_fields = "id,name"},
    {"user", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    /* mocod has no offer confirmations yet */
    {"offer_confirmation", FT_EXPR, 0, .sql = "NULL"},
    /* set by its first activation (offer_approvals.c) */
    {"customer_approval", FT_REF, F_READONLY, .column = "customer_approval_id",
     .ref = &res_offer_customer_approvals, .ref_fields = "id,active,url"},
    {"items", FT_HAS_MANY, F_WITH_PARENT | F_LIST_HIDDEN, .ref = &res_offer_items, .fk = "offer_id",
     .ref_fields = ITEM_FIELDS},

    {"contact", FT_REF, F_WRITEONLY | F_CREATEONLY, .ref = &res_contacts,
     .ref_fields = "id,firstname,lastname"},
    {"internal_contact", FT_REF, F_WRITEONLY, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"change_address", FT_ENUM, F_TRANSIENT, .options = address_changes},
    {"print_detail_columns", FT_BOOL, F_TRANSIENT},
    {"vat_total", FT_MONEY, F_INTERNAL, .def = "0"},
    {0},
};

const struct document_kind offer_document_kind = {
    &res_offers,  "offer_items", "offer_id", "company_id",
    "NULL, NULL", "offer",       NULL,       &res_offer_items,
};

static void set_value(struct value *v, int64_t i, const char *s)
{
    v->set = true;
    v->null = false;
    v->i = i;
    v->s = s;
}

/* The currency of the project and the deal must be the offer's; without one given it is
 * theirs, else the company's. A project's customer is the offer's company; a deal's company is
 * when neither a company nor a project is given. */
static int offer_before_save(struct req *r, struct record *rec, int64_t id)
{
    const char *date = engine_effective_text(r, rec, id, "date");
    const char *due = engine_effective_text(r, rec, id, "due_date");
    if (date && due && strcmp(due, date) < 0)
        req_field_error(r, "due_date", "must not be before date");
    static const char *const percents[] = {"tax", "discount"};
    for (int i = 0; i < 2; i++) {
        struct value *v = record_value(rec, percents[i]);
        if (v->set && !v->null && (v->i < 0 || v->i > 100 * 100))
            req_field_error(r, percents[i], "must be a percentage between 0 and 100");
    }
    struct value *company = record_value(rec, "company");
    struct value *project = record_value(rec, "project");
    struct value *deal = record_value(rec, "deal");
    struct value *currency = record_value(rec, "currency");
    bool has_project = project->set && !project->null;
    bool has_deal = deal->set && !deal->null;
    const char *wanted = currency->set && !currency->null ? currency->s : NULL;
    const char *pc =
        has_project ? engine_stored_text(r, &res_projects, project->i, "currency") : NULL;
    const char *dc = has_deal ? engine_stored_text(r, &res_deals, deal->i, "currency") : NULL;
    if (has_project)
        set_value(company, engine_stored_int(r, &res_projects, project->i, "customer_id"), NULL);
    else if (has_deal && !(company->set && !company->null)) {
        int64_t c = engine_stored_int(r, &res_deals, deal->i, "company_id");
        if (c)
            set_value(company, c, NULL);
    }
    if (has_project && has_deal && pc && dc && strcmp(pc, dc) != 0)
        req_field_error(r, "deal_id", "has another currency than the project");
    if (wanted && pc && strcmp(wanted, pc) != 0)
        req_field_error(r, "currency", "must be the project's currency (%s)", pc);
    if (wanted && dc && strcmp(wanted, dc) != 0)
        req_field_error(r, "currency", "must be the deal's currency (%s)", dc);
    if (!wanted) {
        const char *cc = company->set && !company->null
                             ? engine_stored_text(r, &res_companies, company->i, "currency")
                             : NULL;
        const char *c = pc ? pc : dc ? dc : cc && *cc ? cc : NULL;
        if (c)
            set_value(currency, 0, c);
        else if (rec->creating)
            req_field_error(r, "currency", "can't be blank without a company, deal or project");
    }
    json_t *items = json_object_get(rec->input, "items");
    if (rec->creating && (!json_is_array(items) || json_array_size(items) == 0))
        req_field_error(r, "items", "can't be blank");
    else if (json_is_array(items) && json_array_size(items) > 5000)
        req_field_error(r, "items", "at most 5000 items");
    return r->err_fields ? -1 : 0;
}

static int offer_totals(struct req *r, struct record *rec, int64_t id)
{
    (void)rec;
    return document_totals(r, &offer_document_kind, id);
}

/* deal_id, project_id, company_id: single ids or comma-separated lists. */
static int offer_list_filter(struct req *r, struct list_query *q)
{
    (void)r;
    if (lq_id_list(q, "deal_id", "t.deal_id IN (%s)", 1) ||
        lq_id_list(q, "project_id", "t.project_id IN (%s)", 1) ||
        lq_id_list(q, "company_id", "t.company_id IN (%s)", 1))
        return -1;
    return 0;
}

/* ---- PUT {id}/assign: company_id, project_id, deal_id (the project's customer wins) ---- */

struct assignment {
    int64_t ids[3];
    bool given[3];
};
static const char *const assign_keys[] = {"company_id", "project_id", "deal_id"};

static int assign_prepare(struct req *r, struct action_call *call)
{
    json_t *b = r->body && json_is_object(r->body) ? r->body : NULL;
    struct assignment *a = arena_calloc(r->arena, 1, sizeof(*a));
    for (int i = 0; i < 3; i++) {
        json_t *v = b ? json_object_get(b, assign_keys[i]) : NULL;
        if (!v || json_is_null(v))
            continue;
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            req_field_error(r, assign_keys[i], "must be an id");
            continue;
        }
        a->ids[i] = json_integer_value(v);
        a->given[i] = true;
    }
    if (r->err_fields)
        return -1;
    if (!a->given[0] && !a->given[1] && !a->given[2])
        return req_fail(r, 422, "project_id", "give a company_id, project_id or deal_id");
    call->ctx = a;
    return 0;
}

static int assign(struct req *r, struct action_call *call)
{
    struct assignment *a = call->ctx;
    const struct resource *kinds[3] = {&res_companies, &res_projects, &res_deals};
    for (int i = 0; i < 3; i++)
        if (a->given[i] && !engine_exists(r, kinds[i], a->ids[i]))
            return req_fail(r, 422, assign_keys[i], "does not exist");
    struct column_value set[3];
    int n = 0;
    if (a->given[1]) {
        set[n++] = (struct column_value){"project_id", dbp_int(a->ids[1])};
        set[n++] = (struct column_value){
            "company_id", dbp_int(engine_stored_int(r, &res_projects, a->ids[1], "customer_id"))};
    } else if (a->given[0]) {
        set[n++] = (struct column_value){"company_id", dbp_int(a->ids[0])};
    }
    if (a->given[2])
        set[n++] = (struct column_value){"deal_id", dbp_int(a->ids[2])};
    return engine_set_columns(r, &res_offers, call->id, set, n, false);
}

/* ---- the PDF, send_email ---- */

static int offer_pdf(struct req *r, struct action_call *call)
{
    return document_pdf_answer(r, &offer_document_kind, call->id);
}

/* Before the transaction: the recipients (given, else the offer's contact, else the
 * customer's address), the texts with their placeholders filled, the PDF rendered once. */
static int send_email_prepare(struct req *r, struct action_call *call)
{
    const char *given[5];
    if (document_mail_input(r, given))
        return -1;
    struct document_mail *dm = arena_calloc(r->arena, 1, sizeof(*dm));
    dm->to = given[0] && *given[0] ? given[0] : NULL;
    dm->cc = given[1];
    dm->bcc = given[2];
    if (!dm->to && !(given[1] && *given[1]) && !(given[2] && *given[2])) {
        int64_t contact = engine_stored_int(r, &res_offers, call->id, "contact_id");
        dm->to = contact ? engine_stored_text(r, &res_contacts, contact, "work_email") : NULL;
        if (!dm->to || !*dm->to) {
            int64_t company = engine_stored_int(r, &res_offers, call->id, "company_id");
            dm->to = company ? engine_stored_text(r, &res_companies, company, "email") : NULL;
        }
    }
    if (document_mail_finish(r, &offer_document_kind, call->id, dm, given[3], given[4],
                             "can't be blank: neither given nor set on the contact or the company"))
        return -1;
    call->ctx = dm;
    return 0;
}

/* The mail goes into the outbox with the offer's change: a created offer is sent. */
static int send_email(struct req *r, struct action_call *call)
{
    struct document_mail *dm = call->ctx;
    if (engine_queue_mail(r, &dm->m))
        return -1;
    const char *status = engine_stored_text(r, &res_offers, call->id, "status");
    if (!status || strcmp(status, "created") != 0)
        return 0;
    struct column_value set[] = {{"status", dbp_text("sent")}};
    return engine_set_columns(r, &res_offers, call->id, set, 1, false);
}

static const struct col_set status_set[] = {{"status", .field = "status"}, {0}};

static const struct action offer_actions[] = {
    {"GET", "pdf", .answer = ANSWER_OWN, .render = offer_pdf},
    {"PUT", "assign", assign, .prepare = assign_prepare},
    {"PUT", "update_status", .set = status_set},
    {"POST", "send_email", send_email, .prepare = send_email_prepare, .answer = ANSWER_OWN,
     .render = document_mail_answer},
    /* the customer approval (offer_approvals.c); the docs' curl of deactivate uses PUT */
    {"POST", "customer_approval/activate", offer_approval_activate, .answer = ANSWER_OWN,
     .render = offer_approval_answer},
    {"PUT", "customer_approval/activate", offer_approval_activate, .answer = ANSWER_OWN,
     .render = offer_approval_answer},
    {"POST", "customer_approval/deactivate", offer_approval_deactivate, .answer = ANSWER_OWN,
     .render = offer_approval_answer},
    {"PUT", "customer_approval/deactivate", offer_approval_deactivate, .answer = ANSWER_OWN,
     .render = offer_approval_answer},
    {0},
};

const struct resource res_offers = {
    .name = "offers",
    .path = "offers",
    .table = "offers",
    .target = "Offer",
    .fields = offer_fields,
    .actions = offer_actions,
    .flags = R_WEBHOOKS | R_NO_UPDATE,
    .write_area = AREA_SALES,
    .read_area = AREA_SALES,
    .indexes = "company_id,date;project_id,date;deal_id,date;status,date",
    .default_sort = "date",
    .list_filter = offer_list_filter,
    .before_save = offer_before_save,
    .after_save = offer_totals,
};

/* ------------------------------------------------------------- attachments */

/* POST /offers/{id}/attachments {"attachment": {"filename", "base64"}}: a PDF kept with the
 * offer; listed and deleted below it. */
static const struct field offer_attachment_fields[] = {
    DOCUMENT_ATTACHMENT_FIELDS("Offer::Attachment.url"),
};

const struct resource res_offer_attachments = {
    .name = "offer_attachments",
    .path = "offers/{id}/attachments",
    .table = "offer_attachments",
    .target = "Offer::Attachment",
    .fields = offer_attachment_fields,
    .flags = R_NO_GET | R_NO_UPDATE,
    .parent = &res_offers,
    .parent_fk = "offer_id",
    .write_area = AREA_SALES,
    .read_area = AREA_SALES,
    .before_save = document_attachment_is_pdf,
};
