/*
 * Keys, passwords and identities. API keys are never stored in plain text: a key is found by its
 * HMAC-SHA256 under a server secret (kept outside the database) and stored sealed with that
 * secret (libsodium secretbox), so that MOCO's "give me my key" calls still work while a stolen
 * database alone yields no usable key.
 */
#ifndef MOCOD_AUTH_H
#define MOCOD_AUTH_H

#include "core/request.h"
#include "engine/resource.h"
#include "util/secret.h"

#include <stdbool.h>
#include <stddef.h>

#define AUTH_KEY_LEN    32 /* hexadecimal characters of an API key */
#define AUTH_LOOKUP_LEN 64 /* hexadecimal HMAC-SHA256 */

/* Loads the server secret: MOCOD_SECRET (64 hex chars), else the file MOCOD_SECRET_FILE, else
 * "<db path>.secret", created with mode 0600 on first use. */
int auth_init(const char *db_url, char *err, size_t errlen);

void auth_key_lookup(const char *key, char *out /* AUTH_LOOKUP_LEN + 1 */);
/* Seals a key for storage; returns an arena string. */
char *auth_key_seal(arena *a, const char *key);
/* Opens a sealed key; NULL when it does not open with this server's secret. */
char *auth_key_open(arena *a, const char *sealed);

/* Creates a key row (kind "user", "read" or "full") and writes the new key into out. */
int auth_key_create(db_conn *c, arena *a, int64_t account_id, int64_t user_id, const char *kind,
                    char *out /* AUTH_KEY_LEN + 1 */);
/* The user's key (created when the user has none yet), as an arena string. */
char *auth_user_key(db_conn *c, arena *a, int64_t account_id, int64_t user_id);

/* The account subdomain named by Host (<subdomain>.<base-domain>), else NULL. */
const char *auth_host_subdomain(struct req *r);
/* Finds account and identity of the request from Host and Authorization; fills r. */
int auth_authenticate(struct req *r);
/* Loads the role permissions of a user into r (admin flag and area levels) and tells whether the
 * user is active; 1 when there is no such user. */
int auth_load_user(struct req *r, int64_t user_id, bool *active);

/* POST /session (login: email and password give the user's API key) and GET /session. */
extern const struct route_decl auth_routes[];

/* Rate limiting per key, in memory, sliding window. Returns 0 or the seconds to wait. */
void ratelimit_init(void);
int ratelimit_check(db_conn *c, int64_t key_id, int limit, int window_seconds);

/* Login attempts per client address and (lower-case) email, with growing waits after a few
 * failures. Returns 0 when the attempt may go ahead (it counts as failed until
 * login_throttle_succeeded), else the seconds to wait. */
int login_throttle_attempt(const char *client_ip, const char *email);
void login_throttle_succeeded(const char *client_ip, const char *email);

#endif
