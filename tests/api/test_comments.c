/*
 * API tests of comments (sections/comments.md): create on every commentable type mocod has, the
 * HTML clean-up of the text, impersonation, attachments, created_at when migrating, bulk creation,
 * filters, update, delete, permissions and tenants.
 *
 * One server for the whole file (group fixture); every test comments on entities of its own and
 * looks at lists through filters on them, so that the other tests' comments do not matter.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COMMENTS_PATH "/api/v1/comments"
#define BULK_PATH     "/api/v1/comments/bulk"

/* The keys of the "Attributes" example; impersonating_user only when impersonating. */
#define COMMENT_KEYS     "id,commentable_id,commentable_type,text,manual,user,created_at,updated_at"
#define COMMENT_IMP_KEYS COMMENT_KEYS ",impersonating_user"
#define USER_REF_KEYS    "id,firstname,lastname"

#define MIB (1024u * 1024u)

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_comment_shape(const json_t *c, bool impersonating)
{
    mt_assert_keys(c, impersonating ? COMMENT_IMP_KEYS : COMMENT_KEYS);
    MT_ASSERT_JSON_TYPE(c, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "commentable_id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "commentable_type", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "text", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "manual", MT_JSON_BOOL);
    mt_assert_keys(mt_json_get(c, "user"), USER_REF_KEYS);
    MT_ASSERT_JSON_TYPE(c, "user.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(c, "user.firstname", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "user.lastname", JSON_STRING);
    if (impersonating) {
        mt_assert_keys(mt_json_get(c, "impersonating_user"), USER_REF_KEYS);
        MT_ASSERT_JSON_TYPE(c, "impersonating_user.id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(c, "impersonating_user.firstname", JSON_STRING);
        MT_ASSERT_JSON_TYPE(c, "impersonating_user.lastname", JSON_STRING);
    }
    MT_ASSERT_TIMESTAMP(c, "created_at");
    MT_ASSERT_TIMESTAMP(c, "updated_at");
}

/* Number of comments on one entity. */
static size_t count_on(mt_server *s, const char *key, const char *type, json_int_t id)
{
    mt_resp *r = mt_getf(s, key, COMMENTS_PATH "?commentable_type=%s&commentable_id=%lld", type,
                         (long long)id);
    MT_ASSERT_STATUS(r, 200);
    size_t n = json_array_size(r->json);
    mt_resp_free(r);
    return n;
}

static json_int_t create_unit_as(mt_server *s, const char *key)
{
    static int counter;
    char body[96];
    snprintf(body, sizeof body, "{\"name\":\"Foreign unit %d\"}", ++counter);
    return mt_create(s, "/api/v1/units", key, body);
}

static json_int_t create_unit(mt_server *s)
{
    static int counter;
    char body[96];
    snprintf(body, sizeof body, "{\"name\":\"Commented unit %d\"}", ++counter);
    return mt_create(s, "/api/v1/units", mt_admin_key(s), body);
}

static json_int_t create_company(mt_server *s)
{
    return mt_create(s, "/api/v1/companies", mt_admin_key(s),
                     "{\"type\":\"customer\",\"name\":\"Commented Ltd\",\"currency\":\"EUR\"}");
}

/* The id of the role with this name. */
static json_int_t role_named(mt_server *s, const char *name)
{
    mt_resp *r = mt_get(s, "/api/v1/users/roles", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(fix_find_by_str(r->json, "name", name), "id");
    mt_resp_free(r);
    return id;
}

/* A user with a password (role Staff: comments on units and users need the people area); *key
 * (may be NULL) receives its key (malloc'd). */
static json_int_t create_user(mt_server *s, const char *first, char **key)
{
    static int counter;
    char email[96];
    snprintf(email, sizeof email, "comment-user-%d@acme.test", ++counter);
    json_int_t unit = fix_first_unit_id(s);
    json_int_t id =
        fix_create_user(s, fix_user_body(first, "Commenter", email, unit,
                                         json_pack("{s:s, s:I}", "password", "comment-pass-1",
                                                   "role_id", role_named(s, "Staff"))));
    if (key)
        *key = fix_login(s, email, "comment-pass-1");
    return id;
}

/* POST /comments with this body; asserts 200 and the shape; returns the response. */
static mt_resp *comment_resp(mt_server *s, const char *key, json_t *body,
                             const char *const *headers, bool impersonating)
{
    mt_resp *r = mt_request_json(s, "POST", COMMENTS_PATH, key, body, headers);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, impersonating);
    return r;
}

static json_int_t comment_on(mt_server *s, const char *type, json_int_t id, const char *text)
{
    mt_resp *r = comment_resp(
        s, mt_admin_key(s),
        json_pack("{s:I, s:s, s:s}", "commentable_id", id, "commentable_type", type, "text", text),
        NULL, false);
    return fix_take_id(r);
}

/* The text the server keeps for `text` (on a fresh comment on unit). */
static char *cleaned(mt_server *s, json_int_t unit, const char *text)
{
    mt_resp *r = comment_resp(s, mt_admin_key(s),
                              json_pack("{s:I, s:s, s:s}", "commentable_id", unit,
                                        "commentable_type", "Unit", "text", text),
                              NULL, false);
    char *out = strdup(mt_json_str(r->json, "text"));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* GET shows the same */
    r = mt_getf(s, mt_admin_key(s), COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", out);
    mt_resp_free(r);
    return out;
}

#define assert_cleaned(s, unit, in, want)                                                          \
    do {                                                                                           \
        char *got_ = cleaned((s), (unit), (in));                                                   \
        if (strcmp(got_, (want)) != 0) {                                                           \
            print_error("text %s was kept as %s, expected %s\n", (in), got_, (want));              \
            free(got_);                                                                            \
            fail();                                                                                \
        }                                                                                          \
        free(got_);                                                                                \
    } while (0)

/* Base64 of `bytes` zero bytes ("AAAA" per 3 bytes), as a JSON body of a comment on a unit. */
static char *attachment_body(json_int_t unit, size_t bytes)
{
    size_t b64 = (bytes + 2) / 3 * 4;
    size_t cap = b64 + 256;
    char *body = malloc(cap);
    assert_non_null(body);
    int n = snprintf(body, cap,
                     "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"file\","
                     "\"attachment_filename\":\"zeros.bin\",\"attachment_content\":\"",
                     (long long)unit);
    char *p = body + n;
    memset(p, 'A', b64);
    if (bytes % 3 == 1)
        memcpy(p + b64 - 2, "==", 2);
    else if (bytes % 3 == 2)
        p[b64 - 1] = '=';
    strcpy(p + b64, "\"}");
    return body;
}

/* ---- create and get ---------------------------------------------------------------------- */

static void test_comment_create_and_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t unit = create_unit(s);

    mt_resp *r = mt_request_json(
        s, "POST", COMMENTS_PATH, key,
        json_pack("{s:I, s:s, s:s}", "commentable_id", unit, "commentable_type", "Unit", "text",
                  "<div>Project was ordered on <strong>1.10.2017</strong></div>."),
        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    json_int_t id = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "commentable_id", unit);
    MT_ASSERT_JSON_STR(r->json, "commentable_type", "Unit");
    MT_ASSERT_JSON_STR(r->json, "text",
                       "<div>Project was ordered on <strong>1.10.2017</strong></div>.");
    MT_ASSERT_JSON_TYPE(r->json, "manual", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Ada");
    mt_resp_free(r);

    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_INT(r->json, "commentable_id", unit);
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    mt_resp_free(r);

    r = mt_getf(s, key, COMMENTS_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, COMMENTS_PATH "/987654");

    /* plain text stays as it is; digit strings are ids too */
    char admin_str[32];
    snprintf(admin_str, sizeof admin_str, "%lld", (long long)admin);
    r = comment_resp(s, key,
                     json_pack("{s:s, s:s, s:s}", "commentable_id", admin_str, "commentable_type",
                               "User", "text", "Just plain text & more"),
                     NULL, false);
    MT_ASSERT_JSON_INT(r->json, "commentable_id", admin);
    MT_ASSERT_JSON_STR(r->json, "text", "Just plain text & more");
    mt_resp_free(r);
}

static void test_comment_on_each_type(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t user = create_user(s, "Typed", NULL);
    json_int_t unit = create_unit(s);
    json_int_t company = create_company(s);
    json_int_t contact = mt_create(s, "/api/v1/contacts/people", key,
                                   "{\"gender\":\"F\",\"lastname\":\"Commented\"}");
    json_int_t group = mt_create(s, "/api/v1/projects/groups", key, "{\"name\":\"Group\"}");
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"Commented project\",\"fixed_price\":false,\"retainer\":false,"
             "\"currency\":\"EUR\",\"leader_id\":%lld,\"customer_id\":%lld}",
             (long long)admin, (long long)company);
    json_int_t project = mt_create(s, "/api/v1/projects", key, body);
    mt_resp *r = mt_get(s, "/api/v1/deal_categories", key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t category = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    snprintf(body, sizeof body,
             "{\"name\":\"Commented deal\",\"reminder_date\":\"2030-01-15\",\"money\":1000,"
             "\"currency\":\"EUR\",\"user_id\":%lld,\"deal_category_id\":%lld}",
             (long long)admin, (long long)category);
    json_int_t deal = mt_create(s, "/api/v1/deals", key, body);

    const struct {
        const char *type;
        json_int_t id;
    } targets[] = {{"User", user},       {"Unit", unit},       {"Company", company},
                   {"Contact", contact}, {"Project", project}, {"ProjectGroup", group},
                   {"Deal", deal}};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "On the %s", targets[i].type);
        r = comment_resp(s, key,
                         json_pack("{s:I, s:s, s:s}", "commentable_id", targets[i].id,
                                   "commentable_type", targets[i].type, "text", text),
                         NULL, false);
        MT_ASSERT_JSON_STR(r->json, "commentable_type", targets[i].type);
        MT_ASSERT_JSON_INT(r->json, "commentable_id", targets[i].id);
        MT_ASSERT_JSON_STR(r->json, "text", text);
        mt_resp_free(r);
        assert_int_equal(count_on(s, key, targets[i].type, targets[i].id), 1);

        /* an id of this type that does not exist */
        r = mt_request_json(s, "POST", COMMENTS_PATH, key,
                            json_pack("{s:I, s:s, s:s}", "commentable_id", (json_int_t)987654,
                                      "commentable_type", targets[i].type, "text", "ghost"),
                            NULL);
        fix_assert_422(r, "commentable_id");
        mt_resp_free(r);
    }
}

static void test_comment_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);

    mt_resp *r = mt_post(s, COMMENTS_PATH, key, "{}");
    fix_assert_422(r, "commentable_id");
    fix_assert_422(r, "commentable_type");
    fix_assert_422(r, "text");
    mt_resp_free(r);

    char body[256];
    snprintf(body, sizeof body, "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld}",
             (long long)unit);
    fix_expect_422(s, "POST", key, body, "text", COMMENTS_PATH);
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"\"}",
             (long long)unit);
    fix_expect_422(s, "POST", key, body, "text", COMMENTS_PATH);
    snprintf(body, sizeof body, "{\"commentable_id\":%lld,\"text\":\"no type\"}", (long long)unit);
    fix_expect_422(s, "POST", key, body, "commentable_type", COMMENTS_PATH);
    fix_expect_422(s, "POST", key, "{\"commentable_type\":\"Unit\",\"text\":\"no id\"}",
                   "commentable_id", COMMENTS_PATH);
    fix_expect_422(s, "POST", key,
                   "{\"commentable_type\":\"Unit\",\"commentable_id\":\"one\",\"text\":\"x\"}",
                   "commentable_id", COMMENTS_PATH);

    /* a type MOCO does not know */
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Spaceship\",\"commentable_id\":%lld,\"text\":\"x\"}",
             (long long)unit);
    fix_expect_422(s, "POST", key, body, "commentable_type", COMMENTS_PATH);
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"unit\",\"commentable_id\":%lld,\"text\":\"x\"}",
             (long long)unit);
    fix_expect_422(s, "POST", key, body, "commentable_type", COMMENTS_PATH);
    /* types MOCO has but mocod does not (yet) */
    const char *missing[] = {"DeliveryNote", "UserHolidayRequest"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"commentable_type\":\"%s\",\"commentable_id\":1,\"text\":\"x\"}", missing[i]);
        fix_expect_422(s, "POST", key, body, "commentable_type", COMMENTS_PATH);
    }
    /* an entity that does not exist */
    fix_expect_422(s, "POST", key,
                   "{\"commentable_type\":\"Unit\",\"commentable_id\":987654,\"text\":\"x\"}",
                   "commentable_id", COMMENTS_PATH);

    assert_int_equal(count_on(s, key, "Unit", unit), 0);
}

