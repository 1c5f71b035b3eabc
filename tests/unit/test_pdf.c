/* Unit tests of the PDF rendering (src/pdf): the bytes are checked by qpdf --check, their text by
 * pdftotext, their pages by pdfinfo (scripts/deps.sh installs qpdf and poppler-utils). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pdf/pdf.h"
#include "unit_helpers.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char dir[128];

/* ------------------------------------------------------------------ documents */

#define MAX_ITEMS 80

struct item_text {
    char title[96], desc[128], qty[16], price[32], total[32];
};

struct test_doc {
    struct pdf_doc d;
    struct pdf_line lines[MAX_ITEMS + 8];
    struct pdf_total totals[4];
    struct item_text it[MAX_ITEMS];
};

static const char *sender = "Müller & Söhne GmbH\nGroßbeerenstraße 12\n10963 Berlin";
static const char *recipient = "Bäckerei Überall KG\nz. Hd. Frau Jürgens\nÖlmühlenweg 7\n"
                               "80331 München";

/* n items with umlauts and €, a section title first. */
static void make_doc(struct test_doc *t, int n, const char *lang)
{
    memset(t, 0, sizeof(*t));
    int k = 0;
    t->lines[k++] = (struct pdf_line){.kind = "title", .title = "Leistungen für März"};
    for (int i = 0; i < n && i < MAX_ITEMS; i++) {
        struct item_text *x = &t->it[i];
        snprintf(x->title, sizeof(x->title), "Pos%02d Größenprüfung Übergabe", i + 1);
        snprintf(x->desc, sizeof(x->desc),
                 "Beschreibung %d: Änderungen an der Oberfläche, "
                 "Rücksprache mit Herrn Weiß",
                 i + 1);
        snprintf(x->qty, sizeof(x->qty), "%d,5", i + 1);
        snprintf(x->price, sizeof(x->price), "1.%03d,00 €", i);
        snprintf(x->total, sizeof(x->total), "%d.%03d,50 €", i + 1, (i * 7) % 1000);
        t->lines[k++] = (struct pdf_line){.kind = "item",
                                          .title = x->title,
                                          .description = x->desc,
                                          .quantity = x->qty,
                                          .unit = "Std.",
                                          .unit_price = x->price,
                                          .net_total = x->total};
    }
    t->lines[k++] = (struct pdf_line){.kind = "separator"};
    t->lines[k++] =
        (struct pdf_line){.kind = "subtotal", .title = "Zwischensumme", .net_total = "98.765,43 €"};
    t->totals[0] = (struct pdf_total){"Netto", "98.765,43 €", 0};
    t->totals[1] = (struct pdf_total){"USt. 19 %", "18.765,43 €", 0};
    t->totals[2] = (struct pdf_total){"USt. 7 %", "0,00 €", 0};
    t->totals[3] = (struct pdf_total){"Gesamtbetrag", "117.530,86 €", 1};
    t->d = (struct pdf_doc){
        .lang = lang,
        .title = lang && !strcmp(lang, "en") ? "Invoice" : "Rechnung",
        .identifier = "R-2026-00042",
        .date = "01.12.2026",
        .due_date = "31.12.2026",
        .service_period = "01.03.2026 – 31.03.2026",
        .sender_address = sender,
        .recipient_address = recipient,
        .salutation = "Sehr geehrte Frau Jürgens,\nfür unsere Leistungen erlauben wir uns "
                      "zu berechnen:",
        .footer = "Zahlbar innerhalb von 30 Tagen ohne Abzug.\nVielen Dank für Ihren Auftrag!",
        .lines = t->lines,
        .nlines = k,
        .totals = t->totals,
        .ntotals = 4,
        .letter_paper_header = "Müller & Söhne GmbH · Softwareentwicklung",
        .letter_paper_footer = "Geschäftsführer: Jörg Müller · Amtsgericht Charlottenburg HRB "
                               "12345\nIBAN DE02 1203 0000 0000 2020 51 · USt-IdNr. DE123456789",
    };
}

/* ------------------------------------------------------------------ tools */

