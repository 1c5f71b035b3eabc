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
/* Days since 1970-01-01 of a valid date (YYYY-MM-DD; 0 for text that is none). */
int64_t date_day_number(const char *date);
/* For a valid date: is it the last day of its month? */
bool date_last_of_month(const char *s);
/* out (11 bytes) = date + months (the day kept, or the month's last when it has fewer) + days;
 * false for an invalid date or a result outside the years 1 to 9999. */
bool date_add(const char *date, int months, int days, char *out);
/* The wall clock (ms since the epoch): the system's, or the test clock's. */
int64_t time_now_ms(void);
double time_now_mono(void);
/* The test clock: from now on the wall clock reads `now` and runs on from there (mocod
 * --fake-now, for tests only). Call before any thread starts. */
void time_set_fake(time_t now);

/* Time zones (the IANA names of /usr/share/zoneinfo, "Europe/Berlin"). True when the name is one
 * (a plain relative name, no "..", and its file a time zone file). */
bool time_zone_valid(const char *zone);
/* The offset from UTC, in seconds, of zone at the instant t; false for an unknown zone. */
bool time_zone_offset(const char *zone, time_t t, int *offset);
/* Today's date (YYYY-MM-DD, 11 bytes with the NUL) in zone by the wall clock; UTC's for an
 * unknown zone. */
void date_today_in(const char *zone, char *out);

#endif
