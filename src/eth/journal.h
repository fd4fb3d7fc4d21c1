/* The transaction journal's storage (LMDB), internal to src/eth. */
#ifndef XTALPROOF_SRC_ETH_JOURNAL_H
#define XTALPROOF_SRC_ETH_JOURNAL_H

#include <jansson.h>

#include "xtalproof/eth_send.h"

/* Builds the record for the nonce chosen inside the write transaction. */
typedef json_t *(*xp_jr_build)(uint64_t nonce, void *ctx, xp_error *err);

int xp_jr_get(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t nonce,
              json_t **rec, xp_error *err);
int xp_jr_put(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t nonce,
              const json_t *rec, xp_error *err);
/* In one write transaction: an idempotency key already present gives its nonce (*reused = 1)
 * unless its entry failed; otherwise the nonce is max(min_nonce, 1 + the highest nonce of a
 * live entry), build() makes the record and both are stored. */
int xp_jr_allocate(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t min_nonce,
                   const char *idem, xp_jr_build build, void *ctx, uint64_t *nonce, int *reused,
                   xp_error *err);
/* The live entry an idempotency key names: 0 and its nonce, or XP_ENOTFOUND. */
int xp_jr_find_idem(xp_journal *j, uint64_t chain, const uint8_t from[20], const char *idem,
                    uint64_t *nonce, xp_error *err);
/* All entries of chain and sender in nonce order: a JSON array of records (each with
 * "nonce"). */
int xp_jr_list(xp_journal *j, uint64_t chain, const uint8_t from[20], json_t **arr,
               xp_error *err);

#endif
