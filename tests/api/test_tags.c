/*
 * API tests of tags (sections/tags/tags.md) and taggings (sections/tags/taggings.md), with User as
 * the tagged entity (its `tags` field and the `tags=` list filter, sections/users.md).
 *
 * One server for the whole file (group fixture); every test uses tag names and users of its own.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAGS_PATH  "/api/v1/tags"
#define USERS_PATH "/api/v1/users"

/* The keys of the "Attributes" example of sections/tags/tags.md. */
#define TAG_KEYS "id,name,color,context,created_at,updated_at"

/* ---- helpers ---------------------------------------------------------------------------- */

static void assert_tag_shape(const json_t *t)
{
    mt_assert_keys(t, TAG_KEYS);
    MT_ASSERT_JSON_TYPE(t, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(t, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(t, "color", JSON_STRING);
    MT_ASSERT_JSON_TYPE(t, "context", JSON_STRING);
    MT_ASSERT_TIMESTAMP(t, "created_at");
    MT_ASSERT_TIMESTAMP(t, "updated_at");
}

/* Assert status 200 and a body equal to the JSON array text `expected`. */
#define assert_names(r, expected) assert_names_((r), (expected), __FILE__, __LINE__)
static void assert_names_(const mt_resp *r, const char *expected, const char *file, int line)
{
    mt_assert_status_(r, 200, file, line);
    fix_assert_json_eq_(r->json, expected, r, file, line);
}

static json_int_t g_unit_id;

static json_int_t unit_id(mt_server *s)
{
    if (!g_unit_id)
        g_unit_id = fix_first_unit_id(s);
    return g_unit_id;
}

/* POST a user; tags is a JSON array text or NULL. Asserts 200 and returns the reply. */
static mt_resp *create_user_resp(mt_server *s, const char *firstname, const char *tags)
{
    static int counter;
    char email[128];
    snprintf(email, sizeof email, "tag-user-%d@acme.test", ++counter);
    json_t *b = fix_user_body(firstname, "Tagger", email, unit_id(s),
                              tags ? json_pack("{s:o}", "tags", json_loads(tags, 0, NULL)) : NULL);
    mt_resp *r = mt_request_json(s, "POST", USERS_PATH, mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_user_basics(r->json);
    return r;
}

static json_int_t create_user(mt_server *s, const char *firstname, const char *tags)
{
    mt_resp *r = create_user_resp(s, firstname, tags);
    return fix_take_id(r);
}

/* Create a tag; color may be NULL. Returns its id. */
static json_int_t create_tag(mt_server *s, const char *name, const char *context, const char *color)
{
    json_t *b = json_pack("{s:s, s:s}", "name", name, "context", context);
    if (color)
        json_object_set_new(b, "color", json_string(color));
    mt_resp *r = mt_request_json(s, "POST", TAGS_PATH, mt_admin_key(s), b, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_tag_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", name);
    MT_ASSERT_JSON_STR(r->json, "context", context);
    return fix_take_id(r);
}

/* A taggings request on /api/v1/taggings/User/{id}; body may be NULL. */
static mt_resp *taggings(mt_server *s, const char *key, const char *method, json_int_t uid,
                         const char *body)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/taggings/User/%lld", (long long)uid);
    return mt_request(s, method, path, key, body, NULL);
}

/* GET /taggings/User/{uid} equals `expected`, and so does the user's `tags` field. */
#define assert_user_tags(s, uid, expected)                                                         \
    assert_user_tags_((s), (uid), (expected), __FILE__, __LINE__)
static void assert_user_tags_(mt_server *s, json_int_t uid, const char *expected, const char *file,
                              int line)
{
    mt_resp *r = taggings(s, mt_admin_key(s), "GET", uid, NULL);
    assert_names_(r, expected, file, line);
    mt_resp_free(r);
    r = mt_getf(s, mt_admin_key(s), USERS_PATH "/%lld", (long long)uid);
    mt_assert_status_(r, 200, file, line);
    fix_assert_json_eq_(json_object_get(r->json, "tags"), expected, r, file, line);
    mt_resp_free(r);
}

/* true if a JSON array of objects has one with this "name" (and context, if non-NULL). */
static bool has_tag(const json_t *arr, const char *name, const char *context)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *n = json_object_get(e, "name");
        json_t *c = json_object_get(e, "context");
        if (json_is_string(n) && !strcmp(json_string_value(n), name) &&
            (!context || (json_is_string(c) && !strcmp(json_string_value(c), context))))
            return true;
    }
    return false;
}

/* ---- tags ------------------------------------------------------------------------------- */

static void test_tag_create_and_get(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, TAGS_PATH, mt_admin_key(s),
                         "{\"name\":\"Important\",\"color\":\"#FF0000\",\"context\":\"Project\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_tag_shape(r->json);
    json_int_t id = mt_json_int(r->json, "id");
    assert_true(id > 0);
    MT_ASSERT_JSON_STR(r->json, "name", "Important");
    MT_ASSERT_JSON_STR(r->json, "color", "#FF0000");
    MT_ASSERT_JSON_STR(r->json, "context", "Project");
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_tag_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "Important");
    MT_ASSERT_JSON_STR(r->json, "color", "#FF0000");
    MT_ASSERT_JSON_STR(r->json, "context", "Project");
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);

    r = mt_get(s, TAGS_PATH "/987654", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);

    /* every documented context is accepted */
    const char *contexts[] = {"Company",  "Contact", "Project", "Deal",
                              "Purchase", "Invoice", "Offer",   "User"};
    for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++)
        create_tag(s, "Every Context", contexts[i], NULL);
}

