#include "core/request.h"

#include <stdio.h>
#include <string.h>

void req_add_header(struct req *r, const char *key, const char *value)
{
    if (r->nheaders == r->cap_headers) {
        int cap = r->cap_headers ? r->cap_headers * 2 : 8;
        r->headers = arena_realloc(r->arena, r->headers, sizeof(struct kv) * (size_t)r->cap_headers,
                                   sizeof(struct kv) * (size_t)cap);
        r->cap_headers = cap;
    }
    r->headers[r->nheaders].key = key;
    r->headers[r->nheaders].value = value;
    r->nheaders++;
}

const char *req_query(const struct req *r, const char *key)
{
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->query[i].key, key) == 0)
            return r->query[i].value;
    return NULL;
}

static char *vformat(arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return arena_strdup(a, fmt);
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

void req_keep(struct req *r, json_t *value)
{
    if (!r->scratch)
        r->scratch = json_array();
    json_array_append_new(r->scratch, value);
}

int req_fail(struct req *r, int status, const char *field, const char *fmt, ...)
{
    if (r->err_message) /* keep the first error: it is the cause */
        return -1;
    va_list ap;
    va_start(ap, fmt);
    r->err_message = vformat(r->arena, fmt, ap);
    va_end(ap);
    r->status = status;
    r->err_field =
        field && r->field_prefix ? arena_printf(r->arena, "%s%s", r->field_prefix, field) : field;
    return -1;
}

void req_field_error(struct req *r, const char *field, const char *fmt, ...)
{
    if (r->field_prefix)
        field = arena_printf(r->arena, "%s%s", r->field_prefix, field);
    va_list ap;
    va_start(ap, fmt);
    char *problem = vformat(r->arena, fmt, ap);
    va_end(ap);
    if (!r->err_fields)
        r->err_fields = json_object();
    json_t *list = json_object_get(r->err_fields, field);
    if (!list) {
        list = json_array();
        json_object_set_new(r->err_fields, field, list);
    }
    json_array_append_new(list, json_string(problem));
    if (!r->err_message) {
        r->err_message = arena_printf(r->arena, "%s %s", field, problem);
        r->err_field = field;
        r->status = 422;
    }
}

int req_perm(const struct req *r, enum perm_area area)
{
    if (area == AREA_UNSET || area >= AREA_COUNT)
        return PERM_NONE;    /* undeclared: start-up refuses such declarations */
    if (area < AREA_UNSET) { /* any caller: what the key and the role allow */
        if (r->key_kind == KEY_ACCOUNT_READ)
            return PERM_READ;
        if (r->admin)
            return PERM_FULL;
        /* a role that may change nothing (the read-only role) never writes */
        for (int i = AREA_FIRST; i < AREA_COUNT; i++)
            if (r->perm[i] >= PERM_FULL)
                return PERM_FULL;
        return PERM_READ;
    }
    return r->perm[area];
}

int req_require_write(struct req *r, enum perm_area area)
{
    if (r->key_kind == KEY_ACCOUNT_READ)
        return req_fail(r, 403, NULL, "this API key has read-only access");
    if (req_perm(r, area) < PERM_FULL)
        return req_fail(r, 403, NULL, "your role lacks the permission to change %s",
                        area > AREA_UNSET && area < AREA_COUNT ? perm_area_names[area] : "this");
    return 0;
}

int req_require_read(struct req *r, enum perm_area area)
{
    if (req_perm(r, area) < PERM_READ)
        return req_fail(r, 403, NULL, "your role lacks the permission to read %s",
                        area > AREA_UNSET && area < AREA_COUNT ? perm_area_names[area] : "this");
    return 0;
}

bool req_is_staff(const struct req *r)
{
    return r->admin || r->perm[AREA_PEOPLE] >= PERM_FULL;
}

int perm_level_parse(const char *v)
{
    if (!v)
        return PERM_NONE;
    if (!strcmp(v, "full"))
        return PERM_FULL;
    if (!strcmp(v, "read") || !strcmp(v, "own"))
        return PERM_READ;
    return PERM_NONE;
}

void req_rights(const struct req *r, struct rights *out)
{
    out->admin = r->admin;
    memcpy(out->perm, r->perm, sizeof(out->perm));
}

bool rights_exceed(const struct rights *a, const struct rights *b)
{
    if (b->admin)
        return false;
    if (a->admin)
        return true;
    for (int i = AREA_FIRST; i < AREA_COUNT; i++)
        if (a->perm[i] > b->perm[i])
            return true;
    return false;
}

bool req_rights_exceeded(const struct req *r, const struct rights *other)
{
    struct rights mine;
    req_rights(r, &mine);
    return rights_exceed(other, &mine);
}
