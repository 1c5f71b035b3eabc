/*
 * API tests of projects (sections/projects.md, all but GET /projects/{id}/report) and project
 * groups (sections/project_groups.md). Tasks and contracts: test_project_tasks.c.
 *
 * One server for the whole file (group fixture). Shared set-up data (a customer, a leader, a
 * co-leader, custom fields, the account "other") is made on first use; every test makes the
 * projects it looks at. Projects get explicit identifiers ("T-001", ...) unless a test is about
 * the automatic numbering.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROJECTS  "/api/v1/projects"
#define GROUPS    "/api/v1/projects/groups"
#define COMPANIES "/api/v1/companies"
#define USERS     "/api/v1/users"
#define DEALS     "/api/v1/deals"
#define CONTACTS  "/api/v1/contacts/people"

#define NO_ID ((json_int_t)987654321)

/* GET /projects/assigned (sections/projects.md). */
#define ASSIGNED_KEYS      "id,identifier,name,active,billable,customer,tasks,contract"
#define ASSIGNED_TASK_KEYS "id,name,active,billable"

/* PUT /projects/{id}/share and disable_share. */
#define SHARE_KEYS "id,active,url"

/* The keys of the "Attributes" example of sections/project_groups.md. */
#define GROUP_KEYS                                                                                 \
    "id,name,user,company,budget,currency,info,custom_properties,customer_report_url,projects,"    \
    "created_at,updated_at"
#define GROUP_PROJECT_KEYS "id,identifier,name,active,budget"

/* ---- generic helpers ------------------------------------------------------------------- */

#define fail_at(file, line, ...)                                                                   \
    do {                                                                                           \
        print_error("%s:%d: ", (file), (line));                                                    \
        print_error(__VA_ARGS__);                                                                  \
        print_error("\n");                                                                         \
        _fail((file), (line));                                                                     \
    } while (0)

/* A 422 whose errors do not name `field`. */
#define assert_not_named(r, field) assert_not_named_((r), (field), __FILE__, __LINE__)
static void assert_not_named_(const mt_resp *r, const char *field, const char *file, int line)
{
    json_t *errors = json_object_get(r->json, "errors");
    if (errors && json_object_get(errors, field))
        fail_at(file, line, "%s %s: errors should not name %s: %s", r->method, r->path, field,
                r->body);
}

/* The array holds exactly these strings (comma list, any order). */
#define assert_str_set(arr, csv) assert_str_set_((arr), (csv), __FILE__, __LINE__)
static void assert_str_set_(const json_t *arr, const char *csv, const char *file, int line)
{
    char *copy = strdup(csv);
    char *save = NULL;
    size_t n = 0;
    bool ok = json_is_array(arr);
    for (char *w = strtok_r(copy, ",", &save); ok && w; w = strtok_r(NULL, ",", &save)) {
        n++;
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e) if (json_is_string(e) && !strcmp(json_string_value(e), w))
            found = true;
        ok = found;
    }
    free(copy);
    if (!ok || json_array_size(arr) != n) {
        char *got = arr ? json_dumps(arr, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        print_error("%s:%d: expected the strings [%s], got %s\n", file, line, csv,
                    got ? got : "(nothing)");
        free(got);
        _fail(file, line);
    }
}

/* The ids of a list reply in order, as "1,2,3" (malloc'd). */
static char *ids_in_order(const mt_resp *r)
{
    char *out = calloc(1, 1024);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        size_t len = strlen(out);
        snprintf(out + len, 1024 - len, "%s%lld", i ? "," : "",
                 (long long)json_integer_value(json_object_get(e, "id")));
    }
    return out;
}

#define assert_order(s, key, path, expected)                                                       \
    do {                                                                                           \
        mt_resp *r_ = mt_get((s), (path), (key));                                                  \
        MT_ASSERT_STATUS(r_, 200);                                                                 \
        char *got_ = ids_in_order(r_);                                                             \
        if (strcmp(got_, (expected)))                                                              \
            fail_at(__FILE__, __LINE__, "GET %s: expected ids in order %s, got %s", (path),        \
                    (expected), got_);                                                             \
        free(got_);                                                                                \
        mt_resp_free(r_);                                                                          \
    } while (0)

/* The date `days` away from "YYYY-MM-DD". */
static void date_shift(const char *ymd, int days, char out[11])
{
    struct tm tm = {0};
    sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_hour = 12;
    time_t t = timegm(&tm) + (time_t)days * 86400;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- set-up data ------------------------------------------------------------------------ */

static int g_counter;

/* A user of the key's account; password may be NULL. */
static json_int_t create_user(mt_server *s, const char *key, const char *firstname,
                              const char *lastname, const char *password)
{
    char email[96];
    snprintf(email, sizeof email, "project-user-%d@example.test", ++g_counter);
    return fix_create_user_as(s, key, firstname, lastname, email, password);
}

static json_int_t create_group(mt_server *s, const char *key, const char *name)
{
    mt_resp *r = mt_request_json(s, "POST", GROUPS, key, json_pack("{s:s}", "name", name), NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

static struct {
    bool ready;
    json_int_t customer, leader, co_leader;
    json_int_t other_user, other_company, other_deal, other_contact, other_group, other_project;
} fx;

static void fixture(mt_server *s)
{
    if (fx.ready)
        return;
    const char *key = mt_admin_key(s);
    fx.customer = fix_create_company_as(s, key, "customer", "Beispiel AG");
    fx.leader = create_user(s, key, "Michael", "Mustermann", NULL);
    fx.co_leader = create_user(s, key, "Nicola", "Piccinini", NULL);
    mt_resp_free(fix_create_custom_property(s, "Project", "PO Number", "String", NULL));
    mt_resp_free(
        fix_create_custom_property(s, "Project", "Phase", "Select", "[\"Design\", \"Build\"]"));
    fx.ready = true;
}

/* A fresh project body: name, identifier T-nnn, currency, leader, customer, fixed_price and
 * retainer (all the mandatory fields of a non-retainer project). */
static json_t *project_body(mt_server *s, const char *name)
{
    fixture(s);
    char ident[32];
    snprintf(ident, sizeof ident, "T-%03d", ++g_counter);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "name", name, "identifier", ident,
                     "currency", "EUR", "leader_id", fx.leader, "customer_id", fx.customer,
                     "fixed_price", 0, "retainer", 0);
}

static void assert_group_shape(const json_t *g)
{
    mt_assert_keys(g, GROUP_KEYS);
    MT_ASSERT_JSON_TYPE(g, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(g, "name", JSON_STRING);
    fix_assert_person_or_null(g, "user");
    fix_assert_id_name_or_null(g, "company");
    fix_assert_type_or_null(g, "budget", MT_JSON_NUMBER);
    fix_assert_type_or_null(g, "currency", JSON_STRING);
    MT_ASSERT_JSON_TYPE(g, "info", JSON_STRING);
    MT_ASSERT_JSON_TYPE(g, "custom_properties", JSON_OBJECT);
    fix_assert_type_or_null(g, "customer_report_url", JSON_STRING);
    MT_ASSERT_JSON_TYPE(g, "projects", JSON_ARRAY);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(g, "projects"), i, e)
    {
        mt_assert_keys(e, GROUP_PROJECT_KEYS);
        MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(e, "identifier", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "active", MT_JSON_BOOL);
        fix_assert_type_or_null(e, "budget", MT_JSON_NUMBER);
    }
    MT_ASSERT_TIMESTAMP(g, "created_at");
    MT_ASSERT_TIMESTAMP(g, "updated_at");
}

/* POST /projects (body consumed), asserting 200 and the shape; returns the reply. */
static mt_resp *post_project_ok(mt_server *s, json_t *body)
{
    mt_resp *r = mt_request_json(s, "POST", PROJECTS, mt_admin_key(s), body, NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    return r;
}

static json_int_t create_project(mt_server *s, json_t *body)
{
    mt_resp *r = post_project_ok(s, body);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);
    return id;
}

/* GET /projects/{id} with the admin key, asserting 200 and the shape. */
static mt_resp *get_project(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    return r;
}

static mt_resp *put_project(mt_server *s, const char *key, json_int_t id, json_t *body)
{
    char path[96];
    snprintf(path, sizeof path, PROJECTS "/%lld", (long long)id);
    return mt_request_json(s, "PUT", path, key, body, NULL);
}

/* PUT /projects/{id}/<action> with an optional JSON body (text). */
static mt_resp *project_action(mt_server *s, const char *key, json_int_t id, const char *action,
                               const char *body)
{
    return mt_requestf(s, "PUT", key, body, PROJECTS "/%lld/%s", (long long)id, action);
}

/* The number of projects of the account, archived ones included. */
static long long project_count(mt_server *s)
{
    mt_resp *r = mt_get(s, PROJECTS "?include_archived=true", mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    long long n = atoll(mt_header(r, "X-Total"));
    mt_resp_free(r);
    return n;
}

/* The account "other", with a user, a customer, a deal, a contact, a group and a project. */
static const char *other(mt_server *s)
{
    bool made = fx.other_user != 0;
    const char *k = fix_other_key(s);
    if (made)
        return k;
    fx.other_user = create_user(s, k, "Otto", "Other", NULL);
    fx.other_company = fix_create_company_as(s, k, "customer", "Other Customer GmbH");
    fx.other_deal = fix_create_deal(s, k, "Other Deal", fx.other_user);
    fx.other_contact = fix_create_contact(s, k, "Olga", "Other");
    fx.other_group = create_group(s, k, "Other Group");
    fx.other_project =
        fix_create_project_as(s, k, "Other Project", NULL, fx.other_user, fx.other_company);
    return k;
}

/* ---- create and read -------------------------------------------------------------------- */

static void test_create_minimal_and_get(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    mt_resp *r =
        post_project_ok(s, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name", "Website Support",
                                     "currency", "EUR", "leader_id", fx.leader, "customer_id",
                                     fx.customer, "fixed_price", 1, "retainer", 0));
    json_t *p = r->json;
    json_int_t id = mt_json_int(p, "id");
    assert_true(id > 0);
    /* an automatic identifier "P001"-style */
    const char *ident = mt_json_str(p, "identifier");
    assert_true(strlen(ident) >= 4 && ident[0] == 'P' &&
                strspn(ident + 1, "0123456789") == strlen(ident) - 1);
    MT_ASSERT_JSON_STR(p, "name", "Website Support");
    MT_ASSERT_JSON_TYPE(p, "active", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "fixed_price", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "retainer", JSON_FALSE);
    MT_ASSERT_JSON_NULL(p, "start_date");
    MT_ASSERT_JSON_NULL(p, "finish_date");
    MT_ASSERT_JSON_STR(p, "currency", "EUR");
    MT_ASSERT_JSON_STR(p, "billing_variant", "project");
    MT_ASSERT_JSON_TYPE(p, "setting_include_time_report", JSON_FALSE);
    MT_ASSERT_JSON_NULL(p, "budget");
    MT_ASSERT_JSON_NULL(p, "budget_monthly");
    MT_ASSERT_JSON_NULL(p, "budget_expenses");
    fix_assert_number(p, "hourly_rate", 0);
    assert_int_equal(mt_json_len(p, "tags"), 0);
    MT_ASSERT_JSON_NULL(p, "customer_report_url");
    assert_int_equal(mt_json_len(p, "custom_properties"), 0);
    MT_ASSERT_JSON_INT(p, "leader.id", fx.leader);
    MT_ASSERT_JSON_STR(p, "leader.firstname", "Michael");
    MT_ASSERT_JSON_STR(p, "leader.lastname", "Mustermann");
    MT_ASSERT_JSON_NULL(p, "co_leader");
    MT_ASSERT_JSON_INT(p, "customer.id", fx.customer);
    MT_ASSERT_JSON_STR(p, "customer.name", "Beispiel AG");
    MT_ASSERT_JSON_NULL(p, "deal");
    assert_int_equal(mt_json_len(p, "tasks"), 0);
    /* the leader is on the staff, as in MOCO */
    assert_int_equal(mt_json_len(p, "contracts"), 1);
    MT_ASSERT_JSON_INT(p, "contracts[0].user_id", fx.leader);
    MT_ASSERT_JSON_NULL(p, "project_group");
    MT_ASSERT_JSON_NULL(p, "billing_contact");
    MT_ASSERT_JSON_NULL(p, "contact");
    MT_ASSERT_JSON_NULL(p, "secondary_contact");

    /* GET answers the same representation, also with the .json suffix */
    mt_resp *g = get_project(s, id);
    fix_assert_json_equal(g->json, p);
    mt_resp_free(g);
    g = mt_getf(s, key, PROJECTS "/%lld.json", (long long)id);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, p);
    mt_resp_free(g);

    /* the list shows it in the same form */
    g = mt_getf(s, key, PROJECTS "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(g, 200);
    assert_int_equal(json_array_size(g->json), 1);
    fix_assert_json_equal(json_array_get(g->json, 0), p);
    mt_resp_free(g);

    /* a second automatic identifier is another one */
    mt_resp *r2 =
        post_project_ok(s, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name", "Second Auto",
                                     "currency", "EUR", "leader_id", fx.leader, "customer_id",
                                     fx.customer, "fixed_price", 0, "retainer", 0));
    const char *ident2 = mt_json_str(r2->json, "identifier");
    assert_true(ident2[0] == 'P');
    assert_string_not_equal(ident2, ident);
    mt_resp_free(r2);
    mt_resp_free(r);

    g = mt_getf(s, key, PROJECTS "/%lld", (long long)NO_ID);
    MT_ASSERT_STATUS(g, 404);
    MT_ASSERT_JSON_TYPE(g->json, "message", JSON_STRING);
    mt_resp_free(g);
}

/* Automatic identifiers are unique: they skip an identifier given by hand. With n projects,
 * one more made by hand as "P<n+2>" takes the number a count-based scheme would give next. */
static void test_auto_identifier_skips_taken(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    long long n = project_count(s);
    char taken_ident[32];
    snprintf(taken_ident, sizeof taken_ident, "P%03lld", n + 2);
    json_t *b = project_body(s, "Taken By Hand");
    json_object_set_new(b, "identifier", json_string(taken_ident));
    json_int_t taken = create_project(s, b);

    mt_resp *r = mt_request_json(s, "POST", PROJECTS, key,
                                 json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name",
                                           "Automatic After Manual", "currency", "EUR", "leader_id",
                                           fx.leader, "customer_id", fx.customer, "fixed_price", 0,
                                           "retainer", 0),
                                 NULL);
    long status = r->status;
    char *body = fix_fmt("%s", r->body);
    json_int_t auto_id = status == 200 ? mt_json_int(r->json, "id") : 0;
    char ident[64] = "";
    if (status == 200)
        snprintf(ident, sizeof ident, "%s", mt_json_str(r->json, "identifier"));
    mt_resp_free(r);
    /* clean up first, so that later tests are not hit by a failure here */
    json_int_t made[] = {taken, auto_id};
    for (int i = 0; i < 2; i++) {
        if (!made[i])
            continue;
        mt_resp *d = mt_deletef(s, key, PROJECTS "/%lld", (long long)made[i]);
        MT_ASSERT_STATUS(d, 200);
        mt_resp_free(d);
    }
    if (status != 200) {
        print_error("POST /projects without identifier while %s was taken by hand: expected 200 "
                    "with a fresh identifier, got %ld %s\n",
                    taken_ident, status, body);
        fail();
    }
    assert_string_not_equal(ident, taken_ident);
}