static void test_tag_default_color(void **state)
{
    mt_server *s = *state;
    mt_resp *r = mt_post(s, TAGS_PATH, mt_admin_key(s), "{\"name\":\"Grey\",\"context\":\"Deal\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_tag_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "color", "#CCCCCC");
    mt_resp_free(r);
}

static void test_tag_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    fix_expect_422(s, "POST", key, "{\"context\":\"User\"}", "name", TAGS_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"\",\"context\":\"User\"}", "name", TAGS_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"No Context\"}", "context", TAGS_PATH);
    fix_expect_422(s, "POST", key, "{\"name\":\"Bad Context\",\"context\":\"Spaceship\"}",
                   "context", TAGS_PATH);
    mt_resp *r = mt_post(s, TAGS_PATH, key, "{}");
    fix_assert_422(r, "name");
    fix_assert_422(r, "context");
    mt_resp_free(r);

    const char *bad_colors[] = {"red", "#FFF", "FF0000", "#GGGGGG", "#FF00001", "#FF 000"};
    for (size_t i = 0; i < sizeof bad_colors / sizeof bad_colors[0]; i++) {
        r = mt_request_json(s, "POST", TAGS_PATH, key,
                            json_pack("{s:s, s:s, s:s}", "name", "Bad Color", "context", "User",
                                      "color", bad_colors[i]),
                            NULL);
        fix_assert_422(r, "color");
        mt_resp_free(r);
    }

    r = mt_get(s, TAGS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "No Context", NULL));
    assert_false(has_tag(r->json, "Bad Context", NULL));
    assert_false(has_tag(r->json, "Bad Color", NULL));
    mt_resp_free(r);

    /* names are unique per context */
    create_tag(s, "Unique", "User", "#ABC123");
    fix_expect_422(s, "POST", key, "{\"name\":\"Unique\",\"context\":\"User\"}", "name", TAGS_PATH);
    create_tag(s, "Unique", "Project", NULL);
}

/* "color – must be in hex format #ABC123": an empty string is no colour either (on create and
 * on update), and it must not be stored. */
static void test_tag_empty_color(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_tag(s, "Empty Color Target", "User", "#ABCDEF");
    fix_expect_422(s, "PUT", mt_admin_key(s), "{\"color\":\"\"}", "color", TAGS_PATH "/%lld",
                   (long long)id);
    mt_resp *r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "color", "#ABCDEF");
    mt_resp_free(r);

    fix_expect_422(s, "POST", mt_admin_key(s),
                   "{\"name\":\"Empty Color\",\"context\":\"User\",\"color\":\"\"}", "color",
                   TAGS_PATH);
}

