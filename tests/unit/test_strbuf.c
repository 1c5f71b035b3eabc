/* Unit tests of the string builder (util/strbuf.h) and the bump allocator (util/arena.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "util/arena.h"
#include "util/strbuf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------ strbuf */

static void sb_init_is_empty_and_terminated(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 0);
    assert_non_null(sb.buf);
    assert_false(sb.failed);
    assert_int_equal(sb.len, 0);
    assert_true(sb.cap >= 1);
    assert_string_equal(sb.buf, "");
    sb_release(&sb);
    assert_null(sb.buf);
    assert_int_equal(sb.len, 0);
}

static void sb_add_and_addc_append_exact_bytes(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 4); /* tiny: the very first appends take the slow path */
    sb_add(&sb, "abc", 3);
    sb_addc(&sb, '-');
    sb_add(&sb, "defXXX", 3); /* only the given length */
    sb_adds(&sb, "/ghi");
    sb_add(&sb, "", 0);
    assert_false(sb.failed);
    assert_int_equal(sb.len, 11);
    assert_string_equal(sb.buf, "abc-def/ghi");
    assert_int_equal(strlen(sb.buf), sb.len);
    assert_true(sb.cap > sb.len);

    sb_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.buf, "");
    sb_addc(&sb, 'x');
    assert_string_equal(sb.buf, "x");
    sb_release(&sb);
}

static void sb_addf_formats(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 8);
    sb_addf(&sb, "%s=%d;", "a", 42);
    sb_addf(&sb, "%05.1f|%x|%c", 3.14159, 255u, 'Z');
    sb_addf(&sb, "%s", ""); /* empty output is fine */
    assert_false(sb.failed);
    assert_string_equal(sb.buf, "a=42;003.1|ff|Z");
    assert_int_equal(sb.len, strlen("a=42;003.1|ff|Z"));

    /* a single format result much larger than the capacity */
    sb_reset(&sb);
    sb_addf(&sb, "[%0*d]", 3000, 7);
    assert_int_equal(sb.len, 3002);
    assert_int_equal(sb.buf[0], '[');
    assert_int_equal(sb.buf[1], '0');
    assert_int_equal(sb.buf[3000], '7');
    assert_int_equal(sb.buf[3001], ']');
    assert_int_equal(sb.buf[3002], '\0');
    sb_release(&sb);
}

static void sb_add_i64_edge_values(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 2);
    sb_add_i64(&sb, 0);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, -1);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, 7);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, -1234567890);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, INT64_MAX);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, INT64_MIN);
    sb_addc(&sb, ' ');
    sb_add_i64(&sb, 1000000);
    assert_false(sb.failed);
    assert_string_equal(sb.buf, "0 -1 7 -1234567890 9223372036854775807 -9223372036854775808 "
                                "1000000");
    sb_release(&sb);
}

/* Renders len bytes of in with sb_add_json_str after a prefix and compares the literal. */
static void check_json(const char *in, size_t len, const char *expected)
{
    strbuf sb;
    sb_init(&sb, NULL, 1);
    sb_adds(&sb, "x:");
    sb_add_json_str(&sb, in, len);
    assert_false(sb.failed);
    assert_string_equal(sb.buf + 2, expected);
    assert_int_equal(sb.len, 2 + strlen(expected));
    sb_release(&sb);
}

