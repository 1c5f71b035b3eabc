/*
 * Unit tests of the resource declarations (engine/resource.h, resources/resources.h): the
 * registry is consistent, the engine accepts it, and the schema made from it has every column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/migrate.h"
#include "engine/engine.h"
#include "engine/resource.h"
#include "resources/resources.h"

#include "unit_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 256 /* a declaration without its {0} terminator runs past this */

static int nresources(void)
{
    int n = 0;
    while (all_resources[n])
        n++;
    return n;
}

/* The column a stored field lives in (as the engine derives it). */
static void column_of(const struct field *f, char *out, size_t outlen)
{
    if (f->column)
        snprintf(out, outlen, "%s", f->column);
    else if (f->type == FT_REF)
        snprintf(out, outlen, "%s_id", f->name);
    else
        snprintf(out, outlen, "%s", f->name);
}

static bool stored(const struct field *f)
{
    return f->type != FT_HAS_MANY && f->type != FT_EXPR && !(f->flags & F_TRANSIENT);
}

static bool registered(const struct resource *res)
{
    for (int i = 0; all_resources[i]; i++)
        if (all_resources[i] == res)
            return true;
    return false;
}

/* ------------------------------------------------------------ declarations */

static void registry_is_not_empty(void **state)
{
    (void)state;
    assert_true(nresources() >= 6);
    assert_true(registered(&res_users));
    assert_true(registered(&res_profile));
    assert_true(registered(&res_units));
    assert_true(registered(&res_user_roles));
    assert_true(registered(&res_custom_properties));
    assert_true(registered(&res_tags));
}

static void every_resource_is_complete(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        assert_non_null(res->name);
        assert_true(res->name[0] != '\0');
        if (!res->path || !*res->path || !res->table || !*res->table || !res->fields)
            fail_msg("resource %s lacks path, table or fields", res->name);
        if (res->path[0] == '/' || res->path[strlen(res->path) - 1] == '/')
            fail_msg("resource %s: path \"%s\" must not start or end with /", res->name, res->path);
        int n = 0;
        while (n < MAX_FIELDS && res->fields[n].name)
            n++;
        if (n == MAX_FIELDS)
            fail_msg("resource %s: fields are not terminated by {0}", res->name);
        assert_true(n > 0);
        /* the terminator is all zero, as {0} makes it */
        const struct field *end = &res->fields[n];
        assert_int_equal(end->type, 0);
        assert_int_equal(end->flags, 0);
        assert_null(end->column);
        assert_null(end->ref);
        if (res->read_area == AREA_UNSET || res->read_area < AREA_ANY ||
            res->read_area >= AREA_COUNT || res->write_area < AREA_ANY ||
            res->write_area >= AREA_COUNT)
            fail_msg("resource %s: permission area undeclared or out of range", res->name);
    }
}

static void field_names_are_unique_and_not_reserved(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        for (const struct field *f = res->fields; f->name; f++) {
            if (!*f->name)
                fail_msg("resource %s: a field without a name", res->name);
            /* id, created_at and updated_at are rendered by the engine itself (at the top; a
             * nested object may have an id of its own: a schedule's assignment.id) */
            if (!f->group && (!strcmp(f->name, "id") || !strcmp(f->name, "created_at") ||
                              !strcmp(f->name, "updated_at")))
                fail_msg("resource %s declares the implicit field %s", res->name, f->name);
            /* a name is unique within its nested object (customer_vat.tax, supplier_vat.tax) */
            for (const struct field *g = f + 1; g->name; g++)
                if (!strcmp(f->name, g->name) &&
                    ((!f->group && !g->group) ||
                     (f->group && g->group && !strcmp(f->group, g->group))))
                    fail_msg("resource %s declares %s twice", res->name, f->name);
            /* resource_field finds the first field of a name: for top-level fields, this one */
            if (!f->group)
                assert_ptr_equal(resource_field(res, f->name), f);
        }
        assert_null(resource_field(res, "no_such_field"));
    }
}

