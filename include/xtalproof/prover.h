/* Prediction records: what a predictor publishes about one prediction (the crystal, the model,
 * the number, the trace root, the commitment, the predictor's EIP-191 signature and, once
 * revealed, the salt), their canonical bytes, the commitment of the Rounds contract, trace
 * openings, and the offline verification of all of it. docs/formats.md ("Prediction records")
 * is the normative text. */
#ifndef XTALPROOF_PROVER_H
#define XTALPROOF_PROVER_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/keys.h"
#include "xtalproof/merkle.h"
#include "xtalproof/model.h"
#include "xtalproof/proofdoc.h"

#define XP_PRED_RECORD_VERSION 2 /* what prove writes; version 1 is still read and verified */
#define XP_PRED_CANON_WORDS_V1 19
#define XP_PRED_CANON_WORDS 21
#define XP_PRED_CANON_LEN (32 * XP_PRED_CANON_WORDS) /* the longest: version 2 */
#define XP_PRED_MAX_BYTES (1 << 20) /* a record file larger than this is refused */
#define XP_PRED_MAX_ATOMS 100000

/* The chain facts of a record that come after it is signed (checked against the chain, not
 * signed): each optional. */
typedef struct xp_pred_anchor {
    int has_model_id, has_commit_tx, has_commit_block;
    uint64_t model_id;
    uint8_t commit_tx[32];
    uint64_t commit_block;
} xp_pred_anchor;

typedef struct xp_pred_record {
    uint32_t version; /* 2 (cgcnn-q16-v3), or 1 (cgcnn-q16-v2, read and verified) */
    /* the crystal */
    uint8_t symhash[32], protohash[32];
    uint8_t structure_root[32]; /* version 2: the committed crystal */
    uint8_t content_hash[32]; /* SHA-256 of the structure file's bytes */
    uint32_t atoms;           /* sites of the structure the network ran on */
    /* the model */
    uint8_t model_hash[32];
    uint8_t weights_root[32]; /* version 2: the weights tree */
    char model_name[49], architecture[17], property[49], unit[17];
    /* the output */
    double value;    /* valueQ / 2^16, as written */
    int64_t value_q; /* Q16.16 */
    uint8_t trace_root[32];
    /* the round the commitment is for (all zero: none) */
    uint64_t chain_id;
    uint8_t rounds[XP_ADDRESS_LEN];
    uint64_t round, target;
    uint8_t commitment[32];
    int has_salt; /* revealed */
    uint8_t salt[32];
    uint8_t predictor[XP_ADDRESS_LEN];
    uint8_t signature[XP_SIG_LEN];
    int has_dataset; /* an inclusion proof of the structure in a dataset version */
    xp_inclusion_doc dataset;
    int has_anchor;
    xp_pred_anchor anchor;
} xp_pred_record;

/* commitment = keccak256(abi.encode(COMMIT_DOMAIN, chainId, rounds, roundId, symhash,
 * modelHash, int256 valueQ, salt, predictor)), as Rounds.commitmentHash. */
void xp_pred_commitment(uint64_t chain_id, const uint8_t rounds[XP_ADDRESS_LEN], uint64_t round,
                        const uint8_t symhash[32], const uint8_t model_hash[32], int64_t value_q,
                        const uint8_t salt[32], const uint8_t predictor[XP_ADDRESS_LEN],
                        uint8_t out[32]);
/* The commitment of a record from its own fields and the given salt. */
void xp_pred_record_commitment(const xp_pred_record *r, const uint8_t salt[32], uint8_t out[32]);

/* The canonical bytes (abi.encode of 21 static words, 19 for version 1) and their keccak; returns
 * their length (at most XP_PRED_CANON_LEN). */
size_t xp_pred_record_canonical(const xp_pred_record *r, uint8_t out[XP_PRED_CANON_LEN]);
void xp_pred_record_hash(const xp_pred_record *r, uint8_t out[32]);

