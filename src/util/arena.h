/*
 * A per-request bump allocator. Everything a request allocates comes from its arena and is freed
 * at once by arena_release when the request completes. Allocation failure aborts the process: a
 * server that cannot allocate a few kilobytes cannot answer anything meaningful.
 */
#ifndef MOCOD_ARENA_H
#define MOCOD_ARENA_H

#include <stddef.h>

typedef struct arena {
    struct arena_block *head;
    size_t block_size;
} arena;

void arena_init(arena *a, size_t block_size);
void arena_release(arena *a);
void *arena_alloc(arena *a, size_t n);
void *arena_calloc(arena *a, size_t n, size_t size);
/* Grows an allocation made from this arena (copies; the old space stays until release). */
void *arena_realloc(arena *a, void *old, size_t old_size, size_t new_size);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
