/*
 * Issue 8: a MOCO client talking to mocod the way the MOCO service accepts it (defaults, aliases,
 * delete answers, unpaginated small lists), and `mocod account --strict-validation on`, which
 * keeps the newer documentation's strictness.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPANIES "/api/v1/companies"
#define PROJECTS  "/api/v1/projects"

static void strict(mt_server *s, bool on)
{
    free(mt_cli(s, "account --account %s --strict-validation %s", MT_ACCOUNT, on ? "on" : "off"));
}

/* A customer as an old client creates it: no currency, no country, no user, billing_tax. */
static void test_customer_defaults_and_billing_tax(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES, key,
                         "{\"type\":\"customer\",\"name\":\"Service Kunde AG\",\"billing_tax\":7.7,"
                         "\"tags\":[\"Zeta\",\"Alpha\"]}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "country_code", "DE");
    MT_ASSERT_JSON_INT(r->json, "user.id", fix_session_user_id(s, key));
    fix_assert_number(r->json, "billing_tax", 7.7);
    fix_assert_number(r->json, "billing_vat.tax", 7.7);
    MT_ASSERT_JSON_TYPE(r->json, "billing_vat.reverse_charge", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "billing_vat.intra_eu", JSON_FALSE);
    fix_assert_number(r->json, "customer_vat.tax", 7.7);
    fix_assert_json_eq(json_object_get(r->json, "labels"), "[\"Alpha\",\"Zeta\"]", r);
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Alpha\",\"Zeta\"]", r);
    assert_false(mt_json_has(r->json, "iban")); /* suppliers only */
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* billing_tax on update is stored and rendered */
    r = mt_requestf(s, "PUT", key, "{\"billing_tax\":19}", COMPANIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "billing_tax", 19);
    mt_resp_free(r);
    r = mt_getf(s, key, COMPANIES "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "billing_tax", 19);
    fix_assert_number(r->json, "billing_vat.tax", 19);
    fix_assert_number(r->json, "customer_vat.tax", 19);
    mt_resp_free(r);

    /* the account's currency is a setting */
    free(mt_cli(s, "account --account %s --currency CHF", MT_ACCOUNT));
    r = mt_post(s, COMPANIES, key, "{\"type\":\"customer\",\"name\":\"Franken Kunde AG\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "CHF");
    mt_resp_free(r);
    free(mt_cli(s, "account --account %s --currency EUR", MT_ACCOUNT));

    /* given values win over the defaults */
    r = mt_post(s, COMPANIES, key,
                "{\"type\":\"customer\",\"name\":\"Eigen AG\",\"currency\":\"USD\","
                "\"country_code\":\"CH\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "USD");
    MT_ASSERT_JSON_STR(r->json, "country_code", "CH");
    mt_resp_free(r);
}

static void test_supplier_iban_and_billing_tax(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_post(s, COMPANIES, key,
                         "{\"type\":\"supplier\",\"name\":\"Lieferant Ohne IBAN\","
                         "\"billing_tax\":2.5}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "iban");
    fix_assert_number(r->json, "billing_tax", 2.5);
    fix_assert_number(r->json, "supplier_vat.tax", 2.5);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"iban\":\"CH3908704016075473007\"}", COMPANIES "/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "iban", "CH3908704016075473007");
    mt_resp_free(r);
}

/* An account key has no user of its own: the company's user stays null. */
static void test_account_key_company_user_null(void **state)
{
    mt_server *s = *state;
    char *full = mt_account_key(s, MT_ACCOUNT, "full");
    mt_resp *r = mt_post(s, COMPANIES, full, "{\"type\":\"organization\",\"name\":\"Keyed Org\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "user");
    MT_ASSERT_JSON_STR(r->json, "country_code", "DE");
    mt_resp_free(r);
    free(full);
}

/* Unknown custom field names are dropped; known ones are still checked. */
static void test_unknown_custom_fields_dropped(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp_free(fix_create_custom_property(s, "Company", "Branche", "Select", "[\"IT\",\"Bau\"]"));
    mt_resp *r = mt_post(s, COMPANIES, key,
                         "{\"type\":\"organization\",\"name\":\"CP Org\",\"custom_properties\":"
                         "{\"Branche\":\"IT\",\"Gibt Es Nicht\":\"x\"}}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"Branche\":\"IT\"}", r);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    fix_expect_422(s, "PUT", key, "{\"custom_properties\":{\"Branche\":\"Mining\"}}",
                   "custom_properties.Branche", COMPANIES "/%lld", (long long)id);
}

/* A project without retainer, and its leader on the staff. */
static void test_project_retainer_optional_and_leader_contract(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t leader = fix_session_user_id(s, key);
    json_int_t customer = fix_create_company_as(s, key, "customer", "Projekt Kunde AG");
    json_t *b = fix_project_body("Ohne Retainer", NULL, leader, customer);
    json_object_del(b, "retainer");
    mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_FALSE);
    assert_int_equal(mt_json_len(r->json, "contracts"), 1);
    MT_ASSERT_JSON_INT(r->json, "contracts[0].user_id", leader);
    json_int_t pid = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "/%lld/contracts", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].user_id", leader);
    json_int_t contract = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    /* the leader sees it among the assigned projects */
    r = mt_get(s, PROJECTS "/assigned", key);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, pid));
    mt_resp_free(r);
    /* null retainer is no retainer */
    b = fix_project_body("Null Retainer", NULL, leader, customer);
    json_object_set_new(b, "retainer", json_null());
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_FALSE);
    mt_resp_free(r);

    /* deletes answer as MOCO's: contracts, tasks, destroy_all 204; projects 200, empty */
    r = mt_deletef(s, key, PROJECTS "/%lld/contracts/%lld", (long long)pid, (long long)contract);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    json_int_t task = fix_create_task_checked(s, key, pid, json_pack("{s:s}", "name", "Eins"));
    r = mt_deletef(s, key, PROJECTS "/%lld/tasks/%lld", (long long)pid, (long long)task);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    fix_create_task_checked(s, key, pid, json_pack("{s:s}", "name", "Zwei"));
    r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all", (long long)pid);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, PROJECTS "/%lld", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES "/%lld", (long long)customer);
    fix_assert_422(r, "projects"); /* the second project still refers to it */
    mt_resp_free(r);
}

