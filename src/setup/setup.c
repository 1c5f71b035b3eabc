/* What a new account comes with, account keys, and the demo data set. */
#include "auth/auth.h"
#include "resources/resources.h"
#include "setup/setup.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct default_role {
    const char *name;
    bool is_default;
    bool is_admin;
    /* report companies contacts people purchases settings sales projects calendar time_tracking
     * invoicing */
    const char *perm[AREA_COUNT - AREA_FIRST];
};

static const struct default_role default_roles[] = {
    {"Administrator",
     false,
     true,
     {"full", "full", "full", "full", "full", "full", "full", "full", "full", "full", "full"}},
    {"Staff",
     false,
     false,
     {"read", "read", "read", "full", "none", "none", "none", "read", "full", "full", "none"}},
    {"Project leader",
     false,
     false,
     {"read", "full", "full", "none", "none", "none", "read", "full", "full", "full", "read"}},
    {"Employee",
     true,
     false,
     {"none", "read", "read", "none", "none", "none", "none", "read", "full", "full", "none"}},
    {"Read-only",
     false,
     false,
     {"read", "read", "read", "read", "read", "read", "read", "read", "read", "read", "read"}},
};

/* Accounts made before purchase categories existed get the defaults (64 at a time). */
static int seed_purchase_categories(db_conn *c)
{
    if (db_begin(c, true) != DB_OK)
        return -1;
    db_stmt *s = db_query(c,
                          "SELECT a.id, a.created_at FROM accounts a WHERE NOT EXISTS (SELECT 1 "
                          "FROM purchase_categories p WHERE p.account_id = a.id) ORDER BY a.id",
                          NULL, 0);
    int64_t ids[64];
    char made[64][TIMESTAMP_LEN + 1];
    int n = 0, rc;
    while (s && (rc = db_step(s)) == DB_ROW && n < 64) {
        ids[n] = db_col_i64(s, 0);
        snprintf(made[n], sizeof made[n], "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        n++;
    }
    db_done(s);
    for (int i = 0; i < n; i++)
        if (purchase_categories_seed(c, ids[i], made[i])) {
            db_rollback(c);
            return -1;
        }
    if (db_commit(c) != DB_OK)
        return -1;
    return n == 64 ? seed_purchase_categories(c) : 0;
}

int accounts_seed_defaults(db_conn *c)
{
    if (db_begin(c, true) != DB_OK)
        return -1;
    db_stmt *s = db_query(c,
                          "SELECT a.id, a.created_at FROM accounts a WHERE NOT EXISTS (SELECT 1 "
                          "FROM vat_code_sales v WHERE v.account_id = a.id) AND NOT EXISTS "
                          "(SELECT 1 FROM letter_papers l WHERE l.account_id = a.id) ORDER BY a.id",
                          NULL, 0);
    int64_t ids[64];
    char made[64][TIMESTAMP_LEN + 1];
    int n = 0, rc;
    while (s && (rc = db_step(s)) == DB_ROW && n < 64) {
        ids[n] = db_col_i64(s, 0);
        snprintf(made[n], sizeof made[n], "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        n++;
    }
    db_done(s);
    for (int i = 0; i < n; i++)
        if (vat_defaults_seed(c, ids[i], made[i])) {
            db_rollback(c);
            return -1;
        }
    if (db_commit(c) != DB_OK)
        return -1;
    if (n == 64)
        return accounts_seed_defaults(c); /* the next 64 */
    return seed_purchase_categories(c);
}

static int64_t insert_returning(db_conn *c, const char *sql, db_param *p, int n)
{
    int64_t id = 0;
    return db_query_i64(c, sql, p, n, 0, &id) == DB_OK ? id : 0;
}

static int64_t create_account(db_conn *c, arena *a, const char *subdomain, const char *now)
{
    db_param p[4] = {dbp_text(subdomain), dbp_text(subdomain), dbp_text(now), dbp_text(now)};
    int64_t account = insert_returning(
        c,
        "INSERT INTO accounts (subdomain, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        p, 4);
    if (!account)
        return 0;
    db_param u[3] = {dbp_int(account), dbp_text(now), dbp_text(now)};
    if (!insert_returning(c,
                          "INSERT INTO units (account_id, created_at, updated_at, name) VALUES "
                          "(?, ?, ?, 'Team') RETURNING id",
                          u, 3))
        return 0;
    static const struct {
        const char *name;
        int probability;
    } categories[] = {{"Contact", 1},
                      {"Qualification", 10},
                      {"Offer", 30},
                      {"Negotiation", 60},
                      {"Verbal commitment", 90}};
    for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
        db_param cp[5] = {dbp_int(account), dbp_text(now), dbp_text(now),
                          dbp_text(categories[i].name), dbp_int(categories[i].probability)};
        if (!insert_returning(c,
                              "INSERT INTO deal_categories (account_id, created_at, updated_at, "
                              "name, probability) VALUES (?, ?, ?, ?, ?) RETURNING id",
                              cp, 5))
            return 0;
    }
    for (size_t i = 0; i < sizeof(default_roles) / sizeof(default_roles[0]); i++) {
        const struct default_role *d = &default_roles[i];
        strbuf cols, vals;
        sb_init(&cols, a, 256);
        sb_init(&vals, a, 64);
        sb_adds(&cols, "account_id, created_at, updated_at, name, is_default, is_admin");
        sb_adds(&vals, "?, ?, ?, ?, ?, ?");
        db_param rp[6 + AREA_COUNT - AREA_FIRST] = {dbp_int(account),       dbp_text(now),
                                                    dbp_text(now),          dbp_text(d->name),
                                                    dbp_int(d->is_default), dbp_int(d->is_admin)};
        for (int k = AREA_FIRST; k < AREA_COUNT; k++) {
            sb_addf(&cols, ", perm_%s", perm_area_names[k]);
            sb_adds(&vals, ", ?");
            rp[6 + k - AREA_FIRST] = dbp_text(d->perm[k - AREA_FIRST]);
        }
        char *sql = arena_printf(a, "INSERT INTO user_roles (%s) VALUES (%s) RETURNING id",
                                 cols.buf, vals.buf);
        if (!insert_returning(c, sql, rp, 6 + AREA_COUNT - AREA_FIRST))
            return 0;
    }
    if (vat_defaults_seed(c, account, now) || purchase_categories_seed(c, account, now))
        return 0;
    return account;
}

static int64_t lookup_id(db_conn *c, const char *sql, db_param *p, int n)
{
    int64_t id = 0;
    db_query_i64(c, sql, p, n, 0, &id);
    return id;
}

static int64_t create_user(db_conn *c, arena *a, int64_t account, const char *email,
                           const char *password, const char *first, const char *last,
                           const char *role, const char *unit, const char *now)
{
    db_param ru[2] = {dbp_int(account), dbp_text(role)};
    int64_t role_id =
        lookup_id(c, "SELECT id FROM user_roles WHERE account_id = ? AND name = ?", ru, 2);
    db_param uu[2] = {dbp_int(account), dbp_text(unit)};
    int64_t unit_id = lookup_id(c, "SELECT id FROM units WHERE account_id = ? AND name = ?", uu, 2);
    if (!unit_id)
        unit_id = lookup_id(c, "SELECT MIN(id) FROM units WHERE account_id = ?", uu, 1);
    char *hash = NULL;
    if (password) {
        hash = arena_alloc(a, PASSWORD_HASH_LEN);
        if (password_hash(password, hash))
            return 0;
    }
    char uuid[37];
    random_uuid(uuid);
    db_param p[11] = {dbp_int(account), dbp_text(now),   dbp_text(now),    dbp_text(first),
                      dbp_text(last),   dbp_text(email), dbp_int(unit_id), dbp_int(role_id),
                      dbp_text(hash),   dbp_text(uuid),  dbp_text("en")};
    return insert_returning(
        c,
        "INSERT INTO users (account_id, created_at, updated_at, firstname, lastname, email, "
        "unit_id, role_id, password_hash, uuid, language, active, extern, home_address, info, "
        "mobile_phone, work_phone, iban) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, '', '', "
        "'', "
        "'', '') RETURNING id",
        p, 11);
}

static bool valid_subdomain(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
           s[0] != '-' && s[n - 1] != '-';
}

char *account_setup(db_conn *c, arena *a, const char *subdomain, const char *email,
                    const char *password, const char *firstname, const char *lastname, char *err,
                    size_t errlen)
{
    if (!valid_subdomain(subdomain)) {
        snprintf(err, errlen, "--account must be a subdomain: lowercase letters, digits, '-'");
        return NULL;
    }
    if (check_email(email)) {
        snprintf(err, errlen, "--email is not a valid email address");
        return NULL;
    }
    if (strlen(password) < 8) {
        snprintf(err, errlen, "--password must have at least 8 characters");
        return NULL;
    }
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    if (db_begin(c, true) != DB_OK) {
        snprintf(err, errlen, "database busy");
        return NULL;
    }
    db_param sp[1] = {dbp_text(subdomain)};
    int64_t account = lookup_id(c, "SELECT id FROM accounts WHERE subdomain = ?", sp, 1);
    if (!account)
        account = create_account(c, a, subdomain, now);
    char *key = NULL;
    if (account) {
        db_param up[2] = {dbp_int(account), dbp_text(email)};
        int64_t user = lookup_id(
            c, "SELECT id FROM users WHERE account_id = ? AND lower(email) = lower(?)", up, 2);
        if (!user)
            user = create_user(c, a, account, email, password, firstname, lastname, "Administrator",
                               "Team", now);
        if (user)
            key = auth_user_key(c, a, account, user);
        db_param vp[1] = {dbp_int(account)};
        if (key && db_exec(c, "UPDATE accounts SET data_version = data_version + 1 WHERE id = ?",
                           vp, 1) != DB_DONE)
            key = NULL;
    }
    if (!key || db_commit(c) != DB_OK) {
        db_rollback(c);
        snprintf(err, errlen, "could not set up the account: %s", db_errmsg(c));
        return NULL;
    }
    return key;
}

char *account_key(db_conn *c, arena *a, const char *subdomain, const char *access, char *err,
                  size_t errlen)
{
    if (strcmp(access, "read") != 0 && strcmp(access, "full") != 0) {
        snprintf(err, errlen, "--access must be read or full");
        return NULL;
    }
    db_param sp[1] = {dbp_text(subdomain)};
    int64_t account = lookup_id(c, "SELECT id FROM accounts WHERE subdomain = ?", sp, 1);
    if (!account) {
        snprintf(err, errlen, "no account %s: run mocod init first", subdomain);
        return NULL;
    }
    char *key = arena_alloc(a, AUTH_KEY_LEN + 1);
    if (auth_key_create(c, a, account, 0, access, key)) {
        snprintf(err, errlen, "could not create the key: %s", db_errmsg(c));
        return NULL;
    }
    return key;
}

/* Inserts one demo entity through the engine (so it is checked like an API write); its id. */
static int64_t demo_insert(struct req *r, const struct resource *res, int64_t parent, json_t *body)
{
    int64_t id = 0;
    r->parent_id = parent;
    if (engine_insert(r, res, parent, body, &id) != 0) {
        fprintf(stderr, "mocod: demo %s: %s\n", res->name,
                r->err_message ? r->err_message : "failed");
        id = 0;
    }
    json_decref(body);
    return id;
}

static int64_t role_id(struct req *r, const char *name)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_text(name)};
    return lookup_id(r->db, "SELECT id FROM user_roles WHERE account_id = ? AND name = ?", p, 2);
}

