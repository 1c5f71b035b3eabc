/* Presences of users (sections/presences.md): working times of a day, "HH:MM" in the account's
 * time zone, with the time clock of POST /users/presences/touch. */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

/* "HH:MM", 00:00 to 23:59 (the transform below makes "8:00" two digits first). */
static bool time_valid(const char *s)
{
    return strlen(s) == 5 && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' &&
           s[2] == ':' && s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9' &&
           (s[0] < '2' || s[1] <= '3');
}

static const char *check_time(const char *s)
{
    if (strlen(s) == 4 && s[1] == ':') { /* "8:00" */
        char padded[6] = {'0', s[0], s[1], s[2], s[3], '\0'};
        return time_valid(padded) ? NULL : "must be a time of day (HH:MM)";
    }
    return time_valid(s) ? NULL : "must be a time of day (HH:MM)";
}

/* "to" may be left blank: an open presence. */
static const char *check_time_or_blank(const char *s)
{
    return *s ? check_time(s) : NULL;
}

static const char *pad_time(arena *a, const char *s)
{
    return strlen(s) == 4 ? arena_printf(a, "0%s", s) : s;
}

static const struct field presence_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"from", FT_TEXT, F_REQUIRED | F_SORT, .column = "from_time", .maxlen = 5, .check = check_time,
     .transform = pad_time},
    {"to", FT_TEXT, 0, .column = "to_time", .maxlen = 5, .check = check_time_or_blank,
     .transform = pad_time},
    {"is_home_office", FT_BOOL, F_FILTER, .def = "false"},
    {"user", FT_REF, F_READONLY | F_ACTING_USER | F_FILTER | F_RESTRICT, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {0},
};

/* Changing another user's presences needs the Staff permission (people, full). */
static int require_own(struct req *r, int64_t id)
{
    if (!req_is_staff(r) && engine_stored_int(r, &res_presences, id, "user_id") != r->user_id)
        return req_fail(r, 403, NULL, "only Staff may change the presences of others");
    return 0;
}

/* Presences of user on date (other than id) that overlap [from, to); an open one lasts until the
 * end of the day. */
static int count_overlaps(struct req *r, int64_t user, const char *date, const char *from,
                          const char *to, int64_t id, int64_t *n)
{
    db_param p[6] = {dbp_int(r->account_id),      dbp_int(user), dbp_text(date), dbp_int(id),
                     dbp_text(to ? to : "24:00"), dbp_text(from)};
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM presences WHERE account_id = ? AND user_id = ? AND "
                     "date = ? AND id <> ? AND from_time < ? AND COALESCE(to_time, '24:00') > ?",
                     p, 6, 0, n) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    return 0;
}

static int presences_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id && require_own(r, id))
        return -1;
    struct value *user = record_value(rec, "user");
    if (!id && (!user->set || user->null))
        return req_fail(r, 422, NULL,
                        "a presence is the acting user's: an account API key has to impersonate "
                        "a user (X-IMPERSONATE-USER-ID)");
    struct value *to = record_value(rec, "to");
    if (to->set && !to->null && !*to->s)
        to->null = true; /* blank: open */
    const char *date = engine_effective_text(r, rec, id, "date");
    const char *from = engine_effective_text(r, rec, id, "from");
    const char *until = engine_effective_text(r, rec, id, "to");
    if (from && until && strcmp(until, from) <= 0)
        req_field_error(r, "to", "must be after from");
    if (r->err_fields || !date || !from)
        return -1;
    int64_t owner = id ? engine_stored_int(r, &res_presences, id, "user_id") : user->i;
    int64_t n = 0;
    if (count_overlaps(r, owner, date, from, until, id, &n))
        return -1;
    if (n)
        req_field_error(r, "from", "overlaps another presence of %s", date);
    /* home office is a property of the whole day: a new presence of such a day has it too */
    struct value *home = record_value(rec, "is_home_office");
    if (!id && !json_object_get(rec->input, "is_home_office")) {
        db_param p[3] = {dbp_int(r->account_id), dbp_int(owner), dbp_text(date)};
        int64_t at_home = 0;
        if (db_query_i64(r->db,
                         "SELECT COUNT(*) FROM presences WHERE account_id = ? AND user_id = ? AND "
                         "date = ? AND is_home_office = 1",
                         p, 3, 0, &at_home) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        home->set = true;
        home->null = false;
        home->i = at_home > 0;
    }
    return r->err_fields ? -1 : 0;
}

