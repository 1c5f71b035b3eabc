/* Self-test of tests/support (mt): start and stop a server, call it, run the CLI. */
#include "mt.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pure helpers: no server needed. */
static void test_json_helpers(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"unit\":{\"id\":7,\"name\":\"Ops\"},\"users\":[{\"email\":\"a@b.c\","
                           "\"active\":true,\"rate\":1.5}],\"none\":null,"
                           "\"created_at\":\"2018-10-17T09:33:46Z\",\"date\":\"2024-02-29\"}",
                           0, NULL);
    assert_non_null(j);
    assert_int_equal(mt_json_int(j, "unit.id"), 7);
    assert_string_equal(mt_json_str(j, "users[0].email"), "a@b.c");
    assert_string_equal(mt_json_str(j, "users[-1].email"), "a@b.c");
    assert_true(mt_json_bool(j, "users[0].active"));
    assert_true(mt_json_real(j, "users[0].rate") == 1.5);
    assert_int_equal(mt_json_len(j, "users"), 1);
    assert_true(mt_json_has(j, "none"));
    assert_false(mt_json_has(j, "missing"));
    assert_false(mt_json_has(j, "users[1]"));
    assert_false(mt_json_has(j, "unit.id.x"));
    assert_ptr_equal(mt_json_get(j, ""), j);
    MT_ASSERT_JSON_TYPE(j, "unit", JSON_OBJECT);
    MT_ASSERT_JSON_TYPE(j, "users[0].active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(j, "users[0].rate", MT_JSON_NUMBER);
    MT_ASSERT_JSON_NULL(j, "none");
    MT_ASSERT_JSON_INT(j, "unit.id", 7);
    MT_ASSERT_JSON_STR(j, "unit.name", "Ops");
    mt_assert_keys(mt_json_get(j, "unit"), " name , id ");
    MT_ASSERT_TIMESTAMP(j, "created_at");
    MT_ASSERT_DATE(j, "date");
    json_decref(j);

    assert_true(mt_is_timestamp("2018-10-17T09:33:46Z"));
    assert_false(mt_is_timestamp("2018-10-17T09:33:46"));
    assert_false(mt_is_timestamp("2018-10-17 09:33:46Z"));
    assert_false(mt_is_timestamp("2018-13-17T09:33:46Z"));
    assert_false(mt_is_timestamp("2018-10-17T24:00:00Z"));
    assert_false(mt_is_timestamp("2018-10-17T09:33:46.123Z"));
    assert_false(mt_is_timestamp(NULL));
    assert_true(mt_is_date("2024-02-29"));
    assert_false(mt_is_date("2023-02-29"));
    assert_false(mt_is_date("2023-2-01"));

    char *e = mt_escape("a b&c=d/é");
    assert_string_equal(e, "a%20b%26c%3Dd%2F%C3%A9");
    free(e);
}

