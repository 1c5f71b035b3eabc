/*
 * The account's hourly rates (sections/account/hourly_rates.md) and internal hourly rates
 * (sections/account/internal_hourly_rates.md): routes on the collection, without ids, over the
 * tables of migration 13. Rates are money units at scale 2.
 *
 * Hourly rates: per currency a default, a rate per task template and one per user; the global
 * ones (company_id 0) and a customer's own (company_id of the customer). The rate that applies
 * (GET, and account_hourly_rate for activities) is, for a currency: the customer's own rate of
 * the task (user), else the global one, else the customer's own default, else the global
 * default, else 0. GET therefore shows what an activity would get.
 *
 * The docs have no PATCH /account/hourly_rates; mocod's mirrors the GET's shape:
 *   {"company_id": 123 (optional: the customer's own rates),
 *    "defaults_rates": [{"currency": "EUR", "hourly_rate": 150.0}],
 *    "tasks": [{"id": 5004, "rates": [{"currency": "EUR", "hourly_rate": 150.0}]}],
 *    "users": [{"id": 9338, "rates": [...]}]}
 * Only the entries given change; "hourly_rate": null removes one (it inherits again). It answers
 * the GET of the same company_id.
 */
#include "resources/resources.h"

#include "util/money.h"
#include "util/parse.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RATE_SCALE 2
#define YEAR_MIN   1900
#define YEAR_MAX   2100
#define MAX_YEARS  50

enum rate_kind { KIND_DEFAULT, KIND_TASK, KIND_USER };
static const char *const kind_names[] = {"default", "task", "user"};

/* One write changes at most this many subjects (tasks, users) and currencies of each: its work
 * inside the write transaction stays bounded. */
#define RATES_MAX      2000
#define CURRENCIES_MAX 50

static int db_error(struct req *r)
{
    return req_fail(r, 500, NULL, "database error");
}

/* The first column of the first row as text in the arena; NULL when there is no row (or SQL
 * NULL). -1 on a database error. */
static int query_text(struct req *r, const char *sql, const db_param *p, int np, const char **out)
{
    *out = NULL;
    db_stmt *s = db_query(r->db, sql, p, np);
    if (!s)
        return db_error(r);
    int rc = db_step(s);
    if (rc == DB_ROW && !db_col_null(s, 0))
        *out = arena_strndup(r->arena, db_col_text(s, 0), db_col_len(s, 0));
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : db_error(r);
}

/* 0 when the row exists (1 when it does not), -1 on a database error. */
static int row_exists(struct req *r, const char *sql, int64_t id)
{
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    int64_t one = 0;
    if (db_query_i64(r->db, sql, p, 2, 0, &one) != DB_OK)
        return db_error(r);
    return one ? 0 : 1;
}

/* ?name=true|false (absent: false); 422 on anything else. */
static int query_bool(struct req *r, const char *name, bool *out)
{
    const char *v = req_query(r, name);
    *out = false;
    if (!v || !*v || !strcasecmp(v, "false") || !strcmp(v, "0"))
        return 0;
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return 0;
    }
    return req_fail(r, 422, name, "%s must be true or false", name);
}

/* ?name=ID (absent or empty: 0); 422 unless a positive integer. */
static int query_id(struct req *r, const char *name, int64_t *out)
{
    const char *v = req_query(r, name);
    *out = 0;
    if (!v || !*v)
        return 0;
    if (!parse_i64(v, out) || *out <= 0)
        return req_fail(r, 422, name, "%s must be an id", name);
    return 0;
}

