/* VAT codes (sections/vat_codes.md): the account's sale and purchase tax keys, and its letter
 * papers (sections/letter_papers.md). The VAT codes are read-only through the API; letter papers
 * the settings area may also write (mocod's addition). An account comes with its defaults
 * (vat_defaults_seed, called by the account set-up; accounts made before these tables existed get
 * the same rows at the next start: accounts_seed_defaults). */
#include "resources/resources.h"

static const struct field vat_code_sale_fields[] = {
    {"tax", FT_DECIMAL, F_READONLY | F_SORT, .scale = 2}, /* percent: 7.7, 19.0 */
    {"reverse_charge", FT_BOOL, F_READONLY | F_FILTER},
    {"intra_eu", FT_BOOL, F_READONLY | F_FILTER},
    {"active", FT_BOOL, F_READONLY | F_FILTER},
    {"print_gross_total", FT_BOOL, F_READONLY},
    {"notice_tax_exemption", FT_TEXT, F_READONLY},
    {"notice_tax_exemption_alt", FT_TEXT, F_READONLY},
    {"code", FT_TEXT, F_READONLY | F_SORT},
    {"credit_account", FT_TEXT, F_READONLY},
    {0},
};

/* Sale codes are what invoices and offers are written with: whoever may read invoicing. */
const struct resource res_vat_code_sales = {
    .name = "vat_code_sales",
    .path = "vat_code_sales",
    .table = "vat_code_sales",
    .target = "VatCodeSale",
    .fields = vat_code_sale_fields,
    .flags = R_READONLY,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_INVOICING,
};

static const struct field vat_code_purchase_fields[] = {
    {"tax", FT_DECIMAL, F_READONLY | F_SORT, .scale = 2},
    {"reverse_charge", FT_BOOL, F_READONLY | F_FILTER},
    {"intra_eu", FT_BOOL, F_READONLY | F_FILTER},
    {"active", FT_BOOL, F_READONLY | F_FILTER},
    {"code", FT_TEXT, F_READONLY | F_SORT},
    {0},
};

/* Purchase codes are what purchases are booked with: whoever may read purchases. */
const struct resource res_vat_code_purchases = {
    .name = "vat_code_purchases",
    .path = "vat_code_purchases",
    .table = "vat_code_purchases",
    .target = "VatCodePurchase",
    .fields = vat_code_purchase_fields,
    .flags = R_READONLY,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_PURCHASES,
};

static const char *const letter_paper_templates[] = {"invoice", "offer", "timesheet", NULL};

/* The documented keys, and what mocod prints with them (its additions): header_text on top of
 * every page (null: the account's name), footer_text at the bottom of every page (bank details,
 * register entries). Who may change the settings adds and changes papers; `file` (a PDF background
 * on MOCO) stays null, mocod draws its papers from the texts. */
static const struct field letter_paper_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT},
    {"active", FT_BOOL, 0, .def = "true"},
    {"template", FT_ENUM, 0, .options = letter_paper_templates}, /* null: any document */
    {"file", FT_TEXT, F_READONLY},
    {"header_text", FT_TEXT, 0, .maxlen = 2000}, /* a few lines: they stay within the page */
    {"footer_text", FT_TEXT, 0, .maxlen = 2000},
    {0},
};

const struct resource res_letter_papers = {
    .name = "letter_papers",
    .path = "letter_papers",
    .table = "letter_papers",
    .target = "LetterPaper",
    .fields = letter_paper_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_INVOICING,
};

/* The defaults of a German account (DATEV keys and SKR03 revenue accounts), the documented
 * example (Swiss 7.7 %) and the temporary 16 % of 2020, kept inactive. Taxes in units of 0.01 %.
 * Migration 14 writes the same rows for the accounts that existed before. */
static const struct {
    int64_t tax;
    bool reverse_charge, intra_eu, active, print_gross_total;
    const char *notice, *notice_alt, *code, *credit_account;
} default_sales[] = {
    {1900, false, false, true, true, "", "", "3", "8400"},
    {700, false, false, true, true, "", "", "2", "8300"},
    {0, true, true, true, false, "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)",
     "Reverse charge: the recipient of the service is liable for VAT", "", "8336"},
    {0, false, false, true, false, "Steuerfreie Ausfuhrlieferung gemäß § 4 Nr. 1a UStG",
     "Tax-exempt export delivery", "", "8120"},
    {770, false, false, true, true, "", "", "9", "4000"},
    {1600, false, false, false, true, "", "", "5", "8400"},
};

static const struct {
    int64_t tax;
    bool reverse_charge, intra_eu, active;
    const char *code;
} default_purchases[] = {
    {1900, false, false, true, "9"}, {700, false, false, true, "8"},
    {1900, true, true, true, "94"},  {0, false, false, true, "0"},
    {770, false, false, true, "9"},  {1600, false, false, false, "7"},
};

int vat_defaults_seed(db_conn *c, int64_t account, const char *now)
{
    for (size_t i = 0; i < sizeof(default_sales) / sizeof(default_sales[0]); i++) {
        db_param p[12] = {dbp_int(account),
                          dbp_text(now),
                          dbp_text(now),
                          dbp_int(default_sales[i].tax),
                          dbp_int(default_sales[i].reverse_charge),
                          dbp_int(default_sales[i].intra_eu),
                          dbp_int(default_sales[i].active),
                          dbp_int(default_sales[i].print_gross_total),
                          dbp_text(default_sales[i].notice),
                          dbp_text(default_sales[i].notice_alt),
                          dbp_text(default_sales[i].code),
                          dbp_text(default_sales[i].credit_account)};
        if (db_exec(c,
                    "INSERT INTO vat_code_sales (account_id, created_at, updated_at, tax, "
                    "reverse_charge, intra_eu, active, print_gross_total, notice_tax_exemption, "
                    "notice_tax_exemption_alt, code, credit_account) VALUES (?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?)",
                    p, 12) != DB_DONE)
            return -1;
    }
    for (size_t i = 0; i < sizeof(default_purchases) / sizeof(default_purchases[0]); i++) {
        db_param p[8] = {dbp_int(account),
                         dbp_text(now),
                         dbp_text(now),
                         dbp_int(default_purchases[i].tax),
                         dbp_int(default_purchases[i].reverse_charge),
                         dbp_int(default_purchases[i].intra_eu),
                         dbp_int(default_purchases[i].active),
                         dbp_text(default_purchases[i].code)};
        if (db_exec(c,
                    "INSERT INTO vat_code_purchases (account_id, created_at, updated_at, tax, "
                    "reverse_charge, intra_eu, active, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    p, 8) != DB_DONE)
            return -1;
    }
    db_param lp[3] = {dbp_int(account), dbp_text(now), dbp_text(now)};
    return db_exec(c,
                   "INSERT INTO letter_papers (account_id, created_at, updated_at, name, active, "
                   "template, file) VALUES (?, ?, ?, 'Standard Letter Paper', 1, NULL, NULL)",
                   lp, 3) == DB_DONE
               ? 0
               : -1;
}