static void stored_columns_are_unique(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        for (const struct field *f = res->fields; f->name; f++) {
            if (!stored(f))
                continue;
            char a[128];
            column_of(f, a, sizeof(a));
            if (!strcmp(a, "id") || !strcmp(a, "account_id") || !strcmp(a, "created_at") ||
                !strcmp(a, "updated_at"))
                fail_msg("resource %s: field %s uses the engine's column %s", res->name, f->name,
                         a);
            for (const struct field *g = f + 1; g->name; g++) {
                if (!stored(g))
                    continue;
                char b[128];
                column_of(g, b, sizeof(b));
                /* a read-only field may show another field's column (billing_tax) */
                if (!strcmp(a, b) && !((f->flags | g->flags) & F_READONLY))
                    fail_msg("resource %s: fields %s and %s share column %s", res->name, f->name,
                             g->name, a);
            }
        }
    }
}

static void references_are_declared(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        for (const struct field *f = res->fields; f->name; f++) {
            if (f->type != FT_REF && f->type != FT_HAS_MANY)
                continue;
            if (!f->ref)
                fail_msg("%s.%s has no .ref", res->name, f->name);
            if (!registered(f->ref))
                fail_msg("%s.%s refers to a resource that is not registered", res->name, f->name);
            if (f->ref->flags & R_VIEW)
                fail_msg("%s.%s refers to the view %s", res->name, f->name, f->ref->name);
            if (f->type == FT_HAS_MANY) {
                if (!f->fk || !f->ref_fields)
                    fail_msg("%s.%s (has many) needs .fk and .ref_fields", res->name, f->name);
                /* the child has a stored column named fk */
                /* ... or it is the child's parent link (projects/{id}/tasks) */
                bool found = f->ref->parent_fk && !strcmp(f->ref->parent_fk, f->fk);
                for (const struct field *c = f->ref->fields; c->name; c++) {
                    char col[128];
                    column_of(c, col, sizeof(col));
                    if (stored(c) && !strcmp(col, f->fk))
                        found = true;
                }
                if (!found)
                    fail_msg("%s.%s: %s has no column %s", res->name, f->name, f->ref->name, f->fk);
            }
            /* every listed field (default "id,name") exists in the target */
            const char *list = f->ref_fields ? f->ref_fields : "id,name";
            char copy[512];
            snprintf(copy, sizeof(copy), "%s", list);
            char *save = NULL;
            int n = 0;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                n++;
                if (!strcmp(tok, "id") || !strcmp(tok, "created_at") || !strcmp(tok, "updated_at"))
                    continue; /* the engine's own columns */
                const struct field *sub = resource_field(f->ref, tok);
                if (!sub)
                    fail_msg("%s.%s lists %s, which %s does not declare", res->name, f->name, tok,
                             f->ref->name);
                /* children are read in a batch query: a column, or an expression the engine
                 * rewrites for the child's alias */
                if (f->type == FT_HAS_MANY && !stored(sub) && sub->type != FT_EXPR)
                    fail_msg("%s.%s lists %s.%s, which has no column", res->name, f->name,
                             f->ref->name, tok);
            }
            assert_true(n > 0);
        }
    }
}

static void typed_fields_have_what_they_need(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        for (const struct field *f = res->fields; f->name; f++) {
            if (f->type == FT_ENUM && (!f->options || !f->options[0]))
                fail_msg("%s.%s: an enum needs options", res->name, f->name);
            if (f->type == FT_EXPR && (!f->sql || !*f->sql))
                fail_msg("%s.%s: an expression needs .sql", res->name, f->name);
            if (f->type != FT_REF && f->type != FT_HAS_MANY && f->type != FT_IDLIST &&
                (f->ref || f->ref_fields || f->fk))
                fail_msg("%s.%s: .ref/.ref_fields/.fk only belong to references", res->name,
                         f->name);
            if (f->maxlen < 0)
                fail_msg("%s.%s: negative maxlen", res->name, f->name);
            if ((f->flags & F_REQUIRED) && (f->flags & (F_READONLY | F_INTERNAL)))
                fail_msg("%s.%s: required but never accepted as input", res->name, f->name);
        }
    }
}