/* is_home_office given: "will set the whole day", each other presence of it too. */
static int presences_after_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *home = record_value(rec, "is_home_office");
    if (!json_object_get(rec->input, "is_home_office") || !home->set || home->null)
        return 0;
    db_param p[5] = {dbp_int(r->account_id), dbp_int(id), dbp_int(r->account_id), dbp_int(id),
                     dbp_int(home->i)};
    struct entity_list others;
    if (engine_collect_entities(r,
                                "SELECT 'Presence', o.id FROM presences o JOIN presences t ON "
                                "t.account_id = ? AND t.id = ? AND o.user_id = t.user_id AND "
                                "o.date = t.date WHERE o.account_id = ? AND o.id <> ? AND "
                                "o.is_home_office <> ? ORDER BY o.id",
                                p, 5, &others))
        return -1;
    /* the siblings' flag alone, each with its update event: no hooks run again (linear) */
    struct column_value set[] = {{"is_home_office", dbp_int(home->i != 0)}};
    for (int i = 0; i < others.n; i++)
        if (engine_set_columns(r, &res_presences, others.items[i].id, set, 1, true))
            return -1;
    return 0;
}

static int presences_before_delete(struct req *r, int64_t id)
{
    return require_own(r, id);
}

/* from and to (dates) together. */
static int presences_list_filter(struct req *r, struct list_query *q)
{
    const char *from = req_query(r, "from"), *to = req_query(r, "to");
    if ((from && *from) != (to && *to))
        return req_fail(r, 422, from && *from ? "to" : "from",
                        "from and to have to be provided together");
    return 0;
}

/* ------------------------------------------------------------- touch */

struct touch {
    char date[11];
    char time[6];
    json_t *home; /* is_home_office as given, or NULL */
    bool discarded;
};

/* POST touch, before the transaction: the moment (now in the account's time zone, or the
 * override "YYYY-MM-DD HH:MM", local time as given) and is_home_office. */
static int touch_prepare(struct req *r, struct action_call *call)
{
    if (!r->user_id)
        return req_fail(r, 422, NULL,
                        "touch clocks the acting user: an account API key has to impersonate a "
                        "user (X-IMPERSONATE-USER-ID)");
    struct touch *t = arena_calloc(r->arena, 1, sizeof(*t));
    json_t *body = r->body && json_is_object(r->body) ? r->body : NULL;
    json_t *home = body ? json_object_get(body, "is_home_office") : NULL;
    if (home && !json_is_null(home)) {
        if (!json_is_boolean(home))
            return req_fail(r, 422, "is_home_office", "is_home_office must be true or false");
        t->home = home;
    }
    json_t *ov = body ? json_object_get(body, "override") : NULL;
    if (ov && !json_is_null(ov)) {
        const char *s = json_is_string(ov) ? json_string_value(ov) : "";
        char date[11] = {0};
        if (strlen(s) == 16 && s[10] == ' ')
            memcpy(date, s, 10);
        if (!date[0] || !date_valid(date) || !time_valid(s + 11))
            return req_fail(r, 422, "override", "override must be a time \"YYYY-MM-DD HH:MM\"");
        memcpy(t->date, s, 10);
        memcpy(t->time, s + 11, 5);
    } else {
        time_t now = (time_t)(time_now_ms() / 1000);
        int off = 0;
        if (!r->settings.time_zone || !time_zone_offset(r->settings.time_zone, now, &off))
            off = 0;
        char iso[TIMESTAMP_LEN + 1];
        time_format_iso(now + off, iso); /* the local wall clock, written as if UTC */
        memcpy(t->date, iso, 10);
        memcpy(t->time, iso + 11, 5);
    }
    call->ctx = t;
    return 0;
}