/* Automatic identifiers stay unique after a project was deleted. */
static void test_auto_identifier_after_delete(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t ids[3] = {0, 0, 0};
    char idents[3][64] = {"", "", ""};
    long status[3] = {0, 0, 0};
    char *last_body = NULL;
    for (int i = 0; i < 3; i++) {
        if (i == 2) { /* delete the first, then number a third one */
            mt_resp *d = mt_deletef(s, key, PROJECTS "/%lld", (long long)ids[0]);
            MT_ASSERT_STATUS(d, 200);
            mt_resp_free(d);
        }
        mt_resp *r =
            mt_request_json(s, "POST", PROJECTS, key,
                            json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name", "Numbered",
                                      "currency", "EUR", "leader_id", fx.leader, "customer_id",
                                      fx.customer, "fixed_price", 0, "retainer", 0),
                            NULL);
        status[i] = r->status;
        if (r->status == 200) {
            ids[i] = mt_json_int(r->json, "id");
            snprintf(idents[i], sizeof idents[i], "%s", mt_json_str(r->json, "identifier"));
        }
        last_body = fix_fmt("%s", r->body);
        mt_resp_free(r);
        if (i < 2)
            assert_int_equal(status[i], 200);
    }
    for (int i = 1; i < 3; i++)
        if (ids[i]) {
            mt_resp *d = mt_deletef(s, key, PROJECTS "/%lld", (long long)ids[i]);
            MT_ASSERT_STATUS(d, 200);
            mt_resp_free(d);
        }
    if (status[2] != 200)
        fail_at(__FILE__, __LINE__,
                "POST /projects without identifier after deleting %s (%s still exists): expected "
                "200 with a fresh identifier, got %ld %s",
                idents[0], idents[1], status[2], last_body);
    assert_string_not_equal(idents[2], idents[1]);
}

static void test_create_every_field(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t deal = fix_create_deal(s, key, "Website Relaunch", fx.leader);
    json_int_t group = create_group(s, key, "Webpages");
    json_int_t billing = fix_create_contact(s, key, "Maxine", "Muster");
    json_int_t contact = fix_create_contact(s, key, "Max", "Muster");
    json_int_t secondary = fix_create_contact(s, key, "Meike", "Muster");

    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                          "name", "Website Relaunch", "currency", "CHF", "start_date", "2018-01-01",
                          "finish_date", "2018-12-31", "fixed_price", 1, "retainer", 0, "leader_id",
                          fx.leader, "co_leader_id", fx.co_leader, "customer_id", fx.customer,
                          "deal_id", deal, "project_group_id", group, "contact_id", contact,
                          "secondary_contact_id", secondary, "billing_contact_id", billing);
    json_object_update_new(
        b,
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:f, s:f, s:f, s:f}", "identifier", "P-123",
                  "billing_address", "Beispiel AG\nBeispielstrasse 123\n12345 Berlin",
                  "billing_email_to", "project@beispiel.co", "billing_email_cc",
                  "project-cc@beispiel.co", "billing_notes", "Billing notes text",
                  "setting_include_time_report", 1, "billing_variant", "task", "hourly_rate", 150.0,
                  "budget", 20000.0, "budget_monthly", 2000.0, "budget_expenses", 5000.0));
    json_object_update_new(
        b, json_pack("{s:[s, s], s:{s:s, s:s}, s:s, s:b, s:i, s:s, s:s, s:s}", "tags", "Print",
                     "Digital", "custom_properties", "PO Number", "123-ABC", "Phase", "Build",
                     "info", "Info for this project", "skip_favorite", 1, "retainer_billing_date",
                     15, "retainer_billing_title", "Monthly Retainer",
                     "retainer_billing_description", "Recurring billing", "color", "#CCCC00"));
    mt_resp *r = post_project_ok(s, b);
    json_t *p = r->json;
    json_int_t id = mt_json_int(p, "id");
    MT_ASSERT_JSON_STR(p, "identifier", "P-123");
    MT_ASSERT_JSON_STR(p, "name", "Website Relaunch");
    MT_ASSERT_JSON_TYPE(p, "active", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "fixed_price", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "retainer", JSON_FALSE);
    MT_ASSERT_JSON_STR(p, "start_date", "2018-01-01");
    MT_ASSERT_JSON_STR(p, "finish_date", "2018-12-31");
    MT_ASSERT_JSON_STR(p, "color", "#CCCC00");
    MT_ASSERT_JSON_STR(p, "currency", "CHF");
    MT_ASSERT_JSON_STR(p, "billing_variant", "task");
    MT_ASSERT_JSON_STR(p, "billing_address", "Beispiel AG\nBeispielstrasse 123\n12345 Berlin");
    MT_ASSERT_JSON_STR(p, "billing_email_to", "project@beispiel.co");
    MT_ASSERT_JSON_STR(p, "billing_email_cc", "project-cc@beispiel.co");
    MT_ASSERT_JSON_STR(p, "billing_notes", "Billing notes text");
    MT_ASSERT_JSON_TYPE(p, "setting_include_time_report", JSON_TRUE);
    fix_assert_number(p, "budget", 20000);
    fix_assert_number(p, "budget_monthly", 2000);
    fix_assert_number(p, "budget_expenses", 5000);
    fix_assert_number(p, "hourly_rate", 150);
    MT_ASSERT_JSON_STR(p, "info", "Info for this project");
    assert_str_set(json_object_get(p, "tags"), "Print,Digital");
    json_t *cp = json_object_get(p, "custom_properties");
    assert_int_equal(json_object_size(cp), 2);
    assert_string_equal(json_string_value(json_object_get(cp, "PO Number")), "123-ABC");
    assert_string_equal(json_string_value(json_object_get(cp, "Phase")), "Build");
    MT_ASSERT_JSON_NULL(p, "customer_report_url");
    MT_ASSERT_JSON_INT(p, "leader.id", fx.leader);
    MT_ASSERT_JSON_INT(p, "co_leader.id", fx.co_leader);
    MT_ASSERT_JSON_STR(p, "co_leader.firstname", "Nicola");
    MT_ASSERT_JSON_STR(p, "co_leader.lastname", "Piccinini");
    MT_ASSERT_JSON_INT(p, "customer.id", fx.customer);
    MT_ASSERT_JSON_INT(p, "deal.id", deal);
    MT_ASSERT_JSON_STR(p, "deal.name", "Website Relaunch");
    MT_ASSERT_JSON_INT(p, "project_group.id", group);
    MT_ASSERT_JSON_STR(p, "project_group.name", "Webpages");
    MT_ASSERT_JSON_INT(p, "billing_contact.id", billing);
    MT_ASSERT_JSON_STR(p, "billing_contact.firstname", "Maxine");
    MT_ASSERT_JSON_STR(p, "billing_contact.lastname", "Muster");
    MT_ASSERT_JSON_INT(p, "contact.id", contact);
    MT_ASSERT_JSON_STR(p, "contact.firstname", "Max");
    MT_ASSERT_JSON_INT(p, "secondary_contact.id", secondary);
    MT_ASSERT_JSON_STR(p, "secondary_contact.firstname", "Meike");
    /* write-only inputs are not part of the representation (checked by the shape) */
    mt_resp *g = get_project(s, id);
    fix_assert_json_equal(g->json, p);
    mt_resp_free(g);
    mt_resp_free(r);

    /* a retainer with its period on month boundaries and a monthly budget */
    b = project_body(s, "Monthly Retainer");
    json_object_update_new(b, json_pack("{s:b, s:s, s:s, s:f}", "retainer", 1, "start_date",
                                        "2024-01-01", "finish_date", "2024-12-31", "budget_monthly",
                                        2000.0));
    r = post_project_ok(s, b);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "start_date", "2024-01-01");
    MT_ASSERT_JSON_STR(r->json, "finish_date", "2024-12-31");
    fix_assert_number(r->json, "budget_monthly", 2000);
    mt_resp_free(r);

    /* ids, booleans and numbers as strings, as in the docs' example ("leader_id": "1234") */
    char leader[32], customer[32], ident[32];
    snprintf(leader, sizeof leader, "%lld", (long long)fx.leader);
    snprintf(customer, sizeof customer, "%lld", (long long)fx.customer);
    snprintf(ident, sizeof ident, "STR-%d", ++g_counter);
    r = post_project_ok(s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s]}", "name",
                                     "Strings", "identifier", ident, "currency", "EUR", "leader_id",
                                     leader, "customer_id", customer, "fixed_price", "false",
                                     "retainer", "0", "tags", "Print", "Digital"));
    MT_ASSERT_JSON_INT(r->json, "leader.id", fx.leader);
    MT_ASSERT_JSON_INT(r->json, "customer.id", fx.customer);
    MT_ASSERT_JSON_TYPE(r->json, "fixed_price", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_FALSE);
    mt_resp_free(r);

    /* every billing variant is accepted */
    const char *variants[] = {"project", "task", "user"};
    for (int i = 0; i < 3; i++) {
        b = project_body(s, "Variant");
        json_object_set_new(b, "billing_variant", json_string(variants[i]));
        r = post_project_ok(s, b);
        MT_ASSERT_JSON_STR(r->json, "billing_variant", variants[i]);
        mt_resp_free(r);
    }
}

