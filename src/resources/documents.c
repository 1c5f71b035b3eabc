/* What invoices and offers share (resources.h, "Documents"): the items' options, the totals from
 * the stored items, the PDF made from a document row and its items, and the mail of send_email
 * (recipients, placeholders, the PDF attached, the answer). */
#include "resources/resources.h"

#include "pdf/pdf.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const document_item_types[] = {"title",    "description", "item", "page-break",
                                           "subtotal", "separator",   NULL};
const char *const document_service_types[] = {"service", "expense", NULL};

/*
 * The totals, from the items as stored: each line's net (rounded to the cent when it was made),
 * summed over the billed lines (type item, not optional); the discount off the sum, rounded;
 * VAT on the discounted net, rounded; gross = net + VAT.
 */
/* Each subtotal line's net_total from the lines above it: part_total (the default) since the
 * previous subtotal, sub_total since the start; the optional_ kinds (offers) the same of the
 * optional lines. */
static int document_subtotals(struct req *r, const struct document_kind *k, int64_t id)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    const char *sql = arena_printf(r->arena,
                                   "SELECT id, type, net_total, optional, subtotal_type FROM %s "
                                   "WHERE account_id = ? AND %s = ? ORDER BY id",
                                   k->items_table, k->fk);
    db_stmt *s = db_query(r->db, sql, p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t run[2] = {0, 0}, part[2] = {0, 0}; /* [0] billed lines, [1] optional ones */
    int cap = 8, n = 0, rc;
    struct {
        int64_t id, value, stored;
    } *subs = arena_calloc(r->arena, (size_t)cap, sizeof(*subs));
    while ((rc = db_step(s)) == DB_ROW) {
        const char *type = db_col_text(s, 1);
        if (type && !strcmp(type, "item")) {
            int o = db_col_i64(s, 3) != 0;
            if (money_add(run[o], db_col_i64(s, 2), &run[o]) != MONEY_OK ||
                money_add(part[o], db_col_i64(s, 2), &part[o]) != MONEY_OK) {
                rc = DB_ERROR;
                break;
            }
        } else if (type && !strcmp(type, "subtotal")) {
            const char *st = db_col_text(s, 4);
            int o = st && !strncmp(st, "optional_", 9);
            bool whole = st && strstr(st, "sub_total");
            if (n == cap) {
                subs = arena_realloc(r->arena, subs, (size_t)cap * sizeof(*subs),
                                     (size_t)cap * 2 * sizeof(*subs));
                cap *= 2;
            }
            subs[n].id = db_col_i64(s, 0);
            subs[n].value = whole ? run[o] : part[o];
            subs[n].stored = db_col_null(s, 2) ? INT64_MIN : db_col_i64(s, 2);
            n++;
            part[o] = 0;
        }
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 422, "items", "the %s's subtotals are out of range", k->noun);
    for (int i = 0; k->items && i < n; i++) {
        if (subs[i].value == subs[i].stored)
            continue;
        struct column_value v[] = {{"net_total", dbp_int(subs[i].value)}};
        if (engine_set_columns(r, k->items, subs[i].id, v, 1, false))
            return -1;
    }
    return 0;
}

