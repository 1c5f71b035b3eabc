/* Task templates (sections/account/task_templates.md) and the catalog of services with their
 * items (sections/account/catalog_services.md). */
#include "resources/resources.h"

#include "util/money.h"

#include <string.h>

static const struct field task_template_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"description", FT_TEXT, 0, .def = "\"\""},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {"billable", FT_BOOL, 0, .def = "true"},
    {"project_default", FT_BOOL, 0, .def = "false"},
    {"index", FT_INT, F_SORT, .column = "position", .def = "0"},
    {"revenue_category_id", FT_INT, F_WRITEONLY},
    {0},
};

const struct resource res_task_templates = {
    .name = "task_templates",
    .path = "account/task_templates",
    .table = "task_templates",
    .target = "TaskTemplate",
    .fields = task_template_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY,
};

static const char *const item_types[] = {"title",    "description", "item", "page-break",
                                         "subtotal", "separator",   NULL};

static const struct field catalog_item_fields[] = {
    {"type", FT_ENUM, 0, .options = item_types, .def = "\"item\""},
    {"title", FT_TEXT, 0, .maxlen = 1000},
    {"description", FT_TEXT},
    {"quantity", FT_DECIMAL},
    {"unit", FT_TEXT, 0, .maxlen = 64},
    {"unit_price", FT_MONEY},
    {"net_total", FT_MONEY}, /* given, else quantity x unit_price (items_line_total) */
    {"unit_cost", FT_MONEY, 0, .def = "0"},
    {"optional", FT_BOOL, 0, .def = "false"},
    {"part", FT_BOOL, 0, .def = "false"},
    {"additional", FT_BOOL, 0, .def = "false"},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"},
    {"revenue_category_id", FT_INT, F_WRITEONLY},
    {0},
};

const struct resource res_catalog_items = {
    .name = "catalog_items",
    .path = "account/catalog_services/{id}/items",
    .table = "catalog_items",
    .target = "CatalogItem",
    .fields = catalog_item_fields,
    .parent = &res_catalog_services,
    .parent_fk = "service_id",
    .before_save = items_line_total,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY,
};

static const struct field catalog_service_fields[] = {
    {"title", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 1000},
    /* items come with the service on create; afterwards they have their own endpoints */
    {"items", FT_HAS_MANY, F_WITH_PARENT, .ref = &res_catalog_items, .fk = "service_id",
     .ref_fields = "id,type,title,description,quantity,unit,unit_price,net_total,unit_cost,"
                   "optional,part,additional,revenue_category,created_at,updated_at"},
    {0},
};

const struct resource res_catalog_services = {
    .name = "catalog_services",
    .path = "account/catalog_services",
    .table = "catalog_services",
    .target = "CatalogService",
    .fields = catalog_service_fields,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY,
};
