/* The node's store: one LMDB environment under $XTALPROOF_HOME (default ~/.xtalproof) holding
 * datasets, their append-only record logs as RFC 9162 Merkle trees, the cut versions with
 * their roots, and indexes by symhash and protohash. docs/formats.md ("Provenance records and
 * the store") gives the record leaf bytes and every table's keys and values.
 *
 * Every change is one write transaction: an append batch (records, tree nodes, indexes and
 * the dataset's size together) or a version cut. When the map is full it is doubled and the
 * transaction run again, so writes never fail for want of room. Roots and proofs of any prefix
 * read O(log n) stored perfect-subtree roots, never the leaves. */
#ifndef XTALPROOF_STORE_H
#define XTALPROOF_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/keys.h"
#include "xtalproof/merkle.h"

#define XP_RECORD_VERSION 1
#define XP_RECORD_LEN 256 /* abi.encode of eight static words */
#define XP_DATASET_NAME_MAX 64
/* The datasets table's entry: 2 adds the owner's creation signature (docs/formats.md). */
#define XP_DATASET_ENTRY_VERSION 2
#define XP_LICENSE_MAX 64
#define XP_DESCRIPTION_MAX 1024

/* A record: the leaf data of DESIGN.md, abi.encode(uint8 version, bytes32 symhash,
 * bytes32 protohash, bytes32 contentSha256, address contributor, uint64 timestamp,
 * bytes32 parent, bytes32 metaHash). */
typedef struct xp_record {
    uint8_t version; /* XP_RECORD_VERSION */
    uint8_t symhash[32];
    uint8_t protohash[32];
    uint8_t content_sha256[32];
    uint8_t contributor[XP_ADDRESS_LEN];
    uint64_t timestamp;    /* seconds since 1970 (UTC) */
    uint8_t parent[32];    /* symhash of the structure it was derived from, or zeros */
    uint8_t meta_hash[32]; /* keccak of the canonical metadata JSON, or zeros */
} xp_record;

void xp_record_encode(const xp_record *r, uint8_t out[XP_RECORD_LEN]);
/* Refuses a length other than 256, nonzero padding, or a version other than 1. */
int xp_record_decode(const uint8_t *data, size_t len, xp_record *r, xp_error *err);
/* keccak(0x00 ‖ encode(r)) */
void xp_record_leaf_hash(const xp_record *r, uint8_t out[32]);

/* Canonical JSON of user metadata: an object; keys sorted by their UTF-8 bytes, no blanks,
 * strings as jansson writes them with UTF-8 kept; numbers must be integers. *out is malloc'd. */
int xp_meta_canonical(const char *json, char **out, xp_error *err);

typedef struct xp_store xp_store;

/* Opens (creating the folders as needed) the environment at home/store. home NULL: the
 * default. map_size 0: 64 MiB to start (an existing larger store keeps its size). */
int xp_store_open(const char *home, size_t map_size, xp_store **out, xp_error *err);
void xp_store_close(xp_store *s);
/* The current map size and the bytes the data file holds. */
void xp_store_sizes(xp_store *s, size_t *map_size, uint64_t *file_bytes);

typedef struct xp_dataset {
    uint32_t id;
    char name[XP_DATASET_NAME_MAX + 1];
    char license[XP_LICENSE_MAX + 1];
    char description[XP_DESCRIPTION_MAX + 1];
    int has_owner;
    uint8_t owner[XP_ADDRESS_LEN];
    int has_owner_sig; /* the owner's creation signature (entry version 2); see
                          xp_dataset_owner_status */
    uint8_t owner_sig[XP_SIG_LEN];
    uint64_t created;
    uint64_t size;     /* records in the log, including those after the last version */
    uint32_t versions; /* versions cut; version v is 1..versions */
} xp_dataset;

typedef struct xp_version {
    uint32_t number;
    uint64_t size;
    uint8_t root[32];
    uint64_t timestamp;
} xp_version;

/* Names: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-' (1 if name is one). */
int xp_dataset_name_ok(const char *name);
/* Refuses a bad name (XP_EINVAL); XP_EEXIST if taken. With owner_key (a private key), the
 * owner is its address and the key signs the creation (xp_dataset_creation_sign), which the
 * entry keeps; without, the dataset has no owner. */
int xp_dataset_create(xp_store *s, const char *name, const char *license, const char *description,
                      const uint8_t *owner_key, uint64_t created, xp_dataset *out, xp_error *err);

/* keccak256 of the creation's fields (docs/formats.md, "A dataset's creation signature"). */
void xp_dataset_creation_hash(const char *name, const char *license, const char *description,
                              const uint8_t owner[XP_ADDRESS_LEN], uint64_t created,
                              uint8_t out[32]);