static void sb_add_json_str_escapes(void **state)
{
    (void)state;
    check_json("", 0, "\"\"");
    check_json("plain text", 10, "\"plain text\"");
    check_json("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
    check_json("C:\\dir\\", 7, "\"C:\\\\dir\\\\\"");
    check_json("a\nb\rc\td", 7, "\"a\\nb\\rc\\td\"");
    /* other control characters become \u00XX with lower-case hex */
    check_json("\x01\x08\x0c\x1f", 4, "\"\\u0001\\u0008\\u000c\\u001f\"");
    /* an embedded NUL is part of the string when the length says so */
    check_json("ab\0cd", 5, "\"ab\\u0000cd\"");
    /* the length is honoured: bytes after it are not read */
    check_json("abcdef", 3, "\"abc\"");
    /* slash, DEL and UTF-8 (2, 3 and 4 byte sequences) pass through untouched */
    check_json("a/b\x7f", 4, "\"a/b\x7f\"");
    static const char utf8[] = "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80";
    check_json(utf8, sizeof(utf8) - 1, "\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* what is not well-formed UTF-8 becomes U+FFFD, byte by byte: a lone byte, an overlong
     * form, a surrogate, a truncated sequence, a code point above U+10FFFF */
    check_json("a\xff"
               "b",
               3, "\"a\\ufffdb\"");
    check_json("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
    check_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    check_json("x\xe2\x82", 3, "\"x\\ufffd\\ufffd\"");
    check_json("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* escapes at both ends and next to each other */
    check_json("\"\\\n", 3, "\"\\\"\\\\\\n\"");
}

static void sb_add_json_str_all_bytes(void **state)
{
    (void)state;
    /* every byte value once: 0x00..0x1f, '"' and '\\' are escaped, and the bytes from 0x80 on,
     * none of which starts a well-formed sequence here, each become U+FFFD */
    char in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (char)i;
    strbuf sb;
    sb_init(&sb, NULL, 0);
    sb_add_json_str(&sb, in, sizeof(in));
    assert_false(sb.failed);
    /* quotes + 128 ASCII bytes + 5 extra for 29 \u00XX controls + 1 extra for \n \r \t, '"',
     * '\\' + 128 times \ufffd */
    size_t expected = 2 + 128 + 29 * 5 + 3 + 2 + 128 * 6;
    assert_int_equal(sb.len, expected);
    assert_int_equal(sb.buf[0], '"');
    assert_int_equal(sb.buf[sb.len - 1], '"');
    assert_memory_equal(sb.buf + 1, "\\u0000\\u0001", 12);
    sb_release(&sb);
}

static void sb_add_urlenc_encodes(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 0);
    sb_add_urlenc(&sb, "AZaz09-_.~");
    assert_string_equal(sb.buf, "AZaz09-_.~");
    sb_reset(&sb);
    sb_add_urlenc(&sb, "a b&c=d/e?f+g%h#i");
    assert_string_equal(sb.buf, "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25h%23i");
    sb_reset(&sb);
    sb_add_urlenc(&sb, "\xc3\xa9\x01\xff");
    assert_string_equal(sb.buf, "%C3%A9%01%FF");
    sb_reset(&sb);
    sb_add_urlenc(&sb, "");
    assert_string_equal(sb.buf, "");
    assert_int_equal(sb.len, 0);
    sb_release(&sb);
}

/* Appends numbered pieces and checks the whole result against a reference built separately. */
static void grow_and_check(strbuf *sb, int pieces)
{
    size_t expected_len = 0;
    for (int i = 0; i < pieces; i++) {
        switch (i % 4) {
        case 0:
            sb_add_i64(sb, i);
            break;
        case 1:
            sb_addc(sb, ',');
            break;
        case 2:
            sb_addf(sb, "<%d>", i);
            break;
        default:
            sb_adds(sb, "ab");
        }
    }
    assert_false(sb->failed);
    /* rebuild the reference with snprintf */
    char *ref = malloc((size_t)pieces * 16 + 1);
    assert_non_null(ref);
    for (int i = 0; i < pieces; i++) {
        int n;
        switch (i % 4) {
        case 0:
            n = snprintf(ref + expected_len, 16, "%d", i);
            break;
        case 1:
            n = snprintf(ref + expected_len, 16, ",");
            break;
        case 2:
            n = snprintf(ref + expected_len, 16, "<%d>", i);
            break;
        default:
            n = snprintf(ref + expected_len, 16, "ab");
        }
        expected_len += (size_t)n;
    }
    assert_int_equal(sb->len, expected_len);
    assert_int_equal(strlen(sb->buf), expected_len);
    assert_memory_equal(sb->buf, ref, expected_len);
    assert_true(sb->cap > sb->len);
    free(ref);
}

static void sb_growth_with_malloc(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, NULL, 1);
    grow_and_check(&sb, 20000);
    size_t len = 0;
    char *p = sb_detach(&sb, &len);
    assert_null(sb.buf);
    assert_int_equal(sb.len, 0);
    assert_non_null(p);
    assert_int_equal(strlen(p), len);
    free(p); /* a malloc'd builder hands the buffer to the caller */
}

static void sb_growth_with_arena(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256); /* small blocks: growth crosses blocks */
    strbuf sb;
    sb_init(&sb, &a, 8);
    /* interleave foreign allocations, so that growth in place is not always possible */
    for (int round = 0; round < 5; round++) {
        char *other = arena_strdup(&a, "keep me");
        sb_addf(&sb, "round %d;", round);
        assert_string_equal(other, "keep me");
    }
    assert_string_equal(sb.buf, "round 0;round 1;round 2;round 3;round 4;");
    sb_reset(&sb);
    grow_and_check(&sb, 5000);
    char *p = sb_detach(&sb, NULL);
    assert_non_null(p);
    sb_release(&sb); /* no-op for arena builders */
    arena_release(&a);
}

static void sb_two_arena_builders_interleaved(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 64);
    strbuf x, y;
    sb_init(&x, &a, 4);
    sb_init(&y, &a, 4);
    for (int i = 0; i < 500; i++) {
        sb_addc(&x, (char)('a' + i % 26));
        sb_addc(&y, (char)('A' + i % 26));
    }
    assert_int_equal(x.len, 500);
    assert_int_equal(y.len, 500);
    for (int i = 0; i < 500; i++) {
        assert_int_equal(x.buf[i], 'a' + i % 26);
        assert_int_equal(y.buf[i], 'A' + i % 26);
    }
    assert_int_equal(x.buf[500], '\0');
    assert_int_equal(y.buf[500], '\0');
    arena_release(&a);
}

