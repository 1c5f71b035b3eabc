/*
 * API tests of the account's hourly rates (sections/account/hourly_rates.md) and internal hourly
 * rates (sections/account/internal_hourly_rates.md): GET and PATCH (and PUT) on the collection.
 *
 * The docs show no PATCH /account/hourly_rates; mocod's takes the GET's shape (defaults_rates,
 * tasks[{id, rates}], users[{id, rates}], company_id) and changes the entries given. The rate
 * shown is the one that applies: a task's (user's) own, else the currency's default, else 0;
 * with company_id, the customer's own entry where set, else the global one.
 *
 * One server for the whole file (group fixture); the tests run in order and each makes its own
 * task templates, users and customers (test_empty_account runs first, on the fresh account).
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATES    "/api/v1/account/hourly_rates"
#define INTERNAL "/api/v1/account/internal_hourly_rates"

#define RATES_KEYS    "defaults_rates,tasks,users"
#define RATE_KEYS     "currency,hourly_rate"
#define TASK_KEYS     "id,name,rates"
#define USER_KEYS     "id,full_name,rates"
#define INTERNAL_KEYS "id,full_name,rates"
#define YEAR_KEYS     "year,rate"

/* ---- helpers ---------------------------------------------------------------------------- */

static int g_counter;

static json_int_t create_user(mt_server *s, const char *first, const char *last)
{
    char email[96];
    snprintf(email, sizeof email, "rate-user-%d@acme.test", ++g_counter);
    return fix_create_user_as(s, mt_admin_key(s), first, last, email, NULL);
}

static json_int_t create_template(mt_server *s, const char *key, const char *name)
{
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/account/task_templates", key,
                                 json_pack("{s:s}", "name", name), NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

static json_int_t create_customer(mt_server *s, const char *name, const char *currency)
{
    mt_resp *r = mt_request_json(
        s, "POST", "/api/v1/companies", mt_admin_key(s),
        json_pack("{s:s, s:s, s:s}", "type", "customer", "name", name, "currency", currency), NULL);
    MT_ASSERT_STATUS(r, 200);
    return fix_take_id(r);
}

static void set_active(mt_server *s, json_int_t user, bool active)
{
    mt_resp *r = fix_request_jsonf(s, "PUT", mt_admin_key(s), json_pack("{s:b}", "active", active),
                                   "/api/v1/users/%lld", (long long)user);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
}

/* The rates list of an entry: check its shape (currencies sorted, each {currency, hourly_rate}
 * with a JSON real) and answer it. */
static void assert_rate_list(const json_t *list)
{
    assert_true(json_is_array(list));
    const char *prev = "";
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        mt_assert_keys(e, RATE_KEYS);
        MT_ASSERT_JSON_TYPE(e, "currency", JSON_STRING);
        MT_ASSERT_JSON_TYPE(e, "hourly_rate", JSON_REAL);
        const char *cur = mt_json_str(e, "currency");
        assert_int_equal(strlen(cur), 3);
        assert_true(strcmp(prev, cur) < 0);
        prev = cur;
    }
}

/* Every key and type of the GET answer, as the docs' example has them. */
static void assert_rates_shape(const json_t *j)
{
    mt_assert_keys(j, RATES_KEYS);
    assert_rate_list(mt_json_get(j, "defaults_rates"));
    const char *lists[] = {"tasks", "users"};
    for (int k = 0; k < 2; k++) {
        const json_t *arr = mt_json_get(j, lists[k]);
        assert_true(json_is_array(arr));
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            mt_assert_keys(e, k ? USER_KEYS : TASK_KEYS);
            MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
            MT_ASSERT_JSON_TYPE(e, k ? "full_name" : "name", JSON_STRING);
            assert_rate_list(mt_json_get(e, "rates"));
            /* every entry lists the same currencies as the defaults */
            assert_int_equal(mt_json_len(e, "rates"), mt_json_len(j, "defaults_rates"));
        }
    }
}

/* The hourly_rate of currency in a rates list; fails when the currency is not listed. */
static double rate_in(const json_t *list, const char *currency)
{
    json_t *e = fix_find_by_str(list, "currency", currency);
    if (!e)
        fail_msg("currency %s is not listed", currency);
    return mt_json_real(e, "hourly_rate");
}

/* The rates list of the task (user) id in a GET answer; fails when it is not listed. */
static const json_t *rates_of(const json_t *j, const char *list, json_int_t id)
{
    json_t *e = fix_find_by_id(mt_json_get(j, list), id);
    if (!e)
        fail_msg("%s has no entry %lld", list, (long long)id);
    return mt_json_get(e, "rates");
}

