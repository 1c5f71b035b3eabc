/*
 * API tests of absences (sections/schedules.md): create, get, list with its filters, update,
 * delete (200 with the deleted absence, as MOCO answers), absence codes, half days and their
 * overlaps, the user (the acting one, or another for staff; impersonation), permissions, tenants
 * and web hooks of target Schedule.
 *
 * One server for the whole file (group fixture). Every test makes its own users, so that the
 * absences of one test never overlap those of another.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEDULES "/api/v1/schedules"
#define HOOKS     "/api/v1/account/web_hooks"

#define SCHEDULE_KEYS   "id,date,comment,am,pm,symbol,assignment,user,created_at,updated_at"
#define ASSIGNMENT_KEYS "id,name,code,customer_name,color,type"

#define NO_ID ((json_int_t)987654321)

/* ---- set-up ------------------------------------------------------------------------------- */

static int setup(void **state)
{
    /* hooks point at a closed local port and are not retried during the test: their events
     * stay in the outbox, where the tests read them */
    *state = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    return 0;
}

/* A new user of acme with the role (NULL: the default one); *key (if not NULL) gets their API
 * key, kept until the end of the file. */
static json_int_t new_user(mt_server *s, const char *role, const char **key)
{
    char *mine = NULL;
    json_int_t id = fix_user_with_role(s, "Nina", role, key ? &mine : NULL);
    if (key)
        *key = fix_keep(mine);
    return id;
}

/* POST /schedules with key and body (consumed); asserts 200, the documented shape, and that GET
 * answers the same; returns the reply. */
static void assert_shape(const json_t *a);
static mt_resp *create_as(mt_server *s, const char *key, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", SCHEDULES, key, body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    mt_resp *g = mt_getf(s, key, SCHEDULES "/%lld", (long long)mt_json_int(r->json, "id"));
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    return r;
}

