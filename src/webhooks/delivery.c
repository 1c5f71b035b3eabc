/*
 * The delivery thread: claims due deliveries from the outbox (a lease keeps other processes and
 * later rounds off them), posts them concurrently with libcurl's multi interface, and records the
 * outcome: delivered, or a retry with exponential back-off; a hook whose consecutive failures
 * reach the limit is disabled. A delivery leased by a process that died is due again when its
 * lease runs out, so nothing is lost (delivery is at least once).
 */
#include "webhooks/webhooks.h"

#include "util/strbuf.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Deliveries in flight in this process at once: in all, of one account, of one receiver (the
 * scheme, host and port of a hook's URL) and of one hook. */
#define MAX_IN_FLIGHT    256
#define MAX_PER_ACCOUNT  64
#define MAX_PER_RECEIVER 16
#define MAX_PER_HOOK     8
#define MAX_PROBES       64 /* (account, hook) pairs a claim round looks at */

struct delivery {
    int64_t id;
    int64_t account_id;
    int64_t hook_id;
    int attempts;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    strbuf response; /* discarded, but read so the receiver is not blocked */
    char error[CURL_ERROR_SIZE];
    char receiver[256]; /* "http://host:port" of the hook's URL */
};

static struct {
    db *db;
    struct webhook_config cfg;
    pthread_t thread;
    atomic_bool running;
    atomic_bool started;
    CURLM *multi;
    struct delivery *flight[MAX_IN_FLIGHT];
    int nflight;
    int64_t rr_account, rr_hook; /* the pair the round-robin of claims visited last */
} dq;

bool webhooks_private_allowed(void)
{
    return dq.cfg.allow_private;
}

void webhooks_kick(void)
{
    if (atomic_load(&dq.started) && dq.multi)
        curl_multi_wakeup(dq.multi);
}

static size_t discard(char *data, size_t size, size_t n, void *user)
{
    struct delivery *d = user;
    if (d->response.len < 4096)
        sb_add(&d->response, data, size * n);
    return size * n;
}

/* Refuses to connect to private addresses (unless allowed): checked on the address actually
 * resolved, so a public name that resolves to an internal address is refused too. */
static curl_socket_t open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *a)
{
    if (!dq.cfg.allow_private) {
        const void *addr = NULL;
        if (a->family == AF_INET)
            addr = &((struct sockaddr_in *)(void *)&a->addr)->sin_addr;
        else if (a->family == AF_INET6)
            addr = &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr;
        if (!addr || webhooks_address_private(a->family, addr))
            return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

static int64_t backoff_ms(int attempts)
{
    double s = dq.cfg.retry_base_seconds * pow(2.0, attempts > 30 ? 30 : attempts - 1);
    if (s > dq.cfg.retry_max_seconds)
        s = dq.cfg.retry_max_seconds;
    return (int64_t)(s * 1000.0);
}

static char *header_line(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (h)
        snprintf(h, n, "%s: %s", name, value);
    return h;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
    char *h = header_line(name, value);
    if (!h)
        return list;
    struct curl_slist *l = curl_slist_append(list, h);
    free(h);
    return l ? l : list;
}

static void delivery_free(struct delivery *d)
{
    if (!d)
        return;
    if (d->easy) {
        curl_multi_remove_handle(dq.multi, d->easy);
        curl_easy_cleanup(d->easy);
    }
    curl_slist_free_all(d->headers);
    free(d->body);
    sb_release(&d->response);
    free(d);
}

/* The receiver of a hook: its URL up to the path ("http://host:port"), lower case. */
static void receiver_of(const char *url, char *out, size_t cap)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t n = (size_t)(host - url) + strcspn(host, "/?#");
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)url[i]);
    out[n] = '\0';
}

