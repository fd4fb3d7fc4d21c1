/* The prover's one pass over a structure file: its identity and, with a model, the network's
 * output. Shared by prove and verify so both run exactly the same steps. */
#ifndef XTALPROOF_PROVER_RUN_H
#define XTALPROOF_PROVER_RUN_H

#include "xtalproof/infer.h"
#include "xtalproof/prover.h"
#include "xtalproof/rpc.h"

typedef struct xp_run {
    uint8_t symhash[32], protohash[32], content_hash[32];
    uint8_t structure_root[32]; /* the committed crystal (has_root) */
    int has_root;
    uint32_t atoms;
    int hashed;   /* read and hashed: the fields above are filled */
    int inferred; /* out is filled */
    xp_infer_out out;
} xp_run;

/* Reads the file's one structure, hashes it (symhash, protohash, structureRoot where the crystal
 * can be committed), and with m (not NULL) runs the network in m's architecture. */
int xp_run_structure(const xp_model *m, const char *name, const char *data, size_t len, xp_run *run,
                     xp_error *err);

/* Appends one check line to a report (verify.c, verify_chain.c). */
void xp_verify_add(xp_verify_report *rep, const char *name, xp_check_status st, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* verify --rpc's "disputed" line (verify_disputes.c): the record's reveal challenged, and how. */
void xp_verify_disputes(xp_rpc *rpc, const xp_pred_record *r, uint64_t from,
                        xp_verify_report *rep);

#endif