static bool currency_valid(const char *c)
{
    if (!c || strlen(c) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (c[i] < 'A' || c[i] > 'Z')
            return false;
    return true;
}

static void add_money(strbuf *o, int64_t units)
{
    char buf[MONEY_BUF];
    sb_add(o, buf, money_format(units, RATE_SCALE, buf));
}

/* A rate from JSON into units: money, at most 2 decimals, not negative. NULL when fine. */
static const char *parse_rate(const json_t *j, int64_t *units)
{
    int rc = money_from_json(j, RATE_SCALE, units);
    if (rc != MONEY_OK)
        return money_problem(rc, RATE_SCALE);
    if (*units < 0)
        return "must be greater than or equal to 0";
    return NULL;
}

/* ---------------------------------------------------------------- hourly rates: reading */

struct rate_row {
    int kind;
    int64_t subject;
    const char *currency;
    int own; /* 1: the customer's own, 0: global */
    int64_t units;
};

struct rate_table {
    struct rate_row *rows;
    int n;
    const char **currencies; /* sorted, unique */
    int ncur;
};

static int rate_row_cmp(const void *pa, const void *pb)
{
    const struct rate_row *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->subject != b->subject)
        return a->subject < b->subject ? -1 : 1;
    int c = strcmp(a->currency, b->currency);
    if (c)
        return c;
    return a->own - b->own;
}

static int str_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static const struct rate_row *rate_find(const struct rate_table *t, int kind, int64_t subject,
                                        const char *currency, int own)
{
    struct rate_row key = {kind, subject, currency, own, 0};
    return t->n ? bsearch(&key, t->rows, (size_t)t->n, sizeof(key), rate_row_cmp) : NULL;
}

/* The customer's own stored rate, else the global one; NULL when neither is stored. */
static const struct rate_row *rate_stored(const struct rate_table *t, int kind, int64_t subject,
                                          const char *currency)
{
    const struct rate_row *own = rate_find(t, kind, subject, currency, 1);
    return own ? own : rate_find(t, kind, subject, currency, 0);
}

/* The rate that applies: the task's (user's), else the currency's default, else 0. */
static int64_t rate_effective(const struct rate_table *t, int kind, int64_t subject,
                              const char *currency)
{
    const struct rate_row *row =
        kind == KIND_DEFAULT ? NULL : rate_stored(t, kind, subject, currency);
    if (!row)
        row = rate_stored(t, KIND_DEFAULT, 0, currency);
    return row ? row->units : 0;
}

static int kind_of(const char *name)
{
    for (int k = 0; k < 3; k++)
        if (name && !strcmp(name, kind_names[k]))
            return k;
    return -1;
}

/* The rates of the account, global and (company_id > 0) the customer's own, and the currencies
 * to show: the account's, the customer's and every one a rate is stored in. */
static int rate_table_load(struct req *r, int64_t company_id, const char *company_currency,
                           struct rate_table *t)
{
    memset(t, 0, sizeof(*t));
    db_param p[2] = {dbp_int(r->account_id), dbp_int(company_id)};
    int64_t count = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM hourly_rates WHERE account_id = ? AND (company_id = 0 "
                     "OR company_id = ?)",
                     p, 2, 0, &count) != DB_OK)
        return db_error(r);
    const char *account_currency = NULL;
    db_param a[1] = {dbp_int(r->account_id)};
    if (query_text(r, "SELECT currency FROM accounts WHERE id = ?", a, 1, &account_currency))
        return -1;
    t->rows = arena_calloc(r->arena, (size_t)count + 1, sizeof(*t->rows));
    t->currencies = arena_calloc(r->arena, (size_t)count + 2, sizeof(*t->currencies));
    db_stmt *s = db_query(r->db,
                          "SELECT kind, subject_id, currency, company_id, rate FROM hourly_rates "
                          "WHERE account_id = ? AND (company_id = 0 OR company_id = ?)",
                          p, 2);
    if (!s)
        return db_error(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && t->n < count) {
        int kind = kind_of(db_col_text(s, 0));
        if (kind < 0)
            continue;
        struct rate_row *row = &t->rows[t->n++];
        row->kind = kind;
        row->subject = db_col_i64(s, 1);
        row->currency = arena_strndup(r->arena, db_col_text(s, 2), db_col_len(s, 2));
        row->own = db_col_i64(s, 3) != 0;
        row->units = db_col_i64(s, 4);
        t->currencies[t->ncur++] = row->currency;
    }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_error(r);
    if (currency_valid(account_currency))
        t->currencies[t->ncur++] = account_currency;
    if (currency_valid(company_currency))
        t->currencies[t->ncur++] = company_currency;
    qsort(t->rows, (size_t)t->n, sizeof(*t->rows), rate_row_cmp);
    qsort(t->currencies, (size_t)t->ncur, sizeof(*t->currencies), str_cmp);
    int u = 0;
    for (int i = 0; i < t->ncur; i++)
        if (!u || strcmp(t->currencies[u - 1], t->currencies[i]))
            t->currencies[u++] = t->currencies[i];
    t->ncur = u;
    return 0;
}

