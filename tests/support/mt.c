/* mt — see mt.h. */
#include "mt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS  10000
#define START_ATTEMPTS   3
#define DUMP_MAX         4000 /* bytes of a body or JSON value printed on failure */

extern char **environ;

struct mt_server {
    char *bin;    /* MOCOD_BIN */
    char *dir;    /* temporary directory */
    char *db;     /* the --db of every mocod command: <dir>/mocod.db, or a PostgreSQL URL */
    char *pg_db;  /* on PostgreSQL: the name of the database made for this server, else NULL */
    char *secret; /* on PostgreSQL: <dir>/secret, given as MOCOD_SECRET_FILE; else NULL */
    char *log;    /* <dir>/serve.log */
    char **extra; /* extra serve arguments, NULL-terminated */
    char *admin_key;
    int port;
    pid_t pid; /* 0 when not running */
    char base_url[64];
    CURL *curl; /* reused between requests, so connections are kept alive */
    struct mt_server *prev, *next;
};

/* Everything still alive at exit is released by cleanup_at_exit(). */
static struct mt_server *live_servers;
static struct mt_resp *live_resps;
static bool initialized;

/* ---- small utilities -------------------------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        perror("mt: malloc");
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        perror("mt: realloc");
        abort();
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static char *xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        fprintf(stderr, "mt: bad format \"%s\"\n", fmt);
        abort();
    }
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *xasprintf(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* A growable, always NUL-terminated byte buffer. */
struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Take the buffer's string (never NULL). */
static char *buf_take(struct buf *b)
{
    if (!b->p)
        buf_add(b, "", 0);
    char *p = b->p;
    memset(b, 0, sizeof *b);
    return p;
}

/* A growable NULL-terminated string vector. */
struct strv {
    char **v;
    size_t n, cap;
};

static void strv_push(struct strv *sv, const char *s)
{
    if (sv->n + 2 > sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 16;
        sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = s ? xstrdup(s) : NULL;
    sv->v[sv->n] = NULL;
}

static void strv_push_all(struct strv *sv, char *const *v)
{
    for (; v && *v; v++)
        strv_push(sv, *v);
}

static void strv_free_v(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static void strv_free(struct strv *sv)
{
    strv_free_v(sv->v);
    memset(sv, 0, sizeof *sv);
}

/* Split on blanks; '...' and "..." quote (no escapes inside single quotes, \" and \\ inside
 * double quotes). */
static void split_args(const char *s, struct strv *out)
{
    struct buf word = {0};
    bool in_word = false;
    for (const char *p = s ? s : ""; *p; p++) {
        if (isspace((unsigned char)*p)) {
            if (in_word)
                strv_push(out, word.p ? word.p : "");
            in_word = false;
            word.len = 0;
            if (word.p)
                word.p[0] = '\0';
            continue;
        }
        in_word = true;
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            for (; *p && *p != q; p++) {
                if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                buf_add(&word, p, 1);
            }
            if (!*p)
                break;
        } else {
            buf_add(&word, p, 1);
        }
    }
    if (in_word)
        strv_push(out, word.p ? word.p : "");
    free(word.p);
}

static char *trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t lead = strspn(s, " \t\r\n\f\v");
    memmove(s, s + lead, n - lead + 1);
    return s;
}

