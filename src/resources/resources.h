/* Declarations of every resource, and the small helpers that several of them share. */
#ifndef MOCOD_RESOURCES_H
#define MOCOD_RESOURCES_H

#include "engine/engine.h"

extern const struct resource res_users;
extern const struct resource res_profile;
extern const struct resource res_units;
extern const struct resource res_user_roles;
extern const struct resource res_custom_properties;
extern const struct resource res_tags;
extern const struct resource res_web_hooks;
extern const struct resource res_companies;
extern const struct resource res_contacts;
extern const struct resource res_deal_categories;
extern const struct resource res_deals;
extern const struct resource res_project_groups;
extern const struct resource res_projects;
extern const struct resource res_project_tasks;
extern const struct resource res_project_contracts;
extern const struct resource res_project_payment_schedules;
extern const struct resource res_project_expenses;
extern const struct resource res_recurring_expenses;
extern const struct resource res_task_templates;
extern const struct resource res_catalog_services;
extern const struct resource res_catalog_items;
extern const struct resource res_comments;
extern const struct resource res_web_hook_deliveries;
extern const struct resource res_mails;
extern const struct resource res_activities;
extern const struct resource res_invoices;
extern const struct resource res_invoice_items;
extern const struct resource res_invoice_payments;
extern const struct resource res_invoice_reminders;
extern const struct resource res_invoice_attachments;
extern const struct resource res_invoice_bookkeeping_exports;
extern const struct resource res_offers;
extern const struct resource res_offer_items;
extern const struct resource res_offer_attachments;
extern const struct resource res_offer_customer_approvals;
extern const struct resource res_schedules;
extern const struct resource res_planning_entries;

/* Absence seconds of user on date from schedules: full day = target, half day = half (codes as
 * documented). codes: the absence codes to count, as bits (1u << ABSENCE_SICK_DAY | ...); 0: all.
 * An absence is a row of table schedules: absence_code 1..5, am and pm (0/1), user_id, date. */
enum absence_code {
    ABSENCE_UNPLANNABLE = 1,
    ABSENCE_PUBLIC_HOLIDAY = 2,
    ABSENCE_SICK_DAY = 3,
    ABSENCE_HOLIDAY = 4, /* vacation */
    ABSENCE_OTHER = 5,
};
int schedule_absence_seconds(struct req *r, int64_t user_id, const char *date, int64_t target,
                             unsigned codes, int64_t *seconds);
extern const struct resource res_presences;
extern const struct resource res_holidays;
extern const struct resource res_employments;
extern const struct resource res_work_time_adjustments;
extern const struct resource res_vat_code_sales;
extern const struct resource res_vat_code_purchases;
extern const struct resource res_letter_papers;
extern const struct resource res_receipts;
extern const struct resource res_receipt_items;
extern const struct resource res_expense_templates;
extern const struct resource res_fixed_costs;
extern const struct resource res_fixed_cost_amounts;
/* An update's children given in full (a receipt's items): the stored ones go, these are
 * inserted (problems named "key[2].field"), inside the caller's transaction. */
int replace_children(struct req *r, const struct resource *child, int64_t parent, const char *key,
                     json_t *items);
/* A new account's VAT codes and letter paper (vat_codes.c): 0, or -1 on a database error. */
int vat_defaults_seed(db_conn *c, int64_t account, const char *now);
extern const struct resource res_purchase_categories;
extern const struct resource res_purchases;
extern const struct resource res_purchase_items;
extern const struct resource res_purchase_payments;
extern const struct resource res_purchase_bookkeeping_exports;
extern const struct resource res_purchase_budget_settings;
extern const struct resource res_purchase_drafts;
extern const struct route_decl purchase_routes[];
/* A new account's purchase categories (purchases.c): 0, or -1 on a database error. */
int purchase_categories_seed(db_conn *c, int64_t account, const char *now);

/* The registry of every resource and custom route (registry.c); main hands it to the engine. */
extern const struct resource *const all_resources[];
extern const struct route_decl *const all_routes[];
extern const struct view *const all_views[];
extern const struct registry mocod_registry;

extern const struct route_decl tagging_routes[];
extern const struct route_decl hourly_rate_routes[];
/* Offer customer approvals (offer_approvals.c): GET /offers/{id}/customer_approval, the public
 * page, its form and the PDF; the actions activate and deactivate of the offers. */
extern const struct route_decl offer_approval_routes[];
int offer_approval_activate(struct req *r, struct action_call *call);
int offer_approval_deactivate(struct req *r, struct action_call *call);
int offer_approval_answer(struct req *r, struct action_call *call);

