/* Invoice reminders (sections/invoice_reminders.md): reminders of unpaid invoices, with a fee;
 * an invoice shows its reminders. The files attached to invoices (sections/invoices.md,
 * attachments), and invoice bookkeeping exports (invoice_bookkeeping_exports.md). */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

static const char *const reminder_statuses[] = {"created", "sent", NULL};

/* the texts an account starts with (MOCO's "configured default values") */
#define REMINDER_TITLE "Zahlungserinnerung"
#define REMINDER_TEXT                                                                              \
    "\"Bei der Bearbeitung unserer Buchhaltung ist uns aufgefallen, dass wir für folgende "       \
    "Rechnung noch keinen Zahlungseingang verbuchen konnten. Sicherlich handelt es sich hierbei "  \
    "um ein Versehen. Wir bitten Sie höflich, uns den Betrag in den nächsten Tagen zu "          \
    "überweisen.\""

static const struct field reminder_fields[] = {
    {"title", FT_TEXT, 0, .def = "\"" REMINDER_TITLE "\"", .maxlen = 255},
    {"text", FT_TEXT, 0, .def = REMINDER_TEXT},
    {"fee", FT_MONEY, 0, .def = "0"},
    {"date", FT_DATE, F_SORT, .range = "date_from,date_to"},
    {"due_date", FT_DATE},
    {"status", FT_ENUM, F_READONLY | F_FILTER, .options = reminder_statuses, .def = "\"created\""},
    {"file_url", FT_EXPR, 0, .sql = "NULL"},
    {"invoice", FT_REF, F_REQUIRED | F_CREATEONLY | F_FILTER | F_RESTRICT, .ref = &res_invoices,
     .ref_fields = "id,identifier,title"},
    /* the invoice's rendering of a reminder: its dates */
    {"created_on", FT_EXPR, F_INTERNAL, .sql = "substr(t.created_at, 1, 10)"},
    {"updated_on", FT_EXPR, F_INTERNAL, .sql = "substr(t.updated_at, 1, 10)"},
    {0},
};

/* A reminder is for an invoice that is out and not paid; date and due date default to today
 * and two weeks on (in the account's time zone). */
static int reminder_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *invoice = record_value(rec, "invoice");
    if (!id && invoice->set && !invoice->null) {
        const char *status = engine_stored_text(r, &res_invoices, invoice->i, "status");
        if (status && (!strcmp(status, "draft") || !strcmp(status, "paid")))
            req_field_error(r, "invoice_id", "a %s invoice gets no reminder", status);
    }
    struct value *fee = record_value(rec, "fee");
    if (fee->set && !fee->null && fee->i < 0)
        req_field_error(r, "fee", "must not be negative");
    if (!id) {
        char today[11];
        date_today_in(r->settings.time_zone, today);
        struct value *date = record_value(rec, "date");
        if (!date->set || date->null) {
            date->set = true;
            date->null = false;
            date->s = arena_strdup(r->arena, today);
        }
        struct value *due = record_value(rec, "due_date");
        if (!due->set || due->null) {
            time_t t;
            char stamp[TIMESTAMP_LEN + 1];
            if (time_parse_iso(date->s, &t)) {
                time_format_iso(t + 14 * 86400, stamp);
                due->set = true;
                due->null = false;
                due->s = arena_strndup(r->arena, stamp, 10);
            }
        }
    }
    const char *date = engine_effective_text(r, rec, id, "date");
    const char *due = engine_effective_text(r, rec, id, "due_date");
    if (date && due && strcmp(due, date) < 0)
        req_field_error(r, "due_date", "must not be before date");
    return r->err_fields ? -1 : 0;
}

/* POST {id}/send_email: to the invoice's recipients (or those given), with the invoice's PDF;
 * the reminder is sent. */
