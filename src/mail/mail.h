/*
 * Mail: the durable outbox of mails that mocod sends (invoices, offers, a test mail), modelled on
 * the web hook outbox. A mail is built once, as an RFC 5322 / MIME message, and written to the
 * table mails in the transaction of the change that sends it (engine_queue_mail, or a create of
 * the log resource res_mails); a delivery thread sends pending mails through SMTP with libcurl,
 * with retries and back-off, and keeps the outcome in the same row (the mail log,
 * GET /account/mails). Several processes on one database claim mails with leases, as web hook
 * deliveries are claimed: each mail is sent once (at least once across a crash mid-send).
 */
#ifndef MOCOD_MAIL_H
#define MOCOD_MAIL_H

#include "core/request.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>

/* Claims of mails take this write scope (beside db.h's DB_SCOPE_DELIVERIES, -2). */
#define MAIL_SCOPE_CLAIMS (-3)

#define MAIL_MAX_RECIPIENTS  100 /* to, cc and bcc together */
#define MAIL_MAX_ATTACHMENTS 20
#define MAIL_MAX_BYTES       (10 * 1024 * 1024) /* the attachments' bytes of one mail */
#define MAIL_MAX_BODY        (1024 * 1024)

enum mail_starttls { MAIL_TLS_REQUIRED = 0, MAIL_TLS_OPTIONAL, MAIL_TLS_OFF };

struct mail_config {
    const char *url;  /* smtp://host:port or smtps://host:port; NULL: mails stay queued */
    const char *user; /* NULL: no authentication */
    const char *password;
    enum mail_starttls starttls; /* smtp:// only (smtps:// is TLS from the start) */
    const char *from;            /* the From of mails that name none */
    double retry_base_seconds;   /* first retry after this; doubles each failure */
    double retry_max_seconds;    /* back-off ceiling */
    int max_failures;            /* failed attempts after which a mail is marked failed */
    double timeout_seconds;      /* one SMTP session, from connecting to the end of DATA */
};

/* The settings of the mail module; main sets them at start-up (also for CLI verbs, so that
 * mails queued there get the default From). */
void mail_configure(const struct mail_config *cfg);
const char *mail_default_from(void);
const struct mail_config *mail_config_get(void);

/* Starts the delivery thread when an SMTP URL is configured (else it does nothing and mails
 * stay in the outbox); mail_stop ends it, mail_kick wakes it. */
int mail_start(db *d);
void mail_stop(void);
void mail_kick(void);

/* A mail address as accepted in from, to, cc and bcc: "a@example.com" or
 * "Name <a@example.com>" (the name may be UTF-8). NULL when fine, else the problem. */
const char *mail_address_problem(const char *s);

/* A mail made ready for the outbox: the columns of its row in mails. */
struct mail_built {
    const char *from;    /* the From as given (or the default) */
    const char *to_json; /* JSON arrays of the addresses as given */
    const char *cc_json;
    const char *bcc_json;
    const char *attachments_json; /* [{"filename","content_type","size"}] */
    const char *envelope_from;    /* bare address */
    const char *envelope_rcpt;    /* JSON array of the bare addresses of to, cc and bcc */
    const char *message;          /* the whole RFC 5322 message, CRLF line ends */
    const char *message_id;       /* "<...@domain>" */
};

struct mail;
/* Checks a mail (problems are field errors: "from", "to", "cc", "bcc", "subject", "body",
 * "attachments") and builds its message in the request's arena; -1 when it has problems. */
int mail_build(struct req *r, const struct mail *m, struct mail_built *out);

#endif
