/*
 * mt — the mocod API test launcher and HTTP/JSON helpers.
 *
 * A test starts the real `mocod` binary (path in the MOCOD_BIN environment variable) on a free
 * loopback port with a fresh database in its own temporary directory, talks to it over HTTP with
 * libcurl and checks the JSON replies with jansson:
 *
 *     mt_server *s = mt_start(NULL);
 *     mt_resp *r = mt_get(s, "/api/v1/session", mt_admin_key(s));
 *     MT_ASSERT_STATUS(r, 200);
 *     assert_true(mt_json_int(r->json, "id") > 0);
 *     mt_assert_keys(r->json, "id,uuid");
 *     mt_resp_free(r);
 *     mt_stop(s);
 *
 * This header includes <stdarg.h>, <stddef.h>, <stdint.h>, <setjmp.h>, <cmocka.h> and
 * <jansson.h> in the right order, so a test file may include just "mt.h".
 *
 * Failures: every helper that "asserts" reports through cmocka (print_error + _fail), most with
 * the caller's file and line (the lower-case macros below wrap name_(..., __FILE__, __LINE__)), and
 * prints what it saw (status, body, the tail of the server log). Servers and responses still alive
 * when the process exits (a failed test jumps past its clean-up) are stopped and freed by an atexit
 * handler, so a failing test leaves no mocod process and no temporary directory behind. Set
 * MT_KEEP=1 to keep the temporary directories for inspection.
 *
 * Memory: strings returned as `char *` are malloc'd and owned by the caller (free()); `const
 * char *` results are borrowed. json_t results of mt_json_get() are borrowed from their root.
 *
 * Stores: by default each server gets a SQLite file <dir>/mocod.db. With MOCOD_TEST_STORE=postgres
 * and MOCOD_TEST_PG=postgresql://user@host:port (a server where that user may create databases,
 * e.g. the private cluster of tests/support/pg_cluster.sh, which scripts/test.sh starts), each
 * server gets a fresh database mt_<pid>_<n> instead (dropped by mt_stop), `--db` of every mocod
 * command is its URL, and MOCOD_SECRET_FILE=<dir>/secret (made by mt, mode 0600) is in their
 * environment. Tests that must differ ask mt_on_postgres(); mt_sql_*() read and write the database
 * beside the server on either store.
 */
#ifndef MT_H
#define MT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <sys/types.h>
#include <cmocka.h>
#include <jansson.h>

/* ---- the server under test -------------------------------------------------------------- */

typedef struct mt_server mt_server;

/* The account, user and password mt_start() creates with `mocod init`. */
#define MT_ACCOUNT        "acme"
#define MT_ADMIN_EMAIL    "admin@acme.test"
#define MT_ADMIN_PASSWORD "secret-pass-1"
#define MT_BASE_DOMAIN    "mocod.test"

/*
 * Make a fresh temporary directory and database (of the store under test, see the top), run `mocod
 * init` for account "acme" (admin admin@acme.test / "secret-pass-1", Ada Admin), then spawn `mocod
 * serve` on a free loopback port with `--base-domain mocod.test --rate-limit off` plus
 * extra_serve_args (split on blanks, '...' and "..." quote; may be NULL). If the extra args contain
 * --rate-limit or --base-domain, the defaults for those are left out. Waits up to 10 s for the port
 * to accept connections; fails the test (with the server log) if it does not. The server's stdout
 * and stderr go to serve.log.
 */
#define mt_start(extra_serve_args) mt_start_((extra_serve_args), __FILE__, __LINE__)
mt_server *mt_start_(const char *extra_serve_args, const char *file, int line);

/* SIGTERM the server, wait for it, drop its PostgreSQL database (unless MT_KEEP), remove the
 * temporary directory and free s; fails the test if the server did not exit with status 0 (after
 * cleaning up). NULL is a no-op. */
#define mt_stop(s) mt_stop_((s), __FILE__, __LINE__)
void mt_stop_(mt_server *s, const char *file, int line);

/* Another `mocod serve` (extra_serve_args as for mt_start) on the database of `of`, with its
 * secret and admin key, on a port and in a directory of its own: several processes on one
 * database. mt_stop stops it; the database stays `of`'s (stop the sibling first). */
#define mt_start_sibling(of, extra_serve_args)                                                     \
    mt_start_sibling_((of), (extra_serve_args), __FILE__, __LINE__)
mt_server *mt_start_sibling_(mt_server *of, const char *extra_serve_args, const char *file,
                             int line);

/* `mocod serve` on a given database (a SQLite path or a PostgreSQL URL) with the given secret
 * file (MOCOD_SECRET_FILE; NULL: none set) and admin key (for mt_admin_key; may be NULL). The
 * database is not this server's: mt_stop leaves it. */
