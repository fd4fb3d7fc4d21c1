/* The node's prediction records in its store (docs/formats.md, "Prediction records in the
 * store"; the prover's rules over the store's tables, predtable.h): the table "predictions" from a
 * record's hash (xp_pred_record_hash, the keccak of its signed words) to its JSON text as
 * xp_pred_record_json writes it, and two indexes,
 * "predictions_by_symhash" (symhash ‖ hash) and "predictions_by_round" (chainId ‖ Rounds
 * contract ‖ round ‖ target ‖ hash, integers big-endian), both with empty values.
 *
 * Only records that parse, whose signature recovers to their predictor and whose salt (if
 * any) opens their commitment are stored. Under one hash the store keeps one record and lets
 * it only gain facts that are outside the signed bytes: the salt (the revealed form), the
 * anchor's fields and the dataset proof. Putting a record again is a no-op; putting one that
 * adds facts upgrades the stored one (the union of both is kept); a record whose unsigned facts
 * contradict the stored ones (another salt, model id, commit transaction or dataset proof) is
 * refused with XP_EEXIST. */
#ifndef XTALPROOF_PREDICTIONS_H
#define XTALPROOF_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/prover.h"
#include "xtalproof/store.h"

typedef enum {
    XP_PRED_ADDED = 1,    /* the hash was new */
    XP_PRED_SAME = 2,     /* the store held it already, with every fact given (or more) */
    XP_PRED_UPGRADED = 3, /* the stored record gained facts (such as the salt) */
} xp_pred_put_status;

/* Checks a record (parse, signature, salt against the commitment) and stores it as above.
 * hash (optional) gets the record's hash, status (optional) what happened. */
int xp_pred_put(xp_store *s, const char *json, size_t len, uint8_t hash[32],
                xp_pred_put_status *status, xp_error *err);
/* The same for a record in memory (written with xp_pred_record_json, then put). */
int xp_pred_put_record(xp_store *s, const xp_pred_record *r, uint8_t hash[32],
                       xp_pred_put_status *status, xp_error *err);

/* The salt of a record's prediction slot (xp_prove_salt_key; the record's predictor must be
 * set): the one in the store's secrets table, or, unless `reveal`, a new one drawn and stored
 * first. With `reveal` and no stored salt: XP_ENOTFOUND. */
int xp_pred_slot_salt(xp_store *s, const xp_pred_record *r, int reveal, uint8_t salt[32],
                      xp_error *err);

/* Making a record and keeping it: what `prove` and the node's POST /v1/predictions do. */
typedef struct xp_pred_make_in {
    xp_prove_in in;            /* the structure file, the model, the round */
    const uint8_t *priv;       /* the predictor's key (32 bytes): it signs */
    int reveal;                /* the record with its salt (already in the store: XP_ENOTFOUND) */
    const char *dataset;       /* NULL, or the dataset whose inclusion proof the record carries */
    int has_model_id;          /* the model's id in ModelRegistry, for the reveal */
    uint64_t model_id;
} xp_pred_make_in;
/* Fills, commits (the salt of the prediction slot, drawn and stored the first time), signs and
 * stores a record; r gets it whole. When the store already holds the record with other unsigned
 * facts (another dataset proof or model id) it keeps its own and this returns XP_EEXIST, r then
 * being the signed record made here. */
int xp_pred_make(xp_store *s, const xp_pred_make_in *mk, xp_pred_record *r, uint8_t hash[32],
                 xp_pred_put_status *status, xp_error *err);

/* The stored JSON text under a hash (malloc'd, NUL-terminated, *len its length); XP_ENOTFOUND
 * when there is none. */
int xp_pred_get(xp_store *s, const uint8_t hash[32], char **json, size_t *len, xp_error *err);

typedef enum {
    XP_PRED_ALL = 0,        /* every record, by hash */
    XP_PRED_BY_SYMHASH = 1, /* one crystal's records, by hash */
    XP_PRED_BY_ROUNDS = 2,  /* one chain's Rounds contract, by (round, target, hash) */
} xp_pred_index;

typedef struct xp_pred_query {
    xp_pred_index by;
    uint8_t symhash[32];            /* XP_PRED_BY_SYMHASH */
    uint64_t chain_id;              /* XP_PRED_BY_ROUNDS (chainId 0 and the zero address: */
    uint8_t rounds[XP_ADDRESS_LEN]; /*   the records made for no round) */
    int has_slot;                   /* XP_PRED_BY_ROUNDS: only this (round, target) */
    uint64_t round, target;
    int has_after;     /* resume after this record (a hash the scan gave; */
    uint8_t after[32]; /*   XP_EINVAL when the store holds no such record) */
    size_t limit;      /* records taken before the scan stops; 0: no limit */
} xp_pred_query;

/* What a scan's callback answers for one record. */
enum {
    XP_PRED_TAKE = 0, /* counted against the limit */
    XP_PRED_SKIP = 1, /* filtered out: not counted */
    XP_PRED_STOP = 2  /* stop here (the scan returns 0) */
};
/* Called inside the store's read transaction: it may read the store, never write it. A
 * negative XP_E* code stops the scan, which returns it. */
typedef int (*xp_pred_fn)(void *arg, const uint8_t hash[32], const char *json, size_t len);

/* Hands the records of q's index to fn in the index's order. When the limit stopped the scan
 * and the index holds more records in q's range, *has_next is 1 and next gets the hash to give
 * as the next query's `after` (with a filtering callback the next page may be empty). */
int xp_pred_scan(xp_store *s, const xp_pred_query *q, xp_pred_fn fn, void *arg, int *has_next,
                 uint8_t next[32], xp_error *err);

#endif
