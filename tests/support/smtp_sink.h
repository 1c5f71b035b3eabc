/*
 * smtp_sink — a tiny SMTP server for the mail tests, as receiver.h is for web hooks.
 *
 * It listens on a free 127.0.0.1 port; a background thread accepts one session at a time and
 * speaks enough SMTP for libcurl (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
 * STARTTLS). Every mail it takes is recorded: envelope sender and recipients, the AUTH PLAIN
 * credentials of the session, and the message as sent (dot-stuffing undone, CRLF kept).
 *
 *     smtp_sink *k = smtp_sink_start();
 *     char *url = smtp_sink_url(k);              // "smtp://127.0.0.1:PORT"
 *     smtp_sink_push_reply(k, 451);              // the next session's MAIL FROM gets a 451
 *     ... make the server send ...
 *     assert_true(smtp_sink_wait(k, 1, 5000));   // a mail taken within 5 s
 *     const smtp_mail *m = smtp_sink_at(k, 0);
 *     char *subject = smtp_mail_header(m, "Subject");
 *     smtp_sink_free(k);
 *
 * smtp_sink_refuse closes the listening socket (connections are refused), smtp_sink_accept
 * listens again on the same port. All functions are safe to call while the sink serves; only
 * smtp_sink_start fails the test (when it cannot listen). Records stay valid until
 * smtp_sink_free.
 */
#ifndef SMTP_SINK_H
#define SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct smtp_sink smtp_sink;

typedef struct smtp_mail {
    char *helo;  /* the EHLO/HELO argument */
    char *auth;  /* AUTH PLAIN decoded as "user:password", NULL without AUTH */
    char *from;  /* MAIL FROM address, without the brackets */
    char **rcpt; /* RCPT TO addresses, without the brackets */
    size_t n_rcpt;
    char *data; /* the message, CRLF line ends, without the final ".\r\n" */
    size_t data_len;
} smtp_mail;

smtp_sink *smtp_sink_start(void);
void smtp_sink_free(smtp_sink *k);
int smtp_sink_port(const smtp_sink *k);
/* "smtp://127.0.0.1:PORT", malloc'd. */
char *smtp_sink_url(const smtp_sink *k);

/* The answer to MAIL FROM of the next session (a 4xx or 5xx refuses that mail); queued, used in
 * order; sessions without one are served normally. */
void smtp_sink_push_reply(smtp_sink *k, int code);

void smtp_sink_refuse(smtp_sink *k);
bool smtp_sink_accept(smtp_sink *k);

/* Mails taken, and sessions begun (a refused mail counts as a session, not as a mail). */
size_t smtp_sink_count(smtp_sink *k);
size_t smtp_sink_sessions(smtp_sink *k);
bool smtp_sink_wait(smtp_sink *k, size_t n, int timeout_ms);
bool smtp_sink_wait_sessions(smtp_sink *k, size_t n, int timeout_ms);
const smtp_mail *smtp_sink_at(smtp_sink *k, size_t i);

/* A header of the message, unfolded (its continuation lines joined), malloc'd; NULL if absent.
 * From the top-level headers only (up to the first empty line). */
char *smtp_mail_header(const smtp_mail *m, const char *name);
/* base64 text (blanks and line ends ignored) decoded, malloc'd, NUL-terminated; *len its size. */
unsigned char *smtp_base64_decode(const char *s, size_t n, size_t *len);

#endif /* SMTP_SINK_H */
