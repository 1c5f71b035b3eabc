/* Custom field definitions (sections/account/custom_properties.md). */
#include "resources/resources.h"

static const char *const kinds[] = {"String", "Textarea",    "Link", "Boolean",
                                    "Select", "MultiSelect", "Date", NULL};

static const struct field custom_property_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"name_alt", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"placeholder", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"placeholder_alt", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"entity", FT_ENUM, F_REQUIRED | F_CREATEONLY | F_FILTER | F_SORT, .options = custom_entities},
    {"kind", FT_ENUM, F_REQUIRED | F_CREATEONLY, .options = kinds},
    {"print_on_invoice", FT_BOOL, 0, .def = "false"},
    {"print_on_offer", FT_BOOL, 0, .def = "false"},
    {"print_on_timesheet", FT_BOOL, 0, .def = "false"},
    {"notification_enabled", FT_BOOL, 0, .def = "false"},
    {"api_only", FT_BOOL, F_WRITEONLY, .def = "false"},
    {"defaults", FT_STRLIST, 0, .def = "[]"},
    {0},
};

/* Names are unique per entity: values are addressed by name. */
static int custom_property_before_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *name = record_value(rec, "name");
    struct value *entity = record_value(rec, "entity");
    if (!name->set)
        return 0;
    const char *ent = entity->set ? entity->s : NULL;
    db_param p[4] = {dbp_int(r->account_id), dbp_text(name->s), dbp_int(id),
                     ent ? dbp_text(ent) : dbp_int(id)};
    int64_t taken = 0;
    const char *sql =
        ent ? "SELECT 1 FROM custom_properties WHERE account_id = ? AND name = ? AND id <> ? AND "
              "entity = ?"
            : "SELECT 1 FROM custom_properties WHERE account_id = ? AND name = ? AND id <> ? AND "
              "entity = (SELECT entity FROM custom_properties WHERE id = ?)";
    if (db_query_i64(r->db, sql, p, 4, 0, &taken) != DB_OK)
        return req_fail(r, 500, NULL, "database error");
    if (taken)
        return req_fail(r, 422, "name", "name has already been taken for this entity");
    return 0;
}

static int collect_holders(struct req *r, int64_t id, struct entity_list *out)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    return engine_collect_entities(r,
                                   "SELECT DISTINCT entity, entity_id FROM custom_values WHERE "
                                   "account_id = ? AND property_id = ?",
                                   p, 2, out);
}

/* A renamed field: the entities holding a value show it under the new name. */
static int custom_property_after_save(struct req *r, struct record *rec, int64_t id)
{
    struct entity_list holders;
    if (rec->creating || !record_value(rec, "name")->set)
        return 0;
    return collect_holders(r, id, &holders) ? -1 : engine_refresh_entities(r, &holders);
}

static int custom_property_before_delete(struct req *r, int64_t id)
{
    struct entity_list holders;
    if (collect_holders(r, id, &holders))
        return -1;
    db_param p[2] = {dbp_int(r->account_id), dbp_int(id)};
    if (db_exec(r->db, "DELETE FROM custom_values WHERE account_id = ? AND property_id = ?", p,
                2) != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    return engine_refresh_entities(r, &holders);
}

const struct resource res_custom_properties = {
    .name = "custom_properties",
    .path = "account/custom_properties",
    .table = "custom_properties",
    .target = "CustomProperty",
    .fields = custom_property_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY,
    .before_save = custom_property_before_save,
    .after_save = custom_property_after_save,
    .before_delete = custom_property_before_delete,
};
