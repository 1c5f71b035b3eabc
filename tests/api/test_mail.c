/*
 * API tests of mocod's mail outbox (README "Mails"): mails queued through the engine (the create
 * of /account/mails, and `mocod mail-test`, which calls engine_queue_mail as an action does), sent
 * through SMTP to a sink on loopback (tests/support/smtp_sink.h) with the right envelope, headers,
 * body and attachment, retried with back-off after the sink refused them, marked failed after
 * --smtp-max-failures, kept in the log without an SMTP URL, sent once by two processes on one
 * database; and the log's permissions, tenants, pagination and validation.
 */
#include "fixtures.h"
#include "mt.h"
#include "smtp_sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAILS "/api/v1/account/mails"
#define MAIL_KEYS                                                                                  \
    "id,status,from,to,cc,bcc,subject,body,attachments,attempts,last_error,next_attempt_at,"       \
    "sent_at,created_at,updated_at"
#define FAST "--smtp-starttls off --smtp-retry-base 0.2 --smtp-retry-max 0.4"
#define FROM "--smtp-from 'Acme Billing <billing@acme.test>'"

struct fx {
    mt_server *s;
    smtp_sink *k;
};

static int fx_setup_with(void **state, const char *fmt)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    f->k = smtp_sink_start();
    char args[512];
    snprintf(args, sizeof args, fmt, smtp_sink_port(f->k));
    f->s = mt_start(args);
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    mt_stop(f->s);
    smtp_sink_free(f->k);
    fix_free_strings();
    free(f);
    *state = NULL;
    return 0;
}

static int setup_no_smtp(void **state)
{
    return fx_setup_with(state, "--smtp-from 'Acme Billing <billing@acme.test>'");
}

static int setup_smtp(void **state)
{
    return fx_setup_with(state, "--smtp-url smtp://127.0.0.1:%d " FAST " " FROM);
}

/* Retries a second apart: the state between two attempts is there to be seen. */
static int setup_slow_retry(void **state)
{
    return fx_setup_with(state, "--smtp-url smtp://127.0.0.1:%d --smtp-starttls off "
                                "--smtp-retry-base 1 --smtp-retry-max 1 " FROM);
}

static int setup_max2(void **state)
{
    return fx_setup_with(state, "--smtp-url smtp://127.0.0.1:%d " FAST " --smtp-max-failures 2");
}

static int setup_tls_required(void **state)
{
    return fx_setup_with(state, "--smtp-url smtp://127.0.0.1:%d --smtp-retry-base 0.2 "
                                "--smtp-retry-max 0.4 --smtp-max-failures 1");
}

static int setup_auth(void **state)
{
    setenv("MOCOD_SMTP_PASSWORD", "s3cret pass", 1);
    int rc = fx_setup_with(state, "--smtp-url smtp://127.0.0.1:%d " FAST " --smtp-user mailer");
    unsetenv("MOCOD_SMTP_PASSWORD");
    return rc;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static json_int_t queue_mail(mt_server *s, const char *key, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", MAILS, key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, MAIL_KEYS);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_INT(r->json, "attempts", 0);
    return fix_take_id(r);
}

static json_int_t queue_simple(mt_server *s, const char *to, const char *subject)
{
    return queue_mail(s, mt_admin_key(s),
                      json_pack("{s:[s], s:s, s:s}", "to", to, "subject", subject, "body", "Hi"));
}

/* GET the mail (admin); the caller frees. */
static mt_resp *get_mail(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), MAILS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, MAIL_KEYS);
    return r;
}

/* Waits until the mail's status is `status` (and it has at least `attempts` attempts); the last
 * answer (the caller frees). */
static mt_resp *wait_status(mt_server *s, json_int_t id, const char *status, int attempts)
{
    mt_resp *r = NULL;
    for (int i = 0; i < 200; i++) {
        mt_resp_free(r);
        r = get_mail(s, id);
        if (!strcmp(mt_json_str(r->json, "status"), status) &&
            mt_json_int(r->json, "attempts") >= attempts)
            return r;
        sleep_ms(50);
    }
    fail_msg("mail %lld did not become %s (%d attempts): %s", (long long)id, status, attempts,
             r->body);
    return r;
}

