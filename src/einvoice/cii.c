/* The CII XML of an invoice (see cii.h): a small writer (open, close, leaf: every text escaped)
 * and the document in the schema's element order. */
#include "einvoice/cii.h"

#include <stdbool.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at p (1..4), 0 when it is not one. */
static int utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    int n = c >= 0xc2 && c <= 0xdf   ? 2
            : c >= 0xe0 && c <= 0xef ? 3
            : c >= 0xf0 && c <= 0xf4 ? 4
                                     : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
        return 0; /* overlong, or a surrogate */
    if (n == 3 && c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
        return 0; /* U+FFFE, U+FFFF: no XML characters */
    if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
        return 0;
    return n;
}

void xml_text(strbuf *out, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        switch (*p) {
        case '&':
            sb_adds(out, "&amp;");
            p++;
            continue;
        case '<':
            sb_adds(out, "&lt;");
            p++;
            continue;
        case '>':
            sb_adds(out, "&gt;");
            p++;
            continue;
        case '"':
            sb_adds(out, "&quot;");
            p++;
            continue;
        case '\'':
            sb_adds(out, "&apos;");
            p++;
            continue;
        default:
            break;
        }
        if (*p < 0x20) { /* XML 1.0 has tab, line feed and carriage return only */
            if (*p == '\t' || *p == '\n' || *p == '\r')
                sb_addc(out, (char)*p);
            p++;
            continue;
        }
        if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
            sb_adds(out, "\xef\xbf\xbd"); /* U+FFFE, U+FFFF: well-formed, no XML character */
            p += 3;
            continue;
        }
        int n = utf8_len(p);
        if (n == 0) { /* a byte of no well-formed sequence */
            sb_adds(out, "\xef\xbf\xbd");
            p++;
            continue;
        }
        sb_add(out, p, (size_t)n);
        p += n;
    }
}

/* ------------------------------------------------------------------ the writer */

struct xw {
    strbuf *sb;
    int depth;
};

static void indent(struct xw *w)
{
    sb_addc(w->sb, '\n');
    for (int i = 0; i < w->depth; i++)
        sb_adds(w->sb, "  ");
}

/* <tag attr="value">; attr NULL: none */
static void open_attr(struct xw *w, const char *tag, const char *attr, const char *value)
{
    indent(w);
    sb_addc(w->sb, '<');
    sb_adds(w->sb, tag);
    if (attr) {
        sb_addc(w->sb, ' ');
        sb_adds(w->sb, attr);
        sb_adds(w->sb, "=\"");
        xml_text(w->sb, value);
        sb_addc(w->sb, '"');
    }
    sb_addc(w->sb, '>');
    w->depth++;
}

static void x_open(struct xw *w, const char *tag)
{
    open_attr(w, tag, NULL, NULL);
}

static void x_close(struct xw *w, const char *tag)
{
    w->depth--;
    indent(w);
    sb_adds(w->sb, "</");
    sb_adds(w->sb, tag);
    sb_addc(w->sb, '>');
}

static bool given(const char *s)
{
    return s && *s;
}

/* <tag attr="value">text</tag>, nothing when text is NULL or empty */
static void leaf_attr(struct xw *w, const char *tag, const char *attr, const char *value,
                      const char *text)
{
    if (!given(text))
        return;
    indent(w);
    sb_addc(w->sb, '<');
    sb_adds(w->sb, tag);
    if (attr && given(value)) {
        sb_addc(w->sb, ' ');
        sb_adds(w->sb, attr);
        sb_adds(w->sb, "=\"");
        xml_text(w->sb, value);
        sb_addc(w->sb, '"');
    }
    sb_addc(w->sb, '>');
    xml_text(w->sb, text);
    sb_adds(w->sb, "</");
    sb_adds(w->sb, tag);
    sb_addc(w->sb, '>');
}

static void leaf(struct xw *w, const char *tag, const char *text)
{
    leaf_attr(w, tag, NULL, NULL, text);
}

