/*
 * API tests of project tasks (sections/project_tasks.md) and project contracts
 * (sections/project_contracts.md), nested below /projects/{id}, and of how they show in their
 * project (sections/projects.md: tasks[] and contracts[]).
 *
 * One server for the whole file (group fixture). Shared set-up data (a customer, a leader, the
 * account "other") is made on first use; every test makes its own projects, tasks and contracts.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECTS "/api/v1/projects"
#define USERS    "/api/v1/users"

#define NO_ID ((json_int_t)987654321)

/* ---- set-up data ------------------------------------------------------------------------ */

static int g_counter;

static json_int_t create_user(mt_server *s, const char *key, const char *firstname,
                              const char *lastname)
{
    char email[96];
    snprintf(email, sizeof email, "task-user-%d@example.test", ++g_counter);
    return fix_create_user_as(s, key, firstname, lastname, email, NULL);
}

static struct {
    bool ready;
    json_int_t customer, leader;
    json_int_t other_user, other_project, other_task, other_contract;
} fx;

static void fixture(mt_server *s)
{
    if (fx.ready)
        return;
    fx.customer = fix_create_company_as(s, mt_admin_key(s), "customer", "Task Customer AG");
    fx.leader = create_user(s, mt_admin_key(s), "Lea", "Leader");
    fx.ready = true;
}

static json_int_t create_project_as(mt_server *s, const char *key, json_int_t leader,
                                    json_int_t customer, const char *name)
{
    char ident[32];
    snprintf(ident, sizeof ident, "TT-%03d", ++g_counter);
    return fix_create_project_as(s, key, name, ident, leader, customer);
}

static json_int_t create_project(mt_server *s, const char *name)
{
    fixture(s);
    return create_project_as(s, mt_admin_key(s), fx.leader, fx.customer, name);
}

/* GET /projects/{id}: 200; the embedded tasks and contracts have the documented shape. */
static mt_resp *get_project(mt_server *s, json_int_t id)
{
    mt_resp *r = mt_getf(s, mt_admin_key(s), PROJECTS "/%lld", (long long)id);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "tasks", JSON_ARRAY);
    MT_ASSERT_JSON_TYPE(r->json, "contracts", JSON_ARRAY);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "tasks"), i, e)
        mt_assert_keys(e, FIX_EMBEDDED_TASK_KEYS);
    json_array_foreach(json_object_get(r->json, "contracts"), i, e)
        mt_assert_keys(e, FIX_EMBEDDED_CONTRACT_KEYS);
    return r;
}

/* A request on /projects/{pid}/<kind>[/{id}]; id 0: the collection. body may be NULL. */
static mt_resp *nested(mt_server *s, const char *key, const char *method, json_int_t pid,
                       const char *kind, json_int_t id, json_t *body)
{
    char path[128];
    if (id)
        snprintf(path, sizeof path, PROJECTS "/%lld/%s/%lld", (long long)pid, kind, (long long)id);
    else
        snprintf(path, sizeof path, PROJECTS "/%lld/%s", (long long)pid, kind);
    if (body)
        return mt_request_json(s, method, path, key, body, NULL);
    return mt_request(s, method, path, key, NULL, NULL);
}

static json_int_t create_task(mt_server *s, json_int_t pid, json_t *body)
{
    return fix_create_task_checked(s, mt_admin_key(s), pid, body);
}

static json_int_t create_contract(mt_server *s, json_int_t pid, json_int_t user)
{
    return fix_create_contract_checked(s, mt_admin_key(s), pid, user);
}

