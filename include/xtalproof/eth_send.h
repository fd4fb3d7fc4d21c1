/* Sending that survives crashes: every transaction is journalled in LMDB (its intent, nonce,
 * fees, raw bytes and hash) before it is broadcast. After a restart the journal is reconciled
 * with the chain by hash and nonce: unmined transactions are broadcast again, a receipt that
 * disappears (reorg) sends the transaction again, a stuck one is replaced with higher fees
 * under the same nonce, and an idempotency key maps "send this once" to one journal entry.
 *
 * The journal is its own LMDB environment, one file ($XTALPROOF_HOME/eth-journal.mdb by
 * default, XTALPROOF_HOME defaulting to ~/.xtalproof). Records are keyed by chain id, sender
 * and nonce; their layout is in docs/formats.md ("eth transaction journal"). */
#ifndef XTALPROOF_ETH_SEND_H
#define XTALPROOF_ETH_SEND_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/eth.h"
#include "xtalproof/rpc.h"

typedef struct xp_journal xp_journal;

/* path NULL: the default file. The folder is created (mode 0700) when missing. */
int xp_journal_open(const char *path, xp_journal **j, xp_error *err);
void xp_journal_close(xp_journal *j);
/* Named JSON objects kept in the journal's environment beside the transactions (the chain
 * state of a deployment: chain.h), each replaced whole in one transaction. get: a new
 * reference, XP_ENOTFOUND when there is none. */
int xp_journal_doc_get(xp_journal *j, const char *name, json_t **doc, xp_error *err);
int xp_journal_doc_put(xp_journal *j, const char *name, const json_t *doc, xp_error *err);
/* The default journal path (malloc'd). */
char *xp_journal_default_path(void);

typedef struct xp_send_req {
    const char *idem_key; /* optional: the same key never sends twice */
    int has_to;
    uint8_t to[20];
    xp_u256 value;
    const uint8_t *data;
    size_t data_len;
    uint64_t gas_limit; /* 0: eth_estimateGas */
} xp_send_req;

typedef struct xp_sender_opts {
    unsigned confirmations; /* blocks including the one that mined it; default 1 */
    unsigned poll_ms;       /* receipt polling; default 250 */
    unsigned rebroadcast_ms; /* broadcast an unmined transaction again; default 3000 */
    unsigned bump_after_ms; /* replace with fees raised by 20 % after; default 30000 */
    unsigned timeout_ms;    /* give up waiting (the journal keeps it); default 300000 */
    int l2_op_stack; /* an OP-stack chain: the L1 data fee (GasPriceOracle.getL1Fee of the
                      * signed bytes) is part of the cost checked against the balance */
} xp_sender_opts;

typedef struct xp_sender xp_sender;

int xp_sender_new(xp_rpc *rpc, xp_journal *j, const uint8_t priv[32],
                  const xp_sender_opts *opts, xp_sender **s, xp_error *err);
void xp_sender_free(xp_sender *s);
uint64_t xp_sender_chain_id(const xp_sender *s);
const uint8_t *xp_sender_address(const xp_sender *s);
/* The eth_sendRawTransaction calls this sender has made (each first send and each rebroadcast). */
uint64_t xp_sender_broadcasts(const xp_sender *s);

/* Outcome of one transaction. */
typedef struct xp_sent {
    uint64_t nonce;
    uint8_t hash[32];    /* the hash that was mined (or the latest broadcast) */
    uint64_t block;      /* 0 while unmined */
    int status;          /* receipt status: 1 success, 0 reverted, -1 unknown */
    int replaced;        /* number of fee bumps */
    int reused;          /* 1 when the idempotency key named an existing entry */
} xp_sent;

/* Journals and broadcasts (does not wait). With an idempotency key already journalled, returns
 * that entry (reused = 1) and sends nothing new. */
int xp_sender_send(xp_sender *s, const xp_send_req *req, xp_sent *out, xp_error *err);
/* Waits until the transaction of that nonce has the configured confirmations, handling
 * rebroadcast, reorgs and fee bumps. */
int xp_sender_wait(xp_sender *s, uint64_t nonce, xp_sent *out, xp_error *err);
/* Reconciles every unfinished journal entry of this sender and chain (in nonce order) and
 * waits for each; *count gets how many there were. */
int xp_sender_resume(xp_sender *s, unsigned *count, xp_error *err);
/* Entries of this sender and chain, as a JSON array text (malloc'd), for inspection. */
char *xp_sender_journal_json(xp_sender *s);

#endif
