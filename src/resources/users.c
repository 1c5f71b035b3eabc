/* Staff members (sections/users.md) and the profile of the acting user (sections/profile.md). */
#include "resources/resources.h"

#include <string.h>

static const char *const languages[] = {"de", "de-AT", "de-CH", "en", "it", "fr", NULL};

static const struct field user_fields[] = {
    {"firstname", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"lastname", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"active", FT_BOOL, F_SORT, .def = "true"},
    {"extern", FT_BOOL, 0, .input = "external", .def = "false"},
    {"email", FT_TEXT, F_REQUIRED | F_UNIQUE | F_NOCASE | F_FILTER | F_SORT, .maxlen = 255,
     .check = check_email},
    {"mobile_phone", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"work_phone", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"home_address", FT_TEXT, 0, .def = "\"\""},
    {"info", FT_TEXT, 0, .def = "\"\""},
    {"birthday", FT_DATE, 0, .input = "bday"},
    {"iban", FT_TEXT, 0, .def = "\"\"", .maxlen = 64},
    {"avatar_url", FT_FILE, 0, .input = "avatar"},
    {"tags", FT_TAGS},
    {"custom_properties", FT_CUSTOM},
    {"unit", FT_REF, F_REQUIRED | F_RESTRICT | F_FILTER, .ref = &res_units},
    {"role", FT_REF, 0, .ref = &res_user_roles},
    {"password", FT_PASSWORD, F_WRITEONLY, .column = "password_hash"},
    {"language", FT_ENUM, F_WRITEONLY, .options = languages, .def = "\"de\""},
    {"uuid", FT_UUID, F_INTERNAL},
    {0},
};

/* tags: any of a comma list (deactivated users are hidden by R_HIDES_INACTIVE). */
static int users_list_filter(struct req *r, struct list_query *q)
{
    return filter_by_tag_names(q, "tags");
}

/* The rights of a role (role_id) or of a user through its role (user_id): 1 when there is none. */
static int load_rights(struct req *r, bool of_user, int64_t id, struct rights *out)
{
    strbuf sql;
    sb_init(&sql, r->arena, 512);
    sb_adds(&sql, "SELECT ro.is_admin");
    for (int i = AREA_FIRST; i < AREA_COUNT; i++)
        sb_addf(&sql, ", ro.perm_%s", perm_area_names[i]);
    sb_adds(&sql, of_user ? " FROM users u JOIN user_roles ro ON ro.id = u.role_id AND "
                            "ro.account_id = u.account_id WHERE u.id = ? AND u.account_id = ?"
                          : " FROM user_roles ro WHERE ro.id = ? AND ro.account_id = ?");
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db, sql.buf, p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc == DB_ROW) {
        out->admin = db_col_i64(s, 0) != 0;
        for (int i = AREA_FIRST; i < AREA_COUNT; i++)
            out->perm[i] =
                (unsigned char)(out->admin ? PERM_FULL : perm_level_parse(db_col_text(s, i)));
        rc = 0;
    } else {
        rc = rc == DB_DONE ? 1 : req_fail(r, 500, NULL, "database error");
    }
    db_done(s);
    return rc;
}

/* Nobody takes over (email, password, role, active flag, deletion) a user who holds rights they
 * lack. */
static int require_not_above(struct req *r, int64_t id, const char *what)
{
    struct rights theirs;
    int rc = load_rights(r, true, id, &theirs);
    if (rc < 0)
        return -1;
    if (rc == 0 && req_rights_exceeded(r, &theirs))
        return req_fail(r, 403, NULL, "you cannot %s a user who holds rights that you lack", what);
    return 0;
}

static int users_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *role = record_value(rec, "role");
    if (id == 0 && !role->set) { /* new staff get the account's default role */
        db_param p[1] = {dbp_int(r->account_id)};
        int64_t def = 0;
        db_query_i64(r->db,
                     "SELECT id FROM user_roles WHERE account_id = ? AND is_default = 1 "
                     "ORDER BY id LIMIT 1",
                     p, 1, 0, &def);
        if (def) {
            role->set = true;
            role->i = def;
        }
    }
    if (role->set && !role->null) { /* nobody grants rights beyond their own */
        struct rights granted;
        int rc = load_rights(r, false, role->i, &granted);
        if (rc < 0)
            return -1;
        if (rc == 0 && req_rights_exceeded(r, &granted))
            return req_fail(r, 403, "role_id",
                            "you cannot grant a role with rights beyond your own");
    }
    /* the login (email, password), role and active flag of who holds more stay theirs */
    if (id &&
        (role->set || record_value(rec, "password")->set || record_value(rec, "active")->set ||
         record_value(rec, "email")->set) &&
        require_not_above(r, id, "change the login, role or active flag of"))
        return -1;

    if (id && id == r->user_id) {
        struct value *active = record_value(rec, "active");
        if (active->set && !active->null && !active->i)
            return req_fail(r, 422, "active", "you cannot deactivate yourself");
    }
    return 0;
}

static int users_before_delete(struct req *r, int64_t id)
{
    if (id == r->user_id)
        return req_fail(r, 422, NULL, "you cannot delete yourself");
    if (require_not_above(r, id, "delete"))
        return -1;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    if (db_exec(r->db, "DELETE FROM api_keys WHERE account_id = ? AND user_id = ?", p, 2) !=
        DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    return 0;
}

static const struct action user_actions[] = {
    /* target hours against tracked hours (performance_report.c) */
    {"GET", "performance_report", .answer = ANSWER_OWN, .render = users_performance_report},
    {0},
};

const struct resource res_users = {
    .name = "users",
    .path = "users",
    .table = "users",
    .target = "User",
    .fields = user_fields,
    .actions = user_actions,
    .flags = R_WEBHOOKS | R_HIDES_INACTIVE,
    .write_area = AREA_PEOPLE,
    .read_area = AREA_ANY,
    .indexes = "active,id",
    .list_filter = users_list_filter,
    .before_save = users_before_save,
    .before_delete = users_before_delete,
};

static const struct field profile_fields[] = {
    {"email", FT_TEXT},
    {"full_name", FT_EXPR, 0, .sql = "t.firstname || ' ' || t.lastname"},
    {"first_name", FT_TEXT, 0, .column = "firstname"},
    {"last_name", FT_TEXT, 0, .column = "lastname"},
    {"active", FT_BOOL},
    {"external", FT_BOOL, 0, .column = "extern"},
    {"avatar_url", FT_TEXT},
    {"unit", FT_REF, 0, .ref = &res_units},
    {0},
};

const struct resource res_profile = {
    .name = "profile",
    .path = "profile",
    .table = "users",
    .target = "User",
    .fields = profile_fields,
    .flags = R_SINGLETON | R_VIEW | R_READONLY | R_NO_LIST,
    .write_area = AREA_ANY,
    .read_area = AREA_ANY,
};
