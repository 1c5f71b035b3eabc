/*
 * Embedded files for the PDFs cairo writes (cairo has document metadata but no embedded files):
 * an incremental update appended to cairo's output (PDF 1.7, 7.5.6) with, per attachment, an
 * /EmbeddedFile stream and a /Filespec, an /EmbeddedFiles name tree, and the catalog written anew
 * with /Names, /AF and /Version /1.7 (the associated files of PDF/A-3 and PDF 2.0: factur-x.xml
 * with /AFRelationship /Alternative, as ZUGFeRD 2 / Factur-X want it).
 *
 * It reads what cairo writes for PDF 1.4 (pdf.c asks for it when there are files): one classic
 * cross-reference table, a trailer with /Size, /Root and /Info, a catalog without /Names, /AF or
 * /Version. Anything else (a cross-reference stream, /Prev, a catalog that has /Names already) is
 * refused with -1 rather than guessed at.
 *
 * With doc->facturx_level the update also carries the XMP metadata of a ZUGFeRD 2 / Factur-X
 * file (the catalog's /Metadata): the PDF/A-3 identification, the Factur-X PDF/A extension schema
 * and the fx: properties (DocumentType, DocumentFileName, Version, ConformanceLevel), with the
 * title, the producer and the dates. Not done here: the rest of PDF/A-3 (an output intent with an
 * ICC profile; cairo's output is not checked against PDF/A), which a validator would ask for.
 */
#include "pdf/pdf_internal.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ref {
    long num, gen;
};

/* Finds needle in [p, end); NULL when absent. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p && p + n <= end; p++)
        if (*p == *needle && !memcmp(p, needle, n))
            return p;
    return NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == '\f'))
        p++;
    return p;
}

/* A non-negative decimal at p; advances *pp. -1 when there is none. */
static long number(const char **pp, const char *end)
{
    const char *p = skip_ws(*pp, end);
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    long v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v > 100000000000L)
            return -1;
        v = v * 10 + (*p++ - '0');
    }
    *pp = p;
    return v;
}

/* The end (just past ">>") of the dictionary that starts at p ("<<"); NULL if unbalanced. Skips
 * literal strings (with their escapes) and hex strings. */
static const char *dict_end(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        if (*p == '(') {
            int paren = 1;
            for (p++; p < end && paren > 0; p++) {
                if (*p == '\\')
                    p++;
                else if (*p == '(')
                    paren++;
                else if (*p == ')')
                    paren--;
            }
            continue;
        }
        if (p + 1 < end && p[0] == '<' && p[1] == '<') {
            depth++;
            p += 2;
            continue;
        }
        if (p + 1 < end && p[0] == '>' && p[1] == '>') {
            depth--;
            p += 2;
            if (depth == 0)
                return p;
            continue;
        }
        if (*p == '<') {
            while (p < end && *p != '>')
                p++;
        }
        p++;
    }
    return NULL;
}

/* The value of key in the dictionary [p, end) as "N G R"; -1 in num when absent. Only top-level
 * keys are meant; cairo's trailer has no nesting before these. */
static struct ref dict_ref(const char *p, const char *end, const char *key)
{
    struct ref r = {-1, -1};
    const char *k = find(p, end, key);
    if (!k)
        return r;
    const char *q = k + strlen(key);
    long n = number(&q, end), g = number(&q, end);
    q = skip_ws(q, end);
    if (n < 0 || g < 0 || q >= end || *q != 'R')
        return r;
    r.num = n;
    r.gen = g;
    return r;
}

/* ------------------------------------------------------------------ PDF strings */

static bool is_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

/* A name's PDF text string (raw bytes): ASCII as it is (unless utf16), else UTF-16BE with a byte
 * order mark. */
static bool text_string(const char *utf8, strbuf *raw, bool utf16)
{
    if (!utf16 && is_ascii(utf8)) {
        sb_adds(raw, utf8);
        return true;
    }
    if (!g_utf8_validate(utf8, -1, NULL))
        return false;
    glong n = 0;
    gunichar2 *u = g_utf8_to_utf16(utf8, -1, NULL, &n, NULL);
    if (!u)
        return false;
    sb_add(raw, "\xfe\xff", 2);
    for (glong i = 0; i < n; i++) {
        sb_addc(raw, (char)(u[i] >> 8));
        sb_addc(raw, (char)(u[i] & 0xff));
    }
    g_free(u);
    return true;
}

/* Writes raw bytes as a PDF literal string, escaping what must be escaped. */
static void literal(strbuf *sb, const char *raw, size_t n)
{
    sb_addc(sb, '(');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '(' || c == ')' || c == '\\')
            sb_addf(sb, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            sb_addf(sb, "\\%03o", c);
        else
            sb_addc(sb, (char)c);
    }
    sb_addc(sb, ')');
}

