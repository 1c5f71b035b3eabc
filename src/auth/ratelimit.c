/* Per-key sliding-window rate limit: in memory for a database of one process (SQLite), in the
 * database where several processes share it (db_rate_hit), so that a key has one limit. */
#include "auth/auth.h"

#include "util/timeutil.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

struct window {
    struct window *next;
    int64_t key_id;
    int cap;   /* ring size = the limit in force when it was made */
    int count; /* requests inside the window */
    int head;  /* index of the oldest */
    double *at;
};

static struct window *buckets[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void ratelimit_init(void) {}

static struct window *window_for(int64_t key_id, int limit)
{
    size_t b = (size_t)((uint64_t)key_id * 0x9E3779B97F4A7C15ULL >> 52) % BUCKETS;
    struct window *w = buckets[b];
    while (w && w->key_id != key_id)
        w = w->next;
    if (w && w->cap != limit) { /* the limit changed: start a fresh window */
        free(w->at);
        w->at = calloc((size_t)limit, sizeof(double));
        w->cap = limit;
        w->count = w->head = 0;
    }
    if (!w) {
        w = calloc(1, sizeof(*w));
        if (!w)
            return NULL;
        w->key_id = key_id;
        w->cap = limit;
        w->at = calloc((size_t)limit, sizeof(double));
        w->next = buckets[b];
        buckets[b] = w;
    }
    return w->at ? w : NULL;
}

int ratelimit_check(db_conn *c, int64_t key_id, int limit, int window_seconds)
{
    if (limit <= 0 || window_seconds <= 0)
        return 0;
    if (c) { /* -1: the store keeps no count (SQLite) or could not be asked: count here */
        int wait = db_rate_hit(c, key_id, limit, window_seconds);
        if (wait >= 0)
            return wait;
    }
    double now = time_now_mono();
    int wait = 0;
    pthread_mutex_lock(&lock);
    struct window *w = window_for(key_id, limit);
    if (w) {
        while (w->count > 0 && w->at[w->head] <= now - window_seconds) {
            w->head = (w->head + 1) % w->cap;
            w->count--;
        }
        if (w->count >= w->cap) {
            wait = (int)ceil(w->at[w->head] + window_seconds - now);
            if (wait < 1)
                wait = 1;
        } else {
            w->at[(w->head + w->count) % w->cap] = now;
            w->count++;
        }
    }
    pthread_mutex_unlock(&lock);
    return wait;
}

/* ------------------------------------------------------------- login attempts */

/*
 * Failed logins are counted per client address and email, so that someone guessing the
 * password of an address slows down only themselves: its owner, from another address, logs in
 * as before. The first LOGIN_FREE failures cost nothing; after that every attempt waits twice as
 * long as the one before (from LOGIN_DELAY), up to LOGIN_MAX_DELAY.
 *
 * The table is a fixed set-associative array: its memory never grows (unknown emails included).
 * An entry is forgotten LOGIN_FORGET seconds after its last attempt and wait; a full set gives up
 * the entry with the fewest failures (the oldest of those), so that a flood of new names does not
 * wash out the count of a guesser. Entries are found by a keyed hash (random key per process):
 * nobody can aim names at one set.
 */
#define LOGIN_FREE      5
#define LOGIN_DELAY     4.0 /* the first wait; each failure after it doubles it */
#define LOGIN_MAX_DELAY 900.0
#define LOGIN_FORGET    86400.0 /* a day without attempts after its wait ended */
#define LOGIN_SETS      8192
#define LOGIN_WAYS      4

struct login_entry {
    unsigned char id[16]; /* keyed hash of address and email */
    bool used;
    int failures;
    double last;    /* the last attempt (monotonic seconds) */
    double next_ok; /* no attempt before this */
};

static struct login_entry login_table[LOGIN_SETS][LOGIN_WAYS];
static unsigned char login_hash_key[crypto_generichash_KEYBYTES];
static pthread_once_t login_once = PTHREAD_ONCE_INIT;

static void login_init(void)
{
    randombytes_buf(login_hash_key, sizeof(login_hash_key));
}

static void login_id(const char *client_ip, const char *email, unsigned char id[16])
{
    pthread_once(&login_once, login_init);
    crypto_generichash_state st;
    crypto_generichash_init(&st, login_hash_key, sizeof(login_hash_key), 16);
    const char *ip = client_ip ? client_ip : "";
    crypto_generichash_update(&st, (const unsigned char *)ip, strlen(ip) + 1); /* with its NUL */
    crypto_generichash_update(&st, (const unsigned char *)email, strlen(email));
    crypto_generichash_final(&st, id, 16);
}

/* The entry of id (made when missing and make is set), NULL otherwise; under login_lock. */
static struct login_entry *login_find(const unsigned char id[16], double now, bool make)
{
    uint32_t set;
    memcpy(&set, id, sizeof(set));
    struct login_entry *ways = login_table[set % LOGIN_SETS];
    struct login_entry *free_way = NULL, *stalest = &ways[0];
    for (int i = 0; i < LOGIN_WAYS; i++) {
        struct login_entry *e = &ways[i];
        if (e->used && now >= (e->next_ok > e->last ? e->next_ok : e->last) + LOGIN_FORGET)
            e->used = false; /* expired */
        if (e->used && !memcmp(e->id, id, 16))
            return e;
        if (!e->used && !free_way)
            free_way = e;
        if (e->failures < stalest->failures ||
            (e->failures == stalest->failures && e->last < stalest->last))
            stalest = e;
    }
    if (!make)
        return NULL;
    struct login_entry *e = free_way ? free_way : stalest;
    memset(e, 0, sizeof(*e));
    memcpy(e->id, id, 16);
    e->used = true;
    e->last = e->next_ok = now;
    return e;
}

static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

int login_throttle_attempt(const char *client_ip, const char *email)
{
    unsigned char id[16];
    login_id(client_ip, email, id);
    double now = time_now_mono();
    int wait = 0;
    pthread_mutex_lock(&login_lock);
    struct login_entry *e = login_find(id, now, true);
    if (now < e->next_ok) {
        wait = (int)ceil(e->next_ok - now);
    } else {
        /* counted as failed until it succeeds: parallel guesses gain nothing */
        e->failures++;
        e->last = now;
        if (e->failures >= LOGIN_FREE) {
            double delay =
                ldexp(1.0, e->failures - LOGIN_FREE < 30 ? e->failures - LOGIN_FREE : 30);
            e->next_ok = now + (delay < LOGIN_MAX_DELAY ? delay : LOGIN_MAX_DELAY);
        }
    }
    pthread_mutex_unlock(&login_lock);
    return wait;
}

void login_throttle_succeeded(const char *client_ip, const char *email)
{
    unsigned char id[16];
    login_id(client_ip, email, id);
    pthread_mutex_lock(&login_lock);
    struct login_entry *e = login_find(id, time_now_mono(), false);
    if (e)
        e->used = false;
    pthread_mutex_unlock(&login_lock);
}