int document_totals(struct req *r, const struct document_kind *k, int64_t id)
{
    if (document_subtotals(r, k, id))
        return -1;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    int64_t items_net = 0;
    const char *sql = arena_printf(r->arena,
                                   "SELECT COALESCE(SUM(net_total), 0) FROM %s WHERE account_id = "
                                   "? AND %s = ? AND type = 'item' AND optional = 0",
                                   k->items_table, k->fk);
    if (db_query_i64(r->db, sql, p, 2, 0, &items_net) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    int64_t discount = engine_stored_int(r, k->res, id, "discount");
    int64_t tax = engine_stored_int(r, k->res, id, "tax");
    int64_t off = 0, net = 0, vat = 0, gross = 0;
    /* percent at scale 2 is a fraction at scale 4 */
    if (money_mul(items_net, 2, discount, 4, 2, &off) != MONEY_OK ||
        money_add(items_net, -off, &net) != MONEY_OK ||
        money_mul(net, 2, tax, 4, 2, &vat) != MONEY_OK || money_add(net, vat, &gross) != MONEY_OK)
        return req_fail(r, 422, "items", "the %s's total is out of range", k->noun);
    struct column_value totals[] = {
        {"net_total", dbp_int(net)}, {"vat_total", dbp_int(vat)}, {"gross_total", dbp_int(gross)}};
    return engine_set_columns(r, k->res, id, totals, 3, false);
}

/* Text of a stored HTML snippet (salutation, footer) for the PDF: tags dropped, <br> and block
 * ends as line breaks, the common entities decoded. */
char *document_html_text(struct req *r, const char *html)
{
    if (!html)
        return NULL;
    strbuf o;
    sb_init(&o, r->arena, strlen(html) + 1);
    for (const char *p = html; *p;) {
        if (*p == '<') {
            const char *end = strchr(p, '>');
            if (!end)
                break;
            if (!strncmp(p, "<br", 3) || !strncmp(p, "</div", 5) || !strncmp(p, "</p", 3))
                sb_addc(&o, '\n');
            p = end + 1;
        } else if (*p == '&') {
            static const struct {
                const char *name, *text;
            } ents[] = {
                {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", " "}};
            size_t i = 0;
            for (; i < sizeof ents / sizeof ents[0]; i++)
                if (!strncmp(p, ents[i].name, strlen(ents[i].name)))
                    break;
            sb_adds(&o, i < sizeof ents / sizeof ents[0] ? ents[i].text : "&");
            p += i < sizeof ents / sizeof ents[0] ? strlen(ents[i].name) : 1;
        } else {
            sb_addc(&o, *p++);
        }
    }
    return o.buf;
}

/* An amount with its cents ("1234.50 EUR"); a quantity (no currency) as short as it is ("3.5"). */
const char *document_amount(struct req *r, const char *units, int scale, const char *currency)
{
    if (!units)
        return NULL;
    char digits[MONEY_BUF];
    if (currency || scale == 2)
        money_format_fixed(strtoll(units, NULL, 10), scale, digits);
    else
        money_format(strtoll(units, NULL, 10), scale, digits);
    return currency ? arena_printf(r->arena, "%s %s", digits, currency)
                    : arena_strdup(r->arena, digits);
}

static const char *col_dup(struct req *r, db_stmt *s, int col)
{
    const char *t = db_col_text(s, col);
    return t ? arena_strdup(r->arena, t) : NULL;
}

/* The letter paper of a document of this template ("invoice", "offer", "timesheet"): none with
 * ?blank (any value but false/0), the one of ?letter_paper_id (422 when it is not one of the
 * account's), else the first active paper made for the template, else the first active paper
 * for any. Its header_text (null: the sender, i.e. the account) and footer_text go on every
 * page. */
int document_letter_paper(struct req *r, const char *template, const char *sender,
                          const char **header, const char **footer)
{
    *header = *footer = NULL;
    const char *blank = req_query(r, "blank");
    if (blank && strcmp(blank, "false") != 0 && strcmp(blank, "0") != 0)
        return 0;
    const char *given = req_query(r, "letter_paper_id");
    int64_t want = 0;
    if (given) {
        char *end = NULL;
        long long v = strtoll(given, &end, 10);
        if (!*given || *end || v <= 0)
            return req_fail(r, 422, "letter_paper_id", "must be the id of a letter paper");
        want = v;
    }
    db_param p[2] = {dbp_int(r->account_id), given ? dbp_int(want) : dbp_text(template)};
    db_stmt *s = db_query(
        r->db,
        given ? "SELECT header_text, footer_text FROM letter_papers WHERE account_id = ? AND id = ?"
              : "SELECT header_text, footer_text FROM letter_papers WHERE account_id = ? AND "
                "active = 1 AND (template IS NULL OR template = ?) ORDER BY CASE WHEN template IS "
                "NULL THEN 1 ELSE 0 END, id LIMIT 1",
        p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *header = db_col_text(s, 0) ? col_dup(r, s, 0) : sender;
        *footer = col_dup(r, s, 1);
    }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (rc == DB_DONE && given)
        return req_fail(r, 422, "letter_paper_id", "is not a letter paper of the account");
    return 0;
}

/* The document as an A4 PDF (src/pdf), with the account as sender, appended to out. */
int document_render_pdf(struct req *r, const struct document_kind *k, int64_t id, strbuf *out,
                        const char **identifier)
{
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    const char *sql = arena_printf(
        r->arena,
        "SELECT i.identifier, i.date, i.due_date, %s, i.title, i.recipient_address, "
        "i.salutation, i.footer, i.currency, i.net_total, i.vat_total, i.gross_total, i.tax, "
        "a.name FROM %s i JOIN accounts a ON a.id = i.account_id WHERE i.id = ? AND "
        "i.account_id = ?",
        k->period_sql, k->res->table);
    db_stmt *s = db_query(r->db, sql, p, 2);
    if (!s || db_step(s) != DB_ROW) {
        db_done(s);
        return req_fail(r, 404, NULL, "%s not found", k->res->target);
    }
    struct pdf_doc doc = {.lang = "de", .title = col_dup(r, s, 5)};
    doc.identifier = col_dup(r, s, 0);
    doc.date = col_dup(r, s, 1);
    doc.due_date = col_dup(r, s, 2);
    const char *from = col_dup(r, s, 3), *to = col_dup(r, s, 4);
    doc.service_period = from ? arena_printf(r->arena, "%s - %s", from, to ? to : "") : NULL;
    doc.recipient_address = col_dup(r, s, 6);
    const char *salutation = col_dup(r, s, 7), *footer = col_dup(r, s, 8);
    const char *currency = col_dup(r, s, 9);
    char tax_digits[MONEY_BUF];
    money_format(db_col_i64(s, 13), 2, tax_digits);
    struct pdf_total *totals = arena_calloc(r->arena, 3, sizeof(*totals));
    totals[0] = (struct pdf_total){"Netto", document_amount(r, col_dup(r, s, 10), 2, currency), 0};
    totals[1] = (struct pdf_total){arena_printf(r->arena, "MwSt. %s %%", tax_digits),
                                   document_amount(r, col_dup(r, s, 11), 2, currency), 0};
    totals[2] = (struct pdf_total){"Brutto", document_amount(r, col_dup(r, s, 12), 2, currency), 1};
    doc.totals = totals;
    doc.ntotals = 3;
    doc.sender_address = col_dup(r, s, 14);
    db_done(s);
    doc.salutation = document_html_text(r, document_fill_placeholders(r, k, id, salutation));
    doc.footer = document_html_text(r, document_fill_placeholders(r, k, id, footer));
    if (document_letter_paper(r, k->noun, doc.sender_address, &doc.letter_paper_header,
                              &doc.letter_paper_footer))
        return -1;

    db_param ip[2] = {dbp_int(r->account_id), dbp_int(id)};
    sql = arena_printf(r->arena,
                       "SELECT type, title, description, quantity, unit, unit_price, net_total "
                       "FROM %s WHERE account_id = ? AND %s = ? ORDER BY id",
                       k->items_table, k->fk);
    s = db_query(r->db, sql, ip, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int cap = 16, n = 0, rc;
    struct pdf_line *lines = arena_calloc(r->arena, (size_t)cap, sizeof(*lines));
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            lines = arena_realloc(r->arena, lines, (size_t)cap * sizeof(*lines),
                                  (size_t)cap * 2 * sizeof(*lines));
            cap *= 2;
        }
        bool item = db_col_text(s, 0) &&
                    (!strcmp(db_col_text(s, 0), "item") || !strcmp(db_col_text(s, 0), "subtotal"));
        lines[n++] = (struct pdf_line){
            .kind = col_dup(r, s, 0),
            .title = col_dup(r, s, 1),
            .description = document_html_text(r, col_dup(r, s, 2)),
            .quantity = document_amount(r, col_dup(r, s, 3), 4, NULL),
            .unit = col_dup(r, s, 4),
            .unit_price = document_amount(r, col_dup(r, s, 5), 2, NULL),
            .net_total = item ? document_amount(r, col_dup(r, s, 6), 2, NULL) : NULL,
        };
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    doc.lines = lines;
    doc.nlines = n;
    if (k->pdf_extras && k->pdf_extras(r, id, &doc))
        return -1;
    if (pdf_render(&doc, out))
        return req_fail(r, 500, NULL, "the PDF could not be made");
    *identifier = doc.identifier ? doc.identifier : k->noun;
    return 0;
}

/* GET /{documents}/{id}.pdf */
int document_pdf_answer(struct req *r, const struct document_kind *k, int64_t id)
{
    const char *identifier = NULL;
    if (document_render_pdf(r, k, id, &r->out, &identifier))
        return -1;
    req_add_header(r, "Content-Type", "application/pdf");
    req_add_header(r, "Content-Disposition",
                   arena_printf(r->arena, "inline; filename=\"%s.pdf\"", identifier));
    return 0;
}

/* GET /invoices/{id}/timesheet.pdf: the activities the invoice bills (date, person, task, the
 * description, hours), their sum, on the timesheet's letter paper; 404 without hours. */
int document_timesheet_pdf(struct req *r, const struct document_kind *k, int64_t id)
{
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    const char *sql =
        arena_printf(r->arena,
                     "SELECT identifier, recipient_address, (SELECT name FROM accounts "
                     "WHERE id = i.account_id) FROM %s i WHERE id = ? AND account_id "
                     "= ?",
                     k->res->table);
    db_stmt *s = db_query(r->db, sql, p, 2);
    if (!s || db_step(s) != DB_ROW) {
        db_done(s);
        return req_fail(r, 404, NULL, "%s not found", k->res->target);
    }
    static const char *const columns[] = {"Datum, Person, Leistung", "Stunden", "", "", ""};
    struct pdf_doc doc = {.lang = "de", .title = "Stundennachweis", .columns = columns};
    doc.identifier = col_dup(r, s, 0);
    doc.recipient_address = col_dup(r, s, 1);
    doc.sender_address = col_dup(r, s, 2);
    db_done(s);
    /* plain paper unless one is asked for (the docs: "default: White") */
    if (req_query(r, "letter_paper_id") &&
        document_letter_paper(r, "timesheet", doc.sender_address, &doc.letter_paper_header,
                              &doc.letter_paper_footer))
        return -1;
    /* the activities as the JSON timesheet shows them: its read area, and only one's own where
     * one may not see everybody's time */
    if (req_require_read(r, res_activities.read_area))
        return -1;
    int64_t own = engine_own_user(r, &res_activities);
    db_param ap[3] = {dbp_int(r->account_id), dbp_int(id), dbp_int(own)};
    s = db_query(r->db,
                 own ? "SELECT a.date, u.firstname, u.lastname, t.name, a.description, a.hours "
                       "FROM activities a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN "
                       "project_tasks t ON t.id = a.task_id WHERE a.account_id = ? AND "
                       "a.invoice_id = ? AND a.user_id = ? ORDER BY a.date, a.id"
                     : "SELECT a.date, u.firstname, u.lastname, t.name, a.description, a.hours "
                       "FROM activities a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN "
                       "project_tasks t ON t.id = a.task_id WHERE a.account_id = ? AND "
                       "a.invoice_id = ? ORDER BY a.date, a.id",
                 ap, own ? 3 : 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int cap = 16, n = 0, rc;
    int64_t hours = 0;
    struct pdf_line *lines = arena_calloc(r->arena, (size_t)cap, sizeof(*lines));
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            lines = arena_realloc(r->arena, lines, (size_t)cap * sizeof(*lines),
                                  (size_t)cap * 2 * sizeof(*lines));
            cap *= 2;
        }
        const char *task = db_col_text(s, 3);
        lines[n++] = (struct pdf_line){
            .kind = "item",
            .title = arena_printf(r->arena, "%s  %s %s%s%s", db_col_text(s, 0),
                                  db_col_text(s, 1) ? db_col_text(s, 1) : "",
                                  db_col_text(s, 2) ? db_col_text(s, 2) : "", task ? ", " : "",
                                  task ? task : ""),
            .description = col_dup(r, s, 4),
            .quantity = document_amount(r, col_dup(r, s, 5), 2, NULL),
        };
        if (money_add(hours, db_col_i64(s, 5), &hours) != MONEY_OK) {
            rc = DB_ERROR;
            break;
        }
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (n == 0)
        return req_fail(r, 404, NULL, "the invoice bills no hours");
    char digits[MONEY_BUF];
    money_format_fixed(hours, 2, digits);
    struct pdf_total total = {"Stunden gesamt", arena_printf(r->arena, "%s h", digits), 1};
    doc.lines = lines;
    doc.nlines = n;
    doc.totals = &total;
    doc.ntotals = 1;
    if (pdf_render(&doc, &r->out))
        return req_fail(r, 500, NULL, "the PDF could not be made");
    req_add_header(r, "Content-Type", "application/pdf");
    req_add_header(r, "Content-Disposition",
                   arena_printf(r->arena, "inline; filename=\"%s-timesheet.pdf\"",
                                doc.identifier ? doc.identifier : k->noun));
    return 0;
}

/* ---- send_email ---- */

/* "a@x.test; b@y.test" as a list (empty parts left out). */
const char *const *document_address_list(struct req *r, const char *v, int *n)
{
    *n = 0;
    if (!v)
        return NULL;
    const char **out = arena_calloc(r->arena, strlen(v) / 2 + 2, sizeof(char *));
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ";,");
        const char *a = p, *b = p + len;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a)
            out[(*n)++] = arena_strndup(r->arena, a, (size_t)(b - a));
        p += len;
        if (*p)
            p++;
    }
    return out;
}

