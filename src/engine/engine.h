/* The generic engine: CRUD, lists, rendering and validation driven by resource declarations. */
#ifndef MOCOD_ENGINE_H
#define MOCOD_ENGINE_H

#include "engine/resource.h"

#define LQ_MAX_PARAMS 96

/* A list's WHERE clause under construction; fragments use the row alias `t`. */
struct list_query {
    struct req *r;
    const struct resource *res;
    strbuf where;
    db_param params[LQ_MAX_PARAMS];
    int nparams;
    bool empty; /* a filter can never match (unknown custom field): answer an empty page */
};

void lq_where(struct list_query *q, const char *sql);
void lq_param(struct list_query *q, db_param p);
/* "1, 2,3" -> ids; the count, or -1 on anything that is not a list of at most max integers. */
int parse_id_list(const char *v, int64_t *ids, int max);
/* param=1,2,3 as a condition: sql_fmt has one or two %s for the list's placeholders, and the
 * list is bound `binds` times. Absent: no condition; empty: no rows; not ids: 422. */
int lq_id_list(struct list_query *q, const char *param, const char *sql_fmt, int binds);
/* from_param / to_param (YYYY-MM-DD, inclusive) on a date or timestamp column. */
int lq_date_range(struct list_query *q, const char *from_param, const char *to_param,
                  const char *column);

/* One parsed input value per declared field. */
struct value {
    bool set;
    bool null;
    int64_t i; /* integers, booleans, ids; FT_MONEY/FT_DECIMAL: exact units */
    const char *s;
    json_t *j;                 /* FT_STRLIST, FT_TAGS, FT_CUSTOM: the JSON given */
    const unsigned char *blob; /* FT_FILE: the decoded bytes (s is then the file's URL) */
    size_t blob_len;
    const char *filename;
    const char *token;
    int64_t blob_id; /* FT_FILE: its content once stored (shared by the rows written from it) */
};

#define FILE_MAX (5 * 1024 * 1024) /* decoded bytes of a file sent with an entity */

struct record {
    const struct resource *res;
    struct value *v; /* indexed like res->fields */
    bool creating;
    json_t *input;     /* the JSON object it was read from */
    int64_t parent_id; /* a nested row's parent (creates: the one it is made under) */
};

struct value *record_value(struct record *rec, const char *field);
/* A row's stored column as text (NULL when null or no row), and the value a field will have after
 * a write: the one sent, else the stored one. Rules that depend on other fields use these. */
const char *engine_stored_text(struct req *r, const struct resource *res, int64_t id,
                               const char *column);
/* The stored column as an integer (0 when the row or the value is missing). */
int64_t engine_stored_int(struct req *r, const struct resource *res, int64_t id,
                          const char *column);
const char *engine_effective_text(struct req *r, struct record *rec, int64_t id, const char *field);

/* Every resource and custom route of the server; main hands it to the engine at start-up. */
struct registry {
    const struct resource *const *resources; /* NULL-terminated */
    const struct route_decl *const *routes;  /* NULL-terminated lists of {0}-terminated routes */
    const struct view *const *views;         /* the same of views (reports) */
};

/* Checks the declarations (engine_lint) and builds SELECT heads; call once at start-up.
 * -1, with the problems on stderr, when a declaration is wrong: the server must not start. */
int engine_init(const struct registry *reg);
const struct registry *engine_registry(void);
/* The problems of the declarations, one per line into err (empty when none); the count. */
int engine_lint(const struct registry *reg, char *err, size_t errlen);
/* Creates tables, columns and indexes that the declarations need and the database lacks. */
int engine_sync_schema(db *d, db_conn *c);

/* Number sequences (engine/sequence.c): the counter's name ("invoices.identifier") of the
 * registered resource named res_name ("invoices") that numbers a field, in out; false when it
 * has none. Whether pattern is one ({yyyy} {yy} {mm}, one {n} or {n:DIGITS}). An account's own
 * pattern (table number_patterns) wins over the declaration's. */
bool engine_sequence_name(const char *res_name, char *out, size_t n);
bool engine_sequence_pattern_valid(const char *pattern);
int engine_list(struct req *r, const struct resource *res);
int engine_get(struct req *r, const struct resource *res, int64_t id);
int engine_create(struct req *r, const struct resource *res);
/* Validates and inserts one row from a JSON object inside the caller's write transaction (a
 * service's items on create, bulk comments); parent_id links a nested row (0: none). */
int engine_insert(struct req *r, const struct resource *res, int64_t parent_id, json_t *input,
                  int64_t *out_id);