static void render_rate_list(strbuf *o, const struct rate_table *t, int kind, int64_t subject)
{
    sb_addc(o, '[');
    for (int i = 0; i < t->ncur; i++) {
        sb_adds(o, i ? ",{\"currency\":" : "{\"currency\":");
        sb_add_json_str(o, t->currencies[i], strlen(t->currencies[i]));
        sb_adds(o, ",\"hourly_rate\":");
        add_money(o, rate_effective(t, kind, subject, t->currencies[i]));
        sb_addc(o, '}');
    }
    sb_addc(o, ']');
}

/* The customer company_id of the account (its currency in *currency), else 422 naming field. */
static int require_customer(struct req *r, int64_t company_id, const char *field,
                            const char **currency)
{
    db_param p[2] = {dbp_int(company_id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT currency FROM companies WHERE id = ? AND account_id = ? AND "
                          "type = 'customer'",
                          p, 2);
    if (!s)
        return db_error(r);
    int rc = db_step(s);
    *currency = NULL;
    if (rc == DB_ROW && !db_col_null(s, 0))
        *currency = arena_strndup(r->arena, db_col_text(s, 0), db_col_len(s, 0));
    db_done(s);
    if (rc == DB_DONE)
        return req_fail(r, 422, field, "%s must be a customer of the account", field);
    return rc == DB_ROW ? 0 : db_error(r);
}

static int render_hourly_rates(struct req *r, int64_t company_id, const char *company_currency,
                               bool archived_users)
{
    struct rate_table t;
    if (rate_table_load(r, company_id, company_currency, &t))
        return -1;
    strbuf *o = &r->out;
    sb_adds(o, "{\"defaults_rates\":");
    render_rate_list(o, &t, KIND_DEFAULT, 0);

    sb_adds(o, ",\"tasks\":[");
    db_param p[1] = {dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT id, name FROM task_templates WHERE account_id = ? "
                          "ORDER BY position, id",
                          p, 1);
    if (!s)
        return db_error(r);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_i64(s, 0);
        sb_adds(o, n++ ? ",{\"id\":" : "{\"id\":");
        sb_add_i64(o, id);
        sb_adds(o, ",\"name\":");
        sb_add_json_str(o, db_col_text(s, 1) ? db_col_text(s, 1) : "", db_col_len(s, 1));
        sb_adds(o, ",\"rates\":");
        render_rate_list(o, &t, KIND_TASK, id);
        sb_addc(o, '}');
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_error(r);

    sb_adds(o, "],\"users\":[");
    db_param u[2] = {dbp_int(r->account_id), dbp_int(archived_users)};
    s = db_query(r->db,
                 "SELECT id, firstname, lastname FROM users WHERE account_id = ? AND "
                 "(? = 1 OR active = 1) ORDER BY firstname, lastname, id",
                 u, 2);
    if (!s)
        return db_error(r);
    n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_i64(s, 0);
        const char *first = db_col_text(s, 1), *last = db_col_text(s, 2);
        char *full = arena_printf(r->arena, "%s %s", first ? first : "", last ? last : "");
        sb_adds(o, n++ ? ",{\"id\":" : "{\"id\":");
        sb_add_i64(o, id);
        sb_adds(o, ",\"full_name\":");
        sb_add_json_str(o, full, strlen(full));
        sb_adds(o, ",\"rates\":");
        render_rate_list(o, &t, KIND_USER, id);
        sb_addc(o, '}');
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_error(r);
    sb_adds(o, "]}");
    r->status = 200;
    return 0;
}

static int hourly_rates_get(struct req *r)
{
    int64_t company_id;
    bool archived;
    const char *currency = NULL;
    if (query_id(r, "company_id", &company_id) ||
        query_bool(r, "include_archived_users", &archived) ||
        (company_id && require_customer(r, company_id, "company_id", &currency)))
        return -1;
    return render_hourly_rates(r, company_id, currency, archived);
}

/* ---------------------------------------------------------------- hourly rates: writing */

struct rate_op {
    int kind;
    int64_t subject;
    const char *currency;
    bool remove;
    int64_t units;
};

struct rate_ops {
    struct rate_op *ops;
    int n, cap;
};

static void ops_add(struct req *r, struct rate_ops *l, struct rate_op op)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        l->ops = arena_realloc(r->arena, l->ops, sizeof(*l->ops) * (size_t)l->cap,
                               sizeof(*l->ops) * (size_t)cap);
        l->cap = cap;
    }
    l->ops[l->n++] = op;
}

