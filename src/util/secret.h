/* Password hashes (Argon2id) and random identifiers (libsodium's generator). */
#ifndef MOCOD_SECRET_H
#define MOCOD_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_LEN 128 /* crypto_pwhash_STRBYTES */

int password_hash(const char *password, char *out /* PASSWORD_HASH_LEN */);
bool password_verify(const char *hash, const char *password);
void random_uuid(char *out /* 37 bytes */);
void random_hex(char *out, size_t nbytes); /* writes 2*nbytes hex chars + NUL */

#endif
