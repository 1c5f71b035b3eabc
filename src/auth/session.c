/* POST /session (email + password -> the user's API key) and GET /session (is my key valid?). */
#include "auth/auth.h"
#include "core/request.h"
#include "engine/resource.h"

#include <sodium.h>
#include <string.h>

static int session_create(struct req *r)
{
    json_t *email = r->body ? json_object_get(r->body, "email") : NULL;
    json_t *password = r->body ? json_object_get(r->body, "password") : NULL;
    if (!json_is_string(email) || !json_string_length(email))
        return req_fail(r, 422, "email", "email is required");
    if (!json_is_string(password) || !json_string_length(password))
        return req_fail(r, 422, "password", "password is required");

    /* attempts count per client address and email, whatever its letter case: someone guessing
     * slows down only themselves */
    char *lower = arena_strdup(r->arena, json_string_value(email));
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    int wait = login_throttle_attempt(r->client_ip, lower);
    if (wait) {
        req_add_header(r, "Retry-After", arena_printf(r->arena, "%d", wait));
        return req_fail(r, 429, NULL, "too many login attempts; retry in %d s", wait);
    }

    /* The account comes from Host; without one, the email must name a single account. */
    const char *sub = auth_host_subdomain(r);
    db_param p[3] = {dbp_text(json_string_value(email)), dbp_text(sub), dbp_text(sub)};
    db_stmt *s = db_query(r->db,
                          "SELECT u.id, u.account_id, u.password_hash, u.active FROM users u JOIN "
                          "accounts a ON a.id = u.account_id WHERE lower(u.email) = lower(?) AND "
                          "(? IS NULL OR a.subdomain = ?) LIMIT 2",
                          p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t user_id = 0, account_id = 0;
    char *hash = NULL;
    bool active = false;
    int rows = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (rows++ == 0) {
            user_id = db_col_i64(s, 0);
            account_id = db_col_i64(s, 1);
            hash = arena_strdup(r->arena, db_col_text(s, 2));
            active = db_col_i64(s, 3) != 0;
        }
    }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (rows > 1)
        return req_fail(r, 422, NULL,
                        "this email belongs to several accounts: use the account's own host name");
    if (rows == 0 || !active || !password_verify(hash, json_string_value(password)))
        return req_fail(r, 401, NULL, "invalid email or password");
    if (db_begin_scoped(r->db, account_id) != DB_OK)
        return req_fail(r, 503, NULL, "database busy, try again");
    login_throttle_succeeded(r->client_ip, lower);
    char *key = auth_user_key(r->db, r->arena, account_id, user_id);
    if (!key || db_commit(r->db) != DB_OK) {
        db_rollback(r->db);
        return req_fail(r, 500, NULL, "could not read the API key");
    }
    r->status = 200;
    sb_adds(&r->out, "{\"api_key\":");
    sb_add_json_str(&r->out, key, strlen(key));
    sb_adds(&r->out, ",\"user_id\":");
    sb_add_i64(&r->out, user_id);
    sb_addc(&r->out, '}');
    return 0;
}

static int session_show(struct req *r)
{
    r->status = 200;
    if (!r->user_id) { /* an account key: valid, but it is nobody */
        sb_adds(&r->out, "{\"id\":null,\"uuid\":null}");
        return 0;
    }
    db_param p[2] = {dbp_int(r->user_id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db, "SELECT uuid FROM users WHERE id = ? AND account_id = ?", p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    sb_adds(&r->out, "{\"id\":");
    sb_add_i64(&r->out, r->user_id);
    sb_adds(&r->out, ",\"uuid\":");
    if (rc == DB_ROW && !db_col_null(s, 0))
        sb_add_json_str(&r->out, db_col_text(s, 0), db_col_len(s, 0));
    else
        sb_adds(&r->out, "null");
    sb_addc(&r->out, '}');
    db_done(s);
    return 0;
}

const struct route_decl auth_routes[] = {
    {"POST", "session", session_create, 0, AREA_PUBLIC},
    {"GET", "session", session_show, 0, AREA_ANY},
    {0},
};
