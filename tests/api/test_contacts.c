/*
 * API tests of contacts (sections/contacts.md): list (without `info`), get, create, update,
 * delete, the filters (tags, term, phone, global ones), sort_by, pagination, tags and taggings,
 * the nested company (also after the company is renamed), references to users and companies,
 * permissions and tenant isolation.
 *
 * One server for the whole file (group fixture); every test uses names of its own.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTACTS_PATH  "/api/v1/contacts/people"
#define COMPANIES_PATH "/api/v1/companies"

/* The keys of the "Attributes" example of sections/contacts.md; lists leave out `info`. */
#define CONTACT_LIST_KEYS                                                                          \
    "id,gender,salutation,firstname,lastname,title,job_position,mobile_phone,work_fax,work_phone," \
    "work_email,work_address,home_email,home_address,birthday,avatar_url,tags,company,user,"       \
    "custom_properties,created_at,updated_at" /* salutation, user, custom_properties: the          \
                                                 service's */
#define CONTACT_KEYS         CONTACT_LIST_KEYS ",info"
#define CONTACT_COMPANY_KEYS "id,type,name"

/* ---- helpers ----------------------------------------------------------------------------- */

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
    return fix_take_id(r);
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

static json_int_t create_company(mt_server *s, const char *type, const char *name)
{
    return fix_create_company_as(s, mt_admin_key(s), type, name);
}

/* ---- create and get ---------------------------------------------------------------------- */

static void test_create_all_fields(void **state)
{
    mt_server *s = *state;
    json_int_t company = create_company(s, "customer", "Beispiel Kontakt AG");
    json_int_t admin = fix_session_user_id(s, mt_admin_key(s));
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
        fix_assert_json_eq(json_object_get(c, "tags"), "[\"Christmas Card\",\"Project Lead\"]", r);
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
    fix_assert_json_eq(json_object_get(c, "tags"), "[]", r);
    mt_resp_free(r);
}

/* ---- validation -------------------------------------------------------------------------- */

