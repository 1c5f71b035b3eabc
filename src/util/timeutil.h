/* Dates and times: UTC timestamps as "YYYY-MM-DDTHH:MM:SSZ", dates as "YYYY-MM-DD". */
#ifndef MOCOD_TIMEUTIL_H
#define MOCOD_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TIMESTAMP_LEN 20 /* "2018-10-17T09:33:46Z" */

/* Writes the current UTC time into out (at least TIMESTAMP_LEN + 1 bytes). */
void time_now_iso(char *out);
void time_format_iso(time_t t, char *out);
/* Parses an ISO 8601 timestamp (date only, or date-time with Z, offsets or fraction) into UTC. */
bool time_parse_iso(const char *s, time_t *out);
/* True if s is a valid calendar date YYYY-MM-DD. */
bool date_valid(const char *s);
/* For a valid date: is it the last day of its month? */
bool date_last_of_month(const char *s);
int64_t time_now_ms(void);
double time_now_mono(void);

#endif
