/*
 * Custom fields: definitions live in the custom_properties resource (per account and entity),
 * values in custom_values, one row per value (a multi-select has one row per chosen option), so
 * that filters are index lookups. Values travel as strings, multi-select values as arrays.
 */
#include "engine/internal.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const custom_entities[] = {
    "Activity", "Company", "Contact",      "Customer", "Deal",     "Expense",
    "Invoice",  "Offer",   "Organization", "Project",  "Purchase", "RecurringExpense",
    "Supplier", "Unit",    "User",         NULL,
};

bool custom_entity_valid(const char *entity)
{
    for (const char *const *e = custom_entities; *e; e++)
        if (!strcmp(*e, entity))
            return true;
    return false;
}

struct prop {
    int64_t id;
    const char *kind;
    json_t *options; /* parsed defaults: the allowed choices */
};

static int find_prop(struct req *r, const char *entity, const char *name, struct prop *out)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_text(entity), dbp_text(name)};
    db_stmt *s = db_query(r->db,
                          "SELECT id, kind, defaults FROM custom_properties WHERE account_id = ? "
                          "AND entity = ? AND name = ?",
                          p, 3);
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        out->id = db_col_i64(s, 0);
        out->kind = arena_strdup(r->arena, db_col_text(s, 1));
        const char *defs = db_col_text(s, 2);
        out->options = defs ? json_loads(defs, 0, NULL) : NULL;
    }
    db_done(s);
    if (rc == DB_ROW)
        return 1;
    return rc == DB_DONE ? 0 : -1;
}

static bool option_allowed(json_t *options, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(options, i,
                       e) if (json_is_string(e) && !strcmp(json_string_value(e), v)) return true;
    return false;
}

/* Normalises one value to its stored text; returns the problem or NULL. */
static const char *normalise(struct req *r, const struct prop *p, json_t *v, const char **out)
{
    const char *k = p->kind;
    if (!strcmp(k, "Boolean")) {
        if (json_is_boolean(v)) {
            *out = json_is_true(v) ? "1" : "0";
            return NULL;
        }
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (!strcmp(s, "1") || !strcasecmp(s, "true")) {
                *out = "1";
                return NULL;
            }
            if (!strcmp(s, "0") || !strcasecmp(s, "false")) {
                *out = "0";
                return NULL;
            }
        }
        return "must be \"0\" or \"1\" (Yes/No)";
    }
    if (!json_is_string(v))
        return "must be a string";
    const char *s = json_string_value(v);
    if (!strcmp(k, "Date") && *s && !date_valid(s))
        return "must be a date (YYYY-MM-DD)";
    if (!strcmp(k, "Link") && *s && strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
        return "must be a link starting with http:// or https://";
    if ((!strcmp(k, "Select") || !strcmp(k, "MultiSelect")) && !option_allowed(p->options, s))
        return arena_printf(r->arena, "'%s' is not one of the options", s);
    *out = s;
    return NULL;
}

int custom_validate(struct req *r, const char *entity, json_t *given)
{
    char *dump = json_dumps(given, JSON_COMPACT);
    size_t size = dump ? strlen(dump) : 0;
    free(dump);
    if (size > CUSTOM_MAX_BYTES) {
        req_field_error(r, "custom_properties", "is larger than 12 kB");
        return 0;
    }
    const char *name;
    json_t *v;
    json_object_foreach(given, name, v)
    {
        struct prop p = {0};
        int found = find_prop(r, entity, name, &p);
        if (found < 0)
            return req_fail(r, 500, NULL, "database error");
        char *key = arena_printf(r->arena, "custom_properties.%s", name);
        if (!found) { /* MOCO drops unknown names; the newer docs refuse them */
            if (r->settings.strict_validation)
                req_field_error(r, key, "is not a custom field of %s", entity);
            continue;
        }
        if (json_is_null(v)) {
            json_decref(p.options);
            continue;
        }
        const char *stored, *problem = NULL;
        if (!strcmp(p.kind, "MultiSelect")) {
            json_t *list = json_is_string(v) ? NULL : v;
            if (json_is_string(v)) {
                problem = normalise(r, &p, v, &stored);
            } else if (!json_is_array(list)) {
                problem = "must be an array of options";
            } else {
                size_t i;
                json_t *e;
                json_array_foreach(list, i, e) if (!problem) problem = normalise(r, &p, e, &stored);
            }
        } else {
            problem = normalise(r, &p, v, &stored);
        }
        json_decref(p.options);
        if (problem)
            req_field_error(r, key, "%s", problem);
    }
    return 0; /* problems are recorded as field errors */
}

