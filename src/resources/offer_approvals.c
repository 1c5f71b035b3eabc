/*
 * Offer customer approvals (sections/offer_customer_approval.md): activating an offer's approval
 * gives it a secret link, served without an API key at the server's root:
 *
 *   GET  /offers/{id}/customer_approvals/{token}               a small HTML page: the offer and a
 *                                                              form (full name, email, approve)
 *   POST /offers/{id}/customer_approvals/{token}               the form: signs the approval and
 *                                                              moves the offer to "accepted"
 *   GET  /offers/{id}/customer_approvals/{token}/document.pdf  the offer's PDF
 *
 * The token has 32 random bytes (libsodium), base64url: only its BLAKE2b hash is looked up (an
 * index over the hashes of all accounts), and the stored hash is compared once more in constant
 * time. A deactivated approval, a token of another offer or an unknown one: the same 404 page.
 * The API's side (GET /offers/{id}/customer_approval, POST|PUT .../activate, .../deactivate) is
 * declared with the offers (offers.c); one row per offer, made by the first activation, which
 * keeps its token for good: activating again (also after a deactivation) enables the same link.
 * mocod draws no signatures: signature_url is always null.
 */
#include "resources/resources.h"

#include "util/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_BYTES     32
#define TOKEN_LEN       43 /* base64url without padding of 32 bytes */
#define HASH_HEX        64
#define NAME_MAX_BYTES  200
#define EMAIL_MAX_BYTES 254

static const struct field approval_fields[] = {
    {"approval_url", FT_TEXT, F_READONLY, .maxlen = 4096},
    {"offer_document_url", FT_EXPR, 0,
     .sql = "CASE WHEN t.approval_url IS NULL THEN NULL ELSE t.approval_url || '/document.pdf' "
            "END"},
    {"active", FT_BOOL, F_READONLY, .def = "false"},
    {"customer_full_name", FT_TEXT, F_READONLY, .maxlen = NAME_MAX_BYTES},
    {"customer_email", FT_TEXT, F_READONLY, .maxlen = EMAIL_MAX_BYTES},
    {"signature_url", FT_EXPR, 0, .sql = "NULL"}, /* mocod draws no signatures */
    {"signed_at", FT_TIMESTAMP, F_READONLY},
    {"token_hash", FT_TEXT, F_INTERNAL}, /* hex BLAKE2b-256 of the link's token */
    /* the offer's "customer_approval": {id, active, url} */
    {"url", FT_EXPR, F_INTERNAL, .sql = "t.approval_url"},
    {0},
};

/* One row per offer, made by its first activation; no routes of its own. */
const struct resource res_offer_customer_approvals = {
    .name = "offer_customer_approvals",
    .path = "offers/{id}/customer_approvals",
    .table = "offer_customer_approvals",
    .target = "Offer::CustomerApproval",
    .fields = approval_fields,
    .flags = R_NO_LIST | R_NO_GET | R_READONLY,
    .parent = &res_offers,
    .parent_fk = "offer_id",
    .write_area = AREA_SALES,
    .read_area = AREA_SALES,
    .global_indexes = "token_hash",
};

/* ------------------------------------------------------------- the API's side */

/* The approval of an offer of the account; 0 when it was never activated. */
static int64_t approval_of(struct req *r, int64_t offer)
{
    db_param p[2] = {dbp_int(r->account_id), dbp_int(offer)};
    db_stmt *s = db_query(r->db,
                          "SELECT id FROM offer_customer_approvals WHERE account_id = ? AND "
                          "offer_id = ? ORDER BY id LIMIT 1",
                          p, 2);
    int64_t id = s && db_step(s) == DB_ROW ? db_col_i64(s, 0) : 0;
    db_done(s);
    return id;
}

static void token_hash(const char *token, char out[HASH_HEX + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, HASH_HEX + 1, h, sizeof h);
}

static int answer_approval(struct req *r, int64_t offer)
{
    int64_t id = approval_of(r, offer);
    if (!id)
        return req_fail(r, 404, NULL, "the offer's customer approval was never activated");
    r->status = 200;
    return engine_render_entity(r, &res_offer_customer_approvals, id, &r->out);
}

int offer_approval_answer(struct req *r, struct action_call *call)
{
    return answer_approval(r, call->id);
}

/* GET /offers/{id}/customer_approval (read of the offers' area, as the offer itself). */
static int get_approval(struct req *r)
{
    int64_t offer = r->ids[0];
    if (!engine_exists(r, &res_offers, offer))
        return req_fail(r, 404, NULL, "Offer not found");
    return answer_approval(r, offer);
}