static mt_resp *patch_rates(mt_server *s, const char *key, const char *body)
{
    return mt_patch(s, RATES, key, body);
}

static mt_resp *get_rates(mt_server *s, const char *query)
{
    return mt_get(s, query ? fix_fmt(RATES "?%s", query) : RATES, mt_admin_key(s));
}

/* The year of today in Europe/Berlin, the account's default time zone. */
static int berlin_year(void)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return tm.tm_year + 1900;
}

/* ---- hourly rates ----------------------------------------------------------------------- */

static void test_empty_account(void **state)
{
    mt_server *s = *state;
    mt_resp *r = get_rates(s, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_rates_shape(r->json);
    /* no rates yet: the account's currency (EUR) with 0.0, no task templates, the admin */
    fix_assert_json_eq(mt_json_get(r->json, "defaults_rates"),
                       "[{\"currency\":\"EUR\",\"hourly_rate\":0.0}]", r);
    assert_int_equal(mt_json_len(r->json, "tasks"), 0);
    json_int_t admin = fix_session_user_id(s, mt_admin_key(s));
    assert_int_equal(mt_json_len(r->json, "users"), 1);
    MT_ASSERT_JSON_INT(r->json, "users[0].id", admin);
    MT_ASSERT_JSON_STR(r->json, "users[0].full_name", "Ada Admin");
    assert_non_null(strstr(r->body, "\"hourly_rate\":0.0"));
    mt_resp_free(r);

    r = mt_get(s, INTERNAL, mt_admin_key(s));
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 1);
    mt_assert_keys(mt_json_get(r->json, "[0]"), INTERNAL_KEYS);
    MT_ASSERT_JSON_INT(r->json, "[0].id", admin);
    MT_ASSERT_JSON_STR(r->json, "[0].full_name", "Ada Admin");
    assert_int_equal(mt_json_len(r->json, "[0].rates"), 1);
    mt_assert_keys(mt_json_get(r->json, "[0].rates[0]"), YEAR_KEYS);
    MT_ASSERT_JSON_INT(r->json, "[0].rates[0].year", berlin_year());
    MT_ASSERT_JSON_TYPE(r->json, "[0].rates[0].rate", JSON_REAL);
    fix_assert_number(r->json, "[0].rates[0].rate", 0.0);
    mt_resp_free(r);
}

static void test_patch_sets_and_get_shows(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t grafik = create_template(s, key, "Grafik");
    json_int_t dev = create_template(s, key, "Entwicklung");
    json_int_t max = create_user(s, "Max", "Muster");
    char body[1024];
    snprintf(
        body, sizeof body,
        "{\"defaults_rates\":[{\"currency\":\"EUR\",\"hourly_rate\":150.0},"
        "{\"currency\":\"CHF\",\"hourly_rate\":160.5}],"
        "\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":170}]}],"
        "\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"USD\",\"hourly_rate\":\"99.99\"}]}]}",
        (long long)grafik, (long long)max);
    mt_resp *r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_rates_shape(r->json);
    fix_assert_json_eq(mt_json_get(r->json, "defaults_rates"),
                       "[{\"currency\":\"CHF\",\"hourly_rate\":160.5},"
                       "{\"currency\":\"EUR\",\"hourly_rate\":150.0},"
                       "{\"currency\":\"USD\",\"hourly_rate\":0.0}]",
                       r);
    /* the task's own EUR rate; CHF and USD come from the defaults */
    fix_assert_json_eq(rates_of(r->json, "tasks", grafik),
                       "[{\"currency\":\"CHF\",\"hourly_rate\":160.5},"
                       "{\"currency\":\"EUR\",\"hourly_rate\":170.0},"
                       "{\"currency\":\"USD\",\"hourly_rate\":0.0}]",
                       r);
    fix_assert_number(rates_of(r->json, "tasks", dev), "[1].hourly_rate", 150.0);
    MT_ASSERT_JSON_STR(fix_find_by_id(mt_json_get(r->json, "tasks"), dev), "name", "Entwicklung");
    const json_t *mr = rates_of(r->json, "users", max);
    assert_true(rate_in(mr, "USD") == 99.99);
    assert_true(rate_in(mr, "EUR") == 150.0);
    MT_ASSERT_JSON_STR(fix_find_by_id(mt_json_get(r->json, "users"), max), "full_name",
                       "Max Muster");
    /* money as JSON numbers with a decimal */
    assert_non_null(strstr(r->body, "\"hourly_rate\":150.0"));
    assert_non_null(strstr(r->body, "\"hourly_rate\":99.99"));

    /* GET shows what the PATCH answered */
    mt_resp *g = get_rates(s, NULL);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* a PATCH changes only the entries it names; null removes one (the default applies again);
     * PUT does the same */
    snprintf(body, sizeof body,
             "{\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":null},"
             "{\"currency\":\"CHF\",\"hourly_rate\":180}]}]}",
             (long long)grafik);
    r = mt_put(s, RATES, key, body);
    MT_ASSERT_STATUS(r, 200);
    const json_t *gr = rates_of(r->json, "tasks", grafik);
    assert_true(rate_in(gr, "EUR") == 150.0);
    assert_true(rate_in(gr, "CHF") == 180.0);
    assert_true(rate_in(mt_json_get(r->json, "defaults_rates"), "CHF") == 160.5);
    assert_true(rate_in(rates_of(r->json, "users", max), "USD") == 99.99);
    mt_resp_free(r);

    /* an empty list of changes changes nothing */
    g = get_rates(s, NULL);
    r = patch_rates(s, key, "{\"defaults_rates\":[]}");
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_equal(r->json, g->json);
    mt_resp_free(r);
    mt_resp_free(g);
}