/* Sets predictor to priv's address and signature to the personal signature of the record's
 * hash. */
int xp_pred_record_sign(xp_pred_record *r, const uint8_t priv[32], xp_error *err);
/* The address the signature recovers to. */
int xp_pred_record_signer(const xp_pred_record *r, uint8_t addr[XP_ADDRESS_LEN], xp_error *err);

/* JSON text (fields in the documented order, two-space indent, a final newline); malloc'd. */
char *xp_pred_record_json(const xp_pred_record *r);
/* Strict reader of outside bytes: every field typed and ranged, no unknown or duplicate keys. */
int xp_pred_record_parse(const char *text, size_t len, xp_pred_record *r, xp_error *err);

/* ---- trace openings ------------------------------------------------------------------ */

/* Leaves of the trace: XP_TRACE_LAYERS layers of `atoms` leaves, then these two. */
enum { XP_TRACE_POOLED = 5, XP_TRACE_OUTPUT = 6 };

typedef struct xp_trace_opening {
    uint8_t trace_root[32];
    uint32_t atoms;
    int layer;     /* 0 (embedding) .. 4 (last convolution), XP_TRACE_POOLED, XP_TRACE_OUTPUT */
    uint32_t atom; /* for layers 0..4; 0 otherwise */
    uint64_t index;
    int32_t values[XP_CG_F]; /* 64 values; the output leaf has 2 (outQ, valueQ) */
    size_t nvalues;
    xp_merkle_proof path;
} xp_trace_opening;

/* The leaf index of (layer, atom) in a trace of `atoms` atoms; XP_EINVAL when out of range. */
int xp_trace_leaf_index(uint32_t atoms, int layer, uint32_t atom, uint64_t *index, xp_error *err);
/* The leaf's bytes: the values as int32 little-endian; returns their length. */
size_t xp_trace_leaf_bytes(const int32_t *values, size_t nvalues, uint8_t *out);

/* Runs the network on a structure file's one structure and opens (layer, atom). */
int xp_trace_open(const xp_model *m, const char *name, const char *data, size_t len, int layer,
                  uint32_t atom, xp_trace_opening *o, xp_error *err);
/* Checks an opening against a root and atom count: the index is (layer, atom)'s and the path
 * leads from the leaf to root in the tree of 5·atoms + 2 leaves. */
int xp_trace_opening_check(const xp_trace_opening *o, const uint8_t root[32], uint32_t atoms,
                           xp_error *err);
char *xp_trace_opening_json(const xp_trace_opening *o);
int xp_trace_opening_parse(const char *text, size_t len, xp_trace_opening *o, xp_error *err);

/* ---- step openings (cgcnn-q16-v3) ------------------------------------------------------ */

/* The trees a leaf belongs to. */
enum { XP_TREE_TRACE = 0, XP_TREE_STRUCTURE = 1, XP_TREE_WEIGHTS = 2 };

typedef enum {
    XP_STEP_NBR,
    XP_STEP_EMBED,
    XP_STEP_SELF,
    XP_STEP_PAIR,
    XP_STEP_EDGE,
    XP_STEP_UPDATE,
    XP_STEP_SUM,
    XP_STEP_MEAN,
    XP_STEP_HEAD
} xp_step_kind;

/* A step: nbr and embed (atom), self, pair and update (layer, atom), edge (layer, atom, k),
 * sum (layer = the pooling tree's level h, atom = the node t), mean, head. */
typedef struct xp_step_id {
    xp_step_kind kind;
    int layer;
    uint32_t atom;
    int k;
} xp_step_id;

const char *xp_step_kind_name(xp_step_kind k);
int xp_step_kind_parse(const char *s, xp_step_kind *k); /* 0, or -1 for an unknown name */

#define XP_STEP_MAX_INPUTS 20
typedef struct xp_opened_leaf {
    int tree; /* XP_TREE_* */
    uint64_t index;
    size_t len;
    uint8_t *bytes; /* malloc'd */
    xp_merkle_proof path;
} xp_opened_leaf;