/* ---- the text ---------------------------------------------------------------------------- */

static void test_comment_sanitising(void **state)
{
    mt_server *s = *state;
    json_int_t unit = create_unit(s);

    /* the allowed tags stay */
    assert_cleaned(s, unit,
                   "<div><strong>s</strong><em>e</em><u>u</u><pre>p</pre><ul><li>a</li></ul>"
                   "<ol><li>b</li></ol>line<br>next</div>",
                   "<div><strong>s</strong><em>e</em><u>u</u><pre>p</pre><ul><li>a</li></ul>"
                   "<ol><li>b</li></ol>line<br>next</div>");
    /* attributes are removed */
    assert_cleaned(s, unit,
                   "<div class=\"note\" style=\"color:red\">x <strong "
                   "onclick=\"alert(1)\">y</strong></div>",
                   "<div>x <strong>y</strong></div>");
    /* other tags are dropped, their text kept */
    assert_cleaned(s, unit, "<p>para</p> <b>bold</b> <a href=\"http://x.test\">link</a>",
                   "para bold link");
    assert_cleaned(s, unit, "<script>alert(1)</script><div>ok</div>", "alert(1)<div>ok</div>");
    assert_cleaned(s, unit, "<h1>Title</h1><span>in</span><img src=\"x.png\">", "Titlein");
    /* self-closing and upper-case tags */
    assert_cleaned(s, unit, "a<br/>b<BR>c", "a<br>b<br>c");

    /* an update is cleaned too */
    json_int_t id = comment_on(s, "Unit", unit, "before");
    mt_resp *r = mt_requestf(s, "PUT", mt_admin_key(s),
                             "{\"text\":\"<i>after</i> <strong class=\\\"k\\\">s</strong>\"}",
                             COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "after <strong>s</strong>");
    mt_resp_free(r);
}