static char *read_file(const char *path)
{
    struct buf b = {0};
    FILE *f = fopen(path, "rb");
    if (f) {
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_add(&b, chunk, n);
        fclose(f);
    }
    return buf_take(&b);
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char *child = xasprintf("%s/%s", path, e->d_name);
                rm_rf(child);
                free(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print at most DUMP_MAX bytes of s, marking a cut. */
static void print_clipped(const char *label, const char *s, size_t len)
{
    if (len <= DUMP_MAX)
        print_error("%s%.*s\n", label, (int)len, s);
    else
        print_error("%s%.*s... [%zu more bytes]\n", label, DUMP_MAX, s, len - DUMP_MAX);
}

static void print_json(const char *label, const json_t *j)
{
    if (!j) {
        print_error("%s(no JSON)\n", label);
        return;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s)
        print_clipped(label, s, strlen(s));
    free(s);
}

/* Report a failure at the caller's line; never returns (cmocka jumps out of the test). */
static _Noreturn void fail_now(const char *file, int line)
{
    _fail(file, line);
    abort();
}

static void print_log_tail(const char *log_path, int lines)
{
    if (!log_path)
        return;
    char *log = read_file(log_path);
    size_t n = strlen(log);
    const char *start = log;
    int seen = 0;
    for (size_t i = n; i > 0; i--) {
        if (log[i - 1] == '\n' && i != n && ++seen >= lines) {
            start = log + i;
            break;
        }
    }
    if (n)
        print_error("---- tail of %s ----\n%s%s---- end of server log ----\n", log_path, start,
                    log[n - 1] == '\n' ? "" : "\n");
    else
        print_error("---- %s is empty ----\n", log_path);
    free(log);
}

/* ---- processes -------------------------------------------------------------------------- */

static void set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* fork + execve argv[0] with stdin from /dev/null, the given stdout/stderr and environment (NULL:
 * this process's); the child gets SIGTERM if this process dies, so a crashed test leaves no server
 * running. -1 on error. */
static pid_t spawn(char *const *argv, char *const *envp, int out_fd, int err_fd)
{
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 4096)
        max_fd = 4096;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
        /* child: async-signal-safe calls only */
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(126);
#else
    (void)parent;
#endif
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    if (out_fd != 1)
        dup2(out_fd, 1);
    if (err_fd != 2)
        dup2(err_fd, 2);
    for (int fd = 3; fd < max_fd; fd++)
        close(fd);
    signal(SIGPIPE, SIG_DFL);
    execve(argv[0], argv, envp ? envp : environ);
    static const char msg[] = "mt: execv of the mocod binary failed\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

/* Turn a waitpid status into an exit code; a signal gives 128+signal. */
static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* Wait up to timeout_ms for pid; SIGKILL it after that. Returns the exit code, -2 if killed. */
static int wait_exit(pid_t pid, long timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return exit_code(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return -2;
        }
        sleep_ms(10);
    }
}

/* Terminate the running server (if any); returns its exit code (see wait_exit), 0 if none. */
static int terminate(mt_server *s)
{
    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    int code = wait_exit(s->pid, STOP_TIMEOUT_MS);
    s->pid = 0;
    return code;
}

static void describe_exit(int code, char *out, size_t n)
{
    if (code == -2)
        snprintf(out, n, "did not exit within %d ms of SIGTERM (killed)", STOP_TIMEOUT_MS);
    else if (code > 128)
        snprintf(out, n, "died of signal %d", code - 128);
    else
        snprintf(out, n, "exited with status %d%s", code,
                 code == 23 ? " (LeakSanitizer default exit code: leaks?)" : "");
}

/* Pick a free loopback port: bind port 0 and ask which port the kernel chose. */
static int pick_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* ---- the store under test: SQLite files or PostgreSQL databases ------------------------- */

static PGconn *pg_admin; /* to the maintenance database of MOCOD_TEST_PG: CREATE/DROP DATABASE */
static unsigned pg_counter;

bool mt_on_postgres(void)
{
    const char *v = getenv("MOCOD_TEST_STORE");
    return v && (!strcmp(v, "postgres") || !strcmp(v, "postgresql") || !strcmp(v, "pg"));
}

static bool store_known(void)
{
    const char *v = getenv("MOCOD_TEST_STORE");
    return !v || !*v || !strcmp(v, "sqlite") || mt_on_postgres();
}

static void pg_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs such as "database ... does not exist, skipping" */
}

/* The URL of database db on the server of MOCOD_TEST_PG (malloc'd); db NULL: the maintenance
 * database (the one MOCOD_TEST_PG names, else "postgres"). NULL if MOCOD_TEST_PG is no URL. */
static char *pg_url(const char *db)
{
    const char *base = getenv("MOCOD_TEST_PG");
    if (!base || (strncmp(base, "postgresql://", 13) && strncmp(base, "postgres://", 11)))
        return NULL;
    const char *authority = strstr(base, "://") + 3;
    const char *rest = authority + strcspn(authority, "/?"); /* "", "/db", "?opts", "/db?opts" */
    const char *query = strchr(rest, '?');
    if (!query)
        query = rest + strlen(rest);
    if (!db) {
        if (query - rest > 1)
            return xstrdup(base);
        db = "postgres";
    }
    return xasprintf("%.*s/%s%s", (int)(rest - base), base, db, query);
}

static PGconn *pg_connect(const char *url, char *why, size_t n)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(why, n, "cannot connect to %s: %s", url, c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, pg_quiet, NULL);
    return c;
}

