/* Comments on entities (sections/comments.md), with bulk creation and attachments. */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <string.h>
#include <strings.h>

static const char *const commentable_types[] = {
    "Company",
    "Contact",
    "Deal",
    "DeliveryNote",
    "Expense",
    "Invoice",
    "InvoiceBookkeepingExport",
    "InvoiceDeletion",
    "InvoiceReminder",
    "Offer",
    "OfferConfirmation",
    "Project",
    "ProjectGroup",
    "Purchase",
    "PurchaseBookkeepingExport",
    "PurchaseDraft",
    "Receipt",
    "ReceiptRefundRequest",
    "RecurringExpense",
    "Unit",
    "User",
    "UserHolidayRequest",
    NULL,
};

static const char *clean_text(arena *a, const char *in);

static const struct field comment_fields[] = {
    {"commentable_id", FT_INT, F_REQUIRED | F_FILTER},
    {"commentable_type", FT_ENUM, F_REQUIRED | F_FILTER, .options = commentable_types},
    {"text", FT_TEXT, F_REQUIRED, .maxlen = 100000, .transform = clean_text},
    {"manual", FT_BOOL, F_READONLY | F_FILTER, .def = "true"},
    {"user", FT_REF, F_READONLY | F_FILTER | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"impersonating_user", FT_REF, F_READONLY, .ref = &res_users,
     .ref_fields = "id,firstname,lastname", .when = "impersonating_user"},
    {"attachment", FT_FILE, F_WRITEONLY | F_CREATEONLY, .input = "attachment_content",
     .filename_input = "attachment_filename"},
    {0},
};

/* The end of the tag starting at p ('<'): its '>', quoted attribute values skipped; NULL when
 * another '<' or the end of the text comes first. Stopping at the next '<' keeps the clean-up
 * linear: each byte is looked at here at most once (from the '<' before it), so that text full of
 * tags that never close ("<a<a<a...") costs no more than any other text of its length. A '<'
 * inside a quoted attribute value thus ends the attempt too: the '<' stays text, escaped. */
static const char *tag_end(const char *p, size_t *scanned)
{
    char quote = 0;
    const char *start = p;
    for (p++; *p && *p != '<'; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            *scanned += (size_t)(p - start);
            return p;
        }
    }
    *scanned += (size_t)(p - start);
    return NULL;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char *comment_clean_html(arena *a, const char *in, size_t *scanned)
{
    static const char *const allowed[] = {"div", "strong", "em", "u",  "pre",
                                          "ul",  "ol",     "li", "br", NULL};
    size_t work = 0;
    strbuf o;
    sb_init(&o, a, strlen(in) + 16);
    for (const char *p = in; *p;) {
        const char *name = p + 1 + (p[1] == '/');
        const char *end = *p == '<' && is_letter(*name) ? tag_end(p, &work) : NULL;
        work++;
        if (!end) {
            if (*p == '<')
                sb_adds(&o, "&lt;");
            else
                sb_addc(&o, *p);
            p++;
            continue;
        }
        bool closing = p[1] == '/';
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        for (const char *const *t = allowed; *t; t++) {
            if (strlen(*t) == n && !strncasecmp(name, *t, n)) {
                sb_addf(&o, "<%s%s>", closing ? "/" : "", *t);
                break;
            }
        }
        p = end + 1;
    }
    if (scanned)
        *scanned = work;
    return o.buf;
}

/* The text is cleaned when the input is parsed, before the write transaction opens. */
static const char *clean_text(arena *a, const char *in)
{
    return comment_clean_html(a, in, NULL);
}

/* A comment is changed or deleted by its author or an administrator. */
static int require_author(struct req *r, int64_t id)
{
    if (r->admin)
        return 0;
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    int64_t author = 0;
    if (db_query_i64(r->db, "SELECT user_id FROM comments WHERE id = ? AND account_id = ?", p, 2, 0,
                     &author) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (!r->user_id || author != r->user_id)
        return req_fail(r, 403, NULL, "only its author or an administrator may change a comment");
    return 0;
}

static int comment_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id && require_author(r, id))
        return -1;
    struct value *type = record_value(rec, "commentable_type");
    struct value *cid = record_value(rec, "commentable_id");
    if (id && (type->set || cid->set)) { /* moving a comment: the new place must exist too */
        db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
        db_stmt *s = db_query(r->db,
                              "SELECT commentable_type, commentable_id FROM comments WHERE id = ? "
                              "AND account_id = ?",
                              p, 2);
        if (s && db_step(s) == DB_ROW) {
            if (!type->set) {
                type->set = true;
                type->s = arena_strdup(r->arena, db_col_text(s, 0));
            }
            if (!cid->set) {
                cid->set = true;
                cid->i = db_col_i64(s, 1);
            }
        }
        db_done(s);
    }
    if (!type->set || !cid->set)
        return 0;
    const struct resource *target = resource_by_target(type->s);
    if (!target)
        return req_fail(r, 422, "commentable_type", "comments on %s are not available in mocod yet",
                        type->s);
    if (!engine_exists(r, target, cid->i))
        return req_fail(r, 422, "commentable_id", "%s %lld does not exist", type->s,
                        (long long)cid->i);
    if (id)
        return 0;
    struct value *imp = record_value(rec, "impersonating_user");
    if (r->key_user_id && r->key_user_id != r->user_id) {
        imp->set = true;
        imp->i = r->key_user_id;
    }
    return 0;
}

