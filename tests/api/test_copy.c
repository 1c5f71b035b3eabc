/*
 * `mocod copy --from mocod.sqlite --to postgresql://...` moves an installation: every account
 * and row, keys still valid with the source's secret, ids of deleted rows not given again, files
 * byte for byte; a target that holds an account is refused and left as it was.
 *
 * The source is always a SQLite installation. The target is a PostgreSQL database when the suite
 * runs on PostgreSQL (MOCOD_TEST_STORE=postgres), else another SQLite file (the same code path
 * with the other backend's writer).
 */
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
    mt_server *src;    /* the SQLite installation */
    mt_server *target; /* on PostgreSQL: the database made for the copy (mt_prepare) */
    char *to;          /* --to */
    char *secret;      /* the source's secret file */
};

static mt_server *start_on_sqlite(void)
{
    const char *store = getenv("MOCOD_TEST_STORE");
    char *saved = store ? strdup(store) : NULL;
    setenv("MOCOD_TEST_STORE", "sqlite", 1);
    mt_server *s = mt_start(NULL);
    if (saved) {
        setenv("MOCOD_TEST_STORE", saved, 1);
        free(saved);
    } else {
        unsetenv("MOCOD_TEST_STORE");
    }
    return s;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->src = start_on_sqlite();
    size_t n = strlen(mt_db_path(f->src)) + 8;
    f->secret = malloc(n);
    snprintf(f->secret, n, "%s.secret", mt_db_path(f->src));
    if (mt_on_postgres()) {
        f->target = mt_prepare(); /* an empty database of its own, dropped at the end */
        f->to = strdup(mt_db_path(f->target));
    } else {
        n = strlen(mt_dir(f->src)) + 16;
        f->to = malloc(n);
        snprintf(f->to, n, "%s/copy.sqlite", mt_dir(f->src));
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mt_stop(f->target);
    mt_stop(f->src);
    free(f->to);
    free(f->secret);
    free(f);
    return 0;
}

/* The body of GET path on s, with the base URLs of s and of `also` written as "BASE": links
 * hold the host of the request that made them (a file's link, made on the source) or of this
 * one. */
static char *body_of(mt_server *s, mt_server *also, const char *key, const char *path)
{
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    const char *bases[2] = {mt_base_url(s), also ? mt_base_url(also) : mt_base_url(s)};
    char *out = malloc(r->body_len + 1);
    size_t n = 0;
    for (size_t i = 0; i < r->body_len;) {
        size_t skip = 0;
        for (int b = 0; b < 2 && !skip; b++) {
            size_t bl = strlen(bases[b]);
            if (r->body_len - i >= bl && !memcmp(r->body + i, bases[b], bl))
                skip = bl;
        }
        if (skip) {
            memcpy(out + n, "BASE", 4);
            n += 4;
            i += skip;
        } else {
            out[n++] = r->body[i++];
        }
    }
    out[n] = '\0';
    mt_resp_free(r);
    return out;
}

static void test_copy_moves_everything(void **state)
{
    struct fx *f = *state;
    mt_server *s = f->src;
    const char *key = mt_admin_key(s);
    char *other = mt_init_account(s, "globex", "boss@globex.test", "another pass 1");
    char *readkey = mt_account_key(s, "acme", "read");

    /* some of everything: teams, people with an avatar, customers with a custom field and tags,
     * a project, comments, a web hook, and a deleted newest row */
    mt_resp_free(mt_post(s, "/api/v1/account/custom_properties", key,
                         "{\"name\":\"Region\",\"kind\":\"String\",\"entity\":\"Company\"}"));
    json_int_t unit = mt_create(s, "/api/v1/units", key, "{\"name\":\"Copied Team\"}");
    char body[512];
    snprintf(
        body, sizeof body,
        "{\"firstname\":\"Ava\",\"lastname\":\"Tar\",\"email\":\"ava@acme.test\","
        "\"unit_id\":%lld,\"avatar\":{\"filename\":\"a.png\",\"base64\":\"UE5HREFUQTEyMw==\"}}",
        (long long)unit);
    mt_create(s, "/api/v1/users", key, body);
    json_int_t company = mt_create(s, "/api/v1/companies", key,
                                   "{\"name\":\"Müller & Söhne\",\"type\":\"customer\","
                                   "\"tags\":[\"A\",\"B\"],\"custom_properties\":{\"Region\":"
                                   "\"Nord\"}}");
    snprintf(body, sizeof body,
             "{\"name\":\"Copied Project\",\"currency\":\"EUR\",\"leader_id\":1,"
             "\"customer_id\":%lld,\"fixed_price\":false}",
             (long long)company);
    json_int_t project = mt_create(s, "/api/v1/projects", key, body);
    /* tracked time: the reports' totals are the target's own, made by its triggers */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/projects/%lld/tasks", (long long)project);
    json_int_t task = mt_create(s, path, key, "{\"name\":\"Work\",\"billable\":true}");
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body,
                 "{\"date\":\"2026-0%d-1%d\",\"project_id\":%lld,\"task_id\":%lld,"
                 "\"seconds\":%d,\"billable\":%s}",
                 3 + i, i, (long long)project, (long long)task, 1800 * (i + 1),
                 i ? "true" : "false");
        mt_create(s, "/api/v1/activities", key, body);
    }
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Company\",\"commentable_id\":%lld,\"text\":\"<b>hi</b>\","
             "\"attachment_filename\":\"n.txt\",\"attachment_content\":\"aGVsbG8=\"}",
             (long long)company);
    mt_create(s, "/api/v1/comments", key, body);
    mt_create(s, "/api/v1/account/web_hooks", key,
              "{\"target\":\"Company\",\"event\":\"create\",\"hook\":\"https://example.test/h\"}");
    json_int_t doomed = mt_create(s, "/api/v1/units", key, "{\"name\":\"Deleted Team\"}");
    mt_resp *r = mt_deletef(s, key, "/api/v1/units/%lld", (long long)doomed);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);

    static const char *const lists[] = {
        "/api/v1/users",
        "/api/v1/units",
        "/api/v1/companies",
        "/api/v1/projects",
        "/api/v1/comments",
        "/api/v1/account/web_hooks",
        "/api/v1/users/roles",
        "/api/v1/account/custom_properties",
        "/api/v1/deal_categories",
        "/api/v1/activities",
        "/api/v1/report/utilization?from=2026-01-01&to=2026-12-31",
        "/api/v1/report/planned_vs_tracked?from=2026-03-15&to=2026-05-20",
    };
    enum { NLISTS = sizeof lists / sizeof lists[0] };
    char *before[NLISTS];
    for (int i = 0; i < NLISTS; i++)
        before[i] = body_of(s, NULL, key, lists[i]);
    char *globex_before = body_of(s, NULL, other, "/api/v1/users");
    char *avatar = NULL;
    {
        mt_resp *u = mt_get(s, "/api/v1/users", key);
        MT_ASSERT_STATUS(u, 200);
        for (size_t i = 0; i < json_array_size(u->json); i++) {
            json_t *e = json_array_get(u->json, i);
            const char *email = json_string_value(json_object_get(e, "email"));
            if (email && !strcmp(email, "ava@acme.test"))
                avatar = strdup(json_string_value(json_object_get(e, "avatar_url")) +
                                strlen(mt_base_url(s)));
        }
        mt_resp_free(u);
        assert_non_null(avatar);
    }

    char *out = mt_cli(s, "copy --from %s --to %s", mt_db_path(s), f->to);
    assert_non_null(strstr(out, "accounts"));
    assert_non_null(strstr(out, "copied "));
    free(out);

    mt_server *c = mt_start_on(f->to, f->secret, key, NULL);
    /* every list the same, through the old keys: user, other account's, account read key */
    for (int i = 0; i < NLISTS; i++) {
        char *after = body_of(c, s, key, lists[i]);
        if (strcmp(before[i], after) != 0) {
            size_t k = 0;
            while (before[i][k] && before[i][k] == after[k])
                k++;
            size_t from = k > 120 ? k - 120 : 0;
            print_error("%s differs after the copy, at byte %zu\nbefore: ...%.300s\n"
                        "after:  ...%.300s\n",
                        lists[i], k, before[i] + from, after + from);
            fail();
        }
        free(after);
        free(before[i]);
    }
    char *globex_after = body_of(c, s, other, "/api/v1/users");
    assert_string_equal(globex_before, globex_after);
    free(globex_before);
    free(globex_after);
    r = mt_get(c, "/api/v1/units", readkey);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* the avatar, byte for byte, without a key */
    r = mt_get(c, avatar, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(r->body_len, 10);
    assert_memory_equal(r->body, "PNGDATA123", 10);
    mt_resp_free(r);
    free(avatar);

    /* logging in still works (password hashes), and gives the same key */
    r = mt_post(c, "/api/v1/session", NULL,
                "{\"email\":\"" MT_ADMIN_EMAIL "\",\"password\":\"" MT_ADMIN_PASSWORD "\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "api_key", key);
    mt_resp_free(r);

    /* new rows continue after the deleted newest one */
    json_int_t next = mt_create(c, "/api/v1/units", key, "{\"name\":\"After the Copy\"}");
    assert_true(next > doomed);

    /* a second copy into a database that holds accounts: refused, nothing written */
    char *err = NULL;
    int code = mt_cli_try(s, NULL, &err, "copy --from %s --to %s", mt_db_path(s), f->to);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(err, "already holds"));
    free(err);
    r = mt_get(c, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "3"); /* the default team, Copied Team, After the Copy */
    mt_resp_free(r);
    mt_stop(c);

    /* a source that is not there is an error, not a new empty database */
    code = mt_cli_try(s, NULL, &err, "copy --from %s/nothing.sqlite --to %s", mt_dir(s), f->to);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(err, "nothing.sqlite"));
    free(err);
    free(other);
    free(readkey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_moves_everything, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