/* A claimed row (the columns of take_due's SELECT) made ready to send. */
static struct delivery *delivery_from_row(db_stmt *s)
{
    struct delivery *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->id = db_col_i64(s, 0);
    d->hook_id = db_col_i64(s, 1);
    d->account_id = db_col_i64(s, 11);
    d->attempts = (int)db_col_i64(s, 2);
    receiver_of(db_col_text(s, 8), d->receiver, sizeof(d->receiver));
    d->body = strdup(db_col_text(s, 5) ? db_col_text(s, 5) : "{}");
    sb_init(&d->response, NULL, 256);
    char sig[65], num[32], url[512];
    webhooks_sign(db_col_text(s, 9), d->body, strlen(d->body), sig);
    struct curl_slist *h = NULL;
    h = add_header(h, "Content-Type", "application/json");
    h = add_header(h, "User-Agent", "mocod-webhooks");
    h = add_header(h, "Expect", "");
    h = add_header(h, "X-Moco-Target", db_col_text(s, 3));
    h = add_header(h, "X-Moco-Event", db_col_text(s, 4));
    snprintf(num, sizeof(num), "%lld", (long long)db_col_i64(s, 6));
    h = add_header(h, "X-Moco-Timestamp", num);
    h = add_header(h, "X-Moco-Signature", sig);
    snprintf(num, sizeof(num), "%lld", db_col_null(s, 7) ? 0LL : (long long)db_col_i64(s, 7));
    h = add_header(h, "X-Moco-User-Id", num);
    if (dq.cfg.base_domain && *dq.cfg.base_domain)
        snprintf(url, sizeof(url), "%s://%s.%s", dq.cfg.public_scheme, db_col_text(s, 10),
                 dq.cfg.base_domain);
    else
        snprintf(url, sizeof(url), "%s", db_col_text(s, 10));
    h = add_header(h, "X-Moco-Account-Url", url);
    snprintf(num, sizeof(num), "%lld", (long long)d->id);
    h = add_header(h, "X-Moco-Delivery-Id", num);
    d->headers = h;
    d->easy = curl_easy_init();
    if (d->easy) {
        curl_easy_setopt(d->easy, CURLOPT_URL, db_col_text(s, 8));
        curl_easy_setopt(d->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(d->easy, CURLOPT_POSTFIELDS, d->body);
        curl_easy_setopt(d->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
        curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, d->headers);
        curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, (long)(dq.cfg.timeout_seconds * 1000));
        curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(d->easy, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(d->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
        curl_easy_setopt(d->easy, CURLOPT_ERRORBUFFER, d->error);
        curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
    }
    return d;
}

/* The deliveries of this process in flight or taken in this round: of an account, of a hook,
 * of a receiver (0 / NULL: any). */
struct round {
    struct delivery *taken[MAX_IN_FLIGHT];
    int n;
    bool capped; /* pending deliveries were left because of a cap */
};

static int in_flight(const struct round *rd, int64_t account, int64_t hook, const char *receiver)
{
    int count = 0;
    for (int k = 0; k < 2; k++) {
        struct delivery *const *list = k ? rd->taken : dq.flight;
        int n = k ? rd->n : dq.nflight;
        for (int i = 0; i < n; i++)
            if ((!account || list[i]->account_id == account) &&
                (!hook || list[i]->hook_id == hook) &&
                (!receiver || !strcmp(list[i]->receiver, receiver)))
                count++;
    }
    return count;
}

/* The next (account, hook) pair after *account, *hook that has pending deliveries (due or not);
 * false when there is none. Two index look-ups (status, account_id, hook_id, ...). */
static bool next_pair(db_conn *c, int64_t *account, int64_t *hook)
{
    db_param p[2] = {dbp_int(*account), dbp_int(*hook)};
    db_stmt *s = db_query(c,
                          "SELECT account_id, hook_id FROM webhook_deliveries WHERE status = "
                          "'pending' AND account_id = ? AND hook_id > ? ORDER BY hook_id LIMIT 1",
                          p, 2);
    bool found = s && db_step(s) == DB_ROW;
    if (!found) {
        db_done(s);
        s = db_query(c,
                     "SELECT account_id, hook_id FROM webhook_deliveries WHERE status = "
                     "'pending' AND account_id > ? ORDER BY account_id, hook_id LIMIT 1",
                     p, 1);
        found = s && db_step(s) == DB_ROW;
    }
    if (found) {
        *account = db_col_i64(s, 0);
        *hook = db_col_i64(s, 1);
    }
    db_done(s);
    return found;
}

/* Takes up to `want` due deliveries of one hook, oldest first, as far as its receiver's cap
 * allows. */
static void take_due(db_conn *c, struct round *rd, int64_t account, int64_t hook, int want,
                     int64_t now)
{
    db_param p[4] = {dbp_int(account), dbp_int(hook), dbp_int(now), dbp_int(want)};
    db_stmt *s = db_query(
        c,
        "SELECT d.id, d.hook_id, d.attempts, d.target, d.event, e.payload, e.occurred_ms, "
        "e.user_id, h.hook, h.signature_key, a.subdomain, d.account_id FROM webhook_deliveries d "
        "JOIN webhook_events e ON e.id = d.event_id JOIN web_hooks h ON h.id = d.hook_id "
        "JOIN accounts a ON a.id = d.account_id WHERE d.status = 'pending' AND d.account_id = ? "
        "AND d.hook_id = ? AND d.next_attempt_ms <= ? AND h.disabled = 0 "
        "ORDER BY d.next_attempt_ms, d.id LIMIT ?",
        p, 4);
    int receiver_left = -1;
    while (s && want > 0 && db_step(s) == DB_ROW) {
        if (receiver_left < 0) {
            char receiver[sizeof(((struct delivery *)0)->receiver)];
            receiver_of(db_col_text(s, 8), receiver, sizeof(receiver));
            receiver_left = MAX_PER_RECEIVER - in_flight(rd, 0, 0, receiver);
        }
        if (receiver_left <= 0) {
            rd->capped = true;
            break;
        }
        struct delivery *d = delivery_from_row(s);
        if (!d)
            break;
        rd->taken[rd->n++] = d;
        receiver_left--;
        want--;
    }
    db_done(s);
}

enum claim_result { CLAIM_IDLE, CLAIM_MORE, CLAIM_CAPPED };

/*
 * Takes due deliveries and starts them, fairly: a round-robin over the (account, hook) pairs
 * that have pending deliveries, resumed where the last round stopped, and caps on what one
 * hook, one receiver and one account may have in flight. So a receiver that never answers holds
 * at most MAX_PER_RECEIVER of this process's deliveries and delays only its own hooks; others
 * are claimed in the next round. A round looks at MAX_PROBES pairs at most (its work inside the
 * write transaction stays small however long the queue); CLAIM_MORE asks for another round.
 */
static enum claim_result claim(db_conn *c)
{
    int room = MAX_IN_FLIGHT - dq.nflight;
    if (room <= 0)
        return CLAIM_CAPPED;
    int64_t now = time_now_ms();
    int64_t lease = now + (int64_t)(dq.cfg.timeout_seconds * 1000.0) + 5000;
    /* nothing due (one index look-up): no round, and no write transaction */
    int64_t due = 0;
    db_param d[1] = {dbp_int(now)};
    if (db_query_i64(c,
                     "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND "
                     "next_attempt_ms <= ? LIMIT 1",
                     d, 1, 0, &due) != DB_OK ||
        !due)
        return CLAIM_IDLE;
    if (db_begin_scoped(c, DB_SCOPE_DELIVERIES) != DB_OK)
        return CLAIM_IDLE;
    static struct round rd; /* only the delivery thread claims */
    rd.n = 0;
    rd.capped = false;
    int64_t account = dq.rr_account, hook = dq.rr_hook;
    const int64_t start_account = account, start_hook = hook;
    bool wrapped = false, more = false;
    for (int probe = 0;; probe++) {
        if (rd.n >= room) {
            rd.capped = true;
            break;
        }
        if (probe == MAX_PROBES) {
            more = true;
            break;
        }
        if (!next_pair(c, &account, &hook)) {
            if (wrapped || (start_account == 0 && start_hook == 0))
                break;
            wrapped = true; /* from the start, up to where this round began */
            account = hook = 0;
            continue;
        }
        if (wrapped && (account > start_account || (account == start_account && hook > start_hook)))
            break;
        dq.rr_account = account;
        dq.rr_hook = hook;
        int account_left = MAX_PER_ACCOUNT - in_flight(&rd, account, 0, NULL);
        if (account_left <= 0) { /* the account's other hooks wait too */
            rd.capped = true;
            hook = INT64_MAX;
            dq.rr_hook = hook;
            continue;
        }
        int hook_left = MAX_PER_HOOK - in_flight(&rd, 0, hook, NULL);
        if (hook_left <= 0) {
            rd.capped = true;
            continue;
        }
        int want = account_left < hook_left ? account_left : hook_left;
        if (want > room - rd.n)
            want = room - rd.n;
        take_due(c, &rd, account, hook, want, now);
    }
    for (int i = 0; i < rd.n; i++) {
        db_param q[2] = {dbp_int(lease), dbp_int(rd.taken[i]->id)};
        db_exec(c, "UPDATE webhook_deliveries SET next_attempt_ms = ? WHERE id = ?", q, 2);
    }
    if (db_commit(c) != DB_OK) { /* not leased: leave them for the next round */
        db_rollback(c);
        for (int i = 0; i < rd.n; i++)
            delivery_free(rd.taken[i]);
        return CLAIM_IDLE;
    }
    for (int i = 0; i < rd.n; i++) {
        if (!rd.taken[i]->easy || curl_multi_add_handle(dq.multi, rd.taken[i]->easy) != CURLM_OK) {
            delivery_free(rd.taken[i]);
            continue;
        }
        dq.flight[dq.nflight++] = rd.taken[i];
    }
    return more ? CLAIM_MORE : rd.capped ? CLAIM_CAPPED : CLAIM_IDLE;
}

/* Records the outcome of one finished delivery. */
static void finish(db_conn *c, struct delivery *d, CURLcode result)
{
    long code = 0;
    if (result == CURLE_OK)
        curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
    bool ok = result == CURLE_OK && code >= 200 && code < 300;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    int attempts = d->attempts + 1;
    char err[CURL_ERROR_SIZE + 32];
    if (result != CURLE_OK)
        snprintf(err, sizeof(err), "%s", d->error[0] ? d->error : curl_easy_strerror(result));
    else if (!ok)
        snprintf(err, sizeof(err), "HTTP %ld", code);
    else
        err[0] = '\0';
    for (int tries = 0; tries < 5; tries++) {
        if (db_begin_scoped(c, d->account_id) != DB_OK)
            continue;
        int rc;
        if (ok) {
            db_param p[5] = {dbp_int(attempts), dbp_int(code), dbp_text(now), dbp_text(now),
                             dbp_int(d->id)};
            rc = db_exec(c,
                         "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, "
                         "last_response_code = ?, last_error = NULL, delivered_at = ?, "
                         "next_attempt_at = NULL, updated_at = ? WHERE id = ?",
                         p, 5);
            db_param h[1] = {dbp_int(d->hook_id)};
            if (rc == DB_DONE)
                rc = db_exec(c, "UPDATE web_hooks SET consecutive_failures = 0 WHERE id = ?", h, 1);
        } else {
            int64_t next = time_now_ms() + backoff_ms(attempts);
            char next_iso[TIMESTAMP_LEN + 1];
            time_format_iso((time_t)(next / 1000), next_iso);
            db_param p[7] = {dbp_int(attempts),  code ? dbp_int(code) : dbp_null(),
                             dbp_text(err),      dbp_int(next),
                             dbp_text(next_iso), dbp_text(now),
                             dbp_int(d->id)};
            rc = db_exec(c,
                         "UPDATE webhook_deliveries SET attempts = ?, last_response_code = ?, "
                         "last_error = ?, next_attempt_ms = ?, next_attempt_at = ?, "
                         "updated_at = ? WHERE id = ?",
                         p, 7);
            db_param h[4] = {dbp_int(dq.cfg.max_failures), dbp_text(now), dbp_text(now),
                             dbp_int(d->hook_id)};
            if (rc == DB_DONE)
                rc =
                    db_exec(c,
                            "UPDATE web_hooks SET consecutive_failures = consecutive_failures + 1, "
                            "disabled = CASE WHEN consecutive_failures + 1 >= ? THEN 1 ELSE "
                            "disabled END, disabled_at = CASE WHEN disabled = 0 AND "
                            "consecutive_failures + 1 >= ? THEN ? ELSE disabled_at END, "
                            "disabled_by_failures = CASE WHEN disabled = 0 AND "
                            "consecutive_failures + 1 >= ? THEN 1 ELSE disabled_by_failures END, "
                            "updated_at = ? WHERE id = ?",
                            (db_param[]){h[0], h[0], h[1], h[0], h[2], h[3]}, 6);
            /* a hook that has just been disabled gives up its waiting deliveries */
            db_param f[2] = {dbp_text(now), dbp_int(d->hook_id)};
            if (rc == DB_DONE)
                rc = db_exec(c,
                             "UPDATE webhook_deliveries SET status = 'failed', updated_at = ? "
                             "WHERE status = 'pending' AND hook_id = (SELECT id FROM web_hooks "
                             "WHERE id = ? AND disabled = 1)",
                             f, 2);
        }
        /* the delivery log and the hook changed: cached answers of the account are stale */
        db_param v[1] = {dbp_int(d->account_id)};
        if (rc == DB_DONE)
            rc = db_exec(c, "UPDATE accounts SET data_version = data_version + 1 WHERE id = ?", v,
                         1);
        if (rc == DB_DONE && db_commit(c) == DB_OK)
            return;
        db_rollback(c);
    }
    fprintf(stderr, "mocod: could not record web hook delivery %lld\n", (long long)d->id);
}

/* Milliseconds until the earliest pending delivery is due, at most 250. When caps left due
 * deliveries waiting, those are taken when a delivery in flight ends (which wakes the poll). */
static int next_wait_ms(bool capped)
{
    int wait = 250;
    db_conn *c = db_acquire(dq.db);
    if (!c)
        return wait;
    int64_t due = 0;
    if (db_query_i64(c,
                     "SELECT MIN(next_attempt_ms) FROM webhook_deliveries WHERE status = 'pending'",
                     NULL, 0, 0, &due) == DB_OK &&
        due > 0) {
        int64_t left = due - time_now_ms();
        if (left < wait && !(capped && left <= 0))
            wait = left < 0 ? 0 : (int)left;
    }
    db_release(dq.db, c);
    return wait;
}

static void *run(void *arg)
{
    while (atomic_load(&dq.running)) {
        enum claim_result claimed = CLAIM_IDLE;
        db_conn *c = db_acquire(dq.db);
        if (c) {
            claimed = claim(c);
            int still = 0;
            curl_multi_perform(dq.multi, &still);
            CURLMsg *m;
            int left;
            while ((m = curl_multi_info_read(dq.multi, &left))) {
                if (m->msg != CURLMSG_DONE)
                    continue;
                struct delivery *d = NULL;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
                CURLcode result = m->data.result;
                if (d) {
                    finish(c, d, result);
                    for (int i = 0; i < dq.nflight; i++)
                        if (dq.flight[i] == d) {
                            dq.flight[i] = dq.flight[--dq.nflight];
                            break;
                        }
                    delivery_free(d);
                }
            }
            db_release(dq.db, c);
        }
        /* sleep until network activity, a kick after a commit, the next due retry, or the next
         * poll (which also finds what other processes queued) */
        curl_multi_poll(dq.multi, NULL, 0,
                        claimed == CLAIM_MORE ? 0 : next_wait_ms(claimed == CLAIM_CAPPED), NULL);
    }
    return NULL;
}

int webhooks_start(db *d, const struct webhook_config *cfg)
{
    dq.db = d;
    dq.cfg = *cfg;
    if (dq.cfg.retry_base_seconds <= 0)
        dq.cfg.retry_base_seconds = 30;
    if (dq.cfg.retry_max_seconds < dq.cfg.retry_base_seconds)
        dq.cfg.retry_max_seconds = dq.cfg.retry_base_seconds;
    if (dq.cfg.timeout_seconds <= 0)
        dq.cfg.timeout_seconds = 10;
    if (dq.cfg.max_failures <= 0)
        dq.cfg.max_failures = 500;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    dq.multi = curl_multi_init();
    if (!dq.multi)
        return -1;
    atomic_store(&dq.running, true);
    if (pthread_create(&dq.thread, NULL, run, NULL) != 0) {
        curl_multi_cleanup(dq.multi);
        dq.multi = NULL;
        return -1;
    }
    atomic_store(&dq.started, true);
    return 0;
}

void webhooks_stop(void)
{
    if (!atomic_load(&dq.started))
        return;
    atomic_store(&dq.running, false);
    curl_multi_wakeup(dq.multi);
    pthread_join(dq.thread, NULL);
    atomic_store(&dq.started, false);
    /* deliveries still in flight go back to the outbox, due at once: sent after a restart */
    db_conn *c = dq.nflight ? db_acquire(dq.db) : NULL;
    while (dq.nflight > 0) {
        struct delivery *d = dq.flight[--dq.nflight];
        if (c) {
            db_param p[2] = {dbp_int(time_now_ms()), dbp_int(d->id)};
            db_exec(c,
                    "UPDATE webhook_deliveries SET next_attempt_ms = ? WHERE id = ? AND "
                    "status = 'pending'",
                    p, 2);
        }
        delivery_free(d);
    }
    if (c)
        db_release(dq.db, c);
    curl_multi_cleanup(dq.multi);
    dq.multi = NULL;
    curl_global_cleanup();
}