/* The account's hourly rate for an activity whose project gives none, in money units (scale 2):
 * the customer's (company_id) own rates first, then the global ones. variant "task": the rate of
 * the task template named task_name; "user": the rate of user_id; "project" or no such rate: the
 * default of the currency. *units = 0 when the account has none. 0, or -1 with req_fail on a
 * database error. */
int account_hourly_rate(struct req *r, const char *variant, int64_t company_id,
                        const char *currency, const char *task_name, int64_t user_id,
                        int64_t *units);

/* The entity kinds that tags and taggings name. */
extern const char *const tag_contexts[];

/* The HTML clean-up of comments: keeps the tags MOCO keeps (without attributes) and the text of
 * all others; a '<' that starts no tag stays text, escaped. Linear time: *scanned (when not NULL)
 * gets the number of bytes looked at, at most twice the length of the text. */
char *comment_clean_html(arena *a, const char *in, size_t *scanned);

/* before_save of document items (catalog, invoices, offers): an item created without net_total
 * gets quantity x unit_price, rounded to the cent half away from zero; without both, 0. */
int items_line_total(struct req *r, struct record *rec, int64_t id);
/* A disregard's body (common.c): ids_key's list of ids and the reason, problems named. */
struct disregard_input {
    int64_t *ids;
    int n;
    const char *reason;
};
void disregard_input(struct req *r, const char *ids_key, struct disregard_input *d);
/* before_save of a bookkeeping export (common.c): its documents' checks, from and to. */
int bookkeeping_export_dates(struct req *r, struct record *rec, const char *ids_field,
                             const struct resource *docs, const char *noun);
/* Project expenses and recurring expenses (project_expenses.c): a new row takes its project's
 * currency (and customer, where the resource has `company`); 422 on an archived project. price
 * and cost from quantity x unit_price and unit_cost, rounded to the cent. */
int expense_take_project(struct req *r, struct record *rec);
int expense_amounts(struct req *r, struct record *rec, int64_t id);
/* The JSON copy of a purchase category an item keeps (purchases.c): {id, name[, credit_account]}.
 */
int purchase_category_json(struct req *r, int64_t id, bool account, const char **json,
                           bool *active);
/* POST .../recurring_expenses/{id}/recur inside a write: the due expenses up to today. */
int recurring_expense_recur(struct req *r, int64_t id);

/* The fields of a document's attachments (invoices, offers): a PDF sent as
 * {"attachment": {"filename", "base64"}}, rendered as {id, filename, size, url}. entity: the
 * resource's target followed by ".url" (where the engine keeps the file). */
#define DOCUMENT_ATTACHMENT_FIELDS(entity)                                                         \
    {"filename", FT_EXPR, 0,                                                                       \
     .sql = "(SELECT f.filename FROM attachments f WHERE f.account_id = t.account_id AND "         \
            "f.entity = '" entity "' AND f.entity_id = t.id)"},                                    \
        {"size", FT_EXPR, 0,                                                                       \
         .sql = "(SELECT f.size FROM attachments f WHERE f.account_id = t.account_id AND "         \
                "f.entity = '" entity "' AND f.entity_id = t.id)",                                 \
         .as = FT_INT},                                                                            \
        {"url", FT_FILE, F_REQUIRED | F_CREATEONLY, .input = "attachment"},                        \
    {                                                                                              \
        0                                                                                          \
    }
/* before_save of those: only PDFs. */
int document_attachment_is_pdf(struct req *r, struct record *rec, int64_t id);

const char *check_email(const char *s);
const char *check_hex_color(const char *s);
/* Target seconds of user on date (YYYY-MM-DD) from the employment valid that day (0 without one).
 */
int employment_target_seconds(struct req *r, int64_t user_id, const char *date, int64_t *seconds);
/* GET /users/{id}/performance_report (performance_report.c): the render of res_users' action. */
int users_performance_report(struct req *r, struct action_call *call);
/* Target seconds of user on each of ndays days from first (performance_report.c): the
 * employment's pattern (into employment[], may be NULL) less holidays and public holidays (into
 * target[]), half days halved. A few queries per employment, whatever the range. */
int user_day_targets(struct req *r, int64_t user, const char *first, int ndays, int64_t *employment,
                     int64_t *target);
/* The reports (reports.c): GET /projects/{id}/report and /report/... */
extern const struct view report_views[];
/* ?param=a, b: rows tagged with any of the names (in the resource's tag context). */
int filter_by_tag_names(struct list_query *q, const char *param);
/* The same with the tags of another kind of entity (context "Project"), whose id is id_sql (an
 * SQL expression over t from the declaration, "t.project_id"). */