/* "a < b" in plain text is no tag: MOCO keeps plain text (the docs allow "plain text"). */
static void test_comment_sanitising_plain_angle_brackets(void **state)
{
    mt_server *s = *state;
    json_int_t unit = create_unit(s);
    char *got = cleaned(s, unit, "1 < 2 and 3 > 2");
    /* whether the brackets come back escaped or as they were, the words must survive */
    if (!strstr(got, "2 and 3")) {
        print_error("the plain text \"1 < 2 and 3 > 2\" was kept as \"%s\": its words are lost\n",
                    got);
        free(got);
        fail();
    }
    free(got);
}

/* A tag that is not closed must not come through as markup either. */
static void test_comment_sanitising_unclosed_tag(void **state)
{
    mt_server *s = *state;
    json_int_t unit = create_unit(s);
    char *got = cleaned(s, unit, "Hello <img src=x onerror=alert(1)");
    if (strstr(got, "<img") || strstr(got, "<IMG")) {
        print_error("an unclosed <img tag came through: \"%s\"\n", got);
        free(got);
        fail();
    }
    free(got);
}

/* A '>' inside a quoted attribute value belongs to the attribute, which is removed. */
static void test_comment_sanitising_quoted_attribute(void **state)
{
    mt_server *s = *state;
    json_int_t unit = create_unit(s);
    assert_cleaned(s, unit, "<div title=\"a>b\">x</div>", "<div>x</div>");
}

/* ---- who commented ----------------------------------------------------------------------- */

static void test_comment_impersonation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    char *erika_key = NULL;
    json_int_t erika = create_user(s, "Erika", &erika_key);
    json_int_t unit = create_unit(s);
    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)erika);
    const char *const as_erika[] = {hdr, NULL};

    /* the admin impersonating Erika: Erika is the user, the admin the impersonating user */
    mt_resp *r = comment_resp(s, key,
                              json_pack("{s:I, s:s, s:s}", "commentable_id", unit,
                                        "commentable_type", "Unit", "text", "via impersonation"),
                              as_erika, true);
    json_int_t imp = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "user.id", erika);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Erika");
    MT_ASSERT_JSON_STR(r->json, "user.lastname", "Commenter");
    MT_ASSERT_JSON_INT(r->json, "impersonating_user.id", admin);
    MT_ASSERT_JSON_STR(r->json, "impersonating_user.firstname", "Ada");
    mt_resp_free(r);
    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)imp);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, true);
    MT_ASSERT_JSON_INT(r->json, "user.id", erika);
    MT_ASSERT_JSON_INT(r->json, "impersonating_user.id", admin);
    mt_resp_free(r);

    /* Erika herself: no impersonating_user */
    r = comment_resp(s, erika_key,
                     json_pack("{s:I, s:s, s:s}", "commentable_id", unit, "commentable_type",
                               "Unit", "text", "by herself"),
                     NULL, false);
    json_int_t own = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "user.id", erika);
    mt_resp_free(r);

    /* impersonating oneself is no impersonation */
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)admin);
    const char *const as_self[] = {hdr, NULL};
    r = comment_resp(s, key,
                     json_pack("{s:I, s:s, s:s}", "commentable_id", unit, "commentable_type",
                               "Unit", "text", "as myself"),
                     as_self, false);
    json_int_t self = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    mt_resp_free(r);

    /* the list shows impersonating_user only on the impersonated comment */
    r = mt_getf(s, key, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld",
                (long long)unit);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    assert_comment_shape(fix_find_by_id_strict(r->json, imp), true);
    assert_comment_shape(fix_find_by_id_strict(r->json, own), false);
    assert_comment_shape(fix_find_by_id_strict(r->json, self), false);
    mt_resp_free(r);

    /* an update while impersonating does not change who wrote it */
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)erika);
    char path[96];
    snprintf(path, sizeof path, COMMENTS_PATH "/%lld", (long long)own);
    r = mt_request(s, "PUT", path, key, "{\"text\":\"edited by Erika\"}", as_erika);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    MT_ASSERT_JSON_INT(r->json, "user.id", erika);
    MT_ASSERT_JSON_STR(r->json, "text", "edited by Erika");
    mt_resp_free(r);
    /* and acting as Erika, the admin's own comment is not Erika's to change */
    snprintf(path, sizeof path, COMMENTS_PATH "/%lld", (long long)self);
    r = mt_request(s, "PUT", path, key, "{\"text\":\"edited by Erika\"}", as_erika);
    fix_assert_error(r, 403);
    mt_resp_free(r);

    /* Erika cannot impersonate the administrator: he holds rights she lacks */
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)admin);
    const char *const as_admin[] = {hdr, NULL};
    char body[160];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"sneaky\"}",
             (long long)unit);
    r = mt_request(s, "POST", COMMENTS_PATH, erika_key, body, as_admin);
    fix_assert_error(r, 403);
    mt_resp_free(r);
    assert_int_equal(count_on(s, key, "Unit", unit), 3);

    /* the user_id filter is the acting user */
    json_int_t by_erika[] = {imp, own};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&user_id=%lld", (long long)unit,
             (long long)erika);
    fix_assert_list_ids(s, key, path, by_erika, 2);
    json_int_t by_admin[] = {self};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&user_id=%lld", (long long)unit,
             (long long)admin);
    fix_assert_list_ids(s, key, path, by_admin, 1);
    free(erika_key);
}