static void write_file(const char *path, const strbuf *sb)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(sb->buf, 1, sb->len, f), sb->len);
    assert_int_equal(fclose(f), 0);
}

/* Runs cmd; its stdout (stderr too) into out; returns its exit status. */
static int run(const char *cmd, strbuf *out)
{
    char full[1100];
    snprintf(full, sizeof(full), "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        sb_add(out, buf, n);
    int st = pclose(p);
    assert_false(out->failed);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int runf(strbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int runf(strbuf *out, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    sb_reset(out);
    return run(cmd, out);
}

static void render_to(const struct pdf_doc *d, const char *name, char *path, size_t pathlen)
{
    strbuf sb;
    sb_init(&sb, NULL, 0);
    assert_int_equal(pdf_render(d, &sb), 0);
    assert_true(sb.len > 1000);
    assert_memory_equal(sb.buf, "%PDF-", 5);
    unit_path(path, pathlen, dir, name);
    write_file(path, &sb);
    sb_release(&sb);
}

static void assert_qpdf_ok(const char *path)
{
    strbuf o;
    sb_init(&o, NULL, 0);
    int rc = runf(&o, "qpdf --check '%s'", path);
    if (rc != 0)
        fprintf(stderr, "qpdf --check:\n%s\n", o.buf);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(o.buf, "No syntax or stream encoding errors found"));
    sb_release(&o);
}

static int page_count(const char *path)
{
    strbuf o;
    sb_init(&o, NULL, 0);
    assert_int_equal(runf(&o, "pdfinfo '%s'", path), 0);
    const char *p = strstr(o.buf, "\nPages:");
    assert_non_null(p);
    int n = atoi(p + strlen("\nPages:"));
    sb_release(&o);
    return n;
}

/* The text of pages first..last (0: all). */
static void page_text(const char *path, int first, int last, strbuf *o)
{
    if (first > 0)
        assert_int_equal(runf(o, "pdftotext -enc UTF-8 -f %d -l %d '%s' -", first, last, path), 0);
    else
        assert_int_equal(runf(o, "pdftotext -enc UTF-8 '%s' -", path), 0);
}

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("the PDF's text lacks \"%s\"", want);
}

/* Every word of every page lies within the page's text area (none cut off at an edge); returns the
 * number of words. */
static int assert_words_on_pages(const char *path)
{
    strbuf o;
    sb_init(&o, NULL, 0);
    assert_int_equal(runf(&o, "pdftotext -bbox '%s' -", path), 0);
    int words = 0;
    for (const char *p = o.buf; (p = strstr(p, "<word ")) != NULL; p++) {
        double x0, y0, x1, y1;
        assert_int_equal(sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0,
                                &y0, &x1, &y1),
                         4);
        if (x0 < 20 || y0 < 20 || x1 > 595.28 - 20 || y1 > 841.89 - 20)
            fail_msg("a word outside the page's text area: %.80s", p);
        words++;
    }
    sb_release(&o);
    return words;
}

/* strstr for bytes that hold NULs (a PDF's font streams) */
static bool bytes_have(const char *buf, size_t len, const char *want)
{
    size_t n = strlen(want);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(buf + i, want, n))
            return true;
    return false;
}

/* Every line of a "\n"-separated address. */
static void assert_has_lines(const char *text, const char *lines)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", lines);
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        assert_has(text, l);
}

/* ------------------------------------------------------------------ tests */