static void test_create_required_fields(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    long long before = project_count(s);

    /* retainer is optional (false), as MOCO accepts it; test_fidelity.c: strict mode */
    mt_resp *r = mt_post(s, PROJECTS, key, "{}");
    fix_assert_422_fields(r, "name,currency,fixed_price,leader_id,customer_id");
    assert_null(mt_json_get(r->json, "errors.retainer"));
    mt_resp_free(r);

    const char *required[] = {"name", "currency", "fixed_price", "leader_id", "customer_id"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        /* left out */
        json_t *b = project_body(s, "Missing");
        json_object_del(b, required[i]);
        r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, required[i]);
        mt_resp_free(r);
        /* sent as null */
        b = project_body(s, "Null");
        json_object_set_new(b, required[i], json_null());
        r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, required[i]);
        mt_resp_free(r);
    }
    const char *blank[] = {"name", "currency"};
    for (int i = 0; i < 2; i++) {
        json_t *b = project_body(s, "Blank");
        json_object_set_new(b, blank[i], json_string(""));
        r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, blank[i]);
        mt_resp_free(r);
    }
    assert_int_equal(project_count(s), before);
}

static void test_create_invalid_values(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    long long before = project_count(s);
    struct {
        const char *field;
        json_t *value;
    } bad[] = {
        {"billing_variant", json_string("monthly")},
        {"color", json_string("red")},
        {"start_date", json_string("2018-02-30")},
        {"finish_date", json_string("soon")},
        {"budget", json_string("much")},
        {"budget_monthly", json_true()},
        {"budget_expenses", json_string("x")},
        {"hourly_rate", json_string("high")},
        {"fixed_price", json_string("perhaps")},
        {"retainer", json_string("perhaps")},
        {"billable", json_string("perhaps")},
        {"setting_include_time_report", json_string("perhaps")},
        {"tags", json_string("Print")},
        {"custom_properties", json_string("PO Number")},
        {"leader_id", json_string("the boss")},
        {"name", json_pack("[s]", "array")},
        {"info", json_integer(5)},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = project_body(s, "Invalid");
        json_object_set_new(b, bad[i].field, bad[i].value);
        mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }

    /* every problem is named at once */
    json_t *b = project_body(s, "Invalid");
    json_object_update_new(b, json_pack("{s:s, s:s, s:s}", "billing_variant", "monthly", "color",
                                        "red", "start_date", "never"));
    json_object_del(b, "name");
    mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422_fields(r, "billing_variant,color,start_date,name");
    mt_resp_free(r);

    /* finish before start */
    b = project_body(s, "Backwards");
    json_object_update_new(
        b, json_pack("{s:s, s:s}", "start_date", "2018-06-01", "finish_date", "2018-05-31"));
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "finish_date");
    mt_resp_free(r);

    /* custom fields: unknown names and options not offered */
    b = project_body(s, "Custom");
    json_object_set_new(b, "custom_properties", json_pack("{s:s}", "No Such Field", "x"));
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    MT_ASSERT_STATUS(r, 200); /* an unknown name is dropped, as MOCO does */
    assert_int_equal(json_object_size(json_object_get(r->json, "custom_properties")), 0);
    fix_expect_status(s, "DELETE", key, NULL, 200, PROJECTS "/%lld",
                      (long long)mt_json_int(r->json, "id"));
    mt_resp_free(r);
    b = project_body(s, "Custom");
    json_object_set_new(b, "custom_properties", json_pack("{s:s}", "Phase", "Demolition"));
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "custom_properties.Phase");
    mt_resp_free(r);

    /* too long */
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    b = project_body(s, longname);
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "name");
    mt_resp_free(r);

    /* a taken identifier */
    b = project_body(s, "Unique One");
    json_object_set_new(b, "identifier", json_string("UNIQ-1"));
    json_int_t first = create_project(s, b);
    b = project_body(s, "Unique Two");
    json_object_set_new(b, "identifier", json_string("UNIQ-1"));
    r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422(r, "identifier");
    mt_resp_free(r);

    /* malformed JSON and another content type */
    r = mt_post(s, PROJECTS, key, "{\"name\":");
    MT_ASSERT_STATUS(r, 400);
    mt_resp_free(r);
    const char *text[] = {"Content-Type: text/plain", NULL};
    r = mt_request(s, "POST", PROJECTS, key, "{}", text);
    MT_ASSERT_STATUS(r, 415);
    mt_resp_free(r);

    assert_int_equal(project_count(s), before + 1);
    (void)first;
}

/* Ids of entities that do not exist or belong to the account "other": 422 naming the field. */
static void test_foreign_ids(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    other(s);
    long long before = project_count(s);
    const char *ref_fields[] = {
        "leader_id",        "co_leader_id", "customer_id",          "deal_id",
        "project_group_id", "contact_id",   "secondary_contact_id", "billing_contact_id"};
    json_int_t other_ids[] = {fx.other_user,  fx.other_user,    fx.other_company, fx.other_deal,
                              fx.other_group, fx.other_contact, fx.other_contact, fx.other_contact};
    for (size_t i = 0; i < sizeof ref_fields / sizeof ref_fields[0]; i++) {
        json_t *b = project_body(s, "Unknown Ref");
        json_object_set_new(b, ref_fields[i], json_integer(NO_ID));
        mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, ref_fields[i]);
        mt_resp_free(r);

        b = project_body(s, "Other Account Ref");
        json_object_set_new(b, ref_fields[i], json_integer(other_ids[i]));
        r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
        fix_assert_422(r, ref_fields[i]);
        mt_resp_free(r);
    }
    /* all at once: every field named */
    json_t *b = project_body(s, "All Foreign");
    for (size_t i = 0; i < sizeof ref_fields / sizeof ref_fields[0]; i++)
        json_object_set_new(b, ref_fields[i], json_integer(other_ids[i]));
    mt_resp *r = mt_request_json(s, "POST", PROJECTS, key, b, NULL);
    fix_assert_422_fields(r,
                          "leader_id,co_leader_id,customer_id,deal_id,project_group_id,contact_id,"
                          "secondary_contact_id,billing_contact_id");
    mt_resp_free(r);
    assert_int_equal(project_count(s), before);

    /* on update too, and nothing changes */
    json_int_t id = create_project(s, project_body(s, "Foreign Update"));
    mt_resp *orig = get_project(s, id);
    for (size_t i = 0; i < sizeof ref_fields / sizeof ref_fields[0]; i++) {
        r = put_project(s, key, id, json_pack("{s:I}", ref_fields[i], other_ids[i]));
        fix_assert_422(r, ref_fields[i]);
        mt_resp_free(r);
        r = put_project(s, key, id, json_pack("{s:I}", ref_fields[i], NO_ID));
        fix_assert_422(r, ref_fields[i]);
        mt_resp_free(r);
    }
    mt_resp *now = get_project(s, id);
    fix_assert_json_equal(now->json, orig->json);
    mt_resp_free(now);
    mt_resp_free(orig);

    /* and the other account cannot use acme's entities either */
    r = mt_request_json(s, "POST", PROJECTS, fix_other_key(s),
                        json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "name", "Stolen Refs",
                                  "currency", "EUR", "leader_id", fx.leader, "customer_id",
                                  fx.customer, "fixed_price", 0, "retainer", 0),
                        NULL);
    fix_assert_422_fields(r, "leader_id,customer_id");
    mt_resp_free(r);
}

/* ---- retainers -------------------------------------------------------------------------- */

static mt_resp *post_retainer(mt_server *s, const char *start, const char *finish,
                              const double *monthly)
{
    json_t *b = project_body(s, "Retainer");
    json_object_set_new(b, "retainer", json_true());
    if (start)
        json_object_set_new(b, "start_date", json_string(start));
    if (finish)
        json_object_set_new(b, "finish_date", json_string(finish));
    if (monthly)
        json_object_set_new(b, "budget_monthly", json_real(*monthly));
    return mt_request_json(s, "POST", PROJECTS, mt_admin_key(s), b, NULL);
}

