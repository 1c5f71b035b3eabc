/*
 * API tests of contacts (sections/contacts.md): list (without `info`), get, create, update,
 * delete, the filters (tags, term, phone, global ones), sort_by, pagination, tags and taggings,
 * the nested company (also after the company is renamed), references to users and companies,
 * permissions and tenant isolation.
 *
 * One server for the whole file (group fixture); every test uses names of its own.
 */
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTACTS_PATH  "/api/v1/contacts/people"
#define COMPANIES_PATH "/api/v1/companies"

/* The keys of the "Attributes" example of sections/contacts.md; lists leave out `info`. */
#define CONTACT_LIST_KEYS                                                                          \
    "id,gender,firstname,lastname,title,job_position,mobile_phone,work_fax,work_phone,"            \
    "work_email,work_address,home_email,home_address,birthday,avatar_url,tags,company,"            \
    "created_at,updated_at"
#define CONTACT_KEYS         CONTACT_LIST_KEYS ",info"
#define CONTACT_COMPANY_KEYS "id,type,name"

#define OTHER_ACCOUNT  "other"
#define OTHER_EMAIL    "admin@other.test"
#define OTHER_PASSWORD "other-pass-1"

/* ---- helpers ----------------------------------------------------------------------------- */

/* 422 with a message and errors[field] a non-empty array of strings. */
#define assert_422(r, field) assert_422_((r), (field), __FILE__, __LINE__)
static void assert_422_(const mt_resp *r, const char *field, const char *file, int line)
{
    mt_assert_status_(r, 422, file, line);
    json_t *msg = json_object_get(r->json, "message");
    json_t *errors = json_object_get(r->json, "errors");
    json_t *list = errors ? json_object_get(errors, field) : NULL;
    if (!json_is_string(msg) || !json_is_object(errors) || !json_is_array(list) ||
        json_array_size(list) == 0 || !json_is_string(json_array_get(list, 0))) {
        print_error("%s:%d: %s %s: expected a 422 body with \"message\" and errors[\"%s\"], got "
                    "%s\n",
                    file, line, r->method, r->path, field, r->body);
        _fail(file, line);
    }
}

/* The JSON value equals the JSON text `expected`. */
#define assert_json_eq(v, expected, r) assert_json_eq_((v), (expected), (r), __FILE__, __LINE__)
static void assert_json_eq_(const json_t *v, const char *expected, const mt_resp *r,
                            const char *file, int line)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    assert_non_null(want);
    if (!v || !json_equal((json_t *)v, want)) {
        char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        print_error("%s:%d: %s %s: expected %s, got %s\n", file, line, r ? r->method : "",
                    r ? r->path : "", expected, got ? got : "(nothing)");
        free(got);
        json_decref(want);
        _fail(file, line);
    }
    json_decref(want);
}

static json_t *find_by_id(const json_t *arr, json_int_t id)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return NULL;
    json_array_foreach(arr, i, v)
    {
        json_t *jid = json_object_get(v, "id");
        if (json_is_integer(jid) && json_integer_value(jid) == id)
            return v;
    }
    return NULL;
}

/* true if the list at path (admin key) contains the entity with this id. */
static bool list_has(mt_server *s, const char *path, json_int_t id)
{
    mt_resp *r = mt_get(s, path, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    bool found = find_by_id(r->json, id) != NULL;
    mt_resp_free(r);
    return found;
}

/* The ids of the list reply are exactly `want` (n ids, in this order), and X-Total says n. */
#define assert_list_ids(s, path, want, n)                                                          \
    assert_list_ids_((s), (path), (want), (n), __FILE__, __LINE__)
static void assert_list_ids_(mt_server *s, const char *path, const json_int_t *want, size_t n,
                             const char *file, int line)
{
    mt_resp *r = mt_get(s, path, mt_admin_key(s));
    mt_assert_status_(r, 200, file, line);
    bool ok = json_is_array(r->json) && json_array_size(r->json) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = json_integer_value(json_object_get(json_array_get(r->json, i), "id")) == want[i];
    if (!ok) {
        print_error("%s:%d: GET %s: expected %zu entities (ids", file, line, path, n);
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)want[i]);
        print_error("), got %s\n", r->body);
        _fail(file, line);
    }
    char total[32];
    snprintf(total, sizeof total, "%zu", n);
    mt_assert_header_(r, "X-Total", total, file, line);
    mt_resp_free(r);
}