/* The contract a new project got for its leader (MOCO puts the leader on the staff). */
static json_int_t leader_contract(mt_server *s, const char *key, json_int_t pid)
{
    mt_resp *r = mt_getf(s, key, PROJECTS "/%lld/contracts", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    assert_true(json_array_size(r->json) >= 1);
    json_int_t id = mt_json_int(r->json, "[0].id");
    mt_resp_free(r);
    return id;
}

/* A project without staff: its leader's contract removed (204, as MOCO answers). */
static json_int_t create_bare_project(mt_server *s, const char *name)
{
    json_int_t pid = create_project(s, name);
    mt_resp *r = mt_deletef(s, mt_admin_key(s), PROJECTS "/%lld/contracts/%lld", (long long)pid,
                            (long long)leader_contract(s, mt_admin_key(s), pid));
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    return pid;
}

/* The account "other" with a user, a project, a task and a contract of its own. */
static const char *other(mt_server *s)
{
    bool made = fx.other_user != 0;
    const char *k = fix_other_key(s);
    if (made)
        return k;
    fx.other_user = create_user(s, k, "Otto", "Other");
    json_int_t company = fix_create_company_as(s, k, "customer", "Other Customer");
    fx.other_project = create_project_as(s, k, fx.other_user, company, "Other Project");
    fx.other_task =
        fix_create_task(s, k, fx.other_project, json_pack("{s:s}", "name", "Other Task"));
    fx.other_contract = leader_contract(s, k, fx.other_project); /* Otto leads it */
    return k;
}

/* ---- tasks ------------------------------------------------------------------------------ */

static void test_task_create_and_get(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Tasks Project");

    /* only the name: the defaults */
    mt_resp *r = nested(s, key, "POST", pid, "tasks", 0, json_pack("{s:s}", "name", "Development"));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_task_shape(r->json);
    json_int_t dev = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "name", "Development");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    MT_ASSERT_JSON_NULL(r->json, "budget");
    fix_assert_number(r->json, "hourly_rate", 0);
    MT_ASSERT_JSON_STR(r->json, "description", "");
    mt_resp *g = nested(s, key, "GET", pid, "tasks", dev, NULL);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* every documented field */
    r = nested(s, key, "POST", pid, "tasks", 0,
               json_pack("{s:s, s:b, s:b, s:f, s:f, s:s}", "name", "Design / UX", "billable", 0,
                         "active", 0, "budget", 5000.0, "hourly_rate", 120.0, "description",
                         "A task description"));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_task_shape(r->json);
    json_int_t ux = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_STR(r->json, "name", "Design / UX");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    fix_assert_number(r->json, "budget", 5000);
    fix_assert_number(r->json, "hourly_rate", 120);
    MT_ASSERT_JSON_STR(r->json, "description", "A task description");
    g = nested(s, key, "GET", pid, "tasks", ux, NULL);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    g = mt_getf(s, key, PROJECTS "/%lld/tasks/%lld.json", (long long)pid, (long long)ux);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* the docs' example body, with numbers and booleans as strings too */
    r = nested(
        s, key, "POST", pid, "tasks", 0,
        json_pack("{s:s, s:s, s:s}", "name", "Strings", "billable", "false", "active", "true"));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    json_int_t str = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* the project shows its tasks */
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "tasks"), 3);
    json_t *e = fix_find_by_id(json_object_get(r->json, "tasks"), ux);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "name", "Design / UX");
    MT_ASSERT_JSON_TYPE(e, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(e, "active", JSON_FALSE);
    fix_assert_number(e, "budget", 5000);
    fix_assert_number(e, "hourly_rate", 120);
    MT_ASSERT_JSON_STR(e, "description", "A task description");
    e = fix_find_by_id(json_object_get(r->json, "tasks"), dev);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "name", "Development");
    MT_ASSERT_JSON_NULL(e, "budget");
    assert_non_null(fix_find_by_id(json_object_get(r->json, "tasks"), str));
    mt_resp_free(r);

    r = nested(s, key, "GET", pid, "tasks", NO_ID, NULL);
    MT_ASSERT_STATUS(r, 404);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    /* an unknown project */
    r = nested(s, key, "GET", NO_ID, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "POST", NO_ID, "tasks", 0, json_pack("{s:s}", "name", "Orphan"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", NO_ID, "tasks", dev, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_task_validation(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Task Validation");

    mt_resp *r = nested(s, key, "POST", pid, "tasks", 0, json_object());
    fix_assert_422(r, "name");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "tasks", 0, json_pack("{s:s}", "name", ""));
    fix_assert_422(r, "name");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "tasks", 0, json_pack("{s:n}", "name"));
    fix_assert_422(r, "name");
    mt_resp_free(r);
    struct {
        const char *field;
        json_t *value;
    } bad[] = {
        {"billable", json_string("perhaps")}, {"active", json_string("perhaps")},
        {"budget", json_string("lots")},      {"hourly_rate", json_string("high")},
        {"description", json_integer(7)},     {"name", json_integer(7)},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = json_pack("{s:s}", "name", "Bad Task");
        json_object_set_new(b, bad[i].field, bad[i].value);
        r = nested(s, key, "POST", pid, "tasks", 0, b);
        fix_assert_422(r, bad[i].field);
        mt_resp_free(r);
    }
    /* all problems at once */
    r = nested(s, key, "POST", pid, "tasks", 0,
               json_pack("{s:s, s:s}", "budget", "lots", "hourly_rate", "high"));
    fix_assert_422_fields(r, "name,budget,hourly_rate");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "tasks", 0, NULL);
    assert_true(r->status == 400 || r->status == 422);
    mt_resp_free(r);

    char *p = fix_fmt(PROJECTS "/%lld/tasks", (long long)pid);
    fix_assert_list_empty(s, key, p);
}

