/* Writing side of the engine: input validation, create, update, delete. */
#include "util/secret.h"

#include <sodium.h>
#include "engine/internal.h"
#include "util/money.h"
#include "util/parse.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAXLEN 10000

struct value *record_value(struct record *rec, const char *field)
{
    const struct field *f = resource_field(rec->res, field);
    return f ? &rec->v[f - rec->res->fields] : NULL;
}

static const char *input_key(const struct field *f)
{
    if (f->input)
        return f->input;
    return f->type == FT_REF ? field_column(f) : f->name;
}

static bool accepts_input(const struct field *f)
{
    if (f->flags & (F_READONLY | F_INTERNAL))
        return false;
    return f->type != FT_HAS_MANY && f->type != FT_EXPR && f->type != FT_UUID;
}

static int parse_int(json_t *j, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return 0;
    }
    if (json_is_string(j)) { /* forms and some clients send numbers as strings */
        if (parse_i64(json_string_value(j), out))
            return 0;
    }
    return -1;
}

static int parse_bool(json_t *j, bool *out)
{
    if (json_is_boolean(j)) {
        *out = json_is_true(j);
        return 0;
    }
    if (json_is_integer(j) && (json_integer_value(j) == 0 || json_integer_value(j) == 1)) {
        *out = json_integer_value(j) == 1;
        return 0;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, "false") || !strcmp(s, "0")) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static bool idlist_valid(json_t *j)
{
    if (!json_is_array(j) || json_array_size(j) > 10000)
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(j, i, e) if (!json_is_integer(e) || json_integer_value(e) <= 0) return false;
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Whether a valid id list names an id twice (sorted in the arena: 10,000 ids stay cheap). */
static bool idlist_repeats(struct req *r, json_t *j)
{
    size_t n = json_array_size(j), i;
    if (n < 2)
        return false;
    int64_t *ids = arena_calloc(r->arena, n, sizeof(int64_t));
    json_t *e;
    json_array_foreach(j, i, e) ids[i] = json_integer_value(e);
    qsort(ids, n, sizeof(int64_t), cmp_i64);
    for (i = 1; i < n; i++)
        if (ids[i] == ids[i - 1])
            return true;
    return false;
}

static bool strlist_valid(json_t *j)
{
    if (!json_is_array(j))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(j, i, e) if (!json_is_string(e)) return false;
    return true;
}

const char *engine_public_base(struct req *r)
{
    return arena_printf(r->arena, "%s://%s",
                        r->cfg && r->cfg->public_scheme ? r->cfg->public_scheme : "http",
                        r->host ? r->host : "localhost");
}

/* A new link (token and URL) for a file: every row that keeps a file has its own, also when
 * several rows share its content. */
static void file_link(struct req *r, struct value *v)
{
    char *token = arena_alloc(r->arena, 33);
    random_hex(token, 16);
    strbuf url;
    sb_init(&url, r->arena, 128);
    sb_addf(&url, "%s/files/%s/", engine_public_base(r), token);
    sb_add_urlenc(&url, v->filename);
    v->token = token;
    v->s = url.buf;
}

/* Converts one JSON value to the field's type; returns the problem or NULL. */
static const char *convert(struct req *r, const struct field *f, json_t *j, struct value *v)
{
    v->set = true;
    if (json_is_null(j)) {
        if (f->flags & F_REQUIRED)
            return "can't be blank";
        v->null = true; /* tags and custom fields: null clears them */
        return NULL;
    }
    switch (f->type) {
    case FT_TEXT:
    case FT_ENUM:
    case FT_DATE:
    case FT_TIMESTAMP:
    case FT_PASSWORD: {
        if (!json_is_string(j))
            return "must be a string";
        const char *s = json_string_value(j);
        size_t len = json_string_length(j);
        if (strlen(s) != len)
            return "must not contain NUL characters";
        int maxlen = f->maxlen ? f->maxlen : DEFAULT_MAXLEN;
        if (len > (size_t)maxlen)
            return arena_printf(r->arena, "is too long (maximum is %d characters)", maxlen);
        if ((f->flags & F_REQUIRED) && len == 0 && f->type != FT_PASSWORD)
            return "can't be blank";
        if (f->type == FT_ENUM) {
            bool ok = false;
            for (const char *const *o = f->options; *o; o++)
                ok = ok || strcmp(*o, s) == 0;
            if (!ok) {
                strbuf opts;
                sb_init(&opts, r->arena, 64);
                for (const char *const *o = f->options; *o; o++)
                    sb_addf(&opts, "%s%s", o == f->options ? "" : ", ", *o);
                return arena_printf(r->arena, "is not included in the list (%s)", opts.buf);
            }
        }
        if (f->type == FT_DATE && len && !date_valid(s))
            return "must be a date (YYYY-MM-DD)";
        if (f->type == FT_TIMESTAMP && len) {
            time_t t;
            if (!time_parse_iso(s, &t))
                return "must be an ISO 8601 timestamp";
            char *iso = arena_alloc(r->arena, TIMESTAMP_LEN + 1);
            time_format_iso(t, iso);
            s = iso;
        }
        if (f->type == FT_PASSWORD) {
            if (len < 8)
                return "is too short (minimum is 8 characters)";
            char *hash = arena_alloc(r->arena, PASSWORD_HASH_LEN);
            if (password_hash(s, hash))
                return "could not be hashed";
            s = hash;
        }
        if (f->check) {
            const char *problem = f->check(s);
            if (problem)
                return problem;
        }
        if (len == 0 && (f->type == FT_DATE || f->type == FT_TIMESTAMP))
            v->null = true;
        if (f->transform && f->type == FT_TEXT)
            s = f->transform(r->arena, s);
        v->s = s;
        return NULL;
    }
    case FT_INT:
    case FT_REF:
        if (parse_int(j, &v->i))
            return "must be an integer";
        return NULL;
    case FT_DECIMAL:
    case FT_MONEY: /* exact units at the field's scale: never rounded, never a double */
        return money_problem(money_from_json(j, field_scale(f), &v->i), field_scale(f));
    case FT_BOOL: {
        bool b;
        if (parse_bool(j, &b))
            return "must be true or false";
        v->i = b;
        return NULL;
    }
    case FT_STRLIST:
    case FT_IDLIST:
        if (f->type == FT_STRLIST ? !strlist_valid(j) : !idlist_valid(j))
            return f->type == FT_STRLIST ? "must be an array of strings"
                                         : "must be an array of at most 10000 ids";
        if (f->type == FT_IDLIST && idlist_repeats(r, j))
            return "must name each id once";
        v->j = j;
        v->s = json_dumps(j, JSON_COMPACT);
        if (v->s) {
            char *copy = arena_strdup(r->arena, v->s);
            free((char *)v->s);
            v->s = copy;
        }
        return NULL;
    case FT_TAGS: {
        const char *problem = tags_check_names(j);
        if (problem)
            return problem;
        v->j = j;
        return NULL;
    }
    case FT_CUSTOM:
        if (!json_is_object(j))
            return "must be an object";
        v->j = j;
        return NULL;
    case FT_FILE: {
        json_t *name = json_is_object(j) ? json_object_get(j, "filename") : NULL;
        json_t *data = json_is_object(j) ? json_object_get(j, "base64") : NULL;
        if (!json_is_string(name) || !json_string_length(name) || !json_is_string(data))
            return "must be an object with filename and base64";
        if (json_string_length(name) > 255 || strpbrk(json_string_value(name), "/\\"))
            return "has a filename that is too long or contains a slash";
        size_t len = json_string_length(data);
        unsigned char *bin = arena_alloc(r->arena, len + 1);
        size_t n = 0;
        if (sodium_base642bin(bin, len, json_string_value(data), len, "\n\r ", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            return "has a base64 content that does not decode";
        if (n > FILE_MAX)
            return "is larger than 5 MiB";
        v->blob = bin;
        v->blob_len = n;
        v->filename = json_string_value(name);
        file_link(r, v);
        return NULL;
    }
    default:
        return "cannot be written";
    }
}

static int parse_record(struct req *r, const struct resource *res, json_t *input, bool creating,
                        struct record *rec)
{
    int n = rt_of(res)->nfields;
    rec->res = res;
    rec->creating = creating;
    rec->input = input;
    rec->v = arena_calloc(r->arena, (size_t)n, sizeof(struct value));
    const struct field_rt *frt = rt_of(res)->f;
    int i = 0;
    for (const struct field *f = res->fields; f->name; f++, i++) {
        json_t *def = creating ? frt[i].def : NULL; /* parsed at start-up, lives as long */
        if (creating && (f->flags & F_ACTING_USER) && r->user_id &&
            (!accepts_input(f) || !json_object_get(input, input_key(f)))) {
            rec->v[i].set = true;
            rec->v[i].i = r->user_id;
            continue;
        }
        if (!accepts_input(f)) {
            /* fields clients cannot write still start at their declared default */
            if (def && field_written(f) && convert(r, f, def, &rec->v[i]))
                rec->v[i].set = false;
            continue;
        }
        if (!creating && (f->flags & F_CREATEONLY))
            continue;
        const char *key = input_key(f);
        json_t *j = json_object_get(input, key);
        bool strict_required = (f->flags & F_STRICT_REQUIRED) && r->settings.strict_validation;
        if (!j && !strict_required)
            j = def;
        if (!j) {
            if (creating && ((f->flags & F_REQUIRED) || strict_required))
                req_field_error(r, key, "can't be blank");
            continue;
        }
        if (f->type == FT_FILE && f->filename_input && !json_is_null(j)) {
            /* the two keys of the split form make the one object FT_FILE reads */
            json_t *name = json_object_get(input, f->filename_input);
            if (!json_is_string(name) || !json_string_length(name)) {
                req_field_error(r, f->filename_input, "can't be blank with %s", key);
                continue;
            }
            json_t *file = json_pack("{sOsO}", "filename", name, "base64", j);
            req_keep(r, file);
            j = file;
        }
        const char *problem = convert(r, f, j, &rec->v[i]);
        if (problem) {
            req_field_error(r, key, "%s", problem);
            rec->v[i].set = false; /* not checked further: its problem is already named */
        }
    }
    return 0;
}

/* The scope of a unique field for this row: the routed parent, or the row's other column (as
 * sent, else as stored), bound with the column's type. */
static db_param scope_param(struct req *r, struct record *rec, const char *column, int64_t id)
{
    const struct resource *res = rec->res;
    if (res->parent_fk && !strcmp(column, res->parent_fk) && rec->parent_id)
        return dbp_int(rec->parent_id);
    const struct field *f = NULL;
    for (const struct field *g = res->fields; g->name && !f; g++)
        if (field_stored(g) && !strcmp(field_column(g), column))
            f = g;
    const struct value *v = f ? &rec->v[f - res->fields] : NULL;
    if (v && v->set)
        return v->null ? dbp_null() : field_param(f, v);
    const char *stored = engine_stored_text(r, res, id, column);
    bool numeric = !f || f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL;
    if (!stored)
        return dbp_null();
    return numeric ? dbp_int(strtoll(stored, NULL, 10)) : dbp_text(stored);
}

/* F_UNIQUE: no other row of the account (or of the scope) has the value. */
static int check_unique(struct req *r, struct record *rec, const struct field *f,
                        const struct value *v, int64_t id)
{
    const struct resource *res = rec->res;
    const char *cmp = (f->flags & F_NOCASE) ? "lower(%s) = lower(?)" : "%s = ?";
    strbuf sql;
    sb_init(&sql, r->arena, 128);
    sb_addf(&sql, "SELECT 1 FROM %s WHERE account_id = ? AND ", res->table);
    sb_addf(&sql, cmp, field_column(f));
    sb_adds(&sql, " AND id <> ?");
    db_param p[4] = {dbp_int(r->account_id), v->s ? dbp_text(v->s) : dbp_int(v->i), dbp_int(id)};
    int np = 3;
    if (f->unique_scope) {
        sb_addf(&sql, " AND %s = ?", f->unique_scope);
        p[np++] = scope_param(r, rec, f->unique_scope, id); /* null matches no row */
    }
    int64_t taken = 0;
    if (db_query_i64(r->db, sql.buf, p, np, 0, &taken) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (taken)
        req_field_error(r, input_key(f), "has already been taken");
    return 0;
}

/* Checks references (same account) and uniqueness, inside the write transaction. */
static int check_record(struct req *r, struct record *rec, int64_t id)
{
    const struct resource *res = rec->res;
    int i = 0;
    for (const struct field *f = res->fields; f->name; f++, i++) {
        struct value *v = &rec->v[i];
        if (!v->set || v->null)
            continue;
        /* the acting user, set by the engine, exists: the request authenticated as them */
        bool acting = (f->flags & F_ACTING_USER) && r->user_id && v->i == r->user_id;
        if (f->type == FT_REF && !acting && !engine_exists(r, f->ref, v->i))
            req_field_error(r, input_key(f), "does not exist");
        if (f->type == FT_IDLIST && f->ref) {
            size_t k;
            json_t *e;
            json_array_foreach(v->j, k, e) if (!engine_exists(r, f->ref, json_integer_value(e)))
            {
                req_field_error(r, input_key(f), "%lld does not exist",
                                (long long)json_integer_value(e));
                break;
            }
        }
        if ((f->flags & F_UNIQUE) && (v->s || f->type == FT_REF || f->type == FT_INT) &&
            check_unique(r, rec, f, v, id))
            return -1;
        if (f->type == FT_CUSTOM && !(f->flags & F_TRANSIENT) && v->j &&
            custom_validate(r, res->target, v->j))
            return -1;
    }
    return 0; /* problems are field errors; -1 only when it could not check */
}

static db_param value_param(const struct field *f, const struct value *v)
{
    if (v->null)
        return dbp_null();
    switch (f->type) {
    case FT_INT:
    case FT_REF:
    case FT_BOOL:
    case FT_DECIMAL:
    case FT_MONEY:
        return dbp_int(v->i);
    default:
        return dbp_text(v->s);
    }
}

/* Writes tags and custom fields given in the record. */
/* The entity a file belongs to, as attachments name it: "User.avatar_url". */
static char *file_owner(struct req *r, const struct resource *res, const struct field *f)
{
    return arena_printf(r->arena, "%s.%s", res->target, f->name);
}

/* Removes the files an entity keeps in a field, and the content no other file shares. */
static int delete_files(struct req *r, const char *owner, int64_t id)
{
    db_param d[3] = {dbp_int(r->account_id), dbp_text(owner), dbp_int(id)};
    db_stmt *s = db_query(r->db,
                          "DELETE FROM attachments WHERE account_id = ? AND entity = ? AND "
                          "entity_id = ? RETURNING blob_id",
                          d, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int64_t blobs[8];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (!db_col_null(s, 0) && n < 8)
            blobs[n++] = db_col_i64(s, 0);
    db_done(s);
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    for (int i = 0; i < n; i++) {
        db_param b[3] = {dbp_int(blobs[i]), dbp_int(r->account_id), dbp_int(blobs[i])};
        if (db_exec(r->db,
                    "DELETE FROM attachment_blobs WHERE id = ? AND account_id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM attachments WHERE blob_id = ?)",
                    b, 3) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    return 0;
}

/* A new file replaces the entity's previous one (null removes it). Its content is stored once
 * (attachment_blobs) and shared by every row written from the same value: a bulk create with one
 * attachment stores it once, however many entities it makes. */
static int write_file(struct req *r, const struct resource *res, const struct field *f,
                      struct value *v, int64_t id)
{
    char *owner = file_owner(r, res, f);
    if (delete_files(r, owner, id))
        return -1;
    if (v->null || !v->blob)
        return 0;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    if (!v->blob_id) {
        db_param b[4] = {dbp_int(r->account_id), dbp_int((int64_t)v->blob_len),
                         dbp_blob(v->blob, v->blob_len), dbp_text(now)};
        if (db_query_i64(r->db,
                         "INSERT INTO attachment_blobs (account_id, size, data, created_at) "
                         "VALUES (?, ?, ?, ?) RETURNING id",
                         b, 4, 0, &v->blob_id) != DB_OK ||
            !v->blob_id)
            return req_fail(r, 500, NULL, "database error");
    }
    db_param p[9] = {dbp_int(r->account_id),
                     dbp_text(owner),
                     dbp_int(id),
                     dbp_text(v->filename),
                     dbp_int((int64_t)v->blob_len),
                     dbp_blob("", 0),
                     dbp_text(now),
                     dbp_text(v->token),
                     dbp_int(v->blob_id)};
    if (db_exec(r->db,
                "INSERT INTO attachments (account_id, entity, entity_id, filename, size, data, "
                "created_at, token, blob_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                p, 9) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    return 0;
}

static int write_attachments(struct req *r, struct record *rec, int64_t id)
{
    int i = 0;
    for (const struct field *f = rec->res->fields; f->name; f++, i++) {
        struct value *v = &rec->v[i];
        if (!v->set)
            continue;
        if (f->type == FT_TAGS) {
            json_t *empty = json_array();
            int rc = tags_replace(r, rec->res->target, id, v->j ? v->j : empty, false);
            json_decref(empty);
            if (rc)
                return -1;
        } else if (f->type == FT_CUSTOM && !(f->flags & F_TRANSIENT)) {
            json_t *empty = json_object();
            int rc = custom_write(r, rec->res->target, id, v->j ? v->j : empty,
                                  !rec->creating && r->settings.custom_properties_merge);
            json_decref(empty);
            if (rc)
                return -1;
        } else if (f->type == FT_FILE && write_file(r, rec->res, f, v, id)) {
            return -1;
        }
    }
    return engine_refresh_cache(r, rec->res, id);
}

static int bump_version(struct req *r)
{
    db_param p[1] = {dbp_int(r->account_id)};
    return db_exec(r->db, "UPDATE accounts SET data_version = data_version + 1 WHERE id = ?", p,
                   1) == DB_DONE
               ? 0
               : req_fail(r, 500, NULL, "database error");
}

int run_write(struct req *r, int (*step)(struct req *r, void *ctx), void *ctx)
{
    if (db_begin_scoped(r->db, r->account_id) != DB_OK)
        return req_fail(r, 503, NULL, "database busy, try again");
    if (step(r, ctx) || r->err_message || bump_version(r))
        goto fail;
    if (db_commit(r->db) != DB_OK) {
        req_fail(r, 500, NULL, "could not commit");
        goto fail;
    }
    return 0;
fail:
    db_rollback(r->db);
    return r->err_message ? -1 : req_fail(r, 500, NULL, "database error");
}

const char *engine_stored_text(struct req *r, const struct resource *res, int64_t id,
                               const char *column)
{
    if (!id)
        return NULL;
    char *sql = arena_printf(r->arena, "SELECT %s FROM %s WHERE id = ? AND account_id = ?", column,
                             res->table);
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db, sql, p, 2);
    const char *v = NULL;
    if (s && db_step(s) == DB_ROW && !db_col_null(s, 0))
        v = arena_strdup(r->arena, db_col_text(s, 0));
    db_done(s);
    return v;
}

int64_t engine_stored_int(struct req *r, const struct resource *res, int64_t id, const char *column)
{
    const char *v = engine_stored_text(r, res, id, column);
    return v ? strtoll(v, NULL, 10) : 0;
}

const char *engine_effective_text(struct req *r, struct record *rec, int64_t id, const char *field)
{
    const struct field *f = resource_field(rec->res, field);
    if (!f)
        return NULL;
    struct value *v = &rec->v[f - rec->res->fields];
    if (v->set)
        return v->null ? NULL : v->s;
    return engine_stored_text(r, rec->res, id, field_column(f));
}

/* Inside a write: 404 unless the row exists (it may have gone since the request began). */
static int require_row(struct req *r, const struct resource *res, int64_t id)
{
    return engine_exists(r, res, id) ? 0 : req_fail(r, 404, NULL, "%s not found", res->target);
}

/* Answers with the entity as it now is. */
static int answer_entity(struct req *r, const struct resource *res, int64_t id)
{
    if (engine_render_entity(r, res, id, &r->out))
        return -1;
    r->status = 200;
    return 0;
}

static int require_object_body(struct req *r)
{
    if (!r->body || !json_is_object(r->body))
        return req_fail(r, 400, NULL, "the request body must be a JSON object");
    return 0;
}

/* Fields with a number sequence that were not given get the next number. */
static int assign_sequences(struct req *r, struct record *rec)
{
    int i = 0;
    for (const struct field *f = rec->res->fields; f->name; f++, i++) {
        struct value *v = &rec->v[i];
        if (!f->sequence || (v->set && !v->null && v->s && *v->s))
            continue;
        const char *date = NULL; /* the date tokens are of the row's date field, if any */
        if (f->sequence_date) {
            const struct value *d = record_value(rec, f->sequence_date);
            date = d && d->set && !d->null ? d->s : NULL;
        }
        if (sequence_next(r, rec->res, f, date, &v->s))
            return -1;
        v->set = true;
        v->null = false;
    }
    return 0;
}

/* F_WITH_PARENT children given with a new row: each is checked and inserted like a create of the
 * child, in the parent's transaction; a problem names the child ("items[2].title"). */
static int insert_children(struct req *r, struct record *rec, int64_t id)
{
    for (const struct field *f = rec->res->fields; f->name; f++) {
        if (!(f->flags & F_WITH_PARENT))
            continue;
        json_t *items = json_object_get(rec->input, f->name);
        if (!items || json_is_null(items))
            continue;
        if (!json_is_array(items))
            return req_fail(r, 422, f->name, "%s must be an array", f->name);
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            char *name = arena_printf(r->arena, "%s[%zu]", f->name, i);
            if (!json_is_object(item)) {
                req_field_error(r, name, "must be an object");
                return -1;
            }
            const char *outer = r->field_prefix;
            r->field_prefix = arena_printf(r->arena, "%s%s.", outer ? outer : "", name);
            int64_t child = 0;
            int rc = engine_insert(r, f->ref, id, item, &child);
            r->field_prefix = outer;
            if (rc)
                return -1;
        }
    }
    return 0;
}

/* Checks and inserts a parsed record inside the caller's transaction; parent_id links a nested
 * row to its parent (0: not nested). */
static int insert_record(struct req *r, const struct resource *res, struct record *rec,
                         int64_t parent_id, int64_t *out_id)
{
    rec->parent_id = parent_id;
    memo_write(r, res, false);
    /* the permission comes first: a refused caller learns nothing about which ids exist */
    if (res->area_of &&
        engine_require_kind(r, res, engine_effective_text(r, rec, 0, res->area_of), true))
        return -1;
    /* all problems of the input are named at once: its form, references and uniqueness */
    if (check_record(r, rec, 0) || (res->before_save && res->before_save(r, rec, 0)) ||
        r->err_fields || assign_sequences(r, rec))
        return -1;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    strbuf cols, vals;
    sb_init(&cols, r->arena, 256);
    sb_init(&vals, r->arena, 64);
    int n = rt_of(res)->nfields;
    db_param *p = arena_calloc(r->arena, (size_t)n + 4, sizeof(db_param));
    int np = 0;
    p[np++] = dbp_int(r->account_id);
    p[np++] = dbp_text(now);
    p[np++] = dbp_text(now);
    sb_adds(&cols, "account_id, created_at, updated_at");
    sb_adds(&vals, "?, ?, ?");
    if (parent_id && res->parent_fk) {
        sb_addf(&cols, ", %s", res->parent_fk);
        sb_adds(&vals, ", ?");
        p[np++] = dbp_int(parent_id);
    }
    int i = 0;
    for (const struct field *f = res->fields; f->name; f++, i++) {
        if (!field_written(f))
            continue;
        if (f->type == FT_UUID) {
            char *uuid = arena_alloc(r->arena, 37);
            random_uuid(uuid);
            p[np++] = dbp_text(uuid);
        } else if (rec->v[i].set) {
            p[np++] = value_param(f, &rec->v[i]);
        } else {
            continue;
        }
        sb_addf(&cols, ", %s", field_column(f));
        sb_adds(&vals, ", ?");
    }
    char *sql = arena_printf(r->arena, "INSERT INTO %s (%s) VALUES (%s) RETURNING id", res->table,
                             cols.buf, vals.buf);
    int64_t id = 0;
    if (db_query_i64(r->db, sql, p, np, 0, &id) != DB_OK || id == 0)
        return req_fail(r, 500, NULL, "database error");
    if (write_attachments(r, rec, id) || insert_children(r, rec, id) ||
        (res->after_save && res->after_save(r, rec, id)) || engine_event(r, res, "create", id))
        return -1;
    *out_id = id;
    return 0;
}

int engine_insert(struct req *r, const struct resource *res, int64_t parent_id, json_t *input,
                  int64_t *out_id)
{
    struct record rec;
    if (!json_is_object(input))
        return req_fail(r, 422, res->name, "each %s must be an object", res->name);
    if (parse_record(r, res, input, true, &rec))
        return -1;
    return insert_record(r, res, &rec, parent_id, out_id);
}

int engine_parse_create(struct req *r, const struct resource *res, json_t *input,
                        struct record **out)
{
    if (!json_is_object(input))
        return req_fail(r, 422, res->name, "each %s must be an object", res->name);
    *out = arena_calloc(r->arena, 1, sizeof(struct record));
    return parse_record(r, res, input, true, *out);
}

int engine_insert_parsed(struct req *r, const struct resource *res, const struct record *rec,
                         int64_t parent_id, int64_t *out_id)
{
    /* the row's own copy of the values: hooks and sequences change it, the next row starts from
     * the record as parsed */
    int n = rt_of(res)->nfields;
    struct record row = *rec;
    row.v = arena_alloc(r->arena, (size_t)n * sizeof(struct value));
    memcpy(row.v, rec->v, (size_t)n * sizeof(struct value));
    for (int i = 0; i < n; i++)
        if (res->fields[i].type == FT_FILE && row.v[i].blob)
            file_link(r, &row.v[i]);
    int rc = insert_record(r, res, &row, parent_id, out_id);
    for (int i = 0; i < n; i++) /* the content stored for the first row serves the others */
        if (res->fields[i].type == FT_FILE)
            rec->v[i].blob_id = row.v[i].blob_id;
    return rc;
}

struct row_write {
    const struct resource *res;
    struct record rec;
    int64_t id;
};

static int create_step(struct req *r, void *ctx)
{
    struct row_write *w = ctx;
    return insert_record(r, w->res, &w->rec, w->res == r->nested ? r->parent_id : 0, &w->id);
}

int engine_create(struct req *r, const struct resource *res)
{
    struct row_write w = {.res = res};
    if (req_require_write(r, res->write_area) || engine_check_parent(r, res) ||
        require_object_body(r) || parse_record(r, res, r->body, true, &w.rec) ||
        run_write(r, create_step, &w))
        return -1;
    return answer_entity(r, res, w.id);
}

int engine_touch(struct req *r, const struct resource *res, int64_t id)
{
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    char *sql = arena_printf(
        r->arena, "UPDATE %s SET updated_at = ? WHERE id = ? AND account_id = ?", res->table);
    db_param p[3] = {dbp_text(now), dbp_int(id), dbp_int(r->account_id)};
    return db_exec(r->db, sql, p, 3) == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}

int engine_set_columns(struct req *r, const struct resource *res, int64_t id,
                       const struct column_value *cols, int n, bool event)
{
    memo_write(r, res, false);
    strbuf sql;
    sb_init(&sql, r->arena, 128);
    sb_addf(&sql, "UPDATE %s SET updated_at = ?", res->table);
    db_param *p = arena_calloc(r->arena, (size_t)n + 3, sizeof(db_param));
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    int np = 0;
    p[np++] = dbp_text(now);
    for (int i = 0; i < n; i++) {
        const struct field *f = NULL; /* only declared columns: never a name from elsewhere */
        for (const struct field *g = res->fields; g->name && !f; g++)
            if (field_stored(g) && !strcmp(field_column(g), cols[i].column))
                f = g;
        if (!f)
            return req_fail(r, 500, NULL, "%s has no column %s", res->name, cols[i].column);
        sb_addf(&sql, ", %s = ?", field_column(f));
        p[np++] = cols[i].value;
    }
    sb_adds(&sql, " WHERE id = ? AND account_id = ?");
    p[np++] = dbp_int(id);
    p[np++] = dbp_int(r->account_id);
    if (db_exec(r->db, sql.buf, p, np) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    return event ? engine_event(r, res, "update", id) : 0;
}

int engine_entity_changed(struct req *r, const struct resource *res, int64_t id)
{
    if (engine_touch(r, res, id) || engine_refresh_cache(r, res, id))
        return -1;
    return engine_event(r, res, "update", id);
}

static int update_step(struct req *r, void *ctx)
{
    struct row_write *w = ctx;
    const struct resource *res = w->res;
    int64_t id = w->id;
    memo_write(r, res, false);
    w->rec.parent_id = res == r->nested ? r->parent_id : 0;
    if (require_row(r, res, id) || engine_require_row_kind(r, res, id, true) ||
        (res->area_of &&
         engine_require_kind(r, res, engine_effective_text(r, &w->rec, id, res->area_of), true)) ||
        check_record(r, &w->rec, id) || (res->before_save && res->before_save(r, &w->rec, id)) ||
        r->err_fields)
        return -1;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    strbuf set;
    sb_init(&set, r->arena, 256);
    int n = rt_of(res)->nfields;
    db_param *p = arena_calloc(r->arena, (size_t)n + 3, sizeof(db_param));
    int np = 0;
    p[np++] = dbp_text(now);
    sb_adds(&set, "updated_at = ?");
    int i = 0;
    for (const struct field *f = res->fields; f->name; f++, i++) {
        if (!field_written(f) || !w->rec.v[i].set)
            continue;
        sb_addf(&set, ", %s = ?", field_column(f));
        p[np++] = value_param(f, &w->rec.v[i]);
    }
    p[np++] = dbp_int(id);
    p[np++] = dbp_int(r->account_id);
    char *sql = arena_printf(r->arena, "UPDATE %s SET %s WHERE id = ? AND account_id = ?",
                             res->table, set.buf);
    if (db_exec(r->db, sql, p, np) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    if (write_attachments(r, &w->rec, id) || (res->after_save && res->after_save(r, &w->rec, id)))
        return -1;
    return engine_event(r, res, "update", id);
}

int engine_update_row(struct req *r, const struct resource *res, int64_t id, json_t *input)
{
    struct row_write w = {.res = res, .id = id};
    if (!json_is_object(input))
        return req_fail(r, 422, res->name, "each %s must be an object", res->name);
    if (parse_record(r, res, input, false, &w.rec))
        return -1;
    return update_step(r, &w);
}

int engine_update(struct req *r, const struct resource *res, int64_t id)
{
    struct row_write w = {.res = res, .id = id};
    if (req_require_write(r, res->write_area) || engine_check_parent(r, res) ||
        require_object_body(r))
        return -1;
    if (!engine_exists(r, res, id))
        return req_fail(r, 404, NULL, "%s not found", res->target);
    if (parse_record(r, res, r->body, false, &w.rec) || run_write(r, update_step, &w))
        return -1;
    return answer_entity(r, res, id);
}

/* Rows of other resources that point at this one: refused (F_RESTRICT) or set to null. */
static int handle_references(struct req *r, const struct resource *res, int64_t id)
{
    for (const struct resource *const *k = engine_registry()->resources; *k; k++) {
        const struct resource *other = *k;
        if (other->flags & R_VIEW)
            continue;
        if (other->parent == res) { /* nested rows go with their parent, each by the rules */
            char *sql =
                arena_printf(r->arena, "SELECT '', id FROM %s WHERE account_id = ? AND %s = ?",
                             other->table, other->parent_fk);
            db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
            struct entity_list children;
            if (engine_collect_entities(r, sql, p, 2, &children))
                return -1;
            for (int i = 0; i < children.n; i++)
                if (engine_delete_row(r, other, children.items[i].id))
                    return -1;
        }
        for (const struct field *f = other->fields; f->name; f++) {
            if (f->type != FT_REF || f->ref != res)
                continue;
            db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
            if (f->flags & F_RESTRICT) {
                char *sql = arena_printf(r->arena,
                                         "SELECT COUNT(*) FROM %s WHERE account_id = ? AND %s = ?",
                                         other->table, field_column(f));
                int64_t used = 0;
                if (db_query_i64(r->db, sql, p, 2, 0, &used) != DB_OK)
                    return req_fail(r, 500, NULL, "database error");
                if (used)
                    return req_fail(r, 422, other->name,
                                    "%s cannot be deleted: %lld %s still refer to it", res->target,
                                    (long long)used, other->name);
            } else {
                char *sql = arena_printf(r->arena,
                                         "UPDATE %s SET %s = NULL WHERE account_id = ? AND %s = ?",
                                         other->table, field_column(f), field_column(f));
                if (db_exec(r->db, sql, p, 2) != DB_DONE)
                    return req_fail(r, 500, NULL, "database error");
            }
        }
    }
    return 0;
}

/* Deletes one row; when `gone` is given, it gets the entity as it was (the answer of
 * R_DELETE_RENDERS), rendered once for it and the web hook payload. */
static int delete_row(struct req *r, const struct resource *res, int64_t id, strbuf *gone)
{
    memo_write(r, res, true);
    if ((res->before_delete && res->before_delete(r, id)) || handle_references(r, res, id))
        return -1;
    bool wanted = engine_event_wanted(r, res, "delete");
    if (wanted || gone) { /* the payload is the entity as it was */
        strbuf own;
        if (!gone) {
            sb_init(&own, r->arena, 2048);
            gone = &own;
        }
        if (engine_render_entity(r, res, id, gone) ||
            (wanted && engine_event_payload(r, res, "delete", id, gone->buf)))
            return -1;
    }
    db_param p[3] = {dbp_int(r->account_id), dbp_text(res->target), dbp_int(id)};
    if (resource_field_of_type(res, FT_TAGS) &&
        db_exec(r->db, "DELETE FROM taggings WHERE account_id = ? AND entity = ? AND entity_id = ?",
                p, 3) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    for (const struct field *f = res->fields; f->name; f++)
        if (f->type == FT_FILE && delete_files(r, file_owner(r, res, f), id))
            return -1;
    if (resource_field_of_type(res, FT_CUSTOM) &&
        db_exec(r->db,
                "DELETE FROM custom_values WHERE account_id = ? AND entity = ? AND entity_id = ?",
                p, 3) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    char *sql =
        arena_printf(r->arena, "DELETE FROM %s WHERE account_id = ? AND id = ?", res->table);
    db_param q[2] = {dbp_int(r->account_id), dbp_int(id)};
    if (db_exec(r->db, sql, q, 2) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    memo_write(r, res, true); /* also what its hooks and references learnt on the way */
    return 0;
}

int engine_delete_row(struct req *r, const struct resource *res, int64_t id)
{
    return delete_row(r, res, id, NULL);
}

struct delete_write {
    const struct resource *res;
    int64_t id;
    strbuf gone; /* R_DELETE_RENDERS: the entity as it was */
};

static int delete_step(struct req *r, void *ctx)
{
    struct delete_write *w = ctx;
    if (require_row(r, w->res, w->id) || engine_require_row_kind(r, w->res, w->id, true))
        return -1;
    bool renders = (w->res->flags & R_DELETE_RENDERS) != 0;
    if (renders)
        sb_init(&w->gone, r->arena, 2048);
    return delete_row(r, w->res, w->id, renders ? &w->gone : NULL);
}

int engine_delete(struct req *r, const struct resource *res, int64_t id)
{
    struct delete_write w = {.res = res, .id = id};
    if (req_require_write(r, res->write_area) || engine_check_parent(r, res) ||
        run_write(r, delete_step, &w))
        return -1;
    if (res->flags & R_DELETE_RENDERS) { /* answered once the delete is committed */
        sb_add(&r->out, w.gone.buf, w.gone.len);
        r->status = 200;
        return 0;
    }
    r->status = res->delete_status ? res->delete_status : 204;
    return 0;
}

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
                 {".png", "image/png"},       {".gif", "image/gif"},
                 {".webp", "image/webp"},     {".svg", "image/svg+xml"},
                 {".pdf", "application/pdf"}, {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcasecmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

int engine_serve_file(struct req *r, const char *token)
{
    db_param p[1] = {dbp_text(token)};
    db_stmt *s = db_query(r->db,
                          "SELECT a.filename, CASE WHEN a.blob_id IS NULL THEN a.data ELSE b.data "
                          "END FROM attachments a LEFT JOIN attachment_blobs b ON b.id = "
                          "a.blob_id WHERE a.token = ?",
                          p, 1);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_done(s);
        return req_fail(r, 404, NULL, "no such file");
    }
    req_add_header(r, "Content-Type", arena_strdup(r->arena, content_type_of(db_col_text(s, 0))));
    /* svg can carry script: served as a download, never rendered in the API's origin */
    req_add_header(r, "Content-Disposition", "attachment");
    req_add_header(r, "X-Content-Type-Options", "nosniff");
    sb_reset(&r->out);
    sb_add(&r->out, db_col_text(s, 1), db_col_len(s, 1));
    db_done(s);
    r->status = 200;
    return 0;
}

int engine_write(struct req *r, int (*step)(struct req *r, void *ctx), void *ctx)
{
    return run_write(r, step, ctx);
}

const char *field_input_key(const struct field *f)
{
    return input_key(f);
}

const char *field_convert(struct req *r, const struct field *f, json_t *j, struct value *v)
{
    return convert(r, f, j, v);
}

db_param field_param(const struct field *f, const struct value *v)
{
    return value_param(f, v);
}