#define mt_start_on(db, secret_file, admin_key, extra_serve_args)                                  \
    mt_start_on_((db), (secret_file), (admin_key), (extra_serve_args), __FILE__, __LINE__)
mt_server *mt_start_on_(const char *db, const char *secret_file, const char *admin_key,
                        const char *extra_serve_args, const char *file, int line);

/* SIGKILL the server and reap it; mt_stop afterwards only cleans up. */
void mt_kill9(mt_server *s);

/* Stop the server (asserting exit status 0) and start it again on the same database and a new
 * port; mt_base_url() changes. For tests of what survives a restart. */
#define mt_restart(s) mt_restart_((s), __FILE__, __LINE__)
void mt_restart_(mt_server *s, const char *file, int line);

/*
 * Only the temporary directory and the database of a server (on PostgreSQL also the secret file),
 * without `mocod init` or `mocod serve`: for tests that run mocod themselves, with
 * `--db mt_db_path(s)` and the environment mt_env(s). mt_stop releases it as any other (and kills
 * nothing it did not start).
 */
#define mt_prepare() mt_prepare_(__FILE__, __LINE__)
mt_server *mt_prepare_(const char *file, int line);

/* cmocka fixtures: *state = mt_start(NULL) / mt_stop(*state). Usable per test
 * (cmocka_unit_test_setup_teardown) or per group (cmocka_run_group_tests). */
int mt_setup(void **state);
int mt_teardown(void **state);

const char *mt_admin_key(const mt_server *s); /* user API key of admin@acme.test */
const char *mt_base_url(const mt_server *s);  /* "http://127.0.0.1:PORT" */
int mt_port(const mt_server *s);
pid_t mt_pid(const mt_server *s);
const char *mt_dir(const mt_server *s);      /* the temporary directory */
const char *mt_log_path(const mt_server *s); /* <dir>/serve.log */
/* The --db of every mocod command of s: the file <dir>/mocod.db, or on PostgreSQL the URL of the
 * server's database (postgresql://user@host:port/mt_<pid>_<n>): not a path then. */
const char *mt_db_path(const mt_server *s);

/* true when the tests run on PostgreSQL (MOCOD_TEST_STORE=postgres), false on SQLite. */
bool mt_on_postgres(void);

/* The environment for a mocod process of s: this process's, plus MOCOD_SECRET_FILE on PostgreSQL
 * (for execve). NULL-terminated, malloc'd: free with mt_env_free(). */
char **mt_env(const mt_server *s);
void mt_env_free(char **env);

/* The whole server log so far (malloc'd, "" if empty). */
char *mt_read_log(const mt_server *s);
/* Print the last `lines` lines of the server log through cmocka's print_error (0 = 40 lines). */
void mt_dump_log(const mt_server *s, int lines);

/* ---- SQL beside the server -------------------------------------------------------------- */

/*
 * For the few checks and set-ups the API has no way for: run sql on the server's database
 * (SQLite file or PostgreSQL database, a connection of its own each call) while it runs. Write
 * SQL both stores understand, with literal values (no parameters; quote numbers for columns that
 * may be booleans: '0'). A failure fails the test, printing the SQL and the store's error.
 *   mt_sql_exec: any statements, no result wanted;
 *   mt_sql_i64:  the first column of the first row, an integer (no row fails);
 *   mt_sql_str:  the same as text (malloc'd; NULL for SQL NULL). PostgreSQL writes booleans as t/f.
 */
#define mt_sql_exec(s, sql) mt_sql_exec_((s), (sql), __FILE__, __LINE__)
#define mt_sql_i64(s, sql)  mt_sql_i64_((s), (sql), __FILE__, __LINE__)
#define mt_sql_str(s, sql)  mt_sql_str_((s), (sql), __FILE__, __LINE__)
void mt_sql_exec_(mt_server *s, const char *sql, const char *file, int line);
int64_t mt_sql_i64_(mt_server *s, const char *sql, const char *file, int line);
char *mt_sql_str_(mt_server *s, const char *sql, const char *file, int line);

/* ---- the command line ------------------------------------------------------------------- */

/*
 * Run `mocod <args> --db <db>`; args is printf-formatted, then split on blanks ('...' and "..."
 * quote). Returns stdout with surrounding whitespace trimmed (malloc'd); fails the test, printing
 * stdout and stderr, unless the exit status is 0.
 */
