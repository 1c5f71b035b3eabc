/*
 * Resource declarations: each API resource is declared once, as data, and the engine derives
 * routing, input validation, SQL (DDL, SELECT, INSERT, UPDATE, DELETE), filters, sort_by, JSON
 * rendering, tags and custom fields from it.
 *
 * How to add a resource:
 *   1. Write src/resources/NAME.c with a `static const struct field NAME_fields[]` (terminated by
 *      `{0}`) and a `const struct resource res_NAME` using it. Output keys appear in the order of
 *      the fields; `id` comes first and `created_at`/`updated_at` last, without being declared.
 *   2. Declare its permission areas (.read_area, and .write_area when it has writes): a
 *      declaration without them stops the server at start-up (engine_lint). Rows that are about
 *      another kind of entity (comments, tags) name the field that says which in .area_of, and
 *      that kind's areas apply too.
 *   3. Say what the fields need rather than writing it: F_UNIQUE (.unique_scope), F_ACTING_USER,
 *      .sequence for numbered identifiers, .range for from/to filters, FT_MONEY for amounts,
 *      FT_FILE for files, FT_HAS_MANY with F_WITH_PARENT for items written with their parent.
 *   4. Routes beside CRUD are actions: a column change is a declared .set (R_ARCHIVABLE brings
 *      archive/unarchive); what is really the resource's own goes into .fn, which only changes
 *      rows through the engine's calls (engine_insert, engine_delete_row) and never opens a
 *      transaction, bumps the data version or emits a web hook: the engine does that for it.
 *      Other own rules go into hooks (before_save, after_save, before_delete, list_filter).
 *      A resource below another one ("projects/{id}/tasks") names .parent and .parent_fk.
 *   5. Add `&res_NAME` to the registry in src/resources/registry.c (main hands it to the engine).
 *      The table and its indexes are created (and new columns added) by `mocod migrate` and at
 *      every start from the declaration.
 *   6. Write its API tests in tests/api/test_NAME.c; tests/api/test_generic.c walks its routes
 *      (permissions, tenants, JSON keys) by itself once it is registered.
 */
#ifndef MOCOD_RESOURCE_H
#define MOCOD_RESOURCE_H

#include "core/request.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum field_type {
    FT_TEXT,      /* JSON string */
    FT_INT,       /* JSON integer */
    FT_DECIMAL,   /* exact decimal (quantities, percentages): JSON number, stored as INTEGER units
                     at .scale (default 4); see util/money.h */
    FT_MONEY,     /* amount of money: JSON number, stored as INTEGER units at .scale (default 2) */
    FT_BOOL,      /* JSON boolean, stored 0/1 */
    FT_DATE,      /* "YYYY-MM-DD" */
    FT_TIMESTAMP, /* "YYYY-MM-DDTHH:MM:SSZ" */
    FT_ENUM,      /* JSON string, one of .options */
    FT_STRLIST,   /* JSON array of strings, stored as JSON text */
    FT_IDLIST,    /* JSON array of ids (of .ref's rows when it names a resource: each must be one
                     of the account), at most 10000, stored as JSON text */
    FT_REF,       /* in: <input> (default NAME_id) integer id; out: {id, ...ref_fields} or null */
    FT_HAS_MANY,  /* out only: array of child rows whose .fk column points here */
    FT_TAGS,      /* in/out: array of tag names (taggings with context = resource target) */
    FT_CUSTOM,    /* in/out: custom_properties object */
    FT_EXPR,      /* out only: SQL expression over the row alias `t` (.as FT_CUSTOM: its text is
                     a JSON object, rendered as it is) */
    FT_PASSWORD,  /* in only: hashed with Argon2id into .column */
    FT_UUID,      /* generated on create, never written by clients */
    FT_FILE,      /* in: {"filename", "base64"} (or, with .filename_input, the base64 text under
                     the input key and the name under that key); kept in the attachments table;
                     out: its URL on mocod */
};

