/*
 * Versioned schema migrations for the engine's own tables. Tables of resources are created and
 * extended from their declarations (engine_sync_schema); these are the tables no resource owns.
 * Types are written as {ID}, {INT}, {TEXT} and mapped by the dialect. Never edit a released
 * migration: add a new one.
 */
#include "db/migrate.h"

#include "db/backend.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    /* 1: tenants and keys */
    "CREATE TABLE accounts (id {ID}, subdomain {TEXT} NOT NULL UNIQUE, name {TEXT} NOT NULL,"
    " rate_limit_requests {INT}, rate_limit_seconds {INT},"
    " custom_properties_merge {INT} NOT NULL DEFAULT 0,"
    " created_at {TEXT} NOT NULL, updated_at {TEXT} NOT NULL);"
    "CREATE TABLE api_keys (id {ID}, account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, user_id {INT}, kind {TEXT} NOT NULL, lookup {TEXT} NOT NULL UNIQUE,"
    " sealed {TEXT} NOT NULL, created_at {TEXT} NOT NULL);"
    "CREATE INDEX api_keys_by_user ON api_keys (account_id, user_id);",
    /* 2: tags on any entity, custom field values */
    "CREATE TABLE taggings (account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " tag_id {INT} NOT NULL, entity {TEXT} NOT NULL, entity_id {INT} NOT NULL);"
    "CREATE UNIQUE INDEX taggings_unique ON taggings (tag_id, entity, entity_id);"
    "CREATE INDEX taggings_by_entity ON taggings (account_id, entity, entity_id);"
    "CREATE TABLE custom_values (account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, property_id {INT} NOT NULL, entity {TEXT} NOT NULL, entity_id {INT} NOT NULL,"
    " value {TEXT} NOT NULL, seq {INT} NOT NULL DEFAULT 0);"
    "CREATE INDEX custom_values_by_entity ON custom_values (account_id, entity, entity_id);"
    "CREATE INDEX custom_values_by_value ON custom_values (property_id, value, entity_id);",
    /* 3: a version per account, bumped by every write, that validates cached counts */
    "ALTER TABLE accounts ADD COLUMN data_version {INT} NOT NULL DEFAULT 0;",
    /* 4: the web hook outbox: one row per event, deliveries (a resource's table) point here */
    "CREATE TABLE webhook_events (id {ID}, account_id {INT} NOT NULL REFERENCES accounts(id) ON"
    " DELETE CASCADE, target {TEXT} NOT NULL, event {TEXT} NOT NULL, entity_id {INT} NOT NULL,"
    " user_id {INT}, payload {TEXT} NOT NULL, occurred_ms {INT} NOT NULL,"
    " created_at {TEXT} NOT NULL);"
    "CREATE INDEX webhook_events_by_account ON webhook_events (account_id, id);",
    /* 5: files that come with entities (a comment's attachment), kept in the database so that a
     * backup of it holds everything */
    "CREATE TABLE attachments (id {ID}, account_id {INT} NOT NULL REFERENCES accounts(id) ON"
    " DELETE CASCADE, entity {TEXT} NOT NULL, entity_id {INT} NOT NULL, filename {TEXT} NOT NULL,"
    " size {INT} NOT NULL, data {BLOB} NOT NULL, created_at {TEXT} NOT NULL);"
    "CREATE INDEX attachments_by_entity ON attachments (account_id, entity, entity_id);",
    /* 6: files served by their own link (avatars): the token is the secret in the URL */
    "ALTER TABLE attachments ADD COLUMN token {TEXT};"
    "CREATE UNIQUE INDEX attachments_by_token ON attachments (token);",
    /* 7: account settings: the docs' strictness on request, the account's currency
     * and country (defaults of customers that give none) */
    "ALTER TABLE accounts ADD COLUMN strict_validation {INT} NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN currency {TEXT} NOT NULL DEFAULT 'EUR';"
    "ALTER TABLE accounts ADD COLUMN country_code {TEXT} NOT NULL DEFAULT 'DE';",
    /* 8: number sequences of fields (identifiers of projects, invoices, offers), per account
     * and prefix */
    "CREATE TABLE number_sequences (account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, name {TEXT} NOT NULL, prefix {TEXT} NOT NULL, next_value {INT} NOT NULL);"
    "CREATE UNIQUE INDEX number_sequences_key ON number_sequences (account_id, name, prefix);",
    /* 9: a comment's attachment is an engine file like an avatar, owned by "Comment.attachment" */
    "UPDATE attachments SET entity = 'Comment.attachment' WHERE entity = 'Comment';",
    /* 10: the content of files, stored once and shared by the attachments written from it (a
     * bulk comment's file, on every comment it makes); older rows keep theirs in data */
    "CREATE TABLE attachment_blobs (id {ID}, account_id {INT} NOT NULL REFERENCES accounts(id) ON"
    " DELETE CASCADE, size {INT} NOT NULL, data {BLOB} NOT NULL, created_at {TEXT} NOT NULL);"
    "ALTER TABLE attachments ADD COLUMN blob_id {INT};"
    "CREATE INDEX attachments_by_blob ON attachments (blob_id);",
    /* 11: the rate limit of each key, where several processes share the database: the times of
     * the requests inside its window (see db_rate_hit; SQLite's one process counts in memory).
     * Counts of the moment: not journaled where the database allows (a crash forgets them) */
    "CREATE {SCRATCH} TABLE rate_windows (key_id {INT} PRIMARY KEY, hits {INTLIST} NOT NULL,"
    " last_ok {INT} NOT NULL);",
    /* 12: the account's time zone: "today" and the dates of time tracking are its calendar's */
    "ALTER TABLE accounts ADD COLUMN time_zone {TEXT} NOT NULL DEFAULT 'Europe/Berlin';",
    /* 13: the account's hourly rates (sections/account/hourly_rates.md), in money units at scale
     * 2: per currency the default (kind 'default', subject 0), a task template's ('task') and a
     * user's ('user'); company_id 0 holds the global ones, else a customer's own. And the
     * internal hourly rates of users, per year (sections/account/internal_hourly_rates.md) */
    "CREATE TABLE hourly_rates (account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, company_id {INT} NOT NULL DEFAULT 0, kind {TEXT} NOT NULL,"
    " subject_id {INT} NOT NULL DEFAULT 0, currency {TEXT} NOT NULL, rate {INT} NOT NULL);"
    "CREATE UNIQUE INDEX hourly_rates_key ON hourly_rates"
    " (account_id, company_id, kind, subject_id, currency);"
    "CREATE TABLE internal_hourly_rates (account_id {INT} NOT NULL REFERENCES accounts(id) ON"
    " DELETE CASCADE, user_id {INT} NOT NULL, rate_year {INT} NOT NULL, rate {INT} NOT NULL);"
    "CREATE UNIQUE INDEX internal_hourly_rates_key ON internal_hourly_rates"
    " (account_id, user_id, rate_year);",
    /* 14: the mail outbox and log (src/mail): one row per mail, its message built once
     * (envelope and RFC 5322 text), its delivery state; the mail log resource reads it */
    "CREATE TABLE mails (id {ID}, account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, status {TEXT} NOT NULL DEFAULT 'pending', from_addr {TEXT}, to_addrs {TEXT},"
    " cc_addrs {TEXT}, bcc_addrs {TEXT}, subject {TEXT}, body {TEXT}, attachments {TEXT},"
    " attempts {INT} NOT NULL DEFAULT 0, last_error {TEXT}, next_attempt_at {TEXT},"
    " sent_at {TEXT}, envelope_from {TEXT}, envelope_rcpt {TEXT}, message {TEXT},"
    " message_id {TEXT}, next_attempt_ms {INT} NOT NULL DEFAULT 0,"
    " created_at {TEXT} NOT NULL, updated_at {TEXT} NOT NULL);"
    "CREATE INDEX mails_by_account ON mails (account_id, id);"
    "CREATE INDEX mails_due ON mails (status, next_attempt_ms);"
    "CREATE INDEX mails_by_status_account ON mails (status, account_id, next_attempt_ms);",
    /* 15: an account's own patterns of identifiers (mocod account --number-pattern), by the
     * counter's field, "invoices.identifier"; without one the declaration's pattern holds */
    "CREATE TABLE number_patterns (account_id {INT} NOT NULL REFERENCES accounts(id) ON DELETE"
    " CASCADE, name {TEXT} NOT NULL, pattern {TEXT} NOT NULL);"
    "CREATE UNIQUE INDEX number_patterns_by_name ON number_patterns (account_id, name);",
    NULL,
};

