/* The eth_* JSON-RPC methods, typed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ethjson.h"
#include "xtalproof/bytes.h"
#include "xtalproof/rpc.h"

static int want_u64(const char *method, json_t *res, uint64_t *v, xp_error *err)
{
    int rc = xp_quantity_parse_u64(json_string_value(res), v, err);
    json_decref(res);
    return rc ? xp_error_prefix(err, rc, "%s", method) : 0;
}

static int want_u256(const char *method, json_t *res, xp_u256 *v, xp_error *err)
{
    const char *s = json_string_value(res);
    int rc = s && s[0] == '0' && s[1] == 'x' ? xp_u256_parse(s, v, err)
                                             : xp_error_set(err, XP_EIO, "expected a quantity");
    json_decref(res);
    return rc ? xp_error_prefix(err, rc, "%s", method) : 0;
}

int xp_eth_chain_id(xp_rpc *rpc, uint64_t *id, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_chainId", NULL, &res, err);
    return rc ? rc : want_u64("eth_chainId", res, id, err);
}

int xp_eth_block_number(xp_rpc *rpc, uint64_t *n, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_blockNumber", NULL, &res, err);
    return rc ? rc : want_u64("eth_blockNumber", res, n, err);
}

int xp_eth_get_block(xp_rpc *rpc, const char *block, int full, json_t **out, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_getBlockByNumber", json_pack("[s,b]", block, full), &res,
                         err);
    if (rc)
        return rc;
    if (!json_is_object(res) && !json_is_null(res)) {
        json_decref(res);
        return xp_error_set(err, XP_EIO, "eth_getBlockByNumber: answer is not a block");
    }
    *out = res;
    return 0;
}

int xp_eth_get_transaction_count(xp_rpc *rpc, const uint8_t addr[20], const char *block,
                                 uint64_t *nonce, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_getTransactionCount",
                         json_pack("[o,s]", xp_eth_jhex(addr, 20), block), &res, err);
    return rc ? rc : want_u64("eth_getTransactionCount", res, nonce, err);
}

int xp_eth_get_balance(xp_rpc *rpc, const uint8_t addr[20], const char *block, xp_u256 *wei,
                       xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_getBalance", json_pack("[o,s]", xp_eth_jhex(addr, 20), block), &res,
                         err);
    return rc ? rc : want_u256("eth_getBalance", res, wei, err);
}

int xp_eth_max_priority_fee(xp_rpc *rpc, xp_u256 *wei, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_maxPriorityFeePerGas", NULL, &res, err);
    return rc ? rc : want_u256("eth_maxPriorityFeePerGas", res, wei, err);
}

int xp_eth_fee_history(xp_rpc *rpc, unsigned blocks, const char *newest, const double *pct,
                       size_t npct, json_t **out, xp_error *err)
{
    json_t *p = json_array();
    for (size_t i = 0; i < npct; i++)
        json_array_append_new(p, json_real(pct[i]));
    char nb[24];
    snprintf(nb, sizeof nb, "0x%x", blocks);
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_feeHistory", json_pack("[s,s,o]", nb, newest, p), &res, err);
    if (rc)
        return rc;
    if (!json_is_object(res)) {
        json_decref(res);
        return xp_error_set(err, XP_EIO, "eth_feeHistory: answer is not an object");
    }
    *out = res;
    return 0;
}

int xp_eth_suggest_fees(xp_rpc *rpc, xp_u256 *max_fee, xp_u256 *max_priority, xp_error *err)
{
    int rc = xp_eth_max_priority_fee(rpc, max_priority, err);
    if (rc == XP_ERPC) /* the node lacks the method: a common default */
        xp_u256_from_u64(max_priority, 1000000000ull);
    else if (rc)
        return rc;
    json_t *blk;
    if ((rc = xp_eth_get_block(rpc, "latest", 0, &blk, err)))
        return rc;
    xp_u256 base;
    const char *bf = json_string_value(json_object_get(blk, "baseFeePerGas"));
    if (!bf || xp_u256_parse(bf, &base, err)) {
        json_decref(blk);
        return xp_error_set(err, XP_EIO, "latest block has no baseFeePerGas (no EIP-1559?)");
    }
    json_decref(blk);
    xp_u256 two;
    if (xp_u256_mul_u64(&two, &base, 2) || xp_u256_add(max_fee, &two, max_priority))
        return xp_error_set(err, XP_EIO, "base fee out of range");
    return 0;
}