static json_int_t key_user_id(mt_server *s, const char *key)
{
    mt_resp *r = mt_get(s, "/api/v1/session", key);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static char *g_other_key;
static const char *other_key(mt_server *s)
{
    if (!g_other_key)
        g_other_key = mt_init_account(s, OTHER_ACCOUNT, OTHER_EMAIL, OTHER_PASSWORD);
    return g_other_key;
}

static char *g_read_key;
static const char *read_key(mt_server *s)
{
    if (!g_read_key)
        g_read_key = mt_account_key(s, MT_ACCOUNT, "read");
    return g_read_key;
}

static void assert_contact_shape_(const json_t *c, bool in_list)
{
    mt_assert_keys(c, in_list ? CONTACT_LIST_KEYS : CONTACT_KEYS);
    MT_ASSERT_JSON_TYPE(c, "id", JSON_INTEGER);
    const char *strs[] = {"gender",       "firstname",    "lastname",   "title",
                          "job_position", "mobile_phone", "work_fax",   "work_phone",
                          "work_email",   "work_address", "home_email", "home_address"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        MT_ASSERT_JSON_TYPE(c, strs[i], JSON_STRING);
    if (!in_list)
        MT_ASSERT_JSON_TYPE(c, "info", JSON_STRING);
    if (!json_is_null(json_object_get(c, "birthday")))
        MT_ASSERT_DATE(c, "birthday");
    if (!json_is_null(json_object_get(c, "avatar_url")))
        MT_ASSERT_JSON_TYPE(c, "avatar_url", JSON_STRING);
    MT_ASSERT_JSON_TYPE(c, "tags", JSON_ARRAY);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "tags"), i, e) assert_true(json_is_string(e));
    json_t *company = json_object_get(c, "company");
    if (!json_is_null(company)) {
        mt_assert_keys(company, CONTACT_COMPANY_KEYS);
        MT_ASSERT_JSON_TYPE(company, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(company, "type", JSON_STRING);
        MT_ASSERT_JSON_TYPE(company, "name", JSON_STRING);
    }
    MT_ASSERT_TIMESTAMP(c, "created_at");
    MT_ASSERT_TIMESTAMP(c, "updated_at");
}
#define assert_contact_shape(c)      assert_contact_shape_((c), false)
#define assert_list_contact_shape(c) assert_contact_shape_((c), true)

/* POST a contact (body consumed), assert 200 and the shape; returns the reply. */
static mt_resp *create_contact_resp(mt_server *s, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", CONTACTS_PATH, mt_admin_key(s), body, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    return r;
}

static json_int_t create_contact_body(mt_server *s, json_t *body)
{
    mt_resp *r = create_contact_resp(s, body);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static json_int_t create_contact(mt_server *s, const char *firstname, const char *lastname)
{
    return create_contact_body(s, json_pack("{s:s, s:s, s:s}", "firstname", firstname, "lastname",
                                            lastname, "gender", "U"));
}

static mt_resp *get_contact(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    return r;
}

static json_int_t create_company_as(mt_server *s, const char *key, const char *type,
                                    const char *name)
{
    json_t *b = json_pack("{s:s, s:s}", "type", type, "name", name);
    if (!strcmp(type, "customer"))
        json_object_set_new(b, "currency", json_string("EUR"));
    mt_resp *r = mt_request_json(s, "POST", COMPANIES_PATH, key, b, NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static json_int_t create_company(mt_server *s, const char *type, const char *name)
{
    return create_company_as(s, mt_admin_key(s), type, name);
}

/* ---- create and get ---------------------------------------------------------------------- */

static void test_create_all_fields(void **state)
{
    mt_server *s = *state;
    json_int_t company = create_company(s, "customer", "Beispiel Kontakt AG");
    json_int_t admin = key_user_id(s, mt_admin_key(s));
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                  "s:s, s:s, s:s, s:[s,s]}",
                  "firstname", "Peter", "lastname", "Muster", "gender", "M", "company_id", company,
                  "user_id", admin, "title", "Dr. med.", "job_position", "Account Manager",
                  "mobile_phone", "+49 177 123 45 67", "work_fax", "+49 30 123 45 66", "work_phone",
                  "+49 30 123 45 67", "work_email", "peter.muster@beispiel.ch", "work_address",
                  "Beispiel AG\nPeter Muster\nBeispielstrasse 123", "home_email", "privat@home.ch",
                  "home_address", "Peter Muster\nZu Hause", "birthday", "1959-05-22", "info",
                  "Information for this contact", "tags", "Project Lead", "Christmas Card");
    mt_resp *r = create_contact_resp(s, b);
    json_int_t id = mt_json_int(r->json, "id");
    assert_true(id > 0);
    for (int pass = 0; pass < 2; pass++) {
        const json_t *c = r->json;
        MT_ASSERT_JSON_INT(c, "id", id);
        MT_ASSERT_JSON_STR(c, "firstname", "Peter");
        MT_ASSERT_JSON_STR(c, "lastname", "Muster");
        MT_ASSERT_JSON_STR(c, "gender", "M");
        MT_ASSERT_JSON_STR(c, "title", "Dr. med.");
        MT_ASSERT_JSON_STR(c, "job_position", "Account Manager");
        MT_ASSERT_JSON_STR(c, "mobile_phone", "+49 177 123 45 67");
        MT_ASSERT_JSON_STR(c, "work_fax", "+49 30 123 45 66");
        MT_ASSERT_JSON_STR(c, "work_phone", "+49 30 123 45 67");
        MT_ASSERT_JSON_STR(c, "work_email", "peter.muster@beispiel.ch");
        MT_ASSERT_JSON_STR(c, "work_address", "Beispiel AG\nPeter Muster\nBeispielstrasse 123");
        MT_ASSERT_JSON_STR(c, "home_email", "privat@home.ch");
        MT_ASSERT_JSON_STR(c, "home_address", "Peter Muster\nZu Hause");
        MT_ASSERT_JSON_STR(c, "birthday", "1959-05-22");
        MT_ASSERT_JSON_STR(c, "info", "Information for this contact");
        assert_json_eq(json_object_get(c, "tags"), "[\"Christmas Card\",\"Project Lead\"]", r);
        MT_ASSERT_JSON_INT(c, "company.id", company);
        MT_ASSERT_JSON_STR(c, "company.type", "customer");
        MT_ASSERT_JSON_STR(c, "company.name", "Beispiel Kontakt AG");
        mt_resp_free(r);
        if (pass == 0)
            r = get_contact(s, id);
    }

    r = mt_getf(s, mt_admin_key(s), CONTACTS_PATH "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH "/987654321", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
}

static void test_create_minimal(void **state)
{
    mt_server *s = *state;
    /* firstname is optional; lastname and gender are enough */
    mt_resp *r =
        create_contact_resp(s, json_pack("{s:s, s:s}", "lastname", "Minimalist", "gender", "F"));
    const json_t *c = r->json;
    MT_ASSERT_JSON_STR(c, "lastname", "Minimalist");
    MT_ASSERT_JSON_STR(c, "gender", "F");
    MT_ASSERT_JSON_STR(c, "firstname", "");
    MT_ASSERT_JSON_STR(c, "title", "");
    MT_ASSERT_JSON_STR(c, "info", "");
    MT_ASSERT_JSON_NULL(c, "birthday");
    MT_ASSERT_JSON_NULL(c, "company");
    assert_json_eq(json_object_get(c, "tags"), "[]", r);
    mt_resp_free(r);
}

/* ---- validation -------------------------------------------------------------------------- */

static void test_create_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, CONTACTS_PATH, key, "{}");
    assert_422(r, "lastname");
    assert_422(r, "gender");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key, "{\"firstname\":\"Only\"}");
    assert_422(r, "lastname");
    assert_422(r, "gender");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key, "{\"lastname\":\"\",\"gender\":\"M\"}");
    assert_422(r, "lastname");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key, "{\"lastname\":\"Gendered\"}");
    assert_422(r, "gender");
    mt_resp_free(r);

    /* gender is one of F, M, U */
    const char *bad[] = {"X", "m", "male", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                            json_pack("{s:s, s:s}", "lastname", "Badgender", "gender", bad[i]),
                            NULL);
        assert_422(r, "gender");
        mt_resp_free(r);
    }
    const char *good[] = {"F", "M", "U"};
    for (size_t i = 0; i < 3; i++) {
        mt_resp *ok = create_contact_resp(
            s, json_pack("{s:s, s:s}", "lastname", "Goodgender", "gender", good[i]));
        MT_ASSERT_JSON_STR(ok->json, "gender", good[i]);
        mt_resp_free(ok);
    }

    /* birthday must be a date */
    r = mt_post(s, CONTACTS_PATH, key,
                "{\"lastname\":\"Bday\",\"gender\":\"M\",\"birthday\":\"1959-13-45\"}");
    assert_422(r, "birthday");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key,
                "{\"lastname\":\"Bday\",\"gender\":\"M\",\"birthday\":\"22.05.1959\"}");
    assert_422(r, "birthday");
    mt_resp_free(r);

    /* tags must be a list of names */
    r = mt_post(s, CONTACTS_PATH, key, "{\"lastname\":\"Tagz\",\"gender\":\"M\",\"tags\":\"a\"}");
    assert_422(r, "tags");
    mt_resp_free(r);

    /* nothing was created */
    r = mt_get(s, CONTACTS_PATH "?term=badgender", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH "?term=bday", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Total", "0");
    mt_resp_free(r);
}

