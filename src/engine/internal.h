/* Engine internals shared by its files; resources never include this. */
#ifndef MOCOD_ENGINE_INTERNAL_H
#define MOCOD_ENGINE_INTERNAL_H

#include "engine/engine.h"

struct field_rt {
    int col;                  /* first SELECT column of the field, -1 when not selected */
    const struct field **sub; /* FT_REF / FT_HAS_MANY: the target's rendered fields */
    int nsub;
    char *batch_head;             /* FT_HAS_MANY: SELECT ... IN ( */
    char *batch_tail;             /* FT_HAS_MANY: the child's owner column */
    const char *child_filter_col; /* FT_HAS_MANY .child_filter: the children's column */
    char *prefix;                 /* written before the value: `,"name":` (and group braces) */
    size_t prefix_len;
    char **sub_keys;        /* `,"name":` of each sub field */
    size_t *sub_key_lens;   /* their lengths */
    bool group_start;       /* first field of a nested object: its prefix opens it */
    bool group_end;         /* last field of a nested object: closed after the value */
    int when_col;           /* .when: the column the condition reads, -1 for none */
    const char *when_value; /* .when: the value it must have */
    json_t *def;            /* .def, parsed once at start-up */
    /* FT_REF: the first SELECT column of each sub field, and for a sub field that is itself an
     * FT_REF (rendered as an object in the object) its rendered fields */
    int *sub_col;
    struct field_rt *sub_ref;
};

struct res_rt {
    const struct resource *res;
    char *head; /* SELECT t.id, t.created_at, t.updated_at, ... FROM table t LEFT JOIN ... */
    struct field_rt *f;
    int nfields;
    char *tail; /* closes an open group, then `,"created_at":` */
    size_t tail_len;
};

const struct res_rt *rt_of(const struct resource *res);

/* The request's memo (engine/memo.c): -1 when it does not know. Every write tells it first
 * (memo_write), so that it forgets what the write may change. */
int memo_exists(struct req *r, const struct resource *res, int64_t id);
void memo_exists_set(struct req *r, const struct resource *res, int64_t id);
int memo_hooks(struct req *r, const struct resource *res, const char *event);
void memo_hooks_set(struct req *r, const struct resource *res, const char *event, bool yes);
void memo_write(struct req *r, const struct resource *res, bool deleting);
const char *field_column(const struct field *f);
bool field_stored(const struct field *f);
bool field_written(const struct field *f);
bool field_rendered(const struct field *f);
void render_column(strbuf *o, const struct field *f, db_stmt *s, int col);

/* The rows a render covers, as SQL that yields their ids (and its parameters). */
struct row_set {
    const char *where; /* over alias t, includes the account condition */
    const db_param *params;
    int nparams;
    const char *order;
    int64_t limit;
    int64_t offset;
};

/* Appends the JSON of the rows (an array when `array`); n gets their count. */
int render_rows(struct req *r, const struct resource *res, const struct row_set *rs, strbuf *o,
                bool array, int *count);

/* The next free value of a field's number sequence (engine/sequence.c), inside the write. */
int sequence_next(struct req *r, const struct resource *res, const struct field *f,
                  const char *date, const char **out);
bool sequence_pattern_valid(const char *pattern);

/* The write path every change shares: opens the write transaction, runs step (which changes
 * rows and may record field errors), bumps the account's data version and commits; any problem
 * rolls everything back. */
int run_write(struct req *r, int (*step)(struct req *r, void *ctx), void *ctx);
/* Field input helpers of write.c, for declared action inputs. */
const char *field_input_key(const struct field *f);
const char *field_convert(struct req *r, const struct field *f, json_t *j, struct value *v);
db_param field_param(const struct field *f, const struct value *v);

/* The columns of the row that a totals declaration's expressions read, each once, into cols (at
 * most max); their number, or -1 for a "$." without a plain name of fewer than 64 bytes. */
#define TOTALS_MAX_COLUMNS 32
int totals_columns(const struct totals_decl *t, char cols[][64], int max);
/* The resource's totals tables and triggers (engine/totals.c), in the migration's transaction. */
int totals_sync(db *d, db_conn *c, const struct resource *res);

#endif