/* [{"currency", "hourly_rate"}] at path ("defaults_rates", "tasks[1].rates"): each entry becomes
 * an op, each problem a field error named by its place. */
static void parse_rate_entries(struct req *r, json_t *list, const char *path, int kind,
                               int64_t subject, struct rate_ops *ops)
{
    if (!json_is_array(list)) {
        req_field_error(r, path, "must be an array of {currency, hourly_rate}");
        return;
    }
    if (json_array_size(list) > CURRENCIES_MAX) {
        req_field_error(r, path, "at most %d currencies", CURRENCIES_MAX);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *at = arena_printf(r->arena, "%s[%zu]", path, i);
        if (!json_is_object(e)) {
            req_field_error(r, at, "must be an object {currency, hourly_rate}");
            continue;
        }
        struct rate_op op = {.kind = kind, .subject = subject};
        bool ok = true;
        op.currency = json_string_value(json_object_get(e, "currency"));
        if (!currency_valid(op.currency)) {
            req_field_error(r, arena_printf(r->arena, "%s.currency", at),
                            "must be a currency code of three capital letters (EUR)");
            ok = false;
        }
        json_t *rate = json_object_get(e, "hourly_rate");
        const char *problem = NULL;
        if (!rate)
            problem = "is required (null removes the rate)";
        else if (json_is_null(rate))
            op.remove = true;
        else
            problem = parse_rate(rate, &op.units);
        if (problem) {
            req_field_error(r, arena_printf(r->arena, "%s.hourly_rate", at), "%s", problem);
            ok = false;
        }
        if (ok)
            ops_add(r, ops, op);
    }
}

/* [{"id", "rates"}] of task templates or users under key. */
static int parse_subjects(struct req *r, const char *key, int kind, const char *exists_sql,
                          struct rate_ops *ops)
{
    json_t *list = json_object_get(r->body, key);
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list)) {
        req_field_error(r, key, "must be an array of {id, rates}");
        return 0;
    }
    if (json_array_size(list) > RATES_MAX) { /* bounded work inside the write */
        req_field_error(r, key, "at most %d entries at once", RATES_MAX);
        return 0;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *at = arena_printf(r->arena, "%s[%zu]", key, i);
        if (!json_is_object(e)) {
            req_field_error(r, at, "must be an object {id, rates}");
            continue;
        }
        json_t *id = json_object_get(e, "id");
        int found = 1;
        if (json_is_integer(id) && json_integer_value(id) > 0) {
            found = row_exists(r, exists_sql, json_integer_value(id));
            if (found < 0)
                return -1;
        }
        if (found) {
            req_field_error(r, arena_printf(r->arena, "%s.id", at), "must be the id of a %s",
                            kind == KIND_TASK ? "task template of the account"
                                              : "user of the account");
            continue;
        }
        parse_rate_entries(r, json_object_get(e, "rates"), arena_printf(r->arena, "%s.rates", at),
                           kind, json_integer_value(id), ops);
    }
    return 0;
}