static void test_foreign_ids(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    const char *other = other_key(s);
    json_int_t other_user = key_user_id(s, other);
    json_int_t other_company = create_company_as(s, other, "customer", "Other Foreign Co");

    mt_resp *r = mt_post(s, CONTACTS_PATH, key,
                         "{\"lastname\":\"Ghost\",\"gender\":\"M\",\"company_id\":987654321}");
    assert_422(r, "company_id");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                        json_pack("{s:s, s:s, s:I}", "lastname", "Foreign", "gender", "M",
                                  "company_id", other_company),
                        NULL);
    assert_422(r, "company_id");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key,
                "{\"lastname\":\"Ghost\",\"gender\":\"M\",\"user_id\":987654321}");
    assert_422(r, "user_id");
    mt_resp_free(r);
    r = mt_request_json(
        s, "POST", CONTACTS_PATH, key,
        json_pack("{s:s, s:s, s:I}", "lastname", "Foreign", "gender", "M", "user_id", other_user),
        NULL);
    assert_422(r, "user_id");
    mt_resp_free(r);

    /* both at once: both are named */
    r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                        json_pack("{s:s, s:s, s:I, s:I}", "lastname", "Foreign", "gender", "M",
                                  "user_id", other_user, "company_id", other_company),
                        NULL);
    assert_422(r, "user_id");
    assert_422(r, "company_id");
    mt_resp_free(r);

    /* on update too */
    json_int_t id = create_contact(s, "Upd", "Foreignref");
    char path[128];
    snprintf(path, sizeof path, CONTACTS_PATH "/%lld", (long long)id);
    r = mt_request_json(s, "PUT", path, key, json_pack("{s:I}", "company_id", other_company), NULL);
    assert_422(r, "company_id");
    mt_resp_free(r);
    r = mt_request_json(s, "PUT", path, key, json_pack("{s:I}", "user_id", other_user), NULL);
    assert_422(r, "user_id");
    mt_resp_free(r);
    r = get_contact(s, id);
    MT_ASSERT_JSON_NULL(r->json, "company");
    mt_resp_free(r);

    /* a user of the account is accepted (user_id is not part of the representation) */
    r = mt_request_json(s, "PUT", path, key, json_pack("{s:I}", "user_id", key_user_id(s, key)),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    mt_resp_free(r);
}

