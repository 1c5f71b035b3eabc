/*
 * What one request has learnt already: rows that exist and whether web hooks listen to an
 * event. A bulk create checks the same project or task for many rows; each check is one query
 * the first time only. The memo forgets everything at a delete and whenever the request writes
 * another resource than before (a web hook made, a row of the referenced kind changed), so that
 * it never answers from before a change it could not see coming.
 */
#include "engine/internal.h"

#include <string.h>

#define MEMO_SLOTS 1024 /* power of two; a full memo simply stops remembering */

struct memo_slot {
    const void *res; /* NULL: free */
    int64_t id;      /* exists: the row; hooks: -1 - event index */
    const char *event;
    bool yes;
};

struct engine_memo {
    const struct resource *writer; /* the resource the request wrote last */
    int used;
    struct memo_slot slots[MEMO_SLOTS];
};

static struct memo_slot *memo_find(struct req *r, const void *res, int64_t id, const char *event,
                                   bool make)
{
    if (!r->memo) {
        if (!make)
            return NULL;
        r->memo = arena_calloc(r->arena, 1, sizeof(*r->memo));
    }
    struct engine_memo *m = r->memo;
    uint64_t h = ((uint64_t)(uintptr_t)res * 31 + (uint64_t)id) * 0x9E3779B97F4A7C15ULL;
    for (size_t i = (h >> 20) & (MEMO_SLOTS - 1), n = 0; n < MEMO_SLOTS;
         i = (i + 1) & (MEMO_SLOTS - 1), n++) {
        struct memo_slot *s = &m->slots[i];
        if (!s->res) {
            if (!make || m->used >= MEMO_SLOTS / 2)
                return NULL;
            m->used++;
            s->res = res;
            s->id = id;
            s->event = event;
            return s;
        }
        if (s->res == res && s->id == id && (s->event == event || !strcmp(s->event, event)))
            return s;
    }
    return NULL;
}

int memo_exists(struct req *r, const struct resource *res, int64_t id)
{
    struct memo_slot *s = memo_find(r, res, id, "", false);
    return s ? s->yes : -1;
}

void memo_exists_set(struct req *r, const struct resource *res, int64_t id)
{
    struct memo_slot *s = memo_find(r, res, id, "", true);
    if (s)
        s->yes = true;
}

int memo_hooks(struct req *r, const struct resource *res, const char *event)
{
    struct memo_slot *s = memo_find(r, res, -1, event, false);
    return s ? s->yes : -1;
}

void memo_hooks_set(struct req *r, const struct resource *res, const char *event, bool yes)
{
    struct memo_slot *s = memo_find(r, res, -1, event, true);
    if (s)
        s->yes = yes;
}

void memo_write(struct req *r, const struct resource *res, bool deleting)
{
    struct engine_memo *m = r->memo;
    if (!m) { /* nothing known yet: only who writes */
        if (deleting)
            return;
        m = r->memo = arena_calloc(r->arena, 1, sizeof(*r->memo));
    }
    if (!deleting && m->writer == res)
        return;
    memset(m, 0, sizeof(*m));
    m->writer = deleting ? NULL : res;
}
