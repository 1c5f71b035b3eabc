/* multipart/form-data request bodies (RFC 7578), read into the JSON object a JSON body would
 * give: each text part is a string under its name, each file part (one with a filename) the
 * object {"filename", "base64"} that FT_FILE reads. So a resource sees one form of input,
 * whichever way the client sent it (curl -F file=@x.pdf). */
#ifndef MOCOD_MULTIPART_H
#define MOCOD_MULTIPART_H

#include <jansson.h>
#include <stddef.h>

#define MULTIPART_MAX_PARTS 64

/* The boundary of a Content-Type "multipart/form-data; boundary=..." into buf (cap bytes);
 * its length, or 0 when the type is not multipart/form-data, -1 when it is but has no usable
 * boundary. */
int multipart_boundary(const char *content_type, char *buf, size_t cap);

/* Parses body (len bytes) with boundary. On success *out is a new JSON object and 0 is
 * returned; else the HTTP status to answer (400 malformed form, 413 a file larger than
 * file_max bytes) with the problem in err. */
int multipart_parse(const char *body, size_t len, const char *boundary, size_t file_max,
                    json_t **out, char *err, size_t errlen);

#endif
