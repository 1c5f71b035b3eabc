/* The HTML clean-up of comments (resources/comments.c): no crash, and the output holds no markup
 * but the allowed tags without attributes: every '<' starts one of them, every other one is
 * "&lt;". A second pass changes nothing, and no input makes it read more than twice its length. */
#include "resources/resources.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const allowed[] = {"div", "strong", "em", "u",  "pre",
                                      "ul",  "ol",     "li", "br", NULL};

static void check(const char *in, const char *out)
{
    for (const char *p = strchr(out, '<'); p; p = strchr(p + 1, '<')) {
        const char *name = p + 1 + (p[1] == '/');
        size_t n = strcspn(name, ">");
        bool ok = false;
        if (name[n] == '>')
            for (const char *const *t = allowed; *t; t++)
                ok = ok || (strlen(*t) == n && !strncmp(name, *t, n));
        if (!ok) {
            fprintf(stderr, "markup left in the clean-up of\n%s\n->\n%s\nat %.40s\n", in, out, p);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    arena a;
    arena_init(&a, 4096);
    size_t scanned = 0;
    char *out = comment_clean_html(&a, in, &scanned);
    if (scanned > 2 * size + 2) { /* the clean-up stays linear */
        fprintf(stderr, "the clean-up read %zu bytes of %zu\n", scanned, size);
        abort();
    }
    check(in, out);
    char *twice = comment_clean_html(&a, out, NULL);
    check(out, twice);
    if (strcmp(out, twice) != 0) {
        fprintf(stderr, "a second clean-up changed\n%s\n->\n%s\n", out, twice);
        abort();
    }
    arena_release(&a);
    free(in);
    return 0;
}
