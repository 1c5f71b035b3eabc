/*
 * API tests of project payment schedules (sections/project_payment_schedules.md): create below a
 * project (net_total and date required), get, update, delete (200 with the deleted schedule, as
 * MOCO answers), the project's list and the list across projects (GET /projects/payment_schedules)
 * with from/to, checked, project_id and company_id, exact amounts, the project object, the
 * parent's existence, permissions and web hooks of target Project::PaymentSchedule.
 *
 * One server for the file (group fixture).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAT "/api/v1/projects/payment_schedules"
#define KEYS "id,date,title,description,net_total,project,checked,billed,created_at,updated_at"

static struct {
    mt_server *s;
    const char *key;
    json_int_t admin, customer, other_customer, project, other_project;
} g;

static int group_setup(void **state)
{
    (void)state;
    g.s = mt_start("--webhook-allow-private --webhook-retry-base 3600");
    g.key = mt_admin_key(g.s);
    g.admin = fix_session_user_id(g.s, g.key);
    g.customer = fix_create_company_as(g.s, g.key, "customer", "Fixpreis AG");
    g.other_customer = fix_create_company_as(g.s, g.key, "customer", "Andere GmbH");
    g.project = fix_create_project_as(g.s, g.key, "Fixed price", "PS-1", g.admin, g.customer);
    g.other_project =
        fix_create_project_as(g.s, g.key, "Other project", "PS-2", g.admin, g.other_customer);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fix_free_strings();
    mt_stop(g.s);
    return 0;
}

static const char *nested(json_int_t project)
{
    return fix_fmt("/api/v1/projects/%lld/payment_schedules", (long long)project);
}

static json_int_t create(json_int_t project, const char *body)
{
    return mt_create(g.s, nested(project), g.key, body);
}

static void test_create_get_and_shape(void **state)
{
    (void)state;
    mt_resp *r = mt_request(g.s, "POST", nested(g.project), g.key,
                            "{\"net_total\":1800.05,\"title\":\"Erste Anzahlung\",\"date\":"
                            "\"2019-10-28\",\"description\":\"<div>Die erste</div>\"}",
                            NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, KEYS);
    MT_ASSERT_JSON_STR(r->json, "date", "2019-10-28");
    MT_ASSERT_JSON_STR(r->json, "title", "Erste Anzahlung");
    MT_ASSERT_JSON_STR(r->json, "description", "<div>Die erste</div>");
    assert_non_null(strstr(r->body, "\"net_total\":1800.05,")); /* exact, a JSON number */
    mt_assert_keys(mt_json_get(r->json, "project"), "id,identifier,name");
    MT_ASSERT_JSON_INT(r->json, "project.id", g.project);
    MT_ASSERT_JSON_STR(r->json, "project.identifier", "PS-1");
    MT_ASSERT_JSON_STR(r->json, "project.name", "Fixed price");
    MT_ASSERT_JSON_TYPE(r->json, "checked", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "billed", JSON_FALSE);
    MT_ASSERT_TIMESTAMP(r->json, "created_at");
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp *got = mt_getf(g.s, g.key, "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(got, 200);
    fix_assert_json_equal(got->json, r->json);
    mt_resp_free(got);
    mt_resp_free(r);

    /* the title is optional, net_total and date are not */
    r = mt_request(g.s, "POST", nested(g.project), g.key,
                   "{\"net_total\":10,\"date\":\"2019-11-01\",\"checked\":true}", NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", "");
    MT_ASSERT_JSON_TYPE(r->json, "checked", JSON_TRUE);
    mt_resp_free(r);
    fix_expect_422(g.s, "POST", g.key, "{\"date\":\"2019-11-01\"}", "net_total", "%s",
                   nested(g.project));
    fix_expect_422(g.s, "POST", g.key, "{\"net_total\":5}", "date", "%s", nested(g.project));
    fix_expect_422(g.s, "POST", g.key, "{\"net_total\":5,\"date\":\"2019-02-30\"}", "date", "%s",
                   nested(g.project));
    fix_expect_422(g.s, "POST", g.key, "{\"net_total\":\"x\",\"date\":\"2019-02-03\"}", "net_total",
                   "%s", nested(g.project));
    fix_expect_422(g.s, "POST", g.key, "{\"net_total\":1.005,\"date\":\"2019-02-03\"}", "net_total",
                   "%s", nested(g.project));
    /* billed is not the client's to set */
    r = mt_request(g.s, "POST", nested(g.project), g.key,
                   "{\"net_total\":1,\"date\":\"2019-11-02\",\"billed\":true}", NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "billed", JSON_FALSE);
    mt_resp_free(r);
    /* below a project that is not there, or the row below another project */
    fix_expect_error(g.s, "POST", g.key, "{\"net_total\":5,\"date\":\"2019-02-03\"}", 404,
                     "/api/v1/projects/987654/payment_schedules");
    fix_expect_error(g.s, "GET", g.key, NULL, 404, "%s/%lld", nested(g.other_project),
                     (long long)id);
}

static void test_update_and_delete(void **state)
{
    (void)state;
    json_int_t id = create(g.project, "{\"net_total\":500,\"date\":\"2020-01-10\"}");
    mt_resp *r = mt_requestf(g.s, "PUT", g.key, "{\"checked\":true,\"net_total\":499.99}",
                             "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "checked", JSON_TRUE);
    fix_assert_number(r->json, "net_total", 499.99);
    MT_ASSERT_JSON_STR(r->json, "date", "2020-01-10");
    mt_resp_free(r);
    fix_expect_422(g.s, "PUT", g.key, "{\"date\":null}", "date", "%s/%lld", nested(g.project),
                   (long long)id);
    r = mt_requestf(g.s, "PUT", g.key, "{\"title\":null,\"description\":null}", "%s/%lld",
                    nested(g.project), (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "title", ""); /* texts stay texts */
    MT_ASSERT_JSON_STR(r->json, "description", "");
    mt_resp_free(r);
    /* a delete answers the deleted schedule */
    r = mt_deletef(g.s, g.key, "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    fix_assert_number(r->json, "net_total", 499.99);
    mt_assert_keys(r->json, KEYS);
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", g.key, NULL, 404, "%s/%lld", nested(g.project), (long long)id);
    fix_expect_error(g.s, "DELETE", g.key, NULL, 404, "%s/%lld", nested(g.project), (long long)id);
}

static void test_lists_and_filters(void **state)
{
    (void)state;
    json_int_t a = create(g.project, "{\"net_total\":100,\"date\":\"2031-03-01\"}");
    json_int_t b =
        create(g.project, "{\"net_total\":200,\"date\":\"2031-02-01\",\"checked\":true}");
    json_int_t c = create(g.other_project, "{\"net_total\":300,\"date\":\"2031-02-15\"}");
    const char *from = "from=2031-01-01&to=2031-12-31";
    /* the project's own, by date */
    fix_assert_list_order(g.s, g.key, fix_fmt("%s?%s", nested(g.project), from),
                          ((json_int_t[]){b, a}), 2);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?%s&checked=true", nested(g.project), from), b);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?%s&checked=false", nested(g.project), from), a);
    fix_assert_list_of(g.s, g.key, fix_fmt("%s?from=2031-02-10&to=2031-12-31", nested(g.project)),
                       a);
    /* across projects */
    fix_assert_list_order(g.s, g.key, fix_fmt(FLAT "?%s", from), ((json_int_t[]){b, c, a}), 3);
    fix_assert_list_of(g.s, g.key, fix_fmt(FLAT "?%s&project_id=%lld", from, (long long)g.project),
                       a, b);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(FLAT "?%s&project_id=%lld,%lld", from, (long long)g.project,
                               (long long)g.other_project),
                       a, b, c);
    fix_assert_list_of(g.s, g.key,
                       fix_fmt(FLAT "?%s&company_id=%lld", from, (long long)g.other_customer), c);
    fix_assert_list_of(
        g.s, g.key, fix_fmt(FLAT "?%s&company_id=%lld&checked=true", from, (long long)g.customer),
        b);
    fix_assert_list_empty(g.s, g.key, fix_fmt(FLAT "?%s&project_id=987654", from));
    fix_expect_422(g.s, "GET", g.key, NULL, "project_id", FLAT "?project_id=x");
    fix_expect_422(g.s, "GET", g.key, NULL, "from", FLAT "?from=2031-05-01&to=2031-01-01");
    /* the flat list's entries are the nested ones */
    mt_resp *flat = mt_get(g.s, fix_fmt(FLAT "?ids=%lld", (long long)c), g.key);
    mt_resp *one = mt_getf(g.s, g.key, "%s/%lld", nested(g.other_project), (long long)c);
    MT_ASSERT_STATUS(flat, 200);
    fix_assert_json_equal(json_array_get(flat->json, 0), one->json);
    mt_resp_free(flat);
    mt_resp_free(one);
}

/* Projects' people may plan payments; without the projects area there is nothing to see. */
static void test_permissions(void **state)
{
    (void)state;
    json_int_t id = create(g.project, "{\"net_total\":70,\"date\":\"2032-01-01\"}");
    char *nobody = NULL;
    fix_user_with_role(g.s, "Nora", "Employee", &nobody);
    mt_resp *r = mt_get(g.s, FLAT, nobody);
    long flat_status = r->status;
    mt_resp_free(r);
    r = mt_get(g.s, nested(g.project), nobody);
    assert_int_equal(r->status, flat_status); /* the same permission for both lists */
    mt_resp_free(r);
    fix_expect_error(g.s, "POST", nobody, "{\"net_total\":1,\"date\":\"2032-01-02\"}", 403, "%s",
                     nested(g.project));
    fix_expect_error(g.s, "DELETE", nobody, NULL, 403, "%s/%lld", nested(g.project), (long long)id);
    free(nobody);
    /* another account sees none of them */
    const char *theirs = fix_other_key(g.s);
    r = mt_get(g.s, FLAT, theirs);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    fix_expect_error(g.s, "GET", theirs, NULL, 404, "%s/%lld", nested(g.project), (long long)id);
}

static void test_webhooks(void **state)
{
    (void)state;
    json_int_t hook = mt_create(g.s, "/api/v1/account/web_hooks", g.key,
                                "{\"target\":\"Project::PaymentSchedule\",\"event\":\"delete\","
                                "\"hook\":\"http://127.0.0.1:9/ps\"}");
    json_int_t id = create(g.project, "{\"net_total\":12.5,\"date\":\"2033-01-01\"}");
    mt_resp *r = mt_deletef(g.s, g.key, "%s/%lld", nested(g.project), (long long)id);
    MT_ASSERT_STATUS(r, 200);
    char *text = mt_sql_str(g.s, fix_fmt("SELECT payload FROM webhook_events WHERE target = "
                                         "'Project::PaymentSchedule' AND event = 'delete' AND "
                                         "entity_id = %lld",
                                         (long long)id));
    json_t *p = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(p);
    fix_assert_json_equal(p, r->json);
    json_decref(p);
    mt_resp_free(r);
    fix_expect_status(g.s, "DELETE", g.key, NULL, 204, "/api/v1/account/web_hooks/%lld",
                      (long long)hook);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_and_shape),
        cmocka_unit_test(test_update_and_delete),
        cmocka_unit_test(test_lists_and_filters),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_webhooks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
