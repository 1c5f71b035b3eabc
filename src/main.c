/* mocod: verbs, flags and their environment twins. */
#include "auth/auth.h"
#include "db/migrate.h"
#include "engine/engine.h"
#include "pdf/pdf.h"
#include "resources/resources.h"
#include "server/http.h"
#include "server/respcache.h"
#include "setup/setup.h"
#include "util/timeutil.h"
#include "mail/mail.h"
#include "webhooks/webhooks.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct option_decl {
    const char *flag;
    const char *env;
    const char *arg; /* NULL: a switch, given without a value */
    const char *help;
    const char *def;
};

enum opt_id {
    O_DB,
    O_LISTEN,
    O_BASE_DOMAIN,
    O_RATE_LIMIT,
    O_THREADS,
    O_ACCOUNT,
    O_EMAIL,
    O_PASSWORD,
    O_FIRSTNAME,
    O_LASTNAME,
    O_ACCESS,
    O_PUBLIC_SCHEME,
    O_CUSTOM_PROPS,
    O_STRICT,
    O_CURRENCY,
    O_SYNC,
    O_WH_PRIVATE,
    O_WH_RETRY_BASE,
    O_WH_RETRY_MAX,
    O_WH_MAX_FAILURES,
    O_WH_TIMEOUT,
    O_RESP_CACHE,
    O_MAX_CONN,
    O_MAX_CONN_IP,
    O_IDLE_TIMEOUT,
    O_REQUEST_TIMEOUT,
    O_BODY_MEMORY,
    O_FROM,
    O_TO,
    O_TIME_ZONE,
    O_NUMBER_PATTERN,
    O_FAKE_NOW,
    O_SMTP_URL,
    O_SMTP_USER,
    O_SMTP_PASSWORD,
    O_SMTP_STARTTLS,
    O_SMTP_FROM,
    O_SMTP_RETRY_BASE,
    O_SMTP_RETRY_MAX,
    O_SMTP_MAX_FAILURES,
    O_SMTP_TIMEOUT,
    O_SUBJECT,
    O_ATTACH,
    O_COUNT
};