/* Run a statement without result rows on the maintenance database. */
static int pg_admin_exec(const char *sql, char *why, size_t n)
{
    if (pg_admin && PQstatus(pg_admin) != CONNECTION_OK) {
        PQfinish(pg_admin);
        pg_admin = NULL;
    }
    if (!pg_admin) {
        char *url = pg_url(NULL);
        if (!url) {
            snprintf(why, n,
                     "MOCOD_TEST_STORE=postgres needs MOCOD_TEST_PG, the URL of a PostgreSQL "
                     "server to make databases on (postgresql://user@host:port)");
            return -1;
        }
        pg_admin = pg_connect(url, why, n);
        free(url);
        if (!pg_admin)
            return -1;
    }
    PGresult *res = PQexec(pg_admin, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(why, n, "%s: %s", sql, res ? PQresultErrorMessage(res) : PQerrorMessage(pg_admin));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

/* A fresh database for s: mt_<pid>_<n> (one left by a dead process of the same pid goes first). */
static int pg_create(mt_server *s, char *why, size_t n)
{
    char *name = xasprintf("mt_%ld_%u", (long)getpid(), ++pg_counter);
    char *drop = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    /* template0 with C collation: the same order of text on every server, as SQLite's BINARY */
    char *create = xasprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' "
                             "LC_COLLATE 'C' LC_CTYPE 'C'",
                             name);
    int rc = pg_admin_exec(drop, why, n);
    if (rc == 0)
        rc = pg_admin_exec(create, why, n);
    free(drop);
    free(create);
    if (rc != 0) {
        free(name);
        return -1;
    }
    s->pg_db = name;
    s->db = pg_url(name);
    return 0;
}

static void pg_drop(mt_server *s)
{
    const char *keep = getenv("MT_KEEP");
    if (keep && *keep && strcmp(keep, "0")) {
        fprintf(stderr, "mt: keeping the database %s\n", s->db);
        return;
    }
    char why[1024];
    char *drop = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", s->pg_db);
    if (pg_admin_exec(drop, why, sizeof why) != 0)
        fprintf(stderr, "mt: cannot drop the test database: %s\n", why);
    free(drop);
}

/* The server secret of a database server (mocod finds it beside a SQLite file by itself): 32
 * random bytes as 64 hexadecimal characters and a newline, mode 0600. */
static int write_secret(const char *path, char *why, size_t n)
{
    static const char hexdigits[] = "0123456789abcdef";
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, raw, sizeof raw) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof raw) {
        snprintf(why, n, "cannot read 32 random bytes from /dev/urandom");
        return -1;
    }
    char hex[65];
    for (size_t i = 0; i < sizeof raw; i++) {
        hex[2 * i] = hexdigits[raw[i] >> 4];
        hex[2 * i + 1] = hexdigits[raw[i] & 15];
    }
    hex[64] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, hex, sizeof hex) == (ssize_t)sizeof hex;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        snprintf(why, n, "cannot write the secret file %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

char **mt_env(const mt_server *s)
{
    static const char name[] = "MOCOD_SECRET_FILE=";
    struct strv env = {0};
    for (char **e = environ; e && *e; e++)
        if (!s->secret || strncmp(*e, name, sizeof name - 1))
            strv_push(&env, *e);
    if (s->secret) {
        char *v = xasprintf("%s%s", name, s->secret);
        strv_push(&env, v);
        free(v);
    }
    if (!env.v)
        strv_push(&env, NULL);
    return env.v;
}

void mt_env_free(char **env)
{
    strv_free_v(env);
}

/* Run sql on the server's database beside the server. want_row: *text gets the first column of the
 * first row (malloc'd; NULL for SQL NULL), and no row is an error. false with why on an error. */
static bool sql_run(mt_server *s, const char *sql, bool want_row, char **text, char *why, size_t n)
{
    bool ok = false;
    if (s->pg_db) {
        PGconn *c = pg_connect(s->db, why, n);
        if (!c)
            return false;
        PGresult *res = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            snprintf(why, n, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
        else if (want_row && (st != PGRES_TUPLES_OK || PQntuples(res) < 1 || PQnfields(res) < 1))
            snprintf(why, n, "no row");
        else
            ok = true;
        if (ok && want_row)
            *text = PQgetisnull(res, 0, 0) ? NULL : xstrdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        PQfinish(c);
        return ok;
    }
    sqlite3 *conn = NULL;
    /* CREATE: after mt_prepare, no mocod may have made the file yet */
    if (sqlite3_open_v2(s->db, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(why, n, "cannot open %s: %s", s->db, conn ? sqlite3_errmsg(conn) : "no memory");
        sqlite3_close(conn);
        return false;
    }
    sqlite3_busy_timeout(conn, 5000);
    if (!want_row) {
        char *err = NULL;
        ok = sqlite3_exec(conn, sql, NULL, NULL, &err) == SQLITE_OK;
        if (!ok)
            snprintf(why, n, "%s", err ? err : sqlite3_errmsg(conn));
        sqlite3_free(err);
    } else {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(conn, sql, -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const unsigned char *v = sqlite3_column_text(st, 0);
            *text = v ? xstrdup((const char *)v) : NULL;
            ok = true;
        } else {
            snprintf(why, n, "%s", rc == SQLITE_DONE ? "no row" : sqlite3_errmsg(conn));
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(conn);
    return ok;
}

static void sql_fail(const mt_server *s, const char *what, const char *sql, const char *why,
                     const char *file, int line)
{
    print_error("%s on %s (%s): %s\n  in: %s\n", what, s->db, s->pg_db ? "PostgreSQL" : "SQLite",
                why, sql);
    fail_now(file, line);
}

void mt_sql_exec_(mt_server *s, const char *sql, const char *file, int line)
{
    char why[2048];
    if (!sql_run(s, sql, false, NULL, why, sizeof why))
        sql_fail(s, "mt_sql_exec", sql, why, file, line);
}

char *mt_sql_str_(mt_server *s, const char *sql, const char *file, int line)
{
    char why[2048];
    char *text = NULL;
    if (!sql_run(s, sql, true, &text, why, sizeof why))
        sql_fail(s, "mt_sql_str", sql, why, file, line);
    return text;
}

int64_t mt_sql_i64_(mt_server *s, const char *sql, const char *file, int line)
{
    char why[2048];
    char *text = NULL;
    if (!sql_run(s, sql, true, &text, why, sizeof why))
        sql_fail(s, "mt_sql_i64", sql, why, file, line);
    char *end = NULL;
    errno = 0;
    long long v = text ? strtoll(text, &end, 10) : 0;
    if (!text || end == text || *end || errno) {
        snprintf(why, sizeof why, "the value %s%s%s is not an integer", text ? "\"" : "",
                 text ? text : "NULL", text ? "\"" : "");
        free(text);
        sql_fail(s, "mt_sql_i64", sql, why, file, line);
    }
    free(text);
    return (int64_t)v;
}

/* ---- server lifecycle ------------------------------------------------------------------- */

static void cleanup_at_exit(void);

static void global_init(void)
{
    if (initialized)
        return;
    initialized = true;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(cleanup_at_exit);
}

static void link_server(mt_server *s)
{
    s->next = live_servers;
    if (live_servers)
        live_servers->prev = s;
    live_servers = s;
}

static void unlink_server(mt_server *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else if (live_servers == s)
        live_servers = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

/* Kill (if running), drop the database, remove the directory and free; asserts nothing. */
static void destroy(mt_server *s)
{
    terminate(s);
    if (s->pg_db)
        pg_drop(s);
    if (s->curl)
        curl_easy_cleanup(s->curl);
    if (s->dir) {
        const char *keep = getenv("MT_KEEP");
        if (keep && *keep && strcmp(keep, "0"))
            fprintf(stderr, "mt: keeping %s\n", s->dir);
        else
            rm_rf(s->dir);
    }
    unlink_server(s);
    free(s->bin);
    free(s->dir);
    free(s->db);
    free(s->pg_db);
    free(s->secret);
    free(s->log);
    strv_free_v(s->extra);
    free(s->admin_key);
    free(s);
}

static void cleanup_at_exit(void)
{
    while (live_resps)
        mt_resp_free(live_resps);
    while (live_servers)
        destroy(live_servers);
    PQfinish(pg_admin);
    pg_admin = NULL;
    curl_global_cleanup();
}

static bool has_arg(char *const *v, const char *name)
{
    size_t n = strlen(name);
    for (; v && *v; v++)
        if (!strncmp(*v, name, n) && ((*v)[n] == '\0' || (*v)[n] == '='))
            return true;
    return false;
}

/*
 * Run `mocod <args...> --db <db>`: stdout collected, stderr into <dir>/cli.err. Returns the exit
 * code; *out and *err (each may be NULL) receive the outputs.
 */
static int run_cli(mt_server *s, char *const *args, char **out, char **err)
{
    struct strv argv = {0};
    strv_push(&argv, s->bin);
    strv_push_all(&argv, args);
    strv_push(&argv, "--db");
    strv_push(&argv, s->db);

    char *err_path = xasprintf("%s/cli.err", s->dir);
    int code = -1;
    struct buf ob = {0};
    int pfd[2] = {-1, -1};
    int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (efd < 0 || pipe(pfd) != 0)
        goto done;
    set_cloexec(pfd[0]);
    set_cloexec(pfd[1]);
    char **env = mt_env(s);
    pid_t pid = spawn(argv.v, env, pfd[1], efd);
    mt_env_free(env);
    close(pfd[1]);
    pfd[1] = -1;
    if (pid < 0)
        goto done;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(pfd[0], chunk, sizeof chunk);
        if (n > 0)
            buf_add(&ob, chunk, (size_t)n);
        else if (n == 0 || errno != EINTR)
            break;
    }
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    code = r == pid ? exit_code(status) : -1;
done:
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    if (efd >= 0)
        close(efd);
    if (out)
        *out = buf_take(&ob);
    free(ob.p);
    if (err)
        *err = read_file(err_path);
    unlink(err_path);
    free(err_path);
    strv_free(&argv);
    return code;
}

static char *args_text(char *const *args)
{
    struct buf b = {0};
    buf_adds(&b, "mocod");
    for (; args && *args; args++) {
        buf_adds(&b, " ");
        buf_adds(&b, *args);
    }
    return buf_take(&b);
}

/* Run a CLI command that must print exactly one line holding a key. On failure: prints why and
 * returns NULL (the caller cleans up and fails). */
static char *run_cli_key(mt_server *s, char *const *args)
{
    char *out = NULL, *err = NULL;
    int code = run_cli(s, args, &out, &err);
    trim(out);
    char *cmd = args_text(args);
    const char *why = NULL;
    if (code != 0)
        why = "non-zero exit";
    else if (!*out)
        why = "no key on stdout";
    else if (strpbrk(out, " \t\r\n"))
        why = "stdout is not a single key line";
    if (why) {
        print_error("mt: `%s --db %s`%s%s failed (%s, exit code %d)\n", cmd, s->db,
                    s->secret ? " with MOCOD_SECRET_FILE=" : "", s->secret ? s->secret : "", why,
                    code);
        print_clipped("stdout: ", out, strlen(out));
        print_clipped("stderr: ", err, strlen(err));
        free(out);
        out = NULL;
    }
    free(cmd);
    free(err);
    return out;
}

/* Spawn `mocod serve` and wait until it listens; retries with a new port if it exits early (the
 * port may have been taken meanwhile). Returns NULL or a static description of the failure. */
static const char *spawn_server(mt_server *s)
{
    static char why[256];
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        s->port = pick_port();
        if (s->port <= 0)
            return "cannot find a free loopback port";
        snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%d", s->port);

        struct strv argv = {0};
        char listen[64];
        snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
        strv_push(&argv, s->bin);
        strv_push(&argv, "serve");
        strv_push(&argv, "--db");
        strv_push(&argv, s->db);
        strv_push(&argv, "--listen");
        strv_push(&argv, listen);
        if (!has_arg(s->extra, "--base-domain")) {
            strv_push(&argv, "--base-domain");
            strv_push(&argv, MT_BASE_DOMAIN);
        }
        if (!has_arg(s->extra, "--rate-limit")) {
            strv_push(&argv, "--rate-limit");
            strv_push(&argv, "off");
        }
        strv_push_all(&argv, s->extra);

        int log_fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            strv_free(&argv);
            snprintf(why, sizeof why, "cannot open %s: %s", s->log, strerror(errno));
            return why;
        }
        char **env = mt_env(s);
        s->pid = spawn(argv.v, env, log_fd, log_fd);
        mt_env_free(env);
        close(log_fd);
        strv_free(&argv);
        if (s->pid < 0) {
            s->pid = 0;
            snprintf(why, sizeof why, "fork failed: %s", strerror(errno));
            return why;
        }

        long deadline = now_ms() + START_TIMEOUT_MS;
        int code = -1;
        for (;;) {
            int status;
            if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
                s->pid = 0;
                code = exit_code(status);
                break;
            }
            if (port_accepts(s->port))
                return NULL;
            if (now_ms() > deadline) {
                terminate(s);
                snprintf(why, sizeof why,
                         "mocod serve did not accept connections on port %d "
                         "within %d ms",
                         s->port, START_TIMEOUT_MS);
                return why;
            }
            sleep_ms(20);
        }
        char desc[128];
        describe_exit(code, desc, sizeof desc);
        snprintf(why, sizeof why, "mocod serve %s before listening on port %d", desc, s->port);
        if (code == 127)
            break; /* could not exec: retrying will not help */
    }
    return why;
}

/* A new temporary directory of a server (malloc'd); fails the test when none can be made. */
static char *make_dir(const char *who, const char *file, int line)
{
    const char *tmp = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/mocod-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        int e = errno;
        print_error("%s: mkdtemp(%s): %s\n", who, tmpl, strerror(e));
        free(tmpl);
        fail_now(file, line);
    }
    return tmpl;
}

/* The directory, database (and on PostgreSQL the secret) of a new server, linked into the live
 * list; fails the test on an error (who: the name of the caller for messages). */
static mt_server *prepare(const char *who, const char *extra_serve_args, const char *file, int line)
{
    global_init();
    const char *bin = getenv("MOCOD_BIN");
#ifdef MOCOD_DEFAULT_BIN
    if (!bin || !*bin)
        bin =
            MOCOD_DEFAULT_BIN; /* the binary built beside the tests: they also run without ctest */
#endif
    if (!bin || !*bin) {
        print_error("%s: MOCOD_BIN is not set (path of the mocod binary)\n", who);
        fail_now(file, line);
    }
    if (access(bin, X_OK) != 0) {
        print_error("%s: MOCOD_BIN=%s is not executable: %s\n", who, bin, strerror(errno));
        fail_now(file, line);
    }
    if (!store_known()) {
        print_error("%s: MOCOD_TEST_STORE=%s: expected sqlite or postgres\n", who,
                    getenv("MOCOD_TEST_STORE"));
        fail_now(file, line);
    }

    char *tmpl = make_dir(who, file, line);

    mt_server *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->bin = xstrdup(bin);
    s->dir = tmpl;
    s->log = xasprintf("%s/serve.log", s->dir);
    struct strv extra = {0};
    split_args(extra_serve_args, &extra);
    strv_push(&extra, NULL); /* so that v is never NULL */
    s->extra = extra.v;
    link_server(s);

    if (mt_on_postgres()) {
        char why[2048];
        s->secret = xasprintf("%s/secret", s->dir);
        if (pg_create(s, why, sizeof why) != 0 || write_secret(s->secret, why, sizeof why) != 0) {
            print_error("%s: %s\n", who, why);
            destroy(s);
            fail_now(file, line);
        }
    } else {
        s->db = xasprintf("%s/mocod.db", s->dir);
    }
    return s;
}

mt_server *mt_prepare_(const char *file, int line)
{
    return prepare("mt_prepare", NULL, file, line);
}

mt_server *mt_start_(const char *extra_serve_args, const char *file, int line)
{
    mt_server *s = prepare("mt_start", extra_serve_args, file, line);

    char *init[] = {"init",         "--account",  MT_ACCOUNT,        "--email",
                    MT_ADMIN_EMAIL, "--password", MT_ADMIN_PASSWORD, "--firstname",
                    "Ada",          "--lastname", "Admin",           NULL};
    s->admin_key = run_cli_key(s, init);
    if (!s->admin_key) {
        destroy(s);
        print_error("mt_start: mocod init failed\n");
        fail_now(file, line);
    }

    const char *why = spawn_server(s);
    if (why) {
        print_error("mt_start: %s\n", why);
        print_log_tail(s->log, 60);
        destroy(s);
        fail_now(file, line);
    }
    return s;
}

mt_server *mt_start_sibling_(mt_server *of, const char *extra_serve_args, const char *file,
                             int line)
{
    return mt_start_on_(of->db, of->secret, of->admin_key, extra_serve_args, file, line);
}

mt_server *mt_start_on_(const char *db, const char *secret_file, const char *admin_key,
                        const char *extra_serve_args, const char *file, int line)
{
    global_init();
    const char *bin = getenv("MOCOD_BIN");
#ifdef MOCOD_DEFAULT_BIN
    if (!bin || !*bin)
        bin = MOCOD_DEFAULT_BIN;
#endif
    if (!bin || !*bin) {
        print_error("mt_start_on: MOCOD_BIN is not set\n");
        fail_now(file, line);
    }
    char *tmpl = make_dir("mt_start_on", file, line);
    mt_server *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->bin = xstrdup(bin);
    s->dir = tmpl;
    s->log = xasprintf("%s/serve.log", s->dir);
    /* the database and its secret are someone else's: this server drops neither */
    s->db = xstrdup(db);
    s->secret = secret_file ? xstrdup(secret_file) : NULL;
    s->admin_key = admin_key ? xstrdup(admin_key) : NULL;
    struct strv extra = {0};
    split_args(extra_serve_args, &extra);
    strv_push(&extra, NULL);
    s->extra = extra.v;
    link_server(s);
    const char *why = spawn_server(s);
    if (why) {
        print_error("mt_start_on: %s\n", why);
        print_log_tail(s->log, 60);
        destroy(s);
        fail_now(file, line);
    }
    return s;
}

void mt_kill9(mt_server *s)
{
    if (!s || s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    int status;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    s->pid = 0; /* mt_stop then only cleans up */
}

void mt_stop_(mt_server *s, const char *file, int line)
{
    if (!s)
        return;
    int code = terminate(s);
    if (code != 0) {
        char desc[128];
        describe_exit(code, desc, sizeof desc);
        print_error("mt_stop: mocod serve %s\n", desc);
        print_log_tail(s->log, 60);
    }
    destroy(s);
    if (code != 0)
        fail_now(file, line);
}

void mt_restart_(mt_server *s, const char *file, int line)
{
    int code = terminate(s);
    if (code != 0) {
        char desc[128];
        describe_exit(code, desc, sizeof desc);
        print_error("mt_restart: mocod serve %s\n", desc);
        print_log_tail(s->log, 60);
        fail_now(file, line);
    }
    if (s->curl) {
        curl_easy_cleanup(s->curl);
        s->curl = NULL;
    }
    const char *why = spawn_server(s);
    if (why) {
        print_error("mt_restart: %s\n", why);
        print_log_tail(s->log, 60);
        fail_now(file, line);
    }
}

int mt_setup(void **state)
{
    *state = mt_start(NULL);
    return 0;
}

int mt_teardown(void **state)
{
    mt_server *s = *state;
    *state = NULL;
    mt_stop(s);
    return 0;
}

const char *mt_admin_key(const mt_server *s)
{
    return s->admin_key;
}

const char *mt_base_url(const mt_server *s)
{
    return s->base_url;
}

int mt_port(const mt_server *s)
{
    return s->port;
}

pid_t mt_pid(const mt_server *s)
{
    return s->pid;
}

const char *mt_dir(const mt_server *s)
{
    return s->dir;
}

const char *mt_db_path(const mt_server *s)
{
    return s->db;
}

const char *mt_log_path(const mt_server *s)
{
    return s->log;
}

char *mt_read_log(const mt_server *s)
{
    return read_file(s->log);
}

void mt_dump_log(const mt_server *s, int lines)
{
    if (s)
        print_log_tail(s->log, lines > 0 ? lines : 40);
}

/* ---- command line ----------------------------------------------------------------------- */

static int cli_try_v(mt_server *s, char **out, char **err, char **cmd, const char *fmt, va_list ap)
{
    char *text = xvasprintf(fmt, ap);
    struct strv args = {0};
    split_args(text, &args);
    strv_push(&args, NULL);
    int code = run_cli(s, args.v, out, err);
    if (cmd)
        *cmd = args_text(args.v);
    strv_free(&args);
    free(text);
    return code;
}

int mt_cli_try(mt_server *s, char **out, char **err, const char *args_fmt, ...)
{
    va_list ap;
    va_start(ap, args_fmt);
    int code = cli_try_v(s, out, err, NULL, args_fmt, ap);
    va_end(ap);
    return code;
}

char *mt_cli_(mt_server *s, const char *file, int line, const char *args_fmt, ...)
{
    char *out = NULL, *err = NULL, *cmd = NULL;
    va_list ap;
    va_start(ap, args_fmt);
    int code = cli_try_v(s, &out, &err, &cmd, args_fmt, ap);
    va_end(ap);
    if (code != 0) {
        print_error("mt_cli: `%s --db %s` exited with code %d\n", cmd, s->db, code);
        print_clipped("stdout: ", out, strlen(out));
        print_clipped("stderr: ", err, strlen(err));
        free(out);
        free(err);
        free(cmd);
        fail_now(file, line);
    }
    free(err);
    free(cmd);
    return trim(out);
}

char *mt_init_account_(mt_server *s, const char *account, const char *email, const char *password,
                       const char *file, int line)
{
    char *args[] = {"init",        "--account",  (char *)account,  "--email",
                    (char *)email, "--password", (char *)password, NULL};
    char *key = run_cli_key(s, args);
    if (!key)
        fail_now(file, line);
    return key;
}

char *mt_account_key_(mt_server *s, const char *account, const char *access, const char *file,
                      int line)
{
    char *args[] = {"apikey", "--account", (char *)account, "--access", (char *)access, NULL};
    char *key = run_cli_key(s, args);
    if (!key)
        fail_now(file, line);
    return key;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    buf_add(userdata, data, size * n);
    return size * n;
}

static void clear_headers(mt_resp *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->n_headers = 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    mt_resp *r = userdata;
    size_t len = size * n;
    if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
        clear_headers(r); /* a new response (after 100 Continue): start over */
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    const char *name = data, *name_end = colon;
    while (name_end > name && isspace((unsigned char)name_end[-1]))
        name_end--;
    const char *value = colon + 1, *end = data + len;
    while (value < end && isspace((unsigned char)*value))
        value++;
    while (end > value && isspace((unsigned char)end[-1]))
        end--;
    r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof *r->headers);
    mt_header_t *h = &r->headers[r->n_headers++];
    h->name = xmalloc((size_t)(name_end - name) + 1);
    memcpy(h->name, name, (size_t)(name_end - name));
    h->name[name_end - name] = '\0';
    h->value = xmalloc((size_t)(end - value) + 1);
    memcpy(h->value, value, (size_t)(end - value));
    h->value[end - value] = '\0';
    return len;
}

/* Is a header called `name` in the NULL-terminated "Name: value" list? */
static bool headers_have(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (; headers && *headers; headers++) {
        const char *h = *headers;
        if (!strncasecmp(h, name, n) && (h[n] == ':' || h[n] == ';' || h[n] == ' '))
            return true;
    }
    return false;
}

static void link_resp(mt_resp *r)
{
    r->next_ = live_resps;
    if (live_resps)
        live_resps->prev_ = r;
    live_resps = r;
}

mt_resp *mt_request_len(mt_server *s, const char *method, const char *path, const char *key,
                        const char *body, size_t body_len, const char *const *extra_headers)
{
    assert_non_null(s);
    assert_non_null(method);
    assert_non_null(path);
    if (!s->curl)
        s->curl = curl_easy_init();
    CURL *c = s->curl;
    assert_non_null(c);
    curl_easy_reset(c);

    mt_resp *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    r->method = xstrdup(method);
    r->path = xstrdup(path);
    r->log_path_ = xstrdup(s->log);
    link_resp(r);

    char *url = strstr(path, "://") ? xstrdup(path) : xasprintf("%s%s", s->base_url, path);
    bool send_body = body != NULL;
    bool empty_body =
        !body && (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH"));

    struct curl_slist *hl = NULL;
    char *auth = NULL;
    if (key && !headers_have(extra_headers, "Authorization")) {
        auth = xasprintf("Authorization: Token token=%s", key);
        hl = curl_slist_append(hl, auth);
    }
    if (!headers_have(extra_headers, "Accept"))
        hl = curl_slist_append(hl, "Accept: application/json");
    if (!headers_have(extra_headers, "Expect"))
        hl = curl_slist_append(hl, "Expect:");
    if (!headers_have(extra_headers, "Content-Type")) {
        if (send_body)
            hl = curl_slist_append(hl, "Content-Type: application/json");
        else if (empty_body)
            hl = curl_slist_append(hl, "Content-Type:"); /* drop curl's form default */
    }
    for (const char *const *h = extra_headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);

    struct buf body_buf = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body_buf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(method, "GET") && !send_body) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (send_body || empty_body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(send_body ? body_len : 0));
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, send_body ? body : "");
        }
    }

    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    free(auth);
    free(url);
    r->body_len = body_buf.len;
    r->body = buf_take(&body_buf);
    if (rc != CURLE_OK) {
        print_error("mt_request: %s %s%s: %s\n", method, s->base_url, path, curl_easy_strerror(rc));
        print_log_tail(s->log, 40);
        mt_resp_free(r);
        fail();
    }
    if (r->body_len)
        r->json = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    return r;
}

