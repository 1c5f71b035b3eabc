/*
 * API tests of e-invoices (issue 12, "PDFs"): GET /invoices/{id}.xml (mocod's addition) answers
 * the invoice as XRechnung / EN 16931 CII XML; the customer's invoice_format decides what else
 * happens: zugferd_x_invoice embeds the XML in the PDF as factur-x.xml (with Factur-X XMP
 * metadata), x_invoice mails the XML beside the PDF, regular_pdf mails the PDF alone.
 *
 * The XML is parsed with libxml2 and checked by XPath: every mandatory business term, the totals
 * equal to the invoice's JSON to the cent (many items, a discount, a reverse-charge invoice with
 * tax 0 and category AE), the escaping of <&> in item titles. The hybrid PDF is checked with
 * qpdf --check, pdfdetach (-list, -savefile: the attachment is byte for byte the .xml answer) and
 * pdfinfo -meta (the fx: entries). One server for the file (group fixture).
 */
#include "fixtures.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVOICES  "/api/v1/invoices"
#define XRECHNUNG "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, regular, xinvoice, zugferd, reverse;
} g;

static json_int_t customer(const char *name, const char *extra)
{
    return mt_create(g.s, "/api/v1/companies", g.key,
                     fix_fmt("{\"type\":\"customer\",\"name\":\"%s\",\"currency\":\"EUR\"%s%s}",
                             name, extra ? "," : "", extra ? extra : ""));
}

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start(NULL);
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.regular = customer("Regular GmbH", "\"identifier\":\"K-100\",\"email\":\"buy@regular.test\"");
    g.xinvoice = customer("Amt für Rechnungen",
                          "\"invoice_format\":\"x_invoice\",\"identifier\":\"04011000-1234512345-"
                          "06\",\"vat_identifier\":\"DE123456789\"");
    g.zugferd = customer("Hybrid AG", "\"invoice_format\":\"zugferd_x_invoice\"");
    /* the account's reverse charge VAT code (vat_defaults_seed) */
    mt_resp *r = mt_get(g.s, "/api/v1/vat_code_sales?reverse_charge=true", g.key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t code = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    g.reverse = customer("Wien Services GmbH",
                         fix_fmt("\"identifier\":\"K-AT\",\"country_code\":\"AT\","
                                 "\"vat_identifier\":\"ATU12345678\",\"customer_vat_code_id\":%lld",
                                 (long long)code));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_stop(g.s);
    fix_free_strings();
    xmlCleanupParser();
    return 0;
}

/* POST /invoices for the customer with items (JSON array text) and extra members (or NULL):
 * the created invoice's JSON (the caller frees the response). */
static mt_resp *create_invoice(json_int_t cust, const char *address, const char *items,
                               const char *extra, double tax)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:s}", "customer_id", (json_int_t)cust,
                             "recipient_address", address, "date", "2026-11-30", "due_date",
                             "2026-12-30", "title", "Rechnung", "tax", tax, "currency", "EUR");
    fix_body_merge(body, items, extra);
    mt_resp *r = mt_request_json(g.s, "POST", INVOICES, g.key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    return r;
}

/* ---- XML by XPath ---- */

static xmlDocPtr parse(const mt_resp *r)
{
    xmlDocPtr doc =
        xmlReadMemory(r->body, (int)r->body_len, "invoice.xml", "UTF-8", XML_PARSE_NONET);
    if (!doc) {
        print_error("the e-invoice is no well-formed XML:\n%s\n", r->body);
        fail();
    }
    return doc;
}