/* ---- attachments ------------------------------------------------------------------------- */

static void test_comment_attachments(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    char body[512];

    /* a small file; the attachment is not part of the representation */
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"see file\","
             "\"attachment_filename\":\"document.pdf\",\"attachment_content\":\"aGVsbG8gd29y"
             "bGQ=\"}",
             (long long)unit);
    mt_resp *r = mt_post(s, COMMENTS_PATH, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    json_int_t with_file = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "text", "see file");
    mt_resp_free(r);
    /* base64 wrapped in lines, as encoders write it */
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"wrapped\","
             "\"attachment_filename\":\"a.txt\",\"attachment_content\":\"aGVsbG8g\\nd29ybGQ=\\n\"}",
             (long long)unit);
    fix_expect_status(s, "POST", key, body, 200, COMMENTS_PATH);
    /* a filename without content is just a comment */
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"name only\","
             "\"attachment_filename\":\"a.txt\"}",
             (long long)unit);
    fix_expect_status(s, "POST", key, body, 200, COMMENTS_PATH);
    assert_int_equal(count_on(s, key, "Unit", unit), 3);

    /* invalid base64 */
    const char *bad[] = {"!!!not base64!!!", "a====", "aGVs*bG8="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = json_pack("{s:s, s:I, s:s, s:s, s:s}", "commentable_type", "Unit",
                              "commentable_id", unit, "text", "bad file", "attachment_filename",
                              "bad.bin", "attachment_content", bad[i]);
        r = mt_request_json(s, "POST", COMMENTS_PATH, key, b, NULL);
        fix_assert_422(r, "attachment_content");
        mt_resp_free(r);
    }
    /* content without a filename */
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"no name\","
             "\"attachment_content\":\"aGVsbG8=\"}",
             (long long)unit);
    fix_expect_422(s, "POST", key, body, "attachment_filename", COMMENTS_PATH);
    assert_int_equal(count_on(s, key, "Unit", unit), 3);

    /* exactly 5 MiB decoded is fine, one byte more is not */
    char *big = attachment_body(unit, 5 * MIB);
    r = mt_post(s, COMMENTS_PATH, key, big);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    json_int_t big_id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    free(big);
    big = attachment_body(unit, 5 * MIB + 1);
    fix_expect_422(s, "POST", key, big, "attachment_content", COMMENTS_PATH);
    free(big);
    assert_int_equal(count_on(s, key, "Unit", unit), 4);

    /* a body over 10 MiB is refused before anything else */
    big = attachment_body(unit, 8 * MIB);
    fix_expect_error(s, "POST", key, big, 413, COMMENTS_PATH);
    free(big);
    assert_int_equal(count_on(s, key, "Unit", unit), 4);

    /* comments with attachments can be deleted */
    fix_expect_status(s, "DELETE", key, NULL, 204, COMMENTS_PATH "/%lld", (long long)big_id);
    fix_expect_status(s, "DELETE", key, NULL, 204, COMMENTS_PATH "/%lld", (long long)with_file);
    assert_int_equal(count_on(s, key, "Unit", unit), 2);
}

/* ---- created_at when migrating ----------------------------------------------------------- */

static void test_comment_created_at(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    json_int_t recent = comment_on(s, "Unit", unit, "written now");

    /* the docs' format, without a zone: UTC */
    mt_resp *r =
        comment_resp(s, key,
                     json_pack("{s:I, s:s, s:s, s:s}", "commentable_id", unit, "commentable_type",
                               "Unit", "text", "migrated", "created_at", "2018-05-09T05:40:06"),
                     NULL, false);
    json_int_t old = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "created_at", "2018-05-09T05:40:06Z");
    assert_string_not_equal(mt_json_str(r->json, "updated_at"), "2018-05-09T05:40:06Z");
    mt_resp_free(r);
    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)old);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "created_at", "2018-05-09T05:40:06Z");
    mt_resp_free(r);

    /* with a zone offset: converted to UTC */
    r = comment_resp(s, key,
                     json_pack("{s:I, s:s, s:s, s:s}", "commentable_id", unit, "commentable_type",
                               "Unit", "text", "migrated with zone", "created_at",
                               "2017-10-01T12:00:00+02:00"),
                     NULL, false);
    json_int_t older = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "created_at", "2017-10-01T10:00:00Z");
    mt_resp_free(r);

    /* not a time: 422 and nothing created */
    r = mt_request_json(s, "POST", COMMENTS_PATH, key,
                        json_pack("{s:I, s:s, s:s, s:s}", "commentable_id", unit,
                                  "commentable_type", "Unit", "text", "bad time", "created_at",
                                  "yesterday"),
                        NULL);
    fix_assert_422(r, "created_at");
    mt_resp_free(r);
    assert_int_equal(count_on(s, key, "Unit", unit), 3);

    /* sorting by created_at puts the migrated ones first */
    char path[160];
    json_int_t by_created[] = {older, old, recent}, by_created_desc[] = {recent, old, older};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&sort_by=created_at",
             (long long)unit);
    fix_assert_list_ids(s, key, path, by_created, 3);
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&sort_by=created_at%%20desc",
             (long long)unit);
    fix_assert_list_ids(s, key, path, by_created_desc, 3);

    /* an update keeps created_at */
    r = mt_requestf(s, "PUT", key, "{\"text\":\"migrated, edited\"}", COMMENTS_PATH "/%lld",
                    (long long)old);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "created_at", "2018-05-09T05:40:06Z");
    mt_resp_free(r);
}

/* ---- update and delete ------------------------------------------------------------------- */