/* A stored column of the document as text, NULL when the resource has no such field. */
static const char *doc_text(struct req *r, const struct document_kind *k, int64_t id,
                            const char *field)
{
    const struct field *f = resource_field(k->res, field);
    if (!f || f->type == FT_EXPR)
        return NULL;
    const char *column = f->column           ? f->column
                         : f->type == FT_REF ? arena_printf(r->arena, "%s_id", f->name)
                                             : f->name;
    return engine_stored_text(r, k->res, id, column);
}

/* A person as the placeholders give them: "Jane Doe", the email, "Jane Doe, mail, phone". */
static const char *person(struct req *r, const char *user_id, const char *what)
{
    int64_t uid = user_id ? strtoll(user_id, NULL, 10) : 0;
    if (!uid)
        return "";
    const char *first = engine_stored_text(r, &res_users, uid, "firstname");
    const char *last = engine_stored_text(r, &res_users, uid, "lastname");
    const char *email = engine_stored_text(r, &res_users, uid, "email");
    const char *phone = engine_stored_text(r, &res_users, uid, "work_phone");
    const char *name = arena_printf(r->arena, "%s %s", first ? first : "", last ? last : "");
    if (!strcmp(what, "firstname"))
        return first ? first : "";
    if (!strcmp(what, "email"))
        return email ? email : "";
    if (!strcmp(what, "details"))
        return arena_printf(r->arena, "%s, %s%s%s", name, email ? email : "",
                            phone && *phone ? ", " : "", phone && *phone ? phone : "");
    return name;
}

