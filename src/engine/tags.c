/* Tags and taggings of any taggable entity (the entity's target names the tag context). */
#include "engine/internal.h"
#include "util/timeutil.h"

#include <string.h>

#define TAG_MAXLEN        255
#define DEFAULT_TAG_COLOR "#CCCCCC"

const char *tags_check_names(json_t *names)
{
    if (!json_is_array(names))
        return "must be an array of tag names";
    size_t i;
    json_t *e;
    json_array_foreach(names, i, e)
    {
        if (!json_is_string(e))
            return "must be an array of tag names";
        size_t len = json_string_length(e);
        if (len == 0)
            return "must not contain empty tag names";
        if (len > TAG_MAXLEN)
            return "contains a tag name longer than 255 characters";
    }
    return NULL;
}

/* The id of the tag (context, name), created when missing. */
static int64_t tag_id(struct req *r, const char *context, const char *name)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_text(context), dbp_text(name)};
    int64_t id = 0;
    if (db_query_i64(r->db, "SELECT id FROM tags WHERE account_id = ? AND context = ? AND name = ?",
                     p, 3, 0, &id) != DB_OK)
        return -1;
    if (id)
        return id;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    db_param q[6] = {dbp_int(r->account_id),      dbp_text(now),    dbp_text(now), dbp_text(name),
                     dbp_text(DEFAULT_TAG_COLOR), dbp_text(context)};
    if (db_query_i64(r->db,
                     "INSERT INTO tags (account_id, created_at, updated_at, name, color, context) "
                     "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                     q, 6, 0, &id) != DB_OK)
        return -1;
    return id;
}

int tags_replace(struct req *r, const char *context, int64_t entity_id, json_t *names,
                 bool add_only)
{
    if (!add_only) {
        db_param p[3] = {dbp_int(r->account_id), dbp_text(context), dbp_int(entity_id)};
        if (db_exec(r->db,
                    "DELETE FROM taggings WHERE account_id = ? AND entity = ? AND entity_id = ?", p,
                    3) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    size_t i;
    json_t *e;
    json_array_foreach(names, i, e)
    {
        int64_t id = tag_id(r, context, json_string_value(e));
        if (id <= 0)
            return req_fail(r, 500, NULL, "database error");
        db_param p[7] = {dbp_int(r->account_id), dbp_int(id), dbp_text(context),
                         dbp_int(entity_id),     dbp_int(id), dbp_text(context),
                         dbp_int(entity_id)};
        if (db_exec(r->db,
                    "INSERT INTO taggings (account_id, tag_id, entity, entity_id) "
                    "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM taggings WHERE tag_id = ? "
                    "AND entity = ? AND entity_id = ?)",
                    p, 7) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    return 0;
}

int tags_remove(struct req *r, const char *context, int64_t entity_id, json_t *names)
{
    size_t i;
    json_t *e;
    json_array_foreach(names, i, e)
    {
        db_param p[5] = {dbp_int(r->account_id), dbp_text(context), dbp_int(entity_id),
                         dbp_int(r->account_id), dbp_text(json_string_value(e))};
        if (db_exec(r->db,
                    "DELETE FROM taggings WHERE account_id = ? AND entity = ? AND entity_id = ? "
                    "AND tag_id IN (SELECT id FROM tags WHERE account_id = ? AND context = entity "
                    "AND name = ?)",
                    p, 5) != DB_DONE)
            return req_fail(r, 500, NULL, "database error");
    }
    return 0;
}

int tags_render_names(struct req *r, const char *context, int64_t entity_id, strbuf *out)
{
    db_param p[3] = {dbp_int(r->account_id), dbp_text(context), dbp_int(entity_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT tt.name FROM taggings tg JOIN tags tt ON tt.id = tg.tag_id "
                          "WHERE tg.account_id = ? AND tg.entity = ? AND tg.entity_id = ? "
                          "ORDER BY tt.name",
                          p, 3);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    sb_addc(out, '[');
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n++)
            sb_addc(out, ',');
        sb_add_json_str(out, db_col_text(s, 0), db_col_len(s, 0));
    }
    db_done(s);
    sb_addc(out, ']');
    return rc == DB_DONE ? 0 : req_fail(r, 500, NULL, "database error");
}