/* The ids of the project's tasks, in order. */
static int project_task_ids(struct req *r, int64_t project, int64_t *ids, int max)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(project)};
    db_stmt *s = db_query(r->db,
                          "SELECT id FROM project_tasks WHERE account_id = ? AND project_id = ? "
                          "ORDER BY id",
                          p, 2);
    int n = 0;
    while (s && n < max && db_step(s) == DB_ROW)
        ids[n++] = db_col_i64(s, 0);
    db_done(s);
    return n;
}

/* Three months of time of every person, working days only, up to today; the first person's
 * timer runs on today's last activity. Each person tracks as the acting user, as over the API. */
static int demo_time(struct req *r, int64_t project, const int64_t *people, int npeople)
{
    static const char *const work[] = {
        "Kick-off and planning", "Wireframes",         "Design review", "Frontend development",
        "Content migration",     "Performance tuning", "Client call"};
    int64_t tasks[3];
    if (project_task_ids(r, project, tasks, 3) != 3)
        return -1;
    char today[11];
    date_today_in(r->settings.time_zone, today);
    time_t t_today;
    if (!time_parse_iso(today, &t_today))
        return -1;
    int64_t keep_user = r->user_id, running = 0;
    for (int k = 91; k >= 0; k--) {
        time_t t = t_today - (time_t)k * 86400;
        int weekday = (int)((t / 86400 + 4) % 7); /* 0: Sunday */
        if (weekday == 0 || weekday == 6)
            continue;
        char stamp[TIMESTAMP_LEN + 1];
        time_format_iso(t, stamp);
        stamp[10] = '\0';
        for (int i = 0; i < npeople; i++) {
            r->user_id = people[i];
            for (int j = 0; j < 2; j++) {
                int n = k * 7 + i * 3 + j;
                int64_t id =
                    demo_insert(r, &res_activities, 0,
                                json_pack("{s:s, s:I, s:I, s:i, s:s, s:s}", "date", stamp,
                                          "project_id", (json_int_t)project, "task_id",
                                          (json_int_t)tasks[n % 3], "seconds", 1800 * (2 + n % 7),
                                          "description", work[n % 7], "tag", j ? "" : "WEB-100"));
                if (!id) {
                    r->user_id = keep_user;
                    return -1;
                }
                if (k == 0 && i == 0)
                    running = id;
            }
        }
    }
    r->user_id = keep_user;
    if (!running) /* today is a weekend day: the timer runs on a short one */
        running = demo_insert(r, &res_activities, 0,
                              json_pack("{s:s, s:I, s:I, s:s}", "date", today, "project_id",
                                        (json_int_t)project, "task_id", (json_int_t)tasks[2],
                                        "description", "Hotfix on the weekend"));
    if (!running)
        return -1;
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    struct column_value timer[] = {{"timer_started_at", dbp_text(now)}};
    return engine_set_columns(r, &res_activities, running, timer, 1, false);
}