enum field_flags {
    F_REQUIRED = 1u << 0,     /* must be present (non-null) on create */
    F_READONLY = 1u << 1,     /* rendered, never accepted as input */
    F_WRITEONLY = 1u << 2,    /* accepted, never rendered */
    F_CREATEONLY = 1u << 3,   /* accepted on create, ignored on update */
    F_FILTER = 1u << 4,       /* ?name=value exact-match filter on lists */
    F_SORT = 1u << 5,         /* allowed in sort_by */
    F_UNIQUE = 1u << 6,       /* unique within the account (422 "has already been taken") */
    F_RESTRICT = 1u << 7,     /* FT_REF: the referenced row cannot be deleted while referenced */
    F_INTERNAL = 1u << 8,     /* stored only: neither input nor output */
    F_NOCASE = 1u << 9,       /* FT_TEXT filter/unique comparisons ignore case */
    F_INDEX = 1u << 10,       /* (account_id, column) index */
    F_ADMIN_ONLY = 1u << 11,  /* rendered only for administrators (web hooks' signature_key) */
    F_LIST_HIDDEN = 1u << 12, /* rendered for one entity, left out of lists */
    F_SEARCH = 1u << 13,      /* matched by the list's `term` search */
    F_MULTI = 1u << 14,       /* text filter that takes a comma-separated list of values */
    F_TRANSIENT = 1u << 15,   /* input for the resource's hooks only: never stored or rendered */
    F_STRICT_REQUIRED = 1u << 16, /* required only with --strict-validation on; else .def */
    F_ACTING_USER = 1u << 17,     /* FT_REF to users: on create, when not given, the acting user
                                     (the key's owner, or the impersonated user) */
    F_WITH_PARENT = 1u << 18,     /* FT_HAS_MANY: the children come in the parent's create, as an
                                     array under the field's name, written in its transaction;
                                     a problem names the child: "items[2].title" */
    F_AS_STRING = 1u << 19,       /* FT_MONEY/FT_DECIMAL rendered as a JSON string with all its
                                     decimals ("17999.00") in the entity's own JSON, as MOCO
                                     renders payments (embedded elsewhere: a number) */
};

struct field {
    const char *name; /* JSON key in responses */
    enum field_type type;
    unsigned flags;
    const char *column;         /* default: name (FT_REF: NAME_id) */
    const char *input;          /* JSON key in requests; default: name (FT_REF: NAME_id) */
    const char *def;            /* default on create, as JSON text ("true", "\"#CCCCCC\"", "0") */
    const char *const *options; /* FT_ENUM values, NULL-terminated */
    const struct resource *ref; /* FT_REF target, FT_HAS_MANY child */
    const char *ref_fields;     /* FT_REF/FT_HAS_MANY: comma list of the target's fields to render;
                                   an FT_REF's list may name an FT_REF of the target, rendered as an
                                   object too (one level: a receipt's project with its company) */
    const char *fk;             /* FT_HAS_MANY: child's column that holds our id */
    const char *sql;            /* FT_EXPR: expression over alias t */
    enum field_type as;         /* FT_EXPR: JSON type of the expression (default: string) */
    const char *group;          /* render inside a nested object of this name */
    const char *expand;         /* FT_REF: query parameter that asks for the whole entity */
    const char *when;           /* "type=customer": rendered only on rows where type is customer;
                                   "other": only where the field other is not null */
    int maxlen;                 /* FT_TEXT: at most this many bytes (default 10000) */
    /* FT_TEXT: a new row without a value gets the next number of the account's sequence, by
     * this pattern: {yyyy} {yy} {mm} (today, UTC; see .sequence_date) and {n} or {n:4} (the number,
     * at least that many digits): "R{yy}{mm}-{n:4}" gives R2601-0042. Each prefix ("R2601-") counts
     * on its own; values already taken are skipped. The counter moves inside the write transaction:
     * concurrent creates never share a number and a refused create leaves no gap. */
    const char *sequence;
    /* .sequence: the FT_DATE field whose date the pattern's {yyyy} {yy} {mm} take (an invoice's
     * "date": a backdated invoice is numbered in its month); NULL: today */
    const char *sequence_date;
    /* F_UNIQUE: unique among the rows with the same value in this column (the parent's column
     * of a nested resource, or another field's column) instead of the whole account. */
    const char *unique_scope;
    /* FT_DATE/FT_TIMESTAMP: the two list parameters of an inclusive range on this field, "from,to"
     * or "closed_from,closed_to"; either may be left out. NAME=a:b (either side may be empty)
     * gives the same range. */
    const char *range;
    /* FT_FILE: the input key of the file's name when the content comes as base64 text under the
     * field's own input key (comments: attachment_filename + attachment_content). */
    const char *filename_input;
    /* Own validation of a textual value: NULL when fine, else the problem ("is not a valid ...").
     */
    const char *(*check)(const char *value);
    /* FT_TEXT: rewrites the value as the input is parsed, after its checks and before the write
     * transaction opens (comments' HTML clean-up): work on the text never holds the write lock.
     * Must take time linear in the text's length. */
    const char *(*transform)(arena *a, const char *value);
    int scale; /* FT_DECIMAL, FT_MONEY: decimal places kept exactly (0: the type's default) */
    /* FT_HAS_MANY: the name of an FT_INT field of the children that a query parameter of the
     * same name narrows: ?year=2020 renders only the children whose year is 2020 (a value that
     * is not an integer narrows nothing: the list's own filter refuses it). */
    const char *child_filter;
};