static void test_create_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, CONTACTS_PATH, key, "{}");
    fix_assert_422(r, "lastname");
    fix_assert_422(r, "gender");
    mt_resp_free(r);
    r = mt_post(s, CONTACTS_PATH, key, "{\"firstname\":\"Only\"}");
    fix_assert_422(r, "lastname");
    fix_assert_422(r, "gender");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key, "{\"lastname\":\"\",\"gender\":\"M\"}", "lastname",
                   CONTACTS_PATH);
    fix_expect_422(s, "POST", key, "{\"lastname\":\"Gendered\"}", "gender", CONTACTS_PATH);

    /* gender is one of F, M, U */
    const char *bad[] = {"X", "m", "male", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                            json_pack("{s:s, s:s}", "lastname", "Badgender", "gender", bad[i]),
                            NULL);
        fix_assert_422(r, "gender");
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
    fix_expect_422(s, "POST", key,
                   "{\"lastname\":\"Bday\",\"gender\":\"M\",\"birthday\":\"1959-13-45\"}",
                   "birthday", CONTACTS_PATH);
    fix_expect_422(s, "POST", key,
                   "{\"lastname\":\"Bday\",\"gender\":\"M\",\"birthday\":\"22.05.1959\"}",
                   "birthday", CONTACTS_PATH);

    /* tags must be a list of names */
    fix_expect_422(s, "POST", key, "{\"lastname\":\"Tagz\",\"gender\":\"M\",\"tags\":\"a\"}",
                   "tags", CONTACTS_PATH);

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
    const char *other = fix_other_key(s);
    json_int_t other_user = fix_session_user_id(s, other);
    json_int_t other_company = fix_create_company_as(s, other, "customer", "Other Foreign Co");

    fix_expect_422(s, "POST", key,
                   "{\"lastname\":\"Ghost\",\"gender\":\"M\",\"company_id\":987654321}",
                   "company_id", CONTACTS_PATH);
    mt_resp *r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                                 json_pack("{s:s, s:s, s:I}", "lastname", "Foreign", "gender", "M",
                                           "company_id", other_company),
                                 NULL);
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    fix_expect_422(s, "POST", key,
                   "{\"lastname\":\"Ghost\",\"gender\":\"M\",\"user_id\":987654321}", "user_id",
                   CONTACTS_PATH);
    r = mt_request_json(
        s, "POST", CONTACTS_PATH, key,
        json_pack("{s:s, s:s, s:I}", "lastname", "Foreign", "gender", "M", "user_id", other_user),
        NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);

    /* both at once: both are named */
    r = mt_request_json(s, "POST", CONTACTS_PATH, key,
                        json_pack("{s:s, s:s, s:I, s:I}", "lastname", "Foreign", "gender", "M",
                                  "user_id", other_user, "company_id", other_company),
                        NULL);
    fix_assert_422(r, "user_id");
    fix_assert_422(r, "company_id");
    mt_resp_free(r);

    /* on update too */
    json_int_t id = create_contact(s, "Upd", "Foreignref");
    char path[128];
    snprintf(path, sizeof path, CONTACTS_PATH "/%lld", (long long)id);
    r = mt_request_json(s, "PUT", path, key, json_pack("{s:I}", "company_id", other_company), NULL);
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = mt_request_json(s, "PUT", path, key, json_pack("{s:I}", "user_id", other_user), NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = get_contact(s, id);
    MT_ASSERT_JSON_NULL(r->json, "company");
    mt_resp_free(r);

    /* a user of the account is accepted (user_id is not part of the representation) */
    r = mt_request_json(s, "PUT", path, key,
                        json_pack("{s:I}", "user_id", fix_session_user_id(s, key)), NULL);
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
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Keep\"]", r);
    mt_resp_free(r);

    /* PATCH; tags replace; company_id null detaches */
    r = mt_patch(s, path, key, "{\"tags\":[\"New\"],\"company_id\":null,\"birthday\":null}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"New\"]", r);
    MT_ASSERT_JSON_NULL(r->json, "company");
    MT_ASSERT_JSON_NULL(r->json, "birthday");
    MT_ASSERT_JSON_STR(r->json, "job_position", "Head of Sales");
    mt_resp_free(r);

    /* invalid updates */
    fix_expect_422(s, "PUT", key, "{\"lastname\":\"\"}", "lastname", "%s", path);
    fix_expect_422(s, "PUT", key, "{\"gender\":\"Q\"}", "gender", "%s", path);
    fix_expect_422(s, "PUT", key, "{\"birthday\":\"yesterday\"}", "birthday", "%s", path);
    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Tester");
    MT_ASSERT_JSON_STR(r->json, "gender", "U");
    mt_resp_free(r);

    fix_expect_status(s, "PUT", key, "{\"lastname\":\"x\"}", 404, CONTACTS_PATH "/987654321");
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
    fix_expect_status(s, "GET", key, NULL, 404, CONTACTS_PATH "/%lld", (long long)id);
    fix_expect_status(s, "DELETE", key, NULL, 404, CONTACTS_PATH "/%lld", (long long)id);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?tags=Deleted%20Tag", NULL, 0);
    fix_expect_status(s, "GET", key, NULL, 404, "/api/v1/taggings/Contact/%lld", (long long)id);
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
    fix_assert_json_eq(json_object_get(c, "tags"), "[\"Listinfo\"]", r);
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
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?tags=Influencer", infl, 2);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?tags=Early%20Adopter", early, 2);
    /* a comma separated list: a contact with both is found, one with neither is not */
    assert_true(fix_list_has(s, CONTACTS_PATH "?tags=Influencer,%20Early%20Adopter", b));
    assert_false(fix_list_has(s, CONTACTS_PATH "?tags=Influencer,%20Early%20Adopter", d));
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?tags=Influ", NULL, 0);
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
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=MARIO", m, 1);
    /* lastname */
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=bianchiterm", ma, 1);
    /* work_email */
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=fiat-termtest", ma, 1);
    /* company name */
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=volkswagen%20termtest", vw_people,
                        2);
    /* "mario, volkswagen": every term must match */
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=mario,%20volkswagen", m, 1);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=maria,%20volkswagen", NULL, 0);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=nobody-termtest", NULL, 0);
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
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?phone=79%20826", both, 2);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?phone=79826", both, 2);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?phone=826%2012%2034", w, 1);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?phone=8261555", m, 1);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?phone=99999999", NULL, 0);
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
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=sortpage&sort_by=lastname",
                        by_last, 3);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=sortpage&sort_by=lastname%20desc",
                        by_last_desc, 3);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=sortpage&sort_by=firstname",
                        by_first, 3);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=sortpage", by_id, 3);
    fix_expect_422(s, "GET", key, NULL, "sort_by", CONTACTS_PATH "?sort_by=home_address");

    mt_resp *r = mt_get(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname&per_page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", a);
    const char *link = fix_assert_link(r, true, false);
    assert_non_null(strstr(link, "page=2"));
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH "?term=sortpage&sort_by=lastname&per_page=2&page=2", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Total", "3");
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", c);
    link = fix_assert_link(r, false, true);
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

    fix_expect_status(s, "PUT", key, "{\"name\":\"After Rename AG\"}", 200, COMPANIES_PATH "/%lld",
                      (long long)company);

    mt_resp *r = get_contact(s, id);
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
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=after%20rename", only, 1);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=before%20rename", NULL, 0);

    /* a type change shows too */
    fix_expect_status(s, "PUT", key, "{\"type\":\"organization\"}", 200, COMPANIES_PATH "/%lld",
                      (long long)company);
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
    fix_assert_json_eq(r->json, "[\"Christmas Card\"]", r);
    mt_resp_free(r);
    r = mt_patch(s, path, key, "{\"tags\":[\"Key Account\"]}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Christmas Card\",\"Key Account\"]", r);
    mt_resp_free(r);
    r = get_contact(s, id);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Christmas Card\",\"Key Account\"]", r);
    mt_resp_free(r);
    json_int_t only[] = {id};
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?tags=Key%20Account", only, 1);

    r = mt_request(s, "DELETE", path, key, "{\"tags\":[\"Christmas Card\"]}", NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json, "[\"Key Account\"]", r);
    mt_resp_free(r);
    r = get_contact(s, id);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Key Account\"]", r);
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
    const char *ro = fix_read_key(s);
    mt_resp *r = mt_getf(s, ro, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_contact_shape(r->json);
    mt_resp_free(r);
    r = mt_get(s, CONTACTS_PATH, ro);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);

    r = mt_post(s, CONTACTS_PATH, ro, "{\"lastname\":\"Rointruder\",\"gender\":\"M\"}");
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    fix_expect_status(s, "PUT", ro, "{\"lastname\":\"Changed\"}", 403, CONTACTS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PATCH", ro, "{\"lastname\":\"Changed\"}", 403, CONTACTS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "PUT", ro, "{\"tags\":[\"ro\"]}", 403, "/api/v1/taggings/Contact/%lld",
                      (long long)id);
    fix_expect_status(s, "DELETE", ro, NULL, 403, CONTACTS_PATH "/%lld", (long long)id);

    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Readonlytarget");
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[]", r);
    mt_resp_free(r);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=rointruder", NULL, 0);

    fix_expect_status(s, "GET", NULL, NULL, 401, CONTACTS_PATH);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t id =
        create_contact_body(s, json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "firstname", "Secretive",
                                         "lastname", "Acmeperson", "gender", "M", "work_phone",
                                         "+41 11 222 33 44", "tags", "acme-only"));
    const char *other = fix_other_key(s);

    mt_resp *r = mt_getf(s, other, CONTACTS_PATH "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_expect_status(s, "PUT", other, "{\"lastname\":\"Hijacked\"}", 404, CONTACTS_PATH "/%lld",
                      (long long)id);
    fix_expect_status(s, "GET", other, NULL, 404, "/api/v1/taggings/Contact/%lld", (long long)id);
    fix_expect_status(s, "DELETE", other, NULL, 404, CONTACTS_PATH "/%lld", (long long)id);

    const char *lists[] = {CONTACTS_PATH, CONTACTS_PATH "?term=acmeperson",
                           CONTACTS_PATH "?phone=222%2033", CONTACTS_PATH "?tags=acme-only"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        r = mt_get(s, lists[i], other);
        MT_ASSERT_STATUS(r, 200);
        assert_null(fix_find_by_id(r->json, id));
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
    fix_expect_status(s, "GET", key, NULL, 404, CONTACTS_PATH "/%lld", (long long)other_id);
    fix_assert_list_ids(s, mt_admin_key(s), CONTACTS_PATH "?term=otherperson", NULL, 0);

    r = get_contact(s, id);
    MT_ASSERT_JSON_STR(r->json, "lastname", "Acmeperson");
    mt_resp_free(r);
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
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
