/*
 * A small cache of integer query answers (list counts). An entry is keyed by the query text, its
 * parameters, a scope (the account) and a version the caller guarantees to bump with every write
 * to the data the query reads, so an entry is never stale: a write makes a new key. Entries are
 * replaced on collision; nothing else evicts them.
 */
#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096

struct entry {
    uint64_t hash;
    char *key;
    size_t keylen;
    int64_t value;
};

static struct entry slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void add(char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
    if (!*buf)
        return;
    if (*len + n > *cap) {
        size_t ncap = (*len + n) * 2;
        char *grown = realloc(*buf, ncap);
        if (!grown) {
            free(*buf);
            *buf = NULL;
            return;
        }
        *buf = grown;
        *cap = ncap;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
}

static char *make_key(int64_t scope, int64_t version, const char *sql, const db_param *params,
                      int nparams, size_t *len)
{
    size_t cap = 256, n = 0;
    char *k = malloc(cap);
    add(&k, &n, &cap, &scope, sizeof(scope));
    add(&k, &n, &cap, &version, sizeof(version));
    add(&k, &n, &cap, sql, strlen(sql) + 1);
    for (int i = 0; i < nparams; i++) {
        const db_param *p = &params[i];
        char kind = (char)p->kind;
        add(&k, &n, &cap, &kind, 1);
        if (p->kind == DBP_INT) {
            add(&k, &n, &cap, &p->i, sizeof(p->i));
        } else if (p->kind == DBP_DOUBLE) {
            add(&k, &n, &cap, &p->d, sizeof(p->d));
        } else if (p->kind == DBP_TEXT || p->kind == DBP_BLOB) {
            size_t l = p->len == (size_t)-1 ? strlen(p->s) : p->len;
            add(&k, &n, &cap, &l, sizeof(l));
            add(&k, &n, &cap, p->s, l);
        }
    }
    *len = n;
    return k;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int db_query_i64_cached(db_conn *c, int64_t scope, int64_t version, const char *sql,
                        const db_param *params, int nparams, int64_t *out)
{
    size_t len = 0;
    char *key = make_key(scope, version, sql, params, nparams, &len);
    if (!key)
        return db_query_i64(c, sql, params, nparams, 0, out);
    uint64_t h = hash_bytes(key, len);
    struct entry *e = &slots[h % SLOTS];
    pthread_mutex_lock(&lock);
    bool hit = e->key && e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0;
    if (hit)
        *out = e->value;
    pthread_mutex_unlock(&lock);
    if (hit) {
        free(key);
        return DB_OK;
    }
    int rc = db_query_i64(c, sql, params, nparams, 0, out);
    if (rc != DB_OK) {
        free(key);
        return rc;
    }
    pthread_mutex_lock(&lock);
    free(e->key);
    e->key = key;
    e->keylen = len;
    e->hash = h;
    e->value = *out;
    pthread_mutex_unlock(&lock);
    return DB_OK;
}
