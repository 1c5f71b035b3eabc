/*
 * Time zones from the system's time zone files (/usr/share/zoneinfo, Debian's tzdata), read
 * here: the C library has no thread-safe way to ask for another zone than the process's (TZ is
 * an environment variable). A file (TZif, RFC 8536) is read once per zone and kept: its
 * transitions (64-bit, version 2 and later) and the UTC offset after each. Instants after the
 * last transition keep its offset (Debian's files list transitions up to 2037).
 */
#include "util/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ZONES 64
#define ZONE_DIR  "/usr/share/zoneinfo/"

struct zone {
    char name[64];
    int n;          /* transitions */
    int64_t *at;    /* transition instants, ascending */
    int32_t *after; /* the offset from each on */
    int32_t before; /* before the first: the first standard time's offset */
};

static struct zone zones[MAX_ZONES];
static int nzones;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool name_ok(const char *zone)
{
    size_t n = zone ? strlen(zone) : 0;
    if (!n || n >= sizeof(zones[0].name) || zone[0] == '/' || strstr(zone, ".."))
        return false;
    for (const char *p = zone; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return false;
    return true;
}

static uint64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* Parses a TZif file's version 2+ block into z; false when it is not one. */
static bool parse(const unsigned char *d, size_t len, struct zone *z)
{
    if (len < 44 || memcmp(d, "TZif", 4) != 0 || d[4] < '2')
        return false;
    /* skip the version 1 block: header counts, then 4-byte times */
    uint64_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be(d + 20 + 4 * i, 4); /* isut, isstd, leap, time, type, char */
    size_t v1 = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (v1 + 44 > len || memcmp(d + v1, "TZif", 4) != 0)
        return false;
    const unsigned char *h = d + v1;
    for (int i = 0; i < 6; i++)
        c[i] = be(h + 20 + 4 * i, 4);
    uint64_t timecnt = c[3], typecnt = c[4];
    size_t need = 44 + timecnt * 9 + typecnt * 6;
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || v1 + need > len)
        return false;
    const unsigned char *times = h + 44, *idx = times + timecnt * 8, *types = idx + timecnt;
    z->at = malloc((timecnt + 1) * sizeof(int64_t));
    z->after = malloc((timecnt + 1) * sizeof(int32_t));
    if (!z->at || !z->after) {
        free(z->at);
        free(z->after);
        return false;
    }
    for (uint64_t i = 0; i < timecnt; i++) {
        if (idx[i] >= typecnt) {
            free(z->at);
            free(z->after);
            return false;
        }
        z->at[i] = (int64_t)be(times + 8 * i, 8);
        z->after[i] = (int32_t)be(types + 6 * idx[i], 4);
    }
    z->n = (int)timecnt;
    z->before = (int32_t)be(types, 4);
    for (uint64_t t = 0; t < typecnt; t++)
        if (!types[6 * t + 4]) { /* the first type that is not daylight saving */
            z->before = (int32_t)be(types + 6 * t, 4);
            break;
        }
    return true;
}

/* The zone's entry, read on first use; NULL when there is no such zone. Under lock. */
static struct zone *load(const char *name)
{
    if (!name_ok(name))
        return NULL;
    for (int i = 0; i < nzones; i++)
        if (!strcmp(zones[i].name, name))
            return &zones[i];
    if (nzones == MAX_ZONES)
        return NULL;
    char path[sizeof(ZONE_DIR) + 64];
    snprintf(path, sizeof(path), ZONE_DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    struct zone *z = &zones[nzones];
    memset(z, 0, sizeof(*z));
    bool ok = buf && parse(buf, len, z);
    free(buf);
    if (!ok)
        return NULL;
    snprintf(z->name, sizeof(z->name), "%s", name);
    nzones++;
    return z;
}

bool time_zone_offset(const char *zone, time_t t, int *offset)
{
    pthread_mutex_lock(&lock);
    const struct zone *z = load(zone);
    if (z) {
        int lo = 0, hi = z->n; /* the first transition after t */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (z->at[mid] <= (int64_t)t)
                lo = mid + 1;
            else
                hi = mid;
        }
        *offset = lo == 0 ? z->before : z->after[lo - 1];
    }
    pthread_mutex_unlock(&lock);
    return z != NULL;
}

bool time_zone_valid(const char *zone)
{
    int off;
    return time_zone_offset(zone, 0, &off);
}

void date_today_in(const char *zone, char *out)
{
    time_t now = (time_t)(time_now_ms() / 1000);
    int off = 0;
    if (zone && !time_zone_offset(zone, now, &off))
        off = 0;
    char iso[TIMESTAMP_LEN + 1];
    time_format_iso(now + off, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}
