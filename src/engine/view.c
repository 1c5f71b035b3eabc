/* Views (struct view): reports computed from other resources' rows. The engine checks the read
 * permission of the view's area and parses its declared query parameters; each problem is a 422
 * naming the parameter, before the view's own code runs. */
#include "engine/internal.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERM_MAX 255

/* ?from=&to=: each defaults to the first and last day of the current year */
static int parse_range(struct req *r, const struct view *v, struct view_args *a)
{
    snprintf(a->from, sizeof a->from, "%.4s-01-01", a->today);
    snprintf(a->to, sizeof a->to, "%.4s-12-31", a->today);
    const char *f = req_query(r, "from"), *t = req_query(r, "to");
    if (f && *f) {
        if (!date_valid(f))
            return req_fail(r, 422, "from", "must be a date (YYYY-MM-DD)");
        snprintf(a->from, sizeof a->from, "%s", f);
    }
    if (t && *t) {
        if (!date_valid(t))
            return req_fail(r, 422, "to", "must be a date (YYYY-MM-DD)");
        snprintf(a->to, sizeof a->to, "%s", t);
    }
    if (strcmp(a->from, a->to) > 0)
        return req_fail(r, 422, "to", "must not be before from");
    if (!v->max_days)
        return 0;
    /* count the days, at most max_days + 1 steps */
    char day[11];
    snprintf(day, sizeof day, "%s", a->from);
    int n = 1;
    while (strcmp(day, a->to) < 0 && n <= v->max_days && date_add(day, 0, 1, day))
        n++;
    if (n > v->max_days)
        return req_fail(r, 422, "to", "must be at most %d days after from", v->max_days - 1);
    a->ndays = n;
    return 0;
}

static int parse_year(struct req *r, struct view_args *a)
{
    a->year = atoi(a->today);
    const char *y = req_query(r, "year");
    if (!y || !*y)
        return 0;
    bool digits = strlen(y) == 4;
    for (int i = 0; digits && i < 4; i++)
        digits = y[i] >= '0' && y[i] <= '9';
    a->year = digits ? atoi(y) : 0;
    if (a->year < 1900 || a->year > 2100)
        return req_fail(r, 422, "year", "must be a year of four digits (1900 to 2100)");
    return 0;
}

static int parse_active(struct req *r, struct view_args *a)
{
    const char *v = req_query(r, "active");
    a->active = false;
    if (!v || !*v || !engine_bool_from_text(v, &a->active))
        return 0;
    return req_fail(r, 422, "active", "must be true or false");
}

static int parse_term(struct req *r, struct view_args *a)
{
    const char *t = req_query(r, "term");
    a->term = t && *t ? t : NULL;
    if (a->term && strlen(a->term) > TERM_MAX)
        return req_fail(r, 422, "term", "must be at most %d characters", TERM_MAX);
    if (a->term)
        a->term_like = engine_like_pattern(r->arena, a->term, strlen(a->term));
    return 0;
}

int engine_view(struct req *r, const struct view *v)
{
    if (v->area != AREA_OF_ENTITY && req_require_read(r, v->area))
        return -1;
    struct view_args a;
    memset(&a, 0, sizeof a);
    date_today_in(r->settings.time_zone, a.today);
    if (((v->params & VP_RANGE) && parse_range(r, v, &a)) ||
        ((v->params & VP_YEAR) && parse_year(r, &a)) ||
        ((v->params & VP_ACTIVE) && parse_active(r, &a)) ||
        ((v->params & VP_TERM) && parse_term(r, &a)))
        return -1;
    return v->fn(r, &a);
}