/* YYYY-MM-DD of today + days (negative: before) in buf (11 bytes); its weekday (0: Sunday). */
static int demo_day(const char *today, int days, char *buf)
{
    time_t t;
    time_parse_iso(today, &t);
    t += (time_t)days * 86400;
    char stamp[TIMESTAMP_LEN + 1];
    time_format_iso(t, stamp);
    memcpy(buf, stamp, 10);
    buf[10] = '\0';
    return (int)((t / 86400 + 4) % 7);
}

/* Employments, holiday entitlements, presences, a few absences, planning entries and a work
 * time adjustment of every person; each written as that person (or for them, as Staff). */
static int demo_people_time(struct req *r, int64_t project, const int64_t *people, int npeople)
{
    char today[11], day[11], year_start[11];
    date_today_in(r->settings.time_zone, today);
    memcpy(year_start, today, 5);
    memcpy(year_start + 5, "01-01", 6);
    int year = atoi(today);
    int64_t keep_user = r->user_id;
    bool ok = true;
    for (int i = 0; ok && i < npeople; i++) {
        json_t *pattern = json_pack("{s:[f,f,f,f,f], s:[f,f,f,f,f]}", "am", 4.0, 4.0, 4.0, 4.0, 4.0,
                                    "pm", 4.0, 4.0, 4.0, 4.0, i % 2 ? 0.0 : 4.0);
        ok = demo_insert(r, &res_employments, 0,
                         json_pack("{s:I, s:o, s:s}", "user_id", (json_int_t)people[i], "pattern",
                                   pattern, "from", year_start)) != 0;
        ok = ok && demo_insert(r, &res_holidays, 0,
                               json_pack("{s:i, s:s, s:f, s:I}", "year", year, "title",
                                         "Urlaubsanspruch", "days", i % 2 ? 28.0 : 30.0, "user_id",
                                         (json_int_t)people[i])) != 0;
        /* presences of the last two weeks' working days; today's is still open */
        r->user_id = people[i];
        for (int k = -13; ok && k <= 0; k++) {
            int weekday = demo_day(today, k, day);
            if (weekday == 0 || weekday == 6)
                continue;
            char from[6];
            snprintf(from, sizeof from, "0%d:%d0", 8 + (i + k + 14) % 2, (i * 3 + k + 14) % 6);
            json_t *body = json_pack("{s:s, s:s, s:b}", "date", day, "from", from, "is_home_office",
                                     (i + k) % 3 == 0);
            if (k < 0)
                json_object_set_new(body, "to", json_string(i % 2 ? "16:30" : "17:15"));
            ok = demo_insert(r, &res_presences, 0, body) != 0;
        }
        /* planned on the project for the next two weeks, the second one tentative */
        demo_day(today, 1, day);
        char until[11];
        demo_day(today, 14, until);
        ok = ok && demo_insert(r, &res_planning_entries, 0,
                               json_pack("{s:I, s:I, s:s, s:s, s:f, s:b, s:s}", "user_id",
                                         (json_int_t)people[i], "project_id", (json_int_t)project,
                                         "starts_on", day, "ends_on", until, "hours_per_day",
                                         i % 2 ? 4.0 : 6.0, "tentative", i == npeople - 1,
                                         "comment", "Website Relaunch: next sprint")) != 0;
        r->user_id = keep_user;
    }
    /* a vacation, a sick half day and a public holiday in the last weeks */
    static const struct {
        int person, days_ago, code;
        bool am, pm;
        const char *comment;
    } absences[] = {
        {1, 20, ABSENCE_HOLIDAY, true, true, "Urlaub"},
        {1, 19, ABSENCE_HOLIDAY, true, true, "Urlaub"},
        {3, 8, ABSENCE_SICK_DAY, false, true, "Arzttermin"},
        {4, 30, ABSENCE_OTHER, true, false, "Weiterbildung"},
    };
    for (size_t a = 0; ok && a < sizeof(absences) / sizeof(absences[0]); a++) {
        int weekday = demo_day(today, -absences[a].days_ago, day);
        if (weekday == 0 || weekday == 6)
            demo_day(today, -absences[a].days_ago - 2, day); /* the Thursday or Friday before */
        ok = demo_insert(r, &res_schedules, 0,
                         json_pack("{s:I, s:s, s:i, s:b, s:b, s:s}", "user_id",
                                   (json_int_t)people[absences[a].person], "date", day,
                                   "absence_code", absences[a].code, "am", absences[a].am, "pm",
                                   absences[a].pm, "comment", absences[a].comment)) != 0;
    }
    demo_day(today, -7, day);
    ok = ok &&
         demo_insert(r, &res_work_time_adjustments, 0,
                     json_pack("{s:I, s:s, s:s, s:f}", "user_id", (json_int_t)people[2], "date",
                               day, "description", "Overtime paid out", "hours", -8.0)) != 0;
    r->user_id = keep_user;
    return ok ? 0 : -1;
}

