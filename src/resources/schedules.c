/* Absences (sections/schedules.md): whole or half days off of a user, by absence code. */
#include "resources/resources.h"

#include <stdlib.h>
#include <string.h>

/* The absence an entry is, rendered as MOCO's "assignment" object. mocod keeps no table of
 * absence kinds: the code (1..5, as the docs list them) is the assignment's id too. */
#define ABSENCE_NAME                                                                               \
    "CASE t.absence_code WHEN 1 THEN 'Unplannable absence' WHEN 2 THEN 'Public holiday' WHEN 3 "   \
    "THEN 'Sick day' WHEN 4 THEN 'Holiday' ELSE 'Absence' END"
#define ABSENCE_COLOR                                                                              \
    "CASE t.absence_code WHEN 1 THEN '#999' WHEN 2 THEN '#DDD' WHEN 3 THEN '#E99' WHEN 4 THEN "    \
    "'#BBB' ELSE '#CCC' END"
#define ASSIGNMENT(key, expr, type)                                                                \
    {                                                                                              \
        key, FT_EXPR, 0, .sql = expr, .as = type, .group = "assignment"                            \
    }

static const struct field schedule_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"comment", FT_TEXT, 0, .def = "\"\""},
    {"am", FT_BOOL, 0, .def = "true"},
    {"pm", FT_BOOL, 0, .def = "true"},
    {"symbol", FT_INT},
    ASSIGNMENT("id", "t.absence_code", FT_INT),
    ASSIGNMENT("name", ABSENCE_NAME, FT_TEXT),
    ASSIGNMENT("code", "CAST(t.absence_code AS TEXT)", FT_TEXT),
    ASSIGNMENT("customer_name", "(SELECT a.name FROM accounts a WHERE a.id = t.account_id)",
               FT_TEXT),
    ASSIGNMENT("color", ABSENCE_COLOR, FT_TEXT),
    ASSIGNMENT("type", "'Absence'", FT_TEXT),
    {"user", FT_REF, F_REQUIRED | F_ACTING_USER | F_FILTER | F_RESTRICT, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"absence_code", FT_INT, F_REQUIRED | F_WRITEONLY | F_FILTER},
    /* mocod has no absence requests: no absence is one's, the filter finds none */
    {"absence_request_id", FT_INT, F_INTERNAL | F_FILTER},
    {"overwrite", FT_BOOL, F_TRANSIENT},
    {0},
};

/* The value a numeric field has after the write (sent, else stored); false when it has none. */
static bool effective_int(struct req *r, struct record *rec, int64_t id, const char *field,
                          const char *column, int64_t *out)
{
    struct value *v = record_value(rec, field);
    if (v->set) {
        *out = v->i;
        return !v->null;
    }
    const char *stored = engine_stored_text(r, &res_schedules, id, column);
    if (!stored)
        return false;
    *out = strtoll(stored, NULL, 10);
    return true;
}

/* Non-staff members keep their own absences only; staff (and administrators) anyone's. */
static int require_own_or_staff(struct req *r, int64_t user)
{
    if (user == r->user_id || req_is_staff(r))
        return 0;
    return req_fail(r, 403, "user_id", "only staff may write the absences of other users");
}

/* Absences of the same user on the same date that share a half day with this one: refused, or
 * with overwrite=true deleted (each by the rules of a delete). */