static void test_comment_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t unit = create_unit(s);
    json_int_t id = comment_on(s, "Unit", unit, "<div>first</div>");

    /* the docs' example */
    mt_resp *r = mt_requestf(s, "PUT", key, "{\"text\":\"<div>Project is paused for now.</div>.\"}",
                             COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "text", "<div>Project is paused for now.</div>.");
    MT_ASSERT_JSON_INT(r->json, "commentable_id", unit);
    MT_ASSERT_JSON_STR(r->json, "commentable_type", "Unit");
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    MT_ASSERT_JSON_TYPE(r->json, "manual", JSON_TRUE);
    mt_resp_free(r);

    r = mt_requestf(s, "PATCH", key, "{\"text\":\"patched\"}", COMMENTS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "patched");
    mt_resp_free(r);

    /* nothing sent, nothing changed; manual and user cannot be written */
    json_int_t other_user = create_user(s, "Notme", NULL);
    char body[160];
    snprintf(body, sizeof body, "{\"manual\":false,\"user_id\":%lld}", (long long)other_user);
    r = mt_requestf(s, "PUT", key, body, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "patched");
    MT_ASSERT_JSON_TYPE(r->json, "manual", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    mt_resp_free(r);

    fix_expect_422(s, "PUT", key, "{\"text\":\"\"}", "text", COMMENTS_PATH "/%lld", (long long)id);
    fix_expect_422(s, "PUT", key, "{\"text\":null}", "text", COMMENTS_PATH "/%lld", (long long)id);

    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "patched");
    mt_resp_free(r);

    fix_expect_error(s, "PUT", key, "{\"text\":\"ghost\"}", 404, COMMENTS_PATH "/987654");
}

/*
 * The fields of an update are those of a create: a comment cannot be moved onto an entity that
 * does not exist, onto a type mocod does not have, or onto another account's entity. Either the
 * update is refused (422) or the comment stays where it was.
 */
static void test_comment_update_commentable_checked(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    char *other = mt_init_account(s, "third", "admin@third.test", "third-pass-1");
    json_int_t other_unit = create_unit_as(s, other);
    int problems = 0;

    /* every case is checked (and reported) before the test fails */
    const char *moves[] = {"{\"commentable_id\":987654}", "{\"commentable_type\":\"DeliveryNote\"}",
                           "{\"commentable_type\":\"Spaceship\"}",
                           "{\"commentable_type\":\"Project\",\"commentable_id\":987654}"};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        json_int_t id = comment_on(s, "Unit", unit, "stays on its unit");
        mt_resp *r = mt_requestf(s, "PUT", key, moves[i], COMMENTS_PATH "/%lld", (long long)id);
        long status = r->status;
        mt_resp_free(r);
        r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)id);
        MT_ASSERT_STATUS(r, 200);
        bool stayed = mt_json_int(r->json, "commentable_id") == unit &&
                      strcmp(mt_json_str(r->json, "commentable_type"), "Unit") == 0;
        if (!(status == 422 || (status == 200 && stayed)) || !stayed) {
            print_error("PUT %s on a comment of Unit %lld answered %ld and left %s\n", moves[i],
                        (long long)unit, status, r->body);
            problems++;
        }
        mt_resp_free(r);
    }

    /* the other account cannot move its own comment onto acme's unit either */
    char body[160];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"mine\"}",
             (long long)other_unit);
    mt_resp *r = mt_post(s, COMMENTS_PATH, other, body);
    MT_ASSERT_STATUS(r, 200);
    json_int_t theirs = mt_json_int(r->json, "id");
    mt_resp_free(r);
    snprintf(body, sizeof body, "{\"commentable_id\":%lld}", (long long)unit);
    r = mt_requestf(s, "PUT", other, body, COMMENTS_PATH "/%lld", (long long)theirs);
    long status = r->status;
    mt_resp_free(r);
    r = mt_getf(s, other, COMMENTS_PATH "/%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    if (mt_json_int(r->json, "commentable_id") != other_unit || !(status == 422 || status == 200)) {
        print_error("PUT %s from another account answered %ld and left its comment pointing at "
                    "acme's unit: %s\n",
                    body, status, r->body);
        problems++;
    }
    mt_resp_free(r);
    free(other);
    if (problems)
        fail_msg("%d update(s) moved a comment onto an entity or type the account does not have",
                 problems);
}

static void test_comment_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    json_int_t id = comment_on(s, "Unit", unit, "to be deleted");
    json_int_t keep = comment_on(s, "Unit", unit, "to be kept");

    mt_resp *r = mt_deletef(s, key, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_expect_error(s, "GET", key, NULL, 404, COMMENTS_PATH "/%lld", (long long)id);
    fix_expect_error(s, "DELETE", key, NULL, 404, COMMENTS_PATH "/%lld", (long long)id);
    fix_expect_error(s, "PUT", key, "{\"text\":\"again\"}", 404, COMMENTS_PATH "/%lld",
                     (long long)id);

    char path[128];
    json_int_t left[] = {keep};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld",
             (long long)unit);
    fix_assert_list_ids(s, key, path, left, 1);
}

/* ---- bulk -------------------------------------------------------------------------------- */