/* string(expr) over the CII namespaces (malloc'd; "" when nothing matches). */
static char *xp(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "rsm",
                       BAD_CAST "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100");
    xmlXPathRegisterNs(
        ctx, BAD_CAST "ram",
        BAD_CAST
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100");
    xmlXPathRegisterNs(ctx, BAD_CAST "udt",
                       BAD_CAST "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST fix_fmt("string(%s)", expr), ctx);
    assert_non_null(o);
    char *v = strdup(o->stringval ? (const char *)o->stringval : "");
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return v;
}

#define assert_xp(doc, expr, want) assert_xp_((doc), (expr), (want), __FILE__, __LINE__)
static void assert_xp_(xmlDocPtr doc, const char *expr, const char *want, const char *file,
                       int line)
{
    char *v = xp(doc, expr);
    if (strcmp(v, want) != 0) {
        print_error("%s:%d: %s is \"%s\", want \"%s\"\n", file, line, expr, v, want);
        free(v);
        _fail(file, line);
    }
    free(v);
}

/* The amount at path of the invoice's JSON as the XML writes it ("1234.50"). */
static const char *cents(const json_t *inv, const char *path)
{
    return fix_fmt("%.2f", mt_json_real(inv, path));
}

#define H       "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
#define AGR     H "/ram:ApplicableHeaderTradeAgreement"
#define SET     H "/ram:ApplicableHeaderTradeSettlement"
#define SUM     SET "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
#define LINE(n) H "/ram:IncludedSupplyChainTradeLineItem[" #n "]"

/* GET .xml: 200, application/xml, named after the identifier; the parsed document. */
static xmlDocPtr get_xml(json_int_t id, const char *identifier, mt_resp **keep)
{
    mt_resp *r = mt_getf(g.s, g.key, INVOICES "/%lld.xml", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", "application/xml");
    const char *cd = mt_header(r, "Content-Disposition");
    assert_non_null(cd);
    assert_non_null(strstr(cd, fix_fmt("filename=\"%s.xml\"", identifier)));
    xmlDocPtr doc = parse(r);
    if (keep)
        *keep = r;
    else
        mt_resp_free(r);
    return doc;
}

/* Every mandatory element of an XRechnung invoice with many items, a discount, a service period,
 * a payment; the totals equal the invoice's to the cent; only billed items are lines. */
static void test_xrechnung_mandatory_elements_and_totals(void **state)
{
    (void)state;
    static char items[16384];
    size_t n = (size_t)snprintf(items, sizeof items,
                                "[{\"type\":\"title\",\"title\":\"Stunden\"},"
                                "{\"type\":\"description\",\"title\":\"Text only\"}");
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(items + n, sizeof items - n,
                              ",{\"type\":\"item\",\"title\":\"Line %d\",\"quantity\":3.333,"
                              "\"unit\":\"h\",\"unit_price\":97.35}",
                              i);
    snprintf(items + n, sizeof items - n,
             ",{\"type\":\"subtotal\",\"title\":\"Zwischensumme\"}"
             ",{\"type\":\"item\",\"title\":\"Laptops\",\"quantity\":2,\"unit\":\"Stk\","
             "\"unit_price\":999.99,\"description\":\"<p>Zwei <b>Geräte</b></p>\"}"
             ",{\"type\":\"item\",\"title\":\"Pauschale\",\"net_total\":0.01}"
             ",{\"type\":\"separator\"}"
             ",{\"type\":\"item\",\"title\":\"Maybe\",\"net_total\":1000,\"optional\":true}]");
    mt_resp *c = create_invoice(
        g.regular, "Regular GmbH\nz. Hd. Frau Muster\nHauptstraße 5\n10115 Berlin", items,
        "\"discount\":2.5,\"service_period_from\":\"2026-11-01\","
        "\"service_period_to\":\"2026-11-30\",\"cash_discount\":2,"
        "\"cash_discount_days\":10",
        19.0);
    json_int_t id = mt_json_int(c->json, "id");
    const char *identifier = fix_fmt("%s", mt_json_str(c->json, "identifier"));
    /* 30 x 324.47 = 9734.10, + 1999.98 + 0.01 = 11734.09; 2.5 % = 293.35; net 11440.74; VAT 19 %
     * 2173.74; gross 13614.48 */
    fix_assert_number(c->json, "net_total", 11440.74);
    fix_assert_number(c->json, "gross_total", 13614.48);
    /* a payment: BT-113 and BT-115 */
    mt_resp *p = mt_request(g.s, "POST", "/api/v1/invoices/payments", g.key,
                            fix_fmt("{\"date\":\"2026-12-02\",\"invoice_id\":%lld,"
                                    "\"paid_total\":1000.5}",
                                    (long long)id),
                            NULL);
    MT_ASSERT_STATUS(p, 200);
    mt_resp_free(p);

    xmlDocPtr doc = get_xml(id, identifier, NULL);
    assert_xp(doc,
              "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
              "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
              XRECHNUNG);
    assert_xp(doc, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID", identifier); /* BT-1 */
    assert_xp(doc, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode", "380");
    assert_xp(doc,
              "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/"
              "udt:DateTimeString[@format='102']",
              "20261130");
    assert_xp(doc, SET "/ram:InvoiceCurrencyCode", "EUR");
    assert_xp(doc,
              SET "/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/"
                  "udt:DateTimeString[@format='102']",
              "20261230");
    assert_xp(doc, SET "/ram:SpecifiedTradePaymentTerms/ram:Description",
              "Zahlbar bis 2026-12-30.\n#SKONTO#TAGE=10#PROZENT=2.00#\n");
    assert_xp(doc, AGR "/ram:BuyerReference", "K-100"); /* BT-10: the customer's identifier */
    assert_xp(doc, SET "/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString",
              "20261101");
    assert_xp(doc, SET "/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString",
              "20261130");
    assert_xp(doc, SET "/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", "1");
    /* seller: the account, the invoice's user as contact */
    assert_xp(doc, AGR "/ram:SellerTradeParty/ram:Name", MT_ACCOUNT);
    assert_xp(doc, AGR "/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID", "DE");
    assert_xp(doc,
              AGR "/ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']",
              MT_ADMIN_EMAIL);
    assert_xp(doc,
              AGR "/ram:SellerTradeParty/ram:DefinedTradeContact/"
                  "ram:EmailURIUniversalCommunication/ram:URIID",
              MT_ADMIN_EMAIL);
    /* buyer: the recipient address, the customer's email */
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:Name", "Regular GmbH");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:LineOne",
              "z. Hd. Frau Muster");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:LineTwo", "Hauptstraße 5");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode", "10115");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName", "Berlin");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID", "DE");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID",
              "buy@regular.test");
    /* lines: the 32 billed items only */
    assert_xp(doc, "count(" H "/ram:IncludedSupplyChainTradeLineItem)", "32");
    assert_xp(doc, LINE(1) "/ram:AssociatedDocumentLineDocument/ram:LineID", "1");
    assert_xp(doc, LINE(1) "/ram:SpecifiedTradeProduct/ram:Name", "Line 0");
    assert_xp(doc, LINE(1) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "3.333");
    assert_xp(doc, LINE(1) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", "HUR");
    assert_xp(doc,
              LINE(1) "/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
                      "ram:ChargeAmount",
              "97.35");
    assert_xp(doc,
              LINE(1) "/ram:SpecifiedLineTradeSettlement/"
                      "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
              "324.47");
    assert_xp(doc,
              LINE(1) "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
              "S");
    assert_xp(doc,
              LINE(1) "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                      "ram:RateApplicablePercent",
              "19.00");
    assert_xp(doc, LINE(31) "/ram:AssociatedDocumentLineDocument/ram:LineID", "31");
    assert_xp(doc, LINE(31) "/ram:SpecifiedTradeProduct/ram:Name", "Laptops");
    assert_xp(doc, LINE(31) "/ram:SpecifiedTradeProduct/ram:Description", "Zwei Geräte");
    assert_xp(doc, LINE(31) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", "H87");
    assert_xp(doc,
              LINE(31) "/ram:SpecifiedLineTradeSettlement/"
                       "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
              "1999.98");
    /* a line with a net only: one unit ("C62") at its net */
    assert_xp(doc, LINE(32) "/ram:SpecifiedTradeProduct/ram:Name", "Pauschale");
    assert_xp(doc, LINE(32) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "1.0");
    assert_xp(doc, LINE(32) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", "C62");
    assert_xp(doc,
              LINE(32) "/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
                       "ram:ChargeAmount",
              "0.01");
    /* the discount (BG-20) */
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator",
              "false");
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:ActualAmount", "293.35");
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:BasisAmount", "11734.09");
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:CalculationPercent", "2.50");
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:Reason", "Rabatt");
    assert_xp(doc, SET "/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax/ram:CategoryCode",
              "S");
    /* the VAT breakdown (BG-23) and the totals (BG-22) equal the invoice's */
    assert_xp(doc, "count(" SET "/ram:ApplicableTradeTax)", "1");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:BasisAmount", cents(c->json, "net_total"));
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:CalculatedAmount", "2173.74");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:TypeCode", "VAT");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:CategoryCode", "S");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:RateApplicablePercent", "19.00");
    assert_xp(doc, SUM "/ram:LineTotalAmount", "11734.09");
    assert_xp(doc, SUM "/ram:AllowanceTotalAmount", "293.35");
    assert_xp(doc, SUM "/ram:TaxBasisTotalAmount", cents(c->json, "net_total"));
    assert_xp(doc, SUM "/ram:TaxTotalAmount[@currencyID='EUR']", "2173.74");
    assert_xp(doc, SUM "/ram:GrandTotalAmount", cents(c->json, "gross_total"));
    assert_xp(doc, SUM "/ram:TotalPrepaidAmount", "1000.50");
    assert_xp(doc, SUM "/ram:DuePayableAmount", "12613.98");
    /* the sums hold within the document too: BT-106 = sum of BT-131, BT-112 = BT-109 + BT-110 */
    assert_xp(doc,
              "round(100 * sum(" H "/ram:IncludedSupplyChainTradeLineItem/"
              "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
              "ram:LineTotalAmount))",
              "1173409");
    assert_xp(doc, "round(100 * (" SUM "/ram:TaxBasisTotalAmount + " SUM "/ram:TaxTotalAmount))",
              "1361448");
    /* the invoice's vat_total: gross - net */
    assert_xp(
        doc, SUM "/ram:TaxTotalAmount",
        fix_fmt("%.2f", mt_json_real(c->json, "gross_total") - mt_json_real(c->json, "net_total")));
    xmlFreeDoc(doc);
    mt_resp_free(c);
}

