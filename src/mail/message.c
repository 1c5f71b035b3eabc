/* Checking a mail and building its message once: RFC 5322 headers (folded, non-ASCII words as
 * RFC 2047 encoded words), a text/plain UTF-8 body and base64 attachments (multipart/mixed). */
#include "mail/mail.h"

#include "engine/engine.h"
#include "util/secret.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct mail_config cfg;

void mail_configure(const struct mail_config *c)
{
    cfg = *c;
}

const char *mail_default_from(void)
{
    return cfg.from && *cfg.from ? cfg.from : "mocod <mocod@localhost>";
}

const struct mail_config *mail_config_get(void)
{
    return &cfg;
}

/* ---------------------------------------------------------------- addresses */

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        int extra = c < 0x80             ? 0
                    : (c & 0xe0) == 0xc0 ? 1
                    : (c & 0xf0) == 0xe0 ? 2
                    : (c & 0xf8) == 0xf0 ? 3
                                         : -1;
        if (extra < 0 || (extra == 1 && c < 0xc2) || (size_t)(e - p) <= (size_t)extra)
            return false;
        for (int k = 1; k <= extra; k++)
            if ((p[k] & 0xc0) != 0x80)
                return false;
        p += extra + 1;
    }
    return true;
}

/* The bare address of addr-spec text: ASCII, local@domain, no blanks or specials. */
static bool addr_spec_valid(const char *a, size_t n)
{
    if (n < 3 || n > 254)
        return false;
    const char *at = memchr(a, '@', n);
    if (!at || at == a || at == a + n - 1 || memchr(at + 1, '@', (size_t)(a + n - at - 1)))
        return false;
    if (at - a > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return false;
    }
    const char *dom = at + 1;
    size_t dl = (size_t)(a + n - dom);
    if (dom[0] == '.' || dom[dl - 1] == '.' || a[0] == '.' || at[-1] == '.')
        return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (a[i] == '.' && a[i + 1] == '.')
            return false;
    return true;
}

struct addr {
    const char *name; /* display name (may be empty), trimmed */
    size_t name_len;
    const char *spec; /* bare address */
    size_t spec_len;
};

static const char *split_address(const char *s, struct addr *out)
{
    if (!s || !*s)
        return "must not be empty";
    size_t n = strlen(s);
    if (n > 998)
        return "is too long";
    if (strpbrk(s, "\r\n") || !utf8_valid(s, n))
        return "is not a valid mail address";
    const char *lt = strchr(s, '<');
    memset(out, 0, sizeof(*out));
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1] != '\0' || strchr(lt + 1, '<'))
            return "is not a valid mail address (\"Name <a@example.com>\" or \"a@example.com\")";
        const char *b = s, *e = lt;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e - b >= 2 && *b == '"' && e[-1] == '"') { /* a quoted name: "Doe, Jane" */
            b++;
            e--;
        }
        for (const char *p = b; p < e; p++)
            if (*p == '"' || *p == '\\' || *p == '<' || *p == '>')
                return "is not a valid mail address (the name has a quote, backslash or bracket)";
        out->name = b;
        out->name_len = (size_t)(e - b);
        out->spec = lt + 1;
        out->spec_len = (size_t)(gt - lt - 1);
    } else {
        const char *b = s, *e = s + n;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        out->spec = b;
        out->spec_len = (size_t)(e - b);
    }
    if (!addr_spec_valid(out->spec, out->spec_len))
        return "is not a valid mail address (\"Name <a@example.com>\" or \"a@example.com\")";
    return NULL;
}

const char *mail_address_problem(const char *s)
{
    struct addr a;
    return split_address(s, &a);
}

/* ---------------------------------------------------------------- encodings */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 of data; wrap > 0: CRLF after every `wrap` characters (and at the end). */
static void add_base64(strbuf *o, const unsigned char *d, size_t n, int wrap)
{
    int col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        sb_add(o, q, 4);
        col += 4;
        if (wrap && col >= wrap) {
            sb_add(o, "\r\n", 2);
            col = 0;
        }
    }
    if (wrap && col)
        sb_add(o, "\r\n", 2);
}

static bool ascii_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* Appends text as header words: as it is when it is printable ASCII, else as RFC 2047 encoded
 * words (=?UTF-8?B?...?=) of at most 75 characters, split between UTF-8 characters and folded.
 * *col is the line's length so far. */