typedef struct xp_step_opening {
    uint8_t trace_root[32], structure_root[32], weights_root[32];
    uint32_t atoms;
    xp_step_id step;
    xp_opened_leaf output;
    size_t ninputs;
    xp_opened_leaf inputs[XP_STEP_MAX_INPUTS];
} xp_step_opening;

/* Runs the network on a structure file's one structure (a v3 model) and opens one step: its
 * output leaf and every leaf it reads (the cell leaf first, for the atom count), with paths. */
int xp_step_open(const xp_model *m, const char *name, const char *data, size_t len,
                 const xp_step_id *id, xp_step_opening *o, xp_error *err);
/* What a contract checks: every leaf at the index its own bytes give and its path to its root,
 * the inputs the ones the step reads, and the step recomputed from them equal to the output (for
 * nbr: the list passes the rules). 0 when the step holds; XP_ECRYPTO with a sentence in why when
 * it does not; another code (with err) when the opening is malformed or a path fails. */
int xp_step_opening_check(const xp_step_opening *o, const uint8_t trace_root[32],
                          const uint8_t structure_root[32], const uint8_t weights_root[32],
                          char *why, size_t cap, xp_error *err);
char *xp_step_opening_json(const xp_step_opening *o);
int xp_step_opening_parse(const char *text, size_t len, xp_step_opening *o, xp_error *err);
void xp_step_opening_free(xp_step_opening *o);

/* ---- step calls: the dispute game's side of an opening (prover/stepcall.c) ------------------ */

/* A witness for verifyNbr: atom j at image offset o, a nearer neighbour the list left out. */
typedef struct xp_nbr_witness {
    int present;
    uint32_t j;
    int32_t o[3];
    const xp_opened_leaf *atom; /* atom j's structure leaf; NULL: the empty opening (j >= n) */
} xp_nbr_witness;

/* The StepVerifier function's signature for a step kind ("verifyEdge((bytes32,...),...)"). */
const char *xp_step_call_signature(xp_step_kind k);
/* The complete calldata (selector and arguments) of the StepVerifier call that checks o, with
 * Roots (structureRoot, weightsRoot, traceRoot) and index = o->output.index. nbr: one atom opening
 * per list entry k < count, in entry order (expanded from the opening's atoms by the entries' j);
 * wit NULL or not present: (false, 0, (0,0,0)) and an empty wAtom opening. *call is malloc'd. */
int xp_step_call(const xp_step_opening *o, const xp_nbr_witness *wit, uint8_t **call,
                 size_t *len, xp_error *err);

/* The trace index of a step's output in a trace of `atoms` atoms, and the step that writes a
 * trace index (docs/formats.md, "Leaf order"); XP_EINVAL when out of range. */
int xp_step_output_index(uint32_t atoms, const xp_step_id *id, uint64_t *index, xp_error *err);
int xp_step_at_index(uint32_t atoms, uint64_t index, xp_step_id *id, xp_error *err);

/* The continuation rule of the dispute game for a step that held: its trace inputs in the
 * verifier's argument order, the one the claim moves to (the defender goes on), the one opened
 * after the chain below ends (pend: an edge's NBR[i]), the ones added to the challenger's
 * candidates, in order, and whether the turn ends (then the challenger picks).
 * head -> POOL, mean -> SUM[H][0], self/pair -> X[l][i], sum of one child -> it: the claim moves;
 * update -> moves to X[l][i], M[l][i][0..11] candidates; sum of 2+ children: all candidates,
 * the turn ends; edge: the claim moves to PN[l][j] (j: entry k of NBR[i], edge_j), NBR[i] is
 * pending (opened in the same turn when X[l][j]'s chain ends), PS[l][i] a candidate; embed and
 * nbr end the turn unless a pending leaf remains (nbr: at_nbr, a witness may be shown). */
