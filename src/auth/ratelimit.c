/* Per-key sliding-window rate limit, kept in memory (one process; see README for scale-out). */
#include "auth/auth.h"

#include "util/timeutil.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

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

int ratelimit_check(int64_t key_id, int limit, int window_seconds)
{
    if (limit <= 0 || window_seconds <= 0)
        return 0;
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