/* Tax 0 for a reverse-charge customer: category AE, rate 0, the VAT code's exemption notice,
 * the buyer's VAT id and country. */
static void test_reverse_charge(void **state)
{
    (void)state;
    mt_resp *c = create_invoice(g.reverse, "Wien Services GmbH\nRing 1\nA-1010 Wien",
                                "[{\"type\":\"item\",\"title\":\"Beratung\",\"quantity\":10,"
                                "\"unit\":\"Std\",\"unit_price\":150},{\"type\":\"item\","
                                "\"title\":\"Reise\",\"quantity\":1,\"unit\":\"pcs\","
                                "\"unit_price\":250.5}]",
                                NULL, 0.0);
    fix_assert_number(c->json, "net_total", 1750.5);
    fix_assert_number(c->json, "gross_total", 1750.5);
    xmlDocPtr doc = get_xml(mt_json_int(c->json, "id"), mt_json_str(c->json, "identifier"), NULL);
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:CategoryCode", "AE");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:RateApplicablePercent", "0.00");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:CalculatedAmount", "0.00");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:BasisAmount", "1750.50");
    assert_xp(doc, SET "/ram:ApplicableTradeTax/ram:ExemptionReason",
              "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)");
    assert_xp(doc,
              LINE(1) "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
              "AE");
    assert_xp(doc,
              LINE(2) "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
              "AE");
    assert_xp(doc, LINE(1) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", "HUR");
    assert_xp(doc, LINE(2) "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", "H87");
    assert_xp(doc, SUM "/ram:TaxTotalAmount", "0.00");
    assert_xp(doc, SUM "/ram:GrandTotalAmount", "1750.50");
    assert_xp(doc, SUM "/ram:DuePayableAmount", "1750.50");
    assert_xp(doc, "count(" SET "/ram:SpecifiedTradeAllowanceCharge)", "0");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
              "ATU12345678");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID", "AT");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode", "A-1010");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName", "Wien");
    assert_xp(doc, AGR "/ram:BuyerReference", "K-AT");
    xmlFreeDoc(doc);
    mt_resp_free(c);
}