static void test_comment_bulk(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    json_int_t u1 = create_unit(s), u2 = create_unit(s), u3 = create_unit(s);
    char body[512];

    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld,%lld,%lld],\"commentable_type\":\"Unit\","
             "\"text\":\"Sent Newsletter <b>RJ-2019/03</b>\"}",
             (long long)u1, (long long)u2, (long long)u3);
    mt_resp *r = mt_post(s, BULK_PATH, key, body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 3);
    json_int_t want[] = {u1, u2, u3};
    json_int_t made[3];
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_array_get(r->json, i);
        assert_comment_shape(c, false);
        MT_ASSERT_JSON_INT(c, "commentable_id", want[i]);
        MT_ASSERT_JSON_STR(c, "commentable_type", "Unit");
        MT_ASSERT_JSON_STR(c, "text", "Sent Newsletter RJ-2019/03");
        MT_ASSERT_JSON_INT(c, "user.id", admin);
        made[i] = mt_json_int(c, "id");
    }
    assert_true(made[0] != made[1] && made[1] != made[2] && made[0] != made[2]);
    mt_resp_free(r);
    for (size_t i = 0; i < 3; i++) {
        r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)made[i]);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_INT(r->json, "commentable_id", want[i]);
        mt_resp_free(r);
        assert_int_equal(count_on(s, key, "Unit", want[i]), 1);
    }

    /* created_at applies to each */
    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld,%lld],\"commentable_type\":\"Unit\","
             "\"text\":\"migrated\",\"created_at\":\"2019-03-01T08:00:00Z\"}",
             (long long)u1, (long long)u2);
    r = mt_post(s, BULK_PATH, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_STR(r->json, "[0].created_at", "2019-03-01T08:00:00Z");
    MT_ASSERT_JSON_STR(r->json, "[1].created_at", "2019-03-01T08:00:00Z");
    mt_resp_free(r);

    /* all or none: one id that does not exist */
    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld,987654,%lld],\"commentable_type\":\"Unit\","
             "\"text\":\"partial?\"}",
             (long long)u1, (long long)u3);
    fix_expect_422(s, "POST", key, body, "commentable_id", BULK_PATH);
    /* ... or a bad attachment */
    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld,%lld],\"commentable_type\":\"Unit\",\"text\":\"x\","
             "\"attachment_filename\":\"f\",\"attachment_content\":\"%%%%%%\"}",
             (long long)u1, (long long)u3);
    fix_expect_422(s, "POST", key, body, "attachment_content", BULK_PATH);
    /* ... or a missing text */
    snprintf(body, sizeof body, "{\"commentable_ids\":[%lld,%lld],\"commentable_type\":\"Unit\"}",
             (long long)u1, (long long)u3);
    fix_expect_422(s, "POST", key, body, "text", BULK_PATH);
    /* ... or an unsupported type */
    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld],\"commentable_type\":\"DeliveryNote\",\"text\":\"x\"}",
             (long long)u1);
    fix_expect_422(s, "POST", key, body, "commentable_type", BULK_PATH);
    /* commentable_ids is mandatory, a non-empty list of ids */
    const char *bad_ids[] = {"", ",\"commentable_ids\":[]", ",\"commentable_ids\":\"1,2\"",
                             ",\"commentable_ids\":[1,\"x\"]", ",\"commentable_ids\":null"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        snprintf(body, sizeof body, "{\"commentable_type\":\"Unit\",\"text\":\"x\"%s}", bad_ids[i]);
        fix_expect_422(s, "POST", key, body, "commentable_ids", BULK_PATH);
    }
    assert_int_equal(count_on(s, key, "Unit", u1), 2);
    assert_int_equal(count_on(s, key, "Unit", u2), 2);
    assert_int_equal(count_on(s, key, "Unit", u3), 1);

    /* bulk while impersonating */
    char *erika_key = NULL;
    json_int_t erika = create_user(s, "Bulkerika", &erika_key);
    char hdr[64];
    snprintf(hdr, sizeof hdr, "X-IMPERSONATE-USER-ID: %lld", (long long)erika);
    const char *const as_erika[] = {hdr, NULL};
    snprintf(body, sizeof body,
             "{\"commentable_ids\":[%lld],\"commentable_type\":\"Unit\",\"text\":\"imp bulk\"}",
             (long long)u3);
    r = mt_request(s, "POST", BULK_PATH, key, body, as_erika);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    assert_comment_shape(json_array_get(r->json, 0), true);
    MT_ASSERT_JSON_INT(r->json, "[0].user.id", erika);
    MT_ASSERT_JSON_INT(r->json, "[0].impersonating_user.id", admin);
    mt_resp_free(r);
    free(erika_key);
}

/* The number of rows a query over the server's database counts (read beside the server). */
static long long db_count(mt_server *s, const char *sql)
{
    return (long long)mt_sql_i64(s, sql);
}

/* What the database takes on disk: the SQLite file and its WAL, or the PostgreSQL database. */
static long long db_bytes(mt_server *s)
{
    if (mt_on_postgres())
        return (long long)mt_sql_i64(s, "SELECT pg_database_size(current_database())");
    long long total = 0;
    const char *suffix[] = {"", "-wal"};
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s%s", mt_db_path(s), suffix[i]);
        struct stat st;
        if (stat(path, &st) == 0)
            total += (long long)st.st_size;
    }
    return total;
}

/* A bulk comment with ids entries (cycling over the units) and an attachment of `bytes` zeros. */
static char *bulk_attachment_body(const json_int_t *units, size_t nunits, size_t ids, size_t bytes)
{
    size_t b64 = (bytes + 2) / 3 * 4;
    size_t cap = b64 + ids * 24 + 256;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, cap, "{\"commentable_ids\":[");
    for (size_t i = 0; i < ids; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s%lld", i ? "," : "",
                              (long long)units[i % nunits]);
    n += (size_t)snprintf(body + n, cap - n,
                          "],\"commentable_type\":\"Unit\",\"text\":\"shared <b>file</b>\","
                          "\"attachment_filename\":\"zeros.bin\",\"attachment_content\":\"");
    memset(body + n, 'A', b64);
    if (bytes % 3 == 1)
        memcpy(body + n + b64 - 2, "==", 2);
    else if (bytes % 3 == 2)
        body[n + b64 - 1] = '=';
    memcpy(body + n + b64, "\"}", 3);
    return body;
}

/* One attachment sent with a bulk comment is stored once, whatever the number of entities: 1000
 * ids with a 4 MiB file used to be refused (4 GB to store; the stop-gap allowed 20 MiB in all),
 * and before that cost 4 GB of disk. Each comment gets its own link to the one content; the
 * content goes with the last comment that uses it. */
