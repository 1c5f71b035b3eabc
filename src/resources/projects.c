/* Projects (sections/projects.md) with their groups, tasks and contracts
 * (project_groups.md, project_tasks.md, project_contracts.md). */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <string.h>

static const char *const billing_variants[] = {"project", "task", "user", NULL};

/* ------------------------------------------------------------- project groups */

static const struct field project_group_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"user", FT_REF, F_FILTER, .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {"company", FT_REF, F_FILTER, .ref = &res_companies},
    {"budget", FT_MONEY},
    {"currency", FT_TEXT, 0, .maxlen = 3},
    {"info", FT_TEXT, 0, .def = "\"\""},
    {"custom_properties", FT_CUSTOM},
    {"customer_report_url", FT_EXPR, 0, .sql = "NULL"},
    {"projects", FT_HAS_MANY, 0, .ref = &res_projects, .fk = "project_group_id",
     .ref_fields = "id,identifier,name,active,budget"},
    {0},
};

const struct resource res_project_groups = {
    .name = "project_groups",
    .path = "projects/groups",
    .table = "project_groups",
    .target = "ProjectGroup",
    .fields = project_group_fields,
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
};

/* ------------------------------------------------------------- projects */

#define CONTACT_REF(name)                                                                          \
    {                                                                                              \
        name, FT_REF, 0, .ref = &res_contacts, .ref_fields = "id,firstname,lastname"               \
    }