static const struct option_decl options[O_COUNT] = {
    [O_DB] = {"--db", "MOCOD_DB", "PATH", "SQLite database file", NULL},
    [O_LISTEN] = {"--listen", "MOCOD_LISTEN", "HOST:PORT", "address to serve on", "127.0.0.1:8080"},
    [O_BASE_DOMAIN] = {"--base-domain", "MOCOD_BASE_DOMAIN", "DOMAIN",
                       "accounts answer at <account>.DOMAIN (else the API key names it)", NULL},
    [O_RATE_LIMIT] = {"--rate-limit", "MOCOD_RATE_LIMIT", "N/SECONDS|off",
                      "default requests per key and window; an account setting overrides", "15/15"},
    [O_THREADS] = {"--threads", "MOCOD_THREADS", "N", "HTTP worker threads", NULL},
    [O_ACCOUNT] = {"--account", "MOCOD_ACCOUNT", "SUBDOMAIN", "the account (tenant)", NULL},
    [O_EMAIL] = {"--email", "MOCOD_EMAIL", "EMAIL", "the administrator's email", NULL},
    [O_PASSWORD] = {"--password", "MOCOD_PASSWORD", "PASSWORD", "the administrator's password",
                    NULL},
    [O_FIRSTNAME] = {"--firstname", "MOCOD_FIRSTNAME", "NAME", "the administrator's first name",
                     "Admin"},
    [O_LASTNAME] = {"--lastname", "MOCOD_LASTNAME", "NAME", "the administrator's last name",
                    "Istrator"},
    [O_ACCESS] = {"--access", "MOCOD_ACCESS", "read|full", "access of an account API key", "read"},
    [O_PUBLIC_SCHEME] = {"--public-scheme", "MOCOD_PUBLIC_SCHEME", "http|https",
                         "scheme of the absolute URLs in Link headers", "http"},
    [O_STRICT] = {"--strict-validation", "MOCOD_STRICT_VALIDATION", "on|off",
                  "account: validate as strictly as the newer MOCO docs", NULL},
    [O_CURRENCY] = {"--currency", "MOCOD_CURRENCY", "XXX",
                    "account: currency of customers that give none (EUR)", NULL},
    [O_CUSTOM_PROPS] = {"--custom-properties", "MOCOD_CUSTOM_PROPERTIES", "replace|merge",
                        "account setting: custom fields not sent are removed (replace, the "
                        "seed's rule) or kept (merge)",
                        NULL},
    [O_SYNC] = {"--synchronous", "MOCOD_SYNCHRONOUS", "full|normal",
                "durability: full survives power loss; normal may lose the last commits in a crash "
                "(PostgreSQL: synchronous_commit off)",
                "full"},
    [O_WH_PRIVATE] = {"--webhook-allow-private", "MOCOD_WEBHOOK_ALLOW_PRIVATE", NULL,
                      "let web hooks reach loopback, private and link-local addresses", NULL},
    [O_WH_RETRY_BASE] = {"--webhook-retry-base", "MOCOD_WEBHOOK_RETRY_BASE", "SECONDS",
                         "first retry of a failed delivery; doubles per failure", "30"},
    [O_WH_RETRY_MAX] = {"--webhook-retry-max", "MOCOD_WEBHOOK_RETRY_MAX", "SECONDS",
                        "longest wait between retries", "3600"},
    [O_WH_MAX_FAILURES] = {"--webhook-max-failures", "MOCOD_WEBHOOK_MAX_FAILURES", "N",
                           "consecutive failures that disable a hook", "500"},
    [O_RESP_CACHE] = {"--response-cache", "MOCOD_RESPONSE_CACHE", "MIB",
                      "memory for answers of reads, invalidated by any write of the account; 0 "
                      "turns it off",
                      "64"},
    [O_MAX_CONN] = {"--max-connections", "MOCOD_MAX_CONNECTIONS", "N",
                    "open HTTP connections in all", "4096"},
    [O_MAX_CONN_IP] = {"--max-connections-per-ip", "MOCOD_MAX_CONNECTIONS_PER_IP", "N",
                       "open HTTP connections of one client address", "64"},
    [O_IDLE_TIMEOUT] = {"--idle-timeout", "MOCOD_IDLE_TIMEOUT", "SECONDS",
                        "a silent connection is closed after this", "30"},
    [O_REQUEST_TIMEOUT] = {"--request-timeout", "MOCOD_REQUEST_TIMEOUT", "SECONDS",
                           "a request (headers and body) must arrive whole within this", "60"},
    [O_BODY_MEMORY] = {"--body-memory", "MOCOD_BODY_MEMORY", "MIB",
                       "memory for request bodies being received, over all connections (503 "
                       "beyond)",
                       "256"},
    [O_TIME_ZONE] = {"--time-zone", "MOCOD_TIME_ZONE", "ZONE",
                     "account: its time zone, whose calendar says what today is (Europe/Berlin)",
                     NULL},
    [O_NUMBER_PATTERN] = {"--number-pattern", "MOCOD_NUMBER_PATTERN", "RESOURCE=PATTERN",
                          "account: the identifiers of invoices, offers, purchases or projects, "
                          "e.g. invoices=RE-{yyyy}-{n:5} ({yyyy} {yy} {mm} of the document's "
                          "date, {n:DIGITS}); RESOURCE= restores the default",
                          NULL},
    [O_FAKE_NOW] = {"--fake-now", "MOCOD_FAKE_NOW", "TIMESTAMP",
                    "tests only (needs MOCOD_ALLOW_FAKE_NOW=1): the clock starts at this time",
                    NULL},
    [O_FROM] = {"--from", "MOCOD_COPY_FROM", "PATH|URL",
                "mocod copy: the database to read; mocod mail-test: the From", NULL},
    [O_TO] = {"--to", "MOCOD_COPY_TO", "URL|PATH",
              "mocod copy: the empty database to fill; mocod mail-test: the recipient", NULL},
    [O_WH_TIMEOUT] = {"--webhook-timeout", "MOCOD_WEBHOOK_TIMEOUT", "SECONDS",
                      "time a receiver has to answer", "10"},
    [O_SMTP_URL] = {"--smtp-url", "MOCOD_SMTP_URL", "smtp(s)://HOST:PORT",
                    "the SMTP server that sends mails (without one they stay in the outbox)", NULL},
    [O_SMTP_USER] = {"--smtp-user", "MOCOD_SMTP_USER", "USER", "SMTP login", NULL},
    [O_SMTP_PASSWORD] = {"--smtp-password", "MOCOD_SMTP_PASSWORD", "PASSWORD",
                         "SMTP password (better in the environment than on the command line)",
                         NULL},
    [O_SMTP_STARTTLS] = {"--smtp-starttls", "MOCOD_SMTP_STARTTLS", "required|optional|off",
                         "smtp:// URLs: STARTTLS before anything is sent", "required"},
    [O_SMTP_FROM] = {"--smtp-from", "MOCOD_SMTP_FROM", "ADDRESS",
                     "From of mails that name none (\"Name <a@example.com>\")",
                     "mocod <mocod@localhost>"},
    [O_SMTP_RETRY_BASE] = {"--smtp-retry-base", "MOCOD_SMTP_RETRY_BASE", "SECONDS",
                           "first retry of a mail that could not be sent; doubles per failure",
                           "60"},
    [O_SMTP_RETRY_MAX] = {"--smtp-retry-max", "MOCOD_SMTP_RETRY_MAX", "SECONDS",
                          "longest wait between retries of a mail", "3600"},
    [O_SMTP_MAX_FAILURES] = {"--smtp-max-failures", "MOCOD_SMTP_MAX_FAILURES", "N",
                             "failed attempts after which a mail is marked failed", "10"},
    [O_SUBJECT] = {"--subject", "MOCOD_MAIL_SUBJECT", "TEXT", "mocod mail-test: the subject",
                   "mocod test mail"},
    [O_ATTACH] = {"--attach", "MOCOD_MAIL_ATTACH", "FILE", "mocod mail-test: a file to attach",
                  NULL},
    [O_SMTP_TIMEOUT] = {"--smtp-timeout", "MOCOD_SMTP_TIMEOUT", "SECONDS",
                        "time one SMTP session may take", "60"},
};

