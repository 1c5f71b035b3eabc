/* Unit tests of the CII writer (einvoice/cii.h): the escaping every text goes through, and a
 * document whose texts need it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "einvoice/cii.h"

#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s)
{
    strbuf sb;
    sb_init(&sb, NULL, 16);
    xml_text(&sb, s);
    assert_false(sb.failed);
    return sb_detach(&sb, NULL);
}

static void escapes_markup_and_quotes(void **state)
{
    (void)state;
    char *v = escaped("<b>Fish</b> & \"Chips\" 'n' >");
    assert_string_equal(v, "&lt;b&gt;Fish&lt;/b&gt; &amp; &quot;Chips&quot; &apos;n&apos; &gt;");
    free(v);
    v = escaped("&amp;");
    assert_string_equal(v, "&amp;amp;");
    free(v);
}

static void keeps_utf8_and_whitespace(void **state)
{
    (void)state;
    char *v = escaped("Größe €\t1\n2\r");
    assert_string_equal(v, "Größe €\t1\n2\r");
    free(v);
}

static void drops_control_characters_and_repairs_utf8(void **state)
{
    (void)state;
    /* control characters XML 1.0 cannot hold go; a stray continuation byte, a truncated
     * sequence, an overlong form and a surrogate become U+FFFD */
    char *v = escaped("a\x01\x1f"
                      "b\x80"
                      "c\xc3"
                      "d\xc0\xaf"
                      "e\xed\xa0\x80"
                      "f");
    assert_string_equal(v, "ab\xef\xbf\xbd"
                           "c\xef\xbf\xbd"
                           "d\xef\xbf\xbd\xef\xbf\xbd"
                           "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                           "f");
    free(v);
    /* a noncharacter is one character: one U+FFFD */
    v = escaped("x\xef\xbf\xbey\xef\xbf\xbfz");
    assert_string_equal(v, "x\xef\xbf\xbdy\xef\xbf\xbdz");
    free(v);
    v = escaped(NULL);
    assert_string_equal(v, "");
    free(v);
}

static void document_texts_are_escaped(void **state)
{
    (void)state;
    struct cii_line line = {.id = "1",
                            .name = "A < B & C",
                            .quantity = "1.0",
                            .price = "1.00",
                            .net = "1.00",
                            .category = "S",
                            .rate = "19.00"};
    struct cii_invoice inv = {.number = "R&1",
                              .issue_date = "2026-11-30",
                              .currency = "EUR",
                              .lines = &line,
                              .nlines = 1};
    inv.seller.name = "\"Seller\"";
    inv.buyer.name = "Buyer";
    strbuf sb;
    sb_init(&sb, NULL, 256);
    assert_int_equal(cii_write(&inv, &sb), 0);
    assert_non_null(strstr(sb.buf, "<ram:ID>R&amp;1</ram:ID>"));
    assert_non_null(strstr(sb.buf, "<ram:Name>A &lt; B &amp; C</ram:Name>"));
    assert_non_null(strstr(sb.buf, "<ram:Name>&quot;Seller&quot;</ram:Name>"));
    assert_non_null(strstr(sb.buf, "<udt:DateTimeString format=\"102\">20261130<"));
    assert_non_null(strstr(sb.buf, "<ram:BilledQuantity unitCode=\"C62\">1.0<"));
    /* no number: refused */
    inv.number = NULL;
    assert_int_equal(cii_write(&inv, &sb), -1);
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_markup_and_quotes),
        cmocka_unit_test(keeps_utf8_and_whitespace),
        cmocka_unit_test(drops_control_characters_and_repairs_utf8),
        cmocka_unit_test(document_texts_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