static void paths_names_and_tables_are_unique(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *a = all_resources[i];
        for (int k = i + 1; all_resources[k]; k++) {
            const struct resource *b = all_resources[k];
            if (!strcmp(a->path, b->path))
                fail_msg("resources %s and %s share the path %s", a->name, b->name, a->path);
            if (!strcmp(a->name, b->name))
                fail_msg("two resources are named %s", a->name);
            /* only views share a table, never two owners */
            if (!strcmp(a->table, b->table) && !(a->flags & R_VIEW) && !(b->flags & R_VIEW))
                fail_msg("resources %s and %s both own table %s", a->name, b->name, a->table);
        }
    }
}

static void views_read_columns_their_owner_has(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *v = all_resources[i];
        if (!(v->flags & R_VIEW))
            continue;
        const struct resource *owner = NULL;
        for (int k = 0; all_resources[k]; k++)
            if (!(all_resources[k]->flags & R_VIEW) && !strcmp(all_resources[k]->table, v->table))
                owner = all_resources[k];
        if (!owner)
            fail_msg("view %s reads table %s, which no resource owns", v->name, v->table);
        for (const struct field *f = v->fields; f->name; f++) {
            if (!stored(f))
                continue;
            char want[128];
            column_of(f, want, sizeof(want));
            bool found = false;
            for (const struct field *g = owner->fields; g->name; g++) {
                char col[128];
                column_of(g, col, sizeof(col));
                if (stored(g) && !strcmp(col, want))
                    found = true;
            }
            if (!found)
                fail_msg("view %s.%s reads column %s, which %s does not declare", v->name, f->name,
                         want, owner->name);
        }
    }
}

static void targets_resolve(void **state)
{
    (void)state;
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        if (!res->target || (res->flags & R_VIEW))
            continue;
        assert_ptr_equal(resource_by_target(res->target), res);
    }
    assert_ptr_equal(resource_by_target("User"), &res_users); /* not the profile view */
    assert_ptr_equal(resource_by_target("Unit"), &res_units);
    assert_null(resource_by_target("NoSuchThing"));
    assert_ptr_equal(resource_field_of_type(&res_users, FT_TAGS),
                     resource_field(&res_users, "tags"));
    assert_null(resource_field_of_type(&res_units, FT_TAGS));
}

static void engine_init_accepts_declarations(void **state)
{
    (void)state;
    assert_int_equal(engine_init(&mocod_registry), 0);
    assert_int_equal(engine_init(&mocod_registry), 0); /* once is enough, twice is harmless */
}

/* The lint refuses what would otherwise silently get a default: here a resource without areas,
 * an action with an answer of its own but no renderer, and a route without an area. */
static const struct field lint_fields[] = {{"name", FT_TEXT}, {0}};
static int lint_noop(struct req *r)
{
    (void)r;
    return 0;
}
static const struct action lint_actions[] = {{"PUT", "poke", .answer = ANSWER_OWN}, {0}};
static const struct resource lint_unset = {
    .name = "lint_unset",
    .path = "lint_unset",
    .table = "lint_unset",
    .target = "LintUnset",
    .fields = lint_fields,
    .actions = lint_actions,
};
static const struct route_decl lint_routes[] = {{"GET", "lint", lint_noop, 0}, {0}};

static void lint_refuses_undeclared_permissions(void **state)
{
    (void)state;
    char err[2048];
    assert_int_equal(engine_lint(&mocod_registry, err, sizeof(err)), 0);
    assert_string_equal(err, "");

    const struct resource *const bad_resources[] = {&res_units, &lint_unset, NULL};
    const struct route_decl *const bad_routes[] = {lint_routes, NULL};
    const struct registry bad = {bad_resources, bad_routes};
    assert_int_equal(engine_lint(&bad, err, sizeof(err)), 4);
    assert_non_null(strstr(err, "lint_unset: no read_area declared"));
    assert_non_null(strstr(err, "lint_unset: no write_area declared"));
    assert_non_null(strstr(err, "lint_unset/poke: ANSWER_OWN needs .render"));
    assert_non_null(strstr(err, "route GET lint: no permission area declared"));
}

/* Totals over a column the resource does not store, under a name that is no totals_ table; a
 * view without an area, and one with a day limit but no range. */
