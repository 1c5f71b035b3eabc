/* Project payment schedules (sections/project_payment_schedules.md): the planned partial bills of
 * a fixed-price project, nested under the project and listed across projects
 * (GET /projects/payment_schedules). Deletes answer 200 with the deleted entity's JSON, as
 * MOCO's do. */
#include "resources/resources.h"

static const struct field payment_schedule_fields[] = {
    {"date", FT_DATE, F_REQUIRED | F_SORT, .range = "from,to"},
    {"title", FT_TEXT, 0, .def = "\"\"", .maxlen = 255},
    {"description", FT_TEXT, 0, .def = "\"\""},
    {"net_total", FT_MONEY, F_REQUIRED | F_SORT},
    {"project", FT_REF, F_READONLY, .ref = &res_projects, .ref_fields = "id,identifier,name"},
    {"checked", FT_BOOL, F_FILTER, .def = "false"},
    /* billing a schedule on an invoice is MOCO's web interface's (no API): never set here */
    {"billed", FT_BOOL, F_READONLY, .def = "false"},
    {0},
};

/* title and description are texts: null clears them to "" (as the docs render them). */
static int payment_schedule_before_save(struct req *r, struct record *rec, int64_t id)
{
    (void)r;
    (void)id;
    static const char *const texts[] = {"title", "description"};
    for (int i = 0; i < 2; i++) {
        struct value *v = record_value(rec, texts[i]);
        if (v->set && v->null) {
            v->null = false;
            v->s = "";
        }
    }
    return 0;
}

/* ?company_id=: the schedules of that customer's projects (the flat list's filter). */
static int payment_schedule_list_filter(struct req *r, struct list_query *q)
{
    (void)r;
    return lq_id_list(q, "company_id",
                      "t.project_id IN (SELECT p.id FROM projects p WHERE p.account_id = "
                      "t.account_id AND p.customer_id IN (%s))",
                      1);
}

const struct resource res_project_payment_schedules = {
    .name = "project_payment_schedules",
    .path = "projects/{id}/payment_schedules",
    .flat_path = "projects/payment_schedules",
    .table = "project_payment_schedules",
    .target = "Project::PaymentSchedule",
    .fields = payment_schedule_fields,
    .flags = R_WEBHOOKS | R_DELETE_RENDERS,
    .parent = &res_projects,
    .parent_fk = "project_id",
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
    .default_sort = "date",
    .list_filter = payment_schedule_list_filter,
    .before_save = payment_schedule_before_save,
};