/* A customer's custom_rates flag says whether it has rates of its own. */
static int refresh_custom_rates(struct req *r, int64_t company_id)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(company_id)};
    int64_t own = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM hourly_rates WHERE account_id = ? AND company_id = ?", p,
                     2, 0, &own) != DB_OK)
        return db_error(r);
    int64_t flag = own > 0;
    db_param q[3] = {dbp_int(company_id), dbp_int(r->account_id), dbp_int(flag)};
    int64_t was = -1;
    if (db_query_i64(r->db,
                     "SELECT custom_rates FROM companies WHERE id = ? AND account_id = ? AND "
                     "custom_rates <> ?",
                     q, 3, -1, &was) != DB_OK)
        return db_error(r);
    if (was < 0)
        return 0; /* unchanged */
    db_param u[3] = {dbp_int(flag), dbp_int(company_id), dbp_int(r->account_id)};
    if (db_exec(r->db, "UPDATE companies SET custom_rates = ? WHERE id = ? AND account_id = ?", u,
                3) != DB_DONE)
        return db_error(r);
    return engine_entity_changed(r, &res_companies, company_id);
}

static int hourly_rates_patch(struct req *r)
{
    bool archived;
    if (query_bool(r, "include_archived_users", &archived))
        return -1;
    if (!json_is_object(r->body))
        return req_fail(r, 422, "defaults_rates", "send defaults_rates, tasks or users");
    int64_t company_id = 0;
    const char *currency = NULL;
    json_t *cid = json_object_get(r->body, "company_id");
    if (cid && !json_is_null(cid)) {
        if (!json_is_integer(cid) || json_integer_value(cid) <= 0)
            return req_fail(r, 422, "company_id", "company_id must be the id of a customer");
        company_id = json_integer_value(cid);
        if (require_customer(r, company_id, "company_id", &currency))
            return -1;
    }
    json_t *defaults = json_object_get(r->body, "defaults_rates");
    if ((!defaults || json_is_null(defaults)) && !json_object_get(r->body, "tasks") &&
        !json_object_get(r->body, "users"))
        return req_fail(r, 422, "defaults_rates", "send defaults_rates, tasks or users");
    struct rate_ops ops = {0};
    if (defaults && !json_is_null(defaults))
        parse_rate_entries(r, defaults, "defaults_rates", KIND_DEFAULT, 0, &ops);
    if (parse_subjects(r, "tasks", KIND_TASK,
                       "SELECT 1 FROM task_templates WHERE id = ? AND account_id = ?", &ops) ||
        parse_subjects(r, "users", KIND_USER, "SELECT 1 FROM users WHERE id = ? AND account_id = ?",
                       &ops))
        return -1;
    if (r->err_fields)
        return -1;
    for (int i = 0; i < ops.n; i++) {
        const struct rate_op *op = &ops.ops[i];
        db_param p[6] = {dbp_int(r->account_id),         dbp_int(company_id),
                         dbp_text(kind_names[op->kind]), dbp_int(op->subject),
                         dbp_text(op->currency),         dbp_int(op->units)};
        if (db_exec(r->db,
                    "DELETE FROM hourly_rates WHERE account_id = ? AND company_id = ? AND kind = ? "
                    "AND subject_id = ? AND currency = ?",
                    p, 5) != DB_DONE)
            return db_error(r);
        if (!op->remove &&
            db_exec(r->db,
                    "INSERT INTO hourly_rates (account_id, company_id, kind, subject_id, currency, "
                    "rate) VALUES (?, ?, ?, ?, ?, ?)",
                    p, 6) != DB_DONE)
            return db_error(r);
    }
    if (company_id && refresh_custom_rates(r, company_id))
        return -1;
    return render_hourly_rates(r, company_id, currency, archived);
}