static void test_money_is_exact(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t t = create_template(s, key, "Exact");
    /* numbers that binary floats do not hold exactly come back as they were sent */
    char body[512];
    snprintf(body, sizeof body,
             "{\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"GBP\",\"hourly_rate\":0.1},"
             "{\"currency\":\"JPY\",\"hourly_rate\":9999999999999.99},"
             "{\"currency\":\"SEK\",\"hourly_rate\":\"1234567.89\"}]}]}",
             (long long)t);
    mt_resp *r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_non_null(strstr(r->body, "{\"currency\":\"GBP\",\"hourly_rate\":0.1}"));
    assert_non_null(strstr(r->body, "{\"currency\":\"JPY\",\"hourly_rate\":9999999999999.99}"));
    assert_non_null(strstr(r->body, "{\"currency\":\"SEK\",\"hourly_rate\":1234567.89}"));
    mt_resp_free(r);
    /* stored as cents */
    assert_int_equal(mt_sql_i64(s, fix_fmt("SELECT rate FROM hourly_rates WHERE kind = 'task' AND "
                                           "subject_id = %lld AND currency = 'SEK'",
                                           (long long)t)),
                     123456789);
    /* remove them again: the other tests see the three currencies of the first */
    snprintf(body, sizeof body,
             "{\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"GBP\",\"hourly_rate\":null},"
             "{\"currency\":\"JPY\",\"hourly_rate\":null},"
             "{\"currency\":\"SEK\",\"hourly_rate\":null}]}]}",
             (long long)t);
    r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_null(strstr(r->body, "GBP"));
    assert_null(strstr(r->body, "SEK"));
    mt_resp_free(r);
}