static void test_task_list(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Task List");
    json_int_t qid = create_project(s, "Task List Neighbour");
    json_int_t tc = create_task(s, pid, json_pack("{s:s}", "name", "C Testing"));
    json_int_t ta = create_task(s, pid, json_pack("{s:s}", "name", "A Concept"));
    json_int_t tb = create_task(s, pid, json_pack("{s:s}", "name", "B Build"));
    json_int_t tq = create_task(s, qid, json_pack("{s:s}", "name", "Neighbour Task"));

    char *path = fix_fmt(PROJECTS "/%lld/tasks", (long long)pid);
    fix_assert_list_of(s, key, path, tc, ta, tb);
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)qid), tq);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) fix_assert_task_shape(e);
    MT_ASSERT_JSON_INT(r->json, "[0].id", tc); /* by id by default */
    MT_ASSERT_HEADER(r, "X-Page", "1");
    MT_ASSERT_HEADER(r, "X-Per-Page", "100");
    mt_resp_free(r);

    r = mt_get(s, fix_fmt("%s?sort_by=name", path), key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "[0].id", ta);
    MT_ASSERT_JSON_INT(r->json, "[1].id", tb);
    MT_ASSERT_JSON_INT(r->json, "[2].id", tc);
    mt_resp_free(r);
    r = mt_get(s, fix_fmt("%s?sort_by=name%%20desc", path), key);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "[0].id", tc);
    MT_ASSERT_JSON_INT(r->json, "[2].id", ta);
    mt_resp_free(r);
    r = mt_get(s, fix_fmt("%s?sort_by=nonsense", path), key);
    fix_assert_422(r, "sort_by");
    mt_resp_free(r);

    r = mt_get(s, fix_fmt("%s?per_page=2", path), key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    MT_ASSERT_HEADER(r, "X-Total", "3");
    MT_ASSERT_HEADER(r, "X-Per-Page", "2");
    assert_non_null(mt_header(r, "Link"));
    assert_non_null(strstr(mt_header(r, "Link"), "rel=\"next\""));
    mt_resp_free(r);
    r = mt_get(s, fix_fmt("%s?per_page=2&page=2", path), key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_HEADER(r, "X-Page", "2");
    assert_non_null(mt_header(r, "Link"));
    assert_non_null(strstr(mt_header(r, "Link"), "rel=\"prev\""));
    mt_resp_free(r);
    fix_assert_list_of(s, key, fix_fmt("%s?ids=%lld,%lld", path, (long long)ta, (long long)tq), ta);
}

static void test_task_update(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Task Update");
    json_int_t tid = create_task(s, pid,
                                 json_pack("{s:s, s:f, s:s}", "name", "Projektleitung",
                                           "hourly_rate", 120.0, "description", "lead"));
    mt_resp *before = nested(s, key, "GET", pid, "tasks", tid, NULL);
    MT_ASSERT_STATUS(before, 200);

    mt_resp *r = nested(s, key, "PUT", pid, "tasks", tid,
                        json_pack("{s:f, s:f}", "budget", 5000.0, "hourly_rate", 130.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_task_shape(r->json);
    fix_assert_number(r->json, "budget", 5000);
    fix_assert_number(r->json, "hourly_rate", 130);
    const char *k;
    json_t *v;
    json_object_foreach(before->json, k, v)
    {
        if (!strcmp(k, "budget") || !strcmp(k, "hourly_rate") || !strcmp(k, "updated_at"))
            continue;
        fix_assert_json_equal(json_object_get(r->json, k), v);
    }
    mt_resp_free(r);
    mt_resp_free(before);

    r = nested(s, key, "PATCH", pid, "tasks", tid,
               json_pack("{s:s, s:b, s:b, s:s, s:n}", "name", "Project Management", "billable", 0,
                         "active", 0, "description", "new description", "budget"));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_task_shape(r->json);
    MT_ASSERT_JSON_STR(r->json, "name", "Project Management");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    MT_ASSERT_JSON_STR(r->json, "description", "new description");
    MT_ASSERT_JSON_NULL(r->json, "budget");
    fix_assert_number(r->json, "hourly_rate", 130);
    mt_resp *g = nested(s, key, "GET", pid, "tasks", tid, NULL);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* the project shows the new values */
    r = get_project(s, pid);
    json_t *e = fix_find_by_id(json_object_get(r->json, "tasks"), tid);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "name", "Project Management");
    MT_ASSERT_JSON_TYPE(e, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(e, "active", JSON_FALSE);
    MT_ASSERT_JSON_STR(e, "description", "new description");
    fix_assert_number(e, "hourly_rate", 130);
    mt_resp_free(r);

    r = nested(s, key, "PUT", pid, "tasks", tid,
               json_pack("{s:s, s:s}", "name", "", "budget", "x"));
    fix_assert_422_fields(r, "name,budget");
    mt_resp_free(r);
    r = nested(s, key, "PUT", pid, "tasks", NO_ID, json_pack("{s:s}", "name", "Ghost"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "PUT", NO_ID, "tasks", tid, json_pack("{s:s}", "name", "Ghost"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    g = nested(s, key, "GET", pid, "tasks", tid, NULL);
    MT_ASSERT_JSON_STR(g->json, "name", "Project Management");
    mt_resp_free(g);
}

static void test_task_delete(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Task Delete");
    json_int_t keep = create_task(s, pid, json_pack("{s:s}", "name", "Keep"));
    json_int_t gone = create_task(s, pid, json_pack("{s:s}", "name", "Gone"));

    mt_resp *r = nested(s, key, "DELETE", pid, "tasks", gone, NULL);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "tasks", gone, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "DELETE", pid, "tasks", gone, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)pid), keep);
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "tasks"), 1);
    MT_ASSERT_JSON_INT(r->json, "tasks[0].id", keep);
    mt_resp_free(r);
    r = nested(s, key, "DELETE", NO_ID, "tasks", keep, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_task_destroy_all(void **state)
{
    mt_server *s = *state;
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Destroy All");
    json_int_t qid = create_project(s, "Destroy All Neighbour");
    for (int i = 0; i < 3; i++)
        create_task(s, pid, json_pack("{s:s}", "name", "Disposable"));
    json_int_t survivor = create_task(s, qid, json_pack("{s:s}", "name", "Survivor"));

    mt_resp *r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all", (long long)pid);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    fix_assert_list_empty(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)pid));
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "tasks"), 0);
    mt_resp_free(r);
    /* another project's tasks stay */
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)qid), survivor);
    /* nothing left: still fine */
    r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all", (long long)pid);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all.json", (long long)qid);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    fix_assert_list_empty(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)qid));
    r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all", (long long)NO_ID);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    /* new tasks can be added afterwards */
    create_task(s, pid, json_pack("{s:s}", "name", "After Destroy All"));
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "tasks"), 1);
    mt_resp_free(r);
}

