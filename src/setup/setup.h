/* Account set-up for the command line (init, apikey, demo): not a resource, and not a request;
 * the demo data is written through the engine, checked like API input. */
#ifndef MOCOD_SETUP_H
#define MOCOD_SETUP_H

#include "db/db.h"
#include "util/arena.h"

#include <stddef.h>

/* Creates the account when new (with its default unit and roles) and its administrator when new;
 * returns that user's API key (arena string) or NULL with a message in err. */
char *account_setup(db_conn *c, arena *a, const char *subdomain, const char *email,
                    const char *password, const char *firstname, const char *lastname, char *err,
                    size_t errlen);
/* Creates an account API key ("read" or "full"). */
char *account_key(db_conn *c, arena *a, const char *subdomain, const char *access, char *err,
                  size_t errlen);
/* Gives every account that has no VAT codes (made before mocod had them) the defaults a new
 * account gets (vat_defaults_seed), dated as the account; at every start, after the migrations. */
int accounts_seed_defaults(db_conn *c);
/* Adds sample data (teams, staff, tags, custom fields) to an account. */
int account_demo_data(db_conn *c, arena *a, const char *subdomain);

#endif
