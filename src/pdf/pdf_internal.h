/* Internal to src/pdf: the post-processing step that embeds files in a PDF cairo wrote. */
#ifndef MOCOD_PDF_INTERNAL_H
#define MOCOD_PDF_INTERNAL_H

#include "pdf/pdf.h"

/* Appends an incremental update to the PDF in out->buf[start..len): doc's attachments as
 * embedded files (EmbeddedFiles name tree, /AF of the catalog) and, with doc->facturx_level, the
 * XMP metadata stream. Returns 0, or -1 (out of memory, an invalid attachment, a PDF whose
 * structure this step does not know). */
int pdf_embed_files(strbuf *out, size_t start, const struct pdf_doc *doc);

#endif