/* Writes s as a PDF name (with its slash), #xx for what a name cannot hold. */
static void name(strbuf *sb, const char *s)
{
    sb_addc(sb, '/');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < '!' || *p > '~' || strchr("()<>[]{}/%#", *p))
            sb_addf(sb, "#%02X", *p);
        else
            sb_addc(sb, (char)*p);
    }
}

/* ------------------------------------------------------------------ the update */

struct entry {
    const struct pdf_attachment *a;
    strbuf key; /* the name tree key: raw bytes of the text string */
    long ef, fs;
};

static int cmp_entry(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = memcmp(a->key.buf, b->key.buf, n);
    if (c)
        return c;
    return a->key.len < b->key.len ? -1 : a->key.len > b->key.len;
}

static void offset_entry(strbuf *sb, size_t off, long gen)
{
    sb_addf(sb, "%010zu %05ld n \n", off, gen);
}

/* XML character data of the XMP packet (the title is the only text from outside). */
static void xmp_text(strbuf *sb, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '&')
            sb_adds(sb, "&amp;");
        else if (*p == '<')
            sb_adds(sb, "&lt;");
        else if (*p == '>')
            sb_adds(sb, "&gt;");
        else if (*p >= 0x20 || *p == '\t' || *p == '\n')
            sb_addc(sb, (char)*p);
    }
}

static const char *const fx_properties[][2] = {
    {"DocumentFileName", "The name of the embedded XML document"},
    {"DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"},
    {"Version", "The actual version of the standard applying to the embedded XML document"},
    {"ConformanceLevel", "The conformance level of the embedded XML document"},
};

