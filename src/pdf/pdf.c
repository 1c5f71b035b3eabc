/*
 * PDF rendering with cairo + pango (see pdf.h for why and for the layout). The document is laid
 * out twice with the same measurements: a first pass without a cairo context only counts the
 * pages (for "Seite N von M"), the second draws. Attachments are added afterwards by an
 * incremental update of the PDF that cairo wrote (pdf_embed.c): cairo cannot embed files.
 */
#include "pdf/pdf.h"
#include "pdf/pdf_internal.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define MM(x)    ((x)*72.0 / 25.4)
#define PAGE_W   MM(210.0) /* A4: 595.276 x 841.89 pt */
#define PAGE_H   MM(297.0)
#define MARGIN_L MM(25.0)
#define MARGIN_R MM(20.0)
#define MARGIN_T MM(12.0)
#define MARGIN_B MM(12.0)
#define BODY_W   (PAGE_W - MARGIN_L - MARGIN_R)

/* The table's columns: x offsets from MARGIN_L and widths; the description takes the rest. */
#define COL_GAP   6.0
#define COL_TOT_W 78.0
#define COL_PRI_W 72.0
#define COL_UNI_W 52.0
#define COL_QTY_W 44.0
#define COL_TOT_X (BODY_W - COL_TOT_W)
#define COL_PRI_X (COL_TOT_X - COL_GAP - COL_PRI_W)
#define COL_UNI_X (COL_PRI_X - COL_GAP - COL_UNI_W)
#define COL_QTY_X (COL_UNI_X - COL_GAP - COL_QTY_W)
#define COL_DSC_W (COL_QTY_X - COL_GAP)

#define FONT "DejaVu Sans, sans"

struct labels {
    const char *number, *date, *due, *period;
    const char *h_desc, *h_qty, *h_unit, *h_price, *h_total;
    const char *page_fmt; /* two %d: page, pages */
};

static const struct labels labels_de = {
    "Nummer",  "Datum",       "Fällig am", "Leistungszeitraum", "Beschreibung", "Menge",
    "Einheit", "Einzelpreis", "Gesamt",    "Seite %d von %d",
};
static const struct labels labels_en = {
    "Number",   "Date", "Due date",   "Service period", "Description",
    "Quantity", "Unit", "Unit price", "Total",          "Page %d of %d",
};

struct fonts {
    PangoFontDescription *small, *tiny, *body, *bold, *table, *table_bold, *desc, *heading, *title;
};

struct ctx {
    const struct pdf_doc *doc;
    const struct labels *lb;
    PangoContext *pc;
    struct fonts f;
    cairo_t *cr; /* NULL: the counting pass */
    int page, npages;
    double y, body_top, body_bottom;
    bool in_table, need_header;
};

/* ------------------------------------------------------------------ init */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

static void init_fonts(void)
{
    /* fontconfig is thread-safe after initialisation; the lazy first FcInit from several threads
     * at once is what must not happen. Loading the configuration here also builds its cache. */
    if (!FcInit())
        return;
    FcConfig *cfg = FcConfigGetCurrent();
    init_rc = cfg ? 0 : -1;
}

int pdf_init(void)
{
    pthread_once(&init_once, init_fonts);
    return init_rc;
}

void pdf_shutdown(void)
{
    if (init_rc != 0)
        return;
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
    init_rc = -1;
}

/* ------------------------------------------------------------------ text */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* A layout of s (repaired if not UTF-8) in font fd, wrapped at width w (<= 0: no wrapping). */
/* s as text cairo takes (g_free it): valid UTF-8, and U+FFFD for the code points that are no
 * characters (U+FDD0..U+FDEF, U+nFFFE, U+nFFFF) and for controls but tab and line feed. */
static gchar *clean_text(const char *s)
{
    gchar *v = g_utf8_make_valid(s, -1);
    GString *o = g_string_sized_new(strlen(v) + 1);
    for (const gchar *p = v; *p; p = g_utf8_next_char(p)) {
        gunichar u = g_utf8_get_char(p);
        bool bad = (u >= 0xFDD0 && u <= 0xFDEF) || (u & 0xFFFE) == 0xFFFE ||
                   (u < 0x20 && u != '\n' && u != '\t') || (u >= 0x7F && u < 0xA0);
        g_string_append_unichar(o, bad ? 0xFFFD : u);
    }
    g_free(v);
    return g_string_free(o, FALSE);
}

