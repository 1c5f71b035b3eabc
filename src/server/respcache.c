#include "server/respcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 2048

struct entry {
    uint64_t hash;
    char *key;
    size_t keylen;
    int status;
    char *body;
    size_t body_len;
    char *headers; /* "Name\0value\0" pairs */
    size_t headers_len;
    int nheaders;
};

static struct entry slots[SLOTS];
static size_t budget, used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void respcache_init(size_t max_bytes)
{
    budget = max_bytes;
}

static void entry_clear(struct entry *e)
{
    used -= e->keylen + e->body_len + e->headers_len;
    free(e->key);
    free(e->body);
    free(e->headers);
    memset(e, 0, sizeof(*e));
}

static char *make_key(struct req *r, size_t *len, uint64_t *hash)
{
    strbuf k;
    sb_init(&k, r->arena, 256);
    sb_addf(&k, "%lld|%lld|%lld|%d|%d|", (long long)r->account_id, (long long)r->data_version,
            (long long)r->user_id, r->admin, (int)r->key_kind);
    for (int i = AREA_FIRST; i < AREA_COUNT; i++)
        sb_addc(&k, (char)('0' + r->perm[i]));
    sb_addf(&k, "|%s|%s", r->host ? r->host : "", r->raw_path);
    for (int i = 0; i < r->nquery; i++) {
        sb_addc(&k, '\x1f');
        sb_adds(&k, r->query[i].key);
        sb_addc(&k, '=');
        sb_adds(&k, r->query[i].value);
    }
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k.len; i++) {
        h ^= (unsigned char)k.buf[i];
        h *= 1099511628211ULL;
    }
    *len = k.len;
    *hash = h;
    return k.buf;
}

bool respcache_get(struct req *r)
{
    if (!budget)
        return false;
    size_t len;
    uint64_t h;
    char *key = make_key(r, &len, &h);
    bool hit = false;
    pthread_mutex_lock(&lock);
    struct entry *e = &slots[h % SLOTS];
    if (e->key && e->hash == h && e->keylen == len && !memcmp(e->key, key, len)) {
        hit = true;
        r->status = e->status;
        sb_reset(&r->out);
        sb_add(&r->out, e->body, e->body_len);
        const char *p = e->headers;
        for (int i = 0; i < e->nheaders; i++) {
            const char *name = arena_strdup(r->arena, p);
            p += strlen(p) + 1;
            req_add_header(r, name, arena_strdup(r->arena, p));
            p += strlen(p) + 1;
        }
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void respcache_put(struct req *r)
{
    if (!budget || r->status != 200 || r->out.failed)
        return;
    size_t len;
    uint64_t h;
    char *key = make_key(r, &len, &h);
    size_t hlen = 0;
    for (int i = 0; i < r->nheaders; i++)
        hlen += strlen(r->headers[i].key) + strlen(r->headers[i].value) + 2;
    size_t size = len + r->out.len + hlen;
    if (size > budget / 8)
        return; /* one answer never takes much of the cache */
    struct entry fresh = {.hash = h,
                          .keylen = len,
                          .status = r->status,
                          .body_len = r->out.len,
                          .headers_len = hlen,
                          .nheaders = r->nheaders};
    fresh.key = malloc(len);
    fresh.body = malloc(r->out.len ? r->out.len : 1);
    fresh.headers = malloc(hlen ? hlen : 1);
    if (!fresh.key || !fresh.body || !fresh.headers) {
        free(fresh.key);
        free(fresh.body);
        free(fresh.headers);
        return;
    }
    memcpy(fresh.key, key, len);
    memcpy(fresh.body, r->out.buf, r->out.len);
    char *p = fresh.headers;
    for (int i = 0; i < r->nheaders; i++) {
        size_t a = strlen(r->headers[i].key) + 1, b = strlen(r->headers[i].value) + 1;
        memcpy(p, r->headers[i].key, a);
        memcpy(p + a, r->headers[i].value, b);
        p += a + b;
    }
    pthread_mutex_lock(&lock);
    struct entry *e = &slots[h % SLOTS];
    if (e->key)
        entry_clear(e);
    if (used + size > budget) /* spent: entries of old versions are dead weight, start over */
        for (int i = 0; i < SLOTS; i++)
            if (slots[i].key)
                entry_clear(&slots[i]);
    *e = fresh;
    used += size;
    pthread_mutex_unlock(&lock);
}