static const char *values[O_COUNT];

static void usage(FILE *out)
{
    fputs("mocod - the MOCO API on your own machine\n\n"
          "usage (PATH: a SQLite file; or postgresql://USER@HOST:PORT/DB, which needs\n"
          "       MOCOD_SECRET or MOCOD_SECRET_FILE):\n"
          "  mocod init --db PATH --account SUBDOMAIN --email EMAIL --password PASSWORD\n"
          "             [--firstname F] [--lastname L]     create account + admin, print API key\n"
          "  mocod serve --db PATH [--listen HOST:PORT] [--base-domain DOMAIN]\n"
          "             [--rate-limit N/SECONDS|off] [--threads N]\n"
          "             [--max-connections N] [--max-connections-per-ip N]\n"
          "             [--idle-timeout S] [--request-timeout S] [--body-memory MIB]\n"
          "             [--smtp-url smtp://HOST:PORT [--smtp-user U] [--smtp-from A] ...]\n"
          "  mocod demo [--db PATH] [--listen HOST:PORT]   sample data, then serve\n"
          "  mocod migrate --db PATH                       bring the schema up to date\n"
          "  mocod copy --from mocod.sqlite --to postgresql://USER@HOST:PORT/DB\n"
          "             every account and row into an empty database (keys stay valid\n"
          "             with the source's secret: MOCOD_SECRET_FILE=mocod.sqlite.secret)\n"
          "  mocod secret                                  print a new server secret\n"
          "  mocod mail-test --db PATH --account SUBDOMAIN --to ADDRESS [--from ADDRESS]\n"
          "             [--subject TEXT] [--attach FILE]   queue a mail (sent by mocod serve\n"
          "             with --smtp-url; the mail log is GET /api/v1/account/mails)\n"
          "  mocod apikey --db PATH --account SUBDOMAIN --access read|full\n"
          "  mocod account --db PATH --account SUBDOMAIN [--rate-limit N/SECONDS|default]\n"
          "             [--custom-properties replace|merge] [--strict-validation on|off]\n"
          "             [--currency XXX] [--time-zone ZONE]\n"
          "             [--number-pattern RESOURCE=PATTERN]  change account settings\n\n"
          "options (each has an environment twin):\n",
          out);
    for (int i = 0; i < O_COUNT; i++)
        fprintf(out, "  %-24s %-28s %s%s%s%s\n", options[i].flag, options[i].env, options[i].help,
                options[i].def ? " (default " : "", options[i].def ? options[i].def : "",
                options[i].def ? ")" : "");
    fputs("  MOCOD_SECRET / MOCOD_SECRET_FILE: the server secret that protects API keys "
          "(default: <db>.secret, made on first use)\n",
          out);
}

static int parse_flags(int argc, char **argv)
{
    for (int i = 0; i < O_COUNT; i++) {
        const char *env = getenv(options[i].env);
        values[i] = env && *env ? env : options[i].def;
    }
    for (int a = 2; a < argc; a++) {
        if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
            usage(stdout);
            exit(0);
        }
        int found = -1;
        const char *val = NULL;
        for (int i = 0; i < O_COUNT; i++) {
            size_t n = strlen(options[i].flag);
            if (!strncmp(argv[a], options[i].flag, n) &&
                (argv[a][n] == '\0' || argv[a][n] == '=')) {
                found = i;
                val = argv[a][n] == '=' ? argv[a] + n + 1 : NULL;
                break;
            }
        }
        if (found < 0) {
            fprintf(stderr, "mocod: unknown option %s (see mocod --help)\n", argv[a]);
            return -1;
        }
        if (!val && !options[found].arg) {
            val = "1"; /* a switch */
        } else if (!val) {
            if (a + 1 >= argc) {
                fprintf(stderr, "mocod: %s needs a value\n", argv[a]);
                return -1;
            }
            val = argv[++a];
        }
        values[found] = val;
    }
    return 0;
}