static int check_overlaps(struct req *r, struct record *rec, int64_t id, int64_t user,
                          const char *date, bool am, bool pm)
{
    db_param p[4] = {dbp_int(r->account_id), dbp_int(user), dbp_text(date), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "SELECT id, am, pm FROM schedules WHERE account_id = ? AND user_id = ? "
                          "AND date = ? AND id <> ? ORDER BY id",
                          p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t hits[16];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (((am && db_col_i64(s, 1)) || (pm && db_col_i64(s, 2))) && n < 16)
            hits[n++] = db_col_i64(s, 0);
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (!n)
        return 0;
    struct value *overwrite = record_value(rec, "overwrite");
    if (!overwrite->set || overwrite->null || !overwrite->i) {
        req_field_error(r, "date",
                        "overlaps absence %lld of the user on %s (overwrite=true replaces it)",
                        (long long)hits[0], date);
        return 0;
    }
    if (r->err_fields)
        return 0; /* the write is refused anyway */
    for (int i = 0; i < n; i++)
        if (engine_delete_row(r, &res_schedules, hits[i]))
            return -1;
    return 0;
}

static int schedule_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id) { /* another's absence stays theirs: changing (or taking it over) needs staff */
        const char *was = engine_stored_text(r, &res_schedules, id, "user_id");
        if (was && require_own_or_staff(r, strtoll(was, NULL, 10)))
            return -1;
    }
    struct value *user = record_value(rec, "user");
    if (user->set && !user->null && require_own_or_staff(r, user->i))
        return -1;

    struct value *code = record_value(rec, "absence_code");
    if (code->set && !code->null && (code->i < 1 || code->i > 5))
        req_field_error(r, "absence_code", "is not included in the list (1, 2, 3, 4, 5)");
    struct value *symbol = record_value(rec, "symbol");
    if (symbol->set && !symbol->null && (symbol->i < 1 || symbol->i > 12))
        req_field_error(r, "symbol", "must be between 1 and 12");
    static const char *const halves[] = {"am", "pm"};
    for (int i = 0; i < 2; i++) {
        struct value *half = record_value(rec, halves[i]);
        if (half->set && half->null) {
            req_field_error(r, halves[i], "can't be blank (true or false)");
            half->set = false;
        }
    }
    struct value *comment = record_value(rec, "comment");
    if (comment->set && comment->null) { /* no comment is an empty one */
        comment->null = false;
        comment->s = "";
    }
    if (user->set && !user->null) {
        db_param p[2] = {dbp_int(user->i), dbp_int(r->account_id)};
        int64_t active = 1;
        if (db_query_i64(r->db, "SELECT active FROM users WHERE id = ? AND account_id = ?", p, 2, 1,
                         &active) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (!active)
            req_field_error(r, "user_id", "must be an active user");
    }

    int64_t u = 0, am = 1, pm = 1;
    bool has_user = effective_int(r, rec, id, "user", "user_id", &u);
    effective_int(r, rec, id, "am", "am", &am);
    effective_int(r, rec, id, "pm", "pm", &pm);
    if (!am && !pm)
        req_field_error(r, "am",
                        "am and pm can't both be false (an absence is a day or half of one)");
    const char *date = engine_effective_text(r, rec, id, "date");
    if (has_user && date && (am || pm) && check_overlaps(r, rec, id, u, date, am, pm))
        return -1;
    return r->err_fields ? -1 : 0;
}

static int schedule_before_delete(struct req *r, int64_t id)
{
    const char *user = engine_stored_text(r, &res_schedules, id, "user_id");
    return user ? require_own_or_staff(r, strtoll(user, NULL, 10)) : 0;
}

const struct resource res_schedules = {
    .name = "schedules",
    .path = "schedules",
    .table = "schedules",
    .target = "Schedule",
    .fields = schedule_fields,
    .flags = R_WEBHOOKS | R_DELETE_RENDERS,
    /* MOCO's absences are the planning calendar's ("calendar"); another user's need Staff
     * (people), see require_own_or_staff */
    .write_area = AREA_CALENDAR,
    .read_area = AREA_CALENDAR,
    .indexes = "user_id,date",
    .before_save = schedule_before_save,
    .before_delete = schedule_before_delete,
};

int schedule_absence_seconds(struct req *r, int64_t user_id, const char *date, int64_t target,
                             unsigned codes, int64_t *seconds)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_int(user_id), dbp_text(date)};
    db_stmt *s = db_query(r->db,
                          "SELECT absence_code, am, pm FROM schedules WHERE account_id = ? AND "
                          "user_id = ? AND date = ?",
                          p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    bool am = false, pm = false;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t code = db_col_i64(s, 0);
        if (codes && (code < 1 || code > 31 || !(codes & (1u << code))))
            continue;
        am = am || db_col_i64(s, 1);
        pm = pm || db_col_i64(s, 2);
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    *seconds = am && pm ? target : (am || pm) ? target / 2 : 0;
    return 0;
}