static void sixty_items_flow_over_a4_pages(void **state)
{
    (void)state;
    static struct test_doc t;
    make_doc(&t, 60, "de");
    char path[256];
    render_to(&t.d, "sixty.pdf", path, sizeof(path));
    assert_qpdf_ok(path);

    strbuf o;
    sb_init(&o, NULL, 0);
    assert_int_equal(runf(&o, "pdfinfo '%s'", path), 0);
    const char *ps = strstr(o.buf, "Page size:");
    assert_non_null(ps);
    double w = 0, h = 0;
    assert_int_equal(sscanf(ps, "Page size: %lf x %lf pts", &w, &h), 2);
    assert_int_equal((int)(w + 0.5), 595);
    assert_int_equal((int)(h + 0.5), 842);
    assert_non_null(strstr(ps, "(A4)"));

    int pages = page_count(path);
    assert_true(pages >= 3);
    assert_true(assert_words_on_pages(path) > 60 * 10);

    page_text(path, 0, 0, &o);
    assert_has(o.buf, "R-2026-00042");
    assert_has(o.buf, "Rechnung");
    assert_has_lines(o.buf, sender);
    assert_has_lines(o.buf, recipient);
    assert_has(o.buf, "01.03.2026 – 31.03.2026");
    assert_has(o.buf, "Leistungen für März");
    for (int i = 0; i < 60; i++) {
        assert_has(o.buf, t.it[i].title);
        assert_has(o.buf, t.it[i].total);
    }
    for (int i = 0; i < 4; i++) {
        assert_has(o.buf, t.totals[i].label);
        assert_has(o.buf, t.totals[i].amount);
    }
    assert_has(o.buf, "Zwischensumme");
    assert_has(o.buf, "Vielen Dank für Ihren Auftrag!");
    assert_has(o.buf, "Amtsgericht Charlottenburg");
    char num[64];
    snprintf(num, sizeof(num), "Seite 1 von %d", pages);
    assert_has(o.buf, num);
    snprintf(num, sizeof(num), "Seite %d von %d", pages, pages);
    assert_has(o.buf, num);

    /* the table header is repeated on the second page, the letter paper is on every page */
    page_text(path, 2, 2, &o);
    assert_has(o.buf, "Einzelpreis");
    assert_has(o.buf, "Softwareentwicklung");
    assert_has(o.buf, "Amtsgericht Charlottenburg");
    snprintf(num, sizeof(num), "Seite 2 von %d", pages);
    assert_has(o.buf, num);
    assert_null(strstr(o.buf, "Seite 1 von"));
    /* the totals and the footer come last */
    page_text(path, pages, pages, &o);
    assert_has(o.buf, "Gesamtbetrag");
    assert_has(o.buf, "Zahlbar innerhalb von 30 Tagen");
    sb_release(&o);
}

static void page_break_line_forces_a_page_and_english_numbers(void **state)
{
    (void)state;
    static struct test_doc t;
    make_doc(&t, 2, "en");
    /* title, item 1, page-break, item 2 */
    t.lines[3] = t.lines[2];
    t.lines[2] = (struct pdf_line){.kind = "page-break"};
    t.d.nlines = 4;
    t.d.letter_paper_header = NULL;
    t.d.letter_paper_footer = NULL;
    char path[256];
    render_to(&t.d, "break.pdf", path, sizeof(path));
    assert_qpdf_ok(path);
    assert_int_equal(page_count(path), 2);

    strbuf o;
    sb_init(&o, NULL, 0);
    page_text(path, 1, 1, &o);
    assert_has(o.buf, "Invoice");
    assert_has(o.buf, "Unit price");
    assert_has(o.buf, "Page 1 of 2");
    assert_has(o.buf, t.it[0].title);
    assert_null(strstr(o.buf, t.it[1].title));
    page_text(path, 2, 2, &o);
    assert_has(o.buf, "Page 2 of 2");
    assert_has(o.buf, "Unit price");
    assert_has(o.buf, t.it[1].title);
    assert_has(o.buf, "Gesamtbetrag");
    sb_release(&o);

    /* without a page-break the two items share the first page */
    make_doc(&t, 2, "en");
    render_to(&t.d, "nobreak.pdf", path, sizeof(path));
    assert_int_equal(page_count(path), 1);
}

