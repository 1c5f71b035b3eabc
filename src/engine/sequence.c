/* Number sequences of fields: identifiers such as P001 or R2601-0042, per account and prefix. */
#include "engine/internal.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pattern {
    strbuf prefix, suffix;
    int digits;
};

bool sequence_pattern_valid(const char *pat)
{
    int numbers = 0;
    for (const char *p = pat; *p; p++) {
        if (*p != '{')
            continue;
        if (!strncmp(p, "{yyyy}", 6) || !strncmp(p, "{yy}", 4) || !strncmp(p, "{mm}", 4))
            continue;
        if (!strncmp(p, "{n}", 3)) {
            numbers++;
            continue;
        }
        int digits = 0;
        if (strncmp(p, "{n:", 3) != 0 || sscanf(p + 3, "%d", &digits) != 1 || digits < 1 ||
            digits > 12 || !strchr(p, '}'))
            return false;
        numbers++;
    }
    return numbers == 1;
}

bool engine_sequence_pattern_valid(const char *pattern)
{
    return pattern && strlen(pattern) <= 64 && sequence_pattern_valid(pattern);
}

bool engine_sequence_name(const char *res_name, char *out, size_t n)
{
    const struct registry *reg = engine_registry();
    for (const struct resource *const *p = reg->resources; *p; p++) {
        if (strcmp((*p)->name, res_name) != 0)
            continue;
        for (const struct field *f = (*p)->fields; f->name; f++)
            if (f->sequence) {
                int k = snprintf(out, n, "%s.%s", (*p)->table, field_column(f));
                return k > 0 && (size_t)k < n;
            }
    }
    return false;
}

/* Expands the date tokens, of date ("YYYY-MM-DD", NULL: today in UTC); the number's place
 * splits prefix from suffix. */
static int expand(struct req *r, const char *pat, const char *date, struct pattern *out)
{
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    if (date && date_valid(date))
        memcpy(now, date, 10);
    sb_init(&out->prefix, r->arena, 32);
    sb_init(&out->suffix, r->arena, 16);
    out->digits = 0;
    strbuf *cur = &out->prefix;
    bool number = false;
    for (const char *p = pat; *p;) {
        if (!strncmp(p, "{yyyy}", 6)) {
            sb_add(cur, now, 4);
            p += 6;
        } else if (!strncmp(p, "{yy}", 4)) {
            sb_add(cur, now + 2, 2);
            p += 4;
        } else if (!strncmp(p, "{mm}", 4)) {
            sb_add(cur, now + 5, 2);
            p += 4;
        } else if (!strncmp(p, "{n", 2) && !number) {
            const char *end = strchr(p, '}');
            if (!end)
                return -1;
            out->digits = p[2] == ':' ? atoi(p + 3) : 1;
            if (out->digits < 1 || out->digits > 12)
                return -1;
            number = true;
            cur = &out->suffix;
            p = end + 1;
        } else {
            sb_addc(cur, *p++);
        }
    }
    return number ? 0 : -1;
}

/* The highest number in use with this prefix and suffix: where a new sequence starts. */
static int64_t highest_in_use(struct req *r, const struct resource *res, const struct field *f,
                              const struct pattern *pt)
{
    char *sql =
        arena_printf(r->arena, "SELECT %s FROM %s WHERE account_id = ? AND substr(%s, 1, ?) = ?",
                     field_column(f), res->table, field_column(f));
    db_param p[3] = {dbp_int(r->account_id), dbp_int((int64_t)pt->prefix.len),
                     dbp_text(pt->prefix.buf)};
    db_stmt *s = db_query(r->db, sql, p, 3);
    int64_t max = 0;
    while (s && db_step(s) == DB_ROW) {
        const char *v = db_col_text(s, 0) + pt->prefix.len;
        size_t n = strspn(v, "0123456789");
        if (n == 0 || n > 15 || strcmp(v + n, pt->suffix.buf) != 0)
            continue;
        int64_t k = strtoll(v, NULL, 10);
        if (k > max)
            max = k;
    }
    db_done(s);
    return max;
}

/* Takes the next number of the sequence (moving the counter past it). */
static int take_number(struct req *r, const char *name, const struct pattern *pt, int64_t seed,
                       int64_t *out)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_text(name), dbp_text(pt->prefix.buf)};
    int64_t n = 0;
    if (db_query_i64(r->db,
                     "UPDATE number_sequences SET next_value = next_value + 1 WHERE account_id = ? "
                     "AND name = ? AND prefix = ? RETURNING next_value - 1",
                     p, 3, 0, &n) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (n == 0) {
        db_param q[4] = {dbp_int(r->account_id), dbp_text(name), dbp_text(pt->prefix.buf),
                         dbp_int(seed + 1)};
        if (db_exec(r->db,
                    "INSERT INTO number_sequences (account_id, name, prefix, next_value) VALUES "
                    "(?, ?, ?, ?)",
                    q, 4) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
        n = seed;
    }
    *out = n;
    return 0;
}

int sequence_next(struct req *r, const struct resource *res, const struct field *f,
                  const char *date, const char **out)
{
    /* the account's own pattern, else the declaration's */
    const char *pattern = f->sequence;
    char *counter = arena_printf(r->arena, "%s.%s", res->table, field_column(f));
    db_param np[2] = {dbp_int(r->account_id), dbp_text(counter)};
    db_stmt *own = db_query(
        r->db, "SELECT pattern FROM number_patterns WHERE account_id = ? AND name = ?", np, 2);
    if (own && db_step(own) == DB_ROW && db_col_text(own, 0) &&
        sequence_pattern_valid(db_col_text(own, 0)))
        pattern = arena_strdup(r->arena, db_col_text(own, 0));
    db_done(own);
    struct pattern pt;
    if (expand(r, pattern, date, &pt))
        return req_fail(r, 500, NULL, "bad sequence pattern of %s.%s", res->name, f->name);
    /* the suffix is part of the counter's name: "P{n}" and "P{n}-X" count apart */
    char *name = arena_printf(r->arena, "%s.%s%s", res->table, field_column(f), pt.suffix.buf);
    char *taken_sql = arena_printf(r->arena, "SELECT 1 FROM %s WHERE account_id = ? AND %s = ?",
                                   res->table, field_column(f));
    int64_t seed = -1;
    for (int tries = 0; tries < 100000; tries++) {
        int64_t n = 0;
        if (seed < 0) { /* only a new counter needs it */
            db_param p[3] = {dbp_int(r->account_id), dbp_text(name), dbp_text(pt.prefix.buf)};
            int64_t exists = 0;
            db_query_i64(r->db,
                         "SELECT 1 FROM number_sequences WHERE account_id = ? AND name = ? AND "
                         "prefix = ?",
                         p, 3, 0, &exists);
            seed = exists ? 0 : highest_in_use(r, res, f, &pt) + 1;
        }
        if (take_number(r, name, &pt, seed, &n))
            return -1;
        char *candidate = arena_printf(r->arena, "%s%0*lld%s", pt.prefix.buf, pt.digits,
                                       (long long)n, pt.suffix.buf);
        db_param q[2] = {dbp_int(r->account_id), dbp_text(candidate)};
        int64_t taken = 0;
        if (db_query_i64(r->db, taken_sql, q, 2, 0, &taken) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (!taken) {
            *out = candidate;
            return 0;
        }
    }
    return req_fail(r, 500, NULL, "no free number in the sequence of %s", f->name);
}
