/* Unit tests of the engine's per-request memo (engine/memo.c): what it remembers, and that it
 * forgets at a delete and at a write of another resource. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "engine/internal.h"
#include <stdlib.h>
#include "resources/resources.h"

static struct req *new_req(void)
{
    struct req *r = calloc(1, sizeof(*r));
    r->arena = calloc(1, sizeof(*r->arena));
    arena_init(r->arena, 4096);
    return r;
}

static void free_req(struct req *r)
{
    arena_release(r->arena);
    free(r->arena);
    free(r);
}

static void remembers_rows_and_hooks(void **state)
{
    (void)state;
    struct req *r = new_req();
    assert_int_equal(memo_exists(r, &res_projects, 7), -1); /* not known: ask the database */
    memo_exists_set(r, &res_projects, 7);
    assert_int_equal(memo_exists(r, &res_projects, 7), 1);
    assert_int_equal(memo_exists(r, &res_projects, 8), -1);
    assert_int_equal(memo_exists(r, &res_project_tasks, 7), -1); /* per resource */
    assert_int_equal(memo_hooks(r, &res_activities, "create"), -1);
    memo_hooks_set(r, &res_activities, "create", false);
    memo_hooks_set(r, &res_activities, "update", true);
    assert_int_equal(memo_hooks(r, &res_activities, "create"), 0);
    assert_int_equal(memo_hooks(r, &res_activities, "update"), 1);
    assert_int_equal(memo_hooks(r, &res_activities, "delete"), -1);
    assert_int_equal(memo_exists(r, &res_activities, -1), -1); /* hooks are not rows */
    free_req(r);
}

static void forgets_at_deletes_and_other_writers(void **state)
{
    (void)state;
    struct req *r = new_req();
    memo_write(r, &res_activities, false); /* the first writer: nothing to forget */
    memo_exists_set(r, &res_projects, 7);
    memo_hooks_set(r, &res_activities, "create", false);
    memo_write(r, &res_activities, false); /* the same writer again: kept */
    assert_int_equal(memo_exists(r, &res_projects, 7), 1);
    assert_int_equal(memo_hooks(r, &res_activities, "create"), 0);
    memo_write(r, &res_web_hooks, false); /* a web hook written: hooks may listen now */
    assert_int_equal(memo_hooks(r, &res_activities, "create"), -1);
    assert_int_equal(memo_exists(r, &res_projects, 7), -1);
    memo_exists_set(r, &res_projects, 7);
    memo_write(r, &res_web_hooks, true); /* any delete: rows may be gone */
    assert_int_equal(memo_exists(r, &res_projects, 7), -1);
    memo_exists_set(r, &res_projects, 9);
    memo_write(r, &res_web_hooks, false); /* after a delete, even the same writer starts over */
    assert_int_equal(memo_exists(r, &res_projects, 9), -1);
    free_req(r);
}

static void a_full_memo_stops_remembering(void **state)
{
    (void)state;
    struct req *r = new_req();
    for (int64_t id = 1; id <= 5000; id++)
        memo_exists_set(r, &res_projects, id);
    int known = 0;
    for (int64_t id = 1; id <= 5000; id++)
        if (memo_exists(r, &res_projects, id) == 1)
            known++;
    assert_true(known > 0 && known < 5000); /* bounded; what it holds stays right */
    assert_int_equal(memo_exists(r, &res_projects, 5001), -1);
    free_req(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(remembers_rows_and_hooks),
        cmocka_unit_test(forgets_at_deletes_and_other_writers),
        cmocka_unit_test(a_full_memo_stops_remembering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