static void test_customer_rates(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t task = create_template(s, key, "Kundenleistung");
    json_int_t user = create_user(s, "Kira", "Kunde");
    json_int_t customer = create_customer(s, "Rates Customer AG", "NOK");
    char body[1024];
    /* global: the task 120 EUR, the user 130 EUR; the customer: default 155, the user 99 */
    snprintf(body, sizeof body,
             "{\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":120}]}],"
             "\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":130}]}]}",
             (long long)task, (long long)user);
    mt_resp *r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    mt_resp *global = get_rates(s, NULL);
    MT_ASSERT_STATUS(global, 200);

    r = mt_getf(s, key, "/api/v1/companies/%lld", (long long)customer);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "custom_rates"));
    mt_resp_free(r);

    snprintf(body, sizeof body,
             "{\"company_id\":%lld,\"defaults_rates\":[{\"currency\":\"EUR\",\"hourly_rate\":155}],"
             "\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":99}]}]}",
             (long long)customer, (long long)user);
    r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_rates_shape(r->json);
    /* the customer's currency is listed too */
    assert_true(rate_in(mt_json_get(r->json, "defaults_rates"), "NOK") == 0.0);
    assert_true(rate_in(mt_json_get(r->json, "defaults_rates"), "EUR") == 155.0);
    assert_true(rate_in(mt_json_get(r->json, "defaults_rates"), "CHF") == 160.5); /* global */
    assert_true(rate_in(rates_of(r->json, "users", user), "EUR") == 99.0);        /* own */
    assert_true(rate_in(rates_of(r->json, "tasks", task), "EUR") == 120.0);       /* global */
    /* a task without rates of its own, anywhere: the customer's default */
    json_int_t plain =
        mt_json_int(fix_find_by_str(mt_json_get(r->json, "tasks"), "name", "Entwicklung"), "id");
    assert_true(rate_in(rates_of(r->json, "tasks", plain), "EUR") == 155.0);
    mt_resp *own = get_rates(s, fix_fmt("company_id=%lld", (long long)customer));
    MT_ASSERT_STATUS(own, 200);
    fix_assert_json_equal(own->json, r->json);
    mt_resp_free(own);
    mt_resp_free(r);

    /* the global rates stay as they were */
    r = get_rates(s, NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_equal(r->json, global->json);
    mt_resp_free(r);
    mt_resp_free(global);

    /* the customer says it has rates of its own, until they are all removed */
    r = mt_getf(s, key, "/api/v1/companies/%lld", (long long)customer);
    MT_ASSERT_STATUS(r, 200);
    assert_true(mt_json_bool(r->json, "custom_rates"));
    mt_resp_free(r);
    snprintf(
        body, sizeof body,
        "{\"company_id\":%lld,\"defaults_rates\":[{\"currency\":\"EUR\",\"hourly_rate\":null}],"
        "\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":null}]}]}",
        (long long)customer, (long long)user);
    r = patch_rates(s, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_true(rate_in(rates_of(r->json, "users", user), "EUR") == 130.0);
    mt_resp_free(r);
    r = mt_getf(s, key, "/api/v1/companies/%lld", (long long)customer);
    MT_ASSERT_STATUS(r, 200);
    assert_false(mt_json_bool(r->json, "custom_rates"));
    mt_resp_free(r);

    /* company_id must name a customer of the account */
    json_int_t supplier = fix_create_company_as(s, key, "supplier", "Rates Supplier GmbH");
    r = get_rates(s, fix_fmt("company_id=%lld", (long long)supplier));
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = get_rates(s, "company_id=987654321");
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = get_rates(s, "company_id=abc");
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = patch_rates(s, key,
                    fix_fmt("{\"company_id\":%lld,\"defaults_rates\":[{\"currency\":\"EUR\","
                            "\"hourly_rate\":1}]}",
                            (long long)supplier));
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
    r = patch_rates(s, key, "{\"company_id\":\"x\",\"defaults_rates\":[]}");
    fix_assert_422(r, "company_id");
    mt_resp_free(r);
}

static void test_archived_users(void **state)
{
    mt_server *s = *state;
    json_int_t gone = create_user(s, "Gustav", "Gegangen");
    set_active(s, gone, false);
    mt_resp *r = get_rates(s, NULL);
    MT_ASSERT_STATUS(r, 200);
    assert_null(fix_find_by_id(mt_json_get(r->json, "users"), gone));
    mt_resp_free(r);
    r = get_rates(s, "include_archived_users=true");
    MT_ASSERT_STATUS(r, 200);
    assert_rates_shape(r->json);
    assert_non_null(fix_find_by_id(mt_json_get(r->json, "users"), gone));
    mt_resp_free(r);
    r = get_rates(s, "include_archived_users=maybe");
    fix_assert_422(r, "include_archived_users");
    mt_resp_free(r);
    /* a deactivated user's rates can still be set */
    r = patch_rates(s, mt_admin_key(s),
                    fix_fmt("{\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\","
                            "\"hourly_rate\":42}]}]}",
                            (long long)gone));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = get_rates(s, "include_archived_users=true");
    assert_true(rate_in(rates_of(r->json, "users", gone), "EUR") == 42.0);
    mt_resp_free(r);
}

