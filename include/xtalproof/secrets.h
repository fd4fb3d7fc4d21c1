/* Private values of the node kept in its store, never published: one LMDB table "secrets"
 * from a 32-byte key to a short value (a prediction's salt until it is revealed). A value, once
 * written under a key, is never replaced, so a second writer gets the first value back. */
#ifndef XTALPROOF_SECRETS_H
#define XTALPROOF_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/store.h"

#define XP_SECRET_MAX 256

/* Stores val (1..XP_SECRET_MAX bytes) under key unless the key holds a value already; either
 * way *stored gets the value now under the key (which may be the earlier one) and *len its
 * length (stored holds XP_SECRET_MAX bytes). */
int xp_secret_put_once(xp_store *s, const uint8_t key[32], const void *val, size_t val_len,
                       uint8_t *stored, size_t *len, xp_error *err);
/* XP_ENOTFOUND when the key holds nothing. out holds XP_SECRET_MAX bytes. */
int xp_secret_get(xp_store *s, const uint8_t key[32], uint8_t *out, size_t *len, xp_error *err);

#endif