static void test_comment_bulk_attachment_stored_once(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t units[10];
    for (size_t i = 0; i < 10; i++)
        units[i] = create_unit(s);
    long long bytes_before = db_bytes(s);

    char *body = bulk_attachment_body(units, 10, 1000, 4 * MIB);
    mt_resp *r = mt_post(s, BULK_PATH, key, body);
    free(body);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1000);
    MT_ASSERT_JSON_STR(r->json, "[999].text", "shared file");
    char *made = fix_fmt("entity = 'Comment.attachment' AND entity_id BETWEEN %lld AND %lld",
                         (long long)mt_json_int(r->json, "[0].id"),
                         (long long)mt_json_int(r->json, "[999].id"));
    mt_resp_free(r);
    long long grown = db_bytes(s) - bytes_before;
    if (grown > 32ll * MIB)
        fail_msg("the database grew by %lld bytes for one 4 MiB file", grown);
    assert_int_equal(
        db_count(s, fix_fmt("SELECT COUNT(DISTINCT blob_id) FROM attachments WHERE %s", made)), 1);
    long long blobs_before = db_count(s, "SELECT COUNT(*) FROM attachment_blobs") - 1;
    assert_int_equal(db_count(s, "SELECT COUNT(DISTINCT token) FROM attachments WHERE blob_id = "
                                 "(SELECT MAX(id) FROM attachment_blobs)"),
                     1000);

    /* every link serves the whole content (the first three links) */
    for (int i = 0; i < 3; i++) {
        char *token = mt_sql_str(s, fix_fmt("SELECT token FROM attachments WHERE blob_id = (SELECT "
                                            "MAX(id) FROM attachment_blobs) ORDER BY id LIMIT 1 "
                                            "OFFSET %d",
                                            i));
        assert_non_null(token);
        char path[256];
        snprintf(path, sizeof path, "/files/%s/zeros.bin", token);
        free(token);
        mt_resp *f = mt_get(s, path, NULL);
        MT_ASSERT_STATUS(f, 200);
        assert_int_equal(f->body_len, 4 * MIB);
        assert_true(f->body[0] == 0 && f->body[4 * MIB - 1] == 0);
        mt_resp_free(f);
    }

    /* the content stays while a comment uses it, and goes with the last */
    body = bulk_attachment_body(units, 2, 2, 1000);
    r = mt_post(s, BULK_PATH, key, body);
    free(body);
    MT_ASSERT_STATUS(r, 200);
    json_int_t a = mt_json_int(r->json, "[0].id"), b = mt_json_int(r->json, "[1].id");
    mt_resp_free(r);
    assert_int_equal(db_count(s, "SELECT COUNT(*) FROM attachment_blobs") - blobs_before, 2);
    fix_expect_status(s, "DELETE", key, NULL, 204, COMMENTS_PATH "/%lld", (long long)a);
    assert_int_equal(db_count(s, "SELECT COUNT(*) FROM attachment_blobs") - blobs_before, 2);
    fix_expect_status(s, "DELETE", key, NULL, 204, COMMENTS_PATH "/%lld", (long long)b);
    assert_int_equal(db_count(s, "SELECT COUNT(*) FROM attachment_blobs") - blobs_before, 1);

    /* the work of one request stays bounded: text times ids */
    char *text = malloc(100001);
    assert_non_null(text);
    memset(text, 'x', 100000);
    text[100000] = '\0';
    json_t *ids = json_array();
    for (size_t i = 0; i < 200; i++)
        json_array_append_new(ids, json_integer(units[i % 10]));
    json_t *big = json_pack("{s:o, s:s, s:s}", "commentable_ids", ids, "commentable_type", "Unit",
                            "text", text);
    free(text);
    char *big_text = json_dumps(big, JSON_COMPACT);
    json_decref(big);
    fix_expect_422(s, "POST", key, big_text, "text", BULK_PATH);
    free(big_text);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_comment_filters(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);
    char *bea_key = NULL;
    json_int_t bea = create_user(s, "Bea", &bea_key);
    json_int_t unit = create_unit(s);
    json_int_t company = create_company(s);

    json_int_t c1 = comment_on(s, "Unit", unit, "unit by admin");
    json_int_t c2 = comment_on(s, "Company", company, "company by admin");
    mt_resp *r = comment_resp(s, bea_key,
                              json_pack("{s:I, s:s, s:s}", "commentable_id", unit,
                                        "commentable_type", "Unit", "text", "unit by bea"),
                              NULL, false);
    json_int_t c3 = mt_json_int(r->json, "id");
    mt_resp_free(r);
    /* a comment on another type */
    json_int_t c4 = comment_on(s, "User", bea, "about bea");

    char path[256];
    json_int_t on_unit[] = {c1, c3};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld",
             (long long)unit);
    fix_assert_list_ids(s, key, path, on_unit, 2);
    json_int_t on_company[] = {c2};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_type=Company&commentable_id=%lld",
             (long long)company);
    fix_assert_list_ids(s, key, path, on_company, 1);
    /* the type alone, within these ids */
    char ids[128];
    snprintf(ids, sizeof ids, "%lld,%lld,%lld,%lld", (long long)c1, (long long)c2, (long long)c3,
             (long long)c4);
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&commentable_type=Unit", ids);
    fix_assert_list_ids(s, key, path, on_unit, 2);
    json_int_t on_user[] = {c4};
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&commentable_type=User", ids);
    fix_assert_list_ids(s, key, path, on_user, 1);
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&commentable_type=Deal", ids);
    fix_assert_list_ids(s, key, path, NULL, 0);
    /* the user */
    json_int_t by_bea[] = {c3};
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&user_id=%lld", ids, (long long)bea);
    fix_assert_list_ids(s, key, path, by_bea, 1);
    json_int_t by_admin[] = {c1, c2, c4};
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&user_id=%lld", ids, (long long)admin);
    fix_assert_list_ids(s, key, path, by_admin, 3);
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&user_id=%lld&commentable_type=Unit", ids,
             (long long)admin);
    json_int_t admin_unit[] = {c1};
    fix_assert_list_ids(s, key, path, admin_unit, 1);
    /* manual: comments written through the API are manual */
    json_int_t all[] = {c1, c2, c3, c4};
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&manual=true", ids);
    fix_assert_list_ids(s, key, path, all, 4);
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&manual=false", ids);
    fix_assert_list_ids(s, key, path, NULL, 0);
    /* bad filter values */
    fix_expect_422(s, "GET", key, NULL, "manual", COMMENTS_PATH "?manual=sometimes");
    fix_expect_422(s, "GET", key, NULL, "commentable_id", COMMENTS_PATH "?commentable_id=abc");
    fix_expect_422(s, "GET", key, NULL, "user_id", COMMENTS_PATH "?user_id=abc");
    /* updated_after */
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&updated_after=2999-01-01T00:00:00Z", ids);
    fix_assert_list_ids(s, key, path, NULL, 0);
    snprintf(path, sizeof path, COMMENTS_PATH "?ids=%s&updated_after=2000-01-01T00:00:00Z", ids);
    fix_assert_list_ids(s, key, path, all, 4);
    free(bea_key);
}