/* An absence of user on date (a whole day, the code given), made with the admin key. */
static json_int_t absence(mt_server *s, json_int_t user, const char *date, int code)
{
    mt_resp *r = create_as(s, mt_admin_key(s),
                           json_pack("{s:s, s:i, s:I}", "date", date, "absence_code", code,
                                     "user_id", (json_int_t)user));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

/* Keys and JSON types of the Attributes example of sections/schedules.md. */
static void assert_shape(const json_t *a)
{
    mt_assert_keys(a, SCHEDULE_KEYS);
    MT_ASSERT_JSON_TYPE(a, "id", JSON_INTEGER);
    MT_ASSERT_DATE(a, "date");
    MT_ASSERT_JSON_TYPE(a, "comment", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "am", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(a, "pm", MT_JSON_BOOL);
    fix_assert_type_or_null(a, "symbol", JSON_INTEGER);
    mt_assert_keys(mt_json_get(a, "assignment"), ASSIGNMENT_KEYS);
    MT_ASSERT_JSON_TYPE(a, "assignment.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(a, "assignment.name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "assignment.code", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "assignment.customer_name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "assignment.color", JSON_STRING);
    MT_ASSERT_JSON_STR(a, "assignment.type", "Absence");
    fix_assert_person(a, "user");
    MT_ASSERT_TIMESTAMP(a, "created_at");
    MT_ASSERT_TIMESTAMP(a, "updated_at");
}

/* ---- create and get ----------------------------------------------------------------------- */

static void test_schedule_create_and_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t admin = fix_session_user_id(s, key);

    /* the docs' example: for the acting user, a whole day, the code as a string */
    mt_resp *r =
        create_as(s, key, json_pack("{s:s, s:s}", "date", "2031-10-01", "absence_code", "4"));
    MT_ASSERT_JSON_STR(r->json, "date", "2031-10-01");
    MT_ASSERT_JSON_STR(r->json, "comment", "");
    MT_ASSERT_JSON_TYPE(r->json, "am", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "pm", JSON_TRUE);
    MT_ASSERT_JSON_NULL(r->json, "symbol");
    MT_ASSERT_JSON_INT(r->json, "user.id", admin);
    MT_ASSERT_JSON_INT(r->json, "assignment.id", 4);
    MT_ASSERT_JSON_STR(r->json, "assignment.code", "4");
    MT_ASSERT_JSON_STR(r->json, "assignment.name", "Holiday");
    MT_ASSERT_JSON_STR(r->json, "assignment.customer_name", MT_ACCOUNT);
    json_int_t first = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(s, key, SCHEDULES "/%lld.json", (long long)first);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", first);
    mt_resp_free(r);

    /* every documented field, the code as a number, for another user */
    json_int_t user = new_user(s, NULL, NULL);
    r = create_as(s, key,
                  json_pack("{s:s, s:i, s:I, s:b, s:b, s:s, s:i}", "date", "2031-10-02",
                            "absence_code", 3, "user_id", user, "am", 1, "pm", 0, "comment",
                            "Half day off", "symbol", 12));
    MT_ASSERT_JSON_STR(r->json, "comment", "Half day off");
    MT_ASSERT_JSON_TYPE(r->json, "am", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "pm", JSON_FALSE);
    MT_ASSERT_JSON_INT(r->json, "symbol", 12);
    MT_ASSERT_JSON_INT(r->json, "user.id", user);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Nina");
    MT_ASSERT_JSON_STR(r->json, "user.lastname", "Roled");
    MT_ASSERT_JSON_STR(r->json, "assignment.code", "3");
    MT_ASSERT_JSON_STR(r->json, "assignment.name", "Sick day");
    mt_resp_free(r);

    /* each documented code has its assignment */
    static const char *const names[] = {
        NULL, "Unplannable absence", "Public holiday", "Sick day", "Holiday", "Absence"};
    for (int code = 1; code <= 5; code++) {
        char date[16];
        snprintf(date, sizeof date, "2031-11-%02d", code);
        json_int_t id = absence(s, user, date, code);
        r = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
        MT_ASSERT_STATUS(r, 200);
        MT_ASSERT_JSON_INT(r->json, "assignment.id", code);
        MT_ASSERT_JSON_STR(r->json, "assignment.code", fix_fmt("%d", code));
        MT_ASSERT_JSON_STR(r->json, "assignment.name", names[code]);
        assert_true(mt_json_str(r->json, "assignment.color")[0] == '#');
        mt_resp_free(r);
    }

    r = mt_getf(s, key, SCHEDULES "/%lld", (long long)NO_ID);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

/* ---- validation --------------------------------------------------------------------------- */

static void test_schedule_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    const char *mine = fix_fmt(SCHEDULES "?user_id=%lld", (long long)user);

    struct {
        const char *body, *field;
    } bad[] = {
        {"{\"absence_code\":4}", "date"},
        {"{\"date\":\"\",\"absence_code\":4}", "date"},
        {"{\"date\":\"2031-02-30\",\"absence_code\":4}", "date"},
        {"{\"date\":\"2031-13-01\",\"absence_code\":4}", "date"},
        {"{\"date\":\"tomorrow\",\"absence_code\":4}", "date"},
        {"{\"date\":20310101,\"absence_code\":4}", "date"},
        {"{\"date\":\"2031-03-01\"}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":null}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":0}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":6}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":\"9\"}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":\"holiday\"}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":2.5}", "absence_code"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"symbol\":13}", "symbol"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"symbol\":0}", "symbol"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"am\":\"maybe\"}", "am"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"pm\":{}}", "pm"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"am\":null}", "am"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"pm\":null}", "pm"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"am\":false,\"pm\":false}", "am"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"comment\":7}", "comment"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"overwrite\":\"perhaps\"}", "overwrite"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"user_id\":987654321}", "user_id"},
        {"{\"date\":\"2031-03-01\",\"absence_code\":4,\"user_id\":\"abc\"}", "user_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error_t err;
        json_t *b = json_loads(bad[i].body, 0, &err);
        assert_non_null(b);
        if (!json_object_get(b, "user_id"))
            json_object_set_new(b, "user_id", json_integer(user));
        mt_resp *r = mt_request_json(s, "POST", SCHEDULES, key, b, NULL);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    /* all problems at once */
    mt_resp *r = mt_request_json(s, "POST", SCHEDULES, key,
                                 json_pack("{s:s, s:i, s:i, s:I}", "date", "2031-02-30",
                                           "absence_code", 7, "symbol", 99, "user_id", user),
                                 NULL);
    fix_assert_422_fields(r, "date,absence_code,symbol");
    mt_resp_free(r);
    /* a deactivated user has no absences planned any more */
    json_int_t gone = new_user(s, NULL, NULL);
    fix_expect_status(s, "PUT", key, "{\"active\":false}", 200, "/api/v1/users/%lld",
                      (long long)gone);
    r = mt_request_json(
        s, "POST", SCHEDULES, key,
        json_pack("{s:s, s:i, s:I}", "date", "2031-03-01", "absence_code", 4, "user_id", gone),
        NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = mt_post(s, SCHEDULES, key, "[]");
    assert_true(r->status == 400 || r->status == 422);
    mt_resp_free(r);
    fix_assert_list_empty(s, key, mine);
    fix_assert_list_empty(s, key, fix_fmt(SCHEDULES "?user_id=%lld", (long long)gone));

    /* an account key has no user of its own: it names one */
    const char *account = fix_keep(mt_account_key(s, MT_ACCOUNT, "full"));
    r = mt_request_json(s, "POST", SCHEDULES, account,
                        json_pack("{s:s, s:i}", "date", "2031-03-02", "absence_code", 4), NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = create_as(s, account,
                  json_pack("{s:s, s:i, s:I, s:n}", "date", "2031-03-02", "absence_code", 4,
                            "user_id", user, "comment"));
    MT_ASSERT_JSON_INT(r->json, "user.id", user);
    MT_ASSERT_JSON_STR(r->json, "comment", ""); /* no comment is an empty one */
    mt_resp_free(r);
}

/* ---- half days and overlaps --------------------------------------------------------------- */

static json_t *day(const char *date, int code, json_int_t user, bool am, bool pm)
{
    return json_pack("{s:s, s:i, s:I, s:b, s:b}", "date", date, "absence_code", code, "user_id",
                     user, "am", am, "pm", pm);
}

static void test_schedule_overlaps(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t other = new_user(s, NULL, NULL);

    /* a whole day leaves no half free */
    json_int_t whole = absence(s, user, "2031-04-01", 4);
    mt_resp *r = mt_request_json(s, "POST", SCHEDULES, key, day("2031-04-01", 3, user, 1, 0), NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", SCHEDULES, key, day("2031-04-01", 3, user, 0, 1), NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", SCHEDULES, key, day("2031-04-01", 4, user, 1, 1), NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    /* the same day of another user, the next day of the same one: fine */
    mt_resp_free(create_as(s, key, day("2031-04-01", 4, other, 1, 1)));
    mt_resp_free(create_as(s, key, day("2031-04-02", 4, user, 1, 1)));

    /* two halves of one day, each once */
    r = create_as(s, key, day("2031-04-03", 4, user, 1, 0));
    json_int_t morning = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = create_as(s, key, day("2031-04-03", 3, user, 0, 1));
    json_int_t afternoon = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_TYPE(r->json, "am", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "pm", JSON_TRUE);
    mt_resp_free(r);
    r = mt_request_json(s, "POST", SCHEDULES, key, day("2031-04-03", 5, user, 1, 0), NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", SCHEDULES, key, day("2031-04-03", 5, user, 0, 1), NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    fix_assert_list_of(
        s, key, fix_fmt(SCHEDULES "?user_id=%lld&date=2031-04-03:2031-04-03", (long long)user),
        morning, afternoon);

    /* updates are checked too: the morning cannot grow into the afternoon, nor move onto the
     * whole day; an update of itself is no overlap */
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:b}", "pm", 1), SCHEDULES "/%lld",
                          (long long)morning);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "date", "2031-04-01"),
                          SCHEDULES "/%lld", (long long)morning);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", key,
                          json_pack("{s:s, s:i}", "comment", "still", "absence_code", 5),
                          SCHEDULES "/%lld", (long long)morning);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "date", "2031-04-03");
    MT_ASSERT_JSON_STR(r->json, "assignment.code", "5");
    mt_resp_free(r);
    /* swapping halves: the afternoon becomes a morning only once the morning is gone */
    r = fix_request_jsonf(s, "PATCH", key, json_pack("{s:b, s:b}", "am", 1, "pm", 0),
                          SCHEDULES "/%lld", (long long)afternoon);
    fix_assert_422(r, "date");
    mt_resp_free(r);

    /* overwrite=true replaces what it overlaps (each of them deleted) */
    r = create_as(s, key,
                  json_pack("{s:s, s:i, s:I, s:b}", "date", "2031-04-03", "absence_code", 2,
                            "user_id", user, "overwrite", 1));
    json_int_t holiday = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "assignment.code", "2");
    mt_resp_free(r);
    fix_expect_error(s, "GET", key, NULL, 404, SCHEDULES "/%lld", (long long)morning);
    fix_expect_error(s, "GET", key, NULL, 404, SCHEDULES "/%lld", (long long)afternoon);
    fix_assert_list_of(
        s, key, fix_fmt(SCHEDULES "?user_id=%lld&from=2031-04-03&to=2031-04-03", (long long)user),
        holiday);
    /* overwrite=false is the default */
    r = mt_request_json(s, "POST", SCHEDULES, key,
                        json_pack("{s:s, s:i, s:I, s:b}", "date", "2031-04-01", "absence_code", 3,
                                  "user_id", user, "overwrite", 0),
                        NULL);
    fix_assert_422(r, "date");
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 200, SCHEDULES "/%lld", (long long)whole);
    /* a refused overwrite (another problem) deletes nothing */
    r = mt_request_json(s, "POST", SCHEDULES, key,
                        json_pack("{s:s, s:i, s:I, s:b}", "date", "2031-04-01", "absence_code", 9,
                                  "user_id", user, "overwrite", 1),
                        NULL);
    fix_assert_422(r, "absence_code");
    mt_resp_free(r);
    fix_expect_status(s, "GET", key, NULL, 200, SCHEDULES "/%lld", (long long)whole);
}