static const struct total_col lint_keys[] = {{"who", DBT_BIGINT, "$.no_such_column"}, {0}};
static const struct total_col lint_sums[] = {{"n", DBT_BIGINT, "length($.name)"}, {0}};
static const struct totals_decl lint_totals[] = {{"counts", lint_keys, lint_sums}, {0}};
static const struct resource lint_totals_res = {
    .name = "lint_totals",
    .path = "lint_totals",
    .table = "lint_totals",
    .target = "LintTotals",
    .fields = lint_fields,
    .read_area = AREA_REPORT,
    .write_area = AREA_REPORT,
    .totals = lint_totals,
};
static int lint_view(struct req *r, const struct view_args *a)
{
    (void)r;
    (void)a;
    return 0;
}
static const struct view lint_views[] = {
    {"lint/no_area", AREA_UNSET, VP_RANGE, 0, lint_view},
    {"lint/days", AREA_REPORT, VP_YEAR, 31, lint_view},
    {0},
};

static void lint_refuses_bad_totals_and_views(void **state)
{
    (void)state;
    char err[2048];
    const struct resource *const bad_resources[] = {&lint_totals_res, NULL};
    const struct route_decl *const no_routes[] = {NULL};
    const struct view *const bad_views[] = {lint_views, NULL};
    const struct registry bad = {bad_resources, no_routes, bad_views};
    assert_int_equal(engine_lint(&bad, err, sizeof(err)), 4);
    assert_non_null(strstr(err, "lint_totals: totals need a table totals_NAME"));
    assert_non_null(strstr(err, "lint_totals: totals counts.who"));
    assert_non_null(strstr(err, "view lint/no_area: no permission area declared"));
    assert_non_null(strstr(err, "view lint/days: unknown parameters, or max_days without"));
}

/* ------------------------------------------------------------------ schema */

static int setup_db(void **state)
{
    *state = unit_db_open("decl", "schema.db", false);
    return *state ? 0 : -1;
}

static int teardown_db(void **state)
{
    unit_db_close(*state);
    return 0;
}

static void assert_column(db_conn *c, const char *table, const char *column)
{
    if (!db_column_exists(c, table, column))
        fail_msg("missing column %s.%s", table, column);
}

static void sync_schema_creates_every_table(void **state)
{
    struct unit_db *fx = *state;
    assert_int_equal(engine_init(&mocod_registry), 0);
    assert_int_equal(db_migrate(fx->d, NULL), 0);
    db_conn *c = db_acquire(fx->d);
    assert_non_null(c);
    assert_false(db_column_exists(c, "users", "firstname"));
    /* the schema sync on its own, in a transaction as db_migrate runs it */
    assert_int_equal(db_begin(c, true), DB_OK);
    assert_int_equal(engine_sync_schema(fx->d, c), 0);
    assert_int_equal(db_commit(c), DB_OK);

    /* a few columns named outright */
    assert_column(c, "users", "firstname");
    assert_column(c, "users", "unit_id");
    assert_column(c, "users", "role_id");
    assert_column(c, "users", "password_hash");
    assert_column(c, "users", "extern");
    assert_column(c, "users", "uuid");
    assert_column(c, "users", "tags");
    assert_column(c, "users", "custom_properties");
    assert_column(c, "units", "name");
    assert_column(c, "tags", "context");
    assert_column(c, "tags", "color");
    assert_column(c, "user_roles", "perm_report");
    assert_column(c, "custom_properties", "defaults");
    /* not stored: has-many and expressions */
    assert_false(db_column_exists(c, "units", "users"));
    assert_false(db_column_exists(c, "users", "full_name"));

    /* every table with the engine's columns and a column per stored field */
    for (int i = 0; all_resources[i]; i++) {
        const struct resource *res = all_resources[i];
        assert_column(c, res->table, "id");
        assert_column(c, res->table, "account_id");
        assert_column(c, res->table, "created_at");
        assert_column(c, res->table, "updated_at");
        for (const struct field *f = res->fields; f->name; f++) {
            if (!stored(f))
                continue;
            char col[128];
            column_of(f, col, sizeof(col));
            assert_column(c, res->table, col);
        }
    }
    /* the references got an index (account_id, column) */
    int64_t n = 0;
    assert_int_equal(db_query_i64(c,
                                  "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'users' AND sql LIKE '%(account_id, unit_id)%'",
                                  NULL, 0, 0, &n),
                     DB_OK);
    assert_int_equal(n, 1);
    /* rows need an account */
    assert_int_equal(db_exec(c,
                             "INSERT INTO units (account_id, name, created_at, updated_at) "
                             "VALUES (999, 'x', 't', 't')",
                             NULL, 0),
                     DB_CONSTRAINT);
    db_release(fx->d, c);

    /* running it again (now as start-up does) is harmless */
    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    c = db_acquire(fx->d);
    assert_column(c, "users", "firstname");
    db_release(fx->d, c);
}