static void empty_fields_and_bad_utf8_still_render(void **state)
{
    (void)state;
    struct pdf_line lines[] = {
        {0}, /* all NULL: an empty item */
        {.kind = "no-such-kind", .title = "Unbekannt"},
        {.kind = "description", .title = "bad \xff\xfe bytes \xc3"},
        {.kind = "item", .title = "Trailing \xe2\x82", .net_total = "1,00 \xe2\x82\xac"},
    };
    struct pdf_doc d = {
        .lines = lines, .nlines = 4, .sender_address = "A\n\nB", .recipient_address = "\xc0\xaf"};
    char path[256];
    render_to(&d, "bad.pdf", path, sizeof(path));
    assert_qpdf_ok(path);
    strbuf o;
    sb_init(&o, NULL, 0);
    page_text(path, 0, 0, &o);
    assert_has(o.buf, "Unbekannt");
    assert_has(o.buf, "bytes");
    assert_has(o.buf, "1,00 €");
    assert_has(o.buf, "Seite 1 von 1");
    sb_release(&o);

    /* noncharacters and controls (valid UTF-8 that cairo refuses) in the text and the title */
    struct pdf_line odd[] = {
        {.kind = "item", .title = "Non \xef\xbf\xbf char \xef\xb7\x90", .net_total = "2"},
        {.kind = "description", .title = "Bell \x07 and \xef\xbf\xbe and \xc2\x85"},
    };
    struct pdf_doc nonchars = {.lines = odd,
                               .nlines = 2,
                               .title = "Angebot \xef\xbf\xbf",
                               .identifier = "A\xef\xb7\x90",
                               .recipient_address = "Acme \xf4\x8f\xbf\xbf"};
    render_to(&nonchars, "nonchars.pdf", path, sizeof(path));
    assert_qpdf_ok(path);
    sb_init(&o, NULL, 0);
    page_text(path, 0, 0, &o);
    assert_has(o.buf, "char");
    assert_has(o.buf, "Bell");
    sb_release(&o);

    struct pdf_doc empty = {0};
    render_to(&empty, "empty.pdf", path, sizeof(path));
    assert_qpdf_ok(path);
    assert_int_equal(page_count(path), 1);
}

/* An item description, a description line and a salutation each taller than a page flow over
 * pages line by line; nothing runs off a page's bottom. */
static void text_taller_than_a_page_flows_over_pages(void **state)
{
    (void)state;
    static struct test_doc t;
    make_doc(&t, 3, "de");
    static strbuf longtext;
    sb_init(&longtext, NULL, 0);
    for (int i = 1; i <= 150; i++)
        sb_addf(&longtext, "Zeile %d der langen Beschreibung mit Überlänge\n", i);
    sb_adds(&longtext, "Ende der Beschreibung");
    t.it[1].desc[0] = '\0';
    t.lines[2].description = longtext.buf; /* the second item */
    t.lines[t.d.nlines++] = (struct pdf_line){.kind = "description", .description = longtext.buf};
    t.d.salutation = longtext.buf;
    char path[256];
    render_to(&t.d, "long.pdf", path, sizeof(path));
    assert_qpdf_ok(path);
    int pages = page_count(path);
    assert_true(pages >= 8);
    assert_words_on_pages(path);
    strbuf o;
    sb_init(&o, NULL, 0);
    page_text(path, 0, 0, &o);
    assert_has(o.buf, "Zeile 1 der langen");
    assert_has(o.buf, "Zeile 150 der langen");
    assert_has(o.buf, "Ende der Beschreibung");
    assert_has(o.buf, t.it[2].title);
    assert_has(o.buf, "Gesamtbetrag");
    char num[64];
    snprintf(num, sizeof(num), "Seite %d von %d", pages, pages);
    assert_has(o.buf, num);
    /* a page in the middle of the long item: the table header is repeated there */
    page_text(path, 4, 4, &o);
    assert_has(o.buf, "Einzelpreis");
    assert_has(o.buf, "Zeile");
    sb_release(&o);
    sb_release(&longtext);
}

