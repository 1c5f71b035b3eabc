/* Companies: customers, suppliers and organizations (sections/companies.md). */
#include "resources/resources.h"

#include <stdio.h>
#include <string.h>

static const char *const company_types[] = {"customer", "supplier", "organization", NULL};
static const char *const invoice_formats[] = {"regular_pdf", "x_invoice", "zugferd_x_invoice",
                                              NULL};
static const char *const payment_means[] = {"not_defined", "credit_transfer", "", NULL};

/* Shown for customers (suppliers) only; clients set the tax with customer_tax (supplier_tax). */
#define CUSTOMER_VAT(key, kind, col, initial)                                                      \
    {                                                                                              \
        key, kind, F_READONLY, .column = col, .def = initial, .group = "customer_vat",             \
                               .when = "type=customer"                                             \
    }
#define SUPPLIER_VAT(key, kind, col, initial)                                                      \
    {                                                                                              \
        key, kind, F_READONLY, .column = col, .def = initial, .group = "supplier_vat",             \
                               .when = "type=supplier"                                             \
    }

#define BILLING(col)                                                                               \
    "CASE t.type WHEN 'supplier' THEN t.supplier_" col " ELSE t.customer_" col " END"

static const struct field company_fields[] = {
    {"type", FT_ENUM, F_REQUIRED | F_FILTER | F_SORT, .options = company_types},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"website", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"email", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"billing_email_cc", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"phone", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"fax", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"address", FT_TEXT, 0, .def = "\"\""},
    {"tags", FT_TAGS},
    {"user", FT_REF, F_ACTING_USER, .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {"info", FT_TEXT, 0, .def = "\"\""},
    {"custom_properties", FT_CUSTOM},
    {"identifier", FT_TEXT, F_FILTER | F_SORT | F_SEARCH, .maxlen = 64},
    {"intern", FT_BOOL, 0, .def = "false"},
    /* the tax of the company's kind (a supplier's supplier_tax, else customer_tax), as the
     * service renders it; billing_tax on input sets it (billing_tax_input below) */
    {"billing_tax", FT_EXPR, 0, .sql = BILLING("tax"), .as = FT_DECIMAL},
    {"tax", FT_EXPR, 0, .sql = BILLING("tax"), .as = FT_DECIMAL, .group = "billing_vat"},
    {"reverse_charge", FT_EXPR, 0, .sql = BILLING("reverse_charge"), .as = FT_BOOL,
     .group = "billing_vat"},
    {"intra_eu", FT_EXPR, 0, .sql = BILLING("intra_eu"), .as = FT_BOOL, .group = "billing_vat"},
    {"tax", FT_DECIMAL, 0, .column = "customer_tax", .input = "customer_tax", .def = "0",
     .group = "customer_vat", .when = "type=customer"},
    CUSTOMER_VAT("reverse_charge", FT_BOOL, "customer_reverse_charge", "false"),
    CUSTOMER_VAT("intra_eu", FT_BOOL, "customer_intra_eu", "false"),
    CUSTOMER_VAT("active", FT_BOOL, "customer_vat_active", "true"),
    CUSTOMER_VAT("print_gross_total", FT_BOOL, "customer_print_gross_total", "true"),
    CUSTOMER_VAT("notice_tax_exemption", FT_TEXT, "customer_notice_tax_exemption", "\"\""),
    CUSTOMER_VAT("notice_tax_exemption_alt", FT_TEXT, "customer_notice_tax_exemption_alt", "\"\""),
    {"tax", FT_DECIMAL, 0, .column = "supplier_tax", .input = "supplier_tax", .def = "0",
     .group = "supplier_vat", .when = "type=supplier"},
    SUPPLIER_VAT("reverse_charge", FT_BOOL, "supplier_reverse_charge", "false"),
    SUPPLIER_VAT("intra_eu", FT_BOOL, "supplier_intra_eu", "false"),
    SUPPLIER_VAT("active", FT_BOOL, "supplier_vat_active", "true"),
    {"iban", FT_TEXT, 0, .maxlen = 64, .when = "type=supplier"},
    {"currency", FT_TEXT, 0, .maxlen = 3},
    {"custom_rates", FT_BOOL, F_READONLY, .def = "false"},
    {"include_time_report", FT_BOOL, 0, .def = "false"},
    {"billing_notes", FT_TEXT, 0, .def = "\"\""},
    {"default_discount", FT_DECIMAL, 0, .def = "0"},
    {"default_cash_discount", FT_DECIMAL, 0, .def = "0"},
    {"default_cash_discount_days", FT_INT, 0, .def = "0"},
    {"country_code", FT_TEXT, 0, .maxlen = 2},
    {"vat_identifier", FT_TEXT, 0, .def = "\"\"", .maxlen = 64},
    {"alternative_correspondence_language", FT_BOOL, 0, .def = "false"},
    {"default_invoice_due_days", FT_INT, 0, .def = "30"},
    {"footer", FT_TEXT, 0, .def = "\"\""},
    {"projects", FT_HAS_MANY, 0, .ref = &res_projects, .fk = "customer_id",
     .ref_fields = "id,identifier,name,active,billable"},
    {"active", FT_BOOL, F_READONLY, .def = "true"},
    {"archived_on", FT_DATE, F_READONLY},
    {"debit_number", FT_INT},
    /* the service's name of tags: the same names, rendered once more */
    {"labels", FT_EXPR, 0, .sql = "t.tags", .as = FT_STRLIST},
    {"billing_tax_input", FT_DECIMAL, F_TRANSIENT, .input = "billing_tax"},
    /* accepted, not part of the representation */
    {"invoice_due_days", FT_INT, F_WRITEONLY},
    {"customer_vat_code_id", FT_INT, F_WRITEONLY},
    {"supplier_vat_code_id", FT_INT, F_WRITEONLY},
    {"bank_owner", FT_TEXT, F_WRITEONLY, .maxlen = 255},
    {"bank_bic", FT_TEXT, F_WRITEONLY, .maxlen = 32},
    {"credit_number", FT_INT, F_WRITEONLY},
    {"invoice_format", FT_ENUM, F_WRITEONLY, .options = invoice_formats, .def = "\"regular_pdf\""},
    {"default_payment_means", FT_ENUM, F_WRITEONLY, .options = payment_means},
    {0},
};