static void sync_schema_adds_missing_columns(void **state)
{
    struct unit_db *fx = *state;
    assert_int_equal(engine_init(&mocod_registry), 0);
    assert_int_equal(db_migrate(fx->d, NULL), 0);
    db_conn *c = db_acquire(fx->d);
    assert_non_null(c);
    /* an older units table without the declared columns, with a row */
    assert_int_equal(db_exec_script(c, "INSERT INTO accounts (subdomain, name, created_at, "
                                       "updated_at) VALUES ('a', 'A', 't', 't');"
                                       "CREATE TABLE units (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                       "account_id INTEGER NOT NULL, created_at TEXT NOT NULL, "
                                       "updated_at TEXT NOT NULL);"
                                       "INSERT INTO units (account_id, created_at, updated_at) "
                                       "VALUES (1, 't', 't')"),
                     DB_OK);
    assert_false(db_column_exists(c, "units", "name"));
    db_release(fx->d, c);

    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    c = db_acquire(fx->d);
    assert_column(c, "units", "name");
    int64_t n = 0;
    assert_int_equal(db_query_i64(c, "SELECT COUNT(*) FROM units", NULL, 0, -1, &n), DB_OK);
    assert_int_equal(n, 1); /* the row is kept */
    db_release(fx->d, c);
}

static int64_t q(db_conn *c, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(db_query_i64(c, sql, NULL, 0, -1, &v), DB_OK);
    return v;
}

#define DAY_ROW(user, date)                                                                        \
    "FROM totals_activity_user_days WHERE account_id = 1 AND user_id = " user " AND date = '" date \
    "'"
#define MONTH_ROW(month)                                                                           \
    "FROM totals_activity_months WHERE account_id = 1 AND user_id = 7 AND project_id = 3 AND "     \
    "month = '" month "'"

/* The totals the activities declare follow every write, also writes in plain SQL that no engine
 * code sees (the triggers are the database's), and are made anew when their definition changed. */