static json_int_t first_category(mt_server *s)
{
    mt_resp *r = mt_get(s, "/api/v1/deal_categories", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    return id;
}

/* Deals: tags sorted, company as in the example, closed_on only for won or lost deals. */
static void test_deal_tags_company_closed_on(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Deal Kunde AG");
    json_int_t user = fix_session_user_id(s, key);
    mt_resp *r = mt_request_json(
        s, "POST", "/api/v1/deals", key,
        json_pack("{s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:I, s:s, s:[s,s]}", "name", "Offen",
                  "status", "pending", "reminder_date", "2024-03-01", "money", 1000.0, "currency",
                  "EUR", "user_id", user, "company_id", company, "deal_category_id",
                  first_category(s), "closed_on", "2024-02-02", "tags", "Zeta", "Alpha"),
        NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "closed_on");
    fix_assert_json_eq(json_object_get(r->json, "tags"), "[\"Alpha\",\"Zeta\"]", r);
    mt_assert_keys(json_object_get(r->json, "company"), "id,name,type");
    MT_ASSERT_JSON_STR(r->json, "company.type", "customer");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"closed_on\":\"2024-02-03\"}", "/api/v1/deals/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "closed_on");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"status\":\"won\",\"closed_on\":\"2024-02-04\"}",
                    "/api/v1/deals/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "closed_on", "2024-02-04");
    mt_resp_free(r);
}

static void test_contact_and_unit_fields(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp_free(fix_create_custom_property(s, "Contact", "Anlass", "String", NULL));
    mt_resp *r = mt_post(s, "/api/v1/contacts/people", key,
                         "{\"gender\":\"F\",\"lastname\":\"Muster\",\"salutation\":\"Liebe "
                         "Frau Muster\",\"custom_properties\":{\"Anlass\":\"Messe\"}}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "salutation", "Liebe Frau Muster");
    fix_assert_json_eq(json_object_get(r->json, "custom_properties"), "{\"Anlass\":\"Messe\"}", r);
    MT_ASSERT_JSON_INT(r->json, "user.id", fix_session_user_id(s, key));
    mt_resp_free(r);

    r = mt_get(s, "/api/v1/units", key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "[0].custom_properties", JSON_OBJECT);
    mt_resp_free(r);
}

static void test_small_lists_not_paginated(void **state)
{
    mt_server *s = *state;
    const char *paths[] = {"/api/v1/deal_categories?per_page=1", "/api/v1/users/roles?per_page=1"};
    for (int i = 0; i < 2; i++) {
        mt_resp *r = mt_get(s, paths[i], mt_admin_key(s));
        MT_ASSERT_STATUS(r, 200);
        assert_true(json_array_size(r->json) > 1);
        assert_null(mt_header(r, "X-Total"));
        assert_null(mt_header(r, "X-Page"));
        assert_null(mt_header(r, "Link"));
        mt_resp_free(r);
    }
}

/* --strict-validation on: the docs' rules (retainer, customer currency, unknown custom fields). */
static void test_strict_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t leader = fix_session_user_id(s, key);
    json_int_t customer = fix_create_company_as(s, key, "customer", "Strenger Kunde AG");
    strict(s, true);
    fix_expect_422(s, "POST", key, "{\"type\":\"customer\",\"name\":\"Ohne Waehrung\"}", "currency",
                   COMPANIES);
    fix_expect_422(s, "PUT", key, "{\"currency\":\"\"}", "currency", COMPANIES "/%lld",
                   (long long)customer);
    fix_expect_422(s, "POST", key,
                   "{\"type\":\"organization\",\"name\":\"Strict CP\",\"custom_properties\":"
                   "{\"Gibt Es Nicht\":\"x\"}}",
                   "custom_properties.Gibt Es Nicht", COMPANIES);
    json_t *b = fix_project_body("Strikt", NULL, leader, customer);
    json_object_del(b, "retainer");
    mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "retainer");
    mt_resp_free(r);
    b = fix_project_body("Strikt Null", NULL, leader, customer);
    json_object_set_new(b, "retainer", json_null());
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "retainer");
    mt_resp_free(r);
    /* the rest of the service's answers stay */
    r = mt_post(s, COMPANIES, key, "{\"type\":\"supplier\",\"name\":\"Strict Supplier\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "country_code", "DE");
    mt_resp_free(r);
    strict(s, false);
    b = fix_project_body("Wieder Locker", NULL, leader, customer);
    json_object_del(b, "retainer");
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_customer_defaults_and_billing_tax),
        cmocka_unit_test(test_supplier_iban_and_billing_tax),
        cmocka_unit_test(test_account_key_company_user_null),
        cmocka_unit_test(test_unknown_custom_fields_dropped),
        cmocka_unit_test(test_project_retainer_optional_and_leader_contract),
        cmocka_unit_test(test_deal_tags_company_closed_on),
        cmocka_unit_test(test_contact_and_unit_fields),
        cmocka_unit_test(test_small_lists_not_paginated),
        cmocka_unit_test(test_strict_validation),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