int account_hourly_rate(struct req *r, const char *variant, int64_t company_id,
                        const char *currency, const char *task_name, int64_t user_id,
                        int64_t *units)
{
    *units = 0;
    if (!currency)
        return 0;
    int kind = KIND_DEFAULT;
    int64_t subject = 0;
    if (variant && !strcmp(variant, "task") && task_name) {
        db_param t[2] = {dbp_int(r->account_id), dbp_text(task_name)};
        if (db_query_i64(r->db,
                         "SELECT MIN(id) FROM task_templates WHERE account_id = ? AND name = ?", t,
                         2, 0, &subject) != DB_OK)
            return db_error(r);
        kind = subject ? KIND_TASK : KIND_DEFAULT;
    } else if (variant && !strcmp(variant, "user") && user_id > 0) {
        kind = KIND_USER;
        subject = user_id;
    }
    /* the first of: own task/user rate, global one, own default, global default */
    db_param p[8] = {dbp_int(r->account_id), dbp_text(currency),         dbp_int(company_id),
                     dbp_int(company_id),    dbp_text(kind_names[kind]), dbp_int(subject),
                     dbp_int(company_id),    dbp_int(company_id)};
    db_stmt *s =
        db_query(r->db,
                 "SELECT rate FROM hourly_rates WHERE account_id = ? AND currency = ? AND "
                 "(company_id = 0 OR (company_id = ? AND ? > 0)) AND "
                 "((kind = 'default' AND subject_id = 0) OR (kind = ? AND subject_id = ?)) "
                 "ORDER BY CASE WHEN kind = 'default' THEN 1 ELSE 0 END, "
                 "CASE WHEN company_id = ? AND ? > 0 THEN 0 ELSE 1 END LIMIT 1",
                 p, 8);
    if (!s)
        return db_error(r);
    int rc = db_step(s);
    if (rc == DB_ROW)
        *units = db_col_i64(s, 0);
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : db_error(r);
}

/* ---------------------------------------------------------------- internal hourly rates */

struct internal_rate {
    int64_t user_id;
    int64_t year;
    int64_t units;
};

static int internal_rate_cmp(const void *pa, const void *pb)
{
    const struct internal_rate *a = pa, *b = pb;
    if (a->user_id != b->user_id)
        return a->user_id < b->user_id ? -1 : 1;
    return a->year < b->year ? -1 : a->year > b->year;
}

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

static bool year_valid(int64_t y)
{
    return y >= YEAR_MIN && y <= YEAR_MAX;
}

