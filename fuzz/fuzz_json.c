/* The JSON input validation of the declarations (src/engine/write.c: engine_insert, with each
 * resource's before_save rules, custom fields, tags, files) against the scratch database, as the
 * administrator. Input: the first byte picks the resource (every one that can be created; nested
 * ones below the fuzz project), the rest is the JSON body. Each insert runs in a write transaction
 * that is rolled back, so the database stays as it was. An accepted row renders as JSON; a refusal
 * is a 4xx with a message. */
#include "harness.h"

#include "auth/auth.h"
#include "engine/engine.h"
#include "resources/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct resource *targets[64];
static int ntargets;

static void collect(void)
{
    for (int i = 0; all_resources[i] && ntargets < 64; i++) {
        const struct resource *res = all_resources[i];
        if ((res->flags & (R_NO_CREATE | R_SINGLETON)) ||
            (res->parent && res->parent != &res_projects))
            continue;
        targets[ntargets++] = res;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_env *env = fuzz_env();
    if (!ntargets)
        collect();
    if (size < 1)
        return 0;
    json_t *body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!body)
        return 0; /* the dispatcher answers 400 before any declaration sees it */
    const struct resource *res = targets[data[0] % ntargets];
    struct fuzz_req fr;
    fuzz_req_init(&fr);
    fr.r.method = "POST";
    fr.r.raw_path = res->name; /* for MOCOD_FUZZ_VERBOSE */
    fr.r.authorization = arena_printf(&fr.a, "Token token=%s", env->user_key);
    fr.r.db = db_acquire(env->d);
    if (auth_authenticate(&fr.r))
        abort();
    int64_t parent = 0;
    if (res->parent) {
        fr.r.nested = res;
        fr.r.parent_id = parent = env->project_id;
    }
    fr.r.body = body;
    if (db_begin(fr.r.db, true) != DB_OK)
        abort();
    int64_t id = 0;
    int rc = engine_insert(&fr.r, res, parent, body, &id);
    if (rc == 0 && !fr.r.err_message && !fr.r.err_fields) {
        fr.r.status = 200;
        if (engine_render_entity(&fr.r, res, id, &fr.r.out))
            fr.r.status = fr.r.status >= 400 ? fr.r.status : 500;
    } else {
        if (!fr.r.status || fr.r.status < 400)
            fr.r.status = fr.r.err_fields ? 422 : 500;
        sb_reset(&fr.r.out);
        const char *m = fr.r.err_message ? fr.r.err_message : "";
        sb_adds(&fr.r.out, "{\"message\":");
        sb_add_json_str(&fr.r.out, m, strlen(m));
        sb_addc(&fr.r.out, '}');
    }
    db_rollback(fr.r.db);
    if (fr.r.status >= 500)
        fprintf(stderr, "insert into %s: %s\n", res->name,
                fr.r.err_message ? fr.r.err_message : "(no message)");
    fuzz_check_answer(&fr.r);
    db_release(env->d, fr.r.db);
    fuzz_req_release(&fr);
    return 0;
}
