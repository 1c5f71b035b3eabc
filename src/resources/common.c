#include "resources/resources.h"

#include "util/money.h"

#include <stdlib.h>
#include <string.h>

const char *const tag_contexts[] = {"Company", "Contact", "Project", "Deal", "Purchase",
                                    "Invoice", "Offer",   "User",    NULL};

const char *check_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strpbrk(s, " \t\r\n") ||
        at[1] == '.' || s[strlen(s) - 1] == '.')
        return "is not a valid email address";
    return NULL;
}

const char *check_hex_color(const char *s)
{
    if (s[0] != '#' || strlen(s) != 7 || strspn(s + 1, "0123456789abcdefABCDEF") != 6)
        return "must be a hex color like #ABC123";
    return NULL;
}

int filter_by_tag_names(struct list_query *q, const char *param)
{
    return filter_by_tags_of(q, param, q->res->target, "t.id");
}

int filter_by_tags_of(struct list_query *q, const char *param, const char *context,
                      const char *id_sql)
{
    const char *v = req_query(q->r, param);
    if (!v || !*v)
        return 0;
    strbuf in;
    sb_init(&in, q->r->arena, 256);
    sb_addf(&in,
            "%s IN (SELECT tg.entity_id FROM taggings tg JOIN tags tt ON tt.id = tg.tag_id "
            "WHERE tt.account_id = ? AND tt.context = ? AND tt.name IN (",
            id_sql);
    lq_param(q, dbp_int(q->r->account_id));
    lq_param(q, dbp_text(context));
    int n = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        sb_adds(&in, n++ ? ", ?" : "?");
        lq_param(q, dbp_text(arena_strndup(q->r->arena, p, trimmed)));
        p += len;
    }
    if (!n) {
        q->nparams -= 2;
        return 0;
    }
    sb_adds(&in, ") AND tg.entity = ?)");
    lq_param(q, dbp_text(context));
    lq_where(q, in.buf);
    return 0;
}

/* An item created without net_total gets quantity x unit_price, rounded to cents half away from
 * zero (the line rule of docs/api-conventions.md, "Money"); without both, 0. */
int items_line_total(struct req *r, struct record *rec, int64_t id)
{
    struct value *total = record_value(rec, "net_total");
    struct value *qty = record_value(rec, "quantity");
    struct value *price = record_value(rec, "unit_price");
    if (id || total->set)
        return 0;
    int64_t units = 0;
    if (qty->set && !qty->null && price->set && !price->null &&
        money_mul(qty->i, field_scale(resource_field(rec->res, "quantity")), price->i,
                  field_scale(resource_field(rec->res, "unit_price")),
                  field_scale(resource_field(rec->res, "net_total")), &units) != MONEY_OK)
        req_field_error(r, "net_total", "is out of range");
    total->set = true;
    total->null = false;
    total->i = units;
    return 0;
}

/* The body of a disregard (activities, project expenses): a non-empty list of at most BULK_MAX
 * ids under ids_key and a reason; problems are named (req_field_error), the caller fails after
 * checking its own keys. The ids are kept in the arena. */
void disregard_input(struct req *r, const char *ids_key, struct disregard_input *d)
{
    json_t *body = r->body && json_is_object(r->body) ? r->body : NULL;
    json_t *ids = body ? json_object_get(body, ids_key) : NULL;
    json_t *reason = body ? json_object_get(body, "reason") : NULL;
    memset(d, 0, sizeof(*d));
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        req_field_error(r, ids_key, "must be a non-empty list of ids");
    else if (json_array_size(ids) > BULK_MAX)
        req_field_error(r, ids_key, "at most %d ids at once", BULK_MAX);
    else {
        d->ids = arena_calloc(r->arena, json_array_size(ids), sizeof(int64_t));
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            if (!json_is_integer(v)) {
                req_field_error(r, ids_key, "must be a non-empty list of ids");
                break;
            }
            d->ids[d->n++] = json_integer_value(v);
        }
    }
    if (!json_is_string(reason) || !json_string_length(reason))
        req_field_error(r, "reason", "can't be blank");
    else if (json_string_length(reason) > 10000)
        req_field_error(r, "reason", "is longer than 10000 bytes");
    else
        d->reason = json_string_value(reason);
}

/* A bookkeeping export's documents (invoices, purchases), named by ids_field (the engine checked
 * that they are the account's): none a draft, none exported before; the export's from and to
 * are their first and last date. */
int bookkeeping_export_dates(struct req *r, struct record *rec, const char *ids_field,
                             const struct resource *docs, const char *noun)
{
    struct value *ids = record_value(rec, ids_field);
    if (!ids->set || ids->null || r->err_fields)
        return -1;
    if (json_array_size(ids->j) == 0)
        req_field_error(r, ids_field, "can't be empty");
    const char *from = NULL, *to = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(ids->j, i, v)
    {
        int64_t doc = json_integer_value(v);
        const char *status = engine_stored_text(r, docs, doc, "status");
        if (status && !strcmp(status, "draft"))
            req_field_error(r, ids_field, "%s %lld is a draft", noun, (long long)doc);
        else if (engine_stored_int(r, docs, doc, "exported"))
            req_field_error(r, ids_field, "%s %lld is exported already", noun, (long long)doc);
        const char *date = engine_stored_text(r, docs, doc, "date");
        if (date && (!from || strcmp(date, from) < 0))
            from = date;
        if (date && (!to || strcmp(date, to) > 0))
            to = date;
    }
    if (r->err_fields)
        return -1;
    struct value *f = record_value(rec, "from"), *u = record_value(rec, "to");
    f->set = u->set = true;
    f->null = u->null = false;
    f->s = from;
    u->s = to;
    return 0;
}
