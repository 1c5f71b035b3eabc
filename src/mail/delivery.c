/*
 * The mail delivery thread: claims due mails from the outbox (a lease keeps other processes and
 * later rounds off them), sends them through SMTP with libcurl's multi interface, and records the
 * outcome in the mail's row: sent, or a retry with exponential back-off, and failed after
 * --smtp-max-failures attempts. A mail leased by a process that died is due again when its lease
 * runs out (delivery is at least once).
 */
#include "mail/mail.h"

#include "util/strbuf.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IN_FLIGHT   8  /* SMTP sessions of this process at once */
#define MAX_PER_ACCOUNT 4  /* of them for one account: one account's many mails delay no other */
#define MAX_PROBES      32 /* accounts a claim round looks at */

struct sending {
    int64_t id;
    int64_t account_id;
    int attempts;
    CURL *easy;
    struct curl_slist *rcpt;
    char *from; /* "<a@b>" */
    char *message;
    size_t len, pos;
    char error[CURL_ERROR_SIZE];
};

static struct {
    db *db;
    struct mail_config cfg;
    pthread_t thread;
    atomic_bool running;
    atomic_bool started;
    CURLM *multi;
    struct sending *flight[MAX_IN_FLIGHT];
    int nflight;
    int64_t rr_account; /* the account the round-robin of claims visited last */
} mq;

void mail_kick(void)
{
    if (atomic_load(&mq.started) && mq.multi)
        curl_multi_wakeup(mq.multi);
}

static size_t read_message(char *buf, size_t size, size_t n, void *user)
{
    struct sending *s = user;
    size_t room = size * n, left = s->len - s->pos;
    size_t take = left < room ? left : room;
    memcpy(buf, s->message + s->pos, take);
    s->pos += take;
    return take;
}

static int64_t backoff_ms(int attempts)
{
    double s = mq.cfg.retry_base_seconds * pow(2.0, attempts > 30 ? 30 : attempts - 1);
    if (s > mq.cfg.retry_max_seconds)
        s = mq.cfg.retry_max_seconds;
    return (int64_t)(s * 1000.0);
}

static void sending_free(struct sending *s)
{
    if (!s)
        return;
    if (s->easy) {
        curl_multi_remove_handle(mq.multi, s->easy);
        curl_easy_cleanup(s->easy);
    }
    curl_slist_free_all(s->rcpt);
    free(s->from);
    free(s->message);
    free(s);
}

static char *angle(const char *addr)
{
    size_t n = strlen(addr) + 3;
    char *a = malloc(n);
    if (a)
        snprintf(a, n, "<%s>", addr);
    return a;
}

/* A claimed row (id, account_id, attempts, envelope_from, envelope_rcpt, message) ready to
 * send; NULL when it cannot be. */
static struct sending *sending_from_row(db_stmt *st)
{
    struct sending *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->id = db_col_i64(st, 0);
    s->account_id = db_col_i64(st, 1);
    s->attempts = (int)db_col_i64(st, 2);
    const char *from = db_col_text(st, 3), *rcpt = db_col_text(st, 4), *msg = db_col_text(st, 5);
    s->from = angle(from ? from : "");
    s->len = msg ? db_col_len(st, 5) : 0;
    s->message = malloc(s->len + 1);
    if (s->message && msg)
        memcpy(s->message, msg, s->len);
    json_t *list = rcpt ? json_loads(rcpt, 0, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        char *a = json_is_string(e) ? angle(json_string_value(e)) : NULL;
        struct curl_slist *l = a ? curl_slist_append(s->rcpt, a) : NULL;
        free(a);
        if (l)
            s->rcpt = l;
    }
    json_decref(list);
    s->easy = curl_easy_init();
    if (!s->easy || !s->from || !s->message || !s->rcpt) {
        sending_free(s);
        return NULL;
    }
    CURL *h = s->easy;
    curl_easy_setopt(h, CURLOPT_URL, mq.cfg.url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, s->from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, s->rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(h, CURLOPT_READDATA, s);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     mq.cfg.starttls == MAIL_TLS_OFF        ? (long)CURLUSESSL_NONE
                     : mq.cfg.starttls == MAIL_TLS_OPTIONAL ? (long)CURLUSESSL_TRY
                                                            : (long)CURLUSESSL_ALL);
    if (mq.cfg.user && *mq.cfg.user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, mq.cfg.user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, mq.cfg.password ? mq.cfg.password : "");
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(mq.cfg.timeout_seconds * 1000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* one session per mail, closed (QUIT) when it ends: a connection kept open would hold the
     * SMTP server's session, and a retry must really connect again */
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->error);
    curl_easy_setopt(h, CURLOPT_PRIVATE, s);
    return s;
}

/* Takes due mails, fairly: a round-robin over the accounts with pending mails, each account's
 * oldest due ones first, at most MAX_PER_ACCOUNT of one account in flight; leases them for the
 * time a session may take (plus some), so that no other process or round takes them. */