static void test_comment_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    json_int_t c[5];
    for (int i = 0; i < 5; i++) {
        char text[32];
        snprintf(text, sizeof text, "page comment %d", i);
        c[i] = comment_on(s, "Unit", unit, text);
    }
    char path[256];
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld",
             (long long)unit);
    fix_assert_list_ids(s, key, path, c, 5);
    json_int_t desc[] = {c[4], c[3], c[2], c[1], c[0]};
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&sort_by=id%%20desc",
             (long long)unit);
    fix_assert_list_ids(s, key, path, desc, 5);
    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&sort_by=text", (long long)unit);
    fix_expect_422(s, "GET", key, NULL, "sort_by", "%s", path);

    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&per_page=2", (long long)unit);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c[0]);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "5");
    const char *link = fix_assert_link(r, true, false);
    assert_non_null(strstr(link, "commentable_id="));
    assert_non_null(strstr(link, "page=2"));
    assert_true(strncmp(link, "<http", 5) == 0);
    mt_resp_free(r);

    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&per_page=2&page=2",
             (long long)unit);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c[2]);
    link = fix_assert_link(r, true, true);
    mt_resp_free(r);

    snprintf(path, sizeof path, COMMENTS_PATH "?commentable_id=%lld&per_page=2&page=3",
             (long long)unit);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c[4]);
    MT_ASSERT_HEADER(r, "X-Page", "3");
    link = fix_assert_link(r, false, true);
    mt_resp_free(r);

    fix_expect_422(s, "GET", key, NULL, "page", COMMENTS_PATH "?page=abc");
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void test_comment_permissions(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    json_int_t id = comment_on(s, "Unit", unit, "read me");
    char *ro = mt_account_key(s, MT_ACCOUNT, "read");

    mt_resp *r = mt_getf(s, ro, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "read me");
    mt_resp_free(r);
    r = mt_getf(s, ro, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld", (long long)unit);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    mt_resp_free(r);

    char body[256];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_id\":%lld,\"text\":\"ro\"}",
             (long long)unit);
    fix_expect_error(s, "POST", ro, body, 403, COMMENTS_PATH);
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_ids\":[%lld],\"text\":\"ro\"}",
             (long long)unit);
    fix_expect_error(s, "POST", ro, body, 403, BULK_PATH);
    fix_expect_error(s, "PUT", ro, "{\"text\":\"changed\"}", 403, COMMENTS_PATH "/%lld",
                     (long long)id);
    fix_expect_error(s, "PATCH", ro, "{\"text\":\"changed\"}", 403, COMMENTS_PATH "/%lld",
                     (long long)id);
    fix_expect_error(s, "DELETE", ro, NULL, 403, COMMENTS_PATH "/%lld", (long long)id);

    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "read me");
    mt_resp_free(r);
    assert_int_equal(count_on(s, key, "Unit", unit), 1);

    fix_expect_error(s, "GET", NULL, NULL, 401, COMMENTS_PATH);
    fix_expect_error(s, "POST", NULL, body, 401, COMMENTS_PATH);
    free(ro);
}

static void test_comment_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit = create_unit(s);
    json_int_t company = create_company(s);
    json_int_t acme_user = fix_session_user_id(s, key);
    json_int_t id = comment_on(s, "Unit", unit, "acme only");
    char *other = fix_new_other_key(s);

    /* acme's comment by id */
    fix_expect_error(s, "GET", other, NULL, 404, COMMENTS_PATH "/%lld", (long long)id);
    fix_expect_error(s, "PUT", other, "{\"text\":\"hijacked\"}", 404, COMMENTS_PATH "/%lld",
                     (long long)id);
    fix_expect_error(s, "DELETE", other, NULL, 404, COMMENTS_PATH "/%lld", (long long)id);

    /* lists */
    mt_resp *r = mt_get(s, COMMENTS_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_getf(s, other, COMMENTS_PATH "?commentable_type=Unit&commentable_id=%lld",
                (long long)unit);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    r = mt_getf(s, other, COMMENTS_PATH "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* acme's entities cannot be commented on from the other account */
    const struct {
        const char *type;
        json_int_t id;
    } targets[] = {{"Unit", unit}, {"Company", company}, {"User", acme_user}};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        r = mt_request_json(s, "POST", COMMENTS_PATH, other,
                            json_pack("{s:I, s:s, s:s}", "commentable_id", targets[i].id,
                                      "commentable_type", targets[i].type, "text", "intruder"),
                            NULL);
        fix_assert_422(r, "commentable_id");
        mt_resp_free(r);
    }
    char body[256];
    snprintf(body, sizeof body,
             "{\"commentable_type\":\"Unit\",\"commentable_ids\":[%lld],\"text\":\"intruder\"}",
             (long long)unit);
    fix_expect_422(s, "POST", other, body, "commentable_id", BULK_PATH);

    /* the other account comments on its own unit; acme does not see it */
    json_int_t own_unit = create_unit_as(s, other);
    r = mt_request_json(s, "POST", COMMENTS_PATH, other,
                        json_pack("{s:I, s:s, s:s}", "commentable_id", own_unit, "commentable_type",
                                  "Unit", "text", "other's own"),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_comment_shape(r->json, false);
    json_int_t theirs = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_error(s, "GET", key, NULL, 404, COMMENTS_PATH "/%lld", (long long)theirs);
    r = mt_getf(s, key, COMMENTS_PATH "?ids=%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);
    /* nor can acme comment on the other account's unit */
    r = mt_request_json(s, "POST", COMMENTS_PATH, key,
                        json_pack("{s:I, s:s, s:s}", "commentable_id", own_unit, "commentable_type",
                                  "Unit", "text", "acme intruder"),
                        NULL);
    fix_assert_422(r, "commentable_id");
    mt_resp_free(r);

    /* acme is untouched */
    r = mt_getf(s, key, COMMENTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "text", "acme only");
    mt_resp_free(r);
    assert_int_equal(count_on(s, key, "Unit", unit), 1);
    assert_int_equal(count_on(s, key, "Company", company), 0);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comment_create_and_get),
        cmocka_unit_test(test_comment_on_each_type),
        cmocka_unit_test(test_comment_validation),
        cmocka_unit_test(test_comment_sanitising),
        cmocka_unit_test(test_comment_sanitising_plain_angle_brackets),
        cmocka_unit_test(test_comment_sanitising_unclosed_tag),
        cmocka_unit_test(test_comment_sanitising_quoted_attribute),
        cmocka_unit_test(test_comment_impersonation),
        cmocka_unit_test(test_comment_attachments),
        cmocka_unit_test(test_comment_created_at),
        cmocka_unit_test(test_comment_update),
        cmocka_unit_test(test_comment_update_commentable_checked),
        cmocka_unit_test(test_comment_delete),
        cmocka_unit_test(test_comment_bulk),
        cmocka_unit_test(test_comment_bulk_attachment_stored_once),
        cmocka_unit_test(test_comment_filters),
        cmocka_unit_test(test_comment_sort_and_pagination),
        cmocka_unit_test(test_comment_permissions),
        cmocka_unit_test(test_comment_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