/* Expenses on the demo project (hosting by the month, a receipt with one); the draft invoice
 * bills the unbilled hosting ones (demo_expense_item). */
static int demo_expenses(struct req *r, int64_t project)
{
    static const struct {
        const char *title, *unit;
        int months_ago;
        double quantity, price, cost;
        bool budget_relevant;
    } expenses[] = {
        {"Hosting XS", "Monat", 2, 1, 29.0, 19.0, true},
        {"Hosting XS", "Monat", 1, 1, 29.0, 19.0, true},
        {"Stock photos", "Bild", 1, 12, 8.5, 4.25, false},
        {"Workshop catering", "Person", 0, 7, 18.9, 15.12, false},
    };
    char today[11], day[11], from[11], to[11];
    date_today_in(r->settings.time_zone, today);
    for (size_t i = 0; i < sizeof(expenses) / sizeof(expenses[0]); i++) {
        demo_day(today, -30 * expenses[i].months_ago, day);
        memcpy(from, day, 8); /* the month of the day */
        memcpy(from + 8, "01", 3);
        memcpy(to, day, 8);
        for (int last = 31; last >= 28; last--) { /* the month's last day */
            snprintf(to + 8, 3, "%02d", last);
            if (date_valid(to))
                break;
        }
        json_t *body = json_pack(
            "{s:s, s:s, s:s, s:f, s:s, s:f, s:f, s:b, s:s, s:s}", "date", day, "title",
            expenses[i].title, "description", "<div>Website Relaunch</div>", "quantity",
            expenses[i].quantity, "unit", expenses[i].unit, "unit_price", expenses[i].price,
            "unit_cost", expenses[i].cost, "budget_relevant", expenses[i].budget_relevant,
            "service_period_from", from, "service_period_to", to);
        if (i == 2) /* a receipt: a one-page PDF's first line is enough for a demo */
            json_object_set_new(body, "file",
                                json_pack("{s:s, s:s}", "filename", "beleg-fotos.pdf", "base64",
                                          "JVBERi0xLjQKJeLjz9MK"));
        if (!demo_insert(r, &res_project_expenses, project, body))
            return -1;
    }
    /* the monthly backup service, since three months, its due expenses made by recur */
    char start[11];
    if (!date_add(today, -3, 0, start))
        return -1;
    int64_t monthly =
        demo_insert(r, &res_recurring_expenses, project,
                    json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:f, s:f, s:b}", "start_date", start,
                              "period", "monthly", "service_period_direction", "forward", "title",
                              "Backup M", "quantity", 1.0, "unit", "Monat", "unit_price", 49.0,
                              "unit_cost", 21.0, "budget_relevant", 1));
    return monthly && recurring_expense_recur(r, monthly) == 0 ? 0 : -1;
}

/* An item of the draft invoice that bills the project's unbilled hosting expenses. */
static int demo_expense_item(struct req *r, int64_t project, json_t *items)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(project)};
    db_stmt *s = db_query(r->db,
                          "SELECT id FROM project_expenses WHERE account_id = ? AND project_id = "
                          "? AND billed = 0 AND title = 'Hosting XS' ORDER BY date, id",
                          p, 2);
    json_t *ids = json_array();
    while (s && db_step(s) == DB_ROW)
        json_array_append_new(ids, json_integer(db_col_i64(s, 0)));
    db_done(s);
    double months = (double)json_array_size(ids);
    return json_array_append_new(items, json_pack("{s:s, s:s, s:f, s:s, s:f, s:o}", "type", "item",
                                                  "title", "Hosting XS", "quantity", months, "unit",
                                                  "Monat", "unit_price", 29.0, "expense_ids", ids));
}

/* Invoices billed from the demo project's activities: paid, partially paid, overdue (each
 * billing a few activities), a draft (billing expenses too), and their payments. */
