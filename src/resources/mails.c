/* The mail log (mocod's addition, see README "Mails"): every mail mocod sends or will send, and
 * how its delivery went. Rows are written by engine_queue_mail (an action that sends a mail) and
 * by a create here: an administrator's own mail, such as a test of the SMTP set-up. They are
 * delivered by src/mail; nobody changes or deletes them through the API. */
#include "mail/mail.h"
#include "resources/resources.h"
#include "util/timeutil.h"

#include <string.h>

static const char *const mail_statuses[] = {"pending", "sent", "failed", NULL};

static const char *check_address(const char *s)
{
    return mail_address_problem(s);
}

static const struct field mail_fields[] = {
    {"status", FT_ENUM, F_READONLY | F_FILTER, .options = mail_statuses, .def = "\"pending\""},
    /* the server's sender (--smtp-from): a mail made through the API never names its own */
    {"from", FT_TEXT, F_READONLY, .column = "from_addr", .maxlen = 998, .check = check_address},
    {"to", FT_STRLIST, F_CREATEONLY, .column = "to_addrs", .def = "[]"},
    {"cc", FT_STRLIST, F_CREATEONLY, .column = "cc_addrs", .def = "[]"},
    {"bcc", FT_STRLIST, F_CREATEONLY, .column = "bcc_addrs", .def = "[]"},
    {"subject", FT_TEXT, F_REQUIRED | F_CREATEONLY, .maxlen = 998},
    {"body", FT_TEXT, F_CREATEONLY, .maxlen = 100000, .def = "\"\""},
    /* [{"filename", "content_type", "size"}], kept as JSON text when the mail is queued */
    {"attachments", FT_EXPR, .sql = "t.attachments", .as = FT_STRLIST},
    {"attempts", FT_INT, F_READONLY, .def = "0"},
    {"last_error", FT_TEXT, F_READONLY},
    {"next_attempt_at", FT_TIMESTAMP, F_READONLY},
    {"sent_at", FT_TIMESTAMP, F_READONLY},
    {"envelope_from", FT_TEXT, F_INTERNAL},
    {"envelope_rcpt", FT_TEXT, F_INTERNAL},
    {"message", FT_TEXT, F_INTERNAL},
    {"message_id", FT_TEXT, F_INTERNAL},
    {"next_attempt_ms", FT_INT, F_INTERNAL},
    {0},
};

/* The strings of a JSON array (a checked FT_STRLIST value) in the request's arena. */
static const char *const *strings_of(struct req *r, const struct value *v, int *n)
{
    *n = 0;
    if (!v->set || v->null || !json_is_array(v->j))
        return NULL;
    size_t len = json_array_size(v->j);
    const char **out = arena_calloc(r->arena, len + 1, sizeof(char *));
    for (size_t i = 0; i < len; i++)
        out[(*n)++] = json_string_value(json_array_get(v->j, i));
    return out;
}

/* No recipient given: the mail goes to the acting user (an administrator's test of the SMTP
 * set-up); an account key without a user has to name one. */
static void default_to_self(struct req *r, struct record *rec)
{
    struct value *to = record_value(rec, "to");
    if ((to->set && !to->null && json_array_size(to->j) > 0) || !r->user_id)
        return;
    struct value *cc = record_value(rec, "cc"), *bcc = record_value(rec, "bcc");
    if ((cc->set && json_array_size(cc->j) > 0) || (bcc->set && json_array_size(bcc->j) > 0))
        return;
    db_param p[2] = {dbp_int(r->user_id), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT firstname, lastname, email FROM users WHERE id = ? AND "
                          "account_id = ?",
                          p, 2);
    if (s && db_step(s) == DB_ROW && db_col_text(s, 2)) {
        const char *name =
            arena_printf(r->arena, "%s %s", db_col_text(s, 0) ? db_col_text(s, 0) : "",
                         db_col_text(s, 1) ? db_col_text(s, 1) : "");
        const char *self = arena_printf(r->arena, "%s <%s>", name, db_col_text(s, 2));
        if (mail_address_problem(self)) /* a name that cannot be one: the address alone */
            self = arena_strdup(r->arena, db_col_text(s, 2));
        json_t *list = json_pack("[s]", self);
        req_keep(r, list);
        to->set = true;
        to->null = false;
        to->j = list;
        strbuf t;
        sb_init(&t, r->arena, 64);
        sb_addc(&t, '[');
        sb_add_json_str(&t, self, strlen(self));
        sb_addc(&t, ']');
        to->s = t.buf;
    }
    db_done(s);
}

/* A create is a mail to queue: checked and built as engine_queue_mail does it, into the row. */
static int mails_before_save(struct req *r, struct record *rec, int64_t id)
{
    if (id)
        return 0;
    /* a field that failed its own checks is not set: the rest is checked all the same, so
     * that the 422 names every problem */
    default_to_self(r, rec);
    struct value *from = record_value(rec, "from");
    struct mail m = {.from = from->set && !from->null ? from->s : NULL};
    m.to = strings_of(r, record_value(rec, "to"), &m.nto);
    m.cc = strings_of(r, record_value(rec, "cc"), &m.ncc);
    m.bcc = strings_of(r, record_value(rec, "bcc"), &m.nbcc);
    m.subject = record_value(rec, "subject")->s;
    m.body = record_value(rec, "body")->s;
    struct mail_built b;
    if (mail_build(r, &m, &b))
        return 0; /* field errors: a 422 */
    char *now = arena_alloc(r->arena, TIMESTAMP_LEN + 1);
    time_now_iso(now);
    struct {
        const char *field;
        const char *text;
    } set[] = {{"from", b.from},
               {"envelope_from", b.envelope_from},
               {"envelope_rcpt", b.envelope_rcpt},
               {"message", b.message},
               {"message_id", b.message_id},
               {"next_attempt_at", now}};
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        if (!set[i].text)
            continue;
        struct value *v = record_value(rec, set[i].field);
        v->set = true;
        v->null = false;
        v->s = set[i].text;
    }
    struct value *ms = record_value(rec, "next_attempt_ms");
    ms->set = true;
    ms->null = false;
    ms->i = time_now_ms();
    return 0;
}

const struct resource res_mails = {
    .name = "mails",
    .path = "account/mails",
    .table = "mails",
    .target = "Mail",
    .fields = mail_fields,
    .flags = R_NO_UPDATE | R_NO_DELETE,
    .write_area = AREA_SETTINGS,
    .read_area = AREA_SETTINGS,
    .before_save = mails_before_save,
};