static void add_header_text(strbuf *o, const char *s, size_t n, size_t *col)
{
    /* as it is: printable ASCII whose words fit on a line, and which does not look like an
     * encoded word itself */
    size_t longest = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = s[i] == ' ' ? 0 : run + 1;
        if (run > longest)
            longest = run;
    }
    bool plain = ascii_printable(s, n) && longest <= 60;
    for (size_t i = 0; plain && i + 1 < n; i++)
        plain = !(s[i] == '=' && s[i + 1] == '?');
    if (plain) {
        /* fold at blanks beyond 76 columns */
        size_t i = 0;
        while (i < n) {
            size_t w = i;
            while (w < n && s[w] != ' ')
                w++;
            if (*col + (w - i) > 76 && *col > 1 && i > 0) {
                sb_add(o, "\r\n", 2);
                *col = 0;
            }
            sb_add(o, s + i, w - i);
            *col += w - i;
            if (w < n) {
                sb_addc(o, ' ');
                (*col)++;
                w++;
            }
            i = w;
        }
        return;
    }
    size_t i = 0;
    bool first = true;
    while (i < n) {
        /* a word of =?UTF-8?B? (10), base64 and ?= (2) that ends by column 76; words are apart
         * (folded) since adjacent encoded words need white space between them */
        size_t room = *col + 12 + 4 <= 76 ? (76 - *col - 12) / 4 * 3 : 0;
        if (!first || room < 3) {
            sb_add(o, "\r\n ", 3);
            *col = 1;
            room = (76 - 1 - 12) / 4 * 3;
        }
        first = false;
        size_t take = n - i < room ? n - i : room;
        while (take < n - i && take > 0 && ((unsigned char)s[i + take] & 0xc0) == 0x80)
            take--;
        if (take == 0)
            continue; /* not even one character fits here: on the next line */
        sb_adds(o, "=?UTF-8?B?");
        add_base64(o, (const unsigned char *)s + i, take, 0);
        sb_adds(o, "?=");
        *col += 12 + (take + 2) / 3 * 4;
        i += take;
    }
}

/* "Name <a@b>" rendered for a header: the name quoted or encoded. */
static void add_address(strbuf *o, const struct addr *a, size_t *col)
{
    if (a->name_len) {
        bool plain = ascii_printable(a->name, a->name_len);
        bool special = false;
        for (size_t i = 0; plain && i < a->name_len; i++)
            special = special || strchr("()<>[]:;@\\,.\"", a->name[i]);
        if (plain && special) {
            sb_addc(o, '"');
            sb_add(o, a->name, a->name_len);
            sb_addc(o, '"');
            *col += a->name_len + 2;
        } else {
            add_header_text(o, a->name, a->name_len, col);
        }
        sb_addc(o, ' ');
        (*col)++;
    }
    if (*col + a->spec_len + 2 > 78 && *col > 1) {
        sb_add(o, "\r\n ", 3);
        *col = 1;
    }
    sb_addc(o, '<');
    sb_add(o, a->spec, a->spec_len);
    sb_addc(o, '>');
    *col += a->spec_len + 2;
}

/* ---------------------------------------------------------------- building */

struct list_in {
    const char *field;
    const char *const *items;
    int n;
    struct addr *parsed;
};

static int check_list(struct req *r, struct list_in *l)
{
    if (l->n < 0 || (l->n > 0 && !l->items)) {
        req_field_error(r, l->field, "is not a list of mail addresses");
        return -1;
    }
    l->parsed = arena_calloc(r->arena, (size_t)l->n + 1, sizeof(struct addr));
    int bad = 0;
    for (int i = 0; i < l->n; i++) {
        const char *problem = split_address(l->items[i], &l->parsed[i]);
        if (problem) {
            req_field_error(r, l->field, "%s %s", l->items[i] ? l->items[i] : "(null)", problem);
            bad = -1;
        }
    }
    return bad;
}

static const char *json_list(struct req *r, const char *const *items, int n)
{
    strbuf o;
    sb_init(&o, r->arena, 64);
    sb_addc(&o, '[');
    for (int i = 0; i < n; i++) {
        if (i)
            sb_addc(&o, ',');
        sb_add_json_str(&o, items[i], strlen(items[i]));
    }
    sb_addc(&o, ']');
    return o.buf;
}

static void add_address_header(strbuf *o, const char *name, const struct list_in *l)
{
    if (l->n == 0)
        return;
    sb_adds(o, name);
    sb_add(o, ": ", 2);
    size_t col = strlen(name) + 2;
    for (int i = 0; i < l->n; i++) {
        if (i) {
            sb_addc(o, ',');
            col++;
            sb_add(o, "\r\n ", 3);
            col = 1;
        }
        add_address(o, &l->parsed[i], &col);
    }
    sb_add(o, "\r\n", 2);
}

