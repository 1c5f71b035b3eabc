/* Query strings and filters of lists (src/engine/query.c: pagination, sort_by, ids, tags,
 * custom_properties[...], date ranges, search, each resource's own filters) through
 * engine_list, via dispatch() as the administrator. Input: the first byte picks the list route
 * (GET of every listed resource, nested ones below the fuzz project), the rest is the query
 * string, percent-encoded as in a URL. */
#include "harness.h"

#include "resources/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *paths[128];
static int npaths;

static void collect(void)
{
    struct fuzz_env *env = fuzz_env();
    for (int i = 0; all_resources[i] && npaths < 128; i++) {
        const struct resource *res = all_resources[i];
        if ((res->flags & R_NO_LIST) && !(res->flags & R_SINGLETON))
            continue;
        char path[256];
        const char *brace = strstr(res->path, "{id}");
        if (brace)
            snprintf(path, sizeof(path), "/api/v1/%.*s%lld%s", (int)(brace - res->path), res->path,
                     (long long)env->project_id, brace + 4);
        else
            snprintf(path, sizeof(path), "/api/v1/%s", res->path);
        paths[npaths++] = strdup(path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_env *env = fuzz_env();
    if (!npaths)
        collect();
    if (size < 1)
        return 0;
    struct fuzz_req fr;
    fuzz_req_init(&fr);
    fr.r.raw_path = paths[data[0] % npaths];
    fr.r.authorization = arena_printf(&fr.a, "Token token=%s", env->user_key);
    const char *qs = fuzz_expand(&fr, (const char *)data + 1, size - 1);
    fuzz_req_query_string(&fr, qs, strlen(qs));
    fuzz_dispatch(&fr);
    fuzz_req_release(&fr);
    return 0;
}
