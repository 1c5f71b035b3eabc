/*
 * E-invoices: an EN 16931 invoice as UN/CEFACT Cross Industry Invoice XML (CII D16B, the syntax
 * of XRechnung's CII flavour and of ZUGFeRD 2 / Factur-X), from a plain data description. Nothing
 * here knows SQL or HTTP: the caller formats every amount as text first (util/money.h, never a
 * double) and gives dates as "YYYY-MM-DD" (written as format 102, "YYYYMMDD").
 *
 * Every text goes through one escaping writer (xml_text): &, <, >, " and ' as entities, control
 * characters XML 1.0 cannot hold dropped, invalid UTF-8 repaired (U+FFFD). A NULL or empty
 * optional field leaves its element out.
 *
 * The element order is the schema's (the CII XSD is a sequence everywhere): document context,
 * header (BT-1, BT-3, BT-2, notes), the line items (BG-25), then the header agreement (BT-10,
 * seller BG-4, buyer BG-7), delivery, settlement (BT-5, payment means BG-16, VAT breakdown
 * BG-23, period BG-14, document allowance BG-20, payment terms with BT-9, totals BG-22).
 */
#ifndef MOCOD_EINVOICE_CII_H
#define MOCOD_EINVOICE_CII_H

#include "util/strbuf.h"

/* The guideline IDs (BT-24). */
#define CII_XRECHNUNG "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
#define CII_EN16931   "urn:cen.eu:en16931:2017"
/* BT-23 (business process) of XRechnung / PEPPOL BIS Billing. */
#define CII_PEPPOL_BILLING "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

struct cii_party {
    const char *name;
    const char *line1, *line2, *line3; /* BT-35..37 / BT-50..52, BT-162/163 */
    const char *postcode, *city;
    const char *country;    /* ISO 3166-1 alpha-2 */
    const char *vat_id;     /* BT-31 / BT-48 (schemeID VA) */
    const char *tax_number; /* BT-32 (schemeID FC), seller only */
    const char *email;      /* electronic address BT-34 / BT-49 (schemeID EM) */
    /* BG-6 (seller contact): name, phone, email */
    const char *contact_name, *contact_phone, *contact_email;
};

struct cii_line {
    const char *id;                   /* BT-126 */
    const char *name, *description;   /* BT-153, BT-154 */
    const char *quantity, *unit_code; /* BT-129, BT-130 (UN/ECE rec. 20: HUR, H87, C62, ...) */
    const char *price;                /* BT-146, net, not negative */
    const char *net;                  /* BT-131 */
    const char *category, *rate;      /* BT-151, BT-152 */
};

/* A line of the VAT breakdown (BG-23). */
struct cii_tax {
    const char *basis, *amount;   /* BT-116, BT-117 */
    const char *category, *rate;  /* BT-118, BT-119 */
    const char *exemption_reason; /* BT-120 (AE, E, K, ...) */
};

struct cii_invoice {
    const char *guideline;        /* BT-24: CII_XRECHNUNG, CII_EN16931 */
    const char *business_process; /* BT-23, may be NULL */
    const char *number;           /* BT-1 */
    const char *type_code;        /* BT-3; NULL: 380 (commercial invoice) */
    const char *issue_date;       /* BT-2 */
    const char *note;             /* BT-22, may be NULL */
    const char *currency;         /* BT-5 */
    const char *buyer_reference;  /* BT-10 */
    struct cii_party seller, buyer;
    const char *period_start, *period_end; /* BT-73, BT-74 */
    const struct cii_line *lines;
    int nlines;
    /* BG-20, a document level allowance when allowance is set: amount, basis, percent, reason,
     * and its VAT category and rate */
    const char *allowance, *allowance_basis, *allowance_percent, *allowance_reason;
    const char *allowance_category, *allowance_rate;
    const struct cii_tax *taxes;
    int ntaxes;
    const char *payment_means; /* BT-81; NULL: 1 (not defined) */
    const char *payment_terms; /* BT-20 */
    const char *due_date;      /* BT-9 */
    /* BG-22: BT-106, BT-107, BT-109, BT-110 (with currencyID), BT-112, BT-113, BT-115 */
    const char *line_total, *allowance_total, *tax_basis, *tax_total, *grand_total, *paid,
        *due_payable;
};

/* Appends the CII XML of inv to out. Returns 0, or -1 (inv NULL, no number, or out of memory:
 * out->failed). */
int cii_write(const struct cii_invoice *inv, strbuf *out);

/* Appends s as XML character data (also fit for an attribute value in double quotes). */
void xml_text(strbuf *out, const char *s);

#endif