#define XP_STEP_MAX_TRACE_INPUTS 16
typedef struct xp_step_cont {
    size_t n;
    uint64_t input[XP_STEP_MAX_TRACE_INPUTS];
    int move; /* the input[] the claim moves to, or -1 */
    int pend; /* the input[] opened after the chain below the move ends, or -1 */
    size_t ncand;
    uint64_t cand[XP_STEP_MAX_TRACE_INPUTS];
    int ends_turn, at_nbr;
} xp_step_cont;
int xp_step_continuation(uint32_t atoms, const xp_step_id *id, uint32_t edge_j, xp_step_cont *c,
                         xp_error *err);
/* The witness against an opened neighbour list (NBR leaf bytes) that passes the rules 1-3 but is
 * not the honest one: the first entry k < count of the honest list whose (j, o) the opened list
 * lacks. That entry is nearer than the opened list's last one (or the opened list has fewer than
 * 12), so verifyNbr with it is false. 1 when found, 0 when the opened list holds every honest
 * entry. */
int xp_nbr_left_out(const uint8_t *honest, const uint8_t *opened, uint32_t *j, int32_t o[3]);

/* The honest trace of a structure under a v3 model (prover/honest_trace.c): its leaf hashes, for
 * comparing a dispute's claims and candidates with what the inference gives. */
typedef struct xp_trace3 {
    uint32_t atoms;
    int32_t value_q;
    uint8_t trace_root[32], structure_root[32], weights_root[32];
    uint64_t size;     /* N(n) leaves */
    uint8_t (*lh)[32]; /* their leaf hashes, malloc'd */
} xp_trace3;
int xp_trace3_run(const xp_model *m, const char *name, const char *data, size_t len,
                  xp_trace3 *t, xp_error *err);
void xp_trace3_free(xp_trace3 *t);

/* ---- making a record ----------------------------------------------------------------- */

typedef struct xp_prove_in {
    const char *name; /* the structure file's name (messages, format by extension) */
    const char *data; /* its bytes */
    size_t len;
    const xp_model *model;
    uint64_t chain_id, round, target;
    uint8_t rounds[XP_ADDRESS_LEN];
} xp_prove_in;

/* Reads the file's one structure, hashes it and runs the network: fills every field of the
 * record before the commitment (crystal, model, output, round). */
int xp_prove_fill(const xp_prove_in *in, xp_pred_record *r, xp_error *err);

/* The store key of the salt of a prediction slot: keccak256 of "xtalproof.salt.v1" and
 * abi.encode(chainId, rounds, round, target, symhash, modelHash, predictor). One salt per slot,
 * so proving again (or revealing) gives the same commitment. */
void xp_prove_salt_key(const xp_pred_record *r, uint8_t out[32]);
/* 32 bytes from libsodium's generator. */
int xp_prove_draw_salt(uint8_t salt[32], xp_error *err);

/* ---- verifying ----------------------------------------------------------------------- */

typedef enum { XP_CHECK_PASS = 0, XP_CHECK_FAIL = 1, XP_CHECK_SKIP = 2 } xp_check_status;

#define XP_VERIFY_MAX_OPENINGS 64
#define XP_VERIFY_MAX_CHECKS (24 + XP_VERIFY_MAX_OPENINGS)
typedef struct xp_check {
    const char *name; /* record, signature, value, structure, file, inclusion, model,
                         inference, commitment, opening (one per opening) */
    xp_check_status status;
    char reason[XP_ERROR_MAX];
} xp_check;

typedef struct xp_verify_in {
    const char *structure_name; /* the structure file, or NULL */
    const char *structure_data;
    size_t structure_len;
    const xp_model *model;            /* the model file, or NULL */
    const xp_trace_opening *openings; /* nopenings of them (at most XP_VERIFY_MAX_OPENINGS) */
    size_t nopenings;
    const xp_step_opening *step_openings; /* of a version-2 record's trace */
    size_t nstep_openings;
} xp_verify_in;

