#ifndef MOCOD_MIGRATE_H
#define MOCOD_MIGRATE_H

#include "db/db.h"

/* Applies the versioned migrations this binary knows, then syncs resource tables from their
 * declarations. Safe to run at every start and from several processes. */
int db_migrate(db *d, int (*sync_resources)(db *d, db_conn *c));
/* The schema version in the database (0 when new). */
int db_schema_version(db_conn *c);

#endif