static void test_tag_list_and_context_filter(void **state)
{
    mt_server *s = *state;
    json_int_t user_tag = create_tag(s, "List User", "User", "#00FF00");
    json_int_t project_tag = create_tag(s, "List Project", "Project", NULL);

    mt_resp *r = mt_get(s, TAGS_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_true(has_tag(r->json, "List User", "User"));
    assert_true(has_tag(r->json, "List Project", "Project"));
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_tag_shape(e);
    char total[32];
    snprintf(total, sizeof total, "%zu", json_array_size(r->json));
    MT_ASSERT_HEADER(r, "X-Total", total);
    mt_resp_free(r);

    r = mt_get(s, TAGS_PATH "?context=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_array_foreach(r->json, i, e)
    {
        assert_tag_shape(e);
        MT_ASSERT_JSON_STR(e, "context", "User");
        assert_true(mt_json_int(e, "id") != project_tag);
    }
    assert_true(has_tag(r->json, "List User", "User"));
    assert_false(has_tag(r->json, "List Project", NULL));
    mt_resp_free(r);

    r = mt_get(s, TAGS_PATH "?context=Project", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_array_foreach(r->json, i, e)
    {
        MT_ASSERT_JSON_STR(e, "context", "Project");
        assert_true(mt_json_int(e, "id") != user_tag);
    }
    assert_true(has_tag(r->json, "List Project", "Project"));
    mt_resp_free(r);

    /* global filter ids */
    char path[128];
    snprintf(path, sizeof path, TAGS_PATH "?ids=%lld,%lld", (long long)user_tag,
             (long long)project_tag);
    json_int_t both[] = {user_tag, project_tag};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), path, both, 2);
}

static void test_tag_update(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_tag(s, "Before", "User", "#111111");

    /* only name and color change; context is ignored */
    mt_resp *r = mt_requestf(s, "PUT", mt_admin_key(s),
                             "{\"name\":\"After\",\"color\":\"#ABC123\",\"context\":\"Project\"}",
                             TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_tag_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_STR(r->json, "name", "After");
    MT_ASSERT_JSON_STR(r->json, "color", "#ABC123");
    MT_ASSERT_JSON_STR(r->json, "context", "User");
    mt_resp_free(r);

    /* only the color (the docs' example) */
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"color\":\"#FF0000\"}", TAGS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "After");
    MT_ASSERT_JSON_STR(r->json, "color", "#FF0000");
    mt_resp_free(r);

    r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "After");
    MT_ASSERT_JSON_STR(r->json, "color", "#FF0000");
    MT_ASSERT_JSON_STR(r->json, "context", "User");
    mt_resp_free(r);

    /* keeping its own name is no conflict */
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"name\":\"After\"}", TAGS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "After");
    mt_resp_free(r);

    /* a bad color, an empty name, a name taken in the same context: 422, nothing changes */
    fix_expect_422(s, "PUT", mt_admin_key(s), "{\"color\":\"blue\"}", "color", TAGS_PATH "/%lld",
                   (long long)id);
    fix_expect_422(s, "PUT", mt_admin_key(s), "{\"name\":\"\"}", "name", TAGS_PATH "/%lld",
                   (long long)id);
    create_tag(s, "Occupied", "User", NULL);
    fix_expect_422(s, "PUT", mt_admin_key(s), "{\"name\":\"Occupied\"}", "name", TAGS_PATH "/%lld",
                   (long long)id);
    r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "After");
    MT_ASSERT_JSON_STR(r->json, "color", "#FF0000");
    mt_resp_free(r);

    /* the same name in another context is no conflict */
    json_int_t other = create_tag(s, "Renamed Across", "Project", NULL);
    (void)other;
    r = mt_requestf(s, "PATCH", mt_admin_key(s), "{\"name\":\"Renamed Across\"}", TAGS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Renamed Across");
    MT_ASSERT_JSON_STR(r->json, "context", "User");
    mt_resp_free(r);

    /* a renamed tag shows with its new name on the tagged user */
    json_int_t uid = create_user(s, "Renamee", "[\"Renamed Across\"]");
    fix_expect_status(s, "PUT", mt_admin_key(s), "{\"name\":\"renamed final\"}", 200,
                      TAGS_PATH "/%lld", (long long)id);
    assert_user_tags(s, uid, "[\"renamed final\"]");

    fix_expect_status(s, "PUT", mt_admin_key(s), "{\"name\":\"x\"}", 404, TAGS_PATH "/987654");
}

