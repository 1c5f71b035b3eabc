/* Unit tests of keys, passwords, identities and the rate limiter (auth/auth.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "db/db.h"
#include "db/migrate.h"
#include "util/arena.h"

#include "unit_helpers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char tmpdir[128];
static char dbpath[256];

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Loads the server secret from "<dbpath>.secret" again (tests that switch secrets call this). */
static void init_default_secret(void)
{
    char err[256] = "";
    unsetenv("MOCOD_SECRET");
    unsetenv("MOCOD_SECRET_FILE");
    if (auth_init(dbpath, err, sizeof(err)) != 0)
        fail_msg("auth_init(%s): %s", dbpath, err);
}

static int group_setup(void **state)
{
    (void)state;
    if (unit_mkdtemp(tmpdir, sizeof(tmpdir), "auth"))
        return -1;
    unit_path(dbpath, sizeof(dbpath), tmpdir, "auth.db");
    unsetenv("MOCOD_SECRET");
    unsetenv("MOCOD_SECRET_FILE");
    char err[256] = "";
    if (auth_init(dbpath, err, sizeof(err)) != 0) {
        fprintf(stderr, "auth_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unsetenv("MOCOD_SECRET");
    unsetenv("MOCOD_SECRET_FILE");
    unit_rmtree(tmpdir);
    return 0;
}

/* ----------------------------------------------------------------- secrets */

static void init_creates_private_secret_file(void **state)
{
    (void)state;
    char secret[300];
    snprintf(secret, sizeof(secret), "%s.secret", dbpath);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65); /* 64 hex characters and a newline */
    FILE *f = fopen(secret, "r");
    assert_non_null(f);
    char buf[80] = {0};
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    assert_int_equal(n, 65);
    assert_true(is_lower_hex(buf, 64));
    assert_int_equal(buf[64], '\n');
}

static void secret_persists_across_init(void **state)
{
    (void)state;
    char before[AUTH_LOOKUP_LEN + 1], after[AUTH_LOOKUP_LEN + 1];
    auth_key_lookup("0123456789abcdef0123456789abcdef", before);
    init_default_secret(); /* reads the file made before, does not make a new one */
    auth_key_lookup("0123456789abcdef0123456789abcdef", after);
    assert_string_equal(before, after);

    /* "sqlite://" URLs name the same file */
    char url[300], err[256] = "";
    snprintf(url, sizeof(url), "sqlite://%s", dbpath);
    assert_int_equal(auth_init(url, err, sizeof(err)), 0);
    auth_key_lookup("0123456789abcdef0123456789abcdef", after);
    assert_string_equal(before, after);
}

static void init_rejects_bad_secrets(void **state)
{
    (void)state;
    char err[256];

    /* a secret file that does not hold 64 hex characters */
    char bad[300];
    unit_path(bad, sizeof(bad), tmpdir, "bad.secret");
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("not hex at all\n", f);
    fclose(f);
    setenv("MOCOD_SECRET_FILE", bad, 1);
    err[0] = '\0';
    assert_int_not_equal(auth_init(dbpath, err, sizeof(err)), 0);
    assert_true(strlen(err) > 0);
    unsetenv("MOCOD_SECRET_FILE");

    /* MOCOD_SECRET of the wrong length or alphabet */
    setenv("MOCOD_SECRET", "abcd", 1);
    err[0] = '\0';
    assert_int_not_equal(auth_init(dbpath, err, sizeof(err)), 0);
    assert_true(strlen(err) > 0);
    setenv("MOCOD_SECRET", "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1);
    err[0] = '\0';
    assert_int_not_equal(auth_init(dbpath, err, sizeof(err)), 0);
    assert_true(strlen(err) > 0);
    unsetenv("MOCOD_SECRET");

    /* a database server URL needs an explicit secret */
    err[0] = '\0';
    assert_int_not_equal(auth_init("postgres://db.example/mocod", err, sizeof(err)), 0);
    assert_true(strlen(err) > 0);

    init_default_secret();
}

/* ---------------------------------------------------------------- api keys */

static void key_lookup_is_deterministic_hex(void **state)
{
    (void)state;
    char a1[AUTH_LOOKUP_LEN + 1], a2[AUTH_LOOKUP_LEN + 1], b[AUTH_LOOKUP_LEN + 1];
    memset(a1, 'X', sizeof(a1));
    auth_key_lookup("key-number-one", a1);
    auth_key_lookup("key-number-one", a2);
    auth_key_lookup("key-number-two", b);
    assert_int_equal(strlen(a1), AUTH_LOOKUP_LEN);
    assert_true(is_lower_hex(a1, AUTH_LOOKUP_LEN));
    assert_string_equal(a1, a2);
    assert_string_not_equal(a1, b);
    assert_true(is_lower_hex(b, AUTH_LOOKUP_LEN));
    /* the lookup is not a bare hash of the key: it depends on the server secret */
    char other[AUTH_LOOKUP_LEN + 1];
    setenv("MOCOD_SECRET", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    char err[256] = "";
    assert_int_equal(auth_init(dbpath, err, sizeof(err)), 0);
    auth_key_lookup("key-number-one", other);
    assert_string_not_equal(a1, other);
    init_default_secret();
}

static void key_seal_open_round_trip(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0);
    const char *key = "0123456789abcdef0123456789abcdef";
    char *s1 = auth_key_seal(&a, key);
    char *s2 = auth_key_seal(&a, key);
    assert_non_null(s1);
    assert_non_null(s2);
    assert_null(strstr(s1, key));    /* not stored in plain text */
    assert_string_not_equal(s1, s2); /* a fresh nonce every time */
    char *o1 = auth_key_open(&a, s1);
    char *o2 = auth_key_open(&a, s2);
    assert_non_null(o1);
    assert_non_null(o2);
    assert_string_equal(o1, key);
    assert_string_equal(o2, key);
    /* an empty key round-trips too */
    char *e = auth_key_seal(&a, "");
    char *eo = auth_key_open(&a, e);
    assert_non_null(eo);
    assert_string_equal(eo, "");
    arena_release(&a);
}

static char flip_b64(char c)
{
    return c == 'A' ? 'B' : 'A';
}

static void key_open_rejects_tampering(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0);
    const char *key = "fedcba9876543210fedcba9876543210";
    char *sealed = auth_key_seal(&a, key);
    size_t n = strlen(sealed);
    assert_true(n > 40);

    /* one changed character in the nonce, in the MAC and in the ciphertext */
    const size_t positions[] = {2, 40, n - 8};
    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        char *t = arena_strdup(&a, sealed);
        t[positions[i]] = flip_b64(t[positions[i]]);
        assert_null(auth_key_open(&a, t));
    }
    /* truncated, too short, not base64, empty */
    char *cut = arena_strndup(&a, sealed, n - 4);
    assert_null(auth_key_open(&a, cut));
    assert_null(auth_key_open(&a, "AAAA"));
    assert_null(auth_key_open(&a, "this is *not* base64!"));
    assert_null(auth_key_open(&a, ""));
    /* the untouched text still opens */
    char *ok = auth_key_open(&a, sealed);
    assert_non_null(ok);
    assert_string_equal(ok, key);

    /* sealed under another server secret: does not open */
    setenv("MOCOD_SECRET", "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", 1);
    char err[256] = "";
    assert_int_equal(auth_init(dbpath, err, sizeof(err)), 0);
    assert_null(auth_key_open(&a, sealed));
    init_default_secret();
    ok = auth_key_open(&a, sealed);
    assert_non_null(ok);
    assert_string_equal(ok, key);
    arena_release(&a);
}