static int demo_invoices(struct req *r, int64_t customer, int64_t project)
{
    /* the default letter paper gets the agency's bank and register details */
    int64_t paper = lookup_id(r->db, "SELECT MIN(id) FROM letter_papers WHERE account_id = ?",
                              (db_param[]){dbp_int(r->account_id)}, 1);
    struct column_value texts[] = {
        {"footer_text", dbp_text("Demo Agentur GmbH · Musterweg 1 · 10115 Berlin · "
                                 "IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001 · "
                                 "USt-IdNr. DE123456789 · Amtsgericht Berlin HRB 12345")}};
    if (paper && engine_set_columns(r, &res_letter_papers, paper, texts, 1, false))
        return -1;
    static const struct {
        const char *title, *status;
        int days_ago, activities;
        int paid_halves; /* of the gross total: 2 all, 1 half, 0 nothing */
    } invoices[] = {
        {"Website Relaunch: Konzept", "created", 60, 12, 2},
        {"Website Relaunch: Design", "created", 35, 10, 1},
        {"Website Relaunch: Entwicklung", "overdue", 20, 8, 0},
        {"Website Relaunch: Hosting", "draft", 0, 0, 0},
    };
    char today[11], day[11], due[11];
    date_today_in(r->settings.time_zone, today);
    for (size_t i = 0; i < sizeof(invoices) / sizeof(invoices[0]); i++) {
        db_param p[3] = {dbp_int(r->account_id), dbp_int(project), dbp_int(invoices[i].activities)};
        db_stmt *s = db_query(r->db,
                              "SELECT id FROM activities WHERE account_id = ? AND project_id = ? "
                              "AND billed = 0 AND billable = 1 ORDER BY date, id LIMIT ?",
                              p, 3);
        json_t *ids = json_array();
        while (s && db_step(s) == DB_ROW)
            json_array_append_new(ids, json_integer(db_col_i64(s, 0)));
        db_done(s);
        demo_day(today, -invoices[i].days_ago, day);
        demo_day(today, 30 - invoices[i].days_ago, due);
        json_t *items = json_pack(
            "[{s:s, s:s}, {s:s, s:s, s:f, s:s, s:f, s:o}, {s:s, s:s, s:f}]", "type", "title",
            "title", invoices[i].title, "type", "item", "title", "Design und Entwicklung",
            "quantity", (double)json_array_size(ids) * 2.5, "unit", "h", "unit_price", 120.0,
            "activity_ids", ids, "type", "item", "title", "Projektpauschale", "net_total", 450.0);
        if (!strcmp(invoices[i].status, "draft") && demo_expense_item(r, project, items))
            return -1;
        int64_t id = demo_insert(
            r, &res_invoices, 0,
            json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:o}", "customer_id",
                      (json_int_t)customer, "project_id", (json_int_t)project, "recipient_address",
                      "Beispiel AG\nBeispielstraße 123\n80331 München", "date", day, "due_date",
                      due, "title", "Rechnung", "tax", 19.0, "currency", "EUR", "status",
                      !strcmp(invoices[i].status, "draft") ? "draft" : "created", "salutation",
                      "<div>Wir erlauben uns, Ihnen Folgendes in Rechnung zu stellen:</div>",
                      "items", items));
        if (!id)
            return -1;
        if (!strcmp(invoices[i].status, "overdue")) {
            struct column_value overdue[] = {{"status", dbp_text("overdue")}};
            if (engine_set_columns(r, &res_invoices, id, overdue, 1, false))
                return -1;
            /* a first reminder, due in a week */
            demo_day(today, 7, due);
            if (!demo_insert(r, &res_invoice_reminders, 0,
                             json_pack("{s:I, s:s, s:s, s:f}", "invoice_id", (json_int_t)id, "date",
                                       today, "due_date", due, "fee", 5.0)))
                return -1;
        }
        if (invoices[i].paid_halves == 2 && /* the paid one is exported for the books */
            !demo_insert(r, &res_invoice_bookkeeping_exports, 0,
                         json_pack("{s:[I], s:s}", "invoice_ids", (json_int_t)id, "comment",
                                   "Export für die Steuerberatung")))
            return -1;
        if (invoices[i].paid_halves > 0) {
            const char *gross = engine_stored_text(r, &res_invoices, id, "gross_total");
            int64_t units = gross ? atoll(gross) : 0; /* cents: exact, half of them rounded up */
            char paid[MONEY_BUF];
            money_format_fixed((units * invoices[i].paid_halves + 1) / 2, 2, paid);
            demo_day(today, 10 - invoices[i].days_ago, day);
            if (!demo_insert(r, &res_invoice_payments, 0,
                             json_pack("{s:s, s:I, s:s}", "date", day, "invoice_id", (json_int_t)id,
                                       "paid_total", paid)))
                return -1;
        }
    }
    return 0;
}

