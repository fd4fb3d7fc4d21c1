/* The project's contracts on a chain: the deployment file that names them, typed calls and
 * sends to them over the journalled sender, the per-deployment state (what was anchored and
 * registered), and the beamtime reports the oracle committee signs (EIP-712).
 * docs/formats.md ("Deployment file", "Beamtime reports") is the normative text. */
#ifndef XTALPROOF_CHAIN_H
#define XTALPROOF_CHAIN_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/eth.h"
#include "xtalproof/eth_send.h"
#include "xtalproof/keys.h"
#include "xtalproof/merkle.h"
#include "xtalproof/rpc.h"
#include "xtalproof/store.h"

/* ---- deployment file ---------------------------------------------------------------- */

enum {
    XP_C_PROVENANCE = 0,
    XP_C_MODELS,
    XP_C_COMMITTEE,
    XP_C_ROUNDS,
    XP_C_VERIFIER, /* StepVerifier */
    XP_C_DISPUTES, /* created by Rounds' constructor: rounds.disputes() */
    XP_C_COUNT
};
#define XP_DEPLOYMENT_VERSION 2
/* "ProvenanceRegistry", "ModelRegistry", "OracleCommittee", "Rounds", "StepVerifier",
 * "Disputes" */
extern const char *const xp_contract_names[XP_C_COUNT];

typedef struct xp_deployment {
    uint64_t chain_id;
    uint8_t genesis[32]; /* hash of block 0: tells a fresh chain of the same id apart */
    char rpc[512];       /* the URL it was deployed through (a default for later commands) */
    uint8_t deployer[XP_ADDRESS_LEN];
    uint64_t block; /* the block of the last deployment transaction */
    uint8_t address[XP_C_COUNT][XP_ADDRESS_LEN];
    uint8_t artifact[XP_C_COUNT][32]; /* keccak-256 of contracts/bin/<Name>.bin as committed */
    /* optional keys, written only when set (a file without them reads as before) */
    int l2_op_stack;     /* "l2": "op-stack": the sender counts the L1 data fee */
    uint64_t logs_range; /* "logsRange": blocks per eth_getLogs request at most (0: none) */
} xp_deployment;

char *xp_deployment_json(const xp_deployment *d);
int xp_deployment_parse(const char *text, size_t len, xp_deployment *d, xp_error *err);
int xp_deployment_load(const char *path, xp_deployment *d, xp_error *err);
/* Writes (replacing) path atomically. */
int xp_deployment_save(const char *path, const xp_deployment *d, xp_error *err);
/* $XTALPROOF_HOME/deployment-<chainid>.json (malloc'd). */
char *xp_deployment_default_path(uint64_t chain_id, xp_error *err);
/* Which deployment file to use: `given`, else $XTALPROOF_DEPLOYMENT, else the only
 * deployment-*.json under $XTALPROOF_HOME (more than one: name one). malloc'd. */
char *xp_deployment_find(const char *given, xp_error *err);

/* ---- a connection to the deployment ------------------------------------------------- */

typedef struct xp_chain {
    xp_deployment d;
    char *deployment_path;
    xp_rpc *rpc;
    xp_journal *journal;
    xp_sender *sender; /* NULL when opened without a key */
    int state_lock;    /* fd of the state file's lock, held from state_load to close; -1 */
    uint64_t at;       /* the block calls read at and logs end at (all of one block); 0: latest */
} xp_chain;

/* The custom errors of the contracts (for revert sentences). */
extern const char *const xp_chain_errors[];
extern const size_t xp_chain_nerrors;

/* Opens the RPC (rpc_url or the deployment's), checks the chain id and genesis against the
 * deployment, and with a key opens the journal of this chain (journal-<id>-<genesis>.mdb
 * beside the deployment file) and a sender. */
int xp_chain_open(xp_chain *c, const char *deployment_path, const char *rpc_url,
                  const uint8_t *priv, xp_error *err);
void xp_chain_close(xp_chain *c);
/* The journal path of a chain (malloc'd). */
char *xp_chain_journal_path(const char *deployment_path, uint64_t chain_id,
                            const uint8_t genesis[32]);

/* eth_call of sig ("name(types)") with args (JSON array, borrowed) at `to`; the answer is
 * decoded as the tuple `returns` ("(uint256,bool)") into *out. */
