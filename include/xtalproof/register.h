/* Registering structure files into a dataset: the records of every structure of each file
 * (symhash, protohash, the file's SHA-256, the dataset owner as contributor, a timestamp, an
 * optional parent and metadata), appended in batches, each batch one transaction, a file never
 * split across two (a file larger than the batch goes alone); duplicates by symhash are skipped
 * by the store. `xtalproof register` and the
 * node's POST /v1/datasets/NAME/structures are both this. */
#ifndef XTALPROOF_REGISTER_H
#define XTALPROOF_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/store.h"
#include "xtalproof/symhash.h"

#define XP_REGISTER_BATCH 1024 /* records per transaction at most */

/* Called once per record of a batch after its transaction commits: the file's label, the
 * structure's place in the file, its record and what the store did (XP_APPEND_ADDED or
 * XP_APPEND_DUPLICATE, with its index in the log). A negative code stops the registration. */
typedef int (*xp_register_fn)(void *ctx, const char *label, size_t structure,
                              const xp_record *rec, int status, uint64_t index, xp_error *err);

typedef struct xp_registrar xp_registrar;

/* Starts registering into a dataset; parent (NULL: none) and meta (canonical JSON, NULL: none:
 * stored in the metadata table first) go into every record, with the timestamp; batch records
 * per transaction (0: XP_REGISTER_BATCH; more: room for that many, for a caller that wants its
 * whole request in one transaction). */
int xp_registrar_open(xp_store *s, const xp_dataset *d, const uint8_t *parent, const char *meta,
                      uint64_t timestamp, size_t batch, xp_register_fn fn, void *ctx,
                      xp_registrar **out, xp_error *err);
/* Adds a file's records, appending the batch first when they would not fit in it. A file of more
 * records than max(batch, XP_REGISTER_BATCH) is refused (XP_EINVAL). */
int xp_registrar_add(xp_registrar *g, const char *label, const xp_file_ids *ids, xp_error *err);
/* Appends what is left; with cut, cuts a version of the dataset at cut_time (*v, *was_cut as
 * xp_store_cut_version), else *v is the latest version (number 0 when there is none). */
int xp_registrar_finish(xp_registrar *g, int cut, uint64_t cut_time, xp_version *v, int *was_cut,
                        xp_error *err);
void xp_registrar_free(xp_registrar *g);

#endif