static const char facturx[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rsm:CrossIndustryInvoice>Grüße (€) \\ ) (</rsm:CrossIndustryInvoice>\n";

static void attachments_become_embedded_files(void **state)
{
    (void)state;
    static struct test_doc t;
    make_doc(&t, 5, "de");
    static const unsigned char bin[] = {0, 1, 2, 255, 'e', 'n', 'd', 's', 't', 'r', 'e', 'a', 'm'};
    struct pdf_attachment att[] = {
        {"notes.bin", NULL, bin, sizeof(bin)},
        {"factur-x.xml", "text/xml", (const unsigned char *)facturx, sizeof(facturx) - 1},
        {"Anhänge (Übersicht).txt", "text/plain", (const unsigned char *)"Grüße", 7},
    };
    t.d.embed = att;
    t.d.nembed = 3;
    strbuf sb;
    sb_init(&sb, NULL, 0);
    sb_adds(&sb, "prefix"); /* the PDF is appended to what out holds */
    assert_int_equal(pdf_render(&t.d, &sb), 0);
    assert_memory_equal(sb.buf, "prefix%PDF-", 11);
    assert_true(bytes_have(sb.buf, sb.len, "/AFRelationship /Alternative"));
    assert_true(bytes_have(sb.buf, sb.len, "/Type /EmbeddedFile"));
    char path[256];
    unit_path(path, sizeof(path), dir, "zugferd.pdf");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(sb.buf + 6, 1, sb.len - 6, f), sb.len - 6);
    fclose(f);
    sb_release(&sb);
    assert_qpdf_ok(path);

    strbuf o;
    sb_init(&o, NULL, 0);
    assert_int_equal(runf(&o, "qpdf --list-attachments '%s'", path), 0);
    assert_has(o.buf, "factur-x.xml");
    assert_has(o.buf, "notes.bin");
    assert_has(o.buf, "Anhänge (Übersicht).txt");
    assert_int_equal(runf(&o, "qpdf --show-attachment=factur-x.xml '%s'", path), 0);
    assert_int_equal(o.len, sizeof(facturx) - 1);
    assert_memory_equal(o.buf, facturx, o.len);
    assert_int_equal(runf(&o, "qpdf --show-attachment='Anhänge (Übersicht).txt' '%s'", path), 0);
    assert_string_equal(o.buf, "Grüße");
    /* the catalog's /Version says 1.7 (the associated files are PDF/A-3's and PDF 2.0's) */
    assert_int_equal(runf(&o, "pdfinfo '%s'", path), 0);
    assert_has(o.buf, "PDF version:     1.7");
    assert_int_equal(runf(&o, "qpdf --show-attachment=notes.bin '%s'", path), 0);
    assert_int_equal(o.len, sizeof(bin));
    assert_memory_equal(o.buf, bin, sizeof(bin));
    /* the catalog lists factur-x.xml as an associated file (/AF), with its MIME type */
    assert_int_equal(runf(&o, "qpdf --qdf --object-streams=disable '%s' -", path), 0);
    assert_true(bytes_have(o.buf, o.len, "/AF ["));
    assert_true(bytes_have(o.buf, o.len, "/EmbeddedFiles"));
    assert_true(bytes_have(o.buf, o.len, "/Subtype /text#2fxml"));
    /* the page text is still there after the update */
    page_text(path, 0, 0, &o);
    assert_has(o.buf, "R-2026-00042");
    sb_release(&o);

    /* a duplicate name or a nameless attachment: -1, out as it was */
    struct pdf_attachment dup[] = {att[1], att[1]};
    t.d.embed = dup;
    t.d.nembed = 2;
    sb_init(&sb, NULL, 0);
    sb_adds(&sb, "keep");
    assert_int_equal(pdf_render(&t.d, &sb), -1);
    assert_false(sb.failed);
    assert_int_equal(sb.len, 4);
    assert_string_equal(sb.buf, "keep");
    struct pdf_attachment noname[] = {{NULL, NULL, bin, sizeof(bin)}};
    t.d.embed = noname;
    t.d.nembed = 1;
    assert_int_equal(pdf_render(&t.d, &sb), -1);
    assert_string_equal(sb.buf, "keep");
    sb_release(&sb);
}

/* facturx_level: XMP metadata (the catalog's /Metadata) with the PDF/A-3 identification and the
 * Factur-X fx: entries, the title escaped; also for a PDF without files, and with them. */
