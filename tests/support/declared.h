/*
 * declared — what the generic tests read off a resource declaration (engine/resource.h): which
 * fields take input, under which key, and a value of each type that the field's checks accept.
 * tests/api/test_generic.c and test_bad_input.c build their request bodies with these, so that a
 * newly declared resource is exercised without code of its own. Header only: the tests that use
 * it link with mocod_core for the declarations themselves.
 */
#ifndef DECLARED_H
#define DECLARED_H

#include "fixtures.h"

#include "engine/resource.h"

#include <stdio.h>
#include <string.h>

/* Whether a field takes input at all. */
static inline bool declared_field_input(const struct field *f)
{
    if (f->flags & (F_READONLY | F_INTERNAL))
        return false;
    return f->type != FT_HAS_MANY && f->type != FT_EXPR && f->type != FT_UUID;
}

/* Children written with their parent (F_WITH_PARENT) that a test gives in the create body: only
 * where it has a value for them (an override), since their rows are of another resource. */
static inline bool declared_children_given(const struct resource *res, const struct field *f,
                                           bool has_value)
{
    (void)res;
    return f->type == FT_HAS_MANY && (f->flags & F_WITH_PARENT) && has_value;
}

/* The JSON key of a field's input (borrowed, kept until fix_free_strings). */
static inline const char *declared_input_key(const struct field *f)
{
    if (f->input)
        return f->input;
    if (f->type == FT_REF)
        return fix_fmt("%s_id", f->name);
    return f->name;
}

/* A value of the field's type that its checks accept, the n-th of this test (so that texts stay
 * unique); an FT_REF gets ref_id. NULL for a type without such a value: the caller asks for an
 * override. tag starts texts ("g1 units"), to tell the tests' rows apart. */
static inline json_t *declared_value(const struct resource *res, const struct field *f, int n,
                                     const char *tag, json_int_t ref_id)
{
    switch (f->type) {
    case FT_TEXT: {
        char buf[64];
        snprintf(buf, sizeof buf, "%s%d %s", tag, n, res->name);
        if (f->maxlen > 0 && f->maxlen < (int)sizeof buf)
            buf[f->maxlen] = '\0';
        return json_string(buf);
    }
    case FT_INT:
        return json_integer(50);
    case FT_DECIMAL:
    case FT_MONEY:
        return json_real(100.5);
    case FT_BOOL:
        return json_false();
    case FT_DATE:
        return json_string("2030-01-15");
    case FT_TIMESTAMP:
        return json_string("2030-01-15T10:00:00Z");
    case FT_ENUM:
        return json_string(f->options[0]);
    case FT_STRLIST:
    case FT_TAGS:
        return json_array();
    case FT_REF:
        return json_integer(ref_id);
    case FT_IDLIST:
        return ref_id ? json_pack("[I]", ref_id) : json_array();
    case FT_CUSTOM:
        return json_object();
    case FT_PASSWORD:
        return json_string(fix_fmt("%s-password-1", tag));
    default:
        return NULL;
    }
}

/* /api/v1/PATH of res with each {id} filled by ancestor_id() of that ancestor, root first
 * (borrowed, kept until fix_free_strings). */
static inline const char *declared_path(const struct resource *res,
                                        json_int_t (*ancestor_id)(const struct resource *, void *),
                                        void *ctx)
{
    const struct resource *chain[8];
    int n = 0;
    for (const struct resource *p = res->parent; p && n < 8; p = p->parent)
        chain[n++] = p;
    char *out = fix_fmt("/api/v1/");
    const char *p = res->path;
    while (*p) {
        const char *brace = strstr(p, "{id}");
        size_t len = brace ? (size_t)(brace - p) : strlen(p);
        out = fix_fmt("%s%.*s", out, (int)len, p);
        if (!brace)
            break;
        assert_true(n > 0);
        out = fix_fmt("%s%lld", out, (long long)ancestor_id(chain[--n], ctx));
        p = brace + 4;
    }
    return out;
}

#endif
