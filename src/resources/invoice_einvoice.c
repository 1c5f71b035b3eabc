/*
 * An invoice's e-invoice (resources.h, "E-invoices"): the invoice, its customer, its account and
 * its items gathered into the plain description of src/einvoice/cii.h, and where it goes. The
 * customer's invoice_format decides: "x_invoice" mails the XML (identifier.xml) with the PDF,
 * "zugferd_x_invoice" embeds it in the PDF as factur-x.xml (EN 16931 profile, Factur-X XMP
 * metadata); GET /invoices/{id}.xml answers it for every invoice.
 *
 * Choices where the data is thin (README, "E-invoices"):
 * - BT-10 buyer reference: mocod has no reference (Leitweg-ID) field yet: the customer's
 *   identifier (customer number), else "n/a".
 * - Seller: the account's name and country (mocod keeps no address, VAT id or tax number of the
 *   account yet), the invoice's user as the contact (BG-6) and electronic address (BT-34).
 * - Buyer: the recipient address, first line the name, last line "ZIP City", the lines between
 *   as the street lines; country, VAT id and email from the customer.
 * - VAT category: the invoice's tax > 0: S; 0 %: AE for a customer with a reverse charge VAT
 *   code, K for an intra EU one, else E with the code's (or customer's) exemption notice, or Z
 *   when there is none.
 * - A line without a unit price: quantity 1 and its net as the price; a negative price: its
 *   amount as the price and the quantity negated (EN 16931 wants prices that are not negative).
 * - Totals from the stored exact amounts: BT-106 the sum of the billed lines, BT-107 = BT-106 -
 *   net_total (the discount as stored), BT-109 net_total, BT-110 vat_total, BT-112 gross_total,
 *   BT-113 the payments, BT-115 = gross - paid.
 */
#include "resources/resources.h"

#include "einvoice/cii.h"
#include "pdf/pdf.h"
#include "util/money.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *dup_col(struct req *r, db_stmt *s, int col)
{
    const char *t = db_col_text(s, col);
    return t ? arena_strdup(r->arena, t) : NULL;
}

