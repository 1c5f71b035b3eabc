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
static const char hooks_count_sql[] =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN disabled = 0 THEN 1 ELSE 0 END), 0) FROM web_hooks "
    "WHERE account_id = ? AND target = ? AND event = ? AND (disabled = 0 OR "
    "disabled_by_failures = 1)";

bool engine_event_wanted(struct req *r, const struct resource *res, const char *event)
{
    if (!(res->flags & R_WEBHOOKS))
        return false;
    int known = memo_hooks(r, res, event);
    if (known >= 0)
        return known;
    db_param p[3] = {dbp_int(r->account_id), dbp_text(res->target), dbp_text(event)};
    int64_t any = 0;
    db_query_i64(r->db, hooks_count_sql, p, 3, 0, &any);
    memo_hooks_set(r, res, event, any != 0);
    return any != 0;
}

int engine_event_payload(struct req *r, const struct resource *res, const char *event, int64_t id,
                         const char *payload)
{
    if (!(res->flags & R_WEBHOOKS))
        return 0;
    /* how many hooks listen, and whether any of them is enabled (the others log it skipped) */
    db_param p[3] = {dbp_int(r->account_id), dbp_text(res->target), dbp_text(event)};
    db_stmt *s = db_query(r->db, hooks_count_sql, p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    int64_t n = rc == DB_ROW ? db_col_i64(s, 0) : 0;
    bool pending = rc == DB_ROW && db_col_i64(s, 1) > 0;
    db_done(s);
    if (rc != DB_ROW)
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
    /* one delivery per listening hook, however many there are */
    db_param d[12] = {
        dbp_int(r->account_id), dbp_text(now),          dbp_text(now),         dbp_int(event_id),
        dbp_text(res->target),  dbp_text(event),        dbp_int(id),           dbp_int(ms),
        dbp_text(now),          dbp_int(r->account_id), dbp_text(res->target), dbp_text(event)};
    if (db_exec(r->db,
                "INSERT INTO webhook_deliveries (account_id, created_at, updated_at, hook_id, "
                "event_id, target, event, entity_id, status, attempts, next_attempt_ms, "
                "next_attempt_at) SELECT ?, ?, ?, h.id, ?, ?, ?, ?, CASE WHEN h.disabled = 0 "
                "THEN 'pending' ELSE 'skipped' END, 0, ?, CASE WHEN h.disabled = 0 THEN ? END "
                "FROM web_hooks h WHERE h.account_id = ? AND h.target = ? AND h.event = ? AND "
                "(h.disabled = 0 OR h.disabled_by_failures = 1) ORDER BY h.id",
                d, 12) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
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