/* created_at may be given when migrating data. */
static int comment_after_save(struct req *r, struct record *rec, int64_t id)
{
    if (!rec->creating)
        return 0;
    json_t *created = r->body ? json_object_get(r->body, "created_at") : NULL;
    if (json_is_string(created)) {
        time_t t;
        if (!time_parse_iso(json_string_value(created), &t))
            return req_fail(r, 422, "created_at", "created_at must be an ISO 8601 time");
        char iso[TIMESTAMP_LEN + 1];
        time_format_iso(t, iso);
        db_param p[3] = {dbp_text(iso), dbp_int(id), dbp_int(r->account_id)};
        if (db_exec(r->db, "UPDATE comments SET created_at = ? WHERE id = ? AND account_id = ?", p,
                    3) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    return 0;
}

/* Only comments people wrote can be deleted; generated ones stay. */
static int comment_before_delete(struct req *r, int64_t id)
{
    if (require_author(r, id))
        return -1;
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    int64_t manual = 1;
    db_query_i64(r->db, "SELECT manual FROM comments WHERE id = ? AND account_id = ?", p, 2, 1,
                 &manual);
    if (!manual)
        return req_fail(r, 403, NULL, "generated comments cannot be deleted");
    return 0;
}

/* One bulk request writes at most this many bytes of text in all (the cleaned text times the
 * number of entities; its events hold as much again): its work, and the time it holds the write
 * lock, stay bounded. An attachment costs a row per entity: its content is stored once. */
#define BULK_IDS_MAX  1000
#define BULK_TEXT_MAX (16u * 1024 * 1024)

struct bulk {
    json_t *ids;
    struct record *rec;
};

/* POST /comments/bulk, before the transaction: the ids checked, the comment parsed once (its
 * text cleaned, its attachment decoded) for all of them. */
static int comments_bulk_prepare(struct req *r, struct action_call *call)
{
    json_t *ids = r->body ? json_object_get(r->body, "commentable_ids") : NULL;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return req_fail(r, 422, "commentable_ids", "commentable_ids must be a list of ids");
    if (json_array_size(ids) > BULK_IDS_MAX)
        return req_fail(r, 422, "commentable_ids", "at most %d ids at once", BULK_IDS_MAX);
    size_t i;
    json_t *cid;
    json_array_foreach(ids, i, cid) if (!json_is_integer(cid)) return req_fail(
        r, 422, "commentable_ids", "commentable_ids must be a list of ids");
    json_t *one = json_copy(r->body); /* shallow: the values (the attachment) are shared */
    if (!one)
        return req_fail(r, 500, NULL, "out of memory");
    req_keep(r, one);
    json_object_del(one, "commentable_ids");
    json_object_set(one, "commentable_id", json_array_get(ids, 0));
    struct bulk *b = arena_calloc(r->arena, 1, sizeof(*b));
    b->ids = ids;
    if (engine_parse_create(r, call->res, one, &b->rec))
        return -1;
    struct value *text = record_value(b->rec, "text");
    if (text->set && text->s && strlen(text->s) * json_array_size(ids) > BULK_TEXT_MAX)
        return req_fail(r, 422, "text", "text times commentable_ids is longer than 16 MiB");
    call->ctx = b;
    return 0;
}

/* POST /comments/bulk: the same comment on several entities, all or none. */
static int comments_bulk(struct req *r, struct action_call *call)
{
    struct bulk *b = call->ctx;
    size_t n = json_array_size(b->ids);
    call->made = arena_calloc(r->arena, n, sizeof(int64_t));
    struct value *cid = record_value(b->rec, "commentable_id");
    for (size_t i = 0; i < n; i++) {
        cid->set = true;
        cid->null = false;
        cid->i = json_integer_value(json_array_get(b->ids, i));
        if (engine_insert_parsed(r, call->res, b->rec, 0, &call->made[i]))
            return -1;
        call->nmade++;
    }
    return 0;
}

static const struct action comment_actions[] = {
    {"POST", "bulk", comments_bulk, A_COLLECTION, .prepare = comments_bulk_prepare},
    {0},
};

const struct resource res_comments = {
    .name = "comments",
    .path = "comments",
    .table = "comments",
    .target = "Comment",
    .fields = comment_fields,
    .actions = comment_actions,
    .flags = R_WEBHOOKS | R_AREA_OF_READ,
    .write_area = AREA_ANY,
    .read_area = AREA_ANY,
    .area_of = "commentable_type", /* comments on a Deal need sales, ... */
    /* who may see an entity may comment on it; changing a comment is its author's (before_save) */
    .indexes = "commentable_type,commentable_id",
    .before_save = comment_before_save,
    .after_save = comment_after_save,
    .before_delete = comment_before_delete,
};
