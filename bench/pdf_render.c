/*
 * PDFs per second for a 50-item invoice (src/pdf), in one thread or several.
 *   bench_pdf_render [SECONDS [THREADS [OUT.pdf]]]    default 5 s, 1 thread; OUT.pdf: one sample
 * Built on request: cmake -DMOCOD_BENCH_PDF=ON, then build/bench_pdf_render. The invoice: 50 items
 * with a description each, 3 totals, letter paper, a 4 KiB factur-x.xml embedded; 3 pages, 36 KB.
 * First measurement (RelWithDebInfo, a 2-core machine shared with other builds, so noisy): about
 * 55-70 PDFs/s in one thread, 95 PDFs/s in two.
 */
#include "pdf/pdf.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NITEMS 50

static char titles[NITEMS][64], descs[NITEMS][96], qtys[NITEMS][16], prices[NITEMS][32],
    totals_txt[NITEMS][32];
static struct pdf_line lines[NITEMS + 2];
static const struct pdf_total totals[] = {
    {"Netto", "61.275,00 €", 0},
    {"USt. 19 %", "11.642,25 €", 0},
    {"Gesamtbetrag", "72.917,25 €", 1},
};
static unsigned char xml[4096];
static struct pdf_attachment att[] = {{"factur-x.xml", "text/xml", xml, sizeof(xml)}};
static struct pdf_doc doc = {
    .lang = "de",
    .title = "Rechnung",
    .identifier = "R-2026-00042",
    .date = "01.12.2026",
    .due_date = "31.12.2026",
    .service_period = "01.11.2026 – 30.11.2026",
    .sender_address = "Müller & Söhne GmbH\nGroßbeerenstraße 12\n10963 Berlin",
    .recipient_address = "Bäckerei Überall KG\nÖlmühlenweg 7\n80331 München",
    .salutation = "Sehr geehrte Damen und Herren,\nfür unsere Leistungen berechnen wir:",
    .footer = "Zahlbar innerhalb von 30 Tagen ohne Abzug.",
    .lines = lines,
    .totals = totals,
    .ntotals = 3,
    .letter_paper_header = "Müller & Söhne GmbH · Softwareentwicklung",
    .letter_paper_footer =
        "Amtsgericht Charlottenburg HRB 12345 · IBAN DE02 1203 0000 0000 2020 51",
    .embed = att,
    .nembed = 1,
};

static double seconds = 5;
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct job {
    long count;
    size_t bytes;
    int rc;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    double end = now() + seconds;
    strbuf sb;
    sb_init(&sb, NULL, 1 << 16);
    while (now() < end) {
        sb_reset(&sb);
        if (pdf_render(&doc, &sb)) {
            j->rc = -1;
            break;
        }
        j->count++;
        j->bytes = sb.len;
    }
    sb_release(&sb);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        seconds = atof(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > 64 || seconds <= 0) {
        fprintf(stderr, "usage: %s [SECONDS [THREADS [OUT.pdf]]]\n", argv[0]);
        return 2;
    }
    for (int i = 0; i < NITEMS; i++) {
        snprintf(titles[i], sizeof(titles[i]), "Pos%02d Größenprüfung Übergabe", i + 1);
        snprintf(descs[i], sizeof(descs[i]), "Änderungen an der Oberfläche, Rücksprache %d", i);
        snprintf(qtys[i], sizeof(qtys[i]), "%d,5", i + 1);
        snprintf(prices[i], sizeof(prices[i]), "1.%03d,00 €", i);
        snprintf(totals_txt[i], sizeof(totals_txt[i]), "%d.%03d,50 €", i + 1, i * 7);
        lines[i] = (struct pdf_line){"item", titles[i], descs[i],     qtys[i],
                                     "Std.", prices[i], totals_txt[i]};
    }
    doc.nlines = NITEMS;
    memset(xml, 'x', sizeof(xml));
    if (pdf_init()) {
        fprintf(stderr, "pdf_init failed\n");
        return 1;
    }
    if (argc > 3) {
        strbuf sb;
        sb_init(&sb, NULL, 0);
        FILE *f = fopen(argv[3], "wb");
        if (pdf_render(&doc, &sb) || !f || fwrite(sb.buf, 1, sb.len, f) != sb.len) {
            fprintf(stderr, "cannot write %s\n", argv[3]);
            return 1;
        }
        fclose(f);
        sb_release(&sb);
    }
    pthread_t th[64];
    struct job jobs[64] = {{0}};
    double t0 = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].rc) {
            fprintf(stderr, "render failed\n");
            return 1;
        }
        total += jobs[i].count;
    }
    double dt = now() - t0;
    pdf_shutdown();
    printf("%d items, %d thread(s): %ld PDFs in %.2f s = %.1f PDFs/s (%zu bytes each)\n", NITEMS,
           threads, total, dt, (double)total / dt, jobs[0].bytes);
    return 0;
}