/* A task or contract of one project addressed through another project: 404, unchanged. */
static void test_wrong_parent(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t pa = create_bare_project(s, "Parent A");
    json_int_t pb = create_bare_project(s, "Parent B");
    json_int_t task = create_task(s, pa, json_pack("{s:s}", "name", "Belongs To A"));
    json_int_t member = create_user(s, key, "Paula", "Parent");
    json_int_t contract = create_contract(s, pa, member);
    mt_resp *task_before = nested(s, key, "GET", pa, "tasks", task, NULL);
    mt_resp *contract_before = nested(s, key, "GET", pa, "contracts", contract, NULL);
    MT_ASSERT_STATUS(task_before, 200);
    MT_ASSERT_STATUS(contract_before, 200);

    const char *kinds[] = {"tasks", "contracts"};
    json_int_t ids[] = {task, contract};
    for (int k = 0; k < 2; k++) {
        mt_resp *r = nested(s, key, "GET", pb, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
        mt_resp_free(r);
        r = nested(s, key, "PUT", pb, kinds[k], ids[k],
                   json_pack("{s:s, s:f}", "name", "Hijacked", "budget", 1.0));
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, key, "PATCH", pb, kinds[k], ids[k], json_pack("{s:f}", "budget", 1.0));
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, key, "DELETE", pb, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
    }
    fix_assert_list_empty(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)pb));
    fix_assert_list_empty(s, key, fix_fmt(PROJECTS "/%lld/contracts", (long long)pb));
    /* destroy_all of B leaves A's tasks */
    mt_resp *r = mt_deletef(s, key, PROJECTS "/%lld/tasks/destroy_all", (long long)pb);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);

    r = nested(s, key, "GET", pa, "tasks", task, NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_equal(r->json, task_before->json);
    mt_resp_free(r);
    r = nested(s, key, "GET", pa, "contracts", contract, NULL);
    MT_ASSERT_STATUS(r, 200);
    fix_assert_json_equal(r->json, contract_before->json);
    mt_resp_free(r);
    r = get_project(s, pb);
    assert_int_equal(mt_json_len(r->json, "tasks"), 0);
    assert_int_equal(mt_json_len(r->json, "contracts"), 0);
    mt_resp_free(r);
    mt_resp_free(task_before);
    mt_resp_free(contract_before);
}

/* ---- contracts -------------------------------------------------------------------------- */