/* ?years=2021 or 2020,2021 (absent: this year of the account's calendar): sorted, unique. */
static int parse_years(struct req *r, int64_t *years, int *n)
{
    const char *v = req_query(r, "years");
    if (!v || !*v) {
        char today[11]; /* YYYY-MM-DD */
        date_today_in(r->settings.time_zone, today);
        years[0] = (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 +
                   (today[3] - '0');
        *n = 1;
        return 0;
    }
    int count = parse_id_list(v, years, MAX_YEARS);
    if (count <= 0)
        return req_fail(r, 422, "years", "years must be a year or years separated by commas");
    for (int i = 0; i < count; i++)
        if (!year_valid(years[i]))
            return req_fail(r, 422, "years", "years must lie between %d and %d", YEAR_MIN,
                            YEAR_MAX);
    qsort(years, (size_t)count, sizeof(*years), i64_cmp);
    int u = 0;
    for (int i = 0; i < count; i++)
        if (!u || years[u - 1] != years[i])
            years[u++] = years[i];
    *n = u;
    return 0;
}

/* The users (only those of `only`, sorted, when nonly >= 0) with their rate of each year. */
static int render_internal_rates(struct req *r, const int64_t *years, int nyears, int64_t unit_id,
                                 bool archived, const int64_t *only, int nonly)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_int(years[0]), dbp_int(years[nyears - 1])};
    int64_t count = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM internal_hourly_rates WHERE account_id = ? AND "
                     "rate_year >= ? AND rate_year <= ?",
                     p, 3, 0, &count) != DB_OK)
        return db_error(r);
    struct internal_rate *rates = arena_calloc(r->arena, (size_t)count + 1, sizeof(*rates));
    int nrates = 0;
    db_stmt *s = db_query(r->db,
                          "SELECT user_id, rate_year, rate FROM internal_hourly_rates WHERE "
                          "account_id = ? AND rate_year >= ? AND rate_year <= ?",
                          p, 3);
    if (!s)
        return db_error(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && nrates < count)
        rates[nrates++] =
            (struct internal_rate){db_col_i64(s, 0), db_col_i64(s, 1), db_col_i64(s, 2)};
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_error(r);
    qsort(rates, (size_t)nrates, sizeof(*rates), internal_rate_cmp);

    db_param u[4] = {dbp_int(r->account_id), dbp_int(archived), dbp_int(unit_id), dbp_int(unit_id)};
    s = db_query(r->db,
                 "SELECT id, firstname, lastname FROM users WHERE account_id = ? AND "
                 "(? = 1 OR active = 1) AND (? = 0 OR unit_id = ?) "
                 "ORDER BY firstname, lastname, id",
                 u, 4);
    if (!s)
        return db_error(r);
    strbuf *o = &r->out;
    sb_addc(o, '[');
    int n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_i64(s, 0);
        if (nonly >= 0 && !bsearch(&id, only, (size_t)nonly, sizeof(*only), i64_cmp))
            continue;
        const char *first = db_col_text(s, 1), *last = db_col_text(s, 2);
        char *full = arena_printf(r->arena, "%s %s", first ? first : "", last ? last : "");
        sb_adds(o, n++ ? ",{\"id\":" : "{\"id\":");
        sb_add_i64(o, id);
        sb_adds(o, ",\"full_name\":");
        sb_add_json_str(o, full, strlen(full));
        sb_adds(o, ",\"rates\":[");
        for (int y = 0; y < nyears; y++) {
            struct internal_rate key = {id, years[y], 0};
            const struct internal_rate *got =
                nrates ? bsearch(&key, rates, (size_t)nrates, sizeof(key), internal_rate_cmp)
                       : NULL;
            sb_adds(o, y ? ",{\"year\":" : "{\"year\":");
            sb_add_i64(o, years[y]);
            sb_adds(o, ",\"rate\":");
            add_money(o, got ? got->units : 0);
            sb_addc(o, '}');
        }
        sb_adds(o, "]}");
    }
    db_done(s);
    if (rc != DB_DONE)
        return db_error(r);
    sb_addc(o, ']');
    r->status = 200;
    return 0;
}

static int internal_rates_get(struct req *r)
{
    int64_t years[MAX_YEARS], unit_id;
    int nyears = 0;
    bool archived;
    if (parse_years(r, years, &nyears) || query_id(r, "unit_id", &unit_id) ||
        query_bool(r, "include_archived", &archived))
        return -1;
    return render_internal_rates(r, years, nyears, unit_id, archived, NULL, -1);
}

/* {"year": 2021, "rates": [{"user_id", "rate"}]}: sets (null: removes) those users' rates of the
 * year and answers them as GET renders them, for that year. */