/* ---- update and delete ------------------------------------------------------------------- */

static void test_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = create_company(s, "supplier", "Update Contact Lieferant");
    mt_resp *r = create_contact_resp(
        s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "firstname", "Upda", "lastname", "Tester",
                     "gender", "F", "job_position", "Sales", "info", "keep", "tags", "Keep"));
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, CONTACTS_PATH "/%lld", (long long)id);

    r = mt_request_json(s, "PUT", path, key,
                        json_pack("{s:s, s:I, s:s, s:s, s:s}", "job_position", "Head of Sales",
                                  "company_id", company, "birthday", "1980-02-29", "gender", "U",
                                  "work_email", "upda@lieferant.test"),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    mt_resp_free(r);
    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "job_position", "Head of Sales");
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    MT_ASSERT_JSON_STR(r->json, "company.type", "supplier");
    MT_ASSERT_JSON_STR(r->json, "company.name", "Update Contact Lieferant");
    MT_ASSERT_JSON_STR(r->json, "birthday", "1980-02-29");
    MT_ASSERT_JSON_STR(r->json, "gender", "U");
    MT_ASSERT_JSON_STR(r->json, "work_email", "upda@lieferant.test");
    /* unchanged */
    MT_ASSERT_JSON_STR(r->json, "firstname", "Upda");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    MT_ASSERT_JSON_STR(r->json, "info", "keep");
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Keep\"]", r);
    mt_resp_free(r);

    /* PATCH; tags replace; company_id null detaches */
    r = mt_patch(s, path, key, "{\"tags\":[\"New\"],\"company_id\":null,\"birthday\":null}");
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(json_object_get(r->json, "tags"), "[\"New\"]", r);
    MT_ASSERT_JSON_NULL(r->json, "company");
    MT_ASSERT_JSON_NULL(r->json, "birthday");
    MT_ASSERT_JSON_STR(r->json, "job_position", "Head of Sales");
    mt_resp_free(r);

    /* invalid updates */
    r = mt_put(s, path, key, "{\"lastname\":\"\"}");
    assert_422(r, "lastname");
    mt_resp_free(r);
    r = mt_put(s, path, key, "{\"gender\":\"Q\"}");
    assert_422(r, "gender");
    mt_resp_free(r);
    r = mt_put(s, path, key, "{\"birthday\":\"yesterday\"}");
    assert_422(r, "birthday");
    mt_resp_free(r);
    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    MT_ASSERT_JSON_STR(r->json, "gender", "U");
    mt_resp_free(r);

    r = mt_put(s, CONTACTS_PATH "/987654321", key, "{\"lastname\":\"x\"}");
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id = create_contact_body(s, json_pack("{s:s, s:s, s:[s]}", "lastname", "Deleteme",
                                                     "gender", "M", "tags", "Deleted Tag"));
    mt_resp *r = mt_deletef(s, key, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(s, key, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, key, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    assert_list_ids(s, CONTACTS_PATH "?tags=Deleted%20Tag", NULL, 0);
    r = mt_getf(s, key, "/api/v1/taggings/Contact/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_list_leaves_out_info(void **state)
{
    mt_server *s = *state;
    json_int_t company = create_company(s, "customer", "Listinfo AG");
    json_int_t id = create_contact_body(
        s, json_pack("{s:s, s:s, s:s, s:I, s:[s]}", "lastname", "Listinfo", "gender", "M", "info",
                     "not in lists", "company_id", company, "tags", "Listinfo"));
    mt_resp *r = mt_getf(s, mt_admin_key(s), CONTACTS_PATH "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "", JSON_ARRAY);
    assert_int_equal(json_array_size(r->json), 1);
    json_t *c = json_array_get(r->json, 0);
    assert_list_contact_shape(c);
    assert_false(mt_json_has(c, "info"));
    MT_ASSERT_JSON_INT(c, "company.id", company);
    MT_ASSERT_JSON_STR(c, "company.name", "Listinfo AG");
    assert_json_eq(json_object_get(c, "tags"), "[\"Listinfo\"]", r);
    mt_resp_free(r);

    /* every element of a full list has the list shape */
    r = mt_get(s, CONTACTS_PATH, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_array_foreach(r->json, i, c) assert_list_contact_shape(c);
    mt_resp_free(r);

    /* the single contact has it */
    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "info", "not in lists");
    mt_resp_free(r);
}

static void test_filter_tags(void **state)
{
    mt_server *s = *state;
    json_int_t a = create_contact_body(s, json_pack("{s:s, s:s, s:[s]}", "lastname", "Tagfilter A",
                                                    "gender", "F", "tags", "Influencer"));
    json_int_t b =
        create_contact_body(s, json_pack("{s:s, s:s, s:[s,s]}", "lastname", "Tagfilter B", "gender",
                                         "M", "tags", "Influencer", "Early Adopter"));
    json_int_t c = create_contact_body(s, json_pack("{s:s, s:s, s:[s]}", "lastname", "Tagfilter C",
                                                    "gender", "U", "tags", "Early Adopter"));
    json_int_t d = create_contact_body(s, json_pack("{s:s, s:s, s:[s]}", "lastname", "Tagfilter D",
                                                    "gender", "U", "tags", "Laggard"));
    json_int_t infl[] = {a, b}, early[] = {b, c};
    assert_list_ids(s, CONTACTS_PATH "?tags=Influencer", infl, 2);
    assert_list_ids(s, CONTACTS_PATH "?tags=Early%20Adopter", early, 2);
    /* a comma separated list: a contact with both is found, one with neither is not */
    assert_true(list_has(s, CONTACTS_PATH "?tags=Influencer,%20Early%20Adopter", b));
    assert_false(list_has(s, CONTACTS_PATH "?tags=Influencer,%20Early%20Adopter", d));
    assert_list_ids(s, CONTACTS_PATH "?tags=Influ", NULL, 0);
}

static void test_filter_term(void **state)
{
    mt_server *s = *state;
    json_int_t vw = create_company(s, "customer", "Volkswagen Termtest AG");
    json_int_t mario =
        create_contact_body(s, json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Mario", "lastname",
                                         "Rossiterm", "gender", "M", "company_id", vw));
    json_int_t maria = create_contact_body(
        s, json_pack("{s:s, s:s, s:s, s:s}", "firstname", "Maria", "lastname", "Bianchiterm",
                     "gender", "F", "work_email", "maria@fiat-termtest.example"));
    json_int_t luigi =
        create_contact_body(s, json_pack("{s:s, s:s, s:s, s:I}", "firstname", "Luigi", "lastname",
                                         "Verditerm", "gender", "M", "company_id", vw));

    json_int_t m[] = {mario}, ma[] = {maria}, vw_people[] = {mario, luigi};
    /* firstname, case-insensitive */
    assert_list_ids(s, CONTACTS_PATH "?term=MARIO", m, 1);
    /* lastname */
    assert_list_ids(s, CONTACTS_PATH "?term=bianchiterm", ma, 1);
    /* work_email */
    assert_list_ids(s, CONTACTS_PATH "?term=fiat-termtest", ma, 1);
    /* company name */
    assert_list_ids(s, CONTACTS_PATH "?term=volkswagen%20termtest", vw_people, 2);
    /* "mario, volkswagen": every term must match */
    assert_list_ids(s, CONTACTS_PATH "?term=mario,%20volkswagen", m, 1);
    assert_list_ids(s, CONTACTS_PATH "?term=maria,%20volkswagen", NULL, 0);
    assert_list_ids(s, CONTACTS_PATH "?term=nobody-termtest", NULL, 0);
}

static void test_filter_phone(void **state)
{
    mt_server *s = *state;
    json_int_t work =
        create_contact_body(s, json_pack("{s:s, s:s, s:s}", "lastname", "Phonework", "gender", "M",
                                         "work_phone", "+41 79 826 12 34"));
    json_int_t mobile =
        create_contact_body(s, json_pack("{s:s, s:s, s:s}", "lastname", "Phonemobile", "gender",
                                         "F", "mobile_phone", "+41 (0)79 8261 555"));
    create_contact_body(s, json_pack("{s:s, s:s, s:s, s:s}", "lastname", "Phonefax", "gender", "U",
                                     "work_fax", "+41 79 826 12 34", "home_email",
                                     "79826@example.test"));
    json_int_t both[] = {work, mobile}, w[] = {work}, m[] = {mobile};
    /* "79 826": spaces do not matter, work_phone or mobile_phone */
    assert_list_ids(s, CONTACTS_PATH "?phone=79%20826", both, 2);
    assert_list_ids(s, CONTACTS_PATH "?phone=79826", both, 2);
    assert_list_ids(s, CONTACTS_PATH "?phone=826%2012%2034", w, 1);
    assert_list_ids(s, CONTACTS_PATH "?phone=8261555", m, 1);
    assert_list_ids(s, CONTACTS_PATH "?phone=99999999", NULL, 0);
}

static void test_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t c = create_contact(s, "Zed", "Sortpage Charlie");
    json_int_t a = create_contact(s, "Yan", "Sortpage Alpha");
    json_int_t b = create_contact(s, "Xia", "Sortpage Bravo");

    json_int_t by_last[] = {a, b, c}, by_last_desc[] = {c, b, a}, by_first[] = {b, a, c},
               by_id[] = {c, a, b};
    assert_list_ids(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname", by_last, 3);
    assert_list_ids(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname%20desc", by_last_desc, 3);
    assert_list_ids(s, CONTACTS_PATH "?term=sortpage&sort_by=firstname", by_first, 3);
    assert_list_ids(s, CONTACTS_PATH "?term=sortpage", by_id, 3);
    mt_resp *r = mt_get(s, CONTACTS_PATH "?sort_by=home_address", key);
    assert_422(r, "sort_by");
    mt_resp_free(r);

    r = mt_get(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname&per_page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a);
    const char *link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"next\""));
    assert_non_null(strstr(link, "page=2"));
    assert_null(strstr(link, "rel=\"prev\""));
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname&per_page=2&page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"prev\""));
    assert_null(strstr(link, "rel=\"next\""));
    mt_resp_free(r);
}

