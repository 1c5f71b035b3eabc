/*
 * fixtures — small helpers shared by the API tests (tests/api/): lookups in JSON replies,
 * assertions on error bodies and lists, and the usual set-up requests (the first unit, a user, a
 * company, a custom property, the keys of account "other").
 *
 * They build on mt.h and fail the calling test the same way: helpers that assert are macros that
 * pass __FILE__ and __LINE__ to a name_() function, which reports through cmocka (print_error +
 * _fail) with the request, the body it saw and the caller's position. Requests that must succeed
 * fail the test (through mt_assert_status_) unless the reply has the expected status.
 *
 * Memory: `char *` results are malloc'd and owned by the caller; `const char *` results are
 * borrowed; json_t bodies passed in are consumed (stolen references), as with mt_request_json().
 */
#ifndef FIXTURES_H
#define FIXTURES_H

#include "mt.h"

/* The second account (tenant) the isolation tests create on the same database. */
#define FIX_OTHER_ACCOUNT  "other"
#define FIX_OTHER_EMAIL    "admin@other.test"
#define FIX_OTHER_PASSWORD "other-pass-1"

/* ---- lookups in JSON -------------------------------------------------------------------- */

/* The element of the array `arr` whose "id" is the integer `id` (borrowed), NULL if there is none
 * or arr is not an array. */
json_t *fix_find_by_id(const json_t *arr, json_int_t id);

/* Like fix_find_by_id, but fails the test unless arr is an array. */
#define fix_find_by_id_strict(arr, id) fix_find_by_id_strict_((arr), (id), __FILE__, __LINE__)
json_t *fix_find_by_id_strict_(const json_t *arr, json_int_t id, const char *file, int line);

/* The element of the array `arr` whose string member `key` equals `value` (borrowed), NULL if
 * there is none; fails the test unless arr is an array. */
#define fix_find_by_str(arr, key, value) fix_find_by_str_((arr), (key), (value), __FILE__, __LINE__)
json_t *fix_find_by_str_(const json_t *arr, const char *key, const char *value, const char *file,
                         int line);

/* ---- assertions ------------------------------------------------------------------------- */

/* Fail unless r is a 422 whose body has a string "message" and an object "errors" where
 * errors[field] is a non-empty array whose first element is a string. field NULL: any field
 * (errors must be a non-empty object). */
#define fix_assert_422(r, field) fix_assert_422_((r), (field), __FILE__, __LINE__)
void fix_assert_422_(const mt_resp *r, const char *field, const char *file, int line);

/* Fail unless r has this status and a string "message" in its JSON body. */
#define fix_assert_error(r, status) fix_assert_error_((r), (status), __FILE__, __LINE__)
void fix_assert_error_(const mt_resp *r, long status, const char *file, int line);

/* Stricter: fail unless r has this status, Content-Type "application/json; charset=utf-8" and a
 * JSON object body with a non-empty string "message". */
#define FIX_JSON_CT                      "application/json; charset=utf-8"
#define fix_assert_json_error(r, status) fix_assert_json_error_((r), (status), __FILE__, __LINE__)
void fix_assert_json_error_(const mt_resp *r, long status, const char *file, int line);

/* Fail unless the JSON value v (may be NULL) equals the JSON text `expected` (any JSON value).
 * r (may be NULL) names the request in the failure message. */
#define fix_assert_json_eq(v, expected, r)                                                         \
    fix_assert_json_eq_((v), (expected), (r), __FILE__, __LINE__)
void fix_assert_json_eq_(const json_t *v, const char *expected, const mt_resp *r, const char *file,
                         int line);

/* Fail unless the value at path is a JSON real within 1e-9 of want. */
#define fix_assert_real_eq(root, path, want)                                                       \
    fix_assert_real_eq_((root), (path), (want), __FILE__, __LINE__)
void fix_assert_real_eq_(const json_t *root, const char *path, double want, const char *file,
                         int line);

