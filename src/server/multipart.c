/* multipart/form-data bodies into the JSON object a JSON body would give (see multipart.h).
 * Every search is bounded by the body's length; the body is read once, front to back. */
#define _GNU_SOURCE /* memmem */
#include "server/multipart.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 8192 /* bytes of one part's headers */

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The value of parameter `key` in a header value "a; k=v; k2="v 2"" into buf (cap bytes), with
 * quotes and backslash escapes resolved: its length, or -1 when absent or too long. */
static int header_param(const char *v, size_t n, const char *key, char *buf, size_t cap)
{
    size_t klen = strlen(key), i = 0;
    bool quoted = false;
    while (i < n) {
        /* to the start of the next parameter: after a ';' outside quotes */
        for (; i < n; i++) {
            if (v[i] == '"')
                quoted = !quoted;
            else if (v[i] == '\\' && quoted && i + 1 < n)
                i++;
            else if (v[i] == ';' && !quoted)
                break;
        }
        if (i >= n)
            return -1;
        i++;
        while (i < n && is_space(v[i]))
            i++;
        if (n - i <= klen || strncasecmp(v + i, key, klen) != 0 || v[i + klen] != '=')
            continue;
        i += klen + 1;
        size_t len = 0;
        if (i < n && v[i] == '"') {
            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (len + 1 >= cap)
                    return -1;
                buf[len++] = v[i];
            }
            if (i >= n)
                return -1; /* unterminated */
        } else {
            for (; i < n && v[i] != ';' && !is_space(v[i]); i++) {
                if (len + 1 >= cap)
                    return -1;
                buf[len++] = v[i];
            }
        }
        buf[len] = '\0';
        return (int)len;
    }
    return -1;
}

int multipart_boundary(const char *content_type, char *buf, size_t cap)
{
    if (!content_type)
        return 0;
    size_t n = strcspn(content_type, ";");
    while (n && is_space(content_type[n - 1]))
        n--;
    if (n != 19 || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return 0;
    int len = header_param(content_type, strlen(content_type), "boundary", buf, cap);
    return len >= 1 && len <= 70 ? len : -1; /* RFC 2046: 1 to 70 characters */
}

static int fail(char *err, size_t errlen, int status, const char *msg, const char *name)
{
    snprintf(err, errlen, msg, name ? name : "");
    return status;
}

/* Content-Disposition of a part's headers (the bytes between its boundary line and the empty
 * line): name and filename; false when the part has no form-data disposition with a name. */
static bool part_names(const char *h, size_t n, char *name, size_t ncap, char *filename,
                       size_t fcap, bool *has_file)
{
    *has_file = false;
    bool found = false;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(h + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - h) : n;
        size_t len = end - i;
        if (len && h[i + len - 1] == '\r')
            len--;
        static const char cd[] = "Content-Disposition:";
        if (len > sizeof cd - 1 && !strncasecmp(h + i, cd, sizeof cd - 1)) {
            const char *v = h + i + sizeof cd - 1;
            size_t vn = len - (sizeof cd - 1);
            while (vn && is_space(*v)) {
                v++;
                vn--;
            }
            if (vn < 9 || strncasecmp(v, "form-data", 9) != 0)
                return false;
            if (header_param(v, vn, "name", name, ncap) < 1)
                return false;
            *has_file = header_param(v, vn, "filename", filename, fcap) >= 0;
            found = true;
        }
        i = end + 1;
    }
    return found;
}

/* A file part's content as {"filename", "base64"}: the name without a client's path. */
static json_t *file_value(const char *filename, const char *data, size_t n)
{
    const char *base = filename;
    for (const char *p = filename; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    json_t *fn = json_string(base);
    if (!fn)
        return NULL;
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (!b64) {
        json_decref(fn);
        return NULL;
    }
    sodium_bin2base64(b64, cap, (const unsigned char *)data, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *out = json_pack("{soso}", "filename", fn, "base64", json_stringn_nocheck(b64, cap - 1));
    free(b64);
    return out;
}

int multipart_parse(const char *body, size_t len, const char *boundary, size_t file_max,
                    json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    size_t blen = strlen(boundary);
    char delim[80]; /* "\r\n--" boundary */
    if (blen < 1 || blen > 70)
        return fail(err, errlen, 400, "the form's boundary is not valid", NULL);
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;
    const char *end = body + len;
    /* the first boundary line: at the start of the body, or after a line of preamble */
    const char *p;
    if (len >= dlen - 2 && !memcmp(body, delim + 2, dlen - 2)) {
        p = body + dlen - 2;
    } else {
        const char *at = memmem(body, len, delim, dlen);
        if (!at)
            return fail(err, errlen, 400, "the form has no part with its boundary", NULL);
        p = at + dlen;
    }
    json_t *obj = json_object();
    if (!obj)
        return fail(err, errlen, 500, "out of memory", NULL);
    int parts = 0;
    char name[256], filename[256];
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break; /* the closing boundary: what follows is epilogue */
        while (p < end && is_space(*p))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            json_decref(obj);
            return fail(err, errlen, 400, "the form is malformed after a boundary line", NULL);
        }
        p += 2;
        if (++parts > MULTIPART_MAX_PARTS) {
            json_decref(obj);
            return fail(err, errlen, 400, "the form has more than 64 parts", NULL);
        }
        /* headers up to the empty line */
        const char *content;
        size_t hlen;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hlen = 0;
            content = p + 2;
        } else {
            size_t look = (size_t)(end - p) < MAX_HEADERS + 4 ? (size_t)(end - p) : MAX_HEADERS + 4;
            const char *he = memmem(p, look, "\r\n\r\n", 4);
            if (!he) {
                json_decref(obj);
                return fail(err, errlen, 400, "a part of the form has no end of its headers", NULL);
            }
            hlen = (size_t)(he - p);
            content = he + 4;
        }
        bool has_file;
        if (!part_names(p, hlen, name, sizeof name, filename, sizeof filename, &has_file)) {
            json_decref(obj);
            return fail(err, errlen, 400,
                        "a part of the form has no Content-Disposition: form-data with a name",
                        NULL);
        }
        const char *next = memmem(content, (size_t)(end - content), delim, dlen);
        if (!next) {
            json_decref(obj);
            return fail(err, errlen, 400, "the form ends before its closing boundary", NULL);
        }
        size_t n = (size_t)(next - content);
        p = next + dlen;
        if (json_object_get(obj, name)) {
            json_decref(obj);
            return fail(err, errlen, 400, "the form has the part \"%s\" twice", name);
        }
        json_t *v;
        if (has_file) {
            if (n > file_max) {
                json_decref(obj);
                snprintf(err, errlen, "the file \"%s\" is larger than %zu MiB", name,
                         file_max / (1024 * 1024));
                return 413;
            }
            v = file_value(filename, content, n);
            if (!v) {
                json_decref(obj);
                return fail(err, errlen, 400, "the file name of part \"%s\" is not UTF-8", name);
            }
        } else {
            v = json_stringn(content, n);
            if (!v) {
                json_decref(obj);
                return fail(err, errlen, 400, "the part \"%s\" is not UTF-8 text", name);
            }
        }
        if (json_object_set_new(obj, name, v)) {
            json_decref(obj);
            return fail(err, errlen, 400, "the part name \"%s\" is not UTF-8", name);
        }
    }
    *out = obj;
    return 0;
}