/* ---- nested company ---------------------------------------------------------------------- */

static void test_company_renamed(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = create_company(s, "customer", "Before Rename AG");
    json_int_t id = create_contact_body(s, json_pack("{s:s, s:s, s:I}", "lastname", "Renamewatcher",
                                                     "gender", "M", "company_id", company));

    mt_resp *r = mt_requestf(s, "PUT", key, "{\"name\":\"After Rename AG\"}",
                             COMPANIES_PATH "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    r = get_contact(s, id);
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    MT_ASSERT_JSON_STR(r->json, "company.name", "After Rename AG");
    MT_ASSERT_JSON_STR(r->json, "company.type", "customer");
    mt_resp_free(r);
    r = mt_getf(s, key, CONTACTS_PATH "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "[0].company.name", "After Rename AG");
    mt_resp_free(r);
    /* term finds the contact by the new company name only */
    json_int_t only[] = {id};
    assert_list_ids(s, CONTACTS_PATH "?term=after%20rename", only, 1);
    assert_list_ids(s, CONTACTS_PATH "?term=before%20rename", NULL, 0);

    /* a type change shows too */
    r = mt_requestf(s, "PUT", key, "{\"type\":\"organization\"}", COMPANIES_PATH "/%lld",
                    (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "company.type", "organization");
    mt_resp_free(r);
}

/* ---- taggings ---------------------------------------------------------------------------- */

static void test_taggings(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id =
        create_contact_body(s, json_pack("{s:s, s:s, s:[s]}", "lastname", "Taggingsperson",
                                         "gender", "F", "tags", "Christmas Card"));
    char path[128];
    snprintf(path, sizeof path, "/api/v1/taggings/Contact/%lld", (long long)id);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Christmas Card\"]", r);
    mt_resp_free(r);
    r = mt_patch(s, path, key, "{\"tags\":[\"Key Account\"]}");
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Christmas Card\",\"Key Account\"]", r);
    mt_resp_free(r);
    r = get_contact(s, id);
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Christmas Card\",\"Key Account\"]", r);
    mt_resp_free(r);
    json_int_t only[] = {id};
    assert_list_ids(s, CONTACTS_PATH "?tags=Key%20Account", only, 1);

    r = mt_request(s, "DELETE", path, key, "{\"tags\":[\"Christmas Card\"]}", NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_json_eq(r->json, "[\"Key Account\"]", r);
    mt_resp_free(r);
    r = get_contact(s, id);
    assert_json_eq(json_object_get(r->json, "tags"), "[\"Key Account\"]", r);
    mt_resp_free(r);

    /* the tags live in context Contact */
    r = mt_get(s, "/api/v1/tags?context=Contact", key);
    MT_ASSERT_STATUS(r, 200);
    bool seen = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) if (!strcmp(mt_json_str(e, "name"), "Key Account")) seen =
        true;
    assert_true(seen);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------- */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    json_int_t id = create_contact(s, "Ro", "Readonlytarget");
    const char *ro = read_key(s);
    mt_resp *r = mt_getf(s, ro, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(find_by_id(r->json, id));
    mt_resp_free(r);

    r = mt_post(s, CONTACTS_PATH, ro, "{\"lastname\":\"Rointruder\",\"gender\":\"M\"}");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, "{\"lastname\":\"Changed\"}", CONTACTS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", ro, "{\"lastname\":\"Changed\"}", CONTACTS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, "{\"tags\":[\"ro\"]}", "/api/v1/taggings/Contact/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_deletef(s, ro, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Readonlytarget");
    assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    assert_list_ids(s, CONTACTS_PATH "?term=rointruder", NULL, 0);

    r = mt_get(s, CONTACTS_PATH, NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id =
        create_contact_body(s, json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "firstname", "Secretive",
                                         "lastname", "Acmeperson", "gender", "M", "work_phone",
                                         "+41 11 222 33 44", "tags", "acme-only"));
    const char *other = other_key(s);

    mt_resp *r = mt_getf(s, other, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", other, "{\"lastname\":\"Hijacked\"}", CONTACTS_PATH "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, other, "/api/v1/taggings/Contact/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, other, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    const char *lists[] = {CONTACTS_PATH, CONTACTS_PATH "?term=acmeperson",
                           CONTACTS_PATH "?phone=222%2033", CONTACTS_PATH "?tags=acme-only"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        r = mt_get(s, lists[i], other);
        MT_ASSERT_STATUS(r, 200);
        assert_null(find_by_id(r->json, id));
        if (i > 0)
            MT_ASSERT_HEADER(r, "X-Total", "0");
        mt_resp_free(r);
    }

    /* the other account's own contact is not visible to acme */
    r = mt_post(s, CONTACTS_PATH, other, "{\"lastname\":\"Otherperson\",\"gender\":\"F\"}");
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    json_int_t other_id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(s, key, CONTACTS_PATH "/%lld", (long long)other_id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    assert_list_ids(s, CONTACTS_PATH "?term=otherperson", NULL, 0);

    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Acmeperson");
    mt_resp_free(r);
}

static int teardown(void **state)
{
    free(g_other_key);
    free(g_read_key);
    g_other_key = g_read_key = NULL;
    return mt_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_all_fields),
        cmocka_unit_test(test_create_minimal),
        cmocka_unit_test(test_create_validation),
        cmocka_unit_test(test_foreign_ids),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_list_leaves_out_info),
        cmocka_unit_test(test_filter_tags),
        cmocka_unit_test(test_filter_term),
        cmocka_unit_test(test_filter_phone),
        cmocka_unit_test(test_sort_and_pagination),
        cmocka_unit_test(test_company_renamed),
        cmocka_unit_test(test_taggings),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