static void test_bad_bodies(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t task = create_template(s, key, "Validiert");
    json_int_t user = create_user(s, "Vera", "Valide");
    const char *other = fix_other_key(s);
    json_int_t other_task = create_template(s, other, "Fremd");
    mt_resp *before = get_rates(s, NULL);
    MT_ASSERT_STATUS(before, 200);

    static const struct {
        const char *entry; /* one rate entry under defaults_rates */
        const char *field;
    } bad_entries[] = {
        {"{\"currency\":\"eur\",\"hourly_rate\":1}", "defaults_rates[0].currency"},
        {"{\"currency\":\"EURO\",\"hourly_rate\":1}", "defaults_rates[0].currency"},
        {"{\"currency\":12,\"hourly_rate\":1}", "defaults_rates[0].currency"},
        {"{\"hourly_rate\":1}", "defaults_rates[0].currency"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":-1}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":-0.01}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":1.234}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":\"abc\"}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":true}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\",\"hourly_rate\":1e300}", "defaults_rates[0].hourly_rate"},
        {"{\"currency\":\"EUR\"}", "defaults_rates[0].hourly_rate"},
        {"\"EUR\"", "defaults_rates[0]"},
    };
    for (size_t i = 0; i < sizeof bad_entries / sizeof bad_entries[0]; i++) {
        mt_resp *r =
            patch_rates(s, key, fix_fmt("{\"defaults_rates\":[%s]}", bad_entries[i].entry));
        fix_assert_422(r, bad_entries[i].field);
        mt_resp_free(r);
    }

    const char *bad_bodies[][2] = {
        {"{}", "defaults_rates"},
        {"{\"defaults_rates\":\"EUR\"}", "defaults_rates"},
        {"{\"tasks\":{}}", "tasks"},
        {"{\"users\":[1]}", "users[0]"},
        {"{\"tasks\":[{\"id\":987654321,\"rates\":[]}]}", "tasks[0].id"},
        {"{\"tasks\":[{\"id\":\"x\",\"rates\":[]}]}", "tasks[0].id"},
        {"{\"users\":[{\"id\":987654321,\"rates\":[]}]}", "users[0].id"},
        {fix_fmt("{\"tasks\":[{\"id\":%lld,\"rates\":[]}]}", (long long)other_task), "tasks[0].id"},
        {fix_fmt("{\"tasks\":[{\"id\":%lld}]}", (long long)task), "tasks[0].rates"},
        {fix_fmt("{\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\",\"hourly_rate\":"
                 "-5}]}]}",
                 (long long)user),
         "users[0].rates[0].hourly_rate"},
        {fix_fmt("{\"tasks\":[{\"id\":%lld,\"rates\":[{\"currency\":\"E\",\"hourly_rate\":"
                 "5}]}]}",
                 (long long)task),
         "tasks[0].rates[0].currency"},
    };
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
        mt_resp *r = patch_rates(s, key, bad_bodies[i][0]);
        fix_assert_422(r, bad_bodies[i][1]);
        mt_resp_free(r);
    }

    /* every problem is named, and a body with one changes nothing, not even its good parts */
    mt_resp *r =
        patch_rates(s, key,
                    fix_fmt("{\"defaults_rates\":[{\"currency\":\"EUR\",\"hourly_rate\":1000},"
                            "{\"currency\":\"usd\",\"hourly_rate\":-1}],"
                            "\"tasks\":[{\"id\":987654321,\"rates\":[]},{\"id\":%lld,\"rates\":"
                            "[{\"currency\":\"EUR\",\"hourly_rate\":1000}]}]}",
                            (long long)task));
    fix_assert_422_fields(r,
                          "defaults_rates[1].currency,defaults_rates[1].hourly_rate,tasks[0].id");
    json_t *errors = json_object_get(r->json, "errors");
    assert_null(json_object_get(errors, "defaults_rates[0].currency"));
    assert_null(json_object_get(errors, "defaults_rates[0].hourly_rate"));
    assert_null(json_object_get(errors, "tasks[1].id"));
    mt_resp_free(r);

    r = mt_request(s, "PATCH", RATES, key, "not json", NULL);
    fix_assert_error(r, 400);
    mt_resp_free(r);

    mt_resp *after = get_rates(s, NULL);
    MT_ASSERT_STATUS(after, 200);
    fix_assert_json_equal(after->json, before->json);
    mt_resp_free(after);
    mt_resp_free(before);
}

/* ---- internal hourly rates -------------------------------------------------------------- */