static const struct field project_fields[] = {
    {"identifier", FT_TEXT, F_FILTER | F_MULTI | F_SORT | F_SEARCH | F_UNIQUE, .maxlen = 64,
     .sequence = "P{n:3}"},
    {"name", FT_TEXT, F_REQUIRED | F_SORT | F_SEARCH, .maxlen = 255},
    {"active", FT_BOOL, F_READONLY, .def = "true"},
    {"billable", FT_BOOL, 0, .def = "true"},
    {"fixed_price", FT_BOOL, F_REQUIRED},
    {"retainer", FT_BOOL, F_STRICT_REQUIRED | F_FILTER, .def = "false"},
    {"start_date", FT_DATE, F_SORT},
    {"finish_date", FT_DATE, F_SORT},
    {"color", FT_TEXT, 0, .def = "\"#CCCCCC\"", .check = check_hex_color},
    {"currency", FT_TEXT, F_REQUIRED | F_CREATEONLY, .maxlen = 3},
    {"billing_variant", FT_ENUM, 0, .options = billing_variants, .def = "\"project\""},
    {"billing_address", FT_TEXT, 0, .def = "\"\""},
    {"billing_email_to", FT_TEXT, 0, .maxlen = 255},
    {"billing_email_cc", FT_TEXT, 0, .maxlen = 255},
    {"billing_notes", FT_TEXT, 0, .def = "\"\""},
    {"setting_include_time_report", FT_BOOL, 0, .def = "false"},
    {"budget", FT_MONEY},
    {"budget_monthly", FT_MONEY},
    {"budget_expenses", FT_MONEY},
    {"hourly_rate", FT_MONEY, 0, .def = "0"},
    {"info", FT_TEXT, 0, .def = "\"\""},
    {"tags", FT_TAGS},
    {"customer_report_url", FT_TEXT, F_READONLY, .column = "share_url"},
    {"custom_properties", FT_CUSTOM},
    {"leader", FT_REF, F_REQUIRED | F_RESTRICT, .ref = &res_users,
     .ref_fields = "id,firstname,lastname"},
    {"co_leader", FT_REF, 0, .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {"customer", FT_REF, F_REQUIRED | F_RESTRICT, .ref = &res_companies,
     .expand = "include_company"},
    {"deal", FT_REF, F_FILTER, .ref = &res_deals},
    {"tasks", FT_HAS_MANY, 0, .ref = &res_project_tasks, .fk = "project_id",
     .ref_fields = "id,name,billable,active,budget,hourly_rate,description"},
    {"contracts", FT_HAS_MANY, 0, .ref = &res_project_contracts, .fk = "project_id",
     .ref_fields = "id,user_id,firstname,lastname,billable,active,budget,hourly_rate"},
    {"project_group", FT_REF, F_FILTER, .ref = &res_project_groups},
    CONTACT_REF("billing_contact"),
    CONTACT_REF("contact"),
    CONTACT_REF("secondary_contact"),

    {"skip_favorite", FT_BOOL, F_WRITEONLY},
    {"retainer_billing_date", FT_INT, F_WRITEONLY},
    {"retainer_billing_title", FT_TEXT, F_WRITEONLY, .maxlen = 255},
    {"retainer_billing_description", FT_TEXT, F_WRITEONLY},
    /* not a project's own key: what planning entries show of their project */
    {"customer_name", FT_EXPR, F_INTERNAL,
     .sql = "(SELECT c.name FROM companies c WHERE c.id = t.customer_id)"},
    /* the customer under the key receipts show it with: project.company {id, name} */
    {"company", FT_REF, F_INTERNAL | F_READONLY, .ref = &res_companies, .column = "customer_id"},
    {0},
};

static int project_before_save(struct req *r, struct record *rec, int64_t id)
{
    /* retainers need their period, on month boundaries, and a monthly budget */
    struct value *retainer = record_value(rec, "retainer");
    if (retainer->set && retainer->null) { /* null is "no retainer", unless strict */
        if (r->settings.strict_validation)
            req_field_error(r, "retainer", "can't be blank");
        retainer->null = false;
        retainer->i = 0;
    }
    bool is_retainer = retainer->set
                           ? (!retainer->null && retainer->i)
                           : (engine_stored_text(r, &res_projects, id, "retainer") &&
                              !strcmp(engine_stored_text(r, &res_projects, id, "retainer"), "1"));
    if (is_retainer) {
        const char *start = engine_effective_text(r, rec, id, "start_date");
        const char *finish = engine_effective_text(r, rec, id, "finish_date");
        struct value *monthly = record_value(rec, "budget_monthly");
        bool has_monthly = monthly->set
                               ? !monthly->null
                               : engine_stored_text(r, &res_projects, id, "budget_monthly") != NULL;
        if (!start)
            req_field_error(r, "start_date", "can't be blank for a retainer");
        else if (strcmp(start + 8, "01") != 0)
            req_field_error(r, "start_date", "must be the first of a month for a retainer");
        if (!finish)
            req_field_error(r, "finish_date", "can't be blank for a retainer");
        else if (!date_last_of_month(finish))
            req_field_error(r, "finish_date", "must be the last of a month for a retainer");
        if (!has_monthly)
            req_field_error(r, "budget_monthly", "can't be blank for a retainer");
    }
    const char *start = engine_effective_text(r, rec, id, "start_date");
    const char *finish = engine_effective_text(r, rec, id, "finish_date");
    if (start && finish && strcmp(start, finish) > 0)
        req_field_error(r, "finish_date", "must not be before start_date");
    if (r->err_fields)
        return -1;
    return 0;
}

/* A new project has its leader on the staff, as in MOCO. */
static int project_after_save(struct req *r, struct record *rec, int64_t id)
{
    struct value *leader = record_value(rec, "leader");
    if (!rec->creating || !leader->set || leader->null)
        return 0;
    json_t *input = json_pack("{sI}", "user_id", (json_int_t)leader->i);
    if (!input)
        return req_fail(r, 500, NULL, "out of memory");
    req_keep(r, input); /* the parsed contract points into input */
    int64_t contract = 0;
    return engine_insert(r, &res_project_contracts, id, input, &contract);
}

/* leader_id (leader or co-leader), company_id, created/updated ranges, tags. */
static int project_list_filter(struct req *r, struct list_query *q)
{
    if (lq_id_list(q, "leader_id", "(t.leader_id IN (%s) OR t.co_leader_id IN (%s))", 2) ||
        lq_id_list(q, "company_id", "t.customer_id IN (%s)", 1))
        return -1;
    if (lq_date_range(q, "created_from", "created_to", "created_at") ||
        lq_date_range(q, "updated_from", "updated_to", "updated_at"))
        return -1;
    return filter_by_tag_names(q, "tags");
}

/* GET /projects/assigned: the acting user's projects, in the short form the docs show. */
static int projects_assigned(struct req *r, struct action_call *call)
{
    if (!r->user_id)
        return req_fail(r, 422, NULL,
                        "an account API key has no assigned projects; impersonate a "
                        "user");
    const char *active = req_query(r, "active");
    bool filter_active = active && *active;
    bool want = active && (!strcmp(active, "true") || !strcmp(active, "1"));
    db_param p[4] = {dbp_int(r->account_id), dbp_int(r->user_id), dbp_int(filter_active),
                     dbp_int(want)};
    db_stmt *s = db_query(r->db,
                          "SELECT t.id, t.identifier, t.name, t.active, t.billable, c.id, c.name, "
                          "pc.user_id, pc.active FROM projects t JOIN project_contracts pc ON "
                          "pc.project_id = t.id AND pc.account_id = t.account_id LEFT JOIN "
                          "companies c ON c.id = t.customer_id WHERE t.account_id = ? AND "
                          "pc.user_id = ? AND (? = 0 OR t.active = ?) ORDER BY t.id",
                          p, 4);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    strbuf *o = &r->out;
    sb_addc(o, '[');
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_i64(s, 0);
        sb_adds(o, n++ ? ",{\"id\":" : "{\"id\":");
        sb_add_i64(o, id);
        sb_adds(o, ",\"identifier\":");
        sb_add_json_str(o, db_col_text(s, 1) ? db_col_text(s, 1) : "", db_col_len(s, 1));
        sb_adds(o, ",\"name\":");
        sb_add_json_str(o, db_col_text(s, 2), db_col_len(s, 2));
        sb_adds(o, db_col_i64(s, 3) ? ",\"active\":true" : ",\"active\":false");
        sb_adds(o, db_col_i64(s, 4) ? ",\"billable\":true" : ",\"billable\":false");
        sb_adds(o, ",\"customer\":");
        if (db_col_null(s, 5)) {
            sb_adds(o, "null");
        } else {
            sb_adds(o, "{\"id\":");
            sb_add_i64(o, db_col_i64(s, 5));
            sb_adds(o, ",\"name\":");
            sb_add_json_str(o, db_col_text(s, 6), db_col_len(s, 6));
            sb_addc(o, '}');
        }
        sb_adds(o, ",\"tasks\":[");
        db_param tp[2] = {dbp_int(r->account_id), dbp_int(id)};
        db_stmt *ts = db_query(r->db,
                               "SELECT id, name, active, billable FROM project_tasks WHERE "
                               "account_id = ? AND project_id = ? ORDER BY id",
                               tp, 2);
        int k = 0;
        while (ts && db_step(ts) == DB_ROW) {
            sb_adds(o, k++ ? ",{\"id\":" : "{\"id\":");
            sb_add_i64(o, db_col_i64(ts, 0));
            sb_adds(o, ",\"name\":");
            sb_add_json_str(o, db_col_text(ts, 1), db_col_len(ts, 1));
            sb_adds(o, db_col_i64(ts, 2) ? ",\"active\":true" : ",\"active\":false");
            sb_adds(o, db_col_i64(ts, 3) ? ",\"billable\":true}" : ",\"billable\":false}");
        }
        db_done(ts);
        sb_adds(o, "],\"contract\":{\"user_id\":");
        sb_add_i64(o, db_col_i64(s, 7));
        sb_adds(o, db_col_i64(s, 8) ? ",\"active\":true}}" : ",\"active\":false}}");
    }
    db_done(s);
    sb_addc(o, ']');
    if (rc != DB_DONE)
        return req_fail(r, 500, NULL, "database error");
    r->status = 200;
    return 0;
}