static void claim(db_conn *c)
{
    int room = MAX_IN_FLIGHT - mq.nflight;
    if (room <= 0)
        return;
    int64_t now = time_now_ms();
    int64_t due = 0;
    db_param d[1] = {dbp_int(now)};
    if (db_query_i64(
            c, "SELECT 1 FROM mails WHERE status = 'pending' AND next_attempt_ms <= ? LIMIT 1", d,
            1, 0, &due) != DB_OK ||
        !due)
        return; /* nothing due: no write transaction */
    if (db_begin_scoped(c, MAIL_SCOPE_CLAIMS) != DB_OK)
        return;
    struct sending *taken[MAX_IN_FLIGHT];
    int n = 0;
    int64_t broken[MAX_IN_FLIGHT];
    int nbroken = 0;
    /* round-robin over the accounts with pending mails, resumed after the one visited last */
    int64_t account = mq.rr_account;
    const int64_t start = account;
    bool wrapped = false;
    for (int probe = 0; probe < MAX_PROBES && n < room; probe++) {
        int64_t next = 0;
        db_param a[1] = {dbp_int(account)};
        if (db_query_i64(c,
                         "SELECT MIN(account_id) FROM mails WHERE status = 'pending' AND "
                         "account_id > ?",
                         a, 1, 0, &next) != DB_OK)
            break;
        if (!next) {
            if (wrapped || start == 0)
                break;
            wrapped = true; /* from the start, up to where this round began */
            account = 0;
            continue;
        }
        if (wrapped && next > start)
            break;
        account = next;
        mq.rr_account = account;
        int left = MAX_PER_ACCOUNT;
        for (int i = 0; i < mq.nflight; i++)
            left -= mq.flight[i]->account_id == account;
        for (int i = 0; i < n; i++)
            left -= taken[i]->account_id == account;
        if (left > room - n)
            left = room - n;
        if (left <= 0)
            continue;
        db_param p[3] = {dbp_int(account), dbp_int(now), dbp_int(left)};
        db_stmt *st = db_query(c,
                               "SELECT id, account_id, attempts, envelope_from, envelope_rcpt, "
                               "message FROM mails WHERE status = 'pending' AND account_id = ? "
                               "AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?",
                               p, 3);
        while (st && n < room && db_step(st) == DB_ROW) {
            struct sending *s = sending_from_row(st);
            if (s)
                taken[n++] = s;
            else if (nbroken < MAX_IN_FLIGHT)
                broken[nbroken++] = db_col_i64(st, 0);
        }
        db_done(st);
    }
    int64_t lease = now + (int64_t)(mq.cfg.timeout_seconds * 1000.0) + 5000;
    for (int i = 0; i < n; i++) {
        db_param q[2] = {dbp_int(lease), dbp_int(taken[i]->id)};
        db_exec(c, "UPDATE mails SET next_attempt_ms = ? WHERE id = ?", q, 2);
    }
    char iso[TIMESTAMP_LEN + 1];
    time_now_iso(iso);
    for (int i = 0; i < nbroken; i++) { /* a row that cannot be sent (no recipients) */
        db_param q[2] = {dbp_text(iso), dbp_int(broken[i])};
        db_exec(c,
                "UPDATE mails SET status = 'failed', last_error = 'the mail cannot be sent "
                "(no recipients or no message)', next_attempt_at = NULL, updated_at = ? "
                "WHERE id = ?",
                q, 2);
    }
    if (db_commit(c) != DB_OK) { /* not leased: left for the next round */
        db_rollback(c);
        for (int i = 0; i < n; i++)
            sending_free(taken[i]);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (curl_multi_add_handle(mq.multi, taken[i]->easy) != CURLM_OK) {
            sending_free(taken[i]);
            continue;
        }
        mq.flight[mq.nflight++] = taken[i];
    }
}