static void test_retainer_rules(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    const double monthly = 1000;

    mt_resp *r = post_retainer(s, NULL, NULL, NULL);
    fix_assert_422_fields(r, "start_date,finish_date,budget_monthly");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-01", "2024-06-30", NULL);
    fix_assert_422(r, "budget_monthly");
    assert_not_named(r, "start_date");
    assert_not_named(r, "finish_date");
    mt_resp_free(r);
    r = post_retainer(s, NULL, "2024-06-30", &monthly);
    fix_assert_422(r, "start_date");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-01", NULL, &monthly);
    fix_assert_422(r, "finish_date");
    mt_resp_free(r);
    /* the start on the first, the finish on the last of a month */
    r = post_retainer(s, "2024-01-15", "2024-06-30", &monthly);
    fix_assert_422(r, "start_date");
    assert_not_named(r, "finish_date");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-01", "2024-06-29", &monthly);
    fix_assert_422(r, "finish_date");
    assert_not_named(r, "start_date");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-01", "2024-02-28", &monthly); /* 2024 is a leap year */
    fix_assert_422(r, "finish_date");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-02", "2024-04-01", &monthly);
    fix_assert_422_fields(r, "start_date,finish_date");
    mt_resp_free(r);
    r = post_retainer(s, "2024-01-01", "2024-02-29", &monthly);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_TRUE);
    json_int_t retainer = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = post_retainer(s, "2023-02-01", "2023-02-28", &monthly);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = post_retainer(s, "2023-04-01", "2023-04-30", &monthly);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* a project that is no retainer has no such rules */
    json_t *b = project_body(s, "Free Dates");
    json_object_update_new(
        b, json_pack("{s:s, s:s}", "start_date", "2024-01-15", "finish_date", "2024-06-29"));
    json_int_t plain = create_project(s, b);

    /* updates of a retainer keep to the rules, with the stored values */
    mt_resp *orig = get_project(s, retainer);
    r = put_project(s, key, retainer, json_pack("{s:s}", "start_date", "2024-01-02"));
    fix_assert_422(r, "start_date");
    mt_resp_free(r);
    r = put_project(s, key, retainer, json_pack("{s:s}", "finish_date", "2024-03-30"));
    fix_assert_422(r, "finish_date");
    mt_resp_free(r);
    r = put_project(s, key, retainer, json_pack("{s:n}", "budget_monthly"));
    fix_assert_422(r, "budget_monthly");
    mt_resp_free(r);
    r = put_project(s, key, retainer, json_pack("{s:n}", "start_date"));
    fix_assert_422(r, "start_date");
    mt_resp_free(r);
    mt_resp *now = get_project(s, retainer);
    fix_assert_json_equal(now->json, orig->json);
    mt_resp_free(now);
    mt_resp_free(orig);
    r = put_project(s, key, retainer, json_pack("{s:s}", "finish_date", "2024-12-31"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "finish_date", "2024-12-31");
    mt_resp_free(r);

    /* turning a project into a retainer needs the period and the monthly budget */
    r = put_project(s, key, plain, json_pack("{s:b}", "retainer", 1));
    fix_assert_422_fields(r, "start_date,finish_date,budget_monthly");
    mt_resp_free(r);
    r = put_project(s, key, plain,
                    json_pack("{s:b, s:s, s:s, s:f}", "retainer", 1, "start_date", "2024-02-01",
                              "finish_date", "2024-07-31", "budget_monthly", 500.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_TRUE);
    fix_assert_number(r->json, "budget_monthly", 500);
    mt_resp_free(r);
    /* and back: no rules any more */
    r = put_project(
        s, key, plain,
        json_pack("{s:b, s:s, s:n}", "retainer", 0, "start_date", "2024-02-14", "budget_monthly"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "retainer", JSON_FALSE);
    MT_ASSERT_JSON_NULL(r->json, "budget_monthly");
    mt_resp_free(r);
}

/* ---- update ----------------------------------------------------------------------------- */

static void test_update(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_t *b = project_body(s, "Before Update");
    json_object_update_new(
        b, json_pack("{s:f, s:s, s:[s]}", "budget", 18200.0, "info", "original", "tags", "Keep"));
    json_int_t id = create_project(s, b);
    mt_resp *before = get_project(s, id);

    /* only the fields sent change */
    mt_resp *r = put_project(s, key, id, json_pack("{s:f}", "budget", 25000.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    fix_assert_number(r->json, "budget", 25000);
    const char *k;
    json_t *v;
    json_object_foreach(before->json, k, v)
    {
        if (!strcmp(k, "budget") || !strcmp(k, "updated_at"))
            continue;
        fix_assert_json_equal(json_object_get(r->json, k), v);
    }
    assert_true(
        strcmp(mt_json_str(r->json, "updated_at"), mt_json_str(before->json, "created_at")) >= 0);
    mt_resp_free(r);
    mt_resp_free(before);

    /* PATCH works the same */
    r = mt_request_json(s, "PATCH", fix_fmt(PROJECTS "/%lld", (long long)id), key,
                        json_pack("{s:s}", "name", "Patched"), NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "name", "Patched");
    fix_assert_number(r->json, "budget", 25000);
    mt_resp_free(r);

    /* the currency cannot change after creation: ignored */
    r = put_project(s, key, id, json_pack("{s:s, s:s}", "currency", "USD", "info", "no dollars"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "info", "no dollars");
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    mt_resp_free(r);

    /* every field the POST takes can be changed */
    json_int_t customer = fix_create_company_as(s, key, "customer", "Update Customer");
    json_int_t deal = fix_create_deal(s, key, "Update Deal", fx.leader);
    json_int_t group = create_group(s, key, "Update Group");
    json_int_t c1 = fix_create_contact(s, key, "Una", "Update");
    json_int_t c2 = fix_create_contact(s, key, "Dos", "Update");
    json_int_t c3 = fix_create_contact(s, key, "Tres", "Update");
    b = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                  "All Changed", "start_date", "2019-03-01", "finish_date", "2019-09-30",
                  "fixed_price", 1, "leader_id", fx.co_leader, "co_leader_id", fx.leader,
                  "customer_id", customer, "deal_id", deal, "project_group_id", group, "contact_id",
                  c1, "secondary_contact_id", c2, "billing_contact_id", c3);
    json_object_update_new(
        b,
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:f, s:f, s:f, s:f, s:b}", "identifier",
                  "UPD-1", "billing_address", "New Address", "billing_email_to", "to@new.test",
                  "billing_email_cc", "cc@new.test", "billing_notes", "new notes",
                  "setting_include_time_report", 1, "billing_variant", "user", "hourly_rate", 99.5,
                  "budget", 1.5, "budget_monthly", 300.0, "budget_expenses", 42.0, "billable", 0));
    json_object_update_new(b, json_pack("{s:[s, s], s:{s:s}, s:s, s:s, s:b, s:i, s:s, s:s}", "tags",
                                        "New", "Tags", "custom_properties", "PO Number", "PO-9",
                                        "info", "changed", "color", "#00FF00", "skip_favorite", 1,
                                        "retainer_billing_date", 3, "retainer_billing_title", "T",
                                        "retainer_billing_description", "D"));
    r = put_project(s, key, id, b);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    json_t *p = r->json;
    MT_ASSERT_JSON_STR(p, "name", "All Changed");
    MT_ASSERT_JSON_STR(p, "identifier", "UPD-1");
    MT_ASSERT_JSON_STR(p, "start_date", "2019-03-01");
    MT_ASSERT_JSON_STR(p, "finish_date", "2019-09-30");
    MT_ASSERT_JSON_TYPE(p, "fixed_price", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(p, "billable", JSON_FALSE);
    MT_ASSERT_JSON_INT(p, "leader.id", fx.co_leader);
    MT_ASSERT_JSON_STR(p, "leader.firstname", "Nicola");
    MT_ASSERT_JSON_INT(p, "co_leader.id", fx.leader);
    MT_ASSERT_JSON_INT(p, "customer.id", customer);
    MT_ASSERT_JSON_STR(p, "customer.name", "Update Customer");
    MT_ASSERT_JSON_INT(p, "deal.id", deal);
    MT_ASSERT_JSON_INT(p, "project_group.id", group);
    MT_ASSERT_JSON_INT(p, "contact.id", c1);
    MT_ASSERT_JSON_INT(p, "secondary_contact.id", c2);
    MT_ASSERT_JSON_INT(p, "billing_contact.id", c3);
    MT_ASSERT_JSON_STR(p, "billing_address", "New Address");
    MT_ASSERT_JSON_STR(p, "billing_email_to", "to@new.test");
    MT_ASSERT_JSON_STR(p, "billing_email_cc", "cc@new.test");
    MT_ASSERT_JSON_STR(p, "billing_notes", "new notes");
    MT_ASSERT_JSON_TYPE(p, "setting_include_time_report", JSON_TRUE);
    MT_ASSERT_JSON_STR(p, "billing_variant", "user");
    fix_assert_number(p, "hourly_rate", 99.5);
    fix_assert_number(p, "budget", 1.5);
    fix_assert_number(p, "budget_monthly", 300);
    fix_assert_number(p, "budget_expenses", 42);
    assert_str_set(json_object_get(p, "tags"), "New,Tags");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(p, "custom_properties"), "PO Number")),
        "PO-9");
    MT_ASSERT_JSON_STR(p, "info", "changed");
    MT_ASSERT_JSON_STR(p, "color", "#00FF00");
    mt_resp *g = get_project(s, id);
    fix_assert_json_equal(g->json, p);
    mt_resp_free(g);
    mt_resp_free(r);

    /* optional references and values are cleared with null */
    r = put_project(s, key, id,
                    json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n}", "co_leader_id",
                              "deal_id", "project_group_id", "contact_id", "secondary_contact_id",
                              "billing_contact_id", "budget", "start_date", "finish_date"));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    const char *cleared[] = {
        "co_leader",       "deal",   "project_group", "contact",    "secondary_contact",
        "billing_contact", "budget", "start_date",    "finish_date"};
    for (size_t i = 0; i < sizeof cleared / sizeof cleared[0]; i++)
        MT_ASSERT_JSON_NULL(r->json, cleared[i]);
    mt_resp_free(r);

    /* required references cannot be cleared; a taken identifier is refused */
    r = put_project(s, key, id,
                    json_pack("{s:n, s:n, s:s}", "leader_id", "customer_id", "name", ""));
    fix_assert_422_fields(r, "leader_id,customer_id,name");
    mt_resp_free(r);
    b = project_body(s, "Identifier Owner");
    json_object_set_new(b, "identifier", json_string("UPD-TAKEN"));
    create_project(s, b);
    r = put_project(s, key, id, json_pack("{s:s}", "identifier", "UPD-TAKEN"));
    fix_assert_422(r, "identifier");
    mt_resp_free(r);
    /* its own identifier again is fine */
    r = put_project(s, key, id, json_pack("{s:s}", "identifier", "UPD-1"));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = put_project(s, key, id, json_pack("{s:s, s:s}", "billing_variant", "weekly", "color", "x"));
    fix_assert_422_fields(r, "billing_variant,color");
    mt_resp_free(r);

    r = put_project(s, key, NO_ID, json_pack("{s:s}", "name", "ghost"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

/* ---- lists ------------------------------------------------------------------------------ */

static void test_list_filters(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t l1 = create_user(s, key, "Filter", "LeaderOne", NULL);
    json_int_t l2 = create_user(s, key, "Filter", "LeaderTwo", NULL);
    json_int_t l3 = create_user(s, key, "Filter", "LeaderThree", NULL);
    json_int_t c1 = fix_create_company_as(s, key, "customer", "Filterco One");
    json_int_t c2 = fix_create_company_as(s, key, "customer", "Quokkafilter Industries");
    json_int_t g1 = create_group(s, key, "Filter Group One");
    json_int_t g2 = create_group(s, key, "Filter Group Two");
    json_int_t d1 = fix_create_deal(s, key, "Filter Deal One", l1);
    json_int_t d2 = fix_create_deal(s, key, "Filter Deal Two", l2);

    json_t *b = project_body(s, "Alpha Zebrafilter");
    json_object_update_new(b, json_pack("{s:s, s:I, s:I, s:[s], s:I, s:I}", "identifier", "FLT-A",
                                        "leader_id", l1, "customer_id", c1, "tags", "Important",
                                        "project_group_id", g1, "deal_id", d1));
    json_int_t pa = create_project(s, b);
    b = project_body(s, "Beta Filtering");
    json_object_update_new(b,
                           json_pack("{s:s, s:I, s:I, s:I, s:[s], s:I, s:I, s:b, s:s, s:s, s:f}",
                                     "identifier", "FLT-B", "leader_id", l2, "co_leader_id", l1,
                                     "customer_id", c1, "tags", "Strategic", "project_group_id", g2,
                                     "deal_id", d2, "retainer", 1, "start_date", "2024-01-01",
                                     "finish_date", "2024-12-31", "budget_monthly", 100.0));
    json_int_t pb = create_project(s, b);
    b = project_body(s, "Gamma Filtering");
    json_object_update_new(b, json_pack("{s:s, s:I, s:I, s:[s, s]}", "identifier", "FLT-C",
                                        "leader_id", l2, "customer_id", c2, "tags", "Important",
                                        "Strategic"));
    json_int_t pc = create_project(s, b);
    b = project_body(s, "Delta");
    json_object_update_new(
        b, json_pack("{s:s, s:I, s:I}", "identifier", "FLT-D", "leader_id", l3, "customer_id", c2));
    json_int_t pd = create_project(s, b);

    char *both = fix_fmt("company_id=%lld,%lld", (long long)c1, (long long)c2);
#define Q(...) fix_fmt(PROJECTS "?" __VA_ARGS__)
    /* leader_id: leader or co-leader, one or several */
    fix_assert_list_of(s, key, Q("leader_id=%lld", (long long)l1), pa, pb);
    fix_assert_list_of(s, key, Q("leader_id=%lld", (long long)l2), pb, pc);
    fix_assert_list_of(s, key, Q("leader_id=%lld,%lld", (long long)l1, (long long)l3), pa, pb, pd);
    fix_assert_list_empty(s, key, Q("leader_id=%lld", (long long)NO_ID));
    mt_resp *r = mt_get(s, PROJECTS "?leader_id=boss", key);
    fix_assert_422(r, "leader_id");
    mt_resp_free(r);
    /* company_id */
    fix_assert_list_of(s, key, Q("company_id=%lld", (long long)c1), pa, pb);
    fix_assert_list_of(s, key, Q("company_id=%lld", (long long)c2), pc, pd);
    fix_assert_list_of(s, key, Q("%s", both), pa, pb, pc, pd);
    r = mt_get(s, PROJECTS "?company_id=acme", key);
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    /* tags */
    fix_assert_list_of(s, key, Q("%s&tags=Important", both), pa, pc);
    fix_assert_list_of(s, key, Q("%s&tags=Strategic", both), pb, pc);
    fix_assert_list_empty(s, key, Q("%s&tags=Nobody%%20has%%20this", both));
    r = mt_get(s, Q("%s&tags=Important,%%20Strategic", both), key);
    MT_ASSERT_STATUS(r, 200);
    bool found_c = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e)
    {
        assert_true(mt_json_int(e, "id") != pd);
        if (mt_json_int(e, "id") == pc)
            found_c = true;
    }
    assert_true(found_c);
    mt_resp_free(r);
    /* identifier: one or several */
    fix_assert_list_of(s, key, Q("identifier=FLT-A"), pa);
    fix_assert_list_of(s, key, Q("identifier=FLT-A,FLT-C"), pa, pc);
    fix_assert_list_of(s, key, Q("identifier=FLT-A,%%20FLT-D"), pa, pd);
    fix_assert_list_empty(s, key, Q("identifier=FLT"));
    /* retainer */
    fix_assert_list_of(s, key, Q("%s&retainer=true", both), pb);
    fix_assert_list_of(s, key, Q("%s&retainer=false", both), pa, pc, pd);
    r = mt_get(s, PROJECTS "?retainer=perhaps", key);
    fix_assert_422(r, "retainer");
    mt_resp_free(r);
    /* project_group_id and deal_id: one or several */
    fix_assert_list_of(s, key, Q("project_group_id=%lld", (long long)g1), pa);
    fix_assert_list_of(s, key, Q("project_group_id=%lld,%lld", (long long)g1, (long long)g2), pa,
                       pb);
    fix_assert_list_of(s, key, Q("deal_id=%lld", (long long)d2), pb);
    fix_assert_list_of(s, key, Q("deal_id=%lld,%lld", (long long)d1, (long long)d2), pa, pb);
    /* term: name, identifier and customer name, any case */
    fix_assert_list_of(s, key, Q("term=zebrafilter"), pa);
    fix_assert_list_of(s, key, Q("term=ZEBRA"), pa);
    fix_assert_list_of(s, key, Q("term=FLT-C"), pc);
    fix_assert_list_of(s, key, Q("term=quokkafilter"), pc, pd);
    fix_assert_list_of(s, key, Q("%s&term=filtering", both), pb, pc);
    fix_assert_list_empty(s, key, Q("term=no%%20such%%20thing%%20anywhere"));
    /* wildcards are no wildcards */
    fix_assert_list_empty(s, key, Q("term=%%25"));
    fix_assert_list_empty(s, key, Q("term=_"));
    /* the global ids and updated_after filters */
    fix_assert_list_of(s, key, Q("%s&updated_after=2000-01-01T00:00:00Z", both), pa, pb, pc, pd);
    fix_assert_list_empty(s, key, Q("%s&updated_after=2999-01-01T00:00:00Z", both));
    fix_assert_list_of(s, key, Q("ids=%lld,%lld", (long long)pa, (long long)pd), pa, pd);

    /* created and updated ranges, by day */
    mt_resp *pr = get_project(s, pa);
    char today[11], yesterday[11], tomorrow[11];
    snprintf(today, sizeof today, "%.10s", mt_json_str(pr->json, "created_at"));
    mt_resp_free(pr);
    date_shift(today, -1, yesterday);
    date_shift(today, 1, tomorrow);
    fix_assert_list_of(s, key, Q("%s&created_from=%s", both, today), pa, pb, pc, pd);
    fix_assert_list_empty(s, key, Q("%s&created_from=%s", both, tomorrow));
    fix_assert_list_of(s, key, Q("%s&created_to=%s", both, today), pa, pb, pc, pd);
    fix_assert_list_empty(s, key, Q("%s&created_to=%s", both, yesterday));
    fix_assert_list_of(s, key, Q("%s&created_from=%s&created_to=%s", both, yesterday, today), pa,
                       pb, pc, pd);
    fix_assert_list_of(s, key, Q("%s&updated_from=%s", both, today), pa, pb, pc, pd);
    fix_assert_list_empty(s, key, Q("%s&updated_from=%s", both, tomorrow));
    fix_assert_list_of(s, key, Q("%s&updated_to=%s", both, today), pa, pb, pc, pd);
    fix_assert_list_empty(s, key, Q("%s&updated_to=%s", both, yesterday));
    const char *bad_dates[] = {"created_from", "created_to", "updated_from", "updated_to"};
    for (int k = 0; k < 4; k++) {
        r = mt_get(s, Q("%s=2018-13-45", bad_dates[k]), key);
        fix_assert_422(r, bad_dates[k]);
        mt_resp_free(r);
    }

    /* archived projects: hidden unless include_archived=true */
    r = project_action(s, key, pd, "archive", NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    fix_assert_list_of(s, key, Q("company_id=%lld", (long long)c2), pc);
    fix_assert_list_of(s, key, Q("company_id=%lld&include_archived=false", (long long)c2), pc);
    fix_assert_list_of(s, key, Q("company_id=%lld&include_archived=true", (long long)c2), pc, pd);
    fix_assert_list_empty(s, key, Q("identifier=FLT-D"));
    fix_assert_list_of(s, key, Q("identifier=FLT-D&include_archived=true"), pd);
    r = mt_get(s, PROJECTS "?include_archived=perhaps", key);
    fix_assert_422(r, "include_archived");
    mt_resp_free(r);

    /* filters combine */
    fix_assert_list_of(
        s, key, Q("leader_id=%lld&company_id=%lld&tags=Important", (long long)l2, (long long)c2),
        pc);
#undef Q
}

/* include_company=true: the complete company instead of id and name. */
static void test_list_include_company(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Complete Company");
    json_t *b = project_body(s, "With Company");
    json_object_set_new(b, "customer_id", json_integer(company));
    json_int_t id = create_project(s, b);

    mt_resp *c = mt_getf(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(c, 200);
    mt_resp *r = mt_getf(s, key, PROJECTS "?ids=%lld&include_company=false", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(mt_json_get(r->json, "[0].customer"), FIX_ID_NAME_KEYS);
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "?ids=%lld&include_company=true", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    fix_assert_json_equal(mt_json_get(r->json, "[0].customer"), c->json);
    mt_resp_free(r);
    mt_resp_free(c);
}

static void test_sort_and_pagination(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Sorting Customer");
    const char *names[] = {"Sort C", "Sort A", "Sort B"};
    const char *idents[] = {"SRT-2", "SRT-3", "SRT-1"};
    const char *starts[] = {"2020-03-01", "2020-01-01", "2020-02-01"};
    const char *finishes[] = {"2020-03-02", "2020-12-01", "2020-06-01"};
    json_int_t ids[3];
    for (int i = 0; i < 3; i++) {
        json_t *b = project_body(s, names[i]);
        json_object_update_new(b, json_pack("{s:I, s:s, s:s, s:s}", "customer_id", company,
                                            "identifier", idents[i], "start_date", starts[i],
                                            "finish_date", finishes[i]));
        ids[i] = create_project(s, b);
    }
    long long c = (long long)company;
    long long pc = ids[0], pa = ids[1], pb = ids[2];
    char *want;
#define ORDER(query, ...)                                                                          \
    do {                                                                                           \
        char *path_ = fix_fmt(PROJECTS "?company_id=%lld&" query, c);                              \
        want = fix_fmt(__VA_ARGS__);                                                               \
        assert_order(s, key, path_, want);                                                         \
    } while (0)
    ORDER("", "%lld,%lld,%lld", pc, pa, pb); /* by id by default */
    ORDER("sort_by=name", "%lld,%lld,%lld", pa, pb, pc);
    ORDER("sort_by=name%%20desc", "%lld,%lld,%lld", pc, pb, pa);
    ORDER("sort_by=name%%20asc", "%lld,%lld,%lld", pa, pb, pc);
    ORDER("sort_by=identifier", "%lld,%lld,%lld", pb, pc, pa);
    ORDER("sort_by=start_date%%20desc", "%lld,%lld,%lld", pc, pb, pa);
    ORDER("sort_by=finish_date", "%lld,%lld,%lld", pc, pb, pa);
    ORDER("sort_by=id%%20desc", "%lld,%lld,%lld", pb, pa, pc);
    ORDER("sort_by=created_at", "%lld,%lld,%lld", pc, pa, pb);
#undef ORDER
    mt_resp *r = mt_get(s, PROJECTS "?sort_by=no_such_field", key);
    fix_assert_422(r, "sort_by");
    mt_resp_free(r);
    r = mt_get(s, PROJECTS "?sort_by=name%20sideways", key);
    fix_assert_422(r, "sort_by");
    mt_resp_free(r);

    /* pages */
    char *path = fix_fmt(PROJECTS "?company_id=%lld&sort_by=name&per_page=2", c);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_JSON_INT(r->json, "[0].id", pa);
    MT_ASSERT_JSON_INT(r->json, "[1].id", pb);
    fix_assert_project_shape(json_array_get(r->json, 0));
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    const char *link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"next\""));
    assert_null(strstr(link, "rel=\"prev\""));
    assert_non_null(strstr(link, "<http"));
    assert_non_null(strstr(link, "page=2"));
    char *cq = fix_fmt("company_id=%lld", c);
    assert_non_null(strstr(link, cq));
    mt_resp_free(r);

    path = fix_fmt(PROJECTS "?company_id=%lld&sort_by=name&per_page=2&page=2", c);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", pc);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Page", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "rel=\"prev\""));
    assert_null(strstr(link, "rel=\"next\""));
    assert_non_null(strstr(link, cq));
    mt_resp_free(r);

    path = fix_fmt(PROJECTS "?company_id=%lld&per_page=2&page=3", c);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    mt_resp_free(r);

    r = mt_get(s, PROJECTS "?page=0", key);
    fix_assert_422(r, "page");
    mt_resp_free(r);
    r = mt_get(s, PROJECTS "?per_page=many", key);
    fix_assert_422(r, "per_page");
    mt_resp_free(r);
}