static char *expand_types(db *d, const char *sql)
{
    static const struct {
        const char *word;
        enum db_coltype type;
    } words[] = {{"{ID}", DBT_ID},           {"{INT}", DBT_BIGINT},
                 {"{TEXT}", DBT_TEXT},       {"{BLOB}", DBT_BLOB},
                 {"{INTLIST}", DBT_INTLIST}, {"{SCRATCH}", DBT_SCRATCH_TABLE}};
    size_t cap = strlen(sql) * 2 + 64;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    while (*sql) {
        bool replaced = false;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
            size_t wl = strlen(words[i].word);
            if (!strncmp(sql, words[i].word, wl)) {
                const char *t = db_type(d, words[i].type);
                size_t tl = strlen(t);
                if (n + tl + 1 >= cap) {
                    cap = (n + tl + 1) * 2;
                    char *grown = realloc(out, cap);
                    if (!grown) {
                        free(out);
                        return NULL;
                    }
                    out = grown;
                }
                memcpy(out + n, t, tl);
                n += tl;
                sql += wl;
                replaced = true;
                break;
            }
        }
        if (replaced)
            continue;
        if (n + 2 >= cap) {
            cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        out[n++] = *sql++;
    }
    out[n] = '\0';
    return out;
}

int db_schema_version(db_conn *c)
{
    int64_t v = 0;
    if (db_query_i64(c, "SELECT MAX(version) FROM schema_migrations", NULL, 0, 0, &v) != DB_OK)
        return 0;
    return (int)v;
}

int db_migrate(db *d, int (*sync_resources)(db *d, db_conn *c))
{
    db_conn *c = db_acquire(d);
    if (!c)
        return -1;
    int rc = -1;
    if (db_begin(c, true) != DB_OK)
        goto out;
    if (db_exec_script(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                          "KEY, applied_at TEXT NOT NULL)") != DB_OK)
        goto out;
    int have = db_schema_version(c);
    for (int v = have; migrations[v]; v++) {
        char *sql = expand_types(d, migrations[v]);
        int ok = sql && db_exec_script(c, sql) == DB_OK;
        free(sql);
        if (!ok) {
            fprintf(stderr, "mocod: migration %d failed\n", v + 1);
            goto out;
        }
        char now[TIMESTAMP_LEN + 1];
        time_now_iso(now);
        db_param p[2] = {dbp_int(v + 1), dbp_text(now)};
        if (db_exec(c, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", p, 2) !=
            DB_DONE)
            goto out;
    }
    if (sync_resources && sync_resources(d, c) != 0)
        goto out;
    rc = db_commit(c) == DB_OK ? 0 : -1;
out:
    if (rc != 0)
        db_rollback(c);
    db_release(d, c);
    return rc;
}