static void test_tag_delete(void **state)
{
    mt_server *s = *state;
    json_int_t uid = create_user(s, "Untagged", "[\"del gone\",\"del kept\"]");
    mt_resp *r = mt_get(s, TAGS_PATH "?context=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = 0;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        if (!strcmp(mt_json_str(e, "name"), "del gone"))
            id = mt_json_int(e, "id");
    }
    assert_true(id > 0);
    mt_resp_free(r);

    r = mt_deletef(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);

    fix_expect_status(s, "GET", mt_admin_key(s), NULL, 404, TAGS_PATH "/%lld", (long long)id);
    r = mt_get(s, TAGS_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "del gone", NULL));
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"del kept\"]");

    fix_expect_status(s, "DELETE", mt_admin_key(s), NULL, 404, TAGS_PATH "/%lld", (long long)id);
}

static void test_tag_delete_with_merge(void **state)
{
    mt_server *s = *state;
    json_int_t from = create_tag(s, "merge from", "User", NULL);
    json_int_t into = create_tag(s, "merge into", "User", "#123456");
    json_int_t u1 = create_user(s, "MergeOne", "[\"merge from\"]");
    json_int_t u2 = create_user(s, "MergeTwo", "[\"merge from\",\"merge into\"]");
    json_int_t u3 = create_user(s, "MergeThree", "[\"merge bystander\"]");

    fix_expect_status(s, "DELETE", mt_admin_key(s), NULL, 204, TAGS_PATH "/%lld?merge_tag_id=%lld",
                      (long long)from, (long long)into);

    assert_user_tags(s, u1, "[\"merge into\"]");
    assert_user_tags(s, u2, "[\"merge into\"]");
    assert_user_tags(s, u3, "[\"merge bystander\"]");

    fix_expect_status(s, "GET", mt_admin_key(s), NULL, 404, TAGS_PATH "/%lld", (long long)from);
    mt_resp *r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)into);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "merge into");
    MT_ASSERT_JSON_STR(r->json, "color", "#123456");
    mt_resp_free(r);

    /* an unknown merge target: refused, the tag and its taggings stay */
    json_int_t keep = create_tag(s, "merge keep", "User", NULL);
    json_int_t u4 = create_user(s, "MergeFour", "[\"merge keep\"]");
    r = mt_deletef(s, mt_admin_key(s), TAGS_PATH "/%lld?merge_tag_id=987654", (long long)keep);
    assert_true(r->status == 404 || r->status == 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "GET", mt_admin_key(s), NULL, 200, TAGS_PATH "/%lld", (long long)keep);
    assert_user_tags(s, u4, "[\"merge keep\"]");

    /* the users list filter finds both under the surviving tag */
    json_int_t both[] = {u1, u2};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=merge%20into", both, 2);
}

/* ---- taggings --------------------------------------------------------------------------- */