struct record;
struct action;

/* What an action's own code sees and leaves for the answer. */
struct action_call {
    const struct resource *res;
    const struct action *act;
    int64_t id;        /* the routed row; 0 for collection actions */
    int64_t answer_id; /* the row to answer with (default: id) */
    int64_t *made;     /* or these rows, answered as a JSON array (bulk creates) */
    int nmade;
    void *ctx; /* what .prepare leaves for .fn */
};

/* One column an action sets, declared: either a constant SQL expression over the row (":now"
 * and ":today" are bound to the time of the request, ":link" to a new secret link made from
 * .link), or the value sent in the body for the declared field .field (required, and checked as
 * that field's values are: type, options, its own check, a reference in the account; the lint
 * refuses unique fields here, whose check needs the row). */
struct col_set {
    const char *column;
    const char *sql;
    const char *field;
    const char *link; /* ":link": "projects/{id}/customer_report/{token}" below the public URL */
};

enum action_answer {
    ANSWER_ENTITY = 0, /* the row (call.answer_id) as GET renders it, 200 */
    ANSWER_NONE,       /* 204 without a body */
    ANSWER_EMPTY,      /* 200 with an empty body */
    ANSWER_OWN,        /* .render writes the body */
};

/*
 * An action: a route beside the CRUD ones ("PUT /projects/{id}/archive", "GET
 * /projects/assigned"). The dispatcher checks the permission (GET: read of the resource's
 * read_area; other methods: write of its write_area), that the row exists, and for a write opens
 * the transaction, applies .set, runs .fn, emits .event, bumps the data version, commits and
 * answers. .fn only changes rows (through the engine's calls) and never opens a transaction.
 */
struct action {
    const char *method;
    const char *name;                                   /* path segment after /{id} */
    int (*fn)(struct req *r, struct action_call *call); /* own row changes (or a GET's work) */
    unsigned flags;
    const struct col_set *set; /* declared column changes, {0}-terminated */
    const char *event;         /* web hook event of the row; default "update"; "" for none */
    enum action_answer answer;
    int (*render)(struct req *r, struct action_call *call); /* ANSWER_OWN */
    /* Work on the input before the transaction opens (parse it once: engine_parse_create), so
     * that .fn, inside it, only writes rows. */
    int (*prepare)(struct req *r, struct action_call *call);
    /* A bulk create (collection POST): the body's array under this key holds new rows, each
     * parsed before the transaction and created with every rule of a create, all or none (at
     * most BULK_MAX; a problem names the row: "activities[3].date"); answered as an array.
     * .prepare and .fn are the engine's then. */
    const char *bulk;
};
#define BULK_MAX 1000
enum action_flags { A_COLLECTION = 1u << 0 };

