/*
 * Permissions beyond one area per resource (issue 9: 3, 4, 9, 14, 15): who may write tags and
 * comments, who may grant roles, take over other users or impersonate them, login throttling per
 * client address, and the mode of the database files. One server for the whole file.
 */
#include "fixtures.h"
#include "mt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOGIN_FLOOD 30000 /* failed logins per phase of the memory test */

/* Under AddressSanitizer freed memory stays in quarantine: resident sizes say nothing there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

struct fixture {
    mt_server *s;
    const char *admin_key;
    json_int_t admin_id;
    json_int_t unit_id;
    json_int_t admin_role, staff_role, employee_role, readonly_role, leader_role;
    json_int_t staff_id, staff2_id, emp_id, ro_id;
    char *staff_key, *staff2_key, *emp_key, *ro_key;
};

static json_int_t role_named(mt_server *s, const char *name)
{
    mt_resp *r = mt_get(s, "/api/v1/users/roles", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(fix_find_by_str(r->json, "name", name), "id");
    mt_resp_free(r);
    return id;
}

/* A user of this role with a password; *key receives its key (malloc'd). */
static json_int_t make_user(struct fixture *f, const char *first, json_int_t role, char **key)
{
    char email[96];
    fix_uniq_email(email, sizeof email, "perm");
    json_int_t id = fix_create_user(
        f->s, fix_user_body(first, "Perm", email, f->unit_id,
                            json_pack("{s:s, s:I}", "password", "perm-pass-123", "role_id", role)));
    if (key)
        *key = fix_login(f->s, email, "perm-pass-123");
    return id;
}

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->s = mt_start(NULL);
    f->admin_key = mt_admin_key(f->s);
    f->admin_id = fix_session_user_id(f->s, f->admin_key);
    f->unit_id = fix_first_unit_id(f->s);
    f->admin_role = role_named(f->s, "Administrator");
    f->staff_role = role_named(f->s, "Staff");
    f->employee_role = role_named(f->s, "Employee");
    f->readonly_role = role_named(f->s, "Read-only");
    f->leader_role = role_named(f->s, "Project leader");
    f->staff_id = make_user(f, "Stella", f->staff_role, &f->staff_key);
    f->staff2_id = make_user(f, "Stan", f->staff_role, &f->staff2_key);
    f->emp_id = make_user(f, "Emil", f->employee_role, &f->emp_key);
    f->ro_id = make_user(f, "Rita", f->readonly_role, &f->ro_key);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    if (f) {
        mt_stop(f->s);
        free(f->staff_key);
        free(f->staff2_key);
        free(f->emp_key);
        free(f->ro_key);
        free(f);
    }
    return 0;
}

static mt_resp *as_user(mt_server *s, const char *method, const char *path, const char *key,
                        const char *body, json_int_t as)
{
    char h[64];
    snprintf(h, sizeof h, "X-IMPERSONATE-USER-ID: %lld", (long long)as);
    const char *const hdrs[] = {h, NULL};
    return mt_request(s, method, path, key, body, hdrs);
}

static json_int_t make_tag(struct fixture *f, const char *key, const char *name,
                           const char *context)
{
    char body[160];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"context\":\"%s\"}", name, context);
    return mt_create(f->s, "/api/v1/tags", key, body);
}

static json_int_t make_comment(struct fixture *f, const char *key, const char *type, json_int_t id,
                               const char *text)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"%s\",\"commentable_id\":%lld,\"text\":\"%s\"}", type,
             (long long)id, text);
    return mt_create(f->s, "/api/v1/comments", key, body);
}

static bool list_has(mt_server *s, const char *key, const char *path, json_int_t id)
{
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    bool has = fix_find_by_id(r->json, id) != NULL;
    mt_resp_free(r);
    return has;
}

/* ---- 3: tags and comments ----------------------------------------------------------------- */