/* Fail unless the value at path is JSON null or of this type (as MT_ASSERT_JSON_TYPE). */
#define fix_assert_type_or_null(root, path, type)                                                  \
    fix_assert_type_or_null_((root), (path), (type), __FILE__, __LINE__)
void fix_assert_type_or_null_(const json_t *root, const char *path, json_type type,
                              const char *file, int line);

/*
 * GET path with key and fail unless the status is 200 and the reply is an array of exactly the n
 * ids in `want`:
 *   fix_assert_list_ids            — in this order, and the X-Total header says n;
 *   fix_assert_list_ids_any_order  — in any order, and the X-Total header says n;
 *   fix_assert_list_order          — in this order (X-Total is not checked).
 */
#define fix_assert_list_ids(s, key, path, want, n)                                                 \
    fix_assert_list_((s), (key), (path), (want), (n), true, true, __FILE__, __LINE__)
#define fix_assert_list_ids_any_order(s, key, path, want, n)                                       \
    fix_assert_list_((s), (key), (path), (want), (n), false, true, __FILE__, __LINE__)
#define fix_assert_list_order(s, key, path, want, n)                                               \
    fix_assert_list_((s), (key), (path), (want), (n), true, false, __FILE__, __LINE__)
void fix_assert_list_(mt_server *s, const char *key, const char *path, const json_int_t *want,
                      size_t n, bool ordered, bool check_total, const char *file, int line);

/* The Link header of r (borrowed); fails unless r has one, with a rel="next" entry exactly when
 * `next` and a rel="prev" entry exactly when `prev`. */
#define fix_assert_link(r, next, prev) fix_assert_link_((r), (next), (prev), __FILE__, __LINE__)
const char *fix_assert_link_(const mt_resp *r, bool next, bool prev, const char *file, int line);

/* GET path with the admin key (status 200 asserted); true if the reply lists this id. */
#define fix_list_has(s, path, id) fix_list_has_((s), (path), (id), __FILE__, __LINE__)
bool fix_list_has_(mt_server *s, const char *path, json_int_t id, const char *file, int line);

/* ---- requests --------------------------------------------------------------------------- */

