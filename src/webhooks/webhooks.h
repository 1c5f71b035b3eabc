/*
 * Web hooks: events are written to an outbox (webhook_events + one webhook_deliveries row per
 * subscribed hook) in the same transaction as the change they describe; a delivery thread posts
 * them, signed, with retries and back-off. A slow receiver never slows an API request and a
 * crash between commit and delivery loses nothing: pending deliveries are sent after a restart.
 */
#ifndef MOCOD_WEBHOOKS_H
#define MOCOD_WEBHOOKS_H

#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>

#define WEBHOOK_KEY_LEN 32 /* hexadecimal characters of a signing key */

struct webhook_config {
    double retry_base_seconds; /* first retry after this; doubles each failure */
    double retry_max_seconds;  /* back-off ceiling */
    int max_failures;          /* consecutive failures that disable a hook */
    double timeout_seconds;    /* the receiver's time to answer */
    bool allow_private;        /* allow loopback, private and link-local receivers */
    const char *base_domain;   /* for X-Moco-Account-Url */
    const char *public_scheme;
};

/* Starts and stops the delivery thread; webhooks_kick wakes it after a commit. */
int webhooks_start(db *d, const struct webhook_config *cfg);
void webhooks_stop(void);
void webhooks_kick(void);

/* Whether the running server lets hooks reach private addresses (--webhook-allow-private). */
bool webhooks_private_allowed(void);
/* Checks a hook URL: http(s) with a host, and no private target unless allowed. NULL when fine. */
const char *webhooks_check_url(const char *url, bool allow_private);
/* True for loopback, private, link-local and other non-public addresses (AF_INET/AF_INET6). */
bool webhooks_address_private(int family, const void *addr);
/* HMAC-SHA256 of body under key, as lowercase hex (65 bytes). */
void webhooks_sign(const char *key, const char *body, size_t len, char *out);

#endif
