/* The HTML clean-up of comment texts (resources/comments.c), for tests and fuzzing: keeps the
 * tags MOCO keeps, without attributes, and the text of all others; an arena string. */
#ifndef MOCOD_COMMENTS_HTML_H
#define MOCOD_COMMENTS_HTML_H

#include "util/arena.h"

char *comments_sanitize_html(arena *a, const char *in);

#endif