mt_resp *mt_request(mt_server *s, const char *method, const char *path, const char *key,
                    const char *body, const char *const *extra_headers)
{
    return mt_request_len(s, method, path, key, body, body ? strlen(body) : 0, extra_headers);
}

mt_resp *mt_request_json(mt_server *s, const char *method, const char *path, const char *key,
                         json_t *body, const char *const *extra_headers)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (body && !text)
        fail_msg("mt_request_json: cannot encode the body");
    mt_resp *r = mt_request(s, method, path, key, text, extra_headers);
    free(text);
    return r;
}

mt_resp *mt_get(mt_server *s, const char *path, const char *key)
{
    return mt_request(s, "GET", path, key, NULL, NULL);
}

mt_resp *mt_post(mt_server *s, const char *path, const char *key, const char *body)
{
    return mt_request(s, "POST", path, key, body, NULL);
}

mt_resp *mt_put(mt_server *s, const char *path, const char *key, const char *body)
{
    return mt_request(s, "PUT", path, key, body, NULL);
}

mt_resp *mt_patch(mt_server *s, const char *path, const char *key, const char *body)
{
    return mt_request(s, "PATCH", path, key, body, NULL);
}

mt_resp *mt_delete(mt_server *s, const char *path, const char *key)
{
    return mt_request(s, "DELETE", path, key, NULL, NULL);
}

