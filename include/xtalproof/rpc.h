/* JSON-RPC 2.0 client over HTTP (libcurl) for Ethereum nodes: timeouts, retries with
 * exponential backoff on transport errors, HTTP 429/5xx and garbled answers, JSON-RPC errors
 * with code and message (revert data decoded), batches, and the eth_* methods the node uses. */
#ifndef XTALPROOF_RPC_H
#define XTALPROOF_RPC_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/eth.h"

typedef struct xp_rpc_opts {
    const char *url;
    long timeout_ms;         /* whole request; default 10000 */
    long connect_timeout_ms; /* default 3000 */
    int retries;             /* further tries after the first; 0: the default 6, < 0: none */
    long backoff_ms;         /* first pause, doubled each time up to 4 s; default 100 */
    long max_wait_ms; /* all pauses of one call together (Retry-After included); default 60000 */
    uint64_t logs_range; /* blocks per eth_getLogs request to start with; 0: the caller's */
    const char *const *errors; /* custom error signatures to name in revert data (optional) */
    size_t nerrors;
} xp_rpc_opts;

typedef struct xp_rpc xp_rpc;

/* The last JSON-RPC error answer, kept by the client (valid until the next call). */
typedef struct xp_rpc_error {
    int present;
    long long code;
    char message[256];
    uint8_t *data; /* revert data when the node sent some, else NULL */
    size_t data_len;
} xp_rpc_error;

/* Error code of xp_rpc_call when the node answered with a JSON-RPC error (not a transport
 * failure): the sentence holds "method: message (code N)" and xp_rpc_last_error the parts. */
#define XP_ERPC (-100)

int xp_rpc_new(const xp_rpc_opts *opts, xp_rpc **rpc, xp_error *err);
void xp_rpc_free(xp_rpc *rpc);
const xp_rpc_error *xp_rpc_last_error(const xp_rpc *rpc);
/* Counters since xp_rpc_new: requests sent on the wire, retries. */
void xp_rpc_stats(const xp_rpc *rpc, unsigned long *requests, unsigned long *retries);

/* Calls method with params (a JSON array; the reference is stolen). *result is a new
 * reference (JSON null included). */
int xp_rpc_call(xp_rpc *rpc, const char *method, json_t *params, json_t **result,
                xp_error *err);
/* Sends n calls in one request. params[i] are stolen. results[i] gets a new reference or
 * NULL when call i failed, with its sentence in errs[i] (errs may be NULL). Returns 0 when the
 * batch itself went through, even if single calls failed. */
int xp_rpc_batch(xp_rpc *rpc, size_t n, const char *const *methods, json_t **params,
                 json_t **results, xp_error *errs, xp_error *err);

/* The pause an HTTP Retry-After value asks for (delay-seconds or an HTTP date, read against
 * now, seconds since the epoch), at most a day; -1 when the value is neither. */
long xp_rpc_retry_after_ms(const char *value, long long now);
/* Whether a JSON-RPC error is a provider refusing an eth_getLogs query for its block range or
 * its count of results ("query returned more than 10000 results", "block range too large",
 * "exceeds max block range 1000"): the query, split, goes through. */
int xp_rpc_logs_refusal(const xp_rpc_error *e);
/* The rpc's options as given (defaults filled in). */
const xp_rpc_opts *xp_rpc_options(const xp_rpc *rpc);

/* Parses one JSON-RPC response body for request id; exposed for fuzzing. On a JSON-RPC error
 * returns XP_ERPC and fills rerr (its data is malloc'd; free it). */
int xp_rpc_parse_response(const char *body, size_t len, long long id, json_t **result,
                          xp_rpc_error *rerr, xp_error *err);

/* ---- eth_* methods ------------------------------------------------------------------------ */

int xp_eth_chain_id(xp_rpc *rpc, uint64_t *id, xp_error *err);
int xp_eth_block_number(xp_rpc *rpc, uint64_t *n, xp_error *err);
/* block: "latest", "pending", "safe", "finalized" or a number as "0x…". */
int xp_eth_get_block(xp_rpc *rpc, const char *block, int full, json_t **out, xp_error *err);
int xp_eth_get_transaction_count(xp_rpc *rpc, const uint8_t addr[20], const char *block,
                                 uint64_t *nonce, xp_error *err);
int xp_eth_get_balance(xp_rpc *rpc, const uint8_t addr[20], const char *block, xp_u256 *wei,
                       xp_error *err);
int xp_eth_max_priority_fee(xp_rpc *rpc, xp_u256 *wei, xp_error *err);
int xp_eth_fee_history(xp_rpc *rpc, unsigned blocks, const char *newest, const double *pct,
                       size_t npct, json_t **out, xp_error *err);
/* Suggests EIP-1559 fees: tip from eth_maxPriorityFeePerGas (1 gwei when the node has no
 * such method), cap = 2 × latest base fee + tip. */
int xp_eth_suggest_fees(xp_rpc *rpc, xp_u256 *max_fee, xp_u256 *max_priority, xp_error *err);
/* call: a JSON object (from, to, data, value …) that is borrowed. */
int xp_eth_estimate_gas(xp_rpc *rpc, const json_t *call, uint64_t *gas, xp_error *err);
int xp_eth_call(xp_rpc *rpc, const json_t *call, const char *block, uint8_t **out, size_t *n,
                xp_error *err);
int xp_eth_send_raw(xp_rpc *rpc, const uint8_t *raw, size_t n, uint8_t hash[32], xp_error *err);
/* *receipt is NULL while the transaction is not mined. */
int xp_eth_get_receipt(xp_rpc *rpc, const uint8_t hash[32], json_t **receipt, xp_error *err);
/* Logs of a filter (address and topics as in eth_getLogs; borrowed) from block from to to,
 * asked in pages of step blocks (0: 1000; never more than the rpc's logs_range when set);
 * appended to *logs (a new array when NULL). A page the provider refuses for its range or its
 * count of results (xp_rpc_logs_refusal) is halved and asked again, down to one block. */
int xp_eth_get_logs(xp_rpc *rpc, const json_t *filter, uint64_t from, uint64_t to,
                    uint64_t step, json_t **logs, xp_error *err);
/* eth_getLogs with its params as a caller would send them ([filter], stolen): block tags
 * ("latest", "earliest", numbers) are read and the range goes through xp_eth_get_logs (a
 * blockHash filter is asked as it is). *logs is a new array. */
int xp_eth_get_logs_params(xp_rpc *rpc, json_t *params, json_t **logs, xp_error *err);

/* xp_rpc_batch, where an eth_getLogs call the batch's answer refused is asked again alone
 * through xp_eth_get_logs_params (paged): every log query of the project goes through the
 * pager. */
int xp_eth_batch(xp_rpc *rpc, size_t n, const char *const *methods, json_t **params,
                 json_t **results, xp_error *errs, xp_error *err);

/* "0x" + lowercase hex of n bytes as a JSON string, the form RPC parameters take; NULL when
 * out of memory. */
json_t *xp_eth_jhex(const uint8_t *p, size_t n);

#endif