static void test_internal_rates(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t daniela = create_user(s, "Daniela", "Demo");
    json_int_t moritz = create_user(s, "Moritz", "Muster");
    char body[512];
    snprintf(body, sizeof body,
             "{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":130.0},"
             "{\"user_id\":%lld,\"rate\":\"120.55\"}]}",
             (long long)daniela, (long long)moritz);
    mt_resp *r = mt_patch(s, INTERNAL, key, body);
    MT_ASSERT_STATUS(r, 200);
    /* the users it changed, with their rate of that year */
    snprintf(body, sizeof body,
             "[{\"id\":%lld,\"full_name\":\"Daniela Demo\",\"rates\":[{\"year\":2021,\"rate\":"
             "130.0}]},{\"id\":%lld,\"full_name\":\"Moritz Muster\",\"rates\":[{\"year\":2021,"
             "\"rate\":120.55}]}]",
             (long long)daniela, (long long)moritz);
    fix_assert_json_eq(r->json, body, r);
    assert_non_null(strstr(r->body, "\"rate\":130.0"));
    mt_resp_free(r);

    /* PUT (the docs' curl) sets another year */
    snprintf(body, sizeof body, "{\"year\":2020,\"rates\":[{\"user_id\":%lld,\"rate\":120}]}",
             (long long)daniela);
    r = mt_put(s, INTERNAL, key, body);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 1);
    mt_resp_free(r);

    const char *queries[] = {"years=2020,2021", "years=2021,2020", "years=2021,%202020,2021"};
    for (int q = 0; q < 3; q++) {
        r = mt_get(s, fix_fmt(INTERNAL "?%s", queries[q]), key);
        MT_ASSERT_STATUS(r, 200);
        json_t *d = fix_find_by_id(r->json, daniela);
        assert_non_null(d);
        mt_assert_keys(d, INTERNAL_KEYS);
        fix_assert_json_eq(mt_json_get(d, "rates"),
                           "[{\"year\":2020,\"rate\":120.0},{\"year\":2021,\"rate\":130.0}]", r);
        fix_assert_json_eq(mt_json_get(fix_find_by_id(r->json, moritz), "rates"),
                           "[{\"year\":2020,\"rate\":0.0},{\"year\":2021,\"rate\":120.55}]", r);
        /* everybody is listed, with every year asked for */
        size_t i;
        json_t *e;
        json_array_foreach(r->json, i, e)
        {
            mt_assert_keys(e, INTERNAL_KEYS);
            MT_ASSERT_JSON_TYPE(e, "id", JSON_INTEGER);
            MT_ASSERT_JSON_TYPE(e, "full_name", JSON_STRING);
            assert_int_equal(mt_json_len(e, "rates"), 2);
            MT_ASSERT_JSON_TYPE(e, "rates[0].rate", JSON_REAL);
        }
        mt_resp_free(r);
    }
    r = mt_get(s, INTERNAL "?years=2021", key);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(mt_json_get(fix_find_by_id(r->json, daniela), "rates"),
                       "[{\"year\":2021,\"rate\":130.0}]", r);
    mt_resp_free(r);

    /* a new rate replaces the old one; null removes it */
    snprintf(body, sizeof body,
             "{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":140},"
             "{\"user_id\":%lld,\"rate\":null}]}",
             (long long)daniela, (long long)moritz);
    r = mt_patch(s, INTERNAL, key, body);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_get(s, INTERNAL "?years=2021", key);
    fix_assert_number(fix_find_by_id(r->json, daniela), "rates[0].rate", 140.0);
    fix_assert_number(fix_find_by_id(r->json, moritz), "rates[0].rate", 0.0);
    mt_resp_free(r);
    assert_int_equal(mt_sql_i64(s, fix_fmt("SELECT COUNT(*) FROM internal_hourly_rates WHERE "
                                           "user_id = %lld",
                                           (long long)moritz)),
                     0);
}