/* -------------------------------------------------------------- passwords */

static void password_hash_and_verify(void **state)
{
    (void)state;
    char hash[PASSWORD_HASH_LEN];
    memset(hash, 0, sizeof(hash));
    assert_int_equal(password_hash("correct horse battery staple", hash), 0);
    assert_true(strlen(hash) < PASSWORD_HASH_LEN);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_null(strstr(hash, "correct horse"));
    assert_true(password_verify(hash, "correct horse battery staple"));
    assert_false(password_verify(hash, "correct horse battery stapl"));
    assert_false(password_verify(hash, "Correct horse battery staple"));
    assert_false(password_verify(hash, ""));
    assert_false(password_verify(NULL, "correct horse battery staple"));
    assert_false(password_verify("$argon2id$garbage", "correct horse battery staple"));
}

/* ------------------------------------------------------------- randomness */

static void check_uuid(const char *u)
{
    assert_int_equal(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(u[i], '-');
        else
            assert_true(is_lower_hex(u + i, 1));
    }
    assert_int_equal(u[14], '4');           /* version 4 */
    assert_non_null(strchr("89ab", u[19])); /* RFC 4122 variant */
}

static void random_uuid_format(void **state)
{
    (void)state;
    char seen[64][37];
    for (int i = 0; i < 64; i++) {
        memset(seen[i], 'Z', sizeof(seen[i]));
        random_uuid(seen[i]);
        check_uuid(seen[i]);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(seen[i], seen[k]);
    }
}