/* Bulk creates: the input parsed once, before the write transaction opens (the work on it, such
 * as decoding a file or cleaning a text, is done once and never holds the write lock), then
 * inserted as often as needed inside it. Each insert starts from the record as parsed; a file in
 * it is stored once and each row gets its own link to it. */
int engine_parse_create(struct req *r, const struct resource *res, json_t *input,
                        struct record **out);
int engine_insert_parsed(struct req *r, const struct resource *res, const struct record *rec,
                         int64_t parent_id, int64_t *out_id);
int engine_update(struct req *r, const struct resource *res, int64_t id);
/* Validates and updates one row from a JSON object (the fields given) with every rule of an
 * update (before_save, after_save, its event) inside the caller's write transaction: for actions
 * that change another row than the routed one (a presence closed by touch). */
int engine_update_row(struct req *r, const struct resource *res, int64_t id, json_t *input);
int engine_delete(struct req *r, const struct resource *res, int64_t id);
/* Deletes one row with every rule of a delete (before_delete, references, its event, tags, custom
 * values, files) inside the caller's write transaction: for actions that delete rows. */
int engine_delete_row(struct req *r, const struct resource *res, int64_t id);
/* Runs a declared action (the route's last id is the row): permission, transaction, declared
 * column changes, the action's own code, event, data version, commit, answer. */
int engine_action(struct req *r, const struct resource *res, const struct action *act, int64_t id);
/* The actions the engine declares itself: PUT {id}/archive and {id}/unarchive of R_ARCHIVABLE
 * resources. */
const struct action *engine_archive_actions(const struct resource *res);
/* Custom routes the engine serves itself (taggings of every taggable resource). */
extern const struct route_decl engine_routes[];
/* The engine's write path for code that is not a routed request (account set-up, demo data):
 * one transaction around step, the data-version bump, the commit; rolled back on failure. */
int engine_write(struct req *r, int (*step)(struct req *r, void *ctx), void *ctx);
/* Runs a custom route: a ROUTE_WRITE one inside the engine's write path. */
int engine_custom(struct req *r, const struct route_decl *decl);
/* "%text%" in lower case (ASCII) with LIKE's wildcards escaped, for `LIKE ? ESCAPE '\'`
 * against lower(...): what `term` searches in lists and views. */
char *engine_like_pattern(arena *a, const char *s, size_t len);
/* The SQL of a key or sum of one of res's totals tables (struct totals_decl) over the row alias
 * row ("t."), in parentheses: what a report sums from the rows themselves where it cannot take a
 * total (the days at the edges of a range). NULL when not declared. */
char *engine_totals_sql(arena *a, const struct resource *res, const char *table, const char *column,
                        const char *row);
/* A yes/no query parameter as lists and views take it: true/false (any case), 1/0; -1 else. */
int engine_bool_from_text(const char *v, bool *out);
/* Serves a view (engine/view.c): its permission, its parameters, then its .fn. */
int engine_view(struct req *r, const struct view *v);
/* Appends the JSON of one entity to out; 404 error when it does not exist in the account. */
int engine_render_entity(struct req *r, const struct resource *res, int64_t id, strbuf *out);
/* 404 unless the parent row of the routed nested resource exists in the account. */
int engine_check_parent(struct req *r, const struct resource *res);
/* 403 unless the caller may read (write) the kind of entity `kind` names, for a resource with
 * .area_of; kinds that name no resource of mocod need nothing more. The row's stored kind with
 * engine_require_row_kind. */
int engine_require_kind(struct req *r, const struct resource *res, const char *kind, bool write);
int engine_require_row_kind(struct req *r, const struct resource *res, int64_t id, bool write);
/* True when the row exists in the caller's account (and under the routed parent), and the caller
 * may see it (.own_column). */
bool engine_exists(struct req *r, const struct resource *res, int64_t id);
/* The acting user whose rows alone the caller sees of res (.own_column), 0 when it sees all. */
int64_t engine_own_user(const struct req *r, const struct resource *res);
/* Recomputes the copies of tags and custom fields kept in the entity's row (after they change). */
int engine_refresh_cache(struct req *r, const struct resource *res, int64_t id);
/* The same for an entity named by its target ("User"); no-op for kinds mocod does not have. */
int engine_refresh_cache_of(struct req *r, const char *target, int64_t id);
/* (target, id) pairs of entities, to refresh after a change that touches many of them. */
struct entity_list {
    struct {
        const char *target;
        int64_t id;
    } * items;
    int n;
};
/* Runs sql (yielding entity target, entity id) and collects the rows. */
int engine_collect_entities(struct req *r, const char *sql, const db_param *p, int np,
                            struct entity_list *out);