int xp_chain_call(xp_chain *c, const uint8_t to[XP_ADDRESS_LEN], const char *sig,
                  const json_t *args, const char *returns, json_t **out, xp_error *err);

typedef struct xp_chain_tx {
    xp_sent sent;
    uint64_t gas_used;
    json_t *receipt; /* owned; NULL when not fetched */
} xp_chain_tx;
void xp_chain_tx_clear(xp_chain_tx *t);

/* Sends calldata to `to` (NULL: contract creation) with value (NULL: 0) under an idempotency
 * key (optional), waits for it, fetches the receipt, and fails with the contract's reason
 * when it reverts (the reason comes from gas estimation, before anything is signed). */
int xp_chain_send_data(xp_chain *c, const uint8_t *to, const uint8_t *data, size_t len,
                       const xp_u256 *value, const char *idem, xp_chain_tx *out, xp_error *err);
int xp_chain_send(xp_chain *c, const uint8_t to[XP_ADDRESS_LEN], const char *sig,
                  const json_t *args, const xp_u256 *value, const char *idem, xp_chain_tx *out,
                  xp_error *err);
/* Topic `n` (1..3) of the first log of the receipt emitted by `from` with topic 0 = keccak
 * of event_sig, as a u256. */
int xp_chain_log_topic(const json_t *receipt, const uint8_t from[XP_ADDRESS_LEN],
                       const char *event_sig, int n, xp_u256 *out, xp_error *err);

/* ---- per-deployment state (what this node anchored and registered) ------------------ */

/* The deployment's chain state: {"provenance": addr, "datasets": {name: {id, version, size,
 * root}}, "models": {name: id}, "anchorPending": {...}}, a document in the deployment's journal
 * (LMDB, beside the deployment file; the JSON file <deployment>.state.json of earlier versions
 * is read when the journal holds none, and removed at the first save). State of another
 * deployment is ignored. *state is a new object. Loading takes the state's lock (an fcntl
 * write lock on <deployment>.state.json.lock), held until xp_chain_state_unlock or
 * xp_chain_close, so two commands never lose each other's update. */
int xp_chain_state_load(xp_chain *c, json_t **state, xp_error *err);
int xp_chain_state_save(xp_chain *c, json_t *state, xp_error *err);
/* The state as it is now, without the lock and without a connection (opens and closes the
 * journal: not in a process that holds that journal open, as LMDB forbids). */
int xp_chain_state_read(const char *deployment_path, const xp_deployment *d, json_t **state,
                        xp_error *err);
/* Releases the state's lock before xp_chain_close (a long-running holder such as the node's
 * worker, between passes); the next xp_chain_state_load takes it again. */
void xp_chain_state_unlock(xp_chain *c);

/* ---- anchoring (src/chain/anchor.c) ------------------------------------------------------ */

/* The chain state's "version" (docs/formats.md, "State"): 2 keys "datasets" and
 * "anchorPending" by xp_chain_dataset_key; a state without one (1) is read and its entries
 * move under those keys as their stores claim them. */
#define XP_CHAIN_STATE_VERSION 2

/* The key of dataset d in the chain state's "datasets" and "anchorPending" (state version 2):
 * "0x" and the hex of its creation hash (xp_dataset_creation_hash, the owner's address or 20
 * zero bytes), which another store's dataset of the same name does not share. */
void xp_chain_dataset_key(const xp_dataset *d, char key[67]);
/* 1 when a chain-state entry (size, root) can be d's: the store's dataset d has that many
 * records with that root; 0 when it is another store's; a negative code on a store error. */
int xp_chain_entry_is_mine(xp_store *s, const xp_dataset *d, uint64_t size,
                           const char *root, xp_error *err);
/* d's entry of the chain state's "datasets" (borrowed; NULL: none). An entry of version 1 keyed
 * by d's name that is d's (xp_chain_entry_is_mine) is moved, with its "anchorPending" entry,
 * under d's key (*moved = 1: save the state); one that is another store's is left alone. A
 * keyed entry that is not d's (two creations alike to the second) is refused: XP_EEXIST with a
 * sentence naming the dataset, the store and what to do. */
int xp_chain_state_dataset(json_t *state, xp_store *s, const xp_dataset *d,
                           json_t **entry, int *moved, xp_error *err);

