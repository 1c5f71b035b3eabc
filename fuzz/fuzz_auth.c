/* The Host and Authorization header parsing and the key look-up (src/auth/auth.c:
 * auth_host_subdomain, auth_authenticate) with impersonation, against the scratch database.
 * Input: three lines, Host, Authorization and X-IMPERSONATE-USER-ID; @U, @F and @R stand for the
 * administrator's, the full and the read-only account key. A call either fails with a 4xx and a
 * message, or yields the fuzz account and a key. */
#include "harness.h"

#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *next_line(struct fuzz_req *fr, const char **p, const char *end)
{
    if (*p > end)
        return NULL;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *line = fuzz_expand(fr, *p, n);
    *p += n + 1;
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_env *env = fuzz_env();
    struct fuzz_req fr;
    fuzz_req_init(&fr);
    const char *p = (const char *)data, *end = p + size;
    fr.r.host = next_line(&fr, &p, end);
    fr.r.authorization = next_line(&fr, &p, end);
    fr.r.impersonate = next_line(&fr, &p, end);

    const char *sub = auth_host_subdomain(&fr.r);
    if (sub && (!fr.r.host || strlen(sub) >= strlen(fr.r.host)))
        abort();
    fr.r.db = db_acquire(env->d);
    int rc = auth_authenticate(&fr.r);
    if (rc == 0) {
        if (fr.r.err_message || fr.r.account_id != 1 || !fr.r.key_id ||
            strcmp(fr.r.account_subdomain, "fuzz") != 0) {
            fprintf(stderr, "authenticated oddly: account %lld key %lld (%s)\n",
                    (long long)fr.r.account_id, (long long)fr.r.key_id,
                    fr.r.err_message ? fr.r.err_message : "");
            abort();
        }
        if (sub && strcmp(sub, "fuzz") != 0)
            abort(); /* a key of account fuzz under another account's Host */
    } else if (!fr.r.err_message || fr.r.status < 400 || fr.r.status >= 500) {
        fprintf(stderr, "auth failed with status %d: %s\n", fr.r.status,
                fr.r.err_message ? fr.r.err_message : "(no message)");
        abort();
    }
    db_release(env->d, fr.r.db);
    fuzz_req_release(&fr);
    return 0;
}
