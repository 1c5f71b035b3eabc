/* Integers from text, range-checked: a value out of int64's range is an error, never clamped. */
#ifndef MOCOD_PARSE_H
#define MOCOD_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Reads an optional sign and decimal digits at s; *end (when not NULL) gets the first byte after
 * them. False when there are no digits or the value does not fit. */
bool parse_i64_prefix(const char *s, const char **end, int64_t *out);
/* The whole of s is one integer. */
bool parse_i64(const char *s, int64_t *out);

#endif