mt_resp *mt_getf(mt_server *s, const char *key, const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    char *path = xvasprintf(path_fmt, ap);
    va_end(ap);
    mt_resp *r = mt_request(s, "GET", path, key, NULL, NULL);
    free(path);
    return r;
}

mt_resp *mt_deletef(mt_server *s, const char *key, const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    char *path = xvasprintf(path_fmt, ap);
    va_end(ap);
    mt_resp *r = mt_request(s, "DELETE", path, key, NULL, NULL);
    free(path);
    return r;
}

mt_resp *mt_requestf(mt_server *s, const char *method, const char *key, const char *body,
                     const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    char *path = xvasprintf(path_fmt, ap);
    va_end(ap);
    mt_resp *r = mt_request(s, method, path, key, body, NULL);
    free(path);
    return r;
}

json_int_t mt_create_(mt_server *s, const char *path, const char *key, const char *body,
                      const char *file, int line)
{
    mt_resp *r = mt_post(s, path, key, body);
    if (r->status != 200 && r->status != 201)
        mt_assert_status_(r, 200, file, line);
    json_int_t id = mt_json_int_(r->json, "id", file, line);
    mt_resp_free(r);
    return id;
}

const char *mt_header(const mt_resp *r, const char *name)
{
    for (size_t i = 0; r && i < r->n_headers; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

void mt_resp_free(mt_resp *r)
{
    if (!r)
        return;
    if (r->prev_)
        r->prev_->next_ = r->next_;
    else if (live_resps == r)
        live_resps = r->next_;
    if (r->next_)
        r->next_->prev_ = r->prev_;
    clear_headers(r);
    json_decref(r->json);
    free(r->body);
    free(r->method);
    free(r->path);
    free(r->log_path_);
    free(r);
}

char *mt_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct buf b = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            buf_add(&b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_add(&b, e, 3);
        }
    }
    return buf_take(&b);
}