/* keccak256 of the dataset's canonical metadata {"description","license","name"}: the
 * metaHash of createDataset (docs/formats.md). */
int xp_dataset_meta_hash(const xp_dataset *d, uint8_t out[32], xp_error *err);
/* Anchors version (size, root) of dataset d: without a proof createDataset(root, size,
 * metaHash, uri, default "xtalproof:dataset/NAME") and *id gets the new on-chain id; with the
 * consistency proof from the anchored size, extendDataset(*id, root, size, proof). The
 * idempotency key anchor:NAME:SIZE:ROOT makes a rerun after a crash find the journalled
 * transaction. */
int xp_chain_anchor(xp_chain *c, const xp_dataset *d, const char *uri, uint64_t size,
                    const uint8_t root[32], const xp_merkle_proof *proof, uint64_t *id,
                    xp_chain_tx *tx, xp_error *err);

/* ---- short names, Q16.16 ------------------------------------------------------------ */

/* bytes32 of an ASCII name (left-aligned, zero-padded); longer than 32 bytes: XP_EINVAL. */
int xp_short_name(const char *name, uint8_t out[32], xp_error *err);
/* Decimal text to Q16.16: the nearest integer to value · 65536 (ties away from zero). */
int xp_q16_parse(const char *text, int64_t *q, xp_error *err);
/* Q16.16 to the shortest decimal text that xp_q16_parse reads back as the same value (at most
 * 5 decimals: 73400 is "1.12", 32768 "0.5", 65536 "1"). */
void xp_q16_format(int64_t q, char out[40]);

/* ---- beamtime reports and oracle signatures ------------------------------------------ */

#define XP_REPORT_MAX_BYTES (1 << 20)
#define XP_REPORT_MAX_ROWS 64
#define XP_REPORT_MAX_RAW 8

typedef struct xp_measurement {
    char target[256]; /* a structure file (relative to the report's folder), or "" */
    int has_symhash;  /* given as a symhash instead */
    uint8_t symhash[32];
    char property[33], unit[33], facility[33], beamline[33], proposal[65];
    char value[40], uncertainty[40]; /* decimal text as written */
    int64_t value_q, uncertainty_q;
    uint64_t measured_at; /* unix seconds */
    size_t nraw;
    char raw[XP_REPORT_MAX_RAW][256]; /* raw data files, relative to the report's folder */
} xp_measurement;

typedef struct xp_report {
    size_t n;
    xp_measurement *m; /* n of them, malloc'd */
} xp_report;

/* Reads a report: JSON ({"version":1,"measurements":[...]}) when the text starts with '{',
 * else CSV with the header line of docs/formats.md. Strict: unknown fields, missing ones,
 * bad numbers or dates are refused with the row and field. */
int xp_report_parse(const char *text, size_t len, xp_report *r, xp_error *err);
void xp_report_free(xp_report *r);
/* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" or unix seconds. */
int xp_time_parse(const char *text, uint64_t *t, xp_error *err);
/* "FACILITY/BEAMLINE" as bytes32 (at most 32 bytes). */
int xp_report_facility(const xp_measurement *m, uint8_t out[32], xp_error *err);

/* The on-chain OracleCommittee.Report of one measurement. */
typedef struct xp_oracle_report {
    uint64_t round;
    uint8_t symhash[32], property[32];
    int64_t value_q;
    uint64_t uncertainty_q;
    uint8_t raw_data_hash[32], facility[32];
    uint64_t measured_at;
} xp_oracle_report;

/* A measurement as a Report, all but the round (left 0): the symhash as given or of the one
 * structure in the target file, rawDataHash = keccak256(sha256(raw 1) ‖ … ‖ sha256(raw n))
 * (zero without raw files); the files' paths are relative to dir. */
int xp_report_entry(const char *dir, const xp_measurement *m, xp_oracle_report *r, xp_error *err);

/* Rounds.revealAt's Reveal: predictor, modelId, winner, lost, traceRoot, valueQ. */
#define XP_REVEAL_TUPLE "((address,uint64,bool,bool,bytes32,int128))"

/* ---- a round as the chain holds it (src/chain/rounds_view.c) ------------------------------- */

#define XP_ROUND_TUPLE                                                                             \
    "((address,uint64,uint16,address,uint96,address,uint32,uint32,uint16,bytes32,uint128,"         \
    "uint128,uint32,uint32,uint96))"