static void test_session(void **state)
{
    mt_server *s = *state;
    assert_non_null(mt_admin_key(s));
    assert_true(strlen(mt_admin_key(s)) > 0);
    assert_int_equal(strncmp(mt_base_url(s), "http://127.0.0.1:", 17), 0);

    mt_resp *r = mt_get(s, "/api/v1/session", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_OBJECT);
    MT_ASSERT_JSON_TYPE(r->json, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(r->json, "uuid", JSON_STRING);
    assert_true(mt_json_int(r->json, "id") > 0);
    assert_non_null(mt_header(r, "content-type"));
    mt_resp_free(r);

    /* the same with the Bearer form and with the account's subdomain as Host */
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", mt_admin_key(s));
    const char *const hdrs[] = {"Host: " MT_ACCOUNT "." MT_BASE_DOMAIN, auth, NULL};
    r = mt_request(s, "GET", "/api/v1/session", NULL, NULL, hdrs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "uuid", JSON_STRING);
    mt_resp_free(r);
}

static void test_session_without_key(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, "/api/v1/session", NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/session", "not-a-valid-key");
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_second_account(void **state)
{
    mt_server *s = *state;
    char *key = mt_init_account(s, "globex", "admin@globex.test", "secret-pass-2");
    assert_string_not_equal(key, mt_admin_key(s));

    /* init is idempotent: the same account prints the same key */
    char *again = mt_init_account(s, "globex", "admin@globex.test", "secret-pass-2");
    assert_string_equal(again, key);

    mt_resp *r = mt_get(s, "/api/v1/session", key);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    free(again);
    free(key);
}

static void test_cli(void **state)
{
    mt_server *s = *state;
    char *key = mt_cli(s, "apikey --account %s --access %s", MT_ACCOUNT, "read");
    assert_true(strlen(key) > 0);
    assert_null(strpbrk(key, " \t\r\n"));
    free(key);

    char *out = NULL, *err = NULL;
    int code = mt_cli_try(s, &out, &err, "no-such-verb");
    assert_int_not_equal(code, 0);
    free(out);
    free(err);
}

static void test_log_and_restart(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_get(s, "/api/v1/session", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* the server logs a request when it has finished sending it: give it a moment */
    bool logged = false;
    for (int i = 0; i < 100 && !logged; i++) {
        char *log = mt_read_log(s);
        logged = log && strstr(log, "/api/v1/session") != NULL;
        free(log);
        if (!logged)
            usleep(20000);
    }
    assert_true(logged);

    mt_restart(s);
    r = mt_get(s, "/api/v1/session", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

/* A server of its own, with extra serve arguments, stopped explicitly. */
static void test_start_stop(void **state)
{
    (void)state;
    mt_server *s = mt_start("--rate-limit 1000/60");
    assert_true(mt_port(s) > 0);
    assert_true(mt_pid(s) > 0);
    mt_resp *r = mt_get(s, "/api/v1/session", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    mt_stop(s);
}

/* The value of NAME=... in a NULL-terminated environment, NULL if absent. */
static const char *env_get(char *const *env, const char *name)
{
    size_t n = strlen(name);
    for (; env && *env; env++)
        if (!strncmp(*env, name, n) && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

/* A database without a server: the store under test, its secret, and SQL beside it. */
static void test_prepare_and_sql(void **state)
{
    (void)state;
    mt_server *s = mt_prepare();
    assert_int_equal(mt_pid(s), 0);
    const char *db = mt_db_path(s);
    char **env = mt_env(s);
    const char *secret = env_get(env, "MOCOD_SECRET_FILE");
    if (mt_on_postgres()) {
        assert_true(!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11));
        assert_non_null(strstr(db, "/mt_"));
        assert_non_null(secret);
        struct stat st;
        assert_int_equal(stat(secret, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(st.st_size, 65);
    } else {
        assert_non_null(strstr(db, mt_dir(s)));
        assert_null(strstr(db, "://"));
    }

    mt_sql_exec(s, "CREATE TABLE t (n INTEGER, s TEXT); INSERT INTO t VALUES (41, 'x'), (1, NULL)");
    assert_int_equal(mt_sql_i64(s, "SELECT SUM(n) FROM t"), 42);
    char *text = mt_sql_str(s, "SELECT s FROM t WHERE n = 41");
    assert_string_equal(text, "x");
    free(text);
    assert_null(mt_sql_str(s, "SELECT s FROM t WHERE n = 1"));

    if (mt_on_postgres()) {
        /* mt_stop drops the database: look from another one */
        char *name = strdup(strrchr(db, '/') + 1);
        name[strcspn(name, "?")] = '\0';
        mt_server *other = mt_prepare();
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pg_database WHERE datname = '%s'", name);
        assert_int_equal(mt_sql_i64(other, sql), 1);
        mt_stop(s);
        assert_int_equal(mt_sql_i64(other, sql), 0);
        mt_stop(other);
        free(name);
    } else {
        mt_stop(s);
    }
    mt_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_helpers),
        cmocka_unit_test_setup_teardown(test_session, mt_setup, mt_teardown),
        cmocka_unit_test_setup_teardown(test_session_without_key, mt_setup, mt_teardown),
        cmocka_unit_test_setup_teardown(test_second_account, mt_setup, mt_teardown),
        cmocka_unit_test_setup_teardown(test_cli, mt_setup, mt_teardown),
        cmocka_unit_test_setup_teardown(test_log_and_restart, mt_setup, mt_teardown),
        cmocka_unit_test(test_start_stop),
        cmocka_unit_test(test_prepare_and_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