int engine_refresh_entities(struct req *r, const struct entity_list *list);
/* The event step of a change (engine/events.c): queues `event` of the entity, rendered now
 * inside the caller's transaction, for every enabled hook of the account subscribed to the
 * resource's target and the event. No-op for resources without R_WEBHOOKS. */
int engine_event(struct req *r, const struct resource *res, const char *event, int64_t id);
/* The same with a payload the caller rendered (a deleted entity, rendered before it went). */
int engine_event_payload(struct req *r, const struct resource *res, const char *event, int64_t id,
                         const char *payload);
/* Whether any enabled hook listens: skips rendering a payload nobody wants. */
bool engine_event_wanted(struct req *r, const struct resource *res, const char *event);
/* After a change to an entity's tags or custom fields from outside its own write: touches
 * updated_at, refreshes the copies kept in the row and emits its update. */
int engine_entity_changed(struct req *r, const struct resource *res, int64_t id);
/* Inside an action's .fn: sets declared columns of one row to bound values and touches its
 * updated_at; event: queue its update event too (for rows beside the routed one, whose event the
 * action emits). */
struct column_value {
    const char *column;
    db_param value;
};
int engine_set_columns(struct req *r, const struct resource *res, int64_t id,
                       const struct column_value *cols, int n, bool event);
/* Touches updated_at of a row (after changes to its tags or custom fields). */
int engine_touch(struct req *r, const struct resource *res, int64_t id);

/* The scheme and host the request came to ("https://acme.mocod.example"), without a slash at
 * the end: the base of the links mocod hands out (files, secret links, customer approvals). */
const char *engine_public_base(struct req *r);

/* GET /files/{token}/{name}: a file kept with an entity (an avatar); no key needed, the token
 * is the secret. */
int engine_serve_file(struct req *r, const char *token);

/* Tags (engine/tags.c). */
int tags_replace(struct req *r, const char *context, int64_t entity_id, json_t *names,
                 bool add_only);
int tags_remove(struct req *r, const char *context, int64_t entity_id, json_t *names);
int tags_render_names(struct req *r, const char *context, int64_t entity_id, strbuf *out);
const char *tags_check_names(json_t *names);

/* Custom fields (engine/custom.c). */
#define CUSTOM_MAX_BYTES 12288 /* "The size of the custom_properties field is limited to 12 kB" */
/* Records a field error per problem of the given values; -1 only when it could not check. */
int custom_validate(struct req *r, const char *entity, json_t *given);
int custom_write(struct req *r, const char *entity, int64_t entity_id, json_t *given, bool merge);
int custom_filter(struct list_query *q, const char *entity);
bool custom_entity_valid(const char *entity);
extern const char *const custom_entities[];

/* Mails (engine/mail.c, src/mail/): a mail that a resource action sends (an invoice's, an
 * offer's). engine_queue_mail checks it, builds its MIME message once (RFC 5322 headers, a UTF-8
 * subject as encoded words, a text/plain UTF-8 body, base64 attachments) and writes it into the
 * outbox (table mails) inside the caller's write transaction: it is sent after the commit, by the
 * delivery thread, or never when the transaction rolls back. Problems are field errors named
 * "from", "to", "cc", "bcc", "subject", "body", "attachments" (-1). Addresses are
 * "a@example.com" or "Name <a@example.com>"; from NULL: the server's --smtp-from. */
struct mail_attachment {
    const char *filename;
    const char *content_type; /* "application/pdf"; NULL: application/octet-stream */
    const unsigned char *data;
    size_t len;
};
struct mail {
    const char *from;
    const char *const *to; /* at least one */
    int nto;
    const char *const *cc;
    int ncc;
    const char *const *bcc;
    int nbcc;
    const char *subject;
    const char *body; /* plain text, UTF-8 */
    const struct mail_attachment *attachments;
    int nattachments;
    /* the input keys a problem with the recipients names ("emails_to" for send_email's input);
     * NULL: "to", "cc", "bcc" */
    const char *recipient_keys[3];
};
int engine_queue_mail(struct req *r, const struct mail *m);
/* The same, with the id of the mail's row in the log (GET /account/mails/{id}) into *id. */
int engine_queue_mail_id(struct req *r, const struct mail *m, int64_t *id);

#endif