/* An offer in each of MOCO's states, from the deal or the project. */
static int demo_offers(struct req *r, int64_t deal, int64_t project)
{
    static const char *const statuses[] = {"created",          "sent",   "accepted",
                                           "partially_billed", "billed", "archived"};
    char today[11], day[11], until[11];
    date_today_in(r->settings.time_zone, today);
    for (int i = 0; i < 6; i++) {
        demo_day(today, -10 * (6 - i), day);
        demo_day(today, 30 - 10 * (6 - i), until);
        json_t *items = json_pack(
            "[{s:s, s:s}, {s:s, s:s, s:f, s:s, s:f}, {s:s, s:s, s:f, s:s, s:f}, {s:s, s:s, s:f, "
            "s:b}]",
            "type", "title", "title", "Website Relaunch", "type", "item", "title", "Konzeption",
            "quantity", 4.0 + i, "unit", "Tage", "unit_price", 960.0, "type", "item", "title",
            "Umsetzung Frontend", "quantity", 10.0 + i, "unit", "Tage", "unit_price", 880.0, "type",
            "item", "title", "Wartung (optional)", "net_total", 1200.0, "optional", 1);
        json_t *body = json_pack(
            "{s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:o}", "title",
            i % 2 ? "Angebot Website Relaunch" : "Angebot Erweiterung", "recipient_address",
            "Beispiel AG\nBeispielstraße 123\n80331 München", "date", day, "due_date", until, "tax",
            19.0, "currency", "EUR", "status", i == 2 ? "sent" : statuses[i], "items", items);
        json_object_set_new(body, i < 3 ? "deal_id" : "project_id",
                            json_integer(i < 3 ? deal : project));
        int64_t id = demo_insert(r, &res_offers, 0, body);
        if (!id)
            return -1;
        /* customer approvals: the sent offer's waits for its customer, the accepted one's was
         * signed (their links are below http://localhost until activated again from the API) */
        if (i == 1 || i == 2) {
            struct action_call call = {.res = &res_offers, .id = id, .answer_id = id};
            if (offer_approval_activate(r, &call))
                return -1;
        }
        if (i == 2) {
            char now[TIMESTAMP_LEN + 1];
            time_now_iso(now);
            struct column_value signed_by[] = {
                {"customer_full_name", dbp_text("Max Muster")},
                {"customer_email", dbp_text("max.muster@beispiel-ag.example")},
                {"signed_at", dbp_text(arena_strdup(r->arena, now))}};
            db_param ap[2] = {dbp_int(r->account_id), dbp_int(id)};
            int64_t approval = lookup_id(
                r->db,
                "SELECT id FROM offer_customer_approvals WHERE account_id = ? AND offer_id = ?", ap,
                2);
            struct column_value accepted[] = {{"status", dbp_text("accepted")}};
            if (!approval ||
                engine_set_columns(r, &res_offer_customer_approvals, approval, signed_by, 3,
                                   false) ||
                engine_set_columns(r, &res_offers, id, accepted, 1, false))
                return -1; /* sent, approved by the customer: accepted */
        }
    }
    return 0;
}

/* Receipts of the administrator and of the first person (each recorded as its user, one with a
 * photo of the receipt), two expense templates and the account's fixed costs of this year. */
static int demo_receipts(struct req *r, int64_t project, int64_t person)
{
    static const char png[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
                              "hQGAhKmMIQAAAABJRU5ErkJggg==";
    db_param ap[1] = {dbp_int(r->account_id)};
    int64_t vat19 = lookup_id(r->db,
                              "SELECT MIN(id) FROM vat_code_purchases WHERE account_id = ? AND "
                              "tax = 1900 AND reverse_charge = 0 AND active = 1",
                              ap, 1);
    int64_t vat7 = lookup_id(r->db,
                             "SELECT MIN(id) FROM vat_code_purchases WHERE account_id = ? AND "
                             "tax = 700 AND active = 1",
                             ap, 1);
    char today[11], day[11];
    date_today_in(r->settings.time_zone, today);
    demo_day(today, -3, day);
    int64_t admin = r->user_id;
    bool ok = demo_insert(r, &res_receipts, 0,
                          json_pack("{s:s, s:s, s:s, s:s, s:[{s:I, s:f}, {s:I, s:f}], s:I, s:b, "
                                    "s:{s:s, s:s}}",
                                    "date", day, "title", "Team-Lunch", "currency", "EUR", "info",
                                    "Kick-off lunch with the customer", "items", "vat_code_id",
                                    (json_int_t)vat19, "gross_total", 56.5, "vat_code_id",
                                    (json_int_t)vat7, "gross_total", 8.9, "project_id",
                                    (json_int_t)project, "billable", 1, "attachment", "filename",
                                    "receipt.png", "base64", png)) != 0;
    r->user_id = person;
    demo_day(today, -1, day);
    ok = ok && demo_insert(r, &res_receipts, 0,
                           json_pack("{s:s, s:s, s:s, s:[{s:I, s:f}]}", "date", day, "title",
                                     "Train ticket", "currency", "EUR", "items", "vat_code_id",
                                     (json_int_t)vat19, "gross_total", 79.9)) != 0;
    r->user_id = admin;
    ok = ok &&
         demo_insert(r, &res_expense_templates, 0,
                     json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "title", "Hosting L",
                               "description", "The large hosting package", "unit", "month",
                               "unit_price", "50.0", "unit_cost", "40.0", "currency", "EUR")) != 0;
    ok = ok &&
         demo_insert(r, &res_expense_templates, 0,
                     json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "title", "Domain", "description",
                               "A domain, per year", "unit", "year", "unit_price", "24.0",
                               "unit_cost", "9.5", "currency", "EUR")) != 0;
    static const struct {
        const char *title, *description;
        double amount;
    } costs[] = {{"Salaries", "Monthly total salaries for the company", 42000.0},
                 {"Rent", "Office rent", 3500.0}};
    int year = atoi(today);
    for (size_t i = 0; ok && i < 2; i++) {
        int64_t id = demo_insert(
            r, &res_fixed_costs, 0,
            json_pack("{s:s, s:s}", "title", costs[i].title, "description", costs[i].description));
        ok = id != 0;
        for (int month = 1; ok && month <= 12; month++)
            ok = demo_insert(r, &res_fixed_cost_amounts, id,
                             json_pack("{s:i, s:i, s:f}", "year", year, "month", month, "amount",
                                       costs[i].amount)) != 0;
    }
    return ok ? 0 : -1;
}

/* The id of the account's purchase category of this name. */
static int64_t demo_category(struct req *r, const char *name)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_text(name)};
    return lookup_id(
        r->db, "SELECT MIN(id) FROM purchase_categories WHERE account_id = ? AND name = ?", p, 2);
}