/* The value of the field stored in column (several fields share a name: tax). */
static struct value *value_of_column(struct record *rec, const char *column)
{
    for (const struct field *f = rec->res->fields; f->name; f++)
        if (f->column && !strcmp(f->column, column))
            return &rec->v[f - rec->res->fields];
    return NULL;
}

static void set_text(struct value *v, const char *s)
{
    v->set = true;
    v->null = false;
    v->s = s;
}

/* The account's currency or country, defaults of companies that give none. */
static const char *account_text(struct req *r, const char *sql)
{
    db_param p[1] = {dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db, sql, p, 1);
    const char *v = NULL;
    if (s && db_step(s) == DB_ROW && !db_col_null(s, 0))
        v = arena_strdup(r->arena, db_col_text(s, 0));
    db_done(s);
    return v;
}

static int company_before_save(struct req *r, struct record *rec, int64_t id)
{
    const char *type = engine_effective_text(r, rec, id, "type");
    bool customer = type && !strcmp(type, "customer");
    /* customers need a currency, also after an update or a change of type: the service takes
     * the account's, the newer docs refuse a customer without one */
    const char *currency = engine_effective_text(r, rec, id, "currency");
    if ((customer || id == 0) && (!currency || !*currency)) {
        bool refuse = customer && r->settings.strict_validation;
        const char *own =
            refuse ? NULL : account_text(r, "SELECT currency FROM accounts WHERE id = ?");
        if (own)
            set_text(record_value(rec, "currency"), own);
        else if (customer)
            req_field_error(r, "currency", "can't be blank for a customer");
    }
    struct value *country = record_value(rec, "country_code");
    if (id == 0 && !country->set) { /* "default is account country" */
        const char *own = account_text(r, "SELECT country_code FROM accounts WHERE id = ?");
        if (own)
            set_text(country, own);
    }
    /* billing_tax (the service's name) sets the tax of the company's kind */
    struct value *billing = record_value(rec, "billing_tax_input");
    if (billing->set) {
        struct value *tax = value_of_column(
            rec, type && !strcmp(type, "supplier") ? "supplier_tax" : "customer_tax");
        tax->set = true; /* it wins over customer_tax/supplier_tax sent with it */
        tax->null = false;
        tax->i = billing->null ? 0 : billing->i; /* both exact at the same scale */
    }
    /* invoice_due_days sets the company's default_invoice_due_days */
    struct value *due = record_value(rec, "invoice_due_days");
    struct value *def_due = record_value(rec, "default_invoice_due_days");
    if (due->set && !due->null) {
        def_due->set = true;
        def_due->null = false;
        def_due->i = due->i;
    }
    /* customers get the next number when they have none (number ranges on automatic) */
    struct value *ident = record_value(rec, "identifier");
    const char *current = engine_effective_text(r, rec, id, "identifier");
    if (customer && (!current || !*current)) {
        db_param p[1] = {dbp_int(r->account_id)};
        int64_t next = 0;
        if (db_query_i64(r->db,
                         "SELECT COALESCE(MAX(CAST(identifier AS INTEGER)), 0) + 1 FROM companies "
                         "WHERE account_id = ? AND type = 'customer'",
                         p, 1, 1, &next) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        ident->set = true;
        ident->null = false;
        ident->s = arena_printf(r->arena, "%lld", (long long)next);
    }
    if (ident->set && !ident->null && *ident->s) {
        db_param p[3] = {dbp_int(r->account_id), dbp_text(ident->s), dbp_int(id)};
        int64_t taken = 0;
        db_query_i64(r->db,
                     "SELECT 1 FROM companies WHERE account_id = ? AND identifier = ? AND id <> ?",
                     p, 3, 0, &taken);
        if (taken)
            req_field_error(r, "identifier", "has already been taken");
    }
    return r->err_fields ? -1 : 0;
}

static int company_list_filter(struct req *r, struct list_query *q)
{
    return filter_by_tag_names(q, "tags");
}

const struct resource res_companies = {
    .name = "companies",
    .path = "companies",
    .table = "companies",
    .target = "Company",
    .fields = company_fields,
    .flags = R_WEBHOOKS | R_ARCHIVABLE,
    .write_area = AREA_COMPANIES,
    .read_area = AREA_COMPANIES,
    .indexes = "active,id;type,active",
    .delete_status = 200, /* MOCO answers a company's delete with 200 and an empty body */
    .list_filter = company_list_filter,
    .before_save = company_before_save,
};

/* ------------------------------------------------------------- contacts */

static const char *const genders[] = {"F", "M", "U", NULL};

static const struct field contact_fields[] = {
    {"gender", FT_ENUM, F_REQUIRED, .options = genders},
    {"salutation", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"firstname", FT_TEXT, F_SORT | F_SEARCH, .def = "\"\"", .maxlen = 255},
    {"lastname", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"title", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"job_position", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"mobile_phone", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"work_fax", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"work_phone", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"work_email", FT_TEXT, F_SEARCH, .def = "\"\"", .maxlen = 255},
    {"work_address", FT_TEXT, 0, .def = "\"\""},
    {"home_email", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"home_address", FT_TEXT, 0, .def = "\"\""},
    {"birthday", FT_DATE},
    {"info", FT_TEXT, F_LIST_HIDDEN, .def = "\"\""},
    {"avatar_url", FT_TEXT, F_READONLY},
    {"tags", FT_TAGS},
    {"company", FT_REF, F_FILTER, .ref = &res_companies, .ref_fields = "id,type,name"},
    {"user", FT_REF, F_ACTING_USER, .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {"custom_properties", FT_CUSTOM},
    {"name", FT_EXPR, F_INTERNAL,
     .sql = "t.firstname || ' ' || t.lastname"}, /* as a deal's person */
    {0},
};

/* phone: reverse look-up in work and mobile numbers, spaces ignored. */
static int contact_list_filter(struct req *r, struct list_query *q)
{
    const char *phone = req_query(r, "phone");
    if (phone && *phone) {
        strbuf digits;
        sb_init(&digits, r->arena, 32);
        sb_addc(&digits, '%');
        for (const char *p = phone; *p; p++)
            if (*p != ' ' && *p != '%' && *p != '_' && *p != '\\') /* no LIKE pattern */
                sb_addc(&digits, *p);
        sb_addc(&digits, '%');
        lq_where(q, "(replace(t.work_phone, ' ', '') LIKE ? OR replace(t.mobile_phone, ' ', '') "
                    "LIKE ?)");
        lq_param(q, dbp_text(digits.buf));
        lq_param(q, dbp_text(digits.buf));
    }
    return filter_by_tag_names(q, "tags");
}

static int contact_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *user = record_value(rec, "user");
    if (id == 0 && !user->set && r->user_id) { /* the current user is responsible by default */
        user->set = true;
        user->i = r->user_id;
    }
    return 0;
}

const struct resource res_contacts = {
    .name = "contacts",
    .path = "contacts/people",
    .table = "contacts",
    .target = "Contact",
    .fields = contact_fields,
    .flags = R_WEBHOOKS,
    .write_area = AREA_CONTACTS,
    .read_area = AREA_CONTACTS,
    .search_extra = "(SELECT c.name FROM companies c WHERE c.id = t.company_id)",
    .list_filter = contact_list_filter,
    .before_save = contact_before_save,
};