typedef struct xp_verify_report {
    size_t n;
    xp_check check[XP_VERIFY_MAX_CHECKS];
    size_t failed;
} xp_verify_report;

/* Runs every check the inputs allow on a parsed record. Where a source of truth is given it
 * is the reference of the checks that depend on it (the structure file for the inclusion
 * proof and the openings' atom count, the re-run trace root for the openings), so one false
 * claim fails one check. Returns 0 (the outcome is in the report) or XP_ENOMEM. */
int xp_pred_verify(const xp_pred_record *r, const xp_verify_in *in, xp_verify_report *rep,
                   xp_error *err);

/* The openings given to verify (`verify --opening FILE`): one opening, or one per line (trace
 * open's output lines put together), each a step's (version 2, it names a "step") or a
 * layer's (version 1). A line that does not read is kept as a sentence (the first 4). */
typedef struct xp_openings {
    xp_trace_opening layer[XP_VERIFY_MAX_OPENINGS];
    size_t nlayer;
    xp_step_opening step[XP_VERIFY_MAX_OPENINGS];
    size_t nstep;
    char bad[4][XP_ERROR_MAX];
    size_t nbad;
} xp_openings;
/* Reads the openings of a file's text (name: for messages) into o (zeroed first). */
void xp_openings_read(const char *name, const char *text, size_t len, xp_openings *o);
void xp_openings_free(xp_openings *o);
/* Adds the openings that could not be read to a report, one FAIL each, in place of the SKIP
 * line of no opening. */
void xp_openings_report(const xp_openings *o, xp_verify_report *rep);

/* The model a record names: the file or name given, else the record's modelName among the model
 * files (xp_model_open) when its keccak is modelHash. A modelName that would be read as a path is
 * not looked up (the record is outside input). *m is NULL when there is none; XP_ENOTFOUND says
 * why, ending "give <hint>" (what the caller takes in place of the lookup, e.g. "--model FILE"). */
int xp_pred_record_model(const char *given, const xp_pred_record *r, const char *hint,
                         xp_model **m, xp_error *err);

/* ---- verifying against the chain ------------------------------------------------------ */

typedef struct xp_verify_chain_in {
    const char *url;        /* the JSON-RPC endpoint */
    long timeout_ms;        /* per request; 0: 5000 */
    int has_provenance;     /* --provenance ADDR, else Rounds.provenance() */
    uint8_t provenance[XP_ADDRESS_LEN];
    int has_dataset_id;     /* --dataset-id N: the ProvenanceRegistry id of the record's dataset */
    uint64_t dataset_id;
    uint64_t from_block; /* --from-block N: events are read from block N (default 0) */
} xp_verify_chain_in;

/* Appends the checks against the chain (docs/formats.md "verify --rpc"): chain, committed,
 * timing, revealed, registered, anchored; each PASS, FAIL or SKIP with its reason. A node that
 * cannot be reached fails `chain` and skips the rest. Returns 0 (the outcome is in the report)
 * or XP_ENOMEM. */
int xp_pred_verify_chain(const xp_pred_record *r, const xp_verify_chain_in *in,
                         xp_verify_report *rep, xp_error *err);

/* The judging half of verify --rpc on given answers instead of a node's (for fuzzing): the
 * first batch's eight (eth_chainId; eth_getLogs of Committed, ResultPosted, Revealed;
 * commitmentOf; eth_getLogs of RoundOpened; models(); provenance()), then
 * ModelRegistry.registration(modelHash) (the id and the weightsRoot) and the datasets'
 * eth_getLogs; NULL for a call that failed. */
#define XP_CHAIN_ANSWERS 10
int xp_verify_chain_answers(const xp_pred_record *r, const xp_verify_chain_in *in,
                            json_t *const answers[XP_CHAIN_ANSWERS], xp_verify_report *rep,
                            xp_error *err);

#endif
