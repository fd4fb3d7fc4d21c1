/* The state of the daemon's workers as C structs (src/daemon/worker_state.c), and the passes of
 * the round watcher and the oracle role that the anchor worker's thread runs.
 *
 * Each state has one reader from its JSON document and one writer back, called only where the
 * document is loaded from or saved to the store (the node_state table, or the deployment's
 * chain state in its journal); the workers' logic works on the structs. The documents are
 * exactly those of earlier versions (same keys, same values; the store sorts their keys), so
 * either version reads what the other wrote. A reader refuses a document that is not in that
 * form (a missing or unknown key, a value of the wrong type or form) with a sentence naming
 * the place, and leaves its struct empty. */
#ifndef XTALPROOF_DAEMON_WORKER_INTERNAL_H
#define XTALPROOF_DAEMON_WORKER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"

/* ---- the anchor worker: its part of the deployment's chain state (docs/formats.md, "State") */

/* A dataset's entry of "datasets" ({"name", "id", "version", "size", "root"}) or of
 * "anchorPending" ({"name", "version", "size", "root"}: no id), keyed by the dataset's store key
 * (xp_chain_dataset_key); an entry of a version-1 state is keyed by the dataset's name and has
 * no "name" until a store whose dataset it is claims it (xp_anchor_state_claim). */
typedef struct xp_anchor_entry {
    char key[67];                       /* the key: a store key, or a name (version 1) */
    char name[XP_DATASET_NAME_MAX + 1]; /* the dataset's name */
    uint64_t id;                        /* "datasets" only: its id in ProvenanceRegistry */
    uint64_t version, size;
    char root[67]; /* as written: "0x" and 64 hex digits */
} xp_anchor_entry;

/* A model's entry of "models": {NAME: id}. */
typedef struct xp_model_entry {
    char name[65];
    uint64_t id; /* the JSON integer's bits */
} xp_model_entry;

/* "datasets", "models" and "anchorPending" of the chain state; its other keys ("provenance")
 * belong to the chain module and stay in the document. Arrays in the document's order. */
typedef struct xp_anchor_state {
    xp_anchor_entry *datasets;
    size_t ndatasets;
    int has_pending; /* the document has "anchorPending" (kept, emptied, once it was made) */
    xp_anchor_entry *pending;
    size_t npending;
    xp_model_entry *models;
    size_t nmodels;
} xp_anchor_state;

int xp_anchor_state_read(const json_t *doc, xp_anchor_state *s, xp_error *err);
/* Sets "datasets", "models" and "anchorPending" (or removes it) of doc from s; doc's other keys
 * stay. XP_ENOMEM when out of memory. */
int xp_anchor_state_write(const xp_anchor_state *s, json_t *doc, xp_error *err);
void xp_anchor_state_free(xp_anchor_state *s);
/* The entry of key in a list (NULL: none). */
xp_anchor_entry *xp_anchor_entry_find(xp_anchor_entry *list, size_t n, const char *key);
/* Sets e->key's entry of "datasets" (pending = 0) or "anchorPending" (pending = 1), added last
 * when new; "anchorPending" is then present. XP_ENOMEM when out of memory. */
int xp_anchor_state_set(xp_anchor_state *s, int pending, const xp_anchor_entry *e);
/* Removes key's entry of "anchorPending", if any (the others keep their order). */
void xp_anchor_state_unpend(xp_anchor_state *s, const char *key);
/* 1 when key is a store key ("0x" and 64 lowercase hex digits), 0 for a name. */
int xp_anchor_key_is_store_key(const char *key);
/* The version-1 entries keyed by name (in both maps) take the store key: a store found them
 * to be its dataset's. */
void xp_anchor_state_claim(xp_anchor_state *s, const char *name, const char *key);

/* Readers of worker_state.c, for worker_state_anchor.c: each refuses with a sentence naming
 * where. */
int xp_ws_only(const json_t *o, const char *const *keys, const char *where, xp_error *err);
int xp_ws_get_u64(const json_t *o, const char *key, const char *where, uint64_t *out,
                  xp_error *err);
int xp_ws_get_str(const json_t *o, const char *key, const char *where, char *out, size_t cap,
                  xp_error *err);
int xp_ws_bad_value(const char *where, const char *key, const char *what, xp_error *err);

/* ---- the round watcher: node_state "rounds-watch/<chainid>/<Rounds address>" ----------- */
/* {"rounds": address, "cursor": next block to read, "targets": {"R:T": {"round", "target",
 * "mine", "revealDeadline", "done", "revealed" (written once true)}}, "withdrawDue"} */
typedef struct xp_rounds_state {
    char rounds[XP_ADDRESS_HEX_LEN]; /* "rounds": the Rounds contract, as written */
    uint64_t cursor;                 /* "cursor" */
    int withdraw_due;                /* "withdrawDue": a settle since the last withdraw */
    xp_round_target *targets;        /* "targets", in the document's order, new ones last */
    size_t ntargets, cap;
    size_t *index, index_cap; /* (round, target) -> position + 1, open addressing; not saved */
} xp_rounds_state;

int xp_rounds_state_read(const json_t *doc, xp_rounds_state *s, xp_error *err);
/* The document as a new JSON object; NULL when out of memory. */
json_t *xp_rounds_state_write(const xp_rounds_state *s);
void xp_rounds_state_free(xp_rounds_state *s);
/* The target (round, t); with add, a new one (nothing seen yet) is appended when there is none.
 * NULL: none (or out of memory with add). The pointer holds until the next add. */
xp_round_target *xp_rounds_state_target(xp_rounds_state *s, uint64_t round, uint64_t t, int add);