/* The text of a header with its RFC 2047 encoded words (=?UTF-8?B?...?=) decoded; blanks
 * between two encoded words go, as RFC 2047 says. */
static char *decode_words(const char *v)
{
    size_t cap = strlen(v) + 1, n = 0;
    char *out = malloc(cap);
    bool after_word = false;
    for (const char *p = v; *p;) {
        if (!strncmp(p, "=?UTF-8?B?", 10)) {
            const char *end = strstr(p + 10, "?=");
            assert_non_null(end);
            if (after_word) /* drop the blanks between two words */
                while (n > 0 && out[n - 1] == ' ')
                    n--;
            size_t len;
            unsigned char *d = smtp_base64_decode(p + 10, (size_t)(end - p - 10), &len);
            memcpy(out + n, d, len); /* decoded is shorter than encoded */
            n += len;
            free(d);
            p = end + 2;
            after_word = true;
            continue;
        }
        if (*p != ' ')
            after_word = false;
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

static const char *header_of(const smtp_mail *m, const char *name)
{
    char *v = smtp_mail_header(m, name);
    return v ? fix_keep(v) : NULL;
}

/* The decoded body of a base64 part that starts at `part` (its headers, an empty line, base64). */
static unsigned char *part_body(const char *part, size_t *len)
{
    const char *start = strstr(part, "\r\n\r\n");
    assert_non_null(start);
    start += 4;
    const char *end = strstr(start, "\r\n--");
    if (!end)
        end = start + strlen(start);
    return smtp_base64_decode(start, (size_t)(end - start), len);
}

/* Every line of the message ends in CRLF, none longer than 998 characters, and header lines not
 * longer than 78. */
static void assert_lines_ok(const smtp_mail *m)
{
    bool in_headers = true;
    const char *p = m->data;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        size_t n = (size_t)(eol - p);
        if (n == 0)
            in_headers = false;
        if (n > (in_headers ? 78u : 998u))
            fail_msg("line too long (%zu): %.*s", n, (int)n, p);
        for (const char *q = p; q < eol; q++)
            if (*q == '\n' || *q == '\r' || (unsigned char)*q >= 0x80)
                fail_msg("the message is not 7-bit text with CRLF lines: %.*s", (int)n, p);
        p = eol + 2;
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Without --smtp-url a mail stays in the outbox, pending, and shows in the log. */
static void test_kept_without_smtp_url(void **state)
{
    struct fx *f = *state;
    json_int_t id = queue_mail(f->s, mt_admin_key(f->s),
                               json_pack("{s:[s,s], s:[s], s:s, s:s}", "to", "a@example.com",
                                         "Bea <b@example.com>", "cc", "c@example.com", "subject",
                                         "Hello", "body", "Text\nmore"));
    sleep_ms(800);
    mt_resp *r = get_mail(f->s, id);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_INT(r->json, "attempts", 0);
    MT_ASSERT_JSON_STR(r->json, "from", "Acme Billing <billing@acme.test>");
    MT_ASSERT_JSON_STR(r->json, "to[0]", "a@example.com");
    MT_ASSERT_JSON_STR(r->json, "to[1]", "Bea <b@example.com>");
    MT_ASSERT_JSON_STR(r->json, "cc[0]", "c@example.com");
    assert_int_equal(mt_json_len(r->json, "bcc"), 0);
    assert_int_equal(mt_json_len(r->json, "attachments"), 0);
    MT_ASSERT_JSON_STR(r->json, "subject", "Hello");
    MT_ASSERT_JSON_STR(r->json, "body", "Text\nmore");
    MT_ASSERT_JSON_NULL(r->json, "last_error");
    MT_ASSERT_JSON_NULL(r->json, "sent_at");
    MT_ASSERT_TIMESTAMP(r->json, "next_attempt_at");
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    mt_resp_free(r);
    /* its message is built once, when it is queued */
    char *msg =
        mt_sql_str(f->s, fix_fmt("SELECT message FROM mails WHERE id = %lld", (long long)id));
    assert_non_null(strstr(msg, "\r\nSubject: Hello\r\n"));
    assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(msg, "To: <a@example.com>,\r\n Bea <b@example.com>\r\n"));
    free(msg);
    /* the list shows it */
    r = mt_get(f->s, MAILS, mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "1");
    MT_ASSERT_JSON_INT(r->json, "[0].id", id);
    mt_resp_free(r);
    /* and a mail queued by `mocod mail-test` (engine_queue_mail) with an attachment */
    const char *path = fix_fmt("%s/report.txt", mt_dir(f->s));
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("twelve bytes", fp);
    fclose(fp);
    char *out = mt_cli(f->s, "mail-test --account acme --to x@example.com --attach %s", path);
    json_int_t cli_id = atoll(out);
    free(out);
    assert_true(cli_id > id);
    r = get_mail(f->s, cli_id);
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    MT_ASSERT_JSON_STR(r->json, "subject", "mocod test mail");
    MT_ASSERT_JSON_STR(r->json, "to[0]", "x@example.com");
    assert_int_equal(mt_json_len(r->json, "attachments"), 1);
    mt_assert_keys(mt_json_get(r->json, "attachments[0]"), "filename,content_type,size");
    MT_ASSERT_JSON_STR(r->json, "attachments[0].filename", "report.txt");
    MT_ASSERT_JSON_STR(r->json, "attachments[0].content_type", "text/plain");
    MT_ASSERT_JSON_INT(r->json, "attachments[0].size", 12);
    mt_resp_free(r);
    /* a mail-test that cannot be queued says why and queues nothing */
    char *err = NULL;
    int code = mt_cli_try(f->s, NULL, &err, "mail-test --account acme --to not-an-address");
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(err, "to"));
    free(err);
    assert_int_equal(mt_sql_i64(f->s, "SELECT COUNT(*) FROM mails"), 2);
}

/* A mail reaches the SMTP server with its envelope, RFC 5322 headers and body. */
static void test_delivered_with_headers(void **state)
{
    struct fx *f = *state;
    const char *subject = "Rechnung Nr. 42 für Sie – bitte prüfen, danke sehr für die "
                          "Zusammenarbeit im letzten Jahr, Grüße 😀";
    const char *body = "Hallo Jürgen,\n\nanbei die Rechnung.\n.\n..zwei Punkte\nEnde";
    json_int_t id = queue_mail(f->s, mt_admin_key(f->s),
                               json_pack("{s:[s,s], s:[s], s:[s], s:s, s:s}", "to",
                                         "Jürgen Müller <j@example.com>", "x@example.org", "cc",
                                         "\"Doe, Jane\" <jd@example.com>", "bcc",
                                         "hidden@example.net", "subject", subject, "body", body));
    assert_true(smtp_sink_wait(f->k, 1, 10000));
    const smtp_mail *m = smtp_sink_at(f->k, 0);
    assert_string_equal(m->from, "billing@acme.test");
    assert_int_equal(m->n_rcpt, 4);
    assert_string_equal(m->rcpt[0], "j@example.com");
    assert_string_equal(m->rcpt[1], "x@example.org");
    assert_string_equal(m->rcpt[2], "jd@example.com");
    assert_string_equal(m->rcpt[3], "hidden@example.net");
    assert_null(m->auth);
    assert_lines_ok(m);
    assert_string_equal(header_of(m, "From"), "Acme Billing <billing@acme.test>");
    assert_string_equal(fix_keep(decode_words(header_of(m, "To"))),
                        "Jürgen Müller <j@example.com>, <x@example.org>");
    assert_string_equal(header_of(m, "Cc"), "\"Doe, Jane\" <jd@example.com>");
    assert_null(header_of(m, "Bcc"));
    assert_non_null(strstr(header_of(m, "Subject"), "=?UTF-8?B?"));
    assert_string_equal(fix_keep(decode_words(header_of(m, "Subject"))), subject);
    const char *date = header_of(m, "Date");
    char wd[4], mon[4], zone[6];
    int day, year, hh, mm, ss;
    assert_int_equal(
        sscanf(date, "%3s, %2d %3s %4d %2d:%2d:%2d %5s", wd, &day, mon, &year, &hh, &mm, &ss, zone),
        8);
    assert_string_equal(zone, "+0000");
    assert_true(year >= 2024);
    const char *mid = header_of(m, "Message-ID");
    assert_true(mid[0] == '<' && strlen(mid) > 12);
    assert_string_equal(mid + strlen(mid) - 11, "@acme.test>");
    assert_string_equal(header_of(m, "MIME-Version"), "1.0");
    assert_string_equal(header_of(m, "Content-Type"), "text/plain; charset=UTF-8");
    assert_string_equal(header_of(m, "Content-Transfer-Encoding"), "base64");
    size_t len;
    unsigned char *text = part_body(m->data, &len);
    assert_string_equal((char *)text,
                        "Hallo Jürgen,\r\n\r\nanbei die Rechnung.\r\n.\r\n..zwei Punkte\r\nEnde");
    free(text);
    /* the log says it was sent */
    mt_resp *r = wait_status(f->s, id, "sent", 1);
    MT_ASSERT_JSON_INT(r->json, "attempts", 1);
    MT_ASSERT_JSON_NULL(r->json, "last_error");
    MT_ASSERT_JSON_NULL(r->json, "next_attempt_at");
    MT_ASSERT_TIMESTAMP(r->json, "sent_at");
    MT_ASSERT_JSON_STR(r->json, "subject", subject);
    MT_ASSERT_JSON_STR(r->json, "bcc[0]", "hidden@example.net");
    mt_resp_free(r);
    /* sent once */
    sleep_ms(700);
    assert_int_equal(smtp_sink_count(f->k), 1);
    /* a word longer than a header line, and text that looks like an encoded word, are encoded
     * (so the line stays short and the text is taken as it is) */
    const char *url_subject = fix_fmt("Invoice https://example.com/%0120d =?UTF-8?B?eA==?=", 7);
    json_int_t id2 = queue_mail(
        f->s, mt_admin_key(f->s),
        json_pack("{s:[s], s:s, s:s}", "to", "y@example.org", "subject", url_subject, "body", ""));
    assert_true(smtp_sink_wait(f->k, 2, 10000));
    const smtp_mail *m2 = smtp_sink_at(f->k, 1);
    assert_lines_ok(m2);
    assert_string_equal(fix_keep(decode_words(header_of(m2, "Subject"))), url_subject);
    mt_resp_free(wait_status(f->s, id2, "sent", 1));
    r = mt_get(f->s, MAILS "?status=sent", mt_admin_key(f->s));
    MT_ASSERT_HEADER(r, "X-Total", "2");
    mt_resp_free(r);
    r = mt_get(f->s, MAILS "?status=pending", mt_admin_key(f->s));
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
}

/* `mocod mail-test --attach` queues through engine_queue_mail: a multipart mail with the file as
 * a base64 attachment, byte for byte. */
static void test_attachment(void **state)
{
    struct fx *f = *state;
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 7);
    memcpy(bytes + 100, "\r\n.\r\n", 5); /* the end of DATA, inside the file */
    const char *path = fix_fmt("%s/Rechnung-42.pdf", mt_dir(f->s));
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, sizeof bytes, fp), sizeof bytes);
    fclose(fp);
    const char *utf8 = fix_fmt("%s/Übersicht.txt", mt_dir(f->s));
    fp = fopen(utf8, "wb");
    assert_non_null(fp);
    fputs("x", fp);
    fclose(fp);
    free(mt_cli(f->s,
                "mail-test --account acme --to 'Kunde <k@example.com>' --subject 'Ihre "
                "Rechnung' --attach %s",
                path));
    char *out = mt_cli(f->s, "mail-test --account acme --to k@example.com --attach %s", utf8);
    json_int_t second = atoll(out);
    free(out);
    assert_true(smtp_sink_wait(f->k, 2, 10000));
    const smtp_mail *m = smtp_sink_at(f->k, 0);
    if (strstr(m->data, "Rechnung-42") == NULL)
        m = smtp_sink_at(f->k, 1);
    assert_lines_ok(m);
    assert_string_equal(header_of(m, "Subject"), "Ihre Rechnung");
    assert_string_equal(header_of(m, "To"), "Kunde <k@example.com>");
    const char *ct = header_of(m, "Content-Type");
    assert_non_null(strstr(ct, "multipart/mixed; boundary=\""));
    const char *b = strstr(ct, "boundary=\"") + 10;
    const char *boundary = fix_fmt("--%.*s", (int)(strchr(b, '"') - b), b);
    /* the text part, then the file */
    const char *p1 = strstr(m->data, boundary);
    assert_non_null(p1);
    assert_non_null(strstr(p1, "Content-Type: text/plain; charset=UTF-8\r\n"));
    size_t len;
    unsigned char *text = part_body(p1 + strlen(boundary), &len);
    assert_non_null(strstr((char *)text, "test mail of mocod for the account acme"));
    free(text);
    const char *p2 = strstr(p1 + strlen(boundary), boundary);
    assert_non_null(p2);
    assert_non_null(strstr(p2, "Content-Type: application/pdf; name=\"Rechnung-42.pdf\"\r\n"));
    assert_non_null(
        strstr(p2, "Content-Disposition: attachment; filename=\"Rechnung-42.pdf\"\r\n"));
    assert_non_null(strstr(p2, "Content-Transfer-Encoding: base64\r\n"));
    unsigned char *file = part_body(p2 + strlen(boundary), &len);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(file, bytes, sizeof bytes);
    free(file);
    assert_non_null(strstr(m->data, fix_fmt("\r\n%s--\r\n", boundary)));
    /* a file name beyond ASCII is given as RFC 2231 parameters */
    const smtp_mail *u = smtp_sink_at(f->k, m == smtp_sink_at(f->k, 0) ? 1 : 0);
    assert_non_null(strstr(u->data, "filename*=UTF-8''%C3%9Cbersicht.txt"));
    mt_resp *r = wait_status(f->s, second, "sent", 1);
    MT_ASSERT_JSON_STR(r->json, "attachments[0].filename", "Übersicht.txt");
    MT_ASSERT_JSON_INT(r->json, "attachments[0].size", 1);
    mt_resp_free(r);
}