int xp_eth_estimate_gas(xp_rpc *rpc, const json_t *call, uint64_t *gas, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_estimateGas", json_pack("[O]", call), &res, err);
    return rc ? rc : want_u64("eth_estimateGas", res, gas, err);
}

static int hex_result(const char *method, json_t *res, uint8_t **out, size_t *n, xp_error *err)
{
    const char *s = json_string_value(res);
    size_t cap = s ? strlen(s) / 2 + 1 : 0;
    uint8_t *p = s ? malloc(cap) : NULL;
    int rc = p ? xp_hex_decode(s, strlen(s), p, cap, n, err)
               : xp_error_set(err, XP_EIO, "expected hex data");
    json_decref(res);
    if (rc) {
        free(p);
        return xp_error_prefix(err, rc, "%s", method);
    }
    *out = p;
    return 0;
}

int xp_eth_call(xp_rpc *rpc, const json_t *call, const char *block, uint8_t **out, size_t *n,
                xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_call", json_pack("[O,s]", call, block), &res, err);
    return rc ? rc : hex_result("eth_call", res, out, n, err);
}

int xp_eth_send_raw(xp_rpc *rpc, const uint8_t *raw, size_t n, uint8_t hash[32], xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_sendRawTransaction", json_pack("[o]", xp_eth_jhex(raw, n)), &res,
                         err);
    if (rc)
        return rc;
    const char *s = json_string_value(res);
    rc = s ? xp_hex_decode_exact(s, hash, 32, err) : XP_EIO;
    json_decref(res);
    if (rc)
        return xp_error_set(err, XP_EIO, "eth_sendRawTransaction: answer is not a hash");
    return 0;
}

int xp_eth_get_receipt(xp_rpc *rpc, const uint8_t hash[32], json_t **receipt, xp_error *err)
{
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_getTransactionReceipt", json_pack("[o]", xp_eth_jhex(hash, 32)),
                         &res, err);
    if (rc)
        return rc;
    if (json_is_null(res)) {
        json_decref(res);
        *receipt = NULL;
        return 0;
    }
    if (!json_is_object(res) || !json_is_string(json_object_get(res, "blockNumber")) ||
        !json_is_string(json_object_get(res, "blockHash"))) {
        json_decref(res);
        return xp_error_set(err, XP_EIO, "eth_getTransactionReceipt: malformed receipt");
    }
    *receipt = res;
    return 0;
}

/* one eth_getLogs request of blocks a..b, appended to logs */
static int logs_once(xp_rpc *rpc, const json_t *filter, uint64_t a, uint64_t b, json_t *logs,
                     xp_error *err)
{
    json_t *f = json_deep_copy(filter);
    if (!f)
        f = json_object();
    char fa[24], fb[24];
    snprintf(fa, sizeof fa, "0x%llx", (unsigned long long)a);
    snprintf(fb, sizeof fb, "0x%llx", (unsigned long long)b);
    json_object_set_new(f, "fromBlock", json_string(fa));
    json_object_set_new(f, "toBlock", json_string(fb));
    json_t *res;
    int rc = xp_rpc_call(rpc, "eth_getLogs", json_pack("[o]", f), &res, err);
    if (rc)
        return rc;
    if (!json_is_array(res)) {
        json_decref(res);
        return xp_error_set(err, XP_EIO, "eth_getLogs: answer is not an array");
    }
    json_array_extend(logs, res);
    json_decref(res);
    return 0;
}

