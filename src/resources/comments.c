/* Comments on entities (sections/comments.md), with bulk creation and attachments. */
#include "resources/resources.h"
#include "resources/comments_html.h"

#include "util/timeutil.h"

#include <string.h>
#include <strings.h>

#define BULK_ATTACHMENTS_MAX (20u * 1024 * 1024) /* decoded bytes that one bulk request stores */

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

static const struct field comment_fields[] = {
    {"commentable_id", FT_INT, F_REQUIRED | F_FILTER},
    {"commentable_type", FT_ENUM, F_REQUIRED | F_FILTER, .options = commentable_types},
    {"text", FT_TEXT, F_REQUIRED, .maxlen = 100000},
    {"manual", FT_BOOL, F_READONLY | F_FILTER, .def = "true"},
    {"user", FT_REF, F_READONLY | F_FILTER | F_ACTING_USER, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"impersonating_user", FT_REF, F_READONLY, .ref = &res_users,
     .ref_fields = "id,firstname,lastname", .when = "impersonating_user"},
    {"attachment", FT_FILE, F_WRITEONLY | F_CREATEONLY, .input = "attachment_content",
     .filename_input = "attachment_filename"},
    {0},
};

/* The end of the tag starting at p ('<'), quoted attribute values skipped; NULL if none. */
static const char *tag_end(const char *p)
{
    char quote = 0;
    for (p++; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Keeps the tags MOCO keeps (without attributes) and the text of all others. A '<' that does not
 * start a tag ("1 < 2", or a tag never closed) stays text, escaped. */
static char *sanitize_html(arena *a, const char *in)
{
    static const char *const allowed[] = {"div", "strong", "em", "u",  "pre",
                                          "ul",  "ol",     "li", "br", NULL};
    strbuf o;
    sb_init(&o, a, strlen(in) + 16);
    for (const char *p = in; *p;) {
        const char *name = p + 1 + (p[1] == '/');
        const char *end = *p == '<' && is_letter(*name) ? tag_end(p) : NULL;
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
    return o.buf;
}

static int comment_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *text = record_value(rec, "text");
    if (text->set && !text->null)
        text->s = sanitize_html(r->arena, text->s);
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
    db_param p[2] = {dbp_int(id), dbp_int(r->account_id)};
    int64_t manual = 1;
    db_query_i64(r->db, "SELECT manual FROM comments WHERE id = ? AND account_id = ?", p, 2, 1,
                 &manual);
    if (!manual)
        return req_fail(r, 403, NULL, "generated comments cannot be deleted");
    return 0;
}

/* POST /comments/bulk: the same comment on several entities, all or none. */
static int comments_bulk(struct req *r, struct action_call *call)
{
    json_t *ids = r->body ? json_object_get(r->body, "commentable_ids") : NULL;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return req_fail(r, 422, "commentable_ids", "commentable_ids must be a list of ids");
    if (json_array_size(ids) > 1000)
        return req_fail(r, 422, "commentable_ids", "at most 1000 ids at once");
    size_t i;
    json_t *cid;
    json_array_foreach(ids, i, cid) if (!json_is_integer(cid)) return req_fail(
        r, 422, "commentable_ids", "commentable_ids must be a list of ids");
    /* one request's work stays bounded: the attachment is stored with every comment */
    json_t *content = json_object_get(r->body, "attachment_content");
    if (json_is_string(content) &&
        json_string_length(content) / 4 * 3 * json_array_size(ids) > BULK_ATTACHMENTS_MAX)
        return req_fail(r, 422, "attachment_content",
                        "attachment_content times commentable_ids is larger than 20 MiB");
    json_t *one = json_deep_copy(r->body);
    json_object_del(one, "commentable_ids");
    call->made = arena_calloc(r->arena, json_array_size(ids), sizeof(int64_t));
    int rc = 0;
    json_array_foreach(ids, i, cid)
    {
        json_object_set(one, "commentable_id", cid);
        if ((rc = engine_insert(r, call->res, 0, one, &call->made[i])) != 0)
            break;
        call->nmade++;
    }
    json_decref(one);
    return rc;
}

static const struct action comment_actions[] = {
    {"POST", "bulk", comments_bulk, A_COLLECTION},
    {0},
};

const struct resource res_comments = {
    .name = "comments",
    .path = "comments",
    .table = "comments",
    .target = "Comment",
    .fields = comment_fields,
    .actions = comment_actions,
    .flags = R_WEBHOOKS,
    .write_area = AREA_ANY,
    .read_area = AREA_ANY,
    .indexes = "commentable_type,commentable_id",
    .before_save = comment_before_save,
    .after_save = comment_after_save,
    .before_delete = comment_before_delete,
};

/* For the fuzz target fuzz/fuzz_sanitize.c (declared in comments_html.h). */
char *comments_sanitize_html(arena *a, const char *in)
{
    return sanitize_html(a, in);
}