/* days from date a to date b ("2026-12-01"), 0 when either is missing */
static long days_between(const char *a, const char *b)
{
    time_t ta, tb;
    if (!a || !b || !time_parse_iso(a, &ta) || !time_parse_iso(b, &tb))
        return 0;
    return (long)((tb - ta) / 86400);
}

/* The value of the documented variable name of the document (invoices.md and offers.md,
 * "Variables"), NULL for a name that is none of them (it then stays as it is). */
static const char *placeholder(struct req *r, const struct document_kind *k, int64_t id,
                               const char *name)
{
    const char *currency = doc_text(r, k, id, "currency");
    static const char *const plain[][2] = {
        {"identifier", "identifier"},
        {"title", "title"},
        {"date", "date"},
        {"due_date", "due_date"},
        {"recipient", "recipient_address"},
        {"cash_discount_days", "cash_discount_days"},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (!strcmp(name, plain[i][0])) {
            const char *v = doc_text(r, k, id, plain[i][1]);
            return v ? v : "";
        }
    if (!strcmp(name, "net_total") || !strcmp(name, "gross_total"))
        return document_amount(r, doc_text(r, k, id, name), 2, currency);
    if (!strcmp(name, "tax") || !strcmp(name, "cash_discount")) {
        const char *v = doc_text(r, k, id, name);
        return v ? document_amount(r, v, 2, NULL) : "";
    }
    if (!strcmp(name, "cash_discount_total") || !strcmp(name, "gross_total_with_cash_discount")) {
        const char *g = doc_text(r, k, id, "gross_total"), *c = doc_text(r, k, id, "cash_discount");
        int64_t gross = g ? strtoll(g, NULL, 10) : 0, off = 0, rest = 0;
        if (money_mul(gross, 2, c ? strtoll(c, NULL, 10) : 0, 4, 2, &off) != MONEY_OK ||
            money_add(gross, -off, &rest) != MONEY_OK)
            return "";
        return document_amount(
            r, arena_printf(r->arena, "%lld", (long long)(name[0] == 'c' ? off : rest)), 2,
            currency);
    }
    if (!strcmp(name, "due_days") || !strcmp(name, "invoice_due_days"))
        return arena_printf(
            r->arena, "%ld",
            days_between(doc_text(r, k, id, "date"), doc_text(r, k, id, "due_date")));
    if (!strcmp(name, "company_name")) {
        const char *c = engine_stored_text(r, k->res, id, k->company_column);
        const char *v =
            c ? engine_stored_text(r, &res_companies, strtoll(c, NULL, 10), "name") : NULL;
        return v ? v : "";
    }
    if (!strcmp(name, "service_period")) {
        const char *from = doc_text(r, k, id, "service_period_from");
        const char *to = doc_text(r, k, id, "service_period_to");
        return from ? arena_printf(r->arena, "%s - %s", from, to ? to : "") : "";
    }
    if (!strcmp(name, "salutation"))
        return "Sehr geehrte Damen und Herren";
    if (!strcmp(name, "signature_image") || !strcmp(name, "signatur_image"))
        return ""; /* mocod keeps no signature images */
    static const struct {
        const char *prefix, *column;
    } people[] = {{"me", NULL}, {"user", "user"}, {"internal_contact", "internal_contact"}};
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        size_t n = strlen(people[i].prefix);
        if (strncmp(name, people[i].prefix, n) != 0 || (name[n] && name[n] != '_'))
            continue;
        const char *what = name[n] ? name + n + 1 : "name";
        if (strcmp(what, "name") && strcmp(what, "email") && strcmp(what, "details") &&
            strcmp(what, "firstname"))
            return NULL;
        const char *uid = people[i].column ? engine_stored_text(r, k->res, id, people[i].column)
                                           : arena_printf(r->arena, "%lld", (long long)r->user_id);
        return person(r, uid, what);
    }
    return NULL;
}