/* A request with a printf-formatted path and a JSON body (consumed; NULL sends no body). */
mt_resp *fix_request_jsonf(mt_server *s, const char *method, const char *key, json_t *body,
                           const char *path_fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(5, 6);

/*
 * Send method path_fmt... with key and body (JSON text or NULL), check the reply and free it:
 *   fix_expect_status — fail unless the reply has this status;
 *   fix_expect_error  — the same, and the body has a string "message" (as fix_assert_error);
 *   fix_expect_422    — fail unless fix_assert_422(reply, field) holds.
 * E.g. fix_expect_status(s, "DELETE", other, NULL, 404, "/api/v1/tags/%lld", (long long)id).
 */
#define fix_expect_status(s, method, key, body, status, ...)                                       \
    fix_expect_((s), (method), (key), (body), (status), FIX_EXPECT_STATUS, NULL, __FILE__,         \
                __LINE__, __VA_ARGS__)
#define fix_expect_error(s, method, key, body, status, ...)                                        \
    fix_expect_((s), (method), (key), (body), (status), FIX_EXPECT_ERROR, NULL, __FILE__,          \
                __LINE__, __VA_ARGS__)
#define fix_expect_422(s, method, key, body, field, ...)                                           \
    fix_expect_((s), (method), (key), (body), 422, FIX_EXPECT_422, (field), __FILE__, __LINE__,    \
                __VA_ARGS__)
enum fix_expect { FIX_EXPECT_STATUS, FIX_EXPECT_ERROR, FIX_EXPECT_422 };
void fix_expect_(mt_server *s, const char *method, const char *key, const char *body, long status,
                 enum fix_expect check, const char *field, const char *file, int line,
                 const char *path_fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(10, 11);

/* The integer "id" of the reply's JSON body (failing the test if there is none); frees r. */
#define fix_take_id(r) fix_take_id_((r), __FILE__, __LINE__)
json_int_t fix_take_id_(mt_resp *r, const char *file, int line);

/* ---- accounts, keys and units ----------------------------------------------------------- */

/* The user id of a user key: GET /api/v1/session, status 200 asserted. */
#define fix_session_user_id(s, key) fix_session_user_id_((s), (key), __FILE__, __LINE__)
json_int_t fix_session_user_id_(mt_server *s, const char *key, const char *file, int line);

/* The id of the admin account's first unit: GET /api/v1/units, status 200 asserted. */
#define fix_first_unit_id(s) fix_first_unit_id_((s), __FILE__, __LINE__)
json_int_t fix_first_unit_id_(mt_server *s, const char *file, int line);

/* The id of acme's unit named "Team" (GET /api/v1/units); fails if there is none. */
#define fix_team_id(s) fix_team_id_((s), __FILE__, __LINE__)
json_int_t fix_team_id_(mt_server *s, const char *file, int line);

/* `mocod init` of account "other" (idempotent): the key of its admin, malloc'd. */
#define fix_new_other_key(s)                                                                       \
    mt_init_account((s), FIX_OTHER_ACCOUNT, FIX_OTHER_EMAIL, FIX_OTHER_PASSWORD)

/* The admin key of account "other" / a read-only account key of acme, made on first use and kept
 * (borrowed) until fix_teardown(). For files with one server (a group fixture). */
const char *fix_other_key(mt_server *s);
const char *fix_read_key(mt_server *s);

/* cmocka teardown: forget the keys of fix_other_key() / fix_read_key(), then mt_teardown(). */
int fix_teardown(void **state);

/* ---- users, companies, custom properties ------------------------------------------------ */

/* The keys of the "Attributes" example of sections/users.md. */
#define FIX_USER_KEYS                                                                              \
    "id,firstname,lastname,active,extern,email,mobile_phone,work_phone,home_address,info,"         \
    "birthday,iban,avatar_url,tags,custom_properties,unit,role,created_at,updated_at"

/* Fail unless the user object u has exactly FIX_USER_KEYS, an integer id, a tags array, a
 * custom_properties object and created_at/updated_at timestamps (a brief check; test_users.c
 * checks every field). */
#define fix_assert_user_basics(u) fix_assert_user_basics_((u), __FILE__, __LINE__)
void fix_assert_user_basics_(const json_t *u, const char *file, int line);

/* A unique address "<prefix>-<n>@acme.test" (n counts up per process) written to buf. */
const char *fix_uniq_email(char *buf, size_t size, const char *prefix);

/* A user body {firstname, lastname, email, unit_id} plus the members of extra (consumed, may be
 * NULL), which come after those four. */
json_t *fix_user_body(const char *first, const char *last, const char *email, json_int_t unit,
                      json_t *extra);

/* POST /api/v1/users with the admin key and body (consumed); asserts 200, returns the id. */
#define fix_create_user(s, body) fix_create_user_((s), (body), __FILE__, __LINE__)
json_int_t fix_create_user_(mt_server *s, json_t *body, const char *file, int line);

/* POST /api/v1/session {email, password}; asserts 200 and returns the api_key (malloc'd). */
/* The id of the account's role of this name ("Employee", "Staff", "Project leader", ...). */
#define fix_role_id(s, name) fix_role_id_((s), (name), __FILE__, __LINE__)
json_int_t fix_role_id_(mt_server *s, const char *name, const char *file, int line);

/* A new user of the admin's account (first name `first`, in the first team) with the role of this
 * name (NULL: the account's default role); when key is not NULL it gets the user's API key
 * (malloc'd, the caller's). */
#define fix_user_with_role(s, first, role, key)                                                    \
    fix_user_with_role_((s), (first), (role), (key), __FILE__, __LINE__)
json_int_t fix_user_with_role_(mt_server *s, const char *first, const char *role, char **key,
                               const char *file, int line);

/* GET path as key: 200, Content-Type application/pdf, a valid A4 PDF (qpdf --check, pdfinfo)
 * whose text (pdftotext) holds every string of want (n of them), and none of those written with
 * a leading "!" ("!IBAN": not in the text). Needs qpdf and poppler-utils. */
#define fix_assert_pdf(s, key, path, want, n)                                                      \
    fix_assert_pdf_((s), (key), (path), (want), (n), __FILE__, __LINE__)
void fix_assert_pdf_(mt_server *s, const char *key, const char *path, const char *const *want,
                     size_t n, const char *file, int line);

#define fix_login(s, email, password) fix_login_((s), (email), (password), __FILE__, __LINE__)
char *fix_login_(mt_server *s, const char *email, const char *password, const char *file, int line);

/* A company body {type, name}, plus currency "EUR" for customers (which need one). */
json_t *fix_company_body(const char *type, const char *name);

/* POST /api/v1/companies fix_company_body(type, name) with key; asserts 200, returns the id. */
#define fix_create_company_as(s, key, type, name)                                                  \
    fix_create_company_as_((s), (key), (type), (name), __FILE__, __LINE__)
json_int_t fix_create_company_as_(mt_server *s, const char *key, const char *type, const char *name,
                                  const char *file, int line);

/* POST /api/v1/account/custom_properties {name, kind, entity} (plus defaults, a JSON array text,
 * if not NULL) with the admin key; asserts 200 and returns the reply. */
#define fix_create_custom_property(s, entity, name, kind, defaults)                                \
    fix_create_custom_property_((s), (entity), (name), (kind), (defaults), __FILE__, __LINE__)
mt_resp *fix_create_custom_property_(mt_server *s, const char *entity, const char *name,
                                     const char *kind, const char *defaults, const char *file,
                                     int line);

/* ---- generic checks and strings of the project tests ------------------------------------ */

/* Fail unless r is a 422 whose body has a string "message" and an object "errors" where errors[f]
 * is a non-empty array whose first element is a string, for every f of the comma list `fields`
 * (fix_assert_422 for several fields at once). */
#define fix_assert_422_fields(r, fields) fix_assert_422_fields_((r), (fields), __FILE__, __LINE__)
void fix_assert_422_fields_(const mt_resp *r, const char *fields, const char *file, int line);

/* Fail unless the JSON values a and b (neither NULL) are equal; prints both. */
#define fix_assert_json_equal(a, b) fix_assert_json_equal_((a), (b), __FILE__, __LINE__)
void fix_assert_json_equal_(const json_t *a, const json_t *b, const char *file, int line);

/* Fail unless mt_json_real(root, path) (a JSON number) is exactly `want`. */
#define fix_assert_number(root, path, want)                                                        \
    fix_assert_number_((root), (path), (double)(want), __FILE__, __LINE__)
void fix_assert_number_(const json_t *root, const char *path, double want, const char *file,
                        int line);

/* fix_assert_list_ids_any_order with the ids as arguments: GET path with key, fail unless the
 * status is 200, the reply lists exactly these ids (any order) and X-Total says how many.
 * fix_assert_list_empty: the list is empty and X-Total is 0. */
#define fix_assert_list_of(s, key, path, ...)                                                      \
    do {                                                                                           \
        json_int_t want_[] = {0, __VA_ARGS__};                                                     \
        fix_assert_list_((s), (key), (path), want_ + 1, sizeof want_ / sizeof want_[0] - 1, false, \
                         true, __FILE__, __LINE__);                                                \
    } while (0)
#define fix_assert_list_empty(s, key, path)                                                        \
    fix_assert_list_((s), (key), (path), NULL, 0, false, true, __FILE__, __LINE__)

/* A pool of strings that live until fix_free_strings() (call it in the file's teardown):
 *   fix_keep — hands the malloc'd p (not NULL) to the pool and returns it;
 *   fix_fmt  — printf into a malloc'd string kept in the pool. */
char *fix_keep(char *p);

/* A POST body as the document tests build it: body gets "items" from items (a JSON array's text,
 * when not NULL), then the members of extra ("\"a\":1,\"b\":\"x\"", when not NULL), which add
 * fields or replace the usual ones. Fails the test on text that is no JSON. Returns body. */
#define fix_body_merge(body, items, extra)                                                         \
    fix_body_merge_((body), (items), (extra), __FILE__, __LINE__)
json_t *fix_body_merge_(json_t *body, const char *items, const char *extra, const char *file,
                        int line);
char *fix_fmt(const char *f, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
void fix_free_strings(void);

/* ---- projects, tasks, contracts, deals, contacts ---------------------------------------- */

/* The keys of the "Attributes" examples of sections/projects.md, project_tasks.md and
 * project_contracts.md, and of tasks and contracts as embedded in a project. */
#define FIX_PROJECT_KEYS                                                                           \
    "id,identifier,name,active,billable,fixed_price,retainer,start_date,finish_date,color,"        \
    "currency,billing_variant,billing_address,billing_email_to,billing_email_cc,billing_notes,"    \
    "setting_include_time_report,budget,budget_monthly,budget_expenses,hourly_rate,info,tags,"     \
    "customer_report_url,custom_properties,leader,co_leader,customer,deal,tasks,contracts,"        \
    "project_group,billing_contact,contact,secondary_contact,created_at,updated_at"
#define FIX_TASK_KEYS                                                                              \
    "id,name,billable,active,budget,hourly_rate,revenue_category,description,created_at,"          \
    "updated_at"
#define FIX_REVENUE_CATEGORY_KEYS "id,name,revenue_account,cost_category"
#define FIX_CONTRACT_KEYS                                                                          \
    "id,user_id,firstname,lastname,billable,active,budget,hourly_rate,created_at,updated_at"
#define FIX_EMBEDDED_TASK_KEYS "id,name,billable,active,budget,hourly_rate,description"
#define FIX_EMBEDDED_CONTRACT_KEYS                                                                 \
    "id,user_id,firstname,lastname,billable,active,budget,hourly_rate"
#define FIX_PERSON_KEYS  "id,firstname,lastname"
#define FIX_ID_NAME_KEYS "id,name"

/* The "id" of the first element of the list at path (GET with key, status 200 asserted). */
#define fix_first_id(s, key, path) fix_first_id_((s), (key), (path), __FILE__, __LINE__)
json_int_t fix_first_id_(mt_server *s, const char *key, const char *path, const char *file,
                         int line);

/* POST /api/v1/users {firstname, lastname, email, unit_id} (plus password if not NULL) with key,
 * unit_id the first unit of key's account (GET /api/v1/units); asserts 200, returns the id. */
#define fix_create_user_as(s, key, first, last, email, password)                                   \
    fix_create_user_as_((s), (key), (first), (last), (email), (password), __FILE__, __LINE__)
json_int_t fix_create_user_as_(mt_server *s, const char *key, const char *first, const char *last,
                               const char *email, const char *password, const char *file, int line);

/* POST /api/v1/deals {name, currency EUR, money 1000.0, reminder_date 2030-01-01, user_id,
 * deal_category_id (the first of GET /api/v1/deal_categories)} with key; asserts 200, returns the
 * id. */
#define fix_create_deal(s, key, name, user)                                                        \
    fix_create_deal_((s), (key), (name), (user), __FILE__, __LINE__)
json_int_t fix_create_deal_(mt_server *s, const char *key, const char *name, json_int_t user,
                            const char *file, int line);

/* POST /api/v1/contacts/people {firstname, lastname, gender "F"} with key; asserts 200, returns
 * the id. */
#define fix_create_contact(s, key, first, last)                                                    \
    fix_create_contact_((s), (key), (first), (last), __FILE__, __LINE__)
json_int_t fix_create_contact_(mt_server *s, const char *key, const char *first, const char *last,
                               const char *file, int line);

/* A project body {name, identifier (left out if NULL), currency "EUR", leader_id, customer_id,
 * fixed_price false, retainer false}: the mandatory fields of a non-retainer project. */
json_t *fix_project_body(const char *name, const char *identifier, json_int_t leader,
                         json_int_t customer);

/* POST /api/v1/projects fix_project_body(...) with key; asserts 200 and returns the id. */
#define fix_create_project_as(s, key, name, identifier, leader, customer)                          \
    fix_create_project_as_((s), (key), (name), (identifier), (leader), (customer), __FILE__,       \
                           __LINE__)
json_int_t fix_create_project_as_(mt_server *s, const char *key, const char *name,
                                  const char *identifier, json_int_t leader, json_int_t customer,
                                  const char *file, int line);

/* POST /api/v1/projects/{pid}/tasks with key and body (consumed); asserts 200 and returns the id.
 * fix_create_task_checked: also fix_assert_task_shape on the reply. */
#define fix_create_task(s, key, pid, body)                                                         \
    fix_create_nested_((s), (key), (pid), "tasks", (body), false, __FILE__, __LINE__)
#define fix_create_task_checked(s, key, pid, body)                                                 \
    fix_create_nested_((s), (key), (pid), "tasks", (body), true, __FILE__, __LINE__)

/* POST /api/v1/projects/{pid}/contracts {user_id} with key; asserts 200 and returns the id.
 * fix_create_contract_checked: also fix_assert_contract_shape on the reply. */
#define fix_create_contract(s, key, pid, user)                                                     \
    fix_create_nested_((s), (key), (pid), "contracts", json_pack("{s:I}", "user_id", (user)),      \
                       false, __FILE__, __LINE__)
#define fix_create_contract_checked(s, key, pid, user)                                             \
    fix_create_nested_((s), (key), (pid), "contracts", json_pack("{s:I}", "user_id", (user)),      \
                       true, __FILE__, __LINE__)
json_int_t fix_create_nested_(mt_server *s, const char *key, json_int_t pid, const char *kind,
                              json_t *body, bool check_shape, const char *file, int line);

/* Fail unless the value at path is an object with exactly FIX_PERSON_KEYS (integer id, string
 * firstname and lastname); fix_assert_person_or_null: or JSON null. */
#define fix_assert_person(root, path) fix_assert_person_((root), (path), __FILE__, __LINE__)
void fix_assert_person_(const json_t *root, const char *path, const char *file, int line);
#define fix_assert_person_or_null(root, path)                                                      \
    fix_assert_person_or_null_((root), (path), __FILE__, __LINE__)
void fix_assert_person_or_null_(const json_t *root, const char *path, const char *file, int line);

/* Fail unless the value at path is null or an object with exactly FIX_ID_NAME_KEYS (integer id,
 * string name). A missing value passes. */
#define fix_assert_id_name_or_null(root, path)                                                     \
    fix_assert_id_name_or_null_((root), (path), __FILE__, __LINE__)
void fix_assert_id_name_or_null_(const json_t *root, const char *path, const char *file, int line);

/* Keys and JSON types of the Attributes example of sections/projects.md, embedded tasks and
 * contracts included. */
#define fix_assert_project_shape(p) fix_assert_project_shape_((p), __FILE__, __LINE__)
void fix_assert_project_shape_(const json_t *p, const char *file, int line);

/* Keys and JSON types of the Attributes example of sections/project_tasks.md. */
#define fix_assert_task_shape(t) fix_assert_task_shape_((t), __FILE__, __LINE__)
void fix_assert_task_shape_(const json_t *t, const char *file, int line);

/* Keys and JSON types of the Attributes example of sections/project_contracts.md. */
#define fix_assert_contract_shape(c) fix_assert_contract_shape_((c), __FILE__, __LINE__)
void fix_assert_contract_shape_(const json_t *c, const char *file, int line);

#endif /* FIXTURES_H */