/* A refusal (4xx) and a refused connection are retried with back-off until the mail is sent. */
static void test_retried_after_refusal(void **state)
{
    struct fx *f = *state;
    smtp_sink_push_reply(f->k, 451);
    json_int_t id = queue_simple(f->s, "r@example.com", "retry me");
    assert_true(smtp_sink_wait_sessions(f->k, 1, 10000));
    mt_resp *r = wait_status(f->s, id, "pending", 1);
    MT_ASSERT_JSON_INT(r->json, "attempts", 1);
    assert_non_null(strstr(mt_json_str(r->json, "last_error"), "451"));
    MT_ASSERT_TIMESTAMP(r->json, "next_attempt_at");
    MT_ASSERT_JSON_NULL(r->json, "sent_at");
    mt_resp_free(r);
    assert_int_equal(smtp_sink_count(f->k), 0);
    assert_true(smtp_sink_wait(f->k, 1, 10000));
    r = wait_status(f->s, id, "sent", 2);
    MT_ASSERT_JSON_INT(r->json, "attempts", 2);
    MT_ASSERT_JSON_NULL(r->json, "last_error");
    mt_resp_free(r);
    assert_int_equal(smtp_sink_sessions(f->k), 2);
    assert_string_equal(smtp_sink_at(f->k, 0)->rcpt[0], "r@example.com");

    /* nobody listens: the connection is refused, the mail waits */
    smtp_sink_refuse(f->k);
    json_int_t id2 = queue_simple(f->s, "s@example.com", "refused");
    r = NULL;
    for (int i = 0; i < 200; i++) {
        mt_resp_free(r);
        r = get_mail(f->s, id2);
        if (mt_json_int(r->json, "attempts") >= 2)
            break;
        sleep_ms(50);
    }
    MT_ASSERT_JSON_STR(r->json, "status", "pending");
    assert_true(mt_json_int(r->json, "attempts") >= 2);
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    mt_resp_free(r);
    assert_true(smtp_sink_accept(f->k));
    assert_true(smtp_sink_wait(f->k, 2, 10000));
    r = wait_status(f->s, id2, "sent", 3);
    mt_resp_free(r);
    assert_string_equal(smtp_sink_at(f->k, 1)->rcpt[0], "s@example.com");
}