/* The body as CRLF lines of base64 (any text and line length is safe that way). */
static void add_text_part_body(strbuf *o, const char *body)
{
    strbuf crlf;
    sb_init(&crlf, NULL, strlen(body) + 64);
    for (const char *p = body; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        if (*p == '\n' || *p == '\r')
            sb_add(&crlf, "\r\n", 2);
        else
            sb_addc(&crlf, *p);
    }
    add_base64(o, (const unsigned char *)(crlf.buf ? crlf.buf : ""), crlf.len, 76);
    sb_release(&crlf);
}

static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&^_.+-", c);
}

static bool content_type_valid(const char *t)
{
    const char *slash = strchr(t, '/');
    if (!slash || slash == t || !slash[1] || strlen(t) > 127)
        return false;
    for (const char *p = t; *p; p++)
        if (p != slash && !token_char(*p))
            return false;
    return true;
}

/* filename="x" for ASCII names, filename*=UTF-8''%.. (RFC 2231) for others. */
static void add_filename_param(strbuf *o, const char *param, const char *name)
{
    size_t n = strlen(name);
    if (ascii_printable(name, n)) {
        sb_addf(o, "; %s=\"", param);
        for (size_t i = 0; i < n; i++) {
            if (name[i] == '"' || name[i] == '\\')
                sb_addc(o, '\\');
            sb_addc(o, name[i]);
        }
        sb_addc(o, '"');
        return;
    }
    sb_addf(o, ";\r\n %s*=UTF-8''", param);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (token_char((char)c) && c != '%')
            sb_addc(o, (char)c);
        else
            sb_addf(o, "%%%02X", c);
    }
}