#define mt_cli(s, ...) mt_cli_((s), __FILE__, __LINE__, __VA_ARGS__)
char *mt_cli_(mt_server *s, const char *file, int line, const char *args_fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(4, 5);

/* Like mt_cli but asserts nothing: returns the exit status (or 128+signal); *out and *err (each
 * may be NULL) receive stdout and stderr untrimmed, malloc'd. */
int mt_cli_try(mt_server *s, char **out, char **err, const char *args_fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(4, 5);

/* `mocod init --account A --email E --password P`: creates another account (tenant) with its
 * admin user on the same database and returns that user's API key (malloc'd). */
#define mt_init_account(s, account, email, password)                                               \
    mt_init_account_((s), (account), (email), (password), __FILE__, __LINE__)
char *mt_init_account_(mt_server *s, const char *account, const char *email, const char *password,
                       const char *file, int line);

/* `mocod apikey --account A --access read|full`: returns a new account API key (malloc'd). */
#define mt_account_key(s, account, access)                                                         \
    mt_account_key_((s), (account), (access), __FILE__, __LINE__)
char *mt_account_key_(mt_server *s, const char *account, const char *access, const char *file,
                      int line);

/* ---- HTTP ------------------------------------------------------------------------------- */

typedef struct mt_header {
    char *name;
    char *value;
} mt_header_t;

typedef struct mt_resp {
    long status;          /* HTTP status code */
    char *body;           /* response body, NUL-terminated ("" if none) */
    size_t body_len;      /* body length without the terminating NUL */
    json_t *json;         /* parsed body (any JSON value), NULL if empty or not JSON */
    mt_header_t *headers; /* response headers in order of arrival */
    size_t n_headers;
    char *method; /* request method and path, for failure messages */
    char *path;
    char *log_path_;               /* private: server log, printed on failures */
    struct mt_resp *prev_, *next_; /* private: list of live responses */
} mt_resp;

/*
 * Send a request and return the response (never NULL; fails the test on a transport error).
 *
 * path:    relative to the base URL ("/api/v1/users?per_page=2"), or an absolute URL.
 * key:     sent as "Authorization: Token token=KEY"; NULL sends no Authorization header (to send
 *          "Bearer KEY" or a broken header, pass it in extra_headers).
 * body:    non-NULL => sent as the request body, with "Content-Type: application/json" unless
 *          extra_headers sets a Content-Type. POST/PUT/PATCH without a body send Content-Length 0.
 * extra_headers: NULL-terminated list of "Name: value" strings, or NULL. They replace the
 *          defaults of the same name: e.g. "Host: other.mocod.test" selects another account by
 *          subdomain, "Content-Type: text/plain" sends another type, "Accept:" removes a header.
 * Every request also sends "Accept: application/json" and an empty "Expect:" header.
 */
mt_resp *mt_request(mt_server *s, const char *method, const char *path, const char *key,
                    const char *body, const char *const *extra_headers);
/* Same with an explicit body length (for bodies with NUL bytes or not NUL-terminated). */
mt_resp *mt_request_len(mt_server *s, const char *method, const char *path, const char *key,
                        const char *body, size_t body_len, const char *const *extra_headers);
/* Same with a JSON body, which is consumed (stolen reference; pass json_pack(...) directly). */
mt_resp *mt_request_json(mt_server *s, const char *method, const char *path, const char *key,
                         json_t *body, const char *const *extra_headers);

mt_resp *mt_get(mt_server *s, const char *path, const char *key);
mt_resp *mt_post(mt_server *s, const char *path, const char *key, const char *body);
mt_resp *mt_put(mt_server *s, const char *path, const char *key, const char *body);
mt_resp *mt_patch(mt_server *s, const char *path, const char *key, const char *body);
mt_resp *mt_delete(mt_server *s, const char *path, const char *key);

/* Printf-formatted path, no body: mt_getf(s, key, "/api/v1/units/%lld", id). */
mt_resp *mt_getf(mt_server *s, const char *key, const char *path_fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(3, 4);
mt_resp *mt_deletef(mt_server *s, const char *key, const char *path_fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(3, 4);
/* Printf-formatted path with a body (sent as JSON). */
mt_resp *mt_requestf(mt_server *s, const char *method, const char *key, const char *body,
                     const char *path_fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(5, 6);

/* POST body to path, assert status 200 or 201 and a numeric "id" in the reply; return the id. */
#define mt_create(s, path, key, body) mt_create_((s), (path), (key), (body), __FILE__, __LINE__)
json_int_t mt_create_(mt_server *s, const char *path, const char *key, const char *body,
                      const char *file, int line);

/* First response header with this name (case-insensitive), NULL if absent. */
const char *mt_header(const mt_resp *r, const char *name);

/* Free a response. NULL is a no-op. */
void mt_resp_free(mt_resp *r);

/* URL-encode a query value (malloc'd). */
char *mt_escape(const char *s);

/* ---- assertions on responses ------------------------------------------------------------ */

/* Fail (printing method, path, status, body and the server log tail) unless r->status == status. */
#define MT_ASSERT_STATUS(r, status) mt_assert_status_((r), (status), __FILE__, __LINE__)
void mt_assert_status_(const mt_resp *r, long status, const char *file, int line);

/* Fail unless header `name` is present and equal to `expected` (NULL expected = must be absent). */
#define MT_ASSERT_HEADER(r, name, expected)                                                        \
    mt_assert_header_((r), (name), (expected), __FILE__, __LINE__)
void mt_assert_header_(const mt_resp *r, const char *name, const char *expected, const char *file,
                       int line);

/* ---- JSON ------------------------------------------------------------------------------- */

/*
 * Paths: dotted keys with array indexes, e.g. "unit.id", "users[0].email", "[2].name" (a root
 * array), "items[-1]" (last element). NULL or "" is the root itself. A key containing '.' or '['
 * cannot be addressed (use json_object_get).
 */

/* The value at path, borrowed from root; NULL if root is NULL or the path does not exist. */
json_t *mt_json_get(const json_t *root, const char *path);
/* true if the path exists (its value may be JSON null). */
bool mt_json_has(const json_t *root, const char *path);

/* The value at path, failing the test (printing the JSON) if missing or of another type.
 * mt_json_int: an integer; mt_json_real: any number; mt_json_str: a string (borrowed);
 * mt_json_bool: true/false; mt_json_len: an array's or object's size. */
#define mt_json_int(root, path)  mt_json_int_((root), (path), __FILE__, __LINE__)
#define mt_json_real(root, path) mt_json_real_((root), (path), __FILE__, __LINE__)
#define mt_json_str(root, path)  mt_json_str_((root), (path), __FILE__, __LINE__)
#define mt_json_bool(root, path) mt_json_bool_((root), (path), __FILE__, __LINE__)
#define mt_json_len(root, path)  mt_json_len_((root), (path), __FILE__, __LINE__)
json_int_t mt_json_int_(const json_t *root, const char *path, const char *file, int line);
double mt_json_real_(const json_t *root, const char *path, const char *file, int line);
const char *mt_json_str_(const json_t *root, const char *path, const char *file, int line);
bool mt_json_bool_(const json_t *root, const char *path, const char *file, int line);
size_t mt_json_len_(const json_t *root, const char *path, const char *file, int line);

/* Fail unless the value at path exists and has this type. JSON_TRUE and JSON_FALSE are exact;
 * MT_JSON_BOOL accepts either, MT_JSON_NUMBER accepts JSON_INTEGER or JSON_REAL. */
#define MT_JSON_BOOL   ((json_type)100)
#define MT_JSON_NUMBER ((json_type)101)
#define MT_ASSERT_JSON_TYPE(root, path, type)                                                      \
    mt_assert_json_type_((root), (path), (type), __FILE__, __LINE__)
void mt_assert_json_type_(const json_t *root, const char *path, json_type type, const char *file,
                          int line);
#define MT_ASSERT_JSON_NULL(root, path) MT_ASSERT_JSON_TYPE((root), (path), JSON_NULL)

/* Equality of the value at path with an integer / string (types must match too). */
#define MT_ASSERT_JSON_INT(root, path, expected)                                                   \
    mt_assert_json_int_((root), (path), (expected), __FILE__, __LINE__)
#define MT_ASSERT_JSON_STR(root, path, expected)                                                   \
    mt_assert_json_str_((root), (path), (expected), __FILE__, __LINE__)
void mt_assert_json_int_(const json_t *root, const char *path, json_int_t expected,
                         const char *file, int line);
void mt_assert_json_str_(const json_t *root, const char *path, const char *expected,
                         const char *file, int line);

/* Fail unless obj is an object with exactly these keys (comma-separated, blanks ignored, any
 * order); prints the missing and unexpected keys. */
#define mt_assert_keys(obj, keys) mt_assert_keys_((obj), (keys), __FILE__, __LINE__)
void mt_assert_keys_(const json_t *obj, const char *keys, const char *file, int line);

/* true if s is a UTC timestamp "YYYY-MM-DDTHH:MM:SSZ" / a date "YYYY-MM-DD" (NULL => false). */
bool mt_is_timestamp(const char *s);
bool mt_is_date(const char *s);
/* Fail unless the value at path is a string of that form. */
#define MT_ASSERT_TIMESTAMP(root, path) mt_assert_timestamp_((root), (path), __FILE__, __LINE__)
#define MT_ASSERT_DATE(root, path)      mt_assert_date_((root), (path), __FILE__, __LINE__)
void mt_assert_timestamp_(const json_t *root, const char *path, const char *file, int line);
void mt_assert_date_(const json_t *root, const char *path, const char *file, int line);

#endif /* MT_H */
