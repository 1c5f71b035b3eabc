/* User permission roles (sections/user_roles.md): read-only through the API. */
#include "resources/resources.h"

#define PERMISSION(area)                                                                           \
    {                                                                                              \
        area, FT_TEXT, F_READONLY, .column = "perm_" area, .group = "permission"                   \
    }

static const struct field role_fields[] = {
    {"name", FT_TEXT, F_READONLY | F_SORT},
    {"is_default", FT_BOOL, F_READONLY},
    {"is_admin", FT_BOOL, F_READONLY},
    PERMISSION("report"),
    PERMISSION("companies"),
    PERMISSION("contacts"),
    PERMISSION("people"),
    PERMISSION("purchases"),
    PERMISSION("settings"),
    PERMISSION("sales"),
    PERMISSION("projects"),
    PERMISSION("calendar"),
    PERMISSION("time_tracking"),
    PERMISSION("invoicing"),
    {0},
};

const struct resource res_user_roles = {
    .name = "user_roles",
    .path = "users/roles",
    .table = "user_roles",
    .target = "UserRole",
    .fields = role_fields,
    .flags = R_READONLY | R_UNPAGINATED, /* answered whole, as the other account lists */
    .write_area = AREA_SETTINGS,
    .read_area = AREA_ANY,
};
