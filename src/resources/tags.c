/* Tags (sections/tags/tags.md) and taggings (sections/tags/taggings.md). */
#include "resources/resources.h"
#include "util/parse.h"

#include <stdlib.h>
#include <string.h>

static const struct field tag_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_UNIQUE, .maxlen = 255, .unique_scope = "context"},
    {"color", FT_TEXT, 0, .def = "\"#CCCCCC\"", .check = check_hex_color},
    {"context", FT_ENUM, F_REQUIRED | F_CREATEONLY | F_FILTER | F_SORT, .options = tag_contexts},
    {0},
};

/* A renamed tag: the entities carrying it show the new name. */
static int tag_after_save(struct req *r, struct record *rec, int64_t id)
{
    if (rec->creating || !record_value(rec, "name")->set)
        return 0;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    struct entity_list tagged;
    if (engine_collect_entities(
            r, "SELECT entity, entity_id FROM taggings WHERE account_id = ? AND tag_id = ?", p, 2,
            &tagged))
        return -1;
    return engine_refresh_entities(r, &tagged);
}

/* merge_tag_id (query or body): the tagged entities get that tag before this one goes. */
static int tag_before_delete(struct req *r, int64_t id)
{
    db_param t[2] = {dbp_int(r->account_id), dbp_int(id)};
    struct entity_list tagged;
    if (engine_collect_entities(
            r, "SELECT entity, entity_id FROM taggings WHERE account_id = ? AND tag_id = ?", t, 2,
            &tagged))
        return -1;
    const char *merge = req_query(r, "merge_tag_id");
    int64_t target = 0;
    json_t *j = r->body ? json_object_get(r->body, "merge_tag_id") : NULL;
    if (merge && *merge) {
        if (!parse_i64(merge, &target) || target <= 0)
            return req_fail(r, 422, "merge_tag_id", "merge_tag_id must be a tag id");
    } else if (json_is_integer(j)) {
        target = json_integer_value(j);
    } else if (j && !json_is_null(j)) {
        return req_fail(r, 422, "merge_tag_id", "merge_tag_id must be a tag id");
    }
    if (target) {
        if (target == id)
            return req_fail(r, 422, "merge_tag_id", "a tag cannot be merged into itself");
        db_param p[3] = {dbp_int(target), dbp_int(r->account_id), dbp_int(id)};
        int64_t same = 0;
        if (db_query_i64(r->db,
                         "SELECT 1 FROM tags m WHERE m.id = ? AND m.account_id = ? AND m.context = "
                         "(SELECT context FROM tags WHERE id = ?)",
                         p, 3, 0, &same) != DB_OK)
            return req_fail(r, 500, NULL, "database error");
        if (!same)
            return req_fail(r, 422, "merge_tag_id",
                            "merge_tag_id must be another tag of the same context");
        db_param q[3] = {dbp_int(target), dbp_int(id), dbp_int(target)};
        if (db_exec(r->db,
                    "INSERT INTO taggings (account_id, tag_id, entity, entity_id) "
                    "SELECT tg.account_id, ?, tg.entity, tg.entity_id FROM taggings tg WHERE "
                    "tg.tag_id = ? AND NOT EXISTS (SELECT 1 FROM taggings o WHERE o.tag_id = ? "
                    "AND o.entity = tg.entity AND o.entity_id = tg.entity_id)",
                    q, 3) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    db_param d[2] = {dbp_int(r->account_id), dbp_int(id)};
    if (db_exec(r->db, "DELETE FROM taggings WHERE account_id = ? AND tag_id = ?", d, 2) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    return engine_refresh_entities(r, &tagged);
}

const struct resource res_tags = {
    .name = "tags",
    .path = "tags",
    .table = "tags",
    .target = "Tag",
    .fields = tag_fields,
    .write_area = AREA_ANY,
    .read_area = AREA_ANY,
    .area_of = "context", /* managed by who may edit that kind of entity */
    .indexes = "context,name",
    .after_save = tag_after_save,
    .before_delete = tag_before_delete,
};

/* ------------------------------------------------------------- taggings */

/* The taggable entity named by the path: the caller may read (or write) its kind, and it exists
 * in the account. */
static const struct resource *tagged_entity(struct req *r, bool write)
{
    const char *entity = r->words[0];
    bool listed = false;
    for (const char *const *c = tag_contexts; *c; c++)
        listed = listed || !strcmp(*c, entity);
    if (!listed) {
        strbuf all;
        sb_init(&all, r->arena, 128);
        for (const char *const *c = tag_contexts; *c; c++)
            sb_addf(&all, "%s%s", c == tag_contexts ? "" : ", ", *c);
        req_fail(r, 422, "entity", "entity must be one of %s", all.buf);
        return NULL;
    }
    const struct resource *res = resource_by_target(entity);
    /* the permission comes first: a refused caller learns nothing about which ids exist */
    if (res && resource_field_of_type(res, FT_TAGS) &&
        (write ? req_require_write(r, res->write_area) : req_require_read(r, res->read_area)))
        return NULL;
    if (!res || !resource_field_of_type(res, FT_TAGS) || !engine_exists(r, res, r->ids[0])) {
        req_fail(r, 404, NULL, "%s %lld not found", entity, (long long)r->ids[0]);
        return NULL;
    }
    return res;
}

static int render_taggings(struct req *r, const struct resource *res)
{
    r->status = 200;
    return tags_render_names(r, res->target, r->ids[0], &r->out);
}

static int taggings_get(struct req *r)
{
    const struct resource *res = tagged_entity(r, false);
    if (!res)
        return -1;
    return render_taggings(r, res);
}

/* PATCH adds, PUT replaces, DELETE removes the given tags (inside the engine's write). */
static int taggings_change(struct req *r)
{
    const struct resource *res = tagged_entity(r, true);
    if (!res)
        return -1;
    json_t *names = r->body ? json_object_get(r->body, "tags") : NULL;
    const char *problem = names ? tags_check_names(names) : "is required";
    if (problem)
        return req_fail(r, 422, "tags", "tags %s", problem);
    int rc;
    if (!strcmp(r->method, "DELETE"))
        rc = tags_remove(r, res->target, r->ids[0], names);
    else
        rc = tags_replace(r, res->target, r->ids[0], names, !strcmp(r->method, "PATCH"));
    if (rc || engine_entity_changed(r, res, r->ids[0]))
        return r->err_message ? -1 : req_fail(r, 500, NULL, "could not change the tags");
    return render_taggings(r, res);
}

const struct route_decl tagging_routes[] = {
    {"GET", "taggings/{w}/{id}", taggings_get, 0, AREA_OF_ENTITY},
    {"PATCH", "taggings/{w}/{id}", taggings_change, ROUTE_WRITE, AREA_OF_ENTITY},
    {"PUT", "taggings/{w}/{id}", taggings_change, ROUTE_WRITE, AREA_OF_ENTITY},
    {"DELETE", "taggings/{w}/{id}", taggings_change, ROUTE_WRITE, AREA_OF_ENTITY},
    {0},
};
