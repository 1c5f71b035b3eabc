/*
 * PDF rendering of invoices and offers: a plain data description in, the bytes of an A4 PDF out.
 * Nothing here knows SQL or HTTP: the caller formats every number and date as text first (money
 * through util/money.h), in the document's language.
 *
 * Built on cairo (PDF surface) and pango (text layout): real UTF-8 text layout with shaping and
 * line wrapping (umlauts, €, any script the fonts cover), font subsets embedded in the PDF, exact
 * A4 pages; we only decide where things go and where a page breaks. Fonts come from fontconfig
 * ("DejaVu Sans" first, Debian's fonts-dejavu-core, else whatever "sans" resolves to).
 *
 * Layout: the letter paper's header and footer text on every page, the page number ("Seite N
 * von M" / "Page N of M") above the footer; on the first page the sender, the recipient's address
 * field (DIN 5008 form B position), the identifier, dates and service period, the title and the
 * salutation; then the item table, its header repeated on every page it continues on; the totals
 * (kept together); the footer text.
 *
 * Thread safety: pdf_render keeps no global state and may run in several threads at once. pango
 * (>= 1.32.6) gives every thread a font map of its own (pango_cairo_font_map_get_default), cairo
 * objects are per call, and fontconfig is initialised once by pdf_init (idempotent; pdf_render
 * calls it too, so a caller that forgets it is still correct; call it at start-up so that the
 * first request does not pay for loading the font configuration).
 */
#ifndef MOCOD_PDF_H
#define MOCOD_PDF_H

#include "util/strbuf.h"

#include <stddef.h>

/* One line of the item table. kind: "item" (also when NULL or unknown): title with an optional
 * description below it, quantity, unit, unit price and net total in their columns; "title": a
 * section heading (title); "description": a paragraph of text (description, else title);
 * "subtotal": title as the label, net_total as the amount, in bold under a rule; "separator": a
 * rule; "page-break": the next line starts a new page. Every field may be NULL (empty). */
struct pdf_line {
    const char *kind;
    const char *title, *description, *quantity, *unit, *unit_price, *net_total;
};

/* A line of the totals block (net, VAT 19 %, VAT 7 %, gross, ...); strong: in bold under a rule
 * (the gross amount). */
struct pdf_total {
    const char *label, *amount;
    int strong;
};

/* A file embedded in the PDF (EmbeddedFiles name tree, and the document's /AF list; factur-x.xml
 * gets /AFRelationship /Alternative as ZUGFeRD / Factur-X want it, others /Unspecified). name:
 * UTF-8, unique within a document; mime: e.g. "text/xml" (may be NULL). */
struct pdf_attachment {
    const char *name, *mime;
    const unsigned char *data;
    size_t len;
};

struct pdf_doc {
    const char *lang;  /* "de" (default) or "en": the fixed labels and the page numbers */
    const char *title; /* "Rechnung" / "Invoice" / "Angebot" */
    const char *identifier, *date, *due_date, *service_period;
    const char *sender_address; /* multi-line, "\n"-separated */
    const char *recipient_address;
    const char *salutation, *footer; /* text above and below the items; "\n" separates paragraphs */
    const struct pdf_line *lines;
    int nlines;
    const struct pdf_total *totals;
    int ntotals;
    const char *letter_paper_header, *letter_paper_footer; /* on every page; may be NULL */
    /* the item table's column heads (description, quantity, unit, unit price, total); NULL or a
     * NULL entry: the language's default ("Beschreibung", "Menge", ...) */
    const char *const *columns;
    const struct pdf_attachment *embed;
    int nembed;
    /* ZUGFeRD 2 / Factur-X: the conformance level of the embedded factur-x.xml ("EN 16931").
     * When set, the PDF gets XMP metadata (/Metadata of the catalog) in the PDF/A-3 manner: the
     * PDF/A identification (part 3, B), the Factur-X extension schema and its fx:DocumentType
     * INVOICE, fx:DocumentFileName factur-x.xml, fx:Version 1.0, fx:ConformanceLevel. NULL: no
     * XMP. (No output intent: the file is not a validated PDF/A-3.) */
    const char *facturx_level;
};

/* Loads the font configuration once (thread-safe, idempotent). Returns 0, or -1 when fontconfig
 * cannot be initialised. */
int pdf_init(void);

/* At the end of the process, after every thread that rendered has stopped (threads that exit free
 * their font maps themselves): frees the calling thread's font map, cairo's caches and
 * fontconfig's configuration, so that LeakSanitizer sees no leak. pdf_render must not be called
 * after it. */
void pdf_shutdown(void);

/* Appends the PDF of doc to out. Returns 0, or -1 (out of memory, a cairo error, nlines > 0
 * without lines, an invalid attachment: no name, a duplicate name, data NULL with len > 0); on -1
 * out is left as it was before the call (unless out->failed: out of memory). Invalid UTF-8 in any
 * text is repaired (U+FFFD), never an error. */
int pdf_render(const struct pdf_doc *doc, strbuf *out);

#endif