/* A read-only role never writes: neither tags nor comments, of any kind. */
static void test_readonly_role_never_writes(void **state)
{
    struct fixture *f = *state;
    fix_expect_error(f->s, "POST", f->ro_key, "{\"name\":\"ro-tag\",\"context\":\"Project\"}", 403,
                     "/api/v1/tags");
    fix_expect_error(f->s, "POST", f->ro_key, "{\"name\":\"ro-user-tag\",\"context\":\"User\"}",
                     403, "/api/v1/tags");
    json_int_t tag = make_tag(f, f->admin_key, "kept-tag", "Project");
    fix_expect_error(f->s, "DELETE", f->ro_key, NULL, 403, "/api/v1/tags/%lld", (long long)tag);
    fix_expect_error(f->s, "PUT", f->ro_key, "{\"name\":\"renamed\"}", 403, "/api/v1/tags/%lld",
                     (long long)tag);
    fix_expect_status(f->s, "GET", f->admin_key, NULL, 200, "/api/v1/tags/%lld", (long long)tag);

    char body[200];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"User\",\"commentable_id\":%lld,\"text\":\"ro\"}",
             (long long)f->ro_id);
    fix_expect_error(f->s, "POST", f->ro_key, body, 403, "/api/v1/comments");
    /* even about oneself: the role changes nothing */
    json_int_t mine = make_comment(f, f->admin_key, "User", f->ro_id, "about Rita");
    fix_expect_error(f->s, "DELETE", f->ro_key, NULL, 403, "/api/v1/comments/%lld",
                     (long long)mine);
}

/* Tags are managed by those who may edit the tagged kind of entity (the tag's context). */
static void test_tags_need_write_area_of_context(void **state)
{
    struct fixture *f = *state;
    /* Employee: projects read only; Staff: people full, sales none, projects read */
    fix_expect_error(f->s, "POST", f->emp_key, "{\"name\":\"emp-tag\",\"context\":\"Project\"}",
                     403, "/api/v1/tags");
    fix_expect_error(f->s, "POST", f->staff_key, "{\"name\":\"staff-deal\",\"context\":\"Deal\"}",
                     403, "/api/v1/tags");
    json_int_t user_tag = make_tag(f, f->staff_key, "staff-user-tag", "User");
    fix_expect_status(f->s, "PUT", f->staff_key, "{\"name\":\"staff-user-tag-2\"}", 200,
                      "/api/v1/tags/%lld", (long long)user_tag);

    json_int_t project_tag = make_tag(f, f->admin_key, "admin-project-tag", "Project");
    json_int_t deal_tag = make_tag(f, f->admin_key, "admin-deal-tag", "Deal");
    fix_expect_error(f->s, "DELETE", f->staff_key, NULL, 403, "/api/v1/tags/%lld",
                     (long long)project_tag);
    fix_expect_error(f->s, "PUT", f->staff_key, "{\"color\":\"#000000\"}", 403, "/api/v1/tags/%lld",
                     (long long)project_tag);
    /* tags of kinds one cannot read are not shown */
    fix_expect_error(f->s, "GET", f->staff_key, NULL, 403, "/api/v1/tags/%lld",
                     (long long)deal_tag);
    assert_false(list_has(f->s, f->staff_key, "/api/v1/tags", deal_tag));
    assert_true(list_has(f->s, f->staff_key, "/api/v1/tags", project_tag));
    assert_true(list_has(f->s, f->admin_key, "/api/v1/tags", deal_tag));

    fix_expect_status(f->s, "DELETE", f->staff_key, NULL, 204, "/api/v1/tags/%lld",
                      (long long)user_tag);
    fix_expect_status(f->s, "DELETE", f->admin_key, NULL, 204, "/api/v1/tags/%lld",
                      (long long)project_tag);
}