/* The text without the line breaks and blanks at its end (an HTML snippet's last </p>). */
static char *trimmed(char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static const char *amount(struct req *r, int64_t units, int scale)
{
    char buf[MONEY_BUF];
    money_format_fixed(units, scale, buf);
    return arena_strdup(r->arena, buf);
}

static bool nonempty(const char *s)
{
    return s && *s;
}

static const char *customer_format(struct req *r, int64_t invoice)
{
    const char *c = engine_stored_text(r, &res_invoices, invoice, "customer_id");
    const char *f =
        c ? engine_stored_text(r, &res_companies, strtoll(c, NULL, 10), "invoice_format") : NULL;
    return f ? f : "regular_pdf";
}

/* UN/ECE recommendation 20 code of a unit as people write it; C62 ("one") otherwise. */
static const char *unit_code(const char *unit)
{
    static const struct {
        const char *unit, *code;
    } units[] = {
        {"h", "HUR"},       {"std", "HUR"},      {"std.", "HUR"},   {"stunde", "HUR"},
        {"stunden", "HUR"}, {"hour", "HUR"},     {"hours", "HUR"},  {"stk", "H87"},
        {"stk.", "H87"},    {"stück", "H87"},    {"pcs", "H87"},    {"pc", "H87"},
        {"piece", "H87"},   {"pieces", "H87"},   {"tag", "DAY"},    {"tage", "DAY"},
        {"day", "DAY"},     {"days", "DAY"},     {"pt", "DAY"},     {"monat", "MON"},
        {"monate", "MON"},  {"month", "MON"},    {"months", "MON"}, {"km", "KMT"},
        {"pauschal", "LS"}, {"pauschale", "LS"}, {"psch.", "LS"},
    };
    for (size_t i = 0; unit && i < sizeof units / sizeof units[0]; i++)
        if (!strcasecmp(unit, units[i].unit))
            return units[i].code;
    return "C62";
}

/* The recipient address as the buyer's name and postal address. */
static void buyer_address(struct req *r, const char *text, struct cii_party *b)
{
    const char *lines[64];
    int n = 0;
    for (const char *p = text ? text : ""; *p && n < 64;) {
        size_t len = strcspn(p, "\n");
        const char *a = p, *e = p + len;
        while (a < e && (*a == ' ' || *a == '\t' || *a == '\r'))
            a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (e > a)
            lines[n++] = arena_strndup(r->arena, a, (size_t)(e - a));
        p += len;
        if (*p)
            p++;
    }
    if (n == 0)
        return;
    b->name = lines[0];
    if (n == 1)
        return;
    const char *last = lines[n - 1];
    size_t tok = strcspn(last, " \t");
    bool zip = false;
    for (size_t i = 0; i < tok; i++)
        zip = zip || (last[i] >= '0' && last[i] <= '9');
    if (zip && last[tok]) {
        b->postcode = arena_strndup(r->arena, last, tok);
        const char *city = last + tok;
        while (*city == ' ' || *city == '\t')
            city++;
        b->city = city;
    } else if (zip) {
        b->postcode = last;
    } else {
        b->city = last;
    }
    const char **street[3] = {&b->line1, &b->line2, &b->line3};
    for (int i = 1; i < n - 1; i++) {
        int slot = i - 1 < 2 ? i - 1 : 2;
        *street[slot] = slot == 2 && *street[2]
                            ? arena_printf(r->arena, "%s, %s", *street[2], lines[i])
                            : lines[i];
    }
}

/* The invoice's VAT category, from its tax and the customer's VAT code. */
static void vat_category(struct req *r, int64_t customer, int64_t tax, const char **category,
                         const char **reason)
{
    *category = "S";
    *reason = NULL;
    if (tax != 0)
        return;
    bool reverse = false, intra = false;
    const char *notice = NULL;
    const char *code = engine_stored_text(r, &res_companies, customer, "customer_vat_code_id");
    if (code) {
        db_param p[2] = {dbp_int(strtoll(code, NULL, 10)), dbp_int(r->account_id)};
        db_stmt *s = db_query(r->db,
                              "SELECT reverse_charge, intra_eu, notice_tax_exemption FROM "
                              "vat_code_sales WHERE id = ? AND account_id = ?",
                              p, 2);
        if (s && db_step(s) == DB_ROW) {
            reverse = db_col_i64(s, 0) != 0;
            intra = db_col_i64(s, 1) != 0;
            notice = dup_col(r, s, 2);
        }
        db_done(s);
    }
    const char *v = engine_stored_text(r, &res_companies, customer, "customer_reverse_charge");
    reverse = reverse || (v && strtoll(v, NULL, 10));
    v = engine_stored_text(r, &res_companies, customer, "customer_intra_eu");
    intra = intra || (v && strtoll(v, NULL, 10));
    if (!nonempty(notice))
        notice = engine_stored_text(r, &res_companies, customer, "customer_notice_tax_exemption");
    if (reverse) {
        *category = "AE";
        *reason = nonempty(notice)
                      ? notice
                      : "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)";
    } else if (intra) {
        *category = "K";
        *reason = nonempty(notice) ? notice : "Steuerfreie innergemeinschaftliche Lieferung";
    } else if (nonempty(notice)) {
        *category = "E";
        *reason = notice;
    } else {
        *category = "Z";
    }
}

/* The billed lines (items, not optional) of the invoice; *sum: their net. */
static int gather_lines(struct req *r, int64_t id, struct cii_invoice *inv, const char *category,
                        const char *rate, int64_t *sum)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "SELECT title, description, quantity, unit, unit_price, net_total FROM "
                          "invoice_items WHERE account_id = ? AND invoice_id = ? AND type = "
                          "'item' AND optional = 0 ORDER BY id",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int cap = 16, n = 0, rc;
    struct cii_line *lines = arena_calloc(r->arena, (size_t)cap, sizeof(*lines));
    *sum = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            lines = arena_realloc(r->arena, lines, (size_t)cap * sizeof(*lines),
                                  (size_t)cap * 2 * sizeof(*lines));
            cap *= 2;
        }
        int64_t net = db_col_i64(s, 5);
        bool has_qty = !db_col_null(s, 2), has_price = !db_col_null(s, 4);
        int64_t qty = has_qty && has_price ? db_col_i64(s, 2) : 10000; /* scale 4 */
        int64_t price = has_price ? db_col_i64(s, 4) : net;
        if (price < 0) {
            price = -price;
            qty = -qty;
        }
        char qbuf[MONEY_BUF];
        money_format(qty, 4, qbuf);
        const char *title = dup_col(r, s, 0);
        lines[n] = (struct cii_line){
            .id = arena_printf(r->arena, "%d", n + 1),
            .name = nonempty(title) ? title : "-",
            .description = trimmed(document_html_text(r, dup_col(r, s, 1))),
            .quantity = arena_strdup(r->arena, qbuf),
            .unit_code = has_qty && has_price ? unit_code(db_col_text(s, 3)) : "C62",
            .price = amount(r, price, 2),
            .net = amount(r, net, 2),
            .category = category,
            .rate = rate,
        };
        n++;
        if (money_add(*sum, net, sum) != MONEY_OK) {
            db_done(s);
            return req_fail(r, 422, "items", "the invoice's total is out of range");
        }
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    inv->lines = lines;
    inv->nlines = n;
    return 0;
}