static int need(enum opt_id id)
{
    if (values[id] && *values[id])
        return 0;
    fprintf(stderr, "mocod: %s (or %s) is required\n", options[id].flag, options[id].env);
    return -1;
}

static int parse_rate(const char *v, int *requests, int *seconds)
{
    if (!strcmp(v, "off")) {
        *requests = *seconds = 0;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (*end != '/' || n < 1 || n > 1000000)
        return -1;
    long s = strtol(end + 1, &end, 10);
    if (*end || s < 1 || s > 86400)
        return -1;
    *requests = (int)n;
    *seconds = (int)s;
    return 0;
}

static db *open_store(const char *url)
{
    char err[512];
    struct db_options opts = {.pool_size = 4,
                              .synchronous_normal = !strcmp(values[O_SYNC], "normal")};
    if (values[O_THREADS])
        opts.pool_size = atoi(values[O_THREADS]) + 2;
    db *d = NULL;
    if (db_open(&d, url, &opts, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "mocod: cannot open database: %s\n", err);
        return NULL;
    }
    if (engine_init(&mocod_registry)) {
        db_close(d);
        return NULL;
    }
    if (db_migrate(d, engine_sync_schema) != 0) {
        fprintf(stderr, "mocod: schema migration failed\n");
        db_close(d);
        return NULL;
    }
    db_conn *c = db_acquire(d);
    int seeded = c ? accounts_seed_defaults(c) : -1;
    if (c)
        db_release(d, c);
    if (db_optimize(d) != DB_OK) /* the planner's statistics: plans are only slower without */
        fprintf(stderr, "mocod: could not refresh the query planner's statistics\n");
    if (seeded) {
        fprintf(stderr, "mocod: cannot give accounts their default VAT codes\n");
        db_close(d);
        return NULL;
    }
    return d;
}

static db *open_db(void)
{
    char err[512];
    if (auth_init(values[O_DB], err, sizeof(err))) {
        fprintf(stderr, "mocod: %s\n", err);
        return NULL;
    }
    return open_store(values[O_DB]);
}

/* mocod copy: both schemas up to date, then every row (db_copy). No secret is needed: keys are
 * copied sealed. */
static int cmd_copy(void)
{
    if (need(O_FROM) || need(O_TO))
        return 2;
    if (!strcmp(values[O_FROM], values[O_TO])) {
        fprintf(stderr, "mocod: --from and --to are the same database\n");
        return 2;
    }
    const char *from = values[O_FROM];
    if (!db_url_is_server(from) && access(strncmp(from, "sqlite://", 9) ? from : from + 9, R_OK)) {
        fprintf(stderr, "mocod: --from %s: %s\n", from, strerror(errno));
        return 1;
    }
    db *src = open_store(values[O_FROM]);
    if (!src)
        return 1;
    db *dst = open_store(values[O_TO]);
    if (!dst) {
        db_close(src);
        return 1;
    }
    char err[512];
    int rc = db_copy(src, dst, stdout, err, sizeof(err));
    if (rc)
        fprintf(stderr, "mocod: copy failed, nothing was written: %s\n", err);
    db_close(dst);
    db_close(src);
    return rc ? 1 : 0;
}

static int cmd_secret(void)
{
    if (sodium_init() < 0)
        return 1;
    unsigned char raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    printf("%s\n", hex);
    return 0;
}

static int cmd_init(db *d, bool quiet_output, char **key_out, arena *a)
{
    if (need(O_ACCOUNT) || need(O_EMAIL) || need(O_PASSWORD))
        return 1;
    db_conn *c = db_acquire(d);
    char err[256];
    char *key = account_setup(c, a, values[O_ACCOUNT], values[O_EMAIL], values[O_PASSWORD],
                              values[O_FIRSTNAME], values[O_LASTNAME], err, sizeof(err));
    db_release(d, c);
    if (!key) {
        fprintf(stderr, "mocod: %s\n", err);
        return 1;
    }
    if (!quiet_output)
        printf("%s\n", key);
    if (key_out)
        *key_out = key;
    return 0;
}

static int cmd_apikey(db *d, arena *a)
{
    if (need(O_ACCOUNT))
        return 1;
    db_conn *c = db_acquire(d);
    char err[256];
    char *key = account_key(c, a, values[O_ACCOUNT], values[O_ACCESS], err, sizeof(err));
    db_release(d, c);
    if (!key) {
        fprintf(stderr, "mocod: %s\n", err);
        return 1;
    }
    printf("%s\n", key);
    return 0;
}

static int cmd_account(db *d, int argc, char **argv)
{
    if (need(O_ACCOUNT))
        return 1;
    db_conn *c = db_acquire(d);
    int rc = 0;
    bool rate_given = false;
    for (int i = 2; i < argc; i++)
        rate_given = rate_given || !strncmp(argv[i], "--rate-limit", 12);
    db_param who = dbp_text(values[O_ACCOUNT]);
    int64_t account = 0;
    db_query_i64(c, "SELECT id FROM accounts WHERE subdomain = ?", &who, 1, 0, &account);
    if (!account) {
        fprintf(stderr, "mocod: no account %s\n", values[O_ACCOUNT]);
        rc = 1;
        goto out;
    }
    if (rate_given) {
        int n = 0, s = 0;
        bool reset = !strcmp(values[O_RATE_LIMIT], "default");
        if (!reset && parse_rate(values[O_RATE_LIMIT], &n, &s)) {
            fprintf(stderr, "mocod: --rate-limit must be N/SECONDS or default\n");
            rc = 1;
            goto out;
        }
        db_param p[3] = {reset || !n ? dbp_null() : dbp_int(n),
                         reset || !n ? dbp_null() : dbp_int(s), dbp_int(account)};
        if (!reset && !n) { /* off for this account: a limit nobody reaches */
            p[0] = dbp_int(1000000);
            p[1] = dbp_int(1);
        }
        db_exec(c,
                "UPDATE accounts SET rate_limit_requests = ?, rate_limit_seconds = ? WHERE id = ?",
                p, 3);
    }
    if (values[O_CUSTOM_PROPS]) {
        const char *m = values[O_CUSTOM_PROPS];
        if (strcmp(m, "replace") && strcmp(m, "merge")) {
            fprintf(stderr, "mocod: --custom-properties must be replace or merge\n");
            rc = 1;
            goto out;
        }
        db_param p[2] = {dbp_int(!strcmp(m, "merge")), dbp_int(account)};
        db_exec(c, "UPDATE accounts SET custom_properties_merge = ? WHERE id = ?", p, 2);
    }
    if (values[O_STRICT]) {
        const char *m = values[O_STRICT];
        if (strcmp(m, "on") && strcmp(m, "off")) {
            fprintf(stderr, "mocod: --strict-validation must be on or off\n");
            rc = 1;
            goto out;
        }
        db_param p[2] = {dbp_int(!strcmp(m, "on")), dbp_int(account)};
        db_exec(c, "UPDATE accounts SET strict_validation = ? WHERE id = ?", p, 2);
    }
    if (values[O_TIME_ZONE]) {
        if (!time_zone_valid(values[O_TIME_ZONE])) {
            fprintf(stderr, "mocod: --time-zone %s is not a time zone (Europe/Berlin, UTC, ...)\n",
                    values[O_TIME_ZONE]);
            rc = 1;
            goto out;
        }
        db_param p[2] = {dbp_text(values[O_TIME_ZONE]), dbp_int(account)};
        db_exec(c, "UPDATE accounts SET time_zone = ? WHERE id = ?", p, 2);
    }
    if (values[O_NUMBER_PATTERN]) {
        const char *v = values[O_NUMBER_PATTERN], *eq = strchr(v, '=');
        char name[64] = "", counter[160] = "";
        if (eq && (size_t)(eq - v) < sizeof name)
            memcpy(name, v, (size_t)(eq - v));
        if (!eq || !engine_sequence_name(name, counter, sizeof counter) ||
            (eq[1] && !engine_sequence_pattern_valid(eq + 1))) {
            fprintf(stderr,
                    "mocod: --number-pattern must be RESOURCE=PATTERN: RESOURCE one of invoices, "
                    "offers, purchases, projects; PATTERN with one {n} or {n:DIGITS} and any of "
                    "{yyyy} {yy} {mm} (invoices=R{yy}{mm}-{n:3})\n");
            rc = 1;
            goto out;
        }
        db_param p[3] = {dbp_int(account), dbp_text(counter), dbp_text(eq + 1)};
        db_exec(c, "DELETE FROM number_patterns WHERE account_id = ? AND name = ?", p, 2);
        if (eq[1])
            db_exec(c, "INSERT INTO number_patterns (account_id, name, pattern) VALUES (?, ?, ?)",
                    p, 3);
    }
    if (values[O_CURRENCY]) {
        const char *cur = values[O_CURRENCY];
        if (strlen(cur) != 3) {
            fprintf(stderr, "mocod: --currency must be a three-letter code (EUR)\n");
            rc = 1;
            goto out;
        }
        db_param p[2] = {dbp_text(cur), dbp_int(account)};
        db_exec(c, "UPDATE accounts SET currency = ? WHERE id = ?", p, 2);
    }
out:
    db_release(d, c);
    return rc;
}

struct mail_test {
    struct mail m;
    int64_t id;
};

static int mail_test_step(struct req *r, void *ctx)
{
    struct mail_test *t = ctx;
    return engine_queue_mail_id(r, &t->m, &t->id);
}

/* A file's bytes in the arena; NULL (with the problem on stderr) when it cannot be read. */
static unsigned char *read_file(arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mocod: --attach %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        unsigned char *grown = n < MAIL_MAX_BYTES + 1 ? realloc(buf, cap * 2) : NULL;
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    bool bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "mocod: --attach %s: cannot be read (at most %d bytes)\n", path,
                MAIL_MAX_BYTES);
        free(buf);
        return NULL;
    }
    unsigned char *out = arena_alloc(a, n + 1);
    memcpy(out, buf, n);
    free(buf);
    *len = n;
    return out;
}