/* getRound: sponsor, commitDeadline, targetCount, token, stake, committee, resultWindow,
 * revealWindow, royaltyBps, property, rewardPerTarget, toleranceQ, challengeWindow, moveWindow,
 * bond */
enum {
    XP_R_SPONSOR,
    XP_R_DEADLINE,
    XP_R_NTARGETS,
    XP_R_TOKEN,
    XP_R_STAKE,
    XP_R_COMMITTEE,
    XP_R_RESULT_WINDOW,
    XP_R_REVEAL_WINDOW,
    XP_R_ROYALTY,
    XP_R_PROPERTY,
    XP_R_REWARD,
    XP_R_TOLERANCE,
    XP_R_CHALLENGE_WINDOW,
    XP_R_MOVE_WINDOW,
    XP_R_BOND
};
/* getTarget: symhash, structureRoot, result, revealDeadline, commits, reveals, winners, status,
 * disputesOpen, lost */
#define XP_TARGET_TUPLE "((bytes32,bytes32,int128,uint64,uint16,uint16,uint16,uint8,uint16,uint16))"
enum {
    XP_T_SYMHASH,
    XP_T_ROOT,
    XP_T_RESULT,
    XP_T_REVEAL_DEADLINE,
    XP_T_COMMITS,
    XP_T_REVEALS,
    XP_T_WINNERS,
    XP_T_STATUS,
    XP_T_DISPUTES_OPEN,
    XP_T_LOST
};
/* "open", "resulted", "settled", "cancelled" */
extern const char *const xp_target_statuses[4];
/* getRound(round) and getTarget(round, t): the answer's tuple (a new reference) */
int xp_chain_get_round(xp_chain *c, uint64_t round, json_t **tuple, xp_error *err);
int xp_chain_get_target(xp_chain *c, uint64_t round, uint64_t t, json_t **tuple, xp_error *err);
/* A getTarget tuple's status, 0..3 (an index of xp_target_statuses). */
int xp_chain_target_state(json_t *target);
/* A bytes32 short name (hex) back to its text (printable ASCII up to the first zero; the hex
 * itself when it is not one). */
const char *xp_short_text(const char *hex, char out[33]);
/* Every parameter of a round (getRound), each target (getTarget) with its reveals (revealAt),
 * its disputes (Challenged events) and the oracle's result (ResultPosted: facility, raw-data
 * hash, time of the measurement), as `xtalproof round show` prints it. Times are unix seconds;
 * resultDeadline = commitDeadline + resultWindow. */
int xp_chain_round_show(xp_chain *c, uint64_t round, json_t **out, xp_error *err);

/* The latest block's timestamp (the chain's now: deadlines and windows are in block time). */
int xp_chain_now(xp_chain *c, uint64_t *now, xp_error *err);

/* ---- the dispute game (src/chain/dispute.c, dispute_moves.c) --------------------------------- */

struct xp_model;
struct xp_trace3;

enum { XP_TURN_DEFENDER = 0, XP_TURN_CHALLENGER = 1 };
enum { XP_OUTCOME_OPEN, XP_OUTCOME_DEFENDER_WON, XP_OUTCOME_CHALLENGER_WON, XP_OUTCOME_MOOT };
/* "open", "defenderWon", "challengerWon", "moot"; "none", "stepFalse", "witnessShown", "timeout",
 * "conceded", "revealLostElsewhere" */
extern const char *const xp_dispute_outcomes[4];
extern const char *const xp_dispute_reasons[6];
/* the most gas one respond transaction of the defender is given (issue 19's bound per move) */
#define XP_DISPUTE_TX_GAS 5000000ull

/* Disputes.getDispute(id), fields as the contract orders them. */
typedef struct xp_dispute {
    uint64_t id, round, target, reveal;
    uint8_t challenger[XP_ADDRESS_LEN], predictor[XP_ADDRESS_LEN];
    int turn, outcome, reason;
    uint64_t deadline;
    uint32_t moves, atoms;
    uint8_t structure_root[32], weights_root[32], trace_root[32];
    char value_q[48]; /* int128, decimal */
    int has_claim;    /* claimIndex is not type(uint256).max */
    uint64_t claim_index;
    uint8_t claim_hash[32], candidates[32];
    uint32_t candidate_count;
    int at_nbr;
    uint64_t nbr_index;
    uint8_t nbr_hash[32];
} xp_dispute;
int xp_dispute_get(xp_chain *c, uint64_t id, xp_dispute *d, xp_error *err);
json_t *xp_dispute_json(const xp_dispute *d);
/* Decoded logs of Disputes matching topics (a JSON array, borrowed), oldest first, each
 * {"event", "block", "logIndex", "tx", and its fields by name}; from the deployment's block. */
