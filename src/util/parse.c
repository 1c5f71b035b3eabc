#include "util/parse.h"

#include <errno.h>
#include <stdlib.h>

bool parse_i64_prefix(const char *s, const char **end, int64_t *out)
{
    char *e;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (end)
        *end = e;
    if (e == s || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

bool parse_i64(const char *s, int64_t *out)
{
    const char *end;
    return *s && parse_i64_prefix(s, &end, out) && !*end;
}