/* ------------------------------------------------------------------- arena */

static void arena_alloc_is_aligned_and_disjoint(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    enum { N = 200 };
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)(i % 37) + 1;
        ptrs[i] = arena_alloc(&a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % _Alignof(max_align_t), 0);
        memset(ptrs[i], i & 0xff, sizes[i]);
    }
    /* nothing overwrote anything: allocations do not overlap */
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    /* typed data of the strictest alignment can be stored */
    long double *ld = arena_alloc(&a, sizeof(long double) * 3);
    ld[0] = 1.5L;
    ld[2] = -2.25L;
    assert_true(ld[0] == 1.5L && ld[2] == -2.25L);
    arena_release(&a);
    assert_null(a.head);
}

static void arena_default_block_size_and_reuse_after_release(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0);
    assert_int_equal(a.block_size, 16384);
    assert_null(a.head);
    arena_release(&a); /* releasing an empty arena is fine */
    char *s = arena_strdup(&a, "again");
    assert_string_equal(s, "again");
    arena_release(&a);
    s = arena_strdup(&a, "and again");
    assert_string_equal(s, "and again");
    arena_release(&a);
}

static void arena_large_allocation_beyond_block_size(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 128);
    char *small1 = arena_strdup(&a, "first");
    unsigned char *big = arena_alloc(&a, 100000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % _Alignof(max_align_t), 0);
    for (size_t i = 0; i < 100000; i++)
        big[i] = (unsigned char)(i * 7);
    char *small2 = arena_strdup(&a, "second");
    unsigned char *big2 = arena_alloc(&a, 5000);
    memset(big2, 0x5a, 5000);
    char *small3 = arena_strdup(&a, "third");
    for (size_t i = 0; i < 100000; i++)
        assert_int_equal(big[i], (unsigned char)(i * 7));
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(big2[i], 0x5a);
    assert_string_equal(small1, "first");
    assert_string_equal(small2, "second");
    assert_string_equal(small3, "third");
    arena_release(&a);
}

static void arena_realloc_grows_in_place_when_last(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    char *p = arena_alloc(&a, 32);
    memcpy(p, "0123456789abcdef0123456789abcde", 32);
    char *q = arena_realloc(&a, p, 32, 200);
    assert_ptr_equal(q, p); /* the last allocation of the block grows in place */
    assert_memory_equal(q, "0123456789abcdef0123456789abcde", 32);
    memset(q + 32, 'x', 168);
    /* the space it grew into is really its own: the next allocation comes after it */
    char *next = arena_alloc(&a, 16);
    assert_true(next >= q + 200);
    memset(next, 'y', 16);
    for (int i = 32; i < 200; i++)
        assert_int_equal(q[i], 'x');
    /* shrinking the last allocation stays in place too */
    char *r = arena_realloc(&a, next, 16, 8);
    assert_ptr_equal(r, next);
    assert_memory_equal(r, "yyyyyyyy", 8);
    arena_release(&a);
}

static void arena_realloc_copies_when_not_last(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    char *p = arena_alloc(&a, 40);
    for (int i = 0; i < 40; i++)
        p[i] = (char)('A' + i % 26);
    char *blocker = arena_strdup(&a, "blocker");
    char *q = arena_realloc(&a, p, 40, 100);
    assert_ptr_not_equal(q, p);
    for (int i = 0; i < 40; i++)
        assert_int_equal(q[i], 'A' + i % 26);
    /* the old space stays valid until release, and neighbours are intact */
    for (int i = 0; i < 40; i++)
        assert_int_equal(p[i], 'A' + i % 26);
    assert_string_equal(blocker, "blocker");
    memset(q + 40, '!', 60);
    assert_string_equal(blocker, "blocker");
    arena_release(&a);
}