int xp_dispute_logs(xp_chain *c, const json_t *topics, json_t **events, xp_error *err);
/* A number as a 32-byte log topic (hex JSON string), for the topics of a filter. */
json_t *xp_chain_topic_u64(uint64_t v);
/* The same for any contract of the deployment (an XP_C_* index) and its events' signatures. */
int xp_chain_logs(xp_chain *c, int contract, const char *const *names, size_t nnames,
                  const json_t *topics, json_t **events, xp_error *err);
/* The events of one dispute. */
int xp_dispute_events(xp_chain *c, uint64_t id, json_t **events, xp_error *err);
/* The disputes of a target (its Challenged events): [{"id", "reveal"}...]. */
int xp_dispute_find(xp_chain *c, uint64_t round, uint64_t target, json_t **ids, xp_error *err);

/* Rounds.revealAt */
typedef struct xp_reveal {
    uint8_t predictor[XP_ADDRESS_LEN];
    uint64_t model_id;
    int winner, lost;
    uint8_t trace_root[32];
    char value_q_text[48]; /* int128, decimal */
    int value_fits;        /* valueQ is an int32 (an OUT leaf can hold it) */
    int32_t value_q;
} xp_reveal;
int xp_reveal_at(xp_chain *c, uint64_t round, uint64_t target, uint64_t k, xp_reveal *r,
                 xp_error *err);
/* What the game needs of Rounds.getTarget. */
typedef struct xp_target_info {
    uint8_t symhash[32], structure_root[32];
    uint64_t reveal_deadline, reveals, disputes_open, lost;
    int status;
} xp_target_info;
int xp_target_facts(xp_chain *c, uint64_t round, uint64_t target, xp_target_info *t,
                    xp_error *err);
/* The round's token (zero: ETH), bond and challenge window (getRound). */
int xp_round_dispute_params(xp_chain *c, uint64_t round, uint8_t token[XP_ADDRESS_LEN],
                            xp_u256 *bond, uint64_t *challenge_window, xp_error *err);

/* The moves. Each sends through the journalled sender under an idempotency key
 * (challenge:R:T:K, dispute:ID:move:M:...), so a rerun after a crash sends nothing twice, and
 * appends one object per transaction to `actions`: {"action", "dispute", "tx", "gasUsed", ...}. */
/* Disputes.challenge with the round's bond (ETH as value, or approve of the token first). */
int xp_dispute_open(xp_chain *c, uint64_t round, uint64_t target, uint64_t reveal, uint64_t *id,
                    json_t *actions, xp_error *err);
/* The defender's move: the claim checked against the honest trace (else "not ours"), the claimed
 * step and its continuation opened from the structure file and model, in respond transactions
 * of at most XP_DISPUTE_TX_GAS each, until the turn ends. */
int xp_dispute_defend(xp_chain *c, uint64_t id, const struct xp_model *m, const char *name,
                      const char *data, size_t len, json_t *actions, xp_error *err);
/* The challenger's move: this turn's candidates (from the events, checked against the running
 * hash); picks the first whose leaf hash differs from the honest trace's, or at an nbr shows
 * the nearer atom the list left out (witness); with none wrong refuses unless force_pick (then
 * the first candidate). */
int xp_dispute_attack(xp_chain *c, uint64_t id, const struct xp_model *m, const char *name,
                      const char *data, size_t len, int force_pick, json_t *actions,
                      xp_error *err);
/* The defender's turn from the trace index `claim` (UINT64_MAX: the first turn, OUT) on the
 * honest trace h: each step's StepVerifier call, in order, until the continuation rule ends the
 * turn (at most 16 steps); what xp_dispute_defend sends. */
typedef struct xp_dispute_calls {
    size_t n;
    uint8_t *call[16];
    size_t len[16];
    uint64_t index[16];
} xp_dispute_calls;
int xp_dispute_turn_calls(const struct xp_trace3 *h, const struct xp_model *m, const char *name,
                          const char *data, size_t len, uint64_t claim, xp_dispute_calls *k,
                          xp_error *err);