/* After --smtp-max-failures failed attempts the mail is failed, and not tried again. */
static void test_failed_after_max_failures(void **state)
{
    struct fx *f = *state;
    smtp_sink_push_reply(f->k, 550);
    smtp_sink_push_reply(f->k, 550);
    json_int_t id = queue_simple(f->s, "nobody@example.com", "bounces");
    mt_resp *r = wait_status(f->s, id, "failed", 2);
    MT_ASSERT_JSON_INT(r->json, "attempts", 2);
    assert_non_null(strstr(mt_json_str(r->json, "last_error"), "550"));
    MT_ASSERT_JSON_NULL(r->json, "next_attempt_at");
    MT_ASSERT_JSON_NULL(r->json, "sent_at");
    mt_resp_free(r);
    sleep_ms(1000);
    assert_int_equal(smtp_sink_sessions(f->k), 2);
    assert_int_equal(smtp_sink_count(f->k), 0);
    r = mt_get(f->s, MAILS "?status=failed", mt_admin_key(f->s));
    MT_ASSERT_HEADER(r, "X-Total", "1");
    mt_resp_free(r);
}

/* --smtp-starttls required (the default): a server without STARTTLS gets nothing. */
static void test_starttls_required(void **state)
{
    struct fx *f = *state;
    json_int_t id = queue_simple(f->s, "t@example.com", "secret");
    mt_resp *r = wait_status(f->s, id, "failed", 1);
    assert_true(strlen(mt_json_str(r->json, "last_error")) > 0);
    mt_resp_free(r);
    assert_int_equal(smtp_sink_count(f->k), 0);
}