static int reminder_mail_prepare(struct req *r, struct action_call *call)
{
    const char *given[5];
    if (document_mail_input(r, given))
        return -1;
    struct document_mail *dm = arena_calloc(r->arena, 1, sizeof(*dm));
    if (invoice_mail_prepare(
            r, engine_stored_int(r, &res_invoice_reminders, call->id, "invoice_id"), given, dm))
        return -1;
    call->ctx = dm;
    return 0;
}

static int reminder_send_email(struct req *r, struct action_call *call)
{
    struct document_mail *dm = call->ctx;
    if (engine_queue_mail(r, &dm->m))
        return -1;
    struct column_value sent[] = {{"status", dbp_text("sent")}};
    return engine_set_columns(r, &res_invoice_reminders, call->id, sent, 1, false);
}

static const struct action reminder_actions[] = {
    {"POST", "send_email", reminder_send_email, .prepare = reminder_mail_prepare,
     .answer = ANSWER_OWN, .render = document_mail_answer},
    {0},
};

const struct resource res_invoice_reminders = {
    .actions = reminder_actions,
    .name = "invoice_reminders",
    .path = "invoice_reminders",
    .table = "invoice_reminders",
    .target = "InvoiceReminder",
    .fields = reminder_fields,
    .flags = R_WEBHOOKS | R_NO_UPDATE, /* MOCO has no update of a reminder */
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .indexes = "invoice_id,date",
    .before_save = reminder_before_save,
};

/* ------------------------------------------------------------- attachments */

/* Files sent with an invoice (PDFs): kept through the engine's one attachment type. */
static const struct field invoice_attachment_fields[] = {
    DOCUMENT_ATTACHMENT_FIELDS("InvoiceAttachment.url"),
};

const struct resource res_invoice_attachments = {
    .name = "invoice_attachments",
    .path = "invoices/{id}/attachments",
    .table = "invoice_attachments",
    .target = "InvoiceAttachment",
    .fields = invoice_attachment_fields,
    .flags = R_NO_UPDATE | R_NO_GET, /* MOCO lists, adds and removes them */
    .parent = &res_invoices,
    .parent_fk = "invoice_id",
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .before_save = document_attachment_is_pdf,
};

/* ------------------------------------------------------------- bookkeeping exports */

static const struct field export_fields[] = {
    {"from", FT_DATE, F_READONLY, .column = "from_date"}, /* the exported invoices' first date */
    {"to", FT_DATE, F_READONLY, .column = "to_date"},     /* and last */
    {"invoice_ids", FT_IDLIST, F_REQUIRED | F_CREATEONLY, .ref = &res_invoices},
    {"comment", FT_TEXT, 0, .def = "\"\""},
    {"user", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    /* mocod submits to no bookkeeping service: every export is a manual one */
    {"status", FT_TEXT, F_READONLY, .def = "\"manual\""},
    {"trigger_submission", FT_BOOL, F_TRANSIENT},
    {0},
};

/* invoice_ids: not drafts, not exported before; from and to are their first and last date. */
static int export_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    return bookkeeping_export_dates(r, rec, "invoice_ids", &res_invoices, "invoice");
}

/* The exported invoices are locked: bookkeeping has them. */
static int export_after_save(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    json_t *ids = record_value(rec, "invoice_ids")->j;
    size_t i;
    json_t *v;
    struct column_value set[] = {{"locked", dbp_int(1)}, {"exported", dbp_int(1)}};
    json_array_foreach(ids, i, v) if (engine_set_columns(r, &res_invoices, json_integer_value(v),
                                                         set, 2, true)) return -1;
    return 0;
}

const struct resource res_invoice_bookkeeping_exports = {
    .name = "invoice_bookkeeping_exports",
    .path = "invoices/bookkeeping_exports",
    .table = "invoice_bookkeeping_exports",
    .target = "InvoiceBookkeepingExport",
    .fields = export_fields,
    .flags = R_NO_UPDATE | R_NO_DELETE,
    .write_area = AREA_INVOICING,
    .read_area = AREA_INVOICING,
    .before_save = export_before_save,
    .after_save = export_after_save,
};