/* mocod mail-test: one mail queued through the engine, as an action sends one (a test of the
 * SMTP set-up; the delivery is mocod serve's). Prints the mail's id in the log. */
static int cmd_mail_test(db *d, arena *a)
{
    if (need(O_ACCOUNT) || need(O_TO))
        return 1;
    db_conn *c = db_acquire(d);
    struct req r = {.arena = a, .db = c, .admin = true, .key_kind = KEY_ACCOUNT_FULL};
    memset(r.perm, PERM_FULL, sizeof(r.perm));
    db_param who = dbp_text(values[O_ACCOUNT]);
    db_query_i64(c, "SELECT id FROM accounts WHERE subdomain = ?", &who, 1, 0, &r.account_id);
    int rc = 1;
    if (!r.account_id) {
        fprintf(stderr, "mocod: no account %s\n", values[O_ACCOUNT]);
        goto out;
    }
    const char *to[1] = {values[O_TO]};
    struct mail_attachment att = {0};
    struct mail_test t = {0};
    struct mail m = {
        .from = values[O_FROM],
        .to = to,
        .nto = 1,
        .subject = values[O_SUBJECT],
        .body = arena_printf(a,
                             "This is a test mail of mocod for the account %s.\n"
                             "If you read this, mocod can send mails.\n",
                             values[O_ACCOUNT]),
    };
    if (values[O_ATTACH]) {
        att.data = read_file(a, values[O_ATTACH], &att.len);
        if (!att.data)
            goto out;
        const char *slash = strrchr(values[O_ATTACH], '/');
        att.filename = slash ? slash + 1 : values[O_ATTACH];
        size_t n = strlen(att.filename);
        att.content_type = n > 4 && !strcmp(att.filename + n - 4, ".pdf") ? "application/pdf"
                           : n > 4 && !strcmp(att.filename + n - 4, ".txt")
                               ? "text/plain"
                               : "application/octet-stream";
        m.attachments = &att;
        m.nattachments = 1;
    }
    t.m = m;
    if (engine_write(&r, mail_test_step, &t)) {
        fprintf(stderr, "mocod: the mail was not queued: %s", r.err_message ? r.err_message : "");
        const char *key;
        json_t *problems;
        json_object_foreach(r.err_fields, key, problems)
        {
            size_t i;
            json_t *p;
            json_array_foreach(problems, i, p)
                fprintf(stderr, "; %s %s", key, json_string_value(p));
        }
        fprintf(stderr, "\n");
        goto out;
    }
    printf("%lld\n", (long long)t.id);
    rc = 0;
out:
    if (r.err_fields)
        json_decref(r.err_fields);
    if (r.scratch)
        json_decref(r.scratch);
    db_release(d, c);
    return rc;
}

