/*
 * The engine's event step: every change of an entity of a resource flagged R_WEBHOOKS writes its
 * event into the outbox (webhook_events plus one webhook_deliveries row per subscribed hook) in
 * the transaction of the change. Delivering them is src/webhooks' business.
 */
#include "engine/internal.h"
#include "util/timeutil.h"

#include <string.h>

/* Enabled hooks get the event to deliver; hooks the delivery thread disabled after their
 * failures keep it in their log as skipped (redelivered once the receiver works again). */
static const char hooks_sql[] =
    "SELECT id, disabled FROM web_hooks WHERE account_id = ? AND target = ? AND event = ? AND "
    "(disabled = 0 OR disabled_by_failures = 1) ORDER BY id";

bool engine_event_wanted(struct req *r, const struct resource *res, const char *event)
{
    if (!(res->flags & R_WEBHOOKS))
        return false;
    db_param p[3] = {dbp_int(r->account_id), dbp_text(res->target), dbp_text(event)};
    int64_t any = 0;
    db_query_i64(r->db, hooks_sql, p, 3, 0, &any);
    return any != 0;
}

int engine_event_payload(struct req *r, const struct resource *res, const char *event, int64_t id,
                         const char *payload)
{
    if (!(res->flags & R_WEBHOOKS))
        return 0;
    db_param p[3] = {dbp_int(r->account_id), dbp_text(res->target), dbp_text(event)};
    db_stmt *s = db_query(r->db, hooks_sql, p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t hooks[256];
    bool skipped[256];
    int n = 0, rc;
    bool pending = false;
    while ((rc = db_step(s)) == DB_ROW)
        if (n < 256) {
            skipped[n] = db_col_i64(s, 1) != 0;
            pending = pending || !skipped[n];
            hooks[n++] = db_col_i64(s, 0);
        }
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (n == 0)
        return 0;

    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    int64_t ms = time_now_ms();
    db_param e[8] = {dbp_int(r->account_id),
                     dbp_text(res->target),
                     dbp_text(event),
                     dbp_int(id),
                     r->user_id ? dbp_int(r->user_id) : dbp_null(),
                     dbp_text(payload),
                     dbp_int(ms),
                     dbp_text(now)};
    int64_t event_id = 0;
    if (db_query_i64(r->db,
                     "INSERT INTO webhook_events (account_id, target, event, entity_id, user_id, "
                     "payload, occurred_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                     "RETURNING id",
                     e, 8, 0, &event_id) != DB_OK ||
        !event_id)
        return req_fail(r, 500, NULL, "database error");
    for (int i = 0; i < n; i++) {
        db_param d[11] = {dbp_int(r->account_id),
                          dbp_text(now),
                          dbp_text(now),
                          dbp_int(hooks[i]),
                          dbp_int(event_id),
                          dbp_text(res->target),
                          dbp_text(event),
                          dbp_int(id),
                          dbp_text(skipped[i] ? "skipped" : "pending"),
                          dbp_int(ms),
                          skipped[i] ? dbp_null() : dbp_text(now)};
        if (db_exec(r->db,
                    "INSERT INTO webhook_deliveries (account_id, created_at, updated_at, hook_id, "
                    "event_id, target, event, entity_id, status, attempts, next_attempt_ms, "
                    "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    d, 11) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    if (pending)
        r->webhooks_pending = true;
    return 0;
}

int engine_event(struct req *r, const struct resource *res, const char *event, int64_t id)
{
    if (!engine_event_wanted(r, res, event))
        return 0;
    strbuf payload;
    sb_init(&payload, r->arena, 2048);
    if (engine_render_entity(r, res, id, &payload))
        return -1;
    return engine_event_payload(r, res, event, id, payload.buf);
}