/* share and disable_share answer with the state of the customer report's link. */
static int share_answer(struct req *r, struct action_call *call)
{
    const char *url = engine_stored_text(r, &res_projects, call->id, "share_url");
    sb_adds(&r->out, "{\"id\":");
    sb_add_i64(&r->out, call->id);
    sb_adds(&r->out, url ? ",\"active\":true,\"url\":" : ",\"active\":false,\"url\":null}");
    if (url) {
        sb_add_json_str(&r->out, url, strlen(url));
        sb_addc(&r->out, '}');
    }
    return 0;
}

/* The report's address is made once, from the host the sharing request came to. */
static const struct col_set share_set[] = {
    {"share_url", "COALESCE(share_url, :link)", .link = "projects/{id}/customer_report/{token}"},
    {0},
};
static const struct col_set unshare_set[] = {{"share_url", "NULL"}, {0}};
static const struct col_set assign_group_set[] = {{.field = "project_group"}, {0}};
static const struct col_set unassign_group_set[] = {{"project_group_id", "NULL"}, {0}};

static const struct action project_actions[] = {
    {"GET", "assigned", .flags = A_COLLECTION, .answer = ANSWER_OWN, .render = projects_assigned},
    {"PUT", "share", .set = share_set, .answer = ANSWER_OWN, .render = share_answer},
    {"PUT", "disable_share", .set = unshare_set, .answer = ANSWER_OWN, .render = share_answer},
    {"PUT", "assign_project_group", .set = assign_group_set},
    {"PUT", "unassign_project_group", .set = unassign_group_set},
    {0},
};