/* A comment is changed or deleted by its author or an administrator. */
static void test_comment_changed_by_author_or_admin(void **state)
{
    struct fixture *f = *state;
    json_int_t c = make_comment(f, f->staff_key, "User", f->emp_id, "by Stella");
    fix_expect_error(f->s, "PUT", f->staff2_key, "{\"text\":\"by Stan\"}", 403,
                     "/api/v1/comments/%lld", (long long)c);
    fix_expect_error(f->s, "DELETE", f->staff2_key, NULL, 403, "/api/v1/comments/%lld",
                     (long long)c);
    mt_resp *g = mt_getf(f->s, f->admin_key, "/api/v1/comments/%lld", (long long)c);
    MT_ASSERT_STATUS(g, 200);
    MT_ASSERT_JSON_STR(g->json, "text", "by Stella");
    mt_resp_free(g);

    fix_expect_status(f->s, "PUT", f->staff_key, "{\"text\":\"edited by Stella\"}", 200,
                      "/api/v1/comments/%lld", (long long)c);
    /* acting as the author (same rights) is being the author */
    mt_resp *r = as_user(f->s, "PUT", fix_fmt("/api/v1/comments/%lld", (long long)c), f->staff2_key,
                         "{\"text\":\"edited as Stella\"}", f->staff_id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_expect_status(f->s, "PUT", f->admin_key, "{\"text\":\"edited by the admin\"}", 200,
                      "/api/v1/comments/%lld", (long long)c);
    fix_expect_status(f->s, "DELETE", f->admin_key, NULL, 204, "/api/v1/comments/%lld",
                      (long long)c);
    json_int_t own = make_comment(f, f->staff_key, "User", f->emp_id, "mine to delete");
    fix_expect_status(f->s, "DELETE", f->staff_key, NULL, 204, "/api/v1/comments/%lld",
                      (long long)own);
}

/* Reading and writing comments needs the area of the commented kind (a Deal: sales). */
static void test_comments_need_area_of_kind(void **state)
{
    struct fixture *f = *state;
    json_int_t deal = fix_create_deal(f->s, f->admin_key, "Secret deal", f->admin_id);
    json_int_t c = make_comment(f, f->admin_key, "Deal", deal, "the price is 1000");
    /* Staff has no sales area */
    fix_expect_error(f->s, "GET", f->staff_key, NULL, 403, "/api/v1/comments/%lld", (long long)c);
    assert_false(list_has(f->s, f->staff_key, "/api/v1/comments", c));
    assert_false(list_has(f->s, f->staff_key, "/api/v1/comments?commentable_type=Deal", c));
    assert_true(list_has(f->s, f->admin_key, "/api/v1/comments", c));
    char body[200];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Deal\",\"commentable_id\":%lld,\"text\":\"x\"}",
             (long long)deal);
    fix_expect_error(f->s, "POST", f->staff_key, body, 403, "/api/v1/comments");
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Deal\",\"commentable_ids\":[%lld],\"text\":\"x\"}",
             (long long)deal);
    fix_expect_error(f->s, "POST", f->staff_key, body, 403, "/api/v1/comments/bulk");
    /* nor can a comment of one's own be moved onto a deal */
    json_int_t own = make_comment(f, f->staff_key, "User", f->emp_id, "to be moved");
    snprintf(body, sizeof body, "{\"commentable_type\":\"Deal\",\"commentable_id\":%lld}",
             (long long)deal);
    fix_expect_error(f->s, "PUT", f->staff_key, body, 403, "/api/v1/comments/%lld", (long long)own);

    /* the Read-only role reads comments on deals (sales: read) but writes none */
    fix_expect_status(f->s, "GET", f->ro_key, NULL, 200, "/api/v1/comments/%lld", (long long)c);
    fix_expect_error(f->s, "POST", f->ro_key,
                     fix_fmt("{\"commentable_type\":\"Deal\",\"commentable_id\":%lld,"
                             "\"text\":\"x\"}",
                             (long long)deal),
                     403, "/api/v1/comments");

    /* who may see an entity may comment on it: an Employee (projects: read) on a project, but
     * not change the administrator's comment there */
    json_int_t customer = fix_create_company_as(f->s, f->admin_key, "customer", "Comment AG");
    json_int_t project =
        fix_create_project_as(f->s, f->admin_key, "Commented", NULL, f->admin_id, customer);
    json_int_t mine = make_comment(f, f->emp_key, "Project", project, "an employee's note");
    json_int_t theirs = make_comment(f, f->admin_key, "Project", project, "the admin's note");
    fix_expect_status(f->s, "PUT", f->emp_key, "{\"text\":\"edited\"}", 200,
                      "/api/v1/comments/%lld", (long long)mine);
    fix_expect_error(f->s, "PUT", f->emp_key, "{\"text\":\"edited\"}", 403, "/api/v1/comments/%lld",
                     (long long)theirs);
    fix_expect_error(f->s, "DELETE", f->emp_key, NULL, 403, "/api/v1/comments/%lld",
                     (long long)theirs);
}