/* <&> and quotes in item titles and the address come back as the same text; a customer without
 * identifier has "n/a" as buyer reference. */
static void test_escaping(void **state)
{
    (void)state;
    json_int_t bare = customer("Bare KG", NULL);
    mt_sql_exec(g.s,
                fix_fmt("UPDATE companies SET identifier = '' WHERE id = %lld", (long long)bare));
    mt_resp *c = create_invoice(bare, "Hybrid <AG> & \"Co\"\nWeg 1\n12345 Ort",
                                "[{\"type\":\"item\",\"title\":\"<b>Fish</b> & 'Chips' > 3\","
                                "\"net_total\":10}]",
                                NULL, 19.0);
    mt_resp *raw = NULL;
    xmlDocPtr doc = get_xml(mt_json_int(c->json, "id"), mt_json_str(c->json, "identifier"), &raw);
    assert_xp(doc, LINE(1) "/ram:SpecifiedTradeProduct/ram:Name", "<b>Fish</b> & 'Chips' > 3");
    assert_xp(doc, AGR "/ram:BuyerTradeParty/ram:Name", "Hybrid <AG> & \"Co\"");
    assert_xp(doc, AGR "/ram:BuyerReference", "n/a");
    assert_non_null(strstr(raw->body, "&lt;b&gt;Fish&lt;/b&gt; &amp; &apos;Chips&apos; &gt; 3"));
    assert_null(strstr(raw->body, "<b>"));
    mt_resp_free(raw);
    xmlFreeDoc(doc);
    mt_resp_free(c);
}