/* The mail settings, for every verb (a mail queued anywhere gets the default From). */
static int configure_mail(void)
{
    struct mail_config mc = {
        .url = values[O_SMTP_URL],
        .user = values[O_SMTP_USER],
        .password = values[O_SMTP_PASSWORD],
        .from = values[O_SMTP_FROM],
        .retry_base_seconds = atof(values[O_SMTP_RETRY_BASE]),
        .retry_max_seconds = atof(values[O_SMTP_RETRY_MAX]),
        .max_failures = atoi(values[O_SMTP_MAX_FAILURES]),
        .timeout_seconds = atof(values[O_SMTP_TIMEOUT]),
    };
    const char *tls = values[O_SMTP_STARTTLS];
    if (!strcmp(tls, "required"))
        mc.starttls = MAIL_TLS_REQUIRED;
    else if (!strcmp(tls, "optional"))
        mc.starttls = MAIL_TLS_OPTIONAL;
    else if (!strcmp(tls, "off"))
        mc.starttls = MAIL_TLS_OFF;
    else {
        fprintf(stderr, "mocod: --smtp-starttls must be required, optional or off\n");
        return -1;
    }
    if (mc.url && *mc.url && strncmp(mc.url, "smtp://", 7) && strncmp(mc.url, "smtps://", 8)) {
        fprintf(stderr, "mocod: --smtp-url must start with smtp:// or smtps://\n");
        return -1;
    }
    if (mail_address_problem(mc.from)) {
        fprintf(stderr, "mocod: --smtp-from %s %s\n", mc.from, mail_address_problem(mc.from));
        return -1;
    }
    if (mc.retry_base_seconds <= 0 || mc.retry_max_seconds <= 0 || mc.max_failures < 1 ||
        mc.timeout_seconds <= 0) {
        fprintf(stderr, "mocod: --smtp-retry-base, --smtp-retry-max, --smtp-max-failures and "
                        "--smtp-timeout must be positive\n");
        return -1;
    }
    mail_configure(&mc);
    return 0;
}