/* --smtp-user with the password from MOCOD_SMTP_PASSWORD: AUTH PLAIN. */
static void test_auth(void **state)
{
    struct fx *f = *state;
    json_int_t id = queue_simple(f->s, "u@example.com", "with login");
    assert_true(smtp_sink_wait(f->k, 1, 10000));
    assert_string_equal(smtp_sink_at(f->k, 0)->auth, "mailer:s3cret pass");
    /* without --smtp-from: mocod's own */
    assert_string_equal(smtp_sink_at(f->k, 0)->from, "mocod@localhost");
    mt_resp_free(wait_status(f->s, id, "sent", 1));
}

/* Bad input is a 422 naming every field; nothing is queued. */
static void test_validation(void **state)
{
    struct fx *f = *state;
    const char *key = mt_admin_key(f->s);
    mt_resp *r = mt_request_json(f->s, "POST", MAILS, key,
                                 json_pack("{s:[s], s:s, s:s, s:s}", "to", "not an address",
                                           "subject", "two\nlines", "body", "x", "from", "a@"),
                                 NULL);
    fix_assert_422_fields(r, "to,subject"); /* from is the server's: what is sent is not read */
    mt_resp_free(r);
    /* without recipients a mail goes to the acting user; an account key has none */
    const char *account_key = fix_keep(mt_account_key(f->s, "acme", "full"));
    r = mt_request_json(f->s, "POST", MAILS, account_key,
                        json_pack("{s:[], s:s, s:s}", "to", "subject", "s", "body", "x"), NULL);
    fix_assert_422(r, "to");
    mt_resp_free(r);
    r = mt_request_json(
        f->s, "POST", MAILS, key,
        json_pack("{s:s, s:s, s:s}", "to", "a@example.com", "subject", "s", "body", "x"), NULL);
    fix_assert_422(r, "to"); /* a list, not a string */
    mt_resp_free(r);
    r = mt_request_json(f->s, "POST", MAILS, key,
                        json_pack("{s:[s], s:[s], s:s, s:s}", "to", "a@example.com", "cc",
                                  "Eve <eve@example.com>\r\nBcc: x@evil.test", "subject", "s",
                                  "body", "x"),
                        NULL);
    fix_assert_422(r, "cc"); /* no header injection */
    mt_resp_free(r);
    r = mt_request_json(f->s, "POST", MAILS, account_key, json_pack("{s:s}", "body", "x"), NULL);
    fix_assert_422_fields(r, "to,subject");
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(f->s, "SELECT COUNT(*) FROM mails"), 0);
    /* the administrator's own test mail */
    json_int_t self = queue_mail(f->s, key, json_pack("{s:s, s:s}", "subject", "me", "body", "x"));
    mt_resp *me = get_mail(f->s, self);
    assert_int_equal(mt_json_len(me->json, "to"), 1);
    MT_ASSERT_JSON_STR(me->json, "to[0]", "Ada Admin <admin@acme.test>");
    mt_resp_free(me);
    mt_sql_exec(f->s, fix_fmt("DELETE FROM mails WHERE id = %lld", (long long)self));
    /* the log is read-only */
    json_int_t id = queue_simple(f->s, "a@example.com", "keep");
    r = mt_requestf(f->s, "PUT", key, "{\"subject\":\"x\"}", MAILS "/%lld", (long long)id);
    assert_true(r->status == 404 || r->status == 405);
    mt_resp_free(r);
    r = mt_deletef(f->s, key, MAILS "/%lld", (long long)id);
    assert_true(r->status == 404 || r->status == 405);
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(f->s, "SELECT COUNT(*) FROM mails"), 1);
}