/* Writes the body to a file in the server's directory; its path. */
static const char *save(const mt_resp *r, const char *name)
{
    const char *path = fix_fmt("%s/%s", mt_dir(g.s), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
    fclose(f);
    return path;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *out = malloc(*len + 1);
    memcpy(out, buf, *len);
    out[*len] = '\0';
    return out;
}

/* A ZUGFeRD customer's PDF: valid, with factur-x.xml (EN 16931 profile) equal to the .xml
 * answer, and Factur-X XMP metadata; other customers' PDFs have no attachment. */
static void test_zugferd_pdf(void **state)
{
    (void)state;
    mt_resp *c = create_invoice(g.zugferd, "Hybrid AG\nMarkt 3\n50667 Köln",
                                "[{\"type\":\"item\",\"title\":\"Größere Änderungen\","
                                "\"quantity\":3.5,\"unit\":\"h\",\"unit_price\":120}]",
                                "\"discount\":10", 19.0);
    json_int_t id = mt_json_int(c->json, "id");
    const char *identifier = fix_fmt("%s", mt_json_str(c->json, "identifier"));
    /* 420.00 - 10 % = 378.00, VAT 71.82, gross 449.82 */
    const char *want[] = {identifier, "Hybrid AG", "Größere Änderungen", "449.82 EUR"};
    fix_assert_pdf(g.s, g.key, fix_fmt(INVOICES "/%lld.pdf", (long long)id), want, 4);

    mt_resp *pdf = mt_getf(g.s, g.key, INVOICES "/%lld.pdf", (long long)id);
    MT_ASSERT_STATUS(pdf, 200);
    const char *path = save(pdf, "hybrid.pdf");
    mt_resp_free(pdf);
    assert_int_equal(system(fix_fmt("qpdf --check '%s' >/dev/null", path)), 0);
    assert_int_equal(system(fix_fmt("pdfdetach -list '%s' | grep -q '^1: factur-x.xml$'", path)),
                     0);
    assert_int_equal(system(fix_fmt("pdfdetach -list '%s' | grep -q '^1 embedded files$'", path)),
                     0);
    const char *saved = fix_fmt("%s/saved.xml", mt_dir(g.s));
    assert_int_equal(system(fix_fmt("pdfdetach -savefile factur-x.xml -o '%s' '%s'", saved, path)),
                     0);
    const char *meta = fix_fmt("%s/meta.xmp", mt_dir(g.s));
    assert_int_equal(system(fix_fmt("pdfinfo -meta '%s' > '%s'", path, meta)), 0);
    size_t mlen = 0;
    char *xmp = read_file(meta, &mlen);
    assert_non_null(strstr(xmp, "<fx:DocumentType>INVOICE</fx:DocumentType>"));
    assert_non_null(strstr(xmp, "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>"));
    assert_non_null(strstr(xmp, "<fx:Version>1.0</fx:Version>"));
    assert_non_null(strstr(xmp, "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"));
    assert_non_null(strstr(xmp, "<pdfaid:part>3</pdfaid:part>"));
    assert_non_null(strstr(xmp, "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"));
    assert_non_null(strstr(xmp, fix_fmt("Rechnung %s", identifier)));
    free(xmp);

    size_t len = 0;
    char *embedded = read_file(saved, &len);
    mt_resp *xml = NULL;
    xmlDocPtr doc = get_xml(id, identifier, &xml);
    assert_int_equal(len, xml->body_len);
    assert_memory_equal(embedded, xml->body, len);
    free(embedded);
    assert_xp(doc,
              "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
              "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
              "urn:cen.eu:en16931:2017");
    assert_xp(doc, SUM "/ram:TaxBasisTotalAmount", "378.00");
    assert_xp(doc, SUM "/ram:AllowanceTotalAmount", "42.00");
    assert_xp(doc, SUM "/ram:GrandTotalAmount", cents(c->json, "gross_total"));
    assert_xp(doc, SUM "/ram:DuePayableAmount", "449.82");
    xmlFreeDoc(doc);
    mt_resp_free(xml);
    mt_resp_free(c);

    /* an x_invoice or regular customer's PDF carries no file */
    c = create_invoice(g.xinvoice, "Amt\nWeg 1\n10115 Berlin",
                       "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]", NULL, 19.0);
    pdf = mt_getf(g.s, g.key, INVOICES "/%lld.pdf", (long long)mt_json_int(c->json, "id"));
    MT_ASSERT_STATUS(pdf, 200);
    path = save(pdf, "plain.pdf");
    mt_resp_free(pdf);
    assert_int_equal(system(fix_fmt("pdfdetach -list '%s' | grep -q '^0 embedded files$'", path)),
                     0);
    mt_resp_free(c);
}

/* send_email: regular_pdf attaches the PDF, x_invoice the PDF and the XML, zugferd the hybrid
 * PDF (with factur-x.xml in it: bigger than the same invoice's plain PDF). */
static void test_mail_attachments(void **state)
{
    (void)state;
    json_int_t custs[3] = {g.regular, g.xinvoice, g.zugferd};
    const char *items = "[{\"type\":\"item\",\"title\":\"Mail\",\"net_total\":100}]";
    for (int i = 0; i < 3; i++) {
        mt_resp *c = create_invoice(custs[i], "Firma\nWeg 1\n10115 Berlin", items, NULL, 19.0);
        json_int_t id = mt_json_int(c->json, "id");
        const char *identifier = fix_fmt("%s", mt_json_str(c->json, "identifier"));
        mt_resp_free(c);
        mt_resp *r = mt_requestf(g.s, "POST", g.key,
                                 fix_fmt("{\"emails_to\":\"a@example.test\",\"subject\":\"E-Mail "
                                         "{identifier}\",\"text\":\"t\"}"),
                                 INVOICES "/%lld/send_email", (long long)id);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
        r = mt_get(g.s, "/api/v1/account/mails?per_page=100", g.key);
        MT_ASSERT_STATUS(r, 200);
        json_t *mail = fix_find_by_str(r->json, "subject", fix_fmt("E-Mail %s", identifier));
        assert_non_null(mail);
        MT_ASSERT_JSON_STR(mail, "attachments[0].filename", fix_fmt("%s.pdf", identifier));
        MT_ASSERT_JSON_STR(mail, "attachments[0].content_type", "application/pdf");
        if (custs[i] == g.xinvoice) {
            assert_int_equal(mt_json_len(mail, "attachments"), 2);
            MT_ASSERT_JSON_STR(mail, "attachments[1].filename", fix_fmt("%s.xml", identifier));
            MT_ASSERT_JSON_STR(mail, "attachments[1].content_type", "application/xml");
            mt_resp *x = mt_getf(g.s, g.key, INVOICES "/%lld.xml", (long long)id);
            MT_ASSERT_STATUS(x, 200);
            assert_int_equal(mt_json_int(mail, "attachments[1].size"), (json_int_t)x->body_len);
            mt_resp_free(x);
        } else {
            assert_int_equal(mt_json_len(mail, "attachments"), 1);
        }
        if (custs[i] == g.zugferd) {
            mt_resp *pdf = mt_getf(g.s, g.key, INVOICES "/%lld.pdf", (long long)id);
            mt_resp *x = mt_getf(g.s, g.key, INVOICES "/%lld.xml", (long long)id);
            /* the hybrid PDF as GET .pdf answers it (the same size: the XML inside) */
            assert_int_equal(mt_json_int(mail, "attachments[0].size"), (json_int_t)pdf->body_len);
            assert_true((size_t)mt_json_int(mail, "attachments[0].size") > x->body_len);
            mt_resp_free(pdf);
            mt_resp_free(x);
        }
        mt_resp_free(r);
    }
}

/* 404 for an unknown invoice, another account's and an offer; 403 without invoicing. */
static void test_not_found_and_permissions(void **state)
{
    (void)state;
    mt_resp *r = mt_get(g.s, INVOICES "/999999.xml", g.key);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    mt_resp *c =
        create_invoice(g.regular, "Regular GmbH\nWeg 1\n10115 Berlin",
                       "[{\"type\":\"item\",\"title\":\"A\",\"net_total\":10}]", NULL, 19.0);
    json_int_t id = mt_json_int(c->json, "id");
    mt_resp_free(c);
    r = mt_getf(g.s, fix_other_key(g.s), INVOICES "/%lld.xml", (long long)id);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
    r = mt_getf(g.s, g.key, "/api/v1/offers/%lld.xml", (long long)id);
    assert_int_equal(r->status, 404);
    mt_resp_free(r);
    char *emp_key = NULL;
    fix_user_with_role(g.s, "Erika", "Employee", &emp_key);
    r = mt_getf(g.s, emp_key, INVOICES "/%lld.xml", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = mt_getf(g.s, emp_key, INVOICES "/%lld.pdf", (long long)id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    free(emp_key);
    /* a read-only account key may read it */
    r = mt_getf(g.s, fix_read_key(g.s), INVOICES "/%lld.xml", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xrechnung_mandatory_elements_and_totals),
        cmocka_unit_test(test_reverse_charge),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_zugferd_pdf),
        cmocka_unit_test(test_mail_attachments),
        cmocka_unit_test(test_not_found_and_permissions),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
