/* Web hooks (sections/web_hooks.md) and their delivery log (mocod's addition, see README). */
#include "util/secret.h"
#include "resources/resources.h"
#include "util/timeutil.h"
#include "webhooks/webhooks.h"

#include <stdlib.h>
#include <string.h>

/* Every target MOCO's documentation lists; a hook can subscribe to those mocod has. */
static const char *const moco_targets[] = {
    "Activity",
    "Comment",
    "Company",
    "Contact",
    "Contract",
    "Deal",
    "Expense",
    "Invoice",
    "Invoice::Approval",
    "Invoice::Payment",
    "InvoiceDraft",
    "InvoiceReminder",
    "Offer",
    "PlanningEntry",
    "Presence",
    "Project",
    "Project::PaymentSchedule",
    "Purchase",
    "Purchase::Approval",
    "Purchase::Draft",
    "Purchase::Payment",
    "RecurringExpense",
    "Schedule",
    "Task",
    "User",
    "User::HolidayRequest",
    "User::AbsenceRequest",
    "User::PeriodLockOverride",
    NULL,
};
static const char *const events[] = {"create", "update", "delete", "archive", "unarchive", NULL};

static const char *check_signature_key(const char *s)
{
    if (strlen(s) != WEBHOOK_KEY_LEN || strspn(s, "0123456789abcdef") != WEBHOOK_KEY_LEN)
        return "must be 32 lowercase hexadecimal characters";
    return NULL;
}

/* A MOCO target that mocod has (so that events can come). */
static const char *check_target(const char *target)
{
    const struct resource *res = resource_by_target(target);
    if (res && (res->flags & R_WEBHOOKS))
        return NULL;
    return "is not a target mocod has: it sends the events of its resources with web hooks (the "
           "README lists them)";
}

static const char *check_hook_url(const char *url)
{
    return webhooks_check_url(url, webhooks_private_allowed());
}

static const struct field web_hook_fields[] = {
    {"target", FT_ENUM, F_REQUIRED | F_CREATEONLY | F_FILTER | F_SORT, .options = moco_targets,
     .check = check_target},
    {"event", FT_ENUM, F_REQUIRED | F_CREATEONLY | F_FILTER | F_SORT, .options = events},
    {"hook", FT_TEXT, F_REQUIRED, .maxlen = 2048, .check = check_hook_url},
    {"disabled", FT_BOOL, F_READONLY | F_FILTER, .def = "false"},
    {"disabled_at", FT_TIMESTAMP, F_READONLY},
    {"signature_key", FT_TEXT, F_CREATEONLY | F_ADMIN_ONLY, .check = check_signature_key},
    {"consecutive_failures", FT_INT, F_INTERNAL},
    /* disabled by the delivery thread after its failures (not by a client): the events it then
     * misses are kept in its delivery log as skipped, to be redelivered once it works again */
    {"disabled_by_failures", FT_BOOL, F_INTERNAL, .def = "false"},
    {0},
};

static int web_hook_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *key = record_value(rec, "signature_key");
    if (id == 0 && (!key->set || key->null)) {
        char *fresh = arena_alloc(r->arena, WEBHOOK_KEY_LEN + 1);
        random_hex(fresh, WEBHOOK_KEY_LEN / 2);
        key->set = true;
        key->null = false;
        key->s = fresh;
    }
    struct value *failures = record_value(rec, "consecutive_failures");
    if (id == 0) {
        failures->set = true;
        failures->i = 0;
    }
    return 0;
}

/* Enabling starts the failure count afresh; disabling twice keeps the first disabled_at. */
static const struct col_set enable_set[] = {
    {"disabled", "0"},
    {"disabled_at", "NULL"},
    {"consecutive_failures", "CASE WHEN disabled = 1 THEN 0 ELSE consecutive_failures END"},
    {"disabled_by_failures", "0"},
    {0},
};
static const struct col_set disable_set[] = {
    {"disabled", "1"},
    {"disabled_at", "CASE WHEN disabled = 1 THEN disabled_at ELSE :now END"},
    {"disabled_by_failures", "0"}, /* a client's choice: missed events are not kept */
    {0},
};

static const struct action web_hook_actions[] = {
    {"PUT", "enable", .set = enable_set},
    {"PUT", "disable", .set = disable_set},
    {0},
};

const struct resource res_web_hooks = {
    .name = "web_hooks",
    .path = "account/web_hooks",
    .table = "web_hooks",
    .target = "WebHook",
    .fields = web_hook_fields,
    .actions = web_hook_actions,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_SETTINGS,
    .indexes = "target,event,disabled",
    .before_save = web_hook_before_save,
};

/* ------------------------------------------------------------- delivery log */

static const char *const statuses[] = {"pending", "delivered", "failed", "skipped", NULL};

static const struct field delivery_fields[] = {
    {"target", FT_TEXT, F_READONLY},
    {"event", FT_TEXT, F_READONLY | F_FILTER},
    {"entity_id", FT_INT, F_READONLY},
    {"status", FT_ENUM, F_READONLY | F_FILTER, .options = statuses},
    {"attempts", FT_INT, F_READONLY},
    {"last_response_code", FT_INT, F_READONLY},
    {"last_error", FT_TEXT, F_READONLY},
    {"next_attempt_at", FT_TIMESTAMP, F_READONLY},
    {"delivered_at", FT_TIMESTAMP, F_READONLY},
    {"event_id", FT_INT, F_INTERNAL},
    {"next_attempt_ms", FT_INT, F_INTERNAL},
    {0},
};

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* RETURNING gives no order: the answer lists the deliveries by id. */
static void sort_ids(int64_t *ids, int n)
{
    qsort(ids, (size_t)n, sizeof(*ids), cmp_id);
}