static void random_hex_format(void **state)
{
    (void)state;
    char a[AUTH_KEY_LEN + 1], b[AUTH_KEY_LEN + 1];
    random_hex(a, AUTH_KEY_LEN / 2);
    random_hex(b, AUTH_KEY_LEN / 2);
    assert_int_equal(strlen(a), AUTH_KEY_LEN);
    assert_true(is_lower_hex(a, AUTH_KEY_LEN));
    assert_string_not_equal(a, b);
    char one[3];
    random_hex(one, 1);
    assert_int_equal(strlen(one), 2);
    assert_true(is_lower_hex(one, 2));
}

/* ------------------------------------------------------ keys in the database */

static void user_key_is_created_once_and_stored_sealed(void **state)
{
    (void)state;
    char path[300], err[256] = "";
    unit_path(path, sizeof(path), tmpdir, "keys.db");
    struct db_options opts = {.pool_size = 2};
    db *d = NULL;
    assert_int_equal(db_open(&d, path, &opts, err, sizeof(err)), DB_OK);
    assert_int_equal(db_migrate(d, NULL), 0);
    db_conn *c = db_acquire(d);
    assert_non_null(c);
    assert_int_equal(db_exec(c,
                             "INSERT INTO accounts (subdomain, name, created_at, updated_at) "
                             "VALUES ('acme', 'Acme', '2024-01-01T00:00:00Z', "
                             "'2024-01-01T00:00:00Z')",
                             NULL, 0),
                     DB_DONE);
    int64_t account = 0;
    assert_int_equal(
        db_query_i64(c, "SELECT id FROM accounts WHERE subdomain = 'acme'", NULL, 0, 0, &account),
        DB_OK);
    assert_true(account > 0);

    arena a;
    arena_init(&a, 0);
    char *k1 = auth_user_key(c, &a, account, 7);
    assert_non_null(k1);
    assert_int_equal(strlen(k1), AUTH_KEY_LEN);
    assert_true(is_lower_hex(k1, AUTH_KEY_LEN));
    char *k2 = auth_user_key(c, &a, account, 7); /* the same key, opened from its sealed copy */
    assert_non_null(k2);
    assert_string_equal(k1, k2);
    char *other = auth_user_key(c, &a, account, 8);
    assert_non_null(other);
    assert_string_not_equal(k1, other);

    /* one row per user, found by the lookup, the plain key nowhere */
    char lookup[AUTH_LOOKUP_LEN + 1];
    auth_key_lookup(k1, lookup);
    db_param p[2] = {dbp_text(lookup), dbp_int(account)};
    db_stmt *s = db_query(
        c, "SELECT user_id, kind, sealed FROM api_keys WHERE lookup = ? AND account_id = ?", p, 2);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_col_i64(s, 0), 7);
    assert_string_equal(db_col_text(s, 1), "user");
    assert_null(strstr(db_col_text(s, 2), k1));
    char *opened = auth_key_open(&a, db_col_text(s, 2));
    assert_non_null(opened);
    assert_string_equal(opened, k1);
    assert_int_equal(db_step(s), DB_DONE);
    db_done(s);
    int64_t n = 0;
    assert_int_equal(db_query_i64(c, "SELECT COUNT(*) FROM api_keys", NULL, 0, -1, &n), DB_OK);
    assert_int_equal(n, 2);
    int64_t leaked = -1;
    db_param kp[1] = {dbp_text(k1)};
    assert_int_equal(db_query_i64(c,
                                  "SELECT COUNT(*) FROM api_keys WHERE lookup = ?1 OR sealed = ?1 "
                                  "OR instr(sealed, ?1) > 0",
                                  kp, 1, -1, &leaked),
                     DB_OK);
    assert_int_equal(leaked, 0);

    /* account keys: a new one each time */
    char full1[AUTH_KEY_LEN + 1], full2[AUTH_KEY_LEN + 1];
    assert_int_equal(auth_key_create(c, &a, account, 0, "full", full1), 0);
    assert_int_equal(auth_key_create(c, &a, account, 0, "full", full2), 0);
    assert_string_not_equal(full1, full2);
    auth_key_lookup(full1, lookup);
    db_param fp[1] = {dbp_text(lookup)};
    int64_t nulluser = 0;
    assert_int_equal(db_query_i64(c, "SELECT user_id IS NULL FROM api_keys WHERE lookup = ?", fp, 1,
                                  -1, &nulluser),
                     DB_OK);
    assert_int_equal(nulluser, 1);

    arena_release(&a);
    db_release(d, c);
    db_close(d);
}