int filter_by_tags_of(struct list_query *q, const char *param, const char *context,
                      const char *id_sql);
/* Whether the caller decides what is billed of the project (activities.c): administrators,
 * whoever may invoice, and the project's leaders. 0, or -1 on a database error. */
int project_may_bill(struct req *r, int64_t project, bool *yes);

/* ---- Documents (documents.c): what invoices and offers share ---- */
extern const char *const document_item_types[];    /* title, description, item, subtotal, ... */
extern const char *const document_service_types[]; /* service, expense */
struct pdf_doc;
struct document_kind {
    const struct resource *res; /* &res_invoices, &res_offers: columns identifier, date,
                                   due_date, title, recipient_address, salutation, footer,
                                   currency, tax, discount, net_total, vat_total, gross_total */
    const char *items_table;    /* "invoice_items": type, title, ..., net_total, optional */
    const char *fk;             /* the items' column of the document: "invoice_id" */
    const char *company_column; /* "customer_id" */
    const char *period_sql;     /* two SQL expressions over i: the service period's from, to */
    const char *noun;           /* "invoice": in messages, the PDF's name without identifier */
    /* may be NULL: called with the PDF's description before it is rendered (an invoice's
     * e-invoice: the embedded factur-x.xml) */
    int (*pdf_extras)(struct req *r, int64_t id, struct pdf_doc *doc);
    const struct resource *items; /* &res_invoice_items: subtotal lines are set through it */
};
/* after_save: each subtotal line's net_total, and the document's net_total, vat_total and
 * gross_total, from the stored items (see documents.c). */
int document_totals(struct req *r, const struct document_kind *k, int64_t id);
/* HTML snippet as the PDF's text; an amount at scale as text ("12.50 EUR" with currency). */
char *document_html_text(struct req *r, const char *html);
const char *document_amount(struct req *r, const char *units, int scale, const char *currency);
/* The letter paper's texts for a document of template ("invoice", "offer", "timesheet"), from
 * ?blank and ?letter_paper_id (see documents.c); header and footer NULL: none. */
int document_letter_paper(struct req *r, const char *template, const char *sender,
                          const char **header, const char **footer);
/* The document and its items as a PDF appended to out (*identifier: its file name's stem). */
int document_render_pdf(struct req *r, const struct document_kind *k, int64_t id, strbuf *out,
                        const char **identifier);
/* The render of the "pdf" action (GET /{documents}/{id}.pdf). */
int document_pdf_answer(struct req *r, const struct document_kind *k, int64_t id);
/* GET /invoices/{id}/timesheet.pdf: the billed activities as a PDF (404 without any). */
int document_timesheet_pdf(struct req *r, const struct document_kind *k, int64_t id);
const char *const *document_address_list(struct req *r, const char *v, int *n);
const char *document_fill_placeholders(struct req *r, const struct document_kind *k, int64_t id,
                                       const char *text);
struct document_mail {
    struct mail m;
    struct mail_attachment files[2]; /* the PDF, and an invoice's XML (x_invoice) */
    const char *to, *cc, *bcc;       /* as given or chosen, ";"-separated: the answer */
};
int document_mail_input(struct req *r, const char *given[5]);
int document_mail_finish(struct req *r, const struct document_kind *k, int64_t id,
                         struct document_mail *dm, const char *subject, const char *text,
                         const char *blank);
int document_mail_answer(struct req *r, struct action_call *call);
extern const struct document_kind offer_document_kind; /* offers.c */
/* An invoice's mail (invoices.c): the recipients given, else the project's billing addresses,
 * else the customer's; the texts filled in; the invoice's PDF attached. Before the transaction. */
int invoice_mail_prepare(struct req *r, int64_t invoice, const char *given[5],
                         struct document_mail *im);
/* E-invoices (invoice_einvoice.c): the customer's invoice_format selects them. The CII XML
 * (XRechnung, or EN 16931 for ZUGFeRD customers) appended to out; GET /invoices/{id}.xml; the
 * pdf_extras of invoices (zugferd_x_invoice: factur-x.xml embedded); the XML attached to a mail
 * with the PDF (x_invoice). */
int invoice_render_xml(struct req *r, int64_t id, strbuf *out, const char **identifier);
int invoice_xml_answer(struct req *r, int64_t id);
int invoice_pdf_extras(struct req *r, int64_t id, struct pdf_doc *doc);
int invoice_mail_einvoice(struct req *r, int64_t id, struct document_mail *dm);

#endif
