/* Units / teams (sections/units.md). A unit with staff cannot be deleted (users.unit restricts). */
#include "resources/resources.h"

static const struct field unit_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"users", FT_HAS_MANY, 0, .ref = &res_users, .fk = "unit_id",
     .ref_fields = "id,firstname,lastname,email"},
    {"custom_properties", FT_CUSTOM},
    {0},
};

const struct resource res_units = {
    .name = "units",
    .path = "units",
    .table = "units",
    .target = "Unit",
    .fields = unit_fields,
    .write_area = AREA_PEOPLE,
    .read_area = AREA_ANY,
};