/* The log is the settings area's: administrators (and account keys) read it, others do not;
 * each account sees only its own mails. Pages like every list. */
static void test_permissions_isolation_pages(void **state)
{
    struct fx *f = *state;
    json_int_t ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = queue_simple(f->s, "p@example.com", fix_fmt("page %d", i));
    char *emp_key = NULL;
    fix_user_with_role(f->s, "Emma", "Employee", &emp_key);
    fix_keep(emp_key);
    mt_resp *r = mt_get(f->s, MAILS, emp_key);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_getf(f->s, emp_key, MAILS "/%lld", (long long)ids[0]);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_post(f->s, MAILS, emp_key,
                "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"body\":\"b\"}");
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    const char *read_key = fix_keep(mt_account_key(f->s, "acme", "read"));
    r = mt_get(f->s, MAILS, read_key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    mt_resp_free(r);
    r = mt_post(f->s, MAILS, read_key,
                "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"body\":\"b\"}");
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_get(f->s, MAILS, NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
    /* pages */
    r = mt_get(f->s, MAILS "?per_page=2", mt_admin_key(f->s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    assert_int_equal(mt_json_len(r->json, NULL), 2);
    assert_non_null(mt_header(r, "Link"));
    assert_non_null(strstr(mt_header(r, "Link"), "rel=\"next\""));
    mt_resp_free(r);
    r = mt_get(f->s, MAILS "?per_page=2&page=2", mt_admin_key(f->s));
    assert_int_equal(mt_json_len(r->json, NULL), 1);
    mt_resp_free(r);
    /* another account */
    const char *other = fix_keep(fix_new_other_key(f->s));
    r = mt_get(f->s, MAILS, other);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_getf(f->s, other, MAILS "/%lld", (long long)ids[1]);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    json_int_t theirs = queue_mail(
        f->s, other,
        json_pack("{s:[s], s:s, s:s}", "to", "o@example.com", "subject", "theirs", "body", "x"));
    r = mt_getf(f->s, mt_admin_key(f->s), MAILS "/%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_get(f->s, MAILS, mt_admin_key(f->s));
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_null(fix_find_by_id(r->json, theirs));
    mt_resp_free(r);
}

/* Two processes on one database send each mail once. */
static void test_two_processes_send_once(void **state)
{
    struct fx *f = *state;
    mt_server *sib = mt_start_sibling(
        f->s, fix_fmt("--smtp-url smtp://127.0.0.1:%d " FAST " " FROM, smtp_sink_port(f->k)));
    enum { N = 12 };
    for (int i = 0; i < N; i++)
        queue_mail(i % 2 ? sib : f->s, mt_admin_key(f->s),
                   json_pack("{s:[s], s:s, s:s}", "to", "many@example.com", "subject",
                             fix_fmt("mail %d", i), "body", "x"));
    assert_true(smtp_sink_wait(f->k, N, 20000));
    sleep_ms(1000);
    assert_int_equal(smtp_sink_count(f->k), N);
    bool seen[N] = {false};
    for (int i = 0; i < N; i++) {
        int n = -1;
        const char *subject = header_of(smtp_sink_at(f->k, (size_t)i), "Subject");
        assert_int_equal(sscanf(subject, "mail %d", &n), 1);
        assert_true(n >= 0 && n < N && !seen[n]);
        seen[n] = true;
    }
    mt_stop(sib);
    mt_resp *r = mt_get(f->s, MAILS "?status=sent", mt_admin_key(f->s));
    MT_ASSERT_HEADER(r, "X-Total", "12");
    mt_resp_free(r);
}

/* One account's many mails delay no other's: mails are taken round-robin over the accounts. */
static void test_fair_across_accounts(void **state)
{
    struct fx *f = *state; /* a server without SMTP: the mails wait */
    const char *other = fix_keep(fix_new_other_key(f->s));
    enum { N = 20 };
    for (int i = 0; i < N; i++)
        queue_simple(f->s, "many@example.com", fix_fmt("acme %d", i));
    queue_mail(f->s, other,
               json_pack("{s:[s], s:s, s:s}", "to", "theirs@example.com", "subject", "other",
                         "body", "x"));
    /* a process that sends finds them all due at once */
    mt_server *sib = mt_start_sibling(
        f->s, fix_fmt("--smtp-url smtp://127.0.0.1:%d " FAST, smtp_sink_port(f->k)));
    assert_true(smtp_sink_wait(f->k, N + 1, 20000));
    mt_stop(sib);
    size_t at = N + 1;
    for (size_t i = 0; i <= N; i++)
        if (!strcmp(smtp_sink_at(f->k, i)->rcpt[0], "theirs@example.com"))
            at = i;
    /* at most 4 of one account are in flight: the other's mail is among the first sent */
    if (at >= 8)
        fail_msg("the other account's mail was sent as number %zu of %d", at + 1, N + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kept_without_smtp_url, setup_no_smtp, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delivered_with_headers, setup_smtp, fx_teardown),
        cmocka_unit_test_setup_teardown(test_attachment, setup_smtp, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retried_after_refusal, setup_slow_retry, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_after_max_failures, setup_max2, fx_teardown),
        cmocka_unit_test_setup_teardown(test_starttls_required, setup_tls_required, fx_teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup_auth, fx_teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup_no_smtp, fx_teardown),
        cmocka_unit_test_setup_teardown(test_permissions_isolation_pages, setup_no_smtp,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_send_once, setup_smtp, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fair_across_accounts, setup_no_smtp, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