void xp_dispute_calls_free(xp_dispute_calls *k);
/* timeout (after the deadline), close (the reveal lost elsewhere: moot), concede */
int xp_dispute_timeout(xp_chain *c, uint64_t id, json_t *actions, xp_error *err);
int xp_dispute_close(xp_chain *c, uint64_t id, json_t *actions, xp_error *err);
int xp_dispute_concede(xp_chain *c, uint64_t id, json_t *actions, xp_error *err);

/* ---- what a check of a reveal needs at hand (src/chain/dispute_watch.c) ----------------------- */

#define XP_DISPUTE_MAX_FILES 256
#define XP_DISPUTE_MAX_STRUCTURE (16 << 20)
/* The model whose weights tree has root `root`: the file `given` (checked), else the first .xpm
 * of the model folders (xp_model_dirs) that has it. */
int xp_dispute_model_for_root(const char *given, const uint8_t root[32], struct xp_model **m,
                              xp_error *err);
/* The registered weightsRoot of a model id (ModelRegistry.getModel). */
int xp_dispute_weights_root(xp_chain *c, uint64_t model_id, uint8_t root[32], xp_error *err);
/* Structure files (each holding one structure) with their structureRoot. */
typedef struct xp_dispute_file {
    char path[4096];
    uint8_t root[32];
} xp_dispute_file;
/* The files `opt` (a file or a folder, may be NULL) and pos[0..npos) name, up to
 * XP_DISPUTE_MAX_FILES; files that do not read as one structure are passed over. */
int xp_dispute_files(const char *opt, const char *const *pos, int npos, xp_dispute_file **out,
                     size_t *n, xp_error *err);
const xp_dispute_file *xp_dispute_file_of_root(const xp_dispute_file *f, size_t n,
                                               const uint8_t root[32]);
/* One reveal checked: the inference re-run on the structure file with the model, compared with
 * the revealed valueQ and traceRoot; one {"action": "check", "verdict": "honest" | "false" |
 * "lost", ...} appended to actions, then Disputes.challenge when it is false and not lost (or
 * when force), with its action. */
typedef struct xp_dispute_check {
    uint64_t round, target, reveal;
    const char *structure; /* its path */
    const struct xp_model *m;
    int force;
} xp_dispute_check;
int xp_dispute_check_reveal(xp_chain *c, const xp_dispute_check *k, const xp_reveal *rv,
                            json_t *actions, xp_error *err);

/* ---- rounds as the oracle sees them (src/chain/rounds_info.c) ---------------------------- */

/* The Rounds contract's roundCount (rounds are numbered 1..count). */
int xp_chain_round_count(xp_chain *c, uint64_t *count, xp_error *err);
/* What a round fixes at opening, as a new JSON object: {"round", "committee" (address),
 * "property" (bytes32 hex), "start" (commitDeadline), "end" (start + resultWindow),
 * "targetCount", "targets": [symhash hex...] (empty unless with_targets)}. */
int xp_chain_round_info(xp_chain *c, uint64_t round, int with_targets, json_t **out,
                        xp_error *err);
/* The status of a round's target: 0 Open, 1 Resulted, 2 Settled, 3 Cancelled. */
int xp_chain_target_status(xp_chain *c, uint64_t round, uint64_t target, int *status,
                           xp_error *err);
/* The round infos (with targets, oldest first) of the last `max` rounds whose result window is
 * not over at `now` (chain time). */
int xp_chain_open_rounds(xp_chain *c, uint64_t now, uint64_t max, json_t **out, xp_error *err);
/* The first target index >= from of a round info with this symhash, if the round's property is
 * `property`; -1 otherwise. */
int xp_round_target_of(json_t *info, const uint8_t symhash[32], const uint8_t property[32],
                       size_t from);

/* EIP-712 digest of the report for the committee at `committee` on chain_id. */
void xp_oracle_digest(const xp_oracle_report *r, uint64_t chain_id,
                      const uint8_t committee[XP_ADDRESS_LEN], uint8_t out[32]);
/* The report as the JSON tuple of postResult's argument. */
json_t *xp_oracle_report_tuple(const xp_oracle_report *r);

#endif
