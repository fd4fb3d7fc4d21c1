/* Proof documents: the JSON that `xtalproof proof` and `xtalproof consistency` print and that
 * `verify-proof` and `consistency --verify` read (docs/formats.md, "Proof JSON"). The parsers
 * take outside bytes: strict types, exact hex lengths, at most XP_MERKLE_MAX_PROOF hashes. */
#ifndef XTALPROOF_PROOFDOC_H
#define XTALPROOF_PROOFDOC_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/merkle.h"
#include "xtalproof/store.h"

typedef struct xp_inclusion_doc {
    char dataset[XP_DATASET_NAME_MAX + 1];
    uint32_t version;
    uint64_t size;
    uint8_t root[32];
    uint64_t index;
    uint8_t leaf[XP_RECORD_LEN];
    uint8_t leaf_hash[32];
    xp_merkle_proof path;
} xp_inclusion_doc;

typedef struct xp_consistency_doc {
    char dataset[XP_DATASET_NAME_MAX + 1];
    uint32_t from_version, to_version;
    uint64_t from_size, to_size;
    uint8_t from_root[32], to_root[32];
    xp_merkle_proof proof;
} xp_consistency_doc;

/* malloc'd JSON text (pretty, fields in the documented order, ending in a newline). */
char *xp_inclusion_doc_json(const xp_inclusion_doc *d);
char *xp_consistency_doc_json(const xp_consistency_doc *d);

int xp_inclusion_doc_parse(const char *text, size_t len, xp_inclusion_doc *d, xp_error *err);
int xp_consistency_doc_parse(const char *text, size_t len, xp_consistency_doc *d, xp_error *err);

/* Checks a document on its own: leafHash = keccak(0x00 ‖ leaf), the leaf is a record of the
 * documented layout (decoded into rec if not NULL), and the path leads to root. 0 valid;
 * XP_ECRYPTO or XP_EINVAL with the reason. The root itself must be compared with a trusted
 * one (an anchored version) by the caller. */
int xp_inclusion_doc_verify(const xp_inclusion_doc *d, xp_record *rec, xp_error *err);
int xp_consistency_doc_verify(const xp_consistency_doc *d, xp_error *err);

/* The inclusion proof of the record of `symhash` in version `number` (0: the latest) of a
 * dataset, checked before it is handed out; `what` names the crystal in messages (NULL: its
 * symhash). XP_ENOTFOUND when the dataset's version does not hold it. */
struct xp_store;
int xp_inclusion_doc_make(struct xp_store *s, const char *dataset, uint32_t number,
                          const uint8_t symhash[32], const char *what, xp_inclusion_doc *doc,
                          xp_error *err);

/* The consistency proof of version `from` of a dataset to version `to` (from <= to), checked
 * before it is handed out. */
int xp_consistency_doc_make(struct xp_store *s, const char *dataset, uint32_t from, uint32_t to,
                            xp_consistency_doc *doc, xp_error *err);

#endif