static void test_contract_create(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    other(s);
    json_int_t pid = create_bare_project(s, "Staffed Project");
    json_int_t qid = create_bare_project(s, "Second Staffed Project");
    json_int_t nicola = create_user(s, key, "Nicola", "Piccinini");
    json_int_t max = create_user(s, key, "Max", "Muster");
    json_int_t str = create_user(s, key, "Stri", "Ng");

    mt_resp *r = nested(s, key, "POST", pid, "contracts", 0, json_object());
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "contracts", 0, json_pack("{s:n}", "user_id"));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "contracts", 0, json_pack("{s:I}", "user_id", NO_ID));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "contracts", 0, json_pack("{s:I}", "user_id", fx.other_user));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "contracts", 0, json_pack("{s:s}", "user_id", "somebody"));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    r = nested(s, key, "POST", pid, "contracts", 0,
               json_pack("{s:I, s:s, s:s}", "user_id", nicola, "budget", "x", "billable", "x"));
    fix_assert_422_fields(r, "budget,billable");
    mt_resp_free(r);
    fix_assert_list_empty(s, key, fix_fmt(PROJECTS "/%lld/contracts", (long long)pid));

    /* the docs' example: user and budget; the rest takes its defaults */
    r = nested(s, key, "POST", pid, "contracts", 0,
               json_pack("{s:I, s:f}", "user_id", nicola, "budget", 9900.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_contract_shape(r->json);
    json_int_t c1 = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "user_id", nicola);
    MT_ASSERT_JSON_STR(r->json, "firstname", "Nicola");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Piccinini");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_TRUE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_TRUE);
    fix_assert_number(r->json, "budget", 9900);
    fix_assert_number(r->json, "hourly_rate", 0);
    mt_resp *g = nested(s, key, "GET", pid, "contracts", c1, NULL);
    MT_ASSERT_STATUS(g, 200);
    fix_assert_json_equal(g->json, r->json);
    mt_resp_free(g);
    mt_resp_free(r);

    /* every field */
    r = nested(s, key, "POST", pid, "contracts", 0,
               json_pack("{s:I, s:b, s:b, s:f, s:f}", "user_id", max, "billable", 0, "active", 0,
                         "budget", 1234.5, "hourly_rate", 110.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_contract_shape(r->json);
    json_int_t c2 = mt_json_int(r->json, "id");
    MT_ASSERT_JSON_INT(r->json, "user_id", max);
    MT_ASSERT_JSON_STR(r->json, "firstname", "Max");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Muster");
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    fix_assert_number(r->json, "budget", 1234.5);
    fix_assert_number(r->json, "hourly_rate", 110);
    mt_resp_free(r);

    /* a user id as a string */
    r = nested(s, key, "POST", pid, "contracts", 0,
               json_pack("{s:s}", "user_id", fix_fmt("%lld", (long long)str)));
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user_id", str);
    json_int_t c3 = mt_json_int(r->json, "id");
    mt_resp_free(r);

    /* a person is assigned to a project once; on another project again */
    r = nested(s, key, "POST", pid, "contracts", 0, json_pack("{s:I}", "user_id", nicola));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);
    json_int_t cq = create_contract(s, qid, nicola);
    assert_true(cq != c1);

    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/contracts", (long long)pid), c1, c2, c3);
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/contracts", (long long)qid), cq);

    /* the project shows its contracts */
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "contracts"), 3);
    json_t *e = fix_find_by_id(json_object_get(r->json, "contracts"), c2);
    assert_non_null(e);
    MT_ASSERT_JSON_INT(e, "user_id", max);
    MT_ASSERT_JSON_STR(e, "firstname", "Max");
    MT_ASSERT_JSON_STR(e, "lastname", "Muster");
    MT_ASSERT_JSON_TYPE(e, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(e, "active", JSON_FALSE);
    fix_assert_number(e, "budget", 1234.5);
    fix_assert_number(e, "hourly_rate", 110);
    e = fix_find_by_id(json_object_get(r->json, "contracts"), c1);
    assert_non_null(e);
    MT_ASSERT_JSON_INT(e, "user_id", nicola);
    fix_assert_number(e, "budget", 9900);
    mt_resp_free(r);

    r = nested(s, key, "POST", NO_ID, "contracts", 0, json_pack("{s:I}", "user_id", max));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", NO_ID, "contracts", 0, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
}

