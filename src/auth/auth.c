#include "auth/auth.h"

#include "util/parse.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char lookup_key[crypto_auth_hmacsha256_KEYBYTES];
static unsigned char seal_key[crypto_secretbox_KEYBYTES];

const char *const perm_area_names[AREA_COUNT] = {
    NULL,       "report", "companies", "contacts", "people",        "purchases",
    "settings", "sales",  "projects",  "calendar", "time_tracking", "invoicing",
};

static int read_secret_file(const char *path, bool may_create, unsigned char *secret, char *err,
                            size_t errlen)
{
    char hex[2 * 32 + 2] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !may_create) {
        /* every process on a database server needs the same secret: one made here would not
         * open the keys that the others made */
        snprintf(err, errlen,
                 "secret file %s does not exist: make one (mocod secret > FILE) and give the "
                 "same one to every mocod on this database",
                 path);
        return -1;
    }
    if (fd < 0 && errno == ENOENT) {
        /* first start: make one, readable only by us */
        unsigned char fresh[32];
        randombytes_buf(fresh, sizeof(fresh));
        sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            hex[64] = '\n';
            ssize_t w = write(fd, hex, 65);
            if (w != 65 || fsync(fd) != 0) {
                close(fd);
                snprintf(err, errlen, "cannot write secret file %s", path);
                return -1;
            }
            close(fd);
        }
        fd = open(path, O_RDONLY | O_CLOEXEC); /* read back: another process may have won */
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
        return -1;
    }
    memset(hex, 0, sizeof(hex));
    ssize_t n = read(fd, hex, 64);
    close(fd);
    size_t binlen = 0;
    if (n != 64 || sodium_hex2bin(secret, 32, hex, 64, NULL, &binlen, NULL) != 0 || binlen != 32) {
        snprintf(err, errlen, "secret file %s must hold 64 hexadecimal characters", path);
        return -1;
    }
    return 0;
}

int auth_init(const char *db_url, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    unsigned char secret[32];
    const char *env = getenv("MOCOD_SECRET");
    if (env && *env) {
        size_t binlen = 0;
        if (strlen(env) != 64 || sodium_hex2bin(secret, 32, env, 64, NULL, &binlen, NULL) != 0 ||
            binlen != 32) {
            snprintf(err, errlen, "MOCOD_SECRET must be 64 hexadecimal characters");
            return -1;
        }
    } else {
        const char *file = getenv("MOCOD_SECRET_FILE");
        char path[4096];
        bool server = db_url_is_server(db_url);
        if (file && *file) {
            snprintf(path, sizeof(path), "%s", file);
        } else if (server) {
            snprintf(err, errlen,
                     "a database server needs the server secret from the environment: set "
                     "MOCOD_SECRET (64 hex characters) or MOCOD_SECRET_FILE (mocod secret > FILE "
                     "makes one), the same for every mocod on the database");
            return -1;
        } else {
            const char *p = strncmp(db_url, "sqlite://", 9) == 0 ? db_url + 9 : db_url;
            snprintf(path, sizeof(path), "%s.secret", p);
        }
        if (read_secret_file(path, !server, secret, err, errlen))
            return -1;
    }
    static const char lookup_ctx[] = "mocod api-key lookup";
    static const char seal_ctx[] = "mocod api-key seal";
    crypto_generichash(lookup_key, sizeof(lookup_key), (const unsigned char *)lookup_ctx,
                       sizeof(lookup_ctx) - 1, secret, sizeof(secret));
    crypto_generichash(seal_key, sizeof(seal_key), (const unsigned char *)seal_ctx,
                       sizeof(seal_ctx) - 1, secret, sizeof(secret));
    sodium_memzero(secret, sizeof(secret));
    return 0;
}

void auth_key_lookup(const char *key, char *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)key, strlen(key), lookup_key);
    sodium_bin2hex(out, AUTH_LOOKUP_LEN + 1, mac, sizeof(mac));
}