/* -------------------------------------------------------------- rate limit */

static void ratelimit_allows_limit_then_waits(void **state)
{
    (void)state;
    ratelimit_init();
    const int64_t key = 900001, other = 900002;
    assert_int_equal(ratelimit_check(NULL, key, 3, 2), 0);
    assert_int_equal(ratelimit_check(NULL, key, 3, 2), 0);
    assert_int_equal(ratelimit_check(NULL, key, 3, 2), 0);
    int wait = ratelimit_check(NULL, key, 3, 2);
    assert_true(wait >= 1 && wait <= 2);
    wait = ratelimit_check(NULL, key, 3, 2); /* refused requests do not count, but still wait */
    assert_true(wait >= 1 && wait <= 2);
    /* another key has its own window */
    assert_int_equal(ratelimit_check(NULL, other, 3, 2), 0);
    assert_int_equal(ratelimit_check(NULL, other, 3, 2), 0);
    assert_int_equal(ratelimit_check(NULL, other, 3, 2), 0);
    assert_true(ratelimit_check(NULL, other, 3, 2) >= 1);
    /* a changed limit starts a fresh window */
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_check(NULL, key, 5, 2), 0);
    assert_true(ratelimit_check(NULL, key, 5, 2) >= 1);
    /* a limit of 0 (or no window) means no limit */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ratelimit_check(NULL, 900003, 0, 2), 0);
        assert_int_equal(ratelimit_check(NULL, 900004, 3, 0), 0);
    }
}

static void ratelimit_window_slides(void **state)
{
    (void)state;
    const int64_t key = 900010;
    assert_int_equal(ratelimit_check(NULL, key, 1, 1), 0);
    assert_int_equal(ratelimit_check(NULL, key, 1, 1), 1);
    /* after the window has passed, a request is allowed again */
    struct timespec ts = {1, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(ratelimit_check(NULL, key, 1, 1), 0);
    assert_int_equal(ratelimit_check(NULL, key, 1, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_creates_private_secret_file),
        cmocka_unit_test(secret_persists_across_init),
        cmocka_unit_test(init_rejects_bad_secrets),
        cmocka_unit_test(key_lookup_is_deterministic_hex),
        cmocka_unit_test(key_seal_open_round_trip),
        cmocka_unit_test(key_open_rejects_tampering),
        cmocka_unit_test(password_hash_and_verify),
        cmocka_unit_test(random_uuid_format),
        cmocka_unit_test(random_hex_format),
        cmocka_unit_test(user_key_is_created_once_and_stored_sealed),
        cmocka_unit_test(ratelimit_allows_limit_then_waits),
        cmocka_unit_test(ratelimit_window_slides),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