/* POST|PUT /offers/{id}/customer_approval/activate: the first one makes the row and its token;
 * later ones enable it again with the same token (the link's host is the one this request came
 * to). */
int offer_approval_activate(struct req *r, struct action_call *call)
{
    /* what a customer can still approve: an offer made or sent, not one accepted, billed or
     * archived */
    const char *status = engine_stored_text(r, &res_offers, call->id, "status");
    if (!status || (strcmp(status, "created") != 0 && strcmp(status, "sent") != 0))
        return req_fail(r, 422, "status", "an offer that is %s can't be approved by the customer",
                        status ? status : "gone");
    int64_t id = approval_of(r, call->id);
    char fresh[TOKEN_LEN + 1];
    const char *token = fresh;
    if (id) {
        const char *url = engine_stored_text(r, &res_offer_customer_approvals, id, "approval_url");
        const char *slash = url ? strrchr(url, '/') : NULL;
        if (!slash || strlen(slash + 1) != TOKEN_LEN)
            return req_fail(r, 500, NULL, "the customer approval has no link");
        token = slash + 1;
    } else {
        json_t *none = json_object();
        req_keep(r, none);
        if (engine_insert(r, &res_offer_customer_approvals, call->id, none, &id))
            return -1;
        unsigned char bytes[TOKEN_BYTES];
        randombytes_buf(bytes, sizeof bytes);
        sodium_bin2base64(fresh, sizeof fresh, bytes, sizeof bytes,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(bytes, sizeof bytes);
    }
    char hash[HASH_HEX + 1];
    token_hash(token, hash);
    const char *url = arena_printf(r->arena, "%s/offers/%lld/customer_approvals/%s",
                                   engine_public_base(r), (long long)call->id, token);
    struct column_value set[] = {
        {"active", dbp_int(1)}, {"approval_url", dbp_text(url)}, {"token_hash", dbp_text(hash)}};
    if (engine_set_columns(r, &res_offer_customer_approvals, id, set, 3, false))
        return -1;
    struct column_value link[] = {{"customer_approval_id", dbp_int(id)}};
    return engine_set_columns(r, &res_offers, call->id, link, 1, false);
}

/* POST|PUT /offers/{id}/customer_approval/deactivate: both links answer 404 from now on. */
int offer_approval_deactivate(struct req *r, struct action_call *call)
{
    int64_t id = approval_of(r, call->id);
    if (!id)
        return req_fail(r, 404, NULL, "the offer's customer approval was never activated");
    struct column_value set[] = {{"active", dbp_int(0)}};
    return engine_set_columns(r, &res_offer_customer_approvals, id, set, 1, false);
}

/* ------------------------------------------------------------- the customer's side */

/* The one escaping of every text the pages show (values from the database and the form). */
static void html_add(strbuf *o, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sb_adds(o, "&amp;");
            break;
        case '<':
            sb_adds(o, "&lt;");
            break;
        case '>':
            sb_adds(o, "&gt;");
            break;
        case '"':
            sb_adds(o, "&quot;");
            break;
        case '\'':
            sb_adds(o, "&#39;");
            break;
        default:
            sb_addc(o, *s);
        }
    }
}

