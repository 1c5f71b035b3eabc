/* What a user owes and is owed in time: holiday entitlements per year (sections/holidays.md),
 * employments with their weekly pattern of target hours (sections/employments.md) and work time
 * adjustments (sections/work_time_adjustments.md). */
#include "resources/resources.h"

#include "util/money.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define PERSON "id,firstname,lastname"

/* ------------------------------------------------------------- holidays */

static const struct field holiday_fields[] = {
    {"year", FT_INT, F_REQUIRED | F_FILTER | F_SORT},
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"days", FT_DECIMAL, F_REQUIRED, .scale = 2},
    /* days at the daily hours of the holiday section, which mocod does not keep: 8 */
    {"hours", FT_EXPR, 0, .sql = "t.days * 8", .as = FT_DECIMAL, .scale = 2},
    {"user", FT_REF, F_REQUIRED | F_FILTER | F_RESTRICT, .ref = &res_users, .ref_fields = PERSON},
    {"creator", FT_REF, F_ACTING_USER, .ref = &res_users, .ref_fields = PERSON},
    {0},
};

static int holidays_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *year = record_value(rec, "year");
    if (year->set && !year->null && (year->i < 1 || year->i > 9999))
        req_field_error(r, "year", "must be a year between 1 and 9999");
    struct value *days = record_value(rec, "days");
    if (days->set && !days->null && (days->i < 0 || days->i > 366 * 100))
        req_field_error(r, "days", "must be between 0 and 366");
    return r->err_fields ? -1 : 0;
}

const struct resource res_holidays = {
    .name = "holidays",
    .path = "users/holidays",
    .table = "user_holidays",
    .target = "UserHoliday",
    .fields = holiday_fields,
    /* entitlements are set by Staff (people area); everyone may read their own */
    .write_area = AREA_PEOPLE,
    .read_area = AREA_TIME_TRACKING,
    .before_save = holidays_before_save,
    /* whoever may read people (staff) sees every user's rows; others their own */
    .own_column = "user_id",
    .all_area = AREA_PEOPLE,
};

/* ------------------------------------------------------------- employments */

#define PATTERN_DAYS  5 /* Monday to Friday */
#define PATTERN_SCALE 2 /* hours with two decimals: 4.25 */

/* The weekly pattern: {"am": [5 hours], "pm": [5 hours]}, Monday first, each half day between 0
 * and 12 hours. Written as JSON text (its numbers exact, from their units), the week's sum into
 * *weekly; NULL with the problem in *problem. */
static const char *pattern_text(struct req *r, json_t *pattern, int64_t *weekly,
                                const char **problem)
{
    static const char *const halves[] = {"am", "pm"};
    *weekly = 0;
    *problem = "must be an object {\"am\": [5 numbers], \"pm\": [5 numbers]} (Monday to Friday)";
    if (!json_is_object(pattern) || json_object_size(pattern) != 2)
        return NULL;
    strbuf o;
    sb_init(&o, r->arena, 128);
    sb_addc(&o, '{');
    for (int h = 0; h < 2; h++) {
        json_t *list = json_object_get(pattern, halves[h]);
        if (!json_is_array(list) || json_array_size(list) != PATTERN_DAYS)
            return NULL;
        sb_addf(&o, "%s\"%s\":[", h ? "," : "", halves[h]);
        for (size_t d = 0; d < PATTERN_DAYS; d++) {
            int64_t units = 0;
            int rc = money_from_json(json_array_get(list, d), PATTERN_SCALE, &units);
            if (rc == MONEY_SCALE) {
                *problem = "has hours with more than 2 decimal places";
                return NULL;
            }
            if (rc != MONEY_OK || json_is_string(json_array_get(list, d)))
                return NULL;
            if (units < 0 || units > 12 * 100) {
                *problem = "has a half day with fewer than 0 or more than 12 hours";
                return NULL;
            }
            char num[MONEY_BUF];
            money_format(units, PATTERN_SCALE, num);
            sb_addf(&o, "%s%s", d ? "," : "", num);
            *weekly += units;
        }
        sb_addc(&o, ']');
    }
    sb_addc(&o, '}');
    *problem = NULL;
    return o.buf;
}

static const struct field employment_fields[] = {
    {"weekly_target_hours", FT_DECIMAL, F_READONLY, .scale = PATTERN_SCALE},
    {"pattern", FT_EXPR, 0, .sql = "t.pattern", .as = FT_CUSTOM},
    {"from", FT_DATE, F_SORT, .column = "from_date"},
    {"to", FT_DATE, F_SORT, .column = "to_date"},
    {"user", FT_REF, F_REQUIRED | F_FILTER | F_RESTRICT, .ref = &res_users, .ref_fields = PERSON},
    /* the pattern as sent (checked by the hook) and as kept */
    {"pattern_input", FT_CUSTOM, F_TRANSIENT | F_REQUIRED, .input = "pattern"},
    {"pattern_text", FT_TEXT, F_INTERNAL, .column = "pattern", .maxlen = 1000},
    {0},
};