/* ---- assertions on responses ------------------------------------------------------------ */

static void print_resp(const mt_resp *r)
{
    print_error("response: %s %s -> %ld\n", r->method, r->path, r->status);
    print_clipped("body: ", r->body, r->body_len);
}

void mt_assert_status_(const mt_resp *r, long status, const char *file, int line)
{
    if (!r) {
        print_error("expected status %ld, but the response is NULL\n", status);
        fail_now(file, line);
    }
    if (r->status == status)
        return;
    print_error("expected status %ld, got %ld for %s %s\n", status, r->status, r->method, r->path);
    print_clipped("body: ", r->body, r->body_len);
    print_log_tail(r->log_path_, 10);
    fail_now(file, line);
}

void mt_assert_header_(const mt_resp *r, const char *name, const char *expected, const char *file,
                       int line)
{
    const char *v = mt_header(r, name);
    if (expected ? (v && !strcmp(v, expected)) : !v)
        return;
    if (expected)
        print_error("expected header %s: %s, got %s%s%s\n", name, expected, v ? "\"" : "",
                    v ? v : "none", v ? "\"" : "");
    else
        print_error("expected no header %s, got \"%s\"\n", name, v);
    print_resp(r);
    fail_now(file, line);
}

/* ---- JSON ------------------------------------------------------------------------------- */