static void test_contract_list_update_delete(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t pid = create_bare_project(s, "Contract Changes");
    json_int_t u1 = create_user(s, key, "Anna", "Assigned");
    json_int_t u2 = create_user(s, key, "Bert", "Assigned");
    json_int_t c1 = create_contract(s, pid, u1);
    json_int_t c2 = create_contract(s, pid, u2);

    char *path = fix_fmt(PROJECTS "/%lld/contracts", (long long)pid);
    mt_resp *r = mt_get(s, path, key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 2);
    size_t i;
    json_t *e;
    json_array_foreach(r->json, i, e) fix_assert_contract_shape(e);
    MT_ASSERT_HEADER(r, "X-Total", "2");
    mt_resp_free(r);
    r = mt_get(s, fix_fmt("%s?per_page=1&page=2", path), key);
    MT_ASSERT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 1);
    MT_ASSERT_HEADER(r, "X-Total", "2");
    MT_ASSERT_HEADER(r, "X-Page", "2");
    mt_resp_free(r);

    /* update: only what is sent */
    mt_resp *before = nested(s, key, "GET", pid, "contracts", c1, NULL);
    MT_ASSERT_STATUS(before, 200);
    r = nested(s, key, "PUT", pid, "contracts", c1, json_pack("{s:f}", "budget", 8800.0));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_contract_shape(r->json);
    fix_assert_number(r->json, "budget", 8800);
    const char *k;
    json_t *v;
    json_object_foreach(before->json, k, v)
    {
        if (!strcmp(k, "budget") || !strcmp(k, "updated_at"))
            continue;
        fix_assert_json_equal(json_object_get(r->json, k), v);
    }
    mt_resp_free(r);
    mt_resp_free(before);
    r = nested(s, key, "PATCH", pid, "contracts", c1,
               json_pack("{s:b, s:b, s:f, s:n}", "billable", 0, "active", 0, "hourly_rate", 95.0,
                         "budget"));
    MT_ASSERT_STATUS(r, 200);
    fix_assert_contract_shape(r->json);
    MT_ASSERT_JSON_TYPE(r->json, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(r->json, "active", JSON_FALSE);
    fix_assert_number(r->json, "hourly_rate", 95);
    MT_ASSERT_JSON_NULL(r->json, "budget");
    MT_ASSERT_JSON_INT(r->json, "user_id", u1);
    mt_resp_free(r);
    r = get_project(s, pid);
    e = fix_find_by_id(json_object_get(r->json, "contracts"), c1);
    assert_non_null(e);
    MT_ASSERT_JSON_TYPE(e, "billable", JSON_FALSE);
    MT_ASSERT_JSON_TYPE(e, "active", JSON_FALSE);
    fix_assert_number(e, "hourly_rate", 95);
    mt_resp_free(r);

    /* the user of a contract does not change (the docs: all fields except user_id) */
    json_int_t u3 = create_user(s, key, "Carl", "Notassigned");
    r = nested(s, key, "PUT", pid, "contracts", c1, json_pack("{s:I}", "user_id", u3));
    assert_true(r->status == 200 || r->status == 422);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", c1, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_INT(r->json, "user_id", u1);
    MT_ASSERT_JSON_STR(r->json, "firstname", "Anna");
    mt_resp_free(r);

    r = nested(s, key, "PUT", pid, "contracts", c2, json_pack("{s:s}", "hourly_rate", "x"));
    fix_assert_422(r, "hourly_rate");
    mt_resp_free(r);
    r = nested(s, key, "PUT", pid, "contracts", NO_ID, json_pack("{s:f}", "budget", 1.0));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    /* delete */
    r = nested(s, key, "DELETE", pid, "contracts", c2, NULL);
    MT_ASSERT_STATUS(r, 204);
    assert_int_equal(r->body_len, 0);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", c2, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "DELETE", pid, "contracts", c2, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    fix_assert_list_of(s, key, path, c1);
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "contracts"), 1);
    MT_ASSERT_JSON_INT(r->json, "contracts[0].id", c1);
    mt_resp_free(r);
    /* the person can be assigned again */
    json_int_t again = create_contract(s, pid, u2);
    fix_assert_list_of(s, key, path, c1, again);
}

/* ---- names of users and tasks stay current ---------------------------------------------- */

static void test_renames(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t leader = create_user(s, key, "Old", "Leader");
    json_int_t member = create_user(s, key, "Old", "Member");
    json_int_t company = fix_create_company_as(s, key, "customer", "Rename Customer");
    json_int_t pid = create_project_as(s, key, leader, company, "Renames");
    json_int_t tid = create_task(s, pid, json_pack("{s:s}", "name", "Old Task Name"));
    json_int_t cl = leader_contract(s, key, pid);
    json_int_t cm = create_contract(s, pid, member);

    mt_resp *r = mt_requestf(s, "PUT", key, "{\"firstname\":\"New\",\"lastname\":\"Leadername\"}",
                             USERS "/%lld", (long long)leader);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = mt_requestf(s, "PATCH", key, "{\"lastname\":\"Membername\"}", USERS "/%lld",
                    (long long)member);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = nested(s, key, "PUT", pid, "tasks", tid, json_pack("{s:s}", "name", "New Task Name"));
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    /* the project */
    r = get_project(s, pid);
    MT_ASSERT_JSON_STR(r->json, "leader.firstname", "New");
    MT_ASSERT_JSON_STR(r->json, "leader.lastname", "Leadername");
    json_t *e = fix_find_by_id(json_object_get(r->json, "tasks"), tid);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "name", "New Task Name");
    e = fix_find_by_id(json_object_get(r->json, "contracts"), cl);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "firstname", "New");
    MT_ASSERT_JSON_STR(e, "lastname", "Leadername");
    e = fix_find_by_id(json_object_get(r->json, "contracts"), cm);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "firstname", "Old");
    MT_ASSERT_JSON_STR(e, "lastname", "Membername");
    mt_resp_free(r);
    /* the project list */
    r = mt_getf(s, key, PROJECTS "?ids=%lld", (long long)pid);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "[0].leader.firstname", "New");
    e = fix_find_by_id(mt_json_get(r->json, "[0].contracts"), cl);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "firstname", "New");
    e = fix_find_by_id(mt_json_get(r->json, "[0].tasks"), tid);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "name", "New Task Name");
    mt_resp_free(r);
    /* the contracts themselves */
    r = nested(s, key, "GET", pid, "contracts", cl, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "firstname", "New");
    MT_ASSERT_JSON_STR(r->json, "lastname", "Leadername");
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", 0, NULL);
    MT_ASSERT_STATUS(r, 200);
    e = fix_find_by_id(r->json, cm);
    assert_non_null(e);
    MT_ASSERT_JSON_STR(e, "lastname", "Membername");
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "[0].name", "New Task Name");
    mt_resp_free(r);
}