static void test_internal_filters(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t unit_id;
    mt_resp *r = mt_request_json(s, "POST", "/api/v1/units", key,
                                 json_pack("{s:s}", "name", "Rates Unit"), NULL);
    MT_ASSERT_STATUS(r, 200);
    unit_id = fix_take_id(r);
    char email[96];
    fix_uniq_email(email, sizeof email, "rate-unit");
    json_int_t member = fix_create_user(s, fix_user_body("Una", "Unit", email, unit_id, NULL));
    fix_uniq_email(email, sizeof email, "rate-unit");
    json_int_t gone = fix_create_user(s, fix_user_body("Ute", "Unit", email, unit_id, NULL));
    set_active(s, gone, false);

    r = mt_get(s, fix_fmt(INTERNAL "?unit_id=%lld", (long long)unit_id), key);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_eq(r->json,
                       fix_fmt("[{\"id\":%lld,\"full_name\":\"Una Unit\",\"rates\":[{\"year\":%d,"
                               "\"rate\":0.0}]}]",
                               (long long)member, berlin_year()),
                       r);
    mt_resp_free(r);
    r = mt_get(
        s, fix_fmt(INTERNAL "?unit_id=%lld&include_archived=true&years=2022", (long long)unit_id),
        key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 2);
    assert_non_null(fix_find_by_id(r->json, gone));
    MT_ASSERT_JSON_INT(fix_find_by_id(r->json, gone), "rates[0].year", 2022);
    mt_resp_free(r);
    /* a unit with nobody in it */
    r = mt_get(s, INTERNAL "?unit_id=987654321", key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 0);
    mt_resp_free(r);

    const char *bad[][2] = {
        {"years=abc", "years"},
        {"years=1899", "years"},
        {"years=2021,x", "years"},
        {"years=2101", "years"},
        {"unit_id=x", "unit_id"},
        {"unit_id=-3", "unit_id"},
        {"include_archived=maybe", "include_archived"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = mt_get(s, fix_fmt(INTERNAL "?%s", bad[i][0]), key);
        fix_assert_422(r, bad[i][1]);
        mt_resp_free(r);
    }
}

static void test_internal_bad_bodies(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t user = create_user(s, "Ina", "Intern");
    json_int_t foreign = fix_session_user_id(s, fix_other_key(s));
    mt_resp *before = mt_get(s, INTERNAL "?years=2021,2030", key);
    MT_ASSERT_STATUS(before, 200);
    const char *bad[][2] = {
        {"{}", "year"},
        {"{\"rates\":[]}", "year"},
        {"{\"year\":null,\"rates\":[]}", "year"},
        {"{\"year\":\"2021\",\"rates\":[]}", "year"},
        {"{\"year\":1800,\"rates\":[]}", "year"},
        {"{\"year\":20210,\"rates\":[]}", "year"},
        {"{\"year\":2021.5,\"rates\":[]}", "year"},
        {"{\"year\":2021}", "rates"},
        {"{\"year\":2021,\"rates\":{}}", "rates"},
        {"{\"year\":2021,\"rates\":[7]}", "rates[0]"},
        {"{\"year\":2021,\"rates\":[{\"user_id\":987654321,\"rate\":1}]}", "rates[0].user_id"},
        {"{\"year\":2021,\"rates\":[{\"rate\":1}]}", "rates[0].user_id"},
        {fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":1}]}", (long long)foreign),
         "rates[0].user_id"},
        {fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":-1}]}", (long long)user),
         "rates[0].rate"},
        {fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":1.005}]}", (long long)user),
         "rates[0].rate"},
        {fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":\"x\"}]}", (long long)user),
         "rates[0].rate"},
        {fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld}]}", (long long)user),
         "rates[0].rate"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_resp *r = mt_patch(s, INTERNAL, key, bad[i][0]);
        fix_assert_422(r, bad[i][1]);
        mt_resp_free(r);
    }
    /* one bad entry: the good ones are not written either */
    mt_resp *r = mt_patch(s, INTERNAL, key,
                          fix_fmt("{\"year\":2030,\"rates\":[{\"user_id\":%lld,\"rate\":50},"
                                  "{\"user_id\":987654321,\"rate\":50}]}",
                                  (long long)user));
    fix_assert_422_fields(r, "rates[1].user_id");
    mt_resp_free(r);
    mt_resp *after = mt_get(s, INTERNAL "?years=2021,2030", key);
    fix_assert_json_equal(after->json, before->json);
    mt_resp_free(after);
    mt_resp_free(before);
}