/* owner = priv's address; sig = its EIP-191 signature of the creation hash (v 27/28). */
int xp_dataset_creation_sign(const char *name, const char *license, const char *description,
                             const uint8_t priv[32], uint64_t created,
                             uint8_t owner[XP_ADDRESS_LEN], uint8_t sig[XP_SIG_LEN],
                             xp_error *err);
enum { XP_OWNER_NONE = 0, XP_OWNER_PROVEN = 1, XP_OWNER_NOT_PROVEN = 2 };
/* What the dataset's owner rests on: none, a signature that recovers to the owner (proven), no
 * signature (an entry made before version 2: not proven, not to be trusted); a signature that
 * does not recover to the owner is an error (XP_EINVAL, naming the dataset). */
int xp_dataset_owner_status(const xp_dataset *d, xp_error *err);
int xp_dataset_get(xp_store *s, const char *name, xp_dataset *out, xp_error *err);
int xp_dataset_get_id(xp_store *s, uint32_t id, xp_dataset *out, xp_error *err);
/* Calls fn for every dataset in name order; a nonzero return stops and is returned. */
int xp_dataset_each(xp_store *s, int (*fn)(void *ctx, const xp_dataset *d), void *ctx,
                    xp_error *err);
/* number 0: the latest. XP_ENOTFOUND if there is none. */
int xp_dataset_version(xp_store *s, uint32_t ds, uint32_t number, xp_version *out, xp_error *err);

enum { XP_APPEND_ADDED = 0, XP_APPEND_DUPLICATE = 1 };

/* Appends records in order in one transaction; a record whose symhash the dataset already
 * holds (also earlier in this batch) is skipped. status[i] and index[i] (either may be NULL)
 * get what happened and the record's index in the log (the existing one for a duplicate). */
int xp_store_append(xp_store *s, uint32_t ds, const xp_record *recs, size_t n, uint8_t *status,
                    uint64_t *index, xp_error *err);
/* Cuts a version at the current size if the log grew since the last one (*cut = 1), storing
 * its root; else *cut = 0 and out is the latest version (out->number 0 if none). */
int xp_store_cut_version(xp_store *s, uint32_t ds, uint64_t timestamp, xp_version *out, int *cut,
                         xp_error *err);
/* Stores canonical metadata JSON under its keccak (nothing if it is there already). */
int xp_store_put_meta(xp_store *s, const uint8_t hash[32], const char *json, xp_error *err);
/* The metadata JSON stored under hash (malloc'd), or XP_ENOTFOUND. */
int xp_store_get_meta(xp_store *s, const uint8_t hash[32], char **json, xp_error *err);

/* Reads: XP_ENOTFOUND where the record or index is not there. */
int xp_store_find(xp_store *s, uint32_t ds, const uint8_t symhash[32], uint64_t *index,
                  xp_error *err);
int xp_store_record(xp_store *s, uint32_t ds, uint64_t index, uint8_t leaf[XP_RECORD_LEN],
                    xp_error *err);
/* The stored level-0 node (leaf hash) of a record. */
int xp_store_leaf_hash(xp_store *s, uint32_t ds, uint64_t index, uint8_t out[32], xp_error *err);
/* MTH of the first size records, from the stored nodes. */
int xp_store_root(xp_store *s, uint32_t ds, uint64_t size, uint8_t root[32], xp_error *err);
int xp_store_inclusion_proof(xp_store *s, uint32_t ds, uint64_t index, uint64_t size,
                             xp_merkle_proof *proof, xp_error *err);
int xp_store_consistency_proof(xp_store *s, uint32_t ds, uint64_t first, uint64_t second,
                               xp_merkle_proof *proof, xp_error *err);

/* Records of other datasets than ds (ds 0: all) with this protohash, or this symhash: fn gets
 * the dataset id, the record index and whether the symhash is equal too. */
int xp_store_protohash_each(xp_store *s, const uint8_t protohash[32], uint32_t skip_ds,
                            int (*fn)(void *ctx, uint32_t ds, uint64_t index, const xp_record *r),
                            void *ctx, xp_error *err);

/* Counts of a dataset's entries in each table, for consistency checks after a crash. */
typedef struct xp_dataset_counts {
    uint64_t records, leaves, nodes, by_symhash, by_protohash, versions;
} xp_dataset_counts;
int xp_store_counts(xp_store *s, uint32_t ds, xp_dataset_counts *out, xp_error *err);

/* A dataset as `dataset show --json` and the node's API show it: name, licence, description,
 * owner, created, records, pending (records after the last version), versions (number, size,
 * root, timestamp). NULL (with err) when a version cannot be read. */
typedef struct json_t json_t;
json_t *xp_dataset_json(xp_store *s, const xp_dataset *d, xp_error *err);

#endif