/* ---- lists -------------------------------------------------------------------------------- */

static void test_schedule_list(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t ann = new_user(s, NULL, NULL);
    json_int_t bob = new_user(s, NULL, NULL);
    json_int_t a1 = absence(s, ann, "2031-05-10", 4);
    json_int_t a2 = absence(s, ann, "2031-05-20", 3);
    json_int_t a3 = absence(s, ann, "2031-06-01", 2);
    json_int_t b1 = absence(s, bob, "2031-05-15", 4);
    json_int_t b2 = absence(s, bob, "2031-05-31", 1);

    const char *u = fix_fmt("%lld,%lld", (long long)ann, (long long)bob);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s", u), a1, a2, a3, b1, b2);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%lld", (long long)bob), b1, b2);
    /* from and to, inclusive; or date=from:to */
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&from=2031-05-15&to=2031-05-31", u),
                       a2, b1, b2);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&from=2031-05-21", u), a3, b2);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&to=2031-05-10", u), a1);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&date=2031-05-11:2031-05-20", u), a2,
                       b1);
    /* absence codes, one or several */
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&absence_code=4", u), a1, b1);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&absence_code=1,2,3", u), a2, a3, b2);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%s&absence_code=4&from=2031-05-12", u),
                       b1);
    /* mocod has no absence requests: no absence belongs to one */
    fix_assert_list_empty(s, key, fix_fmt(SCHEDULES "?user_id=%s&absence_request_id=123", u));
    /* sorted by date */
    json_int_t by_date[] = {a1, b1, a2, b2, a3};
    fix_assert_list_ids(s, key, fix_fmt(SCHEDULES "?user_id=%s&sort_by=date", u), by_date, 5);
    json_int_t by_date_desc[] = {a3, b2, a2, b1, a1};
    fix_assert_list_ids(s, key, fix_fmt(SCHEDULES "?user_id=%s&sort_by=date%%20desc", u),
                        by_date_desc, 5);
    /* pagination */
    mt_resp *r = mt_get(s, fix_fmt(SCHEDULES "?user_id=%s&per_page=2&page=2", u), key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a3);
    MT_ASSERT_HEADER(r, "X-Total", "5");
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    fix_assert_link(r, true, true);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_shape(e);
    mt_resp_free(r);
    /* bad filters name themselves */
    static const char *const bad[][2] = {
        {"from=2031-02-30", "from"},   {"to=soon", "to"},
        {"date=2031-01-01:x", "date"}, {"absence_code=holiday", "absence_code"},
        {"user_id=abc", "user_id"},    {"sort_by=assignment", "sort_by"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        r = mt_get(s, fix_fmt(SCHEDULES "?%s", bad[k][0]), key);
        fix_assert_422(r, bad[k][1]);
        mt_resp_free(r);
    }
}

