/*
 * A growable string. Rules: `buf` is always NUL-terminated (after sb_init), `len` excludes the NUL.
 * Appends never fail visibly: on allocation failure the builder sets `failed` and ignores further
 * appends, so callers check `failed` once at the end. Memory comes from an arena when one is given
 * (then sb_release is a no-op), else from malloc (then sb_release frees it).
 */
#ifndef MOCOD_STRBUF_H
#define MOCOD_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

typedef struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
    struct arena *arena;
    bool failed;
} strbuf;

void sb_init(strbuf *sb, struct arena *a, size_t hint);
void sb_release(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_grow(strbuf *sb, size_t extra);
void sb_add_slow(strbuf *sb, const void *data, size_t len);

/* The appends below run for every byte of every response: the common case stays inline. */
static inline void sb_add(strbuf *sb, const void *data, size_t len)
{
    if (sb->len + len + 1 <= sb->cap) {
        __builtin_memcpy(sb->buf + sb->len, data, len);
        sb->len += len;
        sb->buf[sb->len] = '\0';
        return;
    }
    sb_add_slow(sb, data, len);
}

static inline void sb_addc(strbuf *sb, char c)
{
    if (sb->len + 2 <= sb->cap) {
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
        return;
    }
    sb_add_slow(sb, &c, 1);
}

static inline void sb_adds(strbuf *sb, const char *s)
{
    sb_add(sb, s, __builtin_strlen(s));
}
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
void sb_add_i64(strbuf *sb, int64_t v);
/* Appends `s` (len bytes) as a JSON string literal, quotes included. */
void sb_add_json_str(strbuf *sb, const char *s, size_t len);
/* Appends `s` percent-encoded for a URL query component. */
void sb_add_urlenc(strbuf *sb, const char *s);
/* Detaches the buffer: the caller owns it (malloc'd builders) or the arena does. */
char *sb_detach(strbuf *sb, size_t *len);

#endif