static void add_date(strbuf *o)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(time_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sb_addf(o, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
            months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int mail_build(struct req *r, const struct mail *m, struct mail_built *out)
{
    memset(out, 0, sizeof(*out));
    int bad = 0;
    const char *from = m->from && *m->from ? m->from : mail_default_from();
    struct addr fa;
    const char *problem = split_address(from, &fa);
    if (problem) {
        req_field_error(r, "from", "%s", problem);
        bad = -1;
    }
    const char *keys[3] = {"to", "cc", "bcc"};
    for (int i = 0; i < 3; i++)
        if (m->recipient_keys[i])
            keys[i] = m->recipient_keys[i];
    struct list_in to = {keys[0], m->to, m->nto}, cc = {keys[1], m->cc, m->ncc},
                   bcc = {keys[2], m->bcc, m->nbcc};
    if (m->nto <= 0) {
        req_field_error(r, keys[0], "needs at least one mail address");
        bad = -1;
    }
    if (check_list(r, &to) | check_list(r, &cc) | check_list(r, &bcc))
        bad = -1;
    if ((long)m->nto + m->ncc + m->nbcc > MAIL_MAX_RECIPIENTS) {
        req_field_error(r, keys[0], "a mail has at most %d recipients (to, cc and bcc)",
                        MAIL_MAX_RECIPIENTS);
        bad = -1;
    }
    const char *subject = m->subject ? m->subject : "";
    size_t sl = strlen(subject);
    if (sl > 998 || strpbrk(subject, "\r\n") || !utf8_valid(subject, sl)) {
        req_field_error(r, "subject", "must be one line of UTF-8 text, at most 998 bytes");
        bad = -1;
    }
    const char *body = m->body ? m->body : "";
    if (strlen(body) > MAIL_MAX_BODY || !utf8_valid(body, strlen(body))) {
        req_field_error(r, "body", "must be UTF-8 text of at most %d bytes", MAIL_MAX_BODY);
        bad = -1;
    }
    size_t total = 0;
    if (m->nattachments < 0 || m->nattachments > MAIL_MAX_ATTACHMENTS ||
        (m->nattachments && !m->attachments)) {
        req_field_error(r, "attachments", "a mail has at most %d attachments",
                        MAIL_MAX_ATTACHMENTS);
        bad = -1;
    }
    for (int i = 0; bad == 0 && i < m->nattachments; i++) {
        const struct mail_attachment *a = &m->attachments[i];
        const char *fn = a->filename;
        if (!fn || !*fn || strlen(fn) > 255 || strpbrk(fn, "\r\n/\\") ||
            !utf8_valid(fn, strlen(fn))) {
            req_field_error(r, "attachments", "attachment %d needs a file name without slashes",
                            i + 1);
            bad = -1;
        }
        if (a->content_type && !content_type_valid(a->content_type)) {
            req_field_error(r, "attachments", "attachment %d: %s is not a content type", i + 1,
                            a->content_type);
            bad = -1;
        }
        if (a->len && !a->data) {
            req_field_error(r, "attachments", "attachment %d has no content", i + 1);
            bad = -1;
        }
        total += a->len;
    }
    if (total > MAIL_MAX_BYTES) {
        req_field_error(r, "attachments", "the attachments of a mail have at most %d bytes",
                        MAIL_MAX_BYTES);
        bad = -1;
    }
    if (bad)
        return -1;

    /* the columns */
    out->from = arena_strdup(r->arena, from);
    out->to_json = json_list(r, m->to, m->nto);
    out->cc_json = json_list(r, m->cc, m->ncc);
    out->bcc_json = json_list(r, m->bcc, m->nbcc);
    out->envelope_from = arena_strndup(r->arena, fa.spec, fa.spec_len);
    strbuf rc;
    sb_init(&rc, r->arena, 128);
    sb_addc(&rc, '[');
    const struct list_in *lists[3] = {&to, &cc, &bcc};
    bool any = false;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < lists[k]->n; i++) {
            if (any)
                sb_addc(&rc, ',');
            sb_add_json_str(&rc, lists[k]->parsed[i].spec, lists[k]->parsed[i].spec_len);
            any = true;
        }
    sb_addc(&rc, ']');
    out->envelope_rcpt = rc.buf;
    strbuf aj;
    sb_init(&aj, r->arena, 64);
    sb_addc(&aj, '[');
    for (int i = 0; i < m->nattachments; i++) {
        const struct mail_attachment *a = &m->attachments[i];
        const char *ct = a->content_type ? a->content_type : "application/octet-stream";
        sb_adds(&aj, i ? ",{\"filename\":" : "{\"filename\":");
        sb_add_json_str(&aj, a->filename, strlen(a->filename));
        sb_adds(&aj, ",\"content_type\":");
        sb_add_json_str(&aj, ct, strlen(ct));
        sb_addf(&aj, ",\"size\":%zu}", a->len);
    }
    sb_addc(&aj, ']');
    out->attachments_json = aj.buf;
    char rnd[33];
    random_hex(rnd, 16);
    const char *domain = memchr(fa.spec, '@', fa.spec_len) + 1;
    out->message_id =
        arena_printf(r->arena, "<%s@%.*s>", rnd, (int)(fa.spec + fa.spec_len - domain), domain);

    /* the message */
    strbuf o;
    sb_init(&o, r->arena, 1024 + total * 4 / 3 + total / 38 + strlen(body) * 2);
    add_date(&o);
    struct list_in fl = {"from", &from, 1, &fa};
    add_address_header(&o, "From", &fl);
    add_address_header(&o, "To", &to);
    add_address_header(&o, "Cc", &cc);
    sb_adds(&o, "Subject: ");
    size_t col = 9;
    add_header_text(&o, subject, sl, &col);
    sb_add(&o, "\r\n", 2);
    sb_addf(&o, "Message-ID: %s\r\n", out->message_id);
    sb_adds(&o, "MIME-Version: 1.0\r\n");
    char boundary[40];
    if (m->nattachments) {
        char b[25];
        random_hex(b, 12);
        snprintf(boundary, sizeof(boundary), "=_mocod_%s", b);
        sb_addf(&o, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
        sb_adds(&o, "This is a message in MIME format.\r\n");
        sb_addf(&o, "\r\n--%s\r\n", boundary);
    }
    sb_adds(&o, "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n");
    add_text_part_body(&o, body);
    for (int i = 0; i < m->nattachments; i++) {
        const struct mail_attachment *a = &m->attachments[i];
        sb_addf(&o, "\r\n--%s\r\n", boundary);
        sb_addf(&o, "Content-Type: %s",
                a->content_type ? a->content_type : "application/octet-stream");
        add_filename_param(&o, "name", a->filename);
        sb_adds(&o, "\r\nContent-Disposition: attachment");
        add_filename_param(&o, "filename", a->filename);
        sb_adds(&o, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        add_base64(&o, a->data, a->len, 76);
    }
    if (m->nattachments)
        sb_addf(&o, "\r\n--%s--\r\n", boundary);
    out->message = o.buf;
    return 0;
}