/* ---- update and delete -------------------------------------------------------------------- */

static void test_schedule_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t id = absence(s, user, "2031-07-01", 4);
    mt_resp *before = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(before, 200);

    /* the docs' example: only the comment changes */
    mt_resp *r = fix_request_jsonf(s, "PUT", key, json_pack("{s:s}", "comment", "A comment"),
                                   SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "comment", "A comment");
    const char *k;
    json_t *v;
    json_object_foreach(before->json, k, v)
    {
        if (strcmp(k, "comment") && strcmp(k, "updated_at"))
            fix_assert_json_equal(json_object_get(r->json, k), v);
    }
    mt_resp_free(r);
    mt_resp_free(before);

    /* every field */
    json_int_t other = new_user(s, NULL, NULL);
    r = fix_request_jsonf(s, "PATCH", key,
                          json_pack("{s:s, s:s, s:b, s:b, s:i, s:I}", "date", "2031-07-02",
                                    "absence_code", "1", "am", 0, "pm", 1, "symbol", 5, "user_id",
                                    other),
                          SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "date", "2031-07-02");
    MT_ASSERT_JSON_STR(r->json, "assignment.code", "1");
    MT_ASSERT_JSON_STR(r->json, "assignment.name", "Unplannable absence");
    MT_ASSERT_JSON_TYPE(r->json, "am", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "pm", JSON_TRUE);
    MT_ASSERT_JSON_INT(r->json, "symbol", 5);
    MT_ASSERT_JSON_INT(r->json, "user.id", other);
    mt_resp *g = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", key, json_pack("{s:n}", "symbol"), SCHEDULES "/%lld",
                          (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "symbol");
    mt_resp_free(r);

    /* refused changes change nothing */
    before = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
    static const char *const bad[][2] = {
        {"{\"absence_code\":6}", "absence_code"},
        {"{\"absence_code\":null}", "absence_code"},
        {"{\"date\":\"2031-02-29\"}", "date"},
        {"{\"date\":null}", "date"},
        {"{\"user_id\":null}", "user_id"},
        {"{\"am\":true,\"pm\":false,\"date\":\"x\"}", "date"},
        {"{\"pm\":false}", "am"},
        {"{\"symbol\":-1}", "symbol"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_requestf(s, "PUT", key, bad[i][0], SCHEDULES "/%lld", (long long)id);
        fix_assert_422(r, bad[i][1]);
        mt_resp_free(r);
    }
    g = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
    fix_assert_json_equal(g->json, before->json);
    mt_resp_free(g);
    mt_resp_free(before);
    r = mt_requestf(s, "PUT", key, "{\"comment\":\"x\"}", SCHEDULES "/%lld", (long long)NO_ID);
    fix_assert_json_error(r, 404);
    mt_resp_free(r);
}

