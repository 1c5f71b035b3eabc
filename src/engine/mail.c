/* The engine's mail step: a mail an action sends goes into the outbox (table mails) inside the
 * caller's write transaction; src/mail delivers it. */
#include "engine/internal.h"
#include "mail/mail.h"
#include "util/timeutil.h"

int engine_queue_mail(struct req *r, const struct mail *m)
{
    int64_t id;
    return engine_queue_mail_id(r, m, &id);
}

int engine_queue_mail_id(struct req *r, const struct mail *m, int64_t *id)
{
    *id = 0;
    struct mail_built b;
    if (mail_build(r, m, &b))
        return -1;
    if (!db_in_transaction(r->db))
        return req_fail(r, 500, NULL, "a mail is queued inside a write transaction");
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    db_param p[16] = {dbp_int(r->account_id),
                      dbp_text(b.from),
                      dbp_text(b.to_json),
                      dbp_text(b.cc_json),
                      dbp_text(b.bcc_json),
                      dbp_text(m->subject ? m->subject : ""),
                      dbp_text(m->body ? m->body : ""),
                      dbp_text(b.attachments_json),
                      dbp_text(now),
                      dbp_text(b.envelope_from),
                      dbp_text(b.envelope_rcpt),
                      dbp_text(b.message),
                      dbp_text(b.message_id),
                      dbp_int(time_now_ms()),
                      dbp_text(now),
                      dbp_text(now)};
    if (db_query_i64(
            r->db,
            "INSERT INTO mails (account_id, status, from_addr, to_addrs, cc_addrs, bcc_addrs, "
            "subject, body, attachments, attempts, next_attempt_at, envelope_from, "
            "envelope_rcpt, message, message_id, next_attempt_ms, created_at, updated_at) "
            "VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            p, 16, 0, id) != DB_OK ||
        !*id)
        return req_fail(r, 500, NULL, "database error");
    return 0;
}