int xp_eth_get_logs(xp_rpc *rpc, const json_t *filter, uint64_t from, uint64_t to,
                    uint64_t step, json_t **logs, xp_error *err)
{
    if (!*logs && !(*logs = json_array()))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    uint64_t cap = xp_rpc_options(rpc)->logs_range;
    if (!step || (cap && cap < step))
        step = cap ? cap : 1000;
    /* a page the provider refuses (its range, or the count of results in it) is halved and
     * asked again; after eight pages taken in a row the page doubles again, up to step */
    uint64_t page = step;
    unsigned good = 0;
    for (uint64_t a = from; a <= to;) {
        uint64_t b = to - a >= page - 1 ? a + page - 1 : to;
        int rc = logs_once(rpc, filter, a, b, *logs, err);
        if (rc == XP_ERPC && xp_rpc_logs_refusal(xp_rpc_last_error(rpc)) && b > a) {
            page = (b - a + 1) / 2;
            good = 0;
            continue;
        }
        if (rc)
            return rc;
        if (++good >= 8 && page < step) {
            page = page > step / 2 ? step : page * 2;
            good = 0;
        }
        if (b == to)
            break;
        a = b + 1;
    }
    return 0;
}

/* a block tag of a filter: a number, "earliest" (0) or "latest"/"safe"/"finalized"/absent
 * (the head) */
static int block_of(xp_rpc *rpc, const json_t *v, uint64_t *head, uint64_t *n, xp_error *err)
{
    const char *t = json_string_value(v);
    if (t && !strcmp(t, "earliest")) {
        *n = 0;
        return 0;
    }
    if (t && t[0] == '0' && t[1] == 'x')
        return xp_quantity_parse_u64(t, n, err);
    if (t && strcmp(t, "latest") && strcmp(t, "safe") && strcmp(t, "finalized") &&
        strcmp(t, "pending"))
        return xp_error_set(err, XP_EINVAL, "eth_getLogs: block \"%s\" is not understood", t);
    if (*head == UINT64_MAX) {
        int rc = xp_eth_block_number(rpc, head, err);
        if (rc)
            return rc;
    }
    *n = *head;
    return 0;
}

int xp_eth_get_logs_params(xp_rpc *rpc, json_t *params, json_t **logs, xp_error *err)
{
    json_t *f = json_array_get(params, 0);
    int rc = 0;
    uint64_t head = UINT64_MAX, from = 0, to = 0;
    *logs = NULL;
    if (!json_is_object(f) || json_object_get(f, "blockHash"))
        rc = xp_rpc_call(rpc, "eth_getLogs", json_incref(params), logs, err);
    else if (!(rc = block_of(rpc, json_object_get(f, "fromBlock"), &head, &from, err)) &&
             !(rc = block_of(rpc, json_object_get(f, "toBlock"), &head, &to, err))) {
        json_t *g = json_deep_copy(f);
        json_object_del(g, "fromBlock");
        json_object_del(g, "toBlock");
        rc = from > to ? ((*logs = json_array()) ? 0 : XP_ENOMEM)
                       : xp_eth_get_logs(rpc, g, from, to, 0, logs, err);
        json_decref(g);
    }
    json_decref(params);
    if (rc) {
        json_decref(*logs);
        *logs = NULL;
    }
    return rc;
}

int xp_eth_batch(xp_rpc *rpc, size_t n, const char *const *methods, json_t **params,
                 json_t **results, xp_error *errs, xp_error *err)
{
    json_t **kept = calloc(n ? n : 1, sizeof *kept);
    if (!kept) {
        for (size_t i = 0; i < n; i++)
            json_decref(params[i]);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(methods[i], "eth_getLogs"))
            kept[i] = json_incref(params[i]);
    int rc = xp_rpc_batch(rpc, n, methods, params, results, errs, err);
    for (size_t i = 0; i < n; i++) {
        if (rc || results[i] || !kept[i]) {
            json_decref(kept[i]);
            continue;
        }
        /* refused in the batch (a range or a result count too large for the provider):
         * asked again alone, in pages */
        xp_error e = {0};
        if (xp_eth_get_logs_params(rpc, kept[i], &results[i], &e) && errs)
            errs[i] = e;
        else if (errs)
            memset(&errs[i], 0, sizeof errs[i]);
    }
    free(kept);
    return rc;
}