/* ---- the oracle role: node_state "oracle/<chainid>/<Rounds address>" ------------------- */

/* A round of "rounds" {"R": {...}}: what xp_chain_round_info says of it, as written. */
typedef struct xp_oracle_round {
    uint64_t round;                     /* "round" (and the key, in decimal) */
    char committee[XP_ADDRESS_HEX_LEN]; /* "committee" */
    char property[67];                  /* "property": bytes32 hex */
    uint64_t start, end;                /* "start" (commitDeadline), "end" (of the result window) */
    uint64_t target_count;              /* "targetCount" */
    char (*targets)[67];                /* "targets": symhash hex */
    size_t ntargets;
} xp_oracle_round;

/* A measurement of a report file: {"symhash", "property", "valueQ", "uncertaintyQ",
 * "rawDataHash", "facility", "measuredAt", "value", "unit", "propertyName"}. */
typedef struct xp_oracle_entry {
    xp_oracle_report r;                          /* its round left 0 */
    char value[40], unit[33], property_name[33]; /* as in the report */
} xp_oracle_entry;

/* A report file of "files" {"NAME": {"size", "mtime", "entries" | "error"}}. */
typedef struct xp_oracle_file {
    char name[256];
    int64_t size, mtime; /* mtime in ns */
    int refused;         /* no "entries": the file was refused */
    int has_error;       /* "error" (absent when the message was not UTF-8) */
    char error[XP_ERROR_MAX];
    xp_oracle_entry *entries;
    size_t nentries;
} xp_oracle_file;

/* A report digest of "items" {"DIGEST": {"round", "target", "file", "signed", "done",
 * "failures", "error" (the chain's last refusal, once there was one)}}. */
typedef struct xp_oracle_item {
    uint8_t digest[32];
    uint64_t round, target;
    char file[256];
    int signed_;      /* "signed": by this node (false: not a member) */
    int done;         /* the result is on chain */
    int64_t failures; /* postResult refusals */
    int has_error;
    char error[XP_ERROR_MAX];
} xp_oracle_item;

typedef struct xp_oracle_state {
    uint64_t rounds_seen; /* "roundsSeen": rounds 1..rounds_seen have been read */
    xp_oracle_round *rounds;
    size_t nrounds;
    xp_oracle_file *files;
    size_t nfiles;
    xp_oracle_item *items;
    size_t nitems, items_cap;
} xp_oracle_state;

int xp_oracle_state_read(const json_t *doc, xp_oracle_state *s, xp_error *err);
json_t *xp_oracle_state_write(const xp_oracle_state *s); /* NULL: out of memory */
void xp_oracle_state_free(xp_oracle_state *s);
void xp_oracle_round_free(xp_oracle_round *r);
void xp_oracle_file_free(xp_oracle_file *f);
/* One round info of xp_chain_round_info (the form of "rounds"' values) into r. */
int xp_oracle_round_read(const json_t *info, xp_oracle_round *r, const char *where, xp_error *err);
/* Whether s is UTF-8 (what a JSON string can hold). */
int xp_utf8_ok(const char *s);

/* ---- the passes the anchor worker's thread runs -------------------------------------------- */

/* The round watcher, one pass on the worker's chain connection: the Rounds contract's events
 * from the cursor it keeps in the store's node_state table (less reorg_depth blocks), then
 * reveal of this node's commitments once their result is posted (its records in the store's
 * predictions table with their salt, taken under *lock), settle of its targets past their
 * reveal deadline and withdraw of its balance. Counts go into st; *targets (malloc'd, *n of
 * them) gets what it knows of each target. */
int xp_rounds_pass(const char *home, unsigned reorg_depth, xp_chain *c, xp_store *store,
                   pthread_mutex_t *lock, xp_rounds_stats *st, xp_round_target **targets, size_t *n,
                   xp_error *err);

/* The oracle role, one pass on the worker's chain connection: reads new or changed report
 * files of cfg->oracle_reports (JSON or CSV, docs/formats.md; each left unchanged for 2 s
 * first), the rounds opened since the last pass (only while some report holds a measurement),
 * then for every measurement that is a target of a round whose result window is not over (same
 * symhash and property): signs it with priv into the signatures folder when the key is a
 * member of the round's committee, and once the commit phase is over and the folder holds the
 * committee's threshold of valid members' signatures, posts it (cfg->oracle_submit). Its
 * progress is the node_state document "oracle/<chainid>/<Rounds address>" (taken under *lock). */
int xp_oracle_pass(const xp_node_config *cfg, xp_chain *c, const uint8_t priv[32], xp_store *store,
                   pthread_mutex_t *lock, xp_oracle_stats *st, xp_error *err);

/* The dispute roles, one pass on the worker's chain connection (src/daemon/worker_disputes.c):
 * with cfg->watchtower, every reveal of a target in its challenge window whose structure file
 * is in cfg->dispute_structures re-run and challenged when false, then the challenger's moves;
 * with cfg->defender, the answers to challenges of the node's own reveals; either side's missed
 * deadline claimed. Counts go into st. */
int xp_disputes_pass(const xp_node_config *cfg, xp_chain *c, const uint8_t priv[32],
                     xp_store *store, pthread_mutex_t *lock, xp_rounds_stats *st, xp_error *err);

/* Prometheus text of a table of metrics (malloc'd; NULL when out of memory). */
typedef struct xp_worker_metric {
    const char *name, *help, *type; /* type: "gauge" or "counter" */
    uint64_t value;
} xp_worker_metric;
char *xp_worker_metrics_text(const xp_worker_metric *m, size_t n);

#endif
