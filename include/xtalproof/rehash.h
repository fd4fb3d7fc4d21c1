/* A dataset's maintenance: its consistency checked after a crash (`xtalproof dataset check`),
 * and its records keyed again with the current symhash (`xtalproof dataset rehash`,
 * docs/formats.md, "Re-keying a dataset"). */
#ifndef XTALPROOF_REHASH_H
#define XTALPROOF_REHASH_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/store.h"

/* Everything a crash could have broken: each record's leaf against its stored leaf node and
 * its symhash index entry, every version's stored root against the root recomputed from the
 * records, and the counts of every table against the dataset's size; and the owner's creation
 * signature (xp_dataset_owner_status: one that does not recover to the owner is XP_EINVAL; an
 * owner without one is the caller's to flag). 0, or XP_EIO naming what disagrees. */
int xp_dataset_check(xp_store *s, const xp_dataset *d, xp_error *err);

/* What re-keying did with one file or record, in the order it happened. */
typedef enum {
    XP_REHASH_FAILED,         /* file: unreadable or not a structure (error) */
    XP_REHASH_NOT_REGISTERED, /* file: no record of the dataset has its bytes */
    XP_REHASH_CURRENT,        /* record: its symhash is already the current one */
    XP_REHASH_REKEYED,        /* record: appended again under its current symhash (index) */
    XP_REHASH_DUPLICATE,      /* record: its crystal is already the record at index */
    XP_REHASH_NOT_GIVEN       /* record: its file was not among the paths */
} xp_rehash_status;

typedef struct xp_rehash_event {
    xp_rehash_status status;
    const char *file;    /* the file (NULL for NOT_GIVEN) */
    const char *error;   /* FAILED: why */
    uint64_t record;     /* the old record (not for FAILED, NOT_REGISTERED) */
    uint8_t from[32];    /* the old record's symhash */
    uint8_t symhash[32]; /* CURRENT, REKEYED, DUPLICATE: the current symhash */
    uint64_t index;      /* REKEYED: the new record; DUPLICATE: the record already there */
} xp_rehash_event;

typedef void (*xp_rehash_fn)(void *ctx, const xp_rehash_event *ev);

typedef struct xp_rehash_summary {
    uint64_t records, files, rekeyed, merged, current, not_given, not_registered, failed;
    int new_version; /* a version was cut over the grown log */
    xp_version v;    /* the latest version (number 0: none) */
} xp_rehash_summary;

/* Re-keys the records of d whose registered files are among paths (files or folders, walked;
 * each file read up to max_file bytes, found by its SHA-256): a record with the file's current
 * symhash and protohash is appended for each, keeping the old record's contributor, timestamp
 * and parent (a parent re-keyed in the same run takes its new symhash), its metadata gaining
 * "rehashedFrom": {"record": i, "symhash": old}; then a version is cut at cut_time over the grown
 * log. The old records keep their leaves (the log is append-only). fn (may be NULL) hears of
 * every file and record. A file that cannot be read counts as failed and does not stop the run;
 * an error of the store does (non-zero, with err). Running it again adds nothing. */
int xp_dataset_rehash(xp_store *s, const xp_dataset *d, const char *const *paths, size_t npaths,
                      size_t max_file, uint64_t cut_time, xp_rehash_fn fn, void *ctx,
                      xp_rehash_summary *sum, xp_error *err);

#endif