json_t *mt_json_get(const json_t *root, const char *path)
{
    json_t *cur = (json_t *)root;
    const char *p = path ? path : "";
    while (cur && *p) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end;
            long idx = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || !json_is_array(cur))
                return NULL;
            if (idx < 0)
                idx += (long)json_array_size(cur);
            cur = idx < 0 ? NULL : json_array_get(cur, (size_t)idx);
            p = end + 1;
            continue;
        }
        size_t n = strcspn(p, ".[");
        if (!json_is_object(cur))
            return NULL;
        char *k = xmalloc(n + 1);
        memcpy(k, p, n);
        k[n] = '\0';
        cur = json_object_get(cur, k);
        free(k);
        p += n;
    }
    return cur;
}

bool mt_json_has(const json_t *root, const char *path)
{
    return mt_json_get(root, path) != NULL;
}

static const char *type_name(json_type t)
{
    switch (t) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    if (t == MT_JSON_BOOL)
        return "boolean";
    if (t == MT_JSON_NUMBER)
        return "number";
    return "?";
}

static bool type_matches(const json_t *v, json_type want)
{
    if (want == MT_JSON_BOOL)
        return json_is_boolean(v);
    if (want == MT_JSON_NUMBER)
        return json_is_number(v);
    return json_typeof(v) == want;
}