/* The seller's contact: the invoice's user. */
static void seller_contact(struct req *r, int64_t user, struct cii_party *p)
{
    db_param q[2] = {dbp_int(user), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT firstname, lastname, email, work_phone, mobile_phone FROM users "
                          "WHERE id = ? AND account_id = ?",
                          q, 2);
    if (s && db_step(s) == DB_ROW) {
        const char *first = dup_col(r, s, 0), *last = dup_col(r, s, 1);
        p->contact_name =
            arena_printf(r->arena, "%s%s%s", first ? first : "",
                         nonempty(first) && nonempty(last) ? " " : "", last ? last : "");
        p->contact_email = dup_col(r, s, 2);
        p->contact_phone = nonempty(db_col_text(s, 3)) ? dup_col(r, s, 3) : dup_col(r, s, 4);
        p->email = p->contact_email;
    }
    db_done(s);
}

int invoice_render_xml(struct req *r, int64_t id, strbuf *out, const char **identifier)
{
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    db_stmt *s = db_query(
        r->db,
        "SELECT i.identifier, i.date, i.due_date, i.service_period_from, i.service_period_to, "
        "i.title, i.recipient_address, i.currency, i.tax, i.discount, i.net_total, i.vat_total, "
        "i.gross_total, i.customer_id, i.cash_discount, i.cash_discount_days, i.user_id, a.name, "
        "a.country_code FROM invoices i JOIN accounts a ON a.id = i.account_id WHERE i.id = ? AND "
        "i.account_id = ?",
        p, 2);
    if (!s || db_step(s) != DB_ROW) {
        db_done(s);
        return req_fail(r, 404, NULL, "Invoice not found");
    }
    struct cii_invoice inv = {0};
    inv.number = dup_col(r, s, 0);
    inv.issue_date = dup_col(r, s, 1);
    inv.due_date = dup_col(r, s, 2);
    inv.period_start = dup_col(r, s, 3);
    inv.period_end = dup_col(r, s, 4);
    inv.note = dup_col(r, s, 5);
    const char *address = dup_col(r, s, 6);
    inv.currency = dup_col(r, s, 7);
    int64_t tax = db_col_i64(s, 8), discount = db_col_i64(s, 9);
    int64_t net = db_col_i64(s, 10), vat = db_col_i64(s, 11), gross = db_col_i64(s, 12);
    int64_t customer = db_col_i64(s, 13), cash = db_col_i64(s, 14), cash_days = db_col_i64(s, 15);
    int64_t user = db_col_i64(s, 16);
    inv.seller.name = dup_col(r, s, 17);
    inv.seller.country = dup_col(r, s, 18);
    db_done(s);

    const char *format = customer_format(r, id);
    bool zugferd = !strcmp(format, "zugferd_x_invoice");
    inv.guideline = zugferd ? CII_EN16931 : CII_XRECHNUNG;
    inv.business_process = zugferd ? NULL : CII_PEPPOL_BILLING;
    const char *ident = engine_stored_text(r, &res_companies, customer, "identifier");
    inv.buyer_reference = nonempty(ident) ? ident : "n/a";
    if (user)
        seller_contact(r, user, &inv.seller);
    buyer_address(r, address, &inv.buyer);
    if (!inv.buyer.name)
        inv.buyer.name = engine_stored_text(r, &res_companies, customer, "name");
    const char *country = engine_stored_text(r, &res_companies, customer, "country_code");
    inv.buyer.country = nonempty(country) ? country : inv.seller.country;
    inv.buyer.vat_id = engine_stored_text(r, &res_companies, customer, "vat_identifier");
    inv.buyer.email = engine_stored_text(r, &res_companies, customer, "email");

    const char *category, *reason;
    vat_category(r, customer, tax, &category, &reason);
    const char *rate = amount(r, tax, 2);
    int64_t lines_net = 0;
    if (gather_lines(r, id, &inv, category, rate, &lines_net))
        return -1;
    int64_t off = 0, paid = 0, due = 0;
    if (money_add(lines_net, -net, &off) != MONEY_OK)
        return req_fail(r, 422, "items", "the invoice's total is out of range");
    db_param pp[2] = {dbp_int(r->account_id), dbp_int(id)};
    if (db_query_i64(r->db,
                     "SELECT COALESCE(SUM(paid_total), 0) FROM invoice_payments WHERE account_id = "
                     "? AND invoice_id = ?",
                     pp, 2, 0, &paid) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (money_add(gross, -paid, &due) != MONEY_OK)
        return req_fail(r, 422, "payments", "the invoice's payments are out of range");
    if (discount != 0 || off != 0) {
        inv.allowance = amount(r, off, 2);
        inv.allowance_basis = amount(r, lines_net, 2);
        inv.allowance_percent = discount ? amount(r, discount, 2) : NULL;
        inv.allowance_reason = "Rabatt";
        inv.allowance_category = category;
        inv.allowance_rate = rate;
    }
    struct cii_tax *t = arena_calloc(r->arena, 1, sizeof(*t));
    *t = (struct cii_tax){amount(r, net, 2), amount(r, vat, 2), category, rate, reason};
    inv.taxes = t;
    inv.ntaxes = 1;
    inv.payment_terms =
        cash > 0 ? arena_printf(r->arena, "Zahlbar bis %s.\n#SKONTO#TAGE=%lld#PROZENT=%s#\n",
                                inv.due_date ? inv.due_date : "", (long long)cash_days,
                                amount(r, cash, 2))
                 : arena_printf(r->arena, "Zahlbar bis %s.", inv.due_date ? inv.due_date : "");
    inv.line_total = amount(r, lines_net, 2);
    inv.allowance_total = amount(r, off, 2);
    inv.tax_basis = amount(r, net, 2);
    inv.tax_total = amount(r, vat, 2);
    inv.grand_total = amount(r, gross, 2);
    inv.paid = amount(r, paid, 2);
    inv.due_payable = amount(r, due, 2);
    if (!inv.number)
        inv.number = arena_printf(r->arena, "%lld", (long long)id);
    if (cii_write(&inv, out))
        return req_fail(r, 500, NULL, "the e-invoice could not be made");
    if (identifier)
        *identifier = inv.number;
    return 0;
}

/* GET /invoices/{id}.xml */
int invoice_xml_answer(struct req *r, int64_t id)
{
    const char *identifier = NULL;
    if (invoice_render_xml(r, id, &r->out, &identifier))
        return -1;
    req_add_header(r, "Content-Type", "application/xml");
    req_add_header(r, "Content-Disposition",
                   arena_printf(r->arena, "attachment; filename=\"%s.xml\"", identifier));
    return 0;
}

/* The PDF of a ZUGFeRD customer's invoice carries the XML (factur-x.xml). */
int invoice_pdf_extras(struct req *r, int64_t id, struct pdf_doc *doc)
{
    if (strcmp(customer_format(r, id), "zugferd_x_invoice") != 0)
        return 0;
    strbuf xml;
    sb_init(&xml, r->arena, 16384);
    if (invoice_render_xml(r, id, &xml, NULL))
        return -1;
    int n = doc->nembed > 0 ? doc->nembed : 0;
    struct pdf_attachment *files = arena_calloc(r->arena, (size_t)n + 1, sizeof(*files));
    for (int i = 0; i < n; i++)
        files[i] = doc->embed[i];
    files[n] = (struct pdf_attachment){"factur-x.xml", "text/xml", (const unsigned char *)xml.buf,
                                       xml.len};
    doc->embed = files;
    doc->nembed = n + 1;
    doc->facturx_level = "EN 16931";
    return 0;
}

/* An x_invoice customer's mail has the XML beside the PDF. */
int invoice_mail_einvoice(struct req *r, int64_t id, struct document_mail *dm)
{
    if (strcmp(customer_format(r, id), "x_invoice") != 0)
        return 0;
    strbuf xml;
    sb_init(&xml, r->arena, 16384);
    const char *identifier = NULL;
    if (invoice_render_xml(r, id, &xml, &identifier))
        return -1;
    dm->files[1] =
        (struct mail_attachment){arena_printf(r->arena, "%s.xml", identifier), "application/xml",
                                 (const unsigned char *)xml.buf, xml.len};
    dm->m.attachments = dm->files;
    dm->m.nattachments = 2;
    return 0;
}
