/* The store's tables of prediction records, as bytes (docs/formats.md, "Prediction records in
 * the store"): "predictions" from a record's hash to its JSON text, and two indexes with empty
 * values, "predictions_by_symhash" (symhash ‖ hash) and "predictions_by_round" (chainId ‖ Rounds
 * contract ‖ round ‖ target ‖ hash, integers big-endian). What a record is, and when one may
 * replace another, is the prover's (predictions.h): the store only keeps the bytes and the
 * order. */
#ifndef XTALPROOF_PREDTABLE_H
#define XTALPROOF_PREDTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/keys.h"
#include "xtalproof/store.h"

#define XP_PT_ROUND_PREFIX (8 + XP_ADDRESS_LEN)        /* chainId ‖ Rounds contract */
#define XP_PT_ROUND_KEY (XP_PT_ROUND_PREFIX + 8 + 8 + 32) /* ‖ round ‖ target ‖ hash */

/* The predictions_by_round key of a record. */
void xp_pt_round_key(uint64_t chain_id, const uint8_t rounds[XP_ADDRESS_LEN], uint64_t round,
                     uint64_t target, const uint8_t hash[32], uint8_t out[XP_PT_ROUND_KEY]);

/* What to do with the text stored under the hash being put: set *out to a new malloc'd text to
 * replace it, or leave it NULL to keep it; a negative code refuses the put. Called inside the
 * write transaction. */
typedef int (*xp_pt_merge_fn)(void *ctx, const char *old, size_t len, char **out, xp_error *err);

enum { XP_PT_ADDED = 1, XP_PT_SAME = 2, XP_PT_REPLACED = 3 };
/* In one transaction: a new hash is stored with its text and both index entries (XP_PT_ADDED);
 * an existing one is handed to merge (XP_PT_REPLACED when it gave a new text, else XP_PT_SAME). */
int xp_pt_put(xp_store *s, const uint8_t hash[32], const uint8_t symhash[32],
              const uint8_t round_key[XP_PT_ROUND_KEY], const char *json, size_t len,
              xp_pt_merge_fn merge, void *ctx, int *status, xp_error *err);

/* The text under a hash (malloc'd, NUL-terminated; len may be NULL); XP_ENOTFOUND if none. */
int xp_pt_get(xp_store *s, const uint8_t hash[32], char **json, size_t *len, xp_error *err);

typedef enum { XP_PT_MAIN = 0, XP_PT_BY_SYMHASH = 1, XP_PT_BY_ROUND = 2 } xp_pt_index;
/* A scan's callback: 0 take (counted against the limit), 1 skip, 2 stop, or a negative code. */
typedef int (*xp_pt_fn)(void *arg, const uint8_t hash[32], const char *json, size_t len);
/* The entries of an index from key (klen bytes: 32, 64 or XP_PT_ROUND_KEY) on, while their first
 * plen bytes are key's; an entry whose hash is skip (if not NULL) is passed over. At most limit
 * taken (0: no limit); then *has_next is 1 when one more lies in the range. next gets the last
 * taken hash. Inside one read transaction. */
int xp_pt_scan(xp_store *s, xp_pt_index idx, const uint8_t *key, size_t klen, size_t plen,
               const uint8_t *skip, size_t limit, xp_pt_fn fn, void *arg, int *has_next,
               uint8_t next[32], xp_error *err);

#endif