static void arena_realloc_beyond_block_copies(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    char *p = arena_alloc(&a, 100);
    memset(p, 'k', 100);
    char *q = arena_realloc(&a, p, 100, 10000); /* larger than a block: a new block */
    assert_non_null(q);
    assert_ptr_not_equal(q, p);
    for (int i = 0; i < 100; i++)
        assert_int_equal(q[i], 'k');
    memset(q + 100, 'm', 9900);
    char *r = arena_realloc(&a, NULL, 0, 10); /* NULL old: a plain allocation */
    assert_non_null(r);
    memset(r, 'n', 10);
    for (int i = 100; i < 10000; i++)
        assert_int_equal(q[i], 'm');
    arena_release(&a);
}

static void arena_calloc_strdup_strndup(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 512);
    /* dirty the block first: calloc must zero what it hands out */
    unsigned char *dirty = arena_alloc(&a, 64);
    memset(dirty, 0xee, 64);
    uint64_t *z = arena_calloc(&a, 50, sizeof(uint64_t));
    for (int i = 0; i < 50; i++)
        assert_int_equal(z[i], 0);
    assert_null(arena_strdup(&a, NULL));
    assert_string_equal(arena_strdup(&a, ""), "");
    char *s = arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *t = arena_strndup(&a, "a\0b", 3); /* copies n bytes, then terminates */
    assert_memory_equal(t, "a\0b\0", 4);
    arena_release(&a);
}

static void arena_printf_formats(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 64);
    assert_string_equal(arena_printf(&a, "%s-%d-%lld", "id", 12, (long long)INT64_MIN),
                        "id-12--9223372036854775808");
    assert_string_equal(arena_printf(&a, "%s", ""), "");
    assert_string_equal(arena_printf(&a, "%.3s|%5s|%-3d|", "abcdef", "r", 7), "abc|    r|7  |");
    char *wide = arena_printf(&a, "%0*d", 1000, 42); /* beyond the block size */
    assert_int_equal(strlen(wide), 1000);
    assert_int_equal(wide[0], '0');
    assert_string_equal(wide + 998, "42");
    arena_release(&a);
}

/*
 * The header promises that allocation failure aborts the process. A request so large that
 * rounding it up to the alignment (or adding the block header) overflows must not come back as a
 * usable block. Each size runs in a child: it must die by abort() (or, under ASan, by ASan's
 * allocation-size report, a non-zero exit), never return from arena_alloc or crash otherwise.
 */
static void arena_alloc_huge_request_aborts(void **state)
{
    (void)state;
    const size_t sizes[] = {
        SIZE_MAX / 2,  /* control: no overflow, malloc fails, xmalloc aborts */
        SIZE_MAX,      /* rounding up wraps to 0 */
        SIZE_MAX - 8,  /* rounding up wraps to 0 */
        SIZE_MAX - 30, /* rounding up wraps to 0 */
        SIZE_MAX - 31, /* rounding is fine, header + size wraps to 0 */
    };
    char failures[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0)
                dup2(devnull, 2);
            arena a;
            arena_init(&a, 1024);
            void *p = arena_alloc(&a, sizes[i]);
            _exit(p ? 42 : 43); /* returning at all breaks the contract */
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        bool aborted = (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
                       (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                        WEXITSTATUS(status) != 42 && WEXITSTATUS(status) != 43);
        if (!aborted && used < sizeof(failures)) {
            int n = snprintf(failures + used, sizeof(failures) - used,
                             " arena_alloc(SIZE_MAX - %zu) %s;", (size_t)(SIZE_MAX - sizes[i]),
                             WIFEXITED(status) ? "returned" : "crashed");
            if (n > 0)
                used += (size_t)n;
        }
    }
    if (used)
        fail_msg("did not abort:%s", failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sb_init_is_empty_and_terminated),
        cmocka_unit_test(sb_add_and_addc_append_exact_bytes),
        cmocka_unit_test(sb_addf_formats),
        cmocka_unit_test(sb_add_i64_edge_values),
        cmocka_unit_test(sb_add_json_str_escapes),
        cmocka_unit_test(sb_add_json_str_all_bytes),
        cmocka_unit_test(sb_add_urlenc_encodes),
        cmocka_unit_test(sb_growth_with_malloc),
        cmocka_unit_test(sb_growth_with_arena),
        cmocka_unit_test(sb_two_arena_builders_interleaved),
        cmocka_unit_test(arena_alloc_is_aligned_and_disjoint),
        cmocka_unit_test(arena_default_block_size_and_reuse_after_release),
        cmocka_unit_test(arena_large_allocation_beyond_block_size),
        cmocka_unit_test(arena_realloc_grows_in_place_when_last),
        cmocka_unit_test(arena_realloc_copies_when_not_last),
        cmocka_unit_test(arena_realloc_beyond_block_copies),
        cmocka_unit_test(arena_calloc_strdup_strndup),
        cmocka_unit_test(arena_printf_formats),
        cmocka_unit_test(arena_alloc_huge_request_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
