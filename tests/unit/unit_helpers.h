/* Small helpers shared by the unit tests: scratch directories that are removed afterwards. */
#ifndef MOCOD_UNIT_HELPERS_H
#define MOCOD_UNIT_HELPERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates a fresh directory below /tmp; writes its path into out (at least 64 bytes). */
static inline int unit_mkdtemp(char *out, size_t outlen, const char *tag)
{
    int n = snprintf(out, outlen, "/tmp/mocod_unit_%s_XXXXXX", tag);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

/* Joins dir and name into out. */
static inline const char *unit_path(char *out, size_t outlen, const char *dir, const char *name)
{
    snprintf(out, outlen, "%s/%s", dir, name);
    return out;
}

/* Removes the files of a (flat) scratch directory, then the directory. */
static inline void unit_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[4096];
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

#endif