/* Two purchases, booked with categories and VAT, with their payments: flyers from the demo's
 * supplier, the print shop (with its receipt, paid in full), and a trip (paid in part). */
static int demo_purchases(struct req *r)
{
    db_param sp[1] = {dbp_int(r->account_id)};
    int64_t supplier = lookup_id(
        r->db, "SELECT MIN(id) FROM companies WHERE account_id = ? AND type = 'supplier'", sp, 1);
    json_int_t ads = demo_category(r, "Werbekosten");
    json_int_t travel = demo_category(r, "Spesen und Reisekosten");
    if (!supplier || !ads || !travel)
        return -1;
    char today[11], day[11], paid_on[11];
    date_today_in(r->settings.time_zone, today);
    static const struct {
        const char *title, *method, *receipt, *file, *tag;
        int days_ago;
        bool supplier;
        int paid_percent;
        struct {
            const char *title, *total;
            double tax;
            bool included;
            int category; /* 1 advertising, 2 travel, 0 none */
        } items[3];
    } purchases[] = {
        {"Flyer Website-Launch",
         "bank_transfer",
         "DM-2026-118",
         "rechnung-druckerei.pdf",
         "Marketing",
         20,
         true,
         100,
         {{"Flyer A5, 5000 Stück", "289.00", 19.0, false, 1},
          {"Versand", "12.90", 19.0, false, 1}}},
        {"Reise Kick-off München",
         "credit_card",
         "BC-77120",
         NULL,
         "Reise",
         5,
         false,
         50,
         {{"Bahnticket Berlin – München", "89.90", 7.0, true, 2},
          {"Hotel", "120.00", 7.0, true, 2},
          {"Abendessen Kick-off", "45.50", 19.0, true, 0}}},
    };
    for (size_t i = 0; i < sizeof purchases / sizeof purchases[0]; i++) {
        json_t *items = json_array();
        for (int k = 0; k < 3 && purchases[i].items[k].title; k++) {
            json_t *item =
                json_pack("{s:s, s:s, s:f, s:b}", "title", purchases[i].items[k].title, "total",
                          purchases[i].items[k].total, "tax", purchases[i].items[k].tax,
                          "tax_included", purchases[i].items[k].included);
            if (purchases[i].items[k].category)
                json_object_set_new(
                    item, "category_id",
                    json_integer(purchases[i].items[k].category == 1 ? ads : travel));
            json_array_append_new(items, item);
        }
        demo_day(today, -purchases[i].days_ago, day);
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:[s]}", "date", day, "currency",
                                 "EUR", "payment_method", purchases[i].method, "title",
                                 purchases[i].title, "receipt_identifier", purchases[i].receipt,
                                 "items", items, "tags", purchases[i].tag);
        if (purchases[i].supplier)
            json_object_set_new(body, "company_id", json_integer(supplier));
        if (purchases[i].file) /* "%PDF-1.4\n" */
            json_object_set_new(
                body, "file",
                json_pack("{s:s, s:s}", "filename", purchases[i].file, "base64", "JVBERi0xLjQK"));
        int64_t id = demo_insert(r, &res_purchases, 0, body);
        if (!id)
            return -1;
        const char *gross = engine_stored_text(r, &res_purchases, id, "gross_total");
        int64_t units = gross ? atoll(gross) : 0;
        char paid[MONEY_BUF];
        money_format_fixed(units * purchases[i].paid_percent / 100, 2, paid);
        demo_day(today, 3 - purchases[i].days_ago, paid_on);
        if (!demo_insert(r, &res_purchase_payments, 0,
                         json_pack("{s:s, s:I, s:s}", "date", paid_on, "purchase_id",
                                   (json_int_t)id, "total", paid)))
            return -1;
    }
    return 0;
}