const struct resource res_projects = {
    .name = "projects",
    .path = "projects",
    .table = "projects",
    .target = "Project",
    .fields = project_fields,
    .actions = project_actions,
    .flags = R_WEBHOOKS | R_ARCHIVABLE,
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
    .indexes = "active,id",
    .search_extra = "(SELECT c.name FROM companies c WHERE c.id = t.customer_id)",
    .delete_status = 200, /* MOCO answers a project's delete with 200 and an empty body */
    .list_filter = project_list_filter,
    .before_save = project_before_save,
    .after_save = project_after_save,
};

/* ------------------------------------------------------------- tasks */

static const struct field task_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SORT, .maxlen = 255},
    {"billable", FT_BOOL, 0, .def = "true"},
    {"active", FT_BOOL, F_FILTER, .def = "true"},
    {"budget", FT_MONEY},
    {"hourly_rate", FT_MONEY, 0, .def = "0"},
    {"revenue_category", FT_EXPR, 0, .sql = "NULL"}, /* mocod has no revenue categories yet */
    {"description", FT_TEXT, 0, .def = "\"\""},
    {0},
};

/* DELETE /projects/{id}/tasks/destroy_all: the project's tasks go, each by the rules of a delete
 * (one that cannot go refuses the whole request). */
static int tasks_destroy_all(struct req *r, struct action_call *call)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(r->parent_id)};
    struct entity_list tasks;
    if (engine_collect_entities(r,
                                "SELECT 'Task', id FROM project_tasks WHERE account_id = ? AND "
                                "project_id = ?",
                                p, 2, &tasks))
        return -1;
    for (int i = 0; i < tasks.n; i++)
        if (engine_delete_row(r, call->res, tasks.items[i].id))
            return -1;
    return 0;
}

static const struct action task_actions[] = {
    {"DELETE", "destroy_all", tasks_destroy_all, A_COLLECTION, .answer = ANSWER_NONE},
    {0},
};

const struct resource res_project_tasks = {
    .name = "project_tasks",
    .path = "projects/{id}/tasks",
    .table = "project_tasks",
    .target = "Task",
    .fields = task_fields,
    .actions = task_actions,
    .flags = R_WEBHOOKS,
    .parent = &res_projects,
    .parent_fk = "project_id",
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
};

/* ------------------------------------------------------------- contracts */

static const struct field contract_fields[] = {
    {"user_id", FT_EXPR, 0, .sql = "t.user_id", .as = FT_INT},
    {"firstname", FT_EXPR, 0, .sql = "(SELECT u.firstname FROM users u WHERE u.id = t.user_id)"},
    {"lastname", FT_EXPR, 0, .sql = "(SELECT u.lastname FROM users u WHERE u.id = t.user_id)"},
    {"billable", FT_BOOL, 0, .def = "true"},
    {"active", FT_BOOL, 0, .def = "true"},
    {"budget", FT_MONEY},
    {"hourly_rate", FT_MONEY, 0, .def = "0"},
    /* a person is assigned to a project once */
    {"user", FT_REF, F_WRITEONLY | F_REQUIRED | F_CREATEONLY | F_RESTRICT | F_UNIQUE,
     .unique_scope = "project_id", .ref = &res_users, .ref_fields = "id,firstname,lastname"},
    {0},
};

const struct resource res_project_contracts = {
    .name = "project_contracts",
    .path = "projects/{id}/contracts",
    .table = "project_contracts",
    .target = "Contract",
    .fields = contract_fields,
    .flags = R_WEBHOOKS,
    .parent = &res_projects,
    .parent_fk = "project_id",
    .write_area = AREA_PROJECTS,
    .read_area = AREA_PROJECTS,
    .indexes = "project_id,user_id", /* a person's contract on a project (tracking time) */
};