/* A sort by a field that may be empty puts the empty ones last (descending: first), as MOCO on
 * PostgreSQL does, on either store; ties follow the id. */
static void test_sort_empty_values_last(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Empty Sort Customer");
    const char *finishes[] = {"2021-06-01", NULL, "2021-02-01", NULL};
    json_int_t ids[4];
    for (int i = 0; i < 4; i++) {
        json_t *b = project_body(s, "Empty Sort");
        json_object_set_new(b, "customer_id", json_integer(company));
        if (finishes[i])
            json_object_set_new(b, "finish_date", json_string(finishes[i]));
        ids[i] = create_project(s, b);
    }
    long long c = (long long)company;
    char *path = fix_fmt(PROJECTS "?company_id=%lld&sort_by=finish_date", c);
    char *want = fix_fmt("%lld,%lld,%lld,%lld", (long long)ids[2], (long long)ids[0],
                         (long long)ids[1], (long long)ids[3]);
    assert_order(s, key, path, want);
    path = fix_fmt(PROJECTS "?company_id=%lld&sort_by=finish_date%%20desc", c);
    want = fix_fmt("%lld,%lld,%lld,%lld", (long long)ids[3], (long long)ids[1], (long long)ids[0],
                   (long long)ids[2]);
    assert_order(s, key, path, want);
}

/* ---- tags and custom fields ------------------------------------------------------------- */

static void test_tags_and_custom_properties(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_t *b = project_body(s, "Tagged");
    json_object_update_new(b, json_pack("{s:[s, s], s:{s:s, s:s}}", "tags", "Print", "Digital",
                                        "custom_properties", "PO Number", "PO-TAGGED", "Phase",
                                        "Build"));
    json_int_t id = create_project(s, b);
    json_int_t plain = create_project(s, project_body(s, "Untagged"));

    /* the tags are the project's taggings, tags of context Project */
    mt_resp *r = mt_getf(s, key, "/api/v1/taggings/Project/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_str_set(r->json, "Digital,Print");
    mt_resp_free(r);
    r = mt_get(s, "/api/v1/tags?context=Project", key);
    MT_ASSERT_STATUS(r, 200);
    bool print = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) if (!strcmp(mt_json_str(e, "name"), "Print") &&
                                          !strcmp(mt_json_str(e, "context"), "Project")) print =
        true;
    assert_true(print);
    mt_resp_free(r);

    /* tags on update replace; an update without tags keeps them; [] clears */
    r = put_project(s, key, id, json_pack("{s:[s, s]}", "tags", "Web", "Print"));
    MT_ASSERT_STATUS(r, 200);
    assert_str_set(json_object_get(r->json, "tags"), "Print,Web");
    mt_resp_free(r);
    r = put_project(s, key, id, json_pack("{s:s}", "info", "tags stay"));
    MT_ASSERT_STATUS(r, 200);
    assert_str_set(json_object_get(r->json, "tags"), "Print,Web");
    mt_resp_free(r);
    /* taggings change the project's tags field */
    r = mt_requestf(s, "PATCH", key, "{\"tags\":[\"Added\"]}", "/api/v1/taggings/Project/%lld",
                    (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = get_project(s, id);
    assert_str_set(json_object_get(r->json, "tags"), "Added,Print,Web");
    mt_resp_free(r);
    char *path = fix_fmt(PROJECTS "?ids=%lld,%lld&tags=Web", (long long)id, (long long)plain);
    fix_assert_list_of(s, key, path, id);
    r = put_project(s, key, id, json_pack("{s:[]}", "tags"));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "tags"), 0);
    mt_resp_free(r);
    path = fix_fmt(PROJECTS "?ids=%lld,%lld&tags=Web", (long long)id, (long long)plain);
    fix_assert_list_empty(s, key, path);

    /* custom fields: filter, replace on update (the seed's rule), keep without them */
    fix_assert_list_of(s, key, PROJECTS "?custom_properties[PO%20Number]=PO-TAGGED", id);
    path = fix_fmt(PROJECTS "?ids=%lld,%lld&custom_properties[Phase]=Build", (long long)id,
                   (long long)plain);
    fix_assert_list_of(s, key, path, id);
    fix_assert_list_empty(s, key, PROJECTS "?custom_properties[Unknown%20Field]=x");
    r = put_project(s, key, id, json_pack("{s:{s:s}}", "custom_properties", "Phase", "Design"));
    MT_ASSERT_STATUS(r, 200);
    json_t *cp = json_object_get(r->json, "custom_properties");
    assert_int_equal(json_object_size(cp), 1);
    assert_string_equal(json_string_value(json_object_get(cp, "Phase")), "Design");
    mt_resp_free(r);
    r = put_project(s, key, id, json_pack("{s:s}", "info", "custom fields stay"));
    MT_ASSERT_STATUS(r, 200);
    cp = json_object_get(r->json, "custom_properties");
    assert_int_equal(json_object_size(cp), 1);
    assert_string_equal(json_string_value(json_object_get(cp, "Phase")), "Design");
    mt_resp_free(r);
    r = put_project(s, key, id, json_pack("{s:{s:s}}", "custom_properties", "Phase", "Nope"));
    fix_assert_422(r, "custom_properties.Phase");
    mt_resp_free(r);
    r = put_project(s, key, id,
                    json_pack("{s:{s:s}}", "custom_properties", "Not A Project Field", "x"));
    MT_ASSERT_STATUS(r, 200); /* dropped */
    assert_null(mt_json_get(r->json, "custom_properties.Not A Project Field"));
    mt_resp_free(r);
    r = put_project(s, key, id, json_pack("{s:{s:n}}", "custom_properties", "Phase"));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, "custom_properties"), 0);
    mt_resp_free(r);
}

