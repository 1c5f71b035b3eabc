/* Dates, timestamps and integers from text (src/util/timeutil.c, src/util/parse.c): no crash or
 * undefined behaviour on any input, and what parses formats back to what parses the same. */
#include "util/parse.h"
#include "util/timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';

    time_t t;
    if (time_parse_iso(s, &t)) {
        char iso[64];
        time_format_iso(t, iso);
        time_t again;
        if (!time_parse_iso(iso, &again) || again != t) {
            fprintf(stderr, "%s parsed as %lld, formatted %s, which does not parse back\n", s,
                    (long long)t, iso);
            abort();
        }
    }
    if (date_valid(s)) {
        (void)date_last_of_month(s);
        time_t d;
        if (!time_parse_iso(s, &d)) {
            fprintf(stderr, "valid date %s is not a valid ISO time\n", s);
            abort();
        }
    }
    int64_t v;
    if (parse_i64(s, &v)) {
        char back[32];
        snprintf(back, sizeof(back), "%lld", (long long)v);
        int64_t w;
        if (!parse_i64(back, &w) || w != v)
            abort();
    }
    const char *end = NULL;
    if (parse_i64_prefix(s, &end, &v) && (end < s || end > s + strlen(s)))
        abort();
    free(s);
    return 0;
}