/* ---- 4: privilege escalation ---------------------------------------------------------------- */

/* Nobody grants a role with rights beyond their own, also not to themselves. */
static void test_no_role_beyond_own_rights(void **state)
{
    struct fixture *f = *state;
    char body[96];
    snprintf(body, sizeof body, "{\"role_id\":%lld}", (long long)f->admin_role);
    fix_expect_error(f->s, "PUT", f->staff_key, body, 403, "/api/v1/users/%lld",
                     (long long)f->staff_id);
    fix_expect_error(f->s, "PUT", f->staff_key, body, 403, "/api/v1/users/%lld",
                     (long long)f->emp_id);
    /* Project leader: companies full, where Staff only reads */
    snprintf(body, sizeof body, "{\"role_id\":%lld}", (long long)f->leader_role);
    fix_expect_error(f->s, "PUT", f->staff_key, body, 403, "/api/v1/users/%lld",
                     (long long)f->emp_id);
    json_t *user = fix_user_body("New", "Admin", "new-admin@acme.test", f->unit_id,
                                 json_pack("{s:I}", "role_id", f->admin_role));
    mt_resp *r = mt_request_json(f->s, "POST", "/api/v1/users", f->staff_key, user, NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);

    r = mt_getf(f->s, f->admin_key, "/api/v1/users/%lld", (long long)f->staff_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "role.id", f->staff_role);
    mt_resp_free(r);

    /* within one's rights it works: Staff may give the Employee role */
    snprintf(body, sizeof body, "{\"role_id\":%lld}", (long long)f->employee_role);
    fix_expect_status(f->s, "PUT", f->staff_key, body, 200, "/api/v1/users/%lld",
                      (long long)f->emp_id);
    fix_expect_status(f->s, "PUT", f->admin_key, body, 200, "/api/v1/users/%lld",
                      (long long)f->emp_id);
}

/* Nobody changes the email, password, role or active flag of (or deletes) a user who holds
 * rights they lack: a Staff user cannot set the administrator's password and log in as him. */
static void test_no_takeover_of_higher_users(void **state)
{
    struct fixture *f = *state;
    const char *path = fix_fmt("/api/v1/users/%lld", (long long)f->admin_id);
    fix_expect_error(f->s, "PUT", f->staff_key, "{\"password\":\"owned-by-staff-1\"}", 403, "%s",
                     path);
    mt_resp *r = mt_request_json(
        f->s, "POST", "/api/v1/session", NULL,
        json_pack("{s:s, s:s}", "email", MT_ADMIN_EMAIL, "password", "owned-by-staff-1"), NULL);
    fix_assert_json_error(r, 401);
    mt_resp_free(r);
    fix_expect_error(f->s, "PUT", f->staff_key, "{\"active\":false}", 403, "%s", path);
    fix_expect_error(f->s, "PUT", f->staff_key, "{\"email\":\"stella-owns@acme.test\"}", 403, "%s",
                     path);
    char body[96];
    snprintf(body, sizeof body, "{\"role_id\":%lld}", (long long)f->employee_role);
    fix_expect_error(f->s, "PUT", f->staff_key, body, 403, "%s", path);
    fix_expect_error(f->s, "DELETE", f->staff_key, NULL, 403, "%s", path);
    /* the administrator still logs in with his own password */
    free(fix_login(f->s, MT_ADMIN_EMAIL, MT_ADMIN_PASSWORD));

    /* an Employee's password is the Staff user's to set */
    fix_expect_status(f->s, "PUT", f->staff_key, "{\"password\":\"emil-new-pass-1\"}", 200,
                      "/api/v1/users/%lld", (long long)f->emp_id);
}