/* ---- nested names ----------------------------------------------------------------------- */

static void test_renames_show_in_projects(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Old Customer Name");
    json_int_t leader = create_user(s, key, "Old", "Leadername", NULL);
    json_int_t co = create_user(s, key, "Old", "Coleadername", NULL);
    json_int_t deal = fix_create_deal(s, key, "Old Deal Name", leader);
    json_int_t group = create_group(s, key, "Old Group Name");
    json_int_t contact = fix_create_contact(s, key, "Old", "Contactname");
    json_t *b = project_body(s, "Renames");
    json_object_update_new(b, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "customer_id",
                                        company, "leader_id", leader, "co_leader_id", co, "deal_id",
                                        deal, "project_group_id", group, "contact_id", contact,
                                        "billing_contact_id", contact, "secondary_contact_id",
                                        contact));
    json_int_t id = create_project(s, b);

    mt_resp *r = mt_requestf(s, "PUT", key, "{\"name\":\"New Customer Name\"}", COMPANIES "/%lld",
                             (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"firstname\":\"New\",\"lastname\":\"Leadername\"}",
                    USERS "/%lld", (long long)leader);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"lastname\":\"Renamed-Co\"}", USERS "/%lld", (long long)co);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"name\":\"New Deal Name\"}", DEALS "/%lld", (long long)deal);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"name\":\"New Group Name\"}", GROUPS "/%lld",
                    (long long)group);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"firstname\":\"New\"}", CONTACTS "/%lld", (long long)contact);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    mt_resp *g = get_project(s, id);
    mt_resp *l = mt_getf(s, key, PROJECTS "?ids=%lld", (long long)id);
    MT_ASSERT_STATUS(l, 200);
    const json_t *views[] = {g->json, json_array_get(l->json, 0)};
    for (int i = 0; i < 2; i++) {
        const json_t *p = views[i];
        MT_ASSERT_JSON_STR(p, "customer.name", "New Customer Name");
        MT_ASSERT_JSON_STR(p, "leader.firstname", "New");
        MT_ASSERT_JSON_STR(p, "leader.lastname", "Leadername");
        MT_ASSERT_JSON_STR(p, "co_leader.firstname", "Old");
        MT_ASSERT_JSON_STR(p, "co_leader.lastname", "Renamed-Co");
        MT_ASSERT_JSON_STR(p, "deal.name", "New Deal Name");
        MT_ASSERT_JSON_STR(p, "project_group.name", "New Group Name");
        MT_ASSERT_JSON_STR(p, "contact.firstname", "New");
        MT_ASSERT_JSON_STR(p, "billing_contact.firstname", "New");
        MT_ASSERT_JSON_STR(p, "secondary_contact.firstname", "New");
    }
    mt_resp_free(l);
    mt_resp_free(g);
    /* the term search finds the customer's new name, not the old one */
    fix_assert_list_of(s, key, PROJECTS "?term=New%20Customer%20Name", id);
    fix_assert_list_empty(s, key, PROJECTS "?term=Old%20Customer%20Name");
}

/* ---- actions ---------------------------------------------------------------------------- */

