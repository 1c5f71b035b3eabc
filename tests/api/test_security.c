/*
 * API tests of what an attacker on the API tried (issue: security and robustness): every answer
 * is valid JSON, whatever names and bytes the data or the request carry.
 */
#include "fixtures.h"
#include "mt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Custom field names are data: quotes, backslashes, control characters and non-ASCII are
 * rendered escaped, so a name cannot break the entity's JSON or add keys to it. */
static void test_custom_field_names_are_escaped(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    static const char *const names[] = {
        "quote \" inside", "back\\slash", "bell \x01 and tab \t", "Größe €", "x\",\"id\":999,\"y",
    };
    size_t n = sizeof(names) / sizeof(names[0]);
    json_t *values = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *body =
            json_pack("{s:s, s:s, s:s}", "name", names[i], "kind", "String", "entity", "Company");
        mt_resp *r =
            mt_request_json(s, "POST", "/api/v1/account/custom_properties", key, body, NULL);
        MT_ASSERT_STATUS(r, 200);
        mt_resp_free(r);
        json_object_set_new(values, names[i], json_sprintf("value %zu", i));
    }
    mt_resp *r =
        mt_request_json(s, "POST", "/api/v1/companies", key,
                        json_pack("{s:s, s:s, s:s, s:o}", "name", "Escaped AG", "type", "customer",
                                  "currency", "EUR", "custom_properties", values),
                        NULL);
    MT_ASSERT_STATUS(r, 200);
    json_int_t id = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* one entity and the list: parseable, the real id, exactly the names given */
    const char *paths[] = {fix_fmt("/api/v1/companies/%lld", (long long)id),
                           fix_fmt("/api/v1/companies?ids=%lld", (long long)id)};
    for (int k = 0; k < 2; k++) {
        r = mt_get(s, paths[k], key);
        MT_ASSERT_STATUS(r, 200);
        if (!r->json)
            fail_msg("GET %s is not valid JSON: %s", paths[k], r->body);
        json_t *c = k ? json_array_get(r->json, 0) : r->json;
        assert_non_null(c);
        assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
        json_t *cp = json_object_get(c, "custom_properties");
        assert_int_equal(json_object_size(cp), n);
        for (size_t i = 0; i < n; i++) {
            const char *v = json_string_value(json_object_get(cp, names[i]));
            if (!v || strcmp(v, fix_fmt("value %zu", i)) != 0)
                fail_msg("custom property %zu is missing or changed in %s", i, r->body);
        }
        mt_resp_free(r);
    }
}

/* Bytes that are not UTF-8, echoed into a message, are replaced: the answer stays valid JSON. */
static void test_invalid_utf8_is_never_echoed(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    mt_resp *r = mt_get(s, "/api/v1/no%FFsuch%C0%AFthing", key);
    MT_ASSERT_STATUS(r, 404);
    if (!r->json)
        fail_msg("the 404 is not valid JSON: %s", r->body);
    const char *msg = mt_json_str(r->json, "message");
    assert_non_null(strstr(msg, "no\xef\xbf\xbdsuch\xef\xbf\xbd\xef\xbf\xbdthing"));
    mt_resp_free(r);
}

/* Integers given as digit strings out of int64's range are refused, never clamped to the
 * largest value: in fields, id lists, pagination and impersonation. */
static void test_integers_out_of_range(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    static const char huge[] = "99999999999999999999"; /* > 2^63 - 1 */
    fix_expect_422(s, "POST", key, fix_fmt("{\"name\":\"Big\",\"index\":\"%s\"}", huge), "index",
                   "/api/v1/account/task_templates");
    fix_expect_422(s, "POST", key, fix_fmt("{\"name\":\"Big\",\"index\":\"-%s\"}", huge), "index",
                   "/api/v1/account/task_templates");
    /* within range it is taken */
    mt_resp *r = mt_post(s, "/api/v1/account/task_templates", key,
                         "{\"name\":\"Max\",\"index\":\"9223372036854775807\"}");
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "index", INT64_MAX);
    mt_resp_free(r);
    fix_expect_422(s, "GET", key, NULL, "ids", "/api/v1/units?ids=1,%s", huge);
    fix_expect_422(s, "GET", key, NULL, "page", "/api/v1/units?page=%s", huge);
    fix_expect_422(s, "GET", key, NULL, "per_page", "/api/v1/units?per_page=%s", huge);
    const char *hdr = fix_fmt("X-IMPERSONATE-USER-ID: %s", huge);
    const char *headers[] = {hdr, NULL};
    r = mt_request(s, "GET", "/api/v1/units", key, NULL, headers);
    fix_assert_422(r, "X-IMPERSONATE-USER-ID");
    mt_resp_free(r);
}

/* Links (files, pages, the approval's) are made from the Host header: one that is no host name
 * (quotes, markup, user@host, blanks) is refused before anything else; a proper one is used. */
static void test_host_header_is_a_host(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    static const char *const bad[] = {"Host: evil.example\"><script>x</script>",
                                      "Host: mocod.example@evil.com", "Host: a b", "Host: x/y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *headers[] = {bad[i], NULL};
        mt_resp *r = mt_request(s, "GET", "/api/v1/units?per_page=1", key, NULL, headers);
        fix_assert_json_error(r, 400);
        mt_resp_free(r);
        r = mt_request(s, "GET", "/files/0123456789abcdef/x.pdf", NULL, NULL, headers);
        assert_int_equal(r->status, 400);
        mt_resp_free(r);
    }
    mt_create(s, "/api/v1/units", key, "{\"name\":\"Hosted 1\"}");
    mt_create(s, "/api/v1/units", key, "{\"name\":\"Hosted 2\"}");
    const char *compose[] = {"Host: mocod_api:8080", NULL}; /* a container's service name */
    mt_resp *c = mt_request(s, "GET", "/api/v1/units?per_page=1", key, NULL, compose);
    MT_ASSERT_STATUS(c, 200);
    mt_resp_free(c);
    const char *fine[] = {"Host: [::1]:8080", NULL};
    mt_resp *r = mt_request(s, "GET", "/api/v1/units?per_page=1", key, NULL, fine);
    MT_ASSERT_STATUS(r, 200);
    const char *link = mt_header(r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "<http://[::1]:8080/api/v1/units?per_page=1&page=2>"));
    mt_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_custom_field_names_are_escaped),
        cmocka_unit_test(test_invalid_utf8_is_never_echoed),
        cmocka_unit_test(test_integers_out_of_range),
        cmocka_unit_test(test_host_header_is_a_host),
    };
    return cmocka_run_group_tests(tests, mt_setup, fix_teardown);
}