/* The document's {variables} in text filled in (salutation, footer, a mail's subject and text);
 * other {words} stay as they are. */
const char *document_fill_placeholders(struct req *r, const struct document_kind *k, int64_t id,
                                       const char *text)
{
    if (!text)
        return NULL;
    strbuf o;
    sb_init(&o, r->arena, strlen(text) + 64);
    for (const char *p = text; *p;) {
        const char *end = *p == '{' ? strchr(p + 1, '}') : NULL;
        size_t n = end ? (size_t)(end - p - 1) : 0;
        const char *v = n > 0 && n < 64 && !memchr(p + 1, '{', n)
                            ? placeholder(r, k, id, arena_strndup(r->arena, p + 1, n))
                            : NULL;
        if (!v) {
            sb_addc(&o, *p++);
            continue;
        }
        sb_adds(&o, v);
        p = end + 1;
    }
    return o.buf;
}

/* The body of send_email: emails_to, emails_cc, emails_bcc, subject, text (the last two
 * required) into given[5]. */
int document_mail_input(struct req *r, const char *given[5])
{
    json_t *b = r->body && json_is_object(r->body) ? r->body : NULL;
    static const char *const keys[] = {"emails_to", "emails_cc", "emails_bcc", "subject", "text"};
    for (int i = 0; i < 5; i++) {
        json_t *v = b ? json_object_get(b, keys[i]) : NULL;
        if (v && !json_is_null(v) && !json_is_string(v))
            req_field_error(r, keys[i], "must be a text");
        given[i] = json_is_string(v) ? json_string_value(v) : NULL;
    }
    if (!given[3] || !*given[3])
        req_field_error(r, "subject", "can't be blank");
    if (!given[4] || !*given[4])
        req_field_error(r, "text", "can't be blank");
    return r->err_fields ? -1 : 0;
}