enum resource_flags {
    R_NO_LIST = 1u << 0,
    R_NO_GET = 1u << 1,
    R_NO_CREATE = 1u << 2,
    R_NO_UPDATE = 1u << 3,
    R_NO_DELETE = 1u << 4,
    R_READONLY = R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE,
    R_SINGLETON = 1u << 5,      /* GET /path answers the acting user's row (profile) */
    R_VIEW = 1u << 6,           /* another resource owns the table: no DDL from this declaration */
    R_WEBHOOKS = 1u << 7,       /* writes emit web hook events named by .target */
    R_HIDES_INACTIVE = 1u << 9, /* lists show active rows unless include_archived=true */
    R_ARCHIVABLE = (1u << 8) | R_HIDES_INACTIVE, /* and PUT {id}/archive, /unarchive set active
                                                    (and archived_on) */
    R_UNPAGINATED = 1u << 10,    /* the list answers every row, without pagination headers */
    R_AREA_OF_READ = 1u << 11,   /* .area_of: writing such a row needs only the read area of its
                                    kind (whoever may see an entity may comment on it); the
                                    resource's own write_area still applies */
    R_DELETE_RENDERS = 1u << 12, /* DELETE {id} answers 200 with the entity as it was before it
                                    went (MOCO's planning entries and schedules), instead of
                                    .delete_status with an empty body */
};

struct list_query; /* engine/query.h */

/* One column of a totals table: its name, type and SQL expression over the counted row, with
 * "$." before each of the row's columns ("CASE WHEN $.billable = 1 THEN $.seconds ELSE 0 END").
 * Expressions must be deterministic; a key's must never be NULL. */
struct total_col {
    const char *name;
    enum db_coltype type; /* keys: DBT_BIGINT or DBT_TEXT; sums are always DBT_BIGINT */
    const char *sql;
};

/*
 * Totals the database keeps of a resource's rows (engine/totals.c): a table with one row per
 * account and distinct key, holding the number of rows counted (n_rows) and the sums. Triggers
 * on the resource's table change it in the write transaction of every insert, update and delete
 * of a row, whichever code writes it (actions, billing, cascades), so that a report reads a few
 * totals instead of every row. The table and its triggers are made from this declaration at
 * start, and filled from the rows when they are new or the declaration changed. Its primary key
 * is (account_id, the keys in their order): put first the key that reports narrow by ranges of.
 */
struct totals_decl {
    const char *table; /* "totals_..." (`mocod copy` leaves these to the target's triggers) */
    const struct total_col *keys; /* {0}-terminated */
    const struct total_col *sums; /* {0}-terminated */
};

struct resource {
    const char *name; /* "users" */
    const char *path; /* below /api/v1: "users", "users/roles", "account/custom_properties" */
    const char *table;
    const char *target; /* "User": webhook target, tag context, custom-field entity */
    const struct field *fields;
    const struct action *actions;
    unsigned flags;
    /* Nested resources live below one row of a parent: path "account/web_hooks/{id}/deliveries",
     * rows carry the parent's id in parent_fk, and the parent must exist in the account. */
    const struct resource *parent;
    const char *parent_fk;
    /* A nested resource's list across all parents too ("projects/expenses"): the same list,
     * filters and permissions, plus ?{parent_fk}=1,2 (the parents' ids). */
    const char *flat_path;
    /* Permission areas (required: a resource without them refuses to start the server).
     * AREA_ANY: any caller that may read / write at all. */
    enum perm_area write_area;
    enum perm_area read_area;
    /* Rows about another kind of entity, named by this FT_ENUM field's value (a resource's
     * .target: a comment's commentable_type, a tag's context): reading such a row also needs
     * that resource's read area, writing it (create, update: old and new kind, delete, actions)
     * its write area, and lists show only the rows of kinds the caller may read. */
    const char *area_of;
    int delete_status;          /* status of a successful DELETE (empty body); 0: 204; see also
                                   R_DELETE_RENDERS */
    const char *indexes;        /* extra indexes after account_id: "active,id;email" */
    const char *search_extra;   /* one more SQL expression over t that `term` searches */
    const char *global_indexes; /* indexes across accounts (work queues): "status,due;a,b" */
    /* Own list filters (query parameters beyond the declared and global ones). */
    int (*list_filter)(struct req *r, struct list_query *q);
    /* Own rules on input before it is written; id is 0 on create. Runs inside the transaction,
     * also when other fields have problems (so that a 422 names them all): a field that failed
     * its checks is not set. */
    int (*before_save)(struct req *r, struct record *rec, int64_t id);
    /* Own follow-up after a row was written (id is the row's); runs inside the transaction. */
    int (*after_save)(struct req *r, struct record *rec, int64_t id);
    /* Own rules before a delete; runs inside the transaction. */
    int (*before_delete)(struct req *r, int64_t id);
    /* Rows of a person (activities, presences): a user who is not an administrator and may not
     * read .all_area sees, changes and references only the rows whose own_column is the acting
     * user (lists, get, updates, deletes and actions alike; others' rows are 404). Account keys
     * without impersonation see all rows. */
    const char *own_column;
    enum perm_area all_area;
    /* The order of a list without sort_by: this F_SORT field, then id (default: id), as MOCO
     * lists activities by date. */
    const char *default_sort;
    /* Totals kept of the rows for reports (struct totals_decl), {0}-terminated. */
    const struct totals_decl *totals;
};