static void test_taggings_cycle(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t uid = create_user(s, "Cycle", NULL);

    mt_resp *r = taggings(s, key, "GET", uid, NULL);
    assert_names(r, "[]");
    mt_resp_free(r);

    /* PATCH adds, creating unknown tags; the answer is the sorted list */
    r = taggings(s, key, "PATCH", uid, "{\"tags\":[\"on hold\",\"cool\"]}");
    assert_names(r, "[\"cool\",\"on hold\"]");
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"cool\",\"on hold\"]");

    /* existing tags are kept, duplicates silently ignored */
    r = taggings(s, key, "PATCH", uid, "{\"tags\":[\"climate\",\"cool\",\"climate\"]}");
    assert_names(r, "[\"climate\",\"cool\",\"on hold\"]");
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"climate\",\"cool\",\"on hold\"]");

    /* the created tags exist once, in context User, with the default color */
    r = mt_get(s, TAGS_PATH "?context=User", key);
    MT_ASSERT_STATUS(r, 200);
    size_t i, climate = 0;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        if (!strcmp(mt_json_str(e, "name"), "climate")) {
            climate++;
            MT_ASSERT_JSON_STR(e, "color", "#CCCCCC");
            assert_tag_shape(e);
        }
    }
    assert_int_equal(climate, 1);
    assert_true(has_tag(r->json, "cool", "User"));
    assert_true(has_tag(r->json, "on hold", "User"));
    mt_resp_free(r);

    /* PUT replaces */
    r = taggings(s, key, "PUT", uid, "{\"tags\":[\"zeta\",\"cool\"]}");
    assert_names(r, "[\"cool\",\"zeta\"]");
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"cool\",\"zeta\"]");

    /* DELETE removes the given ones, ignoring tags not on the user and unknown tags */
    r = taggings(s, key, "DELETE", uid, "{\"tags\":[\"zeta\",\"climate\",\"never heard of\"]}");
    assert_names(r, "[\"cool\"]");
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"cool\"]");
    r = mt_get(s, TAGS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "never heard of", NULL));
    mt_resp_free(r);

    /* PUT [] clears */
    r = taggings(s, key, "PUT", uid, "{\"tags\":[]}");
    assert_names(r, "[]");
    mt_resp_free(r);
    assert_user_tags(s, uid, "[]");

    /* the taggings of other users are untouched */
    json_int_t other = create_user(s, "Bystander", "[\"cool\"]");
    r = taggings(s, key, "PUT", uid, "{\"tags\":[\"solo\"]}");
    assert_names(r, "[\"solo\"]");
    mt_resp_free(r);
    assert_user_tags(s, other, "[\"cool\"]");

    /* the .json suffix answers too */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/taggings/User/%lld.json", (long long)uid);
    r = mt_get(s, path, key);
    assert_names(r, "[\"solo\"]");
    mt_resp_free(r);
}

static void test_taggings_use_existing_tag(void **state)
{
    mt_server *s = *state;
    json_int_t tag = create_tag(s, "preexisting", "User", "#0000FF");
    create_tag(s, "same name other context", "Project", "#00FF00");
    json_int_t uid = create_user(s, "Reuse", NULL);

    mt_resp *r = taggings(s, mt_admin_key(s), "PATCH", uid,
                          "{\"tags\":[\"preexisting\",\"same name other context\"]}");
    assert_names(r, "[\"preexisting\",\"same name other context\"]");
    mt_resp_free(r);

    /* no duplicate tag was made; the existing User tag keeps its color; a User tag of the
     * Project tag's name was created */
    r = mt_get(s, TAGS_PATH "?context=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t i, seen = 0;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        if (!strcmp(mt_json_str(e, "name"), "preexisting")) {
            seen++;
            MT_ASSERT_JSON_INT(e, "id", tag);
            MT_ASSERT_JSON_STR(e, "color", "#0000FF");
        }
    }
    assert_int_equal(seen, 1);
    assert_true(has_tag(r->json, "same name other context", "User"));
    mt_resp_free(r);
}

static void test_taggings_errors(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t uid = create_user(s, "Errors", "[\"err tag\"]");

    char path[96];
    snprintf(path, sizeof path, "/api/v1/taggings/Spaceship/%lld", (long long)uid);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "PATCH", key, "{\"tags\":[\"x\"]}", 422, "%s", path);

    /* a user that does not exist */
    const char *methods[] = {"GET", "PATCH", "PUT", "DELETE"};
    for (size_t i = 0; i < 4; i++) {
        r = taggings(s, key, methods[i], 987654,
                     strcmp(methods[i], "GET") ? "{\"tags\":[\"ghost\"]}" : NULL);
        MT_ASSERT_STATUS(r, 404);
        MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
        mt_resp_free(r);
    }
    r = mt_get(s, TAGS_PATH, key);
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "ghost", NULL));
    mt_resp_free(r);

    assert_user_tags(s, uid, "[\"err tag\"]");
}

/* ---- the tags field of users ------------------------------------------------------------ */