/* dm->to, cc, bcc chosen: the mail's lists (no recipient: 422 with `blank`), its texts with
 * the placeholders filled, the PDF rendered and attached. */
int document_mail_finish(struct req *r, const struct document_kind *k, int64_t id,
                         struct document_mail *dm, const char *subject, const char *text,
                         const char *blank)
{
    static const char *const keys[3] = {"emails_to", "emails_cc", "emails_bcc"};
    memcpy(dm->m.recipient_keys, keys, sizeof keys);
    dm->m.to = document_address_list(r, dm->to, &dm->m.nto);
    dm->m.cc = document_address_list(r, dm->cc, &dm->m.ncc);
    dm->m.bcc = document_address_list(r, dm->bcc, &dm->m.nbcc);
    if (dm->m.nto == 0)
        return req_fail(r, 422, "emails_to", "%s", blank);
    dm->m.subject = document_fill_placeholders(r, k, id, subject);
    dm->m.body = document_fill_placeholders(r, k, id, text);
    strbuf pdf;
    sb_init(&pdf, r->arena, 65536);
    const char *identifier = NULL;
    if (document_render_pdf(r, k, id, &pdf, &identifier))
        return -1;
    dm->files[0] =
        (struct mail_attachment){arena_printf(r->arena, "%s.pdf", identifier), "application/pdf",
                                 (const unsigned char *)pdf.buf, pdf.len};
    dm->m.attachments = dm->files;
    dm->m.nattachments = 1;
    return 0;
}

/* The answer of send_email (call->ctx: the struct document_mail): the recipients. */
int document_mail_answer(struct req *r, struct action_call *call)
{
    struct document_mail *dm = call->ctx;
    const char *v[3] = {dm->to, dm->cc, dm->bcc};
    static const char *const keys[] = {"emails_to", "emails_cc", "emails_bcc"};
    sb_addc(&r->out, '{');
    for (int i = 0; i < 3; i++) {
        if (i)
            sb_addc(&r->out, ',');
        sb_add_json_str(&r->out, keys[i], strlen(keys[i]));
        sb_addc(&r->out, ':');
        if (v[i] && *v[i])
            sb_add_json_str(&r->out, v[i], strlen(v[i]));
        else
            sb_adds(&r->out, "null");
    }
    sb_addc(&r->out, '}');
    return 0;
}

int document_attachment_is_pdf(struct req *r, struct record *rec, int64_t id)
{
    (void)id;
    struct value *file = record_value(rec, "url");
    if (file->set && !file->null && file->blob &&
        (file->blob_len < 5 || memcmp(file->blob, "%PDF-", 5) != 0))
        req_field_error(r, "attachment", "must be a PDF");
    return r->err_fields ? -1 : 0;
}