/* A date "YYYY-MM-DD" as <wrapper><udt:DateTimeString format="102">YYYYMMDD</...></wrapper>. */
static void date(struct xw *w, const char *wrapper, const char *iso)
{
    if (!given(iso))
        return;
    char digits[16];
    size_t n = 0;
    for (const char *p = iso; *p && n < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = '\0';
    x_open(w, wrapper);
    leaf_attr(w, "udt:DateTimeString", "format", "102", digits);
    x_close(w, wrapper);
}

/* ------------------------------------------------------------------ the document */

static void party(struct xw *w, const char *tag, const struct cii_party *p, bool seller)
{
    x_open(w, tag);
    leaf(w, "ram:Name", p->name);
    if (seller && (given(p->contact_name) || given(p->contact_phone) || given(p->contact_email))) {
        x_open(w, "ram:DefinedTradeContact");
        leaf(w, "ram:PersonName", p->contact_name);
        if (given(p->contact_phone)) {
            x_open(w, "ram:TelephoneUniversalCommunication");
            leaf(w, "ram:CompleteNumber", p->contact_phone);
            x_close(w, "ram:TelephoneUniversalCommunication");
        }
        if (given(p->contact_email)) {
            x_open(w, "ram:EmailURIUniversalCommunication");
            leaf(w, "ram:URIID", p->contact_email);
            x_close(w, "ram:EmailURIUniversalCommunication");
        }
        x_close(w, "ram:DefinedTradeContact");
    }
    x_open(w, "ram:PostalTradeAddress");
    leaf(w, "ram:PostcodeCode", p->postcode);
    leaf(w, "ram:LineOne", p->line1);
    leaf(w, "ram:LineTwo", p->line2);
    leaf(w, "ram:LineThree", p->line3);
    leaf(w, "ram:CityName", p->city);
    leaf(w, "ram:CountryID", p->country);
    x_close(w, "ram:PostalTradeAddress");
    if (given(p->email)) {
        x_open(w, "ram:URIUniversalCommunication");
        leaf_attr(w, "ram:URIID", "schemeID", "EM", p->email);
        x_close(w, "ram:URIUniversalCommunication");
    }
    if (given(p->vat_id)) {
        x_open(w, "ram:SpecifiedTaxRegistration");
        leaf_attr(w, "ram:ID", "schemeID", "VA", p->vat_id);
        x_close(w, "ram:SpecifiedTaxRegistration");
    }
    if (seller && given(p->tax_number)) {
        x_open(w, "ram:SpecifiedTaxRegistration");
        leaf_attr(w, "ram:ID", "schemeID", "FC", p->tax_number);
        x_close(w, "ram:SpecifiedTaxRegistration");
    }
    x_close(w, tag);
}

static void line_item(struct xw *w, const struct cii_line *l)
{
    x_open(w, "ram:IncludedSupplyChainTradeLineItem");
    x_open(w, "ram:AssociatedDocumentLineDocument");
    leaf(w, "ram:LineID", l->id);
    x_close(w, "ram:AssociatedDocumentLineDocument");
    x_open(w, "ram:SpecifiedTradeProduct");
    leaf(w, "ram:Name", l->name);
    leaf(w, "ram:Description", l->description);
    x_close(w, "ram:SpecifiedTradeProduct");
    x_open(w, "ram:SpecifiedLineTradeAgreement");
    x_open(w, "ram:NetPriceProductTradePrice");
    leaf(w, "ram:ChargeAmount", l->price);
    x_close(w, "ram:NetPriceProductTradePrice");
    x_close(w, "ram:SpecifiedLineTradeAgreement");
    x_open(w, "ram:SpecifiedLineTradeDelivery");
    leaf_attr(w, "ram:BilledQuantity", "unitCode", given(l->unit_code) ? l->unit_code : "C62",
              l->quantity);
    x_close(w, "ram:SpecifiedLineTradeDelivery");
    x_open(w, "ram:SpecifiedLineTradeSettlement");
    x_open(w, "ram:ApplicableTradeTax");
    leaf(w, "ram:TypeCode", "VAT");
    leaf(w, "ram:CategoryCode", l->category);
    leaf(w, "ram:RateApplicablePercent", l->rate);
    x_close(w, "ram:ApplicableTradeTax");
    x_open(w, "ram:SpecifiedTradeSettlementLineMonetarySummation");
    leaf(w, "ram:LineTotalAmount", l->net);
    x_close(w, "ram:SpecifiedTradeSettlementLineMonetarySummation");
    x_close(w, "ram:SpecifiedLineTradeSettlement");
    x_close(w, "ram:IncludedSupplyChainTradeLineItem");
}

int cii_write(const struct cii_invoice *inv, strbuf *out)
{
    if (!inv || !given(inv->number) || !out || out->failed)
        return -1;
    struct xw w = {out, 0};
    sb_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice "
                 "xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" "
                 "xmlns:ram=\"urn:un:unece:uncefact:data:standard:"
                 "ReusableAggregateBusinessInformationEntity:100\" "
                 "xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" "
                 "xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\">");
    w.depth = 1;

    x_open(&w, "rsm:ExchangedDocumentContext");
    if (given(inv->business_process)) {
        x_open(&w, "ram:BusinessProcessSpecifiedDocumentContextParameter");
        leaf(&w, "ram:ID", inv->business_process);
        x_close(&w, "ram:BusinessProcessSpecifiedDocumentContextParameter");
    }
    x_open(&w, "ram:GuidelineSpecifiedDocumentContextParameter");
    leaf(&w, "ram:ID", given(inv->guideline) ? inv->guideline : CII_EN16931);
    x_close(&w, "ram:GuidelineSpecifiedDocumentContextParameter");
    x_close(&w, "rsm:ExchangedDocumentContext");

    x_open(&w, "rsm:ExchangedDocument");
    leaf(&w, "ram:ID", inv->number);
    leaf(&w, "ram:TypeCode", given(inv->type_code) ? inv->type_code : "380");
    date(&w, "ram:IssueDateTime", inv->issue_date);
    if (given(inv->note)) {
        x_open(&w, "ram:IncludedNote");
        leaf(&w, "ram:Content", inv->note);
        x_close(&w, "ram:IncludedNote");
    }
    x_close(&w, "rsm:ExchangedDocument");

    x_open(&w, "rsm:SupplyChainTradeTransaction");
    for (int i = 0; i < inv->nlines; i++)
        line_item(&w, &inv->lines[i]);

    x_open(&w, "ram:ApplicableHeaderTradeAgreement");
    leaf(&w, "ram:BuyerReference", inv->buyer_reference);
    party(&w, "ram:SellerTradeParty", &inv->seller, true);
    party(&w, "ram:BuyerTradeParty", &inv->buyer, false);
    x_close(&w, "ram:ApplicableHeaderTradeAgreement");

    x_open(&w, "ram:ApplicableHeaderTradeDelivery");
    x_close(&w, "ram:ApplicableHeaderTradeDelivery");

    x_open(&w, "ram:ApplicableHeaderTradeSettlement");
    leaf(&w, "ram:InvoiceCurrencyCode", inv->currency);
    x_open(&w, "ram:SpecifiedTradeSettlementPaymentMeans");
    leaf(&w, "ram:TypeCode", given(inv->payment_means) ? inv->payment_means : "1");
    x_close(&w, "ram:SpecifiedTradeSettlementPaymentMeans");
    for (int i = 0; i < inv->ntaxes; i++) {
        const struct cii_tax *t = &inv->taxes[i];
        x_open(&w, "ram:ApplicableTradeTax");
        leaf_attr(&w, "ram:CalculatedAmount", NULL, NULL, t->amount);
        leaf(&w, "ram:TypeCode", "VAT");
        leaf(&w, "ram:ExemptionReason", t->exemption_reason);
        leaf(&w, "ram:BasisAmount", t->basis);
        leaf(&w, "ram:CategoryCode", t->category);
        leaf(&w, "ram:RateApplicablePercent", t->rate);
        x_close(&w, "ram:ApplicableTradeTax");
    }
    if (given(inv->period_start) || given(inv->period_end)) {
        x_open(&w, "ram:BillingSpecifiedPeriod");
        date(&w, "ram:StartDateTime", inv->period_start);
        date(&w, "ram:EndDateTime", inv->period_end);
        x_close(&w, "ram:BillingSpecifiedPeriod");
    }
    if (given(inv->allowance)) {
        x_open(&w, "ram:SpecifiedTradeAllowanceCharge");
        x_open(&w, "ram:ChargeIndicator");
        leaf(&w, "udt:Indicator", "false");
        x_close(&w, "ram:ChargeIndicator");
        leaf(&w, "ram:CalculationPercent", inv->allowance_percent);
        leaf(&w, "ram:BasisAmount", inv->allowance_basis);
        leaf(&w, "ram:ActualAmount", inv->allowance);
        leaf(&w, "ram:ReasonCode", "95"); /* UNTDID 5189: discount */
        leaf(&w, "ram:Reason", given(inv->allowance_reason) ? inv->allowance_reason : "Discount");
        x_open(&w, "ram:CategoryTradeTax");
        leaf(&w, "ram:TypeCode", "VAT");
        leaf(&w, "ram:CategoryCode", inv->allowance_category);
        leaf(&w, "ram:RateApplicablePercent", inv->allowance_rate);
        x_close(&w, "ram:CategoryTradeTax");
        x_close(&w, "ram:SpecifiedTradeAllowanceCharge");
    }
    if (given(inv->payment_terms) || given(inv->due_date)) {
        x_open(&w, "ram:SpecifiedTradePaymentTerms");
        leaf(&w, "ram:Description", inv->payment_terms);
        date(&w, "ram:DueDateDateTime", inv->due_date);
        x_close(&w, "ram:SpecifiedTradePaymentTerms");
    }
    x_open(&w, "ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    leaf(&w, "ram:LineTotalAmount", inv->line_total);
    leaf(&w, "ram:AllowanceTotalAmount", inv->allowance_total);
    leaf(&w, "ram:TaxBasisTotalAmount", inv->tax_basis);
    leaf_attr(&w, "ram:TaxTotalAmount", "currencyID", inv->currency, inv->tax_total);
    leaf(&w, "ram:GrandTotalAmount", inv->grand_total);
    leaf(&w, "ram:TotalPrepaidAmount", inv->paid);
    leaf(&w, "ram:DuePayableAmount", inv->due_payable);
    x_close(&w, "ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    x_close(&w, "ram:ApplicableHeaderTradeSettlement");
    x_close(&w, "rsm:SupplyChainTradeTransaction");
    w.depth = 0;
    indent(&w);
    sb_adds(out, "</rsm:CrossIndustryInvoice>\n");
    return out->failed ? -1 : 0;
}