/* Sends a delivery again: a failed or pending one is due at once; a delivered one is queued
 * anew (a new delivery id, so that receivers dropping duplicates still take it). */
static int delivery_redeliver(struct req *r, struct action_call *call)
{
    int64_t id = call->id;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    int64_t ms = time_now_ms();
    db_param w[2] = {dbp_int(id), dbp_int(r->account_id)};
    int64_t delivered = 0, target_id = id;
    db_query_i64(r->db,
                 "SELECT 1 FROM webhook_deliveries WHERE id = ? AND account_id = ? AND status = "
                 "'delivered'",
                 w, 2, 0, &delivered);
    int rc;
    if (delivered) {
        db_param p[5] = {dbp_text(now), dbp_text(now), dbp_int(ms), dbp_text(now), dbp_int(id)};
        rc = db_query_i64(r->db,
                          "INSERT INTO webhook_deliveries (account_id, created_at, updated_at, "
                          "hook_id, event_id, target, event, entity_id, status, attempts, "
                          "next_attempt_ms, next_attempt_at) SELECT account_id, ?, ?, hook_id, "
                          "event_id, target, event, entity_id, 'pending', 0, ?, ? FROM "
                          "webhook_deliveries WHERE id = ? RETURNING id",
                          p, 5, 0, &target_id) == DB_OK
                 ? DB_DONE
                 : DB_ERROR;
    } else {
        db_param p[4] = {dbp_int(ms), dbp_text(now), dbp_text(now), dbp_int(id)};
        rc = db_exec(r->db,
                     "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?, "
                     "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                     p, 4);
    }
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    r->webhooks_pending = true;
    call->answer_id = target_id;
    return 0;
}

#define REDELIVER_MAX 1000 /* deliveries one POST .../deliveries/redeliver sends again */

/* POST .../deliveries/redeliver?status=failed,skipped: every failed and/or skipped delivery of
 * the hook (both when status is not given) is due again at once, oldest first, at most
 * REDELIVER_MAX of them a call (they are pending then: the next call takes the next ones). The
 * answer lists them. */
static int deliveries_redeliver(struct req *r, struct action_call *call)
{
    const char *given = req_query(r, "status");
    bool failed = !given, skipped = !given;
    for (const char *p = given; p && *p;) {
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 6 && !strncmp(p, "failed", 6))
            failed = true;
        else if (n == 7 && !strncmp(p, "skipped", 7))
            skipped = true;
        else if (n)
            return req_fail(r, 422, "status", "status must be failed, skipped or both");
        p += strcspn(p, ",");
        p += *p == ',';
        p += strspn(p, " ");
    }
    if (!failed && !skipped)
        return req_fail(r, 422, "status", "status must be failed, skipped or both");
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    db_param p[8] = {dbp_int(time_now_ms()),
                     dbp_text(now),
                     dbp_text(now),
                     dbp_int(r->account_id),
                     dbp_int(r->parent_id),
                     dbp_text(failed ? "failed" : ""),
                     dbp_text(skipped ? "skipped" : ""),
                     dbp_int(REDELIVER_MAX)};
    db_stmt *s = db_query(r->db,
                          "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?, "
                          "next_attempt_at = ?, updated_at = ? WHERE id IN (SELECT id FROM "
                          "webhook_deliveries WHERE account_id = ? AND hook_id = ? AND status IN "
                          "(?, ?) ORDER BY id LIMIT ?) RETURNING id",
                          p, 8);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    call->made = arena_calloc(r->arena, REDELIVER_MAX, sizeof(int64_t));
    int rc;
    while ((rc = db_step(s)) == DB_ROW && call->nmade < REDELIVER_MAX)
        call->made[call->nmade++] = db_col_i64(s, 0);
    db_done(s);
    if (rc != DB_DONE && rc != DB_ROW)
        return req_fail(r, 500, NULL, "database error");
    sort_ids(call->made, call->nmade);
    r->webhooks_pending = call->nmade > 0;
    return 0;
}

static const struct action delivery_actions[] = {
    {"POST", "redeliver", delivery_redeliver, .event = ""},
    {"POST", "redeliver", deliveries_redeliver, A_COLLECTION, .event = ""},
    {0},
};

const struct resource res_web_hook_deliveries = {
    .name = "web_hook_deliveries",
    .path = "account/web_hooks/{id}/deliveries",
    .table = "webhook_deliveries",
    .target = "WebHookDelivery",
    .fields = delivery_fields,
    .actions = delivery_actions,
    .flags = R_READONLY,
    .parent = &res_web_hooks,
    .parent_fk = "hook_id",
    .write_area = AREA_SETTINGS,
    .read_area = AREA_SETTINGS,
    /* due deliveries; and the round-robin of the delivery thread over accounts and hooks */
    .global_indexes = "status,next_attempt_ms;status,account_id,hook_id,next_attempt_ms",
};