/* Custom routes that are not CRUD on a resource (session, taggings). */
struct route_decl {
    const char *method;
    const char *pattern; /* "session", "taggings/{w}/{id}" ({w}: a word, {id}: an integer) */
    int (*fn)(struct req *r);
    unsigned flags;
    /* Required: AREA_PUBLIC (no key), AREA_ANY, an area, or AREA_OF_ENTITY (the handler checks
     * the area of the entity it is about). */
    enum perm_area area;
};
/*
 * A view: a report computed from other resources' rows, read-only (GET and HEAD, answered from
 * the read's snapshot, never a write). The engine checks the permission area and parses the
 * declared query parameters, each refused with a 422 naming it, before .fn renders the answer
 * from the arguments (engine/view.c).
 */
enum view_param {
    VP_RANGE = 1u << 0,  /* from, to (YYYY-MM-DD), each defaulting to the first and last day of the
                            current year in the account's time zone; to not before from; at
                            most .max_days days when that is set */
    VP_YEAR = 1u << 1,   /* year: four digits, 1900 to 2100; default the current year */
    VP_ACTIVE = 1u << 2, /* active: true or false (default false) */
    VP_TERM = 1u << 3,   /* term: a text of at most 255 bytes (absent or empty: NULL) */
};
#define VP_ALL (VP_RANGE | VP_YEAR | VP_ACTIVE | VP_TERM)

struct view_args {
    char today[11];        /* in the account's time zone */
    char from[11], to[11]; /* VP_RANGE */
    int ndays;             /* VP_RANGE: the days from..to, both included (when .max_days) */
    int year;              /* VP_YEAR */
    bool active;           /* VP_ACTIVE */
    const char *term;      /* VP_TERM */
    const char *term_like; /* VP_TERM: its pattern for `lower(x) LIKE ? ESCAPE '\'` */
};

struct view {
    const char *pattern; /* below /api/v1, as a route_decl's: "report/utilization" */
    /* Required: an area (its read permission), or AREA_OF_ENTITY (.fn checks the area of the
     * entity it is about: a project's report is also its leaders') */
    enum perm_area area;
    unsigned params; /* enum view_param */
    int max_days;    /* VP_RANGE: at most this many days (0: any) */
    int (*fn)(struct req *r, const struct view_args *a);
};

/* ROUTE_ROOT: the pattern is below the server's root instead of /api/v1, for the few pages mocod
 * serves to people without a key (an offer's customer approval); such a route must be
 * AREA_PUBLIC, reads its own body (a form: at most ROOT_BODY_MAX bytes) and writes through
 * engine_write once it knows the account. */
enum route_flags { ROUTE_WRITE = 1u << 1, ROUTE_ROOT = 1u << 2 };
#define ROOT_BODY_MAX 16384

const struct resource *resource_by_target(const char *target);
const struct field *resource_field(const struct resource *res, const char *name);
const struct field *resource_field_of_type(const struct resource *res, enum field_type type);
/* Decimal places of an FT_DECIMAL or FT_MONEY field (its .scale, else the type's default). */
int field_scale(const struct field *f);

#endif