static int locked(struct req *r, const struct touch *t)
{
    return req_fail(r, 423, NULL, "a touch at %s %s conflicts with another presence", t->date,
                    t->time);
}

/* Clocks in (a new presence from now) or out (the open presence of the day ends now). */
static int presences_touch(struct req *r, struct action_call *call)
{
    struct touch *t = call->ctx;
    db_param p[3] = {dbp_int(r->account_id), dbp_int(r->user_id), dbp_text(t->date)};
    db_stmt *s = db_query(r->db,
                          "SELECT id, from_time FROM presences WHERE account_id = ? AND user_id = "
                          "? AND date = ? AND to_time IS NULL ORDER BY from_time DESC, id DESC",
                          p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t open = 0;
    const char *from = NULL;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        open = db_col_i64(s, 0);
        from = arena_strdup(r->arena, db_col_text(s, 1));
    }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    int64_t n = 0;
    if (open) {
        if (!strcmp(t->time, from)) { /* in and out within the same minute: discarded */
            t->discarded = true;
            return engine_delete_row(r, &res_presences, open);
        }
        if (strcmp(t->time, from) < 0) /* out before in */
            return locked(r, t);
        if (count_overlaps(r, r->user_id, t->date, from, t->time, open, &n))
            return -1;
        if (n)
            return locked(r, t);
        json_t *input = json_pack("{ss}", "to", t->time);
        if (!input)
            return req_fail(r, 500, NULL, "out of memory");
        req_keep(r, input);
        if (t->home)
            json_object_set(input, "is_home_office", t->home);
        call->answer_id = open;
        return engine_update_row(r, &res_presences, open, input);
    }
    /* clocking in inside a closed presence of the day */
    db_param in[5] = {dbp_int(r->account_id), dbp_int(r->user_id), dbp_text(t->date),
                      dbp_text(t->time), dbp_text(t->time)};
    if (db_query_i64(r->db,
                     "SELECT COUNT(*) FROM presences WHERE account_id = ? AND user_id = ? AND "
                     "date = ? AND from_time <= ? AND to_time > ?",
                     in, 5, 0, &n) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (n)
        return locked(r, t);
    json_t *input = json_pack("{ssss}", "date", t->date, "from", t->time);
    if (!input)
        return req_fail(r, 500, NULL, "out of memory");
    req_keep(r, input);
    if (t->home)
        json_object_set(input, "is_home_office", t->home);
    return engine_insert(r, &res_presences, 0, input, &call->answer_id);
}

static int touch_answer(struct req *r, struct action_call *call)
{
    struct touch *t = call->ctx;
    if (t->discarded) {
        r->status = 204;
        return 0;
    }
    return engine_render_entity(r, &res_presences, call->answer_id, &r->out);
}

static const struct action presence_actions[] = {
    {"POST", "touch", presences_touch, A_COLLECTION, .prepare = touch_prepare, .answer = ANSWER_OWN,
     .render = touch_answer},
    {0},
};

const struct resource res_presences = {
    .name = "presences",
    .path = "users/presences",
    .table = "presences",
    .target = "Presence",
    .fields = presence_fields,
    .actions = presence_actions,
    .flags = R_WEBHOOKS,
    /* one's own working times are time tracking; those of others need the people area too */
    .write_area = AREA_TIME_TRACKING,
    .read_area = AREA_TIME_TRACKING,
    .indexes = "user_id,date",
    .list_filter = presences_list_filter,
    .before_save = presences_before_save,
    .after_save = presences_after_save,
    .before_delete = presences_before_delete,
    /* whoever may read people (staff) sees every user's presences; others their own */
    .own_column = "user_id",
    .all_area = AREA_PEOPLE,
};