static int internal_rates_patch(struct req *r)
{
    if (!json_is_object(r->body))
        return req_fail(r, 422, "year", "send year and rates");
    json_t *year = json_object_get(r->body, "year");
    int64_t y = json_is_integer(year) ? json_integer_value(year) : 0;
    if (!year || json_is_null(year))
        req_field_error(r, "year", "is required");
    else if (!json_is_integer(year) || !year_valid(y))
        req_field_error(r, "year", "must be a year between %d and %d", YEAR_MIN, YEAR_MAX);
    json_t *rates = json_object_get(r->body, "rates");
    size_t nr = json_is_array(rates) ? json_array_size(rates) : 0;
    if (!json_is_array(rates))
        req_field_error(r, "rates", "must be an array of {user_id, rate}");
    if (nr > RATES_MAX)
        return req_fail(r, 422, "rates", "at most %d rates at once", RATES_MAX);
    int64_t *users = arena_calloc(r->arena, nr + 1, sizeof(*users));
    int64_t *units = arena_calloc(r->arena, nr + 1, sizeof(*units));
    bool *remove = arena_calloc(r->arena, nr + 1, sizeof(*remove));
    for (size_t i = 0; i < nr; i++) {
        json_t *e = json_array_get(rates, i);
        if (!json_is_object(e)) {
            req_field_error(r, arena_printf(r->arena, "rates[%zu]", i),
                            "must be an object {user_id, rate}");
            continue;
        }
        json_t *uid = json_object_get(e, "user_id");
        int found = 1;
        if (json_is_integer(uid) && json_integer_value(uid) > 0) {
            found = row_exists(r, "SELECT 1 FROM users WHERE id = ? AND account_id = ?",
                               json_integer_value(uid));
            if (found < 0)
                return -1;
        }
        if (found)
            req_field_error(r, arena_printf(r->arena, "rates[%zu].user_id", i),
                            "must be the id of a user of the account");
        users[i] = json_integer_value(uid);
        json_t *rate = json_object_get(e, "rate");
        const char *problem = NULL;
        if (!rate)
            problem = "is required (null removes the rate)";
        else if (json_is_null(rate))
            remove[i] = true;
        else
            problem = parse_rate(rate, &units[i]);
        if (problem)
            req_field_error(r, arena_printf(r->arena, "rates[%zu].rate", i), "%s", problem);
    }
    if (r->err_fields)
        return -1;
    for (size_t i = 0; i < nr; i++) {
        db_param p[4] = {dbp_int(r->account_id), dbp_int(users[i]), dbp_int(y), dbp_int(units[i])};
        if (db_exec(r->db,
                    "DELETE FROM internal_hourly_rates WHERE account_id = ? AND user_id = ? AND "
                    "rate_year = ?",
                    p, 3) != DB_DONE)
            return db_error(r);
        if (!remove[i] && db_exec(r->db,
                                  "INSERT INTO internal_hourly_rates (account_id, user_id, "
                                  "rate_year, rate) VALUES (?, ?, ?, ?)",
                                  p, 4) != DB_DONE)
            return db_error(r);
    }
    qsort(users, nr, sizeof(*users), i64_cmp);
    return render_internal_rates(r, &y, 1, 0, true, users, (int)nr);
}

const struct route_decl hourly_rate_routes[] = {
    {"GET", "account/hourly_rates", hourly_rates_get, 0, AREA_SETTINGS},
    {"PATCH", "account/hourly_rates", hourly_rates_patch, ROUTE_WRITE, AREA_SETTINGS},
    {"PUT", "account/hourly_rates", hourly_rates_patch, ROUTE_WRITE, AREA_SETTINGS},
    {"GET", "account/internal_hourly_rates", internal_rates_get, 0, AREA_SETTINGS},
    {"PATCH", "account/internal_hourly_rates", internal_rates_patch, ROUTE_WRITE, AREA_SETTINGS},
    {"PUT", "account/internal_hourly_rates", internal_rates_patch, ROUTE_WRITE, AREA_SETTINGS},
    {0},
};