/* ---- deleting projects and users -------------------------------------------------------- */

static void test_project_delete_takes_tasks_and_contracts(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t pid = create_project(s, "Deleted With Children");
    json_int_t qid = create_project(s, "Sibling");
    json_int_t member = create_user(s, key, "Only", "Onthisproject");
    json_int_t t1 = create_task(s, pid, json_pack("{s:s}", "name", "Child Task 1"));
    json_int_t t2 = create_task(s, pid, json_pack("{s:s}", "name", "Child Task 2"));
    json_int_t c1 = create_contract(s, pid, member);
    json_int_t sibling_task = create_task(s, qid, json_pack("{s:s}", "name", "Sibling Task"));
    json_int_t sibling_contract = leader_contract(s, key, qid); /* fx.leader's */

    mt_resp *r = mt_deletef(s, key, PROJECTS "/%lld", (long long)pid);
    MT_ASSERT_STATUS(r, 200); /* MOCO: 200 with an empty body */
    mt_resp_free(r);
    json_int_t tasks[] = {t1, t2};
    for (int i = 0; i < 2; i++) {
        r = nested(s, key, "GET", pid, "tasks", tasks[i], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        /* not reachable through another project either */
        r = nested(s, key, "GET", qid, "tasks", tasks[i], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
    }
    r = nested(s, key, "GET", pid, "contracts", c1, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", 0, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    /* the member's contract went too: the member can be deleted now */
    r = mt_deletef(s, key, USERS "/%lld", (long long)member);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    /* the sibling keeps its own */
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/tasks", (long long)qid), sibling_task);
    fix_assert_list_of(s, key, fix_fmt(PROJECTS "/%lld/contracts", (long long)qid),
                       sibling_contract);
}

static void test_user_with_contract_cannot_be_deleted(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t pid = create_bare_project(s, "Keeps Its People");
    json_int_t member = create_user(s, key, "Staying", "Member");
    json_int_t cid = create_contract(s, pid, member);

    mt_resp *r = mt_deletef(s, key, USERS "/%lld", (long long)member);
    MT_ASSERT_STATUS(r, 422);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", cid, NULL);
    MT_ASSERT_STATUS(r, 200);
    MT_ASSERT_JSON_STR(r->json, "firstname", "Staying");
    mt_resp_free(r);
    r = get_project(s, pid);
    MT_ASSERT_JSON_INT(r->json, "contracts[0].user_id", member);
    mt_resp_free(r);

    r = nested(s, key, "DELETE", pid, "contracts", cid, NULL);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
    r = mt_deletef(s, key, USERS "/%lld", (long long)member);
    MT_ASSERT_STATUS(r, 204);
    mt_resp_free(r);
}

/* ---- permissions and tenants ------------------------------------------------------------ */

static void test_permissions(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    json_int_t pid = create_bare_project(s, "Read Only Children");
    json_int_t tid = create_task(s, pid, json_pack("{s:s}", "name", "Read Only Task"));
    json_int_t member = create_user(s, key, "Read", "Only");
    json_int_t other_member = create_user(s, key, "Read", "Other");
    json_int_t cid = create_contract(s, pid, member);
    char *ro = fix_keep(mt_account_key(s, MT_ACCOUNT, "read"));

    mt_resp *r = nested(s, ro, "GET", pid, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = nested(s, ro, "GET", pid, "tasks", tid, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = nested(s, ro, "GET", pid, "contracts", 0, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);
    r = nested(s, ro, "GET", pid, "contracts", cid, NULL);
    MT_ASSERT_STATUS(r, 200);
    mt_resp_free(r);

    r = nested(s, ro, "POST", pid, "tasks", 0, json_pack("{s:s}", "name", "Nope"));
    MT_ASSERT_STATUS(r, 403);
    MT_ASSERT_JSON_TYPE(r->json, "message", JSON_STRING);
    mt_resp_free(r);
    r = nested(s, ro, "PUT", pid, "tasks", tid, json_pack("{s:s}", "name", "Nope"));
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = nested(s, ro, "DELETE", pid, "tasks", tid, NULL);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = mt_deletef(s, ro, PROJECTS "/%lld/tasks/destroy_all", (long long)pid);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = nested(s, ro, "POST", pid, "contracts", 0, json_pack("{s:I}", "user_id", other_member));
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = nested(s, ro, "PUT", pid, "contracts", cid, json_pack("{s:f}", "budget", 1.0));
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);
    r = nested(s, ro, "DELETE", pid, "contracts", cid, NULL);
    MT_ASSERT_STATUS(r, 403);
    mt_resp_free(r);

    /* nothing changed */
    r = get_project(s, pid);
    assert_int_equal(mt_json_len(r->json, "tasks"), 1);
    MT_ASSERT_JSON_STR(r->json, "tasks[0].name", "Read Only Task");
    assert_int_equal(mt_json_len(r->json, "contracts"), 1);
    MT_ASSERT_JSON_NULL(r->json, "contracts[0].budget");
    mt_resp_free(r);

    r = nested(s, NULL, "GET", pid, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 401);
    mt_resp_free(r);
}

static void test_tenant_isolation(void **state)
{
    mt_server *s = *state;
    fixture(s);
    const char *key = mt_admin_key(s);
    const char *ok = other(s);
    json_int_t pid = create_project(s, "Acme Children");
    json_int_t tid = create_task(s, pid, json_pack("{s:s}", "name", "Acme Secret Task"));
    json_int_t member = create_user(s, key, "Acme", "Member");
    json_int_t cid = create_contract(s, pid, member);
    mt_resp *orig = get_project(s, pid);

    const char *kinds[] = {"tasks", "contracts"};
    json_int_t ids[] = {tid, cid};
    for (int k = 0; k < 2; k++) {
        mt_resp *r = nested(s, ok, "GET", pid, kinds[k], 0, NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, ok, "GET", pid, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, ok, "PUT", pid, kinds[k], ids[k],
                   json_pack("{s:s, s:f}", "name", "Hijacked", "budget", 1.0));
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, ok, "DELETE", pid, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        /* through the other account's own project */
        r = nested(s, ok, "GET", fx.other_project, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, ok, "PUT", fx.other_project, kinds[k], ids[k],
                   json_pack("{s:f}", "budget", 1.0));
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
        r = nested(s, ok, "DELETE", fx.other_project, kinds[k], ids[k], NULL);
        MT_ASSERT_STATUS(r, 404);
        mt_resp_free(r);
    }
    mt_resp *r = nested(s, ok, "POST", pid, "tasks", 0, json_pack("{s:s}", "name", "Planted"));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, ok, "POST", pid, "contracts", 0, json_pack("{s:I}", "user_id", fx.other_user));
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = mt_deletef(s, ok, PROJECTS "/%lld/tasks/destroy_all", (long long)pid);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    /* acme's user cannot be put on the other account's project */
    r = nested(s, ok, "POST", fx.other_project, "contracts", 0,
               json_pack("{s:I}", "user_id", member));
    fix_assert_422(r, "user_id");
    mt_resp_free(r);

    /* the other account's lists show only its own */
    fix_assert_list_of(s, ok, fix_fmt(PROJECTS "/%lld/tasks", (long long)fx.other_project),
                       fx.other_task);
    fix_assert_list_of(s, ok, fix_fmt(PROJECTS "/%lld/contracts", (long long)fx.other_project),
                       fx.other_contract);
    /* and acme cannot reach the other account's */
    r = nested(s, key, "GET", fx.other_project, "tasks", 0, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "tasks", fx.other_task, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);
    r = nested(s, key, "GET", pid, "contracts", fx.other_contract, NULL);
    MT_ASSERT_STATUS(r, 404);
    mt_resp_free(r);

    r = get_project(s, pid);
    fix_assert_json_equal(r->json, orig->json);
    mt_resp_free(r);
    mt_resp_free(orig);
}

static int teardown(void **state)
{
    fix_free_strings();
    return fix_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_create_and_get),
        cmocka_unit_test(test_task_validation),
        cmocka_unit_test(test_task_list),
        cmocka_unit_test(test_task_update),
        cmocka_unit_test(test_task_delete),
        cmocka_unit_test(test_task_destroy_all),
        cmocka_unit_test(test_wrong_parent),
        cmocka_unit_test(test_contract_create),
        cmocka_unit_test(test_contract_list_update_delete),
        cmocka_unit_test(test_renames),
        cmocka_unit_test(test_project_delete_takes_tasks_and_contracts),
        cmocka_unit_test(test_user_with_contract_cannot_be_deleted),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, mt_setup, teardown);
}