static void test_schedule_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t id = absence(s, user, "2031-08-01", 3);
    json_int_t keep = absence(s, user, "2031-08-02", 3);
    mt_resp *before = mt_getf(s, key, SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(before, 200);

    /* as MOCO: 200 with the absence as it was */
    mt_resp *r = mt_deletef(s, key, SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "Content-Type", FIX_JSON_CT);
    assert_non_null(r->json);
    fix_assert_json_equal(r->json, before->json);
    mt_resp_free(r);
    mt_resp_free(before);
    fix_expect_error(s, "GET", key, NULL, 404, SCHEDULES "/%lld", (long long)id);
    fix_expect_error(s, "DELETE", key, NULL, 404, SCHEDULES "/%lld", (long long)id);
    fix_assert_list_of(s, key, fix_fmt(SCHEDULES "?user_id=%lld", (long long)user), keep);
    /* the day is free again */
    mt_resp_free(create_as(s, key, day("2031-08-01", 4, user, 1, 1)));
    fix_expect_error(s, "DELETE", key, NULL, 404, SCHEDULES "/%lld", (long long)NO_ID);
}

/* ---- permissions and impersonation -------------------------------------------------------- */

static void test_schedule_permissions(void **state)
{
    mt_server *s = *state;
    const char *admin = mt_admin_key(s);
    const char *employee_key, *staff_key, *readonly_key;
    json_int_t employee = new_user(s, "Employee", &employee_key);
    json_int_t staff = new_user(s, "Staff", &staff_key);
    new_user(s, "Read-only", &readonly_key);
    json_int_t colleague = new_user(s, NULL, NULL);
    json_int_t theirs = absence(s, colleague, "2031-09-01", 4);

    /* an employee (calendar, not people) reads all absences and keeps their own */
    fix_expect_status(s, "GET", employee_key, NULL, 200, SCHEDULES "/%lld", (long long)theirs);
    mt_resp *r = create_as(s, employee_key,
                           json_pack("{s:s, s:i}", "date", "2031-09-02", "absence_code", 5));
    MT_ASSERT_JSON_INT(r->json, "user.id", employee);
    json_int_t own = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = fix_request_jsonf(s, "PUT", employee_key, json_pack("{s:s}", "comment", "mine"),
                          SCHEDULES "/%lld", (long long)own);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* ... but not another's */
    r = mt_request_json(
        s, "POST", SCHEDULES, employee_key,
        json_pack("{s:s, s:i, s:I}", "date", "2031-09-03", "absence_code", 4, "user_id", colleague),
        NULL);
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    fix_expect_error(s, "PUT", employee_key, "{\"comment\":\"x\"}", 403, SCHEDULES "/%lld",
                     (long long)theirs);
    fix_expect_error(s, "PUT", employee_key, fix_fmt("{\"user_id\":%lld}", (long long)employee),
                     403, SCHEDULES "/%lld", (long long)theirs);
    fix_expect_error(s, "PUT", employee_key, fix_fmt("{\"user_id\":%lld}", (long long)colleague),
                     403, SCHEDULES "/%lld", (long long)own);
    fix_expect_error(s, "DELETE", employee_key, NULL, 403, SCHEDULES "/%lld", (long long)theirs);
    fix_expect_status(s, "GET", admin, NULL, 200, SCHEDULES "/%lld", (long long)theirs);
    r = mt_getf(s, admin, SCHEDULES "/%lld", (long long)theirs);
    MT_ASSERT_JSON_STR(r->json, "comment", "");
    mt_resp_free(r);

    /* staff write anyone's */
    r = create_as(s, staff_key,
                  json_pack("{s:s, s:i, s:I}", "date", "2031-09-03", "absence_code", 4, "user_id",
                            colleague));
    MT_ASSERT_JSON_INT(r->json, "user.id", colleague);
    json_int_t by_staff = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_status(s, "PUT", staff_key, "{\"comment\":\"by staff\"}", 200, SCHEDULES "/%lld",
                      (long long)theirs);
    fix_expect_status(s, "DELETE", staff_key, NULL, 200, SCHEDULES "/%lld", (long long)by_staff);
    fix_expect_status(s, "DELETE", employee_key, NULL, 200, SCHEDULES "/%lld", (long long)own);

    /* impersonation: the absence is the impersonated user's */
    const char *as_employee = fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)employee);
    const char *hdrs[] = {as_employee, NULL};
    r = mt_request(s, "POST", SCHEDULES, staff_key,
                   "{\"date\":\"2031-09-04\",\"absence_code\":\"4\"}", hdrs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user.id", employee);
    mt_resp_free(r);
    r = mt_request(
        s, "POST", SCHEDULES, employee_key, "{\"date\":\"2031-09-05\",\"absence_code\":\"4\"}",
        (const char *[]){fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)staff), NULL});
    fix_assert_json_error(r, 403);
    mt_resp_free(r);
    fix_assert_list_empty(s, admin, fix_fmt(SCHEDULES "?user_id=%lld", (long long)staff));

    /* the read-only role and keys read, and write nothing */
    const char *read_key = fix_keep(mt_account_key(s, MT_ACCOUNT, "read"));
    for (int i = 0; i < 2; i++) {
        const char *k = i ? read_key : readonly_key;
        fix_expect_status(s, "GET", k, NULL, 200, SCHEDULES "/%lld", (long long)theirs);
        fix_expect_status(s, "GET", k, NULL, 200, SCHEDULES);
        fix_expect_error(s, "POST", k,
                         fix_fmt("{\"date\":\"2031-09-06\",\"absence_code\":4,\"user_id\":%lld}",
                                 (long long)colleague),
                         403, SCHEDULES);
        fix_expect_error(s, "PUT", k, "{\"comment\":\"x\"}", 403, SCHEDULES "/%lld",
                         (long long)theirs);
        fix_expect_error(s, "DELETE", k, NULL, 403, SCHEDULES "/%lld", (long long)theirs);
    }
    fix_expect_status(s, "GET", admin, NULL, 200, SCHEDULES "/%lld", (long long)theirs);
    fix_expect_error(s, "GET", NULL, NULL, 401, SCHEDULES);
}