/* The XMP packet of a Factur-X file (Factur-X 1.0 / ZUGFeRD 2.x, its PDF/A extension schema). */
static void xmp_packet(strbuf *sb, const struct pdf_doc *doc, const char *iso_now)
{
    sb_adds(sb,
            "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
            "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
            " <pdfaid:part>3</pdfaid:part>\n <pdfaid:conformance>B</pdfaid:conformance>\n"
            "</rdf:Description>\n"
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
            " <dc:format>application/pdf</dc:format>\n"
            " <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
    xmp_text(sb, doc->title);
    if (doc->title && doc->identifier)
        sb_addc(sb, ' ');
    xmp_text(sb, doc->identifier);
    sb_adds(sb, "</rdf:li></rdf:Alt></dc:title>\n"
                "</rdf:Description>\n"
                "<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
                " <pdf:Producer>mocod (cairo)</pdf:Producer>\n"
                "</rdf:Description>\n"
                "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n"
                " <xmp:CreatorTool>mocod</xmp:CreatorTool>\n");
    sb_addf(sb,
            " <xmp:CreateDate>%s</xmp:CreateDate>\n <xmp:ModifyDate>%s</xmp:ModifyDate>\n"
            " <xmp:MetadataDate>%s</xmp:MetadataDate>\n",
            iso_now, iso_now, iso_now);
    sb_adds(sb, "</rdf:Description>\n"
                "<rdf:Description rdf:about=\"\" "
                "xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" "
                "xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" "
                "xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n"
                " <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n"
                "  <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\n"
                "  <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
                "</pdfaSchema:namespaceURI>\n"
                "  <pdfaSchema:prefix>fx</pdfaSchema:prefix>\n"
                "  <pdfaSchema:property><rdf:Seq>\n");
    for (size_t i = 0; i < sizeof fx_properties / sizeof fx_properties[0]; i++)
        sb_addf(sb,
                "   <rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>%s</pdfaProperty:name>"
                "<pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>"
                "external</pdfaProperty:category><pdfaProperty:description>%s"
                "</pdfaProperty:description></rdf:li>\n",
                fx_properties[i][0], fx_properties[i][1]);
    sb_adds(sb, "  </rdf:Seq></pdfaSchema:property>\n"
                " </rdf:li></rdf:Bag></pdfaExtension:schemas>\n"
                "</rdf:Description>\n"
                "<rdf:Description rdf:about=\"\" "
                "xmlns:fx=\"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#\">\n"
                " <fx:DocumentType>INVOICE</fx:DocumentType>\n"
                " <fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>\n"
                " <fx:Version>1.0</fx:Version>\n <fx:ConformanceLevel>");
    xmp_text(sb, doc->facturx_level);
    sb_adds(sb, "</fx:ConformanceLevel>\n"
                "</rdf:Description>\n"
                "</rdf:RDF>\n"
                "</x:xmpmeta>\n"
                "<?xpacket end=\"w\"?>");
}

int pdf_embed_files(strbuf *out, size_t start, const struct pdf_doc *doc)
{
    const struct pdf_attachment *att = doc->embed;
    int n = doc->nembed > 0 ? doc->nembed : 0;
    if (n == 0 && !doc->facturx_level)
        return 0;
    if ((n > 0 && !att) || out->failed || out->len <= start)
        return -1;
    const char *pdf = out->buf + start, *end = out->buf + out->len;
    size_t len = out->len - start;

    /* startxref, the cross-reference table and the trailer */
    const char *tail = len > 1024 ? end - 1024 : pdf, *sx = NULL;
    for (const char *p = tail; (p = find(p, end, "startxref")) != NULL; p++)
        sx = p;
    if (!sx)
        return -1;
    const char *q = sx + strlen("startxref");
    long xref_off = number(&q, end);
    if (xref_off < 0 || (size_t)xref_off >= len || strncmp(pdf + xref_off, "xref", 4))
        return -1;
    const char *trailer = find(pdf + xref_off, sx, "trailer");
    if (!trailer)
        return -1;
    const char *td = find(trailer, sx, "<<"), *tde = td ? dict_end(td, sx) : NULL;
    if (!tde || find(td, tde, "/Prev") || find(td, tde, "/Encrypt"))
        return -1;
    const char *sz = find(td, tde, "/Size");
    if (!sz)
        return -1;
    q = sz + strlen("/Size");
    long size = number(&q, tde);
    struct ref root = dict_ref(td, tde, "/Root"), info = dict_ref(td, tde, "/Info");
    if (size <= 0 || root.num <= 0 || root.num >= size)
        return -1;
    const char *idk = find(td, tde, "/ID"), *ide = idk ? find(idk, tde, "]") : NULL;

    /* the catalog's offset from the table's subsections */
    long root_off = -1;
    q = pdf + xref_off + 4;
    while (root_off < 0) {
        long first = number(&q, trailer), count = number(&q, trailer);
        if (first < 0 || count < 0)
            return -1;
        q = skip_ws(q, trailer);
        if (root.num >= first && root.num < first + count) {
            const char *e = q + (root.num - first) * 20;
            if (e + 20 > trailer || e[17] != 'n')
                return -1;
            const char *eq = e;
            root_off = number(&eq, e + 10);
        } else {
            q += count * 20;
            if (q > trailer)
                return -1;
        }
    }
    if (root_off <= 0 || (size_t)root_off >= len)
        return -1;
    q = pdf + root_off;
    if (number(&q, end) != root.num || number(&q, end) != root.gen)
        return -1;
    q = skip_ws(q, end);
    if (strncmp(q, "obj", 3))
        return -1;
    const char *cd = find(q, end, "<<"), *cde = cd ? dict_end(cd, end) : NULL;
    if (!cde || find(cd, cde, "/Catalog") == NULL || find(cd, cde, "/Names") ||
        find(cd, cde, "/AF") || find(cd, cde, "/Version") || find(cd, cde, "/Metadata"))
        return -1;

    /* the attachments, sorted by their keys (a name tree is) */
    struct entry *es = calloc((size_t)n + 1, sizeof(*es));
    if (!es)
        return -1;
    int rc = -1;
    for (int i = 0; i < n; i++) {
        es[i].a = &att[i];
        sb_init(&es[i].key, NULL, 32);
    }
    /* The keys are sorted by their bytes; readers that compare them as text (qpdf) must see the
     * same order: all keys in UTF-16BE as soon as one is not ASCII (both orders are then the
     * code points'). */
    bool utf16 = false;
    for (int i = 0; i < n; i++) {
        const struct pdf_attachment *a = &att[i];
        if (!a->name || !*a->name || (!a->data && a->len))
            goto done;
        if (!is_ascii(a->name))
            utf16 = true;
    }
    for (int i = 0; i < n; i++)
        if (!text_string(att[i].name, &es[i].key, utf16) || es[i].key.failed)
            goto done;
    qsort(es, (size_t)n, sizeof(*es), cmp_entry);
    for (int i = 1; i < n; i++)
        if (cmp_entry(&es[i - 1], &es[i]) == 0)
            goto done;

    /* Copy what we need from the old file before appending (the buffer may move). */
    size_t cat_body_off = (size_t)(cd + 2 - out->buf), cat_body_len = (size_t)(cde - 2 - (cd + 2));
    size_t id_off = idk ? (size_t)(idk - out->buf) : 0;
    size_t id_len = idk && ide ? (size_t)(ide + 1 - idk) : 0;
    gchar *cat_body = g_strndup(out->buf + cat_body_off, cat_body_len);
    gchar *id = id_len ? g_strndup(out->buf + id_off, id_len) : NULL;

    char moddate[32] = "", iso_now[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) {
        strftime(moddate, sizeof(moddate), "D:%Y%m%d%H%M%SZ", &tm);
        strftime(iso_now, sizeof(iso_now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }

    if (out->buf[out->len - 1] != '\n')
        sb_addc(out, '\n');
    long next = size;
    size_t *offs = calloc((size_t)n * 2 + 2, sizeof(size_t));
    if (!offs) {
        g_free(cat_body);
        g_free(id);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const struct pdf_attachment *a = es[i].a;
        es[i].ef = next++;
        offs[es[i].ef - size] = out->len - start;
        sb_addf(out, "%ld 0 obj\n<< /Type /EmbeddedFile", es[i].ef);
        if (a->mime && *a->mime) {
            sb_adds(out, " /Subtype ");
            name(out, a->mime);
        }
        sb_addf(out, " /Length %zu /Params << /Size %zu", a->len, a->len);
        if (*moddate)
            sb_addf(out, " /ModDate (%s)", moddate);
        sb_adds(out, " >> >>\nstream\n");
        if (a->len)
            sb_add(out, a->data, a->len);
        sb_adds(out, "\nendstream\nendobj\n");

        es[i].fs = next++;
        offs[es[i].fs - size] = out->len - start;
        sb_addf(out, "%ld 0 obj\n<< /Type /Filespec /F ", es[i].fs);
        /* /F: a byte string for old readers (non-ASCII as _), /UF: the text string */
        strbuf f;
        sb_init(&f, NULL, 32);
        for (const unsigned char *p = (const unsigned char *)a->name; *p; p++)
            sb_addc(&f, *p < 0x80 ? (char)*p : '_');
        literal(out, f.buf, f.len);
        sb_release(&f);
        sb_adds(out, " /UF ");
        literal(out, es[i].key.buf, es[i].key.len);
        sb_addf(out, " /EF << /F %ld 0 R /UF %ld 0 R >> /AFRelationship %s >>\nendobj\n", es[i].ef,
                es[i].ef, !strcmp(a->name, "factur-x.xml") ? "/Alternative" : "/Unspecified");
    }
    long tree = 0, meta = 0;
    if (n > 0) {
        tree = next++;
        offs[tree - size] = out->len - start;
        sb_addf(out, "%ld 0 obj\n<< /Names [", tree);
        for (int i = 0; i < n; i++) {
            sb_addc(out, ' ');
            literal(out, es[i].key.buf, es[i].key.len);
            sb_addf(out, " %ld 0 R", es[i].fs);
        }
        sb_adds(out, " ] >>\nendobj\n");
    }
    if (doc->facturx_level) {
        strbuf x;
        sb_init(&x, NULL, 4096);
        xmp_packet(&x, doc, iso_now);
        meta = next++;
        offs[meta - size] = out->len - start;
        sb_addf(out, "%ld 0 obj\n<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n", meta,
                x.len);
        sb_add(out, x.buf, x.len);
        sb_adds(out, "\nendstream\nendobj\n");
        bool failed = x.failed;
        sb_release(&x);
        if (failed) {
            free(offs);
            g_free(cat_body);
            g_free(id);
            goto done;
        }
    }

    size_t cat_off = out->len - start;
    sb_addf(out, "%ld %ld obj\n<<%s /Version /1.7", root.num, root.gen, cat_body);
    if (meta)
        sb_addf(out, " /Metadata %ld 0 R", meta);
    if (n > 0) {
        sb_addf(out, " /Names << /EmbeddedFiles %ld 0 R >> /AF [", tree);
        /* /AF in the order given by the caller */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (es[j].a == &att[i])
                    sb_addf(out, " %ld 0 R", es[j].fs);
        sb_adds(out, " ]");
    }
    sb_adds(out, "\n>>\nendobj\n");

    size_t new_xref = out->len - start;
    sb_addf(out, "xref\n%ld 1\n", root.num);
    offset_entry(out, cat_off, root.gen);
    sb_addf(out, "%ld %ld\n", size, next - size);
    for (long i = size; i < next; i++)
        offset_entry(out, offs[i - size], 0);
    sb_addf(out, "trailer\n<< /Size %ld /Root %ld %ld R", next, root.num, root.gen);
    if (info.num > 0)
        sb_addf(out, " /Info %ld %ld R", info.num, info.gen);
    if (id)
        sb_addf(out, " %s", id);
    sb_addf(out, " /Prev %ld >>\nstartxref\n%zu\n%%%%EOF\n", xref_off, new_xref);
    free(offs);
    g_free(cat_body);
    g_free(id);
    rc = out->failed ? -1 : 0;

done:
    for (int i = 0; i < n; i++)
        sb_release(&es[i].key);
    free(es);
    return rc;
}