static int employments_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *in = record_value(rec, "pattern_input");
    if (in->set && !in->null) {
        int64_t weekly = 0;
        const char *problem = NULL;
        const char *text = pattern_text(r, in->j, &weekly, &problem);
        if (!text) {
            req_field_error(r, "pattern", "%s", problem);
        } else {
            struct value *kept = record_value(rec, "pattern_text");
            kept->set = true;
            kept->s = text;
            struct value *hours = record_value(rec, "weekly_target_hours");
            hours->set = true;
            hours->i = weekly;
        }
    } else if (in->set) {
        req_field_error(r, "pattern", "can't be blank");
    }
    struct value *from = record_value(rec, "from");
    if (!id && (!from->set || from->null)) { /* default: the account's today */
        char *today = arena_alloc(r->arena, 11);
        date_today_in(r->settings.time_zone, today);
        from->set = true;
        from->null = false;
        from->s = today;
    } else if (id && from->set && from->null) {
        req_field_error(r, "from", "can't be blank");
    }
    const char *start = engine_effective_text(r, rec, id, "from");
    const char *end = engine_effective_text(r, rec, id, "to");
    if (start && end && strcmp(end, start) < 0)
        req_field_error(r, "to", "must not be before from");
    struct value *user = record_value(rec, "user");
    const char *stored = engine_stored_text(r, &res_employments, id, "user_id");
    int64_t owner = user->set && !user->null ? user->i : stored ? strtoll(stored, NULL, 10) : 0;
    if (r->err_fields || !start || !owner)
        return -1;
    /* one employment of a user holds on any day */
    db_param p[6] = {dbp_int(r->account_id), dbp_int(owner), dbp_int(id),
                     dbp_text(end ? end : "9999-12-31"), dbp_text(start)};
    int64_t n = 0;
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM employments WHERE account_id = ? AND user_id = ? AND "
                     "id <> ? AND from_date <= ? AND COALESCE(to_date, '9999-12-31') >= ?",
                     p, 5, 0, &n) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (n)
        req_field_error(r, "from", "overlaps another employment of the user");
    return r->err_fields ? -1 : 0;
}

/* from (to may be left out: open-ended): the employments that hold on a day of [from, to]. */
static int employments_list_filter(struct req *r, struct list_query *q)
{
    const char *from = req_query(r, "from"), *to = req_query(r, "to");
    bool has_from = from && *from, has_to = to && *to;
    if (has_to && !has_from)
        return req_fail(r, 422, "from", "from has to be provided with to");
    if ((has_from && !date_valid(from)) || (has_to && !date_valid(to)))
        return req_fail(r, 422, has_from && !date_valid(from) ? "from" : "to",
                        "must be a date (YYYY-MM-DD)");
    if (has_from && has_to && strcmp(from, to) > 0)
        return req_fail(r, 422, "from", "from (%s) is after to (%s)", from, to);
    if (has_from) {
        lq_where(q, "(t.to_date IS NULL OR t.to_date >= ?)");
        lq_param(q, dbp_text(from));
    }
    if (has_to) {
        lq_where(q, "t.from_date <= ?");
        lq_param(q, dbp_text(to));
    }
    return 0;
}

const struct resource res_employments = {
    .name = "employments",
    .path = "users/employments",
    .table = "employments",
    .target = "UserEmployment",
    .fields = employment_fields,
    .write_area = AREA_PEOPLE,
    .read_area = AREA_TIME_TRACKING,
    .indexes = "user_id,from_date",
    .list_filter = employments_list_filter,
    .before_save = employments_before_save,
    .own_column = "user_id",
    .all_area = AREA_PEOPLE,
};

/* Monday 0 ... Sunday 6 of a valid date (days from the civil calendar). */
static int weekday_of(const char *date)
{
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = (long)era * 146097 + doe - 719468; /* 1970-01-01 was a Thursday */
    return (int)(((days % 7) + 7 + 3) % 7);
}

int employment_target_seconds(struct req *r, int64_t user_id, const char *date, int64_t *seconds)
{
    *seconds = 0;
    if (!date || !date_valid(date))
        return 0;
    int day = weekday_of(date);
    if (day >= PATTERN_DAYS)
        return 0;
    db_param p[4] = {dbp_int(r->account_id), dbp_int(user_id), dbp_text(date), dbp_text(date)};
    db_stmt *s = db_query(r->db,
                          "SELECT pattern FROM employments WHERE account_id = ? AND user_id = ? "
                          "AND from_date <= ? AND (to_date IS NULL OR to_date >= ?) ORDER BY "
                          "from_date DESC, id DESC",
                          p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    json_t *pattern = rc == DB_ROW ? json_loads(db_col_text(s, 0), 0, NULL) : NULL;
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    int64_t units = 0;
    for (int h = 0; pattern && h < 2; h++) {
        int64_t half = 0;
        if (money_from_json(json_array_get(json_object_get(pattern, h ? "pm" : "am"), day),
                            PATTERN_SCALE, &half) == MONEY_OK)
            units += half;
    }
    json_decref(pattern);
    *seconds = units * 36; /* hundredths of an hour */
    return 0;
}

/* ------------------------------------------------------------- work time adjustments */

static const struct field adjustment_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"description", FT_TEXT, F_REQUIRED | F_SEARCH, .maxlen = 255},
    {"hours", FT_DECIMAL, F_REQUIRED, .scale = 2},
    {"creator", FT_REF, F_READONLY | F_ACTING_USER, .ref = &res_users, .ref_fields = PERSON},
    {"user", FT_REF, F_REQUIRED | F_FILTER | F_RESTRICT, .ref = &res_users, .ref_fields = PERSON},
    {0},
};

const struct resource res_work_time_adjustments = {
    .name = "work_time_adjustments",
    .path = "users/work_time_adjustments",
    .table = "work_time_adjustments",
    .target = "UserWorkTimeAdjustment",
    .fields = adjustment_fields,
    .write_area = AREA_PEOPLE,
    .read_area = AREA_TIME_TRACKING,
    .indexes = "user_id,date",
    .own_column = "user_id",
    .all_area = AREA_PEOPLE,
};