/* ---- tenants ------------------------------------------------------------------------------ */

static void test_schedule_tenants(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    const char *other = fix_other_key(s);
    json_int_t their_user = fix_session_user_id(s, other);
    mt_resp *r =
        create_as(s, other, json_pack("{s:s, s:i}", "date", "2031-12-01", "absence_code", 4));
    json_int_t theirs = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "assignment.customer_name", FIX_OTHER_ACCOUNT);
    mt_resp_free(r);

    fix_expect_error(s, "GET", key, NULL, 404, SCHEDULES "/%lld", (long long)theirs);
    fix_expect_error(s, "PUT", key, "{\"comment\":\"x\"}", 404, SCHEDULES "/%lld",
                     (long long)theirs);
    fix_expect_error(s, "DELETE", key, NULL, 404, SCHEDULES "/%lld", (long long)theirs);
    assert_false(fix_list_has(s, SCHEDULES "?per_page=1000", theirs));
    /* another account's user is no user here */
    r = mt_request_json(s, "POST", SCHEDULES, key,
                        json_pack("{s:s, s:i, s:I}", "date", "2031-12-01", "absence_code", 4,
                                  "user_id", their_user),
                        NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = mt_getf(s, other, SCHEDULES "/%lld", (long long)theirs);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "comment", "");
    mt_resp_free(r);
}

