/* Unit tests of the multipart/form-data reader (server/multipart.h): the boundary of a
 * Content-Type, text and file parts into the JSON a JSON body would give, and every malformed or
 * oversized form refused with its status (every prefix of a good form, too). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "server/multipart.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void boundary_of_content_types(void **state)
{
    (void)state;
    char b[80];
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b;c\"", b, sizeof b), 5);
    assert_string_equal(b, "a b;c");
    assert_int_equal(
        multipart_boundary("multipart/form-data; charset=utf-8; boundary=xyz", b, sizeof b), 3);
    assert_string_equal(b, "xyz");
    assert_int_equal(multipart_boundary("application/json", b, sizeof b), 0);
    assert_int_equal(multipart_boundary(NULL, b, sizeof b), 0);
    assert_int_equal(multipart_boundary("multipart/form-datax; boundary=a", b, sizeof b), 0);
    assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"abc", b, sizeof b), -1);
    char longer[128];
    snprintf(longer, sizeof longer, "multipart/form-data; boundary=%071d", 0);
    assert_int_equal(multipart_boundary(longer, b, sizeof b), -1);
    snprintf(longer, sizeof longer, "multipart/form-data; boundary=%070d", 0);
    assert_int_equal(multipart_boundary(longer, b, sizeof b), 70);
}

static int parse(const char *body, size_t len, size_t max, json_t **out)
{
    char err[256] = "";
    int rc = multipart_parse(body, len, "XyZ", max, out, err, sizeof err);
    if (rc)
        assert_true(strlen(err) > 0); /* every refusal says why */
    return rc;
}

#define GOOD                                                                                       \
    "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello "             \
    "--XyZ world\r\n--XyZ  \r\ncontent-disposition: form-data; name=\"file\"; "                    \
    "filename=\"dir/a\\\"b.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\0x\r\n--XyZ--"   \
    "\r\nepilogue"

static void text_and_file_parts(void **state)
{
    (void)state;
    json_t *o = NULL;
    assert_int_equal(parse(GOOD, sizeof GOOD - 1, 1024, &o), 0);
    assert_int_equal(json_object_size(o), 2);
    assert_string_equal(json_string_value(json_object_get(o, "note")), "hello --XyZ world");
    json_t *file = json_object_get(o, "file");
    assert_string_equal(json_string_value(json_object_get(file, "filename")), "a\"b.pdf");
    const char *b64 = json_string_value(json_object_get(file, "base64"));
    unsigned char bin[64];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, 8);
    assert_memory_equal(bin, "%PDF\r\n\0x", 8);
    json_decref(o);

    /* a form of no parts, and a file of exactly the limit */
    static const char none[] = "--XyZ--\r\n";
    assert_int_equal(parse(none, sizeof none - 1, 10, &o), 0);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    static const char four[] = "--XyZ\r\nContent-Disposition: form-data; name=f; filename=x\r\n"
                               "\r\nabcd\r\n--XyZ--";
    assert_int_equal(parse(four, sizeof four - 1, 4, &o), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "f"), "filename")),
                        "x");
    json_decref(o);
    assert_int_equal(parse(four, sizeof four - 1, 3, &o), 413);
    assert_null(o);
}

static void malformed_forms_are_400(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "no boundary at all",
        "--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--",          /* LF lines */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx",             /* unclosed */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nx\r\n--XyZ--",      /* no blank line */
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",                /* no disposition */
        "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--", /* not form-data */
        "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--", /* no name */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=a\r\n\r\n2\r\n--XyZ--",                 /* twice */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\xff\xfe\r\n--XyZ--", /* not UTF-8
                                                                                       */
        "--XyZjunk\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = NULL;
        int rc = parse(bad[i], strlen(bad[i]), 1024, &o);
        if (rc != 400)
            fail_msg("form %zu: %d, expected 400", i, rc);
        assert_null(o);
    }
    /* more than 64 parts */
    char *many = malloc(65 * 80 + 16);
    size_t len = 0;
    for (int i = 0; i < 65; i++)
        len += (size_t)snprintf(
            many + len, 80, "--XyZ\r\nContent-Disposition: form-data; name=p%d\r\n\r\nv\r\n", i);
    len += (size_t)snprintf(many + len, 16, "--XyZ--");
    json_t *o = NULL;
    assert_int_equal(parse(many, len, 1024, &o), 400);
    free(many);
    /* headers longer than 8 KiB */
    size_t hl = 9000;
    char *big = malloc(hl + 128);
    len = (size_t)snprintf(big, 128, "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX: ");
    memset(big + len, 'h', hl);
    len += hl;
    len += (size_t)snprintf(big + len, 64, "\r\n\r\nv\r\n--XyZ--");
    assert_int_equal(parse(big, len, 1024, &o), 400);
    free(big);
}

/* Every prefix of a good form (copied, so that a read past it is caught by the sanitizers) is
 * refused or read, never more. */
static void every_prefix_is_safe(void **state)
{
    (void)state;
    size_t n = sizeof GOOD - 1;
    for (size_t len = 0; len <= n; len++) {
        char *copy = malloc(len ? len : 1);
        memcpy(copy, GOOD, len);
        json_t *o = NULL;
        int rc = parse(copy, len, 1024, &o);
        assert_true(rc == 0 || rc == 400);
        assert_true(rc == 0 ? o != NULL : o == NULL);
        json_decref(o);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boundary_of_content_types),
        cmocka_unit_test(text_and_file_parts),
        cmocka_unit_test(malformed_forms_are_400),
        cmocka_unit_test(every_prefix_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