/* The value at path, which must exist and have type `want`; fails otherwise. */
static json_t *expect_at(const json_t *root, const char *path, json_type want, const char *file,
                         int line)
{
    json_t *v = mt_json_get(root, path);
    if (v && type_matches(v, want))
        return v;
    const char *p = path && *path ? path : "(root)";
    if (!root)
        print_error("JSON %s: expected %s, but there is no JSON (empty or unparsable body)\n", p,
                    type_name(want));
    else if (!v)
        print_error("JSON %s: expected %s, but the path does not exist\n", p, type_name(want));
    else
        print_error("JSON %s: expected %s, got %s\n", p, type_name(want),
                    type_name(json_typeof(v)));
    if (root)
        print_json("in: ", root);
    fail_now(file, line);
}

json_int_t mt_json_int_(const json_t *root, const char *path, const char *file, int line)
{
    return json_integer_value(expect_at(root, path, JSON_INTEGER, file, line));
}

double mt_json_real_(const json_t *root, const char *path, const char *file, int line)
{
    return json_number_value(expect_at(root, path, MT_JSON_NUMBER, file, line));
}

const char *mt_json_str_(const json_t *root, const char *path, const char *file, int line)
{
    return json_string_value(expect_at(root, path, JSON_STRING, file, line));
}

bool mt_json_bool_(const json_t *root, const char *path, const char *file, int line)
{
    return json_is_true(expect_at(root, path, MT_JSON_BOOL, file, line));
}

size_t mt_json_len_(const json_t *root, const char *path, const char *file, int line)
{
    json_t *v = mt_json_get(root, path);
    if (json_is_object(v))
        return json_object_size(v);
    return json_array_size(expect_at(root, path, JSON_ARRAY, file, line));
}

void mt_assert_json_type_(const json_t *root, const char *path, json_type type, const char *file,
                          int line)
{
    expect_at(root, path, type, file, line);
}

void mt_assert_json_int_(const json_t *root, const char *path, json_int_t expected,
                         const char *file, int line)
{
    json_int_t v = mt_json_int_(root, path, file, line);
    if (v == expected)
        return;
    print_error("JSON %s: expected %" JSON_INTEGER_FORMAT ", got %" JSON_INTEGER_FORMAT "\n",
                path && *path ? path : "(root)", expected, v);
    print_json("in: ", root);
    fail_now(file, line);
}

void mt_assert_json_str_(const json_t *root, const char *path, const char *expected,
                         const char *file, int line)
{
    const char *v = mt_json_str_(root, path, file, line);
    if (expected && !strcmp(v, expected))
        return;
    print_error("JSON %s: expected \"%s\", got \"%s\"\n", path && *path ? path : "(root)",
                expected ? expected : "(NULL)", v);
    print_json("in: ", root);
    fail_now(file, line);
}

/* Is [k, k+n) one of the comma-separated names in list? */
static bool list_has(const char *list, const char *k, size_t n)
{
    const char *p = list;
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        if (len && len == n && !memcmp(p, k, n))
            return true;
        p += len;
    }
    return false;
}

void mt_assert_keys_(const json_t *obj, const char *keys, const char *file, int line)
{
    if (!json_is_object(obj)) {
        print_error("expected an object with keys {%s}, got %s\n", keys,
                    obj ? type_name(json_typeof(obj)) : "nothing");
        print_json("value: ", obj);
        fail_now(file, line);
    }
    struct buf missing = {0}, extra = {0};
    const char *p = keys;
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        if (len) {
            char *k = xmalloc(len + 1);
            memcpy(k, p, len);
            k[len] = '\0';
            if (!json_object_get(obj, k)) {
                buf_adds(&missing, missing.len ? ", " : "");
                buf_adds(&missing, k);
            }
            free(k);
        }
        p += len;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        (void)v;
        if (!list_has(keys, k, strlen(k))) {
            buf_adds(&extra, extra.len ? ", " : "");
            buf_adds(&extra, k);
        }
    }
    if (!missing.len && !extra.len)
        return;
    print_error("object keys differ from {%s}: missing {%s}, unexpected {%s}\n", keys,
                missing.p ? missing.p : "", extra.p ? extra.p : "");
    print_json("object: ", obj);
    free(missing.p);
    free(extra.p);
    fail_now(file, line);
}

static bool digits(const char *s, size_t n, int *value)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

bool mt_is_date(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

bool mt_is_timestamp(const char *s)
{
    int h, mi, sec;
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    return mt_is_date(date) && digits(s + 11, 2, &h) && digits(s + 14, 2, &mi) &&
           digits(s + 17, 2, &sec) && h < 24 && mi < 60 && sec < 60;
}

void mt_assert_timestamp_(const json_t *root, const char *path, const char *file, int line)
{
    const char *v = mt_json_str_(root, path, file, line);
    if (mt_is_timestamp(v))
        return;
    print_error("JSON %s: \"%s\" is not a timestamp YYYY-MM-DDTHH:MM:SSZ\n",
                path && *path ? path : "(root)", v);
    print_json("in: ", root);
    fail_now(file, line);
}

void mt_assert_date_(const json_t *root, const char *path, const char *file, int line)
{
    const char *v = mt_json_str_(root, path, file, line);
    if (mt_is_date(v))
        return;
    print_error("JSON %s: \"%s\" is not a date YYYY-MM-DD\n", path && *path ? path : "(root)", v);
    print_json("in: ", root);
    fail_now(file, line);
}