/* Impersonating a user with rights one lacks is a 403; so is impersonating the deactivated. */
static void test_impersonation_bounded(void **state)
{
    struct fixture *f = *state;
    mt_resp *r = as_user(f->s, "GET", "/api/v1/profile", f->staff_key, NULL, f->admin_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = as_user(f->s, "POST", "/api/v1/account/custom_properties", f->staff_key,
                "{\"name\":\"via admin\",\"kind\":\"String\",\"entity\":\"Project\"}", f->admin_id);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = as_user(f->s, "GET", "/api/v1/profile", f->staff_key, NULL, f->emp_id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", f->emp_id);
    mt_resp_free(r);
}

/* Deactivated users cannot be impersonated, not even by an administrator, nor written as. */
static void test_no_impersonating_deactivated(void **state)
{
    struct fixture *f = *state;
    mt_resp *r;
    char *key = NULL;
    json_int_t gone = make_user(f, "Gone", f->employee_role, &key);
    free(key);
    fix_expect_status(f->s, "PUT", f->admin_key, "{\"active\":false}", 200, "/api/v1/users/%lld",
                      (long long)gone);
    r = as_user(f->s, "GET", "/api/v1/profile", f->admin_key, NULL, gone);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    char body[200];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"User\",\"commentable_id\":%lld,\"text\":\"as the gone\"}",
             (long long)f->emp_id);
    r = as_user(f->s, "POST", "/api/v1/comments", f->admin_key, body, gone);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    r = as_user(f->s, "GET", "/api/v1/profile", f->staff_key, NULL, gone);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
}

/* ---- 9: login throttle per client address and email ------------------------------------------ */

/* POST /api/v1/session from the local address `from` (127.0.0.x), over a plain socket so that
 * the client address can be chosen; extra is one more header line or NULL. Returns the status. */
static long login_from(mt_server *s, const char *from, const char *email, const char *password,
                       const char *extra)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, from, &src.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)mt_port(s))};
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof dst), 0);
    char body[256], req[1024];
    int blen =
        snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    int n = snprintf(req, sizeof req,
                     "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nContent-Length: %d\r\nConnection: close\r\n%s%s\r\n%s",
                     blen, extra ? extra : "", extra ? "\r\n" : "", body);
    assert_int_equal(write(fd, req, (size_t)n), n);
    char resp[4096];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof resp - 1 && (k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)k;
    resp[got] = '\0';
    close(fd);
    long status = 0;
    assert_int_equal(sscanf(resp, "HTTP/1.%*d %ld", &status), 1);
    return status;
}

/* Someone guessing an email's password slows down only themselves: its owner, from another
 * address, logs in; proxy headers do not buy a fresh address. */
static void test_login_throttle_per_client(void **state)
{
    struct fixture *f = *state;
    char email[96];
    fix_uniq_email(email, sizeof email, "victim");
    json_int_t id =
        fix_create_user(f->s, fix_user_body("Vic", "Tim", email, f->unit_id,
                                            json_pack("{s:s}", "password", "victim-pass-123")));
    for (int i = 0; i < 12; i++) {
        long st = login_from(f->s, "127.0.0.1", email, "wrong-guess", NULL);
        assert_true(st == 401 || st == 429);
    }
    /* the attacker is slowed down: after 5 failures it waits, also with the right password */
    assert_int_equal(login_from(f->s, "127.0.0.1", email, "victim-pass-123", NULL), 429);
    assert_int_equal(
        login_from(f->s, "127.0.0.1", email, "victim-pass-123", "X-Forwarded-For: 127.0.0.9"), 429);
    /* the owner is not */
    assert_int_equal(login_from(f->s, "127.0.0.2", email, "victim-pass-123", NULL), 200);
    (void)id;
}

