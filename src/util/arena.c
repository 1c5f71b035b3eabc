#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("mocod: out of memory\n", stderr);
        abort();
    }
    return p;
}

void arena_init(arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 16384;
}

void arena_release(arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *arena_alloc(arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX / 2) { /* no request needs that much; rounding would overflow */
        fputs("mocod: allocation too large\n", stderr);
        abort();
    }
    n = (n + align - 1) & ~(align - 1);
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        b = xmalloc(sizeof(*b) + size);
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

void *arena_calloc(arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        fputs("mocod: allocation overflow\n", stderr);
        abort();
    }
    void *p = arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

void *arena_realloc(arena *a, void *old, size_t old_size, size_t new_size)
{
    struct arena_block *b = a->head;
    const size_t align = sizeof(max_align_t);
    size_t old_rounded = (old_size + align - 1) & ~(align - 1);
    /* The last allocation of the current block can grow in place. */
    if (old && b && (char *)old + old_rounded == (char *)b->data + b->used) {
        size_t new_rounded = (new_size + align - 1) & ~(align - 1);
        if (b->used - old_rounded + new_rounded <= b->size) {
            b->used = b->used - old_rounded + new_rounded;
            return old;
        }
    }
    void *p = arena_alloc(a, new_size);
    if (old && old_size)
        memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