/* Records the outcome of one finished session. */
static void finish(db_conn *c, struct sending *s, CURLcode result)
{
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    bool ok = result == CURLE_OK;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    int attempts = s->attempts + 1;
    char err[CURL_ERROR_SIZE + 64];
    if (!ok && code)
        snprintf(err, sizeof(err), "%s (SMTP %ld)",
                 s->error[0] ? s->error : curl_easy_strerror(result), code);
    else if (!ok)
        snprintf(err, sizeof(err), "%s", s->error[0] ? s->error : curl_easy_strerror(result));
    for (int tries = 0; tries < 5; tries++) {
        if (db_begin_scoped(c, s->account_id) != DB_OK)
            continue;
        int rc;
        if (ok) {
            db_param p[4] = {dbp_int(attempts), dbp_text(now), dbp_text(now), dbp_int(s->id)};
            rc = db_exec(c,
                         "UPDATE mails SET status = 'sent', attempts = ?, last_error = NULL, "
                         "next_attempt_at = NULL, sent_at = ?, updated_at = ? WHERE id = ?",
                         p, 4);
        } else if (attempts >= mq.cfg.max_failures) {
            db_param p[4] = {dbp_int(attempts), dbp_text(err), dbp_text(now), dbp_int(s->id)};
            rc = db_exec(c,
                         "UPDATE mails SET status = 'failed', attempts = ?, last_error = ?, "
                         "next_attempt_at = NULL, updated_at = ? WHERE id = ?",
                         p, 4);
        } else {
            int64_t next = time_now_ms() + backoff_ms(attempts);
            char next_iso[TIMESTAMP_LEN + 1];
            time_format_iso((time_t)(next / 1000), next_iso);
            db_param p[6] = {dbp_int(attempts),  dbp_text(err), dbp_int(next),
                             dbp_text(next_iso), dbp_text(now), dbp_int(s->id)};
            rc = db_exec(c,
                         "UPDATE mails SET attempts = ?, last_error = ?, next_attempt_ms = ?, "
                         "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                         p, 6);
        }
        /* the mail log changed: cached answers of the account are stale */
        db_param v[1] = {dbp_int(s->account_id)};
        if (rc == DB_DONE)
            rc = db_exec(c, "UPDATE accounts SET data_version = data_version + 1 WHERE id = ?", v,
                         1);
        if (rc == DB_DONE && db_commit(c) == DB_OK)
            return;
        db_rollback(c);
    }
    fprintf(stderr, "mocod: could not record the delivery of mail %lld\n", (long long)s->id);
}

/* Milliseconds until the earliest pending mail is due, at most 250 (which also finds what other
 * processes and CLI verbs queued). */
static int next_wait_ms(db_conn *c)
{
    int wait = 250;
    int64_t due = 0;
    if (mq.nflight < MAX_IN_FLIGHT &&
        db_query_i64(c, "SELECT MIN(next_attempt_ms) FROM mails WHERE status = 'pending'", NULL, 0,
                     0, &due) == DB_OK &&
        due > 0) {
        int64_t left = due - time_now_ms();
        if (left < wait)
            wait = left < 0 ? 0 : (int)left;
    }
    return wait;
}

static void *run(void *arg)
{
    (void)arg;
    while (atomic_load(&mq.running)) {
        int wait = 250;
        db_conn *c = db_acquire(mq.db);
        if (c) {
            claim(c);
            int still = 0;
            curl_multi_perform(mq.multi, &still);
            CURLMsg *m;
            int left;
            while ((m = curl_multi_info_read(mq.multi, &left))) {
                if (m->msg != CURLMSG_DONE)
                    continue;
                struct sending *s = NULL;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
                CURLcode result = m->data.result;
                if (s) {
                    finish(c, s, result);
                    for (int i = 0; i < mq.nflight; i++)
                        if (mq.flight[i] == s) {
                            mq.flight[i] = mq.flight[--mq.nflight];
                            break;
                        }
                    sending_free(s);
                }
            }
            wait = next_wait_ms(c);
            db_release(mq.db, c);
        }
        curl_multi_poll(mq.multi, NULL, 0, wait, NULL);
    }
    return NULL;
}

int mail_start(db *d)
{
    const struct mail_config *cfg = mail_config_get();
    if (!cfg->url || !*cfg->url)
        return 0; /* no SMTP server: mails stay in the outbox */
    mq.db = d;
    mq.cfg = *cfg;
    if (mq.cfg.retry_base_seconds <= 0)
        mq.cfg.retry_base_seconds = 60;
    if (mq.cfg.retry_max_seconds < mq.cfg.retry_base_seconds)
        mq.cfg.retry_max_seconds = mq.cfg.retry_base_seconds;
    if (mq.cfg.timeout_seconds <= 0)
        mq.cfg.timeout_seconds = 60;
    if (mq.cfg.max_failures <= 0)
        mq.cfg.max_failures = 10;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    mq.multi = curl_multi_init();
    if (!mq.multi)
        return -1;
    atomic_store(&mq.running, true);
    if (pthread_create(&mq.thread, NULL, run, NULL) != 0) {
        curl_multi_cleanup(mq.multi);
        mq.multi = NULL;
        return -1;
    }
    atomic_store(&mq.started, true);
    return 0;
}

void mail_stop(void)
{
    if (!atomic_load(&mq.started))
        return;
    atomic_store(&mq.running, false);
    curl_multi_wakeup(mq.multi);
    pthread_join(mq.thread, NULL);
    atomic_store(&mq.started, false);
    /* mails still being sent go back to the outbox, due at once: sent after a restart */
    db_conn *c = mq.nflight ? db_acquire(mq.db) : NULL;
    while (mq.nflight > 0) {
        struct sending *s = mq.flight[--mq.nflight];
        if (c) {
            db_param p[2] = {dbp_int(time_now_ms()), dbp_int(s->id)};
            db_exec(c, "UPDATE mails SET next_attempt_ms = ? WHERE id = ? AND status = 'pending'",
                    p, 2);
        }
        sending_free(s);
    }
    if (c)
        db_release(mq.db, c);
    curl_multi_cleanup(mq.multi);
    mq.multi = NULL;
    curl_global_cleanup();
}