/* ---- web hooks ---------------------------------------------------------------------------- */

static json_int_t hook(mt_server *s, const char *event)
{
    mt_resp *r = mt_request_json(s, "POST", HOOKS, mt_admin_key(s),
                                 json_pack("{s:s, s:s, s:s}", "target", "Schedule", "event", event,
                                           "hook", "http://127.0.0.1:9/schedules"),
                                 NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

/* The payload of the last event of target Schedule for entity id (malloc'd). */
static char *payload_of(mt_server *s, const char *event, json_int_t id)
{
    return mt_sql_str(s, fix_fmt("SELECT payload FROM webhook_events WHERE target = 'Schedule' "
                                 "AND event = '%s' AND entity_id = %lld ORDER BY id DESC LIMIT 1",
                                 event, (long long)id));
}

static void test_schedule_webhooks(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = new_user(s, NULL, NULL);
    json_int_t hooks[3] = {hook(s, "create"), hook(s, "update"), hook(s, "delete")};
    json_int_t on_create = hooks[0], on_update = hooks[1], on_delete = hooks[2];

    mt_resp *made = create_as(s, key, day("2031-12-24", 4, user, 1, 1));
    json_int_t id = mt_json_int(made->json, "id");
    mt_resp *r = mt_getf(s, key, HOOKS "/%lld/deliveries", (long long)on_create);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(r->json, "[0].target", "Schedule");
    MT_ASSERT_JSON_STR(r->json, "[0].event", "create");
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);
    char *payload = payload_of(s, "create", id);
    json_t *p = json_loads(payload, 0, NULL);
    assert_non_null(p);
    fix_assert_json_equal(p, made->json);
    json_decref(p);
    free(payload);
    mt_resp_free(made);

    fix_expect_status(s, "PUT", key, "{\"comment\":\"Xmas\"}", 200, SCHEDULES "/%lld",
                      (long long)id);
    r = mt_getf(s, key, HOOKS "/%lld/deliveries", (long long)on_update);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);

    /* the delete's payload is the entity as it went, the same as the answer */
    r = mt_deletef(s, key, SCHEDULES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "comment", "Xmas");
    payload = payload_of(s, "delete", id);
    p = json_loads(payload, 0, NULL);
    assert_non_null(p);
    fix_assert_json_equal(p, r->json);
    json_decref(p);
    free(payload);
    mt_resp_free(r);
    r = mt_getf(s, key, HOOKS "/%lld/deliveries", (long long)on_delete);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_STR(r->json, "[0].event", "delete");
    MT_ASSERT_JSON_INT(r->json, "[0].entity_id", id);
    mt_resp_free(r);

    /* an overwrite deletes what it replaces: that is a delete event too */
    json_int_t old = absence(s, user, "2031-12-27", 4);
    mt_resp_free(create_as(s, key,
                           json_pack("{s:s, s:i, s:I, s:b}", "date", "2031-12-27", "absence_code",
                                     3, "user_id", user, "overwrite", 1)));
    payload = payload_of(s, "delete", old);
    p = json_loads(payload, 0, NULL);
    MT_ASSERT_JSON_INT(p, "id", old);
    MT_ASSERT_JSON_STR(p, "assignment.code", "4");
    json_decref(p);
    free(payload);
    for (int i = 0; i < 3; i++)
        fix_expect_status(s, "DELETE", key, NULL, 204, HOOKS "/%lld", (long long)hooks[i]);
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_create_and_get), cmocka_unit_test(test_schedule_validation),
        cmocka_unit_test(test_schedule_overlaps),       cmocka_unit_test(test_schedule_list),
        cmocka_unit_test(test_schedule_update),         cmocka_unit_test(test_schedule_delete),
        cmocka_unit_test(test_schedule_permissions),    cmocka_unit_test(test_schedule_tenants),
        cmocka_unit_test(test_schedule_webhooks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