static void test_archive_unarchive(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t id = create_project(s, project_body(s, "Archived One"));
    char *in_list = fix_fmt(PROJECTS "?ids=%lld", (long long)id);
    char *in_all = fix_fmt(PROJECTS "?ids=%lld&include_archived=true", (long long)id);

    mt_resp *r = project_action(s, key, id, "archive", NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);
    fix_assert_list_empty(s, key, in_list);
    fix_assert_list_of(s, key, in_all, id);
    /* an archived project can still be changed and read */
    r = put_project(s, key, id, json_pack("{s:s}", "info", "archived but edited"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);

    r = project_action(s, key, id, "unarchive", NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    MT_ASSERT_JSON_STR(r->json, "info", "archived but edited");
    mt_resp_free(r);
    fix_assert_list_of(s, key, in_list, id);
    fix_assert_list_of(s, key, in_all, id);

    /* with a body and Content-Type, as in the docs' curl example */
    r = project_action(s, key, id, "archive", "{}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    mt_resp_free(r);
    r = project_action(s, key, id, "unarchive", "{}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    mt_resp_free(r);

    r = project_action(s, key, NO_ID, "archive", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = project_action(s, key, NO_ID, "unarchive", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "/%lld/archive", (long long)id);
    MT_ASSERT_STATUS(r, 405);
    mt_resp_free(r);
}

static void assert_share_answer(const mt_resp *r, json_int_t id, bool active)
{
    MT_ASSERT_STATUS(r, 200);
    mt_assert_keys(r->json, SHARE_KEYS);
    MT_ASSERT_JSON_INT(r->json, "id", id);
    MT_ASSERT_JSON_TYPE(r->json, "active", active ? JSON_TRUE : JSON_FALSE);
    if (active) {
        const char *url = mt_json_str(r->json, "url");
        assert_true(!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));
    } else {
        MT_ASSERT_JSON_NULL(r->json, "url");
    }
}

static void test_share(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t id = create_project(s, project_body(s, "Shared Report"));
    mt_resp *r = get_project(s, id);
    MT_ASSERT_JSON_NULL(r->json, "customer_report_url");
    mt_resp_free(r);

    r = project_action(s, key, id, "share", NULL);
    assert_share_answer(r, id, true);
    /* the docs' report address: .../projects/{id}/customer_report/{token} */
    const char *report_path = fix_fmt("/projects/%lld/customer_report/", (long long)id);
    assert_non_null(strstr(mt_json_str(r->json, "url"), report_path));
    mt_resp_free(r);

    r = project_action(s, key, id, "disable_share", NULL);
    assert_share_answer(r, id, false);
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_NULL(r->json, "customer_report_url");
    mt_resp_free(r);
    r = project_action(s, key, id, "disable_share", "{}");
    assert_share_answer(r, id, false);
    mt_resp_free(r);

    r = project_action(s, key, id, "share", "{}");
    assert_share_answer(r, id, true);
    assert_non_null(strstr(mt_json_str(r->json, "url"), report_path));
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_TYPE(r->json, "customer_report_url", JSON_STRING);
    assert_non_null(strstr(mt_json_str(r->json, "customer_report_url"), report_path));
    mt_resp_free(r);

    r = project_action(s, key, NO_ID, "share", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = project_action(s, key, NO_ID, "disable_share", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

/* The project's customer_report_url is the shared report's URL: the docs' example shows the
 * absolute https://{domain}.mocoapp.com/projects/{id}/customer_report/{token}, and
 * PUT /projects/{id}/share answers that same report with an absolute URL. */
static void test_customer_report_url_is_share_url(void **state)
{
    mt_server *s = *state;
    fixture(s);
    json_int_t id = create_project(s, project_body(s, "Shared Report URL"));
    mt_resp *r = project_action(s, mt_admin_key(s), id, "share", NULL);
    assert_share_answer(r, id, true);
    char *url = fix_fmt("%s", mt_json_str(r->json, "url"));
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_STR(r->json, "customer_report_url", url);
    mt_resp_free(r);
}

/* ---- project groups --------------------------------------------------------------------- */

static mt_resp *get_group(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), GROUPS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_group_shape(r->json);
    return r;
}

static void test_project_groups(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Group Customer");

    mt_resp *r = mt_post(s, GROUPS, key, "{}");
    fix_assert_422(r, "name");
    mt_resp_free(r);
    r = mt_post(s, GROUPS, key, "{\"name\":\"\"}");
    fix_assert_422(r, "name");
    mt_resp_free(r);

    r = mt_request_json(s, "POST", GROUPS, key,
                        json_pack("{s:s, s:I, s:I, s:f, s:s, s:s}", "name", "Project Group Name",
                                  "user_id", fx.leader, "company_id", company, "budget", 42000.0,
                                  "currency", "EUR", "info", "An info text"),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_group_shape(r->json);
    json_int_t gid = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "name", "Project Group Name");
    MT_ASSERT_JSON_INT(r->json, "user.id", fx.leader);
    MT_ASSERT_JSON_STR(r->json, "user.firstname", "Michael");
    MT_ASSERT_JSON_STR(r->json, "user.lastname", "Mustermann");
    MT_ASSERT_JSON_INT(r->json, "company.id", company);
    MT_ASSERT_JSON_STR(r->json, "company.name", "Group Customer");
    fix_assert_number(r->json, "budget", 42000);
    MT_ASSERT_JSON_STR(r->json, "currency", "EUR");
    MT_ASSERT_JSON_STR(r->json, "info", "An info text");
    assert_int_equal(mt_json_len(r->json, "projects"), 0);
    mt_resp *g = get_group(s, gid);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    json_int_t plain = create_group(s, key, "Plain Group");
    r = get_group(s, plain);
    MT_ASSERT_JSON_NULL(r->json, "user");
    MT_ASSERT_JSON_NULL(r->json, "company");
    mt_resp_free(r);

    /* projects of the group, in the short form */
    json_t *b = project_body(s, "Grouped Project");
    json_object_update_new(b, json_pack("{s:I, s:f, s:s}", "project_group_id", gid, "budget",
                                        10000.0, "identifier", "GRP-1"));
    json_int_t pid = create_project(s, b);
    r = get_group(s, gid);
    assert_int_equal(mt_json_len(r->json, "projects"), 1);
    MT_ASSERT_JSON_INT(r->json, "projects[0].id", pid);
    MT_ASSERT_JSON_STR(r->json, "projects[0].identifier", "GRP-1");
    MT_ASSERT_JSON_STR(r->json, "projects[0].name", "Grouped Project");
    MT_ASSERT_JSON_TYPE(r->json, "projects[0].active", JSON_TRUE);
    fix_assert_number(r->json, "projects[0].budget", 10000);
    mt_resp_free(r);

    /* list, filters, sorting */
    r = mt_get(s, GROUPS, key);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_array_size(r->json) >= 2);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_group_shape(e);
    assert_non_null(mt_header(r, "X-Total"));
    mt_resp_free(r);
    char *path = fix_fmt(GROUPS "?user_id=%lld", (long long)fx.leader);
    fix_assert_list_of(s, key, path, gid);
    path = fix_fmt(GROUPS "?company_id=%lld", (long long)company);
    fix_assert_list_of(s, key, path, gid);
    path = fix_fmt(GROUPS "?ids=%lld,%lld", (long long)gid, (long long)plain);
    fix_assert_list_of(s, key, path, gid, plain);
    path = fix_fmt(GROUPS "?ids=%lld,%lld&sort_by=name", (long long)gid, (long long)plain);
    char *want = fix_fmt("%lld,%lld", (long long)plain, (long long)gid);
    assert_order(s, key, path, want);
    path = fix_fmt(GROUPS "?ids=%lld,%lld&per_page=1", (long long)gid, (long long)plain);
    r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_HEADER(r, "X-Total", "2");
    MT_ASSERT_HEADER(r, "X-Per-Page", "1");
    assert_non_null(mt_header(r, "Link"));
    assert_non_null(strstr(mt_header(r, "Link"), "rel=\"next\""));
    mt_resp_free(r);

    /* foreign references */
    other(s);
    r = mt_request_json(s, "POST", GROUPS, key,
                        json_pack("{s:s, s:I, s:I}", "name", "Foreign", "user_id", fx.other_user,
                                  "company_id", fx.other_company),
                        NULL);
    fix_assert_422_fields(r, "user_id,company_id");
    mt_resp_free(r);
    r = mt_request_json(s, "POST", GROUPS, key,
                        json_pack("{s:s, s:I}", "name", "Unknown", "user_id", NO_ID), NULL);
    fix_assert_422(r, "user_id");
    mt_resp_free(r);

    /* update */
    r = mt_requestf(s, "PUT", key, "{\"name\":\"Renamed Group\",\"budget\":5}", GROUPS "/%lld",
                    (long long)gid);
    MT_ASSERT_STATUS(r, 200);
    assert_group_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "Renamed Group");
    fix_assert_number(r->json, "budget", 5);
    MT_ASSERT_JSON_INT(r->json, "user.id", fx.leader);
    MT_ASSERT_JSON_STR(r->json, "info", "An info text");
    mt_resp_free(r);
    r = get_project(s, pid);
    MT_ASSERT_JSON_STR(r->json, "project_group.name", "Renamed Group");
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", key, "{\"name\":\"\"}", GROUPS "/%lld", (long long)gid);
    fix_assert_422(r, "name");
    mt_resp_free(r);

    /* delete: the project stays, without group */
    r = mt_deletef(s, key, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(s, key, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, key, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = get_project(s, pid);
    MT_ASSERT_JSON_NULL(r->json, "project_group");
    mt_resp_free(r);
    path = fix_fmt(PROJECTS "?project_group_id=%lld", (long long)gid);
    fix_assert_list_empty(s, key, path);
}

static void test_assign_project_group(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t gid = create_group(s, key, "Assignable");
    json_int_t g2 = create_group(s, key, "Second Assignable");
    json_int_t pid = create_project(s, project_body(s, "To Be Grouped"));

    char *body = fix_fmt("{\"project_group_id\":%lld}", (long long)gid);
    mt_resp *r = project_action(s, key, pid, "assign_project_group", body);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_INT(r->json, "project_group.id", gid);
    MT_ASSERT_JSON_STR(r->json, "project_group.name", "Assignable");
    mt_resp_free(r);
    r = get_group(s, gid);
    assert_int_equal(mt_json_len(r->json, "projects"), 1);
    MT_ASSERT_JSON_INT(r->json, "projects[0].id", pid);
    mt_resp_free(r);
    char *path = fix_fmt(PROJECTS "?project_group_id=%lld", (long long)gid);
    fix_assert_list_of(s, key, path, pid);

    /* another group replaces it */
    body = fix_fmt("{\"project_group_id\":%lld}", (long long)g2);
    r = project_action(s, key, pid, "assign_project_group", body);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "project_group.id", g2);
    mt_resp_free(r);
    r = get_group(s, gid);
    assert_int_equal(mt_json_len(r->json, "projects"), 0);
    mt_resp_free(r);

    /* bad groups: 422, nothing changes */
    other(s);
    const char *bad[] = {"{}", "{\"project_group_id\":987654321}", "{\"project_group_id\":null}",
                         "{\"project_group_id\":\"abc\"}", NULL};
    for (int i = 0; bad[i]; i++) {
        r = project_action(s, key, pid, "assign_project_group", bad[i]);
        fix_assert_422(r, "project_group_id");
        mt_resp_free(r);
    }
    r = project_action(s, key, pid, "assign_project_group", NULL);
    fix_assert_422(r, "project_group_id");
    mt_resp_free(r);
    body = fix_fmt("{\"project_group_id\":%lld}", (long long)fx.other_group);
    r = project_action(s, key, pid, "assign_project_group", body);
    fix_assert_422(r, "project_group_id");
    mt_resp_free(r);
    r = get_project(s, pid);
    MT_ASSERT_JSON_INT(r->json, "project_group.id", g2);
    mt_resp_free(r);

    /* unassign */
    r = project_action(s, key, pid, "unassign_project_group", NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_project_shape(r->json);
    MT_ASSERT_JSON_NULL(r->json, "project_group");
    mt_resp_free(r);
    r = get_group(s, g2);
    assert_int_equal(mt_json_len(r->json, "projects"), 0);
    mt_resp_free(r);
    fix_assert_list_empty(s, key, path);
    r = project_action(s, key, pid, "unassign_project_group", "{}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_NULL(r->json, "project_group");
    mt_resp_free(r);

    body = fix_fmt("{\"project_group_id\":%lld}", (long long)gid);
    r = project_action(s, key, NO_ID, "assign_project_group", body);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = project_action(s, key, NO_ID, "unassign_project_group", NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

/* api-conventions.md: integers may be sent as digit strings, project_group_id included. */
static void test_assign_project_group_id_as_string(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t gid = create_group(s, key, "Assignable By String");
    json_int_t pid = create_project(s, project_body(s, "Grouped By String"));
    mt_resp *r = project_action(s, key, pid, "assign_project_group",
                                fix_fmt("{\"project_group_id\":\"%lld\"}", (long long)gid));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "project_group.id", gid);
    mt_resp_free(r);
}

/* ---- assigned projects ------------------------------------------------------------------ */

static char *login(mt_server *s, const char *email, const char *password)
{
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/session", NULL,
                        json_pack("{s:s, s:s}", "email", email, "password", password), NULL);
    MT_ASSERT_STATUS(r, 200);
    char *k = fix_fmt("%s", mt_json_str(r->json, "api_key"));
    mt_resp_free(r);
    return k;
}

static void assert_assigned_shape(const json_t *a)
{
    mt_assert_keys(a, ASSIGNED_KEYS);
    MT_ASSERT_JSON_TYPE(a, "id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(a, "identifier", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "active", MT_JSON_BOOL);
    MT_ASSERT_JSON_TYPE(a, "billable", MT_JSON_BOOL);
    mt_assert_keys(mt_json_get(a, "customer"), FIX_ID_NAME_KEYS);
    MT_ASSERT_JSON_TYPE(a, "customer.id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(a, "customer.name", JSON_STRING);
    MT_ASSERT_JSON_TYPE(a, "tasks", JSON_ARRAY);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(a, "tasks"), i, e)
    {
        mt_assert_keys(e, ASSIGNED_TASK_KEYS);
        MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
        MT_ASSERT_JSON_TYPE(e, "name", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "active", MT_JSON_BOOL);
        MT_ASSERT_JSON_TYPE(e, "billable", MT_JSON_BOOL);
    }
    mt_assert_keys(mt_json_get(a, "contract"), "user_id,active");
    MT_ASSERT_JSON_TYPE(a, "contract.user_id", JSON_INTEGER);
    MT_ASSERT_JSON_TYPE(a, "contract.active", MT_JSON_BOOL);
}

static void test_assigned(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t emp = create_user(s, key, "Erika", "Employee", "employee-pass-1");
    mt_resp *r = mt_getf(s, key, USERS "/%lld", (long long)emp);
    MT_ASSERT_STATUS(r, 200);
    char *email = fix_fmt("%s", mt_json_str(r->json, "email"));
    mt_resp_free(r);
    char *emp_key = login(s, email, "employee-pass-1");

    json_int_t company = fix_create_company_as(s, key, "customer", "Assigned Customer");
    json_t *b = project_body(s, "Assigned One");
    json_object_update_new(b, json_pack("{s:I, s:s, s:b}", "customer_id", company, "identifier",
                                        "ASG-1", "billable", 0));
    json_int_t p1 = create_project(s, b);
    json_int_t p2 = create_project(s, project_body(s, "Assigned Two"));
    json_int_t p3 = create_project(s, project_body(s, "Not Assigned"));
    r = mt_requestf(s, "POST", key, "{\"name\":\"Integrations\"}", PROJECTS "/%lld/tasks",
                    (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    json_int_t t1 = mt_json_int(r->json, "id");
    mt_resp_free(r);
    r = mt_requestf(s, "POST", key, "{\"name\":\"Internal\",\"billable\":false,\"active\":false}",
                    PROJECTS "/%lld/tasks", (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    json_int_t t2 = mt_json_int(r->json, "id");
    mt_resp_free(r);
    char *cbody = fix_fmt("{\"user_id\":%lld}", (long long)emp);
    r = mt_requestf(s, "POST", key, cbody, PROJECTS "/%lld/contracts", (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    cbody = fix_fmt("{\"user_id\":%lld,\"active\":false}", (long long)emp);
    r = mt_requestf(s, "POST", key, cbody, PROJECTS "/%lld/contracts", (long long)p2);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    /* somebody else on p3 */
    cbody = fix_fmt("{\"user_id\":%lld}", (long long)fx.co_leader);
    r = mt_requestf(s, "POST", key, cbody, PROJECTS "/%lld/contracts", (long long)p3);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    r = mt_get(s, PROJECTS "/assigned", emp_key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) assert_assigned_shape(e);
    json_t *a1 = fix_find_by_id(r->json, p1), *a2 = fix_find_by_id(r->json, p2);
    assert_non_null(a1);
    assert_non_null(a2);
    assert_null(fix_find_by_id(r->json, p3));
    MT_ASSERT_JSON_STR(a1, "identifier", "ASG-1");
    MT_ASSERT_JSON_STR(a1, "name", "Assigned One");
    MT_ASSERT_JSON_TYPE(a1, "active", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(a1, "billable", JSON_FALSE);
    MT_ASSERT_JSON_INT(a1, "customer.id", company);
    MT_ASSERT_JSON_STR(a1, "customer.name", "Assigned Customer");
    assert_int_equal(mt_json_len(a1, "tasks"), 2);
    json_t *at1 = fix_find_by_id(json_object_get(a1, "tasks"), t1);
    json_t *at2 = fix_find_by_id(json_object_get(a1, "tasks"), t2);
    assert_non_null(at1);
    assert_non_null(at2);
    MT_ASSERT_JSON_STR(at1, "name", "Integrations");
    MT_ASSERT_JSON_TYPE(at1, "active", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(at1, "billable", JSON_TRUE);
    MT_ASSERT_JSON_STR(at2, "name", "Internal");
    MT_ASSERT_JSON_TYPE(at2, "active", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(at2, "billable", JSON_FALSE);
    MT_ASSERT_JSON_INT(a1, "contract.user_id", emp);
    MT_ASSERT_JSON_TYPE(a1, "contract.active", JSON_TRUE);
    MT_ASSERT_JSON_INT(a2, "contract.user_id", emp);
    MT_ASSERT_JSON_TYPE(a2, "contract.active", JSON_FALSE);
    assert_int_equal(mt_json_len(a2, "tasks"), 0);
    mt_resp_free(r);

    /* active filters on the project being active */
    r = project_action(s, key, p2, "archive", NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_get(s, PROJECTS "/assigned?active=true", emp_key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", p1);
    mt_resp_free(r);
    r = mt_get(s, PROJECTS "/assigned?active=false", emp_key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", p2);
    MT_ASSERT_JSON_TYPE(r->json, "[0].active", JSON_FALSE);
    mt_resp_free(r);
    r = mt_get(s, PROJECTS "/assigned.json", emp_key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    mt_resp_free(r);

    /* a full account key impersonating the employee sees the same */
    char *full = fix_keep(mt_account_key(s, MT_ACCOUNT, "full"));
    char *imp = fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)emp);
    const char *hdrs[] = {imp, NULL};
    r = mt_request(s, "GET", PROJECTS "/assigned", full, NULL, hdrs);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    assert_non_null(fix_find_by_id(r->json, p1));
    mt_resp_free(r);
    /* an account key acts for no user: nothing is assigned to it (mocod: 422) */
    r = mt_get(s, PROJECTS "/assigned", full);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);

    /* the co-leader sees p3 only among these */
    imp = fix_fmt("X-IMPERSONATE-USER-ID: %lld", (long long)fx.co_leader);
    const char *hdrs2[] = {imp, NULL};
    r = mt_request(s, "GET", PROJECTS "/assigned", key, NULL, hdrs2);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(fix_find_by_id(r->json, p3));
    assert_null(fix_find_by_id(r->json, p1));
    assert_null(fix_find_by_id(r->json, p2));
    mt_resp_free(r);

    /* the employee's role reads projects but does not change them */
    r = mt_getf(s, emp_key, PROJECTS "/%lld", (long long)p1);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_request_json(s, "POST", PROJECTS, emp_key, project_body(s, "By Employee"), NULL);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = put_project(s, emp_key, p1, json_pack("{s:s}", "name", "By Employee"));
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = project_action(s, emp_key, p1, "archive", NULL);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_deletef(s, emp_key, PROJECTS "/%lld", (long long)p1);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = get_project(s, p1);
    MT_ASSERT_JSON_STR(r->json, "name", "Assigned One");
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    mt_resp_free(r);
}

/* ---- delete ----------------------------------------------------------------------------- */

static void test_delete(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Deleted Project Customer");
    json_int_t member = create_user(s, key, "Dora", "Deleted", NULL);
    json_t *b = project_body(s, "To Be Deleted");
    json_object_update_new(b, json_pack("{s:I, s:[s], s:{s:s}}", "customer_id", company, "tags",
                                        "Doomed", "custom_properties", "PO Number", "PO-DEL"));
    json_int_t id = create_project(s, b);
    mt_resp *r = mt_requestf(s, "POST", key, "{\"name\":\"Doomed Task\"}", PROJECTS "/%lld/tasks",
                             (long long)id);
    MT_ASSERT_STATUS(r, 200);
    json_int_t task = mt_json_int(r->json, "id");
    mt_resp_free(r);
    char *cbody = fix_fmt("{\"user_id\":%lld}", (long long)member);
    r = mt_requestf(s, "POST", key, cbody, PROJECTS "/%lld/contracts", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    json_int_t contract = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* while the project refers to them, its customer and its member cannot go */
    r = mt_deletef(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);
    r = mt_deletef(s, key, USERS "/%lld", (long long)member);
    MT_ASSERT_STATUS(r, 422);
    mt_resp_free(r);

    r = mt_deletef(s, key, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, key, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    char *path = fix_fmt(PROJECTS "?ids=%lld&include_archived=true", (long long)id);
    fix_assert_list_empty(s, key, path);
    fix_assert_list_empty(s, key, PROJECTS "?custom_properties[PO%20Number]=PO-DEL");
    fix_assert_list_empty(s, key, PROJECTS "?tags=Doomed");
    /* its tasks and contracts went with it */
    r = mt_getf(s, key, PROJECTS "/%lld/tasks/%lld", (long long)id, (long long)task);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "/%lld/contracts/%lld", (long long)id, (long long)contract);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/taggings/Project/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    /* so nothing refers to the member and the customer any more */
    r = mt_deletef(s, key, USERS "/%lld", (long long)member);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    r = mt_deletef(s, key, PROJECTS "/%lld", (long long)NO_ID);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

/* Deleting what a project refers to: its customer and leader are refused; optional references
 * either refuse too or leave the project without a dangling reference. */
static void test_delete_referenced(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t company = fix_create_company_as(s, key, "customer", "Referenced Customer");
    json_int_t leader = create_user(s, key, "Referenced", "Leader", NULL);
    json_int_t co = create_user(s, key, "Referenced", "Coleader", NULL);
    json_int_t deal = fix_create_deal(s, key, "Referenced Deal", fx.leader);
    json_int_t contact = fix_create_contact(s, key, "Referenced", "Contact");
    json_int_t group = create_group(s, key, "Referenced Group");
    json_t *b = project_body(s, "Referencing");
    json_object_update_new(b, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "customer_id", company,
                                        "leader_id", leader, "co_leader_id", co, "deal_id", deal,
                                        "contact_id", contact, "project_group_id", group));
    json_int_t id = create_project(s, b);

    mt_resp *r = mt_deletef(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = mt_deletef(s, key, USERS "/%lld", (long long)leader);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = get_project(s, id);
    MT_ASSERT_JSON_INT(r->json, "customer.id", company);
    MT_ASSERT_JSON_STR(r->json, "customer.name", "Referenced Customer");
    MT_ASSERT_JSON_INT(r->json, "leader.id", leader);
    mt_resp_free(r);
    r = mt_getf(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(s, key, USERS "/%lld", (long long)leader);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    struct {
        const char *path, *field;
        json_int_t id;
    } optional[] = {{USERS, "co_leader", co},
                    {DEALS, "deal", deal},
                    {CONTACTS, "contact", contact},
                    {GROUPS, "project_group", group}};
    for (int i = 0; i < 4; i++) {
        r = mt_deletef(s, key, "%s/%lld", optional[i].path, (long long)optional[i].id);
        long status = r->status;
        if (status != 204 && status != 422)
            MT_ASSERT_STATUS(r, 204);
        mt_resp_free(r);
        r = get_project(s, id);
        if (status == 204)
            MT_ASSERT_JSON_NULL(r->json, optional[i].field);
        else
            MT_ASSERT_JSON_INT(r->json, fix_fmt("%s.id", optional[i].field), optional[i].id);
        mt_resp_free(r);
    }
    /* the group's deletion is allowed (mocod lets groups be deleted) */
    r = get_project(s, id);
    MT_ASSERT_JSON_NULL(r->json, "project_group");
    mt_resp_free(r);

    /* once the project is gone, they can be deleted */
    r = mt_deletef(s, key, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_deletef(s, key, COMPANIES "/%lld", (long long)company);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_deletef(s, key, USERS "/%lld", (long long)leader);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------ */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t gid = create_group(s, key, "Read Only Group");
    json_int_t id = create_project(s, project_body(s, "Read Only Target"));
    mt_resp *orig = get_project(s, id);
    char *ro = fix_keep(mt_account_key(s, MT_ACCOUNT, "read"));

    mt_resp *r = mt_get(s, PROJECTS, ro);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_getf(s, ro, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_equal(r->json, orig->json);
    mt_resp_free(r);
    r = mt_getf(s, ro, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_get(s, GROUPS, ro);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    r = mt_request_json(s, "POST", PROJECTS, ro, project_body(s, "Read Only New"), NULL);
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = put_project(s, ro, id, json_pack("{s:s}", "name", "Changed by reader"));
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_request_json(s, "PATCH", fix_fmt(PROJECTS "/%lld", (long long)id), ro,
                        json_pack("{s:s}", "name", "Changed by reader"), NULL);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    char *assign = fix_fmt("{\"project_group_id\":%lld}", (long long)gid);
    const char *actions[] = {"archive",
                             "unarchive",
                             "share",
                             "disable_share",
                             "assign_project_group",
                             "unassign_project_group"};
    for (int i = 0; i < 6; i++) {
        r = project_action(s, ro, id, actions[i], i == 4 ? assign : NULL);
        MT_ASSERT_STATUS(r, 403);
        mt_resp_free(r);
    }
    r = mt_deletef(s, ro, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_post(s, GROUPS, ro, "{\"name\":\"Read Only Group 2\"}");
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ro, "{\"name\":\"x\"}", GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_deletef(s, ro, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    /* nothing changed */
    r = get_project(s, id);
    fix_assert_json_equal(r->json, orig->json);
    mt_resp_free(r);
    r = get_group(s, gid);
    MT_ASSERT_JSON_STR(r->json, "name", "Read Only Group");
    mt_resp_free(r);
    mt_resp_free(orig);

    /* no key */
    r = mt_get(s, PROJECTS, NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
    r = mt_getf(s, NULL, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    const char *ok = other(s);
    json_int_t gid = create_group(s, key, "Acme Secret Group");
    json_t *b = project_body(s, "Acme Secret Project");
    json_object_update_new(
        b, json_pack("{s:I, s:s}", "project_group_id", gid, "identifier", "SECRET-1"));
    json_int_t id = create_project(s, b);
    mt_resp *r = mt_requestf(s, "POST", key, "{\"name\":\"Secret Task\"}", PROJECTS "/%lld/tasks",
                             (long long)id);
    MT_ASSERT_STATUS(r, 200);
    json_int_t task = mt_json_int(r->json, "id");
    mt_resp_free(r);
    char *cbody = fix_fmt("{\"user_id\":%lld}", (long long)fx.co_leader);
    r = mt_requestf(s, "POST", key, cbody, PROJECTS "/%lld/contracts", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    json_int_t contract = mt_json_int(r->json, "id");
    mt_resp_free(r);
    mt_resp *orig = get_project(s, id);

    /* by id, on every path */
    const char *gets[] = {PROJECTS "/%lld", PROJECTS "/%lld/tasks", PROJECTS "/%lld/contracts",
                          GROUPS "/%lld"};
    json_int_t get_ids[] = {id, id, id, gid};
    for (int i = 0; i < 4; i++) {
        r = mt_getf(s, ok, gets[i], (long long)get_ids[i]);
        MT_ASSERT_STATUS(r, 404);
        MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
        mt_resp_free(r);
    }
    r = mt_getf(s, ok, PROJECTS "/%lld/tasks/%lld", (long long)id, (long long)task);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, ok, PROJECTS "/%lld/contracts/%lld", (long long)id, (long long)contract);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    /* acme's task and contract through the other account's own project */
    r = mt_getf(s, ok, PROJECTS "/%lld/tasks/%lld", (long long)fx.other_project, (long long)task);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, ok, PROJECTS "/%lld/contracts/%lld", (long long)fx.other_project,
                (long long)contract);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    r = put_project(s, ok, id, json_pack("{s:s}", "name", "Hijacked"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    char *assign = fix_fmt("{\"project_group_id\":%lld}", (long long)fx.other_group);
    const char *actions[] = {"archive",
                             "unarchive",
                             "share",
                             "disable_share",
                             "assign_project_group",
                             "unassign_project_group"};
    for (int i = 0; i < 6; i++) {
        r = project_action(s, ok, id, actions[i], i == 4 ? assign : NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
    }
    r = mt_requestf(s, "POST", ok, "{\"name\":\"Planted Task\"}", PROJECTS "/%lld/tasks",
                    (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_requestf(s, "PUT", ok, "{\"name\":\"Hijacked\"}", GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, ok, GROUPS "/%lld", (long long)gid);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, ok, PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* absent from the other account's lists, which show only its own */
    fix_assert_list_of(s, ok, PROJECTS "?include_archived=true", fx.other_project);
    fix_assert_list_empty(s, ok, fix_fmt(PROJECTS "?ids=%lld", (long long)id));
    fix_assert_list_empty(s, ok, PROJECTS "?identifier=SECRET-1");
    fix_assert_list_empty(s, ok, PROJECTS "?term=Secret");
    fix_assert_list_empty(s, ok, fix_fmt(PROJECTS "?leader_id=%lld", (long long)fx.leader));
    fix_assert_list_of(s, ok, GROUPS, fx.other_group);
    r = mt_get(s, PROJECTS "/assigned", ok);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(r->json, id));
    mt_resp_free(r);
    /* and acme does not see the other account's project */
    r = mt_getf(s, key, PROJECTS "/%lld", (long long)fx.other_project);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_getf(s, key, PROJECTS "?ids=%lld", (long long)fx.other_project);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 0);
    mt_resp_free(r);

    /* acme's project is untouched */
    r = get_project(s, id);
    fix_assert_json_equal(r->json, orig->json);
    mt_resp_free(r);
    mt_resp_free(orig);
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* the numbering tests first: they assume no project was deleted before */
        cmocka_unit_test(test_create_minimal_and_get),
        cmocka_unit_test(test_auto_identifier_skips_taken),
        cmocka_unit_test(test_auto_identifier_after_delete),
        cmocka_unit_test(test_create_every_field),
        cmocka_unit_test(test_create_required_fields),
        cmocka_unit_test(test_create_invalid_values),
        cmocka_unit_test(test_foreign_ids),
        cmocka_unit_test(test_retainer_rules),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_list_include_company),
        cmocka_unit_test(test_sort_and_pagination),
        cmocka_unit_test(test_sort_empty_values_last),
        cmocka_unit_test(test_tags_and_custom_properties),
        cmocka_unit_test(test_renames_show_in_projects),
        cmocka_unit_test(test_archive_unarchive),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_customer_report_url_is_share_url),
        cmocka_unit_test(test_project_groups),
        cmocka_unit_test(test_assign_project_group),
        cmocka_unit_test(test_assign_project_group_id_as_string),
        cmocka_unit_test(test_assigned),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_delete_referenced),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