/* ---- permissions and tenants ------------------------------------------------------------ */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    char *emp_key, *ro_key, *leader_key;
    json_int_t emp = fix_user_with_role(s, "Rita", "Employee", &emp_key);
    fix_user_with_role(s, "Rita", "Read-only", &ro_key);
    fix_user_with_role(s, "Rita", "Project leader", &leader_key);
    const char *read_key = fix_read_key(s);
    mt_resp *rates_before = get_rates(s, NULL);
    mt_resp *internal_before = mt_get(s, INTERNAL "?years=2021", mt_admin_key(s));
    const char *rates_body = fix_fmt("{\"defaults_rates\":[{\"currency\":\"EUR\","
                                     "\"hourly_rate\":1}]}");
    const char *internal_body =
        fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":1}]}", (long long)emp);

    /* reading: the settings area (read or full): the Read-only role and read-only account keys;
     * neither the Employee nor the Project leader role (settings: none) */
    const char *readers[] = {ro_key, read_key};
    for (int i = 0; i < 2; i++) {
        fix_expect_status(s, "GET", readers[i], NULL, 200, RATES);
        fix_expect_status(s, "GET", readers[i], NULL, 200, INTERNAL);
    }
    const char *refused[] = {emp_key, leader_key};
    for (int i = 0; i < 2; i++) {
        fix_expect_error(s, "GET", refused[i], NULL, 403, RATES);
        fix_expect_error(s, "GET", refused[i], NULL, 403, INTERNAL);
    }
    /* writing: full settings (administrators) */
    const char *writers_refused[] = {ro_key, read_key, emp_key, leader_key};
    for (int i = 0; i < 4; i++) {
        fix_expect_error(s, "PATCH", writers_refused[i], rates_body, 403, RATES);
        fix_expect_error(s, "PUT", writers_refused[i], rates_body, 403, RATES);
        fix_expect_error(s, "PATCH", writers_refused[i], internal_body, 403, INTERNAL);
        fix_expect_error(s, "PUT", writers_refused[i], internal_body, 403, INTERNAL);
    }
    fix_expect_error(s, "GET", NULL, NULL, 401, RATES);
    fix_expect_error(s, "PATCH", NULL, rates_body, 401, RATES);
    fix_expect_error(s, "GET", NULL, NULL, 401, INTERNAL);
    fix_expect_error(s, "PATCH", NULL, internal_body, 401, INTERNAL);
    fix_expect_error(s, "DELETE", mt_admin_key(s), NULL, 405, RATES);
    fix_expect_error(s, "POST", mt_admin_key(s), rates_body, 405, INTERNAL);

    /* nothing changed */
    mt_resp *r = get_rates(s, NULL);
    fix_assert_json_equal(r->json, rates_before->json);
    mt_resp_free(r);
    r = mt_get(s, INTERNAL "?years=2021", mt_admin_key(s));
    fix_assert_json_equal(r->json, internal_before->json);
    mt_resp_free(r);
    mt_resp_free(rates_before);
    mt_resp_free(internal_before);

    /* an administrator's full account key writes */
    char *full = mt_account_key(s, MT_ACCOUNT, "full");
    r = mt_patch(s, INTERNAL, full, internal_body);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_number(r->json, "[0].rates[0].rate", 1.0);
    mt_resp_free(r);
    free(full);
    free(emp_key);
    free(ro_key);
    free(leader_key);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    const char *other = fix_other_key(s);
    json_int_t other_admin = fix_session_user_id(s, other);
    json_int_t acme_user = create_user(s, "Acme", "Only");
    json_int_t acme_customer = create_customer(s, "Acme Only AG", "EUR");

    /* the other account sees only its own users, templates and rates (none) */
    mt_resp *r = mt_get(s, RATES, other);
    MT_ASSERT_STATUS(r, 200);
    assert_rates_shape(r->json);
    fix_assert_json_eq(mt_json_get(r->json, "defaults_rates"),
                       "[{\"currency\":\"EUR\",\"hourly_rate\":0.0}]", r);
    assert_int_equal(mt_json_len(r->json, "users"), 1);
    MT_ASSERT_JSON_INT(r->json, "users[0].id", other_admin);
    assert_int_equal(mt_json_len(r->json, "tasks"), 1); /* "Fremd" of test_bad_bodies */
    MT_ASSERT_JSON_STR(r->json, "tasks[0].name", "Fremd");
    mt_resp_free(r);
    r = mt_get(s, INTERNAL "?years=2021", other);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(mt_json_len(r->json, ""), 1);
    MT_ASSERT_JSON_INT(r->json, "[0].id", other_admin);
    fix_assert_number(r->json, "[0].rates[0].rate", 0.0);
    mt_resp_free(r);

    /* it cannot name acme's users or customers */
    fix_expect_422(s, "PATCH", other,
                   fix_fmt("{\"users\":[{\"id\":%lld,\"rates\":[{\"currency\":\"EUR\","
                           "\"hourly_rate\":1}]}]}",
                           (long long)acme_user),
                   "users[0].id", RATES);
    fix_expect_422(
        s, "PATCH", other,
        fix_fmt("{\"year\":2021,\"rates\":[{\"user_id\":%lld,\"rate\":1}]}", (long long)acme_user),
        "rates[0].user_id", INTERNAL);
    fix_expect_422(s, "GET", other, NULL, "company_id", RATES "?company_id=%lld",
                   (long long)acme_customer);

    /* its own writes stay its own */
    r = mt_patch(s, RATES, other,
                 "{\"defaults_rates\":[{\"currency\":\"DKK\",\"hourly_rate\":77}]}");
    MT_ASSERT_STATUS(r, 200);
    assert_true(rate_in(mt_json_get(r->json, "defaults_rates"), "DKK") == 77.0);
    mt_resp_free(r);
    r = mt_get(s, RATES, key);
    MT_ASSERT_STATUS(r, 200);
    assert_null(strstr(r->body, "DKK"));
    mt_resp_free(r);
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_account),       cmocka_unit_test(test_patch_sets_and_get_shows),
        cmocka_unit_test(test_money_is_exact),      cmocka_unit_test(test_customer_rates),
        cmocka_unit_test(test_archived_users),      cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_internal_rates),      cmocka_unit_test(test_internal_filters),
        cmocka_unit_test(test_internal_bad_bodies), cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