static void totals_follow_every_write(void **state)
{
    struct unit_db *fx = *state;
    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    db_conn *c = db_acquire(fx->d);
    assert_non_null(c);
    assert_int_equal(
        db_exec_script(
            c, "INSERT INTO accounts (subdomain, name, created_at, updated_at) VALUES ('a', 'A', "
               "'t', 't');"
               "INSERT INTO activities (id, account_id, user_id, project_id, task_id, date, "
               "seconds, billable, created_at, updated_at) VALUES "
               "(1, 1, 7, 3, 1, '2026-03-01', 100, 1, 't', 't'),"
               "(2, 1, 7, 3, 1, '2026-03-01', 50, 0, 't', 't'),"
               "(3, 1, 7, 3, 1, '2026-03-31', 10, 1, 't', 't'),"
               "(4, 1, 8, 3, 1, '2026-03-01', NULL, NULL, 't', 't')"),
        DB_OK);
    assert_int_equal(q(c, "SELECT billable_seconds " DAY_ROW("7", "2026-03-01")), 100);
    assert_int_equal(q(c, "SELECT unbillable_seconds " DAY_ROW("7", "2026-03-01")), 50);
    assert_int_equal(q(c, "SELECT n_rows " DAY_ROW("7", "2026-03-01")), 2);
    assert_int_equal(q(c, "SELECT n_rows " DAY_ROW("8", "2026-03-01")), 1); /* no seconds: 0 */
    assert_int_equal(q(c, "SELECT unbillable_seconds " DAY_ROW("8", "2026-03-01")), 0);
    assert_int_equal(q(c, "SELECT seconds " MONTH_ROW("2026-03")), 160);

    /* a move to another day and month, a change of the flag, a change that counts for nothing */
    assert_int_equal(db_exec_script(c, "UPDATE activities SET date = '2026-04-01', billable = 0 "
                                       "WHERE id = 3; UPDATE activities SET description = 'x' "
                                       "WHERE id = 1; UPDATE activities SET billable = 1 WHERE "
                                       "id = 2"),
                     DB_OK);
    assert_int_equal(q(c, "SELECT COUNT(*) " DAY_ROW("7", "2026-03-31")), 0);
    assert_int_equal(q(c, "SELECT unbillable_seconds " DAY_ROW("7", "2026-04-01")), 10);
    assert_int_equal(q(c, "SELECT billable_seconds " DAY_ROW("7", "2026-03-01")), 150);
    assert_int_equal(q(c, "SELECT unbillable_seconds " DAY_ROW("7", "2026-03-01")), 0);
    assert_int_equal(q(c, "SELECT seconds " MONTH_ROW("2026-03")), 150);
    assert_int_equal(q(c, "SELECT seconds " MONTH_ROW("2026-04")), 10);

    /* a row without a key (no declared writer makes one) counts nowhere, and the write holds */
    assert_int_equal(db_exec_script(c, "UPDATE activities SET user_id = NULL WHERE id = 4"), DB_OK);
    assert_int_equal(q(c, "SELECT COUNT(*) " DAY_ROW("8", "2026-03-01")), 0);
    assert_int_equal(db_exec_script(c, "UPDATE activities SET user_id = 8 WHERE id = 4"), DB_OK);
    assert_int_equal(q(c, "SELECT n_rows " DAY_ROW("8", "2026-03-01")), 1);

    /* deletes: a key without rows goes */
    assert_int_equal(db_exec_script(c, "DELETE FROM activities WHERE id IN (1, 3)"), DB_OK);
    assert_int_equal(q(c, "SELECT COUNT(*) " MONTH_ROW("2026-04")), 0);
    assert_int_equal(q(c, "SELECT seconds " MONTH_ROW("2026-03")), 50);
    assert_int_equal(q(c, "SELECT n_rows " DAY_ROW("7", "2026-03-01")), 1);

    /* the next start makes totals of a changed definition anew from the rows */
    assert_int_equal(db_exec_script(c, "UPDATE totals_activity_months SET seconds = 999; UPDATE "
                                       "totals_definitions SET definition = 'older'; UPDATE "
                                       "activities SET date = NULL WHERE id = 4"),
                     DB_OK);
    db_release(fx->d, c);
    assert_int_equal(db_migrate(fx->d, engine_sync_schema), 0);
    c = db_acquire(fx->d);
    assert_int_equal(q(c, "SELECT seconds " MONTH_ROW("2026-03")), 50);
    assert_int_equal(q(c, "SELECT COUNT(*) FROM totals_definitions WHERE definition = 'older'"), 0);
    assert_int_equal(q(c, "SELECT COUNT(*) FROM totals_activity_user_days WHERE user_id = 8"), 0);
    /* and an account's rows go with it */
    assert_int_equal(db_exec_script(c, "DELETE FROM accounts WHERE id = 1"), DB_OK);
    assert_int_equal(q(c, "SELECT COUNT(*) FROM totals_activity_user_days"), 0);
    assert_int_equal(q(c, "SELECT COUNT(*) FROM totals_activity_months"), 0);
    db_release(fx->d, c);
}

int main(void)
{
    if (engine_init(&mocod_registry)) /* what the server does first */
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_is_not_empty),
        cmocka_unit_test(every_resource_is_complete),
        cmocka_unit_test(field_names_are_unique_and_not_reserved),
        cmocka_unit_test(stored_columns_are_unique),
        cmocka_unit_test(references_are_declared),
        cmocka_unit_test(typed_fields_have_what_they_need),
        cmocka_unit_test(paths_names_and_tables_are_unique),
        cmocka_unit_test(views_read_columns_their_owner_has),
        cmocka_unit_test(targets_resolve),
        cmocka_unit_test(engine_init_accepts_declarations),
        cmocka_unit_test(lint_refuses_undeclared_permissions),
        cmocka_unit_test(lint_refuses_bad_totals_and_views),
        cmocka_unit_test_setup_teardown(sync_schema_creates_every_table, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(sync_schema_adds_missing_columns, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(totals_follow_every_write, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