static void page_headers(struct req *r)
{
    req_add_header(r, "Content-Type", "text/html; charset=utf-8");
    req_add_header(r, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    req_add_header(r, "X-Frame-Options", "DENY");
    req_add_header(r, "Cache-Control", "no-store");
    req_add_header(r, "X-Content-Type-Options", "nosniff");
    req_add_header(r, "Referrer-Policy", "no-referrer"); /* the token is in the address */
}

static void page_start(struct req *r, int status, const char *title)
{
    page_headers(r);
    r->status = status;
    sb_reset(&r->out);
    sb_adds(&r->out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"robots\" content=\"noindex\"><title>");
    html_add(&r->out, title);
    sb_adds(&r->out,
            "</title><style>body{font-family:sans-serif;max-width:40em;margin:2em auto;"
            "padding:0 1em;color:#222}th{text-align:left;padding-right:1em}label{display:block;"
            "margin:.8em 0}input{display:block;width:100%;max-width:30em;padding:.3em}"
            ".problem{color:#a00}button{margin-top:1em;padding:.5em 1.5em}</style></head><body>");
}

static int page_end(struct req *r)
{
    sb_adds(&r->out, "</body></html>\n");
    return 0;
}

/* The same answer for every link that leads nowhere: it tells nothing more. */
static int not_found_page(struct req *r)
{
    page_start(r, 404, "Not found");
    sb_adds(&r->out, "<h1>Not found</h1><p>This link is not valid (any more).</p>");
    return page_end(r);
}

struct approval {
    int64_t id, offer;
    const char *signed_at, *name, *email;
};

/* The active approval the path names, by the hash of its token, with the account it belongs to
 * (which the request takes on from here); false when there is none. */
static bool find_public(struct req *r, struct approval *a)
{
    const char *token = r->nwords ? r->words[0] : NULL;
    static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if (!token || strlen(token) != TOKEN_LEN || strspn(token, b64url) != TOKEN_LEN)
        return false;
    char hash[HASH_HEX + 1];
    token_hash(token, hash);
    db_param p[1] = {dbp_text(hash)};
    db_stmt *s = db_query(r->db,
                          "SELECT a.id, a.account_id, a.offer_id, a.active, a.signed_at, "
                          "a.customer_full_name, a.customer_email, a.token_hash, c.time_zone "
                          "FROM offer_customer_approvals a JOIN offers o ON o.id = a.offer_id AND "
                          "o.account_id = a.account_id JOIN accounts c ON c.id = a.account_id "
                          "WHERE a.token_hash = ?",
                          p, 1);
    if (!s || db_step(s) != DB_ROW) {
        db_done(s);
        return false;
    }
    const char *stored = db_col_text(s, 7);
    bool same = stored && strlen(stored) == HASH_HEX && sodium_memcmp(stored, hash, HASH_HEX) == 0;
    bool ok = same && db_col_i64(s, 3) != 0 && db_col_i64(s, 2) == r->ids[0];
    if (ok) {
        a->id = db_col_i64(s, 0);
        r->account_id = db_col_i64(s, 1);
        a->offer = db_col_i64(s, 2);
        a->signed_at = db_col_null(s, 4) ? NULL : arena_strdup(r->arena, db_col_text(s, 4));
        a->name = db_col_null(s, 5) ? NULL : arena_strdup(r->arena, db_col_text(s, 5));
        a->email = db_col_null(s, 6) ? NULL : arena_strdup(r->arena, db_col_text(s, 6));
        if (!db_col_null(s, 8))
            r->settings.time_zone = arena_strdup(r->arena, db_col_text(s, 8));
    }
    db_done(s);
    return ok;
}

/* The offer as the page shows it: identifier, title, date, gross total, the PDF's link. */
static void page_offer(struct req *r, const struct approval *a)
{
    const char *identifier = engine_stored_text(r, &res_offers, a->offer, "identifier");
    const char *currency = engine_stored_text(r, &res_offers, a->offer, "currency");
    const char *gross = engine_stored_text(r, &res_offers, a->offer, "gross_total");
    sb_adds(&r->out, "<h1>Offer ");
    html_add(&r->out, identifier);
    sb_adds(&r->out, "</h1><table><tr><th>Title</th><td>");
    html_add(&r->out, engine_stored_text(r, &res_offers, a->offer, "title"));
    sb_adds(&r->out, "</td></tr><tr><th>Date</th><td>");
    html_add(&r->out, engine_stored_text(r, &res_offers, a->offer, "date"));
    sb_adds(&r->out, "</td></tr><tr><th>Total (gross)</th><td>");
    html_add(&r->out, document_amount(r, gross ? gross : "0", 2, currency));
    sb_addf(&r->out, "</td></tr></table><p><a href=\"/offers/%lld/customer_approvals/",
            (long long)a->offer);
    html_add(&r->out, r->words[0]);
    sb_adds(&r->out, "/document.pdf\">The offer as PDF</a></p>");
}

static void page_signed(struct req *r, const char *name, const char *email, const char *at)
{
    sb_adds(&r->out, "<p><strong>Approved</strong> by ");
    html_add(&r->out, name);
    sb_adds(&r->out, " (");
    html_add(&r->out, email);
    sb_adds(&r->out, ") at ");
    html_add(&r->out, at);
    sb_adds(&r->out, ".</p>");
}

static void page_form(struct req *r, const char *name, const char *email, const char *field,
                      const char *problem)
{
    if (field) {
        sb_adds(&r->out, "<p class=\"problem\" id=\"problem\">");
        html_add(&r->out, field);
        sb_adds(&r->out, ": ");
        html_add(&r->out, problem);
        sb_adds(&r->out, "</p>");
    }
    sb_adds(&r->out, "<form method=\"post\"><label>Full name<input name=\"customer_full_name\" "
                     "required maxlength=\"200\" autocomplete=\"name\" value=\"");
    html_add(&r->out, name);
    sb_adds(&r->out, "\"></label><label>Email<input name=\"customer_email\" type=\"email\" "
                     "required maxlength=\"254\" autocomplete=\"email\" value=\"");
    html_add(&r->out, email);
    sb_adds(&r->out, "\"></label><button type=\"submit\">Approve the offer</button></form>");
}

static const char *page_title(struct req *r, const struct approval *a)
{
    const char *identifier = engine_stored_text(r, &res_offers, a->offer, "identifier");
    return arena_printf(r->arena, "Offer %s", identifier ? identifier : "");
}

/* GET (and HEAD) /offers/{id}/customer_approvals/{token} */
static int approval_page(struct req *r)
{
    struct approval a;
    if (!find_public(r, &a))
        return not_found_page(r);
    page_start(r, 200, page_title(r, &a));
    page_offer(r, &a);
    if (a.signed_at)
        page_signed(r, a.name, a.email, a.signed_at);
    else
        page_form(r, NULL, NULL, NULL, NULL);
    return page_end(r);
}

/* GET /offers/{id}/customer_approvals/{token}/document.pdf */
static int approval_document(struct req *r)
{
    struct approval a;
    if (!find_public(r, &a))
        return not_found_page(r);
    if (document_pdf_answer(r, &offer_document_kind, a.offer))
        return -1;
    req_add_header(r, "Cache-Control", "no-store");
    req_add_header(r, "X-Content-Type-Options", "nosniff");
    r->status = 200;
    return 0;
}

/* ---- the form ---- */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* One application/x-www-form-urlencoded part ('+' a blank, %XX a byte); NULL when malformed. */
static char *form_decode(struct req *r, const char *s, size_t n)
{
    char *out = arena_alloc(r->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[k++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return NULL;
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return strlen(out) == k ? out : NULL; /* a NUL byte inside */
}

/* Well-formed UTF-8 without control characters. */
static bool text_valid(const char *s)
{
    json_t *strict =
        json_string(s); /* jansson's check: no surrogates, overlong forms, > U+10FFFF */
    if (!strict)
        return false;
    json_decref(strict);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int extra = c < 0x80             ? 0
                    : (c & 0xE0) == 0xC0 ? 1
                    : (c & 0xF0) == 0xE0 ? 2
                    : (c & 0xF8) == 0xF0 ? 3
                                         : -1;
        if (extra < 0 || (c < 0x80 && (c < 0x20 || c == 0x7F)) || c == 0xC0 || c == 0xC1 ||
            c > 0xF4)
            return false;
        for (int i = 1; i <= extra; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += extra + 1;
    }
    return true;
}

/* The value of key in the form (the first one); "" when absent; NULL when malformed. */
static const char *form_value(struct req *r, const char *key, bool *malformed)
{
    const char *body = r->body_raw ? r->body_raw : "";
    size_t len = r->body_len, klen = strlen(key);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        const char *eq = memchr(body + i, '=', end - i);
        size_t name_len = eq ? (size_t)(eq - (body + i)) : end - i;
        if (name_len == klen && !memcmp(body + i, key, klen)) {
            const char *v = eq ? form_decode(r, eq + 1, (size_t)(body + end - eq - 1)) : "";
            if (!v || !text_valid(v)) {
                *malformed = true;
                return NULL;
            }
            return v;
        }
        i = end + 1;
    }
    return "";
}

static const char *trimmed(struct req *r, const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    return arena_strndup(r->arena, s, n);
}

struct signing {
    int64_t approval, offer;
    const char *name, *email, *now;
    bool already;
};

/* Inside the write: signs once (a second signature changes nothing) and moves a created or
 * sent offer to accepted, with the offer's update event. */
static int sign_step(struct req *r, void *ctx)
{
    struct signing *g = ctx;
    db_param p[2] = {dbp_int(g->approval), dbp_int(r->account_id)};
    db_stmt *s = db_query(r->db,
                          "SELECT active, signed_at FROM offer_customer_approvals WHERE id = ? AND "
                          "account_id = ?",
                          p, 2);
    if (!s)
        return req_fail(r, 500, NULL, "database error");
    bool found = db_step(s) == DB_ROW;
    bool active = found && db_col_i64(s, 0) != 0;
    g->already = found && !db_col_null(s, 1);
    db_done(s);
    if (!active)
        return req_fail(r, 404, NULL, "not found");
    if (g->already)
        return 0;
    struct column_value set[] = {{"customer_full_name", dbp_text(g->name)},
                                 {"customer_email", dbp_text(g->email)},
                                 {"signed_at", dbp_text(g->now)}};
    if (engine_set_columns(r, &res_offer_customer_approvals, g->approval, set, 3, false))
        return -1;
    const char *status = engine_stored_text(r, &res_offers, g->offer, "status");
    if (!status || (strcmp(status, "created") != 0 && strcmp(status, "sent") != 0))
        return 0; /* accepted already, or billed or archived since: left as it is */
    struct column_value accepted[] = {{"status", dbp_text("accepted")}};
    return engine_set_columns(r, &res_offers, g->offer, accepted, 1, true);
}

static int form_problem(struct req *r, const struct approval *a, const char *name,
                        const char *email, const char *field, const char *problem)
{
    page_start(r, 422, page_title(r, a));
    page_offer(r, a);
    page_form(r, name, email, field, problem);
    return page_end(r);
}

/* POST /offers/{id}/customer_approvals/{token}: full name and email, both required. */
static int approval_sign(struct req *r)
{
    struct approval a;
    if (!find_public(r, &a))
        return not_found_page(r);
    if (a.signed_at) {
        page_start(r, 409, page_title(r, &a));
        page_offer(r, &a);
        sb_adds(&r->out, "<p>This offer has already been approved.</p>");
        page_signed(r, a.name, a.email, a.signed_at);
        return page_end(r);
    }
    const char *ct = r->content_type ? r->content_type : "";
    size_t ctn = strcspn(ct, "; ");
    if (ctn != 33 || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        page_start(r, 415, "Unsupported form");
        sb_adds(&r->out, "<p>Send the form as application/x-www-form-urlencoded.</p>");
        return page_end(r);
    }
    bool bad_name = false, bad_email = false;
    const char *name = form_value(r, "customer_full_name", &bad_name);
    const char *email = form_value(r, "customer_email", &bad_email);
    name = name ? trimmed(r, name) : "";
    email = email ? trimmed(r, email) : "";
    if (bad_name)
        return form_problem(r, &a, "", email, "customer_full_name", "is not valid text");
    if (!*name)
        return form_problem(r, &a, name, email, "customer_full_name", "can't be blank");
    if (strlen(name) > NAME_MAX_BYTES)
        return form_problem(r, &a, name, email, "customer_full_name",
                            "is too long (at most 200 bytes)");
    if (bad_email)
        return form_problem(r, &a, name, "", "customer_email", "is not valid text");
    if (!*email)
        return form_problem(r, &a, name, email, "customer_email", "can't be blank");
    if (strlen(email) > EMAIL_MAX_BYTES)
        return form_problem(r, &a, name, email, "customer_email",
                            "is too long (at most 254 bytes)");
    if (check_email(email))
        return form_problem(r, &a, name, email, "customer_email", check_email(email));
    char now[TIMESTAMP_LEN + 1];
    time_now_iso(now);
    struct signing g = {a.id, a.offer, name, email, arena_strdup(r->arena, now), false};
    if (engine_write(r, sign_step, &g))
        return -1;
    if (g.already) { /* signed by someone else in the meantime */
        page_start(r, 409, page_title(r, &a));
        page_offer(r, &a);
        sb_adds(&r->out, "<p>This offer has already been approved.</p>");
        return page_end(r);
    }
    page_start(r, 200, page_title(r, &a));
    page_offer(r, &a);
    sb_adds(&r->out, "<p>Thank you: the offer is approved.</p>");
    page_signed(r, name, email, g.now);
    return page_end(r);
}

const struct route_decl offer_approval_routes[] = {
    {"GET", "offers/{id}/customer_approval", get_approval, 0, AREA_SALES},
    {"GET", "offers/{id}/customer_approvals/{w}", approval_page, ROUTE_ROOT, AREA_PUBLIC},
    {"POST", "offers/{id}/customer_approvals/{w}", approval_sign, ROUTE_ROOT, AREA_PUBLIC},
    {"GET", "offers/{id}/customer_approvals/{w}/document.pdf", approval_document, ROUTE_ROOT,
     AREA_PUBLIC},
    {0},
};