char *auth_key_seal(arena *a, const char *key)
{
    size_t mlen = strlen(key);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
    unsigned char *box = arena_alloc(a, blen);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)key, mlen, box,
                          seal_key);
    size_t outlen = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    char *out = arena_alloc(a, outlen);
    sodium_bin2base64(out, outlen, box, blen, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

char *auth_key_open(arena *a, const char *sealed)
{
    size_t cap = strlen(sealed);
    unsigned char *box = arena_alloc(a, cap + 1);
    size_t blen = 0;
    if (sodium_base642bin(box, cap, sealed, strlen(sealed), NULL, &blen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return NULL;
    size_t mlen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *out = arena_alloc(a, mlen + 1);
    if (crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
                                   blen - crypto_secretbox_NONCEBYTES, box, seal_key) != 0)
        return NULL;
    out[mlen] = '\0';
    return out;
}

int auth_key_create(db_conn *c, arena *a, int64_t account_id, int64_t user_id, const char *kind,
                    char *out)
{
    random_hex(out, AUTH_KEY_LEN / 2);
    char lookup[AUTH_LOOKUP_LEN + 1];
    auth_key_lookup(out, lookup);
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    db_param p[6] = {dbp_int(account_id), user_id ? dbp_int(user_id) : dbp_null(), dbp_text(kind),
                     dbp_text(lookup),    dbp_text(auth_key_seal(a, out)),         dbp_text(now)};
    return db_exec(c,
                   "INSERT INTO api_keys (account_id, user_id, kind, lookup, sealed, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6) == DB_DONE
               ? 0
               : -1;
}

char *auth_user_key(db_conn *c, arena *a, int64_t account_id, int64_t user_id)
{
    db_param p[2] = {dbp_int(account_id), dbp_int(user_id)};
    db_stmt *s = db_query(c,
                          "SELECT sealed FROM api_keys WHERE account_id = ? AND user_id = ? AND "
                          "kind = 'user' ORDER BY id LIMIT 1",
                          p, 2);
    if (!s)
        return NULL;
    char *key = NULL;
    if (db_step(s) == DB_ROW)
        key = auth_key_open(a, db_col_text(s, 0));
    db_done(s);
    if (key)
        return key;
    key = arena_alloc(a, AUTH_KEY_LEN + 1);
    return auth_key_create(c, a, account_id, user_id, "user", key) == 0 ? key : NULL;
}

/* ------------------------------------------------------------- identities */

/* The columns that describe a user's standing: id, active, admin flag, one level per area. */
static void user_columns(strbuf *sql)
{
    sb_adds(sql, "u.id, u.active, ro.is_admin");
    for (int i = AREA_FIRST; i < AREA_COUNT; i++)
        sb_addf(sql, ", ro.perm_%s", perm_area_names[i]);
}

#define USER_JOIN " LEFT JOIN user_roles ro ON ro.id = u.role_id AND ro.account_id = u.account_id"

/* Reads user_columns() from col on: 0, 1 when there is no user, -1 (401) when deactivated. */
static int take_user(struct req *r, db_stmt *s, int col, bool require_active, bool *is_active)
{
    if (db_col_null(s, col))
        return 1;
    bool active = db_col_i64(s, col + 1) != 0;
    if (is_active)
        *is_active = active;
    r->admin = db_col_i64(s, col + 2) != 0;
    for (int i = AREA_FIRST; i < AREA_COUNT; i++)
        r->perm[i] =
            (unsigned char)(r->admin ? PERM_FULL
                                     : perm_level_parse(db_col_text(s, col + 3 + i - AREA_FIRST)));
    if (require_active && !active)
        return req_fail(r, 401, NULL, "the user of this API key is deactivated");
    r->user_id = db_col_i64(s, col);
    return 0;
}

int auth_load_user(struct req *r, int64_t user_id, bool *active)
{
    strbuf sql;
    sb_init(&sql, r->arena, 512);
    sb_adds(&sql, "SELECT ");
    user_columns(&sql);
    sb_adds(&sql, " FROM users u" USER_JOIN " WHERE u.id = ? AND u.account_id = ?");
    db_param p[2] = {dbp_int(user_id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db, sql.buf, p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc == DB_ROW)
        rc = take_user(r, s, 0, false, active);
    else
        rc = rc == DB_DONE ? 1 : req_fail(r, 500, NULL, "database error");
    db_done(s);
    return rc;
}

/* The subdomain named by Host when it is <subdomain>.<base-domain>, else NULL. */
const char *auth_host_subdomain(struct req *r)
{
    const char *base = r->cfg ? r->cfg->base_domain : NULL;
    if (!base || !*base || !r->host)
        return NULL;
    size_t hlen = strcspn(r->host, ":");
    size_t blen = strlen(base);
    if (hlen <= blen + 1 || r->host[hlen - blen - 1] != '.' ||
        strncasecmp(r->host + hlen - blen, base, blen) != 0)
        return NULL;
    char *sub = arena_strndup(r->arena, r->host, hlen - blen - 1);
    for (char *p = sub; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return sub;
}

static const char *parse_authorization(struct req *r)
{
    const char *h = r->authorization;
    if (!h)
        return NULL;
    while (*h == ' ')
        h++;
    const char *key = NULL;
    if (!strncasecmp(h, "Bearer ", 7)) {
        key = h + 7;
    } else if (!strncasecmp(h, "Token ", 6)) {
        key = h + 6;
        while (*key == ' ')
            key++;
        if (!strncasecmp(key, "token=", 6))
            key += 6;
    } else {
        return NULL;
    }
    while (*key == ' ' || *key == '"')
        key++;
    size_t n = strcspn(key, "\" ,;");
    return n ? arena_strndup(r->arena, key, n) : NULL;
}

int auth_authenticate(struct req *r)
{
    const char *sub = auth_host_subdomain(r);
    const char *key = parse_authorization(r);
    if (!key)
        return req_fail(r, 401, NULL, "missing API key: send Authorization: Token token=YOUR_KEY");
    char lookup[AUTH_LOOKUP_LEN + 1];
    auth_key_lookup(key, lookup);
    db_param p[1] = {dbp_text(lookup)};
    /* key, account and (for user keys) the user with the role, in one look-up */
    strbuf sql;
    sb_init(&sql, r->arena, 1024);
    sb_adds(&sql, "SELECT k.id, k.account_id, k.user_id, k.kind, a.subdomain, "
                  "a.rate_limit_requests, a.rate_limit_seconds, a.custom_properties_merge, "
                  "k.lookup, a.data_version, a.strict_validation, a.time_zone, ");
    user_columns(&sql);
    sb_adds(&sql,
            " FROM api_keys k JOIN accounts a ON a.id = k.account_id LEFT JOIN users u ON "
            "u.id = k.user_id AND u.account_id = k.account_id" USER_JOIN " WHERE k.lookup = ?");
    db_stmt *s = db_query(r->db, sql.buf, p, 1);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_done(s);
        return rc == DB_DONE ? req_fail(r, 401, NULL, "invalid API key")
                             : req_fail(r, 500, NULL, "database error");
    }
    /* the index found the row by its MAC; compare it once more in constant time */
    const char *stored = db_col_text(s, 8);
    bool same = stored && strlen(stored) == AUTH_LOOKUP_LEN &&
                sodium_memcmp(stored, lookup, AUTH_LOOKUP_LEN) == 0;
    r->key_id = db_col_i64(s, 0);
    r->account_id = db_col_i64(s, 1);
    r->key_user_id = db_col_null(s, 2) ? 0 : db_col_i64(s, 2);
    const char *kind = db_col_text(s, 3);
    r->key_kind = !strcmp(kind, "user")   ? KEY_USER
                  : !strcmp(kind, "full") ? KEY_ACCOUNT_FULL
                                          : KEY_ACCOUNT_READ;
    r->account_subdomain = arena_strdup(r->arena, db_col_text(s, 4));
    r->settings.rate_limit_requests = db_col_null(s, 5) ? 0 : (int)db_col_i64(s, 5);
    r->settings.rate_limit_seconds = db_col_null(s, 6) ? 0 : (int)db_col_i64(s, 6);
    r->settings.custom_properties_merge = db_col_i64(s, 7) != 0;
    r->data_version = db_col_i64(s, 9);
    r->settings.strict_validation = db_col_i64(s, 10) != 0;
    r->settings.time_zone = arena_strdup(r->arena, db_col_text(s, 11));
    int user_rc = 1;
    if (r->key_kind == KEY_USER && same)
        user_rc = take_user(r, s, 12, true, NULL);
    db_done(s);
    if (!same)
        return req_fail(r, 401, NULL, "invalid API key");
    if (sub && strcmp(sub, r->account_subdomain) != 0)
        return req_fail(r, 401, NULL, "this API key does not belong to the account %s", sub);

    if (r->key_kind == KEY_USER) {
        if (user_rc > 0)
            return req_fail(r, 401, NULL, "the user of this API key no longer exists");
        if (user_rc < 0)
            return -1;
    } else {
        r->admin = r->key_kind == KEY_ACCOUNT_FULL;
        memset(r->perm, r->key_kind == KEY_ACCOUNT_FULL ? PERM_FULL : PERM_READ, sizeof(r->perm));
    }

    if (r->impersonate && *r->impersonate) {
        int64_t target;
        if (!parse_i64(r->impersonate, &target) || target <= 0)
            return req_fail(r, 422, "X-IMPERSONATE-USER-ID", "must be a user id");
        if (!req_is_staff(r))
            return req_fail(r, 403, "X-IMPERSONATE-USER-ID",
                            "impersonation needs the Staff permission");
        bool read_only_key = r->key_kind == KEY_ACCOUNT_READ;
        struct rights actor, target_rights;
        req_rights(r, &actor);
        bool active = false;
        rc = auth_load_user(r, target, &active);
        if (rc > 0)
            return req_fail(r, 404, "X-IMPERSONATE-USER-ID", "user %lld not found",
                            (long long)target);
        if (rc < 0)
            return -1;
        /* acting as someone never widens one's rights, nor acts for the deactivated */
        req_rights(r, &target_rights);
        if (rights_exceed(&target_rights, &actor))
            return req_fail(r, 403, "X-IMPERSONATE-USER-ID", "user %lld holds rights that you lack",
                            (long long)target);
        if (!active)
            return req_fail(r, 403, "X-IMPERSONATE-USER-ID", "user %lld is deactivated",
                            (long long)target);
        if (read_only_key) /* acting as someone never widens a read-only key */
            for (int i = AREA_FIRST; i < AREA_COUNT; i++)
                if (r->perm[i] > PERM_READ)
                    r->perm[i] = PERM_READ;
    }
    return 0;
}