static int insert_value(struct req *r, int64_t prop, const char *entity, int64_t id,
                        const char *value, int seq)
{
    db_param p[6] = {dbp_int(r->account_id), dbp_int(prop), dbp_text(entity), dbp_int(id),
                     dbp_text(value),        dbp_int(seq)};
    return db_exec(r->db,
                   "INSERT INTO custom_values (account_id, property_id, entity, entity_id, value, "
                   "seq) VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6) == DB_DONE
               ? 0
               : -1;
}

int custom_write(struct req *r, const char *entity, int64_t id, json_t *given, bool merge)
{
    if (!merge) { /* the seed's rule: fields not sent are removed */
        db_param p[3] = {dbp_int(r->account_id), dbp_text(entity), dbp_int(id)};
        if (db_exec(
                r->db,
                "DELETE FROM custom_values WHERE account_id = ? AND entity = ? AND entity_id = ?",
                p, 3) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    const char *name;
    json_t *v;
    json_object_foreach(given, name, v)
    {
        struct prop p = {0};
        int found = find_prop(r, entity, name, &p);
        if (found < 0)
            return req_fail(r, 500, NULL, "database error");
        if (!found) /* an unknown name, dropped (custom_validate refused it in strict mode) */
            continue;
        json_decref(p.options);
        p.options = NULL;
        if (merge) {
            db_param q[3] = {dbp_int(r->account_id), dbp_int(p.id), dbp_int(id)};
            if (db_exec(r->db,
                        "DELETE FROM custom_values WHERE account_id = ? AND property_id = ? AND "
                        "entity_id = ?",
                        q, 3) != DB_DONE)
                return req_fail(r, 500, NULL, "database error");
        }
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) if (insert_value(r, p.id, entity, id, json_string_value(e),
                                                         (int)i)) return req_fail(r, 500, NULL,
                                                                                  "database error");
        } else if (json_is_string(v) || json_is_boolean(v)) {
            const char *s =
                json_is_boolean(v) ? (json_is_true(v) ? "1" : "0") : json_string_value(v);
            if (!strcmp(p.kind, "Boolean"))
                s = (!strcmp(s, "1") || !strcasecmp(s, "true")) ? "1" : "0";
            if (*s && insert_value(r, p.id, entity, id, s, 0))
                return req_fail(r, 500, NULL, "database error");
        }
    }
    return 0;
}

/* custom_properties[Name]=v and custom_properties[Name][]=v filters. */
int custom_filter(struct list_query *q, const char *entity)
{
    struct req *r = q->r;
    static const char prefix[] = "custom_properties[";
    for (int i = 0; i < r->nquery; i++) {
        const char *key = r->query[i].key;
        if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
            continue;
        const char *name_start = key + sizeof(prefix) - 1;
        const char *close = strchr(name_start, ']');
        if (!close || (close[1] && strcmp(close + 1, "[]") != 0))
            return req_fail(r, 422, key, "use custom_properties[Name]=value");
        char *name = arena_strndup(r->arena, name_start, (size_t)(close - name_start));
        struct prop p = {0};
        int found = find_prop(r, entity, name, &p);
        json_decref(p.options);
        if (found < 0)
            return req_fail(r, 500, NULL, "database error");
        if (!found) { /* the docs: an unknown custom field gives an empty result */
            q->empty = true;
            return 0;
        }
        const char *v = r->query[i].value;
        if (!strcmp(p.kind, "Boolean")) {
            if (!strcasecmp(v, "true") || !strcmp(v, "1"))
                v = "1";
            else if (!strcasecmp(v, "false") || !strcmp(v, "0"))
                v = "0";
            else
                return req_fail(r, 422, key, "must be true or false");
        } else if (!strcmp(p.kind, "Date") && !date_valid(v)) {
            return req_fail(r, 422, key, "must be a date (YYYY-MM-DD)");
        }
        lq_where(q, "t.id IN (SELECT cv.entity_id FROM custom_values cv WHERE cv.property_id = ? "
                    "AND cv.value = ?)");
        lq_param(q, dbp_int(p.id));
        lq_param(q, dbp_text(v));
    }
    return 0;
}