/* The demo entities, written through the engine in one transaction. */
static int demo_step(struct req *r, void *ctx)
{
    const char *subdomain = ctx;
    static const struct {
        const char *first, *last, *email, *role;
        int unit;
    } people[] = {
        {"Janine", "Küsters", "j.kuesters", "Employee", 0},
        {"Tobias", "Miesel", "t.miesel", "Project leader", 1},
        {"Sabine", "Schäuble", "s.schaeuble", "Staff", 2},
        {"Carmen", "Sandiego", "c.sandiego", "Employee", 1},
        {"Peter", "Müller", "p.mueller", "Read-only", 0},
    };
    db_param ap[1] = {dbp_int(r->account_id)};
    int64_t units[3] = {
        demo_insert(r, &res_units, 0, json_pack("{s:s}", "name", "Design")),
        demo_insert(r, &res_units, 0, json_pack("{s:s}", "name", "Development")),
        demo_insert(r, &res_units, 0, json_pack("{s:s}", "name", "Management")),
    };
    bool ok = units[0] && units[1] && units[2];
    ok = ok && demo_insert(r, &res_custom_properties, 0,
                           json_pack("{s:s, s:s, s:s}", "name", "Starting Month", "kind", "String",
                                     "entity", "User"));
    int64_t staff[5] = {0};
    for (size_t i = 0; ok && i < sizeof(people) / sizeof(people[0]); i++) {
        char email[96];
        snprintf(email, sizeof(email), "%s@%s.example", people[i].email, subdomain);
        staff[i] =
            demo_insert(r, &res_users, 0,
                        json_pack("{s:s, s:s, s:s, s:I, s:I, s:[s], s:{s:s}}", "firstname",
                                  people[i].first, "lastname", people[i].last, "email", email,
                                  "unit_id", (json_int_t)units[people[i].unit], "role_id",
                                  (json_int_t)role_id(r, people[i].role), "tags", "Deutschland",
                                  "custom_properties", "Starting Month", "January 2024"));
        ok = staff[i] != 0;
    }
    int64_t customer = 0, contact = 0, deal = 0, group = 0, project = 0;
    if (ok)
        customer = demo_insert(r, &res_companies, 0,
                               json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "name", "Beispiel AG",
                                         "type", "customer", "currency", "EUR", "website",
                                         "www.beispiel-ag.example", "tags", "Netzwerk"));
    ok = customer &&
         demo_insert(r, &res_companies, 0,
                     json_pack("{s:s, s:s}", "name", "Druckerei Muster GmbH", "type", "supplier"));
    if (ok)
        contact = demo_insert(r, &res_contacts, 0,
                              json_pack("{s:s, s:s, s:s, s:I, s:s}", "firstname", "Max", "lastname",
                                        "Muster", "gender", "M", "company_id", (json_int_t)customer,
                                        "work_email", "max.muster@beispiel-ag.example"));
    int64_t category =
        lookup_id(r->db, "SELECT MIN(id) FROM deal_categories WHERE account_id = ?", ap, 1);
    if (contact)
        deal = demo_insert(r, &res_deals, 0,
                           json_pack("{s:s, s:s, s:f, s:s, s:I, s:I, s:I, s:I}", "name",
                                     "Website Relaunch", "currency", "EUR", "money", 25000.0,
                                     "reminder_date", "2026-12-15", "user_id", (json_int_t)staff[1],
                                     "deal_category_id", (json_int_t)category, "company_id",
                                     (json_int_t)customer, "person_id", (json_int_t)contact));
    if (deal)
        group = demo_insert(
            r, &res_project_groups, 0,
            json_pack("{s:s, s:I}", "name", "Websites", "company_id", (json_int_t)customer));
    if (group)
        project = demo_insert(r, &res_projects, 0,
                              json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:f, s:[s]}",
                                        "name", "Website Relaunch", "currency", "EUR",
                                        "fixed_price", 0, "retainer", 0, "leader_id",
                                        (json_int_t)staff[1], "customer_id", (json_int_t)customer,
                                        "deal_id", (json_int_t)deal, "project_group_id",
                                        (json_int_t)group, "budget", 20000.0, "tags", "Digital"));
    static const char *const tasks[] = {"Project Management", "Design", "Development"};
    ok = project != 0;
    for (size_t i = 0; ok && i < 3; i++)
        ok = demo_insert(r, &res_project_tasks, project,
                         json_pack("{s:s, s:f}", "name", tasks[i], "hourly_rate", 120.0)) != 0;
    /* the leader (staff[1]) is on the staff already: the project's own contract */
    for (size_t i = 0; ok && i < 5; i++)
        if (i != 1)
            ok = demo_insert(r, &res_project_contracts, project,
                             json_pack("{s:I}", "user_id", (json_int_t)staff[i])) != 0;
    ok = ok && demo_insert(r, &res_project_contracts, project,
                           json_pack("{s:I}", "user_id", (json_int_t)r->user_id)) != 0;
    int64_t people_ids[6] = {r->user_id, staff[0], staff[1], staff[2], staff[3], staff[4]};
    ok = ok && demo_time(r, project, people_ids, 6) == 0;
    ok = ok && demo_people_time(r, project, people_ids, 6) == 0;
    ok = ok && demo_expenses(r, project) == 0;
    ok = ok && demo_invoices(r, customer, project) == 0;
    ok = ok && demo_offers(r, deal, project) == 0;
    /* the relaunch's planned partial bills: one checked off, one to come */
    char pay_day[11], today[11];
    date_today_in(r->settings.time_zone, today);
    demo_day(today, 30, pay_day);
    ok = ok &&
         demo_insert(r, &res_project_payment_schedules, project,
                     json_pack("{s:s, s:s, s:f, s:b}", "date", today, "title", "Erste Anzahlung",
                               "net_total", 5000.0, "checked", 1)) &&
         demo_insert(r, &res_project_payment_schedules, project,
                     json_pack("{s:s, s:s, s:f}", "date", pay_day, "title", "Zweite Anzahlung",
                               "net_total", 7500.0));
    ok = ok && demo_receipts(r, project, staff[0]) == 0;

    ok = ok && demo_purchases(r) == 0;
    ok = ok && demo_insert(r, &res_comments, 0,
                           json_pack("{s:I, s:s, s:s}", "commentable_id", (json_int_t)project,
                                     "commentable_type", "Project", "text",
                                     "<div>Kick-off on <strong>Monday</strong></div>"));
    return ok ? 0 : -1;
}

int account_demo_data(db_conn *c, arena *a, const char *subdomain)
{
    struct req r = {.arena = a, .db = c, .admin = true, .key_kind = KEY_ACCOUNT_FULL};
    memset(r.perm, PERM_FULL, sizeof(r.perm));
    db_param sp[1] = {dbp_text(subdomain)};
    r.account_id = lookup_id(c, "SELECT id FROM accounts WHERE subdomain = ?", sp, 1);
    if (!r.account_id)
        return -1;
    db_param ap[1] = {dbp_int(r.account_id)};
    if (lookup_id(c, "SELECT COUNT(*) FROM companies WHERE account_id = ?", ap, 1))
        return 0; /* already there */
    r.user_id = lookup_id(c, "SELECT MIN(id) FROM users WHERE account_id = ?", ap, 1);
    db_stmt *zs = db_query(c, "SELECT time_zone FROM accounts WHERE id = ?", ap, 1);
    if (zs && db_step(zs) == DB_ROW && db_col_text(zs, 0))
        r.settings.time_zone = arena_strdup(a, db_col_text(zs, 0)); /* its calendar's today */
    db_done(zs);
    int rc = engine_write(&r, demo_step, (void *)subdomain);
    if (r.err_fields)
        json_decref(r.err_fields);
    if (r.scratch)
        json_decref(r.scratch);
    return rc;
}
