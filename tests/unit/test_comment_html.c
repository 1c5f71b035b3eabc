/* Unit tests of the HTML clean-up of comments (comment_clean_html): what it keeps, and that its
 * work is linear in the length of the text (it counts the bytes it looks at). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "resources/resources.h"

#include <stdlib.h>
#include <string.h>

static char *repeat(const char *unit, size_t total)
{
    size_t ul = strlen(unit);
    char *s = malloc(total + 1);
    assert_non_null(s);
    for (size_t i = 0; i < total; i++)
        s[i] = unit[i % ul];
    s[total] = '\0';
    return s;
}

static void cleaned_is(const char *in, const char *want)
{
    arena a;
    arena_init(&a, 4096);
    size_t scanned = 0;
    const char *got = comment_clean_html(&a, in, &scanned);
    assert_string_equal(got, want);
    assert_true(scanned <= 2 * strlen(in) + 1);
    arena_release(&a);
}

static void keeps_allowed_tags_without_attributes(void **state)
{
    (void)state;
    cleaned_is("<div class=\"a>b\"><strong>x</strong></div>", "<div><strong>x</strong></div>");
    cleaned_is("<p>para</p> <a href='x'>link</a>", "para link");
    cleaned_is("a<br/>b<BR>c", "a<br>b<br>c");
    cleaned_is("1 < 2 and 3 > 2", "1 &lt; 2 and 3 > 2");
    cleaned_is("<strong never closed", "&lt;strong never closed");
    /* a '<' ends an unclosed tag: the text after it is judged on its own */
    cleaned_is("<a <em>x</em>", "&lt;a <em>x</em>");
    cleaned_is("<div title=\"x<y\">t", "&lt;div title=\"x&lt;y\">t");
    cleaned_is("<a '<em>x</em>", "&lt;a '<em>x</em>");
    cleaned_is("", "");
}

/* Text of tags that never close, of the comment's whole length (100 kB): every byte is looked
 * at a bounded number of times. The clean-up it replaces rescanned to the end of the text for
 * every "<a": 2.5 billion bytes for this text. */
static void linear_on_unclosed_tags(void **state)
{
    (void)state;
    const char *const units[] = {"<a", "<a\"", "<a'", "<a \"x\" ", "</a", "<a\"<a'", NULL};
    for (const char *const *u = units; *u; u++) {
        char *in = repeat(*u, 100000);
        arena a;
        arena_init(&a, 4096);
        size_t scanned = 0;
        const char *got = comment_clean_html(&a, in, &scanned);
        assert_non_null(got);
        assert_null(strchr(got, '<') == NULL ? NULL : strstr(got, "<a"));
        if (scanned > 2 * strlen(in))
            fail_msg("\"%s\" x 100 kB: %zu bytes scanned, more than twice the text's %zu", *u,
                     scanned, strlen(in));
        arena_release(&a);
        free(in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_allowed_tags_without_attributes),
        cmocka_unit_test(linear_on_unclosed_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