static void test_user_tags_field(void **state)
{
    mt_server *s = *state;
    mt_resp *r = create_user_resp(s, "Fielded", "[\"remote\",\"dev\"]");
    json_int_t uid = mt_json_int(r->json, "id");
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"dev\",\"remote\"]", r);
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"dev\",\"remote\"]");

    r = mt_get(s, TAGS_PATH "?context=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_true(has_tag(r->json, "dev", "User"));
    assert_true(has_tag(r->json, "remote", "User"));
    mt_resp_free(r);

    /* tags on update replace */
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"tags\":[\"ops\",\"dev\"]}", USERS_PATH "/%lld",
                    (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_user_basics(r->json);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"dev\",\"ops\"]", r);
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"dev\",\"ops\"]");

    /* an update without tags keeps them */
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"info\":\"no tags sent\"}", USERS_PATH "/%lld",
                    (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"dev\",\"ops\"]", r);
    mt_resp_free(r);

    /* [] clears */
    r = mt_requestf(s, "PATCH", mt_admin_key(s), "{\"tags\":[]}", USERS_PATH "/%lld",
                    (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    assert_user_tags(s, uid, "[]");

    /* duplicates collapse */
    r = mt_requestf(s, "PUT", mt_admin_key(s), "{\"tags\":[\"twice\",\"twice\"]}",
                    USERS_PATH "/%lld", (long long)uid);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"twice\"]", r);
    mt_resp_free(r);

    /* a deleted user has no taggings any more */
    fix_expect_status(s, "DELETE", mt_admin_key(s), NULL, 204, USERS_PATH "/%lld", (long long)uid);
    r = taggings(s, mt_admin_key(s), "GET", uid, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=twice", NULL, 0);

    /* the list shows tags as well */
    json_int_t u2 = create_user(s, "Listed", "[\"listed tag\"]");
    r = mt_getf(s, mt_admin_key(s), USERS_PATH "?ids=%lld", (long long)u2);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    fix_assert_user_basics(json_array_get(r->json, 0));
    fix_assert_json_eq(mt_json_get(r->json, "[0].tags"), "[\"listed tag\"]", r);
    mt_resp_free(r);
}

static void test_users_tags_filter(void **state)
{
    mt_server *s = *state;
    json_int_t a = create_user(s, "FilterA", "[\"designer\"]");
    json_int_t b = create_user(s, "FilterB", "[\"designer\",\"developer\"]");
    json_int_t c = create_user(s, "FilterC", "[\"developer\"]");
    create_user(s, "FilterD", "[\"manager\"]");
    create_user(s, "FilterE", NULL);

    json_int_t designers[] = {a, b};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=designer", designers, 2);
    json_int_t developers[] = {b, c};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=developer", developers, 2);
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=nobody%20has%20this", NULL,
                                  0);
    /* no partial matches */
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=design", NULL, 0);

    /* a comma separated list ("Designer, Developer"): a user with both is found, a user with
     * neither is not */
    mt_resp *r = mt_get(s, USERS_PATH "?tags=designer,%20developer", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    bool found_b = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        const char *first = mt_json_str(e, "firstname");
        assert_string_not_equal(first, "FilterD");
        assert_string_not_equal(first, "FilterE");
        if (mt_json_int(e, "id") == b)
            found_b = true;
    }
    assert_true(found_b);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------ */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t uid = create_user(s, "Readonly Target", "[\"ro tag\"]");
    char *ro = mt_account_key(s, MT_ACCOUNT, "read");

    fix_expect_status(s, "GET", ro, NULL, 200, TAGS_PATH);
    fix_expect_status(s, "POST", ro, "{\"name\":\"ro new\",\"context\":\"User\"}", 403, TAGS_PATH);

    mt_resp *r = taggings(s, ro, "GET", uid, NULL);
    assert_names(r, "[\"ro tag\"]");
    mt_resp_free(r);
    r = taggings(s, ro, "PATCH", uid, "{\"tags\":[\"ro added\"]}");
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = taggings(s, ro, "PUT", uid, "{\"tags\":[]}");
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    assert_user_tags(s, uid, "[\"ro tag\"]");

    fix_expect_status(s, "GET", NULL, NULL, 401, TAGS_PATH);
    free(ro);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    json_int_t tag = create_tag(s, "acme secret tag", "User", "#AA0000");
    json_int_t uid = create_user(s, "AcmeTagged", "[\"acme secret tag\"]");
    char *other = mt_init_account(s, "other", "admin@other.test", "secret-pass-3");

    fix_expect_status(s, "GET", other, NULL, 404, TAGS_PATH "/%lld", (long long)tag);
    fix_expect_status(s, "PUT", other, "{\"name\":\"hijacked\"}", 404, TAGS_PATH "/%lld",
                      (long long)tag);
    fix_expect_status(s, "DELETE", other, NULL, 404, TAGS_PATH "/%lld", (long long)tag);

    mt_resp *r = mt_get(s, TAGS_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_false(has_tag(r->json, "acme secret tag", NULL));
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);

    /* acme's user cannot be tagged, read or untagged from the other account */
    r = taggings(s, other, "GET", uid, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = taggings(s, other, "PATCH", uid, "{\"tags\":[\"intruder\"]}");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = taggings(s, other, "PUT", uid, "{\"tags\":[]}");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = taggings(s, other, "DELETE", uid, "{\"tags\":[\"acme secret tag\"]}");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* merging into another account's tag is not possible either */
    r = mt_post(s, TAGS_PATH, other, "{\"name\":\"acme secret tag\",\"context\":\"User\"}");
    MT_ASSERT_STATUS(r, 200);
    json_int_t other_tag = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "color", "#CCCCCC");
    mt_resp_free(r);
    r = mt_deletef(s, other, TAGS_PATH "/%lld?merge_tag_id=%lld", (long long)other_tag,
                   (long long)tag);
    assert_true(r->status == 404 || r->status == 422);
    mt_resp_free(r);

    /* tagging the other account's own user with acme's tag name makes a tag of its own */
    r = mt_get(s, "/api/v1/units", other);
    MT_ASSERT_STATUS(r, 200);
    json_int_t other_unit = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", USERS_PATH, other,
                        json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Ot", "lastname", "Her",
                                  "email", "ot.her@other.test", "unit_id", other_unit),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t other_uid = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = taggings(s, other, "PATCH", other_uid, "{\"tags\":[\"acme secret tag\",\"other own\"]}");
    assert_names(r, "[\"acme secret tag\",\"other own\"]");
    mt_resp_free(r);
    r = mt_get(s, TAGS_PATH, other);
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_true(mt_json_int(e, "id") != tag);
    assert_true(has_tag(r->json, "other own", "User"));
    mt_resp_free(r);
    r = mt_get(s, TAGS_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "other own", NULL));
    mt_resp_free(r);
    /* acme's users filter does not see the other account's user, nor the other way round */
    json_int_t acme_only[] = {uid};
    fix_assert_list_ids_any_order(s, mt_admin_key(s), USERS_PATH "?tags=acme%20secret%20tag",
                                  acme_only, 1);
    r = mt_get(s, USERS_PATH "?tags=acme%20secret%20tag", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", other_uid);
    mt_resp_free(r);

    /* acme is untouched */
    assert_user_tags(s, uid, "[\"acme secret tag\"]");
    r = mt_getf(s, mt_admin_key(s), TAGS_PATH "/%lld", (long long)tag);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "acme secret tag");
    MT_ASSERT_JSON_STR(r->json, "color", "#AA0000");
    mt_resp_free(r);
    r = mt_get(s, TAGS_PATH "?context=User", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_false(has_tag(r->json, "intruder", NULL));
    mt_resp_free(r);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag_create_and_get),
        cmocka_unit_test(test_tag_default_color),
        cmocka_unit_test(test_tag_validation),
        cmocka_unit_test(test_tag_empty_color),
        cmocka_unit_test(test_tag_list_and_context_filter),
        cmocka_unit_test(test_tag_update),
        cmocka_unit_test(test_tag_delete),
        cmocka_unit_test(test_tag_delete_with_merge),
        cmocka_unit_test(test_taggings_cycle),
        cmocka_unit_test(test_taggings_use_existing_tag),
        cmocka_unit_test(test_taggings_errors),
        cmocka_unit_test(test_user_tags_field),
        cmocka_unit_test(test_users_tags_filter),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, mt_teardown);
}
