/* A scratch database for unit tests: a fresh directory with one SQLite file, removed afterwards. */
#ifndef MOCOD_UNIT_DB_H
#define MOCOD_UNIT_DB_H

#include "db/db.h"
#include "unit_helpers.h"

struct unit_db {
    char dir[128];
    char path[256];
    db *d;
    db_conn *c; /* a connection taken by unit_db_open when `with_conn` */
};

/* NULL (with the reason on stderr) when it cannot be made. */
static inline struct unit_db *unit_db_open(const char *tag, const char *file, bool with_conn)
{
    struct unit_db *fx = calloc(1, sizeof(*fx));
    if (!fx || unit_mkdtemp(fx->dir, sizeof(fx->dir), tag)) {
        free(fx);
        return NULL;
    }
    unit_path(fx->path, sizeof(fx->path), fx->dir, file);
    struct db_options opts = {.pool_size = 2};
    char err[256] = "";
    if (db_open(&fx->d, fx->path, &opts, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "db_open: %s\n", err);
        unit_rmtree(fx->dir);
        free(fx);
        return NULL;
    }
    if (with_conn && !(fx->c = db_acquire(fx->d))) {
        db_close(fx->d);
        unit_rmtree(fx->dir);
        free(fx);
        return NULL;
    }
    return fx;
}

static inline void unit_db_close(struct unit_db *fx)
{
    if (fx->c)
        db_release(fx->d, fx->c);
    db_close(fx->d);
    unit_rmtree(fx->dir);
    free(fx);
}

#endif