/* Failures are counted per address from the first one on: five wrong guesses, then a wait. */
static void test_login_throttle_grows(void **state)
{
    struct fixture *f = *state;
    char email[96];
    fix_uniq_email(email, sizeof email, "grow");
    fix_create_user(f->s, fix_user_body("Gro", "Wing", email, f->unit_id,
                                        json_pack("{s:s}", "password", "grow-pass-1234")));
    for (int i = 0; i < 5; i++)
        assert_int_equal(login_from(f->s, "127.0.0.3", email, "wrong-guess", NULL), 401);
    assert_int_equal(login_from(f->s, "127.0.0.3", email, "grow-pass-1234", NULL), 429);
    /* a success clears the address's count: the owner's own typos do not pile up */
    char email2[96];
    fix_uniq_email(email2, sizeof email2, "typo");
    fix_create_user(f->s, fix_user_body("Ty", "Po", email2, f->unit_id,
                                        json_pack("{s:s}", "password", "typo-pass-1234")));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++)
            assert_int_equal(login_from(f->s, "127.0.0.4", email2, "typo", NULL), 401);
        assert_int_equal(login_from(f->s, "127.0.0.4", email2, "typo-pass-1234", NULL), 200);
    }
}

/* Resident memory of the server in kB (VmRSS). */
static long server_rss_kb(mt_server *s)
{
    FILE *fp = fopen(fix_fmt("/proc/%d/status", (int)mt_pid(s)), "r");
    assert_non_null(fp);
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(fp);
    return kb;
}

static void fail_logins_of_unknown_emails(mt_server *s, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"email\":\"nobody-%d@nowhere.test\",\"password\":\"x\"}", i);
        mt_resp *r = mt_post(s, "/api/v1/session", NULL, body);
        assert_true(r->status == 401);
        mt_resp_free(r);
    }
}

/* The throttle's memory is bounded: failed logins for ever new unknown emails (each a new entry)
 * do not make the server grow. */
static void test_login_throttle_memory_bounded(void **state)
{
    struct fixture *f = *state;
#ifdef UNDER_ASAN
    skip();
#endif
    fail_logins_of_unknown_emails(f->s, 0, LOGIN_FLOOD); /* the table and the heap warm up */
    long before = server_rss_kb(f->s);
    fail_logins_of_unknown_emails(f->s, LOGIN_FLOOD, LOGIN_FLOOD);
    long after = server_rss_kb(f->s);
    print_message("%d more unknown emails: the server grew by %ld kB\n", LOGIN_FLOOD,
                  after - before);
    if (after - before > 1024)
        fail_msg("%d more unknown emails grew the server by %ld kB", LOGIN_FLOOD, after - before);
}

/* ---- 14: database file modes ----------------------------------------------------------------- */

static void assert_private(const char *path, bool must_exist)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (must_exist)
            fail_msg("%s does not exist", path);
        return;
    }
    if (st.st_mode & 077)
        fail_msg("%s has mode %03o: readable by others", path, (unsigned)(st.st_mode & 0777));
}

static void test_database_files_private(void **state)
{
    struct fixture *f = *state;
    if (mt_on_postgres()) {
        print_message("skipped on PostgreSQL: the database is no file of mocod's, and the secret "
                      "file is the test's own (MOCOD_SECRET_FILE)\n");
        skip();
    }
    fix_expect_status(f->s, "PUT", f->admin_key, "{\"info\":\"a write for the WAL\"}", 200,
                      "/api/v1/users/%lld", (long long)f->emp_id);
    assert_private(mt_db_path(f->s), true);
    assert_private(fix_fmt("%s-wal", mt_db_path(f->s)), true);
    assert_private(fix_fmt("%s-shm", mt_db_path(f->s)), false);
    assert_private(fix_fmt("%s.secret", mt_db_path(f->s)), false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readonly_role_never_writes),
        cmocka_unit_test(test_tags_need_write_area_of_context),
        cmocka_unit_test(test_comment_changed_by_author_or_admin),
        cmocka_unit_test(test_comments_need_area_of_kind),
        cmocka_unit_test(test_no_role_beyond_own_rights),
        cmocka_unit_test(test_no_takeover_of_higher_users),
        cmocka_unit_test(test_impersonation_bounded),
        cmocka_unit_test(test_no_impersonating_deactivated),
        cmocka_unit_test(test_login_throttle_per_client),
        cmocka_unit_test(test_login_throttle_grows),
        cmocka_unit_test(test_login_throttle_memory_bounded),
        cmocka_unit_test(test_database_files_private),
    };
    return cmocka_run_group_tests_name("permissions", tests, group_setup, group_teardown);
}