static void facturx_gets_xmp_metadata(void **state)
{
    (void)state;
    static struct test_doc t;
    make_doc(&t, 2, "de");
    t.d.title = "Rechnung <A&B>";
    t.d.facturx_level = "EN 16931";
    for (int files = 0; files < 2; files++) {
        struct pdf_attachment att[] = {
            {"factur-x.xml", "text/xml", (const unsigned char *)facturx, sizeof(facturx) - 1}};
        t.d.embed = files ? att : NULL;
        t.d.nembed = files;
        strbuf sb;
        sb_init(&sb, NULL, 0);
        assert_int_equal(pdf_render(&t.d, &sb), 0);
        char path[256];
        unit_path(path, sizeof(path), dir, "xmp.pdf");
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(sb.buf, 1, sb.len, f), sb.len);
        fclose(f);
        sb_release(&sb);
        assert_qpdf_ok(path);
        strbuf o;
        sb_init(&o, NULL, 0);
        assert_int_equal(runf(&o, "pdfinfo -meta '%s'", path), 0);
        assert_has(o.buf, "<fx:DocumentType>INVOICE</fx:DocumentType>");
        assert_has(o.buf, "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>");
        assert_has(o.buf, "<fx:Version>1.0</fx:Version>");
        assert_has(o.buf, "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>");
        assert_has(o.buf, "<pdfaid:part>3</pdfaid:part>");
        assert_has(o.buf, "<pdfaSchema:prefix>fx</pdfaSchema:prefix>");
        assert_has(o.buf, "Rechnung &lt;A&amp;B&gt; R-2026-00042");
        assert_int_equal(runf(&o, "qpdf --list-attachments '%s'", path), 0);
        if (files)
            assert_has(o.buf, "factur-x.xml");
        else
            assert_has(o.buf, "no embedded files");
        sb_release(&o);
    }
}

struct thread_job {
    struct test_doc doc;
    int rc;
    size_t len;
    char path[256];
};

static void *render_thread(void *arg)
{
    struct thread_job *j = arg;
    j->rc = 0;
    for (int i = 0; i < 3 && j->rc == 0; i++) {
        strbuf sb;
        sb_init(&sb, NULL, 0);
        j->rc = pdf_render(&j->doc.d, &sb);
        j->len = sb.len;
        if (j->rc == 0 && i == 2) {
            FILE *f = fopen(j->path, "wb");
            if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len)
                j->rc = -2;
            if (f)
                fclose(f);
        }
        sb_release(&sb);
    }
    return NULL;
}

static void two_threads_render_at_once(void **state)
{
    (void)state;
    static struct thread_job jobs[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        make_doc(&jobs[i].doc, 60, i ? "en" : "de");
        char name[32];
        snprintf(name, sizeof(name), "thread%d.pdf", i);
        unit_path(jobs[i].path, sizeof(jobs[i].path), dir, name);
        assert_int_equal(pthread_create(&th[i], NULL, render_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].rc, 0);
        assert_true(jobs[i].len > 1000);
        assert_qpdf_ok(jobs[i].path);
        assert_true(page_count(jobs[i].path) >= 3);
    }
    strbuf o;
    sb_init(&o, NULL, 0);
    page_text(jobs[1].path, 1, 1, &o);
    assert_has(o.buf, "Page 1 of");
    sb_release(&o);
}

static int setup(void **state)
{
    (void)state;
    if (pdf_init() != 0)
        return -1;
    return unit_mkdtemp(dir, sizeof(dir), "pdf");
}

static int teardown(void **state)
{
    (void)state;
    unit_rmtree(dir);
    pdf_shutdown(); /* the main thread rendered too: its font map, cairo's and fontconfig's caches
                     */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sixty_items_flow_over_a4_pages),
        cmocka_unit_test(page_break_line_forces_a_page_and_english_numbers),
        cmocka_unit_test(empty_fields_and_bad_utf8_still_render),
        cmocka_unit_test(text_taller_than_a_page_flows_over_pages),
        cmocka_unit_test(attachments_become_embedded_files),
        cmocka_unit_test(facturx_gets_xmp_metadata),
        cmocka_unit_test(two_threads_render_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