static PangoLayout *layout(struct ctx *c, const char *s, const PangoFontDescription *fd, double w,
                           PangoAlignment align)
{
    PangoLayout *l = pango_layout_new(c->pc);
    pango_layout_set_font_description(l, fd);
    if (w > 0) {
        pango_layout_set_width(l, (int)(w * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    gchar *v = clean_text(nz(s));
    pango_layout_set_text(l, v, -1);
    g_free(v);
    return l;
}

static double height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double text_height(struct ctx *c, const char *s, const PangoFontDescription *fd, double w)
{
    PangoLayout *l = layout(c, s, fd, w, PANGO_ALIGN_LEFT);
    double h = height(l);
    g_object_unref(l);
    return h;
}

static void show(struct ctx *c, PangoLayout *l, double x, double y, double grey)
{
    if (!c->cr)
        return;
    cairo_set_source_rgb(c->cr, grey, grey, grey);
    cairo_move_to(c->cr, x, y);
    pango_cairo_show_layout(c->cr, l);
}

/* Lays out and draws s at (x, y); returns its height. */
static double text(struct ctx *c, double x, double y, double w, const char *s,
                   const PangoFontDescription *fd, PangoAlignment align, double grey)
{
    PangoLayout *l = layout(c, s, fd, w, align);
    double h = height(l);
    show(c, l, x, y, grey);
    g_object_unref(l);
    return h;
}

static void rule(struct ctx *c, double x0, double x1, double y, double width)
{
    if (!c->cr)
        return;
    cairo_set_source_rgb(c->cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(c->cr, width);
    cairo_move_to(c->cr, x0, y);
    cairo_line_to(c->cr, x1, y);
    cairo_stroke(c->cr);
}

/* ------------------------------------------------------------------ pages */

static double table_header_height(struct ctx *c)
{
    return text_height(c, c->lb->h_desc, c->f.table_bold, COL_DSC_W) + 6.0;
}

static void table_header(struct ctx *c)
{
    const struct labels *lb = c->lb;
    double y = c->y, h = 0, t;
    t = text(c, MARGIN_L, y, COL_DSC_W, lb->h_desc, c->f.table_bold, PANGO_ALIGN_LEFT, 0);
    h = t > h ? t : h;
    t = text(c, MARGIN_L + COL_QTY_X, y, COL_QTY_W, lb->h_qty, c->f.table_bold, PANGO_ALIGN_RIGHT,
             0);
    h = t > h ? t : h;
    t = text(c, MARGIN_L + COL_UNI_X, y, COL_UNI_W, lb->h_unit, c->f.table_bold, PANGO_ALIGN_LEFT,
             0);
    h = t > h ? t : h;
    t = text(c, MARGIN_L + COL_PRI_X, y, COL_PRI_W, lb->h_price, c->f.table_bold, PANGO_ALIGN_RIGHT,
             0);
    h = t > h ? t : h;
    t = text(c, MARGIN_L + COL_TOT_X, y, COL_TOT_W, lb->h_total, c->f.table_bold, PANGO_ALIGN_RIGHT,
             0);
    h = t > h ? t : h;
    rule(c, MARGIN_L, MARGIN_L + BODY_W, y + h + 2.0, 0.8);
    c->y = y + h + 6.0;
    c->need_header = false;
}

/* Draws the letter paper and the page number of the current page; sets body_top/body_bottom. */
static void page_frame(struct ctx *c)
{
    const struct pdf_doc *d = c->doc;
    double top = MARGIN_T, bottom = PAGE_H - MARGIN_B;
    if (d->letter_paper_header && *d->letter_paper_header)
        top += text(c, MARGIN_L, MARGIN_T, BODY_W, d->letter_paper_header, c->f.small,
                    PANGO_ALIGN_CENTER, 0.35) +
               MM(6);
    else
        top += MM(4);
    if (d->letter_paper_footer && *d->letter_paper_footer) {
        PangoLayout *l = layout(c, d->letter_paper_footer, c->f.tiny, BODY_W, PANGO_ALIGN_CENTER);
        double h = height(l);
        bottom -= h;
        show(c, l, MARGIN_L, bottom, 0.35);
        g_object_unref(l);
        rule(c, MARGIN_L, MARGIN_L + BODY_W, bottom - 3.0, 0.3);
        bottom -= 6.0;
    }
    char num[96];
    snprintf(num, sizeof(num), c->lb->page_fmt, c->page, c->npages > 0 ? c->npages : c->page);
    PangoLayout *l = layout(c, num, c->f.small, BODY_W, PANGO_ALIGN_RIGHT);
    double h = height(l);
    bottom -= h;
    show(c, l, MARGIN_L, bottom, 0.2);
    g_object_unref(l);
    c->body_top = top;
    c->body_bottom = bottom - MM(5);
    c->y = top;
}

static void new_page(struct ctx *c)
{
    if (c->cr)
        cairo_show_page(c->cr);
    c->page++;
    page_frame(c);
    if (c->in_table)
        c->need_header = true;
}

/* Makes room for a block of height h (a table row when row: the header goes first where it is
 * due): a new page when it does not fit on this one. */
static void room(struct ctx *c, double h, bool row)
{
    double need = h + (row && c->need_header ? table_header_height(c) : 0);
    if (c->y + need > c->body_bottom && c->y > c->body_top + 0.5)
        new_page(c);
    if (row && c->need_header)
        table_header(c);
}

/* The height a block may have to be kept on one page (below a table header for a row). */
static double page_room(struct ctx *c, bool row)
{
    return c->body_bottom - c->body_top - (row ? table_header_height(c) : 0);
}

/* Draws l at (x, c->y) line by line, going on on a new page (after the table header for a row)
 * where a line would cross the bottom: text taller than a page is never cut off. */
static void flow(struct ctx *c, PangoLayout *l, double x, double grey, bool row)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double base = c->y, shift = 0; /* the layout's y `shift` is at page y `base` */
    do {
        int y0, y1;
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        double ly0 = (double)y0 / PANGO_SCALE, ly1 = (double)y1 / PANGO_SCALE;
        if (base + ly1 - shift > c->body_bottom && base + ly0 - shift > c->body_top + 0.5) {
            new_page(c);
            if (row && c->need_header)
                table_header(c);
            base = c->y;
            shift = ly0;
        }
        if (c->cr) {
            PangoRectangle logical;
            pango_layout_iter_get_line_extents(it, NULL, &logical);
            double bl = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
            cairo_set_source_rgb(c->cr, grey, grey, grey);
            cairo_move_to(c->cr, x + (double)logical.x / PANGO_SCALE, base + bl - shift);
            pango_cairo_show_layout_line(c->cr, pango_layout_iter_get_line_readonly(it));
        }
        c->y = base + ly1 - shift;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
}

/* A block of text: kept on one page when it fits on one, else flowing over pages. */
static void block(struct ctx *c, PangoLayout *l, double x, double grey, bool row)
{
    double h = height(l);
    if (h <= page_room(c, row)) {
        room(c, h, row);
        show(c, l, x, c->y, grey);
        c->y += h;
        return;
    }
    if (row && c->need_header)
        room(c, 0, true);
    flow(c, l, x, grey, row);
}

/* Paragraphs ("\n"-separated) of s over the whole body width, each kept on one page if it fits. */
static void paragraphs(struct ctx *c, const char *s, const PangoFontDescription *fd)
{
    if (!s || !*s)
        return;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        gchar *para = g_strndup(p, n);
        PangoLayout *l = layout(c, n ? para : " ", fd, BODY_W, PANGO_ALIGN_LEFT);
        block(c, l, MARGIN_L, 0, false);
        g_object_unref(l);
        g_free(para);
        if (!e)
            break;
        p = e + 1;
    }
}

/* ------------------------------------------------------------------ first page */

static void letterhead(struct ctx *c)
{
    const struct pdf_doc *d = c->doc;
    const struct labels *lb = c->lb;
    double right_x = MARGIN_L + BODY_W * 0.60, right_w = BODY_W * 0.40;
    double ry = c->y;
    if (d->sender_address && *d->sender_address)
        ry += text(c, right_x, ry, right_w, d->sender_address, c->f.small, PANGO_ALIGN_LEFT, 0.2) +
              MM(6);

    /* The address field: DIN 5008 form B, 45 mm from the top edge, 85 mm wide, a return line
     * with the sender on one line above the recipient. */
    double ay = MM(45);
    if (ay < c->y)
        ay = c->y;
    double addr_w = MM(85);
    if (d->sender_address && *d->sender_address) {
        gchar **parts = g_strsplit(d->sender_address, "\n", -1);
        gchar *one = g_strjoinv(" \xc2\xb7 ", parts); /* " · " */
        PangoLayout *l = layout(c, one, c->f.tiny, addr_w, PANGO_ALIGN_LEFT);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        double h = height(l);
        show(c, l, MARGIN_L, ay, 0.35);
        g_object_unref(l);
        g_free(one);
        g_strfreev(parts);
        rule(c, MARGIN_L, MARGIN_L + addr_w, ay + h + 1.0, 0.3);
        ay += h + MM(3);
    }
    ay += text(c, MARGIN_L, ay, addr_w, d->recipient_address, c->f.body, PANGO_ALIGN_LEFT, 0);

    /* The document's data, right of the address field. */
    const char *keys[4] = {lb->number, lb->date, lb->due, lb->period};
    const char *vals[4] = {d->identifier, d->date, d->due_date, d->service_period};
    if (ry < MM(45))
        ry = MM(45);
    for (int i = 0; i < 4; i++) {
        if (!vals[i] || !*vals[i])
            continue;
        double h1 =
            text(c, right_x, ry, right_w * 0.45, keys[i], c->f.small, PANGO_ALIGN_LEFT, 0.35);
        double h2 = text(c, right_x + right_w * 0.45, ry, right_w * 0.55, vals[i], c->f.small,
                         PANGO_ALIGN_LEFT, 0);
        ry += (h1 > h2 ? h1 : h2) + 1.5;
    }
    c->y = (ay > ry ? ay : ry) + MM(12);

    if (d->title && *d->title)
        c->y += text(c, MARGIN_L, c->y, BODY_W, d->title, c->f.title, PANGO_ALIGN_LEFT, 0) + MM(4);
    paragraphs(c, d->salutation, c->f.body);
    c->y += MM(6);
}

/* ------------------------------------------------------------------ items */

static bool is(const char *kind, const char *want)
{
    return kind && !strcmp(kind, want);
}

static void item_row(struct ctx *c, const struct pdf_line *ln)
{
    PangoLayout *t = layout(c, ln->title, c->f.table, COL_DSC_W, PANGO_ALIGN_LEFT);
    PangoLayout *ds = ln->description && *ln->description
                          ? layout(c, ln->description, c->f.desc, COL_DSC_W, PANGO_ALIGN_LEFT)
                          : NULL;
    PangoLayout *q = layout(c, ln->quantity, c->f.table, COL_QTY_W, PANGO_ALIGN_RIGHT);
    PangoLayout *u = layout(c, ln->unit, c->f.table, COL_UNI_W, PANGO_ALIGN_LEFT);
    PangoLayout *p = layout(c, ln->unit_price, c->f.table, COL_PRI_W, PANGO_ALIGN_RIGHT);
    PangoLayout *n = layout(c, ln->net_total, c->f.table, COL_TOT_W, PANGO_ALIGN_RIGHT);
    double th = height(t), dh = ds ? height(ds) + 1.0 : 0;
    double h = th + dh;
    PangoLayout *cols[4] = {q, u, p, n};
    for (int i = 0; i < 4; i++)
        if (height(cols[i]) > h)
            h = height(cols[i]);
    bool fits = h + 5.0 <= page_room(c, true);
    /* kept on one page; one taller than a page starts where its first line fits and flows */
    room(c, fits ? h + 5.0 : 24.0, true);
    double y = c->y;
    show(c, q, MARGIN_L + COL_QTY_X, y, 0);
    show(c, u, MARGIN_L + COL_UNI_X, y, 0);
    show(c, p, MARGIN_L + COL_PRI_X, y, 0);
    show(c, n, MARGIN_L + COL_TOT_X, y, 0);
    if (fits) {
        show(c, t, MARGIN_L, y, 0);
        if (ds)
            show(c, ds, MARGIN_L, y + th + 1.0, 0.3);
        c->y = y + h + 5.0;
    } else {
        flow(c, t, MARGIN_L, 0, true);
        if (ds) {
            c->y += 1.0;
            flow(c, ds, MARGIN_L, 0.3, true);
        }
        c->y += 5.0;
    }
    g_object_unref(t);
    if (ds)
        g_object_unref(ds);
    for (int i = 0; i < 4; i++)
        g_object_unref(cols[i]);
}

static void line(struct ctx *c, const struct pdf_line *ln, const struct pdf_line *next)
{
    if (is(ln->kind, "page-break")) {
        new_page(c);
        return;
    }
    if (is(ln->kind, "separator")) {
        room(c, 8.0, true);
        rule(c, MARGIN_L, MARGIN_L + BODY_W, c->y + 2.0, 0.5);
        c->y += 8.0;
        return;
    }
    if (is(ln->kind, "title")) {
        PangoLayout *l = layout(c, ln->title, c->f.heading, BODY_W, PANGO_ALIGN_LEFT);
        double h = height(l);
        /* a heading stays with the first row after it */
        double keep = next && !is(next->kind, "page-break") ? 24.0 : 0;
        room(c, 4.0 + h + 4.0 + keep, true);
        show(c, l, MARGIN_L, c->y + 4.0, 0);
        c->y += 4.0 + h + 4.0;
        g_object_unref(l);
        return;
    }
    if (is(ln->kind, "description")) {
        const char *s = ln->description && *ln->description ? ln->description : ln->title;
        PangoLayout *l = layout(c, s, c->f.table, BODY_W, PANGO_ALIGN_LEFT);
        block(c, l, MARGIN_L, 0.1, true);
        c->y += 5.0;
        g_object_unref(l);
        return;
    }
    if (is(ln->kind, "subtotal")) {
        PangoLayout *a =
            layout(c, ln->title, c->f.table_bold, COL_TOT_X - COL_GAP, PANGO_ALIGN_RIGHT);
        PangoLayout *b = layout(c, ln->net_total, c->f.table_bold, COL_TOT_W, PANGO_ALIGN_RIGHT);
        double h = height(a) > height(b) ? height(a) : height(b);
        room(c, 3.0 + h + 6.0, true);
        rule(c, MARGIN_L + COL_PRI_X, MARGIN_L + BODY_W, c->y, 0.5);
        show(c, a, MARGIN_L, c->y + 3.0, 0);
        show(c, b, MARGIN_L + COL_TOT_X, c->y + 3.0, 0);
        c->y += 3.0 + h + 6.0;
        g_object_unref(a);
        g_object_unref(b);
        return;
    }
    item_row(c, ln);
}

static void totals(struct ctx *c)
{
    const struct pdf_doc *d = c->doc;
    if (d->ntotals <= 0 || !d->totals)
        return;
    double label_x = MARGIN_L + COL_UNI_X, label_w = COL_TOT_X - COL_UNI_X - COL_GAP;
    double h = 6.0;
    for (int i = 0; i < d->ntotals; i++)
        h += text_height(c, d->totals[i].label, c->f.body, label_w) + 4.0;
    c->y += 2.0;
    room(c, h, false);
    rule(c, MARGIN_L, MARGIN_L + BODY_W, c->y, 0.8);
    c->y += 6.0;
    for (int i = 0; i < d->ntotals; i++) {
        const struct pdf_total *t = &d->totals[i];
        const PangoFontDescription *fd = t->strong ? c->f.bold : c->f.body;
        if (t->strong) {
            rule(c, label_x, MARGIN_L + BODY_W, c->y, 0.5);
            c->y += 3.0;
        }
        double h1 = text(c, label_x, c->y, label_w, t->label, fd, PANGO_ALIGN_RIGHT, 0);
        double h2 =
            text(c, MARGIN_L + COL_TOT_X, c->y, COL_TOT_W, t->amount, fd, PANGO_ALIGN_RIGHT, 0);
        c->y += (h1 > h2 ? h1 : h2) + 4.0;
    }
    c->y += MM(6);
}

/* One pass over the whole document; returns the number of pages. */
static int lay_out(struct ctx *c)
{
    c->page = 1;
    c->in_table = false;
    c->need_header = false;
    page_frame(c);
    letterhead(c);
    c->in_table = true;
    c->need_header = true;
    for (int i = 0; i < c->doc->nlines; i++)
        line(c, &c->doc->lines[i], i + 1 < c->doc->nlines ? &c->doc->lines[i + 1] : NULL);
    c->in_table = false;
    c->need_header = false;
    totals(c);
    paragraphs(c, c->doc->footer, c->f.body);
    return c->page;
}

/* ------------------------------------------------------------------ render */

static PangoFontDescription *font(const char *spec)
{
    return pango_font_description_from_string(spec);
}

static void fonts_make(struct fonts *f)
{
    f->tiny = font(FONT " 6.5");
    f->small = font(FONT " 8");
    f->body = font(FONT " 9.5");
    f->bold = font(FONT " Bold 9.5");
    f->table = font(FONT " 8.5");
    f->table_bold = font(FONT " Bold 8.5");
    f->desc = font(FONT " 7.5");
    f->heading = font(FONT " Bold 10");
    f->title = font(FONT " Bold 16");
}

static void fonts_free(struct fonts *f)
{
    PangoFontDescription *all[] = {f->tiny,       f->small, f->body,    f->bold, f->table,
                                   f->table_bold, f->desc,  f->heading, f->title};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        pango_font_description_free(all[i]);
}

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int len)
{
    strbuf *sb = closure;
    sb_add(sb, data, len);
    return sb->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

int pdf_render(const struct pdf_doc *doc, strbuf *out)
{
    if (!doc || !out || out->failed || (doc->nlines > 0 && !doc->lines) || pdf_init())
        return -1;
    size_t start = out->len;
    int rc = -1;
    struct ctx c = {.doc = doc};
    struct labels lb = doc->lang && !strcmp(doc->lang, "en") ? labels_en : labels_de;
    const char **heads[5] = {&lb.h_desc, &lb.h_qty, &lb.h_unit, &lb.h_price, &lb.h_total};
    for (int i = 0; doc->columns && i < 5; i++)
        if (doc->columns[i])
            *heads[i] = doc->columns[i];
    c.lb = &lb;

    /* The thread's own font map (pango >= 1.32.6); a context per call. Unhinted metrics, the
     * resolution of PDF user space (72 dpi: a 10 pt font is 10 units high): both passes and the
     * PDF measure alike. */
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    c.pc = pango_font_map_create_context(fm);
    pango_cairo_context_set_resolution(c.pc, 72.0);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(c.pc, fo);
    cairo_font_options_destroy(fo);
    fonts_make(&c.f);

    c.npages = 0;
    c.npages = lay_out(&c);

    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(sink, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        /* With files to embed, PDF 1.4: cairo then writes a classic cross-reference table and no
         * object streams (newer cairo compresses objects into streams from 1.5 on), which the
         * update of pdf_embed.c reads; the updated catalog says /Version /1.7. */
        if (doc->nembed > 0 || doc->facturx_level)
            cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_4);
        char title[512];
        snprintf(title, sizeof(title), "%s %s", nz(doc->title), nz(doc->identifier));
        if (doc->title || doc->identifier) {
            gchar *clean = clean_text(title);
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, clean);
            g_free(clean);
        }
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "mocod");
        c.cr = cairo_create(s);
        lay_out(&c);
        cairo_show_page(c.cr);
        cairo_status_t st = cairo_status(c.cr);
        cairo_destroy(c.cr);
        cairo_surface_finish(s);
        if (st == CAIRO_STATUS_SUCCESS)
            st = cairo_surface_status(s);
        if (st == CAIRO_STATUS_SUCCESS && !out->failed)
            rc = 0;
    }
    cairo_surface_destroy(s);
    fonts_free(&c.f);
    g_object_unref(c.pc);

    if (rc == 0 && (doc->nembed > 0 || doc->facturx_level))
        rc = pdf_embed_files(out, start, doc);
    if (rc != 0 && !out->failed) {
        out->len = start;
        out->buf[start] = '\0';
    }
    return rc;
}