static int serve(db *d, const char *banner_key)
{
    struct server_config cfg = {0};
    cfg.db_url = values[O_DB];
    cfg.listen = values[O_LISTEN];
    cfg.base_domain = values[O_BASE_DOMAIN];
    cfg.public_scheme = values[O_PUBLIC_SCHEME];
    cfg.threads = values[O_THREADS] ? atoi(values[O_THREADS]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cfg.threads < 1)
        cfg.threads = 1;
    if (parse_rate(values[O_RATE_LIMIT], &cfg.rate_requests, &cfg.rate_seconds)) {
        fprintf(stderr, "mocod: --rate-limit must be N/SECONDS or off\n");
        return 1;
    }
    int limits[4];
    const enum opt_id limit_ids[4] = {O_MAX_CONN, O_MAX_CONN_IP, O_IDLE_TIMEOUT, O_REQUEST_TIMEOUT};
    for (int i = 0; i < 4; i++) {
        char *end;
        long v = strtol(values[limit_ids[i]], &end, 10);
        if (*end || v < 1 || v > 1000000) {
            fprintf(stderr, "mocod: %s must be a whole number from 1 to 1000000\n",
                    options[limit_ids[i]].flag);
            return 1;
        }
        limits[i] = (int)v;
    }
    cfg.max_connections = limits[0];
    cfg.max_connections_per_ip = limits[1];
    cfg.idle_timeout = limits[2];
    cfg.request_timeout = limits[3];
    char *end;
    long body_mib = strtol(values[O_BODY_MEMORY], &end, 10);
    if (*end || body_mib < 10 || body_mib > 1024 * 1024) {
        fprintf(stderr, "mocod: --body-memory must be a number of MiB, at least 10\n");
        return 1;
    }
    cfg.body_memory = (size_t)body_mib * 1024 * 1024;
    ratelimit_init();
    respcache_init((size_t)atoi(values[O_RESP_CACHE]) * 1024 * 1024);
    /* Request arenas take and give back blocks of 32 KiB to 1 MiB at a high rate: keep them in the
     * heap instead of mapping and unmapping pages for each request. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
    signal(SIGPIPE, SIG_IGN);
    cfg.webhook_allow_private = values[O_WH_PRIVATE] && strcmp(values[O_WH_PRIVATE], "0") &&
                                strcmp(values[O_WH_PRIVATE], "false");
    struct webhook_config wh = {
        .retry_base_seconds = atof(values[O_WH_RETRY_BASE]),
        .retry_max_seconds = atof(values[O_WH_RETRY_MAX]),
        .max_failures = atoi(values[O_WH_MAX_FAILURES]),
        .timeout_seconds = atof(values[O_WH_TIMEOUT]),
        .allow_private = cfg.webhook_allow_private,
        .base_domain = cfg.base_domain,
        .public_scheme = cfg.public_scheme,
    };
    if (webhooks_start(d, &wh)) {
        fprintf(stderr, "mocod: cannot start web hook delivery\n");
        return 1;
    }
    if (mail_start(d)) {
        fprintf(stderr, "mocod: cannot start mail delivery\n");
        webhooks_stop();
        return 1;
    }
    if (pdf_init()) /* fonts loaded once, before the HTTP threads render documents */
        fprintf(stderr, "mocod: no font configuration: documents (PDF) will fail\n");
    char err[256];
    http_server *srv = http_start(d, &cfg, err, sizeof(err));
    if (!srv) {
        fprintf(stderr, "mocod: %s\n", err);
        mail_stop();
        webhooks_stop();
        return 1;
    }
    fprintf(stderr, "mocod: serving http://%s/api/v1 (%d threads, rate limit %s)\n", cfg.listen,
            cfg.threads, values[O_RATE_LIMIT]);
    if (banner_key) {
        printf("mocod demo is running.\n  API:      http://%s/api/v1\n  API key:  %s\n"
               "  try:      curl -H 'Authorization: Token token=%s' http://%s/api/v1/users\n",
               cfg.listen, banner_key, banner_key, cfg.listen);
        fflush(stdout);
    }
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "mocod: %s received, finishing requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_stop(srv);
    mail_stop();
    webhooks_stop();
    pdf_shutdown(); /* after every thread that rendered has stopped */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1];
    bool demo = !strcmp(verb, "demo");
    if (strcmp(verb, "init") && strcmp(verb, "serve") && !demo && strcmp(verb, "migrate") &&
        strcmp(verb, "apikey") && strcmp(verb, "account") && strcmp(verb, "copy") &&
        strcmp(verb, "secret") && strcmp(verb, "mail-test")) {
        fprintf(stderr, "mocod: unknown command %s (see mocod --help)\n", verb);
        return 2;
    }
    if (parse_flags(argc, argv))
        return 2;
    if (values[O_FAKE_NOW]) {
        /* a clock that lies is for tests: an installation must not start with one by mistake */
        const char *allow = getenv("MOCOD_ALLOW_FAKE_NOW");
        time_t t;
        if (!allow || strcmp(allow, "1")) {
            fprintf(stderr, "mocod: --fake-now is for tests: set MOCOD_ALLOW_FAKE_NOW=1\n");
            return 2;
        }
        if (!time_parse_iso(values[O_FAKE_NOW], &t)) {
            fprintf(stderr, "mocod: --fake-now %s is not a timestamp (2026-03-28T23:30:00Z)\n",
                    values[O_FAKE_NOW]);
            return 2;
        }
        time_set_fake(t);
    }
    if (configure_mail())
        return 2;
    if (!strcmp(verb, "secret"))
        return cmd_secret();
    if (!strcmp(verb, "copy"))
        return cmd_copy();
    if (demo) {
        if (!values[O_DB])
            values[O_DB] = "mocod-demo.sqlite";
        if (!values[O_ACCOUNT])
            values[O_ACCOUNT] = "demo";
        if (!values[O_EMAIL])
            values[O_EMAIL] = "admin@demo.example";
        if (!values[O_PASSWORD])
            values[O_PASSWORD] = "demo-password";
        if (!getenv("MOCOD_RATE_LIMIT")) {
            bool given = false;
            for (int i = 2; i < argc; i++)
                given = given || !strncmp(argv[i], "--rate-limit", 12);
            if (!given)
                values[O_RATE_LIMIT] = "15/15";
        }
    }
    if (need(O_DB))
        return 2;
    db *d = open_db();
    if (!d)
        return 1;
    arena a;
    arena_init(&a, 4096);
    int rc = 0;
    if (!strcmp(verb, "init")) {
        rc = cmd_init(d, false, NULL, &a);
    } else if (!strcmp(verb, "apikey")) {
        rc = cmd_apikey(d, &a);
    } else if (!strcmp(verb, "account")) {
        rc = cmd_account(d, argc, argv);
    } else if (!strcmp(verb, "mail-test")) {
        rc = cmd_mail_test(d, &a);
    } else if (!strcmp(verb, "serve")) {
        rc = serve(d, NULL);
    } else if (demo) {
        char *key = NULL;
        rc = cmd_init(d, true, &key, &a);
        if (rc == 0) {
            db_conn *c = db_acquire(d);
            if (account_demo_data(c, &a, values[O_ACCOUNT]))
                fprintf(stderr, "mocod: could not add demo data\n");
            db_release(d, c);
            rc = serve(d, key);
        }
    }
    arena_release(&a);
    db_close(d);
    return rc;
}
