/*
 * A request as handlers see it: no HTTP library types, only what the API needs. The server fills
 * the input part, the dispatcher the account/auth part, and handlers write the response part.
 * Everything hangs off the request's arena and is freed when the request completes.
 */
#ifndef MOCOD_REQUEST_H
#define MOCOD_REQUEST_H

#include "db/db.h"
#include "util/arena.h"
#include "util/strbuf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct kv {
    const char *key;
    const char *value;
};

/* Permission areas of a user role, as MOCO's role JSON names them. */
enum perm_area {
    AREA_UNSET = 0, /* not declared: refused at start-up */
    AREA_REPORT,
    AREA_COMPANIES,
    AREA_CONTACTS,
    AREA_PEOPLE,
    AREA_PURCHASES,
    AREA_SETTINGS,
    AREA_SALES,
    AREA_PROJECTS,
    AREA_CALENDAR,
    AREA_TIME_TRACKING,
    AREA_INVOICING,
    AREA_COUNT,
    AREA_FIRST = AREA_REPORT,
    AREA_ANY = -1,       /* no particular area: any authenticated caller */
    AREA_PUBLIC = -2,    /* custom routes without a key (login) */
    AREA_OF_ENTITY = -3, /* custom routes about another entity: its resource's area */
};
enum perm_level { PERM_NONE = 0, PERM_READ = 1, PERM_FULL = 2 };
extern const char *const perm_area_names[AREA_COUNT];

enum key_kind { KEY_USER, KEY_ACCOUNT_READ, KEY_ACCOUNT_FULL };

struct account_settings {
    int rate_limit_requests; /* 0: the server default */
    int rate_limit_seconds;
    bool custom_properties_merge; /* newer docs: merge instead of the seed's replace */
    bool strict_validation;       /* the newer docs' strictness (required retainer, unknown
                                     custom field names refused) instead of the service's */
    const char *time_zone;        /* "Europe/Berlin": "today" and dates are its calendar's */
};

/* Settings of the running server (flags and environment), fixed after start-up. */
struct server_config {
    const char *db_url;
    const char *listen;
    const char *base_domain;   /* accounts are <subdomain>.<base_domain> */
    const char *public_scheme; /* for absolute links: "http" unless behind TLS */
    int rate_requests;         /* default limit per key; 0 = off */
    int rate_seconds;
    int threads;
    bool webhook_allow_private;
    /* HTTP limits (0: the built-in default of http.c) */
    int max_connections;        /* open connections in all */
    int max_connections_per_ip; /* open connections of one client address */
    int idle_timeout;           /* seconds a connection may stay silent */
    int request_timeout;        /* seconds a request has to arrive completely */
    size_t body_memory;         /* bytes of request bodies held at once, over all requests */
};

struct req {
    arena *arena;
    const struct server_config *cfg;
    /* input */
    const char *method;
    const char *path;     /* path below /api/v1, without .json, e.g. "/users/12" */
    const char *raw_path; /* as requested, e.g. "/api/v1/users.json" */
    const char *host;
    const char *content_type;
    const char *authorization;
    const char *impersonate;
    const char *client_ip; /* the peer's address as text ("127.0.0.1"); NULL when unknown. Never
                              taken from X-Forwarded-For: mocod trusts no proxy header */
    struct kv *query;
    int nquery;
    const char *body_raw;
    size_t body_len;
    json_t *body;    /* parsed JSON object body, NULL when none; owned by the request */
    bool root_path;  /* a page at the server's root, not the API below /api/v1 (dispatch.c) */
    size_t max_body; /* set by dispatch_authorize: the route's smaller body limit (0: 10 MiB) */
    json_t *scratch; /* JSON values made while handling, freed with the request */
    /* who is asking */
    bool authorized; /* key and rate limit checked already (from the headers, before the body) */
    db_conn *db;
    int64_t account_id;
    const char *account_subdomain;
    struct account_settings settings;
    int64_t data_version; /* the account's write counter when the request began */
    enum key_kind key_kind;
    int64_t key_id;
    int64_t key_user_id; /* owner of a user key, 0 for account keys */
    int64_t user_id;     /* acting user: key owner or the impersonated user; 0 if none */
    bool admin;
    unsigned char perm[AREA_COUNT];
    /* the routed resource when it is nested, and the id of its parent row */
    const struct resource *nested;
    int64_t parent_id;
    /* route captures */
    int64_t ids[4];
    int nids;
    const char *words[2];
    int nwords;
    bool webhooks_pending;    /* events were queued: wake the delivery thread after the commit */
    struct engine_memo *memo; /* the engine's memo of checks made in this request */
    /* response */
    int status;
    strbuf out;
    struct kv *headers;
    int nheaders;
    int cap_headers;
    /* the first error */
    const char *err_field;
    const char *err_message;
    json_t *err_fields;       /* {field: [problems]} for 422 */
    const char *field_prefix; /* while a child row is checked: "items[2]." before its fields */
};

void req_add_header(struct req *r, const char *key, const char *value);
/* Keeps a JSON value (a reference is taken over) alive until the request ends. */
void req_keep(struct req *r, json_t *value);
const char *req_query(const struct req *r, const char *key);
/* Records an error and returns -1; the server renders it as {"message": ..., "errors": ...}. */
int req_fail(struct req *r, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a validation problem of one input field (422). */
void req_field_error(struct req *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Level of the acting identity in a permission area. */
int req_perm(const struct req *r, enum perm_area area);
/* 403 unless the caller may write in the area (read-only keys may never write). */
int req_require_write(struct req *r, enum perm_area area);
int req_require_read(struct req *r, enum perm_area area);
/* "Staff" permission: may manage people and impersonate. */
bool req_is_staff(const struct req *r);

/* What a role (or a user through its role) may do: the admin flag and one level per area. */
struct rights {
    bool admin;
    unsigned char perm[AREA_COUNT];
};
/* A role's level text ("full", "read", "own", "none") as a perm_level. */
int perm_level_parse(const char *v);
/* The acting identity's rights. */
void req_rights(const struct req *r, struct rights *out);
/* Whether `other` holds a right the acting identity lacks (admin flag or any area's level):
 * nobody grants such rights, nor takes over (password, key, role, active) who holds them. */
bool req_rights_exceeded(const struct req *r, const struct rights *other);
/* Whether `a` holds a right that `b` lacks. */
bool rights_exceed(const struct rights *a, const struct rights *b);

#endif
